// Database statements: execute, execute_batch, get_all, get, get_optional, parameters, errors.

#include <sqlite3.h>

#include "database_test_support.hpp"

namespace powersync {
namespace {

using namespace dbtest;

class DatabaseQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_memory();
    db_->execute("CREATE TABLE local_log (n INTEGER PRIMARY KEY AUTOINCREMENT, msg TEXT)");
  }
  void TearDown() override { db_->close(); }
  std::shared_ptr<Database> db_;
};

TEST_F(DatabaseQueryTest, ExecuteReportsChangesLastInsertIdAndReturningRows) {
  ResultSet result = db_->execute("INSERT INTO local_log (msg) VALUES ('a'), ('b')");
  EXPECT_EQ(2, result.rows_affected);
  EXPECT_EQ(2, result.last_insert_id);
  EXPECT_EQ(0u, result.row_count());

  result = db_->execute("INSERT INTO local_log (msg) VALUES (?) RETURNING n, msg", {Value{std::string("c")}});
  ASSERT_EQ(1u, result.row_count());
  EXPECT_EQ((std::vector<std::string>{"n", "msg"}), result.columns);
  EXPECT_EQ(3, integer(result));
  EXPECT_EQ("c", text(result, 0, 1));

  // A statement that changes nothing reports 0, not the previous statement's count.
  EXPECT_EQ(0, db_->execute("CREATE TABLE other (x)").rows_affected);
  EXPECT_EQ(0, db_->execute("SELECT * FROM local_log").rows_affected);
  EXPECT_EQ(3, db_->execute("UPDATE local_log SET msg = upper(msg)").rows_affected);
}

TEST_F(DatabaseQueryTest, GetAllReturnsEveryRowWithTypedCells) {
  db_->execute("INSERT INTO local_log (msg) VALUES ('a'), (NULL)");
  const ResultSet rows = db_->get_all("SELECT n, msg, 1.5, x'0102' FROM local_log ORDER BY n");
  ASSERT_EQ(2u, rows.row_count());
  EXPECT_EQ(ValueType::integer, type_of(rows.at(0, 0)));
  EXPECT_EQ(ValueType::text, type_of(rows.at(0, 1)));
  EXPECT_EQ(ValueType::null, type_of(rows.at(1, 1)));
  EXPECT_EQ(1.5, std::get<double>(rows.at(0, 2)));
  EXPECT_EQ((std::vector<std::uint8_t>{1, 2}), std::get<Blob>(rows.at(1, 3)).bytes);

  const ResultSet empty = db_->get_all("SELECT n FROM local_log WHERE n < 0");
  EXPECT_EQ(0u, empty.row_count());
  EXPECT_EQ((std::vector<std::string>{"n"}), empty.columns);
}

TEST_F(DatabaseQueryTest, GetAndGetOptionalReturnTheFirstRow) {
  db_->execute("INSERT INTO local_log (msg) VALUES ('a'), ('b')");
  const ResultSet first = db_->get("SELECT msg FROM local_log ORDER BY n");
  ASSERT_EQ(1u, first.row_count());
  EXPECT_EQ("a", text(first));
  EXPECT_EQ(1u, db_->get_optional("SELECT msg FROM local_log ORDER BY n DESC").row_count());
  EXPECT_EQ("b", text(db_->get_optional("SELECT msg FROM local_log ORDER BY n DESC")));

  EXPECT_EQ(0u, db_->get_optional("SELECT msg FROM local_log WHERE n > 10").row_count());
  try {
    db_->get("SELECT msg FROM local_log WHERE n > 10");
    FAIL() << "get on an empty result must throw";
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::invalid_argument, e.code());
    EXPECT_STREQ("Result set is empty", e.what());
  }
}

TEST_F(DatabaseQueryTest, ParametersBindEveryValueType) {
  const Params params{Value{}, Value{std::int64_t{42}}, Value{2.5}, Value{std::string("text")},
                      Value{Blob{{0, 255}}}};
  const ResultSet row = db_->get("SELECT ?1, ?2, ?3, ?4, ?5", params);
  for (std::size_t i = 0; i < params.size(); ++i) EXPECT_EQ(params[i], row.at(0, i)) << "parameter " << i + 1;
}

TEST_F(DatabaseQueryTest, WrongParameterCountIsAnInvalidArgument) {
  EXPECT_EQ(ErrorCode::invalid_argument, code_of([&] { db_->get_all("SELECT ?1", {Value{std::int64_t{1}}, Value{std::int64_t{2}}}); }));
  EXPECT_EQ(ErrorCode::invalid_argument, code_of([&] { db_->get_all("SELECT ?1, ?2", {Value{std::int64_t{1}}}); }));
  EXPECT_EQ(ErrorCode::invalid_argument, code_of([&] { db_->get_all("SELECT 1", {Value{std::int64_t{1}}}); }));
  EXPECT_EQ(ErrorCode::invalid_argument,
            code_of([&] { db_->execute("INSERT INTO local_log (msg) VALUES (?)", {}); }));
  EXPECT_EQ(0, count(*db_, "local_log"));
}

