#pragma once
// The 16-bit storage formats float16 (IEEE binary16: 1 + 10 bits, u = 2^-11, max 65504,
// subnormals down to 2^-24) and bfloat16 (1 + 7 bits, u = 2^-8, float32's exponent range), held
// in float: conveq keeps such data in float buffers whose every value is representable in the
// format, and rounds to nearest, ties to even, wherever the format would round.
//
// Emulating one operation by computing it in float32 and rounding the float32 result to the
// format is exact, that is equal to rounding the exact result once: a float32 product of two
// float16 (11-bit) or bfloat16 (8-bit) values is exact (22 or 16 bits; a bfloat16 product below
// float32's normal range is exact to 2^-149, and no 16-bit product lies within 2^-150 of a
// bfloat16 rounding midpoint it is not on), and for a sum the double rounding is innocuous
// because float32's 24 bits are at least 2p + 2 for p = 11 and p = 8 (Figueroa, "When is double
// rounding innocuous?", SIGNUM 1995). tests/test_half_formats.cpp checks both against a direct
// rounding of the exact double result.
#include <cstdint>

namespace conveq {

enum class HalfFormat { float16, bfloat16 };

const char* to_string(HalfFormat format);

// Bit patterns, round to nearest even from float; NaN stays NaN (quiet), overflow goes to
// infinity, float16 rounds into its subnormals and to signed zero below them.
uint16_t to_bits(HalfFormat format, float value);
float from_bits(HalfFormat format, uint16_t bits);  // exact
float round_to(HalfFormat format, float value);     // from_bits(to_bits(value))

// Rounds every value in place; returns how many changed (NaNs not counted).
int64_t round_all(HalfFormat format, float* values, int64_t count);
// How many finite values are not representable in the format.
int64_t count_unrepresentable(HalfFormat format, const float* values, int64_t count);

// The format's arithmetic, one rounding per operation (see above).
inline float half_mul(HalfFormat format, float a, float b) {
  return round_to(format, a * b);
}
inline float half_add(HalfFormat format, float a, float b) {
  return round_to(format, a + b);
}

// A direct rounding of a double to `bits` significant bits with exponents down to `min_exponent`
// (of the smallest normal, 2^min_exponent) and largest finite `max_finite`: the slow, obviously
// correct definition the fast bit patterns are tested against.
double round_to_precision(double value, int bits, int min_exponent, double max_finite);
// round_to_precision with the format's parameters.
double round_exactly(HalfFormat format, double value);

}  // namespace conveq
