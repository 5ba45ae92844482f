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
