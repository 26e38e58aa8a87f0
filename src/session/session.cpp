#include "conveq/session/session.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "conveq/check/reference.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/host_info.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/report/report.hpp"

namespace conveq {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

template <typename T>
struct RanPath {
  Path<T>* path;
  xt::xtensor<T, 1> output;
  std::vector<double> samples_ms;
};

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

bool selected(const RunOptions& options, const std::string& name) {
  return options.paths.empty() ||
         std::find(options.paths.begin(), options.paths.end(), name) != options.paths.end();
}

// A path's output as doubles (exact for float): what compare_outputs reads.
template <typename T>
std::span<const double> as_doubles(const xt::xtensor<T, 1>& output, std::vector<double>& buffer) {
  if constexpr (std::is_same_v<T, double>) {
    return {output.data(), output.size()};
  } else {
    buffer.assign(output.begin(), output.end());
    return buffer;
  }
}

// Elements whose bits differ between two outputs of the same type (NaN == NaN by bits).
template <typename T>
int64_t differing_bits(const T* a, const T* b, int64_t count) {
  int64_t differing = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (std::memcmp(a + i, b + i, sizeof(T)) != 0) ++differing;
  }
  return differing;
}

// Runs a path once, start to finish, into a fresh NaN-filled output.
template <typename T>
xt::xtensor<T, 1> run_once(Path<T>& path, const Problem& problem, const ConvData<T>& data,
                           int threads) {
  set_blas_threads(threads);
  path.prepare(problem, data, threads);
  auto output = xt::xtensor<T, 1>::from_shape({static_cast<size_t>(problem.output_elements())});
  std::fill(output.begin(), output.end(), std::numeric_limits<T>::quiet_NaN());
  path.run(output.data());
  path.finish(output.data());
  return output;
}

// --check-determinism: the same path, run again with the same threads and with another
// thread count, must give the same bits.
template <typename T>
nlohmann::json check_determinism(std::vector<RanPath<T>>& ran, const Problem& problem,
                                 const ConvData<T>& data, int threads, bool& all_identical) {
  const int other_threads = threads > 1 ? 1 : 2;
  nlohmann::json paths = nlohmann::json::array();
  for (auto& r : ran) {
    const auto n = static_cast<int64_t>(r.output.size());
    const auto again = run_once(*r.path, problem, data, threads);
    const auto other = run_once(*r.path, problem, data, other_threads);
    const int64_t rerun_differing = differing_bits(r.output.data(), again.data(), n);
    const int64_t threads_differing = differing_bits(r.output.data(), other.data(), n);
    const bool identical = rerun_differing == 0 && threads_differing == 0;
    all_identical = all_identical && identical;
    paths.push_back({{"name", r.path->name()},
                     {"identical", identical},
                     {"rerun_differing_elements", rerun_differing},
                     {"other_threads_differing_elements", threads_differing}});
  }
  set_blas_threads(threads);
  return {{"threads", threads},
          {"other_threads", other_threads},
          {"identical", all_identical},
          {"paths", paths}};
}

// --check-batch-invariance: each sample computed alone must match its slice of the batch.
template <typename T>
nlohmann::json check_batch_invariance(std::vector<RanPath<T>>& ran, const Problem& problem,
                                      const ConvData<T>& data, int threads, bool& all_identical) {
  Problem single = problem;
  single.batch = 1;
  const int64_t sample_in = problem.input_elements() / problem.batch;
  const int64_t sample_out = problem.output_elements() / problem.batch;
  nlohmann::json paths = nlohmann::json::array();
  for (auto& r : ran) {
    int64_t differing_elements = 0;
    nlohmann::json differing_samples = nlohmann::json::array();
    for (int64_t n = 0; n < problem.batch; ++n) {
      ConvData<T> sample{xt::xtensor<T, 4>::from_shape(
                             {1, data.input.shape(1), data.input.shape(2), data.input.shape(3)}),
                         data.weight, data.bias};
      std::copy_n(data.input.data() + n * sample_in, sample_in, sample.input.data());
      const auto alone = run_once(*r.path, single, sample, threads);
      const int64_t differing =
          differing_bits(r.output.data() + n * sample_out, alone.data(), sample_out);
      if (differing > 0) differing_samples.push_back(n);
      differing_elements += differing;
    }
    const bool identical = differing_elements == 0;
    all_identical = all_identical && identical;
    paths.push_back({{"name", r.path->name()},
                     {"identical", identical},
                     {"differing_elements", differing_elements},
                     {"differing_samples", differing_samples}});
  }
  set_blas_threads(threads);
  return {{"batch", problem.batch}, {"identical", all_identical}, {"paths", paths}};
}

