// Reports read back (`show`, `check`): bounded before they are read, and every field read
// through ReportView, so that a missing, mistyped or oversized field is exit 2 naming the file
// and the field, never a crash, undefined behaviour or a nonsense value.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_runner.hpp"
#include "conveq/io/json_file.hpp"
#include "conveq/report/report_view.hpp"
#include "conveq/report/suite_text.hpp"
#include "conveq/report/text_report.hpp"
#include "conveq/suite/baseline.hpp"
#include "input_error.hpp"

namespace {

using nlohmann::json;

const std::string kSource = CONVEQ_SOURCE_DIR;

// Real reports from the binary, made once: a compare report with failed comparisons (so
// worst_mismatches is filled), skipped paths and both optional checks, and a suite report
// with a passed, a failed and a mistrusted problem.
struct RealReports {
  json compare, suite;
};

const RealReports& real_reports() {
  static const RealReports reports = [] {
    const auto dir = fresh_directory("report_reader_real");
    const CliResult c = run_conveq(
        "compare --in 3 --out 2 --length 8 --kernel 3 --repeat 1 --warmup 0 --atol 0 --rtol 0 "
        "--batch 2 --check-determinism --check-batch-invariance --report " +
        (dir / "c.json").string());
    REQUIRE(c.exit_status == 1);
    std::ofstream(dir / "s.suite") << "passes: --in 4 --out 3 --length 9 --repeat 1 --warmup 0\n"
                                      "fails: --in 8 --out 4 --length 9 --kernel 3 --atol 0 "
                                      "--rtol 0 --repeat 1 --warmup 0\n"
                                      "loose: --in 4 --out 4 --length 9 --atol 100 --repeat 1 "
                                      "--warmup 0\n";
    const CliResult s =
        run_conveq("run " + (dir / "s.suite").string() + " --report " + (dir / "s.json").string());
    REQUIRE(s.exit_status == 1);
    RealReports r{json::parse(read_text((dir / "c.json").string())),
                  json::parse(read_text((dir / "s.json").string()))};
    std::filesystem::remove_all(dir);
    return r;
  }();
  return reports;
}

// Every kind of member of every object, as a JSON pointer and the dotted path messages use:
// the first occurrence of each path with its array indices left out (comparisons[0].status
// stands for every comparison's status).
void members(const json& value, const std::string& pointer, const std::string& path,
             const std::string& kind, std::set<std::string>& seen,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      const std::string member_path = path.empty() ? key : path + "." + key;
      const std::string member_kind = kind + "." + key;
      if (seen.insert(member_kind).second) out.emplace_back(pointer + "/" + key, member_path);
      members(member, pointer + "/" + key, member_path, member_kind, seen, out);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      members(value[i], pointer + "/" + std::to_string(i), path + "[" + std::to_string(i) + "]",
              kind + "[]", seen, out);
    }
  }
}

std::vector<std::pair<std::string, std::string>> members(const json& report) {
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> out;
  members(report, "", "", "", seen, out);
  return out;
}

// What every reader does with a report: show it (with details), check it both ways.
void read_everything(const json& mutated, const json& original) {
  const conveq::ReportView view(mutated, "r.json");
  if (mutated.contains("problems")) {
    conveq::format_suite_text(view, true);
  } else {
    conveq::format_text(view);
  }
  conveq::check_against_baseline(mutated, original, {}, "r.json", "original.json");
  conveq::check_against_baseline(original, mutated, {}, "original.json", "r.json");
}

// Runs the readers on `mutated`: they must either accept it or throw InputError naming
// r.json and one of `fields`; anything else (another exception, a crash) fails the test.
void expect_accepted_or_named(const json& mutated, const json& original,
                              const std::vector<std::string>& fields) {
  std::string message;
  try {
    read_everything(mutated, original);
    return;
  } catch (const conveq::InputError& e) {
    message = e.what();
  } catch (const std::exception& e) {
    FAIL("not an InputError: " << e.what());
  }
  INFO(message);
  CHECK(message.find('\n') == std::string::npos);
  bool named = false;
  for (const auto& field : fields) {
    named = named || message.rfind("r.json: field " + field + ": ", 0) == 0;
  }
  CHECK(named);
}

