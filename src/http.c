/* http: implementation */
#include "base.h"
#include "http.h"

#include <string.h>

/* ---- URL parsing (no sockets needed) ------------------------------------- */

/* fmcp__lc, fmcp__ieq, fmcp__hexval: base's toolkit */

static int fmcp__url_scheme(const char **pp, fmcp_http_url *out)
{
    const char *p = *pp;
    if (fmcp__lc(p[0]) == 'h' && fmcp__lc(p[1]) == 't' && fmcp__lc(p[2]) == 't' && fmcp__lc(p[3]) == 'p') {
        if (p[4] == ':' && p[5] == '/' && p[6] == '/') {
            memcpy(out->scheme, "http", 5); out->port = 80; *pp = p + 7; return 1;
        }
        if (fmcp__lc(p[4]) == 's' && p[5] == ':' && p[6] == '/' && p[7] == '/') {
            memcpy(out->scheme, "https", 6); out->port = 443; *pp = p + 8; return 1;
        }
    }
    return 0;
}

static fmcp_result fmcp__url_port(const char *p, const char *end, uint16_t *port)
{
    unsigned long v = 0;
    if (p == end || end - p > 5) return FMCP_ERR_PARSE;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return FMCP_ERR_PARSE;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v == 0 || v > 65535) return FMCP_ERR_PARSE;
    *port = (uint16_t)v;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_http_url_parse(const char *url, fmcp_http_url *out)
{
    const char *p, *hs, *he, *auth_end, *q;
    size_t i, plen;
    if (!url || !out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    p = url;
    if (!fmcp__url_scheme(&p, out)) return FMCP_ERR_PARSE;
    auth_end = p;
    while (*auth_end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#') auth_end++;
    for (q = p; q < auth_end; q++) if (*q == '@') return FMCP_ERR_PARSE; /* no userinfo */
    if (*p == '[') {
        hs = p + 1; he = hs;
        while (he < auth_end && *he != ']') he++;
        if (he == auth_end || he == hs) return FMCP_ERR_PARSE;
        for (q = hs; q < he; q++)
            if (!((*q >= '0' && *q <= '9') || (fmcp__lc(*q) >= 'a' && fmcp__lc(*q) <= 'f') || *q == ':' || *q == '.'))
                return FMCP_ERR_PARSE;
        out->is_ipv6 = 1;
        q = he + 1;
    } else {
        hs = p; he = p;
        while (he < auth_end && *he != ':') he++;
        if (he == hs) return FMCP_ERR_PARSE;
        for (q = hs; q < he; q++)
            if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '%' || *q == '\\')
                return FMCP_ERR_PARSE;
        q = he;
    }
    if ((size_t)(he - hs) >= sizeof out->host) return FMCP_ERR_TOO_LARGE;
    for (i = 0; i < (size_t)(he - hs); i++) out->host[i] = (char)fmcp__lc(hs[i]);
    if (q < auth_end) {
        if (*q != ':' || fmcp__url_port(q + 1, auth_end, &out->port) != FMCP_OK) return FMCP_ERR_PARSE;
    }
    p = auth_end;
    plen = strcspn(p, "#");            /* the fragment is not sent */
    for (q = p; q < p + plen; q++) if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f) return FMCP_ERR_PARSE;
    if (*p != '/') { out->path[0] = '/'; i = 1; } else i = 0;
    if (plen + i >= sizeof out->path) return FMCP_ERR_TOO_LARGE;
    memcpy(out->path + i, p, plen);
    out->path[i + plen] = 0;
    return FMCP_OK;
}

#ifndef FASTMCP_NO_SOCKETS

#include <stdlib.h>
#include <errno.h>
/* Windows: Winsock 2 (included by base) and WSAPoll through the poll back end. */
#ifndef _WIN32
#include <unistd.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#endif
#if defined(__linux__) && !defined(FASTMCP_HTTP_USE_POLL)
#  define FMCP__EPOLL 1
#  include <sys/epoll.h>
#  include <sys/eventfd.h>
#endif
#ifndef MSG_NOSIGNAL
#  define MSG_NOSIGNAL 0
#endif

#define FMCP__POOL_BUF 16384u
#define FMCP__POOL_MAX 64
#define FMCP__IN 1u
#define FMCP__OUT 2u
#define FMCP__EV_ERR 4u
#define FMCP__PIPELINE_OUT 65536u   /* unsent output that pauses reading/parsing */

/* ---- growable byte buffer ------------------------------------------------- */

typedef struct fmcp__hbuf {
    char *p;
    size_t len, cap;
} fmcp__hbuf;

static fmcp_result fmcp__hb_reserve(const fmcp_allocator *a, fmcp__hbuf *b, size_t extra)
{
    size_t need = b->len + extra, ncap;
    char *np;
    if (need < b->len) return FMCP_ERR_OVERFLOW;
    if (need <= b->cap) return FMCP_OK;
    ncap = b->cap ? b->cap : 256;
    while (ncap < need) ncap = ncap * 2 > ncap ? ncap * 2 : need;
    np = (char *)fmcp_realloc(a, b->p, b->cap, ncap);
    if (!np) return FMCP_ERR_NOMEM;
    b->p = np; b->cap = ncap;
    return FMCP_OK;
}

static fmcp_result fmcp__hb_put(const fmcp_allocator *a, fmcp__hbuf *b, const void *d, size_t n)
{
    fmcp_result r = fmcp__hb_reserve(a, b, n);
    if (r != FMCP_OK) return r;
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
    return FMCP_OK;
}

static fmcp_result fmcp__hb_puts(const fmcp_allocator *a, fmcp__hbuf *b, const char *s)
{
    return fmcp__hb_put(a, b, s, strlen(s));
}

static size_t fmcp__fmt_u(char *out, uint64_t v, unsigned base)
{
    char tmp[24]; size_t n = 0, i;
    do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
    for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

static fmcp_result fmcp__hb_putu(const fmcp_allocator *a, fmcp__hbuf *b, uint64_t v, unsigned base)
{
    char tmp[24];
    return fmcp__hb_put(a, b, tmp, fmcp__fmt_u(tmp, v, base));
}

static void fmcp__hb_free(const fmcp_allocator *a, fmcp__hbuf *b)
{
    fmcp_free(a, b->p, b->cap);
    b->p = NULL; b->len = b->cap = 0;
}

/* ---- small text helpers ---------------------------------------------------- */

/* RFC 9110 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~, as two bit masks (one
 * test per byte of every header name). */
static int fmcp__is_tchar(unsigned char c)
{
    static const uint64_t lo = 0x03ff6cfa00000000ull, hi = 0x57ffffffc7fffffeull;
    if ((unsigned)((c | 0x20) - 'a') < 26u || c == '-') return 1;   /* nearly every byte of a name */
    return c < 64 ? (int)((lo >> c) & 1) : c < 128 ? (int)((hi >> (c - 64)) & 1) : 0;
}

/* 1 when one of the 8 bytes of x is a control character other than what
 * fmcp__field_ok allows, or DEL: the cue to look at them one by one. */
static int fmcp__ctl8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t del = x ^ (0x7f * ones);
    return (((x - 0x20 * ones) & ~x) | ((del - ones) & ~del)) & high ? 1 : 0;
}

/* A field value's bytes [v, e): no controls but HTAB, no DEL. */
static int fmcp__field_ok(const char *v, const char *e)
{
    while (e - v >= 8) {
        uint64_t x;
        memcpy(&x, v, 8);
        if (fmcp__ctl8(x)) break;
        v += 8;
    }
    for (; v < e; v++)
        if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f) return 0;
    return 1;
}

/* 1 when the comma-separated list `v` contains `tok` (case-insensitive). */
static int fmcp__has_token(const char *v, const char *tok)
{
    size_t tl = strlen(tok);
    while (*v) {
        const char *s, *e;
        while (*v == ' ' || *v == '\t' || *v == ',') v++;
        s = v;
        while (*v && *v != ',') v++;
        e = v;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if ((size_t)(e - s) == tl) {
            size_t i;
            for (i = 0; i < tl && fmcp__lc((unsigned char)s[i]) == fmcp__lc((unsigned char)tok[i]); i++) {}
            if (i == tl) return 1;
        }
    }
    return 0;
}

/* Header value safe to emit: no CR, LF or NUL (NUL cannot occur in C strings). */
static int fmcp__hdr_ok(const fmcp_http_header *h, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *p;
        if (!h[i].name || !h[i].value || !*h[i].name) return 0;
        for (p = h[i].name; *p; p++) if (!fmcp__is_tchar((unsigned char)*p)) return 0;
        for (p = h[i].value; *p; p++) if (*p == '\r' || *p == '\n') return 0;
    }
    return 1;
}

static const char *fmcp__reason(int s)
{
    switch (s) {
    case 100: return "Continue"; case 101: return "Switching Protocols";
    case 200: return "OK"; case 201: return "Created"; case 202: return "Accepted";
    case 204: return "No Content"; case 206: return "Partial Content";
    case 301: return "Moved Permanently"; case 302: return "Found"; case 303: return "See Other";
    case 304: return "Not Modified"; case 307: return "Temporary Redirect"; case 308: return "Permanent Redirect";
    case 400: return "Bad Request"; case 401: return "Unauthorized"; case 403: return "Forbidden";
    case 404: return "Not Found"; case 405: return "Method Not Allowed"; case 406: return "Not Acceptable";
    case 408: return "Request Timeout"; case 409: return "Conflict"; case 410: return "Gone";
    case 411: return "Length Required"; case 413: return "Content Too Large"; case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content"; case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error"; case 501: return "Not Implemented"; case 502: return "Bad Gateway";
    case 503: return "Service Unavailable"; case 504: return "Gateway Timeout"; case 505: return "HTTP Version Not Supported";
    }
    return "Status";
}

