// Our own client (powersync::Database over HTTP) against the in-process devserver across
// compaction: a client that synced before compacting, one that stopped partway (its position
// inside what became a CLEAR) and a fresh client all reach the backend's rows, with bucket
// checksums equal to the server's and no checksum mismatch on the way.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "bucket_storage.hpp"
#include "compactor.hpp"
#include "config.hpp"
#include "devserver_connector.hpp"
#include "http_server.hpp"
#include "jwt.hpp"
#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/util/log.hpp"

namespace powersync::test {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 30s;

constexpr const char* kClientSchema = R"({"tables":[
  {"name":"lists","columns":[{"name":"created_at","type":"text"},{"name":"name","type":"text"},
                             {"name":"owner_id","type":"text"}]}]})";

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::atomic<int> checksum_mismatches{0};

// One client database with its connector.
struct Client {
  std::filesystem::path path;
  std::shared_ptr<Database> db;
  std::shared_ptr<DevserverConnector> connector;

  void open() {
    DatabaseOptions options;
    options.pool.path = path.string();
    db = Database::open(options, parse_schema_json(kClientSchema));
  }
  void connect(const std::string& endpoint, std::function<IssuedToken()> tokens) {
    connector = std::make_shared<DevserverConnector>(endpoint, std::move(tokens));
    connector->attach(db);
    sync::SyncOptions options;
    options.retry_delay = 100ms;
    db->connect(connector, options);
  }
  std::map<std::string, std::string> rows() {
    std::map<std::string, std::string> out;
    auto result = db->get_all("SELECT id, name FROM lists ORDER BY id");
    for (std::size_t i = 0; i < result.row_count(); ++i)
      out[std::get<std::string>(result.at(i, 0))] = std::get<std::string>(result.at(i, 1));
    return out;
  }
  // bucket -> (checksum, last op id) as the client keeps them.
  std::map<std::string, std::pair<std::uint32_t, std::int64_t>> buckets() {
    std::map<std::string, std::pair<std::uint32_t, std::int64_t>> out;
    auto result = db->get_all("SELECT name, (add_checksum + op_checksum) & 4294967295, last_op FROM ps_buckets");
    for (std::size_t i = 0; i < result.row_count(); ++i)
      out[std::get<std::string>(result.at(i, 0))] = {static_cast<std::uint32_t>(std::get<std::int64_t>(result.at(i, 1))),
                                                      std::get<std::int64_t>(result.at(i, 2))};
    return out;
  }
  ~Client() {
    if (db) db->close();
  }
};

