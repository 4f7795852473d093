#pragma once
// Brings a database's ps_data tables, indexes, views and triggers in line with a schema.

#include "powersync/schema/schema.hpp"
#include "powersync/storage/connection.hpp"

namespace powersync {

// Runs in its own write transaction on `writer`. Keeps rows of tables that remain; rows of
// removed synced tables move to ps_untyped and come back when the table returns; views
// and triggers are recreated only if their SQL changed.
void apply_schema(Connection& writer, const Schema& schema);

}  // namespace powersync
