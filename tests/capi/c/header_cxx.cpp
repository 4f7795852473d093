// The public header must also compile cleanly as C++ (bindings include it from C++).
#include <powersync.h>

int main() { return POWERSYNC_OK; }
