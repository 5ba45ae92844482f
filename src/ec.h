/* ---------------------------------------------------------------------------
 * ec: NIST P-256 and P-384: ECDSA (verify, RFC 6979 sign), ECDH, keys
 * ---------------------------------------------------------------------------
 *
 *   fmcp_ec_public_key pub;                          // from a JWK's x and y
 *   if (fmcp_ec_public_from_xy(&pub, FMCP_EC_P256, x, 32, y, 32) != FMCP_OK) reject();
 *   uint8_t d[FMCP_SHA256_SIZE];
 *   fmcp_sha256(signing_input, len, d);
 *   ok = fmcp_ecdsa_verify(&pub, d, sizeof d, sig, sig_len) == FMCP_OK;  // ES256
 *
 *   fmcp_ec_private_key priv;                        // sign
 *   fmcp_ec_keygen(FMCP_EC_P256, &priv);
 *   uint8_t sig[FMCP_EC_MAX_SIG];
 *   fmcp_ecdsa_sign(&priv, d, sizeof d, sig);        // writes 2 * 32 bytes
 *   fmcp_wipe(&priv, sizeof priv);
 *
 * Keys are plain caller-owned structs of fixed-length big-endian byte
 * strings (fmcp_ec_size(curve) bytes each: 32 or 48). No heap, no global
 * state. Every function that takes a key checks it again (coordinates below
 * p, point on the curve; d in [1, n-1]), so a struct filled by hand is
 * never trusted: a bad one gives FMCP_ERR_BAD_KEY.
 *
 * Arithmetic: Montgomery multiplication with 64-bit limbs and unsigned
 * __int128 products where the compiler has them (and FASTMCP_NO_INT128 is
 * not defined), else 32-bit limbs with 64-bit products; both give the same
 * results. Field and scalar operations have no branch and no memory index
 * that depends on their values. Inverses (mod p and mod n) by Fermat with
 * a fixed exponent.
 *
 * Secrets (private keys, nonces) only meet constant-time code, with the
 * complete projective formulas of Renes, Costello and Batina (2016, a = -3:
 * no exceptional case, O and P + P included). k G (signing, key
 * derivation) uses a 6-tooth comb over a fixed table of 63 points per
 * curve; k Q (ECDH) a 4-bit fixed window over 16 computed multiples. Table
 * entries are chosen by reading every entry with masks. Temporaries that
 * held secrets are wiped. tests/ct_ec.c checks this under valgrind with the
 * key marked as secret; the only branches on secret-derived values are the
 * declassified ones (key in range, a nonce candidate in range, r or s zero).
 *
 * Verification handles public data only: u1 G + u2 Q in Jacobian
 * coordinates, interleaved width-7 NAF over a fixed table of 32 multiples
 * of G and width-5 NAF over 8 computed multiples of Q, the x-coordinate
 * compared without an inversion.
 *
 * The tls module plugs this code into BearSSL (ECDHE on P-256 and P-384,
 * ECDSA signing and verification in handshakes) through private helpers
 * at the end of ec.c that take BearSSL's point and scalar encodings.
 *
 * On one core of the development machine: 7-8k P-256 verifications and
 * 13k signatures per second (0.45x and 0.26x OpenSSL's assembly, 6.5x and
 * 5x BearSSL's i31/m31 code); P-384 is faster than OpenSSL's generic code
 * (bench/bench_ecdsa.c).
 *
 * fmcp_ec_size(curve)
 *   32 for P-256, 48 for P-384, 0 for anything else.
 *
 * fmcp_ec_public_from_xy(out, curve, x, xlen, y, ylen)
 *   A public key from raw coordinates (JWK "x" and "y": exactly
 *   fmcp_ec_size bytes each, RFC 7518 6.2.1.2). Checks x, y < p and that
 *   (x, y) is on the curve; FMCP_ERR_BAD_KEY otherwise (the point at
 *   infinity has no affine form, so it is refused too).
 *
 * fmcp_ec_public_from_sec1(out, curve, p, len)
 *   The same from an uncompressed SEC1 point 04 || x || y (as in SPKI, TLS
 *   key shares and Wycheproof). Compressed points (02/03) and the
 *   single-byte infinity (00) are refused with FMCP_ERR_UNSUPPORTED and
 *   FMCP_ERR_BAD_KEY; neither JOSE nor TLS 1.3 uses them.
 *
 * fmcp_ec_public_to_sec1(key, out, out_len)
 *   Writes 04 || x || y (1 + 2 * size bytes, at most FMCP_EC_MAX_SEC1)
 *   after checking the key.
 *
 * fmcp_ec_private_from_bytes(out, curve, d, dlen)
 *   A private key from its scalar (dlen == size, d in [1, n-1]) with the
 *   public point computed.
 *
 * fmcp_ec_keygen(curve, out)
 *   d uniform in [1, n-1] by rejection sampling fmcp_random_bytes (the
 *   candidate's range check is constant time), and its public key.
 *   FMCP_ERR_RANDOM (and *out wiped) when randomness fails.
 *
 * fmcp_ecdsa_verify(key, digest, dlen, sig, siglen)
 *   ECDSA verification over a message digest of any length (the leftmost
 *   bits of the digest, as many as n has, are used: FIPS 186-5 6.4.2).
 *   sig is the raw r || s (JWS, IEEE P1363) of exactly 2 * size bytes;
 *   r and s must lie in [1, n-1] (so the all-zero signature of
 *   CVE-2022-21449 is refused). FMCP_OK, FMCP_ERR_BAD_SIGNATURE or
 *   FMCP_ERR_BAD_KEY. Variable time: every input is public.
 *
 * fmcp_ecdsa_sign(key, digest, dlen, sig)
 *   Writes r || s (2 * size bytes; FMCP_EC_MAX_SIG always fits) with the
 *   deterministic nonce of RFC 6979, HMAC-SHA-256 being the generator's
 *   hash on both curves. RFC 6979 lets that hash differ from the message
 *   hash: P-384 keeps SHA-256 until a SHA-384 module exists, so its nonces
 *   match the RFC's P-384/SHA-256 rows but not its SHA-384 rows, and are
 *   equally sound. The digest is not checked against the curve (an ES384
 *   caller passes a SHA-384 digest). FMCP_ERR_BAD_KEY for d outside
 *   [1, n-1]. Constant time.
 * fmcp_ecdsa_sign_ex(key, digest, dlen, extra, extra_len, sig)
 *   The same with additional input k' (RFC 6979 3.6) fed to the generator.
 * fmcp_ecdsa_sign_hedged(key, digest, dlen, sig)
 *   fmcp_ecdsa_sign_ex with 32 fresh bytes of fmcp_random_bytes as extra:
 *   a fault or a bad RNG then cannot leak the key by nonce reuse or bias.
 *
 * fmcp_ecdsa_sig_from_der(curve, der, len, sig)
 *   Strict DER Ecdsa-Sig-Value (X9.62: SEQUENCE { INTEGER r, INTEGER s })
 *   to raw r || s: minimal lengths, minimal non-negative integers, nothing
 *   after the sequence; each integer must fit in size bytes.
 *   FMCP_ERR_PARSE otherwise (the range [1, n-1] is verify's business).
 * fmcp_ecdsa_sig_to_der(curve, sig, out, cap, out_len)
 *   The reverse; at most FMCP_EC_MAX_DER bytes.
 *
 * fmcp_ecdh(key, peer, out)
 *   The shared secret: the x-coordinate of d * peer (size bytes written to
 *   out; FMCP_EC_MAX_BYTES always fits). The peer key is validated first
 *   (FMCP_ERR_BAD_KEY, also for a curve mismatch); constant time in d.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fmcp_ec_curve {
    FMCP_EC_NONE = 0,
    FMCP_EC_P256 = 1,   /* secp256r1, prime256v1: ES256 */
    FMCP_EC_P384 = 2    /* secp384r1: ES384 */
} fmcp_ec_curve;

