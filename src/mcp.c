/* mcp: implementation */
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

/* NULL stays NULL (and is not an error): *ok is cleared only on NOMEM. */
static char *fmcp__mcp_strdup_opt(const fmcp_allocator *a, const char *s, int *ok)
{
    char *p;
    if (!s) return NULL;
    p = fmcp__strndup(a, s, strlen(s));
    if (!p) *ok = 0;
    return p;
}

static void fmcp__mcp_strfree(const fmcp_allocator *a, char *s)
{
    if (s) fmcp_free(a, s, strlen(s) + 1);
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
static void fmcp__mcp_end_listens(fmcp_ctx *c);
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
    fmcp__mcp_strfree(a, it->name);
    fmcp__mcp_strfree(a, it->scopes);
    if (it->listing) fmcp_free(a, it->listing, it->listing_len + 1);
    if (it->schema) fmcp_json_doc_destroy(it->schema);
    fmcp__mcp_strfree(a, it->mime);
    fmcp__mcp_strfree(a, it->text);
    if (it->blob) fmcp_free(a, it->blob, it->blob_len);
    for (i = 0; i < it->n_req; i++) fmcp__mcp_strfree(a, it->req_args[i]);
    if (it->req_args) fmcp_free(a, it->req_args, it->n_req * sizeof(char *));
    fmcp_free(a, it, sizeof *it);
}

static fmcp__mcp_item *fmcp__mcp_item_new(const fmcp_allocator *a, fmcp_item_kind kind, const char *name,
                                  const char *scopes)
{
    int ok = 1;
    fmcp__mcp_item *it = (fmcp__mcp_item *)fmcp_malloc(a, sizeof *it);
    if (!it) return NULL;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->name = fmcp__mcp_strdup_opt(a, name, &ok);
    it->scopes = fmcp__mcp_strdup_opt(a, scopes, &ok);
    if (!ok) { fmcp__mcp_item_free(a, it); return NULL; }
    return it;
}

/* Finish the listing writer into it->listing. */
static fmcp_result fmcp__mcp_item_listing(fmcp__mcp_item *it, fmcp_json_writer *w)
{
    fmcp_result r = fmcp_jw_finish(w, &it->listing, &it->listing_len);
    if (r != FMCP_OK) fmcp_jw_reset(w);
    return r;
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
    if (!srv || !d || !d->name || !*d->name || !d->handler) return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_TOOL, d->name, d->scopes);
    if (!it) return FMCP_ERR_NOMEM;
    it->handler = d->handler;
    it->user = d->user;
    it->run_inline = d->run_inline != 0;
    it->task_support = d->task_support;
    r = fmcp__mcp_tool_schema(srv->alloc, d, it);
    if (r != FMCP_OK) { fmcp__mcp_item_free(srv->alloc, it); return r; }
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_opt(&w, "name", d->name);
    fmcp__mcp_jw_opt(&w, "title", d->title);
    fmcp__mcp_jw_opt(&w, "description", d->description);
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
    fmcp_jw_object_end(&w);
    if (r == FMCP_OK) r = fmcp__mcp_item_listing(it, &w);
    else fmcp_jw_reset(&w);
    if (r != FMCP_OK) { fmcp__mcp_item_free(srv->alloc, it); return r; }
    return fmcp__mcp_add_item(srv, it);
}

FASTMCP_API fmcp_result fmcp_server_add_resource(fmcp_server *srv, const fmcp_resource_desc *d)
{
    fmcp__mcp_item *it;
    fmcp_json_writer w;
    int ok = 1;
    if (!srv || !d || !d->uri || !*d->uri || (!d->handler && !d->text && !d->blob)) return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_RESOURCE, d->uri, d->scopes);
    if (!it) return FMCP_ERR_NOMEM;
    it->handler = d->handler;
    it->user = d->user;
    it->ttl_ms = d->ttl_ms > 0 ? d->ttl_ms : 0;
    it->mime = fmcp__mcp_strdup_opt(srv->alloc, d->mime_type, &ok);
    if (!d->handler) {
        it->has_fixed = 1;
        if (d->text) it->text = fmcp__mcp_strdup_opt(srv->alloc, d->text, &ok);
        else if ((it->blob = (unsigned char *)fmcp_malloc(srv->alloc, d->blob_len)) != NULL) {
            memcpy(it->blob, d->blob, d->blob_len);
            it->blob_len = d->blob_len;
        } else ok = 0;
    }
    if (!ok) { fmcp__mcp_item_free(srv->alloc, it); return FMCP_ERR_NOMEM; }
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_opt(&w, "uri", d->uri);
    fmcp__mcp_jw_opt(&w, "name", d->name ? d->name : d->uri);
    fmcp__mcp_jw_opt(&w, "title", d->title);
    fmcp__mcp_jw_opt(&w, "description", d->description);
    fmcp__mcp_jw_opt(&w, "mimeType", d->mime_type);
    fmcp_jw_object_end(&w);
    if (fmcp__mcp_item_listing(it, &w) != FMCP_OK) { fmcp__mcp_item_free(srv->alloc, it); return FMCP_ERR_NOMEM; }
    return fmcp__mcp_add_item(srv, it);
}

FASTMCP_API fmcp_result fmcp_server_add_resource_template(fmcp_server *srv, const fmcp_template_desc *d)
{
    fmcp__mcp_item *it;
    fmcp_json_writer w;
    int ok = 1;
    if (!srv || !d || !d->uri_template || !*d->uri_template || !d->handler) return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_TEMPLATE, d->uri_template, d->scopes);
    if (!it) return FMCP_ERR_NOMEM;
    it->handler = d->handler;
    it->user = d->user;
    it->complete = d->complete;
    it->complete_user = d->complete_user;
    it->mime = fmcp__mcp_strdup_opt(srv->alloc, d->mime_type, &ok);
    if (!ok) { fmcp__mcp_item_free(srv->alloc, it); return FMCP_ERR_NOMEM; }
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_opt(&w, "uriTemplate", d->uri_template);
    fmcp__mcp_jw_opt(&w, "name", d->name ? d->name : d->uri_template);
    fmcp__mcp_jw_opt(&w, "title", d->title);
    fmcp__mcp_jw_opt(&w, "description", d->description);
    fmcp__mcp_jw_opt(&w, "mimeType", d->mime_type);
    fmcp_jw_object_end(&w);
    if (fmcp__mcp_item_listing(it, &w) != FMCP_OK) { fmcp__mcp_item_free(srv->alloc, it); return FMCP_ERR_NOMEM; }
    return fmcp__mcp_add_item(srv, it);
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
        if (pa->required) it->req_args[nreq++] = fmcp__mcp_strdup_opt(a, pa->name, &ok);
        fmcp_jw_object_begin(w);
        fmcp__mcp_jw_opt(w, "name", pa->name);
        fmcp__mcp_jw_opt(w, "title", pa->title);
        fmcp__mcp_jw_opt(w, "description", pa->description);
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
    fmcp_result r;
    if (!srv || !d || !d->name || !*d->name || !d->handler || (d->n_args && !d->args))
        return FMCP_ERR_INVALID_ARG;
    it = fmcp__mcp_item_new(srv->alloc, FMCP_ITEM_PROMPT, d->name, d->scopes);
    if (!it) return FMCP_ERR_NOMEM;
    it->handler = d->handler;
    it->user = d->user;
    it->complete = d->complete;
    it->complete_user = d->complete_user;
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_opt(&w, "name", d->name);
    fmcp__mcp_jw_opt(&w, "title", d->title);
    fmcp__mcp_jw_opt(&w, "description", d->description);
    r = fmcp__mcp_prompt_args(srv->alloc, d, it, &w);
    fmcp_jw_object_end(&w);
    if (r == FMCP_OK) r = fmcp__mcp_item_listing(it, &w);
    else fmcp_jw_reset(&w);
    if (r != FMCP_OK) { fmcp__mcp_item_free(srv->alloc, it); return r; }
    return fmcp__mcp_add_item(srv, it);
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

static void fmcp__mcp_run(fmcp_ctx *c);

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
    fmcp__mcp_strfree(a, srv->name);
    fmcp__mcp_strfree(a, srv->title);
    fmcp__mcp_strfree(a, srv->version);
    fmcp__mcp_strfree(a, srv->instructions);
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
    int z;
    if (!x) return;
    FMCP__LOCK(lock);
    z = --x->refs == 0;
    FMCP__UNLOCK(lock);
    if (!z) return;
    fmcp__mcp_strfree(a, (char *)x->info.subject);
    fmcp__mcp_strfree(a, (char *)x->info.client_id);
    fmcp__mcp_strfree(a, (char *)x->info.scopes);
    if (x->info.token) {
        fmcp_wipe((char *)x->info.token, strlen(x->info.token));
        fmcp__mcp_strfree(a, (char *)x->info.token);
    }
    fmcp__mcp_strfree(a, (char *)x->info.claims_json);
    fmcp__mcp_strfree(a, (char *)x->info.issuer);
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
    static const char hex[] = "0123456789abcdef";
    fmcp_sha256_ctx c;
    uint8_t h[FMCP_SHA256_SIZE];
    size_t i;
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
    for (i = 0; i < FMCP_SHA256_SIZE; i++) { out[2 * i] = hex[h[i] >> 4]; out[2 * i + 1] = hex[h[i] & 15]; }
    out[2 * FMCP_SHA256_SIZE] = 0;
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
    int z;
    FMCP__LOCK(&s->lock);
    z = --g->pending == 0;
    FMCP__UNLOCK(&s->lock);
    if (!z) return;
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
    int z;
    FMCP__LOCK(&s->lock);
    z = --b->pending == 0;
    FMCP__UNLOCK(&s->lock);
    if (!z) return;
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

/* Finish w (an envelope with its result) and deliver it. */
static void fmcp__mcp_deliver_writer(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                                 size_t id_len, fmcp_json_writer *w)
{
    char *out = NULL;
    size_t n = 0;
    if (fmcp_jw_finish(w, &out, &n) != FMCP_OK) {
        fmcp_jw_reset(w);
        fmcp_server_log(s->srv, FMCP_LOG_ERROR, "mcp: could not build a response (out of memory)");
        fmcp__mcp_deliver_oom(s, g, b, id, id_len);
        return;
    }
    fmcp__mcp_deliver(s, g, b, id, id_len, out, n, 0);
    fmcp_free_text(w->alloc, out, n);
}

/* An error response; data: JSON text or NULL; status: the HTTP status to suggest (0 = none). */
static void fmcp__mcp_reply_error_data(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                                       size_t id_len, int code, const char *message, const char *data,
                                       int status)
{
    fmcp_json_writer w;
    char *out = NULL;
    size_t n = 0;
    fmcp_jw_init(&w, s->alloc);
    fmcp__mcp_envelope_begin(&w, id, id_len);
    fmcp_jw_key(&w, "error");
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "code"); fmcp_jw_int(&w, code);
    fmcp_jw_key(&w, "message"); fmcp_jw_str(&w, message);
    if (data) { fmcp_jw_key(&w, "data"); fmcp_jw_raw(&w, data, strlen(data)); }
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) {
        fmcp_jw_reset(&w);
        fmcp__mcp_deliver_oom(s, g, b, id, id_len);
        return;
    }
    fmcp__mcp_deliver(s, g, b, id, id_len, out, n, status ? status : code == FMCP_RPC_FORBIDDEN ? 403 : 0);
    fmcp_free_text(w.alloc, out, n);
}

static void fmcp__mcp_reply_error(fmcp_session *s, fmcp__mcp_group *g, fmcp__mcp_batch *b, const char *id,
                              size_t id_len, int code, const char *message)
{
    fmcp__mcp_reply_error_data(s, g, b, id, id_len, code, message, NULL, 0);
}

/* ---- sessions: lifecycle ------------------------------------------------- */

