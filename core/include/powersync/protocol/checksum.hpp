#pragma once
// Bucket and op checksums: unsigned 32-bit values summed with wrap-around. Servers send
// them as unsigned numbers, as the signed 32-bit view of the same bits, or as doubles.

#include <cstdint>
#include <optional>

namespace powersync::protocol {

struct Checksum {
  std::uint32_t value = 0;

  // nullopt when `v` is outside [INT32_MIN, UINT32_MAX].
  static std::optional<Checksum> from_integer(std::int64_t v) noexcept {
    if (v < INT32_MIN || v > static_cast<std::int64_t>(UINT32_MAX)) return std::nullopt;
    return Checksum{static_cast<std::uint32_t>(v)};
  }
  // Accepts whole numbers only.
  static std::optional<Checksum> from_double(double v) noexcept {
    if (!(v >= INT32_MIN && v <= static_cast<double>(UINT32_MAX))) return std::nullopt;
    const auto whole = static_cast<std::int64_t>(v);
    if (static_cast<double>(whole) != v) return std::nullopt;
    return from_integer(whole);
  }

  std::int32_t as_signed() const noexcept { return static_cast<std::int32_t>(value); }

  Checksum& operator+=(Checksum other) noexcept {
    value += other.value;  // unsigned arithmetic wraps, as the protocol requires
    return *this;
  }
  Checksum& operator-=(Checksum other) noexcept {
    value -= other.value;
    return *this;
  }
  friend Checksum operator+(Checksum a, Checksum b) noexcept { return a += b; }
  friend Checksum operator-(Checksum a, Checksum b) noexcept { return a -= b; }
  bool operator==(const Checksum&) const = default;
};

}  // namespace powersync::protocol
