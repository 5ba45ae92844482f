/* Tests for the rsakey module: DER/PEM/JWK/JWKS against independent sources
 * (RFC 7515 A.2 as exported by node, RFC 7638, Wycheproof, the openssl CLI). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"
#include <unistd.h>

#define PEM_CAP 8192
#define DER_CAP 4096

/* ---- helpers ----------------------------------------------------------------- */

static fmcp_json_doc *load_json(const char *rel)
{
    char path[1024];
    const char *dir = t_vectors_dir();
    char *text;
    size_t n = 0;
    fmcp_json_doc *doc = NULL;
    if (!dir) return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    text = t_read_file(path, &n);
    if (!text) return NULL;
    if (fmcp_json_parse(text, n, NULL, &doc, NULL) != FMCP_OK) doc = NULL;
    free(text);
    return doc;
}

static const char *jstr(const fmcp_json *o, const char *k)
{
    return fmcp_json_get_str(o, k, NULL);
}

/* Hex member to bytes, leading zero bytes dropped (our structs are minimal). */
static long jhex_min(const fmcp_json *o, const char *k, unsigned char *out, size_t cap)
{
    static unsigned char tmp[DER_CAP];
    const char *h = jstr(o, k);
    long n, i = 0;
    if (!h) return -1;
    n = t_hex(h, tmp, sizeof tmp);
    if (n < 0) return -1;
    while (i < n && tmp[i] == 0) i++;
    if ((size_t)(n - i) > cap) return -1;
    memcpy(out, tmp + i, (size_t)(n - i));
    return n - i;
}

/* PEM text equal to ours, allowing the vector to lack the final newline. */
static int pem_same(const char *ours, const char *theirs)
{
    size_t a = strlen(ours), b = strlen(theirs);
    if (b && theirs[b - 1] != '\n' && a == b + 1 && ours[b] == '\n') a = b;
    return a == b && memcmp(ours, theirs, a) == 0;
}

static int pub_eq(const fmcp_rsa_public_key *a, const fmcp_rsa_public_key *b)
{
    return a->n_len == b->n_len && a->e_len == b->e_len && a->n_len > 0
           && memcmp(a->n, b->n, a->n_len) == 0 && memcmp(a->e, b->e, a->e_len) == 0;
}

static int priv_eq(const fmcp_rsa_private_key *a, const fmcp_rsa_private_key *b)
{
#define F_EQ(f) (a->f##_len == b->f##_len && memcmp(a->f, b->f, a->f##_len) == 0)
    return pub_eq(&a->pub, &b->pub) && F_EQ(d) && F_EQ(p) && F_EQ(q) && F_EQ(dp) && F_EQ(dq) && F_EQ(qinv);
#undef F_EQ
}

static fmcp_result jwk_text_pub(const char *json, fmcp_rsa_public_key *k)
{
    fmcp_json_doc *doc = NULL;
    fmcp_result r = fmcp_json_parse(json, strlen(json), NULL, &doc, NULL);
    if (r != FMCP_OK) return r;
    r = fmcp_rsa_public_from_jwk(fmcp_json_root(doc), k);
    fmcp_json_doc_destroy(doc);
    return r;
}

/* ---- RFC 7515 A.2: one key in six forms, all from independent producers ----- */

static const fmcp_json *rfc7515_a2(fmcp_json_doc **doc)
{
    *doc = load_json("rfc7515/rfc7515-appendix-a.json");
    return *doc ? fmcp_json_get(fmcp_json_root(*doc), "A.2_RS256") : NULL;
}

static void test_rfc7515_all_forms_agree(void)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_public_key pj, ps, p1, pp8, pp1;
    static fmcp_rsa_private_key kj, k8, k1;
    const char *spki, *pk1, *p8, *pr1;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    spki = jstr(a2, "public_key_spki_pem");
    pk1 = jstr(a2, "public_key_pkcs1_pem");
    p8 = jstr(a2, "private_key_pkcs8_pem");
    pr1 = jstr(a2, "private_key_pkcs1_pem");
    CHECK(spki && pk1 && p8 && pr1);
    if (!spki || !pk1 || !p8 || !pr1) { fmcp_json_doc_destroy(doc); return; }
    CHECK_OK(fmcp_rsa_public_from_jwk(fmcp_json_get(a2, "public_jwk"), &pj));
    CHECK_OK(fmcp_rsa_public_from_pem(spki, strlen(spki), &ps));
    CHECK_OK(fmcp_rsa_public_from_pem(pk1, strlen(pk1), &p1));
    CHECK_OK(fmcp_rsa_public_from_pem(p8, strlen(p8), &pp8));   /* public half of a private PEM */
    CHECK_OK(fmcp_rsa_public_from_pem(pr1, strlen(pr1), &pp1));
    CHECK_OK(fmcp_rsa_private_from_jwk(fmcp_json_get(a2, "private_jwk"), &kj));
    CHECK_OK(fmcp_rsa_private_from_pem(p8, strlen(p8), &k8));
    CHECK_OK(fmcp_rsa_private_from_pem(pr1, strlen(pr1), &k1));
    CHECK_EQ_INT(fmcp_rsa_bits(&pj), fmcp_json_get_int(a2, "modulus_bits", -1));
    CHECK(pub_eq(&pj, &ps) && pub_eq(&pj, &p1) && pub_eq(&pj, &pp8) && pub_eq(&pj, &pp1));
    CHECK(pub_eq(&pj, &kj.pub));
    CHECK(priv_eq(&kj, &k8) && priv_eq(&kj, &k1));
    fmcp_wipe(&kj, sizeof kj);
    fmcp_json_doc_destroy(doc);
}

/* Emitting each form from a key parsed out of a *different* form must give the
 * exact PEM node wrote. */
