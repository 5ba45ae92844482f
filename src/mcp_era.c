/* mcp_era: implementation. The engine's 2026-07-28 half: it shares the types
 * and helpers of mcp.c, mcp_ctx.c and mcp_route.c (one translation unit),
 * which call the fmcp__era_* entry points mcp.c declares. */
#include "mcp_era.h"

#include <string.h>
#include <stdio.h>

#define FMCP__ERA_PV "io.modelcontextprotocol/protocolVersion"
#define FMCP__ERA_CAPS "io.modelcontextprotocol/clientCapabilities"
#define FMCP__ERA_LOG "io.modelcontextprotocol/logLevel"
#define FMCP__ERA_SUB "io.modelcontextprotocol/subscriptionId"
#define FMCP__ERA_INFO "io.modelcontextprotocol/serverInfo"
#define FMCP__ERA_TASKS "io.modelcontextprotocol/tasks"
#define FMCP__ERA_STATE_MAX 65536        /* requestState payload cap */
#define FMCP__ERA_INPUT_TIMEOUT 300000   /* legacy fmcp_ctx_input: 5 minutes */

/* The tasks extension (mcp_tasks.c, later in this translation unit). */
static void fmcp__tasks_request(fmcp__mcp_req *r, const char *method);
static fmcp_result fmcp__tasks_input(fmcp_ctx *c, const char *key, const char *method, const char *params,
                                     const fmcp_json **out);
static int fmcp__tasks_listen_ok(fmcp__mcp_req *r, const fmcp_json *filter);
static void fmcp__tasks_ack(fmcp_json_writer *w, const fmcp_json *filter);

static const char *const fmcp__era_modern_versions[] = { FMCP_PROTOCOL_MODERN, NULL };

/* An answer fetched in the legacy era (blocking request), by key. */
typedef struct fmcp__era_input {
    struct fmcp__era_input *next;
    char *key;
    fmcp_json_doc *doc;
} fmcp__era_input;

struct fmcp__era_mrtr {
    fmcp_json_doc *state;          /* verified payload of params.requestState */
    const fmcp_json *responses;    /* params.inputResponses (in the message) */
    fmcp_json_writer ireq;         /* inputRequests so far ('{' written) */
    int n_ireq;
    const fmcp_json **used;        /* members of responses the handler took */
    size_t n_used, cap_used;
    char *app;                     /* fmcp_ctx_set_state */
    char *err_data;                /* data of a -32021 answer */
    int lost;                      /* the handler's state could not be kept (out of memory) */
    fmcp__era_input *inputs;       /* legacy era */
};

/* ---- detection and validation ---------------------------------------------------- */

static int fmcp__era_known(const char *const *list, const char *v)
{
    size_t i;
    for (i = 0; list[i]; i++)
        if (strcmp(list[i], v) == 0) return 1;
    return 0;
}

static int fmcp__era_detect(fmcp__mcp_req *r, const char *method)
{
    const fmcp_json *meta = r->meta = fmcp_json_get(r->params, "_meta");
    memset(&r->era, 0, sizeof r->era);
    r->era.log_level = -1;
    if (r->s->srv->modern_only && strcmp(method, "initialize") == 0 && !fmcp_json_get(meta, FMCP__ERA_PV))
        return 0;   /* a legacy client: refused by name, with the versions we speak */
    if (r->modern_hint || fmcp_json_get(meta, FMCP__ERA_PV)) r->era.modern = 1;
    /* a modern-only server treats everything but initialize as modern, so a
     * request without _meta learns what is missing */
    else if (r->s->srv->modern_only && strcmp(method, "initialize") != 0) r->era.modern = 1;
    return r->era.modern;
}

/* ["2026-07-28", legacy...] (legacy ones unless modern-only). */
static void fmcp__era_write_versions(fmcp_server *srv, fmcp_json_writer *w)
{
    size_t i;
    fmcp_jw_array_begin(w);
    for (i = 0; fmcp__era_modern_versions[i]; i++) fmcp_jw_str(w, fmcp__era_modern_versions[i]);
    for (i = 0; !srv->modern_only && srv->versions[i]; i++) fmcp_jw_str(w, srv->versions[i]);
    fmcp_jw_array_end(w);
}

/* An error whose data the writer builds: data(w, arg) writes one value. */
static void fmcp__era_error_with(fmcp__mcp_req *r, int code, const char *message, int status,
                                 void (*data)(fmcp__mcp_req *, fmcp_json_writer *, const char *), const char *arg)
{
    fmcp_json_writer w;
    char *text = NULL;
    size_t n;
    fmcp_jw_init(&w, r->s->alloc);
    data(r, &w, arg);
    if (fmcp_jw_finish(&w, &text, &n) != FMCP_OK) { fmcp_jw_reset(&w); text = NULL; }
    fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, code, message, text, status);
    if (text) fmcp_free_text(w.alloc, text, n);
}

static void fmcp__era_version_data(fmcp__mcp_req *r, fmcp_json_writer *w, const char *requested)
{
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "supported");
    fmcp__era_write_versions(r->s->srv, w);
    fmcp_jw_key(w, "requested"); fmcp_jw_str(w, requested);
    fmcp_jw_object_end(w);
}

static void fmcp__era_refuse_initialize(fmcp__mcp_req *r)
{
    const char *want = fmcp_json_get_str(r->params, "protocolVersion", "");
    fmcp__era_error_with(r, FMCP_RPC_UNSUPPORTED_VERSION,
                         "Unsupported protocol version: this server speaks only " FMCP_PROTOCOL_MODERN
                         " (no initialize; send _meta with every request)", 400, fmcp__era_version_data, want);
}

static int fmcp__era_level(const char *name)
{
    int i;
    for (i = 0; i < 8; i++)
        if (strcmp(name, fmcp__mcp_level_names[i]) == 0) return i;
    return -1;
}

