#pragma once
// An ONNX model as conveq needs it: its Conv nodes, their weights and biases, and the shape of
// every value the model (or the user) states. The reader distrusts the file: the size limit is
// enforced while reading, protobuf failures become one line, every tensor is checked before
// its values are allocated, and external data is read only from files beside the model.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "conveq/io/npy.hpp"
#include "conveq/model/conv_node.hpp"

namespace conveq::model {

// Larger model files are refused while reading.
inline constexpr int64_t kMaxModelBytes = npy::kMaxFileBytes;

// A shape with -1 for a dimension the model leaves open (a dim_param such as "batch").
using ValueShape = std::vector<int64_t>;
// --input-shape NAME=N,C,L: shapes the model does not state.
using ShapeOverrides = std::map<std::string, ValueShape>;

struct Model {
  std::string path;  // as given
  std::string sha256;
  int64_t ir_version = 0;
  int64_t opset = 0;  // of the default domain; 0 when not stated
  std::string producer;
  int64_t node_count = 0;
  std::vector<ConvNode> convs;
  std::map<std::string, npy::Array> tensors;  // every Conv weight and bias, by value name
  std::map<std::string, ValueShape> shapes;   // stated, given or propagated, by value name
  std::vector<std::string> inputs, outputs;   // the graph's, without initializers, in order

  // The fully known shape of a value; empty when some dimension (or the value) is unknown.
  std::vector<int64_t> known_shape(const std::string& value) const;
};

// Parses a model's bytes; `name` starts every error message. External data is read from
// `directory` (empty: refused). Throws InputError.
Model parse_model(std::span<const unsigned char> bytes, const std::string& name,
                  const std::string& directory, const ShapeOverrides& overrides = {});

// Reads and parses MODEL.onnx.
Model read_model(const std::string& path, const ShapeOverrides& overrides = {});

// "NAME=2,16,100" -> (NAME, shape); throws InputError naming --input-shape.
std::pair<std::string, ValueShape> parse_shape_override(const std::string& text);

}  // namespace conveq::model
