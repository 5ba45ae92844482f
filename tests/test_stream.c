/* Tests for the stream transport: newline-delimited JSON over user callbacks
 * and over a real socketpair. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#define T_THREADS
#include "test.h"
#include <pthread.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

/* ---- an output buffer ---------------------------------------------------- */

typedef struct out_buf {
    char data[1 << 16];
    size_t len;
    int fail;
} out_buf;

static long buf_write(void *user, const void *p, size_t n)
{
    out_buf *o = (out_buf *)user;
    if (o->fail) return -1;
    if (n > 7) n = 7;   /* partial writes: the transport must loop */
    if (o->len + n >= sizeof o->data) return -1;
    memcpy(o->data + o->len, p, n);
    o->len += n;
    o->data[o->len] = 0;
    return (long)n;
}

/* The i-th line of the output (static copy), or NULL. */
static const char *line_at(const out_buf *o, int i)
{
    static char line[8192];
    const char *p = o->data, *e = o->data + o->len;
    while (p < e) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(e - p));
        if (!nl) return NULL;
        if (i-- == 0) {
            size_t n = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
            memcpy(line, p, n);
            line[n] = 0;
            return line;
        }
        p = nl + 1;
    }
    return NULL;
}

static int count_lines(const out_buf *o)
{
    size_t i;
    int n = 0;
    for (i = 0; i < o->len; i++) n += o->data[i] == '\n';
    return n;
}

static fmcp_result t_echo(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", "?")); }

static t_gate G = T_GATE_INIT;   /* holds `slow` and `gated` until the test opens it */

static fmcp_result t_slow(fmcp_ctx *c, void *u)
{
    (void)u;
    t_gate_pass(&G, c, T_GATE_WAIT);
    return fmcp_ctx_add_text(c, "slow done");
}

static fmcp_server *make_server(int workers, const fmcp_allocator *a)
{
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_tool_desc t;
    memset(&sd, 0, sizeof sd);
    sd.name = "stream-test"; sd.workers = workers; sd.alloc = a;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return NULL;
    memset(&t, 0, sizeof t);
    t.name = "echo"; t.params = "text:string"; t.handler = t_echo;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) { fmcp_server_destroy(srv); return NULL; }
    memset(&t, 0, sizeof t);
    t.name = "slow"; t.handler = t_slow;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) { fmcp_server_destroy(srv); return NULL; }
    return srv;
}

