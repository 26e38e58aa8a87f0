// conveq: the command line. It only wires subcommands to the library and maps errors to
// exit statuses: 0 passed, 1 failed, 2 bad input, 3 mistrusted, 4 internal error.
#include <CLI/CLI.hpp>
#include <iostream>

#include "compare_command.hpp"
#include "conveq/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"conveq: do two formulations of a convolution compute the same thing?"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "conveq " CONVEQ_VERSION);

  conveq::cli::CompareCommandOptions compare_options;
  CLI::App* compare = app.add_subcommand(
      "compare", "Run one problem through every path and report how far apart they are");
  conveq::cli::setup_compare_command(*compare, compare_options);

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
  } catch (const conveq::InputError& e) {
    std::cerr << "conveq: " << e.what() << "\n";
    return conveq::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "conveq: internal error: " << e.what() << "\n";
    return 4;
  }
  return conveq::kExitBadInput;
}
