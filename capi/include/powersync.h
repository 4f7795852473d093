/*
 * powersync.h — the C ABI of powersync-cpp, a client SDK for the PowerSync sync protocol.
 *
 * This header is the whole public API: what is not declared here is not API.
 * Conventions (see capi/CONVENTIONS.md):
 *   - functions are powersync_<object>_<verb>, types powersync_<object>_t,
 *     constants POWERSYNC_<GROUP>_<NAME>;
 *   - every fallible call returns a powersync_status; 0 is POWERSYNC_OK. Details
 *     of the last failure on the calling thread are in powersync_last_error_message();
 *   - constructors fill an out-parameter; destructors take T**, set it to NULL and
 *     accept NULL, so closing twice is harmless;
 *   - input strings are UTF-8, NUL-terminated unless a length is given, and copied;
 *   - a *_get_* result is borrowed: valid until the owning object is freed or the
 *     next call that the function's comment names;
 *   - everything the library allocates, the library frees.
 *
 * Threads: a powersync_db_t may be used from any number of threads at once.
 * Cursors, parameter lists, CRUD batches and option builders are not thread-safe:
 * use each from one thread at a time. Callbacks run on the database's notifier
 * thread, never while a library lock is held.
 */
#ifndef POWERSYNC_H
#define POWERSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define POWERSYNC_API __declspec(dllimport)
#elif defined(__GNUC__)
#define POWERSYNC_API __attribute__((visibility("default")))
#else
#define POWERSYNC_API
#endif

/* ------------------------------------------------------------------------- */
/* Versions                                                                  */
/* ------------------------------------------------------------------------- */

#define POWERSYNC_VERSION_MAJOR 0
#define POWERSYNC_VERSION_MINOR 1
#define POWERSYNC_VERSION_PATCH 0
#define POWERSYNC_VERSION_STRING "0.1.0"
/* MAJOR * 1000000 + MINOR * 1000 + PATCH */
#define POWERSYNC_VERSION_NUMBER 1000

/* The version of the loaded library, e.g. "0.1.0". Static storage. */
POWERSYNC_API const char *powersync_version(void);
/* POWERSYNC_VERSION_NUMBER of the loaded library; bindings compare it with the header's. */
POWERSYNC_API int32_t powersync_version_number(void);
/* The version of the SQLite library built into powersync, e.g. "3.53.0". Static storage. */
POWERSYNC_API const char *powersync_sqlite_version(void);

/* ------------------------------------------------------------------------- */
/* Status codes and errors                                                   */
/* ------------------------------------------------------------------------- */

typedef int32_t powersync_status;

#define POWERSYNC_OK 0
#define POWERSYNC_ERROR_INVALID_ARGUMENT 1 /* NULL handle, bad schema, wrong parameter type, ... */
#define POWERSYNC_ERROR_SQL 2              /* SQLite reported an error (syntax, constraint, ...) */
#define POWERSYNC_ERROR_BUSY 3             /* the database stayed locked past the busy timeout */
#define POWERSYNC_ERROR_CLOSED 4           /* the database (or the transaction) is closed */
#define POWERSYNC_ERROR_AUTH 5             /* credentials missing or rejected */
#define POWERSYNC_ERROR_NETWORK 6          /* the sync service could not be reached */
#define POWERSYNC_ERROR_CALLBACK_FAILED 7  /* a host callback reported a failure */
#define POWERSYNC_ERROR_CANCELLED 8        /* the operation was cancelled */
#define POWERSYNC_ERROR_INTERNAL 9         /* a bug in powersync: please report it */

/* The message of the last failed call on this thread ("" if none). Borrowed until
 * the next powersync call on this thread. */
POWERSYNC_API const char *powersync_last_error_message(void);
/* The status of the last failed call on this thread (POWERSYNC_OK if none). */
POWERSYNC_API powersync_status powersync_last_error_code(void);
/* The SQLite extended result code behind the last POWERSYNC_ERROR_SQL/BUSY, else 0. */
POWERSYNC_API int32_t powersync_last_error_sqlite_code(void);
/* A static, human-readable name for a status ("OK", "SQL_ERROR", ...). */
POWERSYNC_API const char *powersync_status_name(powersync_status status);

/* ------------------------------------------------------------------------- */
/* Logging                                                                   */
/* ------------------------------------------------------------------------- */

#define POWERSYNC_LOG_TRACE 0
#define POWERSYNC_LOG_DEBUG 1
#define POWERSYNC_LOG_INFO 2
#define POWERSYNC_LOG_WARN 3
#define POWERSYNC_LOG_ERROR 4
#define POWERSYNC_LOG_OFF 5

