#pragma once
// One ONNX Conv node (1D or 2D) as the model states it, and its translation into a conveq
// problem. Nothing here trusts the model: every attribute is checked against the weight and
// input shapes, and every error is an InputError that starts with the node's name.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conveq/core/problem.hpp"

namespace conveq::model {

// The attributes as read; an empty list means "not given" (ONNX's defaults apply).
struct ConvAttributes {
  std::string auto_pad = "NOTSET";
  std::vector<int64_t> kernel_shape, strides, pads, dilations;
  int64_t group = 1;
};

struct ConvNode {
  int64_t index = 0;  // position among the graph's nodes, 0-based
  std::string name;   // the node's name, or "Conv_<index>" when the model gives none
  std::string input, weight, bias, output;  // value names; bias empty: none
  ConvAttributes attributes;
};

// The geometry every spatial axis ends up with (H then W for a 2D node), after auto_pad.
struct NodeGeometry {
  int rank = 1;  // 1: Conv1d, 2: Conv2d
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end;
  int64_t group = 1;
};

// Checks the attributes against the weight (O, C/group, K...) and input (N, C, L...) shapes
// and resolves auto_pad as ONNX defines it. Throws InputError "node NAME: ...".
NodeGeometry resolve_geometry(const ConvNode& node, const std::vector<int64_t>& input_shape,
                              const std::vector<int64_t>& weight_shape);

// The output shape of the node, (N, O, L_out...).
std::vector<int64_t> output_shape(const NodeGeometry& geometry,
                                  const std::vector<int64_t>& input_shape,
                                  const std::vector<int64_t>& weight_shape);

// The options of `conveq compare` for the node. Padding that is the same at both ends of every
// axis, or PyTorch's 'same' (stride 1, the odd extra at the end), has a conveq problem; other
// asymmetric padding is refused with an InputError naming the node and its pads.
ProblemOptions problem_options(const ConvNode& node, const NodeGeometry& geometry,
                               const std::vector<int64_t>& input_shape,
                               const std::vector<int64_t>& weight_shape, bool has_bias,
                               DType dtype);

// The node as the report records it: names, shapes and the resolved attributes.
nlohmann::json node_json(const ConvNode& node, const NodeGeometry& geometry,
                         const std::vector<int64_t>& input_shape,
                         const std::vector<int64_t>& weight_shape);

}  // namespace conveq::model
