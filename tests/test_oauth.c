/* Tests for the OAuth 2.1 client: PKCE against RFC 7636 Appendix B,
 * WWW-Authenticate parsing, discovery URLs, scope selection, and whole flows
 * against a fake authorization server + MCP resource server written here on
 * the project's http server (127.0.0.1, port 0, its own loop thread). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#define T_THREADS
#include "test.h"
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <stdio.h>

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

/* Basic client credentials (RFC 6749 2.3.1): id and secret form-encoded,
 * then base64; every allocation failure reported, nothing leaked. */
static void test_basic_credentials(void)
{
    fmcp__buf b;
    fmcp__buf_init(&b, NULL, 1);
    CHECK(fmcp__oauth_basic(NULL, "client 1", "s:e/c", &b) == FMCP_OK);
    CHECK(b.p && strcmp(b.p, "Basic Y2xpZW50JTIwMTpzJTNBZSUyRmM=") == 0);
    fmcp__buf_free(&b);
    T_ALLOC_SWEEP({
        fmcp__buf_init(&b, &t_alloc, 1);
        t_rc = fmcp__oauth_basic(&t_alloc, "client 1", "s:e/c", &b) != FMCP_OK;
        fmcp__buf_free(&b);
    });
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
    /* DPoP (RFC 9449 7.1): read when there is no Bearer challenge */
    CHECK_OK(fmcp_oauth_parse_www_authenticate("DPoP error=\"use_dpop_nonce\", algs=\"ES256\"", &c));
    CHECK_STR(c.error, "use_dpop_nonce");
    CHECK_OK(fmcp_oauth_parse_www_authenticate("DPoP error=\"d\", realm=\"r\", Bearer scope=\"b\"", &c));
    CHECK_STR(c.error, "");
    CHECK_STR(c.realm, "");
    CHECK_STR(c.scope, "b");
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
    fmcp__buf b;
    fmcp__buf_init(&b, NULL, 1);
    fmcp__oa_page(&b, "<script>alert('x')</script>", "a&b\"c");
    CHECK(b.err == FMCP_OK);
    CHECK(b.p && strstr(b.p, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != NULL);
    CHECK(b.p && strstr(b.p, "a&amp;b&quot;c") != NULL);
    CHECK(b.p && strstr(b.p, "<script") == NULL);
    fmcp__buf_free(&b);
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
    /* grants without a browser, DPoP */
    const char *basic;             /* expected Authorization of token requests (NULL = any) */
    int assertion_alg;             /* private_key_jwt expected: 1 ES256 (ec_pub), 2 RS256 (rsa_pub) */
    fmcp_ec_public_key ec_pub;
    fmcp_rsa_public_key rsa_pub;
    const char *want_assertion;    /* JWT bearer: the assertion expected ("" = from /idp/token) */
    int idp_calls, dpop, as_nonce, rs_nonce, dpop_bad;
    char last_grant[96], last_jti[8][48];
    int njti;
    /* authorization-server migration: the PRM names base/as2 once as2 is set;
     * tokens up to number old_tokens are then refused */
    int as2, here_as2, old_tokens, as2_registrations;
    char last_client[64];
} F;

/* The issuer answering this request (base, or base/as2). */
static const char *fake_iss(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s", F.base, F.here_as2 ? "/as2" : "");
    return buf;
}

/* Decodes JWT part i (0 header, 1 payload) into a parsed document. */
static fmcp_json_doc *jwt_part(const char *jwt, int i)
{
    char bin[2048];
    size_t n = 0, len;
    fmcp_json_doc *d = NULL;
    for (; i > 0; i--) { jwt = strchr(jwt, '.'); if (!jwt) return NULL; jwt++; }
    len = strcspn(jwt, ".");
    if (fmcp_b64_decode(FMCP_B64_URL, jwt, len, bin, sizeof bin, &n) != FMCP_OK) return NULL;
    if (fmcp_json_parse(bin, n, NULL, &d, NULL) != FMCP_OK) return NULL;
    return d;
}

/* Checks a JWS signature: ES256 with pub, or RS256 with rsa. */
static int jwt_sig_ok(const char *jwt, const fmcp_ec_public_key *pub, const fmcp_rsa_public_key *rsa)
{
    const char *dot2 = strrchr(jwt, '.');
    uint8_t d[32], sig[512];
    size_t n = 0;
    if (!dot2) return 0;
    fmcp_sha256(jwt, (size_t)(dot2 - jwt), d);
    if (fmcp_b64_decode(FMCP_B64_URL, dot2 + 1, strlen(dot2 + 1), sig, sizeof sig, &n) != FMCP_OK) return 0;
    if (pub) return fmcp_ecdsa_verify(pub, d, sizeof d, sig, n) == FMCP_OK;
    return fmcp_rsa_verify_sha256(rsa, 0, d, sig, n) == FMCP_OK;
}

/* A DPoP proof (RFC 9449 4.2) for htm/htu, bound to token (NULL: none),
 * carrying nonce (NULL: none); a jti seen before fails. */
static int proof_ok(const char *proof, const char *htm, const char *htu, const char *token, const char *nonce)
{
    fmcp_json_doc *h = proof ? jwt_part(proof, 0) : NULL, *p = proof ? jwt_part(proof, 1) : NULL;
    const fmcp_json *jwk = fmcp_json_get(fmcp_json_root(h), "jwk");
    fmcp_ec_public_key pub;
    uint8_t x[32], y[32];
    size_t xn = 0, yn = 0;
    int ok = h && p && strcmp(fmcp_json_get_str(fmcp_json_root(h), "typ", ""), "dpop+jwt") == 0 &&
             strcmp(fmcp_json_get_str(fmcp_json_root(h), "alg", ""), "ES256") == 0 && !fmcp_json_get(jwk, "d") &&
             fmcp_b64_decode(FMCP_B64_URL, fmcp_json_get_str(jwk, "x", ""), strlen(fmcp_json_get_str(jwk, "x", "")), x, 32, &xn) == FMCP_OK &&
             fmcp_b64_decode(FMCP_B64_URL, fmcp_json_get_str(jwk, "y", ""), strlen(fmcp_json_get_str(jwk, "y", "")), y, 32, &yn) == FMCP_OK &&
             xn == 32 && yn == 32 && fmcp_ec_public_from_xy(&pub, FMCP_EC_P256, x, 32, y, 32) == FMCP_OK &&
             jwt_sig_ok(proof, &pub, NULL);
    const fmcp_json *pl = fmcp_json_root(p);
    int i;
    ok = ok && strcmp(fmcp_json_get_str(pl, "htm", ""), htm) == 0 && strcmp(fmcp_json_get_str(pl, "htu", ""), htu) == 0 &&
         fmcp_json_get_int(pl, "iat", 0) > fmcp_time_now() - 60 && fmcp_json_get_int(pl, "iat", 0) <= fmcp_time_now() + 1 &&
         strlen(fmcp_json_get_str(pl, "jti", "")) >= 16;
    if (ok && token) {
        char ath[48];
        size_t n = 0;
        fmcp_sha256(token, strlen(token), x);
        fmcp_b64_encode(FMCP_B64_URL, x, 32, ath, sizeof ath, &n);
        ok = strcmp(fmcp_json_get_str(pl, "ath", ""), ath) == 0;
    } else if (ok) {
        ok = fmcp_json_get(pl, "ath") == NULL;
    }
    if (ok) ok = nonce ? strcmp(fmcp_json_get_str(pl, "nonce", ""), nonce) == 0 : fmcp_json_get(pl, "nonce") == NULL;
    for (i = 0; ok && i < F.njti && i < 8; i++)
        if (strcmp(F.last_jti[i], fmcp_json_get_str(pl, "jti", "")) == 0) ok = 0;
    if (ok) snprintf(F.last_jti[F.njti++ % 8], sizeof F.last_jti[0], "%s", fmcp_json_get_str(pl, "jti", ""));
    if (h) fmcp_json_doc_destroy(h);
    if (p) fmcp_json_doc_destroy(p);
    return ok;
}

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
    if (!F.prm_resource) snprintf(b, sizeof b, "{\"resource\":\"%s/mcp\",\"authorization_servers\":[\"%s%s\"],"
                                  "\"scopes_supported\":[\"mcp:read\"]}", F.base, F.base, F.as2 ? "/as2" : "");
    respond_json(req, 200, b);
}

