#include "conveq/io/npy.hpp"

#include <unistd.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "conveq/core/error.hpp"

namespace {

using conveq::InputError;
using conveq::npy::Array;
using conveq::npy::StoredType;

const std::string kName = "case.npy";

// The goldens live next to this file; CMake passes the source dir, a plain g++ build uses
// the path it compiled this file by.
std::filesystem::path golden_dir() {
#ifdef CONVEQ_SOURCE_DIR
  return std::filesystem::path(CONVEQ_SOURCE_DIR) / "tests" / "data" / "npy";
#else
  return std::filesystem::path(__FILE__).parent_path() / "data" / "npy";
#endif
}

std::string little_endian(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

std::string big_endian(uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

struct FileSpec {
  int major = 1, minor = 0;
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  std::string data = std::string(8, '\0');
  size_t align = 64;    // pad so that the data starts at a multiple of this
  bool newline = true;  // end the header with '\n' as NEP 1 requires
};

// A .npy file built byte by byte, so tests control every field a writer could get wrong.
std::string build(const FileSpec& spec) {
  const size_t length_bytes = spec.major == 1 ? 2 : 4;
  std::string header = spec.dict;
  const size_t unpadded = 8 + length_bytes + header.size() + (spec.newline ? 1 : 0);
  header.append((spec.align - unpadded % spec.align) % spec.align, ' ');
  if (spec.newline) header += '\n';
  std::string file = "\x93NUMPY";
  file += static_cast<char>(spec.major);
  file += static_cast<char>(spec.minor);
  file += little_endian(header.size(), static_cast<int>(length_bytes));
  return file + header + spec.data;
}

std::string with_dict(const std::string& dict, const std::string& data = std::string(8, '\0')) {
  FileSpec spec;
  spec.dict = dict;
  spec.data = data;
  return build(spec);
}

Array parse_bytes(const std::string& file, const std::string& name = kName) {
  return conveq::npy::parse({reinterpret_cast<const unsigned char*>(file.data()), file.size()},
                            name);
}

// Every rejection must name the file, give the specific reason, and fit on one line.
void require_rejected(const std::string& file, std::initializer_list<std::string> fragments) {
  try {
    parse_bytes(file);
  } catch (const InputError& error) {
    const std::string message = error.what();
    INFO("message: " << message);
    CHECK_THAT(message, Catch::StartsWith(kName + ": "));
    CHECK(message.find('\n') == std::string::npos);
    for (const std::string& fragment : fragments) CHECK_THAT(message, Catch::Contains(fragment));
    return;
  }
  FAIL("parse accepted a bad file that should be refused with: " << *fragments.begin());
}

std::string float_bytes_le(std::initializer_list<float> values) {
  std::string out;
  for (const float v : values) out += little_endian(std::bit_cast<uint32_t>(v), 4);
  return out;
}

bool same_bits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ =
        (std::filesystem::temp_directory_path() / ("conveq_test_npy_" + std::to_string(::getpid()) +
                                                   "_" + std::to_string(counter++) + ".npy"))
            .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

// ---- files that must be rejected, one class each --------------------------------------------

TEST_CASE("npy rejects an empty file", "[npy]") {
  require_rejected("", {"empty file"});
}

TEST_CASE("npy rejects bad magic", "[npy]") {
  require_rejected("PK\x03\x04 not a numpy file at all",
                   {"bad magic 'PK\\x03\\x04 n'", "\\x93NUMPY"});
  require_rejected("\x93NUMPZ\x01\x00", {"bad magic"});
}

TEST_CASE("npy rejects a file that ends inside the preamble", "[npy]") {
  require_rejected("\x93NUM", {"file too short (4 bytes)"});
  require_rejected(std::string("\x93NUMPY\x01\x00\x10", 9),
                   {"file too short (9 bytes)", "needs 10"});
  require_rejected(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11), {"version 2.0", "needs 12"});
}

TEST_CASE("npy rejects unknown versions", "[npy]") {
  FileSpec spec;
  spec.major = 4;
  require_rejected(build(spec), {"unknown format version 4.0", "1.0, 2.0 and 3.0"});
  spec.major = 1;
  spec.minor = 1;
  require_rejected(build(spec), {"unknown format version 1.1"});
  spec.major = 0;
  spec.minor = 0;
  require_rejected(build(spec), {"unknown format version 0.0"});
}

TEST_CASE("npy rejects a header length past the end of the file", "[npy]") {
  std::string file = build(FileSpec{});
  file[8] = '\xe8';  // header length 1000 in a 136-byte file
  file[9] = '\x03';
  require_rejected(file, {"header length 1000 runs past the end of the file", "holds 136 bytes"});

  FileSpec v2;
  v2.major = 2;
  std::string file2 = build(v2);
  file2[11] = '\xff';  // 4-byte length near 4 GiB must not wrap around
  require_rejected(file2, {"runs past the end of the file"});
}

TEST_CASE("npy rejects a header that does not end with a newline", "[npy]") {
  FileSpec spec;
  spec.newline = false;
  require_rejected(build(spec), {"header does not end with '\\n'", "last byte is ' '"});
  FileSpec empty_header;
  empty_header.dict = "";
  empty_header.newline = false;
  empty_header.align = 1;
  empty_header.data = "";
  require_rejected(build(empty_header), {"empty header"});
}

TEST_CASE("npy rejects headers that are not a dict literal", "[npy]") {
  const std::string data(8, '\0');
  require_rejected(with_dict("'descr': '<f4', 'fortran_order': False, 'shape': (2,)"),
                   {"invalid header", "expected '{'"});
  require_rejected(with_dict("{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}"),
                   {"invalid header", "expected ':'"});
  require_rejected(with_dict("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}"),
                   {"expected ',' or '}' after the value of 'descr'"});
  require_rejected(with_dict("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}"),
                   {"invalid header"});
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)"),
                   {"invalid header"});
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}"),
                   {"invalid header", "unknown name 'false'"});
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x"),
                   {"unexpected text after the closing '}'"});
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}"),
                   {"expected a decimal integer"});
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,,)}"),
                   {"invalid header"});
  require_rejected(with_dict("{descr: '<f4', 'fortran_order': False, 'shape': (2,)}"),
                   {"expected a quoted key"});
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': " +
                             std::string(40, '(') + "2," + std::string(40, ')') + "}"),
                   {"nesting deeper than"});
}

