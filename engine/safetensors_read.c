/* safetensors_read.c: the model file reader (see safetensors.h): a
 * read-only mmap, validated as untrusted input.
 *
 * Layout: 8-byte little-endian header size N, N bytes of JSON, then the data
 * buffer; tensors are row-major, little-endian, at data_offsets relative to
 * the buffer start.
 *
 * The JSON is parsed with json-glib (1.6). It keeps the last of duplicate
 * keys, so duplicates are caught through its "object-member" signal; it also
 * accepts comments, single quotes and several top-level values, and recurses
 * per nesting level, so a pre-scan (json_scan.h) rejects those and bounds the
 * depth first. Integers above INT64_MAX come back negative (json-glib 1.6)
 * or as INT64_MAX (1.10): the first is refused for its sign, the second as
 * beyond the data. Unlike the reference, gaps between tensor ranges are
 * accepted (overlaps are not). */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "half.h"
#include "json_scan.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors_read.c assumes a little-endian host"
#endif

#define ST_MAX_HEADER ((uint64_t)100000000) /* 100 MB, as the reference */
#define ST_MAX_DEPTH 32                      /* the format needs 3 */

struct cz_safetensors {
    void *map; /* owned mapping, NULL for open_memory */
    size_t map_size;
    cz_st_tensor *tensors; /* [n], header order; names owned */
    size_t n;
    char **meta; /* [2 * n_meta]: key, value, ... owned */
    size_t n_meta;
};

static bool oom(cz_error *err)
{
    cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    return false;
}

void cz_safetensors_close(cz_safetensors *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->n; i++) free((char *)st->tensors[i].name);
    for (size_t i = 0; i < 2 * st->n_meta; i++) free(st->meta[i]);
    free(st->tensors);
    free(st->meta);
    if (st->map) munmap(st->map, st->map_size);
    free(st);
}

typedef struct {
    GHashTable *seen; /* "objectptr/key" */
    char *dup;        /* first duplicate key */
} dup_state;

static void on_object_member(JsonParser *parser, JsonObject *obj, const char *name,
                             gpointer data)
{
    (void)parser;
    dup_state *ds = data;
    if (ds->dup) return;
    char *key = g_strdup_printf("%p/%s", (void *)obj, name);
    if (!g_hash_table_add(ds->seen, key)) ds->dup = g_strdup(name);
}

/* A non-negative JSON integer, or false. */
static bool json_uint(JsonNode *node, int64_t *out)
{
    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return false;
    int64_t v = json_node_get_int(node);
    if (v < 0) return false;
    *out = v;
    return true;
}

#define FAIL(...) \
    do { cz_error_set(err, CZ_STATUS_FORMAT_ERROR, __VA_ARGS__); return false; } while (0)

/* Fills t (but its name) from one header entry; buf_size bounds the offsets. */
static bool parse_tensor(cz_st_tensor *t, const char *name, JsonNode *node,
                         const uint8_t *buf, size_t buf_size, cz_error *err)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) FAIL("tensor \"%s\": entry is not a JSON object", name);
    JsonObject *o = json_node_get_object(node);

    JsonNode *dn = json_object_get_member(o, "dtype");
    if (!dn) FAIL("tensor \"%s\": no dtype", name);
    if (!JSON_NODE_HOLDS_VALUE(dn) || json_node_get_value_type(dn) != G_TYPE_STRING)
        FAIL("tensor \"%s\": dtype is not a string", name);
    const char *ds = json_node_get_string(dn);
    if (!cz_dtype_parse(ds, &t->dtype))
        FAIL("tensor \"%s\": unsupported dtype \"%s\" (F32, F16, BF16, I64 are)", name, ds);

    JsonNode *sn = json_object_get_member(o, "shape");
    if (!sn || !JSON_NODE_HOLDS_ARRAY(sn)) FAIL("tensor \"%s\": shape is missing or not an array", name);
    JsonArray *sa = json_node_get_array(sn);
    guint nd = json_array_get_length(sa);
    if (nd > CZ_ST_MAX_DIMS) FAIL("tensor \"%s\": %u dimensions, at most %d supported", name, nd, CZ_ST_MAX_DIMS);
    t->ndim = (int)nd;
    size_t count = 1;
    for (guint d = 0; d < nd; d++) {
        int64_t v;
        if (!json_uint(json_array_get_element(sa, d), &v))
            FAIL("tensor \"%s\": shape[%u] is not a non-negative integer", name, d);
        t->shape[d] = v;
        if ((uint64_t)v > SIZE_MAX || !cz_size_mul(&count, count, (size_t)v))
            FAIL("tensor \"%s\": shape product overflows", name);
    }
    size_t nbytes;
    if (!cz_size_mul(&nbytes, count, cz_dtype_size(t->dtype)))
        FAIL("tensor \"%s\": byte size overflows", name);

    JsonNode *on = json_object_get_member(o, "data_offsets");
    if (!on || !JSON_NODE_HOLDS_ARRAY(on) || json_array_get_length(json_node_get_array(on)) != 2)
        FAIL("tensor \"%s\": data_offsets is not an array of two integers", name);
    JsonArray *oa = json_node_get_array(on);
    int64_t b, e;
    if (!json_uint(json_array_get_element(oa, 0), &b) || !json_uint(json_array_get_element(oa, 1), &e))
        FAIL("tensor \"%s\": data_offsets are not non-negative integers", name);
    if (b > e) FAIL("tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "] begin after end", name, b, e);
    if ((uint64_t)e > buf_size)
        FAIL("tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "] end beyond the data buffer (%zu bytes)",
             name, b, e, buf_size);
    if ((uint64_t)(e - b) != nbytes)
        FAIL("tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "] span %" PRId64
             " bytes, shape and dtype %s need %zu", name, b, e, e - b, ds, nbytes);
    t->count = count;
    t->nbytes = nbytes;
    t->data = buf + b;
    return true;
}

