/* photos.c: sorted recursive file listing (photos.h). */
#include "photos.h"

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

typedef struct {
    char **v;
    size_t n, cap;
    GHashTable *seen; /* "dev:ino" of every folder listed */
} listing;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(listing *l, char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) ct_die(__FILE__, __LINE__, NULL, "out of memory");
    }
    l->v[l->n++] = path;
}

/* Lists dir's entries in name order, going into subfolders where they
 * stand. A folder reached twice (through a symlink loop, or two links to
 * one folder) is listed once; an unreadable subfolder is skipped with a
 * warning naming it. False when dir itself cannot be read. */
static bool walk(listing *l, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (depth) ct_warn("%s: skipped: cannot read the folder: %s", dir, strerror(errno));
        return false;
    }
    struct stat st;
    char *key = fstat(dirfd(d), &st) == 0
                    ? g_strdup_printf("%" PRIuMAX ":%" PRIuMAX, (uintmax_t)st.st_dev, (uintmax_t)st.st_ino)
                    : NULL;
    if (key && g_hash_table_contains(l->seen, key)) {
        ct_warn("%s: skipped: the folder is already listed (a symlink to it or a loop)", dir);
        g_free(key);
        closedir(d);
        return true;
    }
    if (key) g_hash_table_add(l->seen, key);
    listing names = {0};
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') add(&names, g_strdup_printf("%s/%s", dir, e->d_name));
    closedir(d);
    if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.n; i++) {
        char *p = names.v[i];
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth < 16) walk(l, p, depth + 1);
            else ct_warn("%s: skipped: more than 16 folders deep", p);
            g_free(p);
        } else {
            add(l, p);
        }
    }
    free(names.v);
    return true;
}

char **ct_photos_list(const char *dir, size_t *n)
{
    listing l = {.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
    bool ok = walk(&l, dir, 0);
    g_hash_table_destroy(l.seen);
    *n = l.n;
    if (ok && !l.v) l.v = mallocCheck(sizeof *l.v); /* empty, not unreadable */
    return ok ? l.v : NULL;
}

void ct_photos_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) g_free(paths[i]);
    free(paths);
}

void ct_path_stem(char *buf, size_t n, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, n, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf) *dot = 0;
}
