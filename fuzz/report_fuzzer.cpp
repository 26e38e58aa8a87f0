// libFuzzer target for reading reports back: the JSON parser with its limits, then every
// reader (show's text of a compare or suite report, with details; its HTML page; check of the
// report against itself). Any input must either be read or be refused with an InputError; a field
// problem is one line naming the file. Crashes, other exceptions (an unchecked nlohmann access
// throws type_error or out_of_range), sanitizer reports, leaks and timeouts are findings. See
// docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "conveq/core/error.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/report_view.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/baseline.hpp"

namespace {

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "report_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

void check_message(const std::string& message) {
  // Field problems are one line starting with the file; only "cannot compare" lists reasons.
  if (message.rfind("cannot compare ", 0) == 0) return;
  check(message.rfind("fuzz.json: ", 0) == 0, "an error does not start with the file name");
  check(message.find('\n') == std::string::npos, "an error spans several lines");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json document;
  try {
    document = conveq::parse_json(text, "fuzz.json");
  } catch (const conveq::InputError& error) {
    check_message(error.what());
    return 0;
  }
  if (!document.is_object()) return 0;  // read_report_file refuses it before any reader

  const conveq::ReportView report(document, "fuzz.json");
  try {
    const bool suite = document.contains("problems");
    const std::string shown =
        suite ? conveq::format_suite_text(report, true) : conveq::format_text(report);
    check(!shown.empty(), "show printed nothing");
  } catch (const conveq::InputError& error) {
    check_message(error.what());
  }
  try {
    const std::string page = conveq::format_html(report);
    check(page.rfind("<!DOCTYPE html>", 0) == 0, "the HTML page does not start as one");
    // Only the suite page's own sorting script: nothing from the report becomes markup.
    check(page.find("<script") == page.rfind("<script"), "a second script in the page");
  } catch (const conveq::InputError& error) {
    check_message(error.what());
  }
  try {
    const conveq::CheckResult result =
        conveq::check_against_baseline(document, document, {}, "fuzz.json", "fuzz.json");
    check(result.count(conveq::Change::regression) == 0, "a report regressed against itself");
    check(result.count(conveq::Change::mistrusted) == 0, "a report is newly mistrusted");
  } catch (const conveq::InputError& error) {
    check_message(error.what());
  }
  return 0;
}
