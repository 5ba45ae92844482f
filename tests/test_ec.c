/* Unit tests for the ec module (P-256, P-384): RFC 6979 A.2.5 and A.2.6
 * known answers, the Wycheproof ECDSA (P1363 and DER) and ECDH (SEC1 point
 * and JWK) files when ../shared/vectors has them, DER strictness, sign and
 * verify round trips with random keys, bit flips, r or s of 0 or n and the
 * all-zero signature (CVE-2022-21449) refused. Nothing here allocates in the
 * library (the module has no heap), so there is no allocation sweep. Built
 * plain and with FASTMCP_NO_INT128 (32-bit limbs). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

/* SHA-384 / SHA-512 (the sha512 module) by digest length. */
static void t_sha2_long(size_t hlen, const uint8_t *m, size_t len, uint8_t *out)
{
    if (hlen == 48) fmcp_sha384(m, len, out);
    else fmcp_sha512(m, len, out);
}

/* ---- helpers ---- */

/* hex of any length into a malloc'd buffer (NULL on bad hex). */
static uint8_t *hex_alloc(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *b = (uint8_t *)malloc(n + 1);
    long got = b ? t_hex(hex, b, n) : -1;
    if (got < 0) { free(b); return NULL; }
    *len = (size_t)got;
    return b;
}

/* A big-endian integer (maybe with leading zeros, maybe shorter) as exactly
 * size bytes; 0 when it does not fit. */
static int fixed_be(const uint8_t *in, size_t n, uint8_t *out, size_t size)
{
    while (n > size && *in == 0) { in++; n--; }
    if (n > size) return 0;
    memset(out, 0, size - n);
    memcpy(out + size - n, in, n);
    return 1;
}

static int fixed_hex(const char *hex, uint8_t *out, size_t size)
{
    size_t n;
    uint8_t *b = hex_alloc(hex, &n);
    int ok = b && fixed_be(b, n, out, size);
    free(b);
    return ok;
}

static void digest_for(const char *sha, const uint8_t *m, size_t len, uint8_t *d, size_t *dlen)
{
    if (strcmp(sha, "SHA-384") == 0) { t_sha2_long(48, m, len, d); *dlen = 48; }
    else { fmcp_sha256(m, len, d); *dlen = 32; }
}

/* ---- RFC 6979 appendix A.2.5 (P-256) and A.2.6 (P-384), SHA-256 ---- */

static void check_rfc6979(fmcp_ec_curve curve, const char *x, const char *ux, const char *uy,
                          const char *msg, const char *r, const char *s)
{
    fmcp_ec_private_key k;
    uint8_t d[48], want[96], sig[FMCP_EC_MAX_SIG], h[32];
    size_t n = fmcp_ec_size(curve);
    CHECK(fixed_hex(x, d, n));
    CHECK_OK(fmcp_ec_private_from_bytes(&k, curve, d, n));
    CHECK(fixed_hex(ux, want, n));
    CHECK_MEM(k.pub.x, want, n);
    CHECK(fixed_hex(uy, want, n));
    CHECK_MEM(k.pub.y, want, n);
    fmcp_sha256(msg, strlen(msg), h);
    CHECK_OK(fmcp_ecdsa_sign(&k, h, sizeof h, sig));
    CHECK(fixed_hex(r, want, n));
    CHECK(fixed_hex(s, want + n, n));
    CHECKF(memcmp(sig, want, 2 * n) == 0, "curve %d msg %s", (int)curve, msg);
    CHECK_OK(fmcp_ecdsa_verify(&k.pub, h, sizeof h, sig, 2 * n));
    CHECK_OK(fmcp_ecdsa_verify(&k.pub, h, sizeof h, want, 2 * n));
}

