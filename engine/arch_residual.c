/* arch_residual.c: a residual colorizer in the manner of Dahl's
 * "Automatic Colorization" (2016): an encoder whose features at every scale
 * are added into an up-sampling decoder (a hypercolumn built residually),
 * on a small VGG-like backbone trained from scratch (Dahl used a
 * pre-trained VGG16; none can be downloaded here).
 *
 * encoder e1..e4: two 3x3 convs (BN, ReLU) each, 32w, 64w, 128w, 256w
 *         channels, the first conv of e2..e4 with stride 2.
 * decoder: d4 = BN(1x1 conv of e4 to 128w); for k = 3, 2, 1:
 *         d = 3x3 conv + ReLU of (upsample x2 of d + BN(1x1 conv of e_k)),
 *         to 64w, 32w, 32w channels (the 1x1 conv matches e_k to d).
 *         Output: 3x3 conv to 2 + tanh (target ab / 110).
 * Input: L / 50 - 1. */
#include "arch.h"

#include <stdio.h>

/* BN(1x1 conv of x to cout), named "<prefix>.proj" / "<prefix>.proj_bn". */
static int project(cz_net *net, const char *prefix, int x, int cout)
{
    char name[48];
    snprintf(name, sizeof name, "%s.proj", prefix);
    x = cz_net_conv2d(net, name, x, cout, 1, 1, 0, 1, false);
    snprintf(name, sizeof name, "%s.proj_bn", prefix);
    return cz_net_batchnorm(net, name, x);
}

static cz_status build(cz_net *net, cz_arch_nodes *nodes, const cz_model_config *cfg, int q,
                       int h, int w, cz_error *err)
{
    const float wm = cfg->width;
    const int ec[4] = {cz_arch_channels(wm, 32), cz_arch_channels(wm, 64), cz_arch_channels(wm, 128),
                       cz_arch_channels(wm, 256)};
    const int dc[4] = {cz_arch_channels(wm, 32), cz_arch_channels(wm, 32), cz_arch_channels(wm, 64),
                       cz_arch_channels(wm, 128)};
    char prefix[16];
    int e[4];
    int x = nodes->input = cz_net_input(net, 1, h, w);
    for (int k = 0; k < 4; k++) {
        snprintf(prefix, sizeof prefix, "enc%d", k + 1);
        x = cz_arch_conv_bn_relu(net, prefix, 0, x, ec[k], k == 0 ? 1 : 2);
        x = e[k] = cz_arch_conv_bn_relu(net, prefix, 1, x, ec[k], 1);
        if (x < 0) return cz_net_finalize(net, err); /* reports the error */
    }
    int d = project(net, "dec4", e[3], dc[3]);
    for (int k = 2; k >= 0; k--) {
        int eh, ew;
        cz_net_node_shape(net, e[k], NULL, &eh, &ew);
        int up = cz_net_upsample(net, d, eh, ew);
        snprintf(prefix, sizeof prefix, "dec%d", k + 1);
        int skip = project(net, prefix, e[k], dc[k + 1]);
        d = cz_net_add(net, up, skip);
        char name[48];
        snprintf(name, sizeof name, "dec%d.conv", k + 1);
        d = cz_net_conv2d(net, name, d, dc[k], 3, 1, 1, 1, true);
        d = cz_net_relu(net, d);
    }
    x = cz_net_conv2d(net, "out.conv", d, 2, 3, 1, 1, 1, true);
    nodes->output = cz_net_tanh(net, x);
    nodes->global_input = -1;
    nodes->classes = -1;
    nodes->logits = -1;
    (void)q;
    return cz_net_finalize(net, err);
}

const cz_arch cz_arch_residual = {
    .name = "residual",
    .output = CZ_OUTPUT_AB,
    .multiple = 8,
    .in_scale = 0.02f, .in_offset = -1.0f,
    .ab_scale = 1.0f / 110.0f, .ab_offset = 0.0f,
    .build = build,
    .adversarial = false,
};
