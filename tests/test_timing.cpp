// Timing summaries, the Mann-Whitney U test, and the noise-aware slowdown rule of `check`.
#include <catch2/catch.hpp>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conveq/core/parallel.hpp"
#include "conveq/core/rank_test.hpp"
#include "conveq/core/runqueue_wait.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/report/json.hpp"
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
  return {conveq::median_of(samples), std::move(samples), std::nullopt};
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
    const auto j =
        conveq::judge_timing(PathTiming{1.0, std::nullopt, std::nullopt}, timing({2, 2, 2}), t);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("no samples") != std::string::npos);
    const auto one = conveq::judge_timing(timing({1.0}), timing({2.0}), t);
    CHECK(one.change == TimingChange::slower);
    CHECK(one.reason.find("1 and 1 samples are too few") != std::string::npos);
  }
}

namespace {
// Five steady samples around `ms`, in a fixed order.
PathTiming steady(double ms) {
  return timing({ms * 1.00, ms * 1.02, ms * 0.98, ms * 1.01, ms * 0.99});
}

// A problem's paths (baseline, current): medians 1, 2, 4, ... ms in the baseline, each
// current one the baseline's times `factors[i]`; all in conveq's own timing block.
std::vector<conveq::TimedPath> problem_paths(const std::vector<double>& factors) {
  std::vector<conveq::TimedPath> paths;
  double ms = 1;
  for (double f : factors) {
    paths.push_back({steady(ms), steady(ms * f), ""});
    ms *= 2;
  }
  return paths;
}

conveq::TimingJudgement judge(const std::vector<conveq::TimedPath>& paths, size_t i) {
  return conveq::judge_timing(paths[i].baseline, paths[i].current, {},
                              conveq::run_context(paths, i));
}
}  // namespace

TEST_CASE("the run's context is the median move of the problem's other paths", "[timing][check]") {
  const auto paths = problem_paths({1.0, 1.2, 1.4, 10.0});
  // Without path 3: the median of 1.0, 1.2, 1.4; path 3's own 10x does not count.
  const auto run = conveq::run_context(paths, 3);
  CHECK(run.other_paths == 3);
  CHECK(run.factor == Approx(1.2));
  // Without path 0: 1.2, 1.4, 10 -> 1.4; one outlier among the others does not move it.
  CHECK(conveq::run_context(paths, 0).factor == Approx(1.4));
  // Paths without a finite positive median in both runs do not count.
  auto broken = paths;
  broken[1].current.median_ms = std::numeric_limits<double>::infinity();
  broken[2].baseline.median_ms = 0;
  CHECK(conveq::run_context(broken, 3).other_paths == 1);
  CHECK(conveq::run_context(problem_paths({2.0}), 0).other_paths == 0);
}

TEST_CASE("the run's context is the path's timing block when the block has other paths",
          "[timing][check]") {
  // Two oneDNN paths slowed 3x together (their block ran in a busy moment), conveq's own not.
  auto paths = problem_paths({1.0, 1.0, 1.0, 3.0, 3.0});
  paths[3].block = paths[4].block = "oneDNN";
  const auto onednn = conveq::run_context(paths, 3);
  CHECK(onednn.factor == Approx(3.0));
  CHECK(onednn.others == "its 1 other oneDNN path");
  CHECK(judge(paths, 3).change == TimingChange::whole_run);
  CHECK(conveq::run_context(paths, 0).others == "its 2 other conveq paths");
  CHECK(conveq::run_context(paths, 0).factor == Approx(1.0));
  // Alone in its block: the problem's other paths.
  paths[4].block = "XNNPACK";
  const auto alone = conveq::run_context(paths, 4);
  CHECK(alone.others == "its 4 other paths");
  CHECK(alone.factor == Approx(1.0));  // median of 1, 1, 1, 3
}

