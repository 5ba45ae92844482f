/* http_server: implementation (answering, request accessors, servers, stepping the loop) */
#include "base.h"
#include "http.h"

#ifndef FASTMCP_NO_SOCKETS

#include <string.h>

/* ---- answering: loop side ------------------------------------------------------ */

/* Apply a formatted response piece on the loop thread. data may be NULL
 * when the bytes were written straight into the connection buffer. */
/* A finishing call failed (out of memory): the peer gets a bare 500 when
 * nothing was sent yet, else the connection closes; never a hang. */
static void fmcp__abort_conn(fmcp_http_req *req, fmcp__conn *c)
{
    static const char m[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    c->close_after = 1;
    if (req->lstreamed || fmcp__pool_take(req->loop, &c->wb) != FMCP_OK) { fmcp__conn_close(c); return; }
    fmcp__buf_put(&c->wb, m, sizeof m - 1);
    if (c->wb.err) fmcp__conn_close(c);
}

static fmcp_result fmcp__apply(fmcp_http_req *req, int kind, fmcp__buf *data)
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
        if (fmcp__pool_take(req->loop, &c->wb) == FMCP_OK) fmcp__buf_put(&c->wb, data->p, data->len);
        if (!c->wb.p || c->wb.err) fmcp__conn_close(c);
    }
    if (c && !c->io.dead && c->wb.len - c->wpos > c->srv->d.max_write_buffer) fmcp__conn_close(c);
    if (c && c->io.dead) c = NULL;
    if (kind == FMCP__OP_FINISH) {
        if (c) {
            int close_now = !req->keepalive || (req->lstreamed && req->minor == 0) || c->close_after ||
                            c->srv->draining;
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
        fmcp__buf_free(&op->data);
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
    fmcp__buf *b;
    fmcp__buf own;
    size_t mark;
    int direct;
} fmcp__out;

static fmcp_result fmcp__out_begin(fmcp_http_req *req, fmcp__out *o)
{
    o->req = req;
    o->mark = 0;
    o->direct = fmcp__on_loop_drained(req->loop);
    fmcp__buf_init(&o->own, req->loop->a, 0);
    o->b = &o->own;
    if (o->direct && req->conn) {
        if (fmcp__pool_take(req->loop, &req->conn->wb) != FMCP_OK) return FMCP_ERR_NOMEM;
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
        if (o->b != &o->own) { o->b->len = o->mark; o->b->err = FMCP_OK; }   /* the connection's buffer as it was */
        fmcp__buf_free(&o->own);
        return kind == FMCP__OP_FINISH ? fmcp__out_abort(o) : fmt;
    }
    if (o->direct) {
        fmcp__buf_free(&o->own);
        return fmcp__apply(o->req, kind, NULL);
    }
    op = (fmcp__op *)fmcp_malloc(l->a, sizeof *op);
    if (!op) {
        fmcp__buf_free(&o->own);
        return kind == FMCP__OP_FINISH ? fmcp__out_abort(o) : FMCP_ERR_NOMEM;
    }
    op->next = NULL; op->req = o->req; op->kind = kind; op->embedded = 0; op->data = o->own;
    fmcp__enqueue(l, op);
    return FMCP_OK;
}

static char *fmcp__cpy(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

/* The head goes into b in runs written straight after one fmcp__buf_room
 * each (the status line, each field, the fields we add): a checked put per
 * piece costs about 200 more instructions per response (bench_mcp_http_instr). */
static fmcp_result fmcp__fmt_head(fmcp__out *o, int status, const fmcp_http_header *h, size_t n,
                                  int stream, size_t clen)
{
    fmcp_http_req *r = o->req;
    fmcp__buf *b = o->b;
    const char *reason = fmcp__reason(status);
    size_t i, rl = strlen(reason);
    int want_close = !r->keepalive || (stream && r->minor == 0);
    char *w;
    if (!fmcp__buf_room(b, 15 + rl)) return b->err;   /* "HTTP/1.1 NNN reason\r\n" (status: 200-999) */
    w = fmcp__cpy(b->p + b->len, "HTTP/1.1 ", 9);
    w[0] = (char)('0' + status / 100); w[1] = (char)('0' + status / 10 % 10); w[2] = (char)('0' + status % 10);
    w[3] = ' ';
    w = fmcp__cpy(w + 4, reason, rl);
    w = fmcp__cpy(w, "\r\n", 2);
    b->len = (size_t)(w - b->p);
    for (i = 0; i < n; i++) {
        size_t nl = strlen(h[i].name), vl = strlen(h[i].value);
        if (!fmcp__buf_room(b, nl + vl + 4)) return b->err;
        w = fmcp__cpy(b->p + b->len, h[i].name, nl);
        w = fmcp__cpy(w, ": ", 2);
        w = fmcp__cpy(w, h[i].value, vl);
        w = fmcp__cpy(w, "\r\n", 2);
        b->len = (size_t)(w - b->p);
    }
    if (!fmcp__buf_room(b, 128)) return b->err;   /* at most 101 bytes follow */
    w = fmcp__cpy(b->p + b->len, "Date: ", 6);
    if (o->direct) w = fmcp__cpy(w, fmcp__loop_date(r->loop), 29);
    else { fmcp__http_date(w, fmcp_time_now()); w += 29; }
    if (!stream && status != 204 && status != 304) {
        w = fmcp__cpy(w, "\r\nContent-Length: ", 18);
        w += fmcp__fmt_u(w, clen, 10);
    } else if (stream && r->minor >= 1) w = fmcp__cpy(w, "\r\nTransfer-Encoding: chunked", 28);
    if (want_close) w = fmcp__cpy(w, "\r\nConnection: close", 19);
    else if (r->minor == 0) w = fmcp__cpy(w, "\r\nConnection: keep-alive", 24);
    w = fmcp__cpy(w, "\r\n\r\n", 4);
    *w = 0;
    b->len = (size_t)(w - b->p);
    return FMCP_OK;
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
        (void)fmcp__buf_room(o.b, need);
    }
    if (!e) e = fmcp__fmt_head(&o, status, headers, nheaders, 0, len);
    if (!e && !req->is_head && len) { fmcp__buf_put(o.b, body, len); e = o.b->err; }
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
    if (o->req->is_head || !len) return FMCP_OK;
    if (o->req->minor >= 1) { fmcp__put_u(o->b, len, 16); fmcp__buf_put(o->b, "\r\n", 2); }
    fmcp__buf_put(o->b, data, len);
    if (o->req->minor >= 1) fmcp__buf_put(o->b, "\r\n", 2);
    return o->b->err;
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
static void fmcp__sse_field(fmcp__buf *b, const char *name, const char *v)
{
    do {
        size_t n = strcspn(v, "\r\n");
        fmcp__buf_puts(b, name);
        fmcp__buf_put(b, v, n);
        fmcp__buf_put(b, "\n", 1);
        v += n;
        if (*v == '\r' && v[1] == '\n') v++;
        if (*v) v++; else break;
    } while (!b->err);
}

FASTMCP_API fmcp_result fmcp_http_sse_send(fmcp_http_req *req, const char *id, const char *event,
                                           const char *data)
{
    fmcp__buf ev;
    fmcp_result e;
    if (!req) return FMCP_ERR_INVALID_ARG;
    if ((id && strpbrk(id, "\r\n")) || (event && strpbrk(event, "\r\n"))) return FMCP_ERR_INVALID_ARG;
    fmcp__buf_init(&ev, req->loop->a, 0);
    if (!data) fmcp__buf_puts(&ev, ": keepalive\n");
    else {
        if (id) fmcp__sse_field(&ev, "id: ", id);
        if (event) fmcp__sse_field(&ev, "event: ", event);
        fmcp__sse_field(&ev, "data: ", data);
    }
    fmcp__buf_put(&ev, "\n", 1);
    e = ev.err ? ev.err : fmcp_http_stream_write(req, ev.p, ev.len);
    fmcp__buf_free(&ev);
    return e;
}

FASTMCP_API fmcp_result fmcp_http_stream_end(fmcp_http_req *req)
{
    fmcp__out o;
    fmcp_result e;
    if (!req) return FMCP_ERR_INVALID_ARG;
    if (req->ustate != 1) return FMCP_ERR_STATE;
    e = fmcp__out_begin(req, &o);
    if (!e && req->minor >= 1 && !req->is_head) { fmcp__buf_put(o.b, "0\r\n\r\n", 5); e = o.b->err; }
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
        (void)setsockopt(FMCP__SOCK(fd), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one);
#else
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#endif
#ifdef SO_REUSEPORT
        if (s->d.reuse_port) (void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
#endif
        if (bind(FMCP__SOCK(fd), ai->ai_addr, (fmcp__socklen)ai->ai_addrlen) == 0 &&
            listen(FMCP__SOCK(fd), s->d.backlog) == 0) break;
        fmcp__sock_close(fd); fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return r;
    {
        struct sockaddr_storage ss;
        fmcp__socklen sl = sizeof ss;
        if (getsockname(FMCP__SOCK(fd), (struct sockaddr *)(void *)&ss, &sl) == 0)
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
    if (r == FMCP_OK && fmcp__io_add(loop, &s->io, FMCP__IN) != FMCP_OK) {
        fmcp__sock_close(s->io.fd);
        r = FMCP_ERR_NOMEM;
    }
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
        l->pfds[i].fd = FMCP__SOCK(io->fd);
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

#endif /* FASTMCP_NO_SOCKETS */
