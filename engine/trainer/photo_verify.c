/* photo_verify.c: a strict decode of a JPEG or PNG from memory, pixels
 * thrown away, so that damage GEGL's loaders would let through (or exit on)
 * is a refusal with a reason (see photo.h). All state lives on the stack. */
#include "photo.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

typedef struct {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char *why;
    size_t n;
} jpeg_guard;

/* Errors, and the warnings of lost data (which libjpeg would fill with
 * gray), end the decode; the pools are freed by jpeg_destroy_decompress. */
static void jpeg_refuse(j_common_ptr c)
{
    jpeg_guard *g = (jpeg_guard *)c->err;
    char msg[JMSG_LENGTH_MAX];
    g->mgr.format_message(c, msg);
    snprintf(g->why, g->n, "corrupt JPEG (libjpeg: %s)", msg);
    longjmp(g->jump, 1);
}

/* A warning (level -1; 0 and up are traces) refuses the photo when it means
 * lost pixels. Others leave every pixel whole and are common in cameras' and
 * editors' files: stray bytes before a marker, an unknown JFIF revision or
 * Adobe transform, a bad ICC marker; GIMP opens those, and so do we. */
static void jpeg_on_message(j_common_ptr c, int level)
{
    if (level >= 0) return;
    switch (c->err->msg_code) {
    case JWRN_JPEG_EOF:          /* premature end of file */
    case JWRN_HIT_MARKER:        /* premature end of a data segment */
    case JWRN_MUST_RESYNC:       /* a restart marker lost */
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION: /* progressive scans that leave coefficients unset */
        jpeg_refuse(c);
        break;
    default:
        break;
    }
}

static void jpeg_on_progress(j_common_ptr c)
{
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->input_scan_number > CT_PHOTO_MAX_SCANS) {
        jpeg_guard *g = (jpeg_guard *)c->err;
        snprintf(g->why, g->n, "corrupt JPEG (more than %d scans)", CT_PHOTO_MAX_SCANS);
        longjmp(g->jump, 1);
    }
}

static bool jpeg_verify(const unsigned char *d, size_t size, const ct_photo_info *info,
                        char *why, size_t n)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress = {.progress_monitor = jpeg_on_progress};
    jpeg_guard g = {.why = why, .n = n};
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&g.mgr);
    g.mgr.error_exit = jpeg_refuse;
    g.mgr.emit_message = jpeg_on_message;
    if (setjmp(g.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, d, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width != (JDIMENSION)info->w || cinfo.image_height != (JDIMENSION)info->h) {
        snprintf(why, n, "corrupt JPEG (libjpeg reads %ux%u, the frame header %dx%d)",
                 cinfo.image_width, cinfo.image_height, info->w, info->h);
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    /* The same decode gegl:jpg-load runs (default output colour space). */
    jpeg_start_decompress(&cinfo);
    JSAMPARRAY row = cinfo.mem->alloc_sarray((j_common_ptr)&cinfo, JPOOL_IMAGE,
                                             cinfo.output_width * cinfo.output_components, 1);
    while (cinfo.output_scanline < cinfo.output_height) jpeg_read_scanlines(&cinfo, row, 1);
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

typedef struct {
    const unsigned char *d;
    size_t size, pos;
    char *why;
    size_t n;
    bool warned;
} png_source;

static void png_on_read(png_structp png, png_bytep out, size_t len)
{
    png_source *s = png_get_io_ptr(png);
    if (len > s->size - s->pos) png_error(png, "unexpected end of file");
    memcpy(out, s->d + s->pos, len);
    s->pos += len;
}

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_source *s = png_get_error_ptr(png);
    snprintf(s->why, s->n, "corrupt PNG (libpng: %s)", msg);
    png_longjmp(png, 1);
}

/* Warnings and benign errors (extra or missing data, bad CRCs in ancillary
 * chunks) refuse the photo, once the decode is over: libpng does not promise
 * to clean up after a jump from a warning. Complaints about colour metadata
 * are the exception: libpng drops the chunk for gegl:png-load too, and every
 * pixel is whole (skimage's page.png has such a profile). */
static void png_on_warning(png_structp png, png_const_charp msg)
{
    png_source *s = png_get_error_ptr(png);
    static const char *const colour[] = {"iCCP: ", "sRGB: ", "cHRM: ", "gAMA: "};
    for (size_t i = 0; i < sizeof colour / sizeof *colour; i++)
        if (strncmp(msg, colour[i], strlen(colour[i])) == 0) return;
    if (!s->warned) snprintf(s->why, s->n, "corrupt PNG (libpng: %s)", msg);
    s->warned = true;
}

static bool png_verify(const unsigned char *d, size_t size, const ct_photo_info *info,
                       char *why, size_t n)
{
    png_source src = {d, size, 0, why, n, false};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error,
                                             png_on_warning);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    if (!pi) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(why, n, "out of memory");
        return false;
    }
    unsigned char *volatile row = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(row);
        png_destroy_read_struct(&png, &pi, NULL);
        return false;
    }
    png_set_benign_errors(png, 1); /* as warnings, see png_on_warning */
    png_set_option(png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON); /* as gegl:png-load */
    png_set_read_fn(png, &src, png_on_read);
    png_read_info(png, pi);
    if (png_get_image_width(png, pi) != (png_uint_32)info->w ||
        png_get_image_height(png, pi) != (png_uint_32)info->h)
        png_error(png, "size differs from the IHDR chunk");
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, pi);
    row = malloc(png_get_rowbytes(png, pi));
    if (!row) png_error(png, "out of memory");
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < info->h; y++) png_read_row(png, row, NULL);
    png_read_end(png, NULL);
    free(row);
    png_destroy_read_struct(&png, &pi, NULL);
    return !src.warned;
}

bool ct_photo_verify(const unsigned char *d, size_t size, const ct_photo_info *info,
                     char *why, size_t n)
{
    switch (info->format) {
    case CT_PHOTO_JPEG: return jpeg_verify(d, size, info, why, n);
    case CT_PHOTO_PNG: return png_verify(d, size, info, why, n);
    case CT_PHOTO_TIFF:
    case CT_PHOTO_WEBP: return true;
    }
    return true;
}
