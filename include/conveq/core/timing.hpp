#pragma once
// Wall-clock timing of repeated runs, summarised by min, median and max.
#include <vector>

namespace conveq {

struct Timing {
  double min_ms = 0, median_ms = 0, max_ms = 0;
  int repeats = 0;
};

// A monotonic clock in milliseconds.
double now_ms();
Timing summarize_timing(std::vector<double> samples_ms);

}  // namespace conveq
