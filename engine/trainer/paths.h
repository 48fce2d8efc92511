/* paths.h: a command never writes over a file it reads or writes.
 *
 * Every command lists the paths it reads and writes before it does any
 * work; ct_paths_check refuses (usage error, exit 2) when a written path is
 * the same file as any other listed path: `train -o X --data X` would
 * replace the dataset by the model, `colorize -o DIR DIR/photo.png` the
 * photo by its colorized copy, `colorize a.jpg a.png` would write a.png
 * twice. Two paths are the same file when they have the same device and
 * inode (so symlinks and hard links count), or, for a file that does not
 * exist yet, the same resolved folder and name. A written path that exists
 * and is not a regular file (a folder, a device, a FIFO) is refused too:
 * the atomic writer would replace it. */
#ifndef CT_PATHS_H
#define CT_PATHS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *what;  /* how the command line names it: "-o", "--data", "input" */
    const char *path;
    bool written;
    const char *from;  /* the input this output is made from, or NULL */
} ct_path_use;

/* Exits with a usage error naming both paths on a clash; returns otherwise. */
void ct_paths_check(const char *cmd, const ct_path_use *uses, size_t n);

#endif
