/* Two users of a todo app syncing through a PowerSync service (the devserver in the README's
 * main job), on the PowerSync C API:
 *   1. alice syncs, goes offline, writes a list and two todos, reconnects; her connector
 *      uploads the queued writes to the backend API;
 *   2. bob syncs the todos of alice's list (a connection parameter picks the shared list) and
 *      watches them; a todo alice adds afterwards reaches bob's watch query.
 *   usage: sync_todo <service-url> <alice-token> <bob-token> <work-dir>
 * The upload goes to <service-url>/api/data, the devserver's backend API. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "powersync.h"

static const char *kSchema =
    "{\"tables\":["
    "{\"name\":\"lists\",\"columns\":[{\"name\":\"name\",\"type\":\"text\"},"
    "{\"name\":\"owner_id\",\"type\":\"text\"},{\"name\":\"created_at\",\"type\":\"text\"}]},"
    "{\"name\":\"todos\",\"columns\":[{\"name\":\"list_id\",\"type\":\"text\"},"
    "{\"name\":\"description\",\"type\":\"text\"},{\"name\":\"completed\",\"type\":\"integer\"},"
    "{\"name\":\"created_by\",\"type\":\"text\"}]}"
    "]}";

static void check(powersync_status status, const char *what) {
  if (status == POWERSYNC_OK) return;
  fprintf(stderr, "%s failed: %s (%s)\n", what, powersync_last_error_message(), powersync_status_name(status));
  exit(1);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- the backend connector ---------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *endpoint;
  const char *token;
  powersync_db_t *db;
} app_user;

static int32_t fetch_credentials(void *user_data, powersync_credentials_request_t *request) {
  const app_user *user = user_data;
  /* A real app asks its auth backend here, possibly finishing the request later. */
  return powersync_credentials_request_complete(&request, user->endpoint, user->token, 0);
}

static size_t discard_body(char *data, size_t size, size_t count, void *user_data) {
  (void)data;
  (void)user_data;
  return size * count;
}

/* POSTs {"batch":[...]} to the backend API; returns 0 on a 2xx answer. */
static int post_batch(const app_user *user, const char *body) {
  char url[512];
  snprintf(url, sizeof url, "%s/api/data", user->endpoint);
  CURL *curl = curl_easy_init();
  if (curl == NULL) return -1;
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
  long code = 0;
  const CURLcode result = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return result == CURLE_OK && code >= 200 && code < 300 ? 0 : -1;
}

/* Runs on the sync worker's upload thread. Doing the upload right here is fine for a C app;
 * an event-loop host would hand the request to its loop and finish it from there. */
static int32_t upload_data(void *user_data, powersync_upload_request_t *request) {
  const app_user *user = user_data;
  for (;;) {
    powersync_crud_batch_t *batch = NULL;
    if (powersync_db_get_crud_batch(user->db, 100, &batch) != POWERSYNC_OK) {
      return powersync_upload_request_fail(&request, powersync_last_error_message());
    }
    if (batch == NULL) break; /* queue empty */
    size_t length = 16;
    const size_t count = powersync_crud_batch_count(batch);
    for (size_t i = 0; i < count; i++) length += strlen(powersync_crud_batch_get_entry_json(batch, i)) + 1;
    char *body = malloc(length);
    strcpy(body, "{\"batch\":[");
    for (size_t i = 0; i < count; i++) {
      if (i > 0) strcat(body, ",");
      strcat(body, powersync_crud_batch_get_entry_json(batch, i));
    }
    strcat(body, "]}");
    const int failed = post_batch(user, body);
    free(body);
    if (failed) {
      powersync_crud_batch_free(&batch);
      return powersync_upload_request_fail(&request, "the backend API did not accept the batch");
    }
    printf("  [%s] uploaded %zu change(s) to the backend\n", user->name, count);
    check(powersync_crud_batch_complete(batch, NULL), "complete");
    powersync_crud_batch_free(&batch);
  }
  return powersync_upload_request_complete(&request);
}

/* ---- helpers ----------------------------------------------------------------------- */

static powersync_db_t *open_db(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.db", dir, name);
  powersync_schema_t *schema = NULL;
  check(powersync_schema_from_json(kSchema, &schema), "schema");
  powersync_open_options_t *options = NULL;
  check(powersync_open_options_new(&options), "open_options_new");
  check(powersync_open_options_set_path(options, path), "set_path");
  powersync_db_t *db = NULL;
  check(powersync_db_open(options, schema, &db), "open");
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);
  return db;
}

static void connect_user(app_user *user, const char *params_json) {
  powersync_connector_t connector = {0};
  connector.struct_size = sizeof connector;
  connector.user_data = user;
  connector.fetch_credentials = fetch_credentials;
  connector.upload_data = upload_data;
  powersync_connect_options_t *options = NULL;
  check(powersync_connect_options_new(&options), "connect_options_new");
  check(powersync_connect_options_set_retry_delay_ms(options, 500), "retry delay");
  check(powersync_connect_options_set_crud_upload_throttle_ms(options, 50), "upload throttle");
  check(powersync_connect_options_set_user_agent_binding(options, "powersync-c-example/0.1"), "binding");
  if (params_json != NULL) check(powersync_connect_options_set_params_json(options, params_json), "params");
  check(powersync_db_connect(user->db, &connector, options), "connect");
  powersync_connect_options_free(&options);
  bool synced = false;
  check(powersync_db_wait_for_first_sync(user->db, POWERSYNC_PRIORITY_FULL, 30000, &synced), "wait_for_first_sync");
  if (!synced) {
    powersync_sync_status_t *status = NULL;
    powersync_db_get_sync_status(user->db, &status);
    fprintf(stderr, "%s did not sync: %s\n", user->name, powersync_sync_status_get_json(status));
    exit(1);
  }
  printf("  [%s] connected and synced\n", user->name);
}

