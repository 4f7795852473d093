/* Compiles the public header as C (C99) in every build of the library: a C++-only
 * construct in powersync.h fails here, not in a user's project. Defines no symbols. */
#include "powersync.h"

/* One use of each callback type, so their declarations are checked too. */
typedef struct {
  powersync_log_fn log;
  powersync_change_fn change;
  powersync_watch_fn watch;
} powersync_header_check_callbacks;
