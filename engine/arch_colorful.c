/* arch_colorful.c: the ECCV16 classifier of Zhang, Isola and Efros,
 * "Colorful Image Colorization" (2016), with a width multiplier.
 *
 * Eight blocks of 3x3 convolutions with ReLU, each ended by batch norm;
 * blocks 1-3 halve the resolution, 5-6 use dilation 2, block 8 doubles it
 * with a 4x4 transposed convolution and ends in a 1x1 convolution to Q
 * logits at a quarter of the input resolution. Layer names follow the
 * authors' PyTorch port (model1.0, model1.2, model1.4, ...), so every layer
 * but the head of their released weights loads by name; their head has 313
 * outputs in the order of the paper's bin table, ours has the Q bins that
 * quant.c computes (261), so a head trained here is needed. Input:
 * (L - 50) / 100. */
#include "arch.h"

#include <stdio.h>

/* Appends conv(3x3) + ReLU layers "modelB.(2i)" and returns the last node. */
static int conv_relu(cz_net *net, int x, int block, int *idx, int cout, int stride, int dil)
{
    char name[32];
    snprintf(name, sizeof name, "model%d.%d", block, *idx);
    x = cz_net_conv2d(net, name, x, cout, 3, stride, dil, dil, true);
    *idx += 2; /* the ReLU takes the next index, as in nn.Sequential */
    return cz_net_relu(net, x);
}

static int bn(cz_net *net, int x, int block, int idx)
{
    char name[32];
    snprintf(name, sizeof name, "model%d.%d", block, idx);
    return cz_net_batchnorm(net, name, x);
}

static cz_status build(cz_net *net, cz_arch_nodes *nodes, const cz_model_config *cfg, int q,
                       int h, int w, cz_error *err)
{
    const float wm = cfg->width;
    const int c64 = cz_arch_channels(wm, 64), c128 = cz_arch_channels(wm, 128);
    const int c256 = cz_arch_channels(wm, 256), c512 = cz_arch_channels(wm, 512);
    /* blocks: channels, convs, stride of the last conv, dilation */
    const struct { int c, convs, stride, dil; } blocks[7] = {
        {c64, 2, 2, 1}, {c128, 2, 2, 1}, {c256, 3, 2, 1}, {c512, 3, 1, 1},
        {c512, 3, 1, 2}, {c512, 3, 1, 2}, {c512, 3, 1, 1},
    };
    int x = nodes->input = cz_net_input(net, 1, h, w);
    for (int b = 0; b < 7; b++) {
        int idx = 0;
        for (int i = 0; i < blocks[b].convs; i++)
            x = conv_relu(net, x, b + 1, &idx, blocks[b].c, i == blocks[b].convs - 1 ? blocks[b].stride : 1,
                          blocks[b].dil);
        x = bn(net, x, b + 1, idx);
    }
    x = cz_net_deconv2d(net, "model8.0", x, c256, 4, 2, 1, true);
    x = cz_net_relu(net, x);
    int idx = 2;
    x = conv_relu(net, x, 8, &idx, c256, 1, 1);
    x = conv_relu(net, x, 8, &idx, c256, 1, 1);
    x = cz_net_conv2d(net, "model8.6", x, q, 1, 1, 0, 1, true);
    nodes->output = x;
    nodes->global_input = -1;
    nodes->classes = -1;
    nodes->logits = -1;
    return cz_net_finalize(net, err);
}

const cz_arch cz_arch_colorful = {
    .name = "colorful",
    .output = CZ_OUTPUT_LOGITS,
    .multiple = 8,
    .in_scale = 0.01f, .in_offset = -0.5f,
    .ab_scale = 1.0f, .ab_offset = 0.0f,
    .build = build,
    .adversarial = false,
};
