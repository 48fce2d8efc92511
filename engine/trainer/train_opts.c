/* train_opts.c: option parsing and --help for `train` and `lr-find`. */
#include "train_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "optim.h"
#include "safetensors.h"
#include "util.h"

static void train_help(void)
{
    printf(
        "Usage: corolization-train train --arch ARCH --data DATA_FILE -o MODEL_FILE --steps N [options]\n"
        "\n"
        "Trains a colorizer on a dataset made by 'prepare'. ARCH is colorful (ECCV16,\n"
        "rebalanced soft-encoded loss), pix2pix (U-Net + PatchGAN, 100 x L1 + adversarial),\n"
        "fusion (Iizuka et al., + 1/300 x scene-class loss) or residual (L2 on ab).\n"
        "Xavier initialisation, Adam, random crops and flips from a loader thread.\n"
        "\n"
        "  -a, --arch ARCH           architecture (required unless continuing)\n"
        "  -d, --data FILE           training dataset (required)\n"
        "  -o, --output MODEL_FILE   final model (safetensors)\n"
        "  -n, --steps N             total steps to reach, counting resumed ones\n"
        "  -b, --batch B             batch size (default 16); under mpirun or srun the\n"
        "                            whole job's, B / ranks photos on each rank\n"
        "      --lr X                learning rate (default 3e-4; 2e-4 for pix2pix)\n"
        "      --schedule KIND       constant|step|cosine|one-cycle (default constant)\n"
        "      --weight-decay X      L2 weight decay (default 0)\n"
        "      --size N              network input side (default min(128, data size));\n"
        "                            crops of N px are taken from the dataset's photos;\n"
        "                            with --init-from, continues the model at N px\n"
        "                            (colorful, residual: their weights fit any size)\n"
        "      --crop-scale F        zoomed crops: squares of a random side between F and 1\n"
        "                            times the photo's (0.05 <= F <= 1) resampled to N px,\n"
        "                            so objects are seen at several scales (default:\n"
        "                            N px crops at the photo's own scale)\n"
        "      --width W             channel multiplier (default 0.25)\n"
        "      --lambda X            class-rebalancing mix (colorful, default 0.5)\n"
        "      --adversarial         fusion or residual: train against pix2pix's PatchGAN;\n"
        "                            the colour loss becomes pix2pix's 100 x L1 (on ab / 110)\n"
        "                            + adversarial, Adam beta1 0.5, one lane (a model from\n"
        "                            --init-from without a discriminator gets a fresh one)\n"
        "      --seed S              seed for weights, batches, crops (default 1)\n"
        "      --threads T           threads (default 2); when they divide the batch,\n"
        "                            colorful, residual and fusion run T data-parallel\n"
        "                            lanes (batch-norm statistics per lane), pix2pix\n"
        "                            threads its BLAS calls\n"
        "      --checkpoint PATH     checkpoint file (default MODEL_FILE.ckpt)\n"
        "      --checkpoint-every N  steps between checkpoints (default 500)\n"
        "      --resume              continue from the checkpoint if it exists\n"
        "      --init-from MODEL     continue from a model file (its metadata step;\n"
        "                            Adam moments too if it is a checkpoint)\n"
        "      --restart-schedule    with --init-from: the schedule runs from the file's\n"
        "                            step to --steps, starting at --lr (else it counts\n"
        "                            from step 0, as if the run had never stopped)\n"
        "      --sample-every N      steps between sample grids and loss curves (default 500)\n"
        "      --samples PREFIX      writes PREFIX.samples.png, PREFIX.loss.png,\n"
        "                            PREFIX.log.csv (default MODEL_FILE minus .safetensors)\n"
        "      --val FILE            validation dataset: ab error every --val-every steps\n"
        "      --val-every N         (default 500)\n"
        "      --val-count N         photos used for validation (default 64)\n"
        "      --ema DECAY           the model file is an exponential moving average of the\n"
        "                            weights (e.g. 0.999: about the last 1,000 steps), kept\n"
        "                            in CHECKPOINT.ema; the checkpoint keeps the raw weights,\n"
        "                            which the sample grid and --val figures show\n"
        "                            (default 0: the model is the last weights)\n"
        "      --dtype f16|f32       weights of the final file (default f32)\n"
        "      --time-limit SECONDS  stop cleanly, saving checkpoint and model\n"
        "      --log-every N         plain progress line every N steps when not on a terminal (default 10)\n"
        "  -h, --help                this text\n"
        "\n"
        "Several processes (built with Open MPI): 'mpirun -np N [--hostfile H]\n"
        "corolization-train train ...' or 'srun --kill-on-bad-exit=1 corolization-train\n"
        "train ...' runs one rank per process, each with its --threads lanes, on its\n"
        "share of every batch read from its own DATA_FILE (the same file, or a copy on\n"
        "each machine); gradients are summed over the ranks, so N ranks of T lanes train\n"
        "as one process of N x T lanes. Rank 0 alone writes the model, checkpoint,\n"
        "samples and logs; --resume needs the checkpoint on every machine. A rank that\n"
        "dies ends the job; SIGUSR1 to mpirun stops every rank cleanly at one step.\n"
        "\n"
        "Exit status: 0 done, 1 failure, 2 bad usage, 3 stopped early by a signal or\n"
        "--time-limit (checkpoint and model saved; rerun with --resume).\n");
}

