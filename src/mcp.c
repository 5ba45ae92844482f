/* mcp: implementation. The engine's core: the server object (registry,
 * lifecycle, worker pool), identities and sessions (sending, lifecycle).
 * mcp_ctx.c (handler contexts) and mcp_route.c (requests) follow in the same
 * translation unit and share the types below. */
#include "mcp_schema.h"
#include "mcp.h"

#include <string.h>
#include <stdio.h>

/* ---- threads: thin wrappers that vanish without threads ------------------ */

#ifndef FASTMCP_NO_THREADS
typedef fmcp__mutex fmcp__mcp_mutex;
#  define FMCP__MINIT(m) fmcp__mutex_init((m))
#  define FMCP__MFREE(m) fmcp__mutex_destroy(m)
#  define FMCP__LOCK(m) fmcp__mutex_lock(m)
#  define FMCP__UNLOCK(m) fmcp__mutex_unlock(m)
#else
typedef int fmcp__mcp_mutex;
#  define FMCP__MINIT(m) (*(m) = 0)
#  define FMCP__MFREE(m) ((void)(m))
#  define FMCP__LOCK(m) ((void)(m))
#  define FMCP__UNLOCK(m) ((void)(m))
#endif

/* ---- small helpers ------------------------------------------------------- */

#ifdef FMCP__SMALL
#include <stdarg.h>
/* snprintf for the few formats the engine and the stream transport use (%s,
 * %.Ns, %.*s, %d, %lu, %%), so that small builds link no printf (about 3 KB
 * on newlib-nano). Same output and return value as snprintf for those
 * (nothing else is understood). */
static int fmcp__mcp_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        char num[24];
        const char *p;
        size_t len, max = (size_t)-1;
        if (*fmt != '%' || *++fmt == '%') {
            p = fmt; len = 1;
        } else {
            if (*fmt == '.') {
                if (*++fmt == '*') { max = (size_t)va_arg(ap, int); fmt++; }
                else for (max = 0; *fmt >= '0' && *fmt <= '9'; fmt++) max = max * 10 + (size_t)(*fmt - '0');
            }
            if (*fmt == 's') {
                p = va_arg(ap, const char *);
                for (len = 0; len < max && p[len]; len++) {}
            } else {
                char *q = num + sizeof num;
                unsigned long u;
                int neg = 0;
                if (*fmt == 'd') { long d = va_arg(ap, int); neg = d < 0; u = neg ? 0ul - (unsigned long)d : (unsigned long)d; }
                else { fmt++; u = va_arg(ap, unsigned long); }   /* "lu" */
                do *--q = (char)('0' + u % 10); while ((u /= 10) != 0);
                if (neg) *--q = '-';
                p = q;
                len = (size_t)(num + sizeof num - q);
            }
        }
        if (n < cap) memcpy(buf + n, p, cap - n - 1 < len ? cap - n - 1 : len);
        n += len;
    }
    va_end(ap);
    if (cap) buf[n < cap ? n : cap - 1] = 0;
    return (int)n;
}
#  define FMCP__SNPRINTF fmcp__mcp_snprintf
#else
#  define FMCP__SNPRINTF snprintf
#endif

/* Drops one of the count *n under lock; 1 when it was the last. */
static int fmcp__mcp_drop(fmcp__mcp_mutex *lock, int *n)
{
    int z;
    FMCP__LOCK(lock);
    z = --*n == 0;
    FMCP__UNLOCK(lock);
    return z;
}

/* NULL stays NULL (and is not an error): *ok is cleared only on NOMEM. */
static char *fmcp__mcp_strdup_opt(const fmcp_allocator *a, const char *s, int *ok)
{
    char *p;
    if (!s) return NULL;
    p = fmcp__strndup(a, s, strlen(s));
    if (!p) *ok = 0;
    return p;
}


/* Growable pointer array (items of lists, subscriptions). */
typedef struct fmcp__mcp_vec {
    void **v;
    size_t n, cap;
} fmcp__mcp_vec;

static fmcp_result fmcp__mcp_vec_push(const fmcp_allocator *a, fmcp__mcp_vec *vec, void *p)
{
    if (vec->n == vec->cap) {
        size_t nc = vec->cap ? vec->cap * 2 : 8;
        void **nv = (void **)fmcp_realloc(a, vec->v, vec->cap * sizeof(void *), nc * sizeof(void *));
        if (!nv) return FMCP_ERR_NOMEM;
        vec->v = nv;
        vec->cap = nc;
    }
    vec->v[vec->n++] = p;
    return FMCP_OK;
}

static void fmcp__mcp_vec_del(fmcp__mcp_vec *vec, size_t i)
{
    memmove(vec->v + i, vec->v + i + 1, (vec->n - i - 1) * sizeof(void *));
    vec->n--;
}

static void fmcp__mcp_vec_free(const fmcp_allocator *a, fmcp__mcp_vec *vec)
{
    fmcp_free(a, vec->v, vec->cap * sizeof(void *));
    vec->v = NULL;
    vec->n = vec->cap = 0;
}

/* Serialise a parsed value into a fresh NUL-terminated string. */
static char *fmcp__mcp_json_text(const fmcp_allocator *a, const fmcp_json *v, size_t *len)
{
    size_t need = 0;
    char *p;
    if (fmcp_json_write(v, NULL, 0, &need) != FMCP_ERR_BUFFER_TOO_SMALL || need == 0) return NULL;
    p = (char *)fmcp_malloc(a, need);
    if (!p) return NULL;
    if (fmcp_json_write(v, p, need, NULL) != FMCP_OK) { fmcp_free(a, p, need); return NULL; }
    *len = need - 1;
    return p;
}

static const char *const fmcp__mcp_default_versions[] = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

static const char *const fmcp__mcp_level_names[] = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"
};

/* ---- data structures ----------------------------------------------------- */

typedef struct fmcp__mcp_item {
    fmcp_item_kind kind;
    char *name;              /* tool/prompt name, resource URI, URI template */
    char *scopes;
    char *listing;           /* JSON object for the list responses */
    size_t listing_len;
    fmcp_json_doc *schema;   /* tools: input schema used for validation */
    fmcp_handler_fn handler;
    void *user;
    int run_inline;          /* tools: run on the receiving thread, not the pool */
    fmcp_complete_fn complete;
    void *complete_user;
    char *mime, *text;       /* fixed resource content */
    unsigned char *blob;
    size_t blob_len;
    int has_fixed;
    char **req_args;         /* prompts: names of required arguments */
    size_t n_req;
    int64_t ttl_ms;          /* resources: ttlMs of resources/read (0 = the server's) */
    int task_support;        /* tools: FMCP_TASK_* (mcp_tasks.c) */
    int has_xhdr;            /* tools: the input schema mentions x-mcp-header */
} fmcp__mcp_item;

/* Refcounted deep copy of an fmcp_auth_info. */
typedef struct fmcp__mcp_auth {
    fmcp_auth_info info;
    int refs;
} fmcp__mcp_auth;

/* A parsed incoming message, shared by the requests of a batch. */
typedef struct fmcp__mcp_msg {
    fmcp_json_doc *doc;
    int refs;
} fmcp__mcp_msg;

/* One fmcp_session_receive call: on_done fires when pending reaches 0. */
typedef struct fmcp__mcp_group {
    void *tag;
    int pending;
    int collecting;             /* receive running: jobs wait in the list below */
    int dropped;                /* the message was not taken (no memory): no on_done */
    struct fmcp_ctx *jobs, *jobs_tail;
} fmcp__mcp_group;

/* Responses of a JSON-RPC batch, sent together. */
typedef struct fmcp__mcp_batch {
    char *buf;
    size_t len, cap;
    int pending, count;
    fmcp__mcp_group *group;
} fmcp__mcp_batch;

