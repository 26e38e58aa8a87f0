#pragma once
// Every tolerance formula of conveq, in one place. How far apart two outputs may be: per
// element, tolerance_i =
//   scale_factor * scale_i + value_factor * |expected_i| + atol.
// The default is the rigorous rounding bound of a dot product (Higham, 2nd ed., 3.1):
// any summation order of n terms is within gamma_n * sum|terms| of the exact sum.
#include <cstdint>
#include <memory>
#include <string>

#include "conveq/check/precision.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

// gamma_n = n*u / (1 - n*u); +infinity when n*u >= 1 (the bound says nothing).
double gamma(int64_t n, double unit_roundoff);

// Terms of one output's sum: the products of the reduction and, with a bias, the bias.
int64_t output_sum_terms(int64_t reduction_length, bool has_bias);
int64_t output_sum_terms(const Problem& problem);

enum class ToleranceKind { rounding_bound, exact, atol_rtol, running_error_bound };
// "rounding_bound", "exact", "atol_rtol", "running_error_bound": the report's tolerance.kind.
std::string to_string(ToleranceKind kind);

struct Tolerance {
  ToleranceKind kind = ToleranceKind::rounding_bound;
  double scale_factor = 0;  // times sum|w||x| + |b|
  double value_factor = 0;  // times |expected| (rtol, or the reference's own rounding)
  double atol = 0;
  int64_t terms = 0;         // n of gamma_n (rounding_bound only)
  double unit_roundoff = 0;  // u of the working dtype
  std::string formula;       // human-readable
  // The probabilistic band (Higham and Mary 2019) replaces scale_factor's gamma_n terms by
  // lambda sqrt(n) u: band_i = band_scale_factor * scale_i + value_factor |expected_i| + atol.
  // 0: no band (exact or --atol/--rtol tolerances).
  double band_scale_factor = 0;
  // running_error_bound: tolerance_i also adds running_factor times output i's running error
  // bound (check/running_bound.hpp); order_free is the gamma_n bound it replaces, for the report.
  double running_factor = 0;
  std::shared_ptr<const Tolerance> order_free;
  double at(double scale, double expected, double running = 0) const {
    const double magnitude = expected < 0 ? -expected : expected;
    // Zero factors contribute nothing, even next to an infinite expected value.
    return (scale_factor == 0 ? 0 : scale_factor * scale) +
           (value_factor == 0 ? 0 : value_factor * magnitude) + atol +
           (running_factor == 0 ? 0 : running_factor * running);
  }
};

// A path against the reference: the path's error bound plus the reference's own.
Tolerance path_vs_reference_tolerance(const Problem& problem);
// Two paths against each other: each within gamma_n * scale of the exact value.
Tolerance path_vs_path_tolerance(const Problem& problem);
// float16 or bfloat16 with --accumulate same (uses_running_bound): a path against the
// reference, its running error bound plus the reference's own error; two paths, both bounds.
Tolerance running_vs_reference_tolerance(const Problem& problem);
Tolerance running_vs_path_tolerance(const Problem& problem);
// --fill exact: every partial sum is exact, so every path must equal the reference.
Tolerance exact_tolerance();
// --atol / --rtol: torch.testing's |a - b| <= atol + rtol * |b|.
Tolerance user_tolerance(double atol, double rtol);

// What the --expect bound needs to know about where the expected output came from.
struct ExpectedOrigin {
  double stored_unit_roundoff = 0;  // u of the file's stored dtype (float16: 2^-11)
  bool inputs_rounded = false;      // --input/--weight/--bias were rounded into the working dtype
};
// --expect against the reference and against a path. u is the unit roundoff of the coarser of
// the working dtype and the file's stored dtype; see docs/report.md#inputs-npy-files.
Tolerance expected_vs_reference_tolerance(const Problem& problem, const ExpectedOrigin& origin);
Tolerance expected_vs_path_tolerance(const Problem& problem, const ExpectedOrigin& origin);

// The probability, under Higham and Mary's model (rounding errors independent, mean zero), that
// one output of `terms` terms stays inside the band: at least 1 - terms * 2 exp(-lambda^2 (1-u)^2
// / 2) (their inner-product theorem: a union bound over the terms), 0 when that is negative.
double band_confidence(int64_t terms, double unit_roundoff);

// What a correct result's effective precision should be (precision.hpp): a path against the
// reference (sides 1) or against its twin (sides 2); an --expect file against the reference or
// a path, with the file's stored type.
PrecisionModel path_precision_model(const Problem& problem, int sides);
PrecisionModel expected_precision_model(const Problem& problem, const ExpectedOrigin& origin,
                                        bool vs_reference);

// `conveq check` (baseline.hpp) measures a comparison's max_scaled_error in units of the working
// dtype's unit roundoff u, and counts its growth only above a floor of 2 * sqrt(n) u, n the
// terms of one output's sum. sqrt(n) u is the scale of the rounding error of an n-term sum in
// any order (Higham and Mary's probabilistic bound, SIAM J. Sci. Comput. 2019), and both sides
// of a comparison round; below the floor a change of summation order alone explains the error.
double error_growth_unit(DType dtype);  // u
// The floor, in units of u, for sums of `terms` terms: 2 * sqrt(terms).
double error_growth_floor(int64_t terms);

}  // namespace conveq
