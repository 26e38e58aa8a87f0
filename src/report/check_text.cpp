// `conveq check` for a terminal: the table of regressions, improvements and notes.
#include "conveq/report/check_text.hpp"

#include <algorithm>
#include <sstream>

#include "conveq/core/format.hpp"

namespace conveq {

std::string format_check(const CheckResult& result, const CheckThresholds& thresholds) {
  auto value = [](const nlohmann::json& v, const std::string& metric) -> std::string {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (metric == "median_ms") return format_number(v.get<double>(), "%.4g") + " ms";
    return format_number(v.get<double>()) + " u";
  };
  std::ostringstream out;
  size_t problem_width = 7, subject_width = 7;
  for (const auto& row : result.rows) {
    problem_width = std::max(problem_width, row.problem.size());
    subject_width = std::max(subject_width, row.subject.size());
  }
  if (!result.rows.empty()) {
    out << column("change", 11) << column("problem", problem_width)
        << column("subject", subject_width) << column("metric", 18) << column("baseline", 12)
        << column("current", 12) << column("ratio", 8) << "reason\n";
  }
  // Regressions first, then what turned mistrusted: they are what a CI log reader looks for.
  for (const Change change :
       {Change::regression, Change::mistrusted, Change::improvement, Change::note}) {
    for (const auto& row : result.rows) {
      if (row.change != change) continue;
      std::string ratio = "-";
      if (row.baseline.is_number() && row.current.is_number() && row.baseline.get<double>() > 0) {
        ratio = format_number(row.current.get<double>() / row.baseline.get<double>()) + "x";
      }
      const bool fails = change == Change::regression || change == Change::mistrusted;
      out << column(fails ? upper(to_string(change)) : to_string(change), 11)
          << column(row.problem, problem_width) << column(row.subject, subject_width)
          << column(row.metric, 18) << column(value(row.baseline, row.metric), 12)
          << column(value(row.current, row.metric), 12) << column(ratio, 8) << row.reason << "\n";
    }
  }
  for (const auto& note : result.notes) out << "note: " << note << "\n";
  const int regressions = result.count(Change::regression);
  const int mistrusted = result.count(Change::mistrusted);
  const int improvements = result.count(Change::improvement);
  out << "check: " << result.problems << " problems, " << result.comparisons << " comparisons, "
      << result.paths << " paths (max slowdown " << format_number(thresholds.max_slowdown)
      << "x beyond the noise at p < " << format_number(thresholds.significance, "%g")
      << " and relative to the run"
      << ", max error growth " << format_number(thresholds.max_error_growth)
      << "x): " << regressions << (regressions == 1 ? " regression, " : " regressions, ");
  if (mistrusted > 0) out << mistrusted << " newly mistrusted, ";
  out << improvements << (improvements == 1 ? " improvement" : " improvements") << "\n";
  return out.str();
}

}  // namespace conveq
