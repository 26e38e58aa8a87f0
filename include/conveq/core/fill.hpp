#pragma once
// The data every path runs on. Values come from a counter-based generator keyed by
// (seed, tensor, element index), so they are the same on every run, for any thread count.
//
//   normal  (default): input ~ N(0, 1); weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
//                      PyTorch's default nn.Conv init, fan_in = (Cin/groups) * KH * KW.
//   uniform:           input ~ U(-1, 1); weight and bias as above.
//   exact:             small integers (input and weight in [-4, 4], bias in [-8, 8]), input
//                      channels thinned so that every partial sum is an exactly representable
//                      integer: every summation order gives the same, exact result.
#include <cstdint>
#include <xtensor/xtensor.hpp>

#include "conveq/core/aligned_vector.hpp"
#include "conveq/core/problem.hpp"

namespace conveq {

template <typename T>
struct ConvData {
  AlignedTensor<T, 4> input;   // (N, Cin, H, W); H = 1 for a 1D problem
  AlignedTensor<T, 4> weight;  // (Cout, Cin/groups, KH, KW)
  AlignedTensor<T, 1> bias;    // (Cout); empty without bias
  const T* bias_or_null() const { return bias.size() == 0 ? nullptr : bias.data(); }
};

// Tensors of the problem's shapes, uninitialised: what fill_data and the .npy loader fill.
template <typename T>
ConvData<T> allocate_data(const Problem& problem);

// Seeded pseudo-random data for the problem, in its working dtype.
template <typename T>
ConvData<T> fill_data(const Problem& problem);

// For --fill exact: every r-th input channel of a group stays nonzero; r = 1 means no thinning.
// Chosen so that (nonzero terms of any output) * 4 * 4 + 8 <= 2^mantissa_bits.
int64_t exact_fill_channel_stride(const Problem& problem);

// A uniform double in [0, 1) from (seed, stream, index): SplitMix64 of a mixed key.
double counter_uniform(uint64_t seed, uint64_t stream, uint64_t index);

}  // namespace conveq
