#pragma once
// The records of a suite report written as JSON Lines (docs/report.md, "JSON Lines"): one
// JSON object per line, each with "record":
//
//   header   schema_version, tool, host, suite (as the JSON report's, without suite.seconds)
//   problem  one per problem, as it finishes: the fields of a JSON report's problems[] entry
//   summary  last: seconds (the suite's wall time) and summary
//
// A file without its summary line is a run that was stopped (SuiteReportFile::complete).
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/report/report_view.hpp"

namespace conveq {

// Each returns the record's line, without the newline.
std::string json_lines_header(const nlohmann::json& header);  // schema_version, tool, host, suite
std::string json_lines_problem(const nlohmann::json& entry);
std::string json_lines_summary(double seconds, const nlohmann::json& summary);

// The `--compact` form of a suite entry: a problem that passed keeps what `check`, `show`,
// `merge` and JUnit read, its report cut to problem, verdict, each path's name and median time,
// each comparison's a, b and max_scaled_error, and the largest bound_utilisation; it loses the
// rest (tool, host, run, the comparisons' statuses and reasons (all passed, ""), tolerances,
// histograms, percentiles, worst elements, per-path shapes and backends, skipped paths), and
// gets "detail": "compact". Anything else (failed, mistrusted, error) is kept whole: that is
// what people debug.
nlohmann::json compact_entry(nlohmann::json entry);

}  // namespace conveq
