/* Unit tests for the JWS algorithms beyond RS256 (jwk module and the jwt
 * verifier/issuer with PS256, ES256, ES384, EdDSA, Ed25519): RFC 8037 and
 * RFC 7638 examples, OpenSSL-made PEM keys, every algorithm end to end, each
 * algorithm-to-key binding refused across types and curves, ECDSA signature
 * forms (zero signature and its variants of CVE-2022-21449, DER, wrong
 * lengths), a JWKS mixing key types with unusable members, JWK round trips
 * and allocation failures. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

static fmcp_jwk_private_key g_rsa, g_p256, g_p384, g_ed; /* generated once */
static int g_keys_ok;

static int t_keys(void)
{
    if (g_keys_ok) return 1;
    g_keys_ok = fmcp_jwk_generate(FMCP_JWS_RS256, 2048, &g_rsa) == FMCP_OK
                && fmcp_jwk_generate(FMCP_JWS_ES256, 0, &g_p256) == FMCP_OK
                && fmcp_jwk_generate(FMCP_JWS_ES384, 0, &g_p384) == FMCP_OK
                && fmcp_jwk_generate(FMCP_JWS_EDDSA, 0, &g_ed) == FMCP_OK;
    return g_keys_ok;
}

static const fmcp_jwk_private_key *t_key_for(fmcp_jws_alg alg)
{
    switch (alg) {
    case FMCP_JWS_ES256: return &g_p256;
    case FMCP_JWS_ES384: return &g_p384;
    case FMCP_JWS_EDDSA: case FMCP_JWS_ED25519: return &g_ed;
    default: return &g_rsa;
    }
}

/* {"keys":[...]} of public keys (kids and algs may be NULL); malloc'd. */
static char *t_jwks(const fmcp_jwk_private_key *const *keys, const char *const *kids, const char *const *algs,
                    size_t n)
{
    fmcp_json_writer w;
    fmcp_jwk_public_key pub;
    char *out = NULL, *copy;
    size_t len = 0, i;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "keys");
    fmcp_jw_array_begin(&w);
    for (i = 0; i < n; i++) {
        fmcp_jwk_public_of(keys[i], &pub);
        fmcp_jwk_public_write(&w, &pub, kids ? kids[i] : NULL, algs ? algs[i] : NULL, "sig");
    }
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &len) != FMCP_OK) return NULL;
    copy = (char *)malloc(len + 1);
    if (copy) memcpy(copy, out, len + 1);
    fmcp_free_text(w.alloc, out, len);
    return copy;
}

static char *t_issue(const fmcp_jwk_private_key *k, const char *alg, const char *kid)
{
    fmcp_jwt_issue_desc d;
    static const char *aud[] = { "mcp" };
    char *tok = NULL, *copy;
    size_t n = 0;
    memset(&d, 0, sizeof d);
    d.subject = "alice";
    d.audiences = aud;
    d.audience_count = 1;
    d.kid = kid;
    d.alg = alg;
    if (fmcp_jwt_issue_key(k, &d, NULL, &tok, &n) != FMCP_OK) return NULL;
    copy = (char *)malloc(n + 1);
    if (copy) memcpy(copy, tok, n + 1);
    fmcp_free_text(NULL, tok, n);
    return copy;
}

/* Verifies token against one key text with an allow-list; the error code. */
static fmcp_jwt_error t_verify(const char *keytext, const char *const *algs, size_t nalgs, const char *token)
{
    fmcp_jwt_verifier_desc d;
    fmcp_jwt_verifier *v = NULL;
    fmcp_jwt_verdict r;
    const char *keys[1];
    fmcp_jwt_error e;
    memset(&d, 0, sizeof d);
    keys[0] = keytext;
    d.keys = keys;
    d.key_count = 1;
    d.algorithms = algs;
    d.algorithm_count = nalgs;
    d.allow_any_audience = 1;
    if (!token || fmcp_jwt_verifier_create(&d, &v) != FMCP_OK) return FMCP_JWT_INTERNAL;
    fmcp_jwt_verify(v, token, strlen(token), &r);
    e = r.error;
    fmcp_jwt_verdict_destroy(&r);
    fmcp_jwt_verifier_destroy(v);
    return e;
}

static char *t_pub_pem(const fmcp_jwk_private_key *k)
{
    static char pem[4096];
    size_t n = 0;
    fmcp_jwk_public_key pub;
    if (fmcp_jwk_public_of(k, &pub) != FMCP_OK || fmcp_jwk_public_to_pem(&pub, pem, sizeof pem, &n) != FMCP_OK)
        return NULL;
    return pem;
}

/* header.payload.base64url(sig) with the given header JSON and raw signature. */
static char *t_forge(const char *header, const char *payload, const uint8_t *sig, size_t sn)
{
    size_t hn = strlen(header), pn = strlen(payload), at = 0, w = 0;
    size_t cap = fmcp_b64_encoded_len(FMCP_B64_URL, hn) + fmcp_b64_encoded_len(FMCP_B64_URL, pn)
                 + fmcp_b64_encoded_len(FMCP_B64_URL, sn) + 3;
    char *t = (char *)malloc(cap);
    if (!t) return NULL;
    fmcp_b64_encode(FMCP_B64_URL, header, hn, t, cap, &w); at = w;
    t[at++] = '.';
    fmcp_b64_encode(FMCP_B64_URL, payload, pn, t + at, cap - at, &w); at += w;
    t[at++] = '.';
    fmcp_b64_encode(FMCP_B64_URL, sig, sn, t + at, cap - at, &w); at += w;
    t[at] = 0;
    return t;
}

