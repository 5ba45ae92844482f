/* ecdsa: implementation (the ec API, continued) */
#include "ecdsa.h"

/* ---- points: projective (X : Y : Z), x = X/Z, y = Y/Z; O = (0 : 1 : 0) ---- */

typedef struct fmcp__ec_pt {
    fmcp__ec_fe x, y, z;
} fmcp__ec_pt;

static void fmcp__ec_pt_inf(fmcp__ec_pt *r, const fmcp__ec_def *C)
{
    memset(r, 0, sizeof *r);
    fmcp__ec_copy(r->y, C->p.one);
}

/* Complete addition, a = -3 (Renes-Costello-Batina 2016, algorithm 4):
 * valid for every pair of points, O and P + P included. r may alias. */
static void fmcp__ec_pt_add(fmcp__ec_pt *r, const fmcp__ec_pt *P, const fmcp__ec_pt *Q,
                            const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_fe t0, t1, t2, t3, t4, x3, y3, z3;
    fmcp__ec_mul(t0, P->x, Q->x, F); fmcp__ec_mul(t1, P->y, Q->y, F);
    fmcp__ec_mul(t2, P->z, Q->z, F);
    fmcp__ec_add(t3, P->x, P->y, F); fmcp__ec_add(t4, Q->x, Q->y, F);
    fmcp__ec_mul(t3, t3, t4, F); fmcp__ec_add(t4, t0, t1, F);
    fmcp__ec_sub(t3, t3, t4, F);               /* X1 Y2 + X2 Y1 */
    fmcp__ec_add(t4, P->y, P->z, F); fmcp__ec_add(x3, Q->y, Q->z, F);
    fmcp__ec_mul(t4, t4, x3, F); fmcp__ec_add(x3, t1, t2, F);
    fmcp__ec_sub(t4, t4, x3, F);               /* Y1 Z2 + Y2 Z1 */
    fmcp__ec_add(x3, P->x, P->z, F); fmcp__ec_add(y3, Q->x, Q->z, F);
    fmcp__ec_mul(x3, x3, y3, F); fmcp__ec_add(y3, t0, t2, F);
    fmcp__ec_sub(y3, x3, y3, F);               /* X1 Z2 + X2 Z1 */
    fmcp__ec_mul(z3, C->b, t2, F); fmcp__ec_sub(x3, y3, z3, F);
    fmcp__ec_add(z3, x3, x3, F); fmcp__ec_add(x3, x3, z3, F);
    fmcp__ec_sub(z3, t1, x3, F); fmcp__ec_add(x3, t1, x3, F);
    fmcp__ec_mul(y3, C->b, y3, F);
    fmcp__ec_add(t1, t2, t2, F); fmcp__ec_add(t2, t1, t2, F);
    fmcp__ec_sub(y3, y3, t2, F); fmcp__ec_sub(y3, y3, t0, F);
    fmcp__ec_add(t1, y3, y3, F); fmcp__ec_add(y3, t1, y3, F);
    fmcp__ec_add(t1, t0, t0, F); fmcp__ec_add(t0, t1, t0, F);
    fmcp__ec_sub(t0, t0, t2, F);
    fmcp__ec_mul(t1, t4, y3, F); fmcp__ec_mul(t2, t0, y3, F);
    fmcp__ec_mul(y3, x3, z3, F); fmcp__ec_add(y3, y3, t2, F);
    fmcp__ec_mul(x3, t3, x3, F); fmcp__ec_sub(x3, x3, t1, F);
    fmcp__ec_mul(z3, t4, z3, F); fmcp__ec_mul(t1, t3, t0, F);
    fmcp__ec_add(z3, z3, t1, F);
    fmcp__ec_copy(r->x, x3); fmcp__ec_copy(r->y, y3); fmcp__ec_copy(r->z, z3);
}

/* Doubling, a = -3 (same paper, algorithm 6); complete. r may alias P. */
static void fmcp__ec_pt_dbl(fmcp__ec_pt *r, const fmcp__ec_pt *P, const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_fe t0, t1, t2, t3, x3, y3, z3;
    fmcp__ec_mul(t0, P->x, P->x, F); fmcp__ec_mul(t1, P->y, P->y, F);
    fmcp__ec_mul(t2, P->z, P->z, F);
    fmcp__ec_mul(t3, P->x, P->y, F); fmcp__ec_add(t3, t3, t3, F);
    fmcp__ec_mul(z3, P->x, P->z, F); fmcp__ec_add(z3, z3, z3, F);
    fmcp__ec_mul(y3, C->b, t2, F); fmcp__ec_sub(y3, y3, z3, F);
    fmcp__ec_add(x3, y3, y3, F); fmcp__ec_add(y3, x3, y3, F);
    fmcp__ec_sub(x3, t1, y3, F); fmcp__ec_add(y3, t1, y3, F);
    fmcp__ec_mul(y3, x3, y3, F); fmcp__ec_mul(x3, x3, t3, F);
    fmcp__ec_add(t3, t2, t2, F); fmcp__ec_add(t2, t2, t3, F);
    fmcp__ec_mul(z3, C->b, z3, F);
    fmcp__ec_sub(z3, z3, t2, F); fmcp__ec_sub(z3, z3, t0, F);
    fmcp__ec_add(t3, z3, z3, F); fmcp__ec_add(z3, z3, t3, F);
    fmcp__ec_add(t3, t0, t0, F); fmcp__ec_add(t0, t3, t0, F);
    fmcp__ec_sub(t0, t0, t2, F);
    fmcp__ec_mul(t0, t0, z3, F); fmcp__ec_add(y3, y3, t0, F);
    fmcp__ec_mul(t0, P->y, P->z, F); fmcp__ec_add(t0, t0, t0, F);
    fmcp__ec_mul(z3, t0, z3, F); fmcp__ec_sub(x3, x3, z3, F);
    fmcp__ec_mul(z3, t0, t1, F); fmcp__ec_add(z3, z3, z3, F);
    fmcp__ec_add(z3, z3, z3, F);
    fmcp__ec_copy(r->x, x3); fmcp__ec_copy(r->y, y3); fmcp__ec_copy(r->z, z3);
}

