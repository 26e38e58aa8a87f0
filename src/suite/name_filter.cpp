// A Thompson NFA simulated as a Pike VM (Russ Cox, "Regular Expression Matching: the Virtual
// Machine Approach", 2009): the pattern becomes a small program, and matching runs every
// thread of it in lock step over the name, each state at most once per position. No
// backtracking, so no exponential time; no recursion over the name, so no stack overflow.
#include "conveq/suite/name_filter.hpp"

#include "conveq/core/error.hpp"
#include "conveq/core/visible_text.hpp"

namespace conveq {
namespace {

using Set = std::bitset<256>;
using Op = NameFilter::Op;
using Instruction = NameFilter::Instruction;

constexpr int kUnbounded = -1;

Set range(unsigned char first, unsigned char last) {
  Set set;
  for (unsigned c = first; c <= last; ++c) set.set(c);
  return set;
}

Set digit_set() {
  return range('0', '9');
}
Set word_set() {
  return range('a', 'z') | range('A', 'Z') | range('0', '9') | range('_', '_');
}
Set space_set() {
  return range('\t', '\r') | range(' ', ' ');
}  // \t \n \v \f \r and space

bool is_alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_word_byte(char c) {
  return is_alphanumeric(c) || c == '_';
}

// The parsed pattern, as a tree in one vector.
struct Node {
  enum class Kind { empty, byte, set, assertion, concat, alternate, repeat };
  Kind kind = Kind::empty;
  unsigned char byte = 0;
  uint32_t set = 0;
  Op assertion = Op::at_begin;
  int min = 0, max = 0;  // repeat: max is kUnbounded for * and +
  std::vector<size_t> children;
};

class Parser {
 public:
  Parser(std::string_view pattern, std::vector<Set>& sets) : text_(pattern), sets_(sets) {}

  // The tree's nodes; returns the root's index.
  size_t parse() {
    const size_t root = alternation(0);
    if (pos_ < text_.size()) fail(at("')'") + " has no matching '('");
    return root;
  }
  const std::vector<Node>& nodes() const { return nodes_; }

  [[noreturn]] void fail(const std::string& rule) const {
    // The rule may quote part of the pattern: shown escaped too, so the message is one line.
    throw InputError("--filter " + visible_text(text_) + ": " + visible_text(rule));
  }

 private:
  std::string_view text_;
  std::vector<Set>& sets_;
  std::vector<Node> nodes_;
  size_t pos_ = 0;

  std::string at(const std::string& what, size_t position) const {
    return what + " at character " + std::to_string(position + 1);
  }
  std::string at(const std::string& what) const { return at(what, pos_); }
  bool next_is(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  size_t add(Node node) {
    nodes_.push_back(std::move(node));
    return nodes_.size() - 1;
  }
  size_t add_set(const Set& set) {
    sets_.push_back(set);
    Node node;
    node.kind = Node::Kind::set;
    node.set = static_cast<uint32_t>(sets_.size() - 1);
    return add(std::move(node));
  }
  size_t add_byte(unsigned char byte) {
    Node node;
    node.kind = Node::Kind::byte;
    node.byte = byte;
    return add(std::move(node));
  }
  size_t add_assertion(Op op) {
    Node node;
    node.kind = Node::Kind::assertion;
    node.assertion = op;
    return add(std::move(node));
  }

  size_t alternation(int depth) {
    if (depth > kMaxFilterNesting) {
      fail(at("'('", pos_ - 1) + ": more than " + std::to_string(kMaxFilterNesting) +
           " nested groups");
    }
    Node node;
    node.kind = Node::Kind::alternate;
    node.children.push_back(concatenation(depth));
    while (next_is('|')) {
      ++pos_;
      node.children.push_back(concatenation(depth));
    }
    return node.children.size() == 1 ? node.children[0] : add(std::move(node));
  }

  size_t concatenation(int depth) {
    Node node;
    node.kind = Node::Kind::concat;
    while (pos_ < text_.size() && text_[pos_] != '|' && text_[pos_] != ')') {
      node.children.push_back(repetition(depth));
    }
    return add(std::move(node));
  }

  // {m}, {m,} or {m,n} at pos_: true and the counts, or false (pos_ unchanged).
  bool braces(int& min, int& max) {
    size_t p = pos_ + 1;
    auto number = [&](int& value) {
      const size_t start = p;
      long long n = 0;
      while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9') {
        n = std::min<long long>(n * 10 + (text_[p++] - '0'), 1LL << 40);
      }
      if (p == start) return false;
      if (n > kMaxFilterRepeat) {
        fail(at("repeat count " + std::string(text_.substr(start, p - start)), start) +
             " is above " + std::to_string(kMaxFilterRepeat));
      }
      value = static_cast<int>(n);
      return true;
    };
    if (!number(min)) return false;
    max = min;
    if (p < text_.size() && text_[p] == ',') {
      ++p;
      max = kUnbounded;
      if (p < text_.size() && text_[p] != '}' && !number(max)) return false;
    }
    if (p >= text_.size() || text_[p] != '}') return false;
    if (max != kUnbounded && max < min) fail(at("'{'") + ": {m,n} needs m <= n");
    pos_ = p + 1;
    return true;
  }

