// The HTML report's pieces: escaping (hostile names from a report stay text), the SVG writer,
// the error map the heat strips draw, the pages' sections, and the progress line.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "conveq/check/compare.hpp"
#include "conveq/check/error_map.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/report/html_report.hpp"
#include "conveq/report/markup.hpp"
#include "conveq/report/progress.hpp"
#include "conveq/session/session.hpp"
#include "input_error.hpp"

namespace {

const std::string kHostile =
    "<script>alert(1)</script>\" onmouseover=\"alert(2)' onfocus='alert(3)&<img src=x>";

// Markup that a hostile string would have brought to life: one of its tags, or an attribute
// that its quotes closed. (As escaped text, "onmouseover=" is harmless.)
bool has_live_markup(const std::string& page) {
  return page.find("<script>alert") != std::string::npos ||
         page.find("<img src") != std::string::npos ||
         page.find("\" onmouseover=\"") != std::string::npos ||
         page.find("' onfocus='") != std::string::npos;
}

nlohmann::json small_report() {
  conveq::ProblemOptions options;
  options.in_channels = "6";
  options.out_channels = "5";
  options.length = "40";
  options.kernel = "3";
  conveq::RunOptions run;
  run.warmup = 0;
  run.repeat = 1;
  return conveq::run_compare(conveq::make_problem(options), run).report;
}

// Every string a person could have chosen, replaced by the hostile one.
nlohmann::json hostile_report() {
  nlohmann::json report = small_report();
  report["paths"][0]["name"] = kHostile;
  report["comparisons"][0]["a"] = kHostile;
  report["comparisons"][0]["reason"] = kHostile;
  report["skipped_paths"][0]["reason"] = kHostile;
  report["verdict"]["summary"] = kHostile;
  report["repro"] = kHostile;
  report["host"]["cpu_model"] = kHostile;
  return report;
}

}  // namespace

