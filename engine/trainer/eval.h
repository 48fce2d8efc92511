/* eval.h: the figures of `corolization-train eval` (eval.c). ct_eval_measure
 * colorizes a set of photos and measures them into a ct_eval_result
 * (eval_measure.c); the printers report it as JSON, as a table or as a
 * sample grid (eval_print.c). The figures are defined in metrics.h. */
#ifndef CT_EVAL_H
#define CT_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "pixel.h"

#define CT_EVAL_SIDE 256 /* photos are compared at SIDE x SIDE */
#define CT_EVAL_GRID 6   /* photos in the sample grid */

/* Where each photo's reference photo comes from. */
typedef enum {
    CT_EVAL_REFERENCE_GIVEN, /* pp->reference for every photo (or none) */
    CT_EVAL_REFERENCE_SELF,  /* the photo's own truth: the bound a reference can reach */
    CT_EVAL_REFERENCE_OTHER, /* the next photo of its own top folder, cyclically */
} ct_eval_reference;

/* One top folder below the photo folder: validation sets mix sources
 * (CBSD68, Urban100, ...) whose figures differ more than the models do. */
typedef struct {
    char *name; /* owned; "." for photos directly in the folder */
    size_t images;
    /* Means over its photos; delta_cf = cf_truth - cf_pred. */
    double psnr, psnr_gray, cf_pred, cf_truth, delta_cf;
} ct_eval_folder;

/* Means over the measured photos (NAN when there are none); "gray" is the
 * answer L alone (a = b = 0); delta_cf = cf_truth - cf_pred (positive: the
 * prediction is duller), delta_cf_gray likewise; AuC is over all pixels. */
typedef struct {
    int side;               /* CT_EVAL_SIDE, or 0: each photo at its own size */
    size_t images, skipped; /* measured; unreadable and left out */
    double psnr, psnr_gray, ssim, ssim_gray;
    double cf_pred, cf_truth, cf_gray, delta_cf, delta_cf_gray;
    double auc, auc_gray;
    double ab_edge, ab_edge_truth; /* mean |grad ab| of prediction and truth */
    ct_eval_folder *folders;       /* [nfolders], owned, in order of first photo */
    int nfolders;
    /* The first photos as 8-bit sRGB [3][CT_EVAL_GRID][side, side, 3], rows
     * gray, prediction, truth; ncells of each row are filled. Owned. */
    unsigned char *cells;
    int ncells;
    int hints; /* simulated hint points per photo, -1 none */
    /* The reference photo: "self" (each photo's own truth), "other" (the
     * next photo of its folder), a path (the caller's, not owned; set by the
     * caller), or NULL for none. */
    const char *reference;
} ct_eval_result;

/* Fills *r from files [n], photos below dir: each is reduced to the centre
 * square at CT_EVAL_SIDE (as `prepare` does), colorized from its own L by
 * the plug-in's pixel path with model and pp, or answered with the truth
 * itself when model is NULL (the oracle), and measured against the truth.
 * Unreadable photos are warned about and skipped; a colorizing failure
 * exits. progress: a photo counter on stderr. Free with
 * ct_eval_result_free. */
void ct_eval_measure(ct_eval_result *r, cz_model *model, const cz_pixel_params *pp,
                     const char *dir, char *const *files, size_t n, bool progress);
/* The same, with hints >= 0: a hints model gets that many simulated hint
 * points per photo from its truth (hints_sim.h's ct_hints_fixed: 5 x 5 px
 * at uniform positions, seeded by the photo's index, so every run and every
 * model gets the same hints); and with a reference other than
 * CT_EVAL_REFERENCE_GIVEN (a classifier model, at pp's strength): SELF,
 * each photo's truth (at CT_EVAL_SIDE, or its own size) is its own
 * reference, the bound a reference can reach (r->reference = "self");
 * OTHER, its reference is the next photo in name order of the same top
 * folder below dir (the folder of the per-folder figures), cyclically, read
 * whole as --reference reads a photo: a photo of the same scene that is not
 * this one (r->reference = "other"). A photo whose folder has no other
 * readable photo is skipped with a warning. With full_size each photo is
 * colorized and compared at its own size (r->side 0, no grid cells). */
void ct_eval_measure_hinted(ct_eval_result *r, cz_model *model, const cz_pixel_params *pp, int hints,
                            ct_eval_reference reference, bool full_size, const char *dir, char *const *files,
                            size_t n,
                            bool progress);
void ct_eval_result_free(ct_eval_result *r);

/* One JSON object on one line, with pp's temperature and saturation, the
 * "reference" ("self" or its path) and "reference_strength" when there is
 * one and, for photos in several folders, "folders". */
void ct_eval_print_json(FILE *out, const ct_eval_result *r, const cz_pixel_params *pp);
/* A table for people: what names the answer (a model file, "oracle");
 * grid_path, when not NULL, is named as the sample grid. */
void ct_eval_print_table(FILE *out, const ct_eval_result *r, const char *what,
                         const char *grid_path);
/* The sample grid PNG of r's cells under caption; false with why [n] when
 * there are no photos or it cannot be written. */
bool ct_eval_grid_write(const ct_eval_result *r, const char *path, const char *caption,
                        char *why, size_t n);

#endif
