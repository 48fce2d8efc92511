/* error.c: status names and the message buffer. */
#include "cz.h"

#include <stdarg.h>
#include <stdio.h>

cz_status cz_error_set(cz_error *err, cz_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

const char *cz_status_name(cz_status status)
{
    switch (status) {
    case CZ_STATUS_OK: return "ok";
    case CZ_STATUS_INVALID_ARGUMENT: return "invalid argument";
    case CZ_STATUS_OUT_OF_MEMORY: return "out of memory";
    case CZ_STATUS_IO_ERROR: return "input/output error";
    case CZ_STATUS_FORMAT_ERROR: return "format error";
    case CZ_STATUS_SHAPE_MISMATCH: return "shape mismatch";
    case CZ_STATUS_UNSUPPORTED: return "unsupported";
    case CZ_STATUS_CANCELLED: return "cancelled";
    }
    return "unknown status";
}
