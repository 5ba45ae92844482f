/* Unit tests for the jwt module: RFC 7515 A.2/A.5, Wycheproof JWS vectors,
 * an attack suite, claim policy edges (with a clock hook), the issuer, key
 * sets and allocation failures.
 *
 * Wycheproof json_web_signature_test.json: every compact test is run against
 * an RS256-only verifier (plain_jws: the payloads there are not JWT claims).
 * RS256 groups must give exactly the vector's result; tests of other
 * algorithms (HS*, ES*, PS*, RS384/512) must be refused with alg_not_allowed,
 * because their header alg is not RS256. Key-usage groups (use "enc",
 * key_ops without "verify") must leave no usable key. JSON-serialised JWS
 * tests are skipped: only the compact form is supported. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

static int64_t t_now = 1300819000;
static int64_t t_clock(void *u) { (void)u; return t_now; }
static void t_set_clock(int64_t now)
{
    static fmcp_hooks h;
    h.time_fn = t_clock;
    t_now = now;
    fmcp_set_hooks(&h);
}

static fmcp_json_doc *g_a; /* rfc7515-appendix-a.json */
static char *g_priv_pem, *g_pub_pem, *g_jwk;
static fmcp_rsa_private_key g_key;

/* Compact JSON text of a value (malloc'd). */
static char *t_json_text(const fmcp_json *v)
{
    size_t need = 0;
    char *s;
    fmcp_json_write(v, NULL, 0, &need);
    s = (char *)malloc(need ? need : 1);
    if (s && fmcp_json_write(v, s, need, &need) != FMCP_OK) { free(s); s = NULL; }
    return s;
}

static int t_load_a(void)
{
    char path[1200], *text;
    size_t n;
    const fmcp_json *a2;
    const char *vd = t_vectors_dir();
    if (g_a) return 1;
    if (!vd) return 0;
    snprintf(path, sizeof path, "%s/rfc7515/rfc7515-appendix-a.json", vd);
    text = t_read_file(path, &n);
    if (!text) return 0;
    if (fmcp_json_parse(text, n, NULL, &g_a, NULL) != FMCP_OK) { free(text); return 0; }
    free(text);
    a2 = fmcp_json_get(fmcp_json_root(g_a), "A.2_RS256");
    g_priv_pem = (char *)fmcp_json_get_str(a2, "private_key_pkcs8_pem", NULL);
    g_pub_pem = (char *)fmcp_json_get_str(a2, "public_key_spki_pem", NULL);
    g_jwk = t_json_text(fmcp_json_get(a2, "public_jwk"));
    return g_priv_pem && g_pub_pem && g_jwk &&
           fmcp_rsa_private_from_pem(g_priv_pem, strlen(g_priv_pem), &g_key) == FMCP_OK;
}

static const char *t_a(const char *group, const char *name)
{
    return fmcp_json_get_str(fmcp_json_get(fmcp_json_root(g_a), group), name, "");
}

/* Description must be safe inside a quoted WWW-Authenticate parameter. */
static int t_desc_safe(const char *d)
{
    if (!d || !*d) return 0;
    for (; *d; d++)
        if (*d == '"' || *d == '\\' || (unsigned char)*d < 0x20 || (unsigned char)*d > 0x7e) return 0;
    return 1;
}

static fmcp_jwt_verifier *t_verifier(const char *key, fmcp_jwt_verifier_desc *d)
{
    fmcp_jwt_verifier_desc dd;
    fmcp_jwt_verifier *v = NULL;
    const char *keys[1];
    fmcp_result r;
    if (!d) { memset(&dd, 0, sizeof dd); d = &dd; }
    keys[0] = key;
    if (!d->audience_count) d->allow_any_audience = 1;   /* these tests check other claims */
    d->keys = keys;
    d->key_count = key ? 1 : 0;
    r = fmcp_jwt_verifier_create(d, &v);
    CHECKF(r == FMCP_OK, "verifier_create: %s", fmcp_result_str(r));
    d->keys = NULL;
    d->key_count = 0;
    return v;
}

/* Verifies and checks the error code; returns the result code. */
static int t_expect_at(fmcp_jwt_verifier *v, const char *tok, fmcp_jwt_error want, int line)
{
    fmcp_jwt_verdict r;
    fmcp_result rc = fmcp_jwt_verify(v, tok, strlen(tok), &r);
    CHECKF(r.error == want, "line %d: got %s (%s), want %s", line, fmcp_jwt_error_name(r.error),
           r.description ? r.description : "", fmcp_jwt_error_name(want));
    CHECKF(t_desc_safe(r.description), "line %d: unsafe description", line);
    CHECKF((rc == FMCP_OK) == (want == FMCP_JWT_OK), "line %d: rc %d", line, (int)rc);
    if (want != FMCP_JWT_OK) CHECK(r.claims.raw == NULL && r.claims.root == NULL && r.claims.subject == NULL);
    fmcp_jwt_verdict_destroy(&r);
    return (int)rc;
}
#define T_EXPECT(v, tok, want) t_expect_at((v), (tok), (want), __LINE__)

static char *t_b64(const void *p, size_t n)
{
    size_t cap = fmcp_b64_encoded_len(FMCP_B64_URL, n) + 1, w = 0;
    char *s = (char *)malloc(cap);
    if (s) fmcp_b64_encode(FMCP_B64_URL, p, n, s, cap, &w);
    return s;
}

/* Signs header.payload with key (RS256), independent of fmcp_jwt_issue. */
static char *t_sign_with(const fmcp_rsa_private_key *k, const char *hdr, const char *pay)
{
    char *h = t_b64(hdr, strlen(hdr)), *p = t_b64(pay, strlen(pay)), *s, *out;
    uint8_t dig[32], sig[FMCP_RSA_MAX_BYTES];
    size_t sn = 0, n = strlen(h) + strlen(p) + 1;
    out = (char *)malloc(n + 700);
    snprintf(out, n + 700, "%s.%s", h, p);
    fmcp_sha256(out, n, dig);
    CHECK_OK(fmcp_rsa_sign_sha256(k, dig, sig, sizeof sig, &sn));
    s = t_b64(sig, sn);
    strcat(out, ".");
    strcat(out, s);
    free(h); free(p); free(s);
    return out;
}
static char *t_sign(const char *hdr, const char *pay) { return t_sign_with(&g_key, hdr, pay); }

