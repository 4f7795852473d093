// Bucket compaction (MOVE and CLEAR) on the devserver's storage: bucket checksums stay, counts
// drop by what CLEAR replaced, op ids stay increasing, a second pass changes nothing, and a
// client at any position of the old oplog converges to what a fresh client gets.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>

#include "bucket_storage.hpp"
#include "checksum.hpp"
#include "compactor.hpp"

using namespace powersync::devserver;

namespace {

constexpr const char* kBucket = "1#s|0[]";

class DevserverCompactor : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() / ("devserver-compactor-" + std::to_string(random()) + ".db");
    storage_ = std::make_unique<BucketStorage>(path_);
  }
  void TearDown() override {
    storage_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }

  std::int64_t put(const std::string& id, const std::string& data, const std::string& bucket = kBucket) {
    OplogEntry e;
    e.op = "PUT";
    e.object_type = "lists";
    e.object_id = id;
    e.subkey = row_subkey("lists", id);
    e.data = data;
    e.checksum = put_checksum("lists", id, data);
    return storage_->append_op(bucket, e);
  }
  std::int64_t remove(const std::string& id, const std::string& bucket = kBucket) {
    OplogEntry e;
    e.op = "REMOVE";
    e.object_type = "lists";
    e.object_id = id;
    e.subkey = row_subkey("lists", id);
    e.checksum = remove_checksum(e.subkey);
    return storage_->append_op(bucket, e);
  }
  std::vector<OplogEntry> all_ops(const std::string& bucket = kBucket) {
    return storage_->ops(bucket, 0, storage_->head_op_id(), 1'000'000);
  }

  std::filesystem::path path_;
  std::unique_ptr<BucketStorage> storage_;
};

std::uint32_t sum_of(const std::vector<OplogEntry>& ops) {
  std::uint32_t sum = 0;
  for (const auto& op : ops) sum = add_checksums(sum, op.checksum);
  return sum;
}

// A client's bucket as the official client keeps it: live PUTs by row key, and the checksum
// total (add + op checksums) that it validates against the checkpoint.
struct ClientBucket {
  std::map<std::string, std::pair<std::string, std::uint32_t>> puts;  // key -> (data, checksum)
  std::uint32_t removed_checksums = 0;  // superseded, REMOVE and MOVE checksums
  std::int64_t last_op = 0;

  void apply(const OplogEntry& op) {
    last_op = op.op_id;
    if (op.op == "PUT" || op.op == "REMOVE") {
      auto key = op.object_type + "/" + op.object_id + "/" + op.subkey;
      if (auto it = puts.find(key); it != puts.end()) {
        removed_checksums = add_checksums(removed_checksums, it->second.second);
        puts.erase(it);
      }
      if (op.op == "PUT") puts[key] = {*op.data, op.checksum};
      else removed_checksums = add_checksums(removed_checksums, op.checksum);
    } else if (op.op == "MOVE") {
      removed_checksums = add_checksums(removed_checksums, op.checksum);
    } else {  // CLEAR
      puts.clear();
      removed_checksums = op.checksum;
    }
  }
  std::uint32_t checksum() const {
    auto sum = removed_checksums;
    for (const auto& [key, put] : puts) sum = add_checksums(sum, put.second);
    return sum;
  }
  std::map<std::string, std::string> rows() const {
    std::map<std::string, std::string> out;
    for (const auto& [key, put] : puts) out[key] = put.first;
    return out;
  }
};

}  // namespace

TEST_F(DevserverCompactor, SupersededOpsBecomeMovesAndTheLeadingRunOneClear) {
  put("a", R"({"v":1})");                 // 1: superseded by 4      -> MOVE
  put("b", R"({"v":1})");                 // 2: superseded by 5      -> MOVE
  put("c", R"({"v":1})");                 // 3: standing PUT
  put("a", R"({"v":2})");                 // 4: superseded by 6      -> MOVE
  remove("b");                            // 5: REMOVE, last op of b
  remove("a");                            // 6: REMOVE, last op of a
  put("d", R"({"v":1})");                 // 7: standing PUT
  auto before = storage_->bucket_state(kBucket).value();
  ASSERT_EQ(before.count, 7);

  auto stats = compact_all(*storage_);
  EXPECT_EQ(stats.buckets, 1);
  EXPECT_EQ(stats.moved, 3);
  // Ops 1 and 2 are MOVEs before the standing PUT at 3: they become one CLEAR at op 2.
  EXPECT_EQ(stats.clears, 1);
  EXPECT_EQ(stats.replaced, 2);

  auto ops = all_ops();
  std::vector<std::pair<std::int64_t, std::string>> shape;
  for (const auto& op : ops) shape.emplace_back(op.op_id, op.op);
  EXPECT_EQ(shape, (std::vector<std::pair<std::int64_t, std::string>>{
                       {2, "CLEAR"}, {3, "PUT"}, {4, "MOVE"}, {5, "REMOVE"}, {6, "REMOVE"}, {7, "PUT"}}));
  // MOVE and CLEAR carry no row and no data.
  for (const auto& op : ops) {
    if (op.op != "MOVE" && op.op != "CLEAR") continue;
    EXPECT_TRUE(op.object_type.empty() && op.object_id.empty() && op.subkey.empty() && !op.data) << op.op_id;
  }
  EXPECT_EQ(ops[0].checksum, add_checksums(put_checksum("lists", "a", R"({"v":1})"), put_checksum("lists", "b", R"({"v":1})")));

  auto after = storage_->bucket_state(kBucket).value();
  EXPECT_EQ(after.checksum, before.checksum);
  EXPECT_EQ(after.checksum, sum_of(ops));
  EXPECT_EQ(after.count, static_cast<std::int64_t>(ops.size()));
  EXPECT_EQ(after.last_op_id, before.last_op_id);
}

