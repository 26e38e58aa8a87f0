#include "conveq/core/problem.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

#include "conveq/core/error.hpp"

namespace conveq {
namespace {

// Shapes larger than this are typos, not problems; it also keeps every product below 2^63.
constexpr int64_t kMaxDimension = int64_t{1} << 31;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.push_back("");
  return parts;
}

// "K" or "KH,KW" -> (h, w); a 1D problem takes a single value.
std::pair<int64_t, int64_t> parse_pair(const std::string& option, const std::string& text, int rank,
                                       int64_t min_value) {
  const auto parts = split(text, ',');
  for (const auto& part : parts) {
    if (part.empty() && parts.size() > 1) {
      throw InputError(option + " " + text + ": must be one integer or a pair \"H,W\"");
    }
  }
  if (parts.size() == 1) {
    const int64_t value = parse_integer(option, parts[0], min_value, kMaxDimension);
    return {rank == 1 ? (min_value == 0 ? 0 : 1) : value, value};
  }
  if (parts.size() == 2) {
    if (rank == 1) {
      throw InputError(option + " " + text +
                       ": a 1D problem takes one value (give --height and --width without "
                       "--length for a 2D problem)");
    }
    return {parse_integer(option, parts[0], min_value, kMaxDimension),
            parse_integer(option, parts[1], min_value, kMaxDimension)};
  }
  throw InputError(option + " " + text + ": must be one integer or a pair \"H,W\"");
}

std::string pair_string(int64_t h, int64_t w, int rank) {
  if (rank == 1) return std::to_string(w);
  if (h == w) return std::to_string(w);
  return std::to_string(h) + "," + std::to_string(w);
}

// PyTorch's padding='same': total d(k-1), the odd extra at the end.
void same_padding(int64_t kernel, int64_t dilation, int64_t& before, int64_t& after) {
  const int64_t total = dilation * (kernel - 1);
  before = total / 2;
  after = total - before;
}

// The factor pair (h, w) of length with h <= w and h as close to sqrt(length) as possible.
std::pair<int64_t, int64_t> closest_to_square(int64_t length) {
  int64_t best = 1;
  for (int64_t h = 1; h * h <= length; ++h) {
    if (length % h == 0) best = h;
  }
  return {best, length / best};
}

}  // namespace

std::string to_string(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return "float32";
    case DType::float64:
      return "float64";
    case DType::float16:
      return "float16";
    case DType::bfloat16:
      return "bfloat16";
  }
  return "?";
}

std::string to_string(Accumulation accumulation) {
  return accumulation == Accumulation::float32 ? "float32" : "same";
}

bool is_half(DType dtype) {
  return dtype == DType::float16 || dtype == DType::bfloat16;
}

std::optional<HalfFormat> storage_format(DType dtype) {
  if (dtype == DType::float16) return HalfFormat::float16;
  if (dtype == DType::bfloat16) return HalfFormat::bfloat16;
  return std::nullopt;
}

std::string to_string(Fill fill) {
  switch (fill) {
    case Fill::normal:
      return "normal";
    case Fill::uniform:
      return "uniform";
    case Fill::exact:
      return "exact";
    case Fill::files:
      return "files";
  }
  return "?";
}

DType parse_dtype(const std::string& text) {
  if (text == "float32") return DType::float32;
  if (text == "float64") return DType::float64;
  if (text == "float16") return DType::float16;
  if (text == "bfloat16") return DType::bfloat16;
  throw InputError("--dtype " + text + ": must be float32, float64, float16 or bfloat16");
}

Fill parse_fill(const std::string& text) {
  if (text == "normal") return Fill::normal;
  if (text == "uniform") return Fill::uniform;
  if (text == "exact") return Fill::exact;
  // "files" is not a fill one can ask for: --input gives it.
  throw InputError("--fill " + text + ": must be normal, uniform or exact");
}

int mantissa_bits(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return 24;
    case DType::float64:
      return 53;
    case DType::float16:
      return 11;
    case DType::bfloat16:
      return 8;
  }
  return 0;
}
double unit_roundoff(DType dtype) {
  return std::ldexp(1.0, -mantissa_bits(dtype));
}

int64_t parse_integer(const std::string& option, const std::string& text, int64_t min_value,
                      int64_t max_value) {
  int64_t value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [end, error] = std::from_chars(first, last, value);
  const std::string rule = min_value == 0   ? "a non-negative integer"
                           : min_value == 1 ? "a positive integer"
                                            : "an integer >= " + std::to_string(min_value);
  if (text.empty() || error == std::errc::invalid_argument || end != last) {
    throw InputError(option + " " + (text.empty() ? "\"\"" : text) + ": must be " + rule);
  }
  if (error == std::errc::result_out_of_range || value > max_value) {
    throw InputError(option + " " + text + ": must be " + rule + " no larger than " +
                     std::to_string(max_value));
  }
  if (value < min_value) throw InputError(option + " " + text + ": must be " + rule);
  return value;
}

