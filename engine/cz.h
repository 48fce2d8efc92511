/* cz.h: what every part of the corolization engine shares.
 *
 * Layout: every activation tensor in the engine is float32, NCHW, row-major
 * (W fastest). Weights follow PyTorch's layouts so that safetensors written by
 * PyTorch load unchanged: conv [Cout, Cin, K, K], transposed conv
 * [Cin, Cout, K, K], linear [Cout, Cin].
 *
 * Errors: functions that can fail on input return cz_status and, when given a
 * cz_error, a message for a person. Nothing in the engine exits or aborts on
 * bad input; assert() guards internal invariants only. */
#ifndef CZ_H
#define CZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CZ_STATUS_OK = 0,
    CZ_STATUS_INVALID_ARGUMENT,
    CZ_STATUS_OUT_OF_MEMORY,
    CZ_STATUS_IO_ERROR,
    CZ_STATUS_FORMAT_ERROR,   /* a file that is not what it claims to be */
    CZ_STATUS_SHAPE_MISMATCH, /* a tensor whose shape the architecture rejects */
    CZ_STATUS_UNSUPPORTED,
    CZ_STATUS_CANCELLED,
} cz_status;

/* Caller-owned message buffer; pass NULL when the message is not wanted. */
typedef struct {
    cz_status status;
    char msg[512];
} cz_error;

/* Records status and a printf-style message in err (if not NULL), in the
 * user's language where the "corolization" catalogue is bound and has it;
 * returns status. */
cz_status cz_error_set(cz_error *err, cz_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *cz_status_name(cz_status status);
/* msgid in the user's language (see cz_error_set), for messages built in steps. */
const char *cz_error_text(const char *msgid) __attribute__((format_arg(1)));

/* Checked size arithmetic: false on overflow, *out untouched then. */
static inline bool cz_size_mul(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}
static inline bool cz_size_add(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

#endif
