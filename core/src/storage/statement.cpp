#include <sqlite3.h>

#include <string>
#include <utility>

#include "powersync/storage/connection.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

[[noreturn]] void throw_sqlite(sqlite3* db, int rc) {
  const int primary = rc & 0xff;
  const ErrorCode code =
      (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? ErrorCode::busy : ErrorCode::sql;
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(code, message, db != nullptr ? sqlite3_extended_errcode(db) : rc);
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

static void check_bind(sqlite3* db, int rc, int index) {
  if (rc == SQLITE_OK) return;
  if (rc == SQLITE_RANGE) {
    throw_invalid_argument("Parameter index " + std::to_string(index) + " is out of range");
  }
  throw_sqlite(db, rc);
}

void Statement::bind(int index, const Value& value) {
  switch (type_of(value)) {
    case ValueType::null: bind_null(index); break;
    case ValueType::integer: bind_int64(index, std::get<std::int64_t>(value)); break;
    case ValueType::real: bind_double(index, std::get<double>(value)); break;
    case ValueType::text: bind_text(index, std::get<std::string>(value)); break;
    case ValueType::blob: {
      const auto& bytes = std::get<Blob>(value).bytes;
      bind_blob(index, bytes.data(), bytes.size());
      break;
    }
  }
}

void Statement::bind_all(const Params& params) {
  const int expected = sqlite3_bind_parameter_count(stmt_);
  if (static_cast<std::size_t>(expected) != params.size()) {
    throw_invalid_argument("Statement expects " + std::to_string(expected) + " parameter(s) but " +
                           std::to_string(params.size()) + " were given");
  }
  for (std::size_t i = 0; i < params.size(); ++i) bind(static_cast<int>(i) + 1, params[i]);
}

void Statement::bind_null(int index) { check_bind(db_, sqlite3_bind_null(stmt_, index), index); }

void Statement::bind_int64(int index, std::int64_t value) {
  check_bind(db_, sqlite3_bind_int64(stmt_, index, value), index);
}

void Statement::bind_double(int index, double value) {
  check_bind(db_, sqlite3_bind_double(stmt_, index, value), index);
}

void Statement::bind_text(int index, std::string_view value) {
  check_bind(db_, sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
             index);
}

void Statement::bind_blob(int index, const void* data, std::size_t size) {
  // A zero-length blob must stay a blob, not NULL, so never pass a null pointer.
  static const char empty = 0;
  check_bind(db_, sqlite3_bind_blob64(stmt_, index, size ? data : &empty, size, SQLITE_TRANSIENT), index);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::clear_bindings() noexcept { sqlite3_clear_bindings(stmt_); }

int Statement::column_count() const noexcept { return sqlite3_column_count(stmt_); }

std::string Statement::column_name(int index) const {
  const char* name = sqlite3_column_name(stmt_, index);
  return name != nullptr ? name : "";
}

ValueType Statement::column_type(int index) const noexcept {
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER: return ValueType::integer;
    case SQLITE_FLOAT: return ValueType::real;
    case SQLITE_TEXT: return ValueType::text;
    case SQLITE_BLOB: return ValueType::blob;
    default: return ValueType::null;
  }
}

bool Statement::column_is_null(int index) const noexcept {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const noexcept { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const noexcept { return sqlite3_column_double(stmt_, index); }

std::string_view Statement::column_text(int index) const noexcept {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

Value Statement::column_value(int index) const {
  switch (column_type(index)) {
    case ValueType::null: return std::monostate{};
    case ValueType::integer: return column_int64(index);
    case ValueType::real: return column_double(index);
    case ValueType::text: return std::string(column_text(index));
    case ValueType::blob: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index));
      return Blob{std::vector<std::uint8_t>(data, data + size)};
    }
  }
  return std::monostate{};
}

bool Statement::readonly() const noexcept { return sqlite3_stmt_readonly(stmt_) != 0; }

std::string Statement::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text != nullptr ? text : "";
}

}  // namespace powersync