  // A quantifier at pos_ (consumed, with a lazy '?'): true and its counts.
  bool quantifier(int& min, int& max) {
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c == '*' || c == '+' || c == '?') {
      min = c == '+' ? 1 : 0;
      max = c == '?' ? 1 : kUnbounded;
      ++pos_;
    } else if (c != '{' || !braces(min, max)) {
      return false;
    }
    if (next_is('?')) ++pos_;  // lazy: the same names match
    return true;
  }

  size_t repetition(int depth) {
    const size_t atom_start = pos_;
    const size_t atom = this->atom(depth);
    const size_t quantifier_start = pos_;
    int min = 0, max = 0;
    if (!quantifier(min, max)) return atom;
    if (nodes_[atom].kind == Node::Kind::assertion) {
      fail(at("quantifier", quantifier_start) + " follows " +
           std::string(text_.substr(atom_start, quantifier_start - atom_start)) +
           ", which matches no character: nothing to repeat");
    }
    const size_t second = pos_;
    int ignored_min = 0, ignored_max = 0;
    if (quantifier(ignored_min, ignored_max)) {
      fail(at("quantifier", second) + " follows another quantifier; group the first, e.g. (a+)*");
    }
    Node node;
    node.kind = Node::Kind::repeat;
    node.min = min;
    node.max = max;
    node.children.push_back(atom);
    return add(std::move(node));
  }

  size_t atom(int depth) {
    const char c = text_[pos_];
    switch (c) {
      case '(':
        return group(depth);
      case '[':
        return character_class();
      case '\\':
        return escape();
      case '.':
        ++pos_;
        return add_set(~(range('\n', '\n') | range('\r', '\r')));
      case '^':
        ++pos_;
        return add_assertion(Op::at_begin);
      case '$':
        ++pos_;
        return add_assertion(Op::at_end);
      case '*':
      case '+':
      case '?':
        fail(at(std::string("'") + c + "'") + " has nothing to repeat");
      case '{': {
        int min = 0, max = 0;
        if (braces(min, max)) fail(at("'{'") + " has nothing to repeat");
        fail(at("'{'") + " does not start {m}, {m,} or {m,n}; write \\{ for a literal brace");
      }
      default:
        ++pos_;
        return add_byte(static_cast<unsigned char>(c));
    }
  }

  size_t group(int depth) {
    const size_t open = pos_++;
    if (next_is('?')) {
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == ':') {
        pos_ += 2;
      } else {
        fail(at("'(?'", open) +
             ": only (?: ) groups are supported, not lookaround (?= (?! (?<= (?<! or named "
             "groups");
      }
    }
    const size_t inner = alternation(depth + 1);
    if (!next_is(')')) fail(at("'('", open) + " has no matching ')'");
    ++pos_;
    return inner;
  }

  // \d \D \w \W \s \S as a set; true when `e` is one of them.
  static bool class_escape(char e, Set& set) {
    switch (e) {
      case 'd':
      case 'D':
        set = digit_set();
        break;
      case 'w':
      case 'W':
        set = word_set();
        break;
      case 's':
      case 'S':
        set = space_set();
        break;
      default:
        return false;
    }
    if (e == 'D' || e == 'W' || e == 'S') set.flip();
    return true;
  }

