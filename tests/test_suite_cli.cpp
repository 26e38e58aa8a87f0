// `conveq run`, `check` and `show` as a CI job uses them: exit statuses, the closing line,
// shards, bad suite lines, and reports that can or cannot be compared.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "cli_runner.hpp"
#include "conveq/suite/suite.hpp"
#include "steady_samples.hpp"

namespace {

using nlohmann::json;

const std::string kSource = CONVEQ_SOURCE_DIR;
const std::string kSmoke = kSource + "/data/suites/smoke";
const std::string kTestSuites = kSource + "/tests/data/suites/";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

json read_json(const std::filesystem::path& path) {
  return json::parse(read_text(path.string()));
}

void write_json(const std::filesystem::path& path, const json& value) {
  std::ofstream(path) << value.dump(1);
}

// Runs a suite with --report into `dir`; returns the result and the parsed report.
std::pair<CliResult, json> run_suite(const std::string& suite, const std::filesystem::path& report,
                                     const std::string& extra = "") {
  const CliResult r = run_conveq("run " + suite + " --report " + report.string() + " " + extra);
  json parsed = std::filesystem::exists(report) ? read_json(report) : json();
  return {r, parsed};
}

}  // namespace

TEST_CASE("run: a deliberately failing problem gives exit 1 and the closing line", "[cli][run]") {
  const auto dir = fresh_directory("run_failing");
  const auto [r, report] = run_suite(kTestSuites + "failing", dir / "failing.json");
  INFO(r.out << r.err);
  CHECK(r.exit_status == 1);
  const auto lines = lines_of(r.out);
  REQUIRE(!lines.empty());
  CHECK(lines.back() == "2 passed, 1 failed, 0 mistrusted");
  CHECK(std::regex_match(lines.back(), std::regex(R"(\d+ passed, \d+ failed(, \d+ mistrusted)?)")));
  // One line per problem: status, name, bound utilisation and the repro command.
  bool failed_line = false;
  for (const auto& line : lines) {
    if (line.rfind("FAILED", 0) == 0) {
      failed_line = true;
      CHECK(line.find("zero_tolerance") != std::string::npos);
      CHECK(line.find("bound ") != std::string::npos);
      CHECK(line.find("conveq compare ") != std::string::npos);
      CHECK(line.find("--atol 0 --rtol 0") != std::string::npos);
    }
  }
  CHECK(failed_line);
  // The report agrees with the lines and holds every problem's own report.
  REQUIRE(report.is_object());
  CHECK(report["summary"]["failed"] == 1);
  CHECK(report["summary"]["passed"] == 2);
  REQUIRE(report["problems"].size() == 3);
  CHECK(report["problems"][1]["name"] == "zero_tolerance");
  CHECK(report["problems"][1]["line"] == 4);
  CHECK(report["problems"][1]["report"]["verdict"]["status"] == "failed");
}

TEST_CASE("run: mistrusted but nothing failed gives exit 3", "[cli][run]") {
  const auto dir = fresh_directory("run_mistrusted");
  const auto [r, report] = run_suite(kTestSuites + "mistrusted", dir / "m.json");
  INFO(r.out << r.err);
  CHECK(r.exit_status == 3);
  CHECK(lines_of(r.out).back() == "1 passed, 0 failed, 1 mistrusted");
}

TEST_CASE("run: the smoke suite passes, one line per problem", "[cli][run]") {
  const auto dir = fresh_directory("run_smoke");
  const auto [r, report] = run_suite(kSmoke, dir / "smoke.json");
  INFO(r.out << r.err);
  CHECK(r.exit_status == 0);
  const auto suite = conveq::read_suite(kSmoke);
  const auto n = std::to_string(suite.lines.size());
  CHECK(lines_of(r.out).back() == n + " passed, 0 failed, 0 mistrusted");
  size_t passed_lines = 0;
  for (const auto& line : lines_of(r.out)) passed_lines += line.rfind("PASSED", 0) == 0;
  CHECK(passed_lines == suite.lines.size());
  CHECK(report["problems"].size() == suite.lines.size());
}

TEST_CASE("run --format json: the report on stdout, the lines on stderr", "[cli][run]") {
  const CliResult r = run_conveq("run " + kSmoke + " --filter '^exact_' --format json");
  REQUIRE(r.exit_status == 0);
  const json report = json::parse(r.out);
  CHECK(report["suite"]["filter"] == "^exact_");
  for (const auto& p : report["problems"])
    CHECK(p["name"].get<std::string>().rfind("exact_", 0) == 0);
  CHECK(lines_of(r.err).back() ==
        std::to_string(report["problems"].size()) + " passed, 0 failed, 0 mistrusted");
}

