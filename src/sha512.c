/* sha512: implementation (FIPS 180-4 SHA-512 and SHA-384, RFC 2104) */
#include "base.h"
#include "sha512.h"

#include <string.h>

static const uint64_t fmcp__sha512_k[80] = {
    0x428a2f98d728ae22u, 0x7137449123ef65cdu, 0xb5c0fbcfec4d3b2fu, 0xe9b5dba58189dbbcu,
    0x3956c25bf348b538u, 0x59f111f1b605d019u, 0x923f82a4af194f9bu, 0xab1c5ed5da6d8118u,
    0xd807aa98a3030242u, 0x12835b0145706fbeu, 0x243185be4ee4b28cu, 0x550c7dc3d5ffb4e2u,
    0x72be5d74f27b896fu, 0x80deb1fe3b1696b1u, 0x9bdc06a725c71235u, 0xc19bf174cf692694u,
    0xe49b69c19ef14ad2u, 0xefbe4786384f25e3u, 0x0fc19dc68b8cd5b5u, 0x240ca1cc77ac9c65u,
    0x2de92c6f592b0275u, 0x4a7484aa6ea6e483u, 0x5cb0a9dcbd41fbd4u, 0x76f988da831153b5u,
    0x983e5152ee66dfabu, 0xa831c66d2db43210u, 0xb00327c898fb213fu, 0xbf597fc7beef0ee4u,
    0xc6e00bf33da88fc2u, 0xd5a79147930aa725u, 0x06ca6351e003826fu, 0x142929670a0e6e70u,
    0x27b70a8546d22ffcu, 0x2e1b21385c26c926u, 0x4d2c6dfc5ac42aedu, 0x53380d139d95b3dfu,
    0x650a73548baf63deu, 0x766a0abb3c77b2a8u, 0x81c2c92e47edaee6u, 0x92722c851482353bu,
    0xa2bfe8a14cf10364u, 0xa81a664bbc423001u, 0xc24b8b70d0f89791u, 0xc76c51a30654be30u,
    0xd192e819d6ef5218u, 0xd69906245565a910u, 0xf40e35855771202au, 0x106aa07032bbd1b8u,
    0x19a4c116b8d2d0c8u, 0x1e376c085141ab53u, 0x2748774cdf8eeb99u, 0x34b0bcb5e19b48a8u,
    0x391c0cb3c5c95a63u, 0x4ed8aa4ae3418acbu, 0x5b9cca4f7763e373u, 0x682e6ff3d6b2b8a3u,
    0x748f82ee5defb2fcu, 0x78a5636f43172f60u, 0x84c87814a1f0ab72u, 0x8cc702081a6439ecu,
    0x90befffa23631e28u, 0xa4506cebde82bde9u, 0xbef9a3f7b2c67915u, 0xc67178f2e372532bu,
    0xca273eceea26619cu, 0xd186b8c721c0c207u, 0xeada7dd6cde0eb1eu, 0xf57d4f7fee6ed178u,
    0x06f067aa72176fbau, 0x0a637dc5a2c898a6u, 0x113f9804bef90daeu, 0x1b710b35131c471bu,
    0x28db77f523047d84u, 0x32caab7b40c72493u, 0x3c9ebe0a15c9bebcu, 0x431d67c49c100d4cu,
    0x4cc5d4becb3e42b6u, 0x597f299cfc657e2au, 0x5fcb6fab3ad6faecu, 0x6c44198c4a475817u
};

#define FMCP__ROR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define FMCP__B0(x) (FMCP__ROR64(x, 28) ^ FMCP__ROR64(x, 34) ^ FMCP__ROR64(x, 39))
#define FMCP__B1(x) (FMCP__ROR64(x, 14) ^ FMCP__ROR64(x, 18) ^ FMCP__ROR64(x, 41))
#define FMCP__b0(x) (FMCP__ROR64(x, 1) ^ FMCP__ROR64(x, 8) ^ ((x) >> 7))
#define FMCP__b1(x) (FMCP__ROR64(x, 19) ^ FMCP__ROR64(x, 61) ^ ((x) >> 6))

/* One round with the variables renamed rather than moved (the caller
 * rotates the argument list); x is the round's schedule word. */
#define FMCP__R512(a, b, c, d, e, f, g, h, x, i) do { \
        uint64_t t1_ = h + FMCP__B1(e) + ((g) ^ ((e) & ((f) ^ (g)))) + fmcp__sha512_k[i] + (x); \
        d += t1_; \
        h = t1_ + FMCP__B0(a) + (((a) & (b)) | ((c) & ((a) | (b)))); } while (0)
/* From round 16 the schedule is extended in place in a 16-word ring. */
#define FMCP__W512(i) w[(i) & 15]
#define FMCP__X512(i) (FMCP__W512(i) += FMCP__b1(FMCP__W512((i) - 2)) + FMCP__W512((i) - 7) + \
                       FMCP__b0(FMCP__W512((i) - 15)))
