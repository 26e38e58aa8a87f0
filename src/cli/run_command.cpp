#include "run_command.hpp"

#include <iostream>

#include "conveq/core/error.hpp"
#include "conveq/core/shell_word.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/suite/suite.hpp"

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
  app.add_option("--report", o.report, "Write the suite report (JSON) to this file");
  app.add_option("--format", o.format,
                 "text: one line per problem on stdout; json: the suite report on stdout "
                 "(problem lines go to stderr)")
      ->capture_default_str();
  app.add_option("--shard", o.shard,
                 "Run shard I of N (1-based): the K-th selected problem (from 0) runs in shard "
                 "K mod N + 1")
      ->capture_default_str();
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
  } catch (const CLI::ExtrasError&) {
    std::string extras;
    for (const auto& arg : app.remaining()) extras += (extras.empty() ? "" : " ") + arg;
    throw InputError(where + "unknown option or stray argument \"" + extras +
                     "\": a suite line takes the problem and run options of conveq compare "
                     "(not --report, --format or the .npy file options)");
  } catch (const CLI::ParseError& e) {
    throw InputError(where + e.what());
  }
  try {
    SuiteProblem parsed{line, make_problem(options.problem), make_run_options(options)};
    check_resources(parsed.problem, parsed.run.threads);
    return parsed;
  } catch (const InputError& e) {
    throw InputError(where + e.what());
  }
}

int run_run_command(const RunCommandOptions& o) {
  if (o.format != "json" && o.format != "text") {
    throw InputError("--format " + o.format + ": must be json or text");
  }
  // Fails before hours of running rather than after.
  if (!o.report.empty()) check_writable(o.report, "--report " + o.report);
  make_run_options(o.line_defaults);  // the run-level options alone must be valid too
  const Suite suite = read_suite(o.suite);
  const Shard shard = parse_shard(o.shard);
  const std::vector<size_t> selected = select_lines(suite, o.filter, shard);

  // Every line, selected or not, is checked before anything runs: a bad line fails every
  // shard of a CI matrix the same way, and nobody waits an hour to learn about a typo.
  std::vector<SuiteProblem> all;
  std::string errors;
  for (const auto& line : suite.lines) {
    try {
      all.push_back(parse_suite_line(line, suite.file, o.line_defaults));
    } catch (const InputError& e) {
      errors += (errors.empty() ? "" : "\n") + std::string(e.what());
    }
  }
  if (!errors.empty()) throw InputError(errors);

  std::vector<SuiteProblem> problems;
  for (const size_t index : selected) problems.push_back(all[index]);
  if (o.list) {
    for (const auto& p : problems) {
      std::cout << p.line.name << "\t" << suite.file << ":" << p.line.line << "\t" << p.line.options
                << "\n";
    }
    return kExitPassed;
  }

  std::ostream& lines = o.format == "json" ? std::cerr : std::cout;
  SuiteRunInfo info;
  info.file = suite.file;
  info.shard = shard;
  info.filter = o.filter;
  info.problems_in_file = suite.lines.size();
  info.command = run_command_line(o);
  info.threads = make_run_options(o.line_defaults).threads;
  lines << "conveq run " << suite.file << ": " << problems.size() << " of " << suite.lines.size()
        << " problems (shard " << shard.index << "/" << shard.count << ")" << std::endl;
  const SessionResult result = run_suite(problems, info, [&lines](const nlohmann::json& entry) {
    lines << format_problem_line(entry) << std::endl;
  });

  const auto& summary = result.report["summary"];
  if (summary["errors"].get<int64_t>() > 0) {
    lines << summary["errors"].get<int64_t>()
          << " problem(s) stopped with an internal error (counted as failed)\n";
  }
  lines << format_summary_line(summary) << std::endl;
  const std::string json = result.report.dump(2) + "\n";
  if (!o.report.empty()) emit(o.report, json, "--report " + o.report);
  if (o.format == "json") emit("", json, "stdout");
  return result.exit_status;
}

}  // namespace conveq::cli
