/* Tests for the mcp_era module: the engine under protocol 2026-07-28, driven
 * with JSON-RPC text through a fake transport, handlers inline so every
 * answer is there when fmcp_session_receive returns. Expected values are
 * those of the 2026-07-28 specification (basic/versioning, server/discover,
 * patterns/mrtr, patterns/subscriptions, server/utilities/caching,
 * transports/streamable-http "Server Validation"). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

/* ---- fake transport: keeps every message, parsed ---------------------------- */

#define NMSG 64
typedef struct sent {
    fmcp_json_doc *doc[NMSG];
    int http[NMSG], resp[NMSG];
    int n;
} sent;

static fmcp_result sent_cb(void *u, const char *json, size_t len, const fmcp_send_info *info)
{
    sent *s = (sent *)u;
    if (s->n < NMSG && fmcp_json_parse(json, len, NULL, &s->doc[s->n], NULL) == FMCP_OK) {
        s->http[s->n] = info->http_status;
        s->resp[s->n] = info->is_response;
        s->n++;
    }
    return FMCP_OK;
}

static void sent_clear(sent *s)
{
    int i;
    for (i = 0; i < s->n; i++) fmcp_json_doc_destroy(s->doc[i]);
    s->n = 0;
}

static const fmcp_json *msg(sent *s, int i) { return i < s->n ? fmcp_json_root(s->doc[i]) : NULL; }
static const fmcp_json *last(sent *s) { return s->n ? msg(s, s->n - 1) : NULL; }
static const fmcp_json *res(sent *s) { return fmcp_json_get(last(s), "result"); }
static int64_t err_code(sent *s) { return fmcp_json_get_int(fmcp_json_get(last(s), "error"), "code", 0); }

/* ---- a server with a few fixtures ---------------------------------------------------- */

static fmcp_result t_hello(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, "hello"); }

static fmcp_result t_logs(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_log(c, FMCP_LOG_DEBUG, NULL, "debug line");
    fmcp_ctx_log(c, FMCP_LOG_WARNING, NULL, "warning line");
    return fmcp_ctx_add_text(c, "logged");
}

/* Two rounds: a name, then a colour; the handler's own state rides along. */
static fmcp_result t_ask(fmcp_ctx *c, void *u)
{
    const fmcp_json *a, *b;
    char line[128];
    fmcp_result r;
    (void)u;
    r = fmcp_ctx_input(c, "name", "elicitation/create", "{\"message\":\"name?\"}", &a);
    if (r != FMCP_OK) { if (r == FMCP_ERR_INPUT_REQUIRED) (void)fmcp_ctx_set_state(c, "r1"); return r; }
    r = fmcp_ctx_input(c, "colour", "elicitation/create", "{\"message\":\"colour?\"}", &b);
    if (r != FMCP_OK) return r;
    snprintf(line, sizeof line, "%s/%s/%s", fmcp_json_get_str(fmcp_json_get(a, "content"), "v", "?"),
             fmcp_json_get_str(fmcp_json_get(b, "content"), "v", "?"), fmcp_ctx_state(c) ? fmcp_ctx_state(c) : "-");
    return fmcp_ctx_add_text(c, line);
}

static fmcp_result t_needs_sampling(fmcp_ctx *c, void *u)
{
    fmcp_result r;
    (void)u;
    if ((r = fmcp_ctx_require_capability(c, "sampling")) != FMCP_OK) return r;
    return fmcp_ctx_add_text(c, "sampled");
}

static fmcp_result t_region(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "region", "")); }

typedef struct fixture {
    fmcp_server *srv;
    fmcp_session *s;
    sent out;
} fixture;

static fmcp_result add_tool(fmcp_server *srv, const char *name, fmcp_handler_fn fn, const char *schema)
{
    fmcp_tool_desc t;
    memset(&t, 0, sizeof t);
    t.name = name; t.handler = fn; t.input_schema = schema;
    return fmcp_server_add_tool(srv, &t);
}

