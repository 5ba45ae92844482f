/* tests/test_dpop.c - RFC 9449 DPoP proofs: the dpop module's checks one by
 * one, URL normalisation, cnf.jkt, the replay cache and nonces (a clock hook
 * moves time), then the auth module over HTTP: 401 answers and their
 * WWW-Authenticate challenges. Proofs are made here with the jwk module. */
#ifndef FMCP_TEST_SHARED_IMPL
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#include <time.h>


static fmcp_jwk_private_key pk, pk2, pk384, ik;   /* proof keys, issuer key */
static int keys_ok;
static char jkt1[FMCP_JWK_THUMBPRINT_LEN + 1];

static int t_keys(void)
{
    fmcp_jwk_public_key pub;
    if (keys_ok) return 1;
    if (fmcp_jwk_generate(FMCP_JWS_ES256, 0, &pk) != FMCP_OK || fmcp_jwk_generate(FMCP_JWS_ES256, 0, &pk2) != FMCP_OK ||
        fmcp_jwk_generate(FMCP_JWS_ES384, 0, &pk384) != FMCP_OK || fmcp_jwk_generate(FMCP_JWS_ES256, 0, &ik) != FMCP_OK)
        return 0;
    if (fmcp_jwk_public_of(&pk, &pub) != FMCP_OK || fmcp_jwk_thumbprint(&pub, jkt1) != FMCP_OK) return 0;
    keys_ok = 1;
    return 1;
}

/* A proof's parts; NULL members are left out. */
typedef struct t_pf {
    const fmcp_jwk_private_key *key;
    const char *alg, *typ, *htm, *htu, *jti, *nonce, *token;
    int64_t iat;
    int private_jwk, bad_sig, no_jwk;
} t_pf;

static char g_proof[4][4096];

static const char *t_proof(int slot, const t_pf *f)
{
    fmcp_json_writer w;
    char *h = NULL, *p = NULL, input[3000];
    size_t hn = 0, pn = 0, n1 = 0, n2 = 0, sl = 0, n3 = 0;
    uint8_t sig[FMCP_JWS_MAX_SIG];
    fmcp_jwk_public_key pub;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    if (f->typ) { fmcp_jw_key(&w, "typ"); fmcp_jw_str(&w, f->typ); }
    fmcp_jw_key(&w, "alg"); fmcp_jw_str(&w, f->alg);
    if (!f->no_jwk) {
        fmcp_jw_key(&w, "jwk");
        if (f->private_jwk) fmcp_jwk_private_write(&w, f->key, NULL, NULL, NULL);
        else { (void)fmcp_jwk_public_of(f->key, &pub); fmcp_jwk_public_write(&w, &pub, NULL, NULL, NULL); }
    }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &h, &hn) != FMCP_OK) return "";
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    if (f->jti) { fmcp_jw_key(&w, "jti"); fmcp_jw_str(&w, f->jti); }
    if (f->htm) { fmcp_jw_key(&w, "htm"); fmcp_jw_str(&w, f->htm); }
    if (f->htu) { fmcp_jw_key(&w, "htu"); fmcp_jw_str(&w, f->htu); }
    fmcp_jw_key(&w, "iat"); fmcp_jw_int(&w, f->iat);
    if (f->token) {
        uint8_t d[FMCP_SHA256_SIZE];
        char ath[48];
        size_t an = 0;
        fmcp_sha256(f->token, strlen(f->token), d);
        (void)fmcp_b64_encode(FMCP_B64_URL, d, sizeof d, ath, sizeof ath, &an);
        fmcp_jw_key(&w, "ath"); fmcp_jw_str(&w, ath);
    }
    if (f->nonce) { fmcp_jw_key(&w, "nonce"); fmcp_jw_str(&w, f->nonce); }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &p, &pn) != FMCP_OK) { fmcp_free_text(NULL, h, hn); return ""; }
    (void)fmcp_b64_encode(FMCP_B64_URL, h, hn, input, sizeof input, &n1);
    input[n1++] = '.';
    (void)fmcp_b64_encode(FMCP_B64_URL, p, pn, input + n1, sizeof input - n1, &n2);
    n1 += n2;
    fmcp_free_text(NULL, h, hn);
    fmcp_free_text(NULL, p, pn);
    /* the P-384 key signs ES384, the others ES256, whatever the header says
     * (an alg that does not fit the key fails before the signature) */
    if (fmcp_jws_sign(f->key, f->key == &pk384 ? FMCP_JWS_ES384 : FMCP_JWS_ES256, input, n1, sig, sizeof sig,
                      &sl) != FMCP_OK)
        return "";
    if (f->bad_sig) sig[5] ^= 1;
    memcpy(g_proof[slot], input, n1);
    g_proof[slot][n1++] = '.';
    (void)fmcp_b64_encode(FMCP_B64_URL, sig, sl, g_proof[slot] + n1, sizeof g_proof[slot] - n1, &n3);
    g_proof[slot][n1 + n3] = 0;
    return g_proof[slot];
}

