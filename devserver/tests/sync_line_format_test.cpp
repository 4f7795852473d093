// Sync line formats: Accept negotiation as the service does it, and BSON documents whose types
// match what the service's encoder writes.
#include <gtest/gtest.h>

#include <bson/bson.h>

#include <nlohmann/json.hpp>

#include "sync_line_format.hpp"

using namespace powersync::devserver;

TEST(DevserverSyncLineFormat, NegotiationPrefersBsonOnlyWhenTheClientDoes) {
  // What the official JS SDK sends.
  EXPECT_EQ(negotiate_sync_line_format("application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8"),
            SyncLineFormat::bson);
  EXPECT_EQ(negotiate_sync_line_format("application/vnd.powersync.bson-stream"), SyncLineFormat::bson);
  EXPECT_EQ(negotiate_sync_line_format("application/*, application/vnd.powersync.bson-stream"), SyncLineFormat::ndjson);
  EXPECT_EQ(negotiate_sync_line_format(""), SyncLineFormat::ndjson);
  EXPECT_EQ(negotiate_sync_line_format("*/*"), SyncLineFormat::ndjson);
  EXPECT_EQ(negotiate_sync_line_format("application/json"), SyncLineFormat::ndjson);
  EXPECT_EQ(negotiate_sync_line_format("application/x-ndjson"), SyncLineFormat::ndjson);
  EXPECT_EQ(negotiate_sync_line_format("application/x-ndjson;q=1, application/vnd.powersync.bson-stream;q=0.5"),
            SyncLineFormat::ndjson);
  EXPECT_EQ(negotiate_sync_line_format("application/vnd.powersync.bson-stream;q=0"), SyncLineFormat::ndjson);
  // The most specific range decides each type's q: here */* gives BSON 0.5 over NDJSON's 0.1.
  EXPECT_EQ(negotiate_sync_line_format("application/x-ndjson;q=0.1, */*;q=0.5"), SyncLineFormat::bson);
  EXPECT_EQ(negotiate_sync_line_format("Application/VND.PowerSync.BSON-Stream ; q=0.7 , application/x-ndjson;q=0.2"),
            SyncLineFormat::bson);
  EXPECT_EQ(negotiate_sync_line_format("garbage,,;q=,"), SyncLineFormat::ndjson);
  EXPECT_EQ(content_type(SyncLineFormat::bson), "application/vnd.powersync.bson-stream");
  EXPECT_EQ(content_type(SyncLineFormat::ndjson), "application/x-ndjson");
}

TEST(DevserverSyncLineFormat, NdjsonIsOneLine) {
  nlohmann::ordered_json line{{"checkpoint_complete", {{"last_op_id", "7"}}}};
  EXPECT_EQ(encode_sync_line(line, SyncLineFormat::ndjson), "{\"checkpoint_complete\":{\"last_op_id\":\"7\"}}\n");
}

TEST(DevserverSyncLineFormat, BsonDocumentKeepsOrderAndServiceNumberTypes) {
  nlohmann::ordered_json line{
      {"data",
       {{"bucket", "1#s|0[\"u\"]"},
        {"has_more", false},
        {"data", nlohmann::ordered_json::array({{{"op_id", "12"},
                                                 {"checksum", 3573495687u},  // over int32: a double, as JS numbers go
                                                 {"small", -5},
                                                 {"ratio", 0.5},
                                                 {"data", nullptr}}})}}}};
  auto bytes = encode_sync_line(line, SyncLineFormat::bson);
  bson_t doc;
  ASSERT_TRUE(bson_init_static(&doc, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  ASSERT_EQ(bytes.size(), doc.len);  // exactly one document, nothing after it

  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.bucket", &it));
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "1#s|0[\"u\"]");
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.has_more", &it));
  EXPECT_TRUE(BSON_ITER_HOLDS_BOOL(&it));
  EXPECT_FALSE(bson_iter_bool(&it));
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0.checksum", &it));
  EXPECT_TRUE(BSON_ITER_HOLDS_DOUBLE(&it));
  EXPECT_EQ(bson_iter_double(&it), 3573495687.0);
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0.small", &it));
  EXPECT_TRUE(BSON_ITER_HOLDS_INT32(&it));
  EXPECT_EQ(bson_iter_int32(&it), -5);
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0.ratio", &it));
  EXPECT_EQ(bson_iter_double(&it), 0.5);
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0.data", &it));
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&it));
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data", &it));
  EXPECT_TRUE(BSON_ITER_HOLDS_ARRAY(&it));

  // Member order is the line's order (the first key names the line's kind).
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_next(&it));
  EXPECT_STREQ(bson_iter_key(&it), "data");
}

TEST(DevserverSyncLineFormat, OnlyObjectsAreDocuments) {
  EXPECT_THROW(to_bson_document(nlohmann::ordered_json::array()), std::exception);
  EXPECT_THROW(to_bson_document(nlohmann::ordered_json("text")), std::exception);
}

