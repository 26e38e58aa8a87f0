#include "conveq/paths/im2col.hpp"

#include <algorithm>
#include <cstring>

#include "conveq/paths/gemm_threads.hpp"
#include "conveq/paths/taps.hpp"

namespace conveq {
namespace {

// One output row of length ow from input row x_row: zeros, x_row[first*s + offset ...], zeros.
template <typename T>
void copy_row(const T* x_row, int64_t offset, int64_t stride, int64_t first, int64_t last,
              int64_t ow, T* out) {
  std::fill(out, out + first, T(0));
  if (stride == 1) {
    if (last > first) {
      std::memcpy(out + first, x_row + first + offset, size_t(last - first) * sizeof(T));
    }
  } else {
    for (int64_t o = first; o < last; ++o) out[o] = x_row[o * stride + offset];
  }
  std::fill(out + std::max(first, last), out + ow, T(0));
}

// Row r = (c, i, j) of the column matrix: OH rows of OW columns.
template <typename T>
void build_row(const ConvGeometry& g, const T* x, int64_t r, T* out) {
  const int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
  const int64_t offset = j * g.dw - g.pw;
  int64_t first = 0, last = 0;
  outputs_inside(offset, g.sw, g.w, g.ow, first, last);
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    const int64_t y = oy * g.sh + i * g.dh - g.ph;
    T* out_row = out + oy * g.ow;
    if (y < 0 || y >= g.h) {
      std::fill_n(out_row, g.ow, T(0));
    } else {
      copy_row(x + (c * g.h + y) * g.w, offset, g.sw, first, last, g.ow, out_row);
    }
  }
}

}  // namespace

template <typename T>
void build_columns(const ConvGeometry& g, const T* x, T* columns) {
  const int64_t rows = g.cin_g() * g.kh * g.kw, plane = g.oh * g.ow;
  const double bytes = double(rows * plane) * sizeof(T);
  parallel_for_near_gemm(rows, bytes, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) build_row(g, x, r, columns + r * plane);
  });
}

template void build_columns<float>(const ConvGeometry&, const float*, float*);
template void build_columns<double>(const ConvGeometry&, const double*, double*);

}  // namespace conveq
