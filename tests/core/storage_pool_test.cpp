#include <gtest/gtest.h>

#include <chrono>
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

TEST(ConnectionPool, RejectsNegativeReaderCount) {
  PoolOptions options;
  options.reader_count = -1;
  EXPECT_THROW(ConnectionPool::open(options, nullptr), Error);
}

}  // namespace
}  // namespace powersync
