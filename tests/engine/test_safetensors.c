/* test_safetensors.c: the model file format: half/bfloat16 conversion
 * (exhaustive, and against numpy/torch), write/read round trips, files
 * written by and for PyTorch (/usr/bin/python3, a hand-made struct+json
 * writer since the safetensors package is not in Debian), hostile headers,
 * every truncation of a valid file, and atomic replacement on write. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "half.h"
#include "safetensors.h"

static check_state S;
static char dir[64]; /* scratch folder from mkdtemp */

static const char *py_script =
    "import sys, json, struct\n"
    "import numpy as np\n"
    "def val(i): return ((i % 97) * 0.37 - 17.0) * 2.0 ** ((i % 11) - 5)\n"
    "mode = sys.argv[1]\n"
    "if mode == 'f16':\n"
    "    a = np.fromfile(sys.argv[2], dtype='<f4')\n"
    "    with np.errstate(over='ignore'): a = a.astype(np.float16)\n"
    "    a.view('<u2').tofile(sys.argv[3]); sys.exit(0)\n"
    "import torch\n"
    "T = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64}\n"
    "I = {'F32': torch.int32, 'F16': torch.int16, 'BF16': torch.int16, 'I64': torch.int64}\n"
    "def ref(dt, shape):\n"
    "    n = int(np.prod(shape))\n"
    "    if dt == 'I64': return torch.tensor([i * 1000 - 7 for i in range(n)], dtype=torch.int64).reshape(shape)\n"
    "    return torch.tensor([val(i) for i in range(n)], dtype=torch.float32).to(T[dt]).reshape(shape)\n"
    "if mode == 'bf16':\n"
    "    a = torch.from_numpy(np.fromfile(sys.argv[2], dtype='<f4'))\n"
    "    a.to(torch.bfloat16).view(torch.int16).numpy().tofile(sys.argv[3]); sys.exit(0)\n"
    "if mode == 'verify':\n"
    "    b = open(sys.argv[2], 'rb').read()\n"
    "    n, = struct.unpack('<Q', b[:8])\n"
    "    assert n % 8 == 0 and len(b) >= 8 + n, 'header size'\n"
    "    h = json.loads(b[8:8 + n].decode('utf-8')); buf = b[8 + n:]\n"
    "    assert h.pop('__metadata__') == {'format': 'pt', 'note': 'caf\\u00e9 \"quoted\"'}, 'metadata'\n"
    "    want = {'w.f32': ('F32', [3, 5, 7]), 'w.f16': ('F16', [2, 129]),\n"
    "            'w.bf16': ('BF16', [1000]), 'scalar': ('F32', [])}\n"
    "    assert sorted(h) == sorted(want), sorted(h)\n"
    "    end = 0\n"
    "    for k, (dt, shape) in want.items():\n"
    "        e = h[k]; b0, b1 = e['data_offsets']\n"
    "        assert e['dtype'] == dt and e['shape'] == shape, (k, e)\n"
    "        got = torch.frombuffer(bytearray(buf[b0:b1]), dtype=T[dt]).reshape(shape)\n"
    "        r = ref(dt, shape)\n"
    "        assert torch.equal(got.view(I[dt]), r.view(I[dt])), k\n"
    "        end = max(end, b1)\n"
    "    assert end == len(buf), 'trailing bytes'\n"
    "    print('python: C-written file verified'); sys.exit(0)\n"
    "if mode == 'write':\n"
    "    ts = {'a.f32': ('F32', [4, 6]), 'b.f16': ('F16', [3, 3, 3]), 'c.bf16': ('BF16', [17]),\n"
    "          'd.i64': ('I64', [5]), 'e.empty': ('F32', [0, 4])}\n"
    "    size = {'F32': 4, 'F16': 2, 'BF16': 2, 'I64': 8}\n"
    "    order = sorted(ts, key=lambda k: (-size[ts[k][0]], k))  # as safetensors does\n"
    "    hdr = {'__metadata__': {'format': 'pt', 'source': 'python'}}; data = b''\n"
    "    for k in order:\n"
    "        dt, shape = ts[k]\n"
    "        raw = ref(dt, shape).view(I[dt]).numpy().tobytes()\n"
    "        hdr[k] = {'dtype': dt, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}\n"
    "        data += raw\n"
    "    j = json.dumps(hdr, separators=(',', ':')).encode()\n"
    "    j += b' ' * ((8 - len(j) % 8) % 8)\n"
    "    open(sys.argv[2], 'wb').write(struct.pack('<Q', len(j)) + j + data); sys.exit(0)\n"
    "sys.exit(2)\n";

