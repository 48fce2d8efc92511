/* photos.c: sorted recursive file listing (photos.h). */
#include "photos.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, char ***v, size_t *n, size_t *cap, int depth)
{
    DIR *d = opendir(dir);
    if (!d) ct_die(__FILE__, __LINE__, "the folder must exist and be readable", "cannot read folder '%s'", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = mallocCheck(len);
        snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth < 16) walk(p, v, n, cap, depth + 1);
            free(p);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *v = realloc(*v, *cap * sizeof **v);
            if (!*v) ct_die(__FILE__, __LINE__, NULL, "out of memory");
        }
        (*v)[(*n)++] = p;
    }
    closedir(d);
}

char **ct_photos_list(const char *dir, size_t *n)
{
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    walk(dir, &v, n, &cap, 0);
    if (*n) qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

void ct_photos_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) free(paths[i]);
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
