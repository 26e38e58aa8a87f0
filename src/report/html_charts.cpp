#include "conveq/report/html_charts.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "conveq/core/format.hpp"
#include "conveq/report/markup.hpp"

namespace conveq {
namespace {

constexpr double kRowHeight = 18;
constexpr double kLabelWidth = 170;
constexpr double kBarWidth = 260;

// A colour per formulation, in a fixed order so that pages agree; others grey.
std::string op_colour(const std::string& op) {
  static const std::map<std::string, std::string> colours = {
      {"conv1d", "#1f77b4"},    {"conv2d", "#ff7f0e"}, {"conv2d_col", "#9467bd"},
      {"conv2d_hw", "#2ca02c"}, {"linear", "#d62728"}, {"reference", "#7f7f7f"},
      {"expected", "#8c564b"}};
  const auto found = colours.find(op);
  return found == colours.end() ? "#17becf" : found->second;
}

// One bar of a path row: the value's share of the largest, its number after it.
void value_bar(Svg& svg, double x, double y, std::optional<double> value, double largest,
               const std::string& colour, const std::string& tooltip, const char* format) {
  if (!value || !(largest > 0)) {
    svg.text(x + 2, y + 13, "-", "start", "small");
    return;
  }
  const double width = std::max(1.0, kBarWidth * *value / largest);
  svg.rect(x, y + 3, width, kRowHeight - 6, colour, tooltip);
  svg.text(x + width + 4, y + 13, format_number(*value, format), "start", "small");
}

// Wide enough for a label in the 11px bold axis font (about 7 px a character).
double label_width(const std::string& label) {
  return 7.0 * static_cast<double>(label.size()) + 8;
}

double largest_of(const std::vector<PathBar>& paths, std::optional<double> PathBar::*field) {
  double largest = 0;
  for (const auto& p : paths) {
    if (p.*field) largest = std::max(largest, *(p.*field));
  }
  return largest;
}

}  // namespace

std::string status_colour(const std::string& status) {
  if (status == "passed") return "#2e7d32";
  if (status == "mistrusted") return "#ef6c00";
  return "#c62828";  // failed, error
}

std::string utilisation_colour(std::optional<double> utilisation, double largest) {
  if (!utilisation || *utilisation > 1) return "#000000";
  if (*utilisation <= 0 || !(largest > 0)) return "#f4f4f4";
  // From pale yellow (nothing) to dark red (the strip's largest), in proportion.
  const double t = std::clamp(*utilisation / largest, 0.0, 1.0);
  const int red = static_cast<int>(255 - 90 * t), green = static_cast<int>(240 - 220 * t),
            blue = static_cast<int>(170 - 150 * t);
  char colour[8];
  std::snprintf(colour, sizeof colour, "#%02x%02x%02x", red, green, blue);
  return colour;
}

std::string path_bars_svg(const std::vector<PathBar>& paths) {
  std::vector<PathBar> rows = paths;
  std::stable_sort(rows.begin(), rows.end(), [](const PathBar& a, const PathBar& b) {
    return a.group != b.group ? a.group < b.group : a.op < b.op;
  });
  const double largest_ms = largest_of(rows, &PathBar::median_ms);
  const double largest_gflops = largest_of(rows, &PathBar::gflops);
  const double time_x = kLabelWidth, speed_x = kLabelWidth + kBarWidth + 70;
  int headings = 0;
  for (size_t i = 0; i < rows.size(); ++i) headings += i == 0 || rows[i].group != rows[i - 1].group;
  const double height = kRowHeight * static_cast<double>(rows.size() + headings + 1) + 4;
  Svg svg(speed_x + kBarWidth + 70, height, "median time and GFLOP/s per path");
  svg.text(time_x, 13, "median time (ms, shorter is faster)", "start", "axis");
  svg.text(speed_x, 13, "GFLOP/s (longer is faster)", "start", "axis");
  double y = kRowHeight;
  for (size_t i = 0; i < rows.size(); ++i) {
    const PathBar& p = rows[i];
    if (i == 0 || p.group != rows[i - 1].group) {
      svg.text(2, y + 13, p.group, "start", "group");
      y += kRowHeight;
    }
    svg.text(12, y + 13, p.name, "start", "small");
    const std::string colour = op_colour(p.op);
    value_bar(svg, time_x, y, p.median_ms, largest_ms, colour,
              p.name + ": median " + format_number(p.median_ms.value_or(NAN), "%.4g") + " ms",
              "%.4g");
    value_bar(svg, speed_x, y, p.gflops, largest_gflops, colour,
              p.name + ": " + format_number(p.gflops.value_or(NAN), "%.4g") + " GFLOP/s", "%.1f");
    y += kRowHeight;
  }
  return svg.str();
}

std::string histogram_svg(const std::string& label, const std::vector<HistogramBucket>& buckets,
                          int marker_before, const std::string& marker_label) {
  const double bar = 14, plot_height = 80, top = 16, left = 4;
  const double width =
      std::max(left + bar * static_cast<double>(buckets.size()) + 90, label_width(label));
  Svg svg(width, top + plot_height + 18, label);
  long long largest = 0;
  for (const auto& b : buckets) largest = std::max(largest, b.count);
  const double scale = std::log10(1.0 + static_cast<double>(largest));
  svg.text(left, 11, label, "start", "axis");
  svg.line(left, top + plot_height, width - 4, top + plot_height, "#999999");
  for (size_t k = 0; k < buckets.size(); ++k) {
    const HistogramBucket& b = buckets[k];
    const double x = left + bar * static_cast<double>(k);
    const double h =
        scale > 0 ? plot_height * std::log10(1.0 + static_cast<double>(b.count)) / scale : 0;
    if (b.count > 0) {
      svg.rect(x + 1, top + plot_height - std::max(h, 1.0), bar - 2, std::max(h, 1.0),
               b.beyond_bound ? "#c62828" : "#4a6fa5", b.tooltip);
    }
    if (!b.label.empty()) svg.text(x + bar / 2, top + plot_height + 12, b.label, "middle", "tick");
  }
  if (marker_before >= 0) {
    const double x = left + bar * marker_before;
    svg.line(x, top - 2, x, top + plot_height, "#c62828", true);
    svg.text(x + 3, top + 8, marker_label, "start", "marker");
  }
  return svg.str();
}

std::string heat_strip_svg(const std::string& label, const std::vector<HeatCell>& cells) {
  const double cell = 12, top = 16, left = 4;
  const double width =
      std::max(left + cell * static_cast<double>(cells.size()) + 8, label_width(label));
  Svg svg(width, top + cell + 4, label);
  svg.text(left, 11, label, "start", "axis");
  double largest = 0;  // the darkest red; beyond the bound is black
  for (const auto& c : cells) {
    if (c.utilisation && *c.utilisation <= 1) largest = std::max(largest, *c.utilisation);
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    svg.rect(left + cell * static_cast<double>(i), top, cell - 1, cell,
             utilisation_colour(cells[i].utilisation, largest), cells[i].tooltip);
  }
  return svg.str();
}

std::string speed_size_svg(const std::vector<SpeedPoint>& points) {
  const double left = 56, top = 24, plot_w = 520, plot_h = 260;
  Svg svg(left + plot_w + 20, top + plot_h + 44,
          "fastest path's GFLOP/s against the problem's FLOPs, one point per problem");
  double min_x = INFINITY, max_x = 0, min_y = INFINITY, max_y = 0;
  for (const auto& p : points) {
    if (!(p.size > 0 && p.gflops > 0)) continue;
    min_x = std::min(min_x, p.size), max_x = std::max(max_x, p.size);
    min_y = std::min(min_y, p.gflops), max_y = std::max(max_y, p.gflops);
  }
  svg.line(left, top + plot_h, left + plot_w, top + plot_h, "#999999");
  svg.line(left, top, left, top + plot_h, "#999999");
  svg.text(left + plot_w / 2, top + plot_h + 36, "problem size: FLOPs (log scale)", "middle",
           "axis");
  svg.text(4, 12, "GFLOP/s of the fastest path (log scale)", "start", "axis");
  if (max_x <= 0) return svg.str();
  const double lx0 = std::floor(std::log10(min_x)), lx1 = std::ceil(std::log10(max_x)) + 1e-9;
  const double ly0 = std::floor(std::log10(min_y)), ly1 = std::ceil(std::log10(max_y)) + 1e-9;
  const auto px = [&](double v) { return left + plot_w * (std::log10(v) - lx0) / (lx1 - lx0); };
  const auto py = [&](double v) {
    return top + plot_h * (1 - (std::log10(v) - ly0) / (ly1 - ly0));
  };
  for (double e = lx0; e <= lx1; ++e) {
    svg.text(px(std::pow(10, e)), top + plot_h + 14, "1e" + format_number(e, "%.0f"), "middle",
             "tick");
  }
  for (double e = ly0; e <= ly1; ++e) {
    svg.text(left - 4, py(std::pow(10, e)) + 4, format_number(std::pow(10, e), "%g"), "end",
             "tick");
  }
  for (const auto& p : points) {
    if (p.size > 0 && p.gflops > 0)
      svg.circle(px(p.size), py(p.gflops), 4, status_colour(p.status), p.tooltip);
  }
  return svg.str();
}

}  // namespace conveq
