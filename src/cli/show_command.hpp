#pragma once
// `conveq show REPORT`: any report (single or suite) as tables or as an HTML page, for people.
#include <CLI/CLI.hpp>
#include <string>

namespace conveq::cli {

struct ShowCommandOptions {
  std::string report;
  bool details = false;         // suite reports: every problem's full table too
  std::string format = "text";  // text or html
  std::string output;           // -o FILE; empty: standard output
};

void setup_show_command(CLI::App& app, ShowCommandOptions& options);
int run_show_command(const ShowCommandOptions& options);

}  // namespace conveq::cli
