/* test_metrics.c: the trainer's figures on hand-computed cases: PSNR, SSIM,
 * Hasler-Suesstrunk colourfulness, the ab-error AuC, the lr-find rate
 * sequence and suggestion, and the duration format of the progress bar. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrfind.h"
#include "metrics.h"
#include "progress.h"

static void fill(float *x, size_t n, float r, float g, float b)
{
    for (size_t i = 0; i < n; i++) x[3 * i] = r, x[3 * i + 1] = g, x[3 * i + 2] = b;
}

int main(void)
{
    check_state st = {0};
    enum { W = 32, H = 24, N = W * H };
    static float a[3 * N], b[3 * N], lab1[3 * N], lab2[3 * N];

    /* PSNR: a constant error of 0.1 on every channel is 20 dB; identical
     * images hit the cap; an error on one channel in three is 10 log10(3)
     * dB better. */
    fill(a, N, 0.5f, 0.5f, 0.5f);
    fill(b, N, 0.6f, 0.4f, 0.6f);
    CHECK(&st, fabs(ct_psnr_rgb(a, b, N) - 20.0) < 1e-4, "psnr 0.1 error: %f", ct_psnr_rgb(a, b, N));
    CHECK(&st, ct_psnr_rgb(a, a, N) == CT_PSNR_MAX, "psnr identical");
    fill(b, N, 0.6f, 0.5f, 0.5f);
    CHECK(&st, fabs(ct_psnr_rgb(a, b, N) - (20.0 + 10 * log10(3.0))) < 1e-4, "psnr one channel: %f",
          ct_psnr_rgb(a, b, N));

    /* SSIM: 1 for identical images; for two constant images x = c, y = d
     * only the luminance term is left: (2cd + C1) / (c^2 + d^2 + C1). */
    uint64_t rng = 7;
    for (int i = 0; i < 3 * N; i++) a[i] = cz_rng_uniform(&rng);
    CHECK(&st, fabs(ct_ssim_rgb(a, a, W, H) - 1.0) < 1e-9, "ssim identical %f", ct_ssim_rgb(a, a, W, H));
    memcpy(b, a, sizeof a);
    for (int i = 0; i < 3 * N; i++) b[i] = 0.5f * a[i] + 0.25f;
    double s_half = ct_ssim_rgb(a, b, W, H);
    CHECK(&st, s_half < 0.99 && s_half > 0.3, "ssim of a contrast-halved image %f", s_half);
    fill(a, N, 0.3f, 0.3f, 0.3f);
    fill(b, N, 0.6f, 0.6f, 0.6f);
    double c1 = 1e-4, want = (2 * 0.3 * 0.6 + c1) / (0.09 + 0.36 + c1);
    CHECK(&st, fabs(ct_ssim_rgb(a, b, W, H) - want) < 1e-5, "ssim constants %f want %f",
          ct_ssim_rgb(a, b, W, H), want);
    CHECK(&st, isnan(ct_ssim_rgb(a, b, 8, 8)), "ssim needs an 11 x 11 window");

    /* Colourfulness: gray is 0; a uniform red has no spread, so M =
     * 0.3 sqrt(255^2 + 127.5^2); half red, half blue: rg = 255 / 0,
     * yb = 127.5 / -255: sd 127.5 and 191.25, means 127.5 and -63.75. */
    fill(a, N, 0.4f, 0.4f, 0.4f);
    {
        /* A vertical edge of 10 in a (and 0 in b) over 8 x 5 pixels: the
         * 4 rows of forward differences that cross it, over 7 x 4. */
        float lab[8 * 5 * 3] = {0};
        for (int y = 0; y < 5; y++)
            for (int x = 4; x < 8; x++) lab[3 * (y * 8 + x) + 1] = 10;
        double g = ct_ab_gradient(lab, 8, 5);
        CHECK(&st, fabs(g - 10.0 * 4 / 28) < 1e-9, "ab gradient of an edge %g want %g", g, 10.0 * 4 / 28);
        for (int k = 0; k < 8 * 5; k++) lab[3 * k + 1] = lab[3 * k + 2] = 7;
        CHECK(&st, ct_ab_gradient(lab, 8, 5) == 0 && ct_ab_gradient(lab, 1, 5) == 0, "ab gradient flat");
    }
    CHECK(&st, fabs(ct_colourfulness(a, N)) < 1e-9, "cf gray %f", ct_colourfulness(a, N));
    fill(a, N, 1, 0, 0);
    want = 0.3 * sqrt(255.0 * 255 + 127.5 * 127.5);
    CHECK(&st, fabs(ct_colourfulness(a, N) - want) < 1e-6, "cf red %f want %f", ct_colourfulness(a, N), want);
    fill(a, N / 2, 1, 0, 0);
    fill(a + 3 * (N / 2), N / 2, 0, 0, 1);
    want = sqrt(127.5 * 127.5 + 191.25 * 191.25) + 0.3 * sqrt(127.5 * 127.5 + 63.75 * 63.75);
    CHECK(&st, fabs(ct_colourfulness(a, N) - want) < 1e-6, "cf red/blue %f want %f", ct_colourfulness(a, N), want);

    /* AuC: no error -> 1; a constant ab error of 10.5 is within every
     * threshold from 11 on: (151 - 11) / 151; an error of 200 never. */
    uint64_t hist[CT_AUC_THRESHOLDS] = {0};
    fill(lab1, N, 50, 10, -20);
    ct_ab_error_accumulate(hist, lab1, lab1, N);
    CHECK(&st, fabs(ct_auc(hist, N) - 1.0) < 1e-12, "auc perfect %f", ct_auc(hist, N));
    memset(hist, 0, sizeof hist);
    fill(lab2, N, 50, 10 + 6.3f, -20 + 8.4f); /* |(6.3, 8.4)| = 10.5 */
    ct_ab_error_accumulate(hist, lab2, lab1, N);
    CHECK(&st, fabs(ct_auc(hist, N) - 140.0 / 151) < 1e-6, "auc 10.5 %f", ct_auc(hist, N));
    memset(hist, 0, sizeof hist);
    fill(lab2, N, 50, 210, -20);
    ct_ab_error_accumulate(hist, lab2, lab1, N);
    CHECK(&st, ct_auc(hist, N) == 0.0, "auc 200 %f", ct_auc(hist, N));

    /* lr-find: geometric rates with exact ends; the suggestion on a loss
     * that falls fastest at 1e-3 (a logistic in log10 lr) lands near it;
     * none for a rising loss. */
    enum { LN = 100 };
    double lr[LN], loss[LN];
    for (int i = 0; i < LN; i++) lr[i] = ct_lr_rate(1e-6, 1, i, LN);
    CHECK(&st, fabs(lr[0] - 1e-6) < 1e-18 && fabs(lr[LN - 1] - 1) < 1e-12, "lr ends");
    CHECK(&st, fabs(lr[1] / lr[0] - lr[LN - 1] / lr[LN - 2]) < 1e-9, "lr geometric");
    for (int i = 0; i < LN; i++) {
        double x = log10(lr[i]) + 3;
        loss[i] = 2 - 1 / (1 + exp(-3 * x)) + (x > 2 ? (x - 2) * (x - 2) : 0);
    }
    long s = ct_lr_suggest(lr, loss, LN);
    CHECK(&st, s >= 0 && fabs(log10(lr[s]) + 3) < 0.15, "suggest %g (index %ld)", s >= 0 ? lr[s] : -1, s);
    /* The centred smoothing keeps the drop where it is; a moving average
     * (beta 0.95) moves it towards larger rates. */
    double sm[LN], ema[LN], acc = 0;
    ct_lr_smooth(loss, sm, LN, LN / 20);
    for (int i = 0; i < LN; i++) {
        acc = 0.95 * acc + 0.05 * loss[i];
        ema[i] = acc / (1 - pow(0.95, i + 1));
    }
    long sc = ct_lr_suggest(lr, sm, LN), se = ct_lr_suggest(lr, ema, LN);
    CHECK(&st, sc >= 0 && fabs(log10(lr[sc]) + 3) < 0.15 && se > sc && log10(lr[se]) + 3 > 0.3,
          "centred smoothing suggests %g, the moving average %g (truth 1e-3)", sc >= 0 ? lr[sc] : -1,
          se >= 0 ? lr[se] : -1);
    ct_lr_smooth(lr, sm, 3, 5); /* window wider than the series: the mean of all */
    CHECK(&st, fabs(sm[0] - (lr[0] + lr[1] + lr[2]) / 3) < 1e-15 && sm[0] == sm[2], "smooth ends");
    for (int i = 0; i < LN; i++) loss[i] = 1 + i * 0.01;
    CHECK(&st, ct_lr_suggest(lr, loss, LN) == -1, "no suggestion for a rising loss");

    char buf[32];
    ct_format_duration(buf, sizeof buf, 3725.4);
    CHECK(&st, !strcmp(buf, "1:02:05"), "duration %s", buf);
    ct_format_duration(buf, sizeof buf, NAN);
    CHECK(&st, !strcmp(buf, "--:--"), "duration nan %s", buf);
    return check_finish(&st, "trainer metrics");
}
