#pragma once
// The JSON report's pieces. Every field is described in docs/report.md; the schema is
// docs/report.schema.json. Non-finite numbers are written as null (JSON has no infinity).
#include <nlohmann/json.hpp>

#include "conveq/check/compare.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/timing.hpp"

namespace conveq {

constexpr int kSchemaVersion = 1;

nlohmann::json number_or_null(double value);
nlohmann::json problem_json(const Problem& problem);
nlohmann::json timing_json(const Timing& timing);
nlohmann::json comparison_json(const ComparisonResult& result);
nlohmann::json nonfinite_json(const NonFiniteCounts& counts);

// The report as text for a terminal: `--format text` and `conveq show`.
std::string format_text(const nlohmann::json& report);

}  // namespace conveq
