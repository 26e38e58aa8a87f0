// float16 and bfloat16 working dtypes (--dtype, --accumulate): every conveq path computes in the
// format (bit for bit the direct definition with --accumulate same), the data are the format's,
// the smoke suite passes in both formats and both accumulation modes (--fill exact bit-exact), the
// precision rule reads float16 sums where float32 sums were claimed, and .npy files keep and
// write the formats ('<f2', ml_dtypes' '<V2').
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <tuple>

#include "cli_runner.hpp"
#include "conveq/core/error.hpp"
#include "conveq/core/fill.hpp"
#include "conveq/io/npy.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/paths/run.hpp"
#include "conveq/paths/storage_format.hpp"
#include "conveq/suite/suite.hpp"
#include "misconfigured_path.hpp"

namespace {

namespace fs = std::filesystem;
using conveq::HalfFormat;
using json = nlohmann::json;
const fs::path kSource = CONVEQ_SOURCE_DIR;

conveq::Problem half_problem(const std::string& dtype, const std::string& accumulate,
                             const std::string& kernel, const std::string& padding,
                             const std::string& stride, int64_t groups) {
  conveq::ProblemOptions o;
  o.in_channels = "12";
  o.out_channels = "10";
  o.length = "57";
  o.kernel = kernel;
  o.padding = padding;
  o.stride = stride;
  o.dilation = kernel == "1" ? "1" : "2";
  o.groups = std::to_string(groups);
  o.dtype = dtype;
  o.accumulate = accumulate;
  return conveq::make_problem(o);
}

// The definition of a 1D convolution in the format with every operation rounded: the bias,
// then channel by channel, tap by tap, each product and each sum rounded (`round_each` false:
// the deliberately wrong emulation that sums in float32 and rounds once at the end).
std::vector<float> direct_in_format(const conveq::Problem& p, const conveq::ConvData<float>& d,
                                    HalfFormat format, bool round_each = true) {
  std::vector<float> out;
  const int64_t cin_g = p.in_channels_per_group(), cout_g = p.out_channels_per_group();
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t o = 0; o < p.out_channels; ++o) {
      for (int64_t l = 0; l < p.out_width(); ++l) {
        float acc = p.has_bias ? d.bias(o) : 0.0f;
        for (int64_t c = 0; c < cin_g; ++c) {
          for (int64_t k = 0; k < p.kernel_w; ++k) {
            const int64_t i = l * p.stride_w + k * p.dilation_w - p.pad_left;
            if (i < 0 || i >= p.width) continue;
            const float w = d.weight(o, c, 0, k);
            const float x = d.input(n, (o / cout_g) * cin_g + c, 0, i);
            acc = round_each ? conveq::half_add(format, acc, conveq::half_mul(format, w, x))
                             : acc + w * x;
          }
        }
        out.push_back(round_each ? acc : conveq::round_to(format, acc));
      }
    }
  }
  return out;
}

// A deliberately broken path: conv1d/naive told the problem sums in float32 whatever it says,
// so it never rounds (the wrong emulation "float32 sums claimed as the format's").
std::unique_ptr<conveq::Path<float>> float_sums_path() {
  return std::make_unique<MisconfiguredPath>(conveq::make_conv1d_naive<float>(), sums_in_float32,
                                             "conv1d", "float_sums");
}

int64_t differing(const std::vector<float>& a, const float* b) {
  int64_t count = 0;
  for (size_t i = 0; i < a.size(); ++i) count += a[i] != b[i];
  return count;
}

json compare_json(const std::string& arguments, int expected_status) {
  const CliResult r = run_conveq("compare " + arguments + " --warmup 0 --repeat 1 --format json");
  INFO("conveq compare " << arguments << "\nstderr: " << r.err);
  REQUIRE(r.exit_status == expected_status);
  return json::parse(r.out);
}

std::string q(const fs::path& path) {
  return "'" + path.string() + "'";
}

}  // namespace

