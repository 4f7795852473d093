// Differential test of Sync Stream subscriptions: the same subscribe/unsubscribe commands,
// live handles and sync lines go to the official core (powersync_control 'subscriptions',
// 'start' with active_streams, 'line_text') and to our StreamStorage + DownloadSession. Both
// must send the same `streams` in the request, keep the same ps_stream_subscriptions rows
// and report the same per-stream status.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "official_core.hpp"
#include "powersync/protocol/sync_line.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_apply.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/sync/download_session.hpp"
#include "powersync/sync/stream_subscriptions.hpp"

namespace powersync::conformance {
namespace {

using nlohmann::json;

constexpr const char* kSchema = R"({"tables":[{"name":"lists","columns":[{"name":"name","type":"text"}]}]})";

struct Subscribe {
  std::string name;
  std::optional<std::string> params;  // canonical JSON object
  std::optional<int> ttl;
  std::optional<int> priority;
};

// The stream-related part of a status, comparable across both clients.
json stream_view(const std::string& name, const json& params, std::optional<int> priority, bool active,
                 bool is_default, bool explicit_subscription, bool expires, bool synced, const json& progress) {
  return {{"name", name},         {"parameters", params},        {"priority", priority ? json(*priority) : json()},
          {"active", active},     {"is_default", is_default},    {"has_explicit_subscription", explicit_subscription},
          {"expires", expires},   {"synced", synced},            {"progress", progress}};
}

class OurClient {
 public:
  OurClient() : db_(ConnectionOptions{}) {
    register_sql_functions(db_);
    client_id_ = ensure_internal_schema(db_);
    apply_schema(db_, parse_schema_json(kSchema));
  }
  void subscribe(const Subscribe& s) {
    std::optional<std::chrono::seconds> ttl;
    if (s.ttl) ttl = std::chrono::seconds(*s.ttl);
    TransactionGuard tx(db_);
    sync::StreamStorage(db_).subscribe(sync::StreamKey::make(s.name, s.params), ttl, s.priority);
    tx.commit();
  }
  void unsubscribe_all(const std::string& name, const std::optional<std::string>& params) {
    TransactionGuard tx(db_);
    sync::StreamStorage(db_).unsubscribe_all(sync::StreamKey::make(name, params));
    tx.commit();
  }
  // Starts an iteration; returns the request's `streams`.
  json start(const std::vector<sync::StreamKey>& active, bool include_defaults = true) {
    session_ = std::make_unique<sync::DownloadSession>(sync::SessionOptions{client_id_, "{}", "{}", include_defaults});
    session_->update_subscriptions(db_, active);
    return json::parse(session_->start(db_))["streams"];
  }
  void line(const std::string& text) { session_->handle_line(db_, protocol::parse_json_line(text), text.size()); }
  json streams() const {
    json out = json::array();
    const bool downloading = session_->state().downloading;
    for (const auto& s : session_->state().streams) {
      json progress;
      if (downloading && s.progress) progress = {{"downloaded", s.progress->downloaded}, {"total", s.progress->total}};
      out.push_back(stream_view(s.name, s.parameters_json ? json::parse(*s.parameters_json) : json(), s.priority,
                                s.active, s.is_default, s.has_explicit_subscription, s.expires_at_us.has_value(),
                                s.has_synced(), progress));
    }
    return out;
  }
  Connection& db() { return db_; }

