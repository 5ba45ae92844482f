/* tests/test_introspect.c - RFC 7662 token introspection as the auth module's
 * second verifier. One loop carries everything: a fake introspection
 * endpoint on 127.0.0.1 (counts its requests, checks the client
 * authentication, answers by token), the MCP server with fmcp_auth, and a
 * client through fmcp_http_fetch_async; a clock hook moves wall time. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#include <time.h>

#ifndef FASTMCP_NO_SOCKETS

/* ---- clock hook ----------------------------------------------------------- */


/* ---- the fake introspection endpoint ------------------------------------------ */

static int as_requests, as_bad_auth;
static int as_auth_mode;               /* what to expect: 0 basic, 1 post, 2 private_key_jwt */
static char as_basic[128];             /* expected Authorization for mode 0 */
static char as_url[128];
static fmcp_jwt_verifier *as_assert_v; /* checks client assertions (mode 2) */
static fmcp_http_req *as_held;         /* "slow": never answered until the test does */
static char *as_big;

/* The value of name=... in a form body (our tokens need no decoding). */
static int as_form(const char *body, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = body;
    while (p && *p) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = strcspn(p + nl + 1, "&");
            if (n >= cap) n = cap - 1;
            memcpy(out, p + nl + 1, n);
            out[n] = 0;
            return 1;
        }
        p = strchr(p, '&');
        if (p) p++;
    }
    return 0;
}

static int as_client_ok(const fmcp_http_req *req, const char *body)
{
    const char *auth = fmcp_http_req_header(req, "Authorization");
    char v[2048];
    if (as_auth_mode == 0) return auth && strcmp(auth, as_basic) == 0 && !strstr(body, "client_secret");
    if (as_auth_mode == 1)
        return !auth && as_form(body, "client_id", v, sizeof v) && strcmp(v, "rs") == 0 &&
               as_form(body, "client_secret", v, sizeof v) && strcmp(v, "s3cret") == 0;
    if (auth || !as_form(body, "client_assertion_type", v, sizeof v) ||
        strcmp(v, "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer") != 0)
        return 0;
    if (!as_form(body, "client_assertion", v, sizeof v)) return 0;
    {
        fmcp_jwt_verdict vd;
        int ok = fmcp_jwt_verify(as_assert_v, v, strlen(v), &vd) == FMCP_OK && vd.claims.subject &&
                 strcmp(vd.claims.subject, "rs") == 0;
        fmcp_jwt_verdict_destroy(&vd);
        return ok;
    }
}

static void as_handler(fmcp_http_req *req, void *u)
{
    fmcp_http_header h[1];
    size_t n = 0;
    const char *body = fmcp_http_req_body(req, &n);
    char tok[256], out[1024];
    long long now = (long long)t_wall_time(NULL);
    (void)u;
    as_requests++;
    h[0].name = "Content-Type"; h[0].value = "application/json";
    if (!as_client_ok(req, body)) {
        as_bad_auth++;
        (void)fmcp_http_respond(req, 401, h, 1, "{\"error\":\"invalid_client\"}", 26);
        return;
    }
    if (!as_form(body, "token", tok, sizeof tok)) tok[0] = 0;
    if (strcmp(tok, "slow") == 0) { as_held = req; return; }
    if (strcmp(tok, "big") == 0) { (void)fmcp_http_respond(req, 200, h, 1, as_big, strlen(as_big)); return; }
    if (strcmp(tok, "inactive") == 0) snprintf(out, sizeof out, "{\"active\":false}");
    else if (strcmp(tok, "malformed") == 0) snprintf(out, sizeof out, "{\"active\":\"yes\",\"sub\":\"x\"}");
    else if (strcmp(tok, "badtype") == 0) snprintf(out, sizeof out, "{\"active\":true,\"aud\":\"mcp-test\",\"scope\":[1]}");
    else if (strcmp(tok, "notjson") == 0) snprintf(out, sizeof out, "hello");
    else if (strcmp(tok, "error500") == 0) { (void)fmcp_http_respond(req, 500, NULL, 0, "no", 2); return; }
    else if (strcmp(tok, "expired") == 0)
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"old\",\"aud\":\"mcp-test\",\"exp\":%lld}", now - 100);
    else if (strcmp(tok, "wrongaud") == 0)
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"eve\",\"aud\":[\"other\",\"api\"],\"exp\":%lld}", now + 600);
    else if (strcmp(tok, "noaud") == 0)
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"eve\",\"exp\":%lld}", now + 600);
    else if (strcmp(tok, "wrongiss") == 0)
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"eve\",\"aud\":\"mcp-test\",\"iss\":\"https://evil\"}");
    else if (strcmp(tok, "reader") == 0 || strcmp(tok, "writer") == 0 || strcmp(tok, "short") == 0)
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"alice\",\"client_id\":\"app\",\"scope\":\"%s\","
                 "\"aud\":[\"api\",\"mcp-test\"],\"iss\":\"https://issuer.test\",\"exp\":%lld,\"token_type\":\"Bearer\"}",
                 strcmp(tok, "writer") == 0 ? "mcp:read mcp:write" : "mcp:read",
                 strcmp(tok, "short") == 0 ? now + 30 : now + 3600);
    else if (strcmp(tok, "service") == 0)   /* client credentials: no sub, no iss */
        snprintf(out, sizeof out, "{\"active\":true,\"client_id\":\"svc\",\"scope\":\"mcp:read\",\"aud\":\"mcp-test\"}");
    else snprintf(out, sizeof out, "{\"active\":false}");
    (void)fmcp_http_respond(req, 200, h, 1, out, strlen(out));
}