TEST_CASE("float16 and bfloat16 with --accumulate are parsed, recorded and reproduced", "[half]") {
  const conveq::Problem p = half_problem("bfloat16", "same", "3", "1", "1", 1);
  CHECK(p.dtype == conveq::DType::bfloat16);
  CHECK(p.accumulation_dtype() == conveq::DType::bfloat16);
  CHECK_THAT(p.options_string(), Catch::Contains("--dtype bfloat16 --accumulate same"));
  const conveq::Problem f = half_problem("float16", "", "3", "1", "1", 1);
  CHECK(f.accumulation_dtype() == conveq::DType::float32);
  CHECK_THAT(f.options_string(), Catch::Contains("--dtype float16 --accumulate float32"));
  // float32 sums float32 either way; the option leaves float32 and float64 repro strings alone.
  CHECK(half_problem("float32", "same", "3", "1", "1", 1).accumulation_dtype() ==
        conveq::DType::float32);
  CHECK_THAT(half_problem("float32", "same", "3", "1", "1", 1).options_string(),
             !Catch::Contains("--accumulate"));
  CHECK_THROWS_WITH(half_problem("float16", "half", "3", "1", "1", 1),
                    "--accumulate half: must be float32 or same");
  CHECK_THROWS_WITH(half_problem("float64", "float32", "3", "1", "1", 1),
                    Catch::StartsWith("--accumulate float32 with --dtype float64:"));
}

TEST_CASE("the fill gives values of the format, and exact fill stays integer", "[half]") {
  for (const std::string dtype : {"float16", "bfloat16"}) {
    const conveq::Problem p = half_problem(dtype, "", "3", "1", "1", 1);
    const HalfFormat format = *conveq::storage_format(p.dtype);
    const auto data = conveq::fill_data<float>(p);
    CHECK(conveq::count_unrepresentable(format, data.input.data(),
                                        static_cast<int64_t>(data.input.size())) == 0);
    CHECK(conveq::count_unrepresentable(format, data.weight.data(),
                                        static_cast<int64_t>(data.weight.size())) == 0);
    CHECK(conveq::count_unrepresentable(format, data.bias.data(),
                                        static_cast<int64_t>(data.bias.size())) == 0);
    // Not everything rounds to the same few values: the data are still spread out.
    CHECK(std::set<float>(data.input.begin(), data.input.end()).size() > 50);
  }
  conveq::ProblemOptions o;
  o.in_channels = "64";
  o.kernel = "9";
  o.length = "40";
  o.fill = "exact";
  o.dtype = "bfloat16";
  // 256 = 2^8: 64 * 9 terms of |x w| <= 4 need thinning to 63 terms per output.
  CHECK(conveq::exact_fill_channel_stride(conveq::make_problem(o)) == 10);
}

TEST_CASE("with --accumulate same every conveq path is the format's arithmetic, bit for bit",
          "[half]") {
  // Pointwise (every formulation, linear and conv2d_hw included) and strided, padded, dilated,
  // grouped 1D problems: all of conveq's paths add the bias, then channel by channel, tap by tap.
  for (const std::string dtype : {"float16", "bfloat16"}) {
    for (const auto& [kernel, padding, stride, groups] :
         {std::tuple{"1", "0", "1", 1}, std::tuple{"3", "2", "2", 2},
          std::tuple{"5", "same", "1", 1}}) {
      const conveq::Problem p = half_problem(dtype, "same", kernel, padding, stride, groups);
      const HalfFormat format = *conveq::storage_format(p.dtype);
      const auto data = conveq::fill_data<float>(p);
      const auto expected = direct_in_format(p, data, format);
      // The deliberately wrong emulation (float32 sums claimed as the format's) differs.
      CHECK(differing(direct_in_format(p, data, format, false), expected.data()) > 0);
      int checked = 0;
      for (auto& path : conveq::storage_format_paths(conveq::all_paths<float>(), p)) {
        if (!path->skip_reason(p).empty()) continue;
        INFO(dtype << " kernel " << kernel << ": " << path->name());
        const auto out = conveq::run_once(*path, p, data, 2);
        CHECK(differing(expected, out.data()) == 0);
        ++checked;
      }
      CHECK(checked >= (kernel == std::string("1") ? 9 : 6));
    }
  }
}

