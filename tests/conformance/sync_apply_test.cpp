// Differential test of the download side: the same sync lines fed to the official core
// (powersync_control) and to our BucketStorage must leave the same buckets, oplog, synced
// rows and sync state.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "official_core.hpp"
#include "powersync/crud/crud.hpp"
#include "powersync/protocol/sync_line.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_apply.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/sync/download_session.hpp"
#include "sync_state_compare.hpp"

namespace powersync::conformance {
namespace {

constexpr const char* kSchema =
    R"({"tables":[{"name":"lists","columns":[{"name":"name","type":"text"}]},)"
    R"({"name":"todos","columns":[{"name":"list_id","type":"text"},{"name":"done","type":"integer"}]}]})";

// Our download session, fed the same lines one by one.
class OurClient {
 public:
  OurClient() : db_(ConnectionOptions{}) {
    register_sql_functions(db_);
    const std::string client_id = ensure_internal_schema(db_);
    apply_schema(db_, parse_schema_json(kSchema));
    session_ = std::make_unique<sync::DownloadSession>(sync::SessionOptions{client_id});
    session_->start(db_);
  }

  void line(const std::string& text) { session_->handle_line(db_, protocol::parse_json_line(text), text.size()); }
  // What a connector's upload does: drain ps_crud with the backend's write checkpoint.
  void upload(const std::string& write_checkpoint) {
    auto batch = read_crud_batch(db_, 100);
    complete_crud(db_, batch.last_client_id(), write_checkpoint);
    session_->upload_completed(db_);
  }

  Connection& db() { return db_; }

 private:
  Connection db_;
  std::unique_ptr<sync::DownloadSession> session_;
};

class OfficialClient {
 public:
  OfficialClient() : db_(open_official(":memory:", kSchema)) {
    control("start", std::string(R"({"parameters":{},"schema":)") + kSchema + "}");
  }
  void line(const std::string& text) { control("line_text", text); }
  // The official SDK's upload completion: remove the entries, set the target, tell the core.
  void upload(const std::string& write_checkpoint) {
    {
      TransactionGuard tx(*db_);
      db_->exec("DELETE FROM ps_crud");
      auto target = db_->prepare("SELECT powersync_control('target_checkpoint_request_id', ?)");
      target.bind_int64(1, std::stoll(write_checkpoint));
      target.run();
      tx.commit();
    }
    TransactionGuard tx(*db_);
    auto stmt = db_->prepare("SELECT powersync_control('completed_upload', NULL)");
    stmt.run();
    tx.commit();
  }
  Connection& db() { return *db_; }

 private:
  void control(const std::string& op, const std::string& payload) {
    TransactionGuard tx(*db_);
    auto stmt = db_->prepare("SELECT powersync_control(?, ?)");
    stmt.bind_text(1, op);
    stmt.bind_text(2, payload);
    stmt.run();
    tx.commit();
  }
  std::unique_ptr<Connection> db_;
};

class SyncApply : public ::testing::Test {
 protected:
  void feed(const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
      ours.line(l);
      official.line(l);
    }
    expect_same_sync_state(ours.db(), official.db());
  }
  OurClient ours;
  OfficialClient official;
};

std::string put(int op_id, const std::string& type, const std::string& id, const std::string& json_data,
                std::uint32_t checksum, const std::string& subkey = "") {
  std::string escaped;
  for (char c : json_data) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return R"({"op_id":")" + std::to_string(op_id) + R"(","op":"PUT","object_type":")" + type +
         R"(","object_id":")" + id + R"(","checksum":)" + std::to_string(checksum) +
         (subkey.empty() ? "" : R"(,"subkey":")" + subkey + "\"") + R"(,"data":")" + escaped + "\"}";
}

std::string remove(int op_id, const std::string& type, const std::string& id, std::uint32_t checksum) {
  return R"({"op_id":")" + std::to_string(op_id) + R"(","op":"REMOVE","object_type":")" + type +
         R"(","object_id":")" + id + R"(","checksum":)" + std::to_string(checksum) + R"(,"data":null})";
}

std::string data(const std::string& bucket, const std::vector<std::string>& ops, bool has_more = false) {
  std::string joined;
  for (const auto& op : ops) joined += (joined.empty() ? "" : ",") + op;
  return R"({"data":{"bucket":")" + bucket + R"(","has_more":)" + (has_more ? "true" : "false") +
         R"(,"data":[)" + joined + "]}}";
}

