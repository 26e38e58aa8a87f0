// Golden cases computed by PyTorch (scripts/make_goldens.py, float64 F.conv1d/F.conv2d on
// float32 data), read from data/goldens/ without needing PyTorch: every applicable path and
// the reference must agree with them, and conveq's padding rules must match PyTorch's.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "conveq/check/bound.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/check/reference.hpp"
#include "conveq/io/npy.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace {

const std::filesystem::path kGoldens = std::filesystem::path(CONVEQ_SOURCE_DIR) / "data/goldens";

std::string pair_text(const nlohmann::json& pair, int rank) {
  const int64_t h = pair[0], w = pair[1];
  return rank == 1 ? std::to_string(w) : std::to_string(h) + "," + std::to_string(w);
}

conveq::Problem problem_of(const nlohmann::json& c) {
  conveq::ProblemOptions o;
  const int rank = c["rank"];
  o.batch = std::to_string(c["batch"].get<int64_t>());
  o.in_channels = std::to_string(c["in_channels"].get<int64_t>());
  o.out_channels = std::to_string(c["out_channels"].get<int64_t>());
  o.groups = std::to_string(c["groups"].get<int64_t>());
  if (rank == 1) {
    o.length = std::to_string(c["length"].get<int64_t>());
  } else {
    o.height = std::to_string(c["height"].get<int64_t>());
    o.width = std::to_string(c["width"].get<int64_t>());
  }
  o.kernel = pair_text(c["kernel"], rank);
  o.stride = pair_text(c["stride"], rank);
  o.dilation = pair_text(c["dilation"], rank);
  o.padding = c["padding_spec"];
  o.no_bias = !c["bias"].get<bool>();
  return conveq::make_problem(o);
}

template <size_t N>
xt::xtensor<float, N> load(const std::filesystem::path& file, std::array<size_t, N> shape) {
  const auto array = conveq::npy::read_file(file.string());
  auto tensor = xt::xtensor<float, N>::from_shape(shape);
  REQUIRE(static_cast<size_t>(array.element_count()) == tensor.size());
  std::transform(array.values.begin(), array.values.end(), tensor.begin(),
                 [](double v) { return static_cast<float>(v); });
  return tensor;
}

// One golden case, read from its folder: the reference and every applicable path against
// PyTorch's output.
void check_golden(const nlohmann::json& c) {
  const std::string name = c["name"];
  const conveq::Problem p = problem_of(c);
  // conveq's padding and output size are PyTorch's.
  CHECK(std::vector<int64_t>{p.pad_top, p.pad_bottom, p.pad_left, p.pad_right} ==
        c["padding"].get<std::vector<int64_t>>());
  CHECK(p.output_shape() == c["output_shape"].get<std::vector<int64_t>>());

  const auto dir = kGoldens / name;
  conveq::ConvData<float> data;
  data.input = load<4>(dir / "input.npy",
                       {size_t(p.batch), size_t(p.in_channels), size_t(p.height), size_t(p.width)});
  data.weight =
      load<4>(dir / "weight.npy", {size_t(p.out_channels), size_t(p.in_channels_per_group()),
                                   size_t(p.kernel_h), size_t(p.kernel_w)});
  data.bias = p.has_bias ? load<1>(dir / "bias.npy", {size_t(p.out_channels)})
                         : xt::xtensor<float, 1>::from_shape({0});
  const auto golden = conveq::npy::read_file((dir / "output.npy").string());
  REQUIRE(golden.element_count() == p.output_elements());

  conveq::ReferenceOutput reference;
  conveq::compute_reference(p, data, 2, reference);
  auto compare = [&](const std::string& a_name, std::span<const double> a,
                     const conveq::Tolerance& tolerance) {
    conveq::CompareInput in;
    in.a_name = a_name;
    in.b_name = "pytorch";
    in.a = a;
    in.b = golden.values;
    in.scale = std::span<const double>(reference.scale.data(), reference.scale.size());
    in.shape = p.output_shape();
    in.dtype = conveq::DType::float64;
    in.tolerance = tolerance;
    return conveq::compare_outputs(in, {});
  };
  // The reference and PyTorch both sum float32 data in float64: 2 gamma_n(2^-53) apart.
  conveq::Tolerance both_float64 = conveq::user_tolerance(0, 0);
  both_float64.kind = conveq::ToleranceKind::rounding_bound;
  both_float64.scale_factor = 2 * conveq::gamma(p.reduction_length() + 1, 0x1p-53);
  const auto r =
      compare("reference", {reference.value.data(), reference.value.size()}, both_float64);
  CHECK(r.mismatches == 0);

  int paths_run = 0, onednn_paths_run = 0;
  for (auto& path : conveq::all_paths<float>()) {
    if (!path->skip_reason(p).empty()) continue;
    INFO(path->name());
    std::vector<float> out(static_cast<size_t>(p.output_elements()),
                           std::numeric_limits<float>::quiet_NaN());
    path->prepare(p, data, 2);
    path->run(out.data());
    path->finish(out.data());
    const std::vector<double> as_double(out.begin(), out.end());
    const auto result = compare(path->name(), as_double, conveq::path_vs_reference_tolerance(p));
    CHECK(result.mismatches == 0);
    CHECK(result.bound_utilisation <= 1.0);
    ++paths_run;
    if (path->algorithm().starts_with("onednn")) ++onednn_paths_run;
  }
  CHECK(paths_run >= 2);
  // conv2d/onednn applies to every case, in both layouts.
  if (conveq::onednn_built()) CHECK(onednn_paths_run >= 2);
}

}  // namespace

TEST_CASE("every path agrees with PyTorch's goldens", "[goldens]") {
  std::ifstream file(kGoldens / "cases.json");
  REQUIRE(file.good());
  const auto cases = nlohmann::json::parse(file);
  REQUIRE(cases.size() >= 12);
  for (const auto& c : cases) {
    DYNAMIC_SECTION("golden " << c["name"].get<std::string>()) {
      check_golden(c);
    }
  }
}
