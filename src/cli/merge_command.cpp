#include "merge_command.hpp"

#include <optional>

#include "conveq/core/error.hpp"
#include "conveq/core/shell_word.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/streamed_file.hpp"
#include "conveq/report/json_lines.hpp"
#include "conveq/suite/merge.hpp"

namespace conveq::cli {
namespace {

bool json_lines_output(const MergeCommandOptions& o) {
  if (o.report_format.empty()) {
    return o.output.size() >= 6 && o.output.compare(o.output.size() - 6, 6, ".jsonl") == 0;
  }
  if (o.report_format != "json" && o.report_format != "jsonl") {
    throw InputError("--report-format " + o.report_format + ": must be json or jsonl");
  }
  return o.report_format == "jsonl";
}

// Before reading anything: the output is writable and is none of the shards.
void check_output(const MergeCommandOptions& o, bool json_lines) {
  std::vector<CommandInput> inputs;
  for (const auto& shard : o.shards) inputs.push_back({shard, "shard " + shard});
  std::vector<std::string> outputs{o.output};
  if (json_lines && !written_in_place(o.output)) {
    outputs.push_back(StreamedFile::partial_name(o.output));
  }
  for (const auto& output : outputs) {
    check_writable(output, "-o " + output);
    if (!written_in_place(output)) refuse_input_as_output(output, "-o " + output, inputs);
  }
}

std::string merge_command_line(const MergeCommandOptions& o) {
  std::string command = "conveq merge";
  for (const auto& shard : o.shards) command += " " + shell_word(shard);
  return command + " -o " + shell_word(o.output);
}

}  // namespace

void setup_merge_command(CLI::App& app, MergeCommandOptions& o) {
  app.add_option("shards", o.shards, "The shard reports of one suite run (JSON or JSON Lines)")
      ->required();
  app.add_option("-o,--output", o.output, "Write the merged suite report here")->required();
  app.add_option("--report-format", o.report_format,
                 "json or jsonl (default: jsonl for a .jsonl output, else json)");
  o.app = &app;
}

int run_merge_command(const MergeCommandOptions& o) {
  const bool json_lines = json_lines_output(o);
  check_output(o, json_lines);
  std::vector<SuiteReportFile> shards;
  for (const auto& path : o.shards) shards.push_back(SuiteReportFile::read(path));

  const std::string what = "-o " + o.output;
  std::optional<StreamedFile> stream;
  nlohmann::json document;
  MergeSink sink;
  sink.header = [&](const nlohmann::json& header) {
    if (json_lines) {
      stream.emplace(o.output, what);
      stream->append(json_lines_header(header));
    } else {
      document = header;
      document["problems"] = nlohmann::json::array();
    }
  };
  sink.problem = [&](const nlohmann::json& entry) {
    if (json_lines) {
      stream->append(json_lines_problem(entry));
    } else {
      document["problems"].push_back(entry);
    }
  };
  StagedFiles outputs;
  sink.summary = [&](double seconds, const nlohmann::json& summary) {
    if (json_lines) {
      stream->append(json_lines_summary(seconds, summary));
      stream->stage(outputs);
    } else {
      document["suite"]["seconds"] = seconds;
      document["summary"] = summary;
      outputs.add(o.output, document.dump(2) + "\n", what);
    }
  };
  merge_shards(shards, merge_command_line(o), sink);
  outputs.commit();
  return kExitPassed;
}

}  // namespace conveq::cli
