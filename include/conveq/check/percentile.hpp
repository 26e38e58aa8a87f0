#pragma once
// Exact nearest-rank percentiles of many doubles without sorting them: a radix selection on
// the bits of their order keys (12 bits a step; the bin holding the rank is kept, the others
// dropped), which reads the values a few times where repeated nth_element reorders them whole.
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace conveq {

// An unsigned integer that orders like the double: -NaN < -inf < ... < -0 < +0 < ... < +inf <
// NaN. Order keys of the same double are equal, and from_order_key undoes order_key.
uint64_t order_key(double value);
double from_order_key(uint64_t key);

// The nearest-rank percentile q of n values: the value of rank ceil(q n) (1-based; rank n for
// q = 0 or 1, and 0 for no values), for each q in `quantiles`, in that order. `keys` holds the
// values' order keys. NaN ranks above +inf.
std::vector<double> nearest_rank_percentiles(const std::vector<uint64_t>& keys,
                                             std::initializer_list<double> quantiles);

}  // namespace conveq
