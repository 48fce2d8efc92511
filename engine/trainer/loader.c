/* loader.c: the batch producer thread and its ring (see loader.h). */
#include "loader.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hints_sim.h"
#include "quant.h"
#include "rng.h"
#include "util.h"

#define SOFT_SIGMA 5.0f

struct ct_loader {
    const ct_dataset *ds;
    cz_model *m;
    int B, S, N, q, th, tw; /* target (logits) resolution th x tw for classifier models */
    int first, count;       /* this loader's samples of each batch of B (a rank's shard) */
    bool logits, augment;
    bool hints;        /* the model takes hints: simulate a user per sample */
    int chan[CZ_QUANT_MAX_BINS]; /* logits channel of each quant bin */
    float crop_scale; /* > 0: zoomed crops, see ct_loader_new */
    uint64_t seed;
    int nslots;
    ct_batch *slots;
    bool *ready;
    long next_fill, next_take;
    int taken; /* slot handed to the consumer, -1 none */
    bool stop;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    double wait;
    /* producer scratch */
    float *L, *ab, *abs_lo;
    float *rows;           /* [N * S] horizontal pass of a zoomed crop */
    int taps, *xi, *yi;    /* [S * taps] source indices of each output pixel */
    float *xw, *yw;        /* and their weights */
    int *idx;
    float *wt;
    uint32_t *perm;
    long perm_epoch;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t s = a ^ (b * 0xD1B54A32D192ED03ull);
    return cz_rng_next(&s);
}

static void make_perm(ct_loader *ld, long epoch)
{
    uint32_t n = ld->ds->count;
    for (uint32_t i = 0; i < n; i++) ld->perm[i] = i;
    uint64_t r = mix(ld->seed ^ 0x5EEDull, (uint64_t)epoch);
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = cz_rng_below(&r, i + 1), t = ld->perm[i];
        ld->perm[i] = ld->perm[j];
        ld->perm[j] = t;
    }
    ld->perm_epoch = epoch;
}

/* Tent-filter taps of S output samples over the span [o, o + c) of a line of
 * n source samples, radius r = max(1, c / S): bilinear when enlarging, and
 * when shrinking a tent stretched over two output pixels, which anti-aliases
 * (PIL's and torchvision's antialiased bilinear; a little softer than
 * prepare's box filter). Indices past the line's ends are clamped to it;
 * taps >= 2r + 1 (at most ceil(2r) weights are non-zero). */
static void tent_taps(int *idx, float *w, int taps, int S, int n, float o, float c, bool flip)
{
    const float scale = c / (float)S, r = scale > 1 ? scale : 1;
    for (int i = 0; i < S; i++) {
        const float ctr = o + ((flip ? S - 1 - i : i) + 0.5f) * scale - 0.5f;
        const int j0 = (int)floorf(ctr - r) + 1;
        float sum = 0;
        for (int k = 0; k < taps; k++) {
            const float d = fabsf((float)(j0 + k) - ctr) / r;
            const int j = j0 + k < 0 ? 0 : j0 + k >= n ? n - 1 : j0 + k;
            idx[i * taps + k] = j;
            w[i * taps + k] = d < 1 ? 1 - d : 0;
            sum += w[i * taps + k];
        }
        for (int k = 0; k < taps; k++) w[i * taps + k] /= sum;
    }
}

/* One plane of a zoomed crop: src [N*N] -> dst [S*S] through the taps;
 * the horizontal pass covers the source rows the vertical taps read. */
static void zoom_plane(const ct_loader *ld, const float *src, float *dst)
{
    const int S = ld->S, N = ld->N, K = ld->taps;
    int y_lo = N, y_hi = -1;
    for (int t = 0; t < S * K; t++) {
        if (ld->yi[t] < y_lo) y_lo = ld->yi[t];
        if (ld->yi[t] > y_hi) y_hi = ld->yi[t];
    }
    for (int y = y_lo; y <= y_hi; y++)
        for (int i = 0; i < S; i++) {
            float s = 0;
            for (int k = 0; k < K; k++) s += ld->xw[i * K + k] * src[(size_t)y * N + ld->xi[i * K + k]];
            ld->rows[(size_t)y * S + i] = s;
        }
    for (int i = 0; i < S; i++) {
        float *out = dst + (size_t)i * S;
        for (int x = 0; x < S; x++) out[x] = 0;
        for (int k = 0; k < K; k++) {
            const float wk = ld->yw[i * K + k];
            const float *row = ld->rows + (size_t)ld->yi[i * K + k] * S;
            for (int x = 0; x < S; x++) out[x] += wk * row[x];
        }
    }
}

