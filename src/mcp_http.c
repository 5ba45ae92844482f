/* mcp_http: implementation */
#include "mcp_http.h"

#ifndef FASTMCP_NO_SOCKETS
#include <string.h>
#include <stdio.h>
#ifndef _WIN32
#  include <arpa/inet.h>   /* inet_pton (Windows: ws2tcpip.h, with the platform layer) */
#endif

/* Locking rule: the transport mutex is never held while calling into the
 * MCP engine (its callbacks take the mutex). It is recursive because an HTTP
 * write on the loop thread may run our on_close callback synchronously. */
#define FMCP__MH_LOCK(t) fmcp__mutex_lock(&(t)->mu)
#define FMCP__MH_UNLOCK(t) fmcp__mutex_unlock(&(t)->mu)

#define FMCP__MH_BUCKETS 256
#define FMCP__MH_MAX_PARKED 32  /* finished, undelivered streams per session */
/* Retry-After (s): a principal's sessions are busy only while calls run;
 * a full table frees up as sessions idle out or end. */
#define FMCP__MH_RETRY_429 "5"
#define FMCP__MH_RETRY_503 "60"
#define FMCP__MH_POST 0
#define FMCP__MH_GET 1
#define FMCP__MH_PENDING 0   /* POST held, nothing sent yet */
#define FMCP__MH_SSE 1       /* SSE started (or stream 0) */

/* A kept event is in its stream's list and in age lists (oldest first) of
 * its session, its principal and the transport: the byte caps evict from
 * the front of whichever list is over, so the oldest goes first. The front
 * of an age list is always the head of its own stream. */
typedef struct fmcp__mh_ev {
    struct fmcp__mh_ev *next;
    struct fmcp__mh_ev *age[3][2];   /* [list][0 = older, 1 = younger] */
    struct fmcp__mh_stream *st;
    uint64_t seq;
    size_t len, cap;         /* text length, allocation size after the struct */
    char *data;              /* formatted event, stored after the struct */
} fmcp__mh_ev;

#define FMCP__MH_AGE_SESSION 0
#define FMCP__MH_AGE_PRINCIPAL 1
#define FMCP__MH_AGE_ALL 2

/* Bytes of kept events and their age list. */
typedef struct fmcp__mh_ages {
    fmcp__mh_ev *old, *young;
    size_t bytes;
} fmcp__mh_ages;

typedef struct fmcp__mh_stream {
    struct fmcp__mh_stream *next, *prev;   /* the session's streams, newest first */
    struct fmcp__mh_session *ms;
    struct fmcp__mh_stream *hnext;         /* chain in the session's index by `no` */
    uint64_t no;             /* 0 = the stand-alone GET stream */
    int kind, state, done;
    int xthread;             /* written from a thread other than the loop's */
    int init_post, init_ok;  /* the POST that created the session */
    int counted;             /* in its principal's calls in flight */
    fmcp_http_req *req;      /* attached connection, NULL when detached */
    int64_t last_write;
    uint64_t seq;
    fmcp__mh_ev *head, *tail;
    size_t nev;
    char *resp;              /* buffered JSON response (PENDING) */
    size_t resp_len;
    int resp_status;
    int resp_lost;           /* it could not be buffered (out of memory) */
    char *ids;               /* request ids (raw JSON), NUL-separated */
    size_t ids_len;
} fmcp__mh_stream;

typedef struct fmcp__mh_session {
    struct fmcp__mh_session *next;
    struct fmcp_http_endpoint *t;
    fmcp_session *s;
    char id[33];
    int legacy, temp, dead, reap;
    int modern;                /* a 2026-07-28 request's own (temporary) session */
    int64_t last_used;
    uint64_t used;             /* t->uses when last used: least recently used first */
    uint64_t next_no;
    fmcp__mh_stream *streams;
    fmcp__mh_stream *get;      /* the stand-alone GET stream (no 0), if any */
    fmcp__mh_stream **idx;     /* POST streams by `no`: one session may hold hundreds */
    size_t idx_cap, nidx;
    size_t ndone;              /* finished streams still listed (parked ones among them) */
    char owner[FMCP_PRINCIPAL_SIZE];   /* fmcp_auth_info_principal of its creator; "" = anonymous */
    struct fmcp__mh_principal *pr;     /* whose quota it counts against (NULL: temporary) */
    struct fmcp__mh_session *pnext, *pprev;   /* the principal's live sessions */
    fmcp__mh_ages ages;
} fmcp__mh_session;

/* Quotas per principal: the identity (fmcp_auth_info_principal) or, without
 * one, the client address (IPv6 by /64). Lives while a session refers to it. */
typedef struct fmcp__mh_principal {
    struct fmcp__mh_principal *next;   /* hash chain */
    char key[FMCP_PRINCIPAL_SIZE];
    size_t nsessions;                  /* live (addressable) sessions */
    size_t ncalls;                     /* POSTs in flight (streams not done) */
    size_t refs;                       /* sessions not yet freed, plus holds */
    fmcp__mh_session *sessions;
    fmcp__mh_ages ages;
} fmcp__mh_principal;

struct fmcp_http_endpoint {
    fmcp_server *srv;
    const fmcp_allocator *a;
    fmcp_http_loop *loop;
    fmcp_http_server *hs;
    fmcp_http_endpoint_desc d;         /* the caller's, copied; defaults filled */
    fmcp_http_server_desc http;        /* d.http points here once copied */
    char *dblock;                      /* d's strings and lists (one block) */
    size_t dblock_size;
    int check_hosts;
    fmcp__mutex mu;
    fmcp__mh_session *buckets[FMCP__MH_BUCKETS];
    fmcp__mh_session *temps;   /* stateless sessions, not addressable */
    fmcp__mh_principal *principals[FMCP__MH_BUCKETS];
    fmcp__mh_ages ages;        /* every kept event */
    size_t nsessions;
    uint64_t uses;             /* session uses so far (locked) */
    int nreap, nreap_temp;     /* sessions flagged for reaping (temporary ones) */
    uint64_t timer;
    int timer_on;
    struct fmcp__mh_later *later;  /* requests still to finish (see flush_later) */
    size_t nlater, cap_later;
    uint64_t later_timer;
    int later_timer_on;
    fmcp_job_list jobs;        /* calls read this loop step, for the pool (loop thread) */
    uint64_t jobs_timer;
    int jobs_timer_on;
#ifndef FASTMCP_NO_THREADS
    fmcp__thread_id loop_tid;
    int has_loop_tid;
#endif
    int64_t tick_ms;
};

typedef struct fmcp__mh_later {
    fmcp_http_req *req;
    int status;
} fmcp__mh_later;

typedef struct fmcp__mh_auth {
    fmcp_http_auth_reply r;
    int called;
} fmcp__mh_auth;

