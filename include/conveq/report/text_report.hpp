#pragma once
// A compare report as text for a terminal: `--format text` and `conveq show`.
#include <nlohmann/json.hpp>
#include <string>

namespace conveq {

// Reads the JSON report (also one written by an older conveq: optional sections may be absent).
std::string format_text(const nlohmann::json& report);

}  // namespace conveq
