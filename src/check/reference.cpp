// reference: the convolution by its definition, summed in a wider type, with the
// magnitude scale of each output (sum |w||x| + |b|, the rounding bound's yardstick) and its l2
// scale (sqrt(sum (w x)^2 + b^2), the effective precision's yardstick). For float32 data the
// two scales are summed in float32 (twice the vector width of the value's float64 sum: 0.79x the
// time) and the magnitude made a rigorous upper bound afterwards (upper_magnitude_bound);
// a tile where a float32 scale overflows, or a square sum underflows, is summed again with
// every sum in float64. Threads split (sample,
// output channel) planes; every output is summed by one thread in one fixed order (bias, then
// channel, row tap, column tap), so the result does not depend on the thread count.
#include "conveq/check/reference.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "conveq/core/parallel.hpp"
#include "conveq/paths/taps.hpp"

namespace conveq {
namespace {

// float32 problems accumulate in double; float64 problems in long double (64-bit mantissa
// on x86-64), so the reference stays much more accurate than what it judges.
template <typename T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, long double>;
// The scales' sums: float32 for float32 data, the accumulator otherwise.
template <typename T>
using FastScaleSum = std::conditional_t<std::is_same_v<T, float>, float, Accumulator<T>>;

// Output positions per tile: each tile collects its taps again, so long tiles pay that less
// often; for float32 data 4,096 ran 0.86x the time of 512 at (8, 256, 256, 4096, k 3), its sums
// (80 KiB) in L2 while every (channel, tap) adds onto them. Long double sums (float64 data) are
// three times that size per position and ran 1.45x slower in such tiles: 512 for them.
template <typename T>
constexpr int64_t kTile = std::is_same_v<T, float> ? 4096 : 512;

// One (channel, row tap, column tap) term restricted to a tile: it adds
// w * row[offset + k * stride] to the tile's outputs k in [first, last), with w already in
// the accumulator's type.
template <typename T, typename Acc>
using Tap = RowTap<T, Acc>;

// A tile's running sums: the value, the magnitude sum |w x| and the sum of squares (w x)^2
// (the last two in S).
template <typename Acc, typename S>
struct TileSums {
  Acc* sum;
  S* magnitude;
  S* square;
};

// The loop of add_taps below on outputs [0, n) of the tile from `sum` on. __restrict: the
// tile's float32 scale sums could otherwise alias the float32 input, and the alias checks for
// count rows are more than the compiler versions a loop for (it then does not vectorise).
template <int64_t Stride, int count, typename T, typename Acc, typename S>
void add_products(Acc* __restrict sum, S* __restrict magnitude, S* __restrict square, int64_t n,
                  int64_t stride, const T* const (&x)[count], const Acc (&w)[count],
                  const S (&w_scale)[count]) {
  const int64_t s = Stride > 0 ? Stride : stride;
  for (int64_t k = 0; k < n; ++k) {
    Acc total = sum[k];
    S size = magnitude[k], sum_squares = square[k];
    for (int t = 0; t < count; ++t) {
      const T xv = x[t][k * s];
      total += w[t] * static_cast<Acc>(xv);
      const S product = w_scale[t] * static_cast<S>(xv);  // the same rounded product for S = Acc
      size += std::abs(product);
      sum_squares += product * product;
    }
    sum[k] = total;
    magnitude[k] = size;
    square[k] = sum_squares;
  }
}

// Adds taps[0..count) onto outputs [begin, end) of the tile, tap after tap for every output:
// the same sums, in the same order, as one pass per tap, with 1/count of the loads and
// stores of the tile. Unit stride gets its own loop so that it vectorises. For float32
// data the products are exact in double, so contraction into FMA cannot change the result.
template <int64_t Stride, int count, typename T, typename Acc, typename S>
void add_taps(const TileSums<Acc, S>& tile, const Tap<T, Acc>* taps, int64_t stride, int64_t begin,
              int64_t end) {
  if (begin >= end) return;
  const int64_t s = Stride > 0 ? Stride : stride;
  // Locals, so that the stores to sum (also Acc) cannot alias the weights; x[t] points at
  // output `begin`'s input element, inside the row because every tap covers [begin, end).
  const T* x[count];
  Acc w[count];
  S w_scale[count];  // w in the scales' type: exact, as the weights are T
  for (int t = 0; t < count; ++t) {
    x[t] = taps[t].row + taps[t].offset + begin * s;
    w[t] = taps[t].w;
    w_scale[t] = static_cast<S>(w[t]);
  }
  add_products<Stride, count>(tile.sum + begin, tile.magnitude + begin, tile.square + begin,
                              end - begin, s, x, w, w_scale);
}

template <int count, typename T, typename Acc, typename S>
void add_taps(const TileSums<Acc, S>& tile, const Tap<T, Acc>* taps, int64_t stride, int64_t begin,
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
template <typename T, typename Acc, typename S>
void add_all_taps(const TileSums<Acc, S>& tile, const std::vector<Tap<T, Acc>>& taps,
                  int64_t stride) {
  add_taps_in_groups<kReferenceTapGroup>(
      taps, 1, [&](auto count, const Tap<T, Acc>* run, int64_t, int64_t begin, int64_t end) {
        add_taps<decltype(count)::value>(tile, run, stride, begin, end);
      });
}

// The reference of one problem, one (sample, output channel) plane at a time. Output rows
// are cut into tiles of kTile<T> positions; each tile starts from the bias and gets its taps in
// (channel, row tap, column tap) order.
template <typename T>
class ReferencePlanes {
 public:
  using Acc = Accumulator<T>;
  using Fast = FastScaleSum<T>;

  // One thread's tile sums and its tap list, reused from tile to tile: the scales in Fast, and
  // in Acc for a tile summed again.
  struct Scratch {
    explicit Scratch(size_t max_taps) { taps.reserve(max_taps); }
    // Arrays of one object (on the heap: 160 KiB in long double), so that the compiler
    // knows them apart; vectors' separate buffers would need alias checks it gives up on.
    std::array<Acc, kTile<T>> sum, magnitude, square;
    std::array<Fast, kTile<T>> fast_magnitude, fast_square;
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
        terms_(cin_g_ * taps_per_channel_ + 1),
        fast_scales_(!std::is_same_v<Fast, Acc> && terms_ <= kMaxFastTerms),
        underflow_slack_(static_cast<double>(terms_) * 0x1p-150),
        rounding_inflation_(1.0 / (1.0 - static_cast<double>(terms_ + 2) * 0x1p-24)),
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
    for (int64_t oy = 0; oy < oh_; ++oy) {
      for (int64_t t0 = 0; t0 < ow_; t0 += kTile<T>) {
        const int64_t count = std::min(ow_, t0 + kTile<T>) - t0,
                      at = plane * oh_ * ow_ + oy * ow_ + t0;
        collect_taps(x_group, w_out, oy, t0, t0 + count, scratch.taps);
        if (fast_scales_) {
          sum_tile(b, count, scratch.taps, scratch.sum, scratch.fast_magnitude,
                   scratch.fast_square);
          if (fast_scales_usable(scratch, count)) {
            for (int64_t k = 0; k < count; ++k) {
              value_[at + k] = static_cast<double>(scratch.sum[k]);
              scale_[at + k] = upper_magnitude_bound(scratch.fast_magnitude[k]);
              l2_[at + k] = std::sqrt(static_cast<double>(scratch.fast_square[k]));
            }
            continue;
          }
        }
        sum_tile(b, count, scratch.taps, scratch.sum, scratch.magnitude, scratch.square);
        for (int64_t k = 0; k < count; ++k) {
          value_[at + k] = static_cast<double>(scratch.sum[k]);
          scale_[at + k] = static_cast<double>(scratch.magnitude[k]);
          l2_[at + k] = static_cast<double>(std::sqrt(scratch.square[k]));
        }
      }
    }
  }

 private:
  // The float32 scale sums stay below 2^-24 (n + 2) < 1/2 of relative error up to here.
  static constexpr int64_t kMaxFastTerms = int64_t{1} << 22;
  // Square sums below this have lost more than n 2^-49 of their size to underflow (float32's
  // smallest subnormal is 2^-149); such a tile is summed again in float64.
  static constexpr Fast kMinFastSquare = Fast(0x1p-100);

  // Sums the tile's taps onto the bias, the scales in S.
  template <typename S>
  void sum_tile(Acc b, int64_t count, const std::vector<Tap<T, Acc>>& taps,
                std::array<Acc, kTile<T>>& sum, std::array<S, kTile<T>>& magnitude,
                std::array<S, kTile<T>>& square) const {
    std::fill_n(sum.begin(), count, b);
    std::fill_n(magnitude.begin(), count, static_cast<S>(std::abs(b)));
    std::fill_n(square.begin(), count, static_cast<S>(b) * static_cast<S>(b));
    add_all_taps<T, Acc, S>({sum.data(), magnitude.data(), square.data()}, taps, p_.stride_w);
  }

  // The float32 scales stand for the float64 ones unless one overflowed (finite data whose
  // float64 sums are finite) or a square sum underflowed where the magnitude did not.
  bool fast_scales_usable(const Scratch& scratch, int64_t count) const {
    for (int64_t k = 0; k < count; ++k) {
      const Fast m = scratch.fast_magnitude[k], q = scratch.fast_square[k];
      if (std::isinf(m) || std::isinf(q) || (m > 0 && !(q >= kMinFastSquare))) return false;
    }
    return true;
  }

  // An upper bound of the exact sum |w||x| + |b| from its float32 sum s of n = terms_ terms:
  // each product is rounded with a relative error <= u = 2^-24 or, below float32's normal
  // range, an absolute one <= 2^-150, and each addition of non-negative terms with a relative
  // error <= u (sums that underflow are exact), so s >= (1 - u)^n exact - n 2^-150, and
  // exact <= (s + n 2^-150) / (1 - n u). One more u in the divisor covers the float64 roundings
  // of this line and of the divisor's reciprocal.
  double upper_magnitude_bound(Fast s) const {
    return (static_cast<double>(s) + underflow_slack_) * rounding_inflation_;
  }

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
  int64_t terms_;  // terms of every output's sum: its taps and the bias
  bool fast_scales_;
  double underflow_slack_, rounding_inflation_;  // upper_magnitude_bound's n 2^-150, 1/(1 - n u)
  std::vector<int64_t> ox_first_, ox_last_;      // valid output columns of each column tap
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
    const auto scratch = std::make_unique<typename ReferencePlanes<T>::Scratch>(planes.max_taps());
    for (int64_t plane = begin; plane < end; ++plane) planes.compute(plane, *scratch);
  });
}

template void compute_reference<float>(const Problem&, const ConvData<float>&, int,
                                       ReferenceOutput&);
template void compute_reference<double>(const Problem&, const ConvData<double>&, int,
                                        ReferenceOutput&);

}  // namespace conveq
