// conv1d/im2col: per sample and group, unfold the input into a column matrix
// (Cin/g * K) x L_out, then one GEMM with the weight (Cout/g) x (Cin/g * K) that also adds the
// bias (im2col_gemm.hpp). A pointwise problem's column matrix is the input itself: no copy.
#include "conveq/paths/im2col_gemm.hpp"
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
    im2col_.prepare(conv1d_view(p), data.input.data(), data.weight.data(), data.bias_or_null());
  }

  void run(T* output) override { im2col_.run(output); }

 private:
  Im2colGemm<T> im2col_;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv1d_im2col() {
  return std::make_unique<Conv1dIm2col<T>>();
}
template std::unique_ptr<Path<float>> make_conv1d_im2col<float>();
template std::unique_ptr<Path<double>> make_conv1d_im2col<double>();

}  // namespace conveq
