/* test_reference.c: a reference photo's prior (reference.h). Its histogram
 * against the smoothing recomputed here from the bin centres; the prior in
 * decoding against a double-precision decode of p^(1/T) ((h + eps) /
 * (pi + eps))^(k s) for a gray-heavy training prior pi, and h alone
 * moving the decoded ab towards the reference's colour, more at strength 2
 * than at 1; chroma matching
 * against the quantile map of two known chroma distributions;
 * strength 0 decoding byte for byte as no reference, through a model too;
 * and the refusals (no pixels, a regression model). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lab.h"
#include "model.h"
#include "reference.h"

/* A blue-green: the colour every reference here has. */
#define REF_A -24.0f
#define REF_B -10.0f

static cz_reference *uniform_reference(const cz_quant *qt, float a, float b, size_t n, cz_error *err)
{
    float *ab = malloc(2 * n * sizeof(float));
    for (size_t i = 0; i < n; i++) ab[i] = a, ab[n + i] = b;
    cz_reference *r = cz_reference_new(qt, ab, n, err);
    free(ab);
    return r;
}

/* One colour: all counts in its nearest bin, then a Gaussian over the bin
 * centres, normalised: the histogram must be exactly that. */
static void test_histogram(check_state *st, const cz_quant *qt)
{
    cz_error err = {0};
    cz_reference *r = uniform_reference(qt, REF_A, REF_B, 1000, &err);
    CHECK(st, r != NULL, "new: %s", err.msg);
    if (!r) return;
    const float *h = cz_reference_get_histogram(r);
    CHECK(st, cz_reference_get_bins(r) == qt->q, "bins %d, want %d", cz_reference_get_bins(r), qt->q);
    int near = cz_quant_nearest(qt, REF_A, REF_B), arg = 0;
    double want[CZ_QUANT_MAX_BINS], sum = 0, hs = 0, worst = 0, within = 0;
    for (int q = 0; q < qt->q; q++) {
        double da = qt->ab[q][0] - qt->ab[near][0], db = qt->ab[q][1] - qt->ab[near][1];
        want[q] = exp(-(da * da + db * db) / (2.0 * CZ_REFERENCE_SIGMA * CZ_REFERENCE_SIGMA));
        sum += want[q];
    }
    for (int q = 0; q < qt->q; q++) {
        worst = fmax(worst, fabs(h[q] - want[q] / sum));
        hs += h[q];
        if (h[q] > h[arg]) arg = q;
        double da = qt->ab[q][0] - qt->ab[near][0], db = qt->ab[q][1] - qt->ab[near][1];
        if (da * da + db * db < 15.0 * 15.0) within += h[q];
    }
    CHECK(st, arg == near, "the peak is bin %d (%g, %g), want the colour's bin %d (%g, %g)", arg, qt->ab[arg][0],
          qt->ab[arg][1], near, qt->ab[near][0], qt->ab[near][1]);
    CHECK(st, worst < 1e-6, "histogram off the smoothed count by %g", worst);
    CHECK(st, fabs(hs - 1) < 1e-5, "histogram sums to %g", hs);
    CHECK(st, within > 0.95, "only %g of the mass within 15 of its bin", within);
    printf("  one colour: peak %.3f at (%g, %g), %.3f within 15\n", h[arg], qt->ab[arg][0], qt->ab[arg][1], within);
    float lp[CZ_QUANT_MAX_BINS];
    cz_reference_log_prior(lp, r, NULL, 0.0f, 0.38f);
    int nonzero = 0;
    for (int q = 0; q < qt->q; q++) nonzero += lp[q] != 0.0f;
    CHECK(st, !nonzero, "strength 0: %d bins have a non-zero log prior", nonzero);
    cz_reference_free(r);

    r = uniform_reference(qt, REF_A, REF_B, 0, &err);
    CHECK(st, !r && err.status == CZ_STATUS_INVALID_ARGUMENT && strstr(err.msg, "no pixels"),
          "a reference of no pixels: status %d, '%s'", err.status, err.msg);
    cz_reference_free(r);
}

/* Mean distance of the decoded ab [2, hw] to the reference colour. */
static double distance_to_reference(const float *ab, int hw)
{
    double d = 0;
    for (int p = 0; p < hw; p++) d += hypot(ab[p] - REF_A, ab[hw + p] - REF_B);
    return d / hw;
}

