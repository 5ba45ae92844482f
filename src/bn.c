/* bn: implementation */
#include "bn.h"

#include <string.h>

/* ---------------------------------------------------------------------------
 * bn (private): fixed-size unsigned bignums and Montgomery arithmetic (RSA building block)
 * ---------------------------------------------------------------------------
 *
 *   fmcp__limb m[FMCP_BN_MAX_LIMBS], x[FMCP_BN_MAX_LIMBS], e[1] = {65537};
 *   size_t n = fmcp__bn_limbs_for_bytes(mod_len);
 *   fmcp__bn_from_bytes(m, n, mod, mod_len);        // big-endian bytes -> limbs
 *   fmcp__bn_from_bytes(x, n, msg, msg_len);
 *   fmcp__bn_mont ctx;
 *   if (fmcp__bn_mont_init(&ctx, m, n) == FMCP_OK) {
 *       fmcp__bn_mod_exp(&ctx, x, x, e, 1);         // x = x^e mod m, constant time
 *       fmcp__bn_to_bytes(x, n, out, mod_len);
 *   }
 *
 * A number is an array of fmcp__limb, least significant limb first, with its
 * length in limbs passed beside it. Limbs are 64 bits when the compiler has a
 * 128-bit product (__SIZEOF_INT128__, unless FASTMCP_NO_INT128), else 32 bits.
 * Everything lives on the stack: at most FMCP_BN_MAX_LIMBS limbs (4096 bits
 * plus two limbs of headroom) per number, twice that for products. No heap.
 *
 * Timing: functions marked "constant time" take time that depends only on
 * the limb counts, never on the values (no secret-dependent branch or memory
 * index). The others are variable time and meant for public data.
 *
 * fmcp__bn_from_bytes(r, n, in, len)
 *   Big-endian bytes to n limbs. FMCP_ERR_OVERFLOW if the value needs more
 *   than n limbs (leading zero bytes are fine). Constant time in the value.
 * fmcp__bn_to_bytes(a, n, out, len)
 *   n limbs to exactly len big-endian bytes (left-padded with zeros).
 *   FMCP_ERR_OVERFLOW (and out zeroed) if the value does not fit. Constant time.
 * fmcp__bn_limbs_for_bytes(len)  limbs needed for a len-byte number.
 * fmcp__bn_bits(a, n)            bit length (0 for zero). Variable time (but in size-first builds).
 * fmcp__bn_is_zero(a, n)         1 if zero. Constant time.
 * fmcp__bn_cmp(a, b, n)          -1, 0 or 1. Variable time.
 * fmcp__bn_add / fmcp__bn_sub     r = a + b / a - b over n limbs; returns the
 *                               carry / borrow (0 or 1). r may alias. Constant time.
 * fmcp__bn_mul(r, a, an, b, bn)  r (an + bn limbs) = a * b. r must not alias.
 * fmcp__bn_mul_small(r, a, n, k) r = a * k over n limbs; returns the carry limb.
 * fmcp__bn_mod_small(a, n, d)    a mod d for 0 < d < 2^32. Variable time in d.
 * fmcp__bn_mod(r, a, an, m, mn)  r (mn limbs) = a mod m; FMCP_ERR_INVALID_ARG
 *                               if m is zero. Variable time (bit-serial).
 *
 * Montgomery (fmcp__bn_mont; m odd and > 1; R = 2^(limb bits * n))
 * fmcp__bn_mont_init(ctx, m, n)
 *   Caches m, -1/m mod 2^w and R^2 mod m. FMCP_ERR_INVALID_ARG for even m,
 *   m < 3 or n out of range. Constant time in m (for secret primes).
 * fmcp__bn_mont_mul(ctx, r, a, b)  r = a*b/R mod m (a, b < m). Constant time.
 * fmcp__bn_mont_sqr(ctx, r, a)     r = a*a/R mod m. Constant time.
 * fmcp__bn_mont_to(ctx, r, a)      r = a*R mod m (into Montgomery form; a < m).
 * fmcp__bn_mont_from(ctx, r, a)    r = a/R mod m (out of Montgomery form).
 * fmcp__bn_mont_reduce(ctx, r, t)  r = t/R mod m for a 2n-limb t < m*R; this
 *   reduces a double-size value without division. Constant time.
 * fmcp__bn_mod_exp(ctx, r, a, e, en)
 *   r = a^e mod m, a < m, e of en limbs (its length is public, its bits are
 *   not). Fixed 5-bit windows, table read by a full masked scan: constant time.
 *   On x86-64 CPUs with AVX-512 IFMA, 16-limb moduli take a vector path.
 * fmcp__bn_mod_exp2(c1, r1, a1, e1, c2, r2, a2, e2, en)
 *   Two of those at once (the halves of an RSA-CRT signature): on the IFMA
 *   path the two run interleaved, for the price of about one.
 * fmcp__bn_mod_exp_public(ctx, r, a, e, en)
 *   The same, variable time (public exponents, e.g. RSA verification).
 * fmcp__bn_mod_inv_vartime(r, a, m, n)
 *   r = a^-1 mod m for odd m and 0 < a < m (binary extended Euclid).
 *   FMCP_ERR_INVALID_ARG if a is zero, m even, or gcd(a, m) != 1. Variable
 *   time: use it only on values masked by a random factor (RSA blinding).
 * fmcp__bn_is_probable_prime(a, n, rounds, &is_prime)
 *   Trial division by small primes, then `rounds` Miller-Rabin rounds with
 *   bases from fmcp_random_bytes (each round errs at most 1/4 on any input, so
 *   50 rounds give error below 2^-100 even for adversarial numbers).
 *   FMCP_ERR_RANDOM if randomness fails (then *is_prime = 0).
 */

#if defined(__GNUC__) || defined(__clang__)
#  define FMCP__BN static __attribute__((unused))
#else
#  define FMCP__BN static
#endif
FMCP__BN fmcp_result fmcp__bn_from_bytes(fmcp__limb *r, size_t n, const uint8_t *in, size_t len);
FMCP__BN fmcp_result fmcp__bn_to_bytes(const fmcp__limb *a, size_t n, uint8_t *out, size_t len);
FMCP__BN size_t fmcp__bn_limbs_for_bytes(size_t len);
FMCP__BN size_t fmcp__bn_bits(const fmcp__limb *a, size_t n);
FMCP__BN int fmcp__bn_is_zero(const fmcp__limb *a, size_t n);
FMCP__BN int fmcp__bn_cmp(const fmcp__limb *a, const fmcp__limb *b, size_t n);
FMCP__BN fmcp__limb fmcp__bn_add(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b, size_t n);
FMCP__BN fmcp__limb fmcp__bn_sub(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b, size_t n);
FMCP__BN void fmcp__bn_mul(fmcp__limb *r, const fmcp__limb *a, size_t an, const fmcp__limb *b, size_t bn);
FMCP__BN fmcp__limb fmcp__bn_mul_small(fmcp__limb *r, const fmcp__limb *a, size_t n, fmcp__limb k);
FMCP__BN uint32_t fmcp__bn_mod_small(const fmcp__limb *a, size_t n, uint32_t d);
FMCP__BN fmcp_result fmcp__bn_mod(fmcp__limb *r, const fmcp__limb *a, size_t an,
                                    const fmcp__limb *m, size_t mn);

FMCP__BN fmcp_result fmcp__bn_mont_init(fmcp__bn_mont *ctx, const fmcp__limb *m, size_t n);
FMCP__BN void fmcp__bn_mont_mul(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                  const fmcp__limb *b);
FMCP__BN void fmcp__bn_mont_sqr(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a);
FMCP__BN void fmcp__bn_mont_to(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a);
FMCP__BN void fmcp__bn_mont_from(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a);
FMCP__BN void fmcp__bn_mont_reduce(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *t);
FMCP__BN void fmcp__bn_mod_exp(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                 const fmcp__limb *e, size_t en);
FMCP__BN void fmcp__bn_mod_exp2(const fmcp__bn_mont *c1, fmcp__limb *r1, const fmcp__limb *a1, const fmcp__limb *e1,
                                const fmcp__bn_mont *c2, fmcp__limb *r2, const fmcp__limb *a2, const fmcp__limb *e2,
                                size_t en);
FMCP__BN void fmcp__bn_mod_exp_public(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                        const fmcp__limb *e, size_t en);
FMCP__BN fmcp_result fmcp__bn_mod_inv_vartime(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *m,
                                                size_t n);
