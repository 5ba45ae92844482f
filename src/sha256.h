/* ---------------------------------------------------------------------------
 * sha256: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104)
 * ---------------------------------------------------------------------------
 *
 *   uint8_t d[FMCP_SHA256_SIZE];
 *   fmcp_sha256(data, len, d);                     // one shot
 *   fmcp_sha256_ctx c; fmcp_sha256_init(&c);       // streaming
 *   fmcp_sha256_update(&c, a, na); fmcp_sha256_update(&c, b, nb);
 *   fmcp_sha256_final(&c, d);                      // wipes the context
 *
 *   uint8_t mac[FMCP_SHA256_SIZE];
 *   fmcp_hmac_sha256(key, key_len, msg, msg_len, mac);
 *   if (!fmcp_ct_equal(mac, received, sizeof mac)) reject();   // never memcmp
 *
 * No heap. Contexts are plain values that may be copied (to hash a common
 * prefix once and finish it several ways). The compression function is
 * portable C; on x86-64 built with GCC or Clang the CPU's SHA extensions are
 * used instead when present (probed once, on first use; the only global
 * state). Define FASTMCP_SHA256_PORTABLE to compile the portable C only.
 *
 * fmcp_sha256_init(c)
 *   Starts a new hash in c (any previous contents are overwritten).
 *
 * fmcp_sha256_update(c, data, len)
 *   Appends len bytes; any split of the input gives the same digest. data
 *   may be NULL when len is 0. Whole 64-byte blocks are hashed in place.
 *
 * fmcp_sha256_final(c, out)
 *   Pads, writes the 32-byte digest to out and wipes c; call init again
 *   before reusing c.
 *
 * fmcp_sha256(data, len, out)
 *   One-shot digest of len bytes; equal to init + update + final.
 *
 * fmcp_hmac_sha256_init(c, key, key_len)
 *   Starts an HMAC with a key of any length (keys longer than 64 bytes are
 *   hashed first, as RFC 2104 says). The padded key copies are wiped.
 *
 * fmcp_hmac_sha256_update(c, data, len) / fmcp_hmac_sha256_final(c, out)
 *   As for the hash. final writes the full 32-byte tag and wipes c. For a
 *   truncated tag compare a prefix, with fmcp_ct_equal.
 *
 * fmcp_hmac_sha256(key, key_len, data, len, out)
 *   One-shot HMAC; equal to init + update + final.
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_SHA256_SIZE 32
#define FMCP_SHA256_BLOCK 64

typedef struct fmcp_sha256_ctx {
    uint32_t h[8];
    uint64_t total;          /* bytes hashed so far */
    uint8_t buf[64];
    size_t buf_len;
} fmcp_sha256_ctx;

FASTMCP_API void fmcp_sha256_init(fmcp_sha256_ctx *c);
FASTMCP_API void fmcp_sha256_update(fmcp_sha256_ctx *c, const void *data, size_t len);
FASTMCP_API void fmcp_sha256_final(fmcp_sha256_ctx *c, uint8_t out[FMCP_SHA256_SIZE]);
FASTMCP_API void fmcp_sha256(const void *data, size_t len, uint8_t out[FMCP_SHA256_SIZE]);

typedef struct fmcp_hmac_sha256_ctx {
    fmcp_sha256_ctx inner, outer;
} fmcp_hmac_sha256_ctx;

FASTMCP_API void fmcp_hmac_sha256_init(fmcp_hmac_sha256_ctx *c, const void *key, size_t key_len);
FASTMCP_API void fmcp_hmac_sha256_update(fmcp_hmac_sha256_ctx *c, const void *data, size_t len);
FASTMCP_API void fmcp_hmac_sha256_final(fmcp_hmac_sha256_ctx *c, uint8_t out[FMCP_SHA256_SIZE]);
FASTMCP_API void fmcp_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                                  uint8_t out[FMCP_SHA256_SIZE]);

#ifdef __cplusplus
}
#endif
