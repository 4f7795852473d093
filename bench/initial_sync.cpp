// bench/initial_sync — goals P1 (and P2 on request) and P3 of TARGETS.md.
//
// Seeds a powersync-devserver backend with N `items` rows (bench/support/dataset), starts the
// devserver on a free loopback port, then alternately runs our client (powersync::Database::
// connect with the libcurl client) and the official @powersync/node SDK, each in a fresh process
// on a fresh database file, from connect to "first sync complete", and prints rows/s (median of
// the runs) and peak RSS (the VmHWM each client reports) with their ratio. The raw SQLite insert
// rate of the same rows, measured in this run, is the physical reference.
//
// Goal P7's rate half: the same download read by a raw consumer that only frames the BSON
// lines, so the devserver's own streaming rate shows next to the fastest client's.
//
// Then goal P6: N queued local writes drained through a no-op connector (batches of 1000),
// ours and the official SDK, against a devserver with an empty backend.
//
//   initial_sync [--quick] [--rows N[,M...]] [--runs K] [--ours-only] [--no-upload] [--node-modules DIR]
//                [--devserver PATH] [--data-dir DIR]
// Default sizes: 100k and 1M rows; --quick: 100k only. A failing official client is reported
// and our figures are still printed.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/storage/connection.hpp"
#include "support/dataset.hpp"
#include "support/measure.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace powersync;
using namespace powersync::bench;

namespace {

constexpr int kDatasetVersion = 1;
// The sync config: every item to every user, one bucket.
constexpr const char* kSyncConfig = R"(config:
  edition: 3
streams:
  all_items:
    query: SELECT * FROM items
    auto_subscribe: true
)";

// --- our client, in its own process -----------------------------------------------------

class StaticConnector : public sync::Connector {
 public:
  StaticConnector(std::string endpoint, std::string token) : endpoint_(std::move(endpoint)), token_(std::move(token)) {}
  void fetch_credentials(std::shared_ptr<sync::Completion<std::optional<sync::Credentials>>> done) override {
    done->complete(sync::Credentials{endpoint_, token_, std::nullopt});
  }
  void upload_data(std::shared_ptr<sync::Completion<sync::Done>> done) override { done->complete(sync::Done{}); }

 private:
  std::string endpoint_, token_;
};

int run_our_client(const std::string& db_path, const std::string& endpoint, const std::string& token) {
  DatabaseOptions options;
  options.pool.path = db_path;
  auto db = Database::open(options, parse_schema_json(kItemsSchemaJson));
  const auto start = Clock::now();
  db->connect(std::make_shared<StaticConnector>(endpoint, token));
  const bool synced = db->wait_for_first_sync(std::nullopt, std::chrono::minutes(30));
  const double seconds = seconds_since(start);
  const auto count = std::get<std::int64_t>(db->get("SELECT count(*) FROM items").at(0, 0));
  const auto status = db->sync_status();
  db->disconnect();
  db->close();
  nlohmann::json out = {{"seconds", seconds}, {"rows", count}, {"synced", synced}, {"vm_hwm_kib", peak_rss_kib()}};
  out["error"] = status.download_error ? nlohmann::json(*status.download_error) : nlohmann::json(nullptr);
  std::printf("%s\n", out.dump().c_str());
  return synced ? 0 : 1;
}

// --- the devserver's streaming rate (P7), in its own process ---------------------------

// Splits the BSON stream into documents and stops at checkpoint_complete (the first key).
class BsonLineCounter {
 public:
  bool done() const { return done_; }
  std::int64_t lines() const { return lines_; }
  void feed(const char* data, std::size_t size) {
    buffer_.append(data, size);
    std::size_t at = 0;
    while (!done_ && buffer_.size() - at >= 5) {
      std::uint32_t length = 0;
      std::memcpy(&length, buffer_.data() + at, 4);  // little-endian, as this machine
      if (length < 5 || buffer_.size() - at < length) break;
      ++lines_;
      done_ = std::string_view(buffer_.data() + at + 5, length - 5).starts_with("checkpoint_complete");
      at += length;
    }
    buffer_.erase(0, at);
  }