static void fmcp__mcp_session_unref(fmcp_session *s)
{
    int z;
    size_t i;
    const fmcp_allocator *a = s->alloc;
    FMCP__LOCK(&s->lock);
    z = --s->refs == 0;
    FMCP__UNLOCK(&s->lock);
    if (!z) return;
    fmcp__mcp_auth_unref(a, s->auth, &s->lock);
    for (i = 0; i < s->subs.n; i++) fmcp__mcp_strfree(a, (char *)s->subs.v[i]);
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
    for (c = s->inflight; c; c = c->next) {
        c->cancelled = 1;
        if (c->kind == FMCP__K_LISTEN && !c->listen_ended) { c->listen_ended = 1; c->qnext = ended; ended = c; }
    }
    p = s->pending;
    s->pending = NULL;
    FMCP__UNLOCK(&s->lock);
    fmcp__mcp_end_listens(ended);
    while (p) {   /* waiters learn the session is gone */
        fmcp__mcp_pending *n = p->next;
        p->cb(p->cb_user, FMCP_ERR_CLOSED, NULL, 0);
        fmcp_free(s->alloc, p, sizeof *p);
        p = n;
    }
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
    int z;
    FMCP__LOCK(&s->lock);
    z = --m->refs == 0;
    FMCP__UNLOCK(&s->lock);
    if (!z) return;
    fmcp_json_doc_destroy(m->doc);
    fmcp_free(s->alloc, m, sizeof *m);
}

/* ---- handler contexts ---------------------------------------------------- */

/* Drop the ctx's references on its message, auth and session under one
 * lock (this runs once per request on the worker). */
static void fmcp__mcp_ctx_unref_all(fmcp_session *s, fmcp_ctx *c)
{
    const fmcp_allocator *a = s->alloc;
    fmcp__mcp_msg *m = c->msg;
    int zm, za = 0;
    FMCP__LOCK(&s->lock);
    zm = --m->refs == 0;
    if (c->auth) za = --c->auth->refs == 0;
    FMCP__UNLOCK(&s->lock);
    if (zm) { fmcp_json_doc_destroy(m->doc); fmcp_free(a, m, sizeof *m); }
    if (za) { c->auth->refs = 1; fmcp__mcp_auth_unref(a, c->auth, &s->lock); }
    fmcp__mcp_session_unref(s);
}

static void fmcp__mcp_ctx_free(fmcp_ctx *c)
{
    fmcp_session *s = c->s;
    const fmcp_allocator *a = s->alloc;
    size_t i;
    fmcp__mcp_strfree(a, c->uri);
    fmcp__mcp_strfree(a, c->carg);
    fmcp__mcp_strfree(a, c->cvalue);
    fmcp__mcp_strfree(a, c->description);
    fmcp__mcp_strfree(a, c->err_msg);
    if (c->mrtr) fmcp__era_ctx_free(c);
    if (c->progress_token) fmcp_free(a, c->progress_token, c->progress_token_len + 1);
    if (c->structured) fmcp_free(a, c->structured, c->structured_len + 1);
    for (i = 0; i < c->n_vars * 2; i++) fmcp__mcp_strfree(a, c->vars[i]);
    if (c->vars) fmcp_free(a, c->vars, c->n_vars * 2 * sizeof(char *));
    fmcp_jw_reset(&c->w);
    fmcp__mcp_ctx_unref_all(s, c);
    fmcp_free(a, c, c->size);
}

/* Session lock held. */
static void fmcp__mcp_inflight_unlink(fmcp_session *s, fmcp_ctx *c)
{
    if (c->prev) c->prev->next = c->next;
    else if (s->inflight == c) s->inflight = c->next;
    if (c->next) c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

static void fmcp__mcp_ctx_open(fmcp_ctx *c)
{
    fmcp_json_writer *w = &c->w;
    fmcp__mcp_envelope_begin(w, c->id, c->id_len);
    if (!w->pretty && !w->err && w->depth == 1 && (c->kind == FMCP__K_TOOL || c->kind == FMCP__K_RESOURCE)) {
        /* the usual opening in one put: the writer then stands inside the array */
        static const char tool[] = ",\"result\":{\"content\":[", res[] = ",\"result\":{\"contents\":[";
        if (c->kind == FMCP__K_TOOL) fmcp__jw_put(w, tool, sizeof tool - 1);
        else fmcp__jw_put(w, res, sizeof res - 1);
        if (w->err) return;
        w->state[1] = FMCP__JW_OBJ | FMCP__JW_ITEMS;
        w->state[2] = 0;
        w->depth = 3;
        return;
    }
    fmcp_jw_key(w, "result");
    fmcp_jw_object_begin(w);
    if (c->kind == FMCP__K_LISTEN) return;   /* no content: see fmcp__era_ctx_tail */
    if (c->kind == FMCP__K_TOOL) fmcp_jw_key(w, "content");
    else if (c->kind == FMCP__K_RESOURCE) fmcp_jw_key(w, "contents");
    else if (c->kind == FMCP__K_PROMPT) fmcp_jw_key(w, "messages");
    else { fmcp_jw_key(w, "completion"); fmcp_jw_object_begin(w); fmcp_jw_key(w, "values"); }
    fmcp_jw_array_begin(w);
}

/* A ctx for the request with id id (raw text); the caller already took a
 * reference on g or b for its response. NULL on NOMEM. */
/* One allocation holds the context, its id and its name (every call has both). */
static fmcp_ctx *fmcp__mcp_ctx_new(fmcp_session *s, fmcp__mcp_msg *m, fmcp__mcp_group *g, fmcp__mcp_batch *b,
                               fmcp__mcp_auth *au, const char *id, size_t id_len, fmcp__mcp_kind kind,
                               const fmcp_json *params, const char *name)
{
    size_t nlen = name ? strlen(name) + 1 : 0, size = sizeof(fmcp_ctx) + id_len + 1 + nlen;
    fmcp_ctx *c;
    if (size < nlen) return NULL;
    if (!(c = (fmcp_ctx *)fmcp_malloc(s->alloc, size))) return NULL;
    memset(c, 0, sizeof *c);
    c->size = size;
    c->id = (char *)(c + 1);
    memcpy(c->id, id, id_len);
    c->id[id_len] = 0;
    c->id_len = id_len;
    if (name) { c->name = c->id + id_len + 1; memcpy(c->name, name, nlen); }
    c->s = s;
    c->msg = m;
    c->group = g;
    c->batch = b;
    c->auth = au;
    c->kind = kind;
    c->params = params;
    c->args = fmcp_json_get(params, "arguments");
    memcpy(c->role, "user", 5);
    fmcp_jw_init(&c->w, s->alloc);
    fmcp__mcp_ctx_open(c);
    FMCP__LOCK(&s->lock);
    s->refs++;
    m->refs++;
    if (au) au->refs++;
    c->next = s->inflight;
    if (s->inflight) s->inflight->prev = c;
    s->inflight = c;
    FMCP__UNLOCK(&s->lock);
    return c;
}

static int fmcp__mcp_rc_to_rpc(fmcp__mcp_kind k, fmcp_result rc)
{
    if (rc == FMCP_ERR_NOT_FOUND && k == FMCP__K_RESOURCE) return FMCP_RPC_RESOURCE_NOT_FOUND;
    if (rc == FMCP_ERR_INVALID_ARG) return FMCP_RPC_INVALID_PARAMS;
    if (rc == FMCP_ERR_FORBIDDEN) return FMCP_RPC_FORBIDDEN;
    return FMCP_RPC_INTERNAL_ERROR;
}

/* Close the result object according to the kind. */
static void fmcp__mcp_ctx_close(fmcp_ctx *c)
{
    fmcp_json_writer *w = &c->w;
    if (c->kind == FMCP__K_LISTEN) {
        fmcp__era_ctx_tail(c, w);
        fmcp_jw_object_end(w);
        fmcp_jw_object_end(w);
        return;
    }
    if (c->kind == FMCP__K_TOOL && c->structured && !c->has_text) {
        fmcp_jw_object_begin(w);
        fmcp_jw_key(w, "type"); fmcp_jw_str(w, "text");
        fmcp_jw_key(w, "text"); fmcp_jw_strn(w, c->structured, c->structured_len);
        fmcp_jw_object_end(w);
    }
    fmcp_jw_array_end(w);
    if (c->kind == FMCP__K_TOOL) {
        if (c->structured) { fmcp_jw_key(w, "structuredContent"); fmcp_jw_raw(w, c->structured, c->structured_len); }
        if (c->is_error) { fmcp_jw_key(w, "isError"); fmcp_jw_bool(w, 1); }
    } else if (c->kind == FMCP__K_PROMPT) {
        fmcp__mcp_jw_opt(w, "description", c->description);
    } else if (c->kind == FMCP__K_COMPLETE) {
        if (c->has_ctotal) { fmcp_jw_key(w, "total"); fmcp_jw_int(w, c->ctotal); }
        fmcp_jw_key(w, "hasMore"); fmcp_jw_bool(w, c->chas_more);
        fmcp_jw_object_end(w);
    }
    if (c->era.modern) fmcp__era_ctx_tail(c, w);
    fmcp_jw_object_end(w);
    fmcp_jw_object_end(w);
}

/* Tell the call observer how a tools/call, resources/read or prompts/get ended. */
static void fmcp__mcp_observe(fmcp_ctx *c, fmcp_result rc, int cancelled)
{
    fmcp_call_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = c->kind == FMCP__K_TOOL ? FMCP_ITEM_TOOL : c->kind == FMCP__K_RESOURCE ? FMCP_ITEM_RESOURCE
                                                                                      : FMCP_ITEM_PROMPT;
    ev.name = c->name;
    ev.auth = c->auth ? &c->auth->info : NULL;
    ev.duration_ms = fmcp_monotonic_ms() - c->t0;
    ev.rc = rc;
    ev.outcome = cancelled ? FMCP_CALL_CANCELLED
                 : (rc != FMCP_OK || c->err_code || c->is_error) ? FMCP_CALL_ERROR : FMCP_CALL_OK;
    c->observe(c->observe_user, &ev);
}

/* Already unlinked from the in-flight list (by the caller, under the lock). */
static void fmcp__mcp_ctx_complete(fmcp_ctx *c, fmcp_result rc, int cancelled)
{
    fmcp_session *s = c->s;
    if (c->task) {   /* the result goes to the task (which may run the handler again) */
        fmcp__tasks_settle(c, rc, cancelled);
        return;
    }
    if (cancelled) {
        fmcp__mcp_deliver(s, c->group, c->batch, c->id, c->id_len, NULL, 0, 0);
    } else if (c->era.modern && fmcp__era_complete(c, rc)) {
        /* answered there: input required, or an error with data */
    } else if (c->err_code || (rc != FMCP_OK && c->kind != FMCP__K_TOOL)) {
        int code = c->err_code ? c->err_code : fmcp__mcp_rc_to_rpc(c->kind, rc);
        fmcp__mcp_reply_error(s, c->group, c->batch, c->id, c->id_len, code,
                          c->err_msg ? c->err_msg : fmcp_result_str(rc));
    } else {
        if (rc != FMCP_OK) {
            if (!c->blocks) {
                char msg[96];
                FMCP__SNPRINTF(msg, sizeof msg, "Tool failed: %s", fmcp_result_str(rc));
                (void)fmcp_ctx_add_text(c, msg);
            }
            c->is_error = 1;
        }
        fmcp__mcp_ctx_close(c);
        fmcp__mcp_deliver_writer(s, c->group, c->batch, c->id, c->id_len, &c->w);
    }
    if (c->observe && c->kind != FMCP__K_COMPLETE && c->kind != FMCP__K_LISTEN) fmcp__mcp_observe(c, rc, cancelled);
    fmcp__mcp_ctx_free(c);
}

/* The run and each fmcp_ctx_defer hold the ctx; the last release completes it. */
static void fmcp__mcp_ctx_release(fmcp_ctx *c, fmcp_result rc)
{
    int z, cancelled = 0;
    FMCP__LOCK(&c->s->lock);
    if (rc != FMCP_OK) c->rc_hold = rc;
    z = --c->holds == 0;
    if (z) { fmcp__mcp_inflight_unlink(c->s, c); cancelled = c->cancelled; }
    FMCP__UNLOCK(&c->s->lock);
    if (z) fmcp__mcp_ctx_complete(c, c->rc_hold, cancelled);
}

static void fmcp__mcp_run(fmcp_ctx *c)
{
    fmcp_result rc;
    if (c->kind == FMCP__K_COMPLETE) rc = c->complete(c, c->carg, c->cvalue, c->user);
    else rc = c->handler(c, c->user);
    fmcp__mcp_ctx_release(c, c->deferred ? FMCP_OK : rc);
}

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

static void fmcp__mcp_dispatch(fmcp_ctx *c)
{
    fmcp_server *srv = c->s->srv;
    c->holds = 1;
    if (srv->inline_handlers || c->inline_run) {   /* inline_run: a tool's opt-in */
        c->inline_run = 1;
        fmcp__mcp_run(c);
        return;
    }
    c->qnext = NULL;
    if (c->group->collecting) {
        /* queued when the receive returns, after its own bookkeeping, so the
         * worker does not start by contending with the reader for locks */
        if (c->group->jobs_tail) c->group->jobs_tail->qnext = c; else c->group->jobs = c;
        c->group->jobs_tail = c;
        return;
    }
    fmcp__mcp_push_jobs(srv, c, c, 1);
}

FASTMCP_API void fmcp_ctx_defer(fmcp_ctx *c)
{
    if (!c) return;
    FMCP__LOCK(&c->s->lock);
    c->holds++;
    c->deferred = 1;
    FMCP__UNLOCK(&c->s->lock);
}

FASTMCP_API void fmcp_ctx_finish(fmcp_ctx *c, fmcp_result rc)
{
    if (c) fmcp__mcp_ctx_release(c, rc);
}

/* ---- context: accessors -------------------------------------------------- */

FASTMCP_API const fmcp_json *fmcp_ctx_params(const fmcp_ctx *c) { return c ? c->params : NULL; }
FASTMCP_API const fmcp_json *fmcp_ctx_args(const fmcp_ctx *c) { return c ? c->args : NULL; }
FASTMCP_API const char *fmcp_ctx_arg_str(const fmcp_ctx *c, const char *name, const char *def)
{
    return fmcp_json_get_str(c ? c->args : NULL, name, def);
}
FASTMCP_API int64_t fmcp_ctx_arg_int(const fmcp_ctx *c, const char *name, int64_t def)
{
    const fmcp_json *v = fmcp_json_get(c ? c->args : NULL, name);
    double d;
    if (fmcp_json_is_int(v)) return fmcp_json_int(v, def);
    d = fmcp_json_double(v, 0.5);   /* 2.0 is an integer too */
    return d == (double)(int64_t)d && d > -9e18 && d < 9e18 ? (int64_t)d : def;
}
FASTMCP_API double fmcp_ctx_arg_double(const fmcp_ctx *c, const char *name, double def)
{
    return fmcp_json_get_double(c ? c->args : NULL, name, def);
}
FASTMCP_API int fmcp_ctx_arg_bool(const fmcp_ctx *c, const char *name, int def)
{
    return fmcp_json_get_bool(c ? c->args : NULL, name, def);
}
FASTMCP_API const char *fmcp_ctx_name(const fmcp_ctx *c) { return c ? c->name : NULL; }
FASTMCP_API const char *fmcp_ctx_uri(const fmcp_ctx *c) { return c ? c->uri : NULL; }
FASTMCP_API const char *fmcp_ctx_request_id(const fmcp_ctx *c) { return c ? c->id : NULL; }
FASTMCP_API const fmcp_auth_info *fmcp_ctx_auth(const fmcp_ctx *c)
{
    return c && c->auth ? &c->auth->info : NULL;
}
FASTMCP_API fmcp_session *fmcp_ctx_session(const fmcp_ctx *c) { return c ? c->s : NULL; }

FASTMCP_API const char *fmcp_ctx_var(const fmcp_ctx *c, const char *name)
{
    size_t i;
    if (!c || !name) return NULL;
    for (i = 0; i < c->n_vars; i++)
        if (strcmp(c->vars[2 * i], name) == 0) return c->vars[2 * i + 1];
    return NULL;
}

FASTMCP_API int fmcp_ctx_is_cancelled(fmcp_ctx *c)
{
    int r;
    if (!c) return 1;
    FMCP__LOCK(&c->s->lock);
    r = c->cancelled;
    FMCP__UNLOCK(&c->s->lock);
    return r;
}

/* ---- context: result builders -------------------------------------------- */

/* Opens one content block; prompts wrap each block in a message. */
static fmcp_result fmcp__mcp_block_begin(fmcp_ctx *c, const char *type)
{
    if (!c || (c->kind != FMCP__K_TOOL && c->kind != FMCP__K_PROMPT)) return FMCP_ERR_STATE;
    if (c->kind == FMCP__K_PROMPT) {
        fmcp_jw_object_begin(&c->w);
        fmcp_jw_key(&c->w, "role"); fmcp_jw_str(&c->w, c->role);
        fmcp_jw_key(&c->w, "content");
    }
    fmcp_jw_object_begin(&c->w);
    fmcp_jw_key(&c->w, "type"); fmcp_jw_str(&c->w, type);
    return FMCP_OK;
}

static fmcp_result fmcp__mcp_block_end(fmcp_ctx *c)
{
    fmcp_jw_object_end(&c->w);
    if (c->kind == FMCP__K_PROMPT) fmcp_jw_object_end(&c->w);
    c->blocks++;
    return c->w.err;
}

FASTMCP_API fmcp_result fmcp_ctx_add_text(fmcp_ctx *c, const char *text)
{
    fmcp_result r;
    if (!text) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp__mcp_block_begin(c, "text")) != FMCP_OK) return r;
    fmcp_jw_key(&c->w, "text"); fmcp_jw_str(&c->w, text);
    c->has_text = 1;
    return fmcp__mcp_block_end(c);
}

