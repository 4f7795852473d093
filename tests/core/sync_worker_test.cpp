// The sync worker against a scripted in-process sync service (a fake HttpClient).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "powersync/crud/crud.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/sync/sync_worker.hpp"
#include "powersync/util/error.hpp"
#include "fake_sync_service.hpp"

namespace powersync::sync {
namespace {

using namespace std::chrono_literals;

class ScriptedConnector : public Connector {
 public:
  void fetch_credentials(std::shared_ptr<Completion<std::optional<Credentials>>> done) override {
    ++fetches;
    if (hold_credentials) {
      held = done;  // never completed: the worker must still stop
      return;
    }
    done->complete(Credentials{"http://127.0.0.1:1/", "token-" + std::to_string(fetches.load()), std::nullopt});
  }
  void upload_data(std::shared_ptr<Completion<Done>> done) override {
    ++uploads;
    if (fail_uploads) {
      done->fail("backend unavailable");
      return;
    }
    auto lease = pool->writer();
    auto batch = read_crud_batch(*lease, 100);
    complete_crud(*lease, batch.last_client_id(), std::nullopt);
    done->complete(Done{});
  }
  std::atomic<int> fetches{0};
  std::atomic<int> uploads{0};
  std::atomic<bool> fail_uploads{false};
  bool hold_credentials = false;
  std::shared_ptr<Completion<std::optional<Credentials>>> held;
  std::shared_ptr<ConnectionPool> pool;
};

class SyncWorkerTest : public ::testing::Test {
 protected:
  SyncWorkerTest() {
    pool = ConnectionPool::open({}, nullptr);
    auto lease = pool->writer();
    client_id = ensure_internal_schema(*lease);
    lease->exec("CREATE TABLE ps_data__lists(id TEXT PRIMARY KEY NOT NULL, data TEXT)");
    connector->pool = pool;
  }
  ~SyncWorkerTest() override {
    if (worker) worker->stop();
  }

  void start(SyncOptions options = {}) {
    options.retry_delay = 20ms;
    options.crud_upload_throttle = 0ms;
    worker = std::make_shared<SyncWorker>(
        pool, client_id, connector, service, options,
        [this](const SyncStatus& status, std::uint64_t) {
          std::lock_guard lock(status_mutex);
          statuses.push_back(status);
          status_changed.notify_all();
        },
        [this](Connection&) { ++commits; });
    worker->start();
  }

  bool wait_for_status(const std::function<bool(const SyncStatus&)>& pred) {
    std::unique_lock lock(status_mutex);
    return status_changed.wait_for(lock, 10s, [&] { return !statuses.empty() && pred(statuses.back()); });
  }

  std::string query(const std::string& sql) {
    auto lease = pool->reader();
    auto stmt = lease->prepare(sql);
    std::string out;
    while (stmt.step()) out += std::string(stmt.column_text(0)) + "\n";
    return out;
  }

  std::shared_ptr<ConnectionPool> pool;
  std::string client_id;
  std::shared_ptr<FakeService> service = std::make_shared<FakeService>();
  std::shared_ptr<ScriptedConnector> connector = std::make_shared<ScriptedConnector>();
  std::shared_ptr<SyncWorker> worker;
  std::mutex status_mutex;
  std::condition_variable status_changed;
  std::vector<SyncStatus> statuses;
  std::atomic<int> commits{0};
};

const std::string kCheckpoint = R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"b","checksum":5,"count":1}]}})";
const std::string kData =
    R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","object_type":"lists","object_id":"l1","checksum":5,"data":"{\"name\":\"groceries\"}"}]}})";
const std::string kComplete = R"({"checkpoint_complete":{"last_op_id":"1"}})";

TEST_F(SyncWorkerTest, SyncsACheckpointAndReportsStatus) {
  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return s.connected && s.has_synced; }));
  EXPECT_EQ(query("SELECT data FROM ps_data__lists"), "{\"name\":\"groceries\"}\n");
  EXPECT_GT(commits.load(), 0);
  std::lock_guard lock(service->mutex);
  const auto& request = service->requests.front();
  EXPECT_EQ(request.url, "http://127.0.0.1:1/sync/stream");
  EXPECT_EQ(*transport::find_header(request.headers, "authorization"), "Token token-1");
  EXPECT_EQ(nlohmann::json::parse(request.body)["client_id"], client_id);
}

