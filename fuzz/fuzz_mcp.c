/* libFuzzer target: arbitrary bytes as MCP messages to a session of a server
 * with a few tools, a resource, a template and a prompt, handlers inline.
 * The input is split at newlines, one fmcp_session_receive per line. If the
 * first byte is '0'..'3' the harness first initialises the session with that
 * protocol version (2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25).
 * Properties: no crash or leak (the server's memory returns to its baseline
 * when the session closes); every outgoing message is JSON-RPC 2.0 JSON;
 * every request with a string or number id gets exactly one response with
 * that id (or its batch is refused as a whole with one error); no response
 * names an id the input never had; on_done fires once per receive. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- counting allocator: the server's live blocks ------------------------- */

static long live;
static void *fz_malloc(void *u, size_t n) { (void)u; live++; return malloc(n); }
static void *fz_realloc(void *u, void *p, size_t o, size_t n)
{
    void *r = realloc(p, n);
    (void)u; (void)o;
    if (r && !p) live++;
    return r;
}
static void fz_free(void *u, void *p, size_t n) { (void)u; (void)n; if (p) live--; free(p); }

/* ---- the server -------------------------------------------------------------- */

static fmcp_result h_echo(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_progress(c, 1, 2, "half");
    fmcp_ctx_log(c, FMCP_LOG_INFO, "echo", fmcp_ctx_arg_str(c, "text", ""));
    return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", ""));
}
static fmcp_result h_add(fmcp_ctx *c, void *u)
{
    (void)u;
    if (fmcp_ctx_arg_int(c, "a", 0) < 0) return fmcp_ctx_error(c, -32000, "negative");
    if (fmcp_ctx_arg_int(c, "b", 0) < 0) return FMCP_ERR_INVALID_ARG;
    return fmcp_ctx_set_structured(c, "{\"sum\":1}", 9);
}
static fmcp_result h_media(fmcp_ctx *c, void *u)
{
    static const uint8_t png[4] = { 0x89, 'P', 'N', 'G' };
    fmcp_result r;
    (void)u;
    if ((r = fmcp_ctx_add_image(c, png, sizeof png, "image/png")) != FMCP_OK) return r;
    if ((r = fmcp_ctx_add_resource_link(c, "test://static", "static", NULL, "text/plain")) != FMCP_OK) return r;
    return fmcp_ctx_add_resource_text(c, NULL, "text/plain", fmcp_ctx_arg_str(c, "mode", "a"));
}
static fmcp_result h_template(fmcp_ctx *c, void *u)
{
    (void)u;
    if (strcmp(fmcp_ctx_var(c, "id"), "missing") == 0) return FMCP_ERR_NOT_FOUND;
    return fmcp_ctx_add_resource_text(c, NULL, "text/plain", fmcp_ctx_var(c, "id"));
}
static fmcp_result h_prompt(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_set_role(c, "assistant");
    return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "name", "?"));
}
static fmcp_result h_complete(fmcp_ctx *c, const char *arg, const char *value, void *u)
{
    (void)arg; (void)u;
    fmcp_ctx_set_completion_total(c, 2, 0);
    return fmcp_ctx_add_completion(c, value);
}

