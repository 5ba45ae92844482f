/* mcp_client_http: implementation. The client's Streamable HTTP transport:
 * blocking connections (keep-alive, TLS through fmcp_http_io) with http's
 * head parser and chunk decoder, SSE, POSTs with OAuth challenges answered,
 * resumption with Last-Event-ID, the GET (or 2026-07-28 listen) stream, the
 * legacy HTTP+SSE transport, HTTP connect and close. One translation unit
 * with mcp_client.c, whose types and helpers it uses. */
#include "mcp_client_http.h"

/* A client needs a transport: stdio (processes, pipes, poll) or HTTP (sockets). */
#if !defined(FASTMCP_NO_PROCESS) || !defined(FASTMCP_NO_SOCKETS)
#ifndef FASTMCP_NO_SOCKETS

/* ---- connections ------------------------------------------------------------ */

#define FMCP__CL_CONN_BUF 32768

static void fmcp__cl_conn_free(fmcp_client *c, fmcp__cl_conn *k)
{
    if (!k) return;
    if (k->tc) c->d.transport->close(k->tc);
    if (k->fd >= 0) fmcp__sock_close(k->fd);
    fmcp_free(c->a, k->buf, k->cap);
    fmcp_free(c->a, k, sizeof *k);
}

/* Wait until fd is ready; FMCP_ERR_TIMEOUT / _CANCELLED / _OK. */
static fmcp_result fmcp__cl_ready(fmcp_client *c, int fd, short ev, int64_t deadline, fmcp__cl_pending *p)
{
    for (;;) {
        struct pollfd pf;
        int ms, n;
        if (p) {   /* the request's own deadline, which progress may move */
            int cancel;
            FMCP__CL_LOCK(c);
            cancel = p->cancel;
            deadline = p->deadline;
            FMCP__CL_UNLOCK(c);
            if (cancel) return FMCP_ERR_CANCELLED;
        }
        ms = fmcp__cl_slice(deadline);
        if (deadline && ms == 0) return FMCP_ERR_TIMEOUT;
        pf.fd = FMCP__SOCK(fd); pf.events = ev; pf.revents = 0;
        n = fmcp__sock_poll(&pf, 1, (!p && !deadline) ? -1 : ms);
        if (n > 0) return FMCP_OK;
        if (n < 0 && !fmcp__sock_intr()) return FMCP_ERR_IO;
    }
}

/* Sleep ms (a retry back-off). */
static void fmcp__cl_nap(int ms)
{
#ifdef _WIN32
    Sleep((DWORD)ms);
#else
    (void)poll(NULL, 0, ms);
#endif
}

/* Connects to the URL's host (every address in turn); the socket calls are
 * http's (fmcp__tcp_begin), only the wait is ours: it blocks. */
static fmcp_result fmcp__cl_tcp(fmcp_client *c, int64_t deadline, int *fdo)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[8];
    fmcp_result r = FMCP_ERR_IO;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%u", (unsigned)c->url.port);
    if (getaddrinfo(c->url.host, port, &hints, &res) != 0) return FMCP_ERR_IO;
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = -1, st = fmcp__tcp_begin(ai, &fd);
        if (st < 0) continue;
        if (st == 0 || ((r = fmcp__cl_ready(c, fd, POLLOUT, deadline, NULL)) == FMCP_OK && fmcp__tcp_result(fd))) {
            *fdo = fd;
            freeaddrinfo(res);
            return FMCP_OK;
        }
        if (r != FMCP_ERR_TIMEOUT) r = FMCP_ERR_IO;
        fmcp__sock_close(fd);
    }
    freeaddrinfo(res);
    return r;
}

static fmcp_result fmcp__cl_conn_open(fmcp_client *c, int64_t deadline, fmcp__cl_conn **out)
{
    fmcp__cl_conn *k = (fmcp__cl_conn *)fmcp_malloc(c->a, sizeof *k);
    fmcp_result r;
    if (!k) return FMCP_ERR_NOMEM;
    memset(k, 0, sizeof *k);
    k->fd = -1;
    k->cap = FMCP__CL_CONN_BUF;
    k->buf = (char *)fmcp_malloc(c->a, k->cap);
    if (!k->buf) { fmcp_free(c->a, k, sizeof *k); return FMCP_ERR_NOMEM; }
    r = fmcp__cl_tcp(c, deadline, &k->fd);
    if (r == FMCP_OK && c->d.transport && strcmp(c->url.scheme, "https") == 0)
        r = c->d.transport->open(c->d.transport->self, k->fd, c->url.host, &k->tc);
    if (r != FMCP_OK) { fmcp__cl_conn_free(c, k); return r; }
    *out = k;
    return FMCP_OK;
}

