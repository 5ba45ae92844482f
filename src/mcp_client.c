/* mcp_client: implementation. The client is one translation unit in four
 * files: this one (its types, incoming messages, requests, the public calls
 * and the lifecycle common to every transport), mcp_client_stdio.c (the
 * stream transport and the spawned server), mcp_client_http.c (Streamable
 * HTTP, SSE and the legacy HTTP+SSE transport) and mcp_client_era.c
 * (protocol 2026-07-28: discovery, request headers, multi round-trip
 * requests, the result cache). The later files use the types and helpers
 * here; the entry points this file calls in them are declared below. */
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

#define FMCP__CL_LOCK(c) fmcp__mutex_lock(&(c)->lock)
#define FMCP__CL_UNLOCK(c) fmcp__mutex_unlock(&(c)->lock)
#ifndef FASTMCP_NO_THREADS
#  define FMCP__CL_WAKE(c) fmcp__cond_broadcast(&(c)->cv)
#  define FMCP__CL_WAKE_P(p) fmcp__cond_signal(&(p)->cv)   /* only p's caller */
#else
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
    fmcp__mutex lock, wlock;   /* placeholders without threads (base) */
    fmcp__mutex cache_lock;   /* the cache store's calls; never taken with lock held, nor lock under it */
#ifndef FASTMCP_NO_THREADS
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

/* Parse a JSON text with the client's allocator (max: bytes, 0 = no limit). */
static fmcp_result fmcp__cl_parse(const fmcp_client *c, const char *text, size_t len, size_t max,
                                  fmcp_json_doc **out)
{
    fmcp_json_parse_options o;
    memset(&o, 0, sizeof o);
    o.alloc = c->a;
    o.max_size = max;
    return fmcp_json_parse(text, len, &o, out, NULL);
}

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

/* ---- entry points of the other client files ------------------------------ */

/* mcp_client_stdio.c */
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms);
static fmcp_result fmcp__cl_stream_send(fmcp_client *c, const char *json, size_t len);
static fmcp_result fmcp__cl_stream_wait(fmcp_client *c, fmcp__cl_pending *p);
static void fmcp__cl_stream_end(fmcp_client *c);
#ifndef FASTMCP_NO_THREADS
static void fmcp__cl_poke(fmcp_client *c);
#endif
/* mcp_client_http.c */
#ifndef FASTMCP_NO_SOCKETS
static void fmcp__cl_sse_init(fmcp_client *c, fmcp__cl_sse *s);
static fmcp_result fmcp__cl_http_post_oneway(fmcp_client *c, const char *json, size_t len);
static fmcp_result fmcp__cl_http_authed(fmcp_client *c, const char *msg, size_t len, fmcp__cl_pending *p,
                                        int *status);
static void fmcp__cl_http_end(fmcp_client *c);
#endif
/* mcp_client_era.c */
/* the listen message serves the stdio transport and the HTTP listen thread */
#if !defined(FASTMCP_NO_PROCESS) || (!defined(FASTMCP_NO_SOCKETS) && !defined(FASTMCP_NO_THREADS))
#  define FMCP__CL_LISTEN 1
static fmcp_result fmcp__cl_listen_msg(fmcp_client *c, char **out, size_t *len);
#endif
static fmcp_result fmcp__cl_discover(fmcp_client *c, int *status);
static fmcp_result fmcp__cl_rpc(fmcp_client *c, const char *method, const char *params,
                                const fmcp_call_opts *o, fmcp_json_doc **out, int *status, int *rounds_out);
#ifndef FASTMCP_NO_SOCKETS
static fmcp_result fmcp__cl_modern_headers(fmcp_client *c, fmcp__cl_pending *p, const char *method, const char *params);
static const char *fmcp__cl_tool_rejected(const fmcp_json *tool);
#endif
/* One cache lookup's state: the identity at request time, the generation seen. */
typedef struct fmcp__cl_cq {
    char id[33];
    unsigned gen;
    int ok;                   /* the identity is known: the answer may be stored */
} fmcp__cl_cq;
static int fmcp__cl_cacheable(const fmcp_client *c, const char *method, const char *params);
static int fmcp__cl_cache_get(fmcp_client *c, const char *method, const char *params, fmcp__cl_cq *q,
                              fmcp_json_doc **out);
