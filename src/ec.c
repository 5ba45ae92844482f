/* ec: implementation (P-256 and P-384: Montgomery arithmetic, complete
 * projective formulas, ECDSA with RFC 6979 nonces, ECDH) */
#include "base.h"
#include "sha256.h"
#include "ec.h"

#include <string.h>

/* ---- limbs ------------------------------------------------------------------
 * Both limb sizes give the same Montgomery radix R (2^256 or 2^384: the
 * whole limb array), so the constants below are the same numbers either way;
 * FMCP__EC_W writes one 64-bit word as one or two limbs. */
#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)
__extension__ typedef unsigned __int128 fmcp__ec_dlimb;   /* __extension__: -Wpedantic */
typedef uint64_t fmcp__ec_limb;
#define FMCP__EC_LB 64
#define FMCP__EC_W(x) (uint64_t)(x)
#define FMCP__EC_W0(x) (uint64_t)(x)
#else
typedef uint64_t fmcp__ec_dlimb;
typedef uint32_t fmcp__ec_limb;
#define FMCP__EC_LB 32
#define FMCP__EC_W(x) (uint32_t)((uint64_t)(x) & 0xffffffffu), (uint32_t)((uint64_t)(x) >> 32)
#define FMCP__EC_W0(x) (uint32_t)((uint64_t)(x) & 0xffffffffu)
#endif
#define FMCP__EC_L (384 / FMCP__EC_LB)          /* limbs of the larger field */
#define FMCP__EC_N256 (256 / FMCP__EC_LB)
#define FMCP__EC_N384 (384 / FMCP__EC_LB)

typedef fmcp__ec_limb fmcp__ec_fe[FMCP__EC_L];   /* unused top limbs stay zero */

/* A modulus with its Montgomery constants. */
typedef struct fmcp__ec_mod {
    int n;                           /* limbs in use */
    fmcp__ec_fe m, r2, one;          /* m, R^2 mod m, R mod m */
    fmcp__ec_limb m0;                /* -m^-1 mod 2^FMCP__EC_LB */
} fmcp__ec_mod;

typedef struct fmcp__ec_def {
    fmcp__ec_mod p, n;
    fmcp__ec_fe b, gx, gy;           /* Montgomery form mod p */
    size_t bytes;
} fmcp__ec_def;

static const fmcp__ec_def fmcp__ec_p256 = {
    { FMCP__EC_N256,
      { FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0x00000000ffffffff),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0xffffffff00000001) },
      { FMCP__EC_W(0x0000000000000003), FMCP__EC_W(0xfffffffbffffffff),
        FMCP__EC_W(0xfffffffffffffffe), FMCP__EC_W(0x00000004fffffffd) },
      { FMCP__EC_W(0x0000000000000001), FMCP__EC_W(0xffffffff00000000),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0x00000000fffffffe) },
      FMCP__EC_W0(0x0000000000000001) },
    { FMCP__EC_N256,
      { FMCP__EC_W(0xf3b9cac2fc632551), FMCP__EC_W(0xbce6faada7179e84),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0xffffffff00000000) },
      { FMCP__EC_W(0x83244c95be79eea2), FMCP__EC_W(0x4699799c49bd6fa6),
        FMCP__EC_W(0x2845b2392b6bec59), FMCP__EC_W(0x66e12d94f3d95620) },
      { FMCP__EC_W(0x0c46353d039cdaaf), FMCP__EC_W(0x4319055258e8617b),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0x00000000ffffffff) },
      FMCP__EC_W0(0xccd1c8aaee00bc4f) },
    { FMCP__EC_W(0xd89cdf6229c4bddf), FMCP__EC_W(0xacf005cd78843090),
      FMCP__EC_W(0xe5a220abf7212ed6), FMCP__EC_W(0xdc30061d04874834) },
    { FMCP__EC_W(0x79e730d418a9143c), FMCP__EC_W(0x75ba95fc5fedb601),
      FMCP__EC_W(0x79fb732b77622510), FMCP__EC_W(0x18905f76a53755c6) },
    { FMCP__EC_W(0xddf25357ce95560a), FMCP__EC_W(0x8b4ab8e4ba19e45c),
      FMCP__EC_W(0xd2e88688dd21f325), FMCP__EC_W(0x8571ff1825885d85) },
    32
};

