#pragma once
// Wall-clock timing of repeated runs: every sample, in the order they were taken, and the
// summary a reader compares (min, median, the median absolute deviation as the spread, max).
#include <optional>
#include <vector>

namespace conveq {

struct Timing {
  double min_ms = 0, median_ms = 0, max_ms = 0;
  // Median absolute deviation from the median: a spread that one stalled sample cannot move.
  double mad_ms = 0;
  int repeats = 0;
  std::vector<double> samples_ms;  // as measured, round by round
  // The process's run-queue wait around each sample (runqueue_wait.hpp), same length as
  // samples_ms; empty when the host does not count it.
  std::vector<double> runqueue_wait_ms;
  // Each timed run came right after an untimed run of the same path (session.cpp: paths whose
  // fastest warm-up run took under 10 ms), so the samples are of a path with its data in cache.
  bool warm_before_each = false;
};

// A monotonic clock in milliseconds.
double now_ms();
Timing summarize_timing(std::vector<double> samples_ms);
// The median of `values` (0 when empty); takes a copy because it reorders.
double median_of(std::vector<double> values);
// The run-queue wait of a timed run from readings before and after it: NaN when either is
// unavailable, 0 when it came out negative (a thread ended between them).
double runqueue_wait_between(std::optional<double> before, std::optional<double> after);
// `waits` when every entry is a wait (none NaN) and it matches `samples` in length, else empty.
std::vector<double> recorded_waits(std::vector<double> waits, size_t samples);

}  // namespace conveq
