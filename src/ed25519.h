/* ---------------------------------------------------------------------------
 * ed25519: Ed25519 signatures (RFC 8032), strict verification, constant-time signing
 * ---------------------------------------------------------------------------
 *
 *   uint8_t seed[32], pk[32], sig[64];
 *   if (fmcp_random_bytes(seed, sizeof seed) != FMCP_OK) fail();
 *   fmcp_ed25519_public_key(pk, seed);
 *   fmcp_ed25519_sign(sig, msg, msg_len, seed, pk);
 *   if (fmcp_ed25519_verify(sig, msg, msg_len, pk) != FMCP_OK) reject();
 *   fmcp_wipe(seed, sizeof seed);
 *
 * Pure Ed25519 (no context, no prehash). Keys and signatures are the byte
 * strings of RFC 8032: a 32-byte secret seed, a 32-byte public key, a
 * 64-byte signature R || S. No heap, no global state. The field arithmetic
 * is the f25519 code x25519 also uses (64-bit limbs with __int128, else
 * 32-bit limbs); hashing is SHA-512 from the sha512 module.
 *
 * Signing and key derivation are constant time: [k]B takes 64 signed 4-bit
 * digits of k against a precomputed table of multiples of B (4 x 8 points,
 * 3 KB), each table entry found by a masked scan of all eight (no branch
 * or index on secret digits): 60 doublings and 64 additions whatever k is.
 * The scalar arithmetic mod L is fixed-length Barrett reduction, and every
 * secret intermediate is wiped. Verification is variable time (its inputs
 * are public): a width-5 NAF double-scalar multiplication.
 *
 * Verification is strict (the rules a JWS EdDSA verifier wants):
 *   - S must be below the group order L (RFC 8032 5.1.7: no malleability);
 *   - the public key must decode canonically: y < p, on the curve, and not
 *     x = 0 with the sign bit set (RFC 8032 5.1.3); a key of small order
 *     (the identity and the 7 other points of order dividing 8) is refused;
 *   - R is not decoded but compared byte for byte with the canonical
 *     encoding of [S]B - [k]A, so any non-canonical R (y >= p, a negative
 *     zero x, a flipped bit) fails; a result of small order is refused too,
 *     so a small-order R never verifies.
 *   The check is the cofactorless equation [S]B = R + [k]A of RFC 8032
 *   5.1.7 (its permitted unbatched form), as OpenSSL, BoringSSL and
 *   libsodium do; it accepts every Wycheproof "valid" vector and refuses
 *   every "invalid" one.
 *
 * fmcp_ed25519_public_key(pk, seed)
 *   The public key for a 32-byte seed (RFC 8032 5.1.5). FMCP_OK, or
 *   FMCP_ERR_INVALID_ARG for a NULL pointer.
 *
 * fmcp_ed25519_sign(sig, msg, len, seed, pk)
 *   Writes the 64-byte signature of len bytes at msg (RFC 8032 5.1.6;
 *   deterministic: the same inputs give the same signature). pk must be the
 *   seed's own public key (as fmcp_ed25519_public_key gives it): signing
 *   with a wrong pk leaks the secret. Pass NULL to have it derived (one more
 *   scalar multiplication). msg may be NULL when len is 0. FMCP_OK, or
 *   FMCP_ERR_INVALID_ARG.
 *
 * fmcp_ed25519_verify(sig, msg, len, pk)
 *   FMCP_OK when sig is a valid signature of msg under pk;
 *   FMCP_ERR_BAD_KEY when pk is not a canonical encoding of a point or is a
 *   point of small order; FMCP_ERR_BAD_SIGNATURE otherwise (S >= L, R not
 *   matching). FMCP_ERR_INVALID_ARG for a NULL pointer. A signature whose
 *   length is not 64 bytes is the caller's to refuse.
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_ED25519_SEED_SIZE 32
#define FMCP_ED25519_PUBLIC_KEY_SIZE 32
#define FMCP_ED25519_SIGNATURE_SIZE 64

FASTMCP_API fmcp_result fmcp_ed25519_public_key(uint8_t pk[32], const uint8_t seed[32]);
FASTMCP_API fmcp_result fmcp_ed25519_sign(uint8_t sig[64], const void *msg, size_t len,
                                          const uint8_t seed[32], const uint8_t pk[32]);
FASTMCP_API fmcp_result fmcp_ed25519_verify(const uint8_t sig[64], const void *msg, size_t len,
                                            const uint8_t pk[32]);

#ifdef __cplusplus
}
#endif
