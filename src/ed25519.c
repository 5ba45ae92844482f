/* ed25519: implementation (RFC 8032 Ed25519 over the twisted Edwards curve
 * -x^2 + y^2 = 1 + d x^2 y^2 mod 2^255 - 19, extended coordinates) */
#include "base.h"
#include "sha512.h"
#include "f25519.h"
#include "ed25519.h"
#include "x25519.h"

#include <string.h>

/* ---- constants (little-endian field elements) ---------------------------- */

/* d = -121665 / 121666 and 2d */
static const uint8_t fmcp__ed_d[32] = {
    0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
    0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52
};
static const uint8_t fmcp__ed_d2[32] = {
    0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00,
    0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24
};
/* sqrt(-1) = 2^((p - 1) / 4) */
static const uint8_t fmcp__ed_sqrtm1[32] = {
    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
    0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b
};
/* the base point B: y = 4/5, x the even root */
static const uint8_t fmcp__ed_bx[32] = {
    0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
    0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21
};
static const uint8_t fmcp__ed_by[32] = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
};

/* ---- scalars mod L = 2^252 + 27742317777372353535851937790883648493 -------
 * 32-bit limbs, least significant first; products in 64 bits, so one code
 * path serves both field representations. Reduction is Barrett's (HAC
 * 14.42, base 2^32, k = 8): fixed loops and masked final subtractions. */

static const uint32_t fmcp__ed_l[8] = {
    0x5cf5d3edu, 0x5812631au, 0xa2f79cd6u, 0x14def9deu, 0, 0, 0, 0x10000000u
};
/* mu = floor(2^512 / L), 260 bits */
static const uint32_t fmcp__ed_mu[9] = {
    0x0a2c131bu, 0xed9ce5a3u, 0x086329a7u, 0x2106215du, 0xffffffebu,
    0xffffffffu, 0xffffffffu, 0xffffffffu, 0x0000000fu
};

/* r[0 .. an + bn) = a * b */
static void fmcp__sc_mul(uint32_t *r, const uint32_t *a, int an, const uint32_t *b, int bn)
{
    int i, j;
    for (i = 0; i < an + bn; i++) r[i] = 0;
    for (i = 0; i < an; i++) {
        uint64_t c = 0;
        for (j = 0; j < bn; j++) {
            c += (uint64_t)a[i] * b[j] + r[i + j];
            r[i + j] = (uint32_t)c;
            c >>= 32;
        }
        r[i + bn] = (uint32_t)c;
    }
}

/* r (9 limbs, value below 2L + 2^288 wrap handled) minus L when r >= L, by mask. */
static void fmcp__sc_csub(uint32_t r[9])
{
    uint32_t t[9], mask;
    uint64_t borrow = 0;
    int i;
    for (i = 0; i < 9; i++) {
        uint64_t d = (uint64_t)r[i] - (i < 8 ? fmcp__ed_l[i] : 0) - borrow;
        t[i] = (uint32_t)d;
        borrow = (d >> 32) & 1;
    }
    mask = (uint32_t)0 - (uint32_t)(1 - borrow);       /* all ones when r >= L */
    for (i = 0; i < 9; i++) r[i] ^= mask & (r[i] ^ t[i]);
}

/* out = x mod L for a 512-bit x (16 limbs), as 32 little-endian bytes. */
static void fmcp__sc_reduce(uint8_t out[32], const uint32_t x[16])
{
    uint32_t q2[18], r2[17], r[9];
    uint64_t borrow = 0;
    int i;
    fmcp__sc_mul(q2, x + 7, 9, fmcp__ed_mu, 9);          /* q1 * mu; q3 = q2[9..17] */
    fmcp__sc_mul(r2, q2 + 9, 9, fmcp__ed_l, 8);          /* q3 * L, low 9 limbs used */
    for (i = 0; i < 9; i++) {                            /* r = x - q3 L mod 2^288 */
        uint64_t d = (uint64_t)x[i] - r2[i] - borrow;
        r[i] = (uint32_t)d;
        borrow = (d >> 32) & 1;
    }
    fmcp__sc_csub(r);                                    /* r < 3L, so twice */
    fmcp__sc_csub(r);
    for (i = 0; i < 32; i++) out[i] = (uint8_t)(r[i >> 2] >> (8 * (i & 3)));
    fmcp_wipe(q2, sizeof q2); fmcp_wipe(r2, sizeof r2); fmcp_wipe(r, sizeof r);
}

static void fmcp__sc_load(uint32_t *r, const uint8_t *s, int nlimbs)
{
    int i;
    for (i = 0; i < nlimbs; i++)
        r[i] = (uint32_t)s[4 * i] | ((uint32_t)s[4 * i + 1] << 8) |
               ((uint32_t)s[4 * i + 2] << 16) | ((uint32_t)s[4 * i + 3] << 24);
}

/* out = (a * b + c) mod L; a, b, c little-endian 32-byte values. */
static void fmcp__sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32],
                            const uint8_t c[32])
{
    uint32_t al[8], bl[8], cl[8], x[16];
    uint64_t carry = 0;
    int i;
    fmcp__sc_load(al, a, 8); fmcp__sc_load(bl, b, 8); fmcp__sc_load(cl, c, 8);
    fmcp__sc_mul(x, al, 8, bl, 8);                       /* < 2^508: room for + c */
    for (i = 0; i < 16; i++) {
        carry += (uint64_t)x[i] + (i < 8 ? cl[i] : 0);
        x[i] = (uint32_t)carry;
        carry >>= 32;
    }
    fmcp__sc_reduce(out, x);
    fmcp_wipe(al, sizeof al); fmcp_wipe(bl, sizeof bl); fmcp_wipe(cl, sizeof cl);
    fmcp_wipe(x, sizeof x);
}

