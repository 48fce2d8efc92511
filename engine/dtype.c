/* dtype.c: names and sizes of the tensor element types (see dtype.h). */
#include "dtype.h"

#include <string.h>

static const struct {
    const char *name;
    size_t size;
} dtypes[] = {
    [CZ_DTYPE_F32] = {"F32", 4}, [CZ_DTYPE_F16] = {"F16", 2},
    [CZ_DTYPE_BF16] = {"BF16", 2}, [CZ_DTYPE_I64] = {"I64", 8},
};
#define N_DTYPES (sizeof dtypes / sizeof dtypes[0])

const char *cz_dtype_name(cz_dtype t)
{
    return (unsigned)t < N_DTYPES ? dtypes[t].name : "?";
}

size_t cz_dtype_size(cz_dtype t)
{
    return (unsigned)t < N_DTYPES ? dtypes[t].size : 0;
}

bool cz_dtype_parse(const char *s, cz_dtype *out)
{
    for (size_t i = 0; i < N_DTYPES; i++)
        if (strcmp(s, dtypes[i].name) == 0) return *out = (cz_dtype)i, true;
    return false;
}
