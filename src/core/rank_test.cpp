#include "conveq/core/rank_test.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace conveq {
namespace {

// The exact distribution is tabulated up to this many elements per sample (25 x 25 needs a
// table of 625 x 26 counts); larger samples use the normal approximation, which is accurate
// there.
constexpr size_t kExactLimit = 25;

struct Ranks {
  double rank_sum_a = 0;
  double tie_term = 0;  // sum over groups of equal values of t^3 - t
};

Ranks rank_samples(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<std::pair<double, bool>> all;  // value, from a
  all.reserve(a.size() + b.size());
  for (double v : a) all.emplace_back(v, true);
  for (double v : b) all.emplace_back(v, false);
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  Ranks r;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double mid_rank = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k) {
      if (all[k].second) r.rank_sum_a += mid_rank;
    }
    const auto t = static_cast<double>(j - i);
    r.tie_term += t * t * t - t;
    i = j;
  }
  return r;
}

// P(U <= u) for samples of sizes m and n with no ties, from the number of orderings of the
// m + n values with each U: the largest value is either from the first sample (it beats all
// j values of the second: U grows by j) or from the second (U unchanged), so
//   count(i, j, v) = count(i - 1, j, v - j) + count(i, j - 1, v).
double exact_lower_tail(size_t m, size_t n, double u) {
  const size_t max_u = m * n;
  using Row = std::vector<std::vector<double>>;  // [j][v] for one i
  Row previous(n + 1, std::vector<double>(max_u + 1, 0.0));
  for (size_t j = 0; j <= n; ++j) previous[j][0] = 1;  // i = 0: one ordering, U = 0
  for (size_t i = 1; i <= m; ++i) {
    Row current(n + 1, std::vector<double>(max_u + 1, 0.0));
    for (size_t j = 0; j <= n; ++j) {
      for (size_t v = 0; v <= max_u; ++v) {
        double c = v >= j ? previous[j][v - j] : 0.0;
        if (j > 0) c += current[j - 1][v];
        current[j][v] = c;
      }
    }
    previous = std::move(current);
  }
  double below = 0, total = 0;
  for (size_t v = 0; v <= max_u; ++v) {
    total += previous[n][v];
    if (static_cast<double>(v) <= u) below += previous[n][v];
  }
  return below / total;
}

}  // namespace

double smallest_p_value(size_t n1, size_t n2) {
  double arrangements = 1;  // C(n1 + n2, n1), as a double (it may be huge)
  for (size_t k = 1; k <= n1; ++k) {
    arrangements *= static_cast<double>(n2 + k) / static_cast<double>(k);
  }
  return std::min(1.0, 2.0 / arrangements);
}

RankTestResult mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n1 = static_cast<double>(a.size());
  const auto n2 = static_cast<double>(b.size());
  const Ranks ranks = rank_samples(a, b);
  RankTestResult result;
  result.u = ranks.rank_sum_a - n1 * (n1 + 1) / 2;
  const double mean = n1 * n2 / 2;
  if (ranks.tie_term == 0 && a.size() <= kExactLimit && b.size() <= kExactLimit) {
    const double low = std::min(result.u, n1 * n2 - result.u);
    result.p_value = std::min(1.0, 2 * exact_lower_tail(a.size(), b.size(), low));
    result.exact = true;
    return result;
  }
  const double n = n1 + n2;
  const double variance = n1 * n2 / 12 * ((n + 1) - ranks.tie_term / (n * (n - 1)));
  if (variance <= 0) return result;  // every sample equal: no evidence of a difference
  // Continuity correction, as scipy.stats.mannwhitneyu does by default.
  const double z = std::max(0.0, std::abs(result.u - mean) - 0.5) / std::sqrt(variance);
  result.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return result;
}

}  // namespace conveq