static const char INIT[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n";
static const char ECHO[] = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"a\\nb\"}}}\n";

static const char *field(const char *json, const char *key)
{
    static char val[256];
    fmcp_json_doc *d;
    const fmcp_json *v;
    val[0] = 0;
    if (!json || fmcp_json_parse(json, strlen(json), NULL, &d, NULL) != FMCP_OK) return "(bad json)";
    v = fmcp_json_root(d);
    while (v && *key) {   /* dotted path */
        char k[64];
        size_t n = strcspn(key, ".");
        snprintf(k, sizeof k, "%.*s", (int)n, key);
        v = fmcp_json_is(v, FMCP_JSON_ARRAY) ? fmcp_json_at(v, (size_t)atoi(k)) : fmcp_json_get(v, k);
        key += n + (key[n] == '.');
    }
    if (fmcp_json_is(v, FMCP_JSON_STRING)) snprintf(val, sizeof val, "%s", fmcp_json_str(v, NULL));
    else if (v) fmcp_json_write(v, val, sizeof val, NULL);
    fmcp_json_doc_destroy(d);
    return val;
}

static fmcp_result feed_str(fmcp_stream *st, const char *s) { return fmcp_stream_feed(st, s, strlen(s)); }

static void test_partial_reads(void)
{
    static out_buf o;
    fmcp_server *srv = make_server(-1, NULL);
    fmcp_stream_desc d;
    fmcp_stream *st;
    size_t i;
    CHECK(srv != NULL);
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    d.write = buf_write; d.user = &o;
    CHECK_OK(fmcp_stream_create(srv, &d, &st));
    for (i = 0; i < sizeof INIT - 1; i++) {   /* one byte at a time */
        CHECK_OK(fmcp_stream_feed(st, INIT + i, 1));
        if (i < sizeof INIT - 2) CHECK_EQ_INT(o.len, 0);
    }
    CHECK_EQ_INT(count_lines(&o), 1);
    CHECK_STR(field(line_at(&o, 0), "result.protocolVersion"), "2025-06-18");
    /* CRLF, blank lines, two messages in one piece */
    CHECK_OK(feed_str(st, "\r\n\n  \n{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}\r\n"));
    CHECK_EQ_INT(count_lines(&o), 2);
    CHECK_STR(field(line_at(&o, 1), "id"), "5");
    CHECK_OK(fmcp_stream_feed(st, ECHO, sizeof ECHO - 1));
    CHECK_OK(fmcp_stream_feed(st, ECHO, 10));
    CHECK_OK(fmcp_stream_feed(st, ECHO + 10, sizeof ECHO - 11));
    CHECK_EQ_INT(count_lines(&o), 4);
    CHECK_STR(field(line_at(&o, 2), "result.content.0.text"), "a\nb");   /* escaped: still one line */
    CHECK_STR(line_at(&o, 2), line_at(&o, 3) ? line_at(&o, 3) : "");
    /* garbage: parse error, then the stream goes on */
    CHECK_OK(feed_str(st, "not json\n"));
    CHECK_STR(field(line_at(&o, 4), "error.code"), "-32700");
    CHECK_STR(field(line_at(&o, 4), "id"), "null");
    fmcp_stream_destroy(st);
    fmcp_server_destroy(srv);
}

static void test_long_line(void)
{
    static out_buf o;
    fmcp_server *srv = make_server(-1, NULL);
    fmcp_stream_desc d;
    fmcp_stream *st;
    char junk[100];
    int i;
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    d.write = buf_write; d.user = &o; d.max_line = 64;
    CHECK_OK(fmcp_stream_create(srv, &d, &st));
    memset(junk, 'x', sizeof junk);
    for (i = 0; i < 5; i++) CHECK_OK(fmcp_stream_feed(st, junk, sizeof junk));   /* 500 bytes, no newline */
    CHECK_EQ_INT(o.len, 0);
    CHECK_OK(feed_str(st, "xx\n{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}\n"));
    CHECK_EQ_INT(count_lines(&o), 2);
    CHECK_STR(field(line_at(&o, 0), "error.code"), "-32600");
    CHECK_STR(field(line_at(&o, 0), "id"), "null");
    CHECK_STR(field(line_at(&o, 1), "id"), "7");
    /* over-long line arriving whole */
    {
        char big[200];
        memset(big, ' ', sizeof big);
        big[sizeof big - 1] = '\n';
        CHECK_OK(fmcp_stream_feed(st, big, sizeof big));
        CHECK_EQ_INT(count_lines(&o), 3);
        CHECK_STR(field(line_at(&o, 2), "error.code"), "-32600");
    }
    /* exactly at the cap is fine: 64 bytes of ping padded with spaces */
    {
        char ok[66];
        const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}";
        memset(ok, ' ', sizeof ok);
        memcpy(ok, ping, strlen(ping));
        ok[64] = '\n';
        CHECK_OK(fmcp_stream_feed(st, ok, 65));
        CHECK_EQ_INT(count_lines(&o), 4);
        CHECK_STR(field(line_at(&o, 3), "id"), "8");
    }
    fmcp_stream_destroy(st);
    fmcp_server_destroy(srv);
}

static void test_write_failure(void)
{
    static out_buf o;
    fmcp_server *srv = make_server(-1, NULL);
    fmcp_stream_desc d;
    fmcp_stream *st;
    memset(&o, 0, sizeof o);
    o.fail = 1;
    memset(&d, 0, sizeof d);
    d.write = buf_write; d.user = &o;
    CHECK_OK(fmcp_stream_create(srv, &d, &st));
    CHECK_EQ_INT(fmcp_stream_feed(st, INIT, sizeof INIT - 1), FMCP_ERR_IO);
    fmcp_stream_destroy(st);
    fmcp_server_destroy(srv);
}

/* ---- serving over a socketpair ------------------------------------------- */

/* Threads that have read the stream (serve's reading threads, never a pool
 * worker): a handler on one of them runs on a reading thread. */
static pthread_mutex_t rd_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_t rd_tids[8];
static int rd_n;

static int on_reader(void)
{
    int i, yes = 0;
    pthread_mutex_lock(&rd_m);
    for (i = 0; i < rd_n; i++) yes |= pthread_equal(rd_tids[i], pthread_self());
    pthread_mutex_unlock(&rd_m);
    return yes;
}