static int g_jti;
static void t_pf_default(t_pf *f, const char *url, const char *token)
{
    static char jti[32];
    memset(f, 0, sizeof *f);
    snprintf(jti, sizeof jti, "jti-%d", ++g_jti);
    f->key = &pk; f->alg = "ES256"; f->typ = "dpop+jwt"; f->htm = "POST"; f->htu = url;
    f->jti = jti; f->token = token; f->iat = fmcp_time_now();
}

static const char URL[] = "https://MCP.Example:443/mcp?x=1";
static const char TOKEN[] = "an-access-token";

static fmcp_dpop_error t_check(fmcp_dpop *d, const char *proof, const char *jkt, fmcp_dpop_verdict *v)
{
    fmcp_dpop_request r;
    memset(&r, 0, sizeof r);
    r.proof = proof; r.proof_len = proof ? strlen(proof) : 0;
    r.method = "POST"; r.url = "https://mcp.example/mcp";
    r.token = TOKEN; r.token_len = strlen(TOKEN);
    r.jkt = jkt;
    if (fmcp_dpop_check(d, &r, v) == FMCP_OK) return FMCP_DPOP_OK;
    return v->error == FMCP_DPOP_OK ? (fmcp_dpop_error)99 : v->error;
}

/* ---- the module ------------------------------------------------------------ */

static void test_checks(void)
{
    fmcp_dpop_desc dd;
    fmcp_dpop *d = NULL;
    fmcp_dpop_verdict v;
    t_pf f;
    const char *p;
    if (!t_keys()) { CHECK(0); return; }
    memset(&dd, 0, sizeof dd);
    CHECK_OK(fmcp_dpop_create(&dd, &d));
    t_pf_default(&f, URL, TOKEN);
    p = t_proof(0, &f);
    CHECK_EQ_INT(t_check(d, p, jkt1, &v), FMCP_DPOP_OK);
    CHECK_STR(v.jkt, jkt1);
    CHECK(v.code == NULL);
    /* the same proof again: replay */
    CHECK_EQ_INT(t_check(d, p, jkt1, &v), FMCP_DPOP_REPLAY);
    CHECK_STR(v.code, "invalid_dpop_proof");
    /* one violation at a time */
    t_pf_default(&f, URL, TOKEN); f.typ = "JWT";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_TYP);
    t_pf_default(&f, URL, TOKEN); f.typ = NULL;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_TYP);
    t_pf_default(&f, URL, TOKEN); f.key = &pk384; f.alg = "ES384";   /* not in the default list */
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_ALG);
    t_pf_default(&f, URL, TOKEN); f.alg = "none";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_ALG);
    t_pf_default(&f, URL, TOKEN); f.alg = "HS256";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_ALG);
    t_pf_default(&f, URL, TOKEN); f.private_jwk = 1;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_JWK);
    t_pf_default(&f, URL, TOKEN); f.no_jwk = 1;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_JWK);
    t_pf_default(&f, URL, TOKEN); f.bad_sig = 1;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_SIGNATURE);
    t_pf_default(&f, URL, TOKEN); f.htm = "GET";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_HTM);
    t_pf_default(&f, URL, TOKEN); f.htm = "post";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_HTM);
    t_pf_default(&f, "https://mcp.example/other", TOKEN);
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_HTU);
    t_pf_default(&f, "http://mcp.example/mcp", TOKEN);
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_HTU);
    t_pf_default(&f, "https://mcp.example:8443/mcp", TOKEN);
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_HTU);
    t_pf_default(&f, URL, TOKEN); f.iat -= 61;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_IAT);
    t_pf_default(&f, URL, TOKEN); f.iat += 6;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_IAT);
    t_pf_default(&f, URL, TOKEN); f.iat -= 59;   /* inside the window */
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_OK);
    t_pf_default(&f, URL, "another-token");
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_ATH);
    t_pf_default(&f, URL, NULL);                  /* no ath at all */
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_ATH);
    t_pf_default(&f, URL, TOKEN); f.key = &pk2;   /* valid proof, another key */
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_JKT);
    CHECK_STR(v.code, "invalid_token");
    t_pf_default(&f, URL, TOKEN); f.jti = NULL;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_MALFORMED);
    CHECK_EQ_INT(t_check(d, NULL, jkt1, &v), FMCP_DPOP_MISSING);
    CHECK_EQ_INT(t_check(d, "a.b", jkt1, &v), FMCP_DPOP_MALFORMED);
    CHECK_EQ_INT(t_check(d, "a.b.c.d", jkt1, &v), FMCP_DPOP_MALFORMED);
    CHECK_EQ_INT(t_check(d, "!!.??.c", jkt1, &v), FMCP_DPOP_MALFORMED);
    /* a failed check records nothing: the jti of a rejected proof still works */
    t_pf_default(&f, URL, TOKEN); f.htm = "GET";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_HTM);
    f.htm = "POST";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_OK);
    fmcp_dpop_destroy(d);

    /* other algorithms when listed */
    {
        const char *algs[] = { "ES256", "ES384" };
        dd.algorithms = algs; dd.algorithm_count = 2;
        CHECK_OK(fmcp_dpop_create(&dd, &d));
        t_pf_default(&f, URL, TOKEN); f.key = &pk384; f.alg = "ES384";
        CHECK_EQ_INT(t_check(d, t_proof(0, &f), NULL, &v), FMCP_DPOP_OK);
        t_pf_default(&f, URL, TOKEN); f.key = &pk384; f.alg = "ES256";   /* alg not fitting the key */
        CHECK_EQ_INT(t_check(d, t_proof(0, &f), NULL, &v), FMCP_DPOP_JWK);
        fmcp_dpop_destroy(d);
        algs[1] = "HS256";
        CHECK_EQ_INT(fmcp_dpop_create(&dd, &d), FMCP_ERR_UNSUPPORTED);
    }
}

