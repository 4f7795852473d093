#pragma once
// Variants of the generated SQL by the spelling of column types. The official core copies
// the type from the JSON as given, and the official SDKs send "TEXT"/"INTEGER"/"REAL",
// while we generate lower case. apply_schema treats either spelling as current, so a
// database shared with an official SDK is not rebuilt on every switch.

#include <string>

#include "powersync/schema/schema.hpp"

namespace powersync::schema_detail {

enum class TypeSpelling { lower, upper };

std::string view_sql(const Table& table, TypeSpelling spelling);
std::string index_sql(const Table& table, const Index& index, TypeSpelling spelling);

}  // namespace powersync::schema_detail
