// --filter's matcher: the same answers as std::regex_search on the ECMAScript subset it
// supports, a clear refusal outside it, and no runaway or crash on long names.
#include "conveq/suite/name_filter.hpp"
#include "input_error.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <regex>

#include "conveq/suite/suite.hpp"

namespace {

bool filter_matches(const std::string& pattern, const std::string& name) {
  return conveq::NameFilter(pattern).matches(name);
}

bool regex_matches(const std::string& pattern, const std::string& name) {
  return std::regex_search(name, std::regex(pattern, std::regex::ECMAScript));
}

struct Case {
  const char* pattern;
  const char* name;
  bool matches;
};

// Expected answers written out; each is also checked against std::regex below.
const Case kCases[] = {
    {"", "anything", true},
    {"", "", true},
    {"conv", "resnet_conv1", true},
    {"^conv", "resnet_conv1", false},
    {"^resnet", "resnet_conv1", true},
    {"conv1$", "resnet_conv1", true},
    {"conv$", "resnet_conv1", false},
    {"^$", "", true},
    {"^$", "a", false},
    {"r.s", "resnet", true},
    {"r.s", "rs", false},
    {"a\\.b", "a.b", true},
    {"a\\.b", "axb", false},
    {"a.b", "axb", true},
    {"[0-9]+x", "conv12x", true},
    {"[0-9]+x", "convx", false},
    {"[^a-z]", "abc", false},
    {"[^a-z]", "abC", true},
    {"[a-]", "-", true},
    {"[-a]", "x-", true},
    {"[\\]]", "]", true},
    {"[.]", "a", false},
    {"[]", "abc", false},
    {"[^]", "a", true},
    {"[^]", "", false},
    {"\\d\\d", "conv12", true},
    {"\\d\\d", "conv1x2", false},
    {"\\D", "123", false},
    {"\\w+", "_", true},
    {"\\W", "a_b", false},
    {"\\W", "a-b", true},
    {"\\s", "a b", true},
    {"\\S", "   ", false},
    {"[\\d_]+$", "x_12", true},
    {"a*", "", true},
    {"ba*c", "bc", true},
    {"ba+c", "bc", false},
    {"ba?c", "baac", false},
    {"ba{2}c", "baac", true},
    {"ba{2}c", "bac", false},
    {"ba{2,}c", "baaaac", true},
    {"ba{2,3}c", "baaaac", false},
    {"ba{0,1}c", "bc", true},
    {"ba*?c", "baac", true},
    {"ba+?c", "bc", false},
    {"^(resnet|mobilenet)_", "mobilenet_dw", true},
    {"^(resnet|mobilenet)_", "convnext_dw", false},
    {"(?:ab)+$", "xabab", true},
    {"(?:ab)+$", "xaba", false},
    {"a|", "zzz", true},
    {"|", "", true},
    {"()", "x", true},
    {"(a|b)*c", "ababc", true},
    {"(a*)*b", "aaab", true},
    {"(a*)*b", "aaa", false},
    {"(a|ab)(c|bcd)(d*)", "abcd", true},
    {"\\bconv", "resnet_conv", false},
    {"\\bconv", "resnet-conv", true},
    {"conv\\B", "conv1", true},
    {"conv\\B", "conv", false},
    {"a$b", "ab", false},
    {"x(^a)", "xa", false},
    {"}", "a}", true},
    {"]", "]", true},
    {"\\-", "a-b", true},
    {"\\/", "a/b", true},
    {"a\\+b", "a+b", true},
    {"(a+)+$", "aaaaaaaaaab", false},  // std::regex takes seconds from 20 a's on
    {"(a+)+$", "aaaaaaaaaa", true},
    {"[a-c][x-z]", "by", true},
    {"[a-c][x-z]", "yb", false},
    {".", "\n", false},
    {"\\n", "a\nb", true},
};

}  // namespace

TEST_CASE("name filter: a table of patterns agrees with std::regex", "[name_filter]") {
  for (const auto& c : kCases) {
    INFO("pattern '" << c.pattern << "', name '" << c.name << "'");
    CHECK(filter_matches(c.pattern, c.name) == c.matches);
    CHECK(regex_matches(c.pattern, c.name) == c.matches);
  }
}

namespace {

// A random pattern of the supported subset that std::regex reads the same way.
std::string random_pattern(std::mt19937& random, int depth) {
  static const std::vector<std::string> atoms = {"a",    "b",      "c",   "_",   "\\.", ".", "[ab]",
                                                 "[^a]", "[a-c_]", "\\d", "\\w", "\\W", "1", "-"};
  static const std::vector<std::string> quantifiers = {"",  "",    "",      "*",    "+",
                                                       "?", "{2}", "{1,2}", "{0,}", "*?"};
  std::uniform_int_distribution<size_t> pick(0, 99);
  std::string pattern;
  const size_t pieces = 1 + pick(random) % 4;
  for (size_t i = 0; i < pieces; ++i) {
    const size_t roll = pick(random);
    if (roll < 8) {
      pattern += roll < 4 ? "^" : roll < 6 ? "$" : "\\b";
      continue;
    }
    std::string atom = atoms[pick(random) % atoms.size()];
    if (depth < 2 && roll < 30) {
      atom = "(" + random_pattern(random, depth + 1) + ")";
    }
    pattern += atom + quantifiers[pick(random) % quantifiers.size()];
  }
  if (depth < 2 && pick(random) < 20) pattern += "|" + random_pattern(random, depth + 1);
  return pattern;
}

std::string random_name(std::mt19937& random) {
  const std::string alphabet = "abc_.1-";
  std::uniform_int_distribution<size_t> length(0, 6), letter(0, alphabet.size() - 1);
  std::string name(length(random), ' ');
  for (char& c : name) c = alphabet[letter(random)];
  return name;
}

}  // namespace

