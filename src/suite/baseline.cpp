#include "conveq/suite/baseline.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "conveq/check/bound.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Non-finite numbers are written as null in reports.
double number_or_inf(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : kInf;
}

nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// What makes two reports' problems the same computation; the options' spelling
// ("--padding same" or "1") and the run options (threads, repeats) do not matter.
std::string problem_signature(const nlohmann::json& problem) {
  nlohmann::json signature;
  for (const char* key : {"input_shape", "weight_shape", "output_shape", "kernel", "stride",
                          "dilation", "groups", "bias", "fold", "dtype", "fill", "seed"}) {
    signature[key] = problem.at(key);
  }
  for (const char* side : {"top", "bottom", "left", "right"}) {
    signature["padding"][side] = problem.at("padding").at(side);
  }
  return signature.dump();
}

std::map<std::string, const nlohmann::json*> by_name(const nlohmann::json& entries,
                                                     const std::string& report_name) {
  std::map<std::string, const nlohmann::json*> map;
  for (const auto& entry : entries) {
    const std::string name = entry.at("name");
    if (!map.emplace(name, &entry).second) {
      throw InputError(report_name + ": problem name \"" + name + "\" appears twice");
    }
  }
  return map;
}

struct ProblemCheck {
  const std::string& name;
  const nlohmann::json& current;  // compare reports
  const nlohmann::json& baseline;
  const CheckThresholds& thresholds;
  CheckResult& result;

  void add(const std::string& subject, const std::string& metric, nlohmann::json base,
           nlohmann::json cur, Change change, const std::string& reason) {
    result.rows.push_back({name, subject, metric, std::move(base), std::move(cur), change, reason});
  }

  void paths() {
    std::map<std::string, const nlohmann::json*> current_paths;
    for (const auto& p : current.at("paths")) current_paths[p.at("name")] = &p;
    for (const auto& base_path : baseline.at("paths")) {
      const std::string path = base_path.at("name");
      const double base_ms = number_or_inf(base_path.at("timing").at("median_ms"));
      const auto found = current_paths.find(path);
      if (found == current_paths.end()) {
        add(path, "median_ms", finite_or_null(base_ms), nullptr, Change::regression,
            "no longer run");
        continue;
      }
      ++result.paths;
      const double cur_ms = number_or_inf(found->second->at("timing").at("median_ms"));
      current_paths.erase(found);
      const double slowdown = thresholds.max_slowdown;
      if (cur_ms > slowdown * base_ms && cur_ms - base_ms >= thresholds.min_time_ms) {
        add(path, "median_ms", base_ms, cur_ms, Change::regression,
            "slower by more than " + format_number(slowdown) + "x");
      } else if (base_ms > slowdown * cur_ms && base_ms - cur_ms >= thresholds.min_time_ms) {
        add(path, "median_ms", base_ms, cur_ms, Change::improvement,
            "faster by more than " + format_number(slowdown) + "x");
      }
    }
    for (const auto& [path, p] : current_paths) {
      add(path, "median_ms", nullptr,
          finite_or_null(number_or_inf(p->at("timing").at("median_ms"))), Change::note,
          "new path, not in the baseline");
    }
  }

  // A problem can fail with every comparison passing (e.g. --check-determinism); its verdict
  // is checked too, unless a comparison's status change already explains it.
  void verdict(size_t first_row) {
    const std::string base_status = baseline.at("verdict").at("status");
    const std::string cur_status = current.at("verdict").at("status");
    if ((base_status == "failed") == (cur_status == "failed")) return;
    for (size_t i = first_row; i < result.rows.size(); ++i) {
      if (result.rows[i].metric == "status" && result.rows[i].change != Change::note) return;
    }
    if (cur_status == "failed") {
      add("verdict", "status", base_status, cur_status, Change::regression,
          "now fails: " + current.at("verdict").at("summary").get<std::string>());
    } else {
      add("verdict", "status", base_status, cur_status, Change::improvement, "now passes");
    }
  }

