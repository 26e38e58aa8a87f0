#pragma once
// Which outputs are compared, each pair with its tolerance, and the comparisons themselves,
// run in parallel: every path against the reference; within each algorithm (naive, im2col,
// onednn, ...) the first formulation (conv1d when it exists) against the others, and the
// linear path against that first one (linear/gemm counts as im2col); and with --expect, the
// external output against the reference and every path.
#include <span>
#include <string>
#include <vector>

#include "conveq/check/bound.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/run.hpp"
#include "conveq/session/run_options.hpp"

namespace conveq {

struct TensorFiles;  // io/tensor_files.hpp

// One side of a comparison: a path's output in the working dtype (converted to double by the
// thread that compares it, so that only the comparing threads hold converted copies), or
// values that are double already (the reference, an --expect file).
template <typename T>
struct Operand {
  std::string name;
  const T* path_output = nullptr;
  std::span<const double> values;
};

// What a comparison is for; comparisons of one kind share their tolerance and precision model.
enum class ComparisonKind { path_vs_reference, twins, expected_vs_reference, expected_vs_path };

template <typename T>
struct PlannedComparison {
  Operand<T> a, b;  // b is the trusted side: the reference, or a's twin
  Tolerance tolerance;
  PrecisionModel precision;  // what a correct a's effective precision should be
  ComparisonKind kind = ComparisonKind::path_vs_reference;
};

// Where an --expect file came from, for its tolerance (check/bound.hpp).
ExpectedOrigin expected_origin(const TensorFiles& files);

template <typename T>
std::vector<PlannedComparison<T>> plan_comparisons(const Problem& problem,
                                                   const RunOptions& options,
                                                   const std::vector<RanPath<T>>& ran,
                                                   std::span<const double> reference,
                                                   const TensorFiles* files);

// The reference's yardsticks per output: sum |w||x| + |b| and sqrt(sum (w x)^2 + b^2); and,
// with --accumulate same in float16 or bfloat16, the running error bound of the paths' order.
struct OutputScales {
  std::span<const double> l1, l2;
  std::span<const double> running;
};

// The plan's results, in plan order, computed on up to `threads` threads. A comparison of the
// same kind as an earlier one, whose operands have the same bits as that one's, takes its
// result under its own names: the result is a function of the bits (twins often share them).
template <typename T>
std::vector<ComparisonResult> run_comparisons(const std::vector<PlannedComparison<T>>& plan,
                                              const Problem& problem, OutputScales scales,
                                              const CompareOptions& options, int threads);

}  // namespace conveq