static const char *const fmcp__mh_versions[] = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL
};
static const char *const fmcp__mh_local_hosts[] = { "localhost", "127.0.0.1", "[::1]", NULL };

/* ---- small helpers ----------------------------------------------------------- */

/* fmcp__lc, fmcp__ieqn, fmcp__ieq, fmcp__strndup, fmcp__hexval: base's toolkit */

/* Which of application/json and text/event-stream a comma-separated media
 * list allows (wildcards count), in one pass: FMCP__MH_ACC_JSON | FMCP__MH_ACC_SSE. */
#define FMCP__MH_ACC_JSON 1
#define FMCP__MH_ACC_SSE 2
static int fmcp__mh_media_is(const char *p, size_t n, const char *want)
{
    size_t wl = strlen(want);
    return n == wl && (memcmp(p, want, n) == 0 || fmcp__ieqn(p, want, n));
}

static int fmcp__mh_accepted(const char *list)
{
    int got = 0;
    const char *p = list;
    if (!list) return 0;
    while (*p && got != (FMCP__MH_ACC_JSON | FMCP__MH_ACC_SSE)) {
        const char *e = p + strcspn(p, ",;");
        size_t n;
        while (*p == ' ' || *p == '\t') p++;
        n = e > p ? (size_t)(e - p) : 0;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (fmcp__mh_media_is(p, n, "*/*")) got = FMCP__MH_ACC_JSON | FMCP__MH_ACC_SSE;
        else if (fmcp__mh_media_is(p, n, "application/json") || fmcp__mh_media_is(p, n, "application/*"))
            got |= FMCP__MH_ACC_JSON;
        else if (fmcp__mh_media_is(p, n, "text/event-stream") || fmcp__mh_media_is(p, n, "text/*"))
            got |= FMCP__MH_ACC_SSE;
        p = e + strcspn(e, ",");
        if (*p) p++;
    }
    return got;
}

static int fmcp__mh_is_json_ct(const char *ct)
{
    size_t n;
    if (!ct) return 0;
    while (*ct == ' ') ct++;
    n = strcspn(ct, "; \t");
    return n == 16 && fmcp__ieqn(ct, "application/json", 16);
}

static int fmcp__mh_known_version(const char *v)
{
    size_t i;
    for (i = 0; fmcp__mh_versions[i]; i++)
        if (strcmp(v, fmcp__mh_versions[i]) == 0) return 1;
    return 0;
}

/* Host/Origin checks are off (auto mode, a non-loopback bind, no lists):
 * say so loudly, once, at start-up - through the server's log sink, else
 * stderr. An explicit dns_rebinding_protection = -1 is a choice: no warning. */
static void fmcp__mh_warn_open(const fmcp_http_endpoint *t)
{
    char msg[400];
    const char *h = t->d.host ? t->d.host : "127.0.0.1";
    if (t->check_hosts || t->d.dns_rebinding_protection < 0) return;
    snprintf(msg, sizeof msg, "fastmcp: WARNING: the MCP endpoint listens on %s%s without allowed_hosts or "
             "allowed_origins, so Host and Origin are not checked and a web page may reach it through DNS "
             "rebinding. Set allowed_hosts and allowed_origins (or dns_rebinding_protection = -1 when a proxy "
             "checks them).", h, fmcp_http_addr_kind(h) == FMCP_HTTP_ADDR_ANY ? " (all interfaces)" : "");
    if (fmcp_server_has_log(t->srv)) fmcp_server_log(t->srv, FMCP_LOG_WARNING, msg);
    else fprintf(stderr, "%s\n", msg);
}

/* Length of the host part of "host[:port]" or "[v6][:port]". */
static size_t fmcp__mh_hostpart(const char *hp)
{
    if (*hp == '[') {
        const char *e = strchr(hp, ']');
        return e ? (size_t)(e - hp) + 1 : strlen(hp);
    }
    return strcspn(hp, ":");
}

/* An entry without a port matches any port; one with a port matches exactly. */
static int fmcp__mh_host_listed(const char *const *list, const char *hp)
{
    size_t i, n = fmcp__mh_hostpart(hp);
    for (i = 0; list[i]; i++) {
        if (fmcp__ieq(list[i], hp)) return 1;
        if (strlen(list[i]) == n && fmcp__ieqn(list[i], hp, n)) return 1;
    }
    return 0;
}

static int fmcp__mh_host_ok(const fmcp_http_endpoint *t, const char *host)
{
    if (!t->check_hosts) return 1;
    if (!host || !*host) return 0;
    return fmcp__mh_host_listed(t->d.allowed_hosts ? t->d.allowed_hosts : fmcp__mh_local_hosts, host);
}

/* Origins: a full "scheme://host[:port]" entry matches exactly, a bare host
 * entry matches that host with http or https and any port. */
static int fmcp__mh_origin_ok(const fmcp_http_endpoint *t, const char *origin)
{
    const char *const *list = t->d.allowed_origins ? t->d.allowed_origins : fmcp__mh_local_hosts;
    const char *hp;
    size_t i;
    if (!origin || !t->check_hosts) return 1;
    for (i = 0; list[i]; i++)
        if (strstr(list[i], "://") && fmcp__ieq(list[i], origin)) return 1;
    if (fmcp__ieqn(origin, "http://", 7)) hp = origin + 7;
    else if (fmcp__ieqn(origin, "https://", 8)) hp = origin + 8;
    else return 0;
    for (i = 0; list[i]; i++) {
        size_t n = fmcp__mh_hostpart(hp);
        if (!strstr(list[i], "://") && strlen(list[i]) == n && fmcp__ieqn(list[i], hp, n)) return 1;
    }
    return 0;
}

/* Is the caller on the loop thread? (handlers, timers and on_close are) */
static int fmcp__mh_on_loop(const fmcp_http_endpoint *t)
{
#ifndef FASTMCP_NO_THREADS
    return !t->has_loop_tid || fmcp__thread_same(t->loop_tid, fmcp__thread_self());
#else
    (void)t;
    return 1;
#endif
}

/* Written only when the loop's thread changes: workers read it (on_loop),
 * and the job queue orders them after the first write. */
static void fmcp__mh_mark_loop(fmcp_http_endpoint *t)
{
#ifndef FASTMCP_NO_THREADS
    if (t->has_loop_tid && fmcp__thread_same(t->loop_tid, fmcp__thread_self())) return;
    t->loop_tid = fmcp__thread_self();
    t->has_loop_tid = 1;
#else
    (void)t;
#endif
}

/* ---- answers that could not be sent yet ------------------------------------------ */