static void test_replay_window(void)
{
    fmcp_dpop_desc dd;
    fmcp_dpop *d = NULL;
    fmcp_dpop_verdict v;
    t_pf f;
    const char *p;
    if (!t_keys()) { CHECK(0); return; }
    memset(&dd, 0, sizeof dd);
    dd.replay_cache_size = 2;
    dd.iat_past_seconds = 10; dd.iat_future_seconds = 2;
    CHECK_OK(fmcp_dpop_create(&dd, &d));
    t_wall_offset = 0;
    t_pf_default(&f, URL, TOKEN);
    p = t_proof(0, &f);
    CHECK_EQ_INT(t_check(d, p, jkt1, &v), FMCP_DPOP_OK);
    t_pf_default(&f, URL, TOKEN);
    CHECK_EQ_INT(t_check(d, t_proof(1, &f), jkt1, &v), FMCP_DPOP_OK);
    t_pf_default(&f, URL, TOKEN);   /* full of live entries: fail closed */
    CHECK_EQ_INT(t_check(d, t_proof(2, &f), jkt1, &v), FMCP_DPOP_REPLAY);
    t_wall_offset = 9;                 /* p's iat still inside the window: still a replay */
    CHECK_EQ_INT(t_check(d, p, jkt1, &v), FMCP_DPOP_REPLAY);
    t_wall_offset = 14;                /* entries expired; old proofs now fail on iat */
    CHECK_EQ_INT(t_check(d, p, jkt1, &v), FMCP_DPOP_IAT);
    t_pf_default(&f, URL, TOKEN);
    CHECK_EQ_INT(t_check(d, t_proof(2, &f), jkt1, &v), FMCP_DPOP_OK);
    t_wall_offset = 0;
    fmcp_dpop_destroy(d);
}

static void test_nonce(void)
{
    fmcp_dpop_desc dd;
    fmcp_dpop *d = NULL;
    fmcp_dpop_verdict v;
    char n1[FMCP_DPOP_NONCE_LEN + 1], n2[FMCP_DPOP_NONCE_LEN + 1];
    t_pf f;
    if (!t_keys()) { CHECK(0); return; }
    memset(&dd, 0, sizeof dd);
    dd.use_nonce = 1; dd.nonce_lifetime_seconds = 100;
    CHECK_OK(fmcp_dpop_create(&dd, &d));
    CHECK(fmcp_dpop_uses_nonce(d));
    t_wall_offset = 0;
    t_pf_default(&f, URL, TOKEN);
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_NONCE);
    CHECK_STR(v.code, "use_dpop_nonce");
    CHECK_OK(fmcp_dpop_nonce(d, n1));
    CHECK_EQ_INT(strlen(n1), FMCP_DPOP_NONCE_LEN);
    t_pf_default(&f, URL, TOKEN); f.nonce = "not-the-nonce-at-all-x";
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_NONCE);
    t_pf_default(&f, URL, TOKEN); f.nonce = n1;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_OK);
    t_wall_offset = 150;               /* rotated: n1 is the previous one, still good */
    CHECK_OK(fmcp_dpop_nonce(d, n2));
    CHECK(strcmp(n1, n2) != 0);
    t_pf_default(&f, URL, TOKEN); f.nonce = n1;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_OK);
    t_wall_offset = 260;               /* rotated again: n1 is stale */
    t_pf_default(&f, URL, TOKEN); f.nonce = n1;
    CHECK_EQ_INT(t_check(d, t_proof(0, &f), jkt1, &v), FMCP_DPOP_NONCE);
    t_wall_offset = 0;
    fmcp_dpop_destroy(d);
}