void ct_loader_fill(ct_loader *ld, ct_batch *b, long step)
{
    const int S = ld->S, N = ld->N;
    const size_t ss = (size_t)S * S, nn = (size_t)N * N, thw = (size_t)ld->th * ld->tw;
    uint64_t r = mix(ld->seed, (uint64_t)step);
    b->step = step;
    for (int jb = 0; jb < ld->B; jb++) {
        /* The crop's draws come first, for every sample of the batch, so a
         * shard's samples are those of the whole batch. */
        const bool zoom = ld->augment && ld->crop_scale > 0;
        float zc = 0, zx = 0, zy = 0;
        int ox = (N - S) / 2, oy = (N - S) / 2;
        bool flip = false;
        if (zoom) {
            /* A square of side zc in [crop_scale, 1] x N, anywhere, to S px. */
            zc = N * (ld->crop_scale + (1 - ld->crop_scale) * cz_rng_uniform(&r));
            zx = (N - zc) * cz_rng_uniform(&r);
            zy = (N - zc) * cz_rng_uniform(&r);
            flip = cz_rng_uniform(&r) < 0.5f;
        } else if (ld->augment) {
            ox = (int)cz_rng_below(&r, (uint32_t)(N - S + 1));
            oy = (int)cz_rng_below(&r, (uint32_t)(N - S + 1));
            flip = cz_rng_uniform(&r) < 0.5f;
        }
        if (jb < ld->first || jb >= ld->first + ld->count) continue;
        const int j = jb - ld->first; /* the sample's place in this shard */
        uint64_t g = (uint64_t)step * ld->B + jb;
        long epoch = (long)(g / ld->ds->count);
        uint32_t idx;
        if (ld->augment) {
            if (epoch != ld->perm_epoch) make_perm(ld, epoch);
            idx = ld->perm[g % ld->ds->count];
        } else {
            idx = (uint32_t)(g % ld->ds->count);
        }
        ct_dataset_get(ld->ds, idx, ld->L, ld->ab);
        float *L = b->L + j * ss, *ab = b->ab + 2 * j * ss;
        if (zoom) {
            tent_taps(ld->xi, ld->xw, ld->taps, S, N, zx, zc, flip);
            tent_taps(ld->yi, ld->yw, ld->taps, S, N, zy, zc, false);
            zoom_plane(ld, ld->L, L);
            zoom_plane(ld, ld->ab, ab);
            zoom_plane(ld, ld->ab + nn, ab + ss);
        } else {
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++) {
                    size_t src = (size_t)(y + oy) * N + (size_t)(flip ? S - 1 - x : x) + ox;
                    size_t dst = (size_t)y * S + x;
                    L[dst] = ld->L[src];
                    ab[dst] = ld->ab[src];
                    ab[ss + dst] = ld->ab[nn + src];
                }
        }
        b->labels[j] = ct_dataset_label(ld->ds, idx);
        if (ld->logits) {
            /* ab averaged over each f x f cell of the logits grid. */
            int fy = S / ld->th, fx = S / ld->tw;
            for (int ty = 0; ty < ld->th; ty++)
                for (int tx = 0; tx < ld->tw; tx++) {
                    float sa = 0, sb = 0;
                    for (int y = ty * fy; y < (ty + 1) * fy; y++)
                        for (int x = tx * fx; x < (tx + 1) * fx; x++) {
                            sa += ab[(size_t)y * S + x];
                            sb += ab[ss + (size_t)y * S + x];
                        }
                    ld->abs_lo[(size_t)ty * ld->tw + tx] = sa / (fx * fy);
                    ld->abs_lo[thw + (size_t)ty * ld->tw + tx] = sb / (fx * fy);
                }
            const cz_quant *qt = cz_model_get_quant(ld->m);
            const float *cw = cz_model_get_class_weights(ld->m);
            cz_quant_encode_sparse(ld->idx, ld->wt, ld->abs_lo, (int)thw, SOFT_SIGMA, qt);
            float *t = b->target + (size_t)j * ld->q * thw, *w = b->weight + j * thw;
            memset(t, 0, (size_t)ld->q * thw * sizeof(float));
            for (size_t p = 0; p < thw; p++) {
                int best = 0;
                for (int k = 0; k < CZ_QUANT_NEIGHBOURS; k++) {
                    t[(size_t)ld->chan[ld->idx[p * CZ_QUANT_NEIGHBOURS + k]] * thw + p] +=
                        ld->wt[p * CZ_QUANT_NEIGHBOURS + k];
                    if (ld->wt[p * CZ_QUANT_NEIGHBOURS + k] > ld->wt[p * CZ_QUANT_NEIGHBOURS + best])
                        best = k;
                }
                w[p] = cw[ld->idx[p * CZ_QUANT_NEIGHBOURS + best]];
            }
        } else {
            cz_model_ab_to_target(ld->m, b->target + 2 * j * ss, ab, 2 * ss);
        }
        if (ld->hints) {
            /* Its own stream, so that other models' batches stay as they were. */
            uint64_t hr = mix(ld->seed ^ 0x48494E5453ull, g);
            float *h = b->hints + 3 * j * ss;
            ct_hints_simulate(h, h + 2 * ss, NULL, 0, ab, S, S, &hr);
        }
    }
}

