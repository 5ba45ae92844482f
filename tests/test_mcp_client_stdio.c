/* Tests for the stream (stdio) client's reading paths, against a scripted
 * peer on a socketpair: the peer writes hand-made JSON-RPC lines in the order
 * and grouping each test needs, so answers arrive interleaved with progress,
 * log notifications and server-to-client requests, out of order for several
 * waiting threads, cut off mid-line, or while no call is waiting.
 * Whoever reads the stream (a waiting caller or the client's reader thread)
 * must dispatch everything. Also built with -DFASTMCP_NO_THREADS (the peer
 * still runs on a test thread; the client then reads on the caller). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#define T_THREADS
#include "test.h"
#include <pthread.h>
#include <unistd.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <sys/socket.h>
#include <poll.h>

/* ---- the scripted peer -------------------------------------------------- */

typedef struct peer {
    int fd;
    char in[1 << 16];
    size_t len;
    pthread_t th;
    void (*script)(struct peer *);
    pthread_mutex_t m;
    pthread_cond_t cv;
    int fails;              /* failed expectations (checked after the join) */
    int seen;               /* requests seen (tests wait on it) */
    int64_t last_id;        /* id of the last tools/call seen */
    int cancelled;          /* notifications/cancelled seen for last_id */
    char reason[96];
    int idle_pong;          /* the client answered the idle-time ping */
    int go;                 /* the test lets the script go on */
} peer;

static void peer_fail(peer *p, const char *what)
{
    pthread_mutex_lock(&p->m);
    p->fails++;
    pthread_mutex_unlock(&p->m);
    fprintf(stderr, "  peer: %s\n", what);
}

/* The next line as a document; NULL at EOF. */
static fmcp_json_doc *peer_read(peer *p)
{
    for (;;) {
        char *nl = (char *)memchr(p->in, '\n', p->len);
        long n;
        if (nl) {
            fmcp_json_doc *d = NULL;
            size_t k = (size_t)(nl - p->in);
            if (fmcp_json_parse(p->in, k, NULL, &d, NULL) != FMCP_OK) peer_fail(p, "unparsable line");
            memmove(p->in, nl + 1, p->len - k - 1);
            p->len -= k + 1;
            if (d) return d;
            continue;
        }
        if (p->len == sizeof p->in) return NULL;
        n = (long)read(p->fd, p->in + p->len, sizeof p->in - p->len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return NULL;
        p->len += (size_t)n;
    }
}

/* Everything in one write, so one read on the client side sees all of it. */
static void peer_send(peer *p, const char *fmt, ...)
{
    char buf[8192];
    size_t off = 0, n;
    va_list ap;
    va_start(ap, fmt);
    n = (size_t)vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= sizeof buf) { peer_fail(p, "message too long"); return; }
    while (off < n) {
        long w = (long)send(p->fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { peer_fail(p, "write failed"); return; }
        off += (size_t)w;
    }
}

static const char *method_of(const fmcp_json_doc *d)
{
    return fmcp_json_get_str(fmcp_json_root(d), "method", "");
}

static int64_t id_of(const fmcp_json_doc *d)
{
    return fmcp_json_get_int(fmcp_json_root(d), "id", -1);
}

/* initialize / notifications/initialized. */
static int peer_handshake(peer *p)
{
    fmcp_json_doc *d = peer_read(p);
    if (!d || strcmp(method_of(d), "initialize") != 0) {
        peer_fail(p, "expected initialize");
        if (d) fmcp_json_doc_destroy(d);
        return 0;
    }
    peer_send(p, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"protocolVersion\":\"2025-11-25\","
                 "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"scripted\",\"version\":\"1\"}}}\n",
              (long long)id_of(d));
    fmcp_json_doc_destroy(d);
    d = peer_read(p);
    if (!d || strcmp(method_of(d), "notifications/initialized") != 0) peer_fail(p, "expected initialized");
    if (d) fmcp_json_doc_destroy(d);
    return 1;
}

static void *peer_main(void *arg)
{
    peer *p = (peer *)arg;
    if (peer_handshake(p)) p->script(p);
    return NULL;
}

static void peer_note(peer *p, int64_t id)
{
    pthread_mutex_lock(&p->m);
    p->seen++;
    p->last_id = id;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->m);
}