#define FMCP__R512x8(i, X) do { \
        FMCP__R512(a, b, c, d, e, f, g, h, X((i) + 0), (i) + 0); \
        FMCP__R512(h, a, b, c, d, e, f, g, X((i) + 1), (i) + 1); \
        FMCP__R512(g, h, a, b, c, d, e, f, X((i) + 2), (i) + 2); \
        FMCP__R512(f, g, h, a, b, c, d, e, X((i) + 3), (i) + 3); \
        FMCP__R512(e, f, g, h, a, b, c, d, X((i) + 4), (i) + 4); \
        FMCP__R512(d, e, f, g, h, a, b, c, X((i) + 5), (i) + 5); \
        FMCP__R512(c, d, e, f, g, h, a, b, X((i) + 6), (i) + 6); \
        FMCP__R512(b, c, d, e, f, g, h, a, X((i) + 7), (i) + 7); \
    } while (0)

/* A memset the optimiser must keep (cheaper than fmcp_wipe's volatile
 * byte loop for the schedule, which is cleared on every call). */
static uint64_t fmcp__load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

static void fmcp__store_be64(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 7; i >= 0; i--) { p[i] = (uint8_t)v; v >>= 8; }
}

/* Compress nblocks consecutive 128-byte blocks into h8. */
static void fmcp__sha512_blocks(uint64_t h8[8], const uint8_t *p, size_t nblocks)
{
    uint64_t w[16];
    uint64_t a, b, c, d, e, f, g, h;
    int i;
    while (nblocks--) {
        for (i = 0; i < 16; i++) w[i] = fmcp__load_be64(p + 8 * i);
        a = h8[0]; b = h8[1]; c = h8[2]; d = h8[3];
        e = h8[4]; f = h8[5]; g = h8[6]; h = h8[7];
        FMCP__R512x8(0, FMCP__W512); FMCP__R512x8(8, FMCP__W512);
        for (i = 16; i < 80; i += 16) {
            FMCP__R512x8(i, FMCP__X512); FMCP__R512x8(i + 8, FMCP__X512);
        }
        h8[0] += a; h8[1] += b; h8[2] += c; h8[3] += d;
        h8[4] += e; h8[5] += f; h8[6] += g; h8[7] += h;
        p += 128;
    }
    fmcp_wipe(w, sizeof w);
}

FASTMCP_API void fmcp_sha512_init(fmcp_sha512_ctx *c)
{
    static const uint64_t iv[8] = {
        0x6a09e667f3bcc908u, 0xbb67ae8584caa73bu, 0x3c6ef372fe94f82bu, 0xa54ff53a5f1d36f1u,
        0x510e527fade682d1u, 0x9b05688c2b3e6c1fu, 0x1f83d9abfb41bd6bu, 0x5be0cd19137e2179u
    };
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->buf_len = 0;
}

FASTMCP_API void fmcp_sha384_init(fmcp_sha512_ctx *c)
{
    static const uint64_t iv[8] = {
        0xcbbb9d5dc1059ed8u, 0x629a292a367cd507u, 0x9159015a3070dd17u, 0x152fecd8f70e5939u,
        0x67332667ffc00b31u, 0x8eb44a8768581511u, 0xdb0c2e0d64f98fa7u, 0x47b5481dbefa4fa4u
    };
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->buf_len = 0;
}

FASTMCP_API void fmcp_sha512_update(fmcp_sha512_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    if (len == 0) return;
    c->total += (uint64_t)len;
    if (c->buf_len) {
        size_t take = 128 - c->buf_len;
        if (take > len) take = len;
        memcpy(c->buf + c->buf_len, p, take);
        c->buf_len += take; p += take; len -= take;
        if (c->buf_len < 128) return;
        fmcp__sha512_blocks(c->h, c->buf, 1);
        c->buf_len = 0;
    }
    if (len >= 128) {
        /* whole blocks straight from the caller's buffer, no copy */
        fmcp__sha512_blocks(c->h, p, len / 128);
        p += len & ~(size_t)127;
        len &= 127;
    }
    if (len) { memcpy(c->buf, p, len); c->buf_len = len; }
}

FASTMCP_API void fmcp_sha384_update(fmcp_sha512_ctx *c, const void *data, size_t len)
{
    fmcp_sha512_update(c, data, len);
}

/* Padding: 0x80, zeros, then the length in bits as a 128-bit big-endian
 * number (its top 64 bits hold total >> 61). Writes n_words state words. */
