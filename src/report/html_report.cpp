// One compare report as an HTML page; the document shell and the sections the suite page reuses.
#include "conveq/report/html_report.hpp"

#include <cmath>
#include <optional>
#include <vector>

#include "conveq/check/error_map.hpp"
#include "conveq/core/format.hpp"
#include "conveq/report/html_charts.hpp"
#include "conveq/report/html_comparison.hpp"
#include "conveq/report/markup.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq {
namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222;background:#fff}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-size:1.2em;padding:.6em 1em;border-left:8px solid;background:#fafafa}
.status{font-weight:bold;text-transform:uppercase}
.passed{color:#2e7d32}.failed,.error{color:#c62828}.mistrusted{color:#ef6c00}
.verdict.passed{border-color:#2e7d32}.verdict.failed{border-color:#c62828}
.verdict.mistrusted{border-color:#ef6c00}
code{background:#f4f4f4;padding:1px 4px;word-break:break-all}
details{margin:.3em 0 .6em}summary{cursor:pointer}
.charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
svg text{font:11px system-ui,sans-serif;fill:#222}svg text.axis{font-weight:bold}
svg text.group{font-weight:bold;fill:#555}svg text.tick{font-size:9px;fill:#666}
svg text.marker{fill:#c62828;font-size:10px}
th.sort{cursor:pointer}
)";

// Sorting by a column without a server: click a heading. The page reads the same without it.
constexpr const char* kSortScript = R"(
for (const t of document.querySelectorAll('table.sortable')) {
  t.querySelectorAll('th').forEach((th, i) => {
    th.classList.add('sort'); th.title = 'sort by this column';
    th.addEventListener('click', () => {
      const rows = [...t.tBodies[0].rows], up = th.dataset.dir !== 'up';
      const key = r => { const c = r.cells[i], v = c.dataset.value ?? c.textContent;
                         const n = parseFloat(v); return isNaN(n) ? v : n; };
      rows.sort((a, b) => { const x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1); });
      th.dataset.dir = up ? 'up' : 'down';
      rows.forEach(r => t.tBodies[0].appendChild(r));
    });
  });
}
)";

std::string cell(const std::string& text, const char* css_class = nullptr) {
  return std::string("<td") + (css_class ? std::string(" class=\"") + css_class + "\"" : "") + ">" +
         html_escape(text) + "</td>";
}

std::string number_cell(const ReportView& value, const char* format = "%.3g") {
  const std::optional<double> number = value.number_or_null();
  return cell(number ? format_number(*number, format) : "inf", "num");
}

std::string pair_name(const ReportView& c) {
  return c["a"].string() + " vs " + c["b"].string();
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string problem_html(const ReportView& report) {
  const auto problem = report["problem"];
  const auto tool = report["tool"];
  const auto host = report["host"];
  return "<section id=\"problem\"><h2>Problem</h2><p>input " +
         shape_text(problem["input_shape"].integers()) + " weight " +
         shape_text(problem["weight_shape"].integers()) + " &rarr; output " +
         shape_text(problem["output_shape"].integers()) + ", " +
         html_escape(problem["dtype"].string() + accumulation_text(problem)) + ", fill " +
         html_escape(problem["fill"].string()) + ", " +
         std::to_string(problem["reduction_length"].count()) +
         " terms per output</p><p>reproduce: <code>" + html_escape(report["repro"].string()) +
         "</code></p><p>conveq " + html_escape(tool["version"].string()) + " (" +
         html_escape(tool["build_type"].string()) + "), " +
         html_escape(host["cpu_model"].string()) + ", " +
         std::to_string(host["threads_used"].count()) + " threads, " +
         html_escape(host["date"].string()) + "</p></section>\n";
}

// Grouped by backend (a library and its version, conveq's own paths, the reference).
PathBar path_bar(const ReportView& p) {
  PathBar bar;
  bar.name = p["name"].string();
  bar.op = p["op"].string();
  if (const auto backend = p.optional("backend")) {
    bar.group = (*backend)["library"].string() + " " + (*backend)["version"].string();
  } else {
    bar.group = bar.name == "reference" ? "reference" : "conveq";
  }
  bar.median_ms = p["timing"]["median_ms"].number_or_null();
  bar.gflops = p["gflops"].number_or_null();
  return bar;
}

std::string paths_html(const ReportView& report, const std::string& prefix) {
  std::vector<PathBar> bars;
  std::string backends;
  for (const auto& p : report["paths"].items()) {
    bars.push_back(path_bar(p));
    if (const auto b = p.optional("backend")) {
      backends +=
          "<tr>" + cell(p["name"].string()) + cell((*b)["implementation"].string()) +
          cell((*b)["layouts"]["src"].string() + " / " + (*b)["layouts"]["weights"].string() +
               " / " + (*b)["layouts"]["dst"].string()) +
          "</tr>";
    }
  }
  std::string html =
      "<section id=\"" + prefix + "paths\"><h2>Paths: time and speed</h2>" + path_bars_svg(bars);
  if (!backends.empty()) {
    html +=
        "<table><thead><tr><th>path</th><th>kernel</th><th>layouts src / weights / "
        "dst</th></tr></thead><tbody>" +
        backends + "</tbody></table>";
  }
  std::string skipped;
  for (const auto& s : report["skipped_paths"].items()) {
    skipped += "<li>" + html_escape(s["name"].string()) + ": " + html_escape(s["reason"].string()) +
               "</li>";
  }
  if (!skipped.empty())
    html += "<details><summary>skipped paths</summary><ul>" + skipped + "</ul></details>";
  return html + "</section>\n";
}

// Effective precision (reports that have it): "21.3 of 24 bits".
std::string comparison_row(const ReportView& c, const std::string& prefix, size_t index) {
  const std::string status = c["status"].string();
  return "<tr><td><a href=\"#" + prefix + "comparison-" + std::to_string(index) + "\">" +
         html_escape(pair_name(c)) + "</a></td><td class=\"status " + html_escape(status) + "\">" +
         html_escape(status) + "</td>" + number_cell(c["max_abs_error"]) +
         number_cell(c["max_ulp"], "%.0f") + cell(std::to_string(c["mismatches"].count()), "num") +
         number_cell(c["bound_utilisation"]) + cell(precision_text(c), "num") + "</tr>";
}

}  // namespace

std::string verdict_html(const std::string& status, const std::string& summary) {
  return "<section id=\"verdict\"><p class=\"verdict " + html_escape(status) +
         "\"><span class=\"status\">" + html_escape(status) + "</span> &mdash; " +
         html_escape(summary) + "</p></section>\n";
}

std::string html_document(const std::string& title, const std::string& body, bool sort_script) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
         html_escape(title) + "</title><style>" + kStyle + "</style></head>\n<body>\n" + body +
         (sort_script ? std::string("<script>") + kSortScript + "</script>\n" : "") +
         "</body></html>\n";
}

std::string format_html(const nlohmann::json& report) {
  return format_html(ReportView(report, "the report"));
}

std::string format_html(const ReportView& report) {
  require_readable_schema(report);
  if (is_suite_report(report.json())) return format_suite_html(report);
  const auto verdict = report["verdict"];
  const std::string body = "<h1>conveq compare</h1>\n" +
                           verdict_html(verdict["status"].string(), verdict["summary"].string()) +
                           problem_html(report) + compare_sections_html(report, false, "");
  return html_document("conveq: " + verdict["status"].string(), body, false);
}

std::string compare_sections_html(const ReportView& report, bool compact,
                                  const std::string& prefix) {
  std::string rows;
  size_t index = 0;
  for (const auto& c : report["comparisons"].items()) rows += comparison_row(c, prefix, index++);
  return paths_html(report, prefix) + "<section id=\"" + prefix +
         "comparisons\"><h2>Comparisons</h2><table><thead><tr><th>comparison</th>"
         "<th>status</th><th>max abs</th><th>max ulp</th><th>mismatches</th><th>bound "
         "used</th><th>effective bits</th></tr></thead><tbody>" +
         rows + "</tbody></table>" + comparison_details_html(report, compact, prefix) +
         "</section>\n" + checks_html(report);
}

}  // namespace conveq