TEST_CASE("a slowdown counts only when it stands out from the rest of its run", "[timing][check]") {
  SECTION("one path 2x slower on a quiet machine is a regression, relative to the run 2x") {
    const auto paths = problem_paths({1.0, 1.01, 2.0, 0.99, 1.0});
    const auto j = judge(paths, 2);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("slower by 2x, beyond the noise (Mann-Whitney p = 0.0079), and 2x "
                        "relative to the run (its 4 other conveq paths: 1x their baseline time") !=
          std::string::npos);
    for (size_t i : {0, 1, 3, 4}) CHECK(judge(paths, i).change == TimingChange::none);
  }
  SECTION("a loaded run that slowed every path 1.7x is noise, and says so") {
    const auto paths = problem_paths({1.7, 1.75, 1.65, 1.7, 1.72});
    for (size_t i = 0; i < paths.size(); ++i) {
      const auto j = judge(paths, i);
      CHECK(j.change == TimingChange::whole_run);
      CHECK(j.reason.find("the whole problem moved, load or a slower machine") !=
            std::string::npos);
    }
    // The rule of the previous release (factor and samples only) called each one slower.
    CHECK(conveq::judge_timing(paths[0].baseline, paths[0].current, {}).change ==
          TimingChange::slower);
  }
  SECTION("one path 2x slower in a run loaded 1.7x is still a regression") {
    const auto paths = problem_paths({1.7, 1.75, 3.4, 1.65, 1.7});
    const auto j = judge(paths, 2);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("slower by 3.4x") != std::string::npos);
    CHECK(j.reason.find("2x relative to the run (its 4 other conveq paths: 1.7x") !=
          std::string::npos);
    for (size_t i : {0, 1, 3, 4}) CHECK(judge(paths, i).change == TimingChange::whole_run);
  }
  SECTION("faster works the same way round") {
    const auto paths = problem_paths({1.0, 1.0, 0.4, 1.0});
    CHECK(judge(paths, 2).change == TimingChange::faster);
    const auto quieter = problem_paths({0.5, 0.5, 0.5, 0.5});
    CHECK(judge(quieter, 1).change == TimingChange::whole_run);
  }
  SECTION("the host's load is named when the run was busy") {
    const auto paths = problem_paths({1.7, 1.7, 1.7});
    auto run = conveq::run_context(paths, 0);
    run.host_load = "current run load 4.2 on 2 hardware threads";
    const auto j = conveq::judge_timing(paths[0].baseline, paths[0].current, {}, run);
    CHECK(j.reason.find("(current run load 4.2 on 2 hardware threads)") != std::string::npos);
  }
  SECTION("a problem of one path falls back to the factor and the samples, and says so") {
    const auto paths = problem_paths({2.0});
    const auto j = judge(paths, 0);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("no other path of the problem to compare the run with") !=
          std::string::npos);
  }
}

TEST_CASE("a path alone in its timing block on an overloaded host is inconclusive",
          "[timing][check]") {
  auto paths = problem_paths({1.0, 1.0, 1.0, 3.0});
  paths[3].block = "oneDNN";
  auto run = conveq::run_context(paths, 3);
  CHECK_FALSE(run.same_block);
  CHECK(conveq::judge_timing(paths[3].baseline, paths[3].current, {}, run).change ==
        TimingChange::slower);
  run.host_load = "baseline run load 14 on 2 hardware threads";
  const auto j = conveq::judge_timing(paths[3].baseline, paths[3].current, {}, run);
  CHECK(j.change == TimingChange::inconclusive);
  CHECK(j.reason.find("inconclusive: no other path was timed in its block, and the host was "
                      "overloaded (baseline run load 14 on 2 hardware threads)") !=
        std::string::npos);
  // With a block-mate timed beside it, the load does not matter: 3x against 1x is the path's.
  paths[2].block = "oneDNN";
  auto beside = conveq::run_context(paths, 3);
  CHECK(beside.same_block);
  beside.host_load = run.host_load;
  CHECK(conveq::judge_timing(paths[3].baseline, paths[3].current, {}, beside).change ==
        TimingChange::slower);
}

