/* train.c: `corolization-train train`: the training loop, in the manner of
 * llm.c's train_gpt2.c main: batches from the loader thread, one step,
 * timing with CLOCK_MONOTONIC, and every N steps a checkpoint, a sample
 * grid, a loss curve and (with --val) a validation figure.
 *
 * Checkpoints (checkpoint.h) are model files with the optimiser's state and
 * the run's step, seeds and schedule; --resume continues from the last one.
 * The loss log (PREFIX.log.csv) is cut back to the checkpoint's step on
 * resume.
 *
 * Under mpirun or srun (dist.h) every rank runs this loop on its shard of
 * each batch (--batch is the whole job's), the trainer sums the gradients
 * over the ranks, and the ranks agree each step on whether to stop; rank 0
 * alone writes checkpoints, samples, logs and the model, and prints. */
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "commands.h"
#include "dist.h"
#include "ema.h"
#include "file.h"
#include "lab.h"
#include "optim.h"
#include "paths.h"
#include "pixel_params.h"
#include "plot.h"
#include "progress.h"
#include "safetensors.h"
#include "samples.h"
#include "step.h"
#include "transfer.h"
#include "train_opts.h"
#include "util.h"

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

/* The loss of every step; adversarial runs also log the discriminator's
 * loss and the generator's adversarial term, which show whether the game
 * stays balanced (they are not a measure of progress). */
typedef struct {
    long step;
    double loss, d_loss, g_adv; /* NAN where unknown (a log from a plain run) */
} log_row;

typedef struct {
    bool gan;
    log_row *rows;
    double *val_step, *val;
    size_t n, cap, nval, capval;
} loss_log;

static void log_add(loss_log *lg, long step, double loss, double d_loss, double g_adv)
{
    if (lg->n == lg->cap) {
        lg->cap = lg->cap ? 2 * lg->cap : 1024;
        lg->rows = realloc(lg->rows, lg->cap * sizeof *lg->rows);
        if (!lg->rows) ct_die(__FILE__, __LINE__, NULL, "out of memory");
    }
    lg->rows[lg->n++] = (log_row){step, loss, d_loss, g_adv};
}

/* ",x" for a number, "," for NAN: empty CSV fields, which sscanf skips. */
static void put_field(GString *f, double v)
{
    if (isnan(v)) g_string_append_c(f, ',');
    else g_string_append_printf(f, ",%.6g", v);
}

static void log_add_val(loss_log *lg, long step, double v)
{
    if (lg->nval == lg->capval) {
        lg->capval = lg->capval ? 2 * lg->capval : 64;
        lg->val_step = realloc(lg->val_step, lg->capval * sizeof(double));
        lg->val = realloc(lg->val, lg->capval * sizeof(double));
        if (!lg->val_step || !lg->val) ct_die(__FILE__, __LINE__, NULL, "out of memory");
    }
    lg->val_step[lg->nval] = (double)step;
    lg->val[lg->nval++] = v;
}

/* Reads PREFIX.log.csv rows "step,loss[,d_loss,g_adv]" and "val,step,value"
 * up to step. */
static void log_read(loss_log *lg, const char *path, long upto)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        long s;
        double v, d = NAN, g = NAN;
        if (sscanf(line, "val,%ld,%lf", &s, &v) == 2) {
            if (s <= upto) log_add_val(lg, s, v);
        } else if (sscanf(line, "%ld,%lf,%lf,%lf", &s, &v, &d, &g) >= 2 && s <= upto) {
            log_add(lg, s, v, d, g);
        }
    }
    fclose(f);
}

static void log_write(const loss_log *lg, const char *path)
{
    GString *f = g_string_new(lg->gan ? "step,loss,d_loss,g_adv\n" : "step,loss\n");
    for (size_t i = 0; i < lg->n; i++) {
        const log_row *r = &lg->rows[i];
        g_string_append_printf(f, "%ld,%.6g", r->step, r->loss);
        if (lg->gan) put_field(f, r->d_loss), put_field(f, r->g_adv);
        g_string_append_c(f, '\n');
    }
    for (size_t i = 0; i < lg->nval; i++)
        g_string_append_printf(f, "val,%ld,%.6g\n", (long)lg->val_step[i], lg->val[i]);
    cz_error err = {0};
    statusCheck(cz_file_write(path, f->str, f->len, &err), &err);
    g_string_free(f, TRUE);
}

