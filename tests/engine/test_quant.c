/* test_quant.c: Lab through babl (against the CIE formulas computed here),
 * the in-gamut ab bins (recomputed here by the rule), soft-encoding against
 * brute force, the prior and rebalancing weights, and annealed-mean decoding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babl/babl.h>

#include "check.h"
#include "lab.h"
#include "quant.h"

/* The ICC's published Bradford-adapted sRGB -> XYZ(D50) matrix. babl derives
 * its own from the primaries; it differs in the 4th decimal (blue's Z 0.71393
 * against 0.71417), which moves Lab by up to about 0.03. */
static const double icc_matrix[3][3] = {{0.4360747, 0.3850649, 0.1430804},
                                        {0.2225045, 0.7168786, 0.0606169},
                                        {0.0139322, 0.0971045, 0.7141733}};

/* Independent sRGB -> Lab(D50): sRGB TRC, matrix M to XYZ(D50), CIE 1976
 * with the ICC D50 white. */
static void ref_srgb_to_lab(double *lab, const double *rgb, const double M[3][3])
{
    static const double white[3] = {0.9642, 1.0, 0.8249};
    double lin[3], f[3];
    for (int c = 0; c < 3; c++)
        lin[c] = rgb[c] <= 0.04045 ? rgb[c] / 12.92 : pow((rgb[c] + 0.055) / 1.055, 2.4);
    for (int r = 0; r < 3; r++) {
        double t = (M[r][0] * lin[0] + M[r][1] * lin[1] + M[r][2] * lin[2]) / white[r];
        double d = 6.0 / 29.0;
        f[r] = t > d * d * d ? cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
    }
    lab[0] = 116 * f[1] - 16;
    lab[1] = 500 * (f[0] - f[1]);
    lab[2] = 200 * (f[1] - f[2]);
}

static int unit(const float *c)
{
    const float eps = 1e-5f;
    for (int k = 0; k < 3; k++)
        if (!(c[k] >= -eps && c[k] <= 1 + eps)) return 0;
    return 1;
}

/* Does the cell centred on (ca, cb) hold an in-gamut colour, sampled with
 * ab step s and L step ls? */
static int cell_in_gamut(float ca, float cb, float s, float ls)
{
    int nab = (int)lroundf(10.0f / s) + 1, nl = (int)lroundf(100.0f / ls) + 1;
    float *lab = malloc(sizeof(float) * 3 * nl), *rgb = malloc(sizeof(float) * 3 * nl);
    int found = 0;
    for (int x = 0; x < nab && !found; x++)
        for (int y = 0; y < nab && !found; y++) {
            for (int l = 0; l < nl; l++) {
                lab[3 * l] = l * ls;
                lab[3 * l + 1] = ca - 5 + x * s;
                lab[3 * l + 2] = cb - 5 + y * s;
            }
            cz_lab_to_srgb_unclipped(rgb, lab, nl);
            for (int l = 0; l < nl && !found; l++) found = unit(rgb + 3 * l);
        }
    free(lab);
    free(rgb);
    return found;
}

