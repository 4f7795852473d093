// The devserver in-process on 127.0.0.1 (port 0): backend writes from another connection reach
// the sync stream; uploads and write checkpoints behave like the real service.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include <bson/bson.h>

#include <nlohmann/json.hpp>

#include "checksum.hpp"
#include "http_server.hpp"
#include "http_test_client.hpp"
#include "jwt.hpp"
#include "powersync/storage/connection.hpp"

using namespace powersync::devserver;
using devserver_test::HttpConnection;
using devserver_test::read_until;
using nlohmann::json;

namespace {

class DevserverEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("devserver-e2e-" + std::to_string(random()));
    std::filesystem::create_directories(dir_);
    auto config = parse_config(R"(
port: 0
host: 127.0.0.1
storage: {type: sqlite, path: storage.db}
replication: {connections: [{type: sqlite, path: backend.db}]}
devserver: {poll_interval_ms: 20}
client_auth:
  jwks: {keys: [{kty: oct, alg: HS256, kid: dev, k: c2VjcmV0LXNlY3JldC1zZWNyZXQ}]}
  audience: [powersync-dev]
sync_config:
  content: |
    config:
      edition: 3
    streams:
      my_lists:
        query: SELECT * FROM lists WHERE owner_id = auth.user_id()
        auto_subscribe: true
      list_todos:
        query: SELECT id, description, list_id FROM todos WHERE list_id = subscription.parameter('list_id')
)",
                               dir_);
    key_ = config.keys.front();
    server_ = std::make_unique<DevServer>(std::move(config));
    server_->start();
    backend_ = std::make_unique<powersync::Connection>(powersync::ConnectionOptions{.path = (dir_ / "backend.db").string()});
  }

  void TearDown() override {
    backend_.reset();
    if (server_) server_->stop();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string token(const std::string& user) {
    auto now = unix_now();
    return sign_token(key_, user, "powersync-dev", now, now + 3600);
  }

  std::filesystem::path dir_;
  HmacKey key_;
  std::unique_ptr<DevServer> server_;
  std::unique_ptr<powersync::Connection> backend_;
};

// Client-side view of the stream: bucket checksums from checkpoints and the ops received.
struct StreamState {
  std::map<std::string, json> buckets;                    // from checkpoint / checkpoint_diff
  std::map<std::string, std::vector<json>> ops;            // every op received, per bucket
  std::map<std::string, std::map<std::string, json>> rows;  // bucket -> object_id -> data (null once removed)
  std::string write_checkpoint;
  std::string last_complete;
  json last_line;

  void apply(const json& line) {
    last_line = line;
    if (line.contains("checkpoint")) {
      buckets.clear();
      for (const auto& b : line["checkpoint"]["buckets"]) buckets[b["bucket"]] = b;
      write_checkpoint = line["checkpoint"].value("write_checkpoint", "");
    } else if (line.contains("checkpoint_diff")) {
      for (const auto& b : line["checkpoint_diff"]["updated_buckets"]) buckets[b["bucket"]] = b;
      for (const auto& b : line["checkpoint_diff"]["removed_buckets"]) buckets.erase(b.get<std::string>());
      write_checkpoint = line["checkpoint_diff"].value("write_checkpoint", write_checkpoint);
    } else if (line.contains("data")) {
      const auto& d = line["data"];
      for (const auto& op : d["data"]) {
        ops[d["bucket"]].push_back(op);
        rows[d["bucket"]][op["object_id"]] = op["op"] == "PUT" ? json::parse(op["data"].get<std::string>()) : json();
      }
    } else if (line.contains("checkpoint_complete")) {
      last_complete = line["checkpoint_complete"]["last_op_id"];
    }
  }

  // The client's checksum validation: the signed sum of received op checksums equals the checkpoint's.
  void expect_checksums_match() const {
    for (const auto& [name, bucket] : buckets) {
      std::uint32_t sum = 0;
      std::size_t count = 0;
      if (auto it = ops.find(name); it != ops.end()) {
        for (const auto& op : it->second) sum = add_checksums(sum, op["checksum"].get<std::uint32_t>());
        count = it->second.size();
      }
      EXPECT_EQ(bucket["checksum"].get<std::int64_t>(), signed_checksum(sum)) << name;
      EXPECT_EQ(bucket["count"].get<std::size_t>(), count) << name;
    }
  }
};

}  // namespace

