// Every path against the reference: named odd-sized cases, seeded random parameter mixes,
// hand-computed answers, and a deliberately broken path that the checker must catch.
#include <catch2/catch.hpp>
#include <limits>
#include <random>

#include "conv_cases.hpp"
#include "conv_tester.hpp"
#include "conveq/check/reference.hpp"
#include "conveq/core/error.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/paths/run.hpp"
#include "conveq/session/session.hpp"

using conveq::ConvData;
using conveq::Problem;

namespace {

conveq::ProblemOptions options_1d(int64_t in, int64_t out, int64_t length, const std::string& k) {
  conveq::ProblemOptions o;
  o.in_channels = std::to_string(in);
  o.out_channels = std::to_string(out);
  o.length = std::to_string(length);
  o.kernel = k;
  return o;
}

template <typename T>
std::vector<T> run_path(conveq::Path<T>& path, const Problem& p, const ConvData<T>& data,
                        int threads = 1) {
  std::vector<T> out(static_cast<size_t>(p.output_elements()), std::numeric_limits<T>::quiet_NaN());
  path.prepare(p, data, threads);
  path.run(out.data());
  path.finish(out.data());
  return out;
}

std::vector<std::string> names(const nlohmann::json& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item["name"]);
  return out;
}

// conveq's own paths (ending with the reference), then the oneDNN and XNNPACK paths of these
// formulations in report order when this build has them (oneDNN's plain-layout paths,
// XNNPACK's conv2d_hw and linear, and LibTorch's run only when named).
std::vector<std::string> with_libraries(std::vector<std::string> paths,
                                        const std::vector<std::string>& onednn_ops,
                                        const std::vector<std::string>& xnnpack_ops) {
  for (const auto& [library, ops] : {std::pair{"onednn", &onednn_ops}, {"xnnpack", &xnnpack_ops}}) {
    if (!conveq::find_backend(library)->not_built.empty()) continue;
    for (const auto& op : *ops) paths.insert(paths.end() - 1, op + "/" + library);
  }
  return paths;
}

// A row of a case table: the name says what the case exercises (a failure prints it; Test()
// adds the problem's full options).
struct NamedCase {
  std::string name;
  ConvTester tester;
};

}  // namespace

TEST_CASE("pointwise cases with odd sizes agree on every path", "[paths]") {
  const std::vector<NamedCase> cases = {
      {"3 -> 5 channels, length 17", ConvTester().in(3).out(5).length(17)},
      {"23 -> 19 channels, length 37, batch 2", ConvTester().batch(2).in(23).out(19).length(37)},
      {"1 -> 1 channel, length 1, uniform fill",
       ConvTester().in(1).out(1).length(1).fill("uniform")},
      {"7 -> 13 channels, length 1, batch 3", ConvTester().batch(3).in(7).out(13).length(1)},
      {"64 -> 128 channels, length 4096 (the default problem)",
       ConvTester().in(64).out(128).length(4096)},
      {"17 -> 9 channels, length 30 folded as 5 x 6, batch 2",
       ConvTester().batch(2).in(17).out(9).length(30).height_width(5, 6)},
      {"5 -> 3 channels, length 29, no bias, float64",
       ConvTester().in(5).out(3).length(29).no_bias().dtype("float64")},
  };
  for (const NamedCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      c.tester.Test();
    }
  }
}