/* Signs header.payload with k under alg (the signature itself is honest). */
static char *t_sign_as(const fmcp_jwk_private_key *k, fmcp_jws_alg sign_alg, const char *header)
{
    static const char payload[] = "{\"sub\":\"x\",\"exp\":4102444800}";
    uint8_t sig[FMCP_JWS_MAX_SIG];
    size_t sn = 0;
    char *t = t_forge(header, payload, (const uint8_t *)"", 0), *dot;
    if (!t) return NULL;
    dot = strrchr(t, '.');
    if (fmcp_jws_sign(k, sign_alg, t, (size_t)(dot - t), sig, sizeof sig, &sn) != FMCP_OK) { free(t); return NULL; }
    free(t);
    return t_forge(header, payload, sig, sn);
}

/* ---- names ------------------------------------------------------------------ */

static void test_alg_names(void)
{
    static const char *names[] = { "RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519" };
    size_t i;
    for (i = 0; i < 6; i++) {
        fmcp_jws_alg a = fmcp_jws_alg_from_name(names[i], strlen(names[i]));
        CHECK(a != FMCP_JWS_NONE);
        CHECK_STR(fmcp_jws_alg_name(a), names[i]);
    }
    CHECK_EQ_INT(fmcp_jws_alg_from_name("none", 4), FMCP_JWS_NONE);
    CHECK_EQ_INT(fmcp_jws_alg_from_name("HS256", 5), FMCP_JWS_NONE);
    CHECK_EQ_INT(fmcp_jws_alg_from_name("es256", 5), FMCP_JWS_NONE);
    CHECK_EQ_INT(fmcp_jws_alg_from_name("ES512", 5), FMCP_JWS_NONE);
    CHECK_EQ_INT(fmcp_jws_alg_from_name("ES2566", 5), FMCP_JWS_ES256); /* length counts */
    CHECK_EQ_INT(fmcp_jws_alg_from_name(NULL, 0), FMCP_JWS_NONE);
}

/* ---- published examples -------------------------------------------------------- */

static fmcp_result t_jwk_text(const char *text, int priv, fmcp_jwk_public_key *pub, fmcp_jwk_private_key *k)
{
    fmcp_json_doc *doc = NULL;
    fmcp_result r = fmcp_json_parse(text, strlen(text), NULL, &doc, NULL);
    if (r != FMCP_OK) return r;
    r = priv ? fmcp_jwk_private_from_json(fmcp_json_root(doc), k) : fmcp_jwk_public_from_json(fmcp_json_root(doc), pub);
    fmcp_json_doc_destroy(doc);
    return r;
}

