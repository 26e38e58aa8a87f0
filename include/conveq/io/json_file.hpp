#pragma once
// Reports read back from disk (`conveq show`, `conveq check`).
#include <nlohmann/json.hpp>
#include <string>

namespace conveq {

// Reads and parses a JSON file; throws InputError naming the file when it cannot be read or
// is not valid JSON.
nlohmann::json read_json_file(const std::string& path);

// Reads a report written by conveq: a single compare report or a suite report. Throws
// InputError naming the file when it is neither (e.g. no "schema_version").
nlohmann::json read_report_file(const std::string& path);

}  // namespace conveq