/* Receives one log record; `message` is borrowed for the call. May run on any thread. */
typedef void (*powersync_log_fn)(void *user_data, int32_t level, const char *message);

/* Routes the library's log records at `min_level` and above to `callback` (NULL restores
 * the default: nothing is logged). The previous logger's free_user_data runs once no
 * call to it is in flight. Tokens and credentials are never logged. */
POWERSYNC_API powersync_status powersync_set_logger(int32_t min_level, powersync_log_fn callback,
                                                    void *user_data,
                                                    void (*free_user_data)(void *user_data));

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

/* An immutable, validated schema. */
typedef struct powersync_schema_t powersync_schema_t;

/* Parses and validates a schema in the JSON form the official PowerSync SDKs pass to
 * their core:
 *   {"tables":[{"name":"todos","view_name":null,
 *               "columns":[{"name":"description","type":"text"}],
 *               "indexes":[{"name":"by_list","columns":[{"name":"list_id","ascending":true,"type":"text"}]}],
 *               "local_only":false,"insert_only":false,"include_metadata":false,
 *               "include_old":false | true | ["col", ...],
 *               "include_old_only_when_changed":false,"ignore_empty_update":false}]}
 * Column types are "text", "integer" and "real". Invalid names, duplicate names, a column
 * named "id", too many columns or unknown types fail with POWERSYNC_ERROR_INVALID_ARGUMENT
 * and a message naming the table and column. */
POWERSYNC_API powersync_status powersync_schema_from_json(const char *json, powersync_schema_t **out_schema);
/* The schema as canonical JSON. Borrowed until the schema is freed. */
POWERSYNC_API const char *powersync_schema_get_json(const powersync_schema_t *schema);
POWERSYNC_API void powersync_schema_free(powersync_schema_t **schema);

/* ------------------------------------------------------------------------- */
/* Opening a database                                                        */
/* ------------------------------------------------------------------------- */

typedef struct powersync_open_options_t powersync_open_options_t;
typedef struct powersync_db_t powersync_db_t;

/* Defaults: in-memory database, 4 readers, WAL on, busy timeout 30000 ms. */
POWERSYNC_API powersync_status powersync_open_options_new(powersync_open_options_t **out_options);
/* A file path, or ":memory:" (the default) for a private in-memory database. */
POWERSYNC_API powersync_status powersync_open_options_set_path(powersync_open_options_t *options, const char *path);
/* Number of reader connections (1..64). In-memory databases always read through the writer. */
POWERSYNC_API powersync_status powersync_open_options_set_reader_count(powersync_open_options_t *options, int32_t count);
POWERSYNC_API powersync_status powersync_open_options_set_wal(powersync_open_options_t *options, bool enabled);
POWERSYNC_API powersync_status powersync_open_options_set_busy_timeout_ms(powersync_open_options_t *options, int32_t timeout_ms);
/* SQLite page cache per connection, in KiB (default 16384 for the writer, 2048 per reader). */
POWERSYNC_API powersync_status powersync_open_options_set_cache_size_kib(powersync_open_options_t *options, int32_t kib);
POWERSYNC_API void powersync_open_options_free(powersync_open_options_t **options);

/* Opens (creating if needed) a database, creates the internal ps_* tables and applies
 * `schema`. The options and schema are copied. */
POWERSYNC_API powersync_status powersync_db_open(const powersync_open_options_t *options,
                                                 const powersync_schema_t *schema,
                                                 powersync_db_t **out_db);
/* Replaces the schema: views and triggers are re-created; data in tables and columns
 * that remain is kept; rows of removed synced tables are kept aside (ps_untyped) and
 * come back if the table returns. */
POWERSYNC_API powersync_status powersync_db_update_schema(powersync_db_t *db, const powersync_schema_t *schema);
/* Closes the database and frees the handle. Listeners are removed (their free_user_data
 * runs), open transactions are rolled back; cursors and CRUD batches taken earlier stay
 * readable. Accepts NULL and *db == NULL. */
POWERSYNC_API void powersync_db_close(powersync_db_t **db);
/* The database's stable client id (a UUID kept in ps_kv). Borrowed until close. */
POWERSYNC_API powersync_status powersync_db_get_client_id(powersync_db_t *db, const char **out_client_id);

/* ------------------------------------------------------------------------- */
/* Parameters                                                                */
/* ------------------------------------------------------------------------- */

/* An ordered list of values bound to ?1, ?2, ... of a statement. Not thread-safe. */
typedef struct powersync_params_t powersync_params_t;

