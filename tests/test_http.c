/* Unit tests for the http module: server engine over raw sockets, the
 * library client, limits, timeouts, wake-ups from worker threads, shutdown.
 * The raw clients below parse responses with their own small code, so the
 * server is not checked against itself. The loop is stepped, never slept. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#ifdef FASTMCP_NO_SOCKETS
static void test_url_only(void) { fmcp_http_url u; CHECK_OK(fmcp_http_url_parse("http://a/", &u)); }
int main(void) { T_RUN(test_url_only); return t_finish("http"); }
#else

#include <errno.h>
#include <time.h>
#ifdef _WIN32
/* Windows (mingw-w64, under Wine): the raw test clients on Winsock; the
 * library's loop has called WSAStartup before any client connects. */
#include <winsock2.h>
#include <ws2tcpip.h>
#define close(fd) closesocket((SOCKET)(fd))
#define send(fd, b, n, f) send((SOCKET)(fd), (const char *)(b), (int)(n), (f))
#define recv(fd, b, n, f) recv((SOCKET)(fd), (char *)(b), (int)(n), (f))
#define MSG_NOSIGNAL 0
#define MSG_DONTWAIT 0   /* the sockets are non-blocking anyway */
#define SHUT_WR SD_SEND
#define T_WOULD_BLOCK() (WSAGetLastError() == WSAEWOULDBLOCK)
#define T_RESET() (WSAGetLastError() == WSAECONNRESET || WSAGetLastError() == WSAECONNABORTED)
#else
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#define T_WOULD_BLOCK() (errno == EAGAIN || errno == EWOULDBLOCK)
#define T_RESET() (errno == ECONNRESET)
#endif

static void t_nonblock(int fd)
{
#ifdef _WIN32
    u_long one = 1;
    ioctlsocket((SOCKET)fd, FIONBIO, &one);
#else
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
#endif
}
#ifndef FASTMCP_NO_THREADS
#include <pthread.h>
#endif

/* ---- test server ------------------------------------------------------------ */

static fmcp_http_req *t_held;        /* request kept for a later answer */
static int t_closed_calls;
static int t_handled;

#ifndef FASTMCP_NO_THREADS
static pthread_t t_worker;
static int t_worker_started;
static void *t_worker_main(void *arg)
{
    fmcp_http_req *req = (fmcp_http_req *)arg;
    static const fmcp_http_header h[1] = {{"Content-Type", "text/plain"}};
    if (strcmp(fmcp_http_req_path(req), "/worker-stream") == 0) {
        fmcp_http_stream_start(req, 200, h, 1);
        fmcp_http_stream_write(req, "one,", 4);
        fmcp_http_stream_write(req, "two,", 4);
        fmcp_http_sse_send(req, "7", "msg", "three");
        fmcp_http_stream_end(req);
    } else {
        fmcp_http_respond(req, 200, h, 1, "from worker", 11);
    }
    return NULL;
}
#endif

static void t_on_close(fmcp_http_req *req, void *user)
{
    (void)req; (void)user;
    t_closed_calls++;
}

static void t_echo(fmcp_http_req *req)
{
    char out[4096];
    size_t blen, n;
    const char *body = fmcp_http_req_body(req, &blen);
    const char *q = fmcp_http_req_query(req), *x = fmcp_http_req_header(req, "x-test");
    fmcp_http_header h[2];
    h[0].name = "Content-Type"; h[0].value = "text/plain";
    h[1].name = "X-Echo"; h[1].value = x ? x : "-";
    n = (size_t)snprintf(out, sizeof out, "%s %s %s %.*s", fmcp_http_req_method(req), fmcp_http_req_path(req),
                         q ? q : "-", (int)(blen > 3000 ? 3000 : blen), body);
    /* under the allocation sweep this may fail; it still finishes the request */
    (void)fmcp_http_respond(req, 200, h, 2, out, n);
}

static void t_handler(fmcp_http_req *req, void *user)
{
    const char *p = fmcp_http_req_path(req);
    (void)user;
    t_handled++;
    if (strcmp(p, "/stream") == 0) {
        fmcp_http_header h[1] = {{"Content-Type", "text/event-stream"}};
        /* results unchecked here: the allocation sweep makes them fail, and
         * the client then sees a short answer; retries keep it finished */
        if (fmcp_http_stream_start(req, 200, h, 1) != FMCP_OK) { fmcp_http_respond(req, 500, NULL, 0, NULL, 0); return; }
        fmcp_http_sse_send(req, "1", NULL, "hello\nworld");
        fmcp_http_stream_write(req, "abc", 3);
        (void)fmcp_http_stream_end(req);    /* finishes even when it fails */
    } else if (strcmp(p, "/hold") == 0 || strcmp(p, "/hold-stream") == 0) {
        fmcp_http_req_on_close(req, t_on_close, NULL);
        if (p[5] == '-') CHECK_OK(fmcp_http_stream_start(req, 200, NULL, 0));
        t_held = req;
    } else if (strncmp(p, "/worker", 7) == 0) {
#ifndef FASTMCP_NO_THREADS
        t_worker_started = pthread_create(&t_worker, NULL, t_worker_main, req) == 0;
        if (!t_worker_started) fmcp_http_respond(req, 500, NULL, 0, NULL, 0);
#else
        fmcp_http_respond(req, 500, NULL, 0, NULL, 0);
#endif
    } else if (strcmp(p, "/big") == 0) {
        static char big[100000];
        memset(big, 'b', sizeof big);
        fmcp_http_respond(req, 200, NULL, 0, big, sizeof big);
    } else {
        t_echo(req);
    }
}

typedef struct t_srv {
    fmcp_http_loop *loop;
    fmcp_http_server *srv;
    uint16_t port;
} t_srv;

static int t_start(t_srv *s, const char *host, fmcp_http_server_desc *d, const fmcp_allocator *a)
{
    fmcp_http_server_desc dd;
    fmcp_result r;
    memset(s, 0, sizeof *s);
    if (!d) { memset(&dd, 0, sizeof dd); d = &dd; }
    d->host = host; d->port = 0; d->handler = t_handler;
    r = fmcp_http_loop_create(a, &s->loop);
    if (r != FMCP_OK) return (int)r;
    r = fmcp_http_server_create(s->loop, d, &s->srv);
    if (r != FMCP_OK) { fmcp_http_loop_destroy(s->loop); s->loop = NULL; return (int)r; }
    s->port = fmcp_http_server_port(s->srv);
    return 0;
}

static void t_stop(t_srv *s)
{
    if (s->srv) fmcp_http_server_destroy(s->srv);
    if (s->loop) fmcp_http_loop_destroy(s->loop);
    memset(s, 0, sizeof *s);
}

/* ---- raw client -------------------------------------------------------------- */

static int t_head_req;   /* the next response answers a HEAD request */

typedef struct t_buf {
    char d[300000];
    size_t n;
    int eof;
} t_buf;

static t_buf t_in, t_in2;

static int t_small_rcvbuf;   /* next t_connect uses a tiny receive buffer */

static int t_connect(uint16_t port, int v6)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    int rc;
    if (fd < 0) return -1;
    if (t_small_rcvbuf) { int sz = 2048; setsockopt(fd, SOL_SOCKET, SO_RCVBUF, (const char *)&sz, sizeof sz); t_small_rcvbuf = 0; }
    if (v6) {
        struct sockaddr_in6 a;
        memset(&a, 0, sizeof a);
        a.sin6_family = AF_INET6; a.sin6_port = htons(port);
        inet_pton(AF_INET6, "::1", &a.sin6_addr);
        rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET; a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(0x7f000001);
        rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (rc != 0) { close(fd); return -1; }
    t_nonblock(fd);
    return fd;
}

/* Send everything, stepping the loop while the socket is full. */
static void t_send(fmcp_http_loop *l, int fd, const char *s, size_t n)
{
    int64_t end = t_real_ms() + 5000;
    while (n && t_real_ms() < end) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k > 0) { s += k; n -= (size_t)k; continue; }
        if (k < 0 && !T_WOULD_BLOCK()) return;
        fmcp_http_step(l, 5);
    }
}
static void t_sends(fmcp_http_loop *l, int fd, const char *s) { t_send(l, fd, s, strlen(s)); }

/* Take what the socket has; returns 1 when something arrived or EOF. */
static int t_recv(int fd, t_buf *b)
{
    int got = 0;
    for (;;) {
        ssize_t k;
        if (b->n == sizeof b->d) return got;
        k = recv(fd, b->d + b->n, sizeof b->d - b->n, MSG_DONTWAIT);
        if (k > 0) { b->n += (size_t)k; got = 1; continue; }
        if (k == 0) { b->eof = 1; return 1; }
        if (T_RESET()) { b->eof = 2; return 1; }
        return got;
    }
}

