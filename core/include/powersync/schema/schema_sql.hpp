#pragma once
// SQL generated for a table: the view, its INSTEAD OF triggers and the indexes. The text
// matches the official core's so that views created by either are recognised as current.

#include <string>

#include "powersync/schema/schema.hpp"
#include "powersync/storage/sql_quote.hpp"  // quote_identifier, quote_string

namespace powersync {

std::string view_sql(const Table& table);
std::string insert_trigger_sql(const Table& table);  // empty never
std::string update_trigger_sql(const Table& table);  // empty for insert-only tables
std::string delete_trigger_sql(const Table& table);  // empty for insert-only tables
std::string index_sql(const Table& table, const Index& index);  // CREATE INDEX "ps_data__t__i" ...


}  // namespace powersync
