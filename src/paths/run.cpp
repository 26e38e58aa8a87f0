#include "conveq/paths/run.hpp"

#include <cstring>
#include <limits>

#include "conveq/core/parallel.hpp"
#include "conveq/paths/gemm.hpp"

namespace conveq {

template <typename T>
AlignedTensor<T, 1> nan_output(const Problem& problem) {
  AlignedTensor<T, 1> output =
      AlignedTensor<T, 1>::from_shape({static_cast<size_t>(problem.output_elements())});
  output.fill(std::numeric_limits<T>::quiet_NaN());
  return output;
}

template <typename T>
RanPath<T> prepare_path(Path<T>& path, const Problem& problem, const ConvData<T>& data,
                        int threads) {
  path.prepare(problem, data, threads);
  return {&path, nan_output<T>(problem), {}, {}, false, path.backend()};
}

template <typename T>
AlignedTensor<T, 1> run_once(Path<T>& path, const Problem& problem, const ConvData<T>& data,
                             int threads) {
  set_gemm_threads(threads);
  RanPath<T> ran = prepare_path(path, problem, data, threads);
  path.run(ran.output.data());
  path.finish(ran.output.data());
  return std::move(ran.output);
}

template <typename T>
int64_t differing_bits(const T* a, const T* b, int64_t count) {
  int64_t differing = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (std::memcmp(a + i, b + i, sizeof(T)) != 0) ++differing;
  }
  return differing;
}

#define CONVEQ_INSTANTIATE(T)                                                                  \
  template AlignedTensor<T, 1> nan_output<T>(const Problem&);                                  \
  template RanPath<T> prepare_path<T>(Path<T>&, const Problem&, const ConvData<T>&, int);      \
  template AlignedTensor<T, 1> run_once<T>(Path<T>&, const Problem&, const ConvData<T>&, int); \
  template int64_t differing_bits<T>(const T*, const T*, int64_t);
CONVEQ_INSTANTIATE(float)
CONVEQ_INSTANTIATE(double)
#undef CONVEQ_INSTANTIATE

}  // namespace conveq
