#include "conveq/suite/timing_change.hpp"

#include <algorithm>
#include <cmath>

#include "conveq/core/format.hpp"
#include "conveq/core/rank_test.hpp"
#include "conveq/core/timing.hpp"

namespace conveq {
namespace {

std::string factor_text(double ratio) {
  return format_number(ratio, "%.3g") + "x";
}

std::string p_text(double p) {
  return "Mann-Whitney p = " + format_number(p, "%.2g");
}

bool usable(double ms) {
  return std::isfinite(ms) && ms > 0;
}

// The samples test: its p-value, or why the samples cannot say (the factor then decides).
struct SampleTest {
  std::optional<double> p_value;
  std::string why_not;
};

// The current samples are divided by `scale` first: 1 for the path as timed, the run's factor
// for the path relative to its run.
SampleTest sample_test(const PathTiming& baseline, const PathTiming& current, double scale,
                       const TimingThresholds& t) {
  if (!baseline.samples_ms || !current.samples_ms || baseline.samples_ms->empty() ||
      current.samples_ms->empty()) {
    return {std::nullopt, "no samples in a report to test against the noise"};
  }
  const size_t n_base = baseline.samples_ms->size(), n_cur = current.samples_ms->size();
  if (smallest_p_value(n_base, n_cur) >= t.significance) {
    return {std::nullopt, std::to_string(n_base) + " and " + std::to_string(n_cur) +
                              " samples are too few to test against the noise"};
  }
  std::vector<double> scaled = *current.samples_ms;
  for (double& s : scaled) s /= scale;
  return {mann_whitney(scaled, *baseline.samples_ms).p_value, ""};
}

// 3.: a change beyond the noise (`head` says so) is the path's own only when it stands out
// from how the problem's other paths moved.
TimingJudgement relative_to_run(const PathTiming& baseline, const PathTiming& current,
                                const TimingThresholds& t, const RunContext& run,
                                TimingChange direction, const std::string& head) {
  const double scaled = current.median_ms / run.factor;
  const double relative =
      direction == TimingChange::slower ? scaled / baseline.median_ms : baseline.median_ms / scaled;
  const SampleTest test = sample_test(baseline, current, run.factor, t);
  const bool beyond =
      relative > t.max_slowdown && (!test.p_value || *test.p_value < t.significance);
  const std::string numbers = factor_text(relative) + " relative to the run (" + run.others + ": " +
                              factor_text(run.factor) + " their baseline time" +
                              (test.p_value ? ", " + p_text(*test.p_value) : "") + ")";
  if (beyond && !run.same_block && !run.host_load.empty()) {
    return {TimingChange::inconclusive,
            head + ", and " + numbers + ", but inconclusive: no other path was timed in its " +
                "block, and the host was overloaded (" + run.host_load + ")"};
  }
  if (beyond) return {direction, head + ", and " + numbers};
  return {TimingChange::whole_run,
          head + ", but only " + numbers + ": the whole problem moved, load or a slower " +
              "machine, not this path" + (run.host_load.empty() ? "" : " (" + run.host_load + ")")};
}

}  // namespace

RunContext run_context(const std::vector<TimedPath>& paths, size_t except) {
  auto ratios_of = [&](bool same_block) {
    std::vector<double> ratios;
    for (size_t i = 0; i < paths.size(); ++i) {
      const double base = paths[i].baseline.median_ms, cur = paths[i].current.median_ms;
      const bool in_scope = !same_block || paths[i].block == paths[except].block;
      if (i != except && in_scope && usable(base) && usable(cur)) ratios.push_back(cur / base);
    }
    return ratios;
  };
  std::vector<double> ratios = ratios_of(true);
  const bool block = !ratios.empty();
  if (!block) ratios = ratios_of(false);
  RunContext run;
  run.same_block = block;
  run.other_paths = static_cast<int>(ratios.size());
  const std::string& library = paths[except].block;
  run.others = "its " + std::to_string(run.other_paths) + " other " +
               (!block            ? ""
                : library.empty() ? "conveq "
                                  : library + " ") +
               (run.other_paths == 1 ? "path" : "paths");
  if (!ratios.empty()) run.factor = median_of(std::move(ratios));
  return run;
}

namespace {

// Rules 1 to 3 on the samples as given.
TimingJudgement judge_samples(const PathTiming& baseline, const PathTiming& current,
                              const TimingThresholds& t, const RunContext& run) {
  const double base = baseline.median_ms, cur = current.median_ms;
  const bool slower = cur > t.max_slowdown * base && cur - base >= t.min_time_ms;
  const bool faster = base > t.max_slowdown * cur && base - cur >= t.min_time_ms;
  if (!slower && !faster) return {};
  const TimingChange direction = slower ? TimingChange::slower : TimingChange::faster;
  const std::string what = std::string(slower ? "slower" : "faster") + " by " +
                           factor_text(slower ? cur / base : base / cur);
  const SampleTest test = sample_test(baseline, current, 1, t);
  if (test.p_value && *test.p_value >= t.significance) {
    return {TimingChange::within_noise, what + " in medians, within the noise of both runs (" +
                                            p_text(*test.p_value) +
                                            " >= " + format_number(t.significance, "%g") + ")"};
  }
  const std::string head =
      what + (test.p_value
                  ? ", beyond the noise (" + p_text(*test.p_value) + ")"
                  : " (more than " + factor_text(t.max_slowdown) + "; " + test.why_not + ")");
  if (run.other_paths == 0 || !usable(base) || !usable(cur) || !usable(run.factor)) {
    return {direction, head + "; no other path of the problem to compare the run with"};
  }
  return relative_to_run(baseline, current, t, run, direction, head);
}

// A run's samples without those the host delayed, and what was left out.
struct Undelayed {
  PathTiming timing;
  size_t delayed = 0, samples = 0;
  double median_wait_ms = 0;  // of the delayed samples
};

Undelayed undelayed(const PathTiming& timing) {
  Undelayed u{timing, 0, 0, 0};
  if (!timing.samples_ms || !timing.runqueue_wait_ms) return u;
  const auto& samples = *timing.samples_ms;
  const auto& waits = *timing.runqueue_wait_ms;
  if (waits.size() != samples.size()) return u;  // the reader refuses these
  std::vector<double> kept, delayed_waits;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (delayed_sample(samples[i], waits[i])) {
      delayed_waits.push_back(waits[i]);
    } else {
      kept.push_back(samples[i]);
    }
  }
  u.samples = samples.size();
  u.delayed = delayed_waits.size();
  if (u.delayed == 0) return u;
  u.median_wait_ms = median_of(delayed_waits);
  u.timing.median_ms = median_of(kept);
  u.timing.samples_ms = std::move(kept);
  return u;
}

// "5 of 5 samples of this path in the current run by a run queue wait of 11.2 ms median";
// empty when the host delayed none.
std::string delay_text(const Undelayed& u, const std::string& which) {
  if (u.delayed == 0) return "";
  return std::to_string(u.delayed) + " of " + std::to_string(u.samples) +
         " samples of this path in the " + which + " run by a run queue wait of " +
         format_number(u.median_wait_ms, "%.3g") + " ms median";
}

std::string delays_text(const Undelayed& base, const Undelayed& cur) {
  const std::string b = delay_text(base, "baseline"), c = delay_text(cur, "current");
  return b.empty() ? c : c.empty() ? b : c + ", and " + b;
}

// Each sample less its whole run-queue wait, a lower bound on its time undisturbed (the wait
// sums every thread's, so it is at least the delay of the slowest).
PathTiming less_waits(const PathTiming& timing) {
  PathTiming lower{timing.median_ms, timing.samples_ms, std::nullopt};
  if (!timing.samples_ms || !timing.runqueue_wait_ms) return lower;
  std::vector<double>& samples = *lower.samples_ms;
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i] = std::max(0.0, samples[i] - (*timing.runqueue_wait_ms)[i]);
  }
  lower.median_ms = median_of(samples);
  return lower;
}

