#pragma once
// A TensorProto's values, checked: the one place that turns protobuf tensors into arrays, for
// model initializers and test-data files alike. Private to src/model (it needs onnx_pb.h).
#include <onnx/onnx_pb.h>

#include <string>

#include "conveq/io/npy.hpp"

namespace conveq::model {

// `what` starts every error message ("MODEL: initializer W"). External data is read only from
// a file directly in `model_directory` (empty: external data is refused).
npy::Array to_array(const onnx::TensorProto& tensor, const std::string& what,
                    const std::string& model_directory);

// Protobuf logs parse errors to stderr itself; conveq reports them in one line of its own.
void silence_protobuf_logging();

}  // namespace conveq::model