static fmcp_result fmcp__cl_conn_write(fmcp_client *c, fmcp__cl_conn *k, const char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        /* a retried TLS write repeats the same bytes */
        long w = k->tc ? c->d.transport->write(k->tc, p, n) : fmcp__sock_send(k->fd, p, n);
        short ev = 0;   /* what to wait for before trying again */
        if (k->tc && (w == FMCP_HTTP_IO_WANT_READ || w == FMCP_HTTP_IO_WANT_WRITE))
            ev = w == FMCP_HTTP_IO_WANT_READ ? POLLIN : POLLOUT;
        else if (!k->tc && w < 0 && (fmcp__sock_again() || fmcp__sock_intr())) ev = POLLOUT;
        if (ev) {
            fmcp_result r = fmcp__cl_ready(c, k->fd, ev, deadline, NULL);
            if (r != FMCP_OK) return r;
            continue;
        }
        if (w <= 0) return FMCP_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return FMCP_OK;
}

/* Read more bytes into the buffer; FMCP_ERR_CLOSED at EOF. */
static fmcp_result fmcp__cl_conn_fill(fmcp_client *c, fmcp__cl_conn *k, int64_t deadline, fmcp__cl_pending *p)
{
    for (;;) {
        long n;
        fmcp_result r;
        if (k->off == k->len) k->off = k->len = 0;
        if (k->len == k->cap) {
            if (!k->off) return FMCP_ERR_TOO_LARGE;
            memmove(k->buf, k->buf + k->off, k->len - k->off);
            k->len -= k->off;
            k->off = 0;
        }
        n = k->tc ? c->d.transport->read(k->tc, k->buf + k->len, k->cap - k->len)
                  : fmcp__sock_recv(k->fd, k->buf + k->len, k->cap - k->len);
        if (n > 0) { k->len += (size_t)n; return FMCP_OK; }
        if (n == 0) return FMCP_ERR_CLOSED;
        if (k->tc ? n != FMCP_HTTP_IO_WANT_READ && n != FMCP_HTTP_IO_WANT_WRITE
                  : !fmcp__sock_again() && !fmcp__sock_intr()) return FMCP_ERR_IO;
        r = fmcp__cl_ready(c, k->fd, k->tc && n == FMCP_HTTP_IO_WANT_WRITE ? POLLOUT : POLLIN, deadline, p);
        if (r != FMCP_OK) return r;
    }
}