/* Affine coordinates (Montgomery form) of P; returns 0 for O. Constant time. */
static int fmcp__ec_pt_affine(fmcp__ec_limb *x, fmcp__ec_limb *y, const fmcp__ec_pt *P,
                              const fmcp__ec_def *C)
{
    fmcp__ec_fe zi;
    fmcp__ec_inv(zi, P->z, &C->p);
    fmcp__ec_mul(x, P->x, zi, &C->p);
    fmcp__ec_mul(y, P->y, zi, &C->p);
    return (int)(1u ^ fmcp__ec_iszero(P->z, &C->p));
}

/* Load affine big-endian x, y as a point: FMCP_OK when both are below p
 * and y^2 = x^3 - 3x + b. Public data: early exits are fine. */
static fmcp_result fmcp__ec_pt_load(fmcp__ec_pt *r, const uint8_t *xb, const uint8_t *yb,
                                    const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_fe l, rhs, three;
    fmcp__ec_load(r->x, xb, C->bytes);
    fmcp__ec_load(r->y, yb, C->bytes);
    if (!fmcp__ec_below(r->x, F) || !fmcp__ec_below(r->y, F)) return FMCP_ERR_BAD_KEY;
    fmcp__ec_tomont(r->x, r->x, F);
    fmcp__ec_tomont(r->y, r->y, F);
    fmcp__ec_copy(r->z, F->one);
    fmcp__ec_add(three, F->one, F->one, F);
    fmcp__ec_add(three, three, F->one, F);
    fmcp__ec_mul(rhs, r->x, r->x, F);
    fmcp__ec_sub(rhs, rhs, three, F);
    fmcp__ec_mul(rhs, rhs, r->x, F);
    fmcp__ec_add(rhs, rhs, C->b, F);
    fmcp__ec_mul(l, r->y, r->y, F);
    return fmcp__ec_equal(l, rhs, F) ? FMCP_OK : FMCP_ERR_BAD_KEY;
}

/* ---- constant-time scalar multiplication: 4-bit fixed window -------------- */

/* r = tab[idx] by reading every entry (idx is secret). */
static void fmcp__ec_lookup(fmcp__ec_pt *r, const fmcp__ec_pt tab[16], unsigned idx)
{
    unsigned i;
    memset(r, 0, sizeof *r);
    for (i = 0; i < 16; i++) {
        fmcp__ec_limb eq = (fmcp__ec_limb)((((uint32_t)(i ^ idx)) - 1u) >> 31);
        fmcp__ec_cmov(r->x, tab[i].x, eq);
        fmcp__ec_cmov(r->y, tab[i].y, eq);
        fmcp__ec_cmov(r->z, tab[i].z, eq);
    }
}

/* r = k * P with k big-endian (C->bytes bytes, any value). */
static void fmcp__ec_mul_ct(fmcp__ec_pt *r, const fmcp__ec_pt *P, const uint8_t *k,
                            const fmcp__ec_def *C)
{
    fmcp__ec_pt tab[16], acc, t;
    size_t i;
    int j;
    fmcp__ec_pt_inf(&tab[0], C);
    tab[1] = *P;
    for (j = 2; j < 16; j++) {
        if (j & 1) fmcp__ec_pt_add(&tab[j], &tab[j - 1], P, C);
        else fmcp__ec_pt_dbl(&tab[j], &tab[j / 2], C);
    }
    fmcp__ec_pt_inf(&acc, C);
    for (i = 0; i < 2 * C->bytes; i++) {
        unsigned nib = (unsigned)(k[i / 2] >> ((i & 1) ? 0 : 4)) & 15u;
        if (i) for (j = 0; j < 4; j++) fmcp__ec_pt_dbl(&acc, &acc, C);
        fmcp__ec_lookup(&t, tab, nib);
        fmcp__ec_pt_add(&acc, &acc, &t, C);
    }
    *r = acc;
    fmcp_wipe(tab, sizeof tab);
    fmcp_wipe(&acc, sizeof acc);
    fmcp_wipe(&t, sizeof t);
}

/* r = (flag ? a : r) over the n limbs in use (a may be a table row). */
static void fmcp__ec_cmov_n(fmcp__ec_limb *r, const fmcp__ec_limb *a, fmcp__ec_limb flag, int n)
{
    fmcp__ec_limb mask = (fmcp__ec_limb)0 - flag;
    int j;
    for (j = 0; j < n; j++) r[j] = (r[j] & ~mask) | (a[j] & mask);
}

/* x, y = comb entry j (1..FMCP__EC_COMB_N; left zero for j = 0) by
 * reading every row and keeping one with a mask. n is a constant at each
 * call, so each size gets its rows unrolled: this scan was a fifth of a
 * P-256 signature while the length was a variable. */
static inline void fmcp__ec_comb_pick(fmcp__ec_limb *x, fmcp__ec_limb *y, const fmcp__ec_limb *comb,
                                      unsigned j, int n)
{
    fmcp__ec_limb acc[2 * FMCP__EC_L];
    unsigned e;
    int i;
    for (i = 0; i < 2 * n; i++) acc[i] = 0;
    for (e = 1; e <= FMCP__EC_COMB_N; e++) {
        const fmcp__ec_limb *row = comb + (size_t)(2 * n) * (e - 1);
        fmcp__ec_limb mask = (fmcp__ec_limb)0 - (fmcp__ec_limb)((((uint32_t)(e ^ j)) - 1u) >> 31);
#define FMCP__EC_PICK(i) acc[i] |= row[i] & mask;
        if (2 * n == 8) { FMCP__EC_L8(FMCP__EC_PICK) }           /* P-256, 64-bit limbs */
        else if (2 * n == 12) { FMCP__EC_L12(FMCP__EC_PICK) }    /* P-384 */
        else for (i = 0; i < 2 * n; i++) acc[i] |= row[i] & mask;
#undef FMCP__EC_PICK
    }
    for (i = 0; i < n; i++) { x[i] = acc[i]; y[i] = acc[n + i]; }
    fmcp_wipe(acc, sizeof acc);
}

/* r = k G with k big-endian (C->bytes bytes): comb with FMCP__EC_COMB_T
 * teeth spaced comb_d bits apart, so comb_d doublings and additions; each
 * table entry is chosen by reading all of them with masks. */