/* ---- the MCP server ------------------------------------------------------------- */

static fmcp_result tool_whoami(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *a = fmcp_ctx_auth(c);
    char buf[2048];
    (void)u;
    if (!a) return fmcp_ctx_add_text(c, "anonymous");
    snprintf(buf, sizeof buf, "sub=%s cid=%s scopes=%s iss=%s exp=%d claims=%s", a->subject ? a->subject : "-",
             a->client_id ? a->client_id : "-", a->scopes ? a->scopes : "-", a->issuer ? a->issuer : "-",
             a->expires_at > 0, a->claims_json ? a->claims_json : "-");
    return fmcp_ctx_add_text(c, buf);
}

static const char *aud1[] = { "mcp-test" };

typedef struct t_env {
    fmcp_http_loop *loop;
    fmcp_server *srv;
    fmcp_http_endpoint *t;
    fmcp_auth *a;
    fmcp_http_server *as;
    uint16_t port;
} t_env;

static int t_as_up(t_env *e)
{
    fmcp_http_server_desc jd;
    memset(e, 0, sizeof *e);
    as_requests = 0; as_bad_auth = 0; as_held = NULL;
    if (fmcp_http_loop_create(NULL, &e->loop) != FMCP_OK) return 0;
    memset(&jd, 0, sizeof jd);
    jd.handler = as_handler;
    if (fmcp_http_server_create(e->loop, &jd, &e->as) != FMCP_OK) return 0;
    snprintf(as_url, sizeof as_url, "http://127.0.0.1:%u/token/introspection", (unsigned)fmcp_http_server_port(e->as));
    return 1;
}

/* The server; id supplies the introspection settings, ad_in the rest (may be NULL). */
static int t_env_up(t_env *e, fmcp_introspect_desc *id, const fmcp_auth_desc *ad_in)
{
    fmcp_server_desc sd;
    fmcp_http_endpoint_desc d;
    fmcp_auth_desc ad;
    fmcp_tool_desc td;
    if (!t_as_up(e)) return 0;
    memset(&sd, 0, sizeof sd);
    sd.name = "introspect-test"; sd.version = "1"; sd.workers = -1;
    if (fmcp_server_create(&sd, &e->srv) != FMCP_OK) return 0;
    if (ad_in) ad = *ad_in;
    else memset(&ad, 0, sizeof ad);
    id->endpoint = as_url;
    ad.introspection = id;
    ad.issuer = "https://issuer.test"; ad.audiences = aud1; ad.audience_count = 1;
    ad.no_audit = 1;
    ad.loop = e->loop;
    if (fmcp_auth_create(&ad, &e->a) != FMCP_OK) return 0;
    memset(&td, 0, sizeof td);
    td.name = "whoami"; td.handler = tool_whoami;
    if (fmcp_server_add_tool(e->srv, &td) != FMCP_OK) return 0;
    td.name = "write"; td.scopes = "mcp:write";
    if (fmcp_server_add_tool(e->srv, &td) != FMCP_OK) return 0;
    memset(&d, 0, sizeof d);
    if (fmcp_auth_attach(e->a, e->srv, &d) != FMCP_OK) return 0;
    if (fmcp_http_endpoint_create(e->srv, e->loop, &d, &e->t) != FMCP_OK) return 0;
    e->port = fmcp_http_endpoint_port(e->t);
    return 1;
}