/* ---- RFC 7515 ------------------------------------------------------------ */

static void test_rfc7515_a2(void)
{
    const char *iss[] = { "joe" }, *bad_iss[] = { "bob" };
    const char *keys[4];
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v;
    fmcp_jwt_verdict r;
    const char *tok;
    int i;
    if (!t_load_a()) T_SKIP("vectors absent: ../shared/vectors/rfc7515");
    tok = t_a("A.2_RS256", "jws_compact");
    keys[0] = g_jwk; keys[1] = g_pub_pem;
    keys[2] = t_a("A.2_RS256", "public_key_pkcs1_pem"); keys[3] = g_priv_pem;
    t_set_clock(1300819000);
    for (i = 0; i < 4; i++) {
        memset(&d, 0, sizeof d);
        d.issuers = iss; d.issuer_count = 1;
        v = t_verifier(keys[i], &d);
        CHECK_OK(fmcp_jwt_verify(v, tok, strlen(tok), &r));
        CHECK_STR(r.claims.issuer, "joe");
        CHECK_EQ_INT(r.claims.expires_at, 1300819380);
        CHECK(r.claims.has_exp && !r.claims.has_iat && !r.claims.has_nbf);
        CHECK(fmcp_json_get_bool(r.claims.root, "http://example.com/is_root", 0) == 1);
        CHECK_EQ_INT(r.claims.raw_len, strlen(fmcp_json_get_str(fmcp_json_root(g_a), "payload_utf8", "")));
        CHECK(r.claims.subject == NULL && r.claims.client_id == NULL && r.claims.scope_count == 0);
        fmcp_jwt_verdict_destroy(&r);
        fmcp_jwt_verifier_destroy(v);
    }
    memset(&d, 0, sizeof d);
    d.issuers = bad_iss; d.issuer_count = 1;
    v = t_verifier(g_jwk, &d);
    T_EXPECT(v, tok, FMCP_JWT_BAD_ISSUER);
    fmcp_jwt_verifier_destroy(v);
    v = t_verifier(g_jwk, NULL);
    t_set_clock(1300819380 + 60);
    T_EXPECT(v, tok, FMCP_JWT_EXPIRED);
    t_set_clock(1300819380 + 59);
    T_EXPECT(v, tok, FMCP_JWT_OK);
    /* A.5 (alg none) and A.1 (HS256) are refused before any key is used */
    T_EXPECT(v, t_a("A.5_unsecured", "jws_compact"), FMCP_JWT_ALG_NOT_ALLOWED);
    T_EXPECT(v, t_a("A.1_HS256", "jws_compact"), FMCP_JWT_ALG_NOT_ALLOWED);
    fmcp_jwt_verifier_destroy(v);
}

/* ---- Wycheproof ---------------------------------------------------------- */

/* Public JWK of a group reduced to kty/n/e (so its alg/use do not filter). */
static char *t_bare_jwk(const fmcp_json *pub)
{
    fmcp_json_writer w;
    char *out = NULL, *copy;
    size_t n = 0;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "kty"); fmcp_jw_str(&w, "RSA");
    fmcp_jw_key(&w, "n"); fmcp_jw_value(&w, fmcp_json_get(pub, "n"));
    fmcp_jw_key(&w, "e"); fmcp_jw_value(&w, fmcp_json_get(pub, "e"));
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) return NULL;
    copy = (char *)malloc(n + 1);
    memcpy(copy, out, n + 1);
    fmcp_free_text(w.alloc, out, n);
    return copy;
}

static int t_header_alg_is_rs256(const char *jws)
{
    const char *dot = strchr(jws, '.');
    char buf[512];
    size_t n = 0;
    if (!dot || fmcp_b64_decode(FMCP_B64_URL, jws, (size_t)(dot - jws), buf, sizeof buf, &n) != FMCP_OK) return 0;
    buf[n] = 0;
    return strstr(buf, "\"alg\":\"RS256\"") != NULL;
}

static int g_rs256_ran;

static void t_wycheproof_group(const fmcp_json *g, const fmcp_json *rsa_pub, int *ran)
{
    const fmcp_json *pub = fmcp_json_get(g, "public"), *t;
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v = NULL, *bare_v = NULL;
    char *jwk_text, *bare;
    const char *keys[1];
    int usable, rs256;
    if (!pub) pub = fmcp_json_get(g, "private");
    rs256 = strcmp(fmcp_json_get_str(pub, "alg", ""), "RS256") == 0;
    jwk_text = t_json_text(pub);
    bare = t_bare_jwk(rsa_pub);
    memset(&d, 0, sizeof d);
    d.plain_jws = 1;
    d.exp_optional = 1;
    keys[0] = jwk_text;
    d.keys = keys; d.key_count = 1;
    usable = fmcp_jwt_verifier_create(&d, &v) == FMCP_OK;
    CHECKF(usable || !rs256, "RS256 group key refused: %s", jwk_text);
    keys[0] = bare;
    CHECK_OK(fmcp_jwt_verifier_create(&d, &bare_v));
    for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
        const char *jws = fmcp_json_get_str(t, "jws", NULL);
        long long id = (long long)fmcp_json_get_int(t, "tcId", 0);
        const char *flag;
        int valid = strcmp(fmcp_json_get_str(t, "result", ""), "valid") == 0;
        fmcp_jwt_verdict r;
        fmcp_result rc;
        if (!jws) continue; /* JSON serialisation: not supported */
        (*ran)++;
        if (t_header_alg_is_rs256(jws) && !usable) continue; /* no usable key: refused at load */
        if (t_header_alg_is_rs256(jws)) {
            rc = fmcp_jwt_verify(v, jws, strlen(jws), &r);
            CHECKF((rc == FMCP_OK) == valid, "tcId %lld: %s (%s)", id, fmcp_jwt_error_name(r.error), r.description);
            flag = fmcp_json_str(fmcp_json_at(fmcp_json_get(t, "flags"), 0), NULL);
            if (flag && strcmp(flag, "ModifiedPadding") == 0)
                CHECKF(r.error == FMCP_JWT_BAD_SIGNATURE, "tcId %lld: %s", id, fmcp_jwt_error_name(r.error));
            g_rs256_ran++;
        } else {
            /* other algorithms, run against an RSA key: never accepted */
            rc = fmcp_jwt_verify(bare_v, jws, strlen(jws), &r);
            CHECKF(rc != FMCP_OK && (r.error == FMCP_JWT_ALG_NOT_ALLOWED || r.error == FMCP_JWT_MALFORMED),
                   "tcId %lld: %s", id, fmcp_jwt_error_name(r.error));
        }
        CHECK(t_desc_safe(r.description));
        fmcp_jwt_verdict_destroy(&r);
    }
    fmcp_jwt_verifier_destroy(v);
    fmcp_jwt_verifier_destroy(bare_v);
    free(jwk_text);
    free(bare);
}