static void test_htu_claims(void)
{
    static const char *const cases[][2] = {
        { "HTTPS://MCP.Example:443/mcp?q#f", "https://mcp.example/mcp" },
        { "http://h:80", "http://h/" },
        { "http://h:", "http://h/" },
        { "http://h:443/a", "http://h:443/a" },
        { "https://[::1]:8443/x", "https://[::1]:8443/x" },
        { "https://[::1]/x", "https://[::1]/x" },
        { "http://h/%7euser/%2f%2F", "http://h/~user/%2F%2F" },
        { "http://h/A%41", "http://h/AA" },
    };
    static const char *const bad[] = { "ftp://h/", "http:/h", "http://u@h/", "http://:80/", "http://h:8x/",
                                       "http://h/%4", "http://h/%zz", "" };
    char out[128], jkt[FMCP_JWK_THUMBPRINT_LEN + 1];
    size_t i, n = 0;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_OK(fmcp_dpop_htu_normalize(cases[i][0], out, sizeof out, &n));
        CHECK_STR(out, cases[i][1]);
        CHECK_EQ_INT(n, strlen(cases[i][1]));
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(fmcp_dpop_htu_normalize(bad[i], out, sizeof out, &n) == FMCP_ERR_PARSE, "%s", bad[i]);
    CHECK_EQ_INT(fmcp_dpop_htu_normalize("http://host/path", out, 5, &n), FMCP_ERR_BUFFER_TOO_SMALL);
    {
        const char *c = "{\"sub\":\"a\",\"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}}";
        CHECK_OK(fmcp_dpop_jkt_from_claims(c, strlen(c), NULL, jkt));
        CHECK_STR(jkt, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
        c = "{\"sub\":\"a\"}";
        CHECK_EQ_INT(fmcp_dpop_jkt_from_claims(c, strlen(c), NULL, jkt), FMCP_ERR_NOT_FOUND);
        c = "{\"cnf\":{\"x5t#S256\":\"abc\"}}";
        CHECK_EQ_INT(fmcp_dpop_jkt_from_claims(c, strlen(c), NULL, jkt), FMCP_ERR_NOT_FOUND);
        c = "{\"cnf\":{\"jkt\":\"short\"}}";
        CHECK_EQ_INT(fmcp_dpop_jkt_from_claims(c, strlen(c), NULL, jkt), FMCP_ERR_PARSE);
        c = "{\"cnf\":\"x\"}";
        CHECK_EQ_INT(fmcp_dpop_jkt_from_claims(c, strlen(c), NULL, jkt), FMCP_ERR_PARSE);
    }
}

static void test_alloc_sweep(void)
{
    fmcp_dpop_desc dd;
    t_pf f;
    const char *p;
    if (!t_keys()) { CHECK(0); return; }
    memset(&dd, 0, sizeof dd);
    dd.alloc = &t_alloc;
    t_pf_default(&f, URL, TOKEN);
    p = t_proof(0, &f);
    T_ALLOC_SWEEP({
        fmcp_dpop *d = NULL;
        fmcp_dpop_verdict v;
        fmcp_result r = fmcp_dpop_create(&dd, &d);
        if (r == FMCP_OK) {
            fmcp_dpop_request rq;
            memset(&rq, 0, sizeof rq);
            rq.proof = p; rq.proof_len = strlen(p); rq.method = "POST"; rq.url = URL;
            rq.token = TOKEN; rq.token_len = strlen(TOKEN); rq.jkt = jkt1;
            r = fmcp_dpop_check(d, &rq, &v);
            CHECK(r == FMCP_OK || r == FMCP_ERR_NOMEM);
            fmcp_dpop_destroy(d);
        } else CHECK_EQ_INT(r, FMCP_ERR_NOMEM);
        t_rc = r != FMCP_OK;
    });
}

/* ---- over HTTP through the auth module ---------------------------------------- */

#ifndef FASTMCP_NO_SOCKETS

static const char *aud1[] = { "mcp-test" };
static char g_jwks[2048];

typedef struct t_env {
    fmcp_http_loop *loop;
    fmcp_server *srv;
    fmcp_http_endpoint *t;
    fmcp_auth *a;
    fmcp_http_server *as;           /* the fake introspection endpoint (g_intro) */
    uint16_t port;
    char url[128];
} t_env;

/* When set, t_env_up checks opaque tokens by introspection at a fake
 * endpoint: "opaque-bound" is active and bound to pk, "opaque-plain" active
 * and unbound, anything else inactive. */
static int g_intro, g_intro_requests;

static void as_handler(fmcp_http_req *req, void *u)
{
    fmcp_http_header h[1];
    size_t n = 0;
    const char *body = fmcp_http_req_body(req, &n);
    char out[512];
    (void)u;
    g_intro_requests++;
    h[0].name = "Content-Type"; h[0].value = "application/json";
    if (body && strstr(body, "token=opaque-bound"))
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"alice\",\"aud\":\"mcp-test\",\"token_type\":\"DPoP\","
                 "\"cnf\":{\"jkt\":\"%s\"}}", jkt1);
    else if (body && strstr(body, "token=opaque-plain"))
        snprintf(out, sizeof out, "{\"active\":true,\"sub\":\"bob\",\"aud\":\"mcp-test\"}");
    else if (body && strstr(body, "token=opaque-broken")) {
        (void)fmcp_http_respond(req, 500, NULL, 0, "no", 2);
        return;
    }
    else snprintf(out, sizeof out, "{\"active\":false}");
    (void)fmcp_http_respond(req, 200, h, 1, out, strlen(out));
}

static fmcp_result tool_echo(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "ok");
}

