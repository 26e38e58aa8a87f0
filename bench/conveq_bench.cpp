// conveq_bench: every path against its yardstick, measured side by side in one run.
//
// The machines are shared and noisy, so nothing here is a lone absolute number: each
// section times the things it compares round robin (one run of each per round, the order
// rotating from round to round) and reports medians and ratios of medians.
//
//   peak    fp32 FMA throughput of this machine with the given threads (the physical limit)
//   kernels OpenBLAS's kernels as configured (OPENBLAS_CORETYPE) against its own choice for
//           this CPU, switched between calls in one process
//   gemm    conv1d/conv2d/conv2d_hw im2col and linear/gemm against a direct cblas_sgemm on
//           the same matrices, at the three shapes of issue 7
//   providers the GEMM paths through each --gemm provider (OpenBLAS, oneDNN's sgemm) against
//           that provider's direct GEMM on the same matrices; kernel 3: on the same column matrix
//   im2col  kernel 3: the column build alone in GB/s against a memcpy of the same bytes, and
//           the im2col paths against the direct GEMM on the same column matrix, per provider
//   reference the reference's time against the slowest path of the same problem inside one
//           `conveq compare`: float32 at (8, 256, 256, 4096, k 3), float64 at a smaller shape
//   inside  each path (own and library) inside a full `conveq compare` against the path alone
//   bias    how a GEMM path can add the bias, per provider and layout: prefill + beta = 1,
//           beta = 0 + a pass, beta = 0 on cached row blocks per thread + their pass, none
//   direct  the naive paths and the reference, 1 thread and all threads, bit-identity across
//           thread counts, and a naive path timed right after a GEMM versus after a pause
//   sweep   cost against N*Cout*Cin*K*L: L, channels and K sweeps (ns per multiply-add)
//
// Usage: conveq_bench [--threads T] [--reps R] [--sections a,b] [--json FILE] [--quick]
// --quick runs tiny sizes once: a smoke test that the program works, not a measurement.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "conveq/check/reference.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/core/host_info.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/timing.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/gemm_bias.hpp"
#include "conveq/paths/gemm_threads.hpp"
#include "conveq/paths/im2col.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/session/run_options.hpp"
#include "conveq/session/session.hpp"

// In OpenBLAS's DYNAMIC_ARCH builds (Debian's): re-run its kernel selection, which reads
// OPENBLAS_CORETYPE. Weak, so that other builds link; the kernels section is then skipped.
extern "C" void gotoblas_dynamic_init(void) __attribute__((weak));
extern "C" void gotoblas_dynamic_quit(void) __attribute__((weak));

namespace {

// Every buffer a timed call reads or writes starts on a cache line, as the paths' do
// (core/aligned_vector.hpp), so that a ratio to a direct call compares like with like.
using Buffer = conveq::AlignedVector<float>;

using conveq::ConvData;
using conveq::Path;
using conveq::Problem;
using nlohmann::json;

struct Options {
  int threads = conveq::hardware_threads();
  int reps = 21;
  bool quick = false;
  std::vector<std::string> sections{"peak",   "kernels",   "gemm",   "providers",
                                    "im2col", "reference", "inside", "libraries",
                                    "bias",   "direct",    "sweep"};
  std::string json_path;
};

struct Shape {
  int64_t batch, in, out, length, kernel = 1;
  std::string padding = "0";
};

std::string shape_name(const Shape& s) {
  std::string name = "(" + std::to_string(s.batch) + "," + std::to_string(s.in) + "," +
                     std::to_string(s.out) + "," + std::to_string(s.length) + ")";
  if (s.kernel != 1) name += " k" + std::to_string(s.kernel) + " pad " + s.padding;
  return name;
}

Problem make(const Shape& s, const std::string& dtype = "float32") {
  conveq::ProblemOptions o;
  o.batch = std::to_string(s.batch);
  o.in_channels = std::to_string(s.in);
  o.out_channels = std::to_string(s.out);
  o.length = std::to_string(s.length);
  o.kernel = std::to_string(s.kernel);
  o.padding = s.padding;
  o.dtype = dtype;
  return conveq::make_problem(o);
}

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Runs every job once per round for `reps` rounds after one untimed round; the starting
// job rotates so that no job always follows the same neighbour. Returns the samples in ms.
std::vector<std::vector<double>> round_robin(const std::vector<std::function<void()>>& jobs,
                                             int reps) {
  std::vector<std::vector<double>> samples(jobs.size());
  for (const auto& job : jobs) job();
  for (int r = 0; r < reps; ++r) {
    for (size_t k = 0; k < jobs.size(); ++k) {
      const size_t j = (k + static_cast<size_t>(r)) % jobs.size();
      const double start = conveq::now_ms();
      jobs[j]();
      samples[j].push_back(conveq::now_ms() - start);
    }
  }
  return samples;
}

// The row printed and stored for one timed thing.
json entry(const std::string& name, const std::vector<double>& samples_ms, double flops) {
  const double m = median(samples_ms);
  return {{"name", name},
          {"median_ms", m},
          {"min_ms", *std::min_element(samples_ms.begin(), samples_ms.end())},
          {"gflops", flops / (m * 1e6)}};
}

void print_entry(const json& e, const std::string& extra = "") {
  std::printf("  %-34s %10.4f ms %10.4f ms %8.1f GFLOP/s  %s\n",
              e["name"].get<std::string>().c_str(), e["median_ms"].get<double>(),
              e["min_ms"].get<double>(), e["gflops"].get<double>(), extra.c_str());
}

std::unique_ptr<Path<float>> find_path(const std::string& name) {
  for (auto& path : conveq::all_paths<float>()) {
    if (path->name() == name) return std::move(path);
  }
  std::fprintf(stderr, "conveq_bench: unknown path %s\n", name.c_str());
  std::exit(2);
}

// A path with its NaN-prefilled output, as the session runs it.
struct Prepared {
  std::unique_ptr<Path<float>> path;
  Buffer output;
};

Prepared prepare(const std::string& name, const Problem& p, const ConvData<float>& data,
                 int threads) {
  Prepared r{find_path(name), {}};
  r.path->prepare(p, data, threads);
  r.output.assign(static_cast<size_t>(p.output_elements()),
                  std::numeric_limits<float>::quiet_NaN());
  return r;
}

// Largest |a - b| over max(1, |b|), and whether a has a NaN (an element never written).
double max_difference(const Buffer& a, const Buffer& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, std::abs(double(a[i]) - b[i]) / std::max(1.0, std::abs(double(b[i]))));
  }
  return worst;
}