POWERSYNC_API powersync_status powersync_params_new(powersync_params_t **out_params);
POWERSYNC_API powersync_status powersync_params_add_null(powersync_params_t *params);
POWERSYNC_API powersync_status powersync_params_add_int64(powersync_params_t *params, int64_t value);
POWERSYNC_API powersync_status powersync_params_add_double(powersync_params_t *params, double value);
/* `length` in bytes; the bytes are copied and must be valid UTF-8. */
POWERSYNC_API powersync_status powersync_params_add_text(powersync_params_t *params, const char *value, size_t length);
POWERSYNC_API powersync_status powersync_params_add_blob(powersync_params_t *params, const void *value, size_t length);
/* Removes all values so the list can be reused. */
POWERSYNC_API void powersync_params_clear(powersync_params_t *params);
POWERSYNC_API size_t powersync_params_count(const powersync_params_t *params);
POWERSYNC_API void powersync_params_free(powersync_params_t **params);

/* ------------------------------------------------------------------------- */
/* Results                                                                   */
/* ------------------------------------------------------------------------- */

/* Value types of a result cell. */
#define POWERSYNC_TYPE_NULL 0
#define POWERSYNC_TYPE_INTEGER 1
#define POWERSYNC_TYPE_REAL 2
#define POWERSYNC_TYPE_TEXT 3
#define POWERSYNC_TYPE_BLOB 4

/* Result of powersync_cursor_step. */
#define POWERSYNC_STEP_ROW 1
#define POWERSYNC_STEP_DONE 0

/* The complete result of one statement, read row by row. It owns its data: it stays
 * valid after the database is closed. Not thread-safe. */
typedef struct powersync_cursor_t powersync_cursor_t;

/* Moves to the next row: POWERSYNC_STEP_ROW, or POWERSYNC_STEP_DONE after the last. */
POWERSYNC_API int32_t powersync_cursor_step(powersync_cursor_t *cursor);
/* Rewinds to before the first row. */
POWERSYNC_API void powersync_cursor_reset(powersync_cursor_t *cursor);
POWERSYNC_API size_t powersync_cursor_row_count(const powersync_cursor_t *cursor);
POWERSYNC_API size_t powersync_cursor_column_count(const powersync_cursor_t *cursor);
/* Borrowed until the cursor is freed; NULL for an index out of range. */
POWERSYNC_API const char *powersync_cursor_column_name(const powersync_cursor_t *cursor, size_t column);
/* The following read the current row. Out-of-range columns read as NULL. */
POWERSYNC_API int32_t powersync_cursor_type(const powersync_cursor_t *cursor, size_t column);
POWERSYNC_API int64_t powersync_cursor_int64(const powersync_cursor_t *cursor, size_t column);
POWERSYNC_API double powersync_cursor_double(const powersync_cursor_t *cursor, size_t column);
/* Text of a TEXT cell (NUL-terminated, `out_length` bytes, may be NULL); NULL for other
 * types. Borrowed until the cursor is freed. */
POWERSYNC_API const char *powersync_cursor_text(const powersync_cursor_t *cursor, size_t column, size_t *out_length);
/* Bytes of a BLOB cell; NULL for other types. Borrowed until the cursor is freed. */
POWERSYNC_API const void *powersync_cursor_blob(const powersync_cursor_t *cursor, size_t column, size_t *out_length);
/* For statements run through execute: rows changed and the last inserted rowid. */
POWERSYNC_API int64_t powersync_cursor_rows_affected(const powersync_cursor_t *cursor);
POWERSYNC_API int64_t powersync_cursor_last_insert_id(const powersync_cursor_t *cursor);
POWERSYNC_API void powersync_cursor_free(powersync_cursor_t **cursor);

/* ------------------------------------------------------------------------- */
/* Queries and writes                                                        */
/* ------------------------------------------------------------------------- */

/* Runs one statement on the writer connection (in its own transaction unless it is a
 * BEGIN/COMMIT). `params` may be NULL. If `out_result` is not NULL it receives the rows
 * the statement returned (e.g. INSERT ... RETURNING) plus rows_affected/last_insert_id. */
POWERSYNC_API powersync_status powersync_db_execute(powersync_db_t *db, const char *sql,
                                                    const powersync_params_t *params,
                                                    powersync_cursor_t **out_result);
/* Runs one statement once per parameter list, all in one write transaction.
 * `out_rows_affected` (may be NULL) receives the total. */
POWERSYNC_API powersync_status powersync_db_execute_batch(powersync_db_t *db, const char *sql,
                                                          const powersync_params_t *const *param_sets,
                                                          size_t count, int64_t *out_rows_affected);
/* Runs a read-only query on a reader connection; never blocks on writers (WAL). */
POWERSYNC_API powersync_status powersync_db_get_all(powersync_db_t *db, const char *sql,
                                                    const powersync_params_t *params,
                                                    powersync_cursor_t **out_rows);