static void test_wycheproof_jws(void)
{
    char path[1200], *text;
    size_t n;
    fmcp_json_doc *doc;
    const fmcp_json *g, *rsa_pub = NULL;
    int ran = 0;
    const char *vd = t_vectors_dir();
    if (!vd) T_SKIP("vectors absent: ../shared/vectors");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/json_web_signature_test.json", vd);
    text = t_read_file(path, &n);
    if (!text) T_SKIP("vectors absent: %s", path);
    CHECK_OK(fmcp_json_parse(text, n, NULL, &doc, NULL));
    free(text);
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g))
        if (!rsa_pub && strcmp(fmcp_json_get_str(fmcp_json_get(g, "public"), "alg", ""), "RS256") == 0)
            rsa_pub = fmcp_json_get(g, "public");
    CHECK(rsa_pub != NULL);
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g && rsa_pub; g = fmcp_json_next(g))
        t_wycheproof_group(g, rsa_pub, &ran);
    CHECKF(ran > 300, "only %d tests ran", ran);
    CHECKF(g_rs256_ran >= 228, "only %d RS256 tests ran", g_rs256_ran);
    fmcp_json_doc_destroy(doc);
}

/* ---- attack suite -------------------------------------------------------- */

static const char *PAY = "{\"sub\":\"alice\",\"iss\":\"joe\",\"exp\":1300819380}";

static void test_attacks(void)
{
    fmcp_jwt_verifier *v;
    char *good, *t, buf[12000], *h, *p;
    uint8_t mac[32];
    size_t n;
    fmcp_rsa_private_key evil;
    if (!t_load_a()) T_SKIP("vectors absent: ../shared/vectors/rfc7515");
    t_set_clock(1300819000);
    v = t_verifier(g_pub_pem, NULL);
    good = t_sign("{\"alg\":\"RS256\"}", PAY);
    T_EXPECT(v, good, FMCP_JWT_OK);
    /* alg none, with and without a signature part */
    h = t_b64("{\"alg\":\"none\"}", strlen("{\"alg\":\"none\"}")); p = t_b64(PAY, strlen(PAY));
    snprintf(buf, sizeof buf, "%s.%s.", h, p);
    T_EXPECT(v, buf, FMCP_JWT_ALG_NOT_ALLOWED);
    free(h);
    h = t_b64("{\"alg\":\"NONE\"}", strlen("{\"alg\":\"NONE\"}"));
    snprintf(buf, sizeof buf, "%s.%s.", h, p);
    T_EXPECT(v, buf, FMCP_JWT_ALG_NOT_ALLOWED);
    free(h);
    /* HS256 with the public key PEM as HMAC secret */
    h = t_b64("{\"alg\":\"HS256\"}", strlen("{\"alg\":\"HS256\"}"));
    snprintf(buf, sizeof buf, "%s.%s", h, p);
    fmcp_hmac_sha256(g_pub_pem, strlen(g_pub_pem), buf, strlen(buf), mac);
    t = t_b64(mac, 32);
    strcat(buf, "."); strcat(buf, t);
    T_EXPECT(v, buf, FMCP_JWT_ALG_NOT_ALLOWED);
    free(t); free(h); free(p);
    /* RS256 signature, header claims RS512; alg missing; alg not a string */
    t = t_sign("{\"alg\":\"RS512\"}", PAY); T_EXPECT(v, t, FMCP_JWT_ALG_NOT_ALLOWED); free(t);
    t = t_sign("{\"typ\":\"JWT\"}", PAY); T_EXPECT(v, t, FMCP_JWT_ALG_NOT_ALLOWED); free(t);
    t = t_sign("{\"alg\":[\"RS256\"]}", PAY); T_EXPECT(v, t, FMCP_JWT_ALG_NOT_ALLOWED); free(t);
    /* tampered payload and header */
    strcpy(buf, good);
    p = strchr(buf, '.') + 1; p[3] = p[3] == 'A' ? 'B' : 'A';
    T_EXPECT(v, buf, FMCP_JWT_BAD_SIGNATURE);
    h = t_b64("{\"alg\":\"RS256\",\"x\":1}", strlen("{\"alg\":\"RS256\",\"x\":1}"));
    snprintf(buf, sizeof buf, "%s%s", h, strchr(good, '.'));
    T_EXPECT(v, buf, FMCP_JWT_BAD_SIGNATURE);
    free(h);
    /* signature of the wrong length */
    strcpy(buf, good); buf[strlen(buf) - 2] = 0;
    T_EXPECT(v, buf, FMCP_JWT_BAD_SIGNATURE);
    snprintf(buf, sizeof buf, "%sAAAA", good);
    T_EXPECT(v, buf, FMCP_JWT_BAD_SIGNATURE);
    snprintf(buf, sizeof buf, "%s", good); *(strrchr(buf, '.') + 1) = 0;
    T_EXPECT(v, buf, FMCP_JWT_BAD_SIGNATURE);
    /* trailing data, extra segments, 5-segment JWE, whitespace */
    snprintf(buf, sizeof buf, "%s.", good); T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    snprintf(buf, sizeof buf, "%s.e30", good); T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    snprintf(buf, sizeof buf, "%s.a.b", good); T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    snprintf(buf, sizeof buf, "%s ", good); T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    snprintf(buf, sizeof buf, "%s\n", good); T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    T_EXPECT(v, "", FMCP_JWT_MALFORMED);
    T_EXPECT(v, "..", FMCP_JWT_MALFORMED);
    T_EXPECT(v, "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", FMCP_JWT_MALFORMED);
    /* non-canonical base64url: padding, stray trailing bits (256-byte
     * signature: the last character carries 4 unused bits), wrong alphabet */
    snprintf(buf, sizeof buf, "%s==", good); T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    strcpy(buf, good); n = strlen(buf);
    buf[n - 1] = (char)(buf[n - 1] == 'Q' ? 'R' : buf[n - 1] + 1);
    T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    strcpy(buf, good); *strchr(buf, '.') = 0; strcat(buf, "=."); strcat(buf, strchr(good, '.') + 1);
    T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    strcpy(buf, good); buf[2] = '+';
    T_EXPECT(v, buf, FMCP_JWT_MALFORMED);
    /* duplicate names in claims and header (signed correctly) */
    t = t_sign("{\"alg\":\"RS256\"}", "{\"sub\":\"a\",\"sub\":\"b\",\"exp\":1300819380}");
    T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\",\"alg\":\"RS256\"}", PAY); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    /* exp/nbf/iat types and ranges */
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":\"1300819380\"}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1300819380,\"nbf\":\"1\"}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1300819380,\"iat\":true}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":NaN}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1e400}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1e300}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":99999999999999999999}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":-1}"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1.30081938e9}"); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "[1300819380]"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1300819380"); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    /* nested JWT, crit, header that is not an object */
    t = t_sign("{\"alg\":\"RS256\",\"cty\":\"JWT\"}", PAY); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\",\"cty\":\"application/jwt\"}", PAY); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}", PAY); T_EXPECT(v, t, FMCP_JWT_UNSUPPORTED_CRIT); free(t);
    t = t_sign("\"RS256\"", PAY); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    /* oversized */
    memset(buf, 'x', 9000); buf[9000] = 0;
    {
        static char big[12100];
        snprintf(big, sizeof big, "{\"exp\":1300819380,\"x\":\"%s\"}", buf);
        t = t_sign("{\"alg\":\"RS256\"}", big);
        T_EXPECT(v, t, FMCP_JWT_TOO_LARGE);
        free(t);
    }
    fmcp_jwt_verifier_destroy(v);
    /* jku / x5u / jwk headers naming an attacker key are not followed */
    CHECK_OK(fmcp_rsa_generate(2048, &evil));
    v = t_verifier(g_jwk, NULL);
    snprintf(buf, sizeof buf, "{\"alg\":\"RS256\",\"jku\":\"https://evil.example/jwks\",\"x5u\":\"https://evil.example/c\",\"jwk\":%s}", g_jwk);
    t = t_sign_with(&evil, buf, PAY); T_EXPECT(v, t, FMCP_JWT_BAD_SIGNATURE); free(t);
    snprintf(buf, sizeof buf, "{\"alg\":\"RS256\",\"kid\":\"evil\",\"jku\":\"https://evil.example/jwks\"}");
    t = t_sign_with(&evil, buf, PAY); T_EXPECT(v, t, FMCP_JWT_BAD_SIGNATURE); free(t);
    fmcp_wipe(&evil, sizeof evil);
    fmcp_jwt_verifier_destroy(v);
    free(good);
}