/* An outgoing server-to-client request. */
typedef struct fmcp__mcp_pending {
    int64_t id;
    int64_t deadline;          /* fmcp_monotonic_ms, 0 = none */
    fmcp_reply_fn cb;
    void *cb_user;
    const void *owner;         /* the fmcp_ctx that asked (cancellation) */
    struct fmcp__mcp_pending *next;
} fmcp__mcp_pending;

typedef enum fmcp__mcp_kind {
    FMCP__K_TOOL = 0, FMCP__K_RESOURCE, FMCP__K_PROMPT, FMCP__K_COMPLETE,
    FMCP__K_LISTEN            /* 2026-07-28 subscriptions/listen: open until cancelled */
} fmcp__mcp_kind;

/* What a 2026-07-28 request says about itself in _meta (see mcp_era.c). */
#define FMCP__CAP_SAMPLING 1
#define FMCP__CAP_ELICIT 2
#define FMCP__CAP_ROOTS 4
#define FMCP__CAP_TASKS 8
typedef struct fmcp__mcp_era {
    int modern;               /* served statelessly under 2026-07-28 */
    int caps;                 /* FMCP__CAP_* the request declared */
    int log_level;            /* -1: no notifications/message for it */
} fmcp__mcp_era;

struct fmcp__era_mrtr;

struct fmcp_ctx {
    fmcp_session *s;
    fmcp__mcp_msg *msg;
    fmcp__mcp_group *group;
    fmcp__mcp_batch *batch;
    fmcp__mcp_auth *auth;
    fmcp__mcp_kind kind;
    const fmcp_json *params, *args;
    size_t size;              /* allocation: the struct, then id and name text */
    char *id;                 /* raw id text */
    size_t id_len;
    char *name;               /* tool/prompt name or resource URI */
    char *uri;                /* resources/read */
    char **vars;              /* template variables: name, value pairs */
    size_t n_vars;
    fmcp_handler_fn handler;
    fmcp_complete_fn complete;
    void *user;
    char *carg, *cvalue;      /* completion argument name and value */
    char *progress_token;     /* raw JSON text, NULL = none */
    size_t progress_token_len;
    double last_progress;
    int has_progress;
    int cancelled, deferred, inline_run;
    int holds;                /* see fmcp__mcp_ctx_release */
    fmcp_result rc_hold;
    fmcp_json_writer w;       /* the response, written as it is built */
    size_t blocks;
    int has_text, is_error;
    char role[16];
    char *structured;
    size_t structured_len;
    char *description;
    int64_t ctotal;
    int has_ctotal, chas_more;
    int err_code;
    char *err_msg;
    int64_t t0;               /* dispatch time for the call observer */
    fmcp_call_observer_fn observe;  /* snapshot at dispatch (a later set does not race) */
    void *observe_user;
    fmcp__mcp_era era;
    struct fmcp__era_mrtr *mrtr;  /* multi round-trip state (mcp_era.c), NULL until used */
    int64_t ttl_ms;           /* resources/read: the item's ttlMs (0 = the server's) */
    int listen_ended;         /* FMCP__K_LISTEN: whoever sets it releases the ctx */
    struct fmcp__task_run *task;  /* the task this call runs as (mcp_tasks.c), NULL = none */
    struct fmcp_ctx *next, *prev; /* in-flight list (doubly linked: O(1) removal) */
    struct fmcp_ctx *qnext;   /* job queue */
};

struct fmcp_session {
    fmcp_server *srv;
    const fmcp_allocator *alloc;
    fmcp_session_desc d;
    fmcp__mcp_auth *auth;
    fmcp__mcp_mutex lock;         /* state below */
    fmcp__mcp_mutex send_lock;    /* serialises sends and on_done */
    int refs;
    int closed, initialized;
    char version[16];
    int cap_sampling, cap_elicitation, cap_roots;
    fmcp_log_level level;
    fmcp__mcp_vec subs;           /* subscribed URIs (char *) */
    fmcp_ctx *inflight;
    fmcp__mcp_pending *pending;
    int64_t next_id;
};

struct fmcp_server {
    const fmcp_allocator *alloc;
    fmcp_allocator alloc_copy;
    char *name, *title, *version, *instructions;
    const char *const *versions;
    size_t page_size;
    void (*log)(void *user, fmcp_log_level level, const char *message);
    void *log_user;
    fmcp_authorize_fn authorize;
    void *authorize_user;
    fmcp_call_observer_fn observe;  /* fmcp_server_set_call_observer */
    void *observe_user;
    fmcp__mcp_mutex lock;         /* registry, sessions */
    fmcp__mcp_vec items[4];       /* by fmcp_item_kind */
    fmcp__mcp_vec sessions;
    int inline_handlers;
    int n_xhdr;                   /* tools whose schema has x-mcp-header (most servers: 0) */
    int modern_only, cache_private;
    int64_t state_ttl_ms, cache_ttl_ms;
    unsigned char state_key[32];  /* requestState HMAC key (mcp_era.c) */
    char *era_meta;               /* {"_meta":{"io.modelcontextprotocol/serverInfo":{...}}}, built once */
    size_t era_meta_len;
    int has_state_key;
    struct fmcp__tasks *tasks;    /* the tasks extension (mcp_tasks.c) */
#ifndef FASTMCP_NO_THREADS
    fmcp__thread *threads;
    int nthreads;
    fmcp__mutex qlock;
    fmcp__cond qcond;
    int qmono;                /* qcond runs on the monotonic clock */
    fmcp_ctx *qhead, *qtail;
    int qlen;
    int stopping;
    int idle;                 /* workers waiting on qcond */
    int busy;                 /* workers running a job */
    int signaled;             /* wake-ups sent and not yet taken up */
    int sentinel;             /* an idle worker polls the queue (see fmcp__mcp_wait_job) */
    int watch;                /* the worker being woken is to become the sentinel */
    int dozing;               /* the sentinel backs off: pushes wake it */
    unsigned long done;       /* jobs finished (does the sentinel see progress?) */
#endif
};

/* The 2026-07-28 half of the engine lives in mcp_era.c, later in the same
 * translation unit; these are its entry points. */
struct fmcp__mcp_req;
static int fmcp__era_detect(struct fmcp__mcp_req *r, const char *method);
static void fmcp__era_request(struct fmcp__mcp_req *r, const char *method);
static void fmcp__era_refuse_initialize(struct fmcp__mcp_req *r);
static void fmcp__era_req_tail(struct fmcp__mcp_req *r, fmcp_json_writer *w);
static void fmcp__era_ctx_tail(fmcp_ctx *c, fmcp_json_writer *w);
static int fmcp__era_ctx_setup(struct fmcp__mcp_req *r, fmcp_ctx *c);
static int fmcp__era_complete(fmcp_ctx *c, fmcp_result rc);
static void fmcp__era_ctx_free(fmcp_ctx *c);
static void fmcp__era_notify_locked(fmcp_server *srv, const char *method, const char *uri);
static fmcp_result fmcp__era_server_init(fmcp_server *srv, const fmcp_server_desc *d);
/* The tasks extension (mcp_tasks.c). */
static fmcp_result fmcp__tasks_init(fmcp_server *srv, const fmcp_server_desc *d);
static void fmcp__tasks_free(fmcp_server *srv);
static void fmcp__tasks_stop(fmcp_server *srv);
static int fmcp__tasks_call(struct fmcp__mcp_req *r, fmcp_ctx *c, int support);
static void fmcp__tasks_settle(fmcp_ctx *c, fmcp_result rc, int cancelled);
static void fmcp__tasks_write_ext(fmcp_json_writer *w);

/* ---- registry ------------------------------------------------------------ */

