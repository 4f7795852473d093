#include "checksum.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstdio>

namespace powersync::devserver {
namespace {

std::uint32_t first_four_bytes_le(const unsigned char* digest) {
  return static_cast<std::uint32_t>(digest[0]) | static_cast<std::uint32_t>(digest[1]) << 8 |
         static_cast<std::uint32_t>(digest[2]) << 16 | static_cast<std::uint32_t>(digest[3]) << 24;
}

std::uint32_t sha256_prefix(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return first_four_bytes_le(digest.data());
}

// The namespace the service uses for its hashed row keys.
constexpr std::array<unsigned char, 16> kIdNamespace = {0xa3, 0x96, 0xdd, 0x91, 0x09, 0xfc, 0x40, 0x17,
                                                        0xa2, 0x8d, 0x3d, 0xf7, 0x22, 0xf6, 0x51, 0xe9};

}  // namespace

std::uint32_t put_checksum(std::string_view object_type, std::string_view object_id, std::string_view data) {
  std::string text;
  text.reserve(object_type.size() + object_id.size() + data.size() + 6);
  text.append("put.").append(object_type).append(".").append(object_id).append(".").append(data);
  return sha256_prefix(text);
}

std::uint32_t remove_checksum(std::string_view subkey) {
  std::string text = "delete.";
  text.append(subkey);
  return sha256_prefix(text);
}

std::string row_subkey(std::string_view table, std::string_view id) {
  std::string name;
  name.append(table).append("/").append(id);
  std::string input(reinterpret_cast<const char*>(kIdNamespace.data()), kIdNamespace.size());
  input += name;
  std::array<unsigned char, SHA_DIGEST_LENGTH> hash{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), hash.data());
  hash[6] = static_cast<unsigned char>((hash[6] & 0x0f) | 0x50);  // version 5
  hash[8] = static_cast<unsigned char>((hash[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", hash[0],
                hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7], hash[8], hash[9], hash[10], hash[11],
                hash[12], hash[13], hash[14], hash[15]);
  return out;
}

}  // namespace powersync::devserver
