#include <gtest/gtest.h>

#include "powersync/storage/connection.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

TEST(Connection, BindsAndReadsEveryType) {
  Connection c({});
  c.exec("CREATE TABLE t(a, b, c, d, e)");
  auto insert = c.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
  insert.bind_all({std::monostate{}, std::int64_t{42}, 1.5, std::string("héllo"), Blob{{0, 1, 2}}});
  insert.run();
  EXPECT_EQ(c.changes(), 1);
  EXPECT_EQ(c.last_insert_rowid(), 1);

  auto select = c.prepare("SELECT a, b, c, d, e FROM t");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_type(0), ValueType::null);
  EXPECT_EQ(select.column_value(1), Value(std::int64_t{42}));
  EXPECT_EQ(select.column_value(2), Value(1.5));
  EXPECT_EQ(select.column_value(3), Value(std::string("héllo")));
  EXPECT_EQ(select.column_value(4), Value(Blob{{0, 1, 2}}));
  EXPECT_EQ(select.column_name(3), "d");
  EXPECT_FALSE(select.step());
}

TEST(Connection, EmptyBlobStaysBlob) {
  Connection c({});
  auto s = c.prepare("SELECT typeof(?)");
  s.bind(1, Blob{});
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_text(0), "blob");
}

TEST(Connection, ParameterCountMismatchIsInvalidArgument) {
  Connection c({});
  auto s = c.prepare("SELECT ?, ?");
  try {
    s.bind_all({std::int64_t{1}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("2 parameter"), std::string::npos) << e.what();
  }
}

TEST(Connection, SqlErrorsCarrySqliteMessageAndCode) {
  Connection c({});
  try {
    c.prepare("SELECT * FROM missing_table");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::sql);
    EXPECT_NE(std::string(e.what()).find("no such table: missing_table"), std::string::npos);
    EXPECT_EQ(e.sqlite_code() & 0xff, 1);  // SQLITE_ERROR
  }
  c.exec("CREATE TABLE u(x UNIQUE)");
  c.exec("INSERT INTO u VALUES (1)");
  auto again = c.prepare("INSERT INTO u VALUES (1)");
  EXPECT_THROW(again.run(), Error);
}

TEST(Connection, CachedStatementsAreResetBetweenUses) {
  Connection c({});
  auto& s = c.cached("SELECT ?");
  s.bind(1, std::int64_t{7});
  ASSERT_TRUE(s.step());
  auto& same = c.cached("SELECT ?");
  EXPECT_EQ(&same, &s);
  ASSERT_TRUE(same.step());
  EXPECT_TRUE(same.column_is_null(0));  // bindings were cleared
}

TEST(TransactionGuard, RollsBackUnlessCommitted) {
  Connection c({});
  c.exec("CREATE TABLE t(x)");
  {
    TransactionGuard tx(c);
    c.exec("INSERT INTO t VALUES (1)");
    EXPECT_TRUE(c.in_transaction());
  }
  EXPECT_FALSE(c.in_transaction());
  {
    TransactionGuard tx(c);
    c.exec("INSERT INTO t VALUES (2)");
    tx.commit();
  }
  auto s = c.prepare("SELECT group_concat(x) FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_text(0), "2");
}

TEST(Connection, OpenFailureNamesThePath) {
  ConnectionOptions options;
  options.path = "/nonexistent-dir/sub/db.sqlite";
  try {
    Connection c(options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/sub/db.sqlite"), std::string::npos);
  }
}

}  // namespace
}  // namespace powersync
