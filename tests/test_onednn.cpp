// The oneDNN paths: against the reference within the bound on odd sizes and every parameter,
// the formulations against each other, what the report says about the library, a
// deliberately misconfigured oneDNN call that the checker must catch, and the skip reasons.
// In a build without oneDNN the tests that need it pass with a warning, and the paths must
// be listed as not built.
#include <catch2/catch.hpp>
#include <limits>
#include <regex>

#include "conv_cases.hpp"
#include "conv_tester.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/parallel.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/session/session.hpp"
#include "library_paths.hpp"

using conveq::Problem;

namespace {

const std::vector<std::string> kOps = {"conv1d", "conv2d", "conv2d_col", "conv2d_hw", "linear"};
const std::vector<std::string> kAlgorithms = {"onednn", "onednn_plain"};

bool require_onednn() {
  if (conveq::onednn_built()) return true;
  WARN("oneDNN was not built (libdnnl-dev missing at build time): test skipped");
  return false;
}

// The names of the oneDNN paths that ran, in report order.
std::vector<std::string> onednn_ran(const nlohmann::json& report) {
  std::vector<std::string> names;
  for (const auto& p : report["paths"]) {
    if (p["algorithm"].get<std::string>().starts_with("onednn")) names.push_back(p["name"]);
  }
  return names;
}

std::vector<std::string> both_layouts(const std::vector<std::string>& ops) {
  std::vector<std::string> names;
  for (const auto& algorithm : kAlgorithms) {
    for (const auto& op : ops) names.push_back(op + "/" + algorithm);
  }
  return names;
}

struct NamedCaseTester {
  std::string name;
  ConvTester tester;
};

const std::vector<std::string> kAllOps = kOps;
const std::vector<std::string> kConvOps = {"conv1d", "conv2d", "conv2d_col"};
const std::vector<std::string> k2dOps = {"conv2d"};

// The formulations oneDNN computes a case of this kind with.
std::vector<std::string> onednn_ops(CaseKind kind) {
  switch (kind) {
    case CaseKind::pointwise:
      return kAllOps;
    case CaseKind::pointwise_2d:
      return {"conv1d", "conv2d", "conv2d_col", "linear"};
    case CaseKind::grouped_pointwise:
      return {"conv1d", "conv2d", "conv2d_col", "conv2d_hw"};
    case CaseKind::conv1d:
      return kConvOps;
    case CaseKind::conv2d:
      return k2dOps;
  }
  return {};
}

// conveq's own algorithms (and the reference's), which call no library.
bool is_own(const std::string& algorithm) {
  return algorithm == "naive" || algorithm == "im2col" || algorithm == "gemm" ||
         algorithm.starts_with("direct_");
}

// Every path, the plain-layout ones (which run only when named) included.
std::vector<std::string> every_path() {
  return conveq::all_path_names();
}

conveq::RunOptions quick_run(int threads = 2) {
  conveq::RunOptions run;
  run.threads = threads;
  run.warmup = 0;
  run.repeat = 1;
  run.paths = every_path();
  return run;
}

}  // namespace

TEST_CASE("every oneDNN path agrees with the reference within the bound", "[onednn]") {
  if (!require_onednn()) return;
  std::vector<LibraryCase> cases = {
      {"pointwise 1 -> 1 channel, length 1", ConvTester().in(1).out(1).length(1), kAllOps},
      {"even kernel 4, padding same (the odd extra at the end)",
       ConvTester().in(3).out(5).length(23).kernel("4").padding("same"), kConvOps},
      {"2D of height 1, kernel 1x3: conv1d too",
       ConvTester().in(3).out(5).height_width(1, 9).kernel("1,3"), kConvOps},
  };
  for (const ConvCase& c : shared_conv_cases())
    cases.push_back({c.name, c.tester, onednn_ops(c.kind)});
  for (const LibraryCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      // Every comparison passed, none mistrusted.
      const auto report = ConvTester(c.tester).paths(every_path()).Test();
      CHECK(onednn_ran(report) == both_layouts(c.ops));
      for (const auto& name : onednn_ran(report)) {
        INFO(name);
        const nlohmann::json* vs_reference = comparison(report, name, "reference");
        REQUIRE(vs_reference != nullptr);
        const bool exact = c.tester.problem().fill == conveq::Fill::exact;
        CHECK((*vs_reference)["tolerance"]["kind"] == (exact ? "exact" : "rounding_bound"));
      }
    }
  }
}

