/* lab.h: CIE Lab as the engine uses it, through babl.
 * Lab here is babl's "CIE Lab float": relative to the D50 white of ICC's
 * profile connection space (L 0..100, a and b about -128..127), with
 * CIE 1976 formulas. The trainer and the plug-in both reach Lab through babl
 * by this path, so weights trained here see the plug-in's L exactly. Models
 * record "lab_white": "D50" in their metadata.
 * The published models of Zhang et al. were trained in skimage's Lab
 * instead (rgb2lab: sRGB, D65 white, no adaptation), which babl has not;
 * files marked "lab_white": "D65" are run in it by the D65 functions below,
 * this file's own formulas with skimage's constants.
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

/* The white a model's Lab is relative to (its file's "lab_white"). */
typedef enum {
    CZ_LAB_D50 = 0, /* babl's, the default */
    CZ_LAB_D65,     /* skimage's rgb2lab */
} cz_lab_white;

/* skimage's Lab (D65) of n pixels of linear sRGB ("RGB float" in babl's
 * sRGB space), interleaved: XYZ by the sRGB matrix, divided by the D65
 * white (0.95047, 1, 1.08883), CIE 1976 formulas. */
void cz_lab_d65_from_linear_srgb(float *lab, const float *rgb, size_t n);
/* Its inverse, unclipped (out-of-gamut colours give values beyond 0..1). */
void cz_lab_d65_to_linear_srgb(float *rgb, const float *lab, size_t n);
/* CIE L of a linear sRGB colour relative to D65 (only Y matters). */
float cz_lab_d65_L(float r, float g, float b);
/* Lab in D65 to babl's Lab (D50), in place on n interleaved pixels: the
 * same colour, through linear sRGB, so babl's Bradford adaptation of sRGB
 * to D50 is the one applied. */
void cz_lab_d65_to_d50(float *lab, size_t n);

#endif
