// Reading suites from anything a user may name: long, binary or endless input is refused
// with one clear line (FILE:LINE or FILE, and the limit), and quickly.
#include <catch2/catch.hpp>
#include <fstream>

#include "cli_runner.hpp"
#include "conveq/suite/suite.hpp"
#include "input_error.hpp"

namespace {

std::string repeat(const std::string& piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

std::string write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

}  // namespace

TEST_CASE("suite lines longer than the limit are refused before anything parses them", "[suite]") {
  // An unnamed 130 KB line: its options were its name, and --filter's std::regex overflowed
  // the stack on it; option parsing was quadratic in its length.
  const std::string long_line = repeat("--in 4 ", 200000);
  const std::string message =
      error_of([&] { conveq::parse_suite("ok: --in 4\n" + long_line + "\n", "long.suite"); });
  CHECK(message == "long.suite:2: " + std::to_string(long_line.size()) +
                       " characters: a suite line holds at most 4096");

  const std::string at_limit = "n: --in 4 #" + std::string(4096 - 11, 'x');
  CHECK(conveq::parse_suite(at_limit, "s").lines.size() == 1);
  CHECK(!error_of([&] { conveq::parse_suite(at_limit + "x", "s"); }).empty());

  const std::string many_words = "n:" + repeat(" --in 4", 130);  // 261 words, 912 characters
  CHECK(error_of([&] { conveq::parse_suite(many_words, "w.suite"); }) ==
        "w.suite:1: 261 words: a suite line holds at most 256 (options and their values)");
}

TEST_CASE("a control character in a suite line is named, escaped, with its line", "[suite]") {
  const std::string text = std::string("ok: --in 4\nbad: --in\0 4\n", 24);
  const std::string message = error_of([&] { conveq::parse_suite(text, "nul.suite"); });
  CHECK(message ==
        "nul.suite:2: control character \\0 at column 10: a suite line holds printable text and "
        "tabs only");
  CHECK(error_of([] {
          conveq::parse_suite("a: --in 4 \x1b[31m\n", "esc.suite");
        }).find("esc.suite:1: control character \\x1b at column 11") == 0);
  // Tabs and the \r of a file written on Windows are whitespace, not errors.
  const auto crlf = conveq::parse_suite("a:\t--in 4\r\nb: --in 5\r\n", "crlf.suite");
  REQUIRE(crlf.lines.size() == 2);
  CHECK(crlf.lines[1].options == "--in 5");
}

TEST_CASE("a suite with many bad lines lists the first 20 and counts the rest", "[suite]") {
  const std::string message =
      error_of([] { conveq::parse_suite(repeat("bad!name: --in 4\n", 1000), "bad.suite"); });
  CHECK(std::count(message.begin(), message.end(), '\n') == 20);
  CHECK(message.find("bad.suite:20: name \"bad!name\"") != std::string::npos);
  CHECK(message.find("bad.suite:21:") == std::string::npos);
  CHECK(message.find("bad.suite: 980 more malformed lines not shown") != std::string::npos);
}

TEST_CASE("a suite is read with its size limit enforced while reading", "[suite]") {
  // /dev/zero never ends: it was read whole before the 16 MiB check, growing without bound.
  CHECK(error_of([] { conveq::read_suite("/dev/zero"); }) ==
        "/dev/zero: larger than 16 MiB, the limit for a suite file");
  const auto dir = fresh_directory("suite_reader");
  CHECK(error_of([&] { conveq::read_suite(dir.string()); }) ==
        dir.string() + ": is a directory, not a suite file");
  const std::string big = write_file(dir / "big.suite", std::string((16 << 20) + 1, '\n'));
  CHECK(error_of([&] { conveq::read_suite(big); }).find("larger than 16 MiB") != std::string::npos);
  // Exactly 16 MiB: 4096 lines of 4096 bytes, one problem and comments.
  const std::string problem = "a: --in 4 #" + std::string(4096 - 12, 'x') + "\n";
  const std::string comment = "#" + std::string(4094, 'x') + "\n";
  const std::string fits = write_file(dir / "fits.suite", problem + repeat(comment, 4095));
  REQUIRE(std::filesystem::file_size(fits) == 16 << 20);
  CHECK(conveq::read_suite(fits).lines.size() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("conveq run refuses endless, binary and overlong suites with exit 2", "[suite][cli]") {
  const auto dir = fresh_directory("suite_reader_cli");
  const CliResult endless = run_conveq("run /dev/zero");
  CHECK(endless.exit_status == 2);
  CHECK(endless.err == "conveq: /dev/zero: larger than 16 MiB, the limit for a suite file\n");

  const CliResult directory = run_conveq("run " + dir.string());
  CHECK(directory.exit_status == 2);
  CHECK(directory.err == "conveq: " + dir.string() + ": is a directory, not a suite file\n");

  const std::string long_line =
      write_file(dir / "long.suite", repeat("--in 4 ", 20000) + "--repeat 1\n");
  const CliResult filtered = run_conveq("run " + long_line + " --filter '(a+)+$'");
  CHECK(filtered.exit_status == 2);
  CHECK(filtered.err == "conveq: " + long_line +
                            ":1: 140010 characters: a suite line holds at "
                            "most 4096\n");

  const std::string nul = write_file(dir / "nul.suite", std::string("a: --in 4\0 --out 2\n", 19));
  const CliResult binary = run_conveq("run " + nul);
  CHECK(binary.exit_status == 2);
  CHECK(binary.err == "conveq: " + nul +
                          ":1: control character \\0 at column 10: a suite line holds printable "
                          "text and tabs only\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("conveq run refuses a filter outside the supported subset with exit 2", "[suite][cli]") {
  const std::string smoke = std::string(CONVEQ_SOURCE_DIR) + "/data/suites/smoke";
  const CliResult r = run_conveq("run " + smoke + " --list --filter '(a)\\1'");
  CHECK(r.exit_status == 2);
  CHECK(r.err == "conveq: --filter (a)\\1: \\1 at character 4: backreferences are not supported\n");
  const CliResult ok =
      run_conveq("run " + smoke + " --list --filter '^(pointwise|depthwise)_.*d$'");
  CHECK(ok.exit_status == 0);
  CHECK(!ok.out.empty());
}
