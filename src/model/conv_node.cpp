#include "conveq/model/conv_node.hpp"

#include <limits>

#include "conveq/core/error.hpp"
#include "conveq/io/npy.hpp"

namespace conveq::model {
namespace {

// Larger values are not convolutions but attacks or typos; it keeps every product below 2^63.
constexpr int64_t kMaxAttribute = int64_t{1} << 31;

[[noreturn]] void fail(const ConvNode& node, const std::string& what_and_rule) {
  throw InputError("node " + node.name + ": " + what_and_rule);
}

std::string list_text(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

// An attribute of one value per spatial axis, `fallback` each when not given.
std::vector<int64_t> per_axis(const ConvNode& node, const char* name,
                              const std::vector<int64_t>& given, size_t rank, int64_t fallback) {
  if (given.empty()) return std::vector<int64_t>(rank, fallback);
  if (given.size() != rank) {
    fail(node, std::string(name) + " " + list_text(given) + " has " + std::to_string(given.size()) +
                   " values: the weight makes it a " + std::to_string(rank) +
                   "D convolution, one value per spatial axis");
  }
  for (const int64_t v : given) {
    if (v < 1 || v > kMaxAttribute) {
      fail(node, std::string(name) + " " + list_text(given) + ": every value must be in [1, " +
                     std::to_string(kMaxAttribute) + "]");
    }
  }
  return given;
}

void check_shapes(const ConvNode& node, const std::vector<int64_t>& input_shape,
                  const std::vector<int64_t>& weight_shape) {
  const auto shape = [](const std::vector<int64_t>& s) { return npy::shape_to_string(s); };
  if (weight_shape.size() != 3 && weight_shape.size() != 4) {
    fail(node, "weight " + node.weight + " has shape " + shape(weight_shape) +
                   ": conveq checks Conv1d (O, C/group, K) and Conv2d (O, C/group, KH, KW)");
  }
  if (input_shape.size() != weight_shape.size()) {
    fail(node, "input " + node.input + " has shape " + shape(input_shape) + ": with weight " +
                   shape(weight_shape) + " it must have " + std::to_string(weight_shape.size()) +
                   " dimensions (N, C, ...)");
  }
  for (const int64_t v : input_shape) {
    if (v < 1 || v > kMaxAttribute) {
      fail(node, "input " + node.input + " has shape " + shape(input_shape) +
                     ": every dimension must be in [1, " + std::to_string(kMaxAttribute) + "]");
    }
  }
  const int64_t group = node.attributes.group;
  if (group < 1 || group > kMaxAttribute) {
    fail(node, "group " + std::to_string(group) + ": must be a positive integer");
  }
  if (weight_shape[1] * group != input_shape[1] || weight_shape[0] % group != 0) {
    fail(node, "group " + std::to_string(group) + " with weight " + shape(weight_shape) +
                   " and input " + shape(input_shape) +
                   ": the weight needs C/group input channels and a multiple of group outputs");
  }
}

// ONNX's SAME_UPPER / SAME_LOWER: output ceil(in / stride), the padding split with the odd
// extra at the end (UPPER) or the beginning (LOWER).
void auto_pads(const std::string& mode, int64_t in, int64_t kernel, int64_t stride,
               int64_t dilation, int64_t& begin, int64_t& end) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in);
  const int64_t small = total / 2;
  begin = mode == "SAME_UPPER" ? small : total - small;
  end = total - begin;
}

void resolve_pads(const ConvNode& node, const std::vector<int64_t>& input_shape, NodeGeometry& g) {
  const auto& a = node.attributes;
  const size_t rank = g.kernel.size();
  g.pads_begin.assign(rank, 0);
  g.pads_end.assign(rank, 0);
  if (a.auto_pad != "NOTSET" && a.auto_pad != "VALID" && a.auto_pad != "SAME_UPPER" &&
      a.auto_pad != "SAME_LOWER") {
    fail(node, "auto_pad \"" + a.auto_pad + "\": must be NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  }
  if (a.auto_pad != "NOTSET" && !a.pads.empty()) {
    fail(node, "auto_pad " + a.auto_pad + " with pads " + list_text(a.pads) +
                   ": ONNX allows explicit pads only with auto_pad NOTSET");
  }
  if (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < rank; ++i) {
      auto_pads(a.auto_pad, input_shape[2 + i], g.kernel[i], g.strides[i], g.dilations[i],
                g.pads_begin[i], g.pads_end[i]);
    }
    return;
  }
  if (a.pads.empty()) return;
  if (a.pads.size() != 2 * rank) {
    fail(node, "pads " + list_text(a.pads) + " has " + std::to_string(a.pads.size()) +
                   " values: a " + std::to_string(rank) + "D convolution takes " +
                   std::to_string(2 * rank) + " (every axis's begin, then every axis's end)");
  }
  for (size_t i = 0; i < a.pads.size(); ++i) {
    if (a.pads[i] < 0 || a.pads[i] > kMaxAttribute) {
      fail(node, "pads " + list_text(a.pads) + ": every value must be in [0, " +
                     std::to_string(kMaxAttribute) + "]");
    }
    (i < rank ? g.pads_begin[i] : g.pads_end[i - rank]) = a.pads[i];
  }
}

}  // namespace

NodeGeometry resolve_geometry(const ConvNode& node, const std::vector<int64_t>& input_shape,
                              const std::vector<int64_t>& weight_shape) {
  check_shapes(node, input_shape, weight_shape);
  NodeGeometry g;
  const size_t rank = weight_shape.size() - 2;
  g.rank = static_cast<int>(rank);
  g.group = node.attributes.group;
  g.kernel.assign(weight_shape.begin() + 2, weight_shape.end());
  for (const int64_t k : g.kernel) {
    if (k < 1 || k > kMaxAttribute) {
      fail(node, "weight " + node.weight + " has kernel " + list_text(g.kernel) +
                     ": every kernel size must be in [1, " + std::to_string(kMaxAttribute) + "]");
    }
  }
  const auto& a = node.attributes;
  if (!a.kernel_shape.empty() && a.kernel_shape != g.kernel) {
    fail(node, "kernel_shape " + list_text(a.kernel_shape) + " contradicts weight " + node.weight +
                   " of shape " + npy::shape_to_string(weight_shape) + " (kernel " +
                   list_text(g.kernel) + ")");
  }
  g.strides = per_axis(node, "strides", a.strides, rank, 1);
  g.dilations = per_axis(node, "dilations", a.dilations, rank, 1);
  resolve_pads(node, input_shape, g);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t padded = input_shape[2 + i] + g.pads_begin[i] + g.pads_end[i];
    if (g.dilations[i] * (g.kernel[i] - 1) + 1 > padded) {
      fail(node, "the dilated kernel spans " +
                     std::to_string(g.dilations[i] * (g.kernel[i] - 1) + 1) +
                     " positions on spatial axis " + std::to_string(i) + ", more than the padded " +
                     "input's " + std::to_string(padded) + "; it must fit");
    }
  }
  return g;
}

