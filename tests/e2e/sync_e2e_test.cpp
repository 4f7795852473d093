// Our client (Database::connect with the libcurl HttpClient) against the real devserver,
// in-process on 127.0.0.1: initial sync, offline writes uploaded on reconnect, backend changes
// and bucket departures reaching the client, token expiry and refresh, and clear + reconnect.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "devserver_connector.hpp"
#include "devserver_fixture.hpp"
#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"
#include "temp_dir.hpp"

namespace powersync::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 30s;  // generous bound for sanitizer builds on a loaded machine

// Polls `condition` until it holds or `timeout` passes (the devserver polls its change log,
// so backend changes arrive asynchronously).
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

class SyncEndToEnd : public ::testing::Test {
 protected:
  SyncEndToEnd() : server(dir.path()) {}
  ~SyncEndToEnd() override {
    if (db) db->close();
  }

  void open() {
    DatabaseOptions options;
    options.pool.path = dir.file("client.db");
    db = Database::open(options, parse_schema_json(kDemoClientSchema));
  }

  std::shared_ptr<DevserverConnector> make_connector(const std::string& user,
                                                     std::chrono::seconds lifetime = std::chrono::hours(1)) {
    auto c = std::make_shared<DevserverConnector>(server.endpoint(),
                                                  [this, user, lifetime] { return server.token(user, lifetime); });
    c->attach(db);
    return c;
  }

  void connect(const std::shared_ptr<DevserverConnector>& c) {
    sync::SyncOptions options;
    options.retry_delay = 100ms;
    options.crud_upload_throttle = 10ms;
    db->connect(c, options);
  }

  std::int64_t count(const std::string& sql) { return std::get<std::int64_t>(db->get(sql).at(0, 0)); }
  std::int64_t backend_count(const std::string& sql) {
    auto stmt = server.backend().prepare(sql);
    EXPECT_TRUE(stmt.step());
    return stmt.column_int64(0);
  }
  std::string client_text(const std::string& sql) {
    auto rows = db->get_optional(sql);
    if (rows.row_count() == 0) return "<none>";
    const auto& v = rows.at(0, 0);
    return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "<not text>";
  }

  TempDir dir{"powersync-e2e"};
  DevserverInstance server;
  std::shared_ptr<Database> db;
};

TEST_F(SyncEndToEnd, InitialSyncDeliversOnlyTheUsersRows) {
  server.backend().exec(
      "INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'groceries', 'u1'), ('l2', 'work', 'u1'), "
      "('other', 'not mine', 'u2');"
      "INSERT INTO todos(id, description, created_by, list_id) VALUES ('t1', 'milk', 'u1', 'l1')");
  open();
  connect(make_connector("u1"));
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  // The devserver replicates backend writes by polling, so the first checkpoint may precede them.
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists") == 2; }));
  ASSERT_TRUE(eventually([&] { return client_text("SELECT description FROM todos WHERE id = 't1'") == "milk"; }));
  EXPECT_EQ(count("SELECT count(*) FROM lists WHERE id = 'other'"), 0);
  const auto status = db->sync_status();
  EXPECT_TRUE(status.connected);
  EXPECT_FALSE(status.download_error.has_value()) << *status.download_error;
  EXPECT_TRUE(status.last_synced_at_us.has_value());
}

TEST_F(SyncEndToEnd, OfflineWritesAreUploadedOnConnectAndComeBackSynced) {
  open();
  // Offline: never connected yet.
  db->execute("INSERT INTO lists(id, name, owner_id) VALUES ('a', 'offline one', 'u1')");
  db->execute("INSERT INTO lists(id, name, owner_id) VALUES ('b', 'offline two', 'u1')");
  db->execute("UPDATE lists SET name = 'offline one, edited' WHERE id = 'a'");
  db->execute("INSERT INTO todos(id, description, created_by, list_id) VALUES ('t', 'task', 'u1', 'a')");
  db->execute("DELETE FROM lists WHERE id = 'b'");
  EXPECT_EQ(db->upload_queue_stats().count, 5);

  auto connector = make_connector("u1");
  connect(connector);
  ASSERT_TRUE(eventually([&] { return db->upload_queue_stats().count == 0; }));
  // The queue empties inside the connector's upload, just before it reports completion.
  ASSERT_TRUE(eventually([&] { return connector->uploads_completed() >= 1; }));
  EXPECT_EQ(backend_count("SELECT count(*) FROM lists WHERE id = 'a' AND name = 'offline one, edited'"), 1);
  EXPECT_EQ(backend_count("SELECT count(*) FROM lists WHERE id = 'b'"), 0);
  EXPECT_EQ(backend_count("SELECT count(*) FROM todos WHERE id = 't'"), 1);
  // The rows come back through the sync stream once the write checkpoint is reached.
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM ps_oplog WHERE row_id IN ('a', 't')") == 2; }));
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  EXPECT_EQ(client_text("SELECT name FROM lists WHERE id = 'a'"), "offline one, edited");
  EXPECT_EQ(count("SELECT count(*) FROM lists WHERE id = 'b'"), 0);

  // Offline again: a write made while disconnected is uploaded on the next connect.
  db->disconnect();
  db->execute("UPDATE lists SET name = 'while away' WHERE id = 'a'");
  connect(connector);
  ASSERT_TRUE(eventually([&] { return backend_count("SELECT count(*) FROM lists WHERE name = 'while away'") == 1; }));
  ASSERT_TRUE(eventually([&] { return db->upload_queue_stats().count == 0; }));
}

