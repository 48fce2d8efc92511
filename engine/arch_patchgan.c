/* arch_patchgan.c: the 70x70 PatchGAN discriminator of Isola et al. (2017),
 * the adversary of pix2pix and of any regression model trained with
 * --adversarial: C64-C128-C256-C512 (4x4 convs, the last stride 1), then a
 * 1-channel 4x4 conv giving one logit per 70x70 patch, LeakyReLU 0.2 and
 * batch norm after every conv but the first and last. Input: 3 channels,
 * the model's encoded L and its ab target encoding, at cfg.size. */
#include "arch.h"

#include <stdio.h>

cz_status cz_arch_patchgan_build(cz_net *net, int *input, int *output, const cz_model_config *cfg,
                                 cz_error *err)
{
    const int n = cfg->size;
    int x = *input = cz_net_input(net, 3, n, n);
    const int base[4] = {64, 128, 256, 512};
    char name[32];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "disc.%d.conv", i);
        x = cz_net_conv2d(net, name, x, cz_arch_channels(cfg->width, base[i]), 4, i < 3 ? 2 : 1, 1, 1,
                          i == 0);
        if (i > 0) {
            snprintf(name, sizeof name, "disc.%d.bn", i);
            x = cz_net_batchnorm(net, name, x);
        }
        x = cz_net_leaky_relu(net, x, 0.2f);
    }
    *output = cz_net_conv2d(net, "disc.4.conv", x, 1, 4, 1, 1, 1, true);
    return cz_net_finalize(net, err);
}