TEST_CASE("a path that misses a rounding with --accumulate same is an internal error", "[half]") {
  for (const std::string dtype : {"float16", "bfloat16"}) {
    const conveq::Problem p = half_problem(dtype, "same", "3", "1", "1", 1);
    const auto data = conveq::fill_data<float>(p);
    conveq::PathList<float> broken;
    broken.push_back(float_sums_path());
    auto wrapped = conveq::storage_format_paths(std::move(broken), p);
    CHECK_THROWS_WITH(conveq::run_once(*wrapped[0], p, data, 1),
                      Catch::StartsWith("conv1d/float_sums: ") &&
                          Catch::EndsWith(" values with --accumulate same: its emulation missed "
                                          "a rounding"));
    // The same path's float32 sums are what --accumulate float32 asks for: rounded, no error.
    conveq::PathList<float> honest;
    honest.push_back(float_sums_path());
    const conveq::Problem f = half_problem(dtype, "float32", "3", "1", "1", 1);
    CHECK_NOTHROW(conveq::run_once(*conveq::storage_format_paths(std::move(honest), f)[0], f,
                                   conveq::fill_data<float>(f), 1));
  }
}

TEST_CASE("with --accumulate float32 every path's output is stored in the format", "[half]") {
  for (const std::string dtype : {"float16", "bfloat16"}) {
    const conveq::Problem p = half_problem(dtype, "float32", "3", "2", "2", 2);
    const HalfFormat format = *conveq::storage_format(p.dtype);
    const auto data = conveq::fill_data<float>(p);
    const auto same = direct_in_format(p, data, format);
    int library_paths_skipped = 0;
    for (auto& path : conveq::storage_format_paths(conveq::all_paths<float>(), p)) {
      const std::string reason = path->skip_reason(p);
      // A library path runs only in a format its own kernels compute (oneDNN: bfloat16).
      if (!path->backend_name().empty() && !path->runs_16_bit(p.dtype)) {
        CHECK_FALSE(reason.empty());
        library_paths_skipped += reason == dtype + " working dtype: not run by this path yet";
      }
      if (!reason.empty()) continue;
      INFO(path->name());
      const auto out = conveq::run_once(*path, p, data, 1);
      CHECK(conveq::count_unrepresentable(format, out.data(), static_cast<int64_t>(out.size())) ==
            0);
      CHECK(differing(same, out.data()) > 0);  // float32 sums, not the format's
    }
    if (conveq::find_backend("onednn")->not_built.empty()) CHECK(library_paths_skipped > 0);
  }
}

