#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/sync/download_session.hpp"
#include "powersync/util/error.hpp"

namespace powersync::sync {
namespace {

class DownloadSessionTest : public ::testing::Test {
 protected:
  DownloadSessionTest() : db(ConnectionOptions{}) {
    client_id = ensure_internal_schema(db);
    db.exec("CREATE TABLE ps_data__lists(id TEXT PRIMARY KEY NOT NULL, data TEXT)");
  }
  Instructions line(DownloadSession& s, const std::string& text) {
    return s.handle_line(db, protocol::parse_json_line(text), text.size());
  }
  Connection db;
  std::string client_id;
};

TEST_F(DownloadSessionTest, RequestBodyListsHeldBucketsAndOptions) {
  SessionOptions options{client_id, R"({"region":"eu"})", R"({"app":"v1"})", false};
  StreamStorage(db).subscribe(StreamKey::make("s", std::nullopt), std::nullopt, std::nullopt);
  DownloadSession session(options);
  auto body = nlohmann::json::parse(session.start(db));
  EXPECT_EQ(body["buckets"], nlohmann::json::array());
  EXPECT_EQ(body["client_id"], client_id);
  EXPECT_EQ(body["parameters"]["region"], "eu");
  EXPECT_EQ(body["app_metadata"]["app"], "v1");
  EXPECT_EQ(body["streams"]["include_defaults"], false);
  EXPECT_EQ(body["streams"]["subscriptions"][0]["stream"], "s");
  EXPECT_TRUE(body["include_checksum"]);
  EXPECT_TRUE(body["raw_data"]);

  line(session, R"({"checkpoint":{"last_op_id":"2","buckets":[{"bucket":"b","checksum":3}]}})");
  line(session, R"({"data":{"bucket":"b","data":[{"op_id":"2","op":"PUT","object_type":"lists","object_id":"l","checksum":3,"data":"{}"}]}})");
  line(session, R"({"checkpoint_complete":{}})");
  DownloadSession again({client_id});
  body = nlohmann::json::parse(again.start(db));
  ASSERT_EQ(body["buckets"].size(), 1u);
  EXPECT_EQ(body["buckets"][0]["name"], "b");
  EXPECT_EQ(body["buckets"][0]["after"], "2");  // a string, as the official client sends it
}

TEST_F(DownloadSessionTest, ProgressCountsOpsPerPriority) {
  DownloadSession session({client_id});
  session.start(db);
  line(session,
       R"({"checkpoint":{"last_op_id":"9","buckets":[{"bucket":"hi","checksum":0,"priority":1,"count":2},{"bucket":"lo","checksum":0,"priority":3,"count":5}]}})");
  EXPECT_TRUE(session.state().downloading);
  EXPECT_EQ(session.state().progress.at(1), (ProgressCounts{0, 2}));
  EXPECT_EQ(session.state().progress.at(3), (ProgressCounts{0, 7}));
  line(session, R"({"data":{"bucket":"lo","data":[{"op_id":"1","op":"MOVE","checksum":0},{"op_id":"2","op":"MOVE","checksum":0}]}})");
  EXPECT_EQ(session.state().progress.at(1), (ProgressCounts{0, 2}));
  EXPECT_EQ(session.state().progress.at(3), (ProgressCounts{2, 7}));
}

TEST_F(DownloadSessionTest, KeepalivesAskForCredentials) {
  DownloadSession session({client_id});
  session.start(db);
  auto far = line(session, R"({"token_expires_in":600})");
  EXPECT_FALSE(far.fetch_credentials);
  auto soon = line(session, R"({"token_expires_in":20})");
  EXPECT_TRUE(soon.fetch_credentials);
  EXPECT_FALSE(soon.close_stream);
  auto expired = line(session, R"({"token_expires_in":0})");
  EXPECT_TRUE(expired.fetch_credentials);
  EXPECT_TRUE(expired.credentials_expired);
  EXPECT_TRUE(expired.close_stream);
}

TEST_F(DownloadSessionTest, ChecksumFailureClosesTheStreamWithAWarning) {
  DownloadSession session({client_id});
  session.start(db);
  line(session, R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"b","checksum":42}]}})");
  line(session, R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","object_type":"lists","object_id":"l","checksum":41,"data":"{}"}]}})");
  auto out = line(session, R"({"checkpoint_complete":{}})");
  EXPECT_TRUE(out.close_stream);
  EXPECT_FALSE(out.checkpoint_applied);
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("bucket(s) b"), std::string::npos) << out.warnings[0];
  auto count = db.prepare("SELECT count(*) FROM ps_buckets");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.column_int64(0), 0);  // the bad bucket is gone, to be downloaded again
}

TEST_F(DownloadSessionTest, AppliedCheckpointMarksHasSynced) {
  DownloadSession session({client_id});
  session.start(db);
  EXPECT_FALSE(session.state().has_synced);
  line(session, R"({"checkpoint":{"last_op_id":"0","buckets":[]}})");
  auto out = line(session, R"({"checkpoint_complete":{}})");
  EXPECT_TRUE(out.checkpoint_applied);
  EXPECT_TRUE(session.state().has_synced);
  EXPECT_TRUE(session.state().last_synced_at_us.has_value());
  EXPECT_FALSE(session.state().downloading);
  // A new session reads the persisted state.
  DownloadSession again({client_id});
  again.start(db);
  EXPECT_TRUE(again.state().has_synced);
}

TEST_F(DownloadSessionTest, LinesOutOfOrderAreProtocolErrors) {
  DownloadSession session({client_id});
  session.start(db);
  EXPECT_THROW(line(session, R"({"checkpoint_complete":{}})"), Error);
  EXPECT_THROW(line(session, R"({"checkpoint_diff":{"last_op_id":"1","updated_buckets":[],"removed_buckets":[]}})"),
               Error);
  EXPECT_NO_THROW(line(session, R"({"something_new":{}})"));
}

TEST_F(DownloadSessionTest, InvalidOptionsAreRejected) {
  DownloadSession session({client_id, "{not json"});
  EXPECT_THROW(session.start(db), Error);
}

}  // namespace
}  // namespace powersync::sync
