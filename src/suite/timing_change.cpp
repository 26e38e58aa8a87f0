#include "conveq/suite/timing_change.hpp"

#include <cmath>

#include "conveq/core/format.hpp"
#include "conveq/core/rank_test.hpp"

namespace conveq {
namespace {

std::string factor_text(double ratio) {
  return format_number(ratio, "%.3g") + "x";
}

std::string p_text(double p) {
  return "Mann-Whitney p = " + format_number(p, "%.2g");
}

}  // namespace

TimingJudgement judge_timing(const PathTiming& baseline, const PathTiming& current,
                             const TimingThresholds& t) {
  const double base = baseline.median_ms, cur = current.median_ms;
  const bool slower = cur > t.max_slowdown * base && cur - base >= t.min_time_ms;
  const bool faster = base > t.max_slowdown * cur && base - cur >= t.min_time_ms;
  if (!slower && !faster) return {};
  const TimingChange direction = slower ? TimingChange::slower : TimingChange::faster;
  const std::string what = std::string(slower ? "slower" : "faster") + " by " +
                           factor_text(slower ? cur / base : base / cur);
  if (!baseline.samples_ms || !current.samples_ms || baseline.samples_ms->empty() ||
      current.samples_ms->empty()) {
    return {direction, what + " (more than " + factor_text(t.max_slowdown) +
                           "; no samples in a report to test against the noise)"};
  }
  const size_t n_base = baseline.samples_ms->size(), n_cur = current.samples_ms->size();
  if (smallest_p_value(n_base, n_cur) >= t.significance) {
    return {direction, what + " (more than " + factor_text(t.max_slowdown) + "; " +
                           std::to_string(n_base) + " and " + std::to_string(n_cur) +
                           " samples are too few to test against the noise)"};
  }
  const double p = mann_whitney(*current.samples_ms, *baseline.samples_ms).p_value;
  if (p < t.significance) return {direction, what + ", beyond the noise (" + p_text(p) + ")"};
  return {TimingChange::within_noise, what + " in medians, within the noise of both runs (" +
                                          p_text(p) + " >= " + format_number(t.significance, "%g") +
                                          ")"};
}

}  // namespace conveq