/* Parse one response at the start of b (own parser). Returns its length or 0
 * when incomplete. body receives the decoded body (NUL-terminated). */
static size_t t_parse(const t_buf *b, int *status, char *body, size_t bcap, size_t *blen)
{
    const char *p = b->d, *he;
    size_t hlen, i = 0, out = 0;
    long cl = -1;
    int chunked = 0;
    char head[8192];
    if (b->n < 12) return 0;
    he = strstr(p, "\r\n\r\n");
    if (!he || (size_t)(he - p) > b->n) return 0;
    hlen = (size_t)(he - p) + 4;
    if (hlen >= sizeof head) return 0;
    memcpy(head, p, hlen); head[hlen] = 0;
    *status = atoi(head + 9);
    for (i = 0; head[i]; i++) head[i] = (char)((head[i] >= 'A' && head[i] <= 'Z') ? head[i] + 32 : head[i]);
    if (strstr(head, "\r\ncontent-length:")) cl = atol(strstr(head, "\r\ncontent-length:") + 17);
    if (strstr(head, "\r\ntransfer-encoding: chunked")) chunked = 1;
    if (*status == 100 || *status == 204 || *status == 304 || t_head_req) { *blen = 0; body[0] = 0; return hlen; }
    i = hlen;
    if (chunked) {
        for (;;) {
            char *e;
            long sz;
            const char *nl = (const char *)memchr(p + i, '\n', b->n - i);
            if (!nl) return 0;
            sz = strtol(p + i, &e, 16);
            i = (size_t)(nl - p) + 1;
            if (sz == 0) { if (b->n < i + 2) return 0; i += 2; break; }
            if (b->n < i + (size_t)sz + 2) return 0;
            if (out + (size_t)sz < bcap) memcpy(body + out, p + i, (size_t)sz);
            out += (size_t)sz; i += (size_t)sz + 2;
        }
    } else if (cl >= 0) {
        if (b->n < hlen + (size_t)cl) return 0;
        if ((size_t)cl < bcap) memcpy(body, p + hlen, (size_t)cl);
        out = (size_t)cl; i = hlen + (size_t)cl;
    } else {
        if (!b->eof) return 0;
        out = b->n - hlen;
        if (out < bcap) memcpy(body, p + hlen, out);
        i = b->n;
    }
    body[out < bcap ? out : bcap - 1] = 0;
    *blen = out;
    return i;
}

/* Step the loop until one full response (or EOF) is in b; consume it. */
static int t_response(fmcp_http_loop *l, int fd, t_buf *b, char *body, size_t bcap, char *head, size_t hcap)
{
    int64_t end = t_real_ms() + 5000;
    int status = -1;
    size_t blen = 0, used;
    for (;;) {
        t_recv(fd, b);
        used = t_parse(b, &status, body, bcap, &blen);
        if (used) break;
        if (b->eof) return 0;
        if (t_real_ms() > end) { fprintf(stderr, "  note [%s]: no response within 5 s\n", t_case_name); return -1; }
        fmcp_http_step(l, 5);
    }
    if (head) {
        const char *he = strstr(b->d, "\r\n\r\n");
        size_t hl = (size_t)(he - b->d);
        if (hl >= hcap) hl = hcap - 1;
        memcpy(head, b->d, hl); head[hl] = 0;
    }
    memmove(b->d, b->d + used, b->n - used);
    b->n -= used;
    b->d[b->n] = 0;
    return status;
}

/* Step until the peer closed (EOF or reset); 1 when it did. */
static int t_wait_eof(fmcp_http_loop *l, int fd, t_buf *b)
{
    int64_t end = t_real_ms() + 5000;
    while (!b->eof && t_real_ms() < end) {
        fmcp_http_step(l, 5);
        t_recv(fd, b);
    }
    return b->eof != 0;
}

static void t_reset(t_buf *b) { b->n = 0; b->eof = 0; b->d[0] = 0; }

static char t_body[200000], t_head[8192];