static void fmcp__ec_mul_base_ct(fmcp__ec_pt *r, const uint8_t *k, const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_pt acc, t;
    size_t bits = 8 * C->bytes;
    int i, b, d = C->comb_d;
    fmcp__ec_pt_inf(&acc, C);
    for (i = d - 1; i >= 0; i--) {
        unsigned j = 0;
        fmcp__ec_limb nz;
        for (b = 0; b < FMCP__EC_COMB_T; b++) {
            size_t pos = (size_t)i + (size_t)b * (size_t)d;
            if (pos < bits) j |= (unsigned)((k[C->bytes - 1 - pos / 8] >> (pos % 8)) & 1u) << b;
        }
        memset(&t, 0, sizeof t);
        if (F->n == FMCP__EC_N256) fmcp__ec_comb_pick(t.x, t.y, C->comb, j, FMCP__EC_N256);
        else fmcp__ec_comb_pick(t.x, t.y, C->comb, j, FMCP__EC_N384);
        nz = (fmcp__ec_limb)(((uint32_t)0 - (uint32_t)j) >> 31);   /* j != 0 */
        fmcp__ec_cmov_n(t.z, F->one, nz, F->n);
        fmcp__ec_cmov_n(t.y, F->one, nz ^ 1u, F->n);         /* j == 0: O = (0 : 1 : 0) */
        if (i != d - 1) fmcp__ec_pt_dbl(&acc, &acc, C);
        fmcp__ec_pt_add(&acc, &acc, &t, C);
    }
    *r = acc;
    fmcp_wipe(&acc, sizeof acc);
    fmcp_wipe(&t, sizeof t);
}

/* ---- variable-time u1 * G + u2 * Q for verification (public scalars) -----
 * Jacobian coordinates here (x = X/Z^2, y = Y/Z^3, O has Z = 0): cheaper
 * doublings than the complete formulas, and the exceptional cases are
 * branched on, which is fine because every input is public. */

#define FMCP__EC_QW 5
#define FMCP__EC_QTAB (1 << (FMCP__EC_QW - 2))   /* Q, 3Q, ..., 15Q */

/* Width-w NAF digits of the big-endian k (len bytes), least significant
 * first; returns the number of digits. */
static int fmcp__ec_wnaf(signed char *out, const uint8_t *k, size_t len, int w)
{
    uint32_t v[FMCP_EC_MAX_BYTES / 4 + 1];
    int i, words = (int)(len / 4) + 1, top = 0;
    size_t b;
    memset(v, 0, sizeof v);
    for (b = 0; b < len; b++) v[b / 4] |= (uint32_t)k[len - 1 - b] << (8 * (b % 4));
    for (i = 0; i <= (int)len * 8; i++) {
        int d = 0, j;
        if (v[0] & 1u) {
            d = (int)(v[0] & ((1u << w) - 1u));
            if (d >= (1 << (w - 1))) d -= 1 << w;
            if (d > 0) v[0] -= (uint32_t)d;
            else {
                uint32_t add = (uint32_t)-d;
                for (j = 0; j < words && add; j++) {
                    v[j] += add;
                    add = v[j] < add ? 1u : 0u;
                }
            }
            top = i + 1;
        }
        out[i] = (signed char)d;
        for (j = 0; j < words; j++) v[j] = (v[j] >> 1) | (j + 1 < words ? v[j + 1] << 31 : 0u);
    }
    return top;
}

/* Doubling for a = -3 (3M + 5S); O (Z = 0) stays O. r may alias P. */
static void fmcp__ec_jdbl(fmcp__ec_pt *r, const fmcp__ec_pt *P, const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_fe delta, gamma, beta, alpha, t;
    fmcp__ec_mul(delta, P->z, P->z, F);
    fmcp__ec_mul(gamma, P->y, P->y, F);
    fmcp__ec_mul(beta, P->x, gamma, F);
    fmcp__ec_sub(t, P->x, delta, F);
    fmcp__ec_add(alpha, P->x, delta, F);
    fmcp__ec_mul(alpha, alpha, t, F);
    fmcp__ec_add(t, alpha, alpha, F);
    fmcp__ec_add(alpha, alpha, t, F);          /* 3 (X - Z^2)(X + Z^2) */
    fmcp__ec_add(t, P->y, P->z, F);
    fmcp__ec_mul(t, t, t, F);
    fmcp__ec_sub(t, t, gamma, F);
    fmcp__ec_sub(r->z, t, delta, F);           /* 2 Y Z */
    fmcp__ec_add(beta, beta, beta, F);
    fmcp__ec_add(beta, beta, beta, F);         /* 4 X Y^2 */
    fmcp__ec_mul(r->x, alpha, alpha, F);
    fmcp__ec_sub(r->x, r->x, beta, F);
    fmcp__ec_sub(r->x, r->x, beta, F);
    fmcp__ec_sub(t, beta, r->x, F);
    fmcp__ec_mul(t, alpha, t, F);
    fmcp__ec_mul(gamma, gamma, gamma, F);
    fmcp__ec_add(gamma, gamma, gamma, F);
    fmcp__ec_add(gamma, gamma, gamma, F);
    fmcp__ec_add(gamma, gamma, gamma, F);      /* 8 Y^4 */
    fmcp__ec_sub(r->y, t, gamma, F);
}

/* r = P + (qx, qy, qz), qz NULL for an affine point (Z = 1). r may alias P. */
static void fmcp__ec_jadd(fmcp__ec_pt *r, const fmcp__ec_pt *P, const fmcp__ec_limb *qx,
                          const fmcp__ec_limb *qy, const fmcp__ec_limb *qz, const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    size_t nb = (size_t)F->n * sizeof(fmcp__ec_limb);
    fmcp__ec_fe u1, u2, s1, s2, h, rr, h2, h3, t;
    if (fmcp__ec_iszero(P->z, F)) {
        memcpy(r->x, qx, nb);
        memcpy(r->y, qy, nb);
        memcpy(r->z, qz ? qz : F->one, nb);
        return;
    }
    if (qz && fmcp__ec_iszero(qz, F)) { *r = *P; return; }
    fmcp__ec_mul(t, P->z, P->z, F);
    fmcp__ec_mul(u2, qx, t, F);
    fmcp__ec_mul(s2, qy, t, F);
    fmcp__ec_mul(s2, s2, P->z, F);
    if (qz) {
        fmcp__ec_mul(t, qz, qz, F);
        fmcp__ec_mul(u1, P->x, t, F);
        fmcp__ec_mul(s1, P->y, t, F);
        fmcp__ec_mul(s1, s1, qz, F);
    } else {
        memcpy(u1, P->x, nb);
        memcpy(s1, P->y, nb);
    }
    fmcp__ec_sub(h, u2, u1, F);
    fmcp__ec_sub(rr, s2, s1, F);
    if (fmcp__ec_iszero(h, F)) {               /* same x: P == Q or P == -Q */
        if (fmcp__ec_iszero(rr, F)) fmcp__ec_jdbl(r, P, C);
        else memset(r, 0, sizeof *r);
        return;
    }
    fmcp__ec_mul(h2, h, h, F);
    fmcp__ec_mul(h3, h2, h, F);
    fmcp__ec_mul(u1, u1, h2, F);               /* U1 H^2 */
    fmcp__ec_mul(r->z, P->z, h, F);
    if (qz) fmcp__ec_mul(r->z, r->z, qz, F);
    fmcp__ec_mul(t, rr, rr, F);
    fmcp__ec_sub(t, t, h3, F);
    fmcp__ec_sub(t, t, u1, F);
    fmcp__ec_sub(r->x, t, u1, F);              /* R^2 - H^3 - 2 U1 H^2 */
    fmcp__ec_sub(t, u1, r->x, F);
    fmcp__ec_mul(t, rr, t, F);
    fmcp__ec_mul(s1, s1, h3, F);
    fmcp__ec_sub(r->y, t, s1, F);
}

