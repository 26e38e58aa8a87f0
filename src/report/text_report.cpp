// The report for a terminal: the problem, a table of paths and one of comparisons.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

#include "conveq/report/report.hpp"

namespace conveq {
namespace {

// JSON null is an infinite error metric, or a NaN/infinite output value (`null_text`).
std::string number(const nlohmann::json& value, const char* format = "%.3g",
                   const char* null_text = "inf") {
  if (value.is_null()) return null_text;
  char text[64];
  std::snprintf(text, sizeof text, format, value.get<double>());
  return text;
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

// One character per log2 ULP bucket, darker for fuller buckets: " .:-=+*#%@".
std::string histogram_bar(const nlohmann::json& buckets) {
  int64_t largest = 0;
  for (const auto& b : buckets) largest = std::max(largest, b["count"].get<int64_t>());
  const std::string shades = " .:-=+*#%@";
  std::string bar;
  for (const auto& b : buckets) {
    const auto count = b["count"].get<int64_t>();
    size_t shade = 0;
    if (count > 0) {
      shade =
          1 + static_cast<size_t>(8.0 * static_cast<double>(count) / static_cast<double>(largest));
    }
    bar += shades[std::min(shade, shades.size() - 1)];
  }
  return bar;
}

// The --check-determinism / --check-batch-invariance sections: one line per differing path.
void format_check(std::ostringstream& out, const nlohmann::json& check, const std::string& title,
                  const std::vector<std::pair<std::string, std::string>>& counts) {
  if (check.is_null()) return;
  out << "\n"
      << title << ": " << (check["identical"].get<bool>() ? "bit-identical" : "DIFFERS") << "\n";
  for (const auto& p : check["paths"]) {
    if (p["identical"].get<bool>()) continue;
    out << "    " << pad(p["name"].get<std::string>(), 18);
    for (const auto& [field, label] : counts) {
      out << "  " << label << ": " << p[field].dump() << " elements differ";
    }
    out << "\n";
  }
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
    int shown = 0;
    for (const auto& m : c["worst_mismatches"]) {
      if (shown++ == 3) break;
      out << "    at " << m["index"].dump() << ": " << number(m["a"], "%.9g", "non-finite")
          << " vs " << number(m["b"], "%.9g", "non-finite") << " (difference "
          << number(m["difference"]) << ", tolerance " << number(m["tolerance"]) << ")\n";
    }
  }
  out << "\nULP histograms (one column per log2 bucket: 0, 1, 2-3, 4-7, ...; darker = more)\n";
  for (const auto& c : report["comparisons"]) {
    const auto& h = c["ulp_histogram"];
    out << "  " << pad(c["a"].get<std::string>() + " vs " + c["b"].get<std::string>(), 36) << "|"
        << histogram_bar(h["buckets"]) << "|";
    if (h["not_comparable"].get<int64_t>() > 0) {
      out << " " << h["not_comparable"].dump() << " with NaN";
    }
    out << "\n";
  }
  // Optional sections: absent (older reports) and null (not requested) read the same.
  const auto determinism = report.value("determinism", nlohmann::json());
  const auto batch_invariance = report.value("batch_invariance", nlohmann::json());
  if (!determinism.is_null()) {
    format_check(out, determinism, "determinism",
                 {{"rerun_differing_elements", "run again"},
                  {"other_threads_differing_elements",
                   "with " + determinism["other_threads"].dump() + " threads"}});
  }
  format_check(out, batch_invariance, "batch invariance (each sample alone)",
               {{"differing_elements", "alone vs batched"}});
  const auto& verdict = report["verdict"];
  out << "\nverdict: " << verdict["status"].get<std::string>() << " - "
      << verdict["summary"].get<std::string>() << "\n";
  return out.str();
}

}  // namespace conveq
