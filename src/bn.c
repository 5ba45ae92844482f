/* bn: implementation */
#include "bn.h"

#include <string.h>

#if FMCP_LIMB_BITS == 64
__extension__ typedef unsigned __int128 fmcp__dlimb; /* silences -Wpedantic */
#else
typedef uint64_t fmcp__dlimb;
#endif

#define FMCP__LIMB_BYTES (FMCP_LIMB_BITS / 8)
#define FMCP__EXP_WINDOW 5

/* All-ones when bit is 1, zero when 0: the base of every masked select. */
static fmcp_limb fmcp__bn_mask(fmcp_limb bit) { return (fmcp_limb)0 - bit; }

FASTMCP_API size_t fmcp_bn_limbs_for_bytes(size_t len)
{
    return (len + FMCP__LIMB_BYTES - 1) / FMCP__LIMB_BYTES;
}

FASTMCP_API fmcp_result fmcp_bn_from_bytes(fmcp_limb *r, size_t n, const uint8_t *in, size_t len)
{
    size_t i;
    fmcp_limb spill = 0;
    memset(r, 0, n * sizeof *r);
    for (i = 0; i < len; i++) {
        size_t pos = len - 1 - i; /* byte significance */
        size_t li = pos / FMCP__LIMB_BYTES;
        if (li < n) r[li] |= (fmcp_limb)in[i] << (8 * (pos % FMCP__LIMB_BYTES));
        else spill |= in[i];
    }
    return spill ? FMCP_ERR_OVERFLOW : FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_bn_to_bytes(const fmcp_limb *a, size_t n, uint8_t *out, size_t len)
{
    size_t i;
    fmcp_limb spill = 0;
    for (i = 0; i < len; i++) {
        size_t pos = len - 1 - i;
        size_t li = pos / FMCP__LIMB_BYTES;
        out[i] = li < n ? (uint8_t)(a[li] >> (8 * (pos % FMCP__LIMB_BYTES))) : 0;
    }
    for (i = len / FMCP__LIMB_BYTES; i < n; i++) {
        fmcp_limb lost = a[i];
        if (i * FMCP__LIMB_BYTES < len) lost >>= 8 * (len - i * FMCP__LIMB_BYTES);
        spill |= lost;
    }
    if (spill) { fmcp_wipe(out, len); return FMCP_ERR_OVERFLOW; }
    return FMCP_OK;
}

FASTMCP_API size_t fmcp_bn_bits(const fmcp_limb *a, size_t n)
{
    while (n > 0 && a[n - 1] == 0) n--;
    if (n == 0) return 0;
    {
        size_t b = (n - 1) * FMCP_LIMB_BITS;
        fmcp_limb top = a[n - 1];
        while (top) { b++; top >>= 1; }
        return b;
    }
}

FASTMCP_API int fmcp_bn_is_zero(const fmcp_limb *a, size_t n)
{
    fmcp_limb acc = 0;
    size_t i;
    for (i = 0; i < n; i++) acc |= a[i];
    return (int)((1 & ((acc | ((fmcp_limb)0 - acc)) >> (FMCP_LIMB_BITS - 1))) ^ 1);
}

FASTMCP_API int fmcp_bn_cmp(const fmcp_limb *a, const fmcp_limb *b, size_t n)
{
    while (n-- > 0)
        if (a[n] != b[n]) return a[n] > b[n] ? 1 : -1;
    return 0;
}

FASTMCP_API fmcp_limb fmcp_bn_add(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *b, size_t n)
{
    fmcp_limb c = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__dlimb z = (fmcp__dlimb)a[i] + b[i] + c;
        r[i] = (fmcp_limb)z;
        c = (fmcp_limb)(z >> FMCP_LIMB_BITS);
    }
    return c;
}

FASTMCP_API fmcp_limb fmcp_bn_sub(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *b, size_t n)
{
    fmcp_limb borrow = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__dlimb z = (fmcp__dlimb)a[i] - b[i] - borrow;
        r[i] = (fmcp_limb)z;
        borrow = (fmcp_limb)(z >> FMCP_LIMB_BITS) & 1;
    }
    return borrow;
}

/* r[0..n) += a[0..n) * k; returns the carry limb. The hot loop of every
 * product and reduction, unrolled by four to shorten the loop overhead. */