static fmcp_result fx_open_with(fixture *f, const fmcp_server_desc *sd, const fmcp_auth_info *au)
{
    fmcp_session_desc ss;
    fmcp_resource_desc r;
    fmcp_prompt_desc p;
    fmcp_result rc;
    memset(f, 0, sizeof *f);
    if ((rc = fmcp_server_create(sd, &f->srv)) != FMCP_OK) return rc;
    rc = add_tool(f->srv, "hello", t_hello, NULL);
    if (!rc) rc = add_tool(f->srv, "logs", t_logs, NULL);
    if (!rc) rc = add_tool(f->srv, "ask", t_ask, NULL);
    if (!rc) rc = add_tool(f->srv, "needs_sampling", t_needs_sampling, NULL);
    if (!rc) rc = add_tool(f->srv, "region", t_region,
                           "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\",\"x-mcp-header\":\"Region\"},"
                           "\"n\":{\"type\":\"integer\",\"x-mcp-header\":\"N\"},"
                           "\"o\":{\"type\":\"object\",\"properties\":{\"deep\":{\"type\":\"boolean\",\"x-mcp-header\":\"Deep\"}}}}}");
    memset(&r, 0, sizeof r);
    r.uri = "test://a"; r.name = "a"; r.text = "A"; r.ttl_ms = 5000;
    if (!rc) rc = fmcp_server_add_resource(f->srv, &r);
    memset(&p, 0, sizeof p);
    p.name = "pr"; p.handler = t_hello;
    if (!rc) rc = fmcp_server_add_prompt(f->srv, &p);
    memset(&ss, 0, sizeof ss);
    ss.send = sent_cb; ss.user = &f->out; ss.auth = au;
    if (!rc) rc = fmcp_session_create(f->srv, &ss, &f->s);
    if (rc) { fmcp_server_destroy(f->srv); f->srv = NULL; }
    return rc;
}

static fmcp_result fx_open(fixture *f)
{
    fmcp_server_desc sd;
    memset(&sd, 0, sizeof sd);
    sd.name = "era"; sd.version = "9.9"; sd.workers = -1; sd.cache_ttl_ms = 1234;
    return fx_open_with(f, &sd, NULL);
}

static void fx_close(fixture *f)
{
    if (f->s) fmcp_session_destroy(f->s);
    if (f->srv) fmcp_server_destroy(f->srv);
    sent_clear(&f->out);
}

#define META_CAPS(caps) "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
    "\"io.modelcontextprotocol/clientCapabilities\":" caps "}"
#define META META_CAPS("{\"elicitation\":{}}")

static void rx(fixture *f, const char *json) { CHECK_OK(fmcp_session_receive(f->s, json, strlen(json))); }

/* ---- versioning and _meta ----------------------------------------------------------- */

static void test_meta_validation(void)
{
    fixture f;
    const fmcp_json *data, *v;
    int found = 0;
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    /* a request that says it is modern but lacks the capabilities */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":"
           "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    CHECK_EQ_INT(f.out.http[f.out.n - 1], 400);
    CHECK_EQ_INT(fmcp_json_get_int(last(&f.out), "id", 0), 1);
    /* unsupported version: -32022 listing what we speak and echoing the request */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{\"_meta\":"
           "{\"io.modelcontextprotocol/protocolVersion\":\"1900-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_UNSUPPORTED_VERSION);
    CHECK_EQ_INT(f.out.http[f.out.n - 1], 400);
    data = fmcp_json_get(fmcp_json_get(last(&f.out), "error"), "data");
    CHECK_STR(fmcp_json_get_str(data, "requested", ""), "1900-01-01");
    for (v = fmcp_json_first(fmcp_json_get(data, "supported")); v; v = fmcp_json_next(v))
        found += strcmp(fmcp_json_str(v, NULL), "2026-07-28") == 0 || strcmp(fmcp_json_str(v, NULL), "2025-11-25") == 0;
    CHECK_EQ_INT(found, 2);
    /* a bad log level is a bad parameter */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
           "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{},"
           "\"io.modelcontextprotocol/logLevel\":\"loud\"}}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    /* removed and unknown methods: -32601, 404 for HTTP */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\",\"params\":{" META "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_METHOD_NOT_FOUND);
    CHECK_EQ_INT(f.out.http[f.out.n - 1], 404);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://a\"," META "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_METHOD_NOT_FOUND);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"no/such\",\"params\":{" META "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_METHOD_NOT_FOUND);
    /* the legacy path is untouched: not initialized, no modern _meta */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_REQUEST);
    fx_close(&f);
}

