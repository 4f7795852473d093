// Change notifications through the Database: on_change by view or internal names, watch
// queries (first emission, re-run after relevant commits only, skip_identical), table
// resolution through views, and listener removal.

#include <atomic>

#include "database_test_support.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

using namespace dbtest;
using namespace std::chrono_literals;

WatchOptions no_throttle(bool skip_identical = false) {
  WatchOptions options;
  options.throttle = 0ms;
  options.skip_identical = skip_identical;
  return options;
}

void insert_todo(Database& db, const std::string& id, const std::string& description) {
  db.execute("INSERT INTO todos (id, description) VALUES (?, ?)", {Value{id}, Value{description}});
}

// Records a watch result as "<first column of each row>;..." or "error:<message>".
Database::WatchCallback record_rows(Events& events) {
  return [&events](const ResultSet* rows, const Error* error) {
    if (rows == nullptr) {
      events.add(std::string("error:") + (error != nullptr ? error->what() : "?"));
      return;
    }
    std::string event;
    for (const auto& value : texts(*rows)) event += value + ";";
    events.add(event);
  };
}

class WatchDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_memory();
    db_->execute("CREATE TABLE local_log (msg TEXT)");
  }
  void TearDown() override { db_->close(); }
  // Everything callbacks touch is declared before the database, so it outlives close().
  Events events_, witness_, other_;
  Gate entered_, release_;
  std::atomic<int> runs_{0};
  std::atomic<bool> finished_{false};
  std::mutex id_mutex_;
  Database::ListenerId id_ = 0;
  std::shared_ptr<Database> db_;
};

TEST_F(WatchDatabaseTest, ResolveTablesFollowsViewsToTheirDataTables) {
  EXPECT_EQ((std::set<std::string>{"ps_data__todos"}), db_->resolve_tables("SELECT * FROM todos WHERE id = ?"));
  EXPECT_EQ((std::set<std::string>{"ps_data__lists", "ps_data__todos"}),
            db_->resolve_tables("SELECT t.id FROM todos t JOIN lists l ON l.id = t.description"));
  EXPECT_EQ((std::set<std::string>{"local_log"}), db_->resolve_tables("SELECT count(*) FROM local_log"));
  EXPECT_EQ(std::set<std::string>{}, db_->resolve_tables("SELECT 1"));
  EXPECT_THROW(db_->resolve_tables("SELEC 1"), Error);
}

TEST_F(WatchDatabaseTest, OnChangeReportsTheNamesTheListenerUsed) {
  Events& by_view = events_;
  Events& by_internal = other_;
  const auto a = db_->on_change({"todos"}, no_throttle(), [&](const auto& tables) { by_view.add(joined(tables)); });
  const auto b = db_->on_change({"ps_data__todos", "local_log"}, no_throttle(),
                                [&](const auto& tables) { by_internal.add(joined(tables)); });
  insert_todo(*db_, "a", "x");
  ASSERT_TRUE(by_view.wait_count(1));
  ASSERT_TRUE(by_internal.wait_count(1));
  EXPECT_EQ("todos", by_view.snapshot().at(0));
  EXPECT_EQ("ps_data__todos", by_internal.snapshot().at(0));
  db_->execute("INSERT INTO local_log VALUES ('x')");
  ASSERT_TRUE(by_internal.wait_count(2));
  EXPECT_EQ("local_log", by_internal.snapshot().at(1));
  db_->remove_listener(a);
  db_->remove_listener(b);
  EXPECT_EQ(1u, by_view.size());
}

