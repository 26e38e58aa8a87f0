// `conveq compare` on real tensors, as users run it: --input/--weight/--bias/--expect files, bad
// files (exit 2, one line naming the file and the problem, nothing written), PyTorch's outputs
// checked end to end, a single corrupted element caught where it is, and --save-outputs read
// back and recomputed.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "conveq/check/compare.hpp"
#include "conveq/io/npy.hpp"
#include "npy_test_files.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kE2e = fs::path(CONVEQ_SOURCE_DIR) / "tests" / "data" / "e2e";
const std::string kQuick = " --repeat 1 --warmup 0";

std::string q(const fs::path& path) {
  return "'" + path.string() + "'";
}

// A directory with a valid input (2, 3, 10), weight (4, 3, 3), bias (4,) and expected output
// shape; each bad-file test breaks one of them.
struct BadFileCase {
  fs::path dir;
  explicit BadFileCase(const std::string& name) : dir(fresh_directory("npy_cli_" + name)) {
    write_float_npy(dir / "x.npy", {2, 3, 10});
    write_float_npy(dir / "w.npy", {4, 3, 3});
    write_float_npy(dir / "b.npy", {4});
    write_float_npy(dir / "y.npy", {2, 4, 8});
  }
  std::string arguments() const {
    return "--input " + q(dir / "x.npy") + " --weight " + q(dir / "w.npy") + " --bias " +
           q(dir / "b.npy") + " --expect " + q(dir / "y.npy");
  }
  // Exit 2, one line naming the option, the file and the problem; no stdout, no report, no
  // saved outputs (the save directory is not even created).
  void expect_refused(const std::string& role, std::initializer_list<std::string> fragments) const {
    const fs::path report = dir / "report.json", saved = dir / "saved";
    const CliResult r = run_conveq("compare " + arguments() + kQuick + " --report " + q(report) +
                                   " --save-outputs " + q(saved));
    INFO("stderr: " << r.err);
    CHECK(r.exit_status == 2);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::StartsWith("conveq: --" + role + " " + file(role).string() + ": "));
    for (const auto& fragment : fragments) CHECK_THAT(r.err, Catch::Contains(fragment));
    CHECK_FALSE(fs::exists(report));
    CHECK_FALSE(fs::exists(saved));
  }
  fs::path file(const std::string& role) const {
    return dir / (role == "input"    ? "x.npy"
                  : role == "expect" ? "y.npy"
                                     : role.substr(0, 1) + ".npy");
  }
};

const std::string kDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 10), }";

json run_json(const std::string& arguments, int expected_status) {
  const CliResult r = run_conveq("compare " + arguments + kQuick);
  INFO("conveq compare " << arguments << "\nstderr: " << r.err);
  REQUIRE(r.exit_status == expected_status);
  return json::parse(r.out);
}

const json& comparison(const json& report, const std::string& a, const std::string& b) {
  for (const auto& c : report["comparisons"]) {
    if (c["a"] == a && c["b"] == b) return c;
  }
  FAIL("no comparison " << a << " vs " << b);
  static const json none;
  return none;
}

std::string file_name(std::string path_name) {
  std::replace(path_name.begin(), path_name.end(), '/', '_');
  return path_name + ".npy";
}

}  // namespace

// ---- bad files ------------------------------------------------------------------------------
// Every rule has its test at the library level: test_npy.cpp for the reader (one test per class
// of malformed file), test_tensor_files.cpp for files that do not fit together or contradict the
// options, test_session.cpp for the memory check. Here a few per class show the whole refusal:
// exit 2, one line naming the option and the file, nothing written.

TEST_CASE("a file without the .npy magic exits 2", "[npy_cli]") {
  BadFileCase c("magic");
  write_bytes(c.file("weight"), "PK\x03\x04 a zip file, not numpy");
  c.expect_refused("weight", {"bad magic"});
}

TEST_CASE("truncated data exits 2", "[npy_cli]") {
  BadFileCase c("truncated");
  const std::string bytes = read_bytes(c.file("input"));
  write_bytes(c.file("input"), bytes.substr(0, bytes.size() - 8));
  c.expect_refused("input", {"truncated data", "header promises 240 bytes", "file holds 232"});
}

TEST_CASE("weight channels that do not fit the input exit 2", "[npy_cli]") {
  BadFileCase c("channels");
  write_float_npy(c.file("weight"), {4, 2, 3});
  c.expect_refused("weight", {"2 input channels per group", "the input's 3 channels"});
}

TEST_CASE("an expected output of the wrong shape exits 2 naming both shapes", "[npy_cli]") {
  BadFileCase c("expect_shape");
  write_float_npy(c.file("expect"), {2, 4, 10});
  c.expect_refused("expect", {"shape (2, 4, 10)", "output shape (2, 4, 8)"});
}