/* Write key: base64(data). */
static fmcp_result fmcp__mcp_jw_b64(fmcp_ctx *c, const char *key, const void *data, size_t len)
{
    size_t n = fmcp_b64_encoded_len(FMCP_B64_STD, len), got = 0;
    char *buf = (char *)fmcp_malloc(c->s->alloc, n + 1);
    fmcp_result r;
    if (!buf) return FMCP_ERR_NOMEM;
    r = fmcp_b64_encode(FMCP_B64_STD, data, len, buf, n + 1, &got);
    if (r == FMCP_OK) { fmcp_jw_key(&c->w, key); fmcp_jw_strn(&c->w, buf, got); }
    fmcp_free(c->s->alloc, buf, n + 1);
    return r;
}

static fmcp_result fmcp__mcp_add_media(fmcp_ctx *c, const char *type, const void *data, size_t len,
                                   const char *b64, const char *mime)
{
    fmcp_result r;
    if ((!data && len) || !mime) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp__mcp_block_begin(c, type)) != FMCP_OK) return r;
    if (b64) { fmcp_jw_key(&c->w, "data"); fmcp_jw_str(&c->w, b64); }
    else if ((r = fmcp__mcp_jw_b64(c, "data", data, len)) != FMCP_OK) { c->w.err = r; return r; }
    fmcp_jw_key(&c->w, "mimeType"); fmcp_jw_str(&c->w, mime);
    return fmcp__mcp_block_end(c);
}

FASTMCP_API fmcp_result fmcp_ctx_add_image(fmcp_ctx *c, const void *data, size_t len, const char *mime)
{
    return fmcp__mcp_add_media(c, "image", data, len, NULL, mime);
}

FASTMCP_API fmcp_result fmcp_ctx_add_audio(fmcp_ctx *c, const void *data, size_t len, const char *mime)
{
    return fmcp__mcp_add_media(c, "audio", data, len, NULL, mime);
}

FASTMCP_API fmcp_result fmcp_ctx_add_media_b64(fmcp_ctx *c, const char *type, const char *b64, const char *mime)
{
    if (!type || !b64 || (strcmp(type, "image") != 0 && strcmp(type, "audio") != 0)) return FMCP_ERR_INVALID_ARG;
    return fmcp__mcp_add_media(c, type, NULL, 0, b64, mime);
}

FASTMCP_API fmcp_result fmcp_ctx_add_resource_link(fmcp_ctx *c, const char *uri, const char *name,
                                                   const char *description, const char *mime)
{
    fmcp_result r;
    if (!uri) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp__mcp_block_begin(c, "resource_link")) != FMCP_OK) return r;
    fmcp__mcp_jw_opt(&c->w, "uri", uri);
    fmcp__mcp_jw_opt(&c->w, "name", name ? name : uri);
    fmcp__mcp_jw_opt(&c->w, "description", description);
    fmcp__mcp_jw_opt(&c->w, "mimeType", mime);
    return fmcp__mcp_block_end(c);
}

/* An embedded resource (tools, prompts) or a contents entry (resources/read). */
static fmcp_result fmcp__mcp_add_resource(fmcp_ctx *c, const char *uri, const char *mime, const char *text,
                                      const void *data, size_t len)
{
    fmcp_result r = FMCP_OK;
    if (!c) return FMCP_ERR_INVALID_ARG;
    if (!uri) uri = c->uri;
    if (!uri || (!text && !data && len)) return FMCP_ERR_INVALID_ARG;
    if (c->kind != FMCP__K_RESOURCE) {
        if ((r = fmcp__mcp_block_begin(c, "resource")) != FMCP_OK) return r;
        fmcp_jw_key(&c->w, "resource");
    }
    fmcp_jw_object_begin(&c->w);
    fmcp__mcp_jw_opt(&c->w, "uri", uri);
    fmcp__mcp_jw_opt(&c->w, "mimeType", mime);
    if (text) { fmcp_jw_key(&c->w, "text"); fmcp_jw_str(&c->w, text); }
    else if ((r = fmcp__mcp_jw_b64(c, "blob", data, len)) != FMCP_OK) c->w.err = r;
    fmcp_jw_object_end(&c->w);
    if (c->kind != FMCP__K_RESOURCE) return fmcp__mcp_block_end(c);
    c->blocks++;
    return c->w.err;
}

FASTMCP_API fmcp_result fmcp_ctx_add_resource_text(fmcp_ctx *c, const char *uri, const char *mime, const char *text)
{
    if (!text) return FMCP_ERR_INVALID_ARG;
    return fmcp__mcp_add_resource(c, uri, mime, text, NULL, 0);
}

FASTMCP_API fmcp_result fmcp_ctx_add_resource_blob(fmcp_ctx *c, const char *uri, const char *mime,
                                                   const void *data, size_t len)
{
    static const unsigned char empty = 0;
    return fmcp__mcp_add_resource(c, uri, mime, NULL, data ? data : (len ? NULL : &empty), len);
}

FASTMCP_API fmcp_result fmcp_ctx_set_structured(fmcp_ctx *c, const char *json, size_t len)
{
    fmcp_json_doc *doc;
    fmcp_json_parse_options o;
    fmcp_result r;
    if (!c || !json) return FMCP_ERR_INVALID_ARG;
    if (c->kind != FMCP__K_TOOL) return FMCP_ERR_STATE;
    memset(&o, 0, sizeof o);
    o.alloc = c->s->alloc;
    if ((r = fmcp_json_parse(json, len, &o, &doc, NULL)) != FMCP_OK) return r;
    if (!fmcp_json_is(fmcp_json_root(doc), FMCP_JSON_OBJECT)) r = FMCP_ERR_TYPE;
    fmcp_json_doc_destroy(doc);
    if (r != FMCP_OK) return r;
    if (c->structured) fmcp_free(c->s->alloc, c->structured, c->structured_len + 1);
    c->structured = fmcp__strndup(c->s->alloc, json, len);
    c->structured_len = c->structured ? len : 0;
    return c->structured ? FMCP_OK : FMCP_ERR_NOMEM;
}