/* A SHA-512 digest taken as a little-endian integer mod L. */
static void fmcp__sc_from_hash(uint8_t out[32], const uint8_t h[64])
{
    uint32_t x[16];
    fmcp__sc_load(x, h, 16);
    fmcp__sc_reduce(out, x);
    fmcp_wipe(x, sizeof x);
}

/* 1 when s (32 bytes) < L. Variable time: S of a signature is public. */
static int fmcp__sc_is_canonical(const uint8_t s[32])
{
    uint32_t v[8];
    int i;
    fmcp__sc_load(v, s, 8);
    for (i = 7; i >= 0; i--) {
        if (v[i] != fmcp__ed_l[i]) return v[i] < fmcp__ed_l[i];
    }
    return 0;
}

/* ---- points ---------------------------------------------------------------
 * p3: extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, x*y = T/Z.
 * cached: a point ready to be added: (Y+X, Y-X, 2Z, 2dT).
 * The formulas are the unified ones of Hisil, Wong, Carter and Dawson
 * (2008) for a = -1, complete on this curve, identity included. Inputs to
 * every product stay within the field code's limb bounds: coordinates are
 * products (reduced), and the one sum that could grow is carried. */

typedef struct fmcp__ed_p3 { fmcp__f25519 x, y, z, t; } fmcp__ed_p3;
typedef struct fmcp__ed_cached { fmcp__f25519 ypx, ymx, z2, t2d; } fmcp__ed_cached;

static void fmcp__ed_fe_load(fmcp__f25519 h, const uint8_t s[32])
{
    fmcp__f25519_frombytes(h, s);
}

static void fmcp__ed_fe_one(fmcp__f25519 h)
{
    memset(h, 0, sizeof(fmcp__f25519));
    h[0] = 1;
}

static void fmcp__ed_identity(fmcp__ed_p3 *p)
{
    memset(p->x, 0, sizeof p->x);
    fmcp__ed_fe_one(p->y);
    fmcp__ed_fe_one(p->z);
    memset(p->t, 0, sizeof p->t);
}

static void fmcp__ed_to_cached(fmcp__ed_cached *c, const fmcp__ed_p3 *p)
{
    fmcp__f25519 d2;
    fmcp__ed_fe_load(d2, fmcp__ed_d2);
    fmcp__f25519_add(c->ypx, p->y, p->x);
    fmcp__f25519_sub(c->ymx, p->y, p->x);
    fmcp__f25519_add(c->z2, p->z, p->z);
    fmcp__f25519_mul(c->t2d, p->t, d2);
}

/* r = p + q (r may alias p). */
static void fmcp__ed_add(fmcp__ed_p3 *r, const fmcp__ed_p3 *p, const fmcp__ed_cached *q)
{
    fmcp__f25519 a, b, c, d, e, f, g, h;
    fmcp__f25519_sub(a, p->y, p->x);
    fmcp__f25519_mul(a, a, q->ymx);
    fmcp__f25519_add(b, p->y, p->x);
    fmcp__f25519_mul(b, b, q->ypx);
    fmcp__f25519_mul(c, p->t, q->t2d);
    fmcp__f25519_mul(d, p->z, q->z2);
    fmcp__f25519_sub(e, b, a);
    fmcp__f25519_sub(f, d, c);
    fmcp__f25519_add(g, d, c);
    fmcp__f25519_add(h, b, a);
    fmcp__f25519_mul(r->x, e, f);
    fmcp__f25519_mul(r->y, g, h);
    fmcp__f25519_mul(r->t, e, h);
    fmcp__f25519_mul(r->z, f, g);
}

/* r = 2p (r may alias p). With a = -1 every intermediate is negated, which
 * the four products cancel. Doubling never reads T, so T is computed only
 * when an addition comes next (want_t; a public choice, never secret). */
static void fmcp__ed_dbl_t(fmcp__ed_p3 *r, const fmcp__ed_p3 *p, int want_t)
{
    fmcp__f25519 a, b, c, e, f, g, h;
    fmcp__f25519_sqr(a, p->x);
    fmcp__f25519_sqr(b, p->y);
    fmcp__f25519_sqr(c, p->z);
    fmcp__f25519_add(c, c, c);                          /* 2 Z^2 */
    fmcp__f25519_add(h, a, b);                          /* A + B */
    fmcp__f25519_add(e, p->x, p->y);
    fmcp__f25519_sqr(e, e);
    fmcp__f25519_sub(e, h, e);                          /* A + B - (X + Y)^2 */
    fmcp__f25519_sub(g, a, b);                          /* A - B */
    fmcp__f25519_add(f, c, g);
    fmcp__f25519_weak(f);                               /* a sum of a difference */
    fmcp__f25519_mul(r->x, e, f);
    fmcp__f25519_mul(r->y, g, h);
    if (want_t) fmcp__f25519_mul(r->t, e, h);
    fmcp__f25519_mul(r->z, f, g);
}

static void fmcp__ed_dbl(fmcp__ed_p3 *r, const fmcp__ed_p3 *p)
{
    fmcp__ed_dbl_t(r, p, 1);
}

static void fmcp__ed_neg_cached(fmcp__ed_cached *c)
{
    fmcp__f25519 t;
    memcpy(t, c->ypx, sizeof t);
    memcpy(c->ypx, c->ymx, sizeof t);
    memcpy(c->ymx, t, sizeof t);
    fmcp__f25519_neg(c->t2d, c->t2d);
}

