#include <gtest/gtest.h>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/util/error.hpp"

namespace powersync::protocol {
namespace {

template <typename T>
T parse_as(std::string_view line) {
  SyncLine parsed = parse_json_line(line);
  EXPECT_TRUE(std::holds_alternative<T>(parsed)) << line;
  return std::get<T>(std::move(parsed));
}

void expect_malformed(std::string_view line, std::string_view fragment) {
  try {
    parse_json_line(line);
    ADD_FAILURE() << "accepted: " << line;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::network);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SyncLine, CheckpointAsTheRealServiceSendsIt) {
  auto cp = parse_as<Checkpoint>(
      R"({"checkpoint":{"last_op_id":"6","buckets":[{"bucket":"1#everything|0[]","checksum":862176071,"count":4,"priority":3,"subscriptions":[{"default":0}]},)"
      R"({"bucket":"1#my_lists|0[\"u1\"]","checksum":-1582904521,"count":2,"priority":1,"subscriptions":[{"sub":2}]}],)"
      R"("streams":[{"name":"everything","is_default":true,"errors":[]},{"name":"bad","is_default":false,"errors":[{"subscription":"default","message":"m"},{"subscription":1,"message":"n"}]}]}})");
  EXPECT_EQ(cp.last_op_id, 6);
  EXPECT_FALSE(cp.write_checkpoint);
  ASSERT_EQ(cp.buckets.size(), 2u);
  EXPECT_EQ(cp.buckets[0].bucket, "1#everything|0[]");
  EXPECT_EQ(cp.buckets[0].checksum.value, 862176071u);
  EXPECT_EQ(cp.buckets[0].count, 4);
  EXPECT_EQ(cp.buckets[0].priority, 3);
  EXPECT_EQ(cp.buckets[0].subscriptions, (std::vector<BucketSubscriptionReason>{{true, 0}}));
  EXPECT_EQ(cp.buckets[1].bucket, "1#my_lists|0[\"u1\"]");
  // A negative checksum is the signed view of the same 32 bits.
  EXPECT_EQ(cp.buckets[1].checksum.as_signed(), -1582904521);
  EXPECT_EQ(cp.buckets[1].subscriptions, (std::vector<BucketSubscriptionReason>{{false, 2}}));
  ASSERT_EQ(cp.streams.size(), 2u);
  EXPECT_TRUE(cp.streams[0].is_default);
  ASSERT_EQ(cp.streams[1].errors.size(), 2u);
  EXPECT_FALSE(cp.streams[1].errors[0].subscription);
  EXPECT_EQ(cp.streams[1].errors[1].subscription, 1);
  EXPECT_EQ(cp.streams[1].errors[1].message, "n");
}

TEST(SyncLine, OpIdsAsNumbersAndChecksumsAsDoubles) {
  auto cp = parse_as<Checkpoint>(
      R"({"checkpoint":{"last_op_id":10,"write_checkpoint":"3","buckets":[{"bucket":"a","checksum":4294967295.0}]}})");
  EXPECT_EQ(cp.last_op_id, 10);
  EXPECT_EQ(cp.write_checkpoint, 3);
  EXPECT_EQ(cp.buckets[0].checksum.value, 4294967295u);
  EXPECT_FALSE(cp.buckets[0].priority);
}

TEST(SyncLine, CheckpointDiff) {
  auto diff = parse_as<CheckpointDiff>(
      R"({"checkpoint_diff":{"last_op_id":"8","write_checkpoint":"1","removed_buckets":["x"],"updated_buckets":[{"bucket":"b","checksum":5}]}})");
  EXPECT_EQ(diff.last_op_id, 8);
  EXPECT_EQ(diff.write_checkpoint, 1);
  EXPECT_EQ(diff.removed_buckets, std::vector<std::string>{"x"});
  ASSERT_EQ(diff.updated_buckets.size(), 1u);
  EXPECT_EQ(diff.updated_buckets[0].checksum.value, 5u);
}

TEST(SyncLine, DataWithEveryOpType) {
  auto data = parse_as<DataLine>(
      R"({"data":{"bucket":"b","after":"0","next_after":"9","has_more":true,"data":[)"
      R"({"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":2712062775,"subkey":"s","data":"{\"id\":\"l1\",\"name\":\"g\"}"},)"
      R"({"op_id":"2","op":"REMOVE","object_type":"lists","object_id":"l1","checksum":1,"data":null},)"
      R"({"op_id":"3","op":"MOVE","checksum":2},)"
      R"({"op_id":"6","op":"CLEAR","checksum":-1006203779}]}})");
  EXPECT_EQ(data.bucket, "b");
  EXPECT_TRUE(data.has_more);
  EXPECT_EQ(data.after, 0);
  EXPECT_EQ(data.next_after, 9);
  ASSERT_EQ(data.data.size(), 4u);
  EXPECT_EQ(data.data[0].op, OpType::put);
  EXPECT_EQ(data.data[0].checksum.value, 2712062775u);
  EXPECT_EQ(data.data[0].data, R"({"id":"l1","name":"g"})");
  EXPECT_EQ(data.data[0].subkey, "s");
  EXPECT_EQ(data.data[1].op, OpType::remove);
  EXPECT_FALSE(data.data[1].data);
  EXPECT_EQ(data.data[2].op, OpType::move);
  EXPECT_EQ(data.data[3].op, OpType::clear);
  EXPECT_EQ(data.data[3].checksum.as_signed(), -1006203779);
  EXPECT_FALSE(data.data[3].object_id);
}

TEST(SyncLine, CompletionsAndKeepalives) {
  EXPECT_EQ(parse_as<CheckpointComplete>(R"({"checkpoint_complete":{"last_op_id":"11"}})").last_op_id, 11);
  auto partial = parse_as<PartialCheckpointComplete>(R"({"partial_checkpoint_complete":{"last_op_id":"11","priority":1}})");
  EXPECT_EQ(partial.priority, 1);
  EXPECT_EQ(parse_as<TokenExpiresIn>(R"({"token_expires_in":123})").seconds, 123);
  EXPECT_TRUE(parse_as<TokenExpiresIn>(R"({"token_expires_in":0})").expired());
}

TEST(SyncLine, UnknownLinesAreKeptAsUnknown) {
  EXPECT_EQ(parse_as<UnknownLine>(R"({"future_line":{"x":[1,2,{"y":null}]}})").type, "future_line");
}

TEST(SyncLine, MalformedLinesNameTheProblem) {
  expect_malformed("", "Invalid sync line");
  expect_malformed("{\"checkpoint\":", "Invalid sync line");
  expect_malformed("[1,2]", "must be a JSON object");
  expect_malformed("{}", "empty object");
  expect_malformed(R"({"checkpoint":{"buckets":[]}})", "without last_op_id");
  expect_malformed(R"({"checkpoint":{"last_op_id":"x1","buckets":[]}})", "not an integer");
  expect_malformed(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":4294967296}]}})",
                   "32-bit checksum");
  expect_malformed(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":1.5}]}})", "32-bit");
  expect_malformed(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a"}]}})", "no checksum");
  expect_malformed(R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"UPSERT","checksum":1}]}})", "unknown op");
  expect_malformed(R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT"}]}})", "without checksum");
  expect_malformed(R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","checksum":1,"data":5}]}})",
                   "op data");
  expect_malformed(R"({"partial_checkpoint_complete":{"last_op_id":"1","priority":9}})", "between 0 and 3");
  expect_malformed(R"({"token_expires_in":"soon"})", "must be an integer");
}

TEST(Checksum, WrapsAroundAndAcceptsBothViews) {
  Checksum a{0xFFFFFFF0u};
  Checksum b{0x20u};
  EXPECT_EQ((a + b).value, 0x10u);
  EXPECT_EQ((b - a).value, 0x30u);
  EXPECT_EQ(Checksum::from_integer(-1)->value, 0xFFFFFFFFu);
  EXPECT_FALSE(Checksum::from_integer(-2147483649LL));
  EXPECT_FALSE(Checksum::from_integer(4294967296LL));
  EXPECT_EQ(Checksum::from_double(-1006203779.0)->as_signed(), -1006203779);
  EXPECT_FALSE(Checksum::from_double(0.5));
}

}  // namespace
}  // namespace powersync::protocol