/* One request on a new connection; returns the status (body in t_body). */
static int t_roundtrip(t_srv *s, const char *req)
{
    int fd = t_connect(s->port, 0), st;
    if (fd < 0) return -1;
    t_reset(&t_in);
    t_sends(s->loop, fd, req);
    st = t_response(s->loop, fd, &t_in, t_body, sizeof t_body, t_head, sizeof t_head);
    close(fd);
    return st;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_url_parse(void)
{
    fmcp_http_url u;
    CHECK_OK(fmcp_http_url_parse("http://example.com/a/b?c=d", &u));
    CHECK_STR(u.scheme, "http"); CHECK_STR(u.host, "example.com");
    CHECK_EQ_INT(u.port, 80); CHECK_STR(u.path, "/a/b?c=d"); CHECK_EQ_INT(u.is_ipv6, 0);
    CHECK_OK(fmcp_http_url_parse("HTTPS://Example.COM:8443", &u));
    CHECK_STR(u.scheme, "https"); CHECK_STR(u.host, "example.com");
    CHECK_EQ_INT(u.port, 8443); CHECK_STR(u.path, "/");
    CHECK_OK(fmcp_http_url_parse("http://[::1]:9000/x", &u));
    CHECK_STR(u.host, "::1"); CHECK_EQ_INT(u.port, 9000); CHECK_EQ_INT(u.is_ipv6, 1); CHECK_STR(u.path, "/x");
    CHECK_OK(fmcp_http_url_parse("http://h?q=1", &u));
    CHECK_STR(u.path, "/?q=1");
    CHECK_OK(fmcp_http_url_parse("http://h/p#frag", &u));
    CHECK_STR(u.path, "/p");
    CHECK(fmcp_http_url_parse("ftp://h/", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http://user@h/", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http://h:0/", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http://h:65536/", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http://h:12a/", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http:///x", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http://[::1/", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse("http://h/a b", &u) == FMCP_ERR_PARSE);
    CHECK(fmcp_http_url_parse(NULL, &u) == FMCP_ERR_INVALID_ARG);
}

static void test_keepalive_pipelining(void)
{
    t_srv s;
    int fd, st;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(s.port != 0);
    fd = t_connect(s.port, 0);
    CHECK(fd >= 0);
    t_reset(&t_in);
    t_sends(s.loop, fd,
            "GET /one?a=1 HTTP/1.1\r\nHost: x\r\nX-Test: first\r\n\r\n"
            "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            "GET /three HTTP/1.1\r\nhost: x\r\n\r\n");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, t_head, sizeof t_head);
    CHECK_EQ_INT(st, 200); CHECK_STR(t_body, "GET /one a=1 ");
    CHECK(strstr(t_head, "\r\nX-Echo: first") != NULL);
    CHECK(strstr(t_head, "\r\nDate: ") != NULL);
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 200); CHECK_STR(t_body, "POST /two - hello");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 200); CHECK_STR(t_body, "GET /three - ");
    /* the same connection keeps working */
    t_sends(s.loop, fd, "GET /four HTTP/1.1\r\nHost: x\r\n\r\n");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 200); CHECK_STR(t_body, "GET /four - ");
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 1);
    /* Connection: close is honoured */
    t_sends(s.loop, fd, "GET /five HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, t_head, sizeof t_head);
    CHECK_EQ_INT(st, 200);
    CHECK(strstr(t_head, "Connection: close") != NULL);
    CHECK(t_wait_eof(s.loop, fd, &t_in));
    close(fd);
    /* HTTP/1.0 closes by default; HEAD has no body */
    CHECK_EQ_INT(t_roundtrip(&s, "GET /ten HTTP/1.0\r\n\r\n"), 200);
    CHECK_STR(t_body, "GET /ten - ");
    t_head_req = 1;
    CHECK_EQ_INT(t_roundtrip(&s, "HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 200);
    t_head_req = 0;
    CHECK(strstr(t_head, "Content-Length: 10") != NULL);
    CHECK_EQ_INT(t_in.n, 0);
    t_stop(&s);
}

/* Many pipelined requests sent before reading anything: the server must
 * push back (not buffer without bound) and still answer all, in order. */
static void test_pipeline_backpressure(void)
{
    t_srv s;
    static char req[120000];
    size_t n = 0;
    int fd, i, ok = 1, st;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    for (i = 0; i < 2000; i++)
        n += (size_t)snprintf(req + n, sizeof req - n, "GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n", i);
    t_small_rcvbuf = 1;
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_send(s.loop, fd, req, n);
    for (i = 0; i < 2000 && ok; i++) {
        char want[32];
        st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
        snprintf(want, sizeof want, "GET /p%d - ", i);
        if (st != 200 || strcmp(t_body, want) != 0) ok = 0;
    }
    CHECKF(ok, "response %d wrong (status %d, body %s)", i - 1, st, t_body);
    close(fd);
    t_stop(&s);
}

static void test_chunked_request(void)
{
    t_srv s;
    int st;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    /* RFC 9112 7.1 framing with an extension and a trailer field */
    st = t_roundtrip(&s, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(t_body, "POST /c - Wikipedia in\r\n\r\nchunks.");
    /* Expect: 100-continue gets an interim response before the body */
    {
        int fd = t_connect(s.port, 0);
        t_reset(&t_in);
        t_sends(s.loop, fd, "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
        CHECK_EQ_INT(st, 100);
        t_sends(s.loop, fd, "abc");
        st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
        CHECK_EQ_INT(st, 200);
        CHECK_STR(t_body, "POST /e - abc");
        close(fd);
    }
    t_stop(&s);
}

static void test_streamed_response(void)
{
    t_srv s;
    int st;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    st = t_roundtrip(&s, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(st, 200);
    CHECK(strstr(t_head, "Transfer-Encoding: chunked") != NULL);
    CHECK(strstr(t_head, "Content-Type: text/event-stream") != NULL);
    CHECK_STR(t_body, "id: 1\ndata: hello\ndata: world\n\nabc");
    /* HTTP/1.0: body delimited by close */
    st = t_roundtrip(&s, "GET /stream HTTP/1.0\r\n\r\n");
    CHECK_EQ_INT(st, 200);
    CHECK(strstr(t_head, "Transfer-Encoding") == NULL);
    CHECK_STR(t_body, "id: 1\ndata: hello\ndata: world\n\nabc");
    t_stop(&s);
}

static void test_bad_requests(void)
{
    t_srv s;
    fmcp_http_server_desc d;
    char big[20000];
    memset(&d, 0, sizeof d);
    d.max_body_bytes = 1000;
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) T_SKIP("cannot listen");
    CHECK_EQ_INT(t_roundtrip(&s, "GET /\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "G(T / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
    /* request-target forms (found by fuzz_http): only "/...", "*" and "scheme://..." */
    CHECK_EQ_INT(t_roundtrip(&s, "GET .sse HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "OPTIONS *x HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "GET / HTTP/1.1\r\n\r\n"), 400);                 /* no Host */
    CHECK_EQ_INT(t_roundtrip(&s, "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"), 400);
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"), 400);
    {   /* bare LF anywhere in chunked framing is refused (CRLF only) */
        static const char *const lf[] = { "3\nabc\r\n0\r\n\r\n", "3\r\nabc\n0\r\n\r\n", "3;e=1\nabc\r\n0\r\n\r\n",
                                          "3\r\nabc\r\n0\n\r\n", "3\r\nabc\r\n0\r\n\n", "3\r\nabc\r\n0\r\nT: 1\n\r\n" };
        char req[200];
        size_t i;
        for (i = 0; i < sizeof lf / sizeof lf[0]; i++) {
            snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%s", lf[i]);
            CHECKF(t_roundtrip(&s, req) == 400, "bare LF case %d accepted", (int)i);
        }
    }
    {   /* a field value with a control byte (not HTAB) or DEL at any offset is refused; the
         * value scanner goes 8 bytes at a time, so every offset of a 20-byte value is tried */
        static const unsigned char bad[] = { 0x01, 0x08, 0x0b, 0x1f, 0x7f }, fine[] = { '\t', ' ', '~', 0x80, 0xff };
        char req[200], v[21];
        size_t i, k;
        for (k = 0; k < sizeof bad; k++)
            for (i = 0; i < 20; i++) {
                memset(v, 'v', 20); v[20] = 0;
                v[i] = (char)bad[k];
                snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nX-V: %s\r\n\r\n", v);
                CHECKF(t_roundtrip(&s, req) == 400, "control byte %#x at %d accepted", bad[k], (int)i);
                v[i] = (char)fine[k];
                snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nX-V: %s\r\n\r\n", v);
                CHECKF(t_roundtrip(&s, req) != 400, "byte %#x at %d refused", fine[k], (int)i);
            }
    }
    CHECK_EQ_INT(t_roundtrip(&s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"), 413);
    CHECK(strstr(t_head, "Connection: close") != NULL);
    {
        /* chunked body over the limit: 600 + 600 bytes */
        static char req[2000];
        size_t n = (size_t)snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n");
        memset(req + n, 'a', 600); n += 600;
        memcpy(req + n, "\r\n258\r\n", 7); n += 7;
        memset(req + n, 'b', 600); n += 600;
        memcpy(req + n, "\r\n0\r\n\r\n", 8);
        CHECK_EQ_INT(t_roundtrip(&s, req), 413);
    }
    memset(big, 'a', sizeof big);
    memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", 32);
    memcpy(big + sizeof big - 5, "\r\n\r\n", 5);
    CHECK_EQ_INT(t_roundtrip(&s, big), 431);
    {
        /* too many header fields */
        static char req[8000];
        size_t n = (size_t)snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\n"), i;
        for (i = 0; i < 150; i++) n += (size_t)snprintf(req + n, sizeof req - n, "A%u: b\r\n", (unsigned)i);
        snprintf(req + n, sizeof req - n, "\r\n");
        CHECK_EQ_INT(t_roundtrip(&s, req), 431);
    }
    /* the server still serves normal requests */
    CHECK_EQ_INT(t_roundtrip(&s, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv) <= 1, 1);
    t_stop(&s);
}

/* Request heads are framed by CRLF only (issue 15): a bare LF as a line end,
 * anywhere in the head, is a 400 and a close, as is a bare CR; CRLF heads,
 * empty CRLF lines before the request line and a head split between CR and
 * LF still work. */
static void test_strict_crlf(void)
{
    static const char *const bad[] = {
        "GET / HTTP/1.1\nHost: x\n\n",                       /* LF only */
        "GET / HTTP/1.1\r\nHost: x\n\r\n",                   /* mixed */
        "GET / HTTP/1.1\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\n",                   /* the blank line a bare LF */
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n",   /* LF inside a field line */
        "GET / HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n",
        "GET /a\n HTTP/1.1\r\nHost: x\r\n\r\n",              /* LF inside the request line */
        "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",               /* a bare LF as the empty line before */
        "\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\rHost: x\r\n\r\n",                   /* bare CR */
        "GET / HTTP/1.1\r\nHost: x\rX-A: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\r\n\r\n",
        "\rGET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST / HTTP/1.1\nHost: x\nContent-Length: 2\n\nok",
    };
    t_srv s;
    size_t i;
    int fd, st;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    t_handled = 0;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = t_roundtrip(&s, bad[i]);
        CHECKF(st == 400, "case %u answered %d", (unsigned)i, st);
        CHECKF(strstr(t_head, "Connection: close") != NULL, "case %u kept the connection", (unsigned)i);
        CHECKF(t_handled == 0, "case %u reached the handler", (unsigned)i);
        t_handled = 0;
    }
    /* the valid forms still pass */
    CHECK_EQ_INT(t_roundtrip(&s, "GET /a HTTP/1.1\r\nHost: x\r\nX-A: a\tb\r\n\r\n"), 200);
    CHECK_STR(t_body, "GET /a - ");
    CHECK_EQ_INT(t_roundtrip(&s, "\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    CHECK_STR(t_body, "GET /b - ");
    CHECK_EQ_INT(t_roundtrip(&s, "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"), 200);
    CHECK_STR(t_body, "POST /c - ok");
    /* split between CR and LF: before the request line, inside the head, at its end */
    fd = t_connect(s.port, 0);
    CHECK(fd >= 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "\r");
    for (i = 0; i < 3; i++) fmcp_http_step(s.loop, 5);
    t_sends(s.loop, fd, "\nGET /d HTTP/1.1\r");
    for (i = 0; i < 3; i++) fmcp_http_step(s.loop, 5);
    t_sends(s.loop, fd, "\nHost: x\r\n\r");
    for (i = 0; i < 3; i++) fmcp_http_step(s.loop, 5);
    t_sends(s.loop, fd, "\n");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 200);
    CHECK_STR(t_body, "GET /d - ");
    /* a bare LF after a good request on the same connection: its answer, then a 400 */
    t_sends(s.loop, fd, "GET /e HTTP/1.1\r\nHost: x\r\n\r\nGET /f HTTP/1.1\nHost: x\r\n\r\n");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 200);
    CHECK_STR(t_body, "GET /e - ");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 400);
    CHECK(t_wait_eof(s.loop, fd, &t_in));
    close(fd);
    t_stop(&s);
}

static void test_timeouts(void)
{
    t_srv s;
    fmcp_http_server_desc d;
    int fd, fd2, st;
    memset(&d, 0, sizeof d);
    d.header_timeout_ms = 1000;
    d.idle_timeout_ms = 3000;
    t_use_clock();
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) { fmcp_set_hooks(NULL); T_SKIP("cannot listen"); }
    /* slow head: 408 after the header timeout */
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "GET / HTTP/1.1\r\nHo");
    fmcp_http_step(s.loop, 0); fmcp_http_step(s.loop, 0);
    CHECK(t_recv(fd, &t_in) == 0);
    CHECK(fmcp_http_next_timeout_ms(s.loop) >= 0);
    t_clock_offset += 1001;
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 408);
    CHECK(t_wait_eof(s.loop, fd, &t_in));
    close(fd);
    /* idle keep-alive connection is closed after the idle timeout, but not before */
    fd2 = t_connect(s.port, 0);
    t_reset(&t_in2);
    t_sends(s.loop, fd2, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(t_response(s.loop, fd2, &t_in2, t_body, sizeof t_body, NULL, 0), 200);
    t_clock_offset += 2000;
    fmcp_http_step(s.loop, 0);
    t_recv(fd2, &t_in2);
    CHECK_EQ_INT(t_in2.eof, 0);
    t_clock_offset += 1001;
    CHECK(t_wait_eof(s.loop, fd2, &t_in2));
    close(fd2);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 0);
    /* a connection that never sends is closed silently (no stale 408) */
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    fmcp_http_step(s.loop, 0); fmcp_http_step(s.loop, 0);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 1);
    t_clock_offset += 1001;
    CHECK(t_wait_eof(s.loop, fd, &t_in));
    CHECK_EQ_INT(t_in.n, 0);
    close(fd);
    t_stop(&s);
    fmcp_set_hooks(NULL);
}

/* Heads and bodies have deadlines and a minimum rate: a peer trickling bytes
 * gains no time (it used to restart the body's idle timer with every byte). */
static void test_slow_peers(void)
{
    t_srv s;
    fmcp_http_server_desc d;
    int fd, i;
    memset(&d, 0, sizeof d);
    d.min_rate = 100; d.rate_grace_ms = 1000; d.body_timeout_ms = 4000;
    t_use_clock();
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) { fmcp_set_hooks(NULL); T_SKIP("cannot listen"); }
    /* a body trickling one byte every 400 ms: 408 once below 100 B/s after the grace period */
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
    for (i = 0; i < 3; i++) {   /* 1.2 s, 3 bytes: still inside the grace period + 30 ms */
        t_sends(s.loop, fd, "a");
        fmcp_http_step(s.loop, 0); fmcp_http_step(s.loop, 0);
        t_clock_offset += 400;
    }
    fmcp_http_step(s.loop, 0);
    t_sends(s.loop, fd, "a");   /* progress, but far too slow */
    CHECKF(t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0) == 408, "trickled body not refused");
    close(fd);
    /* a steady body that is fast enough but exceeds the total deadline */
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    for (i = 0; i < 9; i++) {   /* 500 bytes per 500 ms = 1000 B/s, 4.5 s */
        char chunk[500];
        memset(chunk, 'b', sizeof chunk);
        t_send(s.loop, fd, chunk, sizeof chunk);
        fmcp_http_step(s.loop, 0); fmcp_http_step(s.loop, 0);
        t_clock_offset += 500;
    }
    CHECKF(t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0) == 408, "body past its deadline not refused");
    close(fd);
    /* a head trickling in: the same rate rule (its deadline is 10 s) */
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "GET / HTTP/1.1\r\nHo");
    fmcp_http_step(s.loop, 0); fmcp_http_step(s.loop, 0);
    t_clock_offset += 1300;   /* 18 bytes: 180 ms of credit after 1 s of grace */
    CHECKF(t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0) == 408, "trickled head not refused");
    close(fd);
    /* a normal request still works */
    CHECK_EQ_INT(t_roundtrip(&s, "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"), 200);
    t_stop(&s);
    fmcp_set_hooks(NULL);
}