TEST_F(SyncWorkerTest, UnauthorizedRefetchesCredentialsAndRetries) {
  service->streams.push_back(ScriptedStream::failing(401, R"({"error":{"code":"PSYNC_S2101","description":"bad token"}})"));
  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return s.has_synced; }));
  EXPECT_GE(connector->fetches.load(), 2);
  bool saw_error = false;
  std::lock_guard lock(status_mutex);
  for (const auto& s : statuses) {
    if (s.download_error && s.download_error->find("PSYNC_S2101 bad token") != std::string::npos) saw_error = true;
  }
  EXPECT_TRUE(saw_error);
}

TEST_F(SyncWorkerTest, MalformedLineIsADownloadErrorThenReconnects) {
  service->streams.push_back(ScriptedStream::ok({R"({"checkpoint":{"last_op_id":)"}, false));
  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return s.has_synced; }));
  std::lock_guard lock(status_mutex);
  bool saw_error = false;
  for (const auto& s : statuses) saw_error |= s.download_error && s.download_error->find("Invalid sync line") == 0;
  EXPECT_TRUE(saw_error);
}

TEST_F(SyncWorkerTest, ExpiredTokenClosesTheStreamAndFetchesANewOne) {
  service->streams.push_back(ScriptedStream::ok({R"({"token_expires_in":0})"}));
  service->streams.push_back(ScriptedStream::ok({kCheckpoint, kData, kComplete}));
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return s.has_synced; }));
  EXPECT_GE(connector->fetches.load(), 2);
  std::lock_guard lock(service->mutex);
  EXPECT_EQ(*transport::find_header(service->requests.back().headers, "authorization"), "Token token-2");
}

TEST_F(SyncWorkerTest, UploadsQueuedWritesAndRequestsAWriteCheckpoint) {
  {
    auto lease = pool->writer();
    lease->exec(R"(INSERT INTO ps_crud(data, tx_id) VALUES ('{"op":"PUT","id":"x","type":"lists","data":{}}', 1))");
    lease->exec("INSERT INTO ps_kv(key, value) VALUES('target_checkpoint_request_id', 9223372036854775807)");
  }
  service->streams.push_back(ScriptedStream::ok({}));
  start();
  ASSERT_TRUE(service->wait_until([&] { return service->write_checkpoint_requests > 0; }));
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return !s.uploading && !s.upload_error; }));
  EXPECT_EQ(connector->uploads.load(), 1);
  EXPECT_EQ(query("SELECT count(*) FROM ps_crud"), "0\n");
  EXPECT_EQ(query("SELECT value FROM ps_kv WHERE key = 'target_checkpoint_request_id'"), "7\n");
}

TEST_F(SyncWorkerTest, FailedUploadIsRetriedByTheTimer) {
  {
    auto lease = pool->writer();
    lease->exec(R"(INSERT INTO ps_crud(data, tx_id) VALUES ('{"op":"PUT","id":"x","type":"lists","data":{}}', 1))");
  }
  connector->fail_uploads = true;
  service->streams.push_back(ScriptedStream::ok({}));
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) {
    return s.upload_error && s.upload_error->find("backend unavailable") != std::string::npos;
  }));
  // No new write: only the retry timer can cause the next attempts.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (connector->uploads.load() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_GE(connector->uploads.load(), 3);
  connector->fail_uploads = false;
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return !s.upload_error && !s.uploading; }));
  EXPECT_EQ(query("SELECT count(*) FROM ps_crud"), "0\n");
}

TEST_F(SyncWorkerTest, StopCancelsAHangingStream) {
  service->streams.push_back(ScriptedStream::ok({kCheckpoint}));
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return s.connected && s.downloading; }));
  worker->stop();
  EXPECT_FALSE(worker->status().connected);
  EXPECT_FALSE(worker->status().downloading);
}

TEST_F(SyncWorkerTest, StopReturnsWhileTheHostNeverAnswers) {
  connector->hold_credentials = true;
  start();
  ASSERT_TRUE(wait_for_status([](const SyncStatus& s) { return s.connecting; }));
  worker->stop();  // must not wait for the connector
  EXPECT_FALSE(worker->status().connecting);
}

}  // namespace
}  // namespace powersync::sync
