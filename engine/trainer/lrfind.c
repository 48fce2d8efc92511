/* lrfind.c: `corolization-train lr-find`, the learning-rate range test of
 * Smith (2017) as fast.ai runs it: from the initial weights, one step per
 * rate, rates growing geometrically from --min to --max; the loss smoothed
 * by an exponential moving average (beta 0.98, bias-corrected); stop when
 * the smoothed loss passes 4 x its minimum or is not finite. The suggestion
 * is the rate where the smoothed loss falls fastest per unit of log rate,
 * looked for before the minimum (see ct_lr_suggest). */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "file.h"
#include "lab.h"
#include "lrfind.h"
#include "paths.h"
#include "plot.h"
#include "step.h"
#include "train_opts.h"
#include "transfer.h"
#include "util.h"

double ct_lr_rate(double lr_min, double lr_max, long i, long n)
{
    return lr_min * pow(lr_max / lr_min, n > 1 ? (double)i / (double)(n - 1) : 0);
}

void ct_lr_smooth(const double *raw, double *out, long n, long k)
{
    for (long i = 0; i < n; i++) {
        long lo = i - k < 0 ? 0 : i - k, hi = i + k >= n ? n - 1 : i + k;
        double s = 0;
        for (long j = lo; j <= hi; j++) s += raw[j];
        out[i] = s / (double)(hi - lo + 1);
    }
}

long ct_lr_suggest(const double *lr, const double *smooth, long n)
{
    if (n < 5) return -1;
    /* Skip the first tenth, where the moving average still warms up (and a
     * lucky first batch can look like the minimum); find the minimum after
     * it, then the steepest descent of smooth against log(lr) before that
     * minimum, by differences over +-k points so that one noisy step does
     * not decide. */
    long k = n / 25 > 1 ? n / 25 : 1, start = n / 10 > k ? n / 10 : k;
    long best = start;
    for (long i = start; i < n; i++)
        if (smooth[i] < smooth[best]) best = i;
    long arg = -1;
    double steepest = 0;
    for (long i = start; i + k < n && i <= best; i++) {
        double g = (smooth[i + k] - smooth[i - k]) / (log(lr[i + k]) - log(lr[i - k]));
        if (g < steepest) {
            steepest = g;
            arg = i;
        }
    }
    return arg;
}

