/* mcp_client: implementation */
#include "mcp_client.h"

/* A client needs a transport: stdio (processes, pipes, poll) or HTTP (sockets). */
#if !defined(FASTMCP_NO_PROCESS) || !defined(FASTMCP_NO_SOCKETS)

#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <time.h>
/* Windows: Winsock 2 from base; the stdio transport's child is on pipe
 * HANDLEs (base: fmcp__proc_spawn), the descriptors stay -1 (io.h: close) */
#ifdef _WIN32
#include <io.h>
#  ifndef FASTMCP_NO_PROCESS
#    define FMCP__CL_WINPROC 1   /* implies threads (intro.h) */
#  endif
#else
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/types.h>
#ifndef FASTMCP_NO_PROCESS
#  include <sys/wait.h>
#endif
#include <sys/stat.h>
#include <sys/uio.h>
#ifndef FASTMCP_NO_SOCKETS
#  include <sys/socket.h>
#  include <netdb.h>
#  include <netinet/in.h>
#  include <netinet/tcp.h>
#endif
#endif

#if !defined(FASTMCP_NO_PROCESS) && !defined(_WIN32)
extern char **environ;
#endif

#ifndef FASTMCP_NO_THREADS
#  define FMCP__CL_LOCK(c) fmcp__mutex_lock(&(c)->lock)
#  define FMCP__CL_UNLOCK(c) fmcp__mutex_unlock(&(c)->lock)
#  define FMCP__CL_WAKE(c) fmcp__cond_broadcast(&(c)->cv)
#  define FMCP__CL_WAKE_P(p) fmcp__cond_signal(&(p)->cv)   /* only p's caller */
#else
#  define FMCP__CL_LOCK(c) ((void)(c))
#  define FMCP__CL_UNLOCK(c) ((void)(c))
#  define FMCP__CL_WAKE(c) ((void)(c))
#  define FMCP__CL_WAKE_P(p) ((void)(p))
#endif

#define FMCP__CL_STREAM 1
#define FMCP__CL_HTTP 2
#define FMCP__CL_SLICE_MS 100   /* longest wait before re-checking cancel/deadline */
#define FMCP__CL_IDLE_MS 5      /* stdio: quiet time before the reader thread reads */
#define FMCP__CL_BY_READER 1    /* fmcp_client.reading: the reader thread has the baton */
#define FMCP__CL_BY_CALLER 2    /* a waiting caller has it */

typedef struct fmcp__cl_pending {
    struct fmcp__cl_pending *next;
    int64_t id;
    fmcp_progress_fn progress;
    void *progress_user;
    int done, cancel, busy;
    int waiting;              /* its caller sleeps on cv (stream_wait) */
#ifndef FASTMCP_NO_THREADS
    fmcp__cond cv;        /* its own, so an answer wakes just its caller */
#endif
    int64_t deadline;         /* 0 = none */
    int64_t extend_ms;        /* > 0: each progress report moves the deadline */
    char reason[96];          /* for notifications/cancelled */
    fmcp_result rc;
    fmcp_json_doc *doc;
    char *xhdr;               /* 2026-07-28 HTTP: Mcp-Method, Mcp-Name, Mcp-Param-* lines */
    size_t xhdr_cap;
} fmcp__cl_pending;

#ifndef FASTMCP_NO_SOCKETS
typedef struct fmcp__cl_conn {
    int fd;
    void *tc;                 /* TLS (transport) connection, or NULL */
    char *buf;
    size_t off, len, cap;     /* unread bytes are buf[off..len) */
    size_t scan;              /* http's fmcp__rhead_end: where to look on, from off */
    int status, bmode, body_done, keep, is_sse;   /* bmode: http's FMCP__B_* */
    uint64_t remain;          /* FMCP__B_LEN: bytes left */
    fmcp__chunker ck;         /* FMCP__B_CHUNKED: http's decoder */
    char www[4096];           /* WWW-Authenticate of the last answer ("" = none) */
    fmcp_http_header h[FMCP__RESP_MAX_HEADERS];   /* the head being read (points into buf) */
} fmcp__cl_conn;

typedef struct fmcp__cl_sse {
    fmcp__buf line, data;
    char event[32];
    char last_id[128];
    long retry_ms;
} fmcp__cl_sse;
#endif

struct fmcp_client {
    const fmcp_allocator *a;  /* &alloc, or NULL for the default */
    fmcp_client_desc d;       /* the effective descriptor (fmcp__cl_desc_copy) */
    fmcp_allocator alloc;     /* the copies d's pointers lead to */
    fmcp_http_io transport;
    fmcp_client_cache_store store;
    char *dblob;              /* d's strings and headers, one block (it may hold a token) */
    size_t dblob_len;
    int kind;
    int closed, stopping;
    int64_t next_id;
    fmcp__cl_pending *pending;
    fmcp_json_doc *init;      /* the initialize result, or (modern) the DiscoverResult */
    char version[32];
    int modern;               /* speaking 2026-07-28 */
    char log_level[16];       /* modern: sent in _meta ("" = no logs) */
    fmcp_json_doc *tools;     /* modern HTTP: the last tools/list, for x-mcp-header */
    /* modern: the result cache (see the cache section) */
    struct fmcp__cl_centry *cache_head;   /* the memory store, most recently used first */
    size_t cache_n, cache_bytes;
    unsigned cache_gen;       /* moves with every invalidation: an answer in flight is not stored */
    unsigned char cache_nonce[16];   /* names this client object: stdio server, no-credential identity */
    char cache_srv[33];       /* the server's part of cache keys ("" = not yet computed) */
    /* stream */
    int rfd, wfd, wsock, wake[2];
#ifdef FMCP__CL_WINPROC
    /* the child and its pipes; a pipe thread reads hout into q (under qlock)
     * and the baton holder takes from q (fmcp__cl_pump_stream) */
    void *hproc, *hin, *hout;
    fmcp__mutex qlock;
    fmcp__cond qcv;
    fmcp__buf q;
    int qinit, qeof, qpoke, qstop, has_pipe;
    fmcp__thread pipe;
#elif !defined(FASTMCP_NO_PROCESS)
    pid_t pid;
#endif
    fmcp__buf line;
    /* The baton: only its holder reads rfd and c->line (see fmcp__cl_stream_wait).
     * poked: a byte is on its way through wake[] to make the holder look up.
     * gen moves with every call, so the reader thread can tell a quiet spell. */
    int reading, poked;
    unsigned gen;
#ifndef FASTMCP_NO_SOCKETS
    /* http */
    fmcp_http_url url;
    char session[160];
    char dpop_nonce[256];     /* the last DPoP-Nonce answer header, for OAuth */
    char post_path[2048];     /* legacy transport: the endpoint event's URL */
    int legacy;
    fmcp__cl_conn *idle;
    int get_fd;
    fmcp__cl_sse legacy_sse;
    fmcp__cl_conn *legacy_conn;
#endif
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex lock, wlock;
    fmcp__mutex cache_lock;   /* the cache store's calls; never taken with lock held, nor lock under it */
    fmcp__cond cv;
    fmcp__cond rcv;       /* the stdio reader thread's own, so callers never wake it */
    fmcp__thread thread;
    int has_thread;
    int reader_stop;
    int get_settled;          /* the GET stream got its answer head (or failed) */
#endif
};

/* ---- small helpers ------------------------------------------------------- */

/* The toolkit's buffer with this call's cap; an earlier failure does not stick
 * (callers check every put and may go on with the same buffer). */
static fmcp_result fmcp__cl_put(fmcp__buf *b, const void *p, size_t n, size_t max)
{
    b->err = FMCP_OK;
    b->max = max;
    fmcp__buf_put(b, p, n);
    return b->err;
}

static size_t fmcp__cl_max(const fmcp_client *c)
{
    return c->d.max_message;
}

static int64_t fmcp__cl_deadline(const fmcp_client *c, const fmcp_call_opts *o)
{
    int64_t t = o && o->timeout_ms ? o->timeout_ms : c->d.timeout_ms;   /* d's is never 0 */
    return t < 0 ? 0 : fmcp_monotonic_ms() + t;
}

/* Milliseconds to wait now: a slice, shortened by the deadline (0 = none). */
static int fmcp__cl_slice(int64_t deadline)
{
    int64_t left;
    if (!deadline) return FMCP__CL_SLICE_MS;
    left = deadline - fmcp_monotonic_ms();
    if (left <= 0) return 0;
    return left < FMCP__CL_SLICE_MS ? (int)left : FMCP__CL_SLICE_MS;
}

#ifndef FASTMCP_NO_THREADS
static void fmcp__cl_cond_wait_on(fmcp_client *c, fmcp__cond *cv, int ms)
{
    fmcp__cond_wait_ms(cv, &c->lock, ms, 0);   /* cv on the default clock */
}

#  ifndef FASTMCP_NO_SOCKETS
static void fmcp__cl_cond_wait_ms(fmcp_client *c, int ms)
{
    fmcp__cl_cond_wait_on(c, &c->cv, ms);
}
#  endif
#endif

/* Serialise a parsed value into a fresh NUL-terminated buffer. */
static char *fmcp__cl_value_text(const fmcp_allocator *a, const fmcp_json *v, size_t *len)
{
    size_t need = 0;
    char *t;
    if (fmcp_json_write(v, NULL, 0, &need) != FMCP_ERR_BUFFER_TOO_SMALL || !need) return NULL;
    t = (char *)fmcp_malloc(a, need);
    if (!t) return NULL;
    if (fmcp_json_write(v, t, need, &need) != FMCP_OK) { fmcp_free(a, t, need); return NULL; }
    *len = need - 1;
    return t;
}

/* ---- incoming messages --------------------------------------------------- */

static fmcp_result fmcp__cl_send(fmcp_client *c, const char *json, size_t len);
/* the listen message serves the stdio transport and the HTTP listen thread */
#if !defined(FASTMCP_NO_PROCESS) || (!defined(FASTMCP_NO_SOCKETS) && !defined(FASTMCP_NO_THREADS))
#  define FMCP__CL_LISTEN 1
static fmcp_result fmcp__cl_listen_msg(fmcp_client *c, char **out, size_t *len);
#endif

static fmcp__cl_pending *fmcp__cl_find(fmcp_client *c, int64_t id)
{
    fmcp__cl_pending *p;
    for (p = c->pending; p; p = p->next)
        if (p->id == id && !p->done) return p;
    return NULL;
}

static void fmcp__cl_on_response(fmcp_client *c, fmcp_json_doc *doc)
{
    const fmcp_json *root = fmcp_json_root(doc);
    const fmcp_json *id = fmcp_json_get(root, "id");
    fmcp__cl_pending *p;
    FMCP__CL_LOCK(c);
    p = fmcp_json_is_int(id) ? fmcp__cl_find(c, fmcp_json_int(id, 0)) : NULL;
    if (p) {
        p->doc = doc;
        p->rc = fmcp_json_get(root, "error") ? FMCP_ERR_RPC : FMCP_OK;
        p->done = 1;
        doc = NULL;
        FMCP__CL_WAKE_P(p);
    }
    FMCP__CL_UNLOCK(c);
    if (doc) fmcp_json_doc_destroy(doc);   /* late or unknown: dropped */
}

static void fmcp__cl_on_progress(fmcp_client *c, const fmcp_json *params)
{
    const fmcp_json *tok = fmcp_json_get(params, "progressToken");
    fmcp__cl_pending *p;
    fmcp_progress_fn fn = NULL;
    void *u = NULL;
    int stop;
    FMCP__CL_LOCK(c);
    p = fmcp_json_is_int(tok) ? fmcp__cl_find(c, fmcp_json_int(tok, 0)) : NULL;
    if (p) {
        fn = p->progress; u = p->progress_user; p->busy++;
        if (p->extend_ms > 0) p->deadline = fmcp_monotonic_ms() + p->extend_ms;
    }
    FMCP__CL_UNLOCK(c);
    if (!p) return;
    /* The caller cannot free p while busy is raised. */
    stop = fn ? fn(u, fmcp_json_get_double(params, "progress", 0), fmcp_json_get_double(params, "total", -1),
                   fmcp_json_get_str(params, "message", NULL)) : 0;
    FMCP__CL_LOCK(c);
    p->busy--;
    if (stop) p->cancel = 1;
    FMCP__CL_WAKE_P(p);
    FMCP__CL_UNLOCK(c);
}

static void fmcp__cl_cache_notice(fmcp_client *c, const char *method);

static void fmcp__cl_on_notice(fmcp_client *c, const char *method, const fmcp_json *params)
{
    fmcp__cl_cache_notice(c, method);
    if (strcmp(method, "notifications/progress") == 0) fmcp__cl_on_progress(c, params);
    else if (strcmp(method, "notifications/message") == 0) {
        if (c->d.on_log)
            c->d.on_log(c->d.notify_user, fmcp_json_get_str(params, "level", "info"),
                        fmcp_json_get_str(params, "logger", NULL), fmcp_json_get(params, "data"));
    } else if (c->d.on_notification && strcmp(method, "notifications/subscriptions/acknowledged") != 0) {
        c->d.on_notification(c->d.notify_user, method, params);
    }
}

/* Run the handler for a server-to-client request; *code = 0 on success. */
static char *fmcp__cl_run_handler(fmcp_client *c, const char *method, const fmcp_json *params,
                                  int *code, size_t *len)
{
    fmcp_client_request_fn fn = NULL;
    fmcp_json_writer w;
    char *out = NULL;
    fmcp_result r = FMCP_OK;
    fmcp_jw_init(&w, c->a);
    if (strcmp(method, "sampling/createMessage") == 0) fn = c->d.on_sampling;
    else if (strcmp(method, "elicitation/create") == 0) fn = c->d.on_elicitation;
    else if (strcmp(method, "roots/list") == 0) fn = c->d.on_roots;
    if (fn) r = fn(c->d.handler_user, c, method, params, &w);
    else if (strcmp(method, "ping") == 0) { fmcp_jw_object_begin(&w); fmcp_jw_object_end(&w); }
    else if (strcmp(method, "roots/list") == 0 && c->d.roots_json) {
        fmcp_jw_object_begin(&w);
        fmcp_jw_key(&w, "roots");
        fmcp_jw_raw(&w, c->d.roots_json, strlen(c->d.roots_json));
        fmcp_jw_object_end(&w);
    } else {
        fmcp_jw_reset(&w);
        *code = FMCP_RPC_METHOD_NOT_FOUND;
        return NULL;
    }
    if (r == FMCP_OK) r = fmcp_jw_finish(&w, &out, len);
    else fmcp_jw_reset(&w);
    *code = r == FMCP_OK ? 0 : r == FMCP_ERR_INVALID_ARG ? FMCP_RPC_INVALID_PARAMS : FMCP_RPC_INTERNAL_ERROR;
    return out;
}