FMCP__BN fmcp_result fmcp__bn_is_probable_prime(const fmcp__limb *a, size_t n, unsigned rounds,
                                                  int *is_prime);


#if FMCP_LIMB_BITS == 64
__extension__ typedef unsigned __int128 fmcp__dlimb; /* silences -Wpedantic */
#else
typedef uint64_t fmcp__dlimb;
#endif

#define FMCP__LIMB_BYTES (FMCP_LIMB_BITS / 8)
#define FMCP__EXP_WINDOW 5

/* All-ones when bit is 1, zero when 0: the base of every masked select. */
static fmcp__limb fmcp__bn_mask(fmcp__limb bit) { return (fmcp__limb)0 - bit; }

FMCP__BN size_t fmcp__bn_limbs_for_bytes(size_t len)
{
    return (len + FMCP__LIMB_BYTES - 1) / FMCP__LIMB_BYTES;
}

FMCP__BN fmcp_result fmcp__bn_from_bytes(fmcp__limb *r, size_t n, const uint8_t *in, size_t len)
{
    size_t i;
    fmcp__limb spill = 0;
    memset(r, 0, n * sizeof *r);
    for (i = 0; i < len; i++) {
        size_t pos = len - 1 - i; /* byte significance */
        size_t li = pos / FMCP__LIMB_BYTES;
        if (li < n) r[li] |= (fmcp__limb)in[i] << (8 * (pos % FMCP__LIMB_BYTES));
        else spill |= in[i];
    }
    return spill ? FMCP_ERR_OVERFLOW : FMCP_OK;
}

FMCP__BN fmcp_result fmcp__bn_to_bytes(const fmcp__limb *a, size_t n, uint8_t *out, size_t len)
{
    size_t i;
    fmcp__limb spill = 0;
    for (i = 0; i < len; i++) {
        size_t pos = len - 1 - i;
        size_t li = pos / FMCP__LIMB_BYTES;
        out[i] = li < n ? (uint8_t)(a[li] >> (8 * (pos % FMCP__LIMB_BYTES))) : 0;
    }
    for (i = len / FMCP__LIMB_BYTES; i < n; i++) {
        fmcp__limb lost = a[i];
        if (i * FMCP__LIMB_BYTES < len) lost >>= 8 * (len - i * FMCP__LIMB_BYTES);
        spill |= lost;
    }
    if (spill) { fmcp_wipe(out, len); return FMCP_ERR_OVERFLOW; }
    return FMCP_OK;
}

/* fmcp__bn_bits visiting every bit without branching on it (the moduli of
 * the RSA-CRT halves are secret; only their size may come out). */
static size_t fmcp__bn_bits_ct(const fmcp__limb *a, size_t n)
{
    size_t bits = 0, i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < FMCP_LIMB_BITS; j++) {
            size_t mask = (size_t)0 - (size_t)((a[i] >> j) & 1);
            bits = (bits & ~mask) | ((i * FMCP_LIMB_BITS + j + 1) & mask);
        }
    return bits;
}

FMCP__BN size_t fmcp__bn_bits(const fmcp__limb *a, size_t n)
{
#ifdef FMCP__SMALL
    return fmcp__bn_bits_ct(a, n);   /* size first: one of the two is enough */
#else
    while (n > 0 && a[n - 1] == 0) n--;
    if (n == 0) return 0;
    {
        size_t b = (n - 1) * FMCP_LIMB_BITS;
        fmcp__limb top = a[n - 1];
        while (top) { b++; top >>= 1; }
        return b;
    }
#endif
}

FMCP__BN int fmcp__bn_is_zero(const fmcp__limb *a, size_t n)
{
    fmcp__limb acc = 0;
    size_t i;
    for (i = 0; i < n; i++) acc |= a[i];
    return (int)((1 & ((acc | ((fmcp__limb)0 - acc)) >> (FMCP_LIMB_BITS - 1))) ^ 1);
}

FMCP__BN int fmcp__bn_cmp(const fmcp__limb *a, const fmcp__limb *b, size_t n)
{
    while (n-- > 0)
        if (a[n] != b[n]) return a[n] > b[n] ? 1 : -1;
    return 0;
}

FMCP__BN fmcp__limb fmcp__bn_add(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b, size_t n)
{
    fmcp__limb c = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__dlimb z = (fmcp__dlimb)a[i] + b[i] + c;
        r[i] = (fmcp__limb)z;
        c = (fmcp__limb)(z >> FMCP_LIMB_BITS);
    }
    return c;
}

FMCP__BN fmcp__limb fmcp__bn_sub(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b, size_t n)
{
    fmcp__limb borrow = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__dlimb z = (fmcp__dlimb)a[i] - b[i] - borrow;
        r[i] = (fmcp__limb)z;
        borrow = (fmcp__limb)(z >> FMCP_LIMB_BITS) & 1;
    }
    return borrow;
}

/* r[0..n) += a[0..n) * k; returns the carry limb. The hot loop of every
 * product and reduction, unrolled by four to shorten the loop overhead. */
static fmcp__limb fmcp__bn_addmul(fmcp__limb *r, const fmcp__limb *a, size_t n, fmcp__limb k)
{
    fmcp__limb c = 0;
    fmcp__dlimb z;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        z = (fmcp__dlimb)a[j] * k + r[j] + c;
        r[j] = (fmcp__limb)z;
        z = (fmcp__dlimb)a[j + 1] * k + r[j + 1] + (fmcp__limb)(z >> FMCP_LIMB_BITS);
        r[j + 1] = (fmcp__limb)z;
        z = (fmcp__dlimb)a[j + 2] * k + r[j + 2] + (fmcp__limb)(z >> FMCP_LIMB_BITS);
        r[j + 2] = (fmcp__limb)z;
        z = (fmcp__dlimb)a[j + 3] * k + r[j + 3] + (fmcp__limb)(z >> FMCP_LIMB_BITS);
        r[j + 3] = (fmcp__limb)z;
        c = (fmcp__limb)(z >> FMCP_LIMB_BITS);
    }
    for (; j < n; j++) {
        z = (fmcp__dlimb)a[j] * k + r[j] + c;
        r[j] = (fmcp__limb)z;
        c = (fmcp__limb)(z >> FMCP_LIMB_BITS);
    }
    return c;
}

FMCP__BN void fmcp__bn_mul(fmcp__limb *r, const fmcp__limb *a, size_t an, const fmcp__limb *b, size_t bn)
{
    size_t i;
    memset(r, 0, (an + bn) * sizeof *r);
    for (i = 0; i < bn; i++) r[i + an] = fmcp__bn_addmul(r + i, a, an, b[i]);
}

FMCP__BN fmcp__limb fmcp__bn_mul_small(fmcp__limb *r, const fmcp__limb *a, size_t n, fmcp__limb k)
{
    fmcp__limb c = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__dlimb z = (fmcp__dlimb)a[i] * k + c;
        r[i] = (fmcp__limb)z;
        c = (fmcp__limb)(z >> FMCP_LIMB_BITS);
    }
    return c;
}

FMCP__BN uint32_t fmcp__bn_mod_small(const fmcp__limb *a, size_t n, uint32_t d)
{
    uint64_t rem = 0;
    int s;
    if (d == 0) return 0;
    /* 32 bits at a time so a 64-by-32 division suffices on every target */
    while (n-- > 0)
        for (s = FMCP_LIMB_BITS - 32; s >= 0; s -= 32)
            rem = ((rem << 32) | (uint32_t)(a[n] >> s)) % d;
    return (uint32_t)rem;
}

FMCP__BN fmcp_result fmcp__bn_mod(fmcp__limb *r, const fmcp__limb *a, size_t an,
                                    const fmcp__limb *m, size_t mn)
{
    fmcp__limb t[FMCP_BN_MAX_LIMBS + 1], mm[FMCP_BN_MAX_LIMBS + 1];
    size_t bit;
    if (mn == 0 || mn > FMCP_BN_MAX_LIMBS || fmcp__bn_is_zero(m, mn)) return FMCP_ERR_INVALID_ARG;
    memset(t, 0, sizeof t);
    memcpy(mm, m, mn * sizeof *m);
    mm[mn] = 0;
    /* shift in one bit of a at a time; t stays below m, so 2t+1 < 2m */
    for (bit = fmcp__bn_bits(a, an); bit-- > 0;) {
        fmcp__limb in = (a[bit / FMCP_LIMB_BITS] >> (bit % FMCP_LIMB_BITS)) & 1;
        size_t i;
        for (i = mn + 1; i-- > 0;) {
            t[i] = (t[i] << 1) | (i ? t[i - 1] >> (FMCP_LIMB_BITS - 1) : in);
        }
        if (fmcp__bn_cmp(t, mm, mn + 1) >= 0) fmcp__bn_sub(t, t, mm, mn + 1);
    }
    memcpy(r, t, mn * sizeof *r);
    fmcp_wipe(t, sizeof t);
    return FMCP_OK;
}

