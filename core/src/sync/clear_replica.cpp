// disconnect_and_clear: forget everything synced and queued, as the official core's
// powersync_clear does (hard clear), keeping the client id and the schema.
#include <string>
#include <vector>

#include "powersync/storage/sql_quote.hpp"
#include "powersync/sync/bucket_storage.hpp"

namespace powersync::sync {

void clear_replica(Connection& writer, bool clear_local) {
  TransactionGuard tx(writer);
  writer.exec(
      "DELETE FROM ps_oplog; DELETE FROM ps_buckets; DELETE FROM ps_crud; DELETE FROM ps_untyped; "
      "DELETE FROM ps_updated_rows; DELETE FROM ps_kv WHERE key != 'client_id'; "
      "DELETE FROM ps_stream_subscriptions; DELETE FROM ps_sync_state;");
  std::vector<std::string> tables;
  {
    auto stmt = writer.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?1");
    stmt.bind_text(1, clear_local ? "ps_data_*" : "ps_data__*");
    while (stmt.step()) tables.emplace_back(stmt.column_text(0));
  }
  for (const auto& name : tables) writer.exec("DELETE FROM " + quote_identifier(name));
  finish_bulk_load(writer);  // the oplog is empty now: just restores its indexes
  tx.commit();
}

}  // namespace powersync::sync
