/* ---------------------------------------------------------------------------
 * bn: fixed-size unsigned bignums and Montgomery arithmetic (RSA building block)
 * ---------------------------------------------------------------------------
 *
 *   fmcp_limb m[FMCP_BN_MAX_LIMBS], x[FMCP_BN_MAX_LIMBS], e[1] = {65537};
 *   size_t n = fmcp_bn_limbs_for_bytes(mod_len);
 *   fmcp_bn_from_bytes(m, n, mod, mod_len);        // big-endian bytes -> limbs
 *   fmcp_bn_from_bytes(x, n, msg, msg_len);
 *   fmcp_bn_mont ctx;
 *   if (fmcp_bn_mont_init(&ctx, m, n) == FMCP_OK) {
 *       fmcp_bn_mod_exp(&ctx, x, x, e, 1);         // x = x^e mod m, constant time
 *       fmcp_bn_to_bytes(x, n, out, mod_len);
 *   }
 *
 * A number is an array of fmcp_limb, least significant limb first, with its
 * length in limbs passed beside it. Limbs are 64 bits when the compiler has a
 * 128-bit product (__SIZEOF_INT128__, unless FASTMCP_NO_INT128), else 32 bits.
 * Everything lives on the stack: at most FMCP_BN_MAX_LIMBS limbs (4096 bits
 * plus two limbs of headroom) per number, twice that for products. No heap.
 *
 * Timing: functions marked "constant time" take time that depends only on
 * the limb counts, never on the values (no secret-dependent branch or memory
 * index). The others are variable time and meant for public data.
 *
 * fmcp_bn_from_bytes(r, n, in, len)
 *   Big-endian bytes to n limbs. FMCP_ERR_OVERFLOW if the value needs more
 *   than n limbs (leading zero bytes are fine). Constant time in the value.
 * fmcp_bn_to_bytes(a, n, out, len)
 *   n limbs to exactly len big-endian bytes (left-padded with zeros).
 *   FMCP_ERR_OVERFLOW (and out zeroed) if the value does not fit. Constant time.
 * fmcp_bn_limbs_for_bytes(len)  limbs needed for a len-byte number.
 * fmcp_bn_bits(a, n)            bit length (0 for zero). Variable time.
 * fmcp_bn_is_zero(a, n)         1 if zero. Constant time.
 * fmcp_bn_cmp(a, b, n)          -1, 0 or 1. Variable time.
 * fmcp_bn_add / fmcp_bn_sub     r = a + b / a - b over n limbs; returns the
 *                               carry / borrow (0 or 1). r may alias. Constant time.
 * fmcp_bn_mul(r, a, an, b, bn)  r (an + bn limbs) = a * b. r must not alias.
 * fmcp_bn_mul_small(r, a, n, k) r = a * k over n limbs; returns the carry limb.
 * fmcp_bn_mod_small(a, n, d)    a mod d for 0 < d < 2^32. Variable time in d.
 * fmcp_bn_mod(r, a, an, m, mn)  r (mn limbs) = a mod m; FMCP_ERR_INVALID_ARG
 *                               if m is zero. Variable time (bit-serial).
 *
 * Montgomery (fmcp_bn_mont; m odd and > 1; R = 2^(limb bits * n))
 * fmcp_bn_mont_init(ctx, m, n)
 *   Caches m, -1/m mod 2^w and R^2 mod m. FMCP_ERR_INVALID_ARG for even m,
 *   m < 3 or n out of range. Constant time in m (for secret primes).
 * fmcp_bn_mont_mul(ctx, r, a, b)  r = a*b/R mod m (a, b < m). Constant time.
 * fmcp_bn_mont_sqr(ctx, r, a)     r = a*a/R mod m. Constant time.
 * fmcp_bn_mont_to(ctx, r, a)      r = a*R mod m (into Montgomery form; a < m).
 * fmcp_bn_mont_from(ctx, r, a)    r = a/R mod m (out of Montgomery form).
 * fmcp_bn_mont_reduce(ctx, r, t)  r = t/R mod m for a 2n-limb t < m*R; this
 *   reduces a double-size value without division. Constant time.
 * fmcp_bn_mod_exp(ctx, r, a, e, en)
 *   r = a^e mod m, a < m, e of en limbs (its length is public, its bits are
 *   not). Fixed 5-bit windows, table read by a full masked scan: constant time.
 * fmcp_bn_mod_exp_public(ctx, r, a, e, en)
 *   The same, variable time (public exponents, e.g. RSA verification).
 * fmcp_bn_mod_inv_vartime(r, a, m, n)
 *   r = a^-1 mod m for odd m and 0 < a < m (binary extended Euclid).
 *   FMCP_ERR_INVALID_ARG if a is zero, m even, or gcd(a, m) != 1. Variable
 *   time: use it only on values masked by a random factor (RSA blinding).
 * fmcp_bn_is_probable_prime(a, n, rounds, &is_prime)
 *   Trial division by small primes, then `rounds` Miller-Rabin rounds with
 *   bases from fmcp_random_bytes (each round errs at most 1/4 on any input, so
 *   50 rounds give error below 2^-100 even for adversarial numbers).
 *   FMCP_ERR_RANDOM if randomness fails (then *is_prime = 0).
 */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)
