// NDJSON sync lines through simdjson's on-demand parser: one pass over each line, fields
// read in wire order, unknown fields skipped.
#include <simdjson.h>

#include <charconv>
#include <string>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/util/error.hpp"

namespace powersync::protocol {
namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::number_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

[[noreturn]] void malformed(std::string_view what) {
  throw Error(ErrorCode::network, "Invalid sync line: " + std::string(what));
}

std::string read_string(value v, std::string_view field) {
  if (v.type() != json_type::string) malformed(std::string(field) + " must be a string");
  return std::string(std::string_view(v.get_string()));
}

std::optional<std::string> read_optional_string(value v, std::string_view field) {
  if (v.is_null()) return std::nullopt;
  return read_string(v, field);
}

// Op ids travel as strings ("42") from the real service, as numbers from some others.
std::int64_t read_op_id(value v, std::string_view field) {
  switch (v.type()) {
    case json_type::string: {
      const std::string_view text = v.get_string();
      std::int64_t out = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
      if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        malformed(std::string(field) + " is not an integer: \"" + std::string(text) + "\"");
      }
      return out;
    }
    case json_type::number:
      if (v.get_number_type() == number_type::signed_integer) return v.get_int64();
      malformed(std::string(field) + " is out of range or not an integer");
    default:
      malformed(std::string(field) + " must be a string or a number");
  }
}

std::optional<std::int64_t> read_optional_op_id(value v, std::string_view field) {
  if (v.is_null()) return std::nullopt;
  return read_op_id(v, field);
}

std::int64_t read_int(value v, std::string_view field) {
  if (v.type() != json_type::number || v.get_number_type() != number_type::signed_integer) {
    if (v.type() == json_type::number && v.get_number_type() == number_type::floating_point_number) {
      const double d = v.get_double();
      // Out of range (or NaN) the cast would be undefined; 2^63 itself does not fit.
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        const auto whole = static_cast<std::int64_t>(d);
        if (static_cast<double>(whole) == d) return whole;
      }
    }
    malformed(std::string(field) + " must be an integer");
  }
  return v.get_int64();
}

Checksum read_checksum(value v, std::string_view field) {
  if (v.type() != json_type::number) malformed(std::string(field) + " must be a number");
  std::optional<Checksum> out;
  switch (v.get_number_type()) {
    case number_type::signed_integer: out = Checksum::from_integer(v.get_int64()); break;
    case number_type::unsigned_integer: {
      const std::uint64_t u = v.get_uint64();
      if (u <= UINT32_MAX) out = Checksum{static_cast<std::uint32_t>(u)};
      break;
    }
    case number_type::floating_point_number: out = Checksum::from_double(v.get_double()); break;
    default: break;
  }
  if (!out) malformed(std::string(field) + " is not a 32-bit checksum");
  return *out;
}

int read_priority(value v) {
  const std::int64_t p = read_int(v, "priority");
  if (p < kHighestPriority || p > kLowestPriority) malformed("priority must be between 0 and 3");
  return static_cast<int>(p);
}

BucketSubscriptionReason read_subscription_reason(value v) {
  object o = v.get_object();
  for (auto field : o) {
    const std::string_view key = field.unescaped_key();
    if (key == "default") return {true, read_int(field.value(), "subscriptions.default")};
    if (key == "sub") return {false, read_int(field.value(), "subscriptions.sub")};
    malformed("unknown bucket subscription reason \"" + std::string(key) + "\"");
  }
  malformed("empty bucket subscription reason");
}

BucketChecksum read_bucket_checksum(value v) {
  BucketChecksum out;
  bool has_bucket = false, has_checksum = false;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "bucket") {
      out.bucket = read_string(fv, "bucket");
      has_bucket = true;
    } else if (key == "checksum") {
      out.checksum = read_checksum(fv, "checksum");
      has_checksum = true;
    } else if (key == "priority") {
      if (!fv.is_null()) out.priority = read_priority(fv);
    } else if (key == "count") {
      if (!fv.is_null()) out.count = read_int(fv, "count");
    } else if (key == "subscriptions") {
      if (fv.is_null()) continue;
      for (value reason : fv.get_array()) out.subscriptions.push_back(read_subscription_reason(reason));
    }
  }
  if (!has_bucket) malformed("bucket checksum without \"bucket\"");
  if (!has_checksum) malformed("bucket \"" + out.bucket + "\" has no checksum");
  return out;
}

std::vector<BucketChecksum> read_bucket_checksums(value v, std::string_view field) {
  if (v.type() != json_type::array) malformed(std::string(field) + " must be an array");
  std::vector<BucketChecksum> out;
  for (value item : v.get_array()) out.push_back(read_bucket_checksum(item));
  return out;
}

StreamDescription read_stream(value v) {
  StreamDescription out;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "name") {
      out.name = read_string(fv, "streams.name");
    } else if (key == "is_default") {
      out.is_default = fv.get_bool();
    } else if (key == "errors") {
      for (value e : fv.get_array()) {
        StreamSubscriptionError error;
        for (auto ef : e.get_object()) {
          const std::string_view ekey = ef.unescaped_key();
          value ev = ef.value();
          if (ekey == "message") {
            error.message = read_string(ev, "errors.message");
          } else if (ekey == "subscription") {
            // "default" (a string) or the index of an explicit subscription.
            if (ev.type() == json_type::number) error.subscription = read_int(ev, "errors.subscription");
          }
        }
        out.errors.push_back(std::move(error));
      }
    }
  }
  return out;
}

