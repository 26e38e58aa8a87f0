// merge_shards on shard reports in memory: suite order, the summary counted again, and every
// reason a set of reports is not the shards of one run.
#include "conveq/suite/merge.hpp"

#include <catch2/catch.hpp>

#include "input_error.hpp"

namespace {

nlohmann::json shard(int64_t index, int64_t count, const std::vector<nlohmann::json>& entries) {
  nlohmann::json report = {{"schema_version", 1},
                           {"tool",
                            {{"version", "1"},
                             {"build_type", "Release"},
                             {"compiler", "g++"},
                             {"blas", {{"version", "0.3"}}}}},
                           {"host", {{"hostname", "node" + std::to_string(index)}}},
                           {"suite",
                            {{"file", "suite"},
                             {"sha256", "abc"},
                             {"problems_in_file", 5},
                             {"problems_selected", entries.size()},
                             {"filter", nullptr},
                             {"run_options", ""},
                             {"command", "conveq run suite --shard " + std::to_string(index) + "/" +
                                             std::to_string(count)},
                             {"shard", {{"index", index}, {"count", count}}},
                             {"seconds", 1.5}}},
                           {"problems", entries},
                           {"summary", {{"problems", entries.size()}}}};
  return report;
}

nlohmann::json entry(const std::string& name, int line, const std::string& status = "passed") {
  return {{"name", name}, {"line", line}, {"status", status}};
}

struct Merged {
  nlohmann::json header;
  std::vector<nlohmann::json> problems;
  double seconds = 0;
  nlohmann::json summary;
};

Merged merge(const std::vector<nlohmann::json>& reports) {
  std::vector<conveq::SuiteReportFile> shards;
  for (size_t i = 0; i < reports.size(); ++i) {
    shards.push_back(conveq::SuiteReportFile::from_json(reports[i], "s" + std::to_string(i)));
  }
  Merged merged;
  conveq::MergeSink sink;
  sink.header = [&](const nlohmann::json& h) { merged.header = h; };
  sink.problem = [&](const nlohmann::json& e) { merged.problems.push_back(e); };
  sink.summary = [&](double s, const nlohmann::json& summary) {
    merged.seconds = s;
    merged.summary = summary;
  };
  conveq::merge_shards(shards, "conveq merge s0 s1 -o all", sink);
  return merged;
}

}  // namespace

TEST_CASE("merge puts problems back in suite order and counts them again", "[merge]") {
  const Merged m =
      merge({shard(2, 2, {entry("b", 4, "failed"), entry("d", 9, "error")}),
             shard(1, 2, {entry("a", 2), entry("c", 7, "mistrusted"), entry("e", 11)})});
  std::vector<std::string> names;
  for (const auto& p : m.problems) names.push_back(p["name"]);
  CHECK(names == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(m.summary ==
        nlohmann::json{
            {"problems", 5}, {"passed", 2}, {"failed", 2}, {"mistrusted", 1}, {"errors", 1}});
  CHECK(m.seconds == 3.0);
  CHECK(m.header["suite"]["shard"] == nlohmann::json{{"index", 1}, {"count", 1}});
  CHECK(m.header["suite"]["problems_selected"] == 5);
  CHECK(m.header["suite"]["command"] == "conveq merge s0 s1 -o all");
  REQUIRE(m.header["suite"]["merged_from"].size() == 2);
  CHECK(m.header["suite"]["merged_from"][0]["hostname"] == "node2");
  CHECK_FALSE(m.header["suite"].contains("seconds"));
}

TEST_CASE("merge refuses what is not the complete shards of one run", "[merge]") {
  const auto refusal = [](const std::vector<nlohmann::json>& reports) {
    return error_of([&] { merge(reports); });
  };
  const nlohmann::json one = shard(1, 3, {entry("a", 2)});
  const nlohmann::json two = shard(2, 3, {entry("b", 4)});
  const nlohmann::json three = shard(3, 3, {entry("c", 6)});
  CHECK(refusal({one, two, three}).empty());
  CHECK_THAT(refusal({one, three}), Catch::Contains("missing shard(s) 2 of 3"));
  CHECK_THAT(refusal({one, one, two, three}), Catch::Contains("shard 1 is in both s0 and s1"));
  nlohmann::json overlap = three;
  overlap["problems"].push_back(entry("a", 2));
  overlap["suite"]["problems_selected"] = 2;
  CHECK_THAT(refusal({one, two, overlap}), Catch::Contains("problem a is in both s0 and s2"));
  nlohmann::json short_shard = three;
  short_shard["suite"]["problems_selected"] = 2;
  CHECK_THAT(refusal({one, two, short_shard}),
             Catch::Contains("s2 holds 1 problems but selected 2"));
  for (const char* field : {"sha256", "run_options", "filter", "problems_in_file"}) {
    nlohmann::json other = three;
    other["suite"][field] = "other";
    CHECK_THAT(refusal({one, two, other}),
               Catch::Contains(std::string("suite.") + field + " differs"));
  }
  nlohmann::json other_build = three;
  other_build["tool"]["version"] = "2";
  CHECK_THAT(refusal({one, two, other_build}), Catch::Contains("tool.version differs"));
  nlohmann::json other_cpu = three;  // BLAS's configuration names the CPU: not a different run
  other_cpu["tool"]["blas"]["config"] = "Zen";
  CHECK(refusal({one, two, other_cpu}).empty());
  nlohmann::json compare_report = {{"schema_version", 1}, {"comparisons", nlohmann::json::array()}};
  CHECK_THAT(refusal({one, two, compare_report}), Catch::Contains("is a compare report"));
  nlohmann::json future = three;
  future["schema_version"] = 2;
  CHECK_THAT(refusal({one, two, future}), Catch::Contains("schema_version"));
}
