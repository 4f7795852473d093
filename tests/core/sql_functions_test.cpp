// The SQL functions and powersync_crud virtual tables that generated triggers call.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <regex>
#include <set>
#include <string>

#include "powersync/storage/connection.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

std::string diff(std::string_view old_json, std::string_view new_json) { return json_diff_objects(old_json, new_json); }

// --- powersync_diff: the pure computation --------------------------------------------------

TEST(SqlFunctionsDiff, ChangedAndAddedKeysAndNullsForRemovedOnes) {
  EXPECT_EQ(diff("{}", "{}"), "{}");
  EXPECT_EQ(diff(R"({"a": null})", "{}"), "{}");
  EXPECT_EQ(diff("{}", R"({"a": null})"), "{}");
  EXPECT_EQ(diff(R"({"b": 1})", R"({"a": null, "b": 1})"), "{}");
  EXPECT_EQ(diff(R"({"b": 1})", R"({"a": null, "b": 2})"), R"({"b":2})");
  EXPECT_EQ(diff(R"({"a": 0, "b": 1})", R"({"a": null, "b": 2})"), R"({"a":null,"b":2})");
  EXPECT_EQ(diff(R"({"a": 1})", R"({"a": null})"), R"({"a":null})");
  EXPECT_EQ(diff(R"({"a": 1})", "{}"), R"({"a":null})");
  EXPECT_EQ(diff(R"({"a": 1})", R"({"a": 2})"), R"({"a":2})");
  EXPECT_EQ(diff(R"({"a": 1})", R"({"a": "1"})"), R"({"a":"1"})");
}

TEST(SqlFunctionsDiff, WithoutOldValuesReturnsTheNewObjectWithoutNulls) {
  EXPECT_EQ(diff("{}", R"({"name":"x","n":null,"done":0})"), R"({"done":0,"name":"x"})");
  EXPECT_EQ(diff(R"({"gone":null})", R"({"b":1,"a":2})"), R"({"a":2,"b":1})");
}

TEST(SqlFunctionsDiff, KeysAreSortedBytewiseAndDuplicatesKeepTheLastValue) {
  EXPECT_EQ(diff("{}", R"({"b":1,"a":2,"B":3,"é":4,"a b":5})"), R"({"B":3,"a":2,"a b":5,"b":1,"é":4})");
  EXPECT_EQ(diff("{}", R"({"a":1,"a":2})"), R"({"a":2})");
  EXPECT_EQ(diff(R"({"a":1,"a":2})", R"({"a":2})"), "{}");
  // Escaped keys compare by their decoded text.
  EXPECT_EQ(diff(R"({"A":1})", R"({"\u0041":1})"), "{}");
}

TEST(SqlFunctionsDiff, IntegersAndRealsAreDifferentValues) {
  EXPECT_EQ(diff(R"({"a": 1})", R"({"a": 1.0})"), R"({"a":1.0})");
  EXPECT_EQ(diff(R"({"a": 1.00})", R"({"a": 1.0})"), "{}");
  EXPECT_EQ(diff(R"({"a": 0.5})", R"({"a": 5e-1})"), "{}");
  EXPECT_EQ(diff(R"({"a": -1})", R"({"a": -1})"), "{}");
  EXPECT_EQ(diff(R"({"a": 0.0})", R"({"a": -0.0})"), "{}");  // equal as doubles
}

