// on_change and watch listeners: delivery, removal (also from inside a callback), close,
// exactly-once free_user_data.

#include <atomic>
#include <memory>
#include <thread>

#include "capi_test_support.hpp"

using namespace capi_test;

namespace {

// user_data for the tests: events plus a count of free_user_data calls.
struct Probe {
  Events events;
  std::atomic<int> freed{0};
  powersync_listener_t* self = nullptr;  // for removal from inside the callback
  int32_t return_status = POWERSYNC_OK;
};

void free_probe(void* user_data) { static_cast<Probe*>(user_data)->freed++; }

int32_t record_change(void* user_data, const char* const* tables, size_t count) {
  auto* probe = static_cast<Probe*>(user_data);
  std::string joined;
  for (size_t i = 0; i < count; ++i) joined += (i ? "," : "") + std::string(tables[i]);
  probe->events.add(joined);
  return probe->return_status;
}

int32_t remove_self_on_change(void* user_data, const char* const*, size_t) {
  auto* probe = static_cast<Probe*>(user_data);
  powersync_listener_remove(&probe->self);
  // free_user_data runs only after this callback returns.
  probe->events.add(probe->freed.load() == 0 ? "removed, not yet freed" : "freed too early");
  return POWERSYNC_OK;
}

// Records each watch result as "n=<row count>:<first column of each row>" or "error=...".
int32_t record_watch(void* user_data, powersync_status status, const char* error_message,
                     powersync_cursor_t* rows) {
  auto* probe = static_cast<Probe*>(user_data);
  if (rows == nullptr) {
    probe->events.add("error=" + std::to_string(status) + ":" + (error_message ? error_message : ""));
    return POWERSYNC_OK;
  }
  powersync_cursor_t* cursor = rows;  // this call's private view: stepping it is allowed
  std::string event = "n=" + std::to_string(powersync_cursor_row_count(rows)) + ":";
  while (powersync_cursor_step(cursor) == POWERSYNC_STEP_ROW) {
    const char* text = powersync_cursor_text(cursor, 0, nullptr);
    event += std::string(text ? text : "<null>") + ";";
  }
  probe->events.add(event);
  return POWERSYNC_OK;
}

bool has(const std::vector<std::string>& events, const std::string& wanted) {
  return std::find(events.begin(), events.end(), wanted) != events.end();
}

}  // namespace

TEST_F(CapiTest, OnChangeNotifiesAfterCommitWithUserFacingNames) {
  Probe probe;
  const char* tables[] = {"todos"};
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, record_change, &probe, free_probe, &listener));
  ASSERT_NE(nullptr, listener);

  insert_todo(db_, "a", "x");
  ASSERT_TRUE(probe.events.wait_count(1));
  EXPECT_EQ("todos", probe.events.snapshot().at(0));

  powersync_listener_remove(&listener);
  EXPECT_EQ(nullptr, listener);
  EXPECT_EQ(1, probe.freed.load());
  powersync_listener_remove(&listener);  // harmless
  EXPECT_EQ(1, probe.freed.load());
}

TEST_F(CapiTest, OnChangeIgnoresOtherTablesAndRolledBackWrites) {
  Probe lists_probe, todos_probe;
  const char* lists[] = {"lists"};
  const char* todos[] = {"todos"};
  powersync_watch_options_t* options = nullptr;
  ASSERT_OK(powersync_watch_options_new(&options));
  ASSERT_OK(powersync_watch_options_set_throttle_ms(options, 0));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_watch_options_set_throttle_ms(options, -1));
  powersync_listener_t* lists_listener = nullptr;
  powersync_listener_t* todos_listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, lists, 1, options, record_change, &lists_probe, free_probe, &lists_listener));
  ASSERT_OK(powersync_db_on_change(db_, todos, 1, options, record_change, &todos_probe, free_probe, &todos_listener));
  powersync_watch_options_free(&options);

  powersync_tx_t* tx = nullptr;
  ASSERT_OK(powersync_db_begin_write(db_, &tx));
  ASSERT_OK(powersync_tx_execute(tx, "INSERT INTO lists (id, name) VALUES ('l', 'rolled back')", nullptr, nullptr));
  ASSERT_OK(powersync_tx_rollback(tx));
  powersync_tx_free(&tx);
  insert_todo(db_, "a", "x");
  ASSERT_OK(powersync_db_execute(db_, "INSERT INTO lists (id, name) VALUES ('l2', 'kept')", nullptr, nullptr));

  // The notifier delivers in commit order on one thread: once lists saw its commit, the
  // todos commit before it has been delivered too.
  ASSERT_TRUE(lists_probe.events.wait_count(1));
  ASSERT_TRUE(todos_probe.events.wait_count(1));
  for (const auto& event : todos_probe.events.snapshot()) EXPECT_EQ("todos", event);
  for (const auto& event : lists_probe.events.snapshot()) EXPECT_EQ("lists", event);

  powersync_listener_remove(&lists_listener);
  powersync_listener_remove(&todos_listener);
  EXPECT_EQ(1, lists_probe.freed.load());
  EXPECT_EQ(1, todos_probe.freed.load());
}

