#include "show_command.hpp"

#include "conveq/core/error.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq::cli {

void setup_show_command(CLI::App& app, ShowCommandOptions& o) {
  app.add_option("report", o.report, "A report written by compare or run (JSON)")->required();
  app.add_flag("--details", o.details, "For a suite report, also print every problem's tables");
  app.add_option("--format", o.format,
                 "text: tables; html: one self-contained HTML page (inline CSS and SVG)")
      ->capture_default_str()
      ->type_name("text|html");
  app.add_option("-o,--output", o.output, "Write to this file instead of standard output")
      ->type_name("FILE");
}

int run_show_command(const ShowCommandOptions& o) {
  if (o.format != "text" && o.format != "html") {
    throw InputError("--format " + o.format + ": must be text or html");
  }
  if (o.output.empty()) {
    check_standard_output();
  } else {
    check_writable(o.output, "--output " + o.output);
    refuse_input_as_output(o.output, "--output " + o.output, {{o.report, "report " + o.report}});
  }
  const nlohmann::json report = read_report_file(o.report);
  // Every field is read through ReportView: a missing or mistyped one is an InputError.
  const ReportView view(report, o.report);
  std::string content;
  if (o.format == "html") {
    content = format_html(view);
  } else {
    content = is_suite_report(report) ? format_suite_text(view, o.details) : format_text(view);
  }
  StagedFiles outputs;
  if (o.output.empty()) {
    outputs.add_standard_output(std::move(content));
  } else {
    outputs.add(o.output, content, "--output " + o.output);
  }
  outputs.commit();
  return kExitPassed;
}

}  // namespace conveq::cli
