// libconveq_torch.so: the at:: calls behind the torch paths, behind the C interface of
// conveq/paths/torch_plugin.h. Only the ATen operator headers it uses are included
// (TORCH_ASSERT_ONLY_METHOD_OPERATORS): torch/torch.h would cost 10 s of compile time.
// Each call runs as a PyTorch user's inference does: in InferenceMode, on tensors that wrap
// conveq's buffers, into an output tensor LibTorch allocates itself.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/core/Tensor.h>
#include <ATen/native/ConvUtils.h>
#include <ATen/ops/conv1d.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/linear.h>
#include <c10/core/InferenceMode.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "conveq/paths/torch_plugin.h"

namespace {

void set_error(char* error, size_t size, const std::string& message) {
  if (size == 0) return;
  std::strncpy(error, message.c_str(), size - 1);
  error[size - 1] = '\0';
}

// The first line of a c10::Error (the rest is a stack trace).
std::string first_line(const char* what) {
  const std::string text(what);
  return text.substr(0, text.find('\n'));
}

// "Build settings: ..., TORCH_VERSION=1.13.0, ..." -> "1.13.0"; likewise "CPU capability
// usage: AVX2". LibTorch has no other runtime accessor for either.
std::string config_value(const std::string& key, const std::string& end) {
  static const std::string config = at::show_config();
  const size_t start = config.find(key);
  if (start == std::string::npos) return "unknown";
  const size_t from = start + key.size();
  return config.substr(from, config.find_first_of(end, from) - from);
}

const char* backend_name(at::native::ConvBackend backend) {
  using B = at::native::ConvBackend;
  switch (backend) {
    case B::Mkldnn:
      return "Mkldnn (oneDNN)";
    case B::Slow2d:
      return "Slow2d (im2col + BLAS)";
    case B::SlowDilated2d:
      return "SlowDilated2d (im2col + BLAS)";
    case B::Xnnpack2d:
      return "Xnnpack2d";
    case B::NnpackSpatial:
      return "NnpackSpatial";
    case B::Winograd3x3Depthwise:
      return "Winograd3x3Depthwise";
    case B::Empty:
      return "Empty";
    default:
      return "another backend";
  }
}

struct Call {
  conveq_torch_problem problem{};
  at::Tensor input, weight, output;
  c10::optional<at::Tensor> bias;
  std::vector<int64_t> stride, padding, dilation;
  bool same = false;  // padding='same' (asymmetric padding, stride 1)
  std::string implementation;

  at::Tensor compute() const {
    switch (problem.op) {
      case CONVEQ_TORCH_LINEAR:
        return at::linear(input, weight, bias);
      case CONVEQ_TORCH_CONV1D:
        return same ? at::conv1d(input, weight, bias, stride, "same", dilation, problem.groups)
                    : at::conv1d(input, weight, bias, stride, padding, dilation, problem.groups);
      default:
        return same ? at::conv2d(input, weight, bias, stride, "same", dilation, problem.groups)
                    : at::conv2d(input, weight, bias, stride, padding, dilation, problem.groups);
    }
  }

