// The report for a terminal: the problem, a table of paths and one of comparisons.
#include <cstdio>
#include <sstream>

#include "conveq/report.hpp"

namespace conveq {
namespace {

std::string number(const nlohmann::json& value, const char* format = "%.3g") {
  if (value.is_null()) return "inf";
  char text[64];
  std::snprintf(text, sizeof text, format, value.get<double>());
  return text;
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string format_text(const nlohmann::json& report) {
  std::ostringstream out;
  const auto& problem = report["problem"];
  out << "conveq " << report["tool"]["version"].get<std::string>() << "  "
      << report["repro"].get<std::string>() << "\n";
  out << "problem: input " << problem["input_shape"].dump() << " weight "
      << problem["weight_shape"].dump() << " -> output " << problem["output_shape"].dump() << ", "
      << problem["dtype"].get<std::string>() << ", fill " << problem["fill"].get<std::string>()
      << "\n\n";
  out << pad("path", 20) << pad("median ms", 12) << pad("min ms", 12) << pad("GFLOP/s", 10) << "\n";
  for (const auto& p : report["paths"]) {
    out << pad(p["name"].get<std::string>(), 20)
        << pad(number(p["timing"]["median_ms"], "%.4f"), 12)
        << pad(number(p["timing"]["min_ms"], "%.4f"), 12) << pad(number(p["gflops"], "%.1f"), 10)
        << "\n";
  }
  for (const auto& s : report["skipped_paths"]) {
    out << pad(s["name"].get<std::string>(), 20) << "skipped: " << s["reason"].get<std::string>()
        << "\n";
  }
  out << "\n"
      << pad("comparison", 38) << pad("status", 12) << pad("max abs", 11) << pad("max ulp", 10)
      << pad("mismatch", 10) << "bound used\n";
  for (const auto& c : report["comparisons"]) {
    out << pad(c["a"].get<std::string>() + " vs " + c["b"].get<std::string>(), 38)
        << pad(c["status"].get<std::string>(), 12) << pad(number(c["max_abs_error"]), 11)
        << pad(number(c["max_ulp"], "%.0f"), 10)
        << pad(std::to_string(c["mismatches"].get<int64_t>()), 10) << number(c["bound_utilisation"])
        << "\n";
    if (!c["reason"].get<std::string>().empty()) {
      out << "    " << c["reason"].get<std::string>() << "\n";
    }
  }
  const auto& verdict = report["verdict"];
  out << "\nverdict: " << verdict["status"].get<std::string>() << " - "
      << verdict["summary"].get<std::string>() << "\n";
  return out.str();
}

}  // namespace conveq
