/* libFuzzer target over the HTTP/1.1 parsers that face the network. The first
 * byte picks one, the rest is its input:
 *   'R' (and anything not below)  a request head (+ body): the server's head
 *        parser (fmcp__req_parse on a connection of our own), then the body
 *        by its framing (Content-Length or chunked)
 *   'C'  a chunked body, decoded whole and again in pieces whose size the
 *        second byte picks: the two must agree (status, body, bytes used)
 *   'H'  a response (head + body) to the loop client's parser (fmcp__fetch_head,
 *        fmcp__fetch_body)
 *   'M'  a response to the MCP client's blocking reader (fmcp__cl_read_head,
 *        fmcp__cl_body), which uses the same head parser and chunk decoder
 *   'S'  an SSE stream to the MCP client's event parser (fmcp__cl_sse_feed),
 *        in pieces as above
 *   'W'  a WWW-Authenticate value (fmcp_oauth_parse_www_authenticate)
 * Properties beyond no crash, leak or UB: a parsed request has a method, a
 * target starting with '/' or '*' (or an absolute URL), no CR/LF/NUL in any
 * header name or value and a body within its limit; a decoded chunked body
 * never exceeds the cap; both clients' final status is 200-999; the challenge
 * fields are NUL-terminated and hold no CR or LF.
 * The target builds the implementation in (it reaches static functions). */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY 4096

static fmcp_http_loop *loop;
static fmcp_http_server srv;   /* never started: the parser only reads its loop and limits */
static fmcp_client *cl;

static int clean(const char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n') return 0;
    return 1;
}

static void init_once(void)
{
    if (loop) return;
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK) abort();
    srv.loop = loop;
    srv.d.max_body_bytes = MAX_BODY;
    srv.d.max_header_bytes = 8192;
    /* An MCP client of our own: a stream client writing to /dev/null, so
     * answers to server requests found in an SSE stream go nowhere. */
    cl = (fmcp_client *)calloc(1, sizeof *cl);
    if (!cl) abort();
    cl->a = NULL;   /* the default allocator */
    if (fmcp__cl_desc_copy(cl, NULL) != FMCP_OK) abort();   /* the defaults (max_message) */
    cl->kind = FMCP__CL_STREAM;
    cl->rfd = -1;
    cl->wfd = open("/dev/null", O_WRONLY);
    cl->wsock = 0;
    cl->wake[0] = cl->wake[1] = -1;
    cl->get_fd = -1;
    cl->next_id = 1;
#ifndef FASTMCP_NO_THREADS
    pthread_mutex_init(&cl->lock, NULL);
    pthread_mutex_init(&cl->wlock, NULL);
    pthread_cond_init(&cl->cv, NULL);
    pthread_cond_init(&cl->rcv, NULL);
#endif
}

/* Decodes a chunked body from in[0..n) in pieces of `step` bytes (0 = whole). */
static int chunked(const char *in, size_t n, size_t step, fmcp__buf *out, size_t *used)
{
    fmcp__chunker k;
    size_t at = 0;
    int rc = 0;
    memset(&k, 0, sizeof k);
    while (at < n && rc == 0) {
        size_t take = step && n - at > step ? step : n - at, u = 0;
        rc = fmcp__ck_feed(&k, in + at, take, &u, out, MAX_BODY);
        if (u > take) abort();
        at += u;
        if (rc == 0 && u < take) abort();   /* more input wanted but some was left */
    }
    *used = at;
    if (out->len > MAX_BODY) abort();
    return rc;
}

static void fuzz_chunked(const uint8_t *d, size_t n)
{
    fmcp__buf a, b;
    size_t ua = 0, ub = 0;
    int ra, rb;
    if (n < 1) return;
    fmcp__buf_init(&a, loop->a, 0); fmcp__buf_init(&b, loop->a, 0);
    ra = chunked((const char *)d + 1, n - 1, 0, &a, &ua);
    rb = chunked((const char *)d + 1, n - 1, (size_t)(d[0] % 16) + 1, &b, &ub);
    if (ra != rb || (ra >= 0 && (ua != ub || a.len != b.len || (a.len && memcmp(a.p, b.p, a.len) != 0)))) abort();
    fmcp__buf_free(&a);
    fmcp__buf_free(&b);
}

static void fuzz_request(const uint8_t *d, size_t n)
{
    fmcp__conn c;
    fmcp_http_req *r = NULL;
    size_t scan = 0, end = 0, i, used = 0;
    int st;
    memset(&c, 0, sizeof c);
    c.srv = &srv;
    memcpy(c.remote, "127.0.0.1:1", 12);
    if (fmcp__head_end((const char *)d, 0, n, &scan, &end) != 1 || end > srv.d.max_header_bytes) return;
    st = fmcp__req_parse(&c, (const char *)d, end, &r);
    if (st < 0) return;   /* out of memory */
    if (st) {
        if (st != 400 && st != 413 && st != 417 && st != 431 && st != 501 && st != 505) abort();
        return;
    }
    if (!r->method[0] || !r->path) abort();
    if (r->target[0] != '/' && r->target[0] != '*' && !strstr(r->target, "://")) abort();
    for (i = 0; i < r->nhdrs; i++) {
        if (!r->hdrs[i].name[0] || !clean(r->hdrs[i].name) || !clean(r->hdrs[i].value)) abort();
    }
    if (r->content_length < 0 || r->content_length > MAX_BODY) abort();
    if (r->chunked) {
        fmcp__chunker k;
        memset(&k, 0, sizeof k);
        (void)fmcp__ck_feed(&k, (const char *)d + end, n - end, &used, &r->body, MAX_BODY);
        if (used > n - end || r->body.len > MAX_BODY) abort();
    }
    fmcp__req_unref(r);
}

