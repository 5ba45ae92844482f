/* mcp_route: implementation. Incoming messages: parsing, batches, routing
 * by method, and the handlers of the 2025 methods (initialize, lists,
 * tools/call, resources, prompts, completion, cancellation); the call
 * observer and item scopes. It shares mcp.c's and mcp_ctx.c's types and
 * helpers (one translation unit); mcp_era.c takes over 2026-07-28 requests
 * from fmcp__mcp_handle_one. */
#include "mcp_schema.h"
#include "mcp.h"
#include "mcp_ctx.h"
#include "mcp_route.h"

#include <string.h>
#include <stdio.h>

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
    fmcp_ctx *c;
    if (!name) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing tool name"); return; }
    FMCP__LOCK(&srv->lock);
    if ((it = fmcp__mcp_item_locked(srv, FMCP_ITEM_TOOL, name)) != NULL) {
        if (fmcp__mcp_authorized(srv, r->au, it) != FMCP_OK) state = 1;
        else if (!fmcp__mcp_validate(fmcp_json_root(it->schema), args, msg, sizeof msg)) state = 2;
        else {
            state = 3;
            fn = it->handler; user = it->user; run_inline = it->run_inline; task_support = it->task_support;
        }
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
 * fmcp__strfree works unless the value holds a decoded NUL: those are kept
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
    if (!uri) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing uri"); return; }
    FMCP__LOCK(&srv->lock);
    it = fmcp__mcp_item_locked(srv, FMCP_ITEM_RESOURCE, uri);
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
        if (rc != FMCP_OK) fmcp__strfree(s->alloc, u, 0);
    } else if (!on && i < s->subs.n) {
        fmcp__strfree(s->alloc, (char *)s->subs.v[i], 0);
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
    size_t k;
    fmcp_ctx *c;
    fmcp__mcp_item *it;
    if (!name) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing prompt name"); return; }
    FMCP__LOCK(&srv->lock);
    if ((it = fmcp__mcp_item_locked(srv, FMCP_ITEM_PROMPT, name)) != NULL) {
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
    fmcp__mcp_item *it;
    if (strcmp(type, "ref/prompt") == 0) {
        const char *n = fmcp_json_get_str(ref, "name", NULL);
        return n ? fmcp__mcp_item_locked(srv, FMCP_ITEM_PROMPT, n) : NULL;
    }
    if (strcmp(type, "ref/resource") == 0) {
        const char *u = fmcp_json_get_str(ref, "uri", NULL);
        if (u && (it = fmcp__mcp_item_locked(srv, FMCP_ITEM_TEMPLATE, u)) != NULL) return it;
        return u ? fmcp__mcp_item_locked(srv, FMCP_ITEM_RESOURCE, u) : NULL;
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
    if (!aname || !avalue) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Missing argument name or value");
        return;
    }
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
        fmcp__mcp_cancel_locked(c, &ended);
        for (pp = &s->pending; *pp;) {   /* its server-to-client requests end too */
            p = *pp;
            if (p->owner == (const void *)c) { *pp = p->next; p->next = failed; failed = p; }
            else pp = &p->next;
        }
    }
    FMCP__UNLOCK(&s->lock);
    fmcp_free(s->alloc, text, n + 1);
    fmcp__mcp_end_listens(ended);
    fmcp__mcp_pending_fail(s, failed, FMCP_ERR_CANCELLED);
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
    const fmcp__mcp_item *it = fmcp__mcp_item_locked(srv, kind, name);
    size_t k;
    if (it || kind != FMCP_ITEM_RESOURCE) return it;
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