TEST_F(DatabaseQueryTest, SqlErrorsCarrySqlitesMessageAndCode) {
  try {
    db_->get_all("SELEC 1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::sql, e.code());
    EXPECT_NE(std::string::npos, std::string(e.what()).find("syntax error")) << e.what();
    EXPECT_EQ(SQLITE_ERROR, e.sqlite_code());
  }
  db_->execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
  db_->execute("INSERT INTO kv VALUES ('a', '1')");
  try {
    db_->execute("INSERT INTO kv VALUES ('a', '2')");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::sql, e.code());
    EXPECT_EQ(SQLITE_CONSTRAINT, e.sqlite_code() & 0xff);
    EXPECT_NE(std::string::npos, std::string(e.what()).find("UNIQUE")) << e.what();
  }
  EXPECT_EQ("1", text(db_->get("SELECT v FROM kv")));
}

TEST_F(DatabaseQueryTest, GetAllRefusesWrites) {
  EXPECT_EQ(ErrorCode::sql, code_of([&] { db_->get_all("INSERT INTO local_log (msg) VALUES ('x')"); }));
  EXPECT_EQ(0, count(*db_, "local_log"));
}

TEST_F(DatabaseQueryTest, MultipleStatementsRunAtomicallyAndReturnTheLastRows) {
  const ResultSet rows =
      db_->execute("INSERT INTO local_log (msg) VALUES ('a'); INSERT INTO local_log (msg) VALUES (?1);"
                   " SELECT msg FROM local_log ORDER BY n",
                   {Value{std::string("b")}});
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), texts(rows));
  // A failing later statement rolls back the earlier ones.
  EXPECT_EQ(ErrorCode::sql,
            code_of([&] { db_->execute("INSERT INTO local_log (msg) VALUES ('c'); INSERT INTO nowhere VALUES (1)"); }));
  EXPECT_EQ(2, count(*db_, "local_log"));
}

TEST_F(DatabaseQueryTest, TransactionControlThroughExecute) {
  db_->execute("BEGIN");
  db_->execute("INSERT INTO local_log (msg) VALUES ('a')");
  db_->execute("ROLLBACK");
  EXPECT_EQ(0, count(*db_, "local_log"));
  db_->execute("BEGIN");
  db_->execute("INSERT INTO local_log (msg) VALUES ('a')");
  db_->execute("COMMIT");
  EXPECT_EQ(1, count(*db_, "local_log"));
}

TEST_F(DatabaseQueryTest, ExecuteBatchRunsEverySetInOneTransaction) {
  EXPECT_EQ(3, db_->execute_batch("INSERT INTO local_log (msg) VALUES (?)",
                                  {{Value{std::string("a")}}, {Value{std::string("b")}}, {Value{std::string("c")}}}));
  EXPECT_EQ(3, count(*db_, "local_log"));
  EXPECT_EQ(0, db_->execute_batch("INSERT INTO local_log (msg) VALUES (?)", {}));

  db_->execute("CREATE TABLE kv (k TEXT PRIMARY KEY)");
  EXPECT_EQ(ErrorCode::sql, code_of([&] {
              db_->execute_batch("INSERT INTO kv VALUES (?)", {{Value{std::string("x")}}, {Value{std::string("x")}}});
            }));
  EXPECT_EQ(0, count(*db_, "kv"));  // the first set was rolled back with the failing one
  EXPECT_EQ(ErrorCode::invalid_argument,
            code_of([&] { db_->execute_batch("INSERT INTO kv VALUES (?)", {{}}); }));
}

TEST_F(DatabaseQueryTest, WritesThroughViewsQueueCrudEntries) {
  const ResultSet inserted =
      db_->execute("INSERT INTO todos (id, description, done, weight) VALUES (?, ?, ?, ?)",
                   {Value{std::string("t1")}, Value{std::string("milk")}, Value{std::int64_t{0}}, Value{1.5}});
  EXPECT_EQ(1, inserted.rows_affected);
  const ResultSet row = db_->get("SELECT id, description, done, weight FROM todos");
  EXPECT_EQ("t1", text(row, 0, 0));
  EXPECT_EQ("milk", text(row, 0, 1));
  EXPECT_EQ(0, integer(row, 0, 2));
  EXPECT_EQ(1.5, std::get<double>(row.at(0, 3)));
  EXPECT_EQ(1, count(*db_, "ps_crud"));

  EXPECT_EQ(2, db_->execute_batch("INSERT INTO todos (id, description) VALUES (?, ?)",
                                  {{Value{std::string("t2")}, Value{std::string("a")}},
                                   {Value{std::string("t3")}, Value{std::string("b")}}}));
  EXPECT_EQ(1, integer(db_->get("SELECT count(DISTINCT tx_id) FROM ps_crud WHERE id > 1")));
}

}  // namespace
}  // namespace powersync
