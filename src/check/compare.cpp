#include "conveq/check/compare.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "conveq/check/percentile.hpp"
#include "conveq/core/format.hpp"

namespace conveq {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Relative errors divide by max(|b|, scale / 1024): where cancellation has eaten more than
// 10 bits of the output, the yardstick becomes the computation's magnitude instead.
constexpr double kRelativeFloor = 1.0 / 1024.0;
// The largest normalised error (and |expected| / l2) the precision statistic counts.
constexpr double kMaxNormalised = 0x1p64;
// "Nearly all zero": at least this share of the expected output is exactly zero.
constexpr double kMostlyZeroShare = 0.99;
// "Mostly non-finite": at least this share of the expected output is infinite or NaN (and
// matched, or the comparison would have failed).
constexpr double kMostlyNonFiniteShare = 0.5;

// Maps a float's bits to an unsigned integer that orders like the float: the sign bit's
// value is the middle, magnitudes go up from it for positive values and down for negative
// ones, so -0 and +0 share a code and opposite-sign zeros are 0 ULP apart.
template <typename Bits>
Bits ordered_bits(Bits bits) {
  constexpr Bits sign = Bits{1} << (sizeof(Bits) * 8 - 1);
  return (bits & sign) ? Bits(sign - (bits & ~sign)) : Bits(sign + bits);
}

template <typename Bits>
double ulps_between(Bits a, Bits b) {
  const Bits x = ordered_bits(a), y = ordered_bits(b);
  return static_cast<double>(x > y ? x - y : y - x);
}

// The maximum is the one the caller already tracks: no selection for it.
Percentiles percentiles(const std::vector<uint64_t>& keys, double max) {
  const std::vector<double> p = nearest_rank_percentiles(keys, {0.50, 0.90, 0.99});
  return {p[0], p[1], p[2], max};
}

double median(const std::vector<uint64_t>& keys) {
  return nearest_rank_percentiles(keys, {0.5})[0];
}

int ulp_bucket(double ulps) {
  if (ulps < 1) return 0;
  // Below 2^32 (every float32 distance) ulps is an integer and its bit width is
  // floor(log2) + 1 exactly; log2 stays for the larger ones, where it rounds as it always has.
  if (ulps < 0x1p32) return static_cast<int>(std::bit_width(static_cast<uint64_t>(ulps)));
  return std::min(64, static_cast<int>(std::floor(std::log2(ulps))) + 1);
}

// The per-element values that the percentiles and the mistrust rule need whole, as order keys
// (percentile.hpp). Reused by the calls on this thread: fresh per-element vectors page-fault on
// every call.
struct ElementColumns {
  std::vector<uint64_t> abs_errors, rel_errors, tolerances, magnitudes;
};

ElementColumns& reused_columns(size_t n) {
  static thread_local ElementColumns columns;
  for (auto* column :
       {&columns.abs_errors, &columns.rel_errors, &columns.tolerances, &columns.magnitudes}) {
    column->clear();
    column->reserve(n);
  }
  return columns;
}

// NaN and infinity: how many on each side, and the mismatches they make.
struct NonFiniteTally {
  bool equal_nan;
  NonFiniteCounts a_counts{}, b_counts{};
  int64_t nan_mismatches = 0, inf_mismatches = 0;
  int64_t agreements = 0;  // equal only as the same infinity or as NaN == NaN

  // |a - b|, or +inf for a NaN or infinity mismatch (NaN == NaN only with equal_nan).
  double difference(double a, double b) {
    if (std::isfinite(a) && std::isfinite(b)) return std::abs(a - b);
    a_counts.add(a);
    b_counts.add(b);
    if (std::isnan(a) || std::isnan(b)) {
      const bool both = std::isnan(a) && std::isnan(b);
      const double diff = both && equal_nan ? 0 : kInf;
      ++(diff > 0 ? nan_mismatches : agreements);
      return diff;
    }
    // An infinity on one side or both: equal only as the same infinity.
    const double diff = a == b ? 0 : kInf;
    ++(diff > 0 ? inf_mismatches : agreements);
    return diff;
  }