TEST(SqlFunctionsDiff, RealsArePrintedInTheShortestSerdeJsonSpelling) {
  EXPECT_EQ(diff("{}", R"({"a":1.0})"), R"({"a":1.0})");
  EXPECT_EQ(diff("{}", R"({"a":1.0e+20})"), R"({"a":1e+20})");
  EXPECT_EQ(diff("{}", R"({"a":1e30})"), R"({"a":1e+30})");
  EXPECT_EQ(diff("{}", R"({"a":1e16})"), R"({"a":1e+16})");
  EXPECT_EQ(diff("{}", R"({"a":1e15})"), R"({"a":1000000000000000.0})");
  EXPECT_EQ(diff("{}", R"({"a":1.5e-7})"), R"({"a":1.5e-7})");
  EXPECT_EQ(diff("{}", R"({"a":0.0001})"), R"({"a":0.0001})");
  EXPECT_EQ(diff("{}", R"({"a":0.00001})"), R"({"a":0.00001})");
  EXPECT_EQ(diff("{}", R"({"a":0.000001})"), R"({"a":1e-6})");
  EXPECT_EQ(diff("{}", R"({"a":123.456})"), R"({"a":123.456})");
  EXPECT_EQ(diff("{}", R"({"a":0.1})"), R"({"a":0.1})");
  EXPECT_EQ(diff("{}", R"({"a":-0})"), R"({"a":-0.0})");
  EXPECT_EQ(diff("{}", R"({"a":-2.5E3})"), R"({"a":-2500.0})");
  // serde_json's parser (without float_roundtrip) scales a u64 significand by powers of
  // ten, which can land one ulp off the nearest double; the official output keeps that.
  EXPECT_EQ(diff("{}", R"({"a":1.2345678901234567e+23})"), R"({"a":1.2345678901234569e+23})");
  EXPECT_EQ(diff("{}", R"({"a":5e-324})"), R"({"a":5e-324})");
}

TEST(SqlFunctionsDiff, IntegersKeepTheirRangeAndBeyondU64BecomeReals) {
  EXPECT_EQ(diff("{}", R"({"a":18446744073709551615})"), R"({"a":18446744073709551615})");
  EXPECT_EQ(diff("{}", R"({"a":-9223372036854775808})"), R"({"a":-9223372036854775808})");
  EXPECT_EQ(diff("{}", R"({"a":18446744073709551616})"), R"({"a":1.8446744073709552e+19})");
  EXPECT_EQ(diff("{}", R"({"a":-9223372036854775809})"), R"({"a":-9.223372036854776e+18})");
  EXPECT_EQ(diff("{}", R"({"a":123456789012345678901234})"), R"({"a":1.2345678901234567e+23})");
}

TEST(SqlFunctionsDiff, NestedValuesCompareDeeplyAndAreReserializedSorted) {
  EXPECT_EQ(diff("{}", R"({"a": [1,2,3]})"), R"({"a":[1,2,3]})");
  EXPECT_EQ(diff(R"({"a": 1})", R"({"a": [1,2,3]})"), R"({"a":[1,2,3]})");
  EXPECT_EQ(diff(R"({"a": [1,2]})", R"({"a": [1, 2]})"), "{}");
  EXPECT_EQ(diff(R"({"a": [1,2]})", R"({"a": [2,1]})"), R"({"a":[2,1]})");
  EXPECT_EQ(diff(R"({"o": {"y":1,"x":[true,null]}})", R"({"o": {"x":[true,null],"y":1}})"), "{}");
  EXPECT_EQ(diff("{}", R"({"o": {"y":1, "x":{"b":null,"a":false}}})"), R"({"o":{"x":{"a":false,"b":null},"y":1}})");
}

TEST(SqlFunctionsDiff, StringsAreEscapedLikeSerdeJson) {
  EXPECT_EQ(diff("{}", R"({"s":"a\/b\u00e9\n\t\"\\\u0001\u007f"})"), "{\"s\":\"a/b\xC3\xA9\\n\\t\\\"\\\\\\u0001\x7F\"}");
  EXPECT_EQ(diff("{}", R"({"s":"\ud83d\ude00"})"), "{\"s\":\"\xF0\x9F\x98\x80\"}");
  EXPECT_EQ(diff("{}", R"({"s":"\b\f\r"})"), R"({"s":"\b\f\r"})");
}

