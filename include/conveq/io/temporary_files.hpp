#pragma once
// Temporary files and directories that must not outlive the process: a run stopped by SIGINT,
// SIGTERM or SIGHUP removes them before it dies, as the signal would have killed it.
//
// Why this shape: a signal handler may only call async-signal-safe functions, so the handler
// unlinks names from a fixed table of static buffers and then re-raises the signal. Every
// change to the table (and every group of renames that must happen together) runs with the
// handler held back (SignalsHeldBack): a signal that comes meanwhile, on any thread, is
// recorded and acted on when the group ends, so the handler never sees a half-written entry
// and never removes files between two renames of one commit.
#include <string>

namespace conveq {

// Installs the handlers for SIGINT, SIGTERM and SIGHUP (one that is ignored stays ignored).
// Call once, early in main. Without it temporaries are still tracked, and removed by their
// owners on every normal path, but a signal kills the process without removing them.
void remove_temporaries_on_signals();

// Creates a unique file from a mkstemp pattern (ending in XXXXXX), tracked until
// forget_temporary. Returns its descriptor and sets `name`; -1 with errno set on failure.
int create_temporary_file(const std::string& pattern, std::string& name);
// The same for a directory (mkdtemp); false with errno set on failure.
bool create_temporary_directory(const std::string& pattern, std::string& name);
// Creates the file `name`, which must not exist yet (inside a temporary directory), tracked.
// Returns its descriptor, or -1 with errno set.
int create_tracked_file(const std::string& name);
// Stops tracking `name`: it was renamed into place or removed.
void forget_temporary(const std::string& name);

// While one is alive (they nest), SIGINT, SIGTERM and SIGHUP wait. When the outermost ends, a
// signal that came meanwhile removes the temporaries and kills the process.
class SignalsHeldBack {
 public:
  SignalsHeldBack();
  ~SignalsHeldBack();
  SignalsHeldBack(const SignalsHeldBack&) = delete;
  SignalsHeldBack& operator=(const SignalsHeldBack&) = delete;
};

}  // namespace conveq
