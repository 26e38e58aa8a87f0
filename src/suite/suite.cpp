#include "conveq/suite/suite.hpp"

#include <algorithm>
#include <map>

#include "conveq/core/error.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/io/bounded_read.hpp"
#include "conveq/io/sha256.hpp"
#include "conveq/suite/name_filter.hpp"

namespace conveq {
namespace {

constexpr size_t kMaxSuiteErrorsShown = 20;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Words separated by single spaces (tabs and \r count as spaces; other control characters are
// refused before this runs).
std::string collapse_whitespace(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.append(out.empty() ? "" : " ").append(text.substr(start, i - start));
  }
  return out;
}

// Names are matched across reports and typed on command lines: keep them to one token.
bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/' || c == '+';
}

// The rule a raw line breaks before anything parses it, or "". The length limit keeps every
// later step (comment, names, the option parser) cheap whatever the file holds.
std::string unparsable_line(std::string_view raw) {
  if (raw.size() > kMaxSuiteLineLength) {
    return std::to_string(raw.size()) + " characters: a suite line holds at most " +
           std::to_string(kMaxSuiteLineLength);
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      return "control character " + visible_text(raw.substr(i, 1)) + " at column " +
             std::to_string(i + 1) + ": a suite line holds printable text and tabs only";
    }
  }
  return "";
}

// One line into `line` (name and options); returns the rule it breaks, or "". A blank or
// comment line leaves line.options empty.
std::string parse_line(std::string_view raw, SuiteLine& line) {
  if (std::string rule = unparsable_line(raw); !rule.empty()) return rule;
  raw = raw.substr(0, std::min(raw.find('#'), raw.size()));
  std::string body = collapse_whitespace(raw);
  if (body.empty()) return "";
  const size_t words = static_cast<size_t>(std::count(body.begin(), body.end(), ' ')) + 1;
  if (words > kMaxSuiteLineWords) {
    return std::to_string(words) + " words: a suite line holds at most " +
           std::to_string(kMaxSuiteLineWords) + " (options and their values)";
  }
  const size_t first_space = body.find(' ');
  const std::string first_token = body.substr(0, first_space);
  if (first_token.front() == '-') {
    line.name = body;
    line.options = body;
    return "";
  }
  if (first_token.back() != ':') {
    return "\"" + first_token + "\": expected options (--in 64 ...) or a name ending in ':'";
  }
  line.name = first_token.substr(0, first_token.size() - 1);
  if (!std::all_of(line.name.begin(), line.name.end(), valid_name_char)) {
    return "name \"" + line.name + "\": must use only letters, digits and _ - . / +";
  }
  if (line.name.empty()) return "empty name before ':'";
  if (first_space == std::string::npos) return line.name + ": no options after the name";
  line.options = body.substr(first_space + 1);
  return "";
}

}  // namespace

Suite parse_suite(std::string_view text, const std::string& file) {
  Suite suite;
  suite.file = file;
  std::map<std::string, int> first_line_of_name;
  // Malformed lines, not just the first: the first few kept, all counted (a binary file may
  // have millions).
  std::vector<std::string> errors;
  size_t error_count = 0;
  auto fail = [&](std::string message) {
    if (++error_count <= kMaxSuiteErrorsShown) errors.push_back(std::move(message));
  };
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    SuiteLine line;
    line.line = ++line_number;
    const auto where = [&] { return file + ":" + std::to_string(line_number) + ": "; };
    if (std::string rule = parse_line(raw, line); !rule.empty()) {
      fail(where() + rule);
      continue;
    }
    if (line.options.empty()) continue;
    const auto [previous, inserted] = first_line_of_name.emplace(line.name, line_number);
    if (!inserted) {
      fail(where() + "name \"" + line.name + "\" already used on line " +
           std::to_string(previous->second) + "; names must be unique");
      continue;
    }
    suite.lines.push_back(std::move(line));
  }
  if (error_count > errors.size()) {
    errors.push_back(file + ": " + std::to_string(error_count - errors.size()) +
                     " more malformed lines not shown");
  }
  if (!errors.empty()) throw InputError(join(errors, "\n"));
  if (suite.lines.empty())
    throw InputError(file + ": no problems (every line is blank or a comment)");
  return suite;
}

Suite read_suite(const std::string& path) {
  const std::string text = read_bounded(path, kMaxSuiteBytes, "suite file");
  Suite suite = parse_suite(text, path);
  suite.sha256 = sha256_hex({reinterpret_cast<const unsigned char*>(text.data()), text.size()});
  return suite;
}

Shard parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    throw InputError("--shard " + text + ": must be I/N, e.g. 1/4 (1-based)");
  }
  Shard shard;
  shard.count = parse_integer("--shard " + text + ": N", text.substr(slash + 1), 1, 1000000);
  shard.index = parse_integer("--shard " + text + ": I", text.substr(0, slash), 1, 1000000);
  if (shard.index > shard.count) {
    throw InputError("--shard " + text + ": I must be between 1 and N (shards are 1-based)");
  }
  return shard;
}

std::vector<size_t> select_lines(const Suite& suite, const std::string& filter,
                                 const Shard& shard) {
  const NameFilter pattern(filter);
  std::vector<size_t> matching;
  for (size_t i = 0; i < suite.lines.size(); ++i) {
    if (pattern.matches(suite.lines[i].name)) matching.push_back(i);
  }
  if (!filter.empty() && matching.empty()) {
    throw InputError("--filter " + visible_text(filter) + ": matches no problem name in " +
                     suite.file);
  }
  std::vector<size_t> selected;
  for (size_t k = 0; k < matching.size(); ++k) {
    if (static_cast<int64_t>(k % static_cast<size_t>(shard.count)) == shard.index - 1) {
      selected.push_back(matching[k]);
    }
  }
  return selected;
}

}  // namespace conveq
