// Sync Streams through Database: subscriptions persisted in ps_stream_subscriptions, the
// request body, TTL expiry, handles and unsubscribe_all, per-stream status, waiting for a
// stream's first sync, and reopening the stream when the subscriptions change — against an
// in-process service that streams lines as the test pushes them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stop_token>
#include <thread>

#include "database_test_support.hpp"
#include "powersync/database.hpp"
#include "powersync/sync/sync_stream.hpp"

namespace powersync {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Each POST /sync/stream stays open; lines pushed by the test go to the open stream.
class LiveService : public transport::HttpClient {
 public:
  void stream(const transport::HttpRequest& request, const transport::StreamCallbacks& callbacks,
              const transport::Cancellation& cancel) override {
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(request.body);
      pending_.clear();  // lines meant for an earlier stream
    }
    changed_.notify_all();
    if (cancel.cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
    callbacks.on_head({200, {{"Content-Type", "application/x-ndjson"}}});
    bool cancelled = false;
    auto registration = cancel.on_cancel([&] {
      std::lock_guard lock(mutex_);
      cancelled = true;
      changed_.notify_all();
    });
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return cancelled || !pending_.empty(); });
      if (cancelled) break;
      std::deque<std::string> lines;
      lines.swap(pending_);
      lock.unlock();
      for (const auto& line : lines) callbacks.on_body(line + "\n");
      lock.lock();
      ++delivered_;
      changed_.notify_all();
    }
    lock.unlock();
    throw Error(ErrorCode::cancelled, "cancelled");
  }

  // Pushes a line and waits until the open stream handled it (for lines that keep it open).
  void push_and_wait(std::string line) {
    std::unique_lock lock(mutex_);
    const int before = delivered_;
    pending_.push_back(std::move(line));
    changed_.notify_all();
    if (!changed_.wait_for(lock, 10s, [&] { return delivered_ > before; })) ADD_FAILURE() << "line not handled";
  }
  void push(std::string line) {
    {
      std::lock_guard lock(mutex_);
      pending_.push_back(std::move(line));
    }
    changed_.notify_all();
  }
  // Waits until `count` streams were requested; their bodies as JSON.
  json request(std::size_t index) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 10s, [&] { return bodies_.size() > index; })) {
      ADD_FAILURE() << "no stream request #" << index;
      return json();
    }
    return json::parse(bodies_[index]);
  }
  std::size_t request_count() {
    std::lock_guard lock(mutex_);
    return bodies_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> bodies_;
  std::deque<std::string> pending_;
  int delivered_ = 0;
};

class TokenConnector : public sync::Connector {
 public:
  void fetch_credentials(std::shared_ptr<sync::Completion<std::optional<sync::Credentials>>> done) override {
    done->complete(sync::Credentials{"http://127.0.0.1:1", "token", std::nullopt});
  }
  void upload_data(std::shared_ptr<sync::Completion<sync::Done>> done) override { done->complete(sync::Done{}); }
};

json subscription(const std::string& stream, json parameters, json priority) {
  return {{"stream", stream}, {"parameters", std::move(parameters)}, {"override_priority", std::move(priority)}};
}

class SyncStreamTest : public ::testing::Test {
 protected:
  SyncStreamTest() { db = dbtest::open_file(dir.file("streams.db")); }

  void connect(bool include_defaults = true) {
    sync::SyncOptions options;
    options.retry_delay = 20ms;
    options.crud_upload_throttle = 0ms;
    options.include_default_streams = include_defaults;
    db->connect(std::make_shared<TokenConnector>(), options, service);
  }
  bool wait_for(const std::function<bool(const sync::SyncStatus&)>& predicate) {
    return db->wait_for_status(predicate, 10s);
  }
  std::int64_t count(const std::string& sql) { return dbtest::integer(db->get(sql)); }

  test::TempDir dir;
  std::shared_ptr<Database> db;
  std::shared_ptr<LiveService> service = std::make_shared<LiveService>();
};

