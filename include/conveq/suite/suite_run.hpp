#pragma once
// The flow of `conveq run`: every selected problem of a suite through run_compare, and one
// suite report holding each problem's report. The layout is described in docs/ci.md and
// docs/report.schema.json ($defs/suite_report).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conveq/core/problem.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/session/session.hpp"
#include "conveq/suite/suite.hpp"

namespace conveq {

// A suite line made runnable (by the CLI, which owns the option parsing).
struct SuiteProblem {
  SuiteLine line;
  Problem problem;
  RunOptions run;
};

// What `conveq model` adds to a node's problem: its tensors, as compare's files, made just
// before the problem runs (so that one node's data are in memory at a time), and the node as
// the report's model_node records it.
struct NodeTensors {
  std::function<TensorFiles()> files;
  nlohmann::json model_node;
};

// What the "suite" block of the report records about the run.
struct SuiteRunInfo {
  std::string file;
  Shard shard;
  std::string filter;           // empty: none
  size_t problems_in_file = 0;  // before --filter and --shard
  std::string command;          // the `conveq run ...` command that reproduces this run
  int threads = 0;              // the run-level --threads (0: every hardware thread)
  std::string sha256;           // of the suite file's bytes: `merge` refuses other suites
  std::string run_options;      // the run options given to `run` itself (every line's defaults)
};

// Called after each problem with its entry of the report's "problems" array.
using ProblemDone = std::function<void(const nlohmann::json& entry)>;

// Runs the problems in order. A problem whose run throws stays in the report with an
// "error" field (status "error", counted as failed) and the run goes on. With `keep_entries`
// false the report's "problems" stays empty (the caller streamed them from `done`), so that
// a run of any length holds one problem's report at a time.
// exit_status: kExitFailed when any problem failed, else kExitMistrusted when any was
// mistrusted, else kExitPassed.
// `nodes`: empty, or one per problem (conveq model).
SessionResult run_suite(const std::vector<SuiteProblem>& problems, const SuiteRunInfo& info,
                        const ProblemDone& done, const std::vector<NodeTensors>& nodes = {},
                        bool keep_entries = true);

// A suite report has "problems"; a single compare report has "comparisons".
inline bool is_suite_report(const nlohmann::json& report) {
  return report.is_object() && report.contains("problems");
}
// The name a single report's problem gets when it is treated as a suite of one.
inline constexpr const char* kSingleReportName = "report";

}  // namespace conveq
