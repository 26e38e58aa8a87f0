#pragma once
// C = A * B + bias for conveq's own GEMM paths where the bias cannot be folded into the GEMM
// (linear/gemm, pointwise im2col: im2col_gemm.hpp folds it otherwise), the bias added the way
// measured fastest for the current --gemm provider (docs/performance.md, bench section `bias`):
//   OpenBLAS  prefill C with the bias, then GEMM with beta = 1: its beta = 0 clears C in a pass
//             of its own, so the prefill costs nothing extra;
//   oneDNN    the conv layout (a bias per row): GEMM with beta = 0 (prefill + beta = 1 cost
//             20 % at (8, 256, 256, 4096)), then the bias added in one pass by the provider's
//             own OpenMP threads. nn.Linear's layout (a bias per column): each OpenMP thread
//             runs a single-threaded GEMM on its own blocks of rows, each block's bias pass
//             while the block is in cache (`blocked`): 1.07-1.2x the whole-matrix GEMM and pass.
// The order of the additions differs between the methods (bias first, or last), so results may
// differ in the last bit between providers; each method is exact to the GEMM's own rounding.
#include <cstdint>

namespace conveq {

// One bias value per row of C (the conv layout: a row per output channel) or per column
// (nn.Linear's channels-last rows: a column per output channel).
enum class BiasAxis { per_row, per_column };

// automatic: the provider's measured best (above). The others exist for the benchmark and tests:
// prefill (bias, then beta = 1), after (beta = 0, then one pass over C), blocked (beta = 0 on
// blocks of C, each followed by its bias pass; the blocks spread over oneDNN's threads, one
// after the other on other providers).
enum class BiasMethod { automatic, prefill, after, blocked };

// bias == nullptr: C = A * B (beta = 0), in blocks where `blocked` is the method.
template <typename T>
void gemm_with_bias(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const T* a,
                    int64_t lda, const T* b, int64_t ldb, const T* bias, BiasAxis axis, T* c,
                    int64_t ldc, BiasMethod method = BiasMethod::automatic);

// Adds bias to every row (per_row: c[i][j] += bias[i]) or column (per_column: += bias[j]) of
// the rows x cols matrix c, on the GEMM's threads (gemm_threads.hpp).
template <typename T>
void add_bias(T* c, int64_t rows, int64_t cols, int64_t ldc, const T* bias, BiasAxis axis);

}  // namespace conveq
