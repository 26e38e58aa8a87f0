// conv1d/naive: direct loops on (N, Cin, L) with weight (Cout, Cin/g, K), in the working dtype.
// Threads split the (sample, output channel) rows; each row is summed in one fixed order
// (bias, then channel by channel, tap by tap), so the result does not depend on threads.
#include <algorithm>
#include <vector>

#include "conveq/core/parallel.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/paths/storage_format.hpp"
#include "row_taps.hpp"

namespace conveq {
namespace {

template <typename T>
class Conv1dNaive final : public Path<T> {
 public:
  std::string op() const override { return "conv1d"; }
  std::string algorithm() const override { return "naive"; }
  bool is_rank1() const override { return true; }
  std::string skip_reason(const Problem& p) const override { return conv1d_skip_reason(p); }
  ConvGeometry geometry(const Problem& p) const override { return conv1d_view(p); }

  void prepare(const Problem& p, const ConvData<T>& data, int threads) override {
    g_ = conv1d_view(p);
    input_ = data.input.data();
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    format_ = accumulation_format(p);
    threads_ = threads_for_work(p.flops() / 2, threads);
    // The outputs each kernel tap reaches, the same for every row.
    first_.resize(static_cast<size_t>(g_.kw));
    last_.resize(static_cast<size_t>(g_.kw));
    for (int64_t k = 0; k < g_.kw; ++k) {
      outputs_inside(k * g_.dw - g_.pw, g_.sw, g_.w, g_.ow, first_[k], last_[k]);
    }
  }

  void run(T* output) override {
    const ConvGeometry& g = g_;
    parallel_for(g.batch * g.out_channels, threads_, [&](int64_t begin, int64_t end) {
      std::vector<RowTap<T>> taps;
      taps.reserve(static_cast<size_t>(g.cin_g() * g.kw));
      for (int64_t row = begin; row < end; ++row) {
        const int64_t n = row / g.out_channels, o = row % g.out_channels;
        const int64_t group = o / g.cout_g();
        T* out = output + row * g.ow;
        std::fill_n(out, g.ow, bias_ ? bias_[o] : T(0));
        taps.clear();
        for (int64_t c = 0; c < g.cin_g(); ++c) {
          const T* x = input_ + (n * g.in_channels + group * g.cin_g() + c) * g.w;
          const T* w = weight_ + (o * g.cin_g() + c) * g.kw;
          for (int64_t k = 0; k < g.kw; ++k) {
            if (first_[k] < last_[k])
              taps.push_back({x, k * g.dw - g.pw, w[k], first_[k], last_[k]});
          }
        }
        naive::add_row_taps(format_, out, taps, g.sw);
      }
    });
  }

 private:
  ConvGeometry g_{};
  const T* input_ = nullptr;
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  std::optional<HalfFormat> format_;  // --accumulate same: every operation rounds to it
  int threads_ = 1;
  std::vector<int64_t> first_, last_;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv1d_naive() {
  return std::make_unique<Conv1dNaive<T>>();
}
template std::unique_ptr<Path<float>> make_conv1d_naive<float>();
template std::unique_ptr<Path<double>> make_conv1d_naive<double>();

}  // namespace conveq