static void fmcp__mcp_item_free(const fmcp_allocator *a, fmcp__mcp_item *it)
{
    size_t i;
    if (!it) return;
    fmcp__strfree(a, it->name, 0);
    fmcp__strfree(a, it->scopes, 0);
    if (it->listing) fmcp_free(a, it->listing, it->listing_len + 1);
    if (it->schema) fmcp_json_doc_destroy(it->schema);
    fmcp__strfree(a, it->mime, 0);
    fmcp__strfree(a, it->text, 0);
    if (it->blob) fmcp_free(a, it->blob, it->blob_len);
    for (i = 0; i < it->n_req; i++) fmcp__strfree(a, it->req_args[i], 0);
    if (it->req_args) fmcp_free(a, it->req_args, it->n_req * sizeof(char *));
    fmcp_free(a, it, sizeof *it);
}

static fmcp__mcp_item *fmcp__mcp_item_new(const fmcp_allocator *a, fmcp_item_kind kind, const char *name,
                                          const char *scopes, fmcp_handler_fn handler, void *user)
{
    int ok = 1;
    fmcp__mcp_item *it = (fmcp__mcp_item *)fmcp_malloc(a, sizeof *it);
    if (!it) return NULL;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->handler = handler;
    it->user = user;
    it->name = fmcp__mcp_strdup_opt(a, name, &ok);
    it->scopes = fmcp__mcp_strdup_opt(a, scopes, &ok);
    if (!ok) { fmcp__mcp_item_free(a, it); return NULL; }
    return it;
}

static void fmcp__mcp_jw_opt(fmcp_json_writer *w, const char *key, const char *val)
{
    if (val) { fmcp_jw_key(w, key); fmcp_jw_str(w, val); }
}

/* Raw JSON member whose text must be a JSON object. */
static fmcp_result fmcp__mcp_jw_raw_object(fmcp_json_writer *w, const fmcp_allocator *a, const char *key,
                                       const char *json, size_t len)
{
    fmcp_json_doc *doc;
    fmcp_json_parse_options o;
    fmcp_result r;
    memset(&o, 0, sizeof o);
    o.alloc = a;
    r = fmcp_json_parse(json, len, &o, &doc, NULL);
    if (r != FMCP_OK) return r;
    if (!fmcp_json_is(fmcp_json_root(doc), FMCP_JSON_OBJECT)) r = FMCP_ERR_TYPE;
    else if ((r = fmcp_schema_check(fmcp_json_root(doc), NULL, 0)) == FMCP_OK) {   /* outputSchema */
        fmcp_jw_key(w, key);
        fmcp_jw_value(w, fmcp_json_root(doc));
    }
    fmcp_json_doc_destroy(doc);
    return r;
}

static const char *fmcp__mcp_list_changed_method(fmcp_item_kind k)
{
    if (k == FMCP_ITEM_TOOL) return "notifications/tools/list_changed";
    if (k == FMCP_ITEM_PROMPT) return "notifications/prompts/list_changed";
    return "notifications/resources/list_changed";
}

static fmcp_result fmcp__mcp_send_notification(fmcp_session *s, const char *method, const char *params,
                                           size_t plen, const char *rel_id, size_t rel_len, void *tag);

/* Notify every initialised session (server lock held by the caller). */
static void fmcp__mcp_broadcast_locked(fmcp_server *srv, const char *method)
{
    size_t i;
    for (i = 0; i < srv->sessions.n; i++) {
        fmcp_session *s = (fmcp_session *)srv->sessions.v[i];
        int init;
        FMCP__LOCK(&s->lock);
        init = s->initialized && !s->closed;
        FMCP__UNLOCK(&s->lock);
        if (init) (void)fmcp__mcp_send_notification(s, method, NULL, 0, NULL, 0, NULL);
    }
    fmcp__era_notify_locked(srv, method, NULL);
}

static long fmcp__mcp_find_locked(fmcp_server *srv, fmcp_item_kind k, const char *name)
{
    size_t i;
    for (i = 0; i < srv->items[k].n; i++)
        if (strcmp(((fmcp__mcp_item *)srv->items[k].v[i])->name, name) == 0) return (long)i;
    return -1;
}

/* The item of kind k named name, or NULL (server lock held). */
static fmcp__mcp_item *fmcp__mcp_item_locked(fmcp_server *srv, fmcp_item_kind k, const char *name)
{
    long i = fmcp__mcp_find_locked(srv, k, name);
    return i >= 0 ? (fmcp__mcp_item *)srv->items[k].v[i] : NULL;
}

/* Takes ownership of it (freed on error). */
static fmcp_result fmcp__mcp_add_item(fmcp_server *srv, fmcp__mcp_item *it)
{
    fmcp_result r = FMCP_OK;
    FMCP__LOCK(&srv->lock);
    if (fmcp__mcp_find_locked(srv, it->kind, it->name) >= 0) r = FMCP_ERR_DUPLICATE;
    else r = fmcp__mcp_vec_push(srv->alloc, &srv->items[it->kind], it);
    if (r == FMCP_OK) {
        srv->n_xhdr += it->has_xhdr;
        fmcp__mcp_broadcast_locked(srv, fmcp__mcp_list_changed_method(it->kind));
    }
    FMCP__UNLOCK(&srv->lock);
    if (r != FMCP_OK) fmcp__mcp_item_free(srv->alloc, it);
    return r;
}

/* The members every listing starts with, by kind (fmcp_item_kind order;
 * NULL ends a row): the values come in this order, NULL = absent. A kind's
 * own members (inputSchema, arguments, ...) follow them. */
static const char *const fmcp__mcp_listing_keys[4][6] = {
    { "name", "title", "description", NULL },
    { "uri", "name", "title", "description", "mimeType", NULL },
    { "uriTemplate", "name", "title", "description", "mimeType", NULL },
    { "name", "title", "description", NULL }
};

/* key: value for each key of a NULL-ended row whose value is set. */
static void fmcp__mcp_jw_members(fmcp_json_writer *w, const char *const *keys, const char *const *vals)
{
    for (; *keys; keys++, vals++) fmcp__mcp_jw_opt(w, *keys, *vals);
}

/* Closes the listing, keeps its text in the item and registers the item
 * (freed on any failure); r: an earlier failure, which drops the listing.
 * Resources and templates report any writer failure as FMCP_ERR_NOMEM. */
static fmcp_result fmcp__mcp_listing_add(fmcp_server *srv, fmcp__mcp_item *it, fmcp_json_writer *w, fmcp_result r)
{
    fmcp_jw_object_end(w);
    if (r == FMCP_OK) r = fmcp_jw_finish(w, &it->listing, &it->listing_len);
    if (r != FMCP_OK) {
        fmcp_jw_reset(w);
        if (it->kind == FMCP_ITEM_RESOURCE || it->kind == FMCP_ITEM_TEMPLATE) r = FMCP_ERR_NOMEM;
        fmcp__mcp_item_free(srv->alloc, it);
        return r;
    }
    return fmcp__mcp_add_item(srv, it);
}

FASTMCP_API fmcp_result fmcp_server_remove(fmcp_server *srv, fmcp_item_kind kind, const char *name)
{
    long i;
    fmcp__mcp_item *it = NULL;
    if (!srv || !name || (unsigned)kind > 3) return FMCP_ERR_INVALID_ARG;
    FMCP__LOCK(&srv->lock);
    i = fmcp__mcp_find_locked(srv, kind, name);
    if (i >= 0) {
        it = (fmcp__mcp_item *)srv->items[kind].v[i];
        fmcp__mcp_vec_del(&srv->items[kind], (size_t)i);
        srv->n_xhdr -= it->has_xhdr;
        fmcp__mcp_broadcast_locked(srv, fmcp__mcp_list_changed_method(kind));
    }
    FMCP__UNLOCK(&srv->lock);
    if (!it) return FMCP_ERR_NOT_FOUND;
    fmcp__mcp_item_free(srv->alloc, it);
    return FMCP_OK;
}

