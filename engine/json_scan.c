/* json_scan.c: the pre-scan of untrusted JSON (see json_scan.h): one pass
 * that tracks strings, escapes and nesting depth. */
#include "json_scan.h"

#include <glib.h>
#include <stdbool.h>

/* The code unit of the \uXXXX escape at h[i] (i at the backslash), or -1. */
static long u_escape(const char *h, size_t n, size_t i)
{
    if (i + 6 > n || h[i] != '\\' || h[i + 1] != 'u') return -1;
    long v = 0;
    for (size_t k = i + 2; k < i + 6; k++) {
        int d = g_ascii_xdigit_value(h[k]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

cz_status cz_json_scan(const char *h, size_t n, int max_depth, cz_error *err)
{
    if (!g_utf8_validate(h, (gssize)n, NULL))
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                            "header is not valid UTF-8 (or contains a NUL byte)");
    int depth = 0;
    bool in_str = false, done = false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (in_str) {
            long u = u_escape(h, n, i);
            if (c == '\\' && i + 1 < n && h[i + 1] == 'u' && u < 0)
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                    "header JSON: \\u not followed by 4 hex digits at byte %zu", i);
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = u_escape(h, n, i + 6);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                        "header JSON: unpaired UTF-16 surrogate escape at byte %zu", i);
                i += 6;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                    "header JSON: unpaired UTF-16 surrogate escape at byte %zu", i);
            }
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (done || (depth == 0 && c != '{'))
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                "header is not a single JSON object (byte %zu)", i);
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                    "header JSON nests deeper than %d levels", max_depth);
        } else if (c == '}' || c == ']') {
            done = --depth == 0;
        } else if (c == '/' || c == '\'') {
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                "header JSON: unexpected '%c' at byte %zu", c, i);
        }
    }
    return CZ_STATUS_OK;
}