static void fmcp__cl_on_request(fmcp_client *c, const char *method, const fmcp_json *id, const fmcp_json *params)
{
    fmcp_json_writer w;
    int code = 0;
    size_t rlen = 0, len;
    char *res = fmcp__cl_run_handler(c, method, params, &code, &rlen), *msg;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    fmcp_jw_key(&w, "id"); fmcp_jw_value(&w, id);
    if (res) {
        fmcp_jw_key(&w, "result");
        fmcp_jw_raw(&w, res, rlen);
        fmcp_free(c->a, res, rlen + 1);
    } else {
        fmcp_jw_key(&w, "error");
        fmcp_jw_object_begin(&w);
        fmcp_jw_key(&w, "code"); fmcp_jw_int(&w, code ? code : FMCP_RPC_INTERNAL_ERROR);
        fmcp_jw_key(&w, "message");
        fmcp_jw_str(&w, code == FMCP_RPC_METHOD_NOT_FOUND ? "Method not found" : "Client handler failed");
        fmcp_jw_object_end(&w);
    }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &msg, &len) == FMCP_OK) {
        (void)fmcp__cl_send(c, msg, len);
        fmcp_free_text(w.alloc, msg, len);
    }
}

static void fmcp__cl_dispatch(fmcp_client *c, const char *text, size_t len);

static void fmcp__cl_dispatch_batch(fmcp_client *c, const fmcp_json *arr)
{
    const fmcp_json *v;
    for (v = fmcp_json_first(arr); v; v = fmcp_json_next(v)) {
        size_t n = 0;
        char *t = fmcp__cl_value_text(c->a, v, &n);
        if (!t) continue;
        if (fmcp_json_is(v, FMCP_JSON_OBJECT)) fmcp__cl_dispatch(c, t, n);
        fmcp_free(c->a, t, n + 1);
    }
}

/* One incoming JSON-RPC message (or batch). Garbage is ignored. */
static void fmcp__cl_dispatch(fmcp_client *c, const char *text, size_t len)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *doc;
    const fmcp_json *root, *id;
    const char *method;
    memset(&o, 0, sizeof o);
    o.alloc = c->a;
    o.max_size = fmcp__cl_max(c);
    if (fmcp_json_parse(text, len, &o, &doc, NULL) != FMCP_OK) return;
    root = fmcp_json_root(doc);
    if (fmcp_json_is(root, FMCP_JSON_ARRAY)) {
        fmcp__cl_dispatch_batch(c, root);
        fmcp_json_doc_destroy(doc);
        return;
    }
    method = fmcp_json_get_str(root, "method", NULL);
    id = fmcp_json_get(root, "id");
    if (method && id) fmcp__cl_on_request(c, method, id, fmcp_json_get(root, "params"));
    else if (method) fmcp__cl_on_notice(c, method, fmcp_json_get(root, "params"));
    else if (id) { fmcp__cl_on_response(c, doc); return; }
    fmcp_json_doc_destroy(doc);
}

#if !defined(_WIN32) || defined(FMCP__CL_WINPROC)
/* Split newline-delimited input into messages; keeps the unfinished line. */
static fmcp_result fmcp__cl_feed_lines(fmcp_client *c, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = (const char *)memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        fmcp_result r = fmcp__cl_put(&c->line, p, k, fmcp__cl_max(c) + 2);
        if (r != FMCP_OK) { c->line.len = 0; return r; }
        if (!nl) break;
        if (c->line.len) fmcp__cl_dispatch(c, c->line.p, c->line.len);
        c->line.len = 0;
        p += k + 1;
        n -= k + 1;
    }
    return FMCP_OK;
}
#endif

/* ---- stream transport ---------------------------------------------------- */

/* Wake every waiting caller (lock held). */
static void fmcp__cl_wake_all(fmcp_client *c)
{
    fmcp__cl_pending *p;
    for (p = c->pending; p; p = p->next) FMCP__CL_WAKE_P(p);
    FMCP__CL_WAKE(c);
}

static void fmcp__cl_mark_closed(fmcp_client *c)
{
    FMCP__CL_LOCK(c);
    c->closed = 1;
    fmcp__cl_wake_all(c);
    FMCP__CL_UNLOCK(c);
}

/* Wait up to ms for input and dispatch what arrives; only the baton holder
 * calls this. A byte on the wake pipe (a poke) just ends the wait early. */
#ifdef FMCP__CL_WINPROC
/* Windows: no poll() on pipes, so the pipe thread (fmcp__cl_pipe_main) reads
 * and this takes what it queued; a poke (qpoke) ends the wait as the wake
 * pipe does on POSIX. */
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms)
{
    char buf[16384];
    size_t n = 0;
    int eof, poked;
    fmcp__mutex_lock(&c->qlock);
    if (ms < 0) while (!c->q.len && !c->qeof && !c->qpoke) fmcp__cond_wait(&c->qcv, &c->qlock);
    else if (!c->q.len && !c->qeof && !c->qpoke) fmcp__cond_wait_ms(&c->qcv, &c->qlock, ms, 1);
    poked = c->qpoke;
    c->qpoke = 0;
    if (c->q.len) {
        n = c->q.len < sizeof buf ? c->q.len : sizeof buf;
        memcpy(buf, c->q.p, n);
        memmove(c->q.p, c->q.p + n, c->q.len - n);
        c->q.len -= n;
        fmcp__cond_broadcast(&c->qcv);   /* room again for the pipe thread */
    }
    eof = c->qeof && !c->q.len;
    fmcp__mutex_unlock(&c->qlock);
    if (poked) {   /* as draining the wake pipe does: the next poke is sent again */
        FMCP__CL_LOCK(c);
        c->poked = 0;
        FMCP__CL_UNLOCK(c);
    }
    if (n) {
        fmcp_result r = fmcp__cl_feed_lines(c, buf, n);
        if (r != FMCP_OK || !eof) return r;
    }
    if (eof) { fmcp__cl_mark_closed(c); return FMCP_ERR_CLOSED; }
    return FMCP_OK;
}

/* Queue the child's output for the baton holder; at most 64 KiB ahead of
 * it, so a chatty server is slowed down rather than buffered without end. */
static void *fmcp__cl_pipe_main(void *arg)
{
    fmcp_client *c = (fmcp_client *)arg;
    char buf[16384];
    for (;;) {
        long n = fmcp__pipe_read(c->hout, buf, sizeof buf);
        fmcp__mutex_lock(&c->qlock);
        while (n > 0 && c->q.len >= 65536 && !c->qstop) fmcp__cond_wait(&c->qcv, &c->qlock);
        if (n <= 0 || c->qstop || fmcp__cl_put(&c->q, buf, (size_t)n, 65536 + sizeof buf) != FMCP_OK) {
            c->qeof = 1;
            fmcp__cond_broadcast(&c->qcv);
            fmcp__mutex_unlock(&c->qlock);
            return NULL;
        }
        fmcp__cond_broadcast(&c->qcv);
        fmcp__mutex_unlock(&c->qlock);
    }
}

/* Wake the baton holder (fmcp__cl_poke's pipe write on POSIX). */
static void fmcp__cl_qpoke(fmcp_client *c)
{
    fmcp__mutex_lock(&c->qlock);
    c->qpoke = 1;
    fmcp__cond_broadcast(&c->qcv);
    fmcp__mutex_unlock(&c->qlock);
}
#elif defined(_WIN32)
/* No stream transport on Windows without threads (fmcp_client_connect_stdio/_fd
 * are not compiled), so no client is ever of kind FMCP__CL_STREAM. */
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms)
{
    (void)ms;
    fmcp__cl_mark_closed(c);
    return FMCP_ERR_CLOSED;
}
#else
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms)
{
    char buf[16384];
    struct pollfd pf[2];
    long n;
    pf[0].fd = c->rfd; pf[0].events = POLLIN; pf[0].revents = 0;
    pf[1].fd = c->wake[0]; pf[1].events = POLLIN; pf[1].revents = 0;   /* -1 without threads: ignored */
    n = (long)poll(pf, 2, ms);
    if (n < 0 && errno != EINTR) { fmcp__cl_mark_closed(c); return FMCP_ERR_CLOSED; }
    if (n <= 0) return FMCP_OK;
    if (pf[1].revents) {
        FMCP__CL_LOCK(c);
        while (read(c->wake[0], buf, sizeof buf) > 0) { /* non-blocking: empties it */ }
        c->poked = 0;
        FMCP__CL_UNLOCK(c);
        return FMCP_OK;
    }
    n = (long)read(c->rfd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return FMCP_OK;
    if (n <= 0) { fmcp__cl_mark_closed(c); return FMCP_ERR_CLOSED; }
    return fmcp__cl_feed_lines(c, buf, (size_t)n);
}
#endif

/* Give the baton back (lock held) and wake one caller waiting for it. */
static void fmcp__cl_baton_drop(fmcp_client *c)
{
    fmcp__cl_pending *p;
    c->reading = 0;
    c->poked = 0;
    c->gen++;
    for (p = c->pending; p; p = p->next)
        if (p->waiting && !p->done) { FMCP__CL_WAKE_P(p); break; }
}

#ifndef FASTMCP_NO_THREADS
/* Make the baton holder leave its poll() now (lock held): one byte through
 * the wake pipe, however many threads ask. */
static void fmcp__cl_poke(fmcp_client *c)
{
    char b = 1;
    if (c->poked) return;
    c->poked = 1;
#ifdef FMCP__CL_WINPROC
    (void)b;
    if (c->kind == FMCP__CL_STREAM && c->qinit) fmcp__cl_qpoke(c);
#elif defined(_WIN32)
    (void)b;   /* no stream transport: nobody holds the baton in a poll() */
#else
    if (write(c->wake[1], &b, 1) < 0) { /* full: the holder wakes anyway */ }
#endif
}

#  ifndef FASTMCP_NO_PROCESS
/* Wait (lock held) until the reader thread may take the baton: nobody holds
 * it, no call is waiting, and no call began or ended for FMCP__CL_IDLE_MS.
 * So during a run of calls the callers read their own answers and this
 * thread only naps; between calls it reads notifications and server
 * requests. 0 = stop. */
static int fmcp__cl_reader_turn(fmcp_client *c)
{
    unsigned seen = c->gen - 1;
    for (;;) {
        if (c->reader_stop) return 0;
        if (!c->reading && !c->pending && c->gen == seen) return 1;
        seen = c->gen;
        fmcp__cl_cond_wait_on(c, &c->rcv, FMCP__CL_IDLE_MS);
    }
}

static void *fmcp__cl_reader_main(void *arg)
{
    fmcp_client *c = (fmcp_client *)arg;
    fmcp_result r = FMCP_OK;
    FMCP__CL_LOCK(c);
    while (r != FMCP_ERR_CLOSED && fmcp__cl_reader_turn(c)) {
        c->reading = FMCP__CL_BY_READER;
        while (r != FMCP_ERR_CLOSED && !c->pending && !c->reader_stop) {   /* a new call pokes */
            FMCP__CL_UNLOCK(c);
            r = fmcp__cl_pump_stream(c, -1);
            FMCP__CL_LOCK(c);
        }
        fmcp__cl_baton_drop(c);
    }
    c->closed = 1;
    fmcp__cl_wake_all(c);
    FMCP__CL_UNLOCK(c);
    return NULL;
}
#  endif
#endif

#ifndef _WIN32
/* writev() that cannot raise SIGPIPE in the process. */
static long fmcp__cl_write_fd(fmcp_client *c, struct iovec *iov, int n)
{
    sigset_t set, old;
    long w;
#ifndef FASTMCP_NO_SOCKETS
#  ifdef MSG_NOSIGNAL
    if (c->wsock) {
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t)n;
        return (long)sendmsg(c->wfd, &mh, MSG_NOSIGNAL);
    }
#  endif
#endif
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
#ifndef FASTMCP_NO_THREADS
    pthread_sigmask(SIG_BLOCK, &set, &old);
#else
    sigprocmask(SIG_BLOCK, &set, &old);
#endif
    w = (long)writev(c->wfd, iov, n);
    if (w < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
        struct timespec zero;
        zero.tv_sec = 0; zero.tv_nsec = 0;
        (void)sigtimedwait(&set, NULL, &zero);   /* consume our SIGPIPE */
        errno = EPIPE;
    }
#ifndef FASTMCP_NO_THREADS
    pthread_sigmask(SIG_SETMASK, &old, NULL);
#else
    sigprocmask(SIG_SETMASK, &old, NULL);
#endif
    return w;
}

/* The message and its newline in one system call where possible. */
static fmcp_result fmcp__cl_stream_write(fmcp_client *c, const char *json, size_t len)
{
    struct iovec iov[2];
    int i = 0;
    iov[0].iov_base = (void *)(size_t)json;   /* not written to */
    iov[0].iov_len = len;
    iov[1].iov_base = (void *)(size_t)"\n";
    iov[1].iov_len = 1;
    while (i < 2) {
        long w = fmcp__cl_write_fd(c, iov + i, 2 - i);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return FMCP_ERR_IO;
        while (i < 2 && (size_t)w >= iov[i].iov_len) { w -= (long)iov[i].iov_len; i++; }
        if (i < 2) { iov[i].iov_base = (char *)iov[i].iov_base + w; iov[i].iov_len -= (size_t)w; }
    }
    return FMCP_OK;
}