static bool parse_metadata(cz_safetensors *st, JsonNode *node, cz_error *err)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) FAIL("__metadata__ is not a JSON object");
    JsonObject *o = json_node_get_object(node);
    GList *keys = json_object_get_members(o);
    bool ok = (st->meta = calloc(2 * g_list_length(keys) + 1, sizeof *st->meta)) || oom(err);
    for (GList *l = keys; ok && l; l = l->next) {
        const char *k = l->data;
        JsonNode *v = json_object_get_member(o, k);
        if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING) {
            cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "__metadata__ \"%s\": value is not a string", k);
            ok = false;
            break;
        }
        char **kv = &st->meta[2 * st->n_meta++];
        kv[0] = strdup(k);
        kv[1] = strdup(json_node_get_string(v));
        if (!kv[0] || !kv[1]) ok = oom(err);
    }
    g_list_free(keys);
    return ok;
}

typedef struct {
    size_t begin, end, idx;
} st_range;

static int range_cmp(const void *a, const void *b)
{
    const st_range *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static bool check_overlaps(cz_safetensors *st, const uint8_t *buf, cz_error *err)
{
    st_range *r = malloc((st->n ? st->n : 1) * sizeof *r);
    if (!r) return oom(err);
    size_t m = 0;
    for (size_t i = 0; i < st->n; i++) {
        size_t b = (size_t)((const uint8_t *)st->tensors[i].data - buf);
        if (st->tensors[i].nbytes) /* empty ranges overlap nothing */
            r[m++] = (st_range){b, b + st->tensors[i].nbytes, i};
    }
    qsort(r, m, sizeof *r, range_cmp);
    size_t bad = 0;
    for (size_t i = 1; i < m && !bad; i++)
        if (r[i].begin < r[i - 1].end) bad = i;
    if (bad)
        cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                     "tensor \"%s\": data_offsets [%zu, %zu] overlap tensor \"%s\" [%zu, %zu]",
                     st->tensors[r[bad].idx].name, r[bad].begin, r[bad].end,
                     st->tensors[r[bad - 1].idx].name, r[bad - 1].begin, r[bad - 1].end);
    free(r);
    return !bad;
}