TEST_F(DevserverEndToEnd, LivenessProbe) {
  HttpConnection c(server_->port());
  c.send("GET", "/probes/liveness");
  EXPECT_EQ(c.status, 200);
  EXPECT_TRUE(json::parse(c.body())["ready"].get<bool>());
}

TEST_F(DevserverEndToEnd, MissingOrBadTokenIs401WithServiceCodes) {
  {
    HttpConnection c(server_->port());
    c.send("POST", "/sync/stream", "{}");
    EXPECT_EQ(c.status, 401);
    auto body = json::parse(c.body());
    EXPECT_EQ(body["error"]["code"], "PSYNC_S2106");
    EXPECT_EQ(body["error"]["status"], 401);
    EXPECT_EQ(body["error"]["name"], "AuthorizationError");
  }
  {
    HttpConnection c(server_->port());
    auto now = unix_now();
    c.send("POST", "/sync/stream", "{}", sign_token(HmacKey{"dev", "wrong"}, "u1", "powersync-dev", now, now + 60));
    EXPECT_EQ(c.status, 401);
    EXPECT_EQ(json::parse(c.body())["error"]["code"], "PSYNC_S2101");
  }
  {
    HttpConnection c(server_->port());
    auto now = unix_now();
    c.send("GET", "/write-checkpoint2.json?client_id=x", "", sign_token(key_, "u1", "other", now, now + 60));
    EXPECT_EQ(c.status, 401);
    EXPECT_EQ(json::parse(c.body())["error"]["code"], "PSYNC_S2105");
  }
}