FASTMCP_API void fmcp_ctx_set_error(fmcp_ctx *c, int is_error)
{
    if (c) c->is_error = is_error != 0;
}

FASTMCP_API void fmcp_ctx_set_role(fmcp_ctx *c, const char *role)
{
    if (c && role && strlen(role) < sizeof c->role) memcpy(c->role, role, strlen(role) + 1);
}

FASTMCP_API fmcp_result fmcp_ctx_set_description(fmcp_ctx *c, const char *d)
{
    int ok = 1;
    if (!c || !d) return FMCP_ERR_INVALID_ARG;
    fmcp__mcp_strfree(c->s->alloc, c->description);
    c->description = fmcp__mcp_strdup_opt(c->s->alloc, d, &ok);
    return ok ? FMCP_OK : FMCP_ERR_NOMEM;
}

FASTMCP_API fmcp_result fmcp_ctx_add_completion(fmcp_ctx *c, const char *value)
{
    if (!c || !value) return FMCP_ERR_INVALID_ARG;
    if (c->kind != FMCP__K_COMPLETE) return FMCP_ERR_STATE;
    if (c->blocks >= 100) { c->chas_more = 1; return FMCP_ERR_TOO_LARGE; }  /* spec maximum */
    fmcp_jw_str(&c->w, value);
    c->blocks++;
    return c->w.err;
}

FASTMCP_API void fmcp_ctx_set_completion_total(fmcp_ctx *c, int64_t total, int has_more)
{
    if (!c) return;
    c->ctotal = total;
    c->has_ctotal = 1;
    c->chas_more = has_more != 0;
}

FASTMCP_API fmcp_result fmcp_ctx_error(fmcp_ctx *c, int code, const char *message)
{
    int ok = 1;
    if (!c || !message || code == 0) return FMCP_ERR_INVALID_ARG;
    fmcp__mcp_strfree(c->s->alloc, c->err_msg);
    c->err_msg = fmcp__mcp_strdup_opt(c->s->alloc, message, &ok);
    c->err_code = code;
    return ok ? FMCP_OK : FMCP_ERR_NOMEM;
}

/* ---- context: notifications ---------------------------------------------- */

FASTMCP_API fmcp_result fmcp_ctx_progress(fmcp_ctx *c, double progress, double total, const char *message)
{
    fmcp_json_writer w;
    char *params;
    size_t n;
    fmcp_result r;
    if (!c) return FMCP_ERR_INVALID_ARG;
    /* the client forgot the token once it cancelled: stay silent */
    if (fmcp_ctx_is_cancelled(c)) return FMCP_ERR_CANCELLED;
    if (c->has_progress && !(progress > c->last_progress)) return FMCP_ERR_STATE;
    c->has_progress = 1;
    c->last_progress = progress;
    if (!c->progress_token) return FMCP_OK;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "progressToken"); fmcp_jw_raw(&w, c->progress_token, c->progress_token_len);
    fmcp_jw_key(&w, "progress"); fmcp_jw_double(&w, progress);
    if (total > 0) { fmcp_jw_key(&w, "total"); fmcp_jw_double(&w, total); }
    fmcp__mcp_jw_opt(&w, "message", message);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &params, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp__mcp_send_notification(c->s, "notifications/progress", params, n, c->id, c->id_len, c->group->tag);
    fmcp_free_text(w.alloc, params, n);
    return r;
}

FASTMCP_API fmcp_result fmcp_ctx_log(fmcp_ctx *c, fmcp_log_level level, const char *logger, const char *message)
{
    fmcp_json_writer w;
    char *params;
    size_t n;
    fmcp_result r;
    int send, cancelled;
    if (!c || !message || (unsigned)level > 7) return FMCP_ERR_INVALID_ARG;
    FMCP__LOCK(&c->s->lock);
    send = c->era.modern ? c->era.log_level >= 0 && (int)level >= c->era.log_level
                         : (int)level >= (int)c->s->level;
    cancelled = c->cancelled;
    FMCP__UNLOCK(&c->s->lock);
    if (cancelled) return FMCP_ERR_CANCELLED;
    if (!send) return FMCP_OK;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "level"); fmcp_jw_str(&w, fmcp__mcp_level_names[level]);
    fmcp__mcp_jw_opt(&w, "logger", logger);
    fmcp_jw_key(&w, "data"); fmcp_jw_str(&w, message);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &params, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp__mcp_send_notification(c->s, "notifications/message", params, n, c->id, c->id_len, c->group->tag);
    fmcp_free_text(w.alloc, params, n);
    return r;
}

/* ---- server-to-client requests ------------------------------------------- */

static fmcp__mcp_pending *fmcp__mcp_pending_take(fmcp_session *s, int64_t id)
{
    fmcp__mcp_pending **pp, *p = NULL;
    FMCP__LOCK(&s->lock);
    for (pp = &s->pending; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) { p = *pp; *pp = p->next; break; }
    FMCP__UNLOCK(&s->lock);
    return p;
}

