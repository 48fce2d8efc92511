/* colorize.c: `corolization-train colorize`: the plug-in's pixel path
 * (cz_pixel_colorize, the same code, not a copy) on files, for batches and
 * benchmarks. Each IN is read by GEGL in its own colour space, coloured at
 * full resolution and written as OUT_DIR/<stem>.png (16-bit when the input
 * has more than 8 bits per sample, else 8-bit; alpha kept). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "image.h"
#include "lab.h"
#include "paths.h"
#include "photos.h"
#include "pixel.h"
#include "pixel_opts.h"
#include "step.h"
#include "util.h"

static void colorize_help(void)
{
    printf(
        "Usage: corolization-train colorize --model MODEL_FILE [options] IN... -o OUT_DIR\n"
        "\n"
        "Colorizes photos by the plug-in's pixel path and writes OUT_DIR/<stem>.png:\n"
        "16-bit when the photo has more than 8 bits per sample (16-bit PNG or TIFF),\n"
        "else 8-bit, in the photo's colour space, alpha kept.\n"
        "\n"
        "  -m, --model FILE       model file\n"
        "  -o, --output DIR       output folder (created if missing)\n");
    ct_pixel_opts_help();
    printf(
        "      --confidence       also write OUT_DIR/<stem>.confidence.png (classifier models)\n"
        "      --hints PATH       colour hints for a hints model: an RGBA PNG the size of the one\n"
        "                         input, or a folder with PATH/<stem>.png per input (an input\n"
        "                         without one gets none); every pixel with alpha >= 0.5 gives its\n"
        "                         colour's ab there\n"
        "      --reference PHOTO  a colour photo whose colours the results should take on\n"
        "                         (colorful models): its ab histogram re-weights the\n"
        "                         predicted colours and their chroma moves towards its\n"
        "                         chroma, as much as --reference-strength says\n"
        "      --threads T        OpenBLAS threads (default 2)\n"
        "  -h, --help             this text\n"
        "\n"
        "An output that is one of the inputs, or that two inputs share (a.jpg and a.png),\n"
        "is refused before anything is written.\n"
        "\n"
        "Exit status: 0 when every input was written, 1 when any failed (the others are\n"
        "still written), 2 bad usage.\n");
}

/* OUT_DIR/<stem><suffix>.png, caller frees. */
static char *output_path(const char *out, const char *in, const char *suffix)
{
    char stem[1024];
    ct_path_stem(stem, sizeof stem, in);
    return g_strdup_printf("%s/%s%s.png", out, stem, suffix);
}

/* Refuses, before anything is written, an output that is an input (the
 * photo would be replaced by its colorized copy) or that two inputs share
 * (a.jpg and a.png both give a.png): a batch user expects one
 * OUT_DIR/<stem>.png per photo, so a silent suffix would break the naming
 * scripts rely on; the message names both so that one can be renamed. */
static void check_outputs(const char *out, const char *model, const char *hints, const char *reference, char **in,
                          int nin, bool conf)
{
    size_t n = 0, per = conf ? 2 : 1;
    ct_path_use *uses = mallocCheck(ct_size3((size_t)nin, per + 1, sizeof *uses) + 3 * sizeof *uses);
    char **outs = callocCheck((size_t)nin * per, sizeof *outs);
    uses[n++] = (ct_path_use){"--model", model, false, NULL};
    if (hints) uses[n++] = (ct_path_use){"--hints", hints, false, NULL};
    if (reference) uses[n++] = (ct_path_use){"--reference", reference, false, NULL};
    for (int i = 0; i < nin; i++) uses[n++] = (ct_path_use){"input", in[i], false, NULL};
    for (int i = 0; i < nin; i++)
        for (size_t k = 0; k < per; k++) {
            outs[i * per + k] = output_path(out, in[i], k ? ".confidence" : "");
            uses[n++] = (ct_path_use){"output", outs[i * per + k], true, in[i]};
        }
    ct_paths_check("colorize", uses, n);
    for (size_t i = 0; i < (size_t)nin * per; i++) g_free(outs[i]);
    free(outs);
    free(uses);
}