/* ---- Montgomery ---------------------------------------------------------- */

/* r -= m & mask over n limbs (mask all-ones or zero). Limb arithmetic with
 * the borrow from comparisons, which compilers turn into carry flags. */
static void fmcp__bn_sub_masked(fmcp__limb *r, const fmcp__limb *m, fmcp__limb mask, size_t n)
{
    fmcp__limb borrow = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__limb x = r[i], y = m[i] & mask, d = x - y;
        r[i] = d - borrow;
        borrow = (fmcp__limb)(x < y) | (fmcp__limb)(d < borrow);
    }
}

/* r = r - m if (hi:r) >= m (hi in {0,1}), else r. Masked so it is constant
 * time; a first pass only computes the borrow, so no difference is left in a
 * temporary on the stack. */
static void fmcp__bn_cond_sub(fmcp__limb *r, fmcp__limb hi, const fmcp__limb *m, size_t n)
{
    fmcp__limb borrow = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__limb x = r[i], y = m[i], d = x - y;
        borrow = (fmcp__limb)(x < y) | (fmcp__limb)(d < borrow);
    }
    fmcp__bn_sub_masked(r, m, fmcp__bn_mask(hi | (borrow ^ 1)), n);
}

/* r = t - m if (hi:t) >= m, else t (r and t may be the same). Constant time. */
static void fmcp__bn_final_sub(fmcp__limb *r, const fmcp__limb *t, fmcp__limb hi,
                               const fmcp__limb *m, size_t n)
{
    if (r != t) memmove(r, t, n * sizeof *r);
    fmcp__bn_cond_sub(r, hi, m, n);
}

/* Montgomery reduction of a 2n-limb value w < m*R: r = w/R mod m. w is
 * scratch and is overwritten. The products below take their 2n-limb scratch
 * from the caller, so an exponentiation wipes one buffer once at the end
 * instead of leaving intermediate values on the stack (or wiping per product). */
static void fmcp__bn_redc(fmcp__limb *r, fmcp__limb *w, const fmcp__limb *m, fmcp__limb m0inv, size_t n)
{
    fmcp__limb top = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__limb c = fmcp__bn_addmul(w + i, m, n, w[i] * m0inv);
        fmcp__dlimb z = (fmcp__dlimb)w[i + n] + c + top;
        w[i + n] = (fmcp__limb)z;
        top = (fmcp__limb)(z >> FMCP_LIMB_BITS);
    }
    fmcp__bn_final_sub(r, w + n, top, m, n);
}

/* Montgomery products by finely integrated product scanning: column k of
 * a*b + q*m is summed in a three-limb accumulator (registers, no stores),
 * the quotient digit q[k] is chosen when column k < n is complete, and the
 * columns from n up are the result. The accumulation has no carry chain
 * through memory; only the n-limb q (secret derived) goes to the caller's
 * scratch, which the caller wipes.
 *
 * r may alias a or b: column k >= n writes r[k - n] and reads only limbs
 * above k - n of the operands. The result (a*b + q*m)/R is below 2m for
 * a, b < m, so its top carry is 0 or 1 and one masked subtraction ends it.
 * This replaced a full product followed by a separate reduction: about 1.5x
 * faster for RSA-2048 signing, with no 2n-limb intermediate in memory. */

/* The column accumulator: a double limb c plus a carry limb h.
 * (c, h) += x * y; the comparison compiles to a carry flag, not a branch. */
#define FMCP__BN_MAC(c, h, x, y) do {                                                    \
        fmcp__dlimb p_ = (fmcp__dlimb)(x) * (y);                                         \
        (c) += p_;                                                                       \
        (h) += (fmcp__limb)((c) < p_);                                                   \
    } while (0)

/* Drop the low limb of the accumulator (t, h). */
#define FMCP__BN_SHIFT() do {                                                            \
        t = (t >> FMCP_LIMB_BITS) | ((fmcp__dlimb)h << FMCP_LIMB_BITS);                  \
        h = 0;                                                                           \
    } while (0)

/* Column k < n is complete: pick q[k] so that its low limb becomes zero, then
 * drop that limb. */
#define FMCP__BN_QDIGIT(k) do {                                                          \
        q[k] = (fmcp__limb)t * m0inv;                                                    \
        FMCP__BN_MAC(t, h, q[k], m[0]);                                                  \
        FMCP__BN_SHIFT();                                                                \
    } while (0)

/* Column k of a*b + q*m at index j, and at j and j + 1 (unrolled). */
#define FMCP__BN_MAC2(j, k) do {                                                         \
        FMCP__BN_MAC(t, h, a[j], b[(k) - (j)]);                                          \
        FMCP__BN_MAC(t, h, q[j], m[(k) - (j)]);                                          \
    } while (0)
#define FMCP__BN_MAC4(j, k) do {                                                         \
        FMCP__BN_MAC2(j, k);                                                             \
        FMCP__BN_MAC(t, h, a[(j) + 1], b[(k) - (j) - 1]);                                \
        FMCP__BN_MAC(t, h, q[(j) + 1], m[(k) - (j) - 1]);                                \
    } while (0)

static void fmcp__bn_fips_mul(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b,
                              const fmcp__limb *m, fmcp__limb m0inv, size_t n, fmcp__limb *q)
{
    fmcp__dlimb t = 0;
    fmcp__limb h = 0;
    size_t k, j;
    for (k = 0; k < n; k++) {
#ifndef FMCP__SMALL
        for (j = 0; j + 2 <= k; j += 2) FMCP__BN_MAC4(j, k);
        if (j < k) FMCP__BN_MAC2(j, k);
#else
        for (j = 0; j < k; j++) FMCP__BN_MAC2(j, k);
#endif
        FMCP__BN_MAC(t, h, a[k], b[0]);
        FMCP__BN_QDIGIT(k);
    }
    for (k = n; k < 2 * n; k++) {
#ifndef FMCP__SMALL
        for (j = k - n + 1; j + 2 <= n; j += 2) FMCP__BN_MAC4(j, k);
        if (j < n) FMCP__BN_MAC2(j, k);
#else
        for (j = k - n + 1; j < n; j++) FMCP__BN_MAC2(j, k);
#endif
        r[k - n] = (fmcp__limb)t;
        FMCP__BN_SHIFT();
    }
    fmcp__bn_cond_sub(r, (fmcp__limb)t, m, n);
}

#ifndef FMCP__SMALL
/* Squaring: each cross product a[j]*a[k-j] (j < k-j) once, into a second
 * accumulator that is doubled into the column; about 3/4 of the
 * multiplications of a general product. Size-first builds square with the
 * general product instead. */
static void fmcp__bn_fips_sqr(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *m,
                              fmcp__limb m0inv, size_t n, fmcp__limb *q)
{
    fmcp__dlimb t = 0, u;
    fmcp__limb h = 0, uh;
    size_t k, j;
    for (k = 0; k < 2 * n; k++) {
        size_t lo = k < n ? 0 : k - n + 1;
        u = 0;
        uh = 0;
        for (j = lo; 2 * j < k; j++) FMCP__BN_MAC(u, uh, a[j], a[k - j]);
        uh = (uh << 1) | (fmcp__limb)(u >> (2 * FMCP_LIMB_BITS - 1));
        u <<= 1;
        t += u;
        h += uh + (fmcp__limb)(t < u);
        if (!(k & 1)) FMCP__BN_MAC(t, h, a[k / 2], a[k / 2]);
        if (k < n) {
            for (j = 0; j < k; j++) FMCP__BN_MAC(t, h, q[j], m[k - j]);
            FMCP__BN_QDIGIT(k);
        } else {
            for (j = lo; j < n; j++) FMCP__BN_MAC(t, h, q[j], m[k - j]);
            r[k - n] = (fmcp__limb)t;
            FMCP__BN_SHIFT();
        }
    }
    fmcp__bn_cond_sub(r, (fmcp__limb)t, m, n);
}
#endif

