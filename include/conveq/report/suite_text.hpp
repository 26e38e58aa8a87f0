#pragma once
// Suite results for a terminal: the per-problem lines of `conveq run` and the table of
// `conveq show`.
#include <nlohmann/json.hpp>
#include <string>

namespace conveq {

// One line per problem: status, name, largest bound utilisation, the repro command.
std::string format_problem_line(const nlohmann::json& entry);
// Exactly "N passed, M failed, K mistrusted" (internal errors count as failed).
std::string format_summary_line(const nlohmann::json& summary);
// A suite report for a terminal (`conveq show`): header, one line per problem, the summary,
// and with `details` every problem's own report as format_text prints it.
std::string format_suite_text(const nlohmann::json& suite_report, bool details);

}  // namespace conveq
