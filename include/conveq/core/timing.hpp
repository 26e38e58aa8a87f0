#pragma once
// Wall-clock timing of repeated runs: every sample, in the order they were taken, and the
// summary a reader compares (min, median, the median absolute deviation as the spread, max).
#include <vector>

namespace conveq {

struct Timing {
  double min_ms = 0, median_ms = 0, max_ms = 0;
  // Median absolute deviation from the median: a spread that one stalled sample cannot move.
  double mad_ms = 0;
  int repeats = 0;
  std::vector<double> samples_ms;  // as measured, round by round
};

// A monotonic clock in milliseconds.
double now_ms();
Timing summarize_timing(std::vector<double> samples_ms);
// The median of `values` (0 when empty); takes a copy because it reorders.
double median_of(std::vector<double> values);

}  // namespace conveq
