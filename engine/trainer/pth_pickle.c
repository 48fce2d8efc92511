/* pth_pickle.c: a pickle reader that only builds a PyTorch state dict (see
 * pth.h for what it accepts). It never calls anything: the few globals it
 * knows are tags, and REDUCE of one of them is done here by hand (an empty
 * OrderedDict, a tensor view of a storage). Values live in one growing
 * array and refer to each other by index, so a hostile pickle (cycles
 * through the memo, deep nesting) costs no recursion; every count is
 * bounded and every read checked against the end of the pickle. */
#include "pth_pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES (1 << 24)
#define MAX_MEMO (1 << 22)
#define MAX_TENSORS 4096

typedef enum { V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_TUPLE, V_LIST, V_DICT, V_GLOBAL, V_STORAGE, V_TENSOR } vkind;
static const char *const kind_names[] = {"None",  "bool", "int",    "float",   "str",   "tuple",
                                         "list",  "dict", "global", "storage", "tensor"};

typedef enum { G_ORDERED_DICT, G_REBUILD_TENSOR, G_REBUILD_PARAMETER, G_STORAGE } gkind;

static const struct {
    const char *module, *name;
    gkind kind;
    cz_dtype dtype; /* storages */
} globals[] = {
    {"collections", "OrderedDict", G_ORDERED_DICT, 0},
    {"torch._utils", "_rebuild_tensor_v2", G_REBUILD_TENSOR, 0},
    {"torch._utils", "_rebuild_parameter", G_REBUILD_PARAMETER, 0},
    {"torch", "FloatStorage", G_STORAGE, CZ_DTYPE_F32},
    {"torch", "HalfStorage", G_STORAGE, CZ_DTYPE_F16},
    {"torch", "LongStorage", G_STORAGE, CZ_DTYPE_I64},
};

typedef struct {
    vkind kind;
    int64_t i;     /* BOOL, INT; GLOBAL: index into globals */
    const char *s; /* STR (not NUL-terminated), inside the pickle */
    size_t len;
    int *items; /* TUPLE, LIST; DICT: key, value, key, value... */
    int n, cap;
    cz_dtype dtype;            /* STORAGE, TENSOR */
    const unsigned char *data; /* STORAGE, TENSOR */
    size_t count;              /* STORAGE: elements; TENSOR: product of shape */
    int ndim;                  /* TENSOR */
    int64_t shape[CT_PTH_MAX_DIMS];
} val;

typedef struct {
    const unsigned char *start, *p, *end;
    val *vals;
    int nvals, capvals;
    int *stack, sp, capstack;
    int *marks, nmarks, capmarks;
    int *memo, capmemo, nmemo;
    ct_pickle_storage_fn storage;
    void *ctx;
    cz_error *err;
} up;

static cz_status fail(up *u, const char *fmt, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, fmt, what);
    return cz_error_set(u->err, CZ_STATUS_FORMAT_ERROR, "pickle byte %td: %s", u->p - u->start, msg);
}

/* Printable copy of n bytes of s for a message. */
static const char *printable(char *buf, size_t size, const char *s, size_t n)
{
    size_t k = 0;
    for (; k < n && k + 1 < size; k++) buf[k] = s[k] >= 32 && s[k] < 127 ? s[k] : '?';
    buf[k] = 0;
    return buf;
}

static bool grow(void *pbuf, int *cap, int need, size_t elsize)
{
    void **buf = pbuf;
    if (need <= *cap) return true;
    int c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    void *b = realloc(*buf, (size_t)c * elsize);
    if (!b) return false;
    *buf = b;
    *cap = c;
    return true;
}

static int new_val(up *u, vkind k)
{
    if (u->nvals >= MAX_VALUES || !grow(&u->vals, &u->capvals, u->nvals + 1, sizeof(val))) {
        fail(u, "%s", "too many values");
        return -1;
    }
    val *v = &u->vals[u->nvals];
    memset(v, 0, sizeof *v);
    v->kind = k;
    return u->nvals++;
}