TEST(SqlFunctionsDiff, RejectsAnythingButTwoJsonObjects) {
  auto expect_invalid = [](std::string_view a, std::string_view b) {
    try {
      diff(a, b);
      ADD_FAILURE() << "accepted " << a << " / " << b;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
  };
  expect_invalid("[]", "{}");
  expect_invalid("{}", "1");
  expect_invalid("", "{}");
  expect_invalid("{}", "{");
  expect_invalid("{}", R"({"a":01})");
  expect_invalid("{}", R"({"a":1.})");
  expect_invalid("{}", R"({"a":1e999})");
  expect_invalid("{}", R"({"a":[1,]})");
  expect_invalid("{}", R"({"a":1} x)");
  expect_invalid("{}", R"({"a":"\ud800"})");
  expect_invalid("{}", "{\"a\":\"\x01\"}");
  expect_invalid("{}", std::string(200, '[') + std::string(200, ']'));
}

// --- Through SQL ----------------------------------------------------------------------------

class SqlFunctionsTest : public ::testing::Test {
 protected:
  SqlFunctionsTest() : db_({}) {
    ensure_internal_schema(db_);
    register_sql_functions(db_);
  }

  std::string text(const std::string& sql) {
    auto statement = db_.prepare(sql);
    if (!statement.step()) return "<no row>";
    if (statement.column_is_null(0)) return "<null>";
    return std::string(statement.column_text(0));
  }

  std::int64_t integer(const std::string& sql) {
    auto statement = db_.prepare(sql);
    EXPECT_TRUE(statement.step()) << sql;
    return statement.column_int64(0);
  }

  Connection db_;
};

TEST_F(SqlFunctionsTest, DiffResultIsPlainJsonText) {
  EXPECT_EQ(text(R"(SELECT powersync_diff('{"a":1}', '{"a":2,"b":"x"}'))"), R"({"a":2,"b":"x"})");
  // Like the official core's, the result carries no JSON subtype: json_object embeds it as a
  // string unless wrapped in json(), which is what the generated triggers do.
  EXPECT_EQ(text(R"(SELECT json_object('d', powersync_diff('{}', '{"a":1}')))"), R"({"d":"{\"a\":1}"})");
  EXPECT_EQ(text(R"(SELECT json_object('d', json(powersync_diff('{}', '{"a":1}'))))"), R"({"d":{"a":1}})");
  EXPECT_EQ(text(R"(SELECT json(powersync_diff('{}', json_object('n', 1.0, 's', 'x'))))"), R"({"n":1.0,"s":"x"})");
}

TEST_F(SqlFunctionsTest, DiffReportsMalformedInputAsSqlError) {
  EXPECT_THROW(text("SELECT powersync_diff('[]', '{}')"), Error);
  EXPECT_THROW(text("SELECT powersync_diff(NULL, '{}')"), Error);
}

TEST_F(SqlFunctionsTest, StripSubtypeTurnsJsonBackIntoPlainText) {
  EXPECT_EQ(text(R"(SELECT json_object('x', json('{"a":1}')))"), R"({"x":{"a":1}})");
  EXPECT_EQ(text(R"(SELECT json_object('x', powersync_strip_subtype(json('{"a":1}'))))"), R"({"x":"{\"a\":1}"})");
  EXPECT_EQ(text("SELECT typeof(powersync_strip_subtype(42))"), "integer");
  EXPECT_EQ(text("SELECT powersync_strip_subtype(NULL)"), "<null>");
}

TEST_F(SqlFunctionsTest, JsonMergeConcatenatesObjectMembers) {
  EXPECT_EQ(text(R"(SELECT powersync_json_merge('{"a":1}', '{"b":2}', '{"c":[3]}'))"), R"({"a":1,"b":2,"c":[3]})");
  EXPECT_EQ(text("SELECT powersync_json_merge()"), "{}");
  EXPECT_EQ(text("SELECT powersync_json_merge('{}', '{\"b\":2}')"), R"({"b":2})");
  EXPECT_EQ(text(R"(SELECT json_object('m', json(powersync_json_merge('{"a":1}'))))"), R"({"m":{"a":1}})");
  // No parsing: an empty object after the first leaves an empty slot, as in the official core.
  EXPECT_EQ(text(R"(SELECT powersync_json_merge('{"a":1}', '{}', '{"b":2}'))"), R"({"a":1,,"b":2})");
  EXPECT_THROW(text("SELECT powersync_json_merge('[1]')"), Error);
  EXPECT_THROW(text("SELECT powersync_json_merge('{\"a\":1}', NULL)"), Error);
}

TEST_F(SqlFunctionsTest, UuidsAreRandomLowercaseVersion4) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = random_uuid();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  const std::string a = text("SELECT uuid()");
  const std::string b = text("SELECT gen_random_uuid()");
  EXPECT_TRUE(std::regex_match(a, v4)) << a;
  EXPECT_TRUE(std::regex_match(b, v4)) << b;
  EXPECT_EQ(integer("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT count(DISTINCT u) FROM (SELECT uuid() AS u FROM n)"), 50)
      << "uuid() must not be treated as deterministic";
}