static long fd_read(void *user, void *buf, size_t cap)
{
    ssize_t n;
    if (!on_reader()) {
        pthread_mutex_lock(&rd_m);
        if (rd_n < 8) rd_tids[rd_n++] = pthread_self();
        pthread_mutex_unlock(&rd_m);
    }
    do { n = read(*(int *)user, buf, cap); } while (n < 0 && errno == EINTR);
    return (long)n;
}

static long fd_write(void *user, const void *buf, size_t len)
{
    ssize_t n;
    do { n = write(*(int *)user, buf, len); } while (n < 0 && errno == EINTR);
    return (long)n;
}

typedef struct serve_arg {
    fmcp_server *srv;
    int fd;
    fmcp_result rc;
} serve_arg;

static void *serve_thread(void *p)
{
    serve_arg *a = (serve_arg *)p;
    fmcp_stream_desc d;
    memset(&d, 0, sizeof d);
    d.read = fd_read; d.write = fd_write; d.user = &a->fd;
    a->rc = fmcp_stream_serve(a->srv, &d);
    return NULL;
}

/* Read one line from fd (blocking); returns 0 at EOF. */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r <= 0) return 0;
        if (ch == '\n') break;
        buf[n++] = ch;
    }
    buf[n] = 0;
    return 1;
}

static int write_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return 0;
        s += w; n -= (size_t)w;
    }
    return 1;
}

static void test_socketpair(void)
{
    int sv[2];
    pthread_t th;
    serve_arg a;
    char line[4096];
    fmcp_server *srv = make_server(2, NULL);
    CHECK(srv != NULL);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    a.srv = srv; a.fd = sv[1]; a.rc = FMCP_ERR_STATE;
    CHECK(pthread_create(&th, NULL, serve_thread, &a) == 0);
    CHECK(write_all(sv[0], INIT));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "result.serverInfo.name"), "stream-test");
    CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"));
    CHECK(write_all(sv[0], ECHO));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "result.content.0.text"), "a\nb");
    CHECK(shutdown(sv[0], SHUT_WR) == 0);   /* EOF: serve returns cleanly */
    pthread_join(th, NULL);
    CHECK_OK(a.rc);
    close(sv[1]);
    CHECK(!read_line(sv[0], line, sizeof line));   /* nothing else was written */
    close(sv[0]);
    fmcp_server_destroy(srv);
}

/* EOF while a call runs: serve returns, the call is cancelled, its late
 * response is never written. */
static void test_eof_cancels(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs the worker pool (inline, the blocked tool would stall the reader)");
#else
    int sv[2];
    pthread_t th;
    serve_arg a;
    char line[4096];
    fmcp_server *srv = make_server(2, NULL);
    t_gate_reset(&G);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    a.srv = srv; a.fd = sv[1]; a.rc = FMCP_ERR_STATE;
    CHECK(pthread_create(&th, NULL, serve_thread, &a) == 0);
    CHECK(write_all(sv[0], INIT));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}\n"));
    t_gate_wait_entered(&G, 1, 0);
    CHECK(shutdown(sv[0], SHUT_WR) == 0);
    pthread_join(th, NULL);
    CHECK_OK(a.rc);
    t_gate_open(&G);
    fmcp_server_destroy(srv);   /* joins the worker: the slow call has ended */
    close(sv[1]);
    CHECK(!read_line(sv[0], line, sizeof line));   /* nothing more was written */
    close(sv[0]);
#endif
}

/* ---- leader/follower: a handler runs on the thread that read it ---------- */

#ifndef FASTMCP_NO_THREADS
static pthread_mutex_t lf_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lf_cv = PTHREAD_COND_INITIALIZER;
static int lf_decided, lf_on_reader;
static fmcp_result lf_ask_rc;

static void readers_reset(void)
{
    pthread_mutex_lock(&rd_m);
    rd_n = 0;
    pthread_mutex_unlock(&rd_m);
}