static cz_status push(up *u, int v)
{
    if (v < 0) return u->err ? u->err->status : CZ_STATUS_FORMAT_ERROR;
    if (!grow(&u->stack, &u->capstack, u->sp + 1, sizeof(int))) return fail(u, "%s", "out of memory");
    u->stack[u->sp++] = v;
    return CZ_STATUS_OK;
}

/* The top of the stack, above the last mark; -1 (err set) when empty. */
static int pop(up *u)
{
    int floor = u->nmarks ? u->marks[u->nmarks - 1] : 0;
    if (u->sp <= floor) {
        fail(u, "%s", "stack underflow");
        return -1;
    }
    return u->stack[--u->sp];
}

static int top(up *u)
{
    int floor = u->nmarks ? u->marks[u->nmarks - 1] : 0;
    if (u->sp <= floor) {
        fail(u, "%s", "empty stack");
        return -1;
    }
    return u->stack[u->sp - 1];
}

static cz_status add_item(up *u, int container, int v)
{
    val *c = &u->vals[container];
    if (!grow(&c->items, &c->cap, c->n + 1, sizeof(int))) return fail(u, "%s", "out of memory");
    c->items[c->n++] = v;
    return CZ_STATUS_OK;
}

/* Pops to the last mark; the popped values are stack[*from, sp_before). */
static cz_status pop_mark(up *u, int *from)
{
    if (!u->nmarks) return fail(u, "%s", "no mark on the stack");
    *from = u->marks[--u->nmarks];
    return CZ_STATUS_OK;
}

static int make_seq(up *u, vkind k, int from, int to)
{
    int t = new_val(u, k);
    for (int i = from; t >= 0 && i < to; i++)
        if (add_item(u, t, u->stack[i])) return -1;
    return t;
}

static bool need(up *u, size_t n)
{
    if ((size_t)(u->end - u->p) < n) {
        fail(u, "%s", "truncated pickle");
        return false;
    }
    return true;
}

static uint64_t rd(up *u, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | u->p[i];
    u->p += n;
    return v;
}

static int str_val(up *u, size_t len)
{
    if (!need(u, len)) return -1;
    int v = new_val(u, V_STR);
    if (v < 0) return -1;
    u->vals[v].s = (const char *)u->p;
    u->vals[v].len = len;
    u->p += len;
    return v;
}

static int int_val(up *u, int64_t i, vkind k)
{
    int v = new_val(u, k);
    if (v >= 0) u->vals[v].i = i;
    return v;
}

static int global_val(up *u, const char *mod, size_t mlen, const char *name, size_t nlen)
{
    for (size_t g = 0; g < sizeof globals / sizeof globals[0]; g++)
        if (strlen(globals[g].module) == mlen && !memcmp(globals[g].module, mod, mlen) &&
            strlen(globals[g].name) == nlen && !memcmp(globals[g].name, name, nlen))
            return int_val(u, (int64_t)g, V_GLOBAL);
    char m[64], n[64], what[140];
    snprintf(what, sizeof what, "%s.%s", printable(m, sizeof m, mod, mlen), printable(n, sizeof n, name, nlen));
    cz_error_set(u->err, CZ_STATUS_UNSUPPORTED,
                 "refusing global '%s' at pickle byte %td: a plain state_dict needs only OrderedDict, "
                 "torch._utils._rebuild_tensor_v2 and torch storage types; nothing from the file is run",
                 what, u->p - u->start);
    return -1;
}

static bool is_str(const val *v, const char *s)
{
    return v->kind == V_STR && v->len == strlen(s) && !memcmp(v->s, s, v->len);
}