static const fmcp__ec_def fmcp__ec_p384 = {
    { FMCP__EC_N384,
      { FMCP__EC_W(0x00000000ffffffff), FMCP__EC_W(0xffffffff00000000),
        FMCP__EC_W(0xfffffffffffffffe), FMCP__EC_W(0xffffffffffffffff),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0xffffffffffffffff) },
      { FMCP__EC_W(0xfffffffe00000001), FMCP__EC_W(0x0000000200000000),
        FMCP__EC_W(0xfffffffe00000000), FMCP__EC_W(0x0000000200000000),
        FMCP__EC_W(0x0000000000000001), FMCP__EC_W(0x0000000000000000) },
      { FMCP__EC_W(0xffffffff00000001), FMCP__EC_W(0x00000000ffffffff),
        FMCP__EC_W(0x0000000000000001), FMCP__EC_W(0x0000000000000000),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0x0000000000000000) },
      FMCP__EC_W0(0x0000000100000001) },
    { FMCP__EC_N384,
      { FMCP__EC_W(0xecec196accc52973), FMCP__EC_W(0x581a0db248b0a77a),
        FMCP__EC_W(0xc7634d81f4372ddf), FMCP__EC_W(0xffffffffffffffff),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0xffffffffffffffff) },
      { FMCP__EC_W(0x2d319b2419b409a9), FMCP__EC_W(0xff3d81e5df1aa419),
        FMCP__EC_W(0xbc3e483afcb82947), FMCP__EC_W(0xd40d49174aab1cc5),
        FMCP__EC_W(0x3fb05b7a28266895), FMCP__EC_W(0x0c84ee012b39bf21) },
      { FMCP__EC_W(0x1313e695333ad68d), FMCP__EC_W(0xa7e5f24db74f5885),
        FMCP__EC_W(0x389cb27e0bc8d220), FMCP__EC_W(0x0000000000000000),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0x0000000000000000) },
      FMCP__EC_W0(0x6ed46089e88fdc45) },
    { FMCP__EC_W(0x081188719d412dcc), FMCP__EC_W(0xf729add87a4c32ec),
      FMCP__EC_W(0x77f2209b1920022e), FMCP__EC_W(0xe3374bee94938ae2),
      FMCP__EC_W(0xb62b21f41f022094), FMCP__EC_W(0xcd08114b604fbff9) },
    { FMCP__EC_W(0x3dd0756649c0b528), FMCP__EC_W(0x20e378e2a0d6ce38),
      FMCP__EC_W(0x879c3afc541b4d6e), FMCP__EC_W(0x6454868459a30eff),
      FMCP__EC_W(0x812ff723614ede2b), FMCP__EC_W(0x4d3aadc2299e1513) },
    { FMCP__EC_W(0x23043dad4b03a4fe), FMCP__EC_W(0xa1bfa8bf7bb4a9ac),
      FMCP__EC_W(0x8bade7562e83b050), FMCP__EC_W(0xc6c3521968f4ffd9),
      FMCP__EC_W(0xdd8002263969a840), FMCP__EC_W(0x2b78abc25a15c5e9) },
    48
};

static const fmcp__ec_def *fmcp__ec_get(fmcp_ec_curve c)
{
    if (c == FMCP_EC_P256) return &fmcp__ec_p256;
    if (c == FMCP_EC_P384) return &fmcp__ec_p384;
    return NULL;
}

/* ---- arithmetic mod m (values always fully reduced, in [0, m)) ------------ */

/* r = t - m if t (with the extra top bit hi) is >= m, else t; no branch.
 * The *_n functions take the limb count as a constant from their callers
 * below, so each curve gets unrolled loops. */
static inline void fmcp__ec_csub_n(fmcp__ec_limb *r, const fmcp__ec_limb *t, fmcp__ec_limb hi,
                                   const fmcp__ec_mod *M, int n)
{
    fmcp__ec_limb d[FMCP__EC_L], borrow = 0, mask;
    int j;
    for (j = 0; j < n; j++) {
        fmcp__ec_dlimb x = (fmcp__ec_dlimb)t[j] - M->m[j] - borrow;
        d[j] = (fmcp__ec_limb)x;
        borrow = (fmcp__ec_limb)(x >> FMCP__EC_LB) & 1u;
    }
    mask = (fmcp__ec_limb)0 - (hi | (borrow ^ 1u));
    for (j = 0; j < n; j++) r[j] = (d[j] & mask) | (t[j] & ~mask);
}

