#pragma once
// --check-batch-invariance: every sample computed alone (batch 1) must give the same bits
// as its slice of the batched run.
#include <cstdint>
#include <string>
#include <vector>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/run.hpp"

namespace conveq {

struct PathBatchInvariance {
  std::string name;
  bool identical = true;
  int64_t differing_elements = 0;
  std::vector<int64_t> differing_samples;  // batch indices whose slice differs
};

struct BatchInvarianceResult {
  int64_t batch = 1;
  bool identical = true;  // every path
  std::vector<PathBatchInvariance> paths;
};

template <typename T>
BatchInvarianceResult check_batch_invariance(std::vector<RanPath<T>>& ran, const Problem& problem,
                                             const ConvData<T>& data, int threads);

}  // namespace conveq
