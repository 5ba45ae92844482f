/* json: implementation */
#include "base.h"
#include "json.h"

#include <string.h>
#include <float.h>
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && !defined(FASTMCP_NO_SIMD)
#  include <emmintrin.h>
#endif

/* ---- document layout -----------------------------------------------------
 * A document is one flat array of nodes in document order (a container is
 * followed by its whole subtree; an object member is a key node followed by
 * the value node), plus one private copy of the input that strings are
 * unescaped into in place. Node tag: bits 0-2 type, then flags; bits 8.. hold
 * the string/number-text length or the container's member count. */

#define FMCP__J_TYPE   7u
#define FMCP__J_INT    8u    /* number that is an exact int64 (b.i valid) */
#define FMCP__J_MEMBER 16u   /* object member value: the key node is v - 1 */
#define FMCP__J_LAST   32u   /* last value in its container (or the root) */
#define FMCP__J_KEY    64u   /* key node (never handed out) */
#define FMCP__J_NOESC  128u  /* string needs no escaping when written */
#define FMCP__J_SHIFT  8

/* Bytes of NUL after the copied input: every scanner stops at a NUL (it is
 * a control character, not whitespace, not a digit), so no bounds checks are
 * needed in the hot loops, and 16-byte loads at or before the end never
 * leave the buffer. */
#define FMCP__J_PAD 16

/* While a container is still open during parsing, a.n holds its parent's
 * index and b.n its last child's index; closing it stores the final values. */
struct fmcp_json {
    uint64_t tag;
    union { const char *s; size_t n; } a;   /* string/number text; container: subtree node count */
    union { int64_t i; double d; size_t n; } b; /* number value, bool; container: distance to parent */
};

struct fmcp_json_doc {
    fmcp_allocator al;        /* copy of the caller's allocator */
    const fmcp_allocator *ap; /* &al, or NULL for the default */
    fmcp_json *nodes;
    size_t nnodes, cap;
    size_t block;             /* size of this allocation (header + text copy) */
};

#define FMCP__J_NONE ((size_t)-1)

typedef struct fmcp__jp {
    fmcp_json *nodes;
    size_t n, cap;
    const fmcp_allocator *a;
    size_t max_depth;
    int nodup;
    fmcp_result code;
    const char *msg;
    const char *errp;
} fmcp__jp;

static unsigned fmcp__j_type(const fmcp_json *v) { return (unsigned)(v->tag & FMCP__J_TYPE); }
static size_t fmcp__j_len(const fmcp_json *v) { return (size_t)(v->tag >> FMCP__J_SHIFT); }
static size_t fmcp__j_size(const fmcp_json *v)
{
    return fmcp__j_type(v) >= FMCP_JSON_ARRAY ? v->a.n : 1;
}

static void *fmcp__jp_fail(fmcp__jp *st, fmcp_result code, const char *msg, const char *at)
{
    if (st->code == FMCP_OK) { st->code = code; st->msg = msg; st->errp = at; }
    return NULL;
}

/* Node storage grows geometrically; nodes are addressed by index while parsing. */
static int fmcp__jp_grow(fmcp__jp *st)
{
    size_t ncap = st->cap * 2 + 64;
    fmcp_json *nn;
    if (ncap > (size_t)-1 / sizeof(fmcp_json) / 2) return 0;
    nn = (fmcp_json *)fmcp_realloc(st->a, st->nodes, st->cap * sizeof(fmcp_json), ncap * sizeof(fmcp_json));
    if (!nn) return 0;
    st->nodes = nn;
    st->cap = ncap;
    return 1;
}

/* ---- UTF-8 and strings ---------------------------------------------------- */

/* Length (2..4) of the valid UTF-8 sequence at p (p[0] >= 0x80), 0 if invalid:
 * no overlongs, no UTF-16 surrogates, nothing above U+10FFFF. Reads at most
 * 4 bytes; the input is NUL padded so a truncated sequence fails on the NUL. */
static int fmcp__utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0xC2 && c <= 0xDF) return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        return 4;
    }
    return 0;
}

/* Validate n bytes of UTF-8 (no padding assumed): 1 if valid. */
static int fmcp__utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    unsigned char tmp[4];
    while (i < n) {
        int k;
        if (p[i] < 0x80) {
            uint64_t x;
            if (n - i >= 8) {
                memcpy(&x, p + i, 8);
                if (!(x & 0x8080808080808080ull)) { i += 8; continue; } /* 8 ASCII bytes */
            }
            i++;
            continue;
        }
        if (n - i >= 4) k = fmcp__utf8_len(p + i);
        else {
            memset(tmp, 0, sizeof tmp);
            memcpy(tmp, p + i, n - i);
            k = fmcp__utf8_len(tmp);
        }
        if (k == 0) return 0;
        i += (size_t)k;
    }
    return 1;
}

#define FMCP__ONES 0x0101010101010101ull
#define FMCP__HIGH 0x8080808080808080ull

/* Index of the first byte in an 8-byte word that the mask flags (bit 7 of
 * each byte). Little-endian GCC/Clang use a bit scan; others count. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FMCP__FIRST_FLAGGED(mask) ((unsigned)__builtin_ctzll(mask) >> 3)
#else
#define FMCP__FIRST_FLAGGED(mask) 0u /* callers then step one byte at a time */
#endif

#ifndef FMCP__SMALL /* size-first builds scan strings a byte at a time */
/* Nonzero when one of the 8 bytes in x is '"', '\\', < 0x20 or >= 0x80. */
static uint64_t fmcp__str_special(uint64_t x)
{
    uint64_t q = x ^ (FMCP__ONES * 0x22), b = x ^ (FMCP__ONES * 0x5C);
    uint64_t t = ((q - FMCP__ONES) & ~q) | ((b - FMCP__ONES) & ~b) | (x - FMCP__ONES * 0x20) | x;
    return t & FMCP__HIGH;
}
#endif

/* First byte at or after p that is '"', '\\', < 0x20 or >= 0x80. The input
 * padding (a NUL stops the scan) makes the wide loads safe. */
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && !defined(FASTMCP_NO_SIMD)
static unsigned char *fmcp__str_scan(unsigned char *p)
{
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), lo = _mm_set1_epi8(0x20);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)), _mm_cmplt_epi8(v, lo));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
    }
}
#elif defined(FMCP__SMALL)
static unsigned char *fmcp__str_scan(unsigned char *p)
{
    while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    return p;
}
#else
static unsigned char *fmcp__str_scan(unsigned char *p)
{
    uint64_t x, sp;
    for (;;) {
        memcpy(&x, p, 8);
        sp = fmcp__str_special(x);
        if (sp) break;
        p += 8;
    }
    p += FMCP__FIRST_FLAGGED(sp);
    while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    return p;
}
#endif

static int fmcp__hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        int d = fmcp__hexval(p[i]);
        if (d < 0) return 0;
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 1;
}

static unsigned char *fmcp__put_utf8(unsigned char *d, unsigned cp)
{
    if (cp < 0x80) { *d++ = (unsigned char)cp; }
    else if (cp < 0x800) { *d++ = (unsigned char)(0xC0 | (cp >> 6)); *d++ = (unsigned char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *d++ = (unsigned char)(0xE0 | (cp >> 12));
        *d++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (unsigned char)(0xF0 | (cp >> 18));
        *d++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* Decode the escape at p (p[0] == '\\') into *dst; returns the bytes consumed, 0 on error. */
static size_t fmcp__unescape(fmcp__jp *st, unsigned char *p, unsigned char **dst)
{
    unsigned cp, lo;
    switch (p[1]) {
    case '"': *(*dst)++ = '"'; return 2;
    case '\\': *(*dst)++ = '\\'; return 2;
    case '/': *(*dst)++ = '/'; return 2;
    case 'b': *(*dst)++ = '\b'; return 2;
    case 'f': *(*dst)++ = '\f'; return 2;
    case 'n': *(*dst)++ = '\n'; return 2;
    case 'r': *(*dst)++ = '\r'; return 2;
    case 't': *(*dst)++ = '\t'; return 2;
    case 'u': break;
    default: fmcp__jp_fail(st, FMCP_ERR_PARSE, "invalid escape", (const char *)p); return 0;
    }
    if (!fmcp__hex4(p + 2, &cp)) { fmcp__jp_fail(st, FMCP_ERR_PARSE, "invalid \\u escape", (const char *)p); return 0; }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fmcp__jp_fail(st, FMCP_ERR_ENCODING, "lone low surrogate", (const char *)p);
        return 0;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p[6] != '\\' || p[7] != 'u' || !fmcp__hex4(p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            fmcp__jp_fail(st, FMCP_ERR_ENCODING, "lone high surrogate", (const char *)p);
            return 0;
        }
        *dst = fmcp__put_utf8(*dst, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
        return 12;
    }
    *dst = fmcp__put_utf8(*dst, cp);
    return 6;
}

/* Slow part of a string: escapes seen, so bytes move down to dst. */
static char *fmcp__jp_str_esc(fmcp__jp *st, unsigned char *p, unsigned char *start, fmcp_json *node)
{
    unsigned char *d = p;
    for (;;) {
        unsigned c;
#ifdef FMCP__SMALL
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') *d++ = *p++;
#else
        unsigned run;
        uint64_t x, sp;
        memcpy(&x, p, 8);
        sp = fmcp__str_special(x);
        if (!sp) {
            /* all 8 loaded before storing, and d < p: no unread byte is overwritten */
            memcpy(d, &x, 8);
            d += 8; p += 8;
            continue;
        }
        for (run = FMCP__FIRST_FLAGGED(sp); run; run--) *d++ = *p++;
#endif
        c = *p;
        if (c == '"') break;
        if (c == '\\') {
            size_t k = fmcp__unescape(st, p, &d);
            if (!k) return NULL;
            p += k;
        } else if (c < 0x20) {
            return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, c ? "control character in string" : "unterminated string", (const char *)p);
        } else if (c < 0x80) {
            *d++ = (unsigned char)c; p++;
        } else {
            int k = fmcp__utf8_len(p);
            if (!k) return (char *)fmcp__jp_fail(st, FMCP_ERR_ENCODING, "invalid UTF-8", (const char *)p);
            while (k--) *d++ = *p++;
        }
    }
    *d = 0;
    node->a.s = (const char *)start;
    node->tag |= (uint64_t)(d - start) << FMCP__J_SHIFT;
    return (char *)p + 1;
}

/* String starting after the opening quote. Unescaped in place; the closing
 * quote (or a byte before it) becomes the terminating NUL. */
static char *fmcp__jp_str(fmcp__jp *st, char *s, fmcp_json *node)
{
    unsigned char *p = (unsigned char *)s;
    for (;;) {
        unsigned c;
        p = fmcp__str_scan(p);
        c = *p;
        if (c == '"') break;
        if (c >= 0x80) {
            /* a run of non-ASCII characters (common in CJK text) */
            do {
                int k = fmcp__utf8_len(p);
                if (!k) return (char *)fmcp__jp_fail(st, FMCP_ERR_ENCODING, "invalid UTF-8", (const char *)p);
                p += k;
            } while (*p >= 0x80);
        } else if (c == '\\') {
            return fmcp__jp_str_esc(st, p, (unsigned char *)s, node);
        } else {
            return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, c ? "control character in string" : "unterminated string", (const char *)p);
        }
    }
    *p = 0;
    node->a.s = s;
    node->tag |= FMCP__J_NOESC | ((uint64_t)((char *)p - s) << FMCP__J_SHIFT);
    return (char *)p + 1;
}

/* ---- numbers ---------------------------------------------------------------
 * Decimal to double, correctly rounded and locale independent:
 *   1. exact: mantissa < 2^53 and |exp10| <= 22 (one rounding, Clinger);
 *   2. 128-bit exact: 19-digit mantissa, |exp10| <= 19 (exact quotient/product
 *      plus a sticky bit, one rounding);
 *   3. otherwise a bignum comparison against the halfway points next to an
 *      approximation, stepping one ulp until it brackets the exact value. */

static const double fmcp__pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static double fmcp__bits_double(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static uint64_t fmcp__double_bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

/* m to double, correctly rounded (ties to even). Size-first builds
 * (FMCP__SMALL: typically soft-float targets) do it from the bits, which
 * spares them libgcc's conversion routines and the addition they pull in. */
#ifdef FMCP__SMALL
static double fmcp__u64_to_double(uint64_t m)
{
    int e = 63;
    uint64_t r;
    unsigned low;
    if (!m) return 0.0;
    for (; !(m >> 63); m <<= 1) e--;   /* value = m * 2^(e - 63) */
    r = m >> 11;
    low = (unsigned)(m & 0x7FF);
    if (low > 0x400 || (low == 0x400 && (r & 1))) {
        r++;
        if (r >> 53) { r >>= 1; e++; }
    }
    return fmcp__bits_double(((uint64_t)(e + 1023) << 52) | (r & 0xFFFFFFFFFFFFFull));
}
#else
static double fmcp__u64_to_double(uint64_t m) { return (double)m; }
#endif

#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)
#define FMCP__J_U128 1
__extension__ typedef unsigned __int128 fmcp__u128;

static int fmcp__clz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x & 0x8000000000000000ull)) { x <<= 1; n++; }
    return n;