#if FMCP_LIMB_BITS == 64 && !defined(FMCP__SMALL)
/* RSA-2048's CRT halves (16 limbs), where nearly all the time of a signature
 * goes: the same algorithm written out per column, so every loop has a
 * constant trip count and unrolls completely into straight-line code with
 * constant offsets (some 17 KB of code, left out of size-first builds; the
 * general loops spend about a third of their instructions on indices). */
#if defined(__clang__)
#  define FMCP__BN_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__) && __GNUC__ >= 8
#  define FMCP__BN_UNROLL _Pragma("GCC unroll 16")
#else
#  define FMCP__BN_UNROLL
#endif
#define FMCP__BN_COLS16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
/* columns k and 16 + k of a*b + q*m */
#define FMCP__BN_MUL_LO(k) {                                                             \
        FMCP__BN_UNROLL for (j = 0; j < (k); j++) FMCP__BN_MAC2(j, k);                   \
        FMCP__BN_MAC(t, h, a[k], b[0]);                                                  \
        FMCP__BN_QDIGIT(k);                                                              \
    }
#define FMCP__BN_MUL_HI(k) {                                                             \
        FMCP__BN_UNROLL for (j = (k) + 1; j < 16; j++) FMCP__BN_MAC2(j, (k) + 16);      \
        r[k] = (fmcp__limb)t;                                                            \
        FMCP__BN_SHIFT();                                                                \
    }
/* the same for a*a + q*m: cross products once, doubled, then the square */
#define FMCP__BN_SQR_CROSS(lo, k) {                                                      \
        u = 0;                                                                           \
        uh = 0;                                                                          \
        FMCP__BN_UNROLL for (j = (lo); 2 * j < (k); j++) FMCP__BN_MAC(u, uh, a[j], a[(k) - j]); \
        uh = (uh << 1) | (fmcp__limb)(u >> (2 * FMCP_LIMB_BITS - 1));                    \
        u <<= 1;                                                                         \
        t += u;                                                                          \
        h += uh + (fmcp__limb)(t < u);                                                   \
        if (!((k) & 1)) FMCP__BN_MAC(t, h, a[(k) / 2], a[(k) / 2]);                      \
    }
#define FMCP__BN_SQR_LO(k) {                                                             \
        FMCP__BN_SQR_CROSS(0, k);                                                        \
        FMCP__BN_UNROLL for (j = 0; j < (k); j++) FMCP__BN_MAC(t, h, q[j], m[(k) - j]);  \
        FMCP__BN_QDIGIT(k);                                                              \
    }
#define FMCP__BN_SQR_HI(k) {                                                             \
        FMCP__BN_SQR_CROSS((k) + 1, (k) + 16);                                           \
        FMCP__BN_UNROLL for (j = (k) + 1; j < 16; j++) FMCP__BN_MAC(t, h, q[j], m[(k) + 16 - j]); \
        r[k] = (fmcp__limb)t;                                                            \
        FMCP__BN_SHIFT();                                                                \
    }

static void fmcp__bn_fips_mul16(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b,
                                const fmcp__limb *m, fmcp__limb m0inv, fmcp__limb *q)
{
    fmcp__dlimb t = 0;
    fmcp__limb h = 0;
    int j; /* signed: the first column's loop is "j < 0" */
    FMCP__BN_COLS16(FMCP__BN_MUL_LO)
    FMCP__BN_COLS16(FMCP__BN_MUL_HI)
    fmcp__bn_cond_sub(r, (fmcp__limb)t, m, 16);
}

static void fmcp__bn_fips_sqr16(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *m,
                                fmcp__limb m0inv, fmcp__limb *q)
{
    fmcp__dlimb t = 0, u;
    fmcp__limb h = 0, uh;
    int j;
    FMCP__BN_COLS16(FMCP__BN_SQR_LO)
    FMCP__BN_COLS16(FMCP__BN_SQR_HI)
    fmcp__bn_cond_sub(r, (fmcp__limb)t, m, 16);
}
#  define FMCP__BN_FIXED 16
#  define fmcp__bn_fixed_mul fmcp__bn_fips_mul16
#  define fmcp__bn_fixed_sqr fmcp__bn_fips_sqr16
#endif

/* The exponentiation's products (t: scratch of at least n limbs). */
static void fmcp__bn_mmul(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b,
                          const fmcp__limb *m, fmcp__limb m0inv, size_t n, fmcp__limb *t)
{
#ifdef FMCP__BN_FIXED
    if (n == FMCP__BN_FIXED) { fmcp__bn_fixed_mul(r, a, b, m, m0inv, t); return; }
#endif
    fmcp__bn_fips_mul(r, a, b, m, m0inv, n, t);
}

static void fmcp__bn_msqr(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *m,
                          fmcp__limb m0inv, size_t n, fmcp__limb *t)
{
#ifdef FMCP__BN_FIXED
    if (n == FMCP__BN_FIXED) { fmcp__bn_fixed_sqr(r, a, m, m0inv, t); return; }
#endif
#ifndef FMCP__SMALL
    fmcp__bn_fips_sqr(r, a, m, m0inv, n, t);
#else
    fmcp__bn_fips_mul(r, a, a, m, m0inv, n, t);
#endif
}

/* The public one-shot forms: their own scratch, wiped (operands may be secret). */
FMCP__BN void fmcp__bn_mont_mul(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                  const fmcp__limb *b)
{
    fmcp__limb t[2 * FMCP_BN_MAX_LIMBS];
    fmcp__bn_mmul(r, a, b, ctx->m, ctx->m0inv, ctx->n, t);
    fmcp_wipe(t, 2 * ctx->n * sizeof *t);
}

FMCP__BN void fmcp__bn_mont_sqr(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a)
{
    fmcp__limb t[2 * FMCP_BN_MAX_LIMBS];
    fmcp__bn_msqr(r, a, ctx->m, ctx->m0inv, ctx->n, t);
    fmcp_wipe(t, 2 * ctx->n * sizeof *t);
}

FMCP__BN void fmcp__bn_mont_to(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a)
{
    fmcp__bn_mont_mul(ctx, r, a, ctx->rr);
}

FMCP__BN void fmcp__bn_mont_from(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a)
{
    fmcp__limb one[FMCP_BN_MAX_LIMBS];
    memset(one, 0, ctx->n * sizeof *one);
    one[0] = 1;
    fmcp__bn_mont_mul(ctx, r, a, one);
}

FMCP__BN void fmcp__bn_mont_reduce(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *t)
{
    fmcp__limb w[2 * FMCP_BN_MAX_LIMBS];
    memcpy(w, t, 2 * ctx->n * sizeof *w);
    fmcp__bn_redc(r, w, ctx->m, ctx->m0inv, ctx->n);
    fmcp_wipe(w, 2 * ctx->n * sizeof *w);
}

/* x = 2x mod m for x < m, constant time. */
static void fmcp__bn_mod_double(fmcp__limb *x, const fmcp__limb *m, size_t n)
{
    fmcp__limb hi = x[n - 1] >> (FMCP_LIMB_BITS - 1);
    size_t i;
    for (i = n; i-- > 1;) x[i] = (x[i] << 1) | (x[i - 1] >> (FMCP_LIMB_BITS - 1));
    x[0] <<= 1;
    fmcp__bn_final_sub(x, x, hi, m, n);
}

FMCP__BN fmcp_result fmcp__bn_mont_init(fmcp__bn_mont *ctx, const fmcp__limb *m, size_t n)
{
    fmcp__limb x, inv, t[2 * FMCP_BN_MAX_LIMBS];
    size_t bits, total, odd, k, i;
    if (n == 0 || n > FMCP_BN_MAX_LIMBS) return FMCP_ERR_INVALID_ARG;
    /* m may be secret (a CRT prime): only its oddness and size come out */
    x = m[0] & 1;
    bits = fmcp__bn_bits_ct(m, n);
    FMCP_CT_DECLASSIFY(&x, sizeof x);
    FMCP_CT_DECLASSIFY(&bits, sizeof bits);
    if (!x || bits < 2) return FMCP_ERR_INVALID_ARG;
    memset(ctx, 0, sizeof *ctx);
    memcpy(ctx->m, m, n * sizeof *m);
    ctx->n = n;
    /* Newton iteration: each step doubles the correct low bits (3 to start) */
    x = m[0];
    inv = x;
    for (i = 0; i < 5; i++) inv *= 2 - x * inv;
    ctx->m0inv = (fmcp__limb)0 - inv;
    /* R^2 mod m: double 2^(bits-1) up to 2^s * R with s the odd part of
     * w*n, then square k times, since w*n = s * 2^k. */
    total = FMCP_LIMB_BITS * n;
    for (odd = total, k = 0; !(odd & 1); odd >>= 1) k++;
    ctx->rr[(bits - 1) / FMCP_LIMB_BITS] = (fmcp__limb)1 << ((bits - 1) % FMCP_LIMB_BITS);
    for (i = bits - 1; i < total + odd; i++) fmcp__bn_mod_double(ctx->rr, m, n);
    for (i = 0; i < k; i++) fmcp__bn_mmul(ctx->rr, ctx->rr, ctx->rr, m, ctx->m0inv, n, t);
    return FMCP_OK;
}