/* kid selection with a JWKS of two keys */
static void test_kid(void)
{
    char jwks[4096], *other, *t;
    fmcp_jwt_verifier *v;
    fmcp_rsa_private_key k2;
    fmcp_json_writer w;
    size_t n;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1300819000);
    CHECK_OK(fmcp_rsa_generate(2048, &k2));
    fmcp_jw_init_fixed(&w, jwks, sizeof jwks);
    fmcp_jw_object_begin(&w); fmcp_jw_key(&w, "keys"); fmcp_jw_array_begin(&w);
    fmcp_rsa_public_write_jwk(&w, &g_key.pub, "a", "RS256", "sig");
    fmcp_rsa_public_write_jwk(&w, &k2.pub, "b", NULL, NULL);
    fmcp_rsa_public_write_jwk(&w, &k2.pub, "c", "RS512", "sig");  /* skipped: alg */
    fmcp_rsa_public_write_jwk(&w, &k2.pub, "d", NULL, "enc");     /* skipped: use */
    fmcp_jw_array_end(&w); fmcp_jw_object_end(&w);
    CHECK_OK(fmcp_jw_finish(&w, &other, &n));
    v = t_verifier(jwks, NULL);
    t = t_sign("{\"alg\":\"RS256\",\"kid\":\"a\"}", PAY); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
    t = t_sign_with(&k2, "{\"alg\":\"RS256\",\"kid\":\"b\"}", PAY); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
    t = t_sign_with(&k2, "{\"alg\":\"RS256\",\"kid\":\"a\"}", PAY); T_EXPECT(v, t, FMCP_JWT_BAD_SIGNATURE); free(t);
    t = t_sign_with(&k2, "{\"alg\":\"RS256\",\"kid\":\"c\"}", PAY); T_EXPECT(v, t, FMCP_JWT_UNKNOWN_KID); free(t);
    t = t_sign_with(&k2, "{\"alg\":\"RS256\",\"kid\":\"d\"}", PAY); T_EXPECT(v, t, FMCP_JWT_UNKNOWN_KID); free(t);
    t = t_sign("{\"alg\":\"RS256\",\"kid\":\"zz\"}", PAY); T_EXPECT(v, t, FMCP_JWT_UNKNOWN_KID); free(t);
    t = t_sign("{\"alg\":\"RS256\",\"kid\":7}", PAY); T_EXPECT(v, t, FMCP_JWT_MALFORMED); free(t);
    t = t_sign("{\"alg\":\"RS256\"}", PAY); T_EXPECT(v, t, FMCP_JWT_UNKNOWN_KID); free(t);
    fmcp_jwt_verifier_destroy(v);
    /* one JWK with a kid: a token without kid is accepted, a wrong kid is not */
    v = t_verifier(g_jwk, NULL);
    t = t_sign("{\"alg\":\"RS256\",\"kid\":\"zz\"}", PAY); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
    fmcp_jwt_verifier_destroy(v);
    fmcp_jw_init_fixed(&w, jwks, sizeof jwks);
    fmcp_rsa_public_write_jwk(&w, &g_key.pub, "a", NULL, NULL);
    CHECK_OK(fmcp_jw_finish(&w, &other, &n));
    v = t_verifier(jwks, NULL);
    t = t_sign("{\"alg\":\"RS256\"}", PAY); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
    t = t_sign("{\"alg\":\"RS256\",\"kid\":\"zz\"}", PAY); T_EXPECT(v, t, FMCP_JWT_UNKNOWN_KID); free(t);
    fmcp_jwt_verifier_destroy(v);
    fmcp_wipe(&k2, sizeof k2);
}

