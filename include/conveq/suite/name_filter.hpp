#pragma once
// `--filter`: which problem names a run selects. A linear-time regular-expression matcher for
// the part of ECMAScript that names need (std::regex backtracks: `(a+)+$` takes exponential
// time, and its recursion overflows the stack on long names).
//
// Supported: literals; `.` (any character but \n and \r); classes `[a-z0-9_]`, `[^...]`,
// `[]` (nothing), `[^]` (anything); the escapes \d \D \w \W \s \S, \t \n \r \f \v, \b and \B
// (word boundaries), and any escaped punctuation (`\.`, `\+`, `\(`, ...); `* + ?` and
// `{m}`, `{m,}`, `{m,n}` (counts up to 1000), each optionally lazy (`*?`, which matches the
// same names); `|`; groups `( )` and `(?: )`; the anchors `^` and `$`. Searched anywhere in
// the name, as std::regex_search does, with the same answers.
//
// Refused with an InputError naming the pattern and the rule: backreferences, lookaround,
// named groups, \x \u \c escapes, POSIX classes ([:alpha:]), a quantifier with nothing to
// repeat or after another quantifier, a pattern longer than kMaxFilterLength characters, more
// than kMaxFilterNesting nested groups, or one that expands to more than kMaxFilterStates
// states. Matching takes time proportional to (states x name length) and memory proportional
// to the states, with no recursion.
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conveq {

inline constexpr size_t kMaxFilterLength = 4096;
inline constexpr int kMaxFilterNesting = 100;
inline constexpr size_t kMaxFilterStates = 20000;
inline constexpr int kMaxFilterRepeat = 1000;

class NameFilter {
 public:
  // Compiles `pattern`; throws InputError "--filter PATTERN: rule" when it is outside the
  // supported subset. An empty pattern matches every name.
  explicit NameFilter(std::string_view pattern);
  // Whether the pattern matches somewhere in `name`.
  bool matches(std::string_view name) const;

  enum class Op : uint8_t {
    byte,           // consume `byte`
    byte_set,       // consume a byte of sets_[set]
    split,          // continue at both `next` and `other`
    jump,           // continue at `next`
    match,          // the pattern matched
    at_begin,       // ^
    at_end,         // $
    word_boundary,  // \b
    not_word_boundary,
  };
  struct Instruction {
    Op op = Op::match;
    unsigned char byte = 0;
    uint32_t set = 0;
    uint32_t next = 0, other = 0;
  };

 private:
  std::vector<Instruction> program_;
  std::vector<std::bitset<256>> sets_;
};

}  // namespace conveq
