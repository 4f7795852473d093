// Explicit transactions: commit, rollback, abandoned transactions, read-only transactions,
// snapshots and concurrent readers on a WAL file database.

#include <future>
#include <thread>

#include "database_test_support.hpp"

namespace powersync {
namespace {

using namespace dbtest;

class DatabaseTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_memory();
    db_->execute("CREATE TABLE items (name TEXT)");
  }
  std::shared_ptr<Database> db_;
};

TEST_F(DatabaseTransactionTest, CommitMakesWritesVisible) {
  auto tx = db_->begin_write();
  EXPECT_TRUE(tx->is_open());
  EXPECT_TRUE(tx->is_write());
  tx->execute("INSERT INTO items VALUES ('a')");
  EXPECT_EQ((std::vector<std::string>{"a"}), texts(tx->get_all("SELECT name FROM items")));
  tx->commit();
  EXPECT_FALSE(tx->is_open());
  EXPECT_EQ(ErrorCode::closed, code_of([&] { tx->commit(); }));
  EXPECT_EQ(ErrorCode::closed, code_of([&] { tx->execute("SELECT 1"); }));
  EXPECT_EQ(1, count(*db_, "items"));
}

TEST_F(DatabaseTransactionTest, RollbackAndDestructionDiscardWrites) {
  auto tx = db_->begin_write();
  tx->execute("INSERT INTO items VALUES ('a')");
  tx->rollback();
  EXPECT_FALSE(tx->is_open());
  tx = db_->begin_write();
  tx->execute("INSERT INTO items VALUES ('b')");
  tx.reset();  // abandoned: rolled back, writer returned
  EXPECT_EQ(0, count(*db_, "items"));
  db_->execute("INSERT INTO items VALUES ('c')");
  EXPECT_EQ(1, count(*db_, "items"));
}

TEST_F(DatabaseTransactionTest, SqlErrorKeepsTheTransactionUsable) {
  auto tx = db_->begin_write();
  tx->execute("INSERT INTO items VALUES ('kept')");
  EXPECT_EQ(ErrorCode::sql, code_of([&] { tx->execute("INSERT INTO nowhere VALUES (1)"); }));
  tx->commit();
  EXPECT_EQ((std::vector<std::string>{"kept"}), texts(db_->get_all("SELECT name FROM items")));
}

TEST_F(DatabaseTransactionTest, WriteTransactionHelperCommitsOrRollsBack) {
  const auto n = db_->write_transaction([](Transaction& tx) {
    tx.execute("INSERT INTO items VALUES ('a')");
    return tx.get_all("SELECT count(*) FROM items").row_count();
  });
  EXPECT_EQ(1u, n);
  EXPECT_THROW(db_->write_transaction([](Transaction& tx) {
    tx.execute("INSERT INTO items VALUES ('b')");
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_EQ(1, count(*db_, "items"));
}

TEST_F(DatabaseTransactionTest, ReadTransactionRefusesWrites) {
  db_->execute("INSERT INTO items VALUES ('a')");
  auto tx = db_->begin_read();
  EXPECT_FALSE(tx->is_write());
  EXPECT_EQ(ErrorCode::sql, code_of([&] { tx->execute("INSERT INTO items VALUES ('sneaky')"); }));
  EXPECT_EQ((std::vector<std::string>{"a"}), texts(tx->get_all("SELECT name FROM items")));
  tx->commit();
  EXPECT_EQ(1, count(*db_, "items"));
}

TEST(DatabaseTransactionFile, ReadTransactionSeesOneSnapshotWhileWritesGoOn) {
  TempDir dir;
  auto db = open_file(dir.file("snapshot.db"));
  db->execute("CREATE TABLE items (name TEXT)");
  db->execute("INSERT INTO items VALUES ('a')");
  auto read = db->begin_read();
  db->execute("INSERT INTO items VALUES ('b')");  // WAL: the reader does not block the writer
  EXPECT_EQ(1, integer(read->get_all("SELECT count(*) FROM items")));
  read->rollback();
  EXPECT_EQ(2, count(*db, "items"));
  db->close();
}

TEST(DatabaseTransactionFile, ReadersRunConcurrentlyWithEachOtherAndTheWriter) {
  TempDir dir;
  auto db = open_file(dir.file("concurrent.db"), todo_schema(), 2);
  db->execute("CREATE TABLE items (name TEXT)");
  db->execute("INSERT INTO items VALUES ('a')");
  // Two read transactions at once (both readers leased) plus a write transaction.
  auto first = db->begin_read();
  auto second = std::async(std::launch::async, [&] {
    auto tx = db->begin_read();
    return integer(tx->get_all("SELECT count(*) FROM items"));
  }).get();
  EXPECT_EQ(1, second);
  auto write = db->begin_write();
  write->execute("INSERT INTO items VALUES ('b')");
  write->commit();
  EXPECT_EQ(1, integer(first->get_all("SELECT count(*) FROM items")));
  first->commit();

  // Many threads reading and one writing, all finishing.
  std::vector<std::future<std::int64_t>> readers;
  for (int i = 0; i < 8; ++i) {
    readers.push_back(std::async(std::launch::async, [&] {
      std::int64_t last = 0;
      for (int j = 0; j < 20; ++j) last = count(*db, "items");
      return last;
    }));
  }
  for (int j = 0; j < 20; ++j) db->execute("INSERT INTO items VALUES ('more')");
  for (auto& reader : readers) EXPECT_GE(reader.get(), 2);
  EXPECT_EQ(22, count(*db, "items"));
  db->close();
}

TEST_F(DatabaseTransactionTest, TransactionMayFinishOnAnotherThread) {
  auto tx = db_->begin_write();
  std::thread([&] { tx->execute("INSERT INTO items VALUES ('moved')"); }).join();
  std::thread([&] { tx->commit(); }).join();
  EXPECT_EQ(1, count(*db_, "items"));
}

}  // namespace
}  // namespace powersync