/* ---- claims policy ------------------------------------------------------- */

static void t_claims_case(fmcp_jwt_verifier *v, const char *pay, fmcp_jwt_error want, int line)
{
    char *t = t_sign("{\"alg\":\"RS256\"}", pay);
    t_expect_at(v, t, want, line);
    free(t);
}
#define T_CLAIMS(v, pay, want) t_claims_case((v), (pay), (want), __LINE__)

static void test_time_edges(void)
{
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1000000);
    v = t_verifier(g_pub_pem, NULL); /* leeway 60 */
    T_CLAIMS(v, "{\"exp\":999940}", FMCP_JWT_EXPIRED);         /* exp == now - leeway */
    T_CLAIMS(v, "{\"exp\":999941}", FMCP_JWT_OK);
    T_CLAIMS(v, "{\"exp\":999940.9}", FMCP_JWT_EXPIRED);       /* fraction rounds down */
    T_CLAIMS(v, "{\"exp\":1000100,\"nbf\":1000060}", FMCP_JWT_OK);   /* nbf == now + leeway */
    T_CLAIMS(v, "{\"exp\":1000100,\"nbf\":1000061}", FMCP_JWT_NOT_YET_VALID);
    T_CLAIMS(v, "{\"exp\":1000100,\"nbf\":1000060.2}", FMCP_JWT_NOT_YET_VALID); /* rounds up */
    T_CLAIMS(v, "{\"exp\":1000100,\"iat\":1000060}", FMCP_JWT_OK);
    T_CLAIMS(v, "{\"exp\":1000100,\"iat\":1000061}", FMCP_JWT_ISSUED_IN_FUTURE);
    T_CLAIMS(v, "{\"iat\":1000000}", FMCP_JWT_MISSING_EXP);
    T_CLAIMS(v, "{}", FMCP_JWT_MISSING_EXP);
    fmcp_jwt_verifier_destroy(v);
    memset(&d, 0, sizeof d);
    d.leeway_seconds = -1; d.exp_optional = 1;
    v = t_verifier(g_pub_pem, &d);
    T_CLAIMS(v, "{\"exp\":1000000}", FMCP_JWT_EXPIRED);
    T_CLAIMS(v, "{\"exp\":1000001}", FMCP_JWT_OK);
    T_CLAIMS(v, "{\"nbf\":1000001}", FMCP_JWT_NOT_YET_VALID);
    T_CLAIMS(v, "{\"nbf\":1000000}", FMCP_JWT_OK);
    T_CLAIMS(v, "{}", FMCP_JWT_OK);
    fmcp_jwt_verifier_destroy(v);
    memset(&d, 0, sizeof d);
    d.leeway_seconds = FMCP_JWT_MAX_LEEWAY + 1; d.allow_any_audience = 1;
    v = NULL;
    CHECK(fmcp_jwt_verifier_create(&d, &v) == FMCP_ERR_INVALID_ARG && v == NULL);
}

