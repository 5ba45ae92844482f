/* b64: implementation.
 * Keys (JWK "d", "p", "q", HMAC secrets) pass through here, so the character
 * mapping is branch-free arithmetic rather than a table indexed by secret
 * data, and a bad character is only reported after the whole input is read. */
#include "base.h"
#include "b64.h"

#include <string.h>

/* All-ones when lo <= c <= hi, else 0; no branches, no table. */
static uint32_t fmcp__b64_in(uint32_t c, uint32_t lo, uint32_t hi)
{
    /* both differences wrap below zero (top bit set) exactly when c is in range */
    return 0u - (((lo - 1u - c) & (c - hi - 1u)) >> 31);
}

/* 6-bit value of character c, or 0xFFFFFFFF when c is not in the alphabet. */
static uint32_t fmcp__b64_dec_char(uint32_t c, fmcp_b64_variant v)
{
    uint32_t c62 = v == FMCP_B64_URL ? (uint32_t)'-' : (uint32_t)'+';
    uint32_t c63 = v == FMCP_B64_URL ? (uint32_t)'_' : (uint32_t)'/';
    uint32_t r = 0, hit = 0, m;
    m = fmcp__b64_in(c, 'A', 'Z'); r |= m & (c - 'A');      hit |= m;
    m = fmcp__b64_in(c, 'a', 'z'); r |= m & (c - 'a' + 26); hit |= m;
    m = fmcp__b64_in(c, '0', '9'); r |= m & (c - '0' + 52); hit |= m;
    m = fmcp__b64_in(c, c62, c62); r |= m & 62u;             hit |= m;
    m = fmcp__b64_in(c, c63, c63); r |= m & 63u;             hit |= m;
    return r | ~hit;
}

/* Character for 6-bit value x (0..63). */
static char fmcp__b64_enc_char(uint32_t x, fmcp_b64_variant v)
{
    uint32_t c62 = v == FMCP_B64_URL ? (uint32_t)'-' : (uint32_t)'+';
    uint32_t c63 = v == FMCP_B64_URL ? (uint32_t)'_' : (uint32_t)'/';
    uint32_t c = x + 'A';
    c += fmcp__b64_in(x, 26, 63) & (uint32_t)('a' - 'A' - 26);
    c += fmcp__b64_in(x, 52, 63) & (uint32_t)('0' - 'a' - 26);
    c ^= fmcp__b64_in(x, 62, 62) & (c ^ c62);
    c ^= fmcp__b64_in(x, 63, 63) & (c ^ c63);
    return (char)c;
}

FASTMCP_API size_t fmcp_b64_encoded_len(fmcp_b64_variant v, size_t n)
{
    size_t r = n % 3;
    /* saturate instead of wrapping; no buffer can be that large anyway */
    if (n / 3 > ((size_t)-1 - 4) / 4) return (size_t)-1;
    if (v == FMCP_B64_URL) return n / 3 * 4 + (r ? r + 1 : 0);
    return n / 3 * 4 + (r ? 4 : 0);
}

FASTMCP_API size_t fmcp_b64_decoded_max(size_t n)
{
    size_t r = n % 4;
    return n / 4 * 3 + (r > 1 ? r - 1 : 0);
}

FASTMCP_API fmcp_result fmcp_b64_encode(fmcp_b64_variant v, const void *in, size_t n,
                                        char *out, size_t cap, size_t *out_len)
{
    const uint8_t *p = (const uint8_t *)in;
    size_t need = fmcp_b64_encoded_len(v, n), i, o = 0;
    if (out_len) *out_len = 0;
    if ((!in && n) || (!out && cap) || (v != FMCP_B64_STD && v != FMCP_B64_URL))
        return FMCP_ERR_INVALID_ARG;
    if (cap < need) {
        if (cap) out[0] = '\0';
        if (out_len) *out_len = need; /* tell the caller the size to retry with */
        return FMCP_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t t = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
        out[o++] = fmcp__b64_enc_char(t >> 18, v);
        out[o++] = fmcp__b64_enc_char((t >> 12) & 63, v);
        out[o++] = fmcp__b64_enc_char((t >> 6) & 63, v);
        out[o++] = fmcp__b64_enc_char(t & 63, v);
    }
    if (n - i) {
        uint32_t t = (uint32_t)p[i] << 16;
        if (n - i == 2) t |= (uint32_t)p[i + 1] << 8;
        out[o++] = fmcp__b64_enc_char(t >> 18, v);
        out[o++] = fmcp__b64_enc_char((t >> 12) & 63, v);
        if (n - i == 2) out[o++] = fmcp__b64_enc_char((t >> 6) & 63, v);
        if (v == FMCP_B64_STD) {
            if (n - i == 1) out[o++] = '=';
            out[o++] = '=';
        }
    }
    if (o < cap) out[o] = '\0';
    if (out_len) *out_len = o;
    return FMCP_OK;
}

/* Decode m alphabet characters (no padding; m % 4 != 1) into out.
 * Returns an accumulated error word: nonzero if any character was bad or the
 * unused low bits of the last character were not zero. */
static uint32_t fmcp__b64_decode_run(fmcp_b64_variant v, const char *in, size_t m, uint8_t *out)
{
    uint32_t err = 0, t, x;
    size_t i, o = 0, k;
    for (i = 0; i + 4 <= m; i += 4) {
        t = 0;
        for (k = 0; k < 4; k++) {
            x = fmcp__b64_dec_char((uint8_t)in[i + k], v);
            err |= x & ~63u;
            t = (t << 6) | (x & 63u);
        }
        out[o++] = (uint8_t)(t >> 16); out[o++] = (uint8_t)(t >> 8); out[o++] = (uint8_t)t;
    }
    if (m - i >= 2) {
        size_t r = m - i;
        t = 0;
        for (k = 0; k < r; k++) {
            x = fmcp__b64_dec_char((uint8_t)in[i + k], v);
            err |= x & ~63u;
            t = (t << 6) | (x & 63u);
        }
        /* r = 2 carries 12 bits for 1 byte, r = 3 carries 18 bits for 2 bytes */
        if (r == 2) { err |= t & 15u; out[o] = (uint8_t)(t >> 4); }
        else { err |= t & 3u; out[o] = (uint8_t)(t >> 10); out[o + 1] = (uint8_t)(t >> 2); }
    }
    return err;
}

FASTMCP_API fmcp_result fmcp_b64_decode(fmcp_b64_variant v, const char *in, size_t n,
                                        void *out, size_t cap, size_t *out_len)
{
    size_t m = n, need;
    if (out_len) *out_len = 0;
    if ((!in && n) || (!out && cap) || (v != FMCP_B64_STD && v != FMCP_B64_URL))
        return FMCP_ERR_INVALID_ARG;
    if (v == FMCP_B64_STD) {
        if (n % 4) return FMCP_ERR_ENCODING;
        /* at most two '=' and only at the end; a '=' elsewhere fails as a bad character */
        if (m && in[m - 1] == '=') m--;
        if (m && in[m - 1] == '=') m--;
    }
    if (m % 4 == 1) return FMCP_ERR_ENCODING;
    need = fmcp_b64_decoded_max(m);
    if (cap < need) {
        if (out_len) *out_len = need;
        return FMCP_ERR_BUFFER_TOO_SMALL;
    }
    if (fmcp__b64_decode_run(v, in, m, (uint8_t *)out) != 0) {
        fmcp_wipe(out, need); /* no partial (possibly secret) output on failure */
        return FMCP_ERR_ENCODING;
    }
    if (out_len) *out_len = need;
    return FMCP_OK;
}
