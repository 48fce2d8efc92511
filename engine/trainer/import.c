/* import.c: `corolization-train import`, a published PyTorch checkpoint
 * (pth.h) into a model file. The expected tensors are the engine's own:
 * a fresh model of the architecture at width 1 is built and every one of
 * its parameters must come from the checkpoint with the same shape, so the
 * list is never written down twice. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "half.h"
#include "lab.h"
#include "model.h"
#include "paths.h"
#include "pth.h"
#include "quant_tables.h"
#include "util.h"

static void import_help(void)
{
    printf(
        "Usage: corolization-train import --arch colorful|hints --from FILE.pth -o MODEL_FILE\n"
        "\n"
        "Converts a published PyTorch checkpoint to a model file the plug-in and the trainer\n"
        "use like any other, at width 1:\n"
        "  --arch colorful  Zhang et al.'s ECCV16 classifier (colorizers/eccv16.py,\n"
        "                   'colorization_release_v2-9b330a0b.pth'): model1..model8 and\n"
        "                   model_out, 313 ab bins\n"
        "  --arch hints     their SIGGRAPH17 user-guided network (colorizers/siggraph17.py,\n"
        "                   'siggraph17-df00044c.pth')\n"
        "Both files are where richzhang/colorization's code downloads them from:\n"
        "  https://colorizers.s3.us-east-2.amazonaws.com/colorization_release_v2-9b330a0b.pth\n"
        "  https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth\n"
        "(the hex in each name is the start of the file's SHA-256).\n"
        "\n"
        "  -a, --arch ARCH        colorful or hints\n"
        "  -f, --from FILE.pth    torch.save of the model's state_dict (torch >= 1.6 zip\n"
        "                         format; {\"state_dict\": ...} or {\"model\": ...} wrappers and a\n"
        "                         'module.' prefix are accepted)\n"
        "  -o, --output FILE      the model file to write (safetensors)\n"
        "      --size N           training input side to record (default 256)\n"
        "  -h, --help             this text\n"
        "\n"
        "The checkpoint is read by a restricted unpickler written for this: it never runs\n"
        "code from the file, and refuses any pickle that calls anything but the tensor\n"
        "rebuilds of a plain state_dict (no Python is needed). Every tensor's name, shape\n"
        "and type is checked against the architecture at width 1; a missing or unknown\n"
        "tensor is an error naming it, and nothing is written then.\n"
        "\n"
        "ECCV16's 313 output classes are the ab bins of the paper's table (pts_in_hull,\n"
        "shipped as engine/data/zhang-313-bins.txt); the file carries them as quant.bins.\n"
        "The checkpoint's model_out (ab = 110 * model_out(softmax(logits))) must hold that\n"
        "table / 110, or the import stops: a checkpoint that decodes with other bins would\n"
        "be coloured wrongly. The published decoding is the plain mean (temperature 1);\n"
        "corolization's default temperature, 0.38, gives more vivid colour.\n"
        "\n"
        "The network's input is the published one: (L - 50) / 100 (SIGGRAPH17: hint ab / 110\n"
        "and the uncentred hint mask, recorded as mask_offset 0, output tanh * 110), in the\n"
        "Lab the published models were trained in, skimage's (sRGB, D65 white): the file is\n"
        "marked lab_white D65, and the plug-in and colorize/eval give it L, hints and reference\n"
        "in that Lab and compose the result in it at full size (the photo's L with the\n"
        "up-sampled ab, as skimage's lab2rgb does). Such a file cannot be trained on\n"
        "(training works in babl's Lab).\n"
        "\n"
        "Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

/* Copies checkpoint tensor t into parameter p after checking it. */
static cz_status take(cz_param *p, const ct_pth_tensor *t, cz_error *err)
{
    bool same = t->ndim == p->ndim && t->count == p->count;
    for (int d = 0; same && d < p->ndim; d++) same = t->shape[d] == p->shape[d];
    if (!same) {
        char want[64] = "", got[64] = "";
        for (int d = 0; d < p->ndim; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", d ? "x" : "", p->shape[d]);
        for (int d = 0; d < t->ndim; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "x" : "", (long long)t->shape[d]);
        return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor '%s' has shape [%s], the architecture's is [%s]",
                            p->name, got, want);
    }
    const unsigned char *src = t->data;
    for (size_t i = 0; i < p->count; i++) {
        if (t->dtype == CZ_DTYPE_F32) {
            memcpy(&p->data[i], src + 4 * i, 4);
        } else if (t->dtype == CZ_DTYPE_F16) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            p->data[i] = cz_f16_to_f32(h);
        } else {
            return cz_error_set(err, CZ_STATUS_UNSUPPORTED, "tensor '%s' is %s, not float32 or float16", p->name,
                                cz_dtype_name(t->dtype));
        }
        if (!isfinite(p->data[i]))
            return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "tensor '%s' holds a NaN or infinity", p->name);
    }
    return CZ_STATUS_OK;
}