TEST_CASE("which formulations apply to which problems", "[paths]") {
  struct Case {
    std::string name;
    ConvTester tester;
    std::vector<std::string> paths;
  };
  const std::vector<Case> cases = {
      {"1D pointwise: every formulation", ConvTester().in(3).out(5).length(17),
       with_libraries(
           {"conv1d/naive", "conv1d/im2col", "conv2d/naive", "conv2d/im2col", "conv2d_col/naive",
            "conv2d_col/im2col", "conv2d_hw/naive", "conv2d_hw/im2col", "linear/gemm", "reference"},
           {"conv1d", "conv2d", "conv2d_col", "conv2d_hw", "linear"}, {"conv2d", "conv2d_col"})},
      {"1D kernel 3: conv1d and conv2d on either axis only",
       ConvTester().in(3).out(5).length(17).kernel("3"),
       with_libraries({"conv1d/naive", "conv1d/im2col", "conv2d/naive", "conv2d/im2col",
                       "conv2d_col/naive", "conv2d_col/im2col", "reference"},
                      {"conv1d", "conv2d", "conv2d_col"}, {"conv2d", "conv2d_col"})},
      {"2D kernel 3x3: conv2d only", ConvTester().in(3).out(5).height_width(7, 9).kernel("3,3"),
       with_libraries({"conv2d/naive", "conv2d/im2col", "reference"}, {"conv2d"}, {"conv2d"})},
      {"2D of height 1, kernel 1x3: conv1d too",
       ConvTester().in(3).out(5).height_width(1, 9).kernel("1,3"),
       with_libraries({"conv1d/naive", "conv1d/im2col", "conv2d/naive", "conv2d/im2col",
                       "conv2d_col/naive", "conv2d_col/im2col", "reference"},
                      {"conv1d", "conv2d", "conv2d_col"}, {"conv2d", "conv2d_col"})},
      {"2D pointwise: conv1d and linear too", ConvTester().in(3).out(5).height_width(4, 9),
       with_libraries({"conv1d/naive", "conv1d/im2col", "conv2d/naive", "conv2d/im2col",
                       "conv2d_col/naive", "conv2d_col/im2col", "linear/gemm", "reference"},
                      {"conv1d", "conv2d", "conv2d_col", "linear"}, {"conv2d", "conv2d_col"})},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(names(c.tester.Test()["paths"]) == c.paths);
    }
  }
}

TEST_CASE("conv2d_col sees the (N, C, L, 1) view and is twinned with conv1d", "[paths]") {
  // Dilation, groups and an even 'same' kernel (the odd extra padding at the end): every
  // parameter moves to the H axis.
  const auto report =
      ConvTester()
          .batch(2)
          .in(4)
          .out(6)
          .groups(2)
          .length(23)
          .kernel("4")
          .dilation("3")
          .padding("same")
          .paths({"conv1d/naive", "conv1d/im2col", "conv2d_col/naive", "conv2d_col/im2col"})
          .Test();
  for (const auto& p : report["paths"]) {
    if (!p["op"].get<std::string>().starts_with("conv2d_col")) continue;
    INFO(p["name"].get<std::string>());
    CHECK(p["input_shape"] == std::vector<int64_t>{2, 4, 23, 1});
    CHECK(p["weight_shape"] == std::vector<int64_t>{6, 2, 4, 1});
    CHECK(p["output_shape"] == std::vector<int64_t>{2, 6, 23, 1});
  }
  std::vector<std::string> twins;
  for (const auto& c : report["comparisons"]) {
    if (c["b"] != "reference")
      twins.push_back(c["a"].get<std::string>() + " vs " + c["b"].get<std::string>());
  }
  CHECK(twins == std::vector<std::string>{"conv1d/naive vs conv2d_col/naive",
                                          "conv1d/im2col vs conv2d_col/im2col"});
}

TEST_CASE("grouped pointwise has no nn.Linear twin, and the report says why", "[paths]") {
  const auto report = ConvTester().in(4).out(6).groups(2).length(10).Test();
  bool found = false;
  for (const auto& s : report["skipped_paths"]) {
    if (s["name"] == "linear/gemm") {
      found = true;
      CHECK(s["reason"] == "nn.Linear has no groups");
    }
  }
  CHECK(found);
}

TEST_CASE("every shared case and general kernels: stride, padding, dilation, groups", "[paths]") {
  std::vector<NamedCase> cases = {
      {
          "2D stride 2,1, dilation 1,2, padding 1,2, groups 2, float64",
          strided_2d_case().dtype("float64"),
      },
  };
  for (const ConvCase& c : shared_conv_cases()) cases.push_back({c.name, c.tester});
  for (const NamedCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      c.tester.Test();
    }
  }
}