/* 1 when the canonical encoding of f is all zeros. */
static int fmcp__ed_fe_is_zero(const fmcp__f25519 f)
{
    uint8_t s[32], any = 0;
    int i;
    fmcp__f25519_tobytes(s, f);
    for (i = 0; i < 32; i++) any |= s[i];
    return any == 0;
}

/* Canonical encoding: y with the low bit of x in bit 255. */
static void fmcp__ed_encode(uint8_t out[32], const fmcp__ed_p3 *p)
{
    fmcp__f25519 zi, x, y;
    uint8_t xs[32];
    fmcp__f25519_invert(zi, p->z);
    fmcp__f25519_mul(x, p->x, zi);
    fmcp__f25519_mul(y, p->y, zi);
    fmcp__f25519_tobytes(out, y);
    fmcp__f25519_tobytes(xs, x);
    out[31] |= (uint8_t)((xs[0] & 1) << 7);
    fmcp_wipe(zi, sizeof zi); fmcp_wipe(x, sizeof x); fmcp_wipe(y, sizeof y);
    fmcp_wipe(xs, sizeof xs);
}

/* 1 when the 255-bit y of an encoding is below p (canonical). */
static int fmcp__ed_y_canonical(const uint8_t s[32])
{
    int i;
    if ((s[31] & 0x7f) != 0x7f) return 1;
    for (i = 30; i >= 1; i--) if (s[i] != 0xff) return 1;
    return s[0] < 0xed;
}

/* RFC 8032 5.1.3 (variable time: for public keys). Returns 0 and fills p,
 * or -1 for y >= p, no square root, or x = 0 with the sign bit set. */
static int fmcp__ed_decode(fmcp__ed_p3 *p, const uint8_t s[32])
{
    fmcp__f25519 u, v, v3, t, one, d, chk;
    uint8_t xs[32];
    int sign = s[31] >> 7;
    if (!fmcp__ed_y_canonical(s)) return -1;
    fmcp__ed_fe_load(p->y, s);
    fmcp__ed_fe_one(one);
    fmcp__ed_fe_load(d, fmcp__ed_d);
    fmcp__f25519_sqr(u, p->y);
    fmcp__f25519_mul(v, u, d);
    fmcp__f25519_sub(u, u, one);                        /* u = y^2 - 1 */
    fmcp__f25519_weak(u);                               /* it is subtracted below */
    fmcp__f25519_add(v, v, one);                        /* v = d y^2 + 1 */
    fmcp__f25519_sqr(v3, v);
    fmcp__f25519_mul(v3, v3, v);                        /* v^3 */
    fmcp__f25519_sqr(t, v3);
    fmcp__f25519_mul(t, t, v);                          /* v^7 */
    fmcp__f25519_mul(t, t, u);
    fmcp__f25519_pow22523(t, t);                        /* (u v^7)^((p-5)/8) */
    fmcp__f25519_mul(t, t, v3);
    fmcp__f25519_mul(p->x, t, u);                       /* candidate x */
    fmcp__f25519_sqr(t, p->x);
    fmcp__f25519_mul(t, t, v);                          /* v x^2 */
    fmcp__f25519_sub(chk, t, u);
    if (!fmcp__ed_fe_is_zero(chk)) {
        fmcp__f25519_add(chk, t, u);
        if (!fmcp__ed_fe_is_zero(chk)) return -1;       /* u/v is not a square */
        fmcp__ed_fe_load(t, fmcp__ed_sqrtm1);
        fmcp__f25519_mul(p->x, p->x, t);
    }
    fmcp__f25519_tobytes(xs, p->x);
    if (fmcp__ed_fe_is_zero(p->x) && sign) return -1;
    if ((xs[0] & 1) != sign) fmcp__f25519_neg(p->x, p->x);
    fmcp__f25519_weak(p->x);
    fmcp__ed_fe_one(p->z);
    fmcp__f25519_mul(p->t, p->x, p->y);
    return 0;
}

/* 1 when [8]p is the identity: p has small order. Public points only. */
static int fmcp__ed_small_order(const fmcp__ed_p3 *p)
{
    fmcp__ed_p3 q;
    fmcp__ed_dbl_t(&q, p, 0);
    fmcp__ed_dbl_t(&q, &q, 0);
    fmcp__ed_dbl_t(&q, &q, 0);
    return fmcp__ed_fe_is_zero(q.x);   /* x = 0: identity ((0, -1) has order 2, not 8L) */
}

static void fmcp__ed_base(fmcp__ed_p3 *b)
{
    fmcp__ed_fe_load(b->x, fmcp__ed_bx);
    fmcp__ed_fe_load(b->y, fmcp__ed_by);
    fmcp__ed_fe_one(b->z);
    fmcp__f25519_mul(b->t, b->x, b->y);
}

/* ---- constant-time [k]B ---------------------------------------------------- */

/* v, hidden from the optimiser: clang recognises a 0/1 flag turned into a
 * mask and compiles the masked select into a branch (seen under valgrind
 * with the seed marked secret); an empty asm makes the value opaque. */
static uint32_t fmcp__ed_opaque(uint32_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(v));
#endif
    return v;
}

/* 1 when a == b, for small non-negative ints, without a branch. */
static uint32_t fmcp__ed_eq(unsigned a, unsigned b)
{
    uint32_t x = (uint32_t)(a ^ b);
    return fmcp__ed_opaque(((x | (0u - x)) >> 31) ^ 1u);
}

/* Multiples of B for the fixed-base multiplication: btab[j][t] = (t + 1)
 * 2^(64 j) B in affine form (y + x, y - x, 2 d x y), each coordinate as four
 * little-endian 64-bit words (computed once, offline, from B and d). */
