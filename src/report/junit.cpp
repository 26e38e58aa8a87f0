#include "conveq/report/junit.hpp"

#include <cstdio>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/report/markup.hpp"
#include "conveq/report/suite_report_file.hpp"

namespace conveq {
namespace {

std::string attribute(const char* name, std::string_view value) {
  return std::string(" ") + name + "=\"" + xml_escape(value) + "\"";
}

std::string seconds_text(double seconds) {
  return format_number(seconds >= 0 ? seconds : 0, "%.6f");
}

// The failed and mistrusted comparisons of a compare report, one line each.
std::string comparison_reasons(const ReportView& report) {
  std::string reasons;
  int listed = 0, more = 0;
  for (const auto& c : report["comparisons"].items()) {
    const std::string status = c["status"].string();
    if (status == "passed") continue;
    if (++listed > 20) {
      ++more;
      continue;
    }
    reasons += status + ": " + c["a"].string() + " vs " + c["b"].string() + ": " +
               c["reason"].string() + "\n";
  }
  if (more > 0) reasons += "... and " + std::to_string(more) + " more\n";
  return reasons;
}

}  // namespace

JunitWriter::JunitWriter(std::string name, std::string hostname, std::string timestamp)
    : name_(std::move(name)), hostname_(std::move(hostname)), timestamp_(std::move(timestamp)) {}

void JunitWriter::add(const JunitCase& c) {
  ++tests_;
  cases_ += "  <testcase" + attribute("name", c.name) + attribute("classname", c.classname) +
            attribute("time", seconds_text(c.seconds));
  if (c.status == "passed") {
    cases_ += "/>\n";
    return;
  }
  std::string element = "failure";
  if (c.status == "error") {
    element = "error";
    ++errors_;
  } else if (c.status == "skipped") {
    element = "skipped";
    ++skipped_;
  } else {
    ++failures_;
  }
  cases_ += ">\n    <" + element + attribute("message", c.message);
  if (element != "skipped") cases_ += attribute("type", c.status);
  cases_ +=
      c.details.empty() ? "/>\n" : ">" + xml_escape(c.details, false) + "</" + element + ">\n";
  cases_ += "  </testcase>\n";
}

std::string JunitWriter::finish(double seconds) const {
  std::string suite =
      "<testsuite" + attribute("name", name_) + attribute("tests", std::to_string(tests_)) +
      attribute("failures", std::to_string(failures_)) +
      attribute("errors", std::to_string(errors_)) +
      attribute("skipped", std::to_string(skipped_)) + attribute("time", seconds_text(seconds));
  if (!hostname_.empty()) suite += attribute("hostname", hostname_);
  if (!timestamp_.empty()) suite += attribute("timestamp", timestamp_);
  const std::string counts = attribute("tests", std::to_string(tests_)) +
                             attribute("failures", std::to_string(failures_)) +
                             attribute("errors", std::to_string(errors_));
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attribute("name", name_) +
         counts + attribute("time", seconds_text(seconds)) + ">\n" + suite + ">\n" + cases_ +
         "</testsuite>\n</testsuites>\n";
}

JunitCase junit_case(const ReportView& entry, const std::string& classname) {
  JunitCase c;
  c.name = entry["name"].string();
  c.classname = classname;
  c.status = entry["status"].string();
  if (c.status != "passed" && c.status != "failed" && c.status != "mistrusted" &&
      c.status != "error") {
    entry["status"].fail("\"" + c.status + "\" must be passed, failed, mistrusted or error");
  }
  c.seconds = entry["seconds"].number();
  const std::string repro = "repro: " + entry["repro"].string() + "\n";
  if (const auto error = entry.optional("error")) {
    c.message = error->string();
    c.details = repro;
  } else if (c.status != "passed") {
    const auto report = entry["report"];
    c.message = report["verdict"]["summary"].string();
    c.details = repro + comparison_reasons(report);
  }
  return c;
}

std::string format_junit(const SuiteReportFile& report) {
  const ReportView header = report.header();
  require_readable_schema(header);
  std::string date = header["host"]["date"].string();
  if (!date.empty() && date.back() == 'Z') date.pop_back();  // JUnit's timestamps are bare
  const std::string name = report.is_single() ? report.file() : header["suite"]["file"].string();
  JunitWriter writer(name, header["host"]["hostname"].string(), date);
  double seconds = 0;
  for (size_t i = 0; i < report.size(); ++i) {
    const JunitCase c = junit_case(report.problem(i).view(), name);
    seconds += c.seconds;
    writer.add(c);
  }
  if (!report.is_single() && report.complete()) seconds = header["suite"]["seconds"].number();
  return writer.finish(seconds);
}

}  // namespace conveq