/* ------------------------------------------------------------------------- */
/* Transactions                                                              */
/* ------------------------------------------------------------------------- */

/* A read or write transaction holding one connection until commit, rollback or free.
 * Not thread-safe, but may move between threads. */
typedef struct powersync_tx_t powersync_tx_t;

/* Waits for the writer connection and runs BEGIN IMMEDIATE. */
POWERSYNC_API powersync_status powersync_db_begin_write(powersync_db_t *db, powersync_tx_t **out_tx);
/* Takes a reader connection and pins one consistent snapshot for the transaction. */
POWERSYNC_API powersync_status powersync_db_begin_read(powersync_db_t *db, powersync_tx_t **out_tx);
/* Like powersync_db_execute, inside the transaction (a read transaction rejects writes). */
POWERSYNC_API powersync_status powersync_tx_execute(powersync_tx_t *tx, const char *sql,
                                                    const powersync_params_t *params,
                                                    powersync_cursor_t **out_result);
POWERSYNC_API powersync_status powersync_tx_get_all(powersync_tx_t *tx, const char *sql,
                                                    const powersync_params_t *params,
                                                    powersync_cursor_t **out_rows);
/* Commits and releases the connection; the handle must still be freed. */
POWERSYNC_API powersync_status powersync_tx_commit(powersync_tx_t *tx);
/* Rolls back and releases the connection; the handle must still be freed. */
POWERSYNC_API powersync_status powersync_tx_rollback(powersync_tx_t *tx);
/* Rolls back if still open, then frees. Accepts NULL. */
POWERSYNC_API void powersync_tx_free(powersync_tx_t **tx);

/* ------------------------------------------------------------------------- */
/* Upload queue                                                              */
/* ------------------------------------------------------------------------- */

/* Kinds of CRUD entry. */
#define POWERSYNC_CRUD_PUT 1
#define POWERSYNC_CRUD_PATCH 2
#define POWERSYNC_CRUD_DELETE 3

/* Entries of the upload queue (ps_crud), oldest first, plus how to complete them. */
typedef struct powersync_crud_batch_t powersync_crud_batch_t;

/* Up to `limit` (>= 1) entries; *out_batch is NULL when the queue is empty. */
POWERSYNC_API powersync_status powersync_db_get_crud_batch(powersync_db_t *db, int32_t limit,
                                                           powersync_crud_batch_t **out_batch);
/* All entries of the oldest local transaction (they share a transaction id); *out_batch
 * is NULL when the queue is empty. */
POWERSYNC_API powersync_status powersync_db_get_next_crud_transaction(powersync_db_t *db,
                                                                      powersync_crud_batch_t **out_batch);
POWERSYNC_API size_t powersync_crud_batch_count(const powersync_crud_batch_t *batch);
/* True when more entries wait in the queue after this batch. */
POWERSYNC_API bool powersync_crud_batch_has_more(const powersync_crud_batch_t *batch);
/* Accessors of entry `index` (< count). Strings are borrowed until the batch is freed;
 * optional ones are NULL when absent. */
POWERSYNC_API int64_t powersync_crud_batch_get_client_id(const powersync_crud_batch_t *batch, size_t index);
/* The transaction id, or -1 when the entry has none. */
POWERSYNC_API int64_t powersync_crud_batch_get_tx_id(const powersync_crud_batch_t *batch, size_t index);
POWERSYNC_API int32_t powersync_crud_batch_get_op(const powersync_crud_batch_t *batch, size_t index);
POWERSYNC_API const char *powersync_crud_batch_get_table(const powersync_crud_batch_t *batch, size_t index);
POWERSYNC_API const char *powersync_crud_batch_get_id(const powersync_crud_batch_t *batch, size_t index);
/* The changed columns as a JSON object (PUT: all non-null, PATCH: the changed ones). */
POWERSYNC_API const char *powersync_crud_batch_get_data_json(const powersync_crud_batch_t *batch, size_t index);
/* Previous values as a JSON object (tables with include_old). */
POWERSYNC_API const char *powersync_crud_batch_get_old_json(const powersync_crud_batch_t *batch, size_t index);
/* The _metadata value written with the change (tables with include_metadata). */
POWERSYNC_API const char *powersync_crud_batch_get_metadata(const powersync_crud_batch_t *batch, size_t index);
/* The entry as the JSON object stored in ps_crud.data. */
POWERSYNC_API const char *powersync_crud_batch_get_entry_json(const powersync_crud_batch_t *batch, size_t index);
/* Removes exactly this batch's entries (and any older ones) from the queue in one
 * transaction. `write_checkpoint` (may be NULL) is the checkpoint the backend returned
 * for the upload; downloaded data is applied once the sync service reaches it. */