static const uint64_t fmcp__ed_btab[4][8][3][4] = {
  { /* (t + 1) 2^0 B */
    { { 0x2fbc93c6f58c3b85u, 0xcf932dc6fb8c0e19u, 0x270b4898643d42c2u, 0x07cf9d3a33d4ba65u },
      { 0x9d103905d740913eu, 0xfd399f05d140beb3u, 0xa5c18434688f8a09u, 0x44fd2f9298f81267u },
      { 0xabc91205877aaa68u, 0x26d9e823ccaac49eu, 0x5a1b7dcbdd43598cu, 0x6f117b689f0c65a8u } },
    { { 0x9224e7fc933c71d7u, 0x9f469d967a0ff5b5u, 0x5aa69a65e1d60702u, 0x590c063fa87d2e2eu },
      { 0x8a99a56042b4d5a8u, 0x8f2b810c4e60acf6u, 0xe09e236bb16e37aau, 0x6bb595a669c92555u },
      { 0x43faa8b3a59b7a5fu, 0x36c16bdd5d9acf78u, 0x500fa0840b3d6a31u, 0x701af5b13ea50b73u } },
    { { 0xaf25b0a84cee9730u, 0x025a8430e8864b8au, 0xc11b50029f016732u, 0x7a164e1b9a80f8f4u },
      { 0x56611fe8a4fcd265u, 0x3bd353fde5c1ba7du, 0x8131f31a214bd6bdu, 0x2ab91587555bda62u },
      { 0x14ae933f0dd0d889u, 0x589423221c35da62u, 0xd170e5458cf2db4cu, 0x5a2826af12b9b4c6u } },
    { { 0x287351b98efc099fu, 0x6765c6f47dfd2538u, 0xca348d3dfb0a9265u, 0x680e910321e58727u },
      { 0x95fe050a056818bfu, 0x327e89715660faa9u, 0xc3e8e3cd06a05073u, 0x27933f4c7445a49au },
      { 0x5a13fbe9c476ff09u, 0x6e9e39457b5cc172u, 0x5ddbdcf9102b4494u, 0x7f9d0cbf63553e2bu } },
    { { 0xa212bc4408a5bb33u, 0x8d5048c3c75eed02u, 0xdd1beb0c5abfec44u, 0x2945ccf146e206ebu },
      { 0x7f9182c3a447d6bau, 0xd50014d14b2729b7u, 0xe33cf11cb864a087u, 0x154a7e73eb1b55f3u },
      { 0xbcbbdbf1812a8285u, 0x270e0807d0bdd1fcu, 0xb41b670b1bbda72du, 0x43aabe696b3bb69au } },
    { { 0x3a0ceeeb77157131u, 0x9b27158900c8af88u, 0x8065b668da59a736u, 0x51e57bb6a2cc38bdu },
      { 0x499806b67b7d8ca4u, 0x575be28427d22739u, 0xbb085ce7204553b9u, 0x38b64c41ae417884u },
      { 0x85ac326702ea4b71u, 0xbe70e00341a1bb01u, 0x53e4a24b083bc144u, 0x10b8e91a9f0d61e3u } },
    { { 0x6b1a5cd0944ea3bfu, 0x7470353ab39dc0d2u, 0x71b2528228542e49u, 0x461bea69283c927eu },
      { 0xba6f2c9aaa3221b1u, 0x6ca021533bba23a7u, 0x9dea764f92192c3au, 0x1d6edd5d2e5317e0u },
      { 0xf1836dc801b8b3a2u, 0xb3035f47053ea49au, 0x529c41ba5877adf3u, 0x7a9fbb1c6a0f90a7u } },
    { { 0x59b7596604dd3e8fu, 0x6cb30377e288702cu, 0xb1339c665ed9c323u, 0x0915e76061bce52fu },
      { 0xe2a75dedf39234d9u, 0x963d7680e1b558f9u, 0x2c2741ac6e3c23fbu, 0x3a9024a1320e01c3u },
      { 0xe7c1f5d9c9a2911au, 0xb8a371788bcca7d7u, 0x636412190eb62a32u, 0x26907c5c2ecc4e95u } },
  },
  { /* (t + 1) 2^64 B */
    { { 0xcd2a65e777d1f515u, 0x548991878faa60f1u, 0xb1b73bbcdabc06e5u, 0x654878cba97cc9fbu },
      { 0x51138ec78df6b0feu, 0x5397da89e575f51bu, 0x09207a1d717af1b9u, 0x2102fdba2b20d650u },
      { 0x969ee405055ce6a1u, 0x36bca7681251ad29u, 0x3a1af517aa7da415u, 0x0ad725db29ecb2bau } },
    { { 0xfec7bc0c9b056f85u, 0x537d5268e7f5ffd7u, 0x77afc6624312aefau, 0x4f675f5302399fd9u },
      { 0xdc4267b1834e2457u, 0xb67544b570ce1bc5u, 0x1af07a0bf7d15ed7u, 0x4aefcffb71a03650u },
      { 0xc32d36360415171eu, 0xcd2bef118998483bu, 0x870a6eadd0945110u, 0x0bccbb72a2a86561u } },
    { { 0x186d5e4c50fe1296u, 0xe0397b82fee89f7eu, 0x3bc7f6c5507031b0u, 0x6678fd69108f37c2u },
      { 0x185e962feab1a9c8u, 0x86e7e63565147dcdu, 0xb092e031bb5b6df2u, 0x4024f0ab59d6b73eu },
      { 0x1586fa31636863c2u, 0x07f68c48572d33f2u, 0x4f73cc9f789eaefcu, 0x2d42e2108ead4701u } },
    { { 0x21717b0d0f537593u, 0x914e690b131e064cu, 0x1bb687ae752ae09fu, 0x420bf3a79b423c6eu },
      { 0x97f5131594dfd29bu, 0x6155985d313f4c6au, 0xeba13f0708455010u, 0x676b2608b8d2d322u },
      { 0x8138ba651c5b2b47u, 0x8671b6ec311b1b80u, 0x7bff0cb1bc3135b0u, 0x745d2ffa9c0cf1e0u } },
    { { 0x6036df5721d34e6au, 0xb1db8827997bb3d0u, 0xd3c209c3c8756afau, 0x06e15be54c1dc839u },
      { 0xbf525a1e2bc9c8bdu, 0xea5b260826479d81u, 0xd511c70edf0155dbu, 0x1ae23ceb960cf5d0u },
      { 0x5b725d871932994au, 0x32351cb5ceb1dab0u, 0x7dc41549dab7ca05u, 0x58ded861278ec1f7u } },
    { { 0x2dfb5ba8b6c2c9a8u, 0x48eeef8ef52c598cu, 0x33809107f12d1573u, 0x08ba696b531d5bd8u },
      { 0xd8173793f266c55cu, 0xc8c976c5cc454e49u, 0x5ce382f8bc26c3a8u, 0x2ff39de85485f6f9u },
      { 0x77ed3eeec3efc57au, 0x04e05517d4ff4811u, 0xea3d7a3ff1a671cbu, 0x120633b4947cfe54u } },
    { { 0x82bd31474912100au, 0xde237b6d7e6fbe06u, 0xe11e761911ea79c6u, 0x07433be3cb393bdeu },
      { 0x0b94987891610042u, 0x4ee7b13cecebfae8u, 0x70be739594f0a4c0u, 0x35d30a99b4d59185u },
      { 0xff7944c05ce997f4u, 0x575d3de4b05c51a3u, 0x583381fd5a76847cu, 0x2d873ede7af6da9fu } },
    { { 0xaa6202e14e5df981u, 0xa20d59175015e1f5u, 0x18a275d3bae21d6cu, 0x0543618a01600253u },
      { 0x157a316443373409u, 0xfab8b7eef4aa81d9u, 0xb093fee6f5a64806u, 0x2e773654707fa7b6u },
      { 0x0deabdf4974c23c1u, 0xaa6f0a259dce4693u, 0x04202cb8a29aba2cu, 0x4b1443362d07960du } },
  },
  { /* (t + 1) 2^128 B */
    { { 0x583b04bfacad8ea2u, 0x29b743e8148be884u, 0x2b1e583b0810c5dbu, 0x2b5449e58eb3bbaau },
      { 0x5f3a7562eb3dbe47u, 0xf7ea38548ebda0b8u, 0x00c3e53145747299u, 0x1304e9e71627d551u },
      { 0x789814d26adc9cfeu, 0x3c1bab3f8b48dd0bu, 0xda0fe1fff979c60au, 0x4468de2d7c2dd693u } },
    { { 0x4b9ad8c6f86307ceu, 0x21113531435d0c28u, 0xd4a866c5657a772cu, 0x5da6427e63247352u },
      { 0x51bb355e9419469eu, 0x33e6dc4c23ddc754u, 0x93a5b6d6447f9962u, 0x6cce7c6ffb44bd63u },
      { 0x1a94c688deac22cau, 0xb9066ef7bbae1ff8u, 0x88ad8c388d59580fu, 0x58f29abfe79f2ca8u } },
    { { 0x4b5a64bf710ecdf6u, 0xb14ce538462c293cu, 0x3643d056d50b3ab9u, 0x6af93724185b4870u },
      { 0xe90ecfab8de73e68u, 0x54036f9f377e76a5u, 0xf0495b0bbe015982u, 0x577629c4a7f41e36u },
      { 0x3220024509c6a888u, 0xd2e036134b558973u, 0x83e236233c33289fu, 0x701f25bb0caec18fu } },
    { { 0x9d18f6d97cbec113u, 0x844a06e674bfdbe4u, 0x20f5b522ac4e60d6u, 0x720a5bc050955e51u },
      { 0xc3a8b0f8e4616cedu, 0xf700660e9e25a87du, 0x61e3061ff4bca59cu, 0x2e0c92bfbdc40be9u },
      { 0x0c3f09439b805a35u, 0xe84e8b376242abfcu, 0x691417f35c229346u, 0x0e9b9cbb144ef0ecu } },
    { { 0x8dee9bd55db1beeeu, 0xc9c3ab370a723fb9u, 0x44a8f1bf1c68d791u, 0x366d44191cfd3cdeu },
      { 0xfbbad48ffb5720adu, 0xee81916bdbf90d0eu, 0xd4813152635543bfu, 0x221104eb3f337bd8u },
      { 0x9e3c1743f2bc8c14u, 0x2eda26fcb5856c3bu, 0xccb82f0e68a7fb97u, 0x4167a4e6bc593244u } },
    { { 0xc2be2665f8ce8feeu, 0xe967ff14e880d62cu, 0xf12e6e7e2f364eeeu, 0x34b33370cb7ed2f6u },
      { 0x643b9d2876f62700u, 0x5d1d9d400e7668ebu, 0x1b4b430321fc0684u, 0x7938bb7e2255246au },
      { 0xcdc591ee8681d6ccu, 0xce02109ced85a753u, 0xed7485c158808883u, 0x1176fc6e2dfe65e4u } },
    { { 0xdb90e28949770eb8u, 0x98fbcc2aacf440a3u, 0x21354ffeded7879bu, 0x1f6a3e54f26906b6u },
      { 0xb4af6cd05b9c619bu, 0x2ddfc9f4b2a58480u, 0x3d4fa502ebe94dc4u, 0x08fc3a4c677d5f34u },
      { 0x60a4c199d30734eau, 0x40c085b631165cd6u, 0xe2333e23f7598295u, 0x4f2fad0116b900d1u } },
    { { 0x962cd91db73bb638u, 0xe60577aafc129c08u, 0x6f619b39f3b61689u, 0x3451995f2944ee81u },
      { 0x44beb24194ae4e54u, 0x5f541c511857ef6cu, 0xa61e6b2d368d0498u, 0x445484a4972ef7abu },
      { 0x9152fcd09fea7d7cu, 0x4a816c94b0935cf6u, 0x258e9aaa47285c40u, 0x10b89ca6042893b7u } },
  },
  { /* (t + 1) 2^192 B */
    { { 0xa66dcc9dc80c1ac0u, 0x97a05cf41b38a436u, 0xa7ebf3be95dbd7c6u, 0x7da0b8f68d7e7dabu },
      { 0xef782014385675a6u, 0xa2649f30aafda9e8u, 0x4cd1eb505cdfa8cbu, 0x46115aba1d4dc0b3u },
      { 0xd40f1953c3b5da76u, 0x1dac6f7321119e9bu, 0x03cc6021feb25960u, 0x5a5f887e83674b4bu } },
    { { 0x9e9628d3a0a643b9u, 0xb5c3cb00e6c32064u, 0x9b5302897c2dec32u, 0x43e37ae2d5d1c70cu },
      { 0x8f6301cf70a13d11u, 0xcfceb815350dd0c4u, 0xf70297d4a4bca47eu, 0x3669b656e44d1434u },
      { 0x387e3f06eda6e133u, 0x67301d5199a13ac0u, 0xbd5ad8f836263811u, 0x6a21e6cd4fd5e9beu } },
    { { 0xef4129126699b2e3u, 0x71d30847708d1301u, 0x325432d01182b0bdu, 0x45371b07001e8b36u },
      { 0xf1c6170a3046e65fu, 0x58712a2a00d23524u, 0x69dbbd3c8c82b755u, 0x586bf9f1a195ff57u },
      { 0xa6db088d5ef8790bu, 0x5278f0dc610937e5u, 0xac0349d261a16eb8u, 0x0eafb03790e52179u } },
    { { 0x5140805e0f75ae1du, 0xec02fbe32662cc30u, 0x2cebdf1eea92396du, 0x44ae3344c5435bb3u },
      { 0x960555c13748042fu, 0x219a41e6820baa11u, 0x1c81f73873486d0cu, 0x309acc675a02c661u },
      { 0x9cf289b9bba543eeu, 0xf3760e9d5ac97142u, 0x1d82e5c64f9360aau, 0x62d5221b7f94678fu } },
    { { 0x7585d4263af77a3cu, 0xdfae7b11fee9144du, 0xa506708059f7193du, 0x14f29a5383922037u },
      { 0x524c299c18d0936du, 0xc86bb56c8a0c1a0cu, 0xa375052edb4a8631u, 0x5c0efde4bc754562u },
      { 0xdf717edc25b2d7f5u, 0x21f970db99b53040u, 0xda9234b7c3ed4c62u, 0x5e72365c7bee093eu } },
    { { 0x7d9339062f08b33eu, 0x5b9659e5df9f32beu, 0xacff3dad1f9ebdfdu, 0x70b20555cb7349b7u },
      { 0x575bfc074571217fu, 0x3779675d0694d95bu, 0x9a0a37bbf4191e33u, 0x77f1104c47b4eabcu },
      { 0xbe5113c555112c4cu, 0x6688423a9a881fcdu, 0x446677855e503b47u, 0x0e34398f4a06404au } },
    { { 0x18930b093e4b1928u, 0x7de3e10e73f3f640u, 0xf43217da73395d6fu, 0x6f8aded6ca379c3eu },
      { 0xb67d22d93ecebde8u, 0x09b3e84127822f07u, 0x743fa61fb05b6d8du, 0x5e5405368a362372u },
      { 0xe340123dfdb7b29au, 0x487b97e1a21ab291u, 0xf9967d02fde6949eu, 0x780de72ec8d3de97u } },
    { { 0x671feaf300f42772u, 0x8f72eb2a2a8c41aau, 0x29a17fd797373292u, 0x1defc6ad32b587a6u },
      { 0x0ae28545089ae7bcu, 0x388ddecf1c7f4d06u, 0x38ac15510a4811b8u, 0x0eb28bf671928ce4u },
      { 0xaf5bbe1aef5195a7u, 0x148c1277917b15edu, 0x2991f7fb7ae5da2eu, 0x467d201bf8dd2867u } },
  },
};

