/* paths.c: same-file checks between a command's inputs and outputs (see
 * paths.h). */
#include "paths.h"

#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util.h"

/* Equal for two paths exactly when they are the same file: its device and
 * inode when it exists, else its folder's real path (lexically cleaned up
 * when the folder does not exist yet) and its name. Caller frees. */
static char *path_key(const char *path, struct stat *st, bool *exists)
{
    if ((*exists = stat(path, st) == 0))
        return g_strdup_printf("i%" PRIuMAX ":%" PRIuMAX, (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);
    char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
    char *real = realpath(dir, NULL);
    char *clean = real ? NULL : g_canonicalize_filename(dir, NULL);
    char *key = g_strdup_printf("p%s/%s", real ? real : clean, base);
    free(real);
    g_free(clean);
    g_free(dir);
    g_free(base);
    return key;
}

static char *describe(const ct_path_use *u)
{
    return u->from ? g_strdup_printf("%s '%s' (from '%s')", u->what, u->path, u->from)
                   : g_strdup_printf("%s '%s'", u->what, u->path);
}

void ct_paths_check(const char *cmd, const ct_path_use *uses, size_t n)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < n; i++) {
        const ct_path_use *u = &uses[i];
        struct stat st;
        bool exists;
        char *key = path_key(u->path, &st, &exists);
        if (u->written && exists && !S_ISREG(st.st_mode)) {
            char *d = describe(u);
            ct_usage_error(cmd, "%s is %s, not a file it may replace", d,
                           S_ISDIR(st.st_mode) ? "a folder" : "a device, FIFO or socket");
        }
        gpointer prev;
        if (g_hash_table_lookup_extended(seen, key, NULL, &prev)) {
            const ct_path_use *p = &uses[GPOINTER_TO_SIZE(prev)];
            if (u->written || p->written) {
                const ct_path_use *w = p->written ? p : u, *o = p->written ? u : p;
                char *dw = describe(w), *dother = describe(o);
                if (o->written)
                    ct_usage_error(cmd, "%s and %s are the same file; each would overwrite the other",
                                   dw, dother);
                ct_usage_error(cmd, "%s would overwrite %s (the same file)", dw, dother);
            }
            g_free(key);
        } else {
            g_hash_table_insert(seen, key, GSIZE_TO_POINTER(i));
        }
    }
    g_hash_table_destroy(seen);
}