static void test_rfc7515_reemit_identical(void)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_public_key pub;
    static fmcp_rsa_private_key priv;
    static char out[PEM_CAP];
    size_t len = 0;
    const char *spki, *pk1, *p8, *pr1;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    spki = jstr(a2, "public_key_spki_pem");
    pk1 = jstr(a2, "public_key_pkcs1_pem");
    p8 = jstr(a2, "private_key_pkcs8_pem");
    pr1 = jstr(a2, "private_key_pkcs1_pem");
    CHECK_OK(fmcp_rsa_public_from_jwk(fmcp_json_get(a2, "public_jwk"), &pub));
    CHECK_OK(fmcp_rsa_private_from_jwk(fmcp_json_get(a2, "private_jwk"), &priv));
    CHECK_OK(fmcp_rsa_public_to_pem(&pub, FMCP_RSAKEY_SPKI, out, sizeof out, &len));
    CHECK_EQ_INT(len, strlen(spki));
    CHECK_STR(out, spki);
    CHECK_OK(fmcp_rsa_public_to_pem(&pub, FMCP_RSAKEY_PKCS1, out, sizeof out, &len));
    CHECK_STR(out, pk1);
    CHECK_OK(fmcp_rsa_private_to_pem(&priv, FMCP_RSAKEY_PKCS8, out, sizeof out, &len));
    CHECK_STR(out, p8);
    CHECK_OK(fmcp_rsa_private_to_pem(&priv, FMCP_RSAKEY_PKCS1, out, sizeof out, &len));
    CHECK_STR(out, pr1);
    /* sizing: NULL measures, a buffer one short is refused, exact+NUL works */
    CHECK_EQ_INT(fmcp_rsa_public_to_pem(&pub, FMCP_RSAKEY_SPKI, NULL, 0, &len), FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, strlen(spki));
    CHECK_EQ_INT(fmcp_rsa_public_to_pem(&pub, FMCP_RSAKEY_SPKI, out, strlen(spki), &len),
                 FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_OK(fmcp_rsa_public_to_pem(&pub, FMCP_RSAKEY_SPKI, out, strlen(spki) + 1, &len));
    CHECK_EQ_INT(fmcp_rsa_public_to_pem(&pub, FMCP_RSAKEY_PKCS8, out, sizeof out, &len), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_private_to_pem(&priv, FMCP_RSAKEY_SPKI, out, sizeof out, &len), FMCP_ERR_INVALID_ARG);
    fmcp_wipe(&priv, sizeof priv);
    fmcp_json_doc_destroy(doc);
}

/* Written JWKs carry exactly the vector's base64url strings. */
static void test_rfc7515_jwk_write(void)
{
    static const char *const names[] = { "n", "e", "d", "p", "q", "dp", "dq", "qi" };
    fmcp_json_doc *doc, *mine = NULL;
    const fmcp_json *a2 = rfc7515_a2(&doc), *vj, *root;
    static fmcp_rsa_private_key priv;
    fmcp_json_writer w;
    char *out = NULL;
    size_t n = 0, i;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    vj = fmcp_json_get(a2, "private_jwk");
    CHECK_OK(fmcp_rsa_private_from_jwk(vj, &priv));
    fmcp_jw_init(&w, NULL);
    fmcp_rsa_private_write_jwk(&w, &priv, "k1", "RS256", "sig");
    CHECK_OK(fmcp_jw_finish(&w, &out, &n));
    CHECK(out != NULL);
    if (!out) { fmcp_json_doc_destroy(doc); return; }
    CHECK_OK(fmcp_json_parse(out, n, NULL, &mine, NULL));
    root = fmcp_json_root(mine);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) CHECK_STR(jstr(root, names[i]), jstr(vj, names[i]));
    CHECK_STR(jstr(root, "kty"), "RSA");
    CHECK_STR(jstr(root, "kid"), "k1");
    CHECK_STR(jstr(root, "alg"), "RS256");
    CHECK_STR(jstr(root, "use"), "sig");
    fmcp_json_doc_destroy(mine);
    fmcp_wipe(out, n);
    fmcp_free_text(w.alloc, out, n);
    /* public writer: no private members */
    fmcp_jw_init(&w, NULL);
    fmcp_rsa_public_write_jwk(&w, &priv.pub, NULL, NULL, NULL);
    CHECK_OK(fmcp_jw_finish(&w, &out, &n));
    if (out) {
        CHECK_OK(fmcp_json_parse(out, n, NULL, &mine, NULL));
        root = fmcp_json_root(mine);
        CHECK_STR(jstr(root, "n"), jstr(vj, "n"));
        CHECK_STR(jstr(root, "e"), "AQAB");
        CHECK(fmcp_json_get(root, "d") == NULL && fmcp_json_get(root, "kid") == NULL);
        fmcp_json_doc_destroy(mine);
        fmcp_free_text(w.alloc, out, n);
    }
    fmcp_wipe(&priv, sizeof priv);
    fmcp_json_doc_destroy(doc);
}

/* PEM armour: CRLF line ends and text around the block are fine. */
static void test_pem_crlf_and_surroundings(void)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_public_key ref, k;
    static char buf[PEM_CAP];
    const char *spki, *s;
    size_t o;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    spki = jstr(a2, "public_key_spki_pem");
    CHECK_OK(fmcp_rsa_public_from_pem(spki, strlen(spki), &ref));
    o = (size_t)snprintf(buf, sizeof buf, "Subject: test key\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n"
                                          "-----END CERTIFICATE-----\r\n");
    for (s = spki; *s; s++) {
        if (*s == '\n') buf[o++] = '\r';
        buf[o++] = *s;
    }
    o += (size_t)snprintf(buf + o, sizeof buf - o, "trailing words\r\n");
    CHECK_OK(fmcp_rsa_public_from_pem(buf, o, &k));
    CHECK(pub_eq(&ref, &k));
    /* no key block at all */
    CHECK_EQ_INT(fmcp_rsa_public_from_pem("hello\n", 6, &k), FMCP_ERR_NOT_FOUND);
    /* a public PEM is no private key */
    {
        static fmcp_rsa_private_key pk;
        CHECK_EQ_INT(fmcp_rsa_private_from_pem(spki, strlen(spki), &pk), FMCP_ERR_NOT_FOUND);
    }
    fmcp_json_doc_destroy(doc);
}