  std::vector<int64_t> output_shape() const {
    const conveq_torch_problem& p = problem;
    if (p.op == CONVEQ_TORCH_LINEAR) return {p.batch * p.w, p.out_channels};
    if (p.op == CONVEQ_TORCH_CONV1D) return {p.batch, p.out_channels, p.ow};
    return {p.batch, p.out_channels, p.oh, p.ow};
  }
};

// Both sides' padding alike, or PyTorch's 'same' (the odd extra at the end), which is what
// conveq's asymmetric padding always is; anything else LibTorch cannot express.
bool padding_of(const conveq_torch_problem& p, Call& call, std::string& why) {
  const bool symmetric = p.pad_top == p.pad_bottom && p.pad_left == p.pad_right;
  call.same = !symmetric;
  call.padding = p.op == CONVEQ_TORCH_CONV1D ? std::vector<int64_t>{p.pad_left}
                                             : std::vector<int64_t>{p.pad_top, p.pad_left};
  if (symmetric) return true;
  auto is_same = [](int64_t before, int64_t after, int64_t k, int64_t d, int64_t s) {
    return s == 1 && before + after == d * (k - 1) && after - before >= 0 && after - before <= 1;
  };
  if (is_same(p.pad_top, p.pad_bottom, p.kh, p.dh, p.sh) &&
      is_same(p.pad_left, p.pad_right, p.kw, p.dw, p.sw)) {
    return true;
  }
  why = "LibTorch pads both sides alike, or as padding='same'";
  return false;
}

void wrap_tensors(const conveq_torch_problem& p, Call& call) {
  const auto options =
      at::TensorOptions().dtype(p.dtype == CONVEQ_TORCH_FLOAT64 ? at::kDouble : at::kFloat);
  auto wrap = [&](const void* data, std::vector<int64_t> shape) {
    return at::from_blob(const_cast<void*>(data), shape, options);
  };
  const int64_t cin_g = p.in_channels / p.groups;
  if (p.op == CONVEQ_TORCH_LINEAR) {
    call.input = wrap(p.input, {p.batch * p.w, p.in_channels});
    call.weight = wrap(p.weight, {p.out_channels, p.in_channels});
  } else if (p.op == CONVEQ_TORCH_CONV1D) {
    call.input = wrap(p.input, {p.batch, p.in_channels, p.w});
    call.weight = wrap(p.weight, {p.out_channels, cin_g, p.kw});
  } else {
    call.input = wrap(p.input, {p.batch, p.in_channels, p.h, p.w});
    call.weight = wrap(p.weight, {p.out_channels, cin_g, p.kh, p.kw});
  }
  if (p.bias != nullptr) call.bias = wrap(p.bias, {p.out_channels});
  const bool one_d = p.op == CONVEQ_TORCH_CONV1D;
  call.stride = one_d ? std::vector<int64_t>{p.sw} : std::vector<int64_t>{p.sh, p.sw};
  call.dilation = one_d ? std::vector<int64_t>{p.dw} : std::vector<int64_t>{p.dh, p.dw};
}

// The kernel family LibTorch picks for this call at this thread count (its own selection
// function, as torch._C._select_conv_backend exposes it to Python).
std::string implementation_of(const Call& call) {
  const std::string onednn =
      at::hasMKLDNN() && at::globalContext().userEnabledMkldnn() ? "on" : "off";
  const std::string suffix =
      "; oneDNN " + onednn + ", CPU capability " + config_value("CPU capability usage: ", "\n");
  if (call.problem.op == CONVEQ_TORCH_LINEAR) return "at::linear (addmm on its BLAS)" + suffix;
  const size_t dims = call.stride.size();
  const auto backend = at::native::select_conv_backend(
      call.input, call.weight, call.bias, call.stride, call.padding, call.dilation, false,
      std::vector<int64_t>(dims, 0), call.problem.groups);
  return std::string(backend_name(backend)) + ", by select_conv_backend" +
         (call.same ? " (padding='same' pads first)" : "") + suffix;
}

void* create(const conveq_torch_problem* problem, char* error, size_t error_size) {
  try {
    auto call = std::make_unique<Call>();
    call->problem = *problem;
    std::string why;
    if (!padding_of(*problem, *call, why)) {
      set_error(error, error_size, why);
      return nullptr;
    }
    // LibTorch splits its work for the threads there are when it runs (OpenMP).
    at::set_num_threads(problem->threads);
    wrap_tensors(*problem, *call);
    call->implementation = implementation_of(*call);
    return call.release();
  } catch (const std::exception& e) {
    set_error(error, error_size, first_line(e.what()));
    return nullptr;
  }
}

int run(void* handle, char* error, size_t error_size) {
  try {
    c10::InferenceMode inference;
    auto* call = static_cast<Call*>(handle);
    call->output = call->compute();
    return 0;
  } catch (const std::exception& e) {
    set_error(error, error_size, first_line(e.what()));
    return 1;
  }
}

int copy_output(void* handle, void* output, char* error, size_t error_size) {
  const auto* call = static_cast<Call*>(handle);
  const at::Tensor& out = call->output;
  if (!out.defined() || out.sizes() != at::IntArrayRef(call->output_shape())) {
    set_error(error, error_size, "LibTorch's output has another shape than expected");
    return 1;
  }
  const at::Tensor contiguous = out.contiguous();
  std::memcpy(output, contiguous.data_ptr(), contiguous.nbytes());
  return 0;
}

void describe(void* handle, conveq_torch_info* info) {
  const auto* call = static_cast<Call*>(handle);
#ifdef CONVEQ_TORCH_PACKAGE
  // Debian's 1.13.1 calls itself 1.13.0 (TORCH_VERSION): the package is the better name.
  std::snprintf(info->version, sizeof info->version, "%s", CONVEQ_TORCH_PACKAGE);
#else
  std::snprintf(info->version, sizeof info->version, "%s",
                config_value("TORCH_VERSION=", ",\n").c_str());
#endif
  std::snprintf(info->implementation, sizeof info->implementation, "%s",
                call->implementation.c_str());
  info->threads = at::get_num_threads();
}

void destroy(void* handle) {
  delete static_cast<Call*>(handle);
}

const conveq_torch_plugin kPlugin = {
    CONVEQ_TORCH_PLUGIN_ABI, create, run, copy_output, describe, destroy};

}  // namespace

extern "C" __attribute__((visibility("default"))) const conveq_torch_plugin*
conveq_torch_plugin_entry() {
  return &kPlugin;
}
