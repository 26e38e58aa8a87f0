// linear/gemm: a pointwise convolution as nn.Linear on channels-last data,
// (N*L, Cin) x W^T (Cin, Cout) + b -> (N*L, Cout), then back to channels-first.
// The layout changes happen in prepare() and finish(), outside the timed region: the
// formulation being timed is the Linear layer on data that is already channels-last.
#include <limits>
#include <vector>

#include "conveq/paths/gemm.hpp"
#include "conveq/paths/path.hpp"

namespace conveq {
namespace {

template <typename T>
class LinearGemm final : public Path<T> {
 public:
  std::string op() const override { return "linear"; }
  std::string algorithm() const override { return "gemm"; }
  bool is_rank1() const override { return true; }
  std::string skip_reason(const Problem& p) const override {
    if (!p.is_pointwise()) {
      return "nn.Linear is a convolution only when it is pointwise (kernel 1, stride 1, no "
             "padding)";
    }
    if (p.groups != 1) return "nn.Linear has no groups";
    return "";
  }
  ConvGeometry geometry(const Problem& p) const override { return conv1d_view(p); }

  void prepare(const Problem& p, const ConvData<T>& data, int /*threads*/) override {
    g_ = conv1d_view(p);
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    const int64_t positions = g_.batch * g_.w;
    input_cl_.resize(static_cast<size_t>(positions * g_.in_channels));
    // NaN, like every path's output: an element the GEMM never writes must not pass as 0.
    output_cl_.assign(static_cast<size_t>(positions * g_.out_channels),
                      std::numeric_limits<T>::quiet_NaN());
    const T* x = data.input.data();
    for (int64_t n = 0; n < g_.batch; ++n) {
      for (int64_t c = 0; c < g_.in_channels; ++c) {
        for (int64_t l = 0; l < g_.w; ++l) {
          input_cl_[static_cast<size_t>((n * g_.w + l) * g_.in_channels + c)] =
              x[(n * g_.in_channels + c) * g_.w + l];
        }
      }
    }
  }

  void run(T* /*output*/) override {
    const int64_t positions = g_.batch * g_.w;
    T* y = output_cl_.data();
    if (bias_) {
      for (int64_t r = 0; r < positions; ++r) {
        std::copy_n(bias_, g_.out_channels, y + r * g_.out_channels);
      }
    }
    gemm(false, true, positions, g_.out_channels, g_.in_channels, input_cl_.data(), g_.in_channels,
         weight_, g_.in_channels, bias_ != nullptr, y, g_.out_channels);
  }

  void finish(T* output) override {
    for (int64_t n = 0; n < g_.batch; ++n) {
      for (int64_t o = 0; o < g_.out_channels; ++o) {
        for (int64_t l = 0; l < g_.w; ++l) {
          output[(n * g_.out_channels + o) * g_.w + l] =
              output_cl_[static_cast<size_t>((n * g_.w + l) * g_.out_channels + o)];
        }
      }
    }
  }

 private:
  ConvGeometry g_{};
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  std::vector<T> input_cl_;   // (N*L, Cin)
  std::vector<T> output_cl_;  // (N*L, Cout)
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_linear_gemm() {
  return std::make_unique<LinearGemm<T>>();
}
template std::unique_ptr<Path<float>> make_linear_gemm<float>();
template std::unique_ptr<Path<double>> make_linear_gemm<double>();

}  // namespace conveq
