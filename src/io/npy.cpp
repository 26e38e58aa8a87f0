#include "conveq/io/npy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "conveq/core/error.hpp"

namespace conveq::npy {
namespace {

constexpr unsigned char kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kMagicSize = sizeof(kMagic);
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// Real headers are one level deep (a shape tuple); the limit keeps hostile nesting off the stack.
constexpr int kMaxNesting = 16;
// Enough to show any real header whole, short enough to keep a message on one readable line.
constexpr size_t kMaxQuotedChars = 200;

constexpr const char* kHeaderRule =
    "the header must be a Python dict literal such as "
    "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}";
constexpr const char* kDtypeRule =
    "conveq reads float16, float32 and float64 ('f2', 'f4', 'f8', little or big endian) and "
    "bfloat16 as ml_dtypes writes it ('<V2': the top 16 bits of a float32, little endian)";

// Bytes from a file rendered for a one-line message: printable ASCII as is, the rest escaped.
std::string printable(std::string_view text, size_t limit = kMaxQuotedChars) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c > 0x7e) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

// A hostile header can list thousands of dimensions; messages show the start of them.
std::string shape_for_message(const std::vector<int64_t>& shape) {
  return printable(shape_to_string(shape));
}

std::string_view trim_padding(std::string_view header) {
  while (!header.empty() && (header.back() == ' ' || header.back() == '\n')) {
    header.remove_suffix(1);
  }
  return header;
}

bool is_python_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Version 3.0 headers are UTF-8; reject malformed, overlong and surrogate sequences.
bool is_valid_utf8(std::string_view text, size_t& bad_offset) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    uint32_t minimum = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2, code_point = lead & 0x1f, minimum = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3, code_point = lead & 0x0f, minimum = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4, code_point = lead & 0x07, minimum = 0x10000;
    } else {
      bad_offset = i;
      return false;
    }
    if (text.size() - i < length) {
      bad_offset = i;
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        bad_offset = i;
        return false;
      }
      code_point = (code_point << 6) | (next & 0x3f);
    }
    if (code_point < minimum || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      bad_offset = i;
      return false;
    }
    i += length;
  }
  return true;
}

// A Python literal from the header: just the kinds a NEP 1 header can hold.
struct Value {
  enum class Kind { string, integer, boolean, none, tuple, list };
  Kind kind = Kind::none;
  std::string text;  // the contents of a string
  int64_t integer = 0;
  bool integer_overflows = false;  // the literal does not fit in int64; `integer` is meaningless
  bool boolean = false;
  std::vector<Value> items;
  size_t begin = 0, end = 0;  // where the literal sits in the header, to quote it in messages
};

struct Entry {
  std::string key;
  Value value;
};

// Parses the header as Python's ast.literal_eval would for the subset a .npy header uses,
// with the same leniency (either quotes, any whitespace, a trailing comma).
class HeaderParser {
 public:
  HeaderParser(std::string_view header, const std::string& name, bool allow_long_suffix)
      : header_(header), name_(name), allow_long_suffix_(allow_long_suffix) {}

  std::vector<Entry> parse_dict() {
    skip_space();
    expect('{');
    std::vector<Entry> entries;
    while (true) {
      skip_space();
      if (consume('}')) break;
      if (at_end() || (peek() != '\'' && peek() != '"')) fail("expected a quoted key or '}'");
      std::string key = parse_string().text;
      skip_space();
      expect(':');
      skip_space();
      entries.push_back({std::move(key), parse_value(1)});
      skip_space();
      if (consume(',')) continue;
      if (consume('}')) break;
      fail("expected ',' or '}' after the value of '" + printable(entries.back().key) + "'");
    }
    skip_space();
    if (!at_end()) fail("unexpected text after the closing '}'");
    return entries;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(name_ + ": invalid header " + printable(trim_padding(header_)) + ": " + what +
                     " at byte " + std::to_string(pos_) + " of the header: " + kHeaderRule);
  }