std::string verdict_summary(const Problem& p, int passed, int failed, int mistrusted,
                            double worst_utilisation, const std::string& first_problem) {
  std::ostringstream s;
  const int total = passed + failed + mistrusted;
  if (failed > 0) {
    s << failed << " of " << total << " comparisons failed; first: " << first_problem << ".";
  } else if (mistrusted > 0) {
    s << "No comparison failed, but " << mistrusted << " of " << total
      << " are too weak to mean anything; first: " << first_problem << ".";
  } else {
    s.precision(3);
    s << "All " << total << " comparisons agree within "
      << (p.fill == Fill::exact ? "zero tolerance (exact fill)" : "their tolerance")
      << "; largest bound utilisation " << worst_utilisation << ".";
  }
  return s.str();
}

// Warm-up, then timed runs round robin, so that the machine's noise spreads evenly over the
// paths; the reference is timed in the same rounds.
template <typename T>
std::vector<double> time_round_robin(std::vector<RanPath<T>>& ran, const Problem& problem,
                                     const ConvData<T>& data, const RunOptions& options,
                                     int threads, ReferenceOutput& reference) {
  std::vector<double> reference_ms;
  for (int w = 0; w < options.warmup; ++w) {
    for (auto& r : ran) r.path->run(r.output.data());
    compute_reference(problem, data, threads, reference);
  }
  for (int rep = 0; rep < options.repeat; ++rep) {
    for (auto& r : ran) {
      const double start = now_ms();
      r.path->run(r.output.data());
      r.samples_ms.push_back(now_ms() - start);
    }
    const double start = now_ms();
    compute_reference(problem, data, threads, reference);
    reference_ms.push_back(now_ms() - start);
  }
  for (auto& r : ran) r.path->finish(r.output.data());
  return reference_ms;
}

nlohmann::json path_json(const std::string& name, const std::string& op,
                         const std::string& algorithm, const std::vector<int64_t>& input_shape,
                         const std::vector<int64_t>& weight_shape,
                         const std::vector<int64_t>& output_shape,
                         const std::vector<double>& samples_ms, double flops,
                         const NonFiniteCounts& nonfinite) {
  const Timing timing = summarize_timing(samples_ms);
  return {{"name", name},
          {"op", op},
          {"algorithm", algorithm},
          {"input_shape", input_shape},
          {"weight_shape", weight_shape},
          {"output_shape", output_shape},
          {"timing", timing_json(timing)},
          {"gflops", number_or_null(flops / (timing.median_ms * 1e6))},
          {"output_nonfinite", nonfinite_json(nonfinite)}};
}

// Which outputs are compared: every path against the reference (b == nullptr); within each
// algorithm, the first formulation (conv1d when it exists) against the others; linear/gemm
// against the first im2col path.
template <typename T>
std::vector<std::pair<const RanPath<T>*, const RanPath<T>*>> comparison_pairs(
    const std::vector<RanPath<T>>& ran) {
  std::vector<std::pair<const RanPath<T>*, const RanPath<T>*>> pairs;
  for (const auto& r : ran) pairs.emplace_back(&r, nullptr);
  for (const std::string algorithm : {"naive", "im2col"}) {
    const RanPath<T>* anchor = nullptr;
    for (const auto& r : ran) {
      if (r.path->algorithm() != algorithm) continue;
      if (anchor == nullptr) {
        anchor = &r;
      } else {
        pairs.emplace_back(anchor, &r);
      }
    }
    if (algorithm == "im2col" && anchor != nullptr) {
      for (const auto& r : ran) {
        if (r.path->op() == "linear") pairs.emplace_back(&r, anchor);
      }
    }
  }
  return pairs;
}

struct Verdict {
  Status status = Status::passed;
  int passed = 0, failed = 0, mistrusted = 0;
  std::string summary;
};