TEST_F(DevserverEndToEnd, MalformedBodiesAreClientErrors) {
  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream", "{not json", token("u1"));
  EXPECT_EQ(stream.status, 400);
  HttpConnection upload(server_->port());
  upload.send("POST", "/api/data", R"({"nobatch":1})");
  EXPECT_EQ(upload.status, 400);
  for (const char* body : {R"([1,2])", R"({"buckets":"x"})", R"({"buckets":[{"after":"1"}]})", R"({"client_id":5})",
                           R"({"streams":{"include_defaults":"yes"}})", R"({"streams":{"subscriptions":[{"stream":1}]}})",
                           R"({"streams":{"subscriptions":[{"stream":"list_todos","override_priority":"high"}]}})",
                           R"({"parameters":[]})"}) {
    HttpConnection c(server_->port());
    c.send("POST", "/sync/stream", body, token("u1"));
    EXPECT_EQ(c.status, 400) << body;
    EXPECT_EQ(json::parse(c.body())["error"]["status"], 400) << body;
  }
  HttpConnection rows(server_->port());
  rows.send("POST", "/api/data", R"({"batch":[1, {"op":"PUT"}, {"op":"MERGE","type":"lists","id":"a"}, {"op":"PUT","type":"lists","id":{"x":1}}]})");
  EXPECT_EQ(rows.status, 200);
  EXPECT_EQ(json::parse(rows.body())["data"]["rejected"].size(), 4u);
  HttpConnection alive(server_->port());
  alive.send("GET", "/probes/liveness");
  EXPECT_EQ(alive.status, 200);
}

TEST_F(DevserverEndToEnd, SyncUploadAndWriteCheckpoint) {
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('l1', 'groceries', 'u1'), ('l2', 'other', 'u2')");
  backend_->exec("INSERT INTO todos (id, description, list_id) VALUES ('t0', 'milk', 'l1')");

  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream",
              json{{"buckets", json::array()},
                   {"include_checksum", true},
                   {"raw_data", true},
                   {"client_id", "c1"},
                   {"parameters", json::object()},
                   {"streams",
                    {{"include_defaults", true},
                     {"subscriptions", {{{"stream", "list_todos"}, {"parameters", {{"list_id", "l1"}}}, {"override_priority", nullptr}}}}}}}
                  .dump(),
              token("u1"));
  ASSERT_EQ(stream.status, 200);
  EXPECT_EQ(stream.headers["content-type"], "application/x-ndjson");

  const std::string lists_bucket = R"(1#my_lists|0["u1"])";
  const std::string todos_bucket = R"(1#list_todos|0["l1"])";
  StreamState state;
  auto first = json::parse(stream.next_line().value());
  ASSERT_TRUE(first.contains("checkpoint")) << first;
  state.apply(first);
  ASSERT_EQ(state.buckets.size(), 2u);
  EXPECT_EQ(state.buckets[lists_bucket]["subscriptions"], json::parse(R"([{"default":0}])"));
  EXPECT_EQ(state.buckets[todos_bucket]["subscriptions"], json::parse(R"([{"sub":0}])"));
  EXPECT_EQ(state.buckets[lists_bucket]["priority"], 3);
  EXPECT_TRUE(first["checkpoint"]["last_op_id"].is_string());
  EXPECT_EQ(first["checkpoint"]["streams"][0]["name"], "my_lists");
  EXPECT_EQ(first["checkpoint"]["streams"][0]["is_default"], true);

  read_until(stream, state, [&](const StreamState& s) {
    return s.rows.count(lists_bucket) && s.rows.at(lists_bucket).count("l1") && s.rows.count(todos_bucket) &&
           s.rows.at(todos_bucket).count("t0");
  });
  EXPECT_EQ(state.rows[lists_bucket]["l1"]["name"], "groceries");
  EXPECT_EQ(state.rows[todos_bucket]["t0"], json::parse(R"({"id":"t0","description":"milk","list_id":"l1"})"));
  EXPECT_EQ(state.rows[lists_bucket].count("l2"), 0u);  // u2's list never reaches u1
  const auto& put = state.ops[lists_bucket].front();
  EXPECT_EQ(put["op"], "PUT");
  EXPECT_EQ(put["object_type"], "lists");
  EXPECT_EQ(put["checksum"].get<std::uint32_t>(), put_checksum("lists", "l1", put["data"].get<std::string>()));
  state.expect_checksums_match();

  // A write from another connection arrives as checkpoint_diff + data + checkpoint_complete.
  backend_->exec("INSERT INTO todos (id, description, list_id) VALUES ('t1', 'bread', 'l1')");
  read_until(stream, state, [&](const StreamState& s) { return s.rows.at(todos_bucket).count("t1") > 0; });
  state.expect_checksums_match();

  // Upload: one good row, one rejected row, answered 200 with the error in the body.
  {
    HttpConnection upload(server_->port());
    upload.send("POST", "/api/data",
                R"({"batch":[{"op":"PUT","type":"todos","id":"t2","data":{"description":"eggs","list_id":"l1"}},
                             {"op":"PUT","type":"nope","id":"x","data":{"a":1}},
                             {"op":"PATCH","type":"lists","id":"l1","data":{"name":"shopping"}}]})",
                token("u1"));
    ASSERT_EQ(upload.status, 200);
    auto body = json::parse(upload.body());
    EXPECT_EQ(body["data"]["applied"], 2);
    ASSERT_EQ(body["data"]["rejected"].size(), 1u);
    EXPECT_EQ(body["data"]["rejected"][0]["index"], 1);
    EXPECT_NE(body["data"]["rejected"][0]["error"].get<std::string>().find("nope"), std::string::npos);
  }
  std::string write_checkpoint;
  {
    HttpConnection wc(server_->port());
    wc.send("GET", "/write-checkpoint2.json?client_id=c1", "", token("u1"));
    ASSERT_EQ(wc.status, 200);
    write_checkpoint = json::parse(wc.body())["data"]["write_checkpoint"];
    EXPECT_EQ(write_checkpoint, "1");
  }
  // The write checkpoint shows up only together with (or after) the uploaded rows.
  read_until(stream, state, [&](const StreamState& s) { return s.write_checkpoint == write_checkpoint; });
  EXPECT_EQ(state.rows[todos_bucket]["t2"]["description"], "eggs");
  EXPECT_EQ(state.rows[lists_bucket]["l1"]["name"], "shopping");
  state.expect_checksums_match();

  // A row leaving a bucket is a REMOVE there.
  backend_->exec("UPDATE todos SET list_id = 'l2' WHERE id = 't0'");
  read_until(stream, state, [&](const StreamState& s) { return s.rows.at(todos_bucket).at("t0").is_null(); });
  EXPECT_EQ(state.ops[todos_bucket].back()["op"], "REMOVE");
  EXPECT_TRUE(state.ops[todos_bucket].back()["data"].is_null());
  state.expect_checksums_match();
}