static void fmcp__cl_cache_put(fmcp_client *c, const char *method, const char *params, const fmcp__cl_cq *q,
                               const fmcp_json_doc *d);
static void fmcp__cl_cache_notice(fmcp_client *c, const char *method);
static void fmcp__cl_cache_clear(fmcp_client *c);

/* ---- waking callers, sending ---------------------------------------------- */

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

/* A notification or response, over whichever transport the client has. */
static fmcp_result fmcp__cl_send(fmcp_client *c, const char *json, size_t len)
{
#ifndef FASTMCP_NO_SOCKETS
    if (c->kind == FMCP__CL_HTTP) return fmcp__cl_http_post_oneway(c, json, len);
#endif
    return fmcp__cl_stream_send(c, json, len);
}
/* ---- incoming messages --------------------------------------------------- */


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
        fmcp_free_text(c->a, res, rlen);
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
        fmcp_free_text(c->a, t, n);
    }
}

/* One incoming JSON-RPC message (or batch). Garbage is ignored. */
static void fmcp__cl_dispatch(fmcp_client *c, const char *text, size_t len)
{
    fmcp_json_doc *doc;
    const fmcp_json *root, *id;
    const char *method;
    if (fmcp__cl_parse(c, text, len, fmcp__cl_max(c), &doc) != FMCP_OK) return;
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
        r = fmcp__cl_parse(c, params, strlen(params), 0, &pd);
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
    fmcp_free_text(c->a, msg, len);
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
    fmcp_free_text(c->a, msg, len);
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
        fmcp_free_text(c->a, params, plen);
        if (r == FMCP_OK) more = fmcp__cl_page(c, d, key, &w, cursor, sizeof cursor);
        else if (d) { *out = d; d = NULL; }   /* the RPC error for the caller */
        if (d) fmcp_json_doc_destroy(d);
    }
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    if (r != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp_jw_finish(&w, &text, &len);
    if (r == FMCP_OK) {
        r = fmcp__cl_parse(c, text, len, 0, out);
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
    if (!c->modern || c->kind != FMCP__CL_HTTP || !(text = fmcp__cl_value_text(c->a, fmcp_json_root(d), &n))) return;
    if (fmcp__cl_parse(c, text, n, 0, &copy) == FMCP_OK) {
        FMCP__CL_LOCK(c);
        if (c->tools) fmcp_json_doc_destroy(c->tools);
        c->tools = copy;
        FMCP__CL_UNLOCK(c);
    }
    fmcp_free_text(c->a, text, n);
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
    fmcp_free_text(c->a, params, len);
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
    fmcp_free_text(c->a, params, len);
    if (r == FMCP_OK) r = fmcp__cl_accept_version(c);
    if (r == FMCP_OK) r = fmcp_client_notify(c, "notifications/initialized", NULL);
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
    fmcp__mutex_init(&c->lock);
    fmcp__mutex_init(&c->wlock);
    fmcp__mutex_init(&c->cache_lock);
#ifndef FASTMCP_NO_THREADS
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

FASTMCP_API void fmcp_client_destroy(fmcp_client *c)
{
    if (!c) return;
    FMCP__CL_LOCK(c);
    c->stopping = 1;
    FMCP__CL_UNLOCK(c);
#ifndef FASTMCP_NO_SOCKETS
    if (c->kind == FMCP__CL_HTTP) fmcp__cl_http_end(c);
#endif
    fmcp__cl_stream_end(c);   /* every kind: what a client does not use is -1 or NULL */
    fmcp__buf_free(&c->line);
    while (c->pending) fmcp__cl_unregister(c, c->pending);
    if (c->init) fmcp_json_doc_destroy(c->init);
    if (c->tools) fmcp_json_doc_destroy(c->tools);
    fmcp__cl_cache_clear(c);
    fmcp__mutex_destroy(&c->lock);
    fmcp__mutex_destroy(&c->wlock);
    fmcp__mutex_destroy(&c->cache_lock);
#ifndef FASTMCP_NO_THREADS
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

#endif /* a transport */
