#pragma once
// Small ONNX models built in the test, to change one field at a time: a single Conv with
// its input X, weight W (an initializer) and optional bias B, output Y.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "conveq/model/onnx_model.hpp"

inline void set_shape(onnx::ValueInfoProto& info, const std::string& name,
                      const std::vector<int64_t>& shape) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* dims = tensor->mutable_shape();
  dims->clear_dim();
  for (const int64_t d : shape) dims->add_dim()->set_dim_value(d);
}

// Values 0.25 * (i % 7 - 3): exact in float32, different per element.
inline onnx::TensorProto float_tensor(const std::string& name, const std::vector<int64_t>& shape,
                                      bool raw) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (const int64_t d : shape) t.add_dims(d);
  const int64_t count = std::accumulate(shape.begin(), shape.end(), int64_t{1},
                                        [](int64_t a, int64_t b) { return a * b; });
  std::vector<float> values(static_cast<size_t>(count));
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.25f * static_cast<float>(i % 7) - 0.75f;
  if (raw) {
    t.set_raw_data(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  } else {
    for (const float v : values) t.add_float_data(v);
  }
  return t;
}

inline void add_ints(onnx::NodeProto& node, const std::string& name,
                     const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (const int64_t v : values) a->add_ints(v);
}

inline onnx::ModelProto single_conv(const std::vector<int64_t>& input_shape,
                                    const std::vector<int64_t>& weight_shape, bool bias = true,
                                    bool raw = true) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.set_producer_name("conveq tests");
  auto* opset = m.add_opset_import();
  opset->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("single_conv");
  set_shape(*g->add_input(), "X", input_shape);
  *g->add_initializer() = float_tensor("W", weight_shape, raw);
  auto* node = g->add_node();
  node->set_op_type("Conv");
  node->set_name("conv");
  node->add_input("X");
  node->add_input("W");
  if (bias) {
    *g->add_initializer() = float_tensor("B", {weight_shape[0]}, raw);
    node->add_input("B");
  }
  node->add_output("Y");
  g->add_output()->set_name("Y");
  return m;
}

inline onnx::NodeProto& conv_node(onnx::ModelProto& m) {
  return *m.mutable_graph()->mutable_node(0);
}

inline onnx::TensorProto& initializer(onnx::ModelProto& m, int index) {
  return *m.mutable_graph()->mutable_initializer(index);
}

inline std::string serialized(const onnx::ModelProto& m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

inline conveq::model::Model parse(const onnx::ModelProto& m, const std::string& dir = "",
                                  const conveq::model::ShapeOverrides& overrides = {}) {
  const std::string bytes = serialized(m);
  return conveq::model::parse_model(
      {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}, "m.onnx", dir,
      overrides);
}