TEST_CASE("seeded random parameter mixes agree with the reference, and exactly under exact fill",
          "[paths][property]") {
  std::mt19937 rng(20261124);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int tested = 0;
  while (tested < 60) {
    const bool two_d = pick(0, 2) == 0;
    const int groups = std::vector<int>{1, 1, 2, 3, 0}[static_cast<size_t>(pick(0, 4))];
    const int base_in = pick(1, 9);
    const int in = groups == 0 ? base_in : base_in * groups;
    const int out = groups == 0 ? in : pick(1, 4) * groups;
    ConvTester t;
    t.batch(pick(1, 3)).in(in).out(out).groups(groups == 0 ? in : groups);
    const int k = pick(1, 7), s = pick(1, 3), d = pick(1, 3);
    std::string padding = std::to_string(pick(0, 3));
    if (s == 1 && pick(0, 2) == 0) padding = "same";
    if (pick(0, 5) == 0) padding = "valid";
    if (two_d) {
      t.height_width(pick(1, 12), pick(1, 19))
          .kernel(std::to_string(pick(1, 4)) + "," + std::to_string(k))
          .stride(std::to_string(pick(1, 2)) + "," + std::to_string(s))
          .dilation(std::to_string(pick(1, 2)) + "," + std::to_string(d));
      if (padding != "same" && padding != "valid") padding += "," + std::to_string(pick(0, 2));
      if (padding == "same") t.stride("1");
    } else {
      t.length(pick(1, 40))
          .kernel(std::to_string(k))
          .stride(std::to_string(s))
          .dilation(std::to_string(d));
    }
    t.padding(padding).dtype(pick(0, 1) ? "float32" : "float64").seed(tested);
    if (pick(0, 4) == 0) t.no_bias();
    try {
      (void)t.problem();
    } catch (const conveq::InputError&) {
      continue;  // an invalid mix (e.g. a kernel larger than the padded input)
    }
    DYNAMIC_SECTION("mix " << tested << ": " << t.describe()) {
      t.Test();
      t.fill("exact").Test();
    }
    ++tested;
  }
}

TEST_CASE("a hand-computed 1D case", "[paths]") {
  // x = [1, 2, 3, 4], w = [2, 1], b = 0.5: y[l] = 2 x[l] + x[l+1] + 0.5.
  const Problem p = conveq::make_problem(options_1d(1, 1, 4, "2"));
  ConvData<double> data;
  data.input = xt::xtensor<double, 4>{{{{1, 2, 3, 4}}}};
  data.weight = xt::xtensor<double, 4>{{{{2, 1}}}};
  data.bias = xt::xtensor<double, 1>{0.5};
  const std::vector<double> expected{4.5, 7.5, 10.5};
  for (auto& path : conveq::all_paths<double>()) {
    if (!path->skip_reason(p).empty()) continue;
    DYNAMIC_SECTION(path->name()) {
      CHECK(run_path(*path, p, data) == expected);
    }
  }
  SECTION("reference") {
    conveq::ReferenceOutput ref;
    conveq::compute_reference(p, data, 1, ref);
    CHECK(std::vector<double>(ref.value.begin(), ref.value.end()) == expected);
    // The scale is an upper bound of sum |w||x| + |b|, widened by its own float64 rounding.
    const std::vector<double> scale{4.5, 7.5, 10.5};
    for (size_t i = 0; i < scale.size(); ++i) {
      CHECK(ref.scale(i) >= scale[i]);
      CHECK(ref.scale(i) <= scale[i] * (1 + 1e-14));
    }
  }
}

