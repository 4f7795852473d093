// Opening databases (in-memory and file), client ids, schema application and updates,
// closing and use after close.

#include <future>

#include "database_test_support.hpp"
#include "powersync/protocol/sync_line.hpp"
#include "powersync/sync/download_session.hpp"

namespace powersync {
namespace {

using namespace dbtest;

TEST(DatabaseOpen, InMemoryDatabaseHasViewsAndAClientId) {
  auto db = open_memory();
  EXPECT_EQ(36u, db->client_id().size()) << db->client_id();
  EXPECT_EQ(db->client_id(), text(db->get("SELECT value FROM ps_kv WHERE key = 'client_id'")));
  const ResultSet views = db->get_all("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name");
  EXPECT_EQ((std::vector<std::string>{"lists", "todos"}), texts(views));
  EXPECT_FALSE(db->is_closed());
  db->close();
  EXPECT_TRUE(db->is_closed());
}

TEST(DatabaseOpen, FileDatabaseKeepsDataAndClientIdAcrossReopen) {
  TempDir dir;
  const std::string path = dir.file("app.db");
  std::string client_id;
  {
    auto db = open_file(path);
    client_id = db->client_id();
    db->execute("CREATE TABLE local_notes (body TEXT)");
    db->execute("INSERT INTO local_notes VALUES ('kept')");
    EXPECT_EQ("wal", text(db->execute("PRAGMA journal_mode")));
    db->close();
  }
  auto db = open_file(path);
  EXPECT_EQ(client_id, db->client_id());
  EXPECT_EQ((std::vector<std::string>{"kept"}), texts(db->get_all("SELECT body FROM local_notes")));
  // Dropping the last reference closes too.
}

// A large first download stores ops without the oplog's row indexes (a bulk load); a
// process that dies before the checkpoint completes leaves the file that way.
TEST(DatabaseOpen, RepairsADownloadInterruptedDuringABulkLoad) {
  TempDir dir;
  const std::string path = dir.file("app.db");
  const std::string client_id = open_file(path)->client_id();
  const char* kIndexCount = "SELECT count(*) FROM sqlite_schema WHERE name IN ('ps_oplog_row', 'ps_oplog_key')";
  {
    Connection raw(ConnectionOptions{path});
    sync::DownloadSession session(sync::SessionOptions{client_id});
    session.start(raw);
    auto line = [&](const std::string& text) { session.handle_line(raw, protocol::parse_json_line(text), text.size()); };
    line(R"({"checkpoint":{"last_op_id":"20000","buckets":[{"bucket":"b","checksum":0,"count":20000}]}})");
    std::string ops;
    for (int op_id = 1; op_id <= 1000; ++op_id) {
      const std::string id = "t" + std::to_string(op_id % 900);  // 100 rows twice: superseded
      ops += (ops.empty() ? "" : ",") + std::string(R"({"op_id":")") + std::to_string(op_id) +
             R"(","op":"PUT","object_type":"todos","object_id":")" + id + R"(","checksum":1,"data":"{}"})";
    }
    line(R"({"data":{"bucket":"b","has_more":true,"data":[)" + ops + "]}}");
    auto indexes = raw.prepare(kIndexCount);
    ASSERT_TRUE(indexes.step());
    ASSERT_EQ(0, indexes.column_int64(0)) << "the download did not take the bulk-load path";
  }
  auto db = open_file(path);
  EXPECT_EQ("2", text(db->get(kIndexCount)));
  EXPECT_EQ("900", text(db->get("SELECT count(*) FROM ps_oplog")));
  // The superseded ops' checksums moved to add_checksum; the total still counts all 1000.
  EXPECT_EQ("100|900", text(db->get("SELECT add_checksum || '|' || op_checksum FROM ps_buckets WHERE name = 'b'")));
}

TEST(DatabaseOpen, UnreachablePathFails) {
  DatabaseOptions options;
  options.pool.path = "/nonexistent-dir/for/sure/app.db";
  EXPECT_THROW(Database::open(options, todo_schema()), Error);
}

TEST(DatabaseOpen, InvalidSchemaIsRejected) {
  Schema schema = todo_schema();
  schema.tables[0].columns.push_back({"id", ColumnType::text});
  EXPECT_EQ(ErrorCode::invalid_argument, code_of([&] { Database::open(DatabaseOptions{}, schema); }));
}

TEST(DatabaseOpen, UpdateSchemaAddsViews) {
  auto db = open_memory();
  Schema bigger = todo_schema();
  Table tags;
  tags.name = "tags";
  tags.columns = {{"label", ColumnType::text}};
  bigger.tables.push_back(tags);
  db->update_schema(bigger);
  EXPECT_EQ(1, integer(db->get("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'tags'")));
  EXPECT_EQ(1, integer(db->get("SELECT count(*) FROM sqlite_master WHERE name = 'ps_data__tags'")));
}

TEST(DatabaseClose, IsIdempotentAndLaterCallsReportClosed) {
  auto db = open_memory();
  db->close();
  db->close();
  EXPECT_TRUE(db->is_closed());
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->execute("SELECT 1"); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->get_all("SELECT 1"); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->get("SELECT 1"); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->execute_batch("SELECT 1", {{}}); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->begin_write(); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->begin_read(); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->update_schema(todo_schema()); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->get_crud_batch(10); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->upload_queue_stats(); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->on_change({"todos"}, {}, [](const auto&) {}); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { db->watch("SELECT 1", {}, {}, [](const auto*, const auto*) {}); }));
  db->remove_listener(1);  // harmless
}

TEST(DatabaseClose, WaitsForAnOpenTransactionOnAnotherThread) {
  auto db = open_memory();
  db->execute("CREATE TABLE items (name TEXT)");
  auto tx = db->begin_write();
  tx->execute("INSERT INTO items VALUES ('a')");
  auto closing = std::async(std::launch::async, [&] { db->close(); });
  tx->commit();  // close can only finish once the writer is back
  closing.get();
  EXPECT_TRUE(db->is_closed());
}

}  // namespace
}  // namespace powersync