TEST_F(SqlFunctionsTest, ClientIdComesFromPsKv) {
  EXPECT_EQ(text("SELECT powersync_client_id()"), text("SELECT value FROM ps_kv WHERE key = 'client_id'"));
  db_.exec("DELETE FROM ps_kv WHERE key = 'client_id'");
  EXPECT_THROW(text("SELECT powersync_client_id()"), Error);
}

// --- powersync_crud / powersync_crud_ -------------------------------------------------------

class CrudVtabTest : public SqlFunctionsTest {
 protected:
  struct Row {
    std::int64_t id;
    std::int64_t tx_id;
    std::string data;
  };

  std::vector<Row> crud_rows() {
    std::vector<Row> rows;
    auto statement = db_.prepare("SELECT id, tx_id, data FROM ps_crud ORDER BY id");
    while (statement.step()) {
      rows.push_back({statement.column_int64(0), statement.column_int64(1), std::string(statement.column_text(2))});
    }
    return rows;
  }
};

TEST_F(CrudVtabTest, InsertWritesTheEntryJsonInOfficialKeyOrder) {
  db_.exec(R"(INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a1', 'todos', '{"x":1,"y":"z"}'))");
  auto rows = crud_rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].data, R"({"op":"PUT","id":"a1","type":"todos","data":{"x":1,"y":"z"}})");
  EXPECT_EQ(rows[0].tx_id, 1);
  EXPECT_EQ(text("SELECT next_tx FROM ps_tx WHERE id = 1"), "2");
}

TEST_F(CrudVtabTest, OldValuesAndMetadataAreIncludedWhenGiven) {
  db_.exec(R"(INSERT INTO powersync_crud(op, id, type, data, old_values, metadata)
              VALUES ('PATCH', 'a"1', 'to\dos', '{"x":2}', '{"x":1}', 'by "me"'))");
  db_.exec(R"(INSERT INTO powersync_crud(op, id, type, metadata) VALUES ('DELETE', 'a1', 'todos', 'm'))");
  db_.exec(R"(INSERT INTO powersync_crud(op, id, type, data, old_values, metadata) VALUES ('PATCH', 'a1', 'todos', 5, x'00', 7))");
  auto rows = crud_rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].data,
            R"({"op":"PATCH","id":"a\"1","type":"to\\dos","data":{"x":2},"old":{"x":1},"metadata":"by \"me\""})");
  EXPECT_EQ(rows[1].data, R"({"op":"DELETE","id":"a1","type":"todos","metadata":"m"})");
  // Only text values are embedded.
  EXPECT_EQ(rows[2].data, R"({"op":"PATCH","id":"a1","type":"todos"})");
}