static fmcp_limb fmcp__bn_addmul(fmcp_limb *r, const fmcp_limb *a, size_t n, fmcp_limb k)
{
    fmcp_limb c = 0;
    fmcp__dlimb z;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        z = (fmcp__dlimb)a[j] * k + r[j] + c;
        r[j] = (fmcp_limb)z;
        z = (fmcp__dlimb)a[j + 1] * k + r[j + 1] + (fmcp_limb)(z >> FMCP_LIMB_BITS);
        r[j + 1] = (fmcp_limb)z;
        z = (fmcp__dlimb)a[j + 2] * k + r[j + 2] + (fmcp_limb)(z >> FMCP_LIMB_BITS);
        r[j + 2] = (fmcp_limb)z;
        z = (fmcp__dlimb)a[j + 3] * k + r[j + 3] + (fmcp_limb)(z >> FMCP_LIMB_BITS);
        r[j + 3] = (fmcp_limb)z;
        c = (fmcp_limb)(z >> FMCP_LIMB_BITS);
    }
    for (; j < n; j++) {
        z = (fmcp__dlimb)a[j] * k + r[j] + c;
        r[j] = (fmcp_limb)z;
        c = (fmcp_limb)(z >> FMCP_LIMB_BITS);
    }
    return c;
}

FASTMCP_API void fmcp_bn_mul(fmcp_limb *r, const fmcp_limb *a, size_t an, const fmcp_limb *b, size_t bn)
{
    size_t i;
    memset(r, 0, (an + bn) * sizeof *r);
    for (i = 0; i < bn; i++) r[i + an] = fmcp__bn_addmul(r + i, a, an, b[i]);
}

FASTMCP_API fmcp_limb fmcp_bn_mul_small(fmcp_limb *r, const fmcp_limb *a, size_t n, fmcp_limb k)
{
    fmcp_limb c = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp__dlimb z = (fmcp__dlimb)a[i] * k + c;
        r[i] = (fmcp_limb)z;
        c = (fmcp_limb)(z >> FMCP_LIMB_BITS);
    }
    return c;
}

FASTMCP_API uint32_t fmcp_bn_mod_small(const fmcp_limb *a, size_t n, uint32_t d)
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

FASTMCP_API fmcp_result fmcp_bn_mod(fmcp_limb *r, const fmcp_limb *a, size_t an,
                                    const fmcp_limb *m, size_t mn)
{
    fmcp_limb t[FMCP_BN_MAX_LIMBS + 1], mm[FMCP_BN_MAX_LIMBS + 1];
    size_t bit;
    if (mn == 0 || mn > FMCP_BN_MAX_LIMBS || fmcp_bn_is_zero(m, mn)) return FMCP_ERR_INVALID_ARG;
    memset(t, 0, sizeof t);
    memcpy(mm, m, mn * sizeof *m);
    mm[mn] = 0;
    /* shift in one bit of a at a time; t stays below m, so 2t+1 < 2m */
    for (bit = fmcp_bn_bits(a, an); bit-- > 0;) {
        fmcp_limb in = (a[bit / FMCP_LIMB_BITS] >> (bit % FMCP_LIMB_BITS)) & 1;
        size_t i;
        for (i = mn + 1; i-- > 0;) {
            t[i] = (t[i] << 1) | (i ? t[i - 1] >> (FMCP_LIMB_BITS - 1) : in);
        }
        if (fmcp_bn_cmp(t, mm, mn + 1) >= 0) fmcp_bn_sub(t, t, mm, mn + 1);
    }
    memcpy(r, t, mn * sizeof *r);
    fmcp_wipe(t, sizeof t);
    return FMCP_OK;
}

/* ---- Montgomery ---------------------------------------------------------- */

/* r = t - m if t >= m (t has n limbs plus a top limb hi in {0,1}), else t.
 * Masked so it is constant time. */
static void fmcp__bn_final_sub(fmcp_limb *r, const fmcp_limb *t, fmcp_limb hi,
                               const fmcp_limb *m, size_t n)
{
    fmcp_limb d[FMCP_BN_MAX_LIMBS];
    fmcp_limb borrow = fmcp_bn_sub(d, t, m, n);
    fmcp_limb take = fmcp__bn_mask(hi | (borrow ^ 1));
    size_t i;
    for (i = 0; i < n; i++) r[i] = (d[i] & take) | (t[i] & ~take);
}