static void test_rfc6979(void)
{
    const char *x256 = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
    const char *ux256 = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
    const char *uy256 = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
    const char *x384 = "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5";
    const char *ux384 = "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13";
    const char *uy384 = "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720";
    check_rfc6979(FMCP_EC_P256, x256, ux256, uy256, "sample",
                  "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                  "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
    check_rfc6979(FMCP_EC_P256, x256, ux256, uy256, "test",
                  "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
                  "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083");
    /* P-384 with a SHA-256 message hash: RFC 6979 then uses HMAC-SHA-256,
     * as this module always does, so these rows apply; the 32-byte digest
     * is shorter than n (the bits2int padding path). */
    check_rfc6979(FMCP_EC_P384, x384, ux384, uy384, "sample",
                  "21B13D1E013C7FA1392D03C5F99AF8B30C570C6F98D4EA8E354B63A21D3DAA33BDE1E888E63355D92FA2B3C36D8FB2CD",
                  "F3AA443FB107745BF4BD77CB3891674632068A10CA67E3D45DB2266FA7D1FEEBEFDC63ECCD1AC42EC0CB8668A4FA0AB0");
    check_rfc6979(FMCP_EC_P384, x384, ux384, uy384, "test",
                  "6D6DEFAC9AB64DABAFE36C6BF510352A4CC27001263638E5B16D9BB51D451559F918EEDAF2293BE5B475CC8F0188636B",
                  "2D46F3BECBCC523D5F1A1256BF0C9B024D879BA9E838144C8BA6BAEB4B53B47D51AB373F9845C0514EEFB14024787265");
}

/* The RFC's rows whose message hash is longer than n (P-256 with SHA-384
 * and SHA-512) or is SHA-384 (P-384): their nonces come from HMAC with
 * that hash, which this module does not use, so they are checked by
 * verification only; that exercises the truncation of long digests. */
static void check_rfc6979_verify(fmcp_ec_curve curve, const char *ux, const char *uy,
                                 size_t hlen, const char *msg, const char *r, const char *s)
{
    fmcp_ec_public_key pub;
    uint8_t x[48], y[48], h[64], sig[96];
    size_t n = fmcp_ec_size(curve);
    CHECK(fixed_hex(ux, x, n) && fixed_hex(uy, y, n));
    CHECK_OK(fmcp_ec_public_from_xy(&pub, curve, x, n, y, n));
    t_sha2_long(hlen, (const uint8_t *)msg, strlen(msg), h);
    CHECK(fixed_hex(r, sig, n) && fixed_hex(s, sig + n, n));
    CHECKF(fmcp_ecdsa_verify(&pub, h, hlen, sig, 2 * n) == FMCP_OK, "curve %d hash %zu", (int)curve, hlen);
    h[0] ^= 0x80;
    CHECK(fmcp_ecdsa_verify(&pub, h, hlen, sig, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
}

static void test_rfc6979_long_digests(void)
{
    const char *ux256 = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
    const char *uy256 = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
    check_rfc6979_verify(FMCP_EC_P256, ux256, uy256, 48, "sample",
                         "0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719",
                         "4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954");
    check_rfc6979_verify(FMCP_EC_P256, ux256, uy256, 64, "sample",
                         "8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00",
                         "2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE");
    check_rfc6979_verify(FMCP_EC_P384,
                         "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13",
                         "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720",
                         48, "sample",
                         "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46",
                         "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8");
}

/* ---- Wycheproof ECDSA ---- */

typedef struct ecdsa_counts { size_t valid_ok, valid_bad, invalid_rej, invalid_acc; } ecdsa_counts;

static void run_ecdsa_file(const char *file, fmcp_ec_curve curve, int der, size_t min_tests)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len, n = fmcp_ec_size(curve);
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g, *t;
    ecdsa_counts c;
    memset(&c, 0, sizeof c);
    if (!dir) T_SKIP("../shared/vectors absent (set FMCP_VECTORS)");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/%s", dir, file);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    for (g = doc ? fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")) : NULL; g; g = fmcp_json_next(g)) {
        const fmcp_json *pk = fmcp_json_get(g, "publicKey");
        const char *sha = fmcp_json_get_str(g, "sha", "");
        fmcp_ec_public_key key, key2;
        uint8_t *sec1, wx[48], wy[48];
        size_t sec1_len = 0;
        sec1 = hex_alloc(fmcp_json_get_str(pk, "uncompressed", ""), &sec1_len);
        CHECK(sec1 != NULL);
        if (!sec1) continue;
        CHECK_OK(fmcp_ec_public_from_sec1(&key, curve, sec1, sec1_len));
        /* the same key through the raw x, y (JWK) path */
        CHECK(fixed_hex(fmcp_json_get_str(pk, "wx", ""), wx, n) && fixed_hex(fmcp_json_get_str(pk, "wy", ""), wy, n));
        CHECK_OK(fmcp_ec_public_from_xy(&key2, curve, wx, n, wy, n));
        CHECK(memcmp(&key, &key2, sizeof key) == 0);
        free(sec1);
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            long id = (long)fmcp_json_get_int(t, "tcId", -1);
            const char *result = fmcp_json_get_str(t, "result", "");
            size_t mlen = 0, slen = 0, dlen = 0;
            uint8_t *msg = hex_alloc(fmcp_json_get_str(t, "msg", ""), &mlen);
            uint8_t *sig = hex_alloc(fmcp_json_get_str(t, "sig", ""), &slen);
            uint8_t dg[48], raw[FMCP_EC_MAX_SIG];
            fmcp_result rc;
            CHECKF(msg && sig, "tc %ld: hex", id);
            if (!msg || !sig) { free(msg); free(sig); continue; }
            digest_for(sha, msg, mlen, dg, &dlen);
            if (der) {
                rc = fmcp_ecdsa_sig_from_der(curve, sig, slen, raw);
                if (rc == FMCP_OK) {
                    uint8_t back[FMCP_EC_MAX_DER];
                    size_t blen = 0;
                    rc = fmcp_ecdsa_verify(&key, dg, dlen, raw, 2 * n);
                    /* strict DER: what parsed re-encodes to the same bytes */
                    CHECK_OK(fmcp_ecdsa_sig_to_der(curve, raw, back, sizeof back, &blen));
                    CHECKF(blen == slen && memcmp(back, sig, slen) == 0, "tc %ld: DER not canonical", id);
                }
            } else {
                rc = fmcp_ecdsa_verify(&key, dg, dlen, sig, slen);
            }
            if (strcmp(result, "valid") == 0) {
                CHECKF(rc == FMCP_OK, "tc %ld (%s): valid rejected: %d", id, file, (int)rc);
                if (rc == FMCP_OK) c.valid_ok++; else c.valid_bad++;
            } else {
                CHECKF(rc != FMCP_OK, "tc %ld (%s): %s accepted", id, file, result);
                if (rc != FMCP_OK) c.invalid_rej++; else c.invalid_acc++;
            }
            free(msg);
            free(sig);
        }
    }
    fprintf(stderr, "  %s: %zu valid accepted, %zu invalid rejected (%zu/%zu wrong)\n", file,
            c.valid_ok, c.invalid_rej, c.valid_bad, c.invalid_acc);
    CHECKF(c.valid_ok + c.invalid_rej >= min_tests, "only %zu vectors", c.valid_ok + c.invalid_rej);
    fmcp_json_doc_destroy(doc);
    free(text);
}

