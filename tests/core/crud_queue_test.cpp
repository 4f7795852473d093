// The upload queue: parsing ps_crud entries, batches, transactions, completion and stats.

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "powersync/crud/crud.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

TEST(CrudEntryParse, ReadsEveryFieldAndKeepsJsonAsStored) {
  const std::string stored =
      R"({"op":"PATCH","id":"t1","type":"todos","data":{"b":1.50,"a":"x"},"old":{"b":1},"metadata":"m\"1"})";
  const CrudEntry entry = parse_crud_entry(7, 3, stored);
  EXPECT_EQ(entry.client_id, 7);
  EXPECT_EQ(entry.tx_id, 3);
  EXPECT_EQ(entry.op, CrudOp::patch);
  EXPECT_EQ(entry.table, "todos");
  EXPECT_EQ(entry.id, "t1");
  EXPECT_EQ(entry.data_json, R"({"b":1.50,"a":"x"})");
  EXPECT_EQ(entry.old_json, R"({"b":1})");
  EXPECT_EQ(entry.metadata, "m\"1");
  EXPECT_EQ(entry.entry_json, stored);
}

TEST(CrudEntryParse, OptionalPartsMayBeMissing) {
  const CrudEntry put = parse_crud_entry(1, std::nullopt, R"({"op":"PUT","type":"t","id":"a","data":{}})");
  EXPECT_EQ(put.op, CrudOp::put);
  EXPECT_FALSE(put.tx_id.has_value());
  EXPECT_EQ(put.data_json, "{}");
  EXPECT_FALSE(put.old_json.has_value());
  EXPECT_FALSE(put.metadata.has_value());

  const CrudEntry removed = parse_crud_entry(2, 1, R"({"op":"DELETE","id":"a","type":"t","data":null})");
  EXPECT_EQ(removed.op, CrudOp::remove);
  EXPECT_FALSE(removed.data_json.has_value());
}

TEST(CrudEntryParse, RejectsRowsThatAreNotCrudEntries) {
  for (const char* bad : {"", "[]", "{", R"({"op":"MERGE","type":"t","id":"a"})", R"({"op":"PUT","id":"a"})",
                          R"({"op":"PUT","type":"t","id":1})"}) {
    try {
      parse_crud_entry(9, 1, bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::internal) << bad;
      EXPECT_NE(std::string(e.what()).find("ps_crud entry 9"), std::string::npos) << e.what();
    }
  }
}

class CrudQueueTest : public ::testing::Test {
 protected:
  CrudQueueTest() : db_({}) {
    ensure_internal_schema(db_);
    register_sql_functions(db_);
  }

  // One local transaction writing a PUT for each id.
  void write_transaction(std::initializer_list<const char*> ids) {
    db_.exec("BEGIN");
    for (const char* id : ids) {
      db_.exec(std::string("INSERT INTO powersync_crud(op, id, type, data) VALUES ('PUT', '") + id +
               "', 'todos', '{\"n\":1}')");
    }
    db_.exec("COMMIT");
  }

  std::optional<std::string> kv(const std::string& key) {
    auto statement = db_.prepare("SELECT value FROM ps_kv WHERE key = ?");
    statement.bind_text(1, key);
    if (!statement.step()) return std::nullopt;
    return std::string(statement.column_text(0));
  }

  std::int64_t queued() { return read_upload_queue_stats(db_).count; }

  Connection db_;
};

TEST_F(CrudQueueTest, EmptyQueue) {
  const CrudBatch batch = read_crud_batch(db_, 10);
  EXPECT_TRUE(batch.entries.empty());
  EXPECT_FALSE(batch.has_more);
  EXPECT_EQ(batch.last_client_id(), 0);
  EXPECT_FALSE(read_next_crud_transaction(db_).has_value());
  const UploadQueueStats stats = read_upload_queue_stats(db_);
  EXPECT_EQ(stats.count, 0);
  EXPECT_EQ(stats.size_bytes, 0);
}

TEST_F(CrudQueueTest, BatchesAreOldestFirstAndTellWhetherMoreWait) {
  write_transaction({"a", "b", "c"});
  write_transaction({"d", "e"});

  CrudBatch batch = read_crud_batch(db_, 2);
  ASSERT_EQ(batch.entries.size(), 2u);
  EXPECT_TRUE(batch.has_more);
  EXPECT_EQ(batch.entries[0].id, "a");
  EXPECT_EQ(batch.entries[1].id, "b");
  EXPECT_LT(batch.entries[0].client_id, batch.entries[1].client_id);
  EXPECT_EQ(batch.last_client_id(), batch.entries[1].client_id);
  EXPECT_EQ(batch.entries[0].tx_id, 1);
  EXPECT_EQ(batch.entries[0].data_json, R"({"n":1})");
  EXPECT_EQ(batch.entries[0].entry_json, R"({"op":"PUT","id":"a","type":"todos","data":{"n":1}})");

  batch = read_crud_batch(db_, 5);
  EXPECT_EQ(batch.entries.size(), 5u);
  EXPECT_FALSE(batch.has_more);
  batch = read_crud_batch(db_, 100);
  EXPECT_EQ(batch.entries.size(), 5u);
  EXPECT_FALSE(batch.has_more);
  EXPECT_EQ(batch.entries[4].tx_id, 2);

  EXPECT_THROW(read_crud_batch(db_, 0), Error);
}