/* _meta of a modern request; 0 after answering. */
static int fmcp__era_check_meta(fmcp__mcp_req *r)
{
    const fmcp_json *meta = r->meta, *pv = NULL, *caps = NULL, *lv = NULL, *m;
    size_t n;
    /* one pass over _meta instead of a lookup per key (the last duplicate wins, as in fmcp_json_get) */
    for (m = fmcp_json_is(meta, FMCP_JSON_OBJECT) ? fmcp_json_first(meta) : NULL; m; m = fmcp_json_next(m)) {
        const char *k = fmcp_json_key(m, &n);
        if (n == sizeof FMCP__ERA_PV - 1 && memcmp(k, FMCP__ERA_PV, n) == 0) pv = m;
        else if (n == sizeof FMCP__ERA_CAPS - 1 && memcmp(k, FMCP__ERA_CAPS, n) == 0) caps = m;
        else if (n == sizeof FMCP__ERA_LOG - 1 && memcmp(k, FMCP__ERA_LOG, n) == 0) lv = m;
    }
    if (r->params && !fmcp_json_is(r->params, FMCP_JSON_OBJECT)) {
        fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_INVALID_PARAMS,
                                   "params must be an object", NULL, 400);
        return 0;
    }
    if (!fmcp_json_is(meta, FMCP_JSON_OBJECT) || !fmcp_json_is(pv, FMCP_JSON_STRING) ||
        !fmcp_json_is(caps, FMCP_JSON_OBJECT)) {
        fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_INVALID_PARAMS,
                                   "Invalid params: _meta must carry " FMCP__ERA_PV " (string) and "
                                   FMCP__ERA_CAPS " (object)", NULL, 400);
        return 0;
    }
    if (!fmcp__era_known(fmcp__era_modern_versions, fmcp_json_str(pv, NULL))) {
        fmcp__era_error_with(r, FMCP_RPC_UNSUPPORTED_VERSION, "Unsupported protocol version", 400,
                             fmcp__era_version_data, fmcp_json_str(pv, NULL));
        return 0;
    }
    if (lv && (!fmcp_json_is(lv, FMCP_JSON_STRING) || fmcp__era_level(fmcp_json_str(lv, NULL)) < 0)) {
        fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_INVALID_PARAMS,
                                   "Invalid params: unknown " FMCP__ERA_LOG, NULL, 400);
        return 0;
    }
    r->era.log_level = lv ? fmcp__era_level(fmcp_json_str(lv, NULL)) : -1;
    r->era.caps = fmcp_json_len(caps) == 0 ? 0 :   /* most clients declare none */
                  (fmcp_json_get(caps, "sampling") ? FMCP__CAP_SAMPLING : 0) |
                  (fmcp_json_get(caps, "elicitation") ? FMCP__CAP_ELICIT : 0) |
                  (fmcp_json_get(caps, "roots") ? FMCP__CAP_ROOTS : 0) |
                  (fmcp_json_get(fmcp_json_get(caps, "extensions"), FMCP__ERA_TASKS) ? FMCP__CAP_TASKS : 0);
    return 1;
}

/* ---- result tails ------------------------------------------------------------------ */

static int fmcp__era_private(const fmcp_server *srv, const fmcp__mcp_auth *au)
{
    return srv->cache_private || au != NULL || srv->authorize != NULL;
}

static void fmcp__era_complete_type(fmcp_json_writer *w)
{
    static const char m[] = "\"resultType\":\"complete\"";
    if (w->pretty) { fmcp_jw_key(w, "resultType"); fmcp_jw_str(w, "complete"); }
    else fmcp__jw_members_trusted(w, m, sizeof m - 1);
}

static void fmcp__era_cache(fmcp_json_writer *w, int64_t ttl, int priv)
{
    fmcp_jw_key(w, "ttlMs"); fmcp_jw_int(w, ttl > 0 ? ttl : 0);
    fmcp_jw_key(w, "cacheScope"); fmcp_jw_str(w, priv ? "private" : "public");
}

/* _meta with serverInfo (and the subscription id of a listen result). */
static void fmcp__era_meta(fmcp_server *srv, fmcp_json_writer *w, const char *sub, size_t sub_len)
{
    if (!sub && srv->era_meta && !w->pretty) {   /* the common case, written once at creation */
        fmcp__jw_members_trusted(w, srv->era_meta + 1, srv->era_meta_len - 2);
        return;
    }
    fmcp_jw_key(w, "_meta");
    fmcp_jw_object_begin(w);
    if (sub) { fmcp_jw_key(w, FMCP__ERA_SUB); fmcp_jw_raw(w, sub, sub_len); }
    fmcp_jw_key(w, FMCP__ERA_INFO);
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "name"); fmcp_jw_str(w, srv->name);
    fmcp__mcp_jw_opt(w, "title", srv->title);
    fmcp_jw_key(w, "version"); fmcp_jw_str(w, srv->version);
    fmcp_jw_object_end(w);
    fmcp_jw_object_end(w);
}

static void fmcp__era_req_tail(fmcp__mcp_req *r, fmcp_json_writer *w)
{
    fmcp_server *srv = r->s->srv;
    fmcp__era_complete_type(w);
    if (r->cacheable) fmcp__era_cache(w, srv->cache_ttl_ms, fmcp__era_private(srv, r->au));
    fmcp__era_meta(srv, w, NULL, 0);
}

static void fmcp__era_ctx_tail(fmcp_ctx *c, fmcp_json_writer *w)
{
    fmcp_server *srv = c->s->srv;
    fmcp__era_complete_type(w);
    if (c->kind == FMCP__K_RESOURCE)
        fmcp__era_cache(w, c->ttl_ms ? c->ttl_ms : srv->cache_ttl_ms, fmcp__era_private(srv, c->auth));
    if (c->kind == FMCP__K_LISTEN) fmcp__era_meta(srv, w, c->id, c->id_len);
    else fmcp__era_meta(srv, w, NULL, 0);
}

/* ---- server/discover ---------------------------------------------------------------- */

static void fmcp__era_discover(fmcp__mcp_req *r)
{
    fmcp_server *srv = r->s->srv;
    fmcp_json_writer w;
    fmcp__mcp_req_begin(r, &w);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "supportedVersions");
    fmcp__era_write_versions(srv, &w);
    fmcp__mcp_write_caps(srv, &w, 1);
    fmcp__mcp_jw_opt(&w, "instructions", srv->instructions);
    r->cacheable = 1;
    fmcp__mcp_result_end(r, &w);
    fmcp__mcp_req_end(r, &w);
}

/* ---- subscriptions/listen -------------------------------------------------------------- */

static const char *const fmcp__era_filters[] = { "toolsListChanged", "promptsListChanged", "resourcesListChanged" };
static const char *const fmcp__era_filter_methods[] = {
    "notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"
};

/* Does the listen ctx's filter ask for method (and uri, for resources/updated)? */
static int fmcp__era_wants(const fmcp_ctx *c, const char *method, const char *uri)
{
    const fmcp_json *f = fmcp_json_get(c->params, "notifications"), *v;
    size_t i;
    if (uri) {
        for (v = fmcp_json_first(fmcp_json_get(f, "resourceSubscriptions")); v; v = fmcp_json_next(v))
            if (fmcp_json_is(v, FMCP_JSON_STRING) && strcmp(fmcp_json_str(v, NULL), uri) == 0) return 1;
        return 0;
    }
    for (i = 0; i < 3; i++)
        if (strcmp(method, fmcp__era_filter_methods[i]) == 0) return fmcp_json_get_bool(f, fmcp__era_filters[i], 0);
    return 0;
}

/* params of a listen-stream notification: _meta.subscriptionId, then the
 * URI (resources/updated) or, in the acknowledgement (ack), the filter. */