 private:
  std::string buffer_;
  std::int64_t lines_ = 0;
  bool done_ = false;
};

int run_raw_stream(const std::string& endpoint, const std::string& token) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 1;
  BsonLineCounter counter;
  const std::string url = endpoint + "/sync/stream";
  const std::string body = R"({"buckets":[],"include_checksum":true,"raw_data":true,"binary_data":true,)"
                           R"("client_id":"bench-raw","parameters":{},"streams":{"include_defaults":true,"subscriptions":[]}})";
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Token " + token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8");
  auto on_data = +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
    auto* lines = static_cast<BsonLineCounter*>(user);
    lines->feed(data, size * count);
    return lines->done() ? 0 : size * count;  // 0 aborts the transfer once complete
  };
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &counter);
  const auto start = Clock::now();
  curl_easy_perform(curl);
  const double seconds = seconds_since(start);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  std::printf("%s\n", nlohmann::json{{"seconds", seconds}, {"lines", counter.lines()}, {"complete", counter.done()}}
                          .dump().c_str());
  return counter.done() ? 0 : 1;
}

// Goal P6: `ops` local writes queued, then connect; uploadData takes batches of 1000 and
// completes them without sending anything (a no-op backend). Time from connect to empty queue.
class DrainConnector : public sync::Connector {
 public:
  DrainConnector(std::string endpoint, std::string token) : endpoint_(std::move(endpoint)), token_(std::move(token)) {}
  void fetch_credentials(std::shared_ptr<sync::Completion<std::optional<sync::Credentials>>> done) override {
    done->complete(sync::Credentials{endpoint_, token_, std::nullopt});
  }
  void upload_data(std::shared_ptr<sync::Completion<sync::Done>> done) override {
    auto db = database.lock();
    if (!db) return (void)done->fail("database closed");
    const CrudBatch batch = db->get_crud_batch(1000);
    if (!batch.entries.empty()) {
      uploaded += static_cast<std::int64_t>(batch.entries.size());
      db->complete_crud(batch.last_client_id(), std::nullopt);
      if (!batch.has_more) drained.set_value(Clock::now());
    }
    done->complete(sync::Done{});
  }
  std::weak_ptr<Database> database;
  std::promise<Clock::time_point> drained;
  std::int64_t uploaded = 0;

 private:
  std::string endpoint_, token_;
};

int run_our_upload(const std::string& db_path, const std::string& endpoint, const std::string& token,
                   std::int64_t ops) {
  DatabaseOptions options;
  options.pool.path = db_path;
  auto db = Database::open(options, parse_schema_json(kItemsSchemaJson));
  std::vector<Params> rows;
  for (std::int64_t i = 0; i < ops; ++i) {
    rows.push_back({std::string("item ") + std::to_string(i), std::string("a local write to upload"),
                    std::string("cat-1"), i, static_cast<double>(i) / 100});
  }
  db->execute_batch("INSERT INTO items(id, name, description, category, quantity, price) VALUES(uuid(), ?, ?, ?, ?, ?)",
                    rows);
  auto connector = std::make_shared<DrainConnector>(endpoint, token);
  connector->database = db;
  auto drained = connector->drained.get_future();
  sync::SyncOptions sync_options;
  sync_options.crud_upload_throttle = std::chrono::milliseconds(0);
  const auto start = Clock::now();
  db->connect(connector, sync_options);
  const bool done = drained.wait_for(std::chrono::minutes(10)) == std::future_status::ready;
  const double seconds = done ? std::chrono::duration<double>(drained.get() - start).count() : 0;
  const auto left = db->upload_queue_stats().count;
  db->disconnect();
  db->close();
  std::printf("%s\n", nlohmann::json{{"seconds", seconds}, {"uploaded", connector->uploaded}, {"left", left}}.dump().c_str());
  return done ? 0 : 1;
}

// --- the harness ------------------------------------------------------------------------

