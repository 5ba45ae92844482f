/* mcp_client_era: implementation. The client's protocol 2026-07-28 half:
 * the era probe (server/discover) and the listen request, the HTTP request
 * headers of SEP-2243 (Mcp-Method, Mcp-Name, Mcp-Param-*), multi round-trip
 * requests (input_required answered and the request retried) and the result
 * cache. One translation unit with mcp_client.c, whose types and helpers it
 * uses; mcp_client.c declares the entry points it calls here. */
#include "mcp_client_era.h"

/* A client needs a transport: stdio (processes, pipes, poll) or HTTP (sockets). */
#if !defined(FASTMCP_NO_PROCESS) || !defined(FASTMCP_NO_SOCKETS)

/* ---- 2026-07-28: discovery and the listen request ------------------------------------- */

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
        if (!fmcp__is_tchar((unsigned char)name[i])) { x->why = "x-mcp-header is not an HTTP token"; return; }
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
            if (!fmcp__is_tchar((unsigned char)x[i])) x = NULL;
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
    fmcp__buf_init(&b, c->a, 0);
    if (params && (r = fmcp__cl_parse(c, params, strlen(params), 0, &pd)) != FMCP_OK) return r;
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
    fmcp_result rc = FMCP_OK;
    if (params && (rc = fmcp__cl_parse(c, params, strlen(params), 0, &pd)) != FMCP_OK) return rc;
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
        fmcp_free_text(c->a, ans, alen);
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
        fmcp_free_text(c->a, cur, cur_len);
        cur = next; cur_len = next_len; next = NULL;
        r = fmcp__cl_rpc_once(c, method, cur, o, out, status);
    }
    if (r != FMCP_OK && r != FMCP_ERR_RPC && *out) { fmcp_json_doc_destroy(*out); *out = NULL; }
    fmcp_free_text(c->a, cur, cur_len);
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
        fmcp__hex(c->cache_srv, d, 16);
        return;
    }
#endif
    fmcp__hex(c->cache_srv, c->cache_nonce, 16);
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
    fmcp__hex(out, d, 16);
    return FMCP_OK;
}

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
    fmcp__mutex_lock(&c->cache_lock);
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
            hit = fmcp__cl_parse(c, v, vlen, 0, out) == FMCP_OK;   /* a damaged value is a miss */
        }
        fmcp__buf_free(&k);
    }
    fmcp__mutex_unlock(&c->cache_lock);
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
    fmcp__mutex_lock(&c->cache_lock);
    if (q->gen == c->cache_gen && fmcp__cl_ckey(c, &k, method, pub ? "public" : q->id, params) == FMCP_OK)
        fmcp__cl_store_put(c, k.p, k.len, text, n, fmcp_monotonic_ms() + ttl);
    fmcp__mutex_unlock(&c->cache_lock);
    fmcp__buf_free(&k);
    fmcp_free_text(c->a, text, n);
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
        fmcp__mutex_lock(&c->cache_lock);
        c->cache_gen++;
        fmcp__cl_cache_srv(c);
        for (j = 1; j < 3 && map[i][j]; j++) {
            char prefix[80];
            int n = snprintf(prefix, sizeof prefix, "%s\n%s\n", map[i][j], c->cache_srv);
            fmcp__cl_store_invalidate(c, prefix, (size_t)n);
        }
        fmcp__mutex_unlock(&c->cache_lock);
        return;
    }
}

/* Every entry of the memory store (fmcp_client_destroy). */
static void fmcp__cl_cache_clear(fmcp_client *c)
{
    while (c->cache_head) fmcp__cl_mem_unlink(c, &c->cache_head);
}

#endif /* a transport */
