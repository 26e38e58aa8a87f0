#include "conveq/suite/suite_run.hpp"

#include <optional>

#include "conveq/core/error.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/report/json.hpp"
#include "conveq/report/suite_report.hpp"

namespace conveq {
namespace {

SuiteEntry run_problem(const SuiteProblem& p, const NodeTensors& node) {
  SuiteEntry entry;
  entry.name = p.line.name;
  entry.line = p.line.line;
  entry.options = p.line.options;
  entry.repro = repro_command(p.problem, p.run);
  entry.model_node = node.model_node;
  const double start = now_ms();
  try {
    const std::optional<TensorFiles> files =
        node.files ? std::optional<TensorFiles>(node.files()) : std::nullopt;
    if (files) entry.repro = repro_command(p.problem, p.run, &*files);
    SessionResult result = run_compare(p.problem, p.run, files ? &*files : nullptr);
    entry.status = result.report["verdict"]["status"];
    entry.report = std::move(result.report);
  } catch (const std::exception& e) {
    // One broken problem must not cost the CI job the other problems' results.
    entry.status = "error";
    entry.error = e.what();
  }
  entry.seconds = (now_ms() - start) / 1000.0;
  return entry;
}

}  // namespace

void SuiteSummary::add(const std::string& status) {
  ++problems;
  if (status == "passed") ++passed;
  if (status == "mistrusted") ++mistrusted;
  if (status == "failed" || status == "error") ++failed;
  if (status == "error") ++errors;
}

int SuiteSummary::exit_status() const {
  return failed > 0 ? kExitFailed : mistrusted > 0 ? kExitMistrusted : kExitPassed;
}

SessionResult run_suite(const std::vector<SuiteProblem>& problems, const SuiteRunInfo& info,
                        const ProblemDone& done, const std::vector<NodeTensors>& nodes,
                        bool keep_entries) {
  const double suite_start = now_ms();
  SuiteReport report;
  report.info = info;
  report.threads = info.threads > 0 ? info.threads : hardware_threads();
  for (size_t i = 0; i < problems.size(); ++i) {
    SuiteEntry entry = run_problem(problems[i], i < nodes.size() ? nodes[i] : NodeTensors{});
    report.summary.add(entry.status);
    if (done) done(to_json(entry));
    if (keep_entries) report.entries.push_back(std::move(entry));
  }
  report.seconds = (now_ms() - suite_start) / 1000.0;
  return {to_json(report), report.summary.exit_status()};
}

}  // namespace conveq