// ---------------------------------------------------------------------------------------
// peak: fp32 FMA throughput with 12 independent accumulators per thread (enough to cover
// the FMA latency times the FMA ports), in the widest vector the compiler targets.
typedef float Vec16 __attribute__((vector_size(64)));

double fma_rate_one_thread(int64_t iterations) {
  // Named accumulators, not an array: an array would live in memory and time the stores.
  const Vec16 m = Vec16{} + 0.999999f, c = Vec16{} + 1e-7f;
  Vec16 a0 = m * 0.1f, a1 = m * 0.2f, a2 = m * 0.3f, a3 = m * 0.4f, a4 = m * 0.5f, a5 = m * 0.6f,
        a6 = m * 0.7f, a7 = m * 0.8f, a8 = m * 0.9f, a9 = m * 1.1f, a10 = m * 1.2f, a11 = m * 1.3f;
  const double start = conveq::now_ms();
  for (int64_t i = 0; i < iterations; ++i) {
    a0 = a0 * m + c, a1 = a1 * m + c, a2 = a2 * m + c, a3 = a3 * m + c;
    a4 = a4 * m + c, a5 = a5 * m + c, a6 = a6 * m + c, a7 = a7 * m + c;
    a8 = a8 * m + c, a9 = a9 * m + c, a10 = a10 * m + c, a11 = a11 * m + c;
  }
  const double seconds = (conveq::now_ms() - start) / 1e3;
  const Vec16 sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  volatile float keep = sum[0];
  (void)keep;
  return 2.0 * 16 * 12 * static_cast<double>(iterations) / seconds / 1e9;
}

json section_peak(const Options& o) {
  const int64_t iterations = o.quick ? 100000 : 50000000;
  json out;
  for (const int threads : {1, o.threads}) {
    // The best of three tries: a peak is what the machine can do, and noise only lowers it.
    double best = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::vector<double> rates(static_cast<size_t>(threads));
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back(
            [&, t] { rates[static_cast<size_t>(t)] = fma_rate_one_thread(iterations); });
      }
      for (auto& thread : pool) thread.join();
      double total = 0;
      for (double r : rates) total += r;
      best = std::max(best, total);
    }
    out[std::to_string(threads)] = best;
    std::printf("  fp32 FMA peak, %d thread(s): %.1f GFLOP/s\n", threads, best);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// kernels: switches OpenBLAS to `core` ("" = its own choice for this CPU) between calls.
bool use_blas_core(const std::string& core) {
  if (gotoblas_dynamic_init == nullptr || gotoblas_dynamic_quit == nullptr) return false;
  if (core.empty())
    unsetenv("OPENBLAS_CORETYPE");
  else
    setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  return true;
}

json section_kernels(const Options& o, const std::vector<Shape>& shapes) {
  const char* configured_env = std::getenv("OPENBLAS_CORETYPE");
  const std::string configured = configured_env ? configured_env : "";
  if (!use_blas_core("")) {
    std::printf("  this OpenBLAS cannot switch kernels at run time; section skipped\n");
    return nullptr;
  }
  const std::string automatic = conveq::blas_core();
  use_blas_core(configured);
  const std::string chosen = conveq::blas_core();
  json out = {{"configured", chosen}, {"automatic", automatic}, {"shapes", json::array()}};
  std::printf("OpenBLAS kernels: %s as configured (OPENBLAS_CORETYPE=%s), %s by its own choice\n",
              chosen.c_str(), configured.empty() ? "unset" : configured.c_str(), automatic.c_str());
  for (const Shape& s : shapes) {
    const Problem p = make(s);
    const ConvData<float> data = conveq::fill_data<float>(p);
    Prepared path = prepare("conv1d/im2col", p, data, o.threads);
    const int64_t n = p.batch, cin = p.in_channels, cout = p.out_channels, l = p.length();
    Buffer y(static_cast<size_t>(n * cout * l));
    auto direct = [&] {
      for (int64_t b = 0; b < n; ++b) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(cout), int(l), int(cin), 1.0f,
                    data.weight.data(), int(cin), data.input.data() + b * cin * l, int(l), 0.0f,
                    y.data() + b * cout * l, int(l));
      }
    };
    // A job switches the kernels and makes one untimed call; the timed call follows.
    std::vector<std::function<void()>> jobs;
    for (const std::string& core : {configured, std::string()}) {
      jobs.push_back([&, core] {
        use_blas_core(core);
        direct();
      });
      jobs.push_back([&, core] {
        use_blas_core(core);
        path.path->run(path.output.data());
      });
    }
    conveq::set_blas_threads(o.threads);
    std::vector<std::vector<double>> samples(jobs.size());
    for (int r = 0; r <= o.reps; ++r) {
      for (size_t k = 0; k < jobs.size(); ++k) {
        const size_t j = (k + static_cast<size_t>(r)) % jobs.size();
        jobs[j]();
        const double start = conveq::now_ms();
        if (j % 2 == 0)
          direct();
        else
          path.path->run(path.output.data());
        if (r > 0) samples[j].push_back(conveq::now_ms() - start);
      }
    }
    const double flops = p.flops();
    std::printf("%s, %d threads:\n", shape_name(s).c_str(), o.threads);
    json row = {{"shape", shape_name(s)}};
    const std::string names[] = {"direct sgemm, " + chosen, "conv1d/im2col, " + chosen,
                                 "direct sgemm, " + automatic, "conv1d/im2col, " + automatic};
    for (size_t k = 0; k < jobs.size(); ++k) {
      json e = entry(names[k], samples[k], flops);
      e["ratio_to_configured"] = median(samples[k % 2]) / e["median_ms"].get<double>();
      char extra[64];
      std::snprintf(extra, sizeof extra, "x%.3f", e["ratio_to_configured"].get<double>());
      print_entry(e, extra);
      row["entries"].push_back(e);
    }
    out["shapes"].push_back(row);
  }
  use_blas_core(configured);
  return out;
}

