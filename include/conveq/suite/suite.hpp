#pragma once
// A suite: a text file with one problem per line, written as the options of `conveq compare`.
//
//   # a comment; blank lines are ignored
//   resnet50_layer1_conv1: --in 256 --out 64 --height 56 --width 56   # optional "name:" prefix
//   --in 64 --out 128 --length 1000                                    # unnamed: see SuiteLine
//
// This file only splits lines into names and option text, and selects lines (--filter,
// --shard); turning the option text into a Problem is the CLI's job (it owns the options).
//
// Limits, so that no file can make reading slow or large: a suite file holds at most
// kMaxSuiteBytes, a line at most kMaxSuiteLineLength characters (comment included) and
// kMaxSuiteLineWords words, and no control character but the tab (and the \r of CRLF files).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conveq {

inline constexpr size_t kMaxSuiteBytes = 16 << 20;
inline constexpr size_t kMaxSuiteLineLength = 4096;
inline constexpr size_t kMaxSuiteLineWords = 256;

struct SuiteLine {
  int line = 0;         // 1-based line number in the file
  std::string name;     // the "name:" prefix, or the option text itself when there is none
  std::string options;  // the options, comment stripped and whitespace collapsed
};

struct Suite {
  std::string file;  // as given; starts every error message
  std::vector<SuiteLine> lines;
  std::string sha256;  // of the file's bytes (read_suite)
};

// Splits a suite's text into lines. Throws InputError "FILE:LINE: message" for a malformed
// name, a name used twice (names are how `conveq check` matches problems), or a line beyond
// the limits above; one line per malformed line, the first 20 of them.
Suite parse_suite(std::string_view text, const std::string& file);
// Reads and parses a suite file; throws InputError naming the file when it cannot be read, is
// a directory or holds more than kMaxSuiteBytes (checked while reading: /dev/zero is fine).
Suite read_suite(const std::string& path);

// --shard I/N, 1-based: shard I of N holds the selected lines whose 0-based position k in
// the selection satisfies k mod N == I - 1. The N shards partition the selection.
struct Shard {
  int64_t index = 1;
  int64_t count = 1;
};
Shard parse_shard(const std::string& text);  // "I/N" with 1 <= I <= N; throws InputError

// Positions in suite.lines of the lines to run, in file order: those whose name matches
// `filter` (a NameFilter: a linear-time subset of ECMAScript regular expressions, searched
// anywhere in the name; empty matches everything), then this shard's share of them. Throws
// InputError for a pattern outside the subset or a filter that matches nothing.
std::vector<size_t> select_lines(const Suite& suite, const std::string& filter, const Shard& shard);

}  // namespace conveq