static int t_env_up(t_env *e, int mode, int nonce)
{
    fmcp_server_desc sd;
    fmcp_http_endpoint_desc d;
    fmcp_auth_desc ad;
    fmcp_tool_desc td;
    const char *keys[1];
    fmcp_json_writer w;
    fmcp_jwk_public_key ipub;
    fmcp_introspect_desc id;
    fmcp_http_server_desc sdesc;
    char iurl[128];
    memset(e, 0, sizeof *e);
    if (!t_keys() || fmcp_http_loop_create(NULL, &e->loop) != FMCP_OK) return 0;
    (void)fmcp_jwk_public_of(&ik, &ipub);
    fmcp_jw_init_fixed(&w, g_jwks, sizeof g_jwks);
    fmcp_jwk_public_write(&w, &ipub, "i1", "ES256", "sig");
    if (fmcp_jw_finish(&w, NULL, NULL) != FMCP_OK) return 0;
    memset(&sd, 0, sizeof sd);
    sd.name = "dpop-test"; sd.version = "1"; sd.workers = -1;
    if (fmcp_server_create(&sd, &e->srv) != FMCP_OK) return 0;
    memset(&ad, 0, sizeof ad);
    keys[0] = g_jwks;
    ad.keys = keys; ad.key_count = 1;
    ad.algorithms = aud1; ad.algorithm_count = 0;
    {
        static const char *algs[] = { "ES256" };
        ad.algorithms = algs; ad.algorithm_count = 1;
    }
    ad.issuer = "https://issuer.test"; ad.audiences = aud1; ad.audience_count = 1;
    ad.no_audit = 1;
    ad.dpop_mode = mode;
    ad.dpop.use_nonce = nonce;
    if (g_intro) {   /* opaque tokens only */
        memset(&sdesc, 0, sizeof sdesc);
        sdesc.handler = as_handler;
        if (fmcp_http_server_create(e->loop, &sdesc, &e->as) != FMCP_OK) return 0;
        snprintf(iurl, sizeof iurl, "http://127.0.0.1:%u/introspect", (unsigned)fmcp_http_server_port(e->as));
        memset(&id, 0, sizeof id);
        id.endpoint = iurl; id.client_id = "rs"; id.client_secret = "s3cret";
        ad.introspection = &id;
        ad.keys = NULL; ad.key_count = 0;
        ad.loop = e->loop;
    }
    if (fmcp_auth_create(&ad, &e->a) != FMCP_OK) return 0;
    memset(&td, 0, sizeof td);
    td.name = "echo"; td.handler = tool_echo;
    if (fmcp_auth_add_tool(e->a, e->srv, &td) != FMCP_OK) return 0;
    memset(&d, 0, sizeof d);
    if (fmcp_auth_attach(e->a, e->srv, &d) != FMCP_OK) return 0;
    d.stateless = 1;
    if (fmcp_http_endpoint_create(e->srv, e->loop, &d, &e->t) != FMCP_OK) return 0;
    e->port = fmcp_http_endpoint_port(e->t);
    snprintf(e->url, sizeof e->url, "http://127.0.0.1:%u/mcp", (unsigned)e->port);
    return 1;
}

static void t_env_down(t_env *e)
{
    if (e->t) fmcp_http_endpoint_destroy(e->t);
    if (e->srv) fmcp_server_destroy(e->srv);
    if (e->a) fmcp_auth_destroy(e->a);
    if (e->as) fmcp_http_server_destroy(e->as);
    if (e->loop) fmcp_http_loop_destroy(e->loop);
}

static const char CALL[] = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}";

/* POST /mcp with Authorization auth (or none) and up to two DPoP headers. */
static fmcp_http_response *t_post(t_env *e, const char *auth, const char *proof, const char *proof2)
{
    fmcp_http_client_req c;
    fmcp_http_header h[8];
    size_t n = 0;
    t_resp r;
    int i;
    memset(&c, 0, sizeof c);
    memset(&r, 0, sizeof r);
    h[n].name = "Accept"; h[n++].value = "application/json, text/event-stream";
    h[n].name = "Content-Type"; h[n++].value = "application/json";
    h[n].name = "MCP-Protocol-Version"; h[n++].value = "2025-06-18";
    if (auth) { h[n].name = "Authorization"; h[n++].value = auth; }
    if (proof) { h[n].name = "DPoP"; h[n++].value = proof; }
    if (proof2) { h[n].name = "DPoP"; h[n++].value = proof2; }
    c.method = "POST"; c.url = e->url; c.headers = h; c.nheaders = n;
    c.body = CALL; c.body_len = strlen(CALL);
    if (fmcp_http_fetch_async(e->loop, &c, t_fetched, &r, NULL) != FMCP_OK) return NULL;
    for (i = 0; i < 2000 && !r.done; i++) (void)fmcp_http_step(e->loop, 50);
    return r.done && r.rc == FMCP_OK ? r.res : NULL;
}

