#include "storage/sql_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "powersync/util/error.hpp"

namespace powersync::sqljson {

JsonValue::JsonValue() noexcept = default;
JsonValue::~JsonValue() = default;
JsonValue::JsonValue(const JsonValue&) = default;
JsonValue::JsonValue(JsonValue&&) noexcept = default;
JsonValue& JsonValue::operator=(const JsonValue&) = default;
JsonValue& JsonValue::operator=(JsonValue&&) noexcept = default;
namespace {

// serde_json's default remaining_depth; the container that reaches 0 is rejected.
constexpr int kMaxDepth = 128;

// Powers of ten as correctly rounded doubles (what Rust's float literals 1e0..1e308 are).
const std::array<double, 309>& powers_of_ten() {
  static const std::array<double, 309> table = [] {
    std::array<double, 309> t{};
    for (int i = 0; i < 309; ++i) t[i] = std::strtod(("1e" + std::to_string(i)).c_str(), nullptr);
    return t;
  }();
  return table;
}

// True when `a * 10 + digit` would exceed `max`.
template <typename T>
bool overflows(T a, T digit, T max) {
  return a >= max / 10 && (a > max / 10 || digit > max % 10);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  JsonValue parse_document() {
    JsonValue value = parse_value();
    skip_whitespace();
    if (pos_ != text_.size()) fail("trailing characters");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::invalid_argument, "invalid JSON: " + what + " at offset " + std::to_string(pos_));
  }

  int peek() const noexcept { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : -1; }

  void skip_whitespace() noexcept {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\t' && c != '\r') break;
      ++pos_;
    }
  }

