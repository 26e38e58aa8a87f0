// reference: the convolution by its definition, summed in a wider type, with the
// magnitude scale of each output (sum |w||x| + |b|, the rounding bound's yardstick) and its l2
// scale (sqrt(sum (w x)^2 + b^2), the effective precision's yardstick). Threads split (sample,
// output channel) planes; every output is summed by one thread in one fixed order (bias, then
// channel, row tap, column tap), so the result does not depend on the thread count.
#include "conveq/check/reference.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "conveq/core/parallel.hpp"
#include "conveq/paths/taps.hpp"

namespace conveq {
namespace {

// float32 problems accumulate in double; float64 problems in long double (64-bit mantissa
// on x86-64), so the reference stays much more accurate than what it judges.
template <typename T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, long double>;

// Output positions per tile: the tile's sums and magnitudes stay in L1 (8 KiB in double)
// while every (channel, tap) adds onto them.
constexpr int64_t kTile = 512;

// One (channel, row tap, column tap) term restricted to a tile: it adds
// w * row[offset + k * stride] to the tile's outputs k in [first, last), with w already in
// the accumulator's type.
template <typename T, typename Acc>
using Tap = RowTap<T, Acc>;

// A tile's running sums: the value, the magnitude sum |w x| and the sum of squares (w x)^2.
template <typename Acc>
struct TileSums {
  Acc* sum;
  Acc* magnitude;
  Acc* square;
};

// Adds taps[0..count) onto outputs [begin, end) of the tile, tap after tap for every output:
// the same sums, in the same order, as one pass per tap, with 1/count of the loads and
// stores of the tile. Unit stride gets its own loop so that it vectorises. For float32
// data the products are exact in double, so contraction into FMA cannot change the result.
template <int64_t Stride, int count, typename T, typename Acc>
void add_taps(const TileSums<Acc>& tile, const Tap<T, Acc>* taps, int64_t stride, int64_t begin,
              int64_t end) {
  if (begin >= end) return;
  const int64_t s = Stride > 0 ? Stride : stride;
  // Locals, so that the stores to sum (also Acc) cannot alias the weights; x[t] points at
  // output `begin`'s input element, inside the row because every tap covers [begin, end).
  const T* x[count];
  Acc w[count];
  for (int t = 0; t < count; ++t) {
    x[t] = taps[t].row + taps[t].offset + begin * s;
    w[t] = taps[t].w;
  }
  for (int64_t k = begin; k < end; ++k) {
    Acc total = tile.sum[k], size = tile.magnitude[k], square = tile.square[k];
    for (int t = 0; t < count; ++t) {
      const Acc product = w[t] * static_cast<Acc>(x[t][(k - begin) * s]);
      total += product;
      size += std::abs(product);
      square += product * product;
    }
    tile.sum[k] = total;
    tile.magnitude[k] = size;
    tile.square[k] = square;
  }
}

template <int count, typename T, typename Acc>
void add_taps(const TileSums<Acc>& tile, const Tap<T, Acc>* taps, int64_t stride, int64_t begin,
              int64_t end) {
  if (stride == 1) {
    add_taps<1, count>(tile, taps, stride, begin, end);
  } else {
    add_taps<0, count>(tile, taps, stride, begin, end);
  }
}

// Taps per shared pass over the tile: with three sums per output (value, magnitude, square)
// the tile's loads and stores weigh more than in the paths, so the reference groups more taps.
constexpr int kReferenceTapGroup = 8;

// Adds every tap, in order, onto the tile: groups of taps share one pass over the outputs
// they all cover (taps.hpp), and every output sees exactly its taps in (channel, tap) order.
template <typename T, typename Acc>
void add_all_taps(const TileSums<Acc>& tile, const std::vector<Tap<T, Acc>>& taps, int64_t stride) {
  add_taps_in_groups<kReferenceTapGroup>(
      taps, 1, [&](auto count, const Tap<T, Acc>* run, int64_t, int64_t begin, int64_t end) {
        add_taps<decltype(count)::value>(tile, run, stride, begin, end);
      });
}

// The reference of one problem, one (sample, output channel) plane at a time. Output rows
// are cut into tiles of kTile positions; each tile starts from the bias and gets its taps in
// (channel, row tap, column tap) order.
template <typename T>
class ReferencePlanes {
 public:
  using Acc = Accumulator<T>;

  // One thread's tile sums and magnitudes and its tap list, reused from tile to tile.
  struct Scratch {
    explicit Scratch(size_t max_taps) { taps.reserve(max_taps); }
    std::array<Acc, kTile> sum, magnitude, square;
    std::vector<Tap<T, Acc>> taps;
  };

  // `out` must already have the problem's output size.
  ReferencePlanes(const Problem& p, const ConvData<T>& data, ReferenceOutput& out)
      : p_(p),
        input_(data.input.data()),
        weight_(data.weight.data()),
        bias_(data.bias_or_null()),
        value_(out.value.data()),
        scale_(out.scale.data()),
        l2_(out.l2_scale.data()),
        oh_(p.out_height()),
        ow_(p.out_width()),
        cin_g_(p.in_channels_per_group()),
        taps_per_channel_(p.kernel_h * p.kernel_w),
        ox_first_(static_cast<size_t>(p.kernel_w)),
        ox_last_(static_cast<size_t>(p.kernel_w)) {
    for (int64_t j = 0; j < p.kernel_w; ++j) {
      outputs_inside(j * p.dilation_w - p.pad_left, p.stride_w, p.width, ow_, ox_first_[j],
                     ox_last_[j]);
    }
  }

