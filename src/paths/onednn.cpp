// The oneDNN paths (oneDNN 2.x, CPU engine, OpenMP threads), float32, and bfloat16 with float32
// sums (its bf16 kernels: bfloat16 inputs and weights, float32 bias and output, rounded to
// bfloat16 afterwards by paths/storage_format as a bf16 store would):
//   conv1d/onednn      convolution on (N, C, L)
//   conv2d/onednn      convolution on (N, C, 1, L), or on a 2D problem itself
//   conv2d_col/onednn  convolution on (N, C, L, 1) with a (K, 1) kernel
//   conv2d_hw/onednn   convolution on the folded (N, C, H, W) view of a pointwise 1D problem
//   linear/onednn      inner product on channels-last (N*L, Cin), like nn.Linear
// Algorithm `onednn` lets oneDNN choose the memory layouts (format_tag::any: channels-last or
// channels blocked by 16, where its fastest kernels run); `onednn_plain` forces conveq's own
// (ncw/nchw, oiw/oihw), where oneDNN 2.6 falls back to its GEMM-based kernels.
// prepare() sets the threads, creates the primitive (the JIT: 20-30 ms for the first of a
// process) and reorders input and weights into the chosen layouts; run() executes the
// primitive alone; finish() reorders the output back to (N, Cout, OH, OW).
#include <omp.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_map>
#include <vector>

// clang-format off
#include <oneapi/dnnl/dnnl.hpp>
#include <oneapi/dnnl/dnnl_debug.h>
// clang-format on

#include "conveq/core/aligned_vector.hpp"
#include "conveq/paths/channels_last.hpp"
#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN's name for a layout, as its verbose mode prints it: one letter per dimension from
// the outermost (a = N or O, b = C or I, ...), capital when the dimension is blocked, then
// the blocks ("aBcd16b": channels in blocks of 16).
std::string format_tag_of(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) return dnnl_fmt_kind2str(d.format_kind);
  const auto& blocking = d.format_desc.blocking;
  std::vector<int64_t> block(static_cast<size_t>(d.ndims), 1);
  for (int i = 0; i < blocking.inner_nblks; ++i)
    block[blocking.inner_idxs[i]] *= blocking.inner_blks[i];
  std::vector<int> order(static_cast<size_t>(d.ndims));
  std::iota(order.begin(), order.end(), 0);
  // Outermost first; a tie (a dimension of size 1) goes to the larger dimension, as oneDNN's.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (blocking.strides[a] != blocking.strides[b])
      return blocking.strides[a] > blocking.strides[b];
    return d.padded_dims[a] / block[a] > d.padded_dims[b] / block[b];
  });
  std::string tag;
  for (const int dim : order) tag += static_cast<char>((block[dim] == 1 ? 'a' : 'A') + dim);
  for (int i = 0; i < blocking.inner_nblks; ++i) {
    tag += std::to_string(blocking.inner_blks[i]) + static_cast<char>('a' + blocking.inner_idxs[i]);
  }
  return tag;
}

// conveq's tensors as oneDNN sees them, in conveq's layouts.
struct UserDescs {
  memory::desc src, weights, bias, dst;
};

UserDescs conv_user_descs(const ConvGeometry& g, bool one_d, bool has_bias) {
  const bool grouped = g.groups > 1;
  const memory::dims kernel = one_d ? memory::dims{g.kw} : memory::dims{g.kh, g.kw};
  memory::dims weights = grouped ? memory::dims{g.groups, g.cout_g(), g.cin_g()}
                                 : memory::dims{g.out_channels, g.cin_g()};
  weights.insert(weights.end(), kernel.begin(), kernel.end());
  const Tag weights_tag =
      one_d ? (grouped ? Tag::goiw : Tag::oiw) : (grouped ? Tag::goihw : Tag::oihw);
  const auto f32 = memory::data_type::f32;
  UserDescs user;
  if (one_d) {
    user.src = {{g.batch, g.in_channels, g.w}, f32, Tag::ncw};
    user.dst = {{g.batch, g.out_channels, g.ow}, f32, Tag::ncw};
  } else {
    user.src = {{g.batch, g.in_channels, g.h, g.w}, f32, Tag::nchw};
    user.dst = {{g.batch, g.out_channels, g.oh, g.ow}, f32, Tag::nchw};
  }
  user.weights = {weights, f32, weights_tag};
  if (has_bias) user.bias = {{g.out_channels}, f32, Tag::x};
  return user;
}

UserDescs linear_user_descs(const ConvGeometry& g, bool has_bias) {
  const auto f32 = memory::data_type::f32;
  UserDescs user;
  user.src = {{g.batch * g.w, g.in_channels}, f32, Tag::nc};
  user.weights = {{g.out_channels, g.in_channels}, f32, Tag::oi};
  user.dst = {{g.batch * g.w, g.out_channels}, f32, Tag::nc};
  if (has_bias) user.bias = {{g.out_channels}, f32, Tag::x};
  return user;
}