// Too few undelayed samples: a change found on all of them stands only when it survives
// taking every wait off the side that looks slower; else it is inconclusive.
TimingJudgement judge_delayed(const PathTiming& baseline, const PathTiming& current,
                              const TimingThresholds& t, const RunContext& run,
                              const std::string& delays) {
  TimingJudgement judged = judge_samples(baseline, current, t, run);
  const bool slower = judged.change == TimingChange::slower;
  if (!slower && judged.change != TimingChange::faster) return judged;
  const TimingJudgement bound = slower ? judge_samples(baseline, less_waits(current), t, run)
                                       : judge_samples(less_waits(baseline), current, t, run);
  if (bound.change == judged.change) {
    return {judged.change, judged.reason + "; the host delayed " + delays +
                               ", but the change holds with every wait taken off the " +
                               (slower ? "current" : "baseline") + " samples"};
  }
  return {TimingChange::inconclusive, judged.reason + ", but inconclusive: the host delayed " +
                                          delays + ", leaving too few undelayed samples to test" +
                                          ": rerun on a quiet machine"};
}

}  // namespace

bool delayed_sample(double sample_ms, double runqueue_wait_ms) {
  return runqueue_wait_ms >= kDelayedWaitMs && runqueue_wait_ms >= kDelayedWaitShare * sample_ms;
}