static void fake_asm(fmcp_http_req *req)
{
    char b[1024], az[256], pk[64], iss[96];
    fake_iss(iss, sizeof iss);
    if (F.authz_ep) snprintf(az, sizeof az, "%s", F.authz_ep);
    else snprintf(az, sizeof az, "\"%s/authorize\"", iss);
    snprintf(pk, sizeof pk, "\"code_challenge_methods_supported\":[\"%s\"],", F.no_s256 ? "plain" : "S256");
    snprintf(b, sizeof b, "{\"issuer\":\"%s%s\",\"authorization_endpoint\":%s,\"token_endpoint\":\"%s/token\","
             "\"registration_endpoint\":\"%s/register\",%s"
             "\"scopes_supported\":[\"mcp:read\",\"mcp:write\",\"offline_access\"],"
             "\"authorization_response_iss_parameter_supported\":%s}",
             iss, F.issuer_slash ? "/" : "", az, iss, iss, F.no_pkce_member ? "" : pk,
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
    if (d) fmcp_json_doc_destroy(d);
    F.registrations++;
    if (F.here_as2) F.as2_registrations++;
    if (!ok) { respond_json(req, 400, "{\"error\":\"invalid_client_metadata\"}"); return; }
    respond_json(req, 201, F.here_as2 ? "{\"client_id\":\"client-as2\",\"token_endpoint_auth_method\":\"none\"}"
                                      : "{\"client_id\":\"client-1\",\"token_endpoint_auth_method\":\"none\"}");
}

static void fake_authorize(fmcp_http_req *req)
{
    const char *q = fmcp_http_req_query(req);
    char redirect[256], state[128], method[16], loc[1024], iss[96], iss_enc[128];
    fmcp_http_header h[1];
    F.authorizations++;
    form_get(q, "client_id", F.last_client, sizeof F.last_client);
    {   /* the issuer, form-encoded for the redirect */
        fmcp__buf e;
        fmcp__buf_init(&e, NULL, 1);
        fake_iss(iss, sizeof iss);
        fmcp__buf_put_pct(&e, iss, strlen(iss));
        snprintf(iss_enc, sizeof iss_enc, "%s", e.p ? e.p : "");
        fmcp__buf_free(&e);
    }
    form_get(q, "redirect_uri", redirect, sizeof redirect);
    form_get(q, "state", state, sizeof state);
    form_get(q, "code_challenge_method", method, sizeof method);
    form_get(q, "code_challenge", F.challenge, sizeof F.challenge);
    form_get(q, "scope", F.last_scope, sizeof F.last_scope);
    form_get(q, "resource", F.last_resource, sizeof F.last_resource);
    if (strcmp(method, "S256") != 0 || !redirect[0]) { respond_json(req, 400, "{}"); return; }
    snprintf(F.code, sizeof F.code, "code-%d", F.authorizations);
    snprintf(loc, sizeof loc, "%s?code=%s&state=%s%s%s", redirect, F.code, state, F.omit_iss ? "" : "&iss=",
             F.omit_iss ? "" : F.wrong_iss ? "http%3A%2F%2Fevil.example" : iss_enc);
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
    snprintf(b, sizeof b, "{\"access_token\":%s%s%s,\"token_type\":\"%s\",\"expires_in\":%d,\"scope\":\"%s\"%s%s%s}",
             F.access_json ? "" : "\"", F.access_json ? F.access_json : F.access[i], F.access_json ? "" : "\"",
             F.dpop ? "DPoP" : "Bearer", F.expires_in, scope, new_refresh ? ",\"refresh_token\":\"" : "",
             new_refresh ? F.refresh : "", new_refresh ? "\"" : "");
    respond_json(req, 200, b);
}

static void fake_token(fmcp_http_req *req)
{
    size_t n;
    const char *body = fmcp_http_req_body(req, &n);
    char grant[64], v[128], res[256];
    const char *auth = fmcp_http_req_header(req, "authorization");
    char tok_ep[96];
    F.token_calls++;
    if (F.token_status) { respond_json(req, F.token_status, "{\"error\":\"invalid_grant\"}"); return; }
    form_get(body, "grant_type", grant, sizeof grant);
    form_get(body, "resource", res, sizeof res);
    snprintf(F.last_grant, sizeof F.last_grant, "%s", grant);
    if (strcmp(res, F.last_resource) != 0) { respond_json(req, 400, "{\"error\":\"invalid_target\"}"); return; }
    if (F.basic && (!auth || strcmp(auth, F.basic) != 0)) { respond_json(req, 401, "{\"error\":\"invalid_client\"}"); return; }
    if (F.assertion_alg) {           /* private_key_jwt: RFC 7523 2.2 */
        char a[2048], t[96], cid[64];
        fmcp_json_doc *h, *p;
        int ok;
        form_get(body, "client_assertion", a, sizeof a);
        form_get(body, "client_assertion_type", t, sizeof t);
        form_get(body, "client_id", cid, sizeof cid);
        h = jwt_part(a, 0); p = jwt_part(a, 1);
        ok = h && p && strcmp(t, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") == 0 &&
             strcmp(fmcp_json_get_str(fmcp_json_root(h), "alg", ""), F.assertion_alg == 1 ? "ES256" : "RS256") == 0 &&
             strcmp(fmcp_json_get_str(fmcp_json_root(p), "iss", ""), cid) == 0 &&
             strcmp(fmcp_json_get_str(fmcp_json_root(p), "sub", ""), cid) == 0 &&
             strcmp(fmcp_json_get_str(fmcp_json_root(p), "aud", ""), F.base) == 0 &&
             fmcp_json_get_int(fmcp_json_root(p), "exp", 0) > fmcp_time_now() &&
             fmcp_json_get_str(fmcp_json_root(p), "jti", NULL) &&
             jwt_sig_ok(a, F.assertion_alg == 1 ? &F.ec_pub : NULL, &F.rsa_pub);
        if (h) fmcp_json_doc_destroy(h);
        if (p) fmcp_json_doc_destroy(p);
        if (!ok) { respond_json(req, 401, "{\"error\":\"invalid_client\"}"); return; }
    }
    if (F.dpop) {                    /* RFC 9449 5 and 8 */
        fmcp_http_header h[1];
        snprintf(tok_ep, sizeof tok_ep, "%s/token", F.base);
        h[0].name = "DPoP-Nonce"; h[0].value = "as-n1";
        if (F.as_nonce && !proof_ok(fmcp_http_req_header(req, "dpop"), "POST", tok_ep, NULL, "as-n1")) {
            fmcp_http_respond(req, 400, h, 1, "{\"error\":\"use_dpop_nonce\"}", 24);
            return;
        }
        if (!F.as_nonce && !proof_ok(fmcp_http_req_header(req, "dpop"), "POST", tok_ep, NULL, NULL)) {
            F.dpop_bad++;
            respond_json(req, 400, "{\"error\":\"invalid_dpop_proof\"}");
            return;
        }
    }
    if (strcmp(grant, "client_credentials") == 0) {
        char sc[128];
        form_get(body, "scope", sc, sizeof sc);
        fake_issue(req, sc, 0);
    } else if (strcmp(grant, "urn:ietf:params:oauth:grant-type:jwt-bearer") == 0) {
        char a[256];
        form_get(body, "assertion", a, sizeof a);
        if (!F.want_assertion || strcmp(a, F.want_assertion) != 0) { respond_json(req, 400, "{\"error\":\"invalid_grant\"}"); return; }
        fake_issue(req, "mcp:read", 0);
    } else if (strcmp(grant, "authorization_code") == 0) {
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

static int proof_has_nonce(const char *proof)
{
    fmcp_json_doc *d = jwt_part(proof, 1);
    int has = d && fmcp_json_get(fmcp_json_root(d), "nonce") != NULL;
    if (d) fmcp_json_doc_destroy(d);
    return has;
}

/* The scope the presented token carries, or NULL when it is not one of ours. */
static const char *fake_token_scope(fmcp_http_req *req)
{
    const char *a = fmcp_http_req_header(req, "authorization");
    int i;
    size_t skip = F.dpop ? 5 : 7;
    if (!a || strncmp(a, F.dpop ? "DPoP " : "Bearer ", skip) != 0) return NULL;
    if (F.old_tokens && strncmp(a + skip, "at-", 3) == 0 && atoi(a + skip + 3) <= F.old_tokens) return NULL;
    for (i = 0; i < 8 && i < F.naccess; i++)
        if (strcmp(a + skip, F.access[i]) == 0) {
            char htu[96];
            snprintf(htu, sizeof htu, "%s/mcp", F.base);
            const char *pr = fmcp_http_req_header(req, "dpop");
            if (F.dpop && !proof_ok(pr, fmcp_http_req_method(req), htu, a + skip, F.rs_nonce ? "rs-n1" : NULL)) {
                /* without any nonce under rs_nonce: the challenge follows, not a fault */
                if (!(F.rs_nonce && pr && !proof_has_nonce(pr))) F.dpop_bad++;
                return NULL;
            }
            return F.access_scope[i];
        }
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
        const char *a = fmcp_http_req_header(req, "authorization");
        if (F.dpop && F.rs_nonce && a && strncmp(a, "DPoP ", 5) == 0) {
            /* a bound token without our nonce: RFC 9449 9 */
            const char *pr = fmcp_http_req_header(req, "dpop");
            fmcp_json_doc *pd = pr ? jwt_part(pr, 1) : NULL;
            if (!pd || !fmcp_json_get(fmcp_json_root(pd), "nonce")) {
                h[1].name = "DPoP-Nonce"; h[1].value = "rs-n1";
                snprintf(hdr, sizeof hdr, "DPoP error=\"use_dpop_nonce\", resource_metadata=\"%s/.well-known/oauth-protected-resource/mcp\"", F.base);
                if (pd) fmcp_json_doc_destroy(pd);
                fmcp_http_respond(req, 401, h, 2, "{}", 2);
                return;
            }
            if (pd) fmcp_json_doc_destroy(pd);
        }
        snprintf(hdr, sizeof hdr, "%s error=\"invalid_token\", resource_metadata=\"%s/.well-known/oauth-protected-resource/mcp\"",
                 F.dpop ? "DPoP" : "Bearer", F.base);
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
    fmcp_json_doc_destroy(d);
}

/* The enterprise IdP's RFC 8693 token exchange: an ID token for an ID-JAG. */
static void fake_idp(fmcp_http_req *req)
{
    size_t n;
    const char *body = fmcp_http_req_body(req, &n);
    char g[96], rt[96], st[96], sub[64], aud[96], res[128], cid[64], want[128];
    F.idp_calls++;
    form_get(body, "grant_type", g, sizeof g);
    form_get(body, "requested_token_type", rt, sizeof rt);
    form_get(body, "subject_token_type", st, sizeof st);
    form_get(body, "subject_token", sub, sizeof sub);
    form_get(body, "audience", aud, sizeof aud);
    form_get(body, "resource", res, sizeof res);
    form_get(body, "client_id", cid, sizeof cid);
    snprintf(want, sizeof want, "%s/mcp", F.base);
    if (strcmp(g, "urn:ietf:params:oauth:grant-type:token-exchange") != 0 ||
        strcmp(rt, "urn:ietf:params:oauth:token-type:id-jag") != 0 ||
        strcmp(st, "urn:ietf:params:oauth:token-type:id_token") != 0 || strcmp(sub, "id-token-1") != 0 ||
        strcmp(aud, F.base) != 0 || strcmp(res, want) != 0 || strcmp(cid, "idp-client") != 0) {
        respond_json(req, 400, "{\"error\":\"invalid_request\"}");
        return;
    }
    respond_json(req, 200, "{\"access_token\":\"jag-1\",\"issued_token_type\":"
                 "\"urn:ietf:params:oauth:token-type:id-jag\",\"token_type\":\"N_A\"}");
}

static void fake_handler(fmcp_http_req *req, void *user)
{
    const char *p = fmcp_http_req_path(req);
    (void)user;
    pthread_mutex_lock(&F.mu);
    F.here_as2 = 0;
    if (strcmp(p, "/.well-known/oauth-authorization-server/as2") == 0) { F.here_as2 = 1; p = "/.well-known/oauth-authorization-server"; }
    else if (strncmp(p, "/as2/", 5) == 0) { F.here_as2 = 1; p += 4; }
    if (strcmp(p, "/.well-known/oauth-protected-resource/mcp") == 0) fake_prm(req);
    else if (strcmp(p, "/.well-known/oauth-authorization-server") == 0) fake_asm(req);
    else if (strcmp(p, "/register") == 0) fake_register(req);
    else if (strcmp(p, "/authorize") == 0) fake_authorize(req);
    else if (strcmp(p, "/token") == 0) fake_token(req);
    else if (strcmp(p, "/idp/token") == 0) fake_idp(req);
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
    if (fmcp_http_loop_create(NULL, &F.loop) != FMCP_OK) return 0;
    if (fmcp_http_server_create(F.loop, &sd, &F.srv) != FMCP_OK) { fmcp_http_loop_destroy(F.loop); return 0; }
    snprintf(F.base, sizeof F.base, "http://127.0.0.1:%u", (unsigned)fmcp_http_server_port(F.srv));
    if (pthread_create(&F.th, NULL, fake_main, NULL) != 0) { fmcp_http_loop_destroy(F.loop); return 0; }
    return 1;
}

static void fake_stop(void)
{
    fmcp_http_stop(F.loop);
    pthread_join(F.th, NULL);
    fmcp_http_loop_destroy(F.loop);
    pthread_mutex_destroy(&F.mu);
}

static int fake_get(int *field) { return t_get_locked(&F.mu, field); }

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
    if (!*st && fmcp_oauth_memory_store_create(NULL, st) != FMCP_OK) return NULL;
    d.store = *st;
    snprintf(url, sizeof url, "%s/mcp", F.base);
    if (fmcp_oauth_create(&d, url, &o) != FMCP_OK) return NULL;
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
    if (res) fmcp_json_doc_destroy(res);
    fmcp_client_destroy(c);
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
            if (d) fmcp_json_doc_destroy(d);
            fmcp_free(NULL, data, n + 1);
            data = NULL;
        }
        CHECK_OK(st->load(st->user, NULL, url, "client", &data, &n));
        CHECK(data && strstr(data, "client-1") != NULL);
        if (data) fmcp_free(NULL, data, n + 1);
        /* a second client reuses token and registration: no new flow */
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.authorizations), 1);
        fmcp_oauth_destroy(o);
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
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
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
    fmcp_oauth_destroy(o);
    /* an AS without S256 */
    pthread_mutex_lock(&F.mu);
    F.prm_resource = NULL;
    F.no_s256 = 1;
    pthread_mutex_unlock(&F.mu);
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_ERR_PROTOCOL);
    CHECK_EQ_INT(fake_get(&F.authorizations), 0);
    fmcp_oauth_destroy(o);
    /* a redirect whose iss is not the issuer */
    pthread_mutex_lock(&F.mu);
    F.no_s256 = 0;
    F.wrong_iss = 1;
    pthread_mutex_unlock(&F.mu);
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_login(o) == FMCP_ERR_AUTH);
    CHECK_EQ_INT(fake_get(&F.authorizations), 1);
    CHECK_EQ_INT(fake_get(&F.token_calls), 0);
    fmcp_oauth_destroy(o);
    fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

