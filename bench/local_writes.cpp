// Local writes through the table views: ours (libpowersync, C ABI only) against the official
// PowerSync core extension loaded into our pinned SQLite, on the same schema, data and pragmas.
//
//   (1) rows/s of N inserts in one transaction
//   (2) latency p50/p99 of M single inserts, each in autocommit
//
// Each side runs --repeat times (fresh files, alternating which side goes first) and the best
// figure of each kind is reported, since the machines these run on are shared and noisy.
//
// Usage: local_writes [--quick] [--rows N] [--singles M] [--repeat K]
#include <powersync.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// TARGETS.md: official core, local writes through views.
constexpr double kReferenceRowsPerSecond = 76000;
constexpr double kReferenceAutocommitMicros = 153;

// The Node SDK sets journal_mode=WAL on its writer and leaves the rest to better-sqlite3,
// whose build makes synchronous=NORMAL the WAL default; the page cache stays at SQLite's
// default of 2000 KiB. Both sides get exactly these.
constexpr int kCacheSizeKib = 2000;
const char* const kPragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000;";

const char* const kSchemaJson =
    R"({"tables":[{"name":"todos","columns":[)"
    R"({"name":"description","type":"text"},{"name":"list_id","type":"text"},)"
    R"({"name":"completed","type":"integer"},{"name":"created_at","type":"text"},)"
    R"({"name":"priority","type":"real"}]}]})";

const char* const kInsertSql =
    "INSERT INTO todos(id, description, list_id, completed, created_at, priority) VALUES (?, ?, ?, ?, ?, ?)";

struct Row {
  std::string id, description, list_id, created_at;
  std::int64_t completed;
  double priority;
};

// Random v4-shaped ids (fixed seed): the same rows, in the same order, for both sides.
std::vector<Row> make_rows(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<Row> rows;
  rows.reserve(count);
  char id[40];
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t a = random(), b = random();
    std::snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | (b >> 50)), static_cast<unsigned long long>(b & 0xffffffffffffULL));
    rows.push_back(Row{id, "Todo item number " + std::to_string(i) + " with some text",
                       "list-" + std::to_string(i % 50), "2024-05-01T12:00:00.000Z",
                       static_cast<std::int64_t>(i % 2), static_cast<double>(i % 100) / 4.0});
  }
  return rows;
}

struct Figures {
  double rows_per_second = 0;
  double p50_micros = 0, p99_micros = 0, mean_micros = 0;
  std::int64_t queued = 0;  // ps_crud entries afterwards, as a sanity check
};

void summarize_latencies(std::vector<double>& micros, Figures& figures) {
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[std::min(micros.size() - 1, static_cast<std::size_t>(q * micros.size()))]; };
  figures.p50_micros = at(0.50);
  figures.p99_micros = at(0.99);
  double sum = 0;
  for (double m : micros) sum += m;
  figures.mean_micros = sum / micros.size();
}

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// ---------------------------------------------------------------- ours, through the C ABI

void check(powersync_status status, const char* what) {
  if (status != POWERSYNC_OK) {
    throw std::runtime_error(std::string("ours: ") + what + ": " + powersync_status_name(status) + ": " +
                             powersync_last_error_message());
  }
}

void bind_row(powersync_params_t* params, const Row& row) {
  powersync_params_clear(params);
  check(powersync_params_add_text(params, row.id.data(), row.id.size()), "params");
  check(powersync_params_add_text(params, row.description.data(), row.description.size()), "params");
  check(powersync_params_add_text(params, row.list_id.data(), row.list_id.size()), "params");
  check(powersync_params_add_int64(params, row.completed), "params");
  check(powersync_params_add_text(params, row.created_at.data(), row.created_at.size()), "params");
  check(powersync_params_add_double(params, row.priority), "params");
}

Figures run_ours(const std::string& path, const std::vector<Row>& bulk, const std::vector<Row>& warmup,
                 const std::vector<Row>& singles) {
  powersync_schema_t* schema = nullptr;
  check(powersync_schema_from_json(kSchemaJson, &schema), "schema");
  powersync_open_options_t* options = nullptr;
  check(powersync_open_options_new(&options), "options");
  check(powersync_open_options_set_path(options, path.c_str()), "path");
  check(powersync_open_options_set_wal(options, true), "wal");
  check(powersync_open_options_set_cache_size_kib(options, kCacheSizeKib), "cache size");
  powersync_db_t* db = nullptr;
  check(powersync_db_open(options, schema, &db), "open");
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);
  powersync_params_t* params = nullptr;
  check(powersync_params_new(&params), "params");

  Figures figures;
  auto start = Clock::now();
  powersync_tx_t* tx = nullptr;
  check(powersync_db_begin_write(db, &tx), "begin_write");
  for (const Row& row : bulk) {
    bind_row(params, row);
    check(powersync_tx_execute(tx, kInsertSql, params, nullptr), "tx_execute");
  }
  check(powersync_tx_commit(tx), "commit");
  powersync_tx_free(&tx);
  figures.rows_per_second = bulk.size() / (micros_since(start) / 1e6);

  for (const Row& row : warmup) {
    bind_row(params, row);
    check(powersync_db_execute(db, kInsertSql, params, nullptr), "execute");
  }
  std::vector<double> micros;
  micros.reserve(singles.size());
  for (const Row& row : singles) {
    auto single_start = Clock::now();
    bind_row(params, row);
    check(powersync_db_execute(db, kInsertSql, params, nullptr), "execute");
    micros.push_back(micros_since(single_start));
  }
  summarize_latencies(micros, figures);

  check(powersync_db_get_upload_queue_stats(db, &figures.queued, nullptr), "upload queue stats");
  powersync_params_free(&params);
  powersync_db_close(&db);
  return figures;
}

