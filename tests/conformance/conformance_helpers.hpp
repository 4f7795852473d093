#pragma once
// Schemas and assertions shared by the conformance tests.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "dual_database.hpp"

namespace powersync::conformance {

inline Column text(std::string name) { return {std::move(name), ColumnType::text}; }
inline Column integer(std::string name) { return {std::move(name), ColumnType::integer}; }
inline Column real(std::string name) { return {std::move(name), ColumnType::real}; }

// The table of the benchmarks and most tests: one column of each type and then some.
inline Table todos_table(std::string name = "todos") {
  Table table;
  table.name = std::move(name);
  table.columns = {text("description"), text("list_id"), integer("completed"), text("created_at"),
                   real("priority")};
  return table;
}

inline Schema schema_of(std::vector<Table> tables) { return Schema{std::move(tables)}; }

// Statement with parameters, for DualDatabase::transaction.
inline Sql sql(std::string text, Params params = {}) { return Sql{std::move(text), std::move(params)}; }

// Differences that are not failures are printed so the report can list them.
inline void print_notes(const DualDatabase& dual) {
  constexpr std::size_t kShown = 5;
  const auto& notes = dual.notes();
  for (std::size_t i = 0; i < notes.size() && i < kShown; ++i) std::printf("[note] %s\n", notes[i].c_str());
  if (notes.size() > kShown) std::printf("[note] ... and %zu more\n", notes.size() - kShown);
}

}  // namespace powersync::conformance

// Both sides hold the same rows everywhere the fixture looks.
#define EXPECT_SAME_STATE(dual)                                                  \
  do {                                                                           \
    EXPECT_THAT((dual).state_differences(), ::testing::IsEmpty());               \
    ::powersync::conformance::print_notes(dual);                        \
  } while (0)

// The generated views, triggers, indexes and ps_data tables have identical SQL text.
#define EXPECT_SAME_SCHEMA_SQL(dual) EXPECT_THAT((dual).schema_sql_differences(), ::testing::IsEmpty())
