#pragma once
// The flow of `conveq compare`, in the style of benchdnn's doit(): select and prepare the
// paths -> time them with the reference -> optional checks (determinism, batch invariance) ->
// plan the comparisons -> compare -> verdict -> report.
#include <nlohmann/json.hpp>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/session/resources.hpp"
#include "conveq/session/run_options.hpp"

namespace conveq {

struct TensorFiles;  // io/tensor_files.hpp

struct SessionResult {
  SessionResult() = default;
  SessionResult(nlohmann::json report_, int exit_status_)
      : report(std::move(report_)), exit_status(exit_status_) {}

  nlohmann::json report;
  int exit_status = 0;  // kExitPassed, kExitFailed or kExitMistrusted
  // --save-outputs: staged, not yet in the directory. The caller commits them together with
  // its report (or drops them, and nothing is written, when the report cannot be written).
  StagedFiles saved_outputs;
};

// Seeded data, every selected path, the reference, comparisons and the report. With `files`
// (load_tensor_files): the data of --input/--weight/--bias, --expect compared like a path, and
// the report's `inputs`.
SessionResult run_compare(const Problem& problem, const RunOptions& options,
                          const TensorFiles* files = nullptr);

// The same flow on given data and paths: for tests (a deliberately broken path) and for
// tensors read from files.
template <typename T>
SessionResult run_compare_on(const Problem& problem, const RunOptions& options,
                             const ConvData<T>& data, PathList<T> paths,
                             const TensorFiles* files = nullptr);

}  // namespace conveq