FASTMCP_API fmcp_result fmcp_ctx_request_async(fmcp_ctx *c, const char *method, const char *params_json,
                                               int64_t timeout_ms, fmcp_reply_fn cb, void *user)
{
    fmcp_session *s;
    fmcp__mcp_pending *p;
    fmcp_json_writer w;
    fmcp_send_info info;
    fmcp_result r;
    int64_t id;
    if (!c || !method || !cb) return FMCP_ERR_INVALID_ARG;
    if (c->era.modern) return FMCP_ERR_UNSUPPORTED;   /* 2026-07-28 has no server-to-client requests: fmcp_ctx_input */
    s = c->s;
    p = (fmcp__mcp_pending *)fmcp_malloc(s->alloc, sizeof *p);
    if (!p) return FMCP_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->cb = cb;
    p->cb_user = user;
    p->deadline = timeout_ms > 0 ? fmcp_monotonic_ms() + timeout_ms : 0;
    FMCP__LOCK(&s->lock);
    if (s->closed) { FMCP__UNLOCK(&s->lock); fmcp_free(s->alloc, p, sizeof *p); return FMCP_ERR_CLOSED; }
    id = p->id = s->next_id++;
    p->owner = c;
    p->next = s->pending;
    s->pending = p;
    FMCP__UNLOCK(&s->lock);
    fmcp_jw_init(&w, s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    fmcp_jw_key(&w, "id"); fmcp_jw_int(&w, id);
    fmcp_jw_key(&w, "method"); fmcp_jw_str(&w, method);
    if (params_json) { fmcp_jw_key(&w, "params"); fmcp_jw_raw(&w, params_json, strlen(params_json)); }
    fmcp_jw_object_end(&w);
    fmcp__mcp_send_info_init(&info, c->id, c->id_len, c->group->tag);
    r = fmcp__mcp_send_writer(s, &w, &info);
    if (r != FMCP_OK && (p = fmcp__mcp_pending_take(s, id)) != NULL) fmcp_free(s->alloc, p, sizeof *p);
    return r;
}

FASTMCP_API void fmcp_session_expire(fmcp_session *s)
{
    fmcp__mcp_pending **pp, *p, *expired = NULL;
    int64_t now = fmcp_monotonic_ms();
    if (!s) return;
    FMCP__LOCK(&s->lock);
    for (pp = &s->pending; *pp;) {
        p = *pp;
        if (p->deadline && now >= p->deadline) { *pp = p->next; p->next = expired; expired = p; }
        else pp = &p->next;
    }
    FMCP__UNLOCK(&s->lock);
    while (expired) {
        p = expired->next;
        expired->cb(expired->cb_user, FMCP_ERR_TIMEOUT, NULL, 0);
        fmcp_free(s->alloc, expired, sizeof *expired);
        expired = p;
    }
}

FASTMCP_API const fmcp_allocator *fmcp_ctx_allocator(const fmcp_ctx *c)
{
    return c ? c->s->alloc : NULL;
}

#ifndef FASTMCP_NO_THREADS
typedef struct fmcp__mcp_waiter {
    fmcp__mutex m;
    fmcp__cond cv;
    int done;
    fmcp_result rc;
    char *text;
    size_t len;
    const fmcp_allocator *alloc;
} fmcp__mcp_waiter;

static void fmcp__mcp_waiter_cb(void *user, fmcp_result rc, const char *json, size_t len)
{
    fmcp__mcp_waiter *wt = (fmcp__mcp_waiter *)user;
    fmcp__mutex_lock(&wt->m);
    wt->rc = rc;
    if (json) {
        wt->text = fmcp__strndup(wt->alloc, json, len);
        wt->len = len;
        if (!wt->text) wt->rc = FMCP_ERR_NOMEM;
    }
    wt->done = 1;
    fmcp__cond_signal(&wt->cv);
    fmcp__mutex_unlock(&wt->m);
}

#endif

#ifndef FASTMCP_NO_THREADS
/* Unlink the pending request whose callback user is u (NULL if answered). */
static fmcp__mcp_pending *fmcp__mcp_pending_take_user(fmcp_session *s, void *u)
{
    fmcp__mcp_pending **pp, *p = NULL;
    FMCP__LOCK(&s->lock);
    for (pp = &s->pending; *pp; pp = &(*pp)->next)
        if ((*pp)->cb_user == u) { p = *pp; *pp = p->next; break; }
    FMCP__UNLOCK(&s->lock);
    return p;
}

static void fmcp__mcp_waiter_wait(fmcp_session *s, fmcp__mcp_waiter *wt, int64_t deadline)
{
    fmcp__mutex_lock(&wt->m);
    while (!wt->done) {
        int64_t left = deadline ? deadline - fmcp_monotonic_ms() : 100;
        if (left > 0) { fmcp__cond_wait_ms(&wt->cv, &wt->m, left < 100 ? left : 100, 0); continue; }
        fmcp__mutex_unlock(&wt->m);
        {
            fmcp__mcp_pending *p = fmcp__mcp_pending_take_user(s, wt);
            fmcp__mutex_lock(&wt->m);
            if (p) { fmcp_free(s->alloc, p, sizeof *p); wt->rc = FMCP_ERR_TIMEOUT; wt->done = 1; }
            else while (!wt->done) fmcp__cond_wait(&wt->cv, &wt->m); /* reply in delivery */
        }
    }
    fmcp__mutex_unlock(&wt->m);
}
#endif

FASTMCP_API fmcp_result fmcp_ctx_request(fmcp_ctx *c, const char *method, const char *params_json,
                                         int64_t timeout_ms, char **out, size_t *out_len)
{
#ifndef FASTMCP_NO_THREADS
    fmcp__mcp_waiter wt;
    fmcp_result r;
    int64_t deadline;
    if (!c || !method || !out || !out_len) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    if (c->inline_run) return FMCP_ERR_STATE;   /* would block the thread that brings the reply */
    memset(&wt, 0, sizeof wt);
    fmcp__mutex_init(&wt.m);
    fmcp__cond_init(&wt.cv);
    wt.alloc = c->s->alloc;
    deadline = timeout_ms > 0 ? fmcp_monotonic_ms() + timeout_ms : 0;
    r = fmcp_ctx_request_async(c, method, params_json, 0, fmcp__mcp_waiter_cb, &wt);
    if (r == FMCP_OK) {
        fmcp__mcp_waiter_wait(c->s, &wt, deadline);
        r = wt.rc;
    }
    fmcp__mutex_destroy(&wt.m);
    fmcp__cond_destroy(&wt.cv);
    if (wt.text && (r == FMCP_OK || r == FMCP_ERR_RPC)) { *out = wt.text; *out_len = wt.len; }
    else if (wt.text) fmcp_free(c->s->alloc, wt.text, wt.len + 1);
    return r;
#else
    (void)c; (void)method; (void)params_json; (void)timeout_ms;
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    return FMCP_ERR_UNSUPPORTED;
#endif
}

static fmcp_result fmcp__mcp_request_cap(fmcp_ctx *c, int cap, const char *method, const char *params,
                                     int64_t timeout_ms, char **out, size_t *out_len)
{
    int have;
    if (!c) return FMCP_ERR_INVALID_ARG;
    FMCP__LOCK(&c->s->lock);
    have = cap == 0 ? c->s->cap_sampling : cap == 1 ? c->s->cap_elicitation : c->s->cap_roots;
    FMCP__UNLOCK(&c->s->lock);
    if (!have) return FMCP_ERR_UNSUPPORTED;
    return fmcp_ctx_request(c, method, params, timeout_ms, out, out_len);
}

FASTMCP_API fmcp_result fmcp_ctx_sample(fmcp_ctx *c, const char *params_json, int64_t timeout_ms,
                                        char **out, size_t *out_len)
{
    return fmcp__mcp_request_cap(c, 0, "sampling/createMessage", params_json, timeout_ms, out, out_len);
}

FASTMCP_API fmcp_result fmcp_ctx_elicit(fmcp_ctx *c, const char *params_json, int64_t timeout_ms,
                                        char **out, size_t *out_len)
{
    return fmcp__mcp_request_cap(c, 1, "elicitation/create", params_json, timeout_ms, out, out_len);
}

FASTMCP_API fmcp_result fmcp_ctx_list_roots(fmcp_ctx *c, int64_t timeout_ms, char **out, size_t *out_len)
{
    return fmcp__mcp_request_cap(c, 2, "roots/list", NULL, timeout_ms, out, out_len);
}

/* A client's reply to one of our requests. */
static void fmcp__mcp_handle_reply(fmcp_session *s, const fmcp_json *v)
{
    const fmcp_json *id = fmcp_json_get(v, "id"), *err = fmcp_json_get(v, "error");
    const fmcp_json *body = err ? err : fmcp_json_get(v, "result");
    fmcp__mcp_pending *p;
    char *text;
    size_t n = 0;
    if (!fmcp_json_is_int(id) || !(p = fmcp__mcp_pending_take(s, fmcp_json_int(id, 0)))) {
        fmcp_server_log(s->srv, FMCP_LOG_WARNING, "mcp: reply to an unknown request dropped");
        return;
    }
    text = fmcp__mcp_json_text(s->alloc, body, &n);
    if (!text) p->cb(p->cb_user, FMCP_ERR_NOMEM, NULL, 0);
    else p->cb(p->cb_user, err ? FMCP_ERR_RPC : FMCP_OK, text, n);
    if (text) fmcp_free(s->alloc, text, n + 1);
    fmcp_free(s->alloc, p, sizeof *p);
}

/* ---- request handling ---------------------------------------------------- */

typedef struct fmcp__mcp_req {
    fmcp_session *s;
    fmcp__mcp_msg *m;
    fmcp__mcp_group *g;
    fmcp__mcp_batch *b;
    fmcp__mcp_auth *au;
    const char *id;
    size_t id_len;
    const fmcp_json *params;
    fmcp__mcp_era era;
    int modern_hint;          /* fmcp_receive_opts.modern */
    const fmcp_json *meta;    /* params._meta, found once by fmcp__era_detect */
    int cacheable;            /* the result gets ttlMs and cacheScope (2026-07-28) */
} fmcp__mcp_req;

static void fmcp__mcp_req_error(fmcp__mcp_req *r, int code, const char *message)
{
    fmcp__mcp_reply_error(r->s, r->g, r->b, r->id, r->id_len, code, message);
}

static void fmcp__mcp_req_begin(fmcp__mcp_req *r, fmcp_json_writer *w)
{
    fmcp_jw_init(w, r->s->alloc);
    fmcp__mcp_envelope_begin(w, r->id, r->id_len);
    fmcp_jw_key(w, "result");
}

/* Close the result object; a 2026-07-28 result gets its fields first. */
static void fmcp__mcp_result_end(fmcp__mcp_req *r, fmcp_json_writer *w)
{
    if (r->era.modern) fmcp__era_req_tail(r, w);
    fmcp_jw_object_end(w);
}

static void fmcp__mcp_req_end(fmcp__mcp_req *r, fmcp_json_writer *w)
{
    fmcp_jw_object_end(w);
    fmcp__mcp_deliver_writer(r->s, r->g, r->b, r->id, r->id_len, w);
}

static void fmcp__mcp_req_empty(fmcp__mcp_req *r)
{
    fmcp_json_writer w;
    fmcp__mcp_req_begin(r, &w);
    fmcp_jw_object_begin(&w);
    fmcp__mcp_result_end(r, &w);
    fmcp__mcp_req_end(r, &w);
}

/* The version to speak when the client asks for `want`: that one if
 * supported, else the latest. */
static const char *fmcp__mcp_negotiate(const fmcp_server *srv, const char *want)
{
    size_t i;
    for (i = 0; srv->versions[i]; i++)
        if (strcmp(srv->versions[i], want) == 0) return srv->versions[i];
    return srv->versions[0];
}

/* strncpy(s->version, v, sizeof s->version - 1), without linking strncpy */
static void fmcp__mcp_set_version(fmcp_session *s, const char *v)
{
    size_t n = strlen(v);
    if (n > sizeof s->version - 1) n = sizeof s->version - 1;
    memset(s->version, 0, sizeof s->version - 1);
    memcpy(s->version, v, n);
}

FASTMCP_API fmcp_result fmcp_session_assume_initialized(fmcp_session *s, const char *version)
{
    if (!s || !version) return FMCP_ERR_INVALID_ARG;
    FMCP__LOCK(&s->lock);
    fmcp__mcp_set_version(s, fmcp__mcp_negotiate(s->srv, version));
    s->cap_sampling = s->cap_elicitation = s->cap_roots = 0;
    s->initialized = 1;
    FMCP__UNLOCK(&s->lock);
    return FMCP_OK;
}

static void fmcp__mcp_jw_empty(fmcp_json_writer *w, const char *key)
{
    fmcp_jw_key(w, key);
    fmcp_jw_object_begin(w);
    fmcp_jw_object_end(w);
}

/* "capabilities": what initialize (legacy) and server/discover (modern) announce. */
static void fmcp__mcp_write_caps(fmcp_server *srv, fmcp_json_writer *w, int modern)
{
    int tools, res, prompts;
    FMCP__LOCK(&srv->lock);
    tools = srv->items[FMCP_ITEM_TOOL].n > 0;
    res = srv->items[FMCP_ITEM_RESOURCE].n + srv->items[FMCP_ITEM_TEMPLATE].n > 0;
    prompts = srv->items[FMCP_ITEM_PROMPT].n > 0;
    FMCP__UNLOCK(&srv->lock);
    fmcp_jw_key(w, "capabilities"); fmcp_jw_object_begin(w);
    fmcp__mcp_jw_empty(w, "logging");
    if (res || prompts) fmcp__mcp_jw_empty(w, "completions");
    if (tools) {
        fmcp_jw_key(w, "tools"); fmcp_jw_object_begin(w);
        fmcp_jw_key(w, "listChanged"); fmcp_jw_bool(w, 1); fmcp_jw_object_end(w);
    }
    if (res) {
        fmcp_jw_key(w, "resources"); fmcp_jw_object_begin(w);
        fmcp_jw_key(w, "subscribe"); fmcp_jw_bool(w, 1);
        fmcp_jw_key(w, "listChanged"); fmcp_jw_bool(w, 1); fmcp_jw_object_end(w);
    }
    if (prompts) {
        fmcp_jw_key(w, "prompts"); fmcp_jw_object_begin(w);
        fmcp_jw_key(w, "listChanged"); fmcp_jw_bool(w, 1); fmcp_jw_object_end(w);
    }
    if (modern) fmcp__tasks_write_ext(w);
    fmcp_jw_object_end(w);
}

static void fmcp__mcp_handle_initialize(fmcp__mcp_req *r)
{
    fmcp_session *s = r->s;
    fmcp_server *srv = s->srv;
    const char *want = fmcp_json_get_str(r->params, "protocolVersion", NULL);
    const char *use;
    const fmcp_json *caps = fmcp_json_get(r->params, "capabilities");
    fmcp_json_writer w;
    if (!want) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "protocolVersion is required"); return; }
    use = fmcp__mcp_negotiate(srv, want);
    FMCP__LOCK(&s->lock);
    fmcp__mcp_set_version(s, use);
    s->cap_sampling = fmcp_json_get(caps, "sampling") != NULL;
    s->cap_elicitation = fmcp_json_get(caps, "elicitation") != NULL;
    s->cap_roots = fmcp_json_get(caps, "roots") != NULL;
    s->initialized = 1;
    FMCP__UNLOCK(&s->lock);
    fmcp__mcp_req_begin(r, &w);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "protocolVersion"); fmcp_jw_str(&w, use);
    fmcp__mcp_write_caps(srv, &w, 0);
    fmcp_jw_key(&w, "serverInfo"); fmcp_jw_object_begin(&w);
    fmcp__mcp_jw_opt(&w, "name", srv->name);
    fmcp__mcp_jw_opt(&w, "title", srv->title);
    fmcp__mcp_jw_opt(&w, "version", srv->version);
    fmcp_jw_object_end(&w);
    fmcp__mcp_jw_opt(&w, "instructions", srv->instructions);
    fmcp__mcp_result_end(r, &w);
    fmcp__mcp_req_end(r, &w);
}

/* Cursor text is "p<offset>"; returns 0 when malformed. */
static int fmcp__mcp_parse_cursor(const char *c, size_t *off)
{
    size_t v = 0;
    if (!c || c[0] != 'p' || !c[1]) return 0;
    for (c++; *c; c++) {
        if (*c < '0' || *c > '9' || v > 100000000) return 0;
        v = v * 10 + (size_t)(*c - '0');
    }
    *off = v;
    return 1;
}

static void fmcp__mcp_handle_list(fmcp__mcp_req *r, fmcp_item_kind k, const char *key)
{
    fmcp_server *srv = r->s->srv;
    const fmcp_json *cur = fmcp_json_get(r->params, "cursor");
    size_t off = 0, i, seen = 0, written = 0;
    int more = 0;
    fmcp_json_writer w;
    if (cur && !fmcp__mcp_parse_cursor(fmcp_json_str(cur, NULL), &off)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid cursor");
        return;
    }
    fmcp__mcp_req_begin(r, &w);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, key);
    fmcp_jw_array_begin(&w);
    FMCP__LOCK(&srv->lock);
    for (i = 0; i < srv->items[k].n; i++) {
        fmcp__mcp_item *it = (fmcp__mcp_item *)srv->items[k].v[i];
        if (fmcp__mcp_authorized(srv, r->au, it) != FMCP_OK) continue;
        if (seen++ < off) continue;
        if (srv->page_size && written == srv->page_size) { more = 1; break; }
        fmcp_jw_raw(&w, it->listing, it->listing_len);
        written++;
    }
    FMCP__UNLOCK(&srv->lock);
    fmcp_jw_array_end(&w);
    if (more) {
        char buf[32];
        FMCP__SNPRINTF(buf, sizeof buf, "p%lu", (unsigned long)(off + written));
        fmcp_jw_key(&w, "nextCursor"); fmcp_jw_str(&w, buf);
    }
    fmcp__mcp_result_end(r, &w);
    fmcp__mcp_req_end(r, &w);
}

/* ---- argument validation (mcp_schema) ------------------------------------- */

/* 1 when args satisfy schema; else 0 with a message in msg. */
static int fmcp__mcp_validate(const fmcp_json *schema, const fmcp_json *args, char *msg, size_t cap)
{
    static const char pre[] = "Invalid arguments: ";
    if (cap <= sizeof pre) return fmcp_schema_validate(schema, args, NULL, 0) == FMCP_OK;
    memcpy(msg, pre, sizeof pre);
    return fmcp_schema_validate(schema, args, msg + sizeof pre - 1, cap - (sizeof pre - 1)) == FMCP_OK;
}