/* Montgomery reduction of a 2n-limb value w < m*R: r = w/R mod m. w is
 * scratch and is overwritten. The products below take their 2n-limb scratch
 * from the caller, so an exponentiation wipes one buffer once at the end
 * instead of leaving intermediate values on the stack (or wiping per product). */
static void fmcp__bn_redc(fmcp_limb *r, fmcp_limb *w, const fmcp_limb *m, fmcp_limb m0inv, size_t n)
{
    fmcp_limb top = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        fmcp_limb c = fmcp__bn_addmul(w + i, m, n, w[i] * m0inv);
        fmcp__dlimb z = (fmcp__dlimb)w[i + n] + c + top;
        w[i + n] = (fmcp_limb)z;
        top = (fmcp_limb)(z >> FMCP_LIMB_BITS);
    }
    fmcp__bn_final_sub(r, w + n, top, m, n);
}

/* Montgomery product as a full product then a reduction: two loops with a
 * single carry chain each run faster than one interleaved loop with two. */
static void fmcp__bn_mont_mul(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *b,
                              const fmcp_limb *m, fmcp_limb m0inv, size_t n, fmcp_limb *t)
{
    fmcp_bn_mul(t, a, n, b, n);
    fmcp__bn_redc(r, t, m, m0inv, n);
}

/* Squaring: the cross products a[i]*a[j] (i < j) are computed once and
 * doubled, then the result is reduced; about 3/4 of the multiplications of
 * a general product. */
static void fmcp__bn_mont_sqr(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *m,
                              fmcp_limb m0inv, size_t n, fmcp_limb *t)
{
    fmcp_limb c;
    size_t i;
    memset(t, 0, 2 * n * sizeof *t);
    for (i = 0; i + 1 < n; i++) t[i + n] = fmcp__bn_addmul(t + 2 * i + 1, a + i + 1, n - i - 1, a[i]);
    c = 0;
    for (i = 0; i < 2 * n; i++) { /* double */
        fmcp_limb v = t[i];
        t[i] = (v << 1) | c;
        c = v >> (FMCP_LIMB_BITS - 1);
    }
    c = 0;
    for (i = 0; i < n; i++) { /* add the squares a[i]^2 */
        fmcp__dlimb sq = (fmcp__dlimb)a[i] * a[i];
        fmcp__dlimb z = (fmcp__dlimb)t[2 * i] + (fmcp_limb)sq + c;
        t[2 * i] = (fmcp_limb)z;
        z = (fmcp__dlimb)t[2 * i + 1] + (fmcp_limb)(sq >> FMCP_LIMB_BITS) + (fmcp_limb)(z >> FMCP_LIMB_BITS);
        t[2 * i + 1] = (fmcp_limb)z;
        c = (fmcp_limb)(z >> FMCP_LIMB_BITS);
    }
    fmcp__bn_redc(r, t, m, m0inv, n);
}

/* The public one-shot forms: their own scratch, wiped (operands may be secret). */
FASTMCP_API void fmcp_bn_mont_mul(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a,
                                  const fmcp_limb *b)
{
    fmcp_limb t[2 * FMCP_BN_MAX_LIMBS];
    fmcp__bn_mont_mul(r, a, b, ctx->m, ctx->m0inv, ctx->n, t);
    fmcp_wipe(t, 2 * ctx->n * sizeof *t);
}

FASTMCP_API void fmcp_bn_mont_sqr(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a)
{
    fmcp_limb t[2 * FMCP_BN_MAX_LIMBS];
    fmcp__bn_mont_sqr(r, a, ctx->m, ctx->m0inv, ctx->n, t);
    fmcp_wipe(t, 2 * ctx->n * sizeof *t);
}

FASTMCP_API void fmcp_bn_mont_to(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a)
{
    fmcp_bn_mont_mul(ctx, r, a, ctx->rr);
}

