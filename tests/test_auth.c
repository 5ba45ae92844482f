/* tests/test_auth.c - bearer authentication on the Streamable HTTP transport.
 * Everything runs in-process on one loop: the MCP server on 127.0.0.1:0, a
 * JWKS endpoint on a second server (a fetch counter and key rotation), a
 * client through fmcp_http_fetch_async, and a clock hook that moves time. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#include <time.h>

#ifndef FASTMCP_NO_SOCKETS

/* ---- keys and tokens ------------------------------------------------------- */

static fmcp_rsa_private_key k1, k2;
static int keys_ready;

static int t_keys(void)
{
    if (!keys_ready) {
        if (fmcp_rsa_generate(2048, &k1) != FMCP_OK || fmcp_rsa_generate(2048, &k2) != FMCP_OK) return 0;
        keys_ready = 1;
    }
    return 1;
}

/* JWKS text with the given keys (kid "k1"/"k2") and an EC key to skip. */
static const char x25519_jwk[] = "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"use\":\"sig\",\"kid\":\"ec1\","
                                 "\"x\":\"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08\"}";
static char g_ec_jwk[512];

static char *t_jwks(int with1, int with2)
{
    fmcp_json_writer w;
    char *out;
    size_t n;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "keys");
    fmcp_jw_array_begin(&w);
    /* a key agreement key (X25519, RFC 8037 A.6): never for signatures, must be
     * skipped; or, when a test set one, a P-256 signing key */
    if (g_ec_jwk[0]) fmcp_jw_raw(&w, g_ec_jwk, strlen(g_ec_jwk));
    else fmcp_jw_raw(&w, x25519_jwk, strlen(x25519_jwk));
    if (with1) fmcp_rsa_public_write_jwk(&w, &k1.pub, "k1", "RS256", "sig");
    if (with2) fmcp_rsa_public_write_jwk(&w, &k2.pub, "k2", "RS256", "sig");
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) return NULL;
    return out;
}

static const char *aud1[] = { "mcp-test" };

static char *t_token(const fmcp_rsa_private_key *k, const char *kid, const char *sub, const char *scopes,
                     int64_t life)
{
    fmcp_jwt_issue_desc d;
    const char *sc[4];
    size_t n = 0;
    char *tok = NULL, buf[128], *p, *save = NULL;
    size_t len;
    memset(&d, 0, sizeof d);
    snprintf(buf, sizeof buf, "%s", scopes ? scopes : "");
    for (p = strtok_r(buf, " ", &save); p && n < 4; p = strtok_r(NULL, " ", &save)) sc[n++] = p;
    d.subject = sub; d.issuer = "https://issuer.test"; d.kid = kid;
    d.audiences = aud1; d.audience_count = 1;
    d.scopes = sc; d.scope_count = n;
    d.lifetime_seconds = life;
    d.claims_json = "{\"client_id\":\"cli-1\"}";
    if (fmcp_jwt_issue(k, &d, NULL, &tok, &len) != FMCP_OK) return NULL;
    return tok;
}

/* A token with the given claims (JSON object text) and no default scope. */
static char *t_token_claims(const char *sub, const char *claims_json)
{
    fmcp_jwt_issue_desc d;
    char *tok = NULL;
    size_t len;
    memset(&d, 0, sizeof d);
    d.subject = sub; d.issuer = "https://issuer.test"; d.kid = "k1";
    d.audiences = aud1; d.audience_count = 1;
    d.lifetime_seconds = 600;
    d.claims_json = claims_json;
    if (fmcp_jwt_issue(&k1, &d, NULL, &tok, &len) != FMCP_OK) return NULL;
    return tok;
}

/* ---- the JWKS endpoint ------------------------------------------------------ */

static int jwks_fetches, jwks_fail;
static char *jwks_body;
static const char *jwks_cache_control;

static void jwks_handler(fmcp_http_req *req, void *u)
{
    fmcp_http_header h[2];
    size_t n = 0;
    (void)u;
    jwks_fetches++;
    if (jwks_fail || !jwks_body) { (void)fmcp_http_respond(req, 500, NULL, 0, "no", 2); return; }
    h[n].name = "Content-Type"; h[n++].value = "application/json";
    if (jwks_cache_control) { h[n].name = "Cache-Control"; h[n++].value = jwks_cache_control; }
    (void)fmcp_http_respond(req, 200, h, n, jwks_body, strlen(jwks_body));
}

/* ---- the server under test --------------------------------------------------- */

static char audit_buf[65536];
static size_t audit_len;
static void t_audit(void *u, const char *line, size_t len)
{
    (void)u;
    if (audit_len + len + 2 < sizeof audit_buf) {
        memcpy(audit_buf + audit_len, line, len);
        audit_len += len;
        audit_buf[audit_len++] = '\n';
        audit_buf[audit_len] = 0;
    }
}

static fmcp_result tool_whoami(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *a = fmcp_ctx_auth(c);
    char buf[4096];
    (void)u;
    if (!a) return fmcp_ctx_add_text(c, "anonymous");
    snprintf(buf, sizeof buf, "sub=%s cid=%s scopes=%s exp=%lld tok=%d claims=%s data=%s",
             a->subject ? a->subject : "-", a->client_id ? a->client_id : "-", a->scopes ? a->scopes : "-",
             (long long)a->expires_at, a->token ? (int)strlen(a->token) : 0, a->claims_json ? a->claims_json : "-",
             a->data ? (const char *)a->data : "-");
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result tool_fail(fmcp_ctx *c, void *u)
{
    (void)c; (void)u;
    return FMCP_ERR_INVALID_ARG;
}

static fmcp_result res_secret(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_resource_text(c, NULL, "text/plain", fmcp_ctx_var(c, "id"));
}

static fmcp_result prompt_secret(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "secret prompt");
}

/* A scoped resource template and prompt, registered on the server only. */
static int t_env_items(fmcp_server *srv)
{
    fmcp_template_desc rt;
    fmcp_prompt_desc pd;
    memset(&rt, 0, sizeof rt);
    rt.uri_template = "secret://doc/{id}"; rt.name = "secret"; rt.handler = res_secret; rt.scopes = "mcp:write";
    memset(&pd, 0, sizeof pd);
    pd.name = "secret_prompt"; pd.handler = prompt_secret; pd.scopes = "mcp:write";
    return fmcp_server_add_resource_template(srv, &rt) == FMCP_OK && fmcp_server_add_prompt(srv, &pd) == FMCP_OK;
}

typedef struct t_env {
    fmcp_http_loop *loop;
    fmcp_server *srv;
    fmcp_http_endpoint *t;
    fmcp_auth *a;
    fmcp_http_server *jwks;
    uint16_t port, jwks_port;
    char jwks_url[128];
    char *static_jwks;
} t_env;