  void finish(ComparisonResult& r) const {
    r.a_nonfinite = a_counts;
    r.b_nonfinite = b_counts;
    r.nan_mismatches = nan_mismatches;
    r.inf_mismatches = inf_mismatches;
    r.nonfinite_agreements = agreements;
  }
};

// ULP distances: the maximum and a histogram of powers of two; NaNs are not comparable.
struct UlpHistogram {
  DType dtype;
  std::array<int64_t, 65> buckets{};  // [0] = 0 ULP, [k] = [2^(k-1), 2^k) ULP
  double max_ulp = 0;
  int64_t not_comparable = 0;

  void add(double a, double b, double diff) {
    if (!std::isnan(a) && !std::isnan(b)) {
      const double ulps = diff == 0 ? 0 : ulp_distance(a, b, dtype);
      max_ulp = std::max(max_ulp, ulps);
      ++buckets[static_cast<size_t>(ulp_bucket(ulps))];
    } else {
      ++not_comparable;
      if (diff > 0) max_ulp = kInf;
    }
  }

  void add_zero_differences(int64_t count) { buckets[0] += count; }

  void finish(ComparisonResult& r) const {
    r.max_ulp = max_ulp;
    r.ulp_not_comparable = not_comparable;
    size_t used = buckets.size();
    while (used > 1 && buckets[used - 1] == 0) --used;
    r.ulp_histogram.assign(buckets.begin(), buckets.begin() + static_cast<std::ptrdiff_t>(used));
  }
};

// One element's difference against its yardsticks.
struct ElementMeasure {
  double tolerance;
  double rel_error;
  double utilisation;  // diff / tolerance
};

ElementMeasure measure(const Tolerance& t, double diff, double b, double scale, double running) {
  ElementMeasure m;
  m.tolerance = t.at(std::isfinite(scale) ? scale : 0, std::abs(b), running);
  const double floor = scale * kRelativeFloor;
  const double denominator = std::max(std::isfinite(b) ? std::abs(b) : 0.0, floor);
  m.rel_error = diff == 0 ? 0 : (denominator > 0 ? diff / denominator : kInf);
  // An infinite difference (a NaN or infinity mismatch) is infinitely over any tolerance.
  m.utilisation =
      diff == 0 ? 0 : (m.tolerance > 0 && std::isfinite(diff) ? diff / m.tolerance : kInf);
  return m;
}

// Absolute, relative and scaled errors: maxima, the mean and (from the columns) percentiles.
struct ErrorStatistics {
  std::vector<uint64_t>& abs_errors;
  std::vector<uint64_t>& rel_errors;
  double max_abs = 0, max_rel = 0, max_scaled = 0;
  double sum_abs = 0;  // in element order, over finite differences
  int64_t finite_count = 0;

  void add(double diff, double rel, double scale) {
    abs_errors.push_back(order_key(diff));
    rel_errors.push_back(order_key(rel));
    max_abs = std::max(max_abs, diff);
    max_rel = std::max(max_rel, rel);
    if (scale > 0 && diff > 0)
      max_scaled = std::max(max_scaled, diff / scale);
    else if (diff > 0)
      max_scaled = kInf;
    if (std::isfinite(diff)) {
      sum_abs += diff;
      ++finite_count;
    }
  }

  // Only zero differences, instead of add(0, 0, scale) `count` times: the same maxima and mean,
  // and percentiles of an empty column are the zeros' (0).
  void add_zero_differences(int64_t count) { finite_count += count; }

