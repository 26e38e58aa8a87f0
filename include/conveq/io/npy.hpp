#pragma once
// NumPy .npy files (NEP 1), read defensively and written the way numpy.save writes them.
// Reading never trusts the file: every field is checked against the bytes actually present
// before anything is allocated, and every problem is an InputError naming the file.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "conveq/core/half_formats.hpp"

namespace conveq::npy {

// Larger inputs are refused before reading: values become doubles, so a 1 GiB float16 file
// already needs 4 GiB of memory.
inline constexpr int64_t kMaxFileBytes = int64_t{1} << 30;

// bfloat16: ml_dtypes' convention, descr '<V2' (2-byte void) holding the top 16 bits of the
// float32 value, little endian.
enum class StoredType { float16, float32, float64, bfloat16 };
// The unit roundoff of a stored type: 2^-11, 2^-24, 2^-53, 2^-8.
double unit_roundoff(StoredType type);

struct Array {
  std::vector<int64_t> shape;  // as stored; {} for a scalar
  std::string descr;           // as stored, e.g. "<f4", ">f8", "<f2", "<V2"
  StoredType stored_type = StoredType::float32;
  bool fortran_order = false;
  int version_major = 1, version_minor = 0;
  std::vector<double> values;  // converted to double (exact for all three types), in C order
  int64_t element_count() const;
};

// Parses the bytes of a whole .npy file; `name` (usually the path) starts every error message.
// Throws conveq::InputError.
Array parse(std::span<const unsigned char> bytes, const std::string& name);

// Reads a whole file, refusing it before allocating when it exceeds kMaxFileBytes, and parses it.
Array read_file(const std::string& path);

// A C-order array as a version 1.0 .npy ('<f4' or '<f8'), data aligned to 64 bytes.
std::string encode(const float* data, const std::vector<int64_t>& shape);
std::string encode(const double* data, const std::vector<int64_t>& shape);
// Values representable in the format, as '<f2' (float16) or '<V2' (bfloat16, as ml_dtypes).
std::string encode(HalfFormat format, const float* data, const std::vector<int64_t>& shape);

// "(2, 3)", "(10,)" or "()": Python's tuple syntax, as in the header and in error messages.
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace conveq::npy
