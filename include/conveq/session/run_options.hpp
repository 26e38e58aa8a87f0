#pragma once
// How `conveq compare` runs a problem: threads, timing, which paths, tolerances and the
// optional checks; and the command line that reproduces a run.
#include <optional>
#include <string>
#include <vector>

#include "conveq/check/compare.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

struct TensorFiles;  // io/tensor_files.hpp

struct RunOptions {
  int threads = 0;  // 0: every hardware thread
  int warmup = 1;
  int repeat = 5;
  std::vector<std::string> paths;  // empty: every path
  // --gemm: who multiplies for the im2col and gemm paths ("auto", "openblas", "onednn";
  // paths/gemm.hpp).
  std::string gemm = "auto";
  // --backends: the libraries whose paths may run ("none": conveq's own paths only); absent:
  // every library that was built, those that are opt-in only when named.
  std::optional<std::vector<std::string>> backends;
  std::optional<double> atol, rtol;
  CompareOptions compare;
  // Run every path again, and again with another thread count: bit-identical outputs?
  bool check_determinism = false;
  // Compute every sample alone (batch 1): bit-identical to its slice of the batched run?
  bool check_batch_invariance = false;
  // --save-outputs DIR: every output, the reference and the inputs used, as .npy; empty: none.
  std::string save_outputs;

  // The threads a run uses: `threads`, or every hardware thread when it is 0.
  int threads_used() const;
  // --atol or --rtol given: they replace the rounding bound.
  bool user_tolerance() const { return atol.has_value() || rtol.has_value(); }
};

// Validates run options against the known paths; throws InputError.
void validate(const RunOptions& options);

// The command line that reproduces a run.
std::string repro_command(const Problem& problem, const RunOptions& options,
                          const TensorFiles* files = nullptr);

}  // namespace conveq
