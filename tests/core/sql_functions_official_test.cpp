// Differential tests: our SQL functions and powersync_crud vtabs against the official core
// extension, loaded into a second connection of the same pinned SQLite. The upload queue
// must hold byte-identical JSON, since that text is what connectors upload.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "powersync/storage/connection.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

void load_official_core(Connection& connection) {
  sqlite3_db_config(connection.handle(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
  char* error = nullptr;
  const int rc =
      sqlite3_load_extension(connection.handle(), POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  if (rc != SQLITE_OK) throw Error(ErrorCode::internal, "cannot load the official core: " + message);
  connection.exec("BEGIN; SELECT powersync_init(); COMMIT;");
}

// The first column of the first row as text, "<null>" for NULL, "<error: ...>" on failure.
std::string query_text(Connection& connection, const std::string& sql, const std::vector<std::string>& args = {}) {
  try {
    auto statement = connection.prepare(sql);
    for (std::size_t i = 0; i < args.size(); ++i) statement.bind_text(static_cast<int>(i + 1), args[i]);
    if (!statement.step()) return "<no row>";
    if (statement.column_is_null(0)) return "<null>";
    return std::string(statement.column_text(0));
  } catch (const Error&) {
    return "<error>";
  }
}

// Every row of a query, one line per row with columns joined by '|'.
std::string dump(Connection& connection, const std::string& sql) {
  auto statement = connection.prepare(sql);
  std::string out;
  while (statement.step()) {
    for (int i = 0; i < statement.column_count(); ++i) {
      if (i > 0) out += '|';
      out += statement.column_is_null(i) ? "<null>" : std::string(statement.column_text(i));
    }
    out += '\n';
  }
  return out;
}

class OfficialCoreTest : public ::testing::Test {
 protected:
  OfficialCoreTest() : ours_({}), official_({}) {
    ensure_internal_schema(ours_);
    register_sql_functions(ours_);
    load_official_core(official_);
  }

  // Runs `sql` on both connections; both must succeed or both fail.
  void both(const std::string& sql) {
    std::string our_error, official_error;
    try {
      ours_.exec(sql);
    } catch (const Error& e) {
      our_error = e.what();
    }
    try {
      official_.exec(sql);
    } catch (const Error& e) {
      official_error = e.what();
    }
    EXPECT_EQ(our_error.empty(), official_error.empty())
        << sql << "\n ours: " << our_error << "\n official: " << official_error;
  }

  void expect_same_queue_state() {
    const char* queries[] = {
        "SELECT id, tx_id, data FROM ps_crud ORDER BY id",
        "SELECT row_type, row_id FROM ps_updated_rows ORDER BY row_type, row_id",
        "SELECT id, current_tx, next_tx FROM ps_tx ORDER BY id",
        "SELECT key, value, typeof(value) FROM ps_kv WHERE key != 'client_id' ORDER BY key",
        "SELECT name, seq FROM sqlite_sequence ORDER BY name",
    };
    for (const char* sql : queries) EXPECT_EQ(dump(ours_, sql), dump(official_, sql)) << sql;
  }

  Connection ours_;
  Connection official_;
};

// --- Pure functions ---------------------------------------------------------------------------

class RandomJson {
 public:
  explicit RandomJson(std::uint64_t seed) : rng_(seed) {}

  std::string object(int depth = 0) {
    std::string s = "{";
    const int n = static_cast<int>(rng_() % 5);
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += ',';
      s += key() + ":" + value(depth + 1);
    }
    return s + "}";
  }

  std::string number() {
    char buffer[96];
    switch (rng_() % 8) {
      case 0:
      case 1: {
        const std::uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) d = 2.5;
        std::snprintf(buffer, sizeof buffer, rng_() % 2 ? "%.17g" : "%.15g", d);
        break;
      }
      case 2: std::snprintf(buffer, sizeof buffer, "%" PRId64, static_cast<std::int64_t>(rng_() % 2000) - 1000); break;
      case 3:
        std::snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(rng_() % 8),
                      (static_cast<double>(rng_() % 2000000) - 1000000) / 1000.0);
        break;
      case 4: std::snprintf(buffer, sizeof buffer, "%" PRIu64 "%" PRIu64, static_cast<std::uint64_t>(rng_()),
                                    static_cast<std::uint64_t>(rng_() % 1000)); break;
      case 5: std::snprintf(buffer, sizeof buffer, "%de%d", static_cast<int>(rng_() % 100), static_cast<int>(rng_() % 60) - 30); break;
      case 6: std::snprintf(buffer, sizeof buffer, "0.%016" PRIu64 "%" PRIu64,
                            static_cast<std::uint64_t>(rng_() % 10000000000000000ULL), static_cast<std::uint64_t>(rng_())); break;
      default: std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(rng_() % 100)); break;
    }
    return buffer;
  }

 private:
  std::string key() {
    static const char* keys[] = {"a", "b", "c", "B", "\xC3\xA9", "a b", "\\u0041", "\\n"};
    return std::string("\"") + keys[rng_() % 8] + "\"";
  }

  std::string string() {
    static const char* parts[] = {"a", "b", "\\u00e9", "\\n", "\\\"", "\\\\", "\\u0001", "\\u007f",
                                  "\\/", "\xC3\xA9", "\\ud83d\\ude00", "x y", "\\t"};
    std::string s = "\"";
    const int n = static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) s += parts[rng_() % 13];
    return s + "\"";
  }

  std::string value(int depth) {
    switch (rng_() % (depth > 2 ? 5 : 7)) {
      case 0: return "null";
      case 1: return rng_() % 2 ? "true" : "false";
      case 2:
      case 3: return number();
      case 4: return string();
      case 5: return object(depth);
      default: {
        std::string s = "[";
        const int n = static_cast<int>(rng_() % 3);
        for (int i = 0; i < n; ++i) {
          if (i > 0) s += ',';
          s += value(depth + 1);
        }
        return s + "]";
      }
    }
  }

  std::mt19937_64 rng_;
};

