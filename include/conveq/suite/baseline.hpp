#pragma once
// `conveq check`: a report against a baseline report, problem by problem (matched by name),
// comparison by comparison (matched by (a, b)) and path by path (matched by name).
//
// A regression is
//   - a comparison that did not fail in the baseline and fails now;
//   - a comparison's error that grew by more than max_error_growth: the error is the report's
//     max_scaled_error (max |a - b| / (sum|w||x| + |b|)) in units of the dtype's unit
//     roundoff u, and growth counts only above a floor of 2 * sqrt(n) u, n the terms of one
//     output's sum. sqrt(n) u is the scale of the rounding error of an n-term sum in any
//     order (Higham and Mary's probabilistic bound, SIAM J. Sci. Comput. 2019), and both sides
//     of a comparison round; below the floor a change of summation order alone explains the
//     error, so twins that agreed bit for bit (error 0) and now differ by a few roundings do
//     not count as an infinite growth;
//   - a path's median time that grew by more than max_slowdown, and by at least min_time_ms
//     (below that, timer and scheduler noise dominate), when the two runs' samples differ
//     beyond their noise (suite/timing_change.hpp: a Mann-Whitney U test at `significance`);
//     a factor within the noise is a note;
//   - a comparison or path of the baseline that the current report no longer has, a NaN or
//     infinity where the baseline was finite, and a problem that stopped with an error.
// A comparison, or a problem's verdict, that passed in the baseline and is mistrusted now is
// its own kind of change, `mistrusted`: the check no longer proves anything, so it fails
// `conveq check` (exit 1) like a regression, and is counted apart ("MISTRUSTED" in the table,
// "mistrusted" in the JSON).
// The same tests with the roles swapped are improvements (mistrusted -> passed included).
// Anything else that changed (a new path or comparison) is a note.
//
// Both reports are read through ReportView: a missing or mistyped field, or a schema_version
// other than the one this conveq reads, is an InputError naming the file and the field.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace conveq {

class SuiteReportFile;

struct CheckThresholds {
  double max_slowdown = 1.5;
  double max_error_growth = 4;
  double min_time_ms = 0.05;
  double significance = 0.05;  // of the Mann-Whitney U test on the timing samples
  // The current report may hold only some of the baseline's problems (one --shard).
  bool subset = false;
};

// Throws InputError naming the option when a threshold is not a finite number >= 1
// (min_time_ms: >= 0; significance: in (0, 1)).
void validate(const CheckThresholds& thresholds);

enum class Change { regression, mistrusted, improvement, note };
std::string to_string(Change change);

struct CheckRow {
  std::string problem;
  std::string subject;  // a path ("conv1d/naive") or a comparison ("conv1d/naive vs reference")
  std::string metric;   // "median_ms", "max_scaled_error_u", "status", "presence"
  nlohmann::json baseline, current;  // the two values (null when absent or non-finite)
  Change change = Change::note;
  std::string reason;  // the rule, in words
};

struct CheckResult {
  std::vector<CheckRow> rows;
  std::vector<std::string> notes;  // about the reports as a whole (different host, version)
  int problems = 0, comparisons = 0, paths = 0;  // how many were matched and checked
  int count(Change change) const;
  // kExitFailed when anything regressed or turned mistrusted, else kExitPassed.
  int exit_status() const;
};

// Both reports may be single compare reports or suite reports (a single report is a suite
// of one), JSON or JSON Lines (read one problem at a time: a JSON Lines report of any length
// is checked in bounded memory; one without its summary line is refused). Throws InputError, naming
// the files, when they cannot be compared: a schema version other than this conveq's, problems
// missing on either side (all listed), a name that stands for different problems, or a field
// missing or of the wrong type (named with its path).
CheckResult check_against_baseline(const SuiteReportFile& current, const SuiteReportFile& baseline,
                                   const CheckThresholds& thresholds);
// The same for reports in memory, named in messages as given.
CheckResult check_against_baseline(const nlohmann::json& current, const nlohmann::json& baseline,
                                   const CheckThresholds& thresholds,
                                   const std::string& current_name,
                                   const std::string& baseline_name);

}  // namespace conveq
