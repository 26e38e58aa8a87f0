#include "check_command.hpp"

#include <iostream>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/check_text.hpp"
#include "conveq/report/json.hpp"
#include "conveq/report/suite_report_file.hpp"
#include "option_values.hpp"

namespace conveq::cli {

namespace {

// The thresholds as typed, each a finite number with its minimum; absent: the default.
CheckThresholds parse_thresholds(const CheckCommandOptions& o) {
  CheckThresholds t = o.thresholds;
  if (!o.max_slowdown.empty()) t.max_slowdown = parse_real("--max-slowdown", o.max_slowdown, 1);
  if (!o.max_error_growth.empty()) {
    t.max_error_growth = parse_real("--max-error-growth", o.max_error_growth, 1);
  }
  if (!o.min_time_ms.empty()) t.min_time_ms = parse_real("--min-time-ms", o.min_time_ms, 0);
  if (!o.significance.empty()) t.significance = parse_real("--significance", o.significance, 0);
  validate(t);
  return t;
}

// Before any work: stdout takes the table; --report is writable and is neither report read.
void check_outputs(const CheckCommandOptions& o) {
  check_standard_output();
  if (o.report.empty()) return;
  const std::string what = "--report " + o.report;
  check_writable(o.report, what);
  refuse_input_as_output(
      o.report, what,
      {{o.current, "current " + o.current}, {o.baseline, "--baseline " + o.baseline}});
}

}  // namespace

void setup_check_command(CLI::App& app, CheckCommandOptions& o) {
  app.add_option("current", o.current, "The report to check (single or suite)")->required();
  app.add_option("--baseline", o.baseline, "The report to check against")->required();
  const auto by_default = [](double value) {
    return " (default " + format_number(value, "%g") + ")";
  };
  app.add_option("--max-slowdown", o.max_slowdown,
                 "A path's median time may grow by at most this factor" +
                     by_default(o.thresholds.max_slowdown))
      ->type_name("FLOAT");
  app.add_option("--max-error-growth", o.max_error_growth,
                 "A comparison's max error may grow by at most this factor (above a floor of "
                 "2 sqrt(n) unit roundoffs)" +
                     by_default(o.thresholds.max_error_growth))
      ->type_name("FLOAT");
  app.add_option("--min-time-ms", o.min_time_ms,
                 "Time changes smaller than this are noise, never a slowdown" +
                     by_default(o.thresholds.min_time_ms))
      ->type_name("FLOAT");
  app.add_option("--significance", o.significance,
                 "A time change counts only when a Mann-Whitney U test on the two runs' samples "
                 "rejects 'same distribution' at this level" +
                     by_default(o.thresholds.significance))
      ->type_name("FLOAT");
  app.add_flag("--subset", o.thresholds.subset,
               "The current report may hold only some of the baseline's problems (a --shard)");
  app.add_option("--report", o.report, "Also write the result as JSON to this file");
}

int run_check_command(const CheckCommandOptions& o) {
  const CheckThresholds thresholds = parse_thresholds(o);
  check_outputs(o);
  // JSON or JSON Lines; every field is read through ReportView: a missing or mistyped one is
  // an InputError.
  const SuiteReportFile current = SuiteReportFile::read(o.current);
  const SuiteReportFile baseline = SuiteReportFile::read(o.baseline);
  const CheckResult result = check_against_baseline(current, baseline, thresholds);
  StagedFiles outputs;
  outputs.add_standard_output(format_check(result, thresholds));
  if (!o.report.empty()) {
    outputs.add(o.report, to_json(result, thresholds, o.current, o.baseline).dump(2) + "\n",
                "--report " + o.report);
  }
  outputs.commit();
  return result.exit_status();
}

}  // namespace conveq::cli
