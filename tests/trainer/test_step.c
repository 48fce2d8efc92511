/* test_step.c: data-parallel lanes compute the gradient of one network.
 * A batch whose second half repeats its first has the same batch-norm
 * statistics in each half as in the whole, so two lanes (replicas, 8 samples
 * each, gradients averaged) must give the single network's loss and
 * gradients on all 16, up to float rounding, for every single-network
 * architecture; and after the step the replica holds lane 0's weights.
 * Also: a fusion model trained against a PatchGAN (--adversarial). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lab.h"
#include "safetensors.h"
#include "step.h"
#include "util.h"

#define B 16
#define S 32

static void test_arch(check_state *st, const char *arch)
{
    cz_model_config cfg = {0};
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.width = 0.125f;
    cfg.size = S;
    if (!strcmp(arch, "fusion")) {
        cfg.classes = 3;
        for (int c = 0; c < 3; c++) snprintf(cfg.class_names[c], sizeof cfg.class_names[c], "c%d", c);
    }
    cz_error err = {0};
    cz_model *m1 = cz_model_new(&cfg, 7, &err), *m2 = cz_model_new(&cfg, 7, &err);
    if (!m1 || !m2) {
        CHECK(st, false, "%s: %s", arch, err.msg);
        return;
    }
    ct_trainer t1, t2;
    ct_trainer_init(&t1, m1, B, 0, 1);
    ct_trainer_init(&t2, m2, B, 0, 2);
    CHECK(st, t1.lanes == 1 && t2.lanes == 2, "%s: lanes %d and %d", arch, t1.lanes, t2.lanes);

    /* Half a batch of random inputs and targets, then the same again. */
    uint64_t rng = 42;
    size_t ss = (size_t)S * S, half = B / 2;
    size_t tper = t1.kind == CZ_OUTPUT_LOGITS ? (size_t)t1.q * t1.thw : 2 * ss;
    ct_batch b = {.step = 0};
    b.L = mallocCheck(B * ss * sizeof(float));
    b.ab = mallocCheck(B * 2 * ss * sizeof(float));
    b.target = mallocCheck(B * tper * sizeof(float));
    b.weight = mallocCheck(B * (size_t)t1.thw * sizeof(float));
    b.labels = mallocCheck(B * sizeof(int));
    check_fill_uniform(b.L, half * ss, 0.0f, 100.0f, &rng);
    check_fill_uniform(b.ab, half * 2 * ss, -40.0f, 40.0f, &rng);
    check_fill_uniform(b.target, half * tper, 0.0f, 1.0f, &rng);
    check_fill_uniform(b.weight, half * t1.thw, 0.5f, 2.0f, &rng);
    if (t1.kind == CZ_OUTPUT_LOGITS) /* a distribution over the bins per pixel */
        for (size_t j = 0; j < half; j++)
            for (int p = 0; p < t1.thw; p++) {
                float *tp = b.target + j * tper + p, s = 0;
                for (int q = 0; q < t1.q; q++) s += tp[(size_t)q * t1.thw];
                for (int q = 0; q < t1.q; q++) tp[(size_t)q * t1.thw] /= s;
            }
    for (size_t j = 0; j < half; j++) b.labels[j] = (int)(j % 3);
    memcpy(b.L + half * ss, b.L, half * ss * sizeof(float));
    memcpy(b.ab + half * 2 * ss, b.ab, half * 2 * ss * sizeof(float));
    memcpy(b.target + half * tper, b.target, half * tper * sizeof(float));
    memcpy(b.weight + half * t1.thw, b.weight, half * t1.thw * sizeof(float));
    memcpy(b.labels + half, b.labels, half * sizeof(int));

    ct_losses l1 = ct_trainer_step(&t1, &b, 1e-3f, 1);
    ct_losses l2 = ct_trainer_step(&t2, &b, 1e-3f, 1);
    CHECK(st, fabs(l1.loss - l2.loss) <= 1e-5 * fabs(l1.loss) + 1e-7, "%s: loss %.7g vs %.7g", arch, l1.loss,
          l2.loss);
    double worst = 0;
    size_t compared = 0;
    for (int i = 0; i < cz_net_param_count(t1.net); i++) {
        cz_param *p = cz_net_param(t1.net, i), *q = cz_net_param(t2.net, i);
        if (!p->grad) continue;
        double e = check_rel_err(p->grad, q->grad, p->count, 1e-3);
        if (e > worst) worst = e;
        compared += p->count;
    }
    printf("%-9s loss %.7g vs %.7g, gradient worst rel err %.3g over %zu weights\n", arch, l1.loss, l2.loss,
           worst, compared);
    CHECK(st, compared > 0 && worst < 1e-4, "%s: two lanes vs one, gradients of %zu weights: worst rel err %.3g",
          arch, compared, worst);
    size_t differ = 0;
    for (int i = 0; i < cz_net_param_count(t2.net); i++) {
        cz_param *p = cz_net_param(t2.net, i), *q = cz_net_param(t2.lane[0].net, i);
        differ += memcmp(p->data, q->data, p->count * sizeof(float)) != 0;
    }
    CHECK(st, differ == 0, "%s: %zu tensors of the replica differ from lane 0 after the step", arch, differ);
    ct_trainer_free(&t1);
    ct_trainer_free(&t2);
    cz_model_free(m1);
    cz_model_free(m2);
    free(b.L), free(b.ab), free(b.target), free(b.weight), free(b.labels);
}