/* r = digit * 2^(64 j) B from tab = btab[j], for a digit in [-8, 8]: all
 * eight entries are read and the wanted one kept by mask, then negated by
 * mask (swap y + x with y - x, negate 2dxy). No branch or index on digit. */
static void fmcp__ed_select_base(fmcp__ed_cached *r, const uint64_t tab[8][3][4], int digit)
{
    unsigned neg = fmcp__ed_opaque((uint32_t)((unsigned)digit >> (sizeof(int) * 8 - 1)));  /* 1 if < 0 */
    unsigned mag = (unsigned)(digit - ((0 - (int)neg) & (2 * digit)));  /* |digit| */
    uint64_t w[3][4];
    uint8_t b[32];
    fmcp__f25519 n;
    int j, c, i;
    memset(w, 0, sizeof w);
    w[0][0] = 1; w[1][0] = 1;                 /* the identity: (1, 1, 0) */
    for (j = 0; j < 8; j++) {
        uint64_t m = (uint64_t)0 - (uint64_t)fmcp__ed_eq(mag, (unsigned)j + 1);
        for (c = 0; c < 3; c++)
            for (i = 0; i < 4; i++) w[c][i] ^= m & (w[c][i] ^ tab[j][c][i]);
    }
    for (c = 0; c < 3; c++) {
        for (i = 0; i < 32; i++) b[i] = (uint8_t)(w[c][i >> 3] >> (8 * (i & 7)));
        fmcp__f25519_frombytes(c == 0 ? r->ypx : c == 1 ? r->ymx : r->t2d, b);
    }
    memset(r->z2, 0, sizeof r->z2);
    r->z2[0] = 2;                             /* Z = 1 */
    fmcp__f25519_cswap(r->ypx, r->ymx, (fmcp__f25519_limb)neg);
    fmcp__f25519_neg(n, r->t2d);
    fmcp__f25519_cmov(r->t2d, n, (fmcp__f25519_limb)neg);
    fmcp_wipe(w, sizeof w); fmcp_wipe(b, sizeof b); fmcp_wipe(n, sizeof n);
}