  void expect_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail("expected '" + std::string(word) + "'");
    pos_ += word.size();
  }

  JsonValue parse_value() {
    skip_whitespace();
    const std::size_t start = pos_;
    JsonValue value;
    switch (peek()) {
      case 'n':
        expect_word("null");
        break;
      case 't':
        expect_word("true");
        value.kind = JsonValue::Kind::boolean;
        value.boolean = true;
        break;
      case 'f':
        expect_word("false");
        value.kind = JsonValue::Kind::boolean;
        break;
      case '"':
        value.kind = JsonValue::Kind::string;
        value.string = parse_string();
        break;
      case '[':
        parse_array(value);
        break;
      case '{':
        parse_object(value);
        break;
      case '-':
        ++pos_;
        parse_number(false, value);
        break;
      default:
        if (peek() >= '0' && peek() <= '9') {
          parse_number(true, value);
        } else {
          fail(peek() < 0 ? "unexpected end of input" : "expected a value");
        }
    }
    value.raw = text_.substr(start, pos_ - start);
    return value;
  }

  void enter() {
    if (--remaining_depth_ == 0) fail("recursion limit exceeded");
  }

  void parse_array(JsonValue& value) {
    enter();
    ++pos_;
    value.kind = JsonValue::Kind::array;
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
    } else {
      for (;;) {
        value.items.push_back(parse_value());
        skip_whitespace();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == ']') {
          ++pos_;
          break;
        }
        fail("expected ',' or ']'");
      }
    }
    ++remaining_depth_;
  }

  void parse_object(JsonValue& value) {
    enter();
    ++pos_;
    value.kind = JsonValue::Kind::object;
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
    } else {
      for (;;) {
        skip_whitespace();
        if (peek() != '"') fail("expected a key");
        std::string key = parse_string();
        skip_whitespace();
        if (peek() != ':') fail("expected ':'");
        ++pos_;
        JsonValue member = parse_value();
        value.members.emplace_back(std::move(key), std::move(member));
        skip_whitespace();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == '}') {
          ++pos_;
          break;
        }
        fail("expected ',' or '}'");
      }
    }
    ++remaining_depth_;
    sort_members(value.members);
  }

  // A map keyed by string: sorted bytewise, and a repeated key keeps its last value.
  static void sort_members(std::vector<std::pair<std::string, JsonValue>>& members) {
    if (members.size() < 2) return;
    std::stable_sort(members.begin(), members.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i + 1 < members.size() && members[i + 1].first == members[i].first) continue;
      if (out != i) members[out] = std::move(members[i]);
      ++out;
    }
    members.resize(out);
  }

  unsigned parse_hex4() {
    if (pos_ + 4 > text_.size()) fail("unexpected end of input in escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("invalid \\u escape");
    }
    return v;
  }

  static void append_utf8(unsigned cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      const std::size_t run_start = pos_;
      while (pos_ < text_.size()) {
        const unsigned char c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        ++pos_;
      }
      out.append(text_.data() + run_start, pos_ - run_start);
      const int c = peek();
      if (c < 0) fail("unterminated string");
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c != '\\') fail("control character in string");
      ++pos_;
      const int e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = parse_hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone trailing surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") fail("lone leading surrogate");
            pos_ += 2;
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("lone leading surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(cp, out);
          break;
        }
        default:
          fail("invalid escape");
      }
    }
  }

  // Numbers follow serde_json's parser without float_roundtrip: an integer stays u64/i64
  // while it fits; otherwise the decimal significand is accumulated into a u64 (digits past
  // its range are dropped) and scaled by powers of ten in double arithmetic.
  void parse_number(bool positive, JsonValue& value) {
    const int first = peek();
    if (first < '0' || first > '9') fail("invalid number");
    ++pos_;
    std::uint64_t significand = static_cast<std::uint64_t>(first - '0');
    if (first == '0') {
      if (peek() >= '0' && peek() <= '9') fail("invalid number");
    } else {
      while (peek() >= '0' && peek() <= '9') {
        const auto digit = static_cast<std::uint64_t>(peek() - '0');
        if (overflows<std::uint64_t>(significand, digit, std::numeric_limits<std::uint64_t>::max())) {
          set_real(value, parse_long_integer(positive, significand));
          return;
        }
        ++pos_;
        significand = significand * 10 + digit;
      }
    }
    if (peek() == '.') {
      set_real(value, parse_decimal(positive, significand, 0));
    } else if (peek() == 'e' || peek() == 'E') {
      set_real(value, parse_exponent(positive, significand, 0));
    } else if (positive) {
      value.kind = JsonValue::Kind::unsigned_integer;
      value.unsigned_integer = significand;
    } else {
      const auto negated = static_cast<std::int64_t>(0 - significand);  // wrapping negation
      if (negated >= 0) {
        // -0, or below i64's range.
        set_real(value, -static_cast<double>(significand));
      } else {
        value.kind = JsonValue::Kind::negative_integer;
        value.negative_integer = negated;
      }
    }
  }

  static void set_real(JsonValue& value, double real) {
    value.kind = JsonValue::Kind::real;
    value.real = real;
  }

  double parse_long_integer(bool positive, std::uint64_t significand) {
    std::int32_t exponent = 0;
    for (;;) {
      const int c = peek();
      if (c >= '0' && c <= '9') {
        ++pos_;
        ++exponent;
      } else if (c == '.') {
        return parse_decimal(positive, significand, exponent);
      } else if (c == 'e' || c == 'E') {
        return parse_exponent(positive, significand, exponent);
      } else {
        return from_parts(positive, significand, exponent);
      }
    }
  }

  double parse_decimal(bool positive, std::uint64_t significand, std::int32_t exponent_before) {
    ++pos_;  // '.'
    std::int32_t exponent_after = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::uint64_t>(peek() - '0');
      if (overflows<std::uint64_t>(significand, digit, std::numeric_limits<std::uint64_t>::max())) {
        // Further digits cannot change the u64 significand; they are skipped.
        while (peek() >= '0' && peek() <= '9') ++pos_;
        const std::int32_t exponent = exponent_before + exponent_after;
        if (peek() == 'e' || peek() == 'E') return parse_exponent(positive, significand, exponent);
        return from_parts(positive, significand, exponent);
      }
      ++pos_;
      significand = significand * 10 + digit;
      --exponent_after;
    }
    if (exponent_after == 0) fail("invalid number");
    const std::int32_t exponent = exponent_before + exponent_after;
    if (peek() == 'e' || peek() == 'E') return parse_exponent(positive, significand, exponent);
    return from_parts(positive, significand, exponent);
  }

  double parse_exponent(bool positive, std::uint64_t significand, std::int32_t starting_exponent) {
    ++pos_;  // 'e'
    bool positive_exponent = true;
    if (peek() == '+') {
      ++pos_;
    } else if (peek() == '-') {
      ++pos_;
      positive_exponent = false;
    }
    const int first = peek();
    if (first < '0' || first > '9') fail("invalid number");
    ++pos_;
    std::int32_t exponent = first - '0';
    while (peek() >= '0' && peek() <= '9') {
      const std::int32_t digit = peek() - '0';
      ++pos_;
      if (overflows<std::int32_t>(exponent, digit, std::numeric_limits<std::int32_t>::max())) {
        if (significand != 0 && positive_exponent) fail("number out of range");
        while (peek() >= '0' && peek() <= '9') ++pos_;
        return positive ? 0.0 : -0.0;
      }
      exponent = exponent * 10 + digit;
    }
    const std::int64_t wide = positive_exponent ? std::int64_t{starting_exponent} + exponent
                                                : std::int64_t{starting_exponent} - exponent;
    const auto saturated = static_cast<std::int32_t>(
        std::clamp<std::int64_t>(wide, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
    return from_parts(positive, significand, saturated);
  }

  double from_parts(bool positive, std::uint64_t significand, std::int32_t exponent) {
    const auto& pow10 = powers_of_ten();
    double f = static_cast<double>(significand);
    for (;;) {
      // wrapping_abs: i32::MIN stays negative and so is never a table index.
      const std::int64_t magnitude = exponent == std::numeric_limits<std::int32_t>::min()
                                         ? -1
                                         : (exponent < 0 ? -std::int64_t{exponent} : exponent);
      if (magnitude >= 0 && magnitude < static_cast<std::int64_t>(pow10.size())) {
        if (exponent >= 0) {
          f *= pow10[static_cast<std::size_t>(magnitude)];
          if (std::isinf(f)) fail("number out of range");
        } else {
          f /= pow10[static_cast<std::size_t>(magnitude)];
        }
        break;
      }
      if (f == 0.0) break;
      if (exponent >= 0) fail("number out of range");
      f /= 1e308;
      exponent += 308;
    }
    return positive ? f : -f;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int remaining_depth_ = kMaxDepth;
};

void write_exponent(int exponent, std::string& out) {
  out += exponent < 0 ? '-' : '+';
  out += std::to_string(exponent < 0 ? -exponent : exponent);
}

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
  if (kind != Kind::object) return nullptr;
  auto it = std::lower_bound(members.begin(), members.end(), key,
                             [](const auto& member, std::string_view k) { return member.first < k; });
  return it != members.end() && it->first == key ? &it->second : nullptr;
}

bool operator==(const JsonValue& a, const JsonValue& b) noexcept {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case JsonValue::Kind::null: return true;
    case JsonValue::Kind::boolean: return a.boolean == b.boolean;
    case JsonValue::Kind::unsigned_integer: return a.unsigned_integer == b.unsigned_integer;
    case JsonValue::Kind::negative_integer: return a.negative_integer == b.negative_integer;
    case JsonValue::Kind::real: return a.real == b.real;
    case JsonValue::Kind::string: return a.string == b.string;
    case JsonValue::Kind::array: return a.items == b.items;
    case JsonValue::Kind::object: return a.members == b.members;
  }
  return false;
}

