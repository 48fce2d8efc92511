/* eval_measure.c: colorizes each photo from its own L by the plug-in's
 * pixel path (cz_pixel_colorize) and compares it with the truth at
 * CT_EVAL_SIDE (centre square, area-resampled in Lab as `prepare` does),
 * as does the gray answer (the truth's L with a = b = 0); see eval.h.
 * Both answers and the truth are clipped to 0..1 sRGB first, what an 8-bit
 * file would hold. Sums run in photo order, then become means. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "hints_sim.h"
#include "image.h"
#include "metrics.h"
#include "util.h"

/* Sums over one top folder's photos. */
typedef struct {
    char *name; /* owned */
    size_t n;
    double psnr, psnr_g, cfp, cft;
} folder_sum;

/* Sums over all photos. */
typedef struct {
    uint64_t hist_p[CT_AUC_THRESHOLDS], hist_g[CT_AUC_THRESHOLDS], total_px;
    double psnr, psnr_g, ssim, ssim_g, cfp, cft, cfg, edp, edt;
    folder_sum *folders; /* [nfolders], owned */
    int nfolders;
} eval_sums;

/* Work planes for one photo of ss pixels (S x S, or its own size at full
 * size): Lab planes, the truth and the two answers as interleaved sRGB
 * [ss, 3], and each of those in Lab. */
typedef struct {
    float *L, *a, *b, *zero;
    float *truth, *pred, *gray;
    float *lab_t, *lab_p, *lab_g;
} eval_planes;

/* The first path component of file below dir, as rel [*len] ("." for
 * files directly in dir). */
static const char *top_folder(const char *dir, const char *file, size_t *len)
{
    size_t dl = strlen(dir);
    const char *rel = strncmp(file, dir, dl) ? file : file + dl;
    while (*rel == '/') rel++;
    const char *slash = strchr(rel, '/');
    *len = slash ? (size_t)(slash - rel) : 1;
    return slash ? rel : ".";
}

/* The sum of file's top folder below dir, added to *f [*nf] if new. */
static folder_sum *folder_of(folder_sum **f, int *nf, const char *dir, const char *file)
{
    size_t len;
    const char *rel = top_folder(dir, file, &len);
    for (int i = 0; i < *nf; i++)
        if (strlen((*f)[i].name) == len && !strncmp((*f)[i].name, rel, len)) return &(*f)[i];
    *f = realloc(*f, (size_t)(*nf + 1) * sizeof **f);
    if (!*f) ct_die(__FILE__, __LINE__, NULL, "out of memory");
    folder_sum *n = &(*f)[(*nf)++];
    memset(n, 0, sizeof *n);
    n->name = strndup(rel, len);
    if (!n->name) ct_die(__FILE__, __LINE__, NULL, "out of memory");
    return n;
}

/* Photo i's reference for CT_EVAL_REFERENCE_OTHER: the first of the photos
 * after it in files [n], cyclically, in its top folder that can be read,
 * whole (as --reference reads one), or NULL when there is none. A folder's
 * photos are contiguous in the sorted list, but the scan does not rely on
 * it. */
static cz_reference *other_reference(const cz_model *model, const char *dir, char *const *files, size_t n,
                                     size_t i)
{
    size_t len;
    const char *rel = top_folder(dir, files[i], &len);
    for (size_t k = 1; k < n; k++) {
        const char *f = files[(i + k) % n];
        size_t l;
        const char *r = top_folder(dir, f, &l);
        if (l != len || strncmp(r, rel, len)) continue;
        char why[256];
        GeglBuffer *buf = ct_image_load_buffer(f, why, sizeof why);
        if (!buf) continue; /* warned about when it is measured itself */
        cz_error err = {0};
        cz_reference *ref = cz_pixel_reference_new(model, buf, NULL, &err);
        g_object_unref(buf);
        if (ref) return ref;
        ct_warn("%s: not a reference: %s", f, err.msg);
    }
    return NULL;
}

static void planes_new(eval_planes *p, size_t ss)
{
    p->L = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    p->a = p->L + ss;
    p->b = p->L + 2 * ss;
    p->zero = callocCheck(ss, sizeof(float));
    p->truth = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    p->pred = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    p->gray = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    p->lab_t = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    p->lab_p = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    p->lab_g = mallocCheck(ct_size3(ss, 3, sizeof(float)));
}

static void planes_free(eval_planes *p)
{
    free(p->L); free(p->zero); free(p->truth); free(p->pred); free(p->gray);
    free(p->lab_t); free(p->lab_p); free(p->lab_g);
}

/* p->pred = the model's answer to p->truth [W*H, 3] (the truth itself
 * without a model), with the truth as its own reference when self_ref,
 * else with other when not NULL; exits when colorizing fails. */