/* BINPERSID: ('storage', torch.<T>Storage, key, location, numel). */
static int persistent_load(up *u, int pid)
{
    const val *t = &u->vals[pid];
    if (t->kind != V_TUPLE || t->n != 5 || !is_str(&u->vals[t->items[0]], "storage"))
        return fail(u, "%s", "persistent id is not a ('storage', type, key, location, numel) tuple"), -1;
    const val *type = &u->vals[t->items[1]], *key = &u->vals[t->items[2]], *numel = &u->vals[t->items[4]];
    if (type->kind != V_GLOBAL || globals[type->i].kind != G_STORAGE)
        return fail(u, "storage type is a %s, not a torch storage type", kind_names[type->kind]), -1;
    if (key->kind != V_STR || key->len == 0 || key->len > 64 || numel->kind != V_INT || numel->i < 0)
        return fail(u, "%s", "bad storage key or size"), -1;
    char k[65];
    memcpy(k, key->s, key->len);
    k[key->len] = 0;
    for (size_t i = 0; i < key->len; i++)
        if (!(k[i] >= '0' && k[i] <= '9') && !(k[i] >= 'a' && k[i] <= 'z') && !(k[i] >= 'A' && k[i] <= 'Z') &&
            k[i] != '_')
            return fail(u, "storage key '%s' is not alphanumeric", printable((char[65]){0}, 65, key->s, key->len)), -1;
    cz_dtype dt = globals[type->i].dtype;
    size_t bytes, count = (size_t)numel->i, have;
    const unsigned char *data;
    if ((uint64_t)numel->i > SIZE_MAX || !cz_size_mul(&bytes, count, cz_dtype_size(dt)))
        return fail(u, "storage '%s' is too large", k), -1;
    if (u->storage(u->ctx, k, &data, &have, u->err)) return -1;
    if (have < bytes) return fail(u, "storage '%s' is shorter than its element count", k), -1;
    int v = new_val(u, V_STORAGE);
    if (v < 0) return -1;
    u->vals[v].dtype = dt;
    u->vals[v].data = data;
    u->vals[v].count = count;
    return v;
}

/* A tuple of ints into shape; false if it is not one. */
static bool int_tuple(up *u, int t, int64_t *out, int *n)
{
    const val *v = &u->vals[t];
    if (v->kind != V_TUPLE || v->n > CT_PTH_MAX_DIMS) return false;
    for (int i = 0; i < v->n; i++) {
        const val *e = &u->vals[v->items[i]];
        if (e->kind != V_INT || e->i < 0) return false;
        out[i] = e->i;
    }
    *n = v->n;
    return true;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]) */
static int rebuild_tensor(up *u, const val *args)
{
    if (args->n != 6 && args->n != 7) return fail(u, "%s", "_rebuild_tensor_v2 takes 6 or 7 arguments"), -1;
    const val *s = &u->vals[args->items[0]], *off = &u->vals[args->items[1]], *hooks = &u->vals[args->items[5]];
    int64_t size[CT_PTH_MAX_DIMS], stride[CT_PTH_MAX_DIMS];
    int nd, ns;
    if (s->kind != V_STORAGE || off->kind != V_INT || off->i < 0 || !int_tuple(u, args->items[2], size, &nd) ||
        !int_tuple(u, args->items[3], stride, &ns) || nd != ns)
        return fail(u, "%s", "_rebuild_tensor_v2 with arguments other than a storage, an offset, sizes and strides"),
               -1;
    if (hooks->kind != V_DICT || hooks->n)
        return fail(u, "%s", "a tensor with backward hooks"), -1;
    size_t count = 1, expect = 1;
    for (int d = nd - 1; d >= 0; d--) {
        if (size[d] != 1 && stride[d] != (int64_t)expect)
            return fail(u, "%s", "a non-contiguous tensor (save tensor.contiguous())"), -1;
        if ((uint64_t)size[d] > SIZE_MAX || !cz_size_mul(&count, count, (size_t)size[d]) ||
            !cz_size_mul(&expect, expect, (size_t)size[d]))
            return fail(u, "%s", "tensor size overflows"), -1;
    }
    if ((uint64_t)off->i > s->count || count > s->count - (size_t)off->i)
        return fail(u, "%s", "a tensor past the end of its storage"), -1;
    const cz_dtype dtype = s->dtype;
    const unsigned char *data = s->data + (size_t)off->i * cz_dtype_size(s->dtype);
    int v = new_val(u, V_TENSOR); /* may move u->vals: s and args are stale after it */
    if (v < 0) return -1;
    val *t = &u->vals[v];
    t->dtype = dtype;
    t->data = data;
    t->count = count;
    t->ndim = nd;
    memcpy(t->shape, size, sizeof size);
    return v;
}

