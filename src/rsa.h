/* ---------------------------------------------------------------------------
 * rsa: RSA PKCS#1 v1.5 (RS256) and PSS (PS256) with SHA-256: verify, sign, keygen
 * ---------------------------------------------------------------------------
 *
 * Keys are plain caller-owned structs of big-endian byte strings (no heap),
 * filled by the rsakey module (PEM, DER, JWK) or by fmcp_rsa_generate().
 * Integers are stored minimal: no leading zero bytes.
 *
 * Policy (checked by every function that takes a key): modulus 2048 to 4096
 * bits and odd; public exponent odd and >= 65537 unless the flag
 * FMCP_RSA_ALLOW_SMALL_E is given to fmcp_rsa_public_check/verify; exponents
 * longer than 8 bytes are refused. Violations give FMCP_ERR_BAD_KEY.
 *
 * Verification rebuilds the whole expected EMSA-PKCS1-v1_5 encoding and
 * compares all k bytes; it never parses the ASN.1 inside the signature.
 * The signature must be exactly k bytes and, as an integer, below n.
 * Signing uses CRT with constant-time exponentiation and exponent blinding,
 * and verifies its own result before releasing it.
 *
 *   fmcp_rsa_public_ctx pk;                       // verify many tokens, one key
 *   if (fmcp_rsa_public_prepare(&pk, &key, 0) == FMCP_OK)
 *       ok = fmcp_rsa_verify_sha256_ctx(&pk, digest, sig, sig_len) == FMCP_OK;
 *
 *   fmcp_rsa_private_key priv;                    // sign
 *   fmcp_rsa_generate(2048, &priv);
 *   uint8_t sig[FMCP_RSA_MAX_BYTES]; size_t n;
 *   fmcp_rsa_sign_sha256(&priv, digest, sig, sizeof sig, &n);
 *   fmcp_wipe(&priv, sizeof priv);
 *
 * fmcp_rsa_public_check / fmcp_rsa_public_prepare
 *   Apply the policy; prepare also caches what verification needs.
 * fmcp_rsa_verify_sha256 / fmcp_rsa_verify_sha256_ctx
 *   Variable time (public data). e = 65537 takes a 17-multiplication path.
 * fmcp_rsa_private_check
 *   Policy, p*q == n, e*d == 1 mod p-1 and mod q-1, e*dp == 1 mod p-1,
 *   e*dq == 1 mod q-1, q*qinv == 1 mod p. Variable time: for loading keys,
 *   not per signature.
 * fmcp_rsa_sign_sha256
 *   CRT halves use fixed-window exponentiation with masked table scans, so no
 *   branch or memory index depends on the key. Each call blinds the exponent
 *   (dp + r*(p-1) with a fresh 64-bit r). The base is not blinded: its
 *   inverse mod p would need a variable-time GCD over the secret prime (or a
 *   second exponentiation). The result is checked with the public key
 *   (FMCP_ERR_CRYPTO and nothing released if that fails, e.g. after a fault
 *   or an inconsistent key). The key's own temporaries are wiped, and so is
 *   the bignum scratch (each exponentiation passes one buffer to all its
 *   Montgomery products and wipes it at the end).
 * fmcp_rsa_verify_pss_sha256 / fmcp_rsa_verify_pss_sha256_ctx
 *   RSASSA-PSS (RFC 8017 8.1.2, 9.1.2) as JWS PS256 uses it: SHA-256,
 *   MGF1-SHA-256, salt length exactly 32. emBits = modBits - 1, so for a
 *   modulus of 8k + 1 bits the leading byte of s^e mod n must be zero. The
 *   signature must be exactly k bytes and below n. A PKCS#1 v1.5 signature
 *   never verifies here, nor a PSS one through fmcp_rsa_verify_sha256.
 *   Variable time (public data).
 * fmcp_rsa_sign_pss_sha256 / fmcp_rsa_sign_pss_sha256_ex
 *   The same CRT path as fmcp_rsa_sign_sha256 (constant time, exponent
 *   blinding, result checked with the public key before release) on the
 *   EMSA-PSS encoding with a fresh 32-byte salt from fmcp_random_bytes
 *   (FMCP_ERR_RANDOM fails closed), so signatures are not deterministic.
 * fmcp_rsa_generate
 *   Random odd candidates with the top two bits set (so n has exactly `bits`
 *   bits), sieved by the first 2048 odd primes and for p mod e != 1, then
 *   Miller-Rabin with random bases: 5 rounds for 1024-bit primes, 4 above
 *   (Damgard-Landrock-Pomerance bound: error below 2^-100 for random
 *   candidates). |p - q| > 2^(bits/2 - 100). Convention: p > q,
 *   d = e^-1 mod (p-1)(q-1), dp = d mod p-1, dq = d mod q-1, qinv = q^-1 mod p.
 *   All randomness from fmcp_random_bytes: FMCP_ERR_RANDOM (and *out wiped)
 *   if it fails. Not constant time (sieve, small divisions for d, dp, dq and
 *   the closing fmcp_rsa_private_check): generate keys where the timing of
 *   that one call cannot be observed. qinv uses the constant-time exponent.
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_RSA_MIN_BITS 2048
#define FMCP_RSA_MAX_BITS FASTMCP_RSA_MAX_BITS   /* 4096 unless set (see bn) */
#define FMCP_RSA_MAX_BYTES (FMCP_RSA_MAX_BITS / 8)
#define FMCP_RSA_MAX_E_BYTES 8

