/* arch.c: the registry of architectures, their config's rules, and the
 * block they share. */
#include "arch.h"

#include <stdio.h>
#include <string.h>

const cz_arch *cz_arch_find(const char *name)
{
    static const cz_arch *const all[] = {&cz_arch_colorful, &cz_arch_pix2pix, &cz_arch_fusion,
                                         &cz_arch_residual, &cz_arch_hints};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (name && !strcmp(all[i]->name, name)) return all[i];
    return NULL;
}

cz_status cz_arch_check_config(const cz_model_config *cfg, cz_error *err)
{
    const cz_arch *a = cz_arch_find(cfg->arch);
    if (!a)
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "unknown architecture \"%s\" (known: colorful, pix2pix, fusion, residual, hints)", cfg->arch);
    if (!(cfg->width > 0 && cfg->width <= 4))
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "width %g is outside (0, 4]", cfg->width);
    if (cfg->size < 8 || cfg->size > 4096)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "size %d is outside 8..4096", cfg->size);
    /* Only a model whose output is ab can be shown to a discriminator. */
    if (cfg->adversarial && a->output != CZ_OUTPUT_AB)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "only models that regress ab can be adversarial, not %s",
                            a->name);
    if (cfg->classes < 0 || cfg->classes > CZ_MODEL_MAX_CLASSES)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "%d scene classes (at most %d)", cfg->classes,
                            CZ_MODEL_MAX_CLASSES);
    return CZ_STATUS_OK;
}

int cz_arch_conv_bn_relu(cz_net *net, const char *prefix, int i, int x, int cout, int stride)
{
    char name[48];
    snprintf(name, sizeof name, "%s.%d.conv", prefix, i);
    x = cz_net_conv2d(net, name, x, cout, 3, stride, 1, 1, true);
    snprintf(name, sizeof name, "%s.%d.bn", prefix, i);
    x = cz_net_batchnorm(net, name, x);
    return cz_net_relu(net, x);
}