TEST_CASE("a hand-computed 2D case with padding and stride", "[paths]") {
  // x = [[1, 2], [3, 4]], w = [[1, 0], [0, 1]], padding 1: y = [[1, 2, 0], [3, 5, 2], [0, 3, 4]].
  conveq::ProblemOptions o;
  o.in_channels = o.out_channels = "1";
  o.height = o.width = "2";
  o.kernel = "2";
  o.padding = "1";
  o.no_bias = true;
  ConvData<float> data;
  data.input = xt::xtensor<float, 4>{{{{1, 2}, {3, 4}}}};
  data.weight = xt::xtensor<float, 4>{{{{1, 0}, {0, 1}}}};
  data.bias = xt::xtensor<float, 1>::from_shape({0});
  const Problem p = conveq::make_problem(o);
  o.stride = "2";
  const Problem strided = conveq::make_problem(o);
  for (auto& path : conveq::all_paths<float>()) {
    if (!path->skip_reason(p).empty()) continue;
    DYNAMIC_SECTION(path->name()) {
      CHECK(run_path(*path, p, data) == std::vector<float>{1, 2, 0, 3, 5, 2, 0, 3, 4});
      CHECK(run_path(*path, strided, data) == std::vector<float>{1, 0, 0, 4});
    }
  }
}

TEST_CASE("naive paths and the reference do not depend on the thread count", "[paths]") {
  ConvTester t;
  // Large enough (about 25M multiply-adds) that threads_for_work really uses 3 threads.
  t.batch(2).in(64).out(64).length(1024).kernel("3").padding("same");
  const Problem p = t.problem();
  const auto data = conveq::fill_data<float>(p);
  int naive_paths = 0;
  for (auto& path : conveq::all_paths<float>()) {
    if (path->algorithm() != "naive" || !path->skip_reason(p).empty()) continue;
    ++naive_paths;
    DYNAMIC_SECTION(path->name() << ": 1 and 3 threads") {
      CHECK(run_path(*path, p, data, 1) == run_path(*path, p, data, 3));
    }
  }
  CHECK(naive_paths >= 2);  // conv1d/naive and conv2d/naive
  SECTION("reference: 1 and 3 threads") {
    conveq::ReferenceOutput one, three;
    conveq::compute_reference(p, data, 1, one);
    conveq::compute_reference(p, data, 3, three);
    CHECK(bool(one.value == three.value));
    CHECK(bool(one.scale == three.scale));
  }
}

namespace {

// A path that is wrong on purpose: it wraps a real one and damages its output.
class BrokenPath final : public conveq::Path<float> {
 public:
  enum class Damage { perturb_one, skip_last, off_by_one_tap };
  explicit BrokenPath(Damage damage)
      : damage_(damage), inner_(conveq::make_conv1d_naive<float>()) {}
  std::string op() const override { return "broken"; }
  std::string algorithm() const override { return "naive"; }
  bool is_rank1() const override { return true; }
  std::string skip_reason(const Problem&) const override { return ""; }
  conveq::ConvGeometry geometry(const Problem& p) const override { return conveq::conv1d_view(p); }
  void prepare(const Problem& p, const ConvData<float>& data, int threads) override {
    size_ = p.output_elements();
    out_ = p.out_width();
    inner_->prepare(p, data, threads);
  }
  void run(float* output) override {
    if (damage_ == Damage::skip_last) {
      std::vector<float> full(static_cast<size_t>(size_));
      inner_->run(full.data());
      std::copy(full.begin(), full.end() - 1, output);  // the last element is never written
      return;
    }
    inner_->run(output);
    if (damage_ == Damage::perturb_one) output[7] *= 1.0f + 1e-4f;
    if (damage_ == Damage::off_by_one_tap) output[out_ - 1] = output[out_ - 2];
  }

 private:
  Damage damage_;
  std::unique_ptr<conveq::Path<float>> inner_;
  int64_t size_ = 0, out_ = 0;
};

nlohmann::json run_with_broken(BrokenPath::Damage damage, const conveq::ProblemOptions& o) {
  const Problem p = conveq::make_problem(o);
  conveq::PathList<float> paths = conveq::all_paths<float>();
  paths.insert(paths.begin(), std::make_unique<BrokenPath>(damage));
  conveq::RunOptions run;
  run.warmup = 0;
  run.repeat = 1;
  const auto result =
      conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p), std::move(paths));
  CHECK(result.exit_status == conveq::kExitFailed);
  return result.report;
}