TEST_F(SyncStreamTest, RequestCarriesExplicitSubscriptionsWithPriorities) {
  auto a = db->sync_stream("stream", R"({"foo":"a"})").subscribe();
  auto b = db->sync_stream("stream", R"({"foo":"b"})").subscribe({std::nullopt, 1});
  connect();
  const json streams = service->request(0)["streams"];
  EXPECT_EQ(streams["include_defaults"], true);
  EXPECT_EQ(streams["subscriptions"], json::array({subscription("stream", {{"foo", "a"}}, nullptr),
                                                   subscription("stream", {{"foo", "b"}}, 1)}));
}

TEST_F(SyncStreamTest, DefaultStreamsCanBeExcluded) {
  connect(false);
  EXPECT_EQ(service->request(0)["streams"], json({{"include_defaults", false}, {"subscriptions", json::array()}}));
}

TEST_F(SyncStreamTest, SubscriptionsPersistAcrossReopen) {
  db->sync_stream("lists", R"({"owner":"me"})").subscribe({std::chrono::seconds(3600), 2});
  const auto row = db->get("SELECT stream_name, local_params, ttl, local_priority, expires_at > 0 FROM ps_stream_subscriptions");
  EXPECT_EQ(dbtest::text(row, 0, 0), "lists");
  EXPECT_EQ(dbtest::text(row, 0, 1), R"({"owner":"me"})");
  EXPECT_EQ(dbtest::integer(row, 0, 2), 3600);
  EXPECT_EQ(dbtest::integer(row, 0, 3), 2);
  EXPECT_EQ(dbtest::integer(row, 0, 4), 1);
  db->close();
  db.reset();

  db = dbtest::open_file(dir.file("streams.db"));
  // The offline status lists it, and the first request carries it though no handle lives.
  const auto status = db->sync_status().for_stream("lists", R"({"owner":"me"})");
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->has_explicit_subscription);
  EXPECT_FALSE(status->active);
  EXPECT_FALSE(status->has_synced());
  EXPECT_TRUE(status->expires_at_us);
  connect();
  EXPECT_EQ(service->request(0)["streams"]["subscriptions"],
            json::array({subscription("lists", {{"owner", "me"}}, 2)}));
}

TEST_F(SyncStreamTest, ResubscribingRenewsTtlAndKeepsTheHigherPriority) {
  auto first = db->sync_stream("s").subscribe({std::chrono::seconds(10), 1});
  auto second = db->sync_stream("s").subscribe({std::chrono::seconds(20), 3});
  const auto row = db->get("SELECT count(*), max(ttl), max(local_priority) FROM ps_stream_subscriptions");
  EXPECT_EQ(dbtest::integer(row, 0, 0), 1);
  EXPECT_EQ(dbtest::integer(row, 0, 1), 20);
  EXPECT_EQ(dbtest::integer(row, 0, 2), 1);
}

TEST_F(SyncStreamTest, ExpiredSubscriptionsAreDroppedUnlessAHandleLives) {
  auto released = db->sync_stream("released").subscribe();
  auto held = db->sync_stream("held").subscribe();
  released->unsubscribe();
  released->unsubscribe();  // idempotent
  db->execute("UPDATE ps_stream_subscriptions SET expires_at = 1");
  connect();
  // The live handle moved "held" forward again before the request; "released" expired.
  EXPECT_EQ(service->request(0)["streams"]["subscriptions"], json::array({subscription("held", nullptr, nullptr)}));
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions WHERE stream_name = 'released'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions WHERE stream_name = 'held' AND expires_at > 1"), 1);
}

TEST_F(SyncStreamTest, UnsubscribeAllDropsTheSubscription) {
  auto handle = db->sync_stream("a").subscribe();
  db->sync_stream("a").unsubscribe_all();
  EXPECT_FALSE(db->sync_status().for_stream("a")->has_explicit_subscription);
  connect();
  EXPECT_EQ(service->request(0)["streams"]["subscriptions"], json::array());
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions"), 0);
}

TEST_F(SyncStreamTest, OfflineStatusListsNewSubscriptions) {
  auto handle = db->sync_stream("foo", R"({"b":1,"a":[true]})").subscribe();
  EXPECT_EQ(handle->name(), "foo");
  EXPECT_EQ(handle->parameters_json(), R"({"a":[true],"b":1})");
  // Parameters compare as JSON values, whatever their spelling.
  const auto status = db->sync_status().for_stream("foo", R"( { "a" : [ true ], "b" : 1 } )");
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->has_explicit_subscription);
  EXPECT_FALSE(db->sync_status().for_stream("foo"));
  EXPECT_FALSE(db->sync_status().for_stream("foo", R"({"a":[true]})"));
}

