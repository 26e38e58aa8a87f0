// The report for a terminal: the problem, a table of paths and one of comparisons.
#include "conveq/report/text_report.hpp"

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "conveq/core/format.hpp"

namespace conveq {
namespace {

using nlohmann::json;

std::string pair_name(const json& comparison) {
  return comparison["a"].get<std::string>() + " vs " + comparison["b"].get<std::string>();
}

// One character per log2 ULP bucket, darker for fuller buckets: " .:-=+*#%@".
std::string histogram_bar(const json& buckets) {
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

void write_header(std::ostringstream& out, const json& report) {
  const auto& problem = report["problem"];
  out << "conveq " << report["tool"]["version"].get<std::string>() << "  "
      << report["repro"].get<std::string>() << "\n";
  out << "problem: input " << problem["input_shape"].dump() << " weight "
      << problem["weight_shape"].dump() << " -> output " << problem["output_shape"].dump() << ", "
      << problem["dtype"].get<std::string>() << ", fill " << problem["fill"].get<std::string>()
      << "\n\n";
}

void write_paths(std::ostringstream& out, const json& report) {
  out << pad("path", 20) << pad("median ms", 12) << pad("min ms", 12) << pad("GFLOP/s", 10) << "\n";
  for (const auto& p : report["paths"]) {
    out << pad(p["name"].get<std::string>(), 20)
        << pad(format_number(p["timing"]["median_ms"], "%.4f"), 12)
        << pad(format_number(p["timing"]["min_ms"], "%.4f"), 12)
        << pad(format_number(p["gflops"], "%.1f"), 10) << "\n";
  }
  for (const auto& s : report["skipped_paths"]) {
    out << pad(s["name"].get<std::string>(), 20) << "skipped: " << s["reason"].get<std::string>()
        << "\n";
  }
}

// One line per output (a path's or the reference's) that holds NaN or infinities, with the
// nonzero counts; nothing when every output is finite. Agreement on such values proves
// nothing, so a reader must see them even when every comparison passed.
void write_nonfinite(std::ostringstream& out, const json& report) {
  bool first = true;
  for (const auto& p : report["paths"]) {
    const json counts = p.value("output_nonfinite", json::object());
    std::string line;
    for (const auto& [field, label] : {std::pair{"nan", "NaN"}, std::pair{"positive_inf", "+inf"},
                                       std::pair{"negative_inf", "-inf"}}) {
      const auto count = counts.value(field, int64_t{0});
      if (count > 0) line += (line.empty() ? "" : ", ") + std::to_string(count) + " " + label;
    }
    if (line.empty()) continue;
    if (first) out << "\nnon-finite outputs:\n";
    first = false;
    out << "  " << pad(p["name"].get<std::string>(), 18) << line << "\n";
  }
}

// One line per path that called a library: what it chose (absent in older reports).
void write_backends(std::ostringstream& out, const json& report) {
  for (const auto& p : report["paths"]) {
    if (!p.contains("backend")) continue;
    const auto& b = p["backend"];
    const auto& layouts = b["layouts"];
    out << "  " << pad(p["name"].get<std::string>(), 24) << b["library"].get<std::string>() << " "
        << b["version"].get<std::string>() << " " << b["implementation"].get<std::string>()
        << ", src " << layouts["src"].get<std::string>() << " weights "
        << layouts["weights"].get<std::string>() << " dst " << layouts["dst"].get<std::string>()
        << ", " << b["threads"].dump() << " threads\n";
  }
}

// The comparison's row, its reason and its first three worst mismatches.
void write_comparison(std::ostringstream& out, const json& c) {
  out << pad(pair_name(c), 38) << pad(c["status"].get<std::string>(), 12)
      << pad(format_number(c["max_abs_error"]), 11) << pad(format_number(c["max_ulp"], "%.0f"), 10)
      << pad(std::to_string(c["mismatches"].get<int64_t>()), 10)
      << format_number(c["bound_utilisation"]) << "\n";
  if (!c["reason"].get<std::string>().empty()) {
    out << "    " << c["reason"].get<std::string>() << "\n";
  }
  int shown = 0;
  for (const auto& m : c["worst_mismatches"]) {
    if (shown++ == 3) break;
    out << "    at " << m["index"].dump() << ": " << format_number(m["a"], "%.9g", "non-finite")
        << " vs " << format_number(m["b"], "%.9g", "non-finite") << " (difference "
        << format_number(m["difference"]) << ", tolerance " << format_number(m["tolerance"])
        << ")\n";
  }
}

void write_comparisons(std::ostringstream& out, const json& report) {
  out << "\n"
      << pad("comparison", 38) << pad("status", 12) << pad("max abs", 11) << pad("max ulp", 10)
      << pad("mismatch", 10) << "bound used\n";
  for (const auto& c : report["comparisons"]) write_comparison(out, c);
}

void write_histograms(std::ostringstream& out, const json& report) {
  out << "\nULP histograms (one column per log2 bucket: 0, 1, 2-3, 4-7, ...; darker = more)\n";
  for (const auto& c : report["comparisons"]) {
    const auto& h = c["ulp_histogram"];
    out << "  " << pad(pair_name(c), 36) << "|" << histogram_bar(h["buckets"]) << "|";
    if (h["not_comparable"].get<int64_t>() > 0) {
      out << " " << h["not_comparable"].dump() << " with NaN";
    }
    out << "\n";
  }
}

// The --check-determinism / --check-batch-invariance sections: one line per differing path.
void write_check(std::ostringstream& out, const json& check, const std::string& title,
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

void write_checks(std::ostringstream& out, const json& report) {
  // Optional sections: absent (older reports) and null (not requested) read the same.
  const auto determinism = report.value("determinism", json());
  const auto batch_invariance = report.value("batch_invariance", json());
  if (!determinism.is_null()) {
    write_check(out, determinism, "determinism",
                {{"rerun_differing_elements", "run again"},
                 {"other_threads_differing_elements",
                  "with " + determinism["other_threads"].dump() + " threads"}});
  }
  write_check(out, batch_invariance, "batch invariance (each sample alone)",
              {{"differing_elements", "alone vs batched"}});
}

}  // namespace

std::string format_text(const json& report) {
  std::ostringstream out;
  write_header(out, report);
  write_paths(out, report);
  write_backends(out, report);
  write_nonfinite(out, report);
  write_comparisons(out, report);
  write_histograms(out, report);
  write_checks(out, report);
  const auto& verdict = report["verdict"];
  out << "\nverdict: " << verdict["status"].get<std::string>() << " - "
      << verdict["summary"].get<std::string>() << "\n";
  return out.str();
}

}  // namespace conveq