POWERSYNC_API powersync_status powersync_crud_batch_complete(powersync_crud_batch_t *batch,
                                                             const char *write_checkpoint);
POWERSYNC_API void powersync_crud_batch_free(powersync_crud_batch_t **batch);

/* Number of queued entries and the total size of their data in bytes (may be NULL). */
POWERSYNC_API powersync_status powersync_db_get_upload_queue_stats(powersync_db_t *db, int64_t *out_count,
                                                                   int64_t *out_size_bytes);

/* ------------------------------------------------------------------------- */
/* Change notifications and watch queries                                    */
/* ------------------------------------------------------------------------- */

/* A registered listener. Removing it (or closing the database) stops it. */
typedef struct powersync_listener_t powersync_listener_t;

typedef struct powersync_watch_options_t powersync_watch_options_t;

/* Defaults: throttle 30 ms, identical results not suppressed. */
POWERSYNC_API powersync_status powersync_watch_options_new(powersync_watch_options_t **out_options);
/* Minimum time between two notifications of one listener; 0 notifies after every commit. */
POWERSYNC_API powersync_status powersync_watch_options_set_throttle_ms(powersync_watch_options_t *options, int32_t throttle_ms);
/* Watch queries only: skip a notification whose rows equal the previous one's. */
POWERSYNC_API powersync_status powersync_watch_options_set_skip_identical(powersync_watch_options_t *options, bool skip);
POWERSYNC_API void powersync_watch_options_free(powersync_watch_options_t **options);

/* Called on the notifier thread after commits that changed at least one watched table.
 * `tables` (user-facing table names, `count` of them) is borrowed for the call. The
 * return value is a powersync_status; anything but POWERSYNC_OK is logged. */
typedef int32_t (*powersync_change_fn)(void *user_data, const char *const *tables, size_t count);

/* Called on the notifier thread with the query's rows: once at registration, then after
 * each commit that changed a table the query reads. `rows` is borrowed for the call,
 * positioned before the first row: step and reset it, but do not free or keep it (it is
 * NULL if the query failed, with `status` and `error_message` saying why). */
typedef int32_t (*powersync_watch_fn)(void *user_data, powersync_status status, const char *error_message,
                                      powersync_cursor_t *rows);

/* Notifies `callback` when any of `tables` (user-facing names, as in the schema; internal
 * ps_ names also work) changes in a committed transaction. Many changes in one transaction
 * give one notification. `options` may be NULL. */
POWERSYNC_API powersync_status powersync_db_on_change(powersync_db_t *db, const char *const *tables, size_t table_count,
                                                      const powersync_watch_options_t *options,
                                                      powersync_change_fn callback, void *user_data,
                                                      void (*free_user_data)(void *user_data),
                                                      powersync_listener_t **out_listener);
/* Watches a query: the tables it depends on are found from its plan, through views to the
 * ps_data tables. `params` and `options` may be NULL. */
POWERSYNC_API powersync_status powersync_db_watch(powersync_db_t *db, const char *sql, const powersync_params_t *params,
                                                  const powersync_watch_options_t *options,
                                                  powersync_watch_fn callback, void *user_data,
                                                  void (*free_user_data)(void *user_data),
                                                  powersync_listener_t **out_listener);
/* Stops the listener and frees the handle. Once it returns, no callback of this listener
 * is running (unless called from inside that callback, which is allowed) and its
 * free_user_data has run. Accepts NULL and *listener == NULL. */
POWERSYNC_API void powersync_listener_remove(powersync_listener_t **listener);

/* ------------------------------------------------------------------------- */
/* Sync: connector, connect, status                                          */
/* ------------------------------------------------------------------------- */

/* A request from the sync engine to the host's connector. The host finishes it exactly once,
 * from any thread and at any time (during the callback or long after it returned), with one
 * of the functions below; each takes the handle, frees it and sets it to NULL. Freeing a
 * request without finishing it fails it. Finishing a request whose connection has since
 * ended is harmless. */
typedef struct powersync_credentials_request_t powersync_credentials_request_t;
typedef struct powersync_upload_request_t powersync_upload_request_t;

/* Credentials for the sync service. `endpoint` is the service URL (https://, or http:// to a
 * loopback address only), `token` a JWT that is never logged. `expires_at_ms` is the token's
 * expiry in Unix milliseconds, or 0 if unknown; the engine fetches new credentials before then. */
POWERSYNC_API powersync_status powersync_credentials_request_complete(powersync_credentials_request_t **request,
                                                                      const char *endpoint, const char *token,
                                                                      int64_t expires_at_ms);