/* r = table[idx] reading every entry, so the access pattern hides idx. */
static void fmcp__bn_ct_lookup(fmcp__limb *r, const fmcp__limb *table, size_t entries,
                               size_t idx, size_t n)
{
    size_t i, j;
#ifdef FMCP__BN_FIXED
    if (n == FMCP__BN_FIXED) { /* a constant row length: the compiler vectorises the rows */
        fmcp__limb acc[FMCP__BN_FIXED];
        memset(acc, 0, sizeof acc);
        for (i = 0; i < entries; i++) {
            fmcp__limb diff = (fmcp__limb)(i ^ idx);
            fmcp__limb take = fmcp__bn_mask((1 & ((diff | ((fmcp__limb)0 - diff)) >> (FMCP_LIMB_BITS - 1))) ^ 1);
            for (j = 0; j < FMCP__BN_FIXED; j++) acc[j] |= table[i * FMCP__BN_FIXED + j] & take;
        }
        memcpy(r, acc, sizeof acc);
        fmcp_wipe(acc, sizeof acc);
        return;
    }
#endif
    memset(r, 0, n * sizeof *r);
    for (i = 0; i < entries; i++) {
        fmcp__limb diff = (fmcp__limb)(i ^ idx);
        /* all-ones exactly when diff == 0 */
        fmcp__limb take = fmcp__bn_mask((1 & ((diff | ((fmcp__limb)0 - diff)) >> (FMCP_LIMB_BITS - 1))) ^ 1);
        for (j = 0; j < n; j++) r[j] |= table[i * n + j] & take;
    }
}

/* Window of FMCP__EXP_WINDOW bits of e ending below bit position `lo + w`. */
static size_t fmcp__bn_window(const fmcp__limb *e, size_t en, size_t lo, size_t w)
{
    size_t v = 0, b;
    for (b = lo + w; b-- > lo;) {
        fmcp__limb bit = b / FMCP_LIMB_BITS < en ? (e[b / FMCP_LIMB_BITS] >> (b % FMCP_LIMB_BITS)) & 1 : 0;
        v = (v << 1) | (size_t)bit;
    }
    return v;
}

/* ---- 1024-bit moduli on x86-64 with AVX-512 IFMA ---------------------------
 * RSA-2048's two CRT halves are exponentiations modulo 1024-bit primes; CPUs
 * with the 52-bit multiply-add instructions (vpmadd52luq/huq) do them about
 * twice as fast as the 64-bit scalar products above, which is how OpenSSL
 * signs on such machines. Operands are 20 limbs of 52 bits in three 8-lane
 * vectors; a product is an "almost Montgomery" multiplication with R =
 * 2^1040: inputs and outputs stay below 2m (4m < R), so no product needs a
 * final subtraction, and only the exponentiation's result gets one. Chosen
 * at run time (CPUID, and XGETBV for the OS saving the 512-bit state);
 * FASTMCP_RSA_PORTABLE leaves it out. Same window, same masked table scan, no
 * branch or address depends on the exponent or the operands. */
#if FMCP_LIMB_BITS == 64 && defined(__x86_64__) && !defined(FMCP__SMALL) && \
    !defined(FASTMCP_RSA_PORTABLE) && ((defined(__GNUC__) && __GNUC__ >= 8) || defined(__clang__))
#define FMCP__BN_IFMA 1
#include <immintrin.h>
#include <cpuid.h>

#define FMCP__IFMA_LIMBS 20                 /* 52-bit limbs of a 1024-bit operand */
#define FMCP__IFMA_LANES 24                 /* three vectors of 8 */
#define FMCP__IFMA_M52 (((uint64_t)1 << 52) - 1)
#define FMCP__IFMA_TARGET __attribute__((target("avx512f,avx512ifma")))

/* 1 when the CPU has AVX512F and AVX512-IFMA and the OS saves their state;
 * asked once (an atomic flag, so threads may race to fill it in). */
static int fmcp__bn_ifma(void)
{
    static int known;   /* 0 unknown, 1 no, 2 yes */
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (!v) {
        unsigned a, b, c, d, lo, hi;
        int ok = __get_cpuid_max(0, NULL) >= 7 && __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27));
        if (ok) {
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            ok = (lo & 0xe6u) == 0xe6u;     /* SSE, AVX, opmask and both ZMM halves */
        }
        if (ok) {
            __cpuid_count(7, 0, a, b, c, d);
            ok = (b & (1u << 16)) && (b & (1u << 21));   /* AVX512F, AVX512IFMA */
        }
        v = ok ? 2 : 1;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v == 2;
}

/* Regroup the bits of in (inn limbs of ib bits) into on limbs of ob bits. */
static void fmcp__bn_repack(uint64_t *out, size_t on, unsigned ob, const uint64_t *in, size_t inn, unsigned ib)
{
    fmcp__dlimb acc = 0;
    unsigned have = 0;
    size_t i = 0, j;
    uint64_t mask = ob == 64 ? ~(uint64_t)0 : ((uint64_t)1 << ob) - 1;
    for (j = 0; j < on; j++) {
        while (have < ob && i < inn) { acc |= (fmcp__dlimb)in[i++] << have; have += ib; }
        out[j] = (uint64_t)acc & mask;
        acc >>= ob;
        have = have > ob ? have - ob : 0;
    }
}

/* Two independent products at once, each r = a b / 2^1040 (mod m), below 2m
 * for a, b below 2m; k0 = -1/m mod 2^52. Every operand is a pair: 2 x
 * FMCP__IFMA_LANES limbs, the first product's then the second's (one
 * dependency chain alone leaves the multipliers idle half the time). Word
 * by word over b: add a b_i, add m q with q making the low limb zero, drop
 * that limb (a lane shift; the low 52-bit halves land in place, the high
 * halves one lane up, so they are added after the shift). Lanes carry up
 * to 2^59 during the loop and are normalised once at the end, through t
 * (a pair of scratch the caller wipes). */
#define FMCP__IFMA_LOAD3(v, p) \
    v##0 = _mm512_loadu_si512(p); v##1 = _mm512_loadu_si512((p) + 8); v##2 = _mm512_loadu_si512((p) + 16)
#define FMCP__IFMA_MADD3(op, x, v, s) \
    x##0 = op(x##0, v##0, s); x##1 = op(x##1, v##1, s); x##2 = op(x##2, v##2, s)