/* A request must be finished exactly once. When finishing fails for want of
 * memory, or would overtake a worker's writes still queued in the loop, the
 * request goes on this list: a 0 ms timer (loop thread; it runs after the
 * loop drained its queue) or the next housekeeping tick finishes it.
 * status 0 = end the SSE stream, else a bodiless answer with that status. */
static void fmcp__mh_flush_later(void *user)
{
    fmcp_http_endpoint *t = (fmcp_http_endpoint *)user;
    size_t i, keep = 0;
    FMCP__MH_LOCK(t);
    t->later_timer_on = 0;
    for (i = 0; i < t->nlater; i++) {
        fmcp__mh_later *l = &t->later[i];
        fmcp_result rc = l->status ? fmcp_http_respond(l->req, l->status, NULL, 0, NULL, 0)
                                   : fmcp_http_stream_end(l->req);
        if (rc == FMCP_ERR_NOMEM) t->later[keep++] = *l;   /* anything else is final */
    }
    t->nlater = keep;
    FMCP__MH_UNLOCK(t);
}

static fmcp_result fmcp__mh_later_add(fmcp_http_endpoint *t, fmcp_http_req *req, int status)
{
    if (t->nlater == t->cap_later) {
        size_t nc = t->cap_later ? t->cap_later * 2 : 8;
        fmcp__mh_later *nl = (fmcp__mh_later *)fmcp_realloc(t->a, t->later, t->cap_later * sizeof *nl,
                                                            nc * sizeof *nl);
        if (!nl) return FMCP_ERR_NOMEM;
        t->later = nl;
        t->cap_later = nc;
    }
    t->later[t->nlater].req = req;
    t->later[t->nlater++].status = status;
    if (!t->later_timer_on && fmcp__mh_on_loop(t) &&
        fmcp_http_timer_add(t->loop, 0, fmcp__mh_flush_later, t, &t->later_timer) == FMCP_OK)
        t->later_timer_on = 1;
    return FMCP_OK;
}

/* ---- calls for the pool, handed over once per loop step ------------------------ */

/* The loop reads every ready request before this 0 ms timer runs (timers run
 * after the step's I/O), so the pool gets them with one lock and one wake-up
 * instead of one each. */
static void fmcp__mh_push_jobs(void *user)
{
    fmcp_http_endpoint *t = (fmcp_http_endpoint *)user;
    t->jobs_timer_on = 0;
    fmcp_server_push_jobs(t->srv, &t->jobs);
}

/* Receive options for a message: read on the loop thread, its calls for the
 * pool wait in t->jobs until the end of the step. */
static void fmcp__mh_opts(fmcp_http_endpoint *t, fmcp_receive_opts *o, const fmcp_auth_info *au)
{
    memset(o, 0, sizeof *o);
    o->auth = au;
    if (fmcp__mh_on_loop(t)) o->defer = &t->jobs;
}

/* After a receive: arm the end-of-step hand-over once calls wait (or hand
 * them over now when no timer can be set). */
static void fmcp__mh_arm_jobs(fmcp_http_endpoint *t)
{
    if (!t->jobs.n || t->jobs_timer_on) return;
    if (fmcp_http_timer_add(t->loop, 0, fmcp__mh_push_jobs, t, &t->jobs_timer) == FMCP_OK) t->jobs_timer_on = 1;
    else fmcp_server_push_jobs(t->srv, &t->jobs);
}

/* Finishing calls: on failure the request is retried later (locked). */
static void fmcp__mh_answer(fmcp_http_endpoint *t, fmcp_http_req *req, int status, const fmcp_http_header *h,
                            size_t n, const void *body, size_t len)
{
    fmcp_result rc;
    FMCP__MH_LOCK(t);
    rc = fmcp_http_respond(req, status, h, n, body, len);
    if (rc == FMCP_ERR_NOMEM || rc == FMCP_ERR_INVALID_ARG) (void)fmcp__mh_later_add(t, req, 500);
    FMCP__MH_UNLOCK(t);
}

static void fmcp__mh_end(fmcp_http_endpoint *t, fmcp_http_req *req, int xthread)
{
    fmcp_result rc;
    FMCP__MH_LOCK(t);
    if (xthread && fmcp__mh_on_loop(t) && fmcp__mh_later_add(t, req, 0) == FMCP_OK) { FMCP__MH_UNLOCK(t); return; }
    rc = fmcp_http_stream_end(req);
    if (rc == FMCP_ERR_NOMEM) (void)fmcp__mh_later_add(t, req, 0);
    FMCP__MH_UNLOCK(t);
}

/* ---- HTTP answers ------------------------------------------------------------- */

/* Headers every answer gets: CORS, and the session id when known. */
static size_t fmcp__mh_base_headers(const fmcp_http_endpoint *t, const fmcp__mh_session *ms,
                                    fmcp_http_header *h, size_t n)
{
    if (t->d.cors_origin) {
        h[n].name = "Access-Control-Allow-Origin"; h[n++].value = t->d.cors_origin;
        h[n].name = "Access-Control-Expose-Headers"; h[n++].value = "Mcp-Session-Id, WWW-Authenticate";
        if (strcmp(t->d.cors_origin, "*") != 0) { h[n].name = "Vary"; h[n++].value = "Origin"; }
    }
    if (ms && !ms->temp && !ms->legacy) { h[n].name = "Mcp-Session-Id"; h[n++].value = ms->id; }
    return n;
}

static void fmcp__mh_respond(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp__mh_session *ms, int status,
                             const char *ctype, const char *body, size_t len)
{
    fmcp_http_header h[8];
    size_t n = fmcp__mh_base_headers(t, ms, h, 0);
    if (ctype) { h[n].name = "Content-Type"; h[n++].value = ctype; }
    fmcp__mh_answer(t, req, status, h, n, body, len);
}

/* HTTP-level failure with a JSON-RPC error body (what MCP clients parse). */
static void fmcp__mh_fail(fmcp_http_endpoint *t, fmcp_http_req *req, int status, int code, const char *msg)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,\"message\":\"%s\"}}",
                     code, msg);
    if (n < 0 || (size_t)n >= sizeof body) n = 0;
    fmcp__mh_respond(t, req, NULL, status, "application/json", body, (size_t)n);
}

/* No session or call: 429 (this principal's cap) or 503 (the table), both
 * with Retry-After, else 500. */
