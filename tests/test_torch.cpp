// The LibTorch paths (through the plugin libconveq_torch.so): against the reference within the
// bound, float64 included; Conv1d against Conv2d; what the report says about LibTorch and the
// backend it chose; its dependence on the thread count, which --check-determinism must show;
// a deliberately misconfigured call the checker must catch; and that runs which do not select
// LibTorch never load it. In a build without LibTorch the tests that need it pass with a
// warning, and the paths must be listed as not built.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "cli_runner.hpp"
#include "conv_cases.hpp"
#include "conv_tester.hpp"
#include "conveq/core/error.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/session/session.hpp"
#include "library_paths.hpp"

using conveq::Problem;

namespace {

const std::vector<std::string> kOps = {"conv1d", "conv2d", "conv2d_col", "linear"};
const std::vector<std::string> kConvOps = {"conv1d", "conv2d", "conv2d_col"};

std::vector<std::string> torch_paths(const std::vector<std::string>& ops) {
  return path_names(ops, "torch");
}

std::vector<std::string> ran_torch(const nlohmann::json& report) {
  return ran_paths(report, "torch");
}

conveq::RunOptions torch_run(int threads) {
  conveq::RunOptions run;
  run.threads = threads;
  run.warmup = 0;
  run.repeat = 1;
  run.backends = {"torch"};
  return run;
}

// The formulations LibTorch computes a case of this kind with (its Linear has no groups).
std::vector<std::string> torch_ops(CaseKind kind) {
  switch (kind) {
    case CaseKind::pointwise:
    case CaseKind::pointwise_2d:
      return kOps;
    case CaseKind::grouped_pointwise:
    case CaseKind::conv1d:
      return kConvOps;
    case CaseKind::conv2d:
      return {"conv2d"};
  }
  return {};
}

}  // namespace

TEST_CASE("every LibTorch path agrees with the reference within the bound", "[torch]") {
  if (!require_backend("torch")) return;
  std::vector<LibraryCase> cases = {
      {"pointwise 23 -> 19 channels, length 37, batch 2, no bias",
       ConvTester().batch(2).in(23).out(19).length(37).no_bias(), kOps},
      {"pointwise float64", ConvTester().in(5).out(3).length(29).dtype("float64"), kOps},
      {"2D stride 2,1, dilation 1,2, padding 1,2, groups 2, float64",
       strided_2d_case().dtype("float64"),
       {"conv2d"}},
  };
  for (const ConvCase& c : shared_conv_cases())
    cases.push_back({c.name, c.tester, torch_ops(c.kind)});
  for (const LibraryCase& c : cases) {
    DYNAMIC_SECTION(c.name) {
      // Test(): every comparison passed, none mistrusted.
      const auto report = ConvTester(c.tester).paths(with_own_paths(torch_paths(kOps))).Test();
      CHECK(ran_torch(report) == torch_paths(c.ops));
    }
  }
}

TEST_CASE("LibTorch's Conv1d and Conv2d give the same bits at a fixed thread count", "[torch]") {
  // BACKENDS.md: at::conv1d runs as at::conv2d on the unsqueezed view.
  if (!require_backend("torch")) return;
  for (const auto& tester : {ConvTester().in(64).out(96).length(1000),
                             ConvTester().in(32).out(48).length(301).kernel("3").padding("same")}) {
    const auto report = ConvTester(tester).paths(torch_paths(kConvOps)).Test();
    const auto* twin = comparison(report, "conv1d/torch", "conv2d/torch");
    REQUIRE(twin != nullptr);
    CHECK((*twin)["max_abs_error"] == 0.0);
  }
}

TEST_CASE("the report names LibTorch, the backend it chose and its threads", "[torch]") {
  if (!require_backend("torch")) return;
  const Problem p = ConvTester().batch(2).in(16).out(24).length(40).problem();
  std::map<int, std::string> conv1d_implementation;
  for (const int threads : {1, 2}) {
    const auto report = conveq::run_compare(p, torch_run(threads)).report;
    REQUIRE(ran_torch(report) == torch_paths(kOps));
    for (const auto& path : report["paths"]) {
      if (path["algorithm"] != "torch") continue;
      INFO(path["name"].get<std::string>() << " at " << threads << " threads");
      const auto& backend = path["backend"];
      CHECK(backend["library"] == "LibTorch");
      CHECK_FALSE(backend["version"].get<std::string>().empty());
      CHECK(backend["threads"] == threads);
      const std::string implementation = backend["implementation"];
      CHECK(implementation.find("oneDNN") != std::string::npos);
      if (path["op"] == "linear") {
        CHECK(implementation.starts_with("at::linear"));
        CHECK(backend["layouts"]["src"] == "NC");
      } else {
        CHECK(implementation.find(", by select_conv_backend") != std::string::npos);
      }
    }
    conv1d_implementation[threads] =
        (*find_named(report["paths"], "conv1d/torch"))["backend"]["implementation"];
  }
  // BACKENDS.md: a pointwise shape runs oneDNN at 2 threads and Slow2d at 1, when LibTorch has
  // oneDNN enabled.
  if (conv1d_implementation[2].find("oneDNN on") != std::string::npos) {
    CHECK(conv1d_implementation[2].starts_with("Mkldnn"));
    CHECK(conv1d_implementation[1].starts_with("Slow2d"));
  }
}