/* An isError tool result carrying one text block. */
static void fmcp__mcp_req_tool_error(fmcp__mcp_req *r, const char *text)
{
    fmcp_json_writer w;
    fmcp__mcp_req_begin(r, &w);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "content"); fmcp_jw_array_begin(&w);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "type"); fmcp_jw_str(&w, "text");
    fmcp_jw_key(&w, "text"); fmcp_jw_str(&w, text);
    fmcp_jw_object_end(&w);
    fmcp_jw_array_end(&w);
    fmcp_jw_key(&w, "isError"); fmcp_jw_bool(&w, 1);
    fmcp__mcp_result_end(r, &w);
    fmcp__mcp_req_end(r, &w);
}

/* Create a ctx for r and run it; on NOMEM answer -32603. */
static fmcp_ctx *fmcp__mcp_req_ctx(fmcp__mcp_req *r, fmcp__mcp_kind kind, const char *name)
{
    int ok = 1;
    fmcp_ctx *c = fmcp__mcp_ctx_new(r->s, r->m, r->g, r->b, r->au, r->id, r->id_len, kind, r->params, name);
    if (c) {   /* one read each (callers may hold srv->lock; the observer is set before serving) */
        c->observe = r->s->srv->observe;
        c->observe_user = r->s->srv->observe_user;
        if (c->observe) c->t0 = fmcp_monotonic_ms();
    }
    if (c) {
        const fmcp_json *tok = fmcp_json_get(fmcp_json_get(r->params, "_meta"), "progressToken");
        if (tok && (fmcp_json_is(tok, FMCP_JSON_STRING) || fmcp_json_is(tok, FMCP_JSON_NUMBER))) {
            c->progress_token = fmcp__mcp_json_text(r->s->alloc, tok, &c->progress_token_len);
            if (!c->progress_token) ok = 0;
        }
    }
    if (c && ok) {
        c->era = r->era;
        if (!c->era.modern || fmcp__era_ctx_setup(r, c)) return c;
    }
    if (c) {   /* unlink from the in-flight list, then free */
        FMCP__LOCK(&r->s->lock);
        fmcp__mcp_inflight_unlink(r->s, c);
        FMCP__UNLOCK(&r->s->lock);
        fmcp__mcp_ctx_free(c);
    }
    if (!ok || !c) fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, "out of memory");
    return NULL;
}

static int fmcp__mcp_version_at_least(fmcp_session *s, const char *v)
{
    int r;
    FMCP__LOCK(&s->lock);
    r = strcmp(s->version, v) >= 0;
    FMCP__UNLOCK(&s->lock);
    return r;
}

static void fmcp__mcp_handle_tool_call(fmcp__mcp_req *r)
{
    fmcp_server *srv = r->s->srv;
    const char *name = fmcp_json_get_str(r->params, "name", NULL);
    const fmcp_json *args = fmcp_json_get(r->params, "arguments");
    fmcp__mcp_item *it = NULL;
    fmcp_handler_fn fn = NULL;
    void *user = NULL;
    char msg[160];
    int state = 0;   /* 0 unknown, 1 forbidden, 2 invalid args, 3 ok */
    int run_inline = 0, task_support = 0;
    long i;
    fmcp_ctx *c;
    if (!name) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing tool name"); return; }
    FMCP__LOCK(&srv->lock);
    i = fmcp__mcp_find_locked(srv, FMCP_ITEM_TOOL, name);
    if (i >= 0) {
        it = (fmcp__mcp_item *)srv->items[FMCP_ITEM_TOOL].v[i];
        if (fmcp__mcp_authorized(srv, r->au, it) != FMCP_OK) state = 1;
        else if (!fmcp__mcp_validate(fmcp_json_root(it->schema), args, msg, sizeof msg)) state = 2;
        else { state = 3; fn = it->handler; user = it->user; run_inline = it->run_inline; task_support = it->task_support; }
    }
    FMCP__UNLOCK(&srv->lock);
    if (state == 0) {
        FMCP__SNPRINTF(msg, sizeof msg, "Unknown tool: %.100s", name);
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, msg);
    } else if (state == 1) {
        fmcp__mcp_req_error(r, FMCP_RPC_FORBIDDEN, "Forbidden: insufficient scope for this tool");
    } else if (state == 2) {
        if (r->era.modern || fmcp__mcp_version_at_least(r->s, "2025-11-25")) fmcp__mcp_req_tool_error(r, msg);
        else fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, msg);
    } else if ((c = fmcp__mcp_req_ctx(r, FMCP__K_TOOL, name)) != NULL) {
        c->handler = fn;
        c->user = user;
        c->inline_run = run_inline;
        if (!task_support || !fmcp__tasks_call(r, c, task_support)) fmcp__mcp_dispatch(c);
    }
}

/* ---- resources ----------------------------------------------------------- */

static int fmcp__mcp_is_escape(const char *s, size_t i, size_t n)
{
    return s[i] == '%' && i + 2 < n && fmcp__hexval(s[i + 1]) >= 0 && fmcp__hexval(s[i + 2]) >= 0;
}

/* Percent-decoded copy of n bytes, allocated to its exact length + 1 (so
 * fmcp__mcp_strfree works unless the value holds a decoded NUL: those are kept
 * encoded). Invalid escapes are kept literally. */
static char *fmcp__mcp_pct_decode(const fmcp_allocator *a, const char *s, size_t n)
{
    size_t i, len = 0;
    char *out, *o;
    for (i = 0; i < n; i++, len++)
        if (fmcp__mcp_is_escape(s, i, n) && (s[i + 1] != '0' || s[i + 2] != '0')) i += 2;
    if (!(out = (char *)fmcp_malloc(a, len + 1))) return NULL;
    for (o = out, i = 0; i < n; i++) {
        if (fmcp__mcp_is_escape(s, i, n) && (s[i + 1] != '0' || s[i + 2] != '0')) {
            *o++ = (char)(fmcp__hexval(s[i + 1]) * 16 + fmcp__hexval(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

/* 1 when the raw variable text v[0..n) may be given to a handler: decoded, it
 * holds no '/' or '\\' (so "..%2F..%2Fetc" cannot walk a path) and is not a
 * dot-segment "." or "..". */
static int fmcp__mcp_var_ok(const char *v, size_t n)
{
    size_t i, len = 0, dots = 0;
    for (i = 0; i < n; i++, len++) {
        char ch = v[i];
        if (fmcp__mcp_is_escape(v, i, n)) {
            ch = (char)(fmcp__hexval(v[i + 1]) * 16 + fmcp__hexval(v[i + 2]));
            i += 2;
        }
        if (ch == '/' || ch == '\\') return 0;
        dots += ch == '.';
    }
    return !(len <= 2 && dots == len);
}

/* Match uri against an RFC 6570 level-1 template. With vars == NULL only
 * counts (returns the number of variables + 1, 0 = no match); else fills
 * vars[2*i] = name, vars[2*i+1] = value. -1 on NOMEM. */
static int fmcp__mcp_tmpl_match(const fmcp_allocator *a, const char *t, const char *u, char **vars)
{
    int n = 0;
    while (*t) {
        if (*t == '{') {
            const char *ne = t, *v = u;
            char stop;
            while (*ne && *ne != '}') ne++;   /* strchr: not linked by small builds otherwise */
            if (!*ne || ne == t + 1) return 0;
            stop = ne[1];
            while (*u && *u != stop && *u != '/') u++;
            if (u == v || !fmcp__mcp_var_ok(v, (size_t)(u - v))) return 0;
            if (vars) {
                vars[2 * n] = fmcp__strndup(a, t + 1, (size_t)(ne - t - 1));
                vars[2 * n + 1] = fmcp__mcp_pct_decode(a, v, (size_t)(u - v));
                if (!vars[2 * n] || !vars[2 * n + 1]) return -1;
            }
            n++;
            t = ne + 1;
        } else if (*t++ != *u++) {
            return 0;
        }
    }
    return *u ? 0 : n + 1;
}

/* Fill a resources/read ctx from a static item (server lock held). */
static fmcp_result fmcp__mcp_read_static(fmcp_ctx *c, const fmcp__mcp_item *it)
{
    if (!it->has_fixed) { c->handler = it->handler; c->user = it->user; return FMCP_OK; }
    if (it->text) return fmcp_ctx_add_resource_text(c, NULL, it->mime, it->text);
    return fmcp_ctx_add_resource_blob(c, NULL, it->mime, it->blob, it->blob_len);
}

/* Fill a ctx from a template item whose match count is n + 1 (lock held). */
static fmcp_result fmcp__mcp_read_template(fmcp_ctx *c, const fmcp__mcp_item *it, int n)
{
    const fmcp_allocator *a = c->s->alloc;
    c->handler = it->handler;
    c->user = it->user;
    if (n > 1) {
        c->vars = (char **)fmcp_malloc(a, (size_t)(n - 1) * 2 * sizeof(char *));
        if (!c->vars) return FMCP_ERR_NOMEM;
        memset(c->vars, 0, (size_t)(n - 1) * 2 * sizeof(char *));
        c->n_vars = (size_t)(n - 1);
        if (fmcp__mcp_tmpl_match(a, it->name, c->uri, c->vars) < 0) return FMCP_ERR_NOMEM;
    }
    return FMCP_OK;
}

/* 2026-07-28: an unknown URI is -32602 with the URI in data. */
static void fmcp__mcp_reply_not_found(fmcp__mcp_req *r, const char *uri)
{
    fmcp_json_writer w;
    char *data = NULL;
    size_t n;
    fmcp_jw_init(&w, r->s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "uri"); fmcp_jw_str(&w, uri);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &data, &n) != FMCP_OK) fmcp_jw_reset(&w);
    fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_INVALID_PARAMS, "Resource not found",
                               data, 0);
    if (data) fmcp_free_text(w.alloc, data, n);
}

static void fmcp__mcp_handle_read(fmcp__mcp_req *r)
{
    fmcp_server *srv = r->s->srv;
    const char *uri = fmcp_json_get_str(r->params, "uri", NULL);
    fmcp__mcp_item *it = NULL;
    fmcp_ctx *c = NULL;
    fmcp_result rc = FMCP_OK;
    int n = 0, forbidden = 0, fixed = 0, ok = 1;
    size_t i;
    long k;
    if (!uri) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing uri"); return; }
    FMCP__LOCK(&srv->lock);
    if ((k = fmcp__mcp_find_locked(srv, FMCP_ITEM_RESOURCE, uri)) >= 0) it = (fmcp__mcp_item *)srv->items[FMCP_ITEM_RESOURCE].v[k];
    for (i = 0; !it && i < srv->items[FMCP_ITEM_TEMPLATE].n; i++) {
        fmcp__mcp_item *t = (fmcp__mcp_item *)srv->items[FMCP_ITEM_TEMPLATE].v[i];
        if ((n = fmcp__mcp_tmpl_match(NULL, t->name, uri, NULL)) > 0) it = t;
    }
    if (it && fmcp__mcp_authorized(srv, r->au, it) != FMCP_OK) forbidden = 1;
    else if (it && (c = fmcp__mcp_req_ctx(r, FMCP__K_RESOURCE, uri)) != NULL) {
        c->uri = fmcp__mcp_strdup_opt(r->s->alloc, uri, &ok);
        c->ttl_ms = it->ttl_ms;
        fixed = it->has_fixed;
        if (!ok) rc = FMCP_ERR_NOMEM;
        else if (it->kind == FMCP_ITEM_RESOURCE) rc = fmcp__mcp_read_static(c, it);
        else rc = fmcp__mcp_read_template(c, it, n);
    }
    FMCP__UNLOCK(&srv->lock);
    if (forbidden) fmcp__mcp_req_error(r, FMCP_RPC_FORBIDDEN, "Forbidden: insufficient scope for this resource");
    else if (!it && r->era.modern) fmcp__mcp_reply_not_found(r, uri);
    else if (!it) fmcp__mcp_req_error(r, FMCP_RPC_RESOURCE_NOT_FOUND, "Resource not found");
    else if (c && (fixed || rc != FMCP_OK)) { c->holds = 1; fmcp__mcp_ctx_release(c, rc); }
    else if (c) fmcp__mcp_dispatch(c);
}

static void fmcp__mcp_handle_subscribe(fmcp__mcp_req *r, int on)
{
    fmcp_session *s = r->s;
    const char *uri = fmcp_json_get_str(r->params, "uri", NULL);
    fmcp_result rc = FMCP_OK;
    size_t i;
    if (!uri) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing uri"); return; }
    FMCP__LOCK(&s->lock);
    for (i = 0; i < s->subs.n; i++)
        if (strcmp((const char *)s->subs.v[i], uri) == 0) break;
    if (on && i == s->subs.n) {
        int ok = 1;
        char *u = fmcp__mcp_strdup_opt(s->alloc, uri, &ok);
        rc = u ? fmcp__mcp_vec_push(s->alloc, &s->subs, u) : FMCP_ERR_NOMEM;
        if (rc != FMCP_OK) fmcp__mcp_strfree(s->alloc, u);
    } else if (!on && i < s->subs.n) {
        fmcp__mcp_strfree(s->alloc, (char *)s->subs.v[i]);
        fmcp__mcp_vec_del(&s->subs, i);
    }
    FMCP__UNLOCK(&s->lock);
    if (rc != FMCP_OK) fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, "out of memory");
    else fmcp__mcp_req_empty(r);
}

FASTMCP_API fmcp_result fmcp_server_notify_resource_updated(fmcp_server *srv, const char *uri)
{
    fmcp_json_writer w;
    char *params;
    size_t n, i, j;
    fmcp_result r;
    if (!srv || !uri) return FMCP_ERR_INVALID_ARG;
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "uri"); fmcp_jw_str(&w, uri);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &params, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    FMCP__LOCK(&srv->lock);
    for (i = 0; i < srv->sessions.n; i++) {
        fmcp_session *s = (fmcp_session *)srv->sessions.v[i];
        int hit = 0;
        FMCP__LOCK(&s->lock);
        for (j = 0; j < s->subs.n && !hit; j++) hit = strcmp((const char *)s->subs.v[j], uri) == 0;
        FMCP__UNLOCK(&s->lock);
        if (hit) (void)fmcp__mcp_send_notification(s, "notifications/resources/updated", params, n, NULL, 0, NULL);
    }
    fmcp__era_notify_locked(srv, "notifications/resources/updated", uri);
    FMCP__UNLOCK(&srv->lock);
    fmcp_free_text(w.alloc, params, n);
    return FMCP_OK;
}

