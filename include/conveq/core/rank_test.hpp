#pragma once
// The Mann-Whitney U test (Wilcoxon rank-sum): do two sets of timing samples come from the
// same distribution, or does one tend to be larger? It uses only the order of the samples, so
// one stalled run moves it no more than any other slow run, and it needs no assumption of
// normality (timings are skewed). google/benchmark's compare.py uses the same test.
#include <cstddef>
#include <vector>

namespace conveq {

struct RankTestResult {
  double u = 0;        // U of the first sample: how many (a, b) pairs have a > b (ties 1/2)
  double p_value = 1;  // two-sided
  bool exact = false;  // from the exact distribution of U (small samples without ties)
};

// Both samples must be non-empty.
RankTestResult mann_whitney(const std::vector<double>& a, const std::vector<double>& b);

// The smallest two-sided p-value samples of these sizes can give (the two sets completely
// apart): 2 / C(n1 + n2, n1). A test whose smallest p-value is above the significance level
// can never reject, so callers say so instead of reporting "within the noise".
double smallest_p_value(size_t n1, size_t n2);

}  // namespace conveq
