// bench/checkpoint_apply — goal P4 of TARGETS.md: with N rows synced locally, the latency of
// a one-row checkpoint (checkpoint_diff + one data line + checkpoint_complete) until it is
// visible, p50/p99. Our download session and the official core (powersync_control in the
// extension from @powersync/node, loaded into our pinned SQLite) get the same lines on the
// same kind of file database (WAL, synchronous=NORMAL), each line in its own transaction as
// the clients do. The bulk load before it (data lines 64 to a transaction on both sides) is
// printed as the core-level initial sync rate.
//
//   checkpoint_apply [--quick] [--rows N] [--updates M] [--ours-only]
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_apply.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/storage/connection_pool.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/sync/download_session.hpp"
#include "support/dataset.hpp"
#include "support/measure.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace powersync;
using namespace powersync::bench;

namespace {

constexpr const char* kBucket = "1#all_items|0[]";
constexpr std::size_t kOpsPerLine = 1000;

std::uint32_t op_checksum(std::uint64_t op_id) { return static_cast<std::uint32_t>(op_id * 2654435761u); }

// The lines a service sends: the initial checkpoint and its data, then one-row updates.
class LineScript {
 public:
  explicit LineScript(std::uint64_t rows) : rows_(rows) {}

  std::string checkpoint() {
    for (std::uint64_t op = 1; op <= rows_; ++op) total_ += op_checksum(op);
    return nlohmann::json{{"checkpoint",
                           {{"last_op_id", std::to_string(rows_)},
                            {"buckets", {{{"bucket", kBucket}, {"checksum", signed_total()}, {"count", rows_}, {"priority", 3}}}}}}}
        .dump();
  }
  // Data lines of the initial checkpoint, kOpsPerLine ops each.
  void data_lines(const std::function<void(const std::string&)>& sink) const {
    for (std::uint64_t first = 1; first <= rows_; first += kOpsPerLine) {
      nlohmann::json ops = nlohmann::json::array();
      const std::uint64_t last = std::min(rows_, first + kOpsPerLine - 1);
      for (std::uint64_t op = first; op <= last; ++op) ops.push_back(put(op, op - 1));
      sink(nlohmann::json{{"data", {{"bucket", kBucket}, {"has_more", last < rows_}, {"data", std::move(ops)}}}}.dump());
    }
  }
  std::string complete() const {
    return nlohmann::json{{"checkpoint_complete", {{"last_op_id", std::to_string(last_op_)}}}}.dump();
  }
  // The three lines of a checkpoint that updates row `row`.
  std::vector<std::string> one_row_update(std::uint64_t row) {
    const std::uint64_t op = ++last_op_;
    total_ += op_checksum(op);
    return {nlohmann::json{{"checkpoint_diff",
                            {{"last_op_id", std::to_string(op)},
                             {"updated_buckets",
                              {{{"bucket", kBucket}, {"checksum", signed_total()}, {"count", op}, {"priority", 3}}}},
                             {"removed_buckets", nlohmann::json::array()}}}}
                .dump(),
            nlohmann::json{{"data", {{"bucket", kBucket}, {"has_more", false}, {"data", {put(op, row)}}}}}.dump(),
            complete()};
  }

 private:
  nlohmann::json put(std::uint64_t op, std::uint64_t row) const {
    ItemRow item = make_item(row);
    item.quantity += static_cast<std::int64_t>(op);  // updates change the data
    return {{"op_id", std::to_string(op)}, {"op", "PUT"},         {"object_type", "items"},
            {"object_id", item.id},        {"checksum", op_checksum(op)}, {"data", item_json(item)}};
  }
  std::int32_t signed_total() const { return static_cast<std::int32_t>(total_); }