/* IMF-fixdate (RFC 9110 5.6.7) from Unix seconds; writes 29 chars + NUL. */
static void fmcp__http_date(char out[30], int64_t t)
{
    static const char wd[] = "ThuFriSatSunMonTueWed", mo[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int64_t days = t >= 0 ? t / 86400 : 0, secs = t >= 0 ? t % 86400 : 0, y, doy, mp, d, m, era, yoe, z;
    char *o = out;
    z = days + 719468;                      /* days since 0000-03-01 */
    era = z / 146097; yoe = (z - era * 146097);
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    y = yoe + era * 400;
    doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    memcpy(o, wd + 3 * (days % 7), 3); o += 3; *o++ = ','; *o++ = ' ';
    *o++ = (char)('0' + d / 10); *o++ = (char)('0' + d % 10); *o++ = ' ';
    memcpy(o, mo + 3 * (m - 1), 3); o += 3; *o++ = ' ';
    *o++ = (char)('0' + (y / 1000) % 10); *o++ = (char)('0' + (y / 100) % 10);
    *o++ = (char)('0' + (y / 10) % 10); *o++ = (char)('0' + y % 10); *o++ = ' ';
    *o++ = (char)('0' + secs / 36000); *o++ = (char)('0' + (secs / 3600) % 10); *o++ = ':';
    *o++ = (char)('0' + (secs % 3600) / 600); *o++ = (char)('0' + (secs % 600) / 60); *o++ = ':';
    *o++ = (char)('0' + (secs % 60) / 10); *o++ = (char)('0' + secs % 10);
    memcpy(o, " GMT", 5);
}

/* Finds the end of a request head in b[start..len). Every line ends in CRLF:
 * a bare LF is refused as soon as it is seen (RFC 9112 2.2 lets a server
 * accept one, but a proxy in front that splits lines differently would see
 * other fields or another message: request smuggling). A bare CR needs no
 * scan here: it can only end up inside a line, and no request-line part,
 * field name or field value admits it. *scan is where the next search
 * resumes. 1 with *end just past the blank line, 0 for more, -1 for a bare LF. */
static int fmcp__head_end(const char *b, size_t start, size_t len, size_t *scan, size_t *end)
{
    size_t i = *scan < start ? start : *scan;
    while (i < len) {
        const char *nl = (const char *)memchr(b + i, '\n', len - i);
        if (!nl) break;
        i = (size_t)(nl - b);
        if (i == start || b[i - 1] != '\r') return -1;
        if (i >= start + 3 && b[i - 2] == '\n') { *end = i + 1; return 1; }
        i++;
    }
    *scan = len;
    return 0;
}

/* Split the header lines in [p, end) in place. Returns the count or -1.
 * lens (optional) gets each name's length, for fmcp__find_hdr_len. */
static long fmcp__parse_fields(char *p, char *end, fmcp_http_header *h, unsigned short *lens, size_t maxh)
{
    size_t n = 0;
    while (p < end) {
        char *nl = (char *)memchr(p, '\n', (size_t)(end - p)), *le, *colon, *v;
        if (!nl) return -1;
        le = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
        if (le == p) break;                          /* the blank line */
        if (*p == ' ' || *p == '\t') return -1;      /* obs-fold */
        colon = p;
        while (colon < le && fmcp__is_tchar((unsigned char)*colon)) colon++;
        if (colon == p || colon == le || *colon != ':') return -1;
        v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t')) v++;
        {
            char *ve = le;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            if (!fmcp__field_ok(v, ve)) return -1;
            if (n == maxh) return -1;
            *colon = 0; *ve = 0;
            if (lens) lens[n] = (unsigned short)(colon - p);   /* a head is far below 64 KiB */
            h[n].name = p; h[n].value = v; n++;
        }
        p = nl + 1;
    }
    return (long)n;
}

static const char *fmcp__find_hdr(const fmcp_http_header *h, size_t n, const char *name)
{
    size_t i;
    if (!name) return NULL;
    for (i = 0; i < n; i++) if (fmcp__ieq(h[i].name, name)) return h[i].value;
    return NULL;
}

/* fmcp__find_hdr with the names' lengths known: most names differ in length,
 * so few candidates reach the byte compare. */
static const char *fmcp__find_hdr_len(const fmcp_http_header *h, const unsigned short *lens, size_t n,
                                      const char *name)
{
    size_t i, len;
    if (!name) return NULL;
    len = strlen(name);
    for (i = 0; i < n; i++)   /* senders mostly spell names as we do: memcmp first */
        if (lens[i] == len && (memcmp(h[i].name, name, len) == 0 || fmcp__ieq(h[i].name, name))) return h[i].value;
    return NULL;
}

/* Strict decimal Content-Length; -1 when malformed. */
static int64_t fmcp__parse_cl(const char *v)
{
    int64_t x = 0; int n = 0;
    for (; *v; v++, n++) {
        if (*v < '0' || *v > '9' || n >= 18) return -1;
        x = x * 10 + (*v - '0');
    }
    return n ? x : -1;
}

/* ---- chunked body decoder ------------------------------------------------ */

/* Every framing line ends in CRLF; a bare LF is refused (RFC 9112 7.1 allows
 * no alternative, and an intermediary that splits lines differently would
 * see another message boundary: request smuggling). */
enum { FMCP__CK_SIZE, FMCP__CK_EXT, FMCP__CK_SIZE_LF, FMCP__CK_DATA, FMCP__CK_DATA_CR, FMCP__CK_DATA_LF,
       FMCP__CK_TRAIL_BOL, FMCP__CK_TRAIL, FMCP__CK_TRAIL_LF, FMCP__CK_END_LF, FMCP__CK_DONE };

typedef struct fmcp__chunker {
    int st, digits;
    uint64_t left;
    size_t extra;      /* bytes of extensions and trailers seen (capped) */
} fmcp__chunker;

/* One byte of chunk framing (not data); FMCP_OK or FMCP_ERR_PARSE. */
static fmcp_result fmcp__ck_byte(fmcp__chunker *k, int c)
{
    int hv;
    switch (k->st) {
    case FMCP__CK_SIZE:
        hv = fmcp__hexval(c);
        if (hv >= 0) {
            if (k->digits >= 15) return FMCP_ERR_PARSE;
            k->left = k->left * 16 + (uint64_t)hv; k->digits++; return FMCP_OK;
        }
        if (!k->digits) return FMCP_ERR_PARSE;
        if (c == ';' || c == ' ' || c == '\t') { k->st = FMCP__CK_EXT; return FMCP_OK; }
        if (c == '\r') { k->st = FMCP__CK_SIZE_LF; return FMCP_OK; }
        return FMCP_ERR_PARSE;
    case FMCP__CK_EXT:
        if (++k->extra > 4096) return FMCP_ERR_PARSE;
        if (c == '\r') { k->st = FMCP__CK_SIZE_LF; return FMCP_OK; }
        return ((c < 0x20 && c != '\t') || c == 0x7f) ? FMCP_ERR_PARSE : FMCP_OK;
    case FMCP__CK_SIZE_LF:
        if (c != '\n') return FMCP_ERR_PARSE;
        break;
    case FMCP__CK_DATA_CR:
        if (c == '\r') { k->st = FMCP__CK_DATA_LF; return FMCP_OK; }
        return FMCP_ERR_PARSE;
    case FMCP__CK_DATA_LF:
        if (c != '\n') return FMCP_ERR_PARSE;
        k->st = FMCP__CK_SIZE; k->digits = 0; return FMCP_OK;
    case FMCP__CK_TRAIL_BOL:
        if (c == '\r') { k->st = FMCP__CK_END_LF; return FMCP_OK; }
        if (c == '\n') return FMCP_ERR_PARSE;
        k->st = FMCP__CK_TRAIL;
        return FMCP_OK;
    case FMCP__CK_TRAIL:
        if (++k->extra > 8192 || c == '\n') return FMCP_ERR_PARSE;
        if (c == '\r') k->st = FMCP__CK_TRAIL_LF;
        return FMCP_OK;
    case FMCP__CK_TRAIL_LF:
        if (c != '\n') return FMCP_ERR_PARSE;
        k->st = FMCP__CK_TRAIL_BOL;
        return FMCP_OK;
    case FMCP__CK_END_LF:
        if (c != '\n') return FMCP_ERR_PARSE;
        k->st = FMCP__CK_DONE; return FMCP_OK;
    default:
        return FMCP_ERR_PARSE;
    }
    /* end of a size line */
    k->st = k->left ? FMCP__CK_DATA : FMCP__CK_TRAIL_BOL;
    return FMCP_OK;
}

/* Decode framing from in[0..n) up to the next run of chunk data, which is
 * then in[*used - *dlen, *used) (the caller takes it where it lies: the MCP
 * client streams SSE out of its read buffer). Returns 1 when the body is
 * complete, 0 when *dlen bytes of data were found or all input was framing,
 * FMCP_ERR_PARSE on bad framing (*used = where). */
static int fmcp__ck_next(fmcp__chunker *k, const char *in, size_t n, size_t *used, size_t *dlen)
{
    size_t i = 0;
    *dlen = 0;
    while (i < n && k->st != FMCP__CK_DONE) {
        if (k->st == FMCP__CK_DATA) {
            size_t take = n - i;
            if ((uint64_t)take > k->left) take = (size_t)k->left;
            i += take; k->left -= take;
            if (!k->left) k->st = FMCP__CK_DATA_CR;
            *dlen = take;
            break;
        }
        if (fmcp__ck_byte(k, (unsigned char)in[i]) != FMCP_OK) { *used = i; return FMCP_ERR_PARSE; }
        i++;
    }
    *used = i;
    return k->st == FMCP__CK_DONE ? 1 : 0;
}

/* Decode from in[0..n) into out (body capped at max). *used = bytes eaten.
 * Returns 1 when the body is complete, 0 for more, or a negative fmcp_result. */
static int fmcp__ck_feed(fmcp__chunker *k, const fmcp_allocator *a, const char *in, size_t n,
                         size_t *used, fmcp__hbuf *out, size_t max)
{
    size_t i = 0;
    for (;;) {
        size_t u, d;
        int rc = fmcp__ck_next(k, in + i, n - i, &u, &d);
        if (d) {
            fmcp_result r;
            /* a chunk that announces more than the cap is refused at once */
            if (out->len + d > max || k->left > (uint64_t)(max - out->len - d)) { *used = i + u - d; return FMCP_ERR_TOO_LARGE; }
            r = fmcp__hb_put(a, out, in + i + u - d, d);
            if (r != FMCP_OK) { *used = i + u - d; return r; }
        }
        i += u;
        if (rc != 0 || i == n) { *used = i; return rc; }
    }
}

/* ---- response heads: one parser for the loop client and the MCP client ---- */

enum { FMCP__B_NONE, FMCP__B_LEN, FMCP__B_CHUNKED, FMCP__B_CLOSE };
#define FMCP__RESP_MAX_HEADERS 100u

typedef struct fmcp__rhead {
    int status, minor;
    int bmode;          /* FMCP__B_*: how the body is framed */
    int keep;           /* the connection may carry another request afterwards */
    uint64_t length;    /* FMCP__B_LEN: Content-Length */
    size_t nheaders;
} fmcp__rhead;

/* Finds the end of a response head in b[0..len). Every line must end in
 * CRLF: a bare LF is refused as soon as it is seen (RFC 9112 2.2 lets a
 * recipient accept one, but two parsers that split lines differently is
 * how responses get smuggled). *scan (0 at first) is where to resume;
 * 1 with *end just past the blank line, 0 for more, FMCP_ERR_TOO_LARGE past
 * max bytes, FMCP_ERR_PROTOCOL for a bare LF. */
static int fmcp__rhead_end(const char *b, size_t len, size_t *scan, size_t max, size_t *end)
{
    size_t i = *scan;
    while (i < len) {
        const char *nl = (const char *)memchr(b + i, '\n', len - i);
        if (!nl) break;
        i = (size_t)(nl - b);
        if (i == 0 || b[i - 1] != '\r') return FMCP_ERR_PROTOCOL;
        if (i >= 3 && b[i - 2] == '\n') {
            if (i + 1 > max) return FMCP_ERR_TOO_LARGE;
            *end = i + 1; *scan = 0;
            return 1;
        }
        i++;
    }
    *scan = len;
    return len > max ? FMCP_ERR_TOO_LARGE : 0;
}

/* Body framing of a parsed head (RFC 9112 6.3). */
static fmcp_result fmcp__rhead_framing(fmcp__rhead *o, const fmcp_http_header *h, size_t n, int head_req)
{
    const char *te = NULL, *cl = NULL, *conn = NULL;
    size_t i, nte = 0, ncl = 0;
    for (i = 0; i < n; i++) {
        if (fmcp__ieq(h[i].name, "content-length")) { cl = h[i].value; ncl++; }
        else if (fmcp__ieq(h[i].name, "transfer-encoding")) { te = h[i].value; nte++; }
        else if (!conn && fmcp__ieq(h[i].name, "connection")) conn = h[i].value;
    }
    /* Two framings or two lengths: a proxy in front of us may have picked the
     * other one, so the next response would not be where we think. */
    if (ncl > 1 || nte > 1 || (cl && te) || (te && o->minor == 0)) return FMCP_ERR_PROTOCOL;
    if (te && !fmcp__ieq(te, "chunked")) return FMCP_ERR_UNSUPPORTED;
    o->length = 0;
    if (cl) {
        int64_t v = fmcp__parse_cl(cl);
        if (v < 0) return FMCP_ERR_PROTOCOL;
        o->length = (uint64_t)v;
    }
    o->keep = o->minor == 1 && !(conn && fmcp__has_token(conn, "close"));
    if (head_req || o->status < 200 || o->status == 204 || o->status == 304) o->bmode = FMCP__B_NONE;
    else if (te) o->bmode = FMCP__B_CHUNKED;
    else if (cl) o->bmode = FMCP__B_LEN;
    else { o->bmode = FMCP__B_CLOSE; o->keep = 0; }
    return FMCP_OK;
}

/* Parses the head t[0..end) (found by fmcp__rhead_end) in place: the status
 * line "HTTP/1.0|1 SP 3DIGIT [SP reason]", at most maxh header fields into h
 * (names and values NUL-terminated inside t), then the framing. A 101 is
 * refused (we never ask to switch); other 1xx parse with no body, for the
 * caller to skip. FMCP_OK, FMCP_ERR_PROTOCOL, _UNSUPPORTED (a transfer
 * coding other than chunked) or _TOO_LARGE (too many fields). */
static fmcp_result fmcp__rhead_parse(char *t, size_t end, fmcp_http_header *h, size_t maxh, int head_req,
                                     fmcp__rhead *o)
{
    char *nl = (char *)memchr(t, '\n', end), *le;
    size_t lines = 0, i;
    long nh;
    memset(o, 0, sizeof *o);
    if (!nl) return FMCP_ERR_PROTOCOL;
    le = nl - 1;   /* the CR (fmcp__rhead_end saw to it) */
    if (le - t < 12 || memcmp(t, "HTTP/1.", 7) != 0 || (t[7] != '0' && t[7] != '1') || t[8] != ' ' ||
        t[9] < '1' || t[9] > '9' || t[10] < '0' || t[10] > '9' || t[11] < '0' || t[11] > '9' ||
        (le - t > 12 && (t[12] != ' ' || !fmcp__field_ok(t + 13, le))))
        return FMCP_ERR_PROTOCOL;
    o->minor = t[7] - '0';
    o->status = (t[9] - '0') * 100 + (t[10] - '0') * 10 + (t[11] - '0');
    if (o->status == 101) return FMCP_ERR_PROTOCOL;
    for (i = 0; i < end; i++) lines += t[i] == '\n';
    if (lines > maxh + 2) return FMCP_ERR_TOO_LARGE;   /* the status line and the blank one */
    nh = fmcp__parse_fields(nl + 1, t + end, h, NULL, maxh);
    if (nh < 0) return FMCP_ERR_PROTOCOL;
    o->nheaders = (size_t)nh;
    return fmcp__rhead_framing(o, h, o->nheaders, head_req);
}

/* ---- event loop ------------------------------------------------------------ */

enum { FMCP__IO_WAKE, FMCP__IO_LISTEN, FMCP__IO_CONN, FMCP__IO_FETCH };

/* Every pollable object starts with this; freed objects wait on the zombie
 * list until the end of the step, so events later in a batch stay safe. */
typedef struct fmcp__io {
    int fd;
    unsigned want;
    int kind;
    int dead;
    size_t pidx;            /* poll backend slot */
    struct fmcp__io *znext;
    size_t zsize;
} fmcp__io;

typedef struct fmcp__timer {
    int64_t when;
    uint64_t id;
    fmcp_http_timer_fn fn;
    void *user;
} fmcp__timer;

/* A response piece formatted off the loop thread, waiting to be applied. */
typedef struct fmcp__op {
    struct fmcp__op *next;
    fmcp_http_req *req;
    int kind;
    int embedded;           /* the request's own abort op: not freed on its own */
    fmcp__hbuf data;
} fmcp__op;

enum { FMCP__OP_START, FMCP__OP_WRITE, FMCP__OP_FINISH, FMCP__OP_ABORT };

typedef struct fmcp__conn fmcp__conn;

struct fmcp_http_loop {
    fmcp_allocator alloc;
    const fmcp_allocator *a;
#ifdef FMCP__EPOLL
    int epfd;
#else
    fmcp__io **ios;
    size_t nios, iocap;
    struct pollfd *pfds;
    fmcp__io **snap;
#endif
    fmcp__io wake;
    int wake_wr;
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex mu;
    fmcp__thread_id owner;
#endif
    int has_owner;
    fmcp__op *qhead, *qtail;
    fmcp__op *phead, *ptail;    /* taken from the queue, being applied (loop thread) */
    int stop, woken;
    fmcp__timer *timers;
    size_t ntimers, tcap;
    uint64_t next_timer_id;
    fmcp_http_server *servers;
    fmcp_http_fetch_op *fetches;
    fmcp_http_req *reqs;
    struct fmcp__dns *dns;      /* name lookups running on helper threads */
    fmcp__io *zombies;
    char *pool[FMCP__POOL_MAX];
    size_t npool;
    int64_t date_sec;
    char date[30];
};

static void fmcp__lock(fmcp_http_loop *l)
{
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&l->mu);
#else
    (void)l;
#endif
}

static void fmcp__unlock(fmcp_http_loop *l)
{
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_unlock(&l->mu);
#else
    (void)l;
#endif
}

static void fmcp__set_nonblock(int fd)
{
    fmcp__sock_nonblock(fd);
}

static char *fmcp__pool_get(fmcp_http_loop *l)
{
    if (l->npool) return l->pool[--l->npool];
    return (char *)fmcp_malloc(l->a, FMCP__POOL_BUF);
}

/* Return a buffer: pooled when it has the standard size, else freed. */
static void fmcp__pool_put(fmcp_http_loop *l, fmcp__hbuf *b)
{
    if (!b->p) return;
    if (b->cap == FMCP__POOL_BUF && l->npool < FMCP__POOL_MAX) l->pool[l->npool++] = b->p;
    else fmcp_free(l->a, b->p, b->cap);
    b->p = NULL; b->len = b->cap = 0;
}

static fmcp_result fmcp__hb_ensure_pool(fmcp_http_loop *l, fmcp__hbuf *b)
{
    if (b->p) return FMCP_OK;
    b->p = fmcp__pool_get(l);
    if (!b->p) return FMCP_ERR_NOMEM;
    b->cap = FMCP__POOL_BUF; b->len = 0;
    return FMCP_OK;
}

static const char *fmcp__loop_date(fmcp_http_loop *l)
{
    int64_t now = fmcp_time_now();
    if (now != l->date_sec) { l->date_sec = now; fmcp__http_date(l->date, now); }
    return l->date;
}

/* ---- backend: register / modify / remove --------------------------------- */

#ifdef FMCP__EPOLL
static fmcp_result fmcp__io_add(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = ((want & FMCP__IN) ? (unsigned)EPOLLIN : 0u) | ((want & FMCP__OUT) ? (unsigned)EPOLLOUT : 0u);
    ev.data.ptr = io;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0) return FMCP_ERR_IO;
    io->want = want;
    return FMCP_OK;
}

static void fmcp__io_mod(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    struct epoll_event ev;
    if (want == io->want) return;
    memset(&ev, 0, sizeof ev);
    ev.events = ((want & FMCP__IN) ? (unsigned)EPOLLIN : 0u) | ((want & FMCP__OUT) ? (unsigned)EPOLLOUT : 0u);
    ev.data.ptr = io;
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) == 0) io->want = want;
}

static void fmcp__io_del(fmcp_http_loop *l, fmcp__io *io)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, &ev);
}
#else
/* One block holds the io list, the poll snapshot and the pollfds, so
 * growing is all-or-nothing and stepping never allocates. */
static size_t fmcp__poll_block(size_t cap)
{
    return cap * (2 * sizeof(fmcp__io *) + sizeof(struct pollfd));
}

static fmcp_result fmcp__io_add(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    if (l->nios == l->iocap) {
        size_t nc = l->iocap ? l->iocap * 2 : 16;
        char *blk = (char *)fmcp_malloc(l->a, fmcp__poll_block(nc));
        if (!blk) return FMCP_ERR_NOMEM;
        if (l->nios) memcpy(blk, l->ios, l->nios * sizeof(fmcp__io *));
        fmcp_free(l->a, l->ios, fmcp__poll_block(l->iocap));
        l->ios = (fmcp__io **)(void *)blk;
        l->snap = l->ios + nc;
        l->pfds = (struct pollfd *)(void *)(l->snap + nc);
        l->iocap = nc;
    }
    io->pidx = l->nios;
    l->ios[l->nios++] = io;
    io->want = want;
    return FMCP_OK;
}

static void fmcp__io_mod(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    (void)l;
    io->want = want;
}

static void fmcp__io_del(fmcp_http_loop *l, fmcp__io *io)
{
    size_t i = io->pidx;
    if (i >= l->nios || l->ios[i] != io) return;
    l->ios[i] = l->ios[--l->nios];
    l->ios[i]->pidx = i;
}
#endif

/* Unregister, close the fd and queue the object's memory for release. */
static void fmcp__io_retire(fmcp_http_loop *l, fmcp__io *io, size_t size)
{
    if (io->fd >= 0) { fmcp__io_del(l, io); fmcp__sock_close(io->fd); io->fd = -1; }
    io->dead = 1;
    io->zsize = size;
    io->znext = l->zombies;
    l->zombies = io;
}

static void fmcp__free_zombies(fmcp_http_loop *l)
{
    while (l->zombies) {
        fmcp__io *z = l->zombies;
        l->zombies = z->znext;
        fmcp_free(l->a, z, z->zsize);
    }
}

