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
#include "util.h"

static void import_help(void)
{
    printf(
        "Usage: corolization-train import --arch hints --from FILE.pth -o MODEL_FILE\n"
        "\n"
        "Converts a published PyTorch checkpoint to a model file the plug-in and the trainer\n"
        "use like any other: --arch hints takes Zhang et al.'s SIGGRAPH17 network\n"
        "(colorizers/siggraph17.py, 'siggraph17-df00044c.pth'), width 1.\n"
        "\n"
        "  -a, --arch ARCH        hints (the ECCV16 'colorful' import is not there yet)\n"
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
        "The network's input is the published one: (L - 50) / 100, hint ab / 110 and the\n"
        "uncentred hint mask (recorded as mask_offset 0), output tanh * 110. What differs:\n"
        "the published models were trained in skimage's Lab (D65 white), corolization works\n"
        "in babl's Lab (D50), so the file is marked D50 and colours may shift slightly.\n"
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

/* Fills every parameter of m from the checkpoint. A checkpoint tensor the
 * architecture lacks is named first (a wrong --arch shows at once), then a
 * missing one; the batch norms' num_batches_tracked counters are dropped. */
static cz_status fill(cz_model *m, const ct_pth *pth, cz_error *err)
{
    cz_net *net = cz_model_get_net(m);
    const size_t n = ct_pth_count(pth);
    for (size_t k = 0; k < n; k++) {
        const ct_pth_tensor *t = ct_pth_get(pth, k);
        const char *dot = strrchr(t->name, '.');
        if (!cz_net_param_find(net, t->name) && !(dot && !strcmp(dot, ".num_batches_tracked") && t->count == 1))
            return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH,
                                "tensor '%s' of the checkpoint is not part of the %s architecture", t->name,
                                cz_model_get_config(m)->arch);
    }
    for (int i = 0; i < cz_net_param_count(net); i++) {
        cz_param *p = cz_net_param(net, i);
        size_t k = 0;
        while (k < n && strcmp(ct_pth_get(pth, k)->name, p->name)) k++;
        if (k == n)
            return cz_error_set(err, CZ_STATUS_SHAPE_MISMATCH, "tensor '%s' is missing from the checkpoint",
                                p->name);
        cz_status st = take(p, ct_pth_get(pth, k), err);
        if (st) return st;
    }
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
    if (strcmp(arch, "hints"))
        ct_usage_error("import", "--arch %s: only hints (SIGGRAPH17) can be imported so far", arch);
    if (size % cz_arch_hints.multiple)
        ct_usage_error("import", "--size %d is not a multiple of %d", size, cz_arch_hints.multiple);
    const ct_path_use uses[] = {{"--from", from, false, NULL}, {"-o", out, true, from}};
    ct_paths_check("import", uses, sizeof uses / sizeof uses[0]);

    cz_lab_init(); /* the hints net computes its bins through babl */
    cz_error err = {0};
    ct_pth *pth = ct_pth_open(from, &err);
    if (!pth) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg);
    cz_model_config cfg = {.width = 1.0f, .size = size};
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cz_model *m = cz_model_new(&cfg, 0, &err);
    if (!m) ct_die(__FILE__, __LINE__, NULL, "%s", err.msg);
    if (fill(m, pth, &err)) ct_die(__FILE__, __LINE__, NULL, "%s: %s", from, err.msg);
    const char *slash = strrchr(from, '/');
    const char *meta[] = {"name", "SIGGRAPH17 (imported)",
                          "description", "Zhang et al. 2017, user-guided colorization, imported from PyTorch",
                          "source", slash ? slash + 1 : from,
                          "mask_offset", "0",
                          "source_lab_white", "D65",
                          NULL};
    statusCheck(cz_model_save(m, out, CZ_DTYPE_F32, NULL, 0, meta, &err), &err);
    printf("import: %zu tensors from %s into %s\n", ct_pth_count(pth), from, out);
    cz_model_free(m);
    ct_pth_close(pth);
    return CT_EXIT_OK;
}
