/* dataset.c: write and map the packed training set (format in dataset.h). */
#include "dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static float rdf32(const unsigned char *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void wr64(unsigned char *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t align64(uint64_t x) { return (x + 63) & ~(uint64_t)63; }

/* Where the sections start, from the header counts (overflow-checked). */
static bool layout(uint32_t count, uint32_t size, uint32_t classes, uint64_t *hist_off,
                   uint64_t *images_off, uint64_t *labels_off, uint64_t *total)
{
    size_t rec, all, lab;
    uint64_t h = CT_DATASET_HEADER + (uint64_t)classes * CT_DATASET_NAME;
    h = (h + 7) & ~(uint64_t)7;
    uint64_t img = align64(h + (uint64_t)CT_DATASET_HIST * CT_DATASET_HIST * 8);
    if (!cz_size_mul(&rec, (size_t)size * size, 3 * sizeof(uint16_t))) return false;
    if (!cz_size_mul(&all, rec, count)) return false;
    if (!cz_size_mul(&lab, count, sizeof(uint16_t))) return false;
    uint64_t lo = img + all;
    if (lo < img) return false;
    *hist_off = h;
    *images_off = img;
    *labels_off = lo;
    *total = lo + lab;
    return *total >= lo;
}

cz_status ct_dataset_open(ct_dataset *ds, const char *path, cz_error *err)
{
    memset(ds, 0, sizeof *ds);
    struct stat st;
    int fd = cz_file_open_regular(path, &st, err); /* a FIFO would block the open */
    if (fd < 0) return err ? err->status : CZ_STATUS_IO_ERROR;
    size_t fsize = (size_t)st.st_size;
    if (fsize < CT_DATASET_HEADER) {
        close(fd);
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "%s: too short for a dataset", path);
    }
    void *map = mmap(NULL, fsize, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return cz_error_set(err, CZ_STATUS_IO_ERROR, "%s: mmap: %s", path, strerror(errno));
    const unsigned char *h = map;
    cz_status bad = CZ_STATUS_FORMAT_ERROR;
    uint64_t hist_off = 0, img_off = 0, lab_off = 0, total = 0;
    if (memcmp(h, CT_DATASET_MAGIC, 4) != 0) {
        cz_error_set(err, bad, "%s: not a corolization dataset (bad magic)", path);
        goto fail;
    }
    if (rd32(h + 4) != CT_DATASET_VERSION) {
        cz_error_set(err, bad, "%s: dataset version %u, this trainer reads %d", path,
                     rd32(h + 4), CT_DATASET_VERSION);
        goto fail;
    }
    ds->count = rd32(h + 8);
    ds->size = rd32(h + 12);
    ds->classes = rd32(h + 16);
    if (ds->count == 0 || ds->size < 8 || ds->size > 4096 || ds->classes > CT_DATASET_MAX_CLASSES ||
        rd32(h + 20) != CT_DATASET_HIST || rdf32(h + 24) != CT_DATASET_L_SCALE ||
        rdf32(h + 28) != CT_DATASET_AB_SCALE) {
        cz_error_set(err, bad, "%s: header out of range (count %u, size %u, classes %u)",
                     path, ds->count, ds->size, ds->classes);
        goto fail;
    }
    if (!layout(ds->count, ds->size, ds->classes, &hist_off, &img_off, &lab_off, &total) ||
        rd64(h + 32) != img_off || rd64(h + 40) != lab_off || rd64(h + 48) != total ||
        total != fsize) {
        cz_error_set(err, bad, "%s: sizes disagree (%u photos of %u px need %llu bytes; the file has "
                     "%zu, its header says %llu)", path, ds->count, ds->size, (unsigned long long)total,
                     fsize, (unsigned long long)rd64(h + 48));
        goto fail;
    }
    for (uint32_t c = 0; c < ds->classes; c++) {
        const char *nm = (const char *)h + CT_DATASET_HEADER + (size_t)c * CT_DATASET_NAME;
        if (memchr(nm, 0, CT_DATASET_NAME) == NULL) {
            cz_error_set(err, bad, "%s: class name %u not terminated", path, c);
            goto fail;
        }
        memcpy(ds->class_names[c], nm, CT_DATASET_NAME);
    }
    ds->map = map;
    ds->map_size = fsize;
    ds->hist = (const uint64_t *)(h + hist_off);
    ds->images = (const uint16_t *)(h + img_off);
    ds->labels = (const uint16_t *)(h + lab_off);
    for (uint32_t i = 0; i < ds->count; i++)
        if (ds->labels[i] >= (ds->classes ? ds->classes : 1)) {
            cz_error_set(err, bad, "%s: photo %u has class %u of %u", path, i,
                         ds->labels[i], ds->classes);
            goto fail;
        }
    madvise(map, fsize, MADV_RANDOM);
    return CZ_STATUS_OK;
fail:
    munmap(map, fsize);
    memset(ds, 0, sizeof *ds);
    return bad;
}

