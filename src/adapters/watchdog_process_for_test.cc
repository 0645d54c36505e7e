// The watchdog process for watchdog_test: the same body as `baton watchdog`
// without the CLI, so the adapters tests need not build the whole baton
// binary.
#include <unistd.h>

#include <cstdio>

#include "adapters/watchdog.h"

int main() { return baton::adapters::RunWatchdog(STDIN_FILENO, stderr); }