static void fmcp__cl_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* What the MCP client keeps of a parsed head (framing is http's). */
static void fmcp__cl_take_head(fmcp_client *c, fmcp__cl_conn *k, const fmcp__rhead *h)
{
    size_t i;
    k->status = h->status;
    k->bmode = h->bmode;
    k->keep = h->keep;
    k->remain = h->length;
    k->body_done = h->bmode == FMCP__B_NONE || (h->bmode == FMCP__B_LEN && h->length == 0);
    k->is_sse = 0;
    k->www[0] = 0;
    memset(&k->ck, 0, sizeof k->ck);
    for (i = 0; i < h->nheaders; i++) {
        const char *name = k->h[i].name, *v = k->h[i].value;
        size_t vl = strlen(v);
        if (fmcp__ieq(name, "content-type")) {
            k->is_sse = vl >= 17 && fmcp__ieqn(v, "text/event-stream", 17);   /* a prefix: parameters may follow */
        } else if (fmcp__ieq(name, "www-authenticate")) {
            size_t have = strlen(k->www);        /* several headers form one list */
            if (have + (have ? 2 : 0) + vl < sizeof k->www) {
                if (have) { memcpy(k->www + have, ", ", 2); have += 2; }
                fmcp__cl_copy(k->www + have, sizeof k->www - have, v, vl);
            }
        } else if (fmcp__ieq(name, "dpop-nonce")) {
            FMCP__CL_LOCK(c);
            if (vl < sizeof c->dpop_nonce) fmcp__cl_copy(c->dpop_nonce, sizeof c->dpop_nonce, v, vl);
            FMCP__CL_UNLOCK(c);
        } else if (fmcp__ieq(name, "mcp-session-id")) {
            FMCP__CL_LOCK(c);
            if (!c->session[0] && vl < sizeof c->session) fmcp__cl_copy(c->session, sizeof c->session, v, vl);
            FMCP__CL_UNLOCK(c);
        }
    }
}

/* A response head at most this long; the read buffer (32 KiB) must hold
 * it whole. Node's default limit is the same. */
#define FMCP__CL_HEAD_MAX 16384u

/* Read the status line and headers with http's parser (1xx answers skipped). */
static fmcp_result fmcp__cl_read_head(fmcp_client *c, fmcp__cl_conn *k, int64_t deadline, fmcp__cl_pending *p)
{
    k->scan = 0;
    for (;;) {
        size_t end = 0;
        int found = fmcp__rhead_end(k->buf + k->off, k->len - k->off, &k->scan, FMCP__CL_HEAD_MAX, &end);
        if (found < 0) return (fmcp_result)found;
        if (found) {
            fmcp__rhead h;
            fmcp_result r = fmcp__rhead_parse(k->buf + k->off, end, k->h, FMCP__RESP_MAX_HEADERS, 0, &h);
            if (r != FMCP_OK) return r;
            k->off += end;
            if (h.status >= 200) { fmcp__cl_take_head(c, k, &h); return FMCP_OK; }
            continue;
        }
        {
            fmcp_result r = fmcp__cl_conn_fill(c, k, deadline, p);
            if (r != FMCP_OK) return r;
        }
    }
}

/* Next piece of the body: *n bytes at *data, *n = 0 at the end. Chunked
 * bodies go through http's decoder, the data left where it was read. */
static fmcp_result fmcp__cl_body(fmcp_client *c, fmcp__cl_conn *k, int64_t deadline, fmcp__cl_pending *p,
                                 const char **data, size_t *n)
{
    *n = 0;
    while (!k->body_done) {
        size_t avail = k->len - k->off;
        if (avail && k->bmode == FMCP__B_CHUNKED) {
            size_t used = 0, dlen = 0;
            int rc = fmcp__ck_next(&k->ck, k->buf + k->off, avail, &used, &dlen);
            k->off += used;
            if (rc < 0) { k->keep = 0; return FMCP_ERR_PROTOCOL; }
            if (rc == 1) { k->body_done = 1; break; }
            if (dlen) { *data = k->buf + k->off - dlen; *n = dlen; return FMCP_OK; }
            continue;   /* all framing: read more */
        }
        if (avail) {
            if (k->bmode == FMCP__B_LEN && (uint64_t)avail > k->remain) avail = (size_t)k->remain;
            *data = k->buf + k->off;
            *n = avail;
            k->off += avail;
            if (k->bmode == FMCP__B_LEN && (k->remain -= avail) == 0) k->body_done = 1;
            return FMCP_OK;
        }
        {
            fmcp_result r = fmcp__cl_conn_fill(c, k, deadline, p);
            if (r == FMCP_ERR_CLOSED && k->bmode == FMCP__B_CLOSE) { k->body_done = 1; break; }
            if (r != FMCP_OK) return r;
        }
    }
    return FMCP_OK;
}

static fmcp_result fmcp__cl_body_all(fmcp_client *c, fmcp__cl_conn *k, int64_t deadline, fmcp__cl_pending *p,
                                     fmcp__buf *out)
{
    for (;;) {
        const char *d = NULL;
        size_t n;
        fmcp_result r = fmcp__cl_body(c, k, deadline, p, &d, &n);
        if (r != FMCP_OK) return r;
        if (!n) return k->body_done ? FMCP_OK : FMCP_ERR_IO;
        r = fmcp__cl_put(out, d, n, fmcp__cl_max(c));
        if (r != FMCP_OK) return r;
    }
}

/* ---- SSE ----------------------------------------------------------------- */

static void fmcp__cl_sse_init(fmcp_client *c, fmcp__cl_sse *s)
{
    memset(s, 0, sizeof *s);
    fmcp__buf_init(&s->line, c->a, 0);
    fmcp__buf_init(&s->data, c->a, 0);
}

static void fmcp__cl_sse_free(fmcp__cl_sse *s)
{
    fmcp__buf_free(&s->line);
    fmcp__buf_free(&s->data);
}

static void fmcp__cl_sse_event(fmcp_client *c, fmcp__cl_sse *s)
{
    if (s->data.len) s->data.p[--s->data.len] = 0;   /* the last data line's newline */
    if (strcmp(s->event, "endpoint") == 0) {
        const char *u = s->data.p ? s->data.p : "";
        /* A relative URL or a full one on the same origin: keep the path. */
        const char *q = strstr(u, "://");
        if (q) q = strchr(q + 3, '/');
        else q = u;
        if (q && *q == '/') fmcp__cl_copy(c->post_path, sizeof c->post_path, q, strlen(q));
    } else if ((!s->event[0] || strcmp(s->event, "message") == 0) && s->data.len) {
        fmcp__cl_dispatch(c, s->data.p, s->data.len);
    }
    s->data.len = 0;
    s->event[0] = 0;
}

static fmcp_result fmcp__cl_sse_line(fmcp_client *c, fmcp__cl_sse *s, const char *l, size_t n)
{
    const char *colon, *v;
    size_t nl, vl;
    if (n == 0) { fmcp__cl_sse_event(c, s); return FMCP_OK; }
    if (l[0] == ':') return FMCP_OK;
    colon = (const char *)memchr(l, ':', n);
    nl = colon ? (size_t)(colon - l) : n;
    v = colon ? colon + 1 : l + n;
    if (v < l + n && *v == ' ') v++;
    vl = (size_t)(l + n - v);
    if (nl == 4 && memcmp(l, "data", 4) == 0) {
        fmcp_result r = fmcp__cl_put(&s->data, v, vl, fmcp__cl_max(c));
        return r == FMCP_OK ? fmcp__cl_put(&s->data, "\n", 1, fmcp__cl_max(c) + 1) : r;
    }
    if (nl == 5 && memcmp(l, "event", 5) == 0) fmcp__cl_copy(s->event, sizeof s->event, v, vl);
    else if (nl == 2 && memcmp(l, "id", 2) == 0 && vl < sizeof s->last_id && !memchr(v, 0, vl))
        fmcp__cl_copy(s->last_id, sizeof s->last_id, v, vl);
    else if (nl == 5 && memcmp(l, "retry", 5) == 0 && vl && vl < 9) {
        long ms = 0;
        size_t i;
        for (i = 0; i < vl && v[i] >= '0' && v[i] <= '9'; i++) ms = ms * 10 + (v[i] - '0');
        if (i == vl) s->retry_ms = ms;
    }
    return FMCP_OK;
}

static fmcp_result fmcp__cl_sse_feed(fmcp_client *c, fmcp__cl_sse *s, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = (const char *)memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        fmcp_result r = fmcp__cl_put(&s->line, p, k, fmcp__cl_max(c) + 16);
        if (r != FMCP_OK) return r;
        if (!nl) break;
        if (s->line.len && s->line.p[s->line.len - 1] == '\r') s->line.len--;
        r = fmcp__cl_sse_line(c, s, s->line.p, s->line.len);
        s->line.len = 0;
        if (r != FMCP_OK) return r;
        p += k + 1;
        n -= k + 1;
    }
    return FMCP_OK;
}