static inline void fmcp__ec_add_n(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                                  const fmcp__ec_mod *M, int n)
{
    fmcp__ec_limb t[FMCP__EC_L];
    fmcp__ec_dlimb c = 0;
    int j;
    for (j = 0; j < n; j++) {
        c += (fmcp__ec_dlimb)a[j] + b[j];
        t[j] = (fmcp__ec_limb)c;
        c >>= FMCP__EC_LB;
    }
    fmcp__ec_csub_n(r, t, (fmcp__ec_limb)c, M, n);
}

static inline void fmcp__ec_sub_n(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                                  const fmcp__ec_mod *M, int n)
{
    fmcp__ec_limb t[FMCP__EC_L], borrow = 0, mask;
    fmcp__ec_dlimb c = 0;
    int j;
    for (j = 0; j < n; j++) {
        fmcp__ec_dlimb x = (fmcp__ec_dlimb)a[j] - b[j] - borrow;
        t[j] = (fmcp__ec_limb)x;
        borrow = (fmcp__ec_limb)(x >> FMCP__EC_LB) & 1u;
    }
    mask = (fmcp__ec_limb)0 - borrow;          /* add m back when a < b */
    for (j = 0; j < n; j++) {
        c += (fmcp__ec_dlimb)t[j] + (M->m[j] & mask);
        r[j] = (fmcp__ec_limb)c;
        c >>= FMCP__EC_LB;
    }
}

static void fmcp__ec_csub(fmcp__ec_limb *r, const fmcp__ec_limb *t, fmcp__ec_limb hi,
                          const fmcp__ec_mod *M)
{
    if (M->n == FMCP__EC_N256) fmcp__ec_csub_n(r, t, hi, M, FMCP__EC_N256);
    else fmcp__ec_csub_n(r, t, hi, M, FMCP__EC_N384);
}

/* r = a + b, r = a - b mod m; r may alias a or b. */
static void fmcp__ec_add(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                         const fmcp__ec_mod *M)
{
    if (M->n == FMCP__EC_N256) fmcp__ec_add_n(r, a, b, M, FMCP__EC_N256);
    else fmcp__ec_add_n(r, a, b, M, FMCP__EC_N384);
}

static void fmcp__ec_sub(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                         const fmcp__ec_mod *M)
{
    if (M->n == FMCP__EC_N256) fmcp__ec_sub_n(r, a, b, M, FMCP__EC_N256);
    else fmcp__ec_sub_n(r, a, b, M, FMCP__EC_N384);
}

/* Montgomery product a * b / R mod m (CIOS). n is a constant at each call
 * site below, so the compiler unrolls the loops for each curve. */
static inline void fmcp__ec_mont(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                                 const fmcp__ec_mod *M, int n)
{
    fmcp__ec_limb t[FMCP__EC_L + 2];
    int i, j;
    for (j = 0; j < n + 2; j++) t[j] = 0;
    for (i = 0; i < n; i++) {
        fmcp__ec_dlimb c = 0;
        fmcp__ec_limb u;
        for (j = 0; j < n; j++) {
            c += (fmcp__ec_dlimb)a[j] * b[i] + t[j];
            t[j] = (fmcp__ec_limb)c;
            c >>= FMCP__EC_LB;
        }
        c += t[n];
        t[n] = (fmcp__ec_limb)c;
        t[n + 1] = (fmcp__ec_limb)(c >> FMCP__EC_LB);
        u = t[0] * M->m0;
        c = ((fmcp__ec_dlimb)u * M->m[0] + t[0]) >> FMCP__EC_LB;
        for (j = 1; j < n; j++) {
            c += (fmcp__ec_dlimb)u * M->m[j] + t[j];
            t[j - 1] = (fmcp__ec_limb)c;
            c >>= FMCP__EC_LB;
        }
        c += t[n];
        t[n - 1] = (fmcp__ec_limb)c;
        t[n] = t[n + 1] + (fmcp__ec_limb)(c >> FMCP__EC_LB);
    }
    fmcp__ec_csub_n(r, t, t[n], M, n);         /* t < 2m */
}