/* ---- client side recorders ---------------------------------------------- */

typedef struct rec {
    pthread_mutex_t m;
    pthread_cond_t cv;
    double prog[8];
    int nprog, nlogs, nsample, on_caller, list_changed;
    pthread_t caller;
    char log[64];
} rec;

static rec R;

static void rec_reset(void)
{
    pthread_mutex_lock(&R.m);
    R.nprog = R.nlogs = 0;
    R.log[0] = 0;
    R.caller = pthread_self();
    pthread_mutex_unlock(&R.m);
}

static int on_progress(void *u, double progress, double total, const char *message)
{
    rec *r = (rec *)u;
    (void)total; (void)message;
    pthread_mutex_lock(&r->m);
    if (r->nprog < 8) r->prog[r->nprog] = progress;
    r->nprog++;
    pthread_mutex_unlock(&r->m);
    return 0;
}

static void on_log(void *u, const char *level, const char *logger, const fmcp_json *data)
{
    (void)u; (void)logger;
    pthread_mutex_lock(&R.m);
    R.nlogs++;
    snprintf(R.log, sizeof R.log, "%s:%s", level, fmcp_json_str(data, NULL) ? fmcp_json_str(data, NULL) : "?");
    pthread_mutex_unlock(&R.m);
}

static void on_note(void *u, const char *method, const fmcp_json *params)
{
    (void)u; (void)params;
    t_bump(&R.m, &R.cv, &R.list_changed, strcmp(method, "notifications/tools/list_changed") == 0);
}

static fmcp_result on_sampling(void *u, fmcp_client *c, const char *method, const fmcp_json *params,
                               fmcp_json_writer *w)
{
    const fmcp_json *m0 = fmcp_json_at(fmcp_json_get(params, "messages"), 0);
    (void)u; (void)c; (void)method;
    if (strcmp(fmcp_json_get_str(fmcp_json_get(m0, "content"), "text", ""), "2+2?") != 0) return FMCP_ERR_INVALID_ARG;
    pthread_mutex_lock(&R.m);
    R.nsample++;
    if (pthread_equal(R.caller, pthread_self())) R.on_caller++;
    pthread_mutex_unlock(&R.m);
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "role"); fmcp_jw_str(w, "assistant");
    fmcp_jw_key(w, "content");
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "type"); fmcp_jw_str(w, "text");
    fmcp_jw_key(w, "text"); fmcp_jw_str(w, "four");
    fmcp_jw_object_end(w);
    fmcp_jw_key(w, "model"); fmcp_jw_str(w, "m");
    fmcp_jw_object_end(w);
    return FMCP_OK;
}

static void client_desc(fmcp_client_desc *d)
{
    memset(d, 0, sizeof *d);
    d->protocol_era = FMCP_ERA_LEGACY;   /* the scripted peer speaks initialize only */
    d->timeout_ms = 10000;
    d->on_sampling = on_sampling;
    d->roots_json = "[{\"uri\":\"file:///tmp/r\",\"name\":\"r\"}]";
    d->on_log = on_log;
    d->on_notification = on_note;
}

static const char *text0(const fmcp_json_doc *d)
{
    const fmcp_json *c0 = fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "content"), 0);
    return fmcp_json_get_str(c0, "text", "(none)");
}

/* Start the peer with a script and connect a client to it. */
static fmcp_result start(peer *p, void (*script)(peer *), const fmcp_client_desc *d, fmcp_client **c)
{
    int sv[2];
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->script = script;
    *c = NULL;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return FMCP_ERR_IO;
    p->fd = sv[0];
    if (pthread_create(&p->th, NULL, peer_main, p) != 0) { close(sv[0]); close(sv[1]); return FMCP_ERR_IO; }
    return fmcp_client_connect_fd(d, sv[1], dup(sv[1]), c);
}

static void finish(peer *p, fmcp_client *c)
{
    if (c) fmcp_client_destroy(c);   /* the peer sees EOF and its script ends */
    pthread_join(p->th, NULL);
    close(p->fd);
    CHECK_EQ_INT(p->fails, 0);
    pthread_mutex_destroy(&p->m);
    pthread_cond_destroy(&p->cv);
}

