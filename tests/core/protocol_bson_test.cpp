// The BSON sync line parser against the NDJSON one: the same line, once as JSON text and once
// as a BSON document built from that text by libbson, must give the same structs.
#include <bson/bson.h>
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/util/error.hpp"

namespace powersync::protocol {
namespace {

// ---- a canonical text form of a SyncLine, so two parses compare as strings ----

void put_optional(std::ostream& out, const char* name, const auto& value) {
  out << name << '=';
  if (value) {
    out << *value;
  } else {
    out << "-";
  }
  out << ' ';
}

void describe_bucket(std::ostream& out, const BucketChecksum& b) {
  out << "{bucket=" << b.bucket << " checksum=" << b.checksum.value << ' ';
  put_optional(out, "priority", b.priority);
  put_optional(out, "count", b.count);
  out << "subs=";
  for (const auto& s : b.subscriptions) out << (s.is_default ? "default:" : "sub:") << s.index << ',';
  out << "}";
}

std::string describe(const SyncLine& line) {
  std::ostringstream out;
  std::visit(
      [&](const auto& l) {
        using T = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<T, Checkpoint>) {
          out << "checkpoint last_op_id=" << l.last_op_id << ' ';
          put_optional(out, "write_checkpoint", l.write_checkpoint);
          for (const auto& b : l.buckets) describe_bucket(out, b);
          for (const auto& s : l.streams) {
            out << " stream{" << s.name << ' ' << s.is_default;
            for (const auto& e : s.errors) {
              out << " error(";
              put_optional(out, "sub", e.subscription);
              out << e.message << ")";
            }
            out << "}";
          }
        } else if constexpr (std::is_same_v<T, CheckpointDiff>) {
          out << "diff last_op_id=" << l.last_op_id << ' ';
          put_optional(out, "write_checkpoint", l.write_checkpoint);
          for (const auto& b : l.updated_buckets) describe_bucket(out, b);
          out << " removed=";
          for (const auto& r : l.removed_buckets) out << r << ',';
        } else if constexpr (std::is_same_v<T, CheckpointComplete>) {
          out << "complete " << l.last_op_id;
        } else if constexpr (std::is_same_v<T, PartialCheckpointComplete>) {
          out << "partial " << l.last_op_id << " priority=" << l.priority;
        } else if constexpr (std::is_same_v<T, DataLine>) {
          out << "data bucket=" << l.bucket << " has_more=" << l.has_more << ' ';
          put_optional(out, "after", l.after);
          put_optional(out, "next_after", l.next_after);
          for (const auto& op : l.data) {
            out << "\n  op " << op.op_id << ' ' << static_cast<int>(op.op) << " checksum=" << op.checksum.value << ' ';
            put_optional(out, "type", op.object_type);
            put_optional(out, "id", op.object_id);
            put_optional(out, "subkey", op.subkey);
            put_optional(out, "data", op.data);
          }
        } else if constexpr (std::is_same_v<T, TokenExpiresIn>) {
          out << "token_expires_in " << l.seconds;
        } else {
          out << "unknown " << l.type;
        }
      },
      line);
  return out.str();
}

// A BSON document owned by the test.
struct Bson {
  bson_t* doc = nullptr;
  explicit Bson(bson_t* d) : doc(d) {}
  Bson(const Bson&) = delete;
  ~Bson() { bson_destroy(doc); }
  const std::uint8_t* data() const { return bson_get_data(doc); }
  std::size_t size() const { return doc->len; }
  std::vector<std::uint8_t> bytes() const { return {data(), data() + size()}; }
};

Bson from_json(std::string_view json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  if (doc == nullptr) ADD_FAILURE() << "libbson rejected " << json << ": " << error.message;
  return Bson(doc != nullptr ? doc : bson_new());
}

SyncLine parse(const Bson& b) { return parse_bson_line(b.data(), b.size()); }
SyncLine parse(const std::vector<std::uint8_t>& b) { return parse_bson_line(b.data(), b.size()); }

void expect_same_as_json(std::string_view json) {
  const Bson bson = from_json(json);
  EXPECT_EQ(describe(parse(bson)), describe(parse_json_line(json))) << json;
}

void expect_malformed(const std::vector<std::uint8_t>& bytes, std::string_view fragment) {
  try {
    parse(bytes);
    ADD_FAILURE() << "accepted a malformed document";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::network);
    EXPECT_NE(std::string(e.what()).find("Invalid sync line"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

void expect_malformed_json_shape(std::string_view json, std::string_view fragment) {
  expect_malformed(from_json(json).bytes(), fragment);
}

TEST(BsonSyncLine, EveryLineTypeMatchesTheJsonParser) {
  expect_same_as_json(
      R"({"checkpoint":{"last_op_id":"6","buckets":[{"bucket":"1#everything|0[]","checksum":862176071,"count":4,"priority":3,"subscriptions":[{"default":0}]},)"
      R"({"bucket":"1#my_lists|0[\"u1\"]","checksum":-1582904521,"count":2,"priority":1,"subscriptions":[{"sub":2}]}],)"
      R"("streams":[{"name":"everything","is_default":true,"errors":[]},{"name":"bad","is_default":false,"errors":[{"subscription":"default","message":"m"},{"subscription":1,"message":"n"}]}]}})");
  expect_same_as_json(R"({"checkpoint":{"last_op_id":"10","write_checkpoint":"3","buckets":[]}})");
  expect_same_as_json(R"({"checkpoint":{"last_op_id":"10","write_checkpoint":null,"buckets":[],"streams":null}})");
  expect_same_as_json(
      R"({"checkpoint_diff":{"last_op_id":"8","write_checkpoint":"1","removed_buckets":["x","y"],"updated_buckets":[{"bucket":"a","checksum":5,"count":1,"priority":null,"subscriptions":null}]}})");
  expect_same_as_json(
      R"({"data":{"bucket":"b","after":"0","next_after":"6","has_more":true,"data":[)"
      R"({"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":2712062775,"subkey":"s/k","data":"{\"id\":\"l1\",\"name\":\"groceries \\\"x\\\" é\"}"},)"
      R"({"op_id":"2","op":"REMOVE","object_type":"lists","object_id":"l1","checksum":7,"data":null},)"
      R"({"op_id":"3","op":"MOVE","checksum":8},{"op_id":"6","op":"CLEAR","checksum":-1006203779}]}})");
  expect_same_as_json(R"({"data":{"bucket":"b","data":[],"after":null,"next_after":null}})");
  expect_same_as_json(R"({"checkpoint_complete":{"last_op_id":"11"}})");
  expect_same_as_json(R"({"checkpoint_complete":{}})");
  expect_same_as_json(R"({"partial_checkpoint_complete":{"last_op_id":"11","priority":1}})");
  expect_same_as_json(R"({"token_expires_in":60})");
  expect_same_as_json(R"({"token_expires_in":0})");
  expect_same_as_json(R"({"something_new":{"x":1}})");
  // Op ids as integers, as some servers send them.
  expect_same_as_json(R"({"checkpoint":{"last_op_id":12,"write_checkpoint":4,"buckets":[]}})");
  // Unknown fields are skipped.
  expect_same_as_json(R"({"checkpoint":{"future":[1,{"a":2}],"last_op_id":"1","buckets":[]}})");
}

TEST(BsonSyncLine, ChecksumsAsInt32Int64AndDouble) {
  // libbson builds int32 for small numbers, int64 above 2^31 and doubles for "x.0".
  const auto line = parse(from_json(
      R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":-1},{"bucket":"b","checksum":3573495687},)"
      R"({"bucket":"c","checksum":3573495687.0},{"bucket":"d","checksum":-721471609.0}]}})"));
  const auto& buckets = std::get<Checkpoint>(line).buckets;
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].checksum.value, 0xFFFFFFFFu);
  EXPECT_EQ(buckets[1].checksum.value, 3573495687u);
  EXPECT_EQ(buckets[2].checksum.value, 3573495687u);
  EXPECT_EQ(buckets[3].checksum.value, 3573495687u);

  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":4294967296}]}})",
                              "32-bit checksum");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":1.5}]}})",
                              "32-bit checksum");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":"1"}]}})",
                              "must be a number");
}