static void photo_answer(eval_planes *p, cz_model *model, const cz_pixel_params *pp, int W, int H, int hints,
                         bool self_ref, const cz_reference *other, uint64_t seed, const char *file)
{
    const size_t ss = (size_t)W * H;
    if (!model) {
        memcpy(p->pred, p->truth, ss * 3 * sizeof(float));
        return;
    }
    GeglRectangle rect = {0, 0, W, H};
    const Babl *rgbf = babl_format("R'G'B' float");
    cz_error err = {0};
    GeglBuffer *src = gegl_buffer_new(&rect, rgbf), *dst = gegl_buffer_new(&rect, rgbf);
    gegl_buffer_set(src, &rect, 0, rgbf, p->truth, GEGL_AUTO_ROWSTRIDE);
    GeglBuffer *hb = NULL;
    if (hints >= 0) {
        /* The hints as a user would paint them: Lab, alpha 1 at the patches. */
        const Babl *labf = babl_format("CIE Lab alpha float");
        float *plane = mallocCheck(ct_size3(ss, 3, sizeof(float))), *px = mallocCheck(ct_size3(ss, 4, sizeof(float)));
        ct_hints_fixed(plane, plane + 2 * ss, NULL, 0, p->a, H, W, hints, seed);
        for (size_t k = 0; k < ss; k++)
            px[4 * k] = p->L[k], px[4 * k + 1] = plane[k], px[4 * k + 2] = plane[ss + k], px[4 * k + 3] = plane[2 * ss + k];
        hb = gegl_buffer_new(&rect, labf);
        gegl_buffer_set(hb, &rect, 0, labf, px, GEGL_AUTO_ROWSTRIDE);
        free(plane);
        free(px);
    }
    cz_pixel_params own = *pp;
    if (other) own.reference = other;
    cz_reference *ref = NULL;
    cz_status st = CZ_STATUS_OK;
    if (self_ref) {
        ref = cz_pixel_reference_new(model, src, &rect, &err);
        if (!ref) st = err.status;
        own.reference = ref;
    }
    if (st == CZ_STATUS_OK) st = cz_pixel_colorize_hinted(model, src, hb, dst, NULL, &rect, &own, NULL, NULL, &err);
    cz_reference_free(ref);
    if (hb) g_object_unref(hb);
    if (st == CZ_STATUS_OK) gegl_buffer_get(dst, &rect, 1.0, rgbf, p->pred, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    g_object_unref(src);
    g_object_unref(dst);
    if (st != CZ_STATUS_OK) ct_die(__FILE__, __LINE__, NULL, "%s: %s", file, err.msg);
}

/* Adds one photo's figures (answers in p, W x H, clipped here) to s and to
 * its folder f. */
static void photo_measure(eval_sums *s, folder_sum *f, eval_planes *p, int W, int H)
{
    const size_t ss = (size_t)W * H;
    for (size_t k = 0; k < 3 * ss; k++) { /* what an 8-bit file would hold: 0..1 */
        p->truth[k] = p->truth[k] < 0 ? 0 : p->truth[k] > 1 ? 1 : p->truth[k];
        p->pred[k] = p->pred[k] < 0 ? 0 : p->pred[k] > 1 ? 1 : p->pred[k];
        p->gray[k] = p->gray[k] < 0 ? 0 : p->gray[k] > 1 ? 1 : p->gray[k];
    }
    ct_rgb_float_to_lab(p->lab_t, p->truth, ss);
    ct_rgb_float_to_lab(p->lab_p, p->pred, ss);
    ct_rgb_float_to_lab(p->lab_g, p->gray, ss);
    const double psnr = ct_psnr_rgb(p->pred, p->truth, ss), psnr_g = ct_psnr_rgb(p->gray, p->truth, ss);
    const double cfp = ct_colourfulness(p->pred, ss), cft = ct_colourfulness(p->truth, ss);
    s->psnr += psnr;
    s->psnr_g += psnr_g;
    s->ssim += ct_ssim_rgb(p->pred, p->truth, W, H);
    s->ssim_g += ct_ssim_rgb(p->gray, p->truth, W, H);
    s->cfp += cfp;
    s->cft += cft;
    f->n++, f->psnr += psnr, f->psnr_g += psnr_g, f->cfp += cfp, f->cft += cft;
    s->cfg += ct_colourfulness(p->gray, ss);
    s->edp += ct_ab_gradient(p->lab_p, W, H);
    s->edt += ct_ab_gradient(p->lab_t, W, H);
    ct_ab_error_accumulate(s->hist_p, p->lab_p, p->lab_t, ss);
    ct_ab_error_accumulate(s->hist_g, p->lab_g, p->lab_t, ss);
    s->total_px += ss;
}

/* Photo i's gray, prediction and truth into the grid cells of r. */
static void photo_cells(ct_eval_result *r, const eval_planes *p, int i)
{
    const size_t ss = (size_t)r->side * r->side;
    const float *rows[3] = {p->gray, p->pred, p->truth};
    for (int row = 0; row < 3; row++) {
        unsigned char *cell = r->cells + (size_t)(row * CT_EVAL_GRID + i) * ss * 3;
        for (size_t k = 0; k < 3 * ss; k++) cell[k] = (unsigned char)lroundf(rows[row][k] * 255.0f);
    }
}

/* The sums s of r->images photos as means into r; s's folders move to r. */
static void result_finish(ct_eval_result *r, eval_sums *s)
{
    double N = r->images ? (double)r->images : NAN;
    r->psnr = s->psnr / N, r->psnr_gray = s->psnr_g / N;
    r->ssim = s->ssim / N, r->ssim_gray = s->ssim_g / N;
    r->cf_pred = s->cfp / N, r->cf_truth = s->cft / N, r->cf_gray = s->cfg / N;
    r->delta_cf = r->cf_truth - r->cf_pred, r->delta_cf_gray = r->cf_truth - r->cf_gray;
    r->auc = ct_auc(s->hist_p, s->total_px), r->auc_gray = ct_auc(s->hist_g, s->total_px);
    r->ab_edge = s->edp / N, r->ab_edge_truth = s->edt / N;
    r->folders = callocCheck((size_t)s->nfolders + 1, sizeof *r->folders);
    r->nfolders = s->nfolders;
    for (int i = 0; i < s->nfolders; i++) {
        const folder_sum *f = &s->folders[i];
        const double k = (double)f->n;
        r->folders[i] = (ct_eval_folder){.name = f->name, .images = f->n, .psnr = f->psnr / k,
                                         .psnr_gray = f->psnr_g / k, .cf_pred = f->cfp / k,
                                         .cf_truth = f->cft / k, .delta_cf = (f->cft - f->cfp) / k};
    }
    free(s->folders);
    s->folders = NULL;
}

void ct_eval_measure(ct_eval_result *r, cz_model *model, const cz_pixel_params *pp,
                     const char *dir, char *const *files, size_t n, bool progress)
{
    ct_eval_measure_hinted(r, model, pp, -1, CT_EVAL_REFERENCE_GIVEN, false, dir, files, n, progress);
}

/* img's Lab [h, w, 3] as the planes p->L, p->a, p->b. */
static void planes_from_image(eval_planes *p, const ct_lab_image *img)
{
    const size_t ss = (size_t)img->w * img->h;
    for (size_t k = 0; k < ss; k++)
        p->L[k] = img->lab[3 * k], p->a[k] = img->lab[3 * k + 1], p->b[k] = img->lab[3 * k + 2];
}

void ct_eval_measure_hinted(ct_eval_result *r, cz_model *model, const cz_pixel_params *pp, int hints,
                            ct_eval_reference reference, bool full_size, const char *dir, char *const *files,
                            size_t n,
                            bool progress)
{
    const int S = CT_EVAL_SIDE;
    const size_t ss = (size_t)S * S;
    memset(r, 0, sizeof *r);
    r->side = full_size ? 0 : S;
    r->hints = hints;
    r->reference = reference == CT_EVAL_REFERENCE_SELF    ? "self"
                   : reference == CT_EVAL_REFERENCE_OTHER ? "other"
                                                          : NULL;
    r->cells = mallocCheck(ct_size3(3 * CT_EVAL_GRID, ss, 3));
    eval_planes p;
    if (!full_size) planes_new(&p, ss);
    eval_sums s = {0};
    for (size_t i = 0; i < n; i++) {
        char why[256];
        ct_lab_image img;
        if (!ct_image_load_lab(files[i], &img, why, sizeof why)) {
            ct_warn("%s: skipped: %s", files[i], why);
            r->skipped++;
            continue;
        }
        /* Full size: planes of the photo's own size, one photo at a time. */
        const int W = full_size ? img.w : S, H = full_size ? img.h : S;
        const size_t px = (size_t)W * H;
        if (full_size) {
            planes_new(&p, px);
            planes_from_image(&p, &img);
        } else {
            ct_lab_image_square(p.L, p.a, p.b, &img, S);
        }
        ct_lab_image_free(&img);
        cz_reference *other = NULL;
        if (model && reference == CT_EVAL_REFERENCE_OTHER)
            other = other_reference(model, dir, files, n, i);
        if (model && reference == CT_EVAL_REFERENCE_OTHER && !other) {
            ct_warn("%s: skipped: no other photo of its folder to be its reference", files[i]);
            r->skipped++;
            if (full_size) planes_free(&p);
            continue;
        }
        ct_lab_planes_to_rgb_float(p.truth, p.L, p.a, p.b, px);
        ct_lab_planes_to_rgb_float(p.gray, p.L, p.zero, p.zero, px);
        photo_answer(&p, model, pp, W, H, hints, reference == CT_EVAL_REFERENCE_SELF, other, 0x68696E7473ull + i,
                     files[i]);
        cz_reference_free(other);
        photo_measure(&s, folder_of(&s.folders, &s.nfolders, dir, files[i]), &p, W, H);
        if (!full_size && r->images < CT_EVAL_GRID) photo_cells(r, &p, r->ncells++);
        if (full_size) planes_free(&p);
        r->images++;
        if (progress) fprintf(stderr, "\reval: %zu/%zu photos", r->images + r->skipped, n);
    }
    if (progress) fputc('\n', stderr);
    result_finish(r, &s);
    if (!full_size) planes_free(&p);
}

void ct_eval_result_free(ct_eval_result *r)
{
    for (int i = 0; i < r->nfolders; i++) free(r->folders[i].name);
    free(r->folders);
    free(r->cells);
    memset(r, 0, sizeof *r);
}
