/* quant.c: the ab quantisation of Zhang et al. (ECCV 2016), computed from
 * babl or given as data (cz_quant_set_bins).
 * Layouts: ab [2, hw] (a plane then b plane), distributions [Q, hw];
 * qt->grid[ia][ib] holds the bin of the cell centred on
 * (a, b) = (-110 + 10 ia, -110 + 10 ib), bins numbered with a outer, b inner.
 *
 * Bin rule: a cell (centre +-5 in a and b, edges included) is kept when it
 * holds the ab of some in-gamut sRGB colour, in babl's D50 Lab. Witnesses:
 *  1. inverse sampling, as the rule reads: a, b over the cell in steps of 1,
 *     L over 0..100 in steps of 0.5, through cz_lab_to_srgb_unclipped, kept
 *     if all three channels lie in [-1e-5, 1 + 1e-5];
 *  2. forward sampling of the sRGB cube's six faces on a 1024 x 1024 grid
 *     through cz_lab_from_srgb, each sample marking the cell nearest its ab.
 * (2) is exact in spirit (the ab shadow of the solid cube is the shadow of
 * its surface) and catches the two cusp cells (a -60 b 90, a 90 b -80) whose
 * gamut sliver is thinner in L than step (1) resolves. Measured with babl
 * 0.1.98: (1) alone keeps 259 cells, the union 261; finer inverse sampling
 * (ab 0.25, L 0.05) also gives 261, and skimage's D65 Lab with the same rule
 * gives 261. The paper's 313 is not reproduced by this rule in either white
 * (its extra bins lie outside the sRGB shadow); models record Q.
 * Cost of cz_quant_init: about 0.3 s. */
#include "quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define GRID 23
#define GRID_LO -110.0f
#define GRID_STEP 10.0f
#define FACE_N 1024
#define FACE_ROWS 64

static int in_unit(const float *c)
{
    const float eps = 1e-5f;
    return c[0] >= -eps && c[0] <= 1.0f + eps && c[1] >= -eps &&
           c[1] <= 1.0f + eps && c[2] >= -eps && c[2] <= 1.0f + eps;
}

/* Cell index of a coordinate, clamped to the grid. */
static int cell_of(float v)
{
    float f = floorf((v - GRID_LO) / GRID_STEP + 0.5f);
    if (!(f >= 0.0f)) return 0; /* also NaN */
    if (f > GRID - 1) return GRID - 1;
    return (int)f;
}

cz_status cz_quant_init(cz_quant *qt, cz_error *err)
{
    if (!qt) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "cz_quant_init: qt is NULL");
    enum { NAB = 11, NL = 201, NCELL = NAB * NAB * NL };
    size_t nface = (size_t)FACE_ROWS * (FACE_N + 1);
    size_t nbuf = NCELL > nface ? NCELL : nface;
    float *in = malloc(nbuf * 3 * sizeof(float));
    float *out = malloc(nbuf * 3 * sizeof(float));
    if (!in || !out) {
        free(in);
        free(out);
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "cz_quant_init: out of memory");
    }
    unsigned char keep[GRID][GRID] = {{0}};

    /* (1) inverse sampling of each cell, one babl call per cell */
    for (int ia = 0; ia < GRID; ia++) {
        for (int ib = 0; ib < GRID; ib++) {
            float ca = GRID_LO + GRID_STEP * ia, cb = GRID_LO + GRID_STEP * ib;
            size_t k = 0;
            for (int x = 0; x < NAB; x++)
                for (int y = 0; y < NAB; y++)
                    for (int l = 0; l < NL; l++, k++) {
                        in[3 * k] = 0.5f * l;
                        in[3 * k + 1] = ca - 5.0f + x;
                        in[3 * k + 2] = cb - 5.0f + y;
                    }
            cz_lab_to_srgb_unclipped(out, in, k);
            for (size_t p = 0; p < k; p++) {
                if (in_unit(out + 3 * p)) {
                    keep[ia][ib] = 1;
                    break;
                }
            }
        }
    }

    /* (2) forward sampling of the cube's faces, FACE_ROWS rows per call */
    for (int face = 0; face < 6; face++) {
        int axis = face / 2;
        float fixed = (float)(face % 2);
        for (int r0 = 0; r0 <= FACE_N; r0 += FACE_ROWS) {
            int r1 = r0 + FACE_ROWS <= FACE_N + 1 ? r0 + FACE_ROWS : FACE_N + 1;
            size_t k = 0;
            for (int i = r0; i < r1; i++)
                for (int j = 0; j <= FACE_N; j++, k++) {
                    float *c = in + 3 * k;
                    c[axis] = fixed;
                    c[(axis + 1) % 3] = (float)i / FACE_N;
                    c[(axis + 2) % 3] = (float)j / FACE_N;
                }
            cz_lab_from_srgb(out, in, k);
            for (size_t p = 0; p < k; p++)
                keep[cell_of(out[3 * p + 1])][cell_of(out[3 * p + 2])] = 1;
        }
    }
    free(in);
    free(out);

    /* the kept cells, a outer, b inner */
    float bins[CZ_QUANT_MAX_BINS][2];
    int q = 0;
    for (int ia = 0; ia < GRID; ia++)
        for (int ib = 0; ib < GRID; ib++)
            if (keep[ia][ib]) {
                bins[q][0] = GRID_LO + GRID_STEP * ia;
                bins[q][1] = GRID_LO + GRID_STEP * ib;
                q++;
            }
    if (q < CZ_QUANT_NEIGHBOURS)
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "cz_quant_init: only %d in-gamut bins; is babl initialised?", q);
    return cz_quant_set_bins(qt, &bins[0][0], q, err);
}