TEST_CASE("html_escape turns every markup character into text", "[html]") {
  CHECK(conveq::html_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(conveq::html_escape("plain conv1d/im2col") == "plain conv1d/im2col");
  // Control characters are not allowed in XML: shown as \xNN, tab and newline kept.
  CHECK(conveq::html_escape(std::string("a\x01\x1b"
                                        "b\tc\n",
                                        7)) == "a\\x01\\x1bb\tc\n");
  CHECK_FALSE(has_live_markup(conveq::html_escape(kHostile)));
  CHECK(has_live_markup(kHostile));  // the check itself sees the raw string
}

TEST_CASE("the SVG writer escapes text and attributes and writes plain numbers", "[html]") {
  conveq::Svg svg(100, 50.5, "a \"chart\"");
  svg.rect(1.005, 2, 3.25, 4, "#fff\"><script>", kHostile);
  svg.text(1, 2, kHostile, "middle");
  svg.line(0, 0, 1e-9, -0.0, "red", true);
  const std::string s = svg.str();
  CHECK_FALSE(has_live_markup(s));
  CHECK(s.find("<script>") == std::string::npos);
  CHECK(s.rfind("<svg width=\"100\" height=\"50.5\"", 0) == 0);
  CHECK(s.find("aria-label=\"a &quot;chart&quot;\"") != std::string::npos);
  CHECK(s.find("<title>&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(s.find("x2=\"0\" y2=\"0\"") != std::string::npos);
  CHECK(s.find("stroke-dasharray") != std::string::npos);
  CHECK(conveq::svg_number(12.345) == "12.35");
  CHECK(conveq::svg_number(-0.001) == "0");
  CHECK(conveq::svg_number(INFINITY) == "0");
  CHECK(conveq::svg_number(1e6) == "1000000");
}

TEST_CASE("the error map puts each element's utilisation in its channel and position bucket",
          "[html][compare]") {
  // 100 channels of 200 positions: 4 channels and 7 positions per bucket (at most 32 each).
  conveq::ErrorMapAccumulator map(100, 200);
  const int64_t channel = 37, position = 150;
  map.add(2 * 100 * 200 + channel * 200 + position, 0.75);  // sample 2
  map.add(5, 0.0);
  map.add(6, INFINITY);
  const conveq::ErrorMap m = map.finish();
  CHECK(m.channel_bucket_size == 4);
  CHECK(m.position_bucket_size == 7);
  REQUIRE(m.channel_max_utilisation.size() == 25);
  REQUIRE(m.position_max_utilisation.size() == 29);
  CHECK(m.channel_max_utilisation[9] == 0.75);
  CHECK(m.position_max_utilisation[150 / 7] == 0.75);
  CHECK(std::isinf(m.channel_max_utilisation[0]));  // flat 6: channel 0, position 6
  CHECK(std::isinf(m.position_max_utilisation[0]));
  CHECK(m.channel_max_utilisation[1] == 0);
  // Histogram: 0 in bucket 0, 0.75 in [0.5, 1), infinity in the last bucket.
  CHECK(m.utilisation_histogram[0] == 1);
  const int half = 2 - conveq::kLowestUtilisationExponent - 1;
  CHECK(conveq::utilisation_bucket_lower(half) == 0.5);
  CHECK(conveq::utilisation_bucket_upper(half) == 1.0);
  CHECK(m.utilisation_histogram[half] == 1);
  CHECK(m.utilisation_histogram[conveq::kUtilisationBuckets - 1] == 1);
  CHECK(conveq::utilisation_bucket_lower(half + 1) == 1.0);  // the bound starts a bucket
}

TEST_CASE("compare_outputs locates a broken output channel in the error map", "[html][compare]") {
  // (N=2, C=8, P=10): channel 5 of sample 1 is wrong, everything else exact.
  const int64_t channels = 8, positions = 10, n = 2 * channels * positions;
  std::vector<double> a(n, 1.0), b(n, 1.0), scale(n, 1.0);
  for (int64_t p = 0; p < positions; ++p) a[(1 * channels + 5) * positions + p] = 1.5;
  conveq::CompareInput in;
  in.a_name = "broken";
  in.b_name = "reference";
  in.a = a;
  in.b = b;
  in.scale = scale;
  in.shape = {2, channels, positions};
  in.channels = channels;
  in.positions = positions;
  in.tolerance = conveq::user_tolerance(0.1, 0);
  const auto r = conveq::compare_outputs(in, {});
  const auto& map = r.error_map.channel_max_utilisation;
  REQUIRE(map.size() == 8);
  for (size_t c = 0; c < map.size(); ++c) {
    INFO("channel " << c);
    if (c == 5) {
      CHECK(map[c] == Approx(5.0));
    } else {
      CHECK(map[c] == 0);
    }
  }
  for (const double u : r.error_map.position_max_utilisation) CHECK(u == Approx(5.0));
}

TEST_CASE("a compare page has the verdict first and every section, with hostile names escaped",
          "[html]") {
  const std::string page = conveq::format_html(hostile_report());
  CHECK_FALSE(has_live_markup(page));
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  const size_t verdict = page.find("id=\"verdict\"");
  REQUIRE(verdict != std::string::npos);
  for (const char* id :
       {"id=\"problem\"", "id=\"paths\"", "id=\"comparisons\"", "id=\"comparison-0\""}) {
    INFO(id);
    CHECK(page.find(id) > verdict);
    CHECK(page.find(id) != std::string::npos);
  }
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("rigorous bound") != std::string::npos);
  CHECK(page.find("by output channel") != std::string::npos);
  // Self-contained: nothing to fetch.
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<script") == std::string::npos);  // a single report needs no script
}

