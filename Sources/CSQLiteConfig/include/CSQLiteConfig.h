#ifndef CSQLITECONFIG_H
#define CSQLITECONFIG_H

/// Turns off SQLite's memory statistics for the whole process: with them on,
/// every allocation SQLite makes takes a global mutex to count itself.
/// Takes effect only before SQLite initializes (the first connection
/// opened); returns SQLITE_OK then, SQLITE_MISUSE after. (`sqlite3_config`
/// is variadic, which Swift cannot call; hence this C shim.)
int capi_sqlite_disable_memory_statistics(void);

#endif
