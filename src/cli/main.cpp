// conveq: the command line. It only wires subcommands to the library and maps errors to
// exit statuses: 0 passed, 1 failed, 2 bad input (or an output that could not be written),
// 3 mistrusted, 4 internal error.
#include <CLI/CLI.hpp>
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

// The subcommand that was parsed, run; its errors mapped to exit statuses.
int run_parsed(const CLI::App& app, const conveq::cli::CompareCommandOptions& compare,
               const conveq::cli::RunCommandOptions& run,
               const conveq::cli::CheckCommandOptions& check,
               const conveq::cli::ShowCommandOptions& show,
               const conveq::cli::ModelCommandOptions& model,
               const conveq::cli::MergeCommandOptions& merge) {
  try {
    const CLI::App* parsed = app.get_subcommands().front();
    conveq::cli::refuse_empty_values(*parsed);
    if (parsed->get_name() == "compare") return conveq::cli::run_compare_command(compare);
    if (parsed->get_name() == "run") return conveq::cli::run_run_command(run);
    if (parsed->get_name() == "check") return conveq::cli::run_check_command(check);
    if (parsed->get_name() == "show") return conveq::cli::run_show_command(show);
    if (parsed->get_name() == "model") return conveq::cli::run_model_command(model);
    if (parsed->get_name() == "merge") return conveq::cli::run_merge_command(merge);
    if (parsed->get_name() == "paths") return conveq::cli::run_paths_command();
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

  conveq::cli::ModelCommandOptions model_options;
  CLI::App* model =
      app.add_subcommand("model", "Check every Conv node of an ONNX model with its real weights");
  conveq::cli::setup_model_command(*model, model_options);

  conveq::cli::MergeCommandOptions merge_options;
  CLI::App* merge =
      app.add_subcommand("merge", "Put the shard reports of one suite run back together");
  conveq::cli::setup_merge_command(*merge, merge_options);

  app.add_subcommand("paths",
                     "List every path: its library, whether it was built, whether it "
                     "runs by default");

  const std::string first = argc > 1 ? argv[1] : "";
  const bool known = first == "compare" || first == "run" || first == "check" || first == "show" ||
                     first == "model" || first == "merge" || first == "paths";
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
  return run_parsed(app, compare_options, run_options, check_options, show_options, model_options,
                    merge_options);
}
