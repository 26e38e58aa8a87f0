// The JUnit writer and the GitHub annotations: counts, elements per status, and escaping that
// keeps every document well-formed XML 1.0 (checked here by the rules; the XSD and xmllint
// check real files in tests/ci_formats_test.py).
#include "conveq/report/junit.hpp"
#include "conveq/report/markup.hpp"

#include <catch2/catch.hpp>

#include "conveq/report/github_annotations.hpp"

namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("xml_escape writes markup as entities and forbidden characters visibly", "[junit]") {
  CHECK(conveq::xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
  CHECK(conveq::xml_escape("tab\tnl\ncr\r") == "tab&#9;nl&#10;cr&#13;");
  CHECK(conveq::xml_escape("tab\tnl\ncr\r", false) == "tab\tnl\ncr&#13;");
  CHECK(conveq::xml_escape(std::string("nul\0", 4) + "\x01\x1b\x1f") == "nul\\x00\\x01\\x1b\\x1f");
  CHECK(conveq::xml_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // UTF-8 as it is
  // Not UTF-8: a stray continuation byte, a truncated sequence, an overlong encoding, a
  // surrogate and U+FFFE (not an XML character).
  CHECK(conveq::xml_escape("\x80") == "\\x80");
  CHECK(conveq::xml_escape("\xe2\x82") == "\\xe2\\x82");
  CHECK(conveq::xml_escape("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(conveq::xml_escape("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(conveq::xml_escape("\xef\xbf\xbe") == "\\xef\\xbf\\xbe");
}

TEST_CASE("JunitWriter: one testcase per case, an element per status, the counts", "[junit]") {
  conveq::JunitWriter writer("suite<1>", "host", "2026-01-01T00:00:00");
  writer.add({"ok", "suite", "passed", "", "", 0.5});
  writer.add({"bad", "suite", "failed", "max error 3 > 2", "repro: conveq compare --in 4\n", 1});
  writer.add({"weak", "suite", "mistrusted", "proves nothing", "repro: x\n", 1});
  writer.add({"broken", "suite", "error", "it threw", "repro: y\n", 1});
  writer.add({"later", "suite", "skipped", "not built", "", 0});
  const std::string xml = writer.finish(3.5);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0) == 0);
  CHECK(count_of(xml, "<testcase ") == 5);
  CHECK(count_of(xml, "<failure ") == 2);
  CHECK(count_of(xml, "<error ") == 1);
  CHECK(count_of(xml, "<skipped ") == 1);
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"suite&lt;1&gt;\" tests=\"5\" failures=\"2\" "
                                  "errors=\"1\" skipped=\"1\" time=\"3.500000\""));
  CHECK_THAT(xml, Catch::Contains("<testcase name=\"ok\" classname=\"suite\" time=\"0.500000\"/>"));
  CHECK_THAT(xml, Catch::Contains("<failure message=\"max error 3 &gt; 2\" type=\"failed\">"
                                  "repro: conveq compare --in 4\n</failure>"));
  CHECK_THAT(xml, Catch::Contains("type=\"mistrusted\""));
  CHECK(xml.substr(xml.size() - 27) == "</testsuite>\n</testsuites>\n");
}

TEST_CASE("GitHub workflow commands are escaped by their rules", "[junit]") {
  CHECK(conveq::escape_workflow_message("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d");
  CHECK(conveq::escape_workflow_property("50% a\nb: c, d") == "50%25 a%0Ab%3A c%2C d");
  const nlohmann::json failed = {
      {"name", "p,1"},
      {"line", 7},
      {"status", "failed"},
      {"repro", "conveq compare --in 4"},
      {"report", {{"verdict", {{"summary", "2 of 3 comparisons: 100% off\nsee"}}}}}};
  CHECK(conveq::github_annotation(conveq::ReportView(failed, "r"), "suites/a:b") ==
        "::error file=suites/a%3Ab,line=7,title=conveq%3A p%2C1 failed::2 of 3 comparisons: "
        "100%25 off%0Asee%0Arepro: conveq compare --in 4\n");
  nlohmann::json mistrusted = failed;
  mistrusted["status"] = "mistrusted";
  CHECK(
      conveq::github_annotation(conveq::ReportView(mistrusted, "r"), "s").rfind("::warning ", 0) ==
      0);
  nlohmann::json passed = failed;
  passed["status"] = "passed";
  CHECK(conveq::github_annotation(conveq::ReportView(passed, "r"), "s").empty());
}
