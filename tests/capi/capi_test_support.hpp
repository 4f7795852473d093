#pragma once
// Small helpers for the C ABI tests: a fixture with an open database, a parameter
// builder, cursor reading, and a waitable counter for callbacks.

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "powersync.h"

namespace capi_test {

inline constexpr const char* kSchemaJson = R"({"tables":[
  {"name":"todos","columns":[{"name":"description","type":"text"},{"name":"done","type":"integer"},
                             {"name":"weight","type":"real"}]},
  {"name":"lists","columns":[{"name":"name","type":"text"}]}]})";

// Asserts a status and, on mismatch, shows the last error.
#define EXPECT_STATUS(expected, call)                                                              \
  do {                                                                                             \
    const powersync_status status_ = (call);                                                       \
    EXPECT_EQ((expected), status_) << powersync_status_name(status_) << ": " << powersync_last_error_message(); \
  } while (0)
#define ASSERT_OK(call)                                                                            \
  do {                                                                                             \
    const powersync_status status_ = (call);                                                       \
    ASSERT_EQ(POWERSYNC_OK, status_) << powersync_status_name(status_) << ": " << powersync_last_error_message(); \
  } while (0)

inline powersync_schema_t* parse_schema(const char* json = kSchemaJson) {
  powersync_schema_t* schema = nullptr;
  const powersync_status status = powersync_schema_from_json(json, &schema);
  EXPECT_EQ(POWERSYNC_OK, status) << powersync_last_error_message();
  return schema;
}

// Opens a database on `path` (nullptr: in-memory) with kSchemaJson.
inline powersync_db_t* open_db(const char* path = nullptr, const char* schema_json = kSchemaJson) {
  powersync_schema_t* schema = parse_schema(schema_json);
  powersync_open_options_t* options = nullptr;
  EXPECT_EQ(POWERSYNC_OK, powersync_open_options_new(&options));
  if (path != nullptr) {
    EXPECT_EQ(POWERSYNC_OK, powersync_open_options_set_path(options, path));
  }
  powersync_db_t* db = nullptr;
  const powersync_status status = powersync_db_open(options, schema, &db);
  EXPECT_EQ(POWERSYNC_OK, status) << powersync_last_error_message();
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);
  return db;
}

// A fresh temporary directory, removed with its contents at destruction.
using TempDir = powersync::test::TempDir;

// RAII parameter list with chained adders.
class Params {
 public:
  Params() { EXPECT_EQ(POWERSYNC_OK, powersync_params_new(&params_)); }
  ~Params() { powersync_params_free(&params_); }
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;
  Params& text(const std::string& v) {
    EXPECT_EQ(POWERSYNC_OK, powersync_params_add_text(params_, v.data(), v.size()));
    return *this;
  }
  Params& int64(std::int64_t v) {
    EXPECT_EQ(POWERSYNC_OK, powersync_params_add_int64(params_, v));
    return *this;
  }
  Params& real(double v) {
    EXPECT_EQ(POWERSYNC_OK, powersync_params_add_double(params_, v));
    return *this;
  }
  Params& null() {
    EXPECT_EQ(POWERSYNC_OK, powersync_params_add_null(params_));
    return *this;
  }
  powersync_params_t* get() const { return params_; }

 private:
  powersync_params_t* params_ = nullptr;
};

// Reads column `column` of every row as text (NULL cells as "<null>"), then rewinds.
inline std::vector<std::string> column_texts(powersync_cursor_t* cursor, size_t column = 0) {
  std::vector<std::string> out;
  while (powersync_cursor_step(cursor) == POWERSYNC_STEP_ROW) {
    size_t length = 0;
    const char* text = powersync_cursor_text(cursor, column, &length);
    out.push_back(text != nullptr ? std::string(text, length) : "<null>");
  }
  powersync_cursor_reset(cursor);
  return out;
}

// Runs a read on `db` and returns column 0 of every row as text.
inline std::vector<std::string> query_texts(powersync_db_t* db, const char* sql) {
  powersync_cursor_t* rows = nullptr;
  const powersync_status status = powersync_db_get_all(db, sql, nullptr, &rows);
  EXPECT_EQ(POWERSYNC_OK, status) << powersync_last_error_message();
  auto out = column_texts(rows);
  powersync_cursor_free(&rows);
  return out;
}

inline std::int64_t query_int(powersync_db_t* db, const char* sql) {
  powersync_cursor_t* rows = nullptr;
  const powersync_status status = powersync_db_get_all(db, sql, nullptr, &rows);
  EXPECT_EQ(POWERSYNC_OK, status) << powersync_last_error_message();
  std::int64_t value = -1;
  if (powersync_cursor_step(rows) == POWERSYNC_STEP_ROW) value = powersync_cursor_int64(rows, 0);
  powersync_cursor_free(&rows);
  return value;
}

inline void insert_todo(powersync_db_t* db, const std::string& id, const std::string& description) {
  Params p;
  p.text(id).text(description);
  const powersync_status status =
      powersync_db_execute(db, "INSERT INTO todos (id, description) VALUES (?1, ?2)", p.get(), nullptr);
  EXPECT_EQ(POWERSYNC_OK, status) << powersync_last_error_message();
}

// A thread-safe event log that tests wait on. The wait has a long deadlock guard only;
// no test asserts anything about timing.
class Events {
 public:
  void add(std::string event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    changed_.notify_all();
  }
  // Waits until `predicate(events)` holds; false only if it never did (deadlock guard).
  bool wait_for(const std::function<bool(const std::vector<std::string>&)>& predicate) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return predicate(events_); });
  }
  bool wait_count(size_t n) {
    return wait_for([n](const auto& events) { return events.size() >= n; });
  }
  std::vector<std::string> snapshot() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  size_t count(const std::string& event) const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count(events_.begin(), events_.end(), event));
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

// Fixture: an in-memory database with kSchemaJson.
class CapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_db();
    ASSERT_NE(nullptr, db_);
  }
  void TearDown() override { powersync_db_close(&db_); }
  powersync_db_t* db_ = nullptr;
};

}  // namespace capi_test
