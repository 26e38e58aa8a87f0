#pragma once
// Compares two outputs element by element against a tolerance and describes how far
// apart they are: maxima, percentiles, a ULP histogram, the worst mismatches with their
// coordinates, NaN/Inf accounting, and a verdict (passed, failed or mistrusted).
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "conveq/check/bound.hpp"
#include "conveq/check/error_map.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

struct CompareOptions {
  bool equal_nan = false;  // NaN == NaN only when asked (torch.testing's equal_nan)
  int worst_count = 10;    // how many worst mismatches to list
  // --allow-reduced-precision: readings down to its bits (less the slack) pass the precision rule
  std::optional<PrecisionAllowance> allow_reduced_precision;
};

// What is compared: `expected` is the trusted side (the reference, or a path's twin).
struct CompareInput {
  std::string a_name, b_name;
  std::span<const double> a, b;   // the two outputs, (N, Cout, OH, OW) flattened
  std::span<const double> scale;  // sum |w||x| + |b| per output, from the reference
  // sqrt(sum (w x)^2 + b^2) per output, from the reference; empty: precision not measured
  std::span<const double> l2_scale;
  // Per output, for a running_error_bound tolerance: the running error bound of the paths' order
  std::span<const double> running_bound;
  PrecisionModel precision;      // what a correct result's precision should be
  std::vector<int64_t> shape;    // for coordinates: the problem's output shape
  DType dtype = DType::float32;  // ULPs are counted in this type
  Tolerance tolerance;
  // For the error map: the outputs are (N, channels, positions); <= 0 reads as 1.
  int64_t channels = 1, positions = 1;
};

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

struct Mismatch {
  std::vector<int64_t> index;  // output coordinates
  double a = 0, b = 0, difference = 0, tolerance = 0;
};

struct NonFiniteCounts {
  int64_t nan = 0, positive_inf = 0, negative_inf = 0;
  void add(double value);
};

// NaN and infinity counts of any range of numbers: outputs, inputs, files. Most are all finite:
// a first scan that vectorizes (|v| <= max is false for NaN and infinity) says so.
template <typename Range>
NonFiniteCounts count_nonfinite(const Range& values) {
  using Value = std::remove_cvref_t<decltype(*std::begin(values))>;
  bool all_finite = true;
  for (const Value v : values) all_finite &= std::abs(v) <= std::numeric_limits<Value>::max();
  NonFiniteCounts counts;
  if (all_finite) return counts;
  for (const auto v : values) counts.add(static_cast<double>(v));
  return counts;
}

// The effective precision of one comparison (precision.hpp, docs/precision.md).
struct PrecisionResult {
  int64_t outputs = 0;               // measured: finite on both sides, l2 scale large enough
  int64_t excluded_small_scale = 0;  // l2 scale zero or below the model's min_l2_scale
  int64_t excluded_nonfinite = 0;    // NaN or infinity on either side or in the scale
  double rms_normalised_error = 0;   // sqrt(mean (|a-b| / l2)^2) over the measured outputs
  double max_normalised_error = 0;
  double coherence = 0;                // mean (b / l2)^2 over the measured outputs
  double effective_bits = 0;           // precision_bits(rms); +inf: no error, NaN: none measured
  double expected_bits = 0;            // what a correct result reads at least (NaN: no model)
  double threshold_bits = 0;           // expected_bits - kReducedMarginBits
  bool rule_applied = false;           // the model applies and enough outputs were measured
  bool reduced = false;                // rule applied and effective_bits < threshold_bits
  bool accepted = false;               // reduced, and --allow-reduced-precision covers it
  std::string format, nearest_format;  // "float32"; "TF32 or float16 inputs (...)" or ""
  std::optional<PrecisionAllowance> allowance;
};

// The probabilistic band beside the rigorous bound: informational, never the verdict.
struct BandResult {
  bool applies = false;              // only with a rounding-bound tolerance
  double confidence_per_output = 0;  // band_confidence(terms, u)
  double utilisation = 0;            // max |a-b| / band_i
  int64_t outputs_beyond = 0;        // |a-b| > band_i
};

enum class Status { passed, failed, mistrusted };
std::string to_string(Status status);

struct ComparisonResult {
  std::string a, b;
  int64_t elements = 0;
  double max_abs_error = 0;          // +inf when a NaN or infinity mismatched
  double max_rel_error = 0;          // |a-b| / max(|b|, scale / 1024)
  double max_scaled_error = 0;       // |a-b| / scale: error relative to the computation's magnitude
  double mean_abs_error = 0;         // over elements with a finite difference
  double max_ulp = 0;                // in the problem's dtype; +inf with a NaN mismatch
  int64_t mismatches = 0;            // elements outside their tolerance
  std::vector<int64_t> worst_index;  // where bound_utilisation is largest
  double worst_a = 0, worst_b = 0;
  double bound_utilisation = 0;  // max |a-b| / tolerance_i; <= 1 passes
  Percentiles abs_error, rel_error;
  std::vector<int64_t> ulp_histogram;      // [0] = 0 ULP, [k] = [2^(k-1), 2^k) ULP
  int64_t ulp_not_comparable = 0;          // elements with a NaN on either side
  std::vector<Mismatch> worst_mismatches;  // largest utilisation first
  NonFiniteCounts a_nonfinite, b_nonfinite;
  int64_t nan_mismatches = 0, inf_mismatches = 0;
  // Elements that match only because both sides are the same infinity, or both NaN with
  // equal_nan: they prove nothing, and when they are most of the output the result is mistrusted.
  int64_t nonfinite_agreements = 0;
  ErrorMap error_map;  // where the errors lie, and their spread against the tolerance
  Status status = Status::passed;
  std::string reason;  // why failed or mistrusted; empty when passed
  Tolerance tolerance;
  PrecisionResult precision;
  BandResult band;
};

ComparisonResult compare_outputs(const CompareInput& input, const CompareOptions& options);

// Distance in units in the last place between a and b as values of `dtype` (b is rounded
// to dtype first). Opposite-sign zeros are 0 apart; NaN on either side gives +inf.
double ulp_distance(double a, double b, DType dtype);

// Row-major coordinates of a flat index.
std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& shape);

}  // namespace conveq