static void log_plot(const loss_log *lg, const char *path, const char *arch)
{
    double *x = mallocCheck((lg->n + 1) * sizeof(double)), *y = mallocCheck((lg->n + 1) * sizeof(double));
    double *ys = mallocCheck((lg->n + 1) * sizeof(double)), ema = 0;
    for (size_t i = 0; i < lg->n; i++) {
        x[i] = (double)lg->rows[i].step;
        y[i] = lg->rows[i].loss;
        ema = i ? 0.95 * ema + 0.05 * y[i] : y[i];
        ys[i] = ema;
    }
    ct_series s[3] = {
        {x, y, lg->n, "loss", 0.7, 0.75, 0.9},
        {x, ys, lg->n, "smoothed", 0.1, 0.2, 0.7},
        {lg->val_step, lg->val, lg->nval, "val ab error / 10", 0.85, 0.3, 0.1},
    };
    double *vv = mallocCheck((lg->nval + 1) * sizeof(double));
    for (size_t i = 0; i < lg->nval; i++) vv[i] = lg->val[i] / 10;
    s[2].y = vv;
    char title[128], why[256];
    snprintf(title, sizeof title, "%s training loss", arch);
    if (!ct_plot_lines(path, title, "step", "loss", false, s, lg->nval ? 3 : 2, NAN, why, sizeof why))
        ct_warn("loss curve: %s", why);
    free(x);
    free(y);
    free(ys);
    free(vv);
}

/* Mean ab error (Lab units) of the model's predictions on the first photos
 * of a dataset, centre-cropped: the validation figure. Returns NAN on error. */
static double validate(cz_model *m, const ct_dataset *val, int count)
{
    int S = cz_model_get_config(m)->size, N = (int)val->size;
    size_t nn = (size_t)N * N, ss = (size_t)S * S;
    float *L = mallocCheck(ct_size3(nn, 3, sizeof(float))), *ab = L + nn;
    float *cL = mallocCheck(ct_size3(ss, 5, sizeof(float))), *cab = cL + ss, *pred = cL + 3 * ss;
    double sum = 0;
    size_t px = 0;
    for (int i = 0; i < count && i < (int)val->count; i++) {
        ct_dataset_get(val, (size_t)i, L, ab);
        int o = (N - S) / 2;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                size_t s = (size_t)(y + o) * N + x + o, d = (size_t)y * S + x;
                cL[d] = L[s];
                cab[d] = ab[s];
                cab[ss + d] = ab[nn + s];
            }
        cz_error err = {0};
        if (cz_model_predict(m, pred, NULL, cL, S, S, (float)CZ_PIXEL_TEMPERATURE_DEFAULT, &err) != CZ_STATUS_OK) {
            ct_warn("validation: %s", err.msg);
            sum = NAN;
            break;
        }
        for (size_t p = 0; p < ss; p++) {
            double da = pred[p] - cab[p], db = pred[ss + p] - cab[ss + p];
            sum += sqrt(da * da + db * db);
        }
        px += ss;
    }
    free(L);
    free(cL);
    return px ? sum / (double)px : NAN;
}

static void write_samples(cz_model *m, const ct_dataset *ds, const char *path, long step)
{
    const int k = 6;
    int S = cz_model_get_config(m)->size, N = (int)ds->size;
    size_t nn = (size_t)N * N, ss = (size_t)S * S;
    float *L = mallocCheck(ct_size3(nn, 3, sizeof(float))), *ab = L + nn;
    float *cL = mallocCheck(ct_size3(ss, 3 * k, sizeof(float))), *cab = cL + k * ss;
    int got = 0;
    for (int i = 0; i < k && i < (int)ds->count; i++, got++) {
        /* Spread over the set so that several scene classes show up. */
        size_t idx = (size_t)i * ds->count / k;
        ct_dataset_get(ds, idx, L, ab);
        int o = (N - S) / 2;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                size_t s = (size_t)(y + o) * N + x + o, d = (size_t)y * S + x;
                cL[i * ss + d] = L[s];
                cab[2 * i * ss + d] = ab[s];
                cab[(2 * i + 1) * ss + d] = ab[nn + s];
            }
    }
    char caption[128], why[256];
    snprintf(caption, sizeof caption, "%s, step %ld", cz_model_get_config(m)->arch, step);
    if (!ct_samples_write(path, m, cL, cab, got, S, (float)CZ_PIXEL_TEMPERATURE_DEFAULT, caption, why, sizeof why))
        ct_warn("sample grid: %s", why);
    free(L);
    free(cL);
}