static void test_decode(check_state *st, const cz_quant *qt, uint64_t *rng)
{
    enum { HW = 150 }; /* not a multiple of the 64-pixel block */
    const int Q = qt->q;
    cz_error err = {0};
    cz_reference *r = uniform_reference(qt, REF_A, REF_B, 64, &err);
    CHECK(st, r != NULL, "new: %s", err.msg);
    if (!r) return;
    float *logits = malloc(sizeof(float) * Q * HW), ab0[2 * HW], ab[2 * HW], c0[HW], c[HW], lp[CZ_QUANT_MAX_BINS];
    check_fill_uniform(logits, (size_t)Q * HW, -3, 3, rng);
    /* a training prior: mostly gray, as photos are */
    float pi[CZ_QUANT_MAX_BINS];
    double pis = 0;
    for (int q = 0; q < Q; q++) pis += pi[q] = expf(-(qt->ab[q][0] * qt->ab[q][0] + qt->ab[q][1] * qt->ab[q][1]) / 800.0f);
    for (int q = 0; q < Q; q++) pi[q] /= (float)pis;
    const float T = 0.38f;
    cz_quant_decode(ab0, c0, logits, NULL, HW, T, qt);
    cz_reference_log_prior(lp, r, pi, 0.0f, T);
    cz_quant_decode(ab, c, logits, lp, HW, T, qt);
    CHECK(st, !memcmp(ab, ab0, sizeof ab) && !memcmp(c, c0, sizeof c), "strength 0 decodes differently");

    double d0 = distance_to_reference(ab0, HW), d[3] = {0};
    const float strengths[3] = {0.5f, 1.0f, 2.0f};
    for (int i = 0; i < 3; i++) {
        const float s = strengths[i];
        /* the pull of h alone (pi is a push away from gray as well) */
        cz_reference_log_prior(lp, r, NULL, s, T);
        cz_quant_decode(ab, c, logits, lp, HW, T, qt);
        d[i] = distance_to_reference(ab, HW);
        cz_reference_log_prior(lp, r, pi, s, T);
        cz_quant_decode(ab, c, logits, lp, HW, T, qt);
        /* p'(q) ~ p(q)^(1/T) ((h(q) + eps) / (pi(q) + eps))^(k s), in double */
        const float *h = cz_reference_get_histogram(r);
        double worst = 0;
        for (int p = 0; p < HW; p++) {
            double mx = -INFINITY, sum = 0, sa = 0, sb = 0;
            const double e = CZ_REFERENCE_EPS;
            const double k = CZ_REFERENCE_SCALE * s;
            for (int q = 0; q < Q; q++)
                mx = fmax(mx, logits[(size_t)q * HW + p] / T + k * log((h[q] + e) / (pi[q] + e)));
            for (int q = 0; q < Q; q++) {
                double x = logits[(size_t)q * HW + p] / T + k * log((h[q] + e) / (pi[q] + e));
                double z = exp(x - mx);
                sum += z, sa += z * qt->ab[q][0], sb += z * qt->ab[q][1];
            }
            worst = fmax(worst, fmax(fabs(ab[p] - sa / sum), fabs(ab[HW + p] - sb / sum)));
        }
        CHECK(st, worst < 1e-3, "strength %g: decode off the double-precision prior by %g", s, worst);
    }
    CHECK(st, d[0] < d0 && d[1] < d[0] && d[2] < d[1] && d[1] < 0.5 * d0,
          "distance to the reference colour: %.2f without, %.2f %.2f %.2f at strength 0.5 1 2", d0, d[0], d[1],
          d[2]);
    printf("  decode: mean distance to (%g, %g): %.1f without, %.1f / %.1f / %.1f at 0.5 / 1 / 2\n", REF_A, REF_B,
           d0, d[0], d[1], d[2]);
    free(logits);
    cz_reference_free(r);
}

/* Chroma matching: a reference of chroma spread evenly over 20..60 and a
 * prediction of chroma spread evenly over 0..20, each at its own hues: the
 * quantile map sends c to 20 + 2c, so at strength s a pixel's chroma
 * becomes c + g s (20 + c) (g = CZ_REFERENCE_CHROMA_GAIN) with its hue
 * kept; strength 0 changes no bit, and gray stays gray. */
