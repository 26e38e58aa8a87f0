#include "conveq/report/json_lines.hpp"

#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <limits>

#include "conveq/report/json.hpp"

namespace conveq {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Invalid UTF-8 from a file name or a message is replaced rather than thrown on.
std::string one_line(const nlohmann::json& record) {
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string json_lines_header(const nlohmann::json& header) {
  nlohmann::json record = header;
  record["record"] = "header";
  return one_line(record);
}

std::string json_lines_problem(const nlohmann::json& entry) {
  nlohmann::json record = entry;
  record["record"] = "problem";
  return one_line(record);
}

std::string json_lines_summary(double seconds, const nlohmann::json& summary) {
  return one_line({{"record", "summary"}, {"seconds", seconds}, {"summary", summary}});
}

// A number cut to 4 significant digits: the compact form keeps what `check` compares (a
// slowdown factor, an error growth factor), not the last bits; null stays null.
nlohmann::json four_digits(const nlohmann::json& value) {
  if (!value.is_number_float()) return value;
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value.get<double>());
  return std::strtod(text, nullptr);
}

nlohmann::json compact_entry(nlohmann::json entry) {
  if (entry.value("status", "") != "passed" || !entry.contains("report")) return entry;
  const nlohmann::json& full = entry["report"];
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& path : full["paths"]) {
    paths.push_back({{"name", path["name"]},
                     {"timing", {{"median_ms", four_digits(path["timing"]["median_ms"])}}}});
  }
  nlohmann::json comparisons = nlohmann::json::array();
  double largest = 0;
  for (const auto& c : full["comparisons"]) {
    // No status: every comparison of a passing problem passed.
    comparisons.push_back(
        {{"a", c["a"]}, {"b", c["b"]}, {"max_scaled_error", four_digits(c["max_scaled_error"])}});
    const auto& u = c["bound_utilisation"];  // null: infinite
    largest = std::max(largest, u.is_number() ? u.get<double>() : kInfinity);
  }
  nlohmann::json report = {{"problem", full["problem"]},
                           {"verdict", full["verdict"]},
                           {"paths", std::move(paths)},
                           {"comparisons", std::move(comparisons)},
                           {"bound_utilisation", number_or_null(largest)}};
  entry["report"] = std::move(report);
  entry["detail"] = "compact";
  return entry;
}

}  // namespace conveq