TEST_CASE("a whole timing block that moved in every problem is caught across the suite",
          "[timing][check]") {
  // One problem: conveq's own paths as they were, the oneDNN ones 2x slower.
  auto paths = problem_paths({1.0, 1.0, 1.0, 2.0, 2.0});
  paths[3].block = paths[4].block = "oneDNN";
  const auto move = conveq::block_move(paths, "oneDNN");
  REQUIRE(move);
  CHECK(move->alone == Approx(2.0));
  CHECK(move->against_rest == Approx(2.0));
  CHECK(conveq::block_move(paths, "XNNPACK") == std::nullopt);  // no such path
  // Per path, relative to its block, nothing stands out: that is what the suite view is for.
  CHECK(judge(paths, 3).change == TimingChange::whole_run);

  const conveq::TimingThresholds t;
  SECTION("the same in 8 problems is a regression of the block") {
    const std::vector<conveq::BlockMove> moves(8, *move);
    const auto j = conveq::judge_block(moves, t);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("slower by 2x than the rest of their problems and 2x alone (medians "
                        "over 8 problems; 8 above the rest, sign test p = 0.0078)") !=
          std::string::npos);
  }
  SECTION("load: above the rest in some problems, below in others, is not") {
    std::vector<conveq::BlockMove> moves;
    for (double r : {2.0, 0.5, 1.8, 0.6, 2.2, 0.4, 1.9, 0.7}) moves.push_back({r, r});
    CHECK(conveq::judge_block(moves, t).change == TimingChange::none);
  }
  SECTION("a factor the sign test does not support is a note; 5 problems can never tell") {
    std::vector<conveq::BlockMove> mixed(5, *move);
    mixed.push_back({2, 2});
    mixed.push_back({0.9, 0.9});
    mixed.push_back({0.9, 0.9});  // 6 of 8 above: p = 0.29
    CHECK(conveq::judge_block(mixed, t).change == TimingChange::within_noise);
    const auto few = conveq::judge_block(std::vector<conveq::BlockMove>(5, *move), t);
    CHECK(few.change == TimingChange::within_noise);
    CHECK(few.reason.find("too few problems to tell") != std::string::npos);
  }
  SECTION("a suite of thousands of problems is judged, not overflowed") {
    // C(n, k) and 2^n overflow a double from about n = 1024 on: the sign test must still reject.
    const std::vector<conveq::BlockMove> many(2000, *move);
    CHECK(conveq::judge_block(many, t).change == TimingChange::slower);
    std::vector<conveq::BlockMove> split;
    for (int i = 0; i < 2000; ++i) split.push_back(i % 2 ? *move : conveq::BlockMove{2.0, 0.5});
    CHECK(conveq::judge_block(split, t).change != TimingChange::slower);
  }
  SECTION("samples the host delayed do not move a block") {
    // The oneDNN paths' current samples all 2x, but every one waited on a run queue for half
    // of itself: load, not the library. Two of five delayed: the other three still tell.
    auto delayed = problem_paths({1.0, 1.0, 1.0, 1.0, 1.0});
    delayed[3].block = delayed[4].block = "oneDNN";
    for (size_t i : {3, 4}) {
      auto& cur = delayed[i].current;
      for (auto& sample : *cur.samples_ms) sample *= 2;
      cur.median_ms *= 2;
      cur.runqueue_wait_ms = std::vector<double>(cur.samples_ms->size(), 0.0);
      for (size_t k = 0; k < cur.samples_ms->size(); ++k) {
        (*cur.runqueue_wait_ms)[k] = 0.5 * (*cur.samples_ms)[k];
      }
    }
    CHECK(conveq::block_move(delayed, "oneDNN") == std::nullopt);
    for (size_t i : {3, 4}) {
      auto& waits = *delayed[i].current.runqueue_wait_ms;
      waits[0] = waits[1] = waits[2] = 0;  // three undelayed 2x samples: a real slowdown
    }
    const auto undelayed = conveq::block_move(delayed, "oneDNN");
    REQUIRE(undelayed);
    CHECK(undelayed->alone == Approx(2.0).epsilon(0.03));
  }
  SECTION("slower than the rest only because the rest got faster is not the block's") {
    // The other blocks 2x faster: this one is 2x slower against them, 1x alone.
    const std::vector<conveq::BlockMove> moves(8, conveq::BlockMove{1.0, 2.0});
    CHECK(conveq::judge_block(moves, t).change == TimingChange::none);
    const std::vector<conveq::BlockMove> faster(8, conveq::BlockMove{0.5, 0.5});
    CHECK(conveq::judge_block(faster, t).change == TimingChange::faster);
  }
}

TEST_CASE("schedstat's second field is the run-queue wait, in ms", "[timing][runqueue]") {
  CHECK(conveq::parse_schedstat_wait_ms("40900161 73975750 24\n") == Approx(73.97575));
  CHECK(conveq::parse_schedstat_wait_ms("1 0 0") == 0.0);
  CHECK_FALSE(conveq::parse_schedstat_wait_ms("40900161\n"));
  CHECK_FALSE(conveq::parse_schedstat_wait_ms("abc 12 3\n"));
  CHECK_FALSE(conveq::parse_schedstat_wait_ms("1 2x 3\n"));
  CHECK_FALSE(conveq::parse_schedstat_wait_ms(""));
}

