#pragma once
// ONNX TensorProto files (test_data_set_N/input_K.pb, output_K.pb), read with the distrust of
// the .npy reader: the size limit is enforced while reading, the dtype, dims and element count
// are checked against the bytes present before anything is allocated, and every problem is an
// InputError naming the file.
#include <cstdint>
#include <string>

#include "conveq/io/npy.hpp"

namespace conveq::model {

// A tensor file or one tensor of a model larger than this is refused: values become doubles.
inline constexpr int64_t kMaxTensorBytes = npy::kMaxFileBytes;

// Reads a serialized TensorProto of FLOAT or DOUBLE data. `name` of the result's tensor (the
// proto's name field, possibly empty) goes to `tensor_name` when given.
npy::Array read_tensor_file(const std::string& path, std::string* tensor_name = nullptr);

}  // namespace conveq::model