static void test_discover_and_results(void)
{
    fixture f;
    const fmcp_json *r, *v;
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"server/discover\",\"params\":{" META "}}");
    r = res(&f.out);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "complete");
    CHECK_STR(fmcp_json_str(fmcp_json_first(fmcp_json_get(r, "supportedVersions")), NULL), "2026-07-28");
    CHECK(fmcp_json_get(fmcp_json_get(r, "capabilities"), "extensions") != NULL);
    CHECK(fmcp_json_get_bool(fmcp_json_get(fmcp_json_get(r, "capabilities"), "tools"), "listChanged", 0));
    v = fmcp_json_get(fmcp_json_get(r, "_meta"), "io.modelcontextprotocol/serverInfo");
    CHECK_STR(fmcp_json_get_str(v, "name", ""), "era");
    CHECK_STR(fmcp_json_get_str(v, "version", ""), "9.9");
    CHECK_EQ_INT(fmcp_json_get_int(r, "ttlMs", -1), 1234);
    CHECK_STR(fmcp_json_get_str(r, "cacheScope", ""), "public");
    /* lists: resultType, cache hints; a call: resultType, no cache hints */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{" META "}}");
    CHECK_STR(fmcp_json_get_str(res(&f.out), "resultType", ""), "complete");
    CHECK_EQ_INT(fmcp_json_get_int(res(&f.out), "ttlMs", -1), 1234);
    CHECK_STR(fmcp_json_get_str(fmcp_json_first(fmcp_json_get(res(&f.out), "tools")), "name", ""), "hello");
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"hello\"," META "}}");
    CHECK_STR(fmcp_json_get_str(res(&f.out), "resultType", ""), "complete");
    CHECK(fmcp_json_get(res(&f.out), "ttlMs") == NULL);
    CHECK(fmcp_json_get(fmcp_json_get(res(&f.out), "_meta"), "io.modelcontextprotocol/serverInfo") != NULL);
    /* resources/read: the resource's own ttl; an unknown URI is -32602 with the URI */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://a\"," META "}}");
    CHECK_EQ_INT(fmcp_json_get_int(res(&f.out), "ttlMs", -1), 5000);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://nope\"," META "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(fmcp_json_get(last(&f.out), "error"), "data"), "uri", ""), "test://nope");
    /* a prompt result carries resultType too */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":\"pr\"," META "}}");
    CHECK_STR(fmcp_json_get_str(res(&f.out), "resultType", ""), "complete");
    fx_close(&f);
}

static fmcp_result allow_all(void *u, const fmcp_auth_info *a, fmcp_item_kind k, const char *n, const char *s)
{
    (void)u; (void)a; (void)k; (void)n; (void)s;
    return FMCP_OK;
}

static void test_cache_scope_private(void)
{
    fixture f;
    fmcp_server_desc sd;
    fmcp_auth_info ai;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1;
    memset(&ai, 0, sizeof ai);
    ai.subject = "alice"; ai.token = "t";
    /* an identity makes answers caller-specific */
    if (fx_open_with(&f, &sd, &ai) != FMCP_OK) { CHECK(0); return; }
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META "}}");
    CHECK_STR(fmcp_json_get_str(res(&f.out), "cacheScope", ""), "private");
    CHECK_EQ_INT(fmcp_json_get_int(res(&f.out), "ttlMs", -1), 0);
    fx_close(&f);
    /* so does an authorizer hook, even without an identity */
    if (fx_open_with(&f, &sd, NULL) != FMCP_OK) { CHECK(0); return; }
    fmcp_server_set_authorizer(f.srv, allow_all, NULL);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\",\"params\":{" META "}}");
    CHECK_STR(fmcp_json_get_str(res(&f.out), "cacheScope", ""), "private");
    fx_close(&f);
}

static void test_modern_only(void)
{
    fixture f;
    fmcp_server_desc sd;
    const fmcp_json *v;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1; sd.modern_only = 1;
    if (fx_open_with(&f, &sd, NULL) != FMCP_OK) { CHECK(0); return; }
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
           "\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_UNSUPPORTED_VERSION);
    CHECK(strstr(fmcp_json_get_str(fmcp_json_get(last(&f.out), "error"), "message", ""), "2026-07-28") != NULL);
    /* discover lists only the modern version; requests without _meta learn what is missing */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{" META "}}");
    v = fmcp_json_get(res(&f.out), "supportedVersions");
    CHECK_EQ_INT(fmcp_json_len(v), 1);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    fx_close(&f);
}

