/* pixel_setup.h: what the pixel-path tests share: GEGL and babl's Lab
 * started, and a shipped model (models/NAME.safetensors under
 * $COROLIZATION_SOURCE_ROOT, which meson sets) loaded. */
#ifndef PIXEL_SETUP_H
#define PIXEL_SETUP_H

#include <gegl.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "lab.h"
#include "model.h"

/* The model, owned by the caller (cz_model_free, then gegl_exit); NULL
 * after a failed CHECK that says why. */
static inline cz_model *pixel_setup(check_state *st, const char *name)
{
    const char *root = getenv("COROLIZATION_SOURCE_ROOT");
    CHECK(st, root != NULL, "COROLIZATION_SOURCE_ROOT is not set; cannot find models/%s.safetensors", name);
    if (!root) return NULL;
    gegl_init(NULL, NULL);
    cz_lab_init();
    char path[4096];
    snprintf(path, sizeof path, "%s/models/%s.safetensors", root, name);
    cz_error err = {0};
    cz_model *m = cz_model_load(path, &err);
    CHECK(st, m != NULL, "load %s: %s", path, err.msg);
    return m;
}

#endif