  bool at_end() const { return pos_ >= header_.size(); }
  char peek() const { return header_[pos_]; }

  void skip_space() {
    while (!at_end() && is_python_space(peek())) ++pos_;
  }

  bool consume(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }

  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }

  Value parse_value(int depth) {
    if (at_end()) fail("expected a value");
    const char c = peek();
    if (c == '\'' || c == '"') return parse_string();
    if (is_digit(c) || c == '-' || c == '+') return parse_integer();
    if (c == '(') return parse_sequence(')', depth);
    if (c == '[') return parse_sequence(']', depth);
    if (is_identifier_char(c)) return parse_name();
    fail("unexpected character '" + printable(header_.substr(pos_, 1)) + "'");
  }

  Value parse_string() {
    Value value;
    value.kind = Value::Kind::string;
    value.begin = pos_;
    const char quote = header_[pos_++];
    while (true) {
      if (at_end() || peek() == '\n') fail("unterminated string");
      const char c = header_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        value.text += c;
        continue;
      }
      if (at_end()) fail("unterminated string");
      const char escaped = header_[pos_++];
      if (escaped == '\\' || escaped == '\'' || escaped == '"') {
        value.text += escaped;
      } else {
        value.text += '\\';  // Python keeps unknown escapes verbatim; no dtype needs the others
        value.text += escaped;
      }
    }
    value.end = pos_;
    return value;
  }

  Value parse_integer() {
    Value value;
    value.kind = Value::Kind::integer;
    value.begin = pos_;
    bool negative = false;
    if (peek() == '-' || peek() == '+') {
      negative = peek() == '-';
      ++pos_;
      skip_space();
    }
    if (at_end() || !is_digit(peek())) fail("expected digits");
    int64_t magnitude = 0;
    while (!at_end() && is_digit(peek())) {
      const int digit = peek() - '0';
      if (magnitude > (kInt64Max - digit) / 10) value.integer_overflows = true;
      if (!value.integer_overflows) magnitude = magnitude * 10 + digit;
      ++pos_;
    }
    // Python 2 wrote longs as "3L"; numpy still reads such version 1.0 and 2.0 files.
    if (allow_long_suffix_ && !at_end() && (peek() == 'L' || peek() == 'l')) ++pos_;
    if (!at_end() && (is_identifier_char(peek()) || peek() == '.')) {
      fail("expected a decimal integer");
    }
    value.integer = negative ? -magnitude : magnitude;
    value.end = pos_;
    return value;
  }

  // A tuple or list; "(x)" without a comma is just x, as in Python.
  Value parse_sequence(char close, int depth) {
    if (depth > kMaxNesting) fail("nesting deeper than " + std::to_string(kMaxNesting) + " levels");
    Value value;
    value.kind = close == ')' ? Value::Kind::tuple : Value::Kind::list;
    value.begin = pos_;
    ++pos_;
    bool saw_comma = false;
    while (true) {
      skip_space();
      if (consume(close)) break;
      value.items.push_back(parse_value(depth + 1));
      skip_space();
      if (consume(',')) {
        saw_comma = true;
        continue;
      }
      if (consume(close)) break;
      fail(std::string("expected ',' or '") + close + "'");
    }
    value.end = pos_;
    if (close == ')' && value.items.size() == 1 && !saw_comma) {
      Value inner = std::move(value.items[0]);
      inner.begin = value.begin;  // quote "(3)" whole in messages
      inner.end = value.end;
      return inner;
    }
    return value;
  }

  Value parse_name() {
    Value value;
    value.begin = pos_;
    while (!at_end() && is_identifier_char(peek())) ++pos_;
    value.end = pos_;
    const std::string_view word = header_.substr(value.begin, value.end - value.begin);
    if (word == "True" || word == "False") {
      value.kind = Value::Kind::boolean;
      value.boolean = word == "True";
    } else if (word == "None") {
      value.kind = Value::Kind::none;
    } else {
      pos_ = value.begin;
      fail("unknown name '" + printable(word) + "'");
    }
    return value;
  }

  std::string_view header_;
  const std::string& name_;
  bool allow_long_suffix_;
  size_t pos_ = 0;
};