/* mode: 0 static keys, 1 JWKS URL, 2 custom hook */
static int t_env_up(t_env *e, int mode, fmcp_auth_desc *ad_in)
{
    fmcp_server_desc sd;
    fmcp_http_server_desc jd;
    fmcp_http_endpoint_desc d;
    fmcp_auth_desc ad;
    fmcp_tool_desc td;
    const char *keys[1];
    memset(e, 0, sizeof *e);
    audit_len = 0; audit_buf[0] = 0;
    if (!t_keys() || fmcp_http_loop_create(NULL, &e->loop) != FMCP_OK) return 0;
    memset(&jd, 0, sizeof jd);
    jd.handler = jwks_handler;
    if (fmcp_http_server_create(e->loop, &jd, &e->jwks) != FMCP_OK) return 0;
    e->jwks_port = fmcp_http_server_port(e->jwks);
    snprintf(e->jwks_url, sizeof e->jwks_url, "http://127.0.0.1:%u/jwks.json", (unsigned)e->jwks_port);
    memset(&sd, 0, sizeof sd);
    sd.name = "auth-test"; sd.version = "1"; sd.workers = -1;
    if (fmcp_server_create(&sd, &e->srv) != FMCP_OK) return 0;
    ad = *ad_in;
    if (mode == 0) {
        e->static_jwks = t_jwks(1, 0);
        keys[0] = e->static_jwks;
        ad.keys = keys; ad.key_count = 1;
    } else if (mode == 1) {
        ad.jwks_url = e->jwks_url;
        ad.loop = e->loop;
    }
    if (mode != 2) { ad.issuer = "https://issuer.test"; ad.audiences = aud1; ad.audience_count = 1; }
    if (!ad.audit && !ad.no_audit) ad.audit = t_audit;
    if (fmcp_auth_create(&ad, &e->a) != FMCP_OK) return 0;
    memset(&td, 0, sizeof td);
    td.name = "whoami"; td.handler = tool_whoami;
    if (fmcp_auth_add_tool(e->a, e->srv, &td) != FMCP_OK) return 0;
    td.name = "write"; td.scopes = "mcp:write";
    if (fmcp_auth_add_tool(e->a, e->srv, &td) != FMCP_OK) return 0;
    td.name = "fail"; td.scopes = NULL; td.handler = tool_fail;
    if (fmcp_auth_add_tool(e->a, e->srv, &td) != FMCP_OK) return 0;
    td.name = "admin_only"; td.scopes = "admin"; td.handler = tool_whoami;
    if (fmcp_server_add_tool(e->srv, &td) != FMCP_OK) return 0;   /* plain registration, scoped */
    td.name = "plain_write"; td.scopes = "mcp:write";
    if (fmcp_server_add_tool(e->srv, &td) != FMCP_OK) return 0;
    if (!t_env_items(e->srv)) return 0;
    memset(&d, 0, sizeof d);
    if (fmcp_auth_attach(e->a, e->srv, &d) != FMCP_OK) return 0;
    if (fmcp_http_endpoint_create(e->srv, e->loop, &d, &e->t) != FMCP_OK) return 0;
    e->port = fmcp_http_endpoint_port(e->t);
    return 1;
}

static void t_env_down(t_env *e)
{
    if (e->t) fmcp_http_endpoint_destroy(e->t);
    if (e->srv) fmcp_server_destroy(e->srv);
    if (e->a) fmcp_auth_destroy(e->a);
    if (e->jwks) fmcp_http_server_destroy(e->jwks);
    if (e->loop) fmcp_http_loop_destroy(e->loop);
    free(e->static_jwks);
    e->static_jwks = NULL;
}

/* ---- client ------------------------------------------------------------------ */

/* One request; auth = full Authorization value or NULL; extra "Name: value" or NULL. */
static fmcp_http_response *t_req(t_env *e, const char *method, const char *path, const char *auth,
                                 const char *session, const char *body, const char *extra_name,
                                 const char *extra_value)
{
    fmcp_http_client_req c;
    fmcp_http_header h[8];
    size_t n = 0;
    char url[256];
    t_resp r;
    int i;
    memset(&c, 0, sizeof c);
    memset(&r, 0, sizeof r);
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)e->port, path);
    h[n].name = "Accept"; h[n++].value = "application/json, text/event-stream";
    h[n].name = "Content-Type"; h[n++].value = "application/json";
    h[n].name = "MCP-Protocol-Version"; h[n++].value = "2025-06-18";
    if (auth) { h[n].name = "Authorization"; h[n++].value = auth; }
    if (session) { h[n].name = "Mcp-Session-Id"; h[n++].value = session; }
    if (extra_name) { h[n].name = extra_name; h[n++].value = extra_value; }
    c.method = method; c.url = url; c.headers = h; c.nheaders = n;
    c.body = body; c.body_len = body ? strlen(body) : 0;
    if (fmcp_http_fetch_async(e->loop, &c, t_fetched, &r, NULL) != FMCP_OK) return NULL;
    for (i = 0; i < 2000 && !r.done; i++) (void)fmcp_http_step(e->loop, 50);
    return r.done && r.rc == FMCP_OK ? r.res : NULL;
}