// The same dimensions in any layout oneDNN likes (format_tag::any); the bias stays plain.
memory::desc any_layout(const memory::desc& md) {
  return {md.dims(), md.data_type(), Tag::any};
}

// What the primitive reads: the user's tensor in `type` (bf16 for a bfloat16 problem), in the
// user's layout or in any.
memory::desc primitive_layout(const memory::desc& md, memory::data_type type, bool plain) {
  if (!plain) return {md.dims(), type, Tag::any};
  const auto& strides = md.data.format_desc.blocking.strides;
  return {md.dims(), type, memory::dims(strides, strides + md.data.ndims)};
}

memory::data_type input_type(DType dtype) {
  return dtype == DType::bfloat16 ? memory::data_type::bf16 : memory::data_type::f32;
}

dnnl::primitive_desc conv_primitive_desc(const ConvGeometry& g, bool one_d, const UserDescs& user,
                                         bool plain, memory::data_type input) {
  auto layout = [&](const memory::desc& md) { return plain ? md : any_layout(md); };
  auto read = [&](const memory::desc& md) { return primitive_layout(md, input, plain); };
  memory::dims strides{g.sh, g.sw}, dilates{g.dh - 1, g.dw - 1}, before{g.ph, g.pw};
  memory::dims after{g.pad_after_h(), g.pad_after_w()};
  if (one_d) {  // the width only
    for (auto* dims : {&strides, &dilates, &before, &after}) dims->erase(dims->begin());
  }
  // oneDNN's dilation counts the gaps between taps: PyTorch's dilation minus 1.
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, read(user.src),
      read(user.weights), user.bias, layout(user.dst), strides, dilates, before, after);
  return dnnl::convolution_forward::primitive_desc(desc, cpu_engine());
}

dnnl::primitive_desc linear_primitive_desc(const UserDescs& user, bool plain,
                                           memory::data_type input) {
  auto layout = [&](const memory::desc& md) { return plain ? md : any_layout(md); };
  auto read = [&](const memory::desc& md) { return primitive_layout(md, input, plain); };
  const dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, read(user.src),
                                               read(user.weights), user.bias, layout(user.dst));
  return dnnl::inner_product_forward::primitive_desc(desc, cpu_engine());
}

// A memory in `wanted`'s layout holding `data` (user layout `user`): the data themselves when
// the layouts agree, else a reorder into `buffer`. oneDNN never writes through it.
memory bind_or_reorder(const memory::desc& wanted, const memory::desc& user, const float* data,
                       AlignedVector<float>& buffer, dnnl::stream& stream) {
  memory user_memory(user, cpu_engine(), const_cast<float*>(data));
  if (wanted == user) return user_memory;
  buffer.assign((wanted.get_size() + sizeof(float) - 1) / sizeof(float), 0.0f);  // bf16: half
  memory reordered(wanted, cpu_engine(), buffer.data());
  dnnl::reorder(user_memory, reordered).execute(stream, user_memory, reordered);
  stream.wait();
  return reordered;
}

class OnednnPath final : public Path<float> {
 public:
  OnednnPath(const std::string& op, bool plain)
      : op_(op), view_(formulation_of(op)), plain_(plain) {}
  std::string op() const override { return op_; }
  std::string algorithm() const override { return onednn_algorithm(plain_); }
  std::string backend_name() const override { return "onednn"; }
  bool is_rank1() const override {
    return view_ == Formulation::conv1d || view_ == Formulation::linear;
  }
  std::string opt_in() const override {
    if (!plain_) return "";
    return "runs only when --paths names it: oneDNN in conveq's plain layouts, where it uses its "
           "GEMM-based kernel";
  }

  bool runs_16_bit(DType dtype) const override { return dtype == DType::bfloat16; }

  std::string skip_reason(const Problem& p) const override {
    std::string reason = formulation_skip_reason(view_, p);
    if (!reason.empty()) return reason;
    if (p.dtype == DType::float16) return "oneDNN 2 has no float16 convolution on this CPU";
    if (p.dtype == DType::bfloat16 && p.accumulate == Accumulation::same)
      return "oneDNN sums bfloat16 in float32 (--accumulate float32), never in bfloat16";
    try {  // the descriptor only: no JIT, no threads
      (void)primitive_desc(geometry(p), p.has_bias, p.dtype);
    } catch (const dnnl::error& e) {
      return std::string("oneDNN has no implementation for this problem: ") + e.what();
    }
    return "";
  }

  ConvGeometry geometry(const Problem& p) const override { return formulation_geometry(view_, p); }

  void prepare(const Problem& p, const ConvData<float>& data, int threads) override;

  void run(float* output) override {
    if (dst_is_output_) dst_.set_data_handle(output);
    primitive_.execute(stream_, args_);
    stream_.wait();
  }

