#pragma once
// `conveq check CURRENT --baseline BASELINE`: the CI gate. Exit 1 on any regression.
#include <CLI/CLI.hpp>
#include <string>

#include "conveq/suite/baseline.hpp"

namespace conveq::cli {

struct CheckCommandOptions {
  std::string current, baseline;
  std::string report;  // the check result as JSON; empty: not written
  // The thresholds as typed, parsed by parse_real into `thresholds`.
  std::string max_slowdown, max_error_growth, min_time_ms, significance;
  CheckThresholds thresholds;
};

void setup_check_command(CLI::App& app, CheckCommandOptions& options);
int run_check_command(const CheckCommandOptions& options);

}  // namespace conveq::cli
