/* util.c: exit-on-failure wrappers and small helpers for corolization-train. */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void ct_die(const char *file, int line, const char *hint, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "corolization-train: error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  at %s:%d\n", file, line);
    if (hint) fprintf(stderr, "  hint: %s\n", hint);
    exit(CT_EXIT_FAILURE);
}

void ct_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "corolization-train %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'corolization-train %s --help'.\n", cmd);
    exit(CT_EXIT_USAGE);
}

void ct_warn(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "corolization-train: warning: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void *ct_malloc_check(size_t size, const char *file, int line)
{
    void *p = malloc(size ? size : 1);
    if (!p) ct_die(file, line, "the machine is out of memory; try a smaller --batch or --size",
                   "allocation of %zu bytes failed", size);
    return p;
}

void *ct_calloc_check(size_t n, size_t size, const char *file, int line)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) ct_die(file, line, "the machine is out of memory; try a smaller --batch or --size",
                   "allocation of %zu x %zu bytes failed", n, size);
    return p;
}

FILE *ct_fopen_check(const char *path, const char *mode, const char *file, int line)
{
    FILE *f = fopen(path, mode);
    if (!f) ct_die(file, line, "check the path and its permissions",
                   "cannot open '%s' (mode %s): %s", path, mode, strerror(errno));
    return f;
}

void ct_status_check(cz_status st, const cz_error *err, const char *file, int line)
{
    if (st != CZ_STATUS_OK)
        ct_die(file, line, NULL, "%s: %s", cz_status_name(st),
               err && err->msg[0] ? err->msg : "(no message)");
}

size_t ct_size3(size_t a, size_t b, size_t c)
{
    size_t ab, abc;
    if (!cz_size_mul(&ab, a, b) || !cz_size_mul(&abc, ab, c))
        ct_die(__FILE__, __LINE__, NULL, "size overflow (%zu x %zu x %zu)", a, b, c);
    return abc;
}

long ct_parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        ct_usage_error(cmd, "%s wants an integer in [%ld, %ld], not '%s'", opt, lo, hi, s);
    return v;
}

double ct_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        ct_usage_error(cmd, "%s wants a number in [%g, %g], not '%s'", opt, lo, hi, s);
    return v;
}

double ct_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

char *ct_join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) * 4 + 3;
    char *s = mallocCheck(len), *p = s;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != 0;
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+", *c))
                plain = false;
        if (i) *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
        } else { /* single-quote, escaping embedded quotes as '\'' */
            *p++ = '\'';
            for (const char *c = a; *c; c++) {
                if (*c == '\'') { memcpy(p, "'\\''", 4); p += 4; }
                else *p++ = *c;
            }
            *p++ = '\'';
        }
    }
    *p = 0;
    return s;
}

void ct_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        ct_die(__FILE__, __LINE__, NULL, "path too long: %s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                ct_die(__FILE__, __LINE__, NULL, "cannot create directory '%s': %s", buf, strerror(errno));
            *p = c;
            if (!c) break;
        }
    }
}