std::vector<int64_t> output_shape(const NodeGeometry& g, const std::vector<int64_t>& input_shape,
                                  const std::vector<int64_t>& weight_shape) {
  std::vector<int64_t> shape{input_shape[0], weight_shape[0]};
  for (size_t i = 0; i < g.kernel.size(); ++i) {
    const int64_t padded = input_shape[2 + i] + g.pads_begin[i] + g.pads_end[i];
    shape.push_back((padded - g.dilations[i] * (g.kernel[i] - 1) - 1) / g.strides[i] + 1);
  }
  return shape;
}

namespace {

// "3" for a 1D node, "3,5" for a 2D one.
std::string axes_text(const std::vector<int64_t>& values) {
  std::string text;
  for (const int64_t v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
  return text;
}

// conveq's padding: both ends alike on every axis, or PyTorch's 'same'.
std::string padding_spec(const ConvNode& node, const NodeGeometry& g) {
  if (g.pads_begin == g.pads_end) return axes_text(g.pads_begin);
  bool same = true;
  for (size_t i = 0; i < g.kernel.size(); ++i) {
    const int64_t total = g.dilations[i] * (g.kernel[i] - 1);
    same = same && g.strides[i] == 1 && g.pads_begin[i] == total / 2 &&
           g.pads_end[i] == total - total / 2;
  }
  if (same) return "same";
  std::vector<int64_t> pads = g.pads_begin;
  pads.insert(pads.end(), g.pads_end.begin(), g.pads_end.end());
  fail(node, "pads " + list_text(pads) + " (begin..., end...) are asymmetric and not PyTorch's " +
                 "'same' (stride 1, the odd extra at the end): conveq's problems pad both ends " +
                 "alike or as 'same', so this node is not supported");
}

}  // namespace

ProblemOptions problem_options(const ConvNode& node, const NodeGeometry& g,
                               const std::vector<int64_t>& input_shape,
                               const std::vector<int64_t>& weight_shape, bool has_bias,
                               DType dtype) {
  ProblemOptions o;
  o.batch = std::to_string(input_shape[0]);
  o.in_channels = std::to_string(input_shape[1]);
  o.out_channels = std::to_string(weight_shape[0]);
  if (g.rank == 1) {
    o.length = std::to_string(input_shape[2]);
  } else {
    o.height = std::to_string(input_shape[2]);
    o.width = std::to_string(input_shape[3]);
  }
  o.kernel = axes_text(g.kernel);
  o.stride = axes_text(g.strides);
  o.dilation = axes_text(g.dilations);
  o.padding = padding_spec(node, g);
  o.groups = std::to_string(g.group);
  o.no_bias = !has_bias;
  o.dtype = to_string(dtype);
  return o;
}

nlohmann::json node_json(const ConvNode& node, const NodeGeometry& g,
                         const std::vector<int64_t>& input_shape,
                         const std::vector<int64_t>& weight_shape) {
  std::vector<int64_t> pads = g.pads_begin;
  pads.insert(pads.end(), g.pads_end.begin(), g.pads_end.end());
  return {{"name", node.name},
          {"index", node.index},
          {"op_type", "Conv"},
          {"input", node.input},
          {"weight", node.weight},
          {"bias", node.bias.empty() ? nlohmann::json(nullptr) : nlohmann::json(node.bias)},
          {"output", node.output},
          {"input_shape", input_shape},
          {"weight_shape", weight_shape},
          {"output_shape", output_shape(g, input_shape, weight_shape)},
          {"auto_pad", node.attributes.auto_pad},
          {"kernel_shape", g.kernel},
          {"strides", g.strides},
          {"pads", pads},
          {"dilations", g.dilations},
          {"group", g.group}};
}

}  // namespace conveq::model
