/* safetensors.h: the model file format, read by mmap (safetensors_read.c)
 * and written atomically (safetensors_write.c).
 *
 * Format (https://huggingface.co/docs/safetensors):
 *   bytes 0..7   N, the header size, unsigned 64-bit little-endian
 *   bytes 8..8+N a UTF-8 JSON object: for each tensor name
 *                  {"dtype": "F32"|"F16"|"BF16"|"I64", "shape": [d0, ...],
 *                   "data_offsets": [begin, end]}
 *                and an optional "__metadata__": {string: string}
 *   the rest     the data buffer; offsets are relative to its start,
 *                little-endian, row-major.
 * The file is untrusted: the parser checks the header size against the file,
 * every dtype, that shape products times the dtype size equal end - begin
 * without overflow, that every range lies inside the buffer, and that ranges
 * do not overlap. Any failure is an error naming the tensor. */
#ifndef CZ_SAFETENSORS_H
#define CZ_SAFETENSORS_H

#include "cz.h"
#include "dtype.h"

#define CZ_ST_MAX_DIMS 8

typedef struct {
    const char *name;
    cz_dtype dtype;
    int ndim;
    int64_t shape[CZ_ST_MAX_DIMS];
    size_t count;     /* product of shape */
    const void *data; /* inside the mapping; may be unaligned */
    size_t nbytes;
} cz_st_tensor;

typedef struct cz_safetensors cz_safetensors; /* opaque */

/* Maps and validates a file. The result owns the mapping; free with
 * cz_safetensors_close. NULL on error (err says why). */
cz_safetensors *cz_safetensors_open(const char *path, cz_error *err);
/* Same over a caller-owned buffer, which must outlive the result (fuzzing). */
cz_safetensors *cz_safetensors_open_memory(const void *data, size_t size,
                                           cz_error *err);
void cz_safetensors_close(cz_safetensors *st);

size_t cz_safetensors_count(const cz_safetensors *st);
const cz_st_tensor *cz_safetensors_get(const cz_safetensors *st, size_t i);
const cz_st_tensor *cz_safetensors_find(const cz_safetensors *st, const char *name);
/* Metadata value or NULL. */
const char *cz_safetensors_metadata(const cz_safetensors *st, const char *key);

/* Converts a F32/F16/BF16 tensor to float32; count must equal t->count. */
cz_status cz_st_tensor_read_f32(const cz_st_tensor *t, float *out, size_t count,
                                cz_error *err);

/* A tensor to write: data is float32, stored as dtype (F32, F16 or BF16). */
typedef struct {
    const char *name;
    cz_dtype dtype;
    int ndim;
    int64_t shape[CZ_ST_MAX_DIMS];
    const float *data;
} cz_st_entry;

/* Writes path atomically through cz_file_writer (file.h). meta is
 * NULL or a NULL-terminated list of key, value, key, value, ... */
cz_status cz_safetensors_write(const char *path, const cz_st_entry *entries,
                               size_t n, const char *const *meta, cz_error *err);

#endif
