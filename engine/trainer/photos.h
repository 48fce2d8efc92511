/* photos.h: the sorted list of files under a folder (recursively), for
 * prepare, eval and tests. Symlinks are followed, to files and to folders
 * (a linked folder of photos counts), but each folder is listed once, so a
 * symlink loop ends; an unreadable subfolder is skipped with a warning. */
#ifndef CT_PHOTOS_H
#define CT_PHOTOS_H

#include <stddef.h>

/* Paths in name order, each folder's entries where it stands (free with
 * ct_photos_free); NULL, with *n 0, when dir cannot be read. */
char **ct_photos_list(const char *dir, size_t *n);
void ct_photos_free(char **paths, size_t n);
/* The file name without folder and extension, into buf[n]. */
void ct_path_stem(char *buf, size_t n, const char *path);

#endif
