// The XNNPACK paths (libxnnpack-dev: the 2022-02 snapshot Debian 12 ships), float32 only.
// XNNPACK computes in NHWC alone, so a Conv1d is a Conv2d on one of the unsqueezed views, as
// TFLite and ExecuTorch run it:
//   conv2d/xnnpack      convolution on (N, 1, L, C), or on a 2D problem's (N, H, W, C)
//   conv2d_col/xnnpack  convolution on (N, L, 1, C) with a (K, 1) kernel
//   conv2d_hw/xnnpack   convolution on the folded (N, H, W, C) view of a pointwise 1D problem
//   linear/xnnpack      fully connected on (N*L, Cin), like nn.Linear
// Every view's channels-last input is the same buffer (N, spatial, C). prepare() transposes
// the input into it and the weights to OHWI, creates the operator (XNNPACK packs the weights
// then) and sets it up on the run's thread pool; run() runs it alone; finish() transposes the
// output back to (N, Cout, OH, OW).
#include <pthreadpool.h>
#include <xnnpack.h>

#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "conveq/core/aligned_vector.hpp"
#include "conveq/paths/channels_last.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

#ifndef CONVEQ_XNNPACK_VERSION
#define CONVEQ_XNNPACK_VERSION "unknown"
#endif

namespace conveq {
namespace {

std::string status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success:
      return "success";
    case xnn_status_uninitialized:
      return "uninitialized";
    case xnn_status_invalid_parameter:
      return "invalid parameter";
    case xnn_status_invalid_state:
      return "invalid state";
    case xnn_status_unsupported_parameter:
      return "unsupported parameter";
    case xnn_status_unsupported_hardware:
      return "unsupported hardware";
    case xnn_status_out_of_memory:
      return "out of memory";
  }
  return "status " + std::to_string(static_cast<int>(status));
}

// XNNPACK's one-time setup (its microkernels for this CPU); the status of the first call.
xnn_status initialized() {
  static const xnn_status status = xnn_initialize(nullptr);
  return status;
}

struct PoolDeleter {
  void operator()(pthreadpool* pool) const { pthreadpool_destroy(pool); }
};
using Pool = std::shared_ptr<pthreadpool>;

// One pool per thread count, shared by every XNNPACK path: pools of their own would each keep
// a worker spinning after its call, against the next path's.
Pool shared_pool(int threads) {
  static std::mutex mutex;
  static std::map<int, std::weak_ptr<pthreadpool>> pools;
  const std::lock_guard<std::mutex> lock(mutex);
  if (Pool pool = pools[threads].lock()) return pool;
  Pool pool(pthreadpool_create(static_cast<size_t>(threads)), PoolDeleter{});
  if (!pool) throw std::runtime_error("pthreadpool_create failed");
  pools[threads] = pool;
  return pool;
}

struct OperatorDeleter {
  void operator()(xnn_operator* op) const { xnn_delete_operator(op); }
};
using Operator = std::unique_ptr<xnn_operator, OperatorDeleter>;

uint32_t u32(int64_t value) {
  return static_cast<uint32_t>(value);
}

// The operator for `g`: weights in OHWI (for linear, (Cout, Cin)); bias may be null.
xnn_status create_operator(Formulation view, const ConvGeometry& g, const float* weights,
                           const float* bias, Operator& op) {
  const float lowest = -std::numeric_limits<float>::infinity();
  const float highest = std::numeric_limits<float>::infinity();
  xnn_operator_t created = nullptr;
  const xnn_status status =
      view == Formulation::linear
          ? xnn_create_fully_connected_nc_f32(
                static_cast<size_t>(g.in_channels), static_cast<size_t>(g.out_channels),
                static_cast<size_t>(g.in_channels), static_cast<size_t>(g.out_channels), weights,
                bias, lowest, highest, 0, &created)
          : xnn_create_convolution2d_nhwc_f32(
                u32(g.ph), u32(g.pad_after_w()), u32(g.pad_after_h()), u32(g.pw), u32(g.kh),
                u32(g.kw), u32(g.sh), u32(g.sw), u32(g.dh), u32(g.dw), u32(g.groups),
                static_cast<size_t>(g.cin_g()), static_cast<size_t>(g.cout_g()),
                static_cast<size_t>(g.in_channels), static_cast<size_t>(g.out_channels), weights,
                bias, lowest, highest, 0, &created);
  op.reset(created);
  return status;
}

// XNNPACK's API does not name the microkernel it chose; its selection rules pick the family
// from the shape alone: GEMM for 1x1 unit-stride unpadded convolutions, depthwise kernels for
// one channel per group, the indirect GEMM otherwise.
std::string kernel_family(Formulation view, const ConvGeometry& g) {
  if (view == Formulation::linear) return "gemm";
  const bool unit = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
                    g.pad_after_h() == 0 && g.pad_after_w() == 0;
  if (g.cin_g() == 1 && g.cout_g() == 1) return unit ? "vmulcaddc" : "dwconv";
  return unit ? "gemm" : "igemm";
}

