// The download session's side of Sync Streams, without threads: stream errors in a
// checkpoint become warnings naming the subscription, and live handles decide whether a
// changed subscription set must reopen the stream.
#include <gtest/gtest.h>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/sync/download_session.hpp"
#include "powersync/sync/stream_subscriptions.hpp"

namespace powersync::sync {
namespace {

class StreamSessionTest : public ::testing::Test {
 protected:
  StreamSessionTest() : db(ConnectionOptions{}), session(SessionOptions{ensure_internal_schema(db)}) {}
  Instructions line(const std::string& text) {
    return session.handle_line(db, protocol::parse_json_line(text), text.size());
  }
  void subscribe(const std::string& name, std::optional<std::string> params) {
    StreamStorage(db).subscribe(StreamKey::make(name, params), std::nullopt, std::nullopt);
  }
  Connection db;
  DownloadSession session;
};

TEST_F(StreamSessionTest, StreamErrorsBecomeWarningsNamingTheSubscription) {
  subscribe("a", R"({"x":1})");
  subscribe("b", std::nullopt);
  session.start(db);
  const auto out = line(
      R"({"checkpoint":{"last_op_id":"0","buckets":[],"streams":[)"
      R"({"name":"a","is_default":false,"errors":[{"subscription":0,"message":"no such x"}]},)"
      R"({"name":"b","is_default":false,"errors":[{"subscription":1,"message":"denied"}]},)"
      R"({"name":"d","is_default":true,"errors":[{"subscription":"default","message":"broken"}]}]}})");
  EXPECT_EQ(out.warnings, (std::vector<std::string>{
                              R"(Subscription to stream a (with parameters {"x":1}) could not be resolved: no such x)",
                              "Subscription to stream b (without parameters) could not be resolved: denied",
                              "Default subscription d has errors: broken"}));
  ASSERT_EQ(session.state().streams.size(), 3u);
  EXPECT_TRUE(session.state().streams[2].is_default);
}

TEST_F(StreamSessionTest, OnlyARequestChangeReopensTheStream) {
  subscribe("a", std::nullopt);
  // Outside an iteration the handles are only remembered for the next request.
  EXPECT_FALSE(session.update_subscriptions(db, {StreamKey::make("a", std::nullopt)}));
  session.start(db);
  EXPECT_FALSE(session.update_subscriptions(db, {}));  // released: stays until its TTL
  subscribe("b", std::nullopt);
  EXPECT_TRUE(session.update_subscriptions(db, {StreamKey::make("b", std::nullopt)}));
  session.stream_ended();
  EXPECT_FALSE(session.update_subscriptions(db, {}));
}

}  // namespace
}  // namespace powersync::sync
