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
  // Every field is read through ReportView: a missing or mistyped one is an InputError.
  const ReportView view(report, o.report);
  write_standard_output(is_suite_report(report) ? format_suite_text(view, o.details)
                                                : format_text(view));
  return kExitPassed;
}

}  // namespace conveq::cli
