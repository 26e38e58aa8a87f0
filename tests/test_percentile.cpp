// Nearest-rank percentiles by radix selection, against sorting the same values.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "conveq/check/percentile.hpp"

using conveq::from_order_key;
using conveq::nearest_rank_percentiles;
using conveq::order_key;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<uint64_t> keys_of(const std::vector<double>& values) {
  std::vector<uint64_t> keys;
  for (const double v : values) keys.push_back(order_key(v));
  return keys;
}

// What the selection must return: the sorted keys at ceil(q n) - 1, clamped to the last.
std::vector<uint64_t> by_sorting(std::vector<uint64_t> keys, const std::vector<double>& qs) {
  std::sort(keys.begin(), keys.end());
  std::vector<uint64_t> expected;
  for (const double q : qs) {
    const auto k = static_cast<size_t>(std::ceil(q * static_cast<double>(keys.size()))) - 1;
    expected.push_back(keys[std::min(k, keys.size() - 1)]);
  }
  return expected;
}

void check_against_sorting(const std::vector<double>& values) {
  const auto keys = keys_of(values);
  const std::vector<double> qs{0.5, 0.9, 0.99, 1.0, 0.0, 0.001};
  const auto got = nearest_rank_percentiles(keys, {0.5, 0.9, 0.99, 1.0, 0.0, 0.001});
  const auto expected = by_sorting(keys, qs);
  REQUIRE(got.size() == qs.size());
  for (size_t i = 0; i < qs.size(); ++i) {
    INFO("n = " << values.size() << ", q = " << qs[i]);
    CHECK(order_key(got[i]) == expected[i]);  // the same bits: -0 and NaN included
  }
}

// Errors as a comparison sees them: spread over binades, in one sign.
std::vector<double> spread(size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  for (auto& x : v) x = std::abs(normal(rng)) * 1e-7;
  return v;
}

}  // namespace

TEST_CASE("order keys order like the doubles, NaN last, and map back", "[percentile]") {
  const std::vector<double> ascending{-kInf,  -1e300, -1.0,  -1e-310, -0.0, 0.0,
                                      1e-310, 1.0,    1e300, kInf,    kNaN};
  for (size_t i = 1; i < ascending.size(); ++i) {
    CHECK(order_key(ascending[i - 1]) < order_key(ascending[i]));
  }
  for (const double v : ascending) {
    CHECK(order_key(from_order_key(order_key(v))) == order_key(v));
  }
  CHECK(from_order_key(order_key(-2.5)) == -2.5);
}

TEST_CASE("percentiles equal sorting's, at every size and shape of data", "[percentile]") {
  std::mt19937_64 rng(7);
  for (const size_t n : {1, 2, 3, 100, 2047, 2048, 2049, 5000, 100000}) {
    check_against_sorting(spread(n, rng));
  }
  SECTION("few distinct values: ties at every rank") {
    std::vector<double> v(60000);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(rng() % 5) * 0.25;
    check_against_sorting(v);
  }
  SECTION("all equal, and mostly zero") {
    check_against_sorting(std::vector<double>(50000, 3.0));
    std::vector<double> v(50000, 0.0);
    for (size_t i = 0; i < 300; ++i) v[rng() % v.size()] = 1.0 + static_cast<double>(i);
    check_against_sorting(v);
  }
  SECTION("one binade, differing in the last bits only: every digit is used") {
    std::vector<double> v(80000);
    for (auto& x : v) x = std::nextafter(1.0, 2.0) + static_cast<double>(rng() % 3000) * 0x1p-52;
    check_against_sorting(v);
  }
  SECTION("both signs, zeros of both signs, infinities and NaN") {
    std::vector<double> v = spread(30000, rng);
    for (size_t i = 0; i < v.size(); i += 3) v[i] = -v[i];
    for (size_t i = 1; i < v.size(); i += 101) v[i] = (i % 2) ? -0.0 : 0.0;
    v[5] = kInf;
    v[6] = -kInf;
    v[7] = kNaN;
    check_against_sorting(v);
  }
}

TEST_CASE("NaN ranks above +inf, and no values read 0", "[percentile]") {
  const auto p = nearest_rank_percentiles(keys_of({1.0, kNaN, kInf}), {0.5, 1.0});
  CHECK(p[0] == kInf);
  CHECK(std::isnan(p[1]));
  const auto none = nearest_rank_percentiles({}, {0.5, 0.99});
  CHECK(none == std::vector<double>{0.0, 0.0});
}