/* Let a read on fd fail after 30 s instead of hanging the suite. */
static void client_timeout(int fd)
{
    struct timeval tv;
    tv.tv_sec = 30; tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* On a pool worker: answer at once. On a reading thread (the stream ran the
 * call where it read it): ask the client something and wait for the answer,
 * which only the other reading thread can bring, once it took the reading. */
static fmcp_result t_where(fmcp_ctx *c, void *u)
{
    char *out = NULL;
    size_t n = 0;
    int mine = on_reader();
    fmcp_result r;
    (void)u;
    pthread_mutex_lock(&lf_m);
    lf_decided = 1;
    lf_on_reader = mine;
    pthread_cond_broadcast(&lf_cv);
    pthread_mutex_unlock(&lf_m);
    if (!mine) return fmcp_ctx_add_text(c, "pool");
    r = fmcp_ctx_request(c, "test/ask", "{}", 60000, &out, &n);
    lf_ask_rc = r;
    if (r != FMCP_OK) return r;
    r = fmcp_ctx_add_text(c, out);
    fmcp_free(NULL, out, n + 1);
    return r;
}

/* Call `where` until it runs on a reading thread (returns 1), reading the
 * pool's answers in between. */
static int lf_until_reader(int fd, char *line, size_t cap)
{
    int i;
    for (i = 0; i < 5000; i++) {
        int mine;
        pthread_mutex_lock(&lf_m);
        lf_decided = 0;
        pthread_mutex_unlock(&lf_m);
        if (!write_all(fd, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"where\"}}\n"))
            return 0;
        pthread_mutex_lock(&lf_m);
        while (!lf_decided) pthread_cond_wait(&lf_cv, &lf_m);
        mine = lf_on_reader;
        pthread_mutex_unlock(&lf_m);
        if (mine) return 1;
        if (!read_line(fd, line, cap) || strcmp(field(line, "result.content.0.text"), "pool") != 0) return 0;
    }
    return 0;
}

/* `gated`: blocks until the test opens the gate or the call is cancelled;
 * g_on_reader (guarded by G.m) says where it ran, set before it counts in. */
static int g_on_reader;

static fmcp_result t_gated(fmcp_ctx *c, void *u)
{
    int mine = on_reader();
    (void)u;
    pthread_mutex_lock(&G.m);
    g_on_reader = mine;
    pthread_mutex_unlock(&G.m);
    t_gate_pass(&G, c, T_GATE_OR_CANCEL);
    return fmcp_ctx_add_text(c, "gated done");
}

/* `fast`: echo, counting the calls that ran on a reading thread. */
static int fast_on_reader;

static fmcp_result t_fast(fmcp_ctx *c, void *u)
{
    (void)u;
    if (on_reader()) {
        pthread_mutex_lock(&G.m);
        fast_on_reader++;
        pthread_mutex_unlock(&G.m);
    }
    return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", "?"));
}

static void gate_set(int open)
{
    if (open) { t_gate_open(&G); return; }
    t_gate_reset(&G);
    pthread_mutex_lock(&G.m);
    g_on_reader = 0;
    pthread_mutex_unlock(&G.m);
}

/* Waits until `gated` has started; 1 when it runs on a reading thread. */
static int gate_started_on_reader(void)
{
    t_gate_wait_entered(&G, 1, 0);
    return t_gate_get(&G, &g_on_reader);
}

/* Call `gated` until it runs (and stays blocked) on a reading thread: 1. */
static int gated_on_reader(int fd, char *line, size_t cap)
{
    int i;
    for (i = 0; i < 200; i++) {
        gate_set(0);
        if (!write_all(fd, "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"tools/call\",\"params\":{\"name\":\"gated\"}}\n"))
            return 0;
        if (gate_started_on_reader()) return 1;
        gate_set(1);   /* it went to the pool: let it answer, try again */
        if (!read_line(fd, line, cap) || strcmp(field(line, "result.content.0.text"), "gated done") != 0) return 0;
    }
    return 0;
}

/* Start serving a fresh server with `where` and `gated` on a socketpair;
 * initialised. sv[0] is the client's end. */
static fmcp_server *lf_start(int workers, int sv[2], pthread_t *th, serve_arg *a)
{
    fmcp_tool_desc t;
    char line[4096];
    fmcp_server *srv = make_server(workers, NULL);
    if (!srv) return NULL;
    memset(&t, 0, sizeof t);
    t.name = "where"; t.handler = t_where;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) { fmcp_server_destroy(srv); return NULL; }
    memset(&t, 0, sizeof t);
    t.name = "gated"; t.handler = t_gated;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) { fmcp_server_destroy(srv); return NULL; }
    memset(&t, 0, sizeof t);
    t.name = "fast"; t.params = "text:string"; t.handler = t_fast;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        fmcp_server_destroy(srv);
        return NULL;
    }
    client_timeout(sv[0]);
    readers_reset();
    a->srv = srv; a->fd = sv[1]; a->rc = FMCP_ERR_STATE;
    if (pthread_create(th, NULL, serve_thread, a) != 0 || !write_all(sv[0], INIT) ||
        !read_line(sv[0], line, sizeof line) ||
        !write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")) {
        fmcp_server_destroy(srv);   /* not reached on a working system */
        return NULL;
    }
    return srv;
}

