#pragma once
// Standard output as a checked destination: what a command prints for its user goes through
// write_standard_output, which turns a failed write (a full disk, a closed descriptor, a reader
// that went away) into an InputError, exit 2, instead of a run that looks successful.
#include <string>
#include <string_view>

namespace conveq {

// At the start of main. SIGPIPE is ignored, so a reader that went away is a write error
// (EPIPE) reported like any other instead of a silent death. A closed descriptor 0, 1 or 2 is
// taken by /dev/null opened read-only: no file conveq opens later gets its number (and what was
// meant for the stream), and writes to it fail with EBADF.
void prepare_standard_streams();

// Before any work, for a command that will print to standard output: refuses one that is
// closed, not open for writing, or /dev/full. Throws InputError "standard output: ...".
void check_standard_output();

// Writes all of `content` to standard output (descriptor 1, unbuffered). Throws InputError
// "standard output: cannot write: <the error>".
void write_standard_output(std::string_view content);

// Writes all of `content` to `fd`, again after EINTR and short writes; false on an error
// (errno says which).
bool write_all(int fd, std::string_view content);

// The reason a descriptor cannot take a write, found before writing: "" when none is known.
// Catches a descriptor that is not open for writing and /dev/full, the device that refuses
// every write; a disk that fills up or a reader that goes away only show when written.
std::string known_write_failure(int fd);
// The same for a path: true when it is /dev/full (or a link to it).
bool refuses_every_write(const std::string& path);

}  // namespace conveq