 private:
  Connection db_;
  std::string client_id_;
  std::unique_ptr<sync::DownloadSession> session_;
};

class OfficialClient {
 public:
  OfficialClient() : db_(open_official(":memory:", kSchema)) {}
  void subscribe(const Subscribe& s) {
    json request = {{"stream", {{"name", s.name}, {"params", s.params ? json::parse(*s.params) : json()}}}};
    if (s.ttl) request["ttl"] = *s.ttl;
    if (s.priority) request["priority"] = *s.priority;
    control("subscriptions", json({{"subscribe", request}}).dump());
  }
  void unsubscribe_all(const std::string& name, const std::optional<std::string>& params) {
    control("subscriptions", json({{"unsubscribe", {{"name", name}, {"params", params ? json::parse(*params) : json()}}}}).dump());
  }
  json start(const std::vector<sync::StreamKey>& active, bool include_defaults = true) {
    json keys = json::array();
    for (const auto& key : active) {
      keys.push_back({{"name", key.name}, {"params", key.parameters_json ? json::parse(*key.parameters_json) : json()}});
    }
    const json instructions = control(
        "start", json({{"parameters", json::object()}, {"schema", json::parse(kSchema)}, {"active_streams", keys},
                       {"include_defaults", include_defaults}})
                     .dump());
    for (const auto& instruction : instructions) {
      if (instruction.contains("EstablishSyncStream")) return instruction["EstablishSyncStream"]["request"]["streams"];
    }
    ADD_FAILURE() << "no EstablishSyncStream in " << instructions.dump();
    return json();
  }
  void line(const std::string& text) { control("line_text", text); }
  json streams() const {
    json out = json::array();
    const bool downloading = !status_["downloading"].is_null();
    for (const auto& s : status_["streams"]) {
      json progress;
      if (downloading) progress = {{"downloaded", s["progress"]["downloaded"]}, {"total", s["progress"]["total"]}};
      std::optional<int> priority;
      if (!s["priority"].is_null()) priority = s["priority"].get<int>();
      out.push_back(stream_view(s["name"], s["parameters"], priority, s["active"], s["is_default"],
                                s["has_explicit_subscription"], !s["expires_at"].is_null(),
                                !s["last_synced_at"].is_null(), progress));
    }
    return out;
  }
  Connection& db() { return *db_; }