static char *t_token(int bound_to_pk)
{
    fmcp_jwt_issue_desc d;
    char *tok = NULL, claims[160];
    size_t len;
    memset(&d, 0, sizeof d);
    snprintf(claims, sizeof claims, "{\"client_id\":\"c1\",\"cnf\":{\"jkt\":\"%s\"}}", jkt1);
    d.subject = "alice"; d.issuer = "https://issuer.test"; d.kid = "i1";
    d.audiences = aud1; d.audience_count = 1; d.lifetime_seconds = 7200;
    d.claims_json = bound_to_pk ? claims : "{\"client_id\":\"c1\"}";
    if (fmcp_jwt_issue_key(&ik, &d, NULL, &tok, &len) != FMCP_OK) return NULL;
    return tok;
}

static char g_auth[3][4096];

/* Expect status and a WWW-Authenticate containing each of want (NULL-ended). */
static void t_expect(fmcp_http_response *r, int status, const char *const *want)
{
    const char *www;
    CHECK(r != NULL);
    if (!r) return;
    CHECKF(r->status == status, "status %d, want %d", r->status, status);
    www = fmcp_http_response_header(r, "WWW-Authenticate");
    for (; want && *want; want++) CHECKF(www && strstr(www, *want), "WWW-Authenticate %s lacks %s", www ? www : "-", *want);
    fmcp_http_response_destroy(r);
}

#define WANT(...) do { const char *w_[] = { __VA_ARGS__, NULL }; t_expect(r_, st_, w_); } while (0)

static void test_http_required(void)
{
    t_env e;
    char *bound = NULL, *plain = NULL;
    t_pf f;
    fmcp_http_response *r_;
    int st_ = 401;
    if (!t_env_up(&e, FMCP_AUTH_DPOP_REQUIRED, 0)) { CHECK(0); t_env_down(&e); return; }
    bound = t_token(1); plain = t_token(0);
    CHECK(bound && plain);
    if (!bound || !plain) goto done;
    snprintf(g_auth[0], sizeof g_auth[0], "DPoP %s", bound);
    snprintf(g_auth[1], sizeof g_auth[1], "Bearer %s", bound);
    snprintf(g_auth[2], sizeof g_auth[2], "Bearer %s", plain);
    /* valid: 200 */
    t_pf_default(&f, e.url, bound);
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    CHECK(r_ && r_->status == 200 && r_->body && strstr(r_->body, "echo"));
    if (r_) fmcp_http_response_destroy(r_);
    /* replayed proof */
    r_ = t_post(&e, g_auth[0], g_proof[0], NULL);
    WANT("DPoP algs=\"ES256\"", "error=\"invalid_dpop_proof\"", "jti");
    /* no token: a DPoP challenge only, with the metadata URL */
    r_ = t_post(&e, NULL, NULL, NULL);
    WANT("DPoP algs=\"ES256\"", "resource_metadata=");
    {
        fmcp_http_response *r = t_post(&e, NULL, NULL, NULL);
        const char *www = r ? fmcp_http_response_header(r, "WWW-Authenticate") : NULL;
        CHECK(www && strncmp(www, "DPoP ", 5) == 0 && !strstr(www, "error="));
        if (r) fmcp_http_response_destroy(r);
    }
    /* bearer use of the bound token, and a plain bearer token */
    r_ = t_post(&e, g_auth[1], NULL, NULL);
    WANT("DPoP algs=", "error=\"invalid_token\"", "DPoP scheme");
    r_ = t_post(&e, g_auth[2], NULL, NULL);
    WANT("error=\"invalid_token\"", "requires DPoP");
    /* DPoP scheme without a proof, with two proofs, with an unbound token */
    r_ = t_post(&e, g_auth[0], NULL, NULL);
    WANT("error=\"invalid_dpop_proof\"", "missing");
    t_pf_default(&f, e.url, bound);
    t_proof(1, &f);
    t_pf_default(&f, e.url, bound);
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), g_proof[1]);
    WANT("error=\"invalid_dpop_proof\"", "More than one");
    {
        static char a3[4096];
        snprintf(a3, sizeof a3, "DPoP %s", plain);
        t_pf_default(&f, e.url, plain);
        r_ = t_post(&e, a3, t_proof(0, &f), NULL);
        WANT("error=\"invalid_token\"", "not DPoP-bound");
    }
    /* each proof check, through HTTP */
    t_pf_default(&f, e.url, bound); f.typ = "jwt";
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "typ");
    t_pf_default(&f, e.url, bound); f.key = &pk384; f.alg = "ES384";
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "algorithm");
    t_pf_default(&f, e.url, bound); f.private_jwk = 1;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "private");
    t_pf_default(&f, e.url, bound); f.bad_sig = 1;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "signature");
    t_pf_default(&f, e.url, bound); f.htm = "GET";
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "htm");
    t_pf_default(&f, "http://127.0.0.1:1/mcp", bound);
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "htu");
    t_pf_default(&f, e.url, bound); f.iat -= 120;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "iat");
    t_pf_default(&f, e.url, bound); f.iat += 60;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "iat");
    t_pf_default(&f, e.url, plain);
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_dpop_proof\"", "ath");
    t_pf_default(&f, e.url, bound); f.key = &pk2;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("error=\"invalid_token\"", "binding");
    /* the metadata tells clients DPoP is required, and with which algorithms */
    {
        fmcp_http_client_req c;
        t_resp rr;
        char u[160];
        int i;
        memset(&c, 0, sizeof c);
        memset(&rr, 0, sizeof rr);
        snprintf(u, sizeof u, "http://127.0.0.1:%u/.well-known/oauth-protected-resource/mcp", (unsigned)e.port);
        c.method = "GET"; c.url = u;
        CHECK_OK(fmcp_http_fetch_async(e.loop, &c, t_fetched, &rr, NULL));
        for (i = 0; i < 2000 && !rr.done; i++) (void)fmcp_http_step(e.loop, 50);
        CHECK(rr.done && rr.res && rr.res->status == 200 && rr.res->body &&
              strstr(rr.res->body, "\"dpop_signing_alg_values_supported\":[\"ES256\"]") &&
              strstr(rr.res->body, "\"dpop_bound_access_tokens_required\":true"));
        if (rr.res) fmcp_http_response_destroy(rr.res);
    }
    /* the URL the proof names may differ in case and default port only */
    {
        char u[160];
        snprintf(u, sizeof u, "HTTP://127.0.0.1:%u/mcp?ignored=1", (unsigned)e.port);
        t_pf_default(&f, u, bound);
        r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
        CHECK(r_ && r_->status == 200);
        if (r_) fmcp_http_response_destroy(r_);
    }