/* acc += d * (table point), d odd (negative: the point with y negated). */
static void fmcp__ec_jadd_digit(fmcp__ec_pt *acc, const fmcp__ec_limb *x, const fmcp__ec_limb *y,
                                const fmcp__ec_limb *z, int neg, const fmcp__ec_def *C)
{
    fmcp__ec_fe ny, zero;
    if (neg) {
        memset(zero, 0, sizeof zero);
        fmcp__ec_sub(ny, zero, y, &C->p);
        y = ny;
    }
    fmcp__ec_jadd(acc, acc, x, y, z, C);
}

static void fmcp__ec_mul2_vt(fmcp__ec_pt *r, const uint8_t *u1, const fmcp__ec_pt *Q,
                             const uint8_t *u2, const fmcp__ec_def *C)
{
    signed char n1[FMCP_EC_MAX_BYTES * 8 + 1], n2[FMCP_EC_MAX_BYTES * 8 + 1];
    fmcp__ec_pt tq[FMCP__EC_QTAB], q2;
    size_t stride = 2 * (size_t)C->p.n;
    int l1 = fmcp__ec_wnaf(n1, u1, C->bytes, FMCP__EC_GW), l2 = fmcp__ec_wnaf(n2, u2, C->bytes, FMCP__EC_QW);
    int i;
    tq[0] = *Q;                                /* Z = 1 */
    fmcp__ec_jdbl(&q2, Q, C);
    for (i = 1; i < FMCP__EC_QTAB; i++) fmcp__ec_jadd(&tq[i], &tq[i - 1], q2.x, q2.y, q2.z, C);
    memset(r, 0, sizeof *r);
    for (i = (l1 > l2 ? l1 : l2) - 1; i >= 0; i--) {
        fmcp__ec_jdbl(r, r, C);
        if (i < l1 && n1[i]) {
            const fmcp__ec_limb *g = C->gtab + stride * (size_t)((n1[i] < 0 ? -n1[i] : n1[i]) / 2);
            fmcp__ec_jadd_digit(r, g, g + C->p.n, NULL, n1[i] < 0, C);
        }
        if (i < l2 && n2[i]) {
            const fmcp__ec_pt *q = &tq[(n2[i] < 0 ? -n2[i] : n2[i]) / 2];
            fmcp__ec_jadd_digit(r, q->x, q->y, q->z, n2[i] < 0, C);
        }
    }
}

/* ---- scalars mod n ------------------------------------------------------------ */

/* 1 when 0 < k < n (no branch). */
static fmcp__ec_limb fmcp__ec_scalar_ok(const fmcp__ec_limb *k, const fmcp__ec_def *C)
{
    return (fmcp__ec_limb)((1u ^ fmcp__ec_iszero(k, &C->n)) & fmcp__ec_below(k, &C->n));
}

/* e = bits2int(digest) mod n: n has a whole number of bytes on both curves,
 * so that is the leftmost C->bytes bytes, reduced once (e < 2^bits < 2n). */
static void fmcp__ec_digest(fmcp__ec_limb *e, const uint8_t *digest, size_t dlen,
                            const fmcp__ec_def *C)
{
    uint8_t buf[FMCP_EC_MAX_BYTES];
    size_t take = dlen < C->bytes ? dlen : C->bytes;
    memset(buf, 0, sizeof buf);
    if (take) memcpy(buf + C->bytes - take, digest, take);
    fmcp__ec_load(e, buf, C->bytes);
    fmcp__ec_csub(e, e, 0, &C->n);
}

/* ---- ECDSA verify ------------------------------------------------------------------ */

/* Does the x-coordinate of the Jacobian R, reduced mod n, equal r?
 * Compared without an inversion: r Z^2 == X, or (r + n) Z^2 == X when
 * r + n < p. */
static int fmcp__ec_check_x(const fmcp__ec_pt *R, const fmcp__ec_limb *r, const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_fe t, rn, z2;
    fmcp__ec_dlimb c = 0;
    int j;
    if (fmcp__ec_iszero(R->z, F)) return 0;
    fmcp__ec_mul(z2, R->z, R->z, F);
    fmcp__ec_tomont(t, r, F);                  /* r < n < p */
    fmcp__ec_mul(t, t, z2, F);
    if (fmcp__ec_equal(t, R->x, F)) return 1;
    memset(rn, 0, sizeof rn);
    for (j = 0; j < F->n; j++) {
        c += (fmcp__ec_dlimb)r[j] + C->n.m[j];
        rn[j] = (fmcp__ec_limb)c;
        c >>= FMCP__EC_LB;
    }
    if (c || !fmcp__ec_below(rn, F)) return 0;
    fmcp__ec_tomont(t, rn, F);
    fmcp__ec_mul(t, t, z2, F);
    return fmcp__ec_equal(t, R->x, F);
}