static void fmcp__mh_fail_busy(fmcp_http_endpoint *t, fmcp_http_req *req, int status)
{
    static const char b429[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
                               "\"message\":\"Too many sessions or calls in flight for this client\"}}";
    static const char b503[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
                               "\"message\":\"Too many sessions\"}}";
    fmcp_http_header h[8];
    size_t n;
    if (status != 429 && status != 503) {
        fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Could not create a session");
        return;
    }
    n = fmcp__mh_base_headers(t, NULL, h, 0);
    h[n].name = "Content-Type"; h[n++].value = "application/json";
    h[n].name = "Retry-After"; h[n++].value = status == 429 ? FMCP__MH_RETRY_429 : FMCP__MH_RETRY_503;
    if (status == 429) fmcp__mh_answer(t, req, 429, h, n, b429, sizeof b429 - 1);
    else fmcp__mh_answer(t, req, 503, h, n, b503, sizeof b503 - 1);
}

static fmcp_result fmcp__mh_sse_start(fmcp_http_endpoint *t, fmcp__mh_session *ms, fmcp_http_req *req)
{
    fmcp_http_header h[10];
    size_t n = fmcp__mh_base_headers(t, ms, h, 0);
    h[n].name = "Content-Type"; h[n++].value = "text/event-stream";
    h[n].name = "Cache-Control"; h[n++].value = "no-cache, no-transform";
    h[n].name = "X-Accel-Buffering"; h[n++].value = "no";
    return fmcp_http_stream_start(req, 200, h, n);
}

/* ---- streams and events -------------------------------------------------------- */

static void fmcp__mh_touch(fmcp_http_endpoint *t, struct fmcp__mh_session *ms)
{
    ms->last_used = fmcp_monotonic_ms();
    ms->used = ++t->uses;
}

static size_t fmcp__mh_ev_size(const fmcp__mh_ev *e) { return sizeof *e + e->cap; }

/* Age list k of an event in session ms (NULL: a temporary session has no principal). */
static fmcp__mh_ages *fmcp__mh_ages_of(fmcp_http_endpoint *t, fmcp__mh_session *ms, int k)
{
    if (k == FMCP__MH_AGE_SESSION) return &ms->ages;
    if (k == FMCP__MH_AGE_PRINCIPAL) return ms->pr ? &ms->pr->ages : NULL;
    return &t->ages;
}

/* Count a new event (e->st set) as the youngest of its lists (locked). */
static void fmcp__mh_ev_keep(fmcp_http_endpoint *t, fmcp__mh_ev *e)
{
    int k;
    for (k = 0; k < 3; k++) {
        fmcp__mh_ages *g = fmcp__mh_ages_of(t, e->st->ms, k);
        e->age[k][0] = e->age[k][1] = NULL;
        if (!g) continue;
        e->age[k][0] = g->young;
        if (g->young) g->young->age[k][1] = e; else g->old = e;
        g->young = e;
        g->bytes += fmcp__mh_ev_size(e);
    }
}

/* Take an event out of its age lists and free it (its stream unlinks it). */
static void fmcp__mh_ev_forget(fmcp_http_endpoint *t, fmcp__mh_ev *e)
{
    int k;
    for (k = 0; k < 3; k++) {
        fmcp__mh_ages *g = fmcp__mh_ages_of(t, e->st->ms, k);
        if (!g) continue;
        if (e->age[k][0]) e->age[k][0]->age[k][1] = e->age[k][1]; else g->old = e->age[k][1];
        if (e->age[k][1]) e->age[k][1]->age[k][0] = e->age[k][0]; else g->young = e->age[k][0];
        g->bytes -= fmcp__mh_ev_size(e);
    }
    fmcp_free(t->a, e, fmcp__mh_ev_size(e));
}

static void fmcp__mh_stream_free(fmcp_http_endpoint *t, fmcp__mh_stream *st)
{
    fmcp__mh_ev *e = st->head;
    while (e) {
        fmcp__mh_ev *nx = e->next;
        fmcp__mh_ev_forget(t, e);
        e = nx;
    }
    if (st->resp) fmcp_free(t->a, st->resp, st->resp_len + 1);
    if (st->ids) fmcp_free(t->a, st->ids, st->ids_len);
    fmcp_free(t->a, st, sizeof *st);
}

/* The index chain slot for `no` (idx_cap is a power of two). */
static fmcp__mh_stream **fmcp__mh_slot(fmcp__mh_session *ms, uint64_t no)
{
    return &ms->idx[(size_t)(no & (uint64_t)(ms->idx_cap - 1))];
}

/* Doubles the index; on failure the old one stays (longer chains, still right). */
static fmcp_result fmcp__mh_idx_grow(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    size_t nc = ms->idx_cap ? ms->idx_cap * 2 : 8, i, oc = ms->idx_cap;
    fmcp__mh_stream **old = ms->idx;
    fmcp__mh_stream **ni = (fmcp__mh_stream **)fmcp_malloc(t->a, nc * sizeof *ni);
    if (!ni) return FMCP_ERR_NOMEM;
    for (i = 0; i < nc; i++) ni[i] = NULL;
    ms->idx = ni;
    ms->idx_cap = nc;
    for (i = 0; i < oc; i++) {
        while (old[i]) {
            fmcp__mh_stream *st = old[i], **sl;
            old[i] = st->hnext;
            sl = fmcp__mh_slot(ms, st->no);
            st->hnext = *sl;
            *sl = st;
        }
    }
    if (old) fmcp_free(t->a, old, oc * sizeof *old);
    return FMCP_OK;
}

static void fmcp__mh_uncount(fmcp__mh_session *ms, fmcp__mh_stream *st)
{
    if (st->counted) { st->counted = 0; ms->pr->ncalls--; }
}

static void fmcp__mh_unlink_stream(fmcp__mh_session *ms, fmcp__mh_stream *st)
{
    fmcp__mh_uncount(ms, st);
    if (st->prev) st->prev->next = st->next; else if (ms->streams == st) ms->streams = st->next;
    if (st->next) st->next->prev = st->prev;
    st->next = st->prev = NULL;
    if (st->done) ms->ndone--;
    if (st->no == 0) {
        if (ms->get == st) ms->get = NULL;
    } else if (ms->idx_cap) {
        fmcp__mh_stream **pp = fmcp__mh_slot(ms, st->no);
        while (*pp && *pp != st) pp = &(*pp)->hnext;
        if (*pp) { *pp = st->hnext; ms->nidx--; }
    }
}

static void fmcp__mh_mark_done(fmcp__mh_session *ms, fmcp__mh_stream *st)
{
    if (!st->done) { st->done = 1; ms->ndone++; }
    fmcp__mh_uncount(ms, st);
}

/* Finished streams whose client never came back are kept for resumption;
 * cap them per session by dropping the oldest (the list is newest first).
 * The walk only happens once enough streams have finished. */
static void fmcp__mh_trim_parked(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    fmcp__mh_stream *st, *oldest = NULL;
    size_t n = 0;
    if (ms->ndone < FMCP__MH_MAX_PARKED) return;
    for (st = ms->streams; st; st = st->next)
        if (st->done && !st->req) { n++; oldest = st; }
    if (n < FMCP__MH_MAX_PARKED) return;
    fmcp__mh_unlink_stream(ms, oldest);
    fmcp__mh_stream_free(t, oldest);
}

static fmcp__mh_stream *fmcp__mh_stream_new(fmcp_http_endpoint *t, fmcp__mh_session *ms, int kind)
{
    fmcp__mh_stream *st, **sl;
    fmcp__mh_trim_parked(t, ms);
    if (kind != FMCP__MH_GET && ms->nidx >= ms->idx_cap && fmcp__mh_idx_grow(t, ms) != FMCP_OK && !ms->idx_cap)
        return NULL;
    st = (fmcp__mh_stream *)fmcp_malloc(t->a, sizeof *st);
    if (!st) return NULL;
    memset(st, 0, sizeof *st);
    st->ms = ms;
    st->kind = kind;
    st->no = kind == FMCP__MH_GET ? 0 : ++ms->next_no;
    st->state = kind == FMCP__MH_GET ? FMCP__MH_SSE : FMCP__MH_PENDING;
    st->next = ms->streams;
    if (ms->streams) ms->streams->prev = st;
    ms->streams = st;
    if (kind == FMCP__MH_GET) {
        ms->get = st;
    } else {
        sl = fmcp__mh_slot(ms, st->no);
        st->hnext = *sl;
        *sl = st;
        ms->nidx++;
    }
    return st;
}

static fmcp__mh_stream *fmcp__mh_find_no(fmcp__mh_session *ms, uint64_t no)
{
    fmcp__mh_stream *st;
    if (no == 0) return ms->get;
    if (!ms->idx_cap) return NULL;
    for (st = *fmcp__mh_slot(ms, no); st; st = st->hnext)
        if (st->no == no) return st;
    return NULL;
}

static fmcp__mh_stream *fmcp__mh_get_stream(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    fmcp__mh_stream *st = fmcp__mh_find_no(ms, 0);
    return st ? st : fmcp__mh_stream_new(t, ms, FMCP__MH_GET);
}

/* The POST stream holding request id `id` (raw JSON text). */
static fmcp__mh_stream *fmcp__mh_find_id(fmcp__mh_session *ms, const char *id, size_t n)
{
    fmcp__mh_stream *st;
    for (st = ms->streams; st; st = st->next) {
        size_t off = 0;
        while (st->ids && off < st->ids_len) {
            size_t l = strlen(st->ids + off);
            if (l == n && memcmp(st->ids + off, id, n) == 0) return st;
            off += l + 1;
        }
    }
    return NULL;
}

/* Write bytes to the attached connection; a dead connection detaches. */
static void fmcp__mh_write(fmcp_http_endpoint *t, fmcp__mh_stream *st, const char *p, size_t n)
{
    if (!st->req) return;
    if (!fmcp__mh_on_loop(t)) st->xthread = 1;
    if (fmcp_http_stream_write(st->req, p, n) == FMCP_OK) st->last_write = fmcp_monotonic_ms();
}

/* Bytes needed by fmcp__mh_fmt. */
static size_t fmcp__mh_fmt_cap(const char *event, const char *data, size_t len)
{
    size_t lines = 1, i;
    for (i = 0; i < len; i++) lines += data[i] == '\n';
    return len + lines * 6 + 96 + (event ? strlen(event) : 0);
}

/* "id:", optional "event:"/"retry:", one "data:" per line, blank line. */
static size_t fmcp__mh_fmt(char *p, size_t cap, const char *id, const char *event, int retry,
                           const char *data, size_t len)
{
    size_t i, n = 0;
    n += (size_t)snprintf(p + n, cap - n, "id: %s\n", id);
    if (event) n += (size_t)snprintf(p + n, cap - n, "event: %s\n", event);
    if (retry > 0) n += (size_t)snprintf(p + n, cap - n, "retry: %d\n", retry);
    memcpy(p + n, "data: ", 6); n += 6;
    for (i = 0; i < len; i++) {
        if (data[i] == '\r') continue;
        p[n++] = data[i];
        if (data[i] == '\n') { memcpy(p + n, "data: ", 6); n += 6; }
    }
    p[n++] = '\n'; p[n++] = '\n';
    return n;
}

/* Drop the oldest event of g (the head of its stream, as every stream's
 * events are in age order). A finished, detached stream left empty goes
 * too, so resuming it gets 404 like any unknown stream; `keep` stays. */
static void fmcp__mh_evict_one(fmcp_http_endpoint *t, fmcp__mh_ages *g, const fmcp__mh_stream *keep)
{
    fmcp__mh_ev *e = g->old;
    fmcp__mh_stream *st = e->st;
    st->head = e->next;
    if (!st->head) st->tail = NULL;
    st->nev--;
    fmcp__mh_ev_forget(t, e);
    if (!st->head && st->done && !st->req && st->no && st != keep) {
        fmcp__mh_unlink_stream(st->ms, st);
        fmcp__mh_stream_free(t, st);
    }
}

/* Replay bytes within the caps of the session, its principal and the
 * transport, oldest events first (locked). An event over a cap by itself
 * was written (when attached) but is not kept. */
static void fmcp__mh_enforce(fmcp_http_endpoint *t, fmcp__mh_session *ms, const fmcp__mh_stream *keep)
{
    while (ms->ages.old && ms->ages.bytes > t->d.replay_bytes) fmcp__mh_evict_one(t, &ms->ages, keep);
    while (ms->pr && ms->pr->ages.old && ms->pr->ages.bytes > t->d.replay_bytes_per_principal)
        fmcp__mh_evict_one(t, &ms->pr->ages, keep);
    while (t->ages.old && t->ages.bytes > t->d.replay_bytes_total) fmcp__mh_evict_one(t, &t->ages, keep);
}

/* Append an event to the replay buffer (bounded) and send it if attached. */
static fmcp_result fmcp__mh_emit(fmcp_http_endpoint *t, fmcp__mh_stream *st, const char *event, int retry,
                                 const char *json, size_t len)
{
    char id[48];
    size_t cap = fmcp__mh_fmt_cap(event, json, len);
    fmcp__mh_ev *e = (fmcp__mh_ev *)fmcp_malloc(t->a, sizeof *e + cap);
    if (!e) return FMCP_ERR_NOMEM;
    snprintf(id, sizeof id, "%llu_%llu", (unsigned long long)st->no, (unsigned long long)(st->seq + 1));
    e->next = NULL;
    e->st = st;
    e->seq = ++st->seq;
    e->data = (char *)(e + 1);
    e->cap = cap;
    e->len = fmcp__mh_fmt(e->data, cap, id, event, retry, json, len);
    if (st->tail) st->tail->next = e; else st->head = e;
    st->tail = e;
    fmcp__mh_ev_keep(t, e);
    if (++st->nev > t->d.replay_events) {
        fmcp__mh_ev *old = st->head;
        st->head = old->next;
        st->nev--;
        fmcp__mh_ev_forget(t, old);
    }
    fmcp__mh_write(t, st, e->data, e->len);
    fmcp__mh_enforce(t, st->ms, st);
    return FMCP_OK;
}

/* Start SSE on a held POST: headers, then the priming event (id + retry). */
static void fmcp__mh_start_sse(fmcp_http_endpoint *t, fmcp__mh_session *ms, fmcp__mh_stream *st)
{
    st->state = FMCP__MH_SSE;
    if (st->req && !fmcp__mh_on_loop(t)) st->xthread = 1;
    if (st->req && fmcp__mh_sse_start(t, ms, st->req) == FMCP_OK) st->last_write = fmcp_monotonic_ms();
    else if (st->req) {   /* no stream: the client may still resume it with GET */
        fmcp__mh_answer(t, st->req, 500, NULL, 0, NULL, 0);
        st->req = NULL;
    }
    (void)fmcp__mh_emit(t, st, NULL, t->d.retry_ms, "", 0);
    if (st->resp) {   /* a response already buffered goes first */
        (void)fmcp__mh_emit(t, st, NULL, 0, st->resp, st->resp_len);
        fmcp_free(t->a, st->resp, st->resp_len + 1);
        st->resp = NULL;
    }
}

/* Finish the attached request, whatever state it is in. */
static void fmcp__mh_release_req(fmcp_http_endpoint *t, fmcp__mh_stream *st, int status)
{
    fmcp_http_req *req = st->req;
    if (!req) return;
    st->req = NULL;
    if (st->state == FMCP__MH_SSE) fmcp__mh_end(t, req, st->xthread);
    else fmcp__mh_fail(t, req, status, -32000, status == 404 ? "Session terminated" : "Request aborted");
}

/* The buffered answer of a held POST: JSON (403 when the engine says so) or 202. */
static void fmcp__mh_finish_pending(fmcp_http_endpoint *t, fmcp__mh_session *ms, fmcp__mh_stream *st)
{
    fmcp_http_req *req = st->req;
    st->req = NULL;
    if (!req) return;
    if (st->resp) {
        int status = st->resp_status ? st->resp_status : 200;
        fmcp__mh_respond(t, req, ms, status, "application/json", st->resp, st->resp_len);
    } else if (st->resp_lost) {   /* not a 202: the client would wait for an answer that never comes */
        fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Out of memory");
    } else {
        fmcp__mh_respond(t, req, ms, 202, NULL, NULL, 0);
    }
}

static int fmcp__mh_has_result(const fmcp_allocator *a, const char *json, size_t len)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *doc;
    int ok;
    memset(&o, 0, sizeof o);
    o.alloc = a;
    if (fmcp_json_parse(json, len, &o, &doc, NULL) != FMCP_OK) return 0;
    ok = fmcp_json_get(fmcp_json_root(doc), "result") != NULL;
    fmcp_json_doc_destroy(doc);
    return ok;
}

/* ---- engine callbacks (any thread) ------------------------------------------------ */

static fmcp__mh_stream *fmcp__mh_route(fmcp__mh_session *ms, const fmcp_send_info *info)
{
    fmcp__mh_stream *st = NULL;
    if (ms->legacy) return NULL;
    if (info->tag) st = fmcp__mh_find_no(ms, (uint64_t)(uintptr_t)info->tag);
    if (!st && info->related_id) st = fmcp__mh_find_id(ms, info->related_id, info->related_id_len);
    return st && !st->done && st->no ? st : NULL;
}

static fmcp_result fmcp__mh_on_send(void *user, const char *json, size_t len, const fmcp_send_info *info)
{
    fmcp__mh_session *ms = (fmcp__mh_session *)user;
    fmcp_http_endpoint *t = ms->t;
    fmcp__mh_stream *st;
    fmcp_result rc = FMCP_OK;
    FMCP__MH_LOCK(t);
    if (ms->dead) { FMCP__MH_UNLOCK(t); return FMCP_ERR_CLOSED; }
    fmcp__mh_touch(t, ms);
    st = fmcp__mh_route(ms, info);
    if (st && st->init_post && info->is_response) st->init_ok = fmcp__mh_has_result(t->a, json, len);
    if (st && st->state == FMCP__MH_PENDING) {
        if (info->is_response && !st->resp) {
            st->resp = fmcp__strndup(t->a, json, len);
            st->resp_len = len;
            st->resp_status = info->http_status;
            st->resp_lost = !st->resp;
            FMCP__MH_UNLOCK(t);
            return st->resp ? FMCP_OK : FMCP_ERR_NOMEM;
        }
        if (t->d.json_only) st = NULL;
        else fmcp__mh_start_sse(t, ms, st);
    }
    if (!st && !ms->temp && !(st = fmcp__mh_get_stream(t, ms))) rc = FMCP_ERR_NOMEM;
    if (st) rc = fmcp__mh_emit(t, st, ms->legacy ? "message" : NULL, 0, json, len);
    FMCP__MH_UNLOCK(t);
    return rc;
}

static void fmcp__mh_flag_reap(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    if (!ms->reap) { ms->reap = 1; t->nreap++; t->nreap_temp += ms->temp; }
}

static void fmcp__mh_on_done(void *user, void *tag)
{
    fmcp__mh_session *ms = (fmcp__mh_session *)user;
    fmcp_http_endpoint *t = ms->t;
    fmcp__mh_stream *st;
    FMCP__MH_LOCK(t);
    st = tag && !ms->dead ? fmcp__mh_find_no(ms, (uint64_t)(uintptr_t)tag) : NULL;
    if (st) {
        fmcp__mh_mark_done(ms, st);
        if ((st->init_post && !st->init_ok) || ms->temp) fmcp__mh_flag_reap(t, ms);
        if (st->state == FMCP__MH_PENDING || st->req) {
            if (st->state == FMCP__MH_PENDING) fmcp__mh_finish_pending(t, ms, st);
            else fmcp__mh_release_req(t, st, 200);
            fmcp__mh_unlink_stream(ms, st);
            fmcp__mh_stream_free(t, st);
        }
        /* else: detached SSE; its events wait for a resume or the session's end */
    }
    FMCP__MH_UNLOCK(t);
}

/* ---- sessions (created and destroyed on the loop thread only) -------------------- */

/* Bucket from the first id byte: the id is random, so this is uniform and
 * leaks nothing an attacker does not already choose. */
static size_t fmcp__mh_bucket(const char *id)
{
    int hi = fmcp__hexval((unsigned char)id[0]), lo = hi < 0 ? -1 : fmcp__hexval((unsigned char)id[1]);
    return lo < 0 ? FMCP__MH_BUCKETS : (size_t)(hi * 16 + lo);
}

static void fmcp__mh_link(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    fmcp__mh_session **head = ms->temp ? &t->temps : &t->buckets[fmcp__mh_bucket(ms->id)];
    ms->next = *head;
    *head = ms;
    if (!ms->temp) t->nsessions++;
}

/* Remove from the table and mark dead (locked). */
static void fmcp__mh_unlink(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    fmcp__mh_session **pp = ms->temp ? &t->temps : &t->buckets[fmcp__mh_bucket(ms->id)];
    while (*pp && *pp != ms) pp = &(*pp)->next;
    if (*pp) { *pp = ms->next; if (!ms->temp) t->nsessions--; }
    if (ms->pr && !ms->dead) {   /* no longer counts against its principal's session cap */
        if (ms->pprev) ms->pprev->pnext = ms->pnext; else ms->pr->sessions = ms->pnext;
        if (ms->pnext) ms->pnext->pprev = ms->pprev;
        ms->pnext = ms->pprev = NULL;
        ms->pr->nsessions--;
    }
    if (ms->reap) { t->nreap--; t->nreap_temp -= ms->temp; }
    ms->dead = 1;
    ms->next = NULL;
}

/* Lookup by id (locked); ids compare in constant time. */
static fmcp__mh_session *fmcp__mh_lookup(fmcp_http_endpoint *t, const char *id)
{
    size_t b;
    fmcp__mh_session *ms;
    if (!id || strlen(id) != 32 || (b = fmcp__mh_bucket(id)) >= FMCP__MH_BUCKETS) return NULL;
    for (ms = t->buckets[b]; ms; ms = ms->next)
        if (fmcp_ct_equal(ms->id, id, 32) && !ms->reap) return ms;
    return NULL;
}

/* ---- principals: quotas per client ---------------------------------------------- */

static size_t fmcp__mh_phash(const char *k)
{
    uint32_t h = 2166136261u;
    for (; *k; k++) h = (h ^ (unsigned char)*k) * 16777619u;
    return (size_t)(h % FMCP__MH_BUCKETS);
}

/* The record for key, created at need with no reference (locked). */
static fmcp__mh_principal *fmcp__mh_principal_get(fmcp_http_endpoint *t, const char *key)
{
    size_t b = fmcp__mh_phash(key), n = strlen(key);
    fmcp__mh_principal *pr;
    for (pr = t->principals[b]; pr; pr = pr->next)
        if (strcmp(pr->key, key) == 0) return pr;
    if (n >= sizeof pr->key || !(pr = (fmcp__mh_principal *)fmcp_malloc(t->a, sizeof *pr))) return NULL;
    memset(pr, 0, sizeof *pr);
    memcpy(pr->key, key, n + 1);
    pr->next = t->principals[b];
    t->principals[b] = pr;
    return pr;
}

/* Drop a reference; the last one frees the record (locked). */
static void fmcp__mh_principal_put(fmcp_http_endpoint *t, fmcp__mh_principal *pr)
{
    fmcp__mh_principal **pp;
    if (--pr->refs) return;
    for (pp = &t->principals[fmcp__mh_phash(pr->key)]; *pp && *pp != pr; pp = &(*pp)->next) {}
    if (*pp) *pp = pr->next;
    fmcp_free(t->a, pr, sizeof *pr);
}

/* Without an identity the client address stands for the principal; an IPv6
 * client usually holds a whole /64, so that is what counts. */
static void fmcp__mh_addr_key(const fmcp_http_req *req, char out[FMCP_PRINCIPAL_SIZE])
{
    const char *r = fmcp_http_req_remote(req), *end;
    char buf[64];
    unsigned char a[16];
    size_t n;
    if (!r) r = "";
    if (*r == '[') { r++; end = strchr(r, ']'); }
    else end = strrchr(r, ':');
    n = end ? (size_t)(end - r) : strlen(r);
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, r, n);
    buf[n] = 0;
    if (inet_pton(AF_INET6, buf, a) == 1) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(a, mapped, 12) == 0) {
            snprintf(out, FMCP_PRINCIPAL_SIZE, "a4:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
            return;
        }
        memcpy(out, "a6:", 3);
        fmcp__hex(out + 3, a, 8);
        return;
    }
    snprintf(out, FMCP_PRINCIPAL_SIZE, "a4:%.61s", buf);
}

