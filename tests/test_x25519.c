/* Unit tests for the x25519 module: RFC 7748 vectors (section 5.2 and the
 * 1 and 1000 iteration values, section 6.1 Diffie-Hellman), a selection of
 * Wycheproof x25519_test.json cases embedded below (test data), the whole
 * Wycheproof file when ../shared/vectors has it, and properties that hold
 * for any correct implementation (top bit ignored, non-canonical points
 * reduced, both sides of a key exchange agree). The BearSSL cross-check is
 * in test_tls.c (built with BearSSL). Built plain and with FASTMCP_NO_INT128
 * (the 32-bit field code). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

static void hex32(const char *hex, uint8_t out[32])
{
    long n = t_hex(hex, out, 32);
    CHECKF(n == 32, "bad test hex %s", hex);
}

/* scalar, point, expected output (hex, RFC 7748 byte order) */
static void check_vec(const char *k, const char *u, const char *want, fmcp_result want_rc)
{
    uint8_t kb[32], ub[32], wb[32], out[32];
    hex32(k, kb); hex32(u, ub); hex32(want, wb);
    CHECK_EQ_INT(fmcp_x25519(out, kb, ub), want_rc);
    CHECKF(memcmp(out, wb, 32) == 0, "X25519(%s, %s)", k, u);
}

static void test_rfc7748_vectors(void)
{
    check_vec("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
              "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
              "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", FMCP_OK);
    check_vec("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
              "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
              "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957", FMCP_OK);
}

/* RFC 7748 5.2: k = u = 9; repeat (k, u) = (X25519(k, u), k). */
static void test_rfc7748_iterations(void)
{
    uint8_t k[32], u[32], r[32], w1[32], w1000[32];
    int i;
    hex32("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", w1);
    hex32("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", w1000);
    memset(k, 0, 32); memset(u, 0, 32); k[0] = 9; u[0] = 9;
    for (i = 1; i <= 1000; i++) {
        CHECK_OK(fmcp_x25519(r, k, u));
        memcpy(u, k, 32); memcpy(k, r, 32);
        if (i == 1) CHECK_MEM(k, w1, 32);
    }
    CHECK_MEM(k, w1000, 32);
}

static void test_rfc7748_dh(void)
{
    uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32], w[32];
    hex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
    hex32("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b);
    CHECK_OK(fmcp_x25519_base(pa, a));
    CHECK_OK(fmcp_x25519_base(pb, b));
    hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", w);
    CHECK_MEM(pa, w, 32);
    hex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", w);
    CHECK_MEM(pb, w, 32);
    CHECK_OK(fmcp_x25519(s1, a, pb));
    CHECK_OK(fmcp_x25519(s2, b, pa));
    hex32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", w);
    CHECK_MEM(s1, w, 32);
    CHECK_MEM(s2, w, 32);
}

