/* Unit tests for the rsa module: Wycheproof verify and sign-generation
 * vectors, RFC 7515 A.2, key policy, key generation, failure paths. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#define WY "wycheproof/testvectors_v1"

/* Parse a file under the vectors directory; NULL (and a skip reason) if absent. */
static fmcp_json_doc *load_json(const char *rel, char **text)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    size_t len;
    fmcp_json_doc *doc = NULL;
    *text = NULL;
    if (!dir) return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    *text = t_read_file(path, &len);
    if (!*text) return NULL;
    if (fmcp_json_parse(*text, len, NULL, &doc, NULL) != FMCP_OK) {
        free(*text);
        *text = NULL;
        return NULL;
    }
    return doc;
}

/* Hex member into a byte field; returns length or -1. */
static long hex_field(const fmcp_json *obj, const char *key, uint8_t *out, size_t cap)
{
    const char *h = fmcp_json_get_str(obj, key, NULL);
    return h ? t_hex(h, out, cap) : -1;
}

/* base64url member into a byte field; 1 on success. */
static int b64_field(const fmcp_json *obj, const char *key, uint8_t *out, size_t cap, size_t *len)
{
    size_t n;
    const char *s = fmcp_json_str(fmcp_json_get(obj, key), &n);
    return s && fmcp_b64_decode(FMCP_B64_URL, s, n, out, cap, len) == FMCP_OK;
}

/* A private key from JWK members (n e d p q dp dq qi). */
static int jwk_private(const fmcp_json *jwk, fmcp_rsa_private_key *k)
{
    memset(k, 0, sizeof *k);
    return b64_field(jwk, "n", k->pub.n, sizeof k->pub.n, &k->pub.n_len) &&
           b64_field(jwk, "e", k->pub.e, sizeof k->pub.e, &k->pub.e_len) &&
           b64_field(jwk, "d", k->d, sizeof k->d, &k->d_len) &&
           b64_field(jwk, "p", k->p, sizeof k->p, &k->p_len) &&
           b64_field(jwk, "q", k->q, sizeof k->q, &k->q_len) &&
           b64_field(jwk, "dp", k->dp, sizeof k->dp, &k->dp_len) &&
           b64_field(jwk, "dq", k->dq, sizeof k->dq, &k->dq_len) &&
           b64_field(jwk, "qi", k->qinv, sizeof k->qinv, &k->qinv_len);
}

static void hash_hex_msg(const fmcp_json *t, uint8_t h[32])
{
    static uint8_t msg[8192];
    long n = hex_field(t, "msg", msg, sizeof msg);
    fmcp_sha256(msg, n > 0 ? (size_t)n : 0, h);
}

/* Verify every test of one group; returns the number of tests run. */
static size_t verify_group(const fmcp_json *g, const char *file)
{
    fmcp_rsa_public_key pub;
    fmcp_rsa_public_ctx ctx;
    const fmcp_json *pk = fmcp_json_get(g, "publicKey"), *t;
    uint8_t nb[FMCP_RSA_MAX_BYTES + 1];
    long nl = hex_field(pk, "modulus", nb, sizeof nb);
    long el = hex_field(pk, "publicExponent", pub.e, sizeof pub.e);
    size_t count = 0, skip = nl > 0 && nb[0] == 0; /* ASN.1 sign byte */
    unsigned flags = 0;
    CHECKF(nl > 0 && el > 0, "%s: key fields", file);
    if (nl <= 0 || el <= 0) return 0;
    pub.n_len = (size_t)nl - skip;
    memcpy(pub.n, nb + skip, pub.n_len);
    pub.e_len = (size_t)el;
    /* e < 65537 is refused by default: such groups must fail as BAD_KEY and
     * are then checked with FMCP_RSA_ALLOW_SMALL_E */
    if (fmcp_rsa_public_check(&pub, 0) != FMCP_OK) {
        CHECK_EQ_INT(fmcp_rsa_public_check(&pub, 0), FMCP_ERR_BAD_KEY);
        flags = FMCP_RSA_ALLOW_SMALL_E;
    }
    CHECK_OK(fmcp_rsa_public_prepare(&ctx, &pub, flags));
    for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
        static uint8_t sig[1024];
        uint8_t h[32];
        long sl = hex_field(t, "sig", sig, sizeof sig);
        const char *res = fmcp_json_get_str(t, "result", "");
        long id = (long)fmcp_json_get_int(t, "tcId", -1);
        /* strict: only `valid` passes; `acceptable` (missing NULL, e = 3) is refused */
        int want = strcmp(res, "valid") == 0;
        int got, got_ctx;
        hash_hex_msg(t, h);
        got = fmcp_rsa_verify_sha256(&pub, flags, h, sig, sl > 0 ? (size_t)sl : 0) == FMCP_OK;
        got_ctx = fmcp_rsa_verify_sha256_ctx(&ctx, h, sig, sl > 0 ? (size_t)sl : 0) == FMCP_OK;
        CHECKF(got == want && got_ctx == want, "%s tc %ld (%s): got %d/%d", file, id, res, got, got_ctx);
        if (flags) CHECK_EQ_INT(fmcp_rsa_verify_sha256(&pub, 0, h, sig, (size_t)sl), FMCP_ERR_BAD_KEY);
        count++;
    }
    return count;
}