const nlohmann::json& comparison(const nlohmann::json& report, const std::string& a,
                                 const std::string& b) {
  for (const auto& c : report["comparisons"]) {
    if (c["a"] == a && c["b"] == b) return c;
  }
  FAIL("no comparison " << a << " vs " << b);
  static nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("the checker catches a deliberately broken path", "[paths][broken]") {
  const auto o = options_1d(16, 8, 33, "1");
  SECTION("one element off by 1e-4 relative, found at its coordinates") {
    const auto report = run_with_broken(BrokenPath::Damage::perturb_one, o);
    const auto& c = comparison(report, "broken/naive", "reference");
    CHECK(c["status"] == "failed");
    CHECK(c["mismatches"] == 1);
    CHECK(c["worst_index"] == std::vector<int64_t>{0, 0, 7});
    CHECK(comparison(report, "broken/naive", "conv1d/naive")["status"] == "failed");
    CHECK(report["verdict"]["equivalent"] == false);
    CHECK(report["verdict"]["status"] == "failed");
    // The honest paths still pass.
    CHECK(comparison(report, "conv1d/im2col", "reference")["status"] == "passed");
  }
  SECTION("an element never written stays NaN and fails") {
    const auto report = run_with_broken(BrokenPath::Damage::skip_last, o);
    const auto& c = comparison(report, "broken/naive", "reference");
    CHECK(c["status"] == "failed");
    CHECK(c["nonfinite"]["nan_mismatches"] == 1);
    CHECK(c["max_abs_error"].is_null());  // infinite: a NaN can never hide in a maximum
    CHECK(c["worst_index"] == std::vector<int64_t>{0, 7, 32});
  }
  SECTION("a wrong tap at the tail is caught") {
    const auto report = run_with_broken(BrokenPath::Damage::off_by_one_tap, o);
    CHECK(comparison(report, "broken/naive", "reference")["worst_index"] ==
          std::vector<int64_t>{0, 0, 32});
  }
}

TEST_CASE("products that underflow stay within the bound", "[paths][bound]") {
  // Every product of 1e-23 * 1e-23 underflows float32 to 0 or a subnormal; the reference,
  // in double, keeps 1e-46 per term. Only the bound's subnormal allowance covers that.
  const Problem p = conveq::make_problem(options_1d(8, 3, 5, "1"));
  ConvData<float> data = conveq::allocate_data<float>(p);
  std::fill(data.input.begin(), data.input.end(), 1e-23f);
  std::fill(data.weight.begin(), data.weight.end(), 1e-23f);
  std::fill(data.bias.begin(), data.bias.end(), 0.0f);
  conveq::RunOptions run;
  run.warmup = 0;
  run.repeat = 1;
  const auto result = conveq::run_compare_on<float>(p, run, data, conveq::all_paths<float>());
  for (const auto& c : result.report["comparisons"]) {
    INFO(c["a"].get<std::string>() << " vs " << c["b"].get<std::string>());
    CHECK(c["mismatches"] == 0);
  }
}

TEST_CASE("the problem's data and every path's output start on a cache line", "[paths]") {
  // Unaligned, every 64-byte vector load straddles two cache lines (oneDNN ran 5 % slower).
  const Problem p = conveq::make_problem(options_1d(64, 32, 3001, "3"));
  const auto aligned = [](const void* data) {
    return reinterpret_cast<std::uintptr_t>(data) % conveq::kCacheLineBytes == 0;
  };
  for (int trial = 0; trial < 4; ++trial) {  // several allocations, not one lucky address
    const ConvData<float> data = conveq::fill_data<float>(p);
    CHECK(aligned(data.input.data()));
    CHECK(aligned(data.weight.data()));
    CHECK(aligned(data.bias.data()));
    CHECK(aligned(conveq::nan_output<float>(p).data()));
  }
}