FASTMCP_API fmcp_result fmcp_ecdsa_verify(const fmcp_ec_public_key *key, const uint8_t *digest,
                                          size_t dlen, const uint8_t *sig, size_t siglen)
{
    const fmcp__ec_def *C;
    fmcp__ec_pt Q, R;
    fmcp__ec_fe r, s, e, w, u;
    uint8_t u1[FMCP_EC_MAX_BYTES], u2[FMCP_EC_MAX_BYTES];
    fmcp_result rc;
    if (!key || (!digest && dlen) || (!sig && siglen)) return FMCP_ERR_INVALID_ARG;
    C = fmcp__ec_get(key->curve);
    if (!C) return FMCP_ERR_BAD_KEY;
    rc = fmcp__ec_pt_load(&Q, key->x, key->y, C);
    if (rc != FMCP_OK) return rc;
    if (siglen != 2 * C->bytes) return FMCP_ERR_BAD_SIGNATURE;
    fmcp__ec_load(r, sig, C->bytes);
    fmcp__ec_load(s, sig + C->bytes, C->bytes);
    if (!fmcp__ec_scalar_ok(r, C) || !fmcp__ec_scalar_ok(s, C)) return FMCP_ERR_BAD_SIGNATURE;
    fmcp__ec_digest(e, digest, dlen, C);
    fmcp__ec_tomont(w, s, &C->n);
    fmcp__ec_inv(w, w, &C->n);                 /* Montgomery form of s^-1 */
    fmcp__ec_mul(u, w, e, &C->n);              /* plain e / s */
    fmcp__ec_store(u1, u, C->bytes);
    fmcp__ec_mul(u, w, r, &C->n);              /* plain r / s */
    fmcp__ec_store(u2, u, C->bytes);
    fmcp__ec_mul2_vt(&R, u1, &Q, u2, C);
    return fmcp__ec_check_x(&R, r, C) ? FMCP_OK : FMCP_ERR_BAD_SIGNATURE;
}

/* ---- RFC 6979 nonces (HMAC-SHA-256 generator) --------------------------------- */

typedef struct fmcp__ec_drbg {
    uint8_t k[FMCP_SHA256_SIZE], v[FMCP_SHA256_SIZE];
} fmcp__ec_drbg;

/* K = HMAC_K(V || sep [|| x || h || extra]); V = HMAC_K(V). */
static void fmcp__ec_drbg_update(fmcp__ec_drbg *g, uint8_t sep, const uint8_t *x, const uint8_t *h,
                                 size_t rolen, const uint8_t *extra, size_t extra_len)
{
    fmcp_hmac_sha256_ctx c;
    uint8_t t[FMCP_SHA256_SIZE];
    fmcp_hmac_sha256_init(&c, g->k, sizeof g->k);
    fmcp_hmac_sha256_update(&c, g->v, sizeof g->v);
    fmcp_hmac_sha256_update(&c, &sep, 1);
    if (x) {
        fmcp_hmac_sha256_update(&c, x, rolen);
        fmcp_hmac_sha256_update(&c, h, rolen);
        if (extra_len) fmcp_hmac_sha256_update(&c, extra, extra_len);
    }
    fmcp_hmac_sha256_final(&c, t);
    memcpy(g->k, t, sizeof t);
    fmcp_hmac_sha256(g->k, sizeof g->k, g->v, sizeof g->v, t);
    memcpy(g->v, t, sizeof t);
    fmcp_wipe(t, sizeof t);
}

/* T = V1 || V2 || ... truncated to rolen bytes (qlen is a whole number of bytes). */
static void fmcp__ec_drbg_generate(fmcp__ec_drbg *g, uint8_t *out, size_t rolen)
{
    size_t done = 0;
    while (done < rolen) {
        uint8_t t[FMCP_SHA256_SIZE];
        size_t take = rolen - done < sizeof t ? rolen - done : sizeof t;
        fmcp_hmac_sha256(g->k, sizeof g->k, g->v, sizeof g->v, t);
        memcpy(g->v, t, sizeof t);
        memcpy(out + done, t, take);
        done += take;
        fmcp_wipe(t, sizeof t);
    }
}

/* ---- ECDSA sign ---------------------------------------------------------------- */

/* One signing attempt with nonce kb: FMCP_OK and r || s in sig, or
 * FMCP_ERR_CRYPTO when r or s came out zero (the caller draws another k). */