static const char INIT[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{"
                           "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

static char bearer_buf[4][9000];
static const char *t_bearer(int slot, const char *tok)
{
    snprintf(bearer_buf[slot], sizeof bearer_buf[slot], "Bearer %s", tok ? tok : "");
    return bearer_buf[slot];
}

/* initialize + initialized; returns the session id in sid. */
static int t_session(t_env *e, const char *auth, char *sid, size_t cap)
{
    fmcp_http_response *r = t_req(e, "POST", "/mcp", auth, NULL, INIT, NULL, NULL);
    const char *s;
    int ok = 0;
    if (r && r->status == 200 && (s = fmcp_http_response_header(r, "Mcp-Session-Id")) != NULL) {
        snprintf(sid, cap, "%s", s);
        ok = 1;
    }
    if (r) fmcp_http_response_destroy(r);
    if (!ok) return 0;
    r = t_req(e, "POST", "/mcp", auth, sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL, NULL);
    ok = r && r->status == 202;
    if (r) fmcp_http_response_destroy(r);
    return ok;
}

static int t_has(const fmcp_http_response *r, const char *hdr, const char *needle)
{
    const char *v = r ? fmcp_http_response_header(r, hdr) : NULL;
    return v && strstr(v, needle) != NULL;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_challenges(void)
{
    t_env e;
    fmcp_auth_desc ad;
    const char *req_sc[] = { "mcp:read" };
    char *good, *expired, *noscope, *wrongkey, url[200];
    fmcp_http_response *r;
    memset(&ad, 0, sizeof ad);
    ad.required_scopes = req_sc; ad.required_scope_count = 1;
    t_use_clocks();   /* both clocks movable (tests/test.h) */
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    snprintf(url, sizeof url, "resource_metadata=\"http://127.0.0.1:%u/.well-known/oauth-protected-resource/mcp\"",
             (unsigned)e.port);
    good = t_token(&k1, "k1", "alice", "mcp:read", 600);
    expired = t_token(&k1, "k1", "alice", "mcp:read", -600);
    noscope = t_token(&k1, "k1", "alice", "other", 600);
    wrongkey = t_token(&k2, "k1", "mallory", "mcp:read", 600);
    CHECK(good && expired && noscope && wrongkey);

    /* no token: 401, resource_metadata + scope, no error attribute */
    r = t_req(&e, "POST", "/mcp", NULL, NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401);
    CHECK(t_has(r, "WWW-Authenticate", url));
    CHECK(t_has(r, "WWW-Authenticate", "scope=\"mcp:read\""));
    CHECK(!t_has(r, "WWW-Authenticate", "error="));
    CHECK(r && strncmp(fmcp_http_response_header(r, "WWW-Authenticate"), "Bearer ", 7) == 0);
    CHECK(r && strstr(r->body, "\"id\":7") != NULL);
    if (r) fmcp_http_response_destroy(r);

    /* token in the query string is never used */
    {
        char path[9000];
        snprintf(path, sizeof path, "/mcp?access_token=%s", good);
        r = t_req(&e, "POST", path, NULL, NULL, INIT, NULL, NULL);
        CHECK(r && r->status == 401 && !t_has(r, "WWW-Authenticate", "error="));
        if (r) fmcp_http_response_destroy(r);
    }
    /* another scheme counts as no token */
    r = t_req(&e, "POST", "/mcp", "Basic YWxpY2U6cHc=", NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401 && !t_has(r, "WWW-Authenticate", "error="));
    if (r) fmcp_http_response_destroy(r);

    /* invalid tokens: 401 invalid_token with the verifier's description */
    r = t_req(&e, "POST", "/mcp", "Bearer not.a.jwt", NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401 && t_has(r, "WWW-Authenticate", "error=\"invalid_token\""));
    CHECK(t_has(r, "WWW-Authenticate", "error_description=\""));
    CHECK(r && strstr(r->body, "\"error\":\"invalid_token\"") && strstr(r->body, "\"error_description\":\""));
    CHECK(r && strstr(r->body, "\"id\":7") != NULL);
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, expired), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401 && t_has(r, "WWW-Authenticate", "error=\"invalid_token\""));
    CHECK(strstr(audit_buf, "\"reason\":\"expired\"") != NULL);
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, wrongkey), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401 && t_has(r, "WWW-Authenticate", "invalid_token"));
    CHECK(strstr(audit_buf, "\"reason\":\"bad_signature\"") != NULL);
    if (r) fmcp_http_response_destroy(r);

    /* valid but lacking the server-wide scope: 403 insufficient_scope */
    r = t_req(&e, "POST", "/mcp", t_bearer(0, noscope), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 403 && t_has(r, "WWW-Authenticate", "error=\"insufficient_scope\""));
    CHECK(t_has(r, "WWW-Authenticate", "scope=\"mcp:read\""));
    if (r) fmcp_http_response_destroy(r);

    /* valid, scheme in any case */
    r = t_req(&e, "POST", "/mcp", t_bearer(0, good), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200 && fmcp_http_response_header(r, "Mcp-Session-Id"));
    if (r) fmcp_http_response_destroy(r);
    snprintf(bearer_buf[1], sizeof bearer_buf[1], "bEaReR %s", good);
    r = t_req(&e, "POST", "/mcp", bearer_buf[1], NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    CHECK(strstr(audit_buf, "\"event\":\"auth_accepted\"") != NULL);
    /* the audit log never carries a token */
    CHECK(strstr(audit_buf, good) == NULL && strstr(audit_buf, expired) == NULL);
    /* without scopes_supported the metadata advertises the required scopes */
    r = t_req(&e, "GET", "/.well-known/oauth-protected-resource/mcp", NULL, NULL, NULL, NULL, NULL);
    CHECK(r && r->status == 200 && strstr(r->body, "\"scopes_supported\":[\"mcp:read\"]"));
    if (r) fmcp_http_response_destroy(r);
    free(good); free(expired); free(noscope); free(wrongkey);
    t_env_down(&e);
}

static void test_prm(void)
{
    t_env e;
    fmcp_auth_desc ad;
    const char *as[] = { "https://auth.example" }, *ss[] = { "mcp:read", "mcp:write" };
    fmcp_http_response *r;
    fmcp_json_doc *doc = NULL;
    char want[128];
    memset(&ad, 0, sizeof ad);
    ad.authorization_servers = as; ad.authorization_server_count = 1;
    ad.scopes_supported = ss; ad.scopes_supported_count = 2;
    ad.resource_name = "Test MCP";
    ad.resource_documentation = "https://docs.example/mcp";
#ifndef FMCP_HTTP_ENDPOINT_FALLBACK
    T_SKIP("the transport has no fallback handler for /.well-known paths (FMCP_HTTP_ENDPOINT_FALLBACK)");
#endif
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    snprintf(want, sizeof want, "http://127.0.0.1:%u/mcp", (unsigned)e.port);
    r = t_req(&e, "GET", "/.well-known/oauth-protected-resource/mcp", NULL, NULL, NULL, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r && fmcp_json_parse(r->body, r->body_len, NULL, &doc, NULL) == FMCP_OK) {
        const fmcp_json *root = fmcp_json_root(doc), *bm = fmcp_json_get(root, "bearer_methods_supported");
        CHECK_STR(fmcp_json_get_str(root, "resource", ""), want);
        CHECK(fmcp_json_len(fmcp_json_get(root, "scopes_supported")) == 2);
        CHECK(bm && fmcp_json_len(bm) == 1 && strcmp(fmcp_json_str(fmcp_json_at(bm, 0), NULL), "header") == 0);
        CHECK_STR(fmcp_json_str(fmcp_json_at(fmcp_json_get(root, "authorization_servers"), 0), NULL),
                  "https://auth.example");
        CHECK_STR(fmcp_json_get_str(root, "resource_name", ""), "Test MCP");
        CHECK_STR(fmcp_json_get_str(root, "resource_documentation", ""), "https://docs.example/mcp");
        fmcp_json_doc_destroy(doc);
    } else CHECK(0);
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "GET", "/.well-known/oauth-protected-resource", NULL, NULL, NULL, NULL, NULL);
    CHECK(r && r->status == 200 && strstr(r->body, "\"bearer_methods_supported\":[\"header\"]"));
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "GET", "/.well-known/oauth-protected-resource/other", NULL, NULL, NULL, NULL, NULL);
    CHECK(r && r->status == 404);
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "GET", "/.well-known/oauth-authorization-server", NULL, NULL, NULL, NULL, NULL);
    CHECK(r && r->status == 404);
    if (r) fmcp_http_response_destroy(r);
    t_env_down(&e);
}

static void test_token_cache(void)
{
    t_env e;
    fmcp_auth_desc ad;
    fmcp_auth_stats st;
    char *tok, *tok2;
    fmcp_http_response *r;
    int i;
    memset(&ad, 0, sizeof ad);
    t_wall_offset = 0;
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    tok = t_token(&k1, "k1", "bob", "mcp:read", 120);
    tok2 = t_token(&k1, "k1", "carol", "mcp:read", 600);
    for (i = 0; i < 5; i++) {
        r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, INIT, NULL, NULL);
        CHECK(r && r->status == 200);
        if (r) fmcp_http_response_destroy(r);
    }
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT(st.verifications, 1);
    CHECK_EQ_INT(st.cache_hits, 4);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok2), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT(st.verifications, 2);
    /* the cached entry expires with the token: verified again and refused */
    t_wall_offset = 120 + 61;
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401 && t_has(r, "WWW-Authenticate", "invalid_token"));
    if (r) fmcp_http_response_destroy(r);
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT(st.verifications, 3);
    t_wall_offset = 0;
    free(tok); free(tok2);
    t_env_down(&e);
}

