/* util.h: corolization-train's exit-on-failure wrappers (in the manner of
 * llm.c's mallocCheck/fopenCheck) and small helpers. Exiting is fine in the
 * trainer binary; nothing here is used by engine/. */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cz.h"

/* Exit status for scripts: 0 success, 1 runtime failure (I/O, bad data),
 * 2 usage error (bad arguments), 3 training stopped early (signal or
 * --time-limit) after saving its checkpoint. */
enum { CT_EXIT_OK = 0, CT_EXIT_FAILURE = 1, CT_EXIT_USAGE = 2, CT_EXIT_STOPPED = 3 };

void ct_die(const char *file, int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));
void ct_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void ct_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *ct_malloc_check(size_t size, const char *file, int line);
void *ct_calloc_check(size_t n, size_t size, const char *file, int line);
FILE *ct_fopen_check(const char *path, const char *mode, const char *file, int line);
void ct_status_check(cz_status st, const cz_error *err, const char *file, int line);

#define mallocCheck(size) ct_malloc_check((size), __FILE__, __LINE__)
#define callocCheck(n, size) ct_calloc_check((n), (size), __FILE__, __LINE__)
#define fopenCheck(path, mode) ct_fopen_check((path), (mode), __FILE__, __LINE__)
#define statusCheck(st, err) ct_status_check((st), (err), __FILE__, __LINE__)

/* Checked size product of up to three factors; exits on overflow. */
size_t ct_size3(size_t a, size_t b, size_t c);

/* Option parsing: exit with a usage error naming the option on bad values. */
long ct_parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi);
double ct_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi);

double ct_now(void); /* CLOCK_MONOTONIC seconds */

/* Joins argv into one shell-like string (for the "command" metadata);
 * caller frees. */
char *ct_join_argv(int argc, char **argv);

/* Creates the directory (and parents); exits on failure. */
void ct_mkdir_p(const char *path);

#endif