TEST_CASE("the live run-queue reader is non-decreasing, or unavailable", "[timing][runqueue]") {
  conveq::RunQueueWait reader;
  const auto first = reader.total_ms();
  volatile double sink = 0;
  for (int i = 0; i < 100000; ++i) sink = sink + i;
  const auto second = reader.total_ms();
  CHECK(first.has_value() == second.has_value());
  if (first && second) {
    CHECK(*first >= 0);
    CHECK(*second >= *first);
  }
#if defined(__linux__)
  // schedstat exists wherever the kernel has CONFIG_SCHED_INFO; say so when it does not.
  if (!first) WARN("no /proc/self/task/*/schedstat: run-queue waits are not recorded here");
#else
  CHECK_FALSE(first);
#endif
}

namespace {

// Spins for `ms` of this thread's CPU time.
void spin_cpu_ms(double ms) {
  timespec start{}, now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  do {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  } while (static_cast<double>(now.tv_sec - start.tv_sec) * 1e3 +
               static_cast<double>(now.tv_nsec - start.tv_nsec) * 1e-6 <
           ms);
}

}  // namespace

TEST_CASE("the run-queue wait of conveq's exited worker threads is kept", "[timing][runqueue]") {
  conveq::RunQueueWait reader;
  const auto before = reader.total_ms();
  if (!before) return;  // no schedstat here: the reader test above says so
  // More spinning workers than hardware threads, so they wait on run queues; then they block
  // at a gate while the calling thread (chunk 0) reads the total with all of them alive, and
  // end. Their waits must not leave with them.
  const int spinners = conveq::hardware_threads() + 3;
  std::mutex mutex;
  std::condition_variable gate;
  int arrived = 0;
  bool open = false;
  std::optional<double> alive;
  conveq::parallel_for(spinners + 1, spinners + 1, [&](int64_t begin, int64_t) {
    std::unique_lock<std::mutex> lock(mutex, std::defer_lock);
    if (begin == 0) {
      lock.lock();
      gate.wait(lock, [&] { return arrived == spinners; });
      alive = reader.total_ms();
      open = true;
      gate.notify_all();
      return;
    }
    spin_cpu_ms(30);
    lock.lock();
    ++arrived;
    gate.notify_all();
    gate.wait(lock, [&] { return open; });
  });
  const auto after = reader.total_ms();
  REQUIRE(alive);
  REQUIRE(after);
  CHECK(*alive - *before > 10);  // the spinners did wait (the premise of the check below)
  CHECK(*after >= *alive - 1);   // and their waits stayed counted after they ended
}

TEST_CASE("a sample's wait is recorded only when both readings are", "[timing][runqueue]") {
  CHECK(conveq::runqueue_wait_between(1.0, 3.5) == 2.5);
  CHECK(conveq::runqueue_wait_between(3.0, 2.0) == 0);  // a thread ended in between
  CHECK(std::isnan(conveq::runqueue_wait_between(std::nullopt, 2.0)));
  CHECK(conveq::recorded_waits({0.1, 0.2}, 2) == std::vector<double>{0.1, 0.2});
  CHECK(conveq::recorded_waits({0.1, std::nan("")}, 2).empty());
  CHECK(conveq::recorded_waits({0.1}, 2).empty());
  const auto t = conveq::summarize_timing({1, 2});
  CHECK(conveq::to_json(t).contains("runqueue_wait_ms") == false);  // absent, not zeros
  auto waited = t;
  waited.runqueue_wait_ms = {0.5, 0};
  CHECK(conveq::to_json(waited)["runqueue_wait_ms"] == nlohmann::json{0.5, 0});
}

namespace {
PathTiming waited(std::vector<double> samples, std::vector<double> waits) {
  PathTiming t = timing(std::move(samples));
  t.runqueue_wait_ms = std::move(waits);
  return t;
}
}  // namespace

