#pragma once
// The inner loop of the naive paths: weighted input rows added onto one output row, in the
// working dtype. Several taps share a pass over the row (taps.hpp), so the row is loaded and
// stored once per group instead of once per tap; every output still adds its taps one at a
// time, in the order given (one rounding each, contracted to FMA like the one-tap loop), so the
// result is the same as one pass per tap, whatever the grouping or the thread count.
#include <cstdint>
#include <vector>

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

}  // namespace conveq::naive
