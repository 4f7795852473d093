/* Links against an installed libpowersync found with find_package(powersync). */
#include <stdio.h>
#include <string.h>

#include <powersync.h>

int main(void) {
  powersync_schema_t *schema = NULL;
  powersync_db_t *db = NULL;
  powersync_cursor_t *rows = NULL;
  int ok;

  if (powersync_version_number() != POWERSYNC_VERSION_NUMBER) {
    fprintf(stderr, "header %d, library %d\n", POWERSYNC_VERSION_NUMBER, (int)powersync_version_number());
    return 1;
  }
  if (powersync_schema_from_json("{\"tables\":[{\"name\":\"notes\",\"columns\":[{\"name\":\"body\",\"type\":\"text\"}]}]}",
                                 &schema) != POWERSYNC_OK ||
      powersync_db_open(NULL, schema, &db) != POWERSYNC_OK ||
      powersync_db_execute(db, "INSERT INTO notes (id, body) VALUES ('n1', 'hello')", NULL, NULL) != POWERSYNC_OK ||
      powersync_db_get_all(db, "SELECT body FROM notes", NULL, &rows) != POWERSYNC_OK) {
    fprintf(stderr, "failed: %s\n", powersync_last_error_message());
    return 1;
  }
  ok = powersync_cursor_step(rows) == POWERSYNC_STEP_ROW && strcmp(powersync_cursor_text(rows, 0, NULL), "hello") == 0;
  powersync_cursor_free(&rows);
  powersync_db_close(&db);
  powersync_schema_free(&schema);
  printf("consumer %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