done:
    fmcp_free_text(NULL, bound, bound ? strlen(bound) : 0);
    fmcp_free_text(NULL, plain, plain ? strlen(plain) : 0);
    t_env_down(&e);
}

static void test_http_allowed_nonce(void)
{
    t_env e;
    char *bound = NULL, *plain = NULL;
    const char *nonce;
    char nb[64];
    t_pf f;
    fmcp_http_response *r_;
    int st_ = 401;
    if (!t_env_up(&e, FMCP_AUTH_DPOP_ALLOWED, 1)) { CHECK(0); t_env_down(&e); return; }
    bound = t_token(1); plain = t_token(0);
    CHECK(bound && plain);
    if (!bound || !plain) goto done;
    snprintf(g_auth[0], sizeof g_auth[0], "DPoP %s", bound);
    snprintf(g_auth[1], sizeof g_auth[1], "Bearer %s", bound);
    snprintf(g_auth[2], sizeof g_auth[2], "Bearer %s", plain);
    /* allowed: a plain bearer token still works; a bound one as bearer does not */
    r_ = t_post(&e, g_auth[2], NULL, NULL);
    CHECK(r_ && r_->status == 200);
    if (r_) fmcp_http_response_destroy(r_);
    r_ = t_post(&e, g_auth[1], NULL, NULL);
    WANT("Bearer ", "error=\"invalid_token\"");
    /* no token: Bearer challenge first, a DPoP one too */
    {
        fmcp_http_response *r = t_post(&e, NULL, NULL, NULL);
        size_t i, dp = 0;
        CHECK(r && r->status == 401);
        for (i = 0; r && i < r->nheaders; i++)
            if (strcmp(r->headers[i].name, "www-authenticate") == 0 || strcmp(r->headers[i].name, "WWW-Authenticate") == 0)
                if (strncmp(r->headers[i].value, "DPoP algs=\"ES256\"", 17) == 0) dp++;
        CHECK_EQ_INT(dp, 1);
        if (r) fmcp_http_response_destroy(r);
    }
    /* nonce required: a proof without one gets use_dpop_nonce and a DPoP-Nonce */
    t_pf_default(&f, e.url, bound);
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    CHECK(r_ && r_->status == 401);
    nonce = r_ ? fmcp_http_response_header(r_, "DPoP-Nonce") : NULL;
    CHECK(nonce && strlen(nonce) == FMCP_DPOP_NONCE_LEN);
    snprintf(nb, sizeof nb, "%s", nonce ? nonce : "");
    WANT("DPoP algs=", "error=\"use_dpop_nonce\"");
    t_pf_default(&f, e.url, bound); f.nonce = nb;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    CHECK(r_ && r_->status == 200);
    if (r_) fmcp_http_response_destroy(r_);
    /* a stale nonce after two rotations */
    t_wall_offset = 700;
    t_pf_default(&f, e.url, bound); f.nonce = nb;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    CHECK(r_ && r_->status == 401 && fmcp_http_response_header(r_, "DPoP-Nonce") &&
          strcmp(fmcp_http_response_header(r_, "DPoP-Nonce"), nb) != 0);
    WANT("error=\"use_dpop_nonce\"");
    t_wall_offset = 0;
done:
    fmcp_free_text(NULL, bound, bound ? strlen(bound) : 0);
    fmcp_free_text(NULL, plain, plain ? strlen(plain) : 0);
    t_env_down(&e);
}

