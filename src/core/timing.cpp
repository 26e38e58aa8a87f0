#include "conveq/core/timing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace conveq {

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

Timing summarize_timing(std::vector<double> samples) {
  Timing t;
  t.repeats = static_cast<int>(samples.size());
  if (samples.empty()) return t;
  const auto [lo, hi] = std::minmax_element(samples.begin(), samples.end());
  t.min_ms = *lo;
  t.max_ms = *hi;
  t.median_ms = median_of(samples);
  std::vector<double> deviations;
  deviations.reserve(samples.size());
  for (double s : samples) deviations.push_back(std::abs(s - t.median_ms));
  t.mad_ms = median_of(std::move(deviations));
  t.samples_ms = std::move(samples);
  return t;
}

}  // namespace conveq