static void test_item_scopes(void)
{
    t_env e;
    fmcp_auth_desc ad;
    char *rd, *wr, sid[128], sid2[128];
    fmcp_http_response *r;
    memset(&ad, 0, sizeof ad);
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    rd = t_token(&k1, "k1", "reader", "mcp:read", 600);
    wr = t_token(&k1, "k1", "writer", "mcp:read mcp:write", 600);
    CHECK(t_session(&e, t_bearer(0, rd), sid, sizeof sid));
    CHECK(t_session(&e, t_bearer(1, wr), sid2, sizeof sid2));
    r = t_req(&e, "POST", "/mcp", t_bearer(0, rd), sid, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", NULL, NULL);
    CHECK(r && r->status == 200 && strstr(r->body, "\"whoami\"") && !strstr(r->body, "\"write\"") &&
          !strstr(r->body, "admin_only"));
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, rd), sid,
              "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"write\",\"arguments\":{}}}", NULL, NULL);
    CHECK(r && r->status == 403 && t_has(r, "WWW-Authenticate", "error=\"insufficient_scope\""));
    CHECK(t_has(r, "WWW-Authenticate", "scope=\"mcp:write\""));
    CHECK(r && strstr(r->body, "\"id\":3"));
    if (r) fmcp_http_response_destroy(r);
    /* an item registered with plain fmcp_server_add_tool: the same step-up challenge */
    r = t_req(&e, "POST", "/mcp", t_bearer(0, rd), sid,
              "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"admin_only\",\"arguments\":{}}}", NULL, NULL);
    CHECK(r && r->status == 403 && t_has(r, "WWW-Authenticate", "error=\"insufficient_scope\""));
    CHECK(t_has(r, "WWW-Authenticate", "scope=\"admin\"") && t_has(r, "WWW-Authenticate", "resource_metadata="));
    CHECK(r && strstr(r->body, "\"insufficient_scope\"") && strstr(r->body, "\"id\":4"));
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(1, wr), sid2, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}", NULL, NULL);
    CHECK(r && r->status == 200 && strstr(r->body, "\"write\""));
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(1, wr), sid2,
              "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"write\",\"arguments\":{}}}", NULL, NULL);
    CHECK(r && r->status == 200 && strstr(r->body, "sub=writer") && strstr(r->body, "cid=cli-1") &&
          strstr(r->body, "scopes=mcp:read mcp:write") && strstr(r->body, "issuer.test"));
    if (r) CHECKF(strstr(r->body, "tok=0") == NULL, "token not passed: %s", r->body);
    if (r) fmcp_http_response_destroy(r);
    /* the tool-call audit line */
    CHECK(strstr(audit_buf, "\"event\":\"tool_called\"") && strstr(audit_buf, "\"tool\":\"write\"") &&
          strstr(audit_buf, "\"duration_ms\":") && strstr(audit_buf, "\"outcome\":\"ok\""));
    r = t_req(&e, "POST", "/mcp", t_bearer(1, wr), sid2,
              "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"fail\",\"arguments\":{}}}", NULL, NULL);
    if (r) fmcp_http_response_destroy(r);
    CHECK(strstr(audit_buf, "\"tool\":\"fail\"") && strstr(audit_buf, "\"outcome\":\"error\""));
    CHECK(strstr(audit_buf, rd) == NULL && strstr(audit_buf, wr) == NULL);
    free(rd); free(wr);
    t_env_down(&e);
}

/* An "scp" array is taken item by item: the item "read admin" is not a scope
 * token and grants neither read nor admin (it used to be joined with spaces
 * and split again, granting admin). */
static void test_scp_items(void)
{
    t_env e;
    fmcp_auth_desc ad;
    char *tok, *ok_tok, sid[128], sid2[128];
    fmcp_http_response *r;
    const char *call = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"admin_only\",\"arguments\":{}}}";
    memset(&ad, 0, sizeof ad);
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    tok = t_token_claims("sly", "{\"scp\":[\"read admin\",\"mcp:read\"]}");
    ok_tok = t_token_claims("root", "{\"scp\":[\"admin\"]}");
    CHECK(tok && ok_tok);
    CHECK(t_session(&e, t_bearer(0, tok), sid, sizeof sid));
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), sid, call, NULL, NULL);
    CHECKF(r && r->status == 403 && t_has(r, "WWW-Authenticate", "error=\"insufficient_scope\""),
           "status %d %s", r ? r->status : 0, r ? r->body : "-");
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), sid,
              "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\",\"arguments\":{}}}",
              NULL, NULL);
    CHECKF(r && r->status == 200 && strstr(r->body, "scopes=mcp:read ") != NULL, "%s", r ? r->body : "-");
    if (r) fmcp_http_response_destroy(r);
    CHECK(t_session(&e, t_bearer(1, ok_tok), sid2, sizeof sid2));
    r = t_req(&e, "POST", "/mcp", t_bearer(1, ok_tok), sid2, call, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    free(tok); free(ok_tok);
    /* tokens without "sub" own their sessions too (client_id, else the token) */
    tok = t_token_claims(NULL, "{\"client_id\":\"app-a\"}");
    ok_tok = t_token_claims(NULL, "{\"client_id\":\"app-b\"}");
    CHECK(tok && ok_tok && t_session(&e, t_bearer(0, tok), sid, sizeof sid));
    r = t_req(&e, "POST", "/mcp", t_bearer(1, ok_tok), sid, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\"}", NULL, NULL);
    CHECKF(r && r->status == 404, "app-b used app-a's session: %d", r ? r->status : 0);
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), sid, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}", NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    free(tok); free(ok_tok);
    t_env_down(&e);
}

static const char *const plain_calls[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":\"plain_write\",\"arguments\":{}}}",
    "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"resources/read\",\"params\":{\"uri\":\"secret://doc/42\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"prompts/get\",\"params\":{\"name\":\"secret_prompt\"}}"
};

/* Items registered only on the server (not through fmcp_auth_add_tool): a
 * reader gets the 403 step-up before dispatch, a writer's calls are audited. */
static void test_plain_items(void)
{
    t_env e;
    fmcp_auth_desc ad;
    char *rd, *wr, sid[128], sid2[128];
    fmcp_http_response *r;
    size_t i;
    memset(&ad, 0, sizeof ad);
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    rd = t_token(&k1, "k1", "reader", "mcp:read", 600);
    wr = t_token(&k1, "k1", "writer", "mcp:read mcp:write", 600);
    CHECK(t_session(&e, t_bearer(0, rd), sid, sizeof sid));
    CHECK(t_session(&e, t_bearer(1, wr), sid2, sizeof sid2));
    for (i = 0; i < 3; i++) {
        r = t_req(&e, "POST", "/mcp", t_bearer(0, rd), sid, plain_calls[i], NULL, NULL);
        CHECKF(r && r->status == 403 && t_has(r, "WWW-Authenticate", "error=\"insufficient_scope\"") &&
               t_has(r, "WWW-Authenticate", "scope=\"mcp:write\""), "call %d: %d", (int)i, r ? r->status : 0);
        if (r) fmcp_http_response_destroy(r);
    }
    CHECK(strstr(audit_buf, "\"tool\":\"plain_write\"") == NULL);   /* refused calls never ran */
    for (i = 0; i < 3; i++) {
        r = t_req(&e, "POST", "/mcp", t_bearer(1, wr), sid2, plain_calls[i], NULL, NULL);
        CHECKF(r && r->status == 200 && !strstr(r->body, "\"error\""), "call %d: %s", (int)i, r ? r->body : "-");
        if (r) fmcp_http_response_destroy(r);
    }
    CHECK(strstr(audit_buf, "{\"ts\":") != NULL);
    CHECKF(strstr(audit_buf, "\"event\":\"tool_called\",\"subject\":\"writer\",\"client_id\":\"cli-1\",\"tool\":\"plain_write\",\"duration_ms\":") &&
           strstr(audit_buf, "\"event\":\"resource_read\",\"subject\":\"writer\",\"client_id\":\"cli-1\",\"resource\":\"secret://doc/42\"") &&
           strstr(audit_buf, "\"event\":\"prompt_fetched\",\"subject\":\"writer\",\"client_id\":\"cli-1\",\"prompt\":\"secret_prompt\""),
           "audit: %s", audit_buf);
    /* unknown items are left to the engine (JSON-RPC error, not a challenge) */
    r = t_req(&e, "POST", "/mcp", t_bearer(0, rd), sid,
              "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\",\"arguments\":{}}}", NULL, NULL);
    CHECK(r && r->status == 200 && strstr(r->body, "-32602"));
    if (r) fmcp_http_response_destroy(r);
    free(rd); free(wr);
    t_env_down(&e);
}