  void finish(ComparisonResult& r) {
    r.max_abs_error = max_abs;
    r.max_rel_error = max_rel;
    r.max_scaled_error = max_scaled;
    r.mean_abs_error = finite_count > 0 ? sum_abs / static_cast<double>(finite_count) : 0;
    r.abs_error = percentiles(abs_errors, max_abs);
    r.rel_error = percentiles(rel_errors, max_rel);
  }
};

// What the expected side looks like, for the mistrust rules: exact zeros, constancy, and the
// tolerance next to the magnitude of each nonzero finite element (zeros and non-finite values
// have their own rules; in the medians they would stand for an output that is not there).
struct ExpectedProfile {
  double first;
  std::vector<uint64_t>& tolerances;
  std::vector<uint64_t>& magnitudes;
  int64_t zero_count = 0, nonfinite_count = 0;
  bool constant = true;

  void add(double b, double tolerance) {
    if (!(b == first)) constant = false;
    if (b == 0) {
      ++zero_count;
    } else if (!std::isfinite(b)) {
      ++nonfinite_count;
    } else {
      tolerances.push_back(order_key(tolerance));
      magnitudes.push_back(order_key(std::abs(b)));
    }
  }
};

// The effective precision's statistic: each error over its output's l2 scale, squared and
// summed, next to (expected / l2)^2 for the expectation; nonfinite values and scales too small
// for rounding to dominate are counted apart.
struct PrecisionStatistic {
  PrecisionStatistic(std::span<const double> l2_scale, double min_l2_scale)
      : l2(l2_scale), min_l2(min_l2_scale) {}
  std::span<const double> l2;
  double min_l2;
  double sum_squares = 0, sum_coherence = 0, max_normalised = 0;
  PrecisionResult result;

  void add(size_t k, double a, double b, double diff) {
    if (l2.empty()) return;
    const double scale = l2[k];
    if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(scale)) {
      ++result.excluded_nonfinite;
    } else if (!(scale > 0 && scale >= min_l2)) {
      ++result.excluded_small_scale;
    } else {
      // Capped so that the sums stay finite for any two float64 outputs: an error 2^64 times
      // its scale reads -63 bits either way.
      const double normalised = std::min(diff / scale, kMaxNormalised);
      const double coherent = std::min(std::abs(b) / scale, kMaxNormalised);
      sum_squares += normalised * normalised;
      sum_coherence += coherent * coherent;
      max_normalised = std::max(max_normalised, normalised);
      ++result.outputs;
    }
  }

  void finish(const CompareInput& in, const CompareOptions& options, ComparisonResult& r) {
    PrecisionResult& p = result;
    const auto count = static_cast<double>(p.outputs);
    p.rms_normalised_error = p.outputs > 0 ? std::sqrt(sum_squares / count) : 0;
    p.max_normalised_error = max_normalised;
    p.coherence = p.outputs > 0 ? sum_coherence / count : 0;
    p.effective_bits = p.outputs > 0 ? precision_bits(p.rms_normalised_error)
                                     : std::numeric_limits<double>::quiet_NaN();
    const PrecisionModel& m = in.precision;
    p.format = m.format;
    p.expected_bits = std::numeric_limits<double>::quiet_NaN();
    p.threshold_bits = p.expected_bits;
    if (m.terms > 0) {
      p.expected_bits = std::min(static_cast<double>(m.significand_bits),
                                 precision_bits(expected_rms(m, p.coherence)));
      p.threshold_bits = p.expected_bits - kReducedMarginBits;
    }
    p.rule_applied = m.applies && p.outputs >= kMinPrecisionOutputs;
    p.reduced = p.rule_applied && p.effective_bits < p.threshold_bits;
    p.allowance = options.allow_reduced_precision;
    p.accepted =
        p.reduced && p.allowance && p.effective_bits >= p.allowance->bits - kAllowanceSlackBits;
    if (p.reduced) p.nearest_format = nearest_format(p.effective_bits);
    r.precision = p;
  }
};

// The probabilistic band: how much of it the worst element uses, and how many lie beyond it.
struct BandStatistic {
  explicit BandStatistic(const Tolerance& tolerance) : t(tolerance) {}
  const Tolerance& t;
  BandResult result;

