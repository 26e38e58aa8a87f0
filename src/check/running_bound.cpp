// running_bound: the definition's order replayed in the storage format, with the running error
// bound of every output (include/conveq/check/running_bound.hpp).
#include "conveq/check/running_bound.hpp"

#include <cmath>
#include <stdexcept>

#include "conveq/check/bound.hpp"
#include "conveq/check/precision.hpp"
#include "conveq/core/half_formats.hpp"
#include "conveq/core/parallel.hpp"

namespace conveq {
namespace {

// What one rounding to the format can err by: |x - fl(x)| <= u |fl(x)| when fl(x) is normal
// (Higham 2nd ed., (2.5): x = fl(x) (1 + d), |d| <= u; x below the smallest normal rounding up
// to it errs by half a subnormal step, which is u times it), else half a subnormal step.
struct LocalBound {
  explicit LocalBound(DType dtype)
      : u(unit_roundoff(dtype)),
        half_step(smallest_subnormal(u) / 2),
        min_normal(std::ldexp(smallest_subnormal(u), mantissa_bits(dtype) - 1)) {}
  double u, half_step, min_normal;
  double operator()(float rounded) const {
    const double magnitude = std::abs(static_cast<double>(rounded));
    return magnitude >= min_normal ? u * magnitude : half_step;
  }
};

// One output's sum and bound, and the plane loop around it.
class Replay {
 public:
  Replay(const Problem& p, const ConvData<float>& data, RunningBound& out)
      : p_(p),
        format_(*storage_format(p.dtype)),
        local_(p.dtype),
        input_(data.input.data()),
        weight_(data.weight.data()),
        bias_(data.bias_or_null()),
        out_(out),
        // The bound is summed in double: 2 additions per term, each within 2^-53 relative of
        // nonnegative numbers, so gamma_{2n}(2^-53) < 4n 2^-53 covers them and this multiplication.
        inflation_(1.0 + 4.0 * static_cast<double>(output_sum_terms(p)) * std::ldexp(1.0, -53)) {}

  void plane(int64_t plane) const {
    const int64_t n = plane / p_.out_channels, o = plane % p_.out_channels;
    const int64_t cin_g = p_.in_channels_per_group();
    const float* x = input_ + (n * p_.in_channels + o / p_.out_channels_per_group() * cin_g) *
                                  p_.height * p_.width;
    const float* w = weight_ + o * cin_g * p_.kernel_h * p_.kernel_w;
    const int64_t ow = p_.out_width(), first = plane * p_.out_height() * ow;
    for (int64_t oy = 0; oy < p_.out_height(); ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        output(x, w, bias_ ? bias_[o] : 0.0f, oy, ox, static_cast<size_t>(first + oy * ow + ox));
      }
    }
  }

 private:
  // The bias, then channel, row tap, column tap; a term whose exact product is zero (padding,
  // a zero weight) leaves the sum exact, as the naive paths that skip padding do.
  void output(const float* x, const float* w, float bias, int64_t oy, int64_t ox, size_t at) const {
    float s = bias;
    double bound = 0;
    for (int64_t c = 0; c < p_.in_channels_per_group(); ++c) {
      for (int64_t i = 0; i < p_.kernel_h; ++i) {
        const int64_t y = oy * p_.stride_h + i * p_.dilation_h - p_.pad_top;
        if (y < 0 || y >= p_.height) continue;
        const float* row = x + (c * p_.height + y) * p_.width;
        const float* taps = w + (c * p_.kernel_h + i) * p_.kernel_w;
        for (int64_t j = 0; j < p_.kernel_w; ++j) {
          const int64_t col = ox * p_.stride_w + j * p_.dilation_w - p_.pad_left;
          if (col < 0 || col >= p_.width || static_cast<double>(taps[j]) * row[col] == 0) continue;
          const float product = half_mul(format_, taps[j], row[col]);
          s = half_add(format_, s, product);
          bound += local_(product) + local_(s);
        }
      }
    }
    out_.value[at] = s;
    out_.bound[at] = bound * inflation_;
  }

  const Problem& p_;
  HalfFormat format_;
  LocalBound local_;
  const float* input_;
  const float* weight_;
  const float* bias_;
  RunningBound& out_;
  double inflation_;
};

bool same_value(float a, float b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

}  // namespace

bool uses_running_bound(const Problem& problem) {
  return is_half(problem.dtype) && problem.accumulation_dtype() == problem.dtype;
}

RunningBound running_error_bound(const Problem& problem, const ConvData<float>& data, int threads) {
  if (!uses_running_bound(problem)) {
    throw std::logic_error("running_error_bound: only for float16 or bfloat16 sums");
  }
  RunningBound out;
  const auto size = static_cast<size_t>(problem.output_elements());
  out.value.resize(size);
  out.bound.resize(size);
  const Replay replay(problem, data, out);
  // About ten times a path's work per term (two emulated roundings and two bound terms).
  parallel_for(problem.batch * problem.out_channels,
               threads_for_work(10.0 * problem.flops(), threads), [&](int64_t begin, int64_t end) {
                 for (int64_t plane = begin; plane < end; ++plane) replay.plane(plane);
               });
  return out;
}

void require_definition_order(const std::string& path, const float* output,
                              const RunningBound& replay) {
  int64_t differing = 0;
  for (size_t i = 0; i < replay.value.size(); ++i)
    differing += !same_value(output[i], replay.value[i]);
  if (differing > 0) {
    throw std::logic_error(path + ": " + std::to_string(differing) + " of " +
                           std::to_string(replay.value.size()) +
                           " outputs differ from the definition's summation order with "
                           "--accumulate same, which its running error bound assumes");
  }
}

}  // namespace conveq
