/* ---------------------------------------------------------------------------
 * sha512: SHA-512 and SHA-384 (FIPS 180-4), HMAC-SHA512/384 (RFC 2104)
 * ---------------------------------------------------------------------------
 *
 *   uint8_t d[FMCP_SHA512_SIZE];
 *   fmcp_sha512(data, len, d);                     // one shot
 *   fmcp_sha512_ctx c; fmcp_sha512_init(&c);       // streaming
 *   fmcp_sha512_update(&c, a, na); fmcp_sha512_update(&c, b, nb);
 *   fmcp_sha512_final(&c, d);                      // wipes the context
 *
 *   uint8_t d384[FMCP_SHA384_SIZE];
 *   fmcp_sha384_init(&c); fmcp_sha384_update(&c, a, na);
 *   fmcp_sha384_final(&c, d384);                   // same context type
 *
 *   uint8_t mac[FMCP_SHA512_SIZE];
 *   fmcp_hmac_sha512(key, key_len, msg, msg_len, mac);
 *   if (!fmcp_ct_equal(mac, received, sizeof mac)) reject();   // never memcmp
 *
 * No heap, no global state; portable C with 64-bit words. SHA-384 is SHA-512
 * with other initial values, cut to 48 bytes, so both share one context
 * type (fmcp_sha512_ctx) and one compression function. Contexts are plain
 * values that may be copied. Ed25519 (RFC 8032) hashes with SHA-512.
 *
 * fmcp_sha512_init(c) / fmcp_sha384_init(c)
 *   Starts a new hash in c (any previous contents are overwritten).
 *
 * fmcp_sha512_update(c, data, len) / fmcp_sha384_update(c, data, len)
 *   Appends len bytes; any split of the input gives the same digest. data
 *   may be NULL when len is 0. The two are the same function.
 *
 * fmcp_sha512_final(c, out) / fmcp_sha384_final(c, out)
 *   Pads, writes the 64-byte (48-byte) digest to out and wipes c. Finish a
 *   context with the final that matches its init.
 *
 * fmcp_sha512(data, len, out) / fmcp_sha384(data, len, out)
 *   One-shot digest; equal to init + update + final.
 *
 * fmcp_hmac_sha512_init(c, key, key_len) / fmcp_hmac_sha384_init(...)
 *   Starts an HMAC with a key of any length (keys longer than the 128-byte
 *   block are hashed first). The padded key copies are wiped.
 *
 * fmcp_hmac_sha512_update(c, data, len) / fmcp_hmac_sha512_final(c, out)
 *   Both HMACs use these (the context remembers which hash it runs); final
 *   writes FMCP_SHA512_SIZE or FMCP_SHA384_SIZE bytes, as the init chose,
 *   and wipes c.
 *
 * fmcp_hmac_sha512(key, key_len, data, len, out) / fmcp_hmac_sha384(...)
 *   One-shot HMAC; equal to init + update + final.
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_SHA512_SIZE 64
#define FMCP_SHA384_SIZE 48
#define FMCP_SHA512_BLOCK 128

typedef struct fmcp_sha512_ctx {
    uint64_t h[8];
    uint64_t total;          /* bytes hashed so far */
    uint8_t buf[128];
    size_t buf_len;
} fmcp_sha512_ctx;

FASTMCP_API void fmcp_sha512_init(fmcp_sha512_ctx *c);
FASTMCP_API void fmcp_sha512_update(fmcp_sha512_ctx *c, const void *data, size_t len);
FASTMCP_API void fmcp_sha512_final(fmcp_sha512_ctx *c, uint8_t out[FMCP_SHA512_SIZE]);
FASTMCP_API void fmcp_sha512(const void *data, size_t len, uint8_t out[FMCP_SHA512_SIZE]);

FASTMCP_API void fmcp_sha384_init(fmcp_sha512_ctx *c);
FASTMCP_API void fmcp_sha384_update(fmcp_sha512_ctx *c, const void *data, size_t len);
FASTMCP_API void fmcp_sha384_final(fmcp_sha512_ctx *c, uint8_t out[FMCP_SHA384_SIZE]);
FASTMCP_API void fmcp_sha384(const void *data, size_t len, uint8_t out[FMCP_SHA384_SIZE]);

typedef struct fmcp_hmac_sha512_ctx {
    fmcp_sha512_ctx inner, outer;
    size_t out_len;          /* 64 for HMAC-SHA512, 48 for HMAC-SHA384 */
} fmcp_hmac_sha512_ctx;

FASTMCP_API void fmcp_hmac_sha512_init(fmcp_hmac_sha512_ctx *c, const void *key, size_t key_len);
FASTMCP_API void fmcp_hmac_sha384_init(fmcp_hmac_sha512_ctx *c, const void *key, size_t key_len);
FASTMCP_API void fmcp_hmac_sha512_update(fmcp_hmac_sha512_ctx *c, const void *data, size_t len);
FASTMCP_API void fmcp_hmac_sha512_final(fmcp_hmac_sha512_ctx *c, uint8_t *out);
FASTMCP_API void fmcp_hmac_sha512(const void *key, size_t key_len, const void *data, size_t len,
                                  uint8_t out[FMCP_SHA512_SIZE]);
FASTMCP_API void fmcp_hmac_sha384(const void *key, size_t key_len, const void *data, size_t len,
                                  uint8_t out[FMCP_SHA384_SIZE]);

#ifdef __cplusplus
}
#endif