TEST_F(OfficialCoreTest, DiffMatchesOnHandPickedInputs) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "{}"},
      {R"({"a":1})", R"({"a":1.0})"},
      {R"({"a":1.00})", R"({"a":1.0})"},
      {R"({"a":1,"b":null})", R"({"b":2,"c":null})"},
      {"{}", R"({"z":1,"a":2,"m":{"y":1,"x":2}})"},
      {"{}", R"({"r":[1e30,1e16,1e15,1.5e-7,0.00001,0.000001,-0,-0.0,5e-324,1.7976931348623157e308]})"},
      {"{}", R"({"i":[18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809]})"},
      {"{}", R"({"s":"\u0000\u001f\u007f\b\f\n\r\t\"\\\/\ud83d\ude00"})"},
      {R"({"a":1,"a":2})", R"({"a":2})"},
      {R"({"a":[1,{"b":2}]})", R"({"a":[1,{"b":2.0}]})"},
      {"[]", "{}"},
      {"{}", "[1]"},
      {"{}", R"({"a":1e400})"},
      {"{}", "{\"a\":1} "},
      {"{}", R"({"a":01})"},
  };
  for (const auto& [old_json, new_json] : cases) {
    const std::string sql = "SELECT powersync_diff(?, ?)";
    EXPECT_EQ(query_text(ours_, sql, {old_json, new_json}), query_text(official_, sql, {old_json, new_json}))
        << old_json << " -> " << new_json;
  }
}