/* The principal's least recently used session with nothing in flight and
 * no connection attached (locked). */
static fmcp__mh_session *fmcp__mh_oldest_idle(fmcp__mh_principal *pr)
{
    fmcp__mh_session *ms, *best = NULL;
    for (ms = pr->sessions; ms; ms = ms->pnext) {
        const fmcp__mh_stream *st;
        int idle = 1;
        for (st = ms->streams; st && idle; st = st->next)
            if (st->req || st->state == FMCP__MH_PENDING || (st->no && !st->done)) idle = 0;
        if (idle && (!best || ms->used < best->used)) best = ms;
    }
    return best;
}

static void fmcp__mh_session_free(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    if (ms->pr) {
        FMCP__MH_LOCK(t);
        fmcp__mh_principal_put(t, ms->pr);
        FMCP__MH_UNLOCK(t);
    }
    if (ms->idx) fmcp_free(t->a, ms->idx, ms->idx_cap * sizeof *ms->idx);
    fmcp_wipe(ms->id, sizeof ms->id);
    fmcp_free(t->a, ms, sizeof *ms);
}

/* Close the engine session, then answer whatever requests it still holds. */
static void fmcp__mh_destroy(fmcp_http_endpoint *t, fmcp__mh_session *ms)
{
    fmcp_session_destroy(ms->s);
    FMCP__MH_LOCK(t);
    while (ms->streams) {
        fmcp__mh_stream *st = ms->streams;
        fmcp__mh_unlink_stream(ms, st);
        fmcp__mh_release_req(t, st, 404);
        fmcp__mh_stream_free(t, st);
    }
    FMCP__MH_UNLOCK(t);
    fmcp__mh_session_free(t, ms);
}