#endif
}

/* Round q * 2^e2 to a double, q having its top bit set (sticky: nonzero
 * bits below q). Only used where the result is a normal number. */
static double fmcp__round64(uint64_t q, int sticky, int e2)
{
    uint64_t m = q >> 11;
    unsigned drop = (unsigned)(q & 0x7FF);
    if (drop > 0x400 || (drop == 0x400 && (sticky || (m & 1)))) {
        m++;
        if (m >> 53) { m >>= 1; e2++; }
    }
    e2 += 11; /* value = m * 2^e2, m in [2^52, 2^53) */
    return fmcp__bits_double(((uint64_t)(e2 + 52 + 1023) << 52) | (m & 0xFFFFFFFFFFFFFull));
}

/* (hi:lo) / d for hi < d, so the quotient fits 64 bits: one divq on x86-64. */
static uint64_t fmcp__div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    fmcp__u128 n = ((fmcp__u128)hi << 64) | lo;
    *rem = (uint64_t)(n % d);
    return (uint64_t)(n / d);
#endif
}

/* w * 10^e exactly rounded for |e| <= 19 (w != 0): the exact product, or a
 * 64-bit quotient plus a sticky remainder, then one rounding. */
static double fmcp__dec128(uint64_t w, int e)
{
    static const uint64_t p10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull
    };
    int lw = fmcp__clz64(w), ld, s;
    uint64_t wn = w << lw, d, q, r;
    if (e >= 0) {
        fmcp__u128 n = (fmcp__u128)w * p10[e];
        uint64_t hi = (uint64_t)(n >> 64), lo = (uint64_t)n;
        if (!hi) { s = fmcp__clz64(lo); return fmcp__round64(lo << s, 0, -s); }
        s = fmcp__clz64(hi);
        return fmcp__round64(s ? (hi << s) | (lo >> (64 - s)) : hi, (lo << s) != 0, 64 - s);
    }
    ld = fmcp__clz64(p10[-e]);
    d = p10[-e] << ld;
    /* both normalised to bit 63; shift the dividend so the quotient is in [2^63, 2^64) */
    if (wn < d) { q = fmcp__div128(wn, 0, d, &r); s = 64; }
    else { q = fmcp__div128(wn >> 1, wn << 63, d, &r); s = 63; }
    return fmcp__round64(q, r != 0, ld - lw - s);
}
#endif

/* Minimal fixed-size bignum for the rare slow path (32-bit limbs). */
#define FMCP__BN_LIMBS 168
typedef struct fmcp__bn { uint32_t d[FMCP__BN_LIMBS]; int n; } fmcp__bn;

