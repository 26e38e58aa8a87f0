#pragma once
// --check-determinism: every path, run again with the same threads and once with another
// thread count, must give the same bits as its timed run.
#include <cstdint>
#include <string>
#include <vector>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/run.hpp"

namespace conveq {

struct PathDeterminism {
  std::string name;
  bool identical = true;
  int64_t rerun_differing_elements = 0;          // same threads, run again
  int64_t other_threads_differing_elements = 0;  // other_threads
};

struct DeterminismResult {
  int threads = 0;
  int other_threads = 0;  // 1, or 2 when `threads` is 1
  bool identical = true;  // every path
  std::vector<PathDeterminism> paths;
};

template <typename T>
DeterminismResult check_determinism(std::vector<RanPath<T>>& ran, const Problem& problem,
                                    const ConvData<T>& data, int threads);

}  // namespace conveq