static void fmcp__mcp_jw_hint(fmcp_json_writer *w, const char *key, int v)
{
    if (v) { fmcp_jw_key(w, key); fmcp_jw_bool(w, v > 0); }
}

static fmcp_result fmcp__mcp_tool_schema(const fmcp_allocator *a, const fmcp_tool_desc *d, fmcp__mcp_item *it)
{
    fmcp_json_writer w;
    fmcp_json_parse_options o;
    char *text = NULL;
    size_t n = 0;
    fmcp_result r;
    fmcp_jw_init(&w, a);
    if (d->params) r = fmcp_schema_from_spec(d->params, &w);
    else if (d->input_schema) { fmcp_jw_raw(&w, d->input_schema, strlen(d->input_schema)); r = w.err; }
    else r = fmcp_schema_from_spec("", &w);
    if (r == FMCP_OK) r = fmcp_jw_finish(&w, &text, &n);
    if (r != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    memset(&o, 0, sizeof o);
    o.alloc = a;
    r = fmcp_json_parse(text, n, &o, &it->schema, NULL);
    fmcp_free_text(w.alloc, text, n);
    if (r == FMCP_OK && !fmcp_json_is(fmcp_json_root(it->schema), FMCP_JSON_OBJECT)) r = FMCP_ERR_TYPE;
    if (r == FMCP_OK) r = fmcp_schema_check(fmcp_json_root(it->schema), NULL, 0);
    /* only such tools need their schema walked for Mcp-Param-* headers */
#ifndef FMCP__SMALL
    it->has_xhdr = d->input_schema && strstr(d->input_schema, "x-mcp-header") != NULL;
#else
    it->has_xhdr = d->input_schema != NULL;   /* walked whenever given raw: no strstr (1 KB) */
#endif
    return r;
}

FASTMCP_API fmcp_result fmcp_server_add_tool(fmcp_server *srv, const fmcp_tool_desc *d)
{
    fmcp__mcp_item *it;
    fmcp_json_writer w;
    fmcp_result r;
    const char *v[3];
    if (!srv || !d || !d->name || !*d->name || !d->handler) return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_TOOL, d->name, d->scopes, d->handler, d->user);
    if (!it) return FMCP_ERR_NOMEM;
    it->run_inline = d->run_inline != 0;
    it->task_support = d->task_support;
    r = fmcp__mcp_tool_schema(srv->alloc, d, it);
    if (r != FMCP_OK) { fmcp__mcp_item_free(srv->alloc, it); return r; }
    v[0] = d->name; v[1] = d->title; v[2] = d->description;
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_members(&w, fmcp__mcp_listing_keys[FMCP_ITEM_TOOL], v);
    fmcp_jw_key(&w, "inputSchema");
    fmcp_jw_value(&w, fmcp_json_root(it->schema));
    if (d->output_schema)
        r = fmcp__mcp_jw_raw_object(&w, srv->alloc, "outputSchema", d->output_schema, strlen(d->output_schema));
    if (d->read_only_hint || d->destructive_hint || d->idempotent_hint || d->open_world_hint || d->title) {
        fmcp_jw_key(&w, "annotations");
        fmcp_jw_object_begin(&w);
        fmcp__mcp_jw_opt(&w, "title", d->title);
        fmcp__mcp_jw_hint(&w, "readOnlyHint", d->read_only_hint);
        fmcp__mcp_jw_hint(&w, "destructiveHint", d->destructive_hint);
        fmcp__mcp_jw_hint(&w, "idempotentHint", d->idempotent_hint);
        fmcp__mcp_jw_hint(&w, "openWorldHint", d->open_world_hint);
        fmcp_jw_object_end(&w);
    }
    return fmcp__mcp_listing_add(srv, it, &w, r);
}

/* Registers a resource or template item (ok: 0 after a failed copy): both
 * listings have the same five members, the name defaulting to the URI. */
static fmcp_result fmcp__mcp_add_uri_item(fmcp_server *srv, fmcp__mcp_item *it, int ok, const char *uri,
                                          const char *name, const char *title, const char *description,
                                          const char *mime)
{
    fmcp_json_writer w;
    const char *v[5];
    it->mime = fmcp__mcp_strdup_opt(srv->alloc, mime, &ok);
    if (!ok) { fmcp__mcp_item_free(srv->alloc, it); return FMCP_ERR_NOMEM; }
    v[0] = uri; v[1] = name ? name : uri; v[2] = title; v[3] = description; v[4] = mime;
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_members(&w, fmcp__mcp_listing_keys[it->kind], v);
    return fmcp__mcp_listing_add(srv, it, &w, FMCP_OK);
}

FASTMCP_API fmcp_result fmcp_server_add_resource(fmcp_server *srv, const fmcp_resource_desc *d)
{
    fmcp__mcp_item *it;
    int ok = 1;
    if (!srv || !d || !d->uri || !*d->uri || (!d->handler && !d->text && !d->blob)) return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_RESOURCE, d->uri, d->scopes, d->handler, d->user);
    if (!it) return FMCP_ERR_NOMEM;
    it->ttl_ms = d->ttl_ms > 0 ? d->ttl_ms : 0;
    if (!d->handler) {
        it->has_fixed = 1;
        if (d->text) it->text = fmcp__mcp_strdup_opt(srv->alloc, d->text, &ok);
        else if ((it->blob = (unsigned char *)fmcp_malloc(srv->alloc, d->blob_len)) != NULL) {
            memcpy(it->blob, d->blob, d->blob_len);
            it->blob_len = d->blob_len;
        } else ok = 0;
    }
    return fmcp__mcp_add_uri_item(srv, it, ok, d->uri, d->name, d->title, d->description, d->mime_type);
}

FASTMCP_API fmcp_result fmcp_server_add_resource_template(fmcp_server *srv, const fmcp_template_desc *d)
{
    fmcp__mcp_item *it;
    if (!srv || !d || !d->uri_template || !*d->uri_template || !d->handler) return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_TEMPLATE, d->uri_template, d->scopes, d->handler, d->user);
    if (!it) return FMCP_ERR_NOMEM;
    it->complete = d->complete;
    it->complete_user = d->complete_user;
    return fmcp__mcp_add_uri_item(srv, it, 1, d->uri_template, d->name, d->title, d->description, d->mime_type);
}

static fmcp_result fmcp__mcp_prompt_args(const fmcp_allocator *a, const fmcp_prompt_desc *d, fmcp__mcp_item *it,
                                     fmcp_json_writer *w)
{
    size_t i, nreq = 0;
    int ok = 1;
    for (i = 0; i < d->n_args; i++) {
        if (!d->args[i].name) return FMCP_ERR_INVALID_ARG;
        if (d->args[i].required) nreq++;
    }
    if (nreq) {
        it->req_args = (char **)fmcp_malloc(a, nreq * sizeof(char *));
        if (!it->req_args) return FMCP_ERR_NOMEM;
        memset(it->req_args, 0, nreq * sizeof(char *));
        it->n_req = nreq;
    }
    fmcp_jw_key(w, "arguments");
    fmcp_jw_array_begin(w);
    for (i = 0, nreq = 0; i < d->n_args; i++) {
        const fmcp_prompt_arg *pa = &d->args[i];
        const char *v[3];
        if (pa->required) it->req_args[nreq++] = fmcp__mcp_strdup_opt(a, pa->name, &ok);
        v[0] = pa->name; v[1] = pa->title; v[2] = pa->description;
        fmcp_jw_object_begin(w);
        fmcp__mcp_jw_members(w, fmcp__mcp_listing_keys[FMCP_ITEM_PROMPT], v);   /* as a prompt's own */
        fmcp_jw_key(w, "required"); fmcp_jw_bool(w, pa->required != 0);
        fmcp_jw_object_end(w);
    }
    fmcp_jw_array_end(w);
    return ok ? FMCP_OK : FMCP_ERR_NOMEM;
}

