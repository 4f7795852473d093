/* A small todo app on the PowerSync C API: open a local replica, write through the views,
 * watch a query, and drain the upload queue the way a backend connector would.
 *   usage: todo [database-path]     (default: an in-memory database) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "powersync.h"

static const char *kSchema =
    "{\"tables\":["
    "{\"name\":\"lists\",\"columns\":[{\"name\":\"name\",\"type\":\"text\"},"
    "{\"name\":\"owner_id\",\"type\":\"text\"}]},"
    "{\"name\":\"todos\",\"columns\":[{\"name\":\"list_id\",\"type\":\"text\"},"
    "{\"name\":\"description\",\"type\":\"text\"},{\"name\":\"completed\",\"type\":\"integer\"}],"
    "\"indexes\":[{\"name\":\"list\",\"columns\":[{\"name\":\"list_id\",\"ascending\":true,\"type\":\"text\"}]}]}"
    "]}";

static void check(powersync_status status, const char *what) {
  if (status == POWERSYNC_OK) return;
  fprintf(stderr, "%s failed: %s (%s)\n", what, powersync_last_error_message(), powersync_status_name(status));
  exit(1);
}

static int32_t on_open_todos(void *user_data, powersync_status status, const char *error_message,
                             powersync_cursor_t *rows) {
  (void)user_data;
  if (status != POWERSYNC_OK) {
    fprintf(stderr, "watch failed: %s\n", error_message);
    return POWERSYNC_OK;
  }
  if (powersync_cursor_step(rows) == POWERSYNC_STEP_ROW) {
    printf("  [watch] open todos: %lld\n", (long long)powersync_cursor_int64(rows, 0));
  }
  return POWERSYNC_OK;
}

static void add_todo(powersync_tx_t *tx, const char *list_id, const char *description) {
  powersync_params_t *params = NULL;
  check(powersync_params_new(&params), "params_new");
  powersync_params_add_text(params, list_id, strlen(list_id));
  powersync_params_add_text(params, description, strlen(description));
  check(powersync_tx_execute(tx, "INSERT INTO todos(id, list_id, description, completed) VALUES (uuid(), ?, ?, 0)",
                             params, NULL),
        "insert todo");
  powersync_params_free(&params);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  printf("powersync %s (SQLite %s)\n", powersync_version(), powersync_sqlite_version());

  powersync_schema_t *schema = NULL;
  check(powersync_schema_from_json(kSchema, &schema), "schema");
  powersync_open_options_t *options = NULL;
  check(powersync_open_options_new(&options), "options");
  if (argc > 1) check(powersync_open_options_set_path(options, argv[1]), "set_path");
  powersync_db_t *db = NULL;
  check(powersync_db_open(options, schema, &db), "open");
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);

  const char *client_id = NULL;
  check(powersync_db_get_client_id(db, &client_id), "client id");
  printf("client id %s\n", client_id);

  powersync_listener_t *watch = NULL;
  check(powersync_db_watch(db, "SELECT count(*) FROM todos WHERE completed = 0", NULL, NULL, on_open_todos, NULL,
                           NULL, &watch),
        "watch");

  /* One list with three todos, in one transaction: one upload-queue transaction. */
  powersync_tx_t *tx = NULL;
  check(powersync_db_begin_write(db, &tx), "begin");
  check(powersync_tx_execute(tx, "INSERT INTO lists(id, name, owner_id) VALUES ('groceries', 'Groceries', 'me')",
                             NULL, NULL),
        "insert list");
  add_todo(tx, "groceries", "bread");
  add_todo(tx, "groceries", "milk");
  add_todo(tx, "groceries", "coffee");
  check(powersync_tx_commit(tx), "commit");
  powersync_tx_free(&tx);
  sleep_ms(100);

  check(powersync_db_execute(db, "UPDATE todos SET completed = 1 WHERE description = 'milk'", NULL, NULL),
        "complete todo");
  sleep_ms(100);

  powersync_cursor_t *rows = NULL;
  check(powersync_db_get_all(db, "SELECT description, completed FROM todos ORDER BY description", NULL, &rows),
        "query");
  printf("todos:\n");
  while (powersync_cursor_step(rows) == POWERSYNC_STEP_ROW) {
    printf("  [%s] %s\n", powersync_cursor_int64(rows, 1) ? "x" : " ", powersync_cursor_text(rows, 0, NULL));
  }
  powersync_cursor_free(&rows);

  /* What a connector's uploadData does: take each local transaction, send it, complete it. */
  int64_t queued = 0;
  check(powersync_db_get_upload_queue_stats(db, &queued, NULL), "stats");
  printf("upload queue: %lld entries\n", (long long)queued);
  powersync_crud_batch_t *batch = NULL;
  for (;;) {
    check(powersync_db_get_next_crud_transaction(db, &batch), "next transaction");
    if (batch == NULL) break;
    printf("uploading transaction %lld:\n", (long long)powersync_crud_batch_get_tx_id(batch, 0));
    for (size_t i = 0; i < powersync_crud_batch_count(batch); ++i) {
      printf("  %s\n", powersync_crud_batch_get_entry_json(batch, i));
    }
    check(powersync_crud_batch_complete(batch, NULL), "complete");
    powersync_crud_batch_free(&batch);
  }
  check(powersync_db_get_upload_queue_stats(db, &queued, NULL), "stats");
  printf("upload queue after upload: %lld entries\n", (long long)queued);

  powersync_listener_remove(&watch);
  powersync_db_close(&db);
  return 0;
}