void ct_dataset_close(ct_dataset *ds)
{
    if (ds->map) munmap(ds->map, ds->map_size);
    memset(ds, 0, sizeof *ds);
}

void ct_dataset_get(const ct_dataset *ds, size_t i, float *L, float *ab)
{
    size_t n = (size_t)ds->size * ds->size;
    const uint16_t *r = ds->images + i * 3 * n;
    const int16_t *a = (const int16_t *)(r + n), *b = (const int16_t *)(r + 2 * n);
    const float ls = 1.0f / CT_DATASET_L_SCALE, as = 1.0f / CT_DATASET_AB_SCALE;
    for (size_t p = 0; p < n; p++) {
        L[p] = r[p] * ls;
        ab[p] = a[p] * as;
        ab[n + p] = b[p] * as;
    }
}

int ct_dataset_label(const ct_dataset *ds, size_t i) { return ds->labels[i]; }

cz_status ct_dataset_writer_begin(ct_dataset_writer *w, const char *path, int size,
                                  int classes, char names[][CT_DATASET_NAME], cz_error *err)
{
    memset(w, 0, sizeof *w);
    if (size < 8 || size > 4096 || classes < 0 || classes > CT_DATASET_MAX_CLASSES)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT,
                            "size %d (8..4096) or classes %d (0..64) out of range", size, classes);
    w->size = (uint32_t)size;
    w->classes = (uint32_t)classes;
    for (int c = 0; c < classes; c++) {
        memset(w->class_names[c], 0, CT_DATASET_NAME);
        snprintf(w->class_names[c], CT_DATASET_NAME, "%s", names[c]);
    }
    uint64_t hist_off = 0, lab_off = 0, total = 0;
    if (!layout(0, w->size, w->classes, &hist_off, &w->images_offset, &lab_off, &total))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "size %d overflows", size);
    w->hist = calloc((size_t)CT_DATASET_HIST * CT_DATASET_HIST, sizeof(uint64_t));
    w->record = malloc((size_t)3 * size * size * sizeof(uint16_t));
    if (!w->hist || !w->record) {
        ct_dataset_writer_abort(w);
        return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "%s: out of memory", path);
    }
    /* Records go from images_offset on; finish fills in what is before. */
    if (!(w->f = cz_file_writer_new(path, err))) {
        ct_dataset_writer_abort(w);
        return err ? err->status : CZ_STATUS_IO_ERROR;
    }
    return CZ_STATUS_OK;
}

static int16_t quant_ab(float v)
{
    float s = roundf(v * CT_DATASET_AB_SCALE);
    if (!(s > -32767.0f)) s = -32767.0f; /* also maps NaN */
    if (s > 32767.0f) s = 32767.0f;
    return (int16_t)s;
}