static void t_env_down(t_env *e)
{
    if (as_held) { (void)fmcp_http_respond(as_held, 500, NULL, 0, NULL, 0); as_held = NULL; }
    if (e->t) fmcp_http_endpoint_destroy(e->t);
    if (e->srv) fmcp_server_destroy(e->srv);
    if (e->a) fmcp_auth_destroy(e->a);
    if (e->as) fmcp_http_server_destroy(e->as);
    if (e->loop) fmcp_http_loop_destroy(e->loop);
    memset(e, 0, sizeof *e);
}

/* ---- client ------------------------------------------------------------------ */

static fmcp_http_response *t_req(t_env *e, const char *token, const char *session, const char *body)
{
    fmcp_http_client_req c;
    fmcp_http_header h[6];
    size_t n = 0;
    char url[128], auth[512];
    t_resp r;
    int i;
    memset(&c, 0, sizeof c);
    memset(&r, 0, sizeof r);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", (unsigned)e->port);
    snprintf(auth, sizeof auth, "Bearer %s", token ? token : "");
    h[n].name = "Accept"; h[n++].value = "application/json, text/event-stream";
    h[n].name = "Content-Type"; h[n++].value = "application/json";
    h[n].name = "MCP-Protocol-Version"; h[n++].value = "2025-06-18";
    if (token) { h[n].name = "Authorization"; h[n++].value = auth; }
    if (session) { h[n].name = "Mcp-Session-Id"; h[n++].value = session; }
    c.method = "POST"; c.url = url; c.headers = h; c.nheaders = n;
    c.body = body; c.body_len = strlen(body);
    c.timeout_ms = 20000;
    if (fmcp_http_fetch_async(e->loop, &c, t_fetched, &r, NULL) != FMCP_OK) return NULL;
    for (i = 0; i < 4000 && !r.done; i++) (void)fmcp_http_step(e->loop, 50);
    return r.done && r.rc == FMCP_OK ? r.res : NULL;
}