TEST_F(CapiTest, OnChangeRejectsBadArgumentsAndStillFreesUserData) {
  Probe probe;
  const char* tables[] = {"todos"};
  const char* with_null[] = {"todos", nullptr};
  powersync_listener_t* listener = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(db_, tables, 0, nullptr, record_change, &probe, free_probe, &listener));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(db_, nullptr, 1, nullptr, record_change, &probe, free_probe, &listener));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(db_, with_null, 2, nullptr, record_change, &probe, free_probe, &listener));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(db_, tables, 1, nullptr, nullptr, &probe, free_probe, &listener));
  EXPECT_NE(std::string::npos, std::string(powersync_last_error_message()).find("'callback'"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(nullptr, tables, 1, nullptr, record_change, &probe, free_probe, &listener));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(db_, tables, 1, nullptr, record_change, &probe, free_probe, nullptr));
  EXPECT_EQ(nullptr, listener);
  EXPECT_EQ(6, probe.freed.load());  // ownership of user_data passes on every call
  // A NULL free_user_data is fine.
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_on_change(db_, tables, 0, nullptr, record_change, &probe, nullptr, &listener));
}

TEST_F(CapiTest, ListenerCanRemoveItselfFromInsideItsCallback) {
  Probe probe;
  const char* tables[] = {"todos"};
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, remove_self_on_change, &probe, free_probe, &probe.self));
  insert_todo(db_, "a", "x");
  ASSERT_TRUE(probe.events.wait_count(1));
  ASSERT_TRUE(probe.events.wait_for([&](const auto&) { return probe.freed.load() == 1; }));
  EXPECT_EQ("removed, not yet freed", probe.events.snapshot().at(0));
  EXPECT_EQ(nullptr, probe.self);

  // Later commits do not reach it: a second listener registered after it sees the next
  // commit, and by then the removed one would have been called first.
  Probe witness;
  powersync_listener_t* witness_listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, record_change, &witness, free_probe, &witness_listener));
  insert_todo(db_, "b", "y");
  ASSERT_TRUE(witness.events.wait_count(1));
  EXPECT_EQ(1u, probe.events.snapshot().size());
  EXPECT_EQ(1, probe.freed.load());
  powersync_listener_remove(&witness_listener);
}

TEST_F(CapiTest, RemovingFromAnotherThreadWaitsAndFreesOnce) {
  Probe probe;
  const char* tables[] = {"todos"};
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, record_change, &probe, free_probe, &listener));
  insert_todo(db_, "a", "x");
  ASSERT_TRUE(probe.events.wait_count(1));
  std::thread remover([&] { powersync_listener_remove(&listener); });
  remover.join();
  EXPECT_EQ(1, probe.freed.load());
  const size_t seen = probe.events.snapshot().size();
  insert_todo(db_, "b", "y");
  powersync_db_close(&db_);  // drains the notifier: a stray call would have happened by now
  EXPECT_EQ(seen, probe.events.snapshot().size());
  EXPECT_EQ(1, probe.freed.load());
}