#define FMCP__IFMA_SHIFT3(x, c) do {                                                          \
    x##0 = _mm512_alignr_epi64(x##1, x##0, 1);                                                \
    x##1 = _mm512_alignr_epi64(x##2, x##1, 1);                                                \
    x##2 = _mm512_alignr_epi64(zero, x##2, 1);                                                \
    x##0 = _mm512_mask_add_epi64(x##0, (__mmask8)1, x##0, _mm512_set1_epi64((long long)(c))); \
} while (0)
static FMCP__IFMA_TARGET void fmcp__bn_amm52x2(uint64_t *r, const uint64_t *a, const uint64_t *b,
                                               const uint64_t *m, const uint64_t *k0, uint64_t *t)
{
    enum { L = FMCP__IFMA_LANES };
    const __m512i zero = _mm512_setzero_si512();
    __m512i a0, a1, a2, m0, m1, m2, x0 = zero, x1 = zero, x2 = zero;   /* first product */
    __m512i A0, A1, A2, M0, M1, M2, X0 = zero, X1 = zero, X2 = zero;   /* second */
    uint64_t c, C;
    int i, k;
    FMCP__IFMA_LOAD3(a, a); FMCP__IFMA_LOAD3(m, m);
    FMCP__IFMA_LOAD3(A, a + L); FMCP__IFMA_LOAD3(M, m + L);
    for (i = 0; i < FMCP__IFMA_LIMBS; i++) {
        __m512i bi = _mm512_set1_epi64((long long)b[i]), Bi = _mm512_set1_epi64((long long)b[L + i]), qv, Qv;
        __m512i p0, p1, p2, P0, P1, P2, h0, h1, h2, H0, H1, H2;
        uint64_t x, X, q, Q;
        /* a b_i's halves do not depend on the running sum: computed off the
         * chain that goes through q, then added */
        p0 = p1 = p2 = P0 = P1 = P2 = h0 = h1 = h2 = H0 = H1 = H2 = zero;
        FMCP__IFMA_MADD3(_mm512_madd52lo_epu64, p, a, bi);
        FMCP__IFMA_MADD3(_mm512_madd52lo_epu64, P, A, Bi);
        FMCP__IFMA_MADD3(_mm512_madd52hi_epu64, h, a, bi);
        FMCP__IFMA_MADD3(_mm512_madd52hi_epu64, H, A, Bi);
        x0 = _mm512_add_epi64(x0, p0); x1 = _mm512_add_epi64(x1, p1); x2 = _mm512_add_epi64(x2, p2);
        X0 = _mm512_add_epi64(X0, P0); X1 = _mm512_add_epi64(X1, P1); X2 = _mm512_add_epi64(X2, P2);
        x = (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(x0));
        X = (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(X0));
        q = (x * k0[0]) & FMCP__IFMA_M52;
        Q = (X * k0[1]) & FMCP__IFMA_M52;
        qv = _mm512_set1_epi64((long long)q);
        Qv = _mm512_set1_epi64((long long)Q);
        FMCP__IFMA_MADD3(_mm512_madd52lo_epu64, x, m, qv);
        FMCP__IFMA_MADD3(_mm512_madd52lo_epu64, X, M, Qv);
        FMCP__IFMA_MADD3(_mm512_madd52hi_epu64, h, m, qv);
        FMCP__IFMA_MADD3(_mm512_madd52hi_epu64, H, M, Qv);
        c = (x + ((m[0] * q) & FMCP__IFMA_M52)) >> 52;     /* lane 0 is now c * 2^52 */
        C = (X + ((m[L] * Q) & FMCP__IFMA_M52)) >> 52;
        FMCP__IFMA_SHIFT3(x, c);
        FMCP__IFMA_SHIFT3(X, C);
        x0 = _mm512_add_epi64(x0, h0); x1 = _mm512_add_epi64(x1, h1); x2 = _mm512_add_epi64(x2, h2);
        X0 = _mm512_add_epi64(X0, H0); X1 = _mm512_add_epi64(X1, H1); X2 = _mm512_add_epi64(X2, H2);
    }
    _mm512_storeu_si512(t, x0); _mm512_storeu_si512(t + 8, x1); _mm512_storeu_si512(t + 16, x2);
    _mm512_storeu_si512(t + L, X0); _mm512_storeu_si512(t + L + 8, X1); _mm512_storeu_si512(t + L + 16, X2);
    for (k = 0; k < 2; k++) {
        for (c = 0, i = 0; i < FMCP__IFMA_LIMBS; i++) {
            uint64_t v = t[k * L + i] + c;
            r[k * L + i] = v & FMCP__IFMA_M52;
            c = v >> 52;
        }
        for (; i < L; i++) r[k * L + i] = 0;
    }
}

/* r = table[idx] (FMCP__IFMA_LANES limbs, every `stride` limbs), reading every entry. */
static FMCP__IFMA_TARGET void fmcp__bn_ifma_lookup(uint64_t *r, const uint64_t *table, size_t entries,
                                                   size_t stride, size_t idx)
{
    __m512i r0 = _mm512_setzero_si512(), r1 = r0, r2 = r0;
    size_t i;
    for (i = 0; i < entries; i++) {
        uint64_t d = (uint64_t)(i ^ idx);
        __m512i take = _mm512_set1_epi64((long long)((uint64_t)0 - ((d - 1) >> 63)));   /* d < 2^63 */
        const uint64_t *row = table + i * stride;
        r0 = _mm512_or_si512(r0, _mm512_and_si512(_mm512_loadu_si512(row), take));
        r1 = _mm512_or_si512(r1, _mm512_and_si512(_mm512_loadu_si512(row + 8), take));
        r2 = _mm512_or_si512(r2, _mm512_and_si512(_mm512_loadu_si512(row + 16), take));
    }
    _mm512_storeu_si512(r, r0);
    _mm512_storeu_si512(r + 8, r1);
    _mm512_storeu_si512(r + 16, r2);
}

/* Both halves' setup: modulus, 2^2080 mod m, k0 and a in 52-bit limbs. */
static void fmcp__bn_ifma_setup(const fmcp__bn_mont *ctx, const fmcp__limb *a, uint64_t *m, uint64_t *rr,
                                uint64_t *k0, uint64_t *a52)
{
    enum { N = 16, L = FMCP__IFMA_LANES };
    fmcp__limb w[N];
    size_t i;
    memset(m, 0, L * sizeof *m);
    memset(rr, 0, L * sizeof *rr);
    memset(a52, 0, L * sizeof *a52);
    fmcp__bn_repack(m, L, 52, ctx->m, N, 64);
    memcpy(w, ctx->rr, sizeof w);                         /* 2^2048 mod m, doubled 32 times */
    for (i = 0; i < 2 * (52 * FMCP__IFMA_LIMBS - 64 * N); i++) fmcp__bn_mod_double(w, ctx->m, N);
    fmcp__bn_repack(rr, L, 52, w, N, 64);
    fmcp__bn_repack(a52, L, 52, a, N, 64);
    *k0 = (uint64_t)ctx->m0inv & FMCP__IFMA_M52;          /* -1/m mod 2^64, cut to 2^52 */
    fmcp_wipe(w, sizeof w);
}

/* r[k] = a[k]^e[k] mod ctx[k]->m for k = 0, 1 (16-limb moduli, exponents
 * of en limbs each): fmcp__bn_mod_exp for two at once, on the IFMA path. */
static FMCP__IFMA_TARGET void fmcp__bn_mod_exp_ifma2(const fmcp__bn_mont *const *ctx, fmcp__limb *const *r,
                                                     const fmcp__limb *const *a, const fmcp__limb *const *e,
                                                     size_t en)
{
    enum { N = 16, L = FMCP__IFMA_LANES, P = 2 * FMCP__IFMA_LANES };
    const size_t W = FMCP__EXP_WINDOW, ENTRIES = (size_t)1 << FMCP__EXP_WINDOW;
    uint64_t table[2 * (1 << FMCP__EXP_WINDOW) * L], m[P], rr[P], one[P], acc[P], t[P], s[P], k0[2];
    fmcp__limb w[N];
    size_t i, k, pos, first;
    for (k = 0; k < 2; k++) fmcp__bn_ifma_setup(ctx[k], a[k], m + k * L, rr + k * L, k0 + k, t + k * L);
    memset(one, 0, sizeof one);
    one[0] = one[L] = 1;
    fmcp__bn_amm52x2(acc, rr, one, m, k0, s);               /* R mod m: a^0 */
    fmcp__bn_amm52x2(t, t, rr, m, k0, s);                   /* a R */
    for (k = 0; k < 2; k++) {                               /* entry i of table k: i * P + k * L */
        memcpy(table + k * L, acc + k * L, L * sizeof *t);
        memcpy(table + P + k * L, t + k * L, L * sizeof *t);
    }
    for (i = 2; i < ENTRIES; i++) fmcp__bn_amm52x2(table + i * P, table + (i - 1) * P, table + P, m, k0, s);
    pos = en * FMCP_LIMB_BITS;
    first = pos % W ? pos % W : W;
    pos -= first;
    for (k = 0; k < 2; k++)
        fmcp__bn_ifma_lookup(acc + k * L, table + k * L, ENTRIES, P, fmcp__bn_window(e[k], en, pos, first));
    while (pos > 0) {
        pos -= W;
        for (i = 0; i < W; i++) fmcp__bn_amm52x2(acc, acc, acc, m, k0, s);
        for (k = 0; k < 2; k++)
            fmcp__bn_ifma_lookup(t + k * L, table + k * L, ENTRIES, P, fmcp__bn_window(e[k], en, pos, W));
        fmcp__bn_amm52x2(acc, acc, t, m, k0, s);
    }
    fmcp__bn_amm52x2(acc, acc, one, m, k0, s);              /* out of Montgomery form: at most m */
    for (k = 0; k < 2; k++) {
        fmcp__bn_repack(w, N, 64, acc + k * L, FMCP__IFMA_LIMBS, 52);
        fmcp__bn_final_sub(r[k], w, 0, ctx[k]->m, N);
    }
    fmcp_wipe(table, sizeof table);
    fmcp_wipe(acc, sizeof acc);
    fmcp_wipe(t, sizeof t);
    fmcp_wipe(s, sizeof s);
    fmcp_wipe(w, sizeof w);
    fmcp_wipe(m, sizeof m);                                 /* the moduli are secret primes */
    fmcp_wipe(rr, sizeof rr);
    fmcp_wipe(k0, sizeof k0);
}
#endif