/* EOF to serve, join it, expect nothing more on the wire. */
static void lf_stop(fmcp_server *srv, int sv[2], pthread_t th, serve_arg *a)
{
    char line[256];
    CHECK(shutdown(sv[0], SHUT_WR) == 0);
    pthread_join(th, NULL);
    CHECK_OK(a->rc);
    close(sv[1]);
    CHECK(!read_line(sv[0], line, sizeof line));
    close(sv[0]);
    fmcp_server_destroy(srv);
}
#endif

/* With a pool, fmcp_stream_serve runs a lone request on the thread that read
 * it. A handler there that waits for the client has the other thread steal
 * the reading (the reply could not be read otherwise), pings are answered
 * meanwhile, and the end of input cancels it and ends serve. */
static void test_leader_follower(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs threads");
#else
    int sv[2];
    pthread_t th;
    serve_arg a;
    char line[4096], reply[128];
    fmcp_server *srv = lf_start(1, sv, &th, &a);
    CHECK(srv != NULL);
    if (!srv) return;
    /* 1: the handler's request is answered through the other reading thread */
    CHECK(lf_until_reader(sv[0], line, sizeof line));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "method"), "test/ask");
    CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"ping\"}\n"));
    CHECK(read_line(sv[0], reply, sizeof reply));   /* the ping, while the handler waits */
    CHECK_STR(field(reply, "id"), "99");
    snprintf(reply, sizeof reply, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"v\":42}}\n", field(line, "id"));
    CHECK(write_all(sv[0], reply));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "id"), "7");
    CHECK_STR(field(line, "result.content.0.text"), "{\"v\":42}");
    CHECK_OK(lf_ask_rc);
    /* 2: end of input while it waits: cancelled, serve returns, nothing written */
    CHECK(lf_until_reader(sv[0], line, sizeof line));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "method"), "test/ask");
    lf_stop(srv, sv, th, &a);
    CHECK_EQ_INT(lf_ask_rc, FMCP_ERR_CLOSED);
#endif
}

/* Many sequential small calls: every answer right, and most of them run on
 * a reading thread (the pool only takes a call when both threads are busy). */
static void test_sequential_calls(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs threads");
#else
    int sv[2], i, n = 3000;
    pthread_t th;
    serve_arg a;
    char line[4096], msg[256], want[32];
    fmcp_server *srv = lf_start(0, sv, &th, &a);
    CHECK(srv != NULL);
    if (!srv) return;
    fast_on_reader = 0;
    for (i = 0; i < n; i++) {
        snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"fast\",\"arguments\":{\"text\":\"v%d\"}}}\n", 1000 + i, i * 7);
        if (!write_all(sv[0], msg) || !read_line(sv[0], line, sizeof line)) break;
        snprintf(msg, sizeof msg, "%d", 1000 + i);
        snprintf(want, sizeof want, "v%d", i * 7);
        if (strcmp(field(line, "id"), msg) != 0 || strcmp(field(line, "result.content.0.text"), want) != 0) break;
    }
    CHECK_EQ_INT(i, n);
    lf_stop(srv, sv, th, &a);   /* joins serve: the count is final */
    CHECKF(fast_on_reader > n / 2, "%d of %d calls ran on a reading thread", fast_on_reader, n);
#endif
}

/* A pipelining client: batches of calls in one write, answers in any order,
 * each exactly once; single calls in between keep being answered. */
static void test_pipelined_calls(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs threads");
#else
    int sv[2], round, i, got_all = 1;
    pthread_t th;
    serve_arg a;
    char line[4096], batch[8 * 160];
    fmcp_server *srv = lf_start(0, sv, &th, &a);
    CHECK(srv != NULL);
    if (!srv) return;
    for (round = 0; round < 200 && got_all; round++) {
        int k = 1 + round % 8, seen = 0;
        size_t len = 0;
        for (i = 0; i < k; i++)
            len += (size_t)snprintf(batch + len, sizeof batch - len, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
                                    "\"params\":{\"name\":\"fast\",\"arguments\":{\"text\":\"r%d\"}}}\n", i, round);
        if (!write_all(sv[0], batch)) { got_all = 0; break; }
        for (i = 0; i < k; i++) {
            int id;
            char want[16];
            if (!read_line(sv[0], line, sizeof line)) { got_all = 0; break; }
            id = atoi(field(line, "id"));
            snprintf(want, sizeof want, "r%d", round);
            if (id < 0 || id >= k || (seen & (1 << id)) || strcmp(field(line, "result.content.0.text"), want) != 0) {
                got_all = 0;
                break;
            }
            seen |= 1 << id;
        }
    }
    CHECK(got_all);
    CHECK_EQ_INT(round, 200);
    lf_stop(srv, sv, th, &a);
#endif
}

