// BSON sync lines (application/vnd.powersync.bson-stream) through libbson: the document is
// validated once (structure and UTF-8), then read field by field into the same structs the
// NDJSON parser fills. Accepts what the official core's bson/ deserializer accepts: op ids as
// strings (or integers), checksums as int32, int64 or double, op data as a string; an embedded
// document as op data is accepted too and stored as compact JSON, as parse_json_line does.
#include <bson/bson.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/util/error.hpp"

namespace powersync::protocol {
namespace {

[[noreturn]] void malformed(std::string_view what) {
  throw Error(ErrorCode::network, "Invalid sync line: " + std::string(what));
}

// UTF-8 without NUL, as bson_utf8_validate(…, false) checks it, but with simdjson's SIMD
// validator: libbson's byte loop was a twentieth of a whole initial sync.
bool is_valid_text(const char* text, std::size_t length) {
  return simdjson::validate_utf8(text, length) && std::memchr(text, 0, length) == nullptr;
}

std::string_view key_of(const bson_iter_t& it) {
  const std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
  if (!is_valid_text(key.data(), key.size())) malformed("a key is not valid UTF-8");
  return key;
}

bson_type_t type_of(const bson_iter_t& it) { return bson_iter_type(&it); }

bool is_null(const bson_iter_t& it) {
  return type_of(it) == BSON_TYPE_NULL || type_of(it) == BSON_TYPE_UNDEFINED;
}

// Calls visit(iter, key) for each element of the document or array `it` points at.
template <typename Visit>
void each_child(const bson_iter_t& it, std::string_view field, Visit&& visit) {
  bson_iter_t child;
  if (!bson_iter_recurse(&it, &child)) malformed(std::string(field) + " is not a document");
  while (bson_iter_next(&child)) visit(child, key_of(child));
}

template <typename Visit>
void each_array_item(const bson_iter_t& it, std::string_view field, Visit&& visit) {
  if (type_of(it) != BSON_TYPE_ARRAY) malformed(std::string(field) + " must be an array");
  each_child(it, field, [&](const bson_iter_t& item, std::string_view) { visit(item); });
}

void expect_document(const bson_iter_t& it, std::string_view field) {
  if (type_of(it) != BSON_TYPE_DOCUMENT) malformed(std::string(field) + " must be a document");
}

// Strings must be UTF-8, as in JSON. (bson_validate's UTF-8 flag does not check values in the
// libbson Debian ships, so every string is checked where it is read.)
std::string_view string_view_of(const bson_iter_t& it) {
  std::uint32_t length = 0;
  const char* text = bson_iter_utf8(&it, &length);
  if (!is_valid_text(text, length)) malformed("a string is not valid UTF-8");
  return {text, length};
}

std::string read_string(const bson_iter_t& it, std::string_view field) {
  if (type_of(it) != BSON_TYPE_UTF8) malformed(std::string(field) + " must be a string");
  return std::string(string_view_of(it));
}

std::optional<std::string> read_optional_string(const bson_iter_t& it, std::string_view field) {
  if (is_null(it)) return std::nullopt;
  return read_string(it, field);
}

// A whole number from int32, int64 or an integral double.
std::optional<std::int64_t> whole_number(const bson_iter_t& it) {
  switch (type_of(it)) {
    case BSON_TYPE_INT32: return bson_iter_int32(&it);
    case BSON_TYPE_INT64: return bson_iter_int64(&it);
    case BSON_TYPE_DOUBLE: {
      const double d = bson_iter_double(&it);
      // 2^63 itself does not fit; the range check keeps the cast defined.
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::nullopt;
      const auto whole = static_cast<std::int64_t>(d);
      if (static_cast<double>(whole) != d) return std::nullopt;
      return whole;
    }
    default: return std::nullopt;
  }
}

std::int64_t read_int(const bson_iter_t& it, std::string_view field) {
  const auto value = whole_number(it);
  if (!value) malformed(std::string(field) + " must be an integer");
  return *value;
}

// Op ids travel as decimal strings; integers are accepted as parse_json_line does.
std::int64_t read_op_id(const bson_iter_t& it, std::string_view field) {
  if (type_of(it) == BSON_TYPE_UTF8) {
    const std::string_view text = string_view_of(it);
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
      malformed(std::string(field) + " is not an integer: \"" + std::string(text) + "\"");
    }
    return out;
  }
  if (type_of(it) == BSON_TYPE_INT32 || type_of(it) == BSON_TYPE_INT64) return read_int(it, field);
  malformed(std::string(field) + " must be a string or an integer");
}

std::optional<std::int64_t> read_optional_op_id(const bson_iter_t& it, std::string_view field) {
  if (is_null(it)) return std::nullopt;
  return read_op_id(it, field);
}

Checksum read_checksum(const bson_iter_t& it, std::string_view field) {
  std::optional<Checksum> out;
  switch (type_of(it)) {
    case BSON_TYPE_INT32: out = Checksum::from_integer(bson_iter_int32(&it)); break;
    case BSON_TYPE_INT64: out = Checksum::from_integer(bson_iter_int64(&it)); break;
    case BSON_TYPE_DOUBLE: out = Checksum::from_double(bson_iter_double(&it)); break;
    default: malformed(std::string(field) + " must be a number");
  }
  if (!out) malformed(std::string(field) + " is not a 32-bit checksum");
  return *out;
}

bool read_bool(const bson_iter_t& it, std::string_view field) {
  if (type_of(it) != BSON_TYPE_BOOL) malformed(std::string(field) + " must be a boolean");
  return bson_iter_bool(&it);
}

int read_priority(const bson_iter_t& it) {
  const std::int64_t p = read_int(it, "priority");
  if (p < kHighestPriority || p > kLowestPriority) malformed("priority must be between 0 and 3");
  return static_cast<int>(p);
}

// ---- op data as an embedded document: rendered as compact JSON ----

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json_value(std::string& out, const bson_iter_t& it, int depth);

void append_json_container(std::string& out, const bson_iter_t& it, bool is_array, int depth) {
  if (depth > 64) malformed("op data nests too deeply");
  out += is_array ? '[' : '{';
  bool first = true;
  each_child(it, "data", [&](const bson_iter_t& child, std::string_view key) {
    if (!first) out += ',';
    first = false;
    if (!is_array) {
      append_json_string(out, key);
      out += ':';
    }
    append_json_value(out, child, depth + 1);
  });
  out += is_array ? ']' : '}';
}

void append_json_value(std::string& out, const bson_iter_t& it, int depth) {
  char buffer[32];
  switch (type_of(it)) {
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED: out += "null"; return;
    case BSON_TYPE_BOOL: out += bson_iter_bool(&it) ? "true" : "false"; return;
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64: {
      const std::int64_t v = type_of(it) == BSON_TYPE_INT32 ? bson_iter_int32(&it) : bson_iter_int64(&it);
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
      return;
    }
    case BSON_TYPE_DOUBLE: {
      const double d = bson_iter_double(&it);
      if (!std::isfinite(d)) malformed("op data holds a non-finite number");
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, d).ptr);
      return;
    }
    case BSON_TYPE_UTF8: append_json_string(out, string_view_of(it)); return;
    case BSON_TYPE_DOCUMENT: append_json_container(out, it, false, depth); return;
    case BSON_TYPE_ARRAY: append_json_container(out, it, true, depth); return;
    default: malformed("op data holds a BSON value with no JSON equivalent (type " + std::to_string(type_of(it)) + ")");
  }
}