TEST_F(WatchDatabaseTest, OnChangeIgnoresRolledBackWritesAndOtherTables) {
  Events& todos = events_;
  Events& witness = witness_;
  db_->on_change({"todos"}, no_throttle(), [&](const auto& tables) { todos.add(joined(tables)); });
  {
    auto tx = db_->begin_write();
    tx->execute("INSERT INTO todos (id, description) VALUES ('r', 'rolled back')");
    tx->rollback();
  }
  db_->execute("INSERT INTO lists (id, name) VALUES ('l', 'other table')");
  // The witness, registered later, sees a later commit only after the todos listener
  // was offered every earlier one.
  db_->on_change({"local_log"}, no_throttle(), [&](const auto& tables) { witness.add(joined(tables)); });
  db_->execute("INSERT INTO local_log VALUES ('x')");
  ASSERT_TRUE(witness.wait_count(1));
  EXPECT_EQ(0u, todos.size());
  insert_todo(*db_, "a", "kept");
  ASSERT_TRUE(todos.wait_count(1));
}

TEST_F(WatchDatabaseTest, WriteTransactionNotifiesOnceAfterCommit) {
  Events& events = events_;
  db_->on_change({"todos", "lists"}, no_throttle(), [&](const auto& tables) { events.add(joined(tables)); });
  auto tx = db_->begin_write();
  tx->execute("INSERT INTO todos (id, description) VALUES ('a', 'x')");
  tx->execute("INSERT INTO lists (id, name) VALUES ('l', 'y')");
  tx->commit();
  ASSERT_TRUE(events.wait_count(1));
  EXPECT_EQ("lists,todos", events.snapshot().at(0));
}

TEST_F(WatchDatabaseTest, WatchEmitsInitiallyThenAfterRelevantCommits) {
  insert_todo(*db_, "a", "first");
  Events& events = events_;
  std::atomic<int>& runs = runs_;
  const auto id = db_->watch("SELECT description FROM todos WHERE coalesce(done, 0) = ? ORDER BY id",
                             {Value{std::int64_t{0}}}, no_throttle(), [&](const ResultSet* rows, const Error* error) {
                               ++runs;
                               record_rows(events)(rows, error);
                             });
  ASSERT_TRUE(events.wait_event("first;"));
  insert_todo(*db_, "b", "second");
  ASSERT_TRUE(events.wait_event("first;second;"));
  db_->execute("UPDATE todos SET done = 1 WHERE id = 'a'");
  ASSERT_TRUE(events.wait_event("second;"));

  // Unrelated commits do not re-run the query.
  const int before = runs.load();
  db_->execute("INSERT INTO lists (id, name) VALUES ('l', 'unrelated')");
  db_->execute("INSERT INTO local_log VALUES ('unrelated')");
  // A witness registered now is offered its commit only after every earlier commit was
  // offered to the watch.
  Events& witness = witness_;
  db_->on_change({"lists"}, no_throttle(), [&](const auto& tables) { witness.add(joined(tables)); });
  db_->execute("INSERT INTO lists (id, name) VALUES ('l2', 'unrelated')");
  ASSERT_TRUE(witness.wait_count(1));
  EXPECT_EQ(before, runs.load());
  db_->remove_listener(id);
}

TEST_F(WatchDatabaseTest, SkipIdenticalSuppressesEqualResults) {
  Events& events = events_;
  const auto id = db_->watch("SELECT count(*) > 0 FROM todos", {}, no_throttle(true), record_rows(events));
  ASSERT_TRUE(events.wait_count(1));
  insert_todo(*db_, "a", "x");
  ASSERT_TRUE(events.wait_count(2));
  insert_todo(*db_, "b", "y");
  insert_todo(*db_, "c", "z");
  Events& witness = witness_;
  db_->on_change({"todos"}, no_throttle(), [&](const auto& tables) { witness.add(joined(tables)); });
  insert_todo(*db_, "d", "w");
  ASSERT_TRUE(witness.wait_count(1));
  db_->remove_listener(id);
  EXPECT_EQ((std::vector<std::string>{"0;", "1;"}), events.snapshot());
}

TEST_F(WatchDatabaseTest, WatchRejectsInvalidSqlAndReportsRuntimeErrors) {
  EXPECT_THROW(db_->watch("SELEC nothing", {}, no_throttle(), [](const auto*, const auto*) {}), Error);
  Events& events = events_;
  // Valid SQL, but the parameter is missing: every run reports the error.
  db_->watch("SELECT msg FROM local_log WHERE msg = ?", {}, no_throttle(), record_rows(events));
  ASSERT_TRUE(events.wait_count(1));
  EXPECT_EQ(0u, events.snapshot().at(0).rfind("error:", 0)) << events.snapshot().at(0);
}