TEST_F(SyncStreamTest, InvalidArgumentsAreRejected) {
  auto code_of = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::ok;
  };
  EXPECT_EQ(code_of([&] { db->sync_stream("", std::nullopt); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { db->sync_stream("s", "[1]"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { db->sync_stream("s", "{"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { db->sync_stream("s").subscribe({std::nullopt, 4}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { db->sync_stream("s").subscribe({std::chrono::seconds(-1), std::nullopt}); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { db->sync_status().for_stream("s", "7"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions"), 0);
  auto stream = db->sync_stream("s");
  db->close();
  EXPECT_EQ(code_of([&] { stream.subscribe(); }), ErrorCode::closed);
}

TEST_F(SyncStreamTest, PerStreamStatusAndFirstSyncFollowPriorities) {
  auto a = db->sync_stream("stream", R"({"foo":"a"})").subscribe();
  auto b = db->sync_stream("stream", R"({"foo":"b"})").subscribe({std::nullopt, 1});
  connect();
  service->request(0);
  service->push(R"({"checkpoint":{"last_op_id":"2","buckets":[)"
                R"({"bucket":"a","checksum":1,"count":1,"priority":3,"subscriptions":[{"sub":0}]},)"
                R"({"bucket":"b","checksum":2,"count":1,"priority":1,"subscriptions":[{"sub":1}]}],)"
                R"("streams":[{"name":"stream","is_default":false,"errors":[]}]}})");
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) { return s.downloading; }));
  auto status = db->sync_status();
  for (const auto& params : {R"({"foo":"a"})", R"({"foo":"b"})"}) {
    const auto stream = status.for_stream("stream", params);
    ASSERT_TRUE(stream) << params;
    EXPECT_TRUE(stream->active);
    EXPECT_TRUE(stream->has_explicit_subscription);
    EXPECT_FALSE(stream->is_default);
    EXPECT_FALSE(stream->has_synced());
    EXPECT_EQ(stream->progress, (sync::ProgressCounts{0, 1}));
  }
  EXPECT_EQ(status.for_stream("stream", R"({"foo":"a"})")->priority, 3);
  EXPECT_EQ(status.for_stream("stream", R"({"foo":"b"})")->priority, 1);

  service->push(R"({"data":{"bucket":"b","data":[{"op_id":"2","op":"PUT","object_type":"lists","object_id":"l2","checksum":2,"data":"{\"name\":\"b\"}"}]}})");
  service->push(R"({"partial_checkpoint_complete":{"last_op_id":"2","priority":1}})");
  ASSERT_TRUE(b->wait_for_first_sync(10s));
  status = db->sync_status();
  EXPECT_FALSE(status.for_stream("stream", R"({"foo":"a"})")->has_synced());
  EXPECT_EQ(status.for_stream("stream", R"({"foo":"b"})")->progress, (sync::ProgressCounts{1, 1}));

  service->push(R"({"data":{"bucket":"a","data":[{"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":1,"data":"{\"name\":\"a\"}"}]}})");
  service->push(R"({"checkpoint_complete":{"last_op_id":"2"}})");
  ASSERT_TRUE(a->wait_for_first_sync(10s));
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) { return s.has_synced; }));
  status = db->sync_status();
  EXPECT_FALSE(status.for_stream("stream", R"({"foo":"a"})")->progress);  // not downloading
  // Stored: the next session knows the stream synced.
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions WHERE last_synced_at IS NOT NULL AND active"), 2);
}

