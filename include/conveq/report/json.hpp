#pragma once
// The JSON report: one to_json per result type. Every field is described in docs/report.md;
// the schema is docs/report.schema.json. Non-finite numbers are written as null (JSON has no
// infinity).
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/check/batch_invariance.hpp"
#include "conveq/check/bound.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/check/determinism.hpp"
#include "conveq/check/verdict.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/report/compare_report.hpp"
#include "conveq/report/suite_report.hpp"
#include "conveq/session/run_options.hpp"
#include "conveq/suite/baseline.hpp"

namespace conveq {

struct TensorFile;
struct TensorFiles;

constexpr int kSchemaVersion = 1;

nlohmann::json number_or_null(double value);

nlohmann::json to_json(const Problem& problem);
nlohmann::json to_json(const Timing& timing);
nlohmann::json to_json(const NonFiniteCounts& counts);
nlohmann::json to_json(const Tolerance& tolerance);
nlohmann::json to_json(const ComparisonResult& result);
nlohmann::json to_json(const PathResult& path);
nlohmann::json to_json(const SkippedPath& path);
nlohmann::json to_json(const DeterminismResult& result);
nlohmann::json to_json(const BatchInvarianceResult& result);
nlohmann::json to_json(const Verdict& verdict);
// The report's `run` block: the options as given, and the threads used.
nlohmann::json to_json(const RunOptions& options, int threads);
// The report's `inputs`: every .npy file read, as read.
nlohmann::json to_json(const TensorFiles& files);
nlohmann::json to_json(const CompareReport& report);
nlohmann::json to_json(const SuiteEntry& entry);
nlohmann::json to_json(const SuiteSummary& summary);
// A suite report's "suite" block, without "seconds" (known at the end).
nlohmann::json to_json(const SuiteRunInfo& info, int64_t problems_selected);
nlohmann::json to_json(const SuiteReport& report);
// The report of `conveq check --report`: thresholds, counts and rows.
nlohmann::json to_json(const CheckResult& result, const CheckThresholds& thresholds,
                       const std::string& current_name, const std::string& baseline_name);

}  // namespace conveq
