/* pixel_opts.h: the colorize parameters (engine/pixel_params.h) as options
 * of `colorize` and `eval`: their getopt entries, parsing and --help lines,
 * all made from the engine's table, so the trainer and the plug-in agree on
 * names, ranges and defaults. */
#ifndef CT_PIXEL_OPTS_H
#define CT_PIXEL_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "pixel_params.h"

/* Their short forms, for getopt_long's optstring. */
#define CT_PIXEL_OPTS_SHORT "t:s:"

/* Appends the long options (--temperature, --saturation, --size,
 * --reference-strength) after the
 * last entry of opts, which holds n entries and is zero-terminated; exits
 * if they do not fit. getopt_long then returns CT_PIXEL_OPT + id for them. */
#define CT_PIXEL_OPT 0x1000
void ct_pixel_opts_add(struct option *opts, size_t n);

/* When c (a getopt_long result) is one of them, parses arg into p and
 * returns true; a value outside the table's range is a usage error of cmd. */
bool ct_pixel_opts_parse(const char *cmd, int c, const char *arg, cz_pixel_params *p);

/* Prints their --help lines, in the layout of the commands' own. */
void ct_pixel_opts_help(void);

/* --reference PHOTO of cmd: the photo's colour prior for model (caller
 * frees it). A model that cannot use one is a usage error of cmd; a photo
 * that cannot be read exits with status 1. Needs GEGL. */
cz_reference *ct_pixel_opts_reference_load(const char *cmd, const cz_model *model, const char *path);

#endif