static void test_log_level_per_request(void)
{
    fixture f;
    int i, logs = 0;
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"logs\"," META "}}");
    for (i = 0; i < f.out.n; i++) logs += strcmp(fmcp_json_get_str(msg(&f.out, i), "method", ""), "notifications/message") == 0;
    CHECK_EQ_INT(logs, 0);   /* no logLevel: no log messages at all */
    sent_clear(&f.out);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"logs\",\"_meta\":{"
           "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{},"
           "\"io.modelcontextprotocol/logLevel\":\"warning\"}}}");
    for (i = 0; i < f.out.n; i++)
        if (strcmp(fmcp_json_get_str(msg(&f.out, i), "method", ""), "notifications/message") == 0) {
            logs++;
            CHECK_STR(fmcp_json_get_str(fmcp_json_get(msg(&f.out, i), "params"), "level", ""), "warning");
        }
    CHECK_EQ_INT(logs, 1);
    fx_close(&f);
}

/* ---- multi round-trip ------------------------------------------------------------------- */

/* Send tools/call "ask" with extra params text; returns the result object. */
static const fmcp_json *ask(fixture *f, int id, const char *extra)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
             "\"arguments\":{\"x\":1},%s" META "}}", id, extra);
    rx(f, buf);
    return res(&f->out);
}

static void test_mrtr_rounds(void)
{
    fixture f;
    const fmcp_json *r, *ir;
    char extra[3000], state[1500];
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    r = ask(&f, 1, "");
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "input_required");
    ir = fmcp_json_get(r, "inputRequests");
    CHECK_EQ_INT(fmcp_json_len(ir), 1);
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(ir, "name"), "method", ""), "elicitation/create");
    CHECK(fmcp_json_get(fmcp_json_get(fmcp_json_get(ir, "name"), "params"), "message") != NULL);
    snprintf(state, sizeof state, "%s", fmcp_json_get_str(r, "requestState", ""));
    CHECK(strlen(state) > 40);
    /* round 2: the name; the colour is asked next, with a new state */
    snprintf(extra, sizeof extra, "\"inputResponses\":{\"name\":{\"action\":\"accept\",\"content\":{\"v\":\"ada\"}},"
             "\"junk\":{\"ignored\":true}},\"requestState\":\"%s\",", state);
    r = ask(&f, 2, extra);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "input_required");
    CHECK(fmcp_json_get(fmcp_json_get(r, "inputRequests"), "colour") != NULL);
    CHECK(fmcp_json_get(fmcp_json_get(r, "inputRequests"), "name") == NULL);
    CHECK(strcmp(fmcp_json_get_str(r, "requestState", ""), state) != 0);
    snprintf(state, sizeof state, "%s", fmcp_json_get_str(r, "requestState", ""));
    /* round 3: only the colour comes; the name rides in the state */
    snprintf(extra, sizeof extra, "\"inputResponses\":{\"colour\":{\"action\":\"accept\",\"content\":{\"v\":\"teal\"}}},"
             "\"requestState\":\"%s\",", state);
    r = ask(&f, 3, extra);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "complete");
    CHECK_STR(fmcp_json_get_str(fmcp_json_first(fmcp_json_get(r, "content")), "text", ""), "ada/teal/r1");
    /* an answer that is not a result object counts as missing: asked again */
    r = ask(&f, 4, "\"inputResponses\":{\"name\":\"ada\"},");
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "input_required");
    CHECK(fmcp_json_get(fmcp_json_get(r, "inputRequests"), "name") != NULL);
    /* inputResponses that are not an object: invalid params */
    ask(&f, 5, "\"inputResponses\":[1,2],");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    fx_close(&f);
}

