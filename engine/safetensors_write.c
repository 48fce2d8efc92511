/* safetensors_write.c: the model file writer (see safetensors.h). The file
 * goes through cz_file_writer (file.h), so it appears complete or not at
 * all. Layout as the reader expects: 8-byte little-endian header size N,
 * N bytes of JSON padded with spaces to a multiple of 8, then each tensor's
 * data in entry order, row-major, little-endian. */
#include "safetensors.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "half.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors_write.c assumes a little-endian host"
#endif

/* Converts and writes one tensor's float32 data in chunks. */
static cz_status write_tensor(cz_file_writer *w, const cz_st_entry *e, size_t count, cz_error *err)
{
    enum { CHUNK = 8192 };
    uint8_t tmp[CHUNK * 4];
    size_t es = cz_dtype_size(e->dtype);
    for (size_t i = 0; i < count; i += CHUNK) {
        size_t k = count - i < CHUNK ? count - i : CHUNK;
        for (size_t j = 0; j < k; j++) {
            float v = e->data[i + j];
            if (e->dtype == CZ_DTYPE_F32) {
                memcpy(tmp + 4 * j, &v, 4);
            } else {
                uint16_t h = e->dtype == CZ_DTYPE_F16 ? cz_f32_to_f16(v) : cz_f32_to_bf16(v);
                memcpy(tmp + 2 * j, &h, 2);
            }
        }
        cz_status s = cz_file_writer_write(w, tmp, k * es, err);
        if (s) return s;
    }
    return CZ_STATUS_OK;
}

/* Validates what the caller asks to write; counts [n] gets element counts. */
static cz_status check_entries(const cz_st_entry *entries, size_t n, const char *const *meta,
                               size_t *counts, cz_error *err)
{
    const cz_status inval = CZ_STATUS_INVALID_ARGUMENT;
    for (size_t i = 0; meta && meta[i]; i += 2) {
        if (!meta[i + 1]) return cz_error_set(err, inval, "metadata \"%s\" has no value", meta[i]);
        for (size_t j = 0; j < i; j += 2)
            if (strcmp(meta[i], meta[j]) == 0)
                return cz_error_set(err, inval, "metadata \"%s\" given twice", meta[i]);
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const cz_st_entry *e = &entries[i];
        const char *nm = e->name;
        if (!nm || strcmp(nm, "__metadata__") == 0)
            return cz_error_set(err, inval, "tensor %zu: invalid name \"%s\"", i, nm ? nm : "(null)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(entries[j].name, nm) == 0)
                return cz_error_set(err, inval, "tensor \"%s\": name given twice", nm);
        if (e->dtype != CZ_DTYPE_F32 && e->dtype != CZ_DTYPE_F16 && e->dtype != CZ_DTYPE_BF16)
            return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                                "tensor \"%s\": can only write F32, F16 or BF16 from float data", nm);
        if (e->ndim < 0 || e->ndim > CZ_ST_MAX_DIMS)
            return cz_error_set(err, inval, "tensor \"%s\": ndim %d", nm, e->ndim);
        size_t count = 1, nbytes;
        for (int d = 0; d < e->ndim; d++)
            if (e->shape[d] < 0 || (uint64_t)e->shape[d] > SIZE_MAX ||
                !cz_size_mul(&count, count, (size_t)e->shape[d]))
                return cz_error_set(err, inval, "tensor \"%s\": bad or overflowing shape[%d]", nm, d);
        if (!cz_size_mul(&nbytes, count, cz_dtype_size(e->dtype)) || !cz_size_add(&total, total, nbytes) ||
            total > (size_t)INT64_MAX)
            return cz_error_set(err, inval, "tensor \"%s\": size overflows", nm);
        if (count && !e->data) return cz_error_set(err, inval, "tensor \"%s\": NULL data", nm);
        counts[i] = count;
    }
    return CZ_STATUS_OK;
}

static void add_int_array(JsonBuilder *b, const char *name, const int64_t *v, int n)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (int i = 0; i < n; i++) json_builder_add_int_value(b, v[i]);
    json_builder_end_array(b);
}

/* The 8-byte size and the JSON, padded with spaces so the data starts at a
 * multiple of 8 as the reference writer does. NULL when out of memory. */
static char *build_header(const cz_st_entry *entries, size_t n, const char *const *meta,
                          const size_t *counts, size_t *len_out)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    if (meta && meta[0]) {
        json_builder_set_member_name(b, "__metadata__");
        json_builder_begin_object(b);
        for (size_t i = 0; meta[i]; i += 2) {
            json_builder_set_member_name(b, meta[i]);
            json_builder_add_string_value(b, meta[i + 1]);
        }
        json_builder_end_object(b);
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const cz_st_entry *e = &entries[i];
        size_t end = off + counts[i] * cz_dtype_size(e->dtype); /* checked above */
        json_builder_set_member_name(b, e->name);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "dtype");
        json_builder_add_string_value(b, cz_dtype_name(e->dtype));
        add_int_array(b, "shape", e->shape, e->ndim);
        add_int_array(b, "data_offsets", (const int64_t[]){(int64_t)off, (int64_t)end}, 2);
        json_builder_end_object(b);
        off = end;
    }
    json_builder_end_object(b);
    JsonNode *root = json_builder_get_root(b);
    JsonGenerator *gen = json_generator_new();
    json_generator_set_root(gen, root);
    gsize len = 0;
    gchar *txt = json_generator_to_data(gen, &len);
    g_object_unref(gen);
    json_node_unref(root);
    g_object_unref(b);
    size_t padded = (len + 7) & ~(size_t)7;
    char *out = malloc(8 + padded);
    if (out) {
        uint64_t hn = padded;
        memcpy(out, &hn, 8);
        memcpy(out + 8, txt, len);
        memset(out + 8 + len, ' ', padded - len);
        *len_out = 8 + padded;
    }
    g_free(txt);
    return out;
}

cz_status cz_safetensors_write(const char *path, const cz_st_entry *entries, size_t n,
                               const char *const *meta, cz_error *err)
{
    if (!path || (!entries && n))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "NULL path or entries");
    size_t *counts = calloc(n + 1, sizeof *counts), hdr_len = 0;
    if (!counts) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    char *hdr = NULL;
    cz_file_writer *w = NULL;
    cz_status s = check_entries(entries, n, meta, counts, err);
    if (!s && !(hdr = build_header(entries, n, meta, counts, &hdr_len)))
        s = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory for the header");
    if (!s && !(w = cz_file_writer_new(path, err))) s = err ? err->status : CZ_STATUS_IO_ERROR;
    if (!s) {
        s = cz_file_writer_write(w, hdr, hdr_len, err);
        for (size_t i = 0; !s && i < n; i++) s = write_tensor(w, &entries[i], counts[i], err);
        if (s) cz_file_writer_abort(w);
        else s = cz_file_writer_commit(w, err);
    }
    free(hdr);
    free(counts);
    return s;
}