TEST(BsonSyncLine, OpDataAsAnEmbeddedDocumentBecomesCompactJson) {
  const std::string_view json =
      R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","object_type":"t","object_id":"i","checksum":1,)"
      R"("data":{"id":"i","n":1,"big":9007199254740993,"f":1.5,"s":"a\"b\\c\n\u0001","ok":true,"nil":null,"list":[1,"x",{"k":[]}],"empty":{}}}]}})";
  const auto bson_line = parse(from_json(json));
  const auto json_line = parse_json_line(json);
  EXPECT_EQ(describe(bson_line), describe(json_line));
  EXPECT_EQ(std::get<DataLine>(bson_line).data.at(0).data,
            R"({"id":"i","n":1,"big":9007199254740993,"f":1.5,"s":"a\"b\\c\n\u0001","ok":true,"nil":null,"list":[1,"x",{"k":[]}],"empty":{}})");
}

TEST(BsonSyncLine, OfficialCoreTestVectors) {
  // Byte sequences from the official core's bson tests: a checkpoint and a keepalive.
  const std::string checkpoint(
      "\x85\x00\x00\x00\x03" "checkpoint\x00t\x00\x00\x00\x02" "last_op_id\x00\x02\x00\x00\x00" "1\x00\x0a"
      "write_checkpoint\x00\x04" "buckets\x00" "B\x00\x00\x00\x03" "0\x00:\x00\x00\x00\x02" "bucket\x00\x02\x00\x00\x00"
      "a\x00\x10" "checksum\x00\x00\x00\x00\x00\x10" "priority\x00\x03\x00\x00\x00\x10" "count\x00\x01\x00\x00\x00\x00\x00\x00\x00",
      0x85);
  const auto line = parse_bson_line(reinterpret_cast<const std::uint8_t*>(checkpoint.data()), checkpoint.size());
  const auto& cp = std::get<Checkpoint>(line);
  EXPECT_EQ(cp.last_op_id, 1);
  EXPECT_FALSE(cp.write_checkpoint);
  ASSERT_EQ(cp.buckets.size(), 1u);
  EXPECT_EQ(cp.buckets[0].bucket, "a");
  EXPECT_EQ(cp.buckets[0].priority, 3);
  EXPECT_EQ(cp.buckets[0].count, 1);

  const std::string keepalive("\x1b\x00\x00\x00\x10token_expires_in\x00<\x00\x00\x00\x00", 0x1b);
  const auto ka = parse_bson_line(reinterpret_cast<const std::uint8_t*>(keepalive.data()), keepalive.size());
  EXPECT_EQ(std::get<TokenExpiresIn>(ka).seconds, 60);
}

