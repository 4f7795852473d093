#pragma once
// Collects the tables a connection's transactions change (SQLite update hook) and hands
// the set over when the transaction commits; a rollback discards it.

#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "powersync/storage/connection.hpp"

namespace powersync {

class TableTracker {
 public:
  using CommitListener = std::function<void(std::set<std::string> changed_tables)>;

  // Installs the hooks on `connection`; `on_commit` runs on the committing thread after
  // the commit is durable, with the internal table names (e.g. ps_data__todos, ps_crud).
  TableTracker(Connection& connection, CommitListener on_commit);
  ~TableTracker();
  TableTracker(const TableTracker&) = delete;
  TableTracker& operator=(const TableTracker&) = delete;

  // Called by the owner after a statement finished outside any explicit transaction, and
  // after COMMIT; SQLite's commit hook fires before durability, so publishing happens here.
  void flush_if_committed();

 private:
  static void on_update(void* self, int op, const char* db, const char* table, long long rowid);
  static int on_commit_hook(void* self);
  static void on_rollback_hook(void* self);

  Connection& connection_;
  CommitListener listener_;
  std::set<std::string> pending_;     // changed in the open transaction
  std::set<std::string> committed_;   // committed, not yet published
};

}  // namespace powersync
