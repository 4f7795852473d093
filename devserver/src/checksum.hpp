#pragma once
// Per-op checksums as the PowerSync Service computes them, so clients validate our buckets.

#include <cstdint>
#include <string>
#include <string_view>

namespace powersync::devserver {

// First 4 bytes, little-endian, of sha256("put.<type>.<id>.<data>").
std::uint32_t put_checksum(std::string_view object_type, std::string_view object_id, std::string_view data);

// First 4 bytes, little-endian, of sha256("delete.<subkey>"); clients never recompute it.
std::uint32_t remove_checksum(std::string_view subkey);

// Bucket checksums are the wrapping 32-bit sum of their op checksums.
inline std::uint32_t add_checksums(std::uint32_t a, std::uint32_t b) noexcept { return a + b; }

// Checkpoints show the signed 32-bit view of a bucket checksum, as the service does.
inline std::int32_t signed_checksum(std::uint32_t value) noexcept { return static_cast<std::int32_t>(value); }

// A stable per-row key (UUID v5 text of "<table>/<id>"), sent as `subkey` and hashed for REMOVEs.
std::string row_subkey(std::string_view table, std::string_view id);

}  // namespace powersync::devserver
