// What run_compare refuses before anything runs: run options that name an unknown path, and
// problems too large for memory, refused before their tensors are allocated (generated data or
// data from files alike).
#include "conveq/session/session.hpp"

#include <catch2/catch.hpp>

#include "cli_runner.hpp"
#include "conv_tester.hpp"
#include "conveq/io/tensor_files.hpp"
#include "input_error.hpp"
#include "npy_test_files.hpp"

using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

// check_resources' message: the problem, the estimate, and the machine's memory.
void expect_too_large(const conveq::Problem& problem, const std::string& message) {
  INFO(message);
  CHECK_THAT(message, StartsWith("problem " + problem.options_string() + ": needs about ") &&
                          EndsWith(" GiB this machine has available; choose smaller shapes"));
}

}  // namespace

TEST_CASE("run options that name an unknown path are refused with the known ones", "[session]") {
  conveq::RunOptions run;
  run.paths = {"conv1d/naive", "conv3d/naive"};
  CHECK(error_of([&] { conveq::validate(run); }) ==
        "--paths conv3d/naive: unknown path; known paths: conv1d/naive, conv1d/im2col, "
        "conv2d/naive, conv2d/im2col, conv2d_col/naive, conv2d_col/im2col, conv2d_hw/naive, "
        "conv2d_hw/im2col, linear/gemm, "
        "conv1d/onednn, conv2d/onednn, conv2d_col/onednn, conv2d_hw/onednn, linear/onednn, "
        "conv1d/onednn_plain, conv2d/onednn_plain, conv2d_col/onednn_plain, "
        "conv2d_hw/onednn_plain, linear/onednn_plain, conv2d/xnnpack, conv2d_col/xnnpack, "
        "conv2d_hw/xnnpack, linear/xnnpack, conv1d/torch, conv2d/torch, conv2d_col/torch, "
        "linear/torch, reference");
}

TEST_CASE("a problem too large for memory is refused before anything is allocated", "[session]") {
  struct Case {
    std::string name;
    ConvTester tester;
  };
  const std::vector<Case> cases = {
      {"100000 -> 100000 channels, length 10^8",
       ConvTester().in(100000).out(100000).length(100000000)},
      // Every size 2^31: the estimate, in double, must not wrap around into a small number.
      {"batch, channels and length 2^31",
       ConvTester().batch(2147483648).in(2147483648).length(2147483648)},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const conveq::Problem problem = c.tester.problem();
      expect_too_large(problem, error_of([&] { conveq::run_compare(problem, {}); }));
    }
  }
}

TEST_CASE("a problem from files too large for memory is refused before its tensors are made",
          "[session]") {
  const auto dir = fresh_directory("session_memory_files");
  write_float_npy(dir / "x.npy", {2, 3, 10});
  write_float_npy(dir / "w.npy", {4, 3, 3});
  conveq::TensorFileOptions files;
  files.input = (dir / "x.npy").string();
  files.weight = (dir / "w.npy").string();
  conveq::ProblemOptions options;
  options.padding = "1000000000";
  const auto loaded = conveq::load_tensor_files(files, options, {});
  expect_too_large(loaded.first,
                   error_of([&] { conveq::run_compare(loaded.first, {}, &loaded.second); }));
}