static void fmcp__jnum_set(fmcp__bn *a, uint64_t v)
{
    a->n = 0;
    while (v) { a->d[a->n++] = (uint32_t)v; v >>= 32; }
}
static void fmcp__jnum_muladd(fmcp__bn *a, uint32_t m, uint32_t add)
{
    uint64_t c = add;
    int i;
    for (i = 0; i < a->n; i++) {
        c += (uint64_t)a->d[i] * m;
        a->d[i] = (uint32_t)c;
        c >>= 32;
    }
    if (c && a->n < FMCP__BN_LIMBS) a->d[a->n++] = (uint32_t)c;
}
static void fmcp__jnum_pow5(fmcp__bn *a, int e)
{
    while (e >= 13) { fmcp__jnum_muladd(a, 1220703125u, 0); e -= 13; }
    if (e > 0) {
        uint32_t m = 1;
        while (e--) m *= 5;
        fmcp__jnum_muladd(a, m, 0);
    }
}
static void fmcp__jnum_shl(fmcp__bn *a, int bits)
{
    int w = bits / 32, b = bits % 32, i;
    if (a->n == 0) return;
    if (a->n + w + 1 > FMCP__BN_LIMBS) { a->n = 0; return; } /* cannot happen within the caps */
    a->d[a->n + w] = 0;
    for (i = a->n - 1; i >= 0; i--) {
        uint32_t v = a->d[i];
        if (b) {
            a->d[i + w + 1] |= v >> (32 - b);
            a->d[i + w] = v << b;
        } else {
            a->d[i + w] = v;
        }
    }
    for (i = 0; i < w; i++) a->d[i] = 0;
    a->n += w + 1;
    while (a->n && a->d[a->n - 1] == 0) a->n--;
}
static int fmcp__jnum_cmp(const fmcp__bn *a, const fmcp__bn *b)
{
    int i;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* Compare D * 10^e10 with h * 2^e2 (sticky: D was truncated, the true value is a bit larger). */
static int fmcp__cmp_half(const fmcp__bn *D, int sticky, int e10, uint64_t h, int e2)
{
    fmcp__bn L, R;
    int c, s2l = 0, s2r = 0;
    L = *D;
    fmcp__jnum_set(&R, h);
    if (e10 >= 0) { fmcp__jnum_pow5(&L, e10); s2l = e10; }
    else { fmcp__jnum_pow5(&R, -e10); s2r = -e10; }
    s2r += e2;
    if (s2l < s2r) { s2r -= s2l; s2l = 0; } else { s2l -= s2r; s2r = 0; }
    fmcp__jnum_shl(&L, s2l);
    fmcp__jnum_shl(&R, s2r);
    c = fmcp__jnum_cmp(&L, &R);
    if (c == 0 && sticky) c = 1;
    return c;
}

/* The digits of a number text, split for the exact comparison. */
typedef struct fmcp__dec {
    fmcp__bn D;   /* the first 780 significant digits: more never change the rounding */
    int sticky;   /* a nonzero digit was dropped beyond those */
    int zero;     /* no nonzero digit at all */
    long e;       /* value = D * 10^e (plus sticky) */
    long mag;     /* value = 0.d1d2... * 10^mag */
    uint64_t w;   /* the first 19 significant digits ... */
    long ew;      /* ... and value ~ w * 10^ew */
} fmcp__dec;

static void fmcp__dec_read(fmcp__dec *dc, const char *p, const char *end)
{
    long nd = 0, dexp = 0, ex = 0, wn = 0;
    int seen_point = 0, chunk_n = 0, eneg = 0;
    uint32_t chunk = 0, scale = 1;
    memset(dc, 0, sizeof *dc);
    dc->zero = 1;
    for (; p < end && *p != 'e' && *p != 'E'; p++) {
        unsigned d;
        if (*p == '.') { seen_point = 1; continue; }
        d = (unsigned)(*p - '0');
        if (dc->zero && d == 0) { if (seen_point) dexp--; continue; }
        dc->zero = 0;
        if (!seen_point) dexp++;
        if (nd >= 780) { if (d) dc->sticky = 1; continue; }
        chunk = chunk * 10 + d; scale *= 10; chunk_n++; nd++;
        if (wn < 19) { dc->w = dc->w * 10 + d; wn++; }
        if (chunk_n == 9) { fmcp__jnum_muladd(&dc->D, scale, chunk); chunk = 0; chunk_n = 0; scale = 1; }
    }
    if (chunk_n) fmcp__jnum_muladd(&dc->D, scale, chunk);
    if (p < end) {
        p++;
        if (*p == '+' || *p == '-') { eneg = *p == '-'; p++; }
        for (; p < end; p++) if (ex < 100000000) ex = ex * 10 + (*p - '0');
        if (eneg) ex = -ex;
    }
    dc->mag = dexp + ex;
    dc->e = dc->mag - nd;
    dc->ew = dc->mag - wn;
}

/* w * 10^ew in plain double arithmetic: within a few ulps, never a spurious
 * overflow (callers have checked the magnitude is at most 10^310). */
static double fmcp__dec_approx(uint64_t w, long ew)
{
    double x = fmcp__u64_to_double(w);
    if (ew > 0) {
        if (ew > 300) { x *= 1e300; ew -= 300; }
        while (ew > 22) { x *= 1e22; ew -= 22; }
        x *= fmcp__pow10[ew];
    } else if (ew < 0) {
        ew = -ew;
        while (ew > 22) { x /= 1e22; ew -= 22; }
        x /= fmcp__pow10[ew];
    }
    /* x > DBL_MAX, read from the bits: soft-float targets need no compare routine */
    return (fmcp__double_bits(x) >> 52) == 0x7FF ? DBL_MAX : x;
}

/* Step *x one ulp at a time until the exact value lies between the halfway
 * points around it (ties to even). -1 when it rounds beyond DBL_MAX. */
static int fmcp__dec_refine(const fmcp__dec *dc, double *x)
{
    int i;
    for (i = 0; i < 4096; i++) {
        uint64_t bits = fmcp__double_bits(*x), m;
        int q, be = (int)(bits >> 52), c;
        if (be) { m = (bits & 0xFFFFFFFFFFFFFull) | (1ull << 52); q = be - 1075; }
        else { m = bits; q = -1074; }
        c = fmcp__cmp_half(&dc->D, dc->sticky, (int)dc->e, 2 * m + 1, q - 1);
        if (c > 0 || (c == 0 && (m & 1))) {
            if (bits == 0x7FEFFFFFFFFFFFFFull) return -1;
            *x = fmcp__bits_double(bits + 1);
            continue;
        }
        if (m == 0) return 0;
        /* below a power of two the next double down is half an ulp closer */
        if (m == (1ull << 52) && be > 1) c = fmcp__cmp_half(&dc->D, dc->sticky, (int)dc->e, 4 * m - 1, q - 2);
        else c = fmcp__cmp_half(&dc->D, dc->sticky, (int)dc->e, 2 * m - 1, q - 1);
        if (c < 0 || (c == 0 && (m & 1))) { *x = fmcp__bits_double(bits - 1); continue; }
        return 0;
    }
    return 0;
}

/* Exact conversion of the number text [s, end) without its sign. Returns 0
 * on success, -1 when the magnitude overflows a double. */
static int fmcp__dec_slow(const char *s, const char *end, double *out)
{
    fmcp__dec dc;
    fmcp__dec_read(&dc, s, end);
    *out = 0.0;
    if (dc.zero || dc.mag < -326) return 0; /* below 10^-327: rounds to zero */
    if (dc.mag > 310) return -1;
    *out = fmcp__dec_approx(dc.w, dc.ew);
    return fmcp__dec_refine(&dc, out);
}

/* Magnitude of a number: m holds its first 19 significant digits, value =
 * m * 10^e10 exactly unless trunc (digits were dropped). [s, end) is the
 * text without sign for the slow path. -1 when beyond DBL_MAX. */
static int fmcp__num_double(const char *s, const char *end, uint64_t m, long e10, int trunc, double *d)
{
    if (m == 0 && !trunc) { *d = 0.0; return 0; }
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    if (!trunc && m < (1ull << 53) && e10 >= -22 && e10 <= 22) {
        /* both operands exact: one rounding */
        *d = e10 >= 0 ? fmcp__u64_to_double(m) * fmcp__pow10[e10] : fmcp__u64_to_double(m) / fmcp__pow10[-e10];
        return 0;
    }
#else
    /* x87 (i686 without SSE2) rounds the product to 64 bits first, then to
     * double: two roundings. Only plain integers are exact here. */
    if (!trunc && m < (1ull << 53) && e10 == 0) { *d = fmcp__u64_to_double(m); return 0; }
#endif
#ifdef FMCP__J_U128
    if (!trunc && e10 >= -19 && e10 <= 19) { *d = fmcp__dec128(m, (int)e10); return 0; }
#endif
    return fmcp__dec_slow(s, end, d);
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    !defined(FMCP__SMALL) /* -Os: the plain loop is smaller */
#define FMCP__J_SWAR_DIGITS 1
/* Value of 8 ASCII digits (first digit in the lowest byte): pairs, then
 * quads, then the whole, by multiplications. */
static uint64_t fmcp__parse8(uint64_t x)
{
    const uint64_t mask = 0x000000FF000000FFull;
    x -= FMCP__ONES * 0x30;
    x = x * 10 + (x >> 8);
    return ((x & mask) * (100 + (1000000ull << 32)) + ((x >> 16) & mask) * (1 + (10000ull << 32))) >> 32;
}
#endif

/* Digit scan state of one number: m = first 19 significant digits, value =
 * m * 10^e10 unless trunc. */
typedef struct fmcp__num { uint64_t m; int nd, trunc; long e10; } fmcp__num;

#ifdef FMCP__J_SWAR_DIGITS
/* Number of leading ASCII digits in the 8 bytes of x (0..8). */
static unsigned fmcp__lead_digits(uint64_t x)
{
    /* nonzero bytes mark non-digits; a carry only reaches bytes after the first one */
    uint64_t t = ((x & (FMCP__ONES * 0xF0)) ^ (FMCP__ONES * 0x30)) |
                 (((x + FMCP__ONES * 0x06) & (FMCP__ONES * 0xF0)) ^ (FMCP__ONES * 0x30));
    t = (((t & ~FMCP__HIGH) + ~FMCP__HIGH) | t) & FMCP__HIGH;
    return t ? FMCP__FIRST_FLAGGED(t) : 8;
}
#endif

/* Consume a run of digits (frac: after the point) into n; returns the end. */
static const char *fmcp__digits(const char *p, fmcp__num *n, int frac)
{
    static const uint64_t p10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    for (;;) {
        unsigned d;
#ifdef FMCP__J_SWAR_DIGITS
        /* up to 8 digits at once while they stay within the 19 kept (and, after
         * the point, once a nonzero digit has been seen) */
        if ((n->m || !frac) && n->nd <= 11) {
            uint64_t x;
            unsigned k;
            memcpy(&x, p, 8); /* the input padding keeps this in bounds */
            k = fmcp__lead_digits(x);
            if (k == 0) return p;
            if (k < 8) x = (x << (8 * (8 - k))) | ((FMCP__ONES * 0x30) >> (8 * k)); /* '0'-fill in front */
            n->m = n->m * p10[k] + fmcp__parse8(x);
            n->nd += (int)k; p += k;
            if (frac) n->e10 -= (long)k;
            if (k < 8) return p;
            continue;
        }
#else
        (void)p10;
#endif
        d = (unsigned)(*p - '0');
        if (d >= 10) return p;
        if (n->nd < 19) {
            if (n->m || d) { n->m = n->m * 10 + d; n->nd++; } /* leading zeros are not significant */
            if (frac) n->e10--;
        } else {
            n->trunc = 1;
            if (!frac) n->e10++;
        }
        p++;
    }
}

/* Number at s: checks the syntax, fills node and returns the end (NULL on
 * error). */
static char *fmcp__jp_num(fmcp__jp *st, char *s, fmcp_json *node)
{
    const char *p = s;
    int neg = *p == '-', isint = 1;
    fmcp__num n;
    memset(&n, 0, sizeof n);
    p += neg;
    if (*p == '0') {
        p++;
        if ((unsigned)(*p - '0') < 10) return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "leading zero in number", p);
    } else if ((unsigned)(*p - '1') < 9) {
        p = fmcp__digits(p, &n, 0);
    } else {
        return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "invalid number", p);
    }
    if (*p == '.') {
        p++;
        isint = 0;
        if ((unsigned)(*p - '0') >= 10) return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "digit expected after '.'", p);
        p = fmcp__digits(p, &n, 1);
    }
    if (*p == 'e' || *p == 'E') {
        int eneg = 0;
        long ex = 0;
        p++;
        isint = 0;
        if (*p == '+' || *p == '-') { eneg = *p == '-'; p++; }
        if ((unsigned)(*p - '0') >= 10) return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "digit expected in exponent", p);
        while ((unsigned)(*p - '0') < 10) { if (ex < 100000000) ex = ex * 10 + (*p - '0'); p++; }
        n.e10 += eneg ? -ex : ex;
    }
    node->a.s = s;
    node->tag = FMCP_JSON_NUMBER | ((uint64_t)(p - s) << FMCP__J_SHIFT);
    if (isint && !n.trunc && (n.m <= (uint64_t)INT64_MAX || (neg && n.m == (uint64_t)INT64_MAX + 1))) {
        node->tag |= FMCP__J_INT;
        node->b.i = !neg ? (int64_t)n.m : n.m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n.m;
        return (char *)p;
    }
    if (fmcp__num_double(s + neg, p, n.m, n.e10, n.trunc, &node->b.d) != 0)
        return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "number out of range", s);
    if (neg) node->b.d = -node->b.d;
    return (char *)p;
}

/* ---- duplicate keys ------------------------------------------------------- */

static int fmcp__key_eq(const fmcp_json *a, const fmcp_json *b)
{
    return a->tag >> FMCP__J_SHIFT == b->tag >> FMCP__J_SHIFT && memcmp(a->a.s, b->a.s, fmcp__j_len(a)) == 0;
}

/* Nonzero when the object at obj has two equal keys. Pairwise for small
 * objects; larger ones hash the keys into a temporary table. */
