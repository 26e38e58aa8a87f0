#pragma once
// A convolution problem: shapes, parameters and data options, with PyTorch's
// F.conv1d / F.conv2d semantics. A 1D problem is stored as a 2D one with
// height 1 (PyTorch itself lowers conv1d that way); `rank` remembers which
// formulation the user asked for.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conveq/core/half_formats.hpp"

namespace conveq {

// float16 and bfloat16 are storage formats: their data live in float buffers holding values the
// format represents (core/half_formats.hpp), and the paths compute in the format (emulated).
enum class DType { float32, float64, float16, bfloat16 };
// Where the sums of a float16 or bfloat16 problem accumulate: in float32 (the output rounded to
// the storage format once, as most kernels do) or in the storage format itself (every product and
// sum rounded). float32 and float64 problems always accumulate in their own dtype.
enum class Accumulation { float32, same };
// `files`: the data come from .npy files (tensor_files.hpp); never parsed from --fill.
enum class Fill { normal, uniform, exact, files };

std::string to_string(DType dtype);
std::string to_string(Fill fill);
DType parse_dtype(const std::string& text);  // throws InputError naming --dtype
Fill parse_fill(const std::string& text);    // throws InputError naming --fill; never `files`
int mantissa_bits(DType dtype);              // 24 float32, 53 float64, 11 float16, 8 bfloat16
double unit_roundoff(DType dtype);           // 2^-24, 2^-53, 2^-11, 2^-8

std::string to_string(Accumulation accumulation);       // "float32", "same"
bool is_half(DType dtype);                              // float16 or bfloat16
std::optional<HalfFormat> storage_format(DType dtype);  // float16/bfloat16; empty for others

struct Problem {
  int rank = 1;  // 1: Conv1d on (N, C, L); 2: Conv2d on (N, C, H, W)
  int64_t batch = 1;
  // false: an unbatched input file, (C, L) or (C, H, W); batch is 1 and the input and output
  // shapes leave N out, as PyTorch's do.
  bool batched = true;
  int64_t in_channels = 64;
  int64_t out_channels = 128;
  int64_t groups = 1;
  int64_t height = 1;    // 1 for a 1D problem
  int64_t width = 4096;  // the length L for a 1D problem
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::string padding_spec = "0";  // as given: an integer, a pair, "same" or "valid"
  int64_t fold_h = 0, fold_w = 0;  // the folded (H, W) view of a pointwise 1D problem; 0 = none
  bool has_bias = true;
  DType dtype = DType::float32;                     // the storage (working) dtype
  Accumulation accumulate = Accumulation::float32;  // float16 and bfloat16 only
  Fill fill = Fill::normal;
  uint64_t seed = 0;

  // The format the sums accumulate in: float32 for a float16 or bfloat16 problem that
  // accumulates in float32, the dtype itself otherwise.
  DType accumulation_dtype() const;

  int64_t out_height() const;
  int64_t out_width() const;
  int64_t length() const { return height * width; }
  int64_t in_channels_per_group() const { return in_channels / groups; }
  int64_t out_channels_per_group() const { return out_channels / groups; }
  // Terms of one output's dot product: (Cin/g) * KH * KW products, plus the bias.
  int64_t reduction_length() const { return in_channels_per_group() * kernel_h * kernel_w; }
  // Kernel 1, stride 1, no padding, dilation irrelevant: a per-position channel mix.
  bool is_pointwise() const;
  // FLOPs actually performed: 2 per multiply-add of a kernel tap inside the input
  // (padding taps excluded), summed over every output; the bias is not counted.
  double flops() const;

  int64_t input_elements() const { return batch * in_channels * height * width; }
  int64_t weight_elements() const {
    return out_channels * in_channels_per_group() * kernel_h * kernel_w;
  }
  int64_t output_elements() const { return batch * out_channels * out_height() * out_width(); }

  std::vector<int64_t> input_shape() const;   // (N, C, L) or (N, C, H, W); no N if unbatched
  std::vector<int64_t> weight_shape() const;  // (O, C/g, K) or (O, C/g, KH, KW)
  std::vector<int64_t> output_shape() const;

  // Options of `conveq compare` that reproduce this problem (shape and data, not timing).
  // Data from files: the shapes (which then agree with the files), without --fill and --seed.
  std::string options_string() const;
};

// Raw option text as typed, so every error names the option and the value.
struct ProblemOptions {
  std::string batch = "1";
  std::string in_channels = "64";
  std::string out_channels = "128";
  std::string length;  // default 4096 when neither --length nor --height/--width
  std::string height, width;
  std::string kernel = "1", stride = "1", padding = "0", dilation = "1", groups = "1";
  bool no_bias = false;
  std::string dtype = "float32";
  std::string accumulate;  // "float32" (the default) or "same"
  std::string fill = "normal";
  std::string seed = "0";
};

// Validates every option and combination; throws InputError naming the value and the rule.
Problem make_problem(const ProblemOptions& options);
// Throws InputError when the problem's parameters are inconsistent (used after shapes
// were derived from files too).
void validate(const Problem& problem);

// Parses "--name value" as an integer in [min, max]; throws InputError otherwise.
int64_t parse_integer(const std::string& option, const std::string& text, int64_t min_value,
                      int64_t max_value);

}  // namespace conveq