[[noreturn]] void fail(const std::string& name, const std::string& what_and_rule) {
  throw InputError(name + ": " + what_and_rule);
}

struct Dtype {
  StoredType type;
  int itemsize;
  bool big_endian;
};

const char* describe_kind(char kind) {
  switch (kind) {
    case 'c':
      return "complex";
    case 'O':
      return "Python objects";
    case 'S':
    case 'a':
      return "byte strings";
    case 'U':
      return "unicode strings";
    case 'i':
      return "signed integers";
    case 'u':
      return "unsigned integers";
    case 'b':
    case '?':
      return "booleans";
    case 'V':
      return "raw bytes";
    case 'M':
      return "datetimes";
    case 'm':
      return "timedeltas";
    case 'f':
      return "floats of an unsupported size";
    default:
      return "unknown";
  }
}

class FileChecker {
 public:
  FileChecker(const std::string& name, std::string_view header) : name_(name), header_(header) {}

  [[noreturn]] void fail(const std::string& what_and_rule) const {
    npy::fail(name_, what_and_rule);
  }

  std::string quote(const Value& value) const {
    return printable(header_.substr(value.begin, value.end - value.begin));
  }

  Dtype dtype(const Value& descr) const {
    if (descr.kind == Value::Kind::list) {
      fail("unsupported dtype " + quote(descr) + " (a structured dtype): " + kDtypeRule);
    }
    if (descr.kind != Value::Kind::string) {
      fail("descr " + quote(descr) + " is not a string: " + kDtypeRule);
    }
    std::string_view body = descr.text;
    char byte_order = '=';
    if (!body.empty() && std::string_view("<>=|").find(body.front()) != std::string_view::npos) {
      byte_order = body.front();
      body.remove_prefix(1);
    }
    Dtype result{StoredType::float32, 4, byte_order == '>'};
    if (body == "f2") {
      result.type = StoredType::float16, result.itemsize = 2;
    } else if (body == "f4") {
      result.type = StoredType::float32, result.itemsize = 4;
    } else if (body == "f8") {
      result.type = StoredType::float64, result.itemsize = 8;
    } else if (body == "V2") {  // ml_dtypes' bfloat16: 2-byte void, little-endian bits
      if (byte_order == '>') {
        fail("dtype '" + printable(descr.text) + "': bfloat16 is read little endian ('<V2')");
      }
      return {StoredType::bfloat16, 2, false};
    } else {
      fail("unsupported dtype '" + printable(descr.text) + "' (" +
           describe_kind(body.empty() ? '\0' : body.front()) + "): " + kDtypeRule);
    }
    if (byte_order == '|') {
      fail("byte order '|' in dtype '" + printable(descr.text) +
           "' is invalid for floats: a multi-byte float needs '<', '>' or '='");
    }
    return result;
  }

  std::vector<int64_t> shape(const Value& value) const {
    constexpr const char* kRule =
        "shape must be a tuple of non-negative integers such as (2, 3), or () for a scalar";
    if (value.kind != Value::Kind::tuple) {
      fail("shape " + quote(value) + " is not a tuple: " + kRule);
    }
    std::vector<int64_t> dims;
    for (const Value& item : value.items) {
      if (item.kind != Value::Kind::integer) {
        fail("shape " + quote(value) + " has entry " + quote(item) +
             " that is not an integer: " + kRule);
      }
      if (item.integer_overflows) {
        fail("shape " + quote(value) + " has dimension " + quote(item) +
             " that does not fit in int64: " + kRule);
      }
      if (item.integer < 0) {
        fail("shape " + quote(value) + " has negative dimension " + std::to_string(item.integer) +
             ": " + kRule);
      }
      dims.push_back(item.integer);
    }
    for (const int64_t dim : dims) {
      if (dim == 0) {
        fail("zero-size dimension in shape " + shape_for_message(dims) +
             ": every dimension must be at least 1, an empty array has nothing to compare");
      }
    }
    return dims;
  }