typedef uint64_t fmcp_limb;
#  define FMCP_LIMB_BITS 64
#else
typedef uint32_t fmcp_limb;
#  define FMCP_LIMB_BITS 32
#endif

/* FASTMCP_RSA_MAX_BITS (2048, 3072 or 4096; default 4096): the largest RSA
 * modulus, which sizes every bignum and key struct and so the stack and heap
 * RSA needs (bare metal: 2048 halves them). The same in every file. */
#ifndef FASTMCP_RSA_MAX_BITS
#  define FASTMCP_RSA_MAX_BITS 4096
#endif
#if FASTMCP_RSA_MAX_BITS != 2048 && FASTMCP_RSA_MAX_BITS != 3072 && FASTMCP_RSA_MAX_BITS != 4096
#  error "fastmcp.h: FASTMCP_RSA_MAX_BITS must be 2048, 3072 or 4096"
#endif
#define FMCP_BN_MAX_BITS FASTMCP_RSA_MAX_BITS
#define FMCP_BN_MAX_LIMBS (FMCP_BN_MAX_BITS / FMCP_LIMB_BITS + 2)

typedef struct fmcp_bn_mont {
    fmcp_limb m[FMCP_BN_MAX_LIMBS];   /* modulus */
    fmcp_limb rr[FMCP_BN_MAX_LIMBS];  /* R^2 mod m */
    fmcp_limb m0inv;                  /* -1/m mod 2^FMCP_LIMB_BITS */
    size_t n;                         /* limbs */
} fmcp_bn_mont;

FASTMCP_API fmcp_result fmcp_bn_from_bytes(fmcp_limb *r, size_t n, const uint8_t *in, size_t len);
FASTMCP_API fmcp_result fmcp_bn_to_bytes(const fmcp_limb *a, size_t n, uint8_t *out, size_t len);
FASTMCP_API size_t fmcp_bn_limbs_for_bytes(size_t len);
FASTMCP_API size_t fmcp_bn_bits(const fmcp_limb *a, size_t n);
FASTMCP_API int fmcp_bn_is_zero(const fmcp_limb *a, size_t n);
FASTMCP_API int fmcp_bn_cmp(const fmcp_limb *a, const fmcp_limb *b, size_t n);
FASTMCP_API fmcp_limb fmcp_bn_add(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *b, size_t n);
FASTMCP_API fmcp_limb fmcp_bn_sub(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *b, size_t n);
FASTMCP_API void fmcp_bn_mul(fmcp_limb *r, const fmcp_limb *a, size_t an, const fmcp_limb *b, size_t bn);
FASTMCP_API fmcp_limb fmcp_bn_mul_small(fmcp_limb *r, const fmcp_limb *a, size_t n, fmcp_limb k);
FASTMCP_API uint32_t fmcp_bn_mod_small(const fmcp_limb *a, size_t n, uint32_t d);
FASTMCP_API fmcp_result fmcp_bn_mod(fmcp_limb *r, const fmcp_limb *a, size_t an,
                                    const fmcp_limb *m, size_t mn);

FASTMCP_API fmcp_result fmcp_bn_mont_init(fmcp_bn_mont *ctx, const fmcp_limb *m, size_t n);
FASTMCP_API void fmcp_bn_mont_mul(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a,
                                  const fmcp_limb *b);
FASTMCP_API void fmcp_bn_mont_sqr(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a);
FASTMCP_API void fmcp_bn_mont_to(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a);
FASTMCP_API void fmcp_bn_mont_from(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a);
FASTMCP_API void fmcp_bn_mont_reduce(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *t);
FASTMCP_API void fmcp_bn_mod_exp(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a,
                                 const fmcp_limb *e, size_t en);
FASTMCP_API void fmcp_bn_mod_exp_public(const fmcp_bn_mont *ctx, fmcp_limb *r, const fmcp_limb *a,
                                        const fmcp_limb *e, size_t en);
FASTMCP_API fmcp_result fmcp_bn_mod_inv_vartime(fmcp_limb *r, const fmcp_limb *a, const fmcp_limb *m,
                                                size_t n);
FASTMCP_API fmcp_result fmcp_bn_is_probable_prime(const fmcp_limb *a, size_t n, unsigned rounds,
                                                  int *is_prime);

#ifdef __cplusplus
}
#endif