TEST_CASE("run --shard: shards partition the suite", "[cli][run]") {
  const auto dir = fresh_directory("run_shards");
  const auto suite = conveq::read_suite(kSmoke);
  std::set<std::string> all;
  for (const auto& line : suite.lines) all.insert(line.name);
  const int count = 3;
  std::multiset<std::string> seen;
  for (int index = 1; index <= count; ++index) {
    const std::string shard = std::to_string(index) + "/" + std::to_string(count);
    const auto report_path = dir / ("shard" + std::to_string(index) + ".json");
    const auto [r, report] = run_suite(kSmoke, report_path, "--shard " + shard);
    INFO("shard " << shard << "\n" << r.out << r.err);
    CHECK(r.exit_status == 0);
    CHECK(report["suite"]["shard"]["index"] == index);
    for (const auto& p : report["problems"]) seen.insert(p["name"].get<std::string>());
    // --list names the same problems without running them.
    const CliResult listed = run_conveq("run " + kSmoke + " --list --shard " + shard);
    CHECK(lines_of(listed.out).size() == report["problems"].size());
  }
  CHECK(seen == std::multiset<std::string>(all.begin(), all.end()));
  CHECK(run_conveq("run " + kSmoke + " --shard 4/3").exit_status == 2);
  CHECK(run_conveq("run " + kSmoke + " --shard 0/3").exit_status == 2);
}

TEST_CASE("run: bad suite lines exit 2 with file and line, before anything runs", "[cli][run]") {
  const auto dir = fresh_directory("run_bad_lines");
  const std::string suite = kTestSuites + "bad_lines";
  const auto [r, report] = run_suite(suite, dir / "never.json");
  INFO(r.err);
  CHECK(r.exit_status == 2);
  CHECK(r.out.empty());  // nothing ran
  CHECK(!std::filesystem::exists(dir / "never.json"));
  CHECK(r.err.find(suite + ":4: unknown option or stray argument \"--bogus 3\"") !=
        std::string::npos);
  CHECK(r.err.find(suite + ":5: --in x: must be a positive integer") != std::string::npos);
  CHECK(r.err.find(suite + ":6: --padding same with --stride 2") != std::string::npos);
  CHECK(r.err.find(suite + ":8: unknown option or stray argument \"positional\"") !=
        std::string::npos);
  CHECK(r.err.find(suite + ":9: unknown option or stray argument \"--report out.json\"") !=
        std::string::npos);
  CHECK(r.err.find(":2:") == std::string::npos);  // the good line is not blamed

  const CliResult names = run_conveq("run " + kTestSuites + "bad_names");
  CHECK(names.exit_status == 2);
  CHECK(names.err.find("bad_names:2: name \"first\" already used on line 1") != std::string::npos);
  CHECK(run_conveq("run " + kTestSuites + "no_such_suite").exit_status == 2);
}

TEST_CASE("run: run-level options are the lines' defaults, and a line's own option wins",
          "[cli][run]") {
  const auto dir = fresh_directory("run_precedence");
  const auto suite = dir / "suite";
  std::ofstream(suite) << "own_repeat: --in 4 --out 4 --length 20 --repeat 1 --warmup 0\n"
                          "inherits:   --in 4 --out 4 --length 20\n";
  const auto [r, report] =
      run_suite(suite.string(), dir / "r.json", "--repeat 3 --warmup 0 --threads 1");
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == 0);
  CHECK(report["problems"][0]["report"]["run"]["repeat"] == 1);
  CHECK(report["problems"][1]["report"]["run"]["repeat"] == 3);
  CHECK(report["problems"][1]["report"]["run"]["threads"] == 1);
  CHECK(report["suite"]["command"].get<std::string>().find("--repeat 3") != std::string::npos);
}

