/* lab.h: CIE Lab as the engine uses it, through babl.
 * Lab here is babl's "CIE Lab float": relative to the D50 white of ICC's
 * profile connection space (L 0..100, a and b about -128..127), with
 * CIE 1976 formulas. The trainer and the plug-in both reach Lab through babl
 * by this path, so weights trained here see the plug-in's L exactly. Models
 * record "lab_white": "D50" in their metadata.
 * cz_lab_init must be called once (it calls babl_init; babl is reference
 * counted, so pairing it with cz_lab_exit is safe beside GEGL). */
#ifndef CZ_LAB_H
#define CZ_LAB_H

#include <stddef.h>

void cz_lab_init(void);
void cz_lab_exit(void);

/* n pixels, interleaved. rgb is non-linear sRGB ("R'G'B' float", 0..1). */
void cz_lab_from_srgb(float *lab, const float *rgb, size_t n);
/* Out-of-gamut results are clipped to 0..1. */
void cz_lab_to_srgb(float *rgb, const float *lab, size_t n);
/* Same without clipping, to decide gamut membership. */
void cz_lab_to_srgb_unclipped(float *rgb, const float *lab, size_t n);

#endif
