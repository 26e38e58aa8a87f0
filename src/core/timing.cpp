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

double runqueue_wait_between(std::optional<double> before, std::optional<double> after) {
  if (!before || !after) return std::nan("");
  return std::max(0.0, *after - *before);
}

std::vector<double> recorded_waits(std::vector<double> waits, size_t samples) {
  const bool complete =
      waits.size() == samples &&
      std::none_of(waits.begin(), waits.end(), [](double w) { return std::isnan(w); });
  return complete ? waits : std::vector<double>{};
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