/* q = [k]B for a secret 32-byte k < 2^255. k is cut into 64 signed 4-bit
 * digits e[i] in [-8, 8]; with i = 16 j + m, [k]B is the sum over m of
 * 16^m (sum over j of e[16 j + m] 2^(64 j) B), evaluated Horner style: 60
 * doublings and 64 additions whatever k is. */
static void fmcp__ed_mul_base(fmcp__ed_p3 *q, const uint8_t k[32])
{
    fmcp__ed_cached sel;
    signed char e[64];
    int i, j, m, carry = 0;
    for (i = 0; i < 32; i++) {
        e[2 * i] = (signed char)(k[i] & 15);
        e[2 * i + 1] = (signed char)(k[i] >> 4);
    }
    for (i = 0; i < 63; i++) {                          /* digits to [-8, 8) */
        e[i] = (signed char)(e[i] + carry);
        carry = (e[i] + 8) >> 4;
        e[i] = (signed char)(e[i] - carry * 16);
    }
    e[63] = (signed char)(e[63] + carry);               /* <= 8 as k < 2^255 */
    fmcp__ed_identity(q);
    for (m = 15; m >= 0; m--) {
        if (m != 15) {                                  /* public loop index */
            fmcp__ed_dbl_t(q, q, 0); fmcp__ed_dbl_t(q, q, 0);
            fmcp__ed_dbl_t(q, q, 0); fmcp__ed_dbl_t(q, q, 1);
        }
        for (j = 0; j < 4; j++) {
            fmcp__ed_select_base(&sel, fmcp__ed_btab[j], e[16 * j + m]);
            fmcp__ed_add(q, q, &sel);
        }
    }
    fmcp_wipe(&sel, sizeof sel); fmcp_wipe(e, sizeof e);
}