static fmcp_result fmcp__ec_sign_with(const fmcp__ec_def *C, const fmcp__ec_limb *d,
                                      const fmcp__ec_limb *e, const uint8_t *kb, uint8_t *sig)
{
    fmcp__ec_pt R;
    fmcp__ec_fe x, y, r, k, t;
    fmcp__ec_limb bad;
    fmcp__ec_mul_base_ct(&R, kb, C);
    fmcp__ec_pt_affine(x, y, &R, C);           /* k in [1, n-1]: R is never O */
    fmcp__ec_frommont(r, x, &C->p);
    fmcp__ec_csub(r, r, 0, &C->n);             /* x < p < 2n */
    fmcp__ec_load(k, kb, C->bytes);
    fmcp__ec_tomont(k, k, &C->n);
    fmcp__ec_inv(k, k, &C->n);                 /* Montgomery form of 1/k */
    fmcp__ec_tomont(t, r, &C->n);
    fmcp__ec_mul(t, t, d, &C->n);              /* plain r d */
    fmcp__ec_add(t, t, e, &C->n);
    fmcp__ec_mul(t, k, t, &C->n);              /* plain s = (e + r d) / k */
    bad = fmcp__ec_iszero(r, &C->n) | fmcp__ec_iszero(t, &C->n);
    FMCP_CT_DECLASSIFY(&bad, sizeof bad);
    fmcp__ec_store(sig, r, C->bytes);
    fmcp__ec_store(sig + C->bytes, t, C->bytes);
    fmcp_wipe(&R, sizeof R);
    fmcp_wipe(x, sizeof x);
    fmcp_wipe(y, sizeof y);
    fmcp_wipe(k, sizeof k);
    fmcp_wipe(t, sizeof t);
    return bad ? FMCP_ERR_CRYPTO : FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_ecdsa_sign_ex(const fmcp_ec_private_key *key, const uint8_t *digest,
                                           size_t dlen, const uint8_t *extra, size_t extra_len,
                                           uint8_t *sig)
{
    const fmcp__ec_def *C;
    fmcp__ec_fe d, e, k;
    uint8_t h[FMCP_EC_MAX_BYTES], kb[FMCP_EC_MAX_BYTES];
    fmcp__ec_drbg g;
    fmcp_result rc = FMCP_ERR_CRYPTO;
    fmcp__ec_limb ok;
    int tries;
    if (!key || !sig || (!digest && dlen) || (!extra && extra_len)) return FMCP_ERR_INVALID_ARG;
    C = fmcp__ec_get(key->pub.curve);
    if (!C) return FMCP_ERR_BAD_KEY;
    fmcp__ec_load(d, key->d, C->bytes);
    ok = fmcp__ec_scalar_ok(d, C);
    FMCP_CT_DECLASSIFY(&ok, sizeof ok);
    if (!ok) { fmcp_wipe(d, sizeof d); return FMCP_ERR_BAD_KEY; }
    fmcp__ec_digest(e, digest, dlen, C);
    fmcp__ec_store(h, e, C->bytes);            /* bits2octets(h1) */
    memset(g.v, 0x01, sizeof g.v);
    memset(g.k, 0x00, sizeof g.k);
    fmcp__ec_drbg_update(&g, 0x00, key->d, h, C->bytes, extra, extra_len);
    fmcp__ec_drbg_update(&g, 0x01, key->d, h, C->bytes, extra, extra_len);
    /* A candidate outside [1, n-1], or an r or s of zero, happens with
     * probability below 2^-32 per try; the bound only stops a broken hash. */
    for (tries = 0; tries < 64; tries++) {
        fmcp__ec_drbg_generate(&g, kb, C->bytes);
        fmcp__ec_load(k, kb, C->bytes);
        ok = fmcp__ec_scalar_ok(k, C);
        FMCP_CT_DECLASSIFY(&ok, sizeof ok);
        if (ok) {
            rc = fmcp__ec_sign_with(C, d, e, kb, sig);
            if (rc == FMCP_OK) break;
        }
        fmcp__ec_drbg_update(&g, 0x00, NULL, NULL, 0, NULL, 0);
    }
    fmcp_wipe(d, sizeof d);
    fmcp_wipe(k, sizeof k);
    fmcp_wipe(kb, sizeof kb);
    fmcp_wipe(&g, sizeof g);
    if (rc != FMCP_OK) fmcp_wipe(sig, 2 * C->bytes);
    return rc;
}

FASTMCP_API fmcp_result fmcp_ecdsa_sign(const fmcp_ec_private_key *key, const uint8_t *digest,
                                        size_t dlen, uint8_t *sig)
{
    return fmcp_ecdsa_sign_ex(key, digest, dlen, NULL, 0, sig);
}

FASTMCP_API fmcp_result fmcp_ecdsa_sign_hedged(const fmcp_ec_private_key *key, const uint8_t *digest,
                                               size_t dlen, uint8_t *sig)
{
    uint8_t extra[32];
    fmcp_result rc = fmcp_random_bytes(extra, sizeof extra);
    if (rc == FMCP_OK) rc = fmcp_ecdsa_sign_ex(key, digest, dlen, extra, sizeof extra, sig);
    fmcp_wipe(extra, sizeof extra);
    return rc;
}

/* ---- DER Ecdsa-Sig-Value ---------------------------------------------------------- */

/* One strict DER INTEGER at *p (of len bytes left): non-negative, minimal,
 * at most size bytes of value; written right-aligned into out. */
static int fmcp__ec_der_int(const uint8_t **p, size_t *left, uint8_t *out, size_t size)
{
    const uint8_t *q = *p;
    size_t n;
    if (*left < 2 || q[0] != 0x02 || q[1] >= 0x80 || q[1] == 0) return 0;
    n = q[1];
    if (n > *left - 2) return 0;
    q += 2;
    if (q[0] & 0x80) return 0;                          /* negative */
    if (n > 1 && q[0] == 0 && !(q[1] & 0x80)) return 0; /* not minimal */
    *p = q + n;
    *left -= n + 2;
    if (q[0] == 0 && n > 1) { q++; n--; }
    if (n > size) return 0;
    memset(out, 0, size - n);
    memcpy(out + size - n, q, n);
    return 1;
}

FASTMCP_API fmcp_result fmcp_ecdsa_sig_from_der(fmcp_ec_curve curve, const uint8_t *der, size_t len,
                                                uint8_t *sig)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    const uint8_t *p;
    size_t left;
    if (!C || !sig || (!der && len)) return FMCP_ERR_INVALID_ARG;
    /* The longest content (2 * (2 + 49) bytes) is below 128, so DER never
     * uses the long length form here: any 0x8X length is refused. */
    if (len < 2 || der[0] != 0x30 || der[1] >= 0x80 || (size_t)der[1] != len - 2) return FMCP_ERR_PARSE;
    p = der + 2;
    left = len - 2;
    if (!fmcp__ec_der_int(&p, &left, sig, C->bytes) ||
        !fmcp__ec_der_int(&p, &left, sig + C->bytes, C->bytes) || left != 0) {
        fmcp_wipe(sig, 2 * C->bytes);
        return FMCP_ERR_PARSE;
    }
    return FMCP_OK;
}

static size_t fmcp__ec_der_put(uint8_t *out, const uint8_t *v, size_t size)
{
    size_t i = 0, n;
    while (i + 1 < size && v[i] == 0) i++;
    n = size - i;
    out[0] = 0x02;
    if (v[i] & 0x80) {
        out[1] = (uint8_t)(n + 1);
        out[2] = 0;
        memcpy(out + 3, v + i, n);
        return n + 3;
    }
    out[1] = (uint8_t)n;
    memcpy(out + 2, v + i, n);
    return n + 2;
}

FASTMCP_API fmcp_result fmcp_ecdsa_sig_to_der(fmcp_ec_curve curve, const uint8_t *sig,
                                              uint8_t *out, size_t cap, size_t *out_len)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    uint8_t tmp[FMCP_EC_MAX_DER];
    size_t n;
    if (!C || !sig || !out || !out_len) return FMCP_ERR_INVALID_ARG;
    n = 2 + fmcp__ec_der_put(tmp + 2, sig, C->bytes);
    n += fmcp__ec_der_put(tmp + n, sig + C->bytes, C->bytes);
    tmp[0] = 0x30;
    tmp[1] = (uint8_t)(n - 2);
    *out_len = n;
    if (n > cap) return FMCP_ERR_BUFFER_TOO_SMALL;
    memcpy(out, tmp, n);
    return FMCP_OK;
}

/* ---- keys and ECDH ------------------------------------------------------------------ */

FASTMCP_API size_t fmcp_ec_size(fmcp_ec_curve curve)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    return C ? C->bytes : 0;
}

FASTMCP_API fmcp_result fmcp_ec_public_check(const fmcp_ec_public_key *key)
{
    const fmcp__ec_def *C;
    fmcp__ec_pt Q;
    if (!key) return FMCP_ERR_INVALID_ARG;
    C = fmcp__ec_get(key->curve);
    if (!C) return FMCP_ERR_BAD_KEY;
    return fmcp__ec_pt_load(&Q, key->x, key->y, C);
}