static void fuzz_response(const uint8_t *d, size_t n)
{
    fmcp_http_fetch_op op;
    int rc;
    memset(&op, 0, sizeof op);
    op.loop = loop;
    op.max = MAX_BODY;
    op.state = FMCP__F_HEAD;
    fmcp__buf_init(&op.in, loop->a, 0);
    fmcp__buf_put(&op.in, d, n);
    if (op.in.err) return;
    do rc = fmcp__fetch_head(&op);
    while (rc == 1 && !op.res && op.in.len);   /* 1xx answers are skipped */
    if (op.res) {
        const fmcp_http_response *res = &op.res->pub;
        size_t i;
        if (res->status < 200 || res->status > 999) abort();
        for (i = 0; i < res->nheaders; i++)
            if (!clean(res->headers[i].name) || !clean(res->headers[i].value)) abort();
        if (rc == 1) {
            rc = fmcp__fetch_body(&op, 1);
            if (op.res->body.len > MAX_BODY) abort();
        }
        fmcp_http_response_destroy(&op.res->pub);
    }
    fmcp__buf_free(&op.in);
}

/* The MCP client's blocking reader over http's shared head parser and
 * chunk decoder: the input sits in the connection's buffer, and reading
 * past it fails (no socket), as a peer that stops sending would. */
static void fuzz_mcp_head(const uint8_t *d, size_t n)
{
    fmcp__cl_conn k;
    size_t got = 0;
    memset(&k, 0, sizeof k);
    k.fd = -1;
    k.cap = FMCP__CL_CONN_BUF;
    if (n > k.cap) return;
    k.buf = (char *)malloc(k.cap);
    if (!k.buf) return;
    memcpy(k.buf, d, n);
    k.len = n;
    cl->session[0] = 0;
    if (fmcp__cl_read_head(cl, &k, 0, NULL) == FMCP_OK) {
        const char *piece;
        size_t pn;
        if (k.status < 200 || k.status > 999) abort();
        if (!memchr(k.www, 0, sizeof k.www) || !memchr(cl->session, 0, sizeof cl->session)) abort();
        if (k.body_done && k.bmode != FMCP__B_NONE && k.bmode != FMCP__B_LEN) abort();
        while (!k.body_done && fmcp__cl_body(cl, &k, 0, NULL, &piece, &pn) == FMCP_OK && pn) {
            if (piece < k.buf || piece + pn > k.buf + k.len) abort();
            got += pn;
        }
        if (got > n) abort();
    }
    if (k.off > k.len) abort();
    free(k.buf);
}

static void fuzz_sse(const uint8_t *d, size_t n)
{
    fmcp__cl_sse s;
    size_t step, at = 0;
    if (n < 1) return;
    fmcp__cl_sse_init(cl, &s);
    step = (size_t)(d[0] % 32) + 1;
    d++; n--;
    while (at < n) {
        size_t take = n - at > step ? step : n - at;
        if (fmcp__cl_sse_feed(cl, &s, (const char *)d + at, take) != FMCP_OK) break;
        at += take;
    }
    if (!memchr(s.event, 0, sizeof s.event) || !memchr(s.last_id, 0, sizeof s.last_id)) abort();
    if (!memchr(cl->post_path, 0, sizeof cl->post_path)) abort();
    fmcp__cl_sse_free(&s);
}

static void fuzz_www(const uint8_t *d, size_t n)
{
    fmcp_oauth_challenge ch;
    char *text = (char *)malloc(n + 1);
    if (!text) return;
    memcpy(text, d, n);
    text[n] = 0;
    if (fmcp_oauth_parse_www_authenticate(text, &ch) == FMCP_OK) {
        if (!memchr(ch.error, 0, sizeof ch.error) || !memchr(ch.scope, 0, sizeof ch.scope) ||
            !memchr(ch.resource_metadata, 0, sizeof ch.resource_metadata) || !memchr(ch.realm, 0, sizeof ch.realm) ||
            !memchr(ch.error_description, 0, sizeof ch.error_description)) abort();
        if (!clean(ch.error) || !clean(ch.scope) || !clean(ch.resource_metadata) || !clean(ch.error_description)) abort();
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    init_once();
    switch (data[0]) {
    case 'C': fuzz_chunked(data + 1, size - 1); break;
    case 'H': fuzz_response(data + 1, size - 1); break;
    case 'M': fuzz_mcp_head(data + 1, size - 1); break;
    case 'S': fuzz_sse(data + 1, size - 1); break;
    case 'W': fuzz_www(data + 1, size - 1); break;
    default:  fuzz_request(data + (data[0] == 'R'), size - (data[0] == 'R')); break;
    }
    return 0;
}
