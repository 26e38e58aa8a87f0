// conveq: the command line. It only wires subcommands to the library and maps errors to
// exit statuses: 0 passed, 1 failed, 2 bad input, 3 mistrusted, 4 internal error.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "check_command.hpp"
#include "compare_command.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/version.hpp"
#include "run_command.hpp"
#include "show_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"conveq: do two formulations of a convolution compute the same thing?"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("conveq ") + conveq::build::kVersion);

  conveq::cli::CompareCommandOptions compare_options;
  CLI::App* compare = app.add_subcommand(
      "compare", "Run one problem through every path and report how far apart they are");
  conveq::cli::setup_compare_command(*compare, compare_options);

  conveq::cli::RunCommandOptions run_options;
  CLI::App* run = app.add_subcommand("run", "Run every problem of a suite file");
  conveq::cli::setup_run_command(*run, run_options);

  conveq::cli::CheckCommandOptions check_options;
  CLI::App* check = app.add_subcommand(
      "check", "Compare a report with a baseline report; exit 1 on a regression");
  conveq::cli::setup_check_command(*check, check_options);

  conveq::cli::ShowCommandOptions show_options;
  CLI::App* show = app.add_subcommand("show", "Print a report (single or suite) as tables");
  conveq::cli::setup_show_command(*show, show_options);

  const std::string first = argc > 1 ? argv[1] : "";
  const bool known = first == "compare" || first == "run" || first == "check" || first == "show";
  if (!first.empty() && first[0] != '-' && !known) {
    std::cerr << "conveq " << argv[1] << ": unknown subcommand; use compare, run, check or show\n";
    return conveq::kExitBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "conveq: " << e.what() << "\n";
    return conveq::kExitBadInput;
  }

  try {
    if (compare->parsed()) return conveq::cli::run_compare_command(compare_options);
    if (run->parsed()) return conveq::cli::run_run_command(run_options);
    if (check->parsed()) return conveq::cli::run_check_command(check_options);
    if (show->parsed()) return conveq::cli::run_show_command(show_options);
  } catch (const conveq::InputError& e) {
    std::cerr << "conveq: " << e.what() << "\n";
    return conveq::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "conveq: internal error: " << e.what() << "\n";
    return conveq::kExitInternalError;
  }
  return conveq::kExitBadInput;
}