static float val(size_t i) { return (float)(((double)(i % 97) * 0.37 - 17.0) * ldexp(1.0, (int)(i % 11) - 5)); }

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static int run_py(const char *args)
{
    char script[128], cmd[1024];
    path_of(script, sizeof script, "helper.py");
    FILE *f = fopen(script, "w");
    if (!f) return -1;
    fputs(py_script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", script, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float bitsf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* Independent bfloat16 reference: the nearer of the two neighbours, ties to even. */
static uint16_t bf16_ref(float f)
{
    uint32_t lo = fbits(f) & 0xffff0000u, hi = lo + 0x10000u;
    if (isinf(f)) return (uint16_t)(lo >> 16);
    double dl = fabs((double)f - (double)bitsf(lo)), dh = fabs((double)f - (double)bitsf(hi));
    if (isinf(bitsf(hi)) && !isinf(f)) dh = fabs((double)f - 0x1p128 * (f < 0 ? -1 : 1));
    if (dl < dh || (dl == dh && !((lo >> 16) & 1))) return (uint16_t)(lo >> 16);
    return (uint16_t)(hi >> 16);
}

static void test_f16(void)
{
    int bad_rt = 0, bad_val = 0, bad_mid = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = cz_f16_to_f32((uint16_t)h);
        uint16_t back = cz_f32_to_f16(f);
        uint32_t e = (h >> 10) & 31, m = h & 0x3ff;
        if (e == 31 && m) { /* NaN: quiet bit set, payload and sign kept */
            if (!isnan(f) || back != (h | 0x200)) bad_rt++;
            continue;
        }
        if (back != h) bad_rt++;
        double want = e == 0 ? ldexp(m, -24) : e == 31 ? INFINITY : ldexp(1024 + m, (int)e - 25);
        if (h & 0x8000) want = -want;
        if ((double)f != want || !!signbit(f) != !!(h & 0x8000)) bad_val++;
        /* Midpoints to the next half (exact in float) round to the even one. */
        if (!(h & 0x8000) && h < 0x7bff) {
            float mid = (float)(((double)f + (double)cz_f16_to_f32((uint16_t)(h + 1))) / 2);
            uint16_t even = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;
            if (cz_f32_to_f16(mid) != even || cz_f32_to_f16(nextafterf(mid, 0)) != h ||
                cz_f32_to_f16(nextafterf(mid, INFINITY)) != h + 1)
                bad_mid++;
        }
    }
    CHECK(&S, bad_rt == 0, "f16->f32->f16: %d of 65536 patterns differ", bad_rt);
    CHECK(&S, bad_val == 0, "f16->f32: %d values wrong", bad_val);
    CHECK(&S, bad_mid == 0, "f32->f16 rounding at midpoints: %d wrong", bad_mid);
    CHECK(&S, cz_f32_to_f16(65520.0f) == 0x7c00, "65520 -> inf");
    CHECK(&S, cz_f32_to_f16(nextafterf(65520.0f, 0)) == 0x7bff, "just below 65520 -> 65504");
    CHECK(&S, cz_f32_to_f16(0x1p-25f) == 0x0000, "2^-25 ties to 0");
    CHECK(&S, cz_f32_to_f16(nextafterf(0x1p-25f, 1)) == 0x0001, "above 2^-25 -> 2^-24");
    CHECK(&S, cz_f32_to_f16(-0.0f) == 0x8000 && cz_f32_to_f16(-INFINITY) == 0xfc00, "-0, -inf");
    CHECK(&S, cz_f32_to_f16(1e30f) == 0x7c00 && cz_f32_to_f16(1.0f) == 0x3c00, "1e30, 1");
    uint16_t hn = cz_f32_to_f16(NAN);
    CHECK(&S, (hn & 0x7c00) == 0x7c00 && (hn & 0x3ff), "NaN stays NaN (%04x)", hn);

    /* Random floats (weighted to the half range) against numpy and torch. */
    enum { N = 20000 };
    static float x[N];
    static uint16_t ynp[N], ybf[N];
    uint64_t rng = 7;
    for (int i = 0; i < N; i++) {
        uint32_t u = (uint32_t)cz_rng_next(&rng);
        if (i % 2) u = (u & 0x807fffffu) | ((90 + cz_rng_below(&rng, 60)) << 23);
        if ((u & 0x7fffffffu) > 0x7f800000u) u = 0x3f800000u;
        x[i] = bitsf(u);
    }
    char in[128], o1[128], o2[128], args[512];
    path_of(in, sizeof in, "x.f32");
    path_of(o1, sizeof o1, "x.f16");
    path_of(o2, sizeof o2, "x.bf16");
    FILE *f = fopen(in, "wb");
    fwrite(x, 4, N, f);
    fclose(f);
    snprintf(args, sizeof args, "f16 %s %s", in, o1);
    int rc1 = run_py(args);
    snprintf(args, sizeof args, "bf16 %s %s", in, o2);
    int rc2 = run_py(args);
    CHECK(&S, rc1 == 0 && rc2 == 0, "python conversion helper failed (%d, %d)", rc1, rc2);
    size_t r1 = 0, r2 = 0;
    if ((f = fopen(o1, "rb"))) { r1 = fread(ynp, 2, N, f); fclose(f); }
    if ((f = fopen(o2, "rb"))) { r2 = fread(ybf, 2, N, f); fclose(f); }
    CHECK(&S, r1 == N && r2 == N, "python outputs short");
    int bad_np = 0, bad_bf = 0;
    for (int i = 0; i < N; i++) {
        if (cz_f32_to_f16(x[i]) != ynp[i]) bad_np++;
        if (bf16_ref(x[i]) != ybf[i]) bad_bf++;
    }
    CHECK(&S, bad_np == 0, "f32->f16 differs from numpy on %d of %d", bad_np, N);
    CHECK(&S, bad_bf == 0, "bf16 reference differs from torch on %d of %d", bad_bf, N);
    printf("  f16: 65536 patterns round trip; %d random floats match numpy float16, torch bfloat16\n", N);
}

/* ---- round trip ---- */

static float *fill(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = val(i);
    return p;
}

static size_t write_standard(const char *path)
{
    static float *a, *b, *c, *d;
    if (!a) { a = fill(105); b = fill(258); c = fill(1000); d = fill(1); }
    cz_st_entry e[] = {
        {"w.f32", CZ_DTYPE_F32, 3, {3, 5, 7}, a},
        {"w.f16", CZ_DTYPE_F16, 2, {2, 129}, b},
        {"w.bf16", CZ_DTYPE_BF16, 1, {1000}, c},
        {"scalar", CZ_DTYPE_F32, 0, {0}, d},
    };
    const char *meta[] = {"format", "pt", "note", "caf\xc3\xa9 \"quoted\"", NULL};
    cz_error err = {0};
    cz_status s = cz_safetensors_write(path, e, 4, meta, &err);
    CHECK(&S, s == CZ_STATUS_OK, "write %s: %s", path, err.msg);
    return 4;
}

static void test_roundtrip(void)
{
    char p[128];
    path_of(p, sizeof p, "rt.safetensors");
    write_standard(p);
    cz_error err = {0};
    cz_safetensors *st = cz_safetensors_open(p, &err);
    CHECK(&S, st != NULL, "open: %s", err.msg);
    if (!st) return;
    CHECK(&S, cz_safetensors_count(st) == 4, "count %zu", cz_safetensors_count(st));
    const char *order[] = {"w.f32", "w.f16", "w.bf16", "scalar"};
    for (size_t i = 0; i < 4; i++) {
        const cz_st_tensor *t = cz_safetensors_get(st, i);
        CHECK(&S, t && strcmp(t->name, order[i]) == 0, "get(%zu) is %s", i, t ? t->name : "NULL");
        CHECK(&S, cz_safetensors_find(st, order[i]) == t, "find %s", order[i]);
    }
    CHECK(&S, cz_safetensors_get(st, 4) == NULL && cz_safetensors_find(st, "nope") == NULL, "misses");
    CHECK(&S, strcmp(cz_safetensors_metadata(st, "format"), "pt") == 0, "metadata format");
    CHECK(&S, strcmp(cz_safetensors_metadata(st, "note"), "caf\xc3\xa9 \"quoted\"") == 0, "metadata note");
    CHECK(&S, cz_safetensors_metadata(st, "w.f32") == NULL, "metadata miss");

    const cz_st_tensor *t = cz_safetensors_find(st, "w.f32");
    CHECK(&S, t->dtype == CZ_DTYPE_F32 && t->ndim == 3 && t->shape[0] == 3 && t->shape[2] == 7 &&
              t->count == 105 && t->nbytes == 420, "w.f32 header");
    float out[1000];
    int bad = 0;
    CHECK(&S, cz_st_tensor_read_f32(t, out, 105, &err) == CZ_STATUS_OK, "read f32: %s", err.msg);
    for (size_t i = 0; i < 105; i++) bad += fbits(out[i]) != fbits(val(i));
    CHECK(&S, bad == 0, "F32 not exact in %d places", bad);

    t = cz_safetensors_find(st, "w.f16");
    CHECK(&S, t->dtype == CZ_DTYPE_F16 && t->count == 258 && t->nbytes == 516, "w.f16 header");
    CHECK(&S, cz_st_tensor_read_f32(t, out, 258, &err) == CZ_STATUS_OK, "read f16: %s", err.msg);
    bad = 0;
    double worst = 0;
    for (size_t i = 0; i < 258; i++) {
        bad += out[i] != cz_f16_to_f32(cz_f32_to_f16(val(i)));
        double r = fabs(out[i] - val(i)) / fabs(val(i));
        if (r > worst) worst = r;
    }
    CHECK(&S, bad == 0 && worst <= 0x1p-11, "F16: %d wrong, worst rel err %.3g", bad, worst);

    t = cz_safetensors_find(st, "w.bf16");
    CHECK(&S, cz_st_tensor_read_f32(t, out, 1000, &err) == CZ_STATUS_OK, "read bf16: %s", err.msg);
    bad = 0;
    worst = 0;
    for (size_t i = 0; i < 1000; i++) {
        bad += fbits(out[i]) != (uint32_t)bf16_ref(val(i)) << 16;
        double r = fabs(out[i] - val(i)) / fabs(val(i));
        if (r > worst) worst = r;
    }
    CHECK(&S, bad == 0 && worst <= 0x1p-8, "BF16: %d wrong, worst rel err %.3g", bad, worst);

    t = cz_safetensors_find(st, "scalar");
    CHECK(&S, t->ndim == 0 && t->count == 1 && cz_st_tensor_read_f32(t, out, 1, &err) == 0 &&
              out[0] == val(0), "scalar");
    CHECK(&S, cz_st_tensor_read_f32(t, out, 2, &err) == CZ_STATUS_INVALID_ARGUMENT &&
              strstr(err.msg, "scalar"), "count mismatch: %s", err.msg);
    cz_safetensors_close(st);

    /* The file from C, checked by Python + torch bit for bit. */
    char args[256];
    snprintf(args, sizeof args, "verify %s", p);
    CHECK(&S, run_py(args) == 0, "python could not verify the C-written file");
}

static void test_from_python(void)
{
    char p[128], args[256];
    path_of(p, sizeof p, "py.safetensors");
    snprintf(args, sizeof args, "write %s", p);
    CHECK(&S, run_py(args) == 0, "python writer failed");
    cz_error err = {0};
    cz_safetensors *st = cz_safetensors_open(p, &err);
    CHECK(&S, st != NULL, "open python file: %s", err.msg);
    if (!st) return;
    CHECK(&S, cz_safetensors_count(st) == 5, "count %zu", cz_safetensors_count(st));
    CHECK(&S, strcmp(cz_safetensors_metadata(st, "source"), "python") == 0, "metadata source");
    float out[64];
    int bad = 0;
    const cz_st_tensor *t = cz_safetensors_find(st, "a.f32");
    CHECK(&S, t && t->count == 24 && cz_st_tensor_read_f32(t, out, 24, &err) == 0, "a.f32: %s", err.msg);
    for (size_t i = 0; t && i < 24; i++) bad += fbits(out[i]) != fbits(val(i));
    t = cz_safetensors_find(st, "b.f16");
    CHECK(&S, t && t->ndim == 3 && cz_st_tensor_read_f32(t, out, 27, &err) == 0, "b.f16: %s", err.msg);
    for (size_t i = 0; t && i < 27; i++) bad += out[i] != cz_f16_to_f32(cz_f32_to_f16(val(i)));
    t = cz_safetensors_find(st, "c.bf16");
    CHECK(&S, t && cz_st_tensor_read_f32(t, out, 17, &err) == 0, "c.bf16: %s", err.msg);
    for (size_t i = 0; t && i < 17; i++) bad += fbits(out[i]) != (uint32_t)bf16_ref(val(i)) << 16;
    CHECK(&S, bad == 0, "%d values differ from torch's", bad);
    t = cz_safetensors_find(st, "d.i64");
    CHECK(&S, t && t->dtype == CZ_DTYPE_I64 && t->nbytes == 40, "d.i64 header");
    if (t) {
        int64_t v[5];
        memcpy(v, t->data, 40);
        CHECK(&S, v[0] == -7 && v[4] == 3993, "i64 data %lld %lld", (long long)v[0], (long long)v[4]);
        CHECK(&S, cz_st_tensor_read_f32(t, out, 5, &err) == CZ_STATUS_UNSUPPORTED &&
                  strstr(err.msg, "d.i64") && strstr(err.msg, "not a float"), "i64 read: %s", err.msg);
    }
    t = cz_safetensors_find(st, "e.empty");
    CHECK(&S, t && t->count == 0 && t->nbytes == 0 && cz_st_tensor_read_f32(t, out, 0, &err) == 0,
          "empty tensor");
    cz_safetensors_close(st);
}

/* ---- hostile input ---- */

static uint8_t *make(const char *json, size_t data_len, size_t *size)
{
    size_t n = strlen(json);
    *size = 8 + n + data_len;
    uint8_t *b = calloc(1, *size);
    uint64_t hn = n;
    memcpy(b, &hn, 8);
    memcpy(b + 8, json, n);
    return b;
}

static void expect_fail(int line, const char *json, size_t data_len, const char *want)
{
    size_t size;
    uint8_t *b = make(json, data_len, &size);
    cz_error err = {0};
    cz_safetensors *st = cz_safetensors_open_memory(b, size, &err);
    CHECK(&S, st == NULL && err.status == CZ_STATUS_FORMAT_ERROR && strstr(err.msg, want),
          "line %d: expected error with '%s', got %s '%s'", line, want, st ? "success" : "error", err.msg);
    cz_safetensors_close(st);
    free(b);
}
#define BAD(json, len, want) expect_fail(__LINE__, json, len, want)
#define T1(body) "{\"t\":{" body "}}"

static void test_hostile(void)
{
    BAD("[1,2]", 0, "not a single JSON object");
    BAD("\"I64\"{}", 0, "not a single JSON object");
    BAD("{\"a\":1}{\"b\":2}", 0, "not a single JSON object (byte 7)");
    BAD("", 0, "not a JSON object");
    BAD("{\"a\":", 0, "not valid JSON");
    BAD("{\"a\":1}xyz", 0, "not a single JSON object");
    BAD("{\"a\":[1,}", 0, "not valid JSON");
    BAD("{/*c*/}", 0, "unexpected '/'");
    BAD("{'t':{}}", 0, "unexpected '''");
    BAD("{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0, "nests deeper");
    BAD("{\"\xff\":1}", 0, "UTF-8");
    /* \\u escapes: 4 hex digits, and a high surrogate followed by a low one, a
     * low one not alone (json-glib leaked on such, found by the fuzzer). */
    BAD("{\"\\ud800\\u0041\":1}", 0, "unpaired UTF-16 surrogate escape at byte 2");
    BAD("{\"a\":\"\\udc00\"}", 0, "unpaired UTF-16 surrogate");
    BAD("{\"a\":\"\\ud83d\"}", 0, "unpaired UTF-16 surrogate");
    BAD("{\"a\\u00_a\":1}", 0, "\\u not followed by 4 hex digits at byte 3");
    {
        /* A well-formed pair and a plain escape are still JSON we accept. */
        size_t size;
        uint8_t *b = make("{\"__metadata__\":{\"n\":\"caf\\u00e9 \\ud83d\\ude00\"}}", 0, &size);
        cz_error err = {0};
        cz_safetensors *st = cz_safetensors_open_memory(b, size, &err);
        CHECK(&S, st != NULL, "escapes \\u00e9 and a surrogate pair: %s", err.msg);
        cz_safetensors_close(st);
        free(b);
    }
    BAD("{\"t\":5}", 0, "tensor \"t\": entry is not a JSON object");
    BAD(T1("\"shape\":[1],\"data_offsets\":[0,4]"), 4, "tensor \"t\": no dtype");
    BAD(T1("\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]"), 4, "tensor \"t\": dtype is not a string");
    BAD(T1("\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]"), 8, "unsupported dtype \"F64\"");
    BAD(T1("\"dtype\":\"F32\",\"shape\":\"x\",\"data_offsets\":[0,4]"), 4, "shape is missing or not an array");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]"), 4, "shape[0] is not a non-negative");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]"), 4, "shape[0] is not a non-negative");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]"), 4, "9 dimensions");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]"), 4,
        "shape product overflows");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]"), 4, "byte size overflows");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]"), 4, "not an array of two integers");
    /* json-glib 1.6 (Debian 12) wraps 2^64-1 to -1, 1.10 (Debian 13) saturates it
     * to INT64_MAX: refused either way, for its sign or for its end. */
    BAD(T1("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]"), 4, "data_offsets");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]"), 8, "begin after end");
    BAD(T1("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]"), 8, "span 4 bytes, shape and dtype F32 need 8");
    BAD("{\"model1.0.weight\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", 320,
        "tensor \"model1.0.weight\": data_offsets [0, 400] end beyond the data buffer (320 bytes)");
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
        "tensor \"b\": data_offsets [4, 12] overlap tensor \"a\" [0, 8]");
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "tensor \"a\": name appears twice");
    BAD("{\"__metadata__\":{\"k\":1}}", 0, "__metadata__ \"k\": value is not a string");
    BAD("{\"__metadata__\":[]}", 0, "__metadata__ is not a JSON object");

    cz_error err = {0};
    uint8_t small[7] = {0};
    CHECK(&S, !cz_safetensors_open_memory(small, 7, &err) && strstr(err.msg, "shorter than"), "7 bytes: %s", err.msg);
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'};
    CHECK(&S, !cz_safetensors_open_memory(huge, 16, &err) && strstr(err.msg, "exceeds the 8 bytes"),
          "huge header size: %s", err.msg);
    size_t big = 100000016; /* calloc'ed zero pages: never touched */
    uint8_t *bb = calloc(1, big);
    uint64_t hn = 100000001;
    memcpy(bb, &hn, 8);
    CHECK(&S, !cz_safetensors_open_memory(bb, big, &err) && strstr(err.msg, "100 MB"), "over 100 MB: %s", err.msg);
    free(bb);

    /* Accepted: gaps, empty and scalar tensors, unaligned F32 after an F16. */
    size_t size;
    uint8_t *b = make("{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                      "\"f\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[2,6]},"
                      "\"z\":{\"dtype\":\"BF16\",\"shape\":[3,0],\"data_offsets\":[6,6]},"
                      "\"g\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[10,14]}}   ", 14, &size);
    float one = 1.5f, v = 0;
    uint16_t h = cz_f32_to_f16(-2.0f);
    memcpy(b + size - 14, &h, 2);
    memcpy(b + size - 12, &one, 4);
    cz_safetensors *st = cz_safetensors_open_memory(b, size, &err);
    CHECK(&S, st && cz_safetensors_count(st) == 4, "valid edge cases rejected: %s", err.msg);
    if (st) {
        CHECK(&S, cz_st_tensor_read_f32(cz_safetensors_find(st, "f"), &v, 1, &err) == 0 && v == 1.5f,
              "unaligned f32 %g", v);
        CHECK(&S, cz_st_tensor_read_f32(cz_safetensors_find(st, "h"), &v, 1, &err) == 0 && v == -2.0f, "f16 %g", v);
    }
    cz_safetensors_close(st);
    free(b);

    /* Every prefix of a valid file must fail cleanly. */
    char p[128];
    path_of(p, sizeof p, "trunc.safetensors");
    write_standard(p);
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    size = (size_t)ftell(f);
    rewind(f);
    b = malloc(size);
    CHECK(&S, fread(b, 1, size, f) == size, "read back");
    fclose(f);
    int accepted = 0, unnamed = 0;
    for (size_t n = 0; n < size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees overreads */
        memcpy(copy, b, n);
        err.msg[0] = 0;
        st = cz_safetensors_open_memory(copy, n, &err);
        if (st) accepted++;
        else if (!err.msg[0] || err.status != CZ_STATUS_FORMAT_ERROR) unnamed++;
        cz_safetensors_close(st);
        free(copy);
    }
    CHECK(&S, accepted == 0 && unnamed == 0, "truncations: %d accepted, %d without message", accepted, unnamed);
    st = cz_safetensors_open_memory(b, size, &err);
    CHECK(&S, st != NULL, "full file: %s", err.msg);
    cz_safetensors_close(st);
    printf("  hostile: %zu truncations of a %zu-byte file all rejected\n", size, size);
    /* Truncated on disk: the message names the file. */
    CHECK(&S, truncate(p, (off_t)size - 1) == 0, "truncate");
    st = cz_safetensors_open(p, &err);
    CHECK(&S, !st && strstr(err.msg, p) && strstr(err.msg, "scalar"), "truncated file: %s", err.msg);
    free(b);
    CHECK(&S, !cz_safetensors_open(dir, &err) && err.status == CZ_STATUS_IO_ERROR, "directory: %s", err.msg);
    path_of(p, sizeof p, "empty.safetensors");
    fclose(fopen(p, "wb"));
    CHECK(&S, !cz_safetensors_open(p, &err) && err.status == CZ_STATUS_FORMAT_ERROR &&
              strstr(err.msg, "shorter than"), "empty file: %s", err.msg);
    path_of(p, sizeof p, "missing.safetensors");
    CHECK(&S, !cz_safetensors_open(p, &err) && err.status == CZ_STATUS_IO_ERROR, "missing: %s", err.msg);
}

