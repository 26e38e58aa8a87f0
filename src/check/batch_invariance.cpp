#include "conveq/check/batch_invariance.hpp"

#include <xtensor/xview.hpp>

#include "conveq/core/parallel.hpp"
#include "conveq/paths/gemm.hpp"

namespace conveq {
namespace {

// Sample n of the batch as a batch of one, sharing the weight and bias.
template <typename T>
ConvData<T> sample_data(const ConvData<T>& data, int64_t n) {
  return {AlignedTensor<T, 4>(xt::view(data.input, xt::range(n, n + 1))), data.weight, data.bias};
}

}  // namespace

template <typename T>
BatchInvarianceResult check_batch_invariance(std::vector<RanPath<T>>& ran, const Problem& problem,
                                             const ConvData<T>& data, int threads) {
  Problem single = problem;
  single.batch = 1;
  const int64_t sample_out = problem.output_elements() / problem.batch;
  BatchInvarianceResult result;
  result.batch = problem.batch;
  for (auto& r : ran) {
    PathBatchInvariance path;
    path.name = r.path->name();
    for (int64_t n = 0; n < problem.batch; ++n) {
      const auto alone = run_once(*r.path, single, sample_data(data, n), threads);
      const int64_t differing =
          differing_bits(r.output.data() + n * sample_out, alone.data(), sample_out);
      if (differing > 0) path.differing_samples.push_back(n);
      path.differing_elements += differing;
    }
    path.identical = path.differing_elements == 0;
    result.identical = result.identical && path.identical;
    result.paths.push_back(path);
  }
  set_gemm_threads(threads);
  return result;
}

template BatchInvarianceResult check_batch_invariance<float>(std::vector<RanPath<float>>&,
                                                             const Problem&, const ConvData<float>&,
                                                             int);
template BatchInvarianceResult check_batch_invariance<double>(std::vector<RanPath<double>>&,
                                                              const Problem&,
                                                              const ConvData<double>&, int);

}  // namespace conveq
