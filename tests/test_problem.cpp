// Problem semantics: output sizes, PyTorch's 'same' padding split, and the FLOP rule.
#include <catch2/catch.hpp>

#include "conveq/core/error.hpp"
#include "conveq/core/problem.hpp"

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
