#pragma once
// The computation of the im2col paths (conv1d/im2col on the conv1d view, conv2d/im2col on the
// conv2d views): per sample and group, the column matrix (im2col.hpp), then one GEMM with the
// weight (Cout/g) x (Cin/g * KH * KW).
//
// The bias: when the column matrix is built, it gets one more row of ones and the weight one
// more column holding the bias (both written once in prepare()), so the GEMM adds the bias as
// one more product 1 * b, exactly, and no pass over the output is needed. A pointwise problem's
// column matrix is the input itself (no copy, and no room for the row of ones): its GEMM adds
// the bias as gemm_bias.hpp measured fastest for the provider.
#include <cstdint>
#include <vector>

#include "conveq/core/aligned_vector.hpp"
#include "conveq/paths/path.hpp"

namespace conveq {

template <typename T>
class Im2colGemm {
 public:
  // The buffers for geometry g; input, weight and bias (nullptr: none) must outlive run().
  void prepare(const ConvGeometry& g, const T* input, const T* weight, const T* bias);
  // Writes every element of the output (N, Cout, OH, OW).
  void run(T* output);

 private:
  ConvGeometry g_{};
  const T* input_ = nullptr;
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  bool no_copy_ = false;
  int64_t depth_ = 0;      // the GEMM's k: the column matrix's rows, with the row of ones
  int64_t first_row_ = 0;  // where the column matrix starts in columns_: after the row of ones
  AlignedVector<T> columns_;
  AlignedVector<T> weight_with_bias_;  // (Cout, 1 + Cin/g * KH * KW), the bias first in each row
};

}  // namespace conveq
