/* ---------------------------------------------------------------------------
 * x25519: X25519 Diffie-Hellman (RFC 7748), constant time
 * ---------------------------------------------------------------------------
 *
 *   uint8_t sk[32], pk[32], peer_pk[32], shared[32];
 *   if (fmcp_random_bytes(sk, sizeof sk) != FMCP_OK) fail();
 *   fmcp_x25519_base(pk, sk);                         // our public key
 *   ... send pk, receive peer_pk ...
 *   if (fmcp_x25519(shared, sk, peer_pk) != FMCP_OK) fail(); // all-zero result
 *   fmcp_wipe(sk, sizeof sk);
 *
 * All values are 32-byte little-endian strings exactly as RFC 7748 defines
 * them. No heap, no global state. The field arithmetic uses radix 2^51 with
 * unsigned __int128 products where the compiler has them (and
 * FASTMCP_NO_INT128 is not defined), else radix 2^25.5 with 64-bit
 * products. Either way the code has no branch and no memory index that
 * depends on the scalar or the point: the Montgomery ladder swaps by mask.
 * With 64-bit limbs (about 2.5x faster than BearSSL's 31-bit code) the tls
 * module uses it for its X25519 key exchange, through BearSSL's EC hook.
 *
 * fmcp_x25519(out, scalar, point)
 *   out = X25519(scalar, point). The scalar is clamped as RFC 7748 says
 *   (its 3 low bits and top bit cleared, bit 254 set) on a copy; the top
 *   bit of the point is ignored and a non-canonical point (>= 2^255 - 19)
 *   is reduced, as section 5 requires. Returns FMCP_ERR_CRYPTO when the
 *   result is all zeros (a point of small order: the check of section 6.1,
 *   which TLS requires), FMCP_OK otherwise; out is written either way.
 *   FMCP_ERR_INVALID_ARG for a NULL pointer. out may alias the inputs.
 *
 * fmcp_x25519_base(out, scalar)
 *   The public key for a secret scalar: X25519(scalar, 9). Returns FMCP_OK
 *   (FMCP_ERR_INVALID_ARG for a NULL pointer).
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_X25519_SIZE 32

FASTMCP_API fmcp_result fmcp_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);
FASTMCP_API fmcp_result fmcp_x25519_base(uint8_t out[32], const uint8_t scalar[32]);

#ifdef __cplusplus
}
#endif