TEST_CASE("npy rejects a missing key", "[npy]") {
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False}"),
                   {"header lacks the key 'shape'"});
  require_rejected(with_dict("{'fortran_order': False, 'shape': (2,)}"),
                   {"header lacks the key 'descr'"});
  require_rejected(with_dict("{'descr': '<f4', 'shape': (2,)}"),
                   {"header lacks the key 'fortran_order'"});
}

TEST_CASE("npy rejects a duplicate key", "[npy]") {
  require_rejected(
      with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'descr': '<f8'}"),
      {"duplicate key 'descr'"});
}

TEST_CASE("npy rejects an unknown key", "[npy]") {
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"),
                   {"unknown key 'extra'", "exactly the keys"});
}

TEST_CASE("npy rejects unsupported dtypes and names them", "[npy]") {
  const auto file_with_descr = [](const std::string& descr) {
    return with_dict("{'descr': " + descr + ", 'fortran_order': False, 'shape': (2,), }");
  };
  require_rejected(file_with_descr("'<c8'"), {"unsupported dtype '<c8' (complex)"});
  require_rejected(file_with_descr("'|O'"), {"unsupported dtype '|O' (Python objects)"});
  require_rejected(file_with_descr("'|S4'"), {"unsupported dtype '|S4' (byte strings)"});
  require_rejected(file_with_descr("'<U1'"), {"unsupported dtype '<U1' (unicode strings)"});
  require_rejected(file_with_descr("'<i4'"), {"unsupported dtype '<i4' (signed integers)"});
  require_rejected(file_with_descr("'|b1'"), {"unsupported dtype '|b1' (booleans)"});
  require_rejected(file_with_descr("'<f16'"), {"unsupported dtype '<f16'"});
  require_rejected(file_with_descr("[('x', '<f4'), ('y', '<f4')]"),
                   {"unsupported dtype [('x', '<f4'), ('y', '<f4')] (a structured dtype)"});
  require_rejected(file_with_descr("'|f4'"), {"byte order '|' in dtype '|f4'"});
  require_rejected(file_with_descr("4"), {"descr 4 is not a string"});
}