static void test_wycheproof_p256_p1363(void)
{
    run_ecdsa_file("ecdsa_secp256r1_sha256_p1363_test.json", FMCP_EC_P256, 0, 262);
}
static void test_wycheproof_p384_p1363(void)
{
    run_ecdsa_file("ecdsa_secp384r1_sha384_p1363_test.json", FMCP_EC_P384, 0, 280);
}
static void test_wycheproof_p256_der(void)
{
    run_ecdsa_file("ecdsa_secp256r1_sha256_test.json", FMCP_EC_P256, 1, 484);
}
static void test_wycheproof_p384_der(void)
{
    run_ecdsa_file("ecdsa_secp384r1_sha384_test.json", FMCP_EC_P384, 1, 400);
}

/* ---- Wycheproof ECDH ---- */

/* Decide one ECDH case: FMCP_OK and the secret in out, or an error. */
static fmcp_result ecdh_case(const uint8_t *pub, size_t plen, const char *priv_hex, uint8_t out[32])
{
    fmcp_ec_public_key peer;
    fmcp_ec_private_key k;
    uint8_t d[32];
    fmcp_result rc = fmcp_ec_public_from_sec1(&peer, FMCP_EC_P256, pub, plen);
    if (rc != FMCP_OK) return rc;
    if (!fixed_hex(priv_hex, d, 32)) return FMCP_ERR_BAD_KEY;
    rc = fmcp_ec_private_from_bytes(&k, FMCP_EC_P256, d, 32);
    if (rc == FMCP_OK) rc = fmcp_ecdh(&k, &peer, out);
    return rc;
}

static void test_wycheproof_ecdh_ecpoint(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len, valid = 0, invalid = 0, acceptable = 0;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g, *t;
    if (!dir) T_SKIP("../shared/vectors absent (set FMCP_VECTORS)");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/ecdh_secp256r1_ecpoint_test.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    for (g = doc ? fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")) : NULL; g; g = fmcp_json_next(g)) {
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            long id = (long)fmcp_json_get_int(t, "tcId", -1);
            const char *result = fmcp_json_get_str(t, "result", "");
            size_t plen = 0;
            uint8_t *pub = hex_alloc(fmcp_json_get_str(t, "public", ""), &plen);
            uint8_t out[32], want[32];
            fmcp_result rc = pub ? ecdh_case(pub, plen, fmcp_json_get_str(t, "private", ""), out)
                                 : FMCP_ERR_PARSE;
            if (strcmp(result, "valid") == 0) {
                CHECKF(rc == FMCP_OK, "tc %ld: %d", id, (int)rc);
                CHECK(t_hex(fmcp_json_get_str(t, "shared", ""), want, 32) == 32);
                CHECKF(rc != FMCP_OK || memcmp(out, want, 32) == 0, "tc %ld: shared secret", id);
                valid++;
            } else if (strcmp(result, "invalid") == 0) {
                CHECKF(rc != FMCP_OK, "tc %ld: invalid accepted", id);
                invalid++;
            } else {
                /* "acceptable": the one case is a compressed public point.
                 * Decided: refused (FMCP_ERR_UNSUPPORTED). JOSE and TLS 1.3
                 * carry uncompressed points only, and not decompressing
                 * keeps a square root out of the attack surface. */
                CHECKF(rc == FMCP_ERR_UNSUPPORTED, "tc %ld: acceptable case gave %d", id, (int)rc);
                acceptable++;
            }
            free(pub);
        }
    }
    fprintf(stderr, "  ecdh ecpoint: %zu valid agreed, %zu invalid rejected, %zu acceptable refused\n",
            valid, invalid, acceptable);
    CHECK(valid + invalid + acceptable >= 355);
    fmcp_json_doc_destroy(doc);
    free(text);
}

