#include "show_command.hpp"

#include "conveq/core/error.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq::cli {

void setup_show_command(CLI::App& app, ShowCommandOptions& o) {
  app.add_option("report", o.report, "A report written by compare or run (JSON)")->required();
  app.add_flag("--details", o.details, "For a suite report, also print every problem's tables");
}

int run_show_command(const ShowCommandOptions& o) {
  check_standard_output();
  const nlohmann::json report = read_report_file(o.report);
  std::string text;
  try {
    const ReportView view(report, o.report);
    text = is_suite_report(report) ? format_suite_text(view, o.details) : format_text(view);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(o.report + ": not a complete conveq report (" + e.what() + ")");
  }
  write_standard_output(text);
  return kExitPassed;
}

}  // namespace conveq::cli