static void test_iss_aud_scope(void)
{
    const char *iss[] = { "https://a", "https://b" }, *aud[] = { "mcp", "api" }, *sc[] = { "read", "write" };
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v;
    fmcp_jwt_verdict r;
    char *t;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1000000);
    memset(&d, 0, sizeof d);
    d.issuers = iss; d.issuer_count = 2; d.audiences = aud; d.audience_count = 2;
    d.required_scopes = sc; d.required_scope_count = 2;
    v = t_verifier(g_pub_pem, &d);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1000100,\"iss\":\"https://b\",\"aud\":[\"x\",\"api\"],"
               "\"scope\":\" write  read other\",\"scp\":[\"ignored\"],\"sub\":\"u1\",\"azp\":\"c9\"}");
    CHECK_OK(fmcp_jwt_verify(v, t, strlen(t), &r));
    CHECK_EQ_INT(r.claims.scope_count, 3);
    if (r.claims.scope_count == 3) {
        CHECK_STR(r.claims.scopes[0], "write"); CHECK_STR(r.claims.scopes[1], "read");
        CHECK_STR(r.claims.scopes[2], "other");
    }
    CHECK_EQ_INT(r.claims.audience_count, 2);
    if (r.claims.audience_count == 2) CHECK_STR(r.claims.audiences[1], "api");
    CHECK_STR(r.claims.subject, "u1");
    CHECK_STR(r.claims.client_id, "c9");
    CHECK_STR(r.claims.issuer, "https://b");
    fmcp_jwt_verdict_destroy(&r);
    free(t);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://b\",\"aud\":\"mcp\",\"scp\":[\"read\",\"write\"],\"client_id\":\"c\",\"azp\":\"z\"}", FMCP_JWT_OK);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://b\",\"aud\":\"mcp\",\"scp\":\"read write\"}", FMCP_JWT_OK);
    /* scp array items are whole scope-tokens: "read write" is one bad item, never two scopes */
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://b\",\"aud\":\"mcp\",\"scp\":[\"read write\"]}", FMCP_JWT_INSUFFICIENT_SCOPE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://b\",\"aud\":\"mcp\",\"scp\":[\"read\",\"x write\"]}", FMCP_JWT_INSUFFICIENT_SCOPE);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1000100,\"iss\":\"https://b\",\"aud\":\"mcp\","
               "\"scp\":[\"read admin\",\"write\",\"\",\"a\\tb\",\"read\"]}");
    CHECK_OK(fmcp_jwt_verify(v, t, strlen(t), &r));
    CHECK_EQ_INT(r.claims.scope_count, 2);   /* the bad items are skipped, not split */
    if (r.claims.scope_count == 2) { CHECK_STR(r.claims.scopes[0], "write"); CHECK_STR(r.claims.scopes[1], "read"); }
    fmcp_jwt_verdict_destroy(&r);
    free(t);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://c\",\"aud\":\"mcp\",\"scope\":\"read write\"}", FMCP_JWT_BAD_ISSUER);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a/\",\"aud\":\"mcp\",\"scope\":\"read write\"}", FMCP_JWT_BAD_ISSUER);
    T_CLAIMS(v, "{\"exp\":1000100,\"aud\":\"mcp\",\"scope\":\"read write\"}", FMCP_JWT_BAD_ISSUER);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":1,\"aud\":\"mcp\",\"scope\":\"read write\"}", FMCP_JWT_MALFORMED);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"MCP\",\"scope\":\"read write\"}", FMCP_JWT_BAD_AUDIENCE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":[],\"scope\":\"read write\"}", FMCP_JWT_BAD_AUDIENCE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"scope\":\"read write\"}", FMCP_JWT_BAD_AUDIENCE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":[\"mcp\",1],\"scope\":\"read write\"}", FMCP_JWT_MALFORMED);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\",\"scope\":\"read\"}", FMCP_JWT_INSUFFICIENT_SCOPE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\",\"scope\":\"read writer\"}", FMCP_JWT_INSUFFICIENT_SCOPE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\",\"scope\":\"read\",\"scp\":[\"write\"]}", FMCP_JWT_INSUFFICIENT_SCOPE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\",\"scope\":[\"read\",\"write\"]}", FMCP_JWT_MALFORMED);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\"}", FMCP_JWT_INSUFFICIENT_SCOPE);
    T_CLAIMS(v, "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\",\"scope\":\"read write\",\"sub\":5}", FMCP_JWT_MALFORMED);
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1000100,\"iss\":\"https://a\",\"aud\":\"mcp\",\"scope\":\"read\"}");
    CHECK(fmcp_jwt_verify(v, t, strlen(t), &r) == FMCP_ERR_FORBIDDEN);
    fmcp_jwt_verdict_destroy(&r);
    free(t);
    fmcp_jwt_verifier_destroy(v);
}

static void test_typ(void)
{
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v;
    char *t;
    const char *ok[] = { "at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT" };
    const char *bad[] = { "JWT", "jwt+at", "application/at+jwt2", "" };
    size_t i;
    char hdr[200];
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1000000);
    memset(&d, 0, sizeof d);
    d.typ = "at+jwt";
    v = t_verifier(g_pub_pem, &d);
    for (i = 0; i < 4; i++) {
        snprintf(hdr, sizeof hdr, "{\"alg\":\"RS256\",\"typ\":\"%s\"}", ok[i]);
        t = t_sign(hdr, "{\"exp\":1000100}"); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
        snprintf(hdr, sizeof hdr, "{\"alg\":\"RS256\",\"typ\":\"%s\"}", bad[i]);
        t = t_sign(hdr, "{\"exp\":1000100}"); T_EXPECT(v, t, FMCP_JWT_BAD_TYP); free(t);
    }
    t = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1000100}"); T_EXPECT(v, t, FMCP_JWT_BAD_TYP); free(t);
    fmcp_jwt_verifier_destroy(v);
    v = t_verifier(g_pub_pem, NULL); /* no typ configured: any typ */
    t = t_sign("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", "{\"exp\":1000100}"); T_EXPECT(v, t, FMCP_JWT_OK); free(t);
    fmcp_jwt_verifier_destroy(v);
}

/* ---- configuration and key sets ----------------------------------------- */

static void test_config(void)
{
    const char *algs_bad[] = { "HS256" }, *algs_none[] = { "none" }, *algs_ok[] = { "RS256" };
    const char *keys[1];
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v = NULL;
    fmcp_jwt_keyset *ks;
    const char *why = NULL, *aud[] = { "mcp" };
    if (!t_load_a()) T_SKIP("vectors absent");
    memset(&d, 0, sizeof d);
    d.problem = &why;
    /* audience is required unless explicitly waived (or a plain JWS) */
    CHECK(fmcp_jwt_verifier_create(&d, &v) == FMCP_ERR_INVALID_ARG && v == NULL);
    CHECK(why && strstr(why, "allow_any_audience") && strstr(why, "audiences"));
    d.plain_jws = 1;
    CHECK_OK(fmcp_jwt_verifier_create(&d, &v));
    CHECK(why == NULL);
    fmcp_jwt_verifier_destroy(v);
    d.plain_jws = 0; d.audiences = aud; d.audience_count = 1;
    CHECK_OK(fmcp_jwt_verifier_create(&d, &v));
    fmcp_jwt_verifier_destroy(v);
    d.audiences = NULL; d.audience_count = 0; d.allow_any_audience = 1;
    d.algorithms = algs_bad; d.algorithm_count = 1;
    CHECK(fmcp_jwt_verifier_create(&d, &v) == FMCP_ERR_UNSUPPORTED);
    CHECK(why && strstr(why, "RS256"));
    d.algorithms = algs_none;
    CHECK(fmcp_jwt_verifier_create(&d, &v) == FMCP_ERR_UNSUPPORTED);
    d.algorithms = algs_ok;
    CHECK_OK(fmcp_jwt_verifier_create(&d, &v));
    T_EXPECT(v, t_a("A.2_RS256", "jws_compact"), FMCP_JWT_UNKNOWN_KID); /* no keys yet */
    fmcp_jwt_verifier_destroy(v);
    keys[0] = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\"}]}";
    d.keys = keys; d.key_count = 1;
    CHECK(fmcp_jwt_verifier_create(&d, &v) == FMCP_ERR_BAD_KEY);
    CHECK(why && strstr(why, "no usable key"));
    keys[0] = "{\"keys\":[]}";   /* an empty set fails at creation, not on every request */
    CHECK(fmcp_jwt_verifier_create(&d, &v) == FMCP_ERR_BAD_KEY && why);
    keys[0] = "not a key";
    CHECK(fmcp_jwt_verifier_create(&d, &v) != FMCP_OK);
    CHECK(why != NULL);
    keys[0] = "{\"keys\":{}}";
    CHECK(fmcp_jwt_verifier_create(&d, &v) != FMCP_OK);
    CHECK(fmcp_jwt_verifier_create(NULL, &v) == FMCP_ERR_INVALID_ARG);
    /* skipped keys are counted */
    CHECK_OK(fmcp_jwt_keyset_create(NULL, &ks));
    keys[0] = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\"},1]}";
    CHECK(fmcp_jwt_keyset_add(ks, keys[0], strlen(keys[0])) == FMCP_ERR_BAD_KEY);
    CHECK_EQ_INT(fmcp_jwt_keyset_skipped(ks), 2);
    CHECK_OK(fmcp_jwt_keyset_add(ks, g_jwk, strlen(g_jwk)));
    CHECK_EQ_INT(fmcp_jwt_keyset_count(ks), 1);
    fmcp_jwt_keyset_destroy(ks);
}