/* The run's state at step (see checkpoint.h). */
static void save_checkpoint(cz_model *m, const ct_trainer *tr, const train_opts *o, long step, long adam_base,
                            long sched_base, const char *command, const ct_ema *avg)
{
    const ct_checkpoint c = {.step = step, .adam_base = adam_base, .schedule_from = sched_base,
                             .seed = o->seed, .net_seed = cz_net_get_seed(tr->net), .batch = o->batch,
                             .total_steps = o->steps, .lr = o->lr, .schedule = o->schedule_name,
                             .lambda = o->lambda, .crop_scale = o->crop_scale, .ema_decay = o->ema,
                             .command = command};
    cz_error err = {0};
    statusCheck(ct_checkpoint_write(o->checkpoint, o->ema_path, m, tr, &c, avg, &err), &err);
}

/* With --ema the file holds the average, and says so. */
static void save_model(cz_model *m, const train_opts *o, long step, const char *command,
                       const char *lineage, const ct_dataset *ds, ct_ema *avg)
{
    char s_step[32], s_seed[32], s_images[32], desc[256], s_ema[64];
    snprintf(s_step, sizeof s_step, "%ld", step);
    snprintf(s_seed, sizeof s_seed, "%" PRIu64, o->seed);
    snprintf(s_images, sizeof s_images, "%u", ds->count);
    snprintf(desc, sizeof desc, "%s trained %ld steps of batch %d at %d px by corolization-train",
             cz_model_get_config(m)->arch, step, o->batch, cz_model_get_config(m)->size);
    if (avg) snprintf(s_ema, sizeof s_ema, "%g over %ld steps", o->ema, ct_ema_updates(avg));
    const char *meta[18] = {"step", s_step, "seed", s_seed, "command", command, /* 7 pairs + NULL */
                            "training_images", s_images, "description", desc,
                            "trainer", "corolization-train"};
    int k = 12;
    if (avg) meta[k++] = "weights_average", meta[k++] = s_ema;
    if (lineage) meta[k++] = "previous_command", meta[k++] = lineage;
    cz_error err = {0};
    if (avg) ct_ema_swap(avg, cz_model_get_net(m));
    cz_status st = cz_model_save(m, o->output, o->dtype, NULL, 0, meta, &err);
    if (avg) ct_ema_swap(avg, cz_model_get_net(m));
    statusCheck(st, &err);
}

/* A fingerprint of the weights: equal on ranks that hold the same ones. */
static double weights_sum(cz_net *net)
{
    double sum = 0;
    for (int i = 0; i < cz_net_param_count(net); i++) {
        const cz_param *p = cz_net_param(net, i);
        for (size_t e = 0; e < p->count; e++) sum += p->data[e];
    }
    return sum;
}

/* A setting the checkpoint recorded (NAN: it did not) belongs to the run:
 * --resume takes it (so batches and targets stay those of an unbroken run),
 * and a different value on the command line is bad usage. */
static void resume_setting(float recorded, const char *from, const char *opt, float *v, bool given)
{
    if (isnan(recorded)) return;
    char want[32], got[32];
    snprintf(want, sizeof want, "%g", *v);
    snprintf(got, sizeof got, "%g", recorded);
    if (given && strcmp(want, got))
        ct_usage_error("train", "%s %s, but the checkpoint %s was trained with %s", opt, want, from, got);
    *v = recorded;
}

