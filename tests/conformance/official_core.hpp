#pragma once
// The oracle of the differential tests: our pinned SQLite with the official PowerSync core
// extension (from the npm package @powersync/node) loaded into it.

#include <memory>
#include <string>

#include "powersync/storage/connection.hpp"

namespace powersync::conformance {

// Opens `path` (":memory:" or a file), loads the official extension from
// POWERSYNC_OFFICIAL_CORE_PATH and applies `schema_json` the way the official SDKs do.
std::unique_ptr<Connection> open_official(const std::string& path, const std::string& schema_json);

// BEGIN; SELECT powersync_replace_schema(?); COMMIT; — the official core insists on a transaction.
void official_replace_schema(Connection& connection, const std::string& schema_json);

// powersync_rs_version() of the loaded extension, e.g. "0.4.5/…".
std::string official_core_version(Connection& connection);

}  // namespace powersync::conformance