/* ---- the engine's call observer and item-scope lookup, without HTTP ---------- */

static fmcp_call_event obs_ev[8];
static char obs_name[8][64], obs_sub[8][32];
static int obs_n;
static fmcp_ctx *held_ctx;

static void t_observe(void *u, const fmcp_call_event *ev)
{
    (void)u;
    if (obs_n >= 8) return;
    obs_ev[obs_n] = *ev;
    snprintf(obs_name[obs_n], sizeof obs_name[0], "%s", ev->name ? ev->name : "-");
    snprintf(obs_sub[obs_n], sizeof obs_sub[0], "%s", ev->auth && ev->auth->subject ? ev->auth->subject : "-");
    obs_n++;
}

static fmcp_result tool_hold(fmcp_ctx *c, void *u)
{
    (void)u;
    held_ctx = c;
    fmcp_ctx_defer(c);
    return FMCP_OK;
}

static fmcp_result tool_iserror(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_set_error(c, 1);
    return fmcp_ctx_add_text(c, "bad");
}

static fmcp_result t_sink(void *u, const char *json, size_t len, const fmcp_send_info *info)
{
    (void)u; (void)json; (void)len; (void)info;
    return FMCP_OK;
}

static void t_recv(fmcp_session *s, const char *msg)
{
    CHECK_OK(fmcp_session_receive(s, msg, strlen(msg)));
}

static void test_engine_observer(void)
{
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_session_desc ssd;
    fmcp_session *s = NULL;
    fmcp_tool_desc td;
    fmcp_auth_info who;
    char buf[64];
    memset(&sd, 0, sizeof sd);
    sd.name = "obs"; sd.version = "1"; sd.workers = -1;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    if (!srv) return;
    memset(&td, 0, sizeof td);
    td.name = "ok"; td.handler = tool_whoami; td.scopes = "a b";
    CHECK_OK(fmcp_server_add_tool(srv, &td));
    td.name = "iserr"; td.handler = tool_iserror; td.scopes = NULL;
    CHECK_OK(fmcp_server_add_tool(srv, &td));
    td.name = "hold"; td.handler = tool_hold;
    CHECK_OK(fmcp_server_add_tool(srv, &td));
    CHECK(t_env_items(srv));
    /* scope lookups: exact names, template URIs, unknown items, small buffers */
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_TOOL, "ok", buf, sizeof buf) == FMCP_OK && strcmp(buf, "a b") == 0);
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_TOOL, "iserr", buf, sizeof buf) == FMCP_OK && buf[0] == 0);
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_RESOURCE, "secret://doc/7", buf, sizeof buf) == FMCP_OK &&
          strcmp(buf, "mcp:write") == 0);
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_RESOURCE, "other://doc/7", buf, sizeof buf) == FMCP_ERR_NOT_FOUND);
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_PROMPT, "secret_prompt", buf, sizeof buf) == FMCP_OK &&
          strcmp(buf, "mcp:write") == 0);
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_TOOL, "ok", buf, 3) == FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK(fmcp_server_item_scopes(srv, FMCP_ITEM_TOOL, NULL, buf, sizeof buf) == FMCP_ERR_INVALID_ARG);
    fmcp_server_set_call_observer(srv, t_observe, NULL);
    memset(&who, 0, sizeof who);
    who.subject = "alice"; who.scopes = "a b mcp:write";
    memset(&ssd, 0, sizeof ssd);
    ssd.send = t_sink; ssd.auth = &who;
    CHECK_OK(fmcp_session_create(srv, &ssd, &s));
    if (!s) { fmcp_server_destroy(srv); return; }
    obs_n = 0;
    t_recv(s, INIT);
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    CHECK_EQ_INT(obs_n, 0);   /* only calls are observed */
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"ok\",\"arguments\":{}}}");
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"iserr\",\"arguments\":{}}}");
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"hold\",\"arguments\":{}}}");
    CHECK_EQ_INT(obs_n, 2);   /* the held call has not finished */
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":4}}");
    if (held_ctx) fmcp_ctx_finish(held_ctx, FMCP_OK);
    held_ctx = NULL;
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"secret://doc/9\"}}");
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":\"secret_prompt\"}}");
    t_recv(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\",\"arguments\":{}}}");
    CHECK_EQ_INT(obs_n, 5);
    if (obs_n == 5) {
        CHECK(obs_ev[0].kind == FMCP_ITEM_TOOL && strcmp(obs_name[0], "ok") == 0 && obs_ev[0].outcome == FMCP_CALL_OK);
        CHECK(strcmp(obs_sub[0], "alice") == 0 && obs_ev[0].duration_ms >= 0);
        CHECK(strcmp(obs_name[1], "iserr") == 0 && obs_ev[1].outcome == FMCP_CALL_ERROR && obs_ev[1].rc == FMCP_OK);
        CHECK(strcmp(obs_name[2], "hold") == 0 && obs_ev[2].outcome == FMCP_CALL_CANCELLED);
        CHECK(obs_ev[3].kind == FMCP_ITEM_RESOURCE && strcmp(obs_name[3], "secret://doc/9") == 0 &&
              obs_ev[3].outcome == FMCP_CALL_OK);
        CHECK(obs_ev[4].kind == FMCP_ITEM_PROMPT && strcmp(obs_name[4], "secret_prompt") == 0);
    }
    fmcp_session_destroy(s);
    fmcp_server_destroy(srv);
}

