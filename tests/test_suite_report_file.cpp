// Reading suite reports back one problem at a time: JSON Lines (complete, stopped, malformed),
// JSON documents and single reports through one interface; --compact entries; StreamedFile's
// PATH.partial.
#include "conveq/report/suite_report_file.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "cli_runner.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/streamed_file.hpp"
#include "conveq/report/json_lines.hpp"
#include "input_error.hpp"

namespace {

const nlohmann::json kHeader = {{"schema_version", 1},
                                {"tool", {{"version", "x"}}},
                                {"host", {{"hostname", "h"}}},
                                {"suite", {{"file", "s"}, {"problems_selected", 2}}}};

nlohmann::json entry(const std::string& name, int line) {
  return {{"name", name}, {"line", line}, {"status", "passed"}, {"report", {{"k", line}}}};
}

std::string write(const std::filesystem::path& dir, const std::string& name,
                  const std::string& text) {
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string complete_lines() {
  return conveq::json_lines_header(kHeader) + "\n" + conveq::json_lines_problem(entry("a", 3)) +
         "\n" + conveq::json_lines_problem(entry("b", 5)) + "\n" +
         conveq::json_lines_summary(1.5, {{"problems", 2}}) + "\n";
}

}  // namespace

TEST_CASE("A JSON Lines report reads like a JSON one, one problem at a time", "[report_file]") {
  const auto dir = fresh_directory("report_file");
  const auto report = conveq::SuiteReportFile::read(write(dir, "r.jsonl", complete_lines()));
  CHECK(report.is_json_lines());
  CHECK_FALSE(report.is_single());
  CHECK(report.complete());
  REQUIRE(report.size() == 2);
  CHECK(report.problem(1).view()["name"].string() == "b");
  CHECK_FALSE(report.problem(1).view().contains("record"));
  CHECK(report.header()["suite"]["seconds"].number() == 1.5);
  CHECK(report.summary()->json() == nlohmann::json{{"problems", 2}});
  // Messages name the file and the line.
  CHECK_THAT(error_of([&] { report.problem(0).view()["options"].string(); }),
             Catch::Contains("r.jsonl:2: field options: missing"));

  // The same problems as a JSON document (pretty-printed, as conveq writes it).
  nlohmann::json document = kHeader;
  document["problems"] = {entry("a", 3), entry("b", 5)};
  document["summary"] = {{"problems", 2}};
  const auto json = conveq::SuiteReportFile::read(write(dir, "r.json", document.dump(2)));
  CHECK_FALSE(json.is_json_lines());
  REQUIRE(json.size() == 2);
  CHECK(json.problem(1).view().json() == entry("b", 5));
  CHECK_THAT(error_of([&] { json.problem(0).view()["options"].string(); }),
             Catch::Contains("r.json: field problems[0].options: missing"));
}

TEST_CASE("A stopped run's JSON Lines report is read as incomplete", "[report_file]") {
  const auto dir = fresh_directory("report_file_stopped");
  std::string text = complete_lines();
  text = text.substr(0, text.find("{\"record\":\"summary\""));
  const auto stopped = conveq::SuiteReportFile::read(write(dir, "a.jsonl", text));
  CHECK_FALSE(stopped.complete());
  CHECK(stopped.size() == 2);
  CHECK_FALSE(stopped.summary());
  // Killed in the middle of writing a line: the half line is left out.
  const auto killed = conveq::SuiteReportFile::read(
      write(dir, "b.jsonl", text + conveq::json_lines_problem(entry("c", 7)).substr(0, 20)));
  CHECK_FALSE(killed.complete());
  CHECK(killed.size() == 2);
}

TEST_CASE("Malformed JSON Lines reports are refused, naming the line", "[report_file]") {
  const auto dir = fresh_directory("report_file_bad");
  const std::string header = conveq::json_lines_header(kHeader) + "\n";
  const std::string problem = conveq::json_lines_problem(entry("a", 3)) + "\n";
  const std::string summary = conveq::json_lines_summary(1, {{"problems", 1}}) + "\n";
  const auto refusal = [&](const std::string& text) {
    return error_of([&] { conveq::SuiteReportFile::read(write(dir, "bad.jsonl", text)); });
  };
  CHECK_THAT(refusal(header + "{not json\n" + problem + summary),
             Catch::Contains("bad.jsonl:2: not valid JSON"));
  CHECK_THAT(refusal(header + "{\"record\":\"other\"}\n" + summary),
             Catch::Contains("bad.jsonl:2: not a record of a conveq JSON Lines report"));
  CHECK_THAT(refusal(header + problem + summary + problem),
             Catch::Contains("bad.jsonl:4: a line after the summary line"));
  CHECK_THAT(refusal(header + "\n" + summary), Catch::Contains("bad.jsonl:2: not valid JSON"));
  // A file that is neither form is read as JSON, and refused as such.
  CHECK_THAT(refusal("{\"record\": \"header\"\n"), Catch::Contains("not valid JSON"));
}

TEST_CASE("Compact entries: passing problems cut passing problems to what the readers need",
          "[report_file]") {
  const nlohmann::json comparison = {{"a", "x"},
                                     {"b", "reference"},
                                     {"status", "passed"},
                                     {"reason", ""},
                                     {"max_scaled_error", 1e-8},
                                     {"bound_utilisation", 0.1},
                                     {"ulp_histogram", 1},
                                     {"tolerance", 2}};
  const nlohmann::json path = {{"name", "x"}, {"timing", {{"median_ms", 2}, {"min_ms", 1}}}};
  const nlohmann::json passed = {{"name", "p"},
                                 {"status", "passed"},
                                 {"report",
                                  {{"problem", 1},
                                   {"verdict", 2},
                                   {"tool", 3},
                                   {"paths", {path}},
                                   {"comparisons", {comparison}}}}};
  const nlohmann::json compact = conveq::compact_entry(passed);
  CHECK(compact["detail"] == "compact");
  CHECK(compact["name"] == "p");
  CHECK(compact["report"] ==
        nlohmann::json{
            {"problem", 1},
            {"verdict", 2},
            {"paths", {{{"name", "x"}, {"timing", {{"median_ms", 2}}}}}},
            {"comparisons", {{{"a", "x"}, {"b", "reference"}, {"max_scaled_error", 1e-8}}}},
            {"bound_utilisation", 0.1}});
  nlohmann::json failed = passed;
  failed["status"] = "failed";
  CHECK(conveq::compact_entry(failed) == failed);
}

TEST_CASE("StreamedFile writes PATH.partial and the commit renames it", "[report_file]") {
  const auto dir = fresh_directory("streamed_file");
  const std::string path = (dir / "r.jsonl").string();
  {
    conveq::StreamedFile file(path, "--report");
    file.append("one");
    CHECK(read_text(path + ".partial") == "one\n");  // readable at once
    CHECK_FALSE(std::filesystem::exists(path));
  }  // not staged: a stopped run leaves the partial file
  CHECK(read_text(path + ".partial") == "one\n");
  conveq::StreamedFile file(path, "--report");  // a new run replaces it
  file.append("two");
  conveq::StagedFiles outputs;
  file.stage(outputs);
  CHECK_FALSE(std::filesystem::exists(path));
  outputs.commit();
  CHECK(read_text(path) == "two\n");
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));
}
