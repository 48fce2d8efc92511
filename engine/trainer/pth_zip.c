/* pth_zip.c: a zip central-directory reader for PyTorch checkpoints (see
 * pth_zip.h). The archive is untrusted: every offset and length is checked
 * against the buffer before it is read, and sizes are added with overflow
 * checks. Only stored entries are read; torch writes nothing else. */
#include "pth_zip.h"

#include <stdlib.h>
#include <string.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Whether [off, off + n) lies inside size bytes. */
static bool inside(uint64_t off, uint64_t n, size_t size)
{
    return off <= size && n <= size - off;
}

bool ct_zip_sniff(const void *data, size_t size)
{
    return size >= 4 && le(data, 4) == SIG_LOCAL;
}

/* The end of central directory record: entry count, directory offset and
 * size, from the zip64 record when the classic one says 0xFFFF... */
static cz_status find_directory(const unsigned char *d, size_t size, uint64_t *count, uint64_t *off, uint64_t *len,
                                cz_error *err)
{
    if (size < 22) return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "too short for a zip archive");
    size_t lo = size > 22 + 65535 ? size - 22 - 65535 : 0, e = size - 22;
    for (;; e--) {
        if (le(d + e, 4) == SIG_EOCD && e + 22 + le(d + e + 20, 2) == size) break;
        if (e == lo) return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "no zip end of central directory (truncated?)");
    }
    *count = le(d + e + 10, 2);
    *len = le(d + e + 12, 4);
    *off = le(d + e + 16, 4);
    if (*count != 0xFFFF && *len != 0xFFFFFFFF && *off != 0xFFFFFFFF) return CZ_STATUS_OK;
    if (e < 20 || le(d + e - 20, 4) != SIG_LOCATOR64)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip64 archive without its locator");
    uint64_t r = le(d + e - 20 + 8, 8);
    if (!inside(r, 56, size) || le(d + r, 4) != SIG_EOCD64)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip64 end of central directory out of the file");
    *count = le(d + r + 32, 8);
    *len = le(d + r + 40, 8);
    *off = le(d + r + 48, 8);
    return CZ_STATUS_OK;
}

/* Replaces 0xFFFFFFFF sizes and offset by the zip64 extra field's, in its
 * order (uncompressed, compressed, local header offset). */
static cz_status zip64_extra(const unsigned char *x, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *loff,
                             cz_error *err)
{
    while (n >= 4) {
        size_t id = le(x, 2), len = le(x + 2, 2);
        if (len > n - 4) break;
        if (id == 1) {
            const unsigned char *p = x + 4, *end = p + len;
            uint64_t *fields[] = {usize, csize, loff};
            for (int i = 0; i < 3; i++) {
                if (*fields[i] != 0xFFFFFFFF) continue;
                if (end - p < 8) return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "short zip64 extra field");
                *fields[i] = le(p, 8);
                p += 8;
            }
            return CZ_STATUS_OK;
        }
        x += 4 + len;
        n -= 4 + len;
    }
    return CZ_STATUS_OK;
}

cz_status ct_zip_open(ct_zip *z, const void *data, size_t size, cz_error *err)
{
    const unsigned char *d = data;
    memset(z, 0, sizeof *z);
    uint64_t count = 0, off = 0, len = 0;
    cz_status st = find_directory(d, size, &count, &off, &len, err);
    if (st) return st;
    if (!inside(off, len, size) || count > len / 46)
        return cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip central directory out of the file");
    z->entries = calloc(count ? count : 1, sizeof *z->entries);
    if (!z->entries) return cz_error_set(err, CZ_STATUS_OUT_OF_MEMORY, "out of memory for the zip directory");
    uint64_t p = off, end = off + len;
    for (uint64_t i = 0; i < count; i++) {
        if (!inside(p, 46, end) || le(d + p, 4) != SIG_CENTRAL) {
            st = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip central directory entry %llu damaged",
                              (unsigned long long)i);
            break;
        }
        const unsigned char *c = d + p;
        uint64_t csize = le(c + 20, 4), usize = le(c + 24, 4), loff = le(c + 42, 4);
        size_t nlen = le(c + 28, 2), xlen = le(c + 30, 2), clen = le(c + 32, 2);
        if (!inside(p + 46, (uint64_t)nlen + xlen + clen, end)) {
            st = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip central directory entry %llu out of the directory",
                              (unsigned long long)i);
            break;
        }
        if ((st = zip64_extra(c + 46 + nlen, xlen, &usize, &csize, &loff, err))) break;
        ct_zip_entry *e = &z->entries[z->n];
        e->name = (const char *)c + 46;
        e->name_len = nlen;
        e->method = (int)le(c + 10, 2);
        e->encrypted = le(c + 8, 2) & 1;
        if (!inside(loff, 30, size) || le(d + loff, 4) != SIG_LOCAL) {
            st = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip entry '%.*s': local header out of the file",
                              (int)(nlen > 200 ? 200 : nlen), e->name);
            break;
        }
        uint64_t start = loff + 30 + le(d + loff + 26, 2) + le(d + loff + 28, 2);
        if (!inside(start, csize, size) || (e->method == 0 && csize != usize)) {
            st = cz_error_set(err, CZ_STATUS_FORMAT_ERROR, "zip entry '%.*s' runs past the end of the file (truncated?)",
                              (int)(nlen > 200 ? 200 : nlen), e->name);
            break;
        }
        e->data = d + start;
        e->size = csize;
        z->n++;
        p += 46 + nlen + xlen + clen;
    }
    if (st) ct_zip_close(z);
    return st;
}

void ct_zip_close(ct_zip *z)
{
    free(z->entries);
    z->entries = NULL;
    z->n = 0;
}

const ct_zip_entry *ct_zip_find(const ct_zip *z, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < z->n; i++)
        if (z->entries[i].name_len == n && !memcmp(z->entries[i].name, name, n)) return &z->entries[i];
    return NULL;
}

cz_status ct_zip_entry_bytes(const ct_zip_entry *e, const unsigned char **data, size_t *size, cz_error *err)
{
    int n = (int)(e->name_len > 200 ? 200 : e->name_len);
    if (e->encrypted)
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED, "zip entry '%.*s' is encrypted", n, e->name);
    if (e->method != 0)
        return cz_error_set(err, CZ_STATUS_UNSUPPORTED,
                            "zip entry '%.*s' is compressed (method %d); torch.save stores entries uncompressed: "
                            "re-save the checkpoint with torch.save, or unzip and re-zip it with 'zip -0'",
                            n, e->name, e->method);
    *data = e->data;
    *size = e->size;
    return CZ_STATUS_OK;
}
