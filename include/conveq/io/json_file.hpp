#pragma once
// Reports read back from disk (`conveq show`, `conveq check`). Bounded before anything is
// built: at most kMaxJsonBytes (enforced while reading: /dev/zero stops there) and
// kMaxJsonDepth nested arrays and objects; every message names the limit.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace conveq {

// About 1,900 problems of the size of data/suites/models; nlohmann's document takes about 11
// times the text in memory.
inline constexpr size_t kMaxJsonBytes = size_t{64} << 20;
// A suite report nests 9 deep.
inline constexpr int kMaxJsonDepth = 64;

// Parses JSON text; throws InputError starting with `name` when it is not valid JSON, nests
// deeper than kMaxJsonDepth, or holds a number that does not fit in a double (1e400).
nlohmann::json parse_json(std::string_view text, const std::string& name);

// Reads and parses a JSON file; throws InputError naming the file when it cannot be read, is
// a directory, is larger than kMaxJsonBytes, or is not valid JSON as parse_json reads it.
nlohmann::json read_json_file(const std::string& path);

// Reads a report written by conveq: a single compare report or a suite report. Throws
// InputError naming the file when it is neither (e.g. no "schema_version"). Its fields are
// read through ReportView (report/report_view.hpp).
nlohmann::json read_report_file(const std::string& path);

}  // namespace conveq