  bool fortran_order(const Value& value) const {
    if (value.kind != Value::Kind::boolean) {
      fail("fortran_order " + quote(value) + " is not True or False: fortran_order is a boolean");
    }
    return value.boolean;
  }

 private:
  const std::string& name_;
  std::string_view header_;
};

template <int Bytes, bool BigEndian>
uint64_t load_bits(const unsigned char* p) {
  uint64_t bits = 0;
  for (int i = 0; i < Bytes; ++i) {
    bits |= uint64_t{p[BigEndian ? Bytes - 1 - i : i]} << (8 * i);
  }
  return bits;
}

// Built from bits rather than arithmetic so subnormals, infinities and NaN payloads carry over
// exactly, as numpy's own half-to-double conversion does.
double half_to_double(uint16_t half) {
  const uint64_t sign = static_cast<uint64_t>(half >> 15) << 63;
  const int exponent = (half >> 10) & 0x1f;
  const uint64_t mantissa = half & 0x3ff;
  if (exponent == 0x1f) {  // infinity or NaN, payload kept
    return std::bit_cast<double>(sign | (uint64_t{0x7ff} << 52) | (mantissa << 42));
  }
  if (exponent != 0) {
    return std::bit_cast<double>(sign | (uint64_t(exponent - 15 + 1023) << 52) | (mantissa << 42));
  }
  const double magnitude = static_cast<double>(mantissa) * 0x1p-24;  // subnormal or zero, exact
  return sign ? -magnitude : magnitude;
}

template <StoredType Type, bool BigEndian>
double decode(const unsigned char* p) {
  if constexpr (Type == StoredType::float16) {
    return half_to_double(static_cast<uint16_t>(load_bits<2, BigEndian>(p)));
  } else if constexpr (Type == StoredType::bfloat16) {
    return std::bit_cast<float>(static_cast<uint32_t>(load_bits<2, BigEndian>(p)) << 16);
  } else if constexpr (Type == StoredType::float32) {
    return std::bit_cast<float>(static_cast<uint32_t>(load_bits<4, BigEndian>(p)));
  } else {
    return std::bit_cast<double>(load_bits<8, BigEndian>(p));
  }
}

using Decoder = double (*)(const unsigned char*);

Decoder pick_decoder(const Dtype& dtype) {
  switch (dtype.type) {
    case StoredType::float16:
      return dtype.big_endian ? decode<StoredType::float16, true>
                              : decode<StoredType::float16, false>;
    case StoredType::bfloat16:
      return decode<StoredType::bfloat16, false>;
    case StoredType::float32:
      return dtype.big_endian ? decode<StoredType::float32, true>
                              : decode<StoredType::float32, false>;
    case StoredType::float64:
      return dtype.big_endian ? decode<StoredType::float64, true>
                              : decode<StoredType::float64, false>;
  }
  return nullptr;
}

// Walks the data in storage order and writes each element at its C-order position.
void decode_fortran(const unsigned char* data, int itemsize, Decoder decoder,
                    const std::vector<int64_t>& shape, std::vector<double>& values) {
  // Size-1 dimensions do not change the order; dropping them bounds the rank by log2(count),
  // so the odometer below costs O(1) per element however many 1s a hostile header lists.
  std::vector<int64_t> dims;
  for (const int64_t dim : shape) {
    if (dim > 1) dims.push_back(dim);
  }
  const size_t rank = dims.size();
  std::vector<int64_t> c_strides(rank, 1);
  for (size_t j = rank; j-- > 1;) c_strides[j - 1] = c_strides[j] * dims[j];
  std::vector<int64_t> counter(rank, 0);
  int64_t c_offset = 0;
  const auto count = static_cast<int64_t>(values.size());
  for (int64_t f = 0; f < count; ++f) {
    values[static_cast<size_t>(c_offset)] = decoder(data + f * itemsize);
    for (size_t j = 0; j < rank; ++j) {  // first index fastest: Fortran order
      c_offset += c_strides[j];
      if (++counter[j] < dims[j]) break;
      c_offset -= dims[j] * c_strides[j];
      counter[j] = 0;
    }
  }
}