static void wycheproof_verify(unsigned bits, size_t min_tests)
{
    char rel[200], *text;
    fmcp_json_doc *doc;
    const fmcp_json *g;
    size_t count = 0;
    snprintf(rel, sizeof rel, WY "/rsa_signature_%u_sha256_test.json", bits);
    doc = load_json(rel, &text);
    if (!doc) T_SKIP("%s absent (../shared/vectors)", rel);
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g))
        count += verify_group(g, rel);
    CHECKF(count >= min_tests, "%s: only %zu tests", rel, count);
    fmcp_json_doc_destroy(doc);
    free(text);
}

static void test_wycheproof_verify_2048(void) { wycheproof_verify(2048, 250); }
static void test_wycheproof_verify_3072(void) { wycheproof_verify(3072, 200); }
static void test_wycheproof_verify_4096(void) { wycheproof_verify(4096, 200); }

/* Sign-generation vectors: PKCS#1 v1.5 is deterministic, so the signature
 * must match byte for byte. Only the SHA-256 groups apply. */
static void wycheproof_sign(unsigned bits)
{
    char rel[200], *text;
    fmcp_json_doc *doc;
    const fmcp_json *g, *t;
    size_t count = 0;
    snprintf(rel, sizeof rel, WY "/rsa_pkcs1_%u_sig_gen_test.json", bits);
    doc = load_json(rel, &text);
    if (!doc) T_SKIP("%s absent (../shared/vectors)", rel);
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g)) {
        fmcp_rsa_private_key key;
        unsigned flags = 0;
        if (strcmp(fmcp_json_get_str(g, "sha", ""), "SHA-256") != 0) continue;
        CHECKF(jwk_private(fmcp_json_get(g, "privateKeyJwk"), &key), "%s: JWK", rel);
        /* groups with e = 3 (and unbalanced p, q) need the small-e flag */
        if (fmcp_rsa_public_check(&key.pub, 0) != FMCP_OK) {
            flags = FMCP_RSA_ALLOW_SMALL_E;
            CHECK_EQ_INT(fmcp_rsa_private_check(&key), FMCP_ERR_BAD_KEY);
        } else {
            CHECK_OK(fmcp_rsa_private_check(&key));
        }
        CHECK_EQ_INT(fmcp_rsa_bits(&key.pub), bits);
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            uint8_t want[FMCP_RSA_MAX_BYTES], sig[FMCP_RSA_MAX_BYTES], h[32];
            long wl = hex_field(t, "sig", want, sizeof want);
            size_t sl = 0;
            long id = (long)fmcp_json_get_int(t, "tcId", -1);
            hash_hex_msg(t, h);
            CHECK_OK(fmcp_rsa_sign_sha256_ex(&key, flags, h, sig, sizeof sig, &sl));
            CHECKF(wl > 0 && sl == (size_t)wl && memcmp(sig, want, sl) == 0, "%s tc %ld: signature differs", rel, id);
            CHECK_OK(fmcp_rsa_verify_sha256(&key.pub, flags, h, want, (size_t)wl));
            if (flags) CHECK_EQ_INT(fmcp_rsa_sign_sha256(&key, h, sig, sizeof sig, &sl), FMCP_ERR_BAD_KEY);
            count++;
        }
        fmcp_wipe(&key, sizeof key);
    }
    CHECKF(count >= 5, "%s: only %zu SHA-256 tests", rel, count);
    fmcp_json_doc_destroy(doc);
    free(text);
}

static void test_wycheproof_sign_2048(void) { wycheproof_sign(2048); }
static void test_wycheproof_sign_3072(void) { wycheproof_sign(3072); }
static void test_wycheproof_sign_4096(void) { wycheproof_sign(4096); }