static fmcp_result fmcp__mh_new_id(char out[33])
{
    unsigned char r[16];
    fmcp_result rc = fmcp_random_bytes(r, sizeof r);
    if (rc != FMCP_OK) return rc;
    fmcp__hex(out, r, sizeof r);
    fmcp_wipe(r, sizeof r);
    return FMCP_OK;
}

static fmcp_result fmcp__mh_session_make(fmcp_http_endpoint *t, int temp, int legacy, const fmcp_auth_info *au,
                                         fmcp__mh_principal *pr, fmcp__mh_session **out)
{
    fmcp_session_desc sd;
    fmcp_result rc = FMCP_OK;
    fmcp__mh_session *ms;
    if (!temp && t->nsessions >= t->d.max_sessions) return FMCP_ERR_TOO_LARGE;
    ms = (fmcp__mh_session *)fmcp_malloc(t->a, sizeof *ms);
    if (!ms) return FMCP_ERR_NOMEM;
    memset(ms, 0, sizeof *ms);
    ms->t = t; ms->temp = temp; ms->legacy = legacy;
    ms->last_used = fmcp_monotonic_ms();
    if (!temp) rc = fmcp__mh_new_id(ms->id);
    (void)fmcp_auth_info_principal(au, ms->owner);
    memset(&sd, 0, sizeof sd);
    sd.send = fmcp__mh_on_send; sd.on_done = fmcp__mh_on_done; sd.user = ms; sd.auth = au;
    if (!rc) rc = fmcp_session_create(t->srv, &sd, &ms->s);
    if (rc) { fmcp__mh_session_free(t, ms); return rc; }
    FMCP__MH_LOCK(t);
    fmcp__mh_link(t, ms);
    ms->used = ++t->uses;
    if (pr) {
        ms->pr = pr;
        pr->refs++;
        pr->nsessions++;
        ms->pnext = pr->sessions;
        if (pr->sessions) pr->sessions->pprev = ms;
        pr->sessions = ms;
    }
    FMCP__MH_UNLOCK(t);
    *out = ms;
    return FMCP_OK;
}