/* ---- RFC 7638 ---------------------------------------------------------------------- */

static void test_rfc7638_thumbprint(void)
{
    /* RFC 7638 section 3.1 example key and its published thumbprint */
    static const char jwk[] =
        "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxu"
        "hDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
        "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
        "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\","
        "\"kid\":\"2011-04-29\"}";
    static fmcp_rsa_public_key k;
    char tp[FMCP_JWK_THUMBPRINT_LEN + 1];
    CHECK_OK(jwk_text_pub(jwk, &k));
    CHECK_OK(fmcp_rsa_jwk_thumbprint(&k, tp));
    CHECK_STR(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    CHECK_EQ_INT(fmcp_rsa_jwk_thumbprint(NULL, tp), FMCP_ERR_INVALID_ARG);
}

/* ---- Wycheproof ------------------------------------------------------------------------ */

/* Public forms of one group: DER (SPKI), ASN (PKCS#1), PEM, JWK, raw numbers. */
static void wy_check_public(const fmcp_json *g, const fmcp_json *nums, const char *der_k, const char *asn_k,
                            const char *pem_k, int *tested)
{
    static unsigned char der[DER_CAP], asn[DER_CAP], re[DER_CAP];
    static char pem_out[PEM_CAP];
    static fmcp_rsa_public_key a, b, c, d, ref;
    const char *pem = jstr(g, pem_k);
    long dl = t_hex(jstr(g, der_k) ? jstr(g, der_k) : "", der, sizeof der);
    long al = t_hex(jstr(g, asn_k) ? jstr(g, asn_k) : "", asn, sizeof asn);
    long nl = jhex_min(nums, "modulus", ref.n, sizeof ref.n);
    long el = jhex_min(nums, "publicExponent", ref.e, sizeof ref.e);
    size_t rl = 0;
    int small_e = el == 1 && ref.e[0] == 3;
    fmcp_result want = small_e ? FMCP_ERR_BAD_KEY : FMCP_OK;
    CHECK(pem && dl > 0 && al > 0 && nl > 0 && el > 0);
    if (!pem || dl <= 0 || al <= 0 || nl <= 0 || el <= 0) return;
    ref.n_len = (size_t)nl;
    ref.e_len = (size_t)el;
    /* e = 3 is outside the default policy: every form must say BAD_KEY (not PARSE) */
    CHECK_EQ_INT(fmcp_rsa_public_from_der(der, (size_t)dl, &a), want);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(asn, (size_t)al, &b), want);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(pem, strlen(pem), &c), want);
    if (fmcp_json_get(g, "keyJwk")) CHECK_EQ_INT(fmcp_rsa_public_from_jwk(fmcp_json_get(g, "keyJwk"), &d), want);
    else d = ref;
    (*tested)++;
    if (small_e) return;
    CHECK(pub_eq(&ref, &a) && pub_eq(&ref, &b) && pub_eq(&ref, &c) && pub_eq(&ref, &d));
    CHECK_OK(fmcp_rsa_public_to_der(&a, FMCP_RSAKEY_SPKI, re, sizeof re, &rl));
    CHECK(rl == (size_t)dl && memcmp(re, der, rl) == 0);
    CHECK_OK(fmcp_rsa_public_to_der(&a, FMCP_RSAKEY_PKCS1, re, sizeof re, &rl));
    CHECK(rl == (size_t)al && memcmp(re, asn, rl) == 0);
    CHECK_OK(fmcp_rsa_public_to_pem(&a, FMCP_RSAKEY_SPKI, pem_out, sizeof pem_out, &rl));
    CHECK(pem_same(pem_out, pem));
}

static void test_wycheproof_public_keys(void)
{
    static const char *const files[] = { "rsa_signature_2048_sha256_test.json", "rsa_signature_3072_sha256_test.json",
                                         "rsa_signature_4096_sha256_test.json" };
    size_t f;
    int tested = 0;
    if (!t_vectors_dir()) T_SKIP("../shared/vectors absent");
    for (f = 0; f < 3; f++) {
        char rel[256];
        fmcp_json_doc *doc;
        const fmcp_json *g;
        snprintf(rel, sizeof rel, "wycheproof/testvectors_v1/%s", files[f]);
        doc = load_json(rel);
        CHECK(doc != NULL);
        if (!doc) continue;
        for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g))
            wy_check_public(g, fmcp_json_get(g, "publicKey"), "publicKeyDer", "publicKeyAsn", "publicKeyPem", &tested);
        fmcp_json_doc_destroy(doc);
    }
    CHECK_EQ_INT(tested, 6); /* 3 + 2 + 1 groups */
}

/* Private forms of one group: PKCS#1 PEM, PKCS#8 DER, JWK (when present). */
static void wy_check_private(const fmcp_json *g, int *tested)
{
    static unsigned char p8[DER_CAP], re[DER_CAP];
    static char pem_out[PEM_CAP];
    static fmcp_rsa_private_key a, b, c;
    const char *pem = jstr(g, "privateKeyPem");
    const fmcp_json *nums = fmcp_json_get(g, "privateKey");
    long pl = t_hex(jstr(g, "privateKeyPkcs8") ? jstr(g, "privateKeyPkcs8") : "", p8, sizeof p8);
    static unsigned char d[FMCP_RSA_MAX_BYTES];
    long dlen = jhex_min(nums, "privateExponent", d, sizeof d);
    size_t rl = 0;
    int small_e = jstr(nums, "publicExponent") && strcmp(jstr(nums, "publicExponent"), "03") == 0;
    fmcp_result want = small_e ? FMCP_ERR_BAD_KEY : FMCP_OK;
    CHECK(pem && pl > 0 && dlen > 0);
    if (!pem || pl <= 0 || dlen <= 0) return;
    CHECK_EQ_INT(fmcp_rsa_private_from_pem(pem, strlen(pem), &a), want);
    CHECK_EQ_INT(fmcp_rsa_private_from_der(p8, (size_t)pl, &b), want);
    if (fmcp_json_get(g, "privateKeyJwk"))
        CHECK_EQ_INT(fmcp_rsa_private_from_jwk(fmcp_json_get(g, "privateKeyJwk"), &c), want);
    else c = b;
    (*tested)++;
    if (small_e) return;
    CHECK(priv_eq(&a, &b) && priv_eq(&a, &c));
    CHECK(a.d_len == (size_t)dlen && memcmp(a.d, d, a.d_len) == 0);
    CHECK_OK(fmcp_rsa_private_to_der(&a, FMCP_RSAKEY_PKCS8, re, sizeof re, &rl));
    CHECK(rl == (size_t)pl && memcmp(re, p8, rl) == 0);
    /* the PEM is re-emitted byte for byte in its own format */
    CHECK_OK(fmcp_rsa_private_to_pem(&a, strstr(pem, "BEGIN RSA") ? FMCP_RSAKEY_PKCS1 : FMCP_RSAKEY_PKCS8,
                                     pem_out, sizeof pem_out, &rl));
    CHECK(pem_same(pem_out, pem));
    if (jstr(g, "keyDer")) wy_check_public(g, nums, "keyDer", "keyAsn", "keyPem", tested);
    fmcp_wipe(&a, sizeof a);
}

