// Explicit transactions: commit, rollback, free, read-only, snapshots.

#include <thread>

#include "capi_test_support.hpp"

using namespace capi_test;

TEST_F(CapiTest, CommittedWritesAreVisible) {
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('a', 'in tx')", nullptr, nullptr));
  powersync_cursor_t* inside = nullptr;
  ASSERT_OK(powersync_tx_get_all(tx, "SELECT description FROM todos", nullptr, &inside));
  EXPECT_EQ((std::vector<std::string>{"in tx"}), column_texts(inside));
  powersync_cursor_free(&inside);
  ASSERT_OK(powersync_tx_commit(tx));

  // Finished: further use reports CLOSED, freeing is still required and harmless.
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_commit(tx));
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_rollback(tx));
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_execute(tx, "SELECT 1", nullptr, nullptr));
  powersync_tx_free(&tx);

  EXPECT_EQ((std::vector<std::string>{"in tx"}), query_texts(db_, "SELECT description FROM todos"));
}

TEST_F(CapiTest, RollbackAndFreeDiscardWrites) {
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('a', 'rolled back')", nullptr, nullptr));
  ASSERT_OK(powersync_tx_rollback(tx));
  powersync_tx_free(&tx);

  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('b', 'freed')", nullptr, nullptr));
  powersync_tx_free(&tx);  // never committed: rolled back

  EXPECT_EQ(0, query_int(db_, "SELECT count(*) FROM todos"));
  EXPECT_EQ(0, query_int(db_, "SELECT count(*) FROM ps_crud"));
  // The writer was released: a plain write works again.
  insert_todo(db_, "c", "after");
  EXPECT_EQ(1, query_int(db_, "SELECT count(*) FROM todos"));
}

TEST_F(CapiTest, SqlErrorInsideTransactionKeepsItUsable) {
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('a', 'kept')", nullptr, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_SQL, powersync_tx_execute(tx, "INSERT INTO nope VALUES (1)", nullptr, nullptr));
  ASSERT_OK(powersync_tx_commit(tx));
  powersync_tx_free(&tx);
  EXPECT_EQ((std::vector<std::string>{"kept"}), query_texts(db_, "SELECT description FROM todos"));
}

TEST_F(CapiTest, ReadTransactionRejectsWrites) {
  insert_todo(db_, "a", "existing");
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_read(db_, &tx));
  const powersync_status status =
      powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('b', 'sneaky')", nullptr, nullptr);
  EXPECT_NE(POWERSYNC_OK, status);
  powersync_cursor_t* rows = nullptr;
  ASSERT_OK(powersync_tx_get_all(tx, "SELECT description FROM todos", nullptr, &rows));
  EXPECT_EQ((std::vector<std::string>{"existing"}), column_texts(rows));
  powersync_cursor_free(&rows);
  ASSERT_OK(powersync_tx_commit(tx));
  powersync_tx_free(&tx);
  EXPECT_EQ(1, query_int(db_, "SELECT count(*) FROM todos"));
}

TEST(CapiTx, ReadTransactionSeesOneSnapshot) {
  TempDir dir;
  const std::string path = dir.file("snap.db");
  powersync_db_t* db = open_db(path.c_str());
  ASSERT_NE(nullptr, db);
  insert_todo(db, "a", "one");

  powersync_tx_t* read = nullptr;
  ASSERT_OK(powersync_db_begin_read(db, &read));
  powersync_cursor_t* rows = nullptr;
  ASSERT_OK(powersync_tx_get_all(read, "SELECT count(*) FROM todos", nullptr, &rows));
  powersync_cursor_step(rows);
  EXPECT_EQ(1, powersync_cursor_int64(rows, 0));
  powersync_cursor_free(&rows);

  insert_todo(db, "b", "two");  // the writer is not blocked by the reader (WAL)

  ASSERT_OK(powersync_tx_get_all(read, "SELECT count(*) FROM todos", nullptr, &rows));
  powersync_cursor_step(rows);
  EXPECT_EQ(1, powersync_cursor_int64(rows, 0));  // still the pinned snapshot
  powersync_cursor_free(&rows);
  powersync_tx_free(&read);

  EXPECT_EQ(2, query_int(db, "SELECT count(*) FROM todos"));
  powersync_db_close(&db);
}

TEST_F(CapiTest, TransactionMayMoveBetweenThreads) {
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  powersync_status in_thread = -1;
  std::thread other([&] {
    in_thread = powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('m', 'moved')", nullptr, nullptr);
  });
  other.join();
  EXPECT_EQ(POWERSYNC_OK, in_thread);
  std::thread committer([&] { in_thread = powersync_tx_commit(tx); });
  committer.join();
  EXPECT_EQ(POWERSYNC_OK, in_thread);
  powersync_tx_free(&tx);
  EXPECT_EQ((std::vector<std::string>{"moved"}), query_texts(db_, "SELECT description FROM todos"));
}

TEST(CapiTx, CloseRollsBackOpenTransactions) {
  TempDir dir;
  const std::string path = dir.file("rb.db");
  powersync_db_t* db = open_db(path.c_str());
  insert_todo(db, "a", "committed");
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('b', 'pending')", nullptr, nullptr));
  powersync_tx_t* read = nullptr;
  ASSERT_OK(powersync_db_begin_read(db, &read));

  powersync_db_close(&db);  // rolls back both instead of waiting for them

  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_execute(tx, "SELECT 1", nullptr, nullptr));
  powersync_cursor_t* rows = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_get_all(read, "SELECT 1", nullptr, &rows));
  EXPECT_EQ(nullptr, rows);
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_tx_rollback(read));
  powersync_tx_free(&tx);
  powersync_tx_free(&read);
  powersync_tx_free(&read);

  db = open_db(path.c_str());
  EXPECT_EQ((std::vector<std::string>{"committed"}), query_texts(db, "SELECT description FROM todos"));
  powersync_db_close(&db);
}