TEST_F(DevserverCompactor, ALeadingRunUpToAStandingPutIsCleared) {
  put("a", "{}");  // 1
  put("a", "{}");  // 2
  remove("a");     // 3
  put("b", "{}");  // 4
  remove("b");     // 5
  put("c", "{}");  // 6: the first standing PUT
  auto checksum = storage_->bucket_state(kBucket)->checksum;
  auto stats = compact_all(*storage_);
  EXPECT_EQ(stats.moved, 3);
  EXPECT_EQ(stats.replaced, 5);
  auto ops = all_ops();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].op, "CLEAR");
  EXPECT_EQ(ops[0].op_id, 5);  // the last op it replaces
  EXPECT_EQ(ops[1].op, "PUT");
  EXPECT_EQ(storage_->bucket_state(kBucket)->checksum, checksum);
  EXPECT_EQ(storage_->bucket_state(kBucket)->count, 2);
}

TEST_F(DevserverCompactor, ASingleLeadingRemoveIsLeftAsItIs) {
  put("a", "{}");  // 1: MOVE
  put("a", "{}");  // 2: standing
  put("b", "{}");  // 3
  auto stats = compact_all(*storage_);
  EXPECT_EQ(stats.moved, 1);
  EXPECT_EQ(stats.clears, 0);  // one MOVE alone is not worth a CLEAR, as in the service
  EXPECT_EQ(all_ops().size(), 3u);
}

TEST_F(DevserverCompactor, ABucketOfOnlyRemovesBecomesOneClear) {
  put("a", "{}");
  put("b", "{}");
  remove("a");
  remove("b");
  auto checksum = storage_->bucket_state(kBucket)->checksum;
  compact_all(*storage_);
  auto ops = all_ops();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].op, "CLEAR");
  EXPECT_EQ(ops[0].op_id, 4);
  EXPECT_EQ(ops[0].checksum, checksum);
  EXPECT_EQ(storage_->bucket_state(kBucket)->count, 1);
}

TEST_F(DevserverCompactor, CompactingTwiceChangesNothingAndLaterOpsExtendTheClear) {
  for (int round = 0; round < 3; ++round)
    for (const char* id : {"a", "b", "c"}) put(id, "{\"round\":" + std::to_string(round) + "}");
  remove("a");
  compact_all(*storage_);
  auto once = all_ops();
  auto again = compact_all(*storage_);
  EXPECT_EQ(again.moved, 0);
  EXPECT_EQ(again.clears, 0);
  auto twice = all_ops();
  ASSERT_EQ(once.size(), twice.size());
  for (std::size_t i = 0; i < once.size(); ++i) {
    EXPECT_EQ(once[i].op_id, twice[i].op_id);
    EXPECT_EQ(once[i].op, twice[i].op);
    EXPECT_EQ(once[i].checksum, twice[i].checksum);
  }
  // New updates supersede the standing PUTs: the existing CLEAR absorbs the new leading run.
  put("b", "{\"round\":9}");
  put("c", "{\"round\":9}");
  auto checksum = storage_->bucket_state(kBucket)->checksum;
  compact_all(*storage_);
  auto ops = all_ops();
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].op, "CLEAR");
  EXPECT_EQ(ops[1].op, "PUT");
  EXPECT_EQ(ops[2].op, "PUT");
  EXPECT_EQ(sum_of(ops), checksum);
  EXPECT_EQ(storage_->bucket_state(kBucket)->checksum, checksum);
}

