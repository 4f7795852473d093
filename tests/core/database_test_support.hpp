#pragma once
// Helpers for the database and watch tests: a schema, opening databases, reading cells,
// a temporary directory and a waitable event log (long deadlock guard only, never a
// timing assertion).

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "powersync/database.hpp"

namespace powersync::dbtest {

inline Schema todo_schema() {
  Schema schema;
  Table todos;
  todos.name = "todos";
  todos.columns = {{"description", ColumnType::text}, {"done", ColumnType::integer}, {"weight", ColumnType::real}};
  Table lists;
  lists.name = "lists";
  lists.columns = {{"name", ColumnType::text}};
  schema.tables = {todos, lists};
  return schema;
}

inline std::shared_ptr<Database> open_memory(const Schema& schema = todo_schema()) {
  return Database::open(DatabaseOptions{}, schema);
}

inline std::shared_ptr<Database> open_file(const std::string& path, const Schema& schema = todo_schema(),
                                           int readers = 2) {
  DatabaseOptions options;
  options.pool.path = path;
  options.pool.reader_count = readers;
  return Database::open(options, schema);
}

inline std::string text(const ResultSet& rows, std::size_t row = 0, std::size_t column = 0) {
  const Value& v = rows.at(row, column);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (std::holds_alternative<std::monostate>(v)) return "<null>";
  return "<other>";
}

inline std::int64_t integer(const ResultSet& rows, std::size_t row = 0, std::size_t column = 0) {
  return std::get<std::int64_t>(rows.at(row, column));
}

// Column `column` of every row as text.
inline std::vector<std::string> texts(const ResultSet& rows, std::size_t column = 0) {
  std::vector<std::string> out;
  for (std::size_t r = 0; r < rows.row_count(); ++r) out.push_back(text(rows, r, column));
  return out;
}

inline std::int64_t count(Database& db, const std::string& table) {
  return integer(db.get("SELECT count(*) FROM " + table));
}

// A fresh temporary directory, removed with its contents at destruction.
using TempDir = powersync::test::TempDir;

class Events {
 public:
  void add(std::string event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    changed_.notify_all();
  }
  bool wait_for(const std::function<bool(const std::vector<std::string>&)>& predicate) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return predicate(events_); });
  }
  bool wait_count(std::size_t n) {
    return wait_for([n](const auto& events) { return events.size() >= n; });
  }
  bool wait_event(const std::string& wanted) {
    return wait_for([&](const auto& events) { return std::find(events.begin(), events.end(), wanted) != events.end(); });
  }
  std::vector<std::string> snapshot() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

// A gate a callback can wait on until the test opens it.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  bool wait() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

inline std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

inline std::string joined(const std::set<std::string>& names) {
  return joined(std::vector<std::string>(names.begin(), names.end()));
}

// The ErrorCode `call` throws, or ok when it returns.
inline ErrorCode code_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::ok;
}

}  // namespace powersync::dbtest