static void test_wycheproof_private_keys(void)
{
    static const char *const files[] = { "rsa_pkcs1_2048_sig_gen_test.json", "rsa_pkcs1_3072_sig_gen_test.json",
                                         "rsa_pkcs1_4096_sig_gen_test.json", "rsa_pkcs1_2048_test.json" };
    size_t f;
    int tested = 0;
    if (!t_vectors_dir()) T_SKIP("../shared/vectors absent");
    for (f = 0; f < 4; f++) {
        char rel[256];
        fmcp_json_doc *doc;
        const fmcp_json *g;
        snprintf(rel, sizeof rel, "wycheproof/testvectors_v1/%s", files[f]);
        doc = load_json(rel);
        CHECK(doc != NULL);
        if (!doc) continue;
        for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g))
            wy_check_private(g, &tested);
        fmcp_json_doc_destroy(doc);
    }
    CHECK(tested >= 40);
}

/* json_web_key_test.json: which keys of each set are usable RS256 keys. */
static void test_wycheproof_jwk_sets(void)
{
    fmcp_json_doc *doc = load_json("wycheproof/testvectors_v1/json_web_key_test.json");
    const fmcp_json *g;
    int sets = 0, kept = 0;
    if (!doc) T_SKIP("../shared/vectors/wycheproof absent");
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g)) {
        static const char *const which[] = { "private", "public" };
        const char *comment = jstr(g, "comment");
        static fmcp_rsa_public_key from_private;
        size_t w;
        from_private.n_len = 0;
        for (w = 0; w < 2; w++) {
            const fmcp_json *set = fmcp_json_get(g, which[w]), *first;
            char text[16384];
            size_t need = 0;
            fmcp_jwks j;
            /* usable: RSA, use sig, >= 2048 bits, e >= 65537 (ROCA keys are not detectable here) */
            int want;
            if (!set) continue;
            first = fmcp_json_first(fmcp_json_get(set, "keys"));
            want = comment && (strcmp(comment, "jws_rsa_roca_key") == 0
                               || (strcmp(comment, "rs256") == 0 && jstr(first, "use") && strcmp(jstr(first, "use"), "sig") == 0));
            CHECK_OK(fmcp_json_write(set, text, sizeof text, &need));
            CHECK_OK(fmcp_jwks_parse(text, strlen(text), NULL, &j));
            CHECKF((int)j.count == want, "%s/%s: kept %d", comment, which[w], (int)j.count);
            CHECK_EQ_INT(j.count + j.skipped, fmcp_json_len(fmcp_json_get(set, "keys")));
            if (j.count) CHECK(fmcp_jwks_find(&j, jstr(first, "kid")) == &j.keys[0]);
            /* the public set holds the public half of the private set */
            if (j.count && w == 0) from_private = j.keys[0].key;
            if (j.count && w == 1) CHECK(pub_eq(&from_private, &j.keys[0].key));
            kept += (int)j.count;
            sets++;
            fmcp_jwks_destroy(&j);
        }
    }
    CHECK_EQ_INT(sets, 36); /* 25 groups, 11 of them with a public set too */
    CHECK_EQ_INT(kept, 4);
    fmcp_json_doc_destroy(doc);
}

/* ---- openssl CLI peer --------------------------------------------------------------- */

static char *run_capture(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    char *buf;
    size_t n = 0, got;
    if (!p) return NULL;
    buf = (char *)malloc(PEM_CAP);
    if (!buf) { pclose(p); return NULL; }
    while (n + 1 < PEM_CAP && (got = fread(buf + n, 1, PEM_CAP - 1 - n, p)) > 0) n += got;
    buf[n] = 0;
    if (pclose(p) != 0 || n == 0) { free(buf); return NULL; }
    return buf;
}

static void test_openssl_roundtrip(void)
{
    char path[64], cmd[256];
    static const char *const forms[4] = { "pkey -pubout", "rsa -RSAPublicKey_out", "pkey", "pkey -traditional" };
    char *pem[4];
    static fmcp_rsa_private_key k;
    static fmcp_rsa_public_key pub;
    static char out[PEM_CAP];
    size_t len = 0;
    int i;
    if (system("openssl version >/dev/null 2>&1") != 0) T_SKIP("openssl command absent");
    snprintf(path, sizeof path, "/tmp/fmcp_rsakey_%ld.pem", (long)getpid());
    snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null", path);
    CHECK(system(cmd) == 0);
    for (i = 0; i < 4; i++) {
        snprintf(cmd, sizeof cmd, "openssl %s -in %s 2>/dev/null", forms[i], path);
        pem[i] = run_capture(cmd);
        CHECKF(pem[i] != NULL, "openssl %s", forms[i]);
    }
    remove(path);
    if (pem[2]) CHECK_OK(fmcp_rsa_private_from_pem(pem[2], strlen(pem[2]), &k));
    for (i = 0; i < 4; i++) {
        if (!pem[i]) continue;
        CHECK_OK(fmcp_rsa_public_from_pem(pem[i], strlen(pem[i]), &pub));
        CHECK(pub_eq(&pub, &k.pub));
        if (i < 2) CHECK_OK(fmcp_rsa_public_to_pem(&k.pub, i == 0 ? FMCP_RSAKEY_SPKI : FMCP_RSAKEY_PKCS1, out,
                                                   sizeof out, &len));
        else CHECK_OK(fmcp_rsa_private_to_pem(&k, i == 2 ? FMCP_RSAKEY_PKCS8 : FMCP_RSAKEY_PKCS1, out, sizeof out, &len));
        CHECKF(strcmp(out, pem[i]) == 0, "openssl %s differs", forms[i]);
        fmcp_wipe(pem[i], strlen(pem[i]));
        free(pem[i]);
    }
    fmcp_wipe(&k, sizeof k);
}

