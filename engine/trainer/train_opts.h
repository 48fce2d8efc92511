/* train_opts.h: the options of `train` and `lr-find`, parsed in one place. */
#ifndef CT_TRAIN_OPTS_H
#define CT_TRAIN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *arch, *data, *output, *val, *init_from;
    char *checkpoint, *samples_path, *curve_path, *log_path; /* owned */
    char *ema_path; /* owned: CHECKPOINT.ema, the weights' moving average */
    long steps;
    int batch, size, threads, dtype;
    float width, lr, weight_decay, lambda;
    float crop_scale; /* --crop-scale, 0 = crops at the photo's scale */
    float ema;        /* --ema decay, 0 = the model is the last weights */
    int schedule;
    const char *schedule_name;
    uint64_t seed;
    bool seed_set; /* --seed given */
    bool lambda_set, crop_scale_set, ema_set; /* --lambda, --crop-scale, --ema given */
    bool resume;
    bool restart_schedule; /* --restart-schedule */
    bool adversarial; /* --adversarial */
    long checkpoint_every, sample_every, val_every, log_every;
    int val_count;
    double time_limit;
    /* lr-find */
    float lr_min, lr_max;
} train_opts;

/* lr_find selects lr-find's options and help; exits on bad usage or --help. */
void ct_train_opts_parse(train_opts *o, int argc, char **argv);
void ct_lr_find_opts_parse(train_opts *o, int argc, char **argv);
void ct_train_opts_free(train_opts *o);

#endif