TEST_CASE("a missing file exits 2", "[npy_cli]") {
  BadFileCase c("missing");
  fs::remove(c.file("input"));
  c.expect_refused("input", {"cannot open file"});
}

// ---- options around the files ----------------------------------------------------------------

TEST_CASE("typed options that contradict the files, and misplaced ones, exit 2", "[npy_cli]") {
  BadFileCase c("options");
  const std::string x = (c.dir / "x.npy").string(), w = (c.dir / "w.npy").string();
  auto refused = [&](const std::string& arguments, const std::string& fragment) {
    const CliResult r = run_conveq("compare " + arguments + kQuick);
    INFO(arguments << "\nstderr: " << r.err);
    CHECK(r.exit_status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(fragment) != std::string::npos);
  };
  const std::string files = "--input " + x + " --weight " + w;
  refused(files + " --in 32", "--in 32 contradicts " + x + ": input shape (2, 3, 10) has 3");
  refused("--input " + x, "--input " + x + ": needs --weight too");
  // The memory check still runs before the problem's tensors are allocated.
  refused(files + " --padding 1000000000", "GiB");
  refused(files + " --save-outputs " + x + "/sub", "is not a directory");
}

// ---- PyTorch's outputs, end to end -------------------------------------------------------------

TEST_CASE("tensors and outputs exported from PyTorch check out end to end", "[npy_cli][e2e]") {
  std::ifstream file(kE2e / "cases.json");
  REQUIRE(file.good());
  const json cases = json::parse(file);
  REQUIRE(cases.size() >= 7);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    std::string arguments;
    for (const std::string role : {"input", "weight", "bias"}) {
      arguments += " --" + role + " " + q(kE2e / name / (role + ".npy"));
    }
    arguments += " --expect " + q(kE2e / name / "expected.npy");
    for (const auto& option : c["options"]) arguments += " " + option.get<std::string>();
    SECTION(name) {
      const json report = run_json(arguments, 0);
      const auto expected = conveq::npy::read_file((kE2e / name / "expected.npy").string());
      CHECK(report["inputs"]["expect"]["shape"] == expected.shape);
      CHECK(report["problem"]["output_shape"] == expected.shape);
      CHECK(report["problem"]["fill"] == "files");
      CHECK(comparison(report, "expected", "reference")["status"] == "passed");
      int expected_comparisons = 0;
      for (const auto& cmp : report["comparisons"]) expected_comparisons += cmp["a"] == "expected";
      CHECK(expected_comparisons == static_cast<int>(report["paths"].size()));  // ref + paths
    }
  }
}

TEST_CASE("the e2e files are stored as the script says", "[npy_cli][e2e]") {
  auto input = [](const std::string& name) {
    return conveq::npy::read_file((kE2e / name / "input.npy").string());
  };
  CHECK(input("f16_conv1d").descr == "<f2");
  CHECK(input("f64_conv2d").descr == "<f8");
  CHECK(input("big_endian_conv2d").descr == ">f4");
  CHECK(input("fortran_conv1d").fortran_order);
  CHECK(input("fortran_conv1d").version_major == 2);
  CHECK(conveq::npy::read_file((kE2e / "fortran_conv1d" / "expected.npy").string()).version_major ==
        3);
  CHECK(input("unbatched_conv2d").shape.size() == 3);
}

TEST_CASE("one corrupted element of an expected output is caught where it is", "[npy_cli][e2e]") {
  std::ifstream file(kE2e / "cases.json");
  const json cases = json::parse(file);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    SECTION(name) {
      const fs::path source = kE2e / name / "expected.npy";
      const auto expected = conveq::npy::read_file(source.string());
      // The largest element, negated in the file's own bytes (sign bit), whatever the dtype,
      // byte order and memory order: the reader must map it back to the same coordinates.
      size_t flat = 0;
      for (size_t i = 0; i < expected.values.size(); ++i) {
        if (std::abs(expected.values[i]) > std::abs(expected.values[flat])) flat = i;
      }
      const auto index = conveq::unravel(static_cast<int64_t>(flat), expected.shape);
      int64_t stored = static_cast<int64_t>(flat);
      if (expected.fortran_order) {
        stored = 0;
        int64_t stride = 1;
        for (size_t d = 0; d < index.size(); ++d) {
          stored += index[d] * stride;
          stride *= expected.shape[d];
        }
      }
      const int itemsize = expected.descr[2] - '0';
      std::string bytes = read_bytes(source);
      const size_t data_offset = bytes.size() - expected.values.size() * itemsize;
      const size_t sign_byte = data_offset + static_cast<size_t>(stored) * itemsize +
                               (expected.descr[0] == '>' ? 0 : itemsize - 1);
      bytes[sign_byte] = static_cast<char>(bytes[sign_byte] ^ 0x80);
      const fs::path corrupted = fresh_directory("npy_cli_corrupt_" + name) / "expected.npy";
      write_bytes(corrupted, bytes);

      std::string arguments;
      for (const std::string role : {"input", "weight", "bias"}) {
        arguments += " --" + role + " " + q(kE2e / name / (role + ".npy"));
      }
      arguments += " --expect " + q(corrupted);
      for (const auto& option : c["options"]) arguments += " " + option.get<std::string>();
      const json report = run_json(arguments, 1);
      CHECK(report["verdict"]["status"] == "failed");
      for (const auto& cmp : report["comparisons"]) {
        INFO(cmp["a"] << " vs " << cmp["b"]);
        if (cmp["a"] != "expected") {
          CHECK(cmp["status"] == "passed");
          continue;
        }
        CHECK(cmp["status"] == "failed");
        CHECK(cmp["mismatches"] == 1);
        CHECK(cmp["worst_index"] == index);
        REQUIRE(cmp["worst_mismatches"].size() == 1);
        CHECK(cmp["worst_mismatches"][0]["index"] == index);
        CHECK(cmp["worst_a"].get<double>() == -expected.values[flat]);
        CHECK(cmp["worst_b"].get<double>() ==
              Approx(expected.values[flat]).epsilon(0.01).margin(1e-3));
      }
    }
  }
}