void append_little_endian(std::string& out, uint64_t bits, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

template <typename T>
std::string encode_array(const T* data, const std::vector<int64_t>& shape, const char* descr) {
  int64_t count = 1;
  for (const int64_t dim : shape) {
    if (dim < 0 || (dim > 0 && count > kInt64Max / static_cast<int64_t>(sizeof(T)) / dim)) {
      throw InputError("npy encode: invalid shape " + shape_for_message(shape) +
                       ": dimensions must be non-negative and the data must fit in int64 bytes");
    }
    count *= dim;
  }
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_to_string(shape) + ", }";
  // numpy pads with spaces so that the data starts at a multiple of 64 bytes.
  const size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 0xffff) {
    throw InputError("npy encode: shape " + shape_for_message(shape) + " needs a header of " +
                     std::to_string(header.size()) +
                     " bytes: a version 1.0 header holds at most 65535");
  }
  std::string out(reinterpret_cast<const char*>(kMagic), kMagicSize);
  out += '\x01';
  out += '\x00';
  append_little_endian(out, header.size(), 2);
  out += header;
  out.reserve(out.size() + static_cast<size_t>(count) * sizeof(T));
  for (int64_t i = 0; i < count; ++i) {
    if constexpr (sizeof(T) == 2) {
      append_little_endian(out, data[i], 2);
    } else if constexpr (sizeof(T) == 4) {
      append_little_endian(out, std::bit_cast<uint32_t>(data[i]), 4);
    } else {
      append_little_endian(out, std::bit_cast<uint64_t>(data[i]), 8);
    }
  }
  return out;
}