/* The portable exponentiation (every modulus size, every target). */
static void fmcp__bn_mod_exp_generic(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                     const fmcp__limb *e, size_t en)
{
    const size_t W = FMCP__EXP_WINDOW, ENTRIES = (size_t)1 << FMCP__EXP_WINDOW;
    fmcp__limb table[(1 << FMCP__EXP_WINDOW) * FMCP_BN_MAX_LIMBS], acc[FMCP_BN_MAX_LIMBS], t[FMCP_BN_MAX_LIMBS];
    fmcp__limb s[2 * FMCP_BN_MAX_LIMBS];
    size_t n = ctx->n, i, pos, first;
    /* table[i] = a^i in Montgomery form; table[0] = R mod m */
    memset(t, 0, n * sizeof *t);
    t[0] = 1;
    fmcp__bn_mont_to(ctx, table, t);
    fmcp__bn_mont_to(ctx, table + n, a);
    for (i = 2; i < ENTRIES; i++)
        fmcp__bn_mmul(table + i * n, table + (i - 1) * n, table + n, ctx->m, ctx->m0inv, n, s);
    pos = en * FMCP_LIMB_BITS;
    first = pos % W ? pos % W : W;
    pos -= first;
    fmcp__bn_ct_lookup(acc, table, ENTRIES, fmcp__bn_window(e, en, pos, first), n);
    while (pos > 0) {
        pos -= W;
        for (i = 0; i < W; i++) fmcp__bn_msqr(acc, acc, ctx->m, ctx->m0inv, n, s);
        fmcp__bn_ct_lookup(t, table, ENTRIES, fmcp__bn_window(e, en, pos, W), n);
        fmcp__bn_mmul(acc, acc, t, ctx->m, ctx->m0inv, n, s);
    }
    fmcp__bn_mont_from(ctx, r, acc);
    fmcp_wipe(table, ENTRIES * n * sizeof *table);
    fmcp_wipe(acc, sizeof acc);
    fmcp_wipe(t, sizeof t);
    fmcp_wipe(s, 2 * n * sizeof *s);
}

FMCP__BN void fmcp__bn_mod_exp(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                 const fmcp__limb *e, size_t en)
{
#ifdef FMCP__BN_IFMA
    if (ctx->n == 16 && fmcp__bn_ifma()) {   /* the pair path with both the same: no slower */
        fmcp__limb twin[16];
        fmcp__bn_mod_exp2(ctx, r, a, e, ctx, twin, a, e, en);
        fmcp_wipe(twin, sizeof twin);
        return;
    }
#endif
    fmcp__bn_mod_exp_generic(ctx, r, a, e, en);
}

FMCP__BN void fmcp__bn_mod_exp2(const fmcp__bn_mont *c1, fmcp__limb *r1, const fmcp__limb *a1, const fmcp__limb *e1,
                                const fmcp__bn_mont *c2, fmcp__limb *r2, const fmcp__limb *a2, const fmcp__limb *e2,
                                size_t en)
{
#ifdef FMCP__BN_IFMA
    if (c1->n == 16 && c2->n == 16 && fmcp__bn_ifma()) {
        const fmcp__bn_mont *c[2];
        fmcp__limb *r[2];
        const fmcp__limb *a[2], *e[2];
        c[0] = c1; c[1] = c2; r[0] = r1; r[1] = r2; a[0] = a1; a[1] = a2; e[0] = e1; e[1] = e2;
        fmcp__bn_mod_exp_ifma2(c, r, a, e, en);
        return;
    }
#endif
    fmcp__bn_mod_exp_generic(c1, r1, a1, e1, en);
    fmcp__bn_mod_exp_generic(c2, r2, a2, e2, en);
}

FMCP__BN void fmcp__bn_mod_exp_public(const fmcp__bn_mont *ctx, fmcp__limb *r, const fmcp__limb *a,
                                        const fmcp__limb *e, size_t en)
{
    fmcp__limb base[FMCP_BN_MAX_LIMBS], acc[FMCP_BN_MAX_LIMBS], s[2 * FMCP_BN_MAX_LIMBS];
    size_t n = ctx->n, bit = fmcp__bn_bits(e, en);
    if (bit == 0) { /* a^0 = 1 (mod m > 1) */
        memset(r, 0, n * sizeof *r);
        r[0] = 1;
        return;
    }
    fmcp__bn_mont_to(ctx, base, a);
    memcpy(acc, base, n * sizeof *acc);
    for (bit--; bit-- > 0;) {
        fmcp__bn_msqr(acc, acc, ctx->m, ctx->m0inv, n, s);
        if ((e[bit / FMCP_LIMB_BITS] >> (bit % FMCP_LIMB_BITS)) & 1)
            fmcp__bn_mmul(acc, acc, base, ctx->m, ctx->m0inv, n, s);
    }
    fmcp__bn_mont_from(ctx, r, acc);
}

/* ---- inversion (variable time, for masked random values) ----------------- */

/* Strip factors of two from u (len limbs) and divide x by as many (mod m):
 * x + t*m with t = -x/m mod 2^k is divisible by 2^k and stays below m after
 * the shift, so k halvings cost one pass. minv = -1/m mod 2^w. */
static void fmcp__bn_inv_strip(fmcp__limb *u, size_t len, fmcp__limb *x, const fmcp__limb *m, size_t n,
                               fmcp__limb minv)
{
    while (!(u[0] & 1)) { /* u is nonzero */
        unsigned k = 1;
        size_t i;
        fmcp__limb t, top;
        while (k < FMCP_LIMB_BITS - 1 && !((u[0] >> k) & 1)) k++;
        for (i = 0; i + 1 < len; i++) u[i] = (u[i] >> k) | (u[i + 1] << (FMCP_LIMB_BITS - k));
        u[len - 1] >>= k;
        t = (x[0] * minv) & (((fmcp__limb)1 << k) - 1);
        top = fmcp__bn_addmul(x, m, n, t);
        for (i = 0; i + 1 < n; i++) x[i] = (x[i] >> k) | (x[i + 1] << (FMCP_LIMB_BITS - k));
        x[n - 1] = (x[n - 1] >> k) | (top << (FMCP_LIMB_BITS - k));
    }
}

/* Step of the binary algorithm: big -= small, xb -= xs (mod m). */
static void fmcp__bn_inv_sub(fmcp__limb *big, const fmcp__limb *small, size_t len, fmcp__limb *xb,
                             const fmcp__limb *xs, const fmcp__limb *m, size_t n)
{
    fmcp__bn_sub(big, big, small, len);
    if (fmcp__bn_sub(xb, xb, xs, n)) fmcp__bn_add(xb, xb, m, n);
}

