/* http: implementation of the framing (sockets not needed for most of it):
 * URL parsing, the growable buffer, text helpers (tchar, field values, dates),
 * the request and response head scanners, the chunk decoder and the response
 * head parser. The loop (http_loop), the server (http_conn, http_server) and
 * the clients (http_client, mcp_client) use them. */
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

/* ---- numbers into base's buffer --------------------------------------------- */

/* Every buffer here is base's fmcp__buf: one error check after a run of puts.
 * The loop's pooled read buffers are also filled by reads straight into
 * p + len (up to cap); only puts keep the NUL after len. */

static size_t fmcp__fmt_u(char *out, uint64_t v, unsigned base)
{
    char tmp[24]; size_t n = 0, i;
    do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
    for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

static void fmcp__put_u(fmcp__buf *b, uint64_t v, unsigned base)
{
    char tmp[24];
    fmcp__buf_put(b, tmp, fmcp__fmt_u(tmp, v, base));
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
    case 503: return "Service Unavailable"; case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
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
static int fmcp__ck_feed(fmcp__chunker *k, const char *in, size_t n, size_t *used, fmcp__buf *out, size_t max)
{
    size_t i = 0;
    for (;;) {
        size_t u, d;
        int rc = fmcp__ck_next(k, in + i, n - i, &u, &d);
        if (d) {
            /* a chunk that announces more than the cap is refused at once */
            if (out->len + d > max || k->left > (uint64_t)(max - out->len - d)) {
                *used = i + u - d;
                return FMCP_ERR_TOO_LARGE;
            }
            fmcp__buf_put(out, in + i + u - d, d);
            if (out->err) { *used = i + u - d; return out->err; }
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

#endif /* FASTMCP_NO_SOCKETS */
