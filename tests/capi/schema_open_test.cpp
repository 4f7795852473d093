// Schemas, open options, opening, client ids and schema updates.

#include "capi_test_support.hpp"

using namespace capi_test;

namespace {

powersync_status try_schema(const char* json) {
  powersync_schema_t* schema = nullptr;
  const powersync_status status = powersync_schema_from_json(json, &schema);
  if (status != POWERSYNC_OK) {
    EXPECT_EQ(nullptr, schema);
  }
  powersync_schema_free(&schema);
  return status;
}

std::string last_message() { return powersync_last_error_message(); }

}  // namespace

TEST(CapiSchema, CanonicalJsonRoundTrips) {
  powersync_schema_t* schema = parse_schema();
  ASSERT_NE(nullptr, schema);
  const std::string json = powersync_schema_get_json(schema);
  EXPECT_NE(std::string::npos, json.find("\"todos\""));
  EXPECT_NE(std::string::npos, json.find("\"description\""));

  powersync_schema_t* again = nullptr;
  ASSERT_OK(powersync_schema_from_json(json.c_str(), &again));
  EXPECT_EQ(json, powersync_schema_get_json(again));
  powersync_schema_free(&again);
  powersync_schema_free(&schema);
}

TEST(CapiSchema, InvalidSchemasAreInvalidArguments) {
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT, try_schema("not json"));
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT, try_schema("{\"tables\": 3}"));
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT,
            try_schema(R"({"tables":[{"name":"todos","columns":[{"name":"x","type":"blobby"}]}]})"));
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT,
            try_schema(R"({"tables":[{"name":"todos","columns":[{"name":"id","type":"text"}]}]})"));
  EXPECT_NE(std::string::npos, last_message().find("todos")) << last_message();
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT,
            try_schema(R"({"tables":[{"name":"todos","columns":[{"name":"a","type":"text"},{"name":"a","type":"text"}]}]})"));
  EXPECT_EQ(POWERSYNC_ERROR_INVALID_ARGUMENT,
            try_schema(R"({"tables":[{"name":"t","columns":[]},{"name":"t","columns":[]}]})"));
}

TEST(CapiOpenOptions, SettersValidateTheirRanges) {
  powersync_open_options_t* options = nullptr;
  ASSERT_OK(powersync_open_options_new(&options));
  EXPECT_STATUS(POWERSYNC_OK, powersync_open_options_set_path(options, ":memory:"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_path(options, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_path(options, ""));
  EXPECT_STATUS(POWERSYNC_OK, powersync_open_options_set_reader_count(options, 1));
  EXPECT_STATUS(POWERSYNC_OK, powersync_open_options_set_reader_count(options, 64));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_reader_count(options, 0));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_reader_count(options, 65));
  EXPECT_STATUS(POWERSYNC_OK, powersync_open_options_set_wal(options, false));
  EXPECT_STATUS(POWERSYNC_OK, powersync_open_options_set_busy_timeout_ms(options, 0));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_busy_timeout_ms(options, -1));
  EXPECT_STATUS(POWERSYNC_OK, powersync_open_options_set_cache_size_kib(options, 512));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_open_options_set_cache_size_kib(options, 0));
  powersync_open_options_free(&options);
}

TEST(CapiOpen, NullOptionsMeanDefaults) {
  powersync_schema_t* schema = parse_schema();
  powersync_db_t* db = nullptr;
  ASSERT_OK(powersync_db_open(nullptr, schema, &db));
  powersync_schema_free(&schema);  // the database keeps its own copy
  insert_todo(db, "a", "works");
  EXPECT_EQ((std::vector<std::string>{"works"}), query_texts(db, "SELECT description FROM todos"));
  powersync_db_close(&db);
}

TEST(CapiOpen, FileDatabaseKeepsDataAndClientIdAcrossReopen) {
  TempDir dir;
  const std::string path = dir.file("app.db");
  std::string first_id;
  {
    powersync_db_t* db = open_db(path.c_str());
    ASSERT_NE(nullptr, db);
    const char* client_id = nullptr;
    ASSERT_OK(powersync_db_get_client_id(db, &client_id));
    ASSERT_NE(nullptr, client_id);
    first_id = client_id;
    EXPECT_EQ(36u, first_id.size()) << first_id;  // a UUID
    insert_todo(db, "t1", "persisted");
    powersync_db_close(&db);
  }
  powersync_db_t* db = open_db(path.c_str());
  ASSERT_NE(nullptr, db);
  const char* client_id = nullptr;
  ASSERT_OK(powersync_db_get_client_id(db, &client_id));
  EXPECT_EQ(first_id, client_id);
  EXPECT_EQ((std::vector<std::string>{"persisted"}), query_texts(db, "SELECT description FROM todos"));
  powersync_db_close(&db);
}

TEST(CapiOpen, OpeningAnUnreachablePathFails) {
  powersync_schema_t* schema = parse_schema();
  powersync_open_options_t* options = nullptr;
  ASSERT_OK(powersync_open_options_new(&options));
  ASSERT_OK(powersync_open_options_set_path(options, "/nonexistent-dir/for/sure/app.db"));
  powersync_db_t* db = nullptr;
  const powersync_status status = powersync_db_open(options, schema, &db);
  EXPECT_NE(POWERSYNC_OK, status);
  EXPECT_EQ(nullptr, db);
  EXPECT_NE(std::string(""), powersync_last_error_message());
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);
}

TEST_F(CapiTest, UpdateSchemaAddsTablesAndKeepsData) {
  insert_todo(db_, "t1", "kept");
  powersync_schema_t* bigger = parse_schema(R"({"tables":[
    {"name":"todos","columns":[{"name":"description","type":"text"},{"name":"done","type":"integer"},
                               {"name":"weight","type":"real"}]},
    {"name":"lists","columns":[{"name":"name","type":"text"}]},
    {"name":"tags","columns":[{"name":"label","type":"text"}]}]})");
  ASSERT_OK(powersync_db_update_schema(db_, bigger));
  powersync_schema_free(&bigger);
  ASSERT_OK(powersync_db_execute(db_, "INSERT INTO tags (id, label) VALUES ('g1', 'urgent')", nullptr, nullptr));
  EXPECT_EQ((std::vector<std::string>{"urgent"}), query_texts(db_, "SELECT label FROM tags"));
  EXPECT_EQ((std::vector<std::string>{"kept"}), query_texts(db_, "SELECT description FROM todos"));
}

TEST_F(CapiTest, ClientIdIsBorrowedAndStable) {
  const char* a = nullptr;
  const char* b = nullptr;
  ASSERT_OK(powersync_db_get_client_id(db_, &a));
  ASSERT_OK(powersync_db_get_client_id(db_, &b));
  EXPECT_STREQ(a, b);
  EXPECT_EQ(a, b);  // the same borrowed string
  EXPECT_EQ(std::string(a), query_texts(db_, "SELECT value FROM ps_kv WHERE key = 'client_id'").at(0));
}
