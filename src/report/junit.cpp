#include "conveq/report/junit.hpp"

#include <cstdio>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/report/suite_report_file.hpp"

namespace conveq {
namespace {

// The length of the well-formed UTF-8 sequence at text[i] that XML 1.0 allows (no
// surrogates, no U+FFFE/U+FFFF), or 0.
size_t utf8_length(std::string_view text, size_t i) {
  const auto byte = [&text](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || i + length > text.size()) return 0;
  uint32_t code = lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  const bool valid = code >= smallest[length] && code <= 0x10ffff &&
                     !(code >= 0xd800 && code <= 0xdfff) && code != 0xfffe && code != 0xffff;
  return valid ? length : 0;
}

std::string hex_byte(unsigned char byte) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "\\x%02x", byte);
  return hex;
}

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

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      const size_t length = utf8_length(text, i);
      out += length == 0 ? hex_byte(byte) : std::string(text.substr(i, length));
      i += length == 0 ? 1 : length;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      // In an attribute, as character references: a parser turns a literal tab or newline
      // there into a space. A carriage return is always one (parsers drop a literal one).
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += byte < 0x20 ? hex_byte(byte) : std::string(1, c);
    }
    ++i;
  }
  return out;
}

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
