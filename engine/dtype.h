/* dtype.h: the element types of a model file's tensors (safetensors.h),
 * with the names the file's header gives them and their sizes in bytes. */
#ifndef CZ_DTYPE_H
#define CZ_DTYPE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CZ_DTYPE_F32,
    CZ_DTYPE_F16,
    CZ_DTYPE_BF16,
    CZ_DTYPE_I64,
} cz_dtype;

/* "F32", "F16", "BF16", "I64"; "?" for a value outside the enum. */
const char *cz_dtype_name(cz_dtype t);
/* Bytes per element; 0 for a value outside the enum. */
size_t cz_dtype_size(cz_dtype t);
/* The dtype named s (exact, case-sensitive) into *out, or false. */
bool cz_dtype_parse(const char *s, cz_dtype *out);

#endif