/* Validates data [size] into st (tensors point into data). */
static bool parse_file(cz_safetensors *st, const uint8_t *data, size_t size, cz_error *err)
{
    if (size < 8) FAIL("file is %zu bytes, shorter than the 8-byte header size", size);
    uint64_t hn;
    memcpy(&hn, data, 8);
    if (hn > size - 8)
        FAIL("header size %" PRIu64 " exceeds the %zu bytes after it", hn, size - 8);
    if (hn > ST_MAX_HEADER) FAIL("header size %" PRIu64 " exceeds the 100 MB limit", hn);
    const char *hdr = (const char *)data + 8;
    const uint8_t *buf = data + 8 + hn;
    size_t buf_size = size - 8 - (size_t)hn;
    if (cz_json_scan(hdr, (size_t)hn, ST_MAX_DEPTH, err) != CZ_STATUS_OK) return false;

    JsonParser *parser = json_parser_new();
    dup_state ds = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), NULL};
    g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), &ds);
    GError *gerr = NULL;
    bool ok = false;
    GList *names = NULL;
    if (!json_parser_load_from_data(parser, hdr, (gssize)hn, &gerr)) {
        cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "header is not valid JSON: %s", gerr->message);
        g_error_free(gerr);
        goto out;
    }
    if (ds.dup) {
        cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "tensor \"%s\": name appears twice in the header", ds.dup);
        goto out;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "header is not a JSON object");
        goto out;
    }
    JsonObject *ro = json_node_get_object(root);
    names = json_object_get_members(ro);
    if (!(st->tensors = calloc(g_list_length(names) + 1, sizeof *st->tensors)) && !oom(err)) goto out;
    for (GList *l = names; l; l = l->next) {
        const char *name = l->data;
        JsonNode *node = json_object_get_member(ro, name);
        if (strcmp(name, "__metadata__") == 0) {
            if (!parse_metadata(st, node, err)) goto out;
            continue;
        }
        cz_st_tensor *t = &st->tensors[st->n];
        if (!parse_tensor(t, name, node, buf, buf_size, err)) goto out;
        if (!(t->name = strdup(name)) && !oom(err)) goto out;
        st->n++;
    }
    ok = check_overlaps(st, buf, err);
out:
    g_list_free(names);
    g_free(ds.dup);
    g_hash_table_destroy(ds.seen);
    g_object_unref(parser);
    return ok;
}
#undef FAIL

/* Validates data into a new result, which owns map (if not NULL) even when
 * this fails. */
static cz_safetensors *st_new(const void *data, size_t size, void *map, cz_error *err)
{
    cz_safetensors *st = calloc(1, sizeof *st);
    if (!st) {
        if (map) munmap(map, size);
        oom(err);
        return NULL;
    }
    st->map = map;
    st->map_size = size;
    if (!parse_file(st, data, size, err)) {
        cz_safetensors_close(st);
        return NULL;
    }
    return st;
}

cz_safetensors *cz_safetensors_open_memory(const void *data, size_t size, cz_error *err)
{
    if (!data) {
        cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "NULL buffer");
        return NULL;
    }
    return st_new(data, size, NULL, err);
}

cz_safetensors *cz_safetensors_open(const char *path, cz_error *err)
{
    void *map;
    size_t size;
    if (cz_file_map(path, &map, &size, err)) return NULL;
    /* an empty file (map NULL) still gets its error from the parser */
    cz_safetensors *st = st_new(map ? map : (void *)"", size, map, err);
    if (!st && err) { /* prefix the path to the parser's reason */
        char reason[sizeof err->msg];
        memcpy(reason, err->msg, sizeof reason);
        cz_error_set(err, err->status, "%s: %s", path, reason);
    }
    return st;
}

size_t cz_safetensors_count(const cz_safetensors *st) { return st ? st->n : 0; }

const cz_st_tensor *cz_safetensors_get(const cz_safetensors *st, size_t i)
{
    return st && i < st->n ? &st->tensors[i] : NULL;
}

const cz_st_tensor *cz_safetensors_find(const cz_safetensors *st, const char *name)
{
    if (!st || !name) return NULL;
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
    return NULL;
}

const char *cz_safetensors_metadata(const cz_safetensors *st, const char *key)
{
    if (!st || !key) return NULL;
    for (size_t i = 0; i < st->n_meta; i++)
        if (strcmp(st->meta[2 * i], key) == 0) return st->meta[2 * i + 1];
    return NULL;
}

cz_status cz_st_tensor_read_f32(const cz_st_tensor *t, float *out, size_t count, cz_error *err)
{
    if (!t || (!out && count))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "NULL tensor or output");
    if (count != t->count)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT,
                            "tensor \"%s\": %zu elements, caller expects %zu", t->name, t->count, count);
    const uint8_t *src = t->data;
    switch (t->dtype) {
    case CZ_DTYPE_F32:
        if (count) memcpy(out, src, count * 4);
        return CZ_STATUS_OK;
    case CZ_DTYPE_F16:
    case CZ_DTYPE_BF16:
        for (size_t i = 0; i < count; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2); /* may be unaligned */
            out[i] = t->dtype == CZ_DTYPE_F16 ? cz_f16_to_f32(h) : cz_bf16_to_f32(h);
        }
        return CZ_STATUS_OK;
    case CZ_DTYPE_I64:
        break;
    }
    return cz_error_set(err, CZ_STATUS_UNSUPPORTED, "tensor \"%s\": dtype %s is not a float type",
                        t->name, cz_dtype_name(t->dtype));
}
