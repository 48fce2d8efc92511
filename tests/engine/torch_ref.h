/* torch_ref.h: reads the reference values that tests/engine/torch_layers.py
 * prints (PyTorch under /usr/bin/python3): records "NAME COUNT v0 v1 ...".
 * A missing torch is a failure with a message, never a silent skip. */
#ifndef TORCH_REF_H
#define TORCH_REF_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct {
    char name[64];
    size_t n;
    float *v;
} torch_rec;

typedef struct {
    torch_rec rec[64];
    size_t count;
} torch_refs;

/* Runs the script; false (with a message) when it cannot. */
static bool torch_refs_load(torch_refs *t, const char *section)
{
    char cmd[4096], name[64];
    size_t n;
    const char *root = getenv("COROLIZATION_SOURCE_ROOT");
    t->count = 0;
    if (!root) {
        fprintf(stderr, "PyTorch comparison: COROLIZATION_SOURCE_ROOT is not set "
                        "(meson test sets it to the source root)\n");
        return false;
    }
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/engine/torch_layers.py' %s", root,
             section);
    FILE *f = popen(cmd, "r");
    if (!f) {
        fprintf(stderr, "PyTorch comparison: cannot run %s\n", cmd);
        return false;
    }
    while (t->count < 64 && fscanf(f, "%63s %zu", name, &n) == 2) {
        torch_rec *r = &t->rec[t->count];
        r->v = malloc((n ? n : 1) * sizeof(float));
        if (!r->v) break;
        snprintf(r->name, sizeof r->name, "%s", name);
        r->n = n;
        size_t i = 0;
        while (i < n && fscanf(f, "%f", &r->v[i]) == 1) i++;
        t->count++;
        if (i != n) break;
    }
    int rc = pclose(f);
    if (rc != 0) {
        fprintf(stderr, "PyTorch comparison FAILED: '%s' exited with status %d; "
                        "is python3-torch installed for /usr/bin/python3?\n", cmd,
                WIFEXITED(rc) ? WEXITSTATUS(rc) : rc);
        return false;
    }
    return true;
}

static const float *torch_refs_get(const torch_refs *t, const char *name, size_t n)
{
    for (size_t i = 0; i < t->count; i++)
        if (!strcmp(t->rec[i].name, name)) return t->rec[i].n == n ? t->rec[i].v : NULL;
    return NULL;
}

static void torch_refs_free(torch_refs *t)
{
    for (size_t i = 0; i < t->count; i++) free(t->rec[i].v);
    t->count = 0;
}

/* Same deterministic input as torch_layers.py's gen(). */
static void gen(float *x, size_t n, double a, double b, double c)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(a * sin(b * (double)i + c));
}

#endif
