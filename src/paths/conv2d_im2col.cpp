// conv2d/im2col (and conv2d_col/im2col on the (N, C, L, 1) view, conv2d_hw/im2col on the
// folded view): per sample and group, unfold the input into a column matrix
// (Cin/g * KH * KW) x (OH * OW), then one GEMM with the weight (Cout/g) x (Cin/g * KH * KW),
// accumulated onto the bias. A pointwise problem's
// column matrix is the input itself: no copy.
#include <algorithm>
#include <vector>

#include "conveq/paths/gemm.hpp"
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
        if (bias_) fill_rows(y, g.cout_g(), cols, cols, bias_ + group * g.cout_g());
        gemm(false, false, g.cout_g(), cols, rows, weight_ + group * g.cout_g() * rows, rows,
             columns, cols, bias_ != nullptr, y, cols);
      }
    }
  }

 private:
  // columns[(c, i, j), (oy, ox)] = x[c, oy*sh + i*dh - ph, ox*sw + j*dw - pw], zero in padding.
  const T* unfold(const T* x) {
    const ConvGeometry& g = g_;
    T* col = columns_.data();
    for (int64_t c = 0; c < g.cin_g(); ++c) {
      for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
          T* out = col + ((c * g.kh + i) * g.kw + j) * g.oh * g.ow;
          for (int64_t oy = 0; oy < g.oh; ++oy) {
            const int64_t y = oy * g.sh + i * g.dh - g.ph;
            T* out_row = out + oy * g.ow;
            if (y < 0 || y >= g.h) {
              std::fill_n(out_row, g.ow, T(0));
              continue;
            }
            const T* x_row = x + (c * g.h + y) * g.w;
            for (int64_t ox = 0; ox < g.ow; ++ox) {
              const int64_t xi = ox * g.sw + j * g.dw - g.pw;
              out_row[ox] = (xi >= 0 && xi < g.w) ? x_row[xi] : T(0);
            }
          }
        }
      }
    }
    return col;
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