/* A JWK coordinate or d: base64url of exactly 32 bytes. */
static int jwk_b64(const fmcp_json *jwk, const char *name, uint8_t out[32])
{
    const char *s = fmcp_json_get_str(jwk, name, NULL);
    uint8_t buf[128];
    size_t n = 0;
    if (!s || fmcp_b64_decode(FMCP_B64_URL, s, strlen(s), buf, sizeof buf, &n) != FMCP_OK) return 0;
    if (n != 32) return 0;
    memcpy(out, buf, 32);
    return 1;
}

/* What a JWK loader does for an ECDH peer key: kty EC, crv P-256, x and y
 * of 32 bytes, then the point checks of fmcp_ec_public_from_xy. */
static fmcp_result ecdh_jwk_case(const fmcp_json *pub, const fmcp_json *priv, uint8_t out[32])
{
    fmcp_ec_public_key peer;
    fmcp_ec_private_key k;
    uint8_t x[32], y[32], d[32];
    fmcp_result rc;
    if (strcmp(fmcp_json_get_str(pub, "kty", ""), "EC") != 0 ||
        strcmp(fmcp_json_get_str(pub, "crv", ""), "P-256") != 0) return FMCP_ERR_UNSUPPORTED;
    if (!jwk_b64(pub, "x", x) || !jwk_b64(pub, "y", y)) return FMCP_ERR_BAD_KEY;
    rc = fmcp_ec_public_from_xy(&peer, FMCP_EC_P256, x, 32, y, 32);
    if (rc != FMCP_OK) return rc;
    if (!jwk_b64(priv, "d", d)) return FMCP_ERR_BAD_KEY;
    rc = fmcp_ec_private_from_bytes(&k, FMCP_EC_P256, d, 32);
    if (rc == FMCP_OK && jwk_b64(priv, "x", x) && jwk_b64(priv, "y", y))
        CHECK(memcmp(k.pub.x, x, 32) == 0 && memcmp(k.pub.y, y, 32) == 0);
    if (rc == FMCP_OK) rc = fmcp_ecdh(&k, &peer, out);
    return rc;
}

static void test_wycheproof_ecdh_webcrypto(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len, valid = 0, invalid = 0;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g, *t;
    if (!dir) T_SKIP("../shared/vectors absent (set FMCP_VECTORS)");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/ecdh_secp256r1_webcrypto_test.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    for (g = doc ? fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")) : NULL; g; g = fmcp_json_next(g)) {
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            long id = (long)fmcp_json_get_int(t, "tcId", -1);
            const char *result = fmcp_json_get_str(t, "result", "");
            uint8_t out[32], want[32];
            fmcp_result rc = ecdh_jwk_case(fmcp_json_get(t, "public"), fmcp_json_get(t, "private"), out);
            if (strcmp(result, "valid") == 0) {
                CHECKF(rc == FMCP_OK, "tc %ld: %d", id, (int)rc);
                CHECK(t_hex(fmcp_json_get_str(t, "shared", ""), want, 32) == 32);
                CHECKF(rc != FMCP_OK || memcmp(out, want, 32) == 0, "tc %ld: shared secret", id);
                valid++;
            } else {
                CHECKF(rc != FMCP_OK, "tc %ld: %s accepted", id, result);
                invalid++;
            }
        }
    }
    fprintf(stderr, "  ecdh webcrypto: %zu valid agreed, %zu invalid rejected\n", valid, invalid);
    CHECK(valid + invalid >= 353);
    fmcp_json_doc_destroy(doc);
    free(text);
}

/* ---- properties ---- */

/* n of each curve, big-endian (test data). */
static void curve_order(fmcp_ec_curve curve, uint8_t *out)
{
    if (curve == FMCP_EC_P256)
        t_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", out, 32);
    else
        t_hex("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973", out, 48);
}

