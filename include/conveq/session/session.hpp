#pragma once
// The flow of `conveq compare`: data -> paths -> timing -> compare -> report.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conveq/check/compare.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/path.hpp"

namespace conveq {

struct TensorFiles;  // tensor_files.hpp

struct RunOptions {
  int threads = 0;  // 0: every hardware thread
  int warmup = 1;
  int repeat = 5;
  std::vector<std::string> paths;  // empty: every path
  std::optional<double> atol, rtol;
  CompareOptions compare;
  // Run every path again, and again with another thread count: bit-identical outputs?
  bool check_determinism = false;
  // Compute every sample alone (batch 1): bit-identical to its slice of the batched run?
  bool check_batch_invariance = false;
  // --save-outputs DIR: every output, the reference and the inputs used, as .npy; empty: none.
  std::string save_outputs;
};

struct SessionResult {
  nlohmann::json report;
  int exit_status = 0;  // kExitPassed, kExitFailed or kExitMistrusted
};

// Validates run options against the known paths; throws InputError.
void validate(const RunOptions& options);

// Refuses, before anything is allocated, a problem whose tensors would not fit in memory
// or whose GEMM dimensions exceed BLAS's 32-bit integers. Throws InputError.
// `threads` (0: every hardware thread) bounds how many comparisons hold buffers at once.
void check_resources(const Problem& problem, int threads = 0);

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

// The command line that reproduces a run.
std::string repro_command(const Problem& problem, const RunOptions& options,
                          const TensorFiles* files = nullptr);

}  // namespace conveq
