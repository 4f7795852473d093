// Table-change tracking on one connection through SQLite's update, commit and rollback hooks.
//
// The hooks run on whichever thread is using the connection; the owner serializes that use
// (the writer lease), so the sets need no lock of their own.

#include "powersync/watch/table_tracker.hpp"

#include <sqlite3.h>

#include <utility>

namespace powersync {

TableTracker::TableTracker(Connection& connection, CommitListener on_commit)
    : connection_(connection), listener_(std::move(on_commit)) {
  sqlite3* db = connection_.handle();
  sqlite3_update_hook(db, &TableTracker::on_update, this);
  sqlite3_commit_hook(db, &TableTracker::on_commit_hook, this);
  sqlite3_rollback_hook(db, &TableTracker::on_rollback_hook, this);
}

TableTracker::~TableTracker() {
  sqlite3* db = connection_.handle();
  if (db == nullptr) return;
  sqlite3_update_hook(db, nullptr, nullptr);
  sqlite3_commit_hook(db, nullptr, nullptr);
  sqlite3_rollback_hook(db, nullptr, nullptr);
}

void TableTracker::flush_if_committed() {
  // Inside an open transaction the changes may still roll back: wait for its end.
  if (committed_.empty() || connection_.in_transaction()) return;
  std::set<std::string> changed = std::move(committed_);
  committed_.clear();
  if (listener_) listener_(std::move(changed));
}

void TableTracker::on_update(void* self, int, const char*, const char* table, long long) {
  // Runs inside sqlite3_step: must not throw. Out of memory here only loses a notification.
  try {
    static_cast<TableTracker*>(self)->pending_.emplace(table);
  } catch (...) {
  }
}

int TableTracker::on_commit_hook(void* self) {
  auto* tracker = static_cast<TableTracker*>(self);
  try {
    tracker->committed_.merge(tracker->pending_);
  } catch (...) {
  }
  tracker->pending_.clear();
  return 0;  // never veto the commit
}

void TableTracker::on_rollback_hook(void* self) { static_cast<TableTracker*>(self)->pending_.clear(); }

}  // namespace powersync