FASTMCP_API fmcp_result fmcp_server_add_prompt(fmcp_server *srv, const fmcp_prompt_desc *d)
{
    fmcp__mcp_item *it;
    fmcp_json_writer w;
    const char *v[3];
    if (!srv || !d || !d->name || !*d->name || !d->handler || (d->n_args && !d->args))
        return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_PROMPT, d->name, d->scopes, d->handler, d->user);
    if (!it) return FMCP_ERR_NOMEM;
    it->complete = d->complete;
    it->complete_user = d->complete_user;
    v[0] = d->name; v[1] = d->title; v[2] = d->description;
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_members(&w, fmcp__mcp_listing_keys[FMCP_ITEM_PROMPT], v);
    return fmcp__mcp_listing_add(srv, it, &w, fmcp__mcp_prompt_args(srv->alloc, d, it, &w));
}

FASTMCP_API void fmcp_server_set_authorizer(fmcp_server *srv, fmcp_authorize_fn fn, void *user)
{
    if (!srv) return;
    FMCP__LOCK(&srv->lock);
    srv->authorize = fn;
    srv->authorize_user = user;
    FMCP__UNLOCK(&srv->lock);
}

FASTMCP_API void fmcp_server_log(fmcp_server *srv, fmcp_log_level level, const char *message)
{
    if (srv && srv->log && message) srv->log(srv->log_user, level, message);
}

FASTMCP_API int fmcp_server_has_log(const fmcp_server *srv)
{
    return srv && srv->log;
}

/* ---- server lifecycle and worker pool ------------------------------------ */

#ifndef FASTMCP_NO_THREADS
/* fmcp__cond_init_mono, fmcp__cond_wait_ms: the platform layer in base. */
static void fmcp__mcp_qcond_wait_ms(fmcp_server *srv, int64_t ms)
{
    fmcp__cond_wait_ms(&srv->qcond, &srv->qlock, ms, srv->qmono);
}

/* Wake-ups cost about as much as a small call (more on a VM), so the pool
 * avoids one per job:
 * - a push wakes one worker, and only when no wake-up is already on its way
 *   and no sentinel watches (below);
 * - a worker that takes a job and leaves others queued wakes one idle worker
 *   to watch: while workers are busy, that one (the sentinel) sleeps at most
 *   FMCP__SENTINEL_MS at a time and then takes a queued job.
 * So a job queued behind busy workers starts when one of them finishes or
 * within about a millisecond per job ahead of it: a slow tool never holds
 * other calls up for long, and a busy worker runs a burst of small jobs one
 * after another without a wake-up each. While no job finishes (only long
 * ones run) the sentinel sleeps longer and longer, up to 64 ms, and pushes
 * wake it at once instead: no polling cost next to a long-running tool. */
#define FMCP__SENTINEL_MS 1

/* Returns (qlock held) when there is a job to take or the pool stops. */
static void fmcp__mcp_wait_job(fmcp_server *srv)
{
    int woke = 0, timed = 0;
    int64_t ms = FMCP__SENTINEL_MS;
    while (!srv->stopping) {
        int watch = woke && srv->watch;
        if (woke) srv->watch = 0;   /* the first worker to wake consumes a watch request */
        /* woken to watch while others are busy: be the sentinel, leave the job */
        if (srv->qhead && !(watch && !timed && srv->busy > 0 && !srv->sentinel)) return;
        timed = !srv->sentinel && srv->busy > 0;
        srv->idle++;
        if (timed) {
            unsigned long seen = srv->done;
            srv->sentinel = 1;
            srv->watch = 0;
            srv->dozing = ms > FMCP__SENTINEL_MS;
            fmcp__mcp_qcond_wait_ms(srv, ms);
            srv->sentinel = srv->dozing = 0;
            ms = srv->done != seen ? FMCP__SENTINEL_MS : ms < 64 ? ms * 2 : 64;
        } else {
            fmcp__cond_wait(&srv->qcond, &srv->qlock);
        }
        srv->idle--;
        if (srv->signaled > 0) srv->signaled--;
        woke = 1;
    }
}

/* qlock held; *wake: signal qcond (after unlocking) for a sentinel. */
static fmcp_ctx *fmcp__mcp_take(fmcp_server *srv, int *wake)
{
    fmcp_ctx *c = srv->qhead;
    srv->qhead = c->qnext;
    if (!srv->qhead) srv->qtail = NULL;
    srv->qlen--;
    srv->busy++;
    *wake = srv->qlen > 0 && !srv->sentinel && srv->signaled == 0 && srv->idle > 0;
    if (*wake) { srv->watch = 1; srv->signaled++; }
    return c;
}

/* qlock held, a job queued: take it, run it unlocked, count it done. */
static void fmcp__mcp_take_run(fmcp_server *srv)
{
    int wake;
    fmcp_ctx *c = fmcp__mcp_take(srv, &wake);
    fmcp__mutex_unlock(&srv->qlock);
    if (wake) fmcp__cond_signal(&srv->qcond);
    fmcp__mcp_run(c);
    fmcp__mutex_lock(&srv->qlock);
    srv->busy--;
    srv->done++;
}

static void *fmcp__mcp_worker(void *arg)
{
    fmcp_server *srv = (fmcp_server *)arg;
    fmcp__mutex_lock(&srv->qlock);
    for (;;) {
        fmcp__mcp_wait_job(srv);
        if (!srv->qhead) break;   /* stopping, and the queue is drained */
        fmcp__mcp_take_run(srv);
    }
    fmcp__mutex_unlock(&srv->qlock);
    return NULL;
}

static void fmcp__mcp_pool_stop(fmcp_server *srv)
{
    int i;
    fmcp__mutex_lock(&srv->qlock);
    srv->stopping = 1;
    fmcp__cond_broadcast(&srv->qcond);
    fmcp__mutex_unlock(&srv->qlock);
    for (i = 0; i < srv->nthreads; i++) fmcp__thread_join(&srv->threads[i]);
    if (srv->threads) fmcp_free(srv->alloc, srv->threads, (size_t)srv->nthreads * sizeof(fmcp__thread));
    srv->threads = NULL;
    srv->nthreads = 0;
}

static fmcp_result fmcp__mcp_pool_start(fmcp_server *srv, int n)
{
    int i;
    srv->threads = (fmcp__thread *)fmcp_malloc(srv->alloc, (size_t)n * sizeof(fmcp__thread));
    if (!srv->threads) return FMCP_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        if (fmcp__thread_start(&srv->threads[i], fmcp__mcp_worker, srv) != 0) break;
        srv->nthreads = i + 1;
    }
    if (srv->nthreads == n) return FMCP_OK;
    fmcp__mutex_lock(&srv->qlock);
    srv->stopping = 1;
    fmcp__cond_broadcast(&srv->qcond);
    fmcp__mutex_unlock(&srv->qlock);
    for (i = 0; i < srv->nthreads; i++) fmcp__thread_join(&srv->threads[i]);
    fmcp_free(srv->alloc, srv->threads, (size_t)n * sizeof(fmcp__thread));
    srv->threads = NULL;
    srv->nthreads = 0;
    return FMCP_ERR_NOMEM;
}
#endif

/* Queue a list of n jobs with one lock; wake a worker only when no wake-up
 * is on its way and no sentinel watches (see fmcp__mcp_wait_job). */
