// Suite results for a terminal: the per-problem lines of `conveq run` and the table of
// `conveq show`.
#include "conveq/report/suite_text.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "conveq/core/format.hpp"
#include "conveq/report/suite_report_file.hpp"
#include "conveq/report/text_report.hpp"

namespace conveq {
namespace {

std::string bound_text(const ReportView& entry) {
  const auto report = entry.optional("report");
  return report ? format_number(largest_bound_utilisation(*report)) : "-";
}

// The fastest path other than the reference, as "name median_ms".
std::string fastest_path(const ReportView& report) {
  std::string best_name = "-";
  double best_ms = std::numeric_limits<double>::infinity();
  for (const auto& p : report["paths"].items()) {
    const std::string name = p["name"].string();
    const std::optional<double> median = p["timing"]["median_ms"].number_or_null();
    if (name == "reference" || !median) continue;
    if (*median < best_ms) {
      best_ms = *median;
      best_name = name;
    }
  }
  return column(best_name, 18) + (std::isfinite(best_ms) ? format_number(best_ms, "%.4f") : "-");
}

std::string problem_line(const ReportView& entry) {
  std::ostringstream out;
  out << column(upper(entry["status"].string()), 10) << column(entry["name"].string(), 28)
      << "bound " << column(bound_text(entry), 8) << entry["repro"].string();
  if (const auto error = entry.optional("error")) out << "\n    error: " << error->string();
  return out.str();
}

std::string summary_line(const ReportView& summary) {
  return std::to_string(summary["passed"].count()) + " passed, " +
         std::to_string(summary["failed"].count()) + " failed, " +
         std::to_string(summary["mistrusted"].count()) + " mistrusted";
}

void write_suite_header(std::ostringstream& out, const ReportView& report) {
  const auto suite = report["suite"];
  const auto host = report["host"];
  const auto filter = suite["filter"];
  out << "conveq " << report["tool"]["version"].string() << "  " << suite["command"].string()
      << "\n";
  out << "suite " << suite["file"].string() << ": " << suite["problems_selected"].count() << " of "
      << suite["problems_in_file"].count() << " problems (shard " << suite["shard"]["index"].count()
      << "/" << suite["shard"]["count"].count() << ", filter "
      << (filter.is_null() ? "none" : filter.string()) << "), ";
  if (const auto seconds = suite.optional("seconds")) {
    out << format_number(seconds->number(), "%.1f") << " s\n";
  } else {  // a JSON Lines report whose run was stopped
    out << "stopped before the end\n";
  }
  out << "host " << host["hostname"].string() << ": " << host["cpu_model"].string() << ", "
      << host["threads_used"].count() << " of " << host["hardware_threads"].count() << " threads, "
      << host["date"].string() << "\n\n";
}

void write_problem_row(std::ostringstream& out, const ReportView& entry) {
  const std::string status = entry["status"].string();
  out << column(upper(status), 10) << column(entry["name"].string(), 28);
  if (const auto report = entry.optional("report")) {
    const auto verdict = (*report)["verdict"];
    const int64_t passed = verdict["passed"].count();
    const int64_t total = passed + verdict["failed"].count() + verdict["mistrusted"].count();
    out << column(std::to_string(passed) + "/" + std::to_string(total), 12)
        << column(bound_text(entry), 10) << fastest_path(*report) << "\n";
    if (status != "passed") {
      out << "    " << verdict["summary"].string() << "\n";
      out << "    repro: " << entry["repro"].string() << "\n";
    }
  } else {
    out << "\n    error: " << entry["error"].string() << "\n";
    out << "    repro: " << entry["repro"].string() << "\n";
  }
}

}  // namespace

double largest_bound_utilisation(const ReportView& report) {
  // A --compact report keeps only the largest.
  if (const auto compact = report.optional("bound_utilisation")) return compact->number();
  if (report.contains("bound_utilisation")) return std::numeric_limits<double>::infinity();
  double largest = 0;
  for (const auto& c : report["comparisons"].items()) {
    const std::optional<double> u = c["bound_utilisation"].number_or_null();
    largest = std::max(largest, u ? *u : std::numeric_limits<double>::infinity());
  }
  return largest;
}

double largest_bound_utilisation(const nlohmann::json& report) {
  return largest_bound_utilisation(ReportView(report, "the report"));
}

std::string format_problem_line(const nlohmann::json& entry) {
  return problem_line(ReportView(entry, "the suite report"));
}

std::string format_summary_line(const nlohmann::json& summary) {
  return summary_line(ReportView(summary, "the suite report"));
}

namespace {

// The table of a suite report whose problems `problem(i)` gives, one at a time.
template <typename Problem>
std::string suite_text(const ReportView& header, size_t problems, Problem problem,
                       const std::optional<ReportView>& summary, bool details) {
  require_readable_schema(header);
  std::ostringstream out;
  write_suite_header(out, header);
  out << column("status", 10) << column("name", 28) << column("comparisons", 12)
      << column("bound used", 10) << column("fastest path", 18) << "median ms\n";
  for (size_t i = 0; i < problems; ++i) write_problem_row(out, problem(i).view());
  out << "\n"
      << (summary ? summary_line(*summary)
                  : "stopped after " + std::to_string(problems) + " problems: no summary line")
      << "\n";
  for (size_t i = 0; details && i < problems; ++i) {
    const auto entry = problem(i);
    const auto problem_report = entry.view().optional("report");
    if (!problem_report) continue;
    out << "\n== " << entry.view()["name"].string() << " (line " << entry.view()["line"].integer()
        << ")\n";
    // A --compact entry has no per-element detail to show.
    out << (entry.view().contains("detail") ? "(compact: passed; per-element detail left out)\n"
                                            : format_text(*problem_report));
  }
  return out.str();
}

// A problem of a JSON report, shaped like ReportEntry.
struct ViewEntry {
  ReportView entry;
  const ReportView& view() const { return entry; }
};

}  // namespace

std::string format_suite_text(const ReportView& report, bool details) {
  require_readable_schema(report);
  const std::vector<ReportView> problems = report["problems"].items();
  return suite_text(
      report, problems.size(), [&problems](size_t i) { return ViewEntry{problems[i]}; },
      report["summary"], details);
}

std::string format_suite_text(const SuiteReportFile& report, bool details) {
  return suite_text(
      report.header(), report.size(), [&report](size_t i) { return report.problem(i); },
      report.summary(), details);
}

std::string format_suite_text(const nlohmann::json& report, bool details) {
  return format_suite_text(ReportView(report, "the suite report"), details);
}

}  // namespace conveq
