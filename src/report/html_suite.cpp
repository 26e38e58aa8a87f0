// A suite report as an HTML page: the verdict, a table sortable by any column (a tiny inline
// script; the table reads the same without it), speed against size, then each problem.
#include <cmath>
#include <limits>
#include <vector>

#include "conveq/core/format.hpp"
#include "conveq/report/html_charts.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/markup.hpp"
#include "conveq/report/suite_text.hpp"

namespace conveq {
namespace {

// The fastest path other than the reference: its name, median ms and GFLOP/s.
struct Fastest {
  std::string name = "-";
  double median_ms = std::numeric_limits<double>::infinity();
  double gflops = 0;
};

Fastest fastest_path(const ReportView& report) {
  Fastest best;
  for (const auto& p : report["paths"].items()) {
    const std::optional<double> median = p["timing"]["median_ms"].number_or_null();
    if (p["name"].string() == "reference" || !median || !(*median < best.median_ms)) continue;
    best.name = p["name"].string();
    best.median_ms = *median;
    // A --compact report keeps only the median: the rate follows from the problem's FLOPs.
    best.gflops = p.contains("gflops") ? p["gflops"].number_or_null().value_or(0)
                                       : report["problem"]["flops"].number() / (*median * 1e6);
  }
  return best;
}

// The problem's size: the FLOPs it performs (problem.flops).
double problem_flops(const ReportView& report) {
  return report["problem"]["flops"].number();
}

// A cell that sorts by `value` (a number) and shows `text`.
std::string sorted_cell(double value, const std::string& text) {
  const std::string key = std::isfinite(value) ? format_number(value, "%.17g") : "1e308";
  return "<td class=\"num\" data-value=\"" + key + "\">" + html_escape(text) + "</td>";
}

std::string problem_row(const ReportView& entry, size_t index) {
  const std::string status = entry["status"].string();
  std::string row = "<tr><td class=\"status " + html_escape(status) + "\">" + html_escape(status) +
                    "</td><td><a href=\"#problem-" + std::to_string(index) + "\">" +
                    html_escape(entry["name"].string()) + "</a></td>";
  const auto report = entry.optional("report");
  if (!report)
    return row + "<td colspan=\"6\">" + html_escape(entry["error"].string()) + "</td></tr>";
  const Fastest fastest = fastest_path(*report);
  const double bound = largest_bound_utilisation(*report);
  const double flops = problem_flops(*report);
  return row + sorted_cell(flops, format_number(flops / 1e6, "%.3g")) + "<td>" +
         html_escape(fastest.name) + "</td>" +
         sorted_cell(fastest.median_ms, format_number(fastest.median_ms, "%.4f")) +
         sorted_cell(fastest.gflops, format_number(fastest.gflops, "%.1f")) +
         sorted_cell(bound, format_number(bound, "%.3g")) +
         sorted_cell(entry["seconds"].number(), format_number(entry["seconds"].number(), "%.2f")) +
         "</tr>";
}

std::string problem_details(const ReportView& entry, size_t index) {
  const std::string status = entry["status"].string();
  const std::string id = "problem-" + std::to_string(index);
  std::string html = "<details id=\"" + id + "\"" + (status == "passed" ? "" : " open") +
                     "><summary><span class=\"status " + html_escape(status) + "\">" +
                     html_escape(status) + "</span> " + html_escape(entry["name"].string()) +
                     "</summary><p>reproduce: <code>" + html_escape(entry["repro"].string()) +
                     "</code></p>";
  if (const auto report = entry.optional("report")) {
    const auto verdict = (*report)["verdict"];
    html += "<p>" + html_escape(verdict["summary"].string()) + "</p>";
    // A --compact entry (docs/ci.md) kept no per-path or per-element detail to show.
    html += entry.contains("detail") ? "<p>compact: passed; per-element detail left out.</p>"
                                     : compare_sections_html(*report, true, id + "-");
  } else {
    html += "<p class=\"error\">" + html_escape(entry["error"].string()) + "</p>";
  }
  return html + "</details>\n";
}

// A page stays small enough to open: with more problems than this, only those that did not
// pass get their section (this many at most); every problem keeps its row in the table.
constexpr size_t kMostDetailedProblems = 100;

// "2 passed, 1 failed, 0 mistrusted", read through the report's own view (its file name).
std::string summary_text(const ReportView& summary) {
  return std::to_string(summary["passed"].count()) + " passed, " +
         std::to_string(summary["failed"].count()) + " failed, " +
         std::to_string(summary["mistrusted"].count()) + " mistrusted";
}

std::string suite_status(const ReportView& summary) {
  if (summary["failed"].count() > 0) return "failed";
  return summary["mistrusted"].count() > 0 ? "mistrusted" : "passed";
}

}  // namespace

std::string format_suite_html(const ReportView& report) {
  const auto suite = report["suite"];
  const auto summary = report["summary"];
  const std::string status = suite_status(summary);
  std::string rows, details;
  std::vector<SpeedPoint> points;
  const std::vector<ReportView> entries = report["problems"].items();
  size_t index = 0, detailed = 0;
  for (const auto& entry : entries) {
    rows += problem_row(entry, index);
    const bool all = entries.size() <= kMostDetailedProblems;
    if (detailed < kMostDetailedProblems && (all || entry["status"].string() != "passed")) {
      details += problem_details(entry, index);
      ++detailed;
    }
    ++index;
    if (const auto r = entry.optional("report")) {
      points.push_back({problem_flops(*r), fastest_path(*r).gflops, entry["status"].string(),
                        entry["name"].string()});
    }
  }
  const std::string body =
      "<h1>conveq run " + html_escape(suite["file"].string()) + "</h1>\n" +
      verdict_html(status, summary_text(summary)) + "<p>command: <code>" +
      html_escape(suite["command"].string()) + "</code>, " +
      format_number(suite["seconds"].number(), "%.1f") + " s</p>\n" +
      "<section id=\"problems\"><h2>Problems</h2><table class=\"sortable\"><thead><tr>"
      "<th>status</th><th>problem</th><th>MFLOP</th><th>fastest path</th>"
      "<th>median ms</th><th>GFLOP/s</th><th>bound used</th><th>seconds</th></tr></thead><tbody>" +
      rows + "</tbody></table></section>\n<section id=\"speed\"><h2>Speed against size</h2>" +
      speed_size_svg(points) + "</section>\n<section id=\"details\"><h2>Each problem</h2>" +
      (detailed < entries.size()
           ? "<p>" + std::to_string(detailed) + " of " + std::to_string(entries.size()) +
                 " problems shown here (those that did not pass); the "
                 "table has them all.</p>"
           : "") +
      details + "</section>\n";
  return html_document("conveq run: " + status, body, true);
}

}  // namespace conveq
