/* eval_print.c: the reports of an eval (see eval.h): one JSON object for
 * scripts, a table for people, and the sample grid of the first photos. */
#include <glib.h>
#include <json-glib/json-glib.h>

#include "eval.h"
#include "plot.h"

/* str as a JSON string, quoted and escaped by json-glib (the engine's JSON
 * library); bytes that are not UTF-8 (a folder name from another locale)
 * become U+FFFD first, since JSON text must be UTF-8. */
static void json_print_string(FILE *out, const char *str)
{
    gchar *valid = g_utf8_make_valid(str, -1);
    JsonNode *node = json_node_init_string(json_node_alloc(), valid);
    gchar *text = json_to_string(node, FALSE);
    fputs(text, out);
    g_free(text);
    json_node_unref(node);
    g_free(valid);
}

void ct_eval_print_json(FILE *out, const ct_eval_result *r, const cz_pixel_params *pp)
{
    fprintf(out,
            "{\"images\": %zu, \"skipped\": %zu, \"size\": %d, \"psnr\": %.4f, \"psnr_gray\": %.4f, "
            "\"ssim\": %.5f, \"ssim_gray\": %.5f, \"cf_pred\": %.4f, \"cf_truth\": %.4f, "
            "\"cf_gray\": %.4f, \"delta_cf\": %.4f, \"delta_cf_gray\": %.4f, \"auc\": %.5f, "
            "\"auc_gray\": %.5f, \"ab_edge\": %.4f, \"ab_edge_truth\": %.4f, \"temperature\": %g, "
            "\"saturation\": %g, \"edge_radius\": %d, \"edge_eps\": %g",
            r->images, r->skipped, r->side, r->psnr, r->psnr_gray, r->ssim, r->ssim_gray, r->cf_pred,
            r->cf_truth, r->cf_gray, r->delta_cf, r->delta_cf_gray, r->auc, r->auc_gray, r->ab_edge,
            r->ab_edge_truth, pp->temperature, pp->saturation, pp->edge_radius, pp->edge_eps);
    if (r->hints >= 0) fprintf(out, ", \"hints\": %d", r->hints);
    if (r->reference) {
        fprintf(out, ", \"reference\": ");
        json_print_string(out, r->reference);
        fprintf(out, ", \"reference_strength\": %g", pp->reference_strength);
    }
    if (r->nfolders > 1) {
        fprintf(out, ", \"folders\": [");
        for (int i = 0; i < r->nfolders; i++) {
            const ct_eval_folder *f = &r->folders[i];
            fprintf(out, "%s{\"name\": ", i ? ", " : "");
            json_print_string(out, f->name);
            fprintf(out,
                    ", \"images\": %zu, \"psnr\": %.4f, \"psnr_gray\": %.4f, \"cf_pred\": %.4f, "
                    "\"cf_truth\": %.4f, \"delta_cf\": %.4f}",
                    f->images, f->psnr, f->psnr_gray, f->cf_pred, f->cf_truth, f->delta_cf);
        }
        fprintf(out, "]");
    }
    fprintf(out, "}\n");
}

void ct_eval_print_table(FILE *out, const ct_eval_result *r, const char *what,
                         const char *grid_path)
{
    if (r->side > 0)
        fprintf(out, "eval: %zu photos (%zu skipped) at %dx%d, %s\n", r->images, r->skipped, r->side,
                r->side, what);
    else
        fprintf(out, "eval: %zu photos (%zu skipped) at full size, %s\n", r->images, r->skipped, what);
    fprintf(out, "               %10s %10s\n", "model", "gray");
    fprintf(out, "  PSNR (dB)    %10.3f %10.3f\n", r->psnr, r->psnr_gray);
    fprintf(out, "  SSIM         %10.4f %10.4f\n", r->ssim, r->ssim_gray);
    fprintf(out, "  colourful.   %10.3f %10.3f   (truth %.3f)\n", r->cf_pred, r->cf_gray, r->cf_truth);
    fprintf(out, "  delta_cf     %10.3f %10.3f   (truth - answer)\n", r->delta_cf, r->delta_cf_gray);
    fprintf(out, "  AuC 0..150   %10.4f %10.4f\n", r->auc, r->auc_gray);
    /* The gray answer has no colour edges at all. */
    fprintf(out, "  |grad ab|    %10.3f %10.3f   (truth %.3f)\n", r->ab_edge, 0.0, r->ab_edge_truth);
    if (r->nfolders > 1) {
        fprintf(out, "  by folder    %6s %10s %10s %10s %10s\n", "photos", "PSNR", "gray", "colourf.",
                "truth");
        for (int i = 0; i < r->nfolders; i++) {
            const ct_eval_folder *f = &r->folders[i];
            fprintf(out, "  %-12.12s %6zu %10.3f %10.3f %10.3f %10.3f\n", f->name, f->images, f->psnr,
                    f->psnr_gray, f->cf_pred, f->cf_truth);
        }
    }
    if (grid_path) fprintf(out, "  grid: %s\n", grid_path);
}

bool ct_eval_grid_write(const ct_eval_result *r, const char *path, const char *caption,
                        char *why, size_t n)
{
    static const char *const labels[3] = {"input", "prediction", "truth"};
    const int k = r->ncells;
    if (k < 1) {
        snprintf(why, n, "no photos");
        return false;
    }
    const size_t ss = (size_t)r->side * r->side;
    const unsigned char *cp[3 * CT_EVAL_GRID];
    for (int row = 0; row < 3; row++)
        for (int i = 0; i < k; i++) cp[row * k + i] = r->cells + (size_t)(row * CT_EVAL_GRID + i) * ss * 3;
    return ct_plot_grid(path, cp, 3, k, r->side, labels, caption, why, n);
}