/* Wycheproof x25519_test.json (C2SP/wycheproof, Apache-2.0), tcId in the comment. */
static const char *const wp[][4] = {
    /* 1 normal */
    { "c8a9d5a91091ad851c668b0736c1c9a02936c0d3ad62670858088047ba057475",
      "504a36999f489cd2fdbc08baff3d88fa00569ba986cba22548ffde80f9806829",
      "436a2c040cf45fea9b29a0cb81b1f41458f863d0d61b453d0a982720d6d61320", "" },
    /* 2 public key on twist */
    { "d85d8c061a50804ac488ad774ac716c3f5ba714b2712e048491379a500211958",
      "63aa40c6e38346c5caf23a6df0a5e6c80889a08647e551b3563449befcfc9733",
      "279df67a7c4611db4708a0e8282b195e5ac0ed6f4b2f292c6fbd0acac30d1332", "" },
    /* 7 twist, u = 2 */
    { "d03edde9f3e7b799045f9ac3793d4a9277dadeadc41bec0290f81f744f73775f",
      "0200000000000000000000000000000000000000000000000000000000000000",
      "b87a1722cc6c1e2feecb54e97abd5a22acc27616f78f6e315fd2b73d9f221e57", "" },
    /* 22 twist, high limbs all ones */
    { "68e134092e94e622c8a0cd18aff55be23dabd994ebdee982d90601f6f0f4b369",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff1f",
      "74bfc15e5597e9f5193f941e10a5c008fc89f051392723886a4a8fe5093a7354", "" },
    /* 28 twist, p - 2^64 region */
    { "58354fd64bc022cba3a71b2ae64281e4ea7bf6d65fdbaead1440eeb18604fe62",
      "edfffffffffffffeffffffffffffffffffffffffffffffffffffffffffffff7f",
      "b3418a52464c15ab0cacbbd43887a1199206d59229ced49202300638d7a40f04", "" },
    /* 31 twist, u = p - 3 */
    { "d02456e456911d3c6cd054933199807732dfdc958642ad1aebe900c793bef24a",
      "eaffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "07ba5fcbda21a9a17845c401492b10e6de0a168d5c94b606694c11bac39bea41", "" },
    /* 32 public key = 0: zero shared secret */
    { "88227494038f2bb811d47805bcdf04a2ac585ada7f2f23389bfd4658f9ddd45e",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000000", "zero" },
    /* 33 public key = 1: zero shared secret */
    { "48232e8972b61c7e61930eb9450b5070eae1c670475685541f0476217e48184f",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000000", "zero" },
    /* 34 edge case public key */
    { "a8386f7f16c50731d64f82e6a170b142a4e34f31fd7768fcb8902925e7d1e25a",
      "0400000000000000000000000000000000000000000000000000000000000000",
      "34b7e4fa53264420d9f943d15513902342b386b172a0b0b7c8b8f2dd3d669f59", "" },
    /* 48 edge case public key */
    { "182191b7052e9cd630ef08007fc6b43bc7652913be6774e2fd271b71b962a641",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03",
      "a0e0315175788362d4ebe05e6ac76d52d40187bd687492af05abc7ba7c70197d", "" },
    /* 50 edge case public key (limb boundaries) */
    { "d035de9456080d85a912083b2e3c7ddd7971f786f25a96c5e782cf6f4376e362",
      "000000fcffff030000e0ffff1f000000ffffff000000f8ffff070000c0ffff3f",
      "c052466f9712d9ec4ef40f276bb7e6441c5434a83efd8e41d20ce83f2dbf5952", "" },
    /* 52 edge case public key */
    { "20d4d624cf732f826f09e8088017742f13f2da98f4dcf4b40519adb790cebf64",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff5f",
      "5716296baf2b1a6b9cd15b23ba86829743d60b0396569be1d5b40014c06b477d", "" },
    /* 54 edge case public key */
    { "184198c6228177f3ef41dc9a341258f8181ae365fe9ec98d93639b0bbee1467d",
      "fffffffffeffff7ffffffffffeffff7ffffffffffeffff7ffffffffffeffff7f",
      "8039eebed1a4f3b811ea92102a6267d4da412370f3f0d6b70f1faaa2e8d5236d", "" },
    /* 60 edge case public key */
    { "88037ac8e33c72c2c51037c7c8c5288bba9265c82fd8c31796dd7ea5df9aaa4a",
      "edffffefffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "8c27b3bff8d3c1f6daf2d3b7b3479cf9ad2056e2002be247992a3b29de13a625", "" }
};

static void test_wycheproof_embedded(void)
{
    size_t i;
    for (i = 0; i < sizeof wp / sizeof wp[0]; i++)
        check_vec(wp[i][0], wp[i][1], wp[i][2], wp[i][3][0] ? FMCP_ERR_CRYPTO : FMCP_OK);
}

/* The whole x25519_test.json (518 cases: valid and acceptable). Every result
 * must match "shared", acceptable ones included; an all-zero shared secret
 * (31 acceptable cases: small-order points) must be reported as
 * FMCP_ERR_CRYPTO, the documented choice, any other as FMCP_OK. */
static void test_wycheproof_file(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len;
    long count = 0, valid = 0, acceptable = 0, zero_results = 0;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g, *t;
    if (!dir) T_SKIP("../shared/vectors absent (set FMCP_VECTORS; the embedded Wycheproof cases still ran)");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/x25519_test.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent (the embedded Wycheproof cases still ran)", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    for (g = doc ? fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")) : NULL; g; g = fmcp_json_next(g)) {
        CHECK_STR(fmcp_json_get_str(g, "curve", ""), "curve25519");
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            uint8_t k[32], u[32], w[32], out[32], zero[32];
            long id = (long)fmcp_json_get_int(t, "tcId", -1);
            const char *res = fmcp_json_get_str(t, "result", "");
            int is_zero;
            fmcp_result rc;
            CHECKF(t_hex(fmcp_json_get_str(t, "private", ""), k, 32) == 32 &&
                   t_hex(fmcp_json_get_str(t, "public", ""), u, 32) == 32 &&
                   t_hex(fmcp_json_get_str(t, "shared", ""), w, 32) == 32, "tc %ld: lengths", id);
            memset(zero, 0, 32);
            is_zero = memcmp(w, zero, 32) == 0;
            rc = fmcp_x25519(out, k, u);
            CHECKF(memcmp(out, w, 32) == 0, "tc %ld (%s)", id, res);
            CHECKF(rc == (is_zero ? FMCP_ERR_CRYPTO : FMCP_OK), "tc %ld: rc %d", id, (int)rc);
            if (strcmp(res, "valid") == 0) { valid++; CHECKF(!is_zero, "tc %ld: valid with zero result", id); }
            else { acceptable++; CHECKF(strcmp(res, "acceptable") == 0, "tc %ld: result %s", id, res); }
            zero_results += is_zero;
            count++;
        }
    }
    fprintf(stderr, "  wycheproof x25519: %ld cases, %ld valid and %ld acceptable matched "
            "(%ld all-zero results reported as FMCP_ERR_CRYPTO)\n", count, valid, acceptable, zero_results);
    CHECK_EQ_INT(count, (long long)fmcp_json_get_int(fmcp_json_root(doc), "numberOfTests", -1));
    CHECK(count >= 500);
    fmcp_json_doc_destroy(doc);
    free(text);
}