TEST_CASE("npy rejects shapes that are not tuples of non-negative integers", "[npy]") {
  const auto file_with_shape = [](const std::string& shape) {
    return with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
  };
  require_rejected(file_with_shape("(3, -1)"), {"shape (3, -1) has negative dimension -1"});
  require_rejected(file_with_shape("[2]"), {"shape [2] is not a tuple"});
  require_rejected(file_with_shape("(2)"), {"shape (2) is not a tuple"});
  require_rejected(file_with_shape("('2',)"), {"entry '2' that is not an integer"});
  require_rejected(file_with_shape("(True,)"), {"entry True that is not an integer"});
  require_rejected(file_with_shape("(99999999999999999999,)"),
                   {"dimension 99999999999999999999 that does not fit in int64"});
}

TEST_CASE("npy rejects a zero-size dimension", "[npy]") {
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }", ""),
                   {"zero-size dimension in shape (3, 0)"});
}

TEST_CASE("npy rejects absurd shapes before allocating", "[npy]") {
  // The product overflows int64: must be caught, not wrapped around into a small size.
  require_rejected(with_dict("{'descr': '<f8', 'fortran_order': False, "
                             "'shape': (4294967296, 4294967296, 4294967296), }"),
                   {"absurd shape (4294967296, 4294967296, 4294967296) of '<f8'",
                    "its byte count overflows int64"});
  require_rejected(with_dict("{'descr': '<f8', 'fortran_order': False, "
                             "'shape': (1152921504606846976,), }"),
                   {"absurd shape"});
  // Fits in int64 but not in the file: truncated, reported before any allocation.
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (1000000000, 1000000), }"),
                   {"truncated data: header promises 4000000000000000 bytes", "file holds 8"});
}

TEST_CASE("npy rejects truncated data", "[npy]") {
  const std::string file =
      with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", std::string(32, 'x'));
  require_rejected(file, {"truncated data: header promises 40 bytes for shape (10,) of '<f4', "
                          "file holds 32"});
  try {
    parse_bytes(file, "x.npy");
    FAIL("accepted");
  } catch (const InputError& error) {
    CHECK_THAT(error.what(), Catch::StartsWith("x.npy: truncated data: header promises 40 bytes "
                                               "for shape (10,) of '<f4', file holds 32"));
  }
}

TEST_CASE("npy rejects excess data", "[npy]") {
  require_rejected(
      with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", std::string(48, 'x')),
      {"excess data: header promises 40 bytes for shape (10,) of '<f4', file holds 48"});
  require_rejected(with_dict("{'descr': '<f2', 'fortran_order': False, 'shape': (), }", "abc"),
                   {"excess data: header promises 2 bytes for shape () of '<f2', file holds 3"});
}

TEST_CASE("npy rejects a fortran_order that is not a boolean", "[npy]") {
  require_rejected(with_dict("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}"),
                   {"fortran_order 0 is not True or False"});
}

TEST_CASE("npy rejects a version 3.0 header that is not UTF-8", "[npy]") {
  FileSpec spec;
  spec.major = 3;
  spec.dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'caf\xc3': 1}";
  require_rejected(build(spec), {"header is not valid UTF-8 at byte 60"});
  spec.dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'caf\xc3\xa9': 1}";
  require_rejected(build(spec), {"unknown key 'caf\\xc3\\xa9'"});  // valid UTF-8, wrong key
}

TEST_CASE("npy read_file rejects files it cannot or should not read", "[npy]") {
  CHECK_THROWS_WITH(conveq::npy::read_file("/nonexistent/dir/x.npy"),
                    Catch::StartsWith("/nonexistent/dir/x.npy: cannot open file: No such file"));
  const std::string dir = std::filesystem::temp_directory_path().string();
  CHECK_THROWS_WITH(conveq::npy::read_file(dir), Catch::Contains("is a directory"));

  // A sparse file just over the limit: refused from its size, without reading it.
  TempFile huge("");
  std::filesystem::resize_file(huge.path(), conveq::npy::kMaxFileBytes + 1);
  CHECK_THROWS_WITH(conveq::npy::read_file(huge.path()),
                    Catch::StartsWith(huge.path() + ": file too large (1073741825 bytes)"));

  TempFile truncated(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }",
                               std::string(32, 'x')));
  CHECK_THROWS_WITH(conveq::npy::read_file(truncated.path()),
                    Catch::StartsWith(truncated.path() + ": truncated data"));
}

// ---- files that must be accepted ------------------------------------------------------------

