// DataLineBatch: data lines stored in one write transaction stay invisible to readers until
// the batch commits (flush, line limit, idle watchdog, destruction); a failing line rolls the
// whole batch back.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "powersync/storage/connection_pool.hpp"
#include "powersync/sync/sync_worker_batch.hpp"
#include "temp_dir.hpp"

namespace powersync::sync {
namespace {

using namespace std::chrono_literals;

class DataLineBatchTest : public ::testing::Test {
 protected:
  DataLineBatchTest() {
    PoolOptions options;
    options.path = dir.file("batch.db");
    options.reader_count = 1;
    pool = ConnectionPool::open(options, nullptr);
    pool->writer()->exec("CREATE TABLE lines(n INTEGER)");
  }

  std::int64_t visible_rows() {
    auto reader = pool->reader();
    auto stmt = reader->prepare("SELECT count(*) FROM lines");
    stmt.step();
    return stmt.column_int64(0);
  }

  static void store_line(Connection& writer) { writer.exec("INSERT INTO lines VALUES (1)"); }

  // Waits (without a time limit that matters) until `rows` are visible.
  bool eventually_visible(std::int64_t rows) {
    for (int i = 0; i < 1000; ++i) {
      if (visible_rows() == rows) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  test::TempDir dir;
  std::shared_ptr<ConnectionPool> pool;
};

TEST_F(DataLineBatchTest, LinesBecomeVisibleTogetherOnFlush) {
  int commits = 0;
  DataLineBatch batch(pool, [&](Connection&) { ++commits; }, BatchLimits{100, 1h, 1h});
  batch.add(store_line);
  batch.add(store_line);
  EXPECT_EQ(visible_rows(), 0);
  batch.flush();
  EXPECT_EQ(visible_rows(), 2);
  EXPECT_EQ(commits, 1);
  batch.flush();  // nothing open: no commit
  EXPECT_EQ(commits, 1);
}

TEST_F(DataLineBatchTest, CommitsAfterMaxLines) {
  DataLineBatch batch(pool, nullptr, BatchLimits{2, 1h, 1h});
  batch.add(store_line);
  EXPECT_EQ(visible_rows(), 0);
  batch.add(store_line);
  EXPECT_EQ(visible_rows(), 2);
  batch.add(store_line);
  EXPECT_EQ(visible_rows(), 2);
}

TEST_F(DataLineBatchTest, IdleBatchIsCommittedAndFreesTheWriter) {
  DataLineBatch batch(pool, nullptr, BatchLimits{100, 1h, 5ms});
  batch.add(store_line);
  EXPECT_TRUE(eventually_visible(1));
  // The writer is free again for the app.
  pool->writer()->exec("INSERT INTO lines VALUES (2)");
  EXPECT_EQ(visible_rows(), 2);
}

TEST_F(DataLineBatchTest, FailingLineRollsBackTheWholeBatch) {
  DataLineBatch batch(pool, nullptr, BatchLimits{100, 1h, 1h});
  batch.add(store_line);
  EXPECT_THROW(batch.add([](Connection& writer) {
    store_line(writer);
    throw std::runtime_error("malformed line");
  }),
               std::runtime_error);
  batch.flush();
  EXPECT_EQ(visible_rows(), 0);
  batch.add(store_line);  // a new batch starts cleanly
  batch.flush();
  EXPECT_EQ(visible_rows(), 1);
}

TEST_F(DataLineBatchTest, DestructionCommitsWhatIsOpen) {
  {
    DataLineBatch batch(pool, nullptr, BatchLimits{100, 1h, 1h});
    batch.add(store_line);
    EXPECT_EQ(visible_rows(), 0);
  }
  EXPECT_EQ(visible_rows(), 1);
}

}  // namespace
}  // namespace powersync::sync
