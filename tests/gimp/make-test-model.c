/* make-test-model.c: writes an untrained "colorful" model (fixed seed) and a
 * truncated copy of it, for the plug-in tests' plumbing and error paths:
 *   make-test-model DIR  ->  DIR/testnet.safetensors, DIR/broken.safetensors
 * The colour assertions use a trained model when the build provides one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "safetensors.h"
#include "lab.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    cz_lab_init();
    cz_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "colorful");
    cfg.width = 0.125f;
    cfg.size = 64;
    cz_error err;
    cz_model *m = cz_model_new(&cfg, 42, &err);
    if (!m) {
        fprintf(stderr, "cz_model_new: %s\n", err.msg);
        return 1;
    }
    char path[4096], broken[4096];
    snprintf(path, sizeof path, "%s/testnet.safetensors", argv[1]);
    snprintf(broken, sizeof broken, "%s/broken.safetensors", argv[1]);
    const char *meta[] = {"name", "testnet", "description", "untrained test network", NULL};
    if (cz_model_save(m, path, CZ_DTYPE_F32, false, meta, &err) != CZ_STATUS_OK) {
        fprintf(stderr, "cz_model_save: %s\n", err.msg);
        cz_model_free(m);
        return 1;
    }
    cz_model_free(m);

    /* The first half of the file: a header that promises more than is there. */
    FILE *in = fopen(path, "rb"), *out = fopen(broken, "wb");
    if (!in || !out) {
        perror("truncated copy");
        return 1;
    }
    fseek(in, 0, SEEK_END);
    long n = ftell(in) / 2;
    fseek(in, 0, SEEK_SET);
    for (long i = 0; i < n; i++) fputc(fgetc(in), out);
    fclose(in);
    if (fclose(out) != 0) return 1;
    return 0;
}
