#pragma once
// The column matrix of conveq's im2col paths: for one sample and group, row (c, i, j) holds
// x[c, oy*sh + i*dh - ph, ox*sw + j*dw - pw] at column (oy, ox), zero where that falls in the
// padding. (Cin/g * KH * KW) x (OH * OW), row-major; a conv1d view has KH = OH = 1.
#include <cstdint>

#include "conveq/paths/path.hpp"

namespace conveq {

// Builds the column matrix of the group whose input channels start at x ((Cin/g, H, W)) into
// columns, on the GEMM's threads (gemm_threads.hpp). Each output row is written as a zero
// run, one contiguous copy (unit stride) or a gather, and a zero run: no test per element.
template <typename T>
void build_columns(const ConvGeometry& g, const T* x, T* columns);

// Columns [col_begin, col_end) of that matrix as a rows x (col_end - col_begin) block, for
// views with OH = 1 (conv1d): a block that can stay in cache while a GEMM consumes it (the
// bench's `im2col` section measures whether that pays). std::logic_error for OH > 1.
template <typename T>
void build_column_block(const ConvGeometry& g, const T* x, int64_t col_begin, int64_t col_end,
                        T* block);

}  // namespace conveq
