// Multi-statement transactions: shared tx ids in ps_crud, commits, rollbacks and failures inside.
#include "conformance_helpers.hpp"
#include "temp_dir.hpp"

namespace powersync::conformance {
namespace {

Schema two_tables() {
  Table lists;
  lists.name = "lists";
  lists.columns = {text("name"), text("owner_id")};
  return schema_of({todos_table(), lists});
}

TEST(Conformance, MultiStatementTransactions) {
  DualDatabase dual(two_tables());
  dual.transaction({
      sql("INSERT INTO lists(id, name) VALUES ('l1', 'Groceries')"),
      sql("INSERT INTO todos(id, description, list_id) VALUES ('t1', 'Milk', 'l1')"),
      sql("INSERT INTO todos(id, description, list_id) VALUES ('t2', 'Bread', 'l1')"),
      sql("UPDATE todos SET completed = 1 WHERE id = 't1'"),
  });
  dual.execute("INSERT INTO todos(id, description) VALUES ('t3', 'autocommit between')");
  dual.transaction({
      sql("UPDATE lists SET name = ? WHERE id = ?", {std::string("Food"), std::string("l1")}),
      sql("DELETE FROM todos WHERE id = 't2'"),
      sql("INSERT INTO todos(id, description, list_id) VALUES (?, ?, ?)",
          {std::string("t4"), std::string("Eggs"), std::string("l1")}),
  });
  dual.transaction({});  // an empty transaction takes no tx id
  dual.transaction({sql("SELECT count(*) FROM todos")});  // neither does a read-only one
  dual.execute("DELETE FROM todos");
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, Rollback) {
  DualDatabase dual(two_tables());
  dual.execute("INSERT INTO todos(id, description) VALUES ('t1', 'kept')");
  dual.transaction(
      {
          sql("INSERT INTO todos(id, description) VALUES ('t2', 'rolled back')"),
          sql("UPDATE todos SET description = 'changed' WHERE id = 't1'"),
          sql("INSERT INTO lists(id, name) VALUES ('l1', 'rolled back')"),
      },
      TxEnd::rollback);
  // The transaction counter of a rolled back transaction: does the next one reuse its id?
  dual.execute("INSERT INTO todos(id, description) VALUES ('t3', 'after rollback')");
  dual.transaction({sql("DELETE FROM todos WHERE id = 't1'")}, TxEnd::rollback);
  dual.transaction({sql("DELETE FROM todos WHERE id = 't3'")});
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, FailingStatementInsideTransaction) {
  DualDatabase dual(two_tables());
  dual.transaction({
      sql("INSERT INTO todos(id, description) VALUES ('t1', 'first')"),
      sql("INSERT INTO todos(id, description) VALUES ('t1', 'duplicate fails')"),
      sql("UPDATE todos SET id = 'other' WHERE id = 't1'"),  // 'Cannot update id'
      sql("INSERT INTO todos(id, description) VALUES ('t2', 'after the failures')"),
  });
  EXPECT_SAME_STATE(dual);
}

TEST(Conformance, ManyWritesInOneTransaction) {
  DualDatabase dual(two_tables());
  std::vector<Sql> statements;
  for (int i = 0; i < 200; ++i) {
    statements.push_back(sql("INSERT INTO todos(id, description, completed, priority) VALUES (?, ?, ?, ?)",
                             {std::string("id-") + std::to_string(i), std::string("row ") + std::to_string(i),
                              std::int64_t{i % 2}, i / 7.0}));
  }
  statements.push_back(sql("UPDATE todos SET completed = 1 - completed WHERE priority > 10"));
  statements.push_back(sql("DELETE FROM todos WHERE completed = 1 AND priority < 5"));
  dual.transaction(statements);
  EXPECT_SAME_STATE(dual);
}

}  // namespace
}  // namespace powersync::conformance

namespace powersync::conformance {
namespace {

// Files in WAL mode: our reads then go through reader connections.
TEST(Conformance, FileDatabase) {
  test::TempDir dir("powersync-conformance");
  DualDatabase dual(two_tables(), dir.path().string());
  dual.execute("INSERT INTO lists(id, name) VALUES ('l1', 'on disk')");
  dual.transaction({
      sql("INSERT INTO todos(id, description, list_id) VALUES ('t1', 'a', 'l1')"),
      sql("INSERT INTO todos(id, description, list_id) VALUES ('t2', 'b', 'l1')"),
  });
  dual.transaction({sql("DELETE FROM todos WHERE id = 't1'")}, TxEnd::rollback);
  dual.execute("UPDATE todos SET completed = 1 WHERE list_id = 'l1'");
  EXPECT_SAME_STATE(dual);
}

// The outer statement's conflict clause reaches the INSERT inside the trigger.
TEST(Conformance, ConflictClauses) {
  DualDatabase dual(two_tables());
  dual.execute("INSERT INTO todos(id, description) VALUES ('t1', 'first')");
  dual.execute("INSERT OR IGNORE INTO todos(id, description) VALUES ('t1', 'ignored')");
  dual.execute("INSERT OR REPLACE INTO todos(id, description) VALUES ('t1', 'replaced')");
  // In a transaction: autocommit FAIL is FailingAutocommitStatementTakesTxId's subject.
  dual.transaction({sql("INSERT OR FAIL INTO todos(id, description) VALUES ('t1', 'fails')")});
  dual.execute("UPDATE OR IGNORE todos SET description = 'updated' WHERE id = 't1'");
  EXPECT_SAME_STATE(dual);
}

}  // namespace
}  // namespace powersync::conformance