TEST_CASE("the run-level checks cover the LibTorch paths and show their thread dependence",
          "[torch][checks]") {
  if (!require_backend("torch")) return;
  // Pointwise, large enough that LibTorch's two kernels (oneDNN at 2 threads, Slow2d at 1)
  // round differently somewhere.
  const Problem p = ConvTester().batch(2).in(64).out(64).length(512).problem();
  conveq::RunOptions run = torch_run(2);
  run.check_determinism = true;
  run.check_batch_invariance = true;
  const auto report = conveq::run_compare(p, run).report;
  for (const auto& name : torch_paths(kOps)) {
    INFO(name);
    const auto* determinism = find_named(report["determinism"]["paths"], name);
    REQUIRE(determinism != nullptr);
    CHECK((*determinism)["rerun_differing_elements"] == 0);  // the same call again: same bits
    CHECK(find_named(report["batch_invariance"]["paths"], name) != nullptr);
  }
  const auto implementation =
      (*find_named(report["paths"], "conv1d/torch"))["backend"]["implementation"]
          .get<std::string>();
  if (implementation.starts_with("Mkldnn")) {
    // Another kernel at 1 thread: the determinism check must see the difference.
    const auto* conv1d = find_named(report["determinism"]["paths"], "conv1d/torch");
    CHECK((*conv1d)["other_threads_differing_elements"].get<int64_t>() > 0);
    CHECK(report["determinism"]["identical"] == false);
  }
}

TEST_CASE("the checker catches a misconfigured call to LibTorch", "[torch][broken]") {
  if (!require_backend("torch")) return;
  const Problem p = ConvTester().in(5).out(7).length(29).kernel("3").padding("same").problem();
  conveq::PathList<float> paths = conveq::all_paths<float>();
  // Without its bias: LibTorch's padding is symmetric or 'same', so the padding mistake of the
  // other libraries' tests would not even run.
  paths.insert(paths.begin(), std::make_unique<MisconfiguredPath>(
                                  conveq::make_torch_path<float>("conv1d"), bias_dropped));
  conveq::RunOptions run = torch_run(2);
  run.paths = {"misconfigured/torch", "conv1d/torch", "conv2d/torch"};
  const auto result =
      conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p), std::move(paths));
  CHECK(result.exit_status != conveq::kExitPassed);
  const auto* vs_reference = comparison(result.report, "misconfigured/torch", "reference");
  REQUIRE(vs_reference != nullptr);
  CHECK((*vs_reference)["status"] == "failed");
  CHECK((*comparison(result.report, "conv1d/torch", "reference"))["status"] == "passed");
}

TEST_CASE("LibTorch runs only when --backends or --paths names it", "[torch]") {
  const Problem p = ConvTester().in(3).out(5).length(17).problem();
  conveq::RunOptions run = torch_run(2);
  run.backends.reset();
  const auto by_default = conveq::run_compare(p, run).report;
  CHECK(ran_torch(by_default).empty());
  const std::string opt_in = conveq::find_backend("torch")->not_built.empty()
                                 ? conveq::find_backend("torch")->opt_in
                                 : conveq::find_backend("torch")->not_built;
  for (const auto& name : torch_paths(kOps)) CHECK(skip_reason(by_default, name) == opt_in);
  if (!require_backend("torch")) return;
  run.paths = {"linear/torch", "conv1d/naive"};
  CHECK(ran_torch(conveq::run_compare(p, run).report) == std::vector<std::string>{"linear/torch"});
  run.paths.clear();
  run.backends = std::vector<std::string>{"torch", "onednn"};
  const auto named = conveq::run_compare(p, run).report;
  CHECK(ran_torch(named) == torch_paths(kOps));
  CHECK(skip_reason(named, "conv2d/xnnpack") == "not selected by --backends torch,onednn");
}

namespace {

// The shared libraries a conveq command loads (LD_DEBUG=files), as its stderr lists them.
std::string loaded_libraries(const std::string& arguments) {
  const auto dir = fresh_directory("torch_load");
  const std::string err = (dir / "err").string();
  const std::string command =
      "LD_DEBUG=files " + std::string(CONVEQ_BINARY) + " " + arguments + " >/dev/null 2>" + err;
  CHECK(std::system(command.c_str()) == 0);
  return read_text(err);
}

}  // namespace

TEST_CASE("a run that selects no torch path never loads LibTorch", "[torch][cli]") {
  if (!require_backend("torch")) return;
  const std::string problem = "compare --in 4 --out 4 --length 8 --repeat 1 --warmup 0 ";
  CHECK(loaded_libraries(problem).find("libtorch_cpu") == std::string::npos);
  CHECK(loaded_libraries("paths").find("libtorch_cpu") == std::string::npos);
  CHECK(loaded_libraries(problem + "--backends torch").find("libtorch_cpu") != std::string::npos);
}