TEST(DevserverSyncLineFormat, OpsAsTheServiceSendsThem) {
  OplogEntry put{7, "PUT", "lists", "l1", "sub", std::string(R"({"name":"x"})"), 12};
  EXPECT_EQ(oplog_entry_json(put).dump(),
            R"({"op_id":"7","op":"PUT","object_type":"lists","object_id":"l1","checksum":12,"subkey":"sub","data":"{\"name\":\"x\"}"})");
  OplogEntry remove{8, "REMOVE", "lists", "l1", "sub", std::nullopt, 13};
  EXPECT_EQ(oplog_entry_json(remove).dump(),
            R"({"op_id":"8","op":"REMOVE","object_type":"lists","object_id":"l1","checksum":13,"subkey":"sub","data":null})");
  // MOVE and CLEAR: op id, op and checksum only.
  OplogEntry move{9, "MOVE", "", "", "", std::nullopt, 14};
  EXPECT_EQ(oplog_entry_json(move).dump(), R"({"op_id":"9","op":"MOVE","checksum":14})");
  OplogEntry clear{10, "CLEAR", "", "", "", std::nullopt, 4000000000u};
  EXPECT_EQ(oplog_entry_json(clear).dump(), R"({"op_id":"10","op":"CLEAR","checksum":4000000000})");

  nlohmann::ordered_json line{{"data", {{"bucket", "b"}, {"data", nlohmann::ordered_json::array({oplog_entry_json(clear)})}}}};
  auto bytes = encode_sync_line(line, SyncLineFormat::bson);
  bson_t doc;
  ASSERT_TRUE(bson_init_static(&doc, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0", &it));
  bson_iter_t op;
  ASSERT_TRUE(bson_iter_recurse(&it, &op));
  std::vector<std::string> keys;
  while (bson_iter_next(&op)) keys.emplace_back(bson_iter_key(&op));
  EXPECT_EQ(keys, (std::vector<std::string>{"op_id", "op", "checksum"}));
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0.op", &it));
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "CLEAR");
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "data.data.0.checksum", &it));
  EXPECT_EQ(bson_iter_double(&it), 4000000000.0);
}

#if POWERSYNC_DEVSERVER_GZIP
#include <zlib.h>

namespace {
// Inflates gzip bytes as they arrive (one inflater for the whole stream).
struct Inflater {
  z_stream z{};
  Inflater() { EXPECT_EQ(inflateInit2(&z, 16 + 15), Z_OK); }
  ~Inflater() { inflateEnd(&z); }
  int last = Z_OK;
  std::string feed(const std::string& bytes) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    std::string out;
    char buffer[4096];
    do {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof buffer;
      last = inflate(&z, Z_SYNC_FLUSH);
      out.append(buffer, sizeof buffer - z.avail_out);
    } while (z.avail_out == 0 && last == Z_OK);
    return out;
  }
};
}  // namespace

TEST(DevserverSyncLineFormat, GzipIsUsedWhenTheClientAcceptsIt) {
  EXPECT_TRUE(accepts_gzip("gzip, deflate"));  // Node's fetch, as the official SDK sends it
  EXPECT_TRUE(accepts_gzip("deflate, gzip, br, zstd"));  // curl
  EXPECT_TRUE(accepts_gzip("GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("deflate, br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*;q=0, identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.2, identity;q=0.8"));
}

TEST(DevserverSyncLineFormat, EachGzipLineCanBeReadAsSoonAsItArrives) {
  for (auto format : {SyncLineFormat::ndjson, SyncLineFormat::bson}) {
    SyncLineEncoder moved_from(format, true);
    SyncLineEncoder encoder = std::move(moved_from);  // the hub takes it over from the connection thread
    EXPECT_TRUE(encoder.gzip());
    Inflater client;
    for (int i = 0; i < 3; ++i) {
      nlohmann::ordered_json line{{"checkpoint_complete", {{"last_op_id", std::to_string(i)}}}};
      auto wire = encoder.encode(line);
      EXPECT_NE(wire, encode_sync_line(line, format));
      // A sync flush per line: the client decodes the whole line from what was sent so far.
      EXPECT_EQ(client.feed(wire), encode_sync_line(line, format));
    }
    EXPECT_EQ(client.feed(encoder.finish()), "");
    EXPECT_EQ(client.last, Z_STREAM_END);
  }
  SyncLineEncoder plain(SyncLineFormat::ndjson);
  EXPECT_FALSE(plain.gzip());
  EXPECT_EQ(plain.encode(nlohmann::ordered_json{{"a", 1}}), "{\"a\":1}\n");
  EXPECT_EQ(plain.finish(), "");
}
#else
TEST(DevserverSyncLineFormat, WithoutZlibNoGzip) {
  EXPECT_FALSE(accepts_gzip("gzip, deflate"));
  EXPECT_EQ(SyncLineEncoder(SyncLineFormat::ndjson).encode(nlohmann::ordered_json{{"a", 1}}), "{\"a\":1}\n");
}
#endif
