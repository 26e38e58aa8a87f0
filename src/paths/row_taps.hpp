#pragma once
// The inner loop of the naive paths: weighted input rows added onto one output row.
// Several taps share a pass over the row, so the row is loaded and stored once per group
// instead of once per tap; every output still adds its taps one at a time, in the order
// given (one rounding each, contracted to FMA like the one-tap loop), so the result is the
// same as one pass per tap, whatever the grouping or the thread count.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace conveq::naive {

// One (input channel, kernel tap) term of an output row: outputs [first, last) of the row
// add w * row[offset + o * stride] for output o. Only indices inside the row are formed.
template <typename T>
struct RowTap {
  const T* row;
  int64_t offset;
  T w;
  int64_t first, last;
};

// Output indices o with 0 <= o*stride + offset < size: [first, last), possibly empty.
inline void inside(int64_t offset, int64_t stride, int64_t size, int64_t out_size, int64_t& first,
                   int64_t& last) {
  first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  last = size - offset <= 0 ? 0 : std::min(out_size, (size - offset - 1) / stride + 1);
  first = std::min(first, last);
}

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
// reads its taps shifted by r * in_row_stride. A group of kGroup taps shares one pass over
// the outputs all of them cover; the outputs outside that common range get the group's taps
// one by one, still in order.
template <typename T>
void add_row_taps(T* out, const std::vector<RowTap<T>>& taps, int64_t stride, int64_t rows = 1,
                  int64_t out_row_stride = 0, int64_t in_row_stride = 0) {
  constexpr size_t kGroup = 4;
  size_t t = 0;
  for (; t + kGroup <= taps.size(); t += kGroup) {
    const RowTap<T>* group = taps.data() + t;
    int64_t first = group[0].first, last = group[0].last;
    bool same = true;
    for (size_t u = 1; u < kGroup; ++u) {
      first = std::max(first, group[u].first);
      last = std::min(last, group[u].last);
      same = same && group[u].first == group[0].first && group[u].last == group[0].last;
    }
    if (first >= last) first = last = group[0].last;  // no common range: all one by one
    for (int64_t r = 0; r < rows; ++r) {
      T* y = out + r * out_row_stride;
      const int64_t shift = r * in_row_stride;
      if (!same) {
        for (size_t u = 0; u < kGroup; ++u) {
          add_taps<1>(y, group + u, stride, shift, group[u].first, std::min(group[u].last, first));
        }
      }
      add_taps<kGroup>(y, group, stride, shift, first, last);
      if (!same) {
        for (size_t u = 0; u < kGroup; ++u) {
          add_taps<1>(y, group + u, stride, shift, std::max(group[u].first, last), group[u].last);
        }
      }
    }
  }
  for (; t < taps.size(); ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      add_taps<1>(out + r * out_row_stride, &taps[t], stride, r * in_row_stride, taps[t].first,
                  taps[t].last);
    }
  }
}

}  // namespace conveq::naive
