/* sha256: implementation (FIPS 180-4, RFC 2104) */
#include "base.h"
#include "sha256.h"

#include <string.h>

/* Optional x86-64 SHA extensions path, chosen at run time when the CPU has
 * them; FASTMCP_SHA256_PORTABLE keeps only the portable C code. */
#if defined(__x86_64__) && !defined(FASTMCP_SHA256_PORTABLE) && \
    (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 5))
#  define FMCP__SHA256_NI 1
#  include <immintrin.h>
#  include <cpuid.h>
#endif

static const uint32_t fmcp__sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u
};

#define FMCP__ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define FMCP__S0(x) (FMCP__ROR32(x, 2) ^ FMCP__ROR32(x, 13) ^ FMCP__ROR32(x, 22))
#define FMCP__S1(x) (FMCP__ROR32(x, 6) ^ FMCP__ROR32(x, 11) ^ FMCP__ROR32(x, 25))
#define FMCP__s0(x) (FMCP__ROR32(x, 7) ^ FMCP__ROR32(x, 18) ^ ((x) >> 3))
#define FMCP__s1(x) (FMCP__ROR32(x, 17) ^ FMCP__ROR32(x, 19) ^ ((x) >> 10))
/* Ch in its cheapest form (fewer dependent operations). */
#define FMCP__CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))

/* One round with the variables renamed instead of shifted: the caller
 * rotates the argument list, so no register moves happen between rounds.
 * Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)), and this round's a ^ b is the next
 * round's b ^ c, so it is carried in bc. x is the round's schedule word. */
#define FMCP__RND(a, b, c, d, e, f, g, h, x, i) do { \
        uint32_t t1_ = h + FMCP__S1(e) + FMCP__CH(e, f, g) + fmcp__sha256_k[i] + (x); \
        uint32_t ab_ = (a) ^ (b); \
        d += t1_; \
        h = t1_ + FMCP__S0(a) + ((b) ^ (ab_ & bc)); \
        bc = ab_; } while (0)
/* Rounds 16..63 extend the schedule in place in a 16-word ring as they go,
 * so schedule arithmetic overlaps the rounds' long dependency chain. */
#define FMCP__W(i) w[(i) & 15]
#define FMCP__X(i) (FMCP__W(i) += FMCP__s1(FMCP__W((i) - 2)) + FMCP__W((i) - 7) + FMCP__s0(FMCP__W((i) - 15)))
#define FMCP__RND8(i, X) do { \
        FMCP__RND(a, b, c, d, e, f, g, h, X((i) + 0), (i) + 0); \
        FMCP__RND(h, a, b, c, d, e, f, g, X((i) + 1), (i) + 1); \
        FMCP__RND(g, h, a, b, c, d, e, f, X((i) + 2), (i) + 2); \
        FMCP__RND(f, g, h, a, b, c, d, e, X((i) + 3), (i) + 3); \
        FMCP__RND(e, f, g, h, a, b, c, d, X((i) + 4), (i) + 4); \
        FMCP__RND(d, e, f, g, h, a, b, c, X((i) + 5), (i) + 5); \
        FMCP__RND(c, d, e, f, g, h, a, b, X((i) + 6), (i) + 6); \
        FMCP__RND(b, c, d, e, f, g, h, a, X((i) + 7), (i) + 7); \
    } while (0)

/* GCC's znver tuning (-march=native on AMD Zen) parks round variables in
 * vector registers and runs this function at a third of its speed; generic
 * tuning for this one function costs nothing elsewhere. */
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) && __GNUC__ >= 5
#  define FMCP__SHA256_TUNE __attribute__((target("tune=generic")))
#else
#  define FMCP__SHA256_TUNE
#endif

static uint32_t fmcp__load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void fmcp__store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#ifdef FMCP__SMALL
/* Compress nblocks consecutive 64-byte blocks into h8: one round in a loop
 * (about 300 bytes of Thumb code instead of 7 KB, at half the speed). */
