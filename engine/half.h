/* half.h: float32 to and from the 16-bit float formats a model file may
 * hold: IEEE half (F16: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16
 * (BF16: the top 16 bits of a float32). Narrowing rounds to nearest even;
 * NaNs stay (quiet) NaNs, overflow becomes infinity. */
#ifndef CZ_HALF_H
#define CZ_HALF_H

#include <stdint.h>

uint16_t cz_f32_to_f16(float f);
float cz_f16_to_f32(uint16_t h);
uint16_t cz_f32_to_bf16(float f);
float cz_bf16_to_f32(uint16_t h);

#endif
