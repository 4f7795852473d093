// parse_schema_json and schema_to_json: the official JSON form, defaults, errors, round trips.

#include <gtest/gtest.h>

#include <string>

#include "powersync/schema/schema.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

std::string parse_error(std::string_view json) {
  try {
    parse_schema_json(json);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected an error for " << json;
  return {};
}

TEST(SchemaTypes, NamesAndInternalNames) {
  EXPECT_EQ(to_string(ColumnType::text), "text");
  EXPECT_EQ(to_string(ColumnType::integer), "integer");
  EXPECT_EQ(to_string(ColumnType::real), "real");

  Table table;
  table.name = "todos";
  EXPECT_EQ(table.internal_name(), "ps_data__todos");
  EXPECT_EQ(table.view_name(), "todos");
  table.local_only = true;
  EXPECT_EQ(table.internal_name(), "ps_data_local__todos");
  table.view_name_override = "my_todos";
  EXPECT_EQ(table.view_name(), "my_todos");
}

TEST(SchemaJson, ParsesEveryOption) {
  const Schema schema = parse_schema_json(R"({"tables":[{
    "name":"todos","view_name":"todo_view",
    "columns":[{"name":"description","type":"text"},{"name":"done","type":"INTEGER"},{"name":"w","type":"Real"}],
    "indexes":[{"name":"by_done","columns":[{"name":"done","ascending":false,"type":"integer"},
                                            {"name":"description","ascending":true,"type":"TEXT"}]}],
    "local_only":false,"insert_only":true,"include_metadata":true,
    "include_old":["done","w"],"include_old_only_when_changed":true,"ignore_empty_update":true}],
    "raw_tables":[]})");
  ASSERT_EQ(schema.tables.size(), 1u);
  const Table& table = schema.tables[0];
  EXPECT_EQ(table.name, "todos");
  EXPECT_EQ(table.view_name(), "todo_view");
  ASSERT_EQ(table.columns.size(), 3u);
  EXPECT_EQ(table.columns[0].name, "description");
  EXPECT_EQ(table.columns[0].type, ColumnType::text);
  EXPECT_EQ(table.columns[1].type, ColumnType::integer);
  EXPECT_EQ(table.columns[2].type, ColumnType::real);
  ASSERT_EQ(table.indexes.size(), 1u);
  EXPECT_EQ(table.indexes[0].name, "by_done");
  ASSERT_EQ(table.indexes[0].columns.size(), 2u);
  EXPECT_EQ(table.indexes[0].columns[0].name, "done");
  EXPECT_FALSE(table.indexes[0].columns[0].ascending);
  EXPECT_EQ(table.indexes[0].columns[0].type, ColumnType::integer);
  EXPECT_TRUE(table.indexes[0].columns[1].ascending);
  EXPECT_FALSE(table.local_only);
  EXPECT_TRUE(table.insert_only);
  EXPECT_TRUE(table.track_metadata);
  EXPECT_TRUE(table.track_previous.enabled);
  EXPECT_EQ(table.track_previous.columns, (std::vector<std::string>{"done", "w"}));
  EXPECT_TRUE(table.track_previous.only_when_changed);
  EXPECT_TRUE(table.ignore_empty_updates);
}

TEST(SchemaJson, DefaultsAndNulls) {
  // The shape the Dart SDK sends: explicit nulls, no include_old.
  const Schema schema = parse_schema_json(R"({"tables":[
    {"name":"a","view_name":null,"columns":[],"local_only":false,"insert_only":false},
    {"name":"b","columns":[{"name":"x","type":"text"}],"indexes":[{"name":"i","columns":[{"name":"x"}]}],
     "include_old":true,"some_future_option":{"nested":1}}]})");
  ASSERT_EQ(schema.tables.size(), 2u);
  const Table& a = schema.tables[0];
  EXPECT_FALSE(a.view_name_override.has_value());
  EXPECT_TRUE(a.columns.empty());
  EXPECT_TRUE(a.indexes.empty());
  EXPECT_FALSE(a.local_only || a.insert_only || a.track_metadata || a.ignore_empty_updates);
  EXPECT_FALSE(a.track_previous.enabled);
  const Table& b = schema.tables[1];
  EXPECT_TRUE(b.track_previous.enabled);
  EXPECT_TRUE(b.track_previous.columns.empty());  // all columns
  ASSERT_EQ(b.indexes.size(), 1u);
  EXPECT_TRUE(b.indexes[0].columns[0].ascending);
  EXPECT_EQ(b.indexes[0].columns[0].type, ColumnType::text);
}

TEST(SchemaJson, IndexedColumnTypeDefaultsToTheColumnsType) {
  const Schema schema = parse_schema_json(
      R"({"tables":[{"name":"t","columns":[{"name":"n","type":"real"}],"indexes":[{"name":"i","columns":[{"name":"n"}]}]}]})");
  EXPECT_EQ(schema.tables[0].indexes[0].columns[0].type, ColumnType::real);
}

TEST(SchemaJson, IncludeOldFalseAndEmptyListTrackNothing) {
  const Schema schema = parse_schema_json(R"({"tables":[
    {"name":"a","columns":[],"include_old":false,"include_old_only_when_changed":true},
    {"name":"b","columns":[],"include_old":[]}]})");
  EXPECT_FALSE(schema.tables[0].track_previous.enabled);
  // Kept: the official core passes it to ps_crud even without include_old.
  EXPECT_TRUE(schema.tables[0].track_previous.only_when_changed);
  EXPECT_FALSE(schema.tables[1].track_previous.enabled);
}