/* ---- timers (binary min-heap by deadline) ------------------------------- */

static void fmcp__timer_swap(fmcp__timer *t, size_t i, size_t j)
{
    fmcp__timer x = t[i]; t[i] = t[j]; t[j] = x;
}

static void fmcp__timer_up(fmcp__timer *t, size_t i)
{
    while (i > 0 && t[(i - 1) / 2].when > t[i].when) { fmcp__timer_swap(t, i, (i - 1) / 2); i = (i - 1) / 2; }
}

static void fmcp__timer_down(fmcp__timer *t, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, c = 2 * i + 1;
        if (c < n && t[c].when < t[m].when) m = c;
        if (c + 1 < n && t[c + 1].when < t[m].when) m = c + 1;
        if (m == i) return;
        fmcp__timer_swap(t, i, m); i = m;
    }
}

static void fmcp__timer_remove_at(fmcp_http_loop *l, size_t i)
{
    l->timers[i] = l->timers[--l->ntimers];
    if (i < l->ntimers) { fmcp__timer_down(l->timers, l->ntimers, i); fmcp__timer_up(l->timers, i); }
}

FASTMCP_API fmcp_result fmcp_http_timer_add(fmcp_http_loop *loop, int64_t delay_ms,
                                            fmcp_http_timer_fn fn, void *user, uint64_t *id)
{
    fmcp__timer *t;
    if (!loop || !fn) return FMCP_ERR_INVALID_ARG;
    if (loop->ntimers == loop->tcap) {
        size_t nc = loop->tcap ? loop->tcap * 2 : 8;
        t = (fmcp__timer *)fmcp_realloc(loop->a, loop->timers, loop->tcap * sizeof *t, nc * sizeof *t);
        if (!t) return FMCP_ERR_NOMEM;
        loop->timers = t; loop->tcap = nc;
    }
    t = &loop->timers[loop->ntimers];
    t->when = fmcp_monotonic_ms() + (delay_ms > 0 ? delay_ms : 0);
    t->id = ++loop->next_timer_id;
    t->fn = fn; t->user = user;
    fmcp__timer_up(loop->timers, loop->ntimers++);
    if (id) *id = loop->next_timer_id;
    return FMCP_OK;
}

FASTMCP_API void fmcp_http_timer_cancel(fmcp_http_loop *loop, uint64_t id)
{
    size_t i;
    if (!loop || !id) return;
    for (i = 0; i < loop->ntimers; i++)
        if (loop->timers[i].id == id) { fmcp__timer_remove_at(loop, i); return; }
}

static void fmcp__run_timers(fmcp_http_loop *l, int64_t now)
{
    int budget = 10000;  /* a timer re-adding itself with 0 delay cannot spin forever */
    while (l->ntimers && l->timers[0].when <= now && budget-- > 0) {
        fmcp__timer t = l->timers[0];
        fmcp__timer_remove_at(l, 0);
        t.fn(t.user);
    }
}

/* ---- wake-up --------------------------------------------------------------- */

static void fmcp__wake(fmcp_http_loop *l)
{
    /* caller holds the lock; one pending wake-up is enough */
    if (l->woken) return;
    l->woken = 1;
#ifdef FMCP__EPOLL
    {
        uint64_t one = 1;
        ssize_t n = write(l->wake_wr, &one, sizeof one);
        (void)n;
    }
#else
    {
        char c = 1;
        long n = fmcp__sock_wake_send(l->wake_wr, &c, 1);
        (void)n;
    }
#endif
}

static void fmcp__drain_wake(fmcp_http_loop *l)
{
    char buf[64];
    while (fmcp__sock_wake_recv(l->wake.fd, buf, sizeof buf) > 0) {}
    fmcp__lock(l);
    l->woken = 0;
    fmcp__unlock(l);
}

FASTMCP_API void fmcp_http_stop(fmcp_http_loop *loop)
{
    if (!loop) return;
    fmcp__lock(loop);
    loop->stop = 1;
    fmcp__wake(loop);
    fmcp__unlock(loop);
}

FASTMCP_API int fmcp_http_loop_fd(const fmcp_http_loop *loop)
{
#ifdef FMCP__EPOLL
    return loop ? loop->epfd : -1;
#else
    (void)loop;
    return -1;
#endif
}

static fmcp_result fmcp__loop_init_fds(fmcp_http_loop *l)
{
#ifdef FMCP__EPOLL
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) return FMCP_ERR_IO;
    l->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake.fd < 0) { close(l->epfd); return FMCP_ERR_IO; }
    l->wake_wr = l->wake.fd;
#elif defined(_WIN32)
    /* WSAPoll waits on sockets only: a UDP socket connected to itself is the pipe */
    struct sockaddr_in sa;
    int fd = fmcp__sock_open(AF_INET, SOCK_DGRAM, 0);
    fmcp__socklen sl = (fmcp__socklen)sizeof sa;
    if (fd < 0) return FMCP_ERR_IO;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind((SOCKET)fd, (struct sockaddr *)(void *)&sa, sizeof sa) != 0 ||
        getsockname((SOCKET)fd, (struct sockaddr *)(void *)&sa, &sl) != 0 ||
        connect((SOCKET)fd, (struct sockaddr *)(void *)&sa, sizeof sa) != 0) {
        fmcp__sock_close(fd);
        return FMCP_ERR_IO;
    }
    fmcp__set_nonblock(fd);
    l->wake.fd = fd; l->wake_wr = fd;
#else
    int p[2];
    if (pipe(p) != 0) return FMCP_ERR_IO;
    fmcp__set_nonblock(p[0]); fmcp__set_nonblock(p[1]);
    l->wake.fd = p[0]; l->wake_wr = p[1];
#endif
    l->wake.kind = FMCP__IO_WAKE;
    if (fmcp__io_add(l, &l->wake, FMCP__IN) != FMCP_OK) {
        fmcp__sock_wake_close(l->wake.fd);
        if (l->wake_wr != l->wake.fd) fmcp__sock_wake_close(l->wake_wr);
#ifdef FMCP__EPOLL
        close(l->epfd);
#endif
        return FMCP_ERR_IO;
    }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_http_loop_create(const fmcp_allocator *a, fmcp_http_loop **out)
{
    fmcp_http_loop *l;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    l = (fmcp_http_loop *)fmcp_malloc(a, sizeof *l);
    if (!l) return FMCP_ERR_NOMEM;
    memset(l, 0, sizeof *l);
    if (a) l->alloc = *a;
    l->a = &l->alloc;
    l->date_sec = -1;
#ifndef FASTMCP_NO_THREADS
    if (fmcp__mutex_init(&l->mu) != 0) { fmcp_free(a, l, sizeof *l); return FMCP_ERR_IO; }
#endif
    r = fmcp__loop_init_fds(l);
    if (r != FMCP_OK) {
#ifndef FASTMCP_NO_THREADS
        fmcp__mutex_destroy(&l->mu);
#endif
        fmcp_free(a, l, sizeof *l);
        return r;
    }
    *out = l;
    return FMCP_OK;
}

/* ---- server: types -------------------------------------------------------- */

enum { FMCP__C_HEAD, FMCP__C_BODY, FMCP__C_BUSY, FMCP__C_CLOSING, FMCP__C_LINGER };
enum { FMCP__L_NONE, FMCP__L_STREAMING, FMCP__L_DONE };
#define FMCP__LINGER_MS 2000

typedef struct fmcp__tlist {
    fmcp__conn *head, *tail;
} fmcp__tlist;

struct fmcp_http_server {
    fmcp__io io;                /* the listening socket */
    fmcp_http_loop *loop;
    fmcp_http_server *prev, *next;
    fmcp_http_server_desc d;    /* with defaults filled in */
    fmcp__conn *conns;
    size_t nconns;
    fmcp__tlist tl[3];          /* head/body deadline (408), idle/progress timeout, linger */
    uint16_t port;
    int draining;
    uint64_t grace_timer;
};

struct fmcp__conn {
    fmcp__io io;
    fmcp_http_server *srv;
    void *tc;                   /* transport connection (NULL = plain fd) */
    fmcp__conn *prev, *next;
    fmcp__conn *tprev, *tnext;
    int tl;                     /* timeout list index or -1 */
    int64_t deadline;
    fmcp__hbuf rb;
    size_t rpos, scan;
    fmcp__hbuf wb;
    size_t wpos;
    fmcp_http_req *cur;
    int state, close_after, in_process, peer_eof, want_write_io, progressed;
    fmcp__chunker ck;
    uint64_t remaining;
    int64_t phase_start;        /* first byte of the head, or end of the head (body) */
    uint64_t body_bytes;        /* body bytes taken since phase_start */
    char remote[64];
};

struct fmcp_http_req {
    fmcp_http_loop *loop;
    fmcp__conn *conn;           /* NULL once the connection is gone or done */
    fmcp_http_req *lprev, *lnext;
    int refs, lstate, ustate, lstreamed, dispatched;
    int minor, keepalive, is_head, expect100, chunked;
    int secret;                 /* the head carries credentials: wiped when released */
    int in_head, held, keep_saved;   /* on_head running; held by it; keepalive while held */
    int64_t content_length;
    size_t max_body;            /* the server's, or lower (fmcp_http_req_body_limit) */
    const char *method, *target, *path, *query;
    fmcp_http_header *hdrs;
    unsigned short *hlens;      /* each header name's length */
    size_t nhdrs;
    fmcp__hbuf body;
    fmcp_http_close_fn on_close;
    void *on_close_user;
    fmcp__op abort_op;          /* queued without allocating when finishing fails */
    size_t size;
    char remote[64];
};

/* ---- plain TCP transport (fast path when no transport is set) ------------- */

static long fmcp__sys_read(int fd, void *buf, size_t n)
{
    for (;;) {
        long r = fmcp__sock_recv(fd, buf, n);
        if (r >= 0) return r;
        if (fmcp__sock_intr()) continue;
        return fmcp__sock_again() ? FMCP_HTTP_IO_WANT_READ : FMCP_HTTP_IO_ERROR;
    }
}

static long fmcp__sys_write(int fd, const void *buf, size_t n)
{
    for (;;) {
        long r = fmcp__sock_send(fd, buf, n);
        if (r >= 0) return r;
        if (fmcp__sock_intr()) continue;
        return fmcp__sock_again() ? FMCP_HTTP_IO_WANT_WRITE : FMCP_HTTP_IO_ERROR;
    }
}

static long fmcp__conn_read_raw(fmcp__conn *c, void *buf, size_t n)
{
    const fmcp_http_io *t = c->srv->d.transport;
    return t ? t->read(c->tc, buf, n) : fmcp__sys_read(c->io.fd, buf, n);
}

static long fmcp__conn_write_raw(fmcp__conn *c, const void *buf, size_t n)
{
    const fmcp_http_io *t = c->srv->d.transport;
    return t ? t->write(c->tc, buf, n) : fmcp__sys_write(c->io.fd, buf, n);
}

/* Bytes the transport holds that no socket event will announce (TLS). */
static size_t fmcp__conn_pending(fmcp__conn *c)
{
    const fmcp_http_io *t = c->srv->d.transport;
    return (t && t->pending && c->tc) ? t->pending(c->tc) : 0;
}

/* ---- requests: lifetime ----------------------------------------------------- */

static void fmcp__req_unref(fmcp_http_req *r)
{
    fmcp_http_loop *l = r->loop;
    if (--r->refs > 0) return;
    if (r->lprev) r->lprev->lnext = r->lnext; else l->reqs = r->lnext;
    if (r->lnext) r->lnext->lprev = r->lprev;
    fmcp__hb_free(l->a, &r->body);
    if (r->secret) fmcp_wipe(r + 1, r->size - sizeof *r);   /* the head's copies: a bearer token */
    fmcp_free(l->a, r, r->size);
}

/* ---- timeout lists ---------------------------------------------------------- */

static void fmcp__tl_remove(fmcp__conn *c)
{
    fmcp__tlist *t;
    if (c->tl < 0) return;
    t = &c->srv->tl[c->tl];
    if (c->tprev) c->tprev->tnext = c->tnext; else t->head = c->tnext;
    if (c->tnext) c->tnext->tprev = c->tprev; else t->tail = c->tprev;
    c->tprev = c->tnext = NULL;
    c->tl = -1;
}

/* Keeps each list sorted by deadline. Most deadlines are "now + a fixed
 * time", so the walk back from the tail is short. */
static void fmcp__tl_put(fmcp__conn *c, int which, int64_t deadline)
{
    fmcp__tlist *t = &c->srv->tl[which];
    fmcp__conn *after;
    fmcp__tl_remove(c);
    c->tl = which; c->deadline = deadline;
    for (after = t->tail; after && after->deadline > deadline; after = after->tprev) {}
    c->tprev = after;
    c->tnext = after ? after->tnext : t->head;
    if (c->tnext) c->tnext->tprev = c; else t->tail = c;
    if (after) after->tnext = c; else t->head = c;
}

/* When a head or body that started at phase_start with `bytes` so far runs
 * out of time: its total deadline, or earlier when it has averaged less
 * than min_rate bytes/s after the grace period. */
static int64_t fmcp__phase_deadline(const fmcp_http_server_desc *d, int64_t start, int total_ms, uint64_t bytes)
{
    int64_t end = start + total_ms;
    uint64_t ms = bytes / d->min_rate * 1000 + bytes % d->min_rate * 1000 / d->min_rate;
    int64_t slow = start + d->rate_grace_ms + (ms > (uint64_t)total_ms ? (int64_t)total_ms : (int64_t)ms);
    return slow < end ? slow : end;
}

/* ---- connections: close, errors, output ------------------------------------ */

static void fmcp__conn_close(fmcp__conn *c)
{
    fmcp_http_server *s = c->srv;
    fmcp_http_loop *l = s->loop;
    fmcp_http_req *req = c->cur;
    if (c->io.dead) return;
    fmcp__tl_remove(c);
    if (c->prev) c->prev->next = c->next; else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->nconns--;
    if (c->tc && s->d.transport) s->d.transport->close(c->tc);
    c->tc = NULL;
    c->cur = NULL;
    if (c->rb.p) fmcp_wipe(c->rb.p, c->rb.len);   /* a partial head may hold a token */
    fmcp__pool_put(l, &c->rb);
    fmcp__pool_put(l, &c->wb);
    fmcp__io_retire(l, &c->io, sizeof *c);
    if (req) {
        req->conn = NULL;
        if (req->dispatched && req->lstate != FMCP__L_DONE && req->on_close)
            req->on_close(req, req->on_close_user);
        fmcp__req_unref(req);
    }
}

/* Answer a protocol error and close (after lingering). */
static void fmcp__conn_fail(fmcp__conn *c, int status)
{
    fmcp_http_loop *l = c->srv->loop;
    const char *reason = fmcp__reason(status);
    const fmcp_allocator *a = l->a;
    fmcp__hbuf *b = &c->wb;
    if (c->cur && !c->cur->dispatched) { fmcp__req_unref(c->cur); c->cur = NULL; }
    c->state = FMCP__C_CLOSING;
    if (fmcp__hb_ensure_pool(l, b) != FMCP_OK) { fmcp__conn_close(c); return; }
    if (fmcp__hb_puts(a, b, "HTTP/1.1 ") || fmcp__hb_putu(a, b, (uint64_t)status, 10) ||
        fmcp__hb_puts(a, b, " ") || fmcp__hb_puts(a, b, reason) ||
        fmcp__hb_puts(a, b, "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ") ||
        fmcp__hb_putu(a, b, strlen(reason) + 1, 10) || fmcp__hb_puts(a, b, "\r\n\r\n") ||
        fmcp__hb_puts(a, b, reason) || fmcp__hb_puts(a, b, "\n"))
        fmcp__conn_close(c);
}

static void fmcp__conn_flush(fmcp__conn *c)
{
    while (c->wpos < c->wb.len) {
        long n = fmcp__conn_write_raw(c, c->wb.p + c->wpos, c->wb.len - c->wpos);
        if (n > 0) { c->wpos += (size_t)n; c->progressed = 1; continue; }
        if (n == FMCP_HTTP_IO_WANT_WRITE || n == FMCP_HTTP_IO_WANT_READ || n == 0) {
            c->want_write_io = 1;
            return;
        }
        fmcp__conn_close(c);
        return;
    }
    c->want_write_io = 0;
}