/* ---- 1. an answer among progress, a log, sampling and roots requests ---- */

#define N_INTERLEAVED 20

/* Read lines until the one answering id; the others are unexpected. */
static fmcp_json_doc *peer_expect_answer(peer *p, const char *id)
{
    fmcp_json_doc *d;
    while ((d = peer_read(p)) != NULL) {
        const char *got = fmcp_json_get_str(fmcp_json_root(d), "id", NULL);
        if (got && strcmp(got, id) == 0) return d;
        peer_fail(p, "unexpected line while waiting for an answer");
        fmcp_json_doc_destroy(d);
    }
    return NULL;
}

static void script_interleaved(peer *p)
{
    fmcp_json_doc *d;
    int i = 0;
    while ((d = peer_read(p)) != NULL) {
        int64_t id = id_of(d);
        const fmcp_json *meta = fmcp_json_get(fmcp_json_get(fmcp_json_root(d), "params"), "_meta");
        int64_t tok = fmcp_json_get_int(meta, "progressToken", -1);
        char sid[32];
        int ok;
        if (strcmp(method_of(d), "tools/call") != 0 || tok < 0) peer_fail(p, "expected tools/call with a progress token");
        fmcp_json_doc_destroy(d);
        snprintf(sid, sizeof sid, "s-%d", i);
        /* progress, a log line and a sampling request in one write */
        peer_send(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":%lld,\"progress\":1,\"total\":3}}\n"
                     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"call %d\"}}\n"
                     "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"sampling/createMessage\",\"params\":{\"messages\":"
                     "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"2+2?\"}}],\"maxTokens\":5}}\n",
                  (long long)tok, i, sid);
        d = peer_expect_answer(p, sid);
        if (!d) return;
        ok = strcmp(fmcp_json_get_str(fmcp_json_get(fmcp_client_result(d), "content"), "text", ""), "four") == 0;
        fmcp_json_doc_destroy(d);
        if (!ok) peer_fail(p, "wrong sampling answer");
        snprintf(sid, sizeof sid, "r-%d", i);
        peer_send(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":%lld,\"progress\":2,\"total\":3}}\n"
                     "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"roots/list\"}\n", (long long)tok, sid);
        d = peer_expect_answer(p, sid);
        if (!d) return;
        ok = strcmp(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "roots"), 0), "uri", ""),
                    "file:///tmp/r") == 0;
        fmcp_json_doc_destroy(d);
        if (!ok) peer_fail(p, "wrong roots answer");
        /* the last progress report and the answer together, the answer split in two writes */
        peer_send(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":%lld,\"progress\":3,\"total\":3}}\n"
                     "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"res", (long long)tok, (long long)id);
        peer_send(p, "ult\":{\"content\":[{\"type\":\"text\",\"text\":\"done %d\"}]}}\n", i);
        i++;
    }
}

static void test_interleaved(void)
{
    peer p;
    fmcp_client *c;
    fmcp_client_desc d;
    int i;
    client_desc(&d);
    pthread_mutex_lock(&R.m);
    R.nsample = R.on_caller = 0;
    pthread_mutex_unlock(&R.m);
    CHECK_OK(start(&p, script_interleaved, &d, &c));
    for (i = 0; c && i < N_INTERLEAVED; i++) {
        fmcp_call_opts o;
        fmcp_json_doc *res = NULL;
        char want[32];
        rec_reset();
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        o.progress_user = &R;
        CHECK_OK(fmcp_client_call_tool(c, "x", NULL, &o, &res));
        snprintf(want, sizeof want, "done %d", i);
        CHECK_STR(res ? text0(res) : "", want);
        if (res) fmcp_json_doc_destroy(res);
        CHECK_EQ_INT(R.nprog, 3);
        CHECK(R.prog[0] == 1 && R.prog[1] == 2 && R.prog[2] == 3);
        CHECK_EQ_INT(R.nlogs, 1);
        snprintf(want, sizeof want, "info:call %d", i);
        CHECK_STR(R.log, want);
    }
    CHECK_EQ_INT(R.nsample, N_INTERLEAVED);
    /* back to back, a caller reads its own answer (and runs the handler) */
    CHECK(R.on_caller >= 1);
    finish(&p, c);
}

