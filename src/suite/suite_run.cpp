#include "conveq/suite/suite_run.hpp"

#include <cmath>
#include <limits>

#include "conveq/core/error.hpp"
#include "conveq/core/host_info.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/report/report.hpp"

namespace conveq {

SessionResult run_suite(const std::vector<SuiteProblem>& problems, const SuiteRunInfo& info,
                        const ProblemDone& done) {
  const double suite_start = now_ms();
  int passed = 0, failed = 0, mistrusted = 0, errors = 0;
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& p : problems) {
    nlohmann::json entry = {{"name", p.line.name},
                            {"line", p.line.line},
                            {"options", p.line.options},
                            {"repro", repro_command(p.problem, p.run)}};
    const double start = now_ms();
    try {
      SessionResult result = run_compare(p.problem, p.run);
      entry["status"] = result.report["verdict"]["status"];
      entry["report"] = std::move(result.report);
    } catch (const std::exception& e) {
      // One broken problem must not cost the CI job the other problems' results.
      entry["status"] = "error";
      entry["error"] = e.what();
    }
    entry["seconds"] = (now_ms() - start) / 1000.0;
    const std::string status = entry["status"];
    if (status == "passed") ++passed;
    if (status == "mistrusted") ++mistrusted;
    if (status == "failed" || status == "error") ++failed;
    if (status == "error") ++errors;
    if (done) done(entry);
    entries.push_back(std::move(entry));
  }

  const int threads = info.threads > 0 ? info.threads : hardware_threads();
  SessionResult result;
  result.exit_status = failed > 0 ? kExitFailed : mistrusted > 0 ? kExitMistrusted : kExitPassed;
  result.report = {
      {"schema_version", kSchemaVersion},
      {"tool", tool_info()},
      {"host", host_info(threads)},
      {"suite",
       {{"file", info.file},
        {"problems_in_file", info.problems_in_file},
        {"problems_selected", problems.size()},
        {"shard", {{"index", info.shard.index}, {"count", info.shard.count}}},
        {"filter", info.filter.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.filter)},
        {"command", info.command},
        {"seconds", (now_ms() - suite_start) / 1000.0}}},
      {"problems", std::move(entries)},
      {"summary",
       {{"problems", problems.size()},
        {"passed", passed},
        {"failed", failed},
        {"mistrusted", mistrusted},
        {"errors", errors}}},
  };
  return result;
}

bool is_suite_report(const nlohmann::json& report) {
  return report.is_object() && report.contains("problems");
}

nlohmann::json as_suite_report(const nlohmann::json& report) {
  if (is_suite_report(report)) return report;
  const std::string status = report.at("verdict").at("status");
  nlohmann::json entry = {{"name", kSingleReportName},
                          {"line", 0},
                          {"options", ""},
                          {"repro", report.at("repro")},
                          {"status", status},
                          {"seconds", 0.0},
                          {"report", report}};
  return {{"schema_version", report.at("schema_version")},
          {"tool", report.at("tool")},
          {"host", report.at("host")},
          {"problems", nlohmann::json::array({entry})},
          {"summary",
           {{"problems", 1},
            {"passed", status == "passed" ? 1 : 0},
            {"failed", status == "failed" ? 1 : 0},
            {"mistrusted", status == "mistrusted" ? 1 : 0},
            {"errors", 0}}}};
}

double largest_bound_utilisation(const nlohmann::json& report) {
  double largest = 0;
  for (const auto& c : report.at("comparisons")) {
    const auto& u = c.at("bound_utilisation");
    largest =
        std::max(largest, u.is_null() ? std::numeric_limits<double>::infinity() : u.get<double>());
  }
  return largest;
}

}  // namespace conveq
