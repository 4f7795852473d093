// powersync_set_logger: delivery, replacement, exactly-once free_user_data.

#include <atomic>

#include "capi_test_support.hpp"

using namespace capi_test;

namespace {

struct LogSink {
  Events records;  // "<level>:<message>"
  std::atomic<int> freed{0};
};

void log_into(void* user_data, int32_t level, const char* message) {
  static_cast<LogSink*>(user_data)->records.add(std::to_string(level) + ":" + message);
}

void free_sink(void* user_data) { static_cast<LogSink*>(user_data)->freed++; }

int32_t fail_change(void*, const char* const*, size_t) { return POWERSYNC_ERROR_CALLBACK_FAILED; }

bool any_contains(const std::vector<std::string>& records, const std::string& needle) {
  for (const auto& r : records)
    if (r.find(needle) != std::string::npos) return true;
  return false;
}

class CapiLogger : public CapiTest {
 protected:
  void TearDown() override {
    powersync_set_logger(POWERSYNC_LOG_OFF, nullptr, nullptr, nullptr);
    CapiTest::TearDown();
  }
};

}  // namespace

TEST_F(CapiLogger, FailingCallbackStatusIsLoggedAsWarning) {
  LogSink sink;
  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_WARN, log_into, &sink, free_sink));
  const char* tables[] = {"todos"};
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, fail_change, nullptr, nullptr, &listener));
  insert_todo(db_, "a", "x");
  ASSERT_TRUE(sink.records.wait_for([](const auto& r) { return any_contains(r, "CALLBACK_FAILED"); }));
  EXPECT_TRUE(any_contains(sink.records.snapshot(), std::to_string(POWERSYNC_LOG_WARN) + ":on_change callback returned status 7"))
      << ::testing::PrintToString(sink.records.snapshot());
  powersync_listener_remove(&listener);

  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_OFF, nullptr, nullptr, nullptr));
  EXPECT_EQ(1, sink.freed.load());
}

TEST_F(CapiLogger, ReplacingTheLoggerFreesThePreviousOnce) {
  LogSink first, second;
  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_TRACE, log_into, &first, free_sink));
  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_TRACE, log_into, &second, free_sink));
  EXPECT_EQ(1, first.freed.load());
  EXPECT_EQ(0, second.freed.load());
  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_OFF, nullptr, nullptr, nullptr));
  EXPECT_EQ(1, first.freed.load());
  EXPECT_EQ(1, second.freed.load());
}

TEST_F(CapiLogger, RecordsBelowTheLevelAreDropped) {
  LogSink sink;
  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_ERROR, log_into, &sink, free_sink));
  const char* tables[] = {"todos"};
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_on_change(db_, tables, 1, nullptr, fail_change, nullptr, nullptr, &listener));
  insert_todo(db_, "a", "x");
  powersync_db_close(&db_);  // the failing callback ran (or was dropped) by now
  EXPECT_FALSE(any_contains(sink.records.snapshot(), "returned status"));
  powersync_listener_remove(&listener);
}

TEST_F(CapiLogger, InvalidLevelIsRejectedAndUserDataFreed) {
  LogSink sink;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_set_logger(6, log_into, &sink, free_sink));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_set_logger(-1, log_into, &sink, free_sink));
  EXPECT_EQ(2, sink.freed.load());
  // A NULL callback with user_data: the user_data is released right away.
  ASSERT_OK(powersync_set_logger(POWERSYNC_LOG_INFO, nullptr, &sink, free_sink));
  EXPECT_EQ(3, sink.freed.load());
}