// ---------------------------------------------------------------------------------------
// gemm: each GEMM-based path against the direct call it amounts to.
json section_gemm(const Options& o, const std::vector<Shape>& shapes) {
  json out = json::array();
  for (const Shape& s : shapes) {
    const Problem p = make(s);
    const ConvData<float> data = conveq::fill_data<float>(p);
    const double flops = p.flops();
    const int64_t n = p.batch, cin = p.in_channels, cout = p.out_channels, l = p.length();
    std::vector<Prepared> paths;
    for (const char* name : {"conv1d/im2col", "conv2d/im2col", "conv2d_hw/im2col", "linear/gemm"}) {
      paths.push_back(prepare(name, p, data, o.threads));
    }
    // The yardsticks, on their own copies: Y[n] = W X[n] as (Cout x L) = (Cout x Cin)(Cin x L),
    // and channels-last Y_cl = X_cl W^T as (N*L x Cout) = (N*L x Cin)(Cin x Cout).
    const float* x = data.input.data();
    const float* w = data.weight.data();
    Buffer y(static_cast<size_t>(n * cout * l));
    Buffer x_cl(static_cast<size_t>(n * l * cin)), y_cl(static_cast<size_t>(n * l * cout));
    for (int64_t b = 0; b < n; ++b)
      for (int64_t c = 0; c < cin; ++c)
        for (int64_t k = 0; k < l; ++k) x_cl[(b * l + k) * cin + c] = x[(b * cin + c) * l + k];
    auto direct_conv = [&] {
      for (int64_t b = 0; b < n; ++b) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(cout), int(l), int(cin), 1.0f, w,
                    int(cin), x + b * cin * l, int(l), 0.0f, y.data() + b * cout * l, int(l));
      }
    };
    auto direct_linear = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(n * l), int(cout), int(cin), 1.0f,
                  x_cl.data(), int(cin), w, int(cin), 0.0f, y_cl.data(), int(cout));
    };
    std::vector<std::function<void()>> jobs{direct_conv, direct_linear};
    for (auto& r : paths) jobs.push_back([&r] { r.path->run(r.output.data()); });
    conveq::set_blas_threads(o.threads);
    const auto samples = round_robin(jobs, o.reps);

    // Correctness: every output written, and equal to the direct product plus the bias.
    Buffer expected(y.size());
    for (int64_t b = 0; b < n; ++b)
      for (int64_t c = 0; c < cout; ++c)
        for (int64_t k = 0; k < l; ++k) {
          const size_t i = static_cast<size_t>((b * cout + c) * l + k);
          expected[i] = y[i] + data.bias[static_cast<size_t>(c)];
        }
    json row = {{"shape", shape_name(s)}, {"flops", flops}, {"threads", o.threads}};
    const json conv = entry("direct sgemm W*X (conv layout)", samples[0], flops);
    const json linear = entry("direct sgemm X_cl*W^T (linear)", samples[1], flops);
    std::printf("%s, %d threads: median, min, GFLOP/s, ratio to its direct sgemm\n",
                shape_name(s).c_str(), o.threads);
    print_entry(conv);
    print_entry(linear);
    row["direct"] = {conv, linear};
    row["paths"] = json::array();
    for (size_t k = 0; k < paths.size(); ++k) {
      auto& r = paths[k];
      r.path->finish(r.output.data());
      const bool is_linear = r.path->op() == "linear";
      json e = entry(r.path->name(), samples[k + 2], flops);
      const double yardstick = median(samples[is_linear ? 1 : 0]);
      e["ratio_to_direct"] = yardstick / e["median_ms"].get<double>();
      e["ratio_to_direct_conv"] = median(samples[0]) / e["median_ms"].get<double>();
      e["max_rel_difference"] = max_difference(r.output, expected);
      char extra[128];
      std::snprintf(extra, sizeof extra, "x%.3f  (vs conv-layout sgemm x%.3f)  diff %.1e",
                    e["ratio_to_direct"].get<double>(), e["ratio_to_direct_conv"].get<double>(),
                    e["max_rel_difference"].get<double>());
      print_entry(e, extra);
      row["paths"].push_back(e);
    }
    out.push_back(row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// providers: the GEMM paths through each --gemm provider, against that provider's direct
// call on the same matrices (pointwise shapes) or on the same column matrix (kernel 3).
// A path's row against its direct GEMM's median, printed.
json against_direct(const std::string& name, const std::vector<double>& samples, double flops,
                    double direct_ms) {
  json e = entry(name, samples, flops);
  e["ratio_to_direct"] = direct_ms / e["median_ms"].get<double>();
  char extra[64];
  std::snprintf(extra, sizeof extra, "x%.3f of the direct GEMM",
                e["ratio_to_direct"].get<double>());
  print_entry(e, extra);
  return e;
}

json provider_shape(const Options& o, const Shape& s, conveq::GemmProvider provider) {
  const Problem p = make(s);
  const ConvData<float> data = conveq::fill_data<float>(p);
  const double flops = p.flops();
  const int64_t n = p.batch, cin = p.in_channels, cout = p.out_channels, l = p.length();
  const int64_t k = p.kernel_w, pad = (k - 1) / 2, rows = cin * k;
  conveq::use_gemm_provider(provider, o.threads);
  std::vector<Prepared> paths;
  for (const char* name : {"conv1d/im2col", "conv2d/im2col", "conv2d_hw/im2col", "linear/gemm"}) {
    Prepared r{find_path(name), {}};
    if (!r.path->skip_reason(p).empty() || !r.path->opt_in().empty()) continue;
    paths.push_back(prepare(name, p, data, o.threads));
  }
  // The column matrix of sample b, built once here (stride 1, 'same'): the direct GEMM's
  // input, (Cin*K x L); for K = 1 it is the input itself.
  Buffer columns(static_cast<size_t>(n * rows * l), 0.0f);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < cin; ++c)
      for (int64_t t = 0; t < k; ++t)
        for (int64_t x = 0; x < l; ++x) {
          const int64_t at = x + t - pad;
          if (at >= 0 && at < l) {
            columns[static_cast<size_t>((b * rows + c * k + t) * l + x)] =
                data.input[static_cast<size_t>((b * cin + c) * l + at)];
          }
        }
  Buffer y(static_cast<size_t>(n * cout * l));
  auto direct = [&] {
    for (int64_t b = 0; b < n; ++b) {
      conveq::gemm(false, false, cout, l, rows, data.weight.data(), rows,
                   columns.data() + b * rows * l, l, false, y.data() + b * cout * l, l);
    }
  };
  std::vector<std::function<void()>> jobs{direct};
  for (auto& r : paths) jobs.push_back([&r] { r.path->run(r.output.data()); });
  const auto samples = round_robin(jobs, o.reps);
  const json yardstick =
      entry("direct " + conveq::to_string(provider) + " GEMM", samples[0], flops);
  std::printf("%s, --gemm %s (%s), %d threads\n", shape_name(s).c_str(),
              conveq::to_string(provider).c_str(),
              conveq::describe_gemm_provider(provider).kernel.c_str(), o.threads);
  print_entry(yardstick);
  json row = {{"shape", shape_name(s)},
              {"provider", conveq::to_string(provider)},
              {"kernel", conveq::describe_gemm_provider(provider).kernel},
              {"direct", yardstick},
              {"paths", json::array()}};
  for (size_t j = 0; j < paths.size(); ++j) {
    paths[j].path->finish(paths[j].output.data());
    row["paths"].push_back(against_direct(paths[j].path->name(), samples[j + 1], flops,
                                          yardstick["median_ms"].get<double>()));
  }
  return row;
}

