// The upload queue through the C ABI: batches, transactions, completion, stats.

#include "capi_test_support.hpp"

using namespace capi_test;

namespace {

bool contains(const char* haystack, const char* needle) {
  return haystack != nullptr && std::string(haystack).find(needle) != std::string::npos;
}

}  // namespace

TEST_F(CapiTest, EmptyQueueGivesNullBatches) {
  powersync_crud_batch_t* batch = reinterpret_cast<powersync_crud_batch_t*>(0x1);
  ASSERT_OK(powersync_db_get_crud_batch(db_, 10, &batch));
  EXPECT_EQ(nullptr, batch);
  batch = reinterpret_cast<powersync_crud_batch_t*>(0x1);
  ASSERT_OK(powersync_db_get_next_crud_transaction(db_, &batch));
  EXPECT_EQ(nullptr, batch);
  int64_t count = -1, size = -1;
  ASSERT_OK(powersync_db_get_upload_queue_stats(db_, &count, &size));
  EXPECT_EQ(0, count);
  EXPECT_EQ(0, size);
  ASSERT_OK(powersync_db_get_upload_queue_stats(db_, nullptr, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_crud_batch(db_, 0, &batch));
}

TEST_F(CapiTest, CrudBatchRoundTrip) {
  insert_todo(db_, "t1", "write tests");
  ASSERT_OK(powersync_db_execute(db_, "UPDATE todos SET done = 1 WHERE id = 't1'", nullptr, nullptr));
  ASSERT_OK(powersync_db_execute(db_, "DELETE FROM todos WHERE id = 't1'", nullptr, nullptr));
  insert_todo(db_, "t2", "later");

  int64_t count = 0, size = 0;
  ASSERT_OK(powersync_db_get_upload_queue_stats(db_, &count, &size));
  EXPECT_EQ(4, count);
  EXPECT_GT(size, 0);

  powersync_crud_batch_t* batch = nullptr;
  ASSERT_OK(powersync_db_get_crud_batch(db_, 3, &batch));
  ASSERT_NE(nullptr, batch);
  ASSERT_EQ(3u, powersync_crud_batch_count(batch));
  EXPECT_TRUE(powersync_crud_batch_has_more(batch));

  EXPECT_EQ(POWERSYNC_CRUD_PUT, powersync_crud_batch_get_op(batch, 0));
  EXPECT_EQ(POWERSYNC_CRUD_PATCH, powersync_crud_batch_get_op(batch, 1));
  EXPECT_EQ(POWERSYNC_CRUD_DELETE, powersync_crud_batch_get_op(batch, 2));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_STREQ("todos", powersync_crud_batch_get_table(batch, i));
    EXPECT_STREQ("t1", powersync_crud_batch_get_id(batch, i));
    EXPECT_GE(powersync_crud_batch_get_tx_id(batch, i), 0);
    EXPECT_NE(nullptr, powersync_crud_batch_get_entry_json(batch, i));
    EXPECT_EQ(nullptr, powersync_crud_batch_get_old_json(batch, i));   // no include_old
    EXPECT_EQ(nullptr, powersync_crud_batch_get_metadata(batch, i));   // no include_metadata
  }
  EXPECT_LT(powersync_crud_batch_get_client_id(batch, 0), powersync_crud_batch_get_client_id(batch, 1));
  EXPECT_TRUE(contains(powersync_crud_batch_get_data_json(batch, 0), "\"description\":\"write tests\""))
      << powersync_crud_batch_get_data_json(batch, 0);
  EXPECT_TRUE(contains(powersync_crud_batch_get_data_json(batch, 1), "\"done\":1"))
      << powersync_crud_batch_get_data_json(batch, 1);
  EXPECT_TRUE(contains(powersync_crud_batch_get_entry_json(batch, 2), "DELETE"))
      << powersync_crud_batch_get_entry_json(batch, 2);

  // Out of range entries read as absent.
  EXPECT_EQ(nullptr, powersync_crud_batch_get_id(batch, 3));
  EXPECT_EQ(0, powersync_crud_batch_get_op(batch, 3));
  EXPECT_EQ(-1, powersync_crud_batch_get_tx_id(batch, 3));

  ASSERT_OK(powersync_crud_batch_complete(batch, nullptr));
  ASSERT_OK(powersync_crud_batch_complete(batch, nullptr));  // completing again changes nothing
  powersync_crud_batch_free(&batch);
  EXPECT_EQ(nullptr, batch);

  ASSERT_OK(powersync_db_get_upload_queue_stats(db_, &count, nullptr));
  EXPECT_EQ(1, count);

  ASSERT_OK(powersync_db_get_crud_batch(db_, 10, &batch));
  ASSERT_EQ(1u, powersync_crud_batch_count(batch));
  EXPECT_FALSE(powersync_crud_batch_has_more(batch));
  EXPECT_STREQ("t2", powersync_crud_batch_get_id(batch, 0));
  ASSERT_OK(powersync_crud_batch_complete(batch, "42"));
  powersync_crud_batch_free(&batch);
  powersync_crud_batch_free(&batch);

  ASSERT_OK(powersync_db_get_upload_queue_stats(db_, &count, nullptr));
  EXPECT_EQ(0, count);
}

