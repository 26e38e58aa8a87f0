#pragma once
// One error type for everything the user got wrong: options, files, suites.
// Every message names the value and the rule it broke; the CLI maps it to exit status 2.
#include <stdexcept>
#include <string>

namespace conveq {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Exit statuses, documented in README.md and docs/report.md.
enum ExitStatus : int {
  kExitPassed = 0,         // every comparison within its bound
  kExitFailed = 1,         // some comparison out of bound (or a regression, for `check`)
  kExitBadInput = 2,       // bad options, files or suites; nothing was written
  kExitMistrusted = 3,     // no failure, but some check was too weak to mean anything
  kExitInternalError = 4,  // a bug in conveq
};

}  // namespace conveq