TEST_F(DevserverCompactor, OtherBucketsAreUntouchedAndRowsAreKeyedPerBucket) {
  put("a", "{}", "b1");
  put("a", "{}", "b2");
  put("a", "{\"v\":2}", "b1");
  compact_bucket(*storage_, "b1");
  auto b2 = all_ops("b2");
  ASSERT_EQ(b2.size(), 1u);
  EXPECT_EQ(b2[0].op, "PUT");
  EXPECT_EQ(all_ops("b1")[0].op, "MOVE");
}

TEST_F(DevserverCompactor, TheMemoryLimitOnlyCostsCompaction) {
  put("a", "{}");
  put("b", "{}");
  put("a", "{}");
  put("b", "{}");
  CompactOptions tiny;
  tiny.memory_limit_bytes = 1;  // tracks the newest row only
  tiny.batch_size = 1;          // and one op per transaction
  auto stats = compact_all(*storage_, tiny);
  EXPECT_EQ(stats.moved, 1);
  EXPECT_EQ(stats.clears, 0);
  auto ops = all_ops();
  // Only b (the newest op's row) was tracked: b's first PUT became a MOVE, a's stays a PUT.
  EXPECT_EQ(ops[1].op, "MOVE");
  EXPECT_EQ(ops[0].op, "PUT");
}

TEST_F(DevserverCompactor, SupersedingPlacementsAreCountedForTheAutomaticRun) {
  // The replicator records placements after appending: an unchanged placement supersedes
  // nothing, a changed or vanished one got a PUT or REMOVE that supersedes the previous op.
  storage_->set_placements("lists", "a", {{"b1", "lists", "a", 1}, {"b2", "lists", "a", 1}});
  put("a", "{}", "b1");
  put("a", "{}", "b2");
  EXPECT_TRUE(storage_->buckets_to_compact(1).empty());
  storage_->set_placements("lists", "a", {{"b1", "lists", "a", 2}, {"b2", "lists", "a", 1}});
  put("a", "{\"v\":2}", "b1");
  EXPECT_EQ(storage_->buckets_to_compact(1), std::vector<std::string>{"b1"});
  EXPECT_TRUE(storage_->buckets_to_compact(2).empty());
  storage_->set_placements("lists", "a", {});
  remove("a", "b1");
  remove("a", "b2");
  EXPECT_EQ(storage_->buckets_to_compact(1), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(storage_->buckets_to_compact(2), std::vector<std::string>{"b1"});
  compact_bucket(*storage_, "b1");
  EXPECT_EQ(storage_->buckets_to_compact(1), std::vector<std::string>{"b2"});
}

// Random histories over a few rows: a client that had any prefix of the original oplog and then
// reads the compacted ops after its position ends with the same rows and checksum as a fresh
// client, and that checksum is the bucket's.
TEST_F(DevserverCompactor, ClientsAtEveryPositionConverge) {
  std::mt19937 random(42);
  for (int history = 0; history < 30; ++history) {
    std::string bucket = "h" + std::to_string(history);
    int ops = 5 + static_cast<int>(random() % 40);
    for (int i = 0; i < ops; ++i) {
      std::string id = std::string(1, static_cast<char>('a' + random() % 4));
      if (random() % 3 == 0) remove(id, bucket);
      else put(id, "{\"n\":" + std::to_string(random() % 5) + "}", bucket);
    }
    auto original = all_ops(bucket);
    auto state = storage_->bucket_state(bucket).value();
    compact_bucket(*storage_, bucket);
    auto compacted = all_ops(bucket);
    ASSERT_EQ(storage_->bucket_state(bucket)->checksum, state.checksum);
    ASSERT_EQ(storage_->bucket_state(bucket)->count, static_cast<std::int64_t>(compacted.size()));
    for (std::size_t i = 1; i < compacted.size(); ++i) ASSERT_LT(compacted[i - 1].op_id, compacted[i].op_id);

    ClientBucket fresh;
    for (const auto& op : compacted) fresh.apply(op);
    ClientBucket reference;
    for (const auto& op : original) reference.apply(op);
    ASSERT_EQ(fresh.checksum(), state.checksum) << bucket;
    ASSERT_EQ(fresh.rows(), reference.rows()) << bucket;

    for (std::size_t position = 0; position <= original.size(); ++position) {
      ClientBucket client;
      for (std::size_t i = 0; i < position; ++i) client.apply(original[i]);
      for (const auto& op : compacted)
        if (op.op_id > client.last_op) client.apply(op);
      ASSERT_EQ(client.checksum(), state.checksum) << bucket << " after " << position;
      ASSERT_EQ(client.rows(), reference.rows()) << bucket << " after " << position;
    }
  }
}