// ---- the line types ----

BucketSubscriptionReason read_subscription_reason(const bson_iter_t& it) {
  expect_document(it, "subscriptions");
  std::optional<BucketSubscriptionReason> out;
  each_child(it, "subscriptions", [&](const bson_iter_t& f, std::string_view key) {
    if (out) return;
    if (key == "default") {
      out = BucketSubscriptionReason{true, read_int(f, "subscriptions.default")};
    } else if (key == "sub") {
      out = BucketSubscriptionReason{false, read_int(f, "subscriptions.sub")};
    } else {
      malformed("unknown bucket subscription reason \"" + std::string(key) + "\"");
    }
  });
  if (!out) malformed("empty bucket subscription reason");
  return *out;
}

BucketChecksum read_bucket_checksum(const bson_iter_t& it) {
  expect_document(it, "bucket checksum");
  BucketChecksum out;
  bool has_bucket = false, has_checksum = false;
  each_child(it, "bucket checksum", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "bucket") {
      out.bucket = read_string(f, "bucket");
      has_bucket = true;
    } else if (key == "checksum") {
      out.checksum = read_checksum(f, "checksum");
      has_checksum = true;
    } else if (key == "priority") {
      if (!is_null(f)) out.priority = read_priority(f);
    } else if (key == "count") {
      if (!is_null(f)) out.count = read_int(f, "count");
    } else if (key == "subscriptions") {
      if (is_null(f)) return;
      each_array_item(f, "subscriptions",
                      [&](const bson_iter_t& r) { out.subscriptions.push_back(read_subscription_reason(r)); });
    }
  });
  if (!has_bucket) malformed("bucket checksum without \"bucket\"");
  if (!has_checksum) malformed("bucket \"" + out.bucket + "\" has no checksum");
  return out;
}