TEST_F(WatchDatabaseTest, RemoveFromInsideAWatchCallback) {
  Events& events = events_;
  Database::ListenerId& id = id_;
  std::mutex& id_mutex = id_mutex_;
  {
    std::lock_guard lock(id_mutex);
    id = db_->watch("SELECT msg FROM local_log", {}, no_throttle(), [&](const ResultSet*, const Error*) {
      std::lock_guard lock(id_mutex);
      db_->remove_listener(id);
      events.add("called");
    });
  }
  ASSERT_TRUE(events.wait_count(1));
  Events& witness = witness_;
  db_->on_change({"local_log"}, no_throttle(), [&](const auto& tables) { witness.add(joined(tables)); });
  db_->execute("INSERT INTO local_log VALUES ('x')");
  ASSERT_TRUE(witness.wait_count(1));
  EXPECT_EQ(1u, events.size());
}

TEST_F(WatchDatabaseTest, CloseStopsListenersAndWaitsForARunningCallback) {
  Gate& entered = entered_;
  Gate& release = release_;
  std::atomic<bool>& finished = finished_;
  db_->on_change({"local_log"}, no_throttle(), [&](const auto&) {
    entered.open();
    release.wait();
    finished = true;
  });
  db_->execute("INSERT INTO local_log VALUES ('x')");
  ASSERT_TRUE(entered.wait());
  std::thread opener([&] {
    std::this_thread::sleep_for(20ms);
    release.open();
  });
  db_->close();
  EXPECT_TRUE(finished.load());
  opener.join();
}

TEST_F(WatchDatabaseTest, ListenersFollowATableSwitchedToLocalOnly) {
  Events& rows = events_;
  Events& changes = other_;
  db_->watch("SELECT id FROM todos ORDER BY id", {}, no_throttle(), record_rows(rows));
  db_->on_change({"todos"}, no_throttle(), [&](const auto& tables) { changes.add(joined(tables)); });
  ASSERT_TRUE(rows.wait_count(1));
  Schema local = todo_schema();
  local.tables[0].local_only = true;
  db_->update_schema(local);
  ASSERT_EQ(1, integer(db_->get("SELECT count(*) FROM sqlite_master WHERE name = 'ps_data_local__todos'")));
  insert_todo(*db_, "a", "local");
  ASSERT_TRUE(rows.wait_event("a;"));
  ASSERT_TRUE(changes.wait_event("todos"));
}

TEST(WatchDatabaseViews, OnChangeAndResolveTablesThroughARenamedView) {
  Events events;  // outlives the database
  Table items;
  items.name = "items";
  items.view_name_override = "item_view";
  items.columns = {{"label", ColumnType::text}};
  auto db = open_memory(Schema{{items}});
  db->on_change({"item_view"}, no_throttle(), [&](const auto& tables) { events.add(joined(tables)); });
  db->execute("INSERT INTO item_view (id, label) VALUES ('a', 'x')");
  ASSERT_TRUE(events.wait_count(1));
  EXPECT_EQ("item_view", events.snapshot().at(0));
  EXPECT_EQ((std::set<std::string>{"ps_data__items"}), db->resolve_tables("SELECT label FROM item_view"));
  db->close();
}

TEST(WatchDatabaseFile, WatchOnAFileDatabaseSeesCommitsFromTheWriter) {
  TempDir dir;
  Events events;  // outlives the database
  auto db = open_file(dir.file("watch.db"));
  db->watch("SELECT count(*) FROM todos", {}, no_throttle(), record_rows(events));
  ASSERT_TRUE(events.wait_event("0;"));
  insert_todo(*db, "a", "x");
  ASSERT_TRUE(events.wait_event("1;"));
  db->close();
}

}  // namespace
}  // namespace powersync
