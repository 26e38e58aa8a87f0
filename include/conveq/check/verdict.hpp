#pragma once
// The run's verdict from its comparisons and optional checks: failed when any comparison
// failed or a path was not deterministic or batch-invariant; mistrusted when any comparison
// was too weak to mean anything, nothing was compared, or the data were damaged on the way in
// (an input that overflowed on conversion); passed otherwise.
#include <string>
#include <vector>

#include "conveq/check/compare.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

struct Verdict {
  Status status = Status::passed;
  int passed = 0, failed = 0, mistrusted = 0;  // comparisons
  std::string summary;                         // one sentence or two, for people
  bool equivalent() const { return failed == 0; }
};

// `deterministic` / `batch_invariant`: the checks' results (true when not run).
// `input_warnings`: why the data cannot be trusted, one clause each (e.g. "--input x.npy: 3
// values overflowed to infinity converting float64 -> float32"); any makes the run at least
// mistrusted, and the summary names them all.
Verdict decide(const Problem& problem, const std::vector<ComparisonResult>& comparisons,
               bool deterministic, bool batch_invariant,
               const std::vector<std::string>& input_warnings = {});

// The exit status of a compare run with this verdict: kExitPassed, kExitFailed or
// kExitMistrusted.
int exit_status(const Verdict& verdict);

}  // namespace conveq