/* The grid index of a centre coordinate, or -1 when it is none. */
static int grid_index(float v)
{
    if (!isfinite(v)) return -1;
    float f = (v - GRID_LO) / GRID_STEP;
    int i = (int)lroundf(f);
    if (i < 0 || i >= GRID || GRID_LO + GRID_STEP * (float)i != v) return -1;
    return i;
}

cz_status cz_quant_set_bins(cz_quant *qt, const float *ab, int q, cz_error *err)
{
    if (!qt || !ab) return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "cz_quant_set_bins: NULL argument");
    if (q < CZ_QUANT_NEIGHBOURS || q > CZ_QUANT_MAX_BINS)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "%d ab bins; a quantisation has %d to %d", q,
                            CZ_QUANT_NEIGHBOURS, CZ_QUANT_MAX_BINS);
    int grid[GRID][GRID];
    for (int ia = 0; ia < GRID; ia++)
        for (int ib = 0; ib < GRID; ib++) grid[ia][ib] = -1;
    for (int k = 0; k < q; k++) {
        const float a = ab[2 * k], b = ab[2 * k + 1];
        const int ia = grid_index(a), ib = grid_index(b);
        if (ia < 0 || ib < 0)
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                                "ab bin %d (%g, %g) is not a centre of the grid of step 10 over [-110, 110]", k,
                                (double)a, (double)b);
        if (grid[ia][ib] >= 0)
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "ab bins %d and %d are both (%g, %g)", grid[ia][ib],
                                k, (double)a, (double)b);
        grid[ia][ib] = k;
    }
    qt->q = q;
    memcpy(qt->grid, grid, sizeof grid);
    for (int k = 0; k < CZ_QUANT_MAX_BINS; k++) {
        qt->ab[k][0] = k < q ? ab[2 * k] : 0.0f;
        qt->ab[k][1] = k < q ? ab[2 * k + 1] : 0.0f;
    }
    return CZ_STATUS_OK;
}

/* The k nearest bins of (a, b), nearest first: search square rings of cells
 * around the point's (clamped) cell. A ring-r cell's centre is at least
 * 10 r - 5 away, so the search stops once the k-th best is nearer than the
 * next ring can be. Returns how many were found (k unless Q < k). */
