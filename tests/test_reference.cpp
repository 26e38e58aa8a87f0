// The reference's sums against sums computed here term by term in long double (float32 data)
// or binary128 (float64 data). The reference sums the magnitude scale in the data's own type
// and widens it into an upper bound of the exact sum |w||x| + |b|; float64 data's values are
// double-doubles; tiles whose fast sums overflow, underflow or are not finite are summed again
// in the wider type. Each case below fails if one of those steps is missing.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>

#include "conveq/check/reference.hpp"

using conveq::ConvData;
using conveq::Problem;

namespace {

Problem problem_1d(int64_t in, int64_t out, int64_t length, int64_t kernel) {
  conveq::ProblemOptions o;
  o.in_channels = std::to_string(in);
  o.out_channels = std::to_string(out);
  o.length = std::to_string(length);
  o.kernel = std::to_string(kernel);
  return conveq::make_problem(o);
}

// sum |w||x| + |b| and sum (w x)^2 + b^2 of every output (no padding, stride 1), in long
// double: each product of two float32 values is exact there, each sum off by at most
// n 2^-64 of itself.
struct ExactScales {
  std::vector<long double> magnitude, squares;
};

ExactScales exact_scales(const Problem& p, const ConvData<float>& d) {
  ExactScales e;
  const int64_t ow = p.out_width();
  for (int64_t o = 0; o < p.out_channels; ++o) {
    for (int64_t l = 0; l < ow; ++l) {
      const long double b = d.bias(o);
      long double m = std::abs(b), q = b * b;
      for (int64_t c = 0; c < p.in_channels; ++c) {
        for (int64_t j = 0; j < p.kernel_w; ++j) {
          const long double product =
              static_cast<long double>(d.weight(o, c, 0, j)) * d.input(0, c, 0, l + j);
          m += std::abs(product);
          q += product * product;
        }
      }
      e.magnitude.push_back(m);
      e.squares.push_back(q);
    }
  }
  return e;
}

// Standard normal input, weight and bias from a seeded generator.
template <typename T>
ConvData<T> normal_data(const Problem& p, unsigned seed) {
  ConvData<T> d = conveq::allocate_data<T>(p);
  std::mt19937 rng(seed);
  std::normal_distribution<T> normal;
  for (auto* tensor : {&d.input, &d.weight})
    for (auto& v : *tensor) v = normal(rng);
  for (auto& v : d.bias) v = normal(rng);
  return d;
}

ConvData<float> constant_data(const Problem& p, float x, float w, float b) {
  ConvData<float> d = conveq::allocate_data<float>(p);
  std::fill(d.input.begin(), d.input.end(), x);
  std::fill(d.weight.begin(), d.weight.end(), w);
  std::fill(d.bias.begin(), d.bias.end(), b);
  return d;
}

conveq::ReferenceOutput reference_of(const Problem& p, const ConvData<float>& d) {
  conveq::ReferenceOutput r;
  conveq::compute_reference(p, d, 2, r);
  return r;
}

// The scale, times the bound's own inflation for a scale summed in float64 (bound.cpp:
// 1 + gamma_n(2^-53), what covers the tiles summed again in float64), is at least the exact sum
// (less the long double sum's own n 2^-64), and at most what the widening allows: (1 + 2 (n +
// 2) 2^-24) of it, plus n 2^-150 for underflow.
void check_scale_bounds(const Problem& p, const conveq::ReferenceOutput& r, const ExactScales& e) {
  const auto n = static_cast<long double>(p.in_channels * p.kernel_w + 1);
  const long double inflation = 1 + n * 0x1p-53L / (1 - n * 0x1p-53L);
  int64_t below = 0, loose = 0;
  for (size_t i = 0; i < e.magnitude.size(); ++i) {
    const long double exact = e.magnitude[i], scale = r.scale(i);
    below += scale * inflation < exact * (1 - n * 0x1p-63L);
    loose += scale > exact * (1 + 2 * (n + 2) * 0x1p-24L) + n * 0x1p-150L;
  }
  CHECK(below == 0);
  CHECK(loose == 0);
}

// The l2 scales as summed in float64: within 1e-12 of the exact ones.
void check_l2_scales(const conveq::ReferenceOutput& r, const ExactScales& e) {
  for (size_t i = 0; i < e.squares.size(); ++i) {
    REQUIRE(std::isfinite(r.scale(i)));
    REQUIRE(std::isfinite(r.l2_scale(i)));
    CHECK(r.l2_scale(i) == Approx(static_cast<double>(std::sqrt(e.squares[i]))).epsilon(1e-12));
  }
}

}  // namespace