 private:
  json control(const std::string& op, const std::string& payload) {
    TransactionGuard tx(*db_);
    auto stmt = db_->prepare("SELECT powersync_control(?, ?)");
    stmt.bind_text(1, op);
    stmt.bind_text(2, payload);
    json instructions = json::array();
    if (stmt.step() && !stmt.column_is_null(0)) instructions = json::parse(stmt.column_text(0));
    stmt.reset();
    tx.commit();
    for (const auto& instruction : instructions) {
      if (instruction.contains("UpdateSyncStatus")) status_ = instruction["UpdateSyncStatus"]["status"];
    }
    return instructions;
  }
  std::unique_ptr<Connection> db_;
  json status_ = {{"downloading", nullptr}, {"streams", json::array()}};
};

std::string dump_subscriptions(Connection& db) {
  std::string out;
  auto stmt = db.prepare(
      "SELECT id, stream_name, active, is_default, local_priority, local_params, ttl, expires_at IS NOT NULL, "
      "last_synced_at IS NOT NULL FROM ps_stream_subscriptions ORDER BY id");
  while (stmt.step()) {
    for (int i = 0; i < stmt.column_count(); ++i) {
      out += stmt.column_is_null(i) ? std::string("NULL") : std::string(stmt.column_text(i));
      out += i + 1 < stmt.column_count() ? "|" : "\n";
    }
  }
  return out;
}

class StreamConformance : public ::testing::Test {
 protected:
  void subscribe(const Subscribe& s) {
    ours.subscribe(s);
    official.subscribe(s);
    expect_same_rows();
  }
  void unsubscribe_all(const std::string& name, const std::optional<std::string>& params = std::nullopt) {
    ours.unsubscribe_all(name, params);
    official.unsubscribe_all(name, params);
    expect_same_rows();
  }
  json start(const std::vector<sync::StreamKey>& active, bool include_defaults = true) {
    json a = ours.start(active, include_defaults);
    json b = official.start(active, include_defaults);
    EXPECT_EQ(a, b);
    expect_same_rows();
    return a;
  }
  void feed(const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
      ours.line(l);
      official.line(l);
      expect_same_rows();
      EXPECT_EQ(ours.streams(), official.streams()) << l;
    }
  }
  void expect_same_rows() { EXPECT_EQ(dump_subscriptions(ours.db()), dump_subscriptions(official.db())); }
  OurClient ours;
  OfficialClient official;
};

const std::string kStreams =
    R"("streams":[{"name":"d","is_default":true,"errors":[]},{"name":"a","is_default":false,"errors":[]},)"
    R"({"name":"b","is_default":false,"errors":[{"subscription":1,"message":"bad parameter"}]}])";

TEST_F(StreamConformance, SubscriptionsDefaultsPrioritiesAndProgress) {
  subscribe({"a", R"({"x":1})", 3600, 1});
  subscribe({"b", std::nullopt, std::nullopt, std::nullopt});
  subscribe({"a", R"({"x":1})", 60, 2});  // keeps priority 1, renews the TTL
  const json streams = start({sync::StreamKey::make("a", R"({"x":1})")});
  EXPECT_EQ(streams["subscriptions"].size(), 2u);

  feed({R"({"checkpoint":{"last_op_id":"3","buckets":[)"
        R"({"bucket":"b1","checksum":1,"count":1,"priority":1,"subscriptions":[{"sub":0}]},)"
        R"({"bucket":"b2","checksum":2,"count":1,"priority":3,"subscriptions":[{"sub":1},{"sub":0}]},)"
        R"({"bucket":"b3","checksum":3,"count":1,"priority":2,"subscriptions":[{"default":0}]}],)" +
            kStreams + "}}",
        R"({"data":{"bucket":"b1","data":[{"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":1,"data":"{}"}]}})",
        R"({"partial_checkpoint_complete":{"last_op_id":"3","priority":1}})",
        R"({"data":{"bucket":"b3","data":[{"op_id":"3","op":"PUT","object_type":"lists","object_id":"l3","checksum":3,"data":"{}"}]}})",
        R"({"partial_checkpoint_complete":{"last_op_id":"3","priority":2}})",
        R"({"data":{"bucket":"b2","data":[{"op_id":"2","op":"PUT","object_type":"lists","object_id":"l2","checksum":2,"data":"{}"}]}})",
        R"({"checkpoint_complete":{"last_op_id":"3"}})"});
  // Not vacuous: three streams, "a" complete only with its priority-3 bucket, all synced.
  const json status = official.streams();
  ASSERT_EQ(status.size(), 3u) << status.dump();
  EXPECT_EQ(status[0], stream_view("a", {{"x", 1}}, 3, true, false, true, true, true, json()));
  EXPECT_EQ(status[2], stream_view("d", json(), 2, true, true, false, false, true, json()));

  // The default stream leaves the checkpoint: its implicit subscription goes.
  feed({R"({"checkpoint":{"last_op_id":"3","buckets":[)"
        R"({"bucket":"b1","checksum":1,"count":1,"priority":1,"subscriptions":[{"sub":0}]}],)"
        R"("streams":[{"name":"a","is_default":false,"errors":[]}]}})",
        R"({"checkpoint_complete":{"last_op_id":"3"}})"});
}

TEST_F(StreamConformance, UnsubscribeExpiryAndActiveHandles) {
  subscribe({"a", std::nullopt, 100, std::nullopt});
  subscribe({"b", R"({"k":"v"})", 100, 0});
  subscribe({"c", std::nullopt, 100, std::nullopt});
  start({}, false);
  feed({R"({"checkpoint":{"last_op_id":"0","buckets":[],"streams":[{"name":"a","is_default":true,"errors":[]}]}})"});
  unsubscribe_all("a");  // active in the checkpoint: kept, but no longer requested
  unsubscribe_all("c");
  for (auto* db : {&ours.db(), &official.db()}) db->exec("UPDATE ps_stream_subscriptions SET expires_at = 1 WHERE stream_name = 'b'");
  // A live handle renews "b" before the request; "c" (neither explicit nor active) is dropped.
  const json streams = start({sync::StreamKey::make("b", R"({"k":"v"})")});
  EXPECT_EQ(streams["subscriptions"].size(), 1u);
  // Without the handle, the expired subscription is dropped at the next start.
  for (auto* db : {&ours.db(), &official.db()}) db->exec("UPDATE ps_stream_subscriptions SET expires_at = 1 WHERE stream_name = 'b'");
  EXPECT_EQ(start({})["subscriptions"], json::array());
  EXPECT_EQ(dump_subscriptions(official.db()), "1|a|1|1|NULL|null|NULL|1|0\n");
}

}  // namespace
}  // namespace powersync::conformance
