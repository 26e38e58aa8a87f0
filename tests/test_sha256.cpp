#include "conveq/io/sha256.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "conveq/core/error.hpp"

namespace {

std::string sha256_of(const std::string& text) {
  return conveq::sha256_hex({reinterpret_cast<const unsigned char*>(text.data()), text.size()});
}

// Bytes (7 i + 3) mod 256: not all alike, so a misplaced byte changes the digest.
std::string pattern(size_t length) {
  std::string bytes;
  for (size_t i = 0; i < length; ++i) bytes += static_cast<char>((i * 7 + 3) % 256);
  return bytes;
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[sha256]") {
  CHECK(sha256_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_of(
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
            "nopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(sha256_of(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 pads correctly around block boundaries", "[sha256]") {
  // Expected digests from Python's hashlib; lengths straddle the 55/56 and 64-byte edges.
  const std::vector<std::pair<size_t, std::string>> cases = {
      {1, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5"},
      {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
      {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
      {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
      {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
      {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
      {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
      {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
      {127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"},
      {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
      {1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"},
  };
  for (const auto& [length, digest] : cases) {
    DYNAMIC_SECTION(length << " bytes") {
      CHECK(sha256_of(pattern(length)) == digest);
    }
  }
}

TEST_CASE("sha256_file_hex hashes a file in chunks", "[sha256]") {
  // Larger than one read chunk, and not a multiple of it, to cross chunk boundaries.
  const std::string content = pattern(200000);
  const auto path = std::filesystem::temp_directory_path() /
                    ("conveq_test_sha256_" + std::to_string(::getpid()) + ".bin");
  std::ofstream(path, std::ios::binary) << content;
  CHECK(conveq::sha256_file_hex(path.string()) == sha256_of(content));
  std::filesystem::remove(path);
}

TEST_CASE("sha256_file_hex names the file it cannot read", "[sha256]") {
  CHECK_THROWS_AS(conveq::sha256_file_hex("/nonexistent/file.npy"), conveq::InputError);
  CHECK_THROWS_WITH(conveq::sha256_file_hex("/nonexistent/file.npy"),
                    Catch::StartsWith("/nonexistent/file.npy: cannot open file"));
  const std::string dir = std::filesystem::temp_directory_path().string();
  CHECK_THROWS_WITH(conveq::sha256_file_hex(dir), Catch::StartsWith(dir + ": cannot read file"));
}