TEST_F(OfficialCoreTest, DiffMatchesOnRandomDocuments) {
  RandomJson random(20261125);
  auto ours = ours_.prepare("SELECT powersync_diff(?, ?)");
  auto official = official_.prepare("SELECT powersync_diff(?, ?)");
  int mismatches = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string old_json = i % 4 == 0 ? "{}" : random.object();
    const std::string new_json = i % 3 == 0 ? old_json : random.object();
    std::string results[2];
    Statement* statements[2] = {&ours, &official};
    for (int k = 0; k < 2; ++k) {
      statements[k]->reset();
      statements[k]->bind_text(1, old_json);
      statements[k]->bind_text(2, new_json);
      try {
        results[k] = statements[k]->step() ? std::string(statements[k]->column_text(0)) : "<no row>";
      } catch (const Error&) {
        results[k] = "<error>";
      }
    }
    if (results[0] != results[1] && ++mismatches <= 5) {
      ADD_FAILURE() << old_json << " -> " << new_json << "\n ours:     " << results[0]
                    << "\n official: " << results[1];
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_F(OfficialCoreTest, DiffMatchesOnRealsAsSqliteWritesThem) {
  // Triggers build the objects with json_object(), which spells reals its own way.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    char literal[64];
    std::snprintf(literal, sizeof literal, "%.17g", d);
    const std::string sql = std::string("SELECT powersync_diff('{}', json_object('r', ") + literal +
                            ", 'q', " + literal + " / 3.0, 's', round(" + literal + ", 2)))";
    EXPECT_EQ(query_text(ours_, sql), query_text(official_, sql)) << sql;
  }
}

TEST_F(OfficialCoreTest, JsonMergeAndStripSubtypeMatch) {
  const char* queries[] = {
      R"(SELECT powersync_json_merge('{"a":1}', '{"b":2}'))",
      "SELECT powersync_json_merge()",
      R"(SELECT powersync_json_merge('{}', '{"b":2}'))",
      R"(SELECT powersync_json_merge('{"a":1}', '{}', '{"b":2}'))",
      R"(SELECT json_object('m', powersync_json_merge('{"a":1}', '{"b":[2]}')))",
      "SELECT powersync_json_merge('[1]')",
      "SELECT powersync_json_merge('{\"a\":1}', NULL)",
      R"(SELECT json_object('x', powersync_strip_subtype(json('{"a":1}'))))",
      "SELECT typeof(powersync_strip_subtype(1.5))",
      R"(SELECT json_object('d', powersync_diff('{}', '{"a":1}')))",
  };
  for (const char* sql : queries) EXPECT_EQ(query_text(ours_, sql), query_text(official_, sql)) << sql;
}

// --- The upload queue -------------------------------------------------------------------------

TEST_F(OfficialCoreTest, DirectVtabWritesProduceTheSameQueue) {
  both("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a1', 'todos', '{\"x\":1}')");
  both("BEGIN");
  both("INSERT INTO powersync_crud(op, id, type, data, old_values, metadata) VALUES "
       "('PATCH', 'a\"1', 'to\\dos', '{\"x\":2}', '{\"x\":1}', 'by \"me\"\n\x01')");
  both("INSERT INTO powersync_crud_(data) VALUES ('{\"op\":\"PUT\",\"type\":\"t\",\"id\":\"c\",\"data\":{}}')");
  both("INSERT INTO powersync_crud(op, id, type) VALUES ('DELETE', 'b', 'lists')");
  both("COMMIT");
  both("INSERT INTO powersync_crud(op, id, type, data, options) VALUES ('PATCH', 'a', 't', '{}', 16)");
  both("INSERT INTO powersync_crud(op, id, type, data, options) VALUES ('PATCH', 'a', 't', '{}', 0)");
  both("INSERT INTO powersync_crud_(data, options) VALUES ('{\"op\":\"PATCH\",\"type\":\"t\",\"id\":\"a\",\"data\":{}}', 16)");
  both("INSERT INTO powersync_crud_(data, options) VALUES ('{\"op\":\"PATCH\",\"type\":\"t\",\"id\":\"a\",\"data\":{\"y\":1}}', 16)");
  both("INSERT INTO powersync_crud(op, id, type, data, old_values, metadata) VALUES ('PUT', 5, 't', 5, x'00', 7)");
  both("INSERT INTO powersync_crud(op, id, type, data) VALUES (NULL, NULL, NULL, NULL)");
  both("BEGIN");
  both("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'r', 't', '{}')");
  both("ROLLBACK");
  both("INSERT INTO ps_kv(key, value) VALUES ('last_seen_checkpoint_request_id', 3)");
  both("INSERT INTO powersync_crud_(data) VALUES ('{}')");
  both("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'z', 't', '{}')");
  both("DELETE FROM powersync_crud");
  expect_same_queue_state();
}

// The official schema's triggers, copied into our connection, must queue the same entries
// through our functions as they do through the official ones.
class OfficialTriggersTest : public OfficialCoreTest {
 protected:
  void SetUp() override {
    std::string wide_columns;
    for (int i = 0; i < 60; ++i) {
      wide_columns += std::string(i > 0 ? "," : "") + R"({"name":"c)" + std::to_string(i) + R"(","type":"TEXT"})";
    }
    const std::string schema = R"({"tables":[
      {"name":"todos","columns":[{"name":"description","type":"TEXT"},{"name":"n","type":"INTEGER"},{"name":"r","type":"REAL"}],
       "include_old":true,"include_metadata":true,"ignore_empty_update":true},
      {"name":"lists","columns":[{"name":"name","type":"TEXT"},{"name":"owner","type":"TEXT"}],
       "include_old":["name"],"include_old_only_when_changed":true},
      {"name":"plain","columns":[{"name":"v","type":"TEXT"},{"name":"w","type":"REAL"}]},
      {"name":"logs","columns":[{"name":"msg","type":"TEXT"}],"insert_only":true},
      {"name":"drafts","columns":[{"name":"body","type":"TEXT"}],"local_only":true},
      {"name":"wide","columns":[)" + wide_columns + R"(]}
    ]})";
    auto replace = official_.prepare("SELECT powersync_replace_schema(?)");
    official_.exec("BEGIN");
    replace.bind_text(1, schema);
    replace.run();
    official_.exec("COMMIT");

    // Data tables first, then views, then triggers, as they depend on each other.
    auto objects = official_.prepare(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        "(type = 'table' AND (name LIKE 'ps_data__%' OR name LIKE 'ps_data_local__%')) OR type IN ('view', 'trigger')) "
        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, name");
    int copied = 0;
    while (objects.step()) {
      ours_.exec(std::string(objects.column_text(0)));
      ++copied;
    }
    ASSERT_GT(copied, 15);
  }

  void expect_same_data() {
    expect_same_queue_state();
    for (const char* table : {"ps_data__todos", "ps_data__lists", "ps_data__plain", "ps_data__logs",
                              "ps_data_local__drafts", "ps_data__wide"}) {
      const std::string sql = std::string("SELECT id, data FROM ") + table + " ORDER BY id";
      EXPECT_EQ(dump(ours_, sql), dump(official_, sql)) << sql;
    }
  }
};

