// The im2col column matrix (paths/im2col.hpp) against its definition, element by element, for
// strides, dilations, paddings on either side, 2D windows that leave the input, and on the
// threads of every GEMM provider.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "conveq/paths/gemm.hpp"
#include "conveq/paths/im2col.hpp"

namespace {

using conveq::ConvGeometry;

ConvGeometry geometry(int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t s, int64_t p,
                      int64_t d) {
  // A single row (H = 1) is a conv1d view: no vertical padding.
  ConvGeometry g{1, c, c, 1, h, w, kh, kw, s, s, h == 1 ? 0 : p, p, d, d, 0, 0};
  g.oh = (h + 2 * g.ph - d * (kh - 1) - 1) / s + 1;
  g.ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
  return g;
}

// The definition: columns[(c, i, j), (oy, ox)] = x[c, oy*s + i*d - p, ox*s + j*d - p] or 0.
std::vector<float> columns_by_definition(const ConvGeometry& g, const std::vector<float>& x) {
  std::vector<float> out;
  for (int64_t c = 0; c < g.cin_g(); ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j)
        for (int64_t oy = 0; oy < g.oh; ++oy)
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t y = oy * g.sh + i * g.dh - g.ph, xi = ox * g.sw + j * g.dw - g.pw;
            const bool inside = y >= 0 && y < g.h && xi >= 0 && xi < g.w;
            out.push_back(inside ? x[static_cast<size_t>((c * g.h + y) * g.w + xi)] : 0.0f);
          }
  return out;
}

}  // namespace

TEST_CASE("build_columns writes the column matrix of its definition", "[im2col]") {
  // (C, H, W, KH, KW, stride, padding, dilation); the large one runs on several threads.
  const std::vector<std::vector<int64_t>> cases{
      {3, 1, 17, 1, 3, 1, 1, 1}, {2, 1, 20, 1, 5, 2, 3, 1},    {2, 1, 20, 1, 3, 3, 0, 2},
      {2, 1, 6, 1, 9, 1, 4, 1},  {3, 5, 7, 3, 3, 1, 1, 1},     {2, 6, 9, 2, 4, 2, 2, 2},
      {1, 4, 4, 5, 5, 1, 2, 1},  {64, 1, 4099, 1, 3, 1, 1, 1}, {16, 33, 35, 3, 3, 2, 1, 1}};
  for (conveq::GemmProvider provider : conveq::built_gemm_providers()) {
    for (const int threads : {1, 2}) {
      for (const auto& v : cases) {
        const ConvGeometry g = geometry(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        DYNAMIC_SECTION(conveq::to_string(provider)
                        << " threads " << threads << " C " << v[0] << " H " << v[1] << " W " << v[2]
                        << " K " << v[3] << "x" << v[4] << " s " << v[5] << " p " << v[6] << " d "
                        << v[7]) {
          conveq::use_gemm_provider(provider, threads);
          std::vector<float> x(static_cast<size_t>(g.in_channels * g.h * g.w));
          for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 1000) + 1.0f;
          const auto expected = columns_by_definition(g, x);
          std::vector<float> columns(expected.size(), std::nanf(""));  // every element written
          conveq::build_columns(g, x.data(), columns.data());
          size_t wrong = 0;
          for (size_t i = 0; i < columns.size(); ++i) wrong += !(columns[i] == expected[i]);
          REQUIRE(wrong == 0);
        }
      }
    }
  }
  conveq::use_gemm_provider(conveq::GemmProvider::openblas, 2);
}

TEST_CASE("build_column_block writes the same columns as the whole matrix", "[im2col]") {
  const std::vector<std::vector<int64_t>> cases{{3, 1, 17, 1, 3, 1, 1, 1},
                                                {2, 1, 20, 1, 5, 2, 3, 1},
                                                {2, 1, 6, 1, 9, 1, 4, 1},
                                                {32, 1, 3001, 1, 3, 1, 1, 1}};
  for (const auto& v : cases) {
    const ConvGeometry g = geometry(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    std::vector<float> x(static_cast<size_t>(g.in_channels * g.w));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 1000) + 1.0f;
    const auto whole = columns_by_definition(g, x);
    const int64_t rows = g.cin_g() * g.kw;
    for (const int64_t width : {int64_t{1}, int64_t{4}, int64_t{7}, int64_t{1024}}) {
      for (int64_t c0 = 0; c0 < g.ow; c0 += width) {
        const int64_t c1 = std::min(g.ow, c0 + width);
        std::vector<float> block(static_cast<size_t>(rows * (c1 - c0)), std::nanf(""));
        conveq::build_column_block(g, x.data(), c0, c1, block.data());
        size_t wrong = 0;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = c0; c < c1; ++c)
            wrong += !(block[static_cast<size_t>(r * (c1 - c0) + c - c0)] ==
                       whole[static_cast<size_t>(r * g.ow + c)]);
        REQUIRE(wrong == 0);
      }
    }
  }
  const ConvGeometry two_d = geometry(2, 5, 7, 3, 3, 1, 1, 1);
  std::vector<float> x(70), block(100);
  CHECK_THROWS_AS(conveq::build_column_block(two_d, x.data(), 0, 2, block.data()),
                  std::logic_error);
}
