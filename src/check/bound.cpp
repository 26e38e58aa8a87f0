#include "conveq/check/bound.hpp"

#include <limits>
#include <sstream>

#include "conveq/check/reference.hpp"

namespace conveq {
namespace {

// Terms of one output's sum: the products and, with a bias, the bias.
int64_t terms(const Problem& p) {
  return p.reduction_length() + (p.has_bias ? 1 : 0);
}

// The scale is itself summed in the reference's accumulator; inflate by its rounding so
// a computed scale below the exact one can never make the bound too tight.
double scale_inflation(const Problem& p) {
  return 1.0 + gamma(terms(p), reference_unit_roundoff(p.dtype));
}

// Rounding the reference from its accumulator to double (float64 problems only).
// Products that underflow lose up to one subnormal step each (Higham 2nd ed., 2.1), so
// n terms may be off by n steps in absolute terms however small the scale is.
double underflow_allowance(const Problem& p) {
  const double smallest_subnormal =
      p.dtype == DType::float32 ? std::ldexp(1.0, -149) : std::ldexp(1.0, -1074);
  return static_cast<double>(terms(p)) * smallest_subnormal;
}

double reference_storage_rounding(const Problem& p) {
  return p.dtype == DType::float64 ? std::ldexp(1.0, -53) : 0.0;
}

}  // namespace

double gamma(int64_t n, double u) {
  const double nu = static_cast<double>(n) * u;
  if (nu >= 1.0) return std::numeric_limits<double>::infinity();
  return nu / (1.0 - nu);
}

nlohmann::json Tolerance::to_json() const {
  nlohmann::json j = {{"kind", kind}, {"formula", formula}};
  if (kind == "rounding_bound") {
    j["terms"] = terms;
    j["unit_roundoff"] = unit_roundoff;
    j["gamma"] = gamma(terms, unit_roundoff);
    j["scale_factor"] = scale_factor;
    j["value_factor"] = value_factor;
    j["atol"] = atol;
  } else if (kind == "atol_rtol") {
    j["atol"] = atol;
    j["rtol"] = value_factor;
  }
  return j;
}

Tolerance path_vs_reference_tolerance(const Problem& p) {
  Tolerance t;
  t.kind = "rounding_bound";
  t.terms = terms(p);
  t.unit_roundoff = unit_roundoff(p.dtype);
  const double u_ref = reference_unit_roundoff(p.dtype);
  t.scale_factor = (gamma(t.terms, t.unit_roundoff) + gamma(t.terms, u_ref)) * scale_inflation(p);
  t.value_factor = reference_storage_rounding(p);
  t.atol = underflow_allowance(p);
  std::ostringstream f;
  f << "|a - ref| <= (gamma_" << t.terms << "(u) + gamma_" << t.terms << "(u_ref)) * sum|w||x|+|b|"
    << (t.value_factor > 0 ? " + 2^-53 |ref|" : "") << " + n * (smallest subnormal)";
  t.formula = f.str();
  return t;
}

Tolerance path_vs_path_tolerance(const Problem& p) {
  Tolerance t;
  t.kind = "rounding_bound";
  t.terms = terms(p);
  t.unit_roundoff = unit_roundoff(p.dtype);
  t.scale_factor = 2.0 * gamma(t.terms, t.unit_roundoff) * scale_inflation(p);
  t.atol = 2.0 * underflow_allowance(p);
  t.formula = "|a - b| <= 2 * gamma_" + std::to_string(t.terms) +
              "(u) * sum|w||x|+|b| + 2n * (smallest subnormal)";
  return t;
}

Tolerance exact_tolerance() {
  Tolerance t;
  t.kind = "exact";
  t.formula = "a == b bit for bit (--fill exact: every partial sum is an exact integer)";
  return t;
}

Tolerance user_tolerance(double atol, double rtol) {
  Tolerance t;
  t.kind = "atol_rtol";
  t.atol = atol;
  t.value_factor = rtol;
  std::ostringstream f;
  f << "|a - b| <= " << atol << " + " << rtol << " * |b|";
  t.formula = f.str();
  return t;
}

}  // namespace conveq