FASTMCP_API fmcp_result fmcp_ec_public_from_xy(fmcp_ec_public_key *out, fmcp_ec_curve curve,
                                               const uint8_t *x, size_t xlen,
                                               const uint8_t *y, size_t ylen)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    fmcp_result rc;
    if (!out || !x || !y) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!C) return FMCP_ERR_INVALID_ARG;
    if (xlen != C->bytes || ylen != C->bytes) return FMCP_ERR_BAD_KEY;
    out->curve = curve;
    memcpy(out->x, x, xlen);
    memcpy(out->y, y, ylen);
    rc = fmcp_ec_public_check(out);
    if (rc != FMCP_OK) memset(out, 0, sizeof *out);
    return rc;
}

FASTMCP_API fmcp_result fmcp_ec_public_from_sec1(fmcp_ec_public_key *out, fmcp_ec_curve curve,
                                                 const uint8_t *p, size_t len)
{
    size_t size = fmcp_ec_size(curve);
    if (!out || !p) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!size) return FMCP_ERR_INVALID_ARG;
    if (len == 1 + size && (p[0] == 0x02 || p[0] == 0x03)) return FMCP_ERR_UNSUPPORTED;
    if (len != 1 + 2 * size || p[0] != 0x04) return FMCP_ERR_BAD_KEY;
    return fmcp_ec_public_from_xy(out, curve, p + 1, size, p + 1 + size, size);
}

FASTMCP_API fmcp_result fmcp_ec_public_to_sec1(const fmcp_ec_public_key *key,
                                               uint8_t *out, size_t *out_len)
{
    size_t size;
    fmcp_result rc;
    if (!key || !out || !out_len) return FMCP_ERR_INVALID_ARG;
    rc = fmcp_ec_public_check(key);
    if (rc != FMCP_OK) return rc;
    size = fmcp_ec_size(key->curve);
    out[0] = 0x04;
    memcpy(out + 1, key->x, size);
    memcpy(out + 1 + size, key->y, size);
    *out_len = 1 + 2 * size;
    return FMCP_OK;
}

/* x, y (big-endian) of k * P (P NULL: k * G by the comb); 0 when the
 * result is O. Constant time in k. */
static int fmcp__ec_mul_affine(uint8_t *x, uint8_t *y, const fmcp__ec_pt *P, const uint8_t *k,
                               const fmcp__ec_def *C)
{
    fmcp__ec_pt R;
    fmcp__ec_fe ax, ay;
    int ok;
    if (P) fmcp__ec_mul_ct(&R, P, k, C);
    else fmcp__ec_mul_base_ct(&R, k, C);
    ok = fmcp__ec_pt_affine(ax, ay, &R, C);
    FMCP_CT_DECLASSIFY(&ok, sizeof ok);
    fmcp__ec_frommont(ax, ax, &C->p);
    fmcp__ec_frommont(ay, ay, &C->p);
    fmcp__ec_store(x, ax, C->bytes);
    if (y) fmcp__ec_store(y, ay, C->bytes);
    fmcp_wipe(&R, sizeof R);
    fmcp_wipe(ax, sizeof ax);
    fmcp_wipe(ay, sizeof ay);
    return ok;
}

FASTMCP_API fmcp_result fmcp_ec_private_from_bytes(fmcp_ec_private_key *out, fmcp_ec_curve curve,
                                                   const uint8_t *d, size_t dlen)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    fmcp__ec_fe k;
    fmcp__ec_limb ok;
    if (!out || !d) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!C) return FMCP_ERR_INVALID_ARG;
    if (dlen != C->bytes) return FMCP_ERR_BAD_KEY;
    fmcp__ec_load(k, d, C->bytes);
    ok = fmcp__ec_scalar_ok(k, C);
    FMCP_CT_DECLASSIFY(&ok, sizeof ok);
    fmcp_wipe(k, sizeof k);
    if (!ok) return FMCP_ERR_BAD_KEY;
    out->pub.curve = curve;
    memcpy(out->d, d, dlen);
    if (!fmcp__ec_mul_affine(out->pub.x, out->pub.y, NULL, out->d, C)) {
        fmcp_wipe(out, sizeof *out);
        return FMCP_ERR_CRYPTO;
    }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_ec_keygen(fmcp_ec_curve curve, fmcp_ec_private_key *out)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    uint8_t d[FMCP_EC_MAX_BYTES];
    fmcp__ec_fe k;
    fmcp_result rc = FMCP_ERR_RANDOM;
    int tries;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!C) return FMCP_ERR_INVALID_ARG;
    /* A random string is out of range with probability below 2^-32; 64
     * rejections in a row mean the generator is broken. */
    for (tries = 0; tries < 64; tries++) {
        fmcp__ec_limb ok;
        rc = fmcp_random_bytes(d, C->bytes);
        if (rc != FMCP_OK) break;
        fmcp__ec_load(k, d, C->bytes);
        ok = fmcp__ec_scalar_ok(k, C);
        FMCP_CT_DECLASSIFY(&ok, sizeof ok);
        rc = FMCP_ERR_RANDOM;
        if (ok) { rc = fmcp_ec_private_from_bytes(out, curve, d, C->bytes); break; }
    }
    fmcp_wipe(d, sizeof d);
    fmcp_wipe(k, sizeof k);
    if (rc != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return rc;
}

FASTMCP_API fmcp_result fmcp_ecdh(const fmcp_ec_private_key *key, const fmcp_ec_public_key *peer,
                                  uint8_t *out)
{
    const fmcp__ec_def *C;
    fmcp__ec_pt Q;
    fmcp__ec_fe k;
    fmcp__ec_limb ok;
    if (!key || !peer || !out) return FMCP_ERR_INVALID_ARG;
    C = fmcp__ec_get(key->pub.curve);
    if (!C || peer->curve != key->pub.curve) return FMCP_ERR_BAD_KEY;
    if (fmcp__ec_pt_load(&Q, peer->x, peer->y, C) != FMCP_OK) return FMCP_ERR_BAD_KEY;
    fmcp__ec_load(k, key->d, C->bytes);
    ok = fmcp__ec_scalar_ok(k, C);
    FMCP_CT_DECLASSIFY(&ok, sizeof ok);
    fmcp_wipe(k, sizeof k);
    if (!ok) return FMCP_ERR_BAD_KEY;
    /* A prime-order group, d in [1, n-1] and Q != O: the result is never O. */
    if (!fmcp__ec_mul_affine(out, NULL, &Q, key->d, C)) {
        fmcp_wipe(out, C->bytes);
        return FMCP_ERR_CRYPTO;
    }
    return FMCP_OK;
}