/* A slow tool on a reading thread: the other thread steals the reading
 * after about a millisecond, so pings and other calls are answered while
 * the tool is still blocked; afterwards both threads serve on. */
static void test_slow_tool_pings(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs threads");
#else
    int sv[2], i;
    pthread_t th;
    serve_arg a;
    char line[4096];
    fmcp_server *srv = lf_start(2, sv, &th, &a);
    CHECK(srv != NULL);
    if (!srv) return;
    CHECK(gated_on_reader(sv[0], line, sizeof line));
    for (i = 0; i < 3; i++) {
        /* the gated call cannot answer before gate_set(1): any line now is the ping's */
        CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"ping\"}\n"));
        CHECK(read_line(sv[0], line, sizeof line));
        CHECK_STR(field(line, "id"), "99");
        CHECK(field(line, "result")[0] == '{');
    }
    CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":98,\"method\":\"tools/call\",\"params\":{\"name\":\"fast\",\"arguments\":{\"text\":\"x\"}}}\n"));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "id"), "98");
    CHECK_STR(field(line, "result.content.0.text"), "x");
    pthread_mutex_lock(&G.m);
    CHECK(G.entered && !G.finished);   /* all of that while the tool was blocked */
    pthread_mutex_unlock(&G.m);
    gate_set(1);
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "id"), "50");
    CHECK_STR(field(line, "result.content.0.text"), "gated done");
    /* the thread stolen from watches now; the stream goes on */
    for (i = 0; i < 20; i++) {
        CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":97,\"method\":\"tools/call\",\"params\":{\"name\":\"fast\",\"arguments\":{\"text\":\"y\"}}}\n"));
        CHECK(read_line(sv[0], line, sizeof line));
        CHECK_STR(field(line, "result.content.0.text"), "y");
    }
    /* and a second slow call is stolen from again */
    CHECK(gated_on_reader(sv[0], line, sizeof line));
    CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":96,\"method\":\"ping\"}\n"));
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "id"), "96");
    gate_set(1);
    CHECK(read_line(sv[0], line, sizeof line));
    CHECK_STR(field(line, "id"), "50");
    lf_stop(srv, sv, th, &a);
#endif
}

/* A read of several calls runs on the reading thread too (through the
 * pool's queue). With a slow call first in such a read, the fast call after
 * it is started by an idle worker, and the other thread reads on: every
 * answer comes while the slow call is still blocked. */
static void test_slow_tool_in_batch(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs threads");
#else
    int sv[2], i, mine = 0;
    pthread_t th;
    serve_arg a;
    char line[4096];
    static const char batch[] =
        "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"tools/call\",\"params\":{\"name\":\"gated\"}}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":61,\"method\":\"tools/call\",\"params\":{\"name\":\"fast\",\"arguments\":{\"text\":\"f\"}}}\n";
    fmcp_server *srv = lf_start(2, sv, &th, &a);
    CHECK(srv != NULL);
    if (!srv) return;
    for (i = 0; i < 200 && !mine; i++) {
        gate_set(0);
        if (!write_all(sv[0], batch)) break;
        mine = gate_started_on_reader();
        /* the fast call answers whatever thread the slow one runs on */
        CHECK(read_line(sv[0], line, sizeof line));
        CHECK_STR(field(line, "id"), "61");
        if (mine) break;
        gate_set(1);   /* it went to the pool: let it answer, try again */
        CHECK(read_line(sv[0], line, sizeof line));
        CHECK_STR(field(line, "id"), "50");
    }
    CHECK(mine);
    if (mine) {
        CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":62,\"method\":\"ping\"}\n"));
        CHECK(read_line(sv[0], line, sizeof line));
        CHECK_STR(field(line, "id"), "62");
        pthread_mutex_lock(&G.m);
        CHECK(G.entered && !G.finished);   /* all of that while the slow call was blocked */
        pthread_mutex_unlock(&G.m);
        gate_set(1);
        CHECK(read_line(sv[0], line, sizeof line));
        CHECK_STR(field(line, "id"), "50");
        CHECK_STR(field(line, "result.content.0.text"), "gated done");
    }
    lf_stop(srv, sv, th, &a);