TEST_F(SyncEndToEnd, BackendChangesReachTheClient) {
  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'first', 'u1')");
  open();
  connect(make_connector("u1"));
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(eventually([&] { return client_text("SELECT name FROM lists WHERE id = 'l1'") == "first"; }));

  server.backend().exec("UPDATE lists SET name = 'renamed in the backend' WHERE id = 'l1'");
  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('l2', 'new in the backend', 'u1')");
  ASSERT_TRUE(eventually([&] { return client_text("SELECT name FROM lists WHERE id = 'l1'") == "renamed in the backend"; }));
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists WHERE id = 'l2'") == 1; }));
  server.backend().exec("DELETE FROM lists WHERE id = 'l2'");
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists WHERE id = 'l2'") == 0; }));
}

TEST_F(SyncEndToEnd, RowLeavingTheUsersBucketIsRemoved) {
  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('shared', 'moving', 'u1'), ('stays', 'x', 'u1')");
  open();
  connect(make_connector("u1"));
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists") == 2; }));

  server.backend().exec("UPDATE lists SET owner_id = 'u2' WHERE id = 'shared'");
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists WHERE id = 'shared'") == 0; }));
  EXPECT_EQ(count("SELECT count(*) FROM lists WHERE id = 'stays'"), 1);
  // And back again.
  server.backend().exec("UPDATE lists SET owner_id = 'u1' WHERE id = 'shared'");
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists WHERE id = 'shared'") == 1; }));
}

TEST_F(SyncEndToEnd, ExpiringTokensAreRefreshedAndSyncGoesOn) {
  open();
  // Tokens live 3 s: the devserver ends each stream at expiry with token_expires_in: 0.
  auto connector = make_connector("u1", std::chrono::seconds(3));
  connect(connector);
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(eventually([&] { return connector->credentials_fetched() >= 3; }));
  // The connection made with a refreshed token still delivers changes.
  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('after', 'after refresh', 'u1')");
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists WHERE id = 'after'") == 1; }));
  ASSERT_TRUE(db->wait_for_status([](const sync::SyncStatus& s) { return s.connected; }, kWait));
}

TEST_F(SyncEndToEnd, RejectedTokenIsReportedAndAValidOneRecovers) {
  open();
  std::atomic<bool> valid{false};
  auto connector = std::make_shared<DevserverConnector>(server.endpoint(), [&] {
    return valid ? server.token("u1") : IssuedToken{"not-a-jwt", std::nullopt};
  });
  connector->attach(db);
  connect(connector);
  ASSERT_TRUE(db->wait_for_status([](const sync::SyncStatus& s) { return s.download_error.has_value(); }, kWait));
  EXPECT_FALSE(db->sync_status().connected);
  valid = true;
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(db->wait_for_status([](const sync::SyncStatus& s) { return !s.download_error; }, kWait));
}

TEST_F(SyncEndToEnd, FailedUploadsAreRetriedWithoutANewWrite) {
  open();
  auto connector = make_connector("u1");
  connector->set_uploads_failing(true);
  connect(connector);
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  db->execute("INSERT INTO lists(id, name, owner_id) VALUES ('retry', 'queued', 'u1')");
  ASSERT_TRUE(db->wait_for_status([](const sync::SyncStatus& s) { return s.upload_error.has_value(); }, kWait));
  EXPECT_EQ(db->upload_queue_stats().count, 1);
  // The backend recovers; the retry timer alone delivers the queued write.
  connector->set_uploads_failing(false);
  ASSERT_TRUE(eventually([&] { return backend_count("SELECT count(*) FROM lists WHERE id = 'retry'") == 1; }));
  ASSERT_TRUE(eventually([&] { return db->upload_queue_stats().count == 0; }));
}

TEST_F(SyncEndToEnd, DisconnectAndClearThenReconnectSyncsAgain) {
  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'one', 'u1'), ('l2', 'two', 'u1')");
  open();
  auto connector = make_connector("u1");
  connect(connector);
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists") == 2; }));

  db->disconnect_and_clear();
  EXPECT_EQ(count("SELECT count(*) FROM lists"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM ps_buckets"), 0);
  EXPECT_FALSE(db->sync_status().has_synced);
  EXPECT_FALSE(db->sync_status().connected);

  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('l3', 'three', 'u1')");
  connect(connector);
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists") == 3; }));
  // Another user on the same database after a clear sees only their own rows.
  db->disconnect_and_clear();
  server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('theirs', 'u2 list', 'u2')");
  connect(make_connector("u2"));
  ASSERT_TRUE(db->wait_for_first_sync(std::nullopt, kWait));
  ASSERT_TRUE(eventually([&] { return count("SELECT count(*) FROM lists") == 1; }));
  EXPECT_EQ(client_text("SELECT id FROM lists"), "theirs");
}

}  // namespace
}  // namespace powersync::test