TEST_F(DevserverEndToEnd, ResumingWithUpToDateBucketsSendsNoData) {
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('l1', 'a', 'u1')");
  std::string last_op;
  {
    HttpConnection stream(server_->port());
    stream.send("POST", "/sync/stream", R"({"client_id":"c2"})", token("u1"));
    StreamState state;
    read_until(stream, state, [](const StreamState& s) { return s.ops.size() == 1; });
    last_op = state.ops.begin()->second.back()["op_id"];
  }
  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream",
              json{{"client_id", "c2"}, {"buckets", {{{"name", R"(1#my_lists|0["u1"])"}, {"after", last_op}}}}}.dump(),
              token("u1"));
  auto checkpoint = json::parse(stream.next_line().value());
  ASSERT_TRUE(checkpoint.contains("checkpoint"));
  EXPECT_EQ(checkpoint["checkpoint"]["buckets"].size(), 1u);
  auto next = json::parse(stream.next_line().value());
  EXPECT_TRUE(next.contains("checkpoint_complete")) << next;
}

TEST_F(DevserverEndToEnd, ManyRowsArePagedAtMostAThousandOpsPerLine) {
  backend_->exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) "
      "INSERT INTO lists (id, name, owner_id) SELECT 'l' || i, 'list ' || i, 'u1' FROM n");
  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream", R"({"client_id":"c3"})", token("u1"));
  StreamState state;
  std::size_t max_ops = 0;
  int lines_with_more = 0;
  for (int i = 0; i < 100; ++i) {
    auto line = json::parse(stream.next_line().value());
    state.apply(line);
    if (line.contains("data")) {
      max_ops = std::max(max_ops, line["data"]["data"].size());
      if (line["data"]["has_more"].get<bool>()) {
        ++lines_with_more;
        EXPECT_EQ(line["data"]["next_after"], line["data"]["data"].back()["op_id"]);
      }
    }
    if (line.contains("checkpoint_complete") && state.rows[R"(1#my_lists|0["u1"])"].size() == 2500) break;
  }
  EXPECT_EQ(state.rows[R"(1#my_lists|0["u1"])"].size(), 2500u);
  EXPECT_LE(max_ops, 1000u);
  EXPECT_GE(lines_with_more, 2);
  state.expect_checksums_match();
}

TEST_F(DevserverEndToEnd, KeepalivesThenTheStreamEndsAtTokenExpiry) {
  // A second server with 1 s keepalives; the token lives for 3 s.
  auto config = server_->config();
  config.keepalive_seconds = 1;
  config.port = 0;
  config.storage_path = dir_ / "storage-quick.db";
  DevServer quick(config);
  quick.start();
  auto now = unix_now();
  HttpConnection stream(quick.port());
  stream.send("POST", "/sync/stream", R"({"client_id":"c4"})", sign_token(key_, "u1", "powersync-dev", now, now + 3));
  ASSERT_EQ(stream.status, 200);
  std::vector<json> keepalives;
  bool saw_complete = false;
  while (auto line = stream.next_line()) {
    auto parsed = json::parse(*line);
    if (parsed.contains("checkpoint_complete")) saw_complete = true;
    if (parsed.contains("token_expires_in")) keepalives.push_back(parsed);
  }
  EXPECT_TRUE(saw_complete);
  ASSERT_GE(keepalives.size(), 2u);
  EXPECT_GT(keepalives.front()["token_expires_in"].get<int>(), 0);
  EXPECT_EQ(keepalives.back(), json::parse(R"({"token_expires_in":0})"));
  quick.stop();
}

TEST_F(DevserverEndToEnd, RestartKeepsBucketsAndAConfigChangeBumpsTheVersion) {
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('l1', 'a', 'u1')");
  auto first_checkpoint = [&](DevServer& server) {
    HttpConnection stream(server.port());
    stream.send("POST", "/sync/stream", R"({"client_id":"c5"})", token("u1"));
    StreamState state;
    read_until(stream, state, [](const StreamState& s) { return !s.ops.empty(); });
    return state;
  };
  auto before = first_checkpoint(*server_);
  auto config = server_->config();
  server_->stop();
  server_.reset();

  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('l2', 'written while stopped', 'u1')");
  server_ = std::make_unique<DevServer>(config);
  server_->start();
  auto after = first_checkpoint(*server_);
  const std::string bucket = R"(1#my_lists|0["u1"])";
  ASSERT_EQ(after.buckets.count(bucket), 1u);
  EXPECT_EQ(after.rows[bucket].size(), 2u);  // the change made while stopped was captured
  EXPECT_EQ(after.ops[bucket].front()["op_id"], before.ops[bucket].front()["op_id"]);
  after.expect_checksums_match();
  server_->stop();
  server_.reset();

  config.streams = parse_sync_config(R"(
config: {edition: 3}
streams:
  my_lists:
    query: SELECT id, name FROM lists WHERE owner_id = auth.user_id()
    auto_subscribe: true
)");
  config.sync_config_text = "changed";
  server_ = std::make_unique<DevServer>(config);
  server_->start();
  auto changed = first_checkpoint(*server_);
  ASSERT_EQ(changed.buckets.count(R"(2#my_lists|0["u1"])"), 1u);
  EXPECT_EQ(changed.rows[R"(2#my_lists|0["u1"])"]["l2"], json::parse(R"({"id":"l2","name":"written while stopped"})"));
  // Op ids keep increasing across the reset.
  EXPECT_GT(std::stoll(changed.ops.begin()->second.front()["op_id"].get<std::string>()),
            std::stoll(after.ops[bucket].back()["op_id"].get<std::string>()));
}