TEST_CASE("samples the host delayed are left out before judging a slowdown",
          "[timing][check][runqueue]") {
  const conveq::TimingThresholds t;
  const auto base = waited({1.00, 1.02, 0.98, 1.01, 0.99}, {0, 0.001, 0, 0, 0.002});
  SECTION("a delayed sample: its wait at least 10 % of it and 0.05 ms") {
    CHECK(conveq::delayed_sample(1.0, 0.1));
    CHECK_FALSE(conveq::delayed_sample(1.0, 0.09));
    CHECK_FALSE(conveq::delayed_sample(0.1, 0.04));  // 40 %, but below 0.05 ms
    CHECK(conveq::delayed_sample(0.1, 0.05));
  }
  SECTION("2x slower with no waits is a regression, as without the field") {
    const auto quiet = waited({2.0, 2.1, 1.9, 2.05, 1.95}, {0, 0, 0, 0, 0});
    const auto j = conveq::judge_timing(base, quiet, t);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("delayed") == std::string::npos);
    const auto plain = conveq::judge_timing(timing({1.00, 1.02, 0.98, 1.01, 0.99}),
                                            timing({2.0, 2.1, 1.9, 2.05, 1.95}), t);
    CHECK(plain.change == j.change);
    CHECK(plain.reason == j.reason);
  }
  SECTION("the same 2x, every sample waiting about the extra time: inconclusive") {
    const auto delayed = waited({2.0, 2.1, 1.9, 2.05, 1.95}, {1.0, 1.1, 0.9, 1.0, 1.0});
    const auto j = conveq::judge_timing(base, delayed, t);
    CHECK(j.change == TimingChange::inconclusive);
    CHECK(j.reason.find("slower by 2x") != std::string::npos);
    CHECK(j.reason.find("but inconclusive: the host delayed 5 of 5 samples of this path in the "
                        "current run by a run queue wait of 1 ms median (undelayed: 5 in the "
                        "baseline run, 0 in the current), leaving too few undelayed samples to "
                        "test: rerun on a quiet machine") != std::string::npos);
    // The other way round the baseline was delayed: not an improvement either.
    CHECK(conveq::judge_timing(delayed, base, t).change == TimingChange::inconclusive);
  }
  SECTION("some delayed: the undelayed ones decide") {
    // 4 of 7 samples delayed to 2 ms: with them the median says 1.95x; without, unchanged.
    const auto mixed =
        waited({2.0, 1.0, 2.1, 0.99, 2.05, 1.01, 1.95}, {1.0, 0.0, 1.1, 0.001, 1.0, 0.0, 0.9});
    CHECK(conveq::judge_timing(base, timing(*mixed.samples_ms), t).change != TimingChange::none);
    CHECK(conveq::judge_timing(base, mixed, t).change == TimingChange::none);
    // A real 2x with two rounds delayed further: still slower, and the reason says what it
    // left out.
    const auto slow = waited({4.0, 2.0, 2.1, 4.2, 1.95}, {2.0, 0, 0.01, 2.2, 0});
    const auto j = conveq::judge_timing(base, slow, t);
    CHECK(j.change == TimingChange::slower);
    CHECK(j.reason.find("judged without the samples the host delayed (2 of 5 samples of this "
                        "path in the current run by a run queue wait of 2.1 ms median)") !=
          std::string::npos);
    // One more delayed round leaves 2, too few; but the 2x holds with every wait taken off.
    const auto fewer = waited({4.0, 2.0, 2.1, 4.2, 1.95}, {2.0, 0.5, 0.01, 2.2, 0});
    const auto held = conveq::judge_timing(base, fewer, t);
    CHECK(held.change == TimingChange::slower);
    CHECK(held.reason.find("the change holds with every wait taken off the current samples") !=
          std::string::npos);
  }
  SECTION("what is left must still be testable: 3 and 4 samples never reach p < 0.05") {
    // The 3 undelayed current samples are 2x (the factor alone would call it slower); the 2
    // delayed ones are all wait.
    const auto base4 = waited({1.00, 1.02, 0.98, 1.01, 0.99}, {0, 0, 0, 0, 0.5});
    const auto cur3 = waited({1.9, 2.0, 2.1, 2.2, 2.3}, {0, 0, 0, 2.0, 2.1});
    const auto j = conveq::judge_timing(base4, cur3, t);
    CHECK(j.change == TimingChange::inconclusive);
    CHECK(j.reason.find("(undelayed: 4 in the baseline run, 3 in the current)") !=
          std::string::npos);
  }
}
