#pragma once
// The insert-only virtual tables that record local writes in the upload queue:
//   powersync_crud(op, id, type, data, old_values, metadata, options HIDDEN)
//   powersync_crud_(data, options HIDDEN)
// Both allocate one ps_tx transaction id per SQLite transaction (shared between them) and
// insert into ps_crud(tx_id, data), as the official core's vtabs do.

struct sqlite3;

namespace powersync {

// Registers both eponymous-only modules on `db`; throws Error on failure.
void register_crud_vtabs(sqlite3* db);

// While paused, inserts into both tables are accepted and dropped, as the official core does
// while it applies downloaded data (sync_local): writes made by triggers on synced (raw)
// tables then are not local changes to upload. No effect on a connection without the vtabs.
void pause_crud_capture(sqlite3* db, bool paused);

}  // namespace powersync