static void *producer(void *arg)
{
    ct_loader *ld = arg;
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        int slot = (int)(ld->next_fill % ld->nslots);
        while (!ld->stop && (ld->ready[slot] || slot == ld->taken ||
                             ld->next_fill >= ld->next_take + ld->nslots))
            pthread_cond_wait(&ld->cv, &ld->mu);
        if (ld->stop) break;
        long step = ld->next_fill;
        pthread_mutex_unlock(&ld->mu);
        ct_loader_fill(ld, &ld->slots[slot], step);
        pthread_mutex_lock(&ld->mu);
        ld->ready[slot] = true;
        ld->next_fill++;
        pthread_cond_broadcast(&ld->cv);
    }
    pthread_mutex_unlock(&ld->mu);
    return NULL;
}

ct_loader *ct_loader_new(const ct_dataset *ds, cz_model *m, int batch, uint64_t seed,
                         long first_step, bool augment, float crop_scale, int slots)
{
    return ct_loader_new_shard(ds, m, batch, 0, batch, seed, first_step, augment, crop_scale, slots);
}

ct_loader *ct_loader_new_shard(const ct_dataset *ds, cz_model *m, int batch, int first, int count,
                               uint64_t seed, long first_step, bool augment, float crop_scale, int slots)
{
    if (first < 0 || count < 1 || first > batch - count)
        ct_die(__FILE__, __LINE__, NULL, "samples %d..%d are not in a batch of %d", first, first + count - 1,
               batch);
    ct_loader *ld = callocCheck(1, sizeof *ld);
    const cz_model_config *cfg = cz_model_get_config(m);
    ld->ds = ds;
    ld->m = m;
    ld->B = batch;
    ld->first = first;
    ld->count = count; /* each slot holds the shard */
    ld->S = cfg->size;
    ld->N = (int)ds->size;
    if (ld->S > ld->N)
        ct_die(__FILE__, __LINE__, "prepare the data at --size of at least the model's size",
               "the model's size %d exceeds the dataset's photos (%d px)", ld->S, ld->N);
    const int lnode = cz_model_get_logits_node(m);
    ld->logits = lnode >= 0;
    ld->hints = cz_model_takes_hints(m);
    ld->augment = augment;
    ld->crop_scale = crop_scale;
    ld->seed = seed;
    ld->nslots = slots < 2 ? 2 : slots;
    ld->th = ld->tw = 1;
    if (ld->logits) {
        cz_net *net = cz_model_get_net(m);
        int c;
        cz_net_node_shape(net, lnode, &c, &ld->th, &ld->tw);
        ld->q = c;
        /* The bins are the logits' channels, or (the hints net's head over
         * the whole 23 x 23 grid) their cells in it, a-major. */
        const cz_quant *qt = cz_model_get_quant(m);
        for (int k = 0; k < qt->q; k++) ld->chan[k] = k;
        if (c != qt->q) {
            if (c != 23 * 23) ct_die(__FILE__, __LINE__, NULL, "%d logits for %d bins", c, qt->q);
            for (int ia = 0; ia < 23; ia++)
                for (int ib = 0; ib < 23; ib++)
                    if (qt->grid[ia][ib] >= 0) ld->chan[qt->grid[ia][ib]] = ia * 23 + ib;
        }
        if (ld->S % ld->th || ld->S % ld->tw)
            ct_die(__FILE__, __LINE__, NULL, "logits %dx%d do not divide the input %d", ld->th, ld->tw, ld->S);
    }
    size_t ss = (size_t)ld->S * ld->S, nn = (size_t)ld->N * ld->N, thw = (size_t)ld->th * ld->tw;
    size_t tcount = ld->logits ? ct_size3((size_t)count, (size_t)ld->q, thw) : ct_size3((size_t)count, 2, ss);
    ld->slots = callocCheck((size_t)ld->nslots, sizeof *ld->slots);
    ld->ready = callocCheck((size_t)ld->nslots, sizeof *ld->ready);
    for (int i = 0; i < ld->nslots; i++) {
        ct_batch *b = &ld->slots[i];
        b->L = mallocCheck(ct_size3((size_t)count, ss, sizeof(float)));
        b->ab = mallocCheck(ct_size3((size_t)count, 2 * ss, sizeof(float)));
        b->target = mallocCheck(ct_size3(tcount, 1, sizeof(float)));
        b->weight = mallocCheck(ct_size3((size_t)count, thw, sizeof(float)));
        b->labels = mallocCheck((size_t)count * sizeof(int));
        b->hints = ld->hints ? mallocCheck(ct_size3((size_t)count, 3 * ss, sizeof(float))) : NULL;
    }
    ld->L = mallocCheck(ct_size3(nn, 3, sizeof(float)));
    ld->ab = ld->L + nn;
    ld->abs_lo = mallocCheck(ct_size3(thw, 2, sizeof(float)));
    ld->idx = mallocCheck(ct_size3(thw, CZ_QUANT_NEIGHBOURS, sizeof(int)));
    ld->wt = mallocCheck(ct_size3(thw, CZ_QUANT_NEIGHBOURS, sizeof(float)));
    ld->perm = mallocCheck(ct_size3(ds->count, 1, sizeof(uint32_t)));
    if (crop_scale > 0) {
        /* r = max(1, c / S) <= max(1, N / S); 2r + 1 taps cover a tent. */
        const float rmax = ld->N > ld->S ? (float)ld->N / (float)ld->S : 1.0f;
        ld->taps = (int)ceilf(2 * rmax) + 1;
        ld->rows = mallocCheck(ct_size3((size_t)ld->N, (size_t)ld->S, sizeof(float)));
        ld->xi = mallocCheck(ct_size3((size_t)ld->S, (size_t)ld->taps, sizeof(int)));
        ld->yi = mallocCheck(ct_size3((size_t)ld->S, (size_t)ld->taps, sizeof(int)));
        ld->xw = mallocCheck(ct_size3((size_t)ld->S, (size_t)ld->taps, sizeof(float)));
        ld->yw = mallocCheck(ct_size3((size_t)ld->S, (size_t)ld->taps, sizeof(float)));
    }
    ld->perm_epoch = -1;
    ld->next_fill = ld->next_take = first_step;
    ld->taken = -1;
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv, NULL);
    if (pthread_create(&ld->thread, NULL, producer, ld) != 0)
        ct_die(__FILE__, __LINE__, NULL, "cannot start the loader thread");
    return ld;
}