TEST_CASE("a suite page has a sortable table and the speed plot, names escaped", "[html]") {
  nlohmann::json report = small_report();
  nlohmann::json suite = {
      {"schema_version", report["schema_version"]},
      {"tool", report["tool"]},
      {"host", report["host"]},
      {"suite",
       {{"file", kHostile},
        {"problems_in_file", 2},
        {"problems_selected", 2},
        {"shard", {{"index", 1}, {"count", 1}}},
        {"filter", nullptr},
        {"command", kHostile},
        {"seconds", 0.5}}},
      {"problems",
       {{{"name", kHostile},
         {"line", 1},
         {"options", "--in 6"},
         {"repro", kHostile},
         {"status", "passed"},
         {"seconds", 0.1},
         {"report", report}},
        {{"name", "broken"},
         {"line", 2},
         {"options", "--in 6"},
         {"repro", "conveq compare"},
         {"status", "error"},
         {"seconds", 0.1},
         {"error", kHostile}}}},
      {"summary",
       {{"problems", 2}, {"passed", 1}, {"failed", 1}, {"mistrusted", 0}, {"errors", 1}}}};
  const std::string page = conveq::format_html(suite);
  // The sorting script is the page's own, after the content; no hostile markup lives.
  CHECK_FALSE(has_live_markup(page));
  CHECK(page.find("class=\"verdict failed\"") < page.find("id=\"problems\""));
  CHECK(page.find("<table class=\"sortable\">") != std::string::npos);
  CHECK(page.find("id=\"speed\"") != std::string::npos);
  CHECK(page.find("<circle") != std::string::npos);
  CHECK(page.find("id=\"problem-0-paths\"") != std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
}

TEST_CASE("a large suite's page details only the problems that did not pass", "[html]") {
  const nlohmann::json report = small_report();
  nlohmann::json problems = nlohmann::json::array();
  for (int i = 0; i < 101; ++i) {
    problems.push_back({{"name", "p" + std::to_string(i)},
                        {"line", i + 1},
                        {"options", ""},
                        {"repro", "conveq compare"},
                        {"status", i == 7 ? "failed" : "passed"},
                        {"seconds", 0.1},
                        {"report", report}});
  }
  const nlohmann::json suite = {
      {"schema_version", report["schema_version"]},
      {"tool", report["tool"]},
      {"host", report["host"]},
      {"suite",
       {{"file", "big"},
        {"problems_in_file", 101},
        {"problems_selected", 101},
        {"shard", {{"index", 1}, {"count", 1}}},
        {"filter", nullptr},
        {"command", "conveq run big"},
        {"seconds", 1.0}}},
      {"problems", problems},
      {"summary",
       {{"problems", 101}, {"passed", 100}, {"failed", 1}, {"mistrusted", 0}, {"errors", 0}}}};
  const std::string page = conveq::format_html(suite);
  // A problem's own section and link; its comparisons' ids go on ("problem-7-comparison-0").
  const auto count = [&](const std::string& pattern) {
    const std::regex re(pattern);
    return std::distance(std::sregex_iterator(page.begin(), page.end(), re),
                         std::sregex_iterator());
  };
  CHECK(count(R"(<details id="problem-\d+")") == 1);
  CHECK(count(R"(<a href="#problem-\d+")") == 101);
  CHECK(page.find("<details id=\"problem-7\"") != std::string::npos);
  CHECK(page.find("1 of 101 problems shown here") != std::string::npos);
}

TEST_CASE("a page from a report with a mistyped field is an InputError naming it", "[html]") {
  nlohmann::json report = small_report();
  report["comparisons"][0]["error_map"]["channel_max_utilisation"] = "high";
  const std::string message = error_of([&] { conveq::format_html(report); });
  CHECK(message.find("comparisons[0].error_map.channel_max_utilisation") != std::string::npos);
}

TEST_CASE("a suite page's missing field is named with the report's file", "[html]") {
  // Found by report_fuzzer: the summary was read through a view of another name.
  const nlohmann::json report = small_report();
  const nlohmann::json suite = {
      {"schema_version", report["schema_version"]},
      {"tool", report["tool"]},
      {"host", report["host"]},
      {"suite",
       {{"file", "f"},
        {"problems_in_file", 0},
        {"problems_selected", 0},
        {"shard", {{"index", 1}, {"count", 1}}},
        {"filter", nullptr},
        {"command", "c"},
        {"seconds", 0.1}}},
      {"problems", nlohmann::json::array()},
      {"summary", {{"problems", 0}, {"failed", 0}, {"mistrusted", 0}, {"errors", 0}}}};
  const std::string message =
      error_of([&] { conveq::format_html(conveq::ReportView(suite, "s.json")); });
  CHECK(message == "s.json: field summary.passed: missing");
}

TEST_CASE("the progress line counts, names the current job and estimates the rest", "[progress]") {
  CHECK(conveq::duration_text(0) == "0:00");
  CHECK(conveq::duration_text(65.4) == "1:05");
  CHECK(conveq::duration_text(7384) == "2:03:04");
  CHECK(conveq::progress_text(0, 4, "first", 0) == "[0/4 0%] first  0:00 elapsed");
  // 1 of 4 done in 10 s: about 30 s for the other 3.
  CHECK(conveq::progress_text(1, 4, "second", 10) ==
        "[1/4 25%] second  0:10 elapsed, about 0:30 left");
  const std::string long_name(100, 'x');
  CHECK(conveq::progress_text(1, 2, long_name, 1).size() < 80);
  CHECK(conveq::progress_text(1, 2, "a\nb", 1).find('\n') == std::string::npos);
}