static fmcp_result fmcp__era_sub_send(fmcp_ctx *c, const char *method, int ack, const fmcp_json *filter,
                                      const char *uri)
{
    fmcp_json_writer w;
    char *p;
    size_t n, i;
    fmcp_result rc;
    const fmcp_json *subs, *v;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "_meta"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, FMCP__ERA_SUB); fmcp_jw_raw(&w, c->id, c->id_len);
    fmcp_jw_object_end(&w);
    if (uri) { fmcp_jw_key(&w, "uri"); fmcp_jw_str(&w, uri); }
    if (ack) {   /* the part of the filter we honour: all of it */
        fmcp_jw_key(&w, "notifications"); fmcp_jw_object_begin(&w);
        for (i = 0; i < 3; i++)
            if (fmcp_json_get_bool(filter, fmcp__era_filters[i], 0)) { fmcp_jw_key(&w, fmcp__era_filters[i]); fmcp_jw_bool(&w, 1); }
        if ((subs = fmcp_json_get(filter, "resourceSubscriptions")) != NULL) {
            fmcp_jw_key(&w, "resourceSubscriptions"); fmcp_jw_array_begin(&w);
            for (v = fmcp_json_first(subs); v; v = fmcp_json_next(v)) fmcp_jw_value(&w, v);
            fmcp_jw_array_end(&w);
        }
        fmcp__tasks_ack(&w, filter);
        fmcp_jw_object_end(&w);
    }
    fmcp_jw_object_end(&w);
    if ((rc = fmcp_jw_finish(&w, &p, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return rc; }
    rc = fmcp__mcp_send_notification(c->s, method, p, n, c->id, c->id_len, c->group->tag);
    fmcp_free_text(w.alloc, p, n);
    return rc;
}

static int fmcp__era_filter_ok(const fmcp_json *f)
{
    const fmcp_json *subs = fmcp_json_get(f, "resourceSubscriptions"), *v;
    size_t i;
    if (f && !fmcp_json_is(f, FMCP_JSON_OBJECT)) return 0;
    for (i = 0; i < 3; i++) {
        v = fmcp_json_get(f, fmcp__era_filters[i]);
        if (v && !fmcp_json_is(v, FMCP_JSON_BOOL)) return 0;
    }
    if (subs && !fmcp_json_is(subs, FMCP_JSON_ARRAY)) return 0;
    for (v = fmcp_json_first(subs); v; v = fmcp_json_next(v))
        if (!fmcp_json_is(v, FMCP_JSON_STRING)) return 0;
    return 1;
}

/* The listen ctx stays in flight (held) until cancelled, closed or ended. */
static void fmcp__era_listen(fmcp__mcp_req *r)
{
    const fmcp_json *f = fmcp_json_get(r->params, "notifications");
    fmcp_ctx *c;
    if (!fmcp__era_filter_ok(f)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid params: notifications filter");
        return;
    }
    if (!fmcp__tasks_listen_ok(r, f)) return;   /* taskIds: answered there */
    c = fmcp__mcp_ctx_new(r->s, r->m, r->g, r->b, r->au, r->id, r->id_len, FMCP__K_LISTEN, r->params, NULL);
    if (!c) { fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, "out of memory"); return; }
    c->era = r->era;
    FMCP__LOCK(&r->s->lock);
    c->holds = 1;
    c->deferred = 1;
    FMCP__UNLOCK(&r->s->lock);
    /* no acknowledgement (or no room for the final answer), no subscription:
     * the listen ends with an error */
    if (c->w.err != FMCP_OK ||
        fmcp__era_sub_send(c, "notifications/subscriptions/acknowledged", 1, f, NULL) != FMCP_OK) {
        int mine;
        FMCP__LOCK(&r->s->lock);
        mine = !c->listen_ended;
        c->listen_ended = 1;
        FMCP__UNLOCK(&r->s->lock);
        if (mine) fmcp__mcp_ctx_release(c, FMCP_ERR_NOMEM);
    }
}

/* Registry lock held (mcp.c's broadcasts): tell every matching listener. */
static void fmcp__era_notify_locked(fmcp_server *srv, const char *method, const char *uri)
{
    size_t i;
    fmcp_ctx *c;
    for (i = 0; i < srv->sessions.n; i++) {
        fmcp_session *s = (fmcp_session *)srv->sessions.v[i];
        FMCP__LOCK(&s->lock);
        for (c = s->inflight; c; c = c->next)
            if (c->kind == FMCP__K_LISTEN && !c->listen_ended && !c->cancelled && fmcp__era_wants(c, method, uri))
                (void)fmcp__era_sub_send(c, method, 0, NULL, uri);
        FMCP__UNLOCK(&s->lock);
    }
}

FASTMCP_API int fmcp_server_modern_only(const fmcp_server *srv) { return srv ? srv->modern_only : 0; }

FASTMCP_API void fmcp_server_end_subscriptions(fmcp_server *srv)
{
    size_t i;
    fmcp_ctx *c, *ended = NULL;
    if (!srv) return;
    FMCP__LOCK(&srv->lock);
    for (i = 0; i < srv->sessions.n; i++) {
        fmcp_session *s = (fmcp_session *)srv->sessions.v[i];
        FMCP__LOCK(&s->lock);
        for (c = s->inflight; c; c = c->next)
            if (c->kind == FMCP__K_LISTEN && !c->listen_ended) { c->listen_ended = 1; c->qnext = ended; ended = c; }
        FMCP__UNLOCK(&s->lock);
    }
    FMCP__UNLOCK(&srv->lock);
    /* cancellation.mdx: the server announces the teardown with
     * notifications/cancelled, then (subscriptions.mdx) answers the listen */
    for (c = ended; c; c = c->qnext) {
        char p[300];
        int n = snprintf(p, sizeof p, "{\"requestId\":%.*s,\"reason\":\"server ending subscriptions\"}",
                         (int)(c->id_len < 256 ? c->id_len : 0), c->id);
        if (n > 0 && (size_t)n < sizeof p && c->id_len < 256)
            (void)fmcp__mcp_send_notification(c->s, "notifications/cancelled", p, (size_t)n, c->id, c->id_len,
                                              c->group->tag);
    }
    fmcp__mcp_end_listens(ended);
}

/* ---- routing ---------------------------------------------------------------------------- */

static void fmcp__era_request(fmcp__mcp_req *r, const char *method)
{
    static const char *const removed[] = {
        "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", NULL
    };
    size_t i;
    if (!fmcp__era_check_meta(r)) return;
    if (strcmp(method, "tools/call") == 0) { fmcp__mcp_handle_tool_call(r); return; }   /* the hot one */
    for (i = 0; removed[i]; i++)
        if (strcmp(method, removed[i]) == 0) break;
    if (removed[i]) {
        fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_METHOD_NOT_FOUND,
                                   "Method not found (removed in " FMCP_PROTOCOL_MODERN ")", NULL, 404);
    } else if (strcmp(method, "server/discover") == 0) fmcp__era_discover(r);
    else if (strcmp(method, "tools/list") == 0) { r->cacheable = 1; fmcp__mcp_handle_list(r, FMCP_ITEM_TOOL, "tools"); }
    else if (strcmp(method, "resources/list") == 0) {
        r->cacheable = 1;
        fmcp__mcp_handle_list(r, FMCP_ITEM_RESOURCE, "resources");
    } else if (strcmp(method, "resources/templates/list") == 0) {
        r->cacheable = 1;
        fmcp__mcp_handle_list(r, FMCP_ITEM_TEMPLATE, "resourceTemplates");
    } else if (strcmp(method, "resources/read") == 0) fmcp__mcp_handle_read(r);
    else if (strcmp(method, "prompts/list") == 0) { r->cacheable = 1; fmcp__mcp_handle_list(r, FMCP_ITEM_PROMPT, "prompts"); }
    else if (strcmp(method, "prompts/get") == 0) fmcp__mcp_handle_prompt_get(r);
    else if (strcmp(method, "completion/complete") == 0) fmcp__mcp_handle_complete(r);
    else if (strcmp(method, "subscriptions/listen") == 0) fmcp__era_listen(r);
    else if (strncmp(method, "tasks/", 6) == 0) fmcp__tasks_request(r, method);
    else fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_METHOD_NOT_FOUND,
                                    "Method not found", NULL, 404);
}

