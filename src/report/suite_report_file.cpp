#include "conveq/report/suite_report_file.hpp"

#include <sys/stat.h>

#include <fstream>

#include "conveq/core/error.hpp"
#include "conveq/io/bounded_read.hpp"
#include "conveq/io/json_file.hpp"

namespace conveq {
namespace {

// Lines of a file, each at most kMaxJsonBytes, with where each starts. A last line without
// its newline is returned too (`terminated` false): the line a stopped run was writing.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw InputError(path + ": cannot open the report");
  }
  bool next(std::string& line, uint64_t& offset, bool& terminated) {
    line.clear();
    offset = offset_;
    for (;;) {
      if (position_ == buffer_.size() && !refill()) {
        terminated = false;
        return !line.empty();
      }
      const size_t newline = buffer_.find('\n', position_);
      const size_t end = newline == std::string::npos ? buffer_.size() : newline;
      line.append(buffer_, position_, end - position_);
      offset_ += end - position_;
      position_ = end;
      if (line.size() > kMaxJsonBytes) {
        throw InputError(path_ + ": a line longer than " + byte_limit_text(kMaxJsonBytes) +
                         ", the limit for one record of a JSON Lines report");
      }
      if (newline != std::string::npos) {
        ++position_;
        ++offset_;
        terminated = true;
        return true;
      }
    }
  }

 private:
  bool refill() {
    buffer_.resize(1 << 16);
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.resize(static_cast<size_t>(in_.gcount()));
    position_ = 0;
    if (in_.bad()) throw InputError(path_ + ": cannot read the report");
    return !buffer_.empty();
  }
  std::string path_;
  std::ifstream in_;
  std::string buffer_;
  size_t position_ = 0;
  uint64_t offset_ = 0;
};

bool is_regular_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The record kind of a JSON Lines line: "header", "problem" or "summary"; "" when the line
// is not an object with a string "record".
std::string record_of(const nlohmann::json& line) {
  if (!line.is_object()) return "";
  const auto record = line.find("record");
  return record != line.end() && record->is_string() ? record->get<std::string>() : "";
}

// The first line parsed, when it is a JSON Lines header; otherwise nullopt.
std::optional<nlohmann::json> json_lines_header(const std::string& path, std::string& first) {
  if (!is_regular_file(path)) return std::nullopt;
  LineReader reader(path);
  uint64_t offset = 0;
  bool terminated = false;
  try {
    if (!reader.next(first, offset, terminated) || first.rfind("{", 0) != 0) return std::nullopt;
    nlohmann::json header = parse_json(first, path);
    if (record_of(header) == "header") return header;
  } catch (const InputError&) {  // a pretty-printed or too long document: not JSON Lines
  }
  return std::nullopt;
}

}  // namespace

SuiteReportFile SuiteReportFile::read(const std::string& path) {
  std::string first;
  if (auto header = json_lines_header(path, first)) {
    SuiteReportFile report;
    report.file_ = path;
    report.json_lines_ = true;
    report.document_ = std::make_shared<nlohmann::json>(std::move(*header));
    report.index_json_lines();
    return report;
  }
  return from_json(read_report_file(path), path);
}

SuiteReportFile SuiteReportFile::from_json(nlohmann::json document, const std::string& name) {
  SuiteReportFile report;
  report.file_ = name;
  report.document_ = std::make_shared<nlohmann::json>(std::move(document));
  report.header_.emplace(*report.document_, name);
  report.single_ = !report.document_->contains("problems");
  if (!report.single_) report.items_ = (*report.header_)["problems"].items();
  return report;
}

void SuiteReportFile::index_json_lines() {
  header_.emplace(*document_, file_ + ":1");
  LineReader reader(file_);
  std::string text;
  uint64_t offset = 0;
  bool terminated = false;
  reader.next(text, offset, terminated);  // the header, already read
  complete_ = false;
  for (int64_t number = 2; reader.next(text, offset, terminated); ++number) {
    const std::string where = file_ + ":" + std::to_string(number);
    if (complete_) throw InputError(where + ": a line after the summary line");
    nlohmann::json line;
    try {
      line = parse_json(text, where);
    } catch (const InputError&) {
      if (!terminated) return;  // the half-written last line of a stopped run
      throw;
    }
    const std::string record = record_of(line);
    if (record == "summary") {
      closing_ = std::make_shared<nlohmann::json>(std::move(line));
      complete_ = true;
    } else if (record == "problem") {
      if (lines_.size() == kMaxReportProblems) {
        throw InputError(where + ": more than " + std::to_string(kMaxReportProblems) +
                         " problems, the limit for a report");
      }
      lines_.push_back({offset, text.size(), number});
    } else {
      throw InputError(where +
                       ": not a record of a conveq JSON Lines report (expected an "
                       "object with \"record\": \"problem\" or \"summary\")");
    }
  }
  if (complete_) adopt_summary();
}

// The closing line's seconds and summary, read into the header, so that header() and
// summary() read as a JSON report's.
void SuiteReportFile::adopt_summary() {
  const ReportView closing(*closing_, file_ + ":" + std::to_string(lines_.size() + 2));
  const double seconds = closing["seconds"].number();
  (*document_)["summary"] = closing["summary"].json();
  const ReportView header = *header_;
  if (header["suite"].json().is_object()) (*document_)["suite"]["seconds"] = seconds;
}

std::optional<ReportView> SuiteReportFile::summary() const {
  if (single_ || !complete_) return std::nullopt;
  return (*header_)["summary"];
}

size_t SuiteReportFile::size() const {
  if (single_) return 1;
  return json_lines_ ? lines_.size() : items_.size();
}

nlohmann::json SuiteReportFile::read_line(const Line& line) const {
  std::ifstream in(file_, std::ios::binary);
  std::string text(line.length, '\0');
  in.seekg(static_cast<std::streamoff>(line.offset));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  const std::string where = file_ + ":" + std::to_string(line.number);
  if (!in || static_cast<uint64_t>(in.gcount()) != line.length) {
    throw InputError(where + ": cannot read the line again (did the file change?)");
  }
  return parse_json(text, where);
}

ReportEntry SuiteReportFile::problem(size_t index) const {
  if (single_) {
    const ReportView report = *header_;
    auto entry = std::make_shared<nlohmann::json>(
        nlohmann::json{{"name", "report"},
                       {"line", 0},
                       {"options", ""},
                       {"repro", report["repro"].string()},
                       {"status", report["verdict"]["status"].string()},
                       {"seconds", 0},
                       {"report", *document_}});
    return {entry, ReportView(*entry, file_)};
  }
  if (!json_lines_) return {document_, items_.at(index)};
  const Line& line = lines_.at(index);
  auto entry = std::make_shared<nlohmann::json>(read_line(line));
  if (entry->is_object()) entry->erase("record");  // an entry like a JSON report's
  return {entry, ReportView(*entry, file_ + ":" + std::to_string(line.number))};
}

}  // namespace conveq
