// Problem semantics: output sizes, PyTorch's 'same' padding split, the FLOP rule, and the
// options make_problem refuses (the CLI passes these messages on as they are).
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "conveq/core/error.hpp"
#include "conveq/core/problem.hpp"
#include "input_error.hpp"

namespace {
conveq::Problem make_1d(const std::string& length, const std::string& kernel,
                        const std::string& padding, const std::string& stride = "1",
                        const std::string& dilation = "1") {
  conveq::ProblemOptions o;
  o.in_channels = "3";
  o.out_channels = "2";
  o.length = length;
  o.kernel = kernel;
  o.padding = padding;
  o.stride = stride;
  o.dilation = dilation;
  return conveq::make_problem(o);
}

// ProblemOptions as `conveq compare` fills them from a command line like "--in 4 --groups 3".
conveq::ProblemOptions options_from(const std::string& command_line) {
  using O = conveq::ProblemOptions;
  const std::map<std::string, std::string O::*> fields = {
      {"--batch", &O::batch},       {"--in", &O::in_channels}, {"--out", &O::out_channels},
      {"--length", &O::length},     {"--height", &O::height},  {"--width", &O::width},
      {"--kernel", &O::kernel},     {"--stride", &O::stride},  {"--padding", &O::padding},
      {"--dilation", &O::dilation}, {"--groups", &O::groups},  {"--dtype", &O::dtype},
      {"--fill", &O::fill},         {"--seed", &O::seed},      {"--accumulate", &O::accumulate}};
  O options;
  std::istringstream words(command_line);
  std::string name, value;
  while (words >> name >> value) options.*fields.at(name) = value;
  return options;
}

}  // namespace

TEST_CASE("output length is floor((L + 2p - d(k-1) - 1) / s) + 1", "[problem]") {
  CHECK(make_1d("10", "3", "0").out_width() == 8);
  CHECK(make_1d("10", "3", "1", "2").out_width() == 5);
  CHECK(make_1d("23", "3", "0", "3", "2").out_width() == 7);
  CHECK(make_1d("4096", "1", "0").out_width() == 4096);
}

TEST_CASE("padding same puts an odd extra at the end, as PyTorch does", "[problem]") {
  const auto even = make_1d("13", "3", "same");
  CHECK(even.pad_left == 1);
  CHECK(even.pad_right == 1);
  const auto odd = make_1d("13", "4", "same");  // total 3: 1 before, 2 after
  CHECK(odd.pad_left == 1);
  CHECK(odd.pad_right == 2);
  CHECK(odd.out_width() == 13);
  const auto dilated = make_1d("23", "4", "same", "1", "3");  // total 9: 4 before, 5 after
  CHECK(dilated.pad_left == 4);
  CHECK(dilated.pad_right == 5);
  CHECK_THROWS_AS(make_1d("13", "3", "same", "2"), conveq::InputError);
}

TEST_CASE("FLOPs count only the taps that fall inside the input", "[problem]") {
  // L = 5, k = 3, p = 1: the first and last outputs have one tap in the padding, so
  // 2 + 3 + 3 + 3 + 2 = 13 taps, times 2 FLOPs, Cin 3 and Cout 2.
  CHECK(make_1d("5", "3", "1").flops() == 2.0 * 2 * 3 * 13);
  CHECK(make_1d("5", "3", "0").flops() == 2.0 * 2 * 3 * 9);
  CHECK(make_1d("4096", "1", "0").flops() == 2.0 * 2 * 3 * 4096);
  // Stride 2, padding 2, kernel 3 on L = 5: 4 outputs reading -2..0, 0..2, 2..4, 4..6,
  // so 1 + 3 + 3 + 1 taps.
  CHECK(make_1d("5", "3", "2", "2").out_width() == 4);
  CHECK(make_1d("5", "3", "2", "2").flops() == 2.0 * 2 * 3 * 8);
}

TEST_CASE("bad options are refused with one message naming the value and the rule", "[problem]") {
  struct Case {
    std::string command_line, message;
  };
  const std::vector<Case> cases = {
      {"--in 0", "--in 0: must be a positive integer"},
      {"--length -3", "--length -3: must be a positive integer"},
      {"--in abc", "--in abc: must be a positive integer"},
      {"--out 2.5", "--out 2.5: must be a positive integer"},
      {"--in 99999999999999999999",
       "--in 99999999999999999999: must be a positive integer no larger than 2147483648"},
      {"--kernel 0", "--kernel 0: must be a positive integer"},
      {"--padding -1",
       "--padding -1: must be a non-negative integer, a pair \"PH,PW\", same or valid"},
      {"--kernel 3,3",
       "--kernel 3,3: a 1D problem takes one value (give --height and --width without --length "
       "for a 2D problem)"},
      {"--height 5 --width 5 --kernel 3,3,3",
       "--kernel 3,3,3: must be one integer or a pair \"H,W\""},
      {"--length 16 --height 3 --width 5", "--height 3 --width 5: H*W = 15 must equal --length 16"},
      {"--height 4", "--height 4: --height and --width go together; give both"},
      {"--in 4 --groups 3", "--groups 3: input channels (4) must be divisible by groups"},
      {"--in 4 --out 6 --groups 4", "--groups 4: output channels (6) must be divisible by groups"},
      {"--kernel 3 --stride 2 --padding same",
       "--padding same with --stride 2: padding 'same' needs stride 1 (as in PyTorch)"},
      {"--kernel 5 --dilation 3 --length 8",
       "--kernel 5 --dilation 3: the dilated kernel spans 13 width positions, more than the "
       "padded input's 8; it must fit"},
      {"--dtype half", "--dtype half: must be float32, float64, float16 or bfloat16"},
      {"--dtype float16 --accumulate float16", "--accumulate float16: must be float32 or same"},
      {"--dtype float64 --accumulate float32",
       "--accumulate float32 with --dtype float64: float64 problems accumulate in float64 (give "
       "same, or leave --accumulate out)"},
      {"--fill gaussian", "--fill gaussian: must be normal, uniform or exact"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.command_line) {
      CHECK(error_of([&] { conveq::make_problem(options_from(c.command_line)); }) == c.message);
    }
  }
}