static int fmcp__has_dup(fmcp__jp *st, size_t obj, int *nomem)
{
    const fmcp_json *o = &st->nodes[obj];
    size_t cnt = fmcp__j_len(o), i, j;
    const fmcp_json **keys, *k, *v;
    size_t tcap, bytes;
    if (cnt < 2) return 0;
    if (cnt <= 16) {
        const fmcp_json *ks[16];
        for (i = 0, v = o + 2; i < cnt; i++, v = v + fmcp__j_size(v) + 1) ks[i] = v - 1;
        for (i = 1; i < cnt; i++)
            for (j = 0; j < i; j++)
                if (fmcp__key_eq(ks[i], ks[j])) return 1;
        return 0;
    }
    for (tcap = 32; tcap < cnt * 2; tcap *= 2) {}
    bytes = tcap * sizeof(*keys);
    keys = (const fmcp_json **)fmcp_malloc(st->a, bytes);
    if (!keys) { *nomem = 1; return 0; }
    memset((void *)keys, 0, bytes);
    for (i = 0, v = o + 2; i < cnt; i++, v = v + fmcp__j_size(v) + 1) {
        uint64_t h = 1469598103934665603ull;
        size_t n, b;
        k = v - 1;
        n = fmcp__j_len(k);
        for (j = 0; j < n; j++) h = (h ^ (unsigned char)k->a.s[j]) * 1099511628211ull;
        for (b = (size_t)h & (tcap - 1); keys[b]; b = (b + 1) & (tcap - 1))
            if (fmcp__key_eq(keys[b], k)) { fmcp_free(st->a, (void *)keys, bytes); return 1; }
        keys[b] = k;
    }
    fmcp_free(st->a, (void *)keys, bytes);
    return 0;
}

/* ---- the parser ----------------------------------------------------------- */

/* Whitespace: the common cases (none, or a newline plus indentation) first. */
static char *fmcp__skip_ws(char *p)
{
    if ((unsigned char)*p > ' ') return p;
    for (;;) {
        uint64_t x;
        if (*p == ' ') {
            memcpy(&x, p, 8);
            x ^= FMCP__ONES * 0x20;
            if (!x) { p += 8; continue; }
            /* bytes equal to ' ' are now 0; skip to the first one that is not */
            x = (((x & ~FMCP__HIGH) + ~FMCP__HIGH) | x) & FMCP__HIGH;
            p += x ? FMCP__FIRST_FLAGGED(x) : 1;
            if (*p == ' ') p++;
        }
        if (*p == '\n' || *p == '\r' || *p == '\t') { p++; continue; }
        if (*p != ' ') return p;
    }
}

/* Close the container at index cur: record the subtree size, flag its last
 * child, and link it to its parent for the iterative writer. */
static size_t fmcp__jp_close(fmcp__jp *st, size_t cur)
{
    fmcp_json *c = &st->nodes[cur];
    size_t parent = c->a.n, last = c->b.n;
    if (last != FMCP__J_NONE) st->nodes[last].tag |= FMCP__J_LAST;
    c->a.n = st->n - cur;
    c->b.n = parent == FMCP__J_NONE ? 0 : cur - parent;
    return parent;
}

/* A new value node, counted in the open container cur (if any). */
static fmcp_json *fmcp__jp_new(fmcp__jp *st, size_t cur, const char *p)
{
    fmcp_json *node;
    if (st->n + 2 > st->cap && !fmcp__jp_grow(st)) return (fmcp_json *)fmcp__jp_fail(st, FMCP_ERR_NOMEM, "out of memory", p);
    node = &st->nodes[st->n];
    node->tag = 0;
    if (cur != FMCP__J_NONE) {
        fmcp_json *cn = &st->nodes[cur];
        cn->tag += (uint64_t)1 << FMCP__J_SHIFT;
        cn->b.n = st->n; /* last child so far */
        if ((cn->tag & FMCP__J_TYPE) == FMCP_JSON_OBJECT) node->tag = FMCP__J_MEMBER;
    }
    st->n++;
    return node;
}

/* A string, number or literal at p into node; returns the end or NULL. */
static char *fmcp__jp_scalar(fmcp__jp *st, char *p, fmcp_json *node)
{
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '"':
        node->tag |= FMCP_JSON_STRING;
        return fmcp__jp_str(st, p + 1, node);
    case 't':
        if (memcmp(p, "true", 4) != 0) break;
        node->tag |= FMCP_JSON_BOOL; node->b.i = 1;
        return p + 4;
    case 'f':
        if (memcmp(p, "false", 5) != 0) break;
        node->tag |= FMCP_JSON_BOOL; node->b.i = 0;
        return p + 5;
    case 'n':
        if (memcmp(p, "null", 4) != 0) break;
        node->tag |= FMCP_JSON_NULL;
        return p + 4;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            uint64_t keep = node->tag;
            p = fmcp__jp_num(st, p, node);
            node->tag |= keep;
            return p;
        }
    }
    if (c == 0) return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "unexpected end of input", p);
    if (c == 0xEF) return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "unexpected byte (a byte order mark is not allowed)", p);
    return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "unexpected character", p);
}

/* Close the container cur at p (its closing bracket); returns the parent. */
static size_t fmcp__jp_end(fmcp__jp *st, size_t cur, const char *p)
{
    size_t parent = fmcp__jp_close(st, cur);
    int nomem = 0;
    if (st->nodup && (st->nodes[cur].tag & FMCP__J_TYPE) == FMCP_JSON_OBJECT) {
        if (fmcp__has_dup(st, cur, &nomem)) fmcp__jp_fail(st, FMCP_ERR_DUPLICATE, "duplicate object key", p);
        else if (nomem) fmcp__jp_fail(st, FMCP_ERR_NOMEM, "out of memory", p);
    }
    return parent;
}

/* The value grammar as a loop: open containers are linked through their
 * nodes (a.n = parent index while open), so no stack is needed. */
static char *fmcp__jp_run(fmcp__jp *st, char *p)
{
    size_t cur = FMCP__J_NONE, depth = 0;
    fmcp_json *node;
    unsigned t;
value:
    p = fmcp__skip_ws(p);
    node = fmcp__jp_new(st, cur, p);
    if (!node) return NULL;
    if (*p == '[' || *p == '{') {
        t = *p == '[' ? FMCP_JSON_ARRAY : FMCP_JSON_OBJECT;
        if (++depth > st->max_depth) return (char *)fmcp__jp_fail(st, FMCP_ERR_DEPTH, "nesting too deep", p);
        node->tag |= t;
        node->a.n = cur;
        node->b.n = FMCP__J_NONE;
        cur = st->n - 1;
        p = fmcp__skip_ws(p + 1);
        if (*p != (t == FMCP_JSON_ARRAY ? ']' : '}')) {
            if (t == FMCP_JSON_ARRAY) goto value;
            goto key;
        }
        p++; depth--;
        cur = fmcp__jp_close(st, cur);
    } else {
        p = fmcp__jp_scalar(st, p, node);
        if (!p) return NULL;
    }
after:
    if (cur == FMCP__J_NONE) return p;
    p = fmcp__skip_ws(p);
    t = (unsigned)(st->nodes[cur].tag & FMCP__J_TYPE);
    if (*p == ',') {
        p++;
        if (t == FMCP_JSON_ARRAY) goto value;
        p = fmcp__skip_ws(p);
        goto key;
    }
    if (*p != (t == FMCP_JSON_ARRAY ? ']' : '}'))
        return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, t == FMCP_JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'", p);
    depth--;
    cur = fmcp__jp_end(st, cur, p++);
    if (st->code != FMCP_OK) return NULL;
    goto after;
key:
    if (*p != '"') return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "expected string key", p);
    node = &st->nodes[st->n++]; /* fmcp__jp_new left room for the key */
    node->tag = FMCP_JSON_STRING | FMCP__J_KEY;
    p = fmcp__jp_str(st, p + 1, node);
    if (!p) return NULL;
    p = fmcp__skip_ws(p);
    if (*p != ':') return (char *)fmcp__jp_fail(st, FMCP_ERR_PARSE, "expected ':'", p);
    p++;
    goto value;
}

static void fmcp__jp_error(fmcp_json_error *err, fmcp_result code, const char *msg,
                           const char *text, size_t off)
{
    size_t i, line = 1, col = 1;
    if (!err) return;
    for (i = 0; i < off; i++) {
        if (text[i] == '\n') { line++; col = 1; }
        else col++;
    }
    err->code = code;
    err->offset = off;
    err->line = line;
    err->column = col;
    err->message = msg;
}

FASTMCP_API fmcp_result fmcp_json_parse(const char *text, size_t len,
                                        const fmcp_json_parse_options *opt,
                                        fmcp_json_doc **out, fmcp_json_error *err)
{
    fmcp__jp st;
    fmcp_json_doc *doc;
    char *copy, *end;
    size_t block;
    if (err) { memset(err, 0, sizeof *err); err->message = ""; }
    if (out) *out = NULL;
    if (!out || (!text && len)) {
        fmcp__jp_error(err, FMCP_ERR_INVALID_ARG, "invalid argument", "", 0);
        return FMCP_ERR_INVALID_ARG;
    }
    if (opt && opt->max_size && len > opt->max_size) {
        fmcp__jp_error(err, FMCP_ERR_TOO_LARGE, "input larger than max_size", "", 0);
        return FMCP_ERR_TOO_LARGE;
    }
    memset(&st, 0, sizeof st);
    st.a = opt ? opt->alloc : NULL;
    st.max_depth = opt && opt->max_depth ? opt->max_depth : 64;
    st.nodup = opt ? opt->reject_duplicate_keys : 0;
    if (len > (size_t)-1 - sizeof(fmcp_json_doc) - FMCP__J_PAD) {
        fmcp__jp_error(err, FMCP_ERR_TOO_LARGE, "input too large", "", 0);
        return FMCP_ERR_TOO_LARGE;
    }
    block = sizeof(fmcp_json_doc) + len + FMCP__J_PAD;
    doc = (fmcp_json_doc *)fmcp_malloc(st.a, block);
    if (!doc) {
        fmcp__jp_error(err, FMCP_ERR_NOMEM, "out of memory", text, 0);
        return FMCP_ERR_NOMEM;
    }
    copy = (char *)(doc + 1);
    if (len) memcpy(copy, text, len);
    memset(copy + len, 0, FMCP__J_PAD);
    st.cap = len / 12 + 16;
    st.nodes = (fmcp_json *)fmcp_malloc(st.a, st.cap * sizeof(fmcp_json));
    end = st.nodes ? fmcp__jp_run(&st, copy) : (char *)fmcp__jp_fail(&st, FMCP_ERR_NOMEM, "out of memory", copy);
    if (end) {
        end = fmcp__skip_ws(end);
        if (end != copy + len) end = (char *)fmcp__jp_fail(&st, FMCP_ERR_PARSE, "unexpected data after the value", end);
    }
    if (!end) {
        fmcp__jp_error(err, st.code, st.msg, text, (size_t)(st.errp - copy));
        fmcp_free(st.a, st.nodes, st.cap * sizeof(fmcp_json));
        fmcp_free(st.a, doc, block);
        return st.code;
    }
    st.nodes[0].tag |= FMCP__J_LAST;
    if (st.a) doc->al = *st.a;
    else memset(&doc->al, 0, sizeof doc->al);
    doc->ap = st.a ? &doc->al : NULL;
    doc->nodes = st.nodes;
    doc->nnodes = st.n;
    doc->cap = st.cap;
    doc->block = block;
    *out = doc;
    return FMCP_OK;
}