int64_t Problem::out_height() const {
  return (height + pad_top + pad_bottom - dilation_h * (kernel_h - 1) - 1) / stride_h + 1;
}

int64_t Problem::out_width() const {
  return (width + pad_left + pad_right - dilation_w * (kernel_w - 1) - 1) / stride_w + 1;
}

bool Problem::is_pointwise() const {
  return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 &&
         pad_bottom == 0 && pad_left == 0 && pad_right == 0;
}

double Problem::flops() const {
  // Count, per axis, the (output position, tap) pairs whose input index lies inside
  // the input; the 2D count is the product of the two axes' counts.
  // Per tap, the outputs o with 0 <= o*stride + k*dilation - pad < in form one range:
  // O(kernel) work, so the count stays cheap even in a timed region.
  auto inside_taps = [](int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t pad,
                        int64_t dilation) {
    double taps = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t offset = k * dilation - pad;
      const int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
      const int64_t last = in - offset <= 0 ? 0 : std::min(out, (in - offset - 1) / stride + 1);
      if (last > first) taps += static_cast<double>(last - first);
    }
    return taps;
  };
  const double h_taps = inside_taps(height, out_height(), kernel_h, stride_h, pad_top, dilation_h);
  const double w_taps = inside_taps(width, out_width(), kernel_w, stride_w, pad_left, dilation_w);
  return 2.0 * static_cast<double>(batch) * static_cast<double>(out_channels) *
         static_cast<double>(in_channels_per_group()) * h_taps * w_taps;
}

std::vector<int64_t> Problem::input_shape() const {
  std::vector<int64_t> shape{batch, in_channels, height, width};
  if (rank == 1) shape.erase(shape.begin() + 2);
  if (!batched) shape.erase(shape.begin());
  return shape;
}

std::vector<int64_t> Problem::weight_shape() const {
  if (rank == 1) return {out_channels, in_channels_per_group(), kernel_w};
  return {out_channels, in_channels_per_group(), kernel_h, kernel_w};
}

std::vector<int64_t> Problem::output_shape() const {
  std::vector<int64_t> shape{batch, out_channels, out_height(), out_width()};
  if (rank == 1) shape.erase(shape.begin() + 2);
  if (!batched) shape.erase(shape.begin());
  return shape;
}

std::string Problem::options_string() const {
  std::ostringstream out;
  out << "--batch " << batch << " --in " << in_channels << " --out " << out_channels;
  if (rank == 1) {
    out << " --length " << width;
    if (fold_h > 0) out << " --height " << fold_h << " --width " << fold_w;
  } else {
    out << " --height " << height << " --width " << width;
  }
  out << " --kernel " << pair_string(kernel_h, kernel_w, rank);
  out << " --stride " << pair_string(stride_h, stride_w, rank);
  out << " --padding " << padding_spec;
  out << " --dilation " << pair_string(dilation_h, dilation_w, rank);
  out << " --groups " << groups;
  if (!has_bias) out << " --no-bias";
  out << " --dtype " << to_string(dtype);
  if (is_half(dtype)) out << " --accumulate " << to_string(accumulate);
  if (fill != Fill::files) out << " --fill " << to_string(fill) << " --seed " << seed;
  return out.str();
}

DType Problem::accumulation_dtype() const {
  return is_half(dtype) && accumulate == Accumulation::float32 ? DType::float32 : dtype;
}

