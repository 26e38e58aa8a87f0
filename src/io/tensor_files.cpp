#include "conveq/io/tensor_files.hpp"
#include "conveq/core/shell_word.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <type_traits>

#include "conveq/core/error.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/sha256.hpp"

namespace conveq {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

[[noreturn]] void fail(const TensorFile& file, const std::string& what_and_rule) {
  throw InputError(file.what() + ": " + what_and_rule);
}

std::string shape_text(const TensorFile& file) {
  return npy::shape_to_string(file.array.shape);
}

std::string stored_name(npy::StoredType type) {
  switch (type) {
    case npy::StoredType::float16:
      return "float16";
    case npy::StoredType::bfloat16:
      return "bfloat16";
    case npy::StoredType::float32:
      return "float32";
    case npy::StoredType::float64:
      return "float64";
  }
  return "?";
}

TensorFile read_tensor_file(const std::string& option, const std::string& path) {
  TensorFile file;
  file.option = option;
  file.path = path;
  // The file is read twice (data, then digest); a pipe would be empty the second time.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
      !std::filesystem::is_directory(status)) {
    fail(file, "not a regular file: conveq reads and hashes .npy files, not pipes or devices");
  }
  try {
    file.array = npy::read_file(path);
    file.sha256 = sha256_file_hex(path);
  } catch (const InputError& e) {
    throw InputError(option + " " + e.what());  // the reader's message starts with the path
  }
  return file;
}

// A stored value in the working dtype: float16 and bfloat16 round the value itself once (a
// float64 value rounded to float32 first could be rounded twice).
double to_working_dtype(double value, DType dtype) {
  if (const auto format = storage_format(dtype)) return round_exactly(*format, value);
  return dtype == DType::float32 ? static_cast<double>(static_cast<float>(value)) : value;
}

// How the values change on their way into the working dtype; counts the ones that do, and
// those that overflow to infinity or flush to zero (only a narrower dtype can do either).
void describe_conversion(TensorFile& file, DType dtype) {
  const std::string from = stored_name(file.array.stored_type);
  const std::string to = to_string(dtype);
  if (from == to) return;
  int64_t changed = 0, overflowed = 0, flushed = 0;
  if (dtype != DType::float64) {
    for (const double v : file.array.values) {
      const double f = to_working_dtype(v, dtype);
      if (f != v && !(std::isnan(v) && std::isnan(f))) ++changed;
      if (std::isinf(f) && !std::isinf(v)) ++overflowed;
      if (f == 0 && v != 0) ++flushed;
    }
  }
  file.values_changed = changed;
  file.values_overflowed = overflowed;
  file.values_flushed_to_zero = flushed;
  std::string details = changed == 0 ? "exact" : "rounded";
  if (overflowed > 0) details += "; " + std::to_string(overflowed) + " overflowed to infinity";
  if (flushed > 0) details += "; " + std::to_string(flushed) + " flushed to zero";
  file.conversion = from + " -> " + to + " (" + details + ")";
}

// The problem's shapes as the files give them.
struct Shapes {
  int rank = 1;
  bool batched = true;
  int64_t batch = 1, in_channels = 1, height = 1, width = 1;
  int64_t out_channels = 1, in_per_group = 1, kernel_h = 1, kernel_w = 1, groups = 1;
};

Shapes derive_shapes(const TensorFile& input, const TensorFile& weight,
                     const std::optional<TensorFile>& bias) {
  Shapes s;
  const auto& ws = weight.array.shape;
  if (ws.size() != 3 && ws.size() != 4) {
    fail(weight, "shape " + shape_text(weight) + " has " + std::to_string(ws.size()) +
                     " dimensions: a weight has 3 (Conv1d: out, in/groups, K) or 4 (Conv2d: out, "
                     "in/groups, KH, KW)");
  }
  s.rank = static_cast<int>(ws.size()) - 2;
  const auto& xs = input.array.shape;
  const size_t batched_rank = ws.size();
  if (xs.size() != batched_rank && xs.size() != batched_rank - 1) {
    fail(input, "shape " + shape_text(input) + " has " + std::to_string(xs.size()) +
                    " dimensions: with a " + std::to_string(ws.size()) + "-dimensional weight (" +
                    weight.path + ") the input has " +
                    (s.rank == 1 ? "3 (N, C, L) or 2 (C, L)" : "4 (N, C, H, W) or 3 (C, H, W)"));
  }
  s.batched = xs.size() == batched_rank;
  const size_t c = s.batched ? 1 : 0;
  s.batch = s.batched ? xs[0] : 1;
  s.in_channels = xs[c];
  s.height = s.rank == 2 ? xs[c + 1] : 1;
  s.width = xs.back();
  s.out_channels = ws[0];
  s.in_per_group = ws[1];
  s.kernel_h = s.rank == 2 ? ws[2] : 1;
  s.kernel_w = ws.back();
  if (s.in_channels % s.in_per_group != 0) {
    fail(weight, "shape " + shape_text(weight) + " has " + std::to_string(s.in_per_group) +
                     " input channels per group: that must divide the input's " +
                     std::to_string(s.in_channels) + " channels (" + input.what() + ", shape " +
                     shape_text(input) + ")");
  }
  s.groups = s.in_channels / s.in_per_group;
  if (s.out_channels % s.groups != 0) {
    fail(weight, "shape " + shape_text(weight) + " has " + std::to_string(s.out_channels) +
                     " output channels: the input's " + std::to_string(s.in_channels) +
                     " channels at " + std::to_string(s.in_per_group) + " per group make " +
                     std::to_string(s.groups) + " groups, which must divide the output channels");
  }
  if (bias) {
    const auto& bs = bias->array.shape;
    if (bs.size() != 1) {
      fail(*bias, "shape " + shape_text(*bias) + " has " + std::to_string(bs.size()) +
                      " dimensions: a bias is 1-dimensional, (out_channels,)");
    }
    if (bs[0] != s.out_channels) {
      fail(*bias, "shape " + shape_text(*bias) + " has " + std::to_string(bs[0]) +
                      " elements: it needs one per output channel, " +
                      std::to_string(s.out_channels) + " (" + weight.what() + ", shape " +
                      shape_text(weight) + ")");
    }
  }
  return s;
}