/* ---- 2. EOF (a cut line) while callers wait ----------------------------- */

static void script_cut(peer *p)
{
    fmcp_json_doc *d;
    int want;
    t_wait_count(&p->m, &p->cv, &p->go, 1, 10000);
    pthread_mutex_lock(&p->m);
    want = p->go;   /* how many calls to collect before the cut */
    pthread_mutex_unlock(&p->m);
    while (p->seen < want && (d = peer_read(p)) != NULL) {
        peer_note(p, id_of(d));
        fmcp_json_doc_destroy(d);
    }
    peer_send(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"bye\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"cont", (long long)p->last_id);
    shutdown(p->fd, SHUT_RDWR);
}

typedef struct caller_arg {
    fmcp_client *c;
    fmcp_result r;
    const char *text;
    int index, calls, good;
} caller_arg;

static void *call_once(void *arg)
{
    caller_arg *a = (caller_arg *)arg;
    fmcp_json_doc *res = NULL;
    a->r = fmcp_client_call_tool(a->c, "x", NULL, NULL, &res);
    if (res) fmcp_json_doc_destroy(res);
    return NULL;
}

static void check_cut(int callers)
{
    peer p;
    fmcp_client *c;
    fmcp_client_desc d;
    caller_arg a[2];
    pthread_t th[2];
    int i, started = 0;
    int64_t t0;
    client_desc(&d);
    CHECK_OK(start(&p, script_cut, &d, &c));
    pthread_mutex_lock(&p.m);
    p.go = callers;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.m);
    if (!c) { finish(&p, c); return; }
    t0 = fmcp_monotonic_ms();
    for (i = 0; i < callers; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].c = c;
        a[i].r = FMCP_OK;
        if (i + 1 < callers) { if (pthread_create(&th[i], NULL, call_once, &a[i]) == 0) started++; }
        else call_once(&a[i]);
    }
    for (i = 0; i < started; i++) pthread_join(th[i], NULL);
    for (i = 0; i < callers; i++) CHECK(a[i].r == FMCP_ERR_CLOSED);
    CHECK(fmcp_monotonic_ms() - t0 < 5000);   /* not the 10 s timeout */
    CHECK(fmcp_client_ping(c) == FMCP_ERR_CLOSED);
    finish(&p, c);
}

static void test_eof_one(void) { check_cut(1); }

/* ---- 3. notifications and requests while no call waits ------------------ */

static void script_idle(peer *p)
{
    fmcp_json_doc *d = peer_read(p);   /* one ping, answered */
    if (!d) return;
    peer_send(p, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{}}\n", (long long)id_of(d));
    fmcp_json_doc_destroy(d);
    /* once the call has returned, unprompted: a notification and a request */
    t_wait_count(&p->m, &p->cv, &p->go, 1, 10000);
    peer_send(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":\"idle\",\"method\":\"ping\"}\n");
    d = peer_expect_answer(p, "idle");
    if (!d) return;
    pthread_mutex_lock(&p->m);
    p->idle_pong = fmcp_json_is(fmcp_client_result(d), FMCP_JSON_OBJECT);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->m);
    fmcp_json_doc_destroy(d);
    while ((d = peer_read(p)) != NULL) {   /* pings (the reader thread has the stream now) */
        if (strcmp(method_of(d), "ping") == 0)
            peer_send(p, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{}}\n", (long long)id_of(d));
        fmcp_json_doc_destroy(d);
    }
}

static void test_idle(void)
{
    peer p;
    fmcp_client *c;
    fmcp_client_desc d;
    int64_t end;
    client_desc(&d);
    pthread_mutex_lock(&R.m);
    R.list_changed = 0;
    pthread_mutex_unlock(&R.m);
    CHECK_OK(start(&p, script_idle, &d, &c));
    if (c) {
        CHECK_OK(fmcp_client_ping(c));
        pthread_mutex_lock(&p.m);
        p.go = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.m);
        end = fmcp_monotonic_ms() + 10000;
        for (;;) {   /* no call is waiting: the client must still read */
            int got;
#ifdef FASTMCP_NO_THREADS
            CHECK_OK(fmcp_client_pump(c, 20));   /* without threads the application pumps */
#endif
            pthread_mutex_lock(&p.m);
            got = p.idle_pong;
            pthread_mutex_unlock(&p.m);
            if (got || fmcp_monotonic_ms() > end) break;
#ifndef FASTMCP_NO_THREADS
            t_wait_count(&p.m, &p.cv, &p.idle_pong, 1, 10000);
#endif
        }
        CHECK_EQ_INT(p.idle_pong, 1);
        CHECK(t_wait_count(&R.m, &R.cv, &R.list_changed, 1, 10000));
        CHECK_OK(fmcp_client_ping(c));   /* calls again after the quiet spell */
        CHECK_OK(fmcp_client_ping(c));
    }
    finish(&p, c);
}