static void test_addr_kind(void)
{
    static const char *const lo[] = { "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "[::ffff:127.9.9.9]",
                                      "0:0:0:0:0:0:0:1", "localhost", "LocalHost", NULL };
    static const char *const any[] = { "0.0.0.0", "::", "[::]", "::ffff:0.0.0.0", "", NULL };
    static const char *const other[] = { "10.0.0.1", "128.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1", "127.0.0.1.example",
                                         "localhost.evil", "1::", NULL };
    size_t i;
    CHECK(fmcp_http_addr_kind(NULL) == FMCP_HTTP_ADDR_LOOPBACK);
    for (i = 0; lo[i]; i++) CHECKF(fmcp_http_addr_kind(lo[i]) == FMCP_HTTP_ADDR_LOOPBACK, "%s", lo[i]);
    for (i = 0; any[i]; i++) CHECKF(fmcp_http_addr_kind(any[i]) == FMCP_HTTP_ADDR_ANY, "%s", any[i]);
    for (i = 0; other[i]; i++) CHECKF(fmcp_http_addr_kind(other[i]) == FMCP_HTTP_ADDR_OTHER, "%s", other[i]);
}

static void test_max_connections(void)
{
    t_srv s;
    fmcp_http_server_desc d;
    int a, b, c, st;
    memset(&d, 0, sizeof d);
    d.max_connections = 2;
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) T_SKIP("cannot listen");
    a = t_connect(s.port, 0); b = t_connect(s.port, 0);
    fmcp_http_step(s.loop, 10); fmcp_http_step(s.loop, 10);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 2);
    c = t_connect(s.port, 0);
    t_reset(&t_in);
    st = t_response(s.loop, c, &t_in, t_body, sizeof t_body, NULL, 0);
    CHECK_EQ_INT(st, 503);
    CHECK(t_wait_eof(s.loop, c, &t_in));
    close(c);
    /* existing connections still work */
    t_reset(&t_in);
    t_sends(s.loop, a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(t_response(s.loop, a, &t_in, t_body, sizeof t_body, NULL, 0), 200);
    close(a); close(b);
    t_stop(&s);
}