static void test_mrtr_state_refused(void)
{
    fixture f;
    const fmcp_json *r;
    char extra[3000], state[1500], bad[1500];
    size_t n;
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    r = ask(&f, 1, "");
    snprintf(state, sizeof state, "%s", fmcp_json_get_str(r, "requestState", ""));
    n = strlen(state);
    /* one character changed in the payload, then in the MAC */
    snprintf(bad, sizeof bad, "%s", state);
    bad[3] = bad[3] == 'A' ? 'B' : 'A';
    snprintf(extra, sizeof extra, "\"requestState\":\"%s\",", bad);
    ask(&f, 2, extra);
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    snprintf(bad, sizeof bad, "%s", state);
    bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
    snprintf(extra, sizeof extra, "\"requestState\":\"%s\",", bad);
    ask(&f, 3, extra);
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    ask(&f, 4, "\"requestState\":\"no-dot-here\",");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    ask(&f, 5, "\"requestState\":42,");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    /* the state of one request is refused on another: other arguments, other tool */
    snprintf(extra, sizeof extra, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
             "\"arguments\":{\"x\":2},\"requestState\":\"%s\"," META "}}", state);
    rx(&f, extra);
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    snprintf(extra, sizeof extra, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"hello\","
             "\"arguments\":{\"x\":1},\"requestState\":\"%s\"," META "}}", state);
    rx(&f, extra);
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    /* and the genuine one still works */
    snprintf(extra, sizeof extra, "\"requestState\":\"%s\",", state);
    r = ask(&f, 8, extra);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "input_required");
    fx_close(&f);
}

/* A state minted for alice is refused for bob, on a server sharing the key. */
static void test_mrtr_state_principal_and_key(void)
{
    fixture fa, fb;
    fmcp_server_desc sd;
    fmcp_auth_info a, b;
    unsigned char key[32];
    char extra[3000], state[1500];
    const fmcp_json *r;
    memset(key, 7, sizeof key);
    memset(&sd, 0, sizeof sd);
    sd.workers = -1; sd.state_key = key; sd.state_key_len = sizeof key;
    memset(&a, 0, sizeof a); a.subject = "alice"; a.token = "ta";
    memset(&b, 0, sizeof b); b.subject = "bob"; b.token = "tb";
    if (fx_open_with(&fa, &sd, &a) != FMCP_OK) { CHECK(0); return; }
    if (fx_open_with(&fb, &sd, &b) != FMCP_OK) { fx_close(&fa); CHECK(0); return; }
    r = ask(&fa, 1, "");
    snprintf(state, sizeof state, "%s", fmcp_json_get_str(r, "requestState", ""));
    snprintf(extra, sizeof extra, "\"inputResponses\":{\"name\":{\"action\":\"accept\",\"content\":{\"v\":\"x\"}}},"
             "\"requestState\":\"%s\",", state);
    ask(&fb, 2, extra);   /* another replica with the same key, another caller */
    CHECK_EQ_INT(err_code(&fb.out), FMCP_RPC_INVALID_PARAMS);
    fx_close(&fb);
    /* same caller, another replica with the same key: accepted */
    if (fx_open_with(&fb, &sd, &a) != FMCP_OK) { fx_close(&fa); CHECK(0); return; }
    r = ask(&fb, 3, extra);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "input_required");
    CHECK(fmcp_json_get(fmcp_json_get(r, "inputRequests"), "colour") != NULL);
    fx_close(&fb);
    fx_close(&fa);
    /* a short key is refused at creation */
    sd.state_key_len = 16;
    CHECK_EQ_INT(fmcp_server_create(&sd, &fa.srv), FMCP_ERR_INVALID_ARG);
}

static int64_t fake_now;
static int64_t fake_time(void *u) { (void)u; return fake_now; }

static void test_mrtr_state_expiry(void)
{
    fixture f;
    fmcp_server_desc sd;
    fmcp_hooks h;
    char extra[3000], state[1500];
    const fmcp_json *r;
    memset(&h, 0, sizeof h);
    h.time_fn = fake_time;
    fake_now = 1800000000;
    fmcp_set_hooks(&h);
    memset(&sd, 0, sizeof sd);
    sd.workers = -1; sd.state_ttl_ms = 60000;
    if (fx_open_with(&f, &sd, NULL) != FMCP_OK) { fmcp_set_hooks(NULL); CHECK(0); return; }
    r = ask(&f, 1, "");
    snprintf(state, sizeof state, "%s", fmcp_json_get_str(r, "requestState", ""));
    snprintf(extra, sizeof extra, "\"requestState\":\"%s\",", state);
    fake_now += 59;
    r = ask(&f, 2, extra);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "input_required");
    fake_now += 2;   /* past the minute */
    ask(&f, 3, extra);
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    fx_close(&f);
    fmcp_set_hooks(NULL);
}

