/* file.h: opening the files a user names, which are untrusted, and
 * replacing files atomically.
 *
 * A path may name a FIFO, a device or a folder; opening those for reading
 * blocks forever or reads garbage, so every reader of model files, photos and
 * datasets opens through here.
 *
 * Every file the engine and the trainer write goes through cz_file_writer:
 * the data goes to a temporary file in the target's folder, every write is
 * checked (a full disk or a file size limit fails the whole file instead of
 * leaving a truncated one), and commit syncs it and renames it over the
 * target, so the old file stays whole until the new one is complete. The
 * temporary is an O_TMPFILE (Linux): it has no name until commit, so a
 * process killed mid-write leaves nothing behind. Where the file system
 * refuses O_TMPFILE it is a named "PATH.tmp.PID.XXXXXX" (also, for an
 * instant, an O_TMPFILE replacing a file: linkat cannot replace), and the
 * next write of PATH removes those whose process is gone. */
#ifndef CZ_FILE_H
#define CZ_FILE_H

#include <stdint.h>
#include <sys/stat.h>

#include "cz.h"

/* Opens path read-only without blocking (O_NONBLOCK, so a FIFO does not hang
 * the open), requires a regular file, then clears O_NONBLOCK. Returns the
 * descriptor, caller-owned (close it), and fills *sb when sb is not NULL; on
 * failure returns -1 with a message naming path. */
int cz_file_open_regular(const char *path, struct stat *sb, cz_error *err);

/* Maps path (opened as above) read-only and private into *map, its length
 * in *size; caller munmaps. An empty file is *map NULL, *size 0 (mmap
 * cannot map 0 bytes) and no error, for the parser to refuse. */
cz_status cz_file_map(const char *path, void **map, size_t *size, cz_error *err);

typedef struct cz_file_writer cz_file_writer;

/* Starts replacing path (mode 0666 less the umask). Returns a writer that
 * cz_file_writer_commit or cz_file_writer_abort frees, or NULL with a
 * message when no temporary file can be made in path's folder. Like any
 * write-then-rename, the commit replaces path itself: a symlink there
 * becomes a file (its target is left as it was), and an old file's mode,
 * owner and hard links are not carried over. */
cz_file_writer *cz_file_writer_new(const char *path, cz_error *err);
/* Appends n bytes. A failure sticks: later writes and the commit fail
 * with the first error, so callers may check only the commit. */
cz_status cz_file_writer_write(cz_file_writer *w, const void *data, size_t n, cz_error *err);
/* Writes n bytes at offset (for headers filled in last); the append
 * position stays where it was. */
cz_status cz_file_writer_write_at(cz_file_writer *w, uint64_t offset, const void *data, size_t n,
                                  cz_error *err);
/* Syncs the data, names it path (replacing any file there), syncs the
 * folder and frees w. On failure path is untouched (or holds the complete
 * new file when only the folder sync failed) and no temporary remains. */
cz_status cz_file_writer_commit(cz_file_writer *w, cz_error *err);
/* Drops the new data and frees w; path is untouched. NULL is allowed. */
void cz_file_writer_abort(cz_file_writer *w);

/* The whole file in one call: new, write, commit. */
cz_status cz_file_write(const char *path, const void *data, size_t n, cz_error *err);

/* Private, for tests: a writer on a named temporary, as on file systems
 * without O_TMPFILE. */
cz_file_writer *cz__file_writer_new_named(const char *path, cz_error *err);

#endif