static void test_corrupt_store_ignored(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char url[96], tok[64], kind[24];
    static const char *bad[] = { "{\"foo\":1}", "{\"access_token\":42}", "{\"access_token\":\"\"}", NULL };
    int i;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    snprintf(url, sizeof url, "%s/mcp", F.base);
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    for (i = 0; bad[i]; i++) {
        CHECK_OK(st->save(st->user, url, "tokens", bad[i], strlen(bad[i])));
        CHECK_OK(st->save(st->user, url, "client", "{\"client_id\":7}", 15));
        fmcp__oa_client_kind(F.base, kind);     /* the issuer's own registration too */
        CHECK_OK(st->save(st->user, url, kind, "{\"client_id\":7}", 15));
        o = new_oauth(&st, NULL);
        CHECK(o != NULL);
        if (!o) continue;
        CHECK(fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND || tok[0] == 0);
        CHECK_OK(fmcp_oauth_login(o));        /* a fresh authorisation instead */
        CHECK_OK(fmcp_oauth_access_token(o, tok, sizeof tok));
        CHECK(strncmp(tok, "at-", 3) == 0);
        fmcp_oauth_destroy(o);
    }
    CHECK_EQ_INT(fake_get(&F.registrations), 3);
    fmcp_oauth_memory_store_destroy(st);
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
        fmcp_http_response_destroy(res);
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
        fmcp_oauth_destroy(o);
    }
    /* nobody comes back: the wait ends at callback_timeout_ms */
    o = new_oauth(&st, NULL);
    if (o) {
        o->d.authorize = NULL;
        o->d.headless = 1;
        o->d.callback_timeout_ms = 200;
        CHECK(fmcp_oauth_login(o) == FMCP_ERR_TIMEOUT);
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

/* ---- review fixes --------------------------------------------------------- */

static fmcp_result login_once(fmcp_oauth_store **st)
{
    fmcp_oauth *o = new_oauth(st, NULL);
    fmcp_result r;
    if (!o) return FMCP_ERR_NOMEM;
    r = fmcp_oauth_login(o);
    fmcp_oauth_destroy(o);
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
        fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_memory_store_destroy(st);
        fake_stop();
    }
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.access_json = "\"A-z0.9_~+/==\"";          /* every b64token character */
    st = NULL;
    CHECK_OK(login_once(&st));
    fmcp_oauth_memory_store_destroy(st);
    snprintf(url, sizeof url, "%s/mcp", F.base);
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    for (i = 0; stored[i]; i++) {
        CHECK_OK(st->save(st->user, url, "tokens", stored[i], strlen(stored[i])));
        o = new_oauth(&st, NULL);
        CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
        fmcp_oauth_destroy(o);
    }
    CHECK_OK(st->save(st->user, url, "tokens", "{\"access_token\":\"t.1~/+=\"}", 26));
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_OK);
    CHECK_STR(tok, "t.1~/+=");
    fmcp_oauth_destroy(o);
    fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_memory_store_destroy(st);
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
    if (!o) { fmcp_oauth_memory_store_destroy(st); fake_stop(); return; }
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
    fmcp_oauth_destroy(o);
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
    fmcp_oauth_destroy(o);
    fmcp_oauth_memory_store_destroy(st);
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
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
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
    fmcp_oauth_destroy(o);
    CHECK_EQ_INT((int)sized_bad, 0);
    fmcp_oauth_memory_store_destroy(st);
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
        if (res) fmcp_json_doc_destroy(res);
        fmcp_client_destroy(c);
    }
    CHECK_EQ_INT(scan_hits, 0);
    fmcp_oauth_destroy(o);
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

