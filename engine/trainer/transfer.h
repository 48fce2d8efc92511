/* transfer.h: a new hints net (SIGGRAPH17) starts from a trained colorful
 * model (ECCV16) of the same width where their layers correspond, to save
 * CPU-hours: the two share their trunk (conv1-conv7; ECCV16's stride-2 convs
 * are SIGGRAPH17's stride-1 convs followed by its subsampling, the same
 * weights), conv8's upsampling and convs, and the class head for the bins
 * colorful has. What has no counterpart keeps its fresh initialisation: the
 * hint channels of the first conv (zero, so with no hints the trunk sees
 * what colorful saw), the shortcuts, conv9, conv10, conv8's batch norm and
 * the regression head. */
#ifndef CT_TRANSFER_H
#define CT_TRANSFER_H

#include "model.h"

/* Copies from into hints (both at the same width); the prior and
 * rebalancing weights too. Returns the number of tensors taken in *taken. */
cz_status ct_transfer_colorful_to_hints(cz_model *hints, cz_model *from, int *taken, cz_error *err);

#endif