TEST_CASE("the float32 data's magnitude scale bounds the exact sum from above, tightly",
          "[reference][bound]") {
  // Random data: the float32 sum falls below the exact one at about half the outputs, so the
  // widening is what keeps the scale above it. 4,102 positions: two tiles of a row.
  const Problem p = problem_1d(24, 3, 4102, 3);
  const auto d = normal_data<float>(p, 7);
  const auto r = reference_of(p, d);
  check_scale_bounds(p, r, exact_scales(p, d));
}

TEST_CASE("products that underflow float32 still leave the scale above the exact sum",
          "[reference][bound]") {
  // 2^-80 * 2^-80 = 2^-160 rounds to 0 in float32: the float32 sum is 0, the exact one is not.
  const Problem p = problem_1d(16, 2, 9, 3);
  const auto d = constant_data(p, 0x1p-80f, 0x1p-80f, 0.0f);
  const auto r = reference_of(p, d);
  const auto e = exact_scales(p, d);
  REQUIRE(e.magnitude[0] > 0);
  check_scale_bounds(p, r, e);
}

TEST_CASE("sums of squares that underflow float32 are summed again in float64",
          "[reference][precision]") {
  // (2^-40 * 2^-40)^2 = 2^-160: 0 in float32, while the l2 scale 2^-80 sqrt(n) is far above the
  // precision statistic's smallest measured scale.
  const Problem p = problem_1d(16, 2, 9, 3);
  const auto d = constant_data(p, 0x1p-40f, 0x1p-40f, 0.0f);
  const auto r = reference_of(p, d);
  const auto e = exact_scales(p, d);
  check_l2_scales(r, e);
  check_scale_bounds(p, r, e);
}

TEST_CASE("scales that overflow float32 are summed again in float64", "[reference][bound]") {
  // Products 2^140 overflow float32 (max about 2^128) but not float64; squares 2^140 overflow
  // too while the products themselves (2^70) do not.
  for (const float x : {0x1p70f, 0x1p35f}) {
    DYNAMIC_SECTION("x = w = " << x) {
      const Problem p = problem_1d(16, 2, 9, 3);
      const auto d = constant_data(p, x, x, 1.0f);
      const auto r = reference_of(p, d);
      const auto e = exact_scales(p, d);
      check_l2_scales(r, e);
      check_scale_bounds(p, r, e);
    }
  }
}

TEST_CASE("a NaN or an infinity in the input reaches exactly the outputs it touches",
          "[reference]") {
  // Kernel 3, no padding: input position 10 feeds outputs 8 to 10, position 30 outputs 28 to 30.
  const Problem p = problem_1d(4, 2, 40, 3);
  auto d = constant_data(p, 0.5f, 0.25f, 1.0f);
  d.input(0, 1, 0, 10) = std::numeric_limits<float>::quiet_NaN();
  d.input(0, 2, 0, 30) = std::numeric_limits<float>::infinity();
  const auto r = reference_of(p, d);
  for (int64_t o = 0; o < p.out_channels; ++o) {
    for (int64_t l = 0; l < p.out_width(); ++l) {
      const auto i = static_cast<size_t>(o * p.out_width() + l);
      INFO("output channel " << o << ", position " << l);
      if (l >= 8 && l <= 10) {
        CHECK(std::isnan(r.value(i)));
        CHECK(std::isnan(r.scale(i)));
      } else if (l >= 28 && l <= 30) {
        CHECK(std::isinf(r.value(i)));
        CHECK(std::isinf(r.scale(i)));
      } else {
        CHECK(r.value(i) == 1.0 + 12 * 0.125);  // 4 channels x 3 taps x 0.5 x 0.25, + bias
        CHECK(std::isfinite(r.scale(i)));
      }
    }
  }
}