TEST_F(CapiTest, NextCrudTransactionGroupsByTransaction) {
  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO todos (id, description) VALUES ('a', '1')", nullptr, nullptr));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO lists (id, name) VALUES ('l', 'groceries')", nullptr, nullptr));
  ASSERT_OK(powersync_tx_commit(tx));
  powersync_tx_free(&tx);
  insert_todo(db_, "b", "2");

  powersync_crud_batch_t* first = nullptr;
  ASSERT_OK(powersync_db_get_next_crud_transaction(db_, &first));
  ASSERT_NE(nullptr, first);
  ASSERT_EQ(2u, powersync_crud_batch_count(first));
  EXPECT_EQ(powersync_crud_batch_get_tx_id(first, 0), powersync_crud_batch_get_tx_id(first, 1));
  EXPECT_STREQ("todos", powersync_crud_batch_get_table(first, 0));
  EXPECT_STREQ("lists", powersync_crud_batch_get_table(first, 1));
  ASSERT_OK(powersync_crud_batch_complete(first, nullptr));
  powersync_crud_batch_free(&first);

  powersync_crud_batch_t* second = nullptr;
  ASSERT_OK(powersync_db_get_next_crud_transaction(db_, &second));
  ASSERT_NE(nullptr, second);
  ASSERT_EQ(1u, powersync_crud_batch_count(second));
  EXPECT_STREQ("b", powersync_crud_batch_get_id(second, 0));
  ASSERT_OK(powersync_crud_batch_complete(second, nullptr));
  powersync_crud_batch_free(&second);

  ASSERT_OK(powersync_db_get_next_crud_transaction(db_, &second));
  EXPECT_EQ(nullptr, second);
}

TEST(CapiCrud, OldValuesAndMetadataAreExposed) {
  powersync_db_t* db = open_db(nullptr, R"({"tables":[{"name":"notes","columns":[{"name":"body","type":"text"}],
      "include_old":true,"include_metadata":true}]})");
  ASSERT_NE(nullptr, db);
  ASSERT_OK(powersync_db_execute(db, "INSERT INTO notes (id, body) VALUES ('n', 'v1')", nullptr, nullptr));
  ASSERT_OK(powersync_db_execute(db, "UPDATE notes SET body = 'v2', _metadata = 'why' WHERE id = 'n'", nullptr, nullptr));
  powersync_crud_batch_t* batch = nullptr;
  ASSERT_OK(powersync_db_get_crud_batch(db, 10, &batch));
  ASSERT_EQ(2u, powersync_crud_batch_count(batch));
  EXPECT_EQ(POWERSYNC_CRUD_PATCH, powersync_crud_batch_get_op(batch, 1));
  EXPECT_TRUE(contains(powersync_crud_batch_get_old_json(batch, 1), "\"body\":\"v1\""))
      << (powersync_crud_batch_get_old_json(batch, 1) ? powersync_crud_batch_get_old_json(batch, 1) : "NULL");
  EXPECT_STREQ("why", powersync_crud_batch_get_metadata(batch, 1));
  powersync_crud_batch_free(&batch);
  powersync_db_close(&db);
}