#define FMCP_EC_MAX_BYTES 48
#define FMCP_EC_MAX_SIG (2 * FMCP_EC_MAX_BYTES)
#define FMCP_EC_MAX_SEC1 (1 + 2 * FMCP_EC_MAX_BYTES)
#define FMCP_EC_MAX_DER (2 + 2 * (2 + 1 + FMCP_EC_MAX_BYTES))

typedef struct fmcp_ec_public_key {
    fmcp_ec_curve curve;
    uint8_t x[FMCP_EC_MAX_BYTES], y[FMCP_EC_MAX_BYTES];   /* first fmcp_ec_size() bytes used */
} fmcp_ec_public_key;

typedef struct fmcp_ec_private_key {
    fmcp_ec_public_key pub;
    uint8_t d[FMCP_EC_MAX_BYTES];
} fmcp_ec_private_key;

FASTMCP_API size_t fmcp_ec_size(fmcp_ec_curve curve);
FASTMCP_API fmcp_result fmcp_ec_public_from_xy(fmcp_ec_public_key *out, fmcp_ec_curve curve,
                                               const uint8_t *x, size_t xlen,
                                               const uint8_t *y, size_t ylen);
FASTMCP_API fmcp_result fmcp_ec_public_from_sec1(fmcp_ec_public_key *out, fmcp_ec_curve curve,
                                                 const uint8_t *p, size_t len);
FASTMCP_API fmcp_result fmcp_ec_public_to_sec1(const fmcp_ec_public_key *key,
                                               uint8_t *out, size_t *out_len);
FASTMCP_API fmcp_result fmcp_ec_public_check(const fmcp_ec_public_key *key);
FASTMCP_API fmcp_result fmcp_ec_private_from_bytes(fmcp_ec_private_key *out, fmcp_ec_curve curve,
                                                   const uint8_t *d, size_t dlen);
FASTMCP_API fmcp_result fmcp_ec_keygen(fmcp_ec_curve curve, fmcp_ec_private_key *out);

FASTMCP_API fmcp_result fmcp_ecdsa_verify(const fmcp_ec_public_key *key, const uint8_t *digest,
                                          size_t dlen, const uint8_t *sig, size_t siglen);
FASTMCP_API fmcp_result fmcp_ecdsa_sign(const fmcp_ec_private_key *key, const uint8_t *digest,
                                        size_t dlen, uint8_t *sig);
FASTMCP_API fmcp_result fmcp_ecdsa_sign_ex(const fmcp_ec_private_key *key, const uint8_t *digest,
                                           size_t dlen, const uint8_t *extra, size_t extra_len,
                                           uint8_t *sig);
FASTMCP_API fmcp_result fmcp_ecdsa_sign_hedged(const fmcp_ec_private_key *key, const uint8_t *digest,
                                               size_t dlen, uint8_t *sig);
FASTMCP_API fmcp_result fmcp_ecdsa_sig_from_der(fmcp_ec_curve curve, const uint8_t *der, size_t len,
                                                uint8_t *sig);
FASTMCP_API fmcp_result fmcp_ecdsa_sig_to_der(fmcp_ec_curve curve, const uint8_t *sig,
                                              uint8_t *out, size_t cap, size_t *out_len);

FASTMCP_API fmcp_result fmcp_ecdh(const fmcp_ec_private_key *key, const fmcp_ec_public_key *peer,
                                  uint8_t *out);

#ifdef __cplusplus
}
#endif