/* ---- multi round-trip: requestState ------------------------------------------------------ */

/* {"_meta":{"io.modelcontextprotocol/serverInfo":{...}}}: every modern
 * result's _meta member (written without the outer braces). */
static fmcp_result fmcp__era_cache_meta(fmcp_server *srv)
{
    fmcp_json_writer w;
    fmcp_result r;
    fmcp_jw_init(&w, srv->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "_meta");
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, FMCP__ERA_INFO);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "name"); fmcp_jw_str(&w, srv->name);
    fmcp__mcp_jw_opt(&w, "title", srv->title);
    fmcp_jw_key(&w, "version"); fmcp_jw_str(&w, srv->version);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &srv->era_meta, &srv->era_meta_len)) != FMCP_OK) { fmcp_jw_reset(&w); srv->era_meta = NULL; }
    return r;
}

static fmcp_result fmcp__era_server_init(fmcp_server *srv, const fmcp_server_desc *d)
{
    srv->modern_only = d->modern_only != 0;
    srv->cache_private = d->cache_private != 0;
    srv->cache_ttl_ms = d->cache_ttl_ms > 0 ? d->cache_ttl_ms : 0;
    /* at most 2^31 - 1 ms (24 days), so the seconds come from a 32-bit
     * division (small targets then link no 64-bit division routine) */
    srv->state_ttl_ms = d->state_ttl_ms <= 0 ? 600000 : d->state_ttl_ms > 0x7fffffff ? 0x7fffffff : d->state_ttl_ms;
    if (d->state_key) {
        if (d->state_key_len < 32) return FMCP_ERR_INVALID_ARG;
        fmcp_sha256(d->state_key, d->state_key_len, srv->state_key);   /* any length -> 32 bytes */
        srv->has_state_key = 1;
    }
    return fmcp__era_cache_meta(srv);
}

/* The HMAC key; made from the CSPRNG on first use when none was set. */
static fmcp_result fmcp__era_key(fmcp_server *srv, unsigned char key[32])
{
    fmcp_result rc = FMCP_OK;
    FMCP__LOCK(&srv->lock);
    if (!srv->has_state_key && (rc = fmcp_random_bytes(srv->state_key, 32)) == FMCP_OK) srv->has_state_key = 1;
    if (rc == FMCP_OK) memcpy(key, srv->state_key, 32);
    FMCP__UNLOCK(&srv->lock);
    return rc;
}

static void fmcp__era_b64_digest(const uint8_t d[32], char out[44])
{
    size_t n = 0;
    (void)fmcp_b64_encode(FMCP_B64_URL, d, 32, out, 44, &n);
    out[n] = 0;
}

/* Who asked: the one identity function of the engine (issuer and subject,
 * else client id, else the token's hash; "" = nobody). */
static void fmcp__era_principal(const fmcp__mcp_auth *au, char out[FMCP_PRINCIPAL_SIZE])
{
    (void)fmcp_auth_info_principal(au ? &au->info : NULL, out);
}

/* Digest of the arguments as compact JSON (the retry carries the same ones). */
static fmcp_result fmcp__era_args_digest(const fmcp_ctx *c, char out[44])
{
    uint8_t d[32];
    size_t need = 0;
    char *buf;
    if (!c->args) { fmcp_sha256("", 0, d); fmcp__era_b64_digest(d, out); return FMCP_OK; }
    if (fmcp_json_write(c->args, NULL, 0, &need) != FMCP_ERR_BUFFER_TOO_SMALL) return FMCP_ERR_PARSE;
    if (!(buf = (char *)fmcp_malloc(c->s->alloc, need))) return FMCP_ERR_NOMEM;
    if (fmcp_json_write(c->args, buf, need, NULL) != FMCP_OK) { fmcp_free(c->s->alloc, buf, need); return FMCP_ERR_PARSE; }
    fmcp_sha256(buf, strlen(buf), d);
    fmcp_free(c->s->alloc, buf, need);
    fmcp__era_b64_digest(d, out);
    return FMCP_OK;
}

static const char *fmcp__era_kind_method(const fmcp_ctx *c)
{
    return c->kind == FMCP__K_TOOL ? "tools/call" : c->kind == FMCP__K_PROMPT ? "prompts/get" : "resources/read";
}

/* Checks "payload.mac" and returns the parsed payload when it is ours, fresh
 * and bound to this caller, method, name and arguments. */
static fmcp_result fmcp__era_state_open(fmcp_ctx *c, const char *text, size_t len, fmcp_json_doc **out)
{
    const char *dot = (const char *)memchr(text, '.', len);
    unsigned char key[32];
    uint8_t mac[32], got[33];
    char *payload = NULL, who[FMCP_PRINCIPAL_SIZE], args[44];
    size_t plen = 0, glen = 0, cap;
    fmcp_json_parse_options po;
    const fmcp_json *root;
    fmcp_result rc;
    *out = NULL;
    if (!dot || (size_t)(dot - text) > FMCP__ERA_STATE_MAX * 2) return FMCP_ERR_AUTH;
    if ((rc = fmcp__era_key(c->s->srv, key)) != FMCP_OK) return rc;
    fmcp_hmac_sha256(key, 32, text, (size_t)(dot - text), mac);
    fmcp_wipe(key, sizeof key);
    if (fmcp_b64_decode(FMCP_B64_URL, dot + 1, len - (size_t)(dot - text) - 1, got, sizeof got, &glen) != FMCP_OK ||
        glen != 32 || !fmcp_ct_equal(got, mac, 32))
        return FMCP_ERR_AUTH;
    cap = fmcp_b64_decoded_max((size_t)(dot - text)) + 1;
    if (!(payload = (char *)fmcp_malloc(c->s->alloc, cap))) return FMCP_ERR_NOMEM;
    if (fmcp_b64_decode(FMCP_B64_URL, text, (size_t)(dot - text), payload, cap, &plen) != FMCP_OK) {
        fmcp_free(c->s->alloc, payload, cap);
        return FMCP_ERR_AUTH;
    }
    memset(&po, 0, sizeof po);
    po.alloc = c->s->alloc;
    rc = fmcp_json_parse(payload, plen, &po, out, NULL);
    fmcp_free(c->s->alloc, payload, cap);
    if (rc != FMCP_OK) return rc == FMCP_ERR_NOMEM ? rc : FMCP_ERR_AUTH;
    root = fmcp_json_root(*out);
    fmcp__era_principal(c->auth, who);
    if ((rc = fmcp__era_args_digest(c, args)) == FMCP_OK &&
        (fmcp_json_get_int(root, "v", 0) != 1 || fmcp_json_get_int(root, "x", 0) < fmcp_time_now() ||
         strcmp(fmcp_json_get_str(root, "p", ""), who) != 0 ||
         strcmp(fmcp_json_get_str(root, "m", ""), fmcp__era_kind_method(c)) != 0 ||
         strcmp(fmcp_json_get_str(root, "n", ""), c->name ? c->name : "") != 0 ||
         strcmp(fmcp_json_get_str(root, "a", ""), args) != 0))
        rc = FMCP_ERR_AUTH;
    if (rc != FMCP_OK) { fmcp_json_doc_destroy(*out); *out = NULL; }
    return rc;
}