int ct_cmd_train(int argc, char **argv)
{
    train_opts o;
    ct_train_opts_parse(&o, argc, argv);
    ct_path_use uses[9] = {
        {"-o", o.output, true, NULL}, {"--checkpoint", o.checkpoint, true, NULL},
        {"the sample grid", o.samples_path, true, NULL}, {"the loss curve", o.curve_path, true, NULL},
        {"the loss log", o.log_path, true, NULL}, {"--data", o.data, false, NULL},
        {"the weights' average", o.ema_path, true, NULL}};
    size_t nuses = 7;
    if (o.val) uses[nuses++] = (ct_path_use){"--val", o.val, false, NULL};
    if (o.init_from) uses[nuses++] = (ct_path_use){"--init-from", o.init_from, false, NULL};
    ct_paths_check("train", uses, nuses);
    ct_dist dist;
    ct_dist_init(&dist);
    const bool root = dist.rank == 0;
    if (o.batch % dist.size)
        ct_usage_error("train", "--batch %d (the whole job's) does not split evenly over %d ranks", o.batch,
                       dist.size);
    const int shard = o.batch / dist.size; /* this rank's samples of each batch */
    ct_gegl_init();
    cz_lab_init();
    cz_error err = {0};
    ct_dataset ds, val = {0};
    statusCheck(ct_dataset_open(&ds, o.data, &err), &err);
    if (o.val) statusCheck(ct_dataset_open(&val, o.val, &err), &err);

    /* Where to start: a checkpoint (--resume), a model (--init-from), or new. */
    cz_model *m = NULL;
    long start = 0;
    const char *from = NULL;
    if (o.resume && access(o.checkpoint, R_OK) == 0) from = o.checkpoint;
    else if (o.resume) fprintf(stderr, "train: no checkpoint at %s; starting afresh\n", o.checkpoint);
    if (!from && o.init_from) from = o.init_from;
    char *command = ct_join_argv(argc + 1, argv - 1), *lineage = NULL;
    long adam_base = 0; /* Adam counts steps from here (fresh moments restart it) */
    long sched_base = 0; /* the schedule runs from here to --steps */
    long init_adam_base = 0; /* --init-from: the file's, if its moments are kept */
    if (from) {
        m = cz_model_load_for_training(from, &err);
        if (!m) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg); /* the message names the file */
        /* The data are babl's Lab: training would leave a D65 file's colours wrong. */
        if (cz_model_get_config(m)->white != CZ_LAB_D50)
            ct_usage_error("train", "%s works in D65 Lab (an imported model); training uses babl's D50 Lab", from);
        if (from != o.checkpoint && o.arch && !strcmp(o.arch, "hints") &&
            !strcmp(cz_model_get_config(m)->arch, "colorful")) {
            /* A new hints net from colorful's layers (transfer.h). */
            const cz_model_config *fc = cz_model_get_config(m);
            cz_model *h = ct_model_for_data("hints", fc->width, o.size ? o.size : fc->size, false, &ds, o.seed);
            int taken = 0;
            if (ct_transfer_colorful_to_hints(h, m, &taken, &err))
                ct_usage_error("train", "--arch hints --init-from %s: %s", from, err.msg);
            fprintf(stderr, "train: a new hints net takes %d tensors of the colorful model %s\n", taken, from);
            const char *c0 = cz_model_get_metadata(m, "command");
            if (c0) lineage = strdup(c0);
            cz_model_free(m);
            m = h;
            from = NULL;
        }
    }
    if (from) {
        const cz_model_config *cfg = cz_model_get_config(m);
        if (o.arch && strcmp(o.arch, cfg->arch))
            ct_usage_error("train", "--arch %s, but %s holds a %s model", o.arch, from, cfg->arch);
        ct_checkpoint ck;
        if (ct_checkpoint_read(&ck, m, &err)) ct_die(__FILE__, __LINE__, NULL, "%s: %s", from, err.msg);
        start = ck.step;
        if (from == o.checkpoint) {
            if (ck.has_seed) o.seed = ck.seed;
            if (ck.has_net_seed) cz_net_set_seed(cz_model_get_net(m), ck.net_seed);
            if (ck.command) { free(command); command = strdup(ck.command); }
            adam_base = ck.adam_base;
            sched_base = ck.schedule_from;
            resume_setting(ck.lambda, from, "--lambda", &o.lambda, o.lambda_set);
            resume_setting(ck.crop_scale, from, "--crop-scale", &o.crop_scale, o.crop_scale_set);
            resume_setting(ck.ema_decay, from, "--ema", &o.ema, o.ema_set);
        } else {
            if (o.restart_schedule) sched_base = start;
            /* --init-from: the same batches as the run that made the file
             * would have seen next, unless --seed says otherwise. */
            if (ck.has_seed && !o.seed_set) o.seed = ck.seed;
            if (ck.command) lineage = strdup(ck.command);
            init_adam_base = ck.adam_base;
        }
        if (o.size && o.size != cfg->size) {
            if (from == o.checkpoint)
                ct_usage_error("train", "--size %d, but the checkpoint %s trains at %d px", o.size, from,
                               cfg->size);
            const int was = cfg->size;
            if (cz_model_set_size(m, o.size, &err))
                ct_usage_error("train", "--size %d: %s", o.size, err.msg);
            fprintf(stderr, "train: %s continues at %d px (it was trained at %d)\n", from, o.size, was);
        }
        fprintf(stderr, "train: continuing %s from %s at step %ld\n", cfg->arch, from, start);
    } else if (!m) {
        if (!o.arch) ct_usage_error("train", "--arch is required");
        int size = o.size ? o.size : (int)(ds.size < 128 ? ds.size : 128);
        m = ct_model_for_data(o.arch, o.width, size, o.adversarial, &ds, o.seed);
    }
    /* A plain model continued --adversarial: a fresh PatchGAN, and Adam
     * starts afresh for both nets (the file's moments had beta1 0.9). */
    bool new_disc = o.adversarial && !cz_model_get_discriminator(m);
    if (new_disc) {
        if (cz_model_add_discriminator(m, o.seed, &err))
            ct_usage_error("train", "--adversarial: %s", err.msg);
        fprintf(stderr, "train: %s gets a new PatchGAN discriminator\n", from);
    }
    const cz_model_config *cfg = cz_model_get_config(m);
    if ((uint32_t)cfg->size > ds.size)
        ct_die(__FILE__, __LINE__, "prepare the data with a --size of at least the model's",
               "model size %d > dataset size %u", cfg->size, ds.size);
    if (val.size < (uint32_t)cfg->size && o.val)
        ct_die(__FILE__, __LINE__, NULL, "validation photos (%u px) are smaller than the model (%d)",
               val.size, cfg->size);
    ct_set_rebalancing(m, &ds, o.lambda);
    ct_trainer tr;
    ct_trainer_init(&tr, m, shard, o.weight_decay, o.threads);
    ct_trainer_set_dist(&tr, &dist);
    if (from && new_disc) {
        adam_base = start;
    } else if (from) {
        cz_status st = ct_checkpoint_load_optim(&tr, from, &err);
        if (st != CZ_STATUS_OK && from == o.checkpoint) statusCheck(st, &err);
        if (st != CZ_STATUS_OK) {
            fprintf(stderr, "train: %s has no optimiser state; Adam starts afresh\n", from);
            adam_base = start;
        } else if (from != o.checkpoint) {
            adam_base = init_adam_base;
        }
    }
    /* Every rank must start from the same weights at the same step: a
     * checkpoint missing on one machine would otherwise train apart. */
    if (!ct_dist_agree(&dist, (double)start) || !ct_dist_agree(&dist, weights_sum(tr.net)))
        ct_dist_abort(&dist, CT_EXIT_FAILURE,
                      "the ranks do not start from the same step and weights: give every machine the same "
                      "--checkpoint (and --init-from) file");
    ct_ema *avg = NULL;
    if (o.ema > 0 && root) {
        avg = ct_ema_new(tr.net, o.ema);
        if (!avg) ct_die(__FILE__, __LINE__, NULL, "out of memory");
        if (from == o.checkpoint && ct_ema_load(avg, tr.net, o.ema_path, start, &err) != CZ_STATUS_OK)
            fprintf(stderr, "train: the weights' average starts again from the checkpoint: %s\n", err.msg);
    }
    if (root) {
        printf("train: %s width %g size %d, %zu parameters, %.2f GFLOP/image, batch %d, "
               "%u photos, seed %" PRIu64 ", threads %d", cfg->arch, cfg->width, cfg->size,
               cz_net_param_total(tr.net), cz_net_flops(tr.net) / 1e9, o.batch, ds.count, o.seed, o.threads);
        if (dist.size > 1) printf(", %d ranks of %d photos a batch each", dist.size, shard);
        printf("\n");
        fflush(stdout);
    }

    loss_log lg = {.gan = tr.disc != NULL};
    if (from && root) log_read(&lg, o.log_path, start);
    cz_schedule sch = cz_schedule_make((cz_schedule_kind)o.schedule, o.lr, o.steps - sched_base);
    ct_loader *ld = ct_loader_new_shard(&ds, m, o.batch, dist.rank * shard, shard, o.seed, start, true,
                                        o.crop_scale, 3);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGUSR1, on_signal); /* mpirun passes it to every rank; it ends the job otherwise */
    ct_progress pg;
    ct_progress_start(&pg, stderr, start, o.steps, o.log_every);
    double t_start = ct_now(), ips = 0, ema = NAN, t_train = 0;
    long step = start, saved = -1;
    bool early = false, timed_out = false;
    while (step < o.steps) {
        const ct_batch *b = ct_loader_next(ld);
        float lr = cz_schedule_lr(&sch, step - sched_base);
        double t0 = ct_now();
        ct_losses ls = ct_trainer_step(&tr, b, lr, step + 1 - adam_base);
        if (avg) ct_ema_update(avg, tr.net);
        double dt = ct_now() - t0;
        t_train += dt;
        step++;
        if (!isfinite(ls.loss))
            ct_die(__FILE__, __LINE__, "lower --lr (see lr-find) or use --schedule one-cycle",
                   "the loss diverged (%g) at step %ld", ls.loss, step);
        /* The logged loss: the colour loss (soft CE, L2, or pix2pix's L1),
         * plus fusion's weighted class loss; the GAN terms are not a
         * measure of progress. */
        double total = ls.loss + tr.cls_weight * ls.cls;
        ema = isnan(ema) ? total : 0.9 * ema + 0.1 * total;
        ips = ips > 0 ? 0.9 * ips + 0.1 * o.batch / dt : o.batch / dt; /* smoothed for the bar */
        if (root) {
            log_add(&lg, step, total, ls.d_loss, ls.g_adv);
            ct_progress_update(&pg, step, ema, lr, ips);
        }
        timed_out = o.time_limit > 0 && ct_now() - t_start >= o.time_limit;
        /* A stop on any rank stops every rank after this same step. */
        double stop = stop_signal || timed_out;
        ct_dist_sum_doubles(&dist, &stop, 1);
        if (stop > 0) early = step < o.steps;
        if (!root) {
            if (early) break;
            continue;
        }
        if (step % o.checkpoint_every == 0 || early) {
            save_checkpoint(m, &tr, &o, step, adam_base, sched_base, command, avg);
            log_write(&lg, o.log_path);
            saved = step;
        }
        if (o.val && o.val_every && step % o.val_every == 0) {
            double v = validate(m, &val, o.val_count);
            log_add_val(&lg, step, v);
            ct_progress_break(&pg);
            fprintf(stderr, "step %ld: validation ab error %.3f\n", step, v);
        }
        if (o.sample_every && step % o.sample_every == 0) {
            write_samples(m, o.val ? &val : &ds, o.samples_path, step);
            log_plot(&lg, o.curve_path, cfg->arch);
        }
        if (early) break;
    }
    ct_loader_free(ld);
    if (root) {
        ct_progress_break(&pg);
        if (saved != step) {
            save_checkpoint(m, &tr, &o, step, adam_base, sched_base, command, avg);
            log_write(&lg, o.log_path);
        }
        save_model(m, &o, step, command, lineage, &ds, avg);
        write_samples(m, o.val ? &val : &ds, o.samples_path, step);
        log_plot(&lg, o.curve_path, cfg->arch);
        double wall = ct_now() - t_start;
        long done = step - start;
        printf("train: %s at step %ld: wrote %s (checkpoint %s), loss %.5f, %.1f images/s "
               "(%.1f in the step alone), %.1f s\n", early ? "stopped early" : "finished", step,
               o.output, o.checkpoint, ema, done > 0 ? done * o.batch / wall : 0.0,
               t_train > 0 ? done * o.batch / t_train : 0.0, wall);
        if (early) printf("train: stopped by %s; continue with --resume\n",
                          stop_signal ? "a signal" : timed_out ? "--time-limit" : "another rank's signal");
    }
    ct_ema_free(avg);
    ct_trainer_free(&tr);
    cz_model_free(m);
    free(command);
    free(lineage);
    free(lg.rows);
    free(lg.val_step);
    free(lg.val);
    if (o.val) ct_dataset_close(&val);
    ct_dataset_close(&ds);
    ct_train_opts_free(&o);
    ct_dist_finish(&dist);
    return early ? CT_EXIT_STOPPED : CT_EXIT_OK;
}