std::vector<BucketChecksum> read_bucket_checksums(const bson_iter_t& it, std::string_view field) {
  std::vector<BucketChecksum> out;
  each_array_item(it, field, [&](const bson_iter_t& item) { out.push_back(read_bucket_checksum(item)); });
  return out;
}

StreamSubscriptionError read_stream_error(const bson_iter_t& it) {
  expect_document(it, "errors");
  StreamSubscriptionError error;
  each_child(it, "errors", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "message") {
      error.message = read_string(f, "errors.message");
    } else if (key == "subscription") {
      // "default" (a string) or the index of an explicit subscription.
      if (type_of(f) != BSON_TYPE_UTF8) error.subscription = read_int(f, "errors.subscription");
    }
  });
  return error;
}

StreamDescription read_stream(const bson_iter_t& it) {
  expect_document(it, "streams");
  StreamDescription out;
  each_child(it, "streams", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "name") {
      out.name = read_string(f, "streams.name");
    } else if (key == "is_default") {
      out.is_default = read_bool(f, "streams.is_default");
    } else if (key == "errors") {
      each_array_item(f, "errors", [&](const bson_iter_t& e) { out.errors.push_back(read_stream_error(e)); });
    }
  });
  return out;
}

Checkpoint read_checkpoint(const bson_iter_t& it) {
  expect_document(it, "checkpoint");
  Checkpoint out;
  bool has_last_op = false, has_buckets = false;
  each_child(it, "checkpoint", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "last_op_id") {
      out.last_op_id = read_op_id(f, "last_op_id");
      has_last_op = true;
    } else if (key == "write_checkpoint") {
      out.write_checkpoint = read_optional_op_id(f, "write_checkpoint");
    } else if (key == "buckets") {
      out.buckets = read_bucket_checksums(f, "buckets");
      has_buckets = true;
    } else if (key == "streams") {
      if (is_null(f)) return;
      each_array_item(f, "streams", [&](const bson_iter_t& s) { out.streams.push_back(read_stream(s)); });
    }
  });
  if (!has_last_op) malformed("checkpoint without last_op_id");
  if (!has_buckets) malformed("checkpoint without buckets");
  return out;
}

CheckpointDiff read_checkpoint_diff(const bson_iter_t& it) {
  expect_document(it, "checkpoint_diff");
  CheckpointDiff out;
  bool has_last_op = false;
  each_child(it, "checkpoint_diff", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "last_op_id") {
      out.last_op_id = read_op_id(f, "last_op_id");
      has_last_op = true;
    } else if (key == "write_checkpoint") {
      out.write_checkpoint = read_optional_op_id(f, "write_checkpoint");
    } else if (key == "updated_buckets") {
      out.updated_buckets = read_bucket_checksums(f, "updated_buckets");
    } else if (key == "removed_buckets") {
      each_array_item(f, "removed_buckets",
                      [&](const bson_iter_t& name) { out.removed_buckets.push_back(read_string(name, "removed_buckets")); });
    }
  });
  if (!has_last_op) malformed("checkpoint_diff without last_op_id");
  return out;
}

OpType read_op_type(const bson_iter_t& it) {
  if (type_of(it) != BSON_TYPE_UTF8) malformed("op must be a string");
  const std::string_view op = string_view_of(it);
  if (op == "PUT") return OpType::put;
  if (op == "REMOVE") return OpType::remove;
  if (op == "MOVE") return OpType::move;
  if (op == "CLEAR") return OpType::clear;
  malformed("unknown op \"" + std::string(op) + "\"");
}

