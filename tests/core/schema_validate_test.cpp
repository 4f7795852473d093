// validate_schema: one test per rule, each checking the message names the culprit.

#include <gtest/gtest.h>

#include <string>

#include "powersync/schema/schema.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

Table table_with(std::string name, std::vector<std::string> columns) {
  Table table;
  table.name = std::move(name);
  for (auto& column : columns) table.columns.push_back({std::move(column), ColumnType::text});
  return table;
}

std::string validation_error(const Schema& schema) {
  try {
    validate_schema(schema);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  ADD_FAILURE() << "expected a validation error";
  return {};
}

void expect_error(const Schema& schema, const std::string& expected) {
  EXPECT_EQ(validation_error(schema), "Invalid schema: " + expected);
}

TEST(SchemaValidate, AcceptsAnOrdinarySchema) {
  Table todos = table_with("todos", {"description", "list_id", "Done"});
  todos.indexes.push_back({"by_list", {{"list_id", true, ColumnType::text}, {"id", false, ColumnType::text}}});
  todos.track_previous = {true, {"description"}, true};
  todos.track_metadata = true;
  Table local = table_with("drafts", {"body"});
  local.local_only = true;
  local.insert_only = true;  // ignored for local-only tables, as in the official core
  Table ps_named = table_with("ps_like", {"x"});  // the official SDKs accept a ps_ prefix
  EXPECT_NO_THROW(validate_schema(Schema{{todos, local, ps_named}}));
  EXPECT_NO_THROW(validate_schema(Schema{}));
}

TEST(SchemaValidate, EmptyNames) {
  expect_error(Schema{{table_with("", {})}}, R"(table "": table name must not be empty)");
  expect_error(Schema{{table_with("t", {""})}}, R"(table "t": column name must not be empty)");
  Table view = table_with("t", {});
  view.view_name_override = "";
  expect_error(Schema{{view}}, R"(table "t": view name must not be empty)");
  Table index = table_with("t", {"a"});
  index.indexes.push_back({"", {{"a", true, ColumnType::text}}});
  expect_error(Schema{{index}}, R"(table "t": index name must not be empty)");
}

TEST(SchemaValidate, InvalidCharactersInNames) {
  for (const char* name : {"a b", "a\"b", "a'b", "a%b", "a,b", "a.b", "a#b", "a[b", "a]b", "a\tb", "a\nb"}) {
    EXPECT_NE(validation_error(Schema{{table_with(name, {})}}).find("invalid characters in table name"),
              std::string::npos)
        << name;
    EXPECT_NE(validation_error(Schema{{table_with("t", {name})}}).find("invalid characters in column name"),
              std::string::npos)
        << name;
  }
  Table view = table_with("t", {});
  view.view_name_override = "my view";
  expect_error(Schema{{view}}, R"(table "t": invalid characters in view name "my view")");
  Table index = table_with("t", {"a"});
  index.indexes.push_back({"by.a", {{"a", true, ColumnType::text}}});
  expect_error(Schema{{index}}, R"(table "t": invalid characters in index name "by.a")");
}

TEST(SchemaValidate, DuplicateTableNamesIgnoringCase) {
  expect_error(Schema{{table_with("todos", {}), table_with("Todos", {})}}, R"(table "Todos" is defined more than once)");
}

TEST(SchemaValidate, DuplicateViewNames) {
  Table a = table_with("a", {});
  Table b = table_with("b", {});
  b.view_name_override = "A";
  expect_error(Schema{{a, b}}, R"(table "b": view name "A" is used by another table)");
}

TEST(SchemaValidate, DuplicateColumnNamesIgnoringCase) {
  expect_error(Schema{{table_with("t", {"name", "Name"})}}, R"(table "t": column "Name" is defined more than once)");
}

TEST(SchemaValidate, ColumnNamedIdIgnoringCase) {
  expect_error(Schema{{table_with("t", {"a", "ID"})}},
               R"(table "t": column "ID" is reserved (an id column is added automatically))");
}

TEST(SchemaValidate, TooManyColumns) {
  Table table = table_with("wide", {});
  for (std::size_t i = 0; i < kMaxColumns; ++i) table.columns.push_back({"c" + std::to_string(i), ColumnType::text});
  EXPECT_NO_THROW(validate_schema(Schema{{table}}));
  table.columns.push_back({"one_more", ColumnType::text});
  expect_error(Schema{{table}}, R"(table "wide": 2000 columns, more than the maximum of 1999)");
}

TEST(SchemaValidate, IndexOnUnknownColumn) {
  Table table = table_with("t", {"a"});
  table.indexes.push_back({"i", {{"A", true, ColumnType::text}}});
  expect_error(Schema{{table}}, R"(table "t": index "i": column "A" not found)");
}

TEST(SchemaValidate, IndexWithoutColumns) {
  Table table = table_with("t", {"a"});
  table.indexes.push_back({"i", {}});
  expect_error(Schema{{table}}, R"(table "t": index "i" has no columns)");
}

TEST(SchemaValidate, DuplicateIndexNames) {
  Table table = table_with("t", {"a"});
  table.indexes.push_back({"i", {{"a", true, ColumnType::text}}});
  table.indexes.push_back({"I", {{"a", false, ColumnType::text}}});
  expect_error(Schema{{table}}, R"(table "t": index "I" is defined more than once)");
}

TEST(SchemaValidate, IndexNamesCollidingAcrossTables) {
  // ps_data__a__b_c and ps_data__a_b__c name the same index.
  Table first = table_with("a", {"x"});
  first.indexes.push_back({"b__c", {{"x", true, ColumnType::text}}});
  Table second = table_with("a__b", {"x"});
  second.indexes.push_back({"c", {{"x", true, ColumnType::text}}});
  expect_error(Schema{{first, second}}, R"(table "a__b": index "c" has the same internal name as an index of another table)");
}

TEST(SchemaValidate, IncludeOldOfUnknownColumn) {
  Table table = table_with("t", {"a"});
  table.track_previous = {true, {"a", "b"}, false};
  expect_error(Schema{{table}}, R"(table "t": include_old column "b" not found)");
}

TEST(SchemaValidate, LocalOnlyTablesCannotTrackMetadataOrOldValues) {
  Table metadata = table_with("t", {"a"});
  metadata.local_only = true;
  metadata.track_metadata = true;
  expect_error(Schema{{metadata}}, R"(table "t": local-only tables can't include metadata)");
  Table old = table_with("t", {"a"});
  old.local_only = true;
  old.track_previous.enabled = true;
  expect_error(Schema{{old}}, R"(table "t": local-only tables can't include old values)");
}

}  // namespace
}  // namespace powersync
