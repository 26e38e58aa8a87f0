// reference: the convolution by its definition, summed in a wider type, with the
// magnitude scale of each output. Threads split (sample, output channel) planes; every
// output is summed by one thread in one fixed order (bias, then channel, row tap, column
// tap), so the result does not depend on the thread count.
#include "conveq/check/reference.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "conveq/core/parallel.hpp"

namespace conveq {
namespace {

// float32 problems accumulate in double; float64 problems in long double (64-bit mantissa
// on x86-64), so the reference stays much more accurate than what it judges.
template <typename T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, long double>;

// Output positions per tile: the tile's sums and magnitudes stay in L1 (8 KiB in double)
// while every (channel, tap) adds onto them.
constexpr int64_t kTile = 512;

// Output indices o with 0 <= o*stride + offset < size: [first, last), possibly empty.
void inside(int64_t offset, int64_t stride, int64_t size, int64_t out_size, int64_t& first,
            int64_t& last) {
  first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  last = size - offset <= 0 ? 0 : std::min(out_size, (size - offset - 1) / stride + 1);
  first = std::min(first, last);
}

// One (channel, row tap, column tap) term restricted to a tile: it adds
// w * row[offset + k * stride] to the tile's outputs k in [first, last).
template <typename T, typename Acc>
struct Tap {
  const T* row;
  int64_t offset;
  Acc w;
  int64_t first, last;
};

// Adds taps[0..count) onto outputs [begin, end) of the tile, tap after tap for every output:
// the same sums, in the same order, as one pass per tap, with 1/count of the loads and
// stores of the tile. Unit stride gets its own loop so that it vectorises. For float32
// data the products are exact in double, so contraction into FMA cannot change the result.
template <int64_t Stride, int count, typename T, typename Acc>
void add_taps(Acc* sum, Acc* magnitude, const Tap<T, Acc>* taps, int64_t stride, int64_t begin,
              int64_t end) {
  if (begin >= end) return;
  const int64_t s = Stride > 0 ? Stride : stride;
  // Locals, so that the stores to sum (also Acc) cannot alias the weights; x[t] points at
  // output `begin`'s input element, inside the row because every tap covers [begin, end).
  const T* x[count];
  Acc w[count], w_abs[count];
  for (int t = 0; t < count; ++t) {
    x[t] = taps[t].row + taps[t].offset + begin * s;
    w[t] = taps[t].w;
    w_abs[t] = std::abs(taps[t].w);
  }
  for (int64_t k = begin; k < end; ++k) {
    Acc total = sum[k], size = magnitude[k];
    for (int t = 0; t < count; ++t) {
      const Acc v = static_cast<Acc>(x[t][(k - begin) * s]);
      total += w[t] * v;
      size += w_abs[t] * std::abs(v);
    }
    sum[k] = total;
    magnitude[k] = size;
  }
}

template <int count, typename T, typename Acc>
void add_taps(Acc* sum, Acc* magnitude, const Tap<T, Acc>* taps, int64_t stride, int64_t begin,
              int64_t end) {
  if (stride == 1) {
    add_taps<1, count>(sum, magnitude, taps, stride, begin, end);
  } else {
    add_taps<0, count>(sum, magnitude, taps, stride, begin, end);
  }
}

// Adds every tap, in order, onto the tile. Groups of four taps share one pass over the
// outputs they all cover; outputs outside that common range get the group's taps one by
// one, still in order, so every output sees exactly its taps in (channel, tap) order.
template <typename T, typename Acc>
void add_all_taps(Acc* sum, Acc* magnitude, const std::vector<Tap<T, Acc>>& taps, int64_t stride) {
  constexpr size_t kGroup = 4;
  size_t t = 0;
  for (; t + kGroup <= taps.size(); t += kGroup) {
    const Tap<T, Acc>* group = taps.data() + t;
    int64_t first = group[0].first, last = group[0].last;
    for (size_t u = 1; u < kGroup; ++u) {
      first = std::max(first, group[u].first);
      last = std::min(last, group[u].last);
    }
    if (first >= last) first = last = group[0].last;  // no common range: all one by one
    for (size_t u = 0; u < kGroup; ++u) {
      add_taps<1>(sum, magnitude, group + u, stride, group[u].first,
                  std::min(group[u].last, first));
    }
    add_taps<kGroup>(sum, magnitude, group, stride, first, last);
    for (size_t u = 0; u < kGroup; ++u) {
      add_taps<1>(sum, magnitude, group + u, stride, std::max(group[u].first, last), group[u].last);
    }
  }
  for (; t < taps.size(); ++t) {
    add_taps<1>(sum, magnitude, taps.data() + t, stride, taps[t].first, taps[t].last);
  }
}

}  // namespace

std::string reference_accumulation(DType dtype) {
  return dtype == DType::float32 ? "float64" : "long double";
}

double reference_unit_roundoff(DType dtype) {
  return dtype == DType::float32 ? std::ldexp(1.0, -53)
                                 : std::ldexp(1.0, -(std::numeric_limits<long double>::digits));
}

template <typename T>
void compute_reference(const Problem& p, const ConvData<T>& data, int threads,
                       ReferenceOutput& out) {
  using Acc = Accumulator<T>;
  const int64_t oh = p.out_height(), ow = p.out_width();
  const int64_t plane_size = oh * ow;
  const int64_t cin_g = p.in_channels_per_group(), cout_g = p.out_channels_per_group();
  const int64_t taps_per_channel = p.kernel_h * p.kernel_w;
  const auto size = static_cast<size_t>(p.output_elements());
  // Reused across calls: a fresh 2 x 8 bytes per output would page-fault on every call.
  if (out.value.size() != size) out.value = xt::xtensor<double, 1>::from_shape({size});
  if (out.scale.size() != size) out.scale = xt::xtensor<double, 1>::from_shape({size});
  const T* input = data.input.data();
  const T* weight = data.weight.data();
  const T* bias = data.bias_or_null();

  // Valid output columns of each column tap, computed once.
  std::vector<int64_t> ox_first(static_cast<size_t>(p.kernel_w));
  std::vector<int64_t> ox_last(static_cast<size_t>(p.kernel_w));
  for (int64_t j = 0; j < p.kernel_w; ++j) {
    inside(j * p.dilation_w - p.pad_left, p.stride_w, p.width, ow, ox_first[j], ox_last[j]);
  }

  // Twice a path's work (sums and magnitudes); fewer threads for small problems.
  const int workers = threads_for_work(p.flops(), threads);
  parallel_for(p.batch * p.out_channels, workers, [&](int64_t begin, int64_t end) {
    std::array<Acc, kTile> sum, magnitude;
    std::vector<Tap<T, Acc>> taps;
    taps.reserve(static_cast<size_t>(cin_g * taps_per_channel));
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / p.out_channels, o = plane % p.out_channels;
      const int64_t group = o / cout_g;
      const Acc b = bias ? static_cast<Acc>(bias[o]) : Acc(0);
      const T* x_group = input + (n * p.in_channels + group * cin_g) * p.height * p.width;
      const T* w_out = weight + o * cin_g * taps_per_channel;
      double* value = out.value.data() + plane * plane_size;
      double* scale = out.scale.data() + plane * plane_size;
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t t0 = 0; t0 < ow; t0 += kTile) {
          const int64_t t1 = std::min(ow, t0 + kTile);
          std::fill(sum.begin(), sum.begin() + (t1 - t0), b);
          std::fill(magnitude.begin(), magnitude.begin() + (t1 - t0), std::abs(b));
          taps.clear();
          for (int64_t c = 0; c < cin_g; ++c) {
            for (int64_t i = 0; i < p.kernel_h; ++i) {
              const int64_t y = oy * p.stride_h + i * p.dilation_h - p.pad_top;
              if (y < 0 || y >= p.height) continue;
              const T* x_row = x_group + (c * p.height + y) * p.width;
              for (int64_t j = 0; j < p.kernel_w; ++j) {
                const int64_t first = std::max(t0, ox_first[j]);
                const int64_t last = std::min(t1, ox_last[j]);
                if (first >= last) continue;
                taps.push_back({x_row, t0 * p.stride_w + j * p.dilation_w - p.pad_left,
                                static_cast<Acc>(w_out[(c * p.kernel_h + i) * p.kernel_w + j]),
                                first - t0, last - t0});
              }
            }
          }
          add_all_taps(sum.data(), magnitude.data(), taps, p.stride_w);
          for (int64_t k = 0; k < t1 - t0; ++k) {
            value[oy * ow + t0 + k] = static_cast<double>(sum[k]);
            scale[oy * ow + t0 + k] = static_cast<double>(magnitude[k]);
          }
        }
      }
    }
  });
}

template void compute_reference<float>(const Problem&, const ConvData<float>&, int,
                                       ReferenceOutput&);
template void compute_reference<double>(const Problem&, const ConvData<double>&, int,
                                        ReferenceOutput&);

}  // namespace conveq