static void exec_text(powersync_db_t *db, const char *sql, const char *a, const char *b, const char *c) {
  powersync_params_t *params = NULL;
  check(powersync_params_new(&params), "params_new");
  const char *values[] = {a, b, c};
  for (int i = 0; i < 3 && values[i] != NULL; i++) powersync_params_add_text(params, values[i], strlen(values[i]));
  check(powersync_db_execute(db, sql, params, NULL), sql);
  powersync_params_free(&params);
}

static int64_t count(powersync_db_t *db, const char *sql) {
  powersync_cursor_t *rows = NULL;
  check(powersync_db_get_all(db, sql, NULL, &rows), sql);
  int64_t n = powersync_cursor_step(rows) == POWERSYNC_STEP_ROW ? powersync_cursor_int64(rows, 0) : -1;
  powersync_cursor_free(&rows);
  return n;
}

static int wait_until_uploaded(powersync_db_t *db) {
  for (int i = 0; i < 300; i++) {
    if (count(db, "SELECT count(*) FROM ps_crud") == 0) return 1;
    sleep_ms(100);
  }
  return 0;
}

/* bob's watch: prints the shared list's todos each time they change. */
typedef struct {
  int64_t last_count;
} bob_view;

static int32_t on_shared_todos(void *user_data, powersync_status status, const char *error_message,
                               powersync_cursor_t *rows) {
  bob_view *view = user_data;
  if (status != POWERSYNC_OK) {
    fprintf(stderr, "watch failed: %s\n", error_message);
    return POWERSYNC_OK;
  }
  int64_t n = 0;
  printf("  [bob] watch: todos of alice's list:");
  while (powersync_cursor_step(rows) == POWERSYNC_STEP_ROW) {
    printf(" \"%s\"", powersync_cursor_text(rows, 0, NULL));
    n++;
  }
  printf("\n");
  __atomic_store_n(&view->last_count, n, __ATOMIC_SEQ_CST);
  return POWERSYNC_OK;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <service-url> <alice-token> <bob-token> <work-dir>\n", argv[0]);
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  printf("powersync %s (SQLite %s)\n", powersync_version(), powersync_sqlite_version());
  app_user alice = {"alice", argv[1], argv[2], open_db(argv[4], "alice")};
  app_user bob = {"bob", argv[1], argv[3], open_db(argv[4], "bob")};

  printf("1. alice syncs, then writes while offline\n");
  connect_user(&alice, NULL);
  check(powersync_db_disconnect(alice.db), "disconnect");
  const char *list_id = "4c1d5a3e-0d55-4a5b-9a57-6d1f0c2b7e01";
  exec_text(alice.db, "INSERT INTO lists (id, name, owner_id, created_at) VALUES (?1, 'Groceries', 'alice', datetime())",
            list_id, NULL, NULL);
  exec_text(alice.db, "INSERT INTO todos (id, list_id, description, completed, created_by) VALUES (uuid(), ?1, ?2, 0, 'alice')",
            list_id, "milk", NULL);
  exec_text(alice.db, "INSERT INTO todos (id, list_id, description, completed, created_by) VALUES (uuid(), ?1, ?2, 0, 'alice')",
            list_id, "bread", NULL);
  printf("  [alice] offline: %lld write(s) queued for upload\n", (long long)count(alice.db, "SELECT count(*) FROM ps_crud"));

  printf("2. alice reconnects: the queue is uploaded\n");
  connect_user(&alice, NULL);
  if (!wait_until_uploaded(alice.db)) {
    fprintf(stderr, "alice's writes were not uploaded\n");
    return 1;
  }

  printf("3. bob syncs alice's list and watches it\n");
  char params[128];
  snprintf(params, sizeof params, "{\"shared_list\":\"%s\"}", list_id);
  connect_user(&bob, params);
  bob_view view = {0};
  powersync_listener_t *watch = NULL;
  powersync_params_t *watch_params = NULL;
  check(powersync_params_new(&watch_params), "params_new");
  powersync_params_add_text(watch_params, list_id, strlen(list_id));
  check(powersync_db_watch(bob.db, "SELECT description FROM todos WHERE list_id = ? ORDER BY description",
                           watch_params, NULL, on_shared_todos, &view, NULL, &watch),
        "watch");
  powersync_params_free(&watch_params);

  printf("4. alice adds a todo online: it reaches bob\n");
  exec_text(alice.db, "INSERT INTO todos (id, list_id, description, completed, created_by) VALUES (uuid(), ?1, ?2, 0, 'alice')",
            list_id, "coffee", NULL);
  int reached = 0;
  for (int i = 0; i < 300 && !reached; i++) {
    reached = __atomic_load_n(&view.last_count, __ATOMIC_SEQ_CST) == 3;
    if (!reached) sleep_ms(100);
  }
  powersync_listener_remove(&watch);
  powersync_db_close(&bob.db);
  powersync_db_close(&alice.db);
  curl_global_cleanup();
  if (!reached) {
    fprintf(stderr, "bob never saw alice's new todo\n");
    return 1;
  }
  printf("done: offline writes uploaded, and alice's change reached bob\n");
  return 0;
}