#elif defined(FMCP__CL_WINPROC)
/* The message, then its newline (under wlock: nothing comes between). */
static fmcp_result fmcp__cl_stream_write(fmcp_client *c, const char *json, size_t len)
{
    const char *p = json;
    size_t n = len;
    int part;
    for (part = 0; part < 2; part++) {
        while (n > 0) {
            long w = fmcp__pipe_write(c->hin, p, n);
            if (w <= 0) return FMCP_ERR_IO;
            p += w;
            n -= (size_t)w;
        }
        p = "\n";
        n = 1;
    }
    return FMCP_OK;
}
#endif

static fmcp_result fmcp__cl_stream_send(fmcp_client *c, const char *json, size_t len)
{
    fmcp_result r = FMCP_ERR_CLOSED;
#if defined(_WIN32) && !defined(FMCP__CL_WINPROC)
    (void)json; (void)len;   /* c->wfd is never open: no stream transport */
#endif
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&c->wlock);
#endif
#ifdef FMCP__CL_WINPROC
    if (c->hin) r = fmcp__cl_stream_write(c, json, len);
#elif !defined(_WIN32)
    if (c->wfd >= 0) r = fmcp__cl_stream_write(c, json, len);
#endif
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_unlock(&c->wlock);
#endif
    if (r == FMCP_ERR_IO) { fmcp__cl_mark_closed(c); r = FMCP_ERR_CLOSED; }   /* the peer is gone */
    return r;
}

/* Wait for p's answer. On a stream whoever holds the baton reads it and
 * dispatches every message: answers for other calls reach their callers
 * through p->done and the condition variable. A waiting caller takes the
 * baton when it is free (poking the reader thread off it), so with one call
 * at a time the caller reads its own answer and no thread is woken per call.
 * Legacy HTTP answers come from the GET-stream thread. */
static fmcp_result fmcp__cl_stream_wait(fmcp_client *c, fmcp__cl_pending *p)
{
    fmcp_result r;
    int mine = 0;
    FMCP__CL_LOCK(c);
    for (;;) {
        int ms;
        if (p->done) { r = FMCP_OK; break; }
        if (p->cancel) { r = FMCP_ERR_CANCELLED; break; }
        if (c->closed) { r = FMCP_ERR_CLOSED; break; }
        ms = fmcp__cl_slice(p->deadline);
        if (ms == 0) { r = FMCP_ERR_TIMEOUT; break; }
        if (!mine && !c->reading && c->kind == FMCP__CL_STREAM) { c->reading = FMCP__CL_BY_CALLER; mine = 1; }
        if (mine) {
            FMCP__CL_UNLOCK(c);
            (void)fmcp__cl_pump_stream(c, ms);
            FMCP__CL_LOCK(c);
            continue;
        }
#ifndef FASTMCP_NO_THREADS
        if (c->reading == FMCP__CL_BY_READER) fmcp__cl_poke(c);
        p->waiting = 1;
        fmcp__cl_cond_wait_on(c, &p->cv, ms);
        p->waiting = 0;
#else
        r = FMCP_ERR_UNSUPPORTED;   /* no reader: cannot happen */
        break;
#endif
    }
    if (mine) fmcp__cl_baton_drop(c);
    FMCP__CL_UNLOCK(c);
    return r;
}

/* ---- HTTP transport ------------------------------------------------------ */

#ifndef FASTMCP_NO_SOCKETS

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
        pf.fd = fd; pf.events = ev; pf.revents = 0;
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
        long w;
        if (k->tc) {   /* a retried TLS write repeats the same bytes */
            w = c->d.transport->write(k->tc, p, n);
            if (w == FMCP_HTTP_IO_WANT_READ || w == FMCP_HTTP_IO_WANT_WRITE) {
                fmcp_result r = fmcp__cl_ready(c, k->fd, w == FMCP_HTTP_IO_WANT_READ ? POLLIN : POLLOUT,
                    deadline, NULL);
                if (r != FMCP_OK) return r;
                continue;
            }
            if (w <= 0) return FMCP_ERR_IO;
            p += w;
            n -= (size_t)w;
            continue;
        }
        w = fmcp__sock_send(k->fd, p, n);
        if (w < 0 && (fmcp__sock_again() || fmcp__sock_intr())) {
            fmcp_result r = fmcp__cl_ready(c, k->fd, POLLOUT, deadline, NULL);
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
        if (k->tc) {
            n = c->d.transport->read(k->tc, k->buf + k->len, k->cap - k->len);
            if (n > 0) { k->len += (size_t)n; return FMCP_OK; }
            if (n == 0) return FMCP_ERR_CLOSED;
            if (n != FMCP_HTTP_IO_WANT_READ && n != FMCP_HTTP_IO_WANT_WRITE) return FMCP_ERR_IO;
            r = fmcp__cl_ready(c, k->fd, n == FMCP_HTTP_IO_WANT_READ ? POLLIN : POLLOUT, deadline, p);
            if (r != FMCP_OK) return r;
            continue;
        }
        n = fmcp__sock_recv(k->fd, k->buf + k->len, k->cap - k->len);
        if (n > 0) { k->len += (size_t)n; return FMCP_OK; }
        if (n == 0) return FMCP_ERR_CLOSED;
        if (!fmcp__sock_again() && !fmcp__sock_intr()) return FMCP_ERR_IO;
        r = fmcp__cl_ready(c, k->fd, POLLIN, deadline, p);
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
            const char *t = "text/event-stream";   /* a prefix: parameters may follow */
            while (*t && fmcp__lc((unsigned char)*v) == *t) { v++; t++; }
            k->is_sse = !*t;
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
    if (msg) fmcp_free(c->a, msg, len + 1);
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

#endif /* FASTMCP_NO_SOCKETS */

static fmcp_result fmcp__cl_send(fmcp_client *c, const char *json, size_t len)
{
#ifndef FASTMCP_NO_SOCKETS
    if (c->kind == FMCP__CL_HTTP) return fmcp__cl_http_post_oneway(c, json, len);
#endif
    return fmcp__cl_stream_send(c, json, len);
}

/* ---- requests ------------------------------------------------------------ */

#define FMCP__CL_MODERN "2026-07-28"

/* "capabilities" the handlers that are set declare (initialize and 2026-07-28 _meta). */
static void fmcp__cl_write_caps(fmcp_client *c, fmcp_json_writer *w)
{
    fmcp_jw_object_begin(w);
    if (c->d.on_sampling) { fmcp_jw_key(w, "sampling"); fmcp_jw_object_begin(w); fmcp_jw_object_end(w); }
    if (c->d.on_elicitation) { fmcp_jw_key(w, "elicitation"); fmcp_jw_object_begin(w); fmcp_jw_object_end(w); }
    if (c->d.on_roots || c->d.roots_json) {
        fmcp_jw_key(w, "roots");
        fmcp_jw_object_begin(w);
        if (!c->modern) { fmcp_jw_key(w, "listChanged"); fmcp_jw_bool(w, 0); }
        fmcp_jw_object_end(w);
    }
    fmcp_jw_object_end(w);
}

static void fmcp__cl_write_info(fmcp_client *c, fmcp_json_writer *w)
{
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "name"); fmcp_jw_str(w, c->d.name);
    if (c->d.title) { fmcp_jw_key(w, "title"); fmcp_jw_str(w, c->d.title); }
    fmcp_jw_key(w, "version"); fmcp_jw_str(w, c->d.version);
    fmcp_jw_object_end(w);
}

/* params._meta: the progress token, the 2026-07-28 request fields, then the
 * caller's own _meta members (which win). */
static void fmcp__cl_write_meta(fmcp_client *c, fmcp_json_writer *w, int64_t token, const fmcp_json *user)
{
    const fmcp_json *v;
    size_t kl;
    fmcp_jw_key(w, "_meta");
    fmcp_jw_object_begin(w);
    if (token && !fmcp_json_get(user, "progressToken")) { fmcp_jw_key(w, "progressToken"); fmcp_jw_int(w, token); }
    if (c->modern) {
        if (!fmcp_json_get(user, "io.modelcontextprotocol/protocolVersion")) {
            fmcp_jw_key(w, "io.modelcontextprotocol/protocolVersion"); fmcp_jw_str(w, FMCP__CL_MODERN);
        }
        if (!fmcp_json_get(user, "io.modelcontextprotocol/clientInfo")) {
            fmcp_jw_key(w, "io.modelcontextprotocol/clientInfo"); fmcp__cl_write_info(c, w);
        }
        if (!fmcp_json_get(user, "io.modelcontextprotocol/clientCapabilities")) {
            fmcp_jw_key(w, "io.modelcontextprotocol/clientCapabilities"); fmcp__cl_write_caps(c, w);
        }
        if (c->log_level[0] && !fmcp_json_get(user, "io.modelcontextprotocol/logLevel")) {
            fmcp_jw_key(w, "io.modelcontextprotocol/logLevel"); fmcp_jw_str(w, c->log_level);
        }
    }
    for (v = fmcp_json_first(user); v; v = fmcp_json_next(v)) {
        const char *k = fmcp_json_key(v, &kl);
        fmcp_jw_keyn(w, k, kl);
        fmcp_jw_value(w, v);
    }
    fmcp_jw_object_end(w);
}

/* {"jsonrpc":"2.0","id":id,"method":m,"params":{...params, _meta:{...}}}; id 0
 * = a notification. token: ask for progress (the id is the token). */
static fmcp_result fmcp__cl_build(fmcp_client *c, int64_t id, const char *method, const char *params,
                                  int token, char **out, size_t *len)
{
    fmcp_json_writer w;
    fmcp_json_doc *pd = NULL;
    fmcp_result r = FMCP_OK;
    int meta = token || (c->modern && id);
    if (params) {
        fmcp_json_parse_options o;
        memset(&o, 0, sizeof o);
        o.alloc = c->a;
        r = fmcp_json_parse(params, strlen(params), &o, &pd, NULL);
        if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? r : FMCP_ERR_INVALID_ARG;
        if (!fmcp_json_is(fmcp_json_root(pd), FMCP_JSON_OBJECT)) {
            fmcp_json_doc_destroy(pd);
            return FMCP_ERR_INVALID_ARG;
        }
    }
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    if (id) { fmcp_jw_key(&w, "id"); fmcp_jw_int(&w, id); }
    fmcp_jw_key(&w, "method"); fmcp_jw_str(&w, method);
    if (pd || meta) {
        const fmcp_json *v;
        fmcp_jw_key(&w, "params");
        fmcp_jw_object_begin(&w);
        for (v = fmcp_json_first(fmcp_json_root(pd)); v; v = fmcp_json_next(v)) {
            size_t kl;
            const char *k = fmcp_json_key(v, &kl);
            if (meta && kl == 5 && memcmp(k, "_meta", 5) == 0) continue;
            fmcp_jw_keyn(&w, k, kl);
            fmcp_jw_value(&w, v);
        }
        if (meta) fmcp__cl_write_meta(c, &w, token ? id : 0, fmcp_json_get(fmcp_json_root(pd), "_meta"));
        fmcp_jw_object_end(&w);
    }
    fmcp_jw_object_end(&w);
    if (pd) fmcp_json_doc_destroy(pd);
    return fmcp_jw_finish(&w, out, len);
}

/* ---- 2026-07-28: request headers (SEP-2243) ----------------------------------------- */

#ifndef FASTMCP_NO_SOCKETS
/* A header value as the spec encodes it: plain when it is visible ASCII
 * without outer spaces and not sentinel-shaped, else =?base64?...?=. */
static fmcp_result fmcp__cl_hdr_value(fmcp_client *c, fmcp__buf *b, const char *v, size_t n)
{
    size_t i, e, out = 0;
    int plain = n > 0 && v[0] != ' ' && v[n - 1] != ' ' && !(n >= 11 && memcmp(v, "=?base64?", 9) == 0 &&
                                                              memcmp(v + n - 2, "?=", 2) == 0);
    char *tmp;
    fmcp_result r;
    for (i = 0; i < n && plain; i++) plain = (unsigned char)v[i] >= 0x20 && (unsigned char)v[i] <= 0x7e;
    if (plain) return fmcp__cl_put(b, v, n, (size_t)1 << 20);
    e = fmcp_b64_encoded_len(FMCP_B64_STD, n) + 1;
    if (!(tmp = (char *)fmcp_malloc(c->a, e))) return FMCP_ERR_NOMEM;
    (void)fmcp_b64_encode(FMCP_B64_STD, v, n, tmp, e, &out);
    r = fmcp__cl_put(b, "=?base64?", 9, (size_t)1 << 20);
    if (r == FMCP_OK) r = fmcp__cl_put(b, tmp, out, (size_t)1 << 20);
    if (r == FMCP_OK) r = fmcp__cl_put(b, "?=", 2, (size_t)1 << 20);
    fmcp_free(c->a, tmp, e);
    return r;
}

static fmcp_result fmcp__cl_hdr_line(fmcp_client *c, fmcp__buf *b, const char *name, const char *v, size_t n)
{
    fmcp_result r = fmcp__cl_put(b, name, strlen(name), (size_t)1 << 20);
    if (r == FMCP_OK) r = fmcp__cl_put(b, ": ", 2, (size_t)1 << 20);
    if (r == FMCP_OK) r = fmcp__cl_hdr_value(c, b, v, n);
    if (r == FMCP_OK) r = fmcp__cl_put(b, "\r\n", 2, (size_t)1 << 20);
    return r;
}

/* x-mcp-header declarations nest at most this deep (validation and mirroring
 * agree, so a tool we keep never has an annotation we would not mirror). */
#define FMCP__CL_XH_DEPTH 32
#define FMCP__CL_XH_MAX 64      /* header annotations per tool we keep (bounded stack) */

typedef struct fmcp__cl_xh {
    const char *name[FMCP__CL_XH_MAX];
    size_t len[FMCP__CL_XH_MAX];
    int n;
    const char *why;            /* the first violation, or NULL */
} fmcp__cl_xh;

