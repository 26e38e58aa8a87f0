#include "conveq/check/compare.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <sstream>

namespace conveq {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Relative errors divide by max(|b|, scale / 1024): where cancellation has eaten more than
// 10 bits of the output, the yardstick becomes the computation's magnitude instead.
constexpr double kRelativeFloor = 1.0 / 1024.0;
// "Nearly all zero": at least this share of the expected output is exactly zero.
constexpr double kMostlyZeroShare = 0.99;

// Maps a float's bits to an unsigned integer that orders like the float: the sign bit's
// value is the middle, magnitudes go up from it for positive values and down for negative
// ones, so -0 and +0 share a code and opposite-sign zeros are 0 ULP apart.
template <typename Float, typename Bits>
Bits ordered_bits(Float value) {
  constexpr Bits sign = Bits{1} << (sizeof(Bits) * 8 - 1);
  const auto bits = std::bit_cast<Bits>(value);
  return (bits & sign) ? sign - (bits & ~sign) : sign + bits;
}

template <typename Float, typename Bits>
double ulps_between(Float a, Float b) {
  const Bits x = ordered_bits<Float, Bits>(a), y = ordered_bits<Float, Bits>(b);
  return static_cast<double>(x > y ? x - y : y - x);
}

double percentile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  const auto k = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
  const size_t index = std::min(k, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                   values.end());
  return values[index];
}

Percentiles percentiles(std::vector<double>& values) {
  Percentiles p;
  p.p50 = percentile(values, 0.50);
  p.p90 = percentile(values, 0.90);
  p.p99 = percentile(values, 0.99);
  p.max = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  return p;
}

int ulp_bucket(double ulps) {
  if (ulps < 1) return 0;
  return std::min(64, static_cast<int>(std::floor(std::log2(ulps))) + 1);
}

std::string format_number(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

// Why a passing comparison proves little, or "" when it is meaningful.
std::string mistrust_reason(const CompareInput& in, int64_t zero_count, bool constant,
                            std::vector<double>& tolerances, std::vector<double>& magnitudes) {
  const auto n = static_cast<int64_t>(in.b.size());
  if (zero_count == n) return "the expected output is all zero";
  if (static_cast<double>(zero_count) >= kMostlyZeroShare * static_cast<double>(n)) {
    return "the expected output is nearly all zero (" + std::to_string(zero_count) + " of " +
           std::to_string(n) + " elements)";
  }
  if (constant && n > 1) return "the expected output is constant (" + format_number(in.b[0]) + ")";
  const double median_tolerance = percentile(tolerances, 0.5);
  const double median_magnitude = percentile(magnitudes, 0.5);
  if (median_tolerance >= median_magnitude) {
    return "the bound is looser than the output itself: median tolerance " +
           format_number(median_tolerance) + " >= median |expected| " +
           format_number(median_magnitude);
  }
  return "";
}

}  // namespace

void NonFiniteCounts::add(double value) {
  if (std::isnan(value))
    ++nan;
  else if (value == kInf)
    ++positive_inf;
  else if (value == -kInf)
    ++negative_inf;
}

std::string to_string(Status status) {
  switch (status) {
    case Status::passed:
      return "passed";
    case Status::failed:
      return "failed";
    case Status::mistrusted:
      return "mistrusted";
  }
  return "?";
}

double ulp_distance(double a, double b, DType dtype) {
  if (std::isnan(a) || std::isnan(b)) return kInf;
  if (dtype == DType::float32) {
    return ulps_between<float, uint32_t>(static_cast<float>(a), static_cast<float>(b));
  }
  return ulps_between<double, uint64_t>(a, b);
}

std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