/* Pick the timeout list after activity. Waiting on the peer (a body, or
 * output it does not read) restarts the idle timeout only on progress, so
 * our own writes to a stalled reader do not keep it alive. */
static void fmcp__conn_timeouts(fmcp__conn *c, int writing)
{
    fmcp_http_server *s = c->srv;
    int64_t now = fmcp_monotonic_ms();
    int progressed = c->progressed;
    c->progressed = 0;
    if (c->state == FMCP__C_LINGER) return;
    if (c->state == FMCP__C_BODY && !writing) {
        fmcp__tl_put(c, 0, fmcp__phase_deadline(&s->d, c->phase_start, s->d.body_timeout_ms, c->body_bytes));
    } else if (writing || c->state == FMCP__C_BODY || c->state == FMCP__C_CLOSING) {
        if (c->tl != 1 || progressed) fmcp__tl_put(c, 1, now + s->d.idle_timeout_ms);
    } else if (c->state == FMCP__C_HEAD) {
        if (c->rb.len > c->rpos) {
            if (c->tl != 0) c->phase_start = now;   /* the head's first bytes */
            fmcp__tl_put(c, 0, fmcp__phase_deadline(&s->d, c->phase_start, s->d.header_timeout_ms,
                                                    (uint64_t)(c->rb.len - c->rpos)));
        } else {
            fmcp__tl_put(c, 1, now + s->d.idle_timeout_ms);
        }
    } else {
        fmcp__tl_remove(c);
    }
}

/* After any activity: write, start lingering, release idle buffers, update
 * poll interest and timeouts. */
static void fmcp__conn_settle(fmcp__conn *c)
{
    fmcp_http_server *s = c->srv;
    unsigned want = 0;
    int writing;
    if (c->io.dead) return;
    if (c->wpos < c->wb.len) { fmcp__conn_flush(c); if (c->io.dead) return; }
    writing = c->wpos < c->wb.len;
    if (!writing) { c->wpos = 0; fmcp__pool_put(s->loop, &c->wb); }
    if (c->state == FMCP__C_CLOSING && !writing) {
        if (c->peer_eof) { fmcp__conn_close(c); return; }
        (void)shutdown(c->io.fd, SHUT_WR);
        c->state = FMCP__C_LINGER;
        c->rpos = c->rb.len = c->scan = 0;
        fmcp__tl_put(c, 2, fmcp_monotonic_ms() + FMCP__LINGER_MS);
    }
    if (c->rpos == c->rb.len) { c->rpos = c->rb.len = c->scan = 0; fmcp__pool_put(s->loop, &c->rb); }
    if (!c->peer_eof && c->state != FMCP__C_CLOSING && c->wb.len - c->wpos <= FMCP__PIPELINE_OUT &&
        !(c->state == FMCP__C_BUSY && c->rb.len - c->rpos >= s->d.max_header_bytes)) want |= FMCP__IN;
    if (writing || c->want_write_io) want |= FMCP__OUT;
    fmcp__io_mod(s->loop, &c->io, want);
    fmcp__conn_timeouts(c, writing);
}

/* ---- request head parsing ---------------------------------------------------- */

/* Request line "METHOD SP target SP HTTP/1.x"; 0 or an HTTP status. */
/* RFC 9112 3.2: origin-form ("/..."), asterisk-form ("*") or absolute-form
 * ("scheme://..."); anything else (".sse", "host:443") is a 400, so no path
 * a handler sees lacks its leading '/'. */
static int fmcp__target_form_ok(const char *t, const char *e)
{
    const char *s = t;
    if (*t == '/') return 1;
    if (*t == '*') return e == t + 1;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
    while (s < e && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                     *s == '+' || *s == '-' || *s == '.')) s++;
    return e - s > 3 && s[0] == ':' && s[1] == '/' && s[2] == '/';
}

static int fmcp__parse_reqline(fmcp_http_req *r, char *p, char *le)
{
    char *sp1, *sp2, *q;
    sp1 = p;
    while (sp1 < le && fmcp__is_tchar((unsigned char)*sp1)) sp1++;
    if (sp1 == p || sp1 == le || *sp1 != ' ') return 400;
    sp2 = sp1 + 1;
    while (sp2 < le && (unsigned char)*sp2 > 0x20 && (unsigned char)*sp2 < 0x7f) sp2++;
    if (sp2 == sp1 + 1 || sp2 == le || *sp2 != ' ') return 400;
    q = sp2 + 1;
    if (le - q != 8 || memcmp(q, "HTTP/", 5) != 0 || q[6] != '.' ||
        q[5] < '0' || q[5] > '9' || q[7] < '0' || q[7] > '9') return 400;
    if (q[5] != '1') return 505;
    if (!fmcp__target_form_ok(sp1 + 1, sp2)) return 400;
    r->minor = q[7] - '0';
    if (r->minor > 1) r->minor = 1;
    *sp1 = 0; *sp2 = 0;
    r->method = p; r->target = sp1 + 1;
    return 0;
}

/* Framing and connection semantics from the parsed fields; 0 or a status. */
static int fmcp__req_semantics(fmcp_http_req *r, size_t max_body)
{
    size_t i, hosts = 0, tes = 0, cls = 0;
    const char *te = NULL;
    r->content_length = 0;
    r->keepalive = r->minor >= 1;
    for (i = 0; i < r->nhdrs; i++) {
        const char *n = r->hdrs[i].name, *v = r->hdrs[i].value;
        size_t len = r->hlens[i];   /* the names below differ in length: one compare each */
        if (len == 4 && fmcp__ieq(n, "host")) hosts++;
        else if (len == 14 && fmcp__ieq(n, "content-length")) {
            int64_t cl = fmcp__parse_cl(v);
            if (cl < 0 || (cls && cl != r->content_length)) return 400;
            r->content_length = cl; cls++;
        } else if (len == 17 && fmcp__ieq(n, "transfer-encoding")) { te = v; tes++; }
        else if (len == 10 && fmcp__ieq(n, "connection")) {
            if (fmcp__has_token(v, "close")) r->keepalive = 0;
            else if (r->minor == 0 && fmcp__has_token(v, "keep-alive")) r->keepalive = 1;
        } else if (len == 6 && fmcp__ieq(n, "expect")) {
            if (!fmcp__ieq(v, "100-continue")) return 417;
            r->expect100 = 1;
        } else if ((len == 13 && fmcp__ieq(n, "authorization")) || (len == 6 && fmcp__ieq(n, "cookie")) ||
                   (len == 19 && fmcp__ieq(n, "proxy-authorization"))) r->secret = 1;
    }
    if (r->minor >= 1 && hosts != 1) return 400;
    if (hosts > 1) return 400;
    if (te) {
        if (cls || r->minor == 0) return 400;
        if (tes != 1 || !fmcp__ieq(te, "chunked")) return 501;
        r->chunked = 1;
    }
    if ((uint64_t)r->content_length > (uint64_t)max_body) return 413;
    r->is_head = strcmp(r->method, "HEAD") == 0;
    return 0;
}

/* Copy the head into a new request and parse it; 0, an HTTP status, or -1
 * when out of memory. */
static int fmcp__req_parse(fmcp__conn *c, const char *head, size_t hlen, fmcp_http_req **out)
{
    fmcp_http_loop *l = c->srv->loop;
    size_t lines = 0, size, i;
    fmcp_http_req *r;
    char *text, *le, *nl, *tc, *qm;
    long nh;
    int st;
    for (i = 0; i < hlen; i++) {   /* count lines by memchr: heads are mostly text between them */
        const char *lf = (const char *)memchr(head + i, '\n', hlen - i);
        if (!lf) break;
        lines++;
        i = (size_t)(lf - head);
    }
    if (lines > 102) return 431;
    size = sizeof *r + lines * (sizeof(fmcp_http_header) + sizeof(unsigned short)) + 2 * hlen + 2;
    r = (fmcp_http_req *)fmcp_malloc(l->a, size);
    if (!r) return -1;
    memset(r, 0, sizeof *r);
    r->size = size; r->loop = l; r->refs = 1; r->conn = c;
    r->lnext = l->reqs; if (l->reqs) l->reqs->lprev = r; l->reqs = r;
    memcpy(r->remote, c->remote, sizeof r->remote);
    r->hdrs = (fmcp_http_header *)(void *)(r + 1);
    r->hlens = (unsigned short *)(void *)(r->hdrs + lines);
    text = (char *)(r->hlens + lines);
    memcpy(text, head, hlen); text[hlen] = 0;
    nl = (char *)memchr(text, '\n', hlen);
    le = nl - 1;   /* the CR (fmcp__head_end saw to it) */
    st = fmcp__parse_reqline(r, text, le);
    if (!st) {
        nh = fmcp__parse_fields(nl + 1, text + hlen, r->hdrs, r->hlens, lines);
        if (nh < 0) st = 400;
        else if (nh > 100) st = 431;
        else { r->nhdrs = (size_t)nh; st = fmcp__req_semantics(r, c->srv->d.max_body_bytes); }
    }
    r->max_body = c->srv->d.max_body_bytes;
    if (st) { fmcp__req_unref(r); return st; }
    tc = text + hlen + 1;
    memcpy(tc, r->target, strlen(r->target) + 1);
    qm = strchr(tc, '?');
    if (qm) { *qm = 0; r->query = qm + 1; }
    r->path = tc;
    *out = r;
    return 0;
}

/* ---- connection processing --------------------------------------------------- */

/* The body is read now: a 413 for a declared length over the request's
 * limit, else "100 Continue" when the peer waits for it. 1 to go on. */
static int fmcp__conn_body_start(fmcp__conn *c, fmcp_http_req *req)
{
    fmcp_http_server *s = c->srv;
    if ((uint64_t)req->content_length > (uint64_t)req->max_body) { fmcp__conn_fail(c, 413); return 0; }
    if (req->expect100 && req->minor >= 1 && (req->chunked || c->remaining) && c->rpos == c->rb.len) {
        if (fmcp__hb_ensure_pool(s->loop, &c->wb) != FMCP_OK ||
            fmcp__hb_puts(s->loop->a, &c->wb, "HTTP/1.1 100 Continue\r\n\r\n") != FMCP_OK) {
            fmcp__conn_close(c);
            return 0;
        }
    }
    return 1;
}

/* on_head sees the head before the body is read. It holds a reference like
 * a handler's; a guard reference keeps req readable until we have looked.
 * While it runs (and while it holds the request) keepalive is off when a
 * body is due: an answer then leaves the body unread, so the connection
 * closes after it. 1 when the body is read now. */
static int fmcp__conn_early(fmcp__conn *c, fmcp_http_req *req)
{
    fmcp_http_server *s = c->srv;
    int answered;
    req->keep_saved = req->keepalive;
    if (req->chunked || req->content_length > 0) req->keepalive = 0;
    req->refs += 2;
    req->in_head = 1;
    s->d.on_head(req, s->d.user);
    req->in_head = 0;
    answered = req->ustate == 2;
    if (answered || req->held || req->ustate == 1) {
        /* answered: the finishing call released on_head's reference (and the
         * connection's); held or streaming: the holder finishes it later */
        if (!answered && !c->io.dead && c->cur == req) c->state = FMCP__C_BUSY;
        fmcp__req_unref(req);
        return 0;
    }
    req->keepalive = req->keep_saved;
    fmcp__req_unref(req);
    fmcp__req_unref(req);
    return !c->io.dead;
}

/* A head is complete: parse it and move to BODY. 1 when progress was made. */
static int fmcp__conn_head(fmcp__conn *c)
{
    fmcp_http_server *s = c->srv;
    size_t end = 0, hlen;
    fmcp_http_req *req = NULL;
    int st, found;
    /* empty lines (CRLF) before a request line are skipped (RFC 9112 2.2) */
    while (c->rb.len - c->rpos >= 2 && c->rb.p[c->rpos] == '\r' && c->rb.p[c->rpos + 1] == '\n') c->rpos += 2;
    if (c->rpos == c->rb.len || (c->rb.len - c->rpos == 1 && c->rb.p[c->rpos] == '\r')) return 0;
    found = fmcp__head_end(c->rb.p, c->rpos, c->rb.len, &c->scan, &end);
    if (found < 0) { fmcp__conn_fail(c, 400); return 0; }
    if (!found) {
        if (c->rb.len - c->rpos > s->d.max_header_bytes) fmcp__conn_fail(c, 431);
        return 0;
    }
    hlen = end - c->rpos;
    if (hlen > s->d.max_header_bytes) { fmcp__conn_fail(c, 431); return 0; }
    st = fmcp__req_parse(c, c->rb.p + c->rpos, hlen, &req);
    /* the request has its copy; credentials (or, unparsed, maybe) leave no trace in the pool */
    if (st || req->secret) fmcp_wipe(c->rb.p + c->rpos, hlen);
    c->rpos = end; c->scan = end;
    if (st) { fmcp__conn_fail(c, st < 0 ? 503 : st); return 0; }
    fmcp__tl_remove(c);
    c->cur = req;
    c->state = FMCP__C_BODY;
    c->phase_start = fmcp_monotonic_ms();
    c->body_bytes = 0;
    memset(&c->ck, 0, sizeof c->ck);
    c->remaining = (uint64_t)req->content_length;
    if (s->d.on_head && !fmcp__conn_early(c, req)) return 0;
    return fmcp__conn_body_start(c, req);
}

static int fmcp__conn_dispatch(fmcp__conn *c)
{
    fmcp_http_req *req = c->cur;
    fmcp_http_server *s = c->srv;
    if (fmcp__hb_reserve(s->loop->a, &req->body, 1) != FMCP_OK) { fmcp__conn_fail(c, 503); return 0; }
    req->body.p[req->body.len] = 0;
    c->state = FMCP__C_BUSY;
    req->dispatched = 1;
    req->refs++;                       /* the handler's reference */
    s->d.handler(req, s->d.user);
    return !c->io.dead && c->state == FMCP__C_HEAD;
}

/* Feed buffered bytes into the body; dispatches when complete. */
static int fmcp__conn_body(fmcp__conn *c)
{
    fmcp_http_req *req = c->cur;
    fmcp_http_server *s = c->srv;
    const fmcp_allocator *a = s->loop->a;
    size_t avail = c->rb.len - c->rpos, used = 0;
    if (req->chunked) {
        int rc = fmcp__ck_feed(&c->ck, a, c->rb.p + c->rpos, avail, &used, &req->body, req->max_body);
        c->rpos += used; c->body_bytes += used;
        if (rc < 0) { fmcp__conn_fail(c, rc == FMCP_ERR_TOO_LARGE ? 413 : rc == FMCP_ERR_NOMEM ? 503 : 400); return 0; }
        if (rc == 0) return 0;
    } else if (c->remaining) {
        size_t take = avail < c->remaining ? avail : (size_t)c->remaining;
        if (!req->body.p && fmcp__hb_reserve(a, &req->body, c->remaining < 65536 ? (size_t)c->remaining + 1 : 65536) != FMCP_OK) {
            fmcp__conn_fail(c, 503); return 0;
        }
        if (fmcp__hb_put(a, &req->body, c->rb.p + c->rpos, take) != FMCP_OK) { fmcp__conn_fail(c, 503); return 0; }
        c->rpos += take; c->remaining -= take; c->body_bytes += take;
        if (c->remaining) return 0;
    }
    return fmcp__conn_dispatch(c);
}

static void fmcp__conn_process(fmcp__conn *c)
{
    c->in_process = 1;
    while (!c->io.dead) {
        if (c->state == FMCP__C_HEAD) {
            /* a pipelining peer that does not read its answers waits */
            if (c->wb.len - c->wpos > FMCP__PIPELINE_OUT) { fmcp__conn_flush(c); if (c->io.dead || c->wb.len - c->wpos > FMCP__PIPELINE_OUT) break; }
            if (!fmcp__conn_head(c)) break;
        }
        else if (c->state == FMCP__C_BODY) { if (!fmcp__conn_body(c)) break; }
        else break;
    }
    c->in_process = 0;
}

/* The peer stopped sending. A pending request counts as abandoned (its
 * on_close runs), like a reset would: HTTP clients rarely half-close. */
