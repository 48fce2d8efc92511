/* eval.c: `corolization-train eval`: the command's options, paths and
 * reports around ct_eval_measure (eval.h): each photo colorized from its own
 * L by the plug-in's pixel path and compared with the truth at 256 x 256:
 * PSNR (RGB), SSIM, Hasler-Suesstrunk colourfulness of prediction and
 * truth, delta_cf, the AuC of the ab-error curve over 0..150, and the same
 * for the gray answer. --oracle answers with the truth itself, to check the
 * measuring. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "eval.h"
#include "lab.h"
#include "paths.h"
#include "photos.h"
#include "pixel.h"
#include "pixel_opts.h"
#include "step.h"
#include "util.h"

static void eval_help(void)
{
    printf(
        "Usage: corolization-train eval --model MODEL_FILE --images DIR [options]\n"
        "\n"
        "Colorizes every photo under DIR from its own L (the plug-in's pixel path) and\n"
        "compares it with the truth at 256 x 256 (or --full-size): PSNR (sRGB, peak 1, capped at 100 dB),\n"
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
        "      --hints N          a hints model gets N simulated hint points per photo from its truth\n"
        "                         (5x5 px patches at uniform places, seeded by the photo's index)\n"
        "      --reference PHOTO  colour every photo towards PHOTO's colours (colorful models; see\n"
        "                         colorize --help)\n"
        "      --reference-self   each photo's own truth is its reference: the best a reference\n"
        "                         can do\n"
        "      --reference-other  each photo's reference is the next photo (name order, cyclically)\n"
        "                         of its own top folder: a photo of the same set, not this one\n"
        "      --full-size        colorize and compare each photo at its own size, not the centre\n"
        "                         256 x 256 square (no sample grid; \"size\" 0 in JSON)\n"
        "      --threads T        OpenBLAS threads (default 2)\n"
        "  -h, --help             this text\n"
        "\n"
        "Exit status: 0 when at least one photo was measured, 1 otherwise, 2 bad usage.\n");
}

int ct_cmd_eval(int argc, char **argv)
{
    enum { O_JSON = 256, O_GRID, O_NO_GRID, O_ORACLE, O_THREADS, O_HINTS, O_REFERENCE, O_REFERENCE_SELF,
           O_REFERENCE_OTHER, O_FULL_SIZE };
    /* room for the colorize parameters' options, added from their table */
    struct option opts[24] = {
        {"model", required_argument, 0, 'm'}, {"images", required_argument, 0, 'i'},
        {"json", no_argument, 0, O_JSON},
        {"grid", required_argument, 0, O_GRID}, {"no-grid", no_argument, 0, O_NO_GRID},
        {"oracle", no_argument, 0, O_ORACLE}, {"threads", required_argument, 0, O_THREADS},
        {"hints", required_argument, 0, O_HINTS}, {"reference", required_argument, 0, O_REFERENCE},
        {"reference-self", no_argument, 0, O_REFERENCE_SELF},
        {"reference-other", no_argument, 0, O_REFERENCE_OTHER}, {"full-size", no_argument, 0, O_FULL_SIZE},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *dir = NULL, *grid = NULL, *reference = NULL;
    bool json = false, oracle = false, no_grid = false, full_size = false;
    ct_eval_reference refmode = CT_EVAL_REFERENCE_GIVEN;
    cz_pixel_params pp;
    int threads = 2, hints = -1, c;
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
        case O_HINTS: hints = (int)ct_parse_long("eval", "--hints", optarg, 0, 10000); break;
        case O_REFERENCE: reference = optarg; break;
        case O_REFERENCE_SELF:
        case O_REFERENCE_OTHER:
            if (refmode != CT_EVAL_REFERENCE_GIVEN)
                ct_usage_error("eval", "--reference-self and --reference-other exclude each other");
            refmode = c == O_REFERENCE_SELF ? CT_EVAL_REFERENCE_SELF : CT_EVAL_REFERENCE_OTHER;
            break;
        case O_FULL_SIZE: full_size = true; break;
        case 'h': eval_help(); return CT_EXIT_OK;
        default: ct_usage_error("eval", "unknown option");
        }
    }
    if (optind != argc) ct_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    if (!dir) ct_usage_error("eval", "--images DIR is required");
    if (!model_path && !oracle) ct_usage_error("eval", "--model MODEL_FILE is required");
    const char *refopt = refmode == CT_EVAL_REFERENCE_SELF ? "--reference-self" : "--reference-other";
    if (reference && refmode != CT_EVAL_REFERENCE_GIVEN)
        ct_usage_error("eval", "--reference and %s exclude each other", refopt);
    if (oracle && (reference || refmode != CT_EVAL_REFERENCE_GIVEN))
        ct_usage_error("eval", "--oracle takes no reference");
    if (full_size && grid) ct_usage_error("eval", "--full-size makes no sample grid: leave out --grid");
    if (full_size) no_grid = true;
    ct_gegl_init();
    cz_lab_init();
    ct_set_threads(threads);
    cz_error err = {0};
    cz_model *m = NULL;
    if (!oracle) {
        m = cz_model_load(model_path, &err);
        if (!m) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg); /* the message names the file */
        if (hints >= 0 && !cz_model_takes_hints(m))
            ct_usage_error("eval", "--hints: the %s model cannot take colour hints (a hints model can)",
                           cz_model_get_config(m)->arch);
    }
    cz_error ref_err = {0};
    if (m && refmode != CT_EVAL_REFERENCE_GIVEN && cz_model_check_reference(m, &ref_err) != CZ_STATUS_OK)
        ct_usage_error("eval", "%s: %s", refopt, ref_err.msg);
    cz_reference *ref = m && reference ? ct_pixel_opts_reference_load("eval", m, reference) : NULL;
    pp.reference = ref;
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

    size_t n;
    char **files = ct_photos_list(dir, &n);
    if (!files) ct_die(__FILE__, __LINE__, "the folder must exist and be readable", "cannot read folder '%s'", dir);
    ct_path_use *uses = mallocCheck(ct_size3(n + 3, sizeof *uses, 1));
    size_t nuses = 0;
    if (grid_path) uses[nuses++] = (ct_path_use){"--grid", grid_path, true, NULL};
    if (model_path) uses[nuses++] = (ct_path_use){"--model", model_path, false, NULL};
    if (reference) uses[nuses++] = (ct_path_use){"--reference", reference, false, NULL};
    for (size_t i = 0; i < n; i++) uses[nuses++] = (ct_path_use){"the photo", files[i], false, NULL};
    ct_paths_check("eval", uses, nuses);
    free(uses);

    ct_eval_result r;
    ct_eval_measure_hinted(&r, m, &pp, hints, refmode, full_size, dir, files, n, !json);
    if (reference) r.reference = reference;
    if (grid_path && r.images) {
        char why[256], caption[256];
        snprintf(caption, sizeof caption, "%s on %s", oracle ? "oracle" : model_path, dir);
        if (!ct_eval_grid_write(&r, grid_path, caption, why, sizeof why)) {
            ct_warn("sample grid: %s", why);
            grid_failed = true;
        }
    }
    if (json)
        ct_eval_print_json(stdout, &r, &pp);
    else
        ct_eval_print_table(stdout, &r, oracle ? "oracle" : model_path, r.images ? grid_path : NULL);
    /* The figures are printed either way; a grid asked for and not written
     * is still a failure. */
    int rc = r.images && !grid_failed ? CT_EXIT_OK : CT_EXIT_FAILURE;
    ct_eval_result_free(&r);
    ct_photos_free(files, n);
    free(grid_path);
    cz_reference_free(ref);
    cz_model_free(m);
    return rc;
}
