/* fusion.h: the global fusion layer of Iizuka et al. (2016): a global
 * feature vector v [N, Cv] is tiled over H x W and concatenated after the
 * local features a [N, Ca, hw]: out [N, Ca + Cv, hw]. The learned 1x1
 * convolution that follows is an ordinary conv2d. Backward accumulates
 * (+=); dv sums over the hw positions. */
#ifndef CZ_FUSION_H
#define CZ_FUSION_H

void cz_fusion_forward(float *out, const float *a, int ca, const float *v,
                       int cv, int n, int hw);
void cz_fusion_backward(float *da, float *dv, const float *dout, int ca, int cv,
                        int n, int hw);

#endif
