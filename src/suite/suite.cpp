#include "conveq/suite/suite.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "conveq/core/error.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {
namespace {

// Suites are small; a larger file is a mistake (e.g. a report passed as a suite).
constexpr std::streamsize kMaxSuiteBytes = 16 << 20;

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

// Names are matched across reports and typed on command lines: keep them to one token.
bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/' || c == '+';
}

}  // namespace

Suite parse_suite(std::string_view text, const std::string& file) {
  Suite suite;
  suite.file = file;
  std::map<std::string, int> first_line_of_name;
  std::string errors;  // every malformed line, not just the first
  auto fail = [&errors](const std::string& message) {
    errors += (errors.empty() ? "" : "\n") + message;
  };
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const std::string where = file + ":" + std::to_string(line_number) + ": ";
    raw = raw.substr(0, std::min(raw.find('#'), raw.size()));
    std::string body = collapse_whitespace(raw);
    if (body.empty()) continue;

    SuiteLine line;
    line.line = line_number;
    const size_t first_space = body.find(' ');
    const std::string first_token = body.substr(0, first_space);
    if (first_token.front() != '-' && first_token.back() == ':') {
      line.name = first_token.substr(0, first_token.size() - 1);
      line.options = first_space == std::string::npos ? "" : body.substr(first_space + 1);
      if (!std::all_of(line.name.begin(), line.name.end(), valid_name_char)) {
        fail(where + "name \"" + line.name + "\": must use only letters, digits and _ - . / +");
        continue;
      }
      if (line.name.empty()) {
        fail(where + "empty name before ':'");
        continue;
      }
      if (line.options.empty()) {
        fail(where + line.name + ": no options after the name");
        continue;
      }
    } else if (first_token.front() != '-') {
      fail(where + "\"" + first_token +
           "\": expected options (--in 64 ...) or a name ending in ':'");
      continue;
    } else {
      line.name = body;
      line.options = body;
    }
    const auto [previous, inserted] = first_line_of_name.emplace(line.name, line_number);
    if (!inserted) {
      fail(where + "name \"" + line.name + "\" already used on line " +
           std::to_string(previous->second) + "; names must be unique");
      continue;
    }
    suite.lines.push_back(std::move(line));
  }
  if (!errors.empty()) throw InputError(errors);
  if (suite.lines.empty())
    throw InputError(file + ": no problems (every line is blank or a comment)");
  return suite;
}

Suite read_suite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the suite file");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw InputError(path + ": cannot read the suite file");
  const std::string text = content.str();
  if (static_cast<std::streamsize>(text.size()) > kMaxSuiteBytes) {
    throw InputError(path + ": " + std::to_string(text.size()) +
                     " bytes is too large for a suite (at most 16 MiB)");
  }
  return parse_suite(text, path);
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
  std::regex pattern;
  try {
    pattern = std::regex(filter, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw InputError("--filter " + filter + ": not a valid regular expression (" + e.what() + ")");
  }
  std::vector<size_t> matching;
  for (size_t i = 0; i < suite.lines.size(); ++i) {
    if (filter.empty() || std::regex_search(suite.lines[i].name, pattern)) matching.push_back(i);
  }
  if (!filter.empty() && matching.empty()) {
    throw InputError("--filter " + filter + ": matches no problem name in " + suite.file);
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
