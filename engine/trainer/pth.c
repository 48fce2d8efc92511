/* pth.c: a PyTorch checkpoint's tensors (see pth.h): maps the file, finds
 * the pickle in the zip archive and hands it the archive's storages. */
#include "pth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "file.h"
#include "pth_pickle.h"
#include "pth_zip.h"

struct ct_pth {
    void *map; /* the mapping ct_pth_open made, or NULL */
    size_t map_size;
    ct_pth_tensor *tensors;
    size_t n;
};

typedef struct {
    const ct_zip *zip;
    char prefix[80]; /* "<dir>/", the folder of data.pkl */
} archive;

static cz_status storage(void *ctx, const char *key, const unsigned char **data, size_t *size, cz_error *err)
{
    const archive *a = ctx;
    char name[160];
    snprintf(name, sizeof name, "%sdata/%s", a->prefix, key);
    const ct_zip_entry *e = ct_zip_find(a->zip, name);
    if (!e) return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "the archive has no storage '%s'", name);
    return ct_zip_entry_bytes(e, data, size, err);
}

/* The entry "<dir>/data.pkl" (one folder deep, as torch.save writes it). */
static const ct_zip_entry *find_pickle(const ct_zip *z, archive *a)
{
    for (size_t i = 0; i < z->n; i++) {
        const ct_zip_entry *e = &z->entries[i];
        const char *slash = memchr(e->name, '/', e->name_len);
        size_t dir = slash ? (size_t)(slash - e->name) + 1 : 0;
        if (slash && dir < sizeof a->prefix && e->name_len == dir + 8 && !memcmp(e->name + dir, "data.pkl", 8)) {
            memcpy(a->prefix, e->name, dir);
            a->prefix[dir] = 0;
            return e;
        }
    }
    return NULL;
}

ct_pth *ct_pth_open_memory(const void *data, size_t size, cz_error *err)
{
    if (!ct_zip_sniff(data, size)) {
        const unsigned char *d = data;
        /* The legacy format starts with a pickled magic number (LONG1). */
        cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                     size >= 2 && d[0] == 0x80 ? "a pre-1.6 PyTorch file (not zip); load it in Python and re-save it "
                                                 "with torch.save (torch >= 1.6)"
                                               : "not a PyTorch zip checkpoint");
        return NULL;
    }
    ct_pth *p = calloc(1, sizeof *p);
    if (!p) {
        cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    ct_zip z;
    archive a = {.zip = &z};
    const unsigned char *pkl;
    size_t len;
    cz_status st = ct_zip_open(&z, data, size, err);
    if (st) {
        free(p);
        return NULL;
    }
    const ct_zip_entry *e = find_pickle(&z, &a);
    if (!e)
        st = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "the zip archive has no <dir>/data.pkl: not a torch.save file");
    if (!st) st = ct_zip_entry_bytes(e, &pkl, &len, err);
    if (!st) st = ct_pickle_state_dict(pkl, len, storage, &a, &p->tensors, &p->n, err);
    ct_zip_close(&z);
    if (st) {
        free(p);
        return NULL;
    }
    return p;
}

ct_pth *ct_pth_open(const char *path, cz_error *err)
{
    void *map;
    size_t size;
    if (cz_file_map(path, &map, &size, err)) return NULL;
    if (!map) {
        cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "%s: empty file", path);
        return NULL;
    }
    cz_error e = {0};
    ct_pth *p = ct_pth_open_memory(map, size, &e);
    if (!p) {
        munmap(map, size);
        cz_error_set(err, e.status, "%s: %s", path, e.msg);
        return NULL;
    }
    p->map = map;
    p->map_size = size;
    return p;
}

void ct_pth_close(ct_pth *p)
{
    if (!p) return;
    if (p->map) munmap(p->map, p->map_size);
    free(p->tensors);
    free(p);
}

size_t ct_pth_count(const ct_pth *p) { return p->n; }

const ct_pth_tensor *ct_pth_get(const ct_pth *p, size_t i) { return i < p->n ? &p->tensors[i] : NULL; }