static void test_http_off(void)
{
    t_env e;
    char *bound = NULL;
    fmcp_http_response *r;
    if (!t_env_up(&e, FMCP_AUTH_DPOP_OFF, 0)) { CHECK(0); t_env_down(&e); return; }
    bound = t_token(1);
    CHECK(bound != NULL);
    if (bound) {
        /* off: as before, Bearer only, cnf ignored; the DPoP scheme is not understood */
        snprintf(g_auth[1], sizeof g_auth[1], "Bearer %s", bound);
        r = t_post(&e, g_auth[1], NULL, NULL);
        CHECK(r && r->status == 200);
        if (r) fmcp_http_response_destroy(r);
        snprintf(g_auth[0], sizeof g_auth[0], "DPoP %s", bound);
        r = t_post(&e, g_auth[0], NULL, NULL);
        CHECK(r && r->status == 401 && !strstr(fmcp_http_response_header(r, "WWW-Authenticate"), "DPoP"));
        if (r) fmcp_http_response_destroy(r);
        fmcp_free_text(NULL, bound, strlen(bound));
    }
    t_env_down(&e);
}

/* RFC 9449 6.2 with RFC 7662: an opaque token whose introspection answer has
 * cnf.jkt is bound like a JWT with that claim. */
static void test_http_introspected(void)
{
    t_env e;
    t_pf f;
    fmcp_http_response *r_;
    fmcp_auth_stats st;
    int st_ = 401;
    g_intro = 1; g_intro_requests = 0;
    if (!t_env_up(&e, FMCP_AUTH_DPOP_ALLOWED, 0)) { CHECK(0); t_env_down(&e); g_intro = 0; return; }
    g_intro = 0;
    snprintf(g_auth[0], sizeof g_auth[0], "DPoP opaque-bound");
    snprintf(g_auth[1], sizeof g_auth[1], "Bearer opaque-bound");
    snprintf(g_auth[2], sizeof g_auth[2], "Bearer opaque-plain");
    t_pf_default(&f, e.url, "opaque-bound");
    r_ = t_post(&e, g_auth[0], t_proof(1, &f), NULL);
    CHECKF(r_ && r_->status == 200, "status %d", r_ ? r_->status : -1);
    if (r_) fmcp_http_response_destroy(r_);
    CHECK_EQ_INT(g_intro_requests, 1);
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT((int)st.dpop_accepted, 1);
    CHECK_EQ_INT((int)st.dpop_rejected, 0);
    CHECK_EQ_INT((int)st.introspect_fetches, 1);
    /* the same proof again: a replay */
    r_ = t_post(&e, g_auth[0], g_proof[1], NULL);
    WANT("error=\"invalid_dpop_proof\"");
    /* bound by the introspection answer: Bearer is refused */
    r_ = t_post(&e, g_auth[1], NULL, NULL);
    WANT("Bearer ", "error=\"invalid_token\"");
    /* a proof made with another key: the token's binding does not fit */
    t_pf_default(&f, e.url, "opaque-bound"); f.key = &pk2;
    r_ = t_post(&e, g_auth[0], t_proof(0, &f), NULL);
    WANT("DPoP algs=", "error=\"invalid_token\"", "does not match the token binding");
    /* a valid proof without the DPoP scheme is still refused */
    t_pf_default(&f, e.url, "opaque-bound");
    r_ = t_post(&e, g_auth[1], t_proof(0, &f), NULL);
    WANT("error=\"invalid_token\"");
    /* an unbound opaque token stays a bearer token (DPoP allowed) */
    r_ = t_post(&e, g_auth[2], NULL, NULL);
    CHECK(r_ && r_->status == 200);
    if (r_) fmcp_http_response_destroy(r_);
    /* the endpoint fails: 503, counted as an introspection failure */
    r_ = t_post(&e, "Bearer opaque-broken", NULL, NULL);
    CHECK(r_ && r_->status == 503);
    if (r_) fmcp_http_response_destroy(r_);
    fmcp_auth_stats_get(e.a, &st);
    CHECK_EQ_INT((int)st.dpop_accepted, 1);
    CHECK_EQ_INT((int)st.dpop_rejected, 2);   /* the replay and the other key; Bearer never gets to a proof */
    CHECK_EQ_INT((int)st.dpop_replays, 1);
    CHECK_EQ_INT((int)st.introspect_fetches, 3);   /* bound, plain, broken: the cache answers the rest */
    CHECK_EQ_INT(g_intro_requests, 3);
    CHECK_EQ_INT((int)st.introspect_failures, 1);
    CHECK((int)st.introspect_cache_hits >= 4);
    t_env_down(&e);
}
#endif

int main(void)
{
    t_use_wall_clock();
    T_RUN(test_checks);
    T_RUN(test_replay_window);
    T_RUN(test_nonce);
    T_RUN(test_htu_claims);
    T_RUN(test_alloc_sweep);
#ifndef FASTMCP_NO_SOCKETS
    T_RUN(test_http_required);
    T_RUN(test_http_allowed_nonce);
    T_RUN(test_http_off);
    T_RUN(test_http_introspected);
#endif
    fmcp_wipe(&pk, sizeof pk); fmcp_wipe(&pk2, sizeof pk2);
    fmcp_wipe(&pk384, sizeof pk384); fmcp_wipe(&ik, sizeof ik);
    return t_finish("dpop");
}