/* The checkpoint's tensor called name, or NULL. */
static const ct_pth_tensor *find(const ct_pth *pth, const char *name)
{
    for (size_t k = 0; k < ct_pth_count(pth); k++)
        if (!strcmp(ct_pth_get(pth, k)->name, name)) return ct_pth_get(pth, k);
    return NULL;
}

/* Fills every parameter of m from the checkpoint. A checkpoint tensor the
 * architecture lacks is named first (a wrong --arch shows at once), then a
 * missing one; the batch norms' num_batches_tracked counters are dropped,
 * and so is `extra` (NULL: none), a tensor the caller checks itself. */
static cz_status fill(cz_model *m, const ct_pth *pth, const char *extra, cz_error *err)
{
    cz_net *net = cz_model_get_net(m);
    const size_t n = ct_pth_count(pth);
    for (size_t k = 0; k < n; k++) {
        const ct_pth_tensor *t = ct_pth_get(pth, k);
        const char *dot = strrchr(t->name, '.');
        if (extra && !strcmp(t->name, extra)) continue;
        if (!cz_net_param_find(net, t->name) && !(dot && !strcmp(dot, ".num_batches_tracked") && t->count == 1))
            return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH,
                                "tensor '%s' of the checkpoint is not part of the %s architecture", t->name,
                                cz_model_get_config(m)->arch);
    }
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        const ct_pth_tensor *t = find(pth, p->name);
        if (!t)
            return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor '%s' is missing from the checkpoint",
                                p->name);
        cz_status st = take(p, t, err);
        if (st) return st;
    }
    return CZ_STATUS_OK;
}

/* ECCV16's decoding layer: ab = 110 * model_out(softmax(logits)), so its
 * 1x1 weight [2, Q, 1, 1] holds bin q's (a, b) / 110 in column q. Checks it
 * against the bins the file will carry (up to 0.01 ab: float32 of k / 110
 * is exact to 1e-5). */
static cz_status check_model_out(const ct_pth *pth, const cz_quant *qt, cz_error *err)
{
    const ct_pth_tensor *t = find(pth, "model_out.weight");
    if (!t)
        return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor 'model_out.weight' is missing from the checkpoint");
    float w[2 * CZ_QUANT_MAX_BINS];
    cz_param p = {.name = "model_out.weight", .ndim = 4, .shape = {2, qt->q, 1, 1}, .count = 2 * (size_t)qt->q,
                  .data = w};
    cz_status s = take(&p, t, err);
    if (s) return s;
    int worst = 0;
    double dmax = 0;
    for (int q = 0; q < qt->q; q++)
        for (int c = 0; c < 2; c++) {
            double d = fabs(110.0 * w[c * qt->q + q] - qt->ab[q][c]);
            if (d > dmax) dmax = d, worst = q;
        }
    if (dmax > 0.01)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR,
                            "'model_out.weight' * 110 is not the %d-bin table: class %d decodes to (%.3g, %.3g), the "
                            "table's bin is (%g, %g); this checkpoint's classes are other bins",
                            qt->q, worst, 110.0 * w[worst], 110.0 * w[qt->q + worst], qt->ab[worst][0],
                            qt->ab[worst][1]);
    printf("import: model_out is the %d-bin table / 110 (max |110 w - bin| %.2g ab)\n", qt->q, dmax);
    return CZ_STATUS_OK;
}