Verdict decide(const Problem& problem, const std::vector<ComparisonResult>& results,
               bool deterministic, bool batch_invariant) {
  Verdict v;
  double worst_utilisation = 0;
  std::string first_failure, first_mistrust;
  for (const auto& c : results) {
    worst_utilisation = std::max(worst_utilisation, c.bound_utilisation);
    if (c.status == Status::passed) ++v.passed;
    if (c.status == Status::failed) ++v.failed;
    if (c.status == Status::mistrusted) ++v.mistrusted;
    std::string& first = c.status == Status::failed ? first_failure : first_mistrust;
    if (c.status != Status::passed && first.empty()) first = c.a + " vs " + c.b + ": " + c.reason;
  }
  v.summary = results.empty()
                  ? "Nothing was compared: select at least two paths, or one path and the "
                    "reference."
                  : verdict_summary(problem, v.passed, v.failed, v.mistrusted, worst_utilisation,
                                    v.failed > 0 ? first_failure : first_mistrust);
  if (!deterministic) v.summary += " Some path is not deterministic (see determinism).";
  if (!batch_invariant) v.summary += " Some path is not batch-invariant (see batch_invariance).";
  // A run that compared nothing proves nothing: mistrusted, never passed.
  const bool checks_failed = !deterministic || !batch_invariant;
  v.status = v.failed > 0 || checks_failed         ? Status::failed
             : v.mistrusted > 0 || results.empty() ? Status::mistrusted
                                                   : Status::passed;
  return v;
}

}  // namespace

void validate(const RunOptions& options) {
  const auto known = all_path_names();
  for (const auto& name : options.paths) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw InputError("--paths " + name + ": unknown path; known paths: " + join(known, ", "));
    }
  }
  if (options.repeat < 1) {
    throw InputError("--repeat " + std::to_string(options.repeat) + ": must be at least 1");
  }
  if (options.warmup < 0) {
    throw InputError("--warmup " + std::to_string(options.warmup) + ": must be non-negative");
  }
  if (options.atol && (*options.atol < 0 || !std::isfinite(*options.atol))) {
    throw InputError("--atol " + std::to_string(*options.atol) + ": must be finite and >= 0");
  }
  if (options.rtol && (*options.rtol < 0 || !std::isfinite(*options.rtol))) {
    throw InputError("--rtol " + std::to_string(*options.rtol) + ": must be finite and >= 0");
  }
}

void check_resources(const Problem& p, int threads) {
  // In double, so that absurd shapes cannot overflow before they are refused.
  const double item = p.dtype == DType::float32 ? 4 : 8;
  const double input = static_cast<double>(p.batch) * static_cast<double>(p.in_channels) *
                       static_cast<double>(p.height) * static_cast<double>(p.width);
  const double weight = static_cast<double>(p.out_channels) *
                        static_cast<double>(p.in_channels_per_group()) *
                        static_cast<double>(p.kernel_h) * static_cast<double>(p.kernel_w);
  const double output = static_cast<double>(p.batch) * static_cast<double>(p.out_channels) *
                        static_cast<double>(p.out_height()) * static_cast<double>(p.out_width());
  const double columns = static_cast<double>(p.reduction_length()) *
                         static_cast<double>(p.out_height()) * static_cast<double>(p.out_width());
  const double paths = static_cast<double>(all_path_names().size());
  // Inputs, a channels-last copy for linear, one output per path plus linear's channels-last
  // output and the two a determinism check adds, im2col's columns, the reference's value and
  // scale, and per comparison thread 6 doubles per output (converted outputs and temporaries).
  const double comparison_threads = static_cast<double>(threads > 0 ? threads : hardware_threads());
  const double bytes = item * (2 * input + weight + (paths + 3) * output + 2 * columns) +
                       8 * (2 * output) + 8 * 6 * output * comparison_threads;
  const double available = static_cast<double>(available_memory_bytes());
  if (available > 0 && bytes > 0.8 * available) {
    std::ostringstream message;
    message.precision(3);
    message << "problem " << p.options_string() << ": needs about " << bytes / kGiB
            << " GiB, more than 80% of the " << available / kGiB
            << " GiB this machine has available; choose smaller shapes";
    throw InputError(message.str());
  }
  const double blas_limit = static_cast<double>(std::numeric_limits<int>::max());
  const double gemm_dims[] = {
      static_cast<double>(p.batch) * static_cast<double>(p.length()),
      static_cast<double>(p.out_height()) * static_cast<double>(p.out_width()),
      static_cast<double>(p.reduction_length())};
  for (const double dim : gemm_dims) {
    if (dim > blas_limit) {
      throw InputError("problem " + p.options_string() +
                       ": a GEMM dimension exceeds BLAS's 32-bit integer limit (2^31 - 1)");
    }
  }
}