static void fmcp__sha256_blocks_c(uint32_t h8[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[16], s[8], t1, t2;
    int i, j;
    while (nblocks--) {
        for (i = 0; i < 16; i++) w[i] = fmcp__load_be32(p + 4 * i);
        memcpy(s, h8, sizeof s);
        for (i = 0; i < 64; i++) {
            if (i >= 16) w[i & 15] += FMCP__s1(w[(i - 2) & 15]) + w[(i - 7) & 15] + FMCP__s0(w[(i - 15) & 15]);
            t1 = s[7] + FMCP__S1(s[4]) + FMCP__CH(s[4], s[5], s[6]) + fmcp__sha256_k[i] + w[i & 15];
            t2 = FMCP__S0(s[0]) + ((s[0] & s[1]) | (s[2] & (s[0] | s[1])));
            for (j = 7; j > 0; j--) s[j] = s[j - 1];
            s[4] += t1;
            s[0] = t1 + t2;
        }
        for (i = 0; i < 8; i++) h8[i] += s[i];
        p += 64;
    }
    fmcp_wipe(w, sizeof w);
    fmcp_wipe(s, sizeof s);
}
#else
/* Compress nblocks consecutive 64-byte blocks into h8 (portable C). */
FMCP__SHA256_TUNE static void fmcp__sha256_blocks_c(uint32_t h8[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[16];
    uint32_t a, b, c, d, e, f, g, h, bc;
    int i;
    while (nblocks--) {
        for (i = 0; i < 16; i++) w[i] = fmcp__load_be32(p + 4 * i);
        a = h8[0]; b = h8[1]; c = h8[2]; d = h8[3];
        e = h8[4]; f = h8[5]; g = h8[6]; h = h8[7];
        bc = b ^ c;
        FMCP__RND8(0, FMCP__W); FMCP__RND8(8, FMCP__W);
        FMCP__RND8(16, FMCP__X); FMCP__RND8(24, FMCP__X); FMCP__RND8(32, FMCP__X);
        FMCP__RND8(40, FMCP__X); FMCP__RND8(48, FMCP__X); FMCP__RND8(56, FMCP__X);
        h8[0] += a; h8[1] += b; h8[2] += c; h8[3] += d;
        h8[4] += e; h8[5] += f; h8[6] += g; h8[7] += h;
        p += 64;
    }
    fmcp_wipe(w, sizeof w);
}
#endif

#ifdef FMCP__SHA256_NI
/* Two 128-bit halves of the state in the order the instructions want:
 * abef = {F, E, B, A} and cdgh = {H, G, D, C} (lane 0 first). Each
 * sha256rnds2 does two rounds; msg1/msg2 extend the schedule 4 words at a time. */
__attribute__((target("sha,sse4.1,ssse3")))
static void fmcp__sha256_blocks_ni(uint32_t h8[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)h8), 0xB1);
    __m128i u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)(h8 + 4)), 0x1B);
    __m128i abef = _mm_alignr_epi8(t, u, 8), cdgh = _mm_blend_epi16(u, t, 0xF0);
    __m128i m[4], wk, abef0, cdgh0;
    int g;
    while (nblocks--) {
        abef0 = abef; cdgh0 = cdgh;
        for (g = 0; g < 16; g++) {
            if (g < 4) {
                m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)), bswap);
            } else { /* W[i..i+3] from W[i-16..i-1]: msg1 adds s0, alignr gives W[i-7], msg2 adds s1 */
                __m128i x = _mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4));
                m[g & 3] = _mm_sha256msg2_epu32(x, m[(g + 3) & 3]);
            }
            wk = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)(const void *)(fmcp__sha256_k + 4 * g)));
            /* after two rounds the old ABEF is the new CDGH, so alternating
             * the destination keeps both names right after every pair */
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0); cdgh = _mm_add_epi32(cdgh, cdgh0);
        p += 64;
    }
    t = _mm_shuffle_epi32(abef, 0x1B);
    u = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)(void *)h8, _mm_blend_epi16(t, u, 0xF0));
    _mm_storeu_si128((__m128i *)(void *)(h8 + 4), _mm_alignr_epi8(u, t, 8));
    fmcp_wipe(m, sizeof m); /* schedule words may be secret (HMAC keys) */
}

/* -1 = not probed yet. Probing twice from racing threads is harmless: both
 * store the same value; relaxed atomics keep that race defined (and quiet
 * under ThreadSanitizer). Tests set it to 0 to exercise the portable path. */
static int fmcp__sha256_ni = -1;

static int fmcp__sha256_ni_probe(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 19)) || !(c & (1u << 9))) return 0;  /* SSE4.1, SSSE3 */
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1;                                  /* SHA */
}
#endif

