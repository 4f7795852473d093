#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "powersync/storage/connection_pool.hpp"
#include "temp_dir.hpp"
#include "powersync/util/error.hpp"

namespace powersync {
namespace {

TEST(ConnectionPool, ReadersSeeCommittedWritesInWalMode) {
  test::TempDir dir("powersync-pool");
  PoolOptions options;
  options.path = dir.file("wal.db");
  options.reader_count = 2;
  int setups = 0;
  auto pool = ConnectionPool::open(options, [&](Connection&, bool) { ++setups; });
  EXPECT_EQ(setups, 3);
  {
    auto w = pool->writer();
    w->exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    auto mode = w->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.column_text(0), "wal");
  }
  auto r = pool->reader();
  EXPECT_FALSE(r.is_writer());
  auto s = r->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int64(0), 1);
  // Readers refuse writes.
  EXPECT_THROW(r->exec("INSERT INTO t VALUES (2)"), Error);
}

TEST(ConnectionPool, InMemoryReadsUseTheWriter) {
  auto pool = ConnectionPool::open({}, nullptr);
  EXPECT_TRUE(pool->in_memory());
  {
    auto w = pool->writer();
    w->exec("CREATE TABLE t(x)");
  }
  auto r = pool->reader();
  EXPECT_TRUE(r.is_writer());
  auto s = r->prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(s.step());
}

TEST(ConnectionPool, WriterIsExclusiveAndLeasesMoveBetweenThreads) {
  auto pool = ConnectionPool::open({}, nullptr);
  auto first = pool->writer();
  auto second = std::async(std::launch::async, [&] { return pool->writer(); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  std::thread([lease = std::move(first)]() mutable { lease.release(); }).join();
  auto lease = second.get();
  EXPECT_TRUE(lease);
}

TEST(ConnectionPool, CloseWaitsForLeasesThenRefusesNewOnes) {
  test::TempDir dir("powersync-pool");
  PoolOptions options;
  options.path = dir.file("close.db");
  options.reader_count = 1;
  auto pool = ConnectionPool::open(options, nullptr);
  auto lease = pool->reader();
  auto closing = std::async(std::launch::async, [&] { pool->close(); });
  EXPECT_EQ(closing.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  lease.release();
  closing.get();
  EXPECT_TRUE(pool->closed());
  try {
    pool->writer();
    FAIL() << "expected closed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::closed);
  }
  EXPECT_NO_THROW(pool->close());  // idempotent
}

// Writes about 2,000 pages in 40 commits and returns the main file's size once the WAL has
// been checkpointed, or after `wait`.
std::uintmax_t main_file_size_after_writes(const std::string& path, int checkpoint_pages,
                                           std::chrono::milliseconds wait) {
  PoolOptions options;
  options.path = path;
  options.reader_count = 1;
  options.background_checkpoint_pages = checkpoint_pages;
  auto pool = ConnectionPool::open(options, nullptr);
  {
    auto w = pool->writer();
    w->exec("CREATE TABLE t(x BLOB)");
    for (int i = 0; i < 40; ++i) {
      w->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
              "INSERT INTO t SELECT randomblob(4000) FROM n");
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::uintmax_t size = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    size = std::filesystem::file_size(path);
    if (size > 4000u * 1000u) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pool->close();
  return size;
}

TEST(ConnectionPool, CheckpointsTheWalInTheBackground) {
  test::TempDir dir("powersync-pool");
  // Past the threshold the pages reach the main file without any commit doing it ...
  EXPECT_GT(main_file_size_after_writes(dir.file("background.db"), 1000, std::chrono::seconds(10)), 4000u * 1000u);
  // ... and below it nothing checkpoints: SQLite's own checkpoint in the commit is off.
  EXPECT_LT(main_file_size_after_writes(dir.file("held.db"), 1000000, std::chrono::milliseconds(300)), 4000u * 100u);
}

TEST(ConnectionPool, RejectsNegativeReaderCount) {
  PoolOptions options;
  options.reader_count = -1;
  EXPECT_THROW(ConnectionPool::open(options, nullptr), Error);
}

}  // namespace
}  // namespace powersync