/* Encrypted keys written by openssl (PKCS#8 and legacy PEM headers). */
static void test_openssl_encrypted(void)
{
    char path[64], cmd[256];
    char *enc8, *encl;
    static fmcp_rsa_private_key k;
    if (system("openssl version >/dev/null 2>&1") != 0) T_SKIP("openssl command absent");
    snprintf(path, sizeof path, "/tmp/fmcp_rsakey_e%ld.pem", (long)getpid());
    snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null", path);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "openssl pkey -in %s -aes256 -passout pass:x 2>/dev/null", path);
    enc8 = run_capture(cmd);
    snprintf(cmd, sizeof cmd, "openssl rsa -in %s -traditional -aes256 -passout pass:x 2>/dev/null", path);
    encl = run_capture(cmd);
    remove(path);
    CHECK(enc8 && encl);
    if (enc8) CHECK_EQ_INT(fmcp_rsa_private_from_pem(enc8, strlen(enc8), &k), FMCP_ERR_UNSUPPORTED);
    if (encl) CHECK_EQ_INT(fmcp_rsa_private_from_pem(encl, strlen(encl), &k), FMCP_ERR_UNSUPPORTED);
    free(enc8);
    free(encl);
}

/* ---- negative DER ----------------------------------------------------------------- */

static long a2_spki_der(unsigned char *der, size_t cap)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_public_key k;
    size_t n = 0;
    if (!a2) return -1;
    if (fmcp_rsa_public_from_jwk(fmcp_json_get(a2, "public_jwk"), &k) != FMCP_OK
        || fmcp_rsa_public_to_der(&k, FMCP_RSAKEY_SPKI, der, cap, &n) != FMCP_OK)
        n = 0;
    fmcp_json_doc_destroy(doc);
    return (long)n;
}

static void test_der_negative(void)
{
    static unsigned char der[DER_CAP], bad[DER_CAP + 8];
    static fmcp_rsa_public_key k;
    long n = a2_spki_der(der, sizeof der), i;
    if (n <= 0) T_SKIP("../shared/vectors/rfc7515 absent");
    /* the SPKI layout node wrote for this key (RFC 5280 / RFC 3279), as a fact */
    CHECK(n == 294 && der[0] == 0x30 && der[1] == 0x82 && der[4] == 0x30 && der[5] == 0x0d && der[17] == 0x05);
    CHECK_OK(fmcp_rsa_public_from_der(der, (size_t)n, &k));
    /* every truncation */
    for (i = 0; i < n; i++) CHECK(fmcp_rsa_public_from_der(der, (size_t)i, &k) != FMCP_OK);
    /* trailing byte */
    memcpy(bad, der, (size_t)n);
    bad[n] = 0;
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n + 1, &k), FMCP_ERR_PARSE);
    CHECK(k.n_len == 0); /* cleared on failure */
    /* non-minimal length: AlgorithmIdentifier length 0x0d written as 82 00 0d */
    memcpy(bad, der, 5);
    memcpy(bad + 5, "\x82\x00", 2);
    memcpy(bad + 7, der + 5, (size_t)n - 5);
    bad[3] = (unsigned char)(der[3] + 2);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n + 2, &k), FMCP_ERR_PARSE);
    /* the same with 81 0d */
    memcpy(bad + 5, "\x81", 1);
    memcpy(bad + 6, der + 5, (size_t)n - 5);
    bad[3] = (unsigned char)(der[3] + 1);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n + 1, &k), FMCP_ERR_PARSE);
    /* indefinite length */
    memcpy(bad, der, (size_t)n);
    bad[1] = 0x80;
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n, &k), FMCP_ERR_PARSE);
    /* wrong OID: sha256WithRSAEncryption (...1.1.11) in place of rsaEncryption */
    memcpy(bad, der, (size_t)n);
    CHECK(bad[16] == 0x01);
    bad[16] = 0x0b;
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n, &k), FMCP_ERR_UNSUPPORTED);
    /* NULL parameters replaced by an INTEGER 0 */
    memcpy(bad, der, (size_t)n);
    bad[17] = 0x02;
    bad[18] = 0x00;
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n, &k), FMCP_ERR_PARSE);
    /* absent parameters are accepted (documented) */
    memcpy(bad, der, 17);
    memcpy(bad + 17, der + 19, (size_t)n - 19);
    bad[3] = (unsigned char)(der[3] - 2);
    bad[5] = 0x0b;
    CHECK_OK(fmcp_rsa_public_from_der(bad, (size_t)n - 2, &k));
    /* BIT STRING with unused bits */
    memcpy(bad, der, (size_t)n);
    CHECK(bad[19] == 0x03 && bad[23] == 0x00);
    bad[23] = 0x01;
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)n, &k), FMCP_ERR_PARSE);
}

