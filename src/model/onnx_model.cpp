// ModelProto -> Model: the Conv nodes, their tensors and the value shapes, checked.
#include "conveq/model/onnx_model.hpp"

#include <filesystem>
#include <set>

#include "conveq/core/error.hpp"
#include "conveq/core/problem.hpp"
#include "conveq/core/visible_text.hpp"
#include "conveq/io/bounded_read.hpp"
#include "conveq/io/sha256.hpp"
#include "tensor_proto.hpp"

namespace conveq::model {
namespace {

using Tensors = std::map<std::string, const onnx::TensorProto*>;

bool default_domain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

std::string node_name(const onnx::NodeProto& node, int64_t index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
}

void read_ints(const onnx::AttributeProto& a, std::vector<int64_t>& values) {
  values.assign(a.ints().begin(), a.ints().end());
}

// One attribute of ONNX's Conv, of the type ONNX gives it; anything else is refused.
void read_attribute(const onnx::AttributeProto& a, ConvNode& node) {
  const std::string& name = a.name();
  const auto expect = [&](onnx::AttributeProto::AttributeType type, const char* type_name) {
    if (a.type() != type) {
      throw InputError("node " + node.name + ": attribute " + name + " has type " +
                       std::to_string(a.type()) + ": Conv's " + name + " is " + type_name);
    }
  };
  ConvAttributes& attrs = node.attributes;
  if (name == "auto_pad") {
    expect(onnx::AttributeProto::STRING, "STRING");
    attrs.auto_pad = a.s();
  } else if (name == "group") {
    expect(onnx::AttributeProto::INT, "INT");
    attrs.group = a.i();
  } else if (name == "kernel_shape" || name == "strides" || name == "pads" || name == "dilations") {
    expect(onnx::AttributeProto::INTS, "INTS");
    read_ints(a, name == "kernel_shape" ? attrs.kernel_shape
                 : name == "strides"    ? attrs.strides
                 : name == "pads"       ? attrs.pads
                                        : attrs.dilations);
  } else {
    throw InputError("node " + node.name + ": attribute \"" + name +
                     "\" is not one of ONNX Conv's (auto_pad, dilations, group, kernel_shape, "
                     "pads, strides)");
  }
}

ConvNode read_conv(const onnx::NodeProto& proto, int64_t index) {
  ConvNode node;
  node.index = index;
  node.name = node_name(proto, index);
  if (proto.input_size() < 2 || proto.input_size() > 3 || proto.output_size() != 1 ||
      proto.input(0).empty() || proto.input(1).empty()) {
    throw InputError("node " + node.name + ": a Conv has inputs X, W and an optional B and one " +
                     "output; this one has " + std::to_string(proto.input_size()) + " inputs and " +
                     std::to_string(proto.output_size()) + " outputs");
  }
  node.input = proto.input(0);
  node.weight = proto.input(1);
  if (proto.input_size() == 3) node.bias = proto.input(2);
  node.output = proto.output(0);
  std::set<std::string> seen;
  for (const auto& attribute : proto.attribute()) {
    if (!seen.insert(attribute.name()).second) {
      throw InputError("node " + node.name + ": attribute " + attribute.name() + " is given twice");
    }
    read_attribute(attribute, node);
  }
  return node;
}

// Initializers and Constant nodes' values, by name.
Tensors constant_tensors(const onnx::GraphProto& graph, const std::string& name) {
  Tensors tensors;
  const auto add = [&](const std::string& value, const onnx::TensorProto& tensor) {
    if (!tensors.emplace(value, &tensor).second) {
      throw InputError(name + ": the constant value \"" + value + "\" is defined twice");
    }
  };
  for (const auto& tensor : graph.initializer()) add(tensor.name(), tensor);
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Constant" || !default_domain(node.domain())) continue;
    for (const auto& a : node.attribute()) {
      if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR &&
          node.output_size() == 1) {
        add(node.output(0), a.t());
      }
    }
  }
  return tensors;
}

ValueShape value_shape(const onnx::ValueInfoProto& info) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return {};
  ValueShape shape;
  for (const auto& dim : info.type().tensor_type().shape().dim()) {
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 1 ? dim.dim_value() : -1);
  }
  return shape;
}

