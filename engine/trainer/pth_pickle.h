/* pth_pickle.h: the restricted unpickler of pth.h (pth_pickle.c). */
#ifndef CT_PTH_PICKLE_H
#define CT_PTH_PICKLE_H

#include "pth.h"

/* The bytes of storage key (NUL-terminated) of the archive. */
typedef cz_status (*ct_pickle_storage_fn)(void *ctx, const char *key, const unsigned char **data, size_t *size,
                                          cz_error *err);

/* Runs the restricted unpickler over pkl and returns the state dict's
 * tensors in *out (malloc'd, *n of them; names without "module."), their
 * data inside the storages storage() returns. */
cz_status ct_pickle_state_dict(const unsigned char *pkl, size_t len, ct_pickle_storage_fn storage, void *ctx,
                               ct_pth_tensor **out, size_t *n, cz_error *err);

#endif