static const char INIT[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{"
                           "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
static const char CALL_WHOAMI[] = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\","
                                  "\"params\":{\"name\":\"whoami\",\"arguments\":{}}}";
static const char CALL_WRITE[] = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\","
                                 "\"params\":{\"name\":\"write\",\"arguments\":{}}}";

/* The status of an initialize with this token (-1 without an answer). */
static int t_status(t_env *e, const char *token)
{
    fmcp_http_response *r = t_req(e, token, NULL, INIT);
    int s = r ? r->status : -1;
    if (r) fmcp_http_response_destroy(r);
    return s;
}

static int t_has(const fmcp_http_response *r, const char *hdr, const char *needle)
{
    const char *v = r ? fmcp_http_response_header(r, hdr) : NULL;
    return v && strstr(v, needle) != NULL;
}

/* initialize + initialized; the session id in sid. */
static int t_session(t_env *e, const char *token, char *sid, size_t cap)
{
    fmcp_http_response *r = t_req(e, token, NULL, INIT);
    const char *s;
    int ok = 0;
    if (r && r->status == 200 && (s = fmcp_http_response_header(r, "Mcp-Session-Id")) != NULL) {
        snprintf(sid, cap, "%s", s);
        ok = 1;
    }
    if (r) fmcp_http_response_destroy(r);
    if (!ok) return 0;
    r = t_req(e, token, sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    ok = r && r->status == 202;
    if (r) fmcp_http_response_destroy(r);
    return ok;
}

static void t_basic_id(fmcp_introspect_desc *id)
{
    memset(id, 0, sizeof *id);
    id->client_id = "rs"; id->client_secret = "s3cret";
    as_auth_mode = 0;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_looks_jwt(void)
{
    CHECK(fmcp_introspect_looks_jwt("eyJhbGciOiJFUzI1NiJ9.e30.c2ln", 29));
    CHECK(fmcp_introspect_looks_jwt("eyJ9.e30.", 9));
    CHECK(!fmcp_introspect_looks_jwt("abcdefgh.e30.c2ln", 17));        /* header is not JSON */
    CHECK(!fmcp_introspect_looks_jwt("eyJhbGciOiJFUzI1NiJ9.e30", 24));  /* two parts */
    CHECK(!fmcp_introspect_looks_jwt("eyJhbGciOiJFUzI1NiJ9.e30.a.b", 28));
    CHECK(!fmcp_introspect_looks_jwt("eyJhbGci+iJFUzI1NiJ9.e30.c2ln", 29)); /* not base64url */
    CHECK(!fmcp_introspect_looks_jwt("Y2ZhZGY5Njg2", 12));              /* opaque */
    CHECK(!fmcp_introspect_looks_jwt("", 0));
}

static void test_active_and_cache(void)
{
    t_env e;
    fmcp_introspect_desc id;
    fmcp_http_response *r;
    char sid[128];
    t_wall_offset = 0;
    t_basic_id(&id);
    if (!t_env_up(&e, &id, NULL)) { CHECK(0); t_env_down(&e); return; }
    CHECK(t_session(&e, "reader", sid, sizeof sid));
    r = t_req(&e, "reader", sid, CALL_WHOAMI);
    CHECK(r && r->status == 200);
    CHECK(r && strstr(r->body, "sub=alice cid=app scopes=mcp:read iss=https://issuer.test exp=1"));
    CHECK(r && strstr(r->body, "token_type"));   /* claims_json is the introspection answer */
    if (r) fmcp_http_response_destroy(r);
    /* three requests, one introspection: the verdict is cached */
    CHECK_EQ_INT(as_requests, 1);
    CHECK_EQ_INT(as_bad_auth, 0);
    /* per-tool scope: a read token cannot call write (step-up 403), a write token can */
    r = t_req(&e, "reader", sid, CALL_WRITE);
    CHECK(r && r->status == 403 && t_has(r, "WWW-Authenticate", "insufficient_scope") &&
          t_has(r, "WWW-Authenticate", "scope=\"mcp:write\""));
    if (r) fmcp_http_response_destroy(r);
    /* session binding: the same subject and issuer own the session, another token with them too */
    r = t_req(&e, "writer", sid, CALL_WRITE);
    CHECK(r && r->status == 200);
    if (r) fmcp_http_response_destroy(r);
    CHECK_EQ_INT(as_requests, 2);
    /* a caller of another principal cannot use the session */
    r = t_req(&e, "service", sid, CALL_WHOAMI);
    CHECK(r && r->status != 200);
    if (r) fmcp_http_response_destroy(r);
    /* the cache never keeps a verdict past cache_max_seconds (300): asked again */
    t_wall_offset = 301;
    CHECK_EQ_INT(t_status(&e, "reader"), 200);
    CHECK_EQ_INT(as_requests, 4);
    CHECK_EQ_INT(t_status(&e, "reader"), 200);
    CHECK_EQ_INT(as_requests, 4);
    t_wall_offset = 0;
    t_env_down(&e);
}

static void test_cache_until_exp(void)
{
    t_env e;
    fmcp_introspect_desc id;
    t_wall_offset = 0;
    t_basic_id(&id);
    id.cache_max_seconds = 3600;
    if (!t_env_up(&e, &id, NULL)) { CHECK(0); t_env_down(&e); return; }
    CHECK_EQ_INT(t_status(&e, "short"), 200);    /* exp = now + 30 */
    CHECK_EQ_INT(t_status(&e, "short"), 200);
    CHECK_EQ_INT(as_requests, 1);
    t_wall_offset = 31;                              /* past exp: the entry is gone */
    CHECK_EQ_INT(t_status(&e, "short"), 200);
    CHECK_EQ_INT(as_requests, 2);
    t_wall_offset = 0;
    t_env_down(&e);
}

static void test_rejections(void)
{
    static const char *const toks[] = { "inactive", "expired", "wrongaud", "noaud", "wrongiss", "unknown-thing" };
    t_env e;
    fmcp_introspect_desc id;
    fmcp_http_response *r;
    size_t i;
    t_wall_offset = 0;
    t_basic_id(&id);
    if (!t_env_up(&e, &id, NULL)) { CHECK(0); t_env_down(&e); return; }
    for (i = 0; i < sizeof toks / sizeof toks[0]; i++) {
        r = t_req(&e, toks[i], NULL, INIT);
        CHECKF(r && r->status == 401 && t_has(r, "WWW-Authenticate", "invalid_token"), "token %s", toks[i]);
        if (r) fmcp_http_response_destroy(r);
    }
    CHECK_EQ_INT(as_requests, 6);
    /* no token: 401 without asking anybody */
    CHECK_EQ_INT(t_status(&e, NULL), 401);
    CHECK_EQ_INT(as_requests, 6);
    /* negative answers are cached briefly (5 s by default) */
    CHECK_EQ_INT(t_status(&e, "inactive"), 401);
    CHECK_EQ_INT(as_requests, 6);
    t_wall_offset = 6;
    CHECK_EQ_INT(t_status(&e, "inactive"), 401);
    CHECK_EQ_INT(as_requests, 7);
    t_wall_offset = 0;
    t_env_down(&e);
}

static void test_bad_answers(void)
{
    static const char *const toks[] = { "big", "malformed", "badtype", "notjson", "error500" };
    t_env e;
    fmcp_introspect_desc id;
    fmcp_http_response *r;
    size_t i;
    t_wall_offset = 0;
    if (!(as_big = (char *)malloc(40000))) { CHECK(0); return; }
    memset(as_big, ' ', 39999);
    memcpy(as_big, "{\"active\":true,\"aud\":\"mcp-test\",\"x\":\"", 37);
    memcpy(as_big + 39997, "\"}", 3);
    t_basic_id(&id);
    if (!t_env_up(&e, &id, NULL)) { CHECK(0); t_env_down(&e); free(as_big); return; }
    for (i = 0; i < sizeof toks / sizeof toks[0]; i++) {
        r = t_req(&e, toks[i], NULL, INIT);
        CHECKF(r && r->status == 503 && t_has(r, "Retry-After", "1"), "token %s", toks[i]);
        if (r) fmcp_http_response_destroy(r);
    }
    CHECK_EQ_INT(as_requests, 5);
    /* failures are not cached: asked again */
    CHECK_EQ_INT(t_status(&e, "malformed"), 503);
    CHECK_EQ_INT(as_requests, 6);
    t_env_down(&e);
    free(as_big);
    as_big = NULL;
}

static void test_timeout(void)
{
    t_env e;
    fmcp_introspect_desc id;
    fmcp_http_response *r;
    t_wall_offset = 0;
    t_basic_id(&id);
    id.timeout_ms = 300;
    if (!t_env_up(&e, &id, NULL)) { CHECK(0); t_env_down(&e); return; }
    r = t_req(&e, "slow", NULL, INIT);
    CHECK(r && r->status == 503);
    CHECK(as_held != NULL);
    if (r) fmcp_http_response_destroy(r);
    t_env_down(&e);
}

static void test_client_auth(void)
{
    t_env e;
    fmcp_introspect_desc id;
    fmcp_jwk_private_key *k = (fmcp_jwk_private_key *)malloc(sizeof *k);
    fmcp_jwk_public_key *pub = (fmcp_jwk_public_key *)malloc(sizeof *pub);
    fmcp_jwt_verifier_desc vd;
    const char *keys[1], *algs[1] = { "ES256" }, *iss[1] = { "rs" }, *aud[1];
    char pem[4096], pubpem[1024];
    size_t n = 0;
    t_wall_offset = 0;
    /* client_secret_post */
    t_basic_id(&id);
    id.client_auth = FMCP_INTROSPECT_CLIENT_SECRET_POST;
    as_auth_mode = 1;
    if (!t_env_up(&e, &id, NULL)) CHECK(0);
    else { CHECK_EQ_INT(t_status(&e, "reader"), 200); CHECK_EQ_INT(as_bad_auth, 0); }
    t_env_down(&e);
    /* wrong secret: the endpoint refuses us, the caller gets 503 (not the token's fault) */
    t_basic_id(&id);
    id.client_secret = "wrong";
    if (!t_env_up(&e, &id, NULL)) CHECK(0);
    else { CHECK_EQ_INT(t_status(&e, "reader"), 503); CHECK_EQ_INT(as_bad_auth, 1); }
    t_env_down(&e);
    /* private_key_jwt with an ES256 key; the assertion's aud is the issuer */
    if (!k || !pub || fmcp_jwk_generate(FMCP_JWS_ES256, 0, k) != FMCP_OK ||
        fmcp_jwk_private_to_pem(k, pem, sizeof pem, &n) != FMCP_OK || fmcp_jwk_public_of(k, pub) != FMCP_OK ||
        fmcp_jwk_public_to_pem(pub, pubpem, sizeof pubpem, &n) != FMCP_OK) {
        CHECK(0); free(k); free(pub); return;
    }
    memset(&vd, 0, sizeof vd);
    keys[0] = pubpem; aud[0] = "https://issuer.test";
    vd.keys = keys; vd.key_count = 1; vd.algorithms = algs; vd.algorithm_count = 1;
    vd.issuers = iss; vd.issuer_count = 1; vd.audiences = aud; vd.audience_count = 1;
    CHECK_OK(fmcp_jwt_verifier_create(&vd, &as_assert_v));
    t_basic_id(&id);
    id.client_secret = NULL;
    id.client_auth = FMCP_INTROSPECT_PRIVATE_KEY_JWT;
    id.private_key = pem; id.key_id = "rs-key";
    as_auth_mode = 2;
    if (!t_env_up(&e, &id, NULL)) CHECK(0);
    else {
        CHECK_EQ_INT(t_status(&e, "reader"), 200);
        CHECK_EQ_INT(t_status(&e, "writer"), 200);
        CHECK_EQ_INT(as_requests, 2);
        CHECK_EQ_INT(as_bad_auth, 0);
    }
    t_env_down(&e);
    fmcp_jwt_verifier_destroy(as_assert_v);
    as_assert_v = NULL;
    as_auth_mode = 0;
    fmcp_wipe(k, sizeof *k);
    free(k); free(pub);
}

/* JWT when the token parses as one, introspection otherwise. */
static void test_combined(void)
{
    t_env e;
    fmcp_introspect_desc id;
    fmcp_auth_desc ad;
    fmcp_jwk_private_key *k = (fmcp_jwk_private_key *)malloc(sizeof *k);
    fmcp_jwk_public_key *pub = (fmcp_jwk_public_key *)malloc(sizeof *pub);
    fmcp_jwt_issue_desc jd;
    const char *keys[1], *algs[1] = { "ES256" }, *sc[1] = { "mcp:read" };
    char pubpem[1024], *jwt = NULL;
    size_t n = 0;
    t_wall_offset = 0;
    if (!k || !pub || fmcp_jwk_generate(FMCP_JWS_ES256, 0, k) != FMCP_OK || fmcp_jwk_public_of(k, pub) != FMCP_OK ||
        fmcp_jwk_public_to_pem(pub, pubpem, sizeof pubpem, &n) != FMCP_OK) {
        CHECK(0); free(k); free(pub); return;
    }
    memset(&jd, 0, sizeof jd);
    jd.subject = "jwt-user"; jd.issuer = "https://issuer.test"; jd.audiences = aud1; jd.audience_count = 1;
    jd.scopes = sc; jd.scope_count = 1;
    CHECK_OK(fmcp_jwt_issue_key(k, &jd, NULL, &jwt, &n));
    memset(&ad, 0, sizeof ad);
    keys[0] = pubpem;
    ad.keys = keys; ad.key_count = 1; ad.algorithms = algs; ad.algorithm_count = 1;
    t_basic_id(&id);
    if (!t_env_up(&e, &id, &ad) || !jwt) CHECK(0);
    else {
        CHECK_EQ_INT(t_status(&e, jwt), 200);
        CHECK_EQ_INT(as_requests, 0);        /* verified locally */
        CHECK_EQ_INT(t_status(&e, "reader"), 200);
        CHECK_EQ_INT(as_requests, 1);
        jwt[n - 1] = jwt[n - 1] == 'A' ? 'B' : 'A';   /* a JWT that does not verify is not introspected */
        CHECK_EQ_INT(t_status(&e, jwt), 401);
        CHECK_EQ_INT(as_requests, 1);
    }
    t_env_down(&e);
    if (jwt) fmcp_free_text(NULL, jwt, n);
    fmcp_wipe(k, sizeof *k);
    free(k); free(pub);
}

/* Several requests for one token while its introspection runs: one fetch, all answered. */
static void test_parked_together(void)
{
    t_env e;
    fmcp_introspect_desc id;
    fmcp_http_client_req c;
    fmcp_http_header h[3];
    t_resp r[4];
    char url[128];
    int i, j, done;
    t_wall_offset = 0;
    t_basic_id(&id);
    if (!t_env_up(&e, &id, NULL)) { CHECK(0); t_env_down(&e); return; }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", (unsigned)e.port);
    h[0].name = "Accept"; h[0].value = "application/json, text/event-stream";
    h[1].name = "Content-Type"; h[1].value = "application/json";
    memset(r, 0, sizeof r);
    for (i = 0; i < 4; i++) {
        memset(&c, 0, sizeof c);
        h[2].name = "Authorization"; h[2].value = i < 3 ? "Bearer writer" : "Bearer inactive";
        c.method = "POST"; c.url = url; c.headers = h; c.nheaders = 3;
        c.body = INIT; c.body_len = strlen(INIT);
        CHECK_OK(fmcp_http_fetch_async(e.loop, &c, t_fetched, &r[i], NULL));
    }
    for (j = 0, done = 0; j < 4000 && done < 4; j++) {
        (void)fmcp_http_step(e.loop, 50);
        for (i = 0, done = 0; i < 4; i++) done += r[i].done;
    }
    for (i = 0; i < 4; i++) {
        CHECK(r[i].done && r[i].rc == FMCP_OK && r[i].res && r[i].res->status == (i < 3 ? 200 : 401));
        if (r[i].res) fmcp_http_response_destroy(r[i].res);
    }
    CHECK_EQ_INT(as_requests, 2);
    t_env_down(&e);
}

static void test_create_checks(void)
{
    fmcp_introspect_desc id;
    fmcp_introspect *in = NULL;
    fmcp_auth_desc ad;
    fmcp_auth *a = NULL;
    const char *why = NULL;
    t_basic_id(&id);
    id.endpoint = "https://as.example/introspect";
    id.audiences = aud1; id.audience_count = 1; id.problem = &why;
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_UNSUPPORTED);
    CHECK(in == NULL && why && strstr(why, "transport"));
    id.endpoint = "ftp://x";
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_INVALID_ARG);
    id.endpoint = "http://127.0.0.1:1/introspect";
    id.client_secret = NULL;
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_INVALID_ARG);
    CHECK(why && strstr(why, "client_secret"));
    id.client_secret = "s"; id.client_id = NULL;
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_INVALID_ARG);
    CHECK(why && strstr(why, "client_id"));
    id.client_id = "rs"; id.client_auth = FMCP_INTROSPECT_PRIVATE_KEY_JWT;
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_INVALID_ARG);
    id.private_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_BAD_KEY);
    CHECK(why && strstr(why, "private"));
    id.client_auth = FMCP_INTROSPECT_CLIENT_SECRET_BASIC;
    id.audience_count = 0;
    CHECK_EQ_INT(fmcp_introspect_create(&id, &in), FMCP_ERR_INVALID_ARG);
    CHECK(why && strstr(why, "audiences"));
    id.allow_any_audience = 1;
    CHECK_OK(fmcp_introspect_create(&id, &in));
    CHECK(why == NULL);
    fmcp_introspect_destroy(in);
    /* through the auth module: introspection alone is enough to check tokens */
    memset(&ad, 0, sizeof ad);
    t_basic_id(&id);
    id.endpoint = "http://127.0.0.1:1/introspect";
    ad.introspection = &id; ad.audiences = aud1; ad.audience_count = 1; ad.problem = &why;
    CHECK_OK(fmcp_auth_create(&ad, &a));
    fmcp_auth_destroy(a);
    a = NULL;
    id.client_secret = NULL;
    CHECK_EQ_INT(fmcp_auth_create(&ad, &a), FMCP_ERR_INVALID_ARG);
    CHECK(a == NULL && why && strstr(why, "client_secret"));
    id.client_secret = "s"; id.endpoint = "https://as.example/introspect";
    CHECK_EQ_INT(fmcp_auth_create(&ad, &a), FMCP_ERR_UNSUPPORTED);
    ad.audience_count = 0;
    id.endpoint = "http://127.0.0.1:1/introspect";
    CHECK_EQ_INT(fmcp_auth_create(&ad, &a), FMCP_ERR_INVALID_ARG);
    CHECK(why && strstr(why, "audiences"));
}