OplogEntry read_oplog_entry(const bson_iter_t& it) {
  expect_document(it, "op");
  OplogEntry out;
  bool has_op_id = false, has_op = false, has_checksum = false;
  each_child(it, "op", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "op_id") {
      out.op_id = read_op_id(f, "op_id");
      has_op_id = true;
    } else if (key == "op") {
      out.op = read_op_type(f);
      has_op = true;
    } else if (key == "checksum") {
      out.checksum = read_checksum(f, "checksum");
      has_checksum = true;
    } else if (key == "object_type") {
      out.object_type = read_optional_string(f, "object_type");
    } else if (key == "object_id") {
      out.object_id = read_optional_string(f, "object_id");
    } else if (key == "subkey") {
      out.subkey = read_optional_string(f, "subkey");
    } else if (key == "data") {
      switch (type_of(f)) {
        case BSON_TYPE_NULL:
        case BSON_TYPE_UNDEFINED: break;
        case BSON_TYPE_UTF8: out.data = std::string(string_view_of(f)); break;
        case BSON_TYPE_DOCUMENT: {
          std::string json;
          append_json_container(json, f, false, 0);
          out.data = std::move(json);
          break;
        }
        default: malformed("op data must be a string or a document");
      }
    }
  });
  if (!has_op_id) malformed("op without op_id");
  if (!has_op) malformed("op " + std::to_string(out.op_id) + " without \"op\"");
  if (!has_checksum) malformed("op " + std::to_string(out.op_id) + " without checksum");
  return out;
}

DataLine read_data_line(const bson_iter_t& it) {
  expect_document(it, "data");
  DataLine out;
  bool has_bucket = false, has_data = false;
  each_child(it, "data", [&](const bson_iter_t& f, std::string_view key) {
    if (key == "bucket") {
      out.bucket = read_string(f, "bucket");
      has_bucket = true;
    } else if (key == "data") {
      if (type_of(f) != BSON_TYPE_ARRAY) malformed("data must be an array of ops");
      each_array_item(f, "data", [&](const bson_iter_t& op) { out.data.push_back(read_oplog_entry(op)); });
      has_data = true;
    } else if (key == "has_more") {
      out.has_more = read_bool(f, "has_more");
    } else if (key == "after") {
      out.after = read_optional_op_id(f, "after");
    } else if (key == "next_after") {
      out.next_after = read_optional_op_id(f, "next_after");
    }
  });
  if (!has_bucket) malformed("data line without bucket");
  if (!has_data) malformed("data line without data");
  return out;
}

template <typename Line>
Line read_completion(const bson_iter_t& it, std::string_view name) {
  expect_document(it, name);
  Line out;
  each_child(it, name, [&](const bson_iter_t& f, std::string_view key) {
    if (key == "last_op_id") {
      out.last_op_id = read_op_id(f, "last_op_id");
    } else if constexpr (std::is_same_v<Line, PartialCheckpointComplete>) {
      if (key == "priority") out.priority = read_priority(f);
    }
  });
  return out;
}

SyncLine read_line(const bson_iter_t& it, std::string_view key) {
  if (key == "checkpoint") return read_checkpoint(it);
  if (key == "checkpoint_diff") return read_checkpoint_diff(it);
  if (key == "data") return read_data_line(it);
  if (key == "checkpoint_complete") return read_completion<CheckpointComplete>(it, key);
  if (key == "partial_checkpoint_complete") return read_completion<PartialCheckpointComplete>(it, key);
  if (key == "token_expires_in") return TokenExpiresIn{read_int(it, "token_expires_in")};
  return UnknownLine{std::string(key)};
}

}  // namespace

SyncLine parse_bson_line(const std::uint8_t* data, std::size_t size) {
  bson_t document;
  // Checks the length prefix against `size` and the terminating zero byte.
  if (data == nullptr || !bson_init_static(&document, data, size)) {
    malformed("not a BSON document of " + std::to_string(size) + " bytes");
  }
  // One pass over the whole document (nested ones included) so that reading it below can
  // trust its structure.
  bson_error_t error;
  if (!bson_validate_with_error(&document, BSON_VALIDATE_NONE, &error)) {
    malformed(std::string("corrupt BSON: ") + error.message);
  }
  bson_iter_t it;
  if (!bson_iter_init(&it, &document) || !bson_iter_next(&it)) malformed("empty document");
  return read_line(it, key_of(it));
}

}  // namespace powersync::protocol