TEST_CASE("oneDNN's bfloat16 kernels (float32 sums) agree with the reference within the bound",
          "[onednn][bfloat16]") {
  if (!require_onednn()) return;
  for (const ConvCase& c : shared_conv_cases()) {
    if (c.tester.problem().fill == conveq::Fill::exact) continue;  // bfloat16 holds 63 terms
    DYNAMIC_SECTION(c.name) {
      const auto report = ConvTester(c.tester).dtype("bfloat16").paths(every_path()).Test();
      CHECK(onednn_ran(report) == both_layouts(onednn_ops(c.kind)));
      for (const auto& name : onednn_ran(report)) {
        INFO(name);
        const nlohmann::json* vs_reference = comparison(report, name, "reference");
        REQUIRE(vs_reference != nullptr);
        CHECK((*vs_reference)["tolerance"]["kind"] == "rounding_bound");
      }
    }
  }
}

TEST_CASE("oneDNN says why it does not run float16 or bfloat16 sums", "[onednn][bfloat16]") {
  if (!require_onednn()) return;
  const auto half =
      ConvTester().in(5).out(3).length(29).dtype("float16").paths(every_path()).Test();
  const auto same = ConvTester()
                        .in(5)
                        .out(3)
                        .length(29)
                        .dtype("bfloat16")
                        .accumulate("same")
                        .paths(every_path())
                        .Test();
  for (const auto& name : both_layouts(kOps)) {
    INFO(name);
    CHECK(skip_reason(half, name) == "oneDNN 2 has no float16 convolution on this CPU");
    CHECK(skip_reason(same, name) ==
          "oneDNN sums bfloat16 in float32 (--accumulate float32), never in bfloat16");
  }
}

TEST_CASE("the formulations of oneDNN are compared with each other", "[onednn]") {
  if (!require_onednn()) return;
  const auto report = ConvTester().in(3).out(5).length(17).paths(every_path()).Test();
  std::vector<std::pair<std::string, std::string>> twins;
  auto own_or_onednn = [](const std::string& name) {
    const std::string algorithm = name.substr(name.find('/') + 1);
    return is_own(algorithm) || algorithm.starts_with("onednn");
  };
  for (const auto& c : report["comparisons"]) {
    if (c["b"] != "reference" && own_or_onednn(c["a"]) && own_or_onednn(c["b"])) {
      twins.emplace_back(c["a"], c["b"]);
    }
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      // conveq's own twins, unchanged and first.
      {"conv1d/naive", "conv2d/naive"},
      {"conv1d/naive", "conv2d_col/naive"},
      {"conv1d/naive", "conv2d_hw/naive"},
      {"conv1d/im2col", "conv2d/im2col"},
      {"conv1d/im2col", "conv2d_col/im2col"},
      {"conv1d/im2col", "conv2d_hw/im2col"},
      {"linear/gemm", "conv1d/im2col"},
      {"conv1d/onednn", "conv2d/onednn"},
      {"conv1d/onednn", "conv2d_col/onednn"},
      {"conv1d/onednn", "conv2d_hw/onednn"},
      {"linear/onednn", "conv1d/onednn"},
      {"conv1d/onednn_plain", "conv2d/onednn_plain"},
      {"conv1d/onednn_plain", "conv2d_col/onednn_plain"},
      {"conv1d/onednn_plain", "conv2d_hw/onednn_plain"},
      {"linear/onednn_plain", "conv1d/onednn_plain"},
  };
  CHECK(twins == expected);
}

TEST_CASE("conv1d/onednn and conv2d/onednn give the same bits", "[onednn]") {
  // BACKENDS.md: Conv1d and Conv2d on the unsqueezed view are bit-identical in oneDNN 2.6
  // (the same kernel on the same data); this holds here for every case below.
  if (!require_onednn()) return;
  const std::vector<NamedCaseTester> cases = {
      {"pointwise 64 -> 96, length 1000", ConvTester().in(64).out(96).length(1000)},
      {"kernel 3, padding same, 32 -> 48, length 301",
       ConvTester().in(32).out(48).length(301).kernel("3").padding("same")},
      {"stride 2, dilation 3, groups 4",
       ConvTester().in(16).out(8).length(200).kernel("5").stride("2").dilation("3").groups(4)},
      {"depthwise kernel 7", ConvTester().in(32).out(32).groups(32).length(200).kernel("7")},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto report = ConvTester(c.tester).paths(every_path()).Test();
      for (const std::string algorithm : {"onednn", "onednn_plain"}) {
        const auto* twin = comparison(report, "conv1d/" + algorithm, "conv2d/" + algorithm);
        REQUIRE(twin != nullptr);
        CHECK((*twin)["max_abs_error"] == 0.0);
        CHECK((*twin)["max_ulp"] == 0.0);
      }
    }
  }
}