static void test_chroma(check_state *st, const cz_quant *qt)
{
    enum { N = 4000 };
    static float ref[2 * N], ab[2 * N], ab0[2 * N];
    for (int i = 0; i < N; i++) {
        const float u = (i + 0.5f) / N, hue = 2.399963f * (float)i; /* golden-angle hues */
        ref[i] = (20.0f + 40.0f * u) * cosf(hue), ref[N + i] = (20.0f + 40.0f * u) * sinf(hue);
        ab0[i] = 20.0f * u * cosf(1.3f * hue), ab0[N + i] = 20.0f * u * sinf(1.3f * hue);
    }
    ab0[0] = ab0[N] = 0.0f; /* one gray pixel */
    cz_error err = {0};
    cz_reference *r = cz_reference_new(qt, ref, N, &err);
    CHECK(st, r != NULL, "new: %s", err.msg);
    if (!r) return;
    memcpy(ab, ab0, sizeof ab);
    cz_reference_match_chroma(r, ab, N, 0.0f);
    CHECK(st, !memcmp(ab, ab0, sizeof ab), "strength 0 changes the chroma");
    const float strengths[2] = {0.5f, 1.0f};
    for (int j = 0; j < 2; j++) {
        const float s = strengths[j], g = CZ_REFERENCE_CHROMA_GAIN * s;
        memcpy(ab, ab0, sizeof ab);
        cz_reference_match_chroma(r, ab, N, s);
        double worst = 0, hue = 0;
        for (int i = 1; i < N; i++) {
            const double c0 = hypot(ab0[i], ab0[N + i]), c = hypot(ab[i], ab[N + i]);
            worst = fmax(worst, fabs(c - (c0 + g * (20.0 + c0))));
            hue = fmax(hue, fabs(ab[i] * ab0[N + i] - ab[N + i] * ab0[i]) / (c * c0 + 1e-9));
        }
        CHECK(st, worst < 0.1, "strength %g: chroma off c + %g (20 + c) by %.3f", s, g, worst);
        CHECK(st, hue < 1e-5, "strength %g: the hue moved (sine %.2g)", s, hue);
        CHECK(st, ab[0] == 0.0f && ab[N] == 0.0f, "strength %g: gray became (%g, %g)", s, ab[0], ab[N]);
        if (j == 1) printf("  chroma: 0..20 matched to 20..60 at strength 1 within %.3f\n", worst);
    }
    cz_reference_free(r);
}

/* Through a (fresh) colorful model: strength 0 gives its exact answer, 1
 * moves it towards the colour; a pix2pix model refuses by name. */
static void test_model(check_state *st, uint64_t *rng)
{
    enum { S = 32 };
    cz_error err = {0};
    const cz_model_config cfg = {.arch = "colorful", .width = 0.05f, .size = S};
    cz_model *m = cz_model_new(&cfg, 7, &err);
    CHECK(st, m != NULL, "new colorful: %s", err.msg);
    if (!m) return;
    cz_reference *r = uniform_reference(cz_model_get_quant(m), REF_A, REF_B, 100, &err);
    float L[S * S], ab0[2 * S * S], ab[2 * S * S];
    check_fill_uniform(L, S * S, 20, 80, rng);
    cz_status s0 = cz_model_predict(m, ab0, NULL, L, S, S, 0.38f, &err);
    cz_status s1 = cz_model_predict_reference(m, ab, NULL, L, NULL, r, 0.0f, S, S, 0.38f, &err);
    CHECK(st, !s0 && !s1 && !memcmp(ab, ab0, sizeof ab), "strength 0 through the model: %s", err.msg);
    s1 = cz_model_predict_reference(m, ab, NULL, L, NULL, r, 1.0f, S, S, 0.38f, &err);
    double d0 = distance_to_reference(ab0, S * S), d1 = distance_to_reference(ab, S * S);
    CHECK(st, !s1 && d1 < 0.5 * d0, "model: distance %.2f without, %.2f at strength 1 (%s)", d0, d1, err.msg);
    s1 = cz_model_predict_reference(m, ab, NULL, L, NULL, r, 2.5f, S, S, 0.38f, &err);
    CHECK(st, s1 == CZ_STATUS_INVALID_ARGUMENT, "strength 2.5 accepted");
    cz_model_free(m);

    const cz_model_config pcfg = {.arch = "pix2pix", .width = 0.05f, .size = S};
    m = cz_model_new(&pcfg, 7, &err);
    CHECK(st, m != NULL, "new pix2pix: %s", err.msg);
    if (m) {
        CHECK(st, !cz_model_takes_reference(m), "pix2pix says it takes a reference");
        s1 = cz_model_predict_reference(m, ab, NULL, L, NULL, r, 1.0f, S, S, 0.38f, &err);
        CHECK(st, s1 == CZ_STATUS_UNSUPPORTED && strstr(err.msg, "pix2pix") && strstr(err.msg, "reference"),
              "pix2pix with a reference: status %d, '%s'", s1, err.msg);
        cz_model_free(m);
    }
    cz_reference_free(r);
}

int main(void)
{
    check_state st = {0};
    uint64_t rng = 16;
    cz_lab_init();
    cz_quant qt;
    cz_error err = {0};
    cz_status s = cz_quant_init(&qt, &err);
    CHECK(&st, s == CZ_STATUS_OK, "cz_quant_init: %s", err.msg);
    if (s == CZ_STATUS_OK) {
        test_histogram(&st, &qt);
        test_decode(&st, &qt, &rng);
        test_chroma(&st, &qt);
        test_model(&st, &rng);
    }
    cz_lab_exit();
    return check_finish(&st, "reference");
}