TEST_F(CrudQueueTest, NextTransactionHoldsExactlyTheOldestTransaction) {
  write_transaction({"a", "b"});
  write_transaction({"c"});
  write_transaction({"d", "e", "f"});

  auto first = read_next_crud_transaction(db_);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->entries.size(), 2u);
  EXPECT_EQ(first->entries[0].id, "a");
  EXPECT_EQ(first->entries[1].id, "b");
  EXPECT_EQ(first->entries[0].tx_id, first->entries[1].tx_id);
  EXPECT_TRUE(first->has_more);

  complete_crud(db_, first->last_client_id(), std::nullopt);
  auto second = read_next_crud_transaction(db_);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->entries.size(), 1u);
  EXPECT_EQ(second->entries[0].id, "c");

  complete_crud(db_, second->last_client_id(), std::nullopt);
  auto third = read_next_crud_transaction(db_);
  ASSERT_TRUE(third.has_value());
  ASSERT_EQ(third->entries.size(), 3u);
  EXPECT_FALSE(third->has_more);
  complete_crud(db_, third->last_client_id(), std::nullopt);
  EXPECT_FALSE(read_next_crud_transaction(db_).has_value());
}

TEST_F(CrudQueueTest, EntriesWithoutTransactionIdStandAlone) {
  db_.exec(R"(INSERT INTO ps_crud(data) VALUES ('{"op":"PUT","type":"t","id":"x"}'), ('{"op":"PUT","type":"t","id":"y"}'))");
  auto first = read_next_crud_transaction(db_);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->entries.size(), 1u);
  EXPECT_FALSE(first->entries[0].tx_id.has_value());
  EXPECT_TRUE(first->has_more);
}

TEST_F(CrudQueueTest, CompleteRemovesExactlyTheEntriesUpToTheLastOne) {
  write_transaction({"a", "b", "c", "d"});
  const CrudBatch batch = read_crud_batch(db_, 3);
  ASSERT_EQ(batch.entries.size(), 3u);
  write_transaction({"e"});  // written while uploading

  complete_crud(db_, batch.last_client_id(), std::nullopt);
  const CrudBatch rest = read_crud_batch(db_, 10);
  ASSERT_EQ(rest.entries.size(), 2u);
  EXPECT_EQ(rest.entries[0].id, "d");
  EXPECT_EQ(rest.entries[1].id, "e");

  // Completing the same batch again changes nothing.
  complete_crud(db_, batch.last_client_id(), std::nullopt);
  EXPECT_EQ(queued(), 2);
  EXPECT_FALSE(db_.in_transaction());
}

TEST_F(CrudQueueTest, WriteCheckpointBecomesTheTargetOnceTheQueueIsEmpty) {
  write_transaction({"a", "b"});
  EXPECT_EQ(kv(kTargetCheckpointRequestKey), kMaxOpId);  // set by the write itself

  // Entries remain: the checkpoint cannot cover them, so the sentinel stays.
  complete_crud(db_, read_crud_batch(db_, 1).last_client_id(), std::string("41"));
  EXPECT_EQ(kv(kTargetCheckpointRequestKey), kMaxOpId);

  complete_crud(db_, read_crud_batch(db_, 1).last_client_id(), std::string("42"));
  EXPECT_EQ(queued(), 0);
  EXPECT_EQ(kv(kTargetCheckpointRequestKey), "42");
  auto type = db_.prepare("SELECT typeof(value) FROM ps_kv WHERE key = 'target_checkpoint_request_id'");
  ASSERT_TRUE(type.step());
  EXPECT_EQ(type.column_text(0), "integer");
}

TEST_F(CrudQueueTest, CompletingWithoutCheckpointKeepsDownloadsBlocked) {
  write_transaction({"a"});
  complete_crud(db_, read_crud_batch(db_, 1).last_client_id(), std::nullopt);
  EXPECT_EQ(queued(), 0);
  EXPECT_EQ(kv(kTargetCheckpointRequestKey), kMaxOpId);

  // An empty checkpoint string is treated as none.
  db_.exec("DELETE FROM ps_kv WHERE key = 'target_checkpoint_request_id'");
  complete_crud(db_, 0, std::string());
  EXPECT_EQ(kv(kTargetCheckpointRequestKey), kMaxOpId);
}

TEST_F(CrudQueueTest, CheckpointZeroRemovesTheTarget) {
  write_transaction({"a"});
  complete_crud(db_, read_crud_batch(db_, 1).last_client_id(), std::string("0"));
  EXPECT_FALSE(kv(kTargetCheckpointRequestKey).has_value());
}

TEST_F(CrudQueueTest, AnInvalidCheckpointChangesNothing) {
  write_transaction({"a"});
  const std::int64_t last = read_crud_batch(db_, 1).last_client_id();
  for (const char* bad : {"abc", "-1", "12x", "99999999999999999999"}) {
    try {
      complete_crud(db_, last, std::string(bad));
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
  }
  EXPECT_EQ(queued(), 1);
  EXPECT_FALSE(db_.in_transaction());
}

TEST_F(CrudQueueTest, StatsCountEntriesAndTheirBytes) {
  write_transaction({"a", "b"});
  db_.exec(R"(INSERT INTO ps_crud(data, tx_id) VALUES ('{"op":"PUT","type":"t","id":"é"}', 9))");
  const UploadQueueStats stats = read_upload_queue_stats(db_);
  EXPECT_EQ(stats.count, 3);
  const std::size_t expected = 2 * std::string(R"({"op":"PUT","id":"a","type":"todos","data":{"n":1}})").size() +
                               std::string(R"({"op":"PUT","type":"t","id":"é"})").size();
  EXPECT_EQ(stats.size_bytes, static_cast<std::int64_t>(expected));
}

}  // namespace
}  // namespace powersync