/* flags */
#define FMCP_RSA_ALLOW_SMALL_E 1u  /* accept odd e >= 3 */

typedef struct fmcp_rsa_public_key {
    uint8_t n[FMCP_RSA_MAX_BYTES];
    size_t n_len;
    uint8_t e[FMCP_RSA_MAX_E_BYTES];
    size_t e_len;
} fmcp_rsa_public_key;

typedef struct fmcp_rsa_private_key {
    fmcp_rsa_public_key pub;
    uint8_t d[FMCP_RSA_MAX_BYTES];
    size_t d_len;
    uint8_t p[FMCP_RSA_MAX_BYTES / 2], q[FMCP_RSA_MAX_BYTES / 2];
    size_t p_len, q_len;
    uint8_t dp[FMCP_RSA_MAX_BYTES / 2], dq[FMCP_RSA_MAX_BYTES / 2], qinv[FMCP_RSA_MAX_BYTES / 2];
    size_t dp_len, dq_len, qinv_len;
} fmcp_rsa_private_key;

/* Size in bits of the modulus (0 if empty). */
FASTMCP_API unsigned fmcp_rsa_bits(const fmcp_rsa_public_key *k);
/* Check the key against the policy above. */
FASTMCP_API fmcp_result fmcp_rsa_public_check(const fmcp_rsa_public_key *k, unsigned flags);
/* Check a private key: policy, p*q == n, CRT values consistent. */
FASTMCP_API fmcp_result fmcp_rsa_private_check(const fmcp_rsa_private_key *k);

/* Verify an RS256 signature over a SHA-256 digest. FMCP_OK, or
 * FMCP_ERR_BAD_SIGNATURE, or FMCP_ERR_BAD_KEY. */
FASTMCP_API fmcp_result fmcp_rsa_verify_sha256(const fmcp_rsa_public_key *k, unsigned flags,
                                               const uint8_t hash[32],
                                               const uint8_t *sig, size_t sig_len);
/* Sign a SHA-256 digest. sig must hold k bytes (the modulus length);
 * *sig_len is set to it. Needs randomness (blinding): FMCP_ERR_RANDOM fails closed. */
FASTMCP_API fmcp_result fmcp_rsa_sign_sha256(const fmcp_rsa_private_key *k, const uint8_t hash[32],
                                             uint8_t *sig, size_t sig_cap, size_t *sig_len);
/* fmcp_rsa_sign_sha256 with policy flags (FMCP_RSA_ALLOW_SMALL_E to sign
 * with a legacy key whose e is below 65537). */
FASTMCP_API fmcp_result fmcp_rsa_sign_sha256_ex(const fmcp_rsa_private_key *k, unsigned flags,
                                                const uint8_t hash[32], uint8_t *sig, size_t sig_cap,
                                                size_t *sig_len);
/* RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (PS256): as the two above. */
FASTMCP_API fmcp_result fmcp_rsa_verify_pss_sha256(const fmcp_rsa_public_key *k, unsigned flags,
                                                   const uint8_t hash[32],
                                                   const uint8_t *sig, size_t sig_len);
FASTMCP_API fmcp_result fmcp_rsa_sign_pss_sha256(const fmcp_rsa_private_key *k, const uint8_t hash[32],
                                                 uint8_t *sig, size_t sig_cap, size_t *sig_len);
FASTMCP_API fmcp_result fmcp_rsa_sign_pss_sha256_ex(const fmcp_rsa_private_key *k, unsigned flags,
                                                    const uint8_t hash[32], uint8_t *sig, size_t sig_cap,
                                                    size_t *sig_len);
/* Generate a key of 2048, 3072 or 4096 bits with e = 65537. */
FASTMCP_API fmcp_result fmcp_rsa_generate(unsigned bits, fmcp_rsa_private_key *out);

/* A public key prepared for many verifications (a JWT verifier checks many
 * tokens with one key): the policy check, Montgomery constants and R^2 mod n
 * are done once. Plain value, no heap; copy or discard freely. */
typedef struct fmcp_rsa_public_ctx {
    fmcp__bn_mont mont;   /* modulus n with its Montgomery constants */
    uint64_t e;          /* public exponent */
    size_t k;            /* modulus length in bytes */
} fmcp_rsa_public_ctx;

/* Check k against the policy (flags as for fmcp_rsa_public_check) and fill ctx. */
FASTMCP_API fmcp_result fmcp_rsa_public_prepare(fmcp_rsa_public_ctx *ctx, const fmcp_rsa_public_key *k,
                                                unsigned flags);
/* fmcp_rsa_verify_sha256 with a prepared key: FMCP_OK or FMCP_ERR_BAD_SIGNATURE. */
FASTMCP_API fmcp_result fmcp_rsa_verify_sha256_ctx(const fmcp_rsa_public_ctx *ctx, const uint8_t hash[32],
                                                   const uint8_t *sig, size_t sig_len);
/* fmcp_rsa_verify_pss_sha256 with a prepared key. */
FASTMCP_API fmcp_result fmcp_rsa_verify_pss_sha256_ctx(const fmcp_rsa_public_ctx *ctx, const uint8_t hash[32],
                                                       const uint8_t *sig, size_t sig_len);

#ifdef __cplusplus
}
#endif