json section_providers(const Options& o, const std::vector<Shape>& shapes) {
  json out = json::array();
  for (const Shape& s : shapes) {
    for (conveq::GemmProvider provider : conveq::built_gemm_providers()) {
      out.push_back(provider_shape(o, s, provider));
    }
  }
  conveq::use_gemm_provider(conveq::GemmProvider::openblas, o.threads);
  return out;
}

// ---------------------------------------------------------------------------------------
// im2col: at kernel > 1, the column build alone against a memcpy of the same bytes on the same
// threads (memory speed), and the im2col paths against the direct GEMM on the same column
// matrix, through each provider.
json im2col_shape(const Options& o, const Shape& s, conveq::GemmProvider provider) {
  const Problem p = make(s);
  const ConvData<float> data = conveq::fill_data<float>(p);
  conveq::use_gemm_provider(provider, o.threads);
  const conveq::ConvGeometry g = conveq::conv1d_view(p);
  const int64_t n = g.batch, rows = g.cin_g() * g.kw, cols = g.ow, cout = g.out_channels;
  const size_t one = static_cast<size_t>(rows * cols);
  // Every sample's column matrix, built once: the direct GEMM's input.
  Buffer all(one * static_cast<size_t>(n)), built(one), copy(one);
  for (int64_t b = 0; b < n; ++b) {
    conveq::build_columns(g, data.input.data() + b * g.in_channels * g.w, all.data() + b * one);
  }
  Buffer y(static_cast<size_t>(n * cout * cols));
  auto build = [&] {  // as the paths do: every sample into one reused buffer
    for (int64_t b = 0; b < n; ++b)
      conveq::build_columns(g, data.input.data() + b * g.in_channels * g.w, built.data());
  };
  auto memcpy_same = [&] {  // the same bytes written, read from a sample's column matrix
    for (int64_t b = 0; b < n; ++b) {
      const float* from = all.data() + b * one;
      conveq::parallel_for_near_gemm(rows, double(one) * 4, [&](int64_t r0, int64_t r1) {
        std::memcpy(copy.data() + r0 * cols, from + r0 * cols, size_t((r1 - r0) * cols) * 4);
      });
    }
  };
  auto direct = [&] {
    for (int64_t b = 0; b < n; ++b) {
      conveq::gemm(false, false, cout, cols, rows, data.weight.data(), rows, all.data() + b * one,
                   cols, false, y.data() + b * cout * cols, cols);
    }
  };
  // conv1d/im2col built and consumed in blocks of columns that stay in cache (with the bias,
  // as the paths): what the paths would do if it paid.
  Buffer block, y_blocked(y.size());
  auto blocked = [&](int64_t width) {
    block.resize(static_cast<size_t>(rows * width));
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t c0 = 0; c0 < cols; c0 += width) {
        const int64_t c1 = std::min(cols, c0 + width);
        conveq::build_column_block(g, data.input.data() + b * g.in_channels * g.w, c0, c1,
                                   block.data());
        conveq::gemm_with_bias(false, false, cout, c1 - c0, rows, data.weight.data(), rows,
                               block.data(), c1 - c0, data.bias_or_null(),
                               conveq::BiasAxis::per_row, y_blocked.data() + b * cout * cols + c0,
                               cols);
      }
    }
  };
  Prepared conv1d = prepare("conv1d/im2col", p, data, o.threads);
  Prepared conv2d = prepare("conv2d/im2col", p, data, o.threads);
  const auto samples =
      round_robin({build, memcpy_same, direct, [&] { conv1d.path->run(conv1d.output.data()); },
                   [&] { conv2d.path->run(conv2d.output.data()); }, [&] { blocked(512); },
                   [&] { blocked(2048); }},
                  o.reps);
  // The blocked variant must compute what the path does.
  if (max_difference(y_blocked, conv1d.output) > 1e-4) {
    std::fprintf(stderr, "conveq_bench: the blocked im2col differs from conv1d/im2col\n");
    std::exit(1);
  }
  if (std::memcmp(built.data(), all.data() + (n - 1) * one, one * 4) != 0) {
    std::fprintf(stderr, "conveq_bench: build_columns differs from its first build\n");
    std::exit(1);
  }
  const double bytes = double(one) * 4 * double(n), flops = p.flops();
  auto gbps = [&](size_t k) { return bytes / (median(samples[k]) * 1e6); };
  const double direct_ms = median(samples[2]);
  std::printf(
      "im2col %s, --gemm %s, %d threads: column build %.1f GB/s, memcpy of the same "
      "bytes %.1f GB/s (x%.3f)\n",
      shape_name(s).c_str(), conveq::to_string(provider).c_str(), o.threads, gbps(0), gbps(1),
      gbps(0) / gbps(1));
  json row = {{"shape", shape_name(s)},
              {"provider", conveq::to_string(provider)},
              {"build_gbps", gbps(0)},
              {"memcpy_gbps", gbps(1)},
              {"build_to_memcpy", gbps(0) / gbps(1)},
              {"direct", entry("direct GEMM on the column matrix", samples[2], flops)}};
  print_entry(row["direct"]);
  const char* names[] = {"conv1d/im2col", "conv2d/im2col", "conv1d im2col, 512-column blocks",
                         "conv1d im2col, 2048-column blocks"};
  for (size_t k = 3; k < 7; ++k) {
    row["paths"].push_back(against_direct(names[k - 3], samples[k], flops, direct_ms));
  }
  return row;
}