static fmcp_allocator fz_alloc;
static fmcp_server *make_server(void)
{
    fmcp_server *srv = NULL;
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_resource_desc rd;
    fmcp_template_desc td;
    fmcp_prompt_desc pd;
    static fmcp_prompt_arg pa[1];
    fz_alloc.malloc_fn = fz_malloc; fz_alloc.realloc_fn = fz_realloc; fz_alloc.free_fn = fz_free;
    memset(&sd, 0, sizeof sd);
    sd.name = "fuzz"; sd.version = "1"; sd.workers = -1; sd.page_size = 2; sd.alloc = &fz_alloc;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) abort();
    memset(&t, 0, sizeof t);
    t.name = "echo"; t.params = "text:string, n?:integer, mode?:enum(a|b)"; t.handler = h_echo;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) abort();
    t.name = "add"; t.params = "a:integer, b:integer, x?:number, o?:object, l?:array, f?:boolean";
    t.handler = h_add; t.output_schema = "{\"type\":\"object\"}";
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) abort();
    memset(&t, 0, sizeof t);
    t.name = "media"; t.input_schema = "{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\"}}}";
    t.handler = h_media;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) abort();
    memset(&rd, 0, sizeof rd);
    rd.uri = "test://static"; rd.name = "static"; rd.mime_type = "text/plain"; rd.text = "hello";
    if (fmcp_server_add_resource(srv, &rd) != FMCP_OK) abort();
    memset(&td, 0, sizeof td);
    td.uri_template = "test://t/{id}/data"; td.name = "tpl"; td.handler = h_template; td.complete = h_complete;
    if (fmcp_server_add_resource_template(srv, &td) != FMCP_OK) abort();
    memset(&pd, 0, sizeof pd);
    pa[0].name = "name"; pa[0].required = 1;
    pd.name = "greet"; pd.args = pa; pd.n_args = 1; pd.handler = h_prompt; pd.complete = h_complete;
    if (fmcp_server_add_prompt(srv, &pd) != FMCP_OK) abort();
    return srv;
}

/* ---- what the session sent during one receive ----------------------------- */

#define MAXR 256
static struct {
    char *ids[MAXR];   /* canonical id text of each response ("null" for none) */
    int n;
    int batch_refused; /* one non-batch error with null id answered a batch */
    int done;          /* on_done calls */
} got;

/* Canonical JSON text of a value (for comparing ids), malloc'd. */
static char *canon(const fmcp_json *v)
{
    fmcp_json_writer w;
    char *out = NULL, *copy;
    size_t n = 0;
    fmcp_jw_init(&w, NULL);
    if (v) fmcp_jw_value(&w, v); else fmcp_jw_null(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) abort();
    copy = (char *)malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, out, n + 1);
    fmcp_free_text(w.alloc, out, n);
    return copy;
}

static void record_response(const fmcp_json *v, const fmcp_send_info *info)
{
    const fmcp_json *id = fmcp_json_get(v, "id");
    if (!fmcp_json_is(v, FMCP_JSON_OBJECT) || strcmp(fmcp_json_get_str(v, "jsonrpc", ""), "2.0") != 0) abort();
    if (!fmcp_json_get(v, "result") == !fmcp_json_get(v, "error")) abort();   /* exactly one */
    if (!id) abort();
    if (got.n == MAXR) abort();
    got.ids[got.n++] = canon(id);
    (void)info;
}

static fmcp_result on_send(void *user, const char *json, size_t len, const fmcp_send_info *info)
{
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *v;
    (void)user;
    if (fmcp_json_parse(json, len, NULL, &doc, NULL) != FMCP_OK) abort();
    root = fmcp_json_root(doc);
    if (fmcp_json_is(root, FMCP_JSON_ARRAY)) {
        if (!info->is_response || fmcp_json_len(root) == 0) abort();
        for (v = fmcp_json_first(root); v; v = fmcp_json_next(v)) record_response(v, info);
    } else if (fmcp_json_get(root, "method")) {
        if (info->is_response || strcmp(fmcp_json_get_str(root, "jsonrpc", ""), "2.0") != 0) abort();
    } else {
        if (!info->is_response) abort();
        record_response(root, info);
        if (fmcp_json_is(fmcp_json_get(root, "id"), FMCP_JSON_NULL)
            && fmcp_json_get_int(fmcp_json_get(root, "error"), "code", 0) == FMCP_RPC_INVALID_REQUEST)
            got.batch_refused = 1;
    }
    fmcp_json_doc_destroy(doc);
    return FMCP_OK;
}

static void on_done(void *user, void *tag)
{
    (void)user;
    if (tag != (void *)&got) abort();
    got.done++;
}

/* ---- checking one receive --------------------------------------------------- */

static int is_request(const fmcp_json *v)
{
    const fmcp_json *id = fmcp_json_get(v, "id");
    return fmcp_json_is(v, FMCP_JSON_OBJECT) && fmcp_json_get(v, "method")
        && (fmcp_json_is(id, FMCP_JSON_STRING) || fmcp_json_is(id, FMCP_JSON_NUMBER));
}