/* ---- prompts and completion ---------------------------------------------- */

static void fmcp__mcp_handle_prompt_get(fmcp__mcp_req *r)
{
    fmcp_server *srv = r->s->srv;
    const char *name = fmcp_json_get_str(r->params, "name", NULL);
    const fmcp_json *args = fmcp_json_get(r->params, "arguments");
    fmcp_handler_fn fn = NULL;
    void *user = NULL;
    char msg[160];
    int state = 0;
    long i;
    size_t k;
    fmcp_ctx *c;
    if (!name) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing prompt name"); return; }
    FMCP__LOCK(&srv->lock);
    if ((i = fmcp__mcp_find_locked(srv, FMCP_ITEM_PROMPT, name)) >= 0) {
        fmcp__mcp_item *it = (fmcp__mcp_item *)srv->items[FMCP_ITEM_PROMPT].v[i];
        state = fmcp__mcp_authorized(srv, r->au, it) != FMCP_OK ? 1 : 3;
        if (args && !fmcp_json_is(args, FMCP_JSON_OBJECT)) {
            state = 2;
            FMCP__SNPRINTF(msg, sizeof msg, "Invalid arguments: expected an object");
        }
        for (k = 0; state == 3 && k < it->n_req; k++)
            if (!fmcp_json_is(fmcp_json_get(args, it->req_args[k]), FMCP_JSON_STRING)) {
                state = 2;
                FMCP__SNPRINTF(msg, sizeof msg, "Missing required argument '%.64s'", it->req_args[k]);
            }
        fn = it->handler;
        user = it->user;
    }
    FMCP__UNLOCK(&srv->lock);
    if (state == 0) {
        FMCP__SNPRINTF(msg, sizeof msg, "Unknown prompt: %.100s", name);
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, msg);
    } else if (state == 1) {
        fmcp__mcp_req_error(r, FMCP_RPC_FORBIDDEN, "Forbidden: insufficient scope for this prompt");
    } else if (state == 2) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, msg);
    } else if ((c = fmcp__mcp_req_ctx(r, FMCP__K_PROMPT, name)) != NULL) {
        c->handler = fn;
        c->user = user;
        fmcp__mcp_dispatch(c);
    }
}

static fmcp__mcp_item *fmcp__mcp_complete_target(fmcp_server *srv, const fmcp_json *ref)
{
    const char *type = fmcp_json_get_str(ref, "type", "");
    long i = -1;
    if (strcmp(type, "ref/prompt") == 0) {
        const char *n = fmcp_json_get_str(ref, "name", NULL);
        if (n && (i = fmcp__mcp_find_locked(srv, FMCP_ITEM_PROMPT, n)) >= 0)
            return (fmcp__mcp_item *)srv->items[FMCP_ITEM_PROMPT].v[i];
    } else if (strcmp(type, "ref/resource") == 0) {
        const char *u = fmcp_json_get_str(ref, "uri", NULL);
        if (u && (i = fmcp__mcp_find_locked(srv, FMCP_ITEM_TEMPLATE, u)) >= 0)
            return (fmcp__mcp_item *)srv->items[FMCP_ITEM_TEMPLATE].v[i];
        if (u && (i = fmcp__mcp_find_locked(srv, FMCP_ITEM_RESOURCE, u)) >= 0)
            return (fmcp__mcp_item *)srv->items[FMCP_ITEM_RESOURCE].v[i];
    }
    return NULL;
}

static void fmcp__mcp_handle_complete(fmcp__mcp_req *r)
{
    fmcp_server *srv = r->s->srv;
    const fmcp_json *arg = fmcp_json_get(r->params, "argument");
    const char *aname = fmcp_json_get_str(arg, "name", NULL);
    const char *avalue = fmcp_json_get_str(arg, "value", NULL);
    fmcp__mcp_item *it;
    fmcp_complete_fn fn = NULL;
    void *user = NULL;
    int state = 0, ok = 1;
    fmcp_ctx *c;
    if (!aname || !avalue) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing argument name or value"); return; }
    FMCP__LOCK(&srv->lock);
    it = fmcp__mcp_complete_target(srv, fmcp_json_get(r->params, "ref"));
    if (it) {
        state = fmcp__mcp_authorized(srv, r->au, it) != FMCP_OK ? 1 : 2;
        fn = it->complete;
        user = it->complete_user;
    }
    FMCP__UNLOCK(&srv->lock);
    if (state == 0) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Unknown completion reference"); return; }
    if (state == 1) { fmcp__mcp_req_error(r, FMCP_RPC_FORBIDDEN, "Forbidden"); return; }
    if ((c = fmcp__mcp_req_ctx(r, FMCP__K_COMPLETE, aname)) == NULL) return;
    c->carg = fmcp__mcp_strdup_opt(r->s->alloc, aname, &ok);
    c->cvalue = fmcp__mcp_strdup_opt(r->s->alloc, avalue, &ok);
    c->args = fmcp_json_get(fmcp_json_get(r->params, "context"), "arguments");
    c->complete = fn;
    c->user = user;
    if (fn && ok) fmcp__mcp_dispatch(c);
    else { c->holds = 1; fmcp__mcp_ctx_release(c, ok ? FMCP_OK : FMCP_ERR_NOMEM); }
}

static void fmcp__mcp_handle_set_level(fmcp__mcp_req *r)
{
    const char *lv = fmcp_json_get_str(r->params, "level", NULL);
    int i;
    for (i = 0; lv && i < 8; i++)
        if (strcmp(lv, fmcp__mcp_level_names[i]) == 0) break;
    if (!lv || i == 8) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid log level"); return; }
    FMCP__LOCK(&r->s->lock);
    r->s->level = (fmcp_log_level)i;
    FMCP__UNLOCK(&r->s->lock);
    fmcp__mcp_req_empty(r);
}

/* Release subscriptions/listen contexts collected (through qnext) under the
 * session lock; cancelled ones end silently, others with their result. */
static void fmcp__mcp_end_listens(fmcp_ctx *c)
{
    while (c) {
        fmcp_ctx *nx = c->qnext;
        fmcp__mcp_ctx_release(c, FMCP_OK);
        c = nx;
    }
}

/* notifications/cancelled: mark the request; its response will be dropped. */
static void fmcp__mcp_handle_cancel(fmcp_session *s, const fmcp_json *params)
{
    const fmcp_json *rid = fmcp_json_get(params, "requestId");
    fmcp__mcp_pending **pp, *p, *failed = NULL;
    fmcp_ctx *c, *ended = NULL;
    char *text;
    size_t n = 0;
    if (!rid || !(text = fmcp__mcp_json_text(s->alloc, rid, &n))) return;
    FMCP__LOCK(&s->lock);
    for (c = s->inflight; c; c = c->next) {
        if (c->id_len != n || memcmp(c->id, text, n) != 0) continue;
        c->cancelled = 1;
        if (c->kind == FMCP__K_LISTEN && !c->listen_ended) { c->listen_ended = 1; c->qnext = ended; ended = c; }
        for (pp = &s->pending; *pp;) {   /* its server-to-client requests end too */
            p = *pp;
            if (p->owner == (const void *)c) { *pp = p->next; p->next = failed; failed = p; }
            else pp = &p->next;
        }
    }
    FMCP__UNLOCK(&s->lock);
    fmcp_free(s->alloc, text, n + 1);
    fmcp__mcp_end_listens(ended);
    while (failed) {
        p = failed->next;
        failed->cb(failed->cb_user, FMCP_ERR_CANCELLED, NULL, 0);
        fmcp_free(s->alloc, failed, sizeof *failed);
        failed = p;
    }
}

/* ---- message routing ----------------------------------------------------- */

static void fmcp__mcp_handle_request(fmcp__mcp_req *r, const char *method)
{
    int init;
    FMCP__LOCK(&r->s->lock);
    init = r->s->initialized;
    FMCP__UNLOCK(&r->s->lock);
    if (strcmp(method, "initialize") == 0) {
        if (r->s->srv->modern_only) fmcp__era_refuse_initialize(r);
        else fmcp__mcp_handle_initialize(r);
        return;
    }
    if (strcmp(method, "ping") == 0) { fmcp__mcp_req_empty(r); return; }
    if (!init) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_REQUEST, "Server not initialized"); return; }
    if (r->params && !fmcp_json_is(r->params, FMCP_JSON_OBJECT)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "params must be an object");
    } else if (strcmp(method, "tools/list") == 0) fmcp__mcp_handle_list(r, FMCP_ITEM_TOOL, "tools");
    else if (strcmp(method, "tools/call") == 0) fmcp__mcp_handle_tool_call(r);
    else if (strcmp(method, "resources/list") == 0) fmcp__mcp_handle_list(r, FMCP_ITEM_RESOURCE, "resources");
    else if (strcmp(method, "resources/templates/list") == 0)
        fmcp__mcp_handle_list(r, FMCP_ITEM_TEMPLATE, "resourceTemplates");
    else if (strcmp(method, "resources/read") == 0) fmcp__mcp_handle_read(r);
    else if (strcmp(method, "resources/subscribe") == 0) fmcp__mcp_handle_subscribe(r, 1);
    else if (strcmp(method, "resources/unsubscribe") == 0) fmcp__mcp_handle_subscribe(r, 0);
    else if (strcmp(method, "prompts/list") == 0) fmcp__mcp_handle_list(r, FMCP_ITEM_PROMPT, "prompts");
    else if (strcmp(method, "prompts/get") == 0) fmcp__mcp_handle_prompt_get(r);
    else if (strcmp(method, "completion/complete") == 0) fmcp__mcp_handle_complete(r);
    else if (strcmp(method, "logging/setLevel") == 0) fmcp__mcp_handle_set_level(r);
    else fmcp__mcp_req_error(r, FMCP_RPC_METHOD_NOT_FOUND, "Method not found");
}

