#pragma once
// `conveq run SUITE`: every problem of a suite file, one line each, one suite report.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "compare_command.hpp"
#include "conveq/suite/suite_run.hpp"

namespace conveq::cli {

struct RunCommandOptions {
  std::string suite;
  std::string report;           // the suite report (JSON) goes here; empty: not written
  std::string html;             // --html FILE: the suite report as a page too
  std::string format = "text";  // text: problem lines on stdout; json: the report on stdout
  std::string report_format;    // json or jsonl; empty: jsonl for a .jsonl --report, else json
  bool compact = false;         // passing problems cut to what check, show and merge read
  std::string junit;            // JUnit XML goes here; empty: not written
  bool github_annotations = false;
  std::string shard = "1/1";  // I/N or auto
  std::string shard_count;    // with --shard auto
  std::string filter;
  std::vector<std::string> run_option_names;  // the options add_run_options registered
  bool list = false;                          // print the selected problems and stop
  // Run options given to `run` itself: every line's defaults; a line's own option wins.
  CompareCommandOptions line_defaults;
  // The parsed subcommand, to write the command line that reproduces the run.
  const CLI::App* app = nullptr;
};

void setup_run_command(CLI::App& app, RunCommandOptions& options);

// One suite line parsed with exactly the options of `conveq compare`, on top of `defaults`.
// Throws InputError "FILE:LINE: message".
SuiteProblem parse_suite_line(const SuiteLine& line, const std::string& file,
                              const CompareCommandOptions& defaults);

int run_run_command(const RunCommandOptions& options);

}  // namespace conveq::cli
