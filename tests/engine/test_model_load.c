/* test_model_load.c: model files are untrusted (issue 21).
 * - a header of a few bytes naming a huge network (pix2pix at width 4 and
 *   4096 px once took 6.5 GB, colorful at 4096 px 12 GB) fails at once,
 *   naming the first missing tensor, in a child whose memory is measured;
 * - a valid small model whose metadata size is 4096 loads without
 *   allocating activations for that size or initialising weights;
 * - a negative batch-norm running_var and an infinite running_mean are
 *   refused with the tensor's name;
 * - prediction at a size whose network cannot fit in this machine's memory
 *   is refused with the figure, before its input is read;
 * - every message of cz_model_load names the file once. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "lab.h"
#include "model.h"
#include "safetensors.h"

/* A child that loads may grow by this much; the faults took gigabytes. */
#define MAX_GROWTH_MB 200
#define MAX_SECONDS 5.0

static check_state st;

static char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ & 3];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(p, 256, "%s/cz_test_model_load_%d_%s", dir, (int)getpid(), name);
    return p;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int count(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, sub)); p += strlen(sub)) n++;
    return n;
}

/* Loads path in a child; true when the child's outcome was want_ok (and,
 * on failure, its message held want_msg and named path once), in bounded
 * time and memory. */
static bool load_in_child(const char *path, bool want_ok, const char *want_msg, const char *what)
{
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    const double t0 = now();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        cz_error err = {0};
        cz_model *m = cz_model_load(path, &err);
        bool ok = want_ok ? m != NULL
                          : !m && strstr(err.msg, want_msg) && count(err.msg, path) == 1;
        if (!ok) fprintf(stderr, "  %s: %s\n", what, m ? "loaded" : err.msg);
        cz_model_free(m);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    struct rusage ru;
    CHECK(&st, pid > 0 && wait4(pid, &status, 0, &ru) == pid, "%s: fork or wait failed", what);
    const double secs = now() - t0;
    const long grew_mb = (ru.ru_maxrss - self.ru_maxrss) / 1024;
    printf("  %s: %.2f s, child max RSS %ld MB above the parent's\n", what, secs, grew_mb);
    CHECK(&st, WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: wrong outcome (status %d)", what, status);
    CHECK(&st, grew_mb < MAX_GROWTH_MB, "%s: the load grew by %ld MB", what, grew_mb);
    CHECK(&st, secs < MAX_SECONDS, "%s: the load took %.1f s", what, secs);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void write_bytes(const char *path, const char *json)
{
    FILE *f = fopen(path, "wb");
    uint64_t n = strlen(json);
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(n >> (8 * i));
    fwrite(len, 1, 8, f);
    fwrite(json, 1, n, f);
    fclose(f);
}

static void check_headers(void)
{
    const char *p2p = tmp_path("p2p.safetensors"), *col = tmp_path("col.safetensors");
    write_bytes(p2p, "{\"__metadata__\":{\"arch\":\"pix2pix\",\"width\":\"4\",\"size\":\"4096\"}}");
    write_bytes(col, "{\"__metadata__\":{\"arch\":\"colorful\",\"width\":\"0.25\",\"size\":\"4096\"}}");
    load_in_child(p2p, false, "\"down1.conv.weight\" is missing", "pix2pix header, width 4, 4096 px");
    load_in_child(col, false, "\"model1.0.weight\" is missing", "colorful header, 4096 px");
    /* What a file uses comes from its header alone, weights or not. */
    const char *hin = tmp_path("hin.safetensors"), *unk = tmp_path("unk.safetensors");
    write_bytes(hin, "{\"__metadata__\":{\"arch\":\"hints\",\"width\":\"0.25\",\"size\":\"128\"}}");
    write_bytes(unk, "{\"__metadata__\":{\"arch\":\"nope\"}}");
    cz_model_uses u = {true, true};
    cz_error err = {0};
    CHECK(&st, cz_model_file_uses(col, &u, &err) == CZ_STATUS_OK && u.distribution && !u.hints,
          "colorful's header: a distribution, no hints (%s)", err.msg);
    CHECK(&st, cz_model_file_uses(p2p, &u, &err) == CZ_STATUS_OK && !u.distribution && !u.hints,
          "pix2pix's header: neither (%s)", err.msg);
    CHECK(&st, cz_model_file_uses(hin, &u, &err) == CZ_STATUS_OK && !u.distribution && u.hints,
          "hints' header: hints, no distribution (%s)", err.msg);
    CHECK(&st, cz_model_file_uses(unk, &u, &err) == CZ_STATUS_FORMAT_ERROR && strstr(err.msg, "nope"),
          "an unknown architecture is refused, naming it: %s", err.msg);
    unlink(p2p), unlink(col), unlink(hin), unlink(unk);
}

/* A model's tensors as entries to write back, edited. */
typedef struct {
    cz_safetensors *sf;
    cz_st_entry *e;
    float **bufs;
    size_t n;
} tensors;

static void tensors_read(tensors *t, const char *path)
{
    cz_error err = {0};
    t->sf = cz_safetensors_open(path, &err);
    t->n = cz_safetensors_count(t->sf);
    t->e = calloc(t->n, sizeof *t->e);
    t->bufs = calloc(t->n, sizeof *t->bufs);
    for (size_t i = 0; i < t->n; i++) {
        const cz_st_tensor *s = cz_safetensors_get(t->sf, i);
        t->bufs[i] = malloc(s->count * sizeof(float) + 4);
        cz_st_tensor_read_f32(s, t->bufs[i], s->count, &err);
        t->e[i] = (cz_st_entry){.name = s->name, .dtype = CZ_DTYPE_F32, .ndim = s->ndim, .data = t->bufs[i]};
        for (int d = 0; d < s->ndim; d++) t->e[i].shape[d] = s->shape[d];
    }
}

static float *tensors_find(tensors *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->e[i].name, name)) return t->bufs[i];
    return NULL;
}