TEST_CASE("the report names the library, its kernel, its layouts and its threads", "[onednn]") {
  if (!require_onednn()) return;
  for (const int threads : {1, 2}) {
    DYNAMIC_SECTION(threads << " threads, with the check that prepares every path again") {
      const Problem p = ConvTester().batch(2).in(16).out(24).length(40).problem();
      conveq::RunOptions run = quick_run(threads);
      run.check_determinism = true;  // prepares and runs each path with another thread count
      const auto report = conveq::run_compare(p, run).report;
      for (const auto& path : report["paths"]) {
        INFO(path["name"].get<std::string>());
        const std::string algorithm = path["algorithm"];
        if (is_own(algorithm)) {
          CHECK_FALSE(path.contains("backend"));  // conveq's own paths and the reference
          continue;
        }
        if (!algorithm.starts_with("onednn")) continue;  // the other libraries' tests
        const auto& backend = path["backend"];
        CHECK(backend["library"] == "oneDNN");
        CHECK(std::regex_match(backend["version"].get<std::string>(),
                               std::regex(R"(\d+\.\d+\.\d+)")));
        CHECK_FALSE(backend["implementation"].get<std::string>().empty());
        CHECK(backend["threads"] == threads);
        for (const char* tensor : {"src", "weights", "dst"}) {
          CHECK_FALSE(backend["layouts"][tensor].get<std::string>().empty());
        }
      }
      // Plain layouts are conveq's own: (N, C, L), (N, C, H, W), (O, I, K...), (N*L, C).
      auto layouts = [&](const std::string& name) {
        const auto& l = (*find_named(report["paths"], name))["backend"]["layouts"];
        return std::vector<std::string>{l["src"], l["weights"], l["dst"]};
      };
      CHECK(layouts("conv1d/onednn_plain") == std::vector<std::string>{"abc", "abc", "abc"});
      CHECK(layouts("conv2d/onednn_plain") == std::vector<std::string>{"abcd", "abcd", "abcd"});
      CHECK(layouts("linear/onednn_plain") == std::vector<std::string>{"ab", "ab", "ab"});
    }
  }
}

TEST_CASE("the checker catches a misconfigured call to oneDNN", "[onednn][broken]") {
  if (!require_onednn()) return;
  for (const auto& [what, mistake] : {std::pair{"padding off by one", &padding_off_by_one},
                                      std::pair{"bias dropped", &bias_dropped}}) {
    DYNAMIC_SECTION(what) {
      const Problem p = ConvTester().in(5).out(7).length(29).kernel("3").padding("same").problem();
      conveq::PathList<float> paths = conveq::all_paths<float>();
      paths.insert(paths.begin(), std::make_unique<MisconfiguredPath>(
                                      conveq::make_onednn_path<float>("conv1d", false), mistake));
      conveq::RunOptions run = quick_run();
      run.paths.push_back("misconfigured/onednn");
      const auto result =
          conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p), std::move(paths));
      CHECK(result.exit_status == conveq::kExitFailed);
      const auto& report = result.report;
      const auto* vs_reference = comparison(report, "misconfigured/onednn", "reference");
      REQUIRE(find_named(report["paths"], "misconfigured/onednn") != nullptr);
      REQUIRE(vs_reference != nullptr);
      CHECK((*vs_reference)["status"] == "failed");
      CHECK((*vs_reference)["mismatches"].get<int64_t>() > 0);
      // As the first onednn formulation it is the twin the others are compared with.
      const auto* vs_twin = comparison(report, "misconfigured/onednn", "conv1d/onednn");
      REQUIRE(vs_twin != nullptr);
      CHECK((*vs_twin)["status"] == "failed");
      // The correctly called paths still pass.
      CHECK((*comparison(report, "conv1d/onednn", "reference"))["status"] == "passed");
      CHECK((*comparison(report, "conv2d_col/onednn_plain", "reference"))["status"] == "passed");
    }
  }
}

TEST_CASE("a oneDNN formulation that does not apply is skipped with its reason", "[onednn]") {
  if (!require_onednn()) return;
  SECTION("float64: oneDNN 2 has none") {
    const auto report =
        ConvTester().in(5).out(3).length(29).dtype("float64").paths(every_path()).Test();
    for (const auto& name : both_layouts(kOps)) {
      CHECK(skip_reason(report, name) ==
            "oneDNN 2 has no float64 convolution or inner product on CPU");
    }
  }
  SECTION("a 2D kernel: conv2d only") {
    const auto report =
        ConvTester().in(3).out(5).height_width(7, 9).kernel("3,3").paths(every_path()).Test();
    for (const std::string& algorithm : kAlgorithms) {
      INFO(algorithm);
      CHECK(skip_reason(report, "conv1d/" + algorithm) ==
            conveq::conv1d_skip_reason(
                ConvTester().in(3).out(5).height_width(7, 9).kernel("3,3").problem()));
      CHECK(skip_reason(report, "conv2d_col/" + algorithm) ==
            skip_reason(report, "conv1d/" + algorithm));
      CHECK(skip_reason(report, "conv2d_hw/" + algorithm) ==
            "a 2D problem is already its own (H, W) view: see conv2d/*");
      CHECK(skip_reason(report, "linear/" + algorithm) ==
            "nn.Linear is a convolution only when it is pointwise (kernel 1, stride 1, no "
            "padding)");
    }
  }
  SECTION("grouped pointwise: no nn.Linear") {
    const auto report = ConvTester().in(4).out(6).groups(2).length(10).Test();
    CHECK(skip_reason(report, "linear/onednn") == "nn.Linear has no groups");
  }
}

TEST_CASE("the oneDNN paths are known in every build", "[onednn]") {
  conveq::RunOptions run = quick_run();
  run.paths = {"conv1d/onednn", "linear/onednn_plain"};
  CHECK_NOTHROW(conveq::validate(run));
  const Problem p = ConvTester().in(3).out(5).length(17).problem();
  const auto report = conveq::run_compare(p, run).report;
  if (conveq::onednn_built()) {
    CHECK(onednn_ran(report) == std::vector<std::string>{"conv1d/onednn", "linear/onednn_plain"});
    CHECK(skip_reason(report, "conv2d/onednn") == "not selected by --paths");
  } else {
    const std::string not_built = "not built: libdnnl-dev was not found at build time";
    CHECK(skip_reason(report, "conv1d/onednn") == not_built);
    CHECK(skip_reason(report, "linear/onednn_plain") == not_built);
    const auto every_path = conveq::run_compare(p, quick_run()).report;
    CHECK(every_path["verdict"]["status"] == "passed");
    for (const auto& name : both_layouts(kOps)) CHECK(skip_reason(every_path, name) == not_built);
  }
}

TEST_CASE("the plain-layout oneDNN paths run only when --paths names them", "[onednn]") {
  if (!require_onednn()) return;
  const Problem p = ConvTester().in(3).out(5).length(17).problem();
  conveq::RunOptions run = quick_run();
  run.paths.clear();
  const auto by_default = conveq::run_compare(p, run).report;
  std::vector<std::string> preferred;
  for (const auto& op : kOps) preferred.push_back(op + "/onednn");
  CHECK(onednn_ran(by_default) == preferred);
  for (const auto& op : kOps) {
    CHECK(skip_reason(by_default, op + "/onednn_plain") ==
          "runs only when --paths names it: oneDNN in conveq's plain layouts, where it uses its "
          "GEMM-based kernel");
  }
  run.paths = {"conv1d/onednn_plain", "conv2d/onednn_plain"};
  const auto named = conveq::run_compare(p, run).report;
  CHECK(onednn_ran(named) == run.paths);
  CHECK(comparison(named, "conv1d/onednn_plain", "conv2d/onednn_plain") != nullptr);
}

TEST_CASE("an unavailable path is always skipped and refuses to run", "[onednn]") {
  const auto path = conveq::make_unavailable_path<float>("conv1d", "somelib", "not built: test");
  const Problem p = ConvTester().in(3).out(5).length(17).problem();
  CHECK(path->name() == "conv1d/somelib");
  CHECK(path->skip_reason(p) == "not built: test");
  CHECK_FALSE(path->backend().has_value());
  const auto data = conveq::fill_data<float>(p);
  CHECK_THROWS_AS(path->prepare(p, data, 1), std::logic_error);
}

TEST_CASE("BLAS gives the same bits after its threads were parked and resumed", "[onednn]") {
  // The session parks OpenBLAS's spinning threads while a library's paths are timed.
  const int64_t n = 192;
  std::vector<float> a(static_cast<size_t>(n * n)), b(a.size()), before(a.size()), after(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(i % 7) - 3.0f;
    b[i] = 0.25f * static_cast<float>(i % 5);
  }
  conveq::use_gemm_provider(conveq::GemmProvider::openblas, 2);
  conveq::gemm(false, false, n, n, n, a.data(), n, b.data(), n, false, before.data(), n);
  conveq::park_blas_threads();
  conveq::resume_blas_threads();
  conveq::set_blas_threads(2);
  conveq::gemm(false, false, n, n, n, a.data(), n, b.data(), n, false, after.data(), n);
  CHECK(before == after);
  CHECK(before[0] != 0.0f);
}