static void test_missing_capability(void)
{
    fixture f;
    const fmcp_json *e;
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"needs_sampling\"," META "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_MISSING_CAPABILITY);
    CHECK_EQ_INT(f.out.http[f.out.n - 1], 400);
    e = fmcp_json_get(fmcp_json_get(fmcp_json_get(last(&f.out), "error"), "data"), "requiredCapabilities");
    CHECK(fmcp_json_is(fmcp_json_get(e, "sampling"), FMCP_JSON_OBJECT));
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"needs_sampling\","
           META_CAPS("{\"sampling\":{}}") "}}");
    CHECK_STR(fmcp_json_get_str(fmcp_json_first(fmcp_json_get(res(&f.out), "content")), "text", ""), "sampled");
    /* fmcp_ctx_input for an undeclared capability: -32021 naming it */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
           META_CAPS("{\"sampling\":{}}") "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_MISSING_CAPABILITY);
    e = fmcp_json_get(fmcp_json_get(fmcp_json_get(last(&f.out), "error"), "data"), "requiredCapabilities");
    CHECK(fmcp_json_get(e, "elicitation") != NULL);
    fx_close(&f);
}

/* ---- subscriptions ------------------------------------------------------------------------ */

static int count_method(sent *s, const char *method)
{
    int i, n = 0;
    for (i = 0; i < s->n; i++) n += strcmp(fmcp_json_get_str(msg(s, i), "method", ""), method) == 0;
    return n;
}

static void test_subscriptions(void)
{
    fixture f;
    const fmcp_json *ack;
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"L1\",\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":"
           "{\"toolsListChanged\":true,\"resourceSubscriptions\":[\"test://a\"]}," META "}}");
    CHECK_EQ_INT(f.out.n, 1);
    ack = msg(&f.out, 0);
    CHECK_STR(fmcp_json_get_str(ack, "method", ""), "notifications/subscriptions/acknowledged");
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(fmcp_json_get(ack, "params"), "_meta"), "io.modelcontextprotocol/subscriptionId", ""), "L1");
    CHECK(fmcp_json_get_bool(fmcp_json_get(fmcp_json_get(ack, "params"), "notifications"), "toolsListChanged", 0));
    CHECK_EQ_INT(fmcp_session_in_flight(f.s), 1);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"L2\",\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":"
           "{\"promptsListChanged\":true}," META "}}");
    CHECK_EQ_INT(fmcp_session_in_flight(f.s), 2);
    sent_clear(&f.out);
    /* a tool added: only L1 hears it, tagged with its id */
    CHECK_OK(add_tool(f.srv, "late", t_hello, NULL));
    CHECK_EQ_INT(count_method(&f.out, "notifications/tools/list_changed"), 1);
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(fmcp_json_get(last(&f.out), "params"), "_meta"),
                                "io.modelcontextprotocol/subscriptionId", ""), "L1");
    CHECK_OK(fmcp_server_notify_resource_updated(f.srv, "test://a"));
    CHECK_OK(fmcp_server_notify_resource_updated(f.srv, "test://other"));
    CHECK_EQ_INT(count_method(&f.out, "notifications/resources/updated"), 1);
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(last(&f.out), "params"), "uri", ""), "test://a");
    /* a malformed filter is refused */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"L3\",\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":"
           "{\"toolsListChanged\":\"yes\"}," META "}}");
    CHECK_EQ_INT(err_code(&f.out), FMCP_RPC_INVALID_PARAMS);
    /* cancelling L1 ends it silently; L2 then ends gracefully with its result */
    sent_clear(&f.out);
    rx(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"L1\"}}");
    CHECK_EQ_INT(fmcp_session_in_flight(f.s), 1);
    CHECK_EQ_INT(f.out.n, 0);
    CHECK_OK(fmcp_server_remove(f.srv, FMCP_ITEM_TOOL, "late"));
    CHECK_EQ_INT(count_method(&f.out, "notifications/tools/list_changed"), 0);
    sent_clear(&f.out);
    fmcp_server_end_subscriptions(f.srv);
    CHECK_EQ_INT(fmcp_session_in_flight(f.s), 0);
    CHECK_EQ_INT(f.out.n, 2);
    CHECK_STR(fmcp_json_get_str(msg(&f.out, 0), "method", ""), "notifications/cancelled");
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(msg(&f.out, 0), "params"), "requestId", ""), "L2");
    CHECK_STR(fmcp_json_get_str(last(&f.out), "id", ""), "L2");
    CHECK_STR(fmcp_json_get_str(res(&f.out), "resultType", ""), "complete");
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(res(&f.out), "_meta"), "io.modelcontextprotocol/subscriptionId", ""), "L2");
    /* an open subscription ends with its session */
    rx(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"L4\",\"method\":\"subscriptions/listen\",\"params\":{" META "}}");
    CHECK_EQ_INT(fmcp_session_in_flight(f.s), 1);
    fx_close(&f);   /* ASan/leak checks: nothing of L4 remains */
}