std::vector<unsigned char> read_limited(const std::string& path, int64_t max_bytes) {
  const auto fail_errno = [&path](const char* what) {
    const std::string reason = std::strerror(errno);
    fail(path, what + (": " + reason));
  };
  const auto fail_too_large = [&](const std::string& size) {
    fail(path, "file too large (" + size + " bytes): conveq reads .npy files of at most " +
                   std::to_string(max_bytes) + " bytes");
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot open file");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail_errno("cannot stat file");
  if (S_ISDIR(info.st_mode)) fail(path, "is a directory: expected a .npy file");
  const bool regular = S_ISREG(info.st_mode);
  if (regular && info.st_size > max_bytes) fail_too_large(std::to_string(info.st_size));

  // Pipes have no size up front and regular files may grow, so the limit is also enforced
  // while reading.
  std::vector<unsigned char> bytes;
  if (regular) bytes.reserve(static_cast<size_t>(info.st_size));
  unsigned char chunk[1 << 16];
  while (true) {
    const ssize_t got = ::read(fd, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail_errno("cannot read file");
    if (got == 0) break;
    if (static_cast<int64_t>(bytes.size()) + got > max_bytes) {
      fail_too_large("more than " + std::to_string(max_bytes));
    }
    bytes.insert(bytes.end(), chunk, chunk + got);
  }
  return bytes;
}

// The fixed-size start of a file: magic string, version and the header's length.
struct Preamble {
  int version_major = 0;
  int version_minor = 0;
  size_t size = 0;  // bytes before the header
  uint64_t header_length = 0;
};

Preamble read_preamble(std::span<const unsigned char> bytes, const std::string& name) {
  const size_t size = bytes.size();
  const std::string magic_rule = "a .npy file starts with the magic string \\x93NUMPY";
  if (size == 0) fail(name, "empty file (0 bytes): " + magic_rule);
  const size_t magic_present = std::min(size, kMagicSize);
  if (std::memcmp(bytes.data(), kMagic, magic_present) != 0) {
    fail(name, "bad magic '" +
                   printable({reinterpret_cast<const char*>(bytes.data()), magic_present}) +
                   "': " + magic_rule);
  }
  if (size < kMagicSize + 2) {
    fail(name, "file too short (" + std::to_string(size) +
                   " bytes): the magic string and the 2 version bytes need 8");
  }
  Preamble preamble;
  preamble.version_major = bytes[6];
  preamble.version_minor = bytes[7];
  const std::string version =
      std::to_string(preamble.version_major) + "." + std::to_string(preamble.version_minor);
  if (preamble.version_minor != 0 || preamble.version_major < 1 || preamble.version_major > 3) {
    fail(name, "unknown format version " + version + ": supported versions are 1.0, 2.0 and 3.0");
  }
  // Version 1.0 stores the header length in 2 bytes, 2.0 and 3.0 in 4, little endian.
  const size_t length_bytes = preamble.version_major == 1 ? 2 : 4;
  preamble.size = kMagicSize + 2 + length_bytes;
  if (size < preamble.size) {
    fail(name, "file too short (" + std::to_string(size) + " bytes): a version " + version +
                   " preamble (magic, version, header length) needs " +
                   std::to_string(preamble.size));
  }
  for (size_t i = 0; i < length_bytes; ++i) {
    preamble.header_length |= uint64_t{bytes[kMagicSize + 2 + i]} << (8 * i);
  }
  if (preamble.header_length > size - preamble.size) {
    fail(name, "header length " + std::to_string(preamble.header_length) +
                   " runs past the end of the file: the header would end at byte " +
                   std::to_string(preamble.size + preamble.header_length) + ", the file holds " +
                   std::to_string(size) + " bytes");
  }
  return preamble;
}

// What must hold of the header's bytes before its contents are parsed.
void check_header_framing(std::string_view header, int version_major, const std::string& name) {
  if (header.empty()) fail(name, "empty header (length 0): " + std::string(kHeaderRule));
  if (header.back() != '\n') {
    fail(name, "header does not end with '\\n' (its last byte is '" +
                   printable(header.substr(header.size() - 1)) +
                   "'): the header is padded with spaces and ended by a newline");
  }
  size_t bad_offset = 0;
  if (version_major == 3 && !is_valid_utf8(header, bad_offset)) {
    fail(name, "header is not valid UTF-8 at byte " + std::to_string(bad_offset) +
                   ": version 3.0 headers are UTF-8");
  }
}

// The header's three values; they point into the parsed entries.
struct HeaderValues {
  const Value* descr = nullptr;
  const Value* fortran_order = nullptr;
  const Value* shape = nullptr;
};

// Each of the three keys exactly once, and no other key.
HeaderValues find_header_values(const std::vector<Entry>& entries, const std::string& name) {
  HeaderValues found;
  const std::string keys_rule =
      "the header holds exactly the keys 'descr', 'fortran_order' and 'shape'";
  for (const Entry& entry : entries) {
    const Value** slot = entry.key == "descr"           ? &found.descr
                         : entry.key == "fortran_order" ? &found.fortran_order
                         : entry.key == "shape"         ? &found.shape
                                                        : nullptr;
    if (slot == nullptr) {
      fail(name, "unknown key '" + printable(entry.key) + "' in header: " + keys_rule);
    }
    if (*slot != nullptr) fail(name, "duplicate key '" + entry.key + "' in header: " + keys_rule);
    *slot = &entry.value;
  }
  if (found.descr == nullptr) fail(name, "header lacks the key 'descr': " + keys_rule);
  if (found.fortran_order == nullptr) {
    fail(name, "header lacks the key 'fortran_order': " + keys_rule);
  }
  if (found.shape == nullptr) fail(name, "header lacks the key 'shape': " + keys_rule);
  return found;
}

// The element count the header promises, checked against the bytes present before anything is
// allocated.
int64_t checked_element_count(const Array& array, int itemsize, size_t data_bytes,
                              const std::string& name) {
  const std::string what = "shape " + shape_for_message(array.shape) + " of '" + array.descr + "'";
  int64_t count = 1;
  for (const int64_t dim : array.shape) {
    if (count > kInt64Max / itemsize / dim) {
      fail(name, "absurd " + what + ": its byte count overflows int64, the file holds " +
                     std::to_string(data_bytes) + " bytes after the header");
    }
    count *= dim;
  }
  const auto expected_bytes = static_cast<uint64_t>(count) * static_cast<uint64_t>(itemsize);
  if (expected_bytes != data_bytes) {
    fail(name, std::string(expected_bytes > data_bytes ? "truncated data" : "excess data") +
                   ": header promises " + std::to_string(expected_bytes) + " bytes for " + what +
                   ", file holds " + std::to_string(data_bytes) +
                   ": the data after the header must be exactly product(shape) * itemsize bytes");
  }
  return count;
}

void decode_values(const unsigned char* data, const Dtype& dtype, int64_t count, Array& array) {
  const Decoder decoder = pick_decoder(dtype);
  array.values.resize(static_cast<size_t>(count));
  if (array.fortran_order) {
    decode_fortran(data, dtype.itemsize, decoder, array.shape, array.values);
  } else {
    for (int64_t i = 0; i < count; ++i) {
      array.values[static_cast<size_t>(i)] = decoder(data + i * dtype.itemsize);
    }
  }
}

}  // namespace

int64_t Array::element_count() const {
  int64_t count = 1;
  for (const int64_t dim : shape) count *= dim;
  return count;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

Array parse(std::span<const unsigned char> bytes, const std::string& name) {
  const Preamble preamble = read_preamble(bytes, name);
  const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + preamble.size,
                                static_cast<size_t>(preamble.header_length));
  check_header_framing(header, preamble.version_major, name);
  const std::vector<Entry> entries =
      HeaderParser(header, name, preamble.version_major < 3).parse_dict();
  const HeaderValues values = find_header_values(entries, name);

  Array array;
  array.version_major = preamble.version_major;
  array.version_minor = preamble.version_minor;
  const FileChecker checker(name, header);
  const Dtype dtype = checker.dtype(*values.descr);
  array.descr = values.descr->text;
  array.stored_type = dtype.type;
  array.shape = checker.shape(*values.shape);
  array.fortran_order = checker.fortran_order(*values.fortran_order);

  const size_t data_offset = preamble.size + static_cast<size_t>(preamble.header_length);
  const int64_t count =
      checked_element_count(array, dtype.itemsize, bytes.size() - data_offset, name);
  decode_values(bytes.data() + data_offset, dtype, count, array);
  return array;
}

Array read_file(const std::string& path) {
  const std::vector<unsigned char> bytes = read_limited(path, kMaxFileBytes);
  return parse(bytes, path);
}

std::string encode(const float* data, const std::vector<int64_t>& shape) {
  return encode_array(data, shape, "<f4");
}

std::string encode(const double* data, const std::vector<int64_t>& shape) {
  return encode_array(data, shape, "<f8");
}

std::string encode(HalfFormat format, const float* data, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (const int64_t dim : shape) count = dim > 0 ? count * dim : 0;
  std::vector<uint16_t> bits(static_cast<size_t>(count));
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = to_bits(format, data[i]);
  return encode_array(bits.data(), shape, format == HalfFormat::float16 ? "<f2" : "<V2");
}

double unit_roundoff(StoredType type) {
  switch (type) {
    case StoredType::float16:
      return std::ldexp(1.0, -11);
    case StoredType::bfloat16:
      return std::ldexp(1.0, -8);
    case StoredType::float32:
      return std::ldexp(1.0, -24);
    case StoredType::float64:
      return std::ldexp(1.0, -53);
  }
  return 1.0;
}

}  // namespace conveq::npy