static int sweep_done;
static void sweep_cb(void *user, const uint8_t hash[FMCP_SHA256_SIZE])
{
    (void)user; (void)hash;
    sweep_done++;
}

static void test_alloc_sweep(void)
{
    t_env e;
    fmcp_introspect_desc id;
    fmcp_jwk_private_key *k = (fmcp_jwk_private_key *)malloc(sizeof *k);
    char pem[4096];
    size_t n = 0;
    t_wall_offset = 0;
    if (!k || fmcp_jwk_generate(FMCP_JWS_ES256, 0, k) != FMCP_OK ||
        fmcp_jwk_private_to_pem(k, pem, sizeof pem, &n) != FMCP_OK || !t_as_up(&e)) {
        CHECK(0); free(k); t_env_down(&e); return;
    }
    t_basic_id(&id);
    id.endpoint = as_url; id.audiences = aud1; id.audience_count = 1; id.alloc = &t_alloc;
    id.loop = e.loop; id.issuer = "https://issuer.test";
    T_ALLOC_SWEEP({ fmcp_introspect *in = NULL; t_rc = fmcp_introspect_create(&id, &in); fmcp_introspect_destroy(in); });
    id.client_auth = FMCP_INTROSPECT_PRIVATE_KEY_JWT; id.private_key = pem;
    T_ALLOC_SWEEP({ fmcp_introspect *in = NULL; t_rc = fmcp_introspect_create(&id, &in); fmcp_introspect_destroy(in); });
    /* a check that starts a fetch, and the answer: every failure is reported or harmless */
    id.client_auth = FMCP_INTROSPECT_CLIENT_SECRET_BASIC;
    T_ALLOC_SWEEP({
        fmcp_introspect *in = NULL;
        fmcp_introspect_verdict v;
        int i;
        t_rc = fmcp_introspect_create(&id, &in);
        if (t_rc == FMCP_OK) {
            fmcp_introspect_on_done(in, sweep_cb, NULL);
            sweep_done = 0;
            t_rc = fmcp_introspect_check(in, "reader", 6, 1, &v);
            if (t_rc == FMCP_OK && v.state == FMCP_INTROSPECT_PENDING) {
                for (i = 0; i < 400 && !sweep_done; i++) (void)fmcp_http_step(e.loop, 50);
                t_rc = fmcp_introspect_check(in, "reader", 6, 0, &v);
                /* out of memory on the way shows as a verdict that is not ACTIVE */
                if (t_rc == FMCP_OK && v.state != FMCP_INTROSPECT_ACTIVE) t_rc = FMCP_ERR_NOMEM;
                if (t_rc == FMCP_OK) CHECK(v.subject && strcmp(v.subject, "alice") == 0);
            } else if (t_rc == FMCP_OK) {
                t_rc = FMCP_ERR_NOMEM;   /* could not start: only allocation failures here */
            }
        }
        fmcp_introspect_destroy(in);
    });
    /* the auth module with introspection */
    {
        fmcp_auth_desc ad;
        memset(&ad, 0, sizeof ad);
        id.alloc = NULL;
        ad.introspection = &id; ad.audiences = aud1; ad.audience_count = 1; ad.alloc = &t_alloc;
        ad.required_scopes = aud1; ad.required_scope_count = 1;
        T_ALLOC_SWEEP({ fmcp_auth *a = NULL; t_rc = fmcp_auth_create(&ad, &a); fmcp_auth_destroy(a); });
    }
    fmcp_wipe(k, sizeof *k);
    free(k);
    t_env_down(&e);
}

int main(void)
{
    size_t bn = 0;
    t_use_wall_clock();
    if (fmcp_b64_encode(FMCP_B64_STD, "rs:s3cret", 9, as_basic + 6, sizeof as_basic - 6, &bn) == FMCP_OK)
        memcpy(as_basic, "Basic ", 6);
    T_RUN(test_looks_jwt);
    T_RUN(test_active_and_cache);
    T_RUN(test_cache_until_exp);
    T_RUN(test_rejections);
    T_RUN(test_bad_answers);
    T_RUN(test_timeout);
    T_RUN(test_client_auth);
    T_RUN(test_combined);
    T_RUN(test_parked_together);
    T_RUN(test_create_checks);
    T_RUN(test_alloc_sweep);
    return t_finish("introspect");
}

#else
int main(void)
{
    printf("RESULT 0 0 1\n");
    return 0;
}
#endif