static void test_rate_limit(void)
{
    t_env e;
    fmcp_auth_desc ad;
    char *tok;
    fmcp_http_response *r;
    int i, ok = 0;
    memset(&ad, 0, sizeof ad);
    ad.rate_per_second = 1; ad.burst = 2;
    if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); return; }
    tok = t_token(&k1, "k1", "dave", "mcp:read", 600);
    for (i = 0; i < 2; i++) {
        r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, INIT, NULL, NULL);
        ok += r && r->status == 200;
        if (r) fmcp_http_response_destroy(r);
    }
    CHECK_EQ_INT(ok, 2);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 429);
    CHECK(r && fmcp_http_response_header(r, "Retry-After") && atoi(fmcp_http_response_header(r, "Retry-After")) >= 1);
    if (r) fmcp_http_response_destroy(r);
    CHECK(strstr(audit_buf, "\"event\":\"rate_limited\"") != NULL);
    /* unauthenticated requests have their own bucket (the address) */
    for (i = 0; i < 2; i++) {
        r = t_req(&e, "POST", "/mcp", NULL, NULL, INIT, NULL, NULL);
        CHECK(r && r->status == 401);
        if (r) fmcp_http_response_destroy(r);
    }
    r = t_req(&e, "POST", "/mcp", NULL, NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 429);
    if (r) fmcp_http_response_destroy(r);
    /* a second later the bucket holds a token again */
    t_clock_advance(1100);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    free(tok);
    t_env_down(&e);
}

static int t_count(const char *hay, const char *needle)
{
    int n = 0;
    while ((hay = strstr(hay, needle)) != NULL) { n++; hay++; }
    return n;
}

static void test_jwks_url(void)
{
    t_env e;
    fmcp_auth_desc ad;
    fmcp_auth_stats st;
    char *t1, *t2, *t3;
    fmcp_http_response *r;
#ifndef FMCP_HTTP_ENDPOINT_AUTH_DEFER
    T_SKIP("the transport cannot park requests (FMCP_HTTP_ENDPOINT_AUTH_DEFER)");
#endif
    memset(&ad, 0, sizeof ad);
    jwks_fetches = 0; jwks_fail = 0; jwks_cache_control = "max-age=120";
    if (!t_keys()) { CHECK(0); return; }
    jwks_body = t_jwks(1, 0);
    if (!t_env_up(&e, 1, &ad)) { CHECK(0); t_env_down(&e); free(jwks_body); return; }
    t1 = t_token(&k1, "k1", "erin", "mcp:read", 3600);
    t2 = t_token(&k2, "k2", "frank", "mcp:read", 3600);
    t3 = t_token(&k2, "random-kid", "frank", "mcp:read", 3600);
    /* the first request waits (parked) for the first key set */
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t1), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 1);
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT(st.keys, 1);   /* the EC key was skipped */
    /* unknown kid: right after a fetch the cooldown holds (no fetch) ... */
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t2), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 1);
    /* ... after it, one refetch (still unknown), then the cooldown holds again */
    t_clock_advance(31000);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t2), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401 && t_has(r, "WWW-Authenticate", "invalid_token"));
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 2);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t3), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401);
    if (r) fmcp_http_response_destroy(r);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t2), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 401);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 2);
    /* rotation: k2 published; after the cooldown its token triggers a refetch and passes */
    free(jwks_body);
    jwks_body = t_jwks(1, 1);
    t_clock_advance(31000);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t2), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 3);
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT(st.keys, 2);
    /* TTL (max-age 120): within it no fetch; after it a background refresh */
    t_clock_advance(60000);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t1), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 3);
    t_clock_advance(61000);
    jwks_fail = 1;   /* the refresh fails: the last good set stays */
    {
        char *t4 = t_token(&k1, "k1", "gina", "mcp:read", 3600);   /* not cached */
        r = t_req(&e, "POST", "/mcp", t_bearer(0, t4), NULL, INIT, NULL, NULL);
        CHECK(r && r->status == 200);
        if (r) fmcp_http_response_destroy(r);
        free(t4);
    }
    {
        int i;
        for (i = 0; i < 100 && jwks_fetches < 4; i++) (void)fmcp_http_step(e.loop, 20);
    }
    CHECK_EQ_INT(jwks_fetches, 4);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t2), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    fmcp_auth_stats_get(e.a, &st);
    CHECK(st.jwks_failures >= 1);
    CHECK(st.parked >= 2);
    CHECK(t_count(audit_buf, "auth_accepted") >= 4);
    jwks_fail = 0;
    free(t1); free(t2); free(t3);
    t_env_down(&e);
    free(jwks_body);
    jwks_body = NULL;
}

static void test_jwks_unavailable(void)
{
    t_env e;
    fmcp_auth_desc ad;
    char *t1;
    fmcp_http_response *r;
#ifndef FMCP_HTTP_ENDPOINT_AUTH_DEFER
    T_SKIP("the transport cannot park requests (FMCP_HTTP_ENDPOINT_AUTH_DEFER)");
#endif
    memset(&ad, 0, sizeof ad);
    jwks_fetches = 0; jwks_fail = 1; jwks_cache_control = NULL;
    if (!t_env_up(&e, 1, &ad)) { CHECK(0); t_env_down(&e); return; }
    t1 = t_token(&k1, "k1", "hank", "mcp:read", 3600);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t1), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 503 && fmcp_http_response_header(r, "Retry-After"));
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 1);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t1), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 503);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 1);   /* cooldown */
    jwks_fail = 0;
    jwks_body = t_jwks(1, 0);
    t_clock_advance(31000);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, t1), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(jwks_fetches, 2);
    free(t1);
    t_env_down(&e);
    free(jwks_body);
    jwks_body = NULL;
}

static const char custom_data[] = "custom-session";

static fmcp_result custom_hook(void *u, const char *method, const char *path, const fmcp_http_req *req,
                               fmcp_auth_custom_reply *out)
{
    const char *k = fmcp_http_req_header(req, "X-API-Key");
    (void)u; (void)method; (void)path;
    if (k && strcmp(k, "inject") == 0) {   /* text that would close the quotes */
        out->status = 401;
        out->message = "Bad \"key\", scope=\"admin\\";
        out->error = "e\"x";
        return FMCP_OK;
    }
    if (!k || strcmp(k, "sesame") != 0) {
        out->status = 401;
        out->message = "Invalid API key";
        out->headers[0].name = "X-Reason"; out->headers[0].value = "bad-key";
        out->nheaders = 1;
        return FMCP_OK;
    }
    out->subject = "user-42";
    out->scopes = "admin";
    out->session_json = "{\"userId\":\"user-42\",\"scopes\":[\"admin\"]}";
    out->data = (void *)custom_data;
    return FMCP_OK;
}

static void test_custom_hook(void)
{
    t_env e;
    fmcp_auth_desc ad;
    char sid[128];
    fmcp_http_response *r;
    memset(&ad, 0, sizeof ad);
    ad.authenticate = custom_hook;
    if (!t_env_up(&e, 2, &ad)) { CHECK(0); t_env_down(&e); return; }
    r = t_req(&e, "POST", "/mcp", NULL, NULL, INIT, "X-API-Key", "wrong");
    CHECK(r && r->status == 401 && t_has(r, "X-Reason", "bad-key") && strstr(r->body, "Invalid API key"));
    if (r) fmcp_http_response_destroy(r);
    CHECK(strstr(audit_buf, "\"reason\":\"custom\"") != NULL);
    /* RFC 9110 quoted-strings: the hook's text cannot add auth-params */
    r = t_req(&e, "POST", "/mcp", NULL, NULL, INIT, "X-API-Key", "inject");
    CHECKF(r && r->status == 401 && t_has(r, "WWW-Authenticate",
           "Bearer error=\"e\\\"x\", error_description=\"Bad \\\"key\\\", scope=\\\"admin\\\\\", resource_metadata=\""),
           "%s", r ? fmcp_http_response_header(r, "WWW-Authenticate") : "-");
    if (r) fmcp_http_response_destroy(r);
    {
        fmcp_http_response *ri = t_req(&e, "POST", "/mcp", NULL, NULL, INIT, "X-API-Key", "sesame");
        CHECK(ri && ri->status == 200);
        snprintf(sid, sizeof sid, "%s", ri && fmcp_http_response_header(ri, "Mcp-Session-Id") ?
                 fmcp_http_response_header(ri, "Mcp-Session-Id") : "");
        if (ri) fmcp_http_response_destroy(ri);
    }
    r = t_req(&e, "POST", "/mcp", NULL, sid,
              "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"admin_only\",\"arguments\":{}}}",
              "X-API-Key", "sesame");
    CHECK(r && r->status == 200 && strstr(r->body, "sub=user-42") && strstr(r->body, "userId") &&
          strstr(r->body, "data=custom-session"));
    if (r) fmcp_http_response_destroy(r);
    t_env_down(&e);
}

