/* http_conn: implementation (server connections: reading, request heads, bodies, accepting) */
#include "base.h"
#include "http.h"

#ifndef FASTMCP_NO_SOCKETS

#include <string.h>

#define FMCP__PIPELINE_OUT 65536u   /* unsent output that pauses reading/parsing */

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
    fmcp__buf rb;
    size_t rpos, scan;
    fmcp__buf wb;
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
    fmcp__buf body;
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
    fmcp__buf_free(&r->body);
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
    fmcp__buf *b = &c->wb;
    if (c->cur && !c->cur->dispatched) { fmcp__req_unref(c->cur); c->cur = NULL; }
    c->state = FMCP__C_CLOSING;
    if (fmcp__pool_take(l, b) != FMCP_OK) { fmcp__conn_close(c); return; }
    fmcp__buf_puts(b, "HTTP/1.1 ");
    fmcp__put_u(b, (uint64_t)status, 10);
    fmcp__buf_puts(b, " ");
    fmcp__buf_puts(b, reason);
    fmcp__buf_puts(b, "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ");
    fmcp__put_u(b, strlen(reason) + 1, 10);
    fmcp__buf_puts(b, "\r\n\r\n");
    fmcp__buf_puts(b, reason);
    fmcp__buf_puts(b, "\n");
    if (b->err) fmcp__conn_close(c);
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
        if (c->tc && s->d.transport->end) s->d.transport->end(c->tc);   /* before the FIN */
        (void)shutdown(FMCP__SOCK(c->io.fd), SHUT_WR);
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
    fmcp__buf_init(&r->body, l->a, 0);
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
        if (fmcp__pool_take(s->loop, &c->wb) == FMCP_OK) fmcp__buf_puts(&c->wb, "HTTP/1.1 100 Continue\r\n\r\n");
        if (!c->wb.p || c->wb.err) {
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
    if (!fmcp__buf_room(&req->body, 0)) { fmcp__conn_fail(c, 503); return 0; }
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
    size_t avail = c->rb.len - c->rpos, used = 0;
    if (req->chunked) {
        int rc = fmcp__ck_feed(&c->ck, c->rb.p + c->rpos, avail, &used, &req->body, req->max_body);
        c->rpos += used; c->body_bytes += used;
        if (rc < 0) { fmcp__conn_fail(c, rc == FMCP_ERR_TOO_LARGE ? 413 : rc == FMCP_ERR_NOMEM ? 503 : 400); return 0; }
        if (rc == 0) return 0;
    } else if (c->remaining) {
        size_t take = avail < c->remaining ? avail : (size_t)c->remaining;
        /* sized once for most bodies (and their NUL) */
        if (!req->body.p) (void)fmcp__buf_room(&req->body, c->remaining < 65536 ? (size_t)c->remaining : 65535);
        fmcp__buf_put(&req->body, c->rb.p + c->rpos, take);
        if (req->body.err) { fmcp__conn_fail(c, 503); return 0; }
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
            if (c->wb.len - c->wpos > FMCP__PIPELINE_OUT) {
                fmcp__conn_flush(c);
                if (c->io.dead || c->wb.len - c->wpos > FMCP__PIPELINE_OUT) break;
            }
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
    if (fmcp__pool_take(s->loop, &c->rb) != FMCP_OK) { fmcp__conn_close(c); return 0; }
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
    /* full (len == cap): room for cap - 1 more and the NUL doubles it */
    if (!fmcp__buf_room(&c->rb, c->rb.cap - 1)) { fmcp__conn_close(c); return 0; }
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
    (void)shutdown(FMCP__SOCK(fd), SHUT_WR);
    fmcp__sock_close(fd);
}

static void fmcp__srv_adopt(fmcp_http_server *s, int fd, const struct sockaddr_storage *ss)
{
    fmcp_http_loop *l = s->loop;
    fmcp__conn *c = (fmcp__conn *)fmcp_malloc(l->a, sizeof *c);
    int one = 1;
    if (!c) { fmcp__sock_close(fd); return; }
    memset(c, 0, sizeof *c);
    fmcp__buf_init(&c->rb, l->a, 0);
    fmcp__buf_init(&c->wb, l->a, 0);
    c->io.fd = fd; c->io.kind = FMCP__IO_CONN; c->srv = s; c->tl = -1;
    (void)setsockopt(FMCP__SOCK(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
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

#endif /* FASTMCP_NO_SOCKETS */