/* Read SSE until p is answered (p != NULL), the stream ends or an error. */
static fmcp_result fmcp__cl_sse_read(fmcp_client *c, fmcp__cl_conn *k, fmcp__cl_sse *s, int64_t deadline,
                                     fmcp__cl_pending *p)
{
    for (;;) {
        const char *d = NULL;
        size_t n;
        fmcp_result r;
        if (p) {
            int done;
            FMCP__CL_LOCK(c);
            done = p->done;
            FMCP__CL_UNLOCK(c);
            if (done) return FMCP_OK;
        }
        r = fmcp__cl_body(c, k, deadline, p, &d, &n);
        if (r != FMCP_OK) return r;
        if (!n) return k->body_done ? FMCP_ERR_CLOSED : FMCP_ERR_IO;
        r = fmcp__cl_sse_feed(c, s, d, n);
        if (r != FMCP_OK) return r;
    }
}

/* ---- HTTP requests ------------------------------------------------------- */

/* Authorization: the static bearer token, else the OAuth header lines
 * (with a DPoP proof for this method and path when the token is bound). */
static fmcp_result fmcp__cl_auth_header(fmcp_client *c, fmcp__buf *h, size_t max, const char *method,
                                        const char *path)
{
    const char *tok = c->d.bearer_token;
    char *buf = NULL;
    const size_t cap = 24576;
    fmcp_result r = FMCP_OK;
    if (!tok && c->d.oauth) {
        char htu[2400], port[8];
        int dflt = (strcmp(c->url.scheme, "https") == 0 && c->url.port == 443) ||
                   (strcmp(c->url.scheme, "http") == 0 && c->url.port == 80);
        port[0] = 0;
        if (!dflt) snprintf(port, sizeof port, ":%u", (unsigned)c->url.port);
        snprintf(htu, sizeof htu, "%s://%s%s%s%s%s", c->url.scheme, c->url.is_ipv6 ? "[" : "", c->url.host,
                 c->url.is_ipv6 ? "]" : "", port, path);
        buf = (char *)fmcp_malloc(c->a, cap);
        if (!buf) return FMCP_ERR_NOMEM;
        r = fmcp_oauth_request_headers(c->d.oauth, method, htu, buf, cap);
        if (r == FMCP_OK) r = fmcp__cl_put(h, buf, strlen(buf), max);
        else r = r == FMCP_ERR_NOMEM ? r : FMCP_OK;   /* no token yet: the 401 starts the flow */
    }
    if (tok && r == FMCP_OK) {
        r = fmcp__cl_put(h, "Authorization: Bearer ", 22, max);
        if (r == FMCP_OK) r = fmcp__cl_put(h, tok, strlen(tok), max);
        if (r == FMCP_OK) r = fmcp__cl_put(h, "\r\n", 2, max);
    }
    if (buf) { fmcp_wipe(buf, cap); fmcp_free(c->a, buf, cap); }
    return r;
}