FASTMCP_API void fmcp_json_doc_destroy(fmcp_json_doc *doc)
{
    fmcp_allocator al;
    const fmcp_allocator *ap;
    if (!doc) return;
    al = doc->al; /* the header lives in the block being freed */
    ap = doc->ap ? &al : NULL;
    fmcp_free(ap, doc->nodes, doc->cap * sizeof(fmcp_json));
    fmcp_free(ap, doc, doc->block);
}

FASTMCP_API const fmcp_json *fmcp_json_root(const fmcp_json_doc *doc)
{
    return doc ? &doc->nodes[0] : NULL;
}

/* ---- accessors ------------------------------------------------------------ */

FASTMCP_API fmcp_json_type fmcp_json_typeof(const fmcp_json *v)
{
    return v ? (fmcp_json_type)fmcp__j_type(v) : FMCP_JSON_NULL;
}

FASTMCP_API int fmcp_json_is(const fmcp_json *v, fmcp_json_type t)
{
    return v && fmcp__j_type(v) == (unsigned)t;
}

FASTMCP_API int fmcp_json_is_int(const fmcp_json *v)
{
    return v && (v->tag & FMCP__J_INT) != 0;
}

FASTMCP_API int64_t fmcp_json_int(const fmcp_json *v, int64_t def)
{
    return fmcp_json_is_int(v) ? v->b.i : def;
}

FASTMCP_API double fmcp_json_double(const fmcp_json *v, double def)
{
    if (!v || fmcp__j_type(v) != FMCP_JSON_NUMBER) return def;
    if (!(v->tag & FMCP__J_INT)) return v->b.d;
    if (v->b.i < 0) return -fmcp__u64_to_double(0 - (uint64_t)v->b.i);
    return v->b.i == 0 && v->a.s[0] == '-' ? -0.0 : fmcp__u64_to_double((uint64_t)v->b.i);
}

FASTMCP_API int fmcp_json_bool(const fmcp_json *v, int def)
{
    return v && fmcp__j_type(v) == FMCP_JSON_BOOL ? (int)v->b.i : def;
}

FASTMCP_API const char *fmcp_json_str(const fmcp_json *v, size_t *len)
{
    if (!v || fmcp__j_type(v) != FMCP_JSON_STRING) { if (len) *len = 0; return NULL; }
    if (len) *len = fmcp__j_len(v);
    return v->a.s;
}

FASTMCP_API const char *fmcp_json_number_text(const fmcp_json *v, size_t *len)
{
    if (!v || fmcp__j_type(v) != FMCP_JSON_NUMBER) { if (len) *len = 0; return NULL; }
    if (len) *len = fmcp__j_len(v);
    return v->a.s;
}

FASTMCP_API size_t fmcp_json_len(const fmcp_json *v)
{
    return v && fmcp__j_type(v) >= FMCP_JSON_ARRAY ? fmcp__j_len(v) : 0;
}

FASTMCP_API const fmcp_json *fmcp_json_first(const fmcp_json *v)
{
    if (!v || fmcp__j_type(v) < FMCP_JSON_ARRAY || fmcp__j_len(v) == 0) return NULL;
    return fmcp__j_type(v) == FMCP_JSON_OBJECT ? v + 2 : v + 1;
}

FASTMCP_API const fmcp_json *fmcp_json_next(const fmcp_json *v)
{
    if (!v || (v->tag & FMCP__J_LAST)) return NULL;
    return v + fmcp__j_size(v) + ((v->tag & FMCP__J_MEMBER) ? 1 : 0);
}

FASTMCP_API const fmcp_json *fmcp_json_at(const fmcp_json *arr, size_t i)
{
    const fmcp_json *v;
    if (!arr || fmcp__j_type(arr) != FMCP_JSON_ARRAY || i >= fmcp__j_len(arr)) return NULL;
    for (v = arr + 1; i; i--) v += fmcp__j_size(v);
    return v;
}

FASTMCP_API const char *fmcp_json_key(const fmcp_json *member, size_t *len)
{
    if (!member || !(member->tag & FMCP__J_MEMBER)) { if (len) *len = 0; return NULL; }
    if (len) *len = fmcp__j_len(member - 1);
    return member[-1].a.s;
}

FASTMCP_API const fmcp_json *fmcp_json_getn(const fmcp_json *obj, const char *key, size_t key_len)
{
    const fmcp_json *v, *found = NULL;
    if (!obj || !key || fmcp__j_type(obj) != FMCP_JSON_OBJECT) return NULL;
    for (v = fmcp_json_first(obj); v; v = fmcp_json_next(v)) {
        const fmcp_json *k = v - 1;
        /* the first byte settles most misses without a call */
        if (fmcp__j_len(k) == key_len && (key_len == 0 || (k->a.s[0] == key[0] && memcmp(k->a.s, key, key_len) == 0)))
            found = v;
    }
    return found;
}

FASTMCP_API const fmcp_json *fmcp_json_get(const fmcp_json *obj, const char *key)
{
    return key ? fmcp_json_getn(obj, key, strlen(key)) : NULL;
}

FASTMCP_API const char *fmcp_json_get_str(const fmcp_json *obj, const char *key, const char *def)
{
    const char *s = fmcp_json_str(fmcp_json_get(obj, key), NULL);
    return s ? s : def;
}

FASTMCP_API int64_t fmcp_json_get_int(const fmcp_json *obj, const char *key, int64_t def)
{
    return fmcp_json_int(fmcp_json_get(obj, key), def);
}

FASTMCP_API double fmcp_json_get_double(const fmcp_json *obj, const char *key, double def)
{
    return fmcp_json_double(fmcp_json_get(obj, key), def);
}

FASTMCP_API int fmcp_json_get_bool(const fmcp_json *obj, const char *key, int def)
{
    return fmcp_json_bool(fmcp_json_get(obj, key), def);
}

static int fmcp__num_equal(const fmcp_json *a, const fmcp_json *b)
{
    int ai = (a->tag & FMCP__J_INT) != 0, bi = (b->tag & FMCP__J_INT) != 0;
    double d;
    int64_t i;
    if (ai && bi) return a->b.i == b->b.i;
    if (!ai && !bi) return a->b.d == b->b.d;
    d = ai ? b->b.d : a->b.d;
    i = ai ? a->b.i : b->b.i;
    /* exact: the double must be integral, in range, and equal as an integer */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return 0;
    return (double)(int64_t)d == d && (int64_t)d == i;
}

FASTMCP_API int fmcp_json_equal(const fmcp_json *a, const fmcp_json *b)
{
    const fmcp_json *x;
    if (!a || !b) return a == b;
    if (fmcp__j_type(a) != fmcp__j_type(b)) return 0;
    switch (fmcp__j_type(a)) {
    case FMCP_JSON_NULL: return 1;
    case FMCP_JSON_BOOL: return a->b.i == b->b.i;
    case FMCP_JSON_NUMBER: return fmcp__num_equal(a, b);
    case FMCP_JSON_STRING:
        return fmcp__j_len(a) == fmcp__j_len(b) && memcmp(a->a.s, b->a.s, fmcp__j_len(a)) == 0;
    case FMCP_JSON_ARRAY:
        if (fmcp__j_len(a) != fmcp__j_len(b)) return 0;
        for (x = fmcp_json_first(a), b = fmcp_json_first(b); x; x = fmcp_json_next(x), b = fmcp_json_next(b))
            if (!fmcp_json_equal(x, b)) return 0;
        return 1;
    default:
        if (fmcp__j_len(a) != fmcp__j_len(b)) return 0;
        /* both directions, so duplicate keys cannot make unequal objects equal */
        for (x = fmcp_json_first(a); x; x = fmcp_json_next(x))
            if (!fmcp_json_equal(fmcp_json_getn(a, x[-1].a.s, fmcp__j_len(x - 1)),
                                 fmcp_json_getn(b, x[-1].a.s, fmcp__j_len(x - 1)))) return 0;
        for (x = fmcp_json_first(b); x; x = fmcp_json_next(x))
            if (!fmcp_json_getn(a, x[-1].a.s, fmcp__j_len(x - 1))) return 0;
        return 1;
    }
}

/* ---- writer --------------------------------------------------------------- */

#define FMCP__JW_OBJ 1u
#define FMCP__JW_ITEMS 2u
#define FMCP__JW_KEY 4u

static void fmcp__jw_fail(fmcp_json_writer *w, fmcp_result r)
{
    if (w->err == FMCP_OK) w->err = r;
}

/* Make room for n more bytes; 0 when nothing may be written (fixed buffer
 * overflow still counts the bytes in w->len). */
static int fmcp__jw_room(fmcp_json_writer *w, size_t n)
{
    size_t ncap;
    char *nb;
    if (w->len + n < w->cap) return 1; /* keep one byte for the NUL */
    if (w->fixed) return 0;
    if (n > (size_t)-1 / 4 - w->len) { fmcp__jw_fail(w, FMCP_ERR_NOMEM); return 0; }
    ncap = w->cap ? w->cap : 256;
    while (ncap <= w->len + n) ncap *= 2;
    nb = (char *)fmcp_realloc(w->alloc, w->buf, w->cap, ncap);
    if (!nb) { fmcp__jw_fail(w, FMCP_ERR_NOMEM); return 0; }
    w->buf = nb;
    w->cap = ncap;
    return 1;
}

static void fmcp__jw_put(fmcp_json_writer *w, const char *s, size_t n)
{
    if (w->err) return;
    if (fmcp__jw_room(w, n)) memcpy(w->buf + w->len, s, n);
    if (!w->err) w->len += n;
}

static void fmcp__jw_ch(fmcp_json_writer *w, char c)
{
    fmcp__jw_put(w, &c, 1);
}