/* ---- raw points for the tls module's BearSSL hook ------------------------------
 * BearSSL's br_ec_impl speaks uncompressed SEC1 points (04 || x || y) and
 * big-endian scalars of any length. Compiled only when tls is (otherwise
 * nothing calls these). Constant time in the scalars; the points are
 * public (a peer's key share, a certificate key). */
#if defined(FASTMCP_WITH_BEARSSL) && !defined(FASTMCP_NO_SOCKETS)

/* k (klen bytes) as C->bytes bytes; 0 when it does not fit (leading bytes
 * beyond the size must be zero: only that one bit is revealed). */
static int fmcp__ec_raw_scalar(uint8_t *out, const uint8_t *k, size_t klen, const fmcp__ec_def *C)
{
    uint8_t extra = 0;
    size_t i;
    memset(out, 0, C->bytes);
    for (i = 0; i + C->bytes < klen; i++) extra |= k[i];
    FMCP_CT_DECLASSIFY(&extra, sizeof extra);
    if (extra) return 0;
    if (klen > C->bytes) { k += klen - C->bytes; klen = C->bytes; }
    if (klen) memcpy(out + C->bytes - klen, k, klen);
    return 1;
}

/* 1 when k is zero (revealed: BearSSL's contract makes it an error). */
static int fmcp__ec_raw_zero(const uint8_t *k, size_t klen)
{
    uint8_t acc = 0;
    size_t i;
    for (i = 0; i < klen; i++) acc |= k[i];
    FMCP_CT_DECLASSIFY(&acc, sizeof acc);
    return acc == 0;
}

/* An uncompressed point of exactly 1 + 2 size bytes, on the curve. */
static int fmcp__ec_raw_load(fmcp__ec_pt *P, const uint8_t *s, size_t len, const fmcp__ec_def *C)
{
    if (len != 1 + 2 * C->bytes || s[0] != 0x04) return 0;
    return fmcp__ec_pt_load(P, s + 1, s + 1 + C->bytes, C) == FMCP_OK;
}

/* 04 || x || y of R into out; 0 (and out untouched) when R is O. */
static int fmcp__ec_raw_store(uint8_t *out, const fmcp__ec_pt *R, const fmcp__ec_def *C)
{
    fmcp__ec_fe ax, ay;
    int ok = fmcp__ec_pt_affine(ax, ay, R, C);
    FMCP_CT_DECLASSIFY(&ok, sizeof ok);
    if (ok) {
        fmcp__ec_frommont(ax, ax, &C->p);
        fmcp__ec_frommont(ay, ay, &C->p);
        out[0] = 0x04;
        fmcp__ec_store(out + 1, ax, C->bytes);
        fmcp__ec_store(out + 1 + C->bytes, ay, C->bytes);
    }
    fmcp_wipe(ax, sizeof ax);
    fmcp_wipe(ay, sizeof ay);
    return ok;
}

/* G = k G (br_ec_impl.mul): 1, or 0 for a bad point or scalar or an O result. */
static int fmcp__ec_raw_mul(fmcp_ec_curve curve, uint8_t *G, size_t Glen, const uint8_t *k, size_t klen)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    fmcp__ec_pt P, R;
    uint8_t kb[FMCP_EC_MAX_BYTES];
    int ok;
    if (!C || !fmcp__ec_raw_load(&P, G, Glen, C) || !fmcp__ec_raw_scalar(kb, k, klen, C)) return 0;
    fmcp__ec_mul_ct(&R, &P, kb, C);
    ok = fmcp__ec_raw_store(G, &R, C);
    fmcp_wipe(kb, sizeof kb);
    fmcp_wipe(&R, sizeof R);
    return ok;
}

/* R = k G for the generator (br_ec_impl.mulgen): the point's length, or 0. */
static size_t fmcp__ec_raw_mulgen(fmcp_ec_curve curve, uint8_t *R, const uint8_t *k, size_t klen)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    fmcp__ec_pt P;
    uint8_t kb[FMCP_EC_MAX_BYTES];
    int ok;
    if (!C || !fmcp__ec_raw_scalar(kb, k, klen, C)) return 0;
    fmcp__ec_mul_base_ct(&P, kb, C);
    ok = fmcp__ec_raw_store(R, &P, C);
    fmcp_wipe(kb, sizeof kb);
    fmcp_wipe(&P, sizeof P);
    return ok ? 1 + 2 * C->bytes : 0;
}

/* A = x A + y B, B NULL for the generator (br_ec_impl.muladd): 1, or 0 for
 * a bad point, a zero or oversized multiplier, or an O result. Both
 * products in constant time (the caller may pass secrets), then one
 * complete addition (A == B and x A == -y B need no special case). */
static int fmcp__ec_raw_muladd(fmcp_ec_curve curve, uint8_t *A, const uint8_t *B, size_t len,
                               const uint8_t *x, size_t xlen, const uint8_t *y, size_t ylen)
{
    const fmcp__ec_def *C = fmcp__ec_get(curve);
    fmcp__ec_pt P, Q;
    uint8_t xb[FMCP_EC_MAX_BYTES], yb[FMCP_EC_MAX_BYTES];
    int ok = 0;
    if (!C || !fmcp__ec_raw_load(&P, A, len, C) || (B && !fmcp__ec_raw_load(&Q, B, len, C))) return 0;
    if (fmcp__ec_raw_zero(x, xlen) || fmcp__ec_raw_zero(y, ylen)) return 0;
    if (fmcp__ec_raw_scalar(xb, x, xlen, C) && fmcp__ec_raw_scalar(yb, y, ylen, C)) {
        fmcp__ec_mul_ct(&P, &P, xb, C);
        if (B) fmcp__ec_mul_ct(&Q, &Q, yb, C);
        else fmcp__ec_mul_base_ct(&Q, yb, C);
        fmcp__ec_pt_add(&P, &P, &Q, C);
        ok = fmcp__ec_raw_store(A, &P, C);
    }
    fmcp_wipe(xb, sizeof xb);
    fmcp_wipe(yb, sizeof yb);
    fmcp_wipe(&P, sizeof P);
    fmcp_wipe(&Q, sizeof Q);
    return ok;
}

#endif
