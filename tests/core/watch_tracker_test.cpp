// TableTracker: committed changes are published once the connection is back in autocommit;
// rolled-back changes never are.

#include <vector>

#include "database_test_support.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/watch/table_tracker.hpp"

namespace powersync {
namespace {

using dbtest::joined;

class TableTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_.exec("CREATE TABLE a (x); CREATE TABLE b (x); CREATE TABLE c (x)");
    tracker_ = std::make_unique<TableTracker>(connection_, [this](std::set<std::string> tables) {
      published_.push_back(joined(tables));
    });
  }

  Connection connection_{ConnectionOptions{}};
  std::unique_ptr<TableTracker> tracker_;
  std::vector<std::string> published_;
};

TEST_F(TableTrackerTest, AutocommitStatementsArePublishedOnFlush) {
  connection_.exec("INSERT INTO a VALUES (1)");
  EXPECT_TRUE(published_.empty());  // nothing before the owner flushes
  tracker_->flush_if_committed();
  connection_.exec("UPDATE a SET x = 2; DELETE FROM b");
  tracker_->flush_if_committed();
  tracker_->flush_if_committed();  // nothing new
  EXPECT_EQ((std::vector<std::string>{"a", "a"}), published_);  // DELETE FROM b touched no row
}

TEST_F(TableTrackerTest, TransactionIsPublishedOnlyAfterCommit) {
  connection_.exec("BEGIN");
  connection_.exec("INSERT INTO a VALUES (1)");
  connection_.exec("INSERT INTO b VALUES (1)");
  tracker_->flush_if_committed();
  EXPECT_TRUE(published_.empty());
  connection_.exec("COMMIT");
  tracker_->flush_if_committed();
  EXPECT_EQ((std::vector<std::string>{"a,b"}), published_);
}

TEST_F(TableTrackerTest, RolledBackChangesAreNeverPublished) {
  connection_.exec("BEGIN; INSERT INTO a VALUES (1); ROLLBACK");
  tracker_->flush_if_committed();
  EXPECT_TRUE(published_.empty());
  connection_.exec("BEGIN; INSERT INTO a VALUES (1); INSERT INTO c VALUES (1); ROLLBACK");
  connection_.exec("INSERT INTO b VALUES (1)");
  tracker_->flush_if_committed();
  EXPECT_EQ((std::vector<std::string>{"b"}), published_);
}

TEST_F(TableTrackerTest, ChangesByTriggersCount) {
  connection_.exec("CREATE TRIGGER a_to_c AFTER INSERT ON a BEGIN INSERT INTO c VALUES (NEW.x); END");
  connection_.exec("INSERT INTO a VALUES (1)");
  tracker_->flush_if_committed();
  EXPECT_EQ((std::vector<std::string>{"a,c"}), published_);
}

TEST_F(TableTrackerTest, DestroyedTrackerLeavesTheConnectionUsable) {
  tracker_.reset();
  connection_.exec("BEGIN; INSERT INTO a VALUES (1); COMMIT; BEGIN; INSERT INTO a VALUES (2); ROLLBACK");
  EXPECT_TRUE(published_.empty());
}

}  // namespace
}  // namespace powersync