static int quant_knn(int *idx, float *d2, int k, const cz_quant *qt, float a, float b)
{
    int n = 0;
    int ca = cell_of(a), cb = cell_of(b);
    for (int r = 0; r < GRID; r++) {
        for (int ia = ca - r; ia <= ca + r; ia++) {
            if (ia < 0 || ia >= GRID) continue;
            int edge = ia == ca - r || ia == ca + r;
            for (int ib = cb - r; ib <= cb + r; ib += edge ? 1 : 2 * r) {
                if (ib >= 0 && ib < GRID) {
                    int q = qt->grid[ia][ib];
                    if (q >= 0) {
                        float da = a - qt->ab[q][0], db = b - qt->ab[q][1];
                        float d = da * da + db * db;
                        if (n < k || d < d2[n - 1]) {
                            int j = n < k ? n++ : k - 1;
                            while (j > 0 && d2[j - 1] > d) {
                                d2[j] = d2[j - 1];
                                idx[j] = idx[j - 1];
                                j--;
                            }
                            d2[j] = d;
                            idx[j] = q;
                        }
                    }
                }
                if (r == 0) break; /* ring 0 is the single centre cell */
            }
        }
        float bound = GRID_STEP * (r + 1) - 5.0f;
        if (n == k && d2[k - 1] <= bound * bound) break;
    }
    return n;
}

int cz_quant_nearest(const cz_quant *qt, float a, float b)
{
    int idx[1] = {0};
    float d2[1];
    return quant_knn(idx, d2, 1, qt, a, b) ? idx[0] : 0;
}

void cz_quant_encode_sparse(int *idx, float *wt, const float *ab, int hw,
                            float sigma, const cz_quant *qt)
{
    const int k = CZ_QUANT_NEIGHBOURS;
    float inv = 1.0f / (2.0f * sigma * sigma);
    for (int p = 0; p < hw; p++) {
        int *ip = idx + (size_t)p * k;
        float *wp = wt + (size_t)p * k;
        float d2[CZ_QUANT_NEIGHBOURS];
        int n = quant_knn(ip, d2, k, qt, ab[p], ab[(size_t)hw + p]);
        /* relative to the nearest, so far-off colours do not underflow to 0/0 */
        float sum = 0.0f;
        for (int j = 0; j < n; j++) sum += wp[j] = expf(-(d2[j] - d2[0]) * inv);
        for (int j = 0; j < n; j++) wp[j] /= sum;
        for (int j = n; j < k; j++) {
            ip[j] = ip[0];
            wp[j] = 0.0f;
        }
    }
}

void cz_quant_encode(float *target, const float *ab, int hw, float sigma,
                     const cz_quant *qt)
{
    const int k = CZ_QUANT_NEIGHBOURS;
    for (size_t i = 0; i < (size_t)qt->q * (size_t)hw; i++) target[i] = 0.0f;
    for (int p = 0; p < hw; p++) {
        int idx[CZ_QUANT_NEIGHBOURS];
        float wt[CZ_QUANT_NEIGHBOURS];
        float abp[2] = {ab[p], ab[(size_t)hw + p]};
        cz_quant_encode_sparse(idx, wt, abp, 1, sigma, qt);
        for (int j = 0; j < k; j++) target[(size_t)idx[j] * hw + p] += wt[j];
    }
}

void cz_quant_prior_accumulate(double *counts, const float *ab, int hw,
                               const cz_quant *qt)
{
    for (int p = 0; p < hw; p++) counts[cz_quant_nearest(qt, ab[p], ab[(size_t)hw + p])] += 1.0;
}

