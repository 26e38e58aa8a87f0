#include "check_command.hpp"

#include <iostream>

#include "compare_command.hpp"
#include "conveq/core/error.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/report/check_text.hpp"
#include "conveq/report/json.hpp"

namespace conveq::cli {

void setup_check_command(CLI::App& app, CheckCommandOptions& o) {
  app.add_option("current", o.current, "The report to check (single or suite)")->required();
  app.add_option("--baseline", o.baseline, "The report to check against")->required();
  app.add_option("--max-slowdown", o.thresholds.max_slowdown,
                 "A path's median time may grow by at most this factor")
      ->capture_default_str();
  app.add_option("--max-error-growth", o.thresholds.max_error_growth,
                 "A comparison's max error may grow by at most this factor (above a floor of "
                 "2 sqrt(n) unit roundoffs)")
      ->capture_default_str();
  app.add_option("--min-time-ms", o.thresholds.min_time_ms,
                 "Time changes smaller than this are noise, never a slowdown")
      ->capture_default_str();
  app.add_flag("--subset", o.thresholds.subset,
               "The current report may hold only some of the baseline's problems (a --shard)");
  app.add_option("--report", o.report, "Also write the result as JSON to this file");
}

int run_check_command(const CheckCommandOptions& o) {
  validate(o.thresholds);
  const nlohmann::json current = read_report_file(o.current);
  const nlohmann::json baseline = read_report_file(o.baseline);
  CheckResult result;
  try {
    result = check_against_baseline(current, baseline, o.thresholds, o.current, o.baseline);
  } catch (const nlohmann::json::exception& e) {
    // A field the check relies on is missing or has the wrong type.
    throw InputError("cannot compare " + o.current + " with " + o.baseline +
                     ": not a complete conveq report (" + e.what() + ")");
  }
  std::cout << format_check(result, o.thresholds) << std::flush;
  if (!o.report.empty()) {
    emit(o.report, to_json(result, o.thresholds, o.current, o.baseline).dump(2) + "\n",
         "--report " + o.report);
  }
  return result.exit_status();
}

}  // namespace conveq::cli