static void fmcp__mcp_push_jobs(fmcp_server *srv, fmcp_ctx *head, fmcp_ctx *tail, int n)
{
#ifndef FASTMCP_NO_THREADS
    int wake;
    fmcp__mutex_lock(&srv->qlock);
    if (srv->qtail) srv->qtail->qnext = head;
    else srv->qhead = head;
    srv->qtail = tail;
    srv->qlen += n;
    wake = srv->signaled == 0 && !(srv->busy > 0 && srv->sentinel && !srv->dozing) && srv->idle > 0;
    srv->signaled += wake;
    fmcp__mutex_unlock(&srv->qlock);
    /* Signalled after unlocking, so the woken worker does not block on qlock.
     * Should the idle worker counted leave its wait meanwhile (a timeout), it
     * has taken the count back from `signaled` and finds the job itself. */
    if (wake) fmcp__cond_signal(&srv->qcond);
#else
    (void)srv; (void)head; (void)tail; (void)n;
#endif
}

FASTMCP_API void fmcp_server_push_jobs(fmcp_server *srv, fmcp_job_list *jobs)
{
    if (!srv || !jobs || !jobs->head) return;
    fmcp__mcp_push_jobs(srv, jobs->head, jobs->tail, jobs->n);
    memset(jobs, 0, sizeof *jobs);
}

/* Queued without a wake-up, then taken from the queue here like a worker
 * would (counted busy), so a job stuck behind a slow one still gets the
 * sentinel's watch; the workers sleep through a burst of fast ones. */
FASTMCP_API void fmcp_server_run_jobs(fmcp_server *srv, fmcp_job_list *jobs)
{
    if (!srv || !jobs || !jobs->head) return;
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&srv->qlock);
    if (srv->qtail) srv->qtail->qnext = jobs->head; else srv->qhead = jobs->head;
    srv->qtail = jobs->tail;
    srv->qlen += jobs->n;
    memset(jobs, 0, sizeof *jobs);
    while (srv->qhead) fmcp__mcp_take_run(srv);
    fmcp__mutex_unlock(&srv->qlock);
#else
    {
        fmcp_ctx *c = jobs->head, *nx;
        memset(jobs, 0, sizeof *jobs);
        for (; c; c = nx) { nx = c->qnext; fmcp__mcp_run(c); }
    }
#endif
}

static void fmcp__mcp_server_free(fmcp_server *srv)
{
    size_t k, i;
    const fmcp_allocator *a = srv->alloc;
    for (k = 0; k < 4; k++) {
        for (i = 0; i < srv->items[k].n; i++) fmcp__mcp_item_free(a, (fmcp__mcp_item *)srv->items[k].v[i]);
        fmcp__mcp_vec_free(a, &srv->items[k]);
    }
    fmcp__mcp_vec_free(a, &srv->sessions);
    fmcp__tasks_free(srv);
    fmcp__strfree(a, srv->name, 0);
    fmcp__strfree(a, srv->title, 0);
    fmcp__strfree(a, srv->version, 0);
    fmcp__strfree(a, srv->instructions, 0);
    fmcp_wipe(srv->state_key, sizeof srv->state_key);
    if (srv->era_meta) fmcp_free(a, srv->era_meta, srv->era_meta_len + 1);
    FMCP__MFREE(&srv->lock);
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_destroy(&srv->qlock);
    fmcp__cond_destroy(&srv->qcond);
#endif
    fmcp_free(a, srv, sizeof *srv);
}