/* Private DER: truncation, trailing data, multi-prime version, inconsistent numbers. */
static void test_private_der_negative(void)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_private_key k, bad_k;
    static unsigned char der[DER_CAP], bad[DER_CAP + 1];
    size_t n = 0, i, m = 0;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    CHECK_OK(fmcp_rsa_private_from_jwk(fmcp_json_get(a2, "private_jwk"), &k));
    CHECK_OK(fmcp_rsa_private_to_der(&k, FMCP_RSAKEY_PKCS8, der, sizeof der, &n));
    CHECK_OK(fmcp_rsa_private_from_der(der, n, &bad_k));
    for (i = 0; i < n; i += 7) CHECK(fmcp_rsa_private_from_der(der, i, &bad_k) != FMCP_OK);
    memcpy(bad, der, n);
    bad[n] = 0;
    CHECK_EQ_INT(fmcp_rsa_private_from_der(bad, n + 1, &bad_k), FMCP_ERR_PARSE);
    CHECK(bad_k.d_len == 0 && bad_k.pub.n_len == 0);
    /* PKCS#1: 30 82 04 a3 | 02 01 00 ... ; version 1 means multi-prime */
    CHECK_OK(fmcp_rsa_private_to_der(&k, FMCP_RSAKEY_PKCS1, der, sizeof der, &m));
    CHECK(der[4] == 0x02 && der[5] == 0x01 && der[6] == 0x00);
    memcpy(bad, der, m);
    bad[6] = 0x01;
    CHECK_EQ_INT(fmcp_rsa_private_from_der(bad, m, &bad_k), FMCP_ERR_UNSUPPORTED);
    /* a different p no longer multiplies out to n */
    bad_k = k;
    bad_k.p[bad_k.p_len - 1] ^= 2;
    CHECK_OK(fmcp_rsa_private_to_der(&bad_k, FMCP_RSAKEY_PKCS1, bad, sizeof bad, &m));
    CHECK_EQ_INT(fmcp_rsa_private_from_der(bad, m, &bad_k), FMCP_ERR_BAD_KEY);
    /* measuring and too-small buffers */
    CHECK_EQ_INT(fmcp_rsa_private_to_der(&k, FMCP_RSAKEY_PKCS8, NULL, 0, &m), FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(m, n);
    CHECK_EQ_INT(fmcp_rsa_private_to_der(&k, FMCP_RSAKEY_PKCS8, der, n - 1, &m), FMCP_ERR_BUFFER_TOO_SMALL);
    fmcp_wipe(&k, sizeof k);
    fmcp_wipe(&bad_k, sizeof bad_k);
    fmcp_json_doc_destroy(doc);
}

/* PKCS#1 RSAPublicKey built by hand around the A.2 modulus. */
static void test_der_integer_rules(void)
{
    static unsigned char der[DER_CAP], bad[DER_CAP];
    static fmcp_rsa_public_key k;
    long n = a2_spki_der(der, sizeof der);
    const unsigned char *pk1;
    long m;
    if (n <= 0) T_SKIP("../shared/vectors/rfc7515 absent");
    pk1 = der + 24; /* inside the BIT STRING: 30 82 01 0a ... */
    m = n - 24;
    CHECK(pk1[0] == 0x30 && pk1[1] == 0x82 && m == 0x10e);
    CHECK_OK(fmcp_rsa_public_from_der(pk1, (size_t)m, &k));
    /* e = 02 03 01 00 01 padded to 02 04 00 01 00 01: non-minimal INTEGER */
    memcpy(bad, pk1, (size_t)m - 5);
    memcpy(bad + m - 5, "\x02\x04\x00\x01\x00\x01", 6);
    bad[3] = (unsigned char)(pk1[3] + 1);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)m + 1, &k), FMCP_ERR_PARSE);
    /* negative modulus: drop the 00 sign byte of n (02 82 01 01 00 a1 ...) */
    CHECK(pk1[4] == 0x02 && pk1[8] == 0x00 && pk1[9] >= 0x80);
    memcpy(bad, pk1, 8);
    memcpy(bad + 8, pk1 + 9, (size_t)m - 9);
    bad[3] = (unsigned char)(pk1[3] - 1);
    bad[7] = (unsigned char)(pk1[7] - 1);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)m - 1, &k), FMCP_ERR_BAD_KEY);
    /* e = 3 */
    memcpy(bad, pk1, (size_t)m - 5);
    memcpy(bad + m - 5, "\x02\x01\x03", 3);
    bad[3] = (unsigned char)(pk1[3] - 2);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(bad, (size_t)m - 2, &k), FMCP_ERR_BAD_KEY);
}

/* Keys produced by openssl outside the policy, and non-RSA keys. */
static const char pem_1024[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5ZvRnWc+j0EiLgRFjYEMzTChL\n"
    "sv/I5IHvaJJz45nZztLqFyg/29iPl9y/2EtBUaIZvV37QjldZzEZhRChw6K75gUu\n"
    "jI3bnM+CYXfnHW2gE5AvIZbu1+fTANTTCw+uS+P8DchbztRJM7Qvaf35I+J4yPu7\n"
    "xMgtDNxm0Vx3+5wrfQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char pem_e3[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIDANBgkqhkiG9w0BAQEFAAOCAQ0AMIIBCAKCAQEAqoCYEIaP8Ekv1PJ1UL07\n"
    "Yu9Mgcq7GKnnTF8PLrH+6dTt4Ja5ZMk4SwxL2OE9RlwsDxD1s/fntYEbWVKN0Mw/\n"
    "PealJ4pe9JPNgracOivJSTjQYKyCzuav5X1RXPBWm9lg3/A970S9tU4DRrvElLpw\n"
    "IQ6X3kSj3jBNTFySR5BP7aq9VTZQo7XiYZNadEqYmi/ufQ5K+59jqvMYcj0EfirQ\n"
    "rvZLQSWpHkE5kQtb54Cxk42KQRrB6xMAFyeQIuDWV6L2oTVyhZYhS2n1lUN8PT1u\n"
    "jglAFFQ96dPsRiBjt/xxdyBFE3aJqfo1LvgZxIZ+1xGy0citi8VrkBRsWUH2Qsp8\n"
    "LwIBAw==\n"
    "-----END PUBLIC KEY-----\n";
static const char pem_ec_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESExhauFekEZXD99kRGqwaFqzMYhd\n"
    "v/YtL6ipgOHHlz9Y1y1a28M9ZRDtwEfM5rv12kq01NT0sS7lae0vgA1T7w==\n"
    "-----END PUBLIC KEY-----\n";
static const char pem_ec_priv[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIJDINaaK4VEAzGO8wm6cR9Ciiwm+U82QoD4cW6Wyg/ikoAoGCCqGSM49\n"
    "AwEHoUQDQgAESExhauFekEZXD99kRGqwaFqzMYhdv/YtL6ipgOHHlz9Y1y1a28M9\n"
    "ZRDtwEfM5rv12kq01NT0sS7lae0vgA1T7w==\n"
    "-----END EC PRIVATE KEY-----\n";

static void test_pem_policy_and_types(void)
{
    static fmcp_rsa_public_key k;
    static fmcp_rsa_private_key pk;
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(pem_1024, strlen(pem_1024), &k), FMCP_ERR_BAD_KEY);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(pem_e3, strlen(pem_e3), &k), FMCP_ERR_BAD_KEY);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(pem_ec_pub, strlen(pem_ec_pub), &k), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(pem_ec_priv, strlen(pem_ec_priv), &k), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(fmcp_rsa_private_from_pem(pem_ec_priv, strlen(pem_ec_priv), &pk), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(NULL, 0, &k), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_public_from_der(NULL, 0, &k), FMCP_ERR_INVALID_ARG);
}