FASTMCP_API void fmcp_bn_mont_from(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a)
{
    fmcp_limb one[FMCP_BN_MAX_LIMBS];
    memset(one, 0, ctx->n * sizeof *one);
    one[0] = 1;
    fmcp_bn_mont_mul(ctx, r, a, one);
}

FASTMCP_API void fmcp_bn_mont_reduce(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *t)
{
    fmcp_limb w[2 * FMCP_BN_MAX_LIMBS];
    memcpy(w, t, 2 * ctx->n * sizeof *w);
    fmcp__bn_redc(r, w, ctx->m, ctx->m0inv, ctx->n);
    fmcp_wipe(w, 2 * ctx->n * sizeof *w);
}

/* x = 2x mod m for x < m, constant time. */
static void fmcp__bn_mod_double(fmcp_limb *x, const fmcp_limb *m, size_t n)
{
    fmcp_limb hi = x[n - 1] >> (FMCP_LIMB_BITS - 1);
    size_t i;
    for (i = n; i-- > 1;) x[i] = (x[i] << 1) | (x[i - 1] >> (FMCP_LIMB_BITS - 1));
    x[0] <<= 1;
    fmcp__bn_final_sub(x, x, hi, m, n);
}

FASTMCP_API fmcp_result fmcp_bn_mont_init(fmcp_bn_mont *ctx, const fmcp_limb *m, size_t n)
{
    fmcp_limb x, inv, t[2 * FMCP_BN_MAX_LIMBS];
    size_t bits, total, odd, k, i;
    if (n == 0 || n > FMCP_BN_MAX_LIMBS || !(m[0] & 1)) return FMCP_ERR_INVALID_ARG;
    bits = fmcp_bn_bits(m, n);
    if (bits < 2) return FMCP_ERR_INVALID_ARG;
    memset(ctx, 0, sizeof *ctx);
    memcpy(ctx->m, m, n * sizeof *m);
    ctx->n = n;
    /* Newton iteration: each step doubles the correct low bits (3 to start) */
    x = m[0];
    inv = x;
    for (i = 0; i < 5; i++) inv *= 2 - x * inv;
    ctx->m0inv = (fmcp_limb)0 - inv;
    /* R^2 mod m: double 2^(bits-1) up to 2^s * R with s the odd part of
     * w*n, then square k times, since w*n = s * 2^k. */
    total = FMCP_LIMB_BITS * n;
    for (odd = total, k = 0; !(odd & 1); odd >>= 1) k++;
    ctx->rr[(bits - 1) / FMCP_LIMB_BITS] = (fmcp_limb)1 << ((bits - 1) % FMCP_LIMB_BITS);
    for (i = bits - 1; i < total + odd; i++) fmcp__bn_mod_double(ctx->rr, m, n);
    for (i = 0; i < k; i++) fmcp__bn_mont_mul(ctx->rr, ctx->rr, ctx->rr, m, ctx->m0inv, n, t);
    return FMCP_OK;
}

/* r = table[idx] reading every entry, so the access pattern hides idx. */
static void fmcp__bn_ct_lookup(fmcp_limb *r, const fmcp_limb *table, size_t entries,
                               size_t idx, size_t n)
{
    size_t i, j;
    memset(r, 0, n * sizeof *r);
    for (i = 0; i < entries; i++) {
        fmcp_limb diff = (fmcp_limb)(i ^ idx);
        /* all-ones exactly when diff == 0 */
        fmcp_limb take = fmcp__bn_mask((1 & ((diff | ((fmcp_limb)0 - diff)) >> (FMCP_LIMB_BITS - 1))) ^ 1);
        for (j = 0; j < n; j++) r[j] |= table[i * n + j] & take;
    }
}

/* Window of FMCP__EXP_WINDOW bits of e ending below bit position `lo + w`. */
static size_t fmcp__bn_window(const fmcp_limb *e, size_t en, size_t lo, size_t w)
{
    size_t v = 0, b;
    for (b = lo + w; b-- > lo;) {
        fmcp_limb bit = b / FMCP_LIMB_BITS < en ? (e[b / FMCP_LIMB_BITS] >> (b % FMCP_LIMB_BITS)) & 1 : 0;
        v = (v << 1) | (size_t)bit;
    }
    return v;
}

