// Writes and reads through the database handle, and use after close.

#include "capi_test_support.hpp"

using namespace capi_test;

TEST_F(CapiTest, ExecuteReportsRowsAffectedReturningAndLastInsertId) {
  ASSERT_OK(powersync_db_execute(db_, "CREATE TABLE local_log (n INTEGER PRIMARY KEY AUTOINCREMENT, msg TEXT)",
                                 nullptr, nullptr));
  powersync_cursor_t* result = nullptr;
  ASSERT_OK(powersync_db_execute(db_, "INSERT INTO local_log (msg) VALUES ('a'), ('b')", nullptr, &result));
  EXPECT_EQ(2, powersync_cursor_rows_affected(result));
  EXPECT_EQ(2, powersync_cursor_last_insert_id(result));
  EXPECT_EQ(0u, powersync_cursor_row_count(result));
  powersync_cursor_free(&result);

  ASSERT_OK(powersync_db_execute(db_, "INSERT INTO local_log (msg) VALUES ('c') RETURNING n, msg", nullptr, &result));
  ASSERT_EQ(1u, powersync_cursor_row_count(result));
  ASSERT_EQ(POWERSYNC_STEP_ROW, powersync_cursor_step(result));
  EXPECT_EQ(3, powersync_cursor_int64(result, 0));
  EXPECT_STREQ("c", powersync_cursor_text(result, 1, nullptr));
  powersync_cursor_free(&result);
}

TEST_F(CapiTest, WritesThroughViewsAreReadBack) {
  Params p;
  p.text("t1").text("buy milk").int64(0).real(1.5);
  powersync_cursor_t* result = nullptr;
  ASSERT_OK(powersync_db_execute(db_, "INSERT INTO todos (id, description, done, weight) VALUES (?, ?, ?, ?)", p.get(),
                                 &result));
  EXPECT_EQ(1, powersync_cursor_rows_affected(result));
  powersync_cursor_free(&result);

  powersync_cursor_t* rows = nullptr;
  ASSERT_OK(powersync_db_get_all(db_, "SELECT id, description, done, weight FROM todos", nullptr, &rows));
  ASSERT_EQ(POWERSYNC_STEP_ROW, powersync_cursor_step(rows));
  EXPECT_STREQ("t1", powersync_cursor_text(rows, 0, nullptr));
  EXPECT_STREQ("buy milk", powersync_cursor_text(rows, 1, nullptr));
  EXPECT_EQ(POWERSYNC_TYPE_INTEGER, powersync_cursor_type(rows, 2));
  EXPECT_EQ(0, powersync_cursor_int64(rows, 2));
  EXPECT_EQ(POWERSYNC_TYPE_REAL, powersync_cursor_type(rows, 3));
  EXPECT_EQ(1.5, powersync_cursor_double(rows, 3));
  powersync_cursor_free(&rows);
}

TEST_F(CapiTest, ExecuteBatchRunsEverySetInOneTransaction) {
  Params a, b, c;
  a.text("1").text("one");
  b.text("2").text("two");
  c.text("3").text("three");
  const powersync_params_t* sets[] = {a.get(), b.get(), c.get()};
  int64_t changed = 0;
  ASSERT_OK(powersync_db_execute_batch(db_, "INSERT INTO todos (id, description) VALUES (?1, ?2)", sets, 3, &changed));
  EXPECT_EQ(3, changed);
  EXPECT_EQ(3, query_int(db_, "SELECT count(*) FROM todos"));
  // One local transaction: all three queued entries share a transaction id.
  EXPECT_EQ(1, query_int(db_, "SELECT count(DISTINCT tx_id) FROM ps_crud"));

  ASSERT_OK(powersync_db_execute_batch(db_, "INSERT INTO todos (id, description) VALUES ('x', 'y')", nullptr, 0, nullptr));
  const powersync_params_t* with_null[] = {a.get(), nullptr};
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_execute_batch(db_, "SELECT ?1, ?2", with_null, 2, nullptr));
  EXPECT_NE(std::string::npos, std::string(powersync_last_error_message()).find("param_sets[1]"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_execute_batch(db_, "SELECT 1", nullptr, 2, nullptr));
}

TEST_F(CapiTest, EverythingReportsClosedAfterCloseButCursorsStayReadable) {
  insert_todo(db_, "t1", "before close");
  powersync_cursor_t* rows = nullptr;
  ASSERT_OK(powersync_db_get_all(db_, "SELECT description FROM todos", nullptr, &rows));

  powersync_crud_batch_t* batch = nullptr;
  ASSERT_OK(powersync_db_get_crud_batch(db_, 10, &batch));
  ASSERT_NE(nullptr, batch);
  powersync_tx_t* tx = nullptr;  // in-memory: holds the only connection until close
  ASSERT_OK(powersync_db_begin_write(db_, &tx));

  powersync_db_close(&db_);
  EXPECT_EQ(nullptr, db_);

  EXPECT_EQ((std::vector<std::string>{"before close"}), column_texts(rows));
  powersync_cursor_free(&rows);

  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_execute(tx, "SELECT 1", nullptr, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_commit(tx));
  EXPECT_EQ(POWERSYNC_ERROR_CLOSED, powersync_last_error_code());
  powersync_tx_free(&tx);

  EXPECT_EQ(1u, powersync_crud_batch_count(batch));
  EXPECT_STREQ("t1", powersync_crud_batch_get_id(batch, 0));
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_crud_batch_complete(batch, nullptr));
  powersync_crud_batch_free(&batch);
}