static fmcp_result fmcp__cl_http_send_req(fmcp_client *c, fmcp__cl_conn *k, const char *method, const char *path,
                                          const char *body, size_t len, const char *last_id, int64_t deadline,
                                          const char *extra)
{
    fmcp__buf h;
    char line[512];
    size_t i;
    fmcp_result r;
    const size_t max = (size_t)1 << 20;
    int post = strcmp(method, "POST") == 0;
    fmcp__buf_init(&h, c->a, 1);   /* it may hold a token: wiped when it grows and when freed */
    snprintf(line, sizeof line, "%s ", method);
    r = fmcp__cl_put(&h, line, strlen(line), max);
    if (r == FMCP_OK) r = fmcp__cl_put(&h, path, strlen(path), max);
    snprintf(line, sizeof line, " HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: fastmcp.h/" FASTMCP_VERSION_STRING "\r\n",
             c->url.is_ipv6 ? "[" : "", c->url.host, c->url.is_ipv6 ? "]" : "", (unsigned)c->url.port);
    if (r == FMCP_OK) r = fmcp__cl_put(&h, line, strlen(line), max);
    snprintf(line, sizeof line, "Accept: %s\r\n", post ? "application/json, text/event-stream" : "text/event-stream");
    if (r == FMCP_OK && strcmp(method, "DELETE") != 0) r = fmcp__cl_put(&h, line, strlen(line), max);
    if (post) {
        snprintf(line, sizeof line, "Content-Type: application/json\r\nContent-Length: %lu\r\n", (unsigned long)len);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, line, strlen(line), max);
    }
    FMCP__CL_LOCK(c);
    if (c->session[0] && !c->legacy) {
        snprintf(line, sizeof line, "Mcp-Session-Id: %s\r\n", c->session);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, line, strlen(line), max);
    }
    FMCP__CL_UNLOCK(c);
    if (c->version[0] && !c->legacy) {
        snprintf(line, sizeof line, "MCP-Protocol-Version: %s\r\n", c->version);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, line, strlen(line), max);
    }
    if (last_id && *last_id) {
        snprintf(line, sizeof line, "Last-Event-ID: %s\r\n", last_id);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, line, strlen(line), max);
    }
    if (r == FMCP_OK && extra) r = fmcp__cl_put(&h, extra, strlen(extra), max);
    if (r == FMCP_OK) r = fmcp__cl_auth_header(c, &h, max, method, path);
    for (i = 0; i < c->d.nheaders && r == FMCP_OK; i++) {
        const fmcp_http_header *x = &c->d.headers[i];
        r = fmcp__cl_put(&h, x->name, strlen(x->name), max);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, ": ", 2, max);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, x->value, strlen(x->value), max);
        if (r == FMCP_OK) r = fmcp__cl_put(&h, "\r\n", 2, max);
    }
    if (r == FMCP_OK) r = fmcp__cl_put(&h, "\r\n", 2, max);
    if (r == FMCP_OK && post && len <= 65536) r = fmcp__cl_put(&h, body, len, max + 65536);
    if (r == FMCP_OK) r = fmcp__cl_conn_write(c, k, h.p, h.len, deadline);
    if (r == FMCP_OK && post && len > 65536) r = fmcp__cl_conn_write(c, k, body, len, deadline);
    fmcp__buf_free(&h);
    return r;
}

static fmcp__cl_conn *fmcp__cl_take_idle(fmcp_client *c)
{
    fmcp__cl_conn *k;
    FMCP__CL_LOCK(c);
    k = c->idle;
    c->idle = NULL;
    FMCP__CL_UNLOCK(c);
    return k;
}

/* Keep a finished keep-alive connection for the next request, else close it. */
static void fmcp__cl_release(fmcp_client *c, fmcp__cl_conn *k)
{
    if (!k) return;
    if (k->keep && k->body_done && k->off == k->len) {
        FMCP__CL_LOCK(c);
        if (!c->idle && !c->stopping) { c->idle = k; k = NULL; }
        FMCP__CL_UNLOCK(c);
    }
    fmcp__cl_conn_free(c, k);
}

/* Send one request and read its head; a reused connection that turns out
 * to be closed by the server is replaced once. */
static fmcp_result fmcp__cl_exchange(fmcp_client *c, const char *method, const char *path, const char *body,
                                     size_t len, const char *last_id, int64_t deadline, fmcp__cl_pending *p,
                                     fmcp__cl_conn **out, const char *extra)
{
    int attempt;
    fmcp_result r = FMCP_ERR_IO;
    for (attempt = 0; attempt < 2; attempt++) {
        fmcp__cl_conn *k = attempt == 0 ? fmcp__cl_take_idle(c) : NULL;
        int reused = k != NULL;
        if (!k) {
            r = fmcp__cl_conn_open(c, deadline, &k);
            if (r != FMCP_OK) return r;
        }
        r = fmcp__cl_http_send_req(c, k, method, path, body, len, last_id, deadline, extra);
        if (r == FMCP_OK) r = fmcp__cl_read_head(c, k, deadline, p);
        if (r == FMCP_OK) { *out = k; return FMCP_OK; }
        fmcp__cl_conn_free(c, k);
        if (!reused || (r != FMCP_ERR_CLOSED && r != FMCP_ERR_IO)) break;
    }
    return r;
}

static const char *fmcp__cl_post_path(const fmcp_client *c)
{
    return c->legacy ? c->post_path : c->url.path;
}

/* Copies the status and WWW-Authenticate of an auth failure (for OAuth). */
static void fmcp__cl_note_auth(const fmcp__cl_conn *k, int *status, char *www, size_t cap)
{
    *status = k->status;
    if (www && (k->status == 401 || k->status == 403)) fmcp__cl_copy(www, cap, k->www, strlen(k->www));
}

/* POST a notification or response: 202 (or any 2xx) expected, body ignored. */
static fmcp_result fmcp__cl_http_post_once(fmcp_client *c, const char *json, size_t len, int *status,
                                           char *www, size_t wcap)
{
    fmcp__cl_conn *k = NULL;
    fmcp__buf body;
    int64_t deadline = fmcp_monotonic_ms() + 30000;
    fmcp_result r = fmcp__cl_exchange(c, "POST", fmcp__cl_post_path(c), json, len, NULL, deadline, NULL, &k, NULL);
    if (r != FMCP_OK) return r;
    fmcp__cl_note_auth(k, status, www, wcap);
    fmcp__buf_init(&body, c->a, 0);
    if (!k->is_sse) r = fmcp__cl_body_all(c, k, deadline, NULL, &body);
    else k->keep = 0;
    fmcp__buf_free(&body);
    if (r == FMCP_OK && (k->status < 200 || k->status > 299)) r = k->status == 404 ? FMCP_ERR_CLOSED : FMCP_ERR_HTTP;
    fmcp__cl_release(c, k);
    return r;
}