static void round_trips(fmcp_ec_curve curve)
{
    size_t n = fmcp_ec_size(curve), i;
    int iter;
    for (iter = 0; iter < 8; iter++) {
        fmcp_ec_private_key k, k2;
        uint8_t h[48], sig[FMCP_EC_MAX_SIG], sig2[FMCP_EC_MAX_SIG], bad[FMCP_EC_MAX_SIG];
        size_t hl = (iter & 1) ? 48 : 32;
        CHECK_OK(fmcp_ec_keygen(curve, &k));
        CHECK_OK(fmcp_ec_public_check(&k.pub));
        CHECK_OK(fmcp_ec_private_from_bytes(&k2, curve, k.d, n));
        CHECK(memcmp(&k, &k2, sizeof k) == 0);
        CHECK_OK(fmcp_random_bytes(h, sizeof h));
        CHECK_OK(fmcp_ecdsa_sign(&k, h, hl, sig));
        CHECK_OK(fmcp_ecdsa_verify(&k.pub, h, hl, sig, 2 * n));
        CHECK_OK(fmcp_ecdsa_sign(&k, h, hl, sig2));          /* deterministic */
        CHECK_MEM(sig, sig2, 2 * n);
        CHECK_OK(fmcp_ecdsa_sign_hedged(&k, h, hl, sig2));   /* different nonce, still valid */
        CHECK(memcmp(sig, sig2, 2 * n) != 0);
        CHECK_OK(fmcp_ecdsa_verify(&k.pub, h, hl, sig2, 2 * n));
        for (i = 0; i < 2 * n * 8; i += 7) {                 /* any flipped signature bit */
            memcpy(bad, sig, 2 * n);
            bad[i / 8] ^= (uint8_t)(1u << (i % 8));
            CHECKF(fmcp_ecdsa_verify(&k.pub, h, hl, bad, 2 * n) == FMCP_ERR_BAD_SIGNATURE, "bit %zu", i);
        }
        for (i = 0; i < hl * 8; i += 13) {                   /* any flipped digest bit */
            uint8_t h2[48];
            memcpy(h2, h, sizeof h2);
            h2[i / 8] ^= (uint8_t)(1u << (i % 8));
            /* bits beyond n's length are truncated away and do not count */
            if (i / 8 >= n) continue;
            CHECKF(fmcp_ecdsa_verify(&k.pub, h2, hl, sig, 2 * n) == FMCP_ERR_BAD_SIGNATURE, "digest bit %zu", i);
        }
        CHECK(fmcp_ecdsa_verify(&k.pub, h, hl, sig, 2 * n - 1) == FMCP_ERR_BAD_SIGNATURE);
        CHECK(fmcp_ecdsa_verify(&k2.pub, h, hl, sig, 2 * n + 1) == FMCP_ERR_BAD_SIGNATURE);
        k2.pub.x[n - 1] ^= 1;                                /* off the curve */
        CHECK(fmcp_ecdsa_verify(&k2.pub, h, hl, sig, 2 * n) == FMCP_ERR_BAD_KEY);
    }
}

static void test_round_trips(void)
{
    round_trips(FMCP_EC_P256);
    round_trips(FMCP_EC_P384);
}

/* r or s of 0 or n, n + 1 and all ones; the all-zero signature of
 * CVE-2022-21449; a valid (r, s) with s replaced by n - s still verifies
 * (ECDSA is malleable; JWS does not require low s). */
