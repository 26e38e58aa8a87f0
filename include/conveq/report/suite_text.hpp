#pragma once
// Suite results for a terminal: the per-problem lines of `conveq run` and the table of
// `conveq show`.
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/report/report_view.hpp"

namespace conveq {

// The largest bound utilisation over a compare report's comparisons; +inf when one is
// null (a non-finite difference).
double largest_bound_utilisation(const ReportView& report);
double largest_bound_utilisation(const nlohmann::json& report);

// One line per problem: status, name, largest bound utilisation, the repro command.
std::string format_problem_line(const nlohmann::json& entry);
// Exactly "N passed, M failed, K mistrusted" (internal errors count as failed).
std::string format_summary_line(const nlohmann::json& summary);
// A suite report for a terminal (`conveq show`): header, one line per problem, the summary,
// and with `details` every problem's own report as format_text prints it. Throws InputError
// naming the file and the field when a field is missing or of the wrong type.
std::string format_suite_text(const ReportView& suite_report, bool details);
// A suite report read from a file, JSON or JSON Lines, one problem at a time (a JSON Lines
// report without its summary line too: a run that was stopped).
class SuiteReportFile;
std::string format_suite_text(const SuiteReportFile& suite_report, bool details);
// A suite report just made in memory.
std::string format_suite_text(const nlohmann::json& suite_report, bool details);

}  // namespace conveq
