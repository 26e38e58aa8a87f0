#include "run_command.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "conveq/core/error.hpp"
#include "conveq/core/host_info.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/shell_word.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/io/sha256.hpp"
#include "conveq/io/streamed_file.hpp"
#include "conveq/report/github_annotations.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/json.hpp"
#include "conveq/report/json_lines.hpp"
#include "conveq/report/junit.hpp"
#include "conveq/report/progress.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/suite/shard_environment.hpp"
#include "conveq/suite/suite.hpp"
#include "option_values.hpp"

namespace conveq::cli {
namespace {

// The run options given to `run` itself, which every line starts from: shards of one suite
// run with different ones cannot be merged.
std::string run_options_line(const RunCommandOptions& o) {
  if (o.app == nullptr) return "";
  const std::string text = options_text(*o.app, [&o](const CLI::Option* option) {
    const auto& names = o.run_option_names;
    return std::find(names.begin(), names.end(), option->get_name()) != names.end();
  });
  return text.empty() ? text : text.substr(1);
}

}  // namespace

void setup_run_command(CLI::App& app, RunCommandOptions& o) {
  app.add_option("suite", o.suite, "Suite file: one problem per line, as compare's options")
      ->required();
  app.add_option("--report", o.report,
                 "Write the suite report to this file (JSON, or JSON Lines for a .jsonl name)")
      ->type_name("FILE");
  app.add_option("--report-format", o.report_format,
                 "json: one document at the end; jsonl: one line per problem as it finishes, "
                 "in FILE.partial until the run ends (default: jsonl for a .jsonl --report)");
  app.add_flag("--compact", o.compact,
               "Cut each passing problem's report to what check, show and merge read (its "
               "verdict, path times and comparison errors; docs/ci.md)");
  app.add_option("--junit", o.junit, "Also write the results as JUnit XML to this file")
      ->type_name("FILE");
  app.add_option("--html", o.html,
                 "Also write the suite report as one self-contained HTML page to this file")
      ->type_name("FILE");
  app.add_flag("--github-annotations", o.github_annotations,
               "Print a GitHub Actions ::error (::warning when mistrusted) line for every "
               "problem that did not pass");
  app.add_option("--format", o.format,
                 "text: one line per problem on stdout; json: the suite report on stdout "
                 "(problem lines go to stderr)")
      ->capture_default_str();
  app.add_option("--shard", o.shard,
                 "Run shard I of N (1-based): the K-th selected problem (from 0) runs in shard "
                 "K mod N + 1; auto: I and N from the environment (docs/ci.md)")
      ->capture_default_str()
      ->type_name("I/N|auto");
  app.add_option("--shard-count", o.shard_count,
                 "With --shard auto: the number of shards (a Kubernetes Indexed Job's "
                 "completions)")
      ->type_name("INT");
  app.add_option("--filter", o.filter, "Run only problems whose name matches this regex");
  app.add_flag("--list", o.list, "List the selected problems without running them");
  const size_t before = app.get_options().size();
  add_run_options(app, o.line_defaults);
  const auto options = app.get_options();
  for (size_t i = before; i < options.size(); ++i) {
    o.run_option_names.push_back(options[i]->get_name());
  }
  o.app = &app;
}

SuiteProblem parse_suite_line(const SuiteLine& line, const std::string& file,
                              const CompareCommandOptions& defaults) {
  const std::string where = file + ":" + std::to_string(line.line) + ": ";
  CLI::App app{"suite line"};
  app.set_help_flag();  // "--help" on a line is an unknown option, not a request for help
  CompareCommandOptions options = defaults;
  add_problem_options(app, options.problem);
  add_run_options(app, options);
  try {
    app.parse(line.options, false);
    refuse_empty_values(app);
  } catch (const CLI::ExtrasError&) {
    std::string extras;
    for (const auto& arg : app.remaining()) extras += (extras.empty() ? "" : " ") + arg;
    throw InputError(where + "unknown option or stray argument \"" + extras +
                     "\": a suite line takes the problem and run options of conveq compare "
                     "(not --report, --format or the .npy file options)");
  } catch (const CLI::ParseError& e) {
    throw InputError(where + e.what());
  } catch (const InputError& e) {
    throw InputError(where + e.message());
  }
  try {
    SuiteProblem parsed{line, make_problem(options.problem), make_run_options(options)};
    check_resources(parsed.problem, parsed.run.threads);
    return parsed;
  } catch (const InputError& e) {
    throw InputError(where + e.message());
  }
}

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whether --report is written as JSON Lines.
bool uses_json_lines(const RunCommandOptions& o) {
  if (o.report_format.empty()) return ends_with(o.report, ".jsonl");
  if (o.report_format != "json" && o.report_format != "jsonl") {
    throw InputError("--report-format " + o.report_format + ": must be json or jsonl");
  }
  if (o.report.empty()) {
    throw InputError("--report-format " + o.report_format + ": goes with --report FILE");
  }
  return o.report_format == "jsonl";
}

// Before any work: stdout takes the lines or the report; every output file is writable, is
// not the suite, and is not another output.
void check_outputs(const RunCommandOptions& o, bool json_lines) {
  check_standard_output();
  const std::vector<CommandInput> taken{{o.suite, "suite " + o.suite}};
  std::vector<CommandInput> outputs{{o.report, "--report " + o.report},
                                    {o.junit, "--junit " + o.junit},
                                    {o.html, "--html " + o.html}};
  if (json_lines && !written_in_place(o.report)) {
    outputs.push_back({StreamedFile::partial_name(o.report),
                       "--report " + o.report + " (written as " +
                           StreamedFile::partial_name(o.report) + " until the run ends)"});
  }
  std::vector<CommandInput> earlier;
  for (const auto& output : outputs) {
    if (output.path.empty()) continue;
    check_writable(output.path, output.what);
    if (written_in_place(output.path)) continue;
    refuse_input_as_output(output.path, output.what, taken);
    // Absolute: "./r.json" and "r.json" are one file even before either exists.
    const std::string absolute = std::filesystem::absolute(output.path).string();
    if (const CommandInput* same = same_file_as(absolute, earlier)) {
      throw InputError(output.what + ": is also " + same->what + "; give each output its own file");
    }
    earlier.push_back({absolute, output.what});
  }
}

Shard resolve_shard(const RunCommandOptions& o) {
  if (o.shard == "auto") {
    std::optional<int64_t> count;
    if (!o.shard_count.empty()) count = parse_integer("--shard-count", o.shard_count, 1, 1000000);
    return shard_from_environment([](const char* name) { return std::getenv(name); }, count);
  }
  if (!o.shard_count.empty()) {
    throw InputError("--shard-count " + o.shard_count +
                     ": goes with --shard auto (with --shard I/N, N is the count)");
  }
  return parse_shard(o.shard);
}

// Every line, selected or not, is checked before anything runs: a bad line fails every shard
// of a CI matrix the same way, and nobody waits an hour to learn about a typo.
std::vector<SuiteProblem> parse_all_lines(const Suite& suite, const RunCommandOptions& o) {
  std::vector<SuiteProblem> all;
  std::vector<std::string> errors;
  for (const auto& line : suite.lines) {
    try {
      all.push_back(parse_suite_line(line, suite.file, o.line_defaults));
    } catch (const InputError& e) {
      errors.push_back(e.message());
    }
  }
  if (!errors.empty()) throw InputErrorList(std::move(errors));
  return all;
}

// Where each finished problem goes: the terminal (a line, and an annotation when asked), the
// JSON Lines report (a line, at once), the JUnit file (a test case, written at the end).
class RunOutputs {
 public:
  RunOutputs(const RunCommandOptions& o, const SuiteRunInfo& info, size_t selected, bool json_lines)
      : o_(o), info_(info) {
    const nlohmann::json host = host_info(info.threads > 0 ? info.threads : hardware_threads());
    if (json_lines) {
      stream_.emplace(o.report, "--report " + o.report);
      stream_->append(json_lines_header({{"schema_version", kSchemaVersion},
                                         {"tool", tool_info()},
                                         {"host", host},
                                         {"suite", to_json(info, selected)}}));
    }
    if (!o.junit.empty()) {
      std::string date = host["date"];
      if (!date.empty() && date.back() == 'Z') date.pop_back();  // JUnit's timestamps are bare
      junit_.emplace(info.file, host["hostname"], date);
    }
  }