FASTMCP_API fmcp_result fmcp_server_create(const fmcp_server_desc *d, fmcp_server **out)
{
    fmcp_server *srv;
    int ok = 1;
    fmcp_result r;
    fmcp_allocator none;
    if (!d || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    memset(&none, 0, sizeof none);
    srv = (fmcp_server *)fmcp_malloc(d->alloc, sizeof *srv);
    if (!srv) return FMCP_ERR_NOMEM;
    memset(srv, 0, sizeof *srv);
    srv->alloc_copy = d->alloc ? *d->alloc : none;
    srv->alloc = &srv->alloc_copy;
    FMCP__MINIT(&srv->lock);
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_init(&srv->qlock);
    srv->qmono = fmcp__cond_init_mono(&srv->qcond);
#endif
    srv->name = fmcp__mcp_strdup_opt(srv->alloc, d->name ? d->name : "fastmcp", &ok);
    srv->title = fmcp__mcp_strdup_opt(srv->alloc, d->title, &ok);
    srv->version = fmcp__mcp_strdup_opt(srv->alloc, d->version ? d->version : FASTMCP_VERSION_STRING, &ok);
    srv->instructions = fmcp__mcp_strdup_opt(srv->alloc, d->instructions, &ok);
    srv->versions = d->protocol_versions && d->protocol_versions[0] ? d->protocol_versions : fmcp__mcp_default_versions;
    srv->page_size = d->page_size;
    srv->log = d->log;
    srv->log_user = d->log_user;
    srv->inline_handlers = 1;
    if (!ok) { fmcp__mcp_server_free(srv); return FMCP_ERR_NOMEM; }
    if ((r = fmcp__era_server_init(srv, d)) != FMCP_OK || (r = fmcp__tasks_init(srv, d)) != FMCP_OK) {
        fmcp__mcp_server_free(srv);
        return r;
    }
#ifndef FASTMCP_NO_THREADS
    if (d->workers >= 0) {
        srv->inline_handlers = 0;
        if (fmcp__mcp_pool_start(srv, d->workers ? d->workers : 4) != FMCP_OK) {
            fmcp__mcp_server_free(srv);
            return FMCP_ERR_NOMEM;
        }
    }
#endif
    *out = srv;
    return FMCP_OK;
}

FASTMCP_API void fmcp_server_destroy(fmcp_server *srv)
{
    if (!srv) return;
    fmcp__tasks_stop(srv);   /* running task handlers see cancellation: the pool drains sooner */
#ifndef FASTMCP_NO_THREADS
    fmcp__mcp_pool_stop(srv);
#endif
    fmcp__mcp_server_free(srv);
}

/* ---- identity ------------------------------------------------------------ */

static void fmcp__mcp_auth_unref(const fmcp_allocator *a, fmcp__mcp_auth *x, fmcp__mcp_mutex *lock)
{
    if (!x || !fmcp__mcp_drop(lock, &x->refs)) return;
    fmcp__strfree(a, (char *)x->info.subject, 0);
    fmcp__strfree(a, (char *)x->info.client_id, 0);
    fmcp__strfree(a, (char *)x->info.scopes, 0);
    if (x->info.token) {
        fmcp_wipe((char *)x->info.token, strlen(x->info.token));
        fmcp__strfree(a, (char *)x->info.token, 0);
    }
    fmcp__strfree(a, (char *)x->info.claims_json, 0);
    fmcp__strfree(a, (char *)x->info.issuer, 0);
    fmcp_free(a, x, sizeof *x);
}

static fmcp__mcp_auth *fmcp__mcp_auth_copy(const fmcp_allocator *a, const fmcp_auth_info *in, fmcp__mcp_mutex *lock)
{
    int ok = 1;
    fmcp__mcp_auth *x = (fmcp__mcp_auth *)fmcp_malloc(a, sizeof *x);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    x->refs = 1;
    x->info.subject = fmcp__mcp_strdup_opt(a, in->subject, &ok);
    x->info.client_id = fmcp__mcp_strdup_opt(a, in->client_id, &ok);
    x->info.scopes = fmcp__mcp_strdup_opt(a, in->scopes, &ok);
    x->info.token = fmcp__mcp_strdup_opt(a, in->token, &ok);
    x->info.claims_json = fmcp__mcp_strdup_opt(a, in->claims_json, &ok);
    x->info.issuer = fmcp__mcp_strdup_opt(a, in->issuer, &ok);
    x->info.expires_at = in->expires_at;
    x->info.data = in->data;
    if (!ok) { fmcp__mcp_auth_unref(a, x, lock); return NULL; }
    return x;
}

/* Hashes a string with its length first, so field boundaries cannot shift. */
static void fmcp__mcp_hash_field(fmcp_sha256_ctx *c, const char *s)
{
    uint8_t len[8];
    size_t n = s ? strlen(s) : 0, i;
    for (i = 0; i < 8; i++) len[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    fmcp_sha256_update(c, len, sizeof len);
    if (n) fmcp_sha256_update(c, s, n);
}

FASTMCP_API int fmcp_auth_info_principal(const fmcp_auth_info *au, char out[FMCP_PRINCIPAL_SIZE])
{
    fmcp_sha256_ctx c;
    uint8_t h[FMCP_SHA256_SIZE];
    out[0] = 0;
    if (!au) return 0;
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, "fmcp-principal-v1", 17);
    if (au->subject && *au->subject) {
        fmcp_sha256_update(&c, "s", 1); fmcp__mcp_hash_field(&c, au->issuer); fmcp__mcp_hash_field(&c, au->subject);
    } else if (au->client_id && *au->client_id) {
        fmcp_sha256_update(&c, "c", 1); fmcp__mcp_hash_field(&c, au->issuer); fmcp__mcp_hash_field(&c, au->client_id);
    } else if (au->token && *au->token) {
        fmcp_sha256_update(&c, "t", 1); fmcp__mcp_hash_field(&c, au->token);
    } else {
        return 0;
    }
    fmcp_sha256_final(&c, h);
    fmcp__hex(out, h, sizeof h);
    return 1;
}

/* FMCP_OK when the caller may use the item (server lock held). */
static fmcp_result fmcp__mcp_authorized(fmcp_server *srv, const fmcp__mcp_auth *au, const fmcp__mcp_item *it)
{
    if (!srv->authorize) return FMCP_OK;
    return srv->authorize(srv->authorize_user, au ? &au->info : NULL, it->kind, it->name, it->scopes);
}

/* ---- sessions: sending --------------------------------------------------- */

static void fmcp__mcp_send_raw(fmcp_session *s, const char *json, size_t len, const fmcp_send_info *info)
{
    FMCP__LOCK(&s->send_lock);
    if (!s->closed && s->d.send && s->d.send(s->d.user, json, len, info) != FMCP_OK)
        fmcp_server_log(s->srv, FMCP_LOG_WARNING, "mcp: transport send failed");
    FMCP__UNLOCK(&s->send_lock);
}

static void fmcp__mcp_send_info_init(fmcp_send_info *i, const char *rel, size_t rel_len, void *tag)
{
    memset(i, 0, sizeof *i);
    i->related_id = rel;
    i->related_id_len = rel_len;
    i->tag = tag;
}

static fmcp_result fmcp__mcp_send_writer(fmcp_session *s, fmcp_json_writer *w, const fmcp_send_info *info)
{
    char *out;
    size_t n;
    fmcp_result r = fmcp_jw_finish(w, &out, &n);
    if (r != FMCP_OK) { fmcp_jw_reset(w); return r; }
    fmcp__mcp_send_raw(s, out, n, info);
    fmcp_free_text(w->alloc, out, n);
    return FMCP_OK;
}

static fmcp_result fmcp__mcp_send_notification(fmcp_session *s, const char *method, const char *params,
                                           size_t plen, const char *rel_id, size_t rel_len, void *tag)
{
    fmcp_json_writer w;
    fmcp_send_info info;
    fmcp_jw_init(&w, s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    fmcp_jw_key(&w, "method"); fmcp_jw_str(&w, method);
    if (params) { fmcp_jw_key(&w, "params"); fmcp_jw_raw(&w, params, plen); }
    fmcp_jw_object_end(&w);
    fmcp__mcp_send_info_init(&info, rel_id, rel_len, tag);
    return fmcp__mcp_send_writer(s, &w, &info);
}

FASTMCP_API fmcp_result fmcp_session_notify(fmcp_session *s, const char *method, const char *params_json)
{
    if (!s || !method) return FMCP_ERR_INVALID_ARG;
    return fmcp__mcp_send_notification(s, method, params_json, params_json ? strlen(params_json) : 0, NULL, 0, NULL);
}

static void fmcp__mcp_group_release(fmcp_session *s, fmcp__mcp_group *g)
{
    if (!fmcp__mcp_drop(&s->lock, &g->pending)) return;
    FMCP__LOCK(&s->send_lock);
    if (!s->closed && !g->dropped && s->d.on_done) s->d.on_done(s->d.user, g->tag);
    FMCP__UNLOCK(&s->send_lock);
    fmcp_free(s->alloc, g, sizeof *g);
}

static void fmcp__mcp_group_add(fmcp_session *s, fmcp__mcp_group *g)
{
    FMCP__LOCK(&s->lock);
    g->pending++;
    FMCP__UNLOCK(&s->lock);
}

static void fmcp__mcp_batch_release(fmcp_session *s, fmcp__mcp_batch *b)
{
    if (!fmcp__mcp_drop(&s->lock, &b->pending)) return;
    if (b->count) {
        fmcp_send_info info;
        fmcp__mcp_send_info_init(&info, NULL, 0, b->group->tag);
        info.is_response = 1;
        b->buf[b->len] = ']';
        fmcp__mcp_send_raw(s, b->buf, b->len + 1, &info);
    }
    fmcp__mcp_group_release(s, b->group);
    if (b->buf) fmcp_free(s->alloc, b->buf, b->cap);
    fmcp_free(s->alloc, b, sizeof *b);
}

/* Append one response to a batch; room is kept for the closing bracket. */
static void fmcp__mcp_batch_append(fmcp_session *s, fmcp__mcp_batch *b, const char *json, size_t len)
{
    FMCP__LOCK(&s->lock);
    if (b->len + len + 2 > b->cap) {
        size_t nc = (b->len + len + 2) * 2;
        char *nb = (char *)fmcp_realloc(s->alloc, b->buf, b->cap, nc);
        if (nb) { b->buf = nb; b->cap = nc; }
    }
    if (b->len + len + 2 <= b->cap) {
        b->buf[b->len++] = b->count ? ',' : '[';
        memcpy(b->buf + b->len, json, len);
        b->len += len;
        b->count++;
    }
    FMCP__UNLOCK(&s->lock);
}

/* Deliver a final response: consumes one reference of the batch or group. */
static void fmcp__mcp_deliver(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id, size_t id_len,
                          const char *json, size_t len, int http_status)
{
    if (b) {
        if (json) fmcp__mcp_batch_append(s, b, json, len);
        fmcp__mcp_batch_release(s, b);
        return;
    }
    if (json) {
        fmcp_send_info info;
        fmcp__mcp_send_info_init(&info, id, id_len, g->tag);
        info.is_response = 1;
        info.http_status = http_status;
        fmcp__mcp_send_raw(s, json, len, &info);
    }
    fmcp__mcp_group_release(s, g);
}

/* id is raw JSON text the engine wrote from a parsed id (string or number):
 * every response starts here, so the fixed members and the id go in as one
 * trusted put instead of being checked again. */
static void fmcp__mcp_envelope_begin(fmcp_json_writer *w, const char *id, size_t id_len)
{
    static const char head[] = "\"jsonrpc\":\"2.0\",\"id\":";
    fmcp_jw_object_begin(w);
    if (w->pretty) {
        fmcp_jw_key(w, "jsonrpc"); fmcp_jw_str(w, "2.0");
        fmcp_jw_key(w, "id");
        if (id) fmcp_jw_raw(w, id, id_len);
        else fmcp_jw_null(w);
        return;
    }
    fmcp__jw_members_trusted(w, head, sizeof head - 1);
    if (id) fmcp__jw_put(w, id, id_len);
    else fmcp__jw_put(w, "null", 4);
}

/* The answer when building one ran out of memory, formatted on the stack:
 * without it the client would wait for a response that never comes. */
static void fmcp__mcp_deliver_oom(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                                  size_t id_len)
{
    char buf[384];
    int n;
    if (!id || id_len > 256) { id = "null"; id_len = 4; }
    n = FMCP__SNPRINTF(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"error\":{\"code\":%d,\"message\":"
                       "\"Internal error: out of memory\"}}", (int)id_len, id, FMCP_RPC_INTERNAL_ERROR);
    fmcp__mcp_deliver(s, g, b, id, id_len, n > 0 && (size_t)n < sizeof buf ? buf : NULL, n > 0 ? (size_t)n : 0, 0);
}

/* Finish w (an envelope with its result or error) and deliver it, or the
 * out-of-memory error when it cannot be finished (logged when log is set);
 * status: the HTTP status to suggest (0 = none). */
static void fmcp__mcp_deliver_built(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                                    size_t id_len, fmcp_json_writer *w, int status, int log)
{
    char *out = NULL;
    size_t n = 0;
    if (fmcp_jw_finish(w, &out, &n) != FMCP_OK) {
        fmcp_jw_reset(w);
        if (log) fmcp_server_log(s->srv, FMCP_LOG_ERROR, "mcp: could not build a response (out of memory)");
        fmcp__mcp_deliver_oom(s, g, b, id, id_len);
        return;
    }
    fmcp__mcp_deliver(s, g, b, id, id_len, out, n, status);
    fmcp_free_text(w->alloc, out, n);
}

/* Finish w (an envelope with its result) and deliver it. */
static void fmcp__mcp_deliver_writer(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                                 size_t id_len, fmcp_json_writer *w)
{
    fmcp__mcp_deliver_built(s, g, b, id, id_len, w, 0, 1);
}

/* An error response; data: JSON text or NULL; status: the HTTP status to suggest (0 = none). */
static void fmcp__mcp_reply_error_data(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                                       size_t id_len, int code, const char *message, const char *data,
                                       int status)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, s->alloc);
    fmcp__mcp_envelope_begin(&w, id, id_len);
    fmcp_jw_key(&w, "error");
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "code"); fmcp_jw_int(&w, code);
    fmcp_jw_key(&w, "message"); fmcp_jw_str(&w, message);
    if (data) { fmcp_jw_key(&w, "data"); fmcp_jw_raw(&w, data, strlen(data)); }
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    fmcp__mcp_deliver_built(s, g, b, id, id_len, &w, status ? status : code == FMCP_RPC_FORBIDDEN ? 403 : 0, 0);
}