static void test_stalled_client(void)
{
    t_srv s;
    int slow, held, fast;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    t_held = NULL; t_closed_calls = 0;
    slow = t_connect(s.port, 0);
    t_sends(s.loop, slow, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial");
    held = t_connect(s.port, 0);
    t_sends(s.loop, held, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    /* a third client that does not read a large answer */
    fmcp_http_step(s.loop, 10);
    fast = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fast, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(t_response(s.loop, fast, &t_in, t_body, sizeof t_body, NULL, 0), 200);
    CHECK_STR(t_body, "GET /quick - ");
    CHECK(t_held != NULL);
    /* answering the held request later still works */
    if (t_held) {
        t_reset(&t_in2);
        CHECK_OK(fmcp_http_respond(t_held, 202, NULL, 0, "late", 4));
        t_held = NULL;
        CHECK_EQ_INT(t_response(s.loop, held, &t_in2, t_body, sizeof t_body, NULL, 0), 202);
        CHECK_STR(t_body, "late");
    }
    CHECK_EQ_INT(t_closed_calls, 0);
    close(slow); close(held); close(fast);
    t_stop(&s);
}

static void test_peer_close(void)
{
    t_srv s;
    int fd;
    int64_t end;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    t_held = NULL; t_closed_calls = 0;
    fd = t_connect(s.port, 0);
    t_sends(s.loop, fd, "GET /hold-stream HTTP/1.1\r\nHost: x\r\n\r\n");
    end = t_real_ms() + 5000;
    while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    CHECK(t_held != NULL);
    if (!t_held) { close(fd); t_stop(&s); return; }
    CHECK_OK(fmcp_http_sse_send(t_held, NULL, NULL, NULL));
    close(fd);
    while (!t_closed_calls && t_real_ms() < end) {
        fmcp_http_step(s.loop, 5);
        fmcp_http_sse_send(t_held, NULL, NULL, NULL);  /* writes detect a reset too */
    }
    CHECK_EQ_INT(t_closed_calls, 1);
    CHECK(fmcp_http_stream_end(t_held) == FMCP_ERR_CLOSED);
    t_held = NULL;
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 0);
    t_stop(&s);
}

static void test_worker_wakeup(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("built without threads");
#else
    t_srv s;
    int st;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    t_worker_started = 0;
    st = t_roundtrip(&s, "GET /worker HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(t_body, "from worker");
    if (t_worker_started) pthread_join(t_worker, NULL);
    t_worker_started = 0;
    st = t_roundtrip(&s, "GET /worker-stream HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(t_body, "one,two,id: 7\nevent: msg\ndata: three\n\n");
    if (t_worker_started) pthread_join(t_worker, NULL);
    t_stop(&s);
#endif
}

#ifndef FASTMCP_NO_THREADS
static void *t_queue_writes(void *arg)
{
    fmcp_http_req *req = (fmcp_http_req *)arg;
    fmcp_http_stream_write(req, "one,", 4);   /* queued: not the loop thread */
    fmcp_http_stream_write(req, "two,", 4);
    return NULL;
}
#endif

/* Regression: a worker's queued writes, then a direct end on the loop thread.
 * The end used to overtake the queue and free the request under it (ASan
 * use-after-free; the peer saw the last chunk before the data). */
static void test_queued_then_direct_end(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("built without threads");
#else
    t_srv s;
    pthread_t th;
    int fd, st;
    int64_t end;
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    t_held = NULL;
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "GET /hold-stream HTTP/1.1\r\nHost: x\r\n\r\n");
    end = t_real_ms() + 5000;
    while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    CHECK(t_held != NULL);
    if (!t_held) { close(fd); t_stop(&s); return; }
    CHECK(pthread_create(&th, NULL, t_queue_writes, t_held) == 0);
    pthread_join(th, NULL);
    CHECK_OK(fmcp_http_stream_end(t_held));  /* loop thread, writes still queued */
    t_held = NULL;
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, t_head, sizeof t_head);
    CHECK_EQ_INT(st, 200);
    CHECK_STR(t_body, "one,two,");
    close(fd);
    t_stop(&s);
#endif
}

/* Make the next allocation fail, then answer with a body too large for a
 * pool buffer (so answering must allocate). */
static fmcp_result t_respond_oom(fmcp_http_req *req)
{
    static char big[40000];
    memset(big, 'o', sizeof big);
    t_alloc_reset(0);
    return fmcp_http_respond(req, 200, NULL, 0, big, sizeof big);
}

#ifndef FASTMCP_NO_THREADS
static fmcp_result t_oom_rc;
static void *t_respond_oom_main(void *arg) { t_oom_rc = t_respond_oom((fmcp_http_req *)arg); return NULL; }
#endif

/* One held request answered by respond() while out of memory: the answer
 * fails but the request must still finish (bare 500, connection closed)
 * instead of leaving the peer waiting forever. */
static void t_oom_case(int from_worker)
{
    t_srv s;
    int fd, st;
    int64_t end;
    fmcp_result rc = FMCP_OK;
    if (t_start(&s, "127.0.0.1", NULL, &t_alloc) != 0) { CHECK(0); return; }
    t_held = NULL;
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    end = t_real_ms() + 5000;
    while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    CHECK(t_held != NULL);
    if (!t_held) { close(fd); t_stop(&s); return; }
#ifndef FASTMCP_NO_THREADS
    if (from_worker) {
        pthread_t th;
        CHECK(pthread_create(&th, NULL, t_respond_oom_main, t_held) == 0);
        pthread_join(th, NULL);
        rc = t_oom_rc;
    } else
#endif
    { (void)from_worker; rc = t_respond_oom(t_held); }
    CHECK(t_alloc_failed);
    t_alloc_reset(-1);
    CHECK(rc != FMCP_OK);
    t_held = NULL;
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, t_head, sizeof t_head);
    CHECKF(st == 500 || st == 0, "status %d (-1 = the peer was left hanging)", st);
    CHECK(t_wait_eof(s.loop, fd, &t_in));
    CHECK_EQ_INT(t_closed_calls, 0);      /* finished: no on_close afterwards */
    close(fd);
    t_stop(&s);
    CHECK_EQ_INT(t_alloc_live, 0);
}

static void test_respond_oom_finishes(void)
{
    t_closed_calls = 0;
    t_oom_case(0);
#ifndef FASTMCP_NO_THREADS
    t_oom_case(1);
#endif
}

static void test_graceful_shutdown(void)
{
    t_srv s;
    int idle, busy, late;
    int64_t end;
    t_use_clock();
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) { fmcp_set_hooks(NULL); T_SKIP("cannot listen"); }
    t_held = NULL; t_closed_calls = 0;
    idle = t_connect(s.port, 0);
    busy = t_connect(s.port, 0);
    t_reset(&t_in); t_reset(&t_in2);
    t_sends(s.loop, idle, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ_INT(t_response(s.loop, idle, &t_in, t_body, sizeof t_body, NULL, 0), 200);
    t_sends(s.loop, busy, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    end = t_real_ms() + 5000;
    while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    CHECK(t_held != NULL);
    fmcp_http_server_shutdown(s.srv, 5000);
    CHECK(t_wait_eof(s.loop, idle, &t_in));              /* idle one closed */
    late = t_connect(s.port, 0);                          /* no longer accepting */
    CHECK(late < 0);
    if (late >= 0) close(late);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 1);
    if (t_held) {
        CHECK_OK(fmcp_http_respond(t_held, 200, NULL, 0, "done", 4));
        t_held = NULL;
    }
    CHECK_EQ_INT(t_response(s.loop, busy, &t_in2, t_body, sizeof t_body, t_head, sizeof t_head), 200);
    CHECK_STR(t_body, "done");
    CHECK(t_wait_eof(s.loop, busy, &t_in2));
    close(busy);                                          /* ends the server's lingering close */
    busy = -1;
    end = t_real_ms() + 5000;
    while (fmcp_http_server_connections(s.srv) && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 0);
    CHECK_EQ_INT(t_closed_calls, 0);
    close(idle);
    t_stop(&s);

    /* in-flight request not finished within the grace period is cancelled */
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) { fmcp_set_hooks(NULL); return; }
    busy = t_connect(s.port, 0);
    t_sends(s.loop, busy, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    end = t_real_ms() + 5000;
    while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    fmcp_http_server_shutdown(s.srv, 1000);
    fmcp_http_step(s.loop, 0);
    CHECK_EQ_INT(t_closed_calls, 0);
    t_clock_offset += 1001;
    fmcp_http_step(s.loop, 0);
    CHECK_EQ_INT(t_closed_calls, 1);
    CHECK_EQ_INT(fmcp_http_server_connections(s.srv), 0);
    if (t_held) CHECK(fmcp_http_respond(t_held, 200, NULL, 0, NULL, 0) == FMCP_ERR_CLOSED);
    t_held = NULL;
    close(busy);
    t_stop(&s);
    fmcp_set_hooks(NULL);
}

/* ---- client ----------------------------------------------------------------------- */

typedef struct t_fetch {
    int done;
    fmcp_result rc;
    fmcp_http_response *res;
} t_fetch;

static void t_fetch_cb(void *user, fmcp_result rc, fmcp_http_response *res)
{
    t_fetch *f = (t_fetch *)user;
    f->done = 1; f->rc = rc; f->res = res;
}

/* RFC 9110 tchar, decided here independently of the library's bit masks: a
 * request method is a token, so fmcp_http_fetch refuses every other byte
 * before it looks at the (deliberately bad) URL. */
static void test_token_chars(void)
{
    int c;
    for (c = 1; c < 256; c++) {
        char m[4];
        fmcp_http_client_req q;
        fmcp_http_response *res = NULL;
        int tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c < 128 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
        m[0] = 'G'; m[1] = (char)c; m[2] = 'T'; m[3] = 0;
        memset(&q, 0, sizeof q);
        q.method = m; q.url = "not a url";
        CHECK_EQ_INT(fmcp_http_fetch(NULL, &q, &res) == FMCP_ERR_INVALID_ARG, !tchar);
        CHECK(res == NULL);
    }
}

static fmcp_result t_fetch_on(fmcp_http_loop *l, fmcp_http_client_req *q, t_fetch *f)
{
    int64_t end = t_real_ms() + 5000;
    fmcp_result r;
    memset(f, 0, sizeof *f);
    r = fmcp_http_fetch_async(l, q, t_fetch_cb, f, NULL);
    if (r != FMCP_OK) return r;
    while (!f->done && t_real_ms() < end) fmcp_http_step(l, 5);
    return f->done ? f->rc : FMCP_ERR_TIMEOUT;
}

/* One fetch against a peer of our own that answers with the raw bytes
 * given (then closes): f gets the outcome. 0 when the peer could not run. */
static int t_raw_fetch(const char *answer, size_t alen, t_fetch *f)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    fmcp_http_loop *l = NULL;
    fmcp_http_client_req q;
    char url[128], buf[2048];
    int ls, fd = -1, i;
    memset(f, 0, sizeof *f);
    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET; sa.sin_addr.s_addr = htonl(0x7f000001);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1) != 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) != 0) { if (ls >= 0) close(ls); return 0; }
    t_nonblock(ls);
    buf[0] = 0;
    CHECK_OK(fmcp_http_loop_create(NULL, &l));
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)ntohs(sa.sin_port));
    memset(&q, 0, sizeof q);
    q.url = url;
    CHECK_OK(fmcp_http_fetch_async(l, &q, t_fetch_cb, f, NULL));
    for (i = 0; i < 200 && fd < 0; i++) {
        fmcp_http_step(l, 5);
        fd = accept(ls, NULL, NULL);   /* the client connected during a step */
    }
    CHECK(fd >= 0);
    if (fd >= 0) {
        size_t off = 0;
        for (i = 0; i < 200 && !strstr(buf, "\r\n\r\n"); i++) {   /* the request head */
            ssize_t n;
            fmcp_http_step(l, 5);
            n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
            buf[n > 0 ? n : 0] = 0;
        }
        for (i = 0; i < 400 && off < alen && !f->done; i++) {
            ssize_t n = send(fd, answer + off, alen - off, MSG_DONTWAIT);
            if (n > 0) off += (size_t)n;
            fmcp_http_step(l, 5);
        }
        shutdown(fd, SHUT_WR);
        for (i = 0; i < 400 && !f->done; i++) fmcp_http_step(l, 5);
        CHECK(f->done);
        close(fd);
    }
    close(ls);
    fmcp_http_loop_destroy(l);
    return 1;
}

