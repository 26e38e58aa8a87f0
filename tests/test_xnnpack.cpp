// The XNNPACK paths: against the reference within the bound on odd sizes and every parameter,
// the formulations against each other, what the report says about the library, a
// deliberately misconfigured XNNPACK call that the checker must catch, the skip reasons, and
// the run-level checks over them. In a build without XNNPACK the tests that need it pass
// with a warning, and the paths must be listed as not built.
#include <catch2/catch.hpp>

#include "conv_cases.hpp"
#include "conv_tester.hpp"
#include "conveq/core/error.hpp"
#include "conveq/io/tensor_files.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/session/session.hpp"
#include "library_paths.hpp"

using conveq::Problem;

namespace {

const std::vector<std::string> kOps = {"conv2d", "conv2d_col", "conv2d_hw", "linear"};

std::vector<std::string> xnnpack_paths(const std::vector<std::string>& ops) {
  return path_names(ops, "xnnpack");
}

std::vector<std::string> ran_xnnpack(const nlohmann::json& report) {
  return ran_paths(report, "xnnpack");
}

const std::vector<std::string> kConvOps = {"conv2d", "conv2d_col"};

// The formulations XNNPACK computes a case of this kind with (NHWC only: no conv1d).
std::vector<std::string> xnnpack_ops(CaseKind kind) {
  switch (kind) {
    case CaseKind::pointwise:
      return kOps;
    case CaseKind::pointwise_2d:
      return {"conv2d", "conv2d_col", "linear"};
    case CaseKind::grouped_pointwise:
      return {"conv2d", "conv2d_col", "conv2d_hw"};
    case CaseKind::conv1d:
      return kConvOps;
    case CaseKind::conv2d:
      return {"conv2d"};
  }
  return {};
}

}  // namespace

TEST_CASE("every XNNPACK path agrees with the reference within the bound", "[xnnpack]") {
  if (!require_backend("xnnpack")) return;
  std::vector<LibraryCase> cases = {
      {"depthwise pointwise with a channel multiplier of 2",
       ConvTester().in(6).out(12).length(19).groups(6),
       {"conv2d", "conv2d_col", "conv2d_hw"}},
  };
  for (const ConvCase& c : shared_conv_cases())
    cases.push_back({c.name, c.tester, xnnpack_ops(c.kind)});
  for (const LibraryCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      // Test(): every comparison passed, none mistrusted.
      const auto report = ConvTester(c.tester).paths(with_own_paths(xnnpack_paths(kOps))).Test();
      CHECK(ran_xnnpack(report) == xnnpack_paths(c.ops));
      for (const auto& name : ran_xnnpack(report)) {
        INFO(name);
        CHECK(comparison(report, name, "reference") != nullptr);
      }
    }
  }
}

TEST_CASE("XNNPACK's views of a pointwise Conv1d give the same bits", "[xnnpack]") {
  // BACKENDS.md: the (1, L), (L, 1) and folded views are bit-identical for pointwise kernels
  // (one GEMM over the same (N*L, C) rows).
  if (!require_backend("xnnpack")) return;
  const auto report =
      ConvTester().batch(2).in(64).out(96).length(1000).paths(xnnpack_paths(kOps)).Test();
  const std::vector<std::pair<std::string, std::string>> twins = {
      {"conv2d/xnnpack", "conv2d_col/xnnpack"},
      {"conv2d/xnnpack", "conv2d_hw/xnnpack"},
      {"linear/xnnpack", "conv2d/xnnpack"}};
  for (const auto& [a, b] : twins) {
    INFO(a << " vs " << b);
    const auto* twin = comparison(report, a, b);
    REQUIRE(twin != nullptr);
    CHECK((*twin)["max_abs_error"] == 0.0);
  }
}

TEST_CASE("the report names XNNPACK, its layouts and its threads", "[xnnpack]") {
  if (!require_backend("xnnpack")) return;
  for (const int threads : {1, 2}) {
    DYNAMIC_SECTION(threads << " threads") {
      const Problem p = ConvTester().batch(2).in(16).out(24).length(40).problem();
      conveq::RunOptions run;
      run.threads = threads;
      run.warmup = 0;
      run.repeat = 1;
      run.paths = xnnpack_paths(kOps);  // the folded view and Linear run only when named
      const auto report = conveq::run_compare(p, run).report;
      CHECK(ran_xnnpack(report) == xnnpack_paths(kOps));
      for (const auto& path : report["paths"]) {
        if (path["algorithm"] != "xnnpack") continue;
        INFO(path["name"].get<std::string>());
        const auto& backend = path["backend"];
        CHECK(backend["library"] == "XNNPACK");
        CHECK_FALSE(backend["version"].get<std::string>().empty());
        CHECK(backend["implementation"].get<std::string>().find("does not name the microkernel") !=
              std::string::npos);
        CHECK(backend["threads"] == threads);
        const bool linear = path["op"] == "linear";
        CHECK(backend["layouts"]["src"] == (linear ? "NC" : "NHWC"));
        CHECK(backend["layouts"]["weights"] == (linear ? "OI" : "OHWI"));
      }
    }
  }
}