std::string bucket(const std::string& name, std::uint32_t checksum, int priority = 3, int count = 0) {
  return R"({"bucket":")" + name + R"(","checksum":)" + std::to_string(checksum) + R"(,"priority":)" +
         std::to_string(priority) + R"(,"count":)" + std::to_string(count) + "}";
}

std::string checkpoint(int last_op, const std::vector<std::string>& buckets, const std::string& extra = "") {
  std::string joined;
  for (const auto& b : buckets) joined += (joined.empty() ? "" : ",") + b;
  return R"({"checkpoint":{"last_op_id":")" + std::to_string(last_op) + "\"" + extra + R"(,"buckets":[)" + joined +
         "]}}";
}

const std::string kComplete = R"({"checkpoint_complete":{"last_op_id":"0"}})";

TEST_F(SyncApply, InitialSyncOfKnownAndUnknownTables) {
  feed({checkpoint(3, {bucket("b1", 4000000000u + 5u, 3, 3)}),
        data("b1", {put(1, "lists", "l1", R"({"id":"l1","name":"groceries"})", 4000000000u),
                    put(2, "todos", "t1", R"({"id":"t1","list_id":"l1","done":0})", 2),
                    put(3, "unknown", "u1", R"({"id":"u1"})", 3)}),
        kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT name FROM lists"), "groceries\n");
}

TEST_F(SyncApply, UpdatesRemovesAndSupersededOps) {
  feed({checkpoint(2, {bucket("b1", 3, 3, 2)}),
        data("b1", {put(1, "lists", "l1", R"({"id":"l1","name":"a"})", 1),
                    put(2, "lists", "l2", R"({"id":"l2","name":"b"})", 2)}),
        kComplete});
  feed({R"({"checkpoint_diff":{"last_op_id":"4","updated_buckets":[)" + bucket("b1", 3 + 10 + 20, 3, 4) +
            R"(],"removed_buckets":[]}})",
        data("b1", {put(3, "lists", "l1", R"({"id":"l1","name":"a2"})", 10), remove(4, "lists", "l2", 20)}),
        kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT id, name FROM lists"), "l1|a2\n");
}

TEST_F(SyncApply, SameRowInTwoBucketsSurvivesRemovalFromOne) {
  feed({checkpoint(2, {bucket("a", 1), bucket("b", 2)}),
        data("a", {put(1, "lists", "l1", R"({"id":"l1","name":"from a"})", 1)}),
        data("b", {put(2, "lists", "l1", R"({"id":"l1","name":"from b"})", 2)}),
        kComplete});
  feed({R"({"checkpoint_diff":{"last_op_id":"3","updated_buckets":[)" + bucket("b", 2 + 7) +
            R"(],"removed_buckets":[]}})",
        data("b", {remove(3, "lists", "l1", 7)}), kComplete});
  feed({R"({"checkpoint_diff":{"last_op_id":"3","updated_buckets":[],"removed_buckets":["a"]}})", kComplete});
}

TEST_F(SyncApply, ChecksumMismatchDropsOnlyThatBucket) {
  feed({checkpoint(2, {bucket("good", 1), bucket("bad", 999)}),
        data("good", {put(1, "lists", "l1", R"({"id":"l1","name":"ok"})", 1)}),
        data("bad", {put(2, "lists", "l2", R"({"id":"l2","name":"corrupt"})", 2)}),
        kComplete});
}

TEST_F(SyncApply, PartialCheckpointAppliesItsPriorityFirst) {
  feed({checkpoint(2, {bucket("urgent", 1, 1), bucket("later", 2, 3)}),
        data("urgent", {put(1, "lists", "l1", R"({"id":"l1","name":"urgent"})", 1)}),
        R"({"partial_checkpoint_complete":{"last_op_id":"2","priority":1}})"});
  EXPECT_EQ(dump(ours.db(), "SELECT name FROM lists"), "urgent\n");
  feed({data("later", {put(2, "lists", "l2", R"({"id":"l2","name":"later"})", 2)}), kComplete});
}

TEST_F(SyncApply, LocalWritesHoldBackDownloadsExceptPriorityZero) {
  for (Connection* db : {&ours.db(), &official.db()}) {
    db->exec("INSERT INTO lists(id, name) VALUES ('local', 'mine')");
  }
  feed({checkpoint(2, {bucket("p0", 1, 0), bucket("p3", 2, 3)}),
        data("p0", {put(1, "lists", "l0", R"({"id":"l0","name":"zero"})", 1)}),
        R"({"partial_checkpoint_complete":{"last_op_id":"2","priority":0}})",
        data("p3", {put(2, "lists", "l3", R"({"id":"l3","name":"three"})", 2)}), kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT id FROM lists ORDER BY id"), "l0\nlocal\n");
}

TEST_F(SyncApply, ClearAndMoveOps) {
  feed({checkpoint(2, {bucket("b", 3)}),
        data("b", {put(1, "lists", "l1", R"({"id":"l1","name":"a"})", 1),
                   put(2, "lists", "l2", R"({"id":"l2","name":"b"})", 2)}),
        kComplete});
  feed({R"({"checkpoint_diff":{"last_op_id":"5","updated_buckets":[)" + bucket("b", 100 + 9 + 4) +
            R"(],"removed_buckets":[]}})",
        data("b", {R"({"op_id":"3","op":"CLEAR","checksum":100})", R"({"op_id":"4","op":"MOVE","checksum":9})",
                   put(5, "lists", "l2", R"({"id":"l2","name":"b2"})", 4)}),
        kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT id, name FROM lists"), "l2|b2\n");
}

TEST_F(SyncApply, SubkeysKeepSeparateOpsForOneRow) {
  feed({checkpoint(2, {bucket("b", 3)}),
        data("b", {put(1, "lists", "l1", R"({"id":"l1","name":"x"})", 1, "k1"),
                   put(2, "lists", "l1", R"({"id":"l1","name":"y"})", 2, "k2")}),
        kComplete});
}

TEST_F(SyncApply, ClearForgetsSyncedAndQueuedData) {
  for (Connection* db : {&ours.db(), &official.db()}) {
    db->exec("INSERT INTO lists(id, name) VALUES ('mine', 'local')");
  }
  feed({checkpoint(1, {bucket("p0", 1, 0)}), data("p0", {put(1, "lists", "l1", R"({"id":"l1","name":"remote"})", 1)}),
        R"({"partial_checkpoint_complete":{"last_op_id":"1","priority":0}})"});
  sync::clear_replica(ours.db(), false);
  TransactionGuard tx(official.db());
  official.db().exec("SELECT powersync_clear(0)");
  tx.commit();
  expect_same_sync_state(ours.db(), official.db());
  EXPECT_EQ(dump(ours.db(), "SELECT count(*) FROM lists"), "0\n");
  EXPECT_EQ(dump(ours.db(), "SELECT count(*) FROM ps_crud"), "0\n");
}

TEST_F(SyncApply, WriteCheckpointHoldsDataUntilTheUploadIsVisible) {
  for (Connection* db : {&ours.db(), &official.db()}) {
    db->exec("INSERT INTO lists(id, name) VALUES ('mine', 'local')");
  }
  // Data arrives while the local write is queued: validated but held back.
  feed({checkpoint(1, {bucket("b", 1)}), data("b", {put(1, "lists", "l1", R"({"id":"l1","name":"remote"})", 1)}),
        kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT id FROM lists ORDER BY id"), "mine\n");
  // The upload completes with write checkpoint 5; the stream has not reached it yet.
  ours.upload("5");
  official.upload("5");
  expect_same_sync_state(ours.db(), official.db());
  // The service reports the write checkpoint along with the uploaded row.
  feed({R"({"checkpoint_diff":{"last_op_id":"2","write_checkpoint":"5","updated_buckets":[)" + bucket("b", 1 + 2) +
            R"(],"removed_buckets":[]}})",
        data("b", {put(2, "lists", "mine", R"({"id":"mine","name":"local"})", 2)}), kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT id FROM lists ORDER BY id"), "l1\nmine\n");
}

// Downloads of at least 10,000 ops into an empty oplog take the bulk-load path (row indexes
// dropped while downloading, superseded ops removed afterwards): the end state must still be
// the official core's, op for op.
class BulkSyncApply : public SyncApply {
 protected:
  static std::string list_put(int op_id, int row, const std::string& name) {
    const std::string id = "l" + std::to_string(row);
    return put(op_id, "lists", id, R"({"id":")" + id + R"(","name":")" + name + "\"}", 1000u + op_id);
  }
  // Lines of `per_line` ops of one bucket, op ids from `first_op`, rows picked by `row_of`.
  template <typename RowOf>
  static std::vector<std::string> lines(const std::string& bucket_name, int first_op, int ops, RowOf row_of,
                                        const std::string& name, std::uint32_t& checksum) {
    std::vector<std::string> out;
    std::vector<std::string> batch;
    for (int i = 0; i < ops; ++i) {
      const int op_id = first_op + i;
      batch.push_back(list_put(op_id, row_of(i), name));
      checksum += 1000u + static_cast<std::uint32_t>(op_id);
      if (batch.size() == 1000 || i + 1 == ops) {
        out.push_back(data(bucket_name, batch));
        batch.clear();
      }
    }
    return out;
  }
  bool has_row_indexes(Connection& db) {
    return dump(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('ps_oplog_row', 'ps_oplog_key')") == "2\n";
  }
};

TEST_F(BulkSyncApply, SupersededOpsAndRowsInTwoBuckets) {
  std::uint32_t a = 0, b = 0;
  // Bucket a: 11,000 rows, then 500 of them again; bucket b: 300 of the same rows, newer.
  auto first = lines("a", 1, 11000, [](int i) { return i; }, "first", a);
  auto again = lines("a", 20001, 500, [](int i) { return i * 7; }, "again", a);
  auto other = lines("b", 30001, 300, [](int i) { return i * 3; }, "from b", b);
  std::vector<std::string> all = {checkpoint(30300, {bucket("a", a, 3, 11500), bucket("b", b, 3, 300)})};
  all.insert(all.end(), first.begin(), first.end());
  all.insert(all.end(), again.begin(), again.end());
  all.insert(all.end(), other.begin(), other.end());
  all.push_back(kComplete);
  feed(all);
  EXPECT_TRUE(has_row_indexes(ours.db()));
  EXPECT_EQ(dump(ours.db(), "SELECT count(*) FROM lists"), "11000\n");
  EXPECT_EQ(dump(ours.db(), "SELECT name FROM lists WHERE id = 'l21'"), "from b\n");
  EXPECT_EQ(dump(ours.db(), "SELECT name FROM lists WHERE id = 'l14'"), "again\n");
}

TEST_F(BulkSyncApply, ARemoveEndsTheBulkLoadMidDownload) {
  std::uint32_t a = 0;
  auto first = lines("a", 1, 6000, [](int i) { return i; }, "first", a);
  auto rest = lines("a", 7001, 6000, [](int i) { return 6000 + i; }, "rest", a);
  a += 50;
  std::vector<std::string> all = {checkpoint(13001, {bucket("a", a, 3, 12001)})};
  all.insert(all.end(), first.begin(), first.end());
  all.push_back(data("a", {remove(6500, "lists", "l5", 50)}));
  all.insert(all.end(), rest.begin(), rest.end());
  all.push_back(kComplete);
  feed(all);
  EXPECT_TRUE(has_row_indexes(ours.db()));
  EXPECT_EQ(dump(ours.db(), "SELECT count(*) FROM lists"), "11999\n");
}

TEST_F(BulkSyncApply, LaterCheckpointsUpdateAndRemoveBulkLoadedRows) {
  std::uint32_t a = 0;
  auto first = lines("a", 1, 10000, [](int i) { return i; }, "first", a);
  std::vector<std::string> all = {checkpoint(10000, {bucket("a", a, 3, 10000)})};
  all.insert(all.end(), first.begin(), first.end());
  all.push_back(kComplete);
  feed(all);
  const std::uint32_t after = a + 2000u + 77u;
  feed({R"({"checkpoint_diff":{"last_op_id":"10002","updated_buckets":[)" + bucket("a", after, 3, 10002) +
            R"(],"removed_buckets":[]}})",
        data("a", {put(10001, "lists", "l3", R"({"id":"l3","name":"edited"})", 2000u), remove(10002, "lists", "l4", 77)}),
        kComplete});
  EXPECT_EQ(dump(ours.db(), "SELECT name FROM lists WHERE id IN ('l3', 'l4')"), "edited\n");
}

}  // namespace
}  // namespace powersync::conformance