/* ---- HTTP header validation --------------------------------------------------------------- */

typedef struct hdrs { const char *names[8], *values[8]; } hdrs;

static const char *hdr_get(void *u, const char *name)
{
    hdrs *h = (hdrs *)u;
    int i;
    for (i = 0; i < 8 && h->names[i]; i++) {
        const char *a = h->names[i], *b = name;
        while (*a && *b && (*a | 32) == (*b | 32)) { a++; b++; }
        if (!*a && !*b) return h->values[i];
    }
    return NULL;
}

static fmcp_result check_hdrs(fixture *f, const char *body, const char *n0, const char *v0, const char *n1,
                              const char *v1, const char *n2, const char *v2)
{
    fmcp_json_doc *doc;
    hdrs h;
    char m[160];
    fmcp_result rc;
    memset(&h, 0, sizeof h);
    h.names[0] = n0; h.values[0] = v0; h.names[1] = n1; h.values[1] = v1; h.names[2] = n2; h.values[2] = v2;
    if (fmcp_json_parse(body, strlen(body), NULL, &doc, NULL) != FMCP_OK) return FMCP_ERR_PARSE;
    rc = fmcp_server_check_headers(f->srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m);
    if (rc != FMCP_OK) CHECK(strstr(m, "Header mismatch") != NULL);
    fmcp_json_doc_destroy(doc);
    return rc;
}

