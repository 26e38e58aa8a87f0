#include "conveq/paths/im2col_gemm.hpp"

#include <algorithm>

#include "conveq/paths/gemm.hpp"
#include "conveq/paths/gemm_bias.hpp"
#include "conveq/paths/im2col.hpp"

namespace conveq {

template <typename T>
void Im2colGemm<T>::prepare(const ConvGeometry& g, const T* input, const T* weight, const T* bias) {
  g_ = g;
  input_ = input;
  weight_ = weight;
  bias_ = bias;
  no_copy_ = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
             g.oh == g.h && g.ow == g.w;
  const int64_t rows = g.cin_g() * g.kh * g.kw, plane = g.oh * g.ow;
  // The bias as the first term of every sum (a row of ones before the column matrix, the bias
  // before each weight row): where the direct loops start their sums, so that a format that
  // rounds every sum (--accumulate same) gives the direct loops' bits.
  const bool ones_row = !no_copy_ && bias != nullptr;
  depth_ = rows + (ones_row ? 1 : 0);
  columns_.assign(no_copy_ ? 0 : static_cast<size_t>(depth_ * plane), T(0));
  weight_with_bias_.clear();
  first_row_ = ones_row ? plane : 0;
  if (!ones_row) return;
  std::fill_n(columns_.begin(), plane, T(1));  // build_columns writes after it
  weight_with_bias_.resize(static_cast<size_t>(g.out_channels * depth_));
  for (int64_t o = 0; o < g.out_channels; ++o) {
    weight_with_bias_[static_cast<size_t>(o * depth_)] = bias[o];
    std::copy_n(weight + o * rows, rows, weight_with_bias_.begin() + o * depth_ + 1);
  }
}

template <typename T>
void Im2colGemm<T>::run(T* output) {
  const ConvGeometry& g = g_;
  const int64_t rows = g.cin_g() * g.kh * g.kw, plane = g.oh * g.ow;
  const T* weight = weight_with_bias_.empty() ? weight_ : weight_with_bias_.data();
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t group = 0; group < g.groups; ++group) {
      const T* x = input_ + (n * g.in_channels + group * g.cin_g()) * g.h * g.w;
      T* y = output + (n * g.out_channels + group * g.cout_g()) * plane;
      const T* w = weight + group * g.cout_g() * depth_;
      if (no_copy_) {
        gemm_with_bias(false, false, g.cout_g(), plane, rows, w, rows, x, plane,
                       bias_ ? bias_ + group * g.cout_g() : nullptr, BiasAxis::per_row, y, plane);
      } else {
        build_columns(g, x, columns_.data() + first_row_);
        gemm(false, false, g.cout_g(), plane, depth_, w, depth_, columns_.data(), plane, false, y,
             plane);
      }
    }
  }
}

template class Im2colGemm<float>;
template class Im2colGemm<double>;

}  // namespace conveq