static void fmcp__conn_eof(fmcp__conn *c)
{
    c->peer_eof = 1;
    if (c->state == FMCP__C_CLOSING) return;
    /* answers already made still go out before the close */
    if (c->state == FMCP__C_HEAD && c->wpos < c->wb.len) { c->state = FMCP__C_CLOSING; return; }
    fmcp__conn_close(c);
}

/* Make room for reading; 0 when reading must pause. */
static int fmcp__conn_room(fmcp__conn *c)
{
    fmcp_http_server *s = c->srv;
    if (fmcp__hb_ensure_pool(s->loop, &c->rb) != FMCP_OK) { fmcp__conn_close(c); return 0; }
    if (c->rpos > 0 && (c->rb.len == c->rb.cap || c->rpos == c->rb.len)) {
        memmove(c->rb.p, c->rb.p + c->rpos, c->rb.len - c->rpos);
        if (c->state == FMCP__C_HEAD && c->rpos < c->rb.len)   /* no stale copy of a partial head */
            fmcp_wipe(c->rb.p + c->rb.len - c->rpos, c->rpos);
        c->rb.len -= c->rpos;
        c->scan = c->scan > c->rpos ? c->scan - c->rpos : 0;
        c->rpos = 0;
    }
    if (c->rb.len < c->rb.cap) return 1;
    if (c->rb.cap >= s->d.max_header_bytes + FMCP__POOL_BUF) return 0;
    if (fmcp__hb_reserve(s->loop->a, &c->rb, c->rb.cap) != FMCP_OK) { fmcp__conn_close(c); return 0; }
    return 1;
}

static void fmcp__conn_read(fmcp__conn *c)
{
    int rounds;
    for (rounds = 0; (rounds < 4 || fmcp__conn_pending(c)) && !c->io.dead && c->state != FMCP__C_CLOSING; rounds++) {
        size_t space;
        long n;
        if (!fmcp__conn_room(c)) return;
        space = c->rb.cap - c->rb.len;
        n = fmcp__conn_read_raw(c, c->rb.p + c->rb.len, space);
        if (n > 0) {
            if (c->state == FMCP__C_LINGER) { c->rb.len = c->rpos = 0; continue; }
            c->rb.len += (size_t)n;
            c->progressed = 1;
            fmcp__conn_process(c);
            if ((size_t)n < space) return;
            continue;
        }
        if (n == 0) { fmcp__conn_eof(c); return; }
        if (n == FMCP_HTTP_IO_WANT_WRITE) c->want_write_io = 1;
        else if (n != FMCP_HTTP_IO_WANT_READ) fmcp__conn_close(c);
        return;
    }
}

static void fmcp__conn_event(fmcp__conn *c, unsigned ev)
{
    if (ev & FMCP__EV_ERR) { fmcp__conn_close(c); return; }
    if (ev & FMCP__OUT) {
        c->want_write_io = 0;
        fmcp__conn_flush(c);
        if (c->io.dead) return;
        if (c->state == FMCP__C_HEAD && c->rpos < c->rb.len) fmcp__conn_process(c);
        /* a transport read may have waited for the socket to take a TLS record */
        if (c->tc && !(ev & FMCP__IN) && (c->io.want & FMCP__IN)) fmcp__conn_read(c);
        if (c->io.dead) return;
    }
    if (ev & FMCP__IN) {
        if (!(c->io.want & FMCP__IN)) { fmcp__conn_close(c); return; } /* hang-up while paused */
        fmcp__conn_read(c);
    }
    fmcp__conn_settle(c);
}

/* ---- accepting ------------------------------------------------------------------ */

static void fmcp__fmt_addr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    unsigned port = 0;
    size_t n;
    ip[0] = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)ss;
        inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof ip);
        port = ntohs(a4->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)ss;
        inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof ip);
        port = ntohs(a6->sin6_port);
    }
    n = 0;
    if (ss->ss_family == AF_INET6 && n + 1 < cap) out[n++] = '[';
    {
        size_t il = strlen(ip);
        if (n + il + 10 >= cap) il = 0;
        memcpy(out + n, ip, il); n += il;
    }
    if (ss->ss_family == AF_INET6) out[n++] = ']';
    out[n++] = ':';
    n += fmcp__fmt_u(out + n, port, 10);
    out[n] = 0;
}

static void fmcp__srv_refuse(int fd)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 20\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
                               "Service Unavailable\n";
    long n = fmcp__sock_send(fd, busy, sizeof busy - 1);
    (void)n;
    (void)shutdown(fd, SHUT_WR);
    fmcp__sock_close(fd);
}

static void fmcp__srv_adopt(fmcp_http_server *s, int fd, const struct sockaddr_storage *ss)
{
    fmcp_http_loop *l = s->loop;
    fmcp__conn *c = (fmcp__conn *)fmcp_malloc(l->a, sizeof *c);
    int one = 1;
    if (!c) { fmcp__sock_close(fd); return; }
    memset(c, 0, sizeof *c);
    c->io.fd = fd; c->io.kind = FMCP__IO_CONN; c->srv = s; c->tl = -1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    fmcp__fmt_addr(ss, c->remote, sizeof c->remote);
    if (s->d.transport && s->d.transport->open(s->d.transport->self, fd, NULL, &c->tc) != FMCP_OK) {
        fmcp__sock_close(fd); fmcp_free(l->a, c, sizeof *c); return;
    }
    if (fmcp__io_add(l, &c->io, FMCP__IN) != FMCP_OK) {
        if (c->tc) s->d.transport->close(c->tc);
        fmcp__sock_close(fd); fmcp_free(l->a, c, sizeof *c); return;
    }
    c->next = s->conns; if (s->conns) s->conns->prev = c; s->conns = c;
    s->nconns++;
    c->phase_start = fmcp_monotonic_ms();   /* the first head's clock starts at accept */
    fmcp__tl_put(c, 0, c->phase_start + s->d.header_timeout_ms);
}

static void fmcp__srv_accept(fmcp_http_server *s)
{
    int i;
    for (i = 0; i < 64 && s->io.fd >= 0; i++) {
        struct sockaddr_storage ss;
        fmcp__socklen sl = sizeof ss;
        int fd;
        fd = fmcp__sock_accept(s->io.fd, (struct sockaddr *)(void *)&ss, &sl);
        if (fd >= 0) fmcp__set_nonblock(fd);
        if (fd < 0) { if (fmcp__sock_intr()) continue; return; }
        if (s->nconns >= s->d.max_connections) { fmcp__srv_refuse(fd); continue; }
        fmcp__srv_adopt(s, fd, &ss);
    }
}

/* ---- answering: loop side ------------------------------------------------------ */

/* Apply a formatted response piece on the loop thread. data may be NULL
 * when the bytes were written straight into the connection buffer. */
/* A finishing call failed (out of memory): the peer gets a bare 500 when
 * nothing was sent yet, else the connection closes; never a hang. */
