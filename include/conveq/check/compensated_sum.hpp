#pragma once
// The float64 reference's value sums as double-doubles, high + low (Ogita, Rump and Oishi's
// Dot2, SIAM J. Sci. Comput. 26(6), 2005): TwoProduct by FMA gives each product's rounding
// error exactly, TwoSum each addition's error exactly, and low sums both. Their bound,
//   |fl(high + low) - exact| <= 2^-53 |exact| + gamma_n(2^-53)^2 sum |w x|,
// keeps the reference within long double's gamma_n(2^-64) sum |w x| (the bound's u_ref) for
// n <= 2^40 terms with room (gamma_n(2^-53)^2 + 2^-106 <= 2^-22 gamma_n(2^-64) there), and the
// 2^-53 |exact| is the rounding into the stored double that the bound already counts. Without
// overflow, that is; and a product below 2^-969 or so may lose up to 2^-1075 of its error term
// to underflow, which stays inside that room once the output's magnitude is 2^-1000 or more:
// check/reference.cpp sums a tile in long double where a result is not finite or a magnitude
// is smaller. The magnitude sum |w x| and the sum of squares run beside it in float64.
// Vectorised over the outputs, 8x the speed of long double's x87 sums.
//
// Compiled on its own with -ffp-contract=off (CMakeLists.txt): fusing a product into TwoSum's
// additions would make it inexact.
#include <cstdint>

namespace conveq {

// Adds w[t] * x[t][k * stride] for t = 0..count-1, in order, onto outputs k in [0, n) of the
// tile's high, low, magnitude and square sums (Stride > 0: the stride, fixed; 0: `stride`).
// Instantiated for Stride 0 and 1 and count 1 and 8 (check/reference.cpp's tap groups).
template <int64_t Stride, int count>
void add_products_compensated(double* high, double* low, double* magnitude, double* square,
                              int64_t n, int64_t stride, const double* const (&x)[count],
                              const double (&w)[count]);

}  // namespace conveq