static void fmcp__mcp_handle_notification(fmcp_session *s, const char *method, const fmcp_json *params)
{
    if (strcmp(method, "notifications/cancelled") == 0) fmcp__mcp_handle_cancel(s, params);
    /* notifications/initialized, roots/list_changed, progress: nothing to do */
}

/* Take the reference the coming response will release. */
static void fmcp__mcp_ref(fmcp__mcp_req *r)
{
    if (r->b) {
        FMCP__LOCK(&r->s->lock);
        r->b->pending++;
        FMCP__UNLOCK(&r->s->lock);
    } else {
        fmcp__mcp_group_add(r->s, r->g);
    }
}

static void fmcp__mcp_handle_one(fmcp__mcp_req *r, const fmcp_json *v)
{
    const fmcp_json *id = fmcp_json_get(v, "id"), *method = fmcp_json_get(v, "method");
    char *idtext = NULL;
    size_t idlen = 0;
    int id_ok = fmcp_json_is(id, FMCP_JSON_STRING) || fmcp_json_is(id, FMCP_JSON_NUMBER);
    r->id = NULL;
    r->id_len = 0;
    if (fmcp_json_is(v, FMCP_JSON_OBJECT) && !method && id_ok &&
        (fmcp_json_get(v, "result") || fmcp_json_get(v, "error"))) {
        fmcp__mcp_handle_reply(r->s, v);
        return;
    }
    if (fmcp_json_is(v, FMCP_JSON_OBJECT) && !id && fmcp_json_is(method, FMCP_JSON_STRING)) {
        fmcp__mcp_handle_notification(r->s, fmcp_json_str(method, NULL), fmcp_json_get(v, "params"));
        return;
    }
    fmcp__mcp_ref(r);
    if (id_ok && !(idtext = fmcp__mcp_json_text(r->s->alloc, id, &idlen))) {
        fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, "out of memory");
        return;
    }
    r->id = idtext;
    r->id_len = idlen;
    r->params = fmcp_json_get(v, "params");
    if (!fmcp_json_is(v, FMCP_JSON_OBJECT) || !id_ok || !fmcp_json_is(method, FMCP_JSON_STRING) ||
        strcmp(fmcp_json_get_str(v, "jsonrpc", ""), "2.0") != 0)
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_REQUEST, "Invalid Request");
    else if (fmcp__era_detect(r, fmcp_json_str(method, NULL)))
        fmcp__era_request(r, fmcp_json_str(method, NULL));
    else
        fmcp__mcp_handle_request(r, fmcp_json_str(method, NULL));
    if (idtext) fmcp_free(r->s->alloc, idtext, idlen + 1);
}

static int fmcp__mcp_batch_allowed(fmcp_session *s)
{
    int ok;
    FMCP__LOCK(&s->lock);
    ok = s->initialized && strcmp(s->version, "2025-06-18") < 0;
    FMCP__UNLOCK(&s->lock);
    return ok;
}

static void fmcp__mcp_handle_batch(fmcp__mcp_req *r, const fmcp_json *arr)
{
    const fmcp_json *v;
    fmcp__mcp_batch *b;
    if (!fmcp__mcp_batch_allowed(r->s) || fmcp_json_len(arr) == 0) {
        fmcp__mcp_ref(r);
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_REQUEST,
                        fmcp_json_len(arr) ? "Batches are not supported by this protocol version"
                                           : "Invalid Request: empty batch");
        return;
    }
    b = (fmcp__mcp_batch *)fmcp_malloc(r->s->alloc, sizeof *b);
    if (!b) { fmcp__mcp_ref(r); fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, "out of memory"); return; }
    memset(b, 0, sizeof *b);
    b->pending = 1;
    b->group = r->g;
    fmcp__mcp_group_add(r->s, r->g);
    r->b = b;
    for (v = fmcp_json_first(arr); v; v = fmcp_json_next(v)) fmcp__mcp_handle_one(r, v);
    r->b = NULL;
    fmcp__mcp_batch_release(r->s, b);
}

/* Drop the receive's hold on its group, then hand its jobs to the pool in
 * one go (the group stays alive: each job holds it), or run a lone job here
 * when the transport hands its reading to another thread. */
static void fmcp__mcp_receive_finish(fmcp_session *s, fmcp__mcp_group *g, const fmcp_receive_opts *o)
{
    fmcp_ctx *head = g->jobs, *tail = g->jobs_tail, *c;
    int n = 0;
    g->collecting = 0;
    g->jobs = g->jobs_tail = NULL;
    for (c = head; c; c = c->qnext) n++;
    fmcp__mcp_group_release(s, g);
    if (!head) return;
    if (n == 1 && o && o->handoff && o->handoff(o->handoff_user)) {
        fmcp__mcp_run(head);
    } else if (o && o->defer) {
        if (o->defer->tail) o->defer->tail->qnext = head; else o->defer->head = head;
        o->defer->tail = tail;
        o->defer->n += n;
    } else {
        fmcp__mcp_push_jobs(s->srv, head, tail, n);
    }
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

/* One message, as text (parsed here) or as a document the caller parsed
 * (`doc`, owned from here on). */
static fmcp_result fmcp__mcp_receive(fmcp_session *s, const char *json, size_t len, fmcp_json_doc *doc,
                                     const fmcp_receive_opts *opts)
{
    fmcp_json_parse_options po;
    fmcp__mcp_req r;
    fmcp__mcp_group *g;
    fmcp_result rc = FMCP_OK;
    int closed;
    FMCP__LOCK(&s->lock);
    closed = s->closed;
    FMCP__UNLOCK(&s->lock);
    g = closed ? NULL : (fmcp__mcp_group *)fmcp_malloc(s->alloc, sizeof *g);
    if (!g) { fmcp_json_doc_destroy(doc); return closed ? FMCP_ERR_CLOSED : FMCP_ERR_NOMEM; }
    g->tag = opts ? opts->tag : NULL;
    g->pending = 1;
    g->collecting = 1;
    g->dropped = 0;
    g->jobs = g->jobs_tail = NULL;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.g = g;
    r.modern_hint = opts ? opts->modern : 0;
    if (opts && opts->auth) {
        if (!(r.au = fmcp__mcp_auth_copy(s->alloc, opts->auth, &s->lock))) rc = FMCP_ERR_NOMEM;
    } else if ((r.au = s->auth) != NULL) {
        FMCP__LOCK(&s->lock);
        r.au->refs++;
        FMCP__UNLOCK(&s->lock);
    }
    memset(&po, 0, sizeof po);
    po.alloc = s->alloc;
    if (rc != FMCP_OK) {
        fmcp_json_doc_destroy(doc);
        doc = NULL;
        g->dropped = 1;
    } else if (!doc && (rc = fmcp_json_parse(json ? json : "", len, &po, &doc, NULL)) != FMCP_OK) {
        fmcp__mcp_ref(&r);
        if (rc == FMCP_ERR_NOMEM) fmcp__mcp_req_error(&r, FMCP_RPC_INTERNAL_ERROR, "out of memory");
        else fmcp__mcp_req_error(&r, FMCP_RPC_PARSE_ERROR, "Parse error");
        rc = rc == FMCP_ERR_NOMEM ? rc : FMCP_OK;
    } else if (rc == FMCP_OK && !(r.m = (fmcp__mcp_msg *)fmcp_malloc(s->alloc, sizeof *r.m))) {
        fmcp_json_doc_destroy(doc);
        rc = FMCP_ERR_NOMEM;
        g->dropped = 1;
    } else if (rc == FMCP_OK) {
        const fmcp_json *root = fmcp_json_root(doc);
        r.m->doc = doc;
        r.m->refs = 1;
        if (fmcp_json_is(root, FMCP_JSON_ARRAY)) fmcp__mcp_handle_batch(&r, root);
        else fmcp__mcp_handle_one(&r, root);
        fmcp__mcp_msg_unref(s, r.m);
    }
    fmcp__mcp_auth_unref(s->alloc, r.au, &s->lock);
    fmcp__mcp_receive_finish(s, g, opts);
    return rc;
}

FASTMCP_API fmcp_result fmcp_session_receive_ex(fmcp_session *s, const char *json, size_t len,
                                                const fmcp_receive_opts *opts)
{
    if (!s || (!json && len)) return FMCP_ERR_INVALID_ARG;
    return fmcp__mcp_receive(s, json, len, NULL, opts);
}

FASTMCP_API fmcp_result fmcp_session_receive_doc(fmcp_session *s, fmcp_json_doc *doc, const fmcp_receive_opts *opts)
{
    if (!s || !doc) { fmcp_json_doc_destroy(doc); return FMCP_ERR_INVALID_ARG; }
    return fmcp__mcp_receive(s, NULL, 0, doc, opts);
}

FASTMCP_API fmcp_result fmcp_session_receive(fmcp_session *s, const char *json, size_t len)
{
    return fmcp_session_receive_ex(s, json, len, NULL);
}

FASTMCP_API fmcp_result fmcp_session_reply_error(fmcp_session *s, const char *id_json, int code,
                                                 const char *message)
{
    fmcp__mcp_group *g;
    if (!s || !message) return FMCP_ERR_INVALID_ARG;
    g = (fmcp__mcp_group *)fmcp_malloc(s->alloc, sizeof *g);
    if (!g) return FMCP_ERR_NOMEM;
    g->tag = NULL;
    g->pending = 1;
    fmcp__mcp_reply_error(s, g, NULL, id_json, id_json ? strlen(id_json) : 0, code, message);
    return FMCP_OK;
}

/* ---- call observer and item scopes (audit and step-up for the auth module) ---- */

FASTMCP_API void fmcp_server_set_call_observer(fmcp_server *srv, fmcp_call_observer_fn fn, void *user)
{
    if (!srv) return;
    FMCP__LOCK(&srv->lock);
    srv->observe = fn;
    srv->observe_user = user;
    FMCP__UNLOCK(&srv->lock);
}

/* The item a call would reach (templates for resource URIs); lock held. */
static const fmcp__mcp_item *fmcp__mcp_item_for(fmcp_server *srv, fmcp_item_kind kind, const char *name)
{
    long i = fmcp__mcp_find_locked(srv, kind, name);
    size_t k;
    if (i >= 0) return (const fmcp__mcp_item *)srv->items[kind].v[i];
    if (kind != FMCP_ITEM_RESOURCE) return NULL;
    for (k = 0; k < srv->items[FMCP_ITEM_TEMPLATE].n; k++) {
        const fmcp__mcp_item *t = (const fmcp__mcp_item *)srv->items[FMCP_ITEM_TEMPLATE].v[k];
        if (fmcp__mcp_tmpl_match(NULL, t->name, name, NULL) > 0) return t;
    }
    return NULL;
}

FASTMCP_API fmcp_result fmcp_server_item_scopes(fmcp_server *srv, fmcp_item_kind kind, const char *name,
                                                char *buf, size_t cap)
{
    const fmcp__mcp_item *it;
    fmcp_result r = FMCP_OK;
    size_t n;
    if (!srv || !name || !buf || !cap || (unsigned)kind > 3) return FMCP_ERR_INVALID_ARG;
    buf[0] = 0;
    FMCP__LOCK(&srv->lock);
    it = fmcp__mcp_item_for(srv, kind, name);
    if (!it) r = FMCP_ERR_NOT_FOUND;
    else if ((n = it->scopes ? strlen(it->scopes) : 0) >= cap) r = FMCP_ERR_BUFFER_TOO_SMALL;
    else if (n) memcpy(buf, it->scopes, n + 1);
    FMCP__UNLOCK(&srv->lock);
    return r;
}

FASTMCP_API const fmcp_allocator *fmcp_server_allocator(const fmcp_server *srv)
{
    return srv ? srv->alloc : NULL;
}
