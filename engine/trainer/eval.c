/* eval.c: `corolization-train eval`: colorize each photo from its own L by
 * the plug-in's pixel path (cz_pixel_colorize) and compare with the truth
 * at 256 x 256 (centre square, area-resampled in Lab as `prepare` does):
 * PSNR (RGB), SSIM, Hasler-Suesstrunk colourfulness of prediction and
 * truth, delta_cf = mean cf_truth - mean cf_pred (positive: the prediction
 * is duller), the AuC of the ab-error curve over 0..150, and the same for
 * the gray answer (the truth's L with a = b = 0). Figures are means over
 * photos (AuC over all pixels). --oracle answers with the truth itself, to
 * check the measuring. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "commands.h"
#include "image.h"
#include "lab.h"
#include "metrics.h"
#include "paths.h"
#include "photos.h"
#include "pixel.h"
#include "pixel_opts.h"
#include "plot.h"
#include "step.h"
#include "util.h"

#define EVAL_SIDE 256
#define EVAL_GRID 6

/* Per-folder sums: validation sets mix sources (CBSD68, Urban100, ...) whose
 * figures differ more than the models do, so eval also reports each top
 * folder under DIR. */
typedef struct {
    char *name; /* owned */
    size_t n;
    double psnr, psnr_g, cfp, cft;
} folder_sum;

/* A folder name as a JSON string, quoted and escaped by json-glib (the
 * engine's JSON library); bytes that are not UTF-8 (a name from another
 * locale) become U+FFFD first, since JSON text must be UTF-8. */
static void json_print_string(const char *str)
{
    gchar *valid = g_utf8_make_valid(str, -1);
    JsonNode *node = json_node_init_string(json_node_alloc(), valid);
    gchar *text = json_to_string(node, FALSE);
    fputs(text, stdout);
    g_free(text);
    json_node_unref(node);
    g_free(valid);
}

/* The sum of the first path component of file below dir ("." for files
 * directly in dir), added to *f [*nf] if new. */