// The fields a deletion of `path` may be reported as: itself, or for a suite entry's report
// the `error` that takes its place.
std::vector<std::string> named_for(const std::string& path) {
  std::vector<std::string> fields = {path};
  const std::string suffix = ".report";
  if (path.size() > suffix.size() &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    fields.push_back(path.substr(0, path.size() - suffix.size()) + ".error");
  }
  return fields;
}

}  // namespace

TEST_CASE("every field deleted in turn: accepted, or exit 2 naming that field", "[report]") {
  for (const json* report : {&real_reports().compare, &real_reports().suite}) {
    const auto fields = members(*report);
    REQUIRE(fields.size() > 100);
    size_t refused = 0;
    for (const auto& [pointer, path] : fields) {
      // schema_version is tested below; without "comparisons" or "problems" a document is
      // not a report at all, which read_report_file says before any reader sees it.
      if (path == "schema_version" || path == "comparisons" || path == "problems") continue;
      json mutated = *report;
      const json::json_pointer member(pointer);
      mutated[member.parent_pointer()].erase(member.back());
      INFO("deleted " << path);
      expect_accepted_or_named(mutated, *report, named_for(path));
      try {
        read_everything(mutated, *report);
      } catch (const conveq::InputError&) {
        ++refused;
      }
    }
    CHECK(refused > 50);  // most fields are read by some reader
  }
}

TEST_CASE("every field of the wrong type in turn: accepted, or exit 2 naming it", "[report]") {
  for (const json* report : {&real_reports().compare, &real_reports().suite}) {
    const auto fields = members(*report);
    for (const auto& [pointer, path] : fields) {
      if (path == "schema_version") continue;
      json mutated = *report;
      json& member = mutated[json::json_pointer(pointer)];
      member = member.is_string()   ? json(1.5)
               : member.is_array()  ? json::object()
               : member.is_object() ? json::array()
                                    : json("x");
      INFO("retyped " << path);
      expect_accepted_or_named(mutated, *report, {path});
    }
  }
}

