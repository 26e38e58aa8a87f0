#include "conveq/core/fill.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <type_traits>

#include "conveq/core/error.hpp"

namespace conveq {
namespace {

enum Stream : uint64_t { kInput = 1, kWeight = 2, kBias = 3 };

// Exact fill's integers: |x| <= 4, |w| <= 4, |b| <= 8; halved for float16 and bfloat16, whose
// integer range (2^11, 2^8) would otherwise leave bfloat16 about 15 terms per output.
struct ExactRange {
  int input, weight, bias;
};
ExactRange exact_range(DType dtype) {
  if (is_half(dtype)) return {2, 2, 4};
  return {4, 4, 8};
}

// float16 and bfloat16 data: the generated values rounded to the format (exact fill's integers
// are representable already).
template <typename T>
void round_to_storage(const Problem& p, ConvData<T>& data) {
  const auto format = storage_format(p.dtype);
  if constexpr (std::is_same_v<T, float>) {
    if (!format) return;
    for (auto* tensor : {&data.input, &data.weight}) {
      round_all(*format, tensor->data(), static_cast<int64_t>(tensor->size()));
    }
    round_all(*format, data.bias.data(), static_cast<int64_t>(data.bias.size()));
  }
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Box-Muller on two independent counter draws; deterministic per index.
double counter_normal(uint64_t seed, uint64_t stream, uint64_t index) {
  const double u1 = 1.0 - counter_uniform(seed, stream, 2 * index);  // (0, 1]
  const double u2 = counter_uniform(seed, stream, 2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// An integer uniform in [-max, max].
int counter_integer(uint64_t seed, uint64_t stream, uint64_t index, int max) {
  const double u = counter_uniform(seed, stream, index);
  return static_cast<int>(std::floor(u * (2 * max + 1))) - max;
}

}  // namespace

double counter_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  const uint64_t key = splitmix64(seed ^ splitmix64(stream * 0xD1B54A32D192ED03ull ^ index));
  return static_cast<double>(key >> 11) * 0x1.0p-53;
}

int64_t exact_fill_channel_stride(const Problem& p) {
  const double limit = std::ldexp(1.0, mantissa_bits(p.dtype));
  const ExactRange range = exact_range(p.dtype);
  const double bias_max = p.has_bias ? range.bias : 0;
  const double per_term = range.input * range.weight;
  const int64_t taps = p.kernel_h * p.kernel_w;
  const int64_t channels = p.in_channels_per_group();
  for (int64_t stride = 1; stride <= channels; ++stride) {
    const int64_t kept_channels = (channels + stride - 1) / stride;
    if (static_cast<double>(kept_channels * taps) * per_term + bias_max <= limit) return stride;
  }
  throw InputError("--fill exact with kernel " + std::to_string(p.kernel_h) + "x" +
                   std::to_string(p.kernel_w) +
                   ": even one input channel has too many terms for "
                   "exact integer sums in " +
                   to_string(p.dtype));
}

template <typename T>
ConvData<T> allocate_data(const Problem& p) {
  ConvData<T> data;
  data.input = AlignedTensor<T, 4>::from_shape(
      {static_cast<size_t>(p.batch), static_cast<size_t>(p.in_channels),
       static_cast<size_t>(p.height), static_cast<size_t>(p.width)});
  data.weight = AlignedTensor<T, 4>::from_shape(
      {static_cast<size_t>(p.out_channels), static_cast<size_t>(p.in_channels_per_group()),
       static_cast<size_t>(p.kernel_h), static_cast<size_t>(p.kernel_w)});
  data.bias =
      AlignedTensor<T, 1>::from_shape({static_cast<size_t>(p.has_bias ? p.out_channels : 0)});
  return data;
}

template <typename T>
ConvData<T> fill_data(const Problem& p) {
  ConvData<T> data = allocate_data<T>(p);

  const double bound = 1.0 / std::sqrt(static_cast<double>(p.reduction_length()));
  const ExactRange exact = exact_range(p.dtype);
  auto init_uniform = [&](uint64_t stream, uint64_t i) {
    return static_cast<T>(bound * (2.0 * counter_uniform(p.seed, stream, i) - 1.0));
  };

  T* input = data.input.data();
  const auto input_size = static_cast<uint64_t>(data.input.size());
  switch (p.fill) {
    case Fill::normal:
      for (uint64_t i = 0; i < input_size; ++i) {
        input[i] = static_cast<T>(counter_normal(p.seed, kInput, i));
      }
      break;
    case Fill::uniform:
      for (uint64_t i = 0; i < input_size; ++i) {
        input[i] = static_cast<T>(2.0 * counter_uniform(p.seed, kInput, i) - 1.0);
      }
      break;
    case Fill::exact: {
      const int64_t channel_stride = exact_fill_channel_stride(p);
      const uint64_t plane = static_cast<uint64_t>(p.height * p.width);
      for (uint64_t i = 0; i < input_size; ++i) {
        const int64_t channel = static_cast<int64_t>(i / plane) % p.in_channels;
        const bool kept = (channel % p.in_channels_per_group()) % channel_stride == 0;
        input[i] = kept ? static_cast<T>(counter_integer(p.seed, kInput, i, exact.input)) : T(0);
      }
      break;
    }
    case Fill::files:  // such data are read, not generated: to_conv_data (tensor_files.hpp)
      throw std::logic_error("fill_data called for a problem whose data come from files");
  }

  T* weight = data.weight.data();
  for (uint64_t i = 0; i < data.weight.size(); ++i) {
    weight[i] = p.fill == Fill::exact
                    ? static_cast<T>(counter_integer(p.seed, kWeight, i, exact.weight))
                    : init_uniform(kWeight, i);
  }
  T* bias = data.bias.data();
  for (uint64_t i = 0; i < data.bias.size(); ++i) {
    bias[i] = p.fill == Fill::exact ? static_cast<T>(counter_integer(p.seed, kBias, i, exact.bias))
                                    : init_uniform(kBias, i);
  }
  round_to_storage(p, data);
  return data;
}

template ConvData<float> allocate_data<float>(const Problem&);
template ConvData<double> allocate_data<double>(const Problem&);
template ConvData<float> fill_data<float>(const Problem&);
template ConvData<double> fill_data<double>(const Problem&);

}  // namespace conveq
