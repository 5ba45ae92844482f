/* mcp_http_serve: implementation (the mcp_http API, continued) */
#include "mcp_http_serve.h"

#ifndef FASTMCP_NO_SOCKETS

/* ---- POST ------------------------------------------------------------------------ */

/* A message needs an answer unless it is a notification or a response. */
static int fmcp__mh_needs_answer(const fmcp_json *m)
{
    const fmcp_json *id = fmcp_json_get(m, "id"), *method = fmcp_json_get(m, "method");
    if (!fmcp_json_is(m, FMCP_JSON_OBJECT)) return 1;
    if (!id && fmcp_json_is(method, FMCP_JSON_STRING)) return 0;
    if (!method && id && (fmcp_json_get(m, "result") || fmcp_json_get(m, "error"))) return 0;
    return 1;
}

static int fmcp__mh_any_answer(const fmcp_json *root)
{
    const fmcp_json *v;
    if (!fmcp_json_is(root, FMCP_JSON_ARRAY)) return fmcp__mh_needs_answer(root);
    if (!fmcp_json_len(root)) return 1;
    for (v = fmcp_json_first(root); v; v = fmcp_json_next(v))
        if (fmcp__mh_needs_answer(v)) return 1;
    return 0;
}

/* Raw text of every request id in the message, NUL-separated (for routing). */
static fmcp_result fmcp__mh_collect_ids(fmcp_http_endpoint *t, const fmcp_json *root, fmcp__mh_stream *st)
{
    const fmcp_json *m = fmcp_json_is(root, FMCP_JSON_ARRAY) ? fmcp_json_first(root) : root;
    size_t total = 0, off = 0, need;
    const fmcp_json *v;
    for (v = m; v; v = root == m ? NULL : fmcp_json_next(v)) {
        const fmcp_json *id = fmcp_json_get(v, "id");
        if (id && fmcp_json_get(v, "method") && fmcp_json_write(id, NULL, 0, &need) == FMCP_ERR_BUFFER_TOO_SMALL)
            total += need;
    }
    if (!total) return FMCP_OK;
    if (!(st->ids = (char *)fmcp_malloc(t->a, total))) return FMCP_ERR_NOMEM;
    st->ids_len = total;
    for (v = m; v; v = root == m ? NULL : fmcp_json_next(v)) {
        const fmcp_json *id = fmcp_json_get(v, "id");
        if (id && fmcp_json_get(v, "method") && fmcp_json_write(id, NULL, 0, &need) == FMCP_ERR_BUFFER_TOO_SMALL &&
            off + need <= total && fmcp_json_write(id, st->ids + off, need, NULL) == FMCP_OK)
            off += need;
    }
    return FMCP_OK;
}

/* Give the message (*docp, handed over: NULL after) to the engine; hold the
 * request when it needs answers (answers: 1 when the caller already knows it
 * does, so the message is not walked twice). */
static void fmcp__mh_handoff(fmcp_http_endpoint *t, fmcp__mh_session *ms, fmcp_http_req *req, fmcp_json_doc **docp,
                             int created, const fmcp_auth_info *au, int answers)
{
    fmcp_receive_opts o;
    fmcp__mh_stream *st = NULL;
    uint64_t no = 0;
    const fmcp_json *root = fmcp_json_root(*docp);
    fmcp_json_doc *doc = *docp;
    fmcp_result rc = FMCP_ERR_NOMEM;
    fmcp__mh_opts(t, &o, au);
    o.modern = ms->modern;
    *docp = NULL;
    if (!answers && !fmcp__mh_any_answer(root)) {
        /* the engine takes the message before the 202 goes out */
        (void)fmcp_session_receive_doc(ms->s, doc, &o);
        fmcp__mh_arm_jobs(t);
        fmcp__mh_respond(t, req, ms, 202, NULL, NULL, 0);
        return;
    }
    FMCP__MH_LOCK(t);
    if (ms->pr && ms->pr->ncalls >= t->d.max_calls_per_principal) {
        FMCP__MH_UNLOCK(t);
        fmcp_json_doc_destroy(doc);
        fmcp__mh_fail_busy(t, req, 429);
        return;
    }
    if ((st = fmcp__mh_stream_new(t, ms, FMCP__MH_POST)) != NULL) {
        no = st->no;
        st->init_post = created;
        if (ms->pr) { st->counted = 1; ms->pr->ncalls++; }
        if ((rc = fmcp__mh_collect_ids(t, root, st)) == FMCP_OK) st->req = req;
        else { fmcp__mh_unlink_stream(ms, st); fmcp__mh_stream_free(t, st); }
    }
    FMCP__MH_UNLOCK(t);
    if (rc != FMCP_OK) {
        fmcp_json_doc_destroy(doc);
        fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Out of memory");
        return;
    }
    fmcp_http_req_on_close(req, fmcp__mh_on_close, t);
    o.tag = (void *)(uintptr_t)no;
    rc = fmcp_session_receive_doc(ms->s, doc, &o);
    fmcp__mh_arm_jobs(t);
    if (rc == FMCP_OK) return;
    FMCP__MH_LOCK(t);
    if ((st = fmcp__mh_find_no(ms, no)) != NULL) {
        fmcp__mh_release_req(t, st, 500);
        fmcp__mh_unlink_stream(ms, st);
        fmcp__mh_stream_free(t, st);
    }
    FMCP__MH_UNLOCK(t);
}