#define FMCP__CL_XH_OTHER 0     /* not statically reachable: no annotation allowed */
#define FMCP__CL_XH_ROOT 1      /* the input schema itself */
#define FMCP__CL_XH_PROP 2      /* reached through "properties" keys only */

static int fmcp__cl_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* The "type" of an annotated property: integer, string or boolean (a
 * type list may add "null"); no "type" at all is not a violation. */
static int fmcp__cl_xh_type_ok(const fmcp_json *t)
{
    const fmcp_json *e;
    int some = 0;
    if (!t) return 1;
    if (fmcp_json_is(t, FMCP_JSON_STRING)) {
        const char *s = fmcp_json_str(t, NULL);
        return strcmp(s, "string") == 0 || strcmp(s, "integer") == 0 || strcmp(s, "boolean") == 0;
    }
    if (!fmcp_json_is(t, FMCP_JSON_ARRAY)) return 0;
    for (e = fmcp_json_first(t); e; e = fmcp_json_next(e)) {
        const char *s = fmcp_json_is(e, FMCP_JSON_STRING) ? fmcp_json_str(e, NULL) : "";
        if (strcmp(s, "null") == 0) continue;
        if (!fmcp_json_is(e, FMCP_JSON_STRING) || !fmcp__cl_xh_type_ok(e)) return 0;
        some = 1;
    }
    return some;
}

/* One annotation at a property schema s of the given kind. */
static void fmcp__cl_xh_check(fmcp__cl_xh *x, const fmcp_json *s, const fmcp_json *v, int kind)
{
    size_t n = 0, i;
    const char *name;
    if (kind != FMCP__CL_XH_PROP) { x->why = "x-mcp-header on a schema not reachable through properties"; return; }
    if (!fmcp_json_is(v, FMCP_JSON_STRING)) { x->why = "x-mcp-header is not a string"; return; }
    name = fmcp_json_str(v, &n);
    if (n == 0) { x->why = "x-mcp-header is empty"; return; }
    for (i = 0; i < n; i++)
        if (!fmcp__cl_tchar((unsigned char)name[i])) { x->why = "x-mcp-header is not an HTTP token"; return; }
    if (!fmcp__cl_xh_type_ok(fmcp_json_get(s, "type"))) {
        x->why = "x-mcp-header on a non-primitive or number type";
        return;
    }
    for (i = 0; i < (size_t)x->n; i++) {
        if (x->len[i] == n && fmcp__ieqn(name, x->name[i], n)) {
            x->why = "x-mcp-header is not unique (case-insensitively)";
            return;
        }
    }
    if (x->n == FMCP__CL_XH_MAX) { x->why = "too many x-mcp-header annotations"; return; }
    x->name[x->n] = name;
    x->len[x->n++] = n;
}

/* Walks a schema value; stops at the first violation. Keywords whose
 * values are instance data (const, default, enum, examples) are skipped,
 * and keyword maps ($defs, patternProperties, ...) hold schemas by name. */
static void fmcp__cl_xh_walk(fmcp__cl_xh *x, const fmcp_json *s, int kind, int depth)
{
    const fmcp_json *m, *e;
    if (depth > FMCP__CL_XH_DEPTH) { x->why = "input schema nested too deeply to check"; return; }
    if (fmcp_json_is(s, FMCP_JSON_ARRAY)) {
        for (e = fmcp_json_first(s); e && !x->why; e = fmcp_json_next(e))
            fmcp__cl_xh_walk(x, e, FMCP__CL_XH_OTHER, depth + 1);
        return;
    }
    if (!fmcp_json_is(s, FMCP_JSON_OBJECT)) return;
    for (m = fmcp_json_first(s); m && !x->why; m = fmcp_json_next(m)) {
        size_t kl;
        const char *k = fmcp_json_key(m, &kl);
#define FMCP__CL_IS(lit) (kl == sizeof(lit) - 1 && memcmp(k, lit, kl) == 0)
        if (FMCP__CL_IS("x-mcp-header")) fmcp__cl_xh_check(x, s, m, kind);
        else if (FMCP__CL_IS("const") || FMCP__CL_IS("default")
            || FMCP__CL_IS("enum") || FMCP__CL_IS("examples")) continue;
        else if (FMCP__CL_IS("properties") || FMCP__CL_IS("$defs") || FMCP__CL_IS("definitions") ||
                 FMCP__CL_IS("patternProperties") || FMCP__CL_IS("dependentSchemas")) {
            int sub = FMCP__CL_IS("properties") && kind != FMCP__CL_XH_OTHER ? FMCP__CL_XH_PROP : FMCP__CL_XH_OTHER;
            if (!fmcp_json_is(m, FMCP_JSON_OBJECT)) continue;
            for (e = fmcp_json_first(m); e && !x->why; e = fmcp_json_next(e)) fmcp__cl_xh_walk(x, e, sub, depth + 1);
        } else fmcp__cl_xh_walk(x, m, FMCP__CL_XH_OTHER, depth + 1);
#undef FMCP__CL_IS
    }
}

/* Why a listed tool must be left out of tools/list (SEP-2243: a client on
 * Streamable HTTP rejects tools whose x-mcp-header annotations break the
 * rules, so one bad tool does not spoil the others), or NULL to keep it. */
static const char *fmcp__cl_tool_rejected(const fmcp_json *tool)
{
    fmcp__cl_xh x;
    x.n = 0;
    x.why = NULL;
    fmcp__cl_xh_walk(&x, fmcp_json_get(tool, "inputSchema"), FMCP__CL_XH_ROOT, 0);
    return x.why;
}

/* Mcp-Param-{x-mcp-header}: the argument at each annotated property path
 * (absent and null arguments send nothing). */
static fmcp_result fmcp__cl_param_headers(fmcp_client *c, fmcp__buf *b, const fmcp_json *schema,
                                          const fmcp_json *args, int depth)
{
    const fmcp_json *p;
    fmcp_result r = FMCP_OK;
    for (p = fmcp_json_first(fmcp_json_get(schema, "properties")); p && r == FMCP_OK && depth < FMCP__CL_XH_DEPTH;
         p = fmcp_json_next(p)) {
        size_t kl, n = 0, xl = 0;
        const char *k = fmcp_json_key(p, &kl);
        const fmcp_json *v = fmcp_json_getn(args, k, kl), *xv = fmcp_json_get(p, "x-mcp-header");
        const char *x = fmcp_json_str(xv, &xl), *txt = NULL;
        char num[32];
        size_t i;
        for (i = 0; x && i < xl; i++)   /* kept tools are validated; never let a name split a header */
            if (!fmcp__cl_tchar((unsigned char)x[i])) x = NULL;
        if (x && xl > 0 && v) {
            if (fmcp_json_is(v, FMCP_JSON_STRING)) txt = fmcp_json_str(v, &n);
            else if (fmcp_json_is(v, FMCP_JSON_BOOL)) {
                txt = fmcp_json_bool(v, 0) ? "true" : "false";
                n = strlen(txt);
            }
            else if (fmcp_json_is_int(v)) {
                snprintf(num, sizeof num, "%lld", (long long)fmcp_json_int(v, 0));
                txt = num; n = strlen(num);
            }
            if (txt) {
                r = fmcp__cl_put(b, "Mcp-Param-", 10, (size_t)1 << 20);
                if (r == FMCP_OK) r = fmcp__cl_put(b, x, xl, (size_t)1 << 20);
                if (r == FMCP_OK) r = fmcp__cl_put(b, ": ", 2, (size_t)1 << 20);
                if (r == FMCP_OK) r = fmcp__cl_hdr_value(c, b, txt, n);
                if (r == FMCP_OK) r = fmcp__cl_put(b, "\r\n", 2, (size_t)1 << 20);
            }
        }
        if (r == FMCP_OK && fmcp_json_is(v, FMCP_JSON_OBJECT)) r = fmcp__cl_param_headers(c, b, p, v, depth + 1);
    }
    return r;
}

/* The tool's input schema from the last tools/list (registry lock not
 * needed: read under the client lock). */
static fmcp_result fmcp__cl_tool_headers(fmcp_client *c, fmcp__buf *b, const char *name, const fmcp_json *args)
{
    const fmcp_json *t;
    fmcp_result r = FMCP_OK;
    FMCP__CL_LOCK(c);
    for (t = fmcp_json_first(fmcp_json_get(fmcp_json_root(c->tools), "tools")); t; t = fmcp_json_next(t))
        if (strcmp(fmcp_json_get_str(t, "name", ""), name) == 0) {
            r = fmcp__cl_param_headers(c, b, fmcp_json_get(t, "inputSchema"), args, 0);
            break;
        }
    FMCP__CL_UNLOCK(c);
    return r;
}

/* Mcp-Method, Mcp-Name and Mcp-Param-* lines for a modern POST of method/params. */
static fmcp_result fmcp__cl_modern_headers(fmcp_client *c, fmcp__cl_pending *p, const char *method, const char *params)
{
    fmcp__buf b;
    fmcp_json_doc *pd = NULL;
    const fmcp_json *root;
    const char *name = NULL;
    size_t n = 0;
    fmcp_result r;
    fmcp_json_parse_options o;
    fmcp__buf_init(&b, c->a, 0);
    memset(&o, 0, sizeof o);
    o.alloc = c->a;
    if (params && (r = fmcp_json_parse(params, strlen(params), &o, &pd, NULL)) != FMCP_OK) return r;
    root = fmcp_json_root(pd);
    r = fmcp__cl_hdr_line(c, &b, "Mcp-Method", method, strlen(method));
    if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
        name = fmcp_json_str(fmcp_json_get(root, "name"), &n);
    else if (strcmp(method, "resources/read") == 0) name = fmcp_json_str(fmcp_json_get(root, "uri"), &n);
    else if (strncmp(method, "tasks/", 6) == 0) name = fmcp_json_str(fmcp_json_get(root, "taskId"), &n);
    if (r == FMCP_OK && name) r = fmcp__cl_hdr_line(c, &b, "Mcp-Name", name, n);
    if (r == FMCP_OK && name && strcmp(method, "tools/call") == 0)
        r = fmcp__cl_tool_headers(c, &b, name, fmcp_json_get(root, "arguments"));
    if (pd) fmcp_json_doc_destroy(pd);
    if (r != FMCP_OK) { fmcp__buf_free(&b); return r; }
    p->xhdr = b.p;
    p->xhdr_cap = b.cap;
    return FMCP_OK;
}
#endif

static fmcp__cl_pending *fmcp__cl_register(fmcp_client *c, const fmcp_call_opts *o)
{
    fmcp__cl_pending *p = (fmcp__cl_pending *)fmcp_malloc(c->a, sizeof *p);
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->deadline = fmcp__cl_deadline(c, o);
    if (o) { p->progress = o->progress; p->progress_user = o->progress_user; }
    if (o && o->reset_timeout_on_progress && p->deadline) p->extend_ms = p->deadline - fmcp_monotonic_ms();
#ifndef FASTMCP_NO_THREADS
    fmcp__cond_init(&p->cv);
#endif
    FMCP__CL_LOCK(c);
    p->id = ++c->next_id;
    p->next = c->pending;
    c->pending = p;
    c->gen++;
    FMCP__CL_UNLOCK(c);
    return p;
}

static void fmcp__cl_unregister(fmcp_client *c, fmcp__cl_pending *p)
{
    fmcp__cl_pending **pp;
    FMCP__CL_LOCK(c);
#ifndef FASTMCP_NO_THREADS
    while (p->busy) fmcp__cl_cond_wait_on(c, &p->cv, FMCP__CL_SLICE_MS);
#endif
    for (pp = &c->pending; *pp; pp = &(*pp)->next)
        if (*pp == p) { *pp = p->next; break; }
    FMCP__CL_UNLOCK(c);
#ifndef FASTMCP_NO_THREADS
    fmcp__cond_destroy(&p->cv);   /* unreachable now: nobody can signal it */
#endif
    if (p->doc) fmcp_json_doc_destroy(p->doc);
    if (p->xhdr) fmcp_free(c->a, p->xhdr, p->xhdr_cap);
    fmcp_free(c->a, p, sizeof *p);
}

static void fmcp__cl_send_cancel(fmcp_client *c, int64_t id, const char *reason)
{
    fmcp_json_writer w;
    char *msg;
    size_t len;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    fmcp_jw_key(&w, "method"); fmcp_jw_str(&w, "notifications/cancelled");
    fmcp_jw_key(&w, "params");
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "requestId"); fmcp_jw_int(&w, id);
    fmcp_jw_key(&w, "reason"); fmcp_jw_str(&w, reason);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &msg, &len) == FMCP_OK) {
        (void)fmcp__cl_send(c, msg, len);
        fmcp_free_text(w.alloc, msg, len);
    }
}

#ifndef FASTMCP_NO_SOCKETS
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
#endif

/* Carry the request over the transport until answered, timed out or cancelled. */
static fmcp_result fmcp__cl_roundtrip(fmcp_client *c, const char *msg, size_t len, fmcp__cl_pending *p,
                                      int *status)
{
    fmcp_result r;
#ifndef FASTMCP_NO_SOCKETS
    if (c->kind == FMCP__CL_HTTP) {
        r = fmcp__cl_http_authed(c, msg, len, p, status);
        if (r == FMCP_OK && c->legacy) r = fmcp__cl_stream_wait(c, p);
        return r;
    }
#endif
    (void)status;
    r = fmcp__cl_stream_send(c, msg, len);
    if (r != FMCP_OK) return r;
    return fmcp__cl_stream_wait(c, p);
}