/* out = encoding of [k]B (k secret, below 2^255). */
static void fmcp__ed_scalarmult_base(uint8_t out[32], const uint8_t k[32])
{
    fmcp__ed_p3 q;
    fmcp__ed_mul_base(&q, k);
    fmcp__ed_encode(out, &q);
    fmcp_wipe(&q, sizeof q);
}

/* X25519 with the base point u = 9 (the x25519 module's API, here for the
 * table above). The birational map sends the Ed25519 base point to u = 9
 * and [k]B to u = (Z + Y) / (Z - Y), so the comb's 60 doublings and 64
 * additions replace the 255-step ladder: about half the work, which every
 * TLS ECDHE key generation pays. A clamped k (2^254 + 8 m, m < 2^251) is
 * never a multiple of the group order, so Z - Y is never zero. */
FASTMCP_API fmcp_result fmcp_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
    fmcp__ed_p3 q;
    fmcp__f25519 n, d;
    uint8_t k[32];
    if (!out || !scalar) return FMCP_ERR_INVALID_ARG;
    memcpy(k, scalar, 32);
    k[0] &= 248; k[31] &= 127; k[31] |= 64;
    fmcp__ed_mul_base(&q, k);
    fmcp__f25519_add(n, q.z, q.y);
    fmcp__f25519_sub(d, q.z, q.y);
    fmcp__f25519_invert(d, d);
    fmcp__f25519_mul(n, n, d);
    fmcp__f25519_tobytes(out, n);             /* never 0: [k]B has order l */
    fmcp_wipe(&q, sizeof q); fmcp_wipe(n, sizeof n); fmcp_wipe(d, sizeof d);
    fmcp_wipe(k, sizeof k);
    return FMCP_OK;
}

/* ---- variable-time [a]P + [b]B for verification ---------------------------- */

static int fmcp__ed_bit(const uint8_t s[32], int i)
{
    return i < 256 ? (s[i >> 3] >> (i & 7)) & 1 : 0;
}

/* Width-5 NAF of a public 256-bit scalar: naf[i] odd in [-15, 15] or 0,
 * nonzero digits at least 5 apart. */
static void fmcp__ed_naf(signed char naf[264], const uint8_t s[32])
{
    int pos = 0, carry = 0, j;
    memset(naf, 0, 264);
    while (pos < 256) {
        int w;
        if (fmcp__ed_bit(s, pos) == carry) { pos++; continue; }   /* even: digit 0 */
        for (w = 0, j = 4; j >= 0; j--) w = 2 * w + fmcp__ed_bit(s, pos + j);
        w += carry;                                              /* odd, 1..31 */
        carry = w >= 16;
        naf[pos] = (signed char)(w - 32 * carry);
        pos += 5;
    }
    naf[pos] = (signed char)carry;   /* pos <= 260 */
}

