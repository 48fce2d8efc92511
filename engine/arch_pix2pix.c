/* arch_pix2pix.c: the conditional GAN of Isola et al., "Image-to-Image
 * Translation with Conditional Adversarial Networks" (2017), for L -> ab.
 *
 * Generator: a U-Net of depth d = log2(min side / 1) down to 1x1 at the
 * training size (7 levels at 128 px, 8 at 256). Encoder level i: LeakyReLU
 * 0.2 (not on level 1), 4x4 stride-2 conv, batch norm (not on levels 1 and
 * d). Decoder level i: ReLU, 4x4 stride-2 transposed conv, batch norm,
 * dropout 0.5 on the three innermost levels, then concatenation with the
 * encoder's level i-1 (the skip). The last level maps to 2 channels + tanh
 * (target ab / 110). Channels: 64w, 128w, 256w, then 512w.
 *
 * Discriminator: the PatchGAN of arch_patchgan.c on [L, ab]. Input: L / 50 - 1. */
#include "arch.h"

#include <stdio.h>

#define P2P_MAX_DEPTH 12

static int depth_for(int side)
{
    int d = 0;
    while (side > 1 && !(side & 1) && d < P2P_MAX_DEPTH) side >>= 1, d++;
    return d;
}

static cz_status build(cz_net *net, cz_arch_nodes *nodes, const cz_model_config *cfg, int q,
                       int h, int w, cz_error *err)
{
    /* Depth comes from the training size so the weights fit every input
     * size; inputs must be multiples of 2^depth. */
    const int d = depth_for(cfg->size);
    if (d < 3 || (1 << d) != cfg->size)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT,
                            "pix2pix needs a power-of-two size of at least 8, not %d", cfg->size);
    int ch[P2P_MAX_DEPTH + 1];
    for (int i = 1; i <= d; i++)
        ch[i] = cz_arch_channels(cfg->width, i == 1 ? 64 : i == 2 ? 128 : i == 3 ? 256 : 512);
    int enc[P2P_MAX_DEPTH + 1];
    char name[32];
    int x = nodes->input = cz_net_input(net, 1, h, w);
    for (int i = 1; i <= d; i++) {
        if (i > 1) x = cz_net_leaky_relu(net, x, 0.2f);
        snprintf(name, sizeof name, "down%d.conv", i);
        x = cz_net_conv2d(net, name, x, ch[i], 4, 2, 1, 1, i == 1 || i == d);
        if (i > 1 && i < d) {
            snprintf(name, sizeof name, "down%d.bn", i);
            x = cz_net_batchnorm(net, name, x);
        }
        enc[i] = x;
    }
    for (int i = d; i >= 2; i--) {
        x = cz_net_relu(net, x);
        snprintf(name, sizeof name, "up%d.deconv", i);
        x = cz_net_deconv2d(net, name, x, ch[i - 1], 4, 2, 1, false);
        snprintf(name, sizeof name, "up%d.bn", i);
        x = cz_net_batchnorm(net, name, x);
        if (i > d - 3) x = cz_net_dropout(net, x, 0.5f);
        x = cz_net_concat(net, x, enc[i - 1]);
    }
    x = cz_net_relu(net, x);
    x = cz_net_deconv2d(net, "up1.deconv", x, 2, 4, 2, 1, true);
    nodes->output = cz_net_tanh(net, x);
    nodes->global_input = -1;
    nodes->classes = -1;
    nodes->logits = -1;
    (void)q;
    return cz_net_finalize(net, err);
}

const cz_arch cz_arch_pix2pix = {
    .name = "pix2pix",
    .output = CZ_OUTPUT_AB,
    .multiple = 0, /* 2^depth, see cz_model_get_multiple */
    .in_scale = 0.02f, .in_offset = -1.0f,
    .ab_scale = 1.0f / 110.0f, .ab_offset = 0.0f,
    .build = build,
    .adversarial = true,
};