/* r may alias a or b. */
static void fmcp__ec_mul(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                         const fmcp__ec_mod *M)
{
    if (M->n == FMCP__EC_N256) fmcp__ec_mont(r, a, b, M, FMCP__EC_N256);
    else fmcp__ec_mont(r, a, b, M, FMCP__EC_N384);
}

static void fmcp__ec_copy(fmcp__ec_limb *r, const fmcp__ec_limb *a)
{
    memcpy(r, a, sizeof(fmcp__ec_fe));
}

/* 1 when a == 0 (no branch). */
static fmcp__ec_limb fmcp__ec_iszero(const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_limb acc = 0;
    int j;
    for (j = 0; j < M->n; j++) acc |= a[j];
    return (fmcp__ec_limb)(1u ^ ((acc | ((fmcp__ec_limb)0 - acc)) >> (FMCP__EC_LB - 1)));
}

/* 1 when a == b as field elements (only the limbs in use count). */
static int fmcp__ec_equal(const fmcp__ec_limb *a, const fmcp__ec_limb *b, const fmcp__ec_mod *M)
{
    return memcmp(a, b, (size_t)M->n * sizeof(fmcp__ec_limb)) == 0;
}

/* 1 when a < m (no branch). */
static fmcp__ec_limb fmcp__ec_below(const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_limb borrow = 0;
    int j;
    for (j = 0; j < M->n; j++) {
        fmcp__ec_dlimb x = (fmcp__ec_dlimb)a[j] - M->m[j] - borrow;
        borrow = (fmcp__ec_limb)(x >> FMCP__EC_LB) & 1u;
    }
    return borrow;
}

/* r = a^e mod m for a public exponent e (Montgomery in and out); a 4-bit
 * window whose indices depend on e only. */
static void fmcp__ec_pow(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *e,
                         const fmcp__ec_mod *M)
{
    fmcp__ec_fe tab[16], acc;
    int i, k, nib = M->n * (FMCP__EC_LB / 4);
    fmcp__ec_copy(tab[0], M->one);
    for (i = 1; i < 16; i++) fmcp__ec_mul(tab[i], tab[i - 1], a, M);
    fmcp__ec_copy(acc, M->one);
    for (i = nib - 1; i >= 0; i--) {
        unsigned d = (unsigned)(e[i / (FMCP__EC_LB / 4)] >> (4 * (i % (FMCP__EC_LB / 4)))) & 15u;
        for (k = 0; k < 4; k++) fmcp__ec_mul(acc, acc, acc, M);
        fmcp__ec_mul(acc, acc, tab[d], M);
    }
    fmcp__ec_copy(r, acc);
    fmcp_wipe(tab, sizeof tab);
    fmcp_wipe(acc, sizeof acc);
}

/* r = a^-1 (Fermat: a^(m-2)); 0 stays 0. Montgomery in and out. */
static void fmcp__ec_inv(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_fe e;
    fmcp__ec_copy(e, M->m);
    e[0] -= 2;                                 /* m is odd and large: no borrow */
    fmcp__ec_pow(r, a, e, M);
}

/* Big-endian bytes (len == limbs * limb size) to limbs and back. */
static void fmcp__ec_load(fmcp__ec_limb *r, const uint8_t *s, size_t len)
{
    size_t i;
    memset(r, 0, sizeof(fmcp__ec_fe));
    for (i = 0; i < len; i++)
        r[i / (FMCP__EC_LB / 8)] |= (fmcp__ec_limb)s[len - 1 - i] << (8 * (i % (FMCP__EC_LB / 8)));
}

static void fmcp__ec_store(uint8_t *s, const fmcp__ec_limb *a, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        s[len - 1 - i] = (uint8_t)(a[i / (FMCP__EC_LB / 8)] >> (8 * (i % (FMCP__EC_LB / 8))));
}

static void fmcp__ec_tomont(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_mul(r, a, M->r2, M);
}

static void fmcp__ec_frommont(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_fe one;
    memset(one, 0, sizeof one);
    one[0] = 1;
    fmcp__ec_mul(r, a, one, M);
}

