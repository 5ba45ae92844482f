/* ---------------------------------------------------------------------------
 * bn: fixed-size unsigned bignums and Montgomery arithmetic (RSA building block)
 * ---------------------------------------------------------------------------
 *
 * Private (fmcp__bn_*): the arithmetic is declared and documented in the
 * implementation; only the limb type, the size limits and the Montgomery
 * context that key structs embed are here.
 */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)
typedef uint64_t fmcp__limb;
#  define FMCP_LIMB_BITS 64
#else
typedef uint32_t fmcp__limb;
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

typedef struct fmcp__bn_mont {
    fmcp__limb m[FMCP_BN_MAX_LIMBS];   /* modulus */
    fmcp__limb rr[FMCP_BN_MAX_LIMBS];  /* R^2 mod m */
    fmcp__limb m0inv;                  /* -1/m mod 2^FMCP_LIMB_BITS */
    size_t n;                         /* limbs */
} fmcp__bn_mont;

#ifdef __cplusplus
}
#endif
