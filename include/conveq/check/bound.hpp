#pragma once
// How far apart two outputs may be: per element, tolerance_i =
//   scale_factor * scale_i + value_factor * |expected_i| + atol.
// The default is the rigorous rounding bound of a dot product (Higham, 2nd ed., 3.1):
// any summation order of n terms is within gamma_n * sum|terms| of the exact sum.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/core/problem.hpp"

namespace conveq {

// gamma_n = n*u / (1 - n*u); +infinity when n*u >= 1 (the bound says nothing).
double gamma(int64_t n, double unit_roundoff);

struct Tolerance {
  std::string kind;         // "rounding_bound", "exact" or "atol_rtol"
  double scale_factor = 0;  // times sum|w||x| + |b|
  double value_factor = 0;  // times |expected| (rtol, or the reference's own rounding)
  double atol = 0;
  int64_t terms = 0;         // n of gamma_n (rounding_bound only)
  double unit_roundoff = 0;  // u of the working dtype
  std::string formula;       // human-readable
  double at(double scale, double expected) const {
    const double magnitude = expected < 0 ? -expected : expected;
    // Zero factors contribute nothing, even next to an infinite expected value.
    return (scale_factor == 0 ? 0 : scale_factor * scale) +
           (value_factor == 0 ? 0 : value_factor * magnitude) + atol;
  }
  nlohmann::json to_json() const;
};

// A path against the reference: the path's error bound plus the reference's own.
Tolerance path_vs_reference_tolerance(const Problem& problem);
// Two paths against each other: each within gamma_n * scale of the exact value.
Tolerance path_vs_path_tolerance(const Problem& problem);
// --fill exact: every partial sum is exact, so every path must equal the reference.
Tolerance exact_tolerance();
// --atol / --rtol: torch.testing's |a - b| <= atol + rtol * |b|.
Tolerance user_tolerance(double atol, double rtol);

}  // namespace conveq
