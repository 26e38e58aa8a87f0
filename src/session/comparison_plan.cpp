#include "conveq/session/comparison_plan.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <tuple>
#include <type_traits>

#include "conveq/check/running_bound.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/io/tensor_files.hpp"

namespace conveq {
namespace {

enum class Trusted { reference, path };  // what the comparison's b side is

Tolerance tolerance_for(const Problem& problem, const RunOptions& options, Trusted b) {
  if (options.user_tolerance()) {
    return user_tolerance(options.atol.value_or(0), options.rtol.value_or(0));
  }
  if (problem.fill == Fill::exact) return exact_tolerance();
  if (uses_running_bound(problem)) {
    return b == Trusted::reference ? running_vs_reference_tolerance(problem)
                                   : running_vs_path_tolerance(problem);
  }
  return b == Trusted::reference ? path_vs_reference_tolerance(problem)
                                 : path_vs_path_tolerance(problem);
}

// The precision a correct result shows; judged only under the rounding bound (--atol/--rtol
// replace it: the statistic is still reported).
PrecisionModel precision_for(const Problem& problem, const RunOptions& options, Trusted b) {
  PrecisionModel model = path_precision_model(problem, b == Trusted::reference ? 1 : 2);
  model.applies = !options.user_tolerance();
  return model;
}

PrecisionModel expect_precision_for(const Problem& problem, const RunOptions& options,
                                    const TensorFiles& files, Trusted b) {
  PrecisionModel model =
      expected_precision_model(problem, expected_origin(files), b == Trusted::reference);
  model.applies = !options.user_tolerance();
  return model;
}

// --expect: the external output is judged like a path named `expected`, with a tolerance that
// allows for the unknown tool's precision and the file's storage.
Tolerance expect_tolerance_for(const Problem& problem, const RunOptions& options,
                               const TensorFiles& files, Trusted b) {
  if (options.user_tolerance()) {
    return user_tolerance(options.atol.value_or(0), options.rtol.value_or(0));
  }
  const ExpectedOrigin origin = expected_origin(files);
  return b == Trusted::reference ? expected_vs_reference_tolerance(problem, origin)
                                 : expected_vs_path_tolerance(problem, origin);
}

template <typename T>
Operand<T> operand(const RanPath<T>& r) {
  return {r.path->name(), r.output.data(), {}};
}

// The algorithm a path is a twin within: linear/gemm is the BLAS call of the im2col paths.
template <typename T>
std::string twin_family(const Path<T>& path) {
  return path.algorithm() == "gemm" ? "im2col" : path.algorithm();
}

// Twins within each algorithm (naive, im2col, then the others in report order): the first
// formulation that ran (conv1d when it exists) against each other one, and each linear path
// against that first formulation.
template <typename T>
void plan_twins(const std::vector<RanPath<T>>& ran, const Tolerance& tolerance,
                const PrecisionModel& precision, std::vector<PlannedComparison<T>>& plan) {
  std::vector<std::string> families{"naive", "im2col"};
  for (const auto& r : ran) {
    const std::string family = twin_family(*r.path);
    if (std::find(families.begin(), families.end(), family) == families.end()) {
      families.push_back(family);
    }
  }
  for (const std::string& family : families) {
    const RanPath<T>* anchor = nullptr;
    for (const auto& r : ran) {
      if (twin_family(*r.path) != family || r.path->op() == "linear") continue;
      if (anchor == nullptr) {
        anchor = &r;
      } else {
        plan.push_back({operand(*anchor), operand(r), tolerance, precision, ComparisonKind::twins});
      }
    }
    if (anchor == nullptr) continue;
    for (const auto& r : ran) {
      if (twin_family(*r.path) == family && r.path->op() == "linear") {
        plan.push_back({operand(r), operand(*anchor), tolerance, precision, ComparisonKind::twins});
      }
    }
  }
}

// A path's output as doubles (exact for float): what compare_outputs reads.
template <typename T>
std::span<const double> values_of(const Operand<T>& side, size_t size,
                                  std::vector<double>& buffer) {
  if (side.path_output == nullptr) return side.values;
  if constexpr (std::is_same_v<T, double>) {
    return {side.path_output, size};
  } else {
    buffer.assign(side.path_output, side.path_output + size);
    return buffer;
  }
}

// Operands by their bits: the first operand seen with the same bits stands for all of them.
template <typename T>
class OperandsByBits {
 public:
  explicit OperandsByBits(size_t size) : size_(size) {}

  size_t id(const Operand<T>& side) {
    const std::span<const std::byte> bytes =
        side.path_output != nullptr ? std::as_bytes(std::span<const T>(side.path_output, size_))
                                    : std::as_bytes(side.values);
    for (size_t i = 0; i < seen_.size(); ++i) {
      if (seen_[i].size() == bytes.size() &&
          (bytes.empty() || seen_[i].data() == bytes.data() ||
           std::memcmp(seen_[i].data(), bytes.data(), bytes.size()) == 0)) {
        return i;
      }
    }
    seen_.push_back(bytes);
    return seen_.size() - 1;
  }