static struct fmcp__era_mrtr *fmcp__era_mrtr_get(fmcp_ctx *c)
{
    if (!c->mrtr && (c->mrtr = (struct fmcp__era_mrtr *)fmcp_malloc(c->s->alloc, sizeof *c->mrtr)) != NULL) {
        memset(c->mrtr, 0, sizeof *c->mrtr);
        fmcp_jw_init(&c->mrtr->ireq, c->s->alloc);
        fmcp_jw_object_begin(&c->mrtr->ireq);
    }
    return c->mrtr;
}

static void fmcp__era_ctx_free(fmcp_ctx *c)
{
    struct fmcp__era_mrtr *m = c->mrtr;
    const fmcp_allocator *a = c->s->alloc;
    while (m->inputs) {
        fmcp__era_input *in = m->inputs;
        m->inputs = in->next;
        fmcp__strfree(a, in->key, 0);
        fmcp_json_doc_destroy(in->doc);
        fmcp_free(a, in, sizeof *in);
    }
    fmcp_json_doc_destroy(m->state);
    fmcp_jw_reset(&m->ireq);
    if (m->used) fmcp_free(a, (void *)m->used, m->cap_used * sizeof *m->used);
    fmcp__strfree(a, m->app, 0);
    fmcp__strfree(a, m->err_data, 0);
    fmcp_free(a, m, sizeof *m);
    c->mrtr = NULL;
}

/* Modern tools/call, prompts/get, resources/read: take inputResponses and
 * check requestState before the handler runs. 0 after answering. */
static int fmcp__era_ctx_setup(fmcp__mcp_req *r, fmcp_ctx *c)
{
    const fmcp_json *rs = NULL, *ir = NULL, *p;
    struct fmcp__era_mrtr *m;
    fmcp_result rc = FMCP_OK;
    size_t n = 0;
    const char *text;
    if (c->kind == FMCP__K_COMPLETE) return 1;
    /* one pass over params: nearly every request carries neither */
    for (p = fmcp_json_is(r->params, FMCP_JSON_OBJECT) ? fmcp_json_first(r->params) : NULL; p; p = fmcp_json_next(p)) {
        const char *k = fmcp_json_key(p, &n);
        if (n == 12 && memcmp(k, "requestState", 12) == 0) rs = p;
        else if (n == 14 && memcmp(k, "inputResponses", 14) == 0) ir = p;
    }
    n = 0;
    if (!rs && !ir) return 1;
    if (ir && !fmcp_json_is(ir, FMCP_JSON_OBJECT)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid params: inputResponses must be an object");
        return 0;
    }
    if (rs && !fmcp_json_is(rs, FMCP_JSON_STRING)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid params: requestState must be a string");
        return 0;
    }
    if (!(m = fmcp__era_mrtr_get(c))) { fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, "out of memory"); return 0; }
    m->responses = ir;
    if (rs && (text = fmcp_json_str(rs, &n)) != NULL) rc = fmcp__era_state_open(c, text, n, &m->state);
    if (rc == FMCP_ERR_NOMEM || rc == FMCP_ERR_RANDOM) {
        fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, fmcp_result_str(rc));
        return 0;
    }
    if (rc != FMCP_OK) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS,
                            "Invalid params: requestState failed verification (tampered, expired or not yours)");
        return 0;
    }
    return 1;
}

/* payload -> "b64url(payload).b64url(hmac)" in a new string. */
static fmcp_result fmcp__era_seal(fmcp_ctx *c, const char *payload, size_t plen, char **out, size_t *out_len)
{
    unsigned char key[32];
    uint8_t mac[32];
    size_t e = fmcp_b64_encoded_len(FMCP_B64_URL, plen), n = 0, m = 0, cap;
    char *s;
    fmcp_result rc;
    if (plen > FMCP__ERA_STATE_MAX) return FMCP_ERR_TOO_LARGE;
    if ((rc = fmcp__era_key(c->s->srv, key)) != FMCP_OK) return rc;
    cap = e + 1 + fmcp_b64_encoded_len(FMCP_B64_URL, 32) + 1;
    if (!(s = (char *)fmcp_malloc(c->s->alloc, cap))) { fmcp_wipe(key, sizeof key); return FMCP_ERR_NOMEM; }
    (void)fmcp_b64_encode(FMCP_B64_URL, payload, plen, s, cap, &n);
    fmcp_hmac_sha256(key, 32, s, n, mac);
    fmcp_wipe(key, sizeof key);
    s[n++] = '.';
    (void)fmcp_b64_encode(FMCP_B64_URL, mac, 32, s + n, cap - n, &m);
    s[n + m] = 0;
    *out = s;
    *out_len = cap;
    return FMCP_OK;
}

/* Is member v (a response) among those the handler took this round? */
static int fmcp__era_used(const struct fmcp__era_mrtr *m, const char *key, size_t klen)
{
    size_t i, n;
    for (i = 0; i < m->n_used; i++) {
        const char *k = fmcp_json_key(m->used[i], &n);
        if (n == klen && memcmp(k, key, n) == 0) return 1;
    }
    return 0;
}

/* The next round's payload: binding, the handler's state, every answer so far. */
static void fmcp__era_payload(fmcp_ctx *c, fmcp_json_writer *w, const char *who, const char *args)
{
    struct fmcp__era_mrtr *m = c->mrtr;
    const fmcp_json *v;
    size_t i, n;
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "v"); fmcp_jw_int(w, 1);
    fmcp_jw_key(w, "x"); fmcp_jw_int(w, fmcp_time_now() + (int64_t)(((uint32_t)c->s->srv->state_ttl_ms + 999u) / 1000u));
    fmcp_jw_key(w, "p"); fmcp_jw_str(w, who);
    fmcp_jw_key(w, "m"); fmcp_jw_str(w, fmcp__era_kind_method(c));
    fmcp_jw_key(w, "n"); fmcp_jw_str(w, c->name ? c->name : "");
    fmcp_jw_key(w, "a"); fmcp_jw_str(w, args);
    if (m->app || fmcp_ctx_state(c)) {   /* the handler's state stays until it sets another */
        fmcp_jw_key(w, "s");
        fmcp_jw_str(w, m->app ? m->app : fmcp_ctx_state(c));
    }
    fmcp_jw_key(w, "r"); fmcp_jw_object_begin(w);
    for (v = fmcp_json_first(fmcp_json_get(fmcp_json_root(m->state), "r")); v; v = fmcp_json_next(v)) {
        const char *k = fmcp_json_key(v, &n);
        if (fmcp__era_used(m, k, n)) continue;   /* answered again: the new answer wins */
        fmcp_jw_keyn(w, k, n);
        fmcp_jw_value(w, v);
    }
    for (i = 0; i < m->n_used; i++) {
        const char *k = fmcp_json_key(m->used[i], &n);
        fmcp_jw_keyn(w, k, n);
        fmcp_jw_value(w, m->used[i]);
    }
    fmcp_jw_object_end(w);
    fmcp_jw_object_end(w);
}

