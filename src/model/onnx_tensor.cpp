// TensorProto -> npy::Array, distrustfully: dims, dtype and element count are checked against
// the bytes present before the values are allocated.
#include "conveq/model/onnx_tensor.hpp"

#include <google/protobuf/stubs/logging.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "conveq/core/error.hpp"
#include "conveq/io/bounded_read.hpp"
#include "tensor_proto.hpp"

namespace conveq::model {
namespace {

static_assert(std::endian::native == std::endian::little,
              "raw_data is little-endian; conveq copies it as is");

constexpr int kMaxDims = 8;
constexpr int64_t kMaxDim = int64_t{1} << 31;

struct ElementType {
  npy::StoredType stored;
  int64_t bytes;
  const char* descr;
};

ElementType element_type(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_type() == onnx::TensorProto::FLOAT) return {npy::StoredType::float32, 4, "<f4"};
  if (t.data_type() == onnx::TensorProto::DOUBLE) return {npy::StoredType::float64, 8, "<f8"};
  throw InputError(what + ": data_type " + std::to_string(t.data_type()) +
                   ": conveq reads FLOAT (1) and DOUBLE (11) tensors");
}

// The element count the dims claim, refused above kMaxTensorBytes before anything is read.
int64_t element_count(const onnx::TensorProto& t, const std::string& what, int64_t bytes) {
  if (t.dims_size() > kMaxDims) {
    throw InputError(what + ": " + std::to_string(t.dims_size()) + " dims: at most " +
                     std::to_string(kMaxDims) + " are accepted");
  }
  int64_t count = 1;
  for (const int64_t d : t.dims()) {
    if (d < 0 || d > kMaxDim) {
      throw InputError(what + ": dimension " + std::to_string(d) + ": must be in [0, " +
                       std::to_string(kMaxDim) + "]");
    }
    // count <= kMaxTensorBytes / bytes < 2^31 before each product, so it cannot overflow.
    count *= d;
    if (count > kMaxTensorBytes / bytes) {
      throw InputError(what + ": dims claim more than " + byte_limit_text(kMaxTensorBytes) +
                       " of data: larger tensors are refused");
    }
  }
  return count;
}

std::string external_value(const onnx::TensorProto& t, const std::string& key) {
  for (const auto& entry : t.external_data()) {
    if (entry.key() == key) return entry.value();
  }
  return "";
}

int64_t external_number(const onnx::TensorProto& t, const std::string& key,
                        const std::string& what) {
  const std::string text = external_value(t, key);
  if (text.empty()) return -1;
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw InputError(what + ": external data " + key + " \"" + text +
                     "\": must be a non-negative integer");
  }
  return std::stoll(text);
}

// The bytes of external data: only a plain file name, in the model's own directory.
std::string external_bytes(const onnx::TensorProto& t, const std::string& what,
                           const std::string& directory, int64_t expected_bytes) {
  const std::string location = external_value(t, "location");
  if (directory.empty()) {
    throw InputError(what + ": external data (" + location + ") is not accepted here");
  }
  if (location.empty() || location == "." || location == ".." ||
      location.find_first_of("/\\") != std::string::npos || location.find('\0') != location.npos) {
    throw InputError(what + ": external data location \"" + location +
                     "\": must be a file name beside the model (no directories, no ..)");
  }
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path path = fs::path(directory) / location;
  const fs::path real = fs::canonical(path, error);
  if (error || real.parent_path() != fs::canonical(directory, error) ||
      !fs::is_regular_file(real, error)) {
    throw InputError(what + ": external data " + path.string() +
                     ": must be a regular file beside the model");
  }
  const auto size = static_cast<int64_t>(fs::file_size(real, error));
  const int64_t offset = std::max<int64_t>(0, external_number(t, "offset", what));
  int64_t length = external_number(t, "length", what);
  if (length < 0) length = size - offset;
  if (error || length != expected_bytes || offset > size || size - offset < length) {
    throw InputError(what + ": external data " + path.string() + " (" + std::to_string(size) +
                     " bytes) holds no " + std::to_string(expected_bytes) + " bytes at offset " +
                     std::to_string(offset) + " for the tensor's dims");
  }
  std::string bytes(static_cast<size_t>(length), '\0');
  std::ifstream file(real, std::ios::binary);
  file.seekg(offset);
  if (!file.read(bytes.data(), length)) {
    throw InputError(what + ": external data " + path.string() + ": cannot be read");
  }
  return bytes;
}