static int reduce(up *u, int fn, int args)
{
    const val *f = &u->vals[fn], *a = &u->vals[args];
    if (f->kind != V_GLOBAL) return fail(u, "refusing to call a %s", kind_names[f->kind]), -1;
    if (a->kind != V_TUPLE) return fail(u, "%s", "call arguments are not a tuple"), -1;
    switch (globals[f->i].kind) {
    case G_ORDERED_DICT:
        if (a->n) return fail(u, "%s", "OrderedDict with arguments"), -1;
        return new_val(u, V_DICT);
    case G_REBUILD_TENSOR: return rebuild_tensor(u, a);
    case G_REBUILD_PARAMETER:
        if (a->n != 3 || u->vals[a->items[0]].kind != V_TENSOR)
            return fail(u, "%s", "_rebuild_parameter of something other than a tensor"), -1;
        return a->items[0];
    default: return fail(u, "refusing to call the storage type %s", globals[f->i].name), -1;
    }
}

static cz_status memo_put(up *u, uint64_t idx)
{
    int v = top(u);
    if (v < 0) return u->err ? u->err->status : CZ_STATUS_FORMAT_ERROR;
    if (idx >= MAX_MEMO) return fail(u, "%s", "memo index too large");
    int old = u->capmemo;
    if (!grow(&u->memo, &u->capmemo, (int)idx + 1, sizeof(int))) return fail(u, "%s", "out of memory");
    for (int i = old; i < u->capmemo; i++) u->memo[i] = -1;
    if (u->memo[idx] < 0) u->nmemo++;
    u->memo[idx] = v;
    return CZ_STATUS_OK;
}

static cz_status memo_get(up *u, uint64_t idx)
{
    if (idx >= (uint64_t)u->capmemo || u->memo[idx] < 0) return fail(u, "%s", "memo entry not set");
    return push(u, u->memo[idx]);
}

