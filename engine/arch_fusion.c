/* arch_fusion.c: the global/local fusion network of Iizuka, Simo-Serra and
 * Ishikawa, "Let there be Color!" (SIGGRAPH 2016), with a width multiplier.
 *
 * low:    6 convs 3x3 (64 s2, 128, 128 s2, 256, 256 s2, 512), shared by the
 *         local path (any size) and the global path (cfg.size, a multiple
 *         of 32); each conv is followed by batch norm and ReLU.
 * mid:    convs 512, 256 on the local path (1/8 resolution).
 * global: convs 512 s2, 512, 512 s2, 512, then fully connected 1024, 512,
 *         256 (batch norm + ReLU each).
 * class:  from the 512-wide global features: fc 256 (BN, ReLU), fc classes.
 * fusion: the 256-wide global vector tiled over the mid features,
 *         concatenated, and a 1x1 conv to 256 (BN, ReLU).
 * color:  conv 128, upsample x2, conv 64, conv 64, upsample x2, conv 32,
 *         conv 2 + sigmoid at 1/2 resolution, then a bilinear x2 to the
 *         input size (the paper up-samples its output the same way).
 * Input: L / 100. Target: ab / 220 + 0.5 (sigmoid range). When the input
 * is cfg.size, both paths read the same low-level features. */
#include "arch.h"

#include <stdio.h>

static int fc_bn_relu(cz_net *net, const char *prefix, int i, int x, int cout)
{
    char name[48];
    snprintf(name, sizeof name, "%s.fc%d", prefix, i);
    x = cz_net_linear(net, name, x, cout, true);
    snprintf(name, sizeof name, "%s.fc%d_bn", prefix, i);
    x = cz_net_batchnorm(net, name, x);
    return cz_net_relu(net, x);
}

static int low_level(cz_net *net, int x, float wm)
{
    const int base[6] = {64, 128, 128, 256, 256, 512};
    const int stride[6] = {2, 1, 2, 1, 2, 1};
    for (int i = 0; i < 6; i++) x = cz_arch_conv_bn_relu(net, "low", i, x, cz_arch_channels(wm, base[i]), stride[i]);
    return x;
}

static cz_status build(cz_net *net, cz_arch_nodes *nodes, const cz_model_config *cfg, int q,
                       int h, int w, cz_error *err)
{
    const float wm = cfg->width;
    const int S = cfg->size;
    if (S % 32 || S < 32)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "fusion needs a size that is a multiple of 32, not %d", S);
    if (cfg->classes < 1)
        return cz_error_set(err, CZ_STATUS_INVALID_ARGUMENT, "fusion needs at least one scene class");
    (void)q;

    int local = nodes->input = cz_net_input(net, 1, h, w);
    int low_local = low_level(net, local, wm);
    int low_global = low_local;
    nodes->global_input = -1;
    if (h != S || w != S) {
        nodes->global_input = cz_net_input(net, 1, S, S);
        low_global = low_level(net, nodes->global_input, wm); /* same names: shared weights */
    }

    int mid = cz_arch_conv_bn_relu(net, "mid", 0, low_local, cz_arch_channels(wm, 512), 1);
    mid = cz_arch_conv_bn_relu(net, "mid", 1, mid, cz_arch_channels(wm, 256), 1);

    int g = low_global;
    const int gstride[4] = {2, 1, 2, 1};
    for (int i = 0; i < 4; i++) g = cz_arch_conv_bn_relu(net, "global", i, g, cz_arch_channels(wm, 512), gstride[i]);
    g = fc_bn_relu(net, "global", 0, g, cz_arch_channels(wm, 1024));
    int g512 = fc_bn_relu(net, "global", 1, g, cz_arch_channels(wm, 512));
    g = fc_bn_relu(net, "global", 2, g512, cz_arch_channels(wm, 256));

    int cls = fc_bn_relu(net, "class", 0, g512, cz_arch_channels(wm, 256));
    nodes->classes = cz_net_linear(net, "class.fc1", cls, cfg->classes, true);
    nodes->logits = -1;

    int x = cz_net_fusion(net, mid, g);
    x = cz_net_conv2d(net, "fusion.conv", x, cz_arch_channels(wm, 256), 1, 1, 0, 1, true);
    x = cz_net_batchnorm(net, "fusion.bn", x);
    x = cz_net_relu(net, x);

    x = cz_arch_conv_bn_relu(net, "color", 0, x, cz_arch_channels(wm, 128), 1);
    x = cz_net_upsample(net, x, h / 4, w / 4);
    x = cz_arch_conv_bn_relu(net, "color", 1, x, cz_arch_channels(wm, 64), 1);
    x = cz_arch_conv_bn_relu(net, "color", 2, x, cz_arch_channels(wm, 64), 1);
    x = cz_net_upsample(net, x, h / 2, w / 2);
    x = cz_arch_conv_bn_relu(net, "color", 3, x, cz_arch_channels(wm, 32), 1);
    x = cz_net_conv2d(net, "color.4.conv", x, 2, 3, 1, 1, 1, true);
    x = cz_net_sigmoid(net, x);
    nodes->output = cz_net_upsample(net, x, h, w);
    return cz_net_finalize(net, err);
}

const cz_arch cz_arch_fusion = {
    .name = "fusion",
    .output = CZ_OUTPUT_AB,
    .multiple = 8,
    .in_scale = 0.01f, .in_offset = 0.0f,
    .ab_scale = 1.0f / 220.0f, .ab_offset = 0.5f,
    .build = build,
    .adversarial = false,
};