/* Section 5: the top bit of u is ignored and u >= p counts as u mod p. */
static void test_point_decoding(void)
{
    static const char *const k = "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4";
    uint8_t kb[32], u[32], r1[32], r2[32];
    int i;
    hex32(k, kb);
    hex32("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", u);
    CHECK_OK(fmcp_x25519(r1, kb, u));
    u[31] |= 0x80;
    CHECK_OK(fmcp_x25519(r2, kb, u));
    CHECK_MEM(r1, r2, 32);
    /* p + 9 and 9 (p = 2^255 - 19 = ed ff .. ff 7f little-endian) */
    for (i = 0; i < 32; i++) u[i] = 0xff;
    u[0] = 0xed + 9; u[31] = 0x7f;
    CHECK_OK(fmcp_x25519(r1, kb, u));
    CHECK_OK(fmcp_x25519_base(r2, kb));
    CHECK_MEM(r1, r2, 32);
    /* u = p is 0: zero result */
    u[0] = 0xed;
    CHECK_EQ_INT(fmcp_x25519(r1, kb, u), FMCP_ERR_CRYPTO);
}

/* Random key pairs agree; output may alias the point; NULLs are refused. */
static void test_agreement_and_args(void)
{
    uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];
    int i;
    for (i = 0; i < 20; i++) {
        CHECK_OK(fmcp_random_bytes(a, 32));
        CHECK_OK(fmcp_random_bytes(b, 32));
        CHECK_OK(fmcp_x25519_base(pa, a));
        CHECK_OK(fmcp_x25519_base(pb, b));
        CHECK_OK(fmcp_x25519(s1, a, pb));
        memcpy(s2, pa, 32);
        CHECK_OK(fmcp_x25519(s2, b, s2));
        CHECK_MEM(s1, s2, 32);
        CHECK(memcmp(pa, pb, 32) != 0);
    }
    CHECK_EQ_INT(fmcp_x25519(NULL, a, b), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_x25519(s1, NULL, b), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_x25519(s1, a, NULL), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_x25519_base(s1, NULL), FMCP_ERR_INVALID_ARG);
}

/* fmcp_x25519_base (the Edwards comb) agrees with the ladder on u = 9, for
 * random scalars and for the scalars at the clamping edges: every scalar
 * bit that clamping keeps, clears or sets is exercised. */
static void test_base_matches_ladder(void)
{
    static const uint8_t nine[32] = { 9 };
    uint8_t k[32], r1[32], r2[32];
    int i, j;
    for (i = 0; i < 300; i++) {
        if (i < 256) {
            memset(k, i & 1 ? 0xff : 0x00, 32);
            k[i / 8] ^= (uint8_t)(1u << (i % 8));            /* one bit off the pattern */
        } else {
            CHECK_OK(fmcp_random_bytes(k, 32));
        }
        CHECK_OK(fmcp_x25519(r1, k, nine));
        CHECK_OK(fmcp_x25519_base(r2, k));
        CHECKF(memcmp(r1, r2, 32) == 0, "scalar case %d", i);
        for (j = 0; j < 32 && r2[j] == 0; j++) {}
        CHECK(j < 32);
    }
}

int main(void)
{
    T_RUN(test_rfc7748_vectors);
    T_RUN(test_rfc7748_iterations);
    T_RUN(test_rfc7748_dh);
    T_RUN(test_wycheproof_embedded);
    T_RUN(test_wycheproof_file);
    T_RUN(test_point_decoding);
    T_RUN(test_base_matches_ladder);
    T_RUN(test_agreement_and_args);
    return t_finish("x25519");
}