/* r = a if flag (0 or 1), else r unchanged; no branch. */
static void fmcp__ec_cmov(fmcp__ec_limb *r, const fmcp__ec_limb *a, fmcp__ec_limb flag)
{
    fmcp__ec_limb mask = (fmcp__ec_limb)0 - flag;
    int j;
    for (j = 0; j < FMCP__EC_L; j++) r[j] = (r[j] & ~mask) | (a[j] & mask);
}

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

static void fmcp__ec_base(fmcp__ec_pt *g, const fmcp__ec_def *C)
{
    fmcp__ec_copy(g->x, C->gx);
    fmcp__ec_copy(g->y, C->gy);
    fmcp__ec_copy(g->z, C->p.one);
}

/* ---- variable-time u1 * G + u2 * Q for verification (public scalars) ----- */

#define FMCP__EC_WNAF_W 5
#define FMCP__EC_WNAF_T (1 << (FMCP__EC_WNAF_W - 2))   /* odd multiples 1P..15P */

/* Width-5 NAF digits of the big-endian k (len bytes), least significant
 * first; returns the number of digits. */
static int fmcp__ec_wnaf(signed char *out, const uint8_t *k, size_t len)
{
    uint32_t v[FMCP_EC_MAX_BYTES / 4 + 1];
    int i, words = (int)(len / 4) + 1, top = 0;
    size_t b;
    memset(v, 0, sizeof v);
    for (b = 0; b < len; b++) v[b / 4] |= (uint32_t)k[len - 1 - b] << (8 * (b % 4));
    for (i = 0; i <= (int)len * 8; i++) {
        int d = 0, w;
        if (v[0] & 1u) {
            d = (int)(v[0] & ((1u << FMCP__EC_WNAF_W) - 1u));
            if (d >= (1 << (FMCP__EC_WNAF_W - 1))) d -= 1 << FMCP__EC_WNAF_W;
            if (d > 0) v[0] -= (uint32_t)d;
            else {
                uint32_t add = (uint32_t)-d;
                for (w = 0; w < words && add; w++) {
                    v[w] += add;
                    add = v[w] < add ? 1u : 0u;
                }
            }
            top = i + 1;
        }
        out[i] = (signed char)d;
        for (w = 0; w < words; w++) v[w] = (v[w] >> 1) | (w + 1 < words ? v[w + 1] << 31 : 0u);
    }
    return top;
}

static void fmcp__ec_odd_multiples(fmcp__ec_pt tab[FMCP__EC_WNAF_T], const fmcp__ec_pt *P,
                                   const fmcp__ec_def *C)
{
    fmcp__ec_pt p2;
    int i;
    tab[0] = *P;
    fmcp__ec_pt_dbl(&p2, P, C);
    for (i = 1; i < FMCP__EC_WNAF_T; i++) fmcp__ec_pt_add(&tab[i], &tab[i - 1], &p2, C);
}

static void fmcp__ec_add_digit(fmcp__ec_pt *acc, const fmcp__ec_pt *tab, int d, const fmcp__ec_def *C)
{
    if (d > 0) fmcp__ec_pt_add(acc, acc, &tab[(d - 1) / 2], C);
    else if (d < 0) {
        fmcp__ec_pt t = tab[(-d - 1) / 2];
        fmcp__ec_fe zero;
        memset(zero, 0, sizeof zero);
        fmcp__ec_sub(t.y, zero, t.y, &C->p);   /* -(x, y) = (x, -y) */
        fmcp__ec_pt_add(acc, acc, &t, C);
    }
}