TEST_CASE("npy accepts the header variations Python's literal syntax allows", "[npy]") {
  const std::string data = float_bytes_le({1.5f, -2.0f});
  const std::vector<std::string> dicts = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
      "{\"shape\": (2,), \"descr\": \"<f4\", \"fortran_order\": False}",
      "{ 'fortran_order' :False,'shape':( 2 , ),'descr':'<f4' , }",
      "{'descr': '=f4',\n 'fortran_order': False,\t'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,)}",  // Python 2 long
      "{'descr': '<f4', 'fortran_order': False, 'shape': (+2,)}",
      "{'descr': 'f4', 'fortran_order': False, 'shape': [2][0:0] if 0 else (2,)}",
  };
  for (size_t i = 0; i + 1 < dicts.size(); ++i) {
    DYNAMIC_SECTION("accepted: " << dicts[i]) {
      const Array array = parse_bytes(with_dict(dicts[i], data));
      CHECK(array.shape == std::vector<int64_t>{2});
      CHECK(array.values == std::vector<double>{1.5, -2.0});
      CHECK_FALSE(array.fortran_order);
    }
  }
  // Expressions are not literals: refused like ast.literal_eval would.
  DYNAMIC_SECTION("refused: " << dicts.back()) {
    require_rejected(with_dict(dicts.back(), data), {"invalid header"});
  }
}

TEST_CASE("npy accepts any data alignment", "[npy]") {
  for (const size_t align : {1, 16, 64, 100}) {
    DYNAMIC_SECTION("data aligned to " << align << " bytes") {
      FileSpec spec;
      spec.align = align;
      spec.data = float_bytes_le({0.25f, 8.0f});
      const std::string file = build(spec);
      if (align > 1) CHECK((file.size() - spec.data.size()) % align == 0);
      CHECK(parse_bytes(file).values == std::vector<double>{0.25, 8.0});
    }
  }
}

TEST_CASE("npy reads big-endian float32 and float64", "[npy]") {
  const Array f4 = parse_bytes(with_dict(
      "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }",
      big_endian(std::bit_cast<uint32_t>(1.0f), 4) + big_endian(std::bit_cast<uint32_t>(-0.1f), 4) +
          big_endian(std::bit_cast<uint32_t>(3.0e38f), 4)));
  CHECK(f4.stored_type == StoredType::float32);
  CHECK(f4.descr == ">f4");
  CHECK(f4.values == std::vector<double>{1.0, double(-0.1f), double(3.0e38f)});

  const Array f8 =
      parse_bytes(with_dict("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
                            big_endian(std::bit_cast<uint64_t>(0.1), 8) +
                                big_endian(std::bit_cast<uint64_t>(-1e-310), 8)));
  CHECK(f8.stored_type == StoredType::float64);
  CHECK(f8.values == std::vector<double>{0.1, -1e-310});
}

TEST_CASE("npy converts Fortran order to C order", "[npy]") {
  // A 2 x 3 matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
  std::string data;
  for (const float v : {0.f, 3.f, 1.f, 4.f, 2.f, 5.f})
    data += little_endian(std::bit_cast<uint32_t>(v), 4);
  const Array matrix =
      parse_bytes(with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data));
  CHECK(matrix.fortran_order);
  CHECK(matrix.values == std::vector<double>{0, 1, 2, 3, 4, 5});

  // Shape (3, 1, 2, 4) with size-1 axes in the way: x[i, 0, j, k] = 100 i + 10 j + k.
  const std::vector<int64_t> shape = {3, 1, 2, 4};
  std::string data4;
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 3; ++i)
        data4 += little_endian(std::bit_cast<uint64_t>(100.0 * i + 10.0 * j + k), 8);
  const Array tensor = parse_bytes(
      with_dict("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 1, 2, 4), }", data4));
  CHECK(tensor.shape == shape);
  REQUIRE(tensor.values.size() == 24);
  size_t c_index = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 4; ++k) CHECK(tensor.values[c_index++] == 100.0 * i + 10.0 * j + k);

  const Array scalar = parse_bytes(
      with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (), }", float_bytes_le({7.f})));
  CHECK(scalar.values == std::vector<double>{7.0});
}