TEST_F(SyncStreamTest, DefaultStreamsAreTrackedFromTheCheckpoint) {
  connect();
  service->request(0);
  service->push(R"({"checkpoint":{"last_op_id":"1","buckets":[)"
                R"({"bucket":"d","checksum":1,"count":1,"subscriptions":[{"default":0}]}],)"
                R"("streams":[{"name":"default_stream","is_default":true,"errors":[]}]}})");
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) { return !s.streams.empty(); }));
  auto stream = db->sync_status().for_stream("default_stream");
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->is_default);
  EXPECT_TRUE(stream->active);
  EXPECT_FALSE(stream->has_explicit_subscription);
  EXPECT_FALSE(stream->expires_at_us);
  EXPECT_EQ(stream->priority, 3);
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions WHERE is_default AND active AND ttl IS NULL"), 1);

  service->push(R"({"data":{"bucket":"d","data":[{"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":1,"data":"{}"}]}})");
  service->push(R"({"checkpoint_complete":{"last_op_id":"1"}})");
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) {
    const auto stream = s.for_stream("default_stream");
    return stream && stream->has_synced();
  }));
}

TEST_F(SyncStreamTest, DroppedDefaultStreamIsDeleted) {
  connect();
  service->request(0);
  service->push(R"({"checkpoint":{"last_op_id":"1","buckets":[],"streams":[{"name":"d","is_default":true,"errors":[]}]}})");
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) { return s.for_stream("d").has_value(); }));
  service->push(R"({"checkpoint":{"last_op_id":"1","buckets":[],"streams":[]}})");
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) { return !s.for_stream("d"); }));
  EXPECT_EQ(count("SELECT count(*) FROM ps_stream_subscriptions"), 0);
}

TEST_F(SyncStreamTest, SubscribingWhileConnectedReopensTheStream) {
  connect();
  EXPECT_EQ(service->request(0)["streams"]["subscriptions"], json::array());
  service->push(R"({"checkpoint":{"last_op_id":"0","buckets":[]}})");
  ASSERT_TRUE(wait_for([](const sync::SyncStatus& s) { return s.connected && s.downloading; }));

  auto a = db->sync_stream("a").subscribe();
  EXPECT_EQ(service->request(1)["streams"]["subscriptions"], json::array({subscription("a", nullptr, nullptr)}));
  // Releasing the handle keeps the subscription (its TTL runs): the request stays the same.
  a->unsubscribe();
  service->push_and_wait(R"({"token_expires_in":3600})");
  EXPECT_EQ(service->request_count(), 2u);
  auto b = db->sync_stream("b").subscribe();
  EXPECT_EQ(service->request(2)["streams"]["subscriptions"],
            json::array({subscription("a", nullptr, nullptr), subscription("b", nullptr, nullptr)}));
  EXPECT_EQ(service->request_count(), 3u);
  // Reopening is not an error.
  EXPECT_FALSE(db->sync_status().download_error);
}

TEST_F(SyncStreamTest, ExpiryWhileConnectedIsNoticedAtAKeepalive) {
  auto a = db->sync_stream("a").subscribe();
  connect();
  EXPECT_EQ(service->request(0)["streams"]["subscriptions"].size(), 1u);
  a->unsubscribe();
  db->execute("UPDATE ps_stream_subscriptions SET expires_at = 1");
  service->push(R"({"token_expires_in":3600})");
  EXPECT_EQ(service->request(1)["streams"]["subscriptions"], json::array());
}

TEST_F(SyncStreamTest, UnsubscribeAllWhileConnectedReopensTheStream) {
  auto a = db->sync_stream("a").subscribe();
  connect();
  EXPECT_EQ(service->request(0)["streams"]["subscriptions"].size(), 1u);
  db->sync_stream("a").unsubscribe_all();
  EXPECT_EQ(service->request(1)["streams"]["subscriptions"], json::array());
}

TEST_F(SyncStreamTest, WaitForFirstSyncEndsOnStopAndOnClose) {
  auto handle = db->sync_stream("never").subscribe();
  std::stop_source stop;
  std::thread stopper([&] { stop.request_stop(); });
  EXPECT_FALSE(handle->wait_for_first_sync(60s, stop.get_token()));
  stopper.join();
  db->close();
  EXPECT_FALSE(handle->wait_for_first_sync(60s));
  handle->unsubscribe();  // after close: nothing to do, no error
}

TEST_F(SyncStreamTest, HandlesOutliveTheDatabase) {
  auto handle = db->sync_stream("a").subscribe();
  db.reset();
  EXPECT_FALSE(handle->wait_for_first_sync(10ms));
  EXPECT_NO_THROW(handle->unsubscribe());
}

}  // namespace
}  // namespace powersync