static void test_alloc_sweeps(void)
{
    fmcp_oauth_store *st = NULL;
    char url[96], tok[64];
    const char *stored = "{\"access_token\":\"at-x\",\"refresh_token\":\"rt-x\",\"expires_at\":0}";
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    snprintf(url, sizeof url, "http://127.0.0.1:9/mcp");
    CHECK_OK(st->save(st->user, url, "tokens", stored, strlen(stored)));
    T_ALLOC_SWEEP({
        fmcp_oauth_desc d;
        fmcp_oauth *o = NULL;
        memset(&d, 0, sizeof d);
        d.store = st; d.alloc = &t_alloc; d.client_name = "n"; d.scopes = "a b";
        d.additional_client_metadata = "{}";
        t_rc = fmcp_oauth_create(&d, url, &o);
        if (t_rc == FMCP_OK) {
            t_rc = fmcp_oauth_access_token(o, tok, sizeof tok);
            if (t_rc == FMCP_OK) CHECK_STR(tok, "at-x");
            fmcp_oauth_destroy(o);
        }
    });
    fmcp_oauth_memory_store_destroy(st);
}

static int sweep_rc;

/* The whole headless flow (discovery, registration, authorize, token) with
 * every allocation failing in turn: a clean error, nothing leaked. */
static void test_flow_alloc_sweep(void)
{
    fmcp_oauth_store *st = NULL;
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    T_ALLOC_SWEEP({
        fmcp_oauth *o = new_oauth(&st, &t_alloc);
        t_rc = o ? FMCP_OK : FMCP_ERR_NOMEM;
        if (o) {
            t_rc = fmcp_oauth_login(o);
            if (t_rc == FMCP_OK) t_rc = fmcp_oauth_logout(o);
            else (void)fmcp_oauth_logout(o);
            fmcp_oauth_destroy(o);
        }
        sweep_rc = t_rc;
    });
    CHECK_OK(sweep_rc);                  /* the last run went all the way */
    fmcp_oauth_memory_store_destroy(st);
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
    fmcp_oauth_destroy(o);
    snprintf(url, sizeof url, "%s/mcp", F.base);
    CHECK_OK(st->load(st->user, NULL, url, "tokens", &snap, &sn));
    if (!snap) { fmcp_oauth_memory_store_destroy(st); fake_stop(); return; }
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
            fmcp_oauth_destroy(x);
        }
        sweep_rc = t_rc;
    });
    CHECK_OK(sweep_rc);
    CHECK(fake_get(&F.refreshes) >= 1);
    /* the last run went all the way: a token with the stepped-up scope */
    o = new_oauth(&st, NULL);
    CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_OK);
    CHECK(o && o->tok_scope && fmcp__oa_has_scope(o->tok_scope, "mcp:write", 9));
    fmcp_oauth_destroy(o);
    fmcp_free(NULL, snap, sn + 1);
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}


