// libFuzzer target for suites and --filter: the first line of the input is a --filter
// pattern, the rest a suite file. Any input must either parse (into lines that keep the
// suite's rules) or be refused with InputError lines that name the file or the option;
// matching must finish (the matcher is linear-time). Crashes, other exceptions, sanitizer
// reports, leaks and timeouts are findings. See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "conveq/core/error.hpp"
#include "conveq/suite/name_filter.hpp"
#include "conveq/suite/suite.hpp"

namespace {

void check(bool condition, const char* what) {
  if (!condition) {
    // abort() so libFuzzer records the input as a crash with this reason next to it.
    std::fprintf(stderr, "suite_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

bool has_control_character(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// Every line of a suite error names the file (one line per malformed suite line).
void check_suite_error(const std::string& message) {
  size_t start = 0;
  while (start <= message.size()) {
    const size_t end = std::min(message.find('\n', start), message.size());
    const std::string_view line(message.data() + start, end - start);
    check(line.rfind("fuzz.suite", 0) == 0, "a suite error line does not name the file");
    check(!has_control_character(line), "a suite error line holds a control character");
    start = end + 1;
  }
}

void check_suite(const conveq::Suite& suite) {
  std::set<std::string> names;
  int previous_line = 0;
  for (const auto& line : suite.lines) {
    check(line.line > previous_line, "line numbers do not increase");
    previous_line = line.line;
    check(!line.name.empty() && !line.options.empty(), "an empty name or options");
    check(line.options.size() <= conveq::kMaxSuiteLineLength, "options beyond the line limit");
    check(!has_control_character(line.options), "options hold a control character");
    check(line.options.front() != ' ' && line.options.back() != ' ', "options not trimmed");
    check(line.options.find("  ") == std::string::npos, "whitespace not collapsed");
    check(names.insert(line.name).second, "a name used twice");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = std::min(input.find('\n'), input.size());
  const std::string pattern(input.substr(0, newline));
  const std::string_view text = newline < input.size() ? input.substr(newline + 1) : "";

  conveq::Suite suite;
  try {
    suite = conveq::parse_suite(text, "fuzz.suite");
    check_suite(suite);
  } catch (const conveq::InputError& error) {
    check_suite_error(error.what());
  }

  try {
    const conveq::NameFilter filter(pattern);
    for (const auto& line : suite.lines) filter.matches(line.name);
    filter.matches(text);  // a long name, with every byte value
    if (pattern.empty()) check(filter.matches(text), "the empty pattern missed a name");
  } catch (const conveq::InputError& error) {
    const std::string message = error.what();
    check(message.rfind("--filter ", 0) == 0, "a filter error does not start with --filter");
    check(!has_control_character(message), "a filter error is not one printable line");
  }
  return 0;
}
