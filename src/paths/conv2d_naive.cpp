// conv2d/naive (and conv2d_hw/naive on the folded view): direct loops on (N, Cin, H, W)
// with weight (Cout, Cin/g, KH, KW), in the working dtype. Threads split the
// (sample, output channel) planes; each plane is summed in one fixed order.
#include <algorithm>

#include "conveq/parallel.hpp"
#include "conveq/paths.hpp"

namespace conveq {
namespace {

// Output indices o with 0 <= o*stride + offset < size: [first, last).
void inside(int64_t offset, int64_t stride, int64_t size, int64_t out_size, int64_t& first,
            int64_t& last) {
  first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  last = size - offset <= 0 ? 0 : std::min(out_size, (size - offset - 1) / stride + 1);
  first = std::min(first, last);
}

template <typename T>
class Conv2dNaive final : public Path<T> {
 public:
  explicit Conv2dNaive(bool folded) : folded_(folded) {}
  std::string op() const override { return folded_ ? "conv2d_hw" : "conv2d"; }
  std::string algorithm() const override { return "naive"; }
  std::string skip_reason(const Problem& p) const override {
    return folded_ ? folded_skip_reason(p) : "";
  }
  ConvGeometry geometry(const Problem& p) const override {
    return folded_ ? folded_view(p) : conv2d_view(p);
  }

  void prepare(const Problem& p, const ConvData<T>& data, int threads) override {
    g_ = geometry(p);
    input_ = data.input.data();
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    threads_ = threads;
  }

  void run(T* output) override {
    const ConvGeometry g = g_;
    const int64_t out_plane = g.oh * g.ow;
    parallel_for(g.batch * g.out_channels, threads_, [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const int64_t n = plane / g.out_channels, o = plane % g.out_channels;
        const int64_t group = o / g.cout_g();
        T* out = output + plane * out_plane;
        std::fill_n(out, out_plane, bias_ ? bias_[o] : T(0));
        for (int64_t c = 0; c < g.cin_g(); ++c) {
          const T* x = input_ + (n * g.in_channels + group * g.cin_g() + c) * g.h * g.w;
          const T* w = weight_ + (o * g.cin_g() + c) * g.kh * g.kw;
          for (int64_t i = 0; i < g.kh; ++i) {
            int64_t oy_first, oy_last;
            inside(i * g.dh - g.ph, g.sh, g.h, g.oh, oy_first, oy_last);
            for (int64_t j = 0; j < g.kw; ++j) {
              const T wij = w[i * g.kw + j];
              const int64_t x_offset = j * g.dw - g.pw;
              int64_t ox_first, ox_last;
              inside(x_offset, g.sw, g.w, g.ow, ox_first, ox_last);
              for (int64_t oy = oy_first; oy < oy_last; ++oy) {
                const int64_t x_row = (oy * g.sh + i * g.dh - g.ph) * g.w + x_offset;
                T* out_row = out + oy * g.ow;
                for (int64_t ox = ox_first; ox < ox_last; ++ox) {
                  out_row[ox] += wij * x[x_row + ox * g.sw];
                }
              }
            }
          }
        }
      }
    });
  }

 private:
  bool folded_;
  ConvGeometry g_{};
  const T* input_ = nullptr;
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  int threads_ = 1;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv2d_naive(bool folded) {
  return std::make_unique<Conv2dNaive<T>>(folded);
}
template std::unique_ptr<Path<float>> make_conv2d_naive<float>(bool);
template std::unique_ptr<Path<double>> make_conv2d_naive<double>(bool);

}  // namespace conveq