/* A peer that answers 100 Continue before the response: the client skips
 * the interim answer (it read the freed head; fuzz_http found it). */
static void test_client_interim(void)
{
    t_fetch f;
    static const char answer[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                                 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    if (!t_raw_fetch(answer, sizeof answer - 1, &f)) T_SKIP("cannot listen");
    CHECK(f.done && f.rc == FMCP_OK && f.res && f.res->status == 200);
    if (f.res) { CHECK_STR(f.res->body, "ok"); fmcp_http_response_destroy(f.res); }
}

/* The response framing the client shares with the MCP client refuses what
 * two parsers could read two ways, and still reads chunked bodies. */
static void test_client_strict(void)
{
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
        "HTTP/1.1 1:0 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nok",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n",
        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok",
    };
    static const char good[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n1;a=b\r\no\r\n1\r\nk\r\n0\r\nT: 1\r\n\r\n";
    size_t i;
    t_fetch f;
    char *many = (char *)malloc(4096);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!t_raw_fetch(bad[i], strlen(bad[i]), &f)) T_SKIP("cannot listen");
        CHECKF(f.rc != FMCP_OK && f.rc != FMCP_ERR_TIMEOUT, "case %u: %s", (unsigned)i, fmcp_result_str(f.rc));
        CHECK(f.res == NULL);
        if (f.res) fmcp_http_response_destroy(f.res);
    }
    if (many) {   /* more header fields than the parser keeps */
        size_t n = (size_t)sprintf(many, "HTTP/1.1 200 OK\r\n");
        for (i = 0; i < 150; i++) n += (size_t)sprintf(many + n, "X-%u: v\r\n", (unsigned)i);
        n += (size_t)sprintf(many + n, "Content-Length: 2\r\n\r\nok");
        if (t_raw_fetch(many, n, &f)) {
            CHECK(f.rc == FMCP_ERR_TOO_LARGE);
            if (f.res) fmcp_http_response_destroy(f.res);
        }
        free(many);
    }
    if (!t_raw_fetch(good, sizeof good - 1, &f)) T_SKIP("cannot listen");
    CHECK(f.rc == FMCP_OK && f.res && f.res->status == 200);
    if (f.res) { CHECK_STR(f.res->body, "ok"); fmcp_http_response_destroy(f.res); }
}

static void test_client_async(void)
{
    t_srv s;
    fmcp_http_client_req q;
    t_fetch f;
    char url[128], err[64];
    fmcp_http_header h[1] = {{"X-Test", "yes"}};
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    memset(&q, 0, sizeof q);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/path?x=1", (unsigned)s.port);
    q.url = url; q.headers = h; q.nheaders = 1;
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) {
        CHECK_EQ_INT(f.res->status, 200);
        CHECK_STR(f.res->body, "GET /path x=1 ");
        CHECK_STR(fmcp_http_response_header(f.res, "x-echo"), "yes");
        CHECK_STR(fmcp_http_response_header(f.res, "CONTENT-TYPE"), "text/plain");
        fmcp_http_response_destroy(f.res);
    }
    q.method = "POST"; q.body = "form=1&b=2"; q.body_len = 10;
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) { CHECK_STR(f.res->body, "POST /path x=1 form=1&b=2"); fmcp_http_response_destroy(f.res); }
    /* chunked response */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/stream", (unsigned)s.port);
    q.method = NULL; q.body = NULL; q.body_len = 0;
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) { CHECK_STR(f.res->body, "id: 1\ndata: hello\ndata: world\n\nabc"); CHECK_EQ_INT(f.res->body_len, 34); fmcp_http_response_destroy(f.res); }
    /* size cap */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/big", (unsigned)s.port);
    q.max_response_bytes = 1000;
    CHECK(t_fetch_on(s.loop, &q, &f) == FMCP_ERR_TOO_LARGE);
    q.max_response_bytes = 100000;
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) { CHECK_EQ_INT(f.res->body_len, 100000); fmcp_http_response_destroy(f.res); }
    /* chunked response over the cap */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/stream", (unsigned)s.port);
    q.max_response_bytes = 10;
    CHECK(t_fetch_on(s.loop, &q, &f) == FMCP_ERR_TOO_LARGE);
    q.max_response_bytes = 0;
    /* timeout: the server holds the request */
    t_use_clock();
    t_held = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hold", (unsigned)s.port);
    q.timeout_ms = 2000;
    {
        int64_t end = t_real_ms() + 5000;
        memset(&f, 0, sizeof f);
        CHECK_OK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f, NULL));
        while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
        CHECK(!f.done);
        t_clock_offset += 2001;
        fmcp_http_step(s.loop, 0);
        CHECK(f.done);
        CHECK(f.rc == FMCP_ERR_TIMEOUT);
        end = t_real_ms() + 5000;
        t_closed_calls = 0;
        while (!t_closed_calls && t_real_ms() < end) fmcp_http_step(s.loop, 5);
        CHECK_EQ_INT(t_closed_calls, 1);             /* the server saw the client go */
        if (t_held) CHECK(fmcp_http_respond(t_held, 200, NULL, 0, NULL, 0) == FMCP_ERR_CLOSED);
        t_held = NULL;
    }
    fmcp_set_hooks(NULL);
    q.timeout_ms = 0;
    /* https without a TLS transport */
    q.url = "https://127.0.0.1/"; q.error_buf = err; q.error_buf_len = sizeof err;
    CHECK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f, NULL) == FMCP_ERR_UNSUPPORTED);
    CHECK_STR(err, "https:// needs a TLS transport (none was given)");
    q.url = "nope://x"; CHECK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f, NULL) == FMCP_ERR_PARSE);
    /* connection refused: a port nobody listens on (our own, after closing) */
    {
        uint16_t port = s.port;
        fmcp_http_server_destroy(s.srv); s.srv = NULL;
        snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)port);
        q.url = url;
        CHECK(t_fetch_on(s.loop, &q, &f) == FMCP_ERR_IO);
    }
    t_stop(&s);
}

static void test_client_cancel(void)
{
    t_srv s;
    fmcp_http_client_req q;
    fmcp_http_fetch_op *op = NULL;
    t_fetch f;
    char url[128];
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    memset(&q, 0, sizeof q); memset(&f, 0, sizeof f);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)s.port);
    q.url = url;
    CHECK_OK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f, &op));
    fmcp_http_fetch_cancel(op);
    fmcp_http_step(s.loop, 10);
    CHECK_EQ_INT(f.done, 0);
    /* a name resolves off the loop; the loop keeps serving meanwhile */
    snprintf(url, sizeof url, "http://localhost:%u/named", (unsigned)s.port);
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) { CHECK_STR(f.res->body, "GET /named - "); fmcp_http_response_destroy(f.res); }
    /* cancelled while resolving: no callback, nothing leaks */
    memset(&f, 0, sizeof f);
    CHECK_OK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f, &op));
    fmcp_http_fetch_cancel(op);
    {
        int i;
        for (i = 0; i < 20; i++) fmcp_http_step(s.loop, 5);
    }
    CHECK_EQ_INT(f.done, 0);
    /* a pending request when the loop is freed reports cancellation */
    CHECK_OK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f, NULL));
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)s.port);
    {
        t_fetch f2;
        memset(&f2, 0, sizeof f2);
        CHECK_OK(fmcp_http_fetch_async(s.loop, &q, t_fetch_cb, &f2, NULL));
        t_stop(&s);
        CHECK_EQ_INT(f2.done, 1);
        CHECK(f2.rc == FMCP_ERR_CANCELLED);
    }
    CHECK_EQ_INT(f.done, 1);
    CHECK(f.rc == FMCP_ERR_CANCELLED);
}

#ifndef FASTMCP_NO_THREADS
static void *t_run_main(void *arg)
{
    fmcp_http_run((fmcp_http_loop *)arg);
    return NULL;
}
#endif