int ct_cmd_colorize(int argc, char **argv)
{
    enum { O_CONF = 256, O_THREADS, O_HINTS, O_REFERENCE };
    /* room for the colorize parameters' options, added from their table */
    struct option opts[16] = {
        {"model", required_argument, 0, 'm'}, {"output", required_argument, 0, 'o'},
        {"confidence", no_argument, 0, O_CONF}, {"hints", required_argument, 0, O_HINTS},
        {"reference", required_argument, 0, O_REFERENCE},
        {"threads", required_argument, 0, O_THREADS}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_path = NULL, *out = NULL, *hints = NULL, *reference = NULL;
    cz_pixel_params pp;
    bool conf = false;
    int threads = 2, c;
    cz_pixel_params_init(&pp);
    ct_pixel_opts_add(opts, sizeof opts / sizeof *opts);
    while ((c = getopt_long(argc, argv, "m:o:" CT_PIXEL_OPTS_SHORT "h", opts, NULL)) != -1) {
        if (ct_pixel_opts_parse("colorize", c, optarg, &pp)) continue;
        switch (c) {
        case 'm': model_path = optarg; break;
        case 'o': out = optarg; break;
        case O_CONF: conf = true; break;
        case O_HINTS: hints = optarg; break;
        case O_REFERENCE: reference = optarg; break;
        case O_THREADS: threads = (int)ct_parse_long("colorize", "--threads", optarg, 1, 256); break;
        case 'h': colorize_help(); return CT_EXIT_OK;
        default: ct_usage_error("colorize", "unknown option");
        }
    }
    if (!model_path) ct_usage_error("colorize", "--model MODEL_FILE is required");
    if (!out) ct_usage_error("colorize", "-o OUT_DIR is required");
    if (optind >= argc) ct_usage_error("colorize", "no input photos");
    const bool hints_dir = hints && g_file_test(hints, G_FILE_TEST_IS_DIR);
    if (hints && !hints_dir && argc - optind != 1)
        ct_usage_error("colorize", "--hints FILE is for one input; give a folder of <stem>.png for %d",
                       argc - optind);
    check_outputs(out, model_path, hints, reference, argv + optind, argc - optind, conf);
    ct_gegl_init();
    cz_lab_init();
    ct_set_threads(threads);
    cz_error err = {0};
    cz_model *m = cz_model_load(model_path, &err);
    if (!m) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg); /* the message names the file */
    if (hints && !cz_model_takes_hints(m))
        ct_usage_error("colorize", "--hints: the %s model cannot take colour hints (a hints model can)",
                       cz_model_get_config(m)->arch);
    cz_reference *ref = reference ? ct_pixel_opts_reference_load("colorize", m, reference) : NULL;
    pp.reference = ref;
    ct_mkdir_p(out);
    int failed = 0, done = 0;
    double t0 = ct_now();
    for (int i = optind; i < argc; i++) {
        char why[256], *path;
        GeglBuffer *src = ct_image_load_buffer(argv[i], why, sizeof why);
        if (!src) {
            ct_warn("%s: skipped: %s", argv[i], why);
            failed++;
            continue;
        }
        const GeglRectangle *r = gegl_buffer_get_extent(src);
        const Babl *sf = gegl_buffer_get_format(src), *space = babl_format_get_space(sf);
        bool alpha = babl_format_has_alpha(sf);
        const Babl *df = babl_format_with_space(alpha ? "R'G'B'A float" : "R'G'B' float", space);
        GeglBuffer *dst = gegl_buffer_new(r, df);
        GeglBuffer *cb = conf ? gegl_buffer_new(r, babl_format_with_space("Y float", space)) : NULL;
        GeglBuffer *hb = NULL;
        cz_status st = CZ_STATUS_OK;
        if (hints) {
            char stem[1024];
            ct_path_stem(stem, sizeof stem, argv[i]);
            gchar *hp = hints_dir ? g_strdup_printf("%s/%s.png", hints, stem) : g_strdup(hints);
            if (!hints_dir || g_file_test(hp, G_FILE_TEST_EXISTS)) {
                hb = ct_image_load_buffer(hp, why, sizeof why);
                const GeglRectangle *hr = hb ? gegl_buffer_get_extent(hb) : NULL;
                if (!hb)
                    st = cz_error_set(&err, CZ_STATUS_IO_ERROR, "hints %s: %s", hp, why);
                else if (!babl_format_has_alpha(gegl_buffer_get_format(hb)))
                    st = cz_error_set(&err, CZ_STATUS_INVALID_ARGUMENT,
                                      "hints %s have no alpha: paint hints on a transparent image", hp);
                else if (hr->width != r->width || hr->height != r->height)
                    st = cz_error_set(&err, CZ_STATUS_INVALID_ARGUMENT, "hints %s are %dx%d, the photo %dx%d", hp,
                                      hr->width, hr->height, r->width, r->height);
            }
            g_free(hp);
        }
        if (st == CZ_STATUS_OK) st = cz_pixel_colorize_hinted(m, src, hb, dst, cb, r, &pp, NULL, NULL, &err);
        if (hb) g_object_unref(hb);
        if (st != CZ_STATUS_OK) {
            ct_warn("%s: %s", argv[i], err.msg);
            failed++;
        } else {
            path = output_path(out, argv[i], "");
            /* A photo is written when all that was asked for is. */
            /* A 16-bit scan keeps its depth: its L went through in float. */
            const int bits = ct_image_buffer_bits(src);
            bool ok = ct_png_write_buffer(path, dst, bits, why, sizeof why);
            gchar *cpath = output_path(out, argv[i], ".confidence");
            if (ok && cb) ok = ct_png_write_buffer(cpath, cb, bits, why, sizeof why);
            if (!ok) {
                ct_warn("%s: %s", argv[i], why);
                failed++;
            } else {
                done++;
                printf("%s -> %s\n", argv[i], path);
            }
            g_free(cpath);
            g_free(path);
        }
        g_object_unref(src);
        g_object_unref(dst);
        if (cb) g_object_unref(cb);
    }
    fprintf(stderr, "colorize: %d written, %d failed, %.2f s\n", done, failed, ct_now() - t0);
    cz_reference_free(ref);
    cz_model_free(m);
    return failed ? CT_EXIT_FAILURE : CT_EXIT_OK;
}