/* ---- grants without a browser, DPoP --------------------------------------- */

static fmcp_oauth *new_grant_oauth(fmcp_oauth_store **st, fmcp_oauth_desc *d)
{
    fmcp_oauth *o = NULL;
    char url[96];
    if (!*st && fmcp_oauth_memory_store_create(NULL, st) != FMCP_OK) return NULL;
    d->store = *st;
    snprintf(url, sizeof url, "%s/mcp", F.base);
    snprintf(F.last_resource, sizeof F.last_resource, "%s", url);   /* no authorize step sets it */
    if (fmcp_oauth_create(d, url, &o) != FMCP_OK) return NULL;
    return o;
}

/* The same on a fresh memory store (the old one destroyed): nothing cached. */
static fmcp_oauth *fresh_grant_oauth(fmcp_oauth_store **st, fmcp_oauth_desc *d)
{
    fmcp_oauth_memory_store_destroy(*st);
    *st = NULL;
    return new_grant_oauth(st, d);
}

/* client_credentials with client_secret_basic: no browser, no registration;
 * the token is reused, and obtained again once it is about to expire. */
static void test_client_credentials_basic(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth_desc d;
    fmcp_oauth *o;
    char text[128];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.basic = "Basic Y2MtMTpzJTNBMw==";            /* "cc-1" : form-encoded "s:3" */
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
    d.client_id = "cc-1";
    d.client_secret = "s:3";
    o = new_grant_oauth(&st, &d);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_STR(text, "mcp:read");                /* the PRM's scope, no offline_access */
        CHECK_STR(F.last_grant, "client_credentials");
        CHECK_EQ_INT(fake_get(&F.token_calls), 1);
        CHECK_EQ_INT(fake_get(&F.registrations), 0);
        CHECK_EQ_INT(fake_get(&F.authorizations), 0);
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.token_calls), 1);  /* reused */
        fmcp_oauth_destroy(o);
        o = NULL;
    }
    /* a token inside the 60 s margin is replaced before use, by the same grant */
    F.expires_in = 30;
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
    d.client_id = "cc-1";
    d.client_secret = "s:3";
    d.store = NULL;
    o = fresh_grant_oauth(&st, &d);
    if (o) {
        int before;
        CHECK_OK(connect_and_call(o, text, sizeof text));
        before = fake_get(&F.token_calls);
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK(fake_get(&F.token_calls) > before);
        CHECK_EQ_INT(fake_get(&F.authorizations), 0);
        fmcp_oauth_destroy(o);
    }
    /* wrong secret: refused, and no browser flow instead */
    F.expires_in = 3600;
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
    d.client_id = "cc-1";
    d.client_secret = "nope";
    o = fresh_grant_oauth(&st, &d);
    if (o) {
        CHECK(connect_and_call(o, text, sizeof text) == FMCP_ERR_AUTH);
        CHECK_EQ_INT(fake_get(&F.authorizations), 0);
        fmcp_oauth_destroy(o);
    }
    /* no client_id: nothing to authenticate as */
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
    d.store = st;
    CHECK(fmcp_oauth_create(&d, "http://127.0.0.1:1/mcp", &o) == FMCP_ERR_INVALID_ARG);
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