static fmcp_result fmcp__cl_rpc_once(fmcp_client *c, const char *method, const char *params,
                                     const fmcp_call_opts *o, fmcp_json_doc **out, int *status)
{
    fmcp__cl_pending *p;
    char *msg = NULL;
    size_t len = 0;
    fmcp_result r;
    if (!c || !method || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    FMCP__CL_LOCK(c);
    r = c->closed ? FMCP_ERR_CLOSED : FMCP_OK;
    FMCP__CL_UNLOCK(c);
    if (r != FMCP_OK) return r;
    p = fmcp__cl_register(c, o);
    if (!p) return FMCP_ERR_NOMEM;
    r = fmcp__cl_build(c, p->id, method, params, o && o->progress, &msg, &len);
#ifndef FASTMCP_NO_SOCKETS
    if (r == FMCP_OK && c->modern && c->kind == FMCP__CL_HTTP) r = fmcp__cl_modern_headers(c, p, method, params);
#endif
    if (r == FMCP_OK) r = fmcp__cl_roundtrip(c, msg, len, p, status);
    if (msg) fmcp_free(c->a, msg, len + 1);
    FMCP__CL_LOCK(c);
    if (p->done) { r = p->rc; *out = p->doc; p->doc = NULL; }
    else {
        if (r == FMCP_OK) r = FMCP_ERR_PROTOCOL;   /* the stream ended without an answer */
        p->done = 1;    /* a late answer is dropped */
    }
    FMCP__CL_UNLOCK(c);
    /* 2026-07-28 over HTTP: the closed response stream is the cancellation */
    if ((r == FMCP_ERR_TIMEOUT || r == FMCP_ERR_CANCELLED) && !*out && !(c->modern && c->kind == FMCP__CL_HTTP))
        fmcp__cl_send_cancel(c, p->id, r == FMCP_ERR_TIMEOUT ? "timeout" :
            p->reason[0] ? p->reason : "cancelled by the client");
    fmcp__cl_unregister(c, p);
    return r;
}

/* ---- 2026-07-28: multi round-trip requests -------------------------------------------- */

static int fmcp__cl_input_required(const fmcp_json_doc *d)
{
    return strcmp(fmcp_json_get_str(fmcp_client_result(d), "resultType", "complete"), "input_required") == 0;
}

/* The retry's params: the original ones, inputResponses answered by our
 * handlers, and the server's requestState exactly as sent. */
static fmcp_result fmcp__cl_mrtr_params(fmcp_client *c, const char *params, const fmcp_json_doc *res,
                                        char **out, size_t *out_len)
{
    const fmcp_json *r = fmcp_client_result(res), *v;
    const fmcp_json *state = fmcp_json_get(r, "requestState");
    fmcp_json_doc *pd = NULL;
    fmcp_json_writer w;
    fmcp_json_parse_options o;
    fmcp_result rc = FMCP_OK;
    memset(&o, 0, sizeof o);
    o.alloc = c->a;
    if (params && (rc = fmcp_json_parse(params, strlen(params), &o, &pd, NULL)) != FMCP_OK) return rc;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    for (v = fmcp_json_first(fmcp_json_root(pd)); v; v = fmcp_json_next(v)) {
        size_t kl;
        const char *k = fmcp_json_key(v, &kl);
        if ((kl == 14 && memcmp(k, "inputResponses", 14) == 0)
            || (kl == 12 && memcmp(k, "requestState", 12) == 0)) continue;
        fmcp_jw_keyn(&w, k, kl);
        fmcp_jw_value(&w, v);
    }
    fmcp_jw_key(&w, "inputResponses");
    fmcp_jw_object_begin(&w);
    for (v = fmcp_json_first(fmcp_json_get(r, "inputRequests")); v && rc == FMCP_OK; v = fmcp_json_next(v)) {
        size_t kl, alen = 0;
        int code = 0;
        const char *k = fmcp_json_key(v, &kl);
        char *ans = fmcp__cl_run_handler(c, fmcp_json_get_str(v, "method", ""),
            fmcp_json_get(v, "params"), &code, &alen);
        if (!ans) { rc = code == FMCP_RPC_METHOD_NOT_FOUND ? FMCP_ERR_UNSUPPORTED : FMCP_ERR_PROTOCOL; break; }
        fmcp_jw_keyn(&w, k, kl);
        fmcp_jw_raw(&w, ans, alen);
        fmcp_free(c->a, ans, alen + 1);
    }
    fmcp_jw_object_end(&w);
    if (fmcp_json_is(state, FMCP_JSON_STRING)) { fmcp_jw_key(&w, "requestState"); fmcp_jw_value(&w, state); }
    fmcp_jw_object_end(&w);
    if (pd) fmcp_json_doc_destroy(pd);
    if (rc == FMCP_OK) rc = fmcp_jw_finish(&w, out, out_len);
    else fmcp_jw_reset(&w);
    return rc;
}

/* One call as the application sees it. 2026-07-28: input_required results
 * are answered and the request retried (new id), a response stream cut
 * before the answer is re-sent once. */
static fmcp_result fmcp__cl_rpc(fmcp_client *c, const char *method, const char *params,
                                const fmcp_call_opts *o, fmcp_json_doc **out, int *status, int *rounds_out)
{
    fmcp_result r = fmcp__cl_rpc_once(c, method, params, o, out, status);
    char *next = NULL, *cur = NULL;
    size_t next_len = 0, cur_len = 0;
    int rounds = 0, resent = 0, max = c ? c->d.max_input_rounds : 8;
    if (!c || !c->modern) return r;
    for (;;) {
        if ((r == FMCP_ERR_CLOSED || r == FMCP_ERR_IO) && c->kind == FMCP__CL_HTTP && !resent && !c->stopping) {
            resent = 1;
            r = fmcp__cl_rpc_once(c, method, cur ? cur : params, o, out, status);
            continue;
        }
        if (r != FMCP_OK || !fmcp__cl_input_required(*out)) break;
        if (++rounds > max) { r = FMCP_ERR_PROTOCOL; break; }   /* the server keeps asking */
        r = fmcp__cl_mrtr_params(c, cur ? cur : params, *out, &next, &next_len);
        if (r != FMCP_OK) break;
        fmcp_json_doc_destroy(*out);
        *out = NULL;
        if (cur) fmcp_free(c->a, cur, cur_len + 1);
        cur = next; cur_len = next_len; next = NULL;
        r = fmcp__cl_rpc_once(c, method, cur, o, out, status);
    }
    if (r != FMCP_OK && r != FMCP_ERR_RPC && *out) { fmcp_json_doc_destroy(*out); *out = NULL; }
    if (cur) fmcp_free(c->a, cur, cur_len + 1);
    if (rounds_out) *rounds_out = rounds;
    return r;
}

/* ---- 2026-07-28: the result cache (server/utilities/caching) ---------------------------
 * Keys are "<method>\n<server>\n<scope>\n<params>": the method first so a
 * list-changed notification drops its method's entries by prefix, the server
 * so a store shared between clients never mixes servers, the scope "public"
 * or a hash of the credentials (a private answer is served only to the same
 * authorization context), then the request's params text exactly. Values are
 * whole response texts; expiry times are fmcp_monotonic_ms() values. */

typedef struct fmcp__cl_centry {
    struct fmcp__cl_centry *next;
    int64_t expires;
    size_t klen, vlen;        /* the key, then the value, follow the struct */
} fmcp__cl_centry;

#define FMCP__CL_CSIZE(e) (sizeof(fmcp__cl_centry) + (e)->klen + (e)->vlen)

static void fmcp__cl_mem_unlink(fmcp_client *c, struct fmcp__cl_centry **pp)
{
    fmcp__cl_centry *e = *pp;
    *pp = e->next;
    c->cache_n--;
    c->cache_bytes -= e->klen + e->vlen;
    fmcp_free(c->a, e, FMCP__CL_CSIZE(e));
}

static int fmcp__cl_mem_get(fmcp_client *c, const char *key, size_t klen, const char **v, size_t *vlen,
                            int64_t *expires)
{
    fmcp__cl_centry **pp, *e;
    for (pp = &c->cache_head; (e = *pp) != NULL; pp = &e->next) {
        if (e->klen != klen || memcmp(e + 1, key, klen) != 0) continue;
        *pp = e->next;   /* most recently used first: eviction takes the tail */
        e->next = c->cache_head;
        c->cache_head = e;
        *v = (const char *)(e + 1) + klen;
        *vlen = e->vlen;
        *expires = e->expires;
        return 1;
    }
    return 0;
}

static void fmcp__cl_mem_invalidate(fmcp_client *c, const char *prefix, size_t plen)
{
    fmcp__cl_centry **pp = &c->cache_head;
    while (*pp) {
        if ((*pp)->klen >= plen && memcmp(*pp + 1, prefix, plen) == 0) fmcp__cl_mem_unlink(c, pp);
        else pp = &(*pp)->next;
    }
}

static fmcp_result fmcp__cl_mem_put(fmcp_client *c, const char *key, size_t klen, const char *v, size_t vlen,
                                    int64_t expires)
{
    size_t max_n = c->d.cache_max_entries;
    size_t max_b = c->d.cache_max_bytes;
    int64_t now = fmcp_monotonic_ms();
    fmcp__cl_centry **pp = &c->cache_head, *e;
    while (*pp) {   /* the same key and whatever went stale make room first */
        if ((*pp)->expires <= now || ((*pp)->klen == klen && memcmp(*pp + 1, key, klen) == 0))
            fmcp__cl_mem_unlink(c, pp);
        else pp = &(*pp)->next;
    }
    if (klen > max_b || vlen > max_b - klen) return FMCP_ERR_TOO_LARGE;
    while (c->cache_head && (c->cache_n >= max_n || c->cache_bytes + klen + vlen > max_b)) {
        for (pp = &c->cache_head; (*pp)->next; pp = &(*pp)->next) {}
        fmcp__cl_mem_unlink(c, pp);
    }
    if (c->cache_n >= max_n) return FMCP_ERR_TOO_LARGE;
    e = (fmcp__cl_centry *)fmcp_malloc(c->a, sizeof *e + klen + vlen);
    if (!e) return FMCP_ERR_NOMEM;
    e->expires = expires;
    e->klen = klen;
    e->vlen = vlen;
    memcpy(e + 1, key, klen);
    memcpy((char *)(e + 1) + klen, v, vlen);
    e->next = c->cache_head;
    c->cache_head = e;
    c->cache_n++;
    c->cache_bytes += klen + vlen;
    return FMCP_OK;
}

/* The store's three operations, with c->cache_lock held. */
static int fmcp__cl_store_get(fmcp_client *c, const char *key, size_t klen, const char **v, size_t *vlen,
                              int64_t *expires)
{
    const fmcp_client_cache_store *s = c->d.cache_store;
    if (!s) return fmcp__cl_mem_get(c, key, klen, v, vlen, expires);
    return s->get && s->get(s->user, key, klen, v, vlen, expires) && *v;
}

static void fmcp__cl_store_put(fmcp_client *c, const char *key, size_t klen, const char *v, size_t vlen,
                               int64_t expires)
{
    const fmcp_client_cache_store *s = c->d.cache_store;
    if (!s) (void)fmcp__cl_mem_put(c, key, klen, v, vlen, expires);   /* not stored: just a later miss */
    else if (s->put) (void)s->put(s->user, key, klen, v, vlen, expires);
}

static void fmcp__cl_store_invalidate(fmcp_client *c, const char *prefix, size_t plen)
{
    const fmcp_client_cache_store *s = c->d.cache_store;
    if (!s) fmcp__cl_mem_invalidate(c, prefix, plen);
    else if (s->invalidate) s->invalidate(s->user, prefix, plen);
}

static void fmcp__cl_hex16(const unsigned char *b, char out[33])
{
    static const char hx[] = "0123456789abcdef";
    int i;
    for (i = 0; i < 16; i++) { out[2 * i] = hx[b[i] >> 4]; out[2 * i + 1] = hx[b[i] & 15]; }
    out[32] = 0;
}

/* The server's part of the keys (under cache_lock): a hash of the URL, or
 * over a stream this client object (its server is nobody else's). */
static void fmcp__cl_cache_srv(fmcp_client *c)
{
    if (c->cache_srv[0]) return;
#ifndef FASTMCP_NO_SOCKETS
    if (c->kind == FMCP__CL_HTTP) {
        fmcp_sha256_ctx h;
        uint8_t d[FMCP_SHA256_SIZE];
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)c->url.port);
        fmcp_sha256_init(&h);
        fmcp_sha256_update(&h, c->url.scheme, strlen(c->url.scheme) + 1);
        fmcp_sha256_update(&h, c->url.host, strlen(c->url.host) + 1);
        fmcp_sha256_update(&h, port, strlen(port) + 1);
        fmcp_sha256_update(&h, c->url.path, strlen(c->url.path));
        fmcp_sha256_final(&h, d);
        fmcp__cl_hex16(d, c->cache_srv);
        return;
    }
#endif
    fmcp__cl_hex16(c->cache_nonce, c->cache_srv);
}

/* The authorization context as 32 hex digits: a hash of the credentials the
 * requests carry now (bearer token or the OAuth access token, and the extra
 * headers), or of this client object when there are none. */
static fmcp_result fmcp__cl_identity(fmcp_client *c, char out[33])
{
    fmcp_sha256_ctx h;
    uint8_t d[FMCP_SHA256_SIZE];
    size_t i;
    int any = 0;
    fmcp_sha256_init(&h);
    if (c->d.bearer_token) {
        fmcp_sha256_update(&h, "b", 1);
        fmcp_sha256_update(&h, c->d.bearer_token, strlen(c->d.bearer_token) + 1);
        any = 1;
    }
#ifndef FASTMCP_NO_SOCKETS
    else if (c->d.oauth && c->kind == FMCP__CL_HTTP) {
        const size_t cap = 16384;
        char *t = (char *)fmcp_malloc(c->a, cap);
        if (!t) return FMCP_ERR_NOMEM;
        if (fmcp_oauth_access_token(c->d.oauth, t, cap) == FMCP_OK && t[0]) {
            fmcp_sha256_update(&h, "o", 1);
            fmcp_sha256_update(&h, t, strlen(t) + 1);
            any = 1;
        }
        fmcp_wipe(t, cap);
        fmcp_free(c->a, t, cap);
    }
#endif
    for (i = 0; i < c->d.nheaders && c->d.headers; i++) {
        const char *n = c->d.headers[i].name, *v = c->d.headers[i].value;
        fmcp_sha256_update(&h, "h", 1);
        fmcp_sha256_update(&h, n ? n : "", n ? strlen(n) + 1 : 1);
        fmcp_sha256_update(&h, v ? v : "", v ? strlen(v) + 1 : 1);
        any = 1;
    }
    if (!any) { fmcp_sha256_update(&h, "c", 1); fmcp_sha256_update(&h, c->cache_nonce, sizeof c->cache_nonce); }
    fmcp_sha256_final(&h, d);
    fmcp_wipe(&h, sizeof h);   /* it held the token */
    fmcp__cl_hex16(d, out);
    return FMCP_OK;
}