class XnnpackPath final : public Path<float> {
 public:
  explicit XnnpackPath(const std::string& op) : op_(op), view_(formulation_of(op)) {}
  std::string op() const override { return op_; }
  std::string algorithm() const override { return "xnnpack"; }
  std::string backend_name() const override { return "xnnpack"; }
  bool is_rank1() const override { return view_ == Formulation::linear; }
  // The converters' question is Conv2d on either unsqueeze axis; the folded view and Linear
  // are secondary, and each would add five comparisons to every default run.
  std::string opt_in() const override {
    if (view_ != Formulation::conv2d_hw && view_ != Formulation::linear) return "";
    return "runs only when --paths names it: XNNPACK's folded Conv2d and Linear, beside its "
           "Conv2d on either axis";
  }
  std::string skip_reason(const Problem& p) const override;
  ConvGeometry geometry(const Problem& p) const override { return formulation_geometry(view_, p); }
  void prepare(const Problem& p, const ConvData<float>& data, int threads) override;
  void run(float* /*output*/) override {
    const xnn_status status = xnn_run_operator(op_handle_.get(), pool_.get());
    if (status != xnn_status_success) {
      throw std::runtime_error("xnn_run_operator: " + status_name(status));
    }
  }
  void finish(float* output) override {
    from_channels_last(output_cl_.data(), g_.batch, g_.out_channels, g_.oh * g_.ow, output);
  }
  std::optional<BackendInfo> backend() const override { return backend_; }
  void park_threads() override;

 private:
  xnn_status setup(int64_t spatial);

  std::string op_;
  Formulation view_;
  ConvGeometry g_{};
  Pool pool_;
  Operator op_handle_;
  AlignedVector<float> input_cl_, weights_, output_cl_;
  std::optional<BackendInfo> backend_;
};

std::string XnnpackPath::skip_reason(const Problem& p) const {
  std::string reason = formulation_skip_reason(view_, p);
  if (!reason.empty()) return reason;
  if (initialized() != xnn_status_success) {
    return "XNNPACK cannot run on this machine: xnn_initialize: " + status_name(initialized());
  }
  // What the library refuses, asked of it: an operator with zero weights, created and deleted.
  const ConvGeometry g = geometry(p);
  const std::vector<float> zeros(static_cast<size_t>(g.out_channels * g.cin_g() * g.kh * g.kw));
  Operator trial;
  const xnn_status status = create_operator(view_, g, zeros.data(), nullptr, trial);
  if (status != xnn_status_success) {
    return "XNNPACK refuses this problem: creating the operator gave " + status_name(status);
  }
  return "";
}

void XnnpackPath::prepare(const Problem& p, const ConvData<float>& data, int threads) {
  g_ = geometry(p);
  pool_ = shared_pool(threads);
  const int64_t spatial = g_.h * g_.w;
  // XNNPACK may read XNN_EXTRA_BYTES past the end of its input.
  input_cl_.assign(
      static_cast<size_t>(g_.batch * spatial * g_.in_channels) + XNN_EXTRA_BYTES / sizeof(float),
      0.0f);
  to_channels_last(data.input.data(), g_.batch, g_.in_channels, spatial, input_cl_.data());
  // (Cout, Cin/g, KH, KW) -> (Cout, KH, KW, Cin/g): channels-last for each output channel.
  weights_.resize(static_cast<size_t>(g_.out_channels * g_.cin_g() * g_.kh * g_.kw));
  to_channels_last(data.weight.data(), g_.out_channels, g_.cin_g(), g_.kh * g_.kw, weights_.data());
  // NaN, like every path's output: an element XNNPACK never writes must not pass.
  output_cl_.assign(static_cast<size_t>(g_.batch * g_.oh * g_.ow * g_.out_channels),
                    std::numeric_limits<float>::quiet_NaN());
  xnn_status status = create_operator(view_, g_, weights_.data(),
                                      p.has_bias ? data.bias.data() : nullptr, op_handle_);
  if (status == xnn_status_success) status = setup(spatial);
  if (status != xnn_status_success) {
    throw std::runtime_error("XNNPACK " + name() + ": " + status_name(status));
  }
  const bool linear = view_ == Formulation::linear;
  const std::string family = kernel_family(view_, g_);
  backend_ = BackendInfo{
      "XNNPACK",
      CONVEQ_XNNPACK_VERSION,
      (linear ? "fully_connected_nc_f32, " : "convolution2d_nhwc_f32, ") + family +
          " microkernels (the family by XNNPACK's selection rules; its API does not name the "
          "microkernel)",
      {linear ? "NC" : "NHWC", linear ? "OI" : "OHWI", linear ? "NC" : "NHWC"},
      static_cast<int>(pthreadpool_get_threads_count(pool_.get()))};
}

xnn_status XnnpackPath::setup(int64_t spatial) {
  if (view_ == Formulation::linear) {
    return xnn_setup_fully_connected_nc_f32(op_handle_.get(),
                                            static_cast<size_t>(g_.batch * spatial),
                                            input_cl_.data(), output_cl_.data(), pool_.get());
  }
  return xnn_setup_convolution2d_nhwc_f32(op_handle_.get(), static_cast<size_t>(g_.batch),
                                          static_cast<size_t>(g_.h), static_cast<size_t>(g_.w),
                                          input_cl_.data(), output_cl_.data(), pool_.get());
}

// pthreadpool's workers spin a while after each call; a call with PTHREADPOOL_FLAG_YIELD_WORKERS
// sends them to sleep as soon as it is done.
void XnnpackPath::park_threads() {
  if (!pool_) return;
  pthreadpool_parallelize_1d(
      pool_.get(), [](void*, size_t) {}, nullptr, pthreadpool_get_threads_count(pool_.get()),
      PTHREADPOOL_FLAG_YIELD_WORKERS);
}

}  // namespace

template <>
std::unique_ptr<Path<float>> make_xnnpack_path<float>(const std::string& op) {
  return std::make_unique<XnnpackPath>(op);
}
template <>
std::unique_ptr<Path<double>> make_xnnpack_path<double>(const std::string& op) {
  return make_unavailable_path<double>(op, "xnnpack", "XNNPACK has no float64 operators",
                                       "xnnpack");
}

}  // namespace conveq
