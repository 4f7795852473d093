// The error funnel: NULL arguments, SQL errors, the thread-local last error.

#include <thread>

#include "capi_test_support.hpp"

using namespace capi_test;

namespace {

bool last_error_mentions(const char* word) {
  return std::string(powersync_last_error_message()).find(word) != std::string::npos;
}

}  // namespace

TEST_F(CapiTest, NullHandlesAreInvalidArgumentsNamingTheParameter) {
  powersync_cursor_t* cursor = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_execute(nullptr, "SELECT 1", nullptr, &cursor));
  EXPECT_TRUE(last_error_mentions("'db'")) << powersync_last_error_message();
  EXPECT_EQ(nullptr, cursor);

  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_execute(db_, nullptr, nullptr, nullptr));
  EXPECT_TRUE(last_error_mentions("'sql'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_all(db_, "SELECT 1", nullptr, nullptr));
  EXPECT_TRUE(last_error_mentions("'out_rows'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_all(nullptr, "SELECT 1", nullptr, &cursor));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_execute_batch(nullptr, "SELECT 1", nullptr, 0, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_update_schema(db_, nullptr));
  EXPECT_TRUE(last_error_mentions("'schema'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_update_schema(nullptr, nullptr));

  const char* client_id = "untouched";
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_client_id(nullptr, &client_id));
  EXPECT_EQ(nullptr, client_id);
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_client_id(db_, nullptr));

  powersync_tx_t* tx = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_begin_write(nullptr, &tx));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_begin_read(nullptr, &tx));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_begin_write(db_, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_tx_execute(nullptr, "SELECT 1", nullptr, nullptr));
  EXPECT_TRUE(last_error_mentions("'tx'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_tx_get_all(nullptr, "SELECT 1", nullptr, &cursor));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_tx_commit(nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_tx_rollback(nullptr));

  powersync_crud_batch_t* batch = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_crud_batch(nullptr, 10, &batch));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_crud_batch(db_, 10, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_next_crud_transaction(nullptr, &batch));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_crud_batch_complete(nullptr, nullptr));
  EXPECT_TRUE(last_error_mentions("'batch'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_upload_queue_stats(nullptr, nullptr, nullptr));

  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_schema_from_json(nullptr, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_new(nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_path(nullptr, "x"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_reader_count(nullptr, 2));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_wal(nullptr, true));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_busy_timeout_ms(nullptr, 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_cache_size_kib(nullptr, 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_new(nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_null(nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_int64(nullptr, 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_double(nullptr, 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_text(nullptr, "a", 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_blob(nullptr, "a", 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_watch_options_new(nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_watch_options_set_throttle_ms(nullptr, 1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_watch_options_set_skip_identical(nullptr, true));

  powersync_db_t* db = nullptr;
  powersync_schema_t* schema = parse_schema();
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_open(nullptr, nullptr, &db));
  EXPECT_TRUE(last_error_mentions("'schema'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_open(nullptr, schema, nullptr));
  EXPECT_EQ(nullptr, db);
  powersync_schema_free(&schema);
}

TEST_F(CapiTest, NullTolerantAccessorsReturnNeutralValues) {
  EXPECT_EQ(nullptr, powersync_schema_get_json(nullptr));
  EXPECT_EQ(0u, powersync_params_count(nullptr));
  powersync_params_clear(nullptr);
  EXPECT_EQ(POWERSYNC_STEP_DONE, powersync_cursor_step(nullptr));
  powersync_cursor_reset(nullptr);
  EXPECT_EQ(0u, powersync_cursor_row_count(nullptr));
  EXPECT_EQ(0u, powersync_cursor_column_count(nullptr));
  EXPECT_EQ(nullptr, powersync_cursor_column_name(nullptr, 0));
  EXPECT_EQ(POWERSYNC_TYPE_NULL, powersync_cursor_type(nullptr, 0));
  EXPECT_EQ(0, powersync_cursor_int64(nullptr, 0));
  EXPECT_EQ(0.0, powersync_cursor_double(nullptr, 0));
  size_t length = 99;
  EXPECT_EQ(nullptr, powersync_cursor_text(nullptr, 0, &length));
  EXPECT_EQ(0u, length);
  EXPECT_EQ(nullptr, powersync_cursor_blob(nullptr, 0, nullptr));
  EXPECT_EQ(0, powersync_cursor_rows_affected(nullptr));
  EXPECT_EQ(0, powersync_cursor_last_insert_id(nullptr));
  EXPECT_EQ(0u, powersync_crud_batch_count(nullptr));
  EXPECT_FALSE(powersync_crud_batch_has_more(nullptr));
  EXPECT_EQ(0, powersync_crud_batch_get_client_id(nullptr, 0));
  EXPECT_EQ(-1, powersync_crud_batch_get_tx_id(nullptr, 0));
  EXPECT_EQ(0, powersync_crud_batch_get_op(nullptr, 0));
  EXPECT_EQ(nullptr, powersync_crud_batch_get_table(nullptr, 0));
  EXPECT_EQ(nullptr, powersync_crud_batch_get_id(nullptr, 0));
  EXPECT_EQ(nullptr, powersync_crud_batch_get_data_json(nullptr, 0));
  EXPECT_EQ(nullptr, powersync_crud_batch_get_old_json(nullptr, 0));
  EXPECT_EQ(nullptr, powersync_crud_batch_get_metadata(nullptr, 0));
  EXPECT_EQ(nullptr, powersync_crud_batch_get_entry_json(nullptr, 0));
}

TEST_F(CapiTest, EveryDestructorAcceptsNullAndIsIdempotent) {
  powersync_schema_free(nullptr);
  powersync_open_options_free(nullptr);
  powersync_db_close(nullptr);
  powersync_params_free(nullptr);
  powersync_cursor_free(nullptr);
  powersync_tx_free(nullptr);
  powersync_crud_batch_free(nullptr);
  powersync_watch_options_free(nullptr);
  powersync_listener_remove(nullptr);

  powersync_schema_t* schema = parse_schema();
  powersync_schema_free(&schema);
  EXPECT_EQ(nullptr, schema);
  powersync_schema_free(&schema);

  powersync_open_options_t* options = nullptr;
  ASSERT_OK(powersync_open_options_new(&options));
  powersync_open_options_free(&options);
  EXPECT_EQ(nullptr, options);
  powersync_open_options_free(&options);

  powersync_params_t* params = nullptr;
  ASSERT_OK(powersync_params_new(&params));
  powersync_params_free(&params);
  EXPECT_EQ(nullptr, params);
  powersync_params_free(&params);

  powersync_cursor_t* cursor = nullptr;
  ASSERT_OK(powersync_db_get_all(db_, "SELECT 1", nullptr, &cursor));
  powersync_cursor_free(&cursor);
  EXPECT_EQ(nullptr, cursor);
  powersync_cursor_free(&cursor);

  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  powersync_tx_free(&tx);
  EXPECT_EQ(nullptr, tx);
  powersync_tx_free(&tx);

  powersync_watch_options_t* watch_options = nullptr;
  ASSERT_OK(powersync_watch_options_new(&watch_options));
  powersync_watch_options_free(&watch_options);
  EXPECT_EQ(nullptr, watch_options);
  powersync_watch_options_free(&watch_options);

  powersync_db_close(&db_);
  EXPECT_EQ(nullptr, db_);
  powersync_db_close(&db_);
}

TEST_F(CapiTest, SqlSyntaxErrorCarriesSqlitesMessageAndCode) {
  powersync_cursor_t* rows = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_db_get_all(db_, "SELEC 1", nullptr, &rows));
  EXPECT_EQ(nullptr, rows);
  EXPECT_EQ(POWERSYNC_ERROR_SQL, powersync_last_error_code());
  EXPECT_TRUE(last_error_mentions("syntax error")) << powersync_last_error_message();
  EXPECT_EQ(1 /* SQLITE_ERROR */, powersync_last_error_sqlite_code());

  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_db_execute(db_, "INSERT INTO nowhere VALUES (1)", nullptr, nullptr));
  EXPECT_TRUE(last_error_mentions("no such table")) << powersync_last_error_message();
}

TEST_F(CapiTest, WrongParameterCountIsRejected) {
  Params p;
  p.int64(1).int64(2);
  powersync_cursor_t* rows = nullptr;
  const powersync_status status = powersync_db_get_all(db_, "SELECT ?1", p.get(), &rows);
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT, status) << powersync_last_error_message();
  EXPECT_EQ(nullptr, rows);
  EXPECT_NE(std::string(""), powersync_last_error_message());
}

TEST_F(CapiTest, FailingWriteLeavesEarlierDataIntact) {
  ASSERT_OK(powersync_db_execute(db_, "CREATE TABLE local_kv (k TEXT PRIMARY KEY, v TEXT)", nullptr, nullptr));
  ASSERT_OK(powersync_db_execute(db_, "INSERT INTO local_kv VALUES ('a', '1')", nullptr, nullptr));
  insert_todo(db_, "t1", "first");

  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_db_execute(db_, "INSERT INTO local_kv VALUES ('a', '2')", nullptr, nullptr));
  EXPECT_TRUE(last_error_mentions("UNIQUE")) << powersync_last_error_message();
  // SQLite reports a duplicate PRIMARY KEY as SQLITE_CONSTRAINT_PRIMARYKEY (message "UNIQUE ...").
  EXPECT_EQ(1555 /* SQLITE_CONSTRAINT_PRIMARYKEY */, powersync_last_error_sqlite_code());

  // A batch whose second set fails is rolled back as a whole.
  Params good, bad;
  good.text("b").text("x");
  bad.text("a").text("y");
  const powersync_params_t* sets[] = {good.get(), bad.get()};
  int64_t changed = 42;
  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_db_execute_batch(db_, "INSERT INTO local_kv VALUES (?1, ?2)", sets, 2, &changed));
  EXPECT_EQ(0, changed);

  EXPECT_EQ((std::vector<std::string>{"1"}), query_texts(db_, "SELECT v FROM local_kv ORDER BY k"));
  EXPECT_EQ((std::vector<std::string>{"first"}), query_texts(db_, "SELECT description FROM todos"));
}

TEST_F(CapiTest, LastErrorIsOnlySetByFailures) {
  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_db_execute(db_, "NOT SQL", nullptr, nullptr));
  const std::string message = powersync_last_error_message();
  ASSERT_FALSE(message.empty());
  ASSERT_OK(powersync_db_execute(db_, "SELECT 1", nullptr, nullptr));
  EXPECT_EQ(message, powersync_last_error_message());
  EXPECT_EQ(POWERSYNC_ERROR_SQL, powersync_last_error_code());
}

TEST_F(CapiTest, LastErrorIsPerThread) {
  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_db_execute(db_, "NOT SQL", nullptr, nullptr));

  std::string other_message = "unset";
  powersync_status other_code = -1;
  int32_t other_sqlite = -1;
  std::string other_after;
  std::thread other([&] {
    other_message = powersync_last_error_message();
    other_code = powersync_last_error_code();
    other_sqlite = powersync_last_error_sqlite_code();
    powersync_db_execute(nullptr, "SELECT 1", nullptr, nullptr);
    other_after = powersync_last_error_message();
  });
  other.join();

  EXPECT_EQ("", other_message);
  EXPECT_EQ(POWERSYNC_OK, other_code);
  EXPECT_EQ(0, other_sqlite);
  EXPECT_NE(std::string::npos, other_after.find("'db'"));
  // This thread still sees its own error, untouched by the other thread's failure.
  EXPECT_EQ(POWERSYNC_ERROR_SQL, powersync_last_error_code());
  EXPECT_TRUE(last_error_mentions("syntax error"));
}