TEST_F(CrudVtabTest, WritesInOneTransactionShareATransactionId) {
  db_.exec("BEGIN");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'b', 't', '{}')");
  db_.exec(R"(INSERT INTO powersync_crud_(data) VALUES ('{"op":"PUT","type":"t","id":"c","data":{}}'))");
  db_.exec("COMMIT");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'd', 't', '{}')");
  db_.exec(R"(INSERT INTO powersync_crud_(data) VALUES ('{"op":"PUT","type":"t","id":"e","data":{}}'))");
  auto rows = crud_rows();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].tx_id, 1);
  EXPECT_EQ(rows[1].tx_id, 1);
  EXPECT_EQ(rows[2].tx_id, 1);
  EXPECT_EQ(rows[3].tx_id, 2);
  EXPECT_EQ(rows[4].tx_id, 3);
  EXPECT_EQ(rows[2].data, R"({"op":"PUT","type":"t","id":"c","data":{}})");  // stored as given
  EXPECT_EQ(text("SELECT next_tx FROM ps_tx WHERE id = 1"), "4");
}

TEST_F(CrudVtabTest, ARolledBackTransactionLeavesNothingAndItsIdIsReused) {
  db_.exec("BEGIN");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
  db_.exec("ROLLBACK");
  EXPECT_TRUE(crud_rows().empty());
  EXPECT_EQ(integer("SELECT count(*) FROM ps_updated_rows"), 0);
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'b', 't', '{}')");
  auto rows = crud_rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].tx_id, 1);
}

TEST_F(CrudVtabTest, IgnoreEmptyUpdateSkipsPatchesWithoutChanges) {
  db_.exec("INSERT INTO powersync_crud(op, id, type, data, options) VALUES ('PATCH', 'a', 't', '{}', 16)");
  db_.exec(R"(INSERT INTO powersync_crud_(data, options) VALUES ('{"op":"PATCH","type":"t","id":"a","data":{}}', 16))");
  EXPECT_TRUE(crud_rows().empty());
  EXPECT_EQ(integer("SELECT count(*) FROM ps_updated_rows"), 0);
  EXPECT_EQ(integer("SELECT count(*) FROM ps_kv WHERE key = 'target_checkpoint_request_id'"), 0);

  db_.exec("INSERT INTO powersync_crud(op, id, type, data, options) VALUES ('PATCH', 'a', 't', '{}', 0)");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data, options) VALUES ('PUT', 'a', 't', '{}', 16)");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data, options) VALUES ('PATCH', 'a', 't', '{\"x\":1}', 16)");
  db_.exec(R"(INSERT INTO powersync_crud_(data, options) VALUES ('{"op":"PATCH","type":"t","id":"a","data":{"x":1}}', 16))");
  db_.exec(R"(INSERT INTO powersync_crud_(data) VALUES ('{"op":"PATCH","type":"t","id":"a","data":{}}'))");
  EXPECT_EQ(crud_rows().size(), 5u);
}

TEST_F(CrudVtabTest, SimpleWritesMarkRowsAndBlockDownloadsUntilACheckpoint) {
  db_.exec("INSERT INTO ps_kv(key, value) VALUES ('last_seen_checkpoint_request_id', 3), "
           "('last_applied_checkpoint_request_id', 2)");
  db_.exec("BEGIN");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 'todos', '{}')");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PATCH', 'a', 'todos', '{}')");
  db_.exec("INSERT INTO powersync_crud(op, id, type) VALUES ('DELETE', 'b', 'lists')");
  db_.exec("COMMIT");
  EXPECT_EQ(text("SELECT group_concat(row_type || '/' || row_id, ',') FROM "
                 "(SELECT * FROM ps_updated_rows ORDER BY row_type, row_id)"),
            "lists/b,todos/a");
  EXPECT_EQ(text("SELECT value FROM ps_kv WHERE key = 'target_checkpoint_request_id'"), kMaxOpId);
  EXPECT_EQ(text("SELECT typeof(value) FROM ps_kv WHERE key = 'target_checkpoint_request_id'"), "integer");
  EXPECT_EQ(integer("SELECT count(*) FROM ps_kv WHERE key IN "
                    "('last_seen_checkpoint_request_id', 'last_applied_checkpoint_request_id')"),
            0);
}