  // \t \n \r \f \v, escaped punctuation, and (in a class) \b, as one byte. pos_ is past `e`.
  unsigned char byte_escape(char e, bool in_class) const {
    const size_t where = pos_ - 2;
    switch (e) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'b':
        if (in_class) return '\b';
        break;
      default:
        if (!is_alphanumeric(e)) return static_cast<unsigned char>(e);
    }
    if (e >= '1' && e <= '9') {
      fail(at(std::string("\\") + e, where) + ": backreferences are not supported");
    }
    fail(at(std::string("\\") + e, where) +
         " is not a supported escape (use \\d \\D \\w \\W \\s \\S \\b \\B \\t \\n \\r \\f \\v, or "
         "\\ before punctuation such as \\. or \\+)");
  }

  size_t escape() {
    if (pos_ + 1 >= text_.size()) fail(at("'\\'") + " at the end of the pattern escapes nothing");
    const char e = text_[pos_ + 1];
    pos_ += 2;
    Set set;
    if (class_escape(e, set)) return add_set(set);
    if (e == 'b') return add_assertion(Op::word_boundary);
    if (e == 'B') return add_assertion(Op::not_word_boundary);
    return add_byte(byte_escape(e, false));
  }

  // One member of a class at pos_: a byte, or (returns false) a class escape in `set`.
  bool class_member(unsigned char& byte, Set& set) {
    if (text_[pos_] != '\\') {
      byte = static_cast<unsigned char>(text_[pos_++]);
      return true;
    }
    if (pos_ + 1 >= text_.size()) fail(at("'\\'") + " at the end of the pattern escapes nothing");
    const char e = text_[pos_ + 1];
    pos_ += 2;
    if (class_escape(e, set)) return false;
    byte = byte_escape(e, true);
    return true;
  }

  size_t character_class() {
    const size_t open = pos_++;
    const bool negated = next_is('^');
    if (negated) ++pos_;
    Set members;
    for (;;) {
      if (pos_ >= text_.size()) fail(at("'['", open) + " has no matching ']'");
      if (text_[pos_] == ']') break;
      if (text_[pos_] == '[' && pos_ + 1 < text_.size() &&
          (text_[pos_ + 1] == ':' || text_[pos_ + 1] == '.' || text_[pos_ + 1] == '=')) {
        fail(at(std::string(text_.substr(pos_, 2))) +
             ": POSIX classes such as [:alpha:] are not supported; write [a-zA-Z] or \\w");
      }
      const size_t member_start = pos_;
      unsigned char low = 0;
      Set set;
      const bool low_is_byte = class_member(low, set);
      const bool is_range = next_is('-') && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']';
      if (!is_range) {
        members |= low_is_byte ? range(low, low) : set;
        continue;
      }
      ++pos_;
      unsigned char high = 0;
      const bool high_is_byte = class_member(high, set);
      const std::string written(text_.substr(member_start, pos_ - member_start));
      if (!low_is_byte || !high_is_byte) {
        fail(at("range " + written, member_start) +
             ": a range cannot start or end with \\d, \\w "
             "or \\s");
      }
      if (low > high) fail(at("range " + written, member_start) + " is out of order");
      members |= range(low, high);
    }
    ++pos_;
    return add_set(negated ? ~members : members);
  }
};

// Turns the tree into a program; a repeated part is compiled once and copied.
class Compiler {
 public:
  Compiler(const std::vector<Node>& nodes, std::vector<Instruction>& program, const Parser& parser)
      : nodes_(nodes), program_(program), parser_(parser) {}

  void compile(size_t index) {
    const Node& node = nodes_[index];
    switch (node.kind) {
      case Node::Kind::empty:
        return;
      case Node::Kind::byte:
        emit({Op::byte, node.byte, 0, 0, 0});
        return;
      case Node::Kind::set:
        emit({Op::byte_set, 0, node.set, 0, 0});
        return;
      case Node::Kind::assertion:
        emit({node.assertion, 0, 0, 0, 0});
        return;
      case Node::Kind::concat:
        for (const size_t child : node.children) compile(child);
        return;
      case Node::Kind::alternate:
        return alternate(node);
      case Node::Kind::repeat:
        return repeat(node);
    }
  }

  size_t emit(Instruction instruction) {
    if (program_.size() >= kMaxFilterStates) {
      parser_.fail("expands to more than " + std::to_string(kMaxFilterStates) +
                   " states (large {m,n} counts or a very long pattern)");
    }
    program_.push_back(instruction);
    return program_.size() - 1;
  }

 private:
  const std::vector<Node>& nodes_;
  std::vector<Instruction>& program_;
  const Parser& parser_;

  uint32_t here() const { return static_cast<uint32_t>(program_.size()); }

