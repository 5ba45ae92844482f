/* ---------------------------------------------------------------------------
 * rsa: RSA PKCS#1 v1.5 with SHA-256 (RS256): verify, sign, key generation
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
 * Signing uses CRT with constant-time exponentiation and blinding, and
 * verifies its own result before releasing it.
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_RSA_MIN_BITS 2048
#define FMCP_RSA_MAX_BITS 4096
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
/* Generate a key of 2048, 3072 or 4096 bits with e = 65537. */
FASTMCP_API fmcp_result fmcp_rsa_generate(unsigned bits, fmcp_rsa_private_key *out);

#ifdef __cplusplus
}
#endif