static void fmcp__ec_mul2_vt(fmcp__ec_pt *r, const uint8_t *u1, const fmcp__ec_pt *Q,
                             const uint8_t *u2, const fmcp__ec_def *C)
{
    signed char n1[FMCP_EC_MAX_BYTES * 8 + 1], n2[FMCP_EC_MAX_BYTES * 8 + 1];
    fmcp__ec_pt tg[FMCP__EC_WNAF_T], tq[FMCP__EC_WNAF_T], g;
    int l1 = fmcp__ec_wnaf(n1, u1, C->bytes), l2 = fmcp__ec_wnaf(n2, u2, C->bytes);
    int i, started = 0;
    fmcp__ec_base(&g, C);
    fmcp__ec_odd_multiples(tg, &g, C);
    fmcp__ec_odd_multiples(tq, Q, C);
    fmcp__ec_pt_inf(r, C);
    for (i = (l1 > l2 ? l1 : l2) - 1; i >= 0; i--) {
        if (started) fmcp__ec_pt_dbl(r, r, C);
        if (i < l1 && n1[i]) { fmcp__ec_add_digit(r, tg, n1[i], C); started = 1; }
        if (i < l2 && n2[i]) { fmcp__ec_add_digit(r, tq, n2[i], C); started = 1; }
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

/* Does the x-coordinate of R, reduced mod n, equal r? Compared projectively
 * (r Z == X, or (r + n) Z == X when r + n < p), so no inversion. */
static int fmcp__ec_check_x(const fmcp__ec_pt *R, const fmcp__ec_limb *r, const fmcp__ec_def *C)
{
    const fmcp__ec_mod *F = &C->p;
    fmcp__ec_fe t, rn;
    fmcp__ec_dlimb c = 0;
    int j;
    if (fmcp__ec_iszero(R->z, F)) return 0;
    fmcp__ec_tomont(t, r, F);                  /* r < n < p */
    fmcp__ec_mul(t, t, R->z, F);
    if (fmcp__ec_equal(t, R->x, F)) return 1;
    memset(rn, 0, sizeof rn);
    for (j = 0; j < F->n; j++) {
        c += (fmcp__ec_dlimb)r[j] + C->n.m[j];
        rn[j] = (fmcp__ec_limb)c;
        c >>= FMCP__EC_LB;
    }
    if (c || !fmcp__ec_below(rn, F)) return 0;
    fmcp__ec_tomont(t, rn, F);
    fmcp__ec_mul(t, t, R->z, F);
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
    fmcp__ec_pt G, R;
    fmcp__ec_fe x, y, r, k, t;
    fmcp__ec_limb bad;
    fmcp__ec_base(&G, C);
    fmcp__ec_mul_ct(&R, &G, kb, C);
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
    int tries;
    if (!key || !sig || (!digest && dlen) || (!extra && extra_len)) return FMCP_ERR_INVALID_ARG;
    C = fmcp__ec_get(key->pub.curve);
    if (!C) return FMCP_ERR_BAD_KEY;
    fmcp__ec_load(d, key->d, C->bytes);
    if (!fmcp__ec_scalar_ok(d, C)) { fmcp_wipe(d, sizeof d); return FMCP_ERR_BAD_KEY; }
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
        if (fmcp__ec_scalar_ok(k, C)) {
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

/* x, y (big-endian) of k * P; 0 when the result is O. Constant time in k. */
static int fmcp__ec_mul_affine(uint8_t *x, uint8_t *y, const fmcp__ec_pt *P, const uint8_t *k,
                               const fmcp__ec_def *C)
{
    fmcp__ec_pt R;
    fmcp__ec_fe ax, ay;
    int ok;
    fmcp__ec_mul_ct(&R, P, k, C);
    ok = fmcp__ec_pt_affine(ax, ay, &R, C);
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
    fmcp__ec_pt G;
    fmcp__ec_limb ok;
    if (!out || !d) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!C) return FMCP_ERR_INVALID_ARG;
    if (dlen != C->bytes) return FMCP_ERR_BAD_KEY;
    fmcp__ec_load(k, d, C->bytes);
    ok = fmcp__ec_scalar_ok(k, C);
    fmcp_wipe(k, sizeof k);
    if (!ok) return FMCP_ERR_BAD_KEY;
    out->pub.curve = curve;
    memcpy(out->d, d, dlen);
    fmcp__ec_base(&G, C);
    if (!fmcp__ec_mul_affine(out->pub.x, out->pub.y, &G, out->d, C)) {
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
    fmcp_wipe(k, sizeof k);
    if (!ok) return FMCP_ERR_BAD_KEY;
    /* A prime-order group, d in [1, n-1] and Q != O: the result is never O. */
    if (!fmcp__ec_mul_affine(out, NULL, &Q, key->d, C)) {
        fmcp_wipe(out, C->bytes);
        return FMCP_ERR_CRYPTO;
    }
    return FMCP_OK;
}