TEST_F(CapiTest, WatchDeliversInitialRowsThenUpdates) {
  Probe probe;
  insert_todo(db_, "a", "first");
  Params p;
  p.int64(0);
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_watch(db_, "SELECT description FROM todos WHERE coalesce(done, 0) = ?1 ORDER BY id", p.get(),
                               nullptr, record_watch, &probe, free_probe, &listener));
  ASSERT_TRUE(probe.events.wait_for([](const auto& e) { return has(e, "n=1:first;"); }));

  insert_todo(db_, "b", "second");
  ASSERT_TRUE(probe.events.wait_for([](const auto& e) { return has(e, "n=2:first;second;"); }));

  ASSERT_OK(powersync_db_execute(db_, "UPDATE todos SET done = 1 WHERE id = 'a'", nullptr, nullptr));
  ASSERT_TRUE(probe.events.wait_for([](const auto& e) { return has(e, "n=1:second;"); }));

  powersync_listener_remove(&listener);
  EXPECT_EQ(1, probe.freed.load());
}

TEST_F(CapiTest, WatchWithSkipIdenticalSuppressesEqualResults) {
  Probe probe;
  powersync_watch_options_t* options = nullptr;
  ASSERT_OK(powersync_watch_options_new(&options));
  ASSERT_OK(powersync_watch_options_set_skip_identical(options, true));
  ASSERT_OK(powersync_watch_options_set_throttle_ms(options, 0));
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_watch(db_, "SELECT count(*) > 0 FROM todos", nullptr, options, record_watch, &probe, free_probe,
                               &listener));
  powersync_watch_options_free(&options);
  ASSERT_TRUE(probe.events.wait_count(1));
  insert_todo(db_, "a", "x");  // changes the result (0 -> 1)
  ASSERT_TRUE(probe.events.wait_count(2));
  insert_todo(db_, "b", "y");  // same result: suppressed
  insert_todo(db_, "c", "z");
  // A witness on the same table sees the last commit after the watcher was offered it.
  Probe witness;
  const char* tables[] = {"todos"};
  powersync_listener_t* witness_listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, record_change, &witness, free_probe, &witness_listener));
  insert_todo(db_, "d", "w");
  ASSERT_TRUE(witness.events.wait_count(1));
  powersync_listener_remove(&listener);
  EXPECT_EQ(2u, probe.events.snapshot().size()) << ::testing::PrintToString(probe.events.snapshot());
  powersync_listener_remove(&witness_listener);
}

TEST_F(CapiTest, WatchRejectsBadSqlAndFreesUserData) {
  Probe probe;
  powersync_listener_t* listener = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_SQL,
                powersync_db_watch(db_, "SELEC nothing", nullptr, nullptr, record_watch, &probe, free_probe, &listener));
  EXPECT_EQ(nullptr, listener);
  EXPECT_EQ(1, probe.freed.load());
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_watch(db_, nullptr, nullptr, nullptr, record_watch, &probe, free_probe, &listener));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_watch(db_, "SELECT 1", nullptr, nullptr, nullptr, &probe, free_probe, &listener));
  EXPECT_EQ(3, probe.freed.load());
}

TEST_F(CapiTest, CloseWithActiveListenersFreesTheirUserDataOnce) {
  Probe watch_probe, change_probe;
  powersync_listener_t* watcher = nullptr;
  powersync_listener_t* changer = nullptr;
  const char* tables[] = {"todos"};
  ASSERT_OK(powersync_db_watch(db_, "SELECT id FROM todos", nullptr, nullptr, record_watch, &watch_probe, free_probe,
                               &watcher));
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, record_change, &change_probe, free_probe, &changer));
  ASSERT_TRUE(watch_probe.events.wait_count(1));

  powersync_db_close(&db_);
  EXPECT_EQ(1, watch_probe.freed.load());
  EXPECT_EQ(1, change_probe.freed.load());

  // Removing afterwards only frees the handles.
  powersync_listener_remove(&watcher);
  powersync_listener_remove(&changer);
  EXPECT_EQ(nullptr, watcher);
  EXPECT_EQ(1, watch_probe.freed.load());
  EXPECT_EQ(1, change_probe.freed.load());
}