// ---- saved outputs -------------------------------------------------------------------------

TEST_CASE("saved outputs and inputs read back, replay and recompute the run", "[npy_cli]") {
  const fs::path dir = fresh_directory("npy_cli_save");
  const fs::path saved = dir / "out" / "run1";  // created, with its parent
  const std::string problem =
      "--batch 2 --in 6 --out 4 --length 23 --kernel 3 --padding 1 --groups 2 --seed 7";
  const json report = run_json(problem + " --save-outputs " + q(saved), 0);

  const auto input = conveq::npy::read_file((saved / "input.npy").string());
  const auto weight = conveq::npy::read_file((saved / "weight.npy").string());
  const auto bias = conveq::npy::read_file((saved / "bias.npy").string());
  const auto reference = conveq::npy::read_file((saved / "reference.npy").string());
  CHECK(input.shape == report["problem"]["input_shape"].get<std::vector<int64_t>>());
  CHECK(weight.shape == report["problem"]["weight_shape"].get<std::vector<int64_t>>());
  CHECK(bias.shape == std::vector<int64_t>{4});
  CHECK(input.descr == "<f4");
  CHECK(reference.descr == "<f8");
  CHECK(reference.shape == report["problem"]["output_shape"].get<std::vector<int64_t>>());

  // The reference, recomputed here from the saved inputs by the definition of conv1d.
  const int64_t N = 2, C = 6, O = 4, L = 23, K = 3, G = 2, Cg = C / G, Og = O / G;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t o = 0; o < O; ++o) {
      for (int64_t l = 0; l < L; ++l) {
        long double sum = bias.values[o], scale = std::abs(bias.values[o]);
        for (int64_t c = 0; c < Cg; ++c) {
          for (int64_t k = 0; k < K; ++k) {
            const int64_t i = l + k - 1;
            if (i < 0 || i >= L) continue;
            const double x = input.values[(n * C + (o / Og) * Cg + c) * L + i];
            const double w = weight.values[(o * Cg + c) * K + k];
            sum += static_cast<long double>(x) * w;
            scale += std::abs(static_cast<long double>(x) * w);
          }
        }
        const double got = reference.values[(n * O + o) * L + l];
        CHECK(std::abs(got - static_cast<double>(sum)) <= 1e-14 * static_cast<double>(scale));
      }
    }
  }

  // Every path that ran was saved, and the report's errors are those of the saved arrays.
  for (const auto& path : report["paths"]) {
    const std::string name = path["name"];
    if (name == "reference") continue;
    const auto output = conveq::npy::read_file((saved / file_name(name)).string());
    CHECK(output.descr == "<f4");
    REQUIRE(output.values.size() == reference.values.size());
    double max_abs = 0;
    for (size_t i = 0; i < output.values.size(); ++i) {
      max_abs = std::max(max_abs, std::abs(output.values[i] - reference.values[i]));
    }
    const json& cmp = comparison(report, name, "reference");
    CHECK(cmp["max_abs_error"].get<double>() == max_abs);
  }

  // Replayed as files, the saved data give the same run: the saved naive output is matched
  // bit for bit by the naive path.
  const json replay = run_json("--input " + q(saved / "input.npy") + " --weight " +
                                   q(saved / "weight.npy") + " --bias " + q(saved / "bias.npy") +
                                   " --expect " + q(saved / "conv1d_naive.npy") + " --padding 1",
                               0);
  CHECK(comparison(replay, "expected", "conv1d/naive")["max_abs_error"] == 0.0);
  // And a saved output is an --expect for the seeded run it came from.
  run_json(problem + " --expect " + q(saved / "conv1d_im2col.npy"), 0);
}