/* One lookup's state: the identity at request time, the generation seen. */
typedef struct fmcp__cl_cq {
    char id[33];
    unsigned gen;
    int ok;                   /* the identity is known: the answer may be stored */
} fmcp__cl_cq;

static int fmcp__cl_cacheable(const fmcp_client *c, const char *method, const char *params)
{
    static const char *const m[] = { "tools/list", "prompts/list", "resources/list", "resources/templates/list",
                                     "resources/read" };
    size_t i;
    if (!c || !method || !c->modern || c->d.no_cache) return 0;
    /* a retry with inputs depends on more than the key */
    if (params && (strstr(params, "\"inputResponses\"") || strstr(params, "\"requestState\""))) return 0;
    for (i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(method, m[i]) == 0) return 1;
    return 0;
}

static fmcp_result fmcp__cl_ckey(fmcp_client *c, fmcp__buf *k, const char *method, const char *scope,
                                 const char *params)
{
    fmcp_result r = fmcp__cl_put(k, method, strlen(method), (size_t)-1);
    if (r == FMCP_OK) r = fmcp__cl_put(k, "\n", 1, (size_t)-1);
    if (r == FMCP_OK) r = fmcp__cl_put(k, c->cache_srv, strlen(c->cache_srv), (size_t)-1);
    if (r == FMCP_OK) r = fmcp__cl_put(k, "\n", 1, (size_t)-1);
    if (r == FMCP_OK) r = fmcp__cl_put(k, scope, strlen(scope), (size_t)-1);
    if (r == FMCP_OK) r = fmcp__cl_put(k, "\n", 1, (size_t)-1);
    if (r == FMCP_OK && params) r = fmcp__cl_put(k, params, strlen(params), (size_t)-1);
    return r;
}

/* A fresh cached answer (public, else private to this identity) into *out: 1. */
static int fmcp__cl_cache_get(fmcp_client *c, const char *method, const char *params, fmcp__cl_cq *q,
                              fmcp_json_doc **out)
{
    int pass, hit = 0;
    q->ok = fmcp__cl_identity(c, q->id) == FMCP_OK;
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&c->cache_lock);
#endif
    q->gen = c->cache_gen;
    fmcp__cl_cache_srv(c);
    for (pass = 0; pass < 2 && !hit && q->ok; pass++) {
        fmcp__buf k;
        fmcp__buf_init(&k, c->a, 0);
        const char *v = NULL;
        size_t vlen = 0;
        int64_t exp = 0;
        if (fmcp__cl_ckey(c, &k, method, pass ? q->id : "public", params) == FMCP_OK &&
            fmcp__cl_store_get(c, k.p, k.len, &v, &vlen, &exp) && fmcp_monotonic_ms() < exp) {
            fmcp_json_parse_options o;
            memset(&o, 0, sizeof o);
            o.alloc = c->a;
            hit = fmcp_json_parse(v, vlen, &o, out, NULL) == FMCP_OK;   /* a damaged value is a miss */
        }
        fmcp__buf_free(&k);
    }
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_unlock(&c->cache_lock);
#endif
    return hit;
}

/* Keep a complete answer that has a positive ttlMs, unless an invalidation
 * came while it was on its way. No cacheScope counts as private. */
static void fmcp__cl_cache_put(fmcp_client *c, const char *method, const char *params, const fmcp__cl_cq *q,
                               const fmcp_json_doc *d)
{
    const fmcp_json *res = fmcp_client_result(d);
    int64_t ttl = fmcp_json_get_int(res, "ttlMs", 0);
    int pub = strcmp(fmcp_json_get_str(res, "cacheScope", ""), "public") == 0;
    fmcp__buf k;
    char *text;
    size_t n = 0;
    fmcp__buf_init(&k, c->a, 0);
    if (!q->ok || ttl <= 0 || !res || fmcp__cl_input_required(d)) return;
    if (ttl > ((int64_t)1 << 40)) ttl = (int64_t)1 << 40;   /* ~35 years: no overflow */
    if (!(text = fmcp__cl_value_text(c->a, fmcp_json_root(d), &n))) return;
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&c->cache_lock);
#endif
    if (q->gen == c->cache_gen && fmcp__cl_ckey(c, &k, method, pub ? "public" : q->id, params) == FMCP_OK)
        fmcp__cl_store_put(c, k.p, k.len, text, n, fmcp_monotonic_ms() + ttl);
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_unlock(&c->cache_lock);
#endif
    fmcp__buf_free(&k);
    fmcp_free(c->a, text, n + 1);
}

/* A change notification makes the matching entries stale at once. */
static void fmcp__cl_cache_notice(fmcp_client *c, const char *method)
{
    static const char *const map[][3] = {
        { "notifications/tools/list_changed", "tools/list", NULL },
        { "notifications/prompts/list_changed", "prompts/list", NULL },
        { "notifications/resources/list_changed", "resources/list", "resources/templates/list" },
        { "notifications/resources/updated", "resources/read", NULL },   /* every read: the uri is inside params */
    };
    size_t i, j;
    if (!c->modern || c->d.no_cache) return;
    for (i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(method, map[i][0]) != 0) continue;
#ifndef FASTMCP_NO_THREADS
        fmcp__mutex_lock(&c->cache_lock);
#endif
        c->cache_gen++;
        fmcp__cl_cache_srv(c);
        for (j = 1; j < 3 && map[i][j]; j++) {
            char prefix[80];
            int n = snprintf(prefix, sizeof prefix, "%s\n%s\n", map[i][j], c->cache_srv);
            fmcp__cl_store_invalidate(c, prefix, (size_t)n);
        }
#ifndef FASTMCP_NO_THREADS
        fmcp__mutex_unlock(&c->cache_lock);
#endif
        return;
    }
}

/* 2026-07-28: lists and reads go through the cache. */
FASTMCP_API fmcp_result fmcp_client_request(fmcp_client *c, const char *method, const char *params_json,
                                            const fmcp_call_opts *opts, fmcp_json_doc **out)
{
    int status = 0, rounds = 0, cache = out && fmcp__cl_cacheable(c, method, params_json);
    fmcp__cl_cq q;
    fmcp_result r;
    if (cache && fmcp__cl_cache_get(c, method, params_json, &q, out)) return FMCP_OK;
    r = fmcp__cl_rpc(c, method, params_json, opts, out, &status, &rounds);
    if (cache && r == FMCP_OK && rounds == 0) fmcp__cl_cache_put(c, method, params_json, &q, *out);
    return r;
}

FASTMCP_API fmcp_result fmcp_client_notify(fmcp_client *c, const char *method, const char *params_json)
{
    char *msg;
    size_t len;
    fmcp_result r;
    if (!c || !method) return FMCP_ERR_INVALID_ARG;
    r = fmcp__cl_build(c, 0, method, params_json, 0, &msg, &len);
    if (r != FMCP_OK) return r;
    r = fmcp__cl_send(c, msg, len);
    fmcp_free(c->a, msg, len + 1);
    return r;
}

FASTMCP_API fmcp_result fmcp_client_ping(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    fmcp_result r = fmcp_client_request(c, c && c->modern ? "server/discover" : "ping", NULL, NULL, &d);
    if (d) fmcp_json_doc_destroy(d);
    return r;
}

/* Write one page's items and remember its nextCursor; 1 when there is more. */
static int fmcp__cl_page(fmcp_client *c, const fmcp_json_doc *d, const char *key, fmcp_json_writer *w,
                         char *cursor, size_t cap)
{
    const fmcp_json *res = fmcp_client_result(d), *v;
    const char *next = fmcp_json_get_str(res, "nextCursor", NULL);
#ifndef FASTMCP_NO_SOCKETS
    int xh = c->modern && c->kind == FMCP__CL_HTTP && strcmp(key, "tools") == 0;
#endif
    (void)c;
    for (v = fmcp_json_first(fmcp_json_get(res, key)); v; v = fmcp_json_next(v)) {
#ifndef FASTMCP_NO_SOCKETS
        if (xh && fmcp__cl_tool_rejected(v)) continue;   /* SEP-2243: left out of the list */
#endif
        fmcp_jw_value(w, v);
    }
    if (!next || !*next || strlen(next) >= cap || strcmp(next, cursor) == 0) return 0;
    strcpy(cursor, next);
    return 1;
}

static fmcp_result fmcp__cl_list(fmcp_client *c, const char *method, const char *key, fmcp_json_doc **out)
{
    fmcp_json_writer w;
    char cursor[1024], *text = NULL;
    size_t len = 0;
    int more = 1, pages = 0;
    fmcp_result r = FMCP_OK;
    if (!c || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    cursor[0] = 0;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, key);
    fmcp_jw_array_begin(&w);
    while (more && r == FMCP_OK && pages++ < 10000) {
        fmcp_json_writer pw;
        char *params = NULL;
        size_t plen = 0;
        fmcp_json_doc *d = NULL;
        fmcp_jw_init(&pw, c->a);
        fmcp_jw_object_begin(&pw);
        fmcp_jw_key(&pw, "cursor"); fmcp_jw_str(&pw, cursor);
        fmcp_jw_object_end(&pw);
        r = fmcp_jw_finish(&pw, &params, &plen);
        if (r == FMCP_OK) r = fmcp_client_request(c, method, cursor[0] ? params : NULL, NULL, &d);
        if (params) fmcp_free(c->a, params, plen + 1);
        if (r == FMCP_OK) more = fmcp__cl_page(c, d, key, &w, cursor, sizeof cursor);
        else if (d) { *out = d; d = NULL; }   /* the RPC error for the caller */
        if (d) fmcp_json_doc_destroy(d);
    }
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    if (r != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp_jw_finish(&w, &text, &len);
    if (r == FMCP_OK) {
        fmcp_json_parse_options o;
        memset(&o, 0, sizeof o);
        o.alloc = c->a;
        r = fmcp_json_parse(text, len, &o, out, NULL);
        fmcp_free_text(w.alloc, text, len);
    }
    return r;
}

/* 2026-07-28 over HTTP: keep the tool list's schemas for x-mcp-header. */
static void fmcp__cl_keep_tools(fmcp_client *c, const fmcp_json_doc *d)
{
    char *text;
    size_t n = 0;
    fmcp_json_doc *copy = NULL;
    fmcp_json_parse_options o;
    if (!c->modern || c->kind != FMCP__CL_HTTP || !(text = fmcp__cl_value_text(c->a, fmcp_json_root(d), &n))) return;
    memset(&o, 0, sizeof o);
    o.alloc = c->a;
    if (fmcp_json_parse(text, n, &o, &copy, NULL) == FMCP_OK) {
        FMCP__CL_LOCK(c);
        if (c->tools) fmcp_json_doc_destroy(c->tools);
        c->tools = copy;
        FMCP__CL_UNLOCK(c);
    }
    fmcp_free(c->a, text, n + 1);
}

FASTMCP_API fmcp_result fmcp_client_list_tools(fmcp_client *c, fmcp_json_doc **out)
{
    fmcp_result r = fmcp__cl_list(c, "tools/list", "tools", out);
    if (r == FMCP_OK) fmcp__cl_keep_tools(c, *out);
    return r;
}
FASTMCP_API fmcp_result fmcp_client_list_resources(fmcp_client *c, fmcp_json_doc **out)
{ return fmcp__cl_list(c, "resources/list", "resources", out); }
FASTMCP_API fmcp_result fmcp_client_list_resource_templates(fmcp_client *c, fmcp_json_doc **out)
{ return fmcp__cl_list(c, "resources/templates/list", "resourceTemplates", out); }
FASTMCP_API fmcp_result fmcp_client_list_prompts(fmcp_client *c, fmcp_json_doc **out)
{ return fmcp__cl_list(c, "prompts/list", "prompts", out); }

/* {"<k1>": s1, "<k2>": raw2} as params text. */
static fmcp_result fmcp__cl_params(fmcp_client *c, const char *k1, const char *s1, const char *k2,
                                   const char *raw2, char **out, size_t *len)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, k1); fmcp_jw_str(&w, s1);
    if (raw2) { fmcp_jw_key(&w, k2); fmcp_jw_raw(&w, raw2, strlen(raw2)); }
    fmcp_jw_object_end(&w);
    return fmcp_jw_finish(&w, out, len);
}

