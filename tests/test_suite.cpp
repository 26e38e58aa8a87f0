// Suite files: lines, names, comments, and the selection by --filter and --shard.
#include "conveq/suite/suite.hpp"
#include "input_error.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "conveq/core/error.hpp"

namespace {

const std::string kSmoke = std::string(CONVEQ_SOURCE_DIR) + "/data/suites/smoke";

std::vector<std::string> names(const conveq::Suite& suite, const std::vector<size_t>& selection) {
  std::vector<std::string> out;
  for (const size_t i : selection) out.push_back(suite.lines[i].name);
  return out;
}

}  // namespace

TEST_CASE("suite lines: names, comments, blank lines and line numbers", "[suite]") {
  const auto suite = conveq::parse_suite(
      "# header\n"
      "\n"
      "first:   --in 4   --out 8 # trailing comment\n"
      "   --in 3 --length 10\n"
      "second: --kernel 3 --padding same\n",
      "x.suite");
  REQUIRE(suite.lines.size() == 3);
  CHECK(suite.lines[0].line == 3);
  CHECK(suite.lines[0].name == "first");
  CHECK(suite.lines[0].options == "--in 4 --out 8");
  // Unnamed: the options are the name, so a baseline still matches after lines move.
  CHECK(suite.lines[1].line == 4);
  CHECK(suite.lines[1].name == "--in 3 --length 10");
  CHECK(suite.lines[2].line == 5);
  CHECK(suite.lines[2].name == "second");
}

TEST_CASE("malformed suite lines are all reported with file and line", "[suite]") {
  const std::string bad_names = std::string(CONVEQ_SOURCE_DIR) + "/tests/data/suites/bad_names";
  const std::string message = error_of([&] { conveq::read_suite(bad_names); });
  INFO(message);
  CHECK(message.find(bad_names + ":2: name \"first\" already used on line 1") != std::string::npos);
  CHECK(message.find(bad_names + ":3: name \"bad!name\"") != std::string::npos);
  CHECK(message.find(bad_names + ":4: \"just_a_word\"") != std::string::npos);
  CHECK(message.find(bad_names + ":5: empty_name_follows: no options") != std::string::npos);

  CHECK(error_of([] {
          conveq::parse_suite("# nothing\n\n", "empty.suite");
        }).find("empty.suite: no problems") != std::string::npos);
  CHECK(error_of([] {
          conveq::read_suite("/nonexistent/suite");
        }).find("/nonexistent/suite: cannot open") != std::string::npos);
}

TEST_CASE("shards: I/N is 1-based and validated", "[suite]") {
  const auto shard = conveq::parse_shard("2/5");
  CHECK(shard.index == 2);
  CHECK(shard.count == 5);
  CHECK(error_of([] { conveq::parse_shard("0/3"); }).find("--shard 0/3") != std::string::npos);
  CHECK(error_of([] { conveq::parse_shard("4/3"); }).find("between 1 and N") != std::string::npos);
  CHECK(error_of([] { conveq::parse_shard("1/0"); }).find("--shard 1/0") != std::string::npos);
  CHECK(error_of([] { conveq::parse_shard("3"); }).find("I/N") != std::string::npos);
  CHECK(error_of([] { conveq::parse_shard("a/b"); }).find("--shard a/b") != std::string::npos);
}

TEST_CASE("shards partition the selection: union is everything, no overlap", "[suite]") {
  const auto suite = conveq::read_suite(kSmoke);
  REQUIRE(suite.lines.size() >= 10);
  for (const std::string filter : {"", "1d"}) {
    const auto everything = names(suite, conveq::select_lines(suite, filter, {}));
    for (int64_t count = 1; count <= 7; ++count) {
      std::multiset<std::string> union_of_shards;
      size_t largest = 0, smallest = everything.size();
      for (int64_t index = 1; index <= count; ++index) {
        const auto shard = names(suite, conveq::select_lines(suite, filter, {index, count}));
        union_of_shards.insert(shard.begin(), shard.end());
        largest = std::max(largest, shard.size());
        smallest = std::min(smallest, shard.size());
      }
      INFO("filter '" << filter << "', " << count << " shards");
      CHECK(union_of_shards == std::multiset<std::string>(everything.begin(), everything.end()));
      CHECK(largest - smallest <= 1);  // balanced: round robin
    }
  }
}

TEST_CASE("shard I of N holds the selected lines at positions I-1, I-1+N, ...", "[suite]") {
  const auto suite = conveq::read_suite(kSmoke);
  const auto shard2 = conveq::select_lines(suite, "", {2, 3});
  REQUIRE(shard2.size() >= 2);
  CHECK(shard2[0] == 1);
  CHECK(shard2[1] == 4);
  const auto filtered = conveq::select_lines(suite, "1d", {});
  const auto filtered_shard1 = conveq::select_lines(suite, "1d", {1, 2});
  REQUIRE(filtered.size() >= 3);
  CHECK(filtered_shard1[1] == filtered[2]);  // sharded after filtering: shards stay balanced
}

TEST_CASE("filter: searches names with a regular expression", "[suite]") {
  const auto suite = conveq::read_suite(kSmoke);
  const auto exact = names(suite, conveq::select_lines(suite, "^exact_", {}));
  REQUIRE(!exact.empty());
  for (const auto& name : exact) CHECK(name.rfind("exact_", 0) == 0);
  size_t expected = 0;
  for (const auto& line : suite.lines) expected += line.name.rfind("exact_", 0) == 0 ? 1 : 0;
  CHECK(exact.size() == expected);
  CHECK(error_of([&] { conveq::select_lines(suite, "(", {}); }).find("--filter (") !=
        std::string::npos);
  CHECK(error_of([&] {
          conveq::select_lines(suite, "no_such_problem", {});
        }).find("matches no problem") != std::string::npos);
}