#endif
}

/* End of input read by the thread that stole the reading, while the thread
 * it stole from still runs its call: the call is cancelled, serve returns
 * FMCP_OK, and the late answer is never written. */
static void test_eof_while_stolen(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs threads");
#else
    int sv[2];
    pthread_t th;
    serve_arg a;
    char line[4096];
    fmcp_server *srv = lf_start(2, sv, &th, &a);
    CHECK(srv != NULL);
    if (!srv) return;
    CHECK(gated_on_reader(sv[0], line, sizeof line));
    CHECK(write_all(sv[0], "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"ping\"}\n"));
    if (!read_line(sv[0], line, sizeof line)) {   /* stolen: the other thread reads */
        CHECK(!"ping answered while the call runs");
        gate_set(1);   /* nobody reads: end the call rather than hang */
    }
    CHECK_STR(field(line, "id"), "99");
    lf_stop(srv, sv, th, &a);   /* only the cancellation can end the call */
    CHECK(G.finished && G.by_cancel);
#endif
}

static int sweep_stream(void)
{
    static out_buf o;
    fmcp_server *srv = make_server(-1, &t_alloc);
    fmcp_stream_desc d;
    fmcp_stream *st;
    fmcp_result r;
    if (!srv) return FMCP_ERR_NOMEM;
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    d.write = buf_write; d.user = &o;
    r = fmcp_stream_create(srv, &d, &st);
    if (r == FMCP_OK) {
        r = fmcp_stream_feed(st, INIT, 50);
        if (r == FMCP_OK) r = fmcp_stream_feed(st, INIT + 50, sizeof INIT - 51);
        if (r == FMCP_OK) r = fmcp_stream_feed(st, ECHO, sizeof ECHO - 1);
        /* a response lost to the injected failure, or answered with an
         * out-of-memory error instead of its result */
        if (r == FMCP_OK && (count_lines(&o) != 2 || !field(line_at(&o, 0), "result.protocolVersion")[0] ||
                             strcmp(field(line_at(&o, 1), "result.content.0.text"), "a\nb") != 0))
            r = FMCP_ERR_NOMEM;
        fmcp_stream_destroy(st);
    }
    fmcp_server_destroy(srv);
    return r;
}

/* Caller-sized buffers (read_size, write_size): reads never ask for more
 * than read_size; a message shorter than write_size is one write with its
 * newline, a longer one two. Over fmcp_stream_serve, with workers and inline. */
typedef struct small_io {
    const char *in;
    size_t off, len, max_cap;
    char out[8192];
    size_t olen;
    int writes, long_writes, lines;
    int wait_eof;   /* a worker pool answers: end of input only once both answers are out */
    pthread_mutex_t m;
    pthread_cond_t cv;
} small_io;

static long small_read(void *user, void *buf, size_t cap)
{
    small_io *io = (small_io *)user;
    size_t n = io->len - io->off;
    if (n == 0 && io->wait_eof) {   /* EOF cancels calls in flight */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        pthread_mutex_lock(&io->m);
        while (io->lines < 2 && pthread_cond_timedwait(&io->cv, &io->m, &until) == 0) {}
        pthread_mutex_unlock(&io->m);
    }
    if (cap > io->max_cap) io->max_cap = cap;
    if (n > cap) n = cap;
    memcpy(buf, io->in + io->off, n);
    io->off += n;
    return (long)n;
}

static long small_write(void *user, const void *p, size_t n)
{
    small_io *io = (small_io *)user;
    pthread_mutex_lock(&io->m);
    if (io->olen + n >= sizeof io->out) { pthread_mutex_unlock(&io->m); return -1; }
    memcpy(io->out + io->olen, p, n);
    io->olen += n;
    io->out[io->olen] = 0;
    io->writes++;
    if (n > 64) io->long_writes++;
    if (memchr(p, '\n', n)) io->lines++;
    pthread_cond_broadcast(&io->cv);
    pthread_mutex_unlock(&io->m);
    return (long)n;
}

