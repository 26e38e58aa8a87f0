#pragma once
// .npy files for tests: valid ones from conveq::npy::encode, and hand-built ones whose header
// and data a test controls byte by byte (to make them wrong in one precise way).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "conveq/io/npy.hpp"

// A .npy file's bytes: magic, version major.minor, header length (2 bytes for 1.0, else 4), the
// dict padded with spaces and a '\n' so the data start at a multiple of 64, then `data`.
inline std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1,
                             int minor = 0) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const size_t unpadded = 8 + length_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string file = "\x93NUMPY";
  file += static_cast<char>(major);
  file += static_cast<char>(minor);
  for (size_t i = 0; i < length_bytes; ++i) {
    file += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return file + header + data;
}

// n float32 values 0.5, 1.0, 1.5, ... as little-endian bytes.
inline std::string float_data(int64_t n) {
  std::vector<float> values(static_cast<size_t>(n));
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * static_cast<float>(i + 1);
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)};
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A valid C-order '<f4' file with the given shape and values (cycled from `pattern`).
inline void write_float_npy(const std::filesystem::path& path, const std::vector<int64_t>& shape,
                            const std::vector<float>& pattern = {0.25f, -1.5f, 2.0f, 0.75f,
                                                                 -0.5f}) {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  std::vector<float> values(static_cast<size_t>(n));
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = pattern[i % pattern.size()] * (1.0f + 0.125f * static_cast<float>(i % 7));
  }
  write_bytes(path, conveq::npy::encode(values.data(), shape));
}

inline void write_double_npy(const std::filesystem::path& path, const std::vector<int64_t>& shape,
                             const std::vector<double>& values) {
  write_bytes(path, conveq::npy::encode(values.data(), shape));
}
