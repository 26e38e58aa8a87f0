// conv2d/im2col (and conv2d_col/im2col on the (N, C, L, 1) view, conv2d_hw/im2col on the
// folded view): per sample and group, unfold the input into a column matrix
// (Cin/g * KH * KW) x (OH * OW), then one GEMM with the weight (Cout/g) x (Cin/g * KH * KW),
// which also adds the bias (im2col_gemm.hpp). A pointwise problem's column matrix is the
// input itself: no copy.
#include "conveq/paths/im2col_gemm.hpp"
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
    im2col_.prepare(geometry(p), data.input.data(), data.weight.data(), data.bias_or_null());
  }

  void run(T* output) override { im2col_.run(output); }

 private:
  Formulation view_;
  Im2colGemm<T> im2col_;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv2d_im2col(Formulation view) {
  return std::make_unique<Conv2dIm2col<T>>(view);
}
template std::unique_ptr<Path<float>> make_conv2d_im2col<float>(Formulation);
template std::unique_ptr<Path<double>> make_conv2d_im2col<double>(Formulation);

}  // namespace conveq
