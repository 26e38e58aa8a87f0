// libFuzzer target for the .npy reader: any input must either parse into a consistent Array
// or be refused with an InputError. Crashes, other exceptions, sanitizer reports, leaks and
// timeouts are findings. See docs/fuzzing.md.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "conveq/core/error.hpp"
#include "conveq/io/npy.hpp"

namespace {

void check(bool condition, const char* what) {
  if (!condition) {
    // abort() so libFuzzer records the input as a crash with this reason next to it.
    std::fprintf(stderr, "npy_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  conveq::npy::Array array;
  try {
    array = conveq::npy::parse(std::span<const unsigned char>(data, size), "fuzz.npy");
  } catch (const conveq::InputError& error) {
    check(std::strchr(error.what(), '\n') == nullptr, "error message spans several lines");
    check(std::strncmp(error.what(), "fuzz.npy: ", 10) == 0, "error message lacks the file name");
    return 0;
  }

  // Whatever was accepted must be self-consistent ...
  int64_t count = 1;
  for (const int64_t dim : array.shape) {
    check(dim > 0, "accepted a non-positive dimension");
    count *= dim;
  }
  check(array.element_count() == count, "element_count() disagrees with the shape");
  check(static_cast<int64_t>(array.values.size()) == count, "values.size() != product(shape)");
  using conveq::npy::StoredType;
  int itemsize = 8;
  switch (array.stored_type) {
    case StoredType::float16:
    case StoredType::bfloat16:  // '<V2', as ml_dtypes writes it
      itemsize = 2;
      break;
    case StoredType::float32:
      itemsize = 4;
      break;
    case StoredType::float64:
      break;
  }
  check(static_cast<uint64_t>(count) * itemsize < size, "more data than bytes in the file");

  // ... and survive a round trip through the writer unchanged (float16 and float32 widen to
  // float64 exactly, so writing float64 loses nothing).
  const std::string encoded = conveq::npy::encode(array.values.data(), array.shape);
  const conveq::npy::Array again = conveq::npy::parse(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(encoded.data()),
                                     encoded.size()),
      "round-trip.npy");
  check(again.shape == array.shape, "round trip changed the shape");
  check(same_bits(again.values, array.values), "round trip changed the values");
  return 0;
}