/* One opcode; *result is set by STOP. */
static cz_status step(up *u, int *result)
{
    int from = 0, a, b, c;
    cz_status st = CZ_STATUS_OK;
    if (!need(u, 1)) return u->err ? u->err->status : CZ_STATUS_FORMAT_ERROR;
    unsigned op = *u->p++;
    switch (op) {
    case 0x80: /* PROTO */
        if (!need(u, 1)) break;
        if (*u->p < 2 || *u->p > 5) return fail(u, "%s", "pickle protocol outside 2..5");
        u->p++;
        return CZ_STATUS_OK;
    case 0x95: /* FRAME: a size hint */
        if (!need(u, 8)) break;
        u->p += 8;
        return CZ_STATUS_OK;
    case '}': return push(u, new_val(u, V_DICT));
    case ']': return push(u, new_val(u, V_LIST));
    case ')': return push(u, new_val(u, V_TUPLE));
    case 'N': return push(u, new_val(u, V_NONE));
    case 0x88: return push(u, int_val(u, 1, V_BOOL));
    case 0x89: return push(u, int_val(u, 0, V_BOOL));
    case 'K': return need(u, 1) ? push(u, int_val(u, (int64_t)rd(u, 1), V_INT)) : CZ_STATUS_FORMAT_ERROR;
    case 'M': return need(u, 2) ? push(u, int_val(u, (int64_t)rd(u, 2), V_INT)) : CZ_STATUS_FORMAT_ERROR;
    case 'J': return need(u, 4) ? push(u, int_val(u, (int32_t)(uint32_t)rd(u, 4), V_INT)) : CZ_STATUS_FORMAT_ERROR;
    case 0x8a: { /* LONG1 */
        if (!need(u, 1)) break;
        int n = *u->p++;
        if (n > 8) return fail(u, "%s", "integer wider than 64 bits");
        if (!need(u, (size_t)n)) break;
        uint64_t v = rd(u, n);
        if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~(uint64_t)0 << (8 * n);
        return push(u, int_val(u, (int64_t)v, V_INT));
    }
    case 'G': /* BINFLOAT: big-endian; only ever metadata here */
        if (need(u, 8)) u->p += 8;
        else break;
        return push(u, new_val(u, V_FLOAT));
    case 'X': return need(u, 4) ? push(u, str_val(u, rd(u, 4))) : CZ_STATUS_FORMAT_ERROR;
    case 0x8c: return need(u, 1) ? push(u, str_val(u, rd(u, 1))) : CZ_STATUS_FORMAT_ERROR;
    case 0x8d: return need(u, 8) ? push(u, str_val(u, rd(u, 8))) : CZ_STATUS_FORMAT_ERROR;
    case '(':
        if (!grow(&u->marks, &u->capmarks, u->nmarks + 1, sizeof(int))) return fail(u, "%s", "out of memory");
        u->marks[u->nmarks++] = u->sp;
        return CZ_STATUS_OK;
    case 't':
        if ((st = pop_mark(u, &from))) return st;
        a = make_seq(u, V_TUPLE, from, u->sp);
        u->sp = from;
        return push(u, a);
    case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
        int n = (int)op - 0x84, floor = u->nmarks ? u->marks[u->nmarks - 1] : 0;
        if (u->sp - floor < n) return fail(u, "%s", "stack underflow");
        a = make_seq(u, V_TUPLE, u->sp - n, u->sp);
        u->sp -= n;
        return push(u, a);
    }
    case 'q': return need(u, 1) ? memo_put(u, rd(u, 1)) : CZ_STATUS_FORMAT_ERROR;
    case 'r': return need(u, 4) ? memo_put(u, rd(u, 4)) : CZ_STATUS_FORMAT_ERROR;
    case 0x94: return memo_put(u, (uint64_t)u->nmemo);
    case 'h': return need(u, 1) ? memo_get(u, rd(u, 1)) : CZ_STATUS_FORMAT_ERROR;
    case 'j': return need(u, 4) ? memo_get(u, rd(u, 4)) : CZ_STATUS_FORMAT_ERROR;
    case 'c': { /* GLOBAL "module\nname\n" */
        const unsigned char *m = u->p, *nl1 = memchr(m, '\n', (size_t)(u->end - m));
        const unsigned char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(u->end - nl1 - 1)) : NULL;
        if (!nl2) return fail(u, "%s", "truncated GLOBAL");
        u->p = nl2 + 1;
        return push(u, global_val(u, (const char *)m, (size_t)(nl1 - m), (const char *)nl1 + 1,
                                  (size_t)(nl2 - nl1 - 1)));
    }
    case 0x93: /* STACK_GLOBAL */
        if ((b = pop(u)) < 0 || (a = pop(u)) < 0) break;
        if (u->vals[a].kind != V_STR || u->vals[b].kind != V_STR)
            return fail(u, "%s", "STACK_GLOBAL of non-strings");
        return push(u, global_val(u, u->vals[a].s, u->vals[a].len, u->vals[b].s, u->vals[b].len));
    case 'Q': /* BINPERSID */
        if ((a = pop(u)) < 0) break;
        return push(u, persistent_load(u, a));
    case 'R':
        if ((b = pop(u)) < 0 || (a = pop(u)) < 0) break;
        return push(u, reduce(u, a, b));
    case 'b': /* BUILD: only OrderedDict's state (a state_dict's _metadata), dropped */
        if ((b = pop(u)) < 0 || (a = top(u)) < 0) break;
        if (u->vals[a].kind != V_DICT) return fail(u, "refusing BUILD of a %s", kind_names[u->vals[a].kind]);
        return CZ_STATUS_OK;
    case 's':
        if ((c = pop(u)) < 0 || (b = pop(u)) < 0 || (a = top(u)) < 0) break;
        if (u->vals[a].kind != V_DICT) return fail(u, "SETITEM on a %s", kind_names[u->vals[a].kind]);
        if ((st = add_item(u, a, b))) return st;
        return add_item(u, a, c);
    case 'u': case 'e': { /* SETITEMS, APPENDS */
        if ((st = pop_mark(u, &from))) return st;
        int floor = u->nmarks ? u->marks[u->nmarks - 1] : 0;
        vkind want = op == 'u' ? V_DICT : V_LIST;
        if (from <= floor || u->vals[u->stack[from - 1]].kind != want)
            return fail(u, "%s", op == 'u' ? "SETITEMS without a dict" : "APPENDS without a list");
        if (op == 'u' && (u->sp - from) % 2) return fail(u, "%s", "SETITEMS with an odd count");
        for (int i = from; i < u->sp; i++)
            if ((st = add_item(u, u->stack[from - 1], u->stack[i]))) return st;
        u->sp = from;
        return CZ_STATUS_OK;
    }
    case 'a':
        if ((b = pop(u)) < 0 || (a = top(u)) < 0) break;
        if (u->vals[a].kind != V_LIST) return fail(u, "APPEND to a %s", kind_names[u->vals[a].kind]);
        return add_item(u, a, b);
    case '.':
        if ((a = pop(u)) < 0) break;
        *result = a;
        return CZ_STATUS_OK;
    default: {
        char what[24];
        snprintf(what, sizeof what, "0x%02x", op);
        return fail(u, "refusing pickle opcode %s (not used by a plain state_dict)", what);
    }
    }
    return u->err && u->err->status ? u->err->status : CZ_STATUS_FORMAT_ERROR;
}

