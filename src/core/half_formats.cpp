#include "conveq/core/half_formats.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace conveq {
namespace {

// float32 bits -> bfloat16 bits: drop the low 16 bits, rounding to nearest even; a carry out
// of the largest finite value gives infinity, as it should.
uint16_t bfloat16_bits(uint32_t bits) {
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  const uint32_t lsb = (bits >> 16) & 1u;
  return static_cast<uint16_t>((bits + 0x7FFFu + lsb) >> 16);
}

// Shifts `value` right by `shift`, rounding to nearest even.
uint32_t shift_round_even(uint32_t value, int shift) {
  const uint32_t half = 1u << (shift - 1), rest = value & ((1u << shift) - 1);
  uint32_t result = value >> shift;
  if (rest > half || (rest == half && (result & 1u) != 0)) ++result;
  return result;
}

uint16_t float16_bits(uint32_t bits) {
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t a = bits & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
  if (a >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65520: infinity
  if (a >= 0x38800000u) {  // normal: rebias the exponent (127 -> 15), 23 -> 10 bits
    return static_cast<uint16_t>(sign | shift_round_even(a - 0x38000000u, 13));
  }
  if (a <= 0x33000000u) return sign;  // <= 2^-25: rounds to zero (2^-25 is a tie, to even)
  // Subnormal: the value in units of 2^-24 is the 24-bit significand shifted right by
  // 126 - exponent; a result of 0x400 is the smallest normal, encoded the same way.
  const uint32_t significand = (a & 0x7FFFFFu) | 0x800000u;
  const int shift = 126 - static_cast<int>(a >> 23);
  return static_cast<uint16_t>(sign | shift_round_even(significand, shift));
}

float float16_value(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign != 0 ? -magnitude : magnitude;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

}  // namespace

const char* to_string(HalfFormat format) {
  return format == HalfFormat::float16 ? "float16" : "bfloat16";
}

uint16_t to_bits(HalfFormat format, float value) {
  const auto bits = std::bit_cast<uint32_t>(value);
  return format == HalfFormat::float16 ? float16_bits(bits) : bfloat16_bits(bits);
}

float from_bits(HalfFormat format, uint16_t bits) {
  if (format == HalfFormat::float16) return float16_value(bits);
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

float round_to(HalfFormat format, float value) {
  return from_bits(format, to_bits(format, value));
}

int64_t round_all(HalfFormat format, float* values, int64_t count) {
  int64_t changed = 0;
  for (int64_t i = 0; i < count; ++i) {
    const float rounded = round_to(format, values[i]);
    if (rounded != values[i] && !std::isnan(values[i])) ++changed;
    values[i] = rounded;
  }
  return changed;
}

int64_t count_unrepresentable(HalfFormat format, const float* values, int64_t count) {
  int64_t bad = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (std::isfinite(values[i]) && round_to(format, values[i]) != values[i]) ++bad;
  }
  return bad;
}

double round_to_precision(double value, int bits, int min_exponent, double max_finite) {
  if (!std::isfinite(value) || value == 0) return value;
  // value = m * 2^e with 0.5 <= |m| < 1; its ulp is 2^(e - bits), no finer than the subnormals'.
  const int e = std::max(std::ilogb(value) + 1, min_exponent + 1);
  const double ulp = std::ldexp(1.0, e - bits);
  const double rounded = std::nearbyint(value / ulp) * ulp;  // the default mode: nearest even
  if (std::abs(rounded) > max_finite) return std::copysign(HUGE_VAL, value);
  return rounded == 0 ? std::copysign(0.0, value) : rounded;
}

double round_exactly(HalfFormat format, double value) {
  if (format == HalfFormat::float16) return round_to_precision(value, 11, -14, 65504.0);
  return round_to_precision(value, 8, -126, static_cast<double>(std::numeric_limits<float>::max()));
}

}  // namespace conveq
