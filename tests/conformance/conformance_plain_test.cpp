// Plain synced tables (text, integer and real columns) written through their views.
#include <cstdint>
#include <limits>
#include <string>

#include "conformance_helpers.hpp"

namespace powersync::conformance {
namespace {

const char* kInsertTodo =
    "INSERT INTO todos(id, description, list_id, completed, created_at, priority) VALUES (?, ?, ?, ?, ?, ?)";

TEST(Conformance, PlainTable) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute(kInsertTodo, {std::string("t1"), std::string("Buy milk"), std::string("l1"), std::int64_t{0},
                             std::string("2024-01-01T00:00:00Z"), 1.5});
  dual.execute(kInsertTodo, {std::string("t2"), std::string("Walk"), std::string("l1"), std::int64_t{1},
                             std::monostate{}, 2.0});
  dual.execute("INSERT INTO todos(id, description) VALUES ('t3', 'only a description')");
  dual.execute("INSERT INTO todos(id) VALUES ('t4')");
  dual.execute("UPDATE todos SET completed = 1 WHERE id = 't1'");
  dual.execute("UPDATE todos SET description = 'Buy oat milk', priority = 3.25 WHERE id = 't1'");
  dual.execute("UPDATE todos SET list_id = 'l2' WHERE list_id = 'l1'");
  dual.execute("DELETE FROM todos WHERE id = 't2'");
  dual.execute("DELETE FROM todos WHERE id = 'does-not-exist'");
  dual.execute("UPDATE todos SET completed = completed + 1");
  EXPECT_SAME_STATE(dual);
  EXPECT_SAME_SCHEMA_SQL(dual);
}

TEST(Conformance, IntegerVsRealValues) {
  DualDatabase dual(schema_of({todos_table()}));
  // Reals into the integer column, integers into the real column, and numeric text.
  dual.execute(kInsertTodo, {std::string("a"), std::int64_t{1}, std::string("l"), 2.0, std::string("x"),
                             std::int64_t{3}});
  dual.execute(kInsertTodo, {std::string("b"), 1.5, std::string("l"), 2.5, std::string("x"), 7.0});
  dual.execute(kInsertTodo, {std::string("c"), std::string("12"), std::string("l"), std::string("34"),
                             std::string("x"), std::string("5.5")});
  dual.execute(kInsertTodo, {std::string("d"), std::string("t"), std::string("l"),
                             std::numeric_limits<std::int64_t>::max(), std::string("x"), 1e300});
  dual.execute(kInsertTodo, {std::string("e"), std::string("t"), std::string("l"),
                             std::numeric_limits<std::int64_t>::min(), std::string("x"), -0.0});
  dual.execute(kInsertTodo, {std::string("f"), std::string("t"), std::string("l"), std::int64_t{9007199254740993},
                             std::string("x"), 0.1});
  dual.execute(kInsertTodo, {std::string("g"), std::string("not a number"), std::string("l"),
                             std::string("abc"), std::string("x"), std::string("1e3")});
  dual.execute("UPDATE todos SET priority = 2 WHERE id = 'b'");      // real 7.0 -> integer 2
  dual.execute("UPDATE todos SET priority = 3.0 WHERE id = 'a'");    // integer 3 -> real 3.0
  dual.execute("UPDATE todos SET completed = 2.0 WHERE id = 'a'");   // same value, real again
  dual.execute("UPDATE todos SET completed = '2' WHERE id = 'a'");   // text that looks like the number
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, Unicode) {
  DualDatabase dual(schema_of({todos_table()}));
  const std::string samples[] = {
      "Grüße aus Köln", "日本語のテキスト", "emoji 🎉👩‍👩‍👧", "quote \" and \\ backslash", "tab\tnew\nline",
      "nul-free but \x01 control", "'single' quotes", "{\"looks\": \"like json\"}", "[1,2,3]", "",
  };
  int n = 0;
  for (const auto& sample : samples) {
    std::string id = "u" + std::to_string(n++);
    dual.execute(kInsertTodo, {id, sample, sample, std::int64_t{n}, sample, 1.0});
  }
  dual.execute("INSERT INTO todos(id, description) VALUES ('ключ-🔑', 'id with unicode')");
  dual.execute("UPDATE todos SET description = description || ' ✓' WHERE id IN ('u0', 'u1', 'u2')");
  dual.execute("UPDATE todos SET list_id = json('{\"a\":[1,2]}') WHERE id = 'u3'");  // JSON subtype value
  dual.execute("UPDATE todos SET created_at = json_array(1, 'two') WHERE id = 'u4'");
  dual.execute("DELETE FROM todos WHERE id = 'ключ-🔑'");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, UpdatesSettingNull) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute(kInsertTodo, {std::string("n1"), std::string("d"), std::string("l"), std::int64_t{1},
                             std::string("c"), 1.0});
  dual.execute(kInsertTodo, {std::string("n2"), std::string("d"), std::string("l"), std::int64_t{1},
                             std::string("c"), 1.0});
  dual.execute("UPDATE todos SET description = NULL WHERE id = 'n1'");
  dual.execute("UPDATE todos SET list_id = NULL, completed = NULL, created_at = NULL, priority = NULL");
  dual.execute("UPDATE todos SET description = NULL WHERE id = 'n1'");  // already NULL
  dual.execute("UPDATE todos SET description = 'back' WHERE id = 'n1'");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, UpdatesThatChangeNothing) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute(kInsertTodo, {std::string("s1"), std::string("d"), std::string("l"), std::int64_t{1},
                             std::string("c"), 1.0});
  dual.execute("UPDATE todos SET description = 'd' WHERE id = 's1'");
  dual.execute("UPDATE todos SET completed = completed, priority = priority WHERE id = 's1'");
  dual.execute("UPDATE todos SET description = 'd' WHERE id = 'missing'");
  EXPECT_SAME_STATE(dual);
}