int ct_cmd_import(int argc, char **argv)
{
    enum { O_SIZE = 256 };
    static const struct option opts[] = {
        {"arch", required_argument, 0, 'a'}, {"from", required_argument, 0, 'f'},
        {"output", required_argument, 0, 'o'}, {"size", required_argument, 0, O_SIZE},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *arch = NULL, *from = NULL, *out = NULL;
    int size = 256, c;
    while ((c = getopt_long(argc, argv, "a:f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': arch = optarg; break;
        case 'f': from = optarg; break;
        case 'o': out = optarg; break;
        case O_SIZE: size = (int)ct_parse_long("import", "--size", optarg, 8, 4096); break;
        case 'h': import_help(); return CT_EXIT_OK;
        default: ct_usage_error("import", "unknown option");
        }
    }
    if (!arch || !from || !out) ct_usage_error("import", "--arch, --from and -o are all required");
    if (optind < argc) ct_usage_error("import", "unexpected argument '%s'", argv[optind]);
    const bool eccv16 = !strcmp(arch, "colorful");
    if (!eccv16 && strcmp(arch, "hints"))
        ct_usage_error("import", "--arch %s: colorful (ECCV16) or hints (SIGGRAPH17)", arch);
    const int mult = eccv16 ? cz_arch_colorful.multiple : cz_arch_hints.multiple;
    if (size % mult) ct_usage_error("import", "--size %d is not a multiple of %d", size, mult);
    const ct_path_use uses[] = {{"--from", from, false, NULL}, {"-o", out, true, from}};
    ct_paths_check("import", uses, sizeof uses / sizeof uses[0]);

    cz_lab_init(); /* the hints net computes its bins through babl */
    cz_error err = {0};
    ct_pth *pth = ct_pth_open(from, &err);
    if (!pth) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg);
    cz_model_config cfg = {.width = 1.0f, .size = size, .white = CZ_LAB_D65};
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    /* ECCV16's classes are the published table's bins, in its order */
    cz_model *m = eccv16 ? cz_model_new_binned(&cfg, &cz_quant_zhang313[0][0], cz_quant_zhang313_count, 0, &err)
                         : cz_model_new(&cfg, 0, &err);
    if (!m) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg);
    if (fill(m, pth, eccv16 ? "model_out.weight" : NULL, &err) ||
        (eccv16 && check_model_out(pth, cz_model_get_quant(m), &err)))
        ct_die(__FILE__, __LINE__, NULL, "%s: %s", from, err.msg);
    const char *slash = strrchr(from, '/');
    const char *meta_hints[] = {"name", "SIGGRAPH17 (imported)",
                                "description", "Zhang et al. 2017, user-guided colorization, imported from PyTorch",
                                "source", slash ? slash + 1 : from,
                                "mask_offset", "0",
                                NULL};
    const char *meta_eccv16[] = {"name", "ECCV16 (imported)",
                                 "description", "Zhang et al. 2016, colorful image colorization, imported from PyTorch",
                                 "source", slash ? slash + 1 : from,
                                 NULL};
    const char *const *meta = eccv16 ? meta_eccv16 : meta_hints;
    statusCheck(cz_model_save(m, out, CZ_DTYPE_F32, NULL, 0, meta, &err), &err);
    printf("import: %zu tensors from %s into %s\n", ct_pth_count(pth), from, out);
    cz_model_free(m);
    ct_pth_close(pth);
    return CT_EXIT_OK;
}