void read_shapes(const onnx::GraphProto& graph, Model& model, const Tensors& tensors) {
  for (const auto* list : {&graph.input(), &graph.value_info(), &graph.output()}) {
    for (const auto& info : *list) {
      const ValueShape shape = value_shape(info);
      if (!shape.empty()) model.shapes[info.name()] = shape;
    }
  }
  for (const auto& info : graph.input()) {
    if (tensors.count(info.name()) == 0) model.inputs.push_back(info.name());
  }
  for (const auto& info : graph.output()) model.outputs.push_back(info.name());
}

}  // namespace

namespace {

// Ops whose output has the shape of their first input (elementwise, normalization).
bool keeps_shape(const std::string& op) {
  static const std::set<std::string> ops = {
      "Relu",     "LeakyRelu", "Sigmoid", "Tanh", "Clip",        "BatchNormalization",
      "Identity", "Dropout",   "Elu",     "Selu", "HardSigmoid", "HardSwish",
      "Softplus", "Gelu",      "Erf",     "Neg",  "Abs",         "Sqrt",
      "Exp",      "Add",       "Sub",     "Mul",  "Div",         "PRelu"};
  return ops.count(op) > 0;
}

// A constant (or a value of known shape) that broadcasts into `shape` without enlarging it.
bool broadcasts_into(const std::vector<int64_t>& other, const std::vector<int64_t>& shape) {
  if (other.size() > shape.size()) return false;
  for (size_t i = 0; i < other.size(); ++i) {
    const int64_t d = other[other.size() - 1 - i];
    if (d != 1 && d != shape[shape.size() - 1 - i]) return false;
  }
  return true;
}

std::vector<int64_t> shape_of(const Model& model, const Tensors& tensors,
                              const std::string& value) {
  const auto tensor = tensors.find(value);
  if (tensor != tensors.end()) {
    return std::vector<int64_t>(tensor->second->dims().begin(), tensor->second->dims().end());
  }
  return model.known_shape(value);
}

void set_shape(Model& model, const std::string& node, const std::string& value,
               const std::vector<int64_t>& shape) {
  const std::vector<int64_t> stated = model.known_shape(value);
  if (!stated.empty() && stated != shape) {
    throw InputError("node " + node + ": the model states shape " + npy::shape_to_string(stated) +
                     " for its output " + value + ", but its inputs make " +
                     npy::shape_to_string(shape));
  }
  model.shapes[value] = shape;
}

// The shape of every Conv output and of the elementwise ops after them, in graph order (ONNX
// requires nodes in topological order).
void propagate_shapes(const onnx::GraphProto& graph, const Tensors& tensors, Model& model) {
  size_t conv = 0;
  for (int64_t i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(static_cast<int>(i));
    if (node.output_size() < 1 || !default_domain(node.domain())) continue;
    if (node.op_type() == "Conv") {
      const ConvNode& c = model.convs[conv++];
      const auto input = model.known_shape(c.input);
      const auto weight = shape_of(model, tensors, c.weight);
      if (input.empty() || weight.empty()) continue;
      const NodeGeometry g = resolve_geometry(c, input, weight);
      set_shape(model, c.name, c.output, output_shape(g, input, weight));
    } else if (keeps_shape(node.op_type()) && node.input_size() >= 1) {
      const auto first = model.known_shape(node.input(0));
      if (first.empty()) continue;
      bool fits = true;
      for (int k = 1; k < node.input_size(); ++k) {
        fits = fits && (node.input(k).empty() ||
                        broadcasts_into(shape_of(model, tensors, node.input(k)), first));
      }
      if (fits) set_shape(model, node_name(node, i), node.output(0), first);
    }
  }
}

void convert_tensor(const Tensors& tensors, const std::string& value, const ConvNode& node,
                    const std::string& role, const std::string& name, const std::string& dir,
                    Model& model) {
  if (model.tensors.count(value) > 0) return;
  const auto found = tensors.find(value);
  if (found == tensors.end()) {
    throw InputError("node " + node.name + ": " + role + " " + value +
                     " is computed by the graph: conveq needs it as an initializer or Constant");
  }
  model.tensors[value] = to_array(*found->second, name + ": " + role + " " + value, dir);
}

// --input-shape must name a value some node reads: a typo would otherwise go unnoticed.
void apply_overrides(const onnx::GraphProto& graph, const ShapeOverrides& overrides, Model& model) {
  std::set<std::string> read;
  for (const auto& node : graph.node()) read.insert(node.input().begin(), node.input().end());
  for (const auto& [value, shape] : overrides) {
    if (read.count(value) == 0) {
      throw InputError("--input-shape " + value + "=...: no node of " + model.path +
                       " reads a value of that name");
    }
    model.shapes[value] = shape;
  }
}

void read_graph(const onnx::GraphProto& graph, const std::string& name, const std::string& dir,
                const ShapeOverrides& overrides, Model& model) {
  const Tensors tensors = constant_tensors(graph, name);
  read_shapes(graph, model, tensors);
  apply_overrides(graph, overrides, model);
  model.node_count = graph.node_size();
  for (int64_t i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(static_cast<int>(i));
    if (node.op_type() == "Conv" && default_domain(node.domain())) {
      model.convs.push_back(read_conv(node, i));
    }
  }
  if (model.convs.empty()) {
    throw InputError(name + ": has no Conv node (of " + std::to_string(graph.node_size()) +
                     " nodes): nothing to check");
  }
  for (const auto& c : model.convs) {
    convert_tensor(tensors, c.weight, c, "weight", name, dir, model);
    if (!c.bias.empty()) convert_tensor(tensors, c.bias, c, "bias", name, dir, model);
  }
  propagate_shapes(graph, tensors, model);
}

}  // namespace

