#include "conveq/check/determinism.hpp"

#include "conveq/core/parallel.hpp"
#include "conveq/paths/gemm.hpp"

namespace conveq {

template <typename T>
DeterminismResult check_determinism(std::vector<RanPath<T>>& ran, const Problem& problem,
                                    const ConvData<T>& data, int threads) {
  DeterminismResult result;
  result.threads = threads;
  result.other_threads = threads > 1 ? 1 : 2;
  for (auto& r : ran) {
    const auto n = static_cast<int64_t>(r.output.size());
    const auto again = run_once(*r.path, problem, data, threads);
    const auto other = run_once(*r.path, problem, data, result.other_threads);
    PathDeterminism path;
    path.name = r.path->name();
    path.rerun_differing_elements = differing_bits(r.output.data(), again.data(), n);
    path.other_threads_differing_elements = differing_bits(r.output.data(), other.data(), n);
    path.identical =
        path.rerun_differing_elements == 0 && path.other_threads_differing_elements == 0;
    result.identical = result.identical && path.identical;
    result.paths.push_back(path);
  }
  set_gemm_threads(threads);
  return result;
}

template DeterminismResult check_determinism<float>(std::vector<RanPath<float>>&, const Problem&,
                                                    const ConvData<float>&, int);
template DeterminismResult check_determinism<double>(std::vector<RanPath<double>>&, const Problem&,
                                                     const ConvData<double>&, int);

}  // namespace conveq