const ct_batch *ct_loader_next(ct_loader *ld)
{
    double t0 = ct_now();
    pthread_mutex_lock(&ld->mu);
    if (ld->taken >= 0) {
        ld->ready[ld->taken] = false;
        ld->taken = -1;
        ld->next_take++;
        pthread_cond_broadcast(&ld->cv);
    }
    int slot = (int)(ld->next_take % ld->nslots);
    while (!ld->ready[slot]) pthread_cond_wait(&ld->cv, &ld->mu);
    ld->taken = slot;
    pthread_mutex_unlock(&ld->mu);
    ld->wait += ct_now() - t0;
    return &ld->slots[slot];
}

double ct_loader_wait_seconds(const ct_loader *ld) { return ld->wait; }

void ct_loader_free(ct_loader *ld)
{
    if (!ld) return;
    pthread_mutex_lock(&ld->mu);
    ld->stop = true;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
    pthread_join(ld->thread, NULL);
    pthread_mutex_destroy(&ld->mu);
    pthread_cond_destroy(&ld->cv);
    for (int i = 0; i < ld->nslots; i++) {
        free(ld->slots[i].L);
        free(ld->slots[i].ab);
        free(ld->slots[i].target);
        free(ld->slots[i].weight);
        free(ld->slots[i].labels);
        free(ld->slots[i].hints);
    }
    free(ld->slots);
    free(ld->ready);
    free(ld->L);
    free(ld->abs_lo);
    free(ld->idx);
    free(ld->wt);
    free(ld->perm);
    free(ld->rows);
    free(ld->xi);
    free(ld->yi);
    free(ld->xw);
    free(ld->yw);
    free(ld);
}

void ct_set_rebalancing(cz_model *m, const ct_dataset *ds, float lambda)
{
    const cz_quant *qt = cz_model_get_quant(m);
    if (!qt) return;
    double *counts = callocCheck((size_t)qt->q, sizeof(double));
    for (int ia = 0; ia < CT_DATASET_HIST; ia++)
        for (int ib = 0; ib < CT_DATASET_HIST; ib++) {
            uint64_t c = ds->hist[ia * CT_DATASET_HIST + ib];
            if (c) counts[cz_quant_nearest(qt, (float)(ia - 128), (float)(ib - 128))] += (double)c;
        }
    cz_quant_weights(cz_model_get_prior(m), cz_model_get_class_weights(m), counts, SOFT_SIGMA,
                     lambda, qt);
    free(counts);
}