FASTMCP_API void fmcp_bn_mod_exp(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a,
                                 const fmcp_limb *e, size_t en)
{
    const size_t W = FMCP__EXP_WINDOW, ENTRIES = (size_t)1 << FMCP__EXP_WINDOW;
    fmcp_limb table[(1 << FMCP__EXP_WINDOW) * FMCP_BN_MAX_LIMBS], acc[FMCP_BN_MAX_LIMBS], t[FMCP_BN_MAX_LIMBS];
    fmcp_limb s[2 * FMCP_BN_MAX_LIMBS];
    size_t n = ctx->n, i, pos, first;
    /* table[i] = a^i in Montgomery form; table[0] = R mod m */
    memset(t, 0, n * sizeof *t);
    t[0] = 1;
    fmcp_bn_mont_to(ctx, table, t);
    fmcp_bn_mont_to(ctx, table + n, a);
    for (i = 2; i < ENTRIES; i++)
        fmcp__bn_mont_mul(table + i * n, table + (i - 1) * n, table + n, ctx->m, ctx->m0inv, n, s);
    pos = en * FMCP_LIMB_BITS;
    first = pos % W ? pos % W : W;
    pos -= first;
    fmcp__bn_ct_lookup(acc, table, ENTRIES, fmcp__bn_window(e, en, pos, first), n);
    while (pos > 0) {
        pos -= W;
        for (i = 0; i < W; i++) fmcp__bn_mont_sqr(acc, acc, ctx->m, ctx->m0inv, n, s);
        fmcp__bn_ct_lookup(t, table, ENTRIES, fmcp__bn_window(e, en, pos, W), n);
        fmcp__bn_mont_mul(acc, acc, t, ctx->m, ctx->m0inv, n, s);
    }
    fmcp_bn_mont_from(ctx, r, acc);
    fmcp_wipe(table, ENTRIES * n * sizeof *table);
    fmcp_wipe(acc, sizeof acc);
    fmcp_wipe(t, sizeof t);
    fmcp_wipe(s, 2 * n * sizeof *s);
}

FASTMCP_API void fmcp_bn_mod_exp_public(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a,
                                        const fmcp_limb *e, size_t en)
{
    fmcp_limb base[FMCP_BN_MAX_LIMBS], acc[FMCP_BN_MAX_LIMBS], s[2 * FMCP_BN_MAX_LIMBS];
    size_t n = ctx->n, bit = fmcp_bn_bits(e, en);
    if (bit == 0) { /* a^0 = 1 (mod m > 1) */
        memset(r, 0, n * sizeof *r);
        r[0] = 1;
        return;
    }
    fmcp_bn_mont_to(ctx, base, a);
    memcpy(acc, base, n * sizeof *acc);
    for (bit--; bit-- > 0;) {
        fmcp__bn_mont_sqr(acc, acc, ctx->m, ctx->m0inv, n, s);
        if ((e[bit / FMCP_LIMB_BITS] >> (bit % FMCP_LIMB_BITS)) & 1)
            fmcp__bn_mont_mul(acc, acc, base, ctx->m, ctx->m0inv, n, s);
    }
    fmcp_bn_mont_from(ctx, r, acc);
}

/* ---- inversion (variable time, for masked random values) ----------------- */

/* Strip factors of two from u (len limbs) and divide x by as many (mod m):
 * x + t*m with t = -x/m mod 2^k is divisible by 2^k and stays below m after
 * the shift, so k halvings cost one pass. minv = -1/m mod 2^w. */
static void fmcp__bn_inv_strip(fmcp_limb *u, size_t len, fmcp_limb *x, const fmcp_limb *m, size_t n,
                               fmcp_limb minv)
{
    while (!(u[0] & 1)) { /* u is nonzero */
        unsigned k = 1;
        size_t i;
        fmcp_limb t, top;
        while (k < FMCP_LIMB_BITS - 1 && !((u[0] >> k) & 1)) k++;
        for (i = 0; i + 1 < len; i++) u[i] = (u[i] >> k) | (u[i + 1] << (FMCP_LIMB_BITS - k));
        u[len - 1] >>= k;
        t = (x[0] * minv) & (((fmcp_limb)1 << k) - 1);
        top = fmcp__bn_addmul(x, m, n, t);
        for (i = 0; i + 1 < n; i++) x[i] = (x[i] >> k) | (x[i + 1] << (FMCP_LIMB_BITS - k));
        x[n - 1] = (x[n - 1] >> k) | (top << (FMCP_LIMB_BITS - k));
    }
}