static folder_sum *folder_of(folder_sum **f, int *nf, const char *dir, const char *file)
{
    size_t dl = strlen(dir);
    const char *rel = strncmp(file, dir, dl) ? file : file + dl;
    while (*rel == '/') rel++;
    const char *slash = strchr(rel, '/');
    size_t len = slash ? (size_t)(slash - rel) : 1;
    if (!slash) rel = ".";
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

static void eval_help(void)
{
    printf(
        "Usage: corolization-train eval --model MODEL_FILE --images DIR [options]\n"
        "\n"
        "Colorizes every photo under DIR from its own L (the plug-in's pixel path) and\n"
        "compares it with the truth at 256 x 256: PSNR (sRGB, peak 1, capped at 100 dB),\n"
        "SSIM, colourfulness (Hasler & Suesstrunk) of prediction and truth, delta_cf =\n"
        "cf_truth - cf_pred, the AuC of the ab-error curve (thresholds 0..150), the\n"
        "colour-edge strength mean |grad ab| of prediction and truth (ab_edge,\n"
        "ab_edge_truth), and the same figures for the gray answer (L alone).\n"
        "When the photos lie in several folders under DIR, PSNR and colourfulness are\n"
        "also given per top folder (\"folders\" in JSON).\n"
        "\n"
        "  -m, --model FILE       model to evaluate\n"
        "  -i, --images DIR       photos (JPEG, PNG, TIFF, WebP), searched recursively\n"
        "      --json             print one JSON object instead of a table\n");
    ct_pixel_opts_help();
    printf(
        "      --grid PATH        sample grid PNG (default MODEL minus .safetensors + .eval.png)\n"
        "      --no-grid          no sample grid\n"
        "      --oracle           answer with the truth itself (no --model needed)\n"
        "      --threads T        OpenBLAS threads (default 2)\n"
        "  -h, --help             this text\n"
        "\n"
        "Exit status: 0 when at least one photo was measured, 1 otherwise, 2 bad usage.\n");
}


int ct_cmd_eval(int argc, char **argv)
{
    enum { O_JSON = 256, O_GRID, O_NO_GRID, O_ORACLE, O_THREADS };
    /* room for the colorize parameters' options, added from their table */
    struct option opts[16] = {
        {"model", required_argument, 0, 'm'}, {"images", required_argument, 0, 'i'},
        {"json", no_argument, 0, O_JSON},
        {"grid", required_argument, 0, O_GRID}, {"no-grid", no_argument, 0, O_NO_GRID},
        {"oracle", no_argument, 0, O_ORACLE}, {"threads", required_argument, 0, O_THREADS},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *dir = NULL, *grid = NULL;
    bool json = false, oracle = false, no_grid = false;
    cz_pixel_params pp;
    int threads = 2, c;
    cz_pixel_params_init(&pp);
    ct_pixel_opts_add(opts, sizeof opts / sizeof *opts);
    while ((c = getopt_long(argc, argv, "m:i:" CT_PIXEL_OPTS_SHORT "h", opts, NULL)) != -1) {
        if (ct_pixel_opts_parse("eval", c, optarg, &pp)) continue;
        switch (c) {
        case 'm': model_path = optarg; break;
        case 'i': dir = optarg; break;
        case O_JSON: json = true; break;
        case O_GRID: grid = optarg; break;
        case O_NO_GRID: no_grid = true; break;
        case O_ORACLE: oracle = true; break;
        case O_THREADS: threads = (int)ct_parse_long("eval", "--threads", optarg, 1, 256); break;
        case 'h': eval_help(); return CT_EXIT_OK;
        default: ct_usage_error("eval", "unknown option");
        }
    }
    if (optind != argc) ct_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    if (!dir) ct_usage_error("eval", "--images DIR is required");
    if (!model_path && !oracle) ct_usage_error("eval", "--model MODEL_FILE is required");
    ct_gegl_init();
    cz_lab_init();
    ct_set_threads(threads);
    cz_error err = {0};
    cz_model *m = NULL;
    if (!oracle) {
        m = cz_model_load(model_path, &err);
        if (!m) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg); /* the message names the file */
    }
    char *grid_path = NULL;
    bool grid_failed = false;
    if (!no_grid && (grid || model_path)) {
        if (grid) {
            grid_path = strdup(grid);
        } else {
            size_t len = strlen(model_path) + 16;
            grid_path = mallocCheck(len);
            snprintf(grid_path, len, "%s", model_path);
            size_t bl = strlen(grid_path);
            if (bl > 12 && !strcmp(grid_path + bl - 12, ".safetensors")) grid_path[bl - 12] = 0;
            strcat(grid_path, ".eval.png");
        }
    }

    const int S = EVAL_SIDE;
    const size_t ss = (size_t)S * S;
    float *L = mallocCheck(ct_size3(ss, 3, sizeof(float))), *a = L + ss, *b = L + 2 * ss;
    float *zero = callocCheck(ss, sizeof(float));
    float *truth = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    float *pred = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    float *gray = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    float *lab_t = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    float *lab_p = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    float *lab_g = mallocCheck(ct_size3(ss, 3, sizeof(float)));
    unsigned char *cells = mallocCheck(ct_size3(3 * EVAL_GRID, ss, 3));
    const unsigned char *cellp[3 * EVAL_GRID] = {0};
    uint64_t hist_p[CT_AUC_THRESHOLDS] = {0}, hist_g[CT_AUC_THRESHOLDS] = {0}, total_px = 0;
    double s_psnr = 0, s_psnr_g = 0, s_ssim = 0, s_ssim_g = 0, s_cfp = 0, s_cft = 0, s_cfg = 0;
    double s_edp = 0, s_edt = 0;
    size_t n, count = 0, skipped = 0;
    char **files = ct_photos_list(dir, &n);
    if (!files) ct_die(__FILE__, __LINE__, "the folder must exist and be readable", "cannot read folder '%s'", dir);
    ct_path_use *uses = mallocCheck(ct_size3(n + 2, sizeof *uses, 1));
    size_t nuses = 0;
    if (grid_path) uses[nuses++] = (ct_path_use){"--grid", grid_path, true, NULL};
    if (model_path) uses[nuses++] = (ct_path_use){"--model", model_path, false, NULL};
    for (size_t i = 0; i < n; i++) uses[nuses++] = (ct_path_use){"the photo", files[i], false, NULL};
    ct_paths_check("eval", uses, nuses);
    free(uses);
    folder_sum *folders = NULL;
    int nfolders = 0;
    GeglRectangle rect = {0, 0, S, S};
    const Babl *rgbf = babl_format("R'G'B' float");
    for (size_t i = 0; i < n; i++) {
        char why[256];
        ct_lab_image img;
        if (!ct_image_load_lab(files[i], &img, why, sizeof why)) {
            ct_warn("%s: skipped: %s", files[i], why);
            skipped++;
            continue;
        }
        ct_lab_image_square(L, a, b, &img, S);
        ct_lab_image_free(&img);
        ct_lab_planes_to_rgb_float(truth, L, a, b, ss);
        ct_lab_planes_to_rgb_float(gray, L, zero, zero, ss);
        if (oracle) {
            memcpy(pred, truth, ss * 3 * sizeof(float));
        } else {
            GeglBuffer *src = gegl_buffer_new(&rect, rgbf), *dst = gegl_buffer_new(&rect, rgbf);
            gegl_buffer_set(src, &rect, 0, rgbf, truth, GEGL_AUTO_ROWSTRIDE);
            cz_status st = cz_pixel_colorize(m, src, dst, NULL, &rect, &pp, NULL, NULL, &err);
            if (st == CZ_STATUS_OK) gegl_buffer_get(dst, &rect, 1.0, rgbf, pred, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
            g_object_unref(src);
            g_object_unref(dst);
            if (st != CZ_STATUS_OK) ct_die(__FILE__, __LINE__, NULL, "%s: %s", files[i], err.msg);
        }
        for (size_t k = 0; k < 3 * ss; k++) { /* what an 8-bit file would hold: 0..1 */
            truth[k] = truth[k] < 0 ? 0 : truth[k] > 1 ? 1 : truth[k];
            pred[k] = pred[k] < 0 ? 0 : pred[k] > 1 ? 1 : pred[k];
            gray[k] = gray[k] < 0 ? 0 : gray[k] > 1 ? 1 : gray[k];
        }
        ct_rgb_float_to_lab(lab_t, truth, ss);
        ct_rgb_float_to_lab(lab_p, pred, ss);
        ct_rgb_float_to_lab(lab_g, gray, ss);
        const double psnr = ct_psnr_rgb(pred, truth, ss), psnr_g = ct_psnr_rgb(gray, truth, ss);
        const double cfp = ct_colourfulness(pred, ss), cft = ct_colourfulness(truth, ss);
        s_psnr += psnr;
        s_psnr_g += psnr_g;
        s_ssim += ct_ssim_rgb(pred, truth, S, S);
        s_ssim_g += ct_ssim_rgb(gray, truth, S, S);
        s_cfp += cfp;
        s_cft += cft;
        folder_sum *f = folder_of(&folders, &nfolders, dir, files[i]);
        f->n++, f->psnr += psnr, f->psnr_g += psnr_g, f->cfp += cfp, f->cft += cft;
        s_cfg += ct_colourfulness(gray, ss);
        s_edp += ct_ab_gradient(lab_p, S, S);
        s_edt += ct_ab_gradient(lab_t, S, S);
        ct_ab_error_accumulate(hist_p, lab_p, lab_t, ss);
        ct_ab_error_accumulate(hist_g, lab_g, lab_t, ss);
        total_px += ss;
        if (count < EVAL_GRID) {
            float *rows[3] = {gray, pred, truth};
            for (int r = 0; r < 3; r++) {
                unsigned char *cell = cells + (size_t)(r * EVAL_GRID + count) * ss * 3;
                for (size_t k = 0; k < 3 * ss; k++) cell[k] = (unsigned char)lroundf(rows[r][k] * 255.0f);
                cellp[r * EVAL_GRID + count] = cell;
            }
        }
        count++;
        if (!json) fprintf(stderr, "\reval: %zu/%zu photos", count + skipped, n);
    }
    if (!json) fputc('\n', stderr);
    if (grid_path && count) {
        static const char *const labels[3] = {"input", "prediction", "truth"};
        char why[256], caption[256];
        snprintf(caption, sizeof caption, "%s on %s", oracle ? "oracle" : model_path, dir);
        int k = count < EVAL_GRID ? (int)count : EVAL_GRID;
        const unsigned char *cp[3 * EVAL_GRID];
        for (int r = 0; r < 3; r++)
            for (int i = 0; i < k; i++) cp[r * k + i] = cellp[r * EVAL_GRID + i];
        if (!ct_plot_grid(grid_path, cp, 3, k, S, labels, caption, why, sizeof why)) {
            ct_warn("sample grid: %s", why);
            grid_failed = true;
        }
    }
    /* The figures are printed either way; a grid asked for and not written
     * is still a failure. */
    int rc = count && !grid_failed ? CT_EXIT_OK : CT_EXIT_FAILURE;
    double N = count ? (double)count : NAN;
    double cfp = s_cfp / N, cft = s_cft / N, cfg = s_cfg / N;
    double auc = ct_auc(hist_p, total_px), auc_g = ct_auc(hist_g, total_px);
    if (json) {
        printf("{\"images\": %zu, \"skipped\": %zu, \"size\": %d, \"psnr\": %.4f, \"psnr_gray\": %.4f, "
               "\"ssim\": %.5f, \"ssim_gray\": %.5f, \"cf_pred\": %.4f, \"cf_truth\": %.4f, "
               "\"cf_gray\": %.4f, \"delta_cf\": %.4f, \"delta_cf_gray\": %.4f, \"auc\": %.5f, "
               "\"auc_gray\": %.5f, \"ab_edge\": %.4f, \"ab_edge_truth\": %.4f, \"temperature\": %g, "
               "\"saturation\": %g",
               count, skipped, S, s_psnr / N, s_psnr_g / N, s_ssim / N, s_ssim_g / N, cfp, cft, cfg,
               cft - cfp, cft - cfg, auc, auc_g, s_edp / N, s_edt / N, pp.temperature, pp.saturation);
        if (nfolders > 1) {
            printf(", \"folders\": [");
            for (int i = 0; i < nfolders; i++) {
                const folder_sum *f = &folders[i];
                const double k = (double)f->n;
                printf("%s{\"name\": ", i ? ", " : "");
                json_print_string(f->name);
                printf(", \"images\": %zu, \"psnr\": %.4f, \"psnr_gray\": %.4f, \"cf_pred\": %.4f, "
                       "\"cf_truth\": %.4f, \"delta_cf\": %.4f}",
                       f->n, f->psnr / k, f->psnr_g / k, f->cfp / k, f->cft / k, (f->cft - f->cfp) / k);
            }
            printf("]");
        }
        printf("}\n");
        if (!count) rc = CT_EXIT_FAILURE;
    } else {
        printf("eval: %zu photos (%zu skipped) at %dx%d, %s\n", count, skipped, S, S,
               oracle ? "oracle" : model_path);
        printf("               %10s %10s\n", "model", "gray");
        printf("  PSNR (dB)    %10.3f %10.3f\n", s_psnr / N, s_psnr_g / N);
        printf("  SSIM         %10.4f %10.4f\n", s_ssim / N, s_ssim_g / N);
        printf("  colourful.   %10.3f %10.3f   (truth %.3f)\n", cfp, cfg, cft);
        printf("  delta_cf     %10.3f %10.3f   (truth - answer)\n", cft - cfp, cft - cfg);
        printf("  AuC 0..150   %10.4f %10.4f\n", auc, auc_g);
        printf("  |grad ab|    %10.3f %10.3f   (truth %.3f)\n", s_edp / N, 0.0, s_edt / N);
        if (nfolders > 1) {
            printf("  by folder    %6s %10s %10s %10s %10s\n", "photos", "PSNR", "gray", "colourf.", "truth");
            for (int i = 0; i < nfolders; i++) {
                const folder_sum *f = &folders[i];
                const double k = (double)f->n;
                printf("  %-12.12s %6zu %10.3f %10.3f %10.3f %10.3f\n", f->name, f->n, f->psnr / k,
                       f->psnr_g / k, f->cfp / k, f->cft / k);
            }
        }
        if (grid_path && count) printf("  grid: %s\n", grid_path);
    }
    ct_photos_free(files, n);
    for (int i = 0; i < nfolders; i++) free(folders[i].name);
    free(folders);
    free(L); free(zero); free(truth); free(pred); free(gray);
    free(lab_t); free(lab_p); free(lab_g); free(cells); free(grid_path);
    cz_model_free(m);
    return rc;
}