/* RFC 7515 A.2: the RS256 example key signs its signing input to exactly
 * the published signature, which verifies. */
static int rfc7515_key(fmcp_rsa_private_key *key, uint8_t h[32], uint8_t *want, size_t *wl,
                       char **text, fmcp_json_doc **doc)
{
    const fmcp_json *a2;
    long n1, n2;
    *doc = load_json("rfc7515/rfc7515-appendix-a.json", text);
    if (!*doc) return 0;
    a2 = fmcp_json_get(fmcp_json_root(*doc), "A.2_RS256");
    n1 = hex_field(a2, "signing_input_sha256_hex", h, 32);
    n2 = hex_field(a2, "signature_hex", want, FMCP_RSA_MAX_BYTES);
    *wl = n2 > 0 ? (size_t)n2 : 0;
    return jwk_private(fmcp_json_get(a2, "private_jwk"), key) && n1 == 32 && n2 > 0;
}

static void test_rfc7515_a2(void)
{
    fmcp_rsa_private_key key;
    uint8_t h[32], want[FMCP_RSA_MAX_BYTES], sig[FMCP_RSA_MAX_BYTES];
    size_t wl, sl;
    char *text;
    fmcp_json_doc *doc;
    if (!rfc7515_key(&key, h, want, &wl, &text, &doc)) {
        if (!doc) T_SKIP("rfc7515/rfc7515-appendix-a.json absent");
        CHECK(0);
    } else {
        CHECK_OK(fmcp_rsa_private_check(&key));
        CHECK_OK(fmcp_rsa_sign_sha256(&key, h, sig, sizeof sig, &sl));
        CHECK(sl == wl && memcmp(sig, want, wl) == 0);
        CHECK_OK(fmcp_rsa_verify_sha256(&key.pub, 0, h, want, wl));
        want[wl - 1] ^= 1;
        CHECK_EQ_INT(fmcp_rsa_verify_sha256(&key.pub, 0, h, want, wl), FMCP_ERR_BAD_SIGNATURE);
        want[wl - 1] ^= 1;
        h[0] ^= 0x80;
        CHECK_EQ_INT(fmcp_rsa_verify_sha256(&key.pub, 0, h, want, wl), FMCP_ERR_BAD_SIGNATURE);
        h[0] ^= 0x80;
        /* too small an output buffer */
        CHECK_EQ_INT(fmcp_rsa_sign_sha256(&key, h, sig, wl - 1, &sl), FMCP_ERR_BUFFER_TOO_SMALL);
        /* a corrupted CRT exponent gives a wrong half: verify-after-sign must
         * catch it and release nothing */
        key.dp[5] ^= 0x10;
        memset(sig, 0xAA, sizeof sig);
        CHECK_EQ_INT(fmcp_rsa_sign_sha256(&key, h, sig, sizeof sig, &sl), FMCP_ERR_CRYPTO);
        CHECK(sl == 0 && sig[0] == 0 && sig[wl / 2] == 0);
        CHECK_EQ_INT(fmcp_rsa_private_check(&key), FMCP_ERR_BAD_KEY);
        key.dp[5] ^= 0x10;
        key.qinv[3] ^= 1;
        CHECK_EQ_INT(fmcp_rsa_private_check(&key), FMCP_ERR_BAD_KEY);
        CHECK_EQ_INT(fmcp_rsa_sign_sha256(&key, h, sig, sizeof sig, &sl), FMCP_ERR_CRYPTO);
    }
    fmcp_wipe(&key, sizeof key);
    if (doc) fmcp_json_doc_destroy(doc);
    free(text);
}

/* Policy: sizes, parity, exponent, signature length and range. The modulus
 * here is just an odd pattern; policy checks come before any arithmetic. */
