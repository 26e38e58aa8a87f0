#include "conveq/paths/im2col.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "conveq/paths/gemm_threads.hpp"
#include "conveq/paths/taps.hpp"

namespace conveq {
namespace {

// Outputs [lo, hi) of one output row from input row x_row: zeros, then
// x_row[o * stride + offset] for the outputs o in [first, last) that fall in the input, then
// zeros, into out[0, hi - lo).
template <typename T>
void copy_row(const T* x_row, int64_t offset, int64_t stride, int64_t first, int64_t last,
              int64_t lo, int64_t hi, T* out) {
  first = std::clamp(first, lo, hi);
  last = std::clamp(last, first, hi);
  std::fill(out, out + (first - lo), T(0));
  if (stride == 1) {
    if (last > first) {
      std::memcpy(out + (first - lo), x_row + first + offset, size_t(last - first) * sizeof(T));
    }
  } else {
    for (int64_t o = first; o < last; ++o) out[o - lo] = x_row[o * stride + offset];
  }
  std::fill(out + (last - lo), out + (hi - lo), T(0));
}

// Row r = (c, i, j) of the column matrix, its columns [lo, hi) of each of the OH output rows
// (the whole row, lo = 0 and hi = OW, unless OH = 1).
template <typename T>
void build_row(const ConvGeometry& g, const T* x, int64_t r, int64_t lo, int64_t hi, T* out) {
  const int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
  const int64_t offset = j * g.dw - g.pw;
  int64_t first = 0, last = 0;
  outputs_inside(offset, g.sw, g.w, g.ow, first, last);
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    const int64_t y = oy * g.sh + i * g.dh - g.ph;
    T* out_row = out + oy * (hi - lo);
    if (y < 0 || y >= g.h) {
      std::fill_n(out_row, hi - lo, T(0));
    } else {
      copy_row(x + (c * g.h + y) * g.w, offset, g.sw, first, last, lo, hi, out_row);
    }
  }
}

template <typename T>
void build_rows(const ConvGeometry& g, const T* x, int64_t lo, int64_t hi, T* out) {
  const int64_t rows = g.cin_g() * g.kh * g.kw, width = g.oh * (hi - lo);
  const double bytes = double(rows * width) * sizeof(T);
  parallel_for_near_gemm(rows, bytes, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) build_row(g, x, r, lo, hi, out + r * width);
  });
}

}  // namespace

template <typename T>
void build_columns(const ConvGeometry& g, const T* x, T* columns) {
  build_rows(g, x, 0, g.ow, columns);
}

template <typename T>
void build_column_block(const ConvGeometry& g, const T* x, int64_t col_begin, int64_t col_end,
                        T* block) {
  if (g.oh != 1) throw std::logic_error("build_column_block: only for views with OH = 1");
  build_rows(g, x, col_begin, col_end, block);
}

template void build_columns<float>(const ConvGeometry&, const float*, float*);
template void build_columns<double>(const ConvGeometry&, const double*, double*);
template void build_column_block<float>(const ConvGeometry&, const float*, int64_t, int64_t,
                                        float*);
template void build_column_block<double>(const ConvGeometry&, const double*, int64_t, int64_t,
                                         double*);

}  // namespace conveq