/* Stateless: a fresh session, initialised for this POST unless it is initialize. */
static void fmcp__mh_post_stateless(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp_json_doc **docp, int is_init,
                                    const char *pv, const fmcp_auth_info *au)
{
    fmcp__mh_session *ms;
    if (!fmcp__mh_any_answer(fmcp_json_root(*docp))) { fmcp__mh_respond(t, req, NULL, 202, NULL, NULL, 0); return; }
    if (fmcp__mh_session_new(t, 1, 0, au, &ms) != FMCP_OK) {
        fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Could not create a session");
        return;
    }
    /* the temporary session already holds a copy of au: no per-message copies */
    if (!is_init) (void)fmcp_session_assume_initialized(ms->s, pv ? pv : "2025-03-26");
    fmcp__mh_handoff(t, ms, req, docp, 0, NULL, 1);
    FMCP__MH_LOCK(t);
    if (!ms->streams) fmcp__mh_flag_reap(t, ms);   /* answered inline, or failed */
    FMCP__MH_UNLOCK(t);
}

/* 1 when au may use the session: the same principal as its creator (an
 * anonymous session is open). Every path that names a session checks this. */
static int fmcp__mh_owner_ok(const fmcp__mh_session *ms, const fmcp_auth_info *au)
{
    char p[FMCP_PRINCIPAL_SIZE];
    if (!ms->owner[0]) return 1;
    return fmcp_auth_info_principal(au, p) && fmcp_ct_equal(p, ms->owner, FMCP_PRINCIPAL_SIZE);
}

/* Session from Mcp-Session-Id: 400 when missing, 404 unknown (or another
 * principal's). Returns NULL after answering. */