static void fmcp__jw_indent(fmcp_json_writer *w)
{
    unsigned i;
    if (!w->pretty) return;
    fmcp__jw_ch(w, '\n');
    for (i = 0; i < w->depth; i++) fmcp__jw_put(w, "  ", 2);
}

FASTMCP_API void fmcp_jw_init(fmcp_json_writer *w, const fmcp_allocator *alloc)
{
    if (!w) return;
    memset(w, 0, sizeof *w);
    w->alloc = alloc;
}

FASTMCP_API void fmcp_jw_init_fixed(fmcp_json_writer *w, char *buf, size_t cap)
{
    if (!w) return;
    memset(w, 0, sizeof *w);
    w->fixed = 1;
    w->buf = buf;
    w->cap = buf ? cap : 0;
}

/* Separator and state checks before a value; 0 when the value must not be written. */
static int fmcp__jw_pre(fmcp_json_writer *w)
{
    unsigned char *st;
    if (w->err) return 0;
    if (w->depth == 0) {
        if (w->done) { fmcp__jw_fail(w, FMCP_ERR_STATE); return 0; }
        return 1;
    }
    st = &w->state[w->depth - 1];
    if (*st & FMCP__JW_OBJ) {
        if (!(*st & FMCP__JW_KEY)) { fmcp__jw_fail(w, FMCP_ERR_STATE); return 0; }
        *st = (unsigned char)(*st & ~FMCP__JW_KEY);
        return 1;
    }
    if (*st & FMCP__JW_ITEMS) fmcp__jw_ch(w, ',');
    *st |= FMCP__JW_ITEMS;
    fmcp__jw_indent(w);
    return !w->err;
}

static void fmcp__jw_post(fmcp_json_writer *w)
{
    if (w->depth == 0) w->done = 1;
}

static void fmcp__jw_begin(fmcp_json_writer *w, char c, unsigned char st)
{
    if (!w || !fmcp__jw_pre(w)) return;
    if (w->depth >= FASTMCP_JSON_WRITER_MAX_DEPTH) { fmcp__jw_fail(w, FMCP_ERR_DEPTH); return; }
    fmcp__jw_ch(w, c);
    w->state[w->depth++] = st;
}

static void fmcp__jw_end(fmcp_json_writer *w, char c, unsigned char obj)
{
    unsigned char st;
    if (!w || w->err) return;
    if (w->depth == 0) { fmcp__jw_fail(w, FMCP_ERR_STATE); return; }
    st = w->state[w->depth - 1];
    if ((st & FMCP__JW_OBJ) != obj || (st & FMCP__JW_KEY)) { fmcp__jw_fail(w, FMCP_ERR_STATE); return; }
    w->depth--;
    if (st & FMCP__JW_ITEMS) fmcp__jw_indent(w);
    fmcp__jw_ch(w, c);
    fmcp__jw_post(w);
}

FASTMCP_API void fmcp_jw_object_begin(fmcp_json_writer *w) { fmcp__jw_begin(w, '{', FMCP__JW_OBJ); }
FASTMCP_API void fmcp_jw_object_end(fmcp_json_writer *w) { fmcp__jw_end(w, '}', FMCP__JW_OBJ); }
FASTMCP_API void fmcp_jw_array_begin(fmcp_json_writer *w) { fmcp__jw_begin(w, '[', 0); }
FASTMCP_API void fmcp_jw_array_end(fmcp_json_writer *w) { fmcp__jw_end(w, ']', 0); }

/* Nonzero when one of the 8 bytes in x must be escaped: < 0x20, '"' or '\\'. */
static uint64_t fmcp__esc_special(uint64_t x)
{
    uint64_t q = x ^ (FMCP__ONES * 0x22), b = x ^ (FMCP__ONES * 0x5C);
    return (((q - FMCP__ONES) & ~q) | ((b - FMCP__ONES) & ~b) | ((x - FMCP__ONES * 0x20) & ~x)) & FMCP__HIGH;
}

/* Escaped string body between quotes; the caller has validated the UTF-8. */
static void fmcp__jw_escaped(fmcp_json_writer *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    fmcp__jw_ch(w, '"');
    while (i < n) {
        unsigned char c;
        char e[6];
        size_t el = 2;
        if (n - i >= 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!fmcp__esc_special(x)) { i += 8; continue; }
        }
        c = (unsigned char)s[i++];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        fmcp__jw_put(w, s + run, i - 1 - run);
        run = i;
        e[0] = '\\';
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 15]; el = 6;
        }
        fmcp__jw_put(w, e, el);
    }
    fmcp__jw_put(w, s + run, n - run);
    fmcp__jw_ch(w, '"');
}

FASTMCP_API void fmcp_jw_keyn(fmcp_json_writer *w, const char *key, size_t len)
{
    unsigned char *st;
    if (!w || w->err) return;
    if (w->depth == 0 || !(w->state[w->depth - 1] & FMCP__JW_OBJ) || (w->state[w->depth - 1] & FMCP__JW_KEY)) {
        fmcp__jw_fail(w, FMCP_ERR_STATE);
        return;
    }
    if (!key && len) { fmcp__jw_fail(w, FMCP_ERR_INVALID_ARG); return; }
    if (len && !fmcp__utf8_valid((const unsigned char *)key, len)) { fmcp__jw_fail(w, FMCP_ERR_ENCODING); return; }
    st = &w->state[w->depth - 1];
    if (*st & FMCP__JW_ITEMS) fmcp__jw_ch(w, ',');
    *st |= FMCP__JW_ITEMS | FMCP__JW_KEY;
    fmcp__jw_indent(w);
    fmcp__jw_escaped(w, key ? key : "", len);
    if (w->pretty) fmcp__jw_put(w, ": ", 2);
    else fmcp__jw_ch(w, ':');
}

FASTMCP_API void fmcp_jw_key(fmcp_json_writer *w, const char *key)
{
    if (w && !key) { fmcp__jw_fail(w, FMCP_ERR_INVALID_ARG); return; }
    fmcp_jw_keyn(w, key, key ? strlen(key) : 0);
}

FASTMCP_API void fmcp_jw_strn(fmcp_json_writer *w, const char *s, size_t len)
{
    if (!w || w->err) return;
    if (!s && len) { fmcp__jw_fail(w, FMCP_ERR_INVALID_ARG); return; }
    if (len && !fmcp__utf8_valid((const unsigned char *)s, len)) { fmcp__jw_fail(w, FMCP_ERR_ENCODING); return; }
    if (!fmcp__jw_pre(w)) return;
    fmcp__jw_escaped(w, s ? s : "", len);
    fmcp__jw_post(w);
}

FASTMCP_API void fmcp_jw_str(fmcp_json_writer *w, const char *s)
{
    if (!s) { fmcp_jw_null(w); return; }
    fmcp_jw_strn(w, s, strlen(s));
}

static void fmcp__jw_scalar(fmcp_json_writer *w, const char *s, size_t n)
{
    if (!w || !fmcp__jw_pre(w)) return;
    fmcp__jw_put(w, s, n);
    fmcp__jw_post(w);
}

/* Decimal digits of v into the end of buf[24]; returns the start. */
#if defined(UINTPTR_MAX) && UINTPTR_MAX <= 0xFFFFFFFFu
/* 32-bit targets: 64-bit division is a libgcc routine (700 bytes on a
 * Cortex-M), so above 32 bits divide by 10 in 16-bit steps, 32-bit divisions. */
static char *fmcp__u64_dec(char *end, uint64_t v)
{
    uint32_t w;
    while (v >> 32) {
        uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v, q1, q0, m;
        m = ((hi % 10) << 16) | (lo >> 16);
        q1 = m / 10;
        m = ((m % 10) << 16) | (lo & 0xFFFFu);
        q0 = m / 10;
        *--end = (char)('0' + m % 10);
        v = ((uint64_t)(hi / 10) << 32) | (q1 << 16) | q0;
    }
    w = (uint32_t)v;
    do { *--end = (char)('0' + w % 10); w /= 10; } while (w);
    return end;
}
#else
static char *fmcp__u64_dec(char *end, uint64_t v)
{
    do { *--end = (char)('0' + v % 10); v /= 10; } while (v);
    return end;
}
#endif

FASTMCP_API void fmcp_jw_uint(fmcp_json_writer *w, uint64_t v)
{
    char b[24], *s = fmcp__u64_dec(b + sizeof b, v);
    fmcp__jw_scalar(w, s, (size_t)(b + sizeof b - s));
}

FASTMCP_API void fmcp_jw_int(fmcp_json_writer *w, int64_t v)
{
    char b[24], *s = fmcp__u64_dec(b + sizeof b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0) *--s = '-';
    fmcp__jw_scalar(w, s, (size_t)(b + sizeof b - s));
}

/* ---- doubles to text -------------------------------------------------------
 * Shortest digits that read back to the same double, by exact integer
 * arithmetic (free-format digit generation in the manner of Steele & White
 * and Burger & Dybvig): v = r/s and its rounding interval is
 * ((r - m-)/s, (r + m+)/s); digits come out one at a time until the digits so
 * far, or one more in the last place, fall inside it. No printf (newlib-nano
 * has no float printf by default), no tables; 40 32-bit limbs hold every
 * intermediate (at most about 1140 bits). */
#define FMCP__DBN_LIMBS 40
typedef struct fmcp__dbn { uint32_t d[FMCP__DBN_LIMBS]; int n; } fmcp__dbn;

static void fmcp__dbn_set(fmcp__dbn *a, uint64_t v)
{
    a->n = 0;
    while (v) { a->d[a->n++] = (uint32_t)v; v >>= 32; }
}
static void fmcp__dbn_mul(fmcp__dbn *a, uint32_t m)
{
    uint64_t c = 0;
    int i;
    for (i = 0; i < a->n; i++) {
        c += (uint64_t)a->d[i] * m;
        a->d[i] = (uint32_t)c;
        c >>= 32;
    }
    if (c && a->n < FMCP__DBN_LIMBS) a->d[a->n++] = (uint32_t)c;
}
static void fmcp__dbn_pow10(fmcp__dbn *a, int e)
{
    uint32_t m = 1;
    for (; e >= 9; e -= 9) fmcp__dbn_mul(a, 1000000000u);
    while (e-- > 0) m *= 10;
    fmcp__dbn_mul(a, m);
}
static void fmcp__dbn_shl(fmcp__dbn *a, int bits)
{
    int w = bits / 32, b = bits % 32, i;
    uint32_t carry = 0;
    if (!a->n || a->n + w + 1 > FMCP__DBN_LIMBS) return; /* never: doubles stay far below */
    if (b) {
        for (i = 0; i < a->n; i++) {
            uint32_t x = a->d[i];
            a->d[i] = (x << b) | carry;
            carry = x >> (32 - b);
        }
        if (carry) a->d[a->n++] = carry;
    }
    if (w) {
        for (i = a->n - 1; i >= 0; i--) a->d[i + w] = a->d[i];
        for (i = 0; i < w; i++) a->d[i] = 0;
        a->n += w;
    }
}
static int fmcp__dbn_cmp(const fmcp__dbn *a, const fmcp__dbn *b)
{
    int i;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}
