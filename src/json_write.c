/* json_write: implementation (the json API, continued) */
#include "json_write.h"

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
