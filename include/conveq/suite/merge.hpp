#pragma once
// `conveq merge`: the shard reports of one suite run put back together into the report an
// unsharded run would have written (timings and hosts aside): problems in suite order, the
// summary counted again, suite.shard 1/1, suite.problems_selected the total.
//
// Refused (InputError, every reason listed): an input that is not a suite report or is
// incomplete (a JSON Lines report without its summary line, a shard with fewer problems
// than it selected); shards of different suites (suite.sha256, problems_in_file, filter),
// run options, shard counts, schema versions or conveq builds (tool version, build type,
// compiler, BLAS version); two inputs with the same shard index; a problem in two inputs;
// and, when the inputs say how many shards there were, a shard that is missing (named).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conveq/report/suite_report_file.hpp"

namespace conveq {

// Where the merged report goes, record by record: the header (schema_version, tool, host,
// suite without seconds), each problem entry in order, then the seconds and summary.
struct MergeSink {
  std::function<void(const nlohmann::json& header)> header;
  std::function<void(const nlohmann::json& entry)> problem;
  std::function<void(double seconds, const nlohmann::json& summary)> summary;
};

// `command`: the merge command line, recorded as suite.command. Reads one problem at a time.
void merge_shards(const std::vector<SuiteReportFile>& shards, const std::string& command,
                  const MergeSink& sink);

}  // namespace conveq