TEST_CASE("saved outputs keep the batching of the input and the working dtype", "[npy_cli]") {
  const fs::path dir = fresh_directory("npy_cli_save_unbatched");
  std::vector<double> x(3 * 12), w(2 * 3 * 1);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1 * static_cast<double>(i) - 1;
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.3 * static_cast<double>(i) - 0.7;
  write_double_npy(dir / "x.npy", {3, 12}, x);
  write_double_npy(dir / "w.npy", {2, 3, 1}, w);
  const json report = run_json("--input " + q(dir / "x.npy") + " --weight " + q(dir / "w.npy") +
                                   " --dtype float32 --save-outputs " + q(dir / "saved"),
                               0);
  CHECK(report["inputs"]["input"]["conversion"] == "float64 -> float32 (rounded)");
  CHECK(report["problem"]["output_shape"] == std::vector<int64_t>{2, 12});
  const auto input = conveq::npy::read_file((dir / "saved" / "input.npy").string());
  CHECK(input.descr == "<f4");
  CHECK(input.shape == std::vector<int64_t>{3, 12});
  for (size_t i = 0; i < x.size(); ++i) {
    CHECK(input.values[i] == static_cast<double>(static_cast<float>(x[i])));
  }
  CHECK_FALSE(fs::exists(dir / "saved" / "bias.npy"));
  // The pointwise problem runs linear/gemm too; its output has the problem's shape.
  CHECK(conveq::npy::read_file((dir / "saved" / "linear_gemm.npy").string()).shape ==
        std::vector<int64_t>{2, 12});
}

// ---- reports --------------------------------------------------------------------------------

TEST_CASE("the report records every file, and the repro command reruns the same files",
          "[npy_cli]") {
  const std::string name = "grouped_conv2d";
  std::string arguments;
  for (const std::string role : {"input", "weight", "bias"}) {
    arguments += " --" + role + " " + q(kE2e / name / (role + ".npy"));
  }
  arguments += " --expect " + q(kE2e / name / "expected.npy") + " --stride 2 --padding 1,0";
  const json first = run_json(arguments, 0);
  const json& inputs = first["inputs"];
  for (const std::string role : {"input", "weight", "bias", "expect"}) {
    INFO(role);
    const json& f = inputs[role];
    const std::string file = role == "expect" ? "expected.npy" : role + ".npy";
    CHECK(f["path"] == (kE2e / name / file).string());
    CHECK(f["descr"] == "<f4");
    CHECK(f["version"] == "1.0");
    CHECK(f["fortran_order"] == false);
    CHECK(f["conversion"].is_null());
    CHECK(f["sha256"].get<std::string>().size() == 64);
  }
  CHECK(inputs["input"]["shape"] == std::vector<int64_t>{2, 6, 9, 8});
  CHECK(first["problem"]["groups"] == 3);

  const std::string repro = first["repro"];
  REQUIRE(repro.rfind("conveq compare --input ", 0) == 0);
  const CliResult again = run_conveq(repro.substr(std::string("conveq ").size()));
  REQUIRE(again.exit_status == 0);
  const json second = json::parse(again.out);
  CHECK(second["problem"] == first["problem"]);
  CHECK(second["repro"] == first["repro"]);
  for (const std::string role : {"input", "weight", "bias", "expect"}) {
    CHECK(second["inputs"][role]["sha256"] == first["inputs"][role]["sha256"]);
  }
  CHECK(comparison(second, "expected", "reference")["max_abs_error"] ==
        comparison(first, "expected", "reference")["max_abs_error"]);
}

TEST_CASE("NaN and infinity in the inputs flow through to the report", "[npy_cli]") {
  const fs::path dir = fresh_directory("npy_cli_nan");
  std::vector<double> x(2 * 3 * 10, 0.5);
  x[13] = std::nan("");
  x[40] = INFINITY;
  write_double_npy(dir / "x.npy", {2, 3, 10}, x);
  write_float_npy(dir / "w.npy", {4, 3, 3});
  const std::string files = "--input " + q(dir / "x.npy") + " --weight " + q(dir / "w.npy");
  const json report = run_json(files, 1);
  CHECK(report["inputs"]["input"]["nonfinite"]["nan"] == 1);
  CHECK(report["inputs"]["input"]["nonfinite"]["positive_inf"] == 1);
  const json& cmp = comparison(report, "conv1d/naive", "reference");
  CHECK(cmp["nonfinite"]["b"]["nan"].get<int>() > 0);
  CHECK(cmp["nonfinite"]["nan_mismatches"].get<int>() > 0);
  // NaN == NaN when asked: the same NaNs everywhere, so every comparison passes.
  run_json(files + " --equal-nan", 0);
}