static void test_pem_bad_base64(void)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_public_key k;
    static char buf[PEM_CAP];
    const char *spki;
    size_t n, body;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    spki = jstr(a2, "public_key_spki_pem");
    n = strlen(spki);
    body = 27 + 10; /* a character inside the first base64 line */
    CHECK(strncmp(spki, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    memcpy(buf, spki, n + 1);
    buf[body] = '*';
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(buf, n, &k), FMCP_ERR_ENCODING);
    buf[body] = ' ';
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(buf, n, &k), FMCP_ERR_ENCODING);
    buf[body] = '=';
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(buf, n, &k), FMCP_ERR_ENCODING);
    /* one character fewer: not a whole number of quanta */
    memcpy(buf, spki, body);
    memcpy(buf + body, spki + body + 1, n - body);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(buf, n - 1, &k), FMCP_ERR_ENCODING);
    /* trailing space at a line end */
    memcpy(buf, spki, 27 + 64);
    buf[27 + 64] = ' ';
    memcpy(buf + 27 + 65, spki + 27 + 64, n - 27 - 64 + 1);
    CHECK_EQ_INT(fmcp_rsa_public_from_pem(buf, n + 1, &k), FMCP_ERR_ENCODING);
    fmcp_json_doc_destroy(doc);
}

/* ---- JWK / JWKS ----------------------------------------------------------------------- */

static void test_jwk_leading_zero_and_errors(void)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    static fmcp_rsa_public_key ref, k;
    static char text[2048], n64[1024];
    static unsigned char nz[FMCP_RSA_MAX_BYTES + 1];
    fmcp_json_writer w;
    char *out = NULL;
    size_t len = 0, nl = 0;
    if (!a2) T_SKIP("../shared/vectors/rfc7515 absent");
    CHECK_OK(fmcp_rsa_public_from_jwk(fmcp_json_get(a2, "public_jwk"), &ref));
    /* n with a leading 0x00 byte (RFC 7518 says minimal): accepted, emitted minimal */
    nz[0] = 0;
    memcpy(nz + 1, ref.n, ref.n_len);
    CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, nz, ref.n_len + 1, n64, sizeof n64, &nl));
    snprintf(text, sizeof text, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}", n64);
    CHECK_OK(jwk_text_pub(text, &k));
    CHECK(pub_eq(&ref, &k));
    fmcp_jw_init(&w, NULL);
    fmcp_rsa_public_write_jwk(&w, &k, NULL, NULL, NULL);
    CHECK_OK(fmcp_jw_finish(&w, &out, &len));
    if (out) {
        CHECK(strstr(out, jstr(fmcp_json_get(a2, "public_jwk"), "n")) != NULL);
        fmcp_free_text(w.alloc, out, len);
    }
    /* errors */
    CHECK_EQ_INT(jwk_text_pub("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}", &k), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(jwk_text_pub("{\"kty\":\"RSA\",\"e\":\"AQAB\"}", &k), FMCP_ERR_PARSE);
    CHECK_EQ_INT(jwk_text_pub("[1]", &k), FMCP_ERR_PARSE);
    snprintf(text, sizeof text, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s=\"}", n64);
    CHECK_EQ_INT(jwk_text_pub(text, &k), FMCP_ERR_ENCODING);
    snprintf(text, sizeof text, "{\"kty\":\"RSA\",\"e\":\"Aw\",\"n\":\"%s\"}", n64);
    CHECK_EQ_INT(jwk_text_pub(text, &k), FMCP_ERR_BAD_KEY);
    CHECK(k.n_len == 0);
    fmcp_json_doc_destroy(doc);
}

/* A set mixing the A.2 key with keys that must be skipped and counted. */
static int mixed_jwks(char *buf, size_t cap)
{
    fmcp_json_doc *doc;
    const fmcp_json *a2 = rfc7515_a2(&doc);
    const char *n;
    if (!a2) return 0;
    n = jstr(fmcp_json_get(a2, "public_jwk"), "n");
    snprintf(buf, cap,
             "{\"keys\":["
             "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\",\"x\":\"AA\",\"y\":\"AA\"},"
             "{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"AAAA\"},"
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\",\"x\":\"AA\"},"
             "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"e\":\"AQAB\",\"n\":\"%s\"},"
             "{\"kty\":\"RSA\",\"kid\":\"broken\",\"e\":\"AQAB\",\"n\":\"%s*\"},"
             "{\"kty\":\"RSA\",\"kid\":\"a2\",\"use\":\"sig\",\"alg\":\"RS256\",\"e\":\"AQAB\",\"n\":\"%s\"},"
             "{\"kty\":\"RSA\",\"kid\":\"a2\",\"e\":\"AQAB\",\"n\":\"%s\"},"
             "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"},"
             "{\"kty\":\"RSA\",\"kid\":\"ops\",\"key_ops\":[\"encrypt\"],\"e\":\"AQAB\",\"n\":\"%s\"},"
             "{\"kty\":\"RSA\",\"kid\":\"v\",\"key_ops\":[\"sign\",\"verify\"],\"e\":\"AQAB\",\"n\":\"%s\"},"
             "7]}",
             n, n, n, n, n, n, n);
    fmcp_json_doc_destroy(doc);
    return 1;
}

