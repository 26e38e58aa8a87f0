// reference: the convolution by its definition, summed more precisely than the data's type,
// with the magnitude scale of each output (sum |w||x| + |b|, the rounding bound's yardstick)
// and its l2 scale (sqrt(sum (w x)^2 + b^2), the effective precision's yardstick).
// The fast route, tile by tile: the value in float64 for float32 data, as a double-double for
// float64 data; the two scales in the data's own type (vectorised, twice as wide for float32),
// the magnitude widened into a rigorous upper bound afterwards (upper_magnitude_bound).
// A tile whose fast sums overflow, underflow or are not finite is summed again with every sum
// in the wider accumulator (float64, or long double for float64 data). Threads split (sample,
// output channel) planes; every output is summed by one thread in one fixed order (bias, then
// channel, row tap, column tap), so the result does not depend on the thread count.
#include "conveq/check/reference.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "conveq/check/compensated_sum.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/paths/taps.hpp"

namespace conveq {
namespace {

// float32 problems accumulate in double; float64 problems in double-doubles
// (add_products_compensated), or in long double (64-bit mantissa on x86-64) for the tiles
// those cannot sum exactly enough, so the reference stays much more accurate than what it
// judges. Accumulator is the wider type of the tiles summed again.
template <typename T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, long double>;
// The fast route's limits per data type: its scale sums' unit roundoff and a product's largest
// absolute rounding error below the normal range (half the smallest subnormal), the most
// terms it takes, the smallest sum of squares it trusts (below it, underflow has eaten more
// than n 2^-49 of it), and the smallest magnitude (float64: below 2^-1000 a product's TwoProduct
// error may underflow, and a tile is summed in long double instead).
template <typename T>
struct FastRoute;
template <>
struct FastRoute<float> {
  static constexpr double unit_roundoff = 0x1p-24, underflow_error = 0x1p-150;
  static constexpr int64_t max_terms = int64_t{1} << 22;
  static constexpr float min_square = 0x1p-100f, min_magnitude = 0;
};
template <>
struct FastRoute<double> {
  // A product's underflow error is at most half a subnormal step, 2^-1075: a whole one here,
  // as 2^-1075 is not a double.
  static constexpr double unit_roundoff = 0x1p-53, underflow_error = 0x1p-1074;
  // gamma_n(2^-53)^2 + 2^-106 stays below gamma_n(2^-64), with room, up to here
  // (check/compensated_sum.hpp).
  static constexpr int64_t max_terms = int64_t{1} << 40;
  static constexpr double min_square = 0x1p-900, min_magnitude = 0x1p-1000;
};

// Output positions per tile: each tile collects its taps again, so long tiles pay that less
// often; for float32 data 4,096 ran 0.86x the time of 512 at (8, 256, 256, 4096, k 3), its sums
// (80 KiB) in L2 while every (channel, tap) adds onto them. Float64 data: its long double
// sums ran 1.45x slower in such tiles, its double-doubles no faster (9.1 ms either way at
// (1, 64, 128, 4096, k 3)): 512, a quarter of the scratch.
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
void add_taps_at(const TileSums<Acc, S>& tile, const Tap<T, Acc>* taps, int64_t stride,
                 int64_t begin, int64_t end) {
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

// A float64 tile summed as double-doubles (add_products_compensated).
struct CompensatedTile {
  double* high;
  double* low;
  double* magnitude;
  double* square;
};

template <int64_t Stride, int count, typename Acc>
void add_taps_at(const CompensatedTile& tile, const Tap<double, Acc>* taps, int64_t stride,
                 int64_t begin, int64_t end) {
  const int64_t s = Stride > 0 ? Stride : stride;
  const double* x[count];
  double w[count];  // exact: the weights are float64
  for (int t = 0; t < count; ++t) {
    x[t] = taps[t].row + taps[t].offset + begin * s;
    w[t] = static_cast<double>(taps[t].w);
  }
  add_products_compensated<Stride, count>(tile.high + begin, tile.low + begin,
                                          tile.magnitude + begin, tile.square + begin, end - begin,
                                          s, x, w);
}

template <int count, typename Tile, typename TapT>
void add_taps(const Tile& tile, const TapT* taps, int64_t stride, int64_t begin, int64_t end) {
  if (begin >= end) return;
  if (stride == 1) {
    add_taps_at<1, count>(tile, taps, stride, begin, end);
  } else {
    add_taps_at<0, count>(tile, taps, stride, begin, end);
  }
}

// Taps per shared pass over the tile: with three sums per output (value, magnitude, square)
// the tile's loads and stores weigh more than in the paths, so the reference groups more taps.
constexpr int kReferenceTapGroup = 8;
static_assert(kReferenceTapGroup == 8, "check/compensated_sum.cpp instantiates runs of 1 and 8");

// Adds every tap, in order, onto the tile: groups of taps share one pass over the outputs
// they all cover (taps.hpp), and every output sees exactly its taps in (channel, tap) order.
template <typename Tile, typename TapT>
void add_all_taps(const Tile& tile, const std::vector<TapT>& taps, int64_t stride) {
  add_taps_in_groups<kReferenceTapGroup>(
      taps, 1, [&](auto count, const TapT* run, int64_t, int64_t begin, int64_t end) {
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
  // The fast route's scale sums are in the data's own type: float32 sums for float32 data,
  // twice the vector width of the float64 value sums; float64 sums beside the double-double
  // value for float64 data, vectorised where long double is not.
  using Fast = T;

  static constexpr bool kCompensated = std::is_same_v<T, double>;

  // One thread's tile sums and its tap list, reused from tile to tile: the fast route's (its
  // scales in Fast; for float64 data its value as high + low), and the accumulator's for a tile
  // summed again.
  struct Scratch {
    explicit Scratch(size_t max_taps) { taps.reserve(max_taps); }
    // Arrays of one object (on the heap: 160 KiB in long double), so that the compiler
    // knows them apart; vectors' separate buffers would need alias checks it gives up on.
    std::array<Acc, kTile<T>> sum, magnitude, square;
    std::array<Fast, kTile<T>> fast_magnitude, fast_square;
    std::array<double, kCompensated ? kTile<T> : 1> high, low;
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
        fast_route_(terms_ <= FastRoute<T>::max_terms),
        underflow_slack_(static_cast<double>(terms_) * FastRoute<T>::underflow_error),
        rounding_inflation_(1.0 /
                            (1.0 - static_cast<double>(terms_ + 4) * FastRoute<T>::unit_roundoff)),
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
        if (fast_route_ && fast_tile(b, count, scratch, at)) continue;
        sum_tile(b, count, scratch.taps, scratch.sum, scratch.magnitude, scratch.square);
        for (int64_t k = 0; k < count; ++k) {
          value_[at + k] = static_cast<double>(scratch.sum[k]);
          scale_[at + k] = rounded_up(scratch.magnitude[k]);
          l2_[at + k] = static_cast<double>(std::sqrt(scratch.square[k]));
        }
      }
    }
  }

 private:
  // A long double scale rounded up into a double, so that storing it loses nothing the bound
  // must cover (a float64 sum is stored as it is).
  static double rounded_up(Acc scale) {
    const auto stored = static_cast<double>(scale);
    if (static_cast<Acc>(stored) >= scale) return stored;
    return std::nextafter(stored, std::numeric_limits<double>::infinity());
  }

  // The tile by the fast route, its results written from `at` on; false (nothing written) where
  // they cannot stand for the accumulator's, and the caller sums the tile again.
  bool fast_tile(Acc b, int64_t count, Scratch& scratch, int64_t at) const {
    if constexpr (kCompensated) {
      const auto bias = static_cast<double>(b);  // exact: the bias is float64
      std::fill_n(scratch.high.begin(), count, bias);
      std::fill_n(scratch.low.begin(), count, 0.0);
      std::fill_n(scratch.fast_magnitude.begin(), count, std::abs(bias));
      std::fill_n(scratch.fast_square.begin(), count, bias * bias);
      add_all_taps(CompensatedTile{scratch.high.data(), scratch.low.data(),
                                   scratch.fast_magnitude.data(), scratch.fast_square.data()},
                   scratch.taps, p_.stride_w);
    } else {
      sum_tile(b, count, scratch.taps, scratch.sum, scratch.fast_magnitude, scratch.fast_square);
    }
    if (!fast_tile_usable(scratch, count)) return false;
    for (int64_t k = 0; k < count; ++k) {
      if constexpr (kCompensated) {
        value_[at + k] = scratch.high[k] + scratch.low[k];
      } else {
        value_[at + k] = static_cast<double>(scratch.sum[k]);
      }
      scale_[at + k] = upper_magnitude_bound(scratch.fast_magnitude[k]);
      l2_[at + k] = std::sqrt(static_cast<double>(scratch.fast_square[k]));
    }
    return true;
  }

  // Sums the tile's taps onto the bias, the scales in S.
  template <typename S>
  void sum_tile(Acc b, int64_t count, const std::vector<Tap<T, Acc>>& taps,
                std::array<Acc, kTile<T>>& sum, std::array<S, kTile<T>>& magnitude,
                std::array<S, kTile<T>>& square) const {
    std::fill_n(sum.begin(), count, b);
    std::fill_n(magnitude.begin(), count, static_cast<S>(std::abs(b)));
    std::fill_n(square.begin(), count, static_cast<S>(b) * static_cast<S>(b));
    add_all_taps(TileSums<Acc, S>{sum.data(), magnitude.data(), square.data()}, taps, p_.stride_w);
  }

  // The fast route's results stand for the accumulator's unless a sum overflowed (finite data
  // whose wider sums are finite), a sum of squares underflowed where the magnitude did not, or
  // (float64) a double-double is not finite or its products may have underflowed.
  bool fast_tile_usable(const Scratch& scratch, int64_t count) const {
    using Limits = FastRoute<T>;
    for (int64_t k = 0; k < count; ++k) {
      const Fast m = scratch.fast_magnitude[k], q = scratch.fast_square[k];
      if (std::isinf(m) || std::isinf(q) || (m > 0 && !(q >= Limits::min_square))) return false;
      if constexpr (kCompensated) {
        if (!(m >= Limits::min_magnitude) || !std::isfinite(scratch.high[k]) ||
            !std::isfinite(scratch.low[k])) {
          return false;
        }
      }
    }
    return true;
  }

  // An upper bound of the exact sum |w||x| + |b| from its sum s of n = terms_ terms in the
  // data's type (u = 2^-24 for float32, 2^-53 for float64; h half its smallest subnormal): each
  // product is rounded with a relative error <= u or, below the normal range, an absolute one
  // <= h, and each addition of non-negative terms with a relative error <= u (sums that
  // underflow are exact), so s >= (1 - u)^n exact - n h, and exact <= (s + n h) / (1 - n u).
  // Four more u in the divisor cover the float64 roundings of this line (the sum, the product)
  // and of the reciprocal, each up to 2^-53, which is u itself for float64 data.
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
  bool fast_route_;
  double underflow_slack_, rounding_inflation_;  // upper_magnitude_bound's n h, 1/(1 - n u)
  std::vector<int64_t> ox_first_, ox_last_;      // valid output columns of each column tap
};

}  // namespace

std::string reference_accumulation(DType dtype) {
  return dtype == DType::float64 ? "double-double" : "float64";
}

// For float64 data 2^-64, long double's on x86-64: what the double-doubles stay within
// (check/compensated_sum.hpp) and what the long double fallback needs 64 significant bits for.
static_assert(std::numeric_limits<long double>::digits >= 64,
              "the float64 reference's long double fallback needs a 64-bit significand");
double reference_unit_roundoff(DType dtype) {
  return dtype != DType::float64 ? std::ldexp(1.0, -53) : std::ldexp(1.0, -64);
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
