/* RSA, key parsing and JWT verification built with FASTMCP_RSA_MAX_BITS 2048
 * (the bare-metal setting: bignums, key structs and their stack halved):
 * 2048-bit keys work end to end, larger ones are refused cleanly. The option
 * changes struct sizes, so this file always builds the implementation in. */
#define FASTMCP_RSA_MAX_BITS 2048
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "test.h"

static fmcp_rsa_private_key g_key;   /* generated once */

static void test_sizes(void)
{
    CHECK(FMCP_RSA_MAX_BITS == 2048 && FMCP_BN_MAX_BITS == 2048);
    CHECK(sizeof(((fmcp_rsa_public_key *)0)->n) == 256);
    CHECK(fmcp_rsa_generate(3072, &g_key) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_rsa_generate(4096, &g_key) == FMCP_ERR_INVALID_ARG);
}

static void test_sign_verify(void)
{
    uint8_t h[32], sig[256];
    size_t n = 0;
    fmcp_rsa_public_ctx ctx;
    CHECK_OK(fmcp_rsa_generate(2048, &g_key));
    CHECK(fmcp_rsa_bits(&g_key.pub) == 2048);
    fmcp_sha256("message", 7, h);
    CHECK_OK(fmcp_rsa_sign_sha256(&g_key, h, sig, sizeof sig, &n));
    CHECK(n == 256);
    CHECK_OK(fmcp_rsa_verify_sha256(&g_key.pub, 0, h, sig, n));
    CHECK_OK(fmcp_rsa_public_prepare(&ctx, &g_key.pub, 0));
    CHECK_OK(fmcp_rsa_verify_sha256_ctx(&ctx, h, sig, n));
    sig[100] ^= 1;
    CHECK(fmcp_rsa_verify_sha256(&g_key.pub, 0, h, sig, n) == FMCP_ERR_BAD_SIGNATURE);
    CHECK(fmcp_rsa_verify_sha256_ctx(&ctx, h, sig, n) == FMCP_ERR_BAD_SIGNATURE);
}

/* A JWK whose modulus has `bytes` bytes (top bit set, odd). */
static void make_jwk(char *out, size_t cap, size_t bytes)
{
    uint8_t n[512];
    char b64[700];
    size_t len = 0;
    memset(n, 0xA5, bytes);
    n[0] = 0xC1;
    n[bytes - 1] |= 1;
    fmcp_b64_encode(FMCP_B64_URL, n, bytes, b64, sizeof b64, &len);
    b64[len] = 0;
    snprintf(out, cap, "{\"kty\":\"RSA\",\"kid\":\"k%u\",\"e\":\"AQAB\",\"n\":\"%s\"}", (unsigned)bytes * 8, b64);
}

static void test_large_keys_refused(void)
{
    static const size_t sizes[] = { 384, 512 };
    size_t i;
    for (i = 0; i < 2; i++) {
        char jwk[1024];
        fmcp_json_doc *d = NULL;
        fmcp_rsa_public_key k;
        fmcp_jwt_keyset *ks = NULL;
        make_jwk(jwk, sizeof jwk, sizes[i]);
        CHECK_OK(fmcp_json_parse(jwk, strlen(jwk), NULL, &d, NULL));
        CHECK(fmcp_rsa_public_from_jwk(fmcp_json_root(d), &k) != FMCP_OK);
        fmcp_json_doc_destroy(d);
        CHECK_OK(fmcp_jwt_keyset_create(NULL, &ks));
        CHECK(fmcp_jwt_keyset_add(ks, jwk, strlen(jwk)) != FMCP_OK || fmcp_jwt_keyset_count(ks) == 0);
        fmcp_jwt_keyset_destroy(ks);
    }
}

static int64_t fixed_time(void *u) { (void)u; return 1300819000; }   /* before the vector's exp */

/* RFC 7515 appendix A.2 (a 2048-bit key) verifies; a 4096-bit one is not taken. */
static void test_rfc7515_rs256(void)
{
    const char *vd = t_vectors_dir();
    char path[1200], *text;
    size_t len = 0;
    fmcp_json_doc *d = NULL;
    const fmcp_json *a2;
    const char *jws, *keys[1];
    char jwk[1024];
    fmcp_jwt_verifier_desc desc;
    fmcp_jwt_verifier *v = NULL;
    fmcp_jwt_verdict r;
    fmcp_hooks h;
    if (!vd) { T_SKIP("../shared/vectors absent"); return; }
    snprintf(path, sizeof path, "%s/rfc7515/rfc7515-appendix-a.json", vd);
    text = t_read_file(path, &len);
    if (!text) { T_SKIP("%s absent", path); return; }
    CHECK_OK(fmcp_json_parse(text, len, NULL, &d, NULL));
    free(text);
    if (!d) return;
    a2 = fmcp_json_get(fmcp_json_root(d), "A.2_RS256");
    jws = fmcp_json_get_str(a2, "jws_compact", NULL);
    CHECK(jws != NULL);
    CHECK(fmcp_json_write(fmcp_json_get(a2, "public_jwk"), jwk, sizeof jwk, NULL) == FMCP_OK);
    memset(&h, 0, sizeof h);
    h.time_fn = fixed_time;
    fmcp_set_hooks(&h);
    memset(&desc, 0, sizeof desc);
    keys[0] = jwk; desc.keys = keys; desc.key_count = 1;
    desc.allow_any_audience = 1;   /* the RFC 7515 A.2 token has no aud */
    CHECK_OK(fmcp_jwt_verifier_create(&desc, &v));
    if (v && jws) {
        CHECK_OK(fmcp_jwt_verify(v, jws, strlen(jws), &r));
        CHECK(r.error == FMCP_JWT_OK);
        CHECK_STR(r.claims.issuer, "joe");
        fmcp_jwt_verdict_destroy(&r);
    }
    fmcp_jwt_verifier_destroy(v);
    fmcp_set_hooks(NULL);
    fmcp_json_doc_destroy(d);
}

int main(void)
{
    T_RUN(test_sizes);
    T_RUN(test_sign_verify);
    T_RUN(test_large_keys_refused);
    T_RUN(test_rfc7515_rs256);
    return t_finish("rsa2048");
}
