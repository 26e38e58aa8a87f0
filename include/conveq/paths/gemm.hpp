#pragma once
// Row-major GEMM through CBLAS: C = A * B (+ C when accumulate), A m x k, B k x n.
// Leading dimensions let the paths hand BLAS their tensors in place, without copies.
#include <cstdint>

namespace conveq {

template <typename T>
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const T* a,
          int64_t lda, const T* b, int64_t ldb, bool accumulate, T* c, int64_t ldc);

// Sets every row of the rows x cols matrix c (leading dimension ldc) to row_values[row],
// or every column to col_values[col]: the bias that a GEMM then accumulates onto.
template <typename T>
void fill_rows(T* c, int64_t rows, int64_t cols, int64_t ldc, const T* row_values);

// OpenBLAS's idle worker threads spin for about 100 ms after each call (and after the process
// starts) before they sleep: beside another library's threads (oneDNN's OpenMP) they take a
// core those need. park_blas_threads() stops them while another library is timed;
// resume_blas_threads() starts them again before anything else calls BLAS or sets its threads.
void park_blas_threads();
void resume_blas_threads();

}  // namespace conveq
