#include "conveq/check/bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "conveq/check/reference.hpp"

namespace conveq {
namespace {

// float16 or bfloat16 summed in float32: each output is rounded once more, into its dtype.
bool stored_after_sum(const Problem& p) {
  return p.accumulation_dtype() != p.dtype;
}

// A scale summed in the reference's wider accumulator (the tiles whose fast sums overflowed or
// underflowed: float64 for float32 data, long double for float64 data) may come out below the
// exact one by its rounding: inflate by that, so that it can never make the bound too tight.
// (The fast route's scale sums, check/reference.cpp, are already widened into upper bounds;
// for them the factor is 1e-10 at most.)
double scale_inflation(const Problem& p) {
  return 1.0 + gamma(output_sum_terms(p), reference_unit_roundoff(p.dtype));
}

// Products that underflow lose up to one subnormal step each (Higham 2nd ed., 2.1), so
// n terms may be off by n steps of the accumulation format in absolute terms however small the
// scale is; an output rounded once more into a storage format (float16 or bfloat16 with float32
// sums) loses up to one step of that format.
double underflow_allowance(const Problem& p) {
  const double terms = static_cast<double>(output_sum_terms(p));
  const double storage = stored_after_sum(p) ? smallest_subnormal(unit_roundoff(p.dtype)) : 0.0;
  return terms * smallest_subnormal(unit_roundoff(p.accumulation_dtype())) + storage;
}

// The unit roundoff of rounding each output into its storage format after a float32 sum; 0
// when the sum is already in the dtype.
double storage_rounding(const Problem& p) {
  return stored_after_sum(p) ? unit_roundoff(p.dtype) : 0.0;
}

// Rounding the reference from its accumulator to double (float64 problems only).
double reference_storage_rounding(const Problem& p) {
  return p.dtype == DType::float64 ? std::ldexp(1.0, -53) : 0.0;
}

// Half float16's smallest subnormal: the absolute error of a float16 product or rounding that
// underflows, which float16 outputs meet easily. float32's (2^-150) and float64's are far
// below anything the bound can see, and conveq's own paths ignore them too.
double underflow_error(double unit_roundoff) {
  return unit_roundoff == std::ldexp(1.0, -11) ? std::ldexp(1.0, -25) : 0.0;
}

// lambda sqrt(n) u: Higham and Mary's probabilistic counterpart of gamma_n(u).
double band(int64_t n, double u) {
  return kBandLambda * std::sqrt(static_cast<double>(n)) * u;
}

// Outputs whose l2 scale is below 8 smallest subnormals / u of the format: there an underflow
// (an absolute error of half a subnormal) is more than u/16 of the scale, so the normalised
// error measures underflow, not precision.
double min_l2_scale(double unit_roundoff) {
  return 8.0 * smallest_subnormal(unit_roundoff) / unit_roundoff;
}

// The external output: computed by an unknown tool, presumably at least as precisely as the
// coarser of the working dtype (normally the inputs' own) and its stored dtype. With u that
// coarser unit roundoff and n the terms of one output, Higham's bound gamma_n(u) * scale
// covers the sum; one more term covers rounding it to the stored dtype; four more cover inputs
// rounded into the working dtype (conveq then convolves slightly different numbers than the
// tool did). Float16 underflow adds (n + 1) * 2^-25.
Tolerance expected_tolerance(const Problem& p, const ExpectedOrigin& origin, bool vs_reference) {
  const int64_t n = output_sum_terms(p);
  const double u_work = unit_roundoff(p.dtype);
  const double u = std::max(u_work, origin.stored_unit_roundoff);
  const double u_ref = reference_unit_roundoff(p.dtype);
  const int64_t extra = origin.inputs_rounded ? 5 : 1;
  Tolerance t;
  t.kind = ToleranceKind::rounding_bound;
  t.terms = n + extra;
  t.unit_roundoff = u;
  const double other = vs_reference ? gamma(n, u_ref) : gamma(n, u_work);
  t.scale_factor = (gamma(t.terms, u) + other) * scale_inflation(p);
  t.band_scale_factor =
      (band(t.terms, u) + band(n, vs_reference ? u_ref : u_work)) * scale_inflation(p);
  t.value_factor = vs_reference ? reference_storage_rounding(p) : 0.0;
  t.atol = static_cast<double>(n + 1) * underflow_error(u);
  const std::string gamma_e = "gamma_" + std::to_string(t.terms) + "(u_expect)";
  const std::string gamma_n = "gamma_" + std::to_string(n);
  t.formula = "|expected - " + std::string(vs_reference ? "ref" : "b") + "| <= (" + gamma_e +
              " + " + gamma_n + (vs_reference ? "(u_ref)" : "(u)") + ") * sum|w||x|+|b|" +
              (t.value_factor > 0 ? " + 2^-53 |ref|" : "") +
              (t.atol > 0 ? " + " + std::to_string(n + 1) + " * 2^-25 (float16 underflow)" : "") +
              "; u_expect = max(u, u of the file's dtype)";
  return t;
}

}  // namespace

double gamma(int64_t n, double u) {
  const double nu = static_cast<double>(n) * u;
  if (nu >= 1.0) return std::numeric_limits<double>::infinity();
  return nu / (1.0 - nu);
}

int64_t output_sum_terms(int64_t reduction_length, bool has_bias) {
  return reduction_length + (has_bias ? 1 : 0);
}

int64_t output_sum_terms(const Problem& p) {
  return output_sum_terms(p.reduction_length(), p.has_bias);
}

std::string to_string(ToleranceKind kind) {
  switch (kind) {
    case ToleranceKind::rounding_bound:
      return "rounding_bound";
    case ToleranceKind::exact:
      return "exact";
    case ToleranceKind::atol_rtol:
      return "atol_rtol";
    case ToleranceKind::running_error_bound:
      return "running_error_bound";
  }
  return "?";
}

// A float16 or bfloat16 output summed in float32 (u) and stored (u_s): |a - y| <= u_s |y| with
// |y| <= |ref| + (gamma_n(u) + gamma_n(u_ref)) scale, so u_s |ref| joins the bound and the
// scale term grows by (1 + u_s).
Tolerance path_vs_reference_tolerance(const Problem& p) {
  Tolerance t;
  t.kind = ToleranceKind::rounding_bound;
  t.terms = output_sum_terms(p);
  t.unit_roundoff = unit_roundoff(p.accumulation_dtype());
  const double u_ref = reference_unit_roundoff(p.dtype), u_s = storage_rounding(p);
  t.scale_factor =
      (gamma(t.terms, t.unit_roundoff) + gamma(t.terms, u_ref)) * (1.0 + u_s) * scale_inflation(p);
  t.band_scale_factor =
      (band(t.terms, t.unit_roundoff) + band(t.terms, u_ref)) * (1.0 + u_s) * scale_inflation(p);
  t.value_factor = reference_storage_rounding(p) + u_s;
  t.atol = underflow_allowance(p);
  std::ostringstream f;
  f << "|a - ref| <= (gamma_" << t.terms << "(u) + gamma_" << t.terms << "(u_ref)) * sum|w||x|+|b|"
    << (u_s > 0 ? " * (1 + u_s) + u_s |ref|" : "")
    << (reference_storage_rounding(p) > 0 ? " + 2^-53 |ref|" : "") << " + n * (smallest subnormal)";
  t.formula = f.str();
  return t;
}

Tolerance path_vs_path_tolerance(const Problem& p) {
  Tolerance t;
  t.kind = ToleranceKind::rounding_bound;
  t.terms = output_sum_terms(p);
  t.unit_roundoff = unit_roundoff(p.accumulation_dtype());
  // Stored in u_s after the sum: |a - b| <= 2 gamma_n(u) scale (1 + u_s) + 2 u_s |b| / (1 - u_s).
  const double u_s = storage_rounding(p);
  t.scale_factor = 2.0 * gamma(t.terms, t.unit_roundoff) * (1.0 + u_s) * scale_inflation(p);
  t.band_scale_factor = 2.0 * band(t.terms, t.unit_roundoff) * (1.0 + u_s) * scale_inflation(p);
  t.value_factor = 2.0 * u_s / (1.0 - u_s);
  t.atol = 2.0 * underflow_allowance(p);
  t.formula = "|a - b| <= 2 * gamma_" + std::to_string(t.terms) + "(u) * sum|w||x|+|b|" +
              (u_s > 0 ? " * (1 + u_s) + 2 u_s |b| / (1 - u_s)" : "") +
              " + 2n * (smallest subnormal)";
  return t;
}

namespace {

// What both running-bound tolerances share: R_i counted `factor` times, the order-free bound
// they replace kept for the report, and its probabilistic band.
Tolerance running_tolerance(const Problem& p, double factor, Tolerance order_free) {
  Tolerance t;
  t.kind = ToleranceKind::running_error_bound;
  t.terms = output_sum_terms(p);
  t.unit_roundoff = unit_roundoff(p.accumulation_dtype());
  t.running_factor = factor;
  t.order_free = std::make_shared<const Tolerance>(std::move(order_free));
  t.band_scale_factor = t.order_free->band_scale_factor;
  return t;
}

constexpr const char* kRunningBoundText =
    "R_i = sum over the definition's roundings of u |result| (half a subnormal step below the "
    "normal range), its running error bound";

}  // namespace

// The running bound R_i is the path's whole error (underflow included); the reference (float64
// sums) adds its own gamma_n(u_ref) scale. The band stays the order-free one's.
Tolerance running_vs_reference_tolerance(const Problem& p) {
  Tolerance t = running_tolerance(p, 1, path_vs_reference_tolerance(p));
  t.scale_factor = gamma(t.terms, reference_unit_roundoff(p.dtype)) * scale_inflation(p);
  t.formula = "|a - ref| <= R_i + gamma_" + std::to_string(t.terms) + "(u_ref) * sum|w||x|+|b|; " +
              kRunningBoundText;
  return t;
}

Tolerance running_vs_path_tolerance(const Problem& p) {
  Tolerance t = running_tolerance(p, 2, path_vs_path_tolerance(p));
  t.formula = std::string("|a - b| <= 2 R_i; ") + kRunningBoundText;
  return t;
}

Tolerance exact_tolerance() {
  Tolerance t;
  t.kind = ToleranceKind::exact;
  t.formula = "a == b bit for bit (--fill exact: every partial sum is an exact integer)";
  return t;
}

Tolerance user_tolerance(double atol, double rtol) {
  Tolerance t;
  t.kind = ToleranceKind::atol_rtol;
  t.atol = atol;
  t.value_factor = rtol;
  std::ostringstream f;
  f << "|a - b| <= " << atol << " + " << rtol << " * |b|";
  t.formula = f.str();
  return t;
}

Tolerance expected_vs_reference_tolerance(const Problem& problem, const ExpectedOrigin& origin) {
  return expected_tolerance(problem, origin, true);
}

Tolerance expected_vs_path_tolerance(const Problem& problem, const ExpectedOrigin& origin) {
  return expected_tolerance(problem, origin, false);
}

double band_confidence(int64_t terms, double unit_roundoff) {
  const double a = kBandLambda * (1.0 - unit_roundoff);
  return std::max(0.0, 1.0 - static_cast<double>(terms) * 2.0 * std::exp(-a * a / 2.0));
}

// A float16 or bfloat16 path sums in its accumulation format and, with float32 sums, rounds
// each output once more into the storage format on every computed side.
PrecisionModel path_precision_model(const Problem& p, int sides) {
  PrecisionModel m;
  m.applies = true;
  m.accumulation_u = unit_roundoff(p.accumulation_dtype());
  m.terms = output_sum_terms(p);
  m.sides = sides;
  m.storage_u = storage_rounding(p);
  m.storage_sides = sides;
  m.significand_bits = mantissa_bits(p.dtype);
  m.min_l2_scale = min_l2_scale(unit_roundoff(p.dtype));
  m.format = to_string(p.dtype);
  if (is_half(p.dtype)) m.format += " (" + to_string(p.accumulation_dtype()) + " sums)";
  return m;
}

// The file's tool summed at least as precisely as the working dtype and as float32, and no more
// precisely than it stored (a float32 file is float32 sums, also with --dtype float64; a float16
// file is float32 sums stored as float16, as most kernels do: one that summed in float16 is what
// the rule is for). A coarser stored type rounds the sums once more; conveq's inputs may be the
// file's rounded into the working dtype.
PrecisionModel expected_precision_model(const Problem& p, const ExpectedOrigin& origin,
                                        bool vs_reference) {
  PrecisionModel m = path_precision_model(p, vs_reference ? 1 : 2);
  const double u_work = m.accumulation_u, u_stored = origin.stored_unit_roundoff;
  const double path_storage_u = vs_reference ? 0.0 : m.storage_u;  // a float16 path's own
  m.accumulation_u = std::max(u_work, std::min(u_stored, unit_roundoff(DType::float32)));
  m.significand_bits = -std::ilogb(m.accumulation_u);
  m.format = format_name(m.accumulation_u);
  m.storage_u = 0;
  m.storage_sides = 1;
  if (u_stored > m.accumulation_u) {
    m.storage_u = u_stored;
    m.significand_bits = -std::ilogb(u_stored);
    m.format += " sums stored as " + format_name(u_stored);
  }
  if (path_storage_u > 0) {
    m.storage_u = std::max(m.storage_u, path_storage_u);
    m.storage_sides = 2;
    m.significand_bits = std::min(m.significand_bits, mantissa_bits(p.dtype));
  }
  m.min_l2_scale = min_l2_scale(std::max({m.accumulation_u, u_stored, unit_roundoff(p.dtype)}));
  if (origin.inputs_rounded) m.input_u = unit_roundoff(p.dtype);
  return m;
}

double error_growth_unit(DType dtype) {
  return unit_roundoff(dtype);
}

double error_growth_floor(int64_t terms) {
  return 2.0 * std::sqrt(static_cast<double>(std::max<int64_t>(terms, 1)));
}

}  // namespace conveq