  std::uint64_t rows_;
  std::uint64_t last_op_ = rows_;
  std::uint32_t total_ = 0;
};

// One client under test: a line in, in its own write transaction.
class Client {
 public:
  virtual ~Client() = default;
  virtual void line(const std::string& text) = 0;
  virtual Connection& db() = 0;
};

ConnectionOptions file_options(const std::string& path) {
  ConnectionOptions options;
  options.path = path;
  return options;
}

// Our writer as the SDK opens it: the pool's writer connection, with its background WAL
// checkpoints (the official side keeps SQLite's checkpoint inside the commit, as its SDKs do).
class OurClient : public Client {
 public:
  explicit OurClient(const std::string& path) : pool_(ConnectionPool::open(pool_options(path), nullptr)), db_(pool_->writer()) {
    register_sql_functions(*db_);
    const std::string client_id = ensure_internal_schema(*db_);
    apply_schema(*db_, parse_schema_json(kItemsSchemaJson));
    sync::SessionOptions options;
    options.client_id = client_id;
    session_ = std::make_unique<sync::DownloadSession>(options);
    session_->start(*db_);
  }
  ~OurClient() override {
    db_.release();
    pool_->close();
  }
  void line(const std::string& text) override {
    session_->handle_line(*db_, protocol::parse_json_line(text), text.size());
  }
  Connection& db() override { return *db_; }

