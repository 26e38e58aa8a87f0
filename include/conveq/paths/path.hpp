#pragma once
// The implementations conveq compares. Each path is one formulation (the tensor layout
// it sees: conv1d, conv2d, conv2d_hw, linear) computed by one algorithm (naive, im2col,
// gemm) or by a library (onednn, ...), in the problem's working dtype, writing the whole output
// in (N, Cout, OH, OW) order. The list of paths is registry.hpp; the float64 reference is
// check/reference.hpp.
#include <optional>
#include <string>
#include <vector>

#include "conveq/core/fill.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/paths/backend.hpp"

namespace conveq {

// A convolution as one formulation sees it. conv1d views have h = kh = oh = 1.
struct ConvGeometry {
  int64_t batch, in_channels, out_channels, groups;
  int64_t h, w;    // input spatial size
  int64_t kh, kw;  // kernel
  int64_t sh, sw;  // stride
  int64_t ph, pw;  // padding before (top, left); the padding after only sets oh, ow
  int64_t dh, dw;  // dilation
  int64_t oh, ow;  // output spatial size
  int64_t cin_g() const { return in_channels / groups; }
  int64_t cout_g() const { return out_channels / groups; }
  // The padding after the input that the last window reaches: what a library that takes the
  // padding on both sides needs to agree on the output size. Padding the problem has beyond
  // it is never read.
  int64_t pad_after_h() const;
  int64_t pad_after_w() const;
  std::vector<int64_t> input_shape(bool rank1) const;
  std::vector<int64_t> weight_shape(bool rank1) const;
  std::vector<int64_t> output_shape(bool rank1) const;
};

// The problem seen as Conv2d on (N, C, H, W); a 1D problem is the unsqueezed (N, C, 1, L).
ConvGeometry conv2d_view(const Problem& problem);
// The problem seen as Conv1d on (N, C, L). Exists for 1D problems, 2D problems with
// H = 1 and KH = 1, and pointwise problems (over the flattened H*W).
bool has_conv1d_view(const Problem& problem);
ConvGeometry conv1d_view(const Problem& problem);
// The conv1d view unsqueezed on the other axis: (N, C, L, 1) with a (K, 1) kernel. Exists
// when the conv1d view does.
ConvGeometry column_view(const Problem& problem);
// A pointwise 1D problem folded to (N, C, fold_h, fold_w).
ConvGeometry folded_view(const Problem& problem);

// The formulations, each with its view of a problem and the reason it has none.
enum class Formulation { conv1d, conv2d, conv2d_col, conv2d_hw, linear };
std::string formulation_name(Formulation formulation);  // "conv1d", ..., as in path names
Formulation formulation_of(const std::string& name);    // std::logic_error for others
// conv1d and linear: conv1d_view; conv2d: conv2d_view; conv2d_col: column_view; conv2d_hw:
// folded_view.
ConvGeometry formulation_geometry(Formulation formulation, const Problem& problem);
std::string formulation_skip_reason(Formulation formulation, const Problem& problem);

template <typename T>
class Path {
 public:
  virtual ~Path() = default;
  std::string name() const { return op() + "/" + algorithm(); }
  virtual std::string op() const = 0;         // the formulation: "conv1d", "conv2d", ...
  virtual std::string algorithm() const = 0;  // "naive", "im2col", "gemm", "onednn"
  // Why this path does not compute the problem's convolution; empty when it does.
  virtual std::string skip_reason(const Problem& problem) const = 0;
  // The geometry this path sees (its input/weight/output shapes come from it).
  virtual ConvGeometry geometry(const Problem& problem) const = 0;
  virtual bool is_rank1() const { return false; }
  // Everything that is not the convolution itself: buffers, layout changes. Not timed.
  virtual void prepare(const Problem& problem, const ConvData<T>& data, int threads) = 0;
  // The convolution, writing every element of `output` (N, Cout, OH, OW). Timed.
  virtual void run(T* output) = 0;
  // Work after the timed region (e.g. back from channels-last). Not timed.
  virtual void finish(T* /*output*/) {}
  // Why this path runs only when --paths names it (a variant for a secondary question, which
  // would make every default run longer); empty: it runs by default.
  virtual std::string opt_in() const { return ""; }
  // The library this path calls and what it chose (known after prepare()); none for conveq's
  // own paths. Paths of one library are timed as one block (session.cpp).
  virtual std::optional<BackendInfo> backend() const { return std::nullopt; }
  // The library as --backends names it ("onednn", "xnnpack", "torch"), known before prepare();
  // empty for conveq's own paths.
  virtual std::string backend_name() const { return ""; }
  // After its library's timing block: let the library's idle threads sleep rather than spin on
  // a core the next block needs.
  virtual void park_threads() {}
  // Whether this path computes a float16 or bfloat16 problem in the library's own kernels for
  // that format (its skip_reason then says which accumulation it lacks). conveq's own paths
  // compute every dtype (paths/storage_format); a library path that does not is skipped.
  virtual bool runs_16_bit(DType /*dtype*/) const { return backend_name().empty(); }
};

// Shared skip reasons, so every path of a formulation gives the same one.
std::string conv1d_skip_reason(const Problem& problem);
std::string folded_skip_reason(const Problem& problem);
std::string linear_skip_reason(const Problem& problem);
}  // namespace conveq
