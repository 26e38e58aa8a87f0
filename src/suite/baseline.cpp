#include "conveq/suite/baseline.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "conveq/check/bound.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/report/json.hpp"
#include "conveq/report/report_view.hpp"
#include "conveq/report/suite_report_file.hpp"
#include "conveq/suite/suite_run.hpp"
#include "conveq/suite/timing_change.hpp"

namespace conveq {

// What `check` reads is what this conveq writes.
static_assert(kReadableSchemaVersion == kSchemaVersion);

namespace {

// check's timing thresholds, as suite/timing_change.hpp takes them.
TimingThresholds timing_thresholds(const CheckThresholds& thresholds) {
  return {thresholds.max_slowdown, thresholds.min_time_ms, thresholds.significance};
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Non-finite numbers are written as null in reports.
double number_or_inf(const ReportView& value) {
  return value.number_or_null().value_or(kInf);
}

nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// A verdict or comparison status; `error` too for a suite entry that stopped with one.
std::string status_of(const ReportView& value, bool error_allowed = false) {
  std::string status = value.string();
  if (status != "passed" && status != "failed" && status != "mistrusted" &&
      !(error_allowed && status == "error")) {
    value.fail("\"" + status + "\" must be passed, failed or mistrusted" +
               (error_allowed ? " (or error)" : ""));
  }
  return status;
}

DType dtype_of(const ReportView& value) {
  const std::string dtype = value.string();
  if (dtype != "float32" && dtype != "float64" && dtype != "float16" && dtype != "bfloat16") {
    value.fail("\"" + dtype + "\" must be float32, float64, float16 or bfloat16");
  }
  return parse_dtype(dtype);
}

// What makes two reports' problems the same computation; the options' spelling
// ("--padding same" or "1") and the run options (threads, repeats) do not matter.
std::string problem_signature(const ReportView& problem) {
  nlohmann::json signature;
  for (const char* key :
       {"input_shape", "weight_shape", "output_shape", "kernel", "stride", "dilation"}) {
    signature[key] = problem[key].integers();
  }
  const auto fold = problem["fold"];
  signature["fold"] = fold.is_null() ? nlohmann::json() : nlohmann::json(fold.integers());
  signature["groups"] = problem["groups"].integer();
  signature["seed"] = problem["seed"].integer();
  signature["bias"] = problem["bias"].boolean();
  signature["dtype"] = problem["dtype"].string();
  signature["fill"] = problem["fill"].string();
  const auto padding = problem["padding"];
  for (const char* side : {"top", "bottom", "left", "right"}) {
    signature["padding"][side] = padding[side].integer();
  }
  return signature.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One problem of a report: a suite's entry, or a single report as a suite of one. Only what
// matching needs is kept; the problem's report is read again when it is checked, so that a
// JSON Lines report of any length is checked one problem at a time.
struct ProblemEntry {
  std::string name;
  std::string repro;
  std::string signature;  // problem_signature; empty when the problem stopped with an error
  std::string error;
  size_t index = 0;  // in the report
};

// A report read as a suite: its problems in report order, found by name.
struct SuiteView {
  const SuiteReportFile& file;
  ReportView tool, host;
  std::vector<ProblemEntry> problems;
  std::map<std::string, size_t> by_name;

  const ProblemEntry* find(const std::string& name) const {
    const auto found = by_name.find(name);
    return found == by_name.end() ? nullptr : &problems[found->second];
  }
};

// The compare report of a problem (the single report itself), or nullopt after an error.
std::optional<ReportView> report_of(const SuiteReportFile& file, const ReportEntry& entry) {
  if (file.is_single()) return file.header();
  return entry.view().optional("report");
}

ProblemEntry read_entry(const SuiteReportFile& file, size_t index) {
  const ReportEntry entry = file.problem(index);
  const ReportView& view = entry.view();
  ProblemEntry problem{view["name"].string(), view["repro"].string(), "", "", index};
  if (file.is_single()) problem.name = kSingleReportName;
  status_of(view["status"], true);
  if (const auto report = report_of(file, entry)) {
    problem.signature = problem_signature((*report)["problem"]);
  } else {
    problem.error = view["error"].string();
  }
  return problem;
}

SuiteView read_suite_view(const SuiteReportFile& file) {
  SuiteView suite{file, file.header()["tool"], file.header()["host"], {}, {}};
  for (size_t i = 0; i < file.size(); ++i) {
    suite.problems.push_back(read_entry(file, i));
    if (!suite.by_name.emplace(suite.problems.back().name, suite.problems.size() - 1).second) {
      throw InputError(file.file() + ": problem name \"" +
                       visible_text(suite.problems.back().name) + "\" appears twice");
    }
  }
  return suite;
}

// The elements of a list by a key that must be unique in it (a path's name, a comparison's
// pair): a report that names one twice cannot be matched against another.
std::map<std::string, ReportView> unique_by(const ReportView& list,
                                            std::string (*key)(const ReportView&),
                                            const char* what) {
  std::map<std::string, ReportView> by_key;
  for (const auto& item : list.items()) {
    const std::string k = key(item);
    if (!by_key.emplace(k, item).second)
      item.fail(std::string(what) + " \"" + k + "\" appears twice");
  }
  return by_key;
}

std::string path_name(const ReportView& path) {
  return path["name"].string();
}
// A --compact report leaves out the reasons of its comparisons, which all passed ("").
std::string reason_of(const ReportView& c) {
  const auto reason = c.optional("reason");
  return reason ? reason->string() : "";
}
std::string comparison_subject(const ReportView& c) {
  return c["a"].string() + " vs " + c["b"].string();
}

// The run-queue wait of every sample: finite numbers >= 0, one per sample.
std::vector<double> runqueue_waits(const ReportView& waits, size_t samples) {
  std::vector<double> values;
  for (const auto& w : waits.items()) {
    const double ms = w.number();
    if (!std::isfinite(ms) || ms < 0) {
      w.fail("must be a finite number >= 0, not " + format_number(ms, "%g"));
    }
    values.push_back(ms);
  }
  if (values.size() != samples) {
    waits.fail("must have one entry per timing.samples_ms (" + std::to_string(samples) + "), not " +
               std::to_string(values.size()));
  }
  return values;
}

// A path's timing as the check reads it: the median, and the samples and their run-queue
// waits when the report has them (reports before timing.samples_ms, or runqueue_wait_ms, or
// from a host that does not count the wait, do not).
PathTiming path_timing(const ReportView& timing) {
  PathTiming t{number_or_inf(timing["median_ms"]), std::nullopt, std::nullopt};
  if (const auto samples = timing.optional("samples_ms")) {
    std::vector<double> values;
    for (const auto& s : samples->items()) values.push_back(s.number());
    t.samples_ms = std::move(values);
  }
  if (const auto waits = timing.optional("runqueue_wait_ms")) {
    // One wait per sample: without samples_ms, that field is the one missing.
    t.runqueue_wait_ms = runqueue_waits(*waits, timing["samples_ms"].items().size());
  }
  return t;
}

// The 1-minute load average of a report's host against its hardware threads, when it was
// above them (other work competed with the timings), e.g. "load 4.2 on 2 hardware threads";
// empty otherwise, and for reports without a load average.
std::string busy_host(const ReportView& report, const std::string& which) {
  const auto host = report.optional("host");
  const auto load = host ? host->optional("load_average") : std::nullopt;
  if (!load || load->is_null()) return "";
  const std::vector<ReportView> averages = load->items();
  const double threads = static_cast<double>((*host)["hardware_threads"].count());
  if (averages.empty() || averages[0].number() <= threads) return "";
  return which + " load " + format_number(averages[0].number(), "%.3g") + " on " +
         format_number(threads, "%g") + " hardware threads";
}

// Both runs' busy_host(), for a path's reason.
std::string host_load_of(const ReportView& current, const ReportView& baseline) {
  const std::string cur = busy_host(current, "current run"),
                    base = busy_host(baseline, "baseline run");
  return cur.empty() || base.empty() ? cur + base : cur + ", " + base;
}

// Slower is a regression, faster an improvement; within the noise, moved with the run, or
// inconclusive: a note whose reason says which.
Change change_of(TimingChange timing) {
  if (timing == TimingChange::slower) return Change::regression;
  if (timing == TimingChange::faster) return Change::improvement;
  return Change::note;
}

// The block a path was timed in: the library it calls, "" for conveq's own and the reference.
std::string timing_block(const ReportView& path) {
  const auto backend = path.optional("backend");
  return backend ? (*backend)["library"].string() : "";
}

struct ProblemCheck {
  const std::string& name;
  const ReportView& current;  // compare reports
  const ReportView& baseline;
  const CheckThresholds& thresholds;
  CheckResult& result;
  bool current_compact = false, baseline_compact = false;  // --compact entries
  std::string host_load = "";                              // host_load_of() the two runs
  // Per timing block, how it moved against the rest of each problem (judge_block).
  std::map<std::string, std::vector<BlockMove>>* block_moves = nullptr;

  // A --compact entry's comparisons all passed, and say so once, in the entry's status.
  static std::string comparison_status(const ReportView& c, bool compact) {
    return compact ? "passed" : status_of(c["status"]);
  }

  void add(const std::string& subject, const std::string& metric, nlohmann::json base,
           nlohmann::json cur, Change change, const std::string& reason) {
    result.rows.push_back({name, subject, metric, std::move(base), std::move(cur), change, reason});
  }

  // The paths found in both reports, in the baseline's order, with their timings.
  struct MatchedPath {
    std::string name;
    TimedPath timed;
  };

  std::vector<MatchedPath> match_paths() {
    auto current_paths = unique_by(current["paths"], path_name, "path");
    unique_by(baseline["paths"], path_name, "path");
    std::vector<MatchedPath> matched;
    for (const auto& base_path : baseline["paths"].items()) {
      const std::string path = base_path["name"].string();
      const auto found = current_paths.find(path);
      if (found == current_paths.end()) {
        add(path, "median_ms", finite_or_null(number_or_inf(base_path["timing"]["median_ms"])),
            nullptr, Change::regression, "no longer run");
        continue;
      }
      matched.push_back({path,
                         {path_timing(base_path["timing"]), path_timing(found->second["timing"]),
                          timing_block(found->second)}});
      current_paths.erase(found);
    }
    for (const auto& [path, p] : current_paths) {
      add(path, "median_ms", nullptr, finite_or_null(number_or_inf(p["timing"]["median_ms"])),
          Change::note, "new path, not in the baseline");
    }
    return matched;
  }

  void record_block_moves(const std::vector<TimedPath>& timings) {
    std::set<std::string> blocks;
    for (const auto& t : timings) blocks.insert(t.block);
    for (const auto& block : blocks) {
      const auto move = block_move(timings, block);
      if (move && block_moves != nullptr) (*block_moves)[block].push_back(*move);
    }
  }

  // Each path's time against the baseline's, beyond the noise and relative to how the
  // problem's other paths moved (suite/timing_change.hpp).
  void paths() {
    const std::vector<MatchedPath> matched = match_paths();
    std::vector<TimedPath> timings;
    for (const auto& m : matched) timings.push_back(m.timed);
    record_block_moves(timings);
    for (size_t i = 0; i < matched.size(); ++i) {
      ++result.paths;
      RunContext run = run_context(timings, i);
      run.host_load = host_load;
      const TimedPath& t = matched[i].timed;
      const TimingJudgement judged =
          judge_timing(t.baseline, t.current, timing_thresholds(thresholds), run);
      if (judged.change == TimingChange::none) continue;
      const Change change = change_of(judged.change);
      add(matched[i].name, "median_ms", finite_or_null(t.baseline.median_ms),
          finite_or_null(t.current.median_ms), change, judged.reason);
    }
  }

  // A status change, for a comparison (subject "a vs b") or the problem's verdict: failing is
  // a regression, a pass turned mistrusted is its own kind (the check proves nothing any
  // more), the reverse of either an improvement. Returns false when the status is unchanged.
  bool status_change(const std::string& subject, const std::string& base_status,
                     const std::string& cur_status, const std::string& explanation) {
    if (base_status == cur_status) return false;
    if (cur_status == "failed") {
      add(subject, "status", base_status, cur_status, Change::regression,
          "now fails: " + explanation);
    } else if (base_status == "passed" && cur_status == "mistrusted") {
      add(subject, "status", base_status, cur_status, Change::mistrusted,
          "now mistrusted: " + explanation);
    } else if (cur_status == "passed") {
      add(subject, "status", base_status, cur_status, Change::improvement, "now passes");
    } else {  // failed -> mistrusted
      add(subject, "status", base_status, cur_status, Change::improvement,
          "no longer fails, but mistrusted: " + explanation);
    }
    return true;
  }

  // A problem can fail (or be mistrusted) with every comparison unchanged (e.g.
  // --check-determinism); its verdict is checked too, unless a comparison's status change
  // already explains it.
  void verdict(size_t first_row) {
    for (size_t i = first_row; i < result.rows.size(); ++i) {
      if (result.rows[i].metric == "status" && result.rows[i].change != Change::note) return;
    }
    status_change("verdict", status_of(baseline["verdict"]["status"]),
                  status_of(current["verdict"]["status"]), current["verdict"]["summary"].string());
  }

  void error_growth(const std::string& subject, const ReportView& base_c, const ReportView& cur_c,
                    double u, double floor) {
    const double growth = thresholds.max_error_growth;
    const double base_error = number_or_inf(base_c["max_scaled_error"]) / u;
    const double cur_error = number_or_inf(cur_c["max_scaled_error"]) / u;
    if (!std::isfinite(cur_error) && std::isfinite(base_error)) {
      add(subject, "max_scaled_error_u", base_error, nullptr, Change::regression,
          "a NaN or infinity where the baseline was finite");
    } else if (std::isfinite(cur_error) && !std::isfinite(base_error)) {
      add(subject, "max_scaled_error_u", nullptr, cur_error, Change::improvement, "finite again");
    } else if (cur_error > growth * base_error && cur_error > floor) {
      add(subject, "max_scaled_error_u", base_error, cur_error, Change::regression,
          "max error grew by more than " + format_number(growth) + "x, above the floor of " +
              format_number(floor) + " u");
    } else if (base_error > growth * cur_error && base_error > floor) {
      add(subject, "max_scaled_error_u", base_error, cur_error, Change::improvement,
          "max error shrank by more than " + format_number(growth) + "x");
    }
  }

  void comparisons() {
    const auto problem = current["problem"];
    const double u = error_growth_unit(dtype_of(problem["dtype"]));
    const double floor = error_growth_floor(
        output_sum_terms(problem["reduction_length"].integer(1), problem["bias"].boolean()));
    auto current_comparisons = unique_by(current["comparisons"], comparison_subject, "comparison");
    unique_by(baseline["comparisons"], comparison_subject, "comparison");
    for (const auto& base_c : baseline["comparisons"].items()) {
      const std::string subject = comparison_subject(base_c);
      const std::string base_status = comparison_status(base_c, baseline_compact);
      const auto found = current_comparisons.find(subject);
      if (found == current_comparisons.end()) {
        add(subject, "status", base_status, nullptr, Change::regression, "no longer compared");
        continue;
      }
      ++result.comparisons;
      const ReportView cur_c = found->second;
      current_comparisons.erase(found);
      status_change(subject, base_status, comparison_status(cur_c, current_compact),
                    reason_of(cur_c));
      error_growth(subject, base_c, cur_c, u, floor);
    }
    for (const auto& [subject, c] : current_comparisons) {
      add(subject, "status", nullptr, comparison_status(c, current_compact), Change::note,
          "new comparison, not in the baseline");
    }
  }
};

// Differences between the reports that make timings (not errors) hard to compare.
void add_context_notes(const SuiteView& current, const SuiteView& baseline, CheckResult& result) {
  auto text = [](const ReportView& value) {
    return value.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  for (const char* key : {"cpu_model", "hostname", "threads_used"}) {
    const ReportView cur = current.host[key], base = baseline.host[key];
    if (cur.json() != base.json()) {
      result.notes.push_back(std::string("host ") + key + " differs (current " + text(cur) +
                             ", baseline " + text(base) + "): timings are machine-specific");
    }
  }
  const std::string cur_tool =
      current.tool["version"].string() + " " + current.tool["build_type"].string();
  const std::string base_tool =
      baseline.tool["version"].string() + " " + baseline.tool["build_type"].string();
  if (cur_tool != base_tool) {
    result.notes.push_back("tool differs (current " + cur_tool + ", baseline " + base_tool + ")");
  }
}

}  // namespace

void validate(const CheckThresholds& t) {
  auto require = [](const char* option, double value, double min_value) {
    if (!std::isfinite(value) || value < min_value) {
      throw InputError(std::string(option) + " " + format_number(value, "%g") +
                       ": must be a finite number >= " + format_number(min_value, "%g"));
    }
  };
  require("--max-slowdown", t.max_slowdown, 1);
  require("--max-error-growth", t.max_error_growth, 1);
  require("--min-time-ms", t.min_time_ms, 0);
  if (!(t.significance > 0 && t.significance < 1)) {
    throw InputError("--significance " + format_number(t.significance, "%g") +
                     ": must be a number between 0 and 1, exclusive");
  }
}

std::string to_string(Change change) {
  switch (change) {
    case Change::regression:
      return "regression";
    case Change::mistrusted:
      return "mistrusted";
    case Change::improvement:
      return "improvement";
    case Change::note:
      return "note";
  }
  return "?";
}

int CheckResult::count(Change change) const {
  int n = 0;
  for (const auto& row : rows) n += row.change == change ? 1 : 0;
  return n;
}

int CheckResult::exit_status() const {
  return count(Change::regression) + count(Change::mistrusted) > 0 ? kExitFailed : kExitPassed;
}

namespace {

// Both reports must be of the layout this conveq reads: two of another version alike are no
// better (their fields may mean something else).
void check_schemas(const ReportView& current, const ReportView& baseline) {
  require_readable_schema(current);
  const int64_t baseline_version = baseline["schema_version"].integer();
  if (baseline_version != kReadableSchemaVersion) {
    throw InputError("cannot compare " + current.file() + " (schema_version " +
                     std::to_string(kReadableSchemaVersion) + ") with " + baseline.file() +
                     " (schema_version " + std::to_string(baseline_version) +
                     "): refresh the baseline with this conveq");
  }
}

// Everything that makes the reports incomparable, listed together in one error.
void refuse_incomparable(const SuiteView& current, const SuiteView& baseline, bool subset,
                         const std::string& current_name, const std::string& baseline_name) {
  std::vector<std::string> only_in_current, only_in_baseline, different;
  // In report order (suite order), not name order: that is how people read the suite.
  for (const auto& entry : current.problems) {
    const ProblemEntry* base = baseline.find(entry.name);
    if (base == nullptr) {
      only_in_current.push_back(visible_text(entry.name));
    } else if (!entry.signature.empty() && !base->signature.empty() &&
               entry.signature != base->signature) {
      different.push_back(visible_text(entry.name + " (current: " + entry.repro +
                                       "; baseline: " + base->repro + ")"));
    }
  }
  for (const auto& entry : baseline.problems) {
    if (!subset && current.find(entry.name) == nullptr) {
      only_in_baseline.push_back(visible_text(entry.name));
    }
  }
  std::vector<std::string> reasons;
  if (!only_in_baseline.empty()) {
    reasons.push_back("problems missing from " + current_name + ": " +
                      join(only_in_baseline, ", "));
  }
  if (!only_in_current.empty()) {
    reasons.push_back("problems missing from " + baseline_name + ": " +
                      join(only_in_current, ", "));
  }
  if (!different.empty()) {
    reasons.push_back("same name, different problem: " + join(different, ", "));
  }
  if (!reasons.empty()) {
    std::string message = "cannot compare " + current_name + " with " + baseline_name + ":";
    for (const auto& reason : reasons) message += "\n  " + reason;
    throw InputError(message);
  }
}

// A timing block that moved against the rest of its problems across the suite
// (suite/timing_change.hpp, judge_block): one row for the block, after the problems' rows.
void add_block_rows(const std::map<std::string, std::vector<BlockMove>>& block_moves,
                    const CheckThresholds& thresholds, CheckResult& result) {
  const TimingThresholds t = timing_thresholds(thresholds);
  for (const auto& [block, moves] : block_moves) {
    const TimingJudgement judged = judge_block(moves, t);
    if (judged.change == TimingChange::none) continue;
    const Change change = change_of(judged.change);
    result.rows.push_back({"(all problems)", (block.empty() ? "conveq" : block) + " paths",
                           "median_ms", nullptr, nullptr, change, judged.reason});
  }
}

// One problem of the suite: its comparisons, then its verdict, then its paths' timings.
void check_problem(const SuiteView& current, const ProblemEntry& entry, const SuiteView& baseline,
                   const ProblemEntry& base_entry, const CheckThresholds& thresholds,
                   CheckResult& result,
                   std::map<std::string, std::vector<BlockMove>>& block_moves) {
  const ReportEntry base_read = baseline.file.problem(base_entry.index);
  const std::optional<ReportView> base_report = report_of(baseline.file, base_read);
  if (!base_report) {
    result.notes.push_back("problem " + entry.name + " has no report in the baseline (" +
                           base_entry.error + "); not checked");
    return;
  }
  const ReportEntry read = current.file.problem(entry.index);
  const std::optional<ReportView> report = report_of(current.file, read);
  if (!report) {
    result.rows.push_back({entry.name, "-", "status",
                           status_of((*base_report)["verdict"]["status"]), "error",
                           Change::regression, "stopped with an error: " + entry.error});
    return;
  }
  ++result.problems;
  ProblemCheck check{entry.name, *report, *base_report, thresholds, result};
  check.current_compact = read.view().contains("detail");
  check.baseline_compact = base_read.view().contains("detail");
  check.host_load = host_load_of(*report, *base_report);
  check.block_moves = &block_moves;
  const size_t first_row = result.rows.size();
  check.comparisons();
  check.verdict(first_row);
  check.paths();
}

}  // namespace

CheckResult check_against_baseline(const SuiteReportFile& current_file,
                                   const SuiteReportFile& baseline_file,
                                   const CheckThresholds& thresholds) {
  validate(thresholds);
  check_schemas(current_file.header(), baseline_file.header());
  const std::string& current_name = current_file.file();
  const std::string& baseline_name = baseline_file.file();
  if (!current_file.complete() || !baseline_file.complete()) {
    const SuiteReportFile& partial = current_file.complete() ? baseline_file : current_file;
    throw InputError(partial.file() + ": no summary line: its run was stopped after " +
                     std::to_string(partial.size()) + " problems; check a finished report");
  }
  const SuiteView current = read_suite_view(current_file);
  const SuiteView baseline = read_suite_view(baseline_file);
  refuse_incomparable(current, baseline, thresholds.subset, current_name, baseline_name);

  CheckResult result;
  add_context_notes(current, baseline, result);
  std::map<std::string, std::vector<BlockMove>> block_moves;
  for (const auto& entry : current.problems) {
    check_problem(current, entry, baseline, *baseline.find(entry.name), thresholds, result,
                  block_moves);
  }
  add_block_rows(block_moves, thresholds, result);
  return result;
}

CheckResult check_against_baseline(const nlohmann::json& current_report,
                                   const nlohmann::json& baseline_report,
                                   const CheckThresholds& thresholds,
                                   const std::string& current_name,
                                   const std::string& baseline_name) {
  return check_against_baseline(SuiteReportFile::from_json(current_report, current_name),
                                SuiteReportFile::from_json(baseline_report, baseline_name),
                                thresholds);
}

}  // namespace conveq