/* The dict holding the tensors: top, or its "state_dict" / "model" entry. */
static const val *find_state_dict(up *u, int result, cz_error *err)
{
    const val *d = &u->vals[result];
    if (d->kind != V_DICT) {
        cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "the checkpoint holds a %s, not a state_dict", kind_names[d->kind]);
        return NULL;
    }
    for (int i = 0; i + 1 < d->n; i += 2) {
        const val *k = &u->vals[d->items[i]], *v = &u->vals[d->items[i + 1]];
        if ((is_str(k, "state_dict") || is_str(k, "model")) && v->kind == V_DICT) return v;
    }
    return d;
}

static cz_status collect(up *u, int result, ct_pth_tensor **out, size_t *nout, cz_error *err)
{
    const val *d = find_state_dict(u, result, err);
    if (!d) return err ? err->status : CZ_STATUS_FORMAT_ERROR;
    if (d->n / 2 > MAX_TENSORS)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "the state_dict has more than %d entries", MAX_TENSORS);
    ct_pth_tensor *t = calloc((size_t)d->n / 2 + 1, sizeof *t);
    if (!t) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    size_t n = 0;
    char buf[100];
    for (int i = 0; i + 1 < d->n; i += 2, n++) {
        const val *k = &u->vals[d->items[i]], *v = &u->vals[d->items[i + 1]];
        if (k->kind != V_STR) {
            free(t);
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "a state_dict key is a %s, not a string",
                                kind_names[k->kind]);
        }
        const char *name = k->s;
        size_t len = k->len;
        if (len > 7 && !memcmp(name, "module.", 7)) name += 7, len -= 7;
        printable(buf, sizeof buf, name, len);
        if (v->kind != V_TENSOR || len >= sizeof t->name || memchr(name, 0, len)) {
            free(t);
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "state_dict entry '%s' is %s", buf,
                                v->kind != V_TENSOR ? kind_names[v->kind] : "a name too long");
        }
        for (size_t j = 0; j < n; j++)
            if (strlen(t[j].name) == len && !memcmp(t[j].name, name, len)) {
                free(t);
                return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "state_dict entry '%s' appears twice", buf);
            }
        memcpy(t[n].name, name, len);
        t[n].dtype = v->dtype;
        t[n].ndim = v->ndim;
        memcpy(t[n].shape, v->shape, sizeof v->shape);
        t[n].count = v->count;
        t[n].data = v->data;
    }
    *out = t;
    *nout = n;
    return CZ_STATUS_OK;
}

cz_status ct_pickle_state_dict(const unsigned char *pkl, size_t len, ct_pickle_storage_fn storage, void *ctx,
                               ct_pth_tensor **out, size_t *n, cz_error *err)
{
    up u = {.start = pkl, .p = pkl, .end = pkl + len, .storage = storage, .ctx = ctx, .err = err};
    int result = -1;
    cz_status st = CZ_STATUS_OK;
    if (len < 2 || pkl[0] != 0x80)
        st = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "data.pkl is not a pickle of protocol 2 or later");
    while (!st && result < 0) st = step(&u, &result);
    if (!st) st = collect(&u, result, out, n, err);
    for (int i = 0; i < u.nvals; i++) free(u.vals[i].items);
    free(u.vals);
    free(u.stack);
    free(u.marks);
    free(u.memo);
    return st;
}
