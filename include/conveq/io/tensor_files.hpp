#pragma once
// Real tensors in and out of `conveq compare`: the problem derived from .npy files (--input,
// --weight, --bias), an externally computed output (--expect) compared like a path, and every
// output saved as .npy (--save-outputs). The .npy format itself is npy.hpp's job; this file
// adds what the tensors mean: ranks, channels, groups, bias length, conversions.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/io/atomic_file.hpp"
#include "conveq/io/npy.hpp"

namespace conveq {

// The file options as typed; empty: not given.
struct TensorFileOptions {
  std::string input, weight, bias, expect;
};

// One file as read, with what the report says about it.
struct TensorFile {
  std::string option;  // "--input", "--weight", "--bias", "--expect"
  std::string path;    // as given
  npy::Array array;
  std::string sha256;
  // Into the working dtype, e.g. "float64 -> float32 (rounded)"; empty: none (same dtype, or
  // --expect, which is compared exactly as stored).
  std::string conversion;
  int64_t values_changed = 0;  // by the conversion
  // Finite values that the conversion made infinite (they did not fit the working dtype), and
  // nonzero values it made exactly zero (too small for it): both only float64 -> float32.
  int64_t values_overflowed = 0;
  int64_t values_flushed_to_zero = 0;
  std::string what() const { return option + " " + path; }  // starts every message
};

struct TensorFiles {
  std::optional<TensorFile> input, weight, bias, expect;
  // The file options that reproduce this run, with absolute paths, for `repro`.
  std::string options_string() const;
  // Any of --input/--weight/--bias was rounded into the working dtype.
  bool inputs_rounded() const;
};

// Reads every given file and returns the problem: from the shapes of --input and --weight (and
// --bias) when given, else from `options` as usual. `given` names the problem options typed on
// the command line ("--in", "--kernel", ...): each must agree with the files, and --fill/--seed
// make no sense with them. Checks --expect's shape against the problem's output. Files larger
// than npy::kMaxFileBytes are refused before they are read. Throws InputError.
std::pair<Problem, TensorFiles> load_tensor_files(const TensorFileOptions& files,
                                                  const ProblemOptions& options,
                                                  const std::set<std::string>& given);

// The files' values in the working dtype, shaped as the paths expect (1D as H = 1). Call it
// after check_resources: this is where the problem's memory starts to be allocated.
template <typename T>
ConvData<T> to_conv_data(const Problem& problem, const TensorFiles& files);

// --save-outputs DIR: refuses, before the run, a DIR that is not a directory or could not be
// created (its nearest existing ancestor must be a writable directory). Creates nothing.
// `option` starts the messages (conveq model's --save-model-tensors uses it too).
void check_save_directory(const std::string& dir, const std::string& option = "--save-outputs");

// Every file --save-outputs DIR may write, for the paths named: to refuse, before the run, a
// DIR where one of them is an input of the run (DIR/input.npy as --input, say).
std::vector<std::string> saved_output_files(const std::string& dir,
                                            const std::vector<std::string>& path_names);

template <typename T>
struct NamedOutput {
  std::string name;  // a path's name: "conv1d/naive" is saved as conv1d_naive.npy
  const T* data;     // problem.output_elements() values, (N, Cout, OH, OW) order
};

// Stages DIR/<name with '/' -> '_'>.npy per output, reference.npy (float64) and the inputs as
// used (input.npy, weight.npy, bias.npy with a bias) in the working dtype, all in the problem's
// PyTorch shapes, into `staged`: nothing is in DIR until the caller commits them, with its
// report, so that a run that fails writes none of them. Throws InputError.
template <typename T>
void stage_outputs(const std::string& dir, const Problem& problem, const ConvData<T>& data,
                   const std::vector<NamedOutput<T>>& outputs, std::span<const double> reference,
                   StagedFiles& staged);

// stage_outputs, committed at once. Creates DIR (and parents) if missing.
template <typename T>
void save_outputs(const std::string& dir, const Problem& problem, const ConvData<T>& data,
                  const std::vector<NamedOutput<T>>& outputs, std::span<const double> reference);

}  // namespace conveq
