#pragma once
// The ground truth: direct loops that accumulate in a wider type than the problem's
// (double for float32 problems, double-double for float64 ones), and the magnitude
// scale sum |w||x| + |b| of every output, which the error bounds are measured against, and
// the l2 scale sqrt(sum (w x)^2 + b^2), which the effective precision is measured against.
#include <string>
#include <xtensor/xtensor.hpp>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

struct ReferenceOutput {
  xt::xtensor<double, 1> value;  // (N, Cout, OH, OW) flattened, rounded to double
  xt::xtensor<double, 1> scale;  // sum |w||x| + |b| per output
  // sqrt(sum (w x)^2 + b^2) per output: the yardstick of the effective precision (precision.hpp)
  xt::xtensor<double, 1> l2_scale;
};

// The accumulation's name and unit roundoff: "float64" 2^-53; "double-double" 2^-64, the
// long double bound that its own error (and its long double fallback's) stays within.
std::string reference_accumulation(DType dtype);
double reference_unit_roundoff(DType dtype);

template <typename T>
void compute_reference(const Problem& problem, const ConvData<T>& data, int threads,
                       ReferenceOutput& out);

}  // namespace conveq