  void alternate(const Node& node) {
    std::vector<size_t> jumps_to_end;
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (i + 1 == node.children.size()) {
        compile(node.children[i]);
        break;
      }
      const size_t split = emit({Op::split, 0, 0, here() + 1, 0});
      compile(node.children[i]);
      jumps_to_end.push_back(emit({Op::jump, 0, 0, 0, 0}));
      program_[split].other = here();
    }
    for (const size_t jump : jumps_to_end) program_[jump].next = here();
  }

  // Appends `block` (targets relative to its start; block.size() is "after it").
  void append(const std::vector<Instruction>& block) {
    const uint32_t offset = here();
    for (Instruction instruction : block) {
      instruction.next += offset;
      instruction.other += offset;
      emit(instruction);
    }
  }

  void repeat(const Node& node) {
    const uint32_t start = here();
    compile(node.children[0]);
    std::vector<Instruction> block(program_.begin() + start, program_.end());
    program_.resize(start);
    for (Instruction& instruction : block) {
      instruction.next -= start;
      instruction.other -= start;
    }
    if (block.empty()) return;  // repeating nothing matches nothing more
    uint32_t last_copy = start;
    for (int i = 0; i < node.min; ++i) {
      last_copy = here();
      append(block);
    }
    if (node.max == kUnbounded && node.min > 0) {  // one or more: loop back over the last copy
      emit({Op::split, 0, 0, last_copy, here() + 1});
    } else if (node.max == kUnbounded) {  // zero or more
      const size_t split = emit({Op::split, 0, 0, here() + 1, 0});
      append(block);
      emit({Op::jump, 0, 0, static_cast<uint32_t>(split), 0});
      program_[split].other = here();
    } else {  // up to max - min optional copies
      std::vector<size_t> splits;
      for (int i = node.min; i < node.max; ++i) {
        splits.push_back(emit({Op::split, 0, 0, here() + 1, 0}));
        append(block);
      }
      for (const size_t split : splits) program_[split].other = here();
    }
  }
};

// Runs a program over a name: every live thread advances one byte at a time, and a state
// enters a position's list at most once, so the work is at most (states x (name length + 1)).
class PikeVm {
 public:
  PikeVm(const std::vector<Instruction>& program, const std::vector<Set>& sets,
         std::string_view name)
      : program_(program), sets_(sets), name_(name), marked_(program.size(), 0) {
    current_.reserve(program.size());
    next_.reserve(program.size());
  }

  bool search() {
    for (size_t position = 0;; ++position) {
      generation_ = position + 1;          // the list for `position`
      add_closure(0, position, current_);  // a match may start at any position
      if (matched_) return true;
      if (position == name_.size()) return false;
      const auto byte = static_cast<unsigned char>(name_[position]);
      generation_ = position + 2;  // the list for position + 1
      next_.clear();
      for (const uint32_t pc : current_) {
        const Instruction& in = program_[pc];
        const bool accepts = in.op == Op::byte ? in.byte == byte : sets_[in.set].test(byte);
        if (accepts) add_closure(pc + 1, position + 1, next_);
        if (matched_) return true;
      }
      std::swap(current_, next_);
    }
  }

 private:
  const std::vector<Instruction>& program_;
  const std::vector<Set>& sets_;
  std::string_view name_;
  std::vector<uint32_t> current_, next_, stack_;
  // marked_[pc] == generation_: pc is already in the list being built.
  std::vector<size_t> marked_;
  size_t generation_ = 0;
  bool matched_ = false;

  bool holds(Op assertion, size_t position) const {
    const bool word_before = position > 0 && is_word_byte(name_[position - 1]);
    const bool word_after = position < name_.size() && is_word_byte(name_[position]);
    switch (assertion) {
      case Op::at_begin:
        return position == 0;
      case Op::at_end:
        return position == name_.size();
      case Op::word_boundary:
        return word_before != word_after;
      default:  // Op::not_word_boundary
        return word_before == word_after;
    }
  }

  // Adds `start` and every state reachable from it without consuming a byte at `position`;
  // an explicit stack, so no recursion.
  void add_closure(uint32_t start, size_t position, std::vector<uint32_t>& list) {
    stack_.push_back(start);
    while (!stack_.empty()) {
      const uint32_t pc = stack_.back();
      stack_.pop_back();
      if (marked_[pc] == generation_) continue;
      marked_[pc] = generation_;
      const Instruction& in = program_[pc];
      switch (in.op) {
        case Op::byte:
        case Op::byte_set:
          list.push_back(pc);
          break;
        case Op::match:
          matched_ = true;
          break;
        case Op::jump:
          stack_.push_back(in.next);
          break;
        case Op::split:
          stack_.push_back(in.other);
          stack_.push_back(in.next);
          break;
        default:  // an assertion
          if (holds(in.op, position)) stack_.push_back(pc + 1);
      }
    }
  }
};

}  // namespace

NameFilter::NameFilter(std::string_view pattern) {
  if (pattern.size() > kMaxFilterLength) {
    throw InputError("--filter " + visible_text(pattern.substr(0, 40)) +
                     "...: " + std::to_string(pattern.size()) + " characters is longer than the " +
                     std::to_string(kMaxFilterLength) + " a filter may have");
  }
  Parser parser(pattern, sets_);
  const size_t root = parser.parse();
  Compiler compiler(parser.nodes(), program_, parser);
  compiler.compile(root);
  compiler.emit({Op::match, 0, 0, 0, 0});
}

bool NameFilter::matches(std::string_view name) const {
  return PikeVm(program_, sets_, name).search();
}

}  // namespace conveq
