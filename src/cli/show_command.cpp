#include "show_command.hpp"

#include "conveq/core/error.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/html_report.hpp"
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
                 "text: tables; html: one self-contained HTML page (inline CSS and SVG); junit: a "
                 "suite report as JUnit XML (one test case per problem)")
      ->capture_default_str()
      ->type_name("text|html|junit");
  app.add_option("-o,--output", o.output, "Write to this file instead of standard output")
      ->type_name("FILE");
}

namespace {

// The whole report as one document, for the HTML page: a JSON report as it is, a JSON Lines
// one put together from its records.
nlohmann::json whole_report(const SuiteReportFile& report) {
  nlohmann::json document = report.header().json();
  if (!report.is_json_lines()) return document;
  document.erase("record");
  document["problems"] = nlohmann::json::array();
  for (size_t i = 0; i < report.size(); ++i) {
    nlohmann::json entry = report.problem(i).view().json();
    entry.erase("record");
    document["problems"].push_back(std::move(entry));
  }
  if (const auto summary = report.summary()) document["summary"] = summary->json();
  return document;
}

std::string show_content(const ShowCommandOptions& o, const SuiteReportFile& report) {
  if (o.format == "junit") return format_junit(report);
  if (o.format == "html") return format_html(ReportView(whole_report(report), o.report));
  return report.is_single() ? format_text(report.header()) : format_suite_text(report, o.details);
}

}  // namespace

int run_show_command(const ShowCommandOptions& o) {
  if (o.format != "text" && o.format != "html" && o.format != "junit") {
    throw InputError("--format " + o.format + ": must be text, html or junit");
  }
  if (o.output.empty()) {
    check_standard_output();
  } else {
    check_writable(o.output, "--output " + o.output);
    refuse_input_as_output(o.output, "--output " + o.output, {{o.report, "report " + o.report}});
  }
  // JSON or JSON Lines, one problem at a time; every field is read through ReportView: a
  // missing or mistyped one is an InputError.
  const SuiteReportFile report = SuiteReportFile::read(o.report);
  StagedFiles outputs;
  if (o.output.empty()) {
    outputs.add_standard_output(show_content(o, report));
  } else {
    outputs.add(o.output, show_content(o, report), "--output " + o.output);
  }
  outputs.commit();
  return kExitPassed;
}

}  // namespace conveq::cli
