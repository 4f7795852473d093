// Scalar SQL functions the generated views and triggers call, with the official core's
// names, flags and results, plus the registration of the powersync_crud virtual tables.

#include "powersync/storage/sql_functions.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <exception>
#include <string>

#include "powersync/util/error.hpp"
#include "storage/crud_vtab.hpp"
#include "storage/sql_json.hpp"

namespace powersync {
namespace {

std::string_view text_arg(sqlite3_value* value) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(value));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_value_bytes(value))};
}

void result_text(sqlite3_context* context, const std::string& text) {
  sqlite3_result_text64(context, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void result_exception(sqlite3_context* context, const char* function) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(context);
  } catch (const std::exception& e) {
    const std::string message = std::string(function) + ": " + e.what();
    sqlite3_result_error(context, message.c_str(), -1);
  }
}

void powersync_diff(sqlite3_context* context, int, sqlite3_value** argv) {
  try {
    const std::string diff = json_diff_objects(text_arg(argv[0]), text_arg(argv[1]));
    // The official core asks for the JSON subtype before setting the text, which clears it,
    // so its results reach other JSON functions as plain text. Triggers wrap them in json().
    result_text(context, diff);
  } catch (...) {
    result_exception(context, "powersync_diff");
  }
}

void powersync_strip_subtype(sqlite3_context* context, int argc, sqlite3_value** argv) {
  if (argc != 1) return;
  sqlite3_result_value(context, argv[0]);
  sqlite3_result_subtype(context, 0);
}

// Concatenates the members of JSON object texts without parsing them, exactly like the
// official function (which assumes distinct keys and non-empty objects after the first).
void powersync_json_merge(sqlite3_context* context, int argc, sqlite3_value** argv) {
  try {
    std::string merged = "{";
    for (int i = 0; i < argc; ++i) {
      const std::string_view chunk = text_arg(argv[i]);
      if (chunk.empty() || chunk.front() != '{' || chunk.back() != '}') {
        throw Error(ErrorCode::invalid_argument, "Expected json object");
      }
      if (merged.size() > 1) merged += ',';
      merged.append(chunk.substr(1, chunk.size() - 2));
    }
    merged += '}';
    result_text(context, merged);  // plain text, as powersync_diff
  } catch (...) {
    result_exception(context, "powersync_json_merge");
  }
}

void uuid_v4(sqlite3_context* context, int, sqlite3_value**) {
  try {
    result_text(context, random_uuid());
  } catch (...) {
    result_exception(context, "uuid");
  }
}

void powersync_client_id(sqlite3_context* context, int, sqlite3_value**) {
  sqlite3* db = sqlite3_context_db_handle(context);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT value FROM ps_kv WHERE key = 'client_id'", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      // Always text, as the official function returns; SQLITE_TRANSIENT copies before finalize.
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      sqlite3_result_text(context, text != nullptr ? text : "", sqlite3_column_bytes(stmt, 0), SQLITE_TRANSIENT);
      sqlite3_finalize(stmt);
      return;
    }
  }
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE) {
    sqlite3_result_error(context, "powersync_client_id: no client_id found in ps_kv", -1);
  } else {
    sqlite3_result_error(context, sqlite3_errmsg(db), -1);
    sqlite3_result_error_code(context, rc);
  }
}

void create_function(sqlite3* db, const char* name, int argc, int flags,
                     void (*function)(sqlite3_context*, int, sqlite3_value**)) {
  const int rc = sqlite3_create_function_v2(db, name, argc, SQLITE_UTF8 | flags, nullptr, function, nullptr,
                                            nullptr, nullptr);
  if (rc != SQLITE_OK) {
    throw Error(ErrorCode::sql, std::string("Cannot register SQL function ") + name + ": " + sqlite3_errmsg(db), rc);
  }
}

}  // namespace

std::string json_diff_objects(std::string_view old_json, std::string_view new_json) {
  // Parse order as in the official core: a malformed new value is reported first.
  sqljson::JsonValue left = sqljson::parse(new_json);
  sqljson::JsonValue right = sqljson::parse(old_json);
  if (left.kind != sqljson::JsonValue::Kind::object || right.kind != sqljson::JsonValue::Kind::object) {
    throw Error(ErrorCode::invalid_argument, "expected two JSON objects");
  }

  // Both member lists are sorted by key, so one merge walk finds the changed keys in output
  // order. Null values count as absent on both sides; a key that only the old object has
  // becomes null.
  auto& added = left.members;
  const auto& removed = right.members;
  std::string out = "{";
  bool first = true;
  auto emit = [&](const std::string& key, const sqljson::JsonValue* value) {
    if (!first) out += ',';
    first = false;
    sqljson::write_string(key, out);
    out += ':';
    if (value != nullptr) {
      sqljson::write(*value, out);
    } else {
      out += "null";
    }
  };
  std::size_t i = 0, j = 0;
  while (i < added.size() || j < removed.size()) {
    if (i < added.size() && added[i].second.is_null()) {
      ++i;
      continue;
    }
    if (j < removed.size() && removed[j].second.is_null()) {
      ++j;
      continue;
    }
    if (j == removed.size() || (i < added.size() && added[i].first < removed[j].first)) {
      emit(added[i].first, &added[i].second);
      ++i;
    } else if (i == added.size() || removed[j].first < added[i].first) {
      emit(removed[j].first, nullptr);
      ++j;
    } else {
      if (!(added[i].second == removed[j].second)) emit(added[i].first, &added[i].second);
      ++i;
      ++j;
    }
  }
  out += '}';
  return out;
}

std::string random_uuid() {
  std::uint8_t bytes[16];
  sqlite3_randomness(sizeof bytes, bytes);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0F];
  }
  return text;
}

void set_crud_capture_paused(Connection& connection, bool paused) { pause_crud_capture(connection.handle(), paused); }

void register_sql_functions(Connection& connection) {
  sqlite3* db = connection.handle();
  create_function(db, "powersync_diff", 2, SQLITE_DETERMINISTIC | SQLITE_RESULT_SUBTYPE, powersync_diff);
  create_function(db, "powersync_json_merge", -1, SQLITE_DETERMINISTIC | SQLITE_RESULT_SUBTYPE,
                  powersync_json_merge);
  create_function(db, "powersync_strip_subtype", 1,
                  SQLITE_DETERMINISTIC | SQLITE_SUBTYPE | SQLITE_RESULT_SUBTYPE, powersync_strip_subtype);
  create_function(db, "gen_random_uuid", 0, 0, uuid_v4);
  create_function(db, "uuid", 0, 0, uuid_v4);
  create_function(db, "powersync_client_id", 0, SQLITE_DETERMINISTIC, powersync_client_id);
  register_crud_vtabs(db);
}

}  // namespace powersync
