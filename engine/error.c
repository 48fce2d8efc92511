/* error.c: status names and the message buffer. */
#include "cz.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>

/* The plug-in's catalogue, which holds the engine's messages too
 * (po/POTFILES.in, keyword cz_error_set:3): a program that binds it and
 * sets a locale (the plug-in) gets them in the user's language; one that
 * does not (corolization-train) gets the English. */
#define CZ_TEXT_DOMAIN "corolization"

const char *cz_error_text(const char *msgid)
{
    return g_dgettext(CZ_TEXT_DOMAIN, msgid);
}

cz_status cz_error_set(cz_error *err, cz_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, cz_error_text(fmt), ap);
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