/* Issue 15: a request declaring more than the pre-authentication limit is
 * authenticated before its body is read. With a JWKS URL and no keys yet it
 * waits (held, body unread) for the fetch, then reads its body; each request
 * costs one rate-limit token and one audit line though the hook runs twice;
 * a bad token is refused without the body. */
static void test_auth_before_body(void)
{
    static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{"
                              "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                              "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"},\"pad\":\"";
    size_t big = 200 * 1024;
    char *body = (char *)malloc(big + 1), *tok;
    t_env e;
    fmcp_auth_desc ad;
    fmcp_auth_stats st;
    fmcp_http_response *r;
    int i;
#ifndef FMCP_HTTP_ENDPOINT_AUTH_DEFER
    free(body);
    T_SKIP("the transport cannot park requests (FMCP_HTTP_ENDPOINT_AUTH_DEFER)");
#endif
    if (!body || !t_keys()) { free(body); CHECK(0); return; }
    memcpy(body, pre, sizeof pre - 1);
    memset(body + sizeof pre - 1, 'x', big - (sizeof pre - 1) - 3);
    memcpy(body + big - 3, "\"}}", 4);
    memset(&ad, 0, sizeof ad);
    ad.rate_per_second = 0.01; ad.burst = 3;
    jwks_fetches = 0; jwks_fail = 0; jwks_cache_control = NULL;
    jwks_body = t_jwks(1, 0);
    if (!t_env_up(&e, 1, &ad)) { CHECK(0); t_env_down(&e); free(jwks_body); jwks_body = NULL; free(body); return; }
    tok = t_token(&k1, "k1", "ivy", "mcp:read", 3600);
    for (i = 0; i < 3; i++) {
        r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, body, NULL, NULL);
        CHECKF(r && r->status == 200, "large request %d: %d", i, r ? r->status : -1);
        if (r) fmcp_http_response_destroy(r);
    }
    CHECK_EQ_INT(jwks_fetches, 1);
    fmcp_auth_stats_get(e.a, &st);
    CHECK(st.parked >= 1);
    CHECK_EQ_INT(t_count(audit_buf, "auth_accepted"), 3);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, INIT, NULL, NULL);
    CHECK(r && r->status == 429);   /* the burst of 3 is used up: once per request */
    if (r) fmcp_http_response_destroy(r);
    /* a token signed by a key not in the set: 401 before the body */
    free(tok);
    tok = t_token(&k2, "k1", "ivy", "mcp:read", 3600);
    r = t_req(&e, "POST", "/mcp", t_bearer(0, tok), NULL, body, NULL, NULL);
    CHECK(r && r->status == 401 && t_has(r, "WWW-Authenticate", "invalid_token") && t_has(r, "Connection", "close"));
    if (r) fmcp_http_response_destroy(r);
    free(tok);
    t_env_down(&e);
    free(jwks_body);
    jwks_body = NULL;
    free(body);
}

static void test_scope_helper(void)
{
    fmcp_auth_info ai;
    memset(&ai, 0, sizeof ai);
    ai.scopes = "a b  mcp:write";
    CHECK(fmcp_auth_authorize(NULL, &ai, FMCP_ITEM_TOOL, "x", "mcp:write b") == FMCP_OK);
    CHECK(fmcp_auth_authorize(NULL, &ai, FMCP_ITEM_TOOL, "x", "mcp") == FMCP_ERR_FORBIDDEN);
    CHECK(fmcp_auth_authorize(NULL, &ai, FMCP_ITEM_TOOL, "x", "mcp:writ") == FMCP_ERR_FORBIDDEN);
    CHECK(fmcp_auth_authorize(NULL, NULL, FMCP_ITEM_TOOL, "x", "a") == FMCP_ERR_FORBIDDEN);
    CHECK(fmcp_auth_authorize(NULL, NULL, FMCP_ITEM_TOOL, "x", NULL) == FMCP_OK);
}

/* Configuration that cannot work fails at creation, with a text saying what to do. */
/* The allow-list in the auth config: an ES256 token from a mixed static JWKS
 * passes only when ES256 is allowed; RS256 keeps working beside it. */
static void test_algorithms(void)
{
    static const char *es_rs[] = { "RS256", "ES256" }, *hs[] = { "HS256" };
    static fmcp_jwk_private_key ek;
    fmcp_jwk_public_key ep;
    fmcp_json_writer w;
    fmcp_jwt_issue_desc d;
    fmcp_auth_desc ad;
    fmcp_auth *a = NULL;
    t_env e;
    char *out = NULL, *es_tok = NULL, *rs_tok;
    size_t n = 0, len = 0;
    int pass;
    fmcp_http_response *r;
    if (fmcp_jwk_generate(FMCP_JWS_ES256, 0, &ek) != FMCP_OK || fmcp_jwk_public_of(&ek, &ep) != FMCP_OK) { CHECK(0); return; }
    fmcp_jw_init(&w, NULL);
    fmcp_jwk_public_write(&w, &ep, "e1", "ES256", "sig");
    CHECK_OK(fmcp_jw_finish(&w, &out, &n));
    if (!out || n >= sizeof g_ec_jwk) { CHECK(0); return; }
    memcpy(g_ec_jwk, out, n + 1);
    fmcp_free_text(w.alloc, out, n);
    memset(&d, 0, sizeof d);
    d.subject = "erin"; d.issuer = "https://issuer.test"; d.kid = "e1";
    d.audiences = aud1; d.audience_count = 1; d.lifetime_seconds = 600;
    CHECK_OK(fmcp_jwt_issue_key(&ek, &d, NULL, &es_tok, &len));
    for (pass = 0; pass < 2; pass++) {
        memset(&ad, 0, sizeof ad);
        if (pass == 0) { ad.algorithms = es_rs; ad.algorithm_count = 2; }
        if (!t_env_up(&e, 0, &ad)) { CHECK(0); t_env_down(&e); break; }
        rs_tok = t_token(&k1, "k1", "alice", "mcp:read", 600);
        r = t_req(&e, "POST", "/mcp", t_bearer(0, es_tok), NULL, INIT, NULL, NULL);
        CHECKF(r && r->status == (pass == 0 ? 200 : 401), "pass %d: ES256 token", pass);
        if (r) fmcp_http_response_destroy(r);
        r = t_req(&e, "POST", "/mcp", t_bearer(0, rs_tok), NULL, INIT, NULL, NULL);
        CHECKF(r && r->status == 200, "pass %d: RS256 token", pass);
        if (r) fmcp_http_response_destroy(r);
        free(rs_tok);
        t_env_down(&e);
    }
    /* a name outside the supported set fails creation */
    memset(&ad, 0, sizeof ad);
    {
        const char *keys[1];
        char *jwks = t_jwks(1, 0);
        keys[0] = jwks;
        ad.keys = keys; ad.key_count = 1;
        ad.allow_any_audience = 1; ad.algorithms = hs; ad.algorithm_count = 1;
        CHECK(jwks && fmcp_auth_create(&ad, &a) == FMCP_ERR_UNSUPPORTED && a == NULL);
        ad.algorithms = es_rs; ad.algorithm_count = 2;
        CHECK_OK(fmcp_auth_create(&ad, &a));
        fmcp_auth_destroy(a);
        free(jwks);
    }
    fmcp_free_text(NULL, es_tok, len);
    g_ec_jwk[0] = 0;
    fmcp_wipe(&ek, sizeof ek);
}

