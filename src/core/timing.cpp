#include "conveq/core/timing.hpp"

#include <algorithm>
#include <chrono>

namespace conveq {

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

Timing summarize_timing(std::vector<double> samples) {
  Timing t;
  t.repeats = static_cast<int>(samples.size());
  if (samples.empty()) return t;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  t.min_ms = samples.front();
  t.max_ms = samples.back();
  t.median_ms = n % 2 == 1 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  return t;
}

}  // namespace conveq
