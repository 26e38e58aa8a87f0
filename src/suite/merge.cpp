#include "conveq/suite/merge.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/report/json.hpp"
#include "conveq/report/suite_report.hpp"

namespace conveq {
namespace {

// One problem of one shard, by where it is in the suite file.
struct Placed {
  int64_t line = 0;
  size_t shard = 0, index = 0;
};

std::string text(const nlohmann::json& value) {
  return visible_text(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// What must be the same in every shard of one run, by the name a message uses for it.
std::vector<std::pair<std::string, nlohmann::json>> run_identity(const ReportView& header) {
  const ReportView suite = header["suite"];
  const ReportView tool = header["tool"];
  return {{"schema_version", header["schema_version"].json()},
          // The build; not BLAS's configuration, which names the CPU it detected at run time.
          {"tool.version", tool["version"].json()},
          {"tool.build_type", tool["build_type"].json()},
          {"tool.compiler", tool["compiler"].json()},
          {"tool.blas.version", tool["blas"]["version"].json()},
          {"suite.sha256", suite["sha256"].json()},
          {"suite.problems_in_file", suite["problems_in_file"].json()},
          {"suite.filter", suite["filter"].json()},
          {"suite.run_options", suite["run_options"].json()},
          {"suite.shard.count", suite["shard"]["count"].json()}};
}

// What differs between two shards that must be of one run.
void compare_runs(const SuiteReportFile& first, const SuiteReportFile& shard,
                  std::vector<std::string>& reasons) {
  const auto expected = run_identity(first.header());
  const auto found = run_identity(shard.header());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i].second == found[i].second) continue;
    reasons.push_back(expected[i].first + " differs: " + text(expected[i].second) + " in " +
                      first.file() + ", " + text(found[i].second) + " in " + shard.file());
  }
}

// Inputs that are not complete suite reports, and shards of different runs.
void check_inputs(const std::vector<SuiteReportFile>& shards, std::vector<std::string>& reasons) {
  const SuiteReportFile* first = nullptr;
  for (const auto& shard : shards) {
    if (shard.is_single()) {
      reasons.push_back(shard.file() + " is a compare report, not a suite report");
      continue;
    }
    if (!shard.complete()) {
      reasons.push_back(shard.file() + " has no summary line: its run was stopped after " +
                        std::to_string(shard.size()) + " problems");
      continue;
    }
    require_readable_schema(shard.header());
    if (first == nullptr) {
      first = &shard;
    } else {
      compare_runs(*first, shard, reasons);
    }
  }
}

// Shard indexes used twice or missing, and shards with fewer problems than they selected.
void check_shards(const std::vector<SuiteReportFile>& shards, std::vector<std::string>& reasons) {
  std::map<int64_t, std::string> by_index;
  int64_t count = 0;
  for (const auto& shard : shards) {
    const ReportView suite = shard.header()["suite"];
    const int64_t index = suite["shard"]["index"].integer(1);
    count = suite["shard"]["count"].integer(1);
    const auto [where, inserted] = by_index.emplace(index, shard.file());
    if (!inserted) {
      reasons.push_back("shard " + std::to_string(index) + " is in both " + where->second +
                        " and " + shard.file());
    }
    const int64_t selected = suite["problems_selected"].count();
    if (static_cast<int64_t>(shard.size()) != selected) {
      reasons.push_back(shard.file() + " holds " + std::to_string(shard.size()) +
                        " problems but selected " + std::to_string(selected));
    }
  }
  std::vector<std::string> missing;
  const int64_t missing_count = count - static_cast<int64_t>(by_index.size());
  for (int64_t i = 1; i <= count && missing.size() < 20; ++i) {
    if (by_index.count(i) == 0) missing.push_back(std::to_string(i));
  }
  if (missing_count > 20) missing.push_back("... (" + std::to_string(missing_count) + " in all)");
  if (!missing.empty()) {
    reasons.push_back("missing shard(s) " + join(missing, ", ") + " of " + std::to_string(count));
  }
}

// Every problem by its suite line; a name in two shards is an overlap.
std::vector<Placed> place_problems(const std::vector<SuiteReportFile>& shards,
                                   std::vector<std::string>& reasons) {
  std::vector<Placed> placed;
  std::map<std::string, size_t> shard_of;
  for (size_t s = 0; s < shards.size(); ++s) {
    for (size_t i = 0; i < shards[s].size(); ++i) {
      const ReportEntry entry = shards[s].problem(i);
      const std::string name = entry.view()["name"].string();
      const auto [where, inserted] = shard_of.emplace(name, s);
      if (!inserted && reasons.size() < 40) {
        reasons.push_back("problem " + visible_text(name) + " is in both " +
                          shards[where->second].file() + " and " + shards[s].file());
      }
      placed.push_back({entry.view()["line"].integer(1), s, i});
    }
  }
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.line < b.line; });
  return placed;
}

nlohmann::json merged_header(const std::vector<SuiteReportFile>& shards, size_t problems,
                             const std::string& command) {
  const ReportView first = shards.front().header();
  nlohmann::json suite = first["suite"].json();
  suite.erase("seconds");
  suite["problems_selected"] = problems;
  suite["shard"] = {{"index", 1}, {"count", 1}};
  suite["command"] = command;
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& shard : shards) {
    const ReportView header = shard.header();
    sources.push_back({{"file", shard.file()},
                       {"shard", header["suite"]["shard"].json()},
                       {"command", header["suite"]["command"].json()},
                       {"hostname", header["host"]["hostname"].json()},
                       {"seconds", header["suite"]["seconds"].json()}});
  }
  suite["merged_from"] = sources;
  return {{"schema_version", first["schema_version"].json()},
          {"tool", first["tool"].json()},
          {"host", first["host"].json()},
          {"suite", suite}};
}

}  // namespace

void merge_shards(const std::vector<SuiteReportFile>& shards, const std::string& command,
                  const MergeSink& sink) {
  std::vector<std::string> reasons;
  check_inputs(shards, reasons);
  if (reasons.empty()) check_shards(shards, reasons);
  const std::vector<Placed> placed =
      reasons.empty() ? place_problems(shards, reasons) : std::vector<Placed>{};
  if (!reasons.empty()) {
    std::string message = "cannot merge:";
    for (const auto& reason : reasons) message += "\n  " + reason;
    throw InputError(message);
  }
  sink.header(merged_header(shards, placed.size(), command));
  SuiteSummary summary;
  double seconds = 0;
  for (const auto& shard : shards) seconds += shard.header()["suite"]["seconds"].number();
  for (const Placed& p : placed) {
    const ReportEntry entry = shards[p.shard].problem(p.index);
    const ReportView status = entry.view()["status"];
    const std::string value = status.string();
    if (value != "passed" && value != "failed" && value != "mistrusted" && value != "error") {
      status.fail("\"" + value + "\" must be passed, failed, mistrusted or error");
    }
    summary.add(value);
    sink.problem(entry.view().json());
  }
  sink.summary(seconds, to_json(summary));
}

}  // namespace conveq
