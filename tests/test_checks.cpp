// --check-determinism and --check-batch-invariance against paths that break them on purpose.
#include <catch2/catch.hpp>
#include <cmath>

#include "conv_tester.hpp"
#include "conveq/core/error.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/session/session.hpp"

namespace {

// Wraps conv1d/naive and damages its output in a way chosen by `damage`.
class MisbehavingPath final : public conveq::Path<float> {
 public:
  enum class Kind { flips_every_run, depends_on_threads, depends_on_batch };
  explicit MisbehavingPath(Kind kind) : kind_(kind), inner_(conveq::make_conv1d_naive<float>()) {}
  std::string op() const override { return "misbehaving"; }
  std::string algorithm() const override { return "naive"; }
  bool is_rank1() const override { return true; }
  std::string skip_reason(const conveq::Problem&) const override { return ""; }
  conveq::ConvGeometry geometry(const conveq::Problem& p) const override {
    return conveq::conv1d_view(p);
  }
  void prepare(const conveq::Problem& p, const conveq::ConvData<float>& data,
               int threads) override {
    threads_ = threads;
    batch_ = p.batch;
    inner_->prepare(p, data, threads);
  }
  void run(float* output) override {
    inner_->run(output);
    ++runs_;
    // Each damage is one ULP: far inside the rounding bound, so only the checks see it.
    bool damage = false;
    if (kind_ == Kind::flips_every_run) damage = runs_ % 2 == 0;
    if (kind_ == Kind::depends_on_threads) damage = threads_ == 1;
    if (kind_ == Kind::depends_on_batch) damage = batch_ == 1;
    if (damage) output[3] = std::nextafter(output[3], 1e30f);
  }

 private:
  Kind kind_;
  std::unique_ptr<conveq::Path<float>> inner_;
  int threads_ = 1;
  int64_t batch_ = 1;
  int runs_ = 0;
};

conveq::SessionResult run_with(MisbehavingPath::Kind kind, bool determinism, bool batch) {
  const conveq::Problem p = ConvTester().batch(3).in(8).out(6).length(20).problem();
  conveq::PathList<float> paths;
  paths.push_back(std::make_unique<MisbehavingPath>(kind));
  paths.push_back(conveq::make_conv1d_im2col<float>());
  conveq::RunOptions run;
  run.threads = 2;
  run.warmup = 0;
  run.repeat = 1;
  run.check_determinism = determinism;
  run.check_batch_invariance = batch;
  return conveq::run_compare_on<float>(p, run, conveq::fill_data<float>(p), std::move(paths));
}

const nlohmann::json& entry(const nlohmann::json& section, const std::string& name) {
  for (const auto& p : section["paths"]) {
    if (p["name"] == name) return p;
  }
  FAIL("no entry for " << name);
  static nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("a path that changes from run to run is caught by --check-determinism",
          "[checks][determinism]") {
  using Kind = MisbehavingPath::Kind;
  // Without the check, one ULP is within the bound: the comparisons pass.
  CHECK(run_with(Kind::flips_every_run, false, false).exit_status == conveq::kExitPassed);
  const auto result = run_with(Kind::flips_every_run, true, false);
  CHECK(result.exit_status == conveq::kExitFailed);
  const auto& d = result.report["determinism"];
  CHECK(d["identical"] == false);
  CHECK(entry(d, "misbehaving/naive")["rerun_differing_elements"] == 1);
  CHECK(entry(d, "conv1d/im2col")["identical"] == true);
  CHECK(result.report["verdict"]["status"] == "failed");
  CHECK(result.report["verdict"]["summary"].get<std::string>().find("not deterministic") !=
        std::string::npos);
}

TEST_CASE("a path that depends on the thread count is caught by --check-determinism",
          "[checks][determinism]") {
  const auto result = run_with(MisbehavingPath::Kind::depends_on_threads, true, false);
  CHECK(result.exit_status == conveq::kExitFailed);
  const auto& e = entry(result.report["determinism"], "misbehaving/naive");
  CHECK(e["rerun_differing_elements"] == 0);
  CHECK(e["other_threads_differing_elements"] == 1);
}

TEST_CASE("a path that depends on the batch size is caught by --check-batch-invariance",
          "[checks][batch]") {
  const auto result = run_with(MisbehavingPath::Kind::depends_on_batch, false, true);
  CHECK(result.exit_status == conveq::kExitFailed);
  const auto& b = result.report["batch_invariance"];
  CHECK(b["identical"] == false);
  const auto& e = entry(b, "misbehaving/naive");
  CHECK(e["differing_elements"] == 3);  // element 3 of each sample computed alone
  CHECK(e["differing_samples"] == std::vector<int>{0, 1, 2});
  CHECK(entry(b, "conv1d/im2col")["identical"] == true);
  CHECK(result.report["determinism"].is_null());
}

TEST_CASE("the real paths are deterministic and batch-invariant on a general problem", "[checks]") {
  const conveq::Problem p =
      ConvTester().batch(2).in(6).out(4).length(33).kernel("3").padding("same").problem();
  conveq::RunOptions run;
  run.warmup = 0;
  run.repeat = 1;
  run.check_determinism = true;
  run.check_batch_invariance = true;
  const auto result = conveq::run_compare(p, run);
  CHECK(result.report["determinism"]["identical"] == true);
  CHECK(result.report["batch_invariance"]["identical"] == true);
  CHECK(result.exit_status == conveq::kExitPassed);
}
