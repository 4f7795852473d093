// The victim of the crash test: opens a database file, connects to the devserver and keeps
// making local writes, each logged (id + '\n', fsync'd) only after its transaction committed,
// until it is killed. Usage:
//   crash_client <database file> <endpoint> <token> <write log> <run number>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "devserver_connector.hpp"
#include "devserver_fixture.hpp"
#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"

namespace {

using namespace powersync;
using namespace std::chrono_literals;

// Appends `id` to the log and forces it to disk: a logged id is a committed write.
void log_committed(int fd, const std::string& id) {
  const std::string line = id + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd) != 0) {
    std::perror("write log");
    std::_Exit(3);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: crash_client <db> <endpoint> <token> <log> <run>\n");
    return 2;
  }
  const std::string db_path = argv[1], endpoint = argv[2], token = argv[3], log_path = argv[4], run = argv[5];
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (log_fd < 0) {
    std::perror("open log");
    return 3;
  }
  DatabaseOptions options;
  options.pool.path = db_path;
  auto db = Database::open(options, parse_schema_json(test::kDemoClientSchema));
  auto connector = std::make_shared<test::DevserverConnector>(
      endpoint, [token] { return test::IssuedToken{token, std::nullopt}; });
  connector->attach(db);
  sync::SyncOptions sync_options;
  sync_options.retry_delay = 50ms;
  sync_options.crud_upload_throttle = 5ms;
  db->connect(connector, sync_options);

  std::mt19937 random(std::random_device{}());
  std::string previous;
  for (int seq = 0;; ++seq) {
    const std::string id = "r" + run + "-" + std::to_string(seq);
    if (seq % 3 == 2 && !previous.empty()) {
      // A transaction of two writes: a new row and an update of the one before.
      db->write_transaction([&](Transaction& tx) {
        tx.execute("INSERT INTO todos(id, description, created_by, list_id) VALUES (?, ?, 'u1', 'crash')",
                   {id, "write " + id});
        tx.execute("UPDATE todos SET completed = coalesce(completed, 0) + 1 WHERE id = ?", {previous});
      });
    } else {
      db->execute("INSERT INTO todos(id, description, created_by, list_id) VALUES (?, ?, 'u1', 'crash')",
                  {id, "write " + id});
    }
    log_committed(log_fd, id);
    previous = id;
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 8));
  }
}