std::vector<int64_t> Model::known_shape(const std::string& value) const {
  const auto found = shapes.find(value);
  if (found == shapes.end()) return {};
  for (const int64_t d : found->second) {
    if (d < 1) return {};
  }
  return found->second;
}

Model parse_model(std::span<const unsigned char> bytes, const std::string& name,
                  const std::string& directory, const ShapeOverrides& overrides) {
  silence_protobuf_logging();
  onnx::ModelProto proto;
  if (bytes.size() > static_cast<size_t>(kMaxModelBytes) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw InputError(name + ": not an ONNX model: protobuf parsing failed (truncated or corrupt)");
  }
  if (!proto.has_graph() || proto.ir_version() <= 0) {
    throw InputError(name + ": not an ONNX model: it has no " +
                     (proto.has_graph() ? "ir_version" : "graph"));
  }
  Model model;
  model.path = name;
  model.sha256 = sha256_hex(bytes);
  model.ir_version = proto.ir_version();
  model.producer = proto.producer_name() +
                   (proto.producer_version().empty() ? "" : " " + proto.producer_version());
  for (const auto& opset : proto.opset_import()) {
    if (default_domain(opset.domain())) model.opset = opset.version();
  }
  try {
    read_graph(proto.graph(), name, directory, overrides, model);
  } catch (const InputError& e) {
    // Node and value names come from the file: one line, whatever they hold.
    throw InputError(visible_text(e.message()));
  }
  return model;
}

Model read_model(const std::string& path, const ShapeOverrides& overrides) {
  const std::string bytes = read_bounded(path, static_cast<size_t>(kMaxModelBytes), "ONNX model");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::string directory = std::filesystem::path(path).parent_path().string();
  return parse_model({data, bytes.size()}, path, directory.empty() ? "." : directory, overrides);
}

std::pair<std::string, ValueShape> parse_shape_override(const std::string& text) {
  const auto equals = text.rfind('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    throw InputError("--input-shape " + text + ": must be NAME=N,C,L or NAME=N,C,H,W");
  }
  ValueShape shape;
  std::string rest = text.substr(equals + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t comma = std::min(rest.find(',', start), rest.size());
    shape.push_back(
        parse_integer("--input-shape", rest.substr(start, comma - start), 1, int64_t{1} << 31));
    start = comma + 1;
  }
  if (shape.size() != 3 && shape.size() != 4) {
    throw InputError("--input-shape " + text + ": must have 3 (N,C,L) or 4 (N,C,H,W) dimensions");
  }
  return {text.substr(0, equals), shape};
}

}  // namespace conveq::model
