#include "conveq/core/format.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace conveq {

std::string format_number(double value, const char* format) {
  if (!std::isfinite(value)) return "inf";
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string format_number(const nlohmann::json& value, const char* format, const char* null_text) {
  if (value.is_null()) return null_text;
  char text[64];
  std::snprintf(text, sizeof text, format, value.get<double>());
  return text;
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string column(std::string text, size_t width) {
  return pad(std::move(text), width) + " ";
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace conveq