TEST_F(OfficialTriggersTest, ViewWritesQueueTheSameEntries) {
  both("INSERT INTO todos(id, description, n, r) VALUES ('t1', 'first \"one\"', 1, 1.5)");
  both("INSERT INTO todos(id, description, n, r, _metadata) VALUES ('t2', NULL, NULL, 1e20, 'meta')");
  both("UPDATE todos SET n = 2, r = 0.1 + 0.2, _metadata = 'm2' WHERE id = 't1'");
  both("UPDATE todos SET n = 2 WHERE id = 't1'");  // no change: ignored, but a tx id is used
  both("UPDATE todos SET description = json('{\"a\":1}') WHERE id = 't1'");
  both("UPDATE todos SET _deleted = TRUE, _metadata = 'gone' WHERE id = 't2'");
  both("BEGIN");
  both("INSERT INTO lists(id, name, owner) VALUES ('l1', 'groceries', 'me')");
  both("UPDATE lists SET owner = 'you' WHERE id = 'l1'");
  both("UPDATE lists SET name = 'food' WHERE id = 'l1'");
  both("INSERT INTO logs(id, msg) VALUES ('g1', 'hello')");
  both("INSERT INTO drafts(id, body) VALUES ('d1', 'local only')");
  both("COMMIT");
  both("INSERT INTO plain(id, v, w) VALUES ('p1', 'x', 3.0), ('p2', '\u00e9\n', -0.0)");
  both("UPDATE plain SET w = w * 1e300");
  both("UPDATE plain SET v = NULL");
  both("INSERT INTO wide(id, c0, c30, c59) VALUES ('w1', 'a', 'b', 'c')");
  both("UPDATE wide SET c55 = 'changed', c0 = NULL WHERE id = 'w1'");
  both("DELETE FROM todos");
  both("DELETE FROM lists");
  both("DELETE FROM wide");
  both("INSERT INTO todos(id) VALUES (5)");  // rejected by the trigger on both
  expect_same_data();
}

TEST_F(OfficialTriggersTest, RandomViewWritesQueueTheSameEntries) {
  std::mt19937_64 rng(42);
  RandomJson random(43);
  auto literal = [&]() -> std::string {
    switch (rng() % 6) {
      case 0: return "NULL";
      case 1: return std::to_string(static_cast<std::int64_t>(rng() % 200) - 100);
      case 2: return random.number();
      case 3: return "'" + std::to_string(rng() % 50) + "'";
      case 4: return "'it''s \xC3\xA9 \"q\"'";
      default: return "(" + random.number() + " / 7.0)";
    }
  };
  for (int i = 0; i < 300; ++i) {
    const std::string id = "'r" + std::to_string(rng() % 12) + "'";
    const bool in_transaction = rng() % 4 == 0;
    if (in_transaction) both("BEGIN");
    switch (rng() % 5) {
      case 0:
      case 1:
        both("INSERT OR IGNORE INTO plain(id, v, w) SELECT " + id + ", " + literal() + ", " + literal() +
             " WHERE NOT EXISTS (SELECT 1 FROM plain WHERE id = " + id + ")");
        break;
      case 2: both("UPDATE plain SET v = " + literal() + ", w = " + literal() + " WHERE id = " + id); break;
      case 3:
        both("UPDATE todos SET n = " + literal() + ", r = " + literal() + " WHERE id = " + id);
        both("INSERT INTO todos(id, description, n, r) SELECT " + id + ", " + literal() + ", " + literal() + ", " +
             literal() + " WHERE NOT EXISTS (SELECT 1 FROM todos WHERE id = " + id + ")");
        break;
      default: both("DELETE FROM " + std::string(rng() % 2 ? "plain" : "todos") + " WHERE id = " + id); break;
    }
    if (in_transaction) both(rng() % 5 == 0 ? "ROLLBACK" : "COMMIT");
  }
  expect_same_data();
}

}  // namespace
}  // namespace powersync