/* No user is signed in: the engine stays disconnected and asks again after the retry delay. */
POWERSYNC_API powersync_status powersync_credentials_request_signed_out(powersync_credentials_request_t **request);
/* Fetching failed; `message` (may be NULL) appears as the status' download_error. */
POWERSYNC_API powersync_status powersync_credentials_request_fail(powersync_credentials_request_t **request,
                                                                  const char *message);
POWERSYNC_API void powersync_credentials_request_free(powersync_credentials_request_t **request);

/* The upload ran: the host completed what it uploaded with powersync_crud_batch_complete. */
POWERSYNC_API powersync_status powersync_upload_request_complete(powersync_upload_request_t **request);
/* The upload failed; it is retried after the retry delay. `message` (may be NULL) appears
 * as the status' upload_error. */
POWERSYNC_API powersync_status powersync_upload_request_fail(powersync_upload_request_t **request,
                                                             const char *message);
POWERSYNC_API void powersync_upload_request_free(powersync_upload_request_t **request);

/* The host's backend connector: a callback table, copied by powersync_db_connect. Set
 * struct_size to sizeof(powersync_connector_t); fields may only be appended in later
 * versions. Both callbacks run on a sync worker thread, never with a library lock held,
 * and hand the request to the host (see above); they should return quickly and finish the
 * request later. A status other than POWERSYNC_OK fails the request if it is still open.
 * free_user_data (may be NULL) runs once the connection ends: on disconnect, on a new
 * connect, on close, or when powersync_db_connect fails. */
typedef struct powersync_connector_t {
  size_t struct_size;
  void *user_data;
  int32_t (*fetch_credentials)(void *user_data, powersync_credentials_request_t *request);
  /* Upload the queued writes: powersync_db_get_crud_batch or
   * powersync_db_get_next_crud_transaction, send them to the backend, complete them. */
  int32_t (*upload_data)(void *user_data, powersync_upload_request_t *request);
  void (*free_user_data)(void *user_data);
} powersync_connector_t;

typedef struct powersync_connect_options_t powersync_connect_options_t;

/* Defaults: no parameters, default streams included, retry delay 5000 ms, upload throttle
 * 1000 ms, stream idle timeout 60000 ms, the system's CA certificates. */
POWERSYNC_API powersync_status powersync_connect_options_new(powersync_connect_options_t **out_options);
/* Connection parameters, a JSON object (connection.parameter('x') in sync streams). */
POWERSYNC_API powersync_status powersync_connect_options_set_params_json(powersync_connect_options_t *options,
                                                                         const char *json);
/* App metadata sent with the sync request, a JSON object of strings. */
POWERSYNC_API powersync_status powersync_connect_options_set_app_metadata_json(powersync_connect_options_t *options,
                                                                               const char *json);
/* Whether streams marked auto_subscribe on the service are synced without a subscription. */
POWERSYNC_API powersync_status powersync_connect_options_set_include_default_streams(powersync_connect_options_t *options,
                                                                                     bool include);
/* Wait after a failed sync stream or upload before trying again. */
POWERSYNC_API powersync_status powersync_connect_options_set_retry_delay_ms(powersync_connect_options_t *options,
                                                                            int32_t delay_ms);
/* Minimum time between two uploads triggered by local writes. */
POWERSYNC_API powersync_status powersync_connect_options_set_crud_upload_throttle_ms(powersync_connect_options_t *options,
                                                                                     int32_t throttle_ms);
/* A stream on which no byte arrives for this long is dropped and reopened. */
POWERSYNC_API powersync_status powersync_connect_options_set_stream_idle_timeout_ms(powersync_connect_options_t *options,
                                                                                    int32_t timeout_ms);
/* Names the language package in the User-Agent, e.g. "powersync-python/0.1.0". */
POWERSYNC_API powersync_status powersync_connect_options_set_user_agent_binding(powersync_connect_options_t *options,
                                                                                const char *binding);
/* A PEM file of CA certificates to trust instead of the system's. Verification stays on. */
POWERSYNC_API powersync_status powersync_connect_options_set_ca_bundle_path(powersync_connect_options_t *options,
                                                                            const char *path);
POWERSYNC_API void powersync_connect_options_free(powersync_connect_options_t **options);

/* Starts syncing through `connector` (replacing an earlier connection) and returns at once;
 * progress and failures arrive in the sync status. `options` may be NULL. */
POWERSYNC_API powersync_status powersync_db_connect(powersync_db_t *db, const powersync_connector_t *connector,
                                                    const powersync_connect_options_t *options);
/* Stops syncing; once it returns no connector callback runs and none will. Idempotent. */
POWERSYNC_API powersync_status powersync_db_disconnect(powersync_db_t *db);
/* Disconnects, then deletes everything synced and the upload queue (and, with
 * `clear_local`, local-only tables' rows). has_synced starts over. */
