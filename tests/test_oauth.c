/* Tests for the OAuth 2.1 client: PKCE against RFC 7636 Appendix B,
 * WWW-Authenticate parsing, discovery URLs, scope selection, and whole flows
 * against a fake authorization server + MCP resource server written here on
 * the project's http server (127.0.0.1, port 0, its own loop thread). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"
#include <pthread.h>

/* ---- pure helpers ------------------------------------------------------- */

/* The implementation asks for 64-bit file offsets and inode numbers, which the
 * file store's directory reads need on 32-bit targets (i686, armhf: readdir
 * fails with EOVERFLOW otherwise). This file builds the implementation in. */
static void test_large_file_offsets(void)
{
#if defined(_WIN32)
    T_SKIP("Windows: the file store uses Win32 handles, not off_t/ino_t");
#elif !defined(FMCP_TEST_SHARED_IMPL)
    CHECK(sizeof(off_t) == 8);
    CHECK(sizeof(ino_t) == 8);
#else
    T_SKIP("built against the shared implementation");
#endif
}

static void test_pkce_rfc7636(void)
{
    /* RFC 7636 Appendix B */
    char ch[44];
    CHECK_OK(fmcp_oauth_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch));
    CHECK_STR(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    CHECK(fmcp_oauth_pkce_challenge(NULL, ch) == FMCP_ERR_INVALID_ARG);
}

static void test_www_authenticate(void)
{
    fmcp_oauth_challenge c;
    char big[3000];
    CHECK_OK(fmcp_oauth_parse_www_authenticate(
        "Bearer realm=\"mcp\", error=\"invalid_token\", resource_metadata=\"http://h/.well-known/oauth-protected-resource/mcp\", scope=\"a b\"", &c));
    CHECK_STR(c.realm, "mcp");
    CHECK_STR(c.error, "invalid_token");
    CHECK_STR(c.resource_metadata, "http://h/.well-known/oauth-protected-resource/mcp");
    CHECK_STR(c.scope, "a b");
    /* escapes inside quoted strings, token values, odd spacing, case */
    CHECK_OK(fmcp_oauth_parse_www_authenticate("bEaReR   scope = \"x\\\"y\\\\z\" ,error=insufficient_scope", &c));
    CHECK_STR(c.scope, "x\"y\\z");
    CHECK_STR(c.error, "insufficient_scope");
    /* several challenges: the Bearer one is picked, others skipped */
    CHECK_OK(fmcp_oauth_parse_www_authenticate("Basic realm=\"a, b\", Bearer scope=\"s\", DPoP algs=\"ES256\"", &c));
    CHECK_STR(c.scope, "s");
    CHECK_STR(c.realm, "");
    CHECK_OK(fmcp_oauth_parse_www_authenticate("Negotiate abc+/==, Bearer error=\"e\"", &c));
    CHECK_STR(c.error, "e");
    CHECK_OK(fmcp_oauth_parse_www_authenticate("Bearer", &c));
    CHECK_STR(c.scope, "");
    CHECK_OK(fmcp_oauth_parse_www_authenticate("Bearer scope=\"first\", Bearer scope=\"second\"", &c));
    CHECK_STR(c.scope, "first");
    /* RFC 9110 11.6.1 example without any Bearer challenge */
    CHECK(fmcp_oauth_parse_www_authenticate("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"", &c) == FMCP_ERR_NOT_FOUND);
    CHECK(fmcp_oauth_parse_www_authenticate("", &c) == FMCP_ERR_NOT_FOUND);
    /* malformed */
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer scope=\"abc", &c) == FMCP_ERR_PARSE);
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer scope=\"a\\", &c) == FMCP_ERR_PARSE);
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer scope=\"a\" junk", &c) == FMCP_ERR_PARSE);
    CHECK(fmcp_oauth_parse_www_authenticate("=Bearer", &c) == FMCP_ERR_PARSE);
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer scope=@", &c) == FMCP_ERR_PARSE);
    /* controls inside a quoted-string (found by fuzz_http): refused, escaped or not */
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer error_description=\"a\r\nb\"", &c) == FMCP_ERR_PARSE);
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer scope=\"a\\\nb\"", &c) == FMCP_ERR_PARSE);
    CHECK(fmcp_oauth_parse_www_authenticate("Bearer scope=\"a\x7f\"", &c) == FMCP_ERR_PARSE);
    CHECK_OK(fmcp_oauth_parse_www_authenticate("Bearer error_description=\"a\tb\"", &c));
    CHECK(fmcp_oauth_parse_www_authenticate(NULL, &c) == FMCP_ERR_INVALID_ARG);
    /* a value larger than its field; the description is only cut */
    memset(big, 'a', sizeof big);
    memcpy(big, "Bearer scope=", 13);
    big[sizeof big - 1] = 0;
    CHECK(fmcp_oauth_parse_www_authenticate(big, &c) == FMCP_ERR_TOO_LARGE);
    memcpy(big, "Bearer error_description=", 25);
    CHECK_OK(fmcp_oauth_parse_www_authenticate(big, &c));
    CHECK_EQ_INT(strlen(c.error_description), sizeof c.error_description - 1);
}