  void add(double diff, double b, double scale) {
    if (t.band_scale_factor == 0 || diff == 0) return;
    const double band = t.band_scale_factor * (std::isfinite(scale) ? scale : 0) +
                        (t.value_factor == 0 ? 0 : t.value_factor * std::abs(b)) + t.atol;
    const double utilisation = band > 0 && std::isfinite(diff) ? diff / band : kInf;
    result.utilisation = std::max(result.utilisation, utilisation);
    if (utilisation > 1) ++result.outputs_beyond;
  }

  void finish(ComparisonResult& r) {
    result.applies = t.band_scale_factor > 0;
    if (result.applies) result.confidence_per_output = band_confidence(t.terms, t.unit_roundoff);
    r.band = result;
  }
};

// The element that uses most of its tolerance, the mismatches (elements outside their
// tolerance) and the worst of them by utilisation.
class WorstElements {
 public:
  explicit WorstElements(int capacity) : capacity_(capacity) {}

  void add(int64_t flat, double diff, const ElementMeasure& m) {
    if (m.utilisation > worst_utilisation_) {
      worst_utilisation_ = m.utilisation;
      worst_flat_ = flat;
    }
    // Also a mismatch: any infinite difference (even against an infinite tolerance) and any
    // difference against a NaN tolerance.
    if (diff > 0 && (std::isinf(diff) || !(diff <= m.tolerance))) {
      ++mismatches_;
      heap_.push_back({m.utilisation, flat, diff, m.tolerance});
      std::push_heap(heap_.begin(), heap_.end(), by_utilisation);
      if (static_cast<int>(heap_.size()) > capacity_) {
        std::pop_heap(heap_.begin(), heap_.end(), by_utilisation);
        heap_.pop_back();
      }
    }
  }

  void finish(const CompareInput& in, ComparisonResult& r) {
    r.mismatches = mismatches_;
    r.bound_utilisation = std::max(worst_utilisation_, 0.0);
    if (!in.a.empty()) {
      r.worst_index = unravel(worst_flat_, in.shape);
      r.worst_a = in.a[static_cast<size_t>(worst_flat_)];
      r.worst_b = in.b[static_cast<size_t>(worst_flat_)];
    }
    std::sort(heap_.begin(), heap_.end(), by_utilisation);
    for (const Candidate& c : heap_) {
      const auto k = static_cast<size_t>(c.flat);
      r.worst_mismatches.push_back(
          {unravel(c.flat, in.shape), in.a[k], in.b[k], c.difference, c.tolerance});
    }
  }

 private:
  struct Candidate {
    double utilisation;
    int64_t flat;
    double difference, tolerance;
  };
  // Largest utilisation first; as a heap order, the smallest is on top.
  static bool by_utilisation(const Candidate& x, const Candidate& y) {
    return x.utilisation > y.utilisation;
  }

  int capacity_;
  double worst_utilisation_ = -1;
  int64_t worst_flat_ = 0;
  int64_t mismatches_ = 0;
  std::vector<Candidate> heap_;  // a min-heap of at most capacity_ mismatches
};

// Why agreement on non-finite values makes a passing comparison prove little, or "". Called
// only without mismatches, so every non-finite expected value is one of the agreements.
std::string nonfinite_mistrust_reason(int64_t agreements, int64_t n) {
  const std::string count = std::to_string(agreements) + " of " + std::to_string(n);
  if (agreements == n) {
    return "nothing finite was compared: " + count +
           " expected outputs are infinite or NaN, and agreement on them proves nothing";
  }
  if (static_cast<double>(agreements) >= kMostlyNonFiniteShare * static_cast<double>(n)) {
    return count + " expected outputs are infinite or NaN: agreement on them proves nothing";
  }
  return "";
}

