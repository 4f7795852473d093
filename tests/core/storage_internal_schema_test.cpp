#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <regex>

#include "powersync/storage/connection.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/util/error.hpp"
#include "temp_dir.hpp"

namespace powersync {
namespace {

std::string scalar_text(Connection& c, const std::string& sql) {
  auto s = c.prepare(sql);
  if (!s.step()) return "<no row>";
  return std::string(s.column_text(0));
}

TEST(InternalSchema, CreatesMigration14LayoutAndAClientId) {
  Connection c({});
  const std::string client_id = ensure_internal_schema(c);
  EXPECT_TRUE(std::regex_match(client_id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << client_id;
  EXPECT_EQ(scalar_text(c, "SELECT max(id) FROM ps_migration"), "14");
  EXPECT_EQ(scalar_text(c, "SELECT next_tx FROM ps_tx WHERE id = 1"), "1");
  // Idempotent: the second call keeps the id.
  EXPECT_EQ(ensure_internal_schema(c), client_id);
}

TEST(InternalSchema, ClientIdIsStableAcrossReopen) {
  test::TempDir dir("powersync-client-id");
  ConnectionOptions options;
  options.path = dir.file("client.db");
  std::string first;
  {
    Connection c(options);
    first = ensure_internal_schema(c);
  }
  Connection again(options);
  EXPECT_EQ(ensure_internal_schema(again), first);
}

TEST(InternalSchema, RefusesANewerLayout) {
  Connection c({});
  ensure_internal_schema(c);
  c.exec("INSERT INTO ps_migration(id) VALUES (15)");
  try {
    ensure_internal_schema(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
}

// Column layout (name, type, notnull, default, pk) and indexes of every ps_ table.
std::map<std::string, std::string> describe_internal_tables(Connection& c) {
  std::map<std::string, std::string> out;
  auto tables = c.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ps\\_%' ESCAPE '\\' "
      "AND name != 'sqlite_sequence' ORDER BY name");
  while (tables.step()) {
    const std::string table(tables.column_text(0));
    std::string description;
    auto info = c.prepare("SELECT name, type, \"notnull\", ifnull(dflt_value, ''), pk FROM pragma_table_info(?)");
    info.bind_text(1, table);
    while (info.step()) {
      for (int i = 0; i < 5; ++i) description += std::string(info.column_text(i)) + ",";
      description += ";";
    }
    auto indexes = c.prepare(
        "SELECT il.name, il.\"unique\", group_concat(ii.name) FROM pragma_index_list(?1) il, "
        "pragma_index_info(il.name) ii GROUP BY il.name ORDER BY il.name");
    indexes.bind_text(1, table);
    while (indexes.step()) {
      description += " index " + std::string(indexes.column_text(0)) + " unique=" +
                     std::string(indexes.column_text(1)) + " (" + std::string(indexes.column_text(2)) + ")";
    }
    auto strict = c.prepare("SELECT strict, wr FROM pragma_table_list(?)");
    strict.bind_text(1, table);
    if (strict.step()) description += " strict=" + std::to_string(strict.column_int64(0)) +
                                      " without_rowid=" + std::to_string(strict.column_int64(1));
    out[table] = description;
  }
  return out;
}

TEST(InternalSchema, MatchesTheOfficialCore) {
  Connection ours({});
  ensure_internal_schema(ours);

  Connection official({});
  sqlite3_db_config(official.handle(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
  char* error = nullptr;
  ASSERT_EQ(sqlite3_load_extension(official.handle(), POWERSYNC_OFFICIAL_CORE_PATH, "sqlite3_powersync_init", &error),
            SQLITE_OK)
      << (error ? error : "");
  official.exec("BEGIN; SELECT powersync_init(); COMMIT;");

  EXPECT_EQ(describe_internal_tables(ours), describe_internal_tables(official));
  EXPECT_EQ(scalar_text(ours, "SELECT group_concat(id) FROM ps_migration"),
            scalar_text(official, "SELECT group_concat(id) FROM ps_migration"));
}

}  // namespace
}  // namespace powersync
