#pragma once
// A report as one self-contained HTML page (`show --format html`, `--html FILE`): inline CSS
// and SVG, no scripts needed to read it, nothing fetched from the network. The verdict comes
// first, then the paths' speed, each comparison's error distribution against its bound, and
// where the worst errors lie. A suite report gets a sortable table and a speed-versus-size plot
// (html_suite.cpp). Every string from the report is escaped.
#include <nlohmann/json.hpp>
#include <string>

#include "conveq/report/report_view.hpp"

namespace conveq {

// A compare report or a suite report (told apart by its "problems" array). Reads every field
// through ReportView: throws InputError naming the file and the field, as format_text does.
std::string format_html(const ReportView& report);
std::string format_html(const nlohmann::json& report);

// The pieces the suite page shares with the compare page.
std::string html_document(const std::string& title, const std::string& body, bool sort_script);
// The paths, comparisons and checks of one compare report; `compact` draws the charts of the
// comparisons that did not pass and of the one nearest its bound only. Element ids start with
// `prefix` (a suite page holds many reports).
std::string compare_sections_html(const ReportView& report, bool compact,
                                  const std::string& prefix);
// "<p class=verdict ...>": a status word and its explanation.
std::string verdict_html(const std::string& status, const std::string& summary);

// A suite report's page (html_suite.cpp).
std::string format_suite_html(const ReportView& report);

}  // namespace conveq