namespace {

// --accumulate: float32 (the default) or same. float32 problems accumulate in float32 either
// way; float64 ones only in float64, so an explicit float32 there is refused.
Accumulation parse_accumulate(const std::string& text, DType dtype) {
  if (text != "" && text != "float32" && text != "same") {
    throw InputError("--accumulate " + text + ": must be float32 or same");
  }
  if (dtype == DType::float64 && text == "float32") {
    throw InputError(
        "--accumulate float32 with --dtype float64: float64 problems accumulate in "
        "float64 (give same, or leave --accumulate out)");
  }
  if (!is_half(dtype)) return Accumulation::float32;  // unused: the dtype itself
  return text == "same" ? Accumulation::same : Accumulation::float32;
}

// The (H, W) asked for as the folded view of a 1D problem, 0 by 0 when none was.
struct Fold {
  int64_t h = 0, w = 0;
};

// Sets rank, height and width: --length (or neither --height nor --width) makes a 1D problem,
// where --height and --width ask for the folded view.
Fold parse_spatial(const ProblemOptions& options, Problem& p) {
  const bool has_hw = !options.height.empty() || !options.width.empty();
  if (has_hw && (options.height.empty() || options.width.empty())) {
    const bool only_height = options.width.empty();
    throw InputError((only_height ? "--height " + options.height : "--width " + options.width) +
                     ": --height and --width go together; give both");
  }
  Fold fold;
  if (!options.length.empty() || !has_hw) {
    p.rank = 1;
    p.height = 1;
    p.width =
        options.length.empty() ? 4096 : parse_integer("--length", options.length, 1, kMaxDimension);
    if (has_hw) {
      fold.h = parse_integer("--height", options.height, 1, kMaxDimension);
      fold.w = parse_integer("--width", options.width, 1, kMaxDimension);
    }
  } else {
    p.rank = 2;
    p.height = parse_integer("--height", options.height, 1, kMaxDimension);
    p.width = parse_integer("--width", options.width, 1, kMaxDimension);
  }
  return fold;
}

// Needs the kernel, stride and dilation already set.
void parse_padding(const ProblemOptions& options, Problem& p) {
  p.padding_spec = options.padding;
  if (options.padding == "valid") {
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 0;
  } else if (options.padding == "same") {
    if (p.stride_h != 1 || p.stride_w != 1) {
      throw InputError("--padding same with --stride " + options.stride +
                       ": padding 'same' needs stride 1 (as in PyTorch)");
    }
    same_padding(p.kernel_h, p.dilation_h, p.pad_top, p.pad_bottom);
    same_padding(p.kernel_w, p.dilation_w, p.pad_left, p.pad_right);
  } else {
    if (options.padding.empty() ||
        options.padding.find_first_not_of("0123456789,") != std::string::npos) {
      throw InputError("--padding " + options.padding +
                       ": must be a non-negative integer, a pair \"PH,PW\", same or valid");
    }
    const auto [ph, pw] = parse_pair("--padding", options.padding, p.rank, 0);
    p.pad_top = p.pad_bottom = ph;
    p.pad_left = p.pad_right = pw;
  }
}

// The folded view asked for, checked; otherwise the one closest to square for a pointwise 1D
// problem.
void set_fold(const ProblemOptions& options, Fold fold, Problem& p) {
  if (fold.h > 0) {
    if (!p.is_pointwise()) {
      throw InputError("--height " + options.height + " --width " + options.width +
                       " with --length: the folded (H, W) view exists only for pointwise problems "
                       "(kernel 1, stride 1, no padding); drop --length for a 2D problem");
    }
    if (fold.h * fold.w != p.width) {
      throw InputError("--height " + options.height + " --width " + options.width +
                       ": H*W = " + std::to_string(fold.h * fold.w) + " must equal --length " +
                       std::to_string(p.width));
    }
    p.fold_h = fold.h;
    p.fold_w = fold.w;
  } else if (p.rank == 1 && p.is_pointwise()) {
    std::tie(p.fold_h, p.fold_w) = closest_to_square(p.width);
  }
}

}  // namespace

Problem make_problem(const ProblemOptions& options) {
  Problem p;
  p.batch = parse_integer("--batch", options.batch, 1, kMaxDimension);
  p.in_channels = parse_integer("--in", options.in_channels, 1, kMaxDimension);
  p.out_channels = parse_integer("--out", options.out_channels, 1, kMaxDimension);
  p.groups = parse_integer("--groups", options.groups, 1, kMaxDimension);
  p.dtype = parse_dtype(options.dtype);
  p.accumulate = parse_accumulate(options.accumulate, p.dtype);
  p.fill = parse_fill(options.fill);
  p.seed = static_cast<uint64_t>(
      parse_integer("--seed", options.seed, 0, std::numeric_limits<int64_t>::max()));
  p.has_bias = !options.no_bias;
  const Fold fold = parse_spatial(options, p);
  std::tie(p.kernel_h, p.kernel_w) = parse_pair("--kernel", options.kernel, p.rank, 1);
  std::tie(p.stride_h, p.stride_w) = parse_pair("--stride", options.stride, p.rank, 1);
  std::tie(p.dilation_h, p.dilation_w) = parse_pair("--dilation", options.dilation, p.rank, 1);
  parse_padding(options, p);
  set_fold(options, fold, p);
  validate(p);
  return p;
}

void validate(const Problem& p) {
  if (p.in_channels % p.groups != 0) {
    throw InputError("--groups " + std::to_string(p.groups) + ": input channels (" +
                     std::to_string(p.in_channels) + ") must be divisible by groups");
  }
  if (p.out_channels % p.groups != 0) {
    throw InputError("--groups " + std::to_string(p.groups) + ": output channels (" +
                     std::to_string(p.out_channels) + ") must be divisible by groups");
  }
  auto check_axis = [](const char* axis, int64_t in, int64_t pad_before, int64_t pad_after,
                       int64_t kernel, int64_t dilation) {
    const int64_t padded = in + pad_before + pad_after;
    const int64_t extent = dilation * (kernel - 1) + 1;
    if (extent > padded) {
      throw InputError(std::string("--kernel ") + std::to_string(kernel) + " --dilation " +
                       std::to_string(dilation) + ": the dilated kernel spans " +
                       std::to_string(extent) + " " + axis + " positions, more than the padded " +
                       "input's " + std::to_string(padded) + "; it must fit");
    }
  };
  check_axis("height", p.height, p.pad_top, p.pad_bottom, p.kernel_h, p.dilation_h);
  check_axis("width", p.width, p.pad_left, p.pad_right, p.kernel_w, p.dilation_w);
}

}  // namespace conveq
