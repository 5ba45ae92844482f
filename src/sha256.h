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
 * HMAC keys of any length are accepted (longer than 64 bytes are hashed
 * first). Contexts hold no heap memory; the HMAC context is wiped by final.
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