void cz_quant_weights(float *prior, float *weights, const double *counts,
                      float sigma, float lambda, const cz_quant *qt)
{
    int Q = qt->q;
    double p[CZ_QUANT_MAX_BINS];
    double total = 0.0;
    for (int q = 0; q < Q; q++) {
        double s = 0.0;
        if (sigma > 0.0f) {
            /* Gaussian kernel over the bin centres in ab */
            double inv = 1.0 / (2.0 * (double)sigma * sigma);
            for (int r = 0; r < Q; r++) {
                if (counts[r] == 0.0) continue;
                double da = qt->ab[q][0] - qt->ab[r][0], db = qt->ab[q][1] - qt->ab[r][1];
                s += counts[r] * exp(-(da * da + db * db) * inv);
            }
        } else {
            s = counts[q];
        }
        p[q] = s;
        total += s;
    }
    for (int q = 0; q < Q; q++) p[q] = total > 0.0 ? p[q] / total : 1.0 / Q;

    double w[CZ_QUANT_MAX_BINS], wmax = 0.0, ew = 0.0;
    for (int q = 0; q < Q; q++) {
        double den = (1.0 - lambda) * p[q] + (double)lambda / Q;
        w[q] = den > 0.0 ? 1.0 / den : 0.0;
        if (w[q] > wmax) wmax = w[q];
    }
    /* lambda 0 and an empty bin: give it the largest finite weight */
    for (int q = 0; q < Q; q++) {
        if (w[q] == 0.0) w[q] = wmax;
        ew += p[q] * w[q];
    }
    for (int q = 0; q < Q; q++) {
        prior[q] = (float)p[q];
        weights[q] = (float)(ew > 0.0 ? w[q] / ew : 1.0);
    }
}

void cz_quant_decode(float *ab, float *confidence, const float *logits, const float *log_prior, int hw,
                     float temperature, const cz_quant *qt)
{
    enum { BLOCK = 64 };
    const int Q = qt->q;
    const size_t n = (size_t)hw;
    /* T <= 0 is the limit T -> 0: the mode */
    int mode = !(temperature > 0.0f);
    float invt = mode ? 0.0f : 1.0f / temperature;
    for (size_t p0 = 0; p0 < n; p0 += BLOCK) {
        size_t m = n - p0 < BLOCK ? n - p0 : BLOCK;
        float mx[BLOCK], sum[BLOCK], sa[BLOCK], sb[BLOCK], sum1[BLOCK];
        int arg[BLOCK];
        /* Adding 0 changes no float, so no prior decodes exactly as before. */
        const float lp0 = log_prior ? log_prior[0] : 0.0f;
        for (size_t i = 0; i < m; i++) {
            mx[i] = logits[p0 + i] + lp0;
            arg[i] = 0;
            sum[i] = sa[i] = sb[i] = sum1[i] = 0.0f;
        }
        /* pass 1: the max of each pixel's logits (contiguous across pixels) */
        for (int q = 1; q < Q; q++) {
            const float *x = logits + (size_t)q * n + p0;
            const float lp = log_prior ? log_prior[q] : 0.0f;
            for (size_t i = 0; i < m; i++)
                if (x[i] + lp > mx[i]) {
                    mx[i] = x[i] + lp;
                    arg[i] = q;
                }
        }
        /* pass 2: stable exponentials at T (and at 1 for the confidence) */
        if (!mode) {
            int need1 = confidence && temperature != 1.0f;
            for (int q = 0; q < Q; q++) {
                const float *x = logits + (size_t)q * n + p0;
                const float lp = log_prior ? log_prior[q] : 0.0f;
                float a = qt->ab[q][0], b = qt->ab[q][1];
                for (size_t i = 0; i < m; i++) {
                    float e = expf((x[i] + lp - mx[i]) * invt);
                    sum[i] += e;
                    sa[i] += e * a;
                    sb[i] += e * b;
                }
                if (need1)
                    for (size_t i = 0; i < m; i++) sum1[i] += expf(x[i] + lp - mx[i]);
            }
            if (!need1)
                for (size_t i = 0; i < m; i++) sum1[i] = sum[i];
        } else if (confidence) {
            for (int q = 0; q < Q; q++) {
                const float *x = logits + (size_t)q * n + p0;
                const float lp = log_prior ? log_prior[q] : 0.0f;
                for (size_t i = 0; i < m; i++) sum1[i] += expf(x[i] + lp - mx[i]);
            }
        }
        for (size_t i = 0; i < m; i++) {
            if (mode) {
                ab[p0 + i] = qt->ab[arg[i]][0];
                ab[n + p0 + i] = qt->ab[arg[i]][1];
            } else {
                ab[p0 + i] = sa[i] / sum[i];
                ab[n + p0 + i] = sb[i] / sum[i];
            }
            /* the max of softmax is exp(0) / sum */
            if (confidence) confidence[p0 + i] = 1.0f / sum1[i];
        }
    }
}
