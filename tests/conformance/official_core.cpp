#include "official_core.hpp"

#include <sqlite3.h>

#include "powersync/util/error.hpp"

namespace powersync::conformance {

namespace {

void load_official_extension(Connection& connection) {
  sqlite3* db = connection.handle();
  int enabled = 0;
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, &enabled) != SQLITE_OK || !enabled) {
    throw Error(ErrorCode::internal, "could not enable extension loading on the oracle connection");
  }
  char* message = nullptr;
  int rc = sqlite3_load_extension(db, POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(ErrorCode::internal,
                "loading the official core " POWERSYNC_OFFICIAL_CORE_PATH " failed: " + text);
  }
}

}  // namespace

std::unique_ptr<Connection> open_official(const std::string& path, const std::string& schema_json) {
  ConnectionOptions options;
  options.path = path;
  auto connection = std::make_unique<Connection>(options);
  load_official_extension(*connection);
  {
    // The SDKs run the core's migrations first; like replace_schema it wants a transaction.
    TransactionGuard transaction(*connection, TransactionGuard::Kind::deferred);
    connection->exec("SELECT powersync_init()");
    transaction.commit();
  }
  official_replace_schema(*connection, schema_json);
  return connection;
}

void official_replace_schema(Connection& connection, const std::string& schema_json) {
  TransactionGuard transaction(connection, TransactionGuard::Kind::deferred);
  auto statement = connection.prepare("SELECT powersync_replace_schema(?)");
  statement.bind_text(1, schema_json);
  statement.run();
  transaction.commit();
}

std::string official_core_version(Connection& connection) {
  auto statement = connection.prepare("SELECT powersync_rs_version()");
  if (!statement.step()) return {};
  return std::string(statement.column_text(0));
}

}  // namespace powersync::conformance