int ct_cmd_lr_find(int argc, char **argv)
{
    train_opts o;
    ct_lr_find_opts_parse(&o, argc, argv);
    size_t plen = strlen(o.output) + 8;
    char *png = mallocCheck(plen), *csv = mallocCheck(plen), why[256];
    snprintf(png, plen, "%s.png", o.output);
    snprintf(csv, plen, "%s.csv", o.output);
    const ct_path_use uses[] = {{"--data", o.data, false, NULL}, {"the plot", png, true, NULL},
                                {"the CSV", csv, true, NULL}};
    ct_paths_check("lr-find", uses, sizeof uses / sizeof uses[0]);
    ct_gegl_init();
    cz_lab_init();
    cz_error err = {0};
    ct_dataset ds;
    statusCheck(ct_dataset_open(&ds, o.data, &err), &err);
    int size = o.size ? o.size : (int)(ds.size < 128 ? ds.size : 128);
    cz_model *m = ct_model_for_data(o.arch, o.width, size, o.adversarial, &ds, o.seed);
    if (o.init_from) {
        /* From a trained model of the same architecture, or (transfer.h) a
         * new hints net from a colorful model's layers: the rate that suits
         * weights that already colour. */
        cz_model *f = cz_model_load_for_training(o.init_from, &err);
        if (!f) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg);
        if (cz_model_get_config(f)->white != CZ_LAB_D50)
            ct_usage_error("lr-find", "--init-from %s works in D65 Lab (an imported model); training uses babl's "
                           "D50 Lab", o.init_from);
        if (!strcmp(o.arch, "hints") && !strcmp(cz_model_get_config(f)->arch, "colorful")) {
            if (ct_transfer_colorful_to_hints(m, f, NULL, &err))
                ct_usage_error("lr-find", "--init-from %s: %s", o.init_from, err.msg);
            cz_model_free(f);
        } else if (strcmp(o.arch, cz_model_get_config(f)->arch)) {
            ct_usage_error("lr-find", "--arch %s, but %s holds a %s model", o.arch, o.init_from,
                           cz_model_get_config(f)->arch);
        } else {
            cz_model_free(m);
            m = f;
            if (cz_model_set_size(m, size, &err)) ct_usage_error("lr-find", "--size %d: %s", size, err.msg);
        }
    }
    ct_set_rebalancing(m, &ds, o.lambda);
    ct_trainer tr;
    ct_trainer_init(&tr, m, o.batch, o.weight_decay, o.threads);
    ct_loader *ld = ct_loader_new(&ds, m, o.batch, o.seed, 0, true, o.crop_scale, 3);
    long n = o.steps, done = 0;
    double *lr = mallocCheck((size_t)n * sizeof(double)), *raw = mallocCheck((size_t)n * sizeof(double));
    double *smooth = mallocCheck((size_t)n * sizeof(double)), avg = 0, best = INFINITY;
    /* fast.ai smooths 100 steps with 0.98; shorter ranges need less lag. */
    const double beta = fmin(0.98, 1.0 - 5.0 / (double)n);
    const bool tty = isatty(fileno(stderr));
    for (long i = 0; i < n; i++) {
        lr[i] = ct_lr_rate(o.lr_min, o.lr_max, i, n);
        ct_losses ls = ct_trainer_step(&tr, ct_loader_next(ld), (float)lr[i], i + 1);
        raw[i] = ls.loss + tr.cls_weight * ls.cls; /* as train logs it */
        avg = beta * avg + (1 - beta) * raw[i];
        smooth[i] = avg / (1 - pow(beta, (double)(i + 1)));
        done = i + 1;
        if (tty || (i + 1) % 10 == 0 || i + 1 == n)
            fprintf(stderr, "%slr-find: step %ld/%ld  lr %.3g  loss %.4f  smoothed %.4f%s", tty ? "\r" : "",
                    i + 1, n, lr[i], raw[i], smooth[i], tty ? " " : "\n");
        if (!isfinite(smooth[i]) || (i > 5 && smooth[i] > 4 * best)) {
            fprintf(stderr, "\nlr-find: the loss diverged at lr %.3g; stopping\n", lr[i]);
            if (!isfinite(smooth[i])) done = i; /* keep the plot finite */
            break;
        }
        if (smooth[i] < best) best = smooth[i];
    }
    if (tty) fputc('\n', stderr);
    ct_loader_free(ld);
    /* The moving average above only decides when to stop; the plot and the
     * suggestion use the centred mean, which does not lag. */
    ct_lr_smooth(raw, smooth, done, done / 20 > 2 ? done / 20 : 2);
    long s = ct_lr_suggest(lr, smooth, done);
    GString *text = g_string_new("lr,loss,smoothed\n");
    for (long i = 0; i < done; i++) g_string_append_printf(text, "%.6g,%.6g,%.6g\n", lr[i], raw[i], smooth[i]);
    statusCheck(cz_file_write(csv, text->str, text->len, &err), &err);
    g_string_free(text, TRUE);
    ct_series ser[2] = {{lr, raw, (size_t)done, "loss", 0.7, 0.75, 0.9},
                        {lr, smooth, (size_t)done, "smoothed", 0.1, 0.2, 0.7}};
    char title[128];
    snprintf(title, sizeof title, "%s learning-rate range test (batch %d)", o.arch, o.batch);
    if (!ct_plot_lines(png, title, "learning rate", "loss", true, ser, 2, s >= 0 ? lr[s] : NAN,
                       why, sizeof why))
        ct_die(__FILE__, __LINE__, NULL, "plot: %s", why);
    int rc = CT_EXIT_OK;
    if (s >= 0) {
        printf("suggested learning rate: %.3g\n", lr[s]);
    } else {
        printf("suggested learning rate: none (the loss never fell; widen --min/--max)\n");
        rc = CT_EXIT_FAILURE;
    }
    printf("lr-find: wrote %s and %s (%ld steps from %.3g to %.3g)\n", png, csv, done, o.lr_min,
           done ? lr[done - 1] : o.lr_min);
    ct_trainer_free(&tr);
    cz_model_free(m);
    ct_dataset_close(&ds);
    free(lr);
    free(raw);
    free(smooth);
    free(png);
    free(csv);
    ct_train_opts_free(&o);
    return rc;
}
