// Suite results for a terminal: the per-problem lines of `conveq run` and the table of
// `conveq show`.
#include "conveq/report/suite_text.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "conveq/core/format.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq {
namespace {

std::string bound_text(const nlohmann::json& entry) {
  if (!entry.contains("report")) return "-";
  return format_number(largest_bound_utilisation(entry["report"]));
}

// The fastest path other than the reference, as "name median_ms".
std::string fastest_path(const nlohmann::json& report) {
  std::string best_name = "-";
  double best_ms = std::numeric_limits<double>::infinity();
  for (const auto& p : report.at("paths")) {
    const auto& median = p.at("timing").at("median_ms");
    if (p.at("name") == "reference" || !median.is_number()) continue;
    if (median.get<double>() < best_ms) {
      best_ms = median.get<double>();
      best_name = p.at("name").get<std::string>();
    }
  }
  return column(best_name, 18) + (std::isfinite(best_ms) ? format_number(best_ms, "%.4f") : "-");
}

}  // namespace

std::string format_problem_line(const nlohmann::json& entry) {
  std::ostringstream out;
  out << column(upper(entry.at("status")), 10) << column(entry.at("name"), 28) << "bound "
      << column(bound_text(entry), 8) << entry.at("repro").get<std::string>();
  if (entry.contains("error")) out << "\n    error: " << entry["error"].get<std::string>();
  return out.str();
}

std::string format_summary_line(const nlohmann::json& summary) {
  return std::to_string(summary.at("passed").get<int64_t>()) + " passed, " +
         std::to_string(summary.at("failed").get<int64_t>()) + " failed, " +
         std::to_string(summary.at("mistrusted").get<int64_t>()) + " mistrusted";
}

std::string format_suite_text(const nlohmann::json& report, bool details) {
  std::ostringstream out;
  const auto& suite = report.at("suite");
  const auto& host = report.at("host");
  out << "conveq " << report.at("tool").at("version").get<std::string>() << "  "
      << suite.at("command").get<std::string>() << "\n";
  out << "suite " << suite.at("file").get<std::string>() << ": "
      << suite.at("problems_selected").get<int64_t>() << " of "
      << suite.at("problems_in_file").get<int64_t>() << " problems (shard "
      << suite.at("shard").at("index").get<int64_t>() << "/"
      << suite.at("shard").at("count").get<int64_t>() << ", filter "
      << (suite.at("filter").is_null() ? "none" : suite.at("filter").get<std::string>()) << "), "
      << format_number(suite.at("seconds").get<double>(), "%.1f") << " s\n";
  out << "host " << host.at("hostname").get<std::string>() << ": "
      << host.at("cpu_model").get<std::string>() << ", " << host.at("threads_used") << " of "
      << host.at("hardware_threads") << " threads, " << host.at("date").get<std::string>()
      << "\n\n";

  out << column("status", 10) << column("name", 28) << column("comparisons", 12)
      << column("bound used", 10) << column("fastest path", 18) << "median ms\n";
  for (const auto& entry : report.at("problems")) {
    out << column(upper(entry.at("status")), 10) << column(entry.at("name"), 28);
    if (entry.contains("report")) {
      const auto& verdict = entry["report"].at("verdict");
      const int64_t total = verdict.at("passed").get<int64_t>() +
                            verdict.at("failed").get<int64_t>() +
                            verdict.at("mistrusted").get<int64_t>();
      out << column(
                 std::to_string(verdict.at("passed").get<int64_t>()) + "/" + std::to_string(total),
                 12)
          << column(bound_text(entry), 10) << fastest_path(entry["report"]) << "\n";
      if (entry.at("status") != "passed") {
        out << "    " << verdict.at("summary").get<std::string>() << "\n";
        out << "    repro: " << entry.at("repro").get<std::string>() << "\n";
      }
    } else {
      out << "\n    error: " << entry.at("error").get<std::string>() << "\n";
      out << "    repro: " << entry.at("repro").get<std::string>() << "\n";
    }
  }
  out << "\n" << format_summary_line(report.at("summary")) << "\n";
  if (details) {
    for (const auto& entry : report.at("problems")) {
      if (!entry.contains("report")) continue;
      out << "\n== " << entry.at("name").get<std::string>() << " (line "
          << entry.at("line").get<int64_t>() << ")\n"
          << format_text(entry["report"]);
    }
  }
  return out.str();
}

}  // namespace conveq
