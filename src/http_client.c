/* http_client: implementation (the loop client: fmcp_http_fetch and friends) */
#include "base.h"
#include "http.h"

#ifndef FASTMCP_NO_SOCKETS

#include <string.h>

/* ---- client ---------------------------------------------------------------------------- */

enum { FMCP__F_CONNECT, FMCP__F_SEND, FMCP__F_HEAD, FMCP__F_BODY };
#define FMCP__MAX_RESP_HEAD 65536u

typedef struct fmcp__resp {
    fmcp_http_response pub;
    fmcp_allocator alloc;
    size_t size;
    fmcp__buf body;         /* allocates through alloc */
} fmcp__resp;

struct fmcp_http_fetch_op {
    fmcp__io io;
    fmcp_http_loop *loop;
    fmcp_http_fetch_op *prev, *next;
    const fmcp_http_io *tr;
    void *tc;
    struct addrinfo *ai, *cur;
    struct fmcp__dns *dns;      /* pending lookup, if any */
    fmcp__buf out, in;
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
    fmcp__buf_free(&r->body);
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
    fmcp__buf_free(&op->out);
    fmcp__buf_free(&op->in);
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
    (void)setsockopt(FMCP__SOCK(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    do rc = connect(FMCP__SOCK(fd), ai->ai_addr, (fmcp__socklen)ai->ai_addrlen);
    while (rc != 0 && fmcp__sock_intr());
    if (rc != 0 && !fmcp__sock_inprogress()) { fmcp__sock_close(fd); return -1; }
    *fdo = fd;
    return rc == 0 ? 0 : 1;
}

/* After an in-progress connect turned writable: 1 when it succeeded. */
static int fmcp__tcp_result(int fd)
{
    int err = 0;
    fmcp__socklen sl = sizeof err;
    return getsockopt(FMCP__SOCK(fd), SOL_SOCKET, SO_ERROR, (char *)&err, &sl) == 0 && err == 0;
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
    fmcp__buf_init(&r->body, &r->alloc, 0);
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
    fmcp__buf *b = &op->res->body;
    size_t used = op->in.len;
    int rc = 0;
    if (op->bmode == FMCP__B_NONE) { op->in.len = 0; return 1; }
    if (op->bmode == FMCP__B_CHUNKED) rc = fmcp__ck_feed(&op->ck, op->in.p, op->in.len, &used, b, op->max);
    else {
        size_t take = op->in.len;
        if (op->bmode == FMCP__B_LEN && take > op->remaining) take = (size_t)op->remaining;
        if (b->len + take > op->max) return FMCP_ERR_TOO_LARGE;
        fmcp__buf_put(b, op->in.p, take);
        if (b->err) return FMCP_ERR_NOMEM;
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
    if (!fmcp__buf_room(&r->body, 0)) { fmcp__fetch_fail(op, FMCP_ERR_NOMEM, NULL); return; }
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
        if (!fmcp__buf_room(&op->in, 16384)) {
            fmcp__fetch_fail(op, FMCP_ERR_NOMEM, NULL);
            return;
        }
        n = fmcp__fetch_io(op, 0, op->in.p + op->in.len, op->in.cap - op->in.len);
        if (n > 0) { op->in.len += (size_t)n; if (fmcp__fetch_parse(op, 0)) return; continue; }
        if (n == 0) { (void)fmcp__fetch_parse(op, 1); return; }
        if (n != FMCP_HTTP_IO_WANT_READ && n != FMCP_HTTP_IO_WANT_WRITE)
            fmcp__fetch_fail(op, FMCP_ERR_IO, "read failed");
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
                /* a TLS handshake waits to read */
                fmcp__io_mod(op->loop, &op->io, n == FMCP_HTTP_IO_WANT_READ ? FMCP__IN : FMCP__OUT);
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
    fmcp__buf *b = &op->out;
    size_t i;
    int dflt = u->port == (strcmp(u->scheme, "https") == 0 ? 443 : 80);
    fmcp__buf_puts(b, method);
    fmcp__buf_put(b, " ", 1);
    fmcp__buf_puts(b, u->path);
    fmcp__buf_puts(b, " HTTP/1.1\r\n");
    if (!fmcp__find_hdr(q->headers, q->nheaders, "host")) {
        fmcp__buf_puts(b, u->is_ipv6 ? "Host: [" : "Host: ");
        fmcp__buf_puts(b, u->host);
        if (u->is_ipv6) fmcp__buf_put(b, "]", 1);
        if (!dflt) { fmcp__buf_put(b, ":", 1); fmcp__put_u(b, u->port, 10); }
        fmcp__buf_put(b, "\r\n", 2);
    }
    for (i = 0; i < q->nheaders; i++) {
        fmcp__buf_puts(b, q->headers[i].name);
        fmcp__buf_put(b, ": ", 2);
        fmcp__buf_puts(b, q->headers[i].value);
        fmcp__buf_put(b, "\r\n", 2);
    }
    if (q->body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
        fmcp__buf_puts(b, "Content-Length: ");
        fmcp__put_u(b, q->body_len, 10);
        fmcp__buf_put(b, "\r\n", 2);
    }
    fmcp__buf_puts(b, "Connection: close\r\n\r\n");
    fmcp__buf_put(b, q->body, q->body_len);
    return b->err;
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
    fmcp__buf_free(&op->out);
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
    fmcp__buf_init(&op->out, loop->a, 0);
    fmcp__buf_init(&op->in, loop->a, 0);
    op->io.fd = -1; op->io.kind = FMCP__IO_FETCH; op->loop = loop; op->tr = req->transport;
    op->cb = cb; op->user = user; op->max = req->max_response_bytes ? req->max_response_bytes : (4u << 20);
    op->errbuf = req->error_buf ? req->error_buf : nobuf; op->errlen = req->error_buf ? req->error_buf_len : 0;
    op->head_req = strcmp(method, "HEAD") == 0;
    memcpy(op->host, u.host, sizeof op->host);
    e = fmcp__fetch_format(op, req, &u, method);
    if (!e) e = fmcp__fetch_start(op, &u);
    if (!e)
        e = fmcp_http_timer_add(loop, req->timeout_ms > 0 ? req->timeout_ms : 10000, fmcp__fetch_timeout, op,
                                &op->timer);
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