ComparisonResult compare_outputs(const CompareInput& in, const CompareOptions& options) {
  ComparisonResult r;
  r.a = in.a_name;
  r.b = in.b_name;
  r.tolerance = in.tolerance;
  const auto n = static_cast<int64_t>(in.a.size());
  r.elements = n;
  r.ulp_histogram.assign(65, 0);

  // Reused by the calls on this thread: fresh per-element vectors page-fault on every call.
  static thread_local std::vector<double> abs_errors, rel_errors, tolerances, magnitudes;
  abs_errors.clear();
  rel_errors.clear();
  tolerances.clear();
  magnitudes.clear();
  abs_errors.reserve(static_cast<size_t>(n));
  rel_errors.reserve(static_cast<size_t>(n));
  tolerances.reserve(static_cast<size_t>(n));
  magnitudes.reserve(static_cast<size_t>(n));
  // Worst elements by utilisation: a min-heap of at most worst_count failing elements.
  std::vector<std::pair<double, int64_t>> worst;
  auto by_utilisation = [](const auto& x, const auto& y) { return x.first > y.first; };

  double sum_abs = 0;
  int64_t finite_count = 0, zero_count = 0;
  int64_t worst_flat = 0;
  double worst_utilisation = -1;
  bool constant = true;

  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    const double a = in.a[k], b = in.b[k], scale = in.scale[k];
    r.a_nonfinite.add(a);
    r.b_nonfinite.add(b);
    if (b == 0) ++zero_count;
    if (!(b == in.b[0])) constant = false;

    double diff;
    if (std::isnan(a) || std::isnan(b)) {
      const bool both = std::isnan(a) && std::isnan(b);
      diff = both && options.equal_nan ? 0 : kInf;
      if (diff > 0) ++r.nan_mismatches;
      ++r.ulp_not_comparable;
    } else if (std::isinf(a) || std::isinf(b)) {
      diff = a == b ? 0 : kInf;  // infinities are equal only with the same sign
      if (diff > 0) ++r.inf_mismatches;
    } else {
      diff = std::abs(a - b);
    }
    if (!std::isnan(a) && !std::isnan(b)) {
      const double ulps = diff == 0 ? 0 : ulp_distance(a, b, in.dtype);
      r.max_ulp = std::max(r.max_ulp, ulps);
      ++r.ulp_histogram[static_cast<size_t>(ulp_bucket(ulps))];
    } else if (diff > 0) {
      r.max_ulp = kInf;
    }

    const double tolerance = in.tolerance.at(std::isfinite(scale) ? scale : 0, std::abs(b));
    const double floor = scale * kRelativeFloor;
    const double denominator = std::max(std::isfinite(b) ? std::abs(b) : 0.0, floor);
    const double rel = diff == 0 ? 0 : (denominator > 0 ? diff / denominator : kInf);
    // An infinite difference (a NaN or infinity mismatch) is infinitely over any tolerance.
    const double utilisation =
        diff == 0 ? 0 : (tolerance > 0 && std::isfinite(diff) ? diff / tolerance : kInf);

    abs_errors.push_back(diff);
    rel_errors.push_back(rel);
    tolerances.push_back(tolerance);
    magnitudes.push_back(std::isfinite(b) ? std::abs(b) : kInf);
    r.max_abs_error = std::max(r.max_abs_error, diff);
    r.max_rel_error = std::max(r.max_rel_error, rel);
    if (scale > 0 && diff > 0)
      r.max_scaled_error = std::max(r.max_scaled_error, diff / scale);
    else if (diff > 0)
      r.max_scaled_error = kInf;
    if (std::isfinite(diff)) {
      sum_abs += diff;
      ++finite_count;
    }
    if (utilisation > worst_utilisation) {
      worst_utilisation = utilisation;
      worst_flat = i;
    }
    // Also a mismatch: any infinite difference (even against an infinite tolerance) and any
    // difference against a NaN tolerance.
    if (diff > 0 && (std::isinf(diff) || !(diff <= tolerance))) {
      ++r.mismatches;
      worst.emplace_back(utilisation, i);
      std::push_heap(worst.begin(), worst.end(), by_utilisation);
      if (static_cast<int>(worst.size()) > options.worst_count) {
        std::pop_heap(worst.begin(), worst.end(), by_utilisation);
        worst.pop_back();
      }
    }
  }

  r.mean_abs_error = finite_count > 0 ? sum_abs / static_cast<double>(finite_count) : 0;
  r.bound_utilisation = std::max(worst_utilisation, 0.0);
  if (n > 0) {
    r.worst_index = unravel(worst_flat, in.shape);
    r.worst_a = in.a[static_cast<size_t>(worst_flat)];
    r.worst_b = in.b[static_cast<size_t>(worst_flat)];
  }
  while (r.ulp_histogram.size() > 1 && r.ulp_histogram.back() == 0) r.ulp_histogram.pop_back();

  std::sort(worst.begin(), worst.end(), by_utilisation);
  for (const auto& [utilisation, flat] : worst) {
    const auto k = static_cast<size_t>(flat);
    r.worst_mismatches.push_back(
        {unravel(flat, in.shape), in.a[k], in.b[k], abs_errors[k], tolerances[k]});
  }
  r.abs_error = percentiles(abs_errors);
  r.rel_error = percentiles(rel_errors);

  if (r.mismatches > 0) {
    r.status = Status::failed;
    std::ostringstream why;
    why << r.mismatches << " of " << n << " elements outside the tolerance";
    if (r.nan_mismatches > 0) why << " (" << r.nan_mismatches << " NaN mismatches)";
    if (r.inf_mismatches > 0) why << " (" << r.inf_mismatches << " infinity mismatches)";
    r.reason = why.str();
  } else if (n > 0) {
    r.reason = mistrust_reason(in, zero_count, constant, tolerances, magnitudes);
    if (!r.reason.empty()) r.status = Status::mistrusted;
  }
  return r;
}

}  // namespace conveq