TEST_CASE("name filter: random patterns agree with std::regex", "[name_filter]") {
  std::mt19937 random(11);
  for (int p = 0; p < 1500; ++p) {
    const std::string pattern = random_pattern(random, 0);
    const conveq::NameFilter filter(pattern);
    const std::regex regex(pattern, std::regex::ECMAScript);
    for (int n = 0; n < 16; ++n) {
      const std::string name = random_name(random);
      INFO("pattern '" << pattern << "', name '" << name << "'");
      CHECK(filter.matches(name) == std::regex_search(name, regex));
    }
  }
}

TEST_CASE("name filter: patterns outside the subset are refused with the rule", "[name_filter]") {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"(a)\\1", "backreferences are not supported"},
      {"(?=a)", "only (?: ) groups are supported"},
      {"(?<name>a)", "only (?: ) groups are supported"},
      {"\\x41", "\\x at character 1 is not a supported escape"},
      {"\\u0041", "not a supported escape"},
      {"[[:alpha:]]", "POSIX classes"},
      {"a**", "quantifier at character 3 follows another quantifier"},
      {"x{1}{2}", "follows another quantifier"},
      {"*a", "'*' at character 1 has nothing to repeat"},
      {"^*", "nothing to repeat"},
      {"a|+", "'+' at character 3 has nothing to repeat"},
      {"{2}", "has nothing to repeat"},
      {"a{", "does not start {m}, {m,} or {m,n}"},
      {"a{,2}", "does not start {m}"},
      {"a{2,1}", "needs m <= n"},
      {"a{1001}", "repeat count 1001 at character 3 is above 1000"},
      {"(a", "'(' at character 1 has no matching ')'"},
      {"a)", "')' at character 2 has no matching '('"},
      {"[ab", "'[' at character 1 has no matching ']'"},
      {"[z-a]", "range z-a at character 2 is out of order"},
      {"[\\d-z]", "a range cannot start or end with \\d"},
      {"a\\", "escapes nothing"},
      {"(a{1000}){1000}", "expands to more than 20000 states"},
      {std::string(101, '(') + std::string(101, ')'), "more than 100 nested groups"},
  };
  for (const auto& [pattern, rule] : refused) {
    const std::string message = error_of([&] { conveq::NameFilter filter(pattern); });
    INFO("pattern '" << pattern << "': " << message);
    CHECK(message.rfind("--filter " + pattern + ": ", 0) == 0);
    CHECK(message.find(rule) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  const std::string too_long(conveq::kMaxFilterLength + 1, 'a');
  CHECK(error_of([&] {
          conveq::NameFilter filter(too_long);
        }).find("4097 characters is longer than the 4096 a filter may have") != std::string::npos);
  // Control characters are shown escaped, so the message stays one line.
  CHECK(error_of([] { conveq::NameFilter filter(std::string("a\n(", 3)); }) ==
        "--filter a\\n(: '(' at character 3 has no matching ')'");
}

TEST_CASE("name filter: long names neither crash nor run away", "[name_filter]") {
  // std::regex recursed once per character here (SIGSEGV) and backtracked exponentially.
  const std::string long_a(100000, 'a');
  CHECK(filter_matches("(a+)+$", long_a));
  CHECK_FALSE(filter_matches("(a+)+$", long_a + "b"));
  CHECK_FALSE(filter_matches("(a|aa)*c", long_a));
  CHECK(filter_matches("^(a|b)*$", long_a));
  CHECK(filter_matches("a{1000}$", long_a.substr(0, 3000)));  // 1000 live states at a time
  CHECK_FALSE(filter_matches("\\d", long_a));

  conveq::Suite suite;
  suite.file = "long.suite";
  suite.lines.push_back({1, long_a, "--in 4"});
  suite.lines.push_back({2, "short", "--in 4"});
  CHECK(conveq::select_lines(suite, "^(a+)+$", {}) == std::vector<size_t>{0});
  CHECK(conveq::select_lines(suite, ".*s", {}) == std::vector<size_t>{1});
}

TEST_CASE("name filter: a refused pattern's message shows control characters escaped",
          "[name_filter]") {
  // Found by suite_fuzzer: the range was quoted raw, breaking the one-line message.
  const std::string pattern = std::string("[a-\x14]", 5);
  CHECK(error_of([&] { conveq::NameFilter filter(pattern); }) ==
        "--filter [a-\\x14]: range a-\\x14 at character 2 is out of order");
}
