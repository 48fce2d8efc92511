/* arch_hints.c: the local-hints network of Zhang, Zhu, Isola, Geng, Lin, Yu
 * and Efros, "Real-Time User-Guided Image Colorization with Learned Deep
 * Priors" (SIGGRAPH 2017), with a width multiplier.
 *
 * Input, 4 channels at full resolution: (L - 50) / 100, the hint's a / 110
 * and b / 110 (0 where there is no hint) and the hint mask (1 at hinted
 * pixels, 0 elsewhere, uncentred as in the authors' converted model,
 * colorizers/siggraph17.py; their colorization-pytorch training subtracts
 * 0.5 from it instead).
 *
 * Trunk (channels at width 1; B = batch norm; every conv 3x3 with bias):
 *   model1  conv 64, conv 64, B          conv1_2   full res
 *   model2  conv 128 x2, B               conv2_2   1/2 (of conv1_2[::2, ::2])
 *   model3  conv 256 x3, B               conv3_3   1/4
 *   model4  conv 512 x3, B               conv4_3   1/8
 *   model5, model6  conv 512 x3 at dilation 2, B
 *   model7  conv 512 x3, B               conv7_3   1/8
 *   model8  relu(deconv4x4/2 256 of conv7_3 + model3short8 conv of conv3_3),
 *           conv 256 x2, B               conv8_3   1/4
 *   model9  relu(deconv 128 of conv8_3 + model2short9 conv of conv2_2),
 *           conv 128, B                  conv9_3   1/2
 *   model10 relu(deconv 128 of conv9_3 + model1short10 conv of conv1_2),
 *           conv 128, leaky relu 0.2     conv10_2  full res
 * Each conv is followed by a ReLU, as in nn.Sequential blocks, which fixes
 * the indices of the names ("model3.0", "model3.2", "model3.4", BN
 * "model3.6"; "model8.1", "model8.3", BN "model8.5" after a leading ReLU).
 * Heads: model_class.0, 1x1 conv of conv8_3 to CZ_HINTS_BINS logits
 * (nodes->logits, 1/4 res), and model_out.0, 1x1 conv of conv10_2 to 2
 * then tanh: ab / 110 at full resolution (nodes->output). The width scales
 * every channel count but the input's 4 and the heads' 529 and 2. */
#include "arch.h"

#include <stdio.h>

/* Appends the convs of block "model<block>" (each conv + ReLU) starting at
 * Sequential index idx, then its batch norm; returns the last node. */
static int block(cz_net *net, int x, int blk, int idx, int convs, int cout, int dil)
{
    char name[32];
    for (int i = 0; i < convs; i++, idx += 2) {
        snprintf(name, sizeof name, "model%d.%d", blk, idx);
        x = cz_net_conv2d(net, name, x, cout, 3, 1, dil, dil, true);
        x = cz_net_relu(net, x);
    }
    snprintf(name, sizeof name, "model%d.%d", blk, idx);
    return cz_net_batchnorm(net, name, x);
}

/* relu(deconv(x) + conv3x3(skip)): the start of blocks 8, 9 and 10. */
static int up_join(cz_net *net, int x, int skip, int blk, int skip_blk, int cout)
{
    char up[32], sh[32];
    snprintf(up, sizeof up, "model%dup.0", blk);
    snprintf(sh, sizeof sh, "model%dshort%d.0", skip_blk, blk);
    x = cz_net_deconv2d(net, up, x, cout, 4, 2, 1, true);
    skip = cz_net_conv2d(net, sh, skip, cout, 3, 1, 1, 1, true);
    return cz_net_relu(net, cz_net_add(net, x, skip));
}

static cz_status build(cz_net *net, cz_arch_nodes *nodes, const cz_model_config *cfg, int q,
                       int h, int w, cz_error *err)
{
    const float wm = cfg->width;
    const int c64 = cz_arch_channels(wm, 64), c128 = cz_arch_channels(wm, 128);
    const int c256 = cz_arch_channels(wm, 256), c512 = cz_arch_channels(wm, 512);
    (void)q; /* the class head has the published 529 bins, not quant.c's */

    int x = nodes->input = cz_net_input(net, 4, h, w);
    int conv1 = block(net, x, 1, 0, 2, c64, 1);
    int conv2 = block(net, cz_net_subsample(net, conv1, 2), 2, 0, 2, c128, 1);
    int conv3 = block(net, cz_net_subsample(net, conv2, 2), 3, 0, 3, c256, 1);
    x = block(net, cz_net_subsample(net, conv3, 2), 4, 0, 3, c512, 1);
    x = block(net, x, 5, 0, 3, c512, 2);
    x = block(net, x, 6, 0, 3, c512, 2);
    x = block(net, x, 7, 0, 3, c512, 1);

    int conv8 = block(net, up_join(net, x, conv3, 8, 3, c256), 8, 1, 2, c256, 1);
    x = block(net, up_join(net, conv8, conv2, 9, 2, c128), 9, 1, 1, c128, 1);
    x = up_join(net, x, conv1, 10, 1, c128);
    x = cz_net_conv2d(net, "model10.1", x, c128, 3, 1, 1, 1, true);
    x = cz_net_leaky_relu(net, x, 0.2f);

    nodes->logits = cz_net_conv2d(net, "model_class.0", conv8, CZ_HINTS_BINS, 1, 1, 0, 1, true);
    x = cz_net_conv2d(net, "model_out.0", x, 2, 1, 1, 0, 1, true);
    nodes->output = cz_net_tanh(net, x);
    nodes->global_input = -1;
    nodes->classes = -1;
    return cz_net_finalize(net, err);
}

const cz_arch cz_arch_hints = {
    .name = "hints",
    .output = CZ_OUTPUT_AB,
    .multiple = 8,
    .in_scale = 0.01f, .in_offset = -0.5f,
    .ab_scale = 1.0f / 110.0f, .ab_offset = 0.0f,
    .build = build,
    .adversarial = false,
    .hints = true,
    .mask_offset = 0.0f, /* uncentred, as the authors' converted model */
};