  // On a terminal, a progress line on stderr (erased before each printed line).
  void start_progress(const std::vector<SuiteProblem>& problems) {
    std::vector<std::string> names;
    for (const auto& p : problems) names.push_back(p.line.name);
    progress_.start(std::move(names));
  }

  // With --format json the lines go to stderr, where a failed write cannot be reported.
  void print(const std::string& line) {
    progress_.clear();
    if (o_.format == "json") {
      std::cerr << line << std::endl;
    } else {
      write_standard_output(line + "\n");
    }
  }

  void problem_done(const nlohmann::json& entry) {
    print(format_problem_line(entry));
    const ReportView view(entry, "the suite report");
    if (o_.github_annotations) {
      const std::string annotation = github_annotation(view, info_.file);
      if (!annotation.empty()) print(annotation.substr(0, annotation.size() - 1));
    }
    if (junit_) junit_->add(junit_case(view, info_.file));
    if (stream_) stream_->append(json_lines_problem(o_.compact ? compact_entry(entry) : entry));
    progress_.next();
  }

  // Everything written together, after the last problem.
  void commit(nlohmann::json report) {
    progress_.clear();
    // The page from the whole report, before --compact cuts the passing problems.
    const std::string html = o_.html.empty() ? "" : format_html(report);
    if (o_.compact) {
      for (auto& entry : report["problems"]) entry = compact_entry(std::move(entry));
    }
    const double seconds = report["suite"]["seconds"];
    StagedFiles outputs;
    if (o_.format == "json") outputs.add_standard_output(report.dump(2) + "\n");
    if (stream_) {
      stream_->append(json_lines_summary(seconds, report["summary"]));
      stream_->stage(outputs);
    } else if (!o_.report.empty()) {
      outputs.add(o_.report, report.dump(2) + "\n", "--report " + o_.report);
    }
    if (junit_) outputs.add(o_.junit, junit_->finish(seconds), "--junit " + o_.junit);
    if (!o_.html.empty()) outputs.add(o_.html, html, "--html " + o_.html);
    outputs.commit();
  }

