#include <sqlite3.h>

#include <string>
#include <unordered_map>

#include "powersync/storage/connection.hpp"
#include "powersync/util/error.hpp"

namespace powersync {

// Statements keyed by their SQL text; heterogeneous lookup avoids a string copy per call.
struct Connection::StatementCache {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Statement, Hash, std::equal_to<>> statements;
};

namespace {

bool is_memory_path(const std::string& path) {
  return path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0;
}

}  // namespace

Connection::Connection(const ConnectionOptions& options)
    : options_(options), cache_(std::make_unique<StatementCache>()), app_cache_(std::make_unique<StatementCache>()) {
  int flags = options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const std::string path = options.path.empty() ? ":memory:" : options.path;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(ErrorCode::sql, "Cannot open database \"" + path + "\": " + message, rc);
  }
  sqlite3_extended_result_codes(db_, 1);
  try {
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    // WAL lets readers run beside the writer; NORMAL sync is durable across app crashes
    // in WAL mode and is what the official SDKs use.
    if (options.wal && !is_memory_path(path) && !options.read_only) exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = NORMAL");
    exec("PRAGMA cache_size = -" + std::to_string(options.cache_size_kib));
    exec(options.temp_store_memory ? "PRAGMA temp_store = MEMORY" : "PRAGMA temp_store = FILE");
    if (options.read_only) exec("PRAGMA query_only = TRUE");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  cache_.reset();  // statements must be finalized before the connection closes
  app_cache_.reset();
  sqlite3_close_v2(db_);
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    const int primary = rc & 0xff;
    throw Error(primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? ErrorCode::busy : ErrorCode::sql, what,
                sqlite3_extended_errcode(db_));
  }
}

Statement Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_error(rc);
  if (stmt == nullptr) throw_invalid_argument("SQL contains no statement");
  return Statement(db_, stmt);
}

Statement& Connection::cached(std::string_view sql) {
  auto found = cache_->statements.find(sql);
  if (found != cache_->statements.end()) {
    found->second.reset();
    return found->second;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK) throw_error(rc);
  if (stmt == nullptr) throw_invalid_argument("SQL contains no statement");
  auto [it, inserted] = cache_->statements.emplace(std::string(sql), Statement(db_, stmt));
  return it->second;
}

namespace {

bool only_whitespace_or_semicolons(const char* text) {
  for (; *text != 0; ++text) {
    if (*text != ';' && *text != ' ' && *text != '\n' && *text != '\t' && *text != '\r') return false;
  }
  return true;
}

// App SQL is open-ended: past this many distinct texts the cache starts over.
constexpr std::size_t kMaxAppStatements = 64;

}  // namespace

Statement* Connection::cached_app_statement(std::string_view sql) {
  auto found = app_cache_->statements.find(sql);
  if (found != app_cache_->statements.end()) return &found->second;
  // The cache key must be the whole text: copy it so SQLite sees a terminated string.
  std::string text(sql);
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, &tail);
  if (rc != SQLITE_OK) throw_error(rc);
  if (stmt == nullptr) return nullptr;
  if (tail != nullptr && !only_whitespace_or_semicolons(tail)) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  if (app_cache_->statements.size() >= kMaxAppStatements) app_cache_->statements.clear();
  auto [it, inserted] = app_cache_->statements.emplace(std::move(text), Statement(db_, stmt));
  return &it->second;
}

void Connection::clear_cache() noexcept {
  cache_->statements.clear();
  app_cache_->statements.clear();
}

std::int64_t Connection::changes() const noexcept { return sqlite3_changes64(db_); }

std::int64_t Connection::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

bool Connection::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

void Connection::throw_error(int rc, std::string_view context) const {
  std::string message(context);
  if (!message.empty()) message += ": ";
  message += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  const ErrorCode code =
      (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? ErrorCode::busy : ErrorCode::sql;
  throw Error(code, message, db_ != nullptr ? sqlite3_extended_errcode(db_) : rc);
}

TransactionGuard::TransactionGuard(Connection& connection, Kind kind) : connection_(connection) {
  connection_.exec(kind == Kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

TransactionGuard::~TransactionGuard() {
  if (done_) return;
  // ROLLBACK fails only if SQLite already rolled back (e.g. after SQLITE_FULL); nothing to do then.
  if (connection_.in_transaction()) sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void TransactionGuard::commit() {
  connection_.exec("COMMIT");
  done_ = true;
}

}  // namespace powersync
