/* photos.h: the sorted list of files under a folder (recursively), for
 * eval and tests. */
#ifndef CT_PHOTOS_H
#define CT_PHOTOS_H

#include <stddef.h>

/* Paths (caller frees each and the array); exits when dir is unreadable. */
char **ct_photos_list(const char *dir, size_t *n);
void ct_photos_free(char **paths, size_t n);
/* The file name without folder and extension, into buf[n]. */
void ct_path_stem(char *buf, size_t n, const char *path);

#endif
