// core/half_formats: the bit-pattern rounding to float16 and bfloat16, checked exhaustively
// against the formats' definitions, and the one-operation emulation against a direct rounding
// of the exact result. A deliberately wrong rounding (10 significant bits for float16) must fail
// the same checks.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>

#include "conveq/core/half_formats.hpp"

namespace {

using conveq::HalfFormat;

constexpr HalfFormat kFormats[] = {HalfFormat::float16, HalfFormat::bfloat16};

bool same_value(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

// Every finite value's round trip, every NaN staying NaN: how many bit patterns fail.
int64_t round_trip_failures(HalfFormat format, const std::function<float(float)>& round) {
  int64_t failures = 0;
  for (uint32_t bits = 0; bits <= 0xFFFFu; ++bits) {
    const float value = conveq::from_bits(format, static_cast<uint16_t>(bits));
    if (!same_value(round(value), value)) ++failures;
  }
  return failures;
}

// Midpoints between neighbouring finite values of one sign must go to the even neighbour, and
// the floats just either side of them to the nearer one: how many fail.
int64_t midpoint_failures(HalfFormat format, const std::function<float(float)>& round) {
  int64_t failures = 0;
  for (uint32_t bits = 0; bits < 0xFFFFu; ++bits) {
    const auto low_bits = static_cast<uint16_t>(bits);
    const float low = conveq::from_bits(format, low_bits);
    const float high = conveq::from_bits(format, static_cast<uint16_t>(bits + 1));
    if (!std::isfinite(low) || !std::isfinite(high) || (bits & 0x7FFFu) == 0x7FFFu) continue;
    const auto mid = static_cast<float>((static_cast<double>(low) + high) / 2);  // exact
    const float even = (low_bits & 1u) == 0 ? low : high;
    const float toward_high = std::nextafter(mid, std::abs(high) > std::abs(low) ? high : low);
    const float toward_low = std::nextafter(mid, std::abs(high) > std::abs(low) ? low : high);
    const float far = std::abs(high) > std::abs(low) ? high : low;
    const float near = std::abs(high) > std::abs(low) ? low : high;
    if (!same_value(round(mid), even)) ++failures;
    if (!same_value(round(toward_high), far)) ++failures;
    if (!same_value(round(toward_low), near)) ++failures;
  }
  return failures;
}

float exact_round(HalfFormat format, float value) {
  return static_cast<float>(conveq::round_exactly(format, static_cast<double>(value)));
}

// A float16 rounding with one significant bit too few: the wrong emulation the checks must see.
float wrong_float16(float value) {
  return static_cast<float>(conveq::round_to_precision(value, 10, -14, 65504.0));
}

}  // namespace

TEST_CASE("every float16 and bfloat16 bit pattern round-trips, NaN stays NaN", "[half]") {
  for (const HalfFormat format : kFormats) {
    INFO(conveq::to_string(format));
    CHECK(round_trip_failures(format, [&](float v) { return conveq::round_to(format, v); }) == 0);
    CHECK(round_trip_failures(format, [&](float v) { return exact_round(format, v); }) == 0);
    for (uint32_t bits = 0; bits <= 0xFFFFu; ++bits) {  // the bits themselves, signs of zero too
      const float value = conveq::from_bits(format, static_cast<uint16_t>(bits));
      if (std::isnan(value)) continue;
      REQUIRE(conveq::to_bits(format, value) == bits);
    }
  }
}

TEST_CASE("ties go to even, everything else to the nearest value", "[half]") {
  for (const HalfFormat format : kFormats) {
    INFO(conveq::to_string(format));
    CHECK(midpoint_failures(format, [&](float v) { return conveq::round_to(format, v); }) == 0);
    CHECK(midpoint_failures(format, [&](float v) { return exact_round(format, v); }) == 0);
  }
}

TEST_CASE("overflow, subnormals and NaN follow the formats", "[half]") {
  const auto f16 = [](float v) { return conveq::round_to(HalfFormat::float16, v); };
  const auto bf16 = [](float v) { return conveq::round_to(HalfFormat::bfloat16, v); };
  CHECK(f16(65504.0f) == 65504.0f);
  CHECK(f16(65519.0f) == 65504.0f);  // below the midpoint
  CHECK(std::isinf(f16(65520.0f)));  // the tie goes to "even" infinity
  CHECK(f16(-70000.0f) == -std::numeric_limits<float>::infinity());
  CHECK(f16(std::ldexp(1.0f, -24)) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(f16(std::ldexp(1.0f, -25)) == 0.0f);                   // tie to even: zero
  CHECK(f16(std::ldexp(1.5f, -25)) == std::ldexp(1.0f, -24));
  CHECK(std::signbit(f16(-std::ldexp(1.0f, -26))));                  // underflow keeps the sign
  CHECK(f16(std::ldexp(1023.0f, -24)) == std::ldexp(1023.0f, -24));  // largest subnormal
  CHECK(f16(1.0f + std::ldexp(1.0f, -11)) == 1.0f);                  // tie to even
  CHECK(f16(1.0f + 3 * std::ldexp(1.0f, -11)) == 1.0f + std::ldexp(1.0f, -9));
  CHECK(bf16(std::numeric_limits<float>::max()) == std::numeric_limits<float>::infinity());
  CHECK(bf16(1.0f + std::ldexp(1.0f, -8)) == 1.0f);
  CHECK(bf16(std::ldexp(1.0f, -133)) == std::ldexp(1.0f, -133));  // bfloat16's smallest
  CHECK(std::isnan(f16(std::numeric_limits<float>::quiet_NaN())));
  CHECK(std::isnan(bf16(std::numeric_limits<float>::signaling_NaN())));
  CHECK(std::isnan(conveq::from_bits(HalfFormat::bfloat16, 0x7F81u)));
}

TEST_CASE("random floats round as the direct definition does", "[half]") {
  std::mt19937 random(12);
  std::uniform_int_distribution<uint32_t> bits;
  for (const HalfFormat format : kFormats) {
    int64_t differ = 0;
    for (int i = 0; i < 2000000; ++i) {
      const auto value = std::bit_cast<float>(bits(random));
      if (!same_value(conveq::round_to(format, value), exact_round(format, value))) ++differ;
    }
    CHECK(differ == 0);
  }
}

TEST_CASE("one operation in float32 then rounded equals rounding the exact result", "[half]") {
  std::mt19937 random(5);
  for (const HalfFormat format : kFormats) {
    std::uniform_int_distribution<uint32_t> bits(0, 0xFFFFu);
    int64_t products = 0, sums = 0;
    for (int i = 0; i < 2000000; ++i) {
      const float a = conveq::from_bits(format, static_cast<uint16_t>(bits(random)));
      const float b = conveq::from_bits(format, static_cast<uint16_t>(bits(random)));
      if (!std::isfinite(a) || !std::isfinite(b)) continue;
      // double holds the exact product; the double sum is itself one rounding at 53 bits,
      // 53 >= 2p + 2, so rounding it once more is the exact sum's rounding (Figueroa 1995).
      const auto product = static_cast<float>(conveq::round_exactly(format, double{a} * b));
      const auto sum = static_cast<float>(conveq::round_exactly(format, double{a} + b));
      if (!same_value(conveq::half_mul(format, a, b), product)) ++products;
      if (!same_value(conveq::half_add(format, a, b), sum)) ++sums;
    }
    INFO(conveq::to_string(format));
    CHECK(products == 0);
    CHECK(sums == 0);
  }
}

TEST_CASE("bfloat16 products below float32's normal range are still exact", "[half]") {
  int64_t differ = 0;
  for (uint32_t x = 0x0001u; x <= 0x7F7Fu; x += 7) {  // spread over every exponent
    for (uint32_t y = 0x0080u; y <= 0x1000u; y += 3) {
      const float a = conveq::from_bits(HalfFormat::bfloat16, static_cast<uint16_t>(x));
      const float b = conveq::from_bits(HalfFormat::bfloat16, static_cast<uint16_t>(y));
      const double exact = double{a} * b;
      if (std::abs(exact) > 0x1p-120) continue;
      const auto expected = static_cast<float>(conveq::round_exactly(HalfFormat::bfloat16, exact));
      if (!same_value(conveq::half_mul(HalfFormat::bfloat16, a, b), expected)) ++differ;
    }
  }
  CHECK(differ == 0);
}

TEST_CASE("a float16 rounding with 10 significant bits fails the same checks", "[half]") {
  CHECK(round_trip_failures(HalfFormat::float16, wrong_float16) > 1000);
  CHECK(midpoint_failures(HalfFormat::float16, wrong_float16) > 1000);
}

TEST_CASE("round_all counts the values it changed", "[half]") {
  float values[] = {1.0f, 1.0001f, std::numeric_limits<float>::quiet_NaN(), 70000.0f, 0.1f};
  CHECK(conveq::count_unrepresentable(HalfFormat::float16, values, 5) == 3);
  CHECK(conveq::round_all(HalfFormat::float16, values, 5) == 3);
  CHECK(values[1] == 1.0f);
  CHECK(std::isinf(values[3]));
  CHECK(conveq::count_unrepresentable(HalfFormat::float16, values, 5) == 0);
}