template <typename Stored>
void append_raw(const std::string& raw, std::vector<double>& values) {
  values.resize(raw.size() / sizeof(Stored));
  for (size_t i = 0; i < values.size(); ++i) {
    Stored v;
    std::memcpy(&v, raw.data() + i * sizeof(Stored), sizeof(Stored));
    values[i] = static_cast<double>(v);
  }
}

bool has_wrong_typed_data(const onnx::TensorProto& t, bool is_float) {
  return t.int32_data_size() > 0 || t.int64_data_size() > 0 || t.string_data_size() > 0 ||
         t.uint64_data_size() > 0 || (is_float ? t.double_data_size() : t.float_data_size()) > 0;
}

}  // namespace

void silence_protobuf_logging() {
  google::protobuf::SetLogHandler(nullptr);
}

npy::Array to_array(const onnx::TensorProto& t, const std::string& what,
                    const std::string& model_directory) {
  const ElementType type = element_type(t, what);
  if (t.has_segment()) throw InputError(what + ": segmented tensors are not accepted");
  const int64_t count = element_count(t, what, type.bytes);
  const bool is_float = type.stored == npy::StoredType::float32;
  const bool external = t.data_location() == onnx::TensorProto::EXTERNAL;
  const int64_t typed = is_float ? t.float_data_size() : t.double_data_size();
  const int sources = (external ? 1 : 0) + (t.has_raw_data() ? 1 : 0) + (typed > 0 ? 1 : 0);
  if (sources > 1 || has_wrong_typed_data(t, is_float)) {
    throw InputError(what +
                     ": holds its data in more than one field, or in a field of another "
                     "type: a tensor has exactly one of raw_data, " +
                     std::string(is_float ? "float_data" : "double_data") + " or external data");
  }
  npy::Array array;
  array.shape.assign(t.dims().begin(), t.dims().end());
  array.descr = type.descr;
  array.stored_type = type.stored;
  if (typed > 0 || (sources == 0 && count == 0)) {
    if (typed != count) {
      throw InputError(what + ": " + std::to_string(typed) + " values for dims " +
                       npy::shape_to_string(array.shape) + " (" + std::to_string(count) + ")");
    }
    if (is_float) array.values.assign(t.float_data().begin(), t.float_data().end());
    if (!is_float) array.values.assign(t.double_data().begin(), t.double_data().end());
    return array;
  }
  if (sources == 0) throw InputError(what + ": holds no data for its dims");
  const std::string raw =
      external ? external_bytes(t, what, model_directory, count * type.bytes) : t.raw_data();
  if (static_cast<int64_t>(raw.size()) != count * type.bytes) {
    throw InputError(what + ": raw_data has " + std::to_string(raw.size()) + " bytes; dims " +
                     npy::shape_to_string(array.shape) + " need " +
                     std::to_string(count * type.bytes));
  }
  if (is_float) append_raw<float>(raw, array.values);
  if (!is_float) append_raw<double>(raw, array.values);
  return array;
}

npy::Array read_tensor_file(const std::string& path, std::string* tensor_name) {
  silence_protobuf_logging();
  // A TensorProto of kMaxTensorBytes of data, plus its few header fields.
  const std::string bytes =
      read_bounded(path, static_cast<size_t>(kMaxTensorBytes) + 4096, "TensorProto file");
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw InputError(path + ": not a TensorProto: protobuf parsing failed (truncated or corrupt)");
  }
  if (!tensor.has_data_type()) {
    throw InputError(path + ": not a TensorProto: it has no data_type");
  }
  if (tensor_name != nullptr) *tensor_name = tensor.name();
  return to_array(tensor, path, "");
}

}  // namespace conveq::model