TEST_CASE("a report with no fields but the two that make it one: exit 2 naming a field",
          "[report][cli]") {
  const auto dir = fresh_directory("report_reader_empty");
  const std::string path = (dir / "empty.json").string();
  std::ofstream(path) << R"({"schema_version":1,"comparisons":[]})";
  const CliResult show = run_conveq("show " + path);
  CHECK(show.exit_status == 2);
  CHECK(show.err == "conveq: " + path + ": field problem: missing\n");
  const CliResult check = run_conveq("check " + path + " --baseline " + path);
  CHECK(check.exit_status == 2);
  CHECK(check.err == "conveq: " + path + ": field tool: missing\n");

  // A shape that is not an array of integers, and a count too large for an integer.
  json report = real_reports().compare;
  report["problem"].erase("input_shape");
  std::ofstream(dir / "no_shape.json") << report.dump();
  const CliResult no_shape = run_conveq("show " + (dir / "no_shape.json").string());
  CHECK(no_shape.exit_status == 2);
  CHECK(no_shape.err.find("field problem.input_shape: missing") != std::string::npos);
  report["problem"]["input_shape"] = {2, "three", 8};
  std::ofstream(dir / "bad_shape.json") << report.dump();
  CHECK(run_conveq("show " + (dir / "bad_shape.json").string()).err ==
        "conveq: " + (dir / "bad_shape.json").string() +
            ": field problem.input_shape: must be an array of integers (found string)\n");
  report = real_reports().compare;
  report["comparisons"][0]["mismatches"] = 1e30;  // displayed as -9.2e18 before
  std::ofstream(dir / "huge.json") << report.dump();
  const CliResult huge = run_conveq("show " + (dir / "huge.json").string());
  CHECK(huge.exit_status == 2);
  CHECK(huge.err == "conveq: " + (dir / "huge.json").string() +
                        ": field comparisons[0].mismatches: must be an integer >= 0 (found "
                        "1e+30)\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("reports are bounded before they are read: size, depth, numbers", "[report][cli]") {
  const auto dir = fresh_directory("report_reader_bounds");
  // A report holding 60,000 nested objects or 300,000 nested arrays overflowed the stack in
  // check (copying the document recursed once per level).
  std::string report_around = real_reports().compare.dump();
  report_around.back() = ',';
  report_around += "\"deep\":";
  std::string objects;
  for (int i = 0; i < 60000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(60000, '}');
  std::ofstream(dir / "objects.json") << report_around + objects + "}";
  std::ofstream(dir / "arrays.json")
      << report_around + std::string(300000, '[') + std::string(300000, ']') + "}";
  for (const char* name : {"objects.json", "arrays.json"}) {
    const std::string path = (dir / name).string();
    const CliResult r = run_conveq("check " + path + " --baseline " + path);
    CHECK(r.exit_status == 2);
    CHECK(r.err == "conveq: " + path +
                       ": not valid JSON: arrays and objects nested more than 64 deep (the "
                       "limit)\n");
  }
  std::string deep_ok = std::string(64, '[') + std::string(64, ']');
  CHECK(conveq::parse_json(deep_ok, "ok").is_array());
  CHECK(error_of([&] {
          conveq::parse_json("[" + deep_ok + "]", "deep");
        }).find("deep: not valid JSON: arrays and objects nested more than 64 deep") == 0);

  // A number that does not fit a double was an internal error (exit 4).
  const std::string overflow = (dir / "overflow.json").string();
  std::ofstream(overflow) << R"({"schema_version":1,"comparisons":[],"x":1e400})";
  const CliResult number = run_conveq("show " + overflow);
  CHECK(number.exit_status == 2);
  CHECK(number.err == "conveq: " + overflow +
                          ": not valid JSON: number overflow parsing '1e400' (numbers must fit in "
                          "a double)\n");

  // Endless and odd sources stop at the limit, read while reading; a directory says so.
  const CliResult endless = run_conveq("show /dev/zero");
  CHECK(endless.exit_status == 2);
  CHECK(endless.err == "conveq: /dev/zero: larger than 64 MiB, the limit for a report\n");
  const CliResult directory = run_conveq("check " + dir.string() + " --baseline " + overflow);
  CHECK(directory.exit_status == 2);
  CHECK(directory.err == "conveq: " + dir.string() + ": is a directory, not a report\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("show and check read only the schema version they write", "[report][cli]") {
  const auto dir = fresh_directory("report_reader_schema");
  json report = real_reports().compare;
  report["schema_version"] = 99;
  const std::string path = (dir / "v99.json").string();
  std::ofstream(path) << report.dump();
  // Two reports of the same unknown version were compared as if they were version 1.
  const CliResult check = run_conveq("check " + path + " --baseline " + path);
  CHECK(check.exit_status == 2);
  CHECK(check.err == "conveq: " + path +
                         ": schema_version 99: this conveq reads reports of schema_version 1 "
                         "only (use the conveq that wrote it, or write the report again)\n");
  const CliResult show = run_conveq("show " + path);
  CHECK(show.exit_status == 2);
  CHECK(show.err == check.err);
  report["schema_version"] = "1";
  std::ofstream(path) << report.dump();
  CHECK(run_conveq("show " + path).err ==
        "conveq: " + path + ": field schema_version: must be an integer (found string)\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("check refuses a report that names a path or comparison twice, or a bad dtype",
          "[report]") {
  const json& original = real_reports().compare;
  auto check_message = [&](const json& mutated) {
    return error_of(
        [&] { conveq::check_against_baseline(mutated, original, {}, "r.json", "original.json"); });
  };
  // A duplicate path was matched once and reported "no longer run" against the report itself.
  json twice = original;
  twice["paths"].push_back(twice["paths"][0]);
  const std::string last = std::to_string(twice["paths"].size() - 1);
  CHECK(check_message(twice) == "r.json: field paths[" + last + "]: path \"" +
                                    twice["paths"][0]["name"].get<std::string>() +
                                    "\" appears twice");
  twice = original;
  twice["comparisons"].push_back(twice["comparisons"][0]);
  CHECK(check_message(twice).find("r.json: field comparisons[") == 0);
  CHECK(check_message(twice).find("appears twice") != std::string::npos);

  json dtype = original;
  dtype["problem"]["dtype"] = "float\n16";  // quoted in the message, escaped: one line
  CHECK(
      error_of([&] { conveq::check_against_baseline(dtype, dtype, {}, "r.json", "r.json"); }) ==
      "r.json: field problem.dtype: \"float\\n16\" must be float32, float64, float16 or bfloat16");
  json status = original;
  status["comparisons"][0]["status"] = std::string("pas\0sed", 7);
  CHECK(check_message(status) ==
        "r.json: field comparisons[0].status: \"pas\\0sed\" must be passed, failed or mistrusted");
}