static fmcp__mh_session *fmcp__mh_session_of(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_auth_info *au)
{
    const char *sid = fmcp_http_req_header(req, "Mcp-Session-Id");
    fmcp__mh_session *ms;
    if (!sid) {
        fmcp__mh_fail(t, req, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
        return NULL;
    }
    FMCP__MH_LOCK(t);
    ms = fmcp__mh_lookup(t, sid);
    if (ms && (ms->legacy || !fmcp__mh_owner_ok(ms, au))) ms = NULL;
    if (ms) fmcp__mh_touch(t, ms);
    FMCP__MH_UNLOCK(t);
    if (!ms) fmcp__mh_fail(t, req, 404, -32001, "Session not found");
    return ms;
}

/* Header checks shared by POST and GET; 0 after answering. */
static int fmcp__mh_version_ok(fmcp_http_endpoint *t, fmcp_http_req *req, const char *pv)
{
    if (!pv || fmcp__mh_known_version(pv)) return 1;
    fmcp__mh_fail(t, req, 400, -32000, "Bad Request: Unsupported protocol version");
    return 0;
}

/* A POST body as JSON; NULL after answering: 400 for bad JSON, 500 when
 * memory ran out (that is not the client's fault). */
static fmcp_json_doc *fmcp__mh_parse_body(fmcp_http_endpoint *t, fmcp_http_req *req, const char *body, size_t len)
{
    fmcp_json_parse_options po;
    fmcp_json_doc *doc = NULL;
    fmcp_result rc;
    memset(&po, 0, sizeof po);
    po.alloc = t->a;
    if ((rc = fmcp_json_parse(body, len, &po, &doc, NULL)) == FMCP_OK) return doc;
    if (rc == FMCP_ERR_NOMEM) fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Out of memory");
    else fmcp__mh_fail(t, req, 400, FMCP_RPC_PARSE_ERROR, "Parse error");
    return NULL;
}

/* 2026-07-28: a POST without a session whose MCP-Protocol-Version (pv) is not
 * a legacy one, or whose body carries the version in _meta (meta_pv). */
static int fmcp__mh_is_modern(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_json *root, const char *pv, int meta_pv)
{
    if (!fmcp_json_is(root, FMCP_JSON_OBJECT)) return 0;
    if (fmcp_server_modern_only(t->srv)) return 1;   /* old clients' session ids are ignored */
    if (fmcp_http_req_header(req, "Mcp-Session-Id")) return 0;
    return (pv && !fmcp__mh_known_version(pv)) || meta_pv;
}

static const char *fmcp__mh_hdr(void *user, const char *name)
{
    return fmcp_http_req_header((fmcp_http_req *)user, name);
}

/* 400 with a JSON-RPC error that keeps the request's id. */
static void fmcp__mh_fail_rpc(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_json *root, int code, const char *msg)
{
    fmcp_json_writer w;
    char *out;
    size_t n;
    const fmcp_json *id = fmcp_json_get(root, "id");
    fmcp_jw_init(&w, t->a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "jsonrpc"); fmcp_jw_str(&w, "2.0");
    fmcp_jw_key(&w, "id");
    if (id) fmcp_jw_value(&w, id); else fmcp_jw_null(&w);
    fmcp_jw_key(&w, "error"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "code"); fmcp_jw_int(&w, code);
    fmcp_jw_key(&w, "message"); fmcp_jw_str(&w, msg);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) { fmcp_jw_reset(&w); fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Out of memory"); return; }
    fmcp__mh_respond(t, req, NULL, 400, "application/json", out, n);
    fmcp_free_text(w.alloc, out, n);
}

/* Stateless by design: the request's own session, gone with its answer. */
static void fmcp__mh_post_modern(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp_json_doc **docp, const fmcp_auth_info *au,
                                 int legacy_client)
{
    fmcp__mh_session *ms;
    char msg[160];
    const fmcp_json *root = fmcp_json_root(*docp);
    /* a legacy client on a modern-only server sends no MCP headers at all:
     * the engine then tells it which version to speak */
    if (!legacy_client && fmcp_server_check_headers(t->srv, root, fmcp__mh_hdr, req, msg, sizeof msg) != FMCP_OK) {
        fmcp__mh_fail_rpc(t, req, root, FMCP_RPC_HEADER_MISMATCH, msg);
        return;
    }
    if (!fmcp__mh_any_answer(root)) { fmcp__mh_respond(t, req, NULL, 202, NULL, NULL, 0); return; }
    if (fmcp__mh_session_new(t, 1, 0, au, &ms) != FMCP_OK) {
        fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Could not create a session");
        return;
    }
    ms->modern = 1;
    fmcp__mh_handoff(t, ms, req, docp, 0, NULL, 1);
    FMCP__MH_LOCK(t);
    if (!ms->streams) fmcp__mh_flag_reap(t, ms);   /* answered inline, or failed */
    FMCP__MH_UNLOCK(t);
}

static void fmcp__mh_post(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_auth_info *au)
{
    const char *accept = fmcp_http_req_header(req, "Accept");
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root;
    fmcp__mh_session *ms = NULL;
    size_t len;
    const char *body = fmcp_http_req_body(req, &len);
    const char *pv;
    int is_init, created = 0, meta_pv;
    int acc = fmcp__mh_accepted(accept);
    if (!(acc & FMCP__MH_ACC_JSON) || (!t->d.json_only && !(acc & FMCP__MH_ACC_SSE))) {
        fmcp__mh_fail(t, req, 406, -32000, "Not Acceptable: Accept must allow application/json and text/event-stream");
        return;
    }
    if (!fmcp__mh_is_json_ct(fmcp_http_req_header(req, "Content-Type"))) {
        fmcp__mh_fail(t, req, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
        return;
    }
    if (!(doc = fmcp__mh_parse_body(t, req, body, len))) return;
    root = fmcp_json_root(doc);
    pv = fmcp_http_req_header(req, "MCP-Protocol-Version");
    meta_pv = fmcp_json_get(fmcp_json_get(fmcp_json_get(root, "params"), "_meta"),
                            "io.modelcontextprotocol/protocolVersion") != NULL;
    if (fmcp__mh_is_modern(t, req, root, pv, meta_pv)) {
        fmcp__mh_post_modern(t, req, &doc, au, !pv && !meta_pv);
        fmcp_json_doc_destroy(doc);
        return;
    }
    if (!fmcp__mh_version_ok(t, req, pv)) { fmcp_json_doc_destroy(doc); return; }
    is_init = strcmp(fmcp_json_get_str(root, "method", ""), "initialize") == 0;
    if (t->d.stateless) {
        fmcp__mh_post_stateless(t, req, &doc, is_init, pv, au);
    } else if (is_init && !fmcp_http_req_header(req, "Mcp-Session-Id")) {
        int status;
        if (fmcp__mh_session_open(t, req, 0, au, &ms, &status) != FMCP_OK) fmcp__mh_fail_busy(t, req, status);
        else created = 1;
    } else {
        ms = fmcp__mh_session_of(t, req, au);
    }
    if (ms) fmcp__mh_handoff(t, ms, req, &doc, created, au, 0);
    fmcp_json_doc_destroy(doc);   /* when not handed over */
}

/* ---- GET, DELETE ------------------------------------------------------------------- */

static void fmcp__mh_405(fmcp_http_endpoint *t, fmcp_http_req *req, const char *allow)
{
    fmcp_http_header h[8];
    size_t n = fmcp__mh_base_headers(t, NULL, h, 0);
    h[n].name = "Allow"; h[n++].value = allow;
    fmcp__mh_answer(t, req, 405, h, n, NULL, 0);
}

/* Attach req to st and replay the events after `after` (locked). */
static void fmcp__mh_attach(fmcp_http_endpoint *t, fmcp__mh_session *ms, fmcp__mh_stream *st, fmcp_http_req *req,
                            uint64_t after)
{
    fmcp__mh_ev *e;
    if (st->req) fmcp__mh_release_req(t, st, 409);   /* the newer connection wins */
    if (fmcp__mh_sse_start(t, ms, req) != FMCP_OK) { fmcp__mh_answer(t, req, 500, NULL, 0, NULL, 0); return; }
    st->req = req;
    st->last_write = fmcp_monotonic_ms();
    for (e = st->head; e && st->req; e = e->next)
        if (e->seq > after) fmcp__mh_write(t, st, e->data, e->len);
}

/* "<stream>_<seq>" from Last-Event-ID. */
static int fmcp__mh_parse_event_id(const char *s, uint64_t *no, uint64_t *seq)
{
    uint64_t v[2] = { 0, 0 };
    int k = 0;
    if (!*s) return 0;
    for (; *s; s++) {
        if (*s == '_' && k == 0) { k = 1; continue; }
        if (*s < '0' || *s > '9' || v[k] > (UINT64_MAX - 9) / 10) return 0;
        v[k] = v[k] * 10 + (uint64_t)(*s - '0');
    }
    *no = v[0]; *seq = v[1];
    return k == 1;
}

static void fmcp__mh_get(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_auth_info *au)
{
    const char *lei = fmcp_http_req_header(req, "Last-Event-ID");
    fmcp__mh_session *ms;
    fmcp__mh_stream *st;
    uint64_t no = 0, seq = 0;
    int status = 0;
    if (t->d.stateless || t->d.disable_get) { fmcp__mh_405(t, req, t->d.stateless ? "POST" : "POST, DELETE"); return; }
    if (!(fmcp__mh_accepted(fmcp_http_req_header(req, "Accept")) & FMCP__MH_ACC_SSE)) {
        fmcp__mh_fail(t, req, 406, -32000, "Not Acceptable: Accept must allow text/event-stream");
        return;
    }
    if (!fmcp__mh_version_ok(t, req, fmcp_http_req_header(req, "MCP-Protocol-Version")) ||
        !(ms = fmcp__mh_session_of(t, req, au))) return;
    if (lei && !fmcp__mh_parse_event_id(lei, &no, &seq)) { fmcp__mh_fail(t, req, 400, -32000, "Bad Last-Event-ID"); return; }
    fmcp_http_req_on_close(req, fmcp__mh_on_close, t);
    FMCP__MH_LOCK(t);
    st = lei ? fmcp__mh_find_no(ms, no) : fmcp__mh_get_stream(t, ms);
    if (!st || st->state == FMCP__MH_PENDING) status = lei ? 404 : 500;   /* PENDING: never gave out an id */
    else if (!lei && st->req) status = 409;
    else {
        fmcp__mh_attach(t, ms, st, req, lei ? seq : st->seq);
        if (!lei) (void)fmcp__mh_emit(t, st, NULL, t->d.retry_ms, "", 0);
        if (st->done && st->req) {   /* a finished POST stream: everything is delivered now */
            fmcp__mh_release_req(t, st, 200);
            fmcp__mh_unlink_stream(ms, st);
            fmcp__mh_stream_free(t, st);
        }
    }
    FMCP__MH_UNLOCK(t);
    if (status == 409) fmcp__mh_fail(t, req, 409, -32000, "Conflict: an SSE stream is already open for this session");
    else if (status) fmcp__mh_fail(t, req, status, -32000, status == 404 ? "Unknown stream" : "Out of memory");
}

static void fmcp__mh_delete(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_auth_info *au)
{
    fmcp__mh_session *ms;
    if (t->d.stateless) { fmcp__mh_405(t, req, "POST"); return; }
    if (!(ms = fmcp__mh_session_of(t, req, au))) return;
    FMCP__MH_LOCK(t);
    fmcp__mh_unlink(t, ms);
    FMCP__MH_UNLOCK(t);
    fmcp__mh_destroy(t, ms);
    fmcp__mh_respond(t, req, NULL, 200, NULL, NULL, 0);
}

/* ---- legacy HTTP+SSE (2024-11-05) -------------------------------------------------- */

static void fmcp__mh_legacy_open(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_auth_info *au)
{
    fmcp__mh_session *ms;
    fmcp__mh_stream *st;
    char url[512];
    int n;
    int status;
    fmcp_result rc = fmcp__mh_session_open(t, req, 1, au, &ms, &status);
    if (rc) { fmcp__mh_fail_busy(t, req, status); return; }
    n = snprintf(url, sizeof url, "%s?sessionId=%s", t->d.legacy_message_path, ms->id);
    fmcp_http_req_on_close(req, fmcp__mh_on_close, t);
    FMCP__MH_LOCK(t);
    if ((st = fmcp__mh_get_stream(t, ms)) != NULL) {
        fmcp__mh_attach(t, ms, st, req, 0);
        if (n > 0 && (size_t)n < sizeof url) (void)fmcp__mh_emit(t, st, "endpoint", 0, url, (size_t)n);
        if (!st->req) fmcp__mh_flag_reap(t, ms);   /* attach failed and answered 500 */
    } else {
        fmcp__mh_flag_reap(t, ms);
    }
    FMCP__MH_UNLOCK(t);
    if (!st) fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Out of memory");
}

/* sessionId=... from the query string (copied into out). */
static int fmcp__mh_query_sid(const char *q, char out[33])
{
    while (q && *q) {
        size_t n = strcspn(q, "&");
        if (n == 10 + 32 && strncmp(q, "sessionId=", 10) == 0) {
            memcpy(out, q + 10, 32);
            out[32] = 0;
            return 1;
        }
        q += n + (q[n] == '&');
    }
    return 0;
}

static void fmcp__mh_legacy_post(fmcp_http_endpoint *t, fmcp_http_req *req, const fmcp_auth_info *au)
{
    char sid[33];
    fmcp__mh_session *ms = NULL;
    fmcp_receive_opts o;
    fmcp_json_doc *doc = NULL;
    size_t len;
    const char *body = fmcp_http_req_body(req, &len);
    FMCP__MH_LOCK(t);
    if (fmcp__mh_query_sid(fmcp_http_req_query(req), sid) && (ms = fmcp__mh_lookup(t, sid)) != NULL &&
        (!ms->legacy || !fmcp__mh_owner_ok(ms, au)))
        ms = NULL;
    if (ms) fmcp__mh_touch(t, ms);
    FMCP__MH_UNLOCK(t);
    if (!ms) { fmcp__mh_fail(t, req, 404, -32001, "Session not found"); return; }
    if (!fmcp__mh_is_json_ct(fmcp_http_req_header(req, "Content-Type"))) {
        fmcp__mh_fail(t, req, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
        return;
    }
    if (!(doc = fmcp__mh_parse_body(t, req, body, len))) return;
    fmcp_json_doc_destroy(doc);
    memset(&o, 0, sizeof o);
    o.auth = au;
    (void)fmcp_session_receive_ex(ms->s, body, len, &o);
    fmcp__mh_respond(t, req, NULL, 202, "text/plain", "Accepted", 8);
}

/* ---- dispatch ------------------------------------------------------------------------ */

static void fmcp__mh_preflight(fmcp_http_endpoint *t, fmcp_http_req *req)
{
    fmcp_http_header h[10];
    size_t n = fmcp__mh_base_headers(t, NULL, h, 0);
    if (t->d.cors_origin) {
        h[n].name = "Access-Control-Allow-Methods"; h[n++].value = "GET, POST, DELETE, OPTIONS";
        h[n].name = "Access-Control-Allow-Headers";
        h[n++].value = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
        h[n].name = "Access-Control-Max-Age"; h[n++].value = "86400";
    }
    h[n].name = "Allow"; h[n++].value = "GET, POST, DELETE, OPTIONS";
    fmcp__mh_answer(t, req, 204, h, n, NULL, 0);
}

/* Run the authenticate hook (early: before the body); 0 after answering a
 * rejection, or when the hook deferred. */
static int fmcp__mh_auth_answer(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp_http_auth_reply *r);
static int fmcp__mh_authenticate(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp__mh_auth *au, int early)
{
    memset(au, 0, sizeof *au);
    if (!t->d.authenticate) return 1;
    au->called = 1;
    au->r.transport = t;
    au->r.early = early;
    if (t->d.authenticate(t->d.auth_user, fmcp_http_req_method(req), fmcp_http_req_path(req), req, &au->r) != FMCP_OK) {
        fmcp__mh_fail(t, req, 500, FMCP_RPC_INTERNAL_ERROR, "Authentication failed");
        return 0;
    }
    if (au->r.defer) return 0;   /* the hook owns req now (fmcp_http_endpoint_auth_resume) */
    return fmcp__mh_auth_answer(t, req, &au->r);
}

/* Answer a rejection; 1 when the reply accepts. */
static int fmcp__mh_auth_answer(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp_http_auth_reply *r)
{
    fmcp_http_header h[12];
    size_t n, i;
    if (!r->status) return 1;
    n = fmcp__mh_base_headers(t, NULL, h, 0);
    for (i = 0; i < r->nheaders && i < 4; i++) h[n++] = r->headers[i];
    h[n].name = "Content-Type"; h[n++].value = r->content_type ? r->content_type : "application/json";
    fmcp__mh_answer(t, req, r->status, h, n, r->body, r->body ? strlen(r->body) : 0);
    return 0;
}

static void fmcp__mh_route_req(fmcp_http_endpoint *t, fmcp_http_req *req, const char *m, const char *path,
                               const fmcp_auth_info *ai)
{
    int modern_only = fmcp_server_modern_only(t->srv);
    int legacy = !t->d.disable_legacy_sse && !t->d.stateless && !modern_only;
    const char *pv = fmcp_http_req_header(req, "MCP-Protocol-Version");
    if (strcmp(path, t->d.path) == 0) {
        if (strcmp(m, "POST") == 0) fmcp__mh_post(t, req, ai);
        /* 2026-07-28 has no GET stream and no sessions to DELETE */
        else if (modern_only || (pv && !fmcp__mh_known_version(pv))) fmcp__mh_405(t, req, "POST, OPTIONS");
        else if (strcmp(m, "GET") == 0) fmcp__mh_get(t, req, ai);
        else if (strcmp(m, "DELETE") == 0) fmcp__mh_delete(t, req, ai);
        else fmcp__mh_405(t, req, "GET, POST, DELETE, OPTIONS");
    } else if (legacy && strcmp(path, t->d.legacy_sse_path) == 0) {
        if (strcmp(m, "GET") == 0) fmcp__mh_legacy_open(t, req, ai);
        else fmcp__mh_405(t, req, "GET");
    } else {
        if (strcmp(m, "POST") == 0) fmcp__mh_legacy_post(t, req, ai);
        else fmcp__mh_405(t, req, "POST");
    }
}

static void fmcp__mh_handler(fmcp_http_req *req, void *user)
{
    fmcp_http_endpoint *t = (fmcp_http_endpoint *)user;
    const char *m = fmcp_http_req_method(req), *path = fmcp_http_req_path(req);
    int legacy = !t->d.disable_legacy_sse && !t->d.stateless;
    fmcp__mh_auth au;
    fmcp__mh_mark_loop(t);
    fmcp__mh_reap(t, 0);
    if (strcmp(m, "GET") == 0 && strcmp(path, t->d.health_path) == 0) {
        fmcp__mh_respond(t, req, NULL, 200, "application/json", "{\"status\":\"ok\"}", 15);
        return;
    }
    if (strcmp(path, t->d.path) != 0 && !(legacy && (strcmp(path, t->d.legacy_sse_path) == 0 ||
                                                     strcmp(path, t->d.legacy_message_path) == 0))) {
        if (t->d.fallback) t->d.fallback(req, t->d.fallback_user);
        else fmcp__mh_respond(t, req, NULL, 404, "text/plain", "Not Found\n", 10);
        return;
    }
    if (!fmcp__mh_host_ok(t, fmcp_http_req_header(req, "Host"))) {
        fmcp__mh_fail(t, req, 421, -32000, "Misdirected Request: Host not allowed");
        return;
    }
    if (!fmcp__mh_origin_ok(t, fmcp_http_req_header(req, "Origin"))) {
        fmcp__mh_fail(t, req, 403, -32000, "Forbidden: Origin not allowed");
        return;
    }
    if (strcmp(m, "OPTIONS") == 0) { fmcp__mh_preflight(t, req); return; }
    if (!fmcp__mh_authenticate(t, req, &au, 0)) {
        if (au.r.release) au.r.release(au.r.release_user, &au.r);
        return;
    }
    fmcp__mh_route_req(t, req, m, path, au.r.has_info ? &au.r.info : NULL);
    if (au.r.release) au.r.release(au.r.release_user, &au.r);
    fmcp__mh_reap(t, 0);
}

/* Does the endpoint authenticate this request? (The handler's order: the
 * health check and OPTIONS never are, other paths go to the fallback.) */
static int fmcp__mh_auth_path(const fmcp_http_endpoint *t, const char *m, const char *path)
{
    int legacy = !t->d.disable_legacy_sse && !t->d.stateless;
    if (strcmp(m, "OPTIONS") == 0 || (strcmp(m, "GET") == 0 && strcmp(path, t->d.health_path) == 0)) return 0;
    return strcmp(path, t->d.path) == 0 ||
           (legacy && (strcmp(path, t->d.legacy_sse_path) == 0 || strcmp(path, t->d.legacy_message_path) == 0));
}

/* The head is complete, the body not read (issue 15: bodies up to 4 MiB
 * used to be buffered before authentication). With an authenticate hook, a
 * request that declares more than preauth_body_bytes of body, or a chunked
 * one, is authenticated now: a rejection is answered without reading the
 * body (the connection then closes), an acceptance lets the body in and the
 * hook runs again with it (the token cache makes that a lookup). Smaller
 * bodies are read first, so a rejection can name the JSON-RPC id; requests
 * the endpoint does not authenticate (health, OPTIONS, the fallback's paths)
 * get at most preauth_body_bytes. */
static void fmcp__mh_on_head(fmcp_http_req *req, void *user)
{
    fmcp_http_endpoint *t = (fmcp_http_endpoint *)user;
    int64_t cl = fmcp_http_req_content_length(req);
    fmcp__mh_auth au;
    if (!t->d.authenticate) return;
    fmcp__mh_mark_loop(t);
    if (!fmcp__mh_auth_path(t, fmcp_http_req_method(req), fmcp_http_req_path(req))) {
        fmcp_http_req_body_limit(req, t->d.preauth_body_bytes);
        return;
    }
    if (cl >= 0 && (uint64_t)cl <= (uint64_t)t->d.preauth_body_bytes) return;
    /* held until decided: an answer that goes out later (a deferring hook,
     * a retry on the later list) finds the body still unread */
    fmcp_http_req_hold(req);
    memset(&au, 0, sizeof au);
    if (!fmcp__mh_host_ok(t, fmcp_http_req_header(req, "Host")))
        fmcp__mh_fail(t, req, 421, -32000, "Misdirected Request: Host not allowed");
    else if (!fmcp__mh_origin_ok(t, fmcp_http_req_header(req, "Origin")))
        fmcp__mh_fail(t, req, 403, -32000, "Forbidden: Origin not allowed");
    else if (fmcp__mh_authenticate(t, req, &au, 1))
        (void)fmcp_http_req_resume(req);   /* accepted: read the body now */
    if (au.r.release) au.r.release(au.r.release_user, &au.r);
}

FASTMCP_API void fmcp_http_endpoint_auth_resume(fmcp_http_endpoint *t, fmcp_http_req *req, fmcp_http_auth_reply *reply)
{
    fmcp__mh_mark_loop(t);
    /* accepted: a request held before its body now reads it (and the hook
     * runs again with it); one whose body was read goes its way */
    if (fmcp__mh_auth_answer(t, req, reply) && fmcp_http_req_resume(req) == FMCP_ERR_STATE)
        fmcp__mh_route_req(t, req, fmcp_http_req_method(req), fmcp_http_req_path(req),
                           reply->has_info ? &reply->info : NULL);
    if (reply->release) reply->release(reply->release_user, reply);
    fmcp__mh_reap(t, 0);
}

/* ---- housekeeping timer ------------------------------------------------------------- */

static void fmcp__mh_keepalive(fmcp_http_endpoint *t, int64_t now)
{
    size_t b;
    fmcp__mh_session *ms;
    fmcp__mh_stream *st;
    if (t->d.keepalive_ms <= 0) return;
    FMCP__MH_LOCK(t);
    for (b = 0; b <= FMCP__MH_BUCKETS; b++)
        for (ms = b < FMCP__MH_BUCKETS ? t->buckets[b] : t->temps; ms; ms = ms->next)
            for (st = ms->streams; st; st = st->next)
                if (st->req && st->state == FMCP__MH_SSE && now - st->last_write >= t->d.keepalive_ms)
                    fmcp__mh_write(t, st, ": keepalive\n\n", 13);
    FMCP__MH_UNLOCK(t);
}

static void fmcp__mh_tick(void *user)
{
    fmcp_http_endpoint *t = (fmcp_http_endpoint *)user;
    size_t b;
    fmcp__mh_session *ms;
    fmcp__mh_mark_loop(t);
    t->timer_on = 0;
    fmcp__mh_keepalive(t, fmcp_monotonic_ms());
    if (!t->later_timer_on) fmcp__mh_flush_later(t);
    fmcp__mh_reap(t, 1);
    /* the table changes only on this thread, so walking it unlocked is safe */
    for (b = 0; b < FMCP__MH_BUCKETS; b++)
        for (ms = t->buckets[b]; ms; ms = ms->next) fmcp_session_expire(ms->s);
    if (fmcp_http_timer_add(t->loop, t->tick_ms, fmcp__mh_tick, t, &t->timer) == FMCP_OK) t->timer_on = 1;
}

/* ---- public API ------------------------------------------------------------------------ */

static void fmcp__mh_defaults(fmcp_http_endpoint_desc *d)
{
    if (!d->path) d->path = "/mcp";
    if (!d->legacy_sse_path) d->legacy_sse_path = "/sse";
    if (!d->legacy_message_path) d->legacy_message_path = "/messages";
    if (!d->health_path) d->health_path = "/health";
    if (!d->keepalive_ms) d->keepalive_ms = 15000;
    if (!d->session_timeout_ms) d->session_timeout_ms = (int64_t)30 * 60 * 1000;
    if (!d->retry_ms) d->retry_ms = 1000;
    if (!d->max_sessions) d->max_sessions = 10000;
    if (!d->replay_events) d->replay_events = 256;
    if (!d->max_sessions_per_principal) d->max_sessions_per_principal = FMCP_HTTP_ENDPOINT_MAX_SESSIONS_PER_PRINCIPAL;
    if (!d->max_calls_per_principal) d->max_calls_per_principal = FMCP_HTTP_ENDPOINT_MAX_CALLS_PER_PRINCIPAL;
    if (!d->replay_bytes) d->replay_bytes = FMCP_HTTP_ENDPOINT_REPLAY_BYTES;
    if (!d->replay_bytes_per_principal) d->replay_bytes_per_principal = FMCP_HTTP_ENDPOINT_REPLAY_BYTES_PER_PRINCIPAL;
    if (!d->replay_bytes_total) d->replay_bytes_total = FMCP_HTTP_ENDPOINT_REPLAY_BYTES_TOTAL;
    if (!d->preauth_body_bytes) d->preauth_body_bytes = FMCP_HTTP_ENDPOINT_PREAUTH_BODY_BYTES;
}

/* Copies d's strings and NULL-terminated lists into one block, so the caller's
 * descriptor need not outlive the endpoint (sokol-style descriptors). */
static size_t fmcp__mh_list_len(const char *const *l, size_t *bytes)
{
    size_t n = 0;
    for (; l && l[n]; n++) *bytes += strlen(l[n]) + 1;
    return l ? n + 1 : 0;
}

static const char *const *fmcp__mh_list_copy(const char *const *l, const char **slot, char **text)
{
    size_t i, k;
    if (!l) return NULL;
    for (i = 0; l[i]; i++) {
        k = strlen(l[i]) + 1;
        memcpy(*text, l[i], k);
        slot[i] = *text;
        *text += k;
    }
    slot[i] = NULL;
    return slot;
}

static fmcp_result fmcp__mh_copy_desc(fmcp_http_endpoint *t)
{
    const char **str[6];
    size_t i, bytes = 0, nh, no, k;
    char *text;
    const char **slots;
    str[0] = &t->d.host; str[1] = &t->d.path; str[2] = &t->d.legacy_sse_path;
    str[3] = &t->d.legacy_message_path; str[4] = &t->d.health_path; str[5] = &t->d.cors_origin;
    for (i = 0; i < 6; i++) if (*str[i]) bytes += strlen(*str[i]) + 1;
    nh = fmcp__mh_list_len(t->d.allowed_hosts, &bytes);
    no = fmcp__mh_list_len(t->d.allowed_origins, &bytes);
    t->dblock_size = (nh + no) * sizeof(char *) + bytes + 1;
    if (!(t->dblock = (char *)fmcp_malloc(t->a, t->dblock_size))) return FMCP_ERR_NOMEM;
    slots = (const char **)(void *)t->dblock;
    text = t->dblock + (nh + no) * sizeof(char *);
    t->d.allowed_hosts = fmcp__mh_list_copy(t->d.allowed_hosts, slots, &text);
    t->d.allowed_origins = fmcp__mh_list_copy(t->d.allowed_origins, slots + nh, &text);
    for (i = 0; i < 6; i++) {
        if (!*str[i]) continue;
        k = strlen(*str[i]) + 1;
        memcpy(text, *str[i], k);
        *str[i] = text;
        text += k;
    }
    if (t->d.http) { t->http = *t->d.http; t->d.http = &t->http; }
    return FMCP_OK;
}

static void fmcp__mh_free_struct(fmcp_http_endpoint *t)
{
    if (t->dblock) fmcp_free(t->a, t->dblock, t->dblock_size);
    fmcp__mutex_destroy(&t->mu);
    fmcp_free(t->a, t, sizeof *t);
}

static fmcp_result fmcp__mh_mutex_init(fmcp_http_endpoint *t)
{
    return fmcp__mutex_init_recursive(&t->mu) ? FMCP_ERR_NOMEM : FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_http_endpoint_create(fmcp_server *srv, fmcp_http_loop *loop,
                                             const fmcp_http_endpoint_desc *d, fmcp_http_endpoint **out)
{
    fmcp_http_server_desc hd;
    fmcp_http_endpoint *t;
    fmcp_result rc;
    if (!srv || !loop || !d || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    t = (fmcp_http_endpoint *)fmcp_malloc(fmcp_server_allocator(srv), sizeof *t);
    if (!t) return FMCP_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->srv = srv; t->a = fmcp_server_allocator(srv); t->loop = loop; t->d = *d;
    if ((rc = fmcp__mh_copy_desc(t)) != FMCP_OK) { fmcp_free(t->a, t, sizeof *t); return rc; }
    fmcp__mh_defaults(&t->d);
    t->check_hosts = t->d.dns_rebinding_protection > 0 ||
                     (t->d.dns_rebinding_protection == 0 && (fmcp_http_addr_kind(t->d.host) == FMCP_HTTP_ADDR_LOOPBACK ||
                                                             t->d.allowed_hosts || t->d.allowed_origins));
    t->tick_ms = t->d.keepalive_ms > 0 && t->d.keepalive_ms < 1000 ? t->d.keepalive_ms : 1000;
    if ((rc = fmcp__mh_mutex_init(t)) != FMCP_OK) {
        fmcp_free(t->a, t->dblock, t->dblock_size);
        fmcp_free(t->a, t, sizeof *t);
        return rc;
    }
    if (t->d.http) hd = *t->d.http; else memset(&hd, 0, sizeof hd);
    hd.host = t->d.host; hd.port = t->d.port; hd.handler = fmcp__mh_handler; hd.user = t;
    hd.on_head = fmcp__mh_on_head;
    if ((rc = fmcp_http_server_create(loop, &hd, &t->hs)) != FMCP_OK) { fmcp__mh_free_struct(t); return rc; }
    if ((rc = fmcp_http_timer_add(loop, t->tick_ms, fmcp__mh_tick, t, &t->timer)) != FMCP_OK) {
        fmcp_http_server_destroy(t->hs);
        fmcp__mh_free_struct(t);
        return rc;
    }
    t->timer_on = 1;
    fmcp__mh_warn_open(t);
    *out = t;
    return FMCP_OK;
}

FASTMCP_API const fmcp_http_endpoint_desc *fmcp_http_endpoint_query_desc(const fmcp_http_endpoint *t)
{
    return t ? &t->d : NULL;
}

FASTMCP_API uint16_t fmcp_http_endpoint_port(const fmcp_http_endpoint *t) { return t ? fmcp_http_server_port(t->hs) : 0; }
FASTMCP_API fmcp_http_loop *fmcp_http_endpoint_loop(const fmcp_http_endpoint *t) { return t ? t->loop : NULL; }

FASTMCP_API size_t fmcp_http_endpoint_sessions(fmcp_http_endpoint *t)
{
    size_t n;
    if (!t) return 0;
    FMCP__MH_LOCK(t);
    n = t->nsessions;
    FMCP__MH_UNLOCK(t);
    return n;
}

FASTMCP_API size_t fmcp_http_endpoint_replay_bytes(fmcp_http_endpoint *t)
{
    size_t n;
    if (!t) return 0;
    FMCP__MH_LOCK(t);
    n = t->ages.bytes;
    FMCP__MH_UNLOCK(t);
    return n;
}

FASTMCP_API fmcp_result fmcp_http_endpoint_close_sse(fmcp_http_endpoint *t, fmcp_ctx *ctx)
{
    fmcp_session *s = fmcp_ctx_session(ctx);
    const char *id = fmcp_ctx_request_id(ctx);
    fmcp__mh_session *ms;
    fmcp__mh_stream *st = NULL;
    size_t b;
    if (!t || !s || !id) return FMCP_ERR_INVALID_ARG;
    FMCP__MH_LOCK(t);
    for (b = 0; b <= FMCP__MH_BUCKETS && !st; b++)
        for (ms = b < FMCP__MH_BUCKETS ? t->buckets[b] : t->temps; ms && !st; ms = ms->next)
            if (ms->s == s && !ms->temp && (st = fmcp__mh_find_id(ms, id, strlen(id))) != NULL) {
                if (st->state == FMCP__MH_PENDING) fmcp__mh_start_sse(t, ms, st);
                fmcp__mh_release_req(t, st, 200);
            }
    FMCP__MH_UNLOCK(t);
    return st ? FMCP_OK : FMCP_ERR_NOT_FOUND;
}

FASTMCP_API void fmcp_http_endpoint_destroy(fmcp_http_endpoint *t)
{
    fmcp__mh_session *dead = NULL, *ms, *nx;
    size_t b;
    if (!t) return;
    if (t->timer_on) fmcp_http_timer_cancel(t->loop, t->timer);
    FMCP__MH_LOCK(t);
    for (b = 0; b <= FMCP__MH_BUCKETS; b++)
        for (ms = b < FMCP__MH_BUCKETS ? t->buckets[b] : t->temps; ms; ms = nx) {
            nx = ms->next;
            fmcp__mh_unlink(t, ms);
            ms->next = dead;
            dead = ms;
        }
    FMCP__MH_UNLOCK(t);
    if (t->jobs_timer_on) fmcp_http_timer_cancel(t->loop, t->jobs_timer);
    fmcp__mh_push_jobs(t);   /* they run and find their sessions closed */
    for (ms = dead; ms; ms = nx) { nx = ms->next; fmcp__mh_destroy(t, ms); }
    if (t->later_timer_on) fmcp_http_timer_cancel(t->loop, t->later_timer);
    fmcp__mh_flush_later(t);   /* what still fails is released by the server's free */
    if (t->later) fmcp_free(t->a, t->later, t->cap_later * sizeof *t->later);
    fmcp_http_server_destroy(t->hs);
    fmcp__mh_free_struct(t);
}

FASTMCP_API fmcp_result fmcp_server_run_http(fmcp_server *srv, const fmcp_http_endpoint_desc *d)
{
    fmcp_http_loop *loop;
    fmcp_http_endpoint *t;
    fmcp_result rc;
    if (!srv || !d) return FMCP_ERR_INVALID_ARG;
    if ((rc = fmcp_http_loop_create(fmcp_server_allocator(srv), &loop)) != FMCP_OK) return rc;
    if ((rc = fmcp_http_endpoint_create(srv, loop, d, &t)) != FMCP_OK) { fmcp_http_loop_destroy(loop); return rc; }
    if (d->on_listen) d->on_listen(d->listen_user, t);
    rc = fmcp_http_run(loop);
    fmcp_http_endpoint_destroy(t);
    fmcp_http_loop_destroy(loop);
    return rc;
}

#endif /* FASTMCP_NO_SOCKETS */