static void test_wellknown_urls(void)
{
    char u[512];
    int k = FMCP_OAUTH_WK_RESOURCE, a = FMCP_OAUTH_WK_AUTH_SERVER;
    /* RFC 9728 3.1: the query stays, after the path */
    CHECK_OK(fmcp_oauth_wellknown_url(k, "https://Api.Example.com/v1/mcp?x=1", 0, u, sizeof u));
    CHECK_STR(u, "https://api.example.com/.well-known/oauth-protected-resource/v1/mcp?x=1");
    CHECK_OK(fmcp_oauth_wellknown_url(k, "https://api.example.com/v1/mcp/", 0, u, sizeof u));
    CHECK_STR(u, "https://api.example.com/.well-known/oauth-protected-resource/v1/mcp");
    CHECK_OK(fmcp_oauth_wellknown_url(k, "https://api.example.com/v1/mcp", 1, u, sizeof u));
    CHECK_STR(u, "https://api.example.com/.well-known/oauth-protected-resource");
    CHECK(fmcp_oauth_wellknown_url(k, "https://api.example.com/v1/mcp", 2, u, sizeof u) == FMCP_ERR_NOT_FOUND);
    CHECK_OK(fmcp_oauth_wellknown_url(k, "http://127.0.0.1:8080/", 0, u, sizeof u));
    CHECK_STR(u, "http://127.0.0.1:8080/.well-known/oauth-protected-resource");
    CHECK(fmcp_oauth_wellknown_url(k, "http://127.0.0.1:8080/", 1, u, sizeof u) == FMCP_ERR_NOT_FOUND);
    /* issuer with a path: RFC 8414 insertion, then the two OpenID forms */
    CHECK_OK(fmcp_oauth_wellknown_url(a, "https://as.example/tenant1/", 0, u, sizeof u));
    CHECK_STR(u, "https://as.example/.well-known/oauth-authorization-server/tenant1");
    CHECK_OK(fmcp_oauth_wellknown_url(a, "https://as.example/tenant1", 1, u, sizeof u));
    CHECK_STR(u, "https://as.example/.well-known/openid-configuration/tenant1");
    CHECK_OK(fmcp_oauth_wellknown_url(a, "https://as.example/tenant1", 2, u, sizeof u));
    CHECK_STR(u, "https://as.example/tenant1/.well-known/openid-configuration");
    CHECK(fmcp_oauth_wellknown_url(a, "https://as.example/tenant1", 3, u, sizeof u) == FMCP_ERR_NOT_FOUND);
    /* issuer without a path: the root forms only */
    CHECK_OK(fmcp_oauth_wellknown_url(a, "https://as.example", 0, u, sizeof u));
    CHECK_STR(u, "https://as.example/.well-known/oauth-authorization-server");
    CHECK_OK(fmcp_oauth_wellknown_url(a, "https://as.example:443", 1, u, sizeof u));
    CHECK_STR(u, "https://as.example/.well-known/openid-configuration");
    CHECK(fmcp_oauth_wellknown_url(a, "https://as.example", 2, u, sizeof u) == FMCP_ERR_NOT_FOUND);
    CHECK_OK(fmcp_oauth_wellknown_url(a, "http://[::1]:9/x", 0, u, sizeof u));
    CHECK_STR(u, "http://[::1]:9/.well-known/oauth-authorization-server/x");
    CHECK(fmcp_oauth_wellknown_url(a, "https://as.example/tenant1", 0, u, 20) == FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK(fmcp_oauth_wellknown_url(a, "ftp://x/", 0, u, sizeof u) != FMCP_OK);
    CHECK(fmcp_oauth_wellknown_url(7, "https://x/", 0, u, sizeof u) == FMCP_ERR_INVALID_ARG);
}

static void test_scope_selection(void)
{
    char s[64];
    CHECK_OK(fmcp_oauth_select_scope("a  b", "c", "d", NULL, s, sizeof s));
    CHECK_STR(s, "a b");
    CHECK_OK(fmcp_oauth_select_scope(" ", "c d c", "e", NULL, s, sizeof s));
    CHECK_STR(s, "c d");
    CHECK_OK(fmcp_oauth_select_scope(NULL, NULL, "e", "x offline_access", s, sizeof s));
    CHECK_STR(s, "e offline_access");
    CHECK_OK(fmcp_oauth_select_scope("offline_access b", NULL, NULL, "offline_access", s, sizeof s));
    CHECK_STR(s, "offline_access b");
    /* nothing known: no scope at all, even when offline_access exists */
    CHECK_OK(fmcp_oauth_select_scope(NULL, "", NULL, "offline_access", s, sizeof s));
    CHECK_STR(s, "");
    CHECK(fmcp_oauth_select_scope("aaaa bbbb", NULL, NULL, NULL, s, 5) == FMCP_ERR_BUFFER_TOO_SMALL);
}

static void test_callback_page_escaping(void)
{
    fmcp__oa_buf b;
    memset(&b, 0, sizeof b);
    fmcp__oa_page(&b, "<script>alert('x')</script>", "a&b\"c");
    CHECK(b.err == FMCP_OK);
    CHECK(b.p && strstr(b.p, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != NULL);
    CHECK(b.p && strstr(b.p, "a&amp;b&quot;c") != NULL);
    CHECK(b.p && strstr(b.p, "<script") == NULL);
    fmcp__oa_buf_free(&b);
}

/* ---- a fake authorization server + MCP resource server --------------------- */

static struct fake {
    pthread_mutex_t mu;
    fmcp_http_loop *loop;
    fmcp_http_server *srv;
    pthread_t th;
    char base[64];
    /* behaviour */
    const char *prm_resource;      /* NULL = base/mcp */
    int no_s256, no_rotate, no_refresh, wrong_iss, always_403, expires_in;
    const char *tools_scope;       /* scope tools/call needs ("" = none) */
    const char *authz_ep;          /* JSON text of authorization_endpoint (NULL = ours) */
    const char *access_json;       /* JSON text of the issued access_token (NULL = ours) */
    int no_pkce_member, no_iss_adv, omit_iss, issuer_slash, prm_status, token_status;
    /* observations */
    int registrations, authorizations, token_calls, refreshes, rs_calls;
    char last_scope[256], last_resource[256], challenge[64], code[32];
    char access[8][48], access_scope[8][256];
    int naccess;
    char refresh[48];
} F;

static void form_get(const char *q, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    if (fmcp__oa_query_get(q, name, out, cap) != FMCP_OK) out[0] = 0;
}

static void respond_json(fmcp_http_req *req, int status, const char *body)
{
    fmcp_http_header h[1];
    h[0].name = "Content-Type"; h[0].value = "application/json";
    fmcp_http_respond(req, status, h, 1, body, strlen(body));
}

static void fake_prm(fmcp_http_req *req)
{
    char b[512];
    if (F.prm_status) { respond_json(req, F.prm_status, "{}"); return; }
    snprintf(b, sizeof b, "{\"resource\":\"%s\",\"authorization_servers\":[\"%s\"],\"scopes_supported\":[\"mcp:read\"]}",
             F.prm_resource ? F.prm_resource : "", F.base);
    if (!F.prm_resource) snprintf(b, sizeof b, "{\"resource\":\"%s/mcp\",\"authorization_servers\":[\"%s\"],"
                                  "\"scopes_supported\":[\"mcp:read\"]}", F.base, F.base);
    respond_json(req, 200, b);
}

static void fake_asm(fmcp_http_req *req)
{
    char b[1024], az[256], pk[64];
    if (F.authz_ep) snprintf(az, sizeof az, "%s", F.authz_ep);
    else snprintf(az, sizeof az, "\"%s/authorize\"", F.base);
    snprintf(pk, sizeof pk, "\"code_challenge_methods_supported\":[\"%s\"],", F.no_s256 ? "plain" : "S256");
    snprintf(b, sizeof b, "{\"issuer\":\"%s%s\",\"authorization_endpoint\":%s,\"token_endpoint\":\"%s/token\","
             "\"registration_endpoint\":\"%s/register\",%s"
             "\"scopes_supported\":[\"mcp:read\",\"mcp:write\",\"offline_access\"],"
             "\"authorization_response_iss_parameter_supported\":%s}",
             F.base, F.issuer_slash ? "/" : "", az, F.base, F.base, F.no_pkce_member ? "" : pk,
             F.no_iss_adv ? "false" : "true");
    respond_json(req, 200, b);
}

static void fake_register(fmcp_http_req *req)
{
    size_t n;
    fmcp_json_doc *d = NULL;
    const char *body = fmcp_http_req_body(req, &n);
    int ok = fmcp_json_parse(body, n, NULL, &d, NULL) == FMCP_OK &&
             fmcp_json_str(fmcp_json_at(fmcp_json_get(fmcp_json_root(d), "redirect_uris"), 0), NULL) &&
             strcmp(fmcp_json_get_str(fmcp_json_root(d), "token_endpoint_auth_method", ""), "none") == 0 &&
             strcmp(fmcp_json_get_str(fmcp_json_root(d), "software_id", ""), "t-1") == 0;
    if (d) fmcp_json_doc_free(d);
    F.registrations++;
    if (!ok) { respond_json(req, 400, "{\"error\":\"invalid_client_metadata\"}"); return; }
    respond_json(req, 201, "{\"client_id\":\"client-1\",\"token_endpoint_auth_method\":\"none\"}");
}

static void fake_authorize(fmcp_http_req *req)
{
    const char *q = fmcp_http_req_query(req);
    char redirect[256], state[128], method[16], loc[1024];
    fmcp_http_header h[1];
    F.authorizations++;
    form_get(q, "redirect_uri", redirect, sizeof redirect);
    form_get(q, "state", state, sizeof state);
    form_get(q, "code_challenge_method", method, sizeof method);
    form_get(q, "code_challenge", F.challenge, sizeof F.challenge);
    form_get(q, "scope", F.last_scope, sizeof F.last_scope);
    form_get(q, "resource", F.last_resource, sizeof F.last_resource);
    if (strcmp(method, "S256") != 0 || !redirect[0]) { respond_json(req, 400, "{}"); return; }
    snprintf(F.code, sizeof F.code, "code-%d", F.authorizations);
    snprintf(loc, sizeof loc, "%s?code=%s&state=%s%s%s", redirect, F.code, state, F.omit_iss ? "" : "&iss=",
             F.omit_iss ? "" : F.wrong_iss ? "http%3A%2F%2Fevil.example" : F.base);
    h[0].name = "Location"; h[0].value = loc;
    fmcp_http_respond(req, 302, h, 1, "", 0);
}

static void fake_issue(fmcp_http_req *req, const char *scope, int new_refresh)
{
    char b[512];
    int i = F.naccess++ % 8;
    snprintf(F.access[i], sizeof F.access[i], "at-%d", F.naccess);
    snprintf(F.access_scope[i], sizeof F.access_scope[i], "%s", scope);
    if (new_refresh) snprintf(F.refresh, sizeof F.refresh, "rt-%d", F.naccess);
    snprintf(b, sizeof b, "{\"access_token\":%s%s%s,\"token_type\":\"Bearer\",\"expires_in\":%d,\"scope\":\"%s\"%s%s%s}",
             F.access_json ? "" : "\"", F.access_json ? F.access_json : F.access[i], F.access_json ? "" : "\"", F.expires_in, scope, new_refresh ? ",\"refresh_token\":\"" : "",
             new_refresh ? F.refresh : "", new_refresh ? "\"" : "");
    respond_json(req, 200, b);
}

static void fake_token(fmcp_http_req *req)
{
    size_t n;
    const char *body = fmcp_http_req_body(req, &n);
    char grant[64], v[128], res[256];
    F.token_calls++;
    if (F.token_status) { respond_json(req, F.token_status, "{}"); return; }
    form_get(body, "grant_type", grant, sizeof grant);
    form_get(body, "resource", res, sizeof res);
    if (strcmp(res, F.last_resource) != 0) { respond_json(req, 400, "{\"error\":\"invalid_target\"}"); return; }
    if (strcmp(grant, "authorization_code") == 0) {
        char ch[44], code[32];
        form_get(body, "code", code, sizeof code);
        form_get(body, "code_verifier", v, sizeof v);
        /* RFC 7636 4.1: 43..128 characters */
        if (strlen(v) < 43 || strlen(v) > 128 || strcmp(code, F.code) != 0 ||
            fmcp_oauth_pkce_challenge(v, ch) != FMCP_OK || strcmp(ch, F.challenge) != 0) {
            respond_json(req, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        F.code[0] = 0;                     /* one use */
        /* no_rotate: the first refresh token stays the only valid one */
        fake_issue(req, F.last_scope, !F.no_refresh && !(F.no_rotate && F.refresh[0]));
    } else if (strcmp(grant, "refresh_token") == 0) {
        form_get(body, "refresh_token", v, sizeof v);
        if (!F.refresh[0] || strcmp(v, F.refresh) != 0) { respond_json(req, 400, "{\"error\":\"invalid_grant\"}"); return; }
        F.refreshes++;
        fake_issue(req, F.last_scope, !F.no_rotate);
    } else {
        respond_json(req, 400, "{\"error\":\"unsupported_grant_type\"}");
    }
}

/* The scope the presented token carries, or NULL when it is not one of ours. */
static const char *fake_token_scope(fmcp_http_req *req)
{
    const char *a = fmcp_http_req_header(req, "authorization");
    int i;
    if (!a || strncmp(a, "Bearer ", 7) != 0) return NULL;
    for (i = 0; i < 8 && i < F.naccess; i++)
        if (strcmp(a + 7, F.access[i]) == 0) return F.access_scope[i];
    return NULL;
}

static void fake_mcp(fmcp_http_req *req)
{
    size_t n;
    const char *body = fmcp_http_req_body(req, &n), *scope = fake_token_scope(req), *method;
    char b[512], hdr[512];
    fmcp_json_doc *d = NULL;
    fmcp_http_header h[2];
    int64_t id;
    F.rs_calls++;
    h[0].name = "WWW-Authenticate"; h[0].value = hdr;
    if (!scope) {
        snprintf(hdr, sizeof hdr, "Bearer error=\"invalid_token\", resource_metadata=\"%s/.well-known/oauth-protected-resource/mcp\"", F.base);
        fmcp_http_respond(req, 401, h, 1, "{}", 2);
        return;
    }
    if (strcmp(fmcp_http_req_method(req), "POST") != 0) { fmcp_http_respond(req, 405, NULL, 0, "", 0); return; }
    if (fmcp_json_parse(body, n, NULL, &d, NULL) != FMCP_OK) { fmcp_http_respond(req, 400, NULL, 0, "", 0); return; }
    method = fmcp_json_get_str(fmcp_json_root(d), "method", "");
    id = fmcp_json_get_int(fmcp_json_root(d), "id", -1);
    if (strcmp(method, "tools/call") == 0 && (F.always_403 || !fmcp__oa_has_scope(scope, F.tools_scope, strlen(F.tools_scope)))) {
        snprintf(hdr, sizeof hdr, "Bearer error=\"insufficient_scope\", scope=\"mcp:read %s\", resource_metadata=\"%s/.well-known/oauth-protected-resource/mcp\"",
                 F.tools_scope, F.base);
        fmcp_http_respond(req, 403, h, 1, "{}", 2);
    } else if (id < 0) {
        fmcp_http_respond(req, 202, NULL, 0, "", 0);
    } else {
        if (strcmp(method, "initialize") == 0)
            snprintf(b, sizeof b, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"protocolVersion\":\"2025-11-25\","
                     "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"fake\",\"version\":\"1\"}}}", (long long)id);
        else
            snprintf(b, sizeof b, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"%s\"}]}}",
                     (long long)id, scope);
        respond_json(req, 200, b);
    }
    fmcp_json_doc_free(d);
}

static void fake_handler(fmcp_http_req *req, void *user)
{
    const char *p = fmcp_http_req_path(req);
    (void)user;
    pthread_mutex_lock(&F.mu);
    if (strcmp(p, "/.well-known/oauth-protected-resource/mcp") == 0) fake_prm(req);
    else if (strcmp(p, "/.well-known/oauth-authorization-server") == 0) fake_asm(req);
    else if (strcmp(p, "/register") == 0) fake_register(req);
    else if (strcmp(p, "/authorize") == 0) fake_authorize(req);
    else if (strcmp(p, "/token") == 0) fake_token(req);
    else if (strcmp(p, "/mcp") == 0) fake_mcp(req);
    else fmcp_http_respond(req, 404, NULL, 0, "", 0);
    pthread_mutex_unlock(&F.mu);
}

static void *fake_main(void *arg)
{
    (void)arg;
    fmcp_http_run(F.loop);
    return NULL;
}

static int fake_start(void)
{
    fmcp_http_server_desc sd;
    memset(&F, 0, sizeof F);
    pthread_mutex_init(&F.mu, NULL);
    F.expires_in = 3600;
    F.tools_scope = "mcp:read";
    memset(&sd, 0, sizeof sd);
    sd.handler = fake_handler;
    if (fmcp_http_loop_new(NULL, &F.loop) != FMCP_OK) return 0;
    if (fmcp_http_server_start(F.loop, &sd, &F.srv) != FMCP_OK) { fmcp_http_loop_free(F.loop); return 0; }
    snprintf(F.base, sizeof F.base, "http://127.0.0.1:%u", (unsigned)fmcp_http_server_port(F.srv));
    if (pthread_create(&F.th, NULL, fake_main, NULL) != 0) { fmcp_http_loop_free(F.loop); return 0; }
    return 1;
}

static void fake_stop(void)
{
    fmcp_http_stop(F.loop);
    pthread_join(F.th, NULL);
    fmcp_http_loop_free(F.loop);
    pthread_mutex_destroy(&F.mu);
}

static int fake_get(int *field)
{
    int v;
    pthread_mutex_lock(&F.mu);
    v = *field;
    pthread_mutex_unlock(&F.mu);
    return v;
}

/* An oauth object for the fake server with a memory store, headless. */
static fmcp_oauth *new_oauth(fmcp_oauth_store **st, const fmcp_allocator *a)
{
    fmcp_oauth_desc d;
    fmcp_oauth *o = NULL;
    char url[96];
    memset(&d, 0, sizeof d);
    d.authorize = fmcp_oauth_authorize_follow;
    d.additional_client_metadata = "{\"software_id\":\"t-1\"}";
    d.alloc = a;
    if (!*st && fmcp_oauth_memory_store_new(NULL, st) != FMCP_OK) return NULL;
    d.store = *st;
    snprintf(url, sizeof url, "%s/mcp", F.base);
    if (fmcp_oauth_new(&d, url, &o) != FMCP_OK) return NULL;
    return o;
}

static fmcp_result connect_and_call(fmcp_oauth *o, char *text, size_t cap)
{
    fmcp_client_desc cd;
    fmcp_client *c = NULL;
    fmcp_json_doc *res = NULL;
    char url[96];
    fmcp_result r;
    memset(&cd, 0, sizeof cd);
    cd.oauth = o;
    cd.no_get_stream = 1;
    cd.timeout_ms = 10000;
    snprintf(url, sizeof url, "%s/mcp", F.base);
    r = fmcp_client_connect_http(&cd, url, &c);
    if (r != FMCP_OK) return r;
    r = fmcp_client_call_tool(c, "t", "{}", NULL, &res);
    if (r == FMCP_OK && text)
        snprintf(text, cap, "%s", fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_client_result(res), "content"), 0), "text", ""));
    if (res) fmcp_json_doc_free(res);
    fmcp_client_close(c);
    return r;
}

static void test_flow_via_client(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char text[128], *data = NULL, url[96];
    size_t n = 0;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    o = new_oauth(&st, NULL);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_STR(text, "mcp:read offline_access");   /* PRM scopes + offline_access */
        CHECK_EQ_INT(fake_get(&F.registrations), 1);
        CHECK_EQ_INT(fake_get(&F.authorizations), 1);
        CHECK_EQ_INT(fake_get(&F.token_calls), 1);
        snprintf(url, sizeof url, "%s/mcp", F.base);
        CHECK_STR(F.last_resource, url);
        /* stored: absolute expiry, the refresh token, the registration */
        CHECK_OK(st->load(st->user, NULL, url, "tokens", &data, &n));
        if (data) {
            fmcp_json_doc *d = NULL;
            CHECK_OK(fmcp_json_parse(data, n, NULL, &d, NULL));
            CHECK(fmcp_json_get_int(fmcp_json_root(d), "expires_at", 0) >= fmcp_time_now() + 3500);
            CHECK_STR(fmcp_json_get_str(fmcp_json_root(d), "refresh_token", ""), "rt-1");
            CHECK_STR(fmcp_json_get_str(fmcp_json_root(d), "issuer", ""), F.base);
            if (d) fmcp_json_doc_free(d);
            fmcp_free(NULL, data, n + 1);
            data = NULL;
        }
        CHECK_OK(st->load(st->user, NULL, url, "client", &data, &n));
        CHECK(data && strstr(data, "client-1") != NULL);
        if (data) fmcp_free(NULL, data, n + 1);
        /* a second client reuses token and registration: no new flow */
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.authorizations), 1);
        fmcp_oauth_free(o);
        /* a new object on the same store: the stored token is used */
        o = new_oauth(&st, NULL);
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.authorizations), 1);
        CHECK_EQ_INT(fake_get(&F.registrations), 1);
        /* logout: the next connect authorises again, registering again */
        CHECK_OK(fmcp_oauth_logout(o));
        CHECK(st->load(st->user, NULL, url, "tokens", &data, &n) == FMCP_ERR_NOT_FOUND);
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.authorizations), 2);
        CHECK_EQ_INT(fake_get(&F.registrations), 2);
        fmcp_oauth_free(o);
    }
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

