#pragma once
// The rules every command applies to the values typed on its command line and on suite lines:
// real numbers go through one parser that names the option, the value and the rule (integers
// through conveq::parse_integer, which does the same), and an empty value is an error, never
// the option's absence.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace conveq::cli {

// A finite number >= min_value, as a decimal or scientific literal ("0.5", "1e-6", "+2"; no
// spaces, no hexadecimal). A value too small for a double ("1e-400") is refused rather than
// read as 0: it was typed as nonzero, and a tolerance of 0 is a different check. Throws
// InputError "OPTION VALUE: <rule>".
double parse_real(const std::string& option, const std::string& text, double min_value);

// Every option given to `app` that `keep` accepts, as command-line text (" --name value" each;
// flags by name alone; positionals by value).
std::string options_text(const CLI::App& app, const std::function<bool(const CLI::Option*)>& keep);
// The command line that reproduces a parsed subcommand: "conveq NAME" and every option that
// was given, from the parser itself, so options added later are not forgotten.
std::string command_line(const CLI::App& app);

// Refuses an empty value ("--atol ''") given to any option or argument of `app`.
void refuse_empty_values(const CLI::App& app);

}  // namespace conveq::cli