// Why a passing comparison proves little, or "" when it is meaningful.
std::string mistrust_reason(const CompareInput& in, const ExpectedProfile& expected,
                            int64_t nonfinite_agreements) {
  const auto n = static_cast<int64_t>(in.b.size());
  std::string nonfinite = nonfinite_mistrust_reason(nonfinite_agreements, n);
  if (!nonfinite.empty()) return nonfinite;
  const int64_t zero_count = expected.zero_count;
  if (zero_count == n) return "the expected output is all zero";
  if (static_cast<double>(zero_count) >= kMostlyZeroShare * static_cast<double>(n)) {
    return "the expected output is nearly all zero (" + std::to_string(zero_count) + " of " +
           std::to_string(n) + " elements)";
  }
  if (expected.constant && n > 1) {
    return "the expected output is constant (" + format_number(in.b[0], "%.6g") + ")";
  }
  if (expected.magnitudes.empty()) {
    return "no expected output is finite and nonzero (" + std::to_string(zero_count) + " zeros, " +
           std::to_string(expected.nonfinite_count) + " infinite or NaN)";
  }
  // Over the nonzero finite outputs only: with many exact zeros (wide padding, no bias) the
  // median over all would be 0 and the rule would fire on every correct result.
  const double median_tolerance = median(expected.tolerances);
  const double median_magnitude = median(expected.magnitudes);
  if (median_tolerance >= median_magnitude) {
    return "the bound is looser than the output itself: median tolerance " +
           format_number(median_tolerance, "%.6g") + " >= median |expected| " +
           format_number(median_magnitude, "%.6g") + " (over the nonzero outputs)";
  }
  return "";
}

// Why a result is failed for its precision: what it reads, what its dtype should read, and the
// format it looks like; inside the bound, what --allow-reduced-precision would accept.
std::string reduced_precision_reason(const PrecisionResult& p, int64_t terms, bool inside_bound) {
  std::ostringstream why;
  why << "about " << format_number(p.effective_bits, "%.1f") << " bits of precision: ";
  if (!p.nearest_format.empty()) {
    why << "consistent with " << p.nearest_format << ", not " << p.format;
  } else {
    why << (p.effective_bits < 8 - kAllowanceSlackBits ? "less precise than bfloat16 inputs, " : "")
        << "not " << p.format;
  }
  why << " (a correct result of " << terms << "-term sums reads at least "
      << format_number(p.expected_bits, "%.1f") << "; below "
      << format_number(p.threshold_bits, "%.1f") << " fails)";
  if (!inside_bound) return why.str();
  if (p.allowance) {
    why << "; --allow-reduced-precision " << p.allowance->given << " accepts down to "
        << format_number(p.allowance->bits - kAllowanceSlackBits, "%.1f") << " bits";
  } else {
    why << "; --allow-reduced-precision accepts it knowingly";
  }
  return why.str();
}

// The verdict: failed with any mismatch, or when the precision is clearly below the dtype's
// (unless accepted); else mistrusted when passing proves little.
void judge(const CompareInput& in, const ExpectedProfile& expected, ComparisonResult& r) {
  if (r.mismatches > 0) {
    r.status = Status::failed;
    std::ostringstream why;
    why << r.mismatches << " of " << r.elements << " elements outside the tolerance";
    if (r.nan_mismatches > 0) why << " (" << r.nan_mismatches << " NaN mismatches)";
    if (r.inf_mismatches > 0) why << " (" << r.inf_mismatches << " infinity mismatches)";
    // Beyond the bound, the precision still says what the result looks like.
    if (r.precision.reduced)
      why << "; " << reduced_precision_reason(r.precision, in.precision.terms, false);
    r.reason = why.str();
  } else if (r.precision.reduced && !r.precision.accepted) {
    r.status = Status::failed;
    r.reason = reduced_precision_reason(r.precision, in.precision.terms, true);
  } else if (r.elements > 0) {
    r.reason = mistrust_reason(in, expected, r.nonfinite_agreements);
    if (!r.reason.empty()) r.status = Status::mistrusted;
  }
}

// Every accumulator of one comparison, fed element by element in one pass.
struct Accumulators {
  Accumulators(const CompareInput& input, const CompareOptions& compare_options)
      : in(input),
        options(compare_options),
        columns(reused_columns(input.a.size())),
        nonfinite{options.equal_nan},
        ulps{in.dtype},
        errors{columns.abs_errors, columns.rel_errors},
        expected{in.b.empty() ? 0.0 : in.b[0], columns.tolerances, columns.magnitudes},
        worst(options.worst_count),
        precision(in.l2_scale, in.precision.min_l2_scale),
        band(in.tolerance),
        map(in.channels, in.positions) {}