 private:
  const RunCommandOptions& o_;
  const SuiteRunInfo& info_;
  std::optional<StreamedFile> stream_;
  std::optional<JunitWriter> junit_;
  ProgressLine progress_;
};

std::string list_text(const Suite& suite, const std::vector<SuiteProblem>& problems) {
  std::string list;
  for (const auto& p : problems) {
    list += p.line.name + "\t" + suite.file + ":" + std::to_string(p.line.line) + "\t" +
            p.line.options + "\n";
  }
  return list;
}

SuiteRunInfo run_info(const RunCommandOptions& o, const Suite& suite, const Shard& shard) {
  SuiteRunInfo info;
  info.file = suite.file;
  info.shard = shard;
  info.filter = o.filter;
  info.problems_in_file = suite.lines.size();
  info.command = o.app == nullptr ? "conveq run " + shell_word(o.suite) : command_line(*o.app);
  info.threads = make_run_options(o.line_defaults).threads;
  info.sha256 = suite.sha256;
  info.run_options = run_options_line(o);
  return info;
}

}  // namespace

int run_run_command(const RunCommandOptions& o) {
  if (o.format != "json" && o.format != "text") {
    throw InputError("--format " + o.format + ": must be json or text");
  }
  const bool json_lines = uses_json_lines(o);
  make_run_options(o.line_defaults);  // the run-level options alone must be valid too
  check_outputs(o, json_lines);       // fails before hours of running rather than after
  const Suite suite = read_suite(o.suite);
  const Shard shard = resolve_shard(o);
  const std::vector<size_t> selected = select_lines(suite, o.filter, shard);
  const std::vector<SuiteProblem> all = parse_all_lines(suite, o);

  std::vector<SuiteProblem> problems;
  for (const size_t index : selected) problems.push_back(all[index]);
  if (o.list) {
    write_standard_output(list_text(suite, problems));
    return kExitPassed;
  }
  const SuiteRunInfo info = run_info(o, suite, shard);
  RunOutputs outputs(o, info, problems.size(), json_lines);
  outputs.print("conveq run " + suite.file + ": " + std::to_string(problems.size()) + " of " +
                std::to_string(suite.lines.size()) + " problems (shard " +
                std::to_string(shard.index) + "/" + std::to_string(shard.count) + ")");
  // A JSON Lines report holds one problem at a time; only a JSON document (and the HTML page)
  // needs them all.
  const bool keep = !json_lines || o.format == "json" || !o.html.empty();
  outputs.start_progress(problems);
  const SessionResult result = run_suite(
      problems, info, [&outputs](const nlohmann::json& entry) { outputs.problem_done(entry); }, {},
      keep);

  const auto& summary = result.report["summary"];
  if (summary["errors"].get<int64_t>() > 0) {
    outputs.print(std::to_string(summary["errors"].get<int64_t>()) +
                  " problem(s) stopped with an internal error (counted as failed)");
  }
  outputs.print(format_summary_line(summary));
  outputs.commit(result.report);
  return result.exit_status;
}

}  // namespace conveq::cli
