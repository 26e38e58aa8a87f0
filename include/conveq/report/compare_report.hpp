#pragma once
// Everything one `conveq compare` run found, as typed results; report/json.hpp turns it into
// the JSON report (docs/report.md), report/text_report.hpp into text.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conveq/check/batch_invariance.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/check/determinism.hpp"
#include "conveq/check/verdict.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/paths/backend.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/session/run_options.hpp"

namespace conveq {

struct TensorFiles;  // io/tensor_files.hpp

// One path as it ran (the reference too): the shapes its formulation sees, its timing, and
// for a path that calls a library, what the library chose.
struct PathResult {
  std::string name, op, algorithm;
  std::vector<int64_t> input_shape, weight_shape, output_shape;
  Timing timing;
  double flops = 0;  // of the problem: GFLOP/s = flops / median time
  NonFiniteCounts output_nonfinite;
  std::optional<BackendInfo> backend;  // none for conveq's own paths and the reference
};

struct SkippedPath {
  std::string name, reason;
};

struct CompareReport {
  Problem problem;
  RunOptions run;
  int threads = 0;  // used
  std::string reference_accumulation;
  double reference_unit_roundoff = 0;
  std::vector<PathResult> paths;  // the reference last
  std::vector<SkippedPath> skipped_paths;
  std::vector<ComparisonResult> comparisons;
  std::optional<DeterminismResult> determinism;           // --check-determinism
  std::optional<BatchInvarianceResult> batch_invariance;  // --check-batch-invariance
  Verdict verdict;
  std::string repro;
  GemmInfo gemm;                       // who multiplied for the im2col and gemm paths
  const TensorFiles* files = nullptr;  // the .npy files read, if any (the report's `inputs`)
};

}  // namespace conveq