static int serve_small(int workers, const fmcp_allocator *a, small_io *io)
{
    static char in[1024];
    fmcp_server *srv = make_server(workers, a);
    fmcp_stream_desc d;
    fmcp_result r;
    if (!srv) return FMCP_ERR_NOMEM;
    snprintf(in, sizeof in, "%s%s", INIT, ECHO);
    memset(io, 0, sizeof *io);
    pthread_mutex_init(&io->m, NULL);
    pthread_cond_init(&io->cv, NULL);
    io->in = in; io->len = strlen(in);
    io->wait_eof = workers > 0;
    memset(&d, 0, sizeof d);
    d.read = small_read; d.write = small_write; d.user = io;
    d.read_size = 7; d.write_size = 64;
    r = fmcp_stream_serve(srv, &d);
    fmcp_server_destroy(srv);
    pthread_cond_destroy(&io->cv);
    pthread_mutex_destroy(&io->m);
    return r;
}

static void test_small_buffers(void)
{
    int w;
    for (w = -1; w <= 2; w += 3) {
        small_io io;
        out_buf o;
        int lines;
        CHECK_OK(serve_small(w, NULL, &io));
        CHECK(io.max_cap == 7);
        memcpy(o.data, io.out, io.olen + 1);
        o.len = io.olen;
        lines = count_lines(&o);
        CHECK(lines == 2);
        CHECK(field(line_at(&o, 0), "result.protocolVersion")[0] != 0);
        CHECK_STR(field(line_at(&o, 1), "result.content.0.text"), "a\nb");
        /* both answers are longer than 63 bytes: each is the JSON, then "\n" */
        CHECK(io.writes == 4 && io.long_writes == 2);
    }
}

/* A line far longer than the first line buffer (256 bytes), in 7-byte pieces:
 * the buffer grows by doubling and the line arrives whole. */
static void test_long_line_pieces(void)
{
    static out_buf o;
    static char line[4096], text[3001];
    fmcp_server *srv = make_server(-1, NULL);
    fmcp_stream_desc d;
    fmcp_stream *st = NULL;
    size_t i, n;
    CHECK(srv != NULL);
    if (!srv) return;
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    d.write = buf_write; d.user = &o;
    CHECK_OK(fmcp_stream_create(srv, &d, &st));
    for (i = 0; i < 3000; i++) text[i] = (char)('a' + i % 26);
    text[3000] = 0;
    n = (size_t)snprintf(line, sizeof line, "%s{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"%s\"}}}\n", INIT, text);
    for (i = 0; st && i < n; i += 7) CHECK_OK(fmcp_stream_feed(st, line + i, n - i < 7 ? n - i : 7));
    CHECK(count_lines(&o) == 2);
    CHECK(strlen(field(line_at(&o, 1), "result.content.0.text")) == 255);   /* field() keeps 255 */
    CHECK(strstr(o.data, text) != NULL);
    fmcp_stream_destroy(st);
    fmcp_server_destroy(srv);
}

static int sweep_serve(void)
{
    small_io io;
    out_buf o;
    int r = serve_small(-1, &t_alloc, &io);
    if (r != FMCP_OK) return r;
    memcpy(o.data, io.out, io.olen + 1);
    o.len = io.olen;
    if (count_lines(&o) != 2 || !field(line_at(&o, 0), "result.protocolVersion")[0] ||
        strcmp(field(line_at(&o, 1), "result.content.0.text"), "a\nb") != 0)
        return FMCP_ERR_NOMEM;   /* an answer lost to the injected failure */
    return FMCP_OK;
}

static void test_alloc_sweep(void)
{
    T_ALLOC_SWEEP(t_rc = sweep_stream());
    T_ALLOC_SWEEP(t_rc = sweep_serve());
}

int main(void)
{
    T_RUN(test_partial_reads);
    T_RUN(test_long_line);
    T_RUN(test_write_failure);
    T_RUN(test_socketpair);
    T_RUN(test_eof_cancels);
    T_RUN(test_leader_follower);
    T_RUN(test_sequential_calls);
    T_RUN(test_pipelined_calls);
    T_RUN(test_slow_tool_pings);
    T_RUN(test_slow_tool_in_batch);
    T_RUN(test_eof_while_stolen);
    T_RUN(test_small_buffers);
    T_RUN(test_long_line_pieces);
    T_RUN(test_alloc_sweep);
    return t_finish("stream");
}