static void fmcp__abort_conn(fmcp_http_req *req, fmcp__conn *c)
{
    static const char m[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    c->close_after = 1;
    if (req->lstreamed || fmcp__hb_ensure_pool(req->loop, &c->wb) != FMCP_OK ||
        fmcp__hb_put(req->loop->a, &c->wb, m, sizeof m - 1) != FMCP_OK) fmcp__conn_close(c);
}

static fmcp_result fmcp__apply(fmcp_http_req *req, int kind, fmcp__hbuf *data)
{
    fmcp__conn *c = req->conn;
    fmcp_result rc = c ? FMCP_OK : FMCP_ERR_CLOSED;
    if (kind == FMCP__OP_ABORT) {
        req->lstate = FMCP__L_DONE;     /* finished: no on_close when aborting closes */
        if (c && !c->io.dead) fmcp__abort_conn(req, c);
        kind = FMCP__OP_FINISH;
        rc = FMCP_ERR_CLOSED;
    }
    if (kind == FMCP__OP_START) { req->lstate = FMCP__L_STREAMING; req->lstreamed = 1; }
    if (kind == FMCP__OP_FINISH) req->lstate = FMCP__L_DONE;
    if (c && data && data->len) {
        if (fmcp__hb_ensure_pool(req->loop, &c->wb) != FMCP_OK ||
            fmcp__hb_put(req->loop->a, &c->wb, data->p, data->len) != FMCP_OK) fmcp__conn_close(c);
    }
    if (c && !c->io.dead && c->wb.len - c->wpos > c->srv->d.max_write_buffer) fmcp__conn_close(c);
    if (c && c->io.dead) c = NULL;
    if (kind == FMCP__OP_FINISH) {
        if (c) {
            int close_now = !req->keepalive || (req->lstreamed && req->minor == 0) || c->close_after || c->srv->draining;
            c->cur = NULL; req->conn = NULL;
            c->state = close_now ? FMCP__C_CLOSING : FMCP__C_HEAD;
            fmcp__req_unref(req);      /* the connection's reference */
        }
        fmcp__req_unref(req);          /* the handler's reference */
    }
    if (c && !c->in_process) { fmcp__conn_process(c); fmcp__conn_settle(c); }
    return rc;
}

/* Apply queued pieces in order. Ops move to a loop-private list first and
 * are popped one at a time, so a nested drain (a direct answer made from a
 * callback that an op triggered) continues in queue order. */
static void fmcp__drain_ops(fmcp_http_loop *l)
{
    fmcp__lock(l);
    if (l->qhead) {
        if (l->ptail) l->ptail->next = l->qhead; else l->phead = l->qhead;
        l->ptail = l->qtail;
        l->qhead = l->qtail = NULL;
    }
    fmcp__unlock(l);
    while (l->phead) {
        fmcp__op *op = l->phead;
        l->phead = op->next;
        if (!l->phead) l->ptail = NULL;
        if (op->embedded) { (void)fmcp__apply(op->req, FMCP__OP_ABORT, NULL); continue; }
        (void)fmcp__apply(op->req, op->kind, &op->data);
        fmcp__hb_free(l->a, &op->data);
        fmcp_free(l->a, op, sizeof *op);
    }
}

/* 1 on the loop thread, after applying what other threads queued before:
 * a direct write must not overtake them (nor free the request under them). */
static int fmcp__on_loop_drained(fmcp_http_loop *l)
{
    int r, queued;
#ifndef FASTMCP_NO_THREADS
    fmcp__lock(l);
    r = !l->has_owner || fmcp__thread_same(l->owner, fmcp__thread_self());
    queued = l->qhead != NULL;
    fmcp__unlock(l);
#else
    r = 1;
    queued = l->qhead != NULL;
#endif
    if (r && (queued || l->phead)) fmcp__drain_ops(l);
    return r;
}

/* ---- answering: caller side ---------------------------------------------------- */

/* Where a response piece is formatted: straight into the connection buffer
 * on the loop thread, else into a private buffer that is queued. */
typedef struct fmcp__out {
    fmcp_http_req *req;
    fmcp__hbuf *b;
    fmcp__hbuf own;
    size_t mark;
    int direct;
} fmcp__out;

static fmcp_result fmcp__out_begin(fmcp_http_req *req, fmcp__out *o)
{
    memset(o, 0, sizeof *o);
    o->req = req;
    o->direct = fmcp__on_loop_drained(req->loop);
    o->b = &o->own;
    if (o->direct && req->conn) {
        if (fmcp__hb_ensure_pool(req->loop, &req->conn->wb) != FMCP_OK) return FMCP_ERR_NOMEM;
        o->b = &req->conn->wb;
        o->mark = o->b->len;
    }
    return FMCP_OK;
}

static void fmcp__enqueue(fmcp_http_loop *l, fmcp__op *op)
{
    fmcp__lock(l);
    if (l->qtail) l->qtail->next = op; else l->qhead = op;
    l->qtail = op;
    fmcp__wake(l);
    fmcp__unlock(l);
}

/* A finishing call that could not be formatted or queued still finishes the
 * request (through its preallocated op), so it never dangles. */
static fmcp_result fmcp__out_abort(fmcp__out *o)
{
    fmcp_http_req *req = o->req;
    req->ustate = 2;
    if (o->direct) { (void)fmcp__apply(req, FMCP__OP_ABORT, NULL); return FMCP_ERR_CLOSED; }
    memset(&req->abort_op, 0, sizeof req->abort_op);
    req->abort_op.req = req; req->abort_op.kind = FMCP__OP_ABORT; req->abort_op.embedded = 1;
    fmcp__enqueue(req->loop, &req->abort_op);
    return FMCP_ERR_CLOSED;
}

static fmcp_result fmcp__out_commit(fmcp__out *o, int kind, fmcp_result fmt)
{
    fmcp_http_loop *l = o->req->loop;
    fmcp__op *op;
    if (fmt != FMCP_OK) {
        if (o->b != &o->own) o->b->len = o->mark;
        fmcp__hb_free(l->a, &o->own);
        return kind == FMCP__OP_FINISH ? fmcp__out_abort(o) : fmt;
    }
    if (o->direct) {
        fmcp__hb_free(l->a, &o->own);
        return fmcp__apply(o->req, kind, NULL);
    }
    op = (fmcp__op *)fmcp_malloc(l->a, sizeof *op);
    if (!op) {
        fmcp__hb_free(l->a, &o->own);
        return kind == FMCP__OP_FINISH ? fmcp__out_abort(o) : FMCP_ERR_NOMEM;
    }
    op->next = NULL; op->req = o->req; op->kind = kind; op->embedded = 0; op->data = o->own;
    fmcp__enqueue(l, op);
    return FMCP_OK;
}

static fmcp_result fmcp__fmt_head(fmcp__out *o, int status, const fmcp_http_header *h, size_t n,
                                  int stream, size_t clen)
{
    fmcp_http_req *r = o->req;
    const fmcp_allocator *a = r->loop->a;
    fmcp__hbuf *b = o->b;
    char date[30];
    size_t i;
    int want_close = !r->keepalive || (stream && r->minor == 0);
    fmcp_result e = FMCP_OK;
    if (o->direct) memcpy(date, fmcp__loop_date(r->loop), sizeof date);
    else fmcp__http_date(date, fmcp_time_now());
    e = fmcp__hb_reserve(a, b, 128);
    if (!e) e = fmcp__hb_puts(a, b, "HTTP/1.1 ");
    if (!e) e = fmcp__hb_putu(a, b, (uint64_t)status, 10);
    if (!e) e = fmcp__hb_puts(a, b, " ");
    if (!e) e = fmcp__hb_puts(a, b, fmcp__reason(status));
    if (!e) e = fmcp__hb_puts(a, b, "\r\n");
    for (i = 0; i < n && !e; i++) {
        e = fmcp__hb_puts(a, b, h[i].name);
        if (!e) e = fmcp__hb_put(a, b, ": ", 2);
        if (!e) e = fmcp__hb_puts(a, b, h[i].value);
        if (!e) e = fmcp__hb_put(a, b, "\r\n", 2);
    }
    if (!e) e = fmcp__hb_puts(a, b, "Date: ");
    if (!e) e = fmcp__hb_put(a, b, date, 29);
    if (!e && !stream && status != 204 && status != 304) {
        e = fmcp__hb_puts(a, b, "\r\nContent-Length: ");
        if (!e) e = fmcp__hb_putu(a, b, clen, 10);
    } else if (!e && stream && r->minor >= 1) e = fmcp__hb_puts(a, b, "\r\nTransfer-Encoding: chunked");
    if (!e && want_close) e = fmcp__hb_puts(a, b, "\r\nConnection: close");
    else if (!e && r->minor == 0) e = fmcp__hb_puts(a, b, "\r\nConnection: keep-alive");
    if (!e) e = fmcp__hb_put(a, b, "\r\n\r\n", 4);
    return e;
}

static fmcp_result fmcp__check_status(fmcp_http_req *req, int status, const fmcp_http_header *h, size_t n)
{
    if (!req) return FMCP_ERR_INVALID_ARG;
    if (status < 200 || status > 999 || (n && !h) || !fmcp__hdr_ok(h, n)) return FMCP_ERR_INVALID_ARG;
    return req->ustate == 0 ? FMCP_OK : FMCP_ERR_STATE;
}

FASTMCP_API fmcp_result fmcp_http_respond(fmcp_http_req *req, int status, const fmcp_http_header *headers,
                                          size_t nheaders, const void *body, size_t len)
{
    fmcp__out o;
    fmcp_result e = fmcp__check_status(req, status, headers, nheaders);
    if (e) return e;
    if (len && !body) return FMCP_ERR_INVALID_ARG;
    if (status == 204 || status == 304) len = 0;
    e = fmcp__out_begin(req, &o);
    if (!e && !o.direct) {   /* a private buffer: size it once, not by doubling */
        size_t need = 256 + len, i;
        for (i = 0; i < nheaders; i++) need += strlen(headers[i].name) + strlen(headers[i].value) + 4;
        e = fmcp__hb_reserve(req->loop->a, o.b, need);
    }
    if (!e) e = fmcp__fmt_head(&o, status, headers, nheaders, 0, len);
    if (!e && !req->is_head && len) e = fmcp__hb_put(req->loop->a, o.b, body, len);
    if (e == FMCP_OK) req->ustate = 2;
    return fmcp__out_commit(&o, FMCP__OP_FINISH, e);
}

FASTMCP_API fmcp_result fmcp_http_stream_start(fmcp_http_req *req, int status,
                                               const fmcp_http_header *headers, size_t nheaders)
{
    fmcp__out o;
    fmcp_result e = fmcp__check_status(req, status, headers, nheaders);
    if (e) return e;
    e = fmcp__out_begin(req, &o);
    if (!e) e = fmcp__fmt_head(&o, status, headers, nheaders, 1, 0);
    if (e == FMCP_OK) req->ustate = 1;
    return fmcp__out_commit(&o, FMCP__OP_START, e);
}

/* Chunk framing around len bytes already appended at o->b from `start`. */
static fmcp_result fmcp__frame_chunk(fmcp__out *o, const void *data, size_t len)
{
    const fmcp_allocator *a = o->req->loop->a;
    fmcp_result e;
    if (o->req->is_head || !len) return FMCP_OK;
    if (o->req->minor == 0) return fmcp__hb_put(a, o->b, data, len);
    e = fmcp__hb_putu(a, o->b, len, 16);
    if (!e) e = fmcp__hb_put(a, o->b, "\r\n", 2);
    if (!e) e = fmcp__hb_put(a, o->b, data, len);
    if (!e) e = fmcp__hb_put(a, o->b, "\r\n", 2);
    return e;
}

FASTMCP_API fmcp_result fmcp_http_stream_write(fmcp_http_req *req, const void *data, size_t len)
{
    fmcp__out o;
    fmcp_result e;
    if (!req || (len && !data)) return FMCP_ERR_INVALID_ARG;
    if (req->ustate != 1) return FMCP_ERR_STATE;
    if (!len) return FMCP_OK;
    e = fmcp__out_begin(req, &o);
    if (!e) e = fmcp__frame_chunk(&o, data, len);
    return fmcp__out_commit(&o, FMCP__OP_WRITE, e);
}

/* One SSE field per line of `v` ("data: a\ndata: b\n"). */
static fmcp_result fmcp__sse_field(const fmcp_allocator *a, fmcp__hbuf *b, const char *name, const char *v)
{
    fmcp_result e = FMCP_OK;
    do {
        size_t n = strcspn(v, "\r\n");
        e = fmcp__hb_puts(a, b, name);
        if (!e) e = fmcp__hb_put(a, b, v, n);
        if (!e) e = fmcp__hb_put(a, b, "\n", 1);
        v += n;
        if (*v == '\r' && v[1] == '\n') v++;
        if (*v) v++; else break;
    } while (!e);
    return e;
}

FASTMCP_API fmcp_result fmcp_http_sse_send(fmcp_http_req *req, const char *id, const char *event,
                                           const char *data)
{
    fmcp_http_loop *l;
    fmcp__hbuf ev;
    fmcp_result e = FMCP_OK;
    if (!req) return FMCP_ERR_INVALID_ARG;
    if ((id && strpbrk(id, "\r\n")) || (event && strpbrk(event, "\r\n"))) return FMCP_ERR_INVALID_ARG;
    l = req->loop;
    memset(&ev, 0, sizeof ev);
    if (!data) e = fmcp__hb_puts(l->a, &ev, ": keepalive\n");
    else {
        if (id) e = fmcp__sse_field(l->a, &ev, "id: ", id);
        if (!e && event) e = fmcp__sse_field(l->a, &ev, "event: ", event);
        if (!e) e = fmcp__sse_field(l->a, &ev, "data: ", data);
    }
    if (!e) e = fmcp__hb_put(l->a, &ev, "\n", 1);
    if (!e) e = fmcp_http_stream_write(req, ev.p, ev.len);
    fmcp__hb_free(l->a, &ev);
    return e;
}

FASTMCP_API fmcp_result fmcp_http_stream_end(fmcp_http_req *req)
{
    fmcp__out o;
    fmcp_result e;
    if (!req) return FMCP_ERR_INVALID_ARG;
    if (req->ustate != 1) return FMCP_ERR_STATE;
    e = fmcp__out_begin(req, &o);
    if (!e && req->minor >= 1 && !req->is_head) e = fmcp__hb_put(req->loop->a, o.b, "0\r\n\r\n", 5);
    if (e == FMCP_OK) req->ustate = 2;
    return fmcp__out_commit(&o, FMCP__OP_FINISH, e);
}

/* ---- request accessors ---------------------------------------------------------- */

FASTMCP_API const char *fmcp_http_req_method(const fmcp_http_req *req) { return req ? req->method : NULL; }
FASTMCP_API const char *fmcp_http_req_target(const fmcp_http_req *req) { return req ? req->target : NULL; }
FASTMCP_API const char *fmcp_http_req_path(const fmcp_http_req *req) { return req ? req->path : NULL; }
FASTMCP_API const char *fmcp_http_req_query(const fmcp_http_req *req) { return req ? req->query : NULL; }
FASTMCP_API const char *fmcp_http_req_remote(const fmcp_http_req *req) { return req ? req->remote : NULL; }

FASTMCP_API const char *fmcp_http_req_header(const fmcp_http_req *req, const char *name)
{
    return req ? fmcp__find_hdr_len(req->hdrs, req->hlens, req->nhdrs, name) : NULL;
}

FASTMCP_API int fmcp_http_req_header_at(const fmcp_http_req *req, size_t i, const char **name, const char **value)
{
    if (!req || i >= req->nhdrs) return 0;
    if (name) *name = req->hdrs[i].name;
    if (value) *value = req->hdrs[i].value;
    return 1;
}

FASTMCP_API const char *fmcp_http_req_body(const fmcp_http_req *req, size_t *len)
{
    if (len) *len = req ? req->body.len : 0;
    return (req && req->body.p) ? req->body.p : "";
}

FASTMCP_API void fmcp_http_req_on_close(fmcp_http_req *req, fmcp_http_close_fn fn, void *user)
{
    if (!req) return;
    req->on_close = fn;
    req->on_close_user = user;
}

FASTMCP_API int64_t fmcp_http_req_content_length(const fmcp_http_req *req)
{
    return !req ? 0 : req->chunked ? -1 : req->content_length;
}

FASTMCP_API void fmcp_http_req_body_limit(fmcp_http_req *req, size_t max)
{
    if (req && req->in_head && max < req->max_body) req->max_body = max;
}

FASTMCP_API void fmcp_http_req_hold(fmcp_http_req *req)
{
    if (req && req->in_head) req->held = 1;
}

FASTMCP_API fmcp_result fmcp_http_req_resume(fmcp_http_req *req)
{
    fmcp__conn *c;
    if (!req || !req->held || req->ustate) return FMCP_ERR_STATE;
    req->held = 0;
    if (req->in_head) return FMCP_OK;   /* un-held before on_head returned: read on as usual */
    c = req->conn;
    req->keepalive = req->keep_saved;
    fmcp__req_unref(req);               /* the holder's reference; the connection keeps its own */
    if (!c || c->io.dead) return FMCP_ERR_CLOSED;
    c->state = FMCP__C_BODY;
    c->phase_start = fmcp_monotonic_ms();   /* the body's deadline starts now */
    c->body_bytes = 0;
    if (fmcp__conn_body_start(c, req) && !c->in_process) fmcp__conn_process(c);
    if (!c->in_process) fmcp__conn_settle(c);
    return FMCP_OK;
}

/* ---- servers ---------------------------------------------------------------------- */

FASTMCP_API int fmcp_http_addr_kind(const char *host)
{
    char buf[64];
    unsigned char a[16];
    size_t n, i, zero = 0;
    if (!host) return FMCP_HTTP_ADDR_LOOPBACK;
    n = strlen(host);
    if (n && host[0] == '[' && host[n - 1] == ']') { host++; n -= 2; }
    if (n == 0) return FMCP_HTTP_ADDR_ANY;
    if (n >= sizeof buf) return FMCP_HTTP_ADDR_OTHER;
    memcpy(buf, host, n); buf[n] = 0;
    if (fmcp__ieq(buf, "localhost")) return FMCP_HTTP_ADDR_LOOPBACK;
    if (inet_pton(AF_INET, buf, a) == 1) {
        if (a[0] == 127) return FMCP_HTTP_ADDR_LOOPBACK;
        return (a[0] | a[1] | a[2] | a[3]) ? FMCP_HTTP_ADDR_OTHER : FMCP_HTTP_ADDR_ANY;
    }
    if (inet_pton(AF_INET6, buf, a) != 1) return FMCP_HTTP_ADDR_OTHER;
    for (i = 0; i < 10; i++) zero += a[i] == 0;
    if (zero == 10 && a[10] == 0xff && a[11] == 0xff) {   /* ::ffff:a.b.c.d, IPv4-mapped */
        if (a[12] == 127) return FMCP_HTTP_ADDR_LOOPBACK;
        return (a[12] | a[13] | a[14] | a[15]) ? FMCP_HTTP_ADDR_OTHER : FMCP_HTTP_ADDR_ANY;
    }
    for (i = 10; i < 15; i++) zero += a[i] == 0;
    if (zero == 15 && a[15] == 1) return FMCP_HTTP_ADDR_LOOPBACK;
    return zero == 15 && a[15] == 0 ? FMCP_HTTP_ADDR_ANY : FMCP_HTTP_ADDR_OTHER;
}

static fmcp_result fmcp__listen_on(fmcp_http_server *s, const char *host, uint16_t port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char ps[24];
    int fd = -1, one = 1;
    fmcp_result r = FMCP_ERR_IO;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; hints.ai_socktype = SOCK_STREAM; hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    ps[fmcp__fmt_u(ps, port, 10)] = 0;
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res) return FMCP_ERR_NOT_FOUND;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = fmcp__sock_open(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        fmcp__set_nonblock(fd);
#ifdef _WIN32
        /* SO_REUSEADDR would let another socket take the port over on Windows */
        (void)setsockopt((SOCKET)fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one);
#else
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#endif
#ifdef SO_REUSEPORT
        if (s->d.reuse_port) (void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
#endif
        if (bind(fd, ai->ai_addr, (fmcp__socklen)ai->ai_addrlen) == 0 && listen(fd, s->d.backlog) == 0) break;
        fmcp__sock_close(fd); fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return r;
    {
        struct sockaddr_storage ss;
        fmcp__socklen sl = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)(void *)&ss, &sl) == 0)
            s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)(void *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)(void *)&ss)->sin_port);
    }
    s->io.fd = fd;
    return FMCP_OK;
}

static void fmcp__srv_defaults(fmcp_http_server_desc *d)
{
    if (!d->host) d->host = "127.0.0.1";
    if (!d->backlog) d->backlog = 511;
    if (!d->max_header_bytes) d->max_header_bytes = FMCP_HTTP_MAX_HEADER_BYTES;
    if (!d->max_body_bytes) d->max_body_bytes = FMCP_HTTP_MAX_BODY_BYTES;
    if (!d->max_connections) d->max_connections = FMCP_HTTP_MAX_CONNECTIONS;
    if (!d->max_write_buffer) d->max_write_buffer = FMCP_HTTP_MAX_WRITE_BUFFER;
    if (d->header_timeout_ms <= 0) d->header_timeout_ms = FMCP_HTTP_HEADER_TIMEOUT_MS;
    if (d->idle_timeout_ms <= 0) d->idle_timeout_ms = FMCP_HTTP_IDLE_TIMEOUT_MS;
    if (d->body_timeout_ms <= 0) d->body_timeout_ms = FMCP_HTTP_BODY_TIMEOUT_MS;
    if (!d->min_rate) d->min_rate = FMCP_HTTP_MIN_RATE;
    if (d->rate_grace_ms <= 0) d->rate_grace_ms = FMCP_HTTP_RATE_GRACE_MS;
}

FASTMCP_API fmcp_result fmcp_http_server_create(fmcp_http_loop *loop, const fmcp_http_server_desc *desc,
                                               fmcp_http_server **out)
{
    fmcp_http_server *s;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (!loop || !desc || !desc->handler) return FMCP_ERR_INVALID_ARG;
    s = (fmcp_http_server *)fmcp_malloc(loop->a, sizeof *s);
    if (!s) return FMCP_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->d = *desc;
    fmcp__srv_defaults(&s->d);
    s->loop = loop; s->io.kind = FMCP__IO_LISTEN; s->io.fd = -1;
    r = fmcp__listen_on(s, s->d.host, s->d.port);
    if (r == FMCP_OK && fmcp__io_add(loop, &s->io, FMCP__IN) != FMCP_OK) { fmcp__sock_close(s->io.fd); r = FMCP_ERR_NOMEM; }
    if (r != FMCP_OK) { fmcp_free(loop->a, s, sizeof *s); return r; }
    s->next = loop->servers; if (loop->servers) loop->servers->prev = s; loop->servers = s;
    *out = s;
    return FMCP_OK;
}

FASTMCP_API uint16_t fmcp_http_server_port(const fmcp_http_server *srv) { return srv ? srv->port : 0; }
FASTMCP_API size_t fmcp_http_server_connections(const fmcp_http_server *srv) { return srv ? srv->nconns : 0; }

static void fmcp__srv_close_all(fmcp_http_server *s)
{
    while (s->conns) fmcp__conn_close(s->conns);
}

static void fmcp__srv_grace(void *user)
{
    fmcp_http_server *s = (fmcp_http_server *)user;
    s->grace_timer = 0;
    fmcp__srv_close_all(s);
}

FASTMCP_API void fmcp_http_server_shutdown(fmcp_http_server *srv, int grace_ms)
{
    fmcp__conn *c, *next;
    if (!srv || srv->draining) return;
    srv->draining = 1;
    if (srv->io.fd >= 0) { fmcp__io_del(srv->loop, &srv->io); fmcp__sock_close(srv->io.fd); srv->io.fd = -1; }
    for (c = srv->conns; c; c = next) {
        next = c->next;
        if (c->state == FMCP__C_BUSY) c->close_after = 1;
        else if (c->state != FMCP__C_CLOSING || c->wpos == c->wb.len) fmcp__conn_close(c);
    }
    if (srv->conns && fmcp_http_timer_add(srv->loop, grace_ms, fmcp__srv_grace, srv, &srv->grace_timer) != FMCP_OK)
        fmcp__srv_close_all(srv);
}

FASTMCP_API void fmcp_http_server_destroy(fmcp_http_server *srv)
{
    fmcp_http_loop *l;
    if (!srv) return;
    l = srv->loop;
    fmcp_http_timer_cancel(l, srv->grace_timer);
    fmcp__srv_close_all(srv);
    if (srv->prev) srv->prev->next = srv->next; else l->servers = srv->next;
    if (srv->next) srv->next->prev = srv->prev;
    fmcp__io_retire(l, &srv->io, sizeof *srv);
}

static void fmcp__srv_sweep(fmcp_http_server *s, int64_t now)
{
    fmcp__conn *c;
    while ((c = s->tl[0].head) != NULL && c->deadline <= now) {
        /* 408 only for a started request: a stale 408 on an unused
         * connection could be read as the answer to a later request */
        if (c->rb.len <= c->rpos && !c->cur) { fmcp__conn_close(c); continue; }
        fmcp__tl_remove(c);
        fmcp__conn_fail(c, 408);
        fmcp__conn_settle(c);
    }
    while ((c = s->tl[1].head) != NULL && c->deadline <= now) fmcp__conn_close(c);
    while ((c = s->tl[2].head) != NULL && c->deadline <= now) fmcp__conn_close(c);
}