JsonValue parse(std::string_view text) { return Parser(text).parse_document(); }

void write_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out += '"';
}

// The spelling of serde_json 1.0.151 (zmij, Ryu's layout with an explicit '+' exponent sign):
// shortest round-trip digits; plain notation while the decimal point falls within
// 16 digits (integers keep ".0"), down to 0.0000ddd; scientific notation otherwise.
void write_real(double value, std::string& out) {
  if (value == 0) {
    out += std::signbit(value) ? "-0.0" : "0.0";
    return;
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int scientific_exponent = 0;
  const std::string_view exponent_text = text.substr(e + 1);
  std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                  exponent_text.data() + exponent_text.size(), scientific_exponent);

  const int length = static_cast<int>(digits.size());
  const int point = scientific_exponent + 1;  // position of the decimal point in `digits`
  const int k = point - length;               // value = digits * 10^k
  if (k >= 0 && point <= 16) {
    out += digits;
    out.append(static_cast<std::size_t>(k), '0');
    out += ".0";
  } else if (point > 0 && point <= 16) {
    out.append(digits, 0, static_cast<std::size_t>(point));
    out += '.';
    out.append(digits, static_cast<std::size_t>(point));
  } else if (point > -5 && point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (length == 1) {
    out += digits;
    out += 'e';
    write_exponent(point - 1, out);
  } else {
    out += digits[0];
    out += '.';
    out.append(digits, 1);
    out += 'e';
    write_exponent(point - 1, out);
  }
}

void write(const JsonValue& value, std::string& out) {
  switch (value.kind) {
    case JsonValue::Kind::null: out += "null"; break;
    case JsonValue::Kind::boolean: out += value.boolean ? "true" : "false"; break;
    case JsonValue::Kind::unsigned_integer: out += std::to_string(value.unsigned_integer); break;
    case JsonValue::Kind::negative_integer: out += std::to_string(value.negative_integer); break;
    case JsonValue::Kind::real:
      if (std::isfinite(value.real)) write_real(value.real, out);
      else out += "null";
      break;
    case JsonValue::Kind::string: write_string(value.string, out); break;
    case JsonValue::Kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.items) {
        if (!first) out += ',';
        first = false;
        write(item, out);
      }
      out += ']';
      break;
    }
    case JsonValue::Kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.members) {
        if (!first) out += ',';
        first = false;
        write_string(key, out);
        out += ':';
        write(member, out);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace powersync::sqljson