static void test_key_swap(void)
{
    fmcp_jwt_verifier *v;
    fmcp_jwt_keyset *ks;
    fmcp_rsa_private_key k2;
    char *t1, *t2;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1000000);
    CHECK_OK(fmcp_rsa_generate(2048, &k2));
    v = t_verifier(g_pub_pem, NULL);
    t1 = t_sign("{\"alg\":\"RS256\"}", "{\"exp\":1000100}");
    t2 = t_sign_with(&k2, "{\"alg\":\"RS256\"}", "{\"exp\":1000100}");
    T_EXPECT(v, t1, FMCP_JWT_OK);
    T_EXPECT(v, t2, FMCP_JWT_BAD_SIGNATURE);
    CHECK_OK(fmcp_jwt_keyset_create(NULL, &ks));
    CHECK_OK(fmcp_jwt_keyset_add_key(ks, &k2.pub, "k2"));
    fmcp_jwt_verifier_set_keys(v, ks);
    T_EXPECT(v, t1, FMCP_JWT_BAD_SIGNATURE);
    T_EXPECT(v, t2, FMCP_JWT_OK);
    fmcp_jwt_verifier_set_keys(v, NULL);
    T_EXPECT(v, t2, FMCP_JWT_UNKNOWN_KID);
    fmcp_jwt_verifier_destroy(v);
    free(t1); free(t2);
    fmcp_wipe(&k2, sizeof k2);
}

#ifndef FASTMCP_NO_THREADS
#include <pthread.h>
typedef struct t_worker { fmcp_jwt_verifier *v; const char *tok; int ok; } t_worker;

static void *t_verify_loop(void *arg)
{
    t_worker *w = (t_worker *)arg;
    int i;
    for (i = 0; i < 150; i++) {
        fmcp_jwt_verdict r;
        if (fmcp_jwt_verify(w->v, w->tok, strlen(w->tok), &r) == FMCP_OK) w->ok++;
        fmcp_jwt_verdict_destroy(&r);
    }
    return NULL;
}

/* Verifications on four threads while the main thread keeps replacing the
 * key set (each new set still holds the signing key): every one succeeds and
 * nothing is freed under a reader (ASan run). */
static void test_threads(void)
{
    pthread_t th[4];
    t_worker w[4];
    fmcp_jwt_verifier *v;
    char *tok;
    int i;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1000000);
    v = t_verifier(g_pub_pem, NULL);
    tok = t_sign("{\"alg\":\"RS256\",\"kid\":\"a\"}", "{\"exp\":1000100}");
    for (i = 0; i < 4; i++) {
        w[i].v = v; w[i].tok = tok; w[i].ok = 0;
        CHECK(pthread_create(&th[i], NULL, t_verify_loop, &w[i]) == 0);
    }
    for (i = 0; i < 200; i++) {
        fmcp_jwt_keyset *ks;
        if (fmcp_jwt_keyset_create(NULL, &ks) != FMCP_OK) break;
        CHECK_OK(fmcp_jwt_keyset_add_key(ks, &g_key.pub, "a"));
        fmcp_jwt_verifier_set_keys(v, ks);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[i].ok, 150);
    }
    fmcp_jwt_verifier_destroy(v);
    free(tok);
}
#endif

/* ---- issuer ---------------------------------------------------------------- */