class CompactionSync : public ::testing::Test {
 protected:
  void start(int compact_interval_seconds, int compact_min_superseded = 200) {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("devserver-compaction-" + std::to_string(random()));
    std::filesystem::create_directories(dir_);
    auto config = devserver::parse_config(R"(
port: 0
host: 127.0.0.1
storage: {type: sqlite, path: storage.db}
replication: {connections: [{type: sqlite, path: backend.db}]}
devserver: {poll_interval_ms: 20, keepalive_seconds: 1, compact_interval_seconds: )" +
                                              std::to_string(compact_interval_seconds) +
                                              ", compact_min_superseded: " + std::to_string(compact_min_superseded) + R"(}
client_auth:
  jwks: {keys: [{kty: oct, alg: HS256, kid: c, k: Y29tcGFjdGlvbi10ZXN0LXNlY3JldC0xMjM0NTY3OA}]}
  audience: [powersync-dev]
sync_config:
  content: |
    config:
      edition: 3
    streams:
      my_lists:
        query: SELECT * FROM lists WHERE owner_id = auth.user_id()
        auto_subscribe: true
)",
                                          dir_);
    server_ = std::make_unique<devserver::DevServer>(std::move(config));
    server_->start();
    backend_ = std::make_unique<Connection>(ConnectionOptions{.path = (dir_ / "backend.db").string()});
    log::set_sink(log::Level::warn, [](log::Level, std::string_view message) {
      if (message.find("Checksum mismatch") != std::string_view::npos) ++checksum_mismatches;
    });
    checksum_mismatches = 0;
  }

  void TearDown() override {
    clients_.clear();
    log::set_sink(log::Level::off, {});
    backend_.reset();
    if (server_) server_->stop();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  Client& client(const std::string& name) {
    auto& c = clients_[name];
    if (!c) {
      c = std::make_unique<Client>();
      c->path = dir_ / (name + ".db");
      c->open();
    }
    return *c;
  }
  void connect(Client& c, const std::string& user) {
    c.connect("http://127.0.0.1:" + std::to_string(server_->port()), [this, user] {
      auto now = devserver::unix_now();
      return IssuedToken{devserver::sign_token(server_->config().keys.front(), user, "powersync-dev", now, now + 3600),
                         std::chrono::system_clock::time_point(std::chrono::seconds(now + 3600))};
    });
  }

  std::map<std::string, std::string> backend_rows(const std::string& user) {
    std::map<std::string, std::string> out;
    auto stmt = backend_->prepare("SELECT id, name FROM lists WHERE owner_id = ? ORDER BY id");
    stmt.bind_text(1, user);
    while (stmt.step()) out[std::string(stmt.column_text(0))] = std::string(stmt.column_text(1));
    return out;
  }
  // The server's bucket states: name -> (checksum, last op id).
  std::map<std::string, std::pair<std::uint32_t, std::int64_t>> server_buckets() {
    devserver::BucketStorage storage(server_->config().storage_path);
    std::map<std::string, std::pair<std::uint32_t, std::int64_t>> out;
    for (const auto& name : storage.bucket_names()) {
      auto state = storage.bucket_state(name).value();
      out[name] = {state.checksum, state.last_op_id};
    }
    return out;
  }
  // The client holds the backend's rows for `user` and the server's checksum for each of its
  // buckets. (Its last_op is the last checkpoint's op id, the global head, not the bucket's.)
  bool converged(Client& c, const std::string& user) {
    if (c.rows() != backend_rows(user)) return false;
    auto server = server_buckets();
    auto buckets = c.buckets();
    for (const auto& [name, state] : buckets) {
      auto it = server.find(name);
      if (it == server.end() || it->second.first != state.first) return false;
    }
    return !buckets.empty();
  }
  // Updates every list `rounds` times; each round is replicated before the next, so every
  // update is an op of its own (the replicator folds changes to one row within one poll).
  void churn(const std::string& user, int lists, int rounds) {
    for (int round = 0; round < rounds; ++round) {
      for (int i = 0; i < lists; ++i)
        backend_->exec("UPDATE lists SET name = 'round " + std::to_string(round) + "' WHERE id = '" + user + "-" +
                       std::to_string(i) + "'");
      ASSERT_TRUE(replicated());
    }
  }
  std::string describe(Client& c, const std::string& user) {
    std::string out = "client rows " + std::to_string(c.rows().size()) + ", backend rows " +
                      std::to_string(backend_rows(user).size()) + "; client buckets:";
    for (const auto& [name, state] : c.buckets())
      out += " " + name + "=" + std::to_string(state.first) + "@" + std::to_string(state.second);
    out += "; server buckets:";
    for (const auto& [name, state] : server_buckets())
      out += " " + name + "=" + std::to_string(state.first) + "@" + std::to_string(state.second);
    return out + "; checksum mismatches " + std::to_string(checksum_mismatches.load());
  }
  void insert(const std::string& user, int from, int to) {
    for (int i = from; i < to; ++i)
      backend_->exec("INSERT INTO lists (id, name, owner_id) VALUES ('" + user + "-" + std::to_string(i) +
                     "', 'new', '" + user + "')");
  }
  devserver::CompactionStats compact_now() {
    // A second storage connection while the server runs, as `powersync-devserver compact` does.
    devserver::BucketStorage storage(server_->config().storage_path);
    return devserver::compact_all(storage);
  }
  // Waits until the replicator has consumed every backend change.
  bool replicated() {
    return eventually([&] {
      auto stmt = backend_->prepare("SELECT count(*) FROM _powersync_devserver_changes");
      stmt.step();
      return stmt.column_int64(0) == 0;
    });
  }

  std::filesystem::path dir_;
  std::unique_ptr<devserver::DevServer> server_;
  std::unique_ptr<Connection> backend_;
  std::map<std::string, std::unique_ptr<Client>> clients_;
};

