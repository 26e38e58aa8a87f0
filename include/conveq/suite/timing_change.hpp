#pragma once
// Whether a path's time changed between a baseline and a current report, beyond the noise of
// both runs. A change counts when the medians differ by more than the factor
// (--max-slowdown), by at least --min-time-ms, AND the samples themselves say so: a two-sided
// Mann-Whitney U test on the two runs' samples rejects "same distribution" at the
// significance level (--significance, 0.05). The factor alone was fooled by one run on a busy
// machine; the test alone flags changes too small to matter (google/benchmark's compare.py
// reports both; conveq requires both).
// Reports without samples (before timing.samples_ms), or with too few for the test to ever
// reject at the level (one sample each; 2 / C(n1 + n2, n1) above the level), fall back to
// the factor alone, and the reason says so.
#include <optional>
#include <string>
#include <vector>

namespace conveq {

struct PathTiming {
  double median_ms = 0;
  std::optional<std::vector<double>> samples_ms;  // absent in older reports
};

struct TimingThresholds {
  double max_slowdown = 1.5;
  double min_time_ms = 0.05;
  double significance = 0.05;
};

enum class TimingChange { none, slower, faster, within_noise };

struct TimingJudgement {
  TimingChange change = TimingChange::none;
  std::string reason;  // the rule and the numbers, e.g. "slower by 2.03x (Mann-Whitney p = 0.008)"
};

TimingJudgement judge_timing(const PathTiming& baseline, const PathTiming& current,
                             const TimingThresholds& thresholds);

}  // namespace conveq