/* ---- stepping ------------------------------------------------------------------------ */

static void fmcp__fetch_event(fmcp_http_fetch_op *op, unsigned ev);
#ifndef FASTMCP_NO_THREADS
static void fmcp__dns_poll(fmcp_http_loop *l, int wait_all);
#endif

static void fmcp__dispatch(fmcp_http_loop *l, fmcp__io *io, unsigned ev)
{
    if (io->dead) return;
    switch (io->kind) {
    case FMCP__IO_WAKE: fmcp__drain_wake(l); break;
    case FMCP__IO_LISTEN: fmcp__srv_accept((fmcp_http_server *)(void *)io); break;
    case FMCP__IO_CONN: fmcp__conn_event((fmcp__conn *)(void *)io, ev); break;
    default: fmcp__fetch_event((fmcp_http_fetch_op *)(void *)io, ev); break;
    }
}

FASTMCP_API int fmcp_http_next_timeout_ms(fmcp_http_loop *loop)
{
    int64_t best = -1, now;
    fmcp_http_server *s;
    int i;
    if (!loop) return -1;
    if (loop->ntimers) best = loop->timers[0].when;
    for (s = loop->servers; s; s = s->next)
        for (i = 0; i < 3; i++)
            if (s->tl[i].head && (best < 0 || s->tl[i].head->deadline < best)) best = s->tl[i].head->deadline;
    if (best < 0) return -1;
    now = fmcp_monotonic_ms();
    if (best <= now) return 0;
    return best - now > 3600000 ? 3600000 : (int)(best - now);
}

#ifdef FMCP__EPOLL
static fmcp_result fmcp__wait(fmcp_http_loop *l, int wait)
{
    struct epoll_event ev[128];
    int n, i;
    n = epoll_wait(l->epfd, ev, 128, wait);
    if (n < 0) return errno == EINTR ? FMCP_OK : FMCP_ERR_IO;
    for (i = 0; i < n; i++) {
        unsigned e = 0;
        if (ev[i].events & (EPOLLIN | EPOLLHUP)) e |= FMCP__IN;
        if (ev[i].events & EPOLLOUT) e |= FMCP__OUT;
        if (ev[i].events & EPOLLERR) e |= FMCP__EV_ERR;
        fmcp__dispatch(l, (fmcp__io *)ev[i].data.ptr, e);
    }
    return FMCP_OK;
}
#else
static fmcp_result fmcp__wait(fmcp_http_loop *l, int wait)
{
    size_t i, n = l->nios;
    int rc;
    for (i = 0; i < n; i++) {
        fmcp__io *io = l->ios[i];
        l->snap[i] = io;
        l->pfds[i].fd = io->fd;
        l->pfds[i].events = (short)(((io->want & FMCP__IN) ? POLLIN : 0) | ((io->want & FMCP__OUT) ? POLLOUT : 0));
        l->pfds[i].revents = 0;
    }
    rc = fmcp__sock_poll(l->pfds, n, wait);
    if (rc < 0) return fmcp__sock_intr() ? FMCP_OK : FMCP_ERR_IO;
    for (i = 0; i < n && rc > 0; i++) {
        short re = l->pfds[i].revents;
        unsigned e = 0;
        if (!re) continue;
        rc--;
        if (re & (POLLIN | POLLHUP)) e |= FMCP__IN;
        if (re & POLLOUT) e |= FMCP__OUT;
        if (re & (POLLERR | POLLNVAL)) e |= FMCP__EV_ERR;
        fmcp__dispatch(l, l->snap[i], e);
    }
    return FMCP_OK;
}
#endif

FASTMCP_API fmcp_result fmcp_http_step(fmcp_http_loop *loop, int timeout_ms)
{
    int wait, nt;
    fmcp_result r;
    fmcp_http_server *s, *snext;
    if (!loop) return FMCP_ERR_INVALID_ARG;
    fmcp__lock(loop);
#ifndef FASTMCP_NO_THREADS
    loop->owner = fmcp__thread_self();
#endif
    loop->has_owner = 1;
    wait = (loop->qhead || loop->stop) ? 0 : timeout_ms;
    fmcp__unlock(loop);
    nt = fmcp_http_next_timeout_ms(loop);
    if (nt >= 0 && (wait < 0 || nt < wait)) wait = nt;
    r = fmcp__wait(loop, wait);
    fmcp__drain_ops(loop);
#ifndef FASTMCP_NO_THREADS
    if (loop->dns) fmcp__dns_poll(loop, 0);
#endif
    fmcp__run_timers(loop, fmcp_monotonic_ms());
    for (s = loop->servers; s; s = snext) { snext = s->next; fmcp__srv_sweep(s, fmcp_monotonic_ms()); }
    fmcp__free_zombies(loop);
    return r;
}

FASTMCP_API fmcp_result fmcp_http_run(fmcp_http_loop *loop)
{
    fmcp_result r = FMCP_OK;
    if (!loop) return FMCP_ERR_INVALID_ARG;
    for (;;) {
        int stop;
        fmcp__lock(loop);
        stop = loop->stop;
        loop->stop = 0;
        fmcp__unlock(loop);
        if (stop) break;
        r = fmcp_http_step(loop, -1);
        if (r != FMCP_OK) break;
    }
    return r;
}

static void fmcp__fetch_finish(fmcp_http_fetch_op *op, fmcp_result rc, fmcp_http_response *res);

FASTMCP_API void fmcp_http_loop_destroy(fmcp_http_loop *loop)
{
    const fmcp_allocator *a;
    fmcp_allocator copy;
    if (!loop) return;
    while (loop->servers) fmcp_http_server_destroy(loop->servers);
    while (loop->fetches) fmcp__fetch_finish(loop->fetches, FMCP_ERR_CANCELLED, NULL);
#ifndef FASTMCP_NO_THREADS
    fmcp__dns_poll(loop, 1);
#endif
    fmcp__drain_ops(loop);
    while (loop->reqs) { loop->reqs->refs = 1; fmcp__req_unref(loop->reqs); }
    fmcp__free_zombies(loop);
    copy = loop->alloc;
    a = &copy;
    while (loop->npool) fmcp_free(a, loop->pool[--loop->npool], FMCP__POOL_BUF);
    fmcp_free(a, loop->timers, loop->tcap * sizeof *loop->timers);
#ifdef FMCP__EPOLL
    close(loop->epfd);
#else
    fmcp_free(a, loop->ios, fmcp__poll_block(loop->iocap));
    if (loop->wake_wr != loop->wake.fd) fmcp__sock_wake_close(loop->wake_wr);
#endif
    fmcp__sock_wake_close(loop->wake.fd);
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_destroy(&loop->mu);
#endif
    fmcp_free(a, loop, sizeof *loop);
}

/* ---- client ---------------------------------------------------------------------------- */

enum { FMCP__F_CONNECT, FMCP__F_SEND, FMCP__F_HEAD, FMCP__F_BODY };
#define FMCP__MAX_RESP_HEAD 65536u

typedef struct fmcp__resp {
    fmcp_http_response pub;
    fmcp_allocator alloc;
    size_t size;
    fmcp__hbuf body;
} fmcp__resp;

struct fmcp_http_fetch_op {
    fmcp__io io;
    fmcp_http_loop *loop;
    fmcp_http_fetch_op *prev, *next;
    const fmcp_http_io *tr;
    void *tc;
    struct addrinfo *ai, *cur;
    struct fmcp__dns *dns;      /* pending lookup, if any */
    fmcp__hbuf out, in;
    size_t opos, scan, max;
    fmcp__resp *res;
    int state, bmode, head_req;
    uint64_t remaining, timer;
    fmcp__chunker ck;
    fmcp_http_fetch_cb cb;
    void *user;
    char *errbuf;
    size_t errlen;
    char host[256];
};

FASTMCP_API void fmcp_http_response_destroy(fmcp_http_response *res)
{
    fmcp__resp *r = (fmcp__resp *)(void *)res;
    fmcp_allocator a;
    if (!r) return;
    a = r->alloc;
    fmcp__hb_free(&a, &r->body);
    fmcp_free(&a, r, r->size);
}

FASTMCP_API const char *fmcp_http_response_header(const fmcp_http_response *res, const char *name)
{
    return res ? fmcp__find_hdr(res->headers, res->nheaders, name) : NULL;
}

static void fmcp__set_err(char *buf, size_t cap, const char *msg)
{
    size_t n;
    if (!buf || !cap) return;
    n = strlen(msg);
    if (n >= cap) n = cap - 1;
    memcpy(buf, msg, n);
    buf[n] = 0;
}

#ifndef FASTMCP_NO_THREADS
struct fmcp__dns {
    struct fmcp__dns *next;
    fmcp_http_loop *loop;
    fmcp_http_fetch_op *op;     /* NULL once the request is gone */
    fmcp__thread th;
    struct addrinfo *ai;
    int done;
    char host[256], port[24];
};
#endif

static void fmcp__fetch_detach_dns(fmcp_http_fetch_op *op)
{
#ifndef FASTMCP_NO_THREADS
    if (op->dns) { op->dns->op = NULL; op->dns = NULL; }
#else
    (void)op;
#endif
}

static void fmcp__fetch_finish(fmcp_http_fetch_op *op, fmcp_result rc, fmcp_http_response *res)
{
    fmcp_http_loop *l = op->loop;
    fmcp_http_fetch_cb cb = op->cb;
    void *user = op->user;
    if (op->prev) op->prev->next = op->next; else l->fetches = op->next;
    if (op->next) op->next->prev = op->prev;
    fmcp_http_timer_cancel(l, op->timer);
    fmcp__fetch_detach_dns(op);
    if (op->tc && op->tr) op->tr->close(op->tc);
    if (op->ai) freeaddrinfo(op->ai);
    fmcp__hb_free(l->a, &op->out);
    fmcp__hb_free(l->a, &op->in);
    if (op->res && &op->res->pub != res) fmcp_http_response_destroy(&op->res->pub);
    if (rc != FMCP_OK && !op->errbuf[0]) fmcp__set_err(op->errbuf, op->errlen, fmcp_result_str(rc));
    fmcp__io_retire(l, &op->io, sizeof *op);
    if (cb) cb(user, rc, res);
    else if (res) fmcp_http_response_destroy(res);
}

static void fmcp__fetch_fail(fmcp_http_fetch_op *op, fmcp_result rc, const char *why)
{
    if (why) fmcp__set_err(op->errbuf, op->errlen, why);
    fmcp__fetch_finish(op, rc, NULL);
}

static void fmcp__fetch_timeout(void *user)
{
    fmcp_http_fetch_op *op = (fmcp_http_fetch_op *)user;
    op->timer = 0;
    fmcp__fetch_fail(op, FMCP_ERR_TIMEOUT, "request timed out");
}

/* Opens a non-blocking, close-on-exec TCP socket to ai and starts the
 * connect (both clients): 0 connected, 1 in progress (wait for writable,
 * then fmcp__tcp_result), -1 failed (nothing left open). */
static int fmcp__tcp_begin(const struct addrinfo *ai, int *fdo)
{
    int fd = fmcp__sock_open(ai->ai_family, SOCK_STREAM, 0), rc, one = 1;
    if (fd < 0) return -1;
    fmcp__sock_nonblock(fd);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    do { rc = connect(fd, ai->ai_addr, (fmcp__socklen)ai->ai_addrlen); } while (rc != 0 && fmcp__sock_intr());
    if (rc != 0 && !fmcp__sock_inprogress()) { fmcp__sock_close(fd); return -1; }
    *fdo = fd;
    return rc == 0 ? 0 : 1;
}

/* After an in-progress connect turned writable: 1 when it succeeded. */
static int fmcp__tcp_result(int fd)
{
    int err = 0;
    fmcp__socklen sl = sizeof err;
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, (char *)&err, &sl) == 0 && err == 0;
}

/* Start a non-blocking connect to the next address; 0 when none is left. */
static int fmcp__fetch_connect_next(fmcp_http_fetch_op *op)
{
    fmcp_http_loop *l = op->loop;
    if (op->io.fd >= 0) { fmcp__io_del(l, &op->io); fmcp__sock_close(op->io.fd); op->io.fd = -1; }
    for (; op->cur; op->cur = op->cur->ai_next) {
        int fd = -1;
        if (fmcp__tcp_begin(op->cur, &fd) < 0) continue;
        op->io.fd = fd;
        if (fmcp__io_add(l, &op->io, FMCP__OUT) != FMCP_OK) { fmcp__sock_close(fd); op->io.fd = -1; return 0; }
        op->cur = op->cur->ai_next;
        return 1;
    }
    return 0;
}

static void fmcp__fetch_connected(fmcp_http_fetch_op *op)
{
    if (!fmcp__tcp_result(op->io.fd)) {
        if (!fmcp__fetch_connect_next(op)) fmcp__fetch_fail(op, FMCP_ERR_IO, "connection failed");
        return;
    }
    if (op->tr && op->tr->open(op->tr->self, op->io.fd, op->host, &op->tc) != FMCP_OK) {
        fmcp__fetch_fail(op, FMCP_ERR_IO, "transport open failed");
        return;
    }
    op->state = FMCP__F_SEND;
}

static long fmcp__fetch_io(fmcp_http_fetch_op *op, int wr, void *buf, size_t n)
{
    if (op->tr) return wr ? op->tr->write(op->tc, buf, n) : op->tr->read(op->tc, buf, n);
    return wr ? fmcp__sys_write(op->io.fd, buf, n) : fmcp__sys_read(op->io.fd, buf, n);
}

/* Parse a complete response head at the start of op->in. 1 = parsed (maybe
 * a 1xx that was skipped), 0 = need more, <0 = error. */
static int fmcp__fetch_head(fmcp_http_fetch_op *op)
{
    fmcp_http_loop *l = op->loop;
    size_t end = 0, lines = 0, i, size;
    fmcp__resp *r;
    fmcp__rhead h;
    char *text;
    fmcp_result e;
    int found = fmcp__rhead_end(op->in.p, op->in.len, &op->scan, FMCP__MAX_RESP_HEAD, &end);
    if (found <= 0) return found;
    for (i = 0; i < end; i++) lines += op->in.p[i] == '\n';
    if (lines > FMCP__RESP_MAX_HEADERS + 2) return FMCP_ERR_TOO_LARGE;
    size = sizeof *r + lines * sizeof(fmcp_http_header) + end + 1;
    r = (fmcp__resp *)fmcp_malloc(l->a, size);
    if (!r) return FMCP_ERR_NOMEM;
    memset(r, 0, sizeof *r);
    r->alloc = *l->a; r->size = size;
    text = (char *)((fmcp_http_header *)(void *)(r + 1) + lines);
    memcpy(text, op->in.p, end); text[end] = 0;
    memmove(op->in.p, op->in.p + end, op->in.len - end);
    op->in.len -= end;
    r->pub.headers = (fmcp_http_header *)(void *)(r + 1);
    e = fmcp__rhead_parse(text, end, (fmcp_http_header *)(void *)(r + 1), lines, op->head_req, &h);
    if (e != FMCP_OK || h.status < 200) {   /* an interim answer is skipped */
        fmcp_free(l->a, r, size);
        return e != FMCP_OK ? (int)e : 1;
    }
    r->pub.status = h.status;
    r->pub.nheaders = h.nheaders;
    op->res = r;
    op->state = FMCP__F_BODY;
    op->bmode = h.bmode;
    if (h.bmode == FMCP__B_CHUNKED) memset(&op->ck, 0, sizeof op->ck);
    if (h.bmode == FMCP__B_LEN) {
        if (h.length > (uint64_t)op->max) return FMCP_ERR_TOO_LARGE;
        op->remaining = h.length;
    }
    return 1;
}