/* PKCS#8 PEM of a P-256 scalar (no public key member, as jose writes it
 * without one too). */
static void ec_pkcs8_pem(const uint8_t d[32], char *out, size_t cap)
{
    static const uint8_t pre[] = { 0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
                                   0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20 };
    uint8_t der[sizeof pre + 32];
    char b64[128];
    size_t n = 0;
    memcpy(der, pre, sizeof pre);
    memcpy(der + sizeof pre, d, 32);
    fmcp_b64_encode(FMCP_B64_STD, der, sizeof der, b64, sizeof b64, &n);
    snprintf(out, cap, "-----BEGIN PRIVATE KEY-----\n%.64s\n%s\n-----END PRIVATE KEY-----\n", b64, n > 64 ? b64 + 64 : "");
}

/* private_key_jwt (RFC 7523 2.2) with an ES256 and an RS256 key. */
static void test_private_key_jwt(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth_desc d;
    fmcp_oauth *o;
    fmcp_ec_private_key k;
    char pem[512], text[128];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    CHECK_OK(fmcp_ec_keygen(FMCP_EC_P256, &k));
    F.ec_pub = k.pub;
    F.assertion_alg = 1;
    ec_pkcs8_pem(k.d, pem, sizeof pem);
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
    d.client_id = "jwt-client";
    d.private_key_pem = pem;
    o = new_grant_oauth(&st, &d);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.token_calls), 1);
        CHECK_STR(F.last_grant, "client_credentials");
        fmcp_oauth_destroy(o);
    }
    /* a key of another signer fails at the AS */
    CHECK_OK(fmcp_ec_keygen(FMCP_EC_P256, &k));
    ec_pkcs8_pem(k.d, pem, sizeof pem);
    o = fresh_grant_oauth(&st, &d);
    if (o) {
        CHECK(connect_and_call(o, text, sizeof text) == FMCP_ERR_AUTH);
        fmcp_oauth_destroy(o);
    }
    fmcp_wipe(&k, sizeof k);
    /* RS256 from an RSA PKCS#8 PEM */
    {
        fmcp_rsa_private_key *rk = (fmcp_rsa_private_key *)malloc(sizeof *rk);
        char *rpem = (char *)malloc(4096);
        size_t n = 0;
        CHECK(rk && rpem);
        if (rk && rpem && fmcp_rsa_generate(2048, rk) == FMCP_OK &&
            fmcp_rsa_private_to_pem(rk, FMCP_RSAKEY_PKCS8, rpem, 4096, &n) == FMCP_OK) {
            F.rsa_pub = rk->pub;
            F.assertion_alg = 2;
            d.private_key_pem = rpem;
            o = fresh_grant_oauth(&st, &d);
            CHECK(o != NULL);
            if (o) { CHECK_OK(connect_and_call(o, text, sizeof text)); fmcp_oauth_destroy(o); }
        } else {
            CHECK(0);
        }
        if (rk) { fmcp_wipe(rk, sizeof *rk); free(rk); }
        free(rpem);
    }
    /* a PEM that is no key */
    d.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    CHECK(fmcp_oauth_create(&d, "http://127.0.0.1:1/mcp", &o) == FMCP_ERR_INVALID_ARG);
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