/* How often the input (object or batch) carries this id, as a request / at all. */
static void count_id(const fmcp_json *root, const char *id, int *req, int *any)
{
    const fmcp_json *v = fmcp_json_is(root, FMCP_JSON_ARRAY) ? fmcp_json_first(root) : root;
    *req = 0; *any = 0;
    for (; v; v = fmcp_json_is(root, FMCP_JSON_ARRAY) ? fmcp_json_next(v) : NULL) {
        const fmcp_json *vid = fmcp_json_get(v, "id");
        char *c;
        if (!fmcp_json_is(v, FMCP_JSON_OBJECT) || !vid) continue;
        c = canon(vid);
        if (strcmp(c, id) == 0) { (*any)++; if (is_request(v)) (*req)++; }
        free(c);
    }
}

static int responses_with(const char *id)
{
    int i, k = 0;
    for (i = 0; i < got.n; i++) if (strcmp(got.ids[i], id) == 0) k++;
    return k;
}

static void check_receive(const char *msg, size_t len)
{
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *v;
    int i, req, any, batch;
    if (got.done != 1) abort();
    if (fmcp_json_parse(msg, len, NULL, &doc, NULL) != FMCP_OK) {
        for (i = 0; i < got.n; i++) if (strcmp(got.ids[i], "null") != 0) abort();
        return;
    }
    root = fmcp_json_root(doc);
    batch = fmcp_json_is(root, FMCP_JSON_ARRAY);
    if (batch && got.batch_refused && got.n == 1) { fmcp_json_doc_destroy(doc); return; }
    /* every response id occurs in the input; requests are answered once each */
    for (i = 0; i < got.n; i++) {
        if (strcmp(got.ids[i], "null") == 0) continue;
        count_id(root, got.ids[i], &req, &any);
        if (any == 0 || responses_with(got.ids[i]) > any) abort();
    }
    for (v = batch ? fmcp_json_first(root) : root; v; v = batch ? fmcp_json_next(v) : NULL) {
        char *c;
        if (!is_request(v)) continue;
        c = canon(fmcp_json_get(v, "id"));
        count_id(root, c, &req, &any);
        if (responses_with(c) < req) abort();
        free(c);
    }
    fmcp_json_doc_destroy(doc);
}

static void reset_got(void)
{
    int i;
    for (i = 0; i < got.n; i++) free(got.ids[i]);
    memset(&got, 0, sizeof got);
}

static void receive(fmcp_session *s, const char *msg, size_t len)
{
    fmcp_receive_opts o;
    memset(&o, 0, sizeof o);
    o.tag = (void *)&got;
    reset_got();
    if (fmcp_session_receive_ex(s, msg, len, &o) != FMCP_OK) abort();
    check_receive(msg, len);
    reset_got();
}

static void initialise(fmcp_session *s, int which)
{
    static const char *const versions[4] = { "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25" };
    static char init[512];
    static const char done[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    int n = snprintf(init, sizeof init,
                     "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                     "\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}",
                     versions[which]);
    receive(s, init, (size_t)n);
    receive(s, done, sizeof done - 1);
    if (strcmp(fmcp_session_protocol_version(s), versions[which]) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fmcp_server *srv;
    static long baseline;
    fmcp_session *s = NULL;
    fmcp_session_desc d;
    const char *p = (const char *)data, *end = p + size, *nl;
    if (size > 65536) return 0;
    memset(&d, 0, sizeof d);
    d.send = on_send; d.on_done = on_done;
    if (!srv) {   /* the baseline is taken after one session, once lazy tables exist */
        srv = make_server();
        if (fmcp_session_create(srv, &d, &s) != FMCP_OK) abort();
        initialise(s, 3);
        fmcp_session_destroy(s);
        baseline = live;
    }
    if (fmcp_session_create(srv, &d, &s) != FMCP_OK) abort();
    if (size && p[0] >= '0' && p[0] <= '3') { initialise(s, p[0] - '0'); p++; }
    while (p < end) {
        nl = (const char *)memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        receive(s, p, (size_t)(nl - p));
        p = nl + 1;
    }
    fmcp_session_destroy(s);
    if (live != baseline) abort();   /* the session gave back everything */
    return 0;
}
