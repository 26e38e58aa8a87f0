#pragma once
// Text formatting shared by every message and renderer: numbers, columns, lists.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace conveq {

// printf-formatted; "inf" for a non-finite value (reports hold no NaN metrics).
std::string format_number(double value, const char* format = "%.3g");
// A report's number: JSON null (a non-finite value) reads as `null_text`.
std::string format_number(const nlohmann::json& value, const char* format = "%.3g",
                          const char* null_text = "inf");
// `text` padded with spaces to `width` (never cut).
std::string pad(std::string text, size_t width);
// A table cell: padded to `width`, then one space.
std::string column(std::string text, size_t width);
std::string join(const std::vector<std::string>& items, const std::string& separator);
std::string upper(std::string text);

}  // namespace conveq
