#pragma once
// A compare report as text for a terminal: `--format text` and `conveq show`.
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/report/report_view.hpp"

namespace conveq {

// Reads the JSON report (also one written by an older conveq: optional sections may be
// absent). Throws InputError naming the file and the field when a field is missing or of the
// wrong type, or the schema_version is not one this conveq reads.
std::string format_text(const ReportView& report);
// " (float32 sums)" for a float16 or bfloat16 problem (report["problem"]); "" otherwise.
std::string accumulation_text(const ReportView& problem);
// A report just made in memory (`compare --format text`).
std::string format_text(const nlohmann::json& report);

}  // namespace conveq
