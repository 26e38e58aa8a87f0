#pragma once
// One error type for everything the user got wrong: options, files, suites.
// Every message names the value and the rule it broke; the CLI maps it to exit status 2.
#include <stdexcept>
#include <string>
#include <vector>

namespace conveq {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message)
      : std::runtime_error(message), message_(message) {}
  // The whole message, even with a NUL byte from a file in it (what() stops at the first).
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Several user errors found together (every bad line of a suite): the CLI prints one line each.
class InputErrorList : public InputError {
 public:
  explicit InputErrorList(std::vector<std::string> messages)
      : InputError(joined(messages)), messages_(std::move(messages)) {}
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  static std::string joined(const std::vector<std::string>& messages) {
    std::string text;
    for (const auto& m : messages) text += (text.empty() ? "" : "\n") + m;
    return text;
  }
  std::vector<std::string> messages_;
};

// Exit statuses, documented in README.md and docs/report.md.
enum ExitStatus : int {
  kExitPassed = 0,         // every comparison within its bound
  kExitFailed = 1,         // some comparison out of bound (or a regression, for `check`)
  kExitBadInput = 2,       // bad options, files or suites, or an output that could not be written;
                           // no file was written
  kExitMistrusted = 3,     // no failure, but some check was too weak to mean anything
  kExitInternalError = 4,  // a bug in conveq
};

}  // namespace conveq
