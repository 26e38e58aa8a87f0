#pragma once
// Everything one `conveq run` found, as typed results; report/json.hpp writes them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conveq/suite/suite_run.hpp"

namespace conveq {

// One problem of the suite: its line, and its compare report or the error that stopped it.
struct SuiteEntry {
  std::string name;
  int line = 0;
  std::string options;  // as written in the suite
  std::string repro;
  std::string status;     // the verdict's status, or "error"
  nlohmann::json report;  // the compare report; null after an error
  std::string error;      // empty unless status is "error"
  double seconds = 0;
  nlohmann::json model_node;  // `conveq model`: the Conv node; null (left out) otherwise
};

struct SuiteSummary {
  int64_t problems = 0, passed = 0, failed = 0, mistrusted = 0;
  int64_t errors = 0;  // counted in failed too
  void add(const std::string& status);
  // kExitFailed when any problem failed, else kExitMistrusted when any was mistrusted.
  int exit_status() const;
};

struct SuiteReport {
  SuiteRunInfo info;
  int threads = 0;  // used
  double seconds = 0;
  std::vector<SuiteEntry> entries;
  SuiteSummary summary;
};

}  // namespace conveq