static void lr_find_help(void)
{
    printf(
        "Usage: corolization-train lr-find --arch ARCH --data DATA_FILE -o PREFIX [options]\n"
        "\n"
        "Learning-rate range test (Smith 2017): trains from the initial weights while the\n"
        "rate grows exponentially from --min to --max, records the smoothed loss, stops\n"
        "when it diverges (4 x its minimum), writes PREFIX.png (log-scale rate axis) and\n"
        "PREFIX.csv, and prints the suggested rate (steepest descent of the smoothed loss).\n"
        "\n"
        "  -a, --arch ARCH      architecture\n"
        "  -d, --data FILE      training dataset\n"
        "  -o, --output PREFIX  output prefix\n"
        "  -n, --steps N        steps over the range (default 100)\n"
        "      --min X          first rate (default 1e-6)\n"
        "      --max X          last rate (default 1)\n"
        "  -b, --batch, --size, --width, --lambda, --seed, --threads, --weight-decay,\n"
        "      --crop-scale, --adversarial\n"
        "                       as for train\n"
        "      --init-from FILE start from a model of --arch (a hints net: from a\n"
        "                       colorful model's layers, as train does)\n"
        "  -h, --help           this text\n");
}

static char *with_suffix(const char *base, const char *suffix)
{
    size_t n = strlen(base) + strlen(suffix) + 1;
    char *s = mallocCheck(n);
    snprintf(s, n, "%s%s", base, suffix);
    return s;
}