static void fmcp__sha256_blocks(uint32_t h8[8], const uint8_t *p, size_t nblocks)
{
#ifdef FMCP__SHA256_NI
    int ni = __atomic_load_n(&fmcp__sha256_ni, __ATOMIC_RELAXED);
    if (ni < 0) {
        ni = fmcp__sha256_ni_probe();
        __atomic_store_n(&fmcp__sha256_ni, ni, __ATOMIC_RELAXED);
    }
    if (ni) { fmcp__sha256_blocks_ni(h8, p, nblocks); return; }
#endif
    fmcp__sha256_blocks_c(h8, p, nblocks);
}

FASTMCP_API void fmcp_sha256_init(fmcp_sha256_ctx *c)
{
    static const uint32_t iv[8] = {
        0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
        0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u
    };
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->buf_len = 0;
}

FASTMCP_API void fmcp_sha256_update(fmcp_sha256_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    if (len == 0) return;
    c->total += (uint64_t)len;
    if (c->buf_len) {
        size_t take = 64 - c->buf_len;
        if (take > len) take = len;
        memcpy(c->buf + c->buf_len, p, take);
        c->buf_len += take; p += take; len -= take;
        if (c->buf_len < 64) return;
        fmcp__sha256_blocks(c->h, c->buf, 1);
        c->buf_len = 0;
    }
    if (len >= 64) {
        /* whole blocks straight from the caller's buffer, no copy */
        fmcp__sha256_blocks(c->h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len) { memcpy(c->buf, p, len); c->buf_len = len; }
}

FASTMCP_API void fmcp_sha256_final(fmcp_sha256_ctx *c, uint8_t out[FMCP_SHA256_SIZE])
{
    uint64_t bits = c->total << 3;
    size_t n = c->buf_len;
    int i;
    c->buf[n++] = 0x80;
    if (n > 56) {
        memset(c->buf + n, 0, 64 - n);
        fmcp__sha256_blocks(c->h, c->buf, 1);
        n = 0;
    }
    memset(c->buf + n, 0, 56 - n);
    for (i = 0; i < 8; i++) c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    fmcp__sha256_blocks(c->h, c->buf, 1);
    for (i = 0; i < 8; i++) fmcp__store_be32(out + 4 * i, c->h[i]);
    fmcp_wipe(c, sizeof *c);
}

FASTMCP_API void fmcp_sha256(const void *data, size_t len, uint8_t out[FMCP_SHA256_SIZE])
{
    fmcp_sha256_ctx c;
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, data, len);
    fmcp_sha256_final(&c, out);
}

/* ---- HMAC-SHA256 --------------------------------------------------------- */

FASTMCP_API void fmcp_hmac_sha256_init(fmcp_hmac_sha256_ctx *c, const void *key, size_t key_len)
{
    uint8_t k[FMCP_SHA256_BLOCK];
    size_t i;
    memset(k, 0, sizeof k);
    if (key_len > FMCP_SHA256_BLOCK) fmcp_sha256(key, key_len, k);
    else if (key_len) memcpy(k, key, key_len);
    for (i = 0; i < sizeof k; i++) k[i] ^= 0x36;
    fmcp_sha256_init(&c->inner);
    fmcp_sha256_update(&c->inner, k, sizeof k);
    for (i = 0; i < sizeof k; i++) k[i] ^= 0x36 ^ 0x5c;
    fmcp_sha256_init(&c->outer);
    fmcp_sha256_update(&c->outer, k, sizeof k);
    fmcp_wipe(k, sizeof k);
}

FASTMCP_API void fmcp_hmac_sha256_update(fmcp_hmac_sha256_ctx *c, const void *data, size_t len)
{
    fmcp_sha256_update(&c->inner, data, len);
}

FASTMCP_API void fmcp_hmac_sha256_final(fmcp_hmac_sha256_ctx *c, uint8_t out[FMCP_SHA256_SIZE])
{
    uint8_t ih[FMCP_SHA256_SIZE];
    fmcp_sha256_final(&c->inner, ih);
    fmcp_sha256_update(&c->outer, ih, sizeof ih);
    fmcp_sha256_final(&c->outer, out);
    fmcp_wipe(ih, sizeof ih);
    fmcp_wipe(c, sizeof *c);
}

FASTMCP_API void fmcp_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                                  uint8_t out[FMCP_SHA256_SIZE])
{
    fmcp_hmac_sha256_ctx c;
    fmcp_hmac_sha256_init(&c, key, key_len);
    fmcp_hmac_sha256_update(&c, data, len);
    fmcp_hmac_sha256_final(&c, out);
}