  void comparisons() {
    const auto& problem = current.at("problem");
    const double u = error_growth_unit(parse_dtype(problem.at("dtype")));
    const double floor = error_growth_floor(output_sum_terms(
        problem.at("reduction_length").get<int64_t>(), problem.at("bias").get<bool>()));
    const double growth = thresholds.max_error_growth;

    std::map<std::string, const nlohmann::json*> current_comparisons;
    for (const auto& c : current.at("comparisons")) {
      current_comparisons[c.at("a").get<std::string>() + " vs " + c.at("b").get<std::string>()] =
          &c;
    }
    for (const auto& base_c : baseline.at("comparisons")) {
      const std::string subject =
          base_c.at("a").get<std::string>() + " vs " + base_c.at("b").get<std::string>();
      const std::string base_status = base_c.at("status");
      const auto found = current_comparisons.find(subject);
      if (found == current_comparisons.end()) {
        add(subject, "status", base_status, nullptr, Change::regression, "no longer compared");
        continue;
      }
      ++result.comparisons;
      const auto& cur_c = *found->second;
      current_comparisons.erase(found);

      const std::string cur_status = cur_c.at("status");
      if (base_status != "failed" && cur_status == "failed") {
        add(subject, "status", base_status, cur_status, Change::regression,
            "now fails: " + cur_c.at("reason").get<std::string>());
      } else if (base_status == "failed" && cur_status != "failed") {
        add(subject, "status", base_status, cur_status, Change::improvement, "now passes");
      } else if (base_status != cur_status) {
        add(subject, "status", base_status, cur_status, Change::note,
            cur_c.at("reason").get<std::string>());
      }

      const double base_error = number_or_inf(base_c.at("max_scaled_error")) / u;
      const double cur_error = number_or_inf(cur_c.at("max_scaled_error")) / u;
      const std::string rule = "max error grew by more than " + format_number(growth) +
                               "x, above the floor of " + format_number(floor) + " u";
      if (!std::isfinite(cur_error) && std::isfinite(base_error)) {
        add(subject, "max_scaled_error_u", base_error, nullptr, Change::regression,
            "a NaN or infinity where the baseline was finite");
      } else if (std::isfinite(cur_error) && !std::isfinite(base_error)) {
        add(subject, "max_scaled_error_u", nullptr, cur_error, Change::improvement, "finite again");
      } else if (cur_error > growth * base_error && cur_error > floor) {
        add(subject, "max_scaled_error_u", base_error, cur_error, Change::regression, rule);
      } else if (base_error > growth * cur_error && base_error > floor) {
        add(subject, "max_scaled_error_u", base_error, cur_error, Change::improvement,
            "max error shrank by more than " + format_number(growth) + "x");
      }
    }
    for (const auto& [subject, c] : current_comparisons) {
      add(subject, "status", nullptr, c->at("status"), Change::note,
          "new comparison, not in the baseline");
    }
  }
};