static void parse(train_opts *o, int argc, char **argv, bool lr_find)
{
    const char *cmd = lr_find ? "lr-find" : "train";
    enum { O_LR = 256, O_SCHEDULE, O_WD, O_SIZE, O_WIDTH, O_LAMBDA, O_SEED, O_THREADS, O_CKPT,
           O_CKPT_EVERY, O_RESUME, O_RESTART, O_INIT, O_SAMPLE_EVERY, O_SAMPLES, O_VAL, O_VAL_EVERY,
           O_VAL_COUNT, O_DTYPE, O_TIME, O_LOG_EVERY, O_MIN, O_MAX, O_ADV, O_CROP, O_EMA };
    static const struct option opts[] = {
        {"arch", required_argument, 0, 'a'}, {"data", required_argument, 0, 'd'},
        {"output", required_argument, 0, 'o'}, {"steps", required_argument, 0, 'n'},
        {"batch", required_argument, 0, 'b'}, {"lr", required_argument, 0, O_LR},
        {"schedule", required_argument, 0, O_SCHEDULE}, {"weight-decay", required_argument, 0, O_WD},
        {"size", required_argument, 0, O_SIZE}, {"width", required_argument, 0, O_WIDTH},
        {"lambda", required_argument, 0, O_LAMBDA}, {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS}, {"checkpoint", required_argument, 0, O_CKPT},
        {"checkpoint-every", required_argument, 0, O_CKPT_EVERY}, {"resume", no_argument, 0, O_RESUME},
        {"init-from", required_argument, 0, O_INIT},
        {"restart-schedule", no_argument, 0, O_RESTART}, {"sample-every", required_argument, 0, O_SAMPLE_EVERY},
        {"samples", required_argument, 0, O_SAMPLES}, {"val", required_argument, 0, O_VAL},
        {"val-every", required_argument, 0, O_VAL_EVERY}, {"val-count", required_argument, 0, O_VAL_COUNT},
        {"dtype", required_argument, 0, O_DTYPE}, {"time-limit", required_argument, 0, O_TIME},
        {"log-every", required_argument, 0, O_LOG_EVERY}, {"min", required_argument, 0, O_MIN},
        {"max", required_argument, 0, O_MAX}, {"adversarial", no_argument, 0, O_ADV},
        {"ema", required_argument, 0, O_EMA},
        {"crop-scale", required_argument, 0, O_CROP},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->steps = lr_find ? 100 : 0;
    o->batch = 16;
    o->threads = 2;
    o->width = 0.25f;
    o->lr = -1;
    o->lambda = 0.5f;
    o->seed = 1;
    o->schedule_name = "constant";
    o->checkpoint_every = 500;
    o->sample_every = 500;
    o->val_every = 500;
    o->val_count = 64;
    o->log_every = 10;
    o->dtype = CZ_DTYPE_F32;
    o->lr_min = 1e-6f;
    o->lr_max = 1.0f;
    const char *samples = NULL, *ckpt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "a:d:o:n:b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': o->arch = optarg; break;
        case 'd': o->data = optarg; break;
        case 'o': o->output = optarg; break;
        case 'n': o->steps = ct_parse_long(cmd, "--steps", optarg, 1, 1L << 40); break;
        case 'b': o->batch = (int)ct_parse_long(cmd, "--batch", optarg, 1, 4096); break;
        case O_LR: o->lr = (float)ct_parse_double(cmd, "--lr", optarg, 1e-12, 100); break;
        case O_SCHEDULE:
            o->schedule = cz_schedule_kind_parse(optarg);
            if (o->schedule < 0) ct_usage_error(cmd, "--schedule: constant, step, cosine or one-cycle, not '%s'", optarg);
            o->schedule_name = optarg;
            break;
        case O_WD: o->weight_decay = (float)ct_parse_double(cmd, "--weight-decay", optarg, 0, 1); break;
        case O_SIZE: o->size = (int)ct_parse_long(cmd, "--size", optarg, 8, 4096); break;
        case O_WIDTH: o->width = (float)ct_parse_double(cmd, "--width", optarg, 0.01, 4); break;
        case O_CROP:
            o->crop_scale = (float)ct_parse_double(cmd, "--crop-scale", optarg, 0.05, 1);
            o->crop_scale_set = true;
            break;
        case O_EMA:
            o->ema = (float)ct_parse_double(cmd, "--ema", optarg, 0, 0.99999);
            o->ema_set = true;
            break;
        case O_LAMBDA:
            o->lambda = (float)ct_parse_double(cmd, "--lambda", optarg, 0, 1);
            o->lambda_set = true;
            break;
        case O_SEED:
            o->seed = (uint64_t)ct_parse_long(cmd, "--seed", optarg, 0, 0x7fffffffffffffffL);
            o->seed_set = true;
            break;
        case O_THREADS: o->threads = (int)ct_parse_long(cmd, "--threads", optarg, 1, 256); break;
        case O_CKPT: ckpt = optarg; break;
        case O_CKPT_EVERY: o->checkpoint_every = ct_parse_long(cmd, "--checkpoint-every", optarg, 1, 1L << 40); break;
        case O_RESUME: o->resume = true; break;
        case O_ADV: o->adversarial = true; break;
        case O_INIT: o->init_from = optarg; break;
        case O_RESTART: o->restart_schedule = true; break;
        case O_SAMPLE_EVERY: o->sample_every = ct_parse_long(cmd, "--sample-every", optarg, 0, 1L << 40); break;
        case O_SAMPLES: samples = optarg; break;
        case O_VAL: o->val = optarg; break;
        case O_VAL_EVERY: o->val_every = ct_parse_long(cmd, "--val-every", optarg, 0, 1L << 40); break;
        case O_VAL_COUNT: o->val_count = (int)ct_parse_long(cmd, "--val-count", optarg, 1, 100000); break;
        case O_DTYPE:
            if (!strcmp(optarg, "f16")) o->dtype = CZ_DTYPE_F16;
            else if (!strcmp(optarg, "f32")) o->dtype = CZ_DTYPE_F32;
            else ct_usage_error(cmd, "--dtype: f16 or f32, not '%s'", optarg);
            break;
        case O_TIME: o->time_limit = ct_parse_double(cmd, "--time-limit", optarg, 0, 1e9); break;
        case O_LOG_EVERY: o->log_every = ct_parse_long(cmd, "--log-every", optarg, 1, 1L << 40); break;
        case O_MIN: o->lr_min = (float)ct_parse_double(cmd, "--min", optarg, 1e-12, 100); break;
        case O_MAX: o->lr_max = (float)ct_parse_double(cmd, "--max", optarg, 1e-12, 100); break;
        case 'h':
            if (lr_find) lr_find_help(); else train_help();
            exit(CT_EXIT_OK);
        default: ct_usage_error(cmd, "unknown option");
        }
    }
    if (optind != argc) ct_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!o->data) ct_usage_error(cmd, "--data DATA_FILE is required");
    if (!o->output) ct_usage_error(cmd, "-o %s is required", lr_find ? "PREFIX" : "MODEL_FILE");
    if (!o->steps) ct_usage_error(cmd, "--steps N is required");
    if (lr_find && !o->arch) ct_usage_error(cmd, "--arch is required");
    if (o->restart_schedule && !o->init_from) ct_usage_error(cmd, "--restart-schedule needs --init-from");
    if (lr_find && !(o->lr_min < o->lr_max)) ct_usage_error(cmd, "--min must be below --max");
    if (lr_find && o->steps < 10) ct_usage_error(cmd, "--steps must be at least 10");
    if (o->arch && !cz_arch_find(o->arch)) ct_usage_error(cmd, "--arch: colorful, pix2pix, fusion, residual or hints, not '%s'", o->arch);
    if (o->adversarial && o->arch && cz_arch_find(o->arch)->output != CZ_OUTPUT_AB)
        ct_usage_error(cmd, "--adversarial: for models that regress ab (fusion or residual; pix2pix always is), not %s",
                       o->arch);
    if (o->lr < 0) o->lr = o->arch && !strcmp(o->arch, "pix2pix") ? 2e-4f : 3e-4f;
    /* Derived paths. */
    o->checkpoint = ckpt ? strdup(ckpt) : with_suffix(o->output, ".ckpt");
    o->ema_path = with_suffix(o->checkpoint, ".ema");
    char *base = strdup(samples ? samples : o->output);
    size_t bl = strlen(base);
    if (!samples && bl > 12 && !strcmp(base + bl - 12, ".safetensors")) base[bl - 12] = 0;
    o->samples_path = with_suffix(base, ".samples.png");
    o->curve_path = with_suffix(base, ".loss.png");
    o->log_path = with_suffix(base, ".log.csv");
    free(base);
}

void ct_train_opts_parse(train_opts *o, int argc, char **argv) { parse(o, argc, argv, false); }
void ct_lr_find_opts_parse(train_opts *o, int argc, char **argv) { parse(o, argc, argv, true); }

void ct_train_opts_free(train_opts *o)
{
    free(o->checkpoint);
    free(o->ema_path);
    free(o->samples_path);
    free(o->curve_path);
    free(o->log_path);
}