static void test_policy(void)
{
    fmcp_rsa_public_key k;
    uint8_t h[32], sig[FMCP_RSA_MAX_BYTES + 1];
    memset(&k, 0, sizeof k);
    memset(h, 1, sizeof h);
    memset(k.n, 0xC5, sizeof k.n);
    k.e[0] = 1; k.e[1] = 0; k.e[2] = 1; k.e_len = 3;
    k.n_len = 256;
    CHECK_OK(fmcp_rsa_public_check(&k, 0));
    CHECK_EQ_INT(fmcp_rsa_bits(&k), 2048);
    k.n_len = 255; /* 2040 bits */
    CHECK_EQ_INT(fmcp_rsa_public_check(&k, 0), FMCP_ERR_BAD_KEY);
    k.n_len = 512;
    CHECK_OK(fmcp_rsa_public_check(&k, 0));
    k.n_len = 384;
    k.n[383] = 0xC4; /* even */
    CHECK_EQ_INT(fmcp_rsa_public_check(&k, 0), FMCP_ERR_BAD_KEY);
    k.n[383] = 0xC5;
    k.n[0] = 0; k.n[1] = 0x7f; /* leading zero byte tolerated: 3063 bits */
    CHECK_OK(fmcp_rsa_public_check(&k, 0));
    CHECK_EQ_INT(fmcp_rsa_bits(&k), 3063);
    k.n[0] = 0xC5; k.n[1] = 0xC5;
    k.e[0] = 3; k.e_len = 1;
    CHECK_EQ_INT(fmcp_rsa_public_check(&k, 0), FMCP_ERR_BAD_KEY);
    CHECK_OK(fmcp_rsa_public_check(&k, FMCP_RSA_ALLOW_SMALL_E));
    k.e[0] = 1;
    CHECK_EQ_INT(fmcp_rsa_public_check(&k, FMCP_RSA_ALLOW_SMALL_E), FMCP_ERR_BAD_KEY);
    k.e[0] = 1; k.e[1] = 0; k.e[2] = 2; k.e_len = 3; /* even */
    CHECK_EQ_INT(fmcp_rsa_public_check(&k, 0), FMCP_ERR_BAD_KEY);
    k.e[0] = 1; k.e[1] = 0; k.e[2] = 0xff; /* 65791 */
    CHECK_OK(fmcp_rsa_public_check(&k, 0));
    k.e[0] = 1; k.e[1] = 0; k.e[2] = 1; k.e_len = 3;
    /* signature length must equal the modulus length; value must be < n */
    memset(sig, 0, sizeof sig);
    CHECK_EQ_INT(fmcp_rsa_verify_sha256(&k, 0, h, sig, 383), FMCP_ERR_BAD_SIGNATURE);
    CHECK_EQ_INT(fmcp_rsa_verify_sha256(&k, 0, h, sig, 385), FMCP_ERR_BAD_SIGNATURE);
    CHECK_EQ_INT(fmcp_rsa_verify_sha256(&k, 0, h, k.n, 384), FMCP_ERR_BAD_SIGNATURE);
    memset(sig, 0xff, 384);
    CHECK_EQ_INT(fmcp_rsa_verify_sha256(&k, 0, h, sig, 384), FMCP_ERR_BAD_SIGNATURE);
    k.n_len = 0;
    CHECK_EQ_INT(fmcp_rsa_verify_sha256(&k, 0, h, sig, 384), FMCP_ERR_BAD_KEY);
    CHECK_EQ_INT(fmcp_rsa_public_check(NULL, 0), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_generate(1024, NULL), FMCP_ERR_INVALID_ARG);
}

/* A generated key: exact size, p*q == n, e*d == 1 mod p-1 and mod q-1
 * (that is, mod lcm(p-1, q-1)), consistent CRT values, and it signs. */
static void check_generated(unsigned bits)
{
    fmcp_rsa_private_key key;
    fmcp__limb p[FMCP_BN_MAX_LIMBS], q[FMCP_BN_MAX_LIMBS], n[2 * FMCP_BN_MAX_LIMBS], pq[2 * FMCP_BN_MAX_LIMBS];
    fmcp__limb d[FMCP_BN_MAX_LIMBS], de[FMCP_BN_MAX_LIMBS + 1], r[FMCP_BN_MAX_LIMBS];
    uint8_t h[32], sig[FMCP_RSA_MAX_BYTES];
    size_t L = bits / 2 / FMCP_LIMB_BITS, sl = 0;
    int prime = 0;
    CHECK_OK(fmcp_rsa_generate(bits, &key));
    CHECK_EQ_INT(fmcp_rsa_bits(&key.pub), bits);
    CHECK(key.pub.e_len == 3 && key.pub.e[0] == 1 && key.pub.e[1] == 0 && key.pub.e[2] == 1);
    CHECK(key.p_len == bits / 16 && key.q_len == bits / 16 && memcmp(key.p, key.q, key.p_len) > 0);
    CHECK_OK(fmcp__bn_from_bytes(p, L, key.p, key.p_len));
    CHECK_OK(fmcp__bn_from_bytes(q, L, key.q, key.q_len));
    CHECK_OK(fmcp__bn_from_bytes(n, 2 * L, key.pub.n, key.pub.n_len));
    fmcp__bn_mul(pq, p, L, q, L);
    CHECK(fmcp__bn_cmp(pq, n, 2 * L) == 0);
    CHECK_OK(fmcp__bn_from_bytes(d, 2 * L, key.d, key.d_len));
    de[2 * L] = fmcp__bn_mul_small(de, d, 2 * L, 65537);
    p[0] -= 1;
    q[0] -= 1;
    CHECK_OK(fmcp__bn_mod(r, de, 2 * L + 1, p, L));
    CHECK(fmcp__bn_bits(r, L) == 1);
    CHECK_OK(fmcp__bn_mod(r, de, 2 * L + 1, q, L));
    CHECK(fmcp__bn_bits(r, L) == 1);
    p[0] += 1;
    CHECK_OK(fmcp__bn_is_probable_prime(p, L, 8, &prime)); /* a second opinion on p */
    CHECK(prime);
    CHECK_OK(fmcp_rsa_private_check(&key));
    memset(h, 0x5a, sizeof h);
    CHECK_OK(fmcp_rsa_sign_sha256(&key, h, sig, sizeof sig, &sl));
    CHECK_EQ_INT(sl, bits / 8);
    CHECK_OK(fmcp_rsa_verify_sha256(&key.pub, 0, h, sig, sl));
    fmcp_wipe(&key, sizeof key);
}

