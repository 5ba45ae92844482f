/* mcp_ctx: implementation. Handler contexts: one per tools/call,
 * resources/read, prompts/get or completion, from creation through the run
 * (inline or on the pool) to the response; the fmcp_ctx_* accessors, result
 * builders and notifications; server-to-client requests. It shares mcp.c's
 * types and helpers (one translation unit). */
#include "mcp.h"
#include "mcp_ctx.h"

#include <string.h>
#include <stdio.h>

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
    fmcp__strfree(a, c->uri, 0);
    fmcp__strfree(a, c->carg, 0);
    fmcp__strfree(a, c->cvalue, 0);
    fmcp__strfree(a, c->description, 0);
    fmcp__strfree(a, c->err_msg, 0);
    if (c->mrtr) fmcp__era_ctx_free(c);
    if (c->progress_token) fmcp_free(a, c->progress_token, c->progress_token_len + 1);
    if (c->structured) fmcp_free(a, c->structured, c->structured_len + 1);
    for (i = 0; i < c->n_vars * 2; i++) fmcp__strfree(a, c->vars[i], 0);
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

static void fmcp__mcp_run(fmcp_ctx *c)
{
    fmcp_result rc;
    if (c->kind == FMCP__K_COMPLETE) rc = c->complete(c, c->carg, c->cvalue, c->user);
    else rc = c->handler(c, c->user);
    fmcp__mcp_ctx_release(c, c->deferred ? FMCP_OK : rc);
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
    fmcp__strfree(c->s->alloc, c->description, 0);
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
    fmcp__strfree(c->s->alloc, c->err_msg, 0);
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

/* Unlink the pending request with id id, or (u set) the one whose callback
 * user is u; NULL when there is none (answered, expired or failed). */
static fmcp__mcp_pending *fmcp__mcp_pending_take(fmcp_session *s, int64_t id, const void *u)
{
    fmcp__mcp_pending **pp, *p = NULL;
    FMCP__LOCK(&s->lock);
    for (pp = &s->pending; *pp; pp = &(*pp)->next)
        if (u ? (*pp)->cb_user == u : (*pp)->id == id) { p = *pp; *pp = p->next; break; }
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
    if (r != FMCP_OK && (p = fmcp__mcp_pending_take(s, id, NULL)) != NULL) fmcp_free(s->alloc, p, sizeof *p);
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
    fmcp__mcp_pending_fail(s, expired, FMCP_ERR_TIMEOUT);
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

static void fmcp__mcp_waiter_wait(fmcp_session *s, fmcp__mcp_waiter *wt, int64_t deadline)
{
    fmcp__mutex_lock(&wt->m);
    while (!wt->done) {
        int64_t left = deadline ? deadline - fmcp_monotonic_ms() : 100;
        if (left > 0) { fmcp__cond_wait_ms(&wt->cv, &wt->m, left < 100 ? left : 100, 0); continue; }
        fmcp__mutex_unlock(&wt->m);
        {
            fmcp__mcp_pending *p = fmcp__mcp_pending_take(s, 0, wt);
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
    if (!fmcp_json_is_int(id) || !(p = fmcp__mcp_pending_take(s, fmcp_json_int(id, 0), NULL))) {
        fmcp_server_log(s->srv, FMCP_LOG_WARNING, "mcp: reply to an unknown request dropped");
        return;
    }
    text = fmcp__mcp_json_text(s->alloc, body, &n);
    if (!text) p->cb(p->cb_user, FMCP_ERR_NOMEM, NULL, 0);
    else p->cb(p->cb_user, err ? FMCP_ERR_RPC : FMCP_OK, text, n);
    if (text) fmcp_free(s->alloc, text, n + 1);
    fmcp_free(s->alloc, p, sizeof *p);
}
