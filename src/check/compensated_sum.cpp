// Compiled with -ffp-contract=off: see include/conveq/check/compensated_sum.hpp.
#include "conveq/check/compensated_sum.hpp"

#include <cmath>

namespace conveq {

// __restrict: the four sums are distinct arrays and never the input, so that the loop over k
// vectorises without alias checks.
template <int64_t Stride, int count>
void add_products_compensated(double* __restrict high, double* __restrict low,
                              double* __restrict magnitude, double* __restrict square, int64_t n,
                              int64_t stride, const double* const (&x)[count],
                              const double (&w)[count]) {
  const int64_t s = Stride > 0 ? Stride : stride;
  for (int64_t k = 0; k < n; ++k) {
    double hi = high[k], lo = low[k], size = magnitude[k], sum_squares = square[k];
    for (int t = 0; t < count; ++t) {
      const double xv = x[t][k * s];
      const double product = w[t] * xv;
      const double product_error = std::fma(w[t], xv, -product);  // TwoProduct
      const double sum = hi + product;  // TwoSum(hi, product): sum + sum_error = hi + product
      const double z = sum - hi;
      const double sum_error = (hi - (sum - z)) + (product - z);
      hi = sum;
      lo += sum_error + product_error;
      size += std::abs(product);
      sum_squares = std::fma(product, product, sum_squares);
    }
    high[k] = hi;
    low[k] = lo;
    magnitude[k] = size;
    square[k] = sum_squares;
  }
}

#define CONVEQ_INSTANTIATE(STRIDE, COUNT)                                                  \
  template void add_products_compensated<STRIDE, COUNT>(                                   \
      double*, double*, double*, double*, int64_t, int64_t, const double* const(&)[COUNT], \
      const double(&)[COUNT]);
CONVEQ_INSTANTIATE(0, 1)
CONVEQ_INSTANTIATE(1, 1)
CONVEQ_INSTANTIATE(0, 8)
CONVEQ_INSTANTIATE(1, 8)
#undef CONVEQ_INSTANTIATE

}  // namespace conveq
