// The LibTorch paths, float32 and float64, through the plugin libconveq_torch.so
// (src/paths/torch_plugin.cpp), which is opened with dlopen the first time a torch path is
// asked whether it can run, i.e. only in runs that select one:
//   conv1d/torch      at::conv1d on (N, C, L)
//   conv2d/torch      at::conv2d on (N, C, 1, L), or on a 2D problem itself
//   conv2d_col/torch  at::conv2d on (N, C, L, 1) with a (K, 1) kernel
//   linear/torch      at::linear on (N*L, Cin), channels-last like nn.Linear's input
// prepare() sets LibTorch's threads and wraps conveq's buffers; run() is the at:: call alone,
// into LibTorch's own output tensor (its allocation is part of what a PyTorch user pays);
// finish() copies that output into conveq's.
#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "conveq/core/aligned_vector.hpp"
#include "conveq/paths/channels_last.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"
#include "conveq/paths/torch_plugin.h"

namespace conveq {
namespace {

// Where the plugin may be: beside the executable (the build tree), in the installed
// lib/conveq/, or in the build tree this binary came from (the tests).
std::vector<std::filesystem::path> plugin_candidates() {
  const std::string file = "libconveq_torch.so";
  std::vector<std::filesystem::path> candidates;
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back(exe.parent_path() / file);
    candidates.push_back(exe.parent_path().parent_path() / "lib" / "conveq" / file);
  }
#ifdef CONVEQ_TORCH_PLUGIN_BUILD_DIR
  candidates.push_back(std::filesystem::path(CONVEQ_TORCH_PLUGIN_BUILD_DIR) / file);
#endif
  return candidates;
}

struct LoadedPlugin {
  const conveq_torch_plugin* plugin = nullptr;
  std::string error;  // why it could not be loaded
};

LoadedPlugin load_plugin() {
  std::string tried;
  for (const auto& candidate : plugin_candidates()) {
    if (!std::filesystem::exists(candidate)) {
      tried += (tried.empty() ? "" : ", ") + candidate.string();
      continue;
    }
    // Never closed: LibTorch does not support being unloaded.
    void* library = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr)
      return {nullptr, "cannot load " + candidate.string() + ": " + dlerror()};
    const auto entry =
        reinterpret_cast<conveq_torch_plugin_entry_fn>(dlsym(library, CONVEQ_TORCH_PLUGIN_ENTRY));
    const conveq_torch_plugin* plugin = entry ? entry() : nullptr;
    if (plugin == nullptr || plugin->abi != CONVEQ_TORCH_PLUGIN_ABI) {
      return {nullptr, candidate.string() + " is not a conveq LibTorch plugin of this version"};
    }
    return {plugin, ""};
  }
  return {nullptr, "libconveq_torch.so not found (looked for " + tried + ")"};
}

// Loaded once, on first use.
const LoadedPlugin& plugin() {
  static const LoadedPlugin loaded = load_plugin();
  return loaded;
}

// The problem's padding on both sides of the view's axes (the geometry keeps only the side
// before): a 1D view's width padding sits on the height axis of the column view.
void set_padding(Formulation view, const Problem& p, conveq_torch_problem& call) {
  if (view == Formulation::conv2d) {
    call.pad_top = p.pad_top;
    call.pad_bottom = p.pad_bottom;
    call.pad_left = p.pad_left;
    call.pad_right = p.pad_right;
  } else if (view == Formulation::conv2d_col) {
    call.pad_top = p.pad_left;
    call.pad_bottom = p.pad_right;
  } else {
    call.pad_left = p.pad_left;
    call.pad_right = p.pad_right;
  }
}

template <typename T>
class TorchPath final : public Path<T> {
 public:
  explicit TorchPath(const std::string& op) : op_(op), view_(formulation_of(op)) {}
  ~TorchPath() override { release(); }
  std::string op() const override { return op_; }
  std::string algorithm() const override { return "torch"; }
  std::string backend_name() const override { return "torch"; }
  bool is_rank1() const override {
    return view_ == Formulation::conv1d || view_ == Formulation::linear;
  }
  std::string skip_reason(const Problem& p) const override {
    std::string reason = formulation_skip_reason(view_, p);
    if (!reason.empty()) return reason;
    if (plugin().plugin == nullptr) return "LibTorch plugin unavailable: " + plugin().error;
    return "";
  }
  ConvGeometry geometry(const Problem& p) const override { return formulation_geometry(view_, p); }
  void prepare(const Problem& p, const ConvData<T>& data, int threads) override;
  void run(T* /*output*/) override {
    if (api_->run(call_, error_, sizeof error_) != 0) fail("run");
  }
  void finish(T* output) override;
  std::optional<BackendInfo> backend() const override { return backend_; }