TimingJudgement judge_timing(const PathTiming& baseline, const PathTiming& current,
                             const TimingThresholds& t, const RunContext& run) {
  const Undelayed base = undelayed(baseline), cur = undelayed(current);
  if (base.delayed == 0 && cur.delayed == 0) return judge_samples(baseline, current, t, run);
  const size_t n_base = base.timing.samples_ms ? base.timing.samples_ms->size() : 0,
               n_cur = cur.timing.samples_ms ? cur.timing.samples_ms->size() : 0;
  // Leaving samples out must not demote a tested judgement to the factor alone.
  const bool enough = n_base >= kUndelayedSamples && n_cur >= kUndelayedSamples &&
                      smallest_p_value(n_base, n_cur) < t.significance;
  if (enough) {
    TimingJudgement judged = judge_samples(base.timing, cur.timing, t, run);
    if (judged.change != TimingChange::none) {
      judged.reason +=
          "; judged without the samples the host delayed (" + delays_text(base, cur) + ")";
    }
    return judged;
  }
  return judge_delayed(baseline, current, t, run,
                       delays_text(base, cur) + " (undelayed: " + std::to_string(n_base) +
                           " in the baseline run, " + std::to_string(n_cur) + " in the current)");
}

namespace {

// Two-sided sign test: the probability of a split at least as uneven as `above` of `n`. Each
// term C(n, k) / 2^n in logarithms: C(n, k) and 2^n overflow a double from about n = 1024 on,
// and suites run 10,000 problems.
double sign_test_p(size_t above, size_t n) {
  const size_t extreme = std::max(above, n - above);
  const auto count = static_cast<double>(n);
  double tail = 0;
  for (size_t k = extreme; k <= n; ++k) {
    const auto kk = static_cast<double>(k);
    tail += std::exp(std::lgamma(count + 1) - std::lgamma(kk + 1) - std::lgamma(count - kk + 1) -
                     count * std::log(2.0));
  }
  return std::min(1.0, 2 * tail);
}

// A path's median for the block rule: over the samples the host did not delay when it delayed
// some, and 0 (not usable: the path does not count) when fewer than kUndelayedSamples remain.
double undelayed_median(const PathTiming& timing) {
  const Undelayed u = undelayed(timing);
  if (u.delayed > 0 && u.samples - u.delayed < kUndelayedSamples) return 0;
  return u.timing.median_ms;
}

double median_ratio(const std::vector<TimedPath>& paths, const std::string& block, bool inside) {
  std::vector<double> ratios;
  for (const auto& p : paths) {
    const double base = undelayed_median(p.baseline), cur = undelayed_median(p.current);
    if ((p.block == block) == inside && usable(base) && usable(cur)) ratios.push_back(cur / base);
  }
  return ratios.empty() ? 0 : median_of(std::move(ratios));
}

}  // namespace

std::optional<BlockMove> block_move(const std::vector<TimedPath>& paths, const std::string& block) {
  const double in_block = median_ratio(paths, block, true);
  const double rest = median_ratio(paths, block, false);
  if (!usable(in_block) || !usable(rest)) return std::nullopt;
  return BlockMove{in_block, in_block / rest};
}

TimingJudgement judge_block(const std::vector<BlockMove>& moves, const TimingThresholds& t) {
  if (moves.empty()) return {};
  std::vector<double> alone, against_rest;
  size_t above = 0;
  for (const auto& m : moves) {
    alone.push_back(m.alone);
    against_rest.push_back(m.against_rest);
    above += m.against_rest > 1 ? 1 : 0;
  }
  const double factor = median_of(against_rest), own = median_of(alone);
  const bool slower = factor > t.max_slowdown && own > t.max_slowdown;
  const bool faster = factor * t.max_slowdown < 1 && own * t.max_slowdown < 1;
  if (!slower && !faster) return {};
  const size_t n = moves.size();
  const double p = sign_test_p(above, n);
  const std::string what = std::string(slower ? "slower" : "faster") + " by " +
                           factor_text(slower ? factor : 1 / factor) +
                           " than the rest of their problems and " +
                           factor_text(slower ? own : 1 / own) + " alone (medians over " +
                           std::to_string(n) + " problems; " + std::to_string(above) +
                           " above the rest, sign test p = " + format_number(p, "%.2g");
  if (p >= t.significance) {
    return {TimingChange::within_noise, what + " >= " + format_number(t.significance, "%g") +
                                            "): not consistent enough" +
                                            (n < 6 ? ", too few problems to tell" : "")};
  }
  return {slower ? TimingChange::slower : TimingChange::faster,
          what +
              "): the whole block moved in most problems, a change of its code or library, "
              "not load"};
}

}  // namespace conveq