TEST_CASE("npy converts float16 exactly, subnormals, infinities and NaN included", "[npy]") {
  struct Case {
    uint16_t bits;
    double value;
  };
  const std::vector<Case> cases = {
      {0x0000, 0.0},
      {0x0001, 0x1p-24},
      {0x03ff, 1023 * 0x1p-24},
      {0x0400, 0x1p-14},
      {0x3c00, 1.0},
      {0xc000, -2.0},
      {0x3555, 0.333251953125},
      {0x7bff, 65504.0},
      {0xfbff, -65504.0},
      {0x7c00, std::numeric_limits<double>::infinity()},
      {0xfc00, -std::numeric_limits<double>::infinity()},
  };
  std::string little, big;
  for (const Case& c : cases) {
    little += little_endian(c.bits, 2);
    big += big_endian(c.bits, 2);
  }
  for (const auto& [descr, data] : {std::pair{"<f2", little}, std::pair{">f2", big}}) {
    DYNAMIC_SECTION("descr " << descr) {
      const Array array = parse_bytes(with_dict(std::string("{'descr': '") + descr +
                                                    "', 'fortran_order': False, 'shape': (" +
                                                    std::to_string(cases.size()) + ",), }",
                                                data));
      CHECK(array.stored_type == StoredType::float16);
      for (size_t i = 0; i < cases.size(); ++i) {
        INFO("float16 bits 0x" << std::hex << cases[i].bits);
        CHECK(array.values[i] == cases[i].value);
      }
    }
  }

  const Array zero_and_nans =
      parse_bytes(with_dict("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                            little_endian(0x8000, 2) + little_endian(0x7e00, 2) +
                                little_endian(0xfe00, 2) + little_endian(0x7c01, 2)));
  CHECK(same_bits(zero_and_nans.values[0], -0.0));
  CHECK(std::isnan(zero_and_nans.values[1]));
  CHECK(std::isnan(zero_and_nans.values[2]));
  CHECK(std::signbit(zero_and_nans.values[2]));
  CHECK(std::isnan(zero_and_nans.values[3]));  // a signalling NaN stays a NaN

  // Every finite positive pattern against the textbook formula.
  std::string all;
  for (uint32_t bits = 0; bits < 0x7c00; ++bits) all += little_endian(bits, 2);
  const Array every =
      parse_bytes(with_dict("{'descr': '<f2', 'fortran_order': False, 'shape': (31744,), }", all));
  for (uint32_t bits = 0; bits < 0x7c00; ++bits) {
    const int exponent = static_cast<int>(bits >> 10);
    const double mantissa = bits & 0x3ff;
    const double expected = exponent == 0 ? std::ldexp(mantissa, -24)
                                          : std::ldexp(1.0 + mantissa / 1024, exponent - 15);
    if (every.values[bits] != expected) {
      FAIL("float16 bits " << bits << " read as " << every.values[bits]);
    }
  }
}

TEST_CASE("npy reads versions 2.0 and 3.0", "[npy]") {
  for (const int major : {2, 3}) {
    DYNAMIC_SECTION("version " << major << ".0") {
      FileSpec spec;
      spec.major = major;
      spec.dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }";
      spec.data = little_endian(std::bit_cast<uint64_t>(2.5), 8) +
                  little_endian(std::bit_cast<uint64_t>(-0.75), 8);
      const std::string file = build(spec);
      CHECK(file.size() % 64 == 16);  // data at 64 with the 4-byte length field
      const Array array = parse_bytes(file);
      CHECK(array.version_major == major);
      CHECK(array.version_minor == 0);
      CHECK(array.shape == std::vector<int64_t>{1, 2});
      CHECK(array.values == std::vector<double>{2.5, -0.75});
    }
  }
  SECTION("version 3.0 refuses the Python 2 'L' suffix, which belongs to 1.0 and 2.0 only") {
    FileSpec v3;
    v3.major = 3;
    v3.dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,)}";
    require_rejected(build(v3), {"expected a decimal integer"});
  }
}

TEST_CASE("npy encode and parse round-trip float32 and float64", "[npy]") {
  const std::vector<std::vector<int64_t>> shapes = {{},        {1},       {7},      {3, 5},
                                                    {1, 1, 1}, {2, 3, 5}, {27, 37}, {4, 1, 3, 1}};
  for (const auto& shape : shapes) {
    DYNAMIC_SECTION("shape " << conveq::npy::shape_to_string(shape)) {
      int64_t count = 1;
      for (const int64_t dim : shape) count *= dim;
      std::vector<float> floats(static_cast<size_t>(count));
      std::vector<double> doubles(static_cast<size_t>(count));
      for (size_t i = 0; i < floats.size(); ++i) {
        doubles[i] = std::ldexp(static_cast<double>(i) + 0.1, static_cast<int>(i % 7) - 3) *
                     (i % 2 ? -1 : 1);
        floats[i] = static_cast<float>(doubles[i]);
      }
      const std::string f4 = conveq::npy::encode(floats.data(), shape);
      const std::string f8 = conveq::npy::encode(doubles.data(), shape);
      CHECK((f4.size() - floats.size() * 4) % 64 == 0);
      CHECK((f8.size() - doubles.size() * 8) % 64 == 0);

      const Array a4 = parse_bytes(f4);
      CHECK(a4.descr == "<f4");
      CHECK(a4.stored_type == StoredType::float32);
      CHECK(a4.shape == shape);
      CHECK(a4.version_major == 1);
      CHECK(a4.element_count() == count);
      for (size_t i = 0; i < floats.size(); ++i)
        CHECK(a4.values[i] == static_cast<double>(floats[i]));

      const Array a8 = parse_bytes(f8);
      CHECK(a8.descr == "<f8");
      CHECK(a8.stored_type == StoredType::float64);
      CHECK(a8.shape == shape);
      CHECK(a8.values == doubles);
    }
  }
}

