#pragma once
// A small JSON document model that reads and writes JSON exactly like the official core
// (serde_json without preserve_order): object keys sorted and de-duplicated (last wins),
// integers and reals kept apart (1 != 1.0), reals parsed with serde_json's arithmetic and
// printed in its shortest form ("1.0", "1e+30", "1.5e-7"). powersync_diff's output must be
// byte-identical to the official one, since it ends up in ps_crud and is uploaded.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace powersync::sqljson {

struct JsonValue {
  enum class Kind : std::uint8_t { null, boolean, unsigned_integer, negative_integer, real, string, array, object };

  // Declared here, defaulted in sql_json.cpp: clang with libstdc++ cannot otherwise check
  // std::pair<std::string, JsonValue> while JsonValue's own members are being defined.
  JsonValue() noexcept;
  ~JsonValue();
  JsonValue(const JsonValue&);
  JsonValue(JsonValue&&) noexcept;
  JsonValue& operator=(const JsonValue&);
  JsonValue& operator=(JsonValue&&) noexcept;

  Kind kind = Kind::null;
  bool boolean = false;
  std::uint64_t unsigned_integer = 0;  // non-negative integers ("PosInt")
  std::int64_t negative_integer = 0;   // negative integers ("NegInt")
  double real = 0;
  std::string string;                                       // decoded text
  std::vector<JsonValue> items;                             // array elements
  std::vector<std::pair<std::string, JsonValue>> members;   // object members, sorted by key, unique
  std::string_view raw;  // the value's source text; valid while the parsed input lives

  bool is_null() const noexcept { return kind == Kind::null; }
  // Looks a member up in an object (binary search); nullptr when absent or not an object.
  const JsonValue* find(std::string_view key) const noexcept;
};

// serde_json's Value equality: same kind and value; reals compare as doubles.
bool operator==(const JsonValue& a, const JsonValue& b) noexcept;

// Parses one JSON document. Throws Error(invalid_argument) on malformed input, on reals
// out of range, and on nesting deeper than serde_json's limit.
JsonValue parse(std::string_view text);

// Appends the compact serialization of `value`.
void write(const JsonValue& value, std::string& out);
// Appends `text` as a JSON string literal, escaped as serde_json does.
void write_string(std::string_view text, std::string& out);
// Appends a double in serde_json's shortest round-trip spelling (finite values only).
void write_real(double value, std::string& out);

}  // namespace powersync::sqljson