static void test_header_validation(void)
{
    fixture f;
    const char *call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"region\","
                       "\"arguments\":{\"region\":\"us-west1\",\"n\":42,\"o\":{\"deep\":true}}," META "}}";
    const char *plain = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"region\","
                        "\"arguments\":{}," META "}}";
    if (fx_open(&f) != FMCP_OK) { CHECK(0); return; }
    CHECK_OK(check_hdrs(&f, plain, "Mcp-Method", "tools/call", "mcp-name", "region", NULL, NULL));
    CHECK_EQ_INT(check_hdrs(&f, plain, "Mcp-Method", "tools/list", "Mcp-Name", "region", NULL, NULL), FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(check_hdrs(&f, plain, "Mcp-Method", "Tools/Call", "Mcp-Name", "region", NULL, NULL), FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(check_hdrs(&f, plain, "Mcp-Method", "tools/call", NULL, NULL, NULL, NULL), FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(check_hdrs(&f, plain, "Mcp-Name", "region", NULL, NULL, NULL, NULL), FMCP_ERR_PROTOCOL);
    /* Mcp-Name as =?base64?...?= ("region"); MCP-Protocol-Version against _meta */
    CHECK_OK(check_hdrs(&f, plain, "Mcp-Method", "tools/call", "Mcp-Name", "=?base64?cmVnaW9u?=", NULL, NULL));
    CHECK_EQ_INT(check_hdrs(&f, plain, "Mcp-Method", "tools/call", "Mcp-Name", "=?base64?cmVnaW9u=?=", NULL, NULL),
                 FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(check_hdrs(&f, plain, "Mcp-Method", "tools/call", "Mcp-Name", "region", "MCP-Protocol-Version",
                            "2025-11-25"), FMCP_ERR_PROTOCOL);
    /* x-mcp-header parameters: all present and matching (integer, nested boolean) */
    {
        fmcp_json_doc *doc;
        hdrs h;
        char m[160];
        memset(&h, 0, sizeof h);
        h.names[0] = "Mcp-Method"; h.values[0] = "tools/call";
        h.names[1] = "Mcp-Name"; h.values[1] = "region";
        h.names[2] = "Mcp-Param-Region"; h.values[2] = "us-west1";
        h.names[3] = "Mcp-Param-N"; h.values[3] = "42.0";
        h.names[4] = "Mcp-Param-Deep"; h.values[4] = "true";
        CHECK_OK(fmcp_json_parse(call, strlen(call), NULL, &doc, NULL));
        CHECK_OK(fmcp_server_check_headers(f.srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m));
        h.values[2] = "=?base64?dXMtd2VzdDE=?=";   /* the same value, encoded */
        CHECK_OK(fmcp_server_check_headers(f.srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m));
        h.values[2] = "us-east1";
        CHECK_EQ_INT(fmcp_server_check_headers(f.srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m), FMCP_ERR_PROTOCOL);
        h.values[2] = "=?base64?dXMtd2VzdDE?=";   /* bad padding */
        CHECK_EQ_INT(fmcp_server_check_headers(f.srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m), FMCP_ERR_PROTOCOL);
        h.values[2] = "us-west1";
        h.values[4] = "false";
        CHECK_EQ_INT(fmcp_server_check_headers(f.srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m), FMCP_ERR_PROTOCOL);
        h.names[4] = NULL;   /* omitted header, value in the body */
        CHECK_EQ_INT(fmcp_server_check_headers(f.srv, fmcp_json_root(doc), hdr_get, &h, m, sizeof m), FMCP_ERR_PROTOCOL);
        fmcp_json_doc_destroy(doc);
    }
    fx_close(&f);
}

/* ---- allocation failures ------------------------------------------------------------------ */

static int sweep_round(void)
{
    fixture f;
    fmcp_server_desc sd;
    char buf[3000];
    const char *first = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
                        "\"arguments\":{\"x\":1}," META "}}";
    fmcp_result rc;
    int ok = 0;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1; sd.alloc = &t_alloc;
    if ((rc = fx_open_with(&f, &sd, NULL)) != FMCP_OK) return rc;
    rc = fmcp_session_receive(f.s, first, strlen(first));
    if (rc == FMCP_OK && (!res(&f.out) || !fmcp_json_get(res(&f.out), "requestState"))) rc = -1;   /* answered OOM */
    if (rc == FMCP_OK) {
        snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
                 "\"arguments\":{\"x\":1},\"inputResponses\":{\"name\":{\"content\":{\"v\":\"a\"}}},\"requestState\":\"%s\","
                 META "}}", fmcp_json_get_str(res(&f.out), "requestState", ""));
        rc = fmcp_session_receive(f.s, buf, strlen(buf));
        ok = rc == FMCP_OK && fmcp_json_get(fmcp_json_get(res(&f.out), "inputRequests"), "colour") != NULL;
        if (rc == FMCP_OK && !ok) rc = -1;
    }
    if (rc == FMCP_OK) {
        const char *listen = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"subscriptions/listen\",\"params\":"
                             "{\"notifications\":{\"toolsListChanged\":true}," META "}}";
        rc = fmcp_session_receive(f.s, listen, strlen(listen));
        if (rc == FMCP_OK && fmcp_session_in_flight(f.s) != 1) rc = -1;
    }
    fx_close(&f);
    return rc;
}

static void test_alloc_sweep(void)
{
    T_ALLOC_SWEEP(t_rc = sweep_round());
}

int main(void)
{
    T_RUN(test_meta_validation);
    T_RUN(test_discover_and_results);
    T_RUN(test_cache_scope_private);
    T_RUN(test_modern_only);
    T_RUN(test_log_level_per_request);
    T_RUN(test_mrtr_rounds);
    T_RUN(test_mrtr_state_refused);
    T_RUN(test_mrtr_state_principal_and_key);
    T_RUN(test_mrtr_state_expiry);
    T_RUN(test_missing_capability);
    T_RUN(test_subscriptions);
    T_RUN(test_header_validation);
    T_RUN(test_alloc_sweep);
    return t_finish("mcp_era");
}
