#pragma once
// Outputs appear whole or not at all: written to a temporary file in the same directory,
// flushed, then renamed over the target.
#include <string>
#include <string_view>

namespace conveq {

// Throws InputError naming `what` (e.g. "--report out.json") when the file cannot be written.
void write_file_atomically(const std::string& path, std::string_view content,
                           const std::string& what);

// Checks up front that `path` could be written (its directory exists and is writable), so a
// long run does not end in a write error. Throws InputError naming `what`.
void check_writable(const std::string& path, const std::string& what);

}  // namespace conveq
