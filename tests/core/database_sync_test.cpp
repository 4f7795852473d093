// Database::connect end to end against the scripted sync service: synced rows reach the
// views and watchers, local writes are uploaded, status is observable, clear starts over.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "fake_sync_service.hpp"
#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"

namespace powersync {
namespace {

using namespace std::chrono_literals;
using sync::ScriptedStream;

const char* kSchema = R"({"tables":[{"name":"lists","columns":[{"name":"name","type":"text"}]}]})";
const std::string kCheckpoint = R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"b","checksum":5,"count":1}]}})";
const std::string kData =
    R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":5,"data":"{\"id\":\"l1\",\"name\":\"groceries\"}"}]}})";
const std::string kComplete = R"({"checkpoint_complete":{"last_op_id":"1"}})";

// Uploads through the database as an app's connector would.
class AppConnector : public sync::Connector {
 public:
  void fetch_credentials(std::shared_ptr<sync::Completion<std::optional<sync::Credentials>>> done) override {
    done->complete(sync::Credentials{"http://127.0.0.1:1", "dev-token", std::nullopt});
  }
  void upload_data(std::shared_ptr<sync::Completion<sync::Done>> done) override {
    auto db = database.lock();
    if (!db) return (void)done->fail("database gone");
    auto batch = db->get_crud_batch(100);
    for (const auto& entry : batch.entries) uploaded.push_back(entry.id);
    db->complete_crud(batch.last_client_id(), "3");
    done->complete(sync::Done{});
  }
  std::weak_ptr<Database> database;
  std::vector<std::string> uploaded;
};

class DatabaseSyncTest : public ::testing::Test {
 protected:
  DatabaseSyncTest() {
    db = Database::open({}, parse_schema_json(kSchema));
    connector->database = db;
  }
  void connect() {
    sync::SyncOptions options;
    options.retry_delay = 20ms;
    options.crud_upload_throttle = 0ms;
    db->connect(connector, options, service);
  }
  std::shared_ptr<Database> db;
  std::shared_ptr<sync::FakeService> service = std::make_shared<sync::FakeService>();
  std::shared_ptr<AppConnector> connector = std::make_shared<AppConnector>();
};

TEST_F(DatabaseSyncTest, SyncedRowsReachViewsAndWatchers) {
  std::promise<void> saw_row;
  std::atomic<bool> fulfilled{false};
  WatchOptions watch_options;
  watch_options.throttle = 0ms;
  auto watch = db->watch("SELECT name FROM lists", {}, watch_options, [&](const ResultSet* rows, const Error*) {
    if (rows && rows->row_count() == 1 && !fulfilled.exchange(true)) saw_row.set_value();
  });
  std::atomic<int> status_calls{0};
  auto status_listener = db->on_sync_status([&](const sync::SyncStatus&) { ++status_calls; });

  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  EXPECT_FALSE(db->sync_status().has_synced);
  connect();
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, 10s));
  EXPECT_EQ(saw_row.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(std::get<std::string>(db->get("SELECT name FROM lists").at(0, 0)), "groceries");
  EXPECT_TRUE(db->sync_status().connected);
  EXPECT_GT(status_calls.load(), 0);
  db->remove_listener(watch);
  db->remove_listener(status_listener);
}

TEST_F(DatabaseSyncTest, LocalWritesAreUploaded) {
  service->streams.push_back(ScriptedStream::ok({}));
  connect();
  db->execute("INSERT INTO lists(id, name) VALUES ('mine', 'local list')");
  ASSERT_TRUE(db->wait_for_status(
      [&](const sync::SyncStatus& s) { return !s.uploading && db->upload_queue_stats().count == 0; }, 10s));
  ASSERT_EQ(connector->uploaded, std::vector<std::string>{"mine"});
}

TEST_F(DatabaseSyncTest, DisconnectAndClearStartsOver) {
  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  connect();
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, 10s));
  db->disconnect_and_clear();
  EXPECT_FALSE(db->sync_status().has_synced);
  EXPECT_FALSE(db->sync_status().connected);
  EXPECT_EQ(db->get_all("SELECT * FROM lists").row_count(), 0u);
  // Connecting after a clear syncs again from scratch.
  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  connect();
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, 10s));
  EXPECT_EQ(db->get_all("SELECT * FROM lists").row_count(), 1u);
}

TEST_F(DatabaseSyncTest, CloseWhileConnectedStopsSyncing) {
  service->streams.push_back(ScriptedStream::ok({kCheckpoint}));
  connect();
  ASSERT_TRUE(db->wait_for_status([](const sync::SyncStatus& s) { return s.connected; }, 10s));
  db->close();
  EXPECT_TRUE(db->is_closed());
  EXPECT_THROW(db->connect(connector, {}, service), Error);
  EXPECT_NO_THROW(db->disconnect());  // idempotent after close
}

TEST_F(DatabaseSyncTest, ConnectWithoutConnectorIsInvalid) {
  try {
    db->connect(nullptr);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace powersync