/* Move buffered bytes into the body; 1 when complete, 0 more, <0 error. */
static int fmcp__fetch_body(fmcp_http_fetch_op *op, int eof)
{
    fmcp_http_loop *l = op->loop;
    fmcp__hbuf *b = &op->res->body;
    size_t used = op->in.len;
    int rc = 0;
    if (op->bmode == FMCP__B_NONE) { op->in.len = 0; return 1; }
    if (op->bmode == FMCP__B_CHUNKED) rc = fmcp__ck_feed(&op->ck, l->a, op->in.p, op->in.len, &used, b, op->max);
    else {
        size_t take = op->in.len;
        if (op->bmode == FMCP__B_LEN && take > op->remaining) take = (size_t)op->remaining;
        if (b->len + take > op->max) return FMCP_ERR_TOO_LARGE;
        if (fmcp__hb_put(l->a, b, op->in.p, take) != FMCP_OK) return FMCP_ERR_NOMEM;
        used = take;
        if (op->bmode == FMCP__B_LEN) { op->remaining -= take; rc = op->remaining == 0; }
        else rc = eof;
    }
    memmove(op->in.p, op->in.p + used, op->in.len - used);
    op->in.len -= used;
    if (rc == FMCP_ERR_PARSE) rc = FMCP_ERR_PROTOCOL;
    if (rc == 0 && eof) rc = FMCP_ERR_CLOSED;
    return rc;
}

static void fmcp__fetch_complete(fmcp_http_fetch_op *op)
{
    fmcp__resp *r = op->res;
    if (fmcp__hb_reserve(op->loop->a, &r->body, 1) != FMCP_OK) { fmcp__fetch_fail(op, FMCP_ERR_NOMEM, NULL); return; }
    r->body.p[r->body.len] = 0;
    r->pub.body = r->body.p;
    r->pub.body_len = r->body.len;
    fmcp__fetch_finish(op, FMCP_OK, &r->pub);
}

static const char *fmcp__fetch_why(int rc)
{
    if (rc == FMCP_ERR_TOO_LARGE) return "response too large";
    if (rc == FMCP_ERR_UNSUPPORTED) return "unsupported transfer coding";
    if (rc == FMCP_ERR_NOMEM) return "out of memory";
    if (rc == FMCP_ERR_CLOSED) return "connection closed before the response was complete";
    return "malformed response";
}

/* Process what was read; returns nonzero when the op is finished. */
static int fmcp__fetch_parse(fmcp_http_fetch_op *op, int eof)
{
    int rc = 1;
    while (op->state == FMCP__F_HEAD && rc == 1) {
        rc = fmcp__fetch_head(op);
        if (rc == 0 && eof) rc = FMCP_ERR_CLOSED;
    }
    if (rc < 0) { fmcp__fetch_fail(op, (fmcp_result)rc, fmcp__fetch_why(rc)); return 1; }
    if (op->state != FMCP__F_BODY) return 0;
    rc = fmcp__fetch_body(op, eof);
    if (rc < 0) { fmcp__fetch_fail(op, (fmcp_result)rc, fmcp__fetch_why(rc)); return 1; }
    if (rc == 1) { fmcp__fetch_complete(op); return 1; }
    return 0;
}

static void fmcp__fetch_read(fmcp_http_fetch_op *op)
{
    int rounds;
    for (rounds = 0; rounds < 8 || (op->tr && op->tr->pending && op->tr->pending(op->tc)); rounds++) {
        long n;
        if (fmcp__hb_reserve(op->loop->a, &op->in, 16384) != FMCP_OK) { fmcp__fetch_fail(op, FMCP_ERR_NOMEM, NULL); return; }
        n = fmcp__fetch_io(op, 0, op->in.p + op->in.len, op->in.cap - op->in.len);
        if (n > 0) { op->in.len += (size_t)n; if (fmcp__fetch_parse(op, 0)) return; continue; }
        if (n == 0) { (void)fmcp__fetch_parse(op, 1); return; }
        if (n != FMCP_HTTP_IO_WANT_READ && n != FMCP_HTTP_IO_WANT_WRITE) fmcp__fetch_fail(op, FMCP_ERR_IO, "read failed");
        return;
    }
}

static void fmcp__fetch_event(fmcp_http_fetch_op *op, unsigned ev)
{
    if (op->state == FMCP__F_CONNECT) {
        if (!(ev & (FMCP__OUT | FMCP__EV_ERR | FMCP__IN))) return;
        fmcp__fetch_connected(op);
        if (op->io.dead || op->state == FMCP__F_CONNECT) return;
    }
    if (op->state == FMCP__F_SEND) {
        while (op->opos < op->out.len) {
            long n = fmcp__fetch_io(op, 1, op->out.p + op->opos, op->out.len - op->opos);
            if (n > 0) { op->opos += (size_t)n; continue; }
            if (n == FMCP_HTTP_IO_WANT_WRITE || n == FMCP_HTTP_IO_WANT_READ) {
                fmcp__io_mod(op->loop, &op->io, n == FMCP_HTTP_IO_WANT_READ ? FMCP__IN : FMCP__OUT); /* a TLS handshake waits to read */
                return;
            }
            fmcp__fetch_fail(op, FMCP_ERR_IO, "write failed");
            return;
        }
        op->state = FMCP__F_HEAD;
        fmcp__io_mod(op->loop, &op->io, FMCP__IN);
        return;
    }
    if (ev & (FMCP__IN | FMCP__EV_ERR)) fmcp__fetch_read(op);
}

static fmcp_result fmcp__fetch_format(fmcp_http_fetch_op *op, const fmcp_http_client_req *q,
                                      const fmcp_http_url *u, const char *method)
{
    const fmcp_allocator *a = op->loop->a;
    fmcp__hbuf *b = &op->out;
    fmcp_result e;
    size_t i;
    int dflt = u->port == (strcmp(u->scheme, "https") == 0 ? 443 : 80);
    e = fmcp__hb_puts(a, b, method);
    if (!e) e = fmcp__hb_put(a, b, " ", 1);
    if (!e) e = fmcp__hb_puts(a, b, u->path);
    if (!e) e = fmcp__hb_puts(a, b, " HTTP/1.1\r\n");
    if (!e && !fmcp__find_hdr(q->headers, q->nheaders, "host")) {
        e = fmcp__hb_puts(a, b, u->is_ipv6 ? "Host: [" : "Host: ");
        if (!e) e = fmcp__hb_puts(a, b, u->host);
        if (!e && u->is_ipv6) e = fmcp__hb_put(a, b, "]", 1);
        if (!e && !dflt) { e = fmcp__hb_put(a, b, ":", 1); if (!e) e = fmcp__hb_putu(a, b, u->port, 10); }
        if (!e) e = fmcp__hb_put(a, b, "\r\n", 2);
    }
    for (i = 0; i < q->nheaders && !e; i++) {
        e = fmcp__hb_puts(a, b, q->headers[i].name);
        if (!e) e = fmcp__hb_put(a, b, ": ", 2);
        if (!e) e = fmcp__hb_puts(a, b, q->headers[i].value);
        if (!e) e = fmcp__hb_put(a, b, "\r\n", 2);
    }
    if (!e && (q->body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0)) {
        e = fmcp__hb_puts(a, b, "Content-Length: ");
        if (!e) e = fmcp__hb_putu(a, b, q->body_len, 10);
        if (!e) e = fmcp__hb_put(a, b, "\r\n", 2);
    }
    if (!e) e = fmcp__hb_puts(a, b, "Connection: close\r\n\r\n");
    if (!e) e = fmcp__hb_put(a, b, q->body, q->body_len);
    return e;
}

static fmcp_result fmcp__fetch_check(const fmcp_http_client_req *q, fmcp_http_url *u, const char **method)
{
    const char *m;
    fmcp__set_err(q->error_buf, q->error_buf_len, "");
    if ((q->nheaders && !q->headers) || (q->body_len && !q->body) || !fmcp__hdr_ok(q->headers, q->nheaders))
        return FMCP_ERR_INVALID_ARG;
    m = q->method ? q->method : "GET";
    *method = m;
    if (!*m) return FMCP_ERR_INVALID_ARG;
    for (; *m; m++) if (!fmcp__is_tchar((unsigned char)*m)) return FMCP_ERR_INVALID_ARG;
    if (fmcp_http_url_parse(q->url, u) != FMCP_OK) {
        fmcp__set_err(q->error_buf, q->error_buf_len, "bad URL");
        return FMCP_ERR_PARSE;
    }
    if (strcmp(u->scheme, "https") == 0 && !q->transport) {
        fmcp__set_err(q->error_buf, q->error_buf_len, "https:// needs a TLS transport (none was given)");
        return FMCP_ERR_UNSUPPORTED;
    }
    return FMCP_OK;
}

static fmcp_result fmcp__fetch_resolve(fmcp_http_fetch_op *op, const fmcp_http_url *u)
{
    struct addrinfo hints;
    char ps[24];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; hints.ai_socktype = SOCK_STREAM; hints.ai_flags = AI_NUMERICSERV;
    ps[fmcp__fmt_u(ps, u->port, 10)] = 0;
    if (getaddrinfo(u->host, ps, &hints, &op->ai) != 0 || !op->ai) { op->ai = NULL; return FMCP_ERR_NOT_FOUND; }
    op->cur = op->ai;
    return FMCP_OK;
}

#ifndef FASTMCP_NO_THREADS
/* A resolved address list arrived: connect, or report the failure. */
static void fmcp__fetch_resolved(fmcp_http_fetch_op *op, struct addrinfo *ai)
{
    op->ai = ai; op->cur = ai;
    if (!ai) { fmcp__fetch_fail(op, FMCP_ERR_NOT_FOUND, "host not found"); return; }
    if (!fmcp__fetch_connect_next(op)) fmcp__fetch_fail(op, FMCP_ERR_IO, "connection failed");
}

/* getaddrinfo blocks, so names (not IP literals) resolve on a helper thread
 * that posts its result back through the loop's wake-up. */
static void *fmcp__dns_main(void *arg)
{
    struct fmcp__dns *d = (struct fmcp__dns *)arg;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; hints.ai_socktype = SOCK_STREAM; hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(d->host, d->port, &hints, &ai) != 0) ai = NULL;
    fmcp__lock(d->loop);
    d->ai = ai; d->done = 1;
    fmcp__wake(d->loop);
    fmcp__unlock(d->loop);
    return NULL;
}

/* Loop thread: hand finished lookups to their requests (all of them,
 * waiting, when the loop is being freed). */
static void fmcp__dns_poll(fmcp_http_loop *l, int wait_all)
{
    struct fmcp__dns **pp = &l->dns;
    while (*pp) {
        struct fmcp__dns *d = *pp;
        int done;
        fmcp__lock(l); done = d->done; fmcp__unlock(l);
        if (!done && !wait_all) { pp = &d->next; continue; }
        fmcp__thread_join(&d->th);
        *pp = d->next;
        if (d->op) { fmcp_http_fetch_op *op = d->op; op->dns = NULL; fmcp__fetch_resolved(op, d->ai); }
        else if (d->ai) freeaddrinfo(d->ai);
        fmcp_free(l->a, d, sizeof *d);
    }
}

static int fmcp__dns_start(fmcp_http_fetch_op *op, const fmcp_http_url *u)
{
    fmcp_http_loop *l = op->loop;
    struct fmcp__dns *d = (struct fmcp__dns *)fmcp_malloc(l->a, sizeof *d);
    if (!d) return -1;
    memset(d, 0, sizeof *d);
    d->loop = l; d->op = op;
    memcpy(d->host, u->host, sizeof d->host);
    d->port[fmcp__fmt_u(d->port, u->port, 10)] = 0;
    if (fmcp__thread_start(&d->th, fmcp__dns_main, d) != 0) { fmcp_free(l->a, d, sizeof *d); return 0; }
    d->next = l->dns; l->dns = d;
    op->dns = d;
    return 1;
}
#endif

/* Resolve (on a helper thread for names) and start connecting. */
static fmcp_result fmcp__fetch_start(fmcp_http_fetch_op *op, const fmcp_http_url *u)
{
    unsigned char tmp[16];
    int literal = inet_pton(AF_INET, u->host, tmp) == 1 || inet_pton(AF_INET6, u->host, tmp) == 1;
    fmcp_result e;
#ifndef FASTMCP_NO_THREADS
    if (!literal) {
        int r = fmcp__dns_start(op, u);
        if (r < 0) return FMCP_ERR_NOMEM;
        if (r > 0) return FMCP_OK;     /* else no thread: resolve here */
    }
#endif
    (void)literal;
    e = fmcp__fetch_resolve(op, u);
    if (!e && !fmcp__fetch_connect_next(op)) e = FMCP_ERR_IO;
    return e;
}

static void fmcp__fetch_free_early(fmcp_http_fetch_op *op)
{
    const fmcp_allocator *a = op->loop->a;
    fmcp__fetch_detach_dns(op);
    if (op->ai) freeaddrinfo(op->ai);
    if (op->io.fd >= 0) { fmcp__io_del(op->loop, &op->io); fmcp__sock_close(op->io.fd); }
    fmcp__hb_free(a, &op->out);
    fmcp_free(a, op, sizeof *op);
}

FASTMCP_API fmcp_result fmcp_http_fetch_async(fmcp_http_loop *loop, const fmcp_http_client_req *req,
                                              fmcp_http_fetch_cb cb, void *user, fmcp_http_fetch_op **out)
{
    fmcp_http_url u;
    const char *method = NULL;
    fmcp_http_fetch_op *op;
    fmcp_result e;
    static char nobuf[1];
    if (out) *out = NULL;
    if (!loop || !req || !cb) return FMCP_ERR_INVALID_ARG;
    e = fmcp__fetch_check(req, &u, &method);
    if (e) return e;
    op = (fmcp_http_fetch_op *)fmcp_malloc(loop->a, sizeof *op);
    if (!op) return FMCP_ERR_NOMEM;
    memset(op, 0, sizeof *op);
    op->io.fd = -1; op->io.kind = FMCP__IO_FETCH; op->loop = loop; op->tr = req->transport;
    op->cb = cb; op->user = user; op->max = req->max_response_bytes ? req->max_response_bytes : (4u << 20);
    op->errbuf = req->error_buf ? req->error_buf : nobuf; op->errlen = req->error_buf ? req->error_buf_len : 0;
    op->head_req = strcmp(method, "HEAD") == 0;
    memcpy(op->host, u.host, sizeof op->host);
    e = fmcp__fetch_format(op, req, &u, method);
    if (!e) e = fmcp__fetch_start(op, &u);
    if (!e) e = fmcp_http_timer_add(loop, req->timeout_ms > 0 ? req->timeout_ms : 10000, fmcp__fetch_timeout, op, &op->timer);
    if (e) {
        fmcp__set_err(req->error_buf, req->error_buf_len, e == FMCP_ERR_NOT_FOUND ? "host not found" :
                      e == FMCP_ERR_IO ? "connection failed" : fmcp_result_str(e));
        fmcp__fetch_free_early(op);
        return e;
    }
    op->next = loop->fetches; if (loop->fetches) loop->fetches->prev = op; loop->fetches = op;
    if (out) *out = op;
    return FMCP_OK;
}

FASTMCP_API void fmcp_http_fetch_cancel(fmcp_http_fetch_op *op)
{
    if (!op || op->io.dead) return;
    op->cb = NULL;
    fmcp__fetch_finish(op, FMCP_ERR_CANCELLED, NULL);
}

typedef struct fmcp__sync {
    int done;
    fmcp_result rc;
    fmcp_http_response *res;
} fmcp__sync;

static void fmcp__sync_cb(void *user, fmcp_result rc, fmcp_http_response *res)
{
    fmcp__sync *s = (fmcp__sync *)user;
    s->done = 1; s->rc = rc; s->res = res;
}

FASTMCP_API fmcp_result fmcp_http_fetch(const fmcp_allocator *a, const fmcp_http_client_req *req,
                                        fmcp_http_response **out)
{
    fmcp_http_loop *loop;
    fmcp__sync s;
    fmcp_result e;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    memset(&s, 0, sizeof s);
    e = fmcp_http_loop_create(a, &loop);
    if (e) return e;
    e = fmcp_http_fetch_async(loop, req, fmcp__sync_cb, &s, NULL);
    while (!e && !s.done) e = fmcp_http_step(loop, 1000);
    fmcp_http_loop_destroy(loop);   /* a still-pending request ends as cancelled */
    if (e) { if (s.res) fmcp_http_response_destroy(s.res); return e; }
    if (s.rc == FMCP_OK) *out = s.res;
    return s.rc;
}

#endif /* FASTMCP_NO_SOCKETS */
