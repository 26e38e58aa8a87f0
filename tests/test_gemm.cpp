// The GEMM providers of conveq's im2col and gemm paths (--gemm): the choice, the call, and
// a whole run through each provider.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "conv_tester.hpp"
#include "conveq/core/error.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/gemm_bias.hpp"
#include "input_error.hpp"

using conveq::DType;
using conveq::GemmProvider;

namespace {
bool built(GemmProvider provider) {
  for (GemmProvider p : conveq::built_gemm_providers()) {
    if (p == provider) return true;
  }
  return false;
}

// C = op(A) op(B) (+ C) in double, for matrices stored row-major with leading dimensions.
std::vector<double> reference_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k,
                                   const std::vector<float>& a, int64_t lda,
                                   const std::vector<float>& b, int64_t ldb,
                                   const std::vector<float>& c0, int64_t ldc, bool accumulate) {
  std::vector<double> c(static_cast<size_t>(m * ldc), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = accumulate ? c0[static_cast<size_t>(i * ldc + j)] : 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const float av =
            ta ? a[static_cast<size_t>(p * lda + i)] : a[static_cast<size_t>(i * lda + p)];
        const float bv =
            tb ? b[static_cast<size_t>(j * ldb + p)] : b[static_cast<size_t>(p * ldb + j)];
        sum += static_cast<double>(av) * bv;
      }
      c[static_cast<size_t>(i * ldc + j)] = sum;
    }
  }
  return c;
}
}  // namespace

TEST_CASE("gemm auto picks oneDNN for float32 when built, OpenBLAS otherwise", "[gemm]") {
  const GemmProvider expected =
      built(GemmProvider::onednn) ? GemmProvider::onednn : GemmProvider::openblas;
  CHECK(conveq::resolve_gemm_provider("auto", DType::float32) == expected);
  CHECK(conveq::resolve_gemm_provider("auto", DType::float64) == GemmProvider::openblas);
  CHECK(conveq::resolve_gemm_provider("openblas", DType::float32) == GemmProvider::openblas);
  CHECK_THAT(error_of([] { conveq::resolve_gemm_provider("blis", DType::float32); }),
             Catch::StartsWith("--gemm blis: must be one of auto, openblas"));
  CHECK_THAT(error_of([] { conveq::resolve_gemm_provider("", DType::float32); }),
             Catch::StartsWith("--gemm : must be"));
  if (built(GemmProvider::onednn)) {
    CHECK_THAT(error_of([] { conveq::resolve_gemm_provider("onednn", DType::float64); }),
               Catch::StartsWith("--gemm onednn: oneDNN has no float64 GEMM"));
  } else {
    CHECK_THAT(error_of([] { conveq::resolve_gemm_provider("onednn", DType::float32); }),
               Catch::StartsWith("--gemm onednn: conveq was built without oneDNN"));
  }
}

TEST_CASE("every provider computes row-major C = op(A) op(B) (+ C)", "[gemm]") {
  const int64_t m = 37, n = 45, k = 29, ld_pad = 3;
  for (GemmProvider provider : conveq::built_gemm_providers()) {
    for (int flags = 0; flags < 8; ++flags) {
      const bool ta = (flags & 1) != 0, tb = (flags & 2) != 0, accumulate = (flags & 4) != 0;
      DYNAMIC_SECTION(conveq::to_string(provider)
                      << " ta " << ta << " tb " << tb << " acc " << accumulate) {
        conveq::use_gemm_provider(provider, 2);
        const int64_t lda = (ta ? m : k) + ld_pad, ldb = (tb ? k : n) + ld_pad, ldc = n + ld_pad;
        std::vector<float> a(static_cast<size_t>((ta ? k : m) * lda));
        std::vector<float> b(static_cast<size_t>((tb ? n : k) * ldb));
        std::vector<float> c(static_cast<size_t>(m * ldc));
        for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7) % 13) - 6.0f;
        for (size_t i = 0; i < b.size(); ++i) b[i] = 0.5f * static_cast<float>((i * 5) % 11) - 2.0f;
        for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<float>(i % 3);
        const auto expected = reference_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        conveq::gemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, accumulate, c.data(), ldc);
        // Small integers and halves: every product and sum is exact in float32.
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            const auto at = static_cast<size_t>(i * ldc + j);
            REQUIRE(c[at] == static_cast<float>(expected[at]));
          }
        }
      }
    }
  }
  conveq::use_gemm_provider(GemmProvider::openblas, 2);
}

TEST_CASE("a run through each provider passes and says which one ran", "[gemm]") {
  for (GemmProvider provider : conveq::built_gemm_providers()) {
    DYNAMIC_SECTION(conveq::to_string(provider)) {
      for (auto tester : {ConvTester().in(24).out(40).length(300),
                          ConvTester().in(12).out(18).length(97).kernel("3").groups(3)}) {
        const auto report = tester.gemm(conveq::to_string(provider)).Test();
        CHECK(report["gemm"]["provider"] == conveq::to_string(provider));
        CHECK(report["run"]["gemm_requested"] == conveq::to_string(provider));
        CHECK(report["repro"].get<std::string>().find("--gemm " + conveq::to_string(provider)) !=
              std::string::npos);
      }
    }
  }
}