 private:
  size_t size_;
  std::vector<std::span<const std::byte>> seen_;
};

// For each comparison, the first one of its kind whose operands have the same bits as its own:
// itself, or the one whose result it takes.
template <typename T>
std::vector<size_t> result_sources(const std::vector<PlannedComparison<T>>& plan, size_t size) {
  OperandsByBits<T> operands(size);
  std::vector<std::tuple<ComparisonKind, size_t, size_t>> keys;
  std::vector<size_t> source;
  for (const auto& planned : plan) {
    keys.emplace_back(planned.kind, operands.id(planned.a), operands.id(planned.b));
    source.push_back(
        static_cast<size_t>(std::find(keys.begin(), keys.end(), keys.back()) - keys.begin()));
  }
  return source;
}

// What every comparison of the problem shares, with the comparison's own yardsticks.
CompareInput compare_input(const Problem& problem, OutputScales scales, const Tolerance& tolerance,
                           const PrecisionModel& precision) {
  CompareInput in;
  in.scale = scales.l1;
  in.l2_scale = scales.l2;
  in.precision = precision;
  in.shape = problem.output_shape();
  in.channels = problem.out_channels;
  in.positions = problem.out_height() * problem.out_width();
  in.dtype = problem.dtype;
  in.tolerance = tolerance;
  if (tolerance.running_factor > 0) in.running_bound = scales.running;
  return in;
}

}  // namespace

ExpectedOrigin expected_origin(const TensorFiles& files) {
  return {npy::unit_roundoff(files.expect->array.stored_type), files.inputs_rounded()};
}

template <typename T>
std::vector<PlannedComparison<T>> plan_comparisons(const Problem& problem,
                                                   const RunOptions& options,
                                                   const std::vector<RanPath<T>>& ran,
                                                   std::span<const double> reference,
                                                   const TensorFiles* files) {
  std::vector<PlannedComparison<T>> plan;
  const Operand<T> reference_side{"reference", nullptr, reference};
  const Tolerance vs_reference = tolerance_for(problem, options, Trusted::reference);
  const PrecisionModel precision = precision_for(problem, options, Trusted::reference);
  for (const auto& r : ran) {
    plan.push_back(
        {operand(r), reference_side, vs_reference, precision, ComparisonKind::path_vs_reference});
  }
  plan_twins(ran, tolerance_for(problem, options, Trusted::path),
             precision_for(problem, options, Trusted::path), plan);
  if (files != nullptr && files->expect) {
    const Operand<T> expected{"expected", nullptr, files->expect->array.values};
    plan.push_back({expected, reference_side,
                    expect_tolerance_for(problem, options, *files, Trusted::reference),
                    expect_precision_for(problem, options, *files, Trusted::reference),
                    ComparisonKind::expected_vs_reference});
    const Tolerance vs_path = expect_tolerance_for(problem, options, *files, Trusted::path);
    const PrecisionModel path_precision =
        expect_precision_for(problem, options, *files, Trusted::path);
    for (const auto& r : ran) {
      plan.push_back(
          {expected, operand(r), vs_path, path_precision, ComparisonKind::expected_vs_path});
    }
  }
  return plan;
}

template <typename T>
std::vector<ComparisonResult> run_comparisons(const std::vector<PlannedComparison<T>>& plan,
                                              const Problem& problem, OutputScales scales,
                                              const CompareOptions& options, int threads) {
  const auto size = static_cast<size_t>(problem.output_elements());
  const std::vector<size_t> source = result_sources(plan, size);
  std::vector<size_t> distinct;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (source[i] == i) distinct.push_back(i);
  }
  // Independent, and on small problems costlier than the paths: the comparisons run on the
  // session's threads (about 16 multiply-adds' time per element), each taking the next one
  // left, each result in its place.
  std::vector<ComparisonResult> results(plan.size());
  const double work = 16.0 * static_cast<double>(distinct.size() * size);
  const int workers = static_cast<int>(
      std::min<int64_t>(threads_for_work(work, threads), static_cast<int64_t>(distinct.size())));
  std::atomic<size_t> next{0};
  parallel_for(workers, workers, [&](int64_t, int64_t) {
    std::vector<double> buffer_a, buffer_b;
    for (size_t d = next++; d < distinct.size(); d = next++) {
      const auto& planned = plan[distinct[d]];
      CompareInput in = compare_input(problem, scales, planned.tolerance, planned.precision);
      in.a_name = planned.a.name;
      in.a = values_of(planned.a, size, buffer_a);
      in.b_name = planned.b.name;
      in.b = values_of(planned.b, size, buffer_b);
      results[distinct[d]] = compare_outputs(in, options);
    }
  });
  for (size_t i = 0; i < plan.size(); ++i) {
    if (source[i] == i) continue;
    results[i] = results[source[i]];
    results[i].a = plan[i].a.name;
    results[i].b = plan[i].b.name;
  }
  return results;
}

#define CONVEQ_INSTANTIATE(T)                                                                     \
  template std::vector<PlannedComparison<T>> plan_comparisons<T>(                                 \
      const Problem&, const RunOptions&, const std::vector<RanPath<T>>&, std::span<const double>, \
      const TensorFiles*);                                                                        \
  template std::vector<ComparisonResult> run_comparisons<T>(                                      \
      const std::vector<PlannedComparison<T>>&, const Problem&, OutputScales,                     \
      const CompareOptions&, int);
CONVEQ_INSTANTIATE(float)
CONVEQ_INSTANTIATE(double)
#undef CONVEQ_INSTANTIATE

}  // namespace conveq