/* After an HTTP error: FMCP_OK when OAuth got a new token and the request
 * should go again, else the result to report. */
static fmcp_result fmcp__cl_reauth(fmcp_client *c, fmcp_result r, int status, const char *www, int attempt)
{
    if (r != FMCP_ERR_HTTP || !c->d.oauth || c->d.bearer_token || (status != 401 && status != 403)) return r;
    {
        char nonce[256];
        FMCP__CL_LOCK(c);
        memcpy(nonce, c->dpop_nonce, sizeof nonce);
        FMCP__CL_UNLOCK(c);
        return fmcp_oauth_handle_challenge_ex(c->d.oauth, status, www[0] ? www : NULL, nonce[0] ? nonce : NULL,
                                              attempt);
    }
}

static fmcp_result fmcp__cl_http_post_oneway(fmcp_client *c, const char *json, size_t len)
{
    char www[4096];
    int attempt, status = 0;
    fmcp_result r;
    for (attempt = 0;; attempt++) {
        www[0] = 0;
        r = fmcp__cl_http_post_once(c, json, len, &status, www, sizeof www);
        if (r == FMCP_OK || fmcp__cl_reauth(c, r, status, www, attempt) != FMCP_OK) return r;
    }
}

/* Resume a POST stream that ended early: GET with Last-Event-ID. */
static fmcp_result fmcp__cl_resume(fmcp_client *c, fmcp__cl_sse *s, int64_t deadline, fmcp__cl_pending *p)
{
    int tries;
    for (tries = 0; tries < 5; tries++) {
        fmcp__cl_conn *k = NULL;
        fmcp_result r;
        int wait = s->retry_ms > 0 ? (int)s->retry_ms : 1000;
        while (wait > 0) {     /* honour the server's retry hint, interruptibly */
            int ms = fmcp__cl_slice(deadline);
            if (ms == 0) return FMCP_ERR_TIMEOUT;
            if (ms > wait) ms = wait;
            fmcp__cl_nap(ms);
            wait -= ms;
            FMCP__CL_LOCK(c);
            r = p->done ? FMCP_OK : p->cancel ? FMCP_ERR_CANCELLED : FMCP_ERR_IO;
            FMCP__CL_UNLOCK(c);
            if (r != FMCP_ERR_IO) return r;
        }
        r = fmcp__cl_exchange(c, "GET", c->url.path, NULL, 0, s->last_id, deadline, p, &k, NULL);
        if (r != FMCP_OK) return r;
        if (k->status != 200 || !k->is_sse) { fmcp__cl_conn_free(c, k); return FMCP_ERR_HTTP; }
        r = fmcp__cl_sse_read(c, k, s, deadline, p);
        fmcp__cl_conn_free(c, k);
        if (r != FMCP_ERR_CLOSED) return r;
    }
    return FMCP_ERR_CLOSED;
}

/* POST a request and read its answer (JSON or SSE) until p is done. */
static fmcp_result fmcp__cl_http_rpc(fmcp_client *c, const char *json, size_t len, fmcp__cl_pending *p,
                                     int64_t deadline, int *status, char *www, size_t wcap)
{
    fmcp__cl_conn *k = NULL;
    fmcp__buf body;
    fmcp__cl_sse s;
    fmcp_result r = fmcp__cl_exchange(c, "POST", fmcp__cl_post_path(c), json, len, NULL, deadline, p, &k, p->xhdr);
    if (r != FMCP_OK) return r;
    fmcp__cl_note_auth(k, status, www, wcap);
    fmcp__buf_init(&body, c->a, 0);
    fmcp__cl_sse_init(c, &s);
    if (c->legacy && k->status >= 200 && k->status <= 299) {
        r = fmcp__cl_body_all(c, k, deadline, p, &body);   /* answer comes on the GET stream */
        fmcp__cl_release(c, k);
        fmcp__buf_free(&body);
        return r;
    }
    if (k->status != 200) {
        r = k->status == 404 && c->session[0] ? FMCP_ERR_CLOSED : FMCP_ERR_HTTP;
        if (fmcp__cl_body_all(c, k, deadline, p, &body) != FMCP_OK) k->keep = 0;
        /* 2026-07-28 errors (400, 404) carry a JSON-RPC body: the caller reads it */
        else if (c->modern && k->status >= 400 && k->status < 500 && k->status != 401 && k->status != 403 &&
                 body.len && !k->is_sse)
            fmcp__cl_dispatch(c, body.p, body.len);
    } else if (k->is_sse) {
        r = fmcp__cl_sse_read(c, k, &s, deadline, p);
        k->keep = 0;
        if (r == FMCP_ERR_CLOSED && s.last_id[0]) r = fmcp__cl_resume(c, &s, deadline, p);
    } else {
        r = fmcp__cl_body_all(c, k, deadline, p, &body);
        if (r == FMCP_OK) fmcp__cl_dispatch(c, body.p ? body.p : "", body.len);
    }
    if (r != FMCP_OK) k->keep = 0;
    fmcp__cl_release(c, k);
    fmcp__buf_free(&body);
    fmcp__cl_sse_free(&s);
    return r;
}