static void test_jwks_mixed(void)
{
    static char text[8192];
    fmcp_jwks j;
    const fmcp_jwk_entry *e;
    if (!mixed_jwks(text, sizeof text)) T_SKIP("../shared/vectors/rfc7515 absent");
    CHECK_OK(fmcp_jwks_parse(text, strlen(text), NULL, &j));
    CHECK_EQ_INT(j.count, 3);   /* "a2", the one without kid, "v" */
    CHECK_EQ_INT(j.skipped, 8); /* EC, oct, OKP, enc, broken, duplicate kid, key_ops, 7 */
    CHECK(fmcp_jwks_find(&j, "v") == &j.keys[2] && fmcp_jwks_find(&j, "ops") == NULL);
    e = fmcp_jwks_find(&j, "a2");
    CHECK(e != NULL && e->has_kid && strcmp(e->alg, "RS256") == 0);
    CHECK(fmcp_jwks_find(&j, "enc") == NULL);
    CHECK(fmcp_jwks_find(&j, NULL) == NULL); /* several keys: no default */
    CHECK(j.count == 3 && !j.keys[1].has_kid && j.keys[1].kid[0] == 0);
    fmcp_jwks_destroy(&j);
    CHECK(j.keys == NULL && j.count == 0);
    /* a single JWK object is a set of one; find(NULL) gives it */
    {
        fmcp_json_doc *doc;
        const fmcp_json *a2 = rfc7515_a2(&doc);
        static char one[2048];
        snprintf(one, sizeof one, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}",
                 jstr(fmcp_json_get(a2, "public_jwk"), "n"));
        CHECK_OK(fmcp_jwks_parse(one, strlen(one), NULL, &j));
        CHECK(j.count == 1 && fmcp_jwks_find(&j, NULL) == &j.keys[0]);
        fmcp_jwks_destroy(&j);
        fmcp_json_doc_destroy(doc);
    }
    CHECK_OK(fmcp_jwks_parse("{\"keys\":[]}", 11, NULL, &j));
    CHECK(j.count == 0 && j.keys == NULL);
    fmcp_jwks_destroy(&j);
    CHECK_EQ_INT(fmcp_jwks_parse("{\"keys\":{}}", 11, NULL, &j), FMCP_ERR_PARSE);
    CHECK(fmcp_jwks_parse("{\"keys\":[", 9, NULL, &j) != FMCP_OK);
    CHECK_EQ_INT(fmcp_jwks_parse("[]", 2, NULL, &j), FMCP_ERR_PARSE);
}

static void test_jwks_alloc_sweep(void)
{
    static char text[8192];
    fmcp_jwks j;
    if (!mixed_jwks(text, sizeof text)) T_SKIP("../shared/vectors/rfc7515 absent");
    T_ALLOC_SWEEP({
        t_rc = (int)fmcp_jwks_parse(text, strlen(text), &t_alloc, &j);
        if (t_rc == 0) { CHECK_EQ_INT(j.count, 3); fmcp_jwks_destroy(&j); }
    });
    /* a set whose keys are all skipped takes the free-everything path */
    T_ALLOC_SWEEP({
        t_rc = (int)fmcp_jwks_parse("{\"keys\":[{\"kty\":\"EC\"}]}", 23, &t_alloc, &j);
        if (t_rc == 0) { CHECK(j.count == 0 && j.skipped == 1); fmcp_jwks_destroy(&j); }
    });
}

/* Fuzzer finding: a PEM label holding a NUL byte used to cut the END-line
 * search short and read past the input (fuzz/regress/rsakey-pem-nul-label.bin). */
static void test_pem_label_with_nul(void)
{
    static const char in[] = "-----BEGIN \0-----\n-----END ";
    size_t n = sizeof in - 1;
    char *heap = (char *)malloc(n);   /* exact-size copy so ASan sees any overread */
    fmcp_rsa_public_key pub;
    fmcp_rsa_private_key priv;
    CHECK(heap != NULL);
    if (!heap) return;
    memcpy(heap, in, n);
    CHECK(fmcp_rsa_public_from_pem(heap, n, &pub) != FMCP_OK);
    CHECK(fmcp_rsa_private_from_pem(heap, n, &priv) != FMCP_OK);
    free(heap);
}

int main(void)
{
    T_RUN(test_pem_label_with_nul);
    T_RUN(test_rfc7515_all_forms_agree);
    T_RUN(test_rfc7515_reemit_identical);
    T_RUN(test_rfc7515_jwk_write);
    T_RUN(test_pem_crlf_and_surroundings);
    T_RUN(test_rfc7638_thumbprint);
    T_RUN(test_wycheproof_public_keys);
    T_RUN(test_wycheproof_private_keys);
    T_RUN(test_wycheproof_jwk_sets);
    T_RUN(test_openssl_roundtrip);
    T_RUN(test_openssl_encrypted);
    T_RUN(test_der_negative);
    T_RUN(test_der_integer_rules);
    T_RUN(test_private_der_negative);
    T_RUN(test_pem_policy_and_types);
    T_RUN(test_pem_bad_base64);
    T_RUN(test_jwk_leading_zero_and_errors);
    T_RUN(test_jwks_mixed);
    T_RUN(test_jwks_alloc_sweep);
    return t_finish("rsakey");
}
