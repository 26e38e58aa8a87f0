// linear/gemm: a pointwise convolution as nn.Linear on channels-last data,
// (N*L, Cin) x W^T (Cin, Cout) + b -> (N*L, Cout), then back to channels-first.
// The layout changes happen in prepare() and finish(), outside the timed region: the
// formulation being timed is the Linear layer on data that is already channels-last.
#include <limits>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>

#include "conveq/paths/gemm_bias.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {
namespace {

template <typename T>
class LinearGemm final : public Path<T> {
 public:
  std::string op() const override { return "linear"; }
  std::string algorithm() const override { return "gemm"; }
  bool is_rank1() const override { return true; }
  std::string skip_reason(const Problem& p) const override { return linear_skip_reason(p); }
  ConvGeometry geometry(const Problem& p) const override { return conv1d_view(p); }

  void prepare(const Problem& p, const ConvData<T>& data, int /*threads*/) override {
    g_ = conv1d_view(p);
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    const auto n = static_cast<size_t>(g_.batch), c = static_cast<size_t>(g_.in_channels),
               l = static_cast<size_t>(g_.w);
    // (N, Cin, L) -> (N, L, Cin): a row per position.
    input_cl_ = xt::transpose(
        xt::adapt(data.input.data(), n * c * l, xt::no_ownership(), std::array<size_t, 3>{n, c, l}),
        {0, 2, 1});
    // NaN, like every path's output: an element the GEMM never writes must not pass as 0.
    output_cl_ = AlignedTensor<T, 3>::from_shape({n, l, static_cast<size_t>(g_.out_channels)});
    output_cl_.fill(std::numeric_limits<T>::quiet_NaN());
  }

  void run(T* /*output*/) override {
    const int64_t positions = g_.batch * g_.w;
    gemm_with_bias(false, true, positions, g_.out_channels, g_.in_channels, input_cl_.data(),
                   g_.in_channels, weight_, g_.in_channels, bias_, BiasAxis::per_column,
                   output_cl_.data(), g_.out_channels);
  }

  void finish(T* output) override {
    // (N, L, Cout) -> (N, Cout, L).
    const auto n = static_cast<size_t>(g_.batch), o = static_cast<size_t>(g_.out_channels),
               l = static_cast<size_t>(g_.w);
    auto channels_first =
        xt::adapt(output, n * o * l, xt::no_ownership(), std::array<size_t, 3>{n, o, l});
    channels_first = xt::transpose(output_cl_, {0, 2, 1});
  }

 private:
  ConvGeometry g_{};
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  AlignedTensor<T, 3> input_cl_;   // (N, L, Cin)
  AlignedTensor<T, 3> output_cl_;  // (N, L, Cout)
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_linear_gemm() {
  return std::make_unique<LinearGemm<T>>();
}
template std::unique_ptr<Path<float>> make_linear_gemm<float>();
template std::unique_ptr<Path<double>> make_linear_gemm<double>();

}  // namespace conveq