/* ---- atomic write ---- */

static int count_tmp(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

static void test_atomic(void)
{
    char p[128], q[160];
    path_of(p, sizeof p, "atomic.safetensors");
    write_standard(p);
    float two[2] = {3, 4};
    cz_st_entry e = {"only", CZ_DTYPE_F32, 1, {2}, two};
    cz_error err = {0};
    CHECK(&S, cz_safetensors_write(p, &e, 1, NULL, &err) == 0, "overwrite: %s", err.msg);
    cz_safetensors *st = cz_safetensors_open(p, &err);
    CHECK(&S, st && cz_safetensors_count(st) == 1 && cz_safetensors_find(st, "only") &&
              !cz_safetensors_metadata(st, "format"), "old content not replaced");
    cz_safetensors_close(st);
    struct stat sb;
    CHECK(&S, stat(p, &sb) == 0 && sb.st_size == 8 + 64 + 8 && (sb.st_mode & 0777) == 0644,
          "size %lld mode %o", (long long)sb.st_size, (unsigned)(sb.st_mode & 0777));

    /* Bad entries: nothing written, target untouched. */
    cz_st_entry bad[] = {{"x", CZ_DTYPE_F32, 1, {2}, two}, {"x", CZ_DTYPE_F32, 1, {2}, two}};
    CHECK(&S, cz_safetensors_write(p, bad, 2, NULL, &err) == CZ_STATUS_INVALID_ARGUMENT &&
              strstr(err.msg, "twice"), "duplicate names: %s", err.msg);
    bad[1] = (cz_st_entry){"y", CZ_DTYPE_I64, 1, {2}, two};
    CHECK(&S, cz_safetensors_write(p, bad, 2, NULL, &err) == CZ_STATUS_UNSUPPORTED, "I64: %s", err.msg);
    bad[1] = (cz_st_entry){"y", CZ_DTYPE_F32, 1, {-2}, two};
    CHECK(&S, cz_safetensors_write(p, bad, 2, NULL, &err) == CZ_STATUS_INVALID_ARGUMENT, "shape: %s", err.msg);
    const char *odd[] = {"k", NULL};
    CHECK(&S, cz_safetensors_write(p, bad, 1, odd, &err) == CZ_STATUS_INVALID_ARGUMENT, "odd meta: %s", err.msg);
    const char *odd2[] = {"k", "v", "k", "w", NULL};
    CHECK(&S, cz_safetensors_write(p, bad, 1, odd2, &err) == CZ_STATUS_INVALID_ARGUMENT, "dup meta: %s", err.msg);
    CHECK(&S, stat(p, &sb) == 0 && sb.st_size == 80, "target changed by failed writes");

    /* The rename fails (target is a directory): the temporary file goes. */
    path_of(q, sizeof q, "adir");
    mkdir(q, 0755);
    CHECK(&S, cz_safetensors_write(q, &e, 1, NULL, &err) == CZ_STATUS_IO_ERROR, "over a directory: %s", err.msg);
    CHECK(&S, stat(q, &sb) == 0 && S_ISDIR(sb.st_mode), "directory replaced");
    rmdir(q);
    path_of(q, sizeof q, "no/such/dir.safetensors");
    CHECK(&S, cz_safetensors_write(q, &e, 1, NULL, &err) == CZ_STATUS_IO_ERROR && strstr(err.msg, "temporary"),
          "missing directory: %s", err.msg);
    if (geteuid() != 0) { /* root ignores permissions */
        path_of(q, sizeof q, "ro");
        mkdir(q, 0555);
        strcat(q, "/x.safetensors");
        CHECK(&S, cz_safetensors_write(q, &e, 1, NULL, &err) == CZ_STATUS_IO_ERROR, "read-only dir");
        path_of(q, sizeof q, "ro");
        rmdir(q);
    }
    CHECK(&S, count_tmp() == 0, "%d temporary files left behind", count_tmp());
}

static void cleanup(void)
{
    DIR *d = opendir(dir);
    char p[512];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/cz_st_test_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_f16();
    test_roundtrip();
    test_from_python();
    test_hostile();
    test_atomic();
    cleanup();
    return check_finish(&S, "safetensors");
}