static void test_issue(void)
{
    const char *aud[] = { "mcp", "api" }, *sc[] = { "read", "write" }, *bad_sc[] = { "a b" };
    fmcp_jwt_issue_desc d;
    fmcp_jwt_verifier_desc vd;
    fmcp_jwt_verifier *v;
    fmcp_jwt_verdict r;
    char *tok, hdr[200];
    size_t n, hn = 0;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(2000000000);
    memset(&d, 0, sizeof d);
    d.subject = "alice"; d.issuer = "https://issuer"; d.audiences = aud; d.audience_count = 2;
    d.scopes = sc; d.scope_count = 2; d.kid = "k1"; d.lifetime_seconds = 600;
    d.claims_json = "{\"sub\":\"bob\",\"client_id\":\"cli\",\"extra\":{\"x\":[1,2]}}";
    CHECK_OK(fmcp_jwt_issue(&g_key, &d, NULL, &tok, &n));
    CHECK_EQ_INT(n, strlen(tok));
    CHECK_OK(fmcp_b64_decode(FMCP_B64_URL, tok, (size_t)(strchr(tok, '.') - tok), hdr, sizeof hdr - 1, &hn));
    hdr[hn] = 0;
    CHECK_STR(hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
    memset(&vd, 0, sizeof vd);
    vd.audiences = aud + 1; vd.audience_count = 1; vd.required_scopes = sc; vd.required_scope_count = 2;
    vd.issuers = &d.issuer; vd.issuer_count = 1;
    v = t_verifier(g_pub_pem, &vd);
    CHECK_OK(fmcp_jwt_verify(v, tok, n, &r));
    CHECK_STR(r.claims.subject, "bob");
    CHECK_STR(r.claims.client_id, "cli");
    CHECK_EQ_INT(r.claims.issued_at, 2000000000);
    CHECK_EQ_INT(r.claims.expires_at, 2000000600);
    CHECK_EQ_INT(r.claims.scope_count, 2);
    CHECK_EQ_INT(fmcp_json_len(fmcp_json_get(fmcp_json_get(r.claims.root, "extra"), "x")), 2);
    CHECK_STR(fmcp_json_get_str(r.claims.root, "scope", ""), "read write");
    fmcp_jwt_verdict_destroy(&r);
    fmcp_free_text(NULL, tok, n);
    /* negative lifetime gives an expired token; one audience is a string */
    d.lifetime_seconds = -120; d.audience_count = 1; d.claims_json = NULL;
    CHECK_OK(fmcp_jwt_issue(&g_key, &d, NULL, &tok, &n));
    T_EXPECT(v, tok, FMCP_JWT_EXPIRED);
    fmcp_free_text(NULL, tok, n);
    fmcp_jwt_verifier_destroy(v);
    d.lifetime_seconds = 0; d.claims_json = "[1]";
    CHECK(fmcp_jwt_issue(&g_key, &d, NULL, &tok, &n) == FMCP_ERR_PARSE && tok == NULL);
    d.claims_json = "{\"a\":1,\"a\":2}";
    CHECK(fmcp_jwt_issue(&g_key, &d, NULL, &tok, &n) == FMCP_ERR_PARSE);
    d.claims_json = NULL; d.scopes = bad_sc; d.scope_count = 1;
    CHECK(fmcp_jwt_issue(&g_key, &d, NULL, &tok, &n) == FMCP_ERR_INVALID_ARG);
}

/* ---- allocation failures --------------------------------------------------- */

static void test_alloc_sweeps(void)
{
    const char *aud[] = { "mcp" }, *sc[] = { "read" }, *keys[2];
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_issue_desc id;
    fmcp_jwt_verifier *v = NULL;
    char *tok = NULL, jwks[2000];
    size_t n = 0;
    if (!t_load_a()) T_SKIP("vectors absent");
    t_set_clock(1000000);
    snprintf(jwks, sizeof jwks, "{\"keys\":[%s]}", g_jwk);
    memset(&d, 0, sizeof d);
    keys[0] = jwks; keys[1] = g_pub_pem;
    d.keys = keys; d.key_count = 2; d.audiences = aud; d.audience_count = 1;
    d.required_scopes = sc; d.required_scope_count = 1; d.issuers = aud; d.issuer_count = 1;
    d.typ = "JWT"; d.alloc = &t_alloc;
    T_ALLOC_SWEEP(t_rc = fmcp_jwt_verifier_create(&d, &v); if (t_rc == 0) fmcp_jwt_verifier_destroy(v));
    memset(&id, 0, sizeof id);
    id.subject = "s"; id.issuer = "mcp"; id.audiences = aud; id.audience_count = 1; id.scopes = sc;
    id.scope_count = 1; id.claims_json = "{\"azp\":\"x\",\"scp\":[\"a\"]}";
    T_ALLOC_SWEEP(t_rc = fmcp_jwt_issue(&g_key, &id, &t_alloc, &tok, &n); if (t_rc == 0) fmcp_free_text(&t_alloc, tok, n));
    d.key_count = 1;
    CHECK_OK(fmcp_jwt_verifier_create(&d, &v));
    CHECK_OK(fmcp_jwt_issue(&g_key, &id, NULL, &tok, &n));
    {
        fmcp_jwt_verdict r;
        T_ALLOC_SWEEP(t_rc = fmcp_jwt_verify(v, tok, n, &r);
                      if (t_rc == 0) CHECK_STR(r.claims.client_id, "x");
                      if (t_rc != 0 && t_alloc_failed) CHECK(r.error == FMCP_JWT_INTERNAL);
                      fmcp_jwt_verdict_destroy(&r));
    }
    fmcp_free_text(NULL, tok, n);
    fmcp_jwt_verifier_destroy(v);
    T_ALLOC_SWEEP({ fmcp_jwt_keyset *ks = NULL; t_rc = fmcp_jwt_keyset_create(&t_alloc, &ks);
                    if (t_rc == 0) t_rc = fmcp_jwt_keyset_add(ks, jwks, strlen(jwks));
                    if (t_rc == 0) t_rc = fmcp_jwt_keyset_add(ks, g_pub_pem, strlen(g_pub_pem));
                    fmcp_jwt_keyset_destroy(ks); });
}

static void test_error_names(void)
{
    int e;
    for (e = 0; e <= (int)FMCP_JWT_INTERNAL; e++) {
        const char *s = fmcp_jwt_error_name((fmcp_jwt_error)e);
        CHECK(s && strcmp(s, "unknown") != 0 && t_desc_safe(s));
    }
    CHECK_STR(fmcp_jwt_error_name(FMCP_JWT_INSUFFICIENT_SCOPE), "insufficient_scope");
}

int main(void)
{
    T_RUN(test_rfc7515_a2);
    T_RUN(test_wycheproof_jws);
    T_RUN(test_attacks);
    T_RUN(test_kid);
    T_RUN(test_time_edges);
    T_RUN(test_iss_aud_scope);
    T_RUN(test_typ);
    T_RUN(test_config);
    T_RUN(test_key_swap);
#ifndef FASTMCP_NO_THREADS
    T_RUN(test_threads);
#endif
    T_RUN(test_issue);
    T_RUN(test_alloc_sweeps);
    T_RUN(test_error_names);
    fmcp_set_hooks(NULL);
    free(g_jwk);
    if (g_a) fmcp_json_doc_destroy(g_a);
    fmcp_wipe(&g_key, sizeof g_key);
    return t_finish("jwt");
}
