/* main.c: corolization-train's entry point: dispatch to a subcommand.
 * Each subcommand parses its own options (getopt_long), answers --help, and
 * returns 0 on success, 1 on failure, 2 on bad usage. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: corolization-train COMMAND [options]\n"
        "\n"
        "Trains and evaluates corolization's colorization networks.\n"
        "\n"
        "Commands:\n"
        "  prepare PHOTO_DIR -o DATA_FILE --size N     pack photos into a dataset\n"
        "  train --arch ARCH --data DATA_FILE -o MODEL_FILE --steps N\n"
        "                                              train colorful|pix2pix|fusion|residual\n"
        "  lr-find --arch ARCH --data DATA_FILE -o PREFIX\n"
        "                                              learning-rate range test\n"
        "  eval --model MODEL_FILE --images DIR [--json]\n"
        "                                              PSNR, SSIM, colourfulness, AuC\n"
        "  colorize --model MODEL_FILE IN... -o OUT_DIR\n"
        "                                              the plug-in's pixel path on files\n"
        "  import --arch hints --from FILE.pth -o MODEL_FILE\n"
        "                                              a published PyTorch checkpoint\n"
        "\n"
        "'corolization-train COMMAND --help' describes each command.\n"
        "Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"prepare", ct_cmd_prepare}, {"train", ct_cmd_train}, {"lr-find", ct_cmd_lr_find},
        {"eval", ct_cmd_eval}, {"colorize", ct_cmd_colorize}, {"import", ct_cmd_import},
    };
    if (argc < 2) {
        usage(stderr);
        return CT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CT_EXIT_OK;
    }
    /* Past a file size limit (ulimit -f) a write then fails with EFBIG and
     * the command reports it, instead of SIGXFSZ killing it mid-file. */
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            /* The subcommand sees argv[0] = its name, as getopt expects. */
            int rc = cmds[i].fn(argc - 1, argv + 1);
            fflush(stdout);
            ct_gegl_exit();
            return rc;
        }
    }
    fprintf(stderr, "corolization-train: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CT_EXIT_USAGE;
}