POWERSYNC_API powersync_status powersync_db_disconnect_and_clear(powersync_db_t *db, bool clear_local);

/* An immutable snapshot of the sync state. */
typedef struct powersync_sync_status_t powersync_sync_status_t;

/* The full sync priority: a sync of everything, as opposed to priorities 0..3. */
#define POWERSYNC_PRIORITY_FULL (-1)

POWERSYNC_API powersync_status powersync_db_get_sync_status(powersync_db_t *db, powersync_sync_status_t **out_status);
POWERSYNC_API powersync_status powersync_sync_status_copy(const powersync_sync_status_t *status,
                                                          powersync_sync_status_t **out_status);
POWERSYNC_API bool powersync_sync_status_connected(const powersync_sync_status_t *status);
POWERSYNC_API bool powersync_sync_status_connecting(const powersync_sync_status_t *status);
POWERSYNC_API bool powersync_sync_status_downloading(const powersync_sync_status_t *status);
POWERSYNC_API bool powersync_sync_status_uploading(const powersync_sync_status_t *status);
/* Whether a full sync has ever completed on this database. */
POWERSYNC_API bool powersync_sync_status_has_synced(const powersync_sync_status_t *status);
/* Unix milliseconds of the last completed full sync, or -1 if none. */
POWERSYNC_API int64_t powersync_sync_status_last_synced_at_ms(const powersync_sync_status_t *status);
/* The last download (stream, credentials) or upload failure, or NULL. Borrowed from `status`. */
POWERSYNC_API const char *powersync_sync_status_download_error(const powersync_sync_status_t *status);
POWERSYNC_API const char *powersync_sync_status_upload_error(const powersync_sync_status_t *status);
/* While downloading: operations downloaded and expected for buckets of `priority` (0..3) and
 * above, or for everything with POWERSYNC_PRIORITY_FULL. False (and zeros) when not downloading. */
POWERSYNC_API bool powersync_sync_status_download_progress(const powersync_sync_status_t *status, int32_t priority,
                                                           int64_t *out_downloaded, int64_t *out_total);
/* Per-priority sync results, highest priority (lowest number) first. */
POWERSYNC_API size_t powersync_sync_status_priority_count(const powersync_sync_status_t *status);
/* Entry `index`: its priority, whether it has synced, and when (Unix ms, -1 if never). */
POWERSYNC_API powersync_status powersync_sync_status_priority_at(const powersync_sync_status_t *status, size_t index,
                                                                 int32_t *out_priority, bool *out_has_synced,
                                                                 int64_t *out_last_synced_at_ms);
/* The whole snapshot as a JSON object (the fields above, snake_case). Borrowed from `status`. */
POWERSYNC_API const char *powersync_sync_status_get_json(const powersync_sync_status_t *status);
POWERSYNC_API void powersync_sync_status_free(powersync_sync_status_t **status);

/* Called on the notifier thread with each new status; `status` is borrowed for the call
 * (copy it with powersync_sync_status_copy to keep it). Rapid changes may be coalesced into
 * the newest snapshot. */
typedef int32_t (*powersync_sync_status_fn)(void *user_data, const powersync_sync_status_t *status);

POWERSYNC_API powersync_status powersync_db_on_sync_status(powersync_db_t *db, powersync_sync_status_fn callback,
                                                           void *user_data, void (*free_user_data)(void *user_data),
                                                           powersync_listener_t **out_listener);

/* Blocks until a sync of `priority` (0..3, or POWERSYNC_PRIORITY_FULL) has completed, for at
 * most `timeout_ms` (-1: no limit). *out_synced says whether it did; closing the database ends
 * the wait with POWERSYNC_ERROR_CLOSED. Event loops should use powersync_db_on_sync_status. */
POWERSYNC_API powersync_status powersync_db_wait_for_first_sync(powersync_db_t *db, int32_t priority,
                                                                int32_t timeout_ms, bool *out_synced);

/* ------------------------------------------------------------------------- */
/* Sync Streams                                                              */
/* ------------------------------------------------------------------------- */

/* A live subscription to a Sync Stream. While any handle of a subscription is alive it is
 * requested from the service; once the last one is released it stays until its TTL runs out
 * (default one day), so a restarted app finds its data still there. Subscriptions are stored
 * in the database and survive restarts; (un)subscribing while connected re-requests the
 * stream. Thread-safe. */
typedef struct powersync_stream_subscription_t powersync_stream_subscription_t;
typedef struct powersync_subscribe_options_t powersync_subscribe_options_t;