static fmcp_result fmcp__cl_named(fmcp_client *c, const char *method, const char *k1, const char *s1,
                                  const char *k2, const char *raw2, const fmcp_call_opts *o, fmcp_json_doc **out)
{
    char *params;
    size_t len;
    fmcp_result r;
    if (!c || !s1 || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_params(c, k1, s1, k2, raw2, &params, &len);
    if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? r : FMCP_ERR_INVALID_ARG;
    r = fmcp_client_request(c, method, params, o, out);
    fmcp_free(c->a, params, len + 1);
    return r;
}

FASTMCP_API fmcp_result fmcp_client_call_tool(fmcp_client *c, const char *name, const char *args_json,
                                              const fmcp_call_opts *opts, fmcp_json_doc **out)
{ return fmcp__cl_named(c, "tools/call", "name", name, "arguments", args_json ? args_json : "{}", opts, out); }

FASTMCP_API fmcp_result fmcp_client_read_resource(fmcp_client *c, const char *uri, fmcp_json_doc **out)
{ return fmcp__cl_named(c, "resources/read", "uri", uri, NULL, NULL, NULL, out); }

FASTMCP_API fmcp_result fmcp_client_get_prompt(fmcp_client *c, const char *name, const char *args_json,
                                               fmcp_json_doc **out)
{ return fmcp__cl_named(c, "prompts/get", "name", name, "arguments", args_json, NULL, out); }

FASTMCP_API fmcp_result fmcp_client_set_log_level(fmcp_client *c, const char *level)
{
    fmcp_json_doc *d = NULL;
    fmcp_result r;
    if (c && level && c->modern) {   /* 2026-07-28: the level rides in each request's _meta */
        if (strlen(level) >= sizeof c->log_level) return FMCP_ERR_INVALID_ARG;
        FMCP__CL_LOCK(c);
        strcpy(c->log_level, level);
        FMCP__CL_UNLOCK(c);
        return FMCP_OK;
    }
    r = fmcp__cl_named(c, "logging/setLevel", "level", level, NULL, NULL, NULL, &d);
    if (d) fmcp_json_doc_destroy(d);
    return r;
}

FASTMCP_API void fmcp_client_cancel_all(fmcp_client *c, const char *reason)
{
    fmcp__cl_pending *p;
    if (!c) return;
    FMCP__CL_LOCK(c);
    for (p = c->pending; p; p = p->next) {   /* each waiting caller sends its notifications/cancelled */
        p->cancel = 1;
        if (reason) snprintf(p->reason, sizeof p->reason, "%s", reason);
    }
#ifndef FASTMCP_NO_THREADS
    if (c->reading == FMCP__CL_BY_CALLER) fmcp__cl_poke(c);   /* out of its poll() now */
#endif
    fmcp__cl_wake_all(c);
    FMCP__CL_UNLOCK(c);
}

FASTMCP_API fmcp_result fmcp_client_pump(fmcp_client *c, int timeout_ms)
{
    if (!c) return FMCP_ERR_INVALID_ARG;
    if (c->closed) return FMCP_ERR_CLOSED;
#ifndef FASTMCP_NO_THREADS
    if (c->has_thread || c->kind != FMCP__CL_STREAM) return FMCP_OK;
#else
    if (c->kind != FMCP__CL_STREAM) return FMCP_OK;
#endif
    return fmcp__cl_pump_stream(c, timeout_ms);
}

FASTMCP_API const fmcp_json *fmcp_client_result(const fmcp_json_doc *res)
{
    return res ? fmcp_json_get(fmcp_json_root(res), "result") : NULL;
}

FASTMCP_API int fmcp_client_error_code(const fmcp_json_doc *res)
{
    const fmcp_json *e = res ? fmcp_json_get(fmcp_json_root(res), "error") : NULL;
    return (int)fmcp_json_get_int(e, "code", 0);
}

FASTMCP_API const char *fmcp_client_error_message(const fmcp_json_doc *res)
{
    const fmcp_json *e = res ? fmcp_json_get(fmcp_json_root(res), "error") : NULL;
    return fmcp_json_get_str(e, "message", NULL);
}

FASTMCP_API const fmcp_json *fmcp_client_server_info(const fmcp_client *c)
{
    return c && c->init ? fmcp_client_result(c->init) : NULL;
}

FASTMCP_API const char *fmcp_client_protocol_version(const fmcp_client *c)
{
    return c ? c->version : "";
}

FASTMCP_API int fmcp_client_is_modern(const fmcp_client *c) { return c ? c->modern : 0; }

FASTMCP_API const char *fmcp_client_session_id(const fmcp_client *c)
{
#ifndef FASTMCP_NO_SOCKETS
    return c ? c->session : "";
#else
    (void)c;
    return "";
#endif
}

/* ---- lifecycle ----------------------------------------------------------- */

static const char *const fmcp__cl_versions[] = { "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL };

static fmcp_result fmcp__cl_init_params(fmcp_client *c, char **out, size_t *len)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "protocolVersion");
    fmcp_jw_str(&w, c->d.protocol_version);
    fmcp_jw_key(&w, "capabilities");
    fmcp__cl_write_caps(c, &w);
    fmcp_jw_key(&w, "clientInfo");
    fmcp__cl_write_info(c, &w);
    fmcp_jw_object_end(&w);
    return fmcp_jw_finish(&w, out, len);
}

static fmcp_result fmcp__cl_accept_version(fmcp_client *c)
{
    const char *v = fmcp_json_get_str(fmcp_client_result(c->init), "protocolVersion", "");
    size_t i;
    for (i = 0; fmcp__cl_versions[i]; i++)
        if (strcmp(v, fmcp__cl_versions[i]) == 0) {
            strcpy(c->version, v);
            return FMCP_OK;
        }
    return FMCP_ERR_PROTOCOL;
}

/* initialize, version check, notifications/initialized. *status = the HTTP
 * status of the initialize POST (for the legacy fallback). */
static fmcp_result fmcp__cl_initialize(fmcp_client *c, int *status)
{
    char *params;
    size_t len;
    fmcp_result r = fmcp__cl_init_params(c, &params, &len);
    if (r != FMCP_OK) return r;
    r = fmcp__cl_rpc(c, "initialize", params, NULL, &c->init, status, NULL);
    fmcp_free(c->a, params, len + 1);
    if (r == FMCP_OK) r = fmcp__cl_accept_version(c);
    if (r == FMCP_OK) r = fmcp_client_notify(c, "notifications/initialized", NULL);
    return r;
}

#ifdef FMCP__CL_LISTEN
/* {"jsonrpc":"2.0","id":"fmcp-listen","method":"subscriptions/listen",...}: the
 * list-changed notifications an application with on_notification gets. */
static fmcp_result fmcp__cl_listen_msg(fmcp_client *c, char **out, size_t *len)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, c->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    fmcp_jw_key(&w, "id"); fmcp_jw_str(&w, "fmcp-listen");   /* never a pending call's (numeric) id */
    fmcp_jw_key(&w, "method"); fmcp_jw_str(&w, "subscriptions/listen");
    fmcp_jw_key(&w, "params"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "notifications"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "toolsListChanged"); fmcp_jw_bool(&w, 1);
    fmcp_jw_key(&w, "promptsListChanged"); fmcp_jw_bool(&w, 1);
    fmcp_jw_key(&w, "resourcesListChanged"); fmcp_jw_bool(&w, 1);
    fmcp_jw_object_end(&w);
    fmcp__cl_write_meta(c, &w, 0, NULL);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    return fmcp_jw_finish(&w, out, len);
}
#endif

static int fmcp__cl_lists(const fmcp_json *arr, const char *v)
{
    const fmcp_json *x;
    for (x = fmcp_json_first(arr); x; x = fmcp_json_next(x))
        if (fmcp_json_is(x, FMCP_JSON_STRING) && strcmp(fmcp_json_str(x, NULL), v) == 0) return 1;
    return 0;
}

/* Which era the server's supported versions leave us: 1 modern, 0 legacy, -1 none. */
static int fmcp__cl_pick(const fmcp_client *c, const fmcp_json *supported)
{
    size_t i;
    if (fmcp__cl_lists(supported, FMCP__CL_MODERN)) return 1;
    for (i = 0; c->d.protocol_era != FMCP_ERA_MODERN && fmcp__cl_versions[i]; i++)
        if (fmcp__cl_lists(supported, fmcp__cl_versions[i])) return 0;
    return -1;
}

/* basic/versioning.mdx: probe with server/discover. FMCP_OK = modern (the
 * DiscoverResult kept), FMCP_ERR_NOT_FOUND = speak legacy, else the error. */
static fmcp_result fmcp__cl_discover(fmcp_client *c, int *status)
{
    fmcp_call_opts o;
    fmcp_json_doc *d = NULL;
    fmcp_result r;
    int code, pick = -2, modern_err, d_seen;
    memset(&o, 0, sizeof o);
    if (c->kind == FMCP__CL_STREAM && c->d.protocol_era == FMCP_ERA_AUTO)   /* a silent legacy server */
        o.timeout_ms = c->d.timeout_ms > 0 && c->d.timeout_ms < 5000 ? c->d.timeout_ms : 5000;
    c->modern = 1;
    strcpy(c->version, FMCP__CL_MODERN);
    *status = 0;
    r = fmcp__cl_rpc_once(c, "server/discover", NULL, &o, &d, status);
    code = r == FMCP_ERR_RPC ? fmcp_client_error_code(d) : 0;
    modern_err = code == FMCP_RPC_UNSUPPORTED_VERSION || code == FMCP_RPC_HEADER_MISMATCH ||
                 code == FMCP_RPC_MISSING_CAPABILITY;
    if (r == FMCP_OK && fmcp_json_is(fmcp_json_get(fmcp_client_result(d), "supportedVersions"), FMCP_JSON_ARRAY))
        pick = fmcp__cl_pick(c, fmcp_json_get(fmcp_client_result(d), "supportedVersions"));
    else if (r == FMCP_OK) r = FMCP_ERR_PROTOCOL;   /* an answer, but no DiscoverResult: not modern evidence */
    else if (code == FMCP_RPC_UNSUPPORTED_VERSION)
        pick = fmcp__cl_pick(c, fmcp_json_get(fmcp_json_get(fmcp_json_get(fmcp_json_root(d), "error"), "data"),
            "supported"));
    if (pick == 1) { c->init = d; return FMCP_OK; }
    d_seen = d != NULL;
    if (d) fmcp_json_doc_destroy(d);
    c->modern = 0;
    c->version[0] = 0;
    if (pick == 0) return FMCP_ERR_NOT_FOUND;   /* a modern server that also speaks our legacy versions */
    if (pick == -1 || modern_err) return FMCP_ERR_UNSUPPORTED;   /* modern, no version in common */
    if (c->d.protocol_era == FMCP_ERA_MODERN) return r == FMCP_OK ? FMCP_ERR_PROTOCOL : r;
    /* not a modern answer: a legacy server (or silence on stdio) */
    if (r == FMCP_ERR_RPC || (r == FMCP_ERR_PROTOCOL && (c->kind == FMCP__CL_HTTP || d_seen)) ||
        (r == FMCP_ERR_TIMEOUT && c->kind == FMCP__CL_STREAM) ||
        (r == FMCP_ERR_HTTP && *status >= 400 && *status < 500 && *status != 401 && *status != 403))
        return FMCP_ERR_NOT_FOUND;
    return r;
}

static size_t fmcp__cl_slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copies s to *at (advanced past it); NULL stays NULL. */
static const char *fmcp__cl_keep(char **at, const char *s)
{
    char *d = *at;
    size_t n = fmcp__cl_slen(s);
    if (!s) return NULL;
    memcpy(d, s, n);
    *at += n;
    return d;
}

#ifndef FASTMCP_NO_SOCKETS
/* Text that goes on a request's header line: no CR, LF or other controls but HTAB. */
static int fmcp__cl_line_ok(const char *s)
{
    return !s || fmcp__field_ok(s, s + strlen(s));
}
#endif

/* The client's own descriptor: the caller's, its defaults filled here and
 * only here, every string it keeps (and the header list) copied into one
 * block and the small interface structs copied, so the caller's descriptor
 * may go once the connect returns. Objects (oauth, the transport's and
 * store's self/user) are still only referenced. */
static fmcp_result fmcp__cl_desc_copy(fmcp_client *c, const fmcp_client_desc *in)
{
    fmcp_client_desc *d = &c->d;
    size_t i, need;
    char *at;
    fmcp_http_header *h;
    if (in) *d = *in;
    if (!d->name) d->name = "fastmcp.h";
    if (!d->version) d->version = FASTMCP_VERSION_STRING;
    if (!d->protocol_version) d->protocol_version = fmcp__cl_versions[0];
    if (d->max_input_rounds <= 0) d->max_input_rounds = 8;
    if (!d->timeout_ms) d->timeout_ms = 60000;
    if (d->grace_ms <= 0) d->grace_ms = 2000;
    if (!d->max_message) d->max_message = (size_t)16 << 20;
    if (!d->cache_max_entries) d->cache_max_entries = 256;
    if (!d->cache_max_bytes) d->cache_max_bytes = (size_t)1 << 20;
    if (d->alloc) { c->alloc = *d->alloc; d->alloc = &c->alloc; }
    if (d->transport) { c->transport = *d->transport; d->transport = &c->transport; }
    if (d->cache_store) { c->store = *d->cache_store; d->cache_store = &c->store; }
    if (!d->headers) d->nheaders = 0;
    need = d->nheaders * sizeof *h + fmcp__cl_slen(d->name) + fmcp__cl_slen(d->version) + fmcp__cl_slen(d->title) +
           fmcp__cl_slen(d->protocol_version) + fmcp__cl_slen(d->roots_json) + fmcp__cl_slen(d->bearer_token);
    for (i = 0; i < d->nheaders; i++) {
        if (!d->headers[i].name || !d->headers[i].value) return FMCP_ERR_INVALID_ARG;
        need += fmcp__cl_slen(d->headers[i].name) + fmcp__cl_slen(d->headers[i].value);
    }
#ifndef FASTMCP_NO_SOCKETS
    /* they become header lines: a CR or LF would start another one */
    if (!fmcp__hdr_ok(d->headers, d->nheaders) || !fmcp__cl_line_ok(d->bearer_token)) return FMCP_ERR_INVALID_ARG;
    for (i = 0; i < d->nheaders; i++) if (!fmcp__cl_line_ok(d->headers[i].value)) return FMCP_ERR_INVALID_ARG;
#endif
    c->dblob = (char *)fmcp_malloc(c->a, need);
    if (!c->dblob) return FMCP_ERR_NOMEM;
    c->dblob_len = need;
    h = (fmcp_http_header *)(void *)c->dblob;   /* first: the block's alignment is the allocator's */
    at = c->dblob + d->nheaders * sizeof *h;
    for (i = 0; i < d->nheaders; i++) {
        h[i].name = fmcp__cl_keep(&at, d->headers[i].name);
        h[i].value = fmcp__cl_keep(&at, d->headers[i].value);
    }
    d->headers = d->nheaders ? h : NULL;
    d->name = fmcp__cl_keep(&at, d->name);
    d->version = fmcp__cl_keep(&at, d->version);
    d->title = fmcp__cl_keep(&at, d->title);
    d->protocol_version = fmcp__cl_keep(&at, d->protocol_version);
    d->roots_json = fmcp__cl_keep(&at, d->roots_json);
    d->bearer_token = fmcp__cl_keep(&at, d->bearer_token);
    return FMCP_OK;
}

