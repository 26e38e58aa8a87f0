#pragma once
// `conveq compare`: one problem, every path, one report.
#include <CLI/CLI.hpp>
#include <string>

#include "conveq/core/problem.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/session/session.hpp"

namespace conveq::cli {

struct CompareCommandOptions {
  ProblemOptions problem;
  std::string threads = "0", warmup = "1", repeat = "5";
  std::string paths;
  std::string gemm = "auto";
  std::string backends;  // empty: not given
  std::string atol, rtol;
  bool equal_nan = false;
  std::string worst_count = "10";
  std::string allow_reduced_precision;  // empty: not given
  bool check_determinism = false;
  bool check_batch_invariance = false;
  std::string report;             // empty: stdout
  std::string format;             // json or text; empty: text on a terminal, else json
  std::string html;               // --html FILE: the report as a page too
  TensorFileOptions files;        // --input, --weight, --bias, --expect
  std::string save_outputs;       // --save-outputs DIR
  const CLI::App* app = nullptr;  // which options were typed (they must agree with the files)
};

// Registers the problem options on any (sub)command: `compare` and the lines of a suite.
void add_problem_options(CLI::App& app, ProblemOptions& options);
// Registers the run options (threads, repetitions, paths, tolerances).
void add_run_options(CLI::App& app, CompareCommandOptions& options);
void setup_compare_command(CLI::App& app, CompareCommandOptions& options);

// Parses the text options into a validated run; throws InputError.
RunOptions make_run_options(const CompareCommandOptions& options);
int run_compare_command(const CompareCommandOptions& options);

}  // namespace conveq::cli
