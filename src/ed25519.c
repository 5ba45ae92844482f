/* ed25519: implementation (RFC 8032 Ed25519 over the twisted Edwards curve
 * -x^2 + y^2 = 1 + d x^2 y^2 mod 2^255 - 19, extended coordinates) */
#include "base.h"
#include "sha512.h"
#include "f25519.h"
#include "ed25519.h"

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
 * the four products cancel. */
static void fmcp__ed_dbl(fmcp__ed_p3 *r, const fmcp__ed_p3 *p)
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
    fmcp__f25519_mul(r->t, e, h);
    fmcp__f25519_mul(r->z, f, g);
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
    fmcp__ed_dbl(&q, p);
    fmcp__ed_dbl(&q, &q);
    fmcp__ed_dbl(&q, &q);
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

/* 1 when a == b, for small non-negative ints, without a branch. */
static fmcp__f25519_limb fmcp__ed_eq(unsigned a, unsigned b)
{
    uint32_t x = (uint32_t)(a ^ b);
    return (fmcp__f25519_limb)(((x | (0u - x)) >> 31) ^ 1u);
}

/* r = digit * P for a digit in [-8, 8], from tab[j] = (j + 1) P: every entry
 * is read, the wanted one kept by mask, then negated by mask. */
static void fmcp__ed_select(fmcp__ed_cached *r, const fmcp__ed_cached tab[8], int digit)
{
    unsigned neg = (unsigned)digit >> (sizeof(int) * 8 - 1);            /* 1 if negative */
    unsigned mag = (unsigned)(digit - ((0 - (int)neg) & (2 * digit)));  /* |digit| */
    fmcp__ed_cached n;
    int j;
    fmcp__ed_fe_one(r->ypx);
    fmcp__ed_fe_one(r->ymx);
    fmcp__ed_fe_one(r->z2);
    r->z2[0] = 2;
    memset(r->t2d, 0, sizeof r->t2d);
    for (j = 0; j < 8; j++) {
        fmcp__f25519_limb m = fmcp__ed_eq(mag, (unsigned)j + 1);
        fmcp__f25519_cmov(r->ypx, tab[j].ypx, m);
        fmcp__f25519_cmov(r->ymx, tab[j].ymx, m);
        fmcp__f25519_cmov(r->z2, tab[j].z2, m);
        fmcp__f25519_cmov(r->t2d, tab[j].t2d, m);
    }
    n = *r;
    fmcp__ed_neg_cached(&n);
    fmcp__f25519_cmov(r->ypx, n.ypx, (fmcp__f25519_limb)neg);
    fmcp__f25519_cmov(r->ymx, n.ymx, (fmcp__f25519_limb)neg);
    fmcp__f25519_cmov(r->t2d, n.t2d, (fmcp__f25519_limb)neg);
    fmcp_wipe(&n, sizeof n);
}

/* Scratch of the fixed-base multiplication, wiped once at its end. */
typedef struct fmcp__ed_mul_tmp {
    fmcp__ed_cached tab[8], sel;
    fmcp__ed_p3 p;
    signed char e[64];
} fmcp__ed_mul_tmp;

/* out = encoding of [k]B for a secret 32-byte k < 2^255: 64 signed 4-bit
 * digits, each window 4 doublings and one addition whatever the digit. */
static void fmcp__ed_scalarmult_base(uint8_t out[32], const uint8_t k[32])
{
    fmcp__ed_mul_tmp mt, *m = &mt;
    fmcp__ed_p3 q;
    int i, carry = 0;
    for (i = 0; i < 32; i++) {
        m->e[2 * i] = (signed char)(k[i] & 15);
        m->e[2 * i + 1] = (signed char)(k[i] >> 4);
    }
    for (i = 0; i < 63; i++) {                          /* digits to [-8, 8) */
        m->e[i] = (signed char)(m->e[i] + carry);
        carry = (m->e[i] + 8) >> 4;
        m->e[i] = (signed char)(m->e[i] - carry * 16);
    }
    m->e[63] = (signed char)(m->e[63] + carry);         /* <= 8 as k < 2^255 */
    fmcp__ed_base(&m->p);
    fmcp__ed_to_cached(&m->tab[0], &m->p);
    fmcp__ed_dbl(&q, &m->p);
    for (i = 1; i < 8; i++) {                           /* tab[i] = (i + 1) B */
        fmcp__ed_to_cached(&m->tab[i], &q);
        fmcp__ed_add(&q, &q, &m->tab[0]);
    }
    fmcp__ed_identity(&q);
    for (i = 63; i >= 0; i--) {
        fmcp__ed_dbl(&q, &q); fmcp__ed_dbl(&q, &q);
        fmcp__ed_dbl(&q, &q); fmcp__ed_dbl(&q, &q);
        fmcp__ed_select(&m->sel, m->tab, m->e[i]);
        fmcp__ed_add(&q, &q, &m->sel);
    }
    fmcp__ed_encode(out, &q);
    fmcp_wipe(&q, sizeof q);
    fmcp_wipe(m, sizeof *m);
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
        fmcp__ed_dbl(q, q);
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
