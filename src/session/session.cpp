#include "conveq/session/session.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "conveq/check/batch_invariance.hpp"
#include "conveq/check/determinism.hpp"
#include "conveq/check/reference.hpp"
#include "conveq/check/running_bound.hpp"
#include "conveq/check/verdict.hpp"
#include "conveq/core/format.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/runqueue_wait.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/paths/run.hpp"
#include "conveq/paths/storage_format.hpp"
#include "conveq/report/compare_report.hpp"
#include "conveq/report/json.hpp"
#include "conveq/session/comparison_plan.hpp"

namespace conveq {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Why a path is not selected: --backends leaves its library out, --paths does not name it, or
// without --paths it is opt-in (a library that is opt-in as a whole is in when --backends
// names it).
template <typename T>
std::string not_selected_reason(const RunOptions& options, const Path<T>& path) {
  const std::string backend = path.backend_name();
  const bool backend_named = options.backends && contains(*options.backends, backend);
  if (!backend.empty() && options.backends && !backend_named) {
    return "not selected by --backends " + join(*options.backends, ",");
  }
  if (!options.paths.empty()) {
    return contains(options.paths, path.name()) ? "" : "not selected by --paths";
  }
  const BackendEntry* library = backend.empty() ? nullptr : find_backend(backend);
  // A library this build lacks says so (its paths' skip reason) rather than that it is opt-in.
  if (!backend_named && library != nullptr && library->not_built.empty() &&
      !library->opt_in.empty()) {
    return library->opt_in;
  }
  return path.opt_in();
}

// The paths that compute this problem and were selected, prepared; the others are listed
// with the reason they were skipped.
template <typename T>
std::vector<RanPath<T>> prepare_paths(PathList<T>& paths, const Problem& problem,
                                      const ConvData<T>& data, const RunOptions& options,
                                      int threads, std::vector<SkippedPath>& skipped) {
  std::vector<RanPath<T>> ran;
  for (auto& path : paths) {
    const std::string name = path->name();
    std::string reason = not_selected_reason(options, *path);
    if (reason.empty()) reason = path->skip_reason(problem);
    if (reason.empty()) {
      ran.push_back(prepare_path(*path, problem, data, threads));
    } else {
      skipped.push_back({name, reason});
    }
  }
  return ran;
}

// Paths timed together: each library's paths (in report order of their first path), then
// conveq's own with the reference. A library's thread pool interleaved call by call with
// another one fights it (OpenBLAS's pthreads spinning beside oneDNN's OpenMP threads made
// OpenBLAS 10x slower). Idle, OpenBLAS's threads spin about 100 ms, OpenMP's about 7 ms
// (measured here): OpenBLAS's are parked while the libraries run, each library parks its own
// pool after its block where it can (XNNPACK's pthreadpool), and conveq's own block comes
// last, where its warm-up absorbs OpenMP's spin (oneDNN's and LibTorch's, one libgomp).
// LibTorch's linear and Slow2d call the same OpenBLAS, which starts its threads again: its
// paths come last in report order, so its block is the last of the libraries'.
template <typename T>
std::vector<std::vector<RanPath<T>*>> timing_blocks(std::vector<RanPath<T>>& ran) {
  std::vector<std::string> libraries;
  std::vector<std::vector<RanPath<T>*>> blocks;
  std::vector<RanPath<T>*> own;
  for (auto& r : ran) {
    const auto& backend = r.backend;
    if (!backend) {
      own.push_back(&r);
      continue;
    }
    const auto found = std::find(libraries.begin(), libraries.end(), backend->library);
    const auto block = static_cast<size_t>(found - libraries.begin());
    if (found == libraries.end()) {
      libraries.push_back(backend->library);
      blocks.emplace_back();
    }
    blocks[block].push_back(&r);
  }
  blocks.push_back(std::move(own));
  return blocks;
}

// The reference's samples and the run-queue wait around each (NaN where unavailable).
struct TimedReference {
  std::vector<double> samples_ms, runqueue_wait_ms;
};

Timing timing_of(const std::vector<double>& samples_ms, const std::vector<double>& runqueue_wait_ms,
                 bool warm_before_each = false) {
  Timing t = summarize_timing(samples_ms);
  t.runqueue_wait_ms = recorded_waits(runqueue_wait_ms, samples_ms.size());
  t.warm_before_each = warm_before_each;
  return t;
}

// Paths whose fastest warm-up run was shorter than this have each timed run right after an
// untimed run of the same path (when the run has warm-up at all; the report says so per path,
// timing.warm_before_each): with the path's own data in cache and its threads awake, as when
// it is timed alone, whatever path or reference ran before it. Measured at (1, 64, 128, 4096):
// without it, oneDNN's and the GEMM paths ran 1.08-1.21x their time alone inside a full run,
// as each round's other paths and the reference evict their data. Longer runs stream their
// data from memory either way.
constexpr double kWarmBeforeEachMs = 10.0;
// A first call may include a lazy set-up (the process's first dnnl_sgemm call JIT-compiles its
// kernels: 20-30 ms): a path whose every warm-up run took at least kWarmBeforeEachMs but less
// than this gets one more untimed run, and that one decides.
constexpr double kLazySetUpMs = 50.0;

// Times one untimed run of the path and notes whether it is short enough to be warmed before
// each timed run.
template <typename T>
double warm_up_run(RanPath<T>& r) {
  const double start = now_ms();
  r.path->run(r.output.data());
  const double took = now_ms() - start;
  r.warm_before_each = r.warm_before_each || took < kWarmBeforeEachMs;
  return took;
}

// One block: warm-up, then timed runs round robin, so that the machine's noise spreads evenly
// over the block's paths; with_reference: the reference is timed in the same rounds.
template <typename T>
void time_block(const std::vector<RanPath<T>*>& block, bool with_reference, const Problem& problem,
                const ConvData<T>& data, const RunOptions& options, int threads,
                ReferenceOutput& reference, TimedReference& timed) {
  std::vector<double> fastest(block.size(), std::numeric_limits<double>::infinity());
  for (int w = 0; w < options.warmup; ++w) {
    for (size_t i = 0; i < block.size(); ++i) {
      fastest[i] = std::min(fastest[i], warm_up_run(*block[i]));
    }
    if (with_reference) compute_reference(problem, data, threads, reference);
  }
  for (size_t i = 0; i < block.size(); ++i) {
    if (!block[i]->warm_before_each && fastest[i] < kLazySetUpMs) warm_up_run(*block[i]);
  }
  // The run-queue wait, read between runs and never inside one (about 40 us a reading): the
  // reading after a run serves as the next run's reading before it too. Nothing comes between
  // an untimed run and its timed one (a reading there cost up to 6 % of 0.15 ms runs), so a
  // sample's wait includes its untimed run's: a delay there leaves the sample out too.
  RunQueueWait runqueue;
  std::optional<double> waited = runqueue.total_ms();
  auto wait_since = [&] {
    const std::optional<double> now = runqueue.total_ms();
    return runqueue_wait_between(std::exchange(waited, now), now);
  };
  for (int rep = 0; rep < options.repeat; ++rep) {
    for (auto* path : block) {
      RanPath<T>& r = *path;
      if (r.warm_before_each) r.path->run(r.output.data());
      const double start = now_ms();
      r.path->run(r.output.data());
      r.samples_ms.push_back(now_ms() - start);
      r.runqueue_wait_ms.push_back(wait_since());
    }
    if (!with_reference) continue;
    const double start = now_ms();
    compute_reference(problem, data, threads, reference);
    timed.samples_ms.push_back(now_ms() - start);
    timed.runqueue_wait_ms.push_back(wait_since());
  }
}

// Block by block (timing_blocks); the reference is timed in the rounds of the last block,
// conveq's own.
template <typename T>
TimedReference time_round_robin(std::vector<RanPath<T>>& ran, const Problem& problem,
                                const ConvData<T>& data, const RunOptions& options, int threads,
                                ReferenceOutput& reference) {
  TimedReference timed;
  const auto blocks = timing_blocks(ran);
  for (const auto& block : blocks) {
    const bool with_reference = &block == &blocks.back();
    // OpenBLAS's threads run only in conveq's own block, and only when it is the GEMM.
    if (!with_reference) park_blas_threads();
    if (with_reference && current_gemm_provider() == GemmProvider::openblas) {
      resume_blas_threads();
    }
    time_block(block, with_reference, problem, data, options, threads, reference, timed);
    if (!with_reference) {
      for (auto* r : block) r->path->park_threads();
    }
  }
  for (auto& r : ran) r.path->finish(r.output.data());
  return timed;
}

// Every path as it ran, then the reference.
template <typename T>
std::vector<PathResult> path_results(const std::vector<RanPath<T>>& ran, const Problem& problem,
                                     const ReferenceOutput& reference,
                                     const TimedReference& timed_reference) {
  std::vector<PathResult> results;
  for (const auto& r : ran) {
    const ConvGeometry g = r.path->geometry(problem);
    const bool rank1 = r.path->is_rank1();
    results.push_back({r.path->name(), r.path->op(), r.path->algorithm(), g.input_shape(rank1),
                       g.weight_shape(rank1), g.output_shape(rank1),
                       timing_of(r.samples_ms, r.runqueue_wait_ms, r.warm_before_each),
                       problem.flops(), count_nonfinite(r.output), r.backend});
  }
  results.push_back({"reference", "reference", "direct_" + reference_accumulation(problem.dtype),
                     problem.input_shape(), problem.weight_shape(), problem.output_shape(),
                     timing_of(timed_reference.samples_ms, timed_reference.runqueue_wait_ms),
                     problem.flops(), count_nonfinite(reference.value), std::nullopt});
  return results;
}

// Staged, not written: the caller commits them with its report, so that a run whose report
// cannot be written leaves no outputs either.
template <typename T>
StagedFiles stage_all_outputs(const RunOptions& options, const Problem& problem,
                              const ConvData<T>& data, const std::vector<RanPath<T>>& ran,
                              const ReferenceOutput& reference) {
  std::vector<NamedOutput<T>> outputs;
  for (const auto& r : ran) outputs.push_back({r.path->name(), r.output.data()});
  StagedFiles staged;
  stage_outputs(options.save_outputs, problem, data, outputs,
                {reference.value.data(), reference.value.size()}, staged);
  return staged;
}

// What the verdict must know about the input files: each one that overflowed on its way into
// the working dtype, so that the run checked other numbers than the file's.
std::vector<std::string> input_warnings(const Problem& problem, const TensorFiles* files) {
  std::vector<std::string> warnings;
  if (files == nullptr) return warnings;
  for (const auto* file : {&files->input, &files->weight, &files->bias}) {
    if (!*file || (*file)->values_overflowed == 0) continue;
    warnings.push_back((*file)->what() + ": " + std::to_string((*file)->values_overflowed) +
                       " of " + std::to_string((*file)->array.values.size()) +
                       " values overflowed to infinity converting to " + to_string(problem.dtype));
  }
  return warnings;
}

CompareReport start_report(const Problem& problem, const RunOptions& options,
                           const TensorFiles* files) {
  CompareReport report;
  report.problem = problem;
  report.run = options;
  report.threads = options.threads_used();
  report.reference_accumulation = reference_accumulation(problem.dtype);
  report.reference_unit_roundoff = reference_unit_roundoff(problem.dtype);
  report.repro = repro_command(problem, options, files);
  report.gemm = describe_gemm_provider(resolve_gemm_provider(options.gemm, problem.dtype));
  report.files = files;
  return report;
}

// float16 or bfloat16 with --accumulate same: the running error bound of the definition's order
// (untimed), after checking that every path computed that order; else nothing.
template <typename T>
std::vector<double> checked_running_bound(const Problem& problem, const ConvData<T>& data,
                                          const std::vector<RanPath<T>>& ran, int threads) {
  if constexpr (std::is_same_v<T, float>) {
    if (uses_running_bound(problem)) {
      RunningBound replay = running_error_bound(problem, data, threads);
      for (const auto& r : ran) require_definition_order(r.path->name(), r.output.data(), replay);
      return std::move(replay.bound);
    }
  }
  return {};
}

}  // namespace

