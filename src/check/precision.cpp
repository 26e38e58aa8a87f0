#include "conveq/check/precision.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include "conveq/core/error.hpp"

namespace conveq {
namespace {

struct NamedFormat {
  const char* name;
  double bits;
};
// Formats whose rounding of the inputs a reading can point at: significant bits, implicit bit
// included. TF32 and float16 share 11 bits; only their ranges differ.
constexpr NamedFormat kFormats[] = {{"tf32", 11}, {"bfloat16", 8}, {"float16", 11}};

}  // namespace

double precision_bits(double rms_normalised_error) {
  return -std::log2(rms_normalised_error / kInputRoundingRms);
}

double expected_rms(const PrecisionModel& m, double coherence) {
  const double u = m.accumulation_u, n = static_cast<double>(m.terms);
  const double accumulation = static_cast<double>(m.sides) * u * u * n * (1.0 + coherence);
  const double storage =
      static_cast<double>(m.storage_sides) * m.storage_u * m.storage_u * coherence;
  const double inputs = 2.0 * m.input_u * m.input_u;
  return std::sqrt(accumulation + storage + inputs);
}

PrecisionAllowance parse_precision_allowance(const std::string& text) {
  for (const auto& format : kFormats) {
    if (text == format.name) return {format.bits, text};
  }
  char* end = nullptr;
  const double bits = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(bits >= 2 && bits <= 53)) {
    throw InputError("--allow-reduced-precision " + text +
                     ": must be tf32, bfloat16, float16 or a number of significant bits from 2 "
                     "to 53");
  }
  return {bits, text};
}

std::string nearest_format(double bits) {
  if (std::abs(bits - 11) <= kAllowanceSlackBits) {
    return "TF32 or float16 inputs (11 significant bits)";
  }
  if (std::abs(bits - 8) <= kAllowanceSlackBits) return "bfloat16 inputs (8 significant bits)";
  return "";
}

std::string format_name(double unit_roundoff) {
  switch (-std::ilogb(unit_roundoff)) {
    case 11:
      return "float16";
    case 8:
      return "bfloat16";
    case 24:
      return "float32";
    case 53:
      return "float64";
    default:
      return "u = " + std::to_string(unit_roundoff);
  }
}

double smallest_subnormal(double unit_roundoff) {
  const int p = -std::ilogb(unit_roundoff);  // u = 2^-p, p significant bits
  switch (p) {
    case 11:
      return std::ldexp(1.0, -24);
    case 8:
      return std::ldexp(1.0, -133);
    case 24:
      return std::ldexp(1.0, -149);
    case 53:
      return std::ldexp(1.0, -1074);
    default:
      return 0;
  }
}

}  // namespace conveq
