/* pth.h: the tensors of a PyTorch checkpoint (torch.save of a state_dict),
 * read without Python and without running anything the file says.
 *
 * It lives in the trainer, not the engine: only `corolization-train import`
 * reads .pth files, so the plug-in never links a parser of pickles.
 *
 * Accepted: torch >= 1.6's zip format (pth_zip.c: "<dir>/data.pkl" and its
 * storages "<dir>/data/<key>", stored uncompressed, as torch writes them),
 * whose pickle (pth_pickle.c) may only build dicts, lists, tuples, numbers,
 * strings, booleans and None, call collections.OrderedDict and
 * torch._utils._rebuild_tensor_v2 / _rebuild_parameter, and name the storage
 * types torch.FloatStorage, torch.HalfStorage and torch.LongStorage (the
 * batch norms' num_batches_tracked). Any other global or call, and any
 * opcode outside that set, is refused with a message naming it. The state
 * dict is the top-level dict or, when that holds one under "state_dict" or
 * "model", that one; a "module." prefix (DataParallel) is dropped. Tensors
 * must be contiguous, their extent inside their storage. The pre-1.6
 * format (a bare pickle stream) is refused with a message saying so. */
#ifndef CT_PTH_H
#define CT_PTH_H

#include "cz.h"
#include "dtype.h"

#define CT_PTH_MAX_DIMS 8

typedef struct {
    char name[128];
    cz_dtype dtype; /* F32, F16 or I64 */
    int ndim;
    int64_t shape[CT_PTH_MAX_DIMS];
    size_t count;     /* product of shape */
    const void *data; /* count elements inside the file; may be unaligned */
} ct_pth_tensor;

typedef struct ct_pth ct_pth; /* opaque */

/* Maps and parses path; NULL with a message naming it on any error. */
ct_pth *ct_pth_open(const char *path, cz_error *err);
/* The same over a caller-owned buffer that must outlive the result. */
ct_pth *ct_pth_open_memory(const void *data, size_t size, cz_error *err);
void ct_pth_close(ct_pth *p);

size_t ct_pth_count(const ct_pth *p);
const ct_pth_tensor *ct_pth_get(const ct_pth *p, size_t i);

#endif