namespace {

// Sums of float64 data computed here in binary128 (__float128, 113-bit significand): every
// product of two doubles is exact, every sum off by at most n 2^-113 of the magnitude.
struct ExactFloat64 {
  std::vector<__float128> value, magnitude;
};

__float128 magnitude_of(__float128 v) {
  return v < 0 ? -v : v;
}

ExactFloat64 exact_float64(const Problem& p, const ConvData<double>& d) {
  ExactFloat64 e;
  for (int64_t o = 0; o < p.out_channels; ++o) {
    for (int64_t l = 0; l < p.out_width(); ++l) {
      __float128 v = d.bias(o), m = magnitude_of(v);
      for (int64_t c = 0; c < p.in_channels; ++c) {
        for (int64_t j = 0; j < p.kernel_w; ++j) {
          const __float128 product =
              static_cast<__float128>(d.weight(o, c, 0, j)) * d.input(0, c, 0, l + j);
          v += product;
          m += magnitude_of(product);
        }
      }
      e.value.push_back(v);
      e.magnitude.push_back(m);
    }
  }
  return e;
}

conveq::ReferenceOutput reference_of(const Problem& p, const ConvData<double>& d) {
  conveq::ReferenceOutput r;
  conveq::compute_reference(p, d, 2, r);
  return r;
}

}  // namespace

TEST_CASE("float64 data is summed as double-doubles: within the bound, and exact past long double",
          "[reference][float64]") {
  SECTION("random data: value within 2^-53 |exact| + gamma_n(2^-64) sum|wx|, scale above") {
    const Problem p = problem_1d(40, 3, 900, 3);
    const auto d = normal_data<double>(p, 11);
    const auto r = reference_of(p, d);
    const auto e = exact_float64(p, d);
    const auto n = static_cast<double>(p.in_channels * p.kernel_w + 1);
    int64_t outside = 0, below = 0, loose = 0;
    for (size_t i = 0; i < e.value.size(); ++i) {
      const auto exact = static_cast<double>(e.value[i]);
      const auto magnitude = static_cast<double>(e.magnitude[i]);
      const double error = std::abs(r.value(i) - exact);  // exact rounded: half an ulp more
      outside += error > 0x1p-52 * std::abs(exact) + n * 0x1p-64 * magnitude;
      below += r.scale(i) < magnitude;
      loose += r.scale(i) > magnitude * (1 + 2 * (n + 2) * 0x1p-53);
    }
    CHECK(outside == 0);
    CHECK(below == 0);
    CHECK(loose == 0);
  }
  SECTION("2^70 + 1 - 2^70: long double's 64 bits lose the 1, a double-double keeps it") {
    // Without the low part, or with TwoSum's additions reassociated, the 1 would be lost too.
    const Problem p = problem_1d(1, 1, 3, 3);
    ConvData<double> d = conveq::allocate_data<double>(p);
    d.input(0, 0, 0, 0) = 0x1p70;
    d.input(0, 0, 0, 1) = 1;
    d.input(0, 0, 0, 2) = -0x1p70;
    std::fill(d.weight.begin(), d.weight.end(), 1.0);
    d.bias(0) = 0;
    CHECK(reference_of(p, d).value(0) == 1.0);
  }
  SECTION("products that may underflow float64 are summed in long double") {
    // 0.75 * 2^-1074 rounds up to 2^-1074 in float64 and its error underflows to 0: summed as
    // double-doubles the four products would give 4 * 2^-1074; the exact sum is 3 * 2^-1074.
    const Problem p = problem_1d(4, 1, 2, 1);
    ConvData<double> d = conveq::allocate_data<double>(p);
    std::fill(d.input.begin(), d.input.end(), std::numeric_limits<double>::denorm_min());
    std::fill(d.weight.begin(), d.weight.end(), 0.75);
    d.bias(0) = 0;
    const auto r = reference_of(p, d);
    for (size_t i = 0; i < 2; ++i)
      CHECK(r.value(i) == 3 * std::numeric_limits<double>::denorm_min());
  }
  SECTION("products that overflow float64 are summed again in long double") {
    // 2^600 * 2^500 = 2^1100: infinite in float64, so the double-double is NaN; in long double
    // the two products cancel exactly and the third channel's 1 * 1 is left.
    const Problem p = problem_1d(3, 1, 4, 1);
    ConvData<double> d = conveq::allocate_data<double>(p);
    std::fill(d.input.begin(), d.input.end(), 0x1p600);
    for (int64_t l = 0; l < 4; ++l) d.input(0, 2, 0, l) = 1;
    d.weight(0, 0, 0, 0) = 0x1p500;
    d.weight(0, 1, 0, 0) = -0x1p500;
    d.weight(0, 2, 0, 0) = 1;
    d.bias(0) = 0;
    const auto r = reference_of(p, d);
    for (size_t i = 0; i < 4; ++i) CHECK(r.value(i) == 1.0);
  }
}