// ---------------------------------------------- official core, raw prepared statements

void check_sqlite(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
    throw std::runtime_error(std::string("official: ") + what + ": " + sqlite3_errmsg(db));
  }
}

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    throw std::runtime_error(std::string("official: ") + sql + ": " + text);
  }
}

void insert_row(sqlite3* db, sqlite3_stmt* insert, const Row& row) {
  sqlite3_bind_text(insert, 1, row.id.data(), static_cast<int>(row.id.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert, 2, row.description.data(), static_cast<int>(row.description.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert, 3, row.list_id.data(), static_cast<int>(row.list_id.size()), SQLITE_STATIC);
  sqlite3_bind_int64(insert, 4, row.completed);
  sqlite3_bind_text(insert, 5, row.created_at.data(), static_cast<int>(row.created_at.size()), SQLITE_STATIC);
  sqlite3_bind_double(insert, 6, row.priority);
  check_sqlite(db, sqlite3_step(insert), "insert");
  sqlite3_reset(insert);
}

Figures run_official(const std::string& path, const std::vector<Row>& bulk, const std::vector<Row>& warmup,
                     const std::vector<Row>& singles) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    throw std::runtime_error("official: cannot open " + path);
  }
  exec(db, kPragmas);
  check_sqlite(db, sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr), "enable extensions");
  char* message = nullptr;
  if (sqlite3_load_extension(db, POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    throw std::runtime_error("official: loading " POWERSYNC_OFFICIAL_CORE_PATH ": " + text);
  }
  {
    // As the SDKs do: migrations, then the schema, in one transaction (the core insists).
    exec(db, "BEGIN");
    exec(db, "SELECT powersync_init()");
    sqlite3_stmt* replace = nullptr;
    check_sqlite(db, sqlite3_prepare_v2(db, "SELECT powersync_replace_schema(?)", -1, &replace, nullptr), "prepare");
    sqlite3_bind_text(replace, 1, kSchemaJson, -1, SQLITE_STATIC);
    check_sqlite(db, sqlite3_step(replace), "replace schema");
    sqlite3_finalize(replace);
    exec(db, "COMMIT");
  }
  sqlite3_stmt* insert = nullptr;
  check_sqlite(db, sqlite3_prepare_v3(db, kInsertSql, -1, SQLITE_PREPARE_PERSISTENT, &insert, nullptr), "prepare");

  Figures figures;
  auto start = Clock::now();
  exec(db, "BEGIN IMMEDIATE");
  for (const Row& row : bulk) insert_row(db, insert, row);
  exec(db, "COMMIT");
  figures.rows_per_second = bulk.size() / (micros_since(start) / 1e6);

  for (const Row& row : warmup) insert_row(db, insert, row);
  std::vector<double> micros;
  micros.reserve(singles.size());
  for (const Row& row : singles) {
    auto single_start = Clock::now();
    insert_row(db, insert, row);
    micros.push_back(micros_since(single_start));
  }
  summarize_latencies(micros, figures);
  sqlite3_finalize(insert);

  sqlite3_stmt* count = nullptr;
  check_sqlite(db, sqlite3_prepare_v2(db, "SELECT count(*) FROM ps_crud", -1, &count, nullptr), "prepare");
  check_sqlite(db, sqlite3_step(count), "count");
  figures.queued = sqlite3_column_int64(count, 0);
  sqlite3_finalize(count);
  sqlite3_close(db);
  return figures;
}

// ------------------------------------------------------------------------------ report

struct Arguments {
  std::size_t rows = 20000;
  std::size_t singles = 2000;
  int repeat = 3;
  bool quick = false;
};

// The best of each figure over several runs.
void keep_best(Figures& best, const Figures& run, bool first) {
  if (first) {
    best = run;
    return;
  }
  best.rows_per_second = std::max(best.rows_per_second, run.rows_per_second);
  best.p50_micros = std::min(best.p50_micros, run.p50_micros);
  best.p99_micros = std::min(best.p99_micros, run.p99_micros);
  best.mean_micros = std::min(best.mean_micros, run.mean_micros);
  best.queued = run.queued;
}