template <typename T>
SessionResult run_compare_on(const Problem& problem, const RunOptions& options,
                             const ConvData<T>& data, PathList<T> paths, const TensorFiles* files) {
  CompareReport report = start_report(problem, options, files);
  const int threads = report.threads;
  use_gemm_provider(resolve_gemm_provider(options.gemm, problem.dtype), threads);
  auto ran = prepare_paths(paths, problem, data, options, threads, report.skipped_paths);

  ReferenceOutput reference;
  const auto timed_reference = time_round_robin(ran, problem, data, options, threads, reference);
  if (options.check_determinism) {
    report.determinism = check_determinism(ran, problem, data, threads);
  }
  if (options.check_batch_invariance) {
    report.batch_invariance = check_batch_invariance(ran, problem, data, threads);
  }
  report.paths = path_results(ran, problem, reference, timed_reference);
  const std::vector<double> running = checked_running_bound(problem, data, ran, threads);

  const auto plan = plan_comparisons<T>(problem, options, ran,
                                        {reference.value.data(), reference.value.size()}, files);
  const OutputScales scales{{reference.scale.data(), reference.scale.size()},
                            {reference.l2_scale.data(), reference.l2_scale.size()},
                            running};
  report.comparisons = run_comparisons(plan, problem, scales, options.compare, threads);
  StagedFiles saved;
  if (!options.save_outputs.empty()) {
    saved = stage_all_outputs(options, problem, data, ran, reference);
  }

  report.verdict =
      decide(problem, report.comparisons, !report.determinism || report.determinism->identical,
             !report.batch_invariance || report.batch_invariance->identical,
             input_warnings(problem, files));
  SessionResult result(to_json(report), exit_status(report.verdict));
  result.saved_outputs = std::move(saved);
  return result;
}

SessionResult run_compare(const Problem& problem, const RunOptions& options,
                          const TensorFiles* files) {
  validate(options);
  check_resources(problem, options.threads);
  const bool from_files = files != nullptr && files->input;
  if (problem.dtype != DType::float64) {  // float16 and bfloat16 live in float buffers
    return run_compare_on<float>(
        problem, options,
        from_files ? to_conv_data<float>(problem, *files) : fill_data<float>(problem),
        storage_format_paths(all_paths<float>(), problem), files);
  }
  return run_compare_on<double>(
      problem, options,
      from_files ? to_conv_data<double>(problem, *files) : fill_data<double>(problem),
      all_paths<double>(), files);
}

template SessionResult run_compare_on<float>(const Problem&, const RunOptions&,
                                             const ConvData<float>&, PathList<float>,
                                             const TensorFiles*);
template SessionResult run_compare_on<double>(const Problem&, const RunOptions&,
                                              const ConvData<double>&, PathList<double>,
                                              const TensorFiles*);

}  // namespace conveq