static void test_create_checks(void)
{
    fmcp_auth_desc ad;
    fmcp_auth *a = NULL;
    const char *why = NULL, *keys[1];
    char *jwks;
    if (!t_keys() || !(jwks = t_jwks(1, 0))) { CHECK(0); return; }
    memset(&ad, 0, sizeof ad);
    keys[0] = jwks;
    ad.keys = keys; ad.key_count = 1; ad.no_audit = 1; ad.problem = &why;
    /* no audience: refused unless explicitly waived */
    CHECK(fmcp_auth_create(&ad, &a) == FMCP_ERR_INVALID_ARG && a == NULL);
    CHECKF(why && strstr(why, "allow_any_audience"), "%s", why ? why : "(none)");
    ad.allow_any_audience = 1;
    CHECK_OK(fmcp_auth_create(&ad, &a));
    CHECK(why == NULL);
    fmcp_auth_destroy(a); a = NULL;
    ad.allow_any_audience = 0; ad.audiences = aud1; ad.audience_count = 1;
    CHECK_OK(fmcp_auth_create(&ad, &a));
    fmcp_auth_destroy(a); a = NULL;
    /* https JWKS without a TLS transport: every request would get 503 */
    ad.keys = NULL; ad.key_count = 0;
    ad.jwks_url = "HTTPS://idp.example/jwks.json";
    CHECK(fmcp_auth_create(&ad, &a) == FMCP_ERR_UNSUPPORTED && a == NULL);
    CHECKF(why && strstr(why, "jwks_transport") && strstr(why, "FASTMCP_WITH_BEARSSL"), "%s", why ? why : "(none)");
    ad.jwks_url = "ftp://idp.example/jwks.json";
    CHECK(fmcp_auth_create(&ad, &a) == FMCP_ERR_INVALID_ARG && why);
    /* static keys with no usable key, and an empty set */
    ad.jwks_url = NULL;
    keys[0] = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}";
    ad.keys = keys; ad.key_count = 1;
    CHECK(fmcp_auth_create(&ad, &a) == FMCP_ERR_BAD_KEY && why && strstr(why, "RS256") && strstr(why, "ES256"));
    keys[0] = "{\"keys\":[]}";
    CHECK(fmcp_auth_create(&ad, &a) == FMCP_ERR_BAD_KEY && why);
    /* nothing at all */
    ad.keys = NULL; ad.key_count = 0;
    CHECK(fmcp_auth_create(&ad, &a) == FMCP_ERR_INVALID_ARG && why && strstr(why, "jwks_url"));
    /* a custom hook checks tokens itself: no audience needed */
    ad.authenticate = custom_hook; ad.audiences = NULL; ad.audience_count = 0;
    CHECK_OK(fmcp_auth_create(&ad, &a));
    fmcp_auth_destroy(a);
    free(jwks);
}

static void test_alloc_sweep(void)
{
    const char *keys[1];
    const char *as[] = { "https://a" }, *sc[] = { "x", "y" };
    char *jwks;
    fmcp_auth_desc ad;
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_tool_desc td;
    if (!t_keys() || !(jwks = t_jwks(1, 1))) { CHECK(0); return; }
    memset(&ad, 0, sizeof ad);
    keys[0] = jwks;
    ad.keys = keys; ad.key_count = 1; ad.alloc = &t_alloc;
    ad.authorization_servers = as; ad.authorization_server_count = 1;
    ad.scopes_supported = sc; ad.scopes_supported_count = 2;
    ad.required_scopes = sc; ad.required_scope_count = 2;
    ad.resource = "http://x/mcp"; ad.resource_name = "n"; ad.rate_per_second = 5;
    ad.jwks_url = "http://127.0.0.1:1/jwks";   /* no loop: never fetched */
    ad.audiences = aud1; ad.audience_count = 1;
    {
        fmcp_auth *a = NULL;
        CHECK_OK(fmcp_auth_create(&ad, &a));   /* the sweep below ends on a success */
        fmcp_auth_destroy(a);
    }
    T_ALLOC_SWEEP({ fmcp_auth *a = NULL; t_rc = fmcp_auth_create(&ad, &a); fmcp_auth_destroy(a); });
    memset(&sd, 0, sizeof sd);
    sd.name = "s"; sd.version = "1"; sd.workers = -1;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    memset(&td, 0, sizeof td);
    td.handler = tool_whoami; td.scopes = "mcp:write";
    T_ALLOC_SWEEP({
        fmcp_auth *a = NULL;
        fmcp_auth_desc d2 = ad;
        d2.alloc = NULL;
        if (fmcp_auth_create(&d2, &a) == FMCP_OK) {
            fmcp_auth_desc d3 = ad;
            fmcp_auth_destroy(a);
            a = NULL;
            t_rc = fmcp_auth_create(&d3, &a);
            if (t_rc == FMCP_OK) {
                td.name = "t1";
                t_rc = fmcp_auth_add_tool(a, srv, &td);
                if (t_rc == FMCP_OK) t_rc = fmcp_auth_item_scopes(a, FMCP_ITEM_PROMPT, "p", "x y");
                (void)fmcp_server_remove(srv, FMCP_ITEM_TOOL, "t1");
            }
            fmcp_auth_destroy(a);
        }
    });
    fmcp_server_destroy(srv);
    free(jwks);
}

int main(void)
{
    t_use_clocks();   /* both clocks movable (tests/test.h) */
    T_RUN(test_scope_helper);
    T_RUN(test_challenges);
    T_RUN(test_prm);
    T_RUN(test_token_cache);
    T_RUN(test_item_scopes);
    T_RUN(test_plain_items);
    T_RUN(test_scp_items);
    T_RUN(test_engine_observer);
    T_RUN(test_rate_limit);
    T_RUN(test_jwks_url);
    T_RUN(test_jwks_unavailable);
    T_RUN(test_custom_hook);
    T_RUN(test_auth_before_body);
    T_RUN(test_algorithms);
    T_RUN(test_create_checks);
    T_RUN(test_alloc_sweep);
    fmcp_wipe(&k1, sizeof k1);
    fmcp_wipe(&k2, sizeof k2);
    return t_finish("auth");
}

#else
int main(void)
{
    printf("RESULT 0 0 1\n");
    return 0;
}
#endif