static void fmcp__mcp_reply_error(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                              size_t id_len, int code, const char *message)
{
    fmcp__mcp_reply_error_data(s, g, b, id, id_len, code, message, NULL, 0);
}

/* ---- sessions: lifecycle ------------------------------------------------- */

static void fmcp__mcp_session_unref(fmcp_session *s)
{
    size_t i;
    const fmcp_allocator *a = s->alloc;
    if (!fmcp__mcp_drop(&s->lock, &s->refs)) return;
    fmcp__mcp_auth_unref(a, s->auth, &s->lock);
    for (i = 0; i < s->subs.n; i++) fmcp__strfree(a, (char *)s->subs.v[i], 0);
    fmcp__mcp_vec_free(a, &s->subs);
    FMCP__MFREE(&s->lock);
    FMCP__MFREE(&s->send_lock);
    fmcp_free(a, s, sizeof *s);
}

FASTMCP_API fmcp_result fmcp_session_create(fmcp_server *srv, const fmcp_session_desc *d, fmcp_session **out)
{
    fmcp_session *s;
    fmcp_result r;
    if (!srv || !d || !out || !d->send) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    s = (fmcp_session *)fmcp_malloc(srv->alloc, sizeof *s);
    if (!s) return FMCP_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->srv = srv;
    s->alloc = srv->alloc;
    s->d = *d;
    s->d.auth = NULL;
    s->refs = 1;
    s->level = FMCP_LOG_DEBUG;
    s->next_id = 1;
    FMCP__MINIT(&s->lock);
    FMCP__MINIT(&s->send_lock);
    if (d->auth && !(s->auth = fmcp__mcp_auth_copy(s->alloc, d->auth, &s->lock))) {
        fmcp__mcp_session_unref(s);
        return FMCP_ERR_NOMEM;
    }
    FMCP__LOCK(&srv->lock);
    r = fmcp__mcp_vec_push(srv->alloc, &srv->sessions, s);
    FMCP__UNLOCK(&srv->lock);
    if (r != FMCP_OK) { fmcp__mcp_session_unref(s); return r; }
    *out = s;
    return FMCP_OK;
}

/* Mark c cancelled (session lock held); a subscriptions/listen not yet ended
 * joins *ended (through qnext) for fmcp__mcp_end_listens after unlocking. */
static void fmcp__mcp_cancel_locked(fmcp_ctx *c, fmcp_ctx **ended)
{
    c->cancelled = 1;
    if (c->kind == FMCP__K_LISTEN && !c->listen_ended) { c->listen_ended = 1; c->qnext = *ended; *ended = c; }
}

/* Fail outgoing requests taken off the session (a list through next). */
static void fmcp__mcp_pending_fail(fmcp_session *s, fmcp__mcp_pending *p, fmcp_result rc)
{
    while (p) {
        fmcp__mcp_pending *n = p->next;
        p->cb(p->cb_user, rc, NULL, 0);
        fmcp_free(s->alloc, p, sizeof *p);
        p = n;
    }
}

FASTMCP_API void fmcp_session_destroy(fmcp_session *s)
{
    fmcp_server *srv;
    fmcp__mcp_pending *p;
    fmcp_ctx *c, *ended = NULL;
    size_t i;
    if (!s) return;
    srv = s->srv;
    FMCP__LOCK(&srv->lock);
    for (i = 0; i < srv->sessions.n; i++)
        if (srv->sessions.v[i] == (void *)s) { fmcp__mcp_vec_del(&srv->sessions, i); break; }
    FMCP__UNLOCK(&srv->lock);
    FMCP__LOCK(&s->lock);
    FMCP__LOCK(&s->send_lock);
    s->closed = 1;
    FMCP__UNLOCK(&s->send_lock);
    for (c = s->inflight; c; c = c->next) fmcp__mcp_cancel_locked(c, &ended);
    p = s->pending;
    s->pending = NULL;
    FMCP__UNLOCK(&s->lock);
    fmcp__mcp_end_listens(ended);
    fmcp__mcp_pending_fail(s, p, FMCP_ERR_CLOSED);   /* waiters learn the session is gone */
    fmcp__mcp_session_unref(s);
}

FASTMCP_API const char *fmcp_session_protocol_version(const fmcp_session *s)
{
    return s ? s->version : "";
}

FASTMCP_API size_t fmcp_session_in_flight(fmcp_session *s)
{
    size_t n = 0;
    fmcp_ctx *c;
    if (!s) return 0;
    FMCP__LOCK(&s->lock);
    for (c = s->inflight; c; c = c->next) n++;
    FMCP__UNLOCK(&s->lock);
    return n;
}

static void fmcp__mcp_msg_unref(fmcp_session *s, fmcp__mcp_msg *m)
{
    if (!fmcp__mcp_drop(&s->lock, &m->refs)) return;
    fmcp_json_doc_destroy(m->doc);
    fmcp_free(s->alloc, m, sizeof *m);
}
