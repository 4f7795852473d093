#pragma once
// The sync state two clients must agree on after the same lines: buckets, oplog, synced rows,
// untyped rows, pending row updates, sync state, ps_kv and the `lists` view. Shared by the NDJSON
// and BSON differential tests against the official core.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "powersync/storage/connection.hpp"

namespace powersync::conformance {

// Every row of `sql` as "a|b|c\n" lines, NULL as "NULL".
inline std::string dump(Connection& db, const std::string& sql) {
  std::string out;
  auto stmt = db.prepare(sql);
  while (stmt.step()) {
    for (int i = 0; i < stmt.column_count(); ++i) {
      out += stmt.column_is_null(i) ? std::string("NULL") : std::string(stmt.column_text(i));
      out += i + 1 < stmt.column_count() ? "|" : "\n";
    }
  }
  return out;
}

inline void expect_same_sync_state(Connection& ours, Connection& official) {
  const std::vector<std::string> queries = {
      "SELECT name, last_applied_op, last_op, add_checksum, op_checksum, pending_delete, count_at_last, "
      "count_since_last, downloaded_size FROM ps_buckets ORDER BY name",
      "SELECT b.name, o.op_id, o.row_type, o.row_id, o.key, o.data, o.hash FROM ps_oplog o "
      "JOIN ps_buckets b ON b.id = o.bucket ORDER BY b.name, o.op_id",
      "SELECT id, data FROM ps_data__lists ORDER BY id",
      "SELECT id, data FROM ps_data__todos ORDER BY id",
      "SELECT type, id, data FROM ps_untyped ORDER BY type, id",
      "SELECT row_type, row_id FROM ps_updated_rows ORDER BY 1, 2",
      "SELECT priority FROM ps_sync_state ORDER BY priority",
      "SELECT key, value FROM ps_kv WHERE key != 'client_id' ORDER BY key",
      "SELECT * FROM lists ORDER BY id",
  };
  for (const auto& sql : queries) EXPECT_EQ(dump(ours, sql), dump(official, sql)) << sql;
}

}  // namespace powersync::conformance
