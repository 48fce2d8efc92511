/* half.c: float32 <-> IEEE half and bfloat16 on the bit patterns (see
 * half.h); the one float operation, a subnormal half's m * 2^-24, is exact. */
#include "half.h"

#include <string.h>

static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

uint16_t cz_f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) /* NaN: keep the top payload bits, force quiet */
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) /* >= 65520 rounds (ties to even) to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) { /* below 2^-14: subnormal half or zero */
        uint32_t e = ax >> 23;
        if (e < 102) return (uint16_t)sign; /* <= 2^-25: rounds to 0 */
        uint32_t mant = (ax & 0x7fffffu) | 0x800000u;
        uint32_t s = 126 - e; /* 14..24: float units -> 2^-24 units */
        uint32_t r = mant >> s, rem = mant & ((1u << s) - 1), half = 1u << (s - 1);
        if (rem > half || (rem == half && (r & 1))) r++; /* may carry to 0x400 */
        return (uint16_t)(sign | r);
    }
    /* Normal: rebias the exponent, round the 13 dropped bits to even; a
     * mantissa carry moves into the exponent, which is the right result. */
    return (uint16_t)(sign | ((ax - 0x38000000u + 0xfffu + ((ax >> 13) & 1)) >> 13));
}

float cz_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) { /* zero or subnormal: m * 2^-24 is exact in float */
        float v = (float)m * 0x1p-24f;
        return bits_f32(sign | f32_bits(v));
    }
    if (e == 31) return bits_f32(sign | 0x7f800000u | (m << 13));
    return bits_f32(sign | ((e + 112) << 23) | (m << 13));
}

uint16_t cz_f32_to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

float cz_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }
