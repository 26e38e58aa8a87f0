#include "run_command.hpp"

#include <iostream>

#include "conveq/core/error.hpp"
#include "conveq/core/shell_word.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/output.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/progress.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/suite/suite.hpp"
#include "option_values.hpp"

namespace conveq::cli {
namespace {

// The `conveq run` command line that reproduces this run: every option that was given, from
// the parser itself, so options added to compare later are not forgotten here.
std::string run_command_line(const RunCommandOptions& o) {
  if (o.app == nullptr) return "conveq run " + shell_word(o.suite);
  std::string command = "conveq " + o.app->get_name();
  for (const CLI::Option* option : o.app->get_options()) {
    if (option->count() == 0) continue;
    if (option->get_positional()) {
      for (const auto& value : option->results()) command += " " + shell_word(value);
    } else if (option->get_type_size() == 0) {  // a flag
      command += " " + option->get_name();
    } else {
      for (const auto& value : option->results()) {
        command += " " + option->get_name() + " " + shell_word(value);
      }
    }
  }
  return command;
}

}  // namespace

void setup_run_command(CLI::App& app, RunCommandOptions& o) {
  app.add_option("suite", o.suite, "Suite file: one problem per line, as compare's options")
      ->required();
  app.add_option("--report", o.report, "Write the suite report (JSON) to this file")
      ->type_name("FILE");
  app.add_option("--html", o.html,
                 "Also write the suite report as one self-contained HTML page to this file")
      ->type_name("FILE");
  app.add_option("--format", o.format,
                 "text: one line per problem on stdout; json: the suite report on stdout "
                 "(problem lines go to stderr)")
      ->capture_default_str();
  app.add_option("--shard", o.shard,
                 "Run shard I of N (1-based): the K-th selected problem (from 0) runs in shard "
                 "K mod N + 1")
      ->capture_default_str()
      ->type_name("I/N");
  app.add_option("--filter", o.filter, "Run only problems whose name matches this regex");
  app.add_flag("--list", o.list, "List the selected problems without running them");
  add_run_options(app, o.line_defaults);
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

// Before any work: stdout takes the lines or the report; --report is writable and is not the
// suite.
void check_outputs(const RunCommandOptions& o) {
  check_standard_output();
  if (!o.html.empty()) {
    check_writable(o.html, "--html " + o.html);
    std::vector<CommandInput> taken = {{o.suite, "suite " + o.suite}};
    if (!o.report.empty()) taken.push_back({o.report, "--report " + o.report});
    refuse_input_as_output(o.html, "--html " + o.html, taken);
  }
  if (o.report.empty()) return;
  const std::string what = "--report " + o.report;
  check_writable(o.report, what);
  refuse_input_as_output(o.report, what, {{o.suite, "suite " + o.suite}});
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

// --list: one line per selected problem, its name, where it is and its options.
std::string problem_list(const std::vector<SuiteProblem>& problems, const std::string& file) {
  std::string list;
  for (const auto& p : problems) {
    list += p.line.name + "\t" + file + ":" + std::to_string(p.line.line) + "\t" + p.line.options +
            "\n";
  }
  return list;
}

}  // namespace

int run_run_command(const RunCommandOptions& o) {
  if (o.format != "json" && o.format != "text") {
    throw InputError("--format " + o.format + ": must be json or text");
  }
  make_run_options(o.line_defaults);  // the run-level options alone must be valid too
  check_outputs(o);                   // fails before hours of running rather than after
  const Suite suite = read_suite(o.suite);
  const Shard shard = parse_shard(o.shard);
  const std::vector<size_t> selected = select_lines(suite, o.filter, shard);
  const std::vector<SuiteProblem> all = parse_all_lines(suite, o);

  std::vector<SuiteProblem> problems;
  for (const size_t index : selected) problems.push_back(all[index]);
  if (o.list) {
    write_standard_output(problem_list(problems, suite.file));
    return kExitPassed;
  }

  // With --format json the lines go to stderr, where a failed write cannot be reported.
  // On a terminal, a progress line on stderr, erased before each printed line.
  ProgressLine progress;
  const auto print = [json = o.format == "json", &progress](const std::string& line) {
    progress.clear();
    if (json) {
      std::cerr << line << std::endl;
    } else {
      write_standard_output(line + "\n");
    }
  };
  SuiteRunInfo info;
  info.file = suite.file;
  info.shard = shard;
  info.filter = o.filter;
  info.problems_in_file = suite.lines.size();
  info.command = run_command_line(o);
  info.threads = make_run_options(o.line_defaults).threads;
  print("conveq run " + suite.file + ": " + std::to_string(problems.size()) + " of " +
        std::to_string(suite.lines.size()) + " problems (shard " + std::to_string(shard.index) +
        "/" + std::to_string(shard.count) + ")");
  std::vector<std::string> names;
  for (const auto& p : problems) names.push_back(p.line.name);
  progress.start(std::move(names));
  const SessionResult result = run_suite(problems, info, [&](const nlohmann::json& entry) {
    print(format_problem_line(entry));
    progress.next();
  });

  const auto& summary = result.report["summary"];
  if (summary["errors"].get<int64_t>() > 0) {
    print(std::to_string(summary["errors"].get<int64_t>()) +
          " problem(s) stopped with an internal error (counted as failed)");
  }
  print(format_summary_line(summary));
  const std::string json = result.report.dump(2) + "\n";
  StagedFiles outputs;
  if (o.format == "json") outputs.add_standard_output(json);
  if (!o.report.empty()) outputs.add(o.report, json, "--report " + o.report);
  if (!o.html.empty()) outputs.add(o.html, format_html(result.report), "--html " + o.html);
  outputs.commit();
  return result.exit_status;
}

}  // namespace conveq::cli
