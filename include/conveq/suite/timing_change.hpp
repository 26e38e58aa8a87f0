#pragma once
// Whether a path's time changed between a baseline and a current report, beyond the noise of
// both runs and beyond what the rest of the run did. A change counts when
//   1. the medians differ by more than the factor (--max-slowdown), by at least --min-time-ms;
//   2. the samples themselves say so: a two-sided Mann-Whitney U test on the two runs' samples
//      rejects "same distribution" at the significance level (--significance, 0.05). The
//      factor alone was fooled by one run on a busy machine; the test alone flags changes too
//      small to matter (google/benchmark's compare.py reports both; conveq requires both);
//   3. relative to the run: the path moved by more than the factor, and beyond the noise,
//      after dividing its current samples by how much the same problem's other paths moved
//      (the median of their median ratios, RunContext: the paths of its timing block, else
//      all of them). The paths of one problem are timed within a second or so, round robin,
//      so load on the host slows them alike, and a run on a loaded machine differs from
//      another by more than either run's own samples show; one path's regression does not
//      move the others. A path that passes 1 and 2 but not 3 moved with its problem:
//      `whole_run`, a note, not a regression (load or a slower machine). A change that slows
//      a whole block alike looks the same per problem; judge_block below finds it across
//      the suite.
// Reports without samples (before timing.samples_ms), or with too few for the test to ever
// reject at the level (one sample each; 2 / C(n1 + n2, n1) above the level), fall back to
// the factors alone, and the reason says so. A problem with no other path to compare with
// falls back to 1 and 2, and the reason says so.
#include <optional>
#include <string>
#include <vector>

namespace conveq {

struct PathTiming {
  double median_ms = 0;
  std::optional<std::vector<double>> samples_ms;  // absent in older reports
  // One per sample (the reader checks the length); absent in older reports and from hosts
  // that do not count it.
  std::optional<std::vector<double>> runqueue_wait_ms;
};

// A sample the host delayed: its process waited on a run queue for at least 10 % of it and
// at least 0.05 ms (a parallel region waiting for a thread the scheduler took away; on a
// quiet host the waits are microseconds). Before the rules above, judge_timing leaves such
// samples out of both runs and judges the rest; when fewer than kUndelayedSamples remain on a
// side, or too few for the samples test to ever reject at the significance level (3 and 4 at
// 0.05), a change found on all the samples stands only if it holds with every sample of the
// side that looks slower less its whole wait (a lower bound on its undisturbed time); else it
// is `inconclusive`, not a regression (docs/ci.md).
bool delayed_sample(double sample_ms, double runqueue_wait_ms);
constexpr double kDelayedWaitShare = 0.10;
constexpr double kDelayedWaitMs = 0.05;
constexpr size_t kUndelayedSamples = 3;

struct TimingThresholds {
  double max_slowdown = 1.5;
  double min_time_ms = 0.05;
  double significance = 0.05;
};

// A path of a problem as `check` sees it: its timings in both runs, and its timing block:
// the library it calls, "" for conveq's own paths and the reference. A run times each
// library's paths together, round robin, then conveq's own (session.cpp), so the paths of one
// block share their moments of load most closely.
struct TimedPath {
  PathTiming baseline, current;
  std::string block;
};

// How the rest of a path's problem moved between the two runs.
struct RunContext {
  double factor = 1;        // median over the other paths of current median / baseline median
  int other_paths = 0;      // how many paths that median is taken over (0: none to compare with)
  std::string others;       // which, in words: "its 3 other oneDNN paths", "its 5 other paths"
  bool same_block = false;  // the other paths are of the path's own timing block
  std::string host_load;    // e.g. "current run load 4.2 on 2 hardware threads" when busy
};

// The context of paths[except]: the other paths of its timing block when it has any, else all
// the problem's other paths. Paths whose medians are not finite and positive in both runs do
// not count.
RunContext run_context(const std::vector<TimedPath>& paths, size_t except);

// `whole_run`: slower or faster beyond the noise, but by about as much as the problem's other
// paths (3. above). `inconclusive`: beyond all three, but the path was alone in its timing
// block and a run's host was overloaded (host_load not empty): the other paths ran at other
// moments of a machine whose load changed from moment to moment, so they are no yardstick
// (measured: multi-threaded library paths alone in their block went from 0.03 ms to 80 ms,
// whole scheduler time slices, between two honest runs at load 14 on 2 hardware threads).
enum class TimingChange { none, slower, faster, within_noise, whole_run, inconclusive };

struct TimingJudgement {
  TimingChange change = TimingChange::none;
  // The rule that decided and its numbers, e.g. "slower by 2.03x, beyond the noise
  // (Mann-Whitney p = 0.008), and 1.98x relative to the run (its 6 other paths 1.03x)".
  std::string reason;
};

TimingJudgement judge_timing(const PathTiming& baseline, const PathTiming& current,
                             const TimingThresholds& thresholds, const RunContext& run = {});

// A whole timing block that moved against the rest of its problems, across the suite: what the
// rule above cannot see (a library update or a compiler flag that slows all of a block's paths
// alike moves its block-mates too). Load strikes blocks at random moments; a code change
// strikes the same block in every problem.
// How the paths of `block` moved in one problem: `alone`, the median of their current /
// baseline medians; `against_rest`, that over the same median of the problem's other paths.
// Each median is over the samples the host did not delay (delayed_sample); a path with fewer
// than kUndelayedSamples of those in a run does not count.
struct BlockMove {
  double alone = 1, against_rest = 1;
};
// nullopt when either side has no path with finite positive medians.
std::optional<BlockMove> block_move(const std::vector<TimedPath>& paths, const std::string& block);
// One BlockMove per problem: `slower` when the median of `against_rest` is above the factor,
// a two-sided sign test (how many are above 1) rejects "as often above as below" at the
// significance level, and the median of `alone` is above the factor too (the block itself got
// slower: when another block got faster, this one is slower only against it); `faster` the
// same way round; else none, or within_noise when only the sign test disagrees. Needs 6
// problems or more to ever reject at 0.05 (2 / 2^6 = 0.031), and says so when there are fewer.
TimingJudgement judge_block(const std::vector<BlockMove>& moves,
                            const TimingThresholds& thresholds);

}  // namespace conveq