Arguments parse_arguments(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      args.quick = true;
      args.rows = 2000;
      args.singles = 200;
      args.repeat = 1;
    } else if (arg == "--rows" && i + 1 < argc) {
      args.rows = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--singles" && i + 1 < argc) {
      args.singles = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--repeat" && i + 1 < argc) {
      args.repeat = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--rows N] [--singles M] [--repeat K]\n", argv[0]);
      std::exit(2);
    }
  }
  if (args.rows == 0 || args.singles == 0 || args.repeat < 1) {
    std::fprintf(stderr, "--rows, --singles and --repeat must be at least 1\n");
    std::exit(2);
  }
  return args;
}

void print_line(const char* what, double ours, double official, double reference, bool higher_is_better) {
  char reference_text[32] = "-";
  if (reference > 0) std::snprintf(reference_text, sizeof reference_text, "%.0f", reference);
  // Ratios read "times better than": > 1 means ours is ahead.
  double vs_official = higher_is_better ? ours / official : official / ours;
  char vs_reference[32] = "-";
  if (reference > 0) {
    std::snprintf(vs_reference, sizeof vs_reference, "%.2fx", higher_is_better ? ours / reference : reference / ours);
  }
  std::printf("%-26s %14.1f %14.1f %11s %14.2fx %14s\n", what, ours, official, reference_text, vs_official,
              vs_reference);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args = parse_arguments(argc, argv);
  const std::size_t warmup_count = std::min<std::size_t>(50, args.singles);
  std::vector<Row> rows = make_rows(args.rows + warmup_count + args.singles, 20240501);
  std::vector<Row> bulk(rows.begin(), rows.begin() + args.rows);
  std::vector<Row> warmup(rows.begin() + args.rows, rows.begin() + args.rows + warmup_count);
  std::vector<Row> singles(rows.begin() + args.rows + warmup_count, rows.end());

  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("powersync-bench-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  int exit_code = 0;
  try {
    Figures official, ours;
    for (int run = 0; run < args.repeat; ++run) {
      const std::string suffix = std::to_string(run) + ".db";
      auto run_official_once = [&] {
        keep_best(official, run_official((dir / ("official" + suffix)).string(), bulk, warmup, singles), run == 0);
      };
      auto run_ours_once = [&] {
        keep_best(ours, run_ours((dir / ("ours" + suffix)).string(), bulk, warmup, singles), run == 0);
      };
      if (run % 2 == 0) {
        run_official_once();
        run_ours_once();
      } else {
        run_ours_once();
        run_official_once();
      }
    }

    std::printf("local_writes%s: todos (5 columns: text, text, integer, text, real), random v4 ids, file database\n",
                args.quick ? " --quick (sanity check only)" : "");
    std::printf("  (1) %zu inserts through the view in one transaction\n", args.rows);
    std::printf("  (2) %zu single inserts, each in autocommit (after %zu warm-up inserts)\n", args.singles,
                warmup_count);
    std::printf("  best of %d run%s per side, fresh files each run\n", args.repeat, args.repeat == 1 ? "" : "s");
    std::printf("  pragmas, both sides: journal_mode=WAL, synchronous=NORMAL, cache_size=-%d\n", kCacheSizeKib);
    std::printf("    (as the official Node SDK leaves them: it sets journal_mode=WAL; better-sqlite3 builds with\n"
                "     SQLITE_DEFAULT_WAL_SYNCHRONOUS=1; ours also sets temp_store=MEMORY)\n");
    std::printf("  ours: libpowersync %s (SQLite %s) through the C ABI: powersync_tx_execute / powersync_db_execute\n",
                powersync_version(), powersync_sqlite_version());
    std::printf("  official: %s in SQLite %s, raw prepared statement, no update hooks\n\n", POWERSYNC_OFFICIAL_CORE_PATH,
                sqlite3_libversion());
    std::printf("%-26s %14s %14s %11s %15s %14s\n", "", "ours", "official", "reference", "ours vs official",
                "ours vs ref");
    print_line("(1) rows/s, one tx", ours.rows_per_second, official.rows_per_second, kReferenceRowsPerSecond, true);
    print_line("(2) autocommit p50 (us)", ours.p50_micros, official.p50_micros, kReferenceAutocommitMicros, false);
    print_line("(2) autocommit p99 (us)", ours.p99_micros, official.p99_micros, 0, false);
    print_line("(2) autocommit mean (us)", ours.mean_micros, official.mean_micros, kReferenceAutocommitMicros, false);
    std::printf("\nratios > 1 mean ours is faster. Upload queue entries afterwards: ours %lld, official %lld\n",
                static_cast<long long>(ours.queued), static_cast<long long>(official.queued));
    const auto expected = static_cast<std::int64_t>(args.rows + warmup_count + args.singles);
    if (ours.queued != expected || official.queued != expected) {
      std::fprintf(stderr, "error: expected %lld upload queue entries on each side\n", static_cast<long long>(expected));
      exit_code = 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    exit_code = 1;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return exit_code;
}