Checkpoint read_checkpoint(value v) {
  Checkpoint out;
  bool has_last_op = false, has_buckets = false;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "last_op_id") {
      out.last_op_id = read_op_id(fv, "last_op_id");
      has_last_op = true;
    } else if (key == "write_checkpoint") {
      out.write_checkpoint = read_optional_op_id(fv, "write_checkpoint");
    } else if (key == "buckets") {
      out.buckets = read_bucket_checksums(fv, "buckets");
      has_buckets = true;
    } else if (key == "streams") {
      if (fv.is_null()) continue;
      for (value s : fv.get_array()) out.streams.push_back(read_stream(s));
    }
  }
  if (!has_last_op) malformed("checkpoint without last_op_id");
  if (!has_buckets) malformed("checkpoint without buckets");
  return out;
}

CheckpointDiff read_checkpoint_diff(value v) {
  CheckpointDiff out;
  bool has_last_op = false;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "last_op_id") {
      out.last_op_id = read_op_id(fv, "last_op_id");
      has_last_op = true;
    } else if (key == "write_checkpoint") {
      out.write_checkpoint = read_optional_op_id(fv, "write_checkpoint");
    } else if (key == "updated_buckets") {
      out.updated_buckets = read_bucket_checksums(fv, "updated_buckets");
    } else if (key == "removed_buckets") {
      if (fv.type() != json_type::array) malformed("removed_buckets must be an array");
      for (value name : fv.get_array()) out.removed_buckets.push_back(read_string(name, "removed_buckets"));
    }
  }
  if (!has_last_op) malformed("checkpoint_diff without last_op_id");
  return out;
}

OpType read_op_type(value v) {
  const std::string_view op = v.get_string();
  if (op == "PUT") return OpType::put;
  if (op == "REMOVE") return OpType::remove;
  if (op == "MOVE") return OpType::move;
  if (op == "CLEAR") return OpType::clear;
  malformed("unknown op \"" + std::string(op) + "\"");
}

OplogEntry read_oplog_entry(value v) {
  OplogEntry out;
  bool has_op_id = false, has_op = false, has_checksum = false;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "op_id") {
      out.op_id = read_op_id(fv, "op_id");
      has_op_id = true;
    } else if (key == "op") {
      if (fv.type() != json_type::string) malformed("op must be a string");
      out.op = read_op_type(fv);
      has_op = true;
    } else if (key == "checksum") {
      out.checksum = read_checksum(fv, "checksum");
      has_checksum = true;
    } else if (key == "object_type") {
      out.object_type = read_optional_string(fv, "object_type");
    } else if (key == "object_id") {
      out.object_id = read_optional_string(fv, "object_id");
    } else if (key == "subkey") {
      out.subkey = read_optional_string(fv, "subkey");
    } else if (key == "data") {
      switch (fv.type()) {
        case json_type::null: break;
        case json_type::string: out.data = std::string(std::string_view(fv.get_string())); break;
        case json_type::object: out.data = std::string(std::string_view(simdjson::to_json_string(fv))); break;
        default: malformed("op data must be a JSON string or object");
      }
    }
  }
  if (!has_op_id) malformed("op without op_id");
  if (!has_op) malformed("op " + std::to_string(out.op_id) + " without \"op\"");
  if (!has_checksum) malformed("op " + std::to_string(out.op_id) + " without checksum");
  return out;
}

DataLine read_data_line(value v) {
  DataLine out;
  bool has_bucket = false, has_data = false;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "bucket") {
      out.bucket = read_string(fv, "bucket");
      has_bucket = true;
    } else if (key == "data") {
      if (fv.type() != json_type::array) malformed("data must be an array of ops");
      for (value op : fv.get_array()) out.data.push_back(read_oplog_entry(op));
      has_data = true;
    } else if (key == "has_more") {
      out.has_more = fv.get_bool();
    } else if (key == "after") {
      out.after = read_optional_op_id(fv, "after");
    } else if (key == "next_after") {
      out.next_after = read_optional_op_id(fv, "next_after");
    }
  }
  if (!has_bucket) malformed("data line without bucket");
  if (!has_data) malformed("data line without data");
  return out;
}

template <typename Line>
Line read_completion(value v) {
  Line out;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    value fv = field.value();
    if (key == "last_op_id") {
      out.last_op_id = read_op_id(fv, "last_op_id");
    } else if constexpr (std::is_same_v<Line, PartialCheckpointComplete>) {
      if (key == "priority") out.priority = read_priority(fv);
    }
  }
  return out;
}

SyncLine read_line(object line) {
  for (auto field : line) {
    const std::string_view key = field.unescaped_key();
    value v = field.value();
    if (key == "checkpoint") return read_checkpoint(v);
    if (key == "checkpoint_diff") return read_checkpoint_diff(v);
    if (key == "data") return read_data_line(v);
    if (key == "checkpoint_complete") return read_completion<CheckpointComplete>(v);
    if (key == "partial_checkpoint_complete") return read_completion<PartialCheckpointComplete>(v);
    if (key == "token_expires_in") return TokenExpiresIn{read_int(v, "token_expires_in")};
    return UnknownLine{std::string(key)};
  }
  malformed("empty object");
}

}  // namespace

SyncLine parse_json_line(std::string_view line) {
  thread_local simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(line);
  try {
    simdjson::ondemand::document document = parser.iterate(padded);
    if (document.type() != json_type::object) malformed("a line must be a JSON object");
    return read_line(document.get_object());
  } catch (const simdjson::simdjson_error& e) {
    malformed(e.what());
  }
}

}  // namespace powersync::protocol