static void test_client_blocking(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("blocking client test needs a server thread");
#else
    t_srv s;
    pthread_t th;
    fmcp_http_client_req q;
    fmcp_http_response *res = NULL;
    char url[128];
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    if (pthread_create(&th, NULL, t_run_main, s.loop) != 0) { t_stop(&s); T_SKIP("no thread"); }
    memset(&q, 0, sizeof q);
    snprintf(url, sizeof url, "http://localhost:%u/blocking", (unsigned)s.port);
    q.url = url;
    CHECK_OK(fmcp_http_fetch(NULL, &q, &res));
    if (res) { CHECK_EQ_INT(res->status, 200); CHECK_STR(res->body, "GET /blocking - "); fmcp_http_response_destroy(res); }
    res = NULL;
    T_ALLOC_SWEEP(t_rc = (int)fmcp_http_fetch(&t_alloc, &q, &res);
                  if (t_rc == 0) { if (res->status != 200) t_rc = -1; fmcp_http_response_destroy(res); res = NULL; });
    fmcp_http_stop(s.loop);
    pthread_join(th, NULL);
    t_stop(&s);
#endif
}

static void test_ipv6(void)
{
    t_srv s;
    fmcp_http_client_req q;
    t_fetch f;
    char url[128];
    int fd;
    if (t_start(&s, "::1", NULL, NULL) != 0) T_SKIP("IPv6 loopback not available");
    fd = t_connect(s.port, 1);
    CHECK(fd >= 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "GET /v6 HTTP/1.1\r\nHost: [::1]\r\n\r\n");
    CHECK_EQ_INT(t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0), 200);
    close(fd);
    memset(&q, 0, sizeof q);
    snprintf(url, sizeof url, "http://[::1]:%u/six", (unsigned)s.port);
    q.url = url;
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) { CHECK_STR(f.res->body, "GET /six - "); fmcp_http_response_destroy(f.res); }
    t_stop(&s);
}

/* A pass-through transport that counts what crosses the seam: proves both
 * the server and the client do all their I/O through the hooks. */