  void finish(float* output) override;
  std::optional<BackendInfo> backend() const override { return backend_; }

 private:
  UserDescs user_descs(const ConvGeometry& g, bool has_bias) const {
    if (view_ == Formulation::linear) return linear_user_descs(g, has_bias);
    return conv_user_descs(g, view_ == Formulation::conv1d, has_bias);
  }

  dnnl::primitive_desc primitive_desc(const ConvGeometry& g, bool has_bias, DType dtype) const {
    const UserDescs user = user_descs(g, has_bias);
    if (view_ == Formulation::linear) return linear_primitive_desc(user, plain_, input_type(dtype));
    return conv_primitive_desc(g, view_ == Formulation::conv1d, user, plain_, input_type(dtype));
  }

  const float* channels_last_input(const float* input);

  std::string op_;
  Formulation view_;
  bool plain_;
  ConvGeometry g_{};
  dnnl::stream stream_;
  dnnl::primitive primitive_;
  std::unordered_map<int, memory> args_;
  memory dst_, user_dst_;
  bool dst_is_output_ = false;  // the primitive writes conveq's output directly
  AlignedVector<float> input_channels_last_, src_buffer_, weights_buffer_, dst_buffer_;
  std::optional<BackendInfo> backend_;
};

void OnednnPath::prepare(const Problem& p, const ConvData<float>& data, int threads) {
  // oneDNN's kernels split their work for the threads there are when they are created.
  omp_set_num_threads(threads);
  g_ = geometry(p);
  stream_ = dnnl::stream(cpu_engine());
  const UserDescs user = user_descs(g_, p.has_bias);
  const dnnl::primitive_desc pd = primitive_desc(g_, p.has_bias, p.dtype);
  const float* input =
      view_ == Formulation::linear ? channels_last_input(data.input.data()) : data.input.data();
  args_.clear();
  args_[DNNL_ARG_SRC] = bind_or_reorder(pd.src_desc(0), user.src, input, src_buffer_, stream_);
  args_[DNNL_ARG_WEIGHTS] = bind_or_reorder(pd.weights_desc(0), user.weights, data.weight.data(),
                                            weights_buffer_, stream_);
  if (p.has_bias) {
    args_[DNNL_ARG_BIAS] = memory(user.bias, cpu_engine(), const_cast<float*>(data.bias.data()));
  }
  // The output is conveq's own when the layouts agree; else a NaN-filled buffer (an element
  // the primitive never writes must not pass) reordered back in finish().
  dst_is_output_ = pd.dst_desc(0) == user.dst && view_ != Formulation::linear;
  dst_buffer_.assign(dst_is_output_ ? 0 : pd.dst_desc(0).get_size() / sizeof(float),
                     std::numeric_limits<float>::quiet_NaN());
  dst_ = memory(pd.dst_desc(0), cpu_engine(), dst_is_output_ ? nullptr : dst_buffer_.data());
  args_[DNNL_ARG_DST] = dst_;
  user_dst_ = memory(user.dst, cpu_engine(), nullptr);
  primitive_ = dnnl::primitive(pd);
  backend_ = BackendInfo{"oneDNN",
                         onednn_version(),
                         pd.impl_info_str(),
                         {format_tag_of(pd.src_desc(0)), format_tag_of(pd.weights_desc(0)),
                          format_tag_of(pd.dst_desc(0))},
                         omp_get_max_threads()};
}

// (N, Cin, L) -> (N, L, Cin): a row per position, as nn.Linear's input is.
const float* OnednnPath::channels_last_input(const float* input) {
  input_channels_last_.resize(static_cast<size_t>(g_.batch * g_.in_channels * g_.w));
  to_channels_last(input, g_.batch, g_.in_channels, g_.w, input_channels_last_.data());
  return input_channels_last_.data();
}

void OnednnPath::finish(float* output) {
  if (dst_is_output_) return;
  std::vector<float> channels_last;
  if (view_ == Formulation::linear) {
    channels_last.resize(static_cast<size_t>(g_.batch * g_.w * g_.out_channels));
    user_dst_.set_data_handle(channels_last.data());
  } else {
    user_dst_.set_data_handle(output);
  }
  dnnl::reorder(dst_, user_dst_).execute(stream_, dst_, user_dst_);
  stream_.wait();
  if (view_ == Formulation::linear) {
    from_channels_last(channels_last.data(), g_.batch, g_.out_channels, g_.w, output);
  }
}

}  // namespace

template <>
std::unique_ptr<Path<float>> make_onednn_path<float>(const std::string& op, bool plain) {
  return std::make_unique<OnednnPath>(op, plain);
}
template <>
std::unique_ptr<Path<double>> make_onednn_path<double>(const std::string& op, bool plain) {
  return make_unavailable_path<double>(
      op, onednn_algorithm(plain), "oneDNN 2 has no float64 convolution or inner product on CPU",
      "onednn");
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace conveq
