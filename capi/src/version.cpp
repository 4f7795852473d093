// Library and SQLite versions.

#include <sqlite3.h>

#include "powersync.h"

extern "C" {

const char* powersync_version(void) { return POWERSYNC_VERSION_STRING; }

int32_t powersync_version_number(void) { return POWERSYNC_VERSION_NUMBER; }

const char* powersync_sqlite_version(void) { return sqlite3_libversion(); }

}  // extern "C"
