// conv1d/im2col: per sample and group, unfold the input into a column matrix
// (Cin/g * K) x L_out, then one GEMM with the weight (Cout/g) x (Cin/g * K), accumulated
// with the bias (gemm_bias.hpp). A pointwise problem's column matrix is the input itself: no copy.
#include <algorithm>
#include <vector>

#include "conveq/paths/gemm_bias.hpp"
#include "conveq/paths/im2col.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {
namespace {

template <typename T>
class Conv1dIm2col final : public Path<T> {
 public:
  std::string op() const override { return "conv1d"; }
  std::string algorithm() const override { return "im2col"; }
  bool is_rank1() const override { return true; }
  std::string skip_reason(const Problem& p) const override { return conv1d_skip_reason(p); }
  ConvGeometry geometry(const Problem& p) const override { return conv1d_view(p); }

  void prepare(const Problem& p, const ConvData<T>& data, int /*threads*/) override {
    g_ = conv1d_view(p);
    input_ = data.input.data();
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    no_copy_ = g_.kw == 1 && g_.sw == 1 && g_.pw == 0 && g_.ow == g_.w;
    columns_.assign(no_copy_ ? 0 : static_cast<size_t>(g_.cin_g() * g_.kw * g_.ow), T(0));
  }

  void run(T* output) override {
    const ConvGeometry& g = g_;
    const int64_t rows = g.cin_g() * g.kw;
    for (int64_t n = 0; n < g.batch; ++n) {
      for (int64_t group = 0; group < g.groups; ++group) {
        const T* x = input_ + (n * g.in_channels + group * g.cin_g()) * g.w;
        const T* columns = no_copy_ ? x : unfold(x);
        T* y = output + (n * g.out_channels + group * g.cout_g()) * g.ow;
        gemm_with_bias(false, false, g.cout_g(), g.ow, rows, weight_ + group * g.cout_g() * rows,
                       rows, columns, g.ow, bias_ ? bias_ + group * g.cout_g() : nullptr,
                       BiasAxis::per_row, y, g.ow);
      }
    }
  }

 private:
  const T* unfold(const T* x) {
    build_columns(g_, x, columns_.data());
    return columns_.data();
  }

  ConvGeometry g_{};
  const T* input_ = nullptr;
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  bool no_copy_ = false;
  std::vector<T> columns_;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv1d_im2col() {
  return std::make_unique<Conv1dIm2col<T>>();
}
template std::unique_ptr<Path<float>> make_conv1d_im2col<float>();
template std::unique_ptr<Path<double>> make_conv1d_im2col<double>();

}  // namespace conveq