  size_t max_taps() const { return static_cast<size_t>(cin_g_ * taps_per_channel_); }

  void compute(int64_t plane, Scratch& scratch) const {
    const int64_t n = plane / p_.out_channels, o = plane % p_.out_channels;
    const int64_t group = o / p_.out_channels_per_group();
    const Acc b = bias_ ? static_cast<Acc>(bias_[o]) : Acc(0);
    const T* x_group = input_ + (n * p_.in_channels + group * cin_g_) * p_.height * p_.width;
    const T* w_out = weight_ + o * cin_g_ * taps_per_channel_;
    double* value = value_ + plane * oh_ * ow_;
    double* scale = scale_ + plane * oh_ * ow_;
    double* l2 = l2_ + plane * oh_ * ow_;
    for (int64_t oy = 0; oy < oh_; ++oy) {
      for (int64_t t0 = 0; t0 < ow_; t0 += kTile) {
        const int64_t t1 = std::min(ow_, t0 + kTile);
        std::fill(scratch.sum.begin(), scratch.sum.begin() + (t1 - t0), b);
        std::fill(scratch.magnitude.begin(), scratch.magnitude.begin() + (t1 - t0), std::abs(b));
        std::fill(scratch.square.begin(), scratch.square.begin() + (t1 - t0), b * b);
        collect_taps(x_group, w_out, oy, t0, t1, scratch.taps);
        add_all_taps({scratch.sum.data(), scratch.magnitude.data(), scratch.square.data()},
                     scratch.taps, p_.stride_w);
        for (int64_t k = 0; k < t1 - t0; ++k) {
          value[oy * ow_ + t0 + k] = static_cast<double>(scratch.sum[k]);
          scale[oy * ow_ + t0 + k] = static_cast<double>(scratch.magnitude[k]);
          l2[oy * ow_ + t0 + k] = static_cast<double>(std::sqrt(scratch.square[k]));
        }
      }
    }
  }

 private:
  // The taps of output row oy that reach tile columns [t0, t1), relative to the tile.
  void collect_taps(const T* x_group, const T* w_out, int64_t oy, int64_t t0, int64_t t1,
                    std::vector<Tap<T, Acc>>& taps) const {
    taps.clear();
    for (int64_t c = 0; c < cin_g_; ++c) {
      for (int64_t i = 0; i < p_.kernel_h; ++i) {
        const int64_t y = oy * p_.stride_h + i * p_.dilation_h - p_.pad_top;
        if (y < 0 || y >= p_.height) continue;
        const T* x_row = x_group + (c * p_.height + y) * p_.width;
        for (int64_t j = 0; j < p_.kernel_w; ++j) {
          const int64_t first = std::max(t0, ox_first_[j]);
          const int64_t last = std::min(t1, ox_last_[j]);
          if (first >= last) continue;
          taps.push_back({x_row, t0 * p_.stride_w + j * p_.dilation_w - p_.pad_left,
                          static_cast<Acc>(w_out[(c * p_.kernel_h + i) * p_.kernel_w + j]),
                          first - t0, last - t0});
        }
      }
    }
  }

  const Problem& p_;
  const T* input_;
  const T* weight_;
  const T* bias_;
  double* value_;
  double* scale_;
  double* l2_;
  int64_t oh_, ow_, cin_g_, taps_per_channel_;
  std::vector<int64_t> ox_first_, ox_last_;  // valid output columns of each column tap
};

}  // namespace

std::string reference_accumulation(DType dtype) {
  return dtype == DType::float64 ? "long double" : "float64";
}

double reference_unit_roundoff(DType dtype) {
  return dtype != DType::float64 ? std::ldexp(1.0, -53)
                                 : std::ldexp(1.0, -(std::numeric_limits<long double>::digits));
}

template <typename T>
void compute_reference(const Problem& p, const ConvData<T>& data, int threads,
                       ReferenceOutput& out) {
  const auto size = static_cast<size_t>(p.output_elements());
  // Reused across calls: a fresh 2 x 8 bytes per output would page-fault on every call.
  if (out.value.size() != size) out.value = xt::xtensor<double, 1>::from_shape({size});
  if (out.scale.size() != size) out.scale = xt::xtensor<double, 1>::from_shape({size});
  if (out.l2_scale.size() != size) out.l2_scale = xt::xtensor<double, 1>::from_shape({size});
  const ReferencePlanes<T> planes(p, data, out);

  // Three times a path's work (sums, magnitudes, squares); fewer threads for small problems.
  const int workers = threads_for_work(p.flops(), threads);
  parallel_for(p.batch * p.out_channels, workers, [&](int64_t begin, int64_t end) {
    typename ReferencePlanes<T>::Scratch scratch(planes.max_taps());
    for (int64_t plane = begin; plane < end; ++plane) planes.compute(plane, scratch);
  });
}

template void compute_reference<float>(const Problem&, const ConvData<float>&, int,
                                       ReferenceOutput&);
template void compute_reference<double>(const Problem&, const ConvData<double>&, int,
                                        ReferenceOutput&);

}  // namespace conveq