json section_im2col(const Options& o, const Shape& s) {
  json out = json::array();
  for (conveq::GemmProvider provider : conveq::built_gemm_providers()) {
    out.push_back(im2col_shape(o, s, provider));
  }
  conveq::use_gemm_provider(conveq::GemmProvider::openblas, o.threads);
  return out;
}

// ---------------------------------------------------------------------------------------
// inside: each path's median inside a full `conveq compare` (every path, library blocks,
// the reference; the session's own timing) against the path timed alone, alternating the two
// so that the machine's drift spreads over both. A ratio above 1 is what running beside the
// other paths and thread pools costs.
json section_inside(const Options& o, const Shape& s) {
  const Problem p = make(s);
  const ConvData<float> data = conveq::fill_data<float>(p);
  conveq::RunOptions run;
  run.threads = o.threads;
  run.repeat = o.quick ? 1 : 5;
  std::map<std::string, std::vector<double>> inside, alone;
  const int rounds = o.quick ? 1 : o.reps;
  for (int round = 0; round < rounds; ++round) {
    const auto result =
        conveq::run_compare_on<float>(p, run, data, conveq::all_paths<float>(), nullptr);
    for (const auto& path : result.report["paths"]) {
      if (path["name"] == "reference") continue;
      inside[path["name"]].push_back(path["timing"]["median_ms"]);
    }
    for (const auto& [name, medians] : inside) {
      (void)medians;
      conveq::use_gemm_provider(conveq::resolve_gemm_provider("auto", p.dtype), o.threads);
      Prepared r = prepare(name, p, data, o.threads);
      const auto samples = round_robin({[&r] { r.path->run(r.output.data()); }}, run.repeat);
      alone[name].push_back(median(samples[0]));
    }
  }
  std::printf("%s, %d threads: path median inside a full compare / alone (medians of %d)\n",
              shape_name(s).c_str(), o.threads, rounds);
  json out = json::array();
  for (const auto& [name, medians] : inside) {
    const double in = median(medians), by_itself = median(alone[name]);
    std::printf("  %-24s inside %9.4f ms  alone %9.4f ms  ratio %.3f\n", name.c_str(), in,
                by_itself, in / by_itself);
    out.push_back(
        {{"name", name}, {"inside_ms", in}, {"alone_ms", by_itself}, {"ratio", in / by_itself}});
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// libraries: every library path (oneDNN, XNNPACK, LibTorch when built; opt-in variants too)
// alone, a library's paths round robin as one block (as the session times them), with the
// share of the FMA peak measured in the same run. Issue 13's target: the oneDNN paths at
// >= 85 % of the peak at (8, 256, 256, 4096).
json section_libraries(const Options& o, const std::vector<Shape>& shapes, double peak) {
  json out = json::array();
  for (const Shape& s : shapes) {
    const Problem p = make(s);
    const ConvData<float> data = conveq::fill_data<float>(p);
    std::map<std::string, std::vector<std::string>> by_library;
    for (const auto& path : conveq::all_paths<float>()) {
      if (!path->backend_name().empty() && path->skip_reason(p).empty())
        by_library[path->backend_name()].push_back(path->name());
    }
    std::printf("library paths %s: median, min, GFLOP/s, %% of the %.0f GFLOP/s peak\n",
                shape_name(s).c_str(), peak);
    for (const auto& [library, names] : by_library) {
      conveq::use_gemm_provider(conveq::resolve_gemm_provider("auto", p.dtype), o.threads);
      std::vector<Prepared> paths;
      std::vector<std::function<void()>> jobs;
      for (const auto& name : names) paths.push_back(prepare(name, p, data, o.threads));
      for (auto& r : paths) jobs.push_back([&r] { r.path->run(r.output.data()); });
      const auto samples = round_robin(jobs, o.reps);
      for (size_t k = 0; k < paths.size(); ++k) {
        json e = entry(names[k], samples[k], p.flops());
        const double share = peak > 0 ? e["gflops"].get<double>() / peak : 0;
        e["shape"] = shape_name(s);
        e["peak_share"] = share;
        e["implementation"] =
            paths[k].path->backend() ? paths[k].path->backend()->implementation : "";
        print_entry(e, std::to_string(int(std::lround(100 * share))) + " % of peak, " +
                           e["implementation"].get<std::string>());
        out.push_back(e);
      }
      for (auto& r : paths) r.path->park_threads();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// reference: the reference's time against the slowest path of the same problem, inside one
// `conveq compare` (the session's interleaved timing rounds, every path built, --gemm auto).
template <typename T>
json reference_against_paths(const Options& o, const Shape& s, const std::string& dtype) {
  const Problem p = make(s, dtype);
  const ConvData<T> data = conveq::fill_data<T>(p);
  conveq::RunOptions run;
  run.threads = o.threads;
  run.repeat = o.quick ? 1 : std::max(3, o.reps / 4);
  const auto result = conveq::run_compare_on<T>(p, run, data, conveq::all_paths<T>(), nullptr);
  double reference = 0, slowest = 0;
  std::string slowest_name;
  for (const auto& path : result.report["paths"]) {
    if (!path.contains("timing") || !path["timing"].is_object()) continue;
    const double ms = path["timing"]["median_ms"];
    if (path["name"] == "reference") {
      reference = ms;
    } else if (ms > slowest) {
      slowest = ms;
      slowest_name = path["name"];
    }
  }
  std::printf(
      "reference %s %s, %d threads: %.2f ms (%s accumulation); slowest path %s %.2f ms; "
      "ratio %.2f\n",
      shape_name(s).c_str(), dtype.c_str(), o.threads, reference,
      conveq::reference_accumulation(p.dtype).c_str(), slowest_name.c_str(), slowest,
      reference / slowest);
  return {{"shape", shape_name(s)},     {"dtype", dtype},
          {"reference_ms", reference},  {"slowest_path", slowest_name},
          {"slowest_path_ms", slowest}, {"ratio", reference / slowest},
          {"repeat", run.repeat}};
}

json section_reference(const Options& o) {
  const Shape big = o.quick ? Shape{2, 8, 8, 64, 3, "same"} : Shape{8, 256, 256, 4096, 3, "same"};
  const Shape small = o.quick ? Shape{1, 4, 6, 50, 3, "same"} : Shape{1, 64, 128, 4096, 3, "same"};
  return {reference_against_paths<float>(o, big, "float32"),
          reference_against_paths<double>(o, small, "float64")};
}

// ---------------------------------------------------------------------------------------
// bias: ways to add the bias to C = A B through each provider (gemm_bias.hpp), on the conv
// layout (W X per sample, a bias per row) and nn.Linear's (X_cl W^T, a bias per column).
json bias_layout(const Options& o, const Shape& s, bool linear) {
  const int64_t n = s.batch, cin = s.in, cout = s.out, l = s.length;
  Buffer x(static_cast<size_t>(n * cin * l)), w(static_cast<size_t>(cout * cin)),
      bias(static_cast<size_t>(cout)), y(static_cast<size_t>(n * cout * l));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(conveq::counter_uniform(1, 1, i)) - 0.5f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(conveq::counter_uniform(1, 2, i)) - 0.5f;
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = float(i % 7);
  using conveq::BiasMethod;
  auto run = [&](const float* b, BiasMethod method) {
    if (linear) {  // one GEMM over every position, as linear/gemm
      conveq::gemm_with_bias(false, true, n * l, cout, cin, x.data(), cin, w.data(), cin, b,
                             conveq::BiasAxis::per_column, y.data(), cout, method);
      return;
    }
    for (int64_t k = 0; k < n; ++k) {  // one GEMM per sample, as the im2col paths
      conveq::gemm_with_bias(false, false, cout, l, cin, w.data(), cin, x.data() + k * cin * l, l,
                             b, conveq::BiasAxis::per_row, y.data() + k * cout * l, l, method);
    }
  };
  const std::vector<std::pair<std::string, BiasMethod>> methods{
      {"prefill + beta=1", BiasMethod::prefill},
      {"beta=0 + bias pass", BiasMethod::after},
      {"beta=0, blocks per thread + pass", BiasMethod::blocked},
      {"automatic (what the paths do)", BiasMethod::automatic}};
  // The baseline: one GEMM over the whole matrix (`after` without a bias), no bias pass.
  std::vector<std::function<void()>> jobs{[&] { run(nullptr, BiasMethod::after); }};
  for (const auto& m : methods) jobs.push_back([&run, &bias, m] { run(bias.data(), m.second); });
  const auto samples = round_robin(jobs, o.reps);
  const double flops = 2.0 * double(n * cout * cin * l);
  const std::string provider = conveq::to_string(conveq::current_gemm_provider());
  json row = {{"shape", shape_name(s)},
              {"layout", linear ? "linear X_cl*W^T" : "conv W*X"},
              {"provider", provider}};
  std::printf("bias %s %s, --gemm %s, %d threads: median, min, GFLOP/s, ratio to no bias\n",
              shape_name(s).c_str(), linear ? "linear X_cl*W^T" : "conv W*X", provider.c_str(),
              o.threads);
  for (size_t k = 0; k < jobs.size(); ++k) {
    json e = entry(k == 0 ? std::string("whole GEMM beta=0, no bias") : methods[k - 1].first,
                   samples[k], flops);
    e["ratio_to_no_bias"] = median(samples[0]) / e["median_ms"].get<double>();
    char extra[64];
    std::snprintf(extra, sizeof extra, "x%.3f", e["ratio_to_no_bias"].get<double>());
    print_entry(e, extra);
    row["strategies"].push_back(e);
  }
  return row;
}

json section_bias(const Options& o, const std::vector<Shape>& shapes) {
  json out = json::array();
  for (const Shape& s : shapes) {
    for (conveq::GemmProvider provider : conveq::built_gemm_providers()) {
      conveq::use_gemm_provider(provider, o.threads);
      for (const bool linear : {false, true}) out.push_back(bias_layout(o, s, linear));
    }
  }
  conveq::use_gemm_provider(conveq::GemmProvider::openblas, o.threads);
  return out;
}

// ---------------------------------------------------------------------------------------
// direct: the naive paths and the reference.
json section_direct(const Options& o, const std::vector<Shape>& shapes) {
  json out = json::array();
  for (const Shape& s : shapes) {
    const Problem p = make(s);
    const ConvData<float> data = conveq::fill_data<float>(p);
    const double flops = p.flops();
    std::vector<std::string> names;
    for (const auto& path : conveq::all_paths<float>()) {
      if (path->algorithm() == "naive" && path->skip_reason(p).empty())
        names.push_back(path->name());
    }
    json row = {{"shape", shape_name(s)}, {"flops", flops}, {"entries", json::array()}};
    std::printf("direct loops %s: median, min, GFLOP/s\n", shape_name(s).c_str());
    std::vector<int> thread_counts{1};
    if (o.threads > 1) thread_counts.push_back(o.threads);
    std::vector<Buffer> first_outputs(names.size());
    std::vector<double> first_reference;
    bool identical = true;
    for (const int threads : thread_counts) {
      std::vector<Prepared> paths;
      for (const auto& name : names) paths.push_back(prepare(name, p, data, threads));
      conveq::ReferenceOutput reference;
      std::vector<std::function<void()>> jobs;
      for (auto& r : paths) jobs.push_back([&r] { r.path->run(r.output.data()); });
      jobs.push_back([&] { conveq::compute_reference(p, data, threads, reference); });
      const auto samples = round_robin(jobs, std::max(1, o.reps / 3));
      for (size_t k = 0; k < jobs.size(); ++k) {
        const std::string name = k < paths.size() ? paths[k].path->name() : "reference";
        json e = entry(name + ", " + std::to_string(threads) + " thread(s)", samples[k], flops);
        print_entry(e);
        row["entries"].push_back(e);
      }
      // Bit-identical for any thread count: compare every output with the 1-thread one.
      for (size_t k = 0; k < paths.size(); ++k) {
        if (threads == 1) {
          first_outputs[k] = paths[k].output;
        } else {
          identical = identical && std::memcmp(first_outputs[k].data(), paths[k].output.data(),
                                               paths[k].output.size() * sizeof(float)) == 0;
        }
      }
      std::vector<double> both(reference.value.begin(), reference.value.end());
      both.insert(both.end(), reference.scale.begin(), reference.scale.end());
      if (threads == 1)
        first_reference = both;
      else
        identical = identical && first_reference == both;
    }
    row["bit_identical_across_threads"] = identical;
    std::printf("  bit-identical at 1 and %d threads: %s\n", o.threads, identical ? "yes" : "NO");
    out.push_back(row);
  }
  return out;
}

// A naive path timed right after an OpenBLAS call, against after a pause: OpenBLAS's pthread
// workers keep spinning for a while after a call and compete with conveq's own threads.
json section_after_gemm(const Options& o, const Shape& s) {
  const Problem p = make(s);
  const ConvData<float> data = conveq::fill_data<float>(p);
  Prepared naive = prepare("conv1d/naive", p, data, o.threads);
  Prepared gemm = prepare("conv1d/im2col", p, data, o.threads);
  conveq::set_blas_threads(o.threads);
  std::vector<double> after_gemm, after_pause;
  const int reps = std::max(1, o.reps / 2);
  for (int r = 0; r < reps; ++r) {
    gemm.path->run(gemm.output.data());
    double start = conveq::now_ms();
    naive.path->run(naive.output.data());
    after_gemm.push_back(conveq::now_ms() - start);
    std::this_thread::sleep_for(std::chrono::milliseconds(o.quick ? 1 : 300));
    start = conveq::now_ms();
    naive.path->run(naive.output.data());
    after_pause.push_back(conveq::now_ms() - start);
  }
  const double flops = p.flops();
  json a = entry("conv1d/naive right after a GEMM", after_gemm, flops);
  json b = entry("conv1d/naive after a 300 ms pause", after_pause, flops);
  std::printf("OpenBLAS workers after a GEMM, %s, %d threads:\n", shape_name(s).c_str(), o.threads);
  print_entry(a);
  print_entry(b);
  return {a, b};
}

// ---------------------------------------------------------------------------------------
// sweep: time per multiply-add should stay flat as any factor of N*Cout*Cin*K*L grows.
json section_sweep(const Options& o, const std::string& axis, const std::vector<Shape>& shapes) {
  json out = json::array();
  std::printf("sweep over %s, %d threads: ns per multiply-add (median), GFLOP/s\n", axis.c_str(),
              o.threads);
  std::printf("  %-28s %12s %12s %12s %12s %12s\n", "shape", "sgemm", "conv1d/im2col",
              "conv1d/naive", "conv2d/naive", "reference");
  for (const Shape& s : shapes) {
    const Problem p = make(s);
    const ConvData<float> data = conveq::fill_data<float>(p);
    const double macs = p.flops() / 2;
    Prepared im2col = prepare("conv1d/im2col", p, data, o.threads);
    Prepared naive1 = prepare("conv1d/naive", p, data, o.threads);
    Prepared naive2 = prepare("conv2d/naive", p, data, o.threads);
    conveq::ReferenceOutput reference;
    const int64_t n = p.batch, cin = p.in_channels, cout = p.out_channels, l = p.length();
    Buffer y(static_cast<size_t>(n * cout * l));
    auto direct = [&] {
      if (s.kernel != 1) return;  // a direct sgemm is the yardstick of pointwise shapes only
      for (int64_t b = 0; b < n; ++b) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(cout), int(l), int(cin), 1.0f,
                    data.weight.data(), int(cin), data.input.data() + b * cin * l, int(l), 0.0f,
                    y.data() + b * cout * l, int(l));
      }
    };
    conveq::set_blas_threads(o.threads);
    const auto samples =
        round_robin({direct, [&] { im2col.path->run(im2col.output.data()); },
                     [&] { naive1.path->run(naive1.output.data()); },
                     [&] { naive2.path->run(naive2.output.data()); },
                     [&] { conveq::compute_reference(p, data, o.threads, reference); }},
                    std::max(1, o.reps / 3));
    json row = {{"shape", shape_name(s)}, {"macs", macs}};
    std::printf("  %-28s", shape_name(s).c_str());
    const char* names[] = {"sgemm", "conv1d/im2col", "conv1d/naive", "conv2d/naive", "reference"};
    for (size_t k = 0; k < 5; ++k) {
      const double ms = median(samples[k]);
      if (k == 0 && s.kernel != 1) {
        std::printf(" %12s", "-");
        continue;
      }
      row[names[k]] = {{"median_ms", ms}, {"ns_per_mac", ms * 1e6 / macs}};
      std::printf(" %7.4f/%4.0f", ms * 1e6 / macs, 2 * macs / (ms * 1e6));
    }
    std::printf("\n");
    out.push_back(row);
  }
  return out;
}

bool wants(const Options& o, const std::string& section) {
  return std::find(o.sections.begin(), o.sections.end(), section) != o.sections.end();
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "conveq_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--threads") {
      o.threads = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--reps") {
      o.reps = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--sections") {
      o.sections = split(value());
    } else if (arg == "--json") {
      o.json_path = value();
    } else if (arg == "--quick") {
      o.quick = true;
      o.reps = 1;
    } else {
      std::fprintf(stderr,
                   "usage: conveq_bench [--threads T] [--reps R] [--sections "
                   "peak,kernels,gemm,providers,im2col,reference,inside,bias,direct,sweep] [--json "
                   "FILE] [--quick]\n");
      std::exit(arg == "--help" ? 0 : 2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  json report = {{"tool", conveq::tool_info()},
                 {"host", conveq::host_info(o.threads)},
                 {"reps", o.reps},
                 {"quick", o.quick},
                 {"gemm_auto", conveq::to_string(
                                   conveq::resolve_gemm_provider("auto", conveq::DType::float32))}};
  std::printf("conveq_bench: %s, %d threads, %d rounds, OpenBLAS %s\n",
              report["host"]["cpu_model"].get<std::string>().c_str(), o.threads, o.reps,
              report["tool"]["blas"]["version"].get<std::string>().c_str());

  // Issue 7's shapes (N, Cin, Cout, L); --quick shrinks everything to a smoke run.
  const std::vector<Shape> gemm_shapes =
      o.quick ? std::vector<Shape>{{1, 8, 16, 64}, {2, 16, 8, 100}}
              : std::vector<Shape>{{1, 64, 128, 4096}, {8, 256, 256, 4096}, {1, 512, 512, 16384}};
  const std::vector<Shape> direct_shapes =
      o.quick ? std::vector<Shape>{{1, 8, 16, 64}, {1, 4, 6, 50, 3, "same"}}
              : std::vector<Shape>{{1, 64, 128, 4096}, {1, 64, 128, 4096, 3, "same"}};
  std::vector<Shape> sweep_l, sweep_c, sweep_k;
  for (const int64_t l : {1024, 2048, 4096, 8192, 16384, 32768}) {
    if (!o.quick || l <= 2048) sweep_l.push_back({1, o.quick ? 8 : 128, o.quick ? 8 : 128, l});
  }
  for (const int64_t c : {32, 64, 128, 256, 512}) {
    if (!o.quick || c <= 64) sweep_c.push_back({1, c, c, o.quick ? 64 : 4096});
  }
  for (const int64_t k : {1, 3, 5, 9}) {
    if (!o.quick || k <= 3) sweep_k.push_back({1, 64, 64, o.quick ? 64 : 4096, k, "same"});
  }

  if (wants(o, "peak")) report["peak"] = section_peak(o);
  if (wants(o, "kernels")) report["kernels"] = section_kernels(o, gemm_shapes);
  if (wants(o, "gemm")) report["gemm"] = section_gemm(o, gemm_shapes);
  if (wants(o, "providers")) {
    std::vector<Shape> shapes = gemm_shapes;
    shapes.push_back(o.quick ? Shape{1, 4, 6, 50, 3, "same"} : Shape{8, 256, 256, 4096, 3, "same"});
    report["providers"] = section_providers(o, shapes);
  }
  if (wants(o, "im2col")) {
    report["im2col"] = section_im2col(
        o, o.quick ? Shape{2, 4, 6, 50, 3, "same"} : Shape{8, 256, 256, 4096, 3, "same"});
  }
  if (wants(o, "reference")) report["reference"] = section_reference(o);
  if (wants(o, "inside")) report["inside"] = section_inside(o, gemm_shapes.front());
  if (wants(o, "libraries")) {
    const double peak =
        report.contains("peak") ? report["peak"][std::to_string(o.threads)].get<double>() : 0;
    report["libraries"] = section_libraries(o, {gemm_shapes.front(), gemm_shapes[1]}, peak);
  }
  if (wants(o, "bias")) {
    report["bias"] = section_bias(o, {gemm_shapes[gemm_shapes.size() - 2], gemm_shapes.back()});
  }
  if (wants(o, "direct")) {
    report["direct"] = section_direct(o, direct_shapes);
    report["after_gemm"] = section_after_gemm(o, direct_shapes.front());
  }
  if (wants(o, "sweep")) {
    report["sweep"] = {{"length", section_sweep(o, "L", sweep_l)},
                       {"channels", section_sweep(o, "channels", sweep_c)},
                       {"kernel", section_sweep(o, "K", sweep_k)}};
  }
  if (!o.json_path.empty()) {
    std::ofstream file(o.json_path);
    file << report.dump(1) << "\n";
    if (!file) {
      std::fprintf(stderr, "conveq_bench: cannot write %s\n", o.json_path.c_str());
      return 2;
    }
  }
  return 0;
}
