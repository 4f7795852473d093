/* The C side of bench/python_overhead: the same get / execute / write->watch measurements
 * as bench.py, straight on powersync.h. Prints "name median_us" lines. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "powersync.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, int n) {
  qsort(values, (size_t)n, sizeof(double), compare);
  return values[n / 2];
}

static void check(powersync_status status, const char *what) {
  if (status != POWERSYNC_OK) {
    fprintf(stderr, "%s failed: %s\n", what, powersync_last_error_message());
    exit(1);
  }
}

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long notifications = 0;

static int32_t on_rows(void *user_data, powersync_status status, const char *message, powersync_cursor_t *rows) {
  (void)user_data; (void)status; (void)message;
  if (rows != NULL) {
    powersync_cursor_step(rows);
    (void)powersync_cursor_int64(rows, 0);
  }
  pthread_mutex_lock(&mutex);
  notifications++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mutex);
  return POWERSYNC_OK;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "bench-c.db";
  const int calls = argc > 2 ? atoi(argv[2]) : 20000;
  const int writes = argc > 3 ? atoi(argv[3]) : 300;
  const char *schema_json =
      "{\"tables\":[{\"name\":\"items\",\"columns\":[{\"name\":\"name\",\"type\":\"text\"},"
      "{\"name\":\"n\",\"type\":\"integer\"}]}]}";
  powersync_schema_t *schema = NULL;
  powersync_open_options_t *options = NULL;
  powersync_db_t *db = NULL;
  check(powersync_schema_from_json(schema_json, &schema), "schema");
  check(powersync_open_options_new(&options), "options");
  check(powersync_open_options_set_path(options, path), "path");
  check(powersync_db_open(options, schema, &db), "open");

  powersync_params_t *params = NULL;
  check(powersync_params_new(&params), "params");
  for (int i = 0; i < 1000; ++i) {
    char id[32], name[32];
    snprintf(id, sizeof id, "id-%d", i);
    snprintf(name, sizeof name, "item %d", i);
    powersync_params_clear(params);
    powersync_params_add_text(params, id, strlen(id));
    powersync_params_add_text(params, name, strlen(name));
    check(powersync_db_execute(db, "INSERT INTO items(id, name, n) VALUES (?, ?, 0)", params, NULL), "insert");
  }

  double *samples = malloc(sizeof(double) * (size_t)calls);
  /* get: one row by id, every cell read */
  for (int i = 0; i < calls; ++i) {
    char id[32];
    snprintf(id, sizeof id, "id-%d", i % 1000);
    double start = now_us();
    powersync_params_clear(params);
    powersync_params_add_text(params, id, strlen(id));
    powersync_cursor_t *rows = NULL;
    check(powersync_db_get_all(db, "SELECT id, name, n FROM items WHERE id = ?", params, &rows), "get");
    while (powersync_cursor_step(rows) == POWERSYNC_STEP_ROW) {
      size_t len;
      (void)powersync_cursor_text(rows, 0, &len);
      (void)powersync_cursor_text(rows, 1, &len);
      (void)powersync_cursor_int64(rows, 2);
    }
    powersync_cursor_free(&rows);
    samples[i] = now_us() - start;
  }
  printf("get %.2f\n", median(samples, calls));

  /* execute: one UPDATE by id (through the view's triggers, queueing a CRUD entry) */
  const int updates = calls / 4;
  for (int i = 0; i < updates; ++i) {
    char id[32];
    snprintf(id, sizeof id, "id-%d", i % 1000);
    double start = now_us();
    powersync_params_clear(params);
    powersync_params_add_int64(params, i);
    powersync_params_add_text(params, id, strlen(id));
    check(powersync_db_execute(db, "UPDATE items SET n = ? WHERE id = ?", params, NULL), "execute");
    samples[i] = now_us() - start;
  }
  printf("execute %.2f\n", median(samples, updates));

  /* local write -> watch callback */
  powersync_watch_options_t *watch_options = NULL;
  check(powersync_watch_options_new(&watch_options), "watch options");
  check(powersync_watch_options_set_throttle_ms(watch_options, 0), "throttle");
  powersync_listener_t *listener = NULL;
  check(powersync_db_watch(db, "SELECT count(*) FROM items", NULL, watch_options, on_rows, NULL, NULL, &listener),
        "watch");
  pthread_mutex_lock(&mutex);
  while (notifications < 1) pthread_cond_wait(&cond, &mutex);
  pthread_mutex_unlock(&mutex);
  for (int i = 0; i < writes; ++i) {
    char id[32];
    snprintf(id, sizeof id, "w-%d", i);
    pthread_mutex_lock(&mutex);
    long before = notifications;
    pthread_mutex_unlock(&mutex);
    double start = now_us();
    powersync_params_clear(params);
    powersync_params_add_text(params, id, strlen(id));
    check(powersync_db_execute(db, "INSERT INTO items(id, n) VALUES (?, 0)", params, NULL), "write");
    pthread_mutex_lock(&mutex);
    while (notifications == before) pthread_cond_wait(&cond, &mutex);
    pthread_mutex_unlock(&mutex);
    samples[i] = now_us() - start;
  }
  printf("watch %.2f\n", median(samples, writes));

  powersync_listener_remove(&listener);
  powersync_watch_options_free(&watch_options);
  powersync_params_free(&params);
  powersync_db_close(&db);
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);
  free(samples);
  return 0;
}