 private:
  [[noreturn]] void fail(const std::string& step) const {
    throw std::runtime_error("LibTorch " + this->name() + " " + step + ": " + error_);
  }
  void release() {
    if (call_ != nullptr) api_->destroy(call_);
    call_ = nullptr;
  }
  conveq_torch_problem describe_call(const Problem& p, const ConvData<T>& data, int threads);

  std::string op_;
  Formulation view_;
  ConvGeometry g_{};
  const conveq_torch_plugin* api_ = nullptr;
  void* call_ = nullptr;
  char error_[512] = {};
  AlignedVector<T> input_cl_, output_cl_;  // linear's channels-last rows
  std::optional<BackendInfo> backend_;
};

template <typename T>
conveq_torch_problem TorchPath<T>::describe_call(const Problem& p, const ConvData<T>& data,
                                                 int threads) {
  conveq_torch_problem call{};
  call.op = view_ == Formulation::linear   ? CONVEQ_TORCH_LINEAR
            : view_ == Formulation::conv1d ? CONVEQ_TORCH_CONV1D
                                           : CONVEQ_TORCH_CONV2D;
  call.dtype = std::is_same_v<T, double> ? CONVEQ_TORCH_FLOAT64 : CONVEQ_TORCH_FLOAT32;
  call.threads = threads;
  const ConvGeometry& g = g_;
  call.batch = g.batch;
  call.in_channels = g.in_channels;
  call.out_channels = g.out_channels;
  call.groups = g.groups;
  call.h = g.h;
  call.w = g.w;
  call.kh = g.kh;
  call.kw = g.kw;
  call.sh = g.sh;
  call.sw = g.sw;
  call.dh = g.dh;
  call.dw = g.dw;
  call.oh = g.oh;
  call.ow = g.ow;
  set_padding(view_, p, call);
  call.input = data.input.data();
  call.weight = data.weight.data();
  call.bias = p.has_bias ? data.bias.data() : nullptr;
  return call;
}

template <typename T>
void TorchPath<T>::prepare(const Problem& p, const ConvData<T>& data, int threads) {
  release();
  api_ = plugin().plugin;
  if (api_ == nullptr) throw std::logic_error(this->name() + ": " + plugin().error);
  g_ = geometry(p);
  conveq_torch_problem call = describe_call(p, data, threads);
  if (view_ == Formulation::linear) {  // (N, Cin, L) -> (N, L, Cin): a row per position
    input_cl_.resize(static_cast<size_t>(g_.batch * g_.w * g_.in_channels));
    to_channels_last(data.input.data(), g_.batch, g_.in_channels, g_.w, input_cl_.data());
    call.input = input_cl_.data();
  }
  call_ = api_->create(&call, error_, sizeof error_);
  if (call_ == nullptr) fail("prepare");
  conveq_torch_info info{};
  api_->describe(call_, &info);
  const bool linear = view_ == Formulation::linear;
  const std::string plain = view_ == Formulation::conv1d ? "NCW" : "NCHW";
  backend_ = BackendInfo{
      "LibTorch",
      info.version,
      info.implementation,
      {linear ? "NC" : plain, linear ? "OI" : (view_ == Formulation::conv1d ? "OIW" : "OIHW"),
       linear ? "NC" : plain},
      info.threads};
}

template <typename T>
void TorchPath<T>::finish(T* output) {
  if (view_ != Formulation::linear) {
    if (api_->copy_output(call_, output, error_, sizeof error_) != 0) fail("output");
    return;
  }
  output_cl_.resize(static_cast<size_t>(g_.batch * g_.w * g_.out_channels));
  if (api_->copy_output(call_, output_cl_.data(), error_, sizeof error_) != 0) fail("output");
  from_channels_last(output_cl_.data(), g_.batch, g_.out_channels, g_.w, output);
}

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_torch_path(const std::string& op) {
  return std::make_unique<TorchPath<T>>(op);
}
template std::unique_ptr<Path<float>> make_torch_path<float>(const std::string&);
template std::unique_ptr<Path<double>> make_torch_path<double>(const std::string&);

}  // namespace conveq