TEST(SchemaJson, MalformedDocumentsAreInvalidArguments) {
  EXPECT_NE(parse_error("not json").find("Invalid schema"), std::string::npos);
  parse_error("[]");
  parse_error("{}");
  parse_error(R"({"tables":3})");
  parse_error(R"({"tables":[3]})");
  EXPECT_NE(parse_error(R"({"tables":[{"columns":[]}]})").find("table #1"), std::string::npos);
  EXPECT_NE(parse_error(R"({"tables":[{"name":"t"}]})").find("\"columns\""), std::string::npos);
  parse_error(R"({"tables":[{"name":"t","columns":{}}]})");
  parse_error(R"({"tables":[{"name":"t","columns":[],"view_name":5}]})");
  parse_error(R"({"tables":[{"name":"t","columns":[],"indexes":{}}]})");
  EXPECT_NE(parse_error(R"({"tables":[{"name":"t","columns":[],"local_only":"yes"}]})").find("local_only"),
            std::string::npos);
  parse_error(R"({"tables":[{"name":"t","columns":[],"include_old":"all"}]})");
  parse_error(R"({"tables":[{"name":"t","columns":[],"include_old":[1]}]})");
  parse_error(R"({"tables":[{"name":"t","columns":[{"name":"a"}]}]})");
  parse_error(R"({"tables":[{"name":"t","columns":[{"name":"a","type":"text"}],"indexes":[{"name":"i"}]}]})");
  parse_error(
      R"({"tables":[{"name":"t","columns":[{"name":"a","type":"text"}],"indexes":[{"name":"i","columns":[{"name":"a","ascending":"no"}]}]}]})");
  EXPECT_NE(parse_error(R"({"tables":[],"raw_tables":[{"name":"r"}]})").find("raw tables"), std::string::npos);
  parse_error("{\"tables\":[{\"name\":\"\xff\",\"columns\":[]}]}");  // not UTF-8
}

TEST(SchemaJson, UnknownColumnTypeNamesTableAndColumn) {
  const std::string message = parse_error(R"({"tables":[{"name":"todos","columns":[{"name":"x","type":"blobby"}]}]})");
  EXPECT_NE(message.find("\"todos\""), std::string::npos) << message;
  EXPECT_NE(message.find("\"x\""), std::string::npos) << message;
  EXPECT_NE(message.find("blobby"), std::string::npos) << message;
}

TEST(SchemaJson, ParsingValidates) {
  const std::string message = parse_error(R"({"tables":[{"name":"todos","columns":[{"name":"id","type":"text"}]}]})");
  EXPECT_EQ(message, R"(Invalid schema: table "todos": column "id" is reserved (an id column is added automatically))");
}

TEST(SchemaJson, CanonicalFormListsEveryOption) {
  const Schema schema = parse_schema_json(
      R"({"tables":[{"name":"t","columns":[{"name":"a","type":"TEXT"}],"indexes":[{"name":"i","columns":[{"name":"a","ascending":false,"type":"text"}]}]}]})");
  EXPECT_EQ(schema_to_json(schema),
            R"({"tables":[{"name":"t","columns":[{"name":"a","type":"text"}],)"
            R"("indexes":[{"name":"i","columns":[{"name":"a","ascending":false,"type":"text"}]}],)"
            R"("local_only":false,"insert_only":false,"include_metadata":false,"include_old":false,)"
            R"("include_old_only_when_changed":false,"ignore_empty_update":false}]})");
}

TEST(SchemaJson, CanonicalFormRoundTrips) {
  const char* documents[] = {
      R"({"tables":[]})",
      R"({"tables":[{"name":"t","view_name":"v","columns":[{"name":"a","type":"integer"},{"name":"b","type":"real"}],
          "include_old":true,"include_old_only_when_changed":true,"include_metadata":true,"ignore_empty_update":true}]})",
      R"({"tables":[{"name":"t","columns":[{"name":"a","type":"integer"},{"name":"b","type":"text"}],
          "include_old":["b"],"insert_only":true},{"name":"l","columns":[],"local_only":true}]})",
  };
  for (const char* document : documents) {
    const std::string canonical = schema_to_json(parse_schema_json(document));
    EXPECT_EQ(schema_to_json(parse_schema_json(canonical)), canonical);
  }
  const Schema parsed = parse_schema_json(schema_to_json(parse_schema_json(documents[1])));
  const Table& table = parsed.tables.at(0);
  EXPECT_EQ(table.view_name(), "v");
  EXPECT_TRUE(table.track_previous.enabled && table.track_previous.only_when_changed);
  EXPECT_TRUE(table.track_metadata && table.ignore_empty_updates);
  const Schema reparsed = parse_schema_json(schema_to_json(parse_schema_json(documents[2])));
  const Table& filtered = reparsed.tables.at(0);
  EXPECT_EQ(filtered.track_previous.columns, std::vector<std::string>{"b"});
  EXPECT_TRUE(filtered.insert_only);
}

}  // namespace
}  // namespace powersync