/* A temporary session (stateless, 2026-07-28): no quota record. */
static fmcp_result fmcp__mh_session_new(fmcp_http_endpoint *t, int temp, int legacy, const fmcp_auth_info *au,
                                        fmcp__mh_session **out)
{
    return fmcp__mh_session_make(t, temp, legacy, au, NULL, out);
}

/* An addressable session within the caps. At its own cap the principal's
 * oldest idle session goes, else it gets 429; with the table full, the
 * oldest idle session of the principal holding the most goes when that one
 * holds more than this one would, else 503. Others are never refused for
 * what one principal holds. *status: the HTTP status on failure. Loop thread. */
static fmcp_result fmcp__mh_session_open(fmcp_http_endpoint *t, fmcp_http_req *req, int legacy, const fmcp_auth_info *au,
                                         fmcp__mh_session **out, int *status)
{
    char key[FMCP_PRINCIPAL_SIZE];
    fmcp__mh_principal *pr, *p, *big = NULL;
    fmcp__mh_session *victim = NULL;
    fmcp_result rc;
    size_t b;
    int refuse = 0;
    *status = 500;
    if (!fmcp_auth_info_principal(au, key)) fmcp__mh_addr_key(req, key);
    FMCP__MH_LOCK(t);
    if (!(pr = fmcp__mh_principal_get(t, key))) { FMCP__MH_UNLOCK(t); return FMCP_ERR_NOMEM; }
    pr->refs++;   /* held while unlocked */
    if (pr->nsessions >= t->d.max_sessions_per_principal) {
        if (!(victim = fmcp__mh_oldest_idle(pr))) refuse = 429;
    } else if (t->nsessions >= t->d.max_sessions) {
        for (b = 0; b < FMCP__MH_BUCKETS; b++)
            for (p = t->principals[b]; p; p = p->next)
                if (!big || p->nsessions > big->nsessions) big = p;
        if (big && big->nsessions > pr->nsessions + 1) victim = fmcp__mh_oldest_idle(big);
        if (!victim) refuse = 503;
    }
    if (victim) fmcp__mh_unlink(t, victim);
    FMCP__MH_UNLOCK(t);
    if (victim) fmcp__mh_destroy(t, victim);
    rc = refuse ? FMCP_ERR_TOO_LARGE : fmcp__mh_session_make(t, 0, legacy, au, pr, out);
    FMCP__MH_LOCK(t);
    fmcp__mh_principal_put(t, pr);
    FMCP__MH_UNLOCK(t);
    if (refuse) *status = refuse;
    return rc;
}