TEST_CASE("npy encode keeps special values bit for bit", "[npy]") {
  const std::vector<double> specials = {-0.0,
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::denorm_min(),
                                        std::numeric_limits<double>::max()};
  const Array array = parse_bytes(conveq::npy::encode(specials.data(), {2, 3}));
  for (size_t i = 0; i < specials.size(); ++i) CHECK(same_bits(array.values[i], specials[i]));
  CHECK(conveq::npy::encode(specials.data(), {6}).substr(10, 57) ==
        "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }");
}

TEST_CASE("npy encode refuses negative shapes", "[npy]") {
  const float value = 0;
  CHECK_THROWS_AS(conveq::npy::encode(&value, {2, -1}), InputError);
}

TEST_CASE("npy reads the numpy-written goldens", "[npy]") {
  const auto dir = golden_dir();
  SECTION("f2 little endian, C order, version 1.0") {
    const Array a = conveq::npy::read_file((dir / "f2_little.npy").string());
    CHECK(a.descr == "<f2");
    CHECK(a.stored_type == StoredType::float16);
    CHECK(a.shape == std::vector<int64_t>{2, 4});
    CHECK_FALSE(a.fortran_order);
    REQUIRE(a.values.size() == 8);
    CHECK(a.values[0] == 0.0999755859375);  // 0.1 rounded to float16
    CHECK(same_bits(a.values[1], -0.0));
    CHECK(a.values[2] == 0x1p-24);
    CHECK(a.values[3] == 1023 * 0x1p-24);
    CHECK(a.values[4] == 65504.0);
    CHECK(a.values[5] == -std::numeric_limits<double>::infinity());
    CHECK(std::isnan(a.values[6]));
    CHECK(a.values[7] == 1.5);
  }
  SECTION("f4 big endian, Fortran order, version 1.0") {
    const Array a = conveq::npy::read_file((dir / "f4_big_fortran.npy").string());
    CHECK(a.descr == ">f4");
    CHECK(a.fortran_order);
    CHECK(a.shape == std::vector<int64_t>{2, 3, 4});
    REQUIRE(a.values.size() == 24);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k) {
          CHECK(a.values[static_cast<size_t>(12 * i + 4 * j + k)] ==
                (12 * i + 4 * j + k) * 0.5 - 5.75);
        }
  }
  SECTION("f8 little endian, version 2.0") {
    const Array a = conveq::npy::read_file((dir / "f8_v2.npy").string());
    CHECK(a.version_major == 2);
    CHECK(a.descr == "<f8");
    CHECK(a.shape == std::vector<int64_t>{5});
    CHECK(a.values == std::vector<double>{0.1, 1.0 / 3.0, -1e300, 5e-324, 3.141592653589793});
  }
  SECTION("encode writes the same bytes as numpy.save") {
    const std::vector<float> values = {0.5f, -1.0f, 2.0f, 3.25f, -0.125f, 1024.0f};
    std::ifstream file(dir / "f4_little_c.npy", std::ios::binary);
    const std::string numpy_bytes{std::istreambuf_iterator<char>(file), {}};
    CHECK(conveq::npy::encode(values.data(), {2, 3}) == numpy_bytes);
  }
  SECTION("f8 big endian scalar, version 3.0") {
    const Array a = conveq::npy::read_file((dir / "f8_big_v3_scalar.npy").string());
    CHECK(a.version_major == 3);
    CHECK(a.descr == ">f8");
    CHECK(a.shape.empty());
    CHECK(a.element_count() == 1);
    CHECK(a.values == std::vector<double>{2.718281828459045});
  }
}