static void test_refresh_and_rotation(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char tok[64];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.expires_in = 30;                   /* inside the 60 s margin: refresh at once */
    o = new_oauth(&st, NULL);
    CHECK(o != NULL);
    if (o) {
        CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
        CHECK_OK(fmcp_oauth_login(o));
        CHECK_STR(F.refresh, "rt-1");
        CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        CHECK_STR(tok, "at-2");           /* refreshed */
        CHECK_EQ_INT(fake_get(&F.refreshes), 1);
        CHECK_STR(o->refresh, "rt-2");    /* rotated */
        pthread_mutex_lock(&F.mu);
        F.no_rotate = 1;
        pthread_mutex_unlock(&F.mu);
        CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        CHECK_STR(tok, "at-3");
        CHECK_STR(o->refresh, "rt-2");    /* no new one: the old one stays */
        CHECK(fmcp_oauth_access_token(o, tok, 3) == FMCP_ERR_BUFFER_TOO_SMALL);
        /* the server forgets the refresh token: tokens dropped, no token now */
        pthread_mutex_lock(&F.mu);
        F.refresh[0] = 0;
        pthread_mutex_unlock(&F.mu);
        CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
        CHECK(o->access == NULL && o->refresh == NULL);
        /* and a 401 then starts a fresh authorisation */
        F.expires_in = 3600;
        CHECK_OK(fmcp_oauth_handle_challenge(o, 401, "Bearer error=\"invalid_token\"", 0));
        CHECK_EQ_INT(fake_get(&F.authorizations), 2);
        CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        /* short-lived and no refresh token: used until it expires */
        CHECK_OK(fmcp_oauth_logout(o));
        pthread_mutex_lock(&F.mu);
        F.no_refresh = 1;
        F.expires_in = 30;
        pthread_mutex_unlock(&F.mu);
        CHECK_OK(fmcp_oauth_login(o));
        CHECK(o->refresh == NULL);
        CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        CHECK_STR(tok, o->access ? o->access : "?");
        o->expires_at = fmcp_time_now() - 1;       /* and then it is gone */
        CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
        fmcp_oauth_free(o);
    }
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

static void test_step_up(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char text[128];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.tools_scope = "mcp:write";
    o = new_oauth(&st, NULL);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        /* union of what we had and what the 403 asked for */
        CHECK(fmcp__oa_has_scope(text, "mcp:read", 8) && fmcp__oa_has_scope(text, "mcp:write", 9));
        CHECK_EQ_INT(fake_get(&F.authorizations), 2);
        /* a server that never accepts: bounded by max_step_up (3) */
        pthread_mutex_lock(&F.mu);
        F.always_403 = 1;
        F.authorizations = 0;
        pthread_mutex_unlock(&F.mu);
        CHECK(connect_and_call(o, text, sizeof text) == FMCP_ERR_FORBIDDEN);
        CHECK_EQ_INT(fake_get(&F.authorizations), 3);
        /* 403 without insufficient_scope is final */
        CHECK(fmcp_oauth_handle_challenge(o, 403, "Bearer error=\"invalid_token\"", 0) == FMCP_ERR_FORBIDDEN);
        CHECK(fmcp_oauth_handle_challenge(o, 403, NULL, 0) == FMCP_ERR_FORBIDDEN);
        CHECK(fmcp_oauth_handle_challenge(o, 200, NULL, 0) == FMCP_ERR_INVALID_ARG);
        fmcp_oauth_free(o);
    }
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

static void test_refusals(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    /* protected-resource metadata for another resource: nothing sent to the AS */
    F.prm_resource = "https://evil.example.com/mcp";
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_handle_challenge(o, 401, NULL, 0) == FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(fake_get(&F.authorizations), 0);
    CHECK_EQ_INT(fake_get(&F.registrations), 0);
    fmcp_oauth_free(o);
    /* an AS without S256 */
    pthread_mutex_lock(&F.mu);
    F.prm_resource = NULL;
    F.no_s256 = 1;
    pthread_mutex_unlock(&F.mu);
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(fake_get(&F.authorizations), 0);
    fmcp_oauth_free(o);
    /* a redirect whose iss is not the issuer */
    pthread_mutex_lock(&F.mu);
    F.no_s256 = 0;
    F.wrong_iss = 1;
    pthread_mutex_unlock(&F.mu);
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_ERR_AUTH);
    CHECK_EQ_INT(fake_get(&F.authorizations), 1);
    CHECK_EQ_INT(fake_get(&F.token_calls), 0);
    fmcp_oauth_free(o);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* An authorize hook that changes the state: the flow must refuse the code. */
static fmcp_result bad_state_hook(void *user, const char *url, const char *redirect, char *cb, size_t cap)
{
    fmcp_result r = fmcp_oauth_authorize_follow(user, url, redirect, cb, cap);
    char *s = strstr(cb, "state=");
    if (r == FMCP_OK && s) s[6] = s[6] == 'A' ? 'B' : 'A';
    return r;
}

static void test_state_checked(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    o = new_oauth(&st, NULL);
    CHECK(o != NULL);
    if (o) {
        o->d.authorize = bad_state_hook;
        CHECK(fmcp_oauth_login(o) == FMCP_ERR_AUTH);
        CHECK_EQ_INT(fake_get(&F.token_calls), 0);
        fmcp_oauth_free(o);
    }
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

static void test_corrupt_store_ignored(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char url[96], tok[64];
    static const char *bad[] = { "{\"foo\":1}", "{\"access_token\":42}", "{\"access_token\":\"\"}", NULL };
    int i;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    snprintf(url, sizeof url, "%s/mcp", F.base);
    CHECK_OK(fmcp_oauth_memory_store_new(NULL, &st));
    for (i = 0; bad[i]; i++) {
        CHECK_OK(st->save(st->user, url, "tokens", bad[i], strlen(bad[i])));
        CHECK_OK(st->save(st->user, url, "client", "{\"client_id\":7}", 15));
        o = new_oauth(&st, NULL);
        CHECK(o != NULL);
        if (!o) continue;
        CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND || tok[0] == 0);
        CHECK_OK(fmcp_oauth_login(o));        /* a fresh authorisation instead */
        CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        CHECK(strncmp(tok, "at-", 3) == 0);
        fmcp_oauth_free(o);
    }
    CHECK_EQ_INT(fake_get(&F.registrations), 3);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* The browser path: the "browser" is a thread that follows the
 * authorization URL and then opens the redirect on the loopback server. */
static char browser_page[4096];
static int browser_error;            /* 1: hostile error text, 2: an over-long error */
static int browser_forged_status;    /* the answer to a redirect with a wrong state */

/* GET url; the status (0: no answer), body into page when given. */
static int browser_get(const char *url, char *page, size_t cap)
{
    fmcp_http_client_req rq;
    fmcp_http_response *res = NULL;
    int st = 0;
    memset(&rq, 0, sizeof rq);
    rq.url = url;
    rq.timeout_ms = 5000;
    if (fmcp_http_fetch(NULL, &rq, &res) == FMCP_OK) {
        st = res->status;
        if (page) snprintf(page, cap, "%d %s", res->status, res->body);
        fmcp_http_response_free(res);
    }
    return st;
}

static void *browser_main(void *arg)
{
    char *url = (char *)arg, cb[2048];
    char redirect[256];
    const char *q = strchr(url, '?');
    form_get(q ? q + 1 : "", "redirect_uri", redirect, sizeof redirect);
    if (fmcp_oauth_authorize_follow(NULL, url, redirect, cb, sizeof cb) != FMCP_OK) { free(url); return NULL; }
    {   /* first a forged redirect (another state): it must not end the wait */
        char forged[2048], *st;
        snprintf(forged, sizeof forged, "%s", cb);
        st = strstr(forged, "state=");
        if (st) st[6] = st[6] == 'A' ? 'B' : 'A';
        browser_forged_status = browser_get(forged, NULL, 0);
    }
    if (browser_error) {                 /* the user refused; hostile or huge text in the error */
        char *s = strstr(cb, "code="), *rest = s ? s + strcspn(s, "&") : NULL;
        char e[400];
        if (browser_error == 1) snprintf(e, sizeof e, "error=%%3Cb%%3Ex");
        else { memset(e, 'x', 300); memcpy(e, "error=", 6); e[300] = 0; }
        if (s && strlen(cb) + strlen(e) < sizeof cb) {
            memmove(s + strlen(e), rest, strlen(rest) + 1);
            memcpy(s, e, strlen(e));
        }
    }
    browser_get(cb, browser_page, sizeof browser_page);
    free(url);
    return NULL;
}

static pthread_t browser_th;

static fmcp_result fake_browser(void *user, const char *url)
{
    char *copy = (char *)malloc(strlen(url) + 1);
    (void)user;
    if (!copy) return FMCP_ERR_NOMEM;
    memcpy(copy, url, strlen(url) + 1);
    return pthread_create(&browser_th, NULL, browser_main, copy) == 0 ? FMCP_OK : FMCP_ERR_IO;
}

static void test_loopback_browser(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char tok[64];
    int k;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    for (k = 0; k < 3; k++) {
        o = new_oauth(&st, NULL);
        CHECK(o != NULL);
        if (!o) break;
        o->d.authorize = NULL;
        o->d.open_browser = fake_browser;
        o->d.callback_timeout_ms = 10000;
        browser_error = k;
        browser_page[0] = 0;
        CHECK(fmcp_oauth_login(o) == (k ? FMCP_ERR_AUTH : FMCP_OK));
        pthread_join(browser_th, NULL);
        CHECK(strncmp(browser_page, "200 ", 4) == 0);
        CHECK_EQ_INT(browser_forged_status, 404);
        if (k == 2) {
            CHECK(strstr(browser_page, "Authorization failed") != NULL);
            CHECK(strstr(browser_page, "Authorization complete") == NULL);
        } else if (!k) {
            CHECK(strstr(browser_page, "Authorization complete") != NULL);
            CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        } else {
            CHECK(strstr(browser_page, "&lt;b&gt;x") != NULL && strstr(browser_page, "<b>") == NULL);
        }
        CHECK_OK(fmcp_oauth_logout(o));
        fmcp_oauth_free(o);
    }
    /* nobody comes back: the wait ends at callback_timeout_ms */
    o = new_oauth(&st, NULL);
    if (o) {
        o->d.authorize = NULL;
        o->d.headless = 1;
        o->d.callback_timeout_ms = 200;
        CHECK(fmcp_oauth_login(o) == FMCP_ERR_TIMEOUT);
        fmcp_oauth_free(o);
    }
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* ---- review fixes --------------------------------------------------------- */

static fmcp_result login_once(fmcp_oauth_store **st)
{
    fmcp_oauth *o = new_oauth(st, NULL);
    fmcp_result r;
    if (!o) return FMCP_ERR_NOMEM;
    r = fmcp_oauth_login(o);
    fmcp_oauth_free(o);
    return r;
}

/* Untrusted authorization_endpoint values never reach a browser or fetch. */
static void test_endpoint_validation(void)
{
    static const char *bad[] = { "\"javascript:alert(1)\"", "\"-oProxyCommand=evil\"", "\"file:///etc/passwd\"",
                                 "\"http://127.0.0.1:1/a\\r\\nb\"", "\"http://127.0.0.1:1/a#frag\"",
                                 "\"http://127.0.0.1:1/a b\"", "7", NULL };
    int i;
    CHECK(fmcp__oa_open_default("--help") == FMCP_ERR_INVALID_ARG);   /* never an option */
    CHECK(!fmcp__oa_url_ok("http://h/x\x01"));
    CHECK(fmcp__oa_url_ok("https://h/authorize?a=b"));
    for (i = 0; bad[i]; i++) {
        fmcp_oauth_store *st = NULL;
        if (!fake_start()) T_SKIP("cannot start the fake servers");
        F.authz_ep = bad[i];
        CHECK(login_once(&st) == FMCP_ERR_PROTOCOL);
        CHECK_EQ_INT(fake_get(&F.registrations), 0);
        CHECK_EQ_INT(fake_get(&F.authorizations), 0);
        fmcp_oauth_memory_store_free(st);
        fake_stop();
    }
}

/* Tokens outside the b64token alphabet: refused from the AS and the store. */
static void test_token_charset(void)
{
    static const char *bad[] = { "\"at\\r\\nX-Evil: 1\"", "\"a b\"", "\"=abc\"", "\"ab=c\"", "\"\"", NULL };
    static const char *stored[] = { "{\"access_token\":\"a\\r\\nX: y\"}", "{\"access_token\":\"a\\u007f\"}",
                                    "{\"access_token\":\"ok\",\"refresh_token\":\"r\\nx\"}", NULL };
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char url[96], tok[64];
    int i;
    for (i = 0; bad[i]; i++) {
        st = NULL;
        if (!fake_start()) T_SKIP("cannot start the fake servers");
        F.access_json = bad[i];
        CHECK(login_once(&st) == FMCP_ERR_PROTOCOL);
        CHECK_EQ_INT(fake_get(&F.token_calls), 1);
        fmcp_oauth_memory_store_free(st);
        fake_stop();
    }
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.access_json = "\"A-z0.9_~+/==\"";          /* every b64token character */
    st = NULL;
    CHECK_OK(login_once(&st));
    fmcp_oauth_memory_store_free(st);
    snprintf(url, sizeof url, "%s/mcp", F.base);
    CHECK_OK(fmcp_oauth_memory_store_new(NULL, &st));
    for (i = 0; stored[i]; i++) {
        CHECK_OK(st->save(st->user, url, "tokens", stored[i], strlen(stored[i])));
        o = new_oauth(&st, NULL);
        CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
        fmcp_oauth_free(o);
    }
    CHECK_OK(st->save(st->user, url, "tokens", "{\"access_token\":\"t.1~/+=\"}", 26));
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_OK);
    CHECK_STR(tok, "t.1~/+=");
    fmcp_oauth_free(o);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* RFC 9207: iss checked when present; required when advertised. */
static void test_iss_parameter(void)
{
    /* advertised, iss present, result */
    static const int cases[4][3] = { { 0, 2, FMCP_ERR_AUTH }, { 1, 0, FMCP_ERR_AUTH }, { 0, 0, FMCP_OK }, { 1, 1, FMCP_OK } };
    int i;
    for (i = 0; i < 4; i++) {
        fmcp_oauth_store *st = NULL;
        if (!fake_start()) T_SKIP("cannot start the fake servers");
        F.no_iss_adv = !cases[i][0];
        F.omit_iss = cases[i][1] == 0;
        F.wrong_iss = cases[i][1] == 2;
        CHECK_EQ_INT(login_once(&st), cases[i][2]);
        CHECK_EQ_INT(fake_get(&F.token_calls), cases[i][2] == FMCP_OK);
        fmcp_oauth_memory_store_free(st);
        fake_stop();
    }
}

/* No code_challenge_methods_supported, an issuer that differs by a slash,
 * metadata that fails with 5xx: refused, no legacy fallback. */
static void test_metadata_strictness(void)
{
    fmcp_oauth_store *st = NULL;
    int k;
    for (k = 0; k < 4; k++) {
        if (!fake_start()) T_SKIP("cannot start the fake servers");
        if (k == 0) F.no_pkce_member = 1;
        if (k == 1) F.issuer_slash = 1;
        if (k == 2) F.prm_status = 500;
        if (k == 3) F.prm_status = 404;          /* absent: the 2025-03-26 fallback still works */
        st = NULL;
        CHECK_EQ_INT(login_once(&st), k == 3 ? FMCP_OK : FMCP_ERR_PROTOCOL);
        CHECK_EQ_INT(fake_get(&F.authorizations), k == 3);
        fmcp_oauth_memory_store_free(st);
        fake_stop();
    }
}

/* A refresh token goes only to its own issuer; transient refresh failures
 * keep it, an authoritative refusal drops it. */
static void test_refresh_binding(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char url[96], tok[64], t[512], *data = NULL;
    size_t n = 0;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_OK);
    if (!o) { fmcp_oauth_memory_store_free(st); fake_stop(); return; }
    /* transient: the token endpoint answers 503 */
    F.token_status = 503;
    o->expires_at = fmcp_time_now();
    CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_PROTOCOL);
    CHECK(o->refresh != NULL);
    F.token_status = 0;
    CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
    CHECK_EQ_INT(fake_get(&F.refreshes), 1);
    /* authoritative: invalid_grant */
    F.token_status = 400;
    o->expires_at = fmcp_time_now();
    CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
    CHECK(o->refresh == NULL);
    F.token_status = 0;
    fmcp_oauth_free(o);
    /* stored tokens of another issuer: the refresh token is not sent */
    snprintf(url, sizeof url, "%s/mcp", F.base);
    snprintf(F.refresh, sizeof F.refresh, "rt-x");
    snprintf(t, sizeof t, "{\"access_token\":\"old\",\"refresh_token\":\"rt-x\",\"expires_at\":1,\"issuer\":\"http://other.example\"}");
    CHECK_OK(st->save(st->user, url, "tokens", t, strlen(t)));
    n = (size_t)fake_get(&F.token_calls);
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
    CHECK_EQ_INT(fake_get(&F.token_calls), (int)n);
    CHECK(st->load(st->user, NULL, url, "tokens", &data, &n) == FMCP_ERR_NOT_FOUND);
    if (data) fmcp_free(NULL, data, n + 1);
    fmcp_oauth_free(o);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* An authorize hook with a non-loopback redirect_uri: no loopback server
 * (its port is taken here by the fake server itself). */
static void test_hook_no_loopback(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char redirect[96];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    o = new_oauth(&st, NULL);
    CHECK(o != NULL);
    if (o) {
        snprintf(redirect, sizeof redirect, "http://app.example:%u/cb", (unsigned)fmcp_http_server_port(F.srv));
        fmcp__oa_free_cs(o, &o->d.redirect_uri);
        o->d.redirect_uri = redirect;
        CHECK_OK(fmcp_oauth_login(o));
        o->d.redirect_uri = NULL;
        fmcp_oauth_free(o);
    }
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* Every block is freed with the size it was allocated with. */
static size_t sized_bad;
static void *sized_malloc(void *u, size_t n)
{
    size_t *p = (size_t *)malloc(n + 16);
    (void)u;
    if (!p) return NULL;
    *p = n;
    return (char *)p + 16;
}
static void *sized_realloc(void *u, void *q, size_t old, size_t n)
{
    size_t *p = q ? (size_t *)((char *)q - 16) : NULL;
    (void)u;
    if (p && *p != old) sized_bad++;
    p = (size_t *)realloc(p, n + 16);
    if (!p) return NULL;
    *p = n;
    return (char *)p + 16;
}
static void sized_free(void *u, void *q, size_t n)
{
    size_t *p;
    (void)u;
    if (!q) return;
    p = (size_t *)((char *)q - 16);
    if (*p != n) sized_bad++;
    free(p);
}

static void test_free_sizes(void)
{
    fmcp_allocator sa;
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    sa.malloc_fn = sized_malloc; sa.realloc_fn = sized_realloc; sa.free_fn = sized_free; sa.user = NULL;
    sized_bad = 0;
    o = new_oauth(&st, &sa);
    CHECK(o && fmcp_oauth_login(o) == FMCP_OK);
    fmcp_oauth_free(o);
    CHECK_EQ_INT((int)sized_bad, 0);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* The client's request head holds the token: growing it must not leave
 * unwiped copies behind (a realloc would). */
static int scan_hits;
static void scan_block(const void *p, size_t n)
{
    const char *c = (const char *)p;
    size_t i;
    for (i = 0; i + 10 <= n; i++)
        if (memcmp(c + i, "Bearer at-", 10) == 0) { scan_hits++; return; }
}
/* Blocks start zeroed, so what a scan finds was written by the client, not
 * left by an earlier owner of the memory (the fake servers in this process
 * free unscanned blocks; the Windows heap hands them out again at once). */
static void *scan_malloc(void *u, size_t n) { (void)u; return calloc(1, n ? n : 1); }
static void *scan_realloc(void *u, void *p, size_t old, size_t n)
{
    void *q = calloc(1, n ? n : 1);
    (void)u;
    if (!q) return NULL;
    if (p) { memcpy(q, p, old < n ? old : n); scan_block(p, old); free(p); }
    return q;
}
static void scan_free(void *u, void *p, size_t n) { (void)u; if (p) { scan_block(p, n); free(p); } }

static void test_header_growth_wiped(void)
{
    fmcp_allocator sa;
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    fmcp_client_desc cd;
    fmcp_client *c = NULL;
    fmcp_json_doc *res = NULL;
    fmcp_http_header extra[1];
    char big[3000], url[96];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_OK);
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = 0;
    extra[0].name = "X-Big"; extra[0].value = big;      /* added after the token: the head grows */
    sa.malloc_fn = scan_malloc; sa.realloc_fn = scan_realloc; sa.free_fn = scan_free; sa.user = NULL;
    memset(&cd, 0, sizeof cd);
    cd.oauth = o;
    cd.alloc = &sa;
    cd.headers = extra; cd.nheaders = 1;
    cd.no_get_stream = 1;
    cd.timeout_ms = 10000;
    snprintf(url, sizeof url, "%s/mcp", F.base);
    scan_hits = 0;
    CHECK_OK(fmcp_client_connect_http(&cd, url, &c));
    if (c) {
        CHECK_OK(fmcp_client_call_tool(c, "t", "{}", NULL, &res));
        if (res) fmcp_json_doc_free(res);
        fmcp_client_close(c);
    }
    CHECK_EQ_INT(scan_hits, 0);
    fmcp_oauth_free(o);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

static void test_alloc_sweeps(void)
{
    fmcp_oauth_store *st = NULL;
    char url[96], tok[64];
    const char *stored = "{\"access_token\":\"at-x\",\"refresh_token\":\"rt-x\",\"expires_at\":0}";
    CHECK_OK(fmcp_oauth_memory_store_new(NULL, &st));
    snprintf(url, sizeof url, "http://127.0.0.1:9/mcp");
    CHECK_OK(st->save(st->user, url, "tokens", stored, strlen(stored)));
    T_ALLOC_SWEEP({
        fmcp_oauth_desc d;
        fmcp_oauth *o = NULL;
        memset(&d, 0, sizeof d);
        d.store = st; d.alloc = &t_alloc; d.client_name = "n"; d.scopes = "a b";
        d.additional_client_metadata = "{}";
        t_rc = fmcp_oauth_new(&d, url, &o);
        if (t_rc == FMCP_OK) {
            t_rc = fmcp_oauth_access_token(o, tok, sizeof tok);
            if (t_rc == FMCP_OK) CHECK_STR(tok, "at-x");
            fmcp_oauth_free(o);
        }
    });
    fmcp_oauth_memory_store_free(st);
}

static int sweep_rc;

/* The whole headless flow (discovery, registration, authorize, token) with
 * every allocation failing in turn: a clean error, nothing leaked. */
static void test_flow_alloc_sweep(void)
{
    fmcp_oauth_store *st = NULL;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    CHECK_OK(fmcp_oauth_memory_store_new(NULL, &st));
    T_ALLOC_SWEEP({
        fmcp_oauth *o = new_oauth(&st, &t_alloc);
        t_rc = o ? FMCP_OK : FMCP_ERR_NOMEM;
        if (o) {
            t_rc = fmcp_oauth_login(o);
            if (t_rc == FMCP_OK) t_rc = fmcp_oauth_logout(o);
            else (void)fmcp_oauth_logout(o);
            fmcp_oauth_free(o);
        }
        sweep_rc = t_rc;
    });
    CHECK_OK(sweep_rc);                  /* the last run went all the way */
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

/* Refresh and step-up with every allocation failing in turn. */
static void test_refresh_stepup_alloc_sweep(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.no_rotate = 1;                 /* the refresh token stays valid across runs */
    char url[96], *snap = NULL, tok[64];
    size_t sn = 0;
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_OK);
    fmcp_oauth_free(o);
    snprintf(url, sizeof url, "%s/mcp", F.base);
    CHECK_OK(st->load(st->user, NULL, url, "tokens", &snap, &sn));
    if (!snap) { fmcp_oauth_memory_store_free(st); fake_stop(); return; }
    T_ALLOC_SWEEP({
        fmcp_oauth *x;
        (void)st->save(st->user, url, "tokens", snap, sn);   /* every run starts alike */
        x = new_oauth(&st, &t_alloc);
        t_rc = x ? FMCP_OK : FMCP_ERR_NOMEM;
        if (x) {
            t_rc = fmcp_oauth_access_token(x, tok, sizeof tok);
            if (t_rc == FMCP_OK) {
                x->expires_at = fmcp_time_now();          /* due: refresh */
                t_rc = fmcp_oauth_access_token(x, tok, sizeof tok);
            }
            if (t_rc == FMCP_OK)
                t_rc = fmcp_oauth_handle_challenge(x, 403, "Bearer error=\"insufficient_scope\", scope=\"mcp:write\"", 0);
            fmcp_oauth_free(x);
        }
        sweep_rc = t_rc;
    });
    CHECK_OK(sweep_rc);
    CHECK(fake_get(&F.refreshes) >= 1);
    /* the last run went all the way: a token with the stepped-up scope */
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_OK);
    CHECK(o && o->tok_scope && fmcp__oa_has_scope(o->tok_scope, "mcp:write", 9));
    fmcp_oauth_free(o);
    fmcp_free(NULL, snap, sn + 1);
    fmcp_oauth_memory_store_free(st);
    fake_stop();
}

int main(void)
{
    T_RUN(test_large_file_offsets);
    T_RUN(test_pkce_rfc7636);
    T_RUN(test_www_authenticate);
    T_RUN(test_wellknown_urls);
    T_RUN(test_scope_selection);
    T_RUN(test_callback_page_escaping);
    T_RUN(test_flow_via_client);
    T_RUN(test_refresh_and_rotation);
    T_RUN(test_step_up);
    T_RUN(test_refusals);
    T_RUN(test_state_checked);
    T_RUN(test_corrupt_store_ignored);
    T_RUN(test_loopback_browser);
    T_RUN(test_endpoint_validation);
    T_RUN(test_token_charset);
    T_RUN(test_iss_parameter);
    T_RUN(test_metadata_strictness);
    T_RUN(test_refresh_binding);
    T_RUN(test_hook_no_loopback);
    T_RUN(test_free_sizes);
    T_RUN(test_header_growth_wiped);
    T_RUN(test_alloc_sweeps);
    T_RUN(test_flow_alloc_sweep);
    T_RUN(test_refresh_stepup_alloc_sweep);
    return t_finish("oauth");
}