cz_status ct_dataset_writer_add(ct_dataset_writer *w, const float *L, const float *a,
                                const float *b, int label, cz_error *err)
{
    size_t n = (size_t)w->size * w->size;
    if (w->count == UINT32_MAX)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "too many photos");
    if (label < 0 || (w->classes && (uint32_t)label >= w->classes) || (!w->classes && label))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "class %d out of range", label);
    for (size_t p = 0; p < n; p++) {
        float l = roundf(L[p] * CT_DATASET_L_SCALE);
        w->record[p] = (uint16_t)(l < 0 ? 0 : l > 65535 ? 65535 : l);
        int16_t qa = quant_ab(a[p]), qb = quant_ab(b[p]);
        memcpy(&w->record[n + p], &qa, 2);
        memcpy(&w->record[2 * n + p], &qb, 2);
        int ia = (int)lroundf(qa / CT_DATASET_AB_SCALE) + 128;
        int ib = (int)lroundf(qb / CT_DATASET_AB_SCALE) + 128;
        ia = ia < 0 ? 0 : ia > 255 ? 255 : ia;
        ib = ib < 0 ? 0 : ib > 255 ? 255 : ib;
        w->hist[ia * CT_DATASET_HIST + ib]++;
    }
    uint64_t at = w->images_offset + (uint64_t)w->count * 3 * n * sizeof(uint16_t);
    cz_status st = cz_file_writer_write_at(w->f, at, w->record, 3 * n * sizeof(uint16_t), err);
    if (st) return st;
    if (w->count == w->labels_cap) {
        size_t cap = w->labels_cap ? 2 * w->labels_cap : 1024;
        uint16_t *nl = realloc(w->labels, cap * sizeof *nl);
        if (!nl) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "labels");
        w->labels = nl;
        w->labels_cap = cap;
    }
    w->labels[w->count++] = (uint16_t)label;
    return CZ_STATUS_OK;
}

cz_status ct_dataset_writer_finish(ct_dataset_writer *w, cz_error *err)
{
    uint64_t hist_off = 0, img_off = 0, lab_off = 0, total = 0;
    if (w->count == 0) {
        ct_dataset_writer_abort(w);
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "no usable photos: dataset not written");
    }
    if (!layout(w->count, w->size, w->classes, &hist_off, &img_off, &lab_off, &total)) {
        ct_dataset_writer_abort(w);
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "dataset size overflows");
    }
    unsigned char h[CT_DATASET_HEADER] = {0};
    float ls = CT_DATASET_L_SCALE, as = CT_DATASET_AB_SCALE;
    uint32_t u;
    memcpy(h, CT_DATASET_MAGIC, 4);
    wr32(h + 4, CT_DATASET_VERSION);
    wr32(h + 8, w->count);
    wr32(h + 12, w->size);
    wr32(h + 16, w->classes);
    wr32(h + 20, CT_DATASET_HIST);
    memcpy(&u, &ls, 4);
    wr32(h + 24, u);
    memcpy(&u, &as, 4);
    wr32(h + 28, u);
    wr64(h + 32, img_off);
    wr64(h + 40, lab_off);
    wr64(h + 48, total);
    /* Labels after the records, then the header, names and histogram. */
    cz_status st = cz_file_writer_write_at(w->f, lab_off, w->labels, w->count * sizeof(uint16_t), err);
    if (!st) st = cz_file_writer_write_at(w->f, 0, h, sizeof h, err);
    for (uint32_t c = 0; !st && c < w->classes; c++)
        st = cz_file_writer_write_at(w->f, CT_DATASET_HEADER + (uint64_t)c * CT_DATASET_NAME,
                                     w->class_names[c], CT_DATASET_NAME, err);
    const size_t bins = (size_t)CT_DATASET_HIST * CT_DATASET_HIST;
    unsigned char *hist = st ? NULL : malloc(bins * 8);
    if (!st && !hist) st = cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; hist && i < bins; i++) wr64(hist + 8 * i, w->hist[i]);
    if (!st) st = cz_file_writer_write_at(w->f, hist_off, hist, bins * 8, err);
    free(hist);
    if (!st) {
        st = cz_file_writer_commit(w->f, err);
        w->f = NULL;
    }
    ct_dataset_writer_abort(w); /* frees the buffers (and the writer if it failed) */
    return st;
}

void ct_dataset_writer_abort(ct_dataset_writer *w)
{
    cz_file_writer_abort(w->f);
    w->f = NULL;
    free(w->hist);
    free(w->labels);
    free(w->record);
    w->hist = NULL;
    w->labels = NULL;
    w->record = NULL;
}