/* Workload identity: the JWT bearer grant with the configured assertion;
 * a refusal is final (one token request, no browser). */
static void test_jwt_bearer(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth_desc d;
    fmcp_oauth *o;
    char text[128];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.want_assertion = "eyJ.workload.sig";
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_JWT_BEARER;
    d.client_id = "wl-1";
    d.assertion = "eyJ.workload.sig";
    o = new_grant_oauth(&st, &d);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_STR(F.last_grant, "urn:ietf:params:oauth:grant-type:jwt-bearer");
        fmcp_oauth_destroy(o);
    }
    /* from a file, read when the token is needed (trailing newline dropped) */
    {
        char path[64];
        FILE *f;
        snprintf(path, sizeof path, "/tmp/fmcp-wif-%d.jwt", (int)getpid());
        f = fopen(path, "wb");
        CHECK(f != NULL);
        if (f) {
            fputs("eyJ.from-file.sig\n", f);
            fclose(f);
            F.want_assertion = "eyJ.from-file.sig";
            d.assertion = NULL;
            d.assertion_file = path;
            o = fresh_grant_oauth(&st, &d);
            CHECK(o != NULL);
            if (o) { CHECK_OK(connect_and_call(o, text, sizeof text)); fmcp_oauth_destroy(o); }
            remove(path);
            d.assertion_file = NULL;
            d.assertion = "eyJ.workload.sig";
        }
    }
    F.want_assertion = "another";
    F.token_calls = 0;
    o = fresh_grant_oauth(&st, &d);
    if (o) {
        CHECK(connect_and_call(o, text, sizeof text) == FMCP_ERR_AUTH);
        CHECK_EQ_INT(fake_get(&F.token_calls), 1);
        CHECK_EQ_INT(fake_get(&F.authorizations), 0);
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

/* Enterprise-managed authorization: token exchange at the IdP, then the
 * JWT bearer grant with the ID-JAG, client_secret_basic at the AS. */
static void test_id_jag(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth_desc d;
    fmcp_oauth *o;
    char text[128], idp[96];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    F.want_assertion = "jag-1";
    F.basic = "Basic eGFhLWNsaWVudDp4YWEtc2VjcmV0";   /* xaa-client:xaa-secret */
    snprintf(idp, sizeof idp, "%s/idp/token", F.base);
    memset(&d, 0, sizeof d);
    d.grant = FMCP_OAUTH_GRANT_ID_JAG;
    d.client_id = "xaa-client";
    d.client_secret = "xaa-secret";
    d.idp_token_endpoint = idp;
    d.idp_id_token = "id-token-1";
    d.idp_client_id = "idp-client";
    o = new_grant_oauth(&st, &d);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.idp_calls), 1);
        CHECK_STR(F.last_grant, "urn:ietf:params:oauth:grant-type:jwt-bearer");
        CHECK_EQ_INT(fake_get(&F.registrations), 0);
        fmcp_oauth_destroy(o);
    }
    /* the IdP refuses: no AS token request follows */
    d.idp_id_token = "wrong";
    F.token_calls = 0;
    o = fresh_grant_oauth(&st, &d);
    if (o) {
        CHECK(connect_and_call(o, text, sizeof text) == FMCP_ERR_AUTH);
        CHECK_EQ_INT(fake_get(&F.token_calls), 0);
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

/* DPoP: proofs on the token request and on every MCP request (fresh jti,
 * ath), the DPoP scheme, and both servers' nonces. */
static void test_dpop(void)
{
    int pass;
    for (pass = 0; pass < 2; pass++) {
        fmcp_oauth_store *st = NULL;
        fmcp_oauth_desc d;
        fmcp_oauth *o;
        char text[128];
        if (!fake_start()) T_SKIP("cannot start the fake servers");
        F.dpop = 1;
        F.as_nonce = F.rs_nonce = pass;
        F.basic = "Basic Y2MtMTpzMw==";             /* cc-1:s3 */
        memset(&d, 0, sizeof d);
        d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
        d.client_id = "cc-1";
        d.client_secret = "s3";
        d.dpop = 1;
        o = new_grant_oauth(&st, &d);
        CHECK(o != NULL);
        if (o) {
            CHECK_OK(connect_and_call(o, text, sizeof text));
            CHECK_STR(text, "mcp:read");
            CHECK_EQ_INT(fake_get(&F.dpop_bad), 0);
            CHECK_EQ_INT(fake_get(&F.token_calls), pass ? 2 : 1);   /* one use_dpop_nonce retry */
            CHECK(fake_get(&F.njti) >= 3);          /* token request + initialize + call, all distinct */
            fmcp_oauth_destroy(o);
        }
        /* a new object has a new proof key: the stored bound token is not used */
        if (pass == 0) {
            char tok[64];
            o = new_grant_oauth(&st, &d);
            CHECK(o && fmcp_oauth_access_token(o, tok, sizeof tok) == FMCP_ERR_NOT_FOUND);
            if (o) fmcp_oauth_destroy(o);
        }
        fmcp_oauth_memory_store_destroy(st);
        fake_stop();
    }
}

/* The proof format itself (RFC 9449 4.2). */
static void test_dpop_proof_format(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth_desc d;
    fmcp_oauth *o = NULL;
    fmcp__buf b;
    memset(&F, 0, sizeof F);
    memset(&d, 0, sizeof d);
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    d.store = st;
    d.dpop = 1;
    CHECK_OK(fmcp_oauth_create(&d, "https://api.example.com/mcp", &o));
    if (o) {
        fmcp__buf_init(&b, NULL, 1);
        CHECK_OK(fmcp__oa_dpop_proof(o, "GET", "https://api.example.com/mcp?x=1#f", "tok-1", "n-1", &b));
        CHECK(b.p && proof_ok(b.p, "GET", "https://api.example.com/mcp", "tok-1", "n-1"));
        fmcp__buf_free(&b);
        fmcp__buf_init(&b, NULL, 1);
        CHECK_OK(fmcp__oa_dpop_proof(o, "POST", "https://as.example.com/token", NULL, NULL, &b));
        CHECK(b.p && proof_ok(b.p, "POST", "https://as.example.com/token", NULL, NULL));
        /* the same key for both (one per client object) */
        CHECK_EQ_INT(o->dpop_key.alg, FMCP_JWS_ES256);
        fmcp__buf_free(&b);
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
}


/* SEP-2352: the resource moves to another authorization server; the client
 * discovers again after the 401, registers there and never shows the old
 * client_id to it; the old registration is kept for a move back. */
static void test_authorization_server_migration(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_oauth *o;
    char text[128];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    o = new_oauth(&st, NULL);
    CHECK(o != NULL);
    if (o) {
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_STR(F.last_client, "client-1");
        pthread_mutex_lock(&F.mu);
        F.as2 = 1;
        F.old_tokens = F.naccess;
        F.refresh[0] = 0;                  /* as1's refresh token means nothing at as2 */
        pthread_mutex_unlock(&F.mu);
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_EQ_INT(fake_get(&F.as2_registrations), 1);
        CHECK_STR(F.last_client, "client-as2");
        /* back to as1: its stored registration serves again, no new one */
        pthread_mutex_lock(&F.mu);
        F.as2 = 0;
        F.old_tokens = F.naccess;
        pthread_mutex_unlock(&F.mu);
        CHECK_OK(connect_and_call(o, text, sizeof text));
        CHECK_STR(F.last_client, "client-1");
        CHECK_EQ_INT(fake_get(&F.registrations), 2);
        fmcp_oauth_destroy(o);
    }
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}


/* private_key_jwt + DPoP (with the AS nonce) + the request headers, with
 * every allocation failing in turn. */
static void test_grant_dpop_alloc_sweep(void)
{
    fmcp_oauth_store *st = NULL;
    fmcp_ec_private_key k;
    char pem[512], url[96];
    if (!fake_start()) T_SKIP("cannot start the fake servers");
    CHECK_OK(fmcp_ec_keygen(FMCP_EC_P256, &k));
    F.ec_pub = k.pub;
    F.assertion_alg = 1;
    F.dpop = F.as_nonce = 1;
    ec_pkcs8_pem(k.d, pem, sizeof pem);
    fmcp_wipe(&k, sizeof k);
    snprintf(url, sizeof url, "%s/mcp", F.base);
    snprintf(F.last_resource, sizeof F.last_resource, "%s", url);
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    T_ALLOC_SWEEP({
        fmcp_oauth_desc d;
        fmcp_oauth *o = NULL;
        char hdr[4096];
        memset(&d, 0, sizeof d);
        d.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
        d.client_id = "jwt-client";
        d.private_key_pem = pem;
        d.dpop = 1;
        d.store = st;
        d.alloc = &t_alloc;
        t_rc = fmcp_oauth_create(&d, url, &o);
        if (t_rc == FMCP_OK) {
            t_rc = fmcp_oauth_login(o);
            if (t_rc == FMCP_OK) t_rc = fmcp_oauth_request_headers(o, "POST", url, hdr, sizeof hdr);
            if (t_rc == FMCP_OK && strncmp(hdr, "Authorization: DPoP at-", 23) != 0) t_rc = FMCP_ERR_PROTOCOL;
            (void)fmcp_oauth_logout(o);
            fmcp_oauth_destroy(o);
        }
        sweep_rc = t_rc;
    });
    CHECK_OK(sweep_rc);
    CHECK(fake_get(&F.token_calls) > 20);   /* the sweep reached the token endpoint many times */
    CHECK_EQ_INT(fake_get(&F.dpop_bad), 0);
    fmcp_oauth_memory_store_destroy(st);
    fake_stop();
}

int main(void)
{
    T_RUN(test_large_file_offsets);
    T_RUN(test_pkce_rfc7636);
    T_RUN(test_basic_credentials);
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
    T_RUN(test_client_credentials_basic);
    T_RUN(test_private_key_jwt);
    T_RUN(test_jwt_bearer);
    T_RUN(test_id_jag);
    T_RUN(test_dpop);
    T_RUN(test_dpop_proof_format);
    T_RUN(test_authorization_server_migration);
    T_RUN(test_grant_dpop_alloc_sweep);
    return t_finish("oauth");
}