static void fmcp__sha512_finish(fmcp_sha512_ctx *c, uint8_t *out, int n_words)
{
    size_t n = c->buf_len;
    int i;
    c->buf[n++] = 0x80;
    if (n > 112) {
        memset(c->buf + n, 0, 128 - n);
        fmcp__sha512_blocks(c->h, c->buf, 1);
        n = 0;
    }
    memset(c->buf + n, 0, 112 - n);
    fmcp__store_be64(c->buf + 112, c->total >> 61);
    fmcp__store_be64(c->buf + 120, c->total << 3);
    fmcp__sha512_blocks(c->h, c->buf, 1);
    for (i = 0; i < n_words; i++) fmcp__store_be64(out + 8 * i, c->h[i]);
    fmcp_wipe(c, sizeof *c);
}

FASTMCP_API void fmcp_sha512_final(fmcp_sha512_ctx *c, uint8_t out[FMCP_SHA512_SIZE])
{
    fmcp__sha512_finish(c, out, 8);
}

FASTMCP_API void fmcp_sha384_final(fmcp_sha512_ctx *c, uint8_t out[FMCP_SHA384_SIZE])
{
    fmcp__sha512_finish(c, out, 6);
}

FASTMCP_API void fmcp_sha512(const void *data, size_t len, uint8_t out[FMCP_SHA512_SIZE])
{
    fmcp_sha512_ctx c;
    fmcp_sha512_init(&c);
    fmcp_sha512_update(&c, data, len);
    fmcp_sha512_final(&c, out);
}

FASTMCP_API void fmcp_sha384(const void *data, size_t len, uint8_t out[FMCP_SHA384_SIZE])
{
    fmcp_sha512_ctx c;
    fmcp_sha384_init(&c);
    fmcp_sha512_update(&c, data, len);
    fmcp_sha384_final(&c, out);
}

/* ---- HMAC-SHA512 / HMAC-SHA384 ------------------------------------------- */

static void fmcp__hmac_sha512_start(fmcp_hmac_sha512_ctx *c, const void *key, size_t key_len,
                                    size_t out_len)
{
    uint8_t k[FMCP_SHA512_BLOCK];
    size_t i;
    memset(k, 0, sizeof k);
    if (key_len > FMCP_SHA512_BLOCK) {
        if (out_len == FMCP_SHA512_SIZE) fmcp_sha512(key, key_len, k);
        else fmcp_sha384(key, key_len, k);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    c->out_len = out_len;
    for (i = 0; i < sizeof k; i++) k[i] ^= 0x36;
    if (out_len == FMCP_SHA512_SIZE) fmcp_sha512_init(&c->inner); else fmcp_sha384_init(&c->inner);
    fmcp_sha512_update(&c->inner, k, sizeof k);
    for (i = 0; i < sizeof k; i++) k[i] ^= 0x36 ^ 0x5c;
    if (out_len == FMCP_SHA512_SIZE) fmcp_sha512_init(&c->outer); else fmcp_sha384_init(&c->outer);
    fmcp_sha512_update(&c->outer, k, sizeof k);
    fmcp_wipe(k, sizeof k);
}

FASTMCP_API void fmcp_hmac_sha512_init(fmcp_hmac_sha512_ctx *c, const void *key, size_t key_len)
{
    fmcp__hmac_sha512_start(c, key, key_len, FMCP_SHA512_SIZE);
}

FASTMCP_API void fmcp_hmac_sha384_init(fmcp_hmac_sha512_ctx *c, const void *key, size_t key_len)
{
    fmcp__hmac_sha512_start(c, key, key_len, FMCP_SHA384_SIZE);
}

FASTMCP_API void fmcp_hmac_sha512_update(fmcp_hmac_sha512_ctx *c, const void *data, size_t len)
{
    fmcp_sha512_update(&c->inner, data, len);
}

FASTMCP_API void fmcp_hmac_sha512_final(fmcp_hmac_sha512_ctx *c, uint8_t *out)
{
    uint8_t ih[FMCP_SHA512_SIZE];
    int words = c->out_len == FMCP_SHA512_SIZE ? 8 : 6;
    fmcp__sha512_finish(&c->inner, ih, words);
    fmcp_sha512_update(&c->outer, ih, c->out_len);
    fmcp__sha512_finish(&c->outer, out, words);
    fmcp_wipe(ih, sizeof ih);
    fmcp_wipe(c, sizeof *c);
}

FASTMCP_API void fmcp_hmac_sha512(const void *key, size_t key_len, const void *data, size_t len,
                                  uint8_t out[FMCP_SHA512_SIZE])
{
    fmcp_hmac_sha512_ctx c;
    fmcp_hmac_sha512_init(&c, key, key_len);
    fmcp_hmac_sha512_update(&c, data, len);
    fmcp_hmac_sha512_final(&c, out);
}

FASTMCP_API void fmcp_hmac_sha384(const void *key, size_t key_len, const void *data, size_t len,
                                  uint8_t out[FMCP_SHA384_SIZE])
{
    fmcp_hmac_sha512_ctx c;
    fmcp_hmac_sha384_init(&c, key, key_len);
    fmcp_hmac_sha512_update(&c, data, len);
    fmcp_hmac_sha512_final(&c, out);
}
