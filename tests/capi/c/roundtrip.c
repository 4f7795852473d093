/* A plain C99 program over libpowersync: write -> read -> upload queue -> complete.
 * Run by ctest against the build tree and, through pkg-config, against an installed copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <powersync.h>

/* Not assert(): it must also check in release builds (NDEBUG). */
#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              powersync_last_error_message());                                       \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)
#define CHECK_OK(call) CHECK((call) == POWERSYNC_OK)

static const char *const kSchema =
    "{\"tables\":[{\"name\":\"todos\",\"columns\":["
    "{\"name\":\"description\",\"type\":\"text\"},{\"name\":\"done\",\"type\":\"integer\"}]}]}";

int main(void) {
  powersync_schema_t *schema = NULL;
  powersync_open_options_t *options = NULL;
  powersync_db_t *db = NULL;
  powersync_params_t *params = NULL;
  powersync_cursor_t *rows = NULL;
  powersync_crud_batch_t *batch = NULL;
  int64_t queued = -1;
  size_t length = 0;
  const char *text;

  CHECK(powersync_version_number() == POWERSYNC_VERSION_NUMBER);
  CHECK(strcmp(powersync_version(), POWERSYNC_VERSION_STRING) == 0);

  CHECK_OK(powersync_schema_from_json(kSchema, &schema));
  CHECK_OK(powersync_open_options_new(&options));
  CHECK_OK(powersync_db_open(options, schema, &db));
  powersync_open_options_free(&options);
  powersync_schema_free(&schema);
  CHECK(options == NULL && schema == NULL);

  /* write */
  CHECK_OK(powersync_params_new(&params));
  CHECK_OK(powersync_params_add_text(params, "t1", 2));
  CHECK_OK(powersync_params_add_text(params, "from C", 6));
  CHECK_OK(powersync_params_add_int64(params, 0));
  CHECK_OK(powersync_db_execute(db, "INSERT INTO todos (id, description, done) VALUES (?1, ?2, ?3)", params, NULL));
  powersync_params_free(&params);

  /* read */
  CHECK_OK(powersync_db_get_all(db, "SELECT id, description, done FROM todos", NULL, &rows));
  CHECK(powersync_cursor_row_count(rows) == 1);
  CHECK(powersync_cursor_step(rows) == POWERSYNC_STEP_ROW);
  text = powersync_cursor_text(rows, 1, &length);
  CHECK(text != NULL && length == 6 && strcmp(text, "from C") == 0);
  CHECK(powersync_cursor_type(rows, 2) == POWERSYNC_TYPE_INTEGER);
  CHECK(powersync_cursor_int64(rows, 2) == 0);
  CHECK(powersync_cursor_step(rows) == POWERSYNC_STEP_DONE);
  powersync_cursor_free(&rows);

  /* errors */
  CHECK(powersync_db_execute(db, "NOT SQL", NULL, NULL) == POWERSYNC_ERROR_SQL);
  CHECK(strstr(powersync_last_error_message(), "syntax error") != NULL);

  /* upload queue */
  CHECK_OK(powersync_db_get_upload_queue_stats(db, &queued, NULL));
  CHECK(queued == 1);
  CHECK_OK(powersync_db_get_crud_batch(db, 100, &batch));
  CHECK(batch != NULL);
  CHECK(powersync_crud_batch_count(batch) == 1);
  CHECK(!powersync_crud_batch_has_more(batch));
  CHECK(powersync_crud_batch_get_op(batch, 0) == POWERSYNC_CRUD_PUT);
  CHECK(strcmp(powersync_crud_batch_get_table(batch, 0), "todos") == 0);
  CHECK(strcmp(powersync_crud_batch_get_id(batch, 0), "t1") == 0);
  CHECK(strstr(powersync_crud_batch_get_data_json(batch, 0), "from C") != NULL);

  /* complete */
  CHECK_OK(powersync_crud_batch_complete(batch, NULL));
  powersync_crud_batch_free(&batch);
  CHECK_OK(powersync_db_get_upload_queue_stats(db, &queued, NULL));
  CHECK(queued == 0);
  CHECK_OK(powersync_db_get_crud_batch(db, 100, &batch));
  CHECK(batch == NULL);

  powersync_db_close(&db);
  powersync_db_close(&db);
  CHECK(db == NULL);
  printf("roundtrip ok (powersync %s, sqlite %s)\n", powersync_version(), powersync_sqlite_version());
  return 0;
}