static fmcp_result fmcp__era_make_state(fmcp_ctx *c, char **out, size_t *out_cap)
{
    fmcp_json_writer w;
    char who[FMCP_PRINCIPAL_SIZE], args[44], *p;
    size_t n;
    fmcp_result rc;
    fmcp__era_principal(c->auth, who);
    if ((rc = fmcp__era_args_digest(c, args)) != FMCP_OK) return rc;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp__era_payload(c, &w, who, args);
    if ((rc = fmcp_jw_finish(&w, &p, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return rc; }
    rc = fmcp__era_seal(c, p, n, out, out_cap);
    fmcp_free_text(w.alloc, p, n);
    return rc;
}

/* InputRequiredResult: every input the handler asked for, and the state. */
static void fmcp__era_input_required(fmcp_ctx *c)
{
    struct fmcp__era_mrtr *m = c->mrtr;
    fmcp_session *s = c->s;
    fmcp_json_writer w;
    char *state = NULL, *ireq = NULL;
    size_t cap = 0, n = 0;
    fmcp_result rc = m->lost ? FMCP_ERR_NOMEM : fmcp__era_make_state(c, &state, &cap);
    fmcp_jw_object_end(&m->ireq);
    if (rc == FMCP_OK && m->n_ireq && (rc = fmcp_jw_finish(&m->ireq, &ireq, &n)) != FMCP_OK) fmcp_jw_reset(&m->ireq);
    if (rc != FMCP_OK) {
        if (state) fmcp_free(s->alloc, state, cap);
        fmcp__mcp_reply_error(s, c->group, c->batch, c->id, c->id_len, FMCP_RPC_INTERNAL_ERROR,
                              rc == FMCP_ERR_TOO_LARGE ? "requestState too large" : fmcp_result_str(rc));
        return;
    }
    fmcp_jw_init(&w, s->alloc);
    fmcp__mcp_envelope_begin(&w, c->id, c->id_len);
    fmcp_jw_key(&w, "result"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "resultType"); fmcp_jw_str(&w, "input_required");
    if (ireq) { fmcp_jw_key(&w, "inputRequests"); fmcp_jw_raw(&w, ireq, n); fmcp_free_text(m->ireq.alloc, ireq, n); }
    fmcp_jw_key(&w, "requestState"); fmcp_jw_str(&w, state);
    fmcp__era_meta(s->srv, &w, NULL, 0);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    fmcp_free(s->alloc, state, cap);
    fmcp__mcp_deliver_writer(s, c->group, c->batch, c->id, c->id_len, &w);
}

/* Completion of a modern ctx: 1 when answered here. */
static int fmcp__era_complete(fmcp_ctx *c, fmcp_result rc)
{
    struct fmcp__era_mrtr *m = c->mrtr;
    if (c->w.err != FMCP_OK) return 0;   /* the answer could not be built: out of memory, as for any call */
    if (c->err_code == FMCP_RPC_MISSING_CAPABILITY && m && m->err_data) {
        fmcp__mcp_reply_error_data(c->s, c->group, c->batch, c->id, c->id_len, c->err_code,
                                   c->err_msg ? c->err_msg : "Missing required client capability", m->err_data, 400);
        return 1;
    }
    if (c->err_code || !(rc == FMCP_ERR_INPUT_REQUIRED || (m && m->n_ireq))) return 0;
    if (!m && !(m = fmcp__era_mrtr_get(c))) return 0;
    fmcp__era_input_required(c);
    return 1;
}

/* ---- handler API ---------------------------------------------------------------------------- */

static int fmcp__era_cap_bit(const char *cap)
{
    if (strcmp(cap, "sampling") == 0) return FMCP__CAP_SAMPLING;
    if (strcmp(cap, "elicitation") == 0) return FMCP__CAP_ELICIT;
    if (strcmp(cap, "roots") == 0) return FMCP__CAP_ROOTS;
    if (strcmp(cap, FMCP__ERA_TASKS) == 0) return FMCP__CAP_TASKS;
    return 0;
}

FASTMCP_API int fmcp_ctx_is_modern(const fmcp_ctx *c) { return c ? c->era.modern : 0; }

FASTMCP_API int fmcp_ctx_client_supports(const fmcp_ctx *c, const char *capability)
{
    int bit, have;
    if (!c || !capability) return 0;
    bit = fmcp__era_cap_bit(capability);
    if (c->era.modern) {
        const fmcp_json *caps = fmcp_json_get(fmcp_json_get(c->params, "_meta"), FMCP__ERA_CAPS);
        return bit ? (c->era.caps & bit) != 0 : fmcp_json_get(fmcp_json_get(caps, "extensions"), capability) != NULL;
    }
    FMCP__LOCK(&c->s->lock);
    have = bit == FMCP__CAP_SAMPLING ? c->s->cap_sampling : bit == FMCP__CAP_ELICIT ? c->s->cap_elicitation
           : bit == FMCP__CAP_ROOTS ? c->s->cap_roots : 0;
    FMCP__UNLOCK(&c->s->lock);
    return have;
}

FASTMCP_API fmcp_result fmcp_ctx_require_capability(fmcp_ctx *c, const char *capability)
{
    struct fmcp__era_mrtr *m;
    char msg[160], data[200];
    int ok = 1;
    if (!c || !capability || strlen(capability) > 100) return FMCP_ERR_INVALID_ARG;
    if (fmcp_ctx_client_supports(c, capability)) return FMCP_OK;
    if (!c->era.modern) return FMCP_ERR_UNSUPPORTED;
    if (!(m = fmcp__era_mrtr_get(c))) return FMCP_ERR_NOMEM;
    snprintf(msg, sizeof msg, "Missing required client capability: %s", capability);
    if (fmcp__era_cap_bit(capability) == FMCP__CAP_TASKS || !fmcp__era_cap_bit(capability))
        snprintf(data, sizeof data, "{\"requiredCapabilities\":{\"extensions\":{\"%s\":{}}}}", capability);
    else
        snprintf(data, sizeof data, "{\"requiredCapabilities\":{\"%s\":{}}}", capability);
    fmcp__strfree(c->s->alloc, m->err_data, 0);
    m->err_data = fmcp__mcp_strdup_opt(c->s->alloc, data, &ok);
    if (!ok || fmcp_ctx_error(c, FMCP_RPC_MISSING_CAPABILITY, msg) != FMCP_OK) return FMCP_ERR_NOMEM;
    return FMCP_ERR_UNSUPPORTED;
}

FASTMCP_API const char *fmcp_ctx_state(const fmcp_ctx *c)
{
    if (!c || !c->mrtr || !c->mrtr->state) return NULL;
    return fmcp_json_get_str(fmcp_json_root(c->mrtr->state), "s", NULL);
}

FASTMCP_API fmcp_result fmcp_ctx_set_state(fmcp_ctx *c, const char *state)
{
    struct fmcp__era_mrtr *m;
    int ok = 1;
    if (!c || !state) return FMCP_ERR_INVALID_ARG;
    if (!c->era.modern) return FMCP_OK;   /* one pass: nothing to carry */
    if (!(m = fmcp__era_mrtr_get(c))) return FMCP_ERR_NOMEM;
    fmcp__strfree(c->s->alloc, m->app, 0);
    m->app = fmcp__mcp_strdup_opt(c->s->alloc, state, &ok);
    m->lost = !ok;   /* sticky: the round is answered "out of memory" rather than losing it */
    return ok ? FMCP_OK : FMCP_ERR_NOMEM;
}

static const char *fmcp__era_method_cap(const char *method)
{
    if (strcmp(method, "elicitation/create") == 0) return "elicitation";
    if (strcmp(method, "sampling/createMessage") == 0) return "sampling";
    if (strcmp(method, "roots/list") == 0) return "roots";
    return NULL;
}

static fmcp_result fmcp__era_take(struct fmcp__era_mrtr *m, const fmcp_allocator *a, const fmcp_json *v)
{
    if (m->n_used == m->cap_used) {
        size_t nc = m->cap_used ? m->cap_used * 2 : 4;
        const fmcp_json **nv = (const fmcp_json **)fmcp_realloc(a, (void *)m->used, m->cap_used * sizeof *nv,
                                                                 nc * sizeof *nv);
        if (!nv) return FMCP_ERR_NOMEM;
        m->used = nv;
        m->cap_used = nc;
    }
    m->used[m->n_used++] = v;
    return FMCP_OK;
}

static fmcp_result fmcp__era_input_modern(fmcp_ctx *c, const char *key, const char *method, const char *params,
                                          const fmcp_json **out)
{
    struct fmcp__era_mrtr *m = fmcp__era_mrtr_get(c);
    const fmcp_json *v;
    if (!m) return FMCP_ERR_NOMEM;
    v = fmcp_json_get(m->responses, key);
    if (fmcp_json_is(v, FMCP_JSON_OBJECT)) {
        if (!fmcp__era_used(m, key, strlen(key)) && fmcp__era_take(m, c->s->alloc, v) != FMCP_OK) return FMCP_ERR_NOMEM;
        *out = v;
        return FMCP_OK;
    }
    v = fmcp_json_get(fmcp_json_get(fmcp_json_root(m->state), "r"), key);
    if (fmcp_json_is(v, FMCP_JSON_OBJECT)) { *out = v; return FMCP_OK; }
    fmcp_jw_key(&m->ireq, key);
    fmcp_jw_object_begin(&m->ireq);
    fmcp_jw_key(&m->ireq, "method"); fmcp_jw_str(&m->ireq, method);
    fmcp_jw_key(&m->ireq, "params");
    if (params) fmcp_jw_raw(&m->ireq, params, strlen(params));
    else { fmcp_jw_object_begin(&m->ireq); fmcp_jw_object_end(&m->ireq); }
    fmcp_jw_object_end(&m->ireq);
    m->n_ireq++;
    return FMCP_ERR_INPUT_REQUIRED;
}

static fmcp_result fmcp__era_input_legacy(fmcp_ctx *c, const char *key, const char *method, const char *params,
                                          const fmcp_json **out)
{
    struct fmcp__era_mrtr *m = fmcp__era_mrtr_get(c);
    fmcp__era_input *in;
    fmcp_json_parse_options po;
    char *text = NULL;
    size_t n = 0;
    int ok = 1;
    fmcp_result rc;
    if (!m) return FMCP_ERR_NOMEM;
    for (in = m->inputs; in; in = in->next)   /* asked before in this call */
        if (strcmp(in->key, key) == 0) { *out = fmcp_json_root(in->doc); return FMCP_OK; }
    rc = fmcp_ctx_request(c, method, params, FMCP__ERA_INPUT_TIMEOUT, &text, &n);
    if (rc != FMCP_OK) { if (text) fmcp_free_text(fmcp_ctx_allocator(c), text, n); return rc; }
    if (!(in = (fmcp__era_input *)fmcp_malloc(c->s->alloc, sizeof *in))) { fmcp_free_text(fmcp_ctx_allocator(c), text, n); return FMCP_ERR_NOMEM; }
    memset(in, 0, sizeof *in);
    memset(&po, 0, sizeof po);
    po.alloc = c->s->alloc;
    in->key = fmcp__mcp_strdup_opt(c->s->alloc, key, &ok);
    rc = ok ? fmcp_json_parse(text, n, &po, &in->doc, NULL) : FMCP_ERR_NOMEM;
    fmcp_free_text(fmcp_ctx_allocator(c), text, n);
    in->next = m->inputs;
    m->inputs = in;   /* freed with the ctx either way */
    if (rc != FMCP_OK) return rc;
    if (!fmcp_json_is(fmcp_json_root(in->doc), FMCP_JSON_OBJECT)) return FMCP_ERR_PROTOCOL;
    *out = fmcp_json_root(in->doc);
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_ctx_input(fmcp_ctx *c, const char *key, const char *method, const char *params_json,
                                       const fmcp_json **out)
{
    const char *cap;
    if (out) *out = NULL;
    if (!c || !key || !method || !out || !(cap = fmcp__era_method_cap(method))) return FMCP_ERR_INVALID_ARG;
    if (c->kind != FMCP__K_TOOL && c->kind != FMCP__K_PROMPT && c->kind != FMCP__K_RESOURCE) return FMCP_ERR_STATE;
    if (!fmcp_ctx_client_supports(c, cap)) return fmcp_ctx_require_capability(c, cap);
    if (c->task) return fmcp__tasks_input(c, key, method, params_json, out);
    if (c->era.modern) return fmcp__era_input_modern(c, key, method, params_json, out);
    return fmcp__era_input_legacy(c, key, method, params_json, out);
}

/* ---- HTTP header validation (SEP-2243) --------------------------------------------------------------- */

/* A header value as the client meant it: plain visible ASCII, or
 * =?base64?...?= (decoded into buf). NULL when malformed. */
static const char *fmcp__era_hdr_value(const char *v, char *buf, size_t cap, size_t *len)
{
    size_t n = strlen(v), i, out = 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e) { if (v[i] != '\t') return NULL; }
    if (n >= 11 && memcmp(v, "=?base64?", 9) == 0 && memcmp(v + n - 2, "?=", 2) == 0) {
        if (fmcp_b64_decode(FMCP_B64_STD, v + 9, n - 11, buf, cap - 1, &out) != FMCP_OK) return NULL;
        buf[out] = 0;
        *len = out;
        return buf;
    }
    *len = n;
    return v;
}

/* Does header value h (decoded) stand for body value b? */
static int fmcp__era_hdr_matches(const char *h, size_t hlen, const fmcp_json *b)
{
    size_t n = 0;
    const char *s;
    if (fmcp_json_is(b, FMCP_JSON_STRING)) { s = fmcp_json_str(b, &n); return n == hlen && memcmp(s, h, n) == 0; }
    if (fmcp_json_is(b, FMCP_JSON_BOOL))
        return fmcp_json_bool(b, 0) ? hlen == 4 && memcmp(h, "true", 4) == 0 : hlen == 5 && memcmp(h, "false", 5) == 0;
    if (fmcp_json_is(b, FMCP_JSON_NUMBER)) {   /* numerically: 42 and 42.0 agree (our own number parser) */
        fmcp_json_doc *d = NULL;
        int same;
        if (hlen == 0 || hlen > 64 || fmcp_json_parse(h, hlen, NULL, &d, NULL) != FMCP_OK) return 0;
        same = fmcp_json_is(fmcp_json_root(d), FMCP_JSON_NUMBER) &&
               fmcp_json_double(fmcp_json_root(d), 0) == fmcp_json_double(b, 1);
        fmcp_json_doc_destroy(d);
        return same;
    }
    return 0;
}

typedef struct fmcp__era_hdr {
    fmcp_header_fn get;
    void *user;
    char *msg;
    size_t cap;
    char buf[1024];
} fmcp__era_hdr;

/* Walk "properties" chains of the schema beside the argument values. */
static int fmcp__era_params_ok(fmcp__era_hdr *h, const fmcp_json *schema, const fmcp_json *args, int depth)
{
    const fmcp_json *p;
    size_t n;
    if (depth > 16) return 1;
    for (p = fmcp_json_first(fmcp_json_get(schema, "properties")); p; p = fmcp_json_next(p)) {
        const char *key = fmcp_json_key(p, &n);
        const fmcp_json *val = fmcp_json_getn(args, key, n);
        const char *x = fmcp_json_get_str(p, "x-mcp-header", NULL);
        if (x) {
            char name[160];
            const char *hv, *dv;
            size_t dlen = 0;
            snprintf(name, sizeof name, "Mcp-Param-%.128s", x);
            hv = h->get(h->user, name);
            if (val && fmcp_json_is(val, FMCP_JSON_NULL)) val = NULL;
            if (!hv && !val) continue;
            if (!hv || !val) { snprintf(h->msg, h->cap, "Header mismatch: %s %s", name, hv ? "has no value in the body" : "is missing"); return 0; }
            if (!(dv = fmcp__era_hdr_value(hv, h->buf, sizeof h->buf, &dlen))) {
                snprintf(h->msg, h->cap, "Header mismatch: %s has an invalid value", name);
                return 0;
            }
            if (!fmcp__era_hdr_matches(dv, dlen, val)) {
                snprintf(h->msg, h->cap, "Header mismatch: %s does not match the body", name);
                return 0;
            }
        }
        if (fmcp_json_is(val, FMCP_JSON_OBJECT) && !fmcp__era_params_ok(h, p, val, depth + 1)) return 0;
    }
    return 1;
}

static int fmcp__era_hdr_eq(fmcp__era_hdr *h, const char *name, const char *body_value, int required)
{
    const char *hv = h->get(h->user, name), *dv;
    size_t dlen = 0, i;
    if (!hv) {
        if (!required) return 1;
        snprintf(h->msg, h->cap, "Header mismatch: %s is required", name);
        return 0;
    }
    /* the usual case in one pass: a plain printable value equal to the body's */
    for (i = 0; body_value && hv[i] && hv[i] == body_value[i] && hv[i] >= 0x20 && hv[i] <= 0x7e; i++) {}
    if (body_value && !hv[i] && !body_value[i] && (hv[0] != '=' || strncmp(hv, "=?base64?", 9) != 0)) return 1;
    if (!(dv = fmcp__era_hdr_value(hv, h->buf, sizeof h->buf, &dlen)) || !body_value ||
        dlen != strlen(body_value) || memcmp(dv, body_value, dlen) != 0) {
        snprintf(h->msg, h->cap, "Header mismatch: %s does not match the body", name);
        return 0;
    }
    return 1;
}

FASTMCP_API fmcp_result fmcp_server_check_headers(fmcp_server *srv, const fmcp_json *message, fmcp_header_fn get,
                                                  void *user, char *msg, size_t cap)
{
    fmcp__era_hdr h;
    const char *method = NULL, *name = NULL;
    const fmcp_json *params = NULL, *pv = NULL, *m;
    int ok, named;
    long i;
    size_t n;
    char dummy[1];
    if (!srv || !message || !get) return FMCP_ERR_INVALID_ARG;
    /* one pass over the message (the last duplicate wins, as in fmcp_json_get) */
    for (m = fmcp_json_is(message, FMCP_JSON_OBJECT) ? fmcp_json_first(message) : NULL; m; m = fmcp_json_next(m)) {
        const char *k = fmcp_json_key(m, &n);
        if (n == 6 && memcmp(k, "method", 6) == 0) method = fmcp_json_str(m, NULL);
        else if (n == 6 && memcmp(k, "params", 6) == 0) params = m;
    }
    pv = fmcp_json_get(fmcp_json_get(params, "_meta"), FMCP__ERA_PV);
    if (!msg || !cap) { msg = dummy; cap = sizeof dummy; }
    msg[0] = 0;
    if (!method) return FMCP_OK;   /* not a request: nothing to mirror */
    h.get = get; h.user = user; h.msg = msg; h.cap = cap;
    named = strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0;
    if (named) name = fmcp_json_get_str(params, "name", NULL);
    else if (strcmp(method, "resources/read") == 0) name = fmcp_json_get_str(params, "uri", NULL);
    else if (strcmp(method, "tasks/get") == 0 || strcmp(method, "tasks/update") == 0 ||
             strcmp(method, "tasks/cancel") == 0) name = fmcp_json_get_str(params, "taskId", NULL);
    ok = fmcp__era_hdr_eq(&h, "Mcp-Method", method, 1) &&
         (!fmcp_json_is(pv, FMCP_JSON_STRING) || fmcp__era_hdr_eq(&h, "MCP-Protocol-Version", fmcp_json_str(pv, NULL), 0)) &&
         (!name || fmcp__era_hdr_eq(&h, "Mcp-Name", name, 1));
    if (ok && name && strcmp(method, "tools/call") == 0) {
        FMCP__LOCK(&srv->lock);
        i = srv->n_xhdr ? fmcp__mcp_find_locked(srv, FMCP_ITEM_TOOL, name) : -1;
        if (i >= 0 && ((const fmcp__mcp_item *)srv->items[FMCP_ITEM_TOOL].v[i])->has_xhdr) {
            const fmcp__mcp_item *it = (const fmcp__mcp_item *)srv->items[FMCP_ITEM_TOOL].v[i];
            ok = fmcp__era_params_ok(&h, fmcp_json_root(it->schema), fmcp_json_get(params, "arguments"), 0);
        }
        FMCP__UNLOCK(&srv->lock);
    }
    return ok ? FMCP_OK : FMCP_ERR_PROTOCOL;
}