#ifndef FASTMCP_NO_THREADS
/* 2026-07-28: the notification stream is a subscriptions/listen POST. */
static fmcp_result fmcp__cl_listen_send(fmcp_client *c, fmcp__cl_conn *k)
{
    char *msg = NULL, hdr[160];
    size_t len = 0;
    fmcp_result r = fmcp__cl_listen_msg(c, &msg, &len);
    snprintf(hdr, sizeof hdr, "Mcp-Method: subscriptions/listen\r\n");
    if (r == FMCP_OK)
        r = fmcp__cl_http_send_req(c, k, "POST", c->url.path, msg, len, NULL, fmcp_monotonic_ms() + 30000, hdr);
    fmcp_free_text(c->a, msg, len);
    return r;
}

/* Tells connect the GET stream is open (or will not be), so requests the
 * server sends on it right after connect are not lost. */
static void fmcp__cl_get_settle(fmcp_client *c)
{
    FMCP__CL_LOCK(c);
    c->get_settled = 1;
    FMCP__CL_WAKE(c);
    FMCP__CL_UNLOCK(c);
}

/* The stand-alone GET stream (or the legacy stream): reconnects after the
 * server's retry hint until the client closes. */
static int fmcp__cl_get_once(fmcp_client *c, fmcp__cl_sse *s, fmcp__cl_conn *k0)
{
    fmcp__cl_conn *k = k0;
    fmcp_result r = FMCP_OK;
    if (!k) r = fmcp__cl_conn_open(c, fmcp_monotonic_ms() + 30000, &k);
    if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? 0 : 1;
    /* published before the request, so close can cut even a server that
     * holds back the response head */
    FMCP__CL_LOCK(c);
    if (c->stopping) { FMCP__CL_UNLOCK(c); fmcp__cl_conn_free(c, k); return 0; }
    c->get_fd = k->fd;
    FMCP__CL_UNLOCK(c);
    if (!k0) {
        if (c->modern) r = fmcp__cl_listen_send(c, k);
        else r = fmcp__cl_http_send_req(c, k, "GET", c->url.path, NULL, 0,
            s->last_id, fmcp_monotonic_ms() + 30000, NULL);
        if (r == FMCP_OK) r = fmcp__cl_read_head(c, k, 0, NULL);
        if (r != FMCP_OK) k->status = 0;
    }
    fmcp__cl_get_settle(c);
    if (k->status == 200 && k->is_sse) r = fmcp__cl_sse_read(c, k, s, 0, NULL);
    FMCP__CL_LOCK(c);
    c->get_fd = -1;
    FMCP__CL_UNLOCK(c);
    r = k->status == 0 || (k->status == 200 && k->is_sse) ? FMCP_OK : FMCP_ERR_HTTP;
    fmcp__cl_conn_free(c, k);
    return r == FMCP_OK;   /* I/O trouble or a finished stream: again; 405 etc.: no stream */
}

static void *fmcp__cl_get_main(void *arg)
{
    fmcp_client *c = (fmcp_client *)arg;
    fmcp__cl_sse *s = c->legacy ? &c->legacy_sse : NULL, own;
    fmcp__cl_conn *k = c->legacy_conn;
    c->legacy_conn = NULL;
    fmcp__cl_sse_init(c, &own);
    if (!s) s = &own;
    for (;;) {
        int again = fmcp__cl_get_once(c, s, k), ms;
        k = NULL;
        fmcp__cl_get_settle(c);
        if (!again || c->legacy) break;
        ms = s->retry_ms > 0 ? (int)s->retry_ms : 1000;
        FMCP__CL_LOCK(c);
        if (!c->stopping) fmcp__cl_cond_wait_ms(c, ms);
        again = !c->stopping;
        FMCP__CL_UNLOCK(c);
        if (!again) break;
    }
    if (c->legacy) fmcp__cl_mark_closed(c);
    fmcp__cl_sse_free(&own);
    return NULL;
}
#endif

/* The POST, again after each OAuth challenge that produced a new token. */
static fmcp_result fmcp__cl_http_authed(fmcp_client *c, const char *msg, size_t len, fmcp__cl_pending *p,
                                        int *status)
{
    char www[4096];
    int attempt;
    int64_t span = p->deadline ? p->deadline - fmcp_monotonic_ms() : 0;
    for (attempt = 0;; attempt++) {
        fmcp_result r, a;
        www[0] = 0;
        r = fmcp__cl_http_rpc(c, msg, len, p, p->deadline, status, www, sizeof www);
        a = fmcp__cl_reauth(c, r, *status, www, attempt);
        if (a != FMCP_OK || r == FMCP_OK) return r == FMCP_ERR_HTTP ? a : r;
        if (span > 0) {                  /* the browser may have taken minutes */
            FMCP__CL_LOCK(c);
            p->deadline = fmcp_monotonic_ms() + span;
            FMCP__CL_UNLOCK(c);
        }
    }
}