// Differences between the reports that make timings (not errors) hard to compare.
void add_context_notes(const nlohmann::json& current, const nlohmann::json& baseline,
                       CheckResult& result) {
  const auto& ch = current.at("host");
  const auto& bh = baseline.at("host");
  for (const char* key : {"cpu_model", "hostname", "threads_used"}) {
    if (ch.at(key) != bh.at(key)) {
      result.notes.push_back(std::string("host ") + key + " differs (current " + ch.at(key).dump() +
                             ", baseline " + bh.at(key).dump() + "): timings are machine-specific");
    }
  }
  const auto& ct = current.at("tool");
  const auto& bt = baseline.at("tool");
  if (ct.at("version") != bt.at("version") || ct.at("build_type") != bt.at("build_type")) {
    result.notes.push_back("tool differs (current " + ct.at("version").get<std::string>() + " " +
                           ct.at("build_type").get<std::string>() + ", baseline " +
                           bt.at("version").get<std::string>() + " " +
                           bt.at("build_type").get<std::string>() + ")");
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
}

std::string to_string(Change change) {
  switch (change) {
    case Change::regression:
      return "regression";
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

namespace {

using EntriesByName = std::map<std::string, const nlohmann::json*>;

void check_same_schema(const nlohmann::json& current_report, const nlohmann::json& baseline_report,
                       const std::string& current_name, const std::string& baseline_name) {
  const auto& current_version = current_report.at("schema_version");
  const auto& baseline_version = baseline_report.at("schema_version");
  if (current_version != baseline_version) {
    throw InputError("cannot compare " + current_name + " (schema_version " +
                     current_version.dump() + ") with " + baseline_name + " (schema_version " +
                     baseline_version.dump() + "): refresh the baseline with this conveq");
  }
}

// Everything that makes the reports incomparable, listed together in one error.
void refuse_incomparable(const nlohmann::json& current, const nlohmann::json& baseline,
                         const EntriesByName& current_problems,
                         const EntriesByName& baseline_problems, bool subset,
                         const std::string& current_name, const std::string& baseline_name) {
  std::vector<std::string> only_in_current, only_in_baseline, different;
  // In report order (suite order), not name order: that is how people read the suite.
  for (const auto& current_entry : current.at("problems")) {
    const std::string name = current_entry.at("name");
    const auto found = baseline_problems.find(name);
    if (found == baseline_problems.end()) {
      only_in_current.push_back(name);
    } else if (current_entry.contains("report") && found->second->contains("report") &&
               problem_signature(current_entry.at("report").at("problem")) !=
                   problem_signature(found->second->at("report").at("problem"))) {
      different.push_back(name + " (current: " + current_entry.at("repro").get<std::string>() +
                          "; baseline: " + found->second->at("repro").get<std::string>() + ")");
    }
  }
  for (const auto& baseline_entry : baseline.at("problems")) {
    const std::string name = baseline_entry.at("name");
    if (!subset && current_problems.count(name) == 0) only_in_baseline.push_back(name);
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

// One problem of the suite: its comparisons, then its verdict, then its paths' timings.
void check_problem(const std::string& name, const nlohmann::json& entry,
                   const nlohmann::json& base_entry, const CheckThresholds& thresholds,
                   CheckResult& result) {
  if (!base_entry.contains("report")) {
    result.notes.push_back("problem " + name + " has no report in the baseline (" +
                           base_entry.value("error", std::string("error")) + "); not checked");
    return;
  }
  if (!entry.contains("report")) {
    result.rows.push_back({name, "-", "status", base_entry.at("status"), "error",
                           Change::regression,
                           "stopped with an error: " + entry.value("error", std::string())});
    return;
  }
  ++result.problems;
  ProblemCheck check{name, entry.at("report"), base_entry.at("report"), thresholds, result};
  const size_t first_row = result.rows.size();
  check.comparisons();
  check.verdict(first_row);
  check.paths();
}

}  // namespace

CheckResult check_against_baseline(const nlohmann::json& current_report,
                                   const nlohmann::json& baseline_report,
                                   const CheckThresholds& thresholds,
                                   const std::string& current_name,
                                   const std::string& baseline_name) {
  validate(thresholds);
  check_same_schema(current_report, baseline_report, current_name, baseline_name);
  const nlohmann::json current = as_suite_report(current_report);
  const nlohmann::json baseline = as_suite_report(baseline_report);
  const EntriesByName current_problems = by_name(current.at("problems"), current_name);
  const EntriesByName baseline_problems = by_name(baseline.at("problems"), baseline_name);
  refuse_incomparable(current, baseline, current_problems, baseline_problems, thresholds.subset,
                      current_name, baseline_name);

  CheckResult result;
  add_context_notes(current, baseline, result);
  for (const auto& current_entry : current.at("problems")) {
    const std::string name = current_entry.at("name");
    check_problem(name, current_entry, *baseline_problems.at(name), thresholds, result);
  }
  return result;
}

}  // namespace conveq