static cz_model *fusion_model(check_state *st, bool adversarial)
{
    cz_model_config cfg = {.width = 0.125f, .size = S, .classes = 3, .adversarial = adversarial};
    snprintf(cfg.arch, sizeof cfg.arch, "fusion");
    for (int c = 0; c < 3; c++) snprintf(cfg.class_names[c], sizeof cfg.class_names[c], "c%d", c);
    cz_error err = {0};
    cz_model *m = cz_model_new(&cfg, 7, &err);
    CHECK(st, m != NULL, "fusion (adversarial %d): %s", adversarial, err.msg);
    return m;
}

static bool same_params(cz_net *a, cz_net *b)
{
    if (!a || !b || cz_net_param_count(a) != cz_net_param_count(b)) return false;
    for (int i = 0; i < cz_net_param_count(a); i++)
        if (memcmp(cz_net_param(a, i)->data, cz_net_param(b, i)->data, cz_net_param(a, i)->count * sizeof(float)))
            return false;
    return true;
}

/* A fusion model trained with a PatchGAN: one lane, pix2pix's L1 weight on
 * its own ab encoding, the discriminator steps, and the file keeps it. */
static void test_adversarial(check_state *st)
{
    char dir[] = "/tmp/ct-step-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(st, false, "mkdtemp failed");
        return;
    }
    cz_model *m = fusion_model(st, true), *plain = fusion_model(st, false);
    if (!m || !plain) return;
    cz_net *d = cz_model_get_discriminator(m);
    CHECK(st, d && !cz_model_get_discriminator(plain), "only the adversarial fusion has a discriminator");
    ct_trainer t;
    ct_trainer_init(&t, m, B, 0, 2);
    /* fusion encodes ab / 220: pix2pix's 100 x |dab| / 110 is 200 x |dt|. */
    CHECK(st, t.lanes == 1 && fabsf(t.l1_weight - 200.0f) < 1e-3f, "adversarial fusion: lanes %d, L1 weight %g",
          t.lanes, t.l1_weight);
    uint64_t rng = 5;
    size_t ss = (size_t)S * S;
    ct_batch b = {.step = 0};
    b.L = mallocCheck(B * ss * sizeof(float));
    b.target = mallocCheck(B * 2 * ss * sizeof(float));
    b.labels = mallocCheck(B * sizeof(int));
    check_fill_uniform(b.L, B * ss, 0.0f, 100.0f, &rng);
    check_fill_uniform(b.target, B * 2 * ss, 0.3f, 0.7f, &rng);
    for (int j = 0; j < B; j++) b.labels[j] = j % 3;
    float w0 = cz_net_param(d, 0)->data[0];
    ct_losses l = ct_trainer_step(&t, &b, 1e-3f, 1);
    printf("adversarial fusion: L1 %.4g, G adv %.4g, D %.4g, class %.4g\n", l.loss, l.g_adv, l.d_loss, l.cls);
    CHECK(st, l.loss > 0 && l.g_adv > 0.1 && l.d_loss > 0.1 && l.cls > 0.1 && cz_net_param(d, 0)->data[0] != w0,
          "adversarial fusion step: losses %g %g %g %g, discriminator moved %d", l.loss, l.g_adv, l.d_loss, l.cls,
          cz_net_param(d, 0)->data[0] != w0);
    ct_trainer_free(&t);

    char path[512];
    snprintf(path, sizeof path, "%s/adv-fusion.safetensors", dir);
    cz_error err = {0};
    CHECK(st, cz_model_save(m, path, CZ_DTYPE_F32, NULL, 0, NULL, &err) == CZ_STATUS_OK, "save: %s", err.msg);
    cz_model *back = cz_model_load_for_training(path, &err);
    CHECK(st, back && cz_model_get_config(back)->adversarial && same_params(d, cz_model_get_discriminator(back)),
          "the adversarial fusion round-trips with its discriminator: %s", back ? "" : err.msg);
    cz_model_free(back);
    /* for inference the discriminator's tensors are skipped, not built */
    back = cz_model_load(path, &err);
    CHECK(st, back && cz_model_get_config(back)->adversarial && !cz_model_get_discriminator(back),
          "loaded for inference, the adversarial fusion has no discriminator: %s", back ? "it has" : err.msg);
    cz_model_free(back);
    remove(path);
    rmdir(dir);

    /* Continuing a plain model with a PatchGAN; a classifier cannot have one. */
    CHECK(st, cz_model_add_discriminator(plain, 3, &err) == CZ_STATUS_OK && cz_model_get_discriminator(plain) &&
                  cz_model_get_config(plain)->adversarial,
          "add a discriminator to a plain fusion: %s", err.msg);
    cz_model_config cc = {.width = 0.125f, .size = S};
    snprintf(cc.arch, sizeof cc.arch, "colorful");
    cz_model *col = cz_model_new(&cc, 1, &err);
    CHECK(st, col && cz_model_add_discriminator(col, 3, &err) == CZ_STATUS_INVALID_ARGUMENT &&
                  !cz_model_get_discriminator(col) && strstr(err.msg, "regress ab"),
          "colorful refuses a discriminator: %s", err.msg);
    cc.adversarial = true;
    cz_model *bad = cz_model_new(&cc, 1, &err);
    CHECK(st, !bad && strstr(err.msg, "regress ab"), "an adversarial colorful config is refused: %s", err.msg);
    cz_model_free(bad);
    cz_model_free(col);
    cz_model_free(m);
    cz_model_free(plain);
    free(b.L), free(b.target), free(b.labels);
}

static int lanes_of(const char *arch, bool adversarial, int batch, int threads)
{
    cz_model_config cfg = {.adversarial = adversarial};
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    return ct_trainer_lanes(&cfg, batch, threads);
}

int main(void)
{
    check_state st = {0};
    cz_lab_init();
    test_arch(&st, "colorful");
    test_arch(&st, "residual");
    test_arch(&st, "fusion");
    /* Adversarial models keep one lane. */
    CHECK(&st, lanes_of("pix2pix", false, 16, 2) == 1 && lanes_of("fusion", true, 16, 2) == 1 &&
                   lanes_of("colorful", false, 15, 2) == 1 && lanes_of("fusion", false, 16, 2) == 2,
          "lane counts");
    test_adversarial(&st);
    return check_finish(&st, "step");
}
