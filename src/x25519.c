/* x25519: implementation (RFC 7748: Montgomery ladder over GF(2^255 - 19)) */
#include "base.h"
#include "x25519.h"
#include "f25519.h"

#include <string.h>

typedef struct fmcp__x25519_tmp {
    fmcp__f25519 a, aa, b, bb, e, c, d, da, cb;
} fmcp__x25519_tmp;

/* One ladder step (RFC 7748 section 5): (x2:z2) doubles, (x3:z3) becomes
 * the sum, x1 being their known difference. t: the ladder's scratch, wiped
 * once at its end rather than every step. */
static void fmcp__x25519_step(fmcp__f25519 x2, fmcp__f25519 z2, fmcp__f25519 x3, fmcp__f25519 z3,
                              const fmcp__f25519 x1, fmcp__x25519_tmp *t)
{
    fmcp__f25519_add(t->a, x2, z2);
    fmcp__f25519_sqr(t->aa, t->a);
    fmcp__f25519_sub(t->b, x2, z2);
    fmcp__f25519_sqr(t->bb, t->b);
    fmcp__f25519_sub(t->e, t->aa, t->bb);
    fmcp__f25519_add(t->c, x3, z3);
    fmcp__f25519_sub(t->d, x3, z3);
    fmcp__f25519_mul(t->da, t->d, t->a);
    fmcp__f25519_mul(t->cb, t->c, t->b);
    fmcp__f25519_add(x3, t->da, t->cb);
    fmcp__f25519_sqr(x3, x3);
    fmcp__f25519_sub(z3, t->da, t->cb);
    fmcp__f25519_sqr(z3, z3);
    fmcp__f25519_mul(z3, z3, x1);
    fmcp__f25519_mul(x2, t->aa, t->bb);
    fmcp__f25519_mul_a24(z2, t->e);
    fmcp__f25519_add(z2, z2, t->aa);
    fmcp__f25519_mul(z2, t->e, z2);
}

/* out = k * u for a clamped little-endian k; 255 steps whatever k is. */
static void fmcp__x25519_ladder(uint8_t out[32], const uint8_t k[32], const uint8_t u[32])
{
    fmcp__f25519 x1, x2, z2, x3, z3;
    fmcp__x25519_tmp tmp;
    fmcp__f25519_limb swap = 0;
    int t;
    fmcp__f25519_frombytes(x1, u);
    memset(x2, 0, sizeof x2); x2[0] = 1;
    memset(z2, 0, sizeof z2);
    memcpy(x3, x1, sizeof x3);
    memset(z3, 0, sizeof z3); z3[0] = 1;
    for (t = 254; t >= 0; t--) {
        fmcp__f25519_limb bit = (fmcp__f25519_limb)((k[t >> 3] >> (t & 7)) & 1);
        swap ^= bit;
        fmcp__f25519_cswap(x2, x3, swap);
        fmcp__f25519_cswap(z2, z3, swap);
        swap = bit;
        fmcp__x25519_step(x2, z2, x3, z3, x1, &tmp);
    }
    fmcp__f25519_cswap(x2, x3, swap);
    fmcp__f25519_cswap(z2, z3, swap);
    fmcp__f25519_invert(z2, z2);
    fmcp__f25519_mul(x2, x2, z2);
    fmcp__f25519_tobytes(out, x2);
    fmcp_wipe(x2, sizeof x2); fmcp_wipe(z2, sizeof z2);
    fmcp_wipe(x3, sizeof x3); fmcp_wipe(z3, sizeof z3);
    fmcp_wipe(&tmp, sizeof tmp);
}

FASTMCP_API fmcp_result fmcp_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
    uint8_t k[32], r[32], any = 0;
    int i;
    if (!out || !scalar || !point) return FMCP_ERR_INVALID_ARG;
    memcpy(k, scalar, 32);
    k[0] &= 248; k[31] &= 127; k[31] |= 64;
    fmcp__x25519_ladder(r, k, point);
    for (i = 0; i < 32; i++) any |= r[i];
    memcpy(out, r, 32);
    fmcp_wipe(k, sizeof k); fmcp_wipe(r, sizeof r);
    return any ? FMCP_OK : FMCP_ERR_CRYPTO;   /* only "all zero" is revealed */
}

/* fmcp_x25519_base is in ed25519, next to the fixed-base table it uses. */