TEST_CASE("the checker catches a misconfigured call to XNNPACK", "[xnnpack][broken]") {
  if (!require_backend("xnnpack")) return;
  for (const auto& [what, mistake] : {std::pair{"padding off by one", &padding_off_by_one},
                                      std::pair{"bias dropped", &bias_dropped}}) {
    DYNAMIC_SECTION(what) {
      const Problem p = ConvTester().in(5).out(7).length(29).kernel("3").padding("same").problem();
      conveq::PathList<float> paths = conveq::all_paths<float>();
      paths.insert(paths.begin(), std::make_unique<MisconfiguredPath>(
                                      conveq::make_xnnpack_path<float>("conv2d"), mistake));
      conveq::RunOptions run;
      run.warmup = 0;
      run.repeat = 1;
      run.paths = {"misconfigured/xnnpack", "conv2d/xnnpack", "conv2d_col/xnnpack"};
      const auto result =
          conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p), std::move(paths));
      CHECK(result.exit_status == conveq::kExitFailed);
      const auto& report = result.report;
      const auto* vs_reference = comparison(report, "misconfigured/xnnpack", "reference");
      REQUIRE(vs_reference != nullptr);
      CHECK((*vs_reference)["status"] == "failed");
      // As the first xnnpack formulation it is the twin the others are compared with.
      const auto* vs_twin = comparison(report, "misconfigured/xnnpack", "conv2d/xnnpack");
      REQUIRE(vs_twin != nullptr);
      CHECK((*vs_twin)["status"] == "failed");
      CHECK((*comparison(report, "conv2d_col/xnnpack", "reference"))["status"] == "passed");
    }
  }
}

TEST_CASE("an XNNPACK formulation that does not apply is skipped with its reason", "[xnnpack]") {
  if (!require_backend("xnnpack")) return;
  SECTION("float64: XNNPACK has none") {
    const auto report = ConvTester()
                            .in(5)
                            .out(3)
                            .length(29)
                            .dtype("float64")
                            .paths(with_own_paths(xnnpack_paths(kOps)))
                            .Test();
    for (const auto& name : xnnpack_paths(kOps)) {
      CHECK(skip_reason(report, name) == "XNNPACK has no float64 operators");
    }
  }
  SECTION("a 2D kernel: conv2d only") {
    const ConvTester t = ConvTester().in(3).out(5).height_width(7, 9).kernel("3,3");
    const auto report = ConvTester(t).paths(with_own_paths(xnnpack_paths(kOps))).Test();
    CHECK(skip_reason(report, "conv2d_col/xnnpack") == conveq::conv1d_skip_reason(t.problem()));
    CHECK(skip_reason(report, "conv2d_hw/xnnpack") ==
          "a 2D problem is already its own (H, W) view: see conv2d/*");
    CHECK(skip_reason(report, "linear/xnnpack").starts_with("nn.Linear is a convolution only"));
  }
}

TEST_CASE("the run-level checks cover the XNNPACK paths", "[xnnpack][checks]") {
  if (!require_backend("xnnpack")) return;
  const Problem p = ConvTester().batch(3).in(16).out(24).length(40).kernel("3").problem();
  conveq::RunOptions run;
  run.threads = 2;
  run.warmup = 0;
  run.repeat = 1;
  run.backends = {"xnnpack"};
  run.check_determinism = true;
  run.check_batch_invariance = true;
  const auto report = conveq::run_compare(p, run).report;
  std::vector<std::string> determinism, batch_invariance;
  for (const auto& path : report["determinism"]["paths"]) {
    if (path["name"].get<std::string>().ends_with("/xnnpack")) determinism.push_back(path["name"]);
  }
  for (const auto& path : report["batch_invariance"]["paths"]) {
    if (path["name"].get<std::string>().ends_with("/xnnpack")) {
      batch_invariance.push_back(path["name"]);
    }
  }
  CHECK(determinism == xnnpack_paths(kConvOps));
  CHECK(batch_invariance == xnnpack_paths(kConvOps));
}

TEST_CASE("XNNPACK turns a NaN output into -inf, and the checker fails it", "[xnnpack]") {
  // Its operators clamp every output to [output_min, output_max], here [-inf, +inf]; the clamp
  // (a max, then a min) does not keep NaN. A model with a NaN activation sees -inf instead.
  if (!require_backend("xnnpack")) return;
  const std::string dir = std::string(CONVEQ_SOURCE_DIR) + "/tests/data/verdict/all_nan/";
  conveq::TensorFileOptions files;
  files.input = dir + "input.npy";
  files.weight = dir + "weight.npy";
  conveq::ProblemOptions options;
  const auto [p, tensors] = conveq::load_tensor_files(files, options, {});
  conveq::RunOptions run;
  run.warmup = 0;
  run.repeat = 1;
  run.compare.equal_nan = true;
  run.backends = {"xnnpack"};
  const auto result = conveq::run_compare(p, run, &tensors);
  CHECK(result.exit_status == conveq::kExitFailed);
  for (const auto& path : result.report["paths"]) {
    const auto& nonfinite = path["output_nonfinite"];
    INFO(path["name"].get<std::string>());
    if (path["algorithm"] == "xnnpack") {
      CHECK(nonfinite["nan"] == 0);
      CHECK(nonfinite["negative_inf"].get<int64_t>() > 0);
    } else {
      CHECK(nonfinite["negative_inf"] == 0);
    }
  }
  const auto* vs_reference = comparison(result.report, "conv2d/xnnpack", "reference");
  REQUIRE(vs_reference != nullptr);
  CHECK((*vs_reference)["status"] == "failed");
}

TEST_CASE("the XNNPACK paths are known in every build", "[xnnpack]") {
  const Problem p = ConvTester().in(3).out(5).length(17).problem();
  conveq::RunOptions run;
  run.warmup = 0;
  run.repeat = 1;
  run.paths = {"conv2d/xnnpack", "linear/xnnpack"};
  const auto report = conveq::run_compare(p, run).report;
  if (conveq::find_backend("xnnpack")->not_built.empty()) {
    CHECK(ran_xnnpack(report) == run.paths);
  } else {
    const std::string not_built =
        "not built: libxnnpack-dev or libpthreadpool-dev was not found at build time";
    CHECK(skip_reason(report, "conv2d/xnnpack") == not_built);
    CHECK(skip_reason(report, "linear/xnnpack") == not_built);
  }
}