TEST_F(DevserverEndToEnd, ClosedIdleStreamsEndOnTheServer) {
  // The bounds only keep a broken build from hanging.
  auto wait_for = [](const std::function<bool()>& condition) {
    for (int i = 0; i < 300 && !condition(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return condition();
  };
  {
    HttpConnection stream(server_->port());
    stream.send("POST", "/sync/stream", R"({"client_id":"c6"})", token("u1"));
    StreamState state;
    read_until(stream, state, [](const StreamState&) { return true; });
    // After its first checkpoint the stream is served by the hub, not by a connection thread.
    EXPECT_TRUE(wait_for([&] { return server_->active_streams() == 1 && server_->active_connections() == 0; }));
  }  // the client goes away while its stream is idle
  EXPECT_TRUE(wait_for([&] { return server_->active_streams() == 0; }));
}

namespace {

json bson_to_json(const std::string& document) {
  bson_t doc;
  if (!bson_init_static(&doc, reinterpret_cast<const uint8_t*>(document.data()), document.size()))
    throw std::runtime_error("invalid BSON document");
  char* text = bson_as_relaxed_extended_json(&doc, nullptr);
  auto parsed = json::parse(text);
  bson_free(text);
  return parsed;
}

}  // namespace

TEST_F(DevserverEndToEnd, BsonStreamCarriesTheSameLinesAsNdjson) {
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('l1', 'ünï \"q\"', 'u1'), ('l2', NULL, 'u1')");
  backend_->exec("INSERT INTO todos (id, description, list_id) VALUES ('t1', 'x', 'l1')");
  std::string request =
      R"({"client_id":"c9","streams":{"subscriptions":[{"stream":"list_todos","parameters":{"list_id":"l1"}}]}})";
  auto read_first_checkpoint = [&](const std::string& accept, bool bson) {
    HttpConnection stream(server_->port());
    stream.send("POST", "/sync/stream", request, token("u1"), accept.empty() ? "" : "Accept: " + accept + "\r\n");
    EXPECT_EQ(stream.status, 200);
    EXPECT_EQ(stream.headers["content-type"], bson ? "application/vnd.powersync.bson-stream" : "application/x-ndjson");
    std::vector<json> lines;
    for (int i = 0; i < 100; ++i) {
      auto line = bson ? bson_to_json(stream.next_bson_document().value()) : json::parse(stream.next_line().value());
      lines.push_back(line);
      if (line.contains("checkpoint_complete")) break;
    }
    return lines;
  };
  // Replication runs in the background: wait until the first checkpoint carries all three rows.
  auto ndjson = read_first_checkpoint("", false);
  for (int i = 0; i < 100 && ndjson.size() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ndjson = read_first_checkpoint("", false);
  }
  auto bson = read_first_checkpoint("application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8", true);
  ASSERT_GE(ndjson.size(), 4u);  // checkpoint, two data lines, checkpoint_complete
  EXPECT_EQ(bson, ndjson);
  EXPECT_TRUE(bson.back().contains("checkpoint_complete"));
  // A client preferring NDJSON gets it even though it also accepts BSON.
  auto preferring_ndjson = read_first_checkpoint("application/x-ndjson, application/vnd.powersync.bson-stream;q=0.5", false);
  EXPECT_EQ(preferring_ndjson, ndjson);
}

TEST_F(DevserverEndToEnd, BsonStreamDeliversLaterChanges) {
  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream", R"({"client_id":"c10"})", token("u1"),
              "Accept: application/vnd.powersync.bson-stream\r\n");
  ASSERT_EQ(stream.headers["content-type"], "application/vnd.powersync.bson-stream");
  StreamState state;
  auto read_until_bson = [&](const std::function<bool(const StreamState&)>& done) {
    for (int i = 0; i < 1000; ++i) {
      auto line = bson_to_json(stream.next_bson_document().value());
      state.apply(line);
      if (line.contains("checkpoint_complete") && done(state)) return true;
    }
    return false;
  };
  ASSERT_TRUE(read_until_bson([](const StreamState&) { return true; }));
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('l7', 'later', 'u1')");
  ASSERT_TRUE(read_until_bson([](const StreamState& s) { return s.ops.size() == 1; }));
  EXPECT_EQ(state.rows[R"(1#my_lists|0["u1"])"]["l7"]["name"], "later");
  state.expect_checksums_match();
}

TEST_F(DevserverEndToEnd, StopEndsStreamsServedByTheHub) {
  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream", R"({"client_id":"c11"})", token("u1"));
  StreamState state;
  read_until(stream, state, [](const StreamState&) { return true; });
  for (int i = 0; i < 300 && server_->active_streams() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server_->active_streams(), 1u);
  server_->stop();  // must not wait for the idle stream; the client then sees its stream end
  bool ended = false;
  try {
    ended = !stream.next_line().has_value();
  } catch (const std::runtime_error&) {
    ended = true;  // closed without a last chunk
  }
  EXPECT_TRUE(ended);
}

#if POWERSYNC_DEVSERVER_GZIP
#include <zlib.h>

// A client sending Accept-Encoding: gzip (as Node's fetch and curl do) gets one gzip stream,
// flushed per line: the first checkpoint from the connection thread and later changes from the
// hub continue the same compressed stream.
TEST_F(DevserverEndToEnd, GzipStreamWhenAccepted) {
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('g1', 'zipped', 'u1')");
  HttpConnection stream(server_->port());
  stream.send("POST", "/sync/stream", R"({"client_id":"gz"})", token("u1"), "Accept-Encoding: gzip, deflate\r\n");
  ASSERT_EQ(stream.status, 200);
  EXPECT_EQ(stream.headers["content-encoding"], "gzip");

  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
  std::string text;
  auto next_json_line = [&]() -> json {
    while (true) {
      auto newline = text.find('\n');
      if (newline != std::string::npos) {
        auto line = text.substr(0, newline);
        text.erase(0, newline + 1);
        return json::parse(line);
      }
      auto chunk = stream.next_raw_chunk();
      if (!chunk) throw std::runtime_error("stream ended");
      z.next_in = reinterpret_cast<Bytef*>(chunk->data());
      z.avail_in = static_cast<uInt>(chunk->size());
      char buffer[4096];
      do {
        z.next_out = reinterpret_cast<Bytef*>(buffer);
        z.avail_out = sizeof buffer;
        int rc = inflate(&z, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("bad gzip data");
        text.append(buffer, sizeof buffer - z.avail_out);
      } while (z.avail_out == 0);
    }
  };
  StreamState state;
  auto saw_row = [&](const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      auto line = next_json_line();
      state.apply(line);
      if (line.contains("checkpoint_complete") && state.rows[R"(1#my_lists|0["u1"])"].count(id)) return true;
    }
    return false;
  };
  EXPECT_TRUE(saw_row("g1"));
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('g2', 'zipped later', 'u1')");
  EXPECT_TRUE(saw_row("g2"));
  state.expect_checksums_match();
  inflateEnd(&z);
}
#endif

// Connection threads end once a stream reaches the hub, and are joined right away (not at the
// next accept): with 140 streams open (more than the thread cap), no connection thread remains.
TEST_F(DevserverEndToEnd, ConnectionThreadsAreReleasedWithoutANewConnection) {
  backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('r1', 'x', 'u1')");
  std::vector<std::unique_ptr<HttpConnection>> streams;
  const std::size_t count = DevServer::kMaxConnectionThreads + 12;
  for (std::size_t i = 0; i < count; ++i) {
    streams.push_back(std::make_unique<HttpConnection>(server_->port()));
    streams.back()->send("POST", "/sync/stream", "{}", token("u" + std::to_string(i % 5)));
  }
  for (auto& s : streams) {
    ASSERT_EQ(s->status, 200);
    StreamState state;
    read_until(*s, state, [](const StreamState&) { return true; });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((server_->connection_threads() > 0 || server_->active_streams() < count) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->connection_threads(), 0u);
  EXPECT_EQ(server_->active_streams(), count);
}