TEST_F(CompactionSync, ClientsBeforeAndAfterCompactionConverge) {
  start(0);
  insert("u1", 0, 20);
  auto& early = client("early");
  connect(early, "u1");
  ASSERT_TRUE(eventually([&] { return converged(early, "u1"); }));

  churn("u1", 20, 3);
  backend_->exec("DELETE FROM lists WHERE id IN ('u1-0', 'u1-1', 'u1-2', 'u1-3', 'u1-4')");
  ASSERT_TRUE(replicated());
  ASSERT_TRUE(eventually([&] { return converged(early, "u1"); }));
  auto before = server_buckets();

  auto stats = compact_now();
  EXPECT_EQ(stats.buckets, 1);
  // 85 ops: 20 inserts, 3 rounds of 20 updates, 5 deletes. Every PUT but the last of each row
  // becomes a MOVE (65); ops 1..65 are then all MOVEs and become one CLEAR.
  EXPECT_EQ(stats.moved, 65);
  EXPECT_EQ(stats.clears, 1);
  EXPECT_EQ(stats.replaced, 65);
  EXPECT_EQ(server_buckets(), before);  // same checksums and last op ids

  // The early client gets a change after compaction; a fresh client syncs the compacted bucket.
  backend_->exec("UPDATE lists SET name = 'after compaction' WHERE id = 'u1-7'");
  insert("u1", 20, 22);
  ASSERT_TRUE(replicated());
  auto& fresh = client("fresh");
  connect(fresh, "u1");
  ASSERT_TRUE(eventually([&] { return converged(early, "u1"); })) << describe(early, "u1");
  ASSERT_TRUE(eventually([&] { return converged(fresh, "u1"); })) << describe(fresh, "u1");
  EXPECT_EQ(early.rows(), fresh.rows());
  EXPECT_EQ(early.buckets(), fresh.buckets());
  EXPECT_EQ(fresh.rows().at("u1-7"), "after compaction");
  EXPECT_EQ(fresh.rows().count("u1-0"), 0u);
  // The fresh client got the compacted bucket: the CLEAR and fewer ops than the early one saw.
  auto ops = fresh.db->get("SELECT count(*) FROM ps_oplog");
  EXPECT_EQ(std::get<std::int64_t>(ops.at(0, 0)), 17);
  EXPECT_EQ(checksum_mismatches.load(), 0);
}

TEST_F(CompactionSync, AClientWhosePositionWasCompactedAwayConverges) {
  start(0);
  insert("u1", 0, 10);
  auto& partway = client("partway");
  connect(partway, "u1");
  ASSERT_TRUE(eventually([&] { return converged(partway, "u1"); }));
  auto position = partway.buckets().begin()->second.second;
  partway.db->disconnect();

  // Offline, every row changes and some go away; the op the client stopped at becomes part of a CLEAR.
  churn("u1", 10, 2);
  backend_->exec("DELETE FROM lists WHERE id IN ('u1-0', 'u1-1')");
  ASSERT_TRUE(replicated());
  auto stats = compact_now();
  ASSERT_EQ(stats.clears, 1);
  {
    devserver::BucketStorage storage(server_->config().storage_path);
    auto bucket = storage.bucket_names().front();
    auto first = storage.ops(bucket, 0, storage.head_op_id(), 1).front();
    EXPECT_EQ(first.op, "CLEAR");
    EXPECT_GT(first.op_id, position);  // the client's `after` is inside what the CLEAR replaced
  }

  connect(partway, "u1");
  ASSERT_TRUE(eventually([&] { return converged(partway, "u1"); })) << describe(partway, "u1");
  EXPECT_EQ(partway.rows().size(), 8u);
  EXPECT_EQ(partway.rows().at("u1-5"), "round 1");
  EXPECT_EQ(checksum_mismatches.load(), 0);
}

TEST_F(CompactionSync, TheRunningServerCompactsBusyBucketsByItself) {
  start(1, 20);
  insert("u1", 0, 5);
  insert("u2", 0, 5);
  auto& live = client("live");
  connect(live, "u1");
  ASSERT_TRUE(eventually([&] { return converged(live, "u1"); })) << describe(live, "u1");
  churn("u1", 5, 10);  // 50 superseding ops in u1's bucket; u2's stays untouched
  ASSERT_TRUE(replicated());
  // At least one automatic round ran on u1's bucket (when it runs within the churn depends on timing).
  ASSERT_TRUE(eventually([&] { return server_->compactor()->totals().moved >= 20; }));
  {
    devserver::BucketStorage storage(server_->config().storage_path);
    for (const auto& op : storage.ops(R"(1#my_lists|0["u2"])", 0, storage.head_op_id(), 100)) EXPECT_EQ(op.op, "PUT");
    auto u1 = storage.ops(R"(1#my_lists|0["u1"])", 0, storage.head_op_id(), 100);
    EXPECT_EQ(u1.front().op, "CLEAR");  // the inserts and first rounds lead the bucket
  }
  ASSERT_TRUE(eventually([&] { return converged(live, "u1"); })) << describe(live, "u1");
  auto& fresh = client("fresh");
  connect(fresh, "u1");
  ASSERT_TRUE(eventually([&] { return converged(fresh, "u1"); })) << describe(fresh, "u1");
  EXPECT_EQ(fresh.rows(), live.rows());
  EXPECT_EQ(checksum_mismatches.load(), 0);
}

}  // namespace
}  // namespace powersync::test