static fmcp_result fmcp__cl_new(const fmcp_client_desc *d, int kind, fmcp_client **out)
{
    fmcp_client *c;
    const fmcp_allocator *a = d ? d->alloc : NULL;
    fmcp_result r;
    c = (fmcp_client *)fmcp_malloc(a, sizeof *c);
    if (!c) return FMCP_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    if (a) { c->alloc = *a; c->a = &c->alloc; }
    fmcp__buf_init(&c->line, c->a, 0);
#ifdef FMCP__CL_WINPROC
    fmcp__buf_init(&c->q, c->a, 0);
#endif
#ifndef FASTMCP_NO_SOCKETS
    fmcp__cl_sse_init(c, &c->legacy_sse);
#endif
    r = fmcp__cl_desc_copy(c, d);
    if (r != FMCP_OK) {
        fmcp_allocator copy = c->alloc;
        fmcp_free(a ? &copy : NULL, c, sizeof *c);
        return r;
    }
    c->kind = kind;
    (void)fmcp_random_bytes(c->cache_nonce, sizeof c->cache_nonce);   /* zeros still name it within itself */
    c->rfd = c->wfd = c->wake[0] = c->wake[1] = -1;
#ifndef FASTMCP_NO_SOCKETS
    c->get_fd = -1;
#endif
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_init(&c->lock);
    fmcp__mutex_init(&c->wlock);
    fmcp__mutex_init(&c->cache_lock);
    fmcp__cond_init(&c->cv);
    fmcp__cond_init(&c->rcv);
#endif
    *out = c;
    return FMCP_OK;
}

FASTMCP_API fmcp_client_desc fmcp_client_query_desc(const fmcp_client *c)
{
    fmcp_client_desc d;
    if (c) return c->d;
    memset(&d, 0, sizeof d);
    return d;
}

#ifdef FMCP__CL_WINPROC
/* Reap the child: wait grace (its stdin is closed), then TerminateProcess.
 * There is no SIGTERM for a console program that is not in a group of its
 * own, so the second, polite step of POSIX has nothing to send. */
static void fmcp__cl_reap(fmcp_client *c)
{
    int grace = c->d.grace_ms;
    if (!fmcp__proc_wait(c->hproc, grace)) {
        fmcp__proc_kill(c->hproc);
        (void)fmcp__proc_wait(c->hproc, -1);
    }
    fmcp__handle_close(c->hproc);
    c->hproc = NULL;
}
#elif !defined(FASTMCP_NO_PROCESS)
/* Reap the child: wait grace, SIGTERM, wait grace, SIGKILL. */
static void fmcp__cl_reap(fmcp_client *c)
{
    int step, st, grace = c->d.grace_ms;
    for (step = 0; step < 3; step++) {
        int64_t end = fmcp_monotonic_ms() + grace;
        if (step == 1) kill(c->pid, SIGTERM);
        if (step == 2) { kill(c->pid, SIGKILL); (void)waitpid(c->pid, &st, 0); return; }
        for (;;) {
            pid_t w = waitpid(c->pid, &st, WNOHANG);
            if (w == c->pid || (w < 0 && errno != EINTR)) return;
            if (fmcp_monotonic_ms() >= end) break;
            (void)poll(NULL, 0, 10);   /* no portable "wait for child with timeout" */
        }
    }
}
#endif

static void fmcp__cl_stop_reader(fmcp_client *c)
{
#ifndef FASTMCP_NO_THREADS
    if (c->has_thread) {
        if (c->kind == FMCP__CL_STREAM) {
            char b = 1;
            FMCP__CL_LOCK(c);
            c->reader_stop = 1;
            fmcp__cond_signal(&c->rcv);
            FMCP__CL_UNLOCK(c);
#  ifdef FMCP__CL_WINPROC
            (void)b;
            fmcp__cl_qpoke(c);
#  else
            if (write(c->wake[1], &b, 1) < 0) { /* full: a poke is pending anyway */ }
#  endif
        }
#  ifndef FASTMCP_NO_SOCKETS
        else {
            FMCP__CL_LOCK(c);
#    ifdef _WIN32
            if (c->get_fd >= 0) shutdown((SOCKET)c->get_fd, SD_BOTH);
#    else
            if (c->get_fd >= 0) shutdown(c->get_fd, SHUT_RDWR);
#    endif
            FMCP__CL_WAKE(c);
            FMCP__CL_UNLOCK(c);
        }
#  endif
        fmcp__thread_join(&c->thread);
        c->has_thread = 0;
    }
#else
    (void)c;
#endif
}

FASTMCP_API void fmcp_client_destroy(fmcp_client *c)
{
    if (!c) return;
    FMCP__CL_LOCK(c);
    c->stopping = 1;
    FMCP__CL_UNLOCK(c);
#ifndef FASTMCP_NO_SOCKETS
    if (c->kind == FMCP__CL_HTTP) {
        fmcp__cl_stop_reader(c);
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
#endif
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&c->wlock);
#endif
    if (c->wfd >= 0) close(c->wfd);   /* the server sees EOF on its stdin */
    c->wfd = -1;
#ifdef FMCP__CL_WINPROC
    fmcp__handle_close(c->hin);
    c->hin = NULL;
#endif
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_unlock(&c->wlock);
#endif
#ifdef FMCP__CL_WINPROC
    if (c->hproc) fmcp__cl_reap(c);
#elif !defined(FASTMCP_NO_PROCESS)
    if (c->pid > 0) fmcp__cl_reap(c);
#endif
    fmcp__cl_stop_reader(c);
#ifdef FMCP__CL_WINPROC
    if (c->has_pipe) {   /* after the reader thread: it may be waiting for the queue */
        fmcp__mutex_lock(&c->qlock);
        c->qstop = 1;
        fmcp__cond_broadcast(&c->qcv);
        fmcp__mutex_unlock(&c->qlock);
        fmcp__thread_join_io(&c->pipe);
    }
    fmcp__handle_close(c->hout);
    if (c->qinit) {
        fmcp__buf_free(&c->q);
        fmcp__mutex_destroy(&c->qlock);
        fmcp__cond_destroy(&c->qcv);
    }
#endif
    if (c->rfd >= 0) close(c->rfd);
    if (c->wake[0] >= 0) close(c->wake[0]);
    if (c->wake[1] >= 0) close(c->wake[1]);
    fmcp__buf_free(&c->line);
    while (c->pending) fmcp__cl_unregister(c, c->pending);
    if (c->init) fmcp_json_doc_destroy(c->init);
    if (c->tools) fmcp_json_doc_destroy(c->tools);
    while (c->cache_head) fmcp__cl_mem_unlink(c, &c->cache_head);
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_destroy(&c->lock);
    fmcp__mutex_destroy(&c->wlock);
    fmcp__mutex_destroy(&c->cache_lock);
    fmcp__cond_destroy(&c->cv);
    fmcp__cond_destroy(&c->rcv);
#endif
    fmcp_wipe(c->dblob, c->dblob_len);   /* the bearer token */
    fmcp_free(c->a, c->dblob, c->dblob_len);
    {
        fmcp_allocator copy = c->alloc;   /* c->a points into c */
        fmcp_free(c->a ? &copy : NULL, c, sizeof *c);
    }
}

#ifndef FASTMCP_NO_PROCESS
static fmcp_result fmcp__cl_start_stream(fmcp_client *c)
{
    int status = 0;
    fmcp_result r;
#ifdef FMCP__CL_WINPROC
    fmcp__mutex_init(&c->qlock);
    fmcp__cond_init(&c->qcv);
    c->qinit = 1;
    if (fmcp__thread_start(&c->pipe, fmcp__cl_pipe_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_pipe = 1;
    if (fmcp__thread_start(&c->thread, fmcp__cl_reader_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_thread = 1;
#else
    struct stat st;
    c->wsock = fstat(c->wfd, &st) == 0 && S_ISSOCK(st.st_mode);
#endif
#if !defined(FASTMCP_NO_THREADS) && !defined(_WIN32)
    if (pipe(c->wake) != 0) return FMCP_ERR_IO;
    {   /* not inherited by children; drained in a loop, written under the lock */
        int i;
        for (i = 0; i < 2; i++) {
            (void)fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
            (void)fcntl(c->wake[i], F_SETFL, fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
        }
    }
    if (fmcp__thread_start(&c->thread, fmcp__cl_reader_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_thread = 1;
#endif
    r = c->d.protocol_era == FMCP_ERA_LEGACY ? FMCP_ERR_NOT_FOUND : fmcp__cl_discover(c, &status);
    if (r == FMCP_ERR_NOT_FOUND) return fmcp__cl_initialize(c, &status);
    if (r == FMCP_OK && c->d.on_notification) {   /* list-changed notifications: one listen, never answered */
        char *msg = NULL;
        size_t len = 0;
        r = fmcp__cl_listen_msg(c, &msg, &len);
        if (r == FMCP_OK) r = fmcp__cl_stream_send(c, msg, len);
        if (msg) fmcp_free(c->a, msg, len + 1);
    }
    return r;
}

#ifdef FMCP__CL_WINPROC
/* Windows: CreateProcess (base: fmcp__proc_spawn quotes argv for the MSVC
 * runtime and merges env into our environment). */
FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    if (!out || !argv || !argv[0]) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_STREAM, &c);
    if (r != FMCP_OK) return r;
    r = fmcp__proc_spawn(c->a, argv, env, &c->hproc, &c->hin, &c->hout);
    if (r == FMCP_OK) r = fmcp__cl_start_stream(c);
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}

/* A descriptor pair is a POSIX notion here; Windows callers spawn. */
FASTMCP_API fmcp_result fmcp_client_connect_fd(const fmcp_client_desc *d, int read_fd, int write_fd,
                                               fmcp_client **out)
{
    (void)d; (void)read_fd; (void)write_fd;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}
#else
FASTMCP_API fmcp_result fmcp_client_connect_fd(const fmcp_client_desc *d, int read_fd, int write_fd,
                                               fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    if (!out || read_fd < 0 || write_fd < 0) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_STREAM, &c);
    if (r != FMCP_OK) { close(read_fd); close(write_fd); return r; }
    c->rfd = read_fd;
    c->wfd = write_fd;
    r = fmcp__cl_start_stream(c);
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}

/* environ with env's "NAME=value" entries added or replacing. */
static char **fmcp__cl_envp(fmcp_client *c, const char *const *env, size_t *count)
{
    size_t n = 0, m = 0, i, j, k = 0;
    char **e;
    while (environ && environ[n]) n++;
    while (env && env[m]) m++;
    *count = n + m + 1;
    e = (char **)fmcp_malloc(c->a, *count * sizeof *e);
    if (!e) return NULL;
    for (i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int replaced = 0;
        for (j = 0; j < m && !replaced; j++)
            replaced = strncmp(env[j], environ[i], nl) == 0 && env[j][nl] == '=';
        if (!replaced) e[k++] = environ[i];
    }
    for (j = 0; j < m; j++) e[k++] = (char *)env[j];
    e[k] = NULL;
    return e;
}

static void fmcp__cl_cloexec(int fd)
{
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* fork + exec; errors of exec come back through a close-on-exec pipe. */
static fmcp_result fmcp__cl_spawn(fmcp_client *c, const char *const *argv, char **envp)
{
    int in[2], outp[2], ep[2], err = 0;
    long n;
    if (pipe(in) != 0) return FMCP_ERR_IO;
    if (pipe(outp) != 0) { close(in[0]); close(in[1]); return FMCP_ERR_IO; }
    if (pipe(ep) != 0) { close(in[0]); close(in[1]); close(outp[0]); close(outp[1]); return FMCP_ERR_IO; }
    fmcp__cl_cloexec(in[0]); fmcp__cl_cloexec(in[1]); fmcp__cl_cloexec(outp[0]);
    fmcp__cl_cloexec(outp[1]); fmcp__cl_cloexec(ep[0]); fmcp__cl_cloexec(ep[1]);
    c->pid = fork();
    if (c->pid == 0) {
        int e;
        if (dup2(in[0], 0) >= 0 && dup2(outp[1], 1) >= 0) {
            environ = envp;
            execvp(argv[0], (char *const *)argv);
        }
        e = errno;
        if (write(ep[1], &e, sizeof e) < 0) { /* nothing more to do */ }
        _exit(127);
    }
    close(in[0]); close(outp[1]); close(ep[1]);
    if (c->pid < 0) { close(in[1]); close(outp[0]); close(ep[0]); c->pid = 0; return FMCP_ERR_IO; }
    do n = (long)read(ep[0], &err, sizeof err); while (n < 0 && errno == EINTR);
    close(ep[0]);
    c->wfd = in[1];
    c->rfd = outp[0];
    if (n > 0) return err == ENOENT || err == EACCES ? FMCP_ERR_NOT_FOUND : FMCP_ERR_IO;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    char **envp;
    size_t nenv = 0;
    if (!out || !argv || !argv[0]) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_STREAM, &c);
    if (r != FMCP_OK) return r;
    envp = fmcp__cl_envp(c, env, &nenv);
    if (!envp) { fmcp_client_destroy(c); return FMCP_ERR_NOMEM; }
    r = fmcp__cl_spawn(c, argv, envp);
    fmcp_free(c->a, envp, nenv * sizeof *envp);
    if (r == FMCP_OK) r = fmcp__cl_start_stream(c);
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}
#endif /* FMCP__CL_WINPROC */
#endif /* FASTMCP_NO_PROCESS */

#ifdef FMCP__WIN32_NO_PROCESS
/* Windows: no stdio transport yet (see the top of fastmcp.h). */
FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out)
{
    (void)d; (void)argv; (void)env;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}

FASTMCP_API fmcp_result fmcp_client_connect_fd(const fmcp_client_desc *d, int read_fd, int write_fd,
                                               fmcp_client **out)
{
    (void)d; (void)read_fd; (void)write_fd;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}
#endif

#ifndef FASTMCP_NO_SOCKETS
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
#endif

#endif /* a transport */