static void tensors_free(tensors *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->bufs[i]);
    free(t->bufs);
    free(t->e);
    cz_safetensors_close(t->sf);
}

static void check_values_and_sizes(void)
{
    cz_error err = {0};
    const cz_model_config cfg = {.arch = "colorful", .width = 0.02f, .size = 32};
    cz_model *m = cz_model_new(&cfg, 3, &err);
    CHECK(&st, m != NULL, "new: %s", err.msg);
    if (!m) return;
    const char *good = tmp_path("good.safetensors"), *bad = tmp_path("bad.safetensors");
    CHECK(&st, cz_model_save(m, good, CZ_DTYPE_F32, NULL, 0, NULL, &err) == CZ_STATUS_OK, "save: %s", err.msg);
    tensors t;
    tensors_read(&t, good);
    cz_model *back;

    /* colorful's weights fit any size: at 4096 px the file loads, and
     * loading allocates no activations for that size (it took 2 GB) */
    const char *big[] = {"arch", "colorful", "width", "0.02", "size", "4096", NULL};
    cz_safetensors_write(bad, t.e, t.n, big, &err);
    load_in_child(bad, true, NULL, "valid colorful, width 0.02, size 4096");

    const char *meta[] = {"arch", "colorful", "width", "0.02", "size", "32", NULL};
    float *var = tensors_find(&t, "model3.6.running_var");
    float *mean = tensors_find(&t, "model5.6.running_mean");
    CHECK(&st, var && mean, "the colorful model has no model3.6 / model5.6 batch norm");
    if (var && mean) {
        var[1] = -0.25f;
        cz_safetensors_write(bad, t.e, t.n, meta, &err);
        back = cz_model_load(bad, &err);
        CHECK(&st, !back && strstr(err.msg, "\"model3.6.running_var\"") && strstr(err.msg, "negative"),
              "a negative running_var: %s", back ? "loaded" : err.msg);
        cz_model_free(back);
        var[1] = 0.0f; /* zero is a variance (eps keeps the division finite) */
        cz_safetensors_write(bad, t.e, t.n, meta, &err);
        back = cz_model_load(bad, &err);
        CHECK(&st, back != NULL, "a zero running_var was refused: %s", err.msg);
        cz_model_free(back);
        mean[0] = -INFINITY;
        cz_safetensors_write(bad, t.e, t.n, meta, &err);
        back = cz_model_load(bad, &err);
        CHECK(&st, !back && strstr(err.msg, "\"model5.6.running_mean\"") && strstr(err.msg, "finite"),
              "an infinite running_mean: %s", back ? "loaded" : err.msg);
        cz_model_free(back);
        mean[0] = 0.0f;
    }

    /* a size that cannot fit anywhere (colorful's 261 logits at 16384^2
     * alone are 280 GB) is refused before L, one float here, is read */
    float L[1] = {50}, ab[2];
    const double t0 = now();
    cz_status s = cz_model_predict(m, ab, NULL, L, 65536, 65536, 0.38f, &err);
    CHECK(&st, s == CZ_STATUS_OUT_OF_MEMORY && strstr(err.msg, "GB") && strstr(err.msg, "65536x65536") &&
                   strstr(err.msg, "of this machine's"),
          "predict at 65536 px: %s", s ? err.msg : "ran");
    CHECK(&st, now() - t0 < MAX_SECONDS, "refusing took %.1f s", now() - t0);
    printf("  predict at 65536 px: %s\n", err.msg);

    /* a FIFO and a missing tensor: the path appears once in the message */
    const char *fifo = tmp_path("fifo.safetensors");
    CHECK(&st, mkfifo(fifo, 0600) == 0, "mkfifo");
    back = cz_model_load(fifo, &err);
    CHECK(&st, !back && count(err.msg, fifo) == 1 && strstr(err.msg, "FIFO"), "FIFO: %s", err.msg);
    cz_model_free(back);
    /* the last two are quant.weights and quant.bins, of which only the
     * weights are required (a file without bins uses the computed grid) */
    cz_safetensors_write(bad, t.e, t.n - 2, meta, &err);
    back = cz_model_load(bad, &err);
    CHECK(&st, !back && count(err.msg, bad) == 1 && strstr(err.msg, t.e[t.n - 2].name),
          "missing tensor: %s", back ? "loaded" : err.msg);
    cz_model_free(back);

    /* format_version and lab_white are read: a later format, or Lab of
     * another white, is refused by name rather than coloured with wrongly;
     * the versions this engine writes load */
    const char *v2[] = {"arch", "colorful", "width", "0.02", "size", "32", "format_version", "2", NULL};
    cz_safetensors_write(bad, t.e, t.n, v2, &err);
    back = cz_model_load(bad, &err);
    CHECK(&st, !back && err.status == CZ_STATUS_UNSUPPORTED && strstr(err.msg, "format version \"2\""),
          "format_version 2: %s", back ? "loaded" : err.msg);
    cz_model_free(back);
    const char *d55[] = {"arch", "colorful", "width", "0.02", "size", "32", "lab_white", "D55", NULL};
    cz_safetensors_write(bad, t.e, t.n, d55, &err);
    back = cz_model_load(bad, &err);
    CHECK(&st, !back && err.status == CZ_STATUS_UNSUPPORTED && strstr(err.msg, "\"D55\""),
          "lab_white D55: %s", back ? "loaded" : err.msg);
    cz_model_free(back);
    /* D65 (skimage's Lab, imported models) loads, is reported and saved as such */
    const char *d65[] = {"arch", "colorful", "width", "0.02", "size", "32", "lab_white", "D65", NULL};
    cz_safetensors_write(bad, t.e, t.n, d65, &err);
    back = cz_model_load(bad, &err);
    CHECK(&st, back && cz_model_get_config(back)->white == CZ_LAB_D65, "lab_white D65: %s",
          back ? "not D65" : err.msg);
    if (back) {
        cz_model_save(back, good, CZ_DTYPE_F32, NULL, 0, NULL, &err);
        cz_model *again = cz_model_load(good, &err);
        CHECK(&st, again && cz_model_get_config(again)->white == CZ_LAB_D65 &&
                       !strcmp(cz_model_get_metadata(again, "lab_white"), "D65"),
              "a D65 model saved and loaded: %s", again ? "not D65" : err.msg);
        cz_model_free(again);
    }
    cz_model_free(back);
    const char *v1[] = {"arch", "colorful", "width", "0.02", "size", "32", "format_version", "1", "lab_white", "D50",
                        NULL};
    cz_safetensors_write(bad, t.e, t.n, v1, &err);
    back = cz_model_load(bad, &err);
    CHECK(&st, back && cz_model_get_config(back)->white == CZ_LAB_D50, "format_version 1, lab_white D50: %s",
          err.msg);
    cz_model_free(back);

    tensors_free(&t);
    unlink(good), unlink(bad), unlink(fifo);
    cz_model_free(m);
}

