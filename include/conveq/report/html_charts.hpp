#pragma once
// The charts of the HTML report as inline SVG, from plain numbers (the renderers read the
// report; these only draw). Every label is escaped by the Svg writer.
#include <optional>
#include <string>
#include <vector>

namespace conveq {

// One path: a row of two bars, median time and GFLOP/s, under its group's heading.
struct PathBar {
  std::string group;  // "conveq", "oneDNN 2.6.3", "reference": rows are drawn group by group
  std::string name;   // conv1d/im2col
  std::string op;     // the formulation, which picks the colour
  std::optional<double> median_ms, gflops;
};
std::string path_bars_svg(const std::vector<PathBar>& paths);

// A histogram: one bar per bucket, heights on a log scale of the count.
struct HistogramBucket {
  std::string label;  // under the bar (may be empty)
  std::string tooltip;
  long long count = 0;
  bool beyond_bound = false;  // drawn in the failure colour
};
// marker_before: draw the dashed line of the bound before this bucket (none when negative).
std::string histogram_svg(const std::string& label, const std::vector<HistogramBucket>& buckets,
                          int marker_before, const std::string& marker_label);

// A strip of cells coloured by bound utilisation, in proportion to the strip's largest one
// within the bound (0 pale, the largest dark red, beyond the bound or infinite black), so
// that where the errors lie shows whatever their size; nullopt is infinite.
struct HeatCell {
  std::optional<double> utilisation;
  std::string tooltip;
};
std::string heat_strip_svg(const std::string& label, const std::vector<HeatCell>& cells);

// One point per problem: its FLOPs (x) against the fastest path's GFLOP/s (y), both log.
struct SpeedPoint {
  double size = 0, gflops = 0;
  std::string status;  // passed, failed, mistrusted: the colour
  std::string tooltip;
};
std::string speed_size_svg(const std::vector<SpeedPoint>& points);

// The colour of a status (passed, failed, mistrusted, error), and of a bound utilisation in a
// strip whose largest one within the bound is `largest`.
std::string status_colour(const std::string& status);
std::string utilisation_colour(std::optional<double> utilisation, double largest);

}  // namespace conveq