/* Compares a + b with c. */
static int fmcp__dbn_cmp_sum(const fmcp__dbn *a, const fmcp__dbn *b, const fmcp__dbn *c)
{
    fmcp__dbn t;
    uint64_t k = 0;
    int i, n = a->n > b->n ? a->n : b->n;
    for (i = 0; i < n; i++) {
        k += (uint64_t)(i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        t.d[i] = (uint32_t)k;
        k >>= 32;
    }
    t.n = n;
    if (k && n < FMCP__DBN_LIMBS) t.d[t.n++] = (uint32_t)k;
    return fmcp__dbn_cmp(&t, c);
}
/* a -= b, a >= b. */
static void fmcp__dbn_sub(fmcp__dbn *a, const fmcp__dbn *b)
{
    uint64_t borrow = 0;
    int i;
    for (i = 0; i < a->n; i++) {
        uint64_t x = (uint64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        a->d[i] = (uint32_t)x;
        borrow = (x >> 32) & 1;
    }
    while (a->n && !a->d[a->n - 1]) a->n--;
}

/* r/s, m+ and m- for v = f * 2^e: scaled so all are integers; when f is
 * 2^52 (and v is normal) the double below is half as far as the one above. */
static void fmcp__dtoa_setup(uint64_t f, int e, int unequal, fmcp__dbn *r, fmcp__dbn *s,
                             fmcp__dbn *mp, fmcp__dbn *mm)
{
    fmcp__dbn_set(r, f << (unequal ? 2 : 1));
    fmcp__dbn_set(mm, 1);
    fmcp__dbn_set(mp, unequal ? 2 : 1);
    fmcp__dbn_set(s, unequal ? 4 : 2);
    if (e >= 0) {
        fmcp__dbn_shl(r, e);
        fmcp__dbn_shl(mp, e);
        fmcp__dbn_shl(mm, e);
    } else {
        fmcp__dbn_shl(s, -e);
    }
}

/* Scales by 10^k, k at most the true exponent (estimated low from the binary
 * exponent), then steps k up until the interval's top (r + m+)/s is below 1
 * (or at 1 when the bounds themselves read back to v: incl). */
static int fmcp__dtoa_scale(fmcp__dbn *r, fmcp__dbn *s, fmcp__dbn *mp, fmcp__dbn *mm, int e2, int incl)
{
    /* 78913 / 2^18 is just below log10(2): floor(e2 * that) never exceeds the answer */
    int c, k = e2 >= 0 ? e2 * 78913 / 262144 : -((-e2 * 78913 + 262143) / 262144);
    if (k >= 0) fmcp__dbn_pow10(s, k);
    else { fmcp__dbn_pow10(r, -k); fmcp__dbn_pow10(mp, -k); fmcp__dbn_pow10(mm, -k); }
    for (;;) {
        c = fmcp__dbn_cmp_sum(r, mp, s);
        if (c < 0 || (c == 0 && !incl)) return k;
        fmcp__dbn_mul(s, 10);
        k++;
    }
}

/* Shortest digits of a finite v > 0 into dig (at most 17; returns the count),
 * the closest to v when several are as short; v = 0.d1d2... * 10^*k. */
static int fmcp__dtoa_digits(double v, char *dig, int *k)
{
    fmcp__dbn r, s, mp, mm;
    uint64_t bits = fmcp__double_bits(v), f = bits & 0xFFFFFFFFFFFFFull;
    int be = (int)(bits >> 52) & 0x7FF, e = be ? be - 1075 : -1074, n = 0, e2, incl, c;
    if (be) f |= 1ull << 52;
    incl = !(f & 1); /* a tie on reading rounds to the even mantissa: to v */
    fmcp__dtoa_setup(f, e, f == (1ull << 52) && be > 1, &r, &s, &mp, &mm);
    for (e2 = e + 63; !(f >> 63); f <<= 1) e2--; /* v in [2^e2, 2^(e2+1)) */
    *k = fmcp__dtoa_scale(&r, &s, &mp, &mm, e2, incl);
    while (n < 17) {
        int d = 0, lo, hi;
        fmcp__dbn_mul(&r, 10);
        fmcp__dbn_mul(&mp, 10);
        fmcp__dbn_mul(&mm, 10);
        while (fmcp__dbn_cmp(&r, &s) >= 0) { fmcp__dbn_sub(&r, &s); d++; }
        c = fmcp__dbn_cmp(&r, &mm);
        lo = c < 0 || (c == 0 && incl);       /* the digits so far read back to v */
        c = fmcp__dbn_cmp_sum(&r, &mp, &s);
        hi = c > 0 || (c == 0 && incl);       /* so do they with the last one up */
        if (lo && hi) { /* both: the closer, ties to even */
            fmcp__dbn_shl(&r, 1);
            c = fmcp__dbn_cmp(&r, &s);
            if (c > 0 || (c == 0 && (d & 1))) d++;
        } else if (hi) {
            d++;
        }
        dig[n++] = (char)('0' + d);
        if (lo || hi) break;
    }
    return n;
}

/* Digits of v > 0 and v = 0.d1d2... * 10^k; integers below 2^53 directly
 * (their own digits are the shortest: the doubles around them are at most 1 apart). */
static int fmcp__double_digits(double v, char *dig, int *k)
{
    /* from the bits, not (uint64_t)v: soft-float targets need no conversion routine */
    uint64_t bits = fmcp__double_bits(v), m = (bits & 0xFFFFFFFFFFFFFull) | (1ull << 52);
    int sh = 1075 - (int)(bits >> 52); /* v = m / 2^sh for a normal v */
    if (sh >= 0 && sh <= 52 && !(m & ((1ull << sh) - 1))) {
        char b[24], *e = b + sizeof b, *p = fmcp__u64_dec(e, m >> sh);
        int n = (int)(e - p);
        *k = n;
        while (e[-1] == '0') { e--; n--; }
        memcpy(dig, p, (size_t)n);
        return n;
    }
    return fmcp__dtoa_digits(v, dig, k);
}

/* Shortest text that reads back to v, laid out as printf's %.Pg does with
 * P = max(15, digits) (the module's form before it stopped using printf):
 * "100", "0.1", "1e+21", "1.5e-07", "-0"; buf holds at least 32. */
static size_t fmcp__fmt_double(char *buf, double v)
{
    char dig[24], *o = buf;
    int n, k, x, i;
    if (fmcp__double_bits(v) >> 63) { *o++ = '-'; v = -v; }
    if (!fmcp__double_bits(v)) { *o++ = '0'; return (size_t)(o - buf); }
    n = fmcp__double_digits(v, dig, &k);
    x = k - 1; /* exponent of the first digit */
    if (x < -4 || x >= (n > 15 ? n : 15)) {
        *o++ = dig[0];
        if (n > 1) { *o++ = '.'; memcpy(o, dig + 1, (size_t)(n - 1)); o += n - 1; }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        if (x < 0) x = -x;
        if (x >= 100) *o++ = (char)('0' + x / 100);
        *o++ = (char)('0' + x / 10 % 10);
        *o++ = (char)('0' + x % 10);
    } else if (x < 0) {
        *o++ = '0'; *o++ = '.';
        for (i = x + 1; i < 0; i++) *o++ = '0';
        memcpy(o, dig, (size_t)n); o += n;
    } else {
        for (i = 0; i <= x; i++) *o++ = i < n ? dig[i] : '0';
        if (n > x + 1) { *o++ = '.'; memcpy(o, dig + x + 1, (size_t)(n - x - 1)); o += n - x - 1; }
    }
    return (size_t)(o - buf);
}

FASTMCP_API void fmcp_jw_double(fmcp_json_writer *w, double v)
{
    char b[40];
    size_t n;
    if (!w || w->err) return;
    if (((fmcp__double_bits(v) >> 52) & 0x7FF) == 0x7FF) { fmcp__jw_fail(w, FMCP_ERR_INVALID_ARG); return; } /* NaN, Inf */
    n = fmcp__fmt_double(b, v);
    fmcp__jw_scalar(w, b, n);
}

FASTMCP_API void fmcp_jw_bool(fmcp_json_writer *w, int v)
{
    if (v) fmcp__jw_scalar(w, "true", 4);
    else fmcp__jw_scalar(w, "false", 5);
}

FASTMCP_API void fmcp_jw_null(fmcp_json_writer *w)
{
    fmcp__jw_scalar(w, "null", 4);
}

/* Copy a parsed value through the writer calls (iterative: containers are
 * left by following the parent links the parser recorded). */
FASTMCP_API void fmcp_jw_value(fmcp_json_writer *w, const fmcp_json *v)
{
    const fmcp_json *cur = NULL, *n = v;
    if (!w || w->err) return;
    if (!v) { fmcp__jw_fail(w, FMCP_ERR_INVALID_ARG); return; }
    for (;;) {
        unsigned t = fmcp__j_type(n);
        if (cur && fmcp__j_type(cur) == FMCP_JSON_OBJECT) fmcp_jw_keyn(w, n[-1].a.s, fmcp__j_len(n - 1));
        switch (t) {
        case FMCP_JSON_NULL: fmcp_jw_null(w); break;
        case FMCP_JSON_BOOL: fmcp_jw_bool(w, (int)n->b.i); break;
        case FMCP_JSON_NUMBER: fmcp__jw_scalar(w, n->a.s, fmcp__j_len(n)); break;
        case FMCP_JSON_STRING: fmcp_jw_strn(w, n->a.s, fmcp__j_len(n)); break;
        default:
            if (t == FMCP_JSON_ARRAY) fmcp_jw_array_begin(w); else fmcp_jw_object_begin(w);
            if (fmcp__j_len(n)) { cur = n; n = fmcp_json_first(n); continue; }
            if (t == FMCP_JSON_ARRAY) fmcp_jw_array_end(w); else fmcp_jw_object_end(w);
        }
        if (w->err) return;
        /* leave every container whose last value this was */
        while (n != v && (n->tag & FMCP__J_LAST)) {
            n = cur;
            if (fmcp__j_type(cur) == FMCP_JSON_ARRAY) fmcp_jw_array_end(w); else fmcp_jw_object_end(w);
            cur = cur->b.n && n != v ? cur - cur->b.n : NULL;
        }
        if (n == v) return;
        n = fmcp_json_next(n);
    }
}

/* A stack arena for checking small raw values (ids, progress tokens: every
 * response has one) without the heap; larger ones spill to the fallback. */
typedef struct fmcp__jw_arena {
    union { unsigned char b[1024]; double d; void *p; } u;
    size_t used;
    const fmcp_allocator *fallback;
} fmcp__jw_arena;

static int fmcp__jw_in_arena(const fmcp__jw_arena *a, const void *p)
{
    return (const unsigned char *)p >= a->u.b && (const unsigned char *)p < a->u.b + sizeof a->u.b;
}

static void *fmcp__jw_arena_malloc(void *user, size_t n)
{
    fmcp__jw_arena *a = (fmcp__jw_arena *)user;
    size_t at = (a->used + 15) & ~(size_t)15;
    if (n <= sizeof a->u.b && at <= sizeof a->u.b - n) { a->used = at + n; return a->u.b + at; }
    return fmcp_malloc(a->fallback, n);
}

static void fmcp__jw_arena_free(void *user, void *p, size_t n)
{
    fmcp__jw_arena *a = (fmcp__jw_arena *)user;
    if (p && !fmcp__jw_in_arena(a, p)) fmcp_free(a->fallback, p, n);
}

static void *fmcp__jw_arena_realloc(void *user, void *p, size_t old, size_t n)
{
    fmcp__jw_arena *a = (fmcp__jw_arena *)user;
    void *q;
    if (!p) return fmcp__jw_arena_malloc(user, n);
    if (!fmcp__jw_in_arena(a, p)) return fmcp_realloc(a->fallback, p, old, n);
    if ((unsigned char *)p + old == a->u.b + a->used && (size_t)((unsigned char *)p - a->u.b) + n <= sizeof a->u.b) {
        a->used = (size_t)((unsigned char *)p - a->u.b) + n;   /* the last block grows in place */
        return p;
    }
    if ((q = fmcp__jw_arena_malloc(user, n)) != NULL) memcpy(q, p, old < n ? old : n);
    return q;
}

FASTMCP_API void fmcp_jw_raw(fmcp_json_writer *w, const char *json, size_t len)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *d = NULL;
    fmcp_result r;
    fmcp__jw_arena arena;
    fmcp_allocator al;
    if (!w || w->err) return;
    arena.used = 0;
    arena.fallback = w->alloc;
    al.malloc_fn = fmcp__jw_arena_malloc;
    al.realloc_fn = fmcp__jw_arena_realloc;
    al.free_fn = fmcp__jw_arena_free;
    al.user = &arena;
    memset(&o, 0, sizeof o);
    o.alloc = &al;
    o.max_depth = (size_t)-1;
    r = fmcp_json_parse(json, len, &o, &d, NULL);
    if (r != FMCP_OK) { fmcp__jw_fail(w, r); return; }
    fmcp_json_doc_destroy(d);
    if (!fmcp__jw_pre(w)) return;
    fmcp__jw_put(w, json, len);
    fmcp__jw_post(w);
}

FASTMCP_API void fmcp_jw_raw_trusted(fmcp_json_writer *w, const char *json, size_t len)
{
    if (!w || w->err || !fmcp__jw_pre(w)) return;
    fmcp__jw_put(w, json, len);
    fmcp__jw_post(w);
}

/* Whole members ("k":v,...) known to be valid JSON, into the open object of a
 * compact writer: the engine's fixed result tails, written once per result. */
static void fmcp__jw_members_trusted(fmcp_json_writer *w, const char *m, size_t n)
{
    unsigned char *st;
    if (!w || w->err) return;
    if (w->pretty || w->depth == 0 || !(w->state[w->depth - 1] & FMCP__JW_OBJ) ||
        (w->state[w->depth - 1] & FMCP__JW_KEY)) {
        fmcp__jw_fail(w, FMCP_ERR_STATE);
        return;
    }
    st = &w->state[w->depth - 1];
    if (*st & FMCP__JW_ITEMS) fmcp__jw_ch(w, ',');
    *st |= FMCP__JW_ITEMS;
    fmcp__jw_put(w, m, n);
}

FASTMCP_API fmcp_result fmcp_jw_finish(fmcp_json_writer *w, char **out, size_t *n)
{
    fmcp_result r;
    if (out) *out = NULL;
    if (!w) return FMCP_ERR_INVALID_ARG;
    if (n) *n = 0;
    if (!w->err && (!w->done || w->depth)) w->err = FMCP_ERR_STATE;
    r = w->err;
    if (r == FMCP_OK && w->fixed && w->len >= w->cap) {
        if (n) *n = w->len + 1;
        return FMCP_ERR_BUFFER_TOO_SMALL;
    }
    if (r != FMCP_OK) { fmcp_jw_reset(w); w->err = r; return r; }
    if (!w->fixed && w->cap != w->len + 1) {
        char *nb = (char *)fmcp_realloc(w->alloc, w->buf, w->cap, w->len + 1);
        if (!nb) { fmcp_jw_reset(w); w->err = FMCP_ERR_NOMEM; return FMCP_ERR_NOMEM; }
        w->buf = nb;
        w->cap = w->len + 1;
    }
    w->buf[w->len] = 0;
    if (n) *n = w->len;
    if (out) *out = w->buf;
    else if (!w->fixed) fmcp_free(w->alloc, w->buf, w->cap);
    if (!w->fixed) {
        /* the buffer now belongs to the caller: a second finish finds nothing */
        w->buf = NULL; w->cap = 0; w->len = 0; w->done = 0;
    }
    return FMCP_OK;
}

FASTMCP_API void fmcp_jw_reset(fmcp_json_writer *w)
{
    if (!w) return;
    if (!w->fixed) {
        fmcp_free(w->alloc, w->buf, w->cap);
        w->buf = NULL;
        w->cap = 0;
    }
    w->len = 0;
    w->depth = 0;
    w->done = 0;
    w->err = FMCP_OK;
}

/* ---- fast compact serialiser for parsed values ---------------------------- */

typedef struct fmcp__jo { char *buf; size_t cap, len; } fmcp__jo;

static void fmcp__jo_put(fmcp__jo *o, const char *s, size_t n)
{
    if (o->len + n <= o->cap) memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void fmcp__jo_ch(fmcp__jo *o, char c)
{
    if (o->len < o->cap) o->buf[o->len] = c;
    o->len++;
}

static void fmcp__jo_str(fmcp__jo *o, const fmcp_json *s)
{
    size_t n = fmcp__j_len(s);
    if (s->tag & FMCP__J_NOESC) {
        if (o->len + n + 2 <= o->cap) {
            char *d = o->buf + o->len;
            d[0] = '"';
            memcpy(d + 1, s->a.s, n);
            d[n + 1] = '"';
            o->len += n + 2;
            return;
        }
        fmcp__jo_ch(o, '"');
        fmcp__jo_put(o, s->a.s, n);
        fmcp__jo_ch(o, '"');
        return;
    }
    {
        /* route through the writer's escaper on a temporary fixed writer */
        fmcp_json_writer w;
        memset(&w, 0, sizeof w);
        w.fixed = 1;
        w.buf = o->buf ? o->buf + (o->len < o->cap ? o->len : o->cap) : NULL;
        w.cap = o->len < o->cap ? o->cap - o->len + 1 : 0;
        fmcp__jw_escaped(&w, s->a.s, n);
        o->len += w.len;
    }
}

FASTMCP_API fmcp_result fmcp_json_write(const fmcp_json *v, char *buf, size_t cap, size_t *needed)
{
    fmcp__jo o;
    const fmcp_json *n = v, *cur = NULL;
    if (needed) *needed = 0;
    if (!v || (!buf && cap)) return FMCP_ERR_INVALID_ARG;
    o.buf = buf;
    o.cap = cap ? cap - 1 : 0; /* room for the NUL */
    o.len = 0;
    for (;;) {
        unsigned t = fmcp__j_type(n);
        if (n->tag & FMCP__J_MEMBER && n != v) { fmcp__jo_str(&o, n - 1); fmcp__jo_ch(&o, ':'); }
        switch (t) {
        case FMCP_JSON_NULL: fmcp__jo_put(&o, "null", 4); break;
        case FMCP_JSON_BOOL: if (n->b.i) fmcp__jo_put(&o, "true", 4); else fmcp__jo_put(&o, "false", 5); break;
        case FMCP_JSON_NUMBER: fmcp__jo_put(&o, n->a.s, fmcp__j_len(n)); break;
        case FMCP_JSON_STRING: fmcp__jo_str(&o, n); break;
        default:
            fmcp__jo_ch(&o, t == FMCP_JSON_ARRAY ? '[' : '{');
            if (fmcp__j_len(n)) { cur = n; n = fmcp_json_first(n); continue; }
            fmcp__jo_ch(&o, t == FMCP_JSON_ARRAY ? ']' : '}');
        }
        while (n != v && (n->tag & FMCP__J_LAST)) {
            n = cur;
            fmcp__jo_ch(&o, fmcp__j_type(cur) == FMCP_JSON_ARRAY ? ']' : '}');
            cur = cur->b.n && n != v ? cur - cur->b.n : NULL;
        }
        if (n == v) break;
        fmcp__jo_ch(&o, ',');
        n = fmcp_json_next(n);
    }
    if (needed) *needed = o.len + 1;
    if (!buf || o.len + 1 > cap) return FMCP_ERR_BUFFER_TOO_SMALL;
    buf[o.len] = 0;
    return FMCP_OK;
}