  const CompareInput& in;
  const CompareOptions& options;
  ElementColumns& columns;
  NonFiniteTally nonfinite;
  UlpHistogram ulps;
  ErrorStatistics errors;
  ExpectedProfile expected;
  WorstElements worst;
  PrecisionStatistic precision;
  BandStatistic band;
  ErrorMapAccumulator map;

  // Output k's running error bound, for a running_error_bound tolerance (0 otherwise).
  double running(size_t k) const { return in.running_bound.empty() ? 0 : in.running_bound[k]; }

  void add(int64_t i) {
    const auto k = static_cast<size_t>(i);
    const double a = in.a[k], b = in.b[k], scale = in.scale[k];
    const double diff = nonfinite.difference(a, b);
    ulps.add(a, b, diff);
    const ElementMeasure m = measure(in.tolerance, diff, b, scale, running(k));
    errors.add(diff, m.rel_error, scale);
    expected.add(b, m.tolerance);
    worst.add(i, diff, m);
    precision.add(k, a, b, diff);
    band.add(diff, b, scale);
    map.add(i, m.utilisation);
  }

  // Outputs equal bit for bit and finite: every difference is 0, so only the expected side's
  // statistics need the elements, in the same order as add() (the same sums), and the others
  // take the n zero differences at once: what add() would give them.
  void add_identical() {
    const auto n = static_cast<int64_t>(in.b.size());
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      const double b = in.b[k];
      const ElementMeasure m = measure(in.tolerance, 0, b, in.scale[k], running(k));
      expected.add(b, m.tolerance);
      if (i == 0) worst.add(i, 0, m);
      precision.add(k, b, b, 0);
    }
    ulps.add_zero_differences(n);
    errors.add_zero_differences(n);
    map.add_zero_utilisations(n);
  }

  ComparisonResult finish() {
    ComparisonResult r;
    r.a = in.a_name;
    r.b = in.b_name;
    r.tolerance = in.tolerance;
    r.elements = static_cast<int64_t>(in.a.size());
    nonfinite.finish(r);
    ulps.finish(r);
    errors.finish(r);
    worst.finish(in, r);
    precision.finish(in, options, r);
    band.finish(r);
    r.error_map = map.finish();
    judge(in, expected, r);
    return r;
  }
};

// The outputs are the same bits and all finite (NaN == NaN and infinities have their own
// rules): the common case of twins, which compute the same sums in the same order.
bool identical_and_finite(const CompareInput& in) {
  return in.a.size() == in.b.size() &&
         (in.a.empty() || std::memcmp(in.a.data(), in.b.data(), in.a.size_bytes()) == 0) &&
         std::all_of(in.b.begin(), in.b.end(), [](double v) { return std::isfinite(v); });
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
  if (const auto format = storage_format(dtype)) {  // ULPs of the storage format
    return ulps_between(to_bits(*format, static_cast<float>(a)),
                        to_bits(*format, static_cast<float>(b)));
  }
  if (dtype == DType::float32) {
    return ulps_between(std::bit_cast<uint32_t>(static_cast<float>(a)),
                        std::bit_cast<uint32_t>(static_cast<float>(b)));
  }
  return ulps_between(std::bit_cast<uint64_t>(a), std::bit_cast<uint64_t>(b));
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
  if (in.tolerance.running_factor > 0 && in.running_bound.size() != in.a.size()) {
    throw std::logic_error("compare_outputs: a running error bound tolerance without the bounds");
  }
  Accumulators all(in, options);
  if (!identical_and_finite(in)) {
    for (int64_t i = 0; i < static_cast<int64_t>(in.a.size()); ++i) all.add(i);
  } else {
    all.add_identical();
  }
  return all.finish();
}

}  // namespace conveq