#ifndef FASTMCP_NO_THREADS
/* ---- 4. several threads at once, answers out of order ------------------- */

#define N_THREADS 4
#define N_CALLS 150

#define ANSWER "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":%lld,\"progress\":1}}\n" \
               "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"%s\"}]}}\n"

static const char *arg_t(const fmcp_json_doc *d)
{
    return fmcp_json_get_str(fmcp_json_get(fmcp_json_get(fmcp_json_root(d), "params"), "arguments"), "t", "?");
}

/* Answers requests two at a time in reverse order (a progress report each,
 * every fifth time a ping request between them), all in one write, so one
 * read by whoever holds the stream carries answers for other callers. A
 * request is answered alone when no other arrives within 2 ms. */
static void script_many(peer *p)
{
    fmcp_json_doc *held = NULL, *d;
    int n = 0;
    for (;;) {
        if (held && !memchr(p->in, '\n', p->len)) {
            struct pollfd pf;
            pf.fd = p->fd; pf.events = POLLIN; pf.revents = 0;
            if (poll(&pf, 1, 2) == 0) {
                peer_send(p, ANSWER, (long long)id_of(held), (long long)id_of(held), arg_t(held));
                fmcp_json_doc_destroy(held);
                held = NULL;
                continue;
            }
        }
        if ((d = peer_read(p)) == NULL) break;
        if (strcmp(method_of(d), "tools/call") != 0) {   /* answers to our pings, notifications */
            if (fmcp_json_get_str(fmcp_json_root(d), "id", NULL)) peer_note(p, 0);
            fmcp_json_doc_destroy(d);
            continue;
        }
        if (!held) { held = d; continue; }
        n++;
        if (n % 5 == 0) {
            pthread_mutex_lock(&p->m);
            p->go++;   /* pings sent */
            pthread_mutex_unlock(&p->m);
        }
        peer_send(p, ANSWER "%s" ANSWER, (long long)id_of(d), (long long)id_of(d), arg_t(d),
                  n % 5 == 0 ? "{\"jsonrpc\":\"2.0\",\"id\":\"pp\",\"method\":\"ping\"}\n" : "",
                  (long long)id_of(held), (long long)id_of(held), arg_t(held));
        fmcp_json_doc_destroy(held);
        fmcp_json_doc_destroy(d);
        held = NULL;
    }
    if (held) fmcp_json_doc_destroy(held);
}

static void *call_many(void *arg)
{
    caller_arg *a = (caller_arg *)arg;
    int i;
    for (i = 0; i < a->calls; i++) {
        fmcp_call_opts o;
        rec progress;
        fmcp_json_doc *res = NULL;
        char args[64], want[32];
        memset(&progress, 0, sizeof progress);
        pthread_mutex_init(&progress.m, NULL);
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        o.progress_user = &progress;
        snprintf(want, sizeof want, "t%d-%d", a->index, i);
        snprintf(args, sizeof args, "{\"t\":\"%s\"}", want);
        a->r = fmcp_client_call_tool(a->c, "x", args, &o, &res);
        if (a->r == FMCP_OK && strcmp(text0(res), want) == 0 && progress.nprog == 1) a->good++;
        if (res) fmcp_json_doc_destroy(res);
        pthread_mutex_destroy(&progress.m);
        if (a->r != FMCP_OK) break;
    }
    return NULL;
}

