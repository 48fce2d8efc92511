/* file.h: opening the files a user names, which are untrusted.
 *
 * A path may name a FIFO, a device or a folder; opening those for reading
 * blocks forever or reads garbage, so every reader of model files, photos and
 * datasets opens through here. */
#ifndef CZ_FILE_H
#define CZ_FILE_H

#include <sys/stat.h>

#include "cz.h"

/* Opens path read-only without blocking (O_NONBLOCK, so a FIFO does not hang
 * the open), requires a regular file, then clears O_NONBLOCK. Returns the
 * descriptor, caller-owned (close it), and fills *sb when sb is not NULL; on
 * failure returns -1 with a message naming path. */
int cz_file_open_regular(const char *path, struct stat *sb, cz_error *err);

#endif
