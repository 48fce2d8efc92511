/* pth_zip.h: the few zip features a PyTorch checkpoint uses (pth_zip.c):
 * the central directory (zip64 too) and stored, unencrypted entries. */
#ifndef CT_PTH_ZIP_H
#define CT_PTH_ZIP_H

#include "cz.h"

typedef struct {
    const char *name; /* not NUL-terminated */
    size_t name_len;
    const unsigned char *data; /* inside the archive, checked */
    size_t size;
    int method;     /* 0 stored; anything else is refused when read */
    bool encrypted; /* refused when read */
} ct_zip_entry;

typedef struct {
    ct_zip_entry *entries;
    size_t n;
} ct_zip;

/* Whether data starts like a zip archive (a local file header). */
bool ct_zip_sniff(const void *data, size_t size);
/* Reads the central directory of data (size bytes, caller-owned); every
 * entry's local header and extent are checked against the buffer. */
cz_status ct_zip_open(ct_zip *z, const void *data, size_t size, cz_error *err);
void ct_zip_close(ct_zip *z);
/* The entry called name (NUL-terminated), or NULL. */
const ct_zip_entry *ct_zip_find(const ct_zip *z, const char *name);
/* The bytes of e; an entry not stored as is (compressed or encrypted) is
 * CZ_STATUS_UNSUPPORTED with a message naming it. */
cz_status ct_zip_entry_bytes(const ct_zip_entry *e, const unsigned char **data, size_t *size, cz_error *err);

#endif
