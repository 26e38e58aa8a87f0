#pragma once
// The inner loop of the naive paths: weighted input rows added onto one output row, in the
// working dtype. Several taps share a pass over the row (taps.hpp), so the row is loaded and
// stored once per group instead of once per tap; every output still adds its taps one at a
// time, in the order given (one rounding each, contracted to FMA like the one-tap loop), so the
// result is the same as one pass per tap, whatever the grouping or the thread count.
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "conveq/core/half_formats.hpp"
#include "conveq/paths/taps.hpp"

namespace conveq::naive {

// out[o] += taps[0] term, then taps[1] term, ... for o in [begin, end), which every one of
// the `count` taps covers. Stride 1 is a separate instantiation so that it vectorises.
template <int64_t Stride, int count, typename T>
void add_taps(T* __restrict__ out, const RowTap<T>* taps, int64_t stride, int64_t shift,
              int64_t begin, int64_t end) {
  if (begin >= end) return;
  const int64_t s = Stride > 0 ? Stride : stride;
  const T* x[count];
  T w[count];
  for (int t = 0; t < count; ++t) {
    x[t] = taps[t].row + (taps[t].offset + shift + begin * s);
    w[t] = taps[t].w;
  }
  T* y = out + begin;
  for (int64_t k = 0; k < end - begin; ++k) {
    T sum = y[k];
    for (int t = 0; t < count; ++t) sum += w[t] * x[t][k * s];
    y[k] = sum;
  }
}

template <int count, typename T>
void add_taps(T* out, const RowTap<T>* taps, int64_t stride, int64_t shift, int64_t begin,
              int64_t end) {
  if (stride == 1) {
    add_taps<1, count>(out, taps, stride, shift, begin, end);
  } else {
    add_taps<0, count>(out, taps, stride, shift, begin, end);
  }
}

// Adds every tap, in order, onto `rows` output rows: row r is out + r * out_row_stride and
// reads its taps shifted by r * in_row_stride.
template <typename T>
void add_row_taps(T* out, const std::vector<RowTap<T>>& taps, int64_t stride, int64_t rows = 1,
                  int64_t out_row_stride = 0, int64_t in_row_stride = 0) {
  add_taps_in_groups(taps, rows,
                     [&](auto count, const RowTap<T>* run, int64_t r, int64_t begin, int64_t end) {
                       add_taps<decltype(count)::value>(out + r * out_row_stride, run, stride,
                                                        r * in_row_stride, begin, end);
                     });
}

// --accumulate same (paths/storage_format.hpp): the same taps in the same order for every
// output, each product and each sum rounded to the storage format.
inline void add_row_taps_in_format(HalfFormat format, float* out,
                                   const std::vector<RowTap<float>>& taps, int64_t stride,
                                   int64_t rows, int64_t out_row_stride, int64_t in_row_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    float* y = out + r * out_row_stride;
    for (const auto& tap : taps) {
      const float* x = tap.row + tap.offset + r * in_row_stride;
      for (int64_t o = tap.first; o < tap.last; ++o) {
        y[o] = half_add(format, y[o], half_mul(format, tap.w, x[o * stride]));
      }
    }
  }
}

// add_row_taps, or its rounded form when `format` names the format every operation rounds to.
template <typename T>
void add_row_taps(std::optional<HalfFormat> format, T* out, const std::vector<RowTap<T>>& taps,
                  int64_t stride, int64_t rows = 1, int64_t out_row_stride = 0,
                  int64_t in_row_stride = 0) {
  if constexpr (std::is_same_v<T, float>) {
    if (format) {
      add_row_taps_in_format(*format, out, taps, stride, rows, out_row_stride, in_row_stride);
      return;
    }
  }
  add_row_taps(out, taps, stride, rows, out_row_stride, in_row_stride);
}

}  // namespace conveq::naive
