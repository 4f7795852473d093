/* The public header must compile as strict C99 with every warning as an error. */
#include <powersync.h>

int main(void) {
  powersync_status status = POWERSYNC_OK;
  return (int)status;
}
