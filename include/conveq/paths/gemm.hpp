#pragma once
// The GEMM of conveq's own im2col and gemm paths: C = A * B (+ C when accumulate), row-major,
// A m x k, B k x n. Leading dimensions let the paths hand their tensors over in place.
//
// Who multiplies (--gemm) is chosen by measurement (docs/performance.md): on the machines
// measured, oneDNN's dnnl_sgemm ran float32 at 1.5-1.9x the speed of OpenBLAS with the
// environment's OPENBLAS_CORETYPE (which conveq leaves to the user), and at the FMA peak, so
// `auto` is oneDNN for float32 when conveq was built with it, OpenBLAS otherwise. oneDNN has no
// float64 GEMM: float64 problems always use OpenBLAS. BLIS was measured slower than
// dnnl_sgemm even with its architecture forced, and its BLAS symbols clash with OpenBLAS's in
// one process, so it is not offered.
#include <cstdint>
#include <string>
#include <vector>

#include "conveq/core/problem.hpp"

namespace conveq {

enum class GemmProvider { openblas, onednn };
std::string to_string(GemmProvider provider);
// The providers this build has: openblas always, onednn when built with oneDNN.
std::vector<GemmProvider> built_gemm_providers();

// --gemm NAME for a problem of this dtype: "auto", "openblas" or "onednn". Throws InputError
// naming the value and the rule (unknown, not built, or onednn for float64).
GemmProvider resolve_gemm_provider(const std::string& requested, DType dtype);
// Checks only the name ("auto" or a provider this build has), before any problem is known.
void validate_gemm_name(const std::string& requested);

// The provider every gemm<float> call uses from now on in this process (conveq runs one
// problem at a time), with the run's threads; OpenBLAS's idle threads are parked while
// another provider runs.
void use_gemm_provider(GemmProvider provider, int threads);
GemmProvider current_gemm_provider();
// The current provider's threads (OpenBLAS's pool, or OpenMP's for oneDNN).
void set_gemm_threads(int threads);
// The threads last set by use_gemm_provider or set_gemm_threads (1 before either).
int current_gemm_threads();

// What the report says about a provider: its library, version and the kernel family it runs
// (OpenBLAS's openblas_get_corename(), oneDNN's effective ISA).
struct GemmInfo {
  std::string provider, library, version, kernel;
};
GemmInfo describe_gemm_provider(GemmProvider provider);

template <typename T>
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const T* a,
          int64_t lda, const T* b, int64_t ldb, bool accumulate, T* c, int64_t ldc);

// OpenBLAS's idle worker threads spin for about 100 ms after each call (and after the process
// starts) before they sleep: beside another library's threads (oneDNN's OpenMP) they take a
// core those need. park_blas_threads() stops them while another library is timed;
// resume_blas_threads() starts them again before anything else calls BLAS or sets its threads.
// Both do nothing when the threads already are in that state.
void park_blas_threads();
void resume_blas_threads();

}  // namespace conveq