TEST_CASE("check: identical reports pass, injected regressions fail", "[cli][check]") {
  const auto dir = fresh_directory("check_cli");
  const auto [run, report] = run_suite(kSmoke, dir / "baseline.json", "--filter pointwise");
  REQUIRE(run.exit_status == 0);
  const std::string baseline = (dir / "baseline.json").string();

  const CliResult same = run_conveq("check " + baseline + " --baseline " + baseline);
  INFO(same.out << same.err);
  CHECK(same.exit_status == 0);
  CHECK(same.out.find("0 regressions") != std::string::npos);

  json slow = report;
  auto& timing = slow["problems"][0]["report"]["paths"][0]["timing"];
  timing["median_ms"] = timing["median_ms"].get<double>() * 3 + 5;
  timing.erase("runqueue_wait_ms");  // a delayed sample of the run would be judged without it
  write_json(dir / "slow.json", slow);
  const CliResult slower = run_conveq("check " + (dir / "slow.json").string() + " --baseline " +
                                      baseline + " --report " + (dir / "check.json").string());
  INFO(slower.out << slower.err);
  CHECK(slower.exit_status == 1);
  CHECK(slower.out.find("REGRESSION") != std::string::npos);
  CHECK(slower.out.find(slow["problems"][0]["report"]["paths"][0]["name"].get<std::string>()) !=
        std::string::npos);
  CHECK(read_json(dir / "check.json")["regressions"] == 1);

  json worse = report;
  auto& comparison = worse["problems"][0]["report"]["comparisons"][0];
  comparison["max_scaled_error"] = comparison["max_scaled_error"].get<double>() * 100 + 1e-4;
  write_json(dir / "worse.json", worse);
  const CliResult grew =
      run_conveq("check " + (dir / "worse.json").string() + " --baseline " + baseline);
  CHECK(grew.exit_status == 1);
  CHECK(grew.out.find("max_scaled_error_u") != std::string::npos);
}

// The issue's acceptance case, without timing asserts: a problem whose paths run in
// milliseconds, its report as run, then copies with steady samples (steady_samples.hpp), so
// that the outcome depends on the rule alone.
TEST_CASE("check: a 2x slowdown of one path fails, also in a loaded run, and the load alone passes",
          "[cli][check]") {
  const auto dir = fresh_directory("check_loaded");
  const auto suite = dir / "suite";
  std::ofstream(suite) << "milliseconds: --in 32 --out 32 --length 2000 --kernel 3 "
                          "--padding same --repeat 5 --warmup 1\n";
  const auto [run, report] = run_suite(suite.string(), dir / "run.json");
  INFO(run.out << run.err);
  REQUIRE(run.exit_status == 0);
  json baseline = report;
  scale_steady(baseline, 1);
  baseline["problems"][0]["report"]["host"]["load_average"] = {0.5, 0.5, 0.5};  // quiet,
  baseline["problems"][0]["report"]["host"]["hardware_threads"] = 2;  // whatever the machine did
  write_json(dir / "baseline.json", baseline);
  const auto& paths = baseline["problems"][0]["report"]["paths"];
  REQUIRE(paths.size() >= 3);
  const std::string slowed = paths[0]["name"];
  auto check = [&](const std::string& name, double load, double slow_factor) {
    json current = baseline;
    scale_steady(current, load, "milliseconds", slowed, slow_factor);
    write_json(dir / name, current);
    return run_conveq("check " + (dir / name).string() + " --baseline " +
                      (dir / "baseline.json").string() + " --min-time-ms 0");
  };

  const CliResult quiet_2x = check("quiet_2x.json", 1, 2);
  INFO(quiet_2x.out);
  CHECK(quiet_2x.exit_status == 1);
  CHECK(quiet_2x.out.find("REGRESSION  milliseconds " + slowed) != std::string::npos);
  CHECK(quiet_2x.out.find("2x relative to the run") != std::string::npos);

  const CliResult loaded_2x = check("loaded_2x.json", 1.6, 3.2);
  INFO(loaded_2x.out);
  CHECK(loaded_2x.exit_status == 1);
  CHECK(loaded_2x.out.find(": 1 regression, ") != std::string::npos);

  const CliResult loaded = check("loaded.json", 1.6, 1.6);
  INFO(loaded.out);
  CHECK(loaded.exit_status == 0);
  CHECK(loaded.out.find("the whole problem moved") != std::string::npos);
  CHECK(loaded.out.find(": 0 regressions, ") != std::string::npos);

  // The report as run, against itself, passes whatever the machine did.
  CHECK(run_conveq("check " + (dir / "run.json").string() + " --baseline " +
                   (dir / "run.json").string())
            .exit_status == 0);
}

