// The report for a terminal: the problem, a table of paths and one of comparisons.
#include "conveq/report/text_report.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "conveq/core/format.hpp"

namespace conveq {
namespace {

// A report's number (null: non-finite) as text; null reads as `null_text`.
std::string number_text(const ReportView& value, const char* format = "%.3g",
                        const char* null_text = "inf") {
  const std::optional<double> number = value.number_or_null();
  return number ? format_number(*number, format) : null_text;
}

// "[1,16,60]", as the JSON has it.
std::string integers_text(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

std::string pair_name(const ReportView& comparison) {
  return comparison["a"].string() + " vs " + comparison["b"].string();
}

// One character per log2 ULP bucket, darker for fuller buckets: " .:-=+*#%@".
std::string histogram_bar(const ReportView& buckets) {
  std::vector<int64_t> counts;
  for (const auto& b : buckets.items()) counts.push_back(b["count"].count());
  const int64_t largest = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  const std::string shades = " .:-=+*#%@";
  std::string bar;
  for (const int64_t count : counts) {
    size_t shade = 0;
    if (count > 0) {
      shade =
          1 + static_cast<size_t>(8.0 * static_cast<double>(count) / static_cast<double>(largest));
    }
    bar += shades[std::min(shade, shades.size() - 1)];
  }
  return bar;
}

void write_header(std::ostringstream& out, const ReportView& report) {
  const auto problem = report["problem"];
  out << "conveq " << report["tool"]["version"].string() << "  " << report["repro"].string()
      << "\n";
  out << "problem: input " << integers_text(problem["input_shape"].integers()) << " weight "
      << integers_text(problem["weight_shape"].integers()) << " -> output "
      << integers_text(problem["output_shape"].integers()) << ", " << problem["dtype"].string()
      << accumulation_text(problem) << ", fill " << problem["fill"].string() << "\n\n";
}

// The paths of one library (or conveq's own, library ""), in report order.
struct PathGroup {
  std::string library;
  std::vector<ReportView> paths;
};

std::string library_of(const ReportView& path) {
  const auto backend = path.optional("backend");
  return backend ? (*backend)["library"].string() : "";
}

std::vector<PathGroup> group_by_library(const ReportView& report) {
  std::vector<PathGroup> groups{{"", {}}};  // conveq's own first, with the reference
  for (const auto& p : report["paths"].items()) {
    const std::string library = library_of(p);
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const PathGroup& g) { return g.library == library; });
    if (group == groups.end()) group = groups.insert(groups.end(), {library, {}});
    group->paths.push_back(p);
  }
  return groups;
}

// "oneDNN 2.6.3, 2 threads", from the group's first path (one library, one run).
std::string group_title(const PathGroup& group) {
  if (group.library.empty()) return "conveq's own";
  const auto backend = group.paths.front()["backend"];
  return backend["library"].string() + " " + backend["version"].string() + ", " +
         std::to_string(backend["threads"].count()) + " threads";
}

void write_path_row(std::ostringstream& out, const ReportView& p) {
  out << "  " << column(p["name"].string(), 23)
      << pad(number_text(p["timing"]["median_ms"], "%.4f"), 12)
      << pad(number_text(p["timing"]["min_ms"], "%.4f"), 12)
      << pad(number_text(p["gflops"], "%.1f"), 10) << "\n";
}

// The formulations of one algorithm against the one they are all compared with (the anchor,
// in every twin comparison), by outcome: "vs conv1d/onednn: conv2d, linear bit-identical".
std::string twins_text(const std::vector<ReportView>& twins) {
  // The plan compares the anchor with each other formulation, and a linear path with it.
  const auto& first = twins.front();
  const std::string anchor =
      first["a"].string().starts_with("linear/") ? first["b"].string() : first["a"].string();
  std::string identical, rounding, failed;
  double max_abs = 0;
  for (const auto& c : twins) {
    const std::string other = c["a"].string() == anchor ? c["b"].string() : c["a"].string();
    const std::string op = other.substr(0, other.find('/'));
    const std::optional<double> abs = c["max_abs_error"].number_or_null();
    std::string& list = c["status"].string() == "failed" ? failed
                        : abs && *abs == 0.0             ? identical
                                                         : rounding;
    list += (list.empty() ? "" : ", ") + op;
    if (&list == &rounding) max_abs = std::max(max_abs, abs.value_or(0.0));
  }
  std::string text = "vs " + anchor + ":";
  if (!identical.empty()) text += " " + identical + " bit-identical;";
  if (!rounding.empty()) {
    text += " " + rounding + " within rounding (up to " + format_number(max_abs) + ");";
  }
  if (!failed.empty()) text += " " + failed + " DIFFER (failed);";
  return text;
}

// Per algorithm of the group: are its formulations bit-identical, and which is fastest.
void write_group_summary(std::ostringstream& out, const ReportView& report,
                         const PathGroup& group) {
  std::map<std::string, std::string> algorithm_of;
  for (const auto& p : group.paths) algorithm_of[p["name"].string()] = p["algorithm"].string();
  std::vector<std::string> algorithms;
  std::map<std::string, std::vector<ReportView>> twins;
  for (const auto& c : report["comparisons"].items()) {
    const auto a = algorithm_of.find(c["a"].string()), b = algorithm_of.find(c["b"].string());
    if (a == algorithm_of.end() || b == algorithm_of.end() || c["b"].string() == "reference") {
      continue;
    }
    if (!twins.contains(b->second)) algorithms.push_back(b->second);
    twins[b->second].push_back(c);
  }
  for (const auto& algorithm : algorithms) {
    std::string fastest;
    double fastest_ms = std::numeric_limits<double>::infinity();
    for (const auto& p : group.paths) {
      const auto ms = p["timing"]["median_ms"].number_or_null();
      const bool twin =
          std::any_of(twins[algorithm].begin(), twins[algorithm].end(), [&](const ReportView& c) {
            return c["a"].string() == p["name"].string() || c["b"].string() == p["name"].string();
          });
      if (twin && ms && *ms < fastest_ms) {
        fastest_ms = *ms;
        fastest = p["name"].string();
      }
    }
    out << "  " << algorithm << " " << twins_text(twins[algorithm]);
    if (!fastest.empty()) out << " fastest " << fastest;
    out << "\n";
  }
}

// What each library path chose: its kernel and layouts.
void write_kernels(std::ostringstream& out, const PathGroup& group) {
  for (const auto& p : group.paths) {
    const auto backend = p.optional("backend");
    if (!backend) continue;
    const auto layouts = (*backend)["layouts"];
    out << "    " << column(p["name"].string(), 23) << (*backend)["implementation"].string()
        << "; src " << layouts["src"].string() << " weights " << layouts["weights"].string()
        << " dst " << layouts["dst"].string() << "\n";
  }
}

// The paths grouped by library, each group with its formulations' agreement and speed.
void write_paths(std::ostringstream& out, const ReportView& report) {
  out << column("path", 25) << pad("median ms", 12) << pad("min ms", 12) << pad("GFLOP/s", 10)
      << "\n";
  for (const auto& group : group_by_library(report)) {
    out << group_title(group) << "\n";
    for (const auto& p : group.paths) write_path_row(out, p);
    write_group_summary(out, report, group);
    write_kernels(out, group);
  }
  const auto skipped = report["skipped_paths"].items();
  if (!skipped.empty()) out << "skipped\n";
  for (const auto& s : skipped) {
    out << "  " << column(s["name"].string(), 23) << s["reason"].string() << "\n";
  }
}

// One line per output (a path's or the reference's) that holds NaN or infinities, with the
// nonzero counts; nothing when every output is finite. Agreement on such values proves
// nothing, so a reader must see them even when every comparison passed.
void write_nonfinite(std::ostringstream& out, const ReportView& report) {
  bool first = true;
  for (const auto& p : report["paths"].items()) {
    // Optional: reports of conveq before the non-finite counts have none.
    const auto counts = p.optional("output_nonfinite");
    if (!counts) continue;
    std::string line;
    for (const auto& [field, label] : {std::pair{"nan", "NaN"}, std::pair{"positive_inf", "+inf"},
                                       std::pair{"negative_inf", "-inf"}}) {
      const int64_t count = (*counts)[field].count();
      if (count > 0) line += (line.empty() ? "" : ", ") + std::to_string(count) + " " + label;
    }
    if (line.empty()) continue;
    if (first) out << "\nnon-finite outputs:\n";
    first = false;
    out << "  " << column(p["name"].string(), 23) << line << "\n";
  }
}

// The probabilistic band's utilisation, "-" without a band (or in reports before it).
std::string band_text(const ReportView& c) {
  const auto band = c.optional("probabilistic_band");
  return band ? number_text((*band)["utilisation"]) : "-";
}

// "21.6 (17.2)": effective bits and what a correct result reads at least; "exact" with no
// error at all, "-" when nothing was measured (or in reports before the precision).
std::string bits_text(const ReportView& c) {
  const auto precision = c.optional("precision");
  if (!precision) return "-";
  const auto& p = *precision;
  if (p["outputs"].count() == 0) return "-";
  const std::optional<double> expected = p["expected_precision_bits"].number_or_null();
  return number_text(p["effective_precision_bits"], "%.1f", "exact") +
         (expected ? " (" + format_number(*expected, "%.1f") + ")" : "") +
         (p["accepted"].boolean() ? " accepted" : "");
}

// The comparison's row, its reason and its first three worst mismatches.
void write_comparison(std::ostringstream& out, const ReportView& c) {
  out << column(pair_name(c), 47) << pad(c["status"].string(), 12)
      << pad(number_text(c["max_abs_error"]), 11) << pad(number_text(c["max_ulp"], "%.0f"), 10)
      << pad(std::to_string(c["mismatches"].count()), 10)
      << pad(number_text(c["bound_utilisation"]), 12) << pad(band_text(c), 11) << bits_text(c)
      << "\n";
  const std::string reason = c["reason"].string();
  if (!reason.empty()) out << "    " << reason << "\n";
  int shown = 0;
  for (const auto& m : c["worst_mismatches"].items()) {
    if (shown++ == 3) break;
    out << "    at " << integers_text(m["index"].integers()) << ": "
        << number_text(m["a"], "%.9g", "non-finite") << " vs "
        << number_text(m["b"], "%.9g", "non-finite") << " (difference "
        << number_text(m["difference"]) << ", tolerance " << number_text(m["tolerance"]) << ")\n";
  }
}

void write_comparisons(std::ostringstream& out, const ReportView& report) {
  out << "\n"
      << column("comparison", 47) << pad("status", 12) << pad("max abs", 11) << pad("max ulp", 10)
      << pad("mismatch", 10) << pad("bound used", 12) << pad("band used", 11)
      << "bits (expected)\n";
  for (const auto& c : report["comparisons"].items()) write_comparison(out, c);
}

void write_histograms(std::ostringstream& out, const ReportView& report) {
  out << "\nULP histograms (one column per log2 bucket: 0, 1, 2-3, 4-7, ...; darker = more)\n";
  for (const auto& c : report["comparisons"].items()) {
    const auto h = c["ulp_histogram"];
    out << "  " << column(pair_name(c), 45) << "|" << histogram_bar(h["buckets"]) << "|";
    const int64_t not_comparable = h["not_comparable"].count();
    if (not_comparable > 0) out << " " << not_comparable << " with NaN";
    out << "\n";
  }
}

// The --check-determinism / --check-batch-invariance sections: one line per differing path.
void write_check(std::ostringstream& out, const ReportView& check, const std::string& title,
                 const std::vector<std::pair<std::string, std::string>>& counts) {
  out << "\n"
      << title << ": " << (check["identical"].boolean() ? "bit-identical" : "DIFFERS") << "\n";
  for (const auto& p : check["paths"].items()) {
    if (p["identical"].boolean()) continue;
    out << "    " << column(p["name"].string(), 23);
    for (const auto& [field, label] : counts) {
      out << "  " << label << ": " << p[field].count() << " elements differ";
    }
    out << "\n";
  }
}

void write_checks(std::ostringstream& out, const ReportView& report) {
  // Optional sections: absent (older reports) and null (not requested) read the same.
  if (const auto determinism = report.optional("determinism")) {
    write_check(
        out, *determinism, "determinism",
        {{"rerun_differing_elements", "run again"},
         {"other_threads_differing_elements",
          "with " + std::to_string((*determinism)["other_threads"].integer()) + " threads"}});
  }
  if (const auto batch_invariance = report.optional("batch_invariance")) {
    write_check(out, *batch_invariance, "batch invariance (each sample alone)",
                {{"differing_elements", "alone vs batched"}});
  }
}

}  // namespace

// " (float32 sums)" for a float16 or bfloat16 problem; nothing for float32 and float64, and
// for reports written before the field existed.
std::string accumulation_text(const ReportView& problem) {
  const auto accumulation = problem.optional("accumulation");
  const std::string dtype = problem["dtype"].string();
  if (!accumulation || (dtype != "float16" && dtype != "bfloat16")) return "";
  return " (" + accumulation->string() + " sums)";
}

std::string format_text(const ReportView& report) {
  require_readable_schema(report);
  std::ostringstream out;
  write_header(out, report);
  write_paths(out, report);
  write_nonfinite(out, report);
  write_comparisons(out, report);
  write_histograms(out, report);
  write_checks(out, report);
  const auto verdict = report["verdict"];
  out << "\nverdict: " << verdict["status"].string() << " - " << verdict["summary"].string()
      << "\n";
  return out.str();
}

std::string format_text(const nlohmann::json& report) {
  return format_text(ReportView(report, "the report"));
}

}  // namespace conveq
