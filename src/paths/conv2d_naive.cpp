// conv2d/naive (and conv2d_col/naive on the (N, C, L, 1) view, conv2d_hw/naive on the folded
// view): direct loops on (N, Cin, H, W) with weight (Cout, Cin/g, KH, KW), in the working
// dtype. Threads split the (sample, output channel) planes; each output is summed in one fixed
// order (bias, then channel, row tap, column tap), so the result does not depend on threads.
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
class Conv2dNaive final : public Path<T> {
 public:
  explicit Conv2dNaive(Formulation view) : view_(view) {}
  std::string op() const override { return formulation_name(view_); }
  std::string algorithm() const override { return "naive"; }
  std::string skip_reason(const Problem& p) const override {
    return formulation_skip_reason(view_, p);
  }
  ConvGeometry geometry(const Problem& p) const override { return formulation_geometry(view_, p); }

  void prepare(const Problem& p, const ConvData<T>& data, int threads) override {
    // A column plane (L, 1) is laid out as the row (1, L): the loops walk it as that row, one
    // output row of L elements rather than L rows of one, adding the same terms in the same
    // order (bias, channel, tap).
    g_ = view_ == Formulation::conv2d_col ? conv1d_view(p) : geometry(p);
    input_ = data.input.data();
    weight_ = data.weight.data();
    bias_ = data.bias_or_null();
    format_ = accumulation_format(p);
    threads_ = threads_for_work(p.flops() / 2, threads);
    // The output columns each column tap reaches, the same for every row.
    first_.resize(static_cast<size_t>(g_.kw));
    last_.resize(static_cast<size_t>(g_.kw));
    for (int64_t j = 0; j < g_.kw; ++j) {
      outputs_inside(j * g_.dw - g_.pw, g_.sw, g_.w, g_.ow, first_[j], last_[j]);
    }
    // Output rows where every row tap is inside the input: [interior_first_, interior_last_).
    int64_t top_first, top_last, bottom_first, bottom_last;
    outputs_inside(-g_.ph, g_.sh, g_.h, g_.oh, top_first, top_last);
    outputs_inside((g_.kh - 1) * g_.dh - g_.ph, g_.sh, g_.h, g_.oh, bottom_first, bottom_last);
    interior_first_ = std::max(top_first, bottom_first);
    interior_last_ = std::max(interior_first_, std::min(top_last, bottom_last));
  }

  void run(T* output) override {
    const ConvGeometry& g = g_;
    const int64_t out_plane = g.oh * g.ow;
    parallel_for(g.batch * g.out_channels, threads_, [&](int64_t begin, int64_t end) {
      std::vector<RowTap<T>> taps;
      taps.reserve(static_cast<size_t>(g.cin_g() * g.kh * g.kw));
      for (int64_t plane = begin; plane < end; ++plane) {
        const int64_t n = plane / g.out_channels, o = plane % g.out_channels;
        const int64_t group = o / g.cout_g();
        T* out = output + plane * out_plane;
        std::fill_n(out, out_plane, bias_ ? bias_[o] : T(0));
        const T* x_group = input_ + (n * g.in_channels + group * g.cin_g()) * g.h * g.w;
        const T* w_out = weight_ + o * g.cin_g() * g.kh * g.kw;
        // Rows whose every row tap lies inside the input share one tap list, shifted by
        // sh input rows per output row; the rows at the top and bottom edges get their own.
        auto add_rows = [&](int64_t oy, int64_t rows) {
          taps.clear();
          for (int64_t c = 0; c < g.cin_g(); ++c) {
            for (int64_t i = 0; i < g.kh; ++i) {
              const int64_t y = oy * g.sh + i * g.dh - g.ph;
              if (y < 0 || y >= g.h) continue;
              const T* x_row = x_group + (c * g.h + y) * g.w;
              for (int64_t j = 0; j < g.kw; ++j) {
                if (first_[j] >= last_[j]) continue;
                taps.push_back({x_row, j * g.dw - g.pw, w_out[(c * g.kh + i) * g.kw + j], first_[j],
                                last_[j]});
              }
            }
          }
          naive::add_row_taps(format_, out + oy * g.ow, taps, g.sw, rows, g.ow, g.sh * g.w);
        };
        for (int64_t oy = 0; oy < interior_first_; ++oy) add_rows(oy, 1);
        if (interior_first_ < interior_last_) {
          add_rows(interior_first_, interior_last_ - interior_first_);
        }
        for (int64_t oy = std::max(interior_first_, interior_last_); oy < g.oh; ++oy) {
          add_rows(oy, 1);
        }
      }
    });
  }

 private:
  Formulation view_;
  ConvGeometry g_{};
  const T* input_ = nullptr;
  const T* weight_ = nullptr;
  const T* bias_ = nullptr;
  std::optional<HalfFormat> format_;  // --accumulate same: every operation rounds to it
  int threads_ = 1;
  std::vector<int64_t> first_, last_;
  int64_t interior_first_ = 0, interior_last_ = 0;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_conv2d_naive(Formulation view) {
  return std::make_unique<Conv2dNaive<T>>(view);
}
template std::unique_ptr<Path<float>> make_conv2d_naive<float>(Formulation);
template std::unique_ptr<Path<double>> make_conv2d_naive<double>(Formulation);

}  // namespace conveq