TEST(BsonSyncLine, WrongShapesAreReportedByField) {
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":true,"buckets":[]}})", "last_op_id");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"x1","buckets":[]}})", "last_op_id is not an integer");
  expect_malformed_json_shape(R"({"checkpoint":{"buckets":[]}})", "without last_op_id");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1"}})", "without buckets");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":{}}})", "buckets must be an array");
  expect_malformed_json_shape(R"({"checkpoint":[]})", "checkpoint must be a document");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":[{"checksum":1}]}})", "without \"bucket\"");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":1,"priority":4}]}})",
                              "priority must be between 0 and 3");
  expect_malformed_json_shape(R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"a","checksum":1,"subscriptions":[{"other":1}]}]}})",
                              "unknown bucket subscription reason");
  expect_malformed_json_shape(R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"UPSERT","checksum":1}]}})",
                              "unknown op \"UPSERT\"");
  expect_malformed_json_shape(R"({"data":{"bucket":"b","data":[{"op_id":"1","checksum":1}]}})", "without \"op\"");
  expect_malformed_json_shape(R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT"}]}})", "without checksum");
  expect_malformed_json_shape(R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","checksum":1,"data":5}]}})",
                              "op data must be a string or a document");
  expect_malformed_json_shape(R"({"data":{"bucket":"b","data":[],"has_more":1}})", "has_more must be a boolean");
  expect_malformed_json_shape(R"({"data":{"data":[]}})", "without bucket");
  expect_malformed_json_shape(R"({"token_expires_in":"soon"})", "token_expires_in must be an integer");
  expect_malformed_json_shape(R"({})", "empty document");
}

TEST(BsonSyncLine, CorruptDocumentsAreErrorsNotCrashes) {
  const Bson valid = from_json(
      R"({"data":{"bucket":"b","has_more":false,"data":[{"op_id":"1","op":"PUT","object_type":"t","object_id":"i","checksum":1,"data":"{\"a\":1}"}]}})");
  const std::vector<std::uint8_t> bytes = valid.bytes();
  ASSERT_NO_THROW(parse(bytes));

  // Every truncation.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    expect_malformed(cut, "");
  }
  // A length prefix that disagrees with the buffer, and trailing bytes.
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  expect_malformed(longer, "not a BSON document");
  std::vector<std::uint8_t> wrong_length = bytes;
  wrong_length[0] = static_cast<std::uint8_t>(wrong_length[0] + 1);
  expect_malformed(wrong_length, "not a BSON document");
  EXPECT_THROW(parse_bson_line(nullptr, 0), Error);

  // Every single-byte corruption: either still a valid line or Error(network), never a crash.
  for (std::size_t i = 4; i < bytes.size(); ++i) {
    for (const std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0x7F}, std::uint8_t{0xFF}, std::uint8_t{0x03}}) {
      std::vector<std::uint8_t> corrupt = bytes;
      corrupt[i] = value;
      try {
        parse(corrupt);
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::network) << e.what();
      }
    }
  }
}

TEST(BsonSyncLine, InvalidUtf8IsRejected) {
  bson_t* doc = bson_new();
  bson_t child;
  BSON_APPEND_DOCUMENT_BEGIN(doc, "checkpoint_diff", &child);
  BSON_APPEND_UTF8(&child, "last_op_id", "1");
  bson_t removed;
  BSON_APPEND_ARRAY_BEGIN(&child, "removed_buckets", &removed);
  bson_append_utf8(&removed, "0", 1, "\xC3\x28", 2);  // an invalid two-byte sequence
  bson_append_array_end(&child, &removed);
  bson_append_document_end(doc, &child);
  const Bson owned(doc);
  expect_malformed(owned.bytes(), "not valid UTF-8");
}

}  // namespace
}  // namespace powersync::protocol
