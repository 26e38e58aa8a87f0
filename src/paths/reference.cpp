// reference: the convolution by its definition, summed in a wider type, with the
// magnitude scale of each output. Threads split (sample, output channel) planes.
#include <cmath>
#include <vector>

#include "conveq/parallel.hpp"
#include "conveq/reference.hpp"

namespace conveq {
namespace {

// float32 problems accumulate in double; float64 problems in long double (64-bit mantissa
// on x86-64), so the reference stays much more accurate than what it judges.
template <typename T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, long double>;

}  // namespace

std::string reference_accumulation(DType dtype) {
  return dtype == DType::float32 ? "float64" : "long double";
}

double reference_unit_roundoff(DType dtype) {
  return dtype == DType::float32 ? std::ldexp(1.0, -53)
                                 : std::ldexp(1.0, -(std::numeric_limits<long double>::digits));
}

template <typename T>
void compute_reference(const Problem& p, const ConvData<T>& data, int threads,
                       ReferenceOutput& out) {
  using Acc = Accumulator<T>;
  const int64_t oh = p.out_height(), ow = p.out_width();
  const int64_t plane_size = oh * ow;
  const int64_t cin_g = p.in_channels_per_group(), cout_g = p.out_channels_per_group();
  out.value = xt::xtensor<double, 1>::from_shape({static_cast<size_t>(p.output_elements())});
  out.scale = xt::xtensor<double, 1>::from_shape({static_cast<size_t>(p.output_elements())});
  const T* input = data.input.data();
  const T* weight = data.weight.data();
  const T* bias = data.bias_or_null();

  parallel_for(p.batch * p.out_channels, threads, [&](int64_t begin, int64_t end) {
    std::vector<Acc> sum(static_cast<size_t>(plane_size));
    std::vector<Acc> magnitude(static_cast<size_t>(plane_size));
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / p.out_channels, o = plane % p.out_channels;
      const int64_t group = o / cout_g;
      const Acc b = bias ? static_cast<Acc>(bias[o]) : Acc(0);
      std::fill(sum.begin(), sum.end(), b);
      std::fill(magnitude.begin(), magnitude.end(), std::abs(b));
      for (int64_t c = 0; c < cin_g; ++c) {
        const T* x = input + (n * p.in_channels + group * cin_g + c) * p.height * p.width;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const Acc w = weight[((o * cin_g + c) * p.kernel_h + i) * p.kernel_w + j];
            const Acc w_abs = std::abs(w);
            for (int64_t oy = 0; oy < oh; ++oy) {
              const int64_t y = oy * p.stride_h + i * p.dilation_h - p.pad_top;
              if (y < 0 || y >= p.height) continue;
              for (int64_t ox = 0; ox < ow; ++ox) {
                const int64_t xi = ox * p.stride_w + j * p.dilation_w - p.pad_left;
                if (xi < 0 || xi >= p.width) continue;
                const Acc v = x[y * p.width + xi];
                sum[static_cast<size_t>(oy * ow + ox)] += w * v;
                magnitude[static_cast<size_t>(oy * ow + ox)] += w_abs * std::abs(v);
              }
            }
          }
        }
      }
      double* value = out.value.data() + plane * plane_size;
      double* scale = out.scale.data() + plane * plane_size;
      for (int64_t k = 0; k < plane_size; ++k) {
        value[k] = static_cast<double>(sum[static_cast<size_t>(k)]);
        scale[k] = static_cast<double>(magnitude[static_cast<size_t>(k)]);
      }
    }
  });
}

template void compute_reference<float>(const Problem&, const ConvData<float>&, int,
                                       ReferenceOutput&);
template void compute_reference<double>(const Problem&, const ConvData<double>&, int,
                                        ReferenceOutput&);

}  // namespace conveq
