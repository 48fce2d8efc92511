/* dataset.h: the packed training set `prepare` writes and `train` maps.
 *
 * One file, little-endian, read by mmap and checked against its size on open:
 *   offset  0  char[4] magic "CZDS"
 *           4  u32 version (1)
 *           8  u32 count        photos
 *          12  u32 size         side N of every (square) photo
 *          16  u32 classes      scene classes (subfolder names), <= 64
 *          20  u32 hist_side    256: the ab histogram's bins per axis
 *          24  f32 L_scale      655.35: stored L = round(L * L_scale), u16
 *          28  f32 ab_scale     256: stored a, b = round(ab * ab_scale), i16
 *                               (clamped to +-127.99)
 *          32  u64 images_offset
 *          40  u64 labels_offset
 *          48  u64 file_size
 *          56  u64 reserved (0)
 *          64  classes x char[48]  class names, NUL-padded
 *          ..  u64[hist_side^2]    ab histogram: pixel counts of every photo,
 *                                  bin (a + 128, b + 128) of the rounded ab,
 *                                  row a; the ab prior and rebalancing
 *                                  weights are computed from it
 *   images_offset (64-aligned): count records of 3 planes [N*N]:
 *                                  L u16, a i16, b i16
 *   labels_offset: count x u16     scene class of each photo
 * 176 px photos take 186 KB each: 5,158 photos fit in 0.96 GB, paged in on
 * demand. Lab is babl's "CIE Lab float" (D50), as lab.h. */
#ifndef CT_DATASET_H
#define CT_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cz.h"
#include "file.h"

#define CT_DATASET_MAGIC "CZDS"
#define CT_DATASET_VERSION 1
#define CT_DATASET_HEADER 64
#define CT_DATASET_MAX_CLASSES 64
#define CT_DATASET_NAME 48
#define CT_DATASET_HIST 256
#define CT_DATASET_L_SCALE 655.35f
#define CT_DATASET_AB_SCALE 256.0f

typedef struct {
    void *map;
    size_t map_size;
    uint32_t count, size, classes;
    char class_names[CT_DATASET_MAX_CLASSES][CT_DATASET_NAME];
    const uint64_t *hist; /* [256 * 256], may be unaligned-safe: 8-aligned */
    const uint16_t *images;
    const uint16_t *labels;
} ct_dataset;

cz_status ct_dataset_open(ct_dataset *ds, const char *path, cz_error *err);
void ct_dataset_close(ct_dataset *ds);
/* Photo i as floats: L [N*N], ab [2, N*N]. */
void ct_dataset_get(const ct_dataset *ds, size_t i, float *L, float *ab);
int ct_dataset_label(const ct_dataset *ds, size_t i);

/* Writer: photos are appended to a temporary file (cz_file_writer); finish
 * writes the header and commits, so a half-written dataset never carries
 * the name. */
typedef struct {
    cz_file_writer *f;
    uint32_t count, size, classes;
    char class_names[CT_DATASET_MAX_CLASSES][CT_DATASET_NAME];
    uint64_t *hist;          /* [256 * 256] */
    uint16_t *labels;        /* grows */
    size_t labels_cap;
    uint16_t *record;        /* [3 * N * N] */
    uint64_t images_offset;
} ct_dataset_writer;

cz_status ct_dataset_writer_begin(ct_dataset_writer *w, const char *path, int size,
                                  int classes, char names[][CT_DATASET_NAME],
                                  cz_error *err);
/* L [N*N], a [N*N], b [N*N]. */
cz_status ct_dataset_writer_add(ct_dataset_writer *w, const float *L, const float *a,
                                const float *b, int label, cz_error *err);
cz_status ct_dataset_writer_finish(ct_dataset_writer *w, cz_error *err);
/* Removes the temporary file after a failure. */
void ct_dataset_writer_abort(ct_dataset_writer *w);

#endif