 private:
  static PoolOptions pool_options(const std::string& path) {
    PoolOptions options;
    options.path = path;
    options.reader_count = 0;
    return options;
  }
  std::shared_ptr<ConnectionPool> pool_;
  Lease db_;
  std::unique_ptr<sync::DownloadSession> session_;
};

class OfficialClient : public Client {
 public:
  explicit OfficialClient(const std::string& path) : db_(file_options(path)) {
    sqlite3* handle = db_.handle();
    int enabled = 0;
    sqlite3_db_config(handle, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, &enabled);
    char* message = nullptr;
    if (sqlite3_load_extension(handle, POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw std::runtime_error("loading the official core failed: " + text);
    }
    {
      TransactionGuard tx(db_);
      db_.exec("SELECT powersync_init()");
      auto schema = db_.prepare("SELECT powersync_replace_schema(?)");
      schema.bind_text(1, kItemsSchemaJson);
      schema.run();
      tx.commit();
    }
    control("start", std::string(R"({"parameters":{},"schema":)") + kItemsSchemaJson + "}");
  }
  void line(const std::string& text) override { control("line_text", text); }
  Connection& db() override { return db_; }

 private:
  void control(const char* op, const std::string& payload) {
    std::optional<TransactionGuard> tx;
    if (!db_.in_transaction()) tx.emplace(db_);  // else inside the caller's batch
    auto& stmt = db_.cached("SELECT powersync_control(?, ?)");
    stmt.bind_text(1, op);
    stmt.bind_text(2, payload);
    stmt.run();
    if (tx) tx->commit();
  }
  Connection db_;
};

struct Figures {
  double load_rows_per_second = 0;
  double p50_ms = 0, p99_ms = 0;
  bool ok = false;
};

Figures measure(Client& client, std::uint64_t rows, int updates, const char* who) {
  LineScript script(rows);
  Figures figures;
  const auto load_start = Clock::now();
  client.line(script.checkpoint());
  // Data lines 64 to a transaction, as our sync worker commits them (the official SDKs commit
  // each line; batching only makes the setup faster for both sides).
  int in_batch = 0;
  script.data_lines([&](const std::string& line) {
    if (in_batch == 0) client.db().exec("BEGIN IMMEDIATE");
    client.line(line);
    if (++in_batch == 64) {
      client.db().exec("COMMIT");
      in_batch = 0;
    }
  });
  if (in_batch > 0) client.db().exec("COMMIT");
  client.line(script.complete());
  figures.load_rows_per_second = static_cast<double>(rows) / seconds_since(load_start);

  std::vector<double> latencies;
  for (int i = 0; i < updates; ++i) {
    const auto lines = script.one_row_update((static_cast<std::uint64_t>(i) * 7919) % rows);
    const auto start = Clock::now();
    for (const auto& line : lines) client.line(line);
    latencies.push_back(seconds_since(start) * 1000.0);
  }
  figures.p50_ms = percentile(latencies, 50);
  figures.p99_ms = percentile(latencies, 99);

  auto count = client.db().prepare("SELECT count(*) FROM ps_data__items");
  count.step();
  auto last = client.db().prepare("SELECT count(*) FROM ps_buckets WHERE last_applied_op = ?");
  last.bind_int64(1, static_cast<std::int64_t>(rows) + updates);
  last.step();
  figures.ok = count.column_int64(0) == static_cast<std::int64_t>(rows) && last.column_int64(0) == 1;
  std::printf("  %-9s bulk load %10s rows/s; 1-row checkpoint p50 %.3f ms, p99 %.3f ms%s\n", who,
              format_rate(figures.load_rows_per_second).c_str(), figures.p50_ms, figures.p99_ms,
              figures.ok ? "" : "  (FAILED: rows or last_applied_op wrong)");
  std::fflush(stdout);
  return figures;
}

// "2.10x faster" or "1.30x slower": ours against the official latency.
std::string latency_ratio(double ours_ms, double official_ms) {
  return ours_ms <= official_ms ? format_number(official_ms / ours_ms, 2) + "x faster"
                                : format_number(ours_ms / official_ms, 2) + "x slower";
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t rows = 1000000;
  int updates = 300;
  bool quick = false, ours_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
      rows = 100000;
      updates = 200;
    } else if (arg == "--rows" && i + 1 < argc) {
      rows = std::stoull(argv[++i]);
    } else if (arg == "--updates" && i + 1 < argc) {
      updates = std::stoi(argv[++i]);
    } else if (arg == "--ours-only") {
      ours_only = true;
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--rows N] [--updates M] [--ours-only]\n", argv[0]);
      return 2;
    }
  }
  try {
    const std::string dir = executable_dir() + "/../bench-data";
    fs::create_directories(dir);
    std::printf("\n== 1-row checkpoint apply with %llu rows local, %d checkpoints (lines fed in-process) ==\n",
                static_cast<unsigned long long>(rows), updates);
    const std::string ours_path = dir + "/checkpoint-ours.db", official_path = dir + "/checkpoint-official.db";
    remove_database(ours_path);
    Figures ours;
    {
      OurClient client(ours_path);
      ours = measure(client, rows, updates, "ours");
    }
    remove_database(ours_path);
    Figures official;
    if (!ours_only) {
      remove_database(official_path);
      OfficialClient client(official_path);
      official = measure(client, rows, updates, "official");
      remove_database(official_path);
    }
    const std::string label = std::to_string(rows / 1000) + "k rows local" + (quick ? " (quick)" : "");
    const bool have_official = !ours_only && official.ok;
    print_goal_line({"P4", "1-row checkpoint apply p99, ms, " + label, format_number(ours.p99_ms, 3),
                     have_official ? format_number(official.p99_ms, 3) : "",
                     have_official ? latency_ratio(ours.p99_ms, official.p99_ms) : "",
                     ours.ok && ours.p99_ms <= 5.0 ? "yes" : "no"});
    print_goal_line({"P4", "1-row checkpoint apply p50, ms, " + label, format_number(ours.p50_ms, 3),
                     have_official ? format_number(official.p50_ms, 3) : "",
                     have_official ? latency_ratio(ours.p50_ms, official.p50_ms) : "", "-"});
    print_goal_line({"core", "bulk load through the download session, rows/s, " + label,
                     format_rate(ours.load_rows_per_second),
                     have_official ? format_rate(official.load_rows_per_second) : "",
                     have_official ? format_number(ours.load_rows_per_second / official.load_rows_per_second, 2) + "x" : "",
                     "-"});
    return ours.ok && (ours_only || official.ok) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_apply: %s\n", e.what());
    return 1;
  }
}
