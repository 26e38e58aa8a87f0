#include "show_command.hpp"

#include "conveq/core/error.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/junit.hpp"
#include "conveq/report/suite_report_file.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq::cli {

void setup_show_command(CLI::App& app, ShowCommandOptions& o) {
  app.add_option("report", o.report, "A report written by compare or run (JSON or JSON Lines)")
      ->required();
  app.add_flag("--details", o.details, "For a suite report, also print every problem's tables");
  app.add_option("--format", o.format,
                 "text: tables; junit: a suite report as JUnit XML (one test case per problem)")
      ->capture_default_str();
}

int run_show_command(const ShowCommandOptions& o) {
  if (o.format != "text" && o.format != "junit") {
    throw InputError("--format " + o.format + ": must be text or junit");
  }
  check_standard_output();
  // JSON or JSON Lines, one problem at a time; every field is read through ReportView: a
  // missing or mistyped one is an InputError.
  const SuiteReportFile report = SuiteReportFile::read(o.report);
  if (o.format == "junit") {
    write_standard_output(format_junit(report));
  } else {
    write_standard_output(report.is_single() ? format_text(report.header())
                                             : format_suite_text(report, o.details));
  }
  return kExitPassed;
}

}  // namespace conveq::cli
