#pragma once
// The running error bound of --accumulate same (Higham, Accuracy and Stability of Numerical
// Algorithms, 2nd ed., section 3.1, running error analysis). With float16 or bfloat16 sums every
// conveq path computes the definition's one summation order: s = bias, then for each input
// channel, row tap and column tap in order p = round(w x), s = round(s + p). Replaying that order
// gives the computed partial sums, and each rounding errs by at most u |result| (result normal)
// or half a subnormal step (result subnormal), so
//   |s_hat - s_exact| <= sum over the operations of that local bound
// for every output of every path that computes that order, which the replay checks bit for bit.
// Far tighter than the order-free gamma_n(u) sum|w||x|, which is infinite from n u >= 1.
#include <string>
#include <vector>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

struct RunningBound {
  std::vector<float> value;   // the definition's outputs, every operation rounded
  std::vector<double> bound;  // per output: at least |value - exact| (the running error bound)
};

// float16 or bfloat16 with --accumulate same: the one mode where every path shares an order.
bool uses_running_bound(const Problem& problem);

// Replays the definition's order for every output (on up to `threads` threads). Only for a
// problem that uses_running_bound.
RunningBound running_error_bound(const Problem& problem, const ConvData<float>& data, int threads);

// The bound holds for a path's output only if the path computed the definition's order: throws
// std::logic_error (an internal error, exit 4) naming the path when any output differs from
// the replay (NaN matches NaN, -0 matches +0).
void require_definition_order(const std::string& path, const float* output,
                              const RunningBound& replay);

}  // namespace conveq