// The id checks of the triggers. Statements they reject run inside a transaction here, where
// both sides agree; FailingAutocommitStatement covers the same failures in autocommit mode.
TEST(Conformance, IdRules) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.transaction({
      sql("INSERT INTO todos(id, description) VALUES (NULL, 'no id')"),
      sql("INSERT INTO todos(id, description) VALUES (42, 'integer id')"),
      sql("INSERT INTO todos(description) VALUES ('id omitted')"),
      sql("INSERT INTO todos(id, description) VALUES (x'6964', 'blob id')"),
      sql("INSERT INTO todos(id, description) VALUES ('k1', 'fine')"),
  });
  dual.execute("INSERT INTO todos(id, description) VALUES ('k1', 'duplicate id')");
  dual.transaction({sql("UPDATE todos SET id = 'k2' WHERE id = 'k1'")});
  dual.execute("UPDATE todos SET id = 'k1', description = 'same id' WHERE id = 'k1'");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, Blobs) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute(kInsertTodo, {std::string("b1"), Blob{{0x00, 0x01, 0xff}}, std::string("l"), std::int64_t{1},
                             std::string("c"), 1.0});
  dual.execute(kInsertTodo, {std::string("b2"), std::string("ok"), std::string("l"), std::int64_t{1},
                             std::string("c"), 1.0});
  dual.execute("UPDATE todos SET description = x'cafe' WHERE id = 'b2'");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, ManyColumns) {
  // More than 50 columns: the official core builds the JSON in chunks of 50 and merges them.
  Table wide;
  wide.name = "wide";
  for (int i = 0; i < 120; ++i) {
    ColumnType type = i % 3 == 0 ? ColumnType::text : i % 3 == 1 ? ColumnType::integer : ColumnType::real;
    wide.columns.push_back({"c" + std::to_string(i), type});
  }
  DualDatabase dual(schema_of({wide}));
  std::string columns = "id", placeholders = "?";
  Params params{std::string("w1")};
  for (int i = 0; i < 120; ++i) {
    columns += ", c" + std::to_string(i);
    placeholders += ", ?";
    if (i % 3 == 0) params.emplace_back(std::in_place_type<std::string>, "v" + std::to_string(i));
    if (i % 3 == 1) params.emplace_back(std::in_place_type<std::int64_t>, i);
    if (i % 3 == 2) params.emplace_back(std::in_place_type<double>, i + 0.5);
  }
  dual.execute("INSERT INTO wide(" + columns + ") VALUES (" + placeholders + ")", params);
  dual.execute("INSERT INTO wide(id, c0, c119) VALUES ('w2', 'first', 119.5)");
  dual.execute("UPDATE wide SET c1 = 100, c60 = 'x', c119 = NULL WHERE id = 'w1'");
  dual.execute("UPDATE wide SET c55 = c55 WHERE id = 'w1'");
  dual.execute("DELETE FROM wide WHERE id = 'w2'");
  EXPECT_SAME_STATE(dual);
  EXPECT_SAME_SCHEMA_SQL(dual);
}

}  // namespace
}  // namespace powersync::conformance

namespace powersync::conformance {
namespace {

// The official SDKs run a single statement in autocommit mode (the Node SDK's execute takes
// the write lock but begins no transaction). The triggers stop a bad row with
// RAISE(FAIL, ...), which keeps what the statement wrote before it - including the
// transaction id the crud vtab took at its start - and SQLite then commits.
TEST(Conformance, FailingAutocommitStatementKeepsEarlierRows) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute(
      "INSERT INTO todos(id, description) SELECT column1, column2 FROM "
      "(VALUES ('a', 'x'), ('b', 'y'), (NULL, 'no id'), ('c', 'after the failure'))");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, FailingAutocommitStatementTakesTxId) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute("INSERT INTO todos(id, description) VALUES ('a', 'first')");
  dual.execute("INSERT INTO todos(id, description) VALUES (NULL, 'only a bad row')");
  dual.execute("UPDATE todos SET id = 'other' WHERE id = 'a'");
  dual.execute("INSERT OR FAIL INTO todos(id, description) VALUES ('a', 'duplicate')");
  dual.execute("INSERT INTO todos(id, description) VALUES ('d', 'next tx id')");
  EXPECT_SAME_STATE(dual);
}

}  // namespace
}  // namespace powersync::conformance
