#pragma once
// `conveq merge SHARD... -o ALL`: the shard reports of one suite run as one suite report.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace conveq::cli {

struct MergeCommandOptions {
  std::vector<std::string> shards;
  std::string output;         // -o
  std::string report_format;  // json or jsonl; empty: jsonl for a .jsonl output, else json
  const CLI::App* app = nullptr;
};

void setup_merge_command(CLI::App& app, MergeCommandOptions& options);
int run_merge_command(const MergeCommandOptions& options);

}  // namespace conveq::cli
