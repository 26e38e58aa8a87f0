// Timing summaries, the Mann-Whitney U test, and the noise-aware slowdown rule of `check`.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "conveq/core/rank_test.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/suite/timing_change.hpp"

using conveq::PathTiming;
using conveq::TimingChange;

TEST_CASE("a timing keeps every sample in order, with the median and the MAD", "[timing]") {
  const auto t = conveq::summarize_timing({5, 1, 3, 100, 2});
  CHECK(t.samples_ms == std::vector<double>{5, 1, 3, 100, 2});
  CHECK(t.min_ms == 1);
  CHECK(t.max_ms == 100);
  CHECK(t.median_ms == 3);
  // deviations from 3: 2, 2, 0, 97, 1 -> median 2; the stalled 100 does not move it
  CHECK(t.mad_ms == 2);
  CHECK(conveq::summarize_timing({4, 1}).median_ms == 2.5);
}

TEST_CASE("Mann-Whitney U: exact p-values of small samples", "[timing]") {
  // Completely apart: U = 0, two-sided p = 2 / C(10, 5) = 2 / 252.
  const auto apart = conveq::mann_whitney({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  CHECK(apart.exact);
  CHECK(apart.u == 0);
  CHECK(apart.p_value == Approx(2.0 / 252));
  CHECK(conveq::mann_whitney({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).u == 25);
  CHECK(conveq::mann_whitney({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).p_value == Approx(2.0 / 252));
  // One pair out of order: U = 1; P(U <= 1) = 2 / 252 (U = 0 and U = 1 each one ordering).
  CHECK(conveq::mann_whitney({1, 2, 3, 4, 6}, {5, 7, 8, 9, 10}).p_value == Approx(4.0 / 252));
  // Two pairs: U = 2 has two orderings, P(U <= 2) = 4 / 252.
  CHECK(conveq::mann_whitney({1, 2, 3, 4, 7}, {5, 6, 8, 9, 10}).p_value == Approx(8.0 / 252));
  // Sizes 3 and 4, U = 2: counts of U = 0, 1, 2 are 1, 1, 2 of C(7, 3) = 35 orderings.
  CHECK(conveq::mann_whitney({1, 2, 5}, {3, 4, 6, 7}).p_value == Approx(2 * 4.0 / 35));
  // Interleaved: no evidence.
  CHECK(conveq::mann_whitney({1, 3, 5, 7, 9}, {2, 4, 6, 8, 10}).p_value > 0.5);
  CHECK(conveq::smallest_p_value(5, 5) == Approx(2.0 / 252));
  CHECK(conveq::smallest_p_value(1, 1) == 1);
}

TEST_CASE("Mann-Whitney U: ties and large samples use the normal approximation", "[timing]") {
  // All equal: no evidence at all.
  CHECK(conveq::mann_whitney({2, 2, 2}, {2, 2, 2}).p_value == 1);
  // 30 against 30, completely apart: z = (450 - 0.5) / sqrt(30 * 30 * 61 / 12) = 6.30.
  std::vector<double> low, high;
  for (int i = 0; i < 30; ++i) {
    low.push_back(i);
    high.push_back(100 + i);
  }
  const auto r = conveq::mann_whitney(high, low);
  CHECK_FALSE(r.exact);
  CHECK(r.u == 900);
  const double z = 449.5 / std::sqrt(30.0 * 30 * 61 / 12);
  CHECK(r.p_value == Approx(std::erfc(z / std::sqrt(2.0))));
  // With a tie the exact table does not apply.
  CHECK_FALSE(conveq::mann_whitney({1, 2, 3}, {3, 4, 5}).exact);
}

namespace {
PathTiming timing(std::vector<double> samples) {
  return {conveq::median_of(samples), std::move(samples)};
}
}  // namespace

TEST_CASE("a slowdown counts only beyond the noise of both runs", "[timing][check]") {
  const conveq::TimingThresholds t;  // 1.5x, 0.05 ms, p < 0.05
  const auto base = timing({1.00, 1.02, 0.98, 1.01, 0.99});
  SECTION("an honest 2x slowdown is slower, with the p-value") {
    const auto j = conveq::judge_timing(base, timing({2.0, 2.1, 1.9, 2.05, 1.95}), t);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("slower by 2x, beyond the noise (Mann-Whitney p = 0.0079)") !=
          std::string::npos);
    CHECK(conveq::judge_timing(timing({2.0, 2.1, 1.9, 2.05, 1.95}), base, t).change ==
          TimingChange::faster);
  }
  SECTION("a median moved by two stalled rounds is within the noise") {
    const auto noisy = timing({1.0, 3.0, 0.97, 3.2, 3.1});  // median 3.0, but fast rounds too
    const auto j = conveq::judge_timing(base, noisy, t);
    CHECK(j.change == TimingChange::within_noise);
    CHECK(j.reason.find("within the noise of both runs") != std::string::npos);
  }
  SECTION("below the factor or the time floor nothing changed") {
    CHECK(conveq::judge_timing(base, timing({1.4, 1.4, 1.4, 1.4, 1.4}), t).change ==
          TimingChange::none);
    const auto tiny = timing({0.001, 0.001, 0.001, 0.001, 0.001});
    CHECK(conveq::judge_timing(tiny, timing({0.01, 0.01, 0.01, 0.01, 0.01}), t).change ==
          TimingChange::none);
  }
  SECTION("without samples, or too few to test, the factor decides and says so") {
    const auto j = conveq::judge_timing(PathTiming{1.0, std::nullopt}, timing({2, 2, 2}), t);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("no samples") != std::string::npos);
    const auto one = conveq::judge_timing(timing({1.0}), timing({2.0}), t);
    CHECK(one.change == TimingChange::slower);
    CHECK(one.reason.find("1 and 1 samples are too few") != std::string::npos);
  }
}