TEST_CASE("the smoke suite passes in float16 and bfloat16, both accumulations", "[half][cli]") {
  const conveq::Suite smoke = conveq::read_suite((kSource / "data" / "suites" / "smoke").string());
  const fs::path dir = fresh_directory("half_smoke");
  const std::regex dtype_option(" ?--dtype \\S+");
  for (const std::string dtype : {"float16", "bfloat16"}) {
    for (const std::string accumulate : {"float32", "same"}) {
      std::ofstream suite(dir / "suite");
      for (const auto& line : smoke.lines) {
        suite << line.name << ": " << std::regex_replace(line.options, dtype_option, "")
              << " --dtype " << dtype << " --accumulate " << accumulate << "\n";
      }
      suite.close();
      const CliResult r = run_conveq("run " + q(dir / "suite") + " --format json");
      INFO(dtype << " --accumulate " << accumulate << "\nstderr: " << r.err);
      // With --accumulate same the tolerance is the running error bound of the paths' one
      // order (gamma_n(2^-8) alone is looser than bfloat16 outputs from about 40 terms).
      REQUIRE(r.exit_status == 0);
      const json report = json::parse(r.out);
      REQUIRE(report["problems"].size() == smoke.lines.size());
      int passed = 0;
      for (const auto& problem : report["problems"]) {
        const json& one = problem["report"];
        INFO(problem["name"]);
        CHECK(one["problem"]["dtype"] == dtype);
        CHECK(one["problem"]["accumulation"] == (accumulate == "same" ? dtype : "float32"));
        CHECK(one["verdict"]["status"] != "failed");
        passed += one["verdict"]["status"] == "passed";
        const bool exact = one["problem"]["fill"] == "exact";
        for (const auto& c : one["comparisons"]) {
          INFO(c["a"] << " vs " << c["b"] << ": " << c["reason"]);
          CHECK(c["status"] == "passed");
          if (accumulate == "same" && !exact) {
            CHECK(c["tolerance"]["kind"] == "running_error_bound");
            CHECK(c["tolerance"]["order_free_bound"]["kind"] == "rounding_bound");
          }
          CHECK(c["precision"]["reduced"] == false);
          if (exact) CHECK(c["max_abs_error"] == 0);
          if (exact) CHECK(c["status"] == "passed");
        }
        CHECK(one["comparisons"].size() >= 2);
      }
      CHECK(passed == static_cast<int>(smoke.lines.size()));
    }
  }
}

TEST_CASE("float16 sums are read where float32 sums were claimed", "[half][precision][cli]") {
  // A float16 output summed in float16 over 12,289 terms (conveq's own, saved by --save-outputs),
  // given back with its float16 inputs as --expect: claimed float32 sums (the default), it fails
  // as reduced precision; claimed float16 sums (--accumulate same) it is never flagged. Both
  // float16-summed runs are mistrusted: gamma_n(2^-11) is infinite at this n, and the paths'
  // running error bound (docs/precision.md) is looser than the outputs too.
  const fs::path dir = fresh_directory("half_claims");
  const std::string shape = " --in 4096 --out 8 --length 32 --kernel 3 --padding 1";
  compare_json(
      shape + " --dtype float16 --accumulate same --paths conv1d/naive --save-outputs " + q(dir),
      3);
  const std::string files = " --input " + q(dir / "input.npy") + " --weight " +
                            q(dir / "weight.npy") + " --bias " + q(dir / "bias.npy") +
                            " --padding 1 --paths conv1d/naive --expect " +
                            q(dir / "conv1d_naive.npy");
  const json claimed_float32 = compare_json(files, 1);
  CHECK(claimed_float32["problem"]["dtype"] == "float16");  // the files' own dtype
  CHECK(claimed_float32["problem"]["accumulation"] == "float32");
  int failed = 0;
  for (const auto& c : claimed_float32["comparisons"]) {
    INFO(c["a"] << " vs " << c["b"] << ": " << c["reason"]);
    if (c["a"] != "expected") {
      CHECK(c["status"] == "passed");  // conveq's float32 sums stored as float16
      continue;
    }
    CHECK(c["status"] == "failed");
    CHECK(c["precision"]["reduced"] == true);
    CHECK(c["precision"]["expected_precision_bits"].get<double>() > 9.5);
    CHECK(c["precision"]["effective_precision_bits"].get<double>() < 6.5);
    ++failed;
  }
  CHECK(failed == 2);
  const json claimed_same = compare_json(files + " --accumulate same", 3);
  for (const auto& c : claimed_same["comparisons"]) {
    CHECK(c["status"] == "mistrusted");
    CHECK(c["precision"]["reduced"] == false);
  }
}

