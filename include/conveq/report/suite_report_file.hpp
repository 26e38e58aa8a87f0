#pragma once
// A report read back one problem at a time (`check`, `show`, `merge`), from either form a
// suite report is written in:
//
//   JSON        one document (docs/report.md): read whole, at most kMaxJsonBytes
//   JSON Lines  a header line, one line per problem, a closing summary line (docs/report.md,
//               "JSON Lines"): read one line at a time, so its size is not limited by memory
//
// and from a single compare report, which reads as a suite of one problem named "report".
// The form is told by the content, not the name: a file whose first line is an object with
// "record": "header" is JSON Lines. A JSON Lines report must be a regular file (it is read
// twice: once to check every line and find where each problem starts, once to use them).
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conveq/report/report_view.hpp"

namespace conveq {

// At most this many problems in a JSON Lines report (24 bytes of index each).
inline constexpr size_t kMaxReportProblems = 1000000;

// One problem of a report, and what keeps it alive.
class ReportEntry {
 public:
  ReportEntry(std::shared_ptr<const nlohmann::json> owner, ReportView view)
      : owner_(std::move(owner)), view_(std::move(view)) {}
  const ReportView& view() const { return view_; }

 private:
  std::shared_ptr<const nlohmann::json> owner_;
  ReportView view_;
};

class SuiteReportFile {
 public:
  // Reads `path`. Throws InputError naming the file (and the line of a JSON Lines report) when
  // it is not a conveq report: unreadable, not JSON, a line that is not a record in its place.
  static SuiteReportFile read(const std::string& path);
  // A report already in memory (JSON form), named `name` in messages.
  static SuiteReportFile from_json(nlohmann::json document, const std::string& name);

  const std::string& file() const { return file_; }
  bool is_json_lines() const { return json_lines_; }
  // A single compare report (a suite of one problem named "report").
  bool is_single() const { return single_; }
  // False for a JSON Lines report without its summary line: a run that was stopped.
  bool complete() const { return complete_; }
  // schema_version, tool and host; `suite` too for a suite report (with suite.seconds when
  // complete). For a JSON report, the document itself.
  const ReportView& header() const { return *header_; }
  // The summary object; nullopt for a single report or an incomplete JSON Lines report.
  std::optional<ReportView> summary() const;

  size_t size() const;  // how many problems
  // Problem `index` (0-based, report order): a suite entry (name, line, options, repro,
  // status, seconds, report or error). For a single report, an entry made around it.
  ReportEntry problem(size_t index) const;

 private:
  struct Line {
    uint64_t offset = 0, length = 0;
    int64_t number = 0;  // 1-based line number
  };
  SuiteReportFile() = default;
  void index_json_lines();
  void adopt_summary();
  nlohmann::json read_line(const Line& line) const;

  std::string file_;
  bool json_lines_ = false, single_ = false, complete_ = true;
  std::shared_ptr<nlohmann::json> document_;  // JSON: the document; JSON Lines: the header
  std::shared_ptr<nlohmann::json> closing_;   // JSON Lines: the summary line
  std::optional<ReportView> header_;
  std::vector<Line> lines_;        // JSON Lines: where each problem's line is
  std::vector<ReportView> items_;  // JSON: the problems
};

}  // namespace conveq
