#pragma once
// Outputs appear whole or not at all: written to a temporary file in the same directory,
// flushed, then renamed over the target.
#include <string>
#include <string_view>

namespace conveq {

// Throws InputError naming `what` (e.g. "--report out.json") when the file cannot be written.
void write_file_atomically(const std::string& path, std::string_view content,
                           const std::string& what);

}  // namespace conveq
