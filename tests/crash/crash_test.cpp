// SIGKILL crash test: crash_client writes and syncs against the devserver held here; it is
// killed at random points 50 times and restarted on the same database file. After every kill
// each write it logged as committed must be queued locally (ps_crud) or in the backend; at
// the end, after a clean sync, the backend holds every write exactly once and the local
// replica equals the backend.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "devserver_connector.hpp"
#include "devserver_fixture.hpp"
#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/storage/connection.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace powersync::test {
namespace {

using namespace std::chrono_literals;

constexpr int kKills = 50;

std::vector<std::string> read_log(const std::string& path) {
  std::vector<std::string> ids;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) ids.push_back(line);
  }
  return ids;
}

std::set<std::string> column_set(Connection& db, const std::string& sql) {
  std::set<std::string> out;
  auto stmt = db.prepare(sql);
  while (stmt.step()) out.insert(std::string(stmt.column_text(0)));
  return out;
}

// Rows as "id|description|completed" lines, sorted.
std::string todo_rows(Connection& db, const std::string& table) {
  std::string out;
  auto stmt = db.prepare("SELECT id, description, coalesce(completed, 'null') FROM " + table +
                         " WHERE list_id = 'crash' ORDER BY id");
  while (stmt.step()) {
    out += std::string(stmt.column_text(0)) + "|" + std::string(stmt.column_text(1)) + "|" +
           std::string(stmt.column_text(2)) + "\n";
  }
  return out;
}

pid_t spawn_client(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw std::runtime_error("posix_spawn failed: " + std::to_string(rc));
  return pid;
}

// (run, sequence number) of an id "r<run>-<seq>".
std::pair<int, int> parse_id(const std::string& id) {
  const auto dash = id.find('-');
  return {std::stoi(id.substr(1, dash - 1)), std::stoi(id.substr(dash + 1))};
}

TEST(CrashTest, CommittedWritesSurviveRepeatedSigkill) {
  TempDir dir{"powersync-crash"};
  DevserverInstance server(dir.path());
  const std::string db_path = dir.file("client.db");
  const std::string log_path = dir.file("committed.log");
  const std::string token = server.token("u1").token;
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> kill_after_ms(50, 1500);

  for (int run = 0; run < kKills; ++run) {
    // Something to download in every run, too.
    server.backend().exec("INSERT INTO lists(id, name, owner_id) VALUES ('list" + std::to_string(run) +
                          "', 'from the backend', 'u1')");
    const pid_t pid = spawn_client({POWERSYNC_CRASH_CLIENT, db_path, server.endpoint(), token, log_path,
                                    std::to_string(run)});
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(random)));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "crash_client exited by itself in run " << run
                                                  << " (status " << status << ")";
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    // No committed write lost: each is still queued locally or already in the backend.
    Connection local(ConnectionOptions{.path = db_path});
    // A kill before the client created its tables leaves no queue (and no logged write).
    const bool has_queue = !column_set(local, "SELECT name FROM sqlite_master WHERE name = 'ps_crud'").empty();
    const auto queued = has_queue ? column_set(local, "SELECT data ->> '$.id' FROM ps_crud") : std::set<std::string>{};
    const auto in_backend = column_set(server.backend(), "SELECT id FROM todos");
    for (const auto& id : read_log(log_path)) {
      ASSERT_TRUE(queued.count(id) || in_backend.count(id)) << "committed write " << id << " lost after run " << run;
    }
  }

  // A clean start on the same file: everything uploads and the replica converges.
  DatabaseOptions options;
  options.pool.path = db_path;
  auto db = Database::open(options, parse_schema_json(kDemoClientSchema));
  auto connector = std::make_shared<DevserverConnector>(server.endpoint(), [&] { return server.token("u1"); });
  connector->attach(db);
  sync::SyncOptions sync_options;
  sync_options.retry_delay = 100ms;
  sync_options.crud_upload_throttle = 10ms;
  db->connect(connector, sync_options);
  const auto logged = read_log(log_path);
  ASSERT_GT(logged.size(), 0u);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool converged = false;
  Connection local(ConnectionOptions{.path = db_path});
  while (!converged && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    converged = db->upload_queue_stats().count == 0 &&
                todo_rows(local, "todos") == todo_rows(server.backend(), "todos") &&
                column_set(local, "SELECT id FROM lists") == column_set(server.backend(), "SELECT id FROM lists");
  }
  db->disconnect();
  EXPECT_TRUE(converged) << "local todos:\n"
                         << todo_rows(local, "todos") << "backend todos:\n"
                         << todo_rows(server.backend(), "todos");

  // Every logged write is in the backend exactly once; a write not logged is at most the one
  // in flight at each kill (committed, killed before its log line).
  std::map<std::string, int> backend_ids;
  {
    auto stmt = server.backend().prepare("SELECT id, count(*) FROM todos WHERE list_id = 'crash' GROUP BY id");
    while (stmt.step()) backend_ids[std::string(stmt.column_text(0))] = static_cast<int>(stmt.column_int64(1));
  }
  std::map<int, int> last_logged_seq;
  for (const auto& id : logged) {
    ASSERT_EQ(backend_ids.count(id), 1u) << "write " << id << " never reached the backend";
    EXPECT_EQ(backend_ids[id], 1) << id;
    const auto [run, seq] = parse_id(id);
    last_logged_seq[run] = std::max(last_logged_seq.count(run) ? last_logged_seq[run] : -1, seq);
  }
  const std::set<std::string> logged_set(logged.begin(), logged.end());
  for (const auto& [id, count] : backend_ids) {
    if (logged_set.count(id)) continue;
    const auto [run, seq] = parse_id(id);
    const int expected_next = last_logged_seq.count(run) ? last_logged_seq[run] + 1 : 0;
    EXPECT_EQ(seq, expected_next) << "unexpected write " << id << " in the backend";
  }
  // Each transaction increments its predecessor's counter once: a replayed transaction or
  // upload applied twice on top of the first would show as 2.
  auto stmt = server.backend().prepare("SELECT count(*) FROM todos WHERE completed IS NOT NULL AND completed != 1");
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.column_int64(0), 0);
  std::printf("crash test: %d kills, %zu committed writes logged, %zu rows in the backend\n", kKills, logged.size(),
              backend_ids.size());
  db->close();
}

}  // namespace
}  // namespace powersync::test