std::string repro_command(const Problem& p, const RunOptions& o, const TensorFiles* files) {
  std::ostringstream s;
  s << "conveq compare ";
  if (files != nullptr && !files->options_string().empty()) s << files->options_string() << " ";
  s << p.options_string();
  if (o.threads > 0) s << " --threads " << o.threads;
  s << " --warmup " << o.warmup << " --repeat " << o.repeat;
  if (!o.paths.empty()) s << " --paths " << join(o.paths, ",");
  if (o.atol) s << " --atol " << *o.atol;
  if (o.rtol) s << " --rtol " << *o.rtol;
  if (o.compare.equal_nan) s << " --equal-nan";
  if (o.compare.worst_count != CompareOptions{}.worst_count) {
    s << " --worst-count " << o.compare.worst_count;
  }
  if (o.check_determinism) s << " --check-determinism";
  if (o.check_batch_invariance) s << " --check-batch-invariance";
  return s.str();
}

template <typename T>
SessionResult run_compare_on(const Problem& problem, const RunOptions& options,
                             const ConvData<T>& data, PathList<T> paths, const TensorFiles* files) {
  const int threads = options.threads > 0 ? options.threads : hardware_threads();
  set_blas_threads(threads);
  const auto output_size = static_cast<size_t>(problem.output_elements());

  nlohmann::json skipped = nlohmann::json::array();
  std::vector<RanPath<T>> ran;
  for (auto& path : paths) {
    const std::string name = path->name();
    const std::string reason =
        selected(options, name) ? path->skip_reason(problem) : "not selected by --paths";
    if (!reason.empty()) {
      skipped.push_back({{"name", name}, {"reason", reason}});
      continue;
    }
    path->prepare(problem, data, threads);
    // Prefilled with NaN: an element a path never writes cannot pass.
    xt::xtensor<T, 1> output = xt::xtensor<T, 1>::from_shape({output_size});
    std::fill(output.begin(), output.end(), std::numeric_limits<T>::quiet_NaN());
    ran.push_back({path.get(), std::move(output), {}});
  }

  ReferenceOutput reference;
  const std::vector<double> reference_ms =
      time_round_robin(ran, problem, data, options, threads, reference);

  bool deterministic = true, batch_invariant = true;
  nlohmann::json determinism = nullptr, batch_invariance = nullptr;
  if (options.check_determinism) {
    determinism = check_determinism(ran, problem, data, threads, deterministic);
  }
  if (options.check_batch_invariance) {
    batch_invariance = check_batch_invariance(ran, problem, data, threads, batch_invariant);
  }

  const double flops = problem.flops();
  nlohmann::json paths_json = nlohmann::json::array();
  for (const auto& r : ran) {
    const ConvGeometry g = r.path->geometry(problem);
    const bool rank1 = r.path->is_rank1();
    paths_json.push_back(path_json(r.path->name(), r.path->op(), r.path->algorithm(),
                                   g.input_shape(rank1), g.weight_shape(rank1),
                                   g.output_shape(rank1), r.samples_ms, flops,
                                   count_nonfinite(r.output)));
  }
  paths_json.push_back(
      path_json("reference", "reference", "direct_" + reference_accumulation(problem.dtype),
                problem.input_shape(), problem.weight_shape(), problem.output_shape(), reference_ms,
                flops, count_nonfinite(reference.value)));

  // What each comparison may tolerate.
  const bool user = options.atol.has_value() || options.rtol.has_value();
  const Tolerance user_tol = user_tolerance(options.atol.value_or(0), options.rtol.value_or(0));
  auto tolerance_for = [&](bool against_reference) {
    if (user) return user_tol;
    if (problem.fill == Fill::exact) return exact_tolerance();
    return against_reference ? path_vs_reference_tolerance(problem)
                             : path_vs_path_tolerance(problem);
  };

  const auto pairs = comparison_pairs(ran);
  const std::span<const double> scale(reference.scale.data(), reference.scale.size());
  const std::span<const double> reference_values(reference.value.data(), reference.value.size());

  // Independent, and on small problems costlier than the paths: the comparisons run on the
  // session's threads (about 16 multiply-adds' time per element), each result in its place.
  std::vector<ComparisonResult> results(pairs.size());
  const double compare_work = 16.0 * static_cast<double>(pairs.size() * output_size);
  parallel_for(static_cast<int64_t>(pairs.size()), threads_for_work(compare_work, threads),
               [&](int64_t begin, int64_t end) {
                 std::vector<double> buffer_a, buffer_b;
                 for (int64_t i = begin; i < end; ++i) {
                   const auto [a, b] = pairs[static_cast<size_t>(i)];
                   CompareInput in;
                   in.a_name = a->path->name();
                   in.a = as_doubles(a->output, buffer_a);
                   in.b_name = b ? b->path->name() : "reference";
                   in.b = b ? as_doubles(b->output, buffer_b) : reference_values;
                   in.scale = scale;
                   in.shape = problem.output_shape();
                   in.dtype = problem.dtype;
                   in.tolerance = tolerance_for(b == nullptr);
                   results[static_cast<size_t>(i)] = compare_outputs(in, options.compare);
                 }
               });

  if (files != nullptr && files->expect) {
    // --expect: judged like a path named `expected`, against the reference and every path.
    CompareInput in;
    in.a_name = "expected";
    in.a = files->expect->array.values;
    in.scale = scale;
    in.shape = problem.output_shape();
    in.dtype = problem.dtype;
    in.b_name = "reference";
    in.b = reference_values;
    in.tolerance = user ? user_tol : expected_vs_reference_tolerance(problem, *files);
    results.push_back(compare_outputs(in, options.compare));
    std::vector<double> buffer;
    for (const auto& r : ran) {
      in.b_name = r.path->name();
      in.b = as_doubles(r.output, buffer);
      in.tolerance = user ? user_tol : expected_vs_path_tolerance(problem, *files);
      results.push_back(compare_outputs(in, options.compare));
    }
  }
  if (!options.save_outputs.empty()) {
    std::vector<NamedOutput<T>> outputs;
    for (const auto& r : ran) outputs.push_back({r.path->name(), r.output.data()});
    save_outputs(options.save_outputs, problem, data, outputs, reference_values);
  }

  const Verdict verdict = decide(problem, results, deterministic, batch_invariant);
  nlohmann::json comparisons = nlohmann::json::array();
  for (const auto& c : results) comparisons.push_back(comparison_json(c));

  SessionResult result;
  result.exit_status = verdict.status == Status::failed       ? kExitFailed
                       : verdict.status == Status::mistrusted ? kExitMistrusted
                                                              : kExitPassed;
  nlohmann::json run = {{"threads", threads},
                        {"warmup", options.warmup},
                        {"repeat", options.repeat},
                        {"paths_selected", options.paths},
                        {"equal_nan", options.compare.equal_nan},
                        {"worst_count", options.compare.worst_count},
                        {"check_determinism", options.check_determinism},
                        {"check_batch_invariance", options.check_batch_invariance},
                        {"atol", options.atol ? nlohmann::json(*options.atol) : nullptr},
                        {"rtol", options.rtol ? nlohmann::json(*options.rtol) : nullptr}};
  result.report = {
      {"schema_version", kSchemaVersion},
      {"tool", tool_info()},
      {"host", host_info(threads)},
      {"problem", problem_json(problem)},
      {"run", run},
      {"reference",
       {{"accumulation", reference_accumulation(problem.dtype)},
        {"unit_roundoff", reference_unit_roundoff(problem.dtype)}}},
      {"paths", paths_json},
      {"skipped_paths", skipped},
      {"comparisons", comparisons},
      {"verdict",
       {{"equivalent", verdict.failed == 0},
        {"status", to_string(verdict.status)},
        {"passed", verdict.passed},
        {"failed", verdict.failed},
        {"mistrusted", verdict.mistrusted},
        {"summary", verdict.summary}}},
      {"determinism", determinism},
      {"batch_invariance", batch_invariance},
      {"repro", repro_command(problem, options, files)},
  };
  if (files != nullptr) result.report["inputs"] = files->to_json();
  return result;
}

SessionResult run_compare(const Problem& problem, const RunOptions& options,
                          const TensorFiles* files) {
  validate(options);
  check_resources(problem, options.threads);
  const bool from_files = files != nullptr && files->input;
  if (problem.dtype == DType::float32) {
    return run_compare_on<float>(
        problem, options,
        from_files ? to_conv_data<float>(problem, *files) : fill_data<float>(problem),
        all_paths<float>(), files);
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