// A shape option typed on the command line must say what the file says.
void check_agrees(const std::set<std::string>& given, const std::string& option,
                  const std::string& text, int64_t derived, const TensorFile& file,
                  const std::string& description) {
  if (given.count(option) == 0) return;
  if (parse_integer(option, text, 1, kInt64Max) != derived) {
    throw InputError(option + " " + text + " contradicts " + file.path + ": " + description);
  }
}

void check_kernel_agrees(const std::set<std::string>& given, const std::string& text,
                         const Shapes& s, const TensorFile& weight) {
  if (given.count("--kernel") == 0) return;
  const auto comma = text.find(',');
  const std::string kernel = s.rank == 1
                                 ? std::to_string(s.kernel_w)
                                 : std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w);
  const std::string description = "weight shape " + shape_text(weight) + " has kernel " + kernel;
  const auto contradiction = [&] {
    throw InputError("--kernel " + text + " contradicts " + weight.path + ": " + description);
  };
  if (comma == std::string::npos) {
    const int64_t k = parse_integer("--kernel", text, 1, kInt64Max);
    if (k != s.kernel_w || (s.rank == 2 && k != s.kernel_h)) contradiction();
    return;
  }
  if (s.rank == 1) contradiction();
  const int64_t kh = parse_integer("--kernel", text.substr(0, comma), 1, kInt64Max);
  const int64_t kw = parse_integer("--kernel", text.substr(comma + 1), 1, kInt64Max);
  if (kh != s.kernel_h || kw != s.kernel_w) contradiction();
}

// Options that make data (--fill, --seed) or drop the bias have no say when files give them.
void refuse_data_options(const TensorFiles& files, const ProblemOptions& options,
                         const std::set<std::string>& given) {
  for (const auto& [option, text] :
       {std::pair{"--fill", options.fill}, std::pair{"--seed", options.seed}}) {
    if (given.count(option) > 0) {
      throw InputError(std::string(option) + " " + text + ": the data come from " +
                       files.input->what() + "; " + option + " applies only to generated data");
    }
  }
  if (files.bias && options.no_bias) {
    throw InputError("--no-bias contradicts " + files.bias->what() + ": give one or the other");
  }
}

void check_typed_options_agree(const std::set<std::string>& given, const ProblemOptions& options,
                               const Shapes& s, const TensorFile& input, const TensorFile& weight) {
  const std::string in_shape = "input shape " + shape_text(input);
  const std::string w_shape = "weight shape " + shape_text(weight);
  check_agrees(given, "--batch", options.batch, s.batch, input,
               s.batched ? in_shape + " has " + std::to_string(s.batch) + " samples"
                         : in_shape + " is unbatched: one sample");
  check_agrees(given, "--in", options.in_channels, s.in_channels, input,
               in_shape + " has " + std::to_string(s.in_channels) + " channels");
  check_agrees(given, "--out", options.out_channels, s.out_channels, weight,
               w_shape + " has " + std::to_string(s.out_channels) + " output channels");
  check_agrees(given, "--groups", options.groups, s.groups, weight,
               w_shape + " has " + std::to_string(s.in_per_group) +
                   " input channels per group, so the input's " + std::to_string(s.in_channels) +
                   " channels make " + std::to_string(s.groups) + " groups");
  if (s.rank == 1) {
    check_agrees(given, "--length", options.length, s.width, input,
                 in_shape + " has length " + std::to_string(s.width));
    // --height/--width stay: for a 1D problem they give the folded view (make_problem checks).
  } else {
    if (given.count("--length") > 0) {
      throw InputError("--length " + options.length + " contradicts " + weight.path + ": " +
                       w_shape + " is a Conv2d weight; a 2D problem has a height and a width");
    }
    check_agrees(given, "--height", options.height, s.height, input,
                 in_shape + " has height " + std::to_string(s.height));
    check_agrees(given, "--width", options.width, s.width, input,
                 in_shape + " has width " + std::to_string(s.width));
  }
  check_kernel_agrees(given, options.kernel, s, weight);
}