/* Step of the binary algorithm: big -= small, xb -= xs (mod m). */
static void fmcp__bn_inv_sub(fmcp_limb *big, const fmcp_limb *small, size_t len, fmcp_limb *xb,
                             const fmcp_limb *xs, const fmcp_limb *m, size_t n)
{
    fmcp_bn_sub(big, big, small, len);
    if (fmcp_bn_sub(xb, xb, xs, n)) fmcp_bn_add(xb, xb, m, n);
}

FASTMCP_API fmcp_result fmcp_bn_mod_inv_vartime(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *m, size_t n)
{
    fmcp_limb u[FMCP_BN_MAX_LIMBS], v[FMCP_BN_MAX_LIMBS], x1[FMCP_BN_MAX_LIMBS], x2[FMCP_BN_MAX_LIMBS];
    fmcp_limb minv;
    size_t len = n, i;
    fmcp_result rc = FMCP_ERR_INVALID_ARG;
    if (n == 0 || n > FMCP_BN_MAX_LIMBS || !(m[0] & 1) || fmcp_bn_is_zero(a, n)) return rc;
    minv = m[0]; /* Newton: 3 correct bits, doubled each step */
    for (i = 0; i < 5; i++) minv *= 2 - m[0] * minv;
    minv = (fmcp_limb)0 - minv;
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
        if (fmcp_bn_cmp(u, v, len) >= 0) fmcp__bn_inv_sub(u, v, len, x1, x2, m, n);
        else fmcp__bn_inv_sub(v, u, len, x2, x1, m, n);
        /* cheap test on the low limb first; full check only when it is 0 or 1 */
        if ((u[0] <= 1 || v[0] <= 1) && fmcp_bn_bits(u, len) <= 1) {
            if (fmcp_bn_bits(u, len) == 1) { memcpy(r, x1, n * sizeof *r); rc = FMCP_OK; }
            else if (fmcp_bn_bits(v, len) == 1) { memcpy(r, x2, n * sizeof *r); rc = FMCP_OK; }
            break; /* u == 0 and v > 1: gcd > 1 */
        }
        if ((u[0] <= 1 || v[0] <= 1) && fmcp_bn_bits(v, len) <= 1) {
            if (fmcp_bn_bits(v, len) == 1) { memcpy(r, x2, n * sizeof *r); rc = FMCP_OK; }
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
static fmcp_result fmcp__bn_random_base(fmcp_limb *b, const fmcp_limb *m, size_t n, size_t bits)
{
    fmcp_limb lim[FMCP_BN_MAX_LIMBS], two[FMCP_BN_MAX_LIMBS];
    size_t top = (bits - 1) / FMCP_LIMB_BITS, sh = bits % FMCP_LIMB_BITS;
    int tries;
    memset(two, 0, n * sizeof *two);
    two[0] = 2;
    fmcp_bn_sub(lim, m, two, n); /* m - 2 */
    for (tries = 0; tries < 1000; tries++) {
        fmcp_result rc = fmcp_random_bytes(b, n * sizeof *b);
        size_t i;
        if (rc != FMCP_OK) return rc;
        for (i = top + 1; i < n; i++) b[i] = 0;
        if (sh) b[top] &= ((fmcp_limb)1 << sh) - 1;
        if (fmcp_bn_cmp(b, two, n) >= 0 && fmcp_bn_cmp(b, lim, n) <= 0) return FMCP_OK;
    }
    return FMCP_ERR_RANDOM; /* a source that keeps giving out-of-range values is broken */
}

/* One Miller-Rabin round: 1 if m (= d*2^s + 1) is a strong probable prime to base b. */
static int fmcp__bn_mr_round(const fmcp_bn_mont *ctx, const fmcp_limb *b, const fmcp_limb *d,
                             size_t s, const fmcp_limb *one_m, const fmcp_limb *minus_one_m)
{
    fmcp_limb x[FMCP_BN_MAX_LIMBS], t[2 * FMCP_BN_MAX_LIMBS];
    size_t n = ctx->n, i;
    int r = 0;
    fmcp_bn_mod_exp(ctx, x, b, d, n);
    fmcp_bn_mont_to(ctx, x, x);
    if (fmcp_bn_cmp(x, one_m, n) == 0 || fmcp_bn_cmp(x, minus_one_m, n) == 0) r = 1;
    /* the candidate becomes a secret prime: its powers do not stay on the stack */
    for (i = 1; !r && i < s; i++) {
        fmcp__bn_mont_sqr(x, x, ctx->m, ctx->m0inv, n, t);
        if (fmcp_bn_cmp(x, minus_one_m, n) == 0) r = 1;
        else if (fmcp_bn_cmp(x, one_m, n) == 0) break;
    }
    fmcp_wipe(x, n * sizeof *x);
    fmcp_wipe(t, 2 * n * sizeof *t);
    return r;
}

/* Trial division: 1 = prime (a small prime itself), 0 = composite, -1 = unknown. */
static int fmcp__bn_trial(const fmcp_limb *a, size_t n)
{
    uint16_t primes[FMCP__BN_TRIAL_PRIMES];
    size_t bits = fmcp_bn_bits(a, n), i;
    if (bits <= 2) return bits == 2 ? 1 : 0; /* 0, 1 -> no; 2, 3 -> yes */
    if (!(a[0] & 1)) return 0;
    fmcp__bn_small_primes(primes, FMCP__BN_TRIAL_PRIMES);
    for (i = 0; i < FMCP__BN_TRIAL_PRIMES; i++) {
        if (fmcp_bn_mod_small(a, n, primes[i]) == 0)
            return bits <= 16 && a[0] == primes[i] ? 1 : 0;
    }
    return bits <= 16 ? 1 : -1; /* below the square of the largest trial prime */
}

/* Miller-Rabin with `rounds` random bases on an odd a > 3 (no trial division). */
static fmcp_result fmcp__bn_miller_rabin(const fmcp_limb *a, size_t n, unsigned rounds, int *is_prime)
{
    fmcp_bn_mont ctx;
    fmcp_limb d[FMCP_BN_MAX_LIMBS], b[FMCP_BN_MAX_LIMBS], one_m[FMCP_BN_MAX_LIMBS], mone[FMCP_BN_MAX_LIMBS];
    size_t s = 0, bits = fmcp_bn_bits(a, n), i, limbs, sh;
    unsigned r;
    fmcp_result rc;
    *is_prime = 0;
    n = (bits + FMCP_LIMB_BITS - 1) / FMCP_LIMB_BITS;
    rc = fmcp_bn_mont_init(&ctx, a, n);
    if (rc != FMCP_OK) return rc;
    /* a - 1 = d * 2^s */
    memcpy(d, a, n * sizeof *d);
    d[0] &= ~(fmcp_limb)1;
    while (!((d[s / FMCP_LIMB_BITS] >> (s % FMCP_LIMB_BITS)) & 1)) s++;
    limbs = s / FMCP_LIMB_BITS;
    sh = s % FMCP_LIMB_BITS;
    for (i = 0; i < n; i++) {
        fmcp_limb lo = i + limbs < n ? d[i + limbs] : 0;
        fmcp_limb hi = i + limbs + 1 < n ? d[i + limbs + 1] : 0;
        d[i] = sh ? (lo >> sh) | (hi << (FMCP_LIMB_BITS - sh)) : lo;
    }
    memset(b, 0, n * sizeof *b);
    b[0] = 1;
    fmcp_bn_mont_to(&ctx, one_m, b);
    fmcp_bn_sub(mone, ctx.m, one_m, n);
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

FASTMCP_API fmcp_result fmcp_bn_is_probable_prime(const fmcp_limb *a, size_t n, unsigned rounds,
                                                  int *is_prime)
{
    int trial;
    *is_prime = 0;
    if (n == 0 || n > FMCP_BN_MAX_LIMBS) return FMCP_ERR_INVALID_ARG;
    trial = fmcp__bn_trial(a, n);
    if (trial >= 0) { *is_prime = trial; return FMCP_OK; }
    return fmcp__bn_miller_rabin(a, n, rounds, is_prime);
}
