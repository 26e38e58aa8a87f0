// conv2d/im2col (and conv2d_col/im2col on the (N, C, L, 1) view, conv2d_hw/im2col on the
// folded view): per sample and group, unfold the input into a column matrix
// (Cin/g * KH * KW) x (OH * OW), then one GEMM with the weight (Cout/g) x (Cin/g * KH * KW),
// with the bias (gemm_bias.hpp). A pointwise problem's
// column matrix is the input itself: no copy.
#include <algorithm>
#include <vector>

#include "conveq/paths/gemm_bias.hpp"
#include "conveq/paths/im2col.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {
namespace {

template <typename T>
class Conv2dIm2col final : public Path<T> {
 public:
  explicit Conv2dIm2col(Formulation view) : view_(view) {}
  std::string op() const override { return formulation_name(view_); }
  std::string algorithm() const override { return "im2col"; }
  std::string skip_reason(const Problem& p) const override {
    return formulation_skip_reason(view_, p);
  }
  ConvGeometry geometry(const Problem& p) const override { return formulation_geometry(view_, p); }

  void prepare(const Problem& p, const ConvData<T>& data, int /*threads*/) override {
    g_ = geometry(p);
    input_ = data.input.data();
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    no_copy_ = g_.kh == 1 && g_.kw == 1 && g_.sh == 1 && g_.sw == 1 && g_.ph == 0 && g_.pw == 0 &&
               g_.oh == g_.h && g_.ow == g_.w;
    const int64_t size = g_.cin_g() * g_.kh * g_.kw * g_.oh * g_.ow;
    columns_.assign(no_copy_ ? 0 : static_cast<size_t>(size), T(0));
  }

  void run(T* output) override {
    const ConvGeometry& g = g_;
    const int64_t rows = g.cin_g() * g.kh * g.kw;
    const int64_t cols = g.oh * g.ow;
    for (int64_t n = 0; n < g.batch; ++n) {
      for (int64_t group = 0; group < g.groups; ++group) {
        const T* x = input_ + (n * g.in_channels + group * g.cin_g()) * g.h * g.w;
        const T* columns = no_copy_ ? x : unfold(x);
        T* y = output + (n * g.out_channels + group * g.cout_g()) * cols;
        gemm_with_bias(false, false, g.cout_g(), cols, rows, weight_ + group * g.cout_g() * rows,
                       rows, columns, cols, bias_ ? bias_ + group * g.cout_g() : nullptr,
                       BiasAxis::per_row, y, cols);
      }
    }
  }

 private:
  const T* unfold(const T* x) {
    build_columns(g_, x, columns_.data());
    return columns_.data();
  }

  Formulation view_;
  ConvGeometry g_{};
  const T* input_ = nullptr;
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  bool no_copy_ = false;
  std::vector<T> columns_;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv2d_im2col(Formulation view) {
  return std::make_unique<Conv2dIm2col<T>>(view);
}
template std::unique_ptr<Path<float>> make_conv2d_im2col<float>(Formulation);
template std::unique_ptr<Path<double>> make_conv2d_im2col<double>(Formulation);

}  // namespace conveq
