#pragma once
// SHA-256 (FIPS 180-4), so reports can pin the exact bytes of every input file.
#include <span>
#include <string>

namespace conveq {

// Lowercase hex digest, 64 characters.
std::string sha256_hex(std::span<const unsigned char> bytes);

// Digest of a whole file, read in chunks (no size limit). Throws InputError naming the path
// when the file cannot be opened or read.
std::string sha256_file_hex(const std::string& path);

}  // namespace conveq