static void test_rfc8037(void)
{
    /* RFC 8037 A.1 (key), A.2 (public), A.3 (thumbprint), A.4 (signature) */
    static const char priv[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
                               "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    static const char pub[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    static const char jws[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    static const char *eddsa[] = { "EdDSA" }, *ed25519[] = { "Ed25519" };
    static fmcp_jwk_private_key k;
    fmcp_jwk_public_key p, p2;
    char tp[FMCP_JWK_THUMBPRINT_LEN + 1];
    uint8_t sig[64], want[64];
    size_t sn = 0, wn = 0;
    const char *dot = strrchr(jws, '.');
    CHECK_OK(t_jwk_text(priv, 1, NULL, &k));
    CHECK_OK(t_jwk_text(pub, 0, &p, NULL));
    CHECK_OK(fmcp_jwk_public_of(&k, &p2));
    CHECK(p.kty == FMCP_JWK_OKP && memcmp(p.okp, p2.okp, 32) == 0);
    CHECK_OK(fmcp_jwk_thumbprint(&p, tp));
    CHECK_STR(tp, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    /* Ed25519 is deterministic: our signature is the RFC's */
    CHECK_OK(fmcp_jws_sign(&k, FMCP_JWS_EDDSA, jws, (size_t)(dot - jws), sig, sizeof sig, &sn));
    CHECK_OK(fmcp_b64_decode(FMCP_B64_URL, dot + 1, strlen(dot + 1), want, sizeof want, &wn));
    CHECK(sn == 64 && wn == 64 && memcmp(sig, want, 64) == 0);
    /* plain_jws: the payload is not a claims set */
    {
        fmcp_jwt_verifier_desc d;
        fmcp_jwt_verifier *v = NULL;
        fmcp_jwt_verdict r;
        const char *keys[1];
        memset(&d, 0, sizeof d);
        keys[0] = pub;
        d.keys = keys; d.key_count = 1; d.plain_jws = 1;
        d.algorithms = eddsa; d.algorithm_count = 1;
        CHECK_OK(fmcp_jwt_verifier_create(&d, &v));
        CHECK_OK(fmcp_jwt_verify(v, jws, strlen(jws), &r));
        CHECK(r.claims.raw && strcmp(r.claims.raw, "Example of Ed25519 signing") == 0);
        fmcp_jwt_verdict_destroy(&r);
        fmcp_jwt_verifier_destroy(v);
        d.algorithms = ed25519; /* "Ed25519" allowed, "EdDSA" not */
        CHECK_OK(fmcp_jwt_verifier_create(&d, &v));
        CHECK(fmcp_jwt_verify(v, jws, strlen(jws), &r) == FMCP_ERR_AUTH && r.error == FMCP_JWT_ALG_NOT_ALLOWED);
        fmcp_jwt_verdict_destroy(&r);
        fmcp_jwt_verifier_destroy(v);
    }
    fmcp_wipe(&k, sizeof k);
}

static void test_rfc7638(void)
{
    /* RFC 7638 3.1: the example key and its thumbprint, through the generic path */
    static const char jwk[] =
        "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxu"
        "hDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
        "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
        "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\","
        "\"kid\":\"2011-04-29\"}";
    static fmcp_jwk_public_key k;
    char tp[FMCP_JWK_THUMBPRINT_LEN + 1];
    CHECK_OK(t_jwk_text(jwk, 0, &k, NULL));
    CHECK(k.kty == FMCP_JWK_RSA && k.alg == FMCP_JWS_RS256);
    CHECK_OK(fmcp_jwk_thumbprint(&k, tp));
    CHECK_STR(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    CHECK(!fmcp_jwk_alg_fits(&k, FMCP_JWS_PS256) && fmcp_jwk_alg_fits(&k, FMCP_JWS_RS256));
    memset(&k, 0, sizeof k);
    CHECK_EQ_INT(fmcp_jwk_thumbprint(&k, tp), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_jwk_thumbprint(NULL, tp), FMCP_ERR_INVALID_ARG);
}

/* ---- PEM/DER made by OpenSSL ---------------------------------------------------- */

static const char ossl_p256_sec1[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIIb5aXaCFfrl9NiX18okQfS+MGLKtadOPOACw51vu72joAoGCCqGSM49\n"
    "AwEHoUQDQgAEWsJQ/P6mONRMDAm2qp/15vVuHmnCoDYtBe66IyV0UKrbGmX+uvdi\n"
    "p8xGIUM+vxL6EJdaiCTEsxc04rmNgdE2pw==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char ossl_p256_spki[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEWsJQ/P6mONRMDAm2qp/15vVuHmnC\n"
    "oDYtBe66IyV0UKrbGmX+uvdip8xGIUM+vxL6EJdaiCTEsxc04rmNgdE2pw==\n"
    "-----END PUBLIC KEY-----\n";
static const char ossl_p384_pkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDB1WmIrbdBle9H1ygEb\n"
    "lfrMQorBAYB+ZoVf1KwBWk2cv/dxjYstg20XwBr0f/x4gXyhZANiAAQtKDxnBQN4\n"
    "U5hwlDhGK9XJ09SwI/hXq3wuZ9PCA8BxBtM4uMwohGUbnbjCS91HrGcRqhQM7XYt\n"
    "2Xo/TgpbuEjt/FkLlgkU9JX12JNt5PmkdQI7aGS9E3NuWMVg9sWN2fg=\n"
    "-----END PRIVATE KEY-----\n";
static const char ossl_ed_pkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJf6u4532YLmw3TtugjKICLAX1KUa4v4WMeyGO9nKGMS\n"
    "-----END PRIVATE KEY-----\n";
static const char ossl_ed_spki[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAYxxXEyXDfAb1XIp6F0jYbGy0mz3eRWe5qfxo3TTDYEg=\n"
    "-----END PUBLIC KEY-----\n";

static void test_pem(void)
{
    static fmcp_jwk_private_key k;
    fmcp_jwk_public_key p, q;
    char out[1024];
    size_t n = 0;
    static const uint8_t d256[4] = { 0x86, 0xf9, 0x69, 0x76 }; /* openssl ec -text: priv 86:f9:69:76:... */
    /* SEC1 private key: the scalar, its public half equals the SPKI, emitted as OpenSSL does */
    CHECK_OK(fmcp_jwk_private_from_pem(ossl_p256_sec1, strlen(ossl_p256_sec1), &k));
    CHECK(k.kty == FMCP_JWK_EC && k.ec.pub.curve == FMCP_EC_P256 && memcmp(k.ec.d, d256, 4) == 0);
    CHECK_OK(fmcp_jwk_public_from_pem(ossl_p256_spki, strlen(ossl_p256_spki), &p));
    CHECK_OK(fmcp_jwk_public_from_pem(ossl_p256_sec1, strlen(ossl_p256_sec1), &q));
    CHECK(p.kty == FMCP_JWK_EC && memcmp(&p.ec, &q.ec, sizeof p.ec) == 0);
    CHECK_OK(fmcp_jwk_public_to_pem(&p, out, sizeof out, &n));
    CHECK(n == strlen(ossl_p256_spki) && strcmp(out, ossl_p256_spki) == 0);
    CHECK_EQ_INT(fmcp_jwk_public_to_pem(&p, out, n, &n), FMCP_ERR_BUFFER_TOO_SMALL);
    /* PKCS#8 P-384 and Ed25519 are written back byte for byte */
    CHECK_OK(fmcp_jwk_private_from_pem(ossl_p384_pkcs8, strlen(ossl_p384_pkcs8), &k));
    CHECK(k.kty == FMCP_JWK_EC && k.ec.pub.curve == FMCP_EC_P384);
    CHECK_OK(fmcp_jwk_private_to_pem(&k, out, sizeof out, &n));
    CHECK(strcmp(out, ossl_p384_pkcs8) == 0);
    CHECK_OK(fmcp_jwk_private_from_pem(ossl_ed_pkcs8, strlen(ossl_ed_pkcs8), &k));
    CHECK(k.kty == FMCP_JWK_OKP);
    CHECK_OK(fmcp_jwk_private_to_pem(&k, out, sizeof out, &n));
    CHECK(strcmp(out, ossl_ed_pkcs8) == 0);
    CHECK_OK(fmcp_jwk_public_from_pem(ossl_ed_spki, strlen(ossl_ed_spki), &p));
    CHECK_OK(fmcp_jwk_public_of(&k, &q));
    CHECK(p.kty == FMCP_JWK_OKP && memcmp(p.okp, q.okp, 32) == 0);
    CHECK_OK(fmcp_jwk_public_to_pem(&p, out, sizeof out, &n));
    CHECK(strcmp(out, ossl_ed_spki) == 0);
    /* the private reader passes public blocks over; the RSA readers refuse EC/Ed keys */
    CHECK_EQ_INT(fmcp_jwk_private_from_pem(ossl_ed_spki, strlen(ossl_ed_spki), &k), FMCP_ERR_NOT_FOUND);
    {
        static fmcp_rsa_private_key rk;
        fmcp_rsa_public_key rp;
        CHECK_EQ_INT(fmcp_rsa_private_from_pem(ossl_p256_sec1, strlen(ossl_p256_sec1), &rk), FMCP_ERR_UNSUPPORTED);
        CHECK_EQ_INT(fmcp_rsa_public_from_pem(ossl_ed_spki, strlen(ossl_ed_spki), &rp), FMCP_ERR_UNSUPPORTED);
    }
    /* a round trip of generated keys of every type through PEM */
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    {
        const fmcp_jwk_private_key *all[4];
        size_t i;
        all[0] = &g_rsa; all[1] = &g_p256; all[2] = &g_p384; all[3] = &g_ed;
        for (i = 0; i < 4; i++) {
            static char big[8192];
            CHECK_OK(fmcp_jwk_private_to_pem(all[i], big, sizeof big, &n));
            CHECK_OK(fmcp_jwk_private_from_pem(big, n, &k));
            CHECK_OK(fmcp_jwk_public_of(&k, &p));
            CHECK_OK(fmcp_jwk_public_of(all[i], &q));
            CHECK(memcmp(&p, &q, sizeof p) == 0);
        }
    }
    fmcp_wipe(&k, sizeof k);
}

static void test_der_edges(void)
{
    uint8_t der[256];
    size_t n = 0;
    static fmcp_jwk_private_key k;
    fmcp_jwk_public_key p;
    const char *b = strchr(ossl_p256_sec1, '\n') + 1, *e = strstr(ossl_p256_sec1, "-----END");
    char b64[256];
    size_t m = 0, i;
    for (i = 0; b + i < e; i++) if (b[i] != '\n') b64[m++] = b[i];
    CHECK_OK(fmcp_b64_decode(FMCP_B64_STD, b64, m, der, sizeof der, &n));
    CHECK_OK(fmcp_jwk_private_from_der(der, n, &k));
    /* a public key in [1] that does not belong to the scalar */
    der[n - 1] ^= 1;
    CHECK_EQ_INT(fmcp_jwk_private_from_der(der, n, &k), FMCP_ERR_BAD_KEY);
    der[n - 1] ^= 1;
    /* trailing byte, truncation */
    CHECK(fmcp_jwk_private_from_der(der, n - 1, &k) != FMCP_OK);
    CHECK(fmcp_jwk_public_from_der(der, n, &p) != FMCP_OK); /* a private key is not a public one */
    CHECK_EQ_INT(fmcp_jwk_public_from_der(NULL, 0, &p), FMCP_ERR_INVALID_ARG);
}

/* ---- every algorithm end to end -------------------------------------------------- */

static void test_each_alg(void)
{
    static const char *names[] = { "RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519" };
    static const char *rs[] = { "RS256" };
    size_t i;
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    for (i = 0; i < 6; i++) {
        fmcp_jws_alg a = fmcp_jws_alg_from_name(names[i], strlen(names[i]));
        const fmcp_jwk_private_key *k = t_key_for(a);
        const char *kids[1] = { "k1" }, *algs[1];
        const fmcp_jwk_private_key *ks[1];
        char *jwks, *tok = t_issue(k, names[i], "k1"), *pem = t_pub_pem(k);
        fmcp_jwt_verdict r;
        ks[0] = k;
        algs[0] = names[i];
        jwks = t_jwks(ks, kids, NULL, 1);
        CHECKF(tok && jwks && pem, "%s: issue", names[i]);
        if (!tok || !jwks || !pem) { free(tok); free(jwks); continue; }
        CHECKF(t_verify(jwks, algs, 1, tok) == FMCP_JWT_OK, "%s: JWKS", names[i]);
        CHECKF(t_verify(pem, algs, 1, tok) == FMCP_JWT_OK, "%s: PEM", names[i]);
        CHECKF(t_verify(jwks, names, 6, tok) == FMCP_JWT_OK, "%s: all allowed", names[i]);
        /* the default allow-list is RS256 only */
        CHECKF(t_verify(jwks, NULL, 0, tok) == (a == FMCP_JWS_RS256 ? FMCP_JWT_OK : FMCP_JWT_ALG_NOT_ALLOWED),
               "%s: default list", names[i]);
        if (a != FMCP_JWS_RS256) CHECK(t_verify(jwks, rs, 1, tok) == FMCP_JWT_ALG_NOT_ALLOWED);
        /* the header names the algorithm */
        {
            char hdr[128];
            size_t hn = 0;
            const char *dot = strchr(tok, '.');
            CHECK_OK(fmcp_b64_decode(FMCP_B64_URL, tok, (size_t)(dot - tok), hdr, sizeof hdr - 1, &hn));
            hdr[hn] = 0;
            CHECKF(strstr(hdr, names[i]) != NULL, "%s: header %s", names[i], hdr);
        }
        /* one flipped bit in the signature */
        tok[strlen(tok) - 2] = tok[strlen(tok) - 2] == 'A' ? 'B' : 'A';
        CHECKF(t_verify(jwks, algs, 1, tok) == FMCP_JWT_BAD_SIGNATURE, "%s: tampered", names[i]);
        (void)r;
        free(tok);
        free(jwks);
    }
    /* issuing with an algorithm the key cannot make */
    {
        fmcp_jwt_issue_desc d;
        char *tok = NULL;
        size_t n = 0;
        memset(&d, 0, sizeof d);
        d.alg = "ES384";
        CHECK_EQ_INT(fmcp_jwt_issue_key(&g_p256, &d, NULL, &tok, &n), FMCP_ERR_BAD_KEY);
        d.alg = "HS256";
        CHECK_EQ_INT(fmcp_jwt_issue_key(&g_p256, &d, NULL, &tok, &n), FMCP_ERR_UNSUPPORTED);
        d.alg = "PS256";
        CHECK_EQ_INT(fmcp_jwt_issue(&g_rsa.rsa, &d, NULL, &tok, &n), FMCP_OK);
        CHECK(tok != NULL && strncmp(tok, "eyJhbGciOiJQUzI1NiIs", 20) == 0); /* {"alg":"PS256", */
        fmcp_free_text(NULL, tok, n);
        d.alg = "ES256";
        CHECK_EQ_INT(fmcp_jwt_issue(&g_rsa.rsa, &d, NULL, &tok, &n), FMCP_ERR_BAD_KEY);
        d.alg = NULL; /* defaults by key type */
        CHECK_OK(fmcp_jwt_issue_key(&g_p384, &d, NULL, &tok, &n));
        CHECK(strncmp(tok, "eyJhbGciOiJFUzM4NCIs", 20) == 0); /* {"alg":"ES384", */
        fmcp_free_text(NULL, tok, n);
        CHECK_OK(fmcp_jwt_issue_key(&g_ed, &d, NULL, &tok, &n));
        CHECK(strncmp(tok, "eyJhbGciOiJFZERTQSIs", 20) == 0); /* {"alg":"EdDSA", */
        fmcp_free_text(NULL, tok, n);
    }
}

/* ---- binding refusals ---------------------------------------------------------------- */

static void test_cross_binding(void)
{
    static const char *all[] = { "RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519" };
    const fmcp_jwk_private_key *ks[1];
    const char *kid[1] = { "k" }, *alg[1];
    char *p384, *rsa, *p256, *ed, *rs_bound, *ps_bound, *eddsa_bound, *tok;
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    ks[0] = &g_p384; p384 = t_jwks(ks, kid, NULL, 1);
    ks[0] = &g_rsa; rsa = t_jwks(ks, kid, NULL, 1);
    alg[0] = "RS256"; rs_bound = t_jwks(ks, kid, alg, 1);
    alg[0] = "PS256"; ps_bound = t_jwks(ks, kid, alg, 1);
    ks[0] = &g_p256; p256 = t_jwks(ks, kid, NULL, 1);
    ks[0] = &g_ed; ed = t_jwks(ks, kid, NULL, 1);
    alg[0] = "EdDSA"; eddsa_bound = t_jwks(ks, kid, alg, 1);

    /* an ES256 token never verifies with a P-384 or RSA key of the same kid */
    tok = t_issue(&g_p256, "ES256", "k");
    CHECK(t_verify(p256, all, 6, tok) == FMCP_JWT_OK);
    CHECK(t_verify(p384, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    CHECK(t_verify(rsa, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    CHECK(t_verify(ed, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    free(tok);
    /* a P-384 key's honest signature presented as ES256 (SHA-256 digest) */
    tok = t_sign_as(&g_p384, FMCP_JWS_ES384, "{\"alg\":\"ES256\",\"kid\":\"k\"}");
    CHECK(tok && t_verify(p384, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    free(tok);
    tok = t_issue(&g_p384, "ES384", "k");
    CHECK(t_verify(p384, all, 6, tok) == FMCP_JWT_OK);
    CHECK(t_verify(p256, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    free(tok);
    /* RSA keys: unbound ones take RS256 and PS256; bound ones only their own */
    tok = t_issue(&g_rsa, "PS256", "k");
    CHECK(t_verify(rsa, all, 6, tok) == FMCP_JWT_OK);
    CHECK(t_verify(ps_bound, all, 6, tok) == FMCP_JWT_OK);
    CHECK(t_verify(rs_bound, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    CHECK(t_verify(p256, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    free(tok);
    tok = t_issue(&g_rsa, "RS256", "k");
    CHECK(t_verify(rs_bound, all, 6, tok) == FMCP_JWT_OK);
    CHECK(t_verify(ps_bound, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    free(tok);
    /* a PKCS#1 v1.5 signature under a PS256 header, and the reverse */
    tok = t_sign_as(&g_rsa, FMCP_JWS_RS256, "{\"alg\":\"PS256\",\"kid\":\"k\"}");
    CHECK(tok && t_verify(rsa, all, 6, tok) == FMCP_JWT_BAD_SIGNATURE);
    free(tok);
    tok = t_sign_as(&g_rsa, FMCP_JWS_PS256, "{\"alg\":\"RS256\",\"kid\":\"k\"}");
    CHECK(tok && t_verify(rsa, all, 6, tok) == FMCP_JWT_BAD_SIGNATURE);
    free(tok);
    /* Ed25519: both names with an unbound key; a key bound to EdDSA refuses "Ed25519" */
    tok = t_issue(&g_ed, "Ed25519", "k");
    CHECK(t_verify(ed, all, 6, tok) == FMCP_JWT_OK);
    CHECK(t_verify(eddsa_bound, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    CHECK(t_verify(p256, all, 6, tok) == FMCP_JWT_UNKNOWN_KID);
    free(tok);
    tok = t_issue(&g_ed, "EdDSA", "k");
    CHECK(t_verify(eddsa_bound, all, 6, tok) == FMCP_JWT_OK);
    free(tok);
    /* a JWK whose alg names another key type is not usable at all */
    {
        fmcp_jwk_public_key k;
        CHECK_EQ_INT(t_jwk_text("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"ES256\","
                                "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", 0, &k, NULL), FMCP_ERR_BAD_KEY);
        CHECK_EQ_INT(t_jwk_text("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"ES512\","
                                "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", 0, &k, NULL), FMCP_ERR_UNSUPPORTED);
    }
    free(p384); free(rsa); free(p256); free(ed); free(rs_bound); free(ps_bound); free(eddsa_bound);
}

/* ---- ECDSA signature forms ----------------------------------------------------------- */

static void test_ecdsa_forms(void)
{
    static const uint8_t n256[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
                                      0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };
    static const char *es[] = { "ES256", "ES384", "EdDSA" };
    static const char payload[] = "{\"sub\":\"x\",\"exp\":4102444800}";
    const fmcp_jwk_private_key *ks[1];
    const char *kid[1] = { "k" };
    uint8_t sig[FMCP_JWS_MAX_SIG], der[FMCP_EC_MAX_DER], forged[96];
    size_t sn = 0, dn = 0, i;
    char *jwks, *tok, *good;
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    ks[0] = &g_p256;
    jwks = t_jwks(ks, kid, NULL, 1);
    good = t_issue(&g_p256, "ES256", "k");
    CHECK(t_verify(jwks, es, 1, good) == FMCP_JWT_OK);
    /* the signature of the good token, then variants of it */
    {
        const char *dot = strrchr(good, '.');
        CHECK_OK(fmcp_b64_decode(FMCP_B64_URL, dot + 1, strlen(dot + 1), sig, sizeof sig, &sn));
        CHECK_EQ_INT(sn, 64);
    }
    /* zero signature and its variants (CVE-2022-21449): r, s in {0, n} */
    for (i = 0; i < 4; i++) {
        memset(forged, 0, 64);
        if (i & 1) memcpy(forged, n256, 32);
        if (i & 2) memcpy(forged + 32, n256, 32);
        tok = t_forge("{\"alg\":\"ES256\",\"kid\":\"k\"}", payload, forged, 64);
        CHECKF(t_verify(jwks, es, 1, tok) == FMCP_JWT_BAD_SIGNATURE, "zero/n variant %u", (unsigned)i);
        free(tok);
    }
    /* r valid with s = 0, r = 0 with s valid */
    memcpy(forged, sig, 32); memset(forged + 32, 0, 32);
    tok = t_forge("{\"alg\":\"ES256\",\"kid\":\"k\"}", payload, forged, 64);
    CHECK(t_verify(jwks, es, 1, tok) == FMCP_JWT_BAD_SIGNATURE);
    free(tok);
    memset(forged, 0, 32); memcpy(forged + 32, sig + 32, 32);
    tok = t_forge("{\"alg\":\"ES256\",\"kid\":\"k\"}", payload, forged, 64);
    CHECK(t_verify(jwks, es, 1, tok) == FMCP_JWT_BAD_SIGNATURE);
    free(tok);
    /* the good token's signature in DER form, and with one byte more or less */
    {
        char *hp = (char *)malloc(strlen(good) + 1);
        char *dot;
        size_t at;
        CHECK_OK(fmcp_ecdsa_sig_to_der(FMCP_EC_P256, sig, der, sizeof der, &dn));
        strcpy(hp, good);
        dot = strrchr(hp, '.');
        at = (size_t)(dot - hp) + 1;
        for (i = 0; i < 3; i++) {
            const uint8_t *s = i == 0 ? der : sig;
            size_t len = i == 0 ? dn : i == 1 ? 63 : 65, w = 0;
            char *t = (char *)malloc(at + 200);
            uint8_t s65[65];
            memcpy(t, hp, at);
            if (i == 2) { memcpy(s65, sig, 64); s65[64] = 0; s = s65; }
            fmcp_b64_encode(FMCP_B64_URL, s, len, t + at, 200, &w);
            t[at + w] = 0;
            CHECKF(t_verify(jwks, es, 1, t) == FMCP_JWT_BAD_SIGNATURE, "form %u", (unsigned)i);
            free(t);
        }
        free(hp);
    }
    free(jwks);
    free(good);
    /* P-384 and Ed25519 all-zero signatures */
    ks[0] = &g_p384;
    jwks = t_jwks(ks, kid, NULL, 1);
    memset(forged, 0, sizeof forged);
    tok = t_forge("{\"alg\":\"ES384\",\"kid\":\"k\"}", payload, forged, 96);
    CHECK(t_verify(jwks, es, 2, tok) == FMCP_JWT_BAD_SIGNATURE);
    free(tok);
    free(jwks);
    ks[0] = &g_ed;
    jwks = t_jwks(ks, kid, NULL, 1);
    tok = t_forge("{\"alg\":\"EdDSA\",\"kid\":\"k\"}", payload, forged, 64);
    CHECK(t_verify(jwks, es, 3, tok) == FMCP_JWT_BAD_SIGNATURE);
    free(tok);
    free(jwks);
    /* the primitive refuses a key that does not fit, whatever the signature */
    {
        fmcp_jwk_public_key p;
        fmcp_jwk_public_of(&g_p256, &p);
        CHECK_EQ_INT(fmcp_jws_verify(&p, FMCP_JWS_ES384, "a", 1, forged, 96), FMCP_ERR_BAD_KEY);
        CHECK_EQ_INT(fmcp_jws_sign(&g_p256, FMCP_JWS_EDDSA, "a", 1, sig, sizeof sig, &sn), FMCP_ERR_BAD_KEY);
        CHECK_EQ_INT(fmcp_jws_sign(&g_p256, FMCP_JWS_ES256, "a", 1, sig, 63, &sn), FMCP_ERR_BUFFER_TOO_SMALL);
    }
}

/* ---- mixed JWKS ---------------------------------------------------------------------- */

static void test_mixed_jwks(void)
{
    static const char *all[] = { "RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519" };
    const fmcp_jwk_private_key *ks[4];
    const char *kids[4] = { "rsa", "p256", "p384", "ed" };
    char *good, *text, *tok;
    size_t gl, i;
    fmcp_jwt_keyset *set = NULL;
    static const char *bad[] = {
        "{\"kty\":\"EC\",\"crv\":\"P-521\",\"kid\":\"b1\",\"x\":\"AA\",\"y\":\"AA\"}",
        "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"b2\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"b3\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
        "{\"kty\":\"oct\",\"kid\":\"b4\",\"k\":\"c2VjcmV0\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b5\",\"use\":\"enc\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"b6\",\"alg\":\"RS256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
        "\"not an object\""
    };
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    ks[0] = &g_rsa; ks[1] = &g_p256; ks[2] = &g_p384; ks[3] = &g_ed;
    good = t_jwks(ks, kids, NULL, 4);
    if (!good) { CHECK(0); return; }
    /* splice the unusable members in front of the good ones */
    gl = strlen(good);
    text = (char *)malloc(gl + 2048);
    strcpy(text, "{\"keys\":[");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) { strcat(text, bad[i]); strcat(text, ","); }
    strcat(text, good + 9);
    CHECK_OK(fmcp_jwt_keyset_create(NULL, &set));
    CHECK_OK(fmcp_jwt_keyset_add(set, text, strlen(text)));
    CHECK_EQ_INT(fmcp_jwt_keyset_count(set), 4);
    CHECK_EQ_INT(fmcp_jwt_keyset_skipped(set), sizeof bad / sizeof bad[0]);
    fmcp_jwt_keyset_destroy(set);
    for (i = 0; i < 6; i++) {
        fmcp_jws_alg a = fmcp_jws_alg_from_name(all[i], strlen(all[i]));
        const char *kid = a == FMCP_JWS_ES256 ? "p256" : a == FMCP_JWS_ES384 ? "p384" : a >= FMCP_JWS_EDDSA ? "ed" : "rsa";
        tok = t_issue(t_key_for(a), all[i], kid);
        CHECKF(t_verify(text, all, 6, tok) == FMCP_JWT_OK, "mixed set: %s", all[i]);
        free(tok);
        /* without kid: the only key of the set that fits the alg */
        tok = t_issue(t_key_for(a), all[i], NULL);
        CHECKF(t_verify(text, all, 6, tok) == FMCP_JWT_OK, "mixed set, no kid: %s", all[i]);
        free(tok);
    }
    /* a key set with only unusable keys is refused as a whole */
    CHECK_OK(fmcp_jwt_keyset_create(NULL, &set));
    CHECK_EQ_INT(fmcp_jwt_keyset_add(set, bad[0], strlen(bad[0])), FMCP_ERR_BAD_KEY);
    fmcp_jwt_keyset_destroy(set);
    free(text);
    free(good);
}

/* ---- JWK round trips and refusals ---------------------------------------------------- */

static void test_jwk_json(void)
{
    const fmcp_jwk_private_key *all[4];
    static fmcp_jwk_private_key k;
    fmcp_jwk_public_key p, q;
    size_t i;
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    all[0] = &g_rsa; all[1] = &g_p256; all[2] = &g_p384; all[3] = &g_ed;
    for (i = 0; i < 4; i++) {
        fmcp_json_writer w;
        char *text = NULL;
        size_t n = 0;
        fmcp_jw_init(&w, NULL);
        fmcp_jwk_private_write(&w, all[i], "kid", NULL, "sig");
        CHECK_OK(fmcp_jw_finish(&w, &text, &n));
        CHECK_OK(t_jwk_text(text, 1, NULL, &k));
        CHECK(k.kty == all[i]->kty);
        CHECK_OK(fmcp_jwk_public_of(&k, &p));
        CHECK_OK(fmcp_jwk_public_of(all[i], &q));
        CHECK(memcmp(&p, &q, sizeof p) == 0);
        CHECK_OK(t_jwk_text(text, 0, &p, NULL)); /* the public reader ignores d */
        CHECK(memcmp(&p, &q, sizeof p) == 0);
        fmcp_wipe(text, n);
        fmcp_free_text(w.alloc, text, n);
    }
    /* EC members of the wrong length, off the curve, d that does not match x/y */
    {
        fmcp_json_writer w;
        char *text = NULL;
        size_t n = 0;
        char *x;
        fmcp_jw_init(&w, NULL);
        fmcp_jwk_private_write(&w, &g_p256, NULL, NULL, NULL);
        CHECK_OK(fmcp_jw_finish(&w, &text, &n));
        x = strstr(text, "\"x\":\"") + 5;
        x[3] = x[3] == 'A' ? 'B' : 'A'; /* (x', y) is not on the curve */
        CHECK_EQ_INT(t_jwk_text(text, 0, &p, NULL), FMCP_ERR_BAD_KEY);
        CHECK_EQ_INT(t_jwk_text(text, 1, NULL, &k), FMCP_ERR_BAD_KEY);
        fmcp_free_text(w.alloc, text, n);
    }
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", 0, &p, NULL), FMCP_ERR_BAD_KEY);
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"A*AA\",\"y\":\"AAAA\"}", 0, &p, NULL), FMCP_ERR_ENCODING);
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"EC\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", 0, &p, NULL), FMCP_ERR_PARSE);
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AA\",\"y\":\"AA\"}", 0, &p, NULL), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"AA\"}", 0, &p, NULL), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", 0, &p, NULL), FMCP_ERR_BAD_KEY);
    /* an OKP private key whose x is not the seed's public key */
    CHECK_EQ_INT(t_jwk_text("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
                            "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURs\"}", 1, NULL, &k), FMCP_ERR_BAD_KEY);
    CHECK_EQ_INT(fmcp_jwk_public_from_json(NULL, &p), FMCP_ERR_INVALID_ARG);
    fmcp_wipe(&k, sizeof k);
}

/* ---- allocation failures ------------------------------------------------------------- */

static void test_alloc_sweeps(void)
{
    static const char *all[] = { "RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519" };
    const fmcp_jwk_private_key *ks[4];
    const char *kids[4] = { "rsa", "p256", "p384", "ed" };
    char *jwks;
    size_t i;
    if (!t_keys()) { T_SKIP("key generation failed"); return; }
    ks[0] = &g_rsa; ks[1] = &g_p256; ks[2] = &g_p384; ks[3] = &g_ed;
    jwks = t_jwks(ks, kids, NULL, 4);
    for (i = 0; i < 4; i++) {
        fmcp_jwt_issue_desc d;
        char *tok = NULL;
        size_t n = 0;
        static const char *scopes[] = { "read", "write" };
        memset(&d, 0, sizeof d);
        d.subject = "s";
        d.kid = kids[i];
        d.scopes = scopes;
        d.scope_count = 2;
        d.claims_json = "{\"x\":[1,2]}";
        T_ALLOC_SWEEP(t_rc = fmcp_jwt_issue_key(ks[i], &d, &t_alloc, &tok, &n);
                      if (t_rc == 0) fmcp_free_text(&t_alloc, tok, n));
    }
    for (i = 0; i < 4; i++) {
        T_ALLOC_SWEEP({
            fmcp_json_writer w;
            fmcp_jwk_public_key p;
            char *out = NULL;
            size_t n = 0;
            fmcp_jwk_public_of(ks[i], &p);
            fmcp_jw_init(&w, &t_alloc);
            fmcp_jw_array_begin(&w);
            fmcp_jwk_public_write(&w, &p, "kid", "alg", "sig");
            fmcp_jwk_private_write(&w, ks[i], NULL, NULL, NULL);
            fmcp_jw_array_end(&w);
            t_rc = fmcp_jw_finish(&w, &out, &n);
            if (t_rc == 0) fmcp_free_text(w.alloc, out, n);
        });
    }
    T_ALLOC_SWEEP({
        fmcp_jwt_keyset *set = NULL;
        t_rc = fmcp_jwt_keyset_create(&t_alloc, &set);
        if (t_rc == 0) t_rc = fmcp_jwt_keyset_add(set, jwks, strlen(jwks));
        fmcp_jwt_keyset_destroy(set);
    });
    T_ALLOC_SWEEP({
        fmcp_jwt_verifier_desc d;
        fmcp_jwt_verifier *v = NULL;
        const char *keys[1];
        memset(&d, 0, sizeof d);
        keys[0] = jwks;
        d.keys = keys; d.key_count = 1; d.algorithms = all; d.algorithm_count = 6;
        d.allow_any_audience = 1; d.alloc = &t_alloc;
        t_rc = fmcp_jwt_verifier_create(&d, &v);
        if (t_rc == 0) {
            char *tok = t_issue(&g_p256, "ES256", "p256");
            fmcp_jwt_verdict r;
            t_rc = fmcp_jwt_verify(v, tok, strlen(tok), &r);
            if (t_rc == 0) CHECK(r.claims.subject && strcmp(r.claims.subject, "alice") == 0);
            fmcp_jwt_verdict_destroy(&r);
            free(tok);
        }
        fmcp_jwt_verifier_destroy(v);
    });
    free(jwks);
}

int main(void)
{
    T_RUN(test_alg_names);
    T_RUN(test_rfc8037);
    T_RUN(test_rfc7638);
    T_RUN(test_pem);
    T_RUN(test_der_edges);
    T_RUN(test_each_alg);
    T_RUN(test_cross_binding);
    T_RUN(test_ecdsa_forms);
    T_RUN(test_mixed_jwks);
    T_RUN(test_jwk_json);
    T_RUN(test_alloc_sweeps);
    fmcp_wipe(&g_rsa, sizeof g_rsa);
    fmcp_wipe(&g_p256, sizeof g_p256);
    fmcp_wipe(&g_p384, sizeof g_p384);
    fmcp_wipe(&g_ed, sizeof g_ed);
    return t_finish("jwt_algs");
}