TEST_F(CrudVtabTest, ManualWritesDoNotTouchTheWriteTarget) {
  db_.exec(R"(INSERT INTO powersync_crud_(data) VALUES ('{"op":"PUT","type":"t","id":"a","data":{}}'))");
  EXPECT_EQ(crud_rows().size(), 1u);
  EXPECT_EQ(integer("SELECT count(*) FROM ps_updated_rows"), 0);
  EXPECT_EQ(integer("SELECT count(*) FROM ps_kv WHERE key = 'target_checkpoint_request_id'"), 0);
}

TEST_F(CrudVtabTest, WritesThroughTriggersUseTheVtab) {
  db_.exec("CREATE TABLE items(id TEXT PRIMARY KEY, name TEXT)");
  db_.exec(R"(CREATE TRIGGER items_insert AFTER INSERT ON items BEGIN
                INSERT INTO powersync_crud(op, id, type, data)
                VALUES ('PUT', NEW.id, 'items', json(powersync_diff('{}', json_object('name', NEW.name))));
              END)");
  db_.exec("INSERT INTO items VALUES ('i1', 'one'), ('i2', NULL)");
  auto rows = crud_rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].data, R"({"op":"PUT","id":"i1","type":"items","data":{"name":"one"}})");
  EXPECT_EQ(rows[1].data, R"({"op":"PUT","id":"i2","type":"items","data":{}})");
  EXPECT_EQ(rows[0].tx_id, rows[1].tx_id);
}

TEST_F(CrudVtabTest, PausedCaptureDropsWritesWithoutSideEffects) {
  set_crud_capture_paused(db_, true);
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
  db_.exec(R"(INSERT INTO powersync_crud_(data) VALUES ('{}'))");
  EXPECT_TRUE(crud_rows().empty());
  EXPECT_EQ(integer("SELECT count(*) FROM ps_updated_rows"), 0);
  EXPECT_EQ(integer("SELECT count(*) FROM ps_kv WHERE key = 'target_checkpoint_request_id'"), 0);

  set_crud_capture_paused(db_, false);
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
  EXPECT_EQ(crud_rows().size(), 1u);

  Connection bare({});
  set_crud_capture_paused(bare, true);  // no vtabs registered: nothing to pause
}

TEST_F(CrudVtabTest, OnlyInsertsAreSupported) {
  EXPECT_THROW(db_.exec("SELECT * FROM powersync_crud"), Error);
  EXPECT_THROW(db_.exec("DELETE FROM powersync_crud"), Error);
  EXPECT_THROW(db_.exec("UPDATE powersync_crud_ SET data = '{}'"), Error);
  EXPECT_THROW(db_.exec("CREATE VIRTUAL TABLE my_crud USING powersync_crud"), Error);
}

TEST_F(CrudVtabTest, ErrorsOfTheUnderlyingTablesSurface) {
  db_.exec("DROP TABLE ps_crud");
  try {
    db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ps_crud"), std::string::npos) << e.what();
  }
  // The failed transaction released its id; the vtab keeps working once the table is back.
  db_.exec("CREATE TABLE ps_crud (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT, tx_id INTEGER)");
  db_.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
  EXPECT_EQ(crud_rows().size(), 1u);
}

TEST(CrudVtabLifetime, ConnectionsCloseCleanlyAfterWrites) {
  for (int i = 0; i < 3; ++i) {
    Connection db({});
    ensure_internal_schema(db);
    register_sql_functions(db);
    db.exec("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', 'a', 't', '{}')");
    db.exec(R"(INSERT INTO powersync_crud_(data) VALUES ('{}'))");
  }
}

}  // namespace
}  // namespace powersync