struct Arguments {
  std::vector<std::uint64_t> sizes{100000, 1000000};
  int runs = 3;
  bool ours_only = false;
  std::string node_modules;
  std::string devserver;
  std::string data_dir;
  bool quick = false;
  bool no_upload = false;  // skip the P6 upload drain
};

std::uint64_t parse_count(const std::string& text) {
  std::uint64_t value = std::stoull(text);
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) value *= 1000;
  if (!text.empty() && (text.back() == 'm' || text.back() == 'M')) value *= 1000000;
  return value;
}

std::string size_label(std::uint64_t rows) {
  if (rows % 1000000 == 0) return std::to_string(rows / 1000000) + "M";
  if (rows % 1000 == 0) return std::to_string(rows / 1000) + "k";
  return std::to_string(rows);
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix);
}

// Fills backend.db with the dataset (once per size: the devserver's storage is kept with it,
// so later runs start at once). Returns false when the existing data is reused.
bool seed_backend(const fs::path& dir, std::uint64_t rows) {
  const fs::path marker = dir / "seeded";
  const std::string expected = std::to_string(kDatasetVersion) + " " + std::to_string(rows);
  {
    std::ifstream in(marker);
    std::string found;
    std::getline(in, found);
    if (found == expected && fs::exists(dir / "backend.db") && fs::exists(dir / "storage.db")) return false;
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  ConnectionOptions options;
  options.path = (dir / "backend.db").string();
  Connection backend(options);
  backend.exec(
      "CREATE TABLE items(id TEXT PRIMARY KEY, name TEXT, description TEXT, category TEXT, quantity INTEGER, "
      "price REAL)");
  TransactionGuard tx(backend);
  auto insert = backend.prepare("INSERT INTO items VALUES(?, ?, ?, ?, ?, ?)");
  for (std::uint64_t i = 0; i < rows; ++i) {
    const ItemRow row = make_item(i);
    insert.reset();
    insert.bind_text(1, row.id);
    insert.bind_text(2, row.name);
    insert.bind_text(3, row.description);
    insert.bind_text(4, row.category);
    insert.bind_int64(5, row.quantity);
    insert.bind_double(6, row.price);
    insert.run();
  }
  tx.commit();
  std::ofstream(marker) << expected << "\n";
  return true;
}

// The physical reference: the same rows as (id, JSON) into a fresh file, one transaction.
double raw_sqlite_rows_per_second(const fs::path& dir, std::uint64_t rows) {
  const std::string path = (dir / "raw-reference.db").string();
  remove_database(path);
  std::vector<std::pair<std::string, std::string>> data;
  data.reserve(rows);
  for (std::uint64_t i = 0; i < rows; ++i) {
    ItemRow row = make_item(i);
    data.emplace_back(row.id, item_json(row));
  }
  ConnectionOptions options;
  options.path = path;
  Connection db(options);
  db.exec("CREATE TABLE ps_data__items(id TEXT PRIMARY KEY, data TEXT)");
  const auto start = Clock::now();
  {
    TransactionGuard tx(db);
    auto insert = db.prepare("INSERT INTO ps_data__items(id, data) VALUES(?, ?)");
    for (const auto& [id, json] : data) {
      insert.reset();
      insert.bind_text(1, id);
      insert.bind_text(2, json);
      insert.run();
    }
    tx.commit();
  }
  const double seconds = seconds_since(start);
  remove_database(path);
  return static_cast<double>(rows) / seconds;
}

std::string devserver_config(const fs::path& dir) {
  std::ostringstream out;
  out << "port: 0\nhost: 127.0.0.1\n"
      << "storage:\n  type: sqlite\n  path: " << (dir / "storage.db").string() << "\n"
      << "replication:\n  connections:\n    - type: sqlite\n      path: " << (dir / "backend.db").string()
      << "\n      demo_schema: false\n"
      << "sync_config:\n  content: |\n";
  std::istringstream lines(kSyncConfig);
  for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
  out << "client_auth:\n  jwks:\n    keys:\n      - kty: oct\n        alg: HS256\n        kid: bench\n"
      << "        k: cG93ZXJzeW5jLWJlbmNobWFyay1zZWNyZXQta2V5LTAx\n  audience: [powersync-dev]\n";
  return out.str();
}

std::string find_node_modules(const std::string& given) {
  if (!given.empty()) return given;
  const std::string script = std::string(POWERSYNC_SOURCE_DIR) + "/scripts/official-node-sdk.sh";
  ChildResult install = run_child({script});
  if (install.exit_code != 0) return {};
  return last_line(install.output);
}

struct RunFigures {
  std::vector<double> rows_per_second;
  std::vector<double> peak_rss_mib;
  std::vector<double> rows_per_cpu_second;  // whole process, connect and all
  std::vector<std::string> failures;
};

// Runs one client process and records its figures; the child prints one JSON line.
void record_run(const char* who, const ChildResult& child, std::uint64_t rows, RunFigures& figures) {
  nlohmann::json out = nlohmann::json::parse(last_line(child.output), nullptr, false);
  std::string failure;
  if (child.exit_code != 0 || out.is_discarded() || !out.is_object()) {
    failure = "exit code " + std::to_string(child.exit_code) + ", output: " + last_line(child.output).substr(0, 300);
  } else if (out.value("rows", std::int64_t{-1}) != static_cast<std::int64_t>(rows)) {
    failure = "synced " + std::to_string(out.value("rows", std::int64_t{-1})) + " rows of " + std::to_string(rows);
    if (out.contains("error") && out["error"].is_string()) failure += " (" + out["error"].get<std::string>() + ")";
  }
  if (!failure.empty()) {
    std::printf("  %-9s FAILED: %s\n", who, failure.c_str());
    figures.failures.push_back(failure);
    return;
  }
  const double seconds = out["seconds"].get<double>();
  const double rate = static_cast<double>(rows) / seconds;
  // The child's own VmHWM: wait4's ru_maxrss also counts this (large) process's peak from before
  // the child's exec, which Linux carries over into the child's rusage.
  const bool reported = out.contains("vm_hwm_kib") && out["vm_hwm_kib"].is_number();
  const double rss = static_cast<double>(reported ? out["vm_hwm_kib"].get<std::int64_t>() : child.max_rss_kib) / 1024.0;
  figures.rows_per_second.push_back(rate);
  figures.peak_rss_mib.push_back(rss);
  figures.rows_per_cpu_second.push_back(static_cast<double>(rows) / child.cpu_seconds);
  std::printf("  %-9s %8.2f s  %10s rows/s  peak RSS %6.1f MiB  (process %.2f s, CPU %.2f s)\n", who, seconds,
              format_rate(rate).c_str(), rss, child.wall_seconds, child.cpu_seconds);
  std::fflush(stdout);
}

double max_of(const std::vector<double>& values) {
  double out = 0;
  for (double v : values) out = std::max(out, v);
  return out;
}

struct RunningDevserver {
  std::unique_ptr<BackgroundChild> process;
  std::string endpoint;
  std::string token;
};

// Starts the devserver on `dir`'s backend (port 0) and mints a token; nullopt on failure.
std::optional<RunningDevserver> start_devserver(const Arguments& args, const fs::path& dir) {
  const fs::path config = dir / "devserver.yaml";
  std::ofstream(config) << devserver_config(dir);
  const auto start = Clock::now();
  RunningDevserver server;
  server.process = std::make_unique<BackgroundChild>(
      std::vector<std::string>{args.devserver, "serve", "--config", config.string()});
  std::string line;
  while (server.process->read_line(line)) {
    if (auto at = line.find("http://"); at != std::string::npos) {
      server.endpoint = line.substr(at, line.find(' ', at) - at);
      break;
    }
  }
  if (server.endpoint.empty()) {
    std::fprintf(stderr, "initial_sync: the devserver did not start (%s)\n", args.devserver.c_str());
    return std::nullopt;
  }
  std::printf("devserver ready at %s after %.1f s\n", server.endpoint.c_str(), seconds_since(start));
  ChildResult token = run_child({args.devserver, "token", "--subject", "bench", "--expires", "1d", "--config",
                                 config.string()});
  server.token = last_line(token.output);
  if (token.exit_code != 0 || server.token.empty()) {
    std::fprintf(stderr, "initial_sync: no token from the devserver\n");
    return std::nullopt;
  }
  return server;
}

int bench_size(const Arguments& args, std::uint64_t rows, const std::string& node_modules) {
  const fs::path dir = fs::path(args.data_dir) / ("initial_sync-" + size_label(rows));
  std::printf("\n== initial sync, %s rows (~%zu B JSON each, random ids), %d runs per client ==\n",
              size_label(rows).c_str(), item_json(make_item(0)).size(), args.runs);
  auto seed_start = Clock::now();
  if (seed_backend(dir, rows)) std::printf("seeded backend in %.1f s\n", seconds_since(seed_start));
  const double raw_rate = raw_sqlite_rows_per_second(dir, rows);
  std::printf("raw SQLite reference (same rows, prepared insert, one transaction): %s rows/s\n",
              format_rate(raw_rate).c_str());

  auto server = start_devserver(args, dir);
  if (!server) return 1;
  const std::string& endpoint = server->endpoint;
  const std::string& jwt = server->token;

  const std::string self = executable_dir() + "/initial_sync";
  const std::string ours_db = (dir / "ours.db").string();
  const std::string official_db = (dir / "official.db").string();
  const std::string script = std::string(POWERSYNC_SOURCE_DIR) + "/bench/official/initial_sync.mjs";
  RunFigures ours, official;
  const bool with_official = !args.ours_only && !node_modules.empty();
  for (int run = 0; run < args.runs; ++run) {
    std::printf("run %d\n", run + 1);
    remove_database(ours_db);
    record_run("ours", run_child({self, "--client-ours", ours_db, endpoint, jwt}), rows, ours);
    if (with_official && (official.failures.empty() || !official.rows_per_second.empty())) {
      remove_database(official_db);
      record_run("official", run_child({"node", script, node_modules, official_db, endpoint, jwt, std::to_string(rows)}),
                 rows, official);
    }
  }
  remove_database(ours_db);
  remove_database(official_db);

  std::vector<double> stream_rates;
  for (int run = 0; run < args.runs; ++run) {
    const ChildResult child = run_child({self, "--raw-stream", endpoint, jwt});
    nlohmann::json out = nlohmann::json::parse(last_line(child.output), nullptr, false);
    if (child.exit_code == 0 && out.is_object()) {
      stream_rates.push_back(static_cast<double>(rows) / out["seconds"].get<double>());
      std::printf("  %-9s %8.2f s  %10s rows/s  (the devserver's stream, read raw)\n", "stream",
                  out["seconds"].get<double>(), format_rate(stream_rates.back()).c_str());
    } else {
      std::printf("  %-9s FAILED: %s\n", "stream", last_line(child.output).substr(0, 300).c_str());
    }
  }

  const double our_rate = median(ours.rows_per_second);
  const double our_rss = max_of(ours.peak_rss_mib);
  const bool have_official = !official.rows_per_second.empty();
  const double official_rate = median(official.rows_per_second);
  const double official_rss = max_of(official.peak_rss_mib);
  std::printf("-- %s rows: ours %s rows/s (median), peak RSS %.1f MiB (max)", size_label(rows).c_str(),
              format_rate(our_rate).c_str(), our_rss);
  if (have_official) {
    std::printf("; official %s rows/s, peak RSS %.1f MiB; ratio %.2fx rows/s, %.2fx less memory\n",
                format_rate(official_rate).c_str(), official_rss, our_rate / official_rate, official_rss / our_rss);
  } else if (!with_official) {
    std::printf("; official SDK not run\n");
  } else {
    std::printf("; the official SDK could not sync from the devserver: %s\n",
                official.failures.empty() ? "not run" : official.failures.front().c_str());
  }
  std::printf("   raw SQLite reference %s rows/s (ours is %.0f%% of it)\n", format_rate(raw_rate).c_str(),
              100.0 * our_rate / raw_rate);

  const std::string label = size_label(rows) + " rows" + (args.quick ? " (quick)" : "");
  const bool is_p2 = rows >= 10000000;
  GoalLine rate_line{is_p2 ? "P2" : "P1", "initial sync " + label + ", rows/s",
                     ours.rows_per_second.empty() ? "FAILED" : format_rate(our_rate),
                     have_official ? format_rate(official_rate) : "raw SQLite " + format_rate(raw_rate),
                     have_official ? format_number(our_rate / official_rate, 2) + "x" : "",
                     have_official && !is_p2 ? (our_rate >= 3 * official_rate ? "yes" : "no") : "-"};
  print_goal_line(rate_line);
  // The same per CPU second of the client process: less sensitive to a machine shared with others.
  const double our_cpu_rate = median(ours.rows_per_cpu_second), official_cpu_rate = median(official.rows_per_cpu_second);
  print_goal_line({is_p2 ? "P2" : "P1", "initial sync " + label + ", rows per CPU-second of the client process",
                   ours.rows_per_second.empty() ? "FAILED" : format_rate(our_cpu_rate),
                   have_official ? format_rate(official_cpu_rate) : "",
                   have_official ? format_number(our_cpu_rate / official_cpu_rate, 2) + "x" : "", "-"});
  // P3: 64 MiB + the configured SQLite caches (writer + readers, PoolOptions defaults).
  const PoolOptions pool;
  const double budget = 64.0 + (pool.writer_cache_size_kib + pool.reader_count * pool.reader_cache_size_kib) / 1024.0;
  print_goal_line({"P3", "peak RSS during initial sync " + label + ", MiB (budget " + format_number(budget) + ")",
                   ours.peak_rss_mib.empty() ? "FAILED" : format_number(our_rss, 1),
                   have_official ? format_number(official_rss, 1) : "",
                   have_official ? format_number(our_rss / official_rss, 2) + "x" : "",
                   ours.peak_rss_mib.empty() ? "no" : (our_rss <= budget ? "yes" : "no")});
  // P7: the devserver must stream faster than any one client consumes.
  const double stream_rate = median(stream_rates);
  const double fastest_client = std::max(max_of(ours.rows_per_second), max_of(official.rows_per_second));
  print_goal_line({"P7", "devserver stream rate " + label + ", rows/s (vs the fastest client)",
                   stream_rates.empty() ? "FAILED" : format_rate(stream_rate), format_rate(fastest_client),
                   fastest_client > 0 ? format_number(stream_rate / fastest_client, 2) + "x" : "",
                   !stream_rates.empty() && stream_rate > fastest_client ? "yes" : "no"});
  return ours.failures.empty() ? 0 : 1;
}

// Goal P6 against an empty backend (nothing to download while the queue drains).
int bench_upload_drain(const Arguments& args, const std::string& node_modules) {
  const std::int64_t ops = args.quick ? 10000 : 100000;
  const fs::path dir = fs::path(args.data_dir) / "upload_drain";
  std::printf("\n== upload drain, %lld queued writes, batches of 1000, no-op backend, %d runs per client ==\n",
              static_cast<long long>(ops), args.runs);
  seed_backend(dir, 0);
  auto server = start_devserver(args, dir);
  if (!server) return 1;
  const std::string self = executable_dir() + "/initial_sync";
  const std::string ours_db = (dir / "ours.db").string();
  const std::string official_db = (dir / "official.db").string();
  const std::string script = std::string(POWERSYNC_SOURCE_DIR) + "/bench/official/upload_drain.mjs";
  const bool with_official = !args.ours_only && !node_modules.empty();
  std::vector<double> ours, official;
  std::string official_failure;
  auto record = [&](const char* who, const ChildResult& child, std::vector<double>& rates) {
    nlohmann::json out = nlohmann::json::parse(last_line(child.output), nullptr, false);
    if (child.exit_code != 0 || !out.is_object() || out.value("left", std::int64_t{-1}) != 0 ||
        out.value("uploaded", std::int64_t{0}) != ops) {
      const std::string failure = "exit code " + std::to_string(child.exit_code) + ", output: " +
                                  last_line(child.output).substr(0, 300);
      std::printf("  %-9s FAILED: %s\n", who, failure.c_str());
      if (&rates == &official) official_failure = failure;
      return;
    }
    const double rate = static_cast<double>(ops) / out["seconds"].get<double>();
    rates.push_back(rate);
    std::printf("  %-9s %8.3f s  %10s ops/s\n", who, out["seconds"].get<double>(), format_rate(rate).c_str());
    std::fflush(stdout);
  };
  for (int run = 0; run < args.runs; ++run) {
    remove_database(ours_db);
    record("ours", run_child({self, "--upload-ours", ours_db, server->endpoint, server->token, std::to_string(ops)}),
           ours);
    if (with_official && official_failure.empty()) {
      remove_database(official_db);
      record("official", run_child({"node", script, node_modules, official_db, server->endpoint, server->token,
                                    std::to_string(ops)}),
             official);
    }
  }
  remove_database(ours_db);
  remove_database(official_db);
  const double our_rate = median(ours), official_rate = median(official);
  const bool have_official = !official.empty();
  print_goal_line({"P6", "upload drain, ops/s, " + std::to_string(ops / 1000) + "k ops, batches of 1000",
                   ours.empty() ? "FAILED" : format_rate(our_rate), have_official ? format_rate(official_rate) : "",
                   have_official ? format_number(our_rate / official_rate, 2) + "x" : "",
                   !ours.empty() && our_rate >= 20000 ? "yes" : "no"});
  return ours.empty() ? 1 : 0;
}

Arguments parse_arguments(int argc, char** argv) {
  Arguments args;
  args.devserver = executable_dir() + "/../devserver/powersync-devserver";
  args.data_dir = executable_dir() + "/../bench-data";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") {
      args.quick = true;
      args.sizes = {100000};
    } else if (arg == "--rows") {
      args.sizes.clear();
      std::istringstream list(next());
      for (std::string item; std::getline(list, item, ',');) args.sizes.push_back(parse_count(item));
    } else if (arg == "--runs") {
      args.runs = std::max(1, std::stoi(next()));
    } else if (arg == "--no-upload") {
      args.no_upload = true;
    } else if (arg == "--ours-only") {
      args.ours_only = true;
    } else if (arg == "--node-modules") {
      args.node_modules = next();
    } else if (arg == "--devserver") {
      args.devserver = next();
    } else if (arg == "--data-dir") {
      args.data_dir = next();
    } else {
      throw std::runtime_error("unknown argument " + arg +
                               "; usage: initial_sync [--quick] [--rows N[,M]] [--runs K] [--ours-only] [--no-upload] "
                               "[--node-modules DIR] [--devserver PATH] [--data-dir DIR]");
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 5 && std::string(argv[1]) == "--client-ours") return run_our_client(argv[2], argv[3], argv[4]);
    if (argc == 4 && std::string(argv[1]) == "--raw-stream") return run_raw_stream(argv[2], argv[3]);
    if (argc == 6 && std::string(argv[1]) == "--upload-ours") {
      return run_our_upload(argv[2], argv[3], argv[4], std::stoll(argv[5]));
    }
    const Arguments args = parse_arguments(argc, argv);
    std::string node_modules;
    if (!args.ours_only) {
      node_modules = find_node_modules(args.node_modules);
      if (node_modules.empty()) std::printf("official SDK: not installed (scripts/official-node-sdk.sh failed)\n");
    }
    int status = 0;
    for (std::uint64_t rows : args.sizes) status |= bench_size(args, rows, node_modules);
    if (!args.no_upload) status |= bench_upload_drain(args, node_modules);
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "initial_sync: %s\n", e.what());
    return 1;
  }
}
