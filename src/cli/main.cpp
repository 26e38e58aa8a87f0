// conveq: the command line. It only wires subcommands to the library and maps errors to
// exit statuses: 0 passed, 1 failed, 2 bad input (or an output that could not be written),
// 3 mistrusted, 4 internal error.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>

#include "check_command.hpp"
#include "compare_command.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/version.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/io/output.hpp"
#include "conveq/io/temporary_files.hpp"
#include "merge_command.hpp"
#include "model_command.hpp"
#include "option_suggestion.hpp"
#include "option_values.hpp"
#include "paths_command.hpp"
#include "run_command.hpp"
#include "show_command.hpp"

namespace {

int bad_input(std::string_view message) {
  // Control characters (a newline, a tab, a NUL byte from a file) are escaped: one line.
  std::cerr << "conveq: " << conveq::visible_text(message) << "\n";
  return conveq::kExitBadInput;
}

// Every subcommand's options, filled by the parser.
struct Commands {
  conveq::cli::CompareCommandOptions compare;
  conveq::cli::RunCommandOptions run;
  conveq::cli::CheckCommandOptions check;
  conveq::cli::ShowCommandOptions show;
  conveq::cli::ModelCommandOptions model;
  conveq::cli::MergeCommandOptions merge;
};

void add_subcommands(CLI::App& app, Commands& c) {
  conveq::cli::setup_compare_command(
      *app.add_subcommand("compare",
                          "Run one problem through every path and report how far apart they are"),
      c.compare);
  conveq::cli::setup_run_command(*app.add_subcommand("run", "Run every problem of a suite file"),
                                 c.run);
  conveq::cli::setup_check_command(
      *app.add_subcommand("check",
                          "Compare a report with a baseline report; exit 1 on a regression"),
      c.check);
  conveq::cli::setup_show_command(
      *app.add_subcommand("show", "Print a report (single or suite) as tables"), c.show);
  conveq::cli::setup_model_command(
      *app.add_subcommand("model", "Check every Conv node of an ONNX model with its real weights"),
      c.model);
  conveq::cli::setup_merge_command(
      *app.add_subcommand("merge", "Put the shard reports of one suite run back together"),
      c.merge);
  app.add_subcommand("paths",
                     "List every path: its library, whether it was built, whether it "
                     "runs by default");
}

// The subcommand that was parsed, run; its errors mapped to exit statuses.
int run_parsed(const CLI::App& app, const Commands& c) {
  try {
    const CLI::App* parsed = app.get_subcommands().front();
    conveq::cli::refuse_empty_values(*parsed);
    const std::string& name = parsed->get_name();
    if (name == "compare") return conveq::cli::run_compare_command(c.compare);
    if (name == "run") return conveq::cli::run_run_command(c.run);
    if (name == "check") return conveq::cli::run_check_command(c.check);
    if (name == "show") return conveq::cli::run_show_command(c.show);
    if (name == "model") return conveq::cli::run_model_command(c.model);
    if (name == "merge") return conveq::cli::run_merge_command(c.merge);
    if (name == "paths") return conveq::cli::run_paths_command();
  } catch (const conveq::InputErrorList& e) {
    for (const auto& message : e.messages()) bad_input(message);
    return conveq::kExitBadInput;
  } catch (const conveq::InputError& e) {
    return bad_input(e.message());
  } catch (const std::exception& e) {
    std::cerr << "conveq: internal error: " << conveq::visible_text(e.what()) << "\n";
    return conveq::kExitInternalError;
  }
  return conveq::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  conveq::prepare_standard_streams();
  conveq::remove_temporaries_on_signals();
  CLI::App app{"conveq: do two formulations of a convolution compute the same thing?"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("conveq ") + conveq::build::kVersion);
  Commands commands;
  add_subcommands(app, commands);

  const std::string first = argc > 1 ? argv[1] : "";
  const auto all = app.get_subcommands([](const CLI::App*) { return true; });
  const bool known = std::any_of(all.begin(), all.end(),
                                 [&first](const CLI::App* c) { return c->get_name() == first; });
  if (!first.empty() && first[0] != '-' && !known) {
    std::cerr << "conveq " << conveq::visible_text(first)
              << ": unknown subcommand; use compare, run, check, show, model, merge or paths\n";
    return conveq::kExitBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    const int status = app.exit(e);  // --help, --version: on stdout, which must take them
    std::cout.flush();
    return std::cout ? status : bad_input("standard output: cannot write the help");
  } catch (const CLI::ExtrasError& e) {
    // "--lenght: unknown option of conveq compare; did you mean --length?"
    const CLI::App* command = known ? app.get_subcommand(first) : &app;
    std::vector<std::string> extras = command->remaining();
    if (extras.empty()) extras = app.remaining();
    return bad_input(extras.empty() ? e.what()
                                    : conveq::cli::unexpected_arguments_message(*command, extras));
  } catch (const CLI::ParseError& e) {
    return bad_input(e.what());
  }
  return run_parsed(app, commands);
}