/* Defaults: TTL one day, the stream's own priority. */
POWERSYNC_API powersync_status powersync_subscribe_options_new(powersync_subscribe_options_t **out_options);
/* How long the subscription outlives its last handle, in seconds (>= 0). */
POWERSYNC_API powersync_status powersync_subscribe_options_set_ttl_seconds(powersync_subscribe_options_t *options,
                                                                           int64_t ttl_seconds);
/* Overrides the priority (0 highest .. 3) of the stream's buckets for this subscription. */
POWERSYNC_API powersync_status powersync_subscribe_options_set_priority(powersync_subscribe_options_t *options,
                                                                        int32_t priority);
POWERSYNC_API void powersync_subscribe_options_free(powersync_subscribe_options_t **options);

/* Subscribes to stream `name` with `params_json` (a JSON object, or NULL for none) and returns
 * a new handle. `options` may be NULL. Subscribing again renews the TTL. */
POWERSYNC_API powersync_status powersync_db_subscribe_stream(powersync_db_t *db, const char *name,
                                                             const char *params_json,
                                                             const powersync_subscribe_options_t *options,
                                                             powersync_stream_subscription_t **out_subscription);
/* Drops the subscription to `name` with `params_json` at once, whatever handles exist. */
POWERSYNC_API powersync_status powersync_db_unsubscribe_all_stream(powersync_db_t *db, const char *name,
                                                                   const char *params_json);
/* The stream's name; borrowed from the handle. */
POWERSYNC_API const char *powersync_stream_subscription_get_name(const powersync_stream_subscription_t *subscription);
/* Its parameters as canonical JSON (keys sorted), or NULL without; borrowed from the handle. */
POWERSYNC_API const char *powersync_stream_subscription_get_params_json(
    const powersync_stream_subscription_t *subscription);
/* Blocks until the stream's data has synced at least once, for at most `timeout_ms` (-1: no
 * limit). *out_synced says whether it did; a closed database ends it with POWERSYNC_ERROR_CLOSED. */
POWERSYNC_API powersync_status powersync_stream_subscription_wait_for_first_sync(
    powersync_stream_subscription_t *subscription, int32_t timeout_ms, bool *out_synced);
/* Releases the handle (the subscription then expires after its TTL unless another handle
 * holds it) and frees it. Accepts NULL; safe after the database closed. */
POWERSYNC_API void powersync_stream_subscription_unsubscribe(powersync_stream_subscription_t **subscription);

/* Per-stream entries of a status snapshot: every explicit subscription and every default
 * stream the service announced. Strings are borrowed from the snapshot. */
POWERSYNC_API size_t powersync_sync_status_stream_count(const powersync_sync_status_t *status);
/* The index of the entry for `name` with `params_json` (NULL: none), compared as canonical
 * JSON. *out_found is false if the snapshot has no such entry. */
POWERSYNC_API powersync_status powersync_sync_status_find_stream(const powersync_sync_status_t *status,
                                                                 const char *name, const char *params_json,
                                                                 bool *out_found, size_t *out_index);
POWERSYNC_API const char *powersync_sync_status_stream_name(const powersync_sync_status_t *status, size_t index);
/* NULL when subscribed without parameters. */
POWERSYNC_API const char *powersync_sync_status_stream_params_json(const powersync_sync_status_t *status,
                                                                   size_t index);
/* Whether the service included the stream in its last checkpoint. */
POWERSYNC_API bool powersync_sync_status_stream_active(const powersync_sync_status_t *status, size_t index);
/* Whether the service syncs it without a subscription (auto_subscribe). */
POWERSYNC_API bool powersync_sync_status_stream_is_default(const powersync_sync_status_t *status, size_t index);
POWERSYNC_API bool powersync_sync_status_stream_has_explicit_subscription(const powersync_sync_status_t *status,
                                                                         size_t index);
/* Unix ms when an explicit subscription runs out, or -1. */
POWERSYNC_API int64_t powersync_sync_status_stream_expires_at_ms(const powersync_sync_status_t *status, size_t index);
/* Unix ms when the stream's data was last made visible, or -1 if it never synced. */
POWERSYNC_API int64_t powersync_sync_status_stream_last_synced_at_ms(const powersync_sync_status_t *status,
                                                                     size_t index);
/* The stream's priority in the current checkpoint (0..3), or -1 before one named it. */
POWERSYNC_API int32_t powersync_sync_status_stream_priority(const powersync_sync_status_t *status, size_t index);
/* While downloading: its operations downloaded and expected; false (and zeros) otherwise. */
POWERSYNC_API bool powersync_sync_status_stream_progress(const powersync_sync_status_t *status, size_t index,
                                                         int64_t *out_downloaded, int64_t *out_total);

#ifdef __cplusplus
}
#endif

#endif /* POWERSYNC_H */
