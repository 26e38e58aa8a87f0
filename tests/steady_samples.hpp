#pragma once
// Timing samples for tests of `conveq check` that must not depend on the machine's noise: a
// path's samples replaced by five steady ones around a chosen median (the rest of the report
// stays as the run wrote it).
#include <nlohmann/json.hpp>

// Sets a report path's `timing` to five samples within 2 % of `median_ms`, in a fixed order,
// with the summary fields that go with them.
inline void set_steady_samples(nlohmann::json& path, double median_ms) {
  nlohmann::json& t = path["timing"];
  t["samples_ms"] = {median_ms * 1.00, median_ms * 1.02, median_ms * 0.98, median_ms * 1.01,
                     median_ms * 0.99};
  t["median_ms"] = median_ms;
  t["min_ms"] = median_ms * 0.98;
  t["max_ms"] = median_ms * 1.02;
  t["mad_ms"] = median_ms * 0.01;
  t["repeats"] = 5;
  t.erase("runqueue_wait_ms");  // the run's waits belonged to its own samples
}

// Every path of every problem of a suite report (or of a compare report) steady at its own
// median times `factor`, except `slow_path` of the problem `slow_problem`, times `slow_factor`.
inline void scale_steady(nlohmann::json& report, double factor,
                         const std::string& slow_problem = "", const std::string& slow_path = "",
                         double slow_factor = 1) {
  auto scale_paths = [&](nlohmann::json& compare_report, const std::string& problem) {
    for (auto& path : compare_report["paths"]) {
      const bool slow = problem == slow_problem && path["name"] == slow_path;
      set_steady_samples(path,
                         path["timing"]["median_ms"].get<double>() * (slow ? slow_factor : factor));
    }
  };
  if (!report.contains("problems")) return scale_paths(report, "report");
  for (auto& problem : report["problems"]) {
    scale_paths(problem["report"], problem["name"].get<std::string>());
  }
}