TEST_CASE("gemm_with_bias adds the bias by every method, through every provider", "[gemm][bias]") {
  using conveq::BiasAxis;
  using conveq::BiasMethod;
  // Sizes that give the blocked method several blocks and a ragged last one.
  const int64_t m = 70, n = 9000, k = 5, ld_pad = 2;
  for (GemmProvider provider : conveq::built_gemm_providers()) {
    for (const BiasAxis axis : {BiasAxis::per_row, BiasAxis::per_column}) {
      for (const BiasMethod method :
           {BiasMethod::automatic, BiasMethod::prefill, BiasMethod::after, BiasMethod::blocked}) {
        for (int flags = 0; flags < 8; ++flags) {
          const bool ta = (flags & 1) != 0, tb = (flags & 2) != 0, with_bias = (flags & 4) != 0;
          DYNAMIC_SECTION(conveq::to_string(provider)
                          << " axis " << int(axis) << " method " << int(method) << " ta " << ta
                          << " tb " << tb << " bias " << with_bias) {
            conveq::use_gemm_provider(provider, 2);
            const int64_t lda = (ta ? m : k) + ld_pad, ldb = (tb ? k : n) + ld_pad,
                          ldc = n + ld_pad;
            std::vector<float> a(static_cast<size_t>((ta ? k : m) * lda));
            std::vector<float> b(static_cast<size_t>((tb ? n : k) * ldb));
            std::vector<float> bias(static_cast<size_t>(axis == BiasAxis::per_row ? m : n));
            // NaN in C: every element must be written, none accumulated onto.
            std::vector<float> c(static_cast<size_t>(m * ldc), std::nanf(""));
            for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7) % 13) - 6.0f;
            for (size_t i = 0; i < b.size(); ++i)
              b[i] = 0.5f * static_cast<float>((i * 5) % 11) - 2.0f;
            for (size_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<float>(i % 9) - 4.0f;
            const std::vector<float> zero(c.size(), 0.0f);
            const auto product = reference_gemm(ta, tb, m, n, k, a, lda, b, ldb, zero, ldc, false);
            conveq::gemm_with_bias(ta, tb, m, n, k, a.data(), lda, b.data(), ldb,
                                   with_bias ? bias.data() : nullptr, axis, c.data(), ldc, method);
            // Small integers and halves: every product and sum is exact in float32.
            int64_t wrong = 0;
            for (int64_t i = 0; i < m; ++i) {
              for (int64_t j = 0; j < n; ++j) {
                const auto at = static_cast<size_t>(i * ldc + j);
                const double add =
                    !with_bias ? 0.0 : bias[static_cast<size_t>(axis == BiasAxis::per_row ? i : j)];
                wrong += c[at] != static_cast<float>(product[at] + add);
              }
            }
            REQUIRE(wrong == 0);
          }
        }
      }
    }
  }
  conveq::use_gemm_provider(GemmProvider::openblas, 2);
}

TEST_CASE("on random data the GEMM paths' bias methods give the same bits at any thread count",
          "[gemm][bias][bits]") {
  // The blocked method cuts C into blocks; dnnl_sgemm chooses its kernel (and so its order of
  // summation) by a call's size and splits k between its threads for small m, so blocks
  // whose size moved with the thread count would move bits (--check-determinism would see
  // linear/gemm change). Every row must come out as from one whole single-threaded call of
  // the same m. (Whether a row's bits depend on m itself, the batch, is dnnl_sgemm's own
  // choice of kernel: rows of a 199-row call differed from the same rows in an 899-row call.)
  using conveq::BiasAxis;
  using conveq::BiasMethod;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  // oneDNN only: OpenBLAS's Haswell kernels themselves change bits with the thread count
  // (docs/performance.md), and on OpenBLAS the paths prefill the bias instead.
  for (GemmProvider provider : conveq::built_gemm_providers()) {
    if (provider != GemmProvider::onednn) continue;
    for (const int64_t n : {8, 128, 1000, 2048}) {
      for (const int64_t m : {1, 2, 15, 16, 199, 257, 1025, 2050, 4099}) {
        const int64_t k = n == 128 ? 1000 : 300;
        std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(n * k)),
            bias(static_cast<size_t>(n));
        for (auto* v : {&a, &b, &bias})
          for (auto& x : *v) x = normal(rng);
        auto run = [&](BiasMethod method, int threads) {
          conveq::use_gemm_provider(provider, threads);
          std::vector<float> c(static_cast<size_t>(m * n), std::nanf(""));
          // nn.Linear's call: X_cl (m x k) times W^T, a bias per column.
          conveq::gemm_with_bias(false, true, m, n, k, a.data(), k, b.data(), k, bias.data(),
                                 BiasAxis::per_column, c.data(), n, method);
          return c;
        };
        const auto whole = run(BiasMethod::after, 1);
        DYNAMIC_SECTION(conveq::to_string(provider) << " m " << m << " n " << n) {
          for (const int threads : {1, 2}) {
            const auto blocked = run(BiasMethod::automatic, threads);
            int64_t differ = 0;
            for (size_t i = 0; i < whole.size(); ++i) differ += whole[i] != blocked[i];
            INFO(threads << " threads");
            CHECK(differ == 0);
          }
        }
      }
    }
  }
  conveq::use_gemm_provider(GemmProvider::openblas, 2);
}