FMCP__BN fmcp_result fmcp__bn_mod_inv_vartime(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *m, size_t n)
{
    fmcp__limb u[FMCP_BN_MAX_LIMBS], v[FMCP_BN_MAX_LIMBS], x1[FMCP_BN_MAX_LIMBS], x2[FMCP_BN_MAX_LIMBS];
    fmcp__limb minv;
    size_t len = n, i;
    fmcp_result rc = FMCP_ERR_INVALID_ARG;
    if (n == 0 || n > FMCP_BN_MAX_LIMBS || !(m[0] & 1) || fmcp__bn_is_zero(a, n)) return rc;
    minv = m[0]; /* Newton: 3 correct bits, doubled each step */
    for (i = 0; i < 5; i++) minv *= 2 - m[0] * minv;
    minv = (fmcp__limb)0 - minv;
    memcpy(u, a, n * sizeof *u);
    memcpy(v, m, n * sizeof *v);
    memset(x1, 0, n * sizeof *x1);
    memset(x2, 0, n * sizeof *x2);
    x1[0] = 1;
    /* invariants: x1*a == u and x2*a == v (mod m); gcd(u, v) == gcd(a, m) */
    for (;;) {
        fmcp__bn_inv_strip(u, len, x1, m, n, minv);
        fmcp__bn_inv_strip(v, len, x2, m, n, minv);
        while (len > 1 && u[len - 1] == 0 && v[len - 1] == 0) len--;
        if (fmcp__bn_cmp(u, v, len) >= 0) fmcp__bn_inv_sub(u, v, len, x1, x2, m, n);
        else fmcp__bn_inv_sub(v, u, len, x2, x1, m, n);
        /* cheap test on the low limb first; full check only when it is 0 or 1 */
        if ((u[0] <= 1 || v[0] <= 1) && fmcp__bn_bits(u, len) <= 1) {
            if (fmcp__bn_bits(u, len) == 1) { memcpy(r, x1, n * sizeof *r); rc = FMCP_OK; }
            else if (fmcp__bn_bits(v, len) == 1) { memcpy(r, x2, n * sizeof *r); rc = FMCP_OK; }
            break; /* u == 0 and v > 1: gcd > 1 */
        }
        if ((u[0] <= 1 || v[0] <= 1) && fmcp__bn_bits(v, len) <= 1) {
            if (fmcp__bn_bits(v, len) == 1) { memcpy(r, x2, n * sizeof *r); rc = FMCP_OK; }
            break; /* v == 0 and u > 1 */
        }
    }
    fmcp_wipe(x1, sizeof x1);
    fmcp_wipe(x2, sizeof x2);
    return rc;
}

/* ---- primality ----------------------------------------------------------- */

/* The first `count` odd primes (3, 5, 7, ...), by trial division against the
 * ones already found; cheap next to one modular exponentiation. */
static void fmcp__bn_small_primes(uint16_t *out, size_t count)
{
    size_t found = 0;
    uint32_t c;
    for (c = 3; found < count; c += 2) {
        size_t i;
        int prime = 1;
        for (i = 0; i < found && (uint32_t)out[i] * out[i] <= c; i++)
            if (c % out[i] == 0) { prime = 0; break; }
        if (prime) out[found++] = (uint16_t)c;
    }
}

#define FMCP__BN_TRIAL_PRIMES 256

/* Random base in [2, m-2] by rejection sampling (uniform). */
static fmcp_result fmcp__bn_random_base(fmcp__limb *b, const fmcp__limb *m, size_t n, size_t bits)
{
    fmcp__limb lim[FMCP_BN_MAX_LIMBS], two[FMCP_BN_MAX_LIMBS];
    size_t top = (bits - 1) / FMCP_LIMB_BITS, sh = bits % FMCP_LIMB_BITS;
    int tries;
    memset(two, 0, n * sizeof *two);
    two[0] = 2;
    fmcp__bn_sub(lim, m, two, n); /* m - 2 */
    for (tries = 0; tries < 1000; tries++) {
        fmcp_result rc = fmcp_random_bytes(b, n * sizeof *b);
        size_t i;
        if (rc != FMCP_OK) return rc;
        for (i = top + 1; i < n; i++) b[i] = 0;
        if (sh) b[top] &= ((fmcp__limb)1 << sh) - 1;
        if (fmcp__bn_cmp(b, two, n) >= 0 && fmcp__bn_cmp(b, lim, n) <= 0) return FMCP_OK;
    }
    return FMCP_ERR_RANDOM; /* a source that keeps giving out-of-range values is broken */
}

/* One Miller-Rabin round: 1 if m (= d*2^s + 1) is a strong probable prime to base b. */
static int fmcp__bn_mr_round(const fmcp__bn_mont *ctx, const fmcp__limb *b, const fmcp__limb *d,
                             size_t s, const fmcp__limb *one_m, const fmcp__limb *minus_one_m)
{
    fmcp__limb x[FMCP_BN_MAX_LIMBS], t[2 * FMCP_BN_MAX_LIMBS];
    size_t n = ctx->n, i;
    int r = 0;
    fmcp__bn_mod_exp(ctx, x, b, d, n);
    fmcp__bn_mont_to(ctx, x, x);
    if (fmcp__bn_cmp(x, one_m, n) == 0 || fmcp__bn_cmp(x, minus_one_m, n) == 0) r = 1;
    /* the candidate becomes a secret prime: its powers do not stay on the stack */
    for (i = 1; !r && i < s; i++) {
        fmcp__bn_msqr(x, x, ctx->m, ctx->m0inv, n, t);
        if (fmcp__bn_cmp(x, minus_one_m, n) == 0) r = 1;
        else if (fmcp__bn_cmp(x, one_m, n) == 0) break;
    }
    fmcp_wipe(x, n * sizeof *x);
    fmcp_wipe(t, 2 * n * sizeof *t);
    return r;
}

/* Trial division: 1 = prime (a small prime itself), 0 = composite, -1 = unknown. */
static int fmcp__bn_trial(const fmcp__limb *a, size_t n)
{
    uint16_t primes[FMCP__BN_TRIAL_PRIMES];
    size_t bits = fmcp__bn_bits(a, n), i;
    if (bits <= 2) return bits == 2 ? 1 : 0; /* 0, 1 -> no; 2, 3 -> yes */
    if (!(a[0] & 1)) return 0;
    fmcp__bn_small_primes(primes, FMCP__BN_TRIAL_PRIMES);
    for (i = 0; i < FMCP__BN_TRIAL_PRIMES; i++) {
        if (fmcp__bn_mod_small(a, n, primes[i]) == 0)
            return bits <= 16 && a[0] == primes[i] ? 1 : 0;
    }
    return bits <= 16 ? 1 : -1; /* below the square of the largest trial prime */
}

/* Miller-Rabin with `rounds` random bases on an odd a > 3 (no trial division). */
static fmcp_result fmcp__bn_miller_rabin(const fmcp__limb *a, size_t n, unsigned rounds, int *is_prime)
{
    fmcp__bn_mont ctx;
    fmcp__limb d[FMCP_BN_MAX_LIMBS], b[FMCP_BN_MAX_LIMBS], one_m[FMCP_BN_MAX_LIMBS], mone[FMCP_BN_MAX_LIMBS];
    size_t s = 0, bits = fmcp__bn_bits(a, n), i, limbs, sh;
    unsigned r;
    fmcp_result rc;
    *is_prime = 0;
    n = (bits + FMCP_LIMB_BITS - 1) / FMCP_LIMB_BITS;
    rc = fmcp__bn_mont_init(&ctx, a, n);
    if (rc != FMCP_OK) return rc;
    /* a - 1 = d * 2^s */
    memcpy(d, a, n * sizeof *d);
    d[0] &= ~(fmcp__limb)1;
    while (!((d[s / FMCP_LIMB_BITS] >> (s % FMCP_LIMB_BITS)) & 1)) s++;
    limbs = s / FMCP_LIMB_BITS;
    sh = s % FMCP_LIMB_BITS;
    for (i = 0; i < n; i++) {
        fmcp__limb lo = i + limbs < n ? d[i + limbs] : 0;
        fmcp__limb hi = i + limbs + 1 < n ? d[i + limbs + 1] : 0;
        d[i] = sh ? (lo >> sh) | (hi << (FMCP_LIMB_BITS - sh)) : lo;
    }
    memset(b, 0, n * sizeof *b);
    b[0] = 1;
    fmcp__bn_mont_to(&ctx, one_m, b);
    fmcp__bn_sub(mone, ctx.m, one_m, n);
    for (r = 0; r < rounds; r++) {
        rc = fmcp__bn_random_base(b, a, n, bits);
        if (rc != FMCP_OK) break;
        if (!fmcp__bn_mr_round(&ctx, b, d, s, one_m, mone)) break;
    }
    if (rc == FMCP_OK && r == rounds) *is_prime = 1;
    fmcp_wipe(&ctx, sizeof ctx);
    fmcp_wipe(d, sizeof d);
    return rc;
}

FMCP__BN fmcp_result fmcp__bn_is_probable_prime(const fmcp__limb *a, size_t n, unsigned rounds,
                                                  int *is_prime)
{
    int trial;
    *is_prime = 0;
    if (n == 0 || n > FMCP_BN_MAX_LIMBS) return FMCP_ERR_INVALID_ARG;
    trial = fmcp__bn_trial(a, n);
    if (trial >= 0) { *is_prime = trial; return FMCP_OK; }
    return fmcp__bn_miller_rabin(a, n, rounds, is_prime);
}
