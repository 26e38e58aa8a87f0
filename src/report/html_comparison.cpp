#include "conveq/report/html_comparison.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "conveq/check/error_map.hpp"
#include "conveq/core/format.hpp"
#include "conveq/report/html_charts.hpp"
#include "conveq/report/markup.hpp"

namespace conveq {
namespace {

std::string number_text(const ReportView& value, const char* format = "%.3g") {
  const std::optional<double> number = value.number_or_null();
  return number ? format_number(*number, format) : "inf";
}

std::string ulp_histogram_svg(const ReportView& c) {
  std::vector<HistogramBucket> buckets;
  for (const auto& b : c["ulp_histogram"]["buckets"].items()) {
    const double lo = b["min_ulp"].number(), hi = b["max_ulp"].number();
    const size_t k = buckets.size();
    HistogramBucket bucket;
    bucket.count = b["count"].count();
    bucket.label = k % 4 == 0 ? (k == 0 ? "0" : "2^" + std::to_string(k - 1)) : "";
    bucket.tooltip = format_number(lo, "%.0f") + (hi > lo ? "-" + format_number(hi, "%.0f") : "") +
                     " ULP: " + std::to_string(bucket.count) + " elements";
    buckets.push_back(bucket);
  }
  return histogram_svg("ULP distance (log2 buckets; height: log count)", buckets, -1, "");
}

// The bucket (error_map.hpp's numbering) whose lower edge is `lower`.
int utilisation_bucket_index(double lower, std::optional<double> upper) {
  if (lower == 0) return upper && *upper == 0 ? 0 : 1;
  return std::ilogb(lower) - kLowestUtilisationExponent + 2;
}

// Every element's |a - b| / tolerance in log2 buckets, with the bound (utilisation 1) marked.
std::string utilisation_histogram_svg(const ReportView& map) {
  std::vector<long long> counts(static_cast<size_t>(kUtilisationBuckets), 0);
  for (const auto& b : map["utilisation_histogram"].items()) {
    const int k = utilisation_bucket_index(b["lower"].number(), b["upper"].number_or_null());
    if (k >= 0 && k < kUtilisationBuckets) counts[static_cast<size_t>(k)] += b["count"].count();
  }
  const int bound = 2 - kLowestUtilisationExponent;  // the bucket that starts at 1
  std::vector<HistogramBucket> buckets;
  for (int k = 0; k < kUtilisationBuckets; ++k) {
    HistogramBucket bucket;
    bucket.count = counts[static_cast<size_t>(k)];
    bucket.beyond_bound = k >= bound;
    const int exponent = k - 2 + kLowestUtilisationExponent;
    bucket.label =
        k == 0 ? "0" : (k >= 2 && exponent % 10 == 0 ? "2^" + std::to_string(exponent) : "");
    bucket.tooltip = (k == 0 ? std::string("exactly 0")
                             : "from " + format_number(utilisation_bucket_lower(k), "%g") + " to " +
                                   format_number(utilisation_bucket_upper(k), "%g")) +
                     " of the tolerance: " + std::to_string(bucket.count) + " elements";
    buckets.push_back(bucket);
  }
  return histogram_svg("|a-b| / tolerance per element (log2 buckets)", buckets, bound,
                       "rigorous bound");
}

std::string heat_strip(const ReportView& maxima, int64_t bucket_size, const std::string& what) {
  std::vector<HeatCell> cells;
  int64_t first = 0;
  for (const auto& v : maxima.items()) {
    HeatCell c;
    c.utilisation = v.number_or_null();
    const std::string range =
        bucket_size == 1 ? std::to_string(first)
                         : std::to_string(first) + "-" + std::to_string(first + bucket_size - 1);
    c.tooltip = what + " " + range + ": max |a-b|/tolerance " +
                (c.utilisation ? format_number(*c.utilisation, "%.3g") : "inf");
    cells.push_back(c);
    first += bucket_size;
  }
  const std::string label =
      "where the worst errors lie, by " + what +
      (bucket_size > 1 ? " (" + std::to_string(bucket_size) + " per cell)" : "");
  return heat_strip_svg(label, cells);
}

// The band and precision fields of reports that have them, whatever their layout: every
// scalar of a member whose name says "probabilistic" or "precision".
std::string precision_html(const ReportView& c) {
  std::string rows;
  for (const auto& [key, value] : c.json().items()) {
    if (key.find("probabilistic") == std::string::npos &&
        key.find("precision") == std::string::npos)
      continue;
    const ReportView field = c[key];
    if (value.is_number() || value.is_null()) {
      rows += "<tr><td>" + html_escape(key) + "</td><td class=\"num\">" +
              number_text(field, "%.4g") + "</td></tr>";
    } else if (value.is_string()) {
      rows +=
          "<tr><td>" + html_escape(key) + "</td><td>" + html_escape(field.string()) + "</td></tr>";
    } else if (value.is_object()) {
      for (const auto& [member, inner] : value.items()) {
        if (!inner.is_number() && !inner.is_string() && !inner.is_null()) continue;
        const ReportView v = field[member];
        rows += "<tr><td>" + html_escape(key + "." + member) + "</td><td class=\"num\">" +
                (inner.is_string() ? html_escape(v.string()) : number_text(v, "%.4g")) +
                "</td></tr>";
      }
    }
  }
  if (rows.empty()) return "";
  return "<table class=\"precision\"><thead><tr><th>precision and probabilistic "
         "band</th><th></th></tr></thead><tbody>" +
         rows + "</tbody></table>";
}

std::string worst_html(const ReportView& c) {
  std::string rows;
  for (const auto& m : c["worst_mismatches"].items()) {
    std::string index = "[";
    for (const int64_t i : m["index"].integers())
      index += (index.size() > 1 ? "," : "") + std::to_string(i);
    rows += "<tr><td>" + index + "]</td><td class=\"num\">" + number_text(m["a"], "%.9g") +
            "</td><td class=\"num\">" + number_text(m["b"], "%.9g") + "</td><td class=\"num\">" +
            number_text(m["difference"]) + "</td><td class=\"num\">" + number_text(m["tolerance"]) +
            "</td></tr>";
  }
  if (rows.empty()) return "";
  return "<table><thead><tr><th>worst mismatches at</th><th>a</th><th>b</th><th>difference</th>"
         "<th>tolerance</th></tr></thead><tbody>" +
         rows + "</tbody></table>";
}

std::string one_comparison_html(const ReportView& c, const std::string& id, bool open) {
  const std::string status = c["status"].string();
  const std::string reason = c["reason"].string();
  std::string html = "<details id=\"" + html_escape(id) + "\"" + (open ? " open" : "") +
                     "><summary>" + html_escape(c["a"].string() + " vs " + c["b"].string()) +
                     ": <span class=\"status " + html_escape(status) + "\">" + html_escape(status) +
                     "</span>, bound used " + number_text(c["bound_utilisation"]) + "</summary>";
  if (!reason.empty()) html += "<p>" + html_escape(reason) + "</p>";
  html += "<p>tolerance: " + html_escape(c["tolerance"]["formula"].string()) + "</p>";
  html += "<div class=\"charts\">" + ulp_histogram_svg(c);
  if (const auto map = c.optional("error_map")) {
    html += utilisation_histogram_svg(*map) + "<div>" +
            heat_strip((*map)["channel_max_utilisation"], (*map)["channel_bucket_size"].integer(1),
                       "output channel") +
            "<br>" +
            heat_strip((*map)["position_max_utilisation"],
                       (*map)["position_bucket_size"].integer(1), "output position") +
            "</div>";
  }
  return html + "</div>" + precision_html(c) + worst_html(c) + "</details>\n";
}

// The comparison that used most of its bound (null counts as infinite).
size_t nearest_bound(const std::vector<ReportView>& comparisons) {
  size_t best = 0;
  double largest = -1;
  for (size_t i = 0; i < comparisons.size(); ++i) {
    const double u = comparisons[i]["bound_utilisation"].number_or_null().value_or(INFINITY);
    if (u > largest) largest = u, best = i;
  }
  return best;
}

}  // namespace

std::string precision_text(const ReportView& c) {
  const auto effective = c.optional("effective_precision_bits");
  if (!effective) return "";
  std::string text = number_text(*effective, "%.1f");
  if (const auto expected = c.optional("expected_precision_bits")) {
    text += " of " + number_text(*expected, "%.1f");
  }
  return text;
}

std::string comparison_details_html(const ReportView& report, bool compact,
                                    const std::string& prefix) {
  const std::vector<ReportView> comparisons = report["comparisons"].items();
  const size_t nearest = nearest_bound(comparisons);
  std::string html;
  for (size_t i = 0; i < comparisons.size(); ++i) {
    // Open: those that did not pass and the one nearest its bound; the rest fold away (and
    // in a suite's page, where every problem has its own, they are left out).
    const bool open = i == nearest || comparisons[i]["status"].string() != "passed";
    if (open || !compact) {
      html += one_comparison_html(comparisons[i], prefix + "comparison-" + std::to_string(i), open);
    }
  }
  return html;
}

std::string checks_html(const ReportView& report) {
  std::string html;
  for (const char* name : {"determinism", "batch_invariance"}) {
    const auto check = report.optional(name);
    if (!check) continue;
    std::string differing;
    for (const auto& p : (*check)["paths"].items()) {
      if (!p["identical"].boolean())
        differing += "<li>" + html_escape(p["name"].string()) + "</li>";
    }
    html +=
        "<p>" + std::string(name) + ": " +
        ((*check)["identical"].boolean() ? "bit-identical" : "<b class=\"failed\">DIFFERS</b>") +
        "</p>" + (differing.empty() ? "" : "<ul>" + differing + "</ul>");
  }
  return html.empty()
             ? ""
             : "<section id=\"checks\"><h2>Bit-for-bit checks</h2>" + html + "</section>\n";
}

}  // namespace conveq