static void test_lab(check_state *st, uint64_t *rng)
{
    /* greys */
    float rgb[3 * 21], lab[3 * 21];
    for (int i = 0; i <= 20; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = i / 20.0f;
    cz_lab_from_srgb(lab, rgb, 21);
    float worst = 0;
    for (int i = 0; i <= 20; i++) {
        worst = fmaxf(worst, fmaxf(fabsf(lab[3 * i + 1]), fabsf(lab[3 * i + 2])));
        if (i > 0) CHECK(st, lab[3 * i] > lab[3 * i - 3], "grey L not increasing at %d", i);
    }
    CHECK(st, worst < 0.01f, "grey |a|,|b| up to %g", worst);
    CHECK(st, fabsf(lab[60] - 100) < 1e-3f && fabsf(lab[61]) < 1e-3f && fabsf(lab[62]) < 1e-3f,
          "white -> %g %g %g", lab[60], lab[61], lab[62]);
    CHECK(st, fabsf(lab[0]) < 1e-3f, "black L %g", lab[0]);
    printf("  lab: grey worst |a|,|b| %.2e, white %.5f %.5f %.5f\n", worst, lab[60], lab[61], lab[62]);

    /* primaries, secondaries and random colours against the formulas */
    enum { N = 1000 };
    float *c = malloc(sizeof(float) * 3 * N), *l = malloc(sizeof(float) * 3 * N);
    float *r = malloc(sizeof(float) * 3 * N), *ru = malloc(sizeof(float) * 3 * N);
    static const float fixed[6][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
    memcpy(c, fixed, sizeof fixed);
    check_fill_uniform(c + 18, 3 * N - 18, 0, 1, rng);
    cz_lab_from_srgb(l, c, N);
    /* babl's own matrix: its linear RGB -> XYZ of the three primaries */
    const Babl *fish = babl_fish(babl_format("RGB double"), babl_format("CIE XYZ double"));
    double prim[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, xyz[9], bm[3][3];
    babl_process(fish, prim, xyz, 3);
    for (int row = 0; row < 3; row++)
        for (int k = 0; k < 3; k++) bm[row][k] = xyz[3 * k + row];
    double werr = 0, werr_icc = 0;
    for (int i = 0; i < N; i++) {
        double in[3] = {c[3 * i], c[3 * i + 1], c[3 * i + 2]}, ref[3], ref_icc[3];
        ref_srgb_to_lab(ref, in, (const double(*)[3])bm);
        ref_srgb_to_lab(ref_icc, in, icc_matrix);
        for (int k = 0; k < 3; k++) {
            werr = fmax(werr, fabs(ref[k] - l[3 * i + k]));
            werr_icc = fmax(werr_icc, fabs(ref_icc[k] - l[3 * i + k]));
        }
    }
    CHECK(st, werr < 2e-3, "babl vs CIE formulas (babl's matrix): max diff %g", werr);
    CHECK(st, werr_icc < 0.05, "babl vs CIE formulas (ICC matrix): max diff %g", werr_icc);
    CHECK(st, fabsf(l[0] - 54.29f) < 0.05f && fabsf(l[1] - 80.81f) < 0.05f && fabsf(l[2] - 69.89f) < 0.05f,
          "red -> %g %g %g", l[0], l[1], l[2]);
    printf("  lab: red %.3f %.3f %.3f; babl vs formulas max |diff| %.2e (babl's matrix), "
           "%.2e (ICC matrix) over %d colours\n", l[0], l[1], l[2], werr, werr_icc, N);

    /* round trips, clipped and unclipped, inside the gamut */
    cz_lab_to_srgb(r, l, N);
    cz_lab_to_srgb_unclipped(ru, l, N);
    double rt = check_rel_err(r, c, 3 * N, 1.0), rtu = check_rel_err(ru, c, 3 * N, 1.0);
    CHECK(st, rt < 1e-4 && rtu < 1e-4, "sRGB round trip error %g / %g", rt, rtu);
    printf("  lab: round trip max err %.2e (clipped) %.2e (unclipped)\n", rt, rtu);

    /* outside the gamut: unclipped leaves [0,1], clipped does not */
    float far[6] = {50, 100, 100, 50, -100, -100}, o[6], oc[6];
    cz_lab_to_srgb_unclipped(o, far, 2);
    cz_lab_to_srgb(oc, far, 2);
    int outside = 0, inside = 1;
    for (int k = 0; k < 6; k++) {
        outside |= o[k] < 0 || o[k] > 1;
        inside &= oc[k] >= 0 && oc[k] <= 1;
        if (o[k] >= 0 && o[k] <= 1) CHECK(st, o[k] == oc[k], "clip altered an in-range value");
    }
    CHECK(st, outside && inside, "unclipped leaves the gamut (%d), clipped stays in (%d)", outside, inside);
    free(c);
    free(l);
    free(r);
    free(ru);
}

static void test_bins(check_state *st, const cz_quant *qt)
{
    CHECK(st, qt->q >= 250 && qt->q <= 275, "bin count %d outside 250..275", qt->q);
    /* grid and ab agree, indices are unique and ordered */
    int seen = 0, ok = 1;
    for (int ia = 0; ia < 23; ia++)
        for (int ib = 0; ib < 23; ib++) {
            int q = qt->grid[ia][ib];
            if (q < 0) continue;
            ok &= q == seen++;
            ok &= qt->ab[q][0] == -110 + 10 * ia && qt->ab[q][1] == -110 + 10 * ib;
        }
    CHECK(st, ok && seen == qt->q, "grid and ab disagree (%d cells vs q %d)", seen, qt->q);

    /* the rule recomputed: witnesses (1) inverse, ab step 1, L step 0.5 ... */
    int inv[23][23], face[23][23] = {{0}}, n_inv = 0, n_rule = 0, mismatch = 0;
    for (int ia = 0; ia < 23; ia++)
        for (int ib = 0; ib < 23; ib++) n_inv += inv[ia][ib] = cell_in_gamut(-110 + 10 * ia, -110 + 10 * ib, 1, 0.5f);
    /* ... and (2) the cube's faces at 1/1024 */
    enum { F = 1024 };
    size_t nf = (size_t)(F + 1) * (F + 1);
    float *rgb = malloc(sizeof(float) * 3 * nf), *lab = malloc(sizeof(float) * 3 * nf);
    for (int f = 0; f < 6; f++) {
        size_t k = 0;
        for (int i = 0; i <= F; i++)
            for (int j = 0; j <= F; j++, k++) {
                rgb[3 * k + f / 2] = f % 2;
                rgb[3 * k + (f / 2 + 1) % 3] = (float)i / F;
                rgb[3 * k + (f / 2 + 2) % 3] = (float)j / F;
            }
        cz_lab_from_srgb(lab, rgb, nf);
        for (size_t p = 0; p < nf; p++)
            face[(int)lroundf(lab[3 * p + 1] / 10) + 11][(int)lroundf(lab[3 * p + 2] / 10) + 11] = 1;
    }
    free(rgb);
    free(lab);
    for (int ia = 0; ia < 23; ia++)
        for (int ib = 0; ib < 23; ib++) {
            int rule = inv[ia][ib] || face[ia][ib];
            n_rule += rule;
            mismatch += rule != (qt->grid[ia][ib] >= 0);
        }
    CHECK(st, mismatch == 0 && n_rule == qt->q, "rule gives %d bins, init %d (%d cells differ)",
          n_rule, qt->q, mismatch);

    /* cross-check the cells the two witnesses disagree on, and the border,
     * with a finer inverse sampling (ab 0.5, L 0.05) */
    int fine_bad = 0, checked = 0;
    for (int ia = 0; ia < 23; ia++)
        for (int ib = 0; ib < 23; ib++) {
            int kept = qt->grid[ia][ib] >= 0, border = 0;
            for (int da = -1; da <= 1; da++)
                for (int db = -1; db <= 1; db++) {
                    int x = ia + da, y = ib + db;
                    if (x >= 0 && x < 23 && y >= 0 && y < 23 && (qt->grid[x][y] >= 0) != kept) border = 1;
                }
            if (!border && inv[ia][ib] == face[ia][ib]) continue;
            checked++;
            if (inv[ia][ib] == face[ia][ib] && kept) continue; /* a witness exists */
            int fine = cell_in_gamut(-110 + 10 * ia, -110 + 10 * ib, 0.5f, 0.05f);
            if (fine != kept) {
                fine_bad++;
                fprintf(stderr, "  cell a %d b %d: kept %d, fine sampling %d\n",
                        -110 + 10 * ia, -110 + 10 * ib, kept, fine);
            }
        }
    CHECK(st, fine_bad == 0, "%d border cells disagree with fine sampling", fine_bad);
    printf("  bins: Q %d (inverse witness alone %d); %d border cells re-sampled finely\n",
           qt->q, n_inv, checked);
}

/* Brute-force squared distances of (a, b) to every bin, sorted. */
static void brute_sorted(float *d2, const cz_quant *qt, float a, float b)
{
    for (int q = 0; q < qt->q; q++) {
        float da = a - qt->ab[q][0], db = b - qt->ab[q][1];
        d2[q] = da * da + db * db;
    }
    for (int i = 1; i < qt->q; i++) /* insertion sort */
        for (int j = i; j > 0 && d2[j - 1] > d2[j]; j--) {
            float t = d2[j];
            d2[j] = d2[j - 1];
            d2[j - 1] = t;
        }
}

static void test_encode(check_state *st, const cz_quant *qt, uint64_t *rng)
{
    enum { HW = 500 };
    float ab[2 * HW];
    /* half from real colours, half anywhere (also outside the grid) */
    float rgb[3 * HW], lab[3 * HW];
    check_fill_uniform(rgb, 3 * HW, 0, 1, rng);
    cz_lab_from_srgb(lab, rgb, HW);
    for (int p = 0; p < HW; p++) {
        ab[p] = p % 2 ? lab[3 * p + 1] : -130 + 260 * cz_rng_uniform(rng);
        ab[HW + p] = p % 2 ? lab[3 * p + 2] : -130 + 260 * cz_rng_uniform(rng);
    }
    int idx[5 * HW];
    float wt[5 * HW], sigma = 5;
    cz_quant_encode_sparse(idx, wt, ab, HW, sigma, qt);
    int bad_sum = 0, bad_nz = 0, bad_max = 0, bad_knn = 0, bad_w = 0, bad_near = 0;
    float d2[CZ_QUANT_MAX_BINS];
    for (int p = 0; p < HW; p++) {
        float a = ab[p], b = ab[HW + p], s = 0;
        brute_sorted(d2, qt, a, b);
        float e[5], es = 0;
        for (int j = 0; j < 5; j++) {
            int q = idx[5 * p + j];
            float da = a - qt->ab[q][0], db = b - qt->ab[q][1], d = da * da + db * db;
            if (fabsf(d - d2[j]) > 1e-3f * (1 + d2[j])) bad_knn++;
            s += wt[5 * p + j];
            bad_nz += !(wt[5 * p + j] > 0);
            if (wt[5 * p + j] > wt[5 * p]) bad_max++;
            es += e[j] = (float)exp(-((double)d - d2[0]) / (2.0 * sigma * sigma));
        }
        for (int j = 0; j < 5; j++) bad_w += fabsf(wt[5 * p + j] - e[j] / es) > 1e-5f;
        bad_sum += fabsf(s - 1) > 1e-5f;
        int nq = cz_quant_nearest(qt, a, b);
        float da = a - qt->ab[nq][0], db = b - qt->ab[nq][1];
        bad_near += fabsf(da * da + db * db - d2[0]) > 1e-3f * (1 + d2[0]);
    }
    CHECK(st, !bad_sum && !bad_nz && !bad_max, "encode: %d sums != 1, %d zero weights, %d not largest at nearest",
          bad_sum, bad_nz, bad_max);
    CHECK(st, !bad_knn && !bad_near, "encode: %d neighbours, %d nearest differ from brute force", bad_knn, bad_near);
    CHECK(st, !bad_w, "encode: %d weights differ from the Gaussian formula", bad_w);

    /* exactly at every bin centre: the biggest weight there, neighbours e^-2 */
    int bad_centre = 0;
    for (int q = 0; q < qt->q; q++) {
        float c[2] = {qt->ab[q][0], qt->ab[q][1]};
        int ci[5];
        float cw[5];
        cz_quant_encode_sparse(ci, cw, c, 1, sigma, qt);
        bad_centre += ci[0] != q || cw[1] >= cw[0];
        if (ci[0] == q && fabsf(cw[1] / cw[0] - expf(-2.0f)) > 1e-5f) bad_centre++;
    }
    CHECK(st, !bad_centre, "encode at centres: %d bins wrong", bad_centre);

    /* dense = sparse scattered */
    float *dense = malloc(sizeof(float) * qt->q * HW);
    cz_quant_encode(dense, ab, HW, sigma, qt);
    int bad_dense = 0;
    for (int p = 0; p < HW; p++) {
        float s = 0;
        for (int q = 0; q < qt->q; q++) s += dense[(size_t)q * HW + p];
        bad_dense += fabsf(s - 1) > 1e-5f;
        for (int j = 0; j < 5; j++) bad_dense += dense[(size_t)idx[5 * p + j] * HW + p] != wt[5 * p + j];
    }
    CHECK(st, !bad_dense, "dense encode: %d mismatches", bad_dense);
    free(dense);
}

static void test_prior(check_state *st, const cz_quant *qt, uint64_t *rng)
{
    int Q = qt->q;
    double *counts = calloc(Q, sizeof(double));
    float *prior = malloc(sizeof(float) * Q), *w = malloc(sizeof(float) * Q);
    /* one pixel at a single bin: smoothing spreads e^-2 to its 4 neighbours */
    int q0 = qt->grid[11][11];
    float ab0[2] = {qt->ab[q0][0] + 1, qt->ab[q0][1] - 2};
    cz_quant_prior_accumulate(counts, ab0, 1, qt);
    CHECK(st, counts[q0] == 1, "accumulate missed the nearest bin");
    cz_quant_weights(prior, w, counts, 5, 0.5f, qt);
    int qn = qt->grid[12][11], qd = qt->grid[12][12];
    CHECK(st, fabsf(prior[qn] / prior[q0] - expf(-2)) < 1e-5f && fabsf(prior[qd] / prior[q0] - expf(-4)) < 1e-5f,
          "smoothing ratios %g %g", prior[qn] / prior[q0], prior[qd] / prior[q0]);

    /* realistic counts from random colours, skewed towards greys */
    memset(counts, 0, sizeof(double) * Q);
    enum { HW = 4000 };
    float rgb[3 * HW], lab[3 * HW], ab[2 * HW];
    check_fill_uniform(rgb, 3 * HW, 0, 1, rng);
    for (int p = 0; p < HW; p += 2) rgb[3 * p + 1] = rgb[3 * p + 2] = rgb[3 * p];
    cz_lab_from_srgb(lab, rgb, HW);
    for (int p = 0; p < HW; p++) {
        ab[p] = lab[3 * p + 1];
        ab[HW + p] = lab[3 * p + 2];
    }
    cz_quant_prior_accumulate(counts, ab, HW, qt);
    double total = 0;
    for (int q = 0; q < Q; q++) total += counts[q];
    CHECK(st, total == HW, "accumulated %g of %d", total, HW);
    cz_quant_weights(prior, w, counts, 5, 0.5f, qt);
    double ps = 0, ew = 0, wmin = INFINITY, wmax = 0;
    int bad_order = 0;
    double den0 = 0.5 * prior[0] + 0.5 / Q;
    for (int q = 0; q < Q; q++) {
        ps += prior[q];
        ew += (double)prior[q] * w[q];
        wmin = fmin(wmin, w[q]);
        wmax = fmax(wmax, w[q]);
        /* w_q / w_0 = den_0 / den_q whatever the normalisation */
        double ratio = den0 / (0.5 * prior[q] + 0.5 / Q);
        bad_order += fabs(w[q] / w[0] - ratio) > 1e-4 * ratio;
    }
    for (int q = 0; q < Q; q++)
        for (int r = 0; r < Q; r++) bad_order += prior[q] < prior[r] && !(w[q] > w[r]);
    CHECK(st, fabs(ps - 1) < 1e-5 && fabs(ew - 1) < 1e-4, "prior sum %g, E_p[w] %g", ps, ew);
    CHECK(st, !bad_order, "weights: %d violate w ~ 1/((1-l)p + l/Q)", bad_order);
    int grey = qt->grid[11][11];
    printf("  prior: p(grey) %.4f, w(grey) %.3f, w %.3f..%.3f, E_p[w] %.6f\n", prior[grey], w[grey],
           wmin, wmax, ew);
    free(counts);
    free(prior);
    free(w);
}

static void ref_decode(double *a, double *b, double *conf, const float *logits, int hw, int p,
                       double t, const cz_quant *qt)
{
    double mx = -INFINITY, s = 0, sa = 0, sb = 0, s1 = 0;
    for (int q = 0; q < qt->q; q++) mx = fmax(mx, logits[(size_t)q * hw + p]);
    for (int q = 0; q < qt->q; q++) {
        double x = logits[(size_t)q * hw + p];
        double e = exp((x - mx) / t);
        s += e;
        sa += e * qt->ab[q][0];
        sb += e * qt->ab[q][1];
        s1 += exp(x - mx);
    }
    *a = sa / s;
    *b = sb / s;
    *conf = 1 / s1;
}

static void test_decode(check_state *st, const cz_quant *qt, uint64_t *rng)
{
    enum { HW = 150 }; /* not a multiple of the 64-pixel block */
    int Q = qt->q;
    float *logits = malloc(sizeof(float) * Q * HW), ab[2 * HW], conf[HW];
    check_fill_uniform(logits, (size_t)Q * HW, -3, 3, rng);
    int arg[HW];
    for (int p = 0; p < HW; p++) {
        arg[p] = cz_rng_below(rng, Q);
        logits[(size_t)arg[p] * HW + p] = 4 + 40 * (p % 2); /* clear mode; some large */
    }
    /* T = 0.01: the mode */
    cz_quant_decode(ab, conf, logits, NULL, HW, 0.01f, qt);
    int bad = 0, badc = 0;
    for (int p = 0; p < HW; p++) {
        bad += fabsf(ab[p] - qt->ab[arg[p]][0]) > 1e-3f || fabsf(ab[HW + p] - qt->ab[arg[p]][1]) > 1e-3f;
        double a, b, c;
        ref_decode(&a, &b, &c, logits, HW, p, 1, qt);
        badc += fabs(conf[p] - c) > 1e-5 * c;
    }
    CHECK(st, !bad && !badc, "T 0.01: %d pixels not at the mode, %d confidences wrong", bad, badc);
    cz_quant_decode(ab, NULL, logits, NULL, HW, 0, qt);
    bad = 0;
    for (int p = 0; p < HW; p++) bad += ab[p] != qt->ab[arg[p]][0] || ab[HW + p] != qt->ab[arg[p]][1];
    CHECK(st, !bad, "T 0: %d pixels not at the mode", bad);
    /* T = 1: the mean; T = 0.38: the annealed mean */
    const float ts[2] = {1.0f, 0.38f};
    for (int i = 0; i < 2; i++) {
        cz_quant_decode(ab, conf, logits, NULL, HW, ts[i], qt);
        double worst = 0, worstc = 0;
        for (int p = 0; p < HW; p++) {
            double a, b, c;
            ref_decode(&a, &b, &c, logits, HW, p, ts[i], qt);
            worst = fmax(worst, fmax(fabs(ab[p] - a), fabs(ab[HW + p] - b)));
            worstc = fmax(worstc, fabs(conf[p] - c) / c);
            if (p % 2 == 0 && i == 0) CHECK(st, c > 1.0 / Q && c < 1, "confidence %g out of (1/Q, 1)", c);
        }
        CHECK(st, worst < 1e-3 && worstc < 1e-5, "T %g: decode off by %g, confidence by %g", ts[i], worst, worstc);
        printf("  decode T %.2f: max |ab - ref| %.2e, confidence rel err %.2e\n", ts[i], worst, worstc);
    }
    /* equal logits: the plain mean of the bins, confidence 1/Q */
    for (size_t i = 0; i < (size_t)Q * HW; i++) logits[i] = 7;
    cz_quant_decode(ab, conf, logits, NULL, HW, 1, qt);
    double ma = 0, mb = 0;
    for (int q = 0; q < Q; q++) {
        ma += qt->ab[q][0] / Q;
        mb += qt->ab[q][1] / Q;
    }
    CHECK(st, fabs(ab[0] - ma) < 1e-3 && fabs(ab[HW] - mb) < 1e-3 && fabs(conf[0] * Q - 1) < 1e-4,
          "uniform decode %g %g (want %g %g), conf %g", ab[0], ab[HW], ma, mb, conf[0]);
    free(logits);
}

int main(void)
{
    check_state st = {0};
    uint64_t rng = 42;
    cz_lab_init();
    test_lab(&st, &rng);
    cz_quant qt;
    cz_error err = {0};
    cz_status s = cz_quant_init(&qt, &err);
    CHECK(&st, s == CZ_STATUS_OK, "cz_quant_init: %s", err.msg);
    if (s == CZ_STATUS_OK) {
        test_bins(&st, &qt);
        test_encode(&st, &qt, &rng);
        test_prior(&st, &qt, &rng);
        test_decode(&st, &qt, &rng);
    }
    CHECK(&st, cz_quant_init(NULL, &err) == CZ_STATUS_INVALID_ARGUMENT, "NULL qt accepted");
    cz_lab_exit();
    return check_finish(&st, "quant");
}