// The options with the shapes, bias and dtype the files give; stride, padding and dilation
// stay as typed.
ProblemOptions derived_options(const ProblemOptions& options, const Shapes& s,
                               const TensorFiles& files, const std::set<std::string>& given) {
  ProblemOptions derived = options;
  derived.batch = std::to_string(s.batch);
  derived.in_channels = std::to_string(s.in_channels);
  derived.out_channels = std::to_string(s.out_channels);
  derived.groups = std::to_string(s.groups);
  if (s.rank == 1) {
    derived.length = std::to_string(s.width);
    derived.kernel = std::to_string(s.kernel_w);
  } else {
    derived.length.clear();
    derived.height = std::to_string(s.height);
    derived.width = std::to_string(s.width);
    derived.kernel = std::to_string(s.kernel_h) + "," + std::to_string(s.kernel_w);
  }
  derived.no_bias = !files.bias;
  // The input file's type is the working dtype, unless --dtype says otherwise.
  if (given.count("--dtype") == 0) derived.dtype = stored_name(files.input->array.stored_type);
  derived.fill = "normal";
  derived.seed = "0";
  return derived;
}

Problem problem_from_files(const TensorFiles& files, const ProblemOptions& options,
                           const std::set<std::string>& given) {
  const TensorFile& input = *files.input;
  const TensorFile& weight = *files.weight;
  refuse_data_options(files, options, given);
  const Shapes s = derive_shapes(input, weight, files.bias);
  check_typed_options_agree(given, options, s, input, weight);
  Problem problem;
  try {
    problem = make_problem(derived_options(options, s, files, given));
  } catch (const InputError& e) {
    // Stride, padding and dilation come from options and may not fit the files' shapes.
    throw InputError(std::string(e.what()) + " (shapes from " + input.what() + ", " +
                     weight.what() + ")");
  }
  problem.fill = Fill::files;
  problem.batched = s.batched;
  return problem;
}

template <typename Tensor>
void copy_values(const std::vector<double>& values, DType dtype, Tensor& tensor) {
  using T = typename Tensor::value_type;
  std::transform(values.begin(), values.end(), tensor.begin(),
                 [dtype](double v) { return static_cast<T>(to_working_dtype(v, dtype)); });
}

std::string file_name(std::string name) {
  std::replace(name.begin(), name.end(), '/', '_');
  return name + ".npy";
}

}  // namespace

std::string TensorFiles::options_string() const {
  std::string out;
  for (const auto* file : {&input, &weight, &bias, &expect}) {
    if (!*file) continue;
    const auto absolute = std::filesystem::absolute((*file)->path).lexically_normal();
    out += (out.empty() ? "" : " ") + (*file)->option + " " + shell_word(absolute.string());
  }
  return out;
}

bool TensorFiles::inputs_rounded() const {
  for (const auto* file : {&input, &weight, &bias}) {
    if (*file && (*file)->values_changed > 0) return true;
  }
  return false;
}

std::pair<Problem, TensorFiles> load_tensor_files(const TensorFileOptions& options,
                                                  const ProblemOptions& problem_options,
                                                  const std::set<std::string>& given) {
  const bool has_input = !options.input.empty(), has_weight = !options.weight.empty();
  if (has_input != has_weight) {
    throw InputError(has_input ? "--input " + options.input + ": needs --weight too"
                               : "--weight " + options.weight + ": needs --input too");
  }
  if (!options.bias.empty() && !has_input) {
    throw InputError("--bias " + options.bias + ": needs --input and --weight too");
  }
  TensorFiles files;
  if (has_input) {
    files.input = read_tensor_file("--input", options.input);
    files.weight = read_tensor_file("--weight", options.weight);
    if (!options.bias.empty()) files.bias = read_tensor_file("--bias", options.bias);
  }
  if (!options.expect.empty()) files.expect = read_tensor_file("--expect", options.expect);

  const Problem problem =
      has_input ? problem_from_files(files, problem_options, given) : make_problem(problem_options);
  for (auto* file : {&files.input, &files.weight, &files.bias}) {
    if (*file) describe_conversion(**file, problem.dtype);
  }
  if (files.expect && files.expect->array.shape != problem.output_shape()) {
    fail(*files.expect, "shape " + shape_text(*files.expect) +
                            ": must equal the problem's output shape " +
                            npy::shape_to_string(problem.output_shape()));
  }
  return {problem, std::move(files)};
}