/* Loads bad with bins [q, cols] in place of the file's; expects a refusal
 * whose message holds want (and names quant.bins unless want names another
 * tensor). */
static void refuse_bins(tensors *t, const char *bad, const float *bins, int q, int cols, const char *want,
                        const char *what)
{
    cz_error err = {0};
    const char *meta[] = {"arch", "colorful", "width", "0.02", "size", "32", NULL};
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->e[i].name, "quant.bins")) {
            t->e[i].data = bins;
            t->e[i].shape[0] = q, t->e[i].shape[1] = cols;
        }
    cz_safetensors_write(bad, t->e, t->n, meta, &err);
    cz_model *back = cz_model_load(bad, &err);
    const bool other = strstr(want, "model8") != NULL;
    CHECK(&st, !back && (other || strstr(err.msg, "quant.bins")) && strstr(err.msg, want), "%s: %s", what,
          back ? "loaded" : err.msg);
    cz_model_free(back);
}

/* The ab bins are data: a file carries them ("quant.bins" [Q, 2]) and the
 * loader decodes with the file's, not the computed grid's. */
static void check_bins(void)
{
    cz_error err = {0};
    const cz_model_config cfg = {.arch = "colorful", .width = 0.02f, .size = 32};
    cz_model *m = cz_model_new(&cfg, 5, &err);
    CHECK(&st, m != NULL, "new: %s", err.msg);
    if (!m) return;
    const cz_quant *qt = cz_model_get_quant(m);
    const int q = qt->q;
    const char *good = tmp_path("bins.safetensors"), *bad = tmp_path("bins-bad.safetensors");
    cz_model_save(m, good, CZ_DTYPE_F32, NULL, 0, NULL, &err);
    tensors t;
    tensors_read(&t, good);
    float *bins = tensors_find(&t, "quant.bins");
    CHECK(&st, bins && !memcmp(bins, qt->ab, (size_t)q * 2 * sizeof(float)),
          "the saved file's quant.bins are not the model's %d bins", q);
    if (!bins) goto done;

    /* The same network with its classes in reverse order: bins, head rows
     * and statistics reversed together colour the same photo alike (only
     * the order of the sums differs), so the file's bins are the ones used. */
    float *w = tensors_find(&t, "model8.6.weight"), *b = tensors_find(&t, "model8.6.bias");
    float *pr = tensors_find(&t, "quant.prior"), *cw = tensors_find(&t, "quant.weights");
    const size_t row = (size_t)cz_arch_channels(0.02f, 256);
    for (int i = 0, j = q - 1; i < j; i++, j--) {
        for (size_t k = 0; k < row; k++) {
            float x = w[i * row + k];
            w[i * row + k] = w[j * row + k], w[j * row + k] = x;
        }
        float x;
        x = b[i], b[i] = b[j], b[j] = x;
        x = pr[i], pr[i] = pr[j], pr[j] = x;
        x = cw[i], cw[i] = cw[j], cw[j] = x;
        for (int c = 0; c < 2; c++) x = bins[2 * i + c], bins[2 * i + c] = bins[2 * j + c], bins[2 * j + c] = x;
    }
    const char *meta[] = {"arch", "colorful", "width", "0.02", "size", "32", NULL};
    cz_safetensors_write(bad, t.e, t.n, meta, &err);
    cz_model *rev = cz_model_load(bad, &err);
    CHECK(&st, rev != NULL, "reversed bins: %s", err.msg);
    if (rev) {
        enum { H = 32, W = 32 };
        float L[H * W], ab0[2 * H * W], ab1[2 * H * W];
        for (int i = 0; i < H * W; i++) L[i] = (float)((i * 37) % 101);
        cz_model_predict(m, ab0, NULL, L, H, W, 0.38f, &err);
        cz_model_predict(rev, ab1, NULL, L, H, W, 0.38f, &err);
        double d = 0, mag = 0;
        for (int i = 0; i < 2 * H * W; i++) {
            d = fmax(d, fabs((double)ab0[i] - ab1[i]));
            mag = fmax(mag, fabs((double)ab0[i]));
        }
        const cz_quant *rq = cz_model_get_quant(rev);
        CHECK(&st, rq->q == q && rq->ab[0][0] == qt->ab[q - 1][0] && rq->ab[0][1] == qt->ab[q - 1][1],
              "the reversed file's first bin is not the last one");
        CHECK(&st, d < 1e-3 && mag > 1.0, "reversed bins colour otherwise: max |dab| %g (max |ab| %g)", d, mag);
        printf("  bins reversed with the head: max |dab| %.3g of max |ab| %.3g\n", d, mag);
        cz_model_free(rev);
    }

    /* Fewer bins than the head's channels: refused by the head's shape */
    refuse_bins(&t, bad, bins, q - 1, 2, "model8.6.weight", "Q - 1 bins for Q classes");
    refuse_bins(&t, bad, bins, q / 2, 4, "[Q, 2]", "[Q/2, 4] bins");
    refuse_bins(&t, bad, bins, 3, 2, "[Q, 2]", "3 bins");
    float *copy = malloc((size_t)q * 2 * sizeof(float));
    const struct { float a, b; const char *want, *what; } cases[] = {
        {NAN, 0.0f, "not a centre", "NaN"},
        {INFINITY, 0.0f, "not a centre", "infinity"},
        {120.0f, 0.0f, "not a centre", "a beyond 110"},
        {0.0f, -120.0f, "not a centre", "b below -110"},
        {5.0f, 5.0f, "not a centre", "off the grid"},
        {bins[2], bins[3], "both", "a duplicate"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(copy, bins, (size_t)q * 2 * sizeof(float));
        copy[2 * 7] = cases[c].a, copy[2 * 7 + 1] = cases[c].b;
        refuse_bins(&t, bad, copy, q, 2, cases[c].want, cases[c].what);
    }
    free(copy);
done:
    tensors_free(&t);
    unlink(good), unlink(bad);
    cz_model_free(m);
}

int main(void)
{
    cz_lab_init();
    check_headers();
    check_values_and_sizes();
    check_bins();
    cz_lab_exit();
    return check_finish(&st, "test_model_load");
}