TEST_CASE("float16 and bfloat16 .npy files: kept, converted, written", "[half][npy][cli]") {
  const fs::path dir = fresh_directory("half_npy");
  compare_json("--in 6 --out 4 --length 20 --kernel 3 --dtype bfloat16 --save-outputs " + q(dir),
               0);
  const auto weight = conveq::npy::read_file((dir / "weight.npy").string());
  CHECK(weight.descr == "<V2");
  CHECK(weight.stored_type == conveq::npy::StoredType::bfloat16);
  CHECK(conveq::npy::read_file((dir / "conv1d_naive.npy").string()).descr == "<V2");
  CHECK(conveq::npy::read_file((dir / "reference.npy").string()).descr == "<f8");
  const std::string files = " --input " + q(dir / "input.npy") + " --weight " +
                            q(dir / "weight.npy") + " --bias " + q(dir / "bias.npy");
  const json kept = compare_json(files + " --expect " + q(dir / "conv1d_naive.npy"), 0);
  CHECK(kept["problem"]["dtype"] == "bfloat16");
  // float32 files with --dtype bfloat16: rounded, and the report counts the changed values.
  const fs::path dir32 = fresh_directory("half_npy32");
  compare_json("--in 6 --out 4 --length 20 --kernel 3 --save-outputs " + q(dir32), 0);
  const json rounded = compare_json(" --input " + q(dir32 / "input.npy") + " --weight " +
                                        q(dir32 / "weight.npy") + " --dtype bfloat16",
                                    0);
  CHECK(rounded["inputs"]["input"]["conversion"] == "float32 -> bfloat16 (rounded)");
  CHECK(rounded["inputs"]["input"]["values_changed"].get<int64_t>() > 100);
  // A float16 file keeps float16 unless --dtype says otherwise.
  const fs::path dir16 = fresh_directory("half_npy16");
  compare_json("--in 6 --out 4 --length 20 --dtype float16 --save-outputs " + q(dir16), 0);
  CHECK(conveq::npy::read_file((dir16 / "input.npy").string()).descr == "<f2");
  const std::string files16 =
      " --input " + q(dir16 / "input.npy") + " --weight " + q(dir16 / "weight.npy");
  CHECK(compare_json(files16, 0)["problem"]["dtype"] == "float16");
  CHECK(compare_json(files16 + " --dtype float32", 0)["problem"]["dtype"] == "float32");
}

TEST_CASE("a bad bfloat16 file is one line and exit status 2", "[half][npy][cli]") {
  const fs::path dir = fresh_directory("half_bad");
  const float values[] = {1.0f, 2.0f};
  std::string bytes = conveq::npy::encode(HalfFormat::bfloat16, values, {2});
  {
    std::string big = bytes;
    big.replace(big.find("<V2"), 3, ">V2");
    std::ofstream(dir / "big.npy", std::ios::binary) << big;
    bytes.pop_back();  // one byte short
    std::ofstream(dir / "short.npy", std::ios::binary) << bytes;
  }
  for (const std::string name : {"big.npy", "short.npy"}) {
    const CliResult r = run_conveq("compare --input " + q(dir / name) + " --weight " +
                                   q(dir / name) + " --warmup 0 --repeat 1");
    INFO(r.err);
    CHECK(r.exit_status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::Contains(name));
  }
}

TEST_CASE("the text view shows the dtype and where it sums", "[half][cli]") {
  const CliResult r = run_conveq(
      "compare --in 6 --out 4 --length 20 --kernel 3 --dtype bfloat16 --accumulate same "
      "--warmup 0 --repeat 1 --format text");
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
  CHECK_THAT(r.out, Catch::Contains("-> output [1,4,18], bfloat16 (bfloat16 sums), fill normal"));
  CHECK_THAT(r.out, Catch::Contains("--dtype bfloat16 --accumulate same"));
  const CliResult f = run_conveq(
      "compare --in 6 --out 4 --length 20 --dtype float16 --warmup 0 --repeat 1 --format text");
  CHECK_THAT(f.out, Catch::Contains(", float16 (float32 sums), fill normal"));
  const CliResult plain =
      run_conveq("compare --in 6 --out 4 --length 20 --warmup 0 --repeat 1 --format text");
  CHECK_THAT(plain.out, Catch::Contains(", float32, fill normal"));
}