template <typename T>
ConvData<T> to_conv_data(const Problem& p, const TensorFiles& files) {
  ConvData<T> data = allocate_data<T>(p);
  // C order on both sides, and (N, C, L) is (N, C, 1, L) element for element.
  copy_values(files.input->array.values, p.dtype, data.input);
  copy_values(files.weight->array.values, p.dtype, data.weight);
  if (files.bias) copy_values(files.bias->array.values, p.dtype, data.bias);
  return data;
}

void check_save_directory(const std::string& dir, const std::string& option) {
  const std::string what = option + " " + dir;
  if (dir.empty()) throw InputError(option + " \"\": must name a directory");
  std::error_code error;
  const std::filesystem::path path(dir);
  if (std::filesystem::exists(path, error)) {
    if (!std::filesystem::is_directory(path, error)) {
      throw InputError(what + ": exists and is not a directory");
    }
    if (::access(path.c_str(), W_OK | X_OK) != 0) {
      throw InputError(what + ": directory is not writable");
    }
    return;
  }
  // Created at the end of the run, so it must be creatable: the nearest existing ancestor
  // has to be a writable directory.
  std::filesystem::path ancestor = std::filesystem::absolute(path, error).lexically_normal();
  while (!std::filesystem::exists(ancestor, error) && ancestor != ancestor.parent_path()) {
    ancestor = ancestor.parent_path();
  }
  if (!std::filesystem::is_directory(ancestor, error)) {
    throw InputError(what + ": cannot be created: " + ancestor.string() + " is not a directory");
  }
  if (::access(ancestor.c_str(), W_OK | X_OK) != 0) {
    throw InputError(what + ": cannot be created: " + ancestor.string() + " is not writable");
  }
}

std::vector<std::string> saved_output_files(const std::string& dir,
                                            const std::vector<std::string>& path_names) {
  std::vector<std::string> files;
  for (const std::string name : {"input", "weight", "bias", "reference"}) {
    files.push_back((std::filesystem::path(dir) / file_name(name)).string());
  }
  for (const auto& name : path_names) {
    files.push_back((std::filesystem::path(dir) / file_name(name)).string());
  }
  return files;
}

template <typename T>
void stage_outputs(const std::string& dir, const Problem& problem, const ConvData<T>& data,
                   const std::vector<NamedOutput<T>>& outputs, std::span<const double> reference,
                   StagedFiles& staged) {
  const std::string what = "--save-outputs " + dir;
  // float16 and bfloat16 data are saved in their format ('<f2', '<V2'); the reference as float64.
  const auto format = storage_format(problem.dtype);
  auto save = [&](const std::string& name, const auto* values, const std::vector<int64_t>& shape) {
    std::string bytes;
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(*values)>, float>) {
      if (format) bytes = npy::encode(*format, values, shape);
    }
    if (bytes.empty()) bytes = npy::encode(values, shape);
    staged.add_to_directory(dir, name, bytes, what);
  };
  save("input.npy", data.input.data(), problem.input_shape());
  save("weight.npy", data.weight.data(), problem.weight_shape());
  if (problem.has_bias) save("bias.npy", data.bias.data(), {problem.out_channels});
  for (const auto& output : outputs) {
    save(file_name(output.name), output.data, problem.output_shape());
  }
  save("reference.npy", reference.data(), problem.output_shape());
}

template <typename T>
void save_outputs(const std::string& dir, const Problem& problem, const ConvData<T>& data,
                  const std::vector<NamedOutput<T>>& outputs, std::span<const double> reference) {
  StagedFiles staged;
  stage_outputs(dir, problem, data, outputs, reference, staged);
  staged.commit();
}

template ConvData<float> to_conv_data<float>(const Problem&, const TensorFiles&);
template ConvData<double> to_conv_data<double>(const Problem&, const TensorFiles&);
#define CONVEQ_INSTANTIATE(T)                                                                 \
  template void stage_outputs<T>(const std::string&, const Problem&, const ConvData<T>&,      \
                                 const std::vector<NamedOutput<T>>&, std::span<const double>, \
                                 StagedFiles&);                                               \
  template void save_outputs<T>(const std::string&, const Problem&, const ConvData<T>&,       \
                                const std::vector<NamedOutput<T>>&, std::span<const double>);
CONVEQ_INSTANTIATE(float)
CONVEQ_INSTANTIATE(double)
#undef CONVEQ_INSTANTIATE

}  // namespace conveq