/* ---- connect and close ------------------------------------------------------ */

/* Old servers (2024-11-05): GET the URL, wait for the endpoint event. */
static fmcp_result fmcp__cl_legacy_open(fmcp_client *c)
{
    int64_t deadline = fmcp__cl_deadline(c, NULL);
    fmcp__cl_conn *k = NULL;
    fmcp_result r = fmcp__cl_exchange(c, "GET", c->url.path, NULL, 0, NULL, deadline, NULL, &k, NULL);
    if (r != FMCP_OK) return r;
    if (k->status != 200 || !k->is_sse) { fmcp__cl_conn_free(c, k); return FMCP_ERR_HTTP; }
    c->legacy = 1;
    while (!c->post_path[0] && r == FMCP_OK) {
        const char *data = NULL;
        size_t n;
        r = fmcp__cl_body(c, k, deadline, NULL, &data, &n);
        if (r == FMCP_OK && !n) r = FMCP_ERR_CLOSED;
        if (r == FMCP_OK) r = fmcp__cl_sse_feed(c, &c->legacy_sse, data, n);
    }
    if (r != FMCP_OK) { fmcp__cl_conn_free(c, k); return r; }
    c->legacy_conn = k;
    return FMCP_OK;
}

static fmcp_result fmcp__cl_start_get(fmcp_client *c)
{
#ifndef FASTMCP_NO_THREADS
    if (c->d.no_get_stream && !c->legacy) return FMCP_OK;
    if (c->modern && !c->d.on_notification) return FMCP_OK;   /* nothing to listen for */
    if (fmcp__thread_start(&c->thread, fmcp__cl_get_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_thread = 1;
    {   /* wait (briefly) until the server has answered the GET */
        int64_t end = fmcp_monotonic_ms() + 5000;
        FMCP__CL_LOCK(c);
        while (!c->get_settled && fmcp_monotonic_ms() < end) fmcp__cl_cond_wait_ms(c, FMCP__CL_SLICE_MS);
        FMCP__CL_UNLOCK(c);
    }
    return FMCP_OK;
#else
    return c->legacy ? FMCP_ERR_UNSUPPORTED : FMCP_OK;   /* the legacy answers need a reader */
#endif
}

FASTMCP_API fmcp_result fmcp_client_connect_http(const fmcp_client_desc *d, const char *url, fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    int status = 0;
    if (!out || !url) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_HTTP, &c);
    if (r != FMCP_OK) return r;
    r = fmcp_http_url_parse(url, &c->url);
    if (r == FMCP_OK && strcmp(c->url.scheme, "https") == 0 && !c->d.transport) r = FMCP_ERR_UNSUPPORTED;
    if (r == FMCP_OK) r = c->d.protocol_era == FMCP_ERA_LEGACY ? FMCP_ERR_NOT_FOUND : fmcp__cl_discover(c, &status);
    if (r == FMCP_ERR_NOT_FOUND) r = fmcp__cl_initialize(c, &status);
    if (r == FMCP_ERR_HTTP && status >= 400 && status < 500 && status != 401 && status != 403) {
        if (c->init) { fmcp_json_doc_destroy(c->init); c->init = NULL; }
        r = fmcp__cl_legacy_open(c);
        if (r == FMCP_OK) r = fmcp__cl_start_get(c);
        if (r == FMCP_OK) r = fmcp__cl_initialize(c, &status);
    } else if (r == FMCP_OK) {
        r = fmcp__cl_start_get(c);
    }
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}

/* fmcp_client_destroy's HTTP part: the GET stream's thread stopped (its
 * connection cut, so even a server holding back the head lets it go), the
 * session deleted, the kept connections closed. */
static void fmcp__cl_http_end(fmcp_client *c)
{
#ifndef FASTMCP_NO_THREADS
    if (c->has_thread) {
        FMCP__CL_LOCK(c);
#  ifdef _WIN32
        if (c->get_fd >= 0) shutdown((SOCKET)c->get_fd, SD_BOTH);
#  else
        if (c->get_fd >= 0) shutdown(c->get_fd, SHUT_RDWR);
#  endif
        FMCP__CL_WAKE(c);
        FMCP__CL_UNLOCK(c);
        fmcp__thread_join(&c->thread);
        c->has_thread = 0;
    }
#endif
    if (c->session[0] && !c->legacy) {
        fmcp__cl_conn *k = NULL;
        if (fmcp__cl_exchange(c, "DELETE", c->url.path, NULL, 0, NULL, fmcp_monotonic_ms() + 2000,
                              NULL, &k, NULL) == FMCP_OK)
            fmcp__cl_conn_free(c, k);
    }
    fmcp__cl_conn_free(c, c->idle);
    fmcp__cl_conn_free(c, c->legacy_conn);
    fmcp__cl_sse_free(&c->legacy_sse);
}

#endif /* FASTMCP_NO_SOCKETS */
#endif /* a transport */