static void test_generate_2048(void) { check_generated(2048); }
static void test_generate_3072(void) { check_generated(3072); }
static void test_generate_4096(void) { check_generated(4096); }

/* Two generated keys differ (the generator really draws randomness). */
static void test_generate_distinct(void)
{
    static fmcp_rsa_private_key a, b;
    CHECK_OK(fmcp_rsa_generate(2048, &a));
    CHECK_OK(fmcp_rsa_generate(2048, &b));
    CHECK(memcmp(a.pub.n, b.pub.n, 256) != 0 && memcmp(a.p, b.q, a.p_len) != 0);
    fmcp_wipe(&a, sizeof a);
    fmcp_wipe(&b, sizeof b);
}

static int random_calls;
static int random_fail_after;
/* Works for random_fail_after calls, then fails. */
static int flaky_random(void *u, void *buf, size_t len)
{
    unsigned char *p = (unsigned char *)buf;
    size_t i;
    (void)u;
    if (random_calls++ >= random_fail_after) return -1;
    for (i = 0; i < len; i++) p[i] = (unsigned char)(rand() >> 7);
    return 0;
}

static void test_random_failure(void)
{
    static fmcp_rsa_private_key key, tmp;
    fmcp_hooks hk;
    uint8_t h[32], want[FMCP_RSA_MAX_BYTES], sig[FMCP_RSA_MAX_BYTES];
    size_t wl = 0, sl = 7, i;
    char *text;
    fmcp_json_doc *doc;
    memset(&hk, 0, sizeof hk);
    hk.random_fn = flaky_random;
    fmcp_set_hooks(&hk);
    for (random_fail_after = 0; random_fail_after < 4; random_fail_after++) {
        random_calls = 0;
        memset(&tmp, 0x33, sizeof tmp);
        CHECK_EQ_INT(fmcp_rsa_generate(2048, &tmp), FMCP_ERR_RANDOM);
        for (i = 0; i < sizeof tmp && ((unsigned char *)&tmp)[i] == 0; i++) {}
        CHECK(i == sizeof tmp); /* nothing half-made is left behind */
    }
    if (rfc7515_key(&key, h, want, &wl, &text, &doc)) {
        random_fail_after = 0;
        random_calls = 0;
        CHECK_EQ_INT(fmcp_rsa_sign_sha256(&key, h, sig, sizeof sig, &sl), FMCP_ERR_RANDOM);
        CHECK(sl == 0);
    }
    fmcp_set_hooks(NULL);
    fmcp_wipe(&key, sizeof key);
    if (doc) fmcp_json_doc_destroy(doc);
    free(text);
}

int main(void)
{
    T_RUN(test_policy);
    T_RUN(test_wycheproof_verify_2048);
    T_RUN(test_wycheproof_verify_3072);
    T_RUN(test_wycheproof_verify_4096);
    T_RUN(test_wycheproof_sign_2048);
    T_RUN(test_wycheproof_sign_3072);
    T_RUN(test_wycheproof_sign_4096);
    T_RUN(test_rfc7515_a2);
    T_RUN(test_generate_2048);
    T_RUN(test_generate_3072);
    T_RUN(test_generate_4096);
    T_RUN(test_generate_distinct);
    T_RUN(test_random_failure);
    return t_finish("rsa");
}
