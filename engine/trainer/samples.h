/* samples.h: the sample grid the trainer writes every N steps: k photos in
 * columns, rows "input" (L alone), "prediction" (the model's ab at T), and
 * "truth". Inputs are planar Lab at the model's size. */
#ifndef CT_SAMPLES_H
#define CT_SAMPLES_H

#include <stdbool.h>

#include "model.h"

/* L [k, S*S], ab [k, 2, S*S]. Returns false with why filled on failure. */
bool ct_samples_write(const char *path, cz_model *m, const float *L, const float *ab,
                      int k, int S, float temperature, const char *caption,
                      char *why, size_t n);

#endif
