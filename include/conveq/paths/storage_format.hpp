#pragma once
// float16 and bfloat16 problems (core/problem.hpp): their data live in float buffers, and every
// conveq path computes in the storage format. With --accumulate float32 a path computes in
// float32 and each output is rounded once to the format: products of two float16 or bfloat16
// values are exact in float32, so that is the format's computation with float32 sums (in the
// path's own summation order). With --accumulate same the naive loops and the emulated GEMM
// (emulated_gemm.hpp) round every product and every sum. A library path runs only the formats
// it declares (Path::runs_16_bit: oneDNN's bfloat16 with float32 sums) and is skipped otherwise.
#include <optional>

#include "conveq/core/half_formats.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {

// The format every operation rounds to: the storage format with --accumulate same, else empty.
std::optional<HalfFormat> accumulation_format(const Problem& problem);

// Why a library path does not run a float16 or bfloat16 problem.
std::string half_library_skip_reason(DType dtype);

// Each path wrapped so that it computes in the problem's storage format (the header's note);
// the list unchanged for float32 problems.
PathList<float> storage_format_paths(PathList<float> paths, const Problem& problem);

}  // namespace conveq