/* tab[j] = (2j + 1) P */
static void fmcp__ed_odd_multiples(fmcp__ed_cached tab[8], const fmcp__ed_p3 *p)
{
    fmcp__ed_p3 p2, q;
    fmcp__ed_cached c2;
    int j;
    fmcp__ed_dbl(&p2, p);
    fmcp__ed_to_cached(&c2, &p2);
    q = *p;
    fmcp__ed_to_cached(&tab[0], &q);
    for (j = 1; j < 8; j++) {
        fmcp__ed_add(&q, &q, &c2);
        fmcp__ed_to_cached(&tab[j], &q);
    }
}

static void fmcp__ed_add_digit(fmcp__ed_p3 *q, const fmcp__ed_cached tab[8], int digit)
{
    fmcp__ed_cached c;
    if (digit > 0) {
        fmcp__ed_add(q, q, &tab[digit / 2]);
    } else if (digit < 0) {
        c = tab[-digit / 2];
        fmcp__ed_neg_cached(&c);
        fmcp__ed_add(q, q, &c);
    }
}

/* q = [a]P + [b]B (interleaved, Straus). */
static void fmcp__ed_double_scalarmult(fmcp__ed_p3 *q, const uint8_t a[32], const fmcp__ed_p3 *p,
                                       const uint8_t b[32])
{
    signed char na[264], nb[264];
    fmcp__ed_cached ta[8], tb[8];
    fmcp__ed_p3 base;
    int i;
    fmcp__ed_naf(na, a);
    fmcp__ed_naf(nb, b);
    fmcp__ed_odd_multiples(ta, p);
    fmcp__ed_base(&base);
    fmcp__ed_odd_multiples(tb, &base);
    fmcp__ed_identity(q);
    for (i = 263; i >= 0 && !na[i] && !nb[i]; i--) {}
    for (; i >= 0; i--) {
        fmcp__ed_dbl_t(q, q, na[i] || nb[i]);
        fmcp__ed_add_digit(q, ta, na[i]);
        fmcp__ed_add_digit(q, tb, nb[i]);
    }
}

/* ---- API ------------------------------------------------------------------- */

/* h = SHA-512(seed); a = clamped low half (RFC 8032 5.1.5). */
static void fmcp__ed_expand(uint8_t h[64], const uint8_t seed[32])
{
    fmcp_sha512(seed, 32, h);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
}

FASTMCP_API fmcp_result fmcp_ed25519_public_key(uint8_t pk[32], const uint8_t seed[32])
{
    uint8_t h[64];
    if (!pk || !seed) return FMCP_ERR_INVALID_ARG;
    fmcp__ed_expand(h, seed);
    fmcp__ed_scalarmult_base(pk, h);
    fmcp_wipe(h, sizeof h);
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_ed25519_sign(uint8_t sig[64], const void *msg, size_t len,
                                          const uint8_t seed[32], const uint8_t pk[32])
{
    uint8_t h[64], a_pk[32], r[32], k[32], d[64];
    fmcp_sha512_ctx c;
    if (!sig || !seed || (!msg && len)) return FMCP_ERR_INVALID_ARG;
    fmcp__ed_expand(h, seed);
    if (pk) memcpy(a_pk, pk, 32);
    else fmcp__ed_scalarmult_base(a_pk, h);
    fmcp_sha512_init(&c);                                /* r = H(prefix || M) */
    fmcp_sha512_update(&c, h + 32, 32);
    fmcp_sha512_update(&c, msg, len);
    fmcp_sha512_final(&c, d);
    fmcp__sc_from_hash(r, d);
    fmcp__ed_scalarmult_base(sig, r);                    /* R = [r]B */
    fmcp_sha512_init(&c);                                /* k = H(R || A || M) */
    fmcp_sha512_update(&c, sig, 32);
    fmcp_sha512_update(&c, a_pk, 32);
    fmcp_sha512_update(&c, msg, len);
    fmcp_sha512_final(&c, d);
    fmcp__sc_from_hash(k, d);
    fmcp__sc_muladd(sig + 32, k, h, r);                  /* S = r + k a mod L */
    fmcp_wipe(h, sizeof h); fmcp_wipe(r, sizeof r); fmcp_wipe(d, sizeof d);
    fmcp_wipe(k, sizeof k);
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_ed25519_verify(const uint8_t sig[64], const void *msg, size_t len,
                                            const uint8_t pk[32])
{
    fmcp__ed_p3 a, q;
    uint8_t d[64], k[32], rr[32];
    fmcp_sha512_ctx c;
    if (!sig || !pk || (!msg && len)) return FMCP_ERR_INVALID_ARG;
    if (fmcp__ed_decode(&a, pk) != 0 || fmcp__ed_small_order(&a)) return FMCP_ERR_BAD_KEY;
    if (!fmcp__sc_is_canonical(sig + 32) || !fmcp__ed_y_canonical(sig))
        return FMCP_ERR_BAD_SIGNATURE;
    fmcp_sha512_init(&c);
    fmcp_sha512_update(&c, sig, 32);
    fmcp_sha512_update(&c, pk, 32);
    fmcp_sha512_update(&c, msg, len);
    fmcp_sha512_final(&c, d);
    fmcp__sc_from_hash(k, d);
    fmcp__f25519_neg(a.x, a.x);                          /* -A */
    fmcp__f25519_neg(a.t, a.t);
    fmcp__f25519_weak(a.x);                              /* back within the add bounds */
    fmcp__f25519_weak(a.t);
    fmcp__ed_double_scalarmult(&q, k, &a, sig + 32);     /* [S]B - [k]A */
    fmcp__ed_encode(rr, &q);
    if (memcmp(rr, sig, 32) != 0 || fmcp__ed_small_order(&q)) return FMCP_ERR_BAD_SIGNATURE;
    return FMCP_OK;
}