TEST_CASE("check: incompatible reports exit 2 and say why", "[cli][check]") {
  const auto dir = fresh_directory("check_incompatible");
  const auto [run, report] = run_suite(kSmoke, dir / "baseline.json", "--filter '^k3'");
  REQUIRE(run.exit_status == 0);
  const std::string baseline = (dir / "baseline.json").string();

  json version = report;
  version["schema_version"] = report["schema_version"].get<int>() + 1;
  write_json(dir / "version.json", version);
  const CliResult v =
      run_conveq("check " + (dir / "version.json").string() + " --baseline " + baseline);
  CHECK(v.exit_status == 2);
  CHECK(v.err.find("schema_version") != std::string::npos);

  json fewer = report;
  const std::string dropped = fewer["problems"][0]["name"];
  fewer["problems"].erase(0);
  write_json(dir / "fewer.json", fewer);
  const CliResult missing =
      run_conveq("check " + (dir / "fewer.json").string() + " --baseline " + baseline);
  INFO(missing.err);
  CHECK(missing.exit_status == 2);
  CHECK(missing.err.find("problems missing from " + (dir / "fewer.json").string() + ": " +
                         dropped) != std::string::npos);
  CHECK(
      run_conveq("check " + (dir / "fewer.json").string() + " --baseline " + baseline + " --subset")
          .exit_status == 0);

  // timing.runqueue_wait_ms: optional, one finite number >= 0 per sample.
  auto with_waits = [&](const std::string& name, const json& waits) {
    json waited = report;
    auto& timing = waited["problems"][0]["report"]["paths"][0]["timing"];
    timing["samples_ms"] = {1.0, 1.0, 1.0};
    timing["runqueue_wait_ms"] = waits;
    write_json(dir / name, waited);
    return run_conveq("check " + (dir / name).string() + " --baseline " + baseline);
  };
  const CliResult waits_ok = with_waits("waits_ok.json", {0.0, 0.01, 2.5});
  INFO(waits_ok.err);
  CHECK(waits_ok.exit_status != 2);
  for (const auto& [name, waits] :
       std::vector<std::pair<std::string, json>>{{"waits_short.json", {0.0, 0.0}},
                                                 {"waits_negative.json", {0.0, -0.1, 0.0}},
                                                 {"waits_text.json", {0.0, "1", 0.0}},
                                                 {"waits_object.json", json::object()}}) {
    const CliResult bad = with_waits(name, waits);
    INFO(name << ": " << bad.err);
    CHECK(bad.exit_status == 2);
    CHECK(bad.err.find("runqueue_wait_ms") != std::string::npos);
    CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
  }

  std::ofstream(dir / "broken.json") << "{\"schema_version\": 1,";
  const CliResult broken =
      run_conveq("check " + (dir / "broken.json").string() + " --baseline " + baseline);
  CHECK(broken.exit_status == 2);
  CHECK(broken.err.find("broken.json: not valid JSON") != std::string::npos);
}

TEST_CASE("show: suite and single reports as tables, and bad files exit 2 naming the file",
          "[cli][show]") {
  const auto dir = fresh_directory("show");
  const auto [run, report] = run_suite(kTestSuites + "failing", dir / "suite.json");
  REQUIRE(run.exit_status == 1);
  const CliResult suite = run_conveq("show " + (dir / "suite.json").string());
  INFO(suite.out << suite.err);
  CHECK(suite.exit_status == 0);
  for (const auto& p : report["problems"]) {
    CHECK(suite.out.find(p["name"].get<std::string>()) != std::string::npos);
  }
  CHECK(lines_of(suite.out).back() == "2 passed, 1 failed, 0 mistrusted");

  write_json(dir / "single.json", report["problems"][0]["report"]);
  const CliResult single = run_conveq("show " + (dir / "single.json").string());
  CHECK(single.exit_status == 0);
  CHECK(single.out.find("verdict: passed") != std::string::npos);

  std::ofstream(dir / "bad.json") << "not json";
  const CliResult bad = run_conveq("show " + (dir / "bad.json").string());
  CHECK(bad.exit_status == 2);
  CHECK(bad.err.find((dir / "bad.json").string()) != std::string::npos);
  const CliResult absent = run_conveq("show " + (dir / "absent.json").string());
  CHECK(absent.exit_status == 2);
  CHECK(absent.err.find("absent.json") != std::string::npos);
  std::ofstream(dir / "other.json") << "{\"hello\": 1}";
  CHECK(run_conveq("show " + (dir / "other.json").string()).exit_status == 2);
}
