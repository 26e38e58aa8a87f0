#pragma once
// An unknown option, named with the nearest known one: "--lenght: unknown option of conveq
// compare; did you mean --length?" (one line, exit 2), for every subcommand.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace conveq::cli {

// The edit distance (insertions, deletions, substitutions, adjacent swaps) between two words.
size_t edit_distance(const std::string& a, const std::string& b);

// The long option of `command` nearest to `typed` ("--lenght" or "--lenght=9"), or "" when
// none is close enough to be what was meant.
std::string nearest_option(const CLI::App& command, const std::string& typed);

// The one-line message for arguments `command` did not expect.
std::string unexpected_arguments_message(const CLI::App& command,
                                         const std::vector<std::string>& extras);

}  // namespace conveq::cli
