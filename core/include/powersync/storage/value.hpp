#pragma once
// A SQLite value as it crosses module boundaries: statement parameters and result cells.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace powersync {

struct Blob {
  std::vector<std::uint8_t> bytes;
  bool operator==(const Blob&) const = default;
};

// Index order matches the C ABI's POWERSYNC_TYPE_* constants.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

enum class ValueType : int { null = 0, integer = 1, real = 2, text = 3, blob = 4 };

inline ValueType type_of(const Value& v) noexcept { return static_cast<ValueType>(v.index()); }

using Params = std::vector<Value>;

}  // namespace powersync