static void zero_and_order(fmcp_ec_curve curve)
{
    size_t n = fmcp_ec_size(curve), i;
    fmcp_ec_private_key k;
    uint8_t h[32], sig[FMCP_EC_MAX_SIG], bad[FMCP_EC_MAX_SIG], order[48];
    int half;
    curve_order(curve, order);
    CHECK_OK(fmcp_ec_keygen(curve, &k));
    fmcp_sha256("zero", 4, h);
    CHECK_OK(fmcp_ecdsa_sign(&k, h, 32, sig));
    memset(bad, 0, sizeof bad);
    CHECK(fmcp_ecdsa_verify(&k.pub, h, 32, bad, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
    for (half = 0; half < 2; half++) {
        uint8_t *v;
        memcpy(bad, sig, 2 * n);
        v = bad + (size_t)half * n;
        memset(v, 0, n);
        CHECK(fmcp_ecdsa_verify(&k.pub, h, 32, bad, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
        memcpy(v, order, n);
        CHECK(fmcp_ecdsa_verify(&k.pub, h, 32, bad, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
        v[n - 1]++;
        CHECK(fmcp_ecdsa_verify(&k.pub, h, 32, bad, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
        memset(v, 0xff, n);
        CHECK(fmcp_ecdsa_verify(&k.pub, h, 32, bad, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
    }
    /* r, s = r, n - s */
    memcpy(bad, sig, 2 * n);
    {
        int borrow = 0;
        for (i = n; i-- > 0;) {
            int d = (int)order[i] - (int)sig[n + i] - borrow;
            borrow = d < 0;
            bad[n + i] = (uint8_t)(d + (borrow ? 256 : 0));
        }
    }
    CHECK_OK(fmcp_ecdsa_verify(&k.pub, h, 32, bad, 2 * n));
    /* d of 0, n, all ones refused */
    {
        fmcp_ec_private_key z;
        memset(bad, 0, sizeof bad);
        CHECK(fmcp_ec_private_from_bytes(&z, curve, bad, n) == FMCP_ERR_BAD_KEY);
        CHECK(fmcp_ec_private_from_bytes(&z, curve, order, n) == FMCP_ERR_BAD_KEY);
        memset(bad, 0xff, sizeof bad);
        CHECK(fmcp_ec_private_from_bytes(&z, curve, bad, n) == FMCP_ERR_BAD_KEY);
        z = k;
        memset(z.d, 0, sizeof z.d);
        CHECK(fmcp_ecdsa_sign(&z, h, 32, sig) == FMCP_ERR_BAD_KEY);
        CHECK(fmcp_ecdh(&z, &k.pub, bad) == FMCP_ERR_BAD_KEY);
    }
}

static void test_zero_and_order(void)
{
    zero_and_order(FMCP_EC_P256);
    zero_and_order(FMCP_EC_P384);
}

static void test_ecdh_agreement(void)
{
    int c;
    for (c = 1; c <= 2; c++) {
        fmcp_ec_curve curve = (fmcp_ec_curve)c;
        fmcp_ec_private_key a, b;
        uint8_t s1[48], s2[48], sec1[FMCP_EC_MAX_SEC1];
        size_t n = fmcp_ec_size(curve), sl = 0;
        fmcp_ec_public_key pb;
        CHECK_OK(fmcp_ec_keygen(curve, &a));
        CHECK_OK(fmcp_ec_keygen(curve, &b));
        CHECK_OK(fmcp_ec_public_to_sec1(&b.pub, sec1, &sl));
        CHECK_EQ_INT(sl, 1 + 2 * n);
        CHECK_OK(fmcp_ec_public_from_sec1(&pb, curve, sec1, sl));
        CHECK_OK(fmcp_ecdh(&a, &pb, s1));
        CHECK_OK(fmcp_ecdh(&b, &a.pub, s2));
        CHECK_MEM(s1, s2, n);
        sec1[0] = 0x02;
        CHECK(fmcp_ec_public_from_sec1(&pb, curve, sec1, 1 + n) == FMCP_ERR_UNSUPPORTED);
        CHECK(fmcp_ec_public_from_sec1(&pb, curve, sec1, sl) == FMCP_ERR_BAD_KEY);
        sec1[0] = 0x00;
        CHECK(fmcp_ec_public_from_sec1(&pb, curve, sec1, 1) == FMCP_ERR_BAD_KEY);
    }
    {   /* curve mismatch */
        fmcp_ec_private_key a, b;
        uint8_t s[48];
        CHECK_OK(fmcp_ec_keygen(FMCP_EC_P256, &a));
        CHECK_OK(fmcp_ec_keygen(FMCP_EC_P384, &b));
        CHECK(fmcp_ecdh(&a, &b.pub, s) == FMCP_ERR_BAD_KEY);
        CHECK(fmcp_ecdsa_verify(&b.pub, s, 32, s, 64) != FMCP_OK);
    }
}

/* Coordinates equal to p (not reduced) and the point at infinity refused. */
static void test_point_decoding(void)
{
    fmcp_ec_public_key k;
    uint8_t p[32], y[32], zero[32];
    t_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", p, 32);
    memset(zero, 0, sizeof zero);
    memset(y, 0x11, sizeof y);
    CHECK(fmcp_ec_public_from_xy(&k, FMCP_EC_P256, p, 32, y, 32) == FMCP_ERR_BAD_KEY);
    CHECK(fmcp_ec_public_from_xy(&k, FMCP_EC_P256, zero, 32, zero, 32) == FMCP_ERR_BAD_KEY);
    CHECK(fmcp_ec_public_from_xy(&k, FMCP_EC_P256, zero, 31, zero, 32) == FMCP_ERR_BAD_KEY);
    CHECK(fmcp_ec_public_from_xy(&k, FMCP_EC_NONE, zero, 32, zero, 32) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ec_public_from_xy(NULL, FMCP_EC_P256, zero, 32, zero, 32) == FMCP_ERR_INVALID_ARG);
    /* G itself, and G with y + p (out of range although congruent) */
    {
        uint8_t gx[32], gy[32], gyp[32];
        int i, carry = 0;
        t_hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296", gx, 32);
        t_hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", gy, 32);
        CHECK_OK(fmcp_ec_public_from_xy(&k, FMCP_EC_P256, gx, 32, gy, 32));
        for (i = 31; i >= 0; i--) {
            int s = gy[i] + p[i] + carry;
            gyp[i] = (uint8_t)s;
            carry = s >> 8;
        }
        if (!carry) CHECK(fmcp_ec_public_from_xy(&k, FMCP_EC_P256, gx, 32, gyp, 32) == FMCP_ERR_BAD_KEY);
    }
}

static void test_der(void)
{
    uint8_t raw[FMCP_EC_MAX_SIG], der[FMCP_EC_MAX_DER], in[64];
    size_t dl = 0;
    long n;
    /* r = 1, s = 0x80 (needs the 00 pad) */
    memset(raw, 0, sizeof raw);
    raw[31] = 1; raw[63] = 0x80;
    CHECK_OK(fmcp_ecdsa_sig_to_der(FMCP_EC_P256, raw, der, sizeof der, &dl));
    n = t_hex("3007020101020200 80", in, sizeof in);   /* invalid hex on purpose: space */
    CHECK(n < 0);
    n = t_hex("30070201010202008000", in, sizeof in);
    CHECK(n == 10);
    CHECK(dl == 9 && memcmp(der, in, 9) == 0);
    CHECK(fmcp_ecdsa_sig_to_der(FMCP_EC_P256, raw, der, 8, &dl) == FMCP_ERR_BUFFER_TOO_SMALL);
    memset(raw, 0xaa, sizeof raw);
    CHECK_OK(fmcp_ecdsa_sig_from_der(FMCP_EC_P256, in, 9, raw));
    CHECK(raw[31] == 1 && raw[63] == 0x80 && raw[0] == 0 && raw[32] == 0);
#define DER_BAD(hex) do { long l_ = t_hex(hex, in, sizeof in); CHECK(l_ > 0); \
        CHECKF(fmcp_ecdsa_sig_from_der(FMCP_EC_P256, in, (size_t)l_, raw) == FMCP_ERR_PARSE, "%s", hex); } while (0)
    DER_BAD("3007020101020200800000");   /* trailing bytes */
    DER_BAD("30080201010202008000");     /* length too long */
    DER_BAD("3006020101020200");         /* inner length past the end */
    DER_BAD("3008020101020300008000");   /* s not minimal (00 00 80) */
    DER_BAD("30060201010201ff");         /* s negative */
    DER_BAD("3081070201010202008000");   /* long-form length */
    DER_BAD("3107020101020200800000");   /* SET, not SEQUENCE */
    DER_BAD("3007030101020200800000");   /* BIT STRING, not INTEGER */
    DER_BAD("30050201010200");           /* empty INTEGER */
    DER_BAD("3003020101");               /* s missing */
    DER_BAD("3000");
    DER_BAD("30");
#undef DER_BAD
    /* an integer of 33 value bytes does not fit P-256 */
    {
        uint8_t big[80];
        size_t i;
        big[0] = 0x30; big[1] = 2 + 34 + 3;
        big[2] = 0x02; big[3] = 34; big[4] = 0x01;
        for (i = 0; i < 33; i++) big[5 + i] = 0x11;
        big[38] = 0x02; big[39] = 1; big[40] = 1;
        CHECK(fmcp_ecdsa_sig_from_der(FMCP_EC_P256, big, 41, raw) == FMCP_ERR_PARSE);
        CHECK_OK(fmcp_ecdsa_sig_from_der(FMCP_EC_P384, big, 41, raw));
    }
}

/* Public key G (d = 1) and signatures made offline (test data) so that
 * u1 = u2 = k/2: verification then adds a point to itself (the doubling
 * branch of the variable-time addition); with e = -r instead, u1 G + u2 Q
 * is the point at infinity and must be refused. */
static void edge_case(fmcp_ec_curve curve, const char *e_double, const char *e_inf, const char *sig_hex)
{
    size_t n = fmcp_ec_size(curve);
    fmcp_ec_private_key k;
    uint8_t one[48], e[48], sig[96];
    memset(one, 0, sizeof one);
    one[n - 1] = 1;
    CHECK_OK(fmcp_ec_private_from_bytes(&k, curve, one, n));
    CHECK(t_hex(sig_hex, sig, sizeof sig) == (long)(2 * n));
    CHECK(t_hex(e_double, e, sizeof e) == (long)n);
    CHECK_OK(fmcp_ecdsa_verify(&k.pub, e, n, sig, 2 * n));
    CHECK(t_hex(e_inf, e, sizeof e) == (long)n);
    CHECK(fmcp_ecdsa_verify(&k.pub, e, n, sig, 2 * n) == FMCP_ERR_BAD_SIGNATURE);
}

static void test_verify_edge_cases(void)
{
    edge_case(FMCP_EC_P256,
              "088bb9ff22ab291a74c86fc677ba897baadee370cc6129b82d170ba3fc26415c",
              "f77445ffdd54d6e68b379039884576841208173cdab674ccc6a2bf1f003ce3f5",
              "088bb9ff22ab291a74c86fc677ba897baadee370cc6129b82d170ba3fc26415c"
              "497e701778e17dad5cf11758364883900ae8944e480e62929d7bee6f9fdd5e12");
    edge_case(FMCP_EC_P384,
              "7ae9e1db1160794c70c1ef071be5191f6c66240f4608fbe8a44ecd36c3ed5db97500f2e4d84e3fb45850fd6f4303302b",
              "85161e24ee9f86b38f3e10f8e41ae6e09399dbf0b9f704172314804b3049d025e3191acd706267c6949b1bfb89c1f948",
              "7ae9e1db1160794c70c1ef071be5191f6c66240f4608fbe8a44ecd36c3ed5db97500f2e4d84e3fb45850fd6f4303302b"
              "38d5765fec03f66b1974b0fd3d0dd230e43e82586d16fea49f17af5c36f745be9bae532011a7b02c7eab83aa683adc4b");
}

static int failing_random(void *user, void *buf, size_t len)
{
    (void)user; (void)buf; (void)len;
    return -1;
}

static int constant_random(void *user, void *buf, size_t len)
{
    (void)user;
    memset(buf, 0xff, len);   /* always >= n: every candidate is rejected */
    return 0;
}

static void test_random_failure_and_args(void)
{
    fmcp_hooks hk;
    fmcp_ec_private_key k;
    uint8_t h[32], sig[FMCP_EC_MAX_SIG];
    size_t dl;
    memset(&hk, 0, sizeof hk);
    CHECK_OK(fmcp_ec_keygen(FMCP_EC_P256, &k));
    memset(h, 7, sizeof h);
    hk.random_fn = failing_random;
    fmcp_set_hooks(&hk);
    CHECK(fmcp_ec_keygen(FMCP_EC_P256, &k) == FMCP_ERR_RANDOM);
    CHECK(fmcp_ecdsa_sign_hedged(&k, h, 32, sig) == FMCP_ERR_RANDOM);
    hk.random_fn = constant_random;
    fmcp_set_hooks(&hk);
    CHECK(fmcp_ec_keygen(FMCP_EC_P384, &k) == FMCP_ERR_RANDOM);
    fmcp_set_hooks(NULL);
    CHECK_OK(fmcp_ec_keygen(FMCP_EC_P256, &k));
    {
        fmcp_ec_private_key z;
        CHECK(fmcp_ec_keygen(FMCP_EC_NONE, &z) == FMCP_ERR_INVALID_ARG);
    }
    CHECK(fmcp_ec_keygen(FMCP_EC_P256, NULL) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ecdsa_sign(NULL, h, 32, sig) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ecdsa_sign(&k, NULL, 32, sig) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ecdsa_verify(NULL, h, 32, sig, 64) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ecdsa_verify(&k.pub, h, 32, NULL, 64) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ecdsa_sig_from_der(FMCP_EC_NONE, h, 32, sig) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ecdsa_sig_to_der(FMCP_EC_P256, NULL, h, 32, &dl) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_ec_size(FMCP_EC_NONE) == 0);
    CHECK(fmcp_ec_size(FMCP_EC_P256) == 32 && fmcp_ec_size(FMCP_EC_P384) == 48);
    /* an empty digest signs and verifies (e = 0) */
    CHECK_OK(fmcp_ecdsa_sign(&k, NULL, 0, sig));
    CHECK_OK(fmcp_ecdsa_verify(&k.pub, NULL, 0, sig, 64));
    /* signing with extra input (RFC 6979 3.6) changes the nonce */
    {
        uint8_t s1[FMCP_EC_MAX_SIG], s2[FMCP_EC_MAX_SIG];
        CHECK_OK(fmcp_ecdsa_sign_ex(&k, h, 32, (const uint8_t *)"x", 1, s1));
        CHECK_OK(fmcp_ecdsa_sign_ex(&k, h, 32, (const uint8_t *)"x", 1, s2));
        CHECK_MEM(s1, s2, 64);
        CHECK_OK(fmcp_ecdsa_sign(&k, h, 32, s2));
        CHECK(memcmp(s1, s2, 64) != 0);
        CHECK_OK(fmcp_ecdsa_verify(&k.pub, h, 32, s1, 64));
    }
}

int main(void)
{
    T_RUN(test_rfc6979);
    T_RUN(test_rfc6979_long_digests);
    T_RUN(test_wycheproof_p256_p1363);
    T_RUN(test_wycheproof_p384_p1363);
    T_RUN(test_wycheproof_p256_der);
    T_RUN(test_wycheproof_p384_der);
    T_RUN(test_wycheproof_ecdh_ecpoint);
    T_RUN(test_wycheproof_ecdh_webcrypto);
    T_RUN(test_round_trips);
    T_RUN(test_zero_and_order);
    T_RUN(test_ecdh_agreement);
    T_RUN(test_point_decoding);
    T_RUN(test_der);
    T_RUN(test_verify_edge_cases);
    T_RUN(test_random_failure_and_args);
    return t_finish("ec");
}
