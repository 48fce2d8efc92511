/* json_scan.h: a pre-scan of untrusted JSON before json-glib parses it.
 * json-glib (1.6) accepts more than JSON (comments, single quotes, several
 * top-level values, which it also leaks), recurses once per nesting level,
 * and leaks its string buffer on some malformed \u escapes; this scan
 * rejects all of those first. Its messages speak of the "header": its one
 * user is the model file's header (safetensors_read.c). */
#ifndef CZ_JSON_SCAN_H
#define CZ_JSON_SCAN_H

#include <stddef.h>

#include "cz.h"

/* CZ_STATUS_OK when text [n] is valid UTF-8 without NUL bytes, exactly one
 * JSON object and whitespace, nests at most max_depth levels, and every
 * \u escape is four hex digits forming well-formed UTF-16; else
 * CZ_STATUS_FORMAT_ERROR with the byte offset in err. It does not check the
 * rest of the grammar: json-glib does. */
cz_status cz_json_scan(const char *text, size_t n, int max_depth, cz_error *err);

#endif
