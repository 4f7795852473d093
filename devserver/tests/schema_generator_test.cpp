// `schema --lang`: client tables from the stream queries and the backend's column types, and
// their rendering for each SDK.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "backend.hpp"
#include "config.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/util/error.hpp"
#include "schema_generator.hpp"

using namespace powersync::devserver;

namespace {

class DevserverSchemaGenerator : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("devserver-schema-" + std::to_string(random()));
    std::filesystem::create_directories(dir_);
    backend_ = std::make_unique<Backend>(dir_ / "backend.db");
    backend_->connection().exec(
        "CREATE TABLE lists (id TEXT PRIMARY KEY, name VARCHAR(40), owner_id TEXT, archived BOOLEAN, blob_col BLOB);"
        "CREATE TABLE todos (id TEXT PRIMARY KEY, list_id TEXT, description TEXT, done INTEGER, weight DOUBLE PRECISION,"
        " due NUMERIC)");
    config_.streams = parse_sync_config(R"(
config:
  edition: 3
streams:
  my_lists:
    query: SELECT * FROM lists WHERE owner_id = auth.user_id()
    auto_subscribe: true
  list_todos:
    queries:
      - SELECT id, description, done FROM todos WHERE list_id = subscription.parameter('list')
      - SELECT id, weight AS heaviness, list_id FROM todos WHERE list_id = connection.parameter('list')
  renamed:
    query: SELECT id, name AS title, id AS list_ref FROM lists AS list_titles
)");
  }
  void TearDown() override {
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Backend> backend_;
  DevserverConfig config_;
};

}  // namespace

TEST_F(DevserverSchemaGenerator, TablesUniteTheColumnsOfTheirQueriesWithAffinityTypes) {
  auto tables = client_tables(config_, *backend_);
  ASSERT_EQ(tables.size(), 3u);
  EXPECT_EQ(tables[0].name, "lists");
  std::vector<std::pair<std::string, std::string>> lists, todos, titles;
  for (const auto& c : tables[0].columns) lists.emplace_back(c.name, c.type);
  for (const auto& c : tables[1].columns) todos.emplace_back(c.name, c.type);
  for (const auto& c : tables[2].columns) titles.emplace_back(c.name, c.type);
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(lists, (P{{"name", "text"}, {"owner_id", "text"}, {"archived", "integer"}, {"blob_col", "text"}}));
  EXPECT_EQ(tables[1].name, "todos");
  EXPECT_EQ(todos, (P{{"description", "text"}, {"done", "integer"}, {"heaviness", "real"}, {"list_id", "text"}}));
  EXPECT_EQ(tables[2].name, "list_titles");
  EXPECT_EQ(titles, (P{{"title", "text"}, {"list_ref", "text"}}));
}

TEST_F(DevserverSchemaGenerator, RendersEachLanguage) {
  auto tables = client_tables(config_, *backend_);
  auto ts = render_schema(tables, SchemaLanguage::typescript);
  EXPECT_NE(ts.find("import { column, Schema, Table } from '@powersync/web';"), std::string::npos);
  EXPECT_NE(ts.find("const todos = new Table(\n  {\n    // id column (text) is automatically included\n"
                    "    description: column.text,\n    done: column.integer,\n    heaviness: column.real,\n"
                    "    list_id: column.text\n  },\n  { indexes: {} }\n);"),
            std::string::npos)
      << ts;
  EXPECT_NE(ts.find("export const AppSchema = new Schema({\n  lists,\n  todos,\n  list_titles\n});"), std::string::npos);

  auto cs = render_schema(tables, SchemaLanguage::csharp);
  EXPECT_NE(cs.find("public static Table List_titles = new Table\n    {\n        Name = \"list_titles\","),
            std::string::npos)
      << cs;
  EXPECT_NE(cs.find("[\"heaviness\"] = ColumnType.Real,"), std::string::npos);
  EXPECT_NE(cs.find("public static Schema PowerSyncSchema = new Schema(Lists, Todos, List_titles);"), std::string::npos);

  auto py = render_schema(tables, SchemaLanguage::python);
  EXPECT_NE(py.find("from powersync import Column, Schema, Table"), std::string::npos);
  EXPECT_NE(py.find("todos = Table(\n    \"todos\",\n    [\n        Column.text(\"description\"),\n"
                    "        Column.integer(\"done\"),\n        Column.real(\"heaviness\"),\n"),
            std::string::npos)
      << py;
  EXPECT_NE(py.find("schema = Schema([lists, todos, list_titles])"), std::string::npos);
}

TEST_F(DevserverSchemaGenerator, CSchemaIsJsonTheLibraryAccepts) {
  auto c = render_schema(client_tables(config_, *backend_), SchemaLanguage::c);
  // Rebuild the string constant from its literals.
  std::string json;
  for (std::size_t at = c.find('"'); at != std::string::npos; at = c.find('"', at)) {
    for (++at; c[at] != '"'; ++at) {
      if (c[at] == '\\') ++at;
      json += c[at];
    }
    ++at;
  }
  auto schema = powersync::parse_schema_json(json);
  ASSERT_EQ(schema.tables.size(), 3u);
  EXPECT_EQ(schema.tables[1].name, "todos");
  ASSERT_EQ(schema.tables[1].columns.size(), 4u);
  EXPECT_EQ(schema.tables[1].columns[2].name, "heaviness");
  EXPECT_EQ(schema.tables[1].columns[2].type, powersync::ColumnType::real);
}

TEST_F(DevserverSchemaGenerator, UnknownLanguageOrColumnIsAClearError) {
  EXPECT_THROW(parse_schema_language("cobol"), powersync::Error);
  EXPECT_EQ(parse_schema_language("ts"), SchemaLanguage::typescript);
  config_.streams = parse_sync_config(R"(
config:
  edition: 3
streams:
  s:
    query: SELECT id, nope FROM todos
)");
  try {
    client_tables(config_, *backend_);
    FAIL() << "expected an error";
  } catch (const powersync::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no column 'nope'"), std::string::npos) << e.what();
  }
}