typedef struct t_tconn { int fd; } t_tconn;
static long t_t_opens, t_t_closes, t_t_bytes_in, t_t_bytes_out;
static fmcp_result t_t_open(void *self, int fd, const char *host, void **conn)
{
    t_tconn *c = (t_tconn *)malloc(sizeof *c);
    (void)self; (void)host;
    if (!c) return FMCP_ERR_NOMEM;
    c->fd = fd; *conn = c; t_t_opens++;
    return FMCP_OK;
}
static long t_t_read(void *conn, void *buf, size_t n)
{
    ssize_t k = recv(((t_tconn *)conn)->fd, buf, n, 0);
    if (k < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? FMCP_HTTP_IO_WANT_READ : FMCP_HTTP_IO_ERROR;
    t_t_bytes_in += k;
    return (long)k;
}
static long t_t_write(void *conn, const void *buf, size_t n)
{
    ssize_t k = send(((t_tconn *)conn)->fd, buf, n, MSG_NOSIGNAL);
    if (k < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? FMCP_HTTP_IO_WANT_WRITE : FMCP_HTTP_IO_ERROR;
    t_t_bytes_out += k;
    return (long)k;
}
static void t_t_close(void *conn) { free(conn); t_t_closes++; }

static void test_transport_seam(void)
{
    t_srv s;
    fmcp_http_server_desc d;
    fmcp_http_io tr;
    fmcp_http_client_req q;
    t_fetch f;
    char url[128];
    memset(&tr, 0, sizeof tr);
    tr.open = t_t_open; tr.read = t_t_read; tr.write = t_t_write; tr.close = t_t_close;
    memset(&d, 0, sizeof d);
    d.transport = &tr;
    t_t_opens = t_t_closes = t_t_bytes_in = t_t_bytes_out = 0;
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) T_SKIP("cannot listen");
    memset(&q, 0, sizeof q);
    /* https:// is accepted once a transport is supplied */
    snprintf(url, sizeof url, "https://127.0.0.1:%u/seam", (unsigned)s.port);
    q.url = url; q.transport = &tr; q.method = "POST"; q.body = "xyz"; q.body_len = 3;
    CHECK_OK(t_fetch_on(s.loop, &q, &f));
    if (f.res) { CHECK_STR(f.res->body, "POST /seam - xyz"); fmcp_http_response_destroy(f.res); }
    {
        int64_t end = t_real_ms() + 5000;
        while (fmcp_http_server_connections(s.srv) && t_real_ms() < end) fmcp_http_step(s.loop, 5);
    }
    CHECK_EQ_INT(t_t_opens, 2);                  /* client side and server side */
    CHECK_EQ_INT(t_t_closes, 2);
    CHECK(t_t_bytes_in > 100 && t_t_bytes_in == t_t_bytes_out);
    t_stop(&s);
}

/* Mutated requests (fixed seed): every one gets an answer or a close, and
 * the server keeps serving afterwards. */
static void test_mutated_requests(void)
{
    static const char *seeds[] = {
        "GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    };
    t_srv s;
    fmcp_http_server_desc d;
    uint32_t rng = 12345;
    int i, answered = 0, closed = 0;
    memset(&d, 0, sizeof d);
    d.header_timeout_ms = 200; d.idle_timeout_ms = 200;
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) T_SKIP("cannot listen");
    for (i = 0; i < 300; i++) {
        char req[512];
        const char *seed = seeds[i % 3];
        size_t n = strlen(seed), k, muts;
        int fd, st;
        memcpy(req, seed, n);
        rng = rng * 1103515245u + 12345u;
        muts = 1 + (rng >> 16) % 4;
        for (k = 0; k < muts; k++) {
            size_t at;
            rng = rng * 1103515245u + 12345u; at = (rng >> 8) % n;
            rng = rng * 1103515245u + 12345u;
            switch ((rng >> 20) % 3) {
            case 0: req[at] = (char)(rng >> 8); break;                  /* flip a byte */
            case 1: if (n > 1) { memmove(req + at, req + at + 1, n - at - 1); n--; } break; /* drop */
            default: if (n < sizeof req - 1) { memmove(req + at + 1, req + at, n - at); req[at] = "\r\n:; 0aG"[(rng >> 12) % 9]; n++; }
            }
        }
        fd = t_connect(s.port, 0);
        if (fd < 0) { CHECK(fd >= 0); break; }
        t_reset(&t_in);
        t_send(s.loop, fd, req, n);
        shutdown(fd, SHUT_WR);           /* an incomplete request ends here */
        st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
        if (st > 0) answered++; else if (st == 0) closed++;
        CHECKF(st >= 0, "mutation %d got neither answer nor close", i);
        close(fd);
    }
    CHECK(answered > 100);
    CHECK(answered + closed == 300);
    CHECK_EQ_INT(t_roundtrip(&s, "GET /still HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    t_stop(&s);
}

static int64_t t_fixed_now;
static int64_t t_time_hook(void *u) { (void)u; return t_fixed_now; }

/* Date header: RFC 9110 5.6.7's example instant, a leap day, a far date
 * (expected texts from the RFC and from date(1)). */
static void test_date_header(void)
{
    static const struct { int64_t t; const char *text; } v[3] = {
        {784111777, "Date: Sun, 06 Nov 1994 08:49:37 GMT"},
        {951782400, "Date: Tue, 29 Feb 2000 00:00:00 GMT"},
        {4102444799LL, "Date: Thu, 31 Dec 2099 23:59:59 GMT"}};
    t_srv s;
    fmcp_hooks h;
    int i;
    memset(&h, 0, sizeof h);
    h.time_fn = t_time_hook;
    fmcp_set_hooks(&h);
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) { fmcp_set_hooks(NULL); T_SKIP("cannot listen"); }
    for (i = 0; i < 3; i++) {
        t_fixed_now = v[i].t;
        CHECK_EQ_INT(t_roundtrip(&s, "GET /d HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
        CHECKF(strstr(t_head, v[i].text) != NULL, "want %s in %s", v[i].text, t_head);
    }
    t_stop(&s);
    fmcp_set_hooks(NULL);
}

static int t_handled_b;
static void t_handler_b(fmcp_http_req *req, void *user)
{
    (void)user;
    t_handled_b++;
    (void)fmcp_http_respond(req, 200, NULL, 0, "b", 1);
}

/* One GET on a new connection to port, stepping both loops (either listener
 * may get it); returns the status. */
static int t_roundtrip2(fmcp_http_loop *l1, fmcp_http_loop *l2, uint16_t port)
{
    int fd = t_connect(port, 0), st = -1;
    int64_t end = t_real_ms() + 5000;
    size_t blen;
    if (fd < 0) return -1;
    t_reset(&t_in);
    t_sends(l1, fd, "GET /r HTTP/1.1\r\nHost: x\r\n\r\n");
    while (!t_parse(&t_in, &st, t_body, sizeof t_body, &blen) && !t_in.eof && t_real_ms() < end) {
        fmcp_http_step(l1, 0);
        fmcp_http_step(l2, 1);
        t_recv(fd, &t_in);
    }
    close(fd);
    return st;
}

static void test_reuse_port(void)
{
    t_srv s, s2;
    fmcp_http_server_desc d;
    fmcp_http_server *extra = NULL;
    int i, ok = 0, a0;
#ifndef SO_REUSEPORT
    T_SKIP("the platform has no SO_REUSEPORT (Windows): reuse_port is ignored, one listener per port");
#endif
    memset(&d, 0, sizeof d);
    d.reuse_port = 1;
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) T_SKIP("cannot listen");
    memset(&s2, 0, sizeof s2);
    d.port = s.port;
    /* a second listener on the same port with SO_REUSEPORT */
    CHECK_OK(fmcp_http_loop_create(NULL, &s2.loop));
    d.host = "127.0.0.1"; d.handler = t_handler_b;
    CHECK_OK(fmcp_http_server_create(s2.loop, &d, &s2.srv));
    CHECK_EQ_INT(fmcp_http_server_port(s2.srv), s.port);
    /* connections succeed, and the kernel spreads them over both listeners
     * (by a hash of the peer address: 32 all on one side has p = 2^-31) */
    a0 = t_handled; t_handled_b = 0;
    for (i = 0; i < 32; i++) ok += t_roundtrip2(s.loop, s2.loop, s.port) == 200;
    CHECK_EQ_INT(ok, 32);
    CHECK_EQ_INT((t_handled - a0) + t_handled_b, 32);
#ifdef __linux__
    CHECK(t_handled - a0 > 0);
    CHECK(t_handled_b > 0);
#endif
    /* a plain second bind fails cleanly */
    d.reuse_port = 0;
    d.handler = t_handler;
    CHECK(fmcp_http_server_create(s.loop, &d, &extra) != FMCP_OK);
    t_stop(&s2);
    /* so does a reuse_port bind while the first listener does not share */
    t_stop(&s);
    memset(&d, 0, sizeof d);
    if (t_start(&s, "127.0.0.1", &d, NULL) != 0) T_SKIP("cannot listen");
    d.port = s.port; d.reuse_port = 1;
    CHECK(fmcp_http_server_create(s.loop, &d, &extra) != FMCP_OK);
    t_stop(&s);
}

static int t_timer_hits[3], t_timer_n;
static void t_timer_a(void *u) { t_timer_hits[t_timer_n++ % 3] = *(int *)u; }

static void test_timers(void)
{
    fmcp_http_loop *l;
    uint64_t id;
    static int one = 1, two = 2, three = 3;
    t_use_clock();
    CHECK_OK(fmcp_http_loop_create(NULL, &l));
    t_timer_n = 0;
    CHECK_OK(fmcp_http_timer_add(l, 300, t_timer_a, &three, NULL));
    CHECK_OK(fmcp_http_timer_add(l, 100, t_timer_a, &one, NULL));
    CHECK_OK(fmcp_http_timer_add(l, 200, t_timer_a, &two, &id));
    CHECK(fmcp_http_next_timeout_ms(l) <= 100);
    fmcp_http_step(l, 0);
    CHECK_EQ_INT(t_timer_n, 0);
    t_clock_offset += 150;
    fmcp_http_step(l, 0);
    CHECK_EQ_INT(t_timer_n, 1); CHECK_EQ_INT(t_timer_hits[0], 1);
    fmcp_http_timer_cancel(l, id);
    t_clock_offset += 200;
    fmcp_http_step(l, 0);
    CHECK_EQ_INT(t_timer_n, 2); CHECK_EQ_INT(t_timer_hits[1], 3);
    CHECK_EQ_INT(fmcp_http_next_timeout_ms(l), -1);
    /* stop from "another thread" or a callback ends run */
    fmcp_http_stop(l);
    CHECK_OK(fmcp_http_run(l));
    fmcp_http_loop_destroy(l);
    fmcp_set_hooks(NULL);
}

/* One full exchange on a server whose loop uses the failing allocator;
 * 0 only when both answers arrived intact. */
static int t_sweep_server_once(void)
{
    t_srv s;
    int fd, st, rc;
    rc = t_start(&s, "127.0.0.1", NULL, &t_alloc);
    if (rc != 0) return rc;
    fd = t_connect(s.port, 0);
    t_reset(&t_in);
    t_sends(s.loop, fd, "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                        "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
    if (st != 200 || strcmp(t_body, "POST /p - abc") != 0) rc = -1;
    else {
        st = t_response(s.loop, fd, &t_in, t_body, sizeof t_body, NULL, 0);
        if (st != 200 || strcmp(t_body, "id: 1\ndata: hello\ndata: world\n\nabc") != 0) rc = -1;
    }
    close(fd);
    t_stop(&s);
    return rc;
}

static int t_sweep_loop_once(void)
{
    fmcp_http_loop *l = NULL;
    int rc = (int)fmcp_http_loop_create(&t_alloc, &l);
    if (rc == 0) rc = (int)fmcp_http_timer_add(l, 10, t_timer_a, &t_timer_n, NULL);
    fmcp_http_loop_destroy(l);
    return rc;
}

static void test_alloc_sweep_server(void)
{
    /* every failing allocation ends in a clean error, never a leak or crash */
    T_ALLOC_SWEEP(t_rc = t_sweep_server_once());
    T_ALLOC_SWEEP(t_rc = t_sweep_loop_once());
}

static void test_bad_args(void)
{
    t_srv s;
    fmcp_http_server_desc d;
    fmcp_http_header bad[1] = {{"X", "a\r\nInjected: 1"}};
    fmcp_http_loop *l = NULL;
    memset(&d, 0, sizeof d);
    CHECK(fmcp_http_loop_create(NULL, NULL) == FMCP_ERR_INVALID_ARG);
    CHECK_OK(fmcp_http_loop_create(NULL, &l));
    CHECK(fmcp_http_server_create(l, &d, &s.srv) == FMCP_ERR_INVALID_ARG);   /* no handler */
    d.handler = t_handler; d.host = "not-an-address.invalid.";
    CHECK(fmcp_http_server_create(l, &d, &s.srv) != FMCP_OK);
    fmcp_http_loop_destroy(l);
    if (t_start(&s, "127.0.0.1", NULL, NULL) != 0) T_SKIP("cannot listen");
    t_held = NULL;
    {
        int fd = t_connect(s.port, 0);
        int64_t end = t_real_ms() + 5000;
        t_sends(s.loop, fd, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
        while (!t_held && t_real_ms() < end) fmcp_http_step(s.loop, 5);
        CHECK(t_held != NULL);
        if (t_held) {
            CHECK(fmcp_http_respond(t_held, 200, bad, 1, NULL, 0) == FMCP_ERR_INVALID_ARG);
            CHECK(fmcp_http_respond(t_held, 99, NULL, 0, NULL, 0) == FMCP_ERR_INVALID_ARG);
            CHECK(fmcp_http_stream_write(t_held, "x", 1) == FMCP_ERR_STATE);
            CHECK(fmcp_http_stream_end(t_held) == FMCP_ERR_STATE);
            t_reset(&t_in);
            CHECK_OK(fmcp_http_respond(t_held, 204, NULL, 0, NULL, 0));
            CHECK_EQ_INT(t_response(s.loop, fd, &t_in, t_body, sizeof t_body, t_head, sizeof t_head), 204);
            CHECK(strstr(t_head, "Content-Length") == NULL);
        }
        t_held = NULL;
        close(fd);
    }
    t_stop(&s);
}

int main(void)
{
    T_RUN(test_url_parse);
    T_RUN(test_token_chars);
    T_RUN(test_keepalive_pipelining);
    T_RUN(test_pipeline_backpressure);
    T_RUN(test_chunked_request);
    T_RUN(test_streamed_response);
    T_RUN(test_bad_requests);
    T_RUN(test_strict_crlf);
    T_RUN(test_timeouts);
    T_RUN(test_slow_peers);
    T_RUN(test_addr_kind);
    T_RUN(test_max_connections);
    T_RUN(test_stalled_client);
    T_RUN(test_peer_close);
    T_RUN(test_worker_wakeup);
    T_RUN(test_queued_then_direct_end);
    T_RUN(test_respond_oom_finishes);
    T_RUN(test_graceful_shutdown);
    T_RUN(test_client_async);
    T_RUN(test_client_interim);
    T_RUN(test_client_strict);
    T_RUN(test_client_cancel);
    T_RUN(test_client_blocking);
    T_RUN(test_ipv6);
    T_RUN(test_date_header);
    T_RUN(test_transport_seam);
    T_RUN(test_mutated_requests);
    T_RUN(test_reuse_port);
    T_RUN(test_timers);
    T_RUN(test_alloc_sweep_server);
    T_RUN(test_bad_args);
    return t_finish("http");
}
#endif