/* Destroy flagged sessions (and idle ones when check_idle). Loop thread. */
static void fmcp__mh_reap(fmcp_http_endpoint *t, int check_idle)
{
    fmcp__mh_session *dead = NULL, *ms, *nx;
    int64_t now = fmcp_monotonic_ms();
    size_t b;
    FMCP__MH_LOCK(t);
    if (!check_idle && !t->nreap) { FMCP__MH_UNLOCK(t); return; }
    /* stateless traffic flags only temporary sessions: skip the table then */
    for (b = check_idle || t->nreap > t->nreap_temp ? 0 : FMCP__MH_BUCKETS; b <= FMCP__MH_BUCKETS; b++) {
        for (ms = b < FMCP__MH_BUCKETS ? t->buckets[b] : t->temps; ms; ms = nx) {
            int idle = check_idle && t->d.session_timeout_ms > 0 && now - ms->last_used > t->d.session_timeout_ms;
            fmcp__mh_stream *st;
            nx = ms->next;
            for (st = ms->streams; idle && st; st = st->next)
                if (st->req || st->state == FMCP__MH_PENDING) idle = 0;
            if (!ms->reap && !idle) continue;
            fmcp__mh_unlink(t, ms);
            ms->next = dead;
            dead = ms;
        }
    }
    FMCP__MH_UNLOCK(t);
    for (ms = dead; ms; ms = nx) { nx = ms->next; fmcp__mh_destroy(t, ms); }
}

/* The stream holding req, over every session (locked). */
static fmcp__mh_stream *fmcp__mh_find_req(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp__mh_session **owner)
{
    size_t b;
    fmcp__mh_session *ms;
    fmcp__mh_stream *st;
    for (b = 0; b <= FMCP__MH_BUCKETS; b++)
        for (ms = b < FMCP__MH_BUCKETS ? t->buckets[b] : t->temps; ms; ms = ms->next)
            for (st = ms->streams; st; st = st->next)
                if (st->req == req) { *owner = ms; return st; }
    return NULL;
}

/* The peer went away: detach (SSE streams stay resumable). */
static void fmcp__mh_on_close(fmcp_http_req *req, void *user)
{
    fmcp_http_endpoint *t = (fmcp_http_endpoint *)user;
    fmcp__mh_session *ms = NULL;
    fmcp__mh_stream *st;
    fmcp__mh_mark_loop(t);
    FMCP__MH_LOCK(t);
    st = fmcp__mh_find_req(t, req, &ms);
    if (st) {
        fmcp__mh_release_req(t, st, 500);
        /* a temporary session has no way back: its requests end with the
         * connection (2026-07-28: a broken stream ends the request, and a
         * subscriptions/listen with it) */
        if (ms->legacy || ms->temp) fmcp__mh_flag_reap(t, ms);
    }
    FMCP__MH_UNLOCK(t);
}

#endif /* FASTMCP_NO_SOCKETS */
