#pragma once
// Reading a whole file that someone named on the command line, which may be anything: a
// regular file, a directory, a FIFO, /dev/zero, a /proc file whose size says 0. The limit is
// enforced while reading, so an endless source costs at most `max_bytes` + 1 bytes.
#include <cstddef>
#include <string>

namespace conveq {

// The file's bytes. Throws InputError "PATH: ..." when it cannot be opened or read, is a
// directory, or holds more than `max_bytes` (the message names the limit). `kind` names what
// the file should be, e.g. "suite file" or "report".
std::string read_bounded(const std::string& path, size_t max_bytes, const std::string& kind);

// "16 MiB" for whole mebibytes, else "N bytes".
std::string byte_limit_text(size_t bytes);

}  // namespace conveq