static void test_threads(void)
{
    peer p;
    fmcp_client *c;
    fmcp_client_desc d;
    caller_arg a[N_THREADS];
    pthread_t th[N_THREADS];
    int i, started = 0;
    client_desc(&d);
    CHECK_OK(start(&p, script_many, &d, &c));
    for (i = 0; c && i < N_THREADS; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].c = c; a[i].index = i; a[i].calls = N_CALLS;
        if (pthread_create(&th[i], NULL, call_many, &a[i]) == 0) started++;
    }
    for (i = 0; i < started; i++) pthread_join(th[i], NULL);
    CHECK_EQ_INT(started, c ? N_THREADS : 0);
    for (i = 0; i < started; i++) {
        CHECK_OK(a[i].r);
        CHECK_EQ_INT(a[i].good, N_CALLS);
    }
    /* every ping the peer slipped in was answered */
    CHECK(p.go >= 1);
    CHECK(t_wait_count(&p.m, &p.cv, &p.seen, p.go, 10000));
    finish(&p, c);
}

static void test_eof_two(void) { check_cut(2); }

/* ---- 5. cancellation from another thread while the caller reads -------- */

static void script_silent(peer *p)
{
    fmcp_json_doc *d;
    while ((d = peer_read(p)) != NULL) {
        const char *m = method_of(d);
        if (strcmp(m, "tools/call") == 0) peer_note(p, id_of(d));
        else if (strcmp(m, "notifications/cancelled") == 0) {
            const fmcp_json *pa = fmcp_json_get(fmcp_json_root(d), "params");
            pthread_mutex_lock(&p->m);
            if (fmcp_json_get_int(pa, "requestId", -1) == p->last_id) p->cancelled++;
            snprintf(p->reason, sizeof p->reason, "%s", fmcp_json_get_str(pa, "reason", ""));
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->m);
        } else if (strcmp(m, "ping") == 0) {
            peer_send(p, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{}}\n", (long long)id_of(d));
        }
        fmcp_json_doc_destroy(d);
    }
}

typedef struct cancel_arg { peer *p; fmcp_client *c; } cancel_arg;

static void *cancel_when_seen(void *arg)
{
    cancel_arg *x = (cancel_arg *)arg;
    t_wait_count(&x->p->m, &x->p->cv, &x->p->seen, 1, 10000);
    fmcp_client_cancel_all(x->c, "stop now");
    return NULL;
}

static void test_cancel(void)
{
    peer p;
    fmcp_client *c;
    fmcp_client_desc d;
    fmcp_json_doc *res = NULL;
    fmcp_call_opts o;
    pthread_t th;
    cancel_arg x;
    client_desc(&d);
    CHECK_OK(start(&p, script_silent, &d, &c));
    if (c) {
        x.p = &p; x.c = c;
        CHECK(pthread_create(&th, NULL, cancel_when_seen, &x) == 0);
        memset(&o, 0, sizeof o);
        o.timeout_ms = -1;   /* only the cancellation can end it */
        CHECK(fmcp_client_call_tool(c, "x", NULL, &o, &res) == FMCP_ERR_CANCELLED);
        CHECK(res == NULL);
        pthread_join(th, NULL);
        CHECK_OK(fmcp_client_ping(c));   /* the peer read the cancellation before the ping */
        CHECK_EQ_INT(p.cancelled, 1);
        CHECK_STR(p.reason, "stop now");
        /* a timeout while holding the stream sends "timeout" */
        o.timeout_ms = 50;
        CHECK(fmcp_client_call_tool(c, "x", NULL, &o, &res) == FMCP_ERR_TIMEOUT);
        CHECK_OK(fmcp_client_ping(c));
        CHECK_EQ_INT(p.cancelled, 2);
        CHECK_STR(p.reason, "timeout");
    }
    finish(&p, c);
}
#endif

int main(void)
{
    signal(SIGPIPE, SIG_DFL);   /* the client must never raise it */
    pthread_mutex_init(&R.m, NULL);
    pthread_cond_init(&R.cv, NULL);
    T_RUN(test_interleaved);
    T_RUN(test_eof_one);
    T_RUN(test_idle);
#ifndef FASTMCP_NO_THREADS
    T_RUN(test_threads);
    T_RUN(test_eof_two);
    T_RUN(test_cancel);
    return t_finish("mcp_client_stdio");
#else
    return t_finish("mcp_client_stdio_nothreads");
#endif
}
