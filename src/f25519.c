/* f25519: implementation (arithmetic modulo p = 2^255 - 19, for x25519 and ed25519) */
#include "base.h"
#include "f25519.h"

#include <string.h>

/* Field elements are kept "loosely reduced": every function accepts limbs a
 * little above their nominal width (the bounds are noted where they matter)
 * and only fmcp__f25519_tobytes produces the canonical value. */

static uint64_t fmcp__f25519_load(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;
    for (i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)

/* ---- radix 2^51: five 64-bit limbs, 128-bit column sums ------------------ */

__extension__ typedef unsigned __int128 fmcp__f25519_u128; /* silences -Wpedantic */
typedef uint64_t fmcp__f25519_limb;
#define FMCP__F25519_N 5
#define FMCP__F25519_M (((uint64_t)1 << 51) - 1)

typedef fmcp__f25519_limb fmcp__f25519[FMCP__F25519_N];

/* 4p limb by limb: added before a subtraction so no limb goes negative. */
static const fmcp__f25519_limb fmcp__f25519_4p[5] = {
    0x1FFFFFFFFFFFB4u, 0x1FFFFFFFFFFFFCu, 0x1FFFFFFFFFFFFCu, 0x1FFFFFFFFFFFFCu, 0x1FFFFFFFFFFFFCu
};

static void fmcp__f25519_frombytes(fmcp__f25519 h, const uint8_t s[32])
{
    h[0] = fmcp__f25519_load(s, 8) & FMCP__F25519_M;
    h[1] = (fmcp__f25519_load(s + 6, 8) >> 3) & FMCP__F25519_M;
    h[2] = (fmcp__f25519_load(s + 12, 8) >> 6) & FMCP__F25519_M;
    h[3] = (fmcp__f25519_load(s + 19, 8) >> 1) & FMCP__F25519_M;
    h[4] = (fmcp__f25519_load(s + 24, 8) >> 12) & FMCP__F25519_M;   /* drops bit 255 */
}

/* Column sums (each < 2^115) to limbs < 2^51 (h[1] < 2^51 + 2^19);
 * 2^255 = 19 mod p folds the top carry back into h[0]. */
static void fmcp__f25519_reduce(fmcp__f25519 h, fmcp__f25519_u128 t0, fmcp__f25519_u128 t1,
                                fmcp__f25519_u128 t2, fmcp__f25519_u128 t3, fmcp__f25519_u128 t4)
{
    t1 += (uint64_t)(t0 >> 51);
    t2 += (uint64_t)(t1 >> 51);
    t3 += (uint64_t)(t2 >> 51);
    t4 += (uint64_t)(t3 >> 51);
    t0 = ((uint64_t)t0 & FMCP__F25519_M) + (fmcp__f25519_u128)19 * (uint64_t)(t4 >> 51);
    h[0] = (uint64_t)t0 & FMCP__F25519_M;
    h[1] = ((uint64_t)t1 & FMCP__F25519_M) + (uint64_t)(t0 >> 51);
    h[2] = (uint64_t)t2 & FMCP__F25519_M;
    h[3] = (uint64_t)t3 & FMCP__F25519_M;
    h[4] = (uint64_t)t4 & FMCP__F25519_M;
}

/* h = f * g; inputs below 2^54 per limb. h may alias f or g. */
static void fmcp__f25519_mul(fmcp__f25519 h, const fmcp__f25519 f, const fmcp__f25519 g)
{
    typedef fmcp__f25519_u128 W;
    uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
    uint64_t s1 = 19 * g1, s2 = 19 * g2, s3 = 19 * g3, s4 = 19 * g4;
    fmcp__f25519_reduce(h,
        (W)f0 * g0 + (W)f1 * s4 + (W)f2 * s3 + (W)f3 * s2 + (W)f4 * s1,
        (W)f0 * g1 + (W)f1 * g0 + (W)f2 * s4 + (W)f3 * s3 + (W)f4 * s2,
        (W)f0 * g2 + (W)f1 * g1 + (W)f2 * g0 + (W)f3 * s4 + (W)f4 * s3,
        (W)f0 * g3 + (W)f1 * g2 + (W)f2 * g1 + (W)f3 * g0 + (W)f4 * s4,
        (W)f0 * g4 + (W)f1 * g3 + (W)f2 * g2 + (W)f3 * g1 + (W)f4 * g0);
}

/* h = f^2: the symmetric products once, doubled. */
static void fmcp__f25519_sqr(fmcp__f25519 h, const fmcp__f25519 f)
{
    typedef fmcp__f25519_u128 W;
    uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    uint64_t d0 = 2 * f0, d1 = 2 * f1, d2 = 2 * f2, d3 = 2 * f3;
    uint64_t s3 = 19 * f3, s4 = 19 * f4;
    fmcp__f25519_reduce(h,
        (W)f0 * f0 + (W)d1 * s4 + (W)d2 * s3,
        (W)d0 * f1 + (W)d2 * s4 + (W)f3 * s3,
        (W)d0 * f2 + (W)f1 * f1 + (W)d3 * s4,
        (W)d0 * f3 + (W)d1 * f2 + (W)f4 * s4,
        (W)d0 * f4 + (W)d1 * f3 + (W)f2 * f2);
}

/* h = f * 121665, the curve constant (A - 2) / 4 of the ladder. */
static void fmcp__f25519_mul_a24(fmcp__f25519 h, const fmcp__f25519 f)
{
    typedef fmcp__f25519_u128 W;
    fmcp__f25519_reduce(h, (W)f[0] * 121665u, (W)f[1] * 121665u, (W)f[2] * 121665u,
                        (W)f[3] * 121665u, (W)f[4] * 121665u);
}

/* Carry f in place: limbs back to 51 bits (one a little more), value
 * unchanged mod p. For sums that would otherwise grow past mul's bound. */
static void fmcp__f25519_weak(fmcp__f25519 h)
{
    typedef fmcp__f25519_u128 W;
    fmcp__f25519_reduce(h, (W)h[0], (W)h[1], (W)h[2], (W)h[3], (W)h[4]);
}

/* h = f - g (plus 4p): limbs stay below 2^54 for reduced or summed inputs. */
static void fmcp__f25519_sub(fmcp__f25519 h, const fmcp__f25519 f, const fmcp__f25519 g)
{
    int i;
    for (i = 0; i < 5; i++) h[i] = f[i] + fmcp__f25519_4p[i] - g[i];
}

/* Canonical little-endian bytes: carry, then subtract p once if v >= p
 * (q is the carry out of v + 19, computed without a branch). */
static void fmcp__f25519_tobytes(uint8_t s[32], const fmcp__f25519 f)
{
    uint64_t h[5], q, w[4];
    int i;
    memcpy(h, f, sizeof h);
    for (i = 0; i < 4; i++) { h[i + 1] += h[i] >> 51; h[i] &= FMCP__F25519_M; }
    h[0] += 19 * (h[4] >> 51); h[4] &= FMCP__F25519_M;
    q = (h[0] + 19) >> 51;
    for (i = 1; i < 5; i++) q = (h[i] + q) >> 51;
    h[0] += 19 * q;
    for (i = 0; i < 4; i++) { h[i + 1] += h[i] >> 51; h[i] &= FMCP__F25519_M; }
    h[4] &= FMCP__F25519_M;                 /* drops q * 2^255 */
    w[0] = h[0] | (h[1] << 51);
    w[1] = (h[1] >> 13) | (h[2] << 38);
    w[2] = (h[2] >> 26) | (h[3] << 25);
    w[3] = (h[3] >> 39) | (h[4] << 12);
    for (i = 0; i < 32; i++) s[i] = (uint8_t)(w[i >> 3] >> (8 * (i & 7)));
    fmcp_wipe(h, sizeof h);
    fmcp_wipe(w, sizeof w);
}

#else

/* ---- radix 2^25.5: ten 32-bit limbs of 26, 25, 26, ... bits, 64-bit sums -- */

typedef uint32_t fmcp__f25519_limb;
#define FMCP__F25519_N 10

typedef fmcp__f25519_limb fmcp__f25519[FMCP__F25519_N];

#define FMCP__F25519_W(i) (26 - ((i) & 1))           /* width of limb i */

static const unsigned char fmcp__f25519_off[10] = { 0, 26, 51, 77, 102, 128, 153, 179, 204, 230 };

static void fmcp__f25519_frombytes(fmcp__f25519 h, const uint8_t s[32])
{
    int i;
    for (i = 0; i < 10; i++) {
        unsigned o = fmcp__f25519_off[i];
        uint64_t w = fmcp__f25519_load(s + o / 8, 4) >> (o % 8);
        h[i] = (uint32_t)(w & (((uint64_t)1 << FMCP__F25519_W(i)) - 1));   /* limb 9 drops bit 255 */
    }
}

/* Column sums (each < 2^63) to limbs of their width (h[1] a little more). */
static void fmcp__f25519_carry(fmcp__f25519 h, uint64_t *t)
{
    uint64_t c;
    int i;
    for (i = 0; i < 9; i++) {
        t[i + 1] += t[i] >> FMCP__F25519_W(i);
        h[i] = (uint32_t)(t[i] & (((uint64_t)1 << FMCP__F25519_W(i)) - 1));
    }
    h[9] = (uint32_t)(t[9] & 0x1FFFFFFu);
    c = (uint64_t)h[0] + 19 * (t[9] >> 25);
    h[0] = (uint32_t)(c & 0x3FFFFFFu);
    h[1] += (uint32_t)(c >> 26);
}

/* h = f * g; inputs below 2^27.1 per limb. Two odd limbs meet one bit
 * above their column (25.5-bit spacing), hence the doubling. */
static void fmcp__f25519_mul(fmcp__f25519 h, const fmcp__f25519 f, const fmcp__f25519 g)
{
    uint64_t t[19], gd[10];
    int i, j;
    memset(t, 0, sizeof t);
    for (j = 0; j < 10; j++) gd[j] = (uint64_t)g[j] << (j & 1);   /* g, odd limbs doubled */
    for (i = 0; i < 10; i += 2) {
        for (j = 0; j < 10; j++) t[i + j] += (uint64_t)f[i] * g[j];
        for (j = 0; j < 10; j++) t[i + 1 + j] += (uint64_t)f[i + 1] * gd[j];
    }
    for (i = 18; i >= 10; i--) t[i - 10] += 19 * t[i];
    fmcp__f25519_carry(h, t);
}

static void fmcp__f25519_sqr(fmcp__f25519 h, const fmcp__f25519 f)
{
    fmcp__f25519_mul(h, f, f);
}

static void fmcp__f25519_mul_a24(fmcp__f25519 h, const fmcp__f25519 f)
{
    uint64_t t[10];
    int i;
    for (i = 0; i < 10; i++) t[i] = (uint64_t)f[i] * 121665u;
    fmcp__f25519_carry(h, t);
}

static void fmcp__f25519_weak(fmcp__f25519 h)
{
    uint64_t t[10];
    int i;
    for (i = 0; i < 10; i++) t[i] = h[i];
    fmcp__f25519_carry(h, t);
}

/* h = f - g (plus 4p), carried so that products of differences fit. */
static void fmcp__f25519_sub(fmcp__f25519 h, const fmcp__f25519 f, const fmcp__f25519 g)
{
    uint64_t t[10];
    int i;
    for (i = 0; i < 10; i++) {
        uint64_t p4 = ((uint64_t)1 << (FMCP__F25519_W(i) + 2)) - (i ? 4 : 76);
        t[i] = (uint64_t)f[i] + p4 - g[i];
    }
    fmcp__f25519_carry(h, t);
}

static void fmcp__f25519_tobytes(uint8_t s[32], const fmcp__f25519 f)
{
    uint64_t t[10], q, acc = 0;
    fmcp__f25519 h;
    int i, bits = 0, k = 0;
    for (i = 0; i < 10; i++) t[i] = f[i];
    fmcp__f25519_carry(h, t);
    q = ((uint64_t)h[0] + 19) >> 26;
    for (i = 1; i < 10; i++) q = ((uint64_t)h[i] + q) >> FMCP__F25519_W(i);
    h[0] += (uint32_t)(19 * q);
    for (i = 0; i < 9; i++) {
        h[i + 1] += h[i] >> FMCP__F25519_W(i);
        h[i] &= ((uint32_t)1 << FMCP__F25519_W(i)) - 1;
    }
    h[9] &= 0x1FFFFFFu;                     /* drops q * 2^255 */
    for (i = 0; i < 10; i++) {
        acc |= (uint64_t)h[i] << bits;
        bits += FMCP__F25519_W(i);
        while (bits >= 8) { s[k++] = (uint8_t)acc; acc >>= 8; bits -= 8; }
    }
    s[31] = (uint8_t)acc;
    fmcp_wipe(t, sizeof t);
    fmcp_wipe(h, sizeof h);
}

#endif

/* ---- shared by both representations -------------------------------------- */

static void fmcp__f25519_add(fmcp__f25519 h, const fmcp__f25519 f, const fmcp__f25519 g)
{
    int i;
    for (i = 0; i < FMCP__F25519_N; i++) h[i] = f[i] + g[i];
}

/* Swap a and b when bit is 1, by mask: no branch on the secret bit. */
static void fmcp__f25519_cswap(fmcp__f25519 a, fmcp__f25519 b, fmcp__f25519_limb bit)
{
    fmcp__f25519_limb m = (fmcp__f25519_limb)0 - bit;
    int i;
    for (i = 0; i < FMCP__F25519_N; i++) {
        fmcp__f25519_limb t = m & (a[i] ^ b[i]);
        a[i] ^= t; b[i] ^= t;
    }
}

static void fmcp__f25519_sqr_n(fmcp__f25519 h, const fmcp__f25519 f, int n)
{
    fmcp__f25519_sqr(h, f);
    while (--n > 0) fmcp__f25519_sqr(h, h);
}

/* Condition-free move: f = g when bit is 1, f unchanged when 0 (bit is 0 or
 * 1; no branch or index depends on it). For constant-time table scans. */
static void fmcp__f25519_cmov(fmcp__f25519 f, const fmcp__f25519 g, fmcp__f25519_limb bit)
{
    fmcp__f25519_limb m = (fmcp__f25519_limb)0 - bit;
    int i;
    for (i = 0; i < FMCP__F25519_N; i++) f[i] ^= m & (f[i] ^ g[i]);
}

/* h = -f (as 4p - f; f must be below 4p limb by limb, i.e. reduced or one
 * sum of reduced values). */
static void fmcp__f25519_neg(fmcp__f25519 h, const fmcp__f25519 f)
{
    fmcp__f25519 zero;
    memset(zero, 0, sizeof zero);
    fmcp__f25519_sub(h, zero, f);
}

/* z^(2^250 - 1) into a and z^11 into z11: the common head of the two
 * exponentiations below. The exponent is public (fixed chain); 249
 * squarings and 10 multiplications. */
static void fmcp__f25519_pow250(fmcp__f25519 a, fmcp__f25519 z11, const fmcp__f25519 z)
{
    fmcp__f25519 z2, z9, b, c;
    fmcp__f25519_sqr(z2, z);                  /* z^2 */
    fmcp__f25519_sqr_n(a, z2, 2);             /* z^8 */
    fmcp__f25519_mul(z9, a, z);               /* z^9 */
    fmcp__f25519_mul(z11, z9, z2);            /* z^11 */
    fmcp__f25519_sqr(a, z11);                 /* z^22 */
    fmcp__f25519_mul(a, a, z9);               /* z^(2^5 - 1) */
    fmcp__f25519_sqr_n(b, a, 5);
    fmcp__f25519_mul(a, b, a);                /* z^(2^10 - 1) */
    fmcp__f25519_sqr_n(b, a, 10);
    fmcp__f25519_mul(b, b, a);                /* z^(2^20 - 1) */
    fmcp__f25519_sqr_n(c, b, 20);
    fmcp__f25519_mul(b, c, b);                /* z^(2^40 - 1) */
    fmcp__f25519_sqr_n(b, b, 10);
    fmcp__f25519_mul(a, b, a);                /* z^(2^50 - 1) */
    fmcp__f25519_sqr_n(b, a, 50);
    fmcp__f25519_mul(b, b, a);                /* z^(2^100 - 1) */
    fmcp__f25519_sqr_n(c, b, 100);
    fmcp__f25519_mul(b, c, b);                /* z^(2^200 - 1) */
    fmcp__f25519_sqr_n(b, b, 50);
    fmcp__f25519_mul(a, b, a);                /* z^(2^250 - 1) */
    fmcp_wipe(z2, sizeof z2); fmcp_wipe(z9, sizeof z9);
    fmcp_wipe(b, sizeof b); fmcp_wipe(c, sizeof c);
}

/* h = z^(p - 2) = 1/z (Fermat), p - 2 = 2^255 - 21: 254 squarings and 11
 * multiplications in all. h may alias z. */
static void fmcp__f25519_invert(fmcp__f25519 h, const fmcp__f25519 z)
{
    fmcp__f25519 a, z11;
    fmcp__f25519_pow250(a, z11, z);
    fmcp__f25519_sqr_n(a, a, 5);              /* z^(2^255 - 2^5) */
    fmcp__f25519_mul(h, a, z11);              /* z^(2^255 - 21) */
    fmcp_wipe(a, sizeof a); fmcp_wipe(z11, sizeof z11);
}

/* h = z^((p - 5) / 8) = z^(2^252 - 3), the core of the square root that
 * point decoding needs (RFC 8032 section 5.1.3). h may alias z. */
static void fmcp__f25519_pow22523(fmcp__f25519 h, const fmcp__f25519 z)
{
    fmcp__f25519 a, z11;
    fmcp__f25519_pow250(a, z11, z);
    fmcp__f25519_sqr_n(a, a, 2);              /* z^(2^252 - 4) */
    fmcp__f25519_mul(h, a, z);                /* z^(2^252 - 3) */
    fmcp_wipe(a, sizeof a); fmcp_wipe(z11, sizeof z11);
}
