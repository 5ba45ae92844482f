/* Unit tests for the ed25519 module: the RFC 8032 section 7.1 test vectors
 * (TEST 1, 2, 3, 1024 and SHA(abc), as data below), the whole Wycheproof
 * ed25519_test.json when ../shared/vectors has it (every valid accepted,
 * every invalid rejected), sign/verify round trips with random keys,
 * rejection of every single-bit change of signature, message and key, and
 * the strict decoding rules (S >= L, y >= p, small-order keys and R).
 * Built plain and with FASTMCP_NO_INT128 (the 32-bit field code). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

/* RFC 8032 section 7.1: secret key (seed), public key, message, signature. */
static const struct rfc_vec { const char *name, *secret, *pk, *msg, *sig; } rfc8032[] = {
    { "Test 1",
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
      "d25bf5f0595bbe24655141438e7a100b" },
    { "Test 2",
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
      "387b2eaeb4302aeeb00d291612bb0c00" },
    { "Test 3",
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
      "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc659"
      "4a7c15e9716ed28dc027beceea1ec40a" },
    { "Test 1024",
      "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
      "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
      "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
      "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
      "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
      "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
      "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
      "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
      "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
      "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
      "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
      "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
      "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
      "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
      "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
      "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
      "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
      "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
      "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
      "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
      "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
      "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
      "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
      "c60c905c15fc910840b94c00a0b9d0",
      "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b"
      "5e8fcd4f681e30a6ac00a9704a188a03" },
    { "TEST SHA(abc)",
      "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
      "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
      "454d4423643ce80e2a9ac94fa54ca49f",
      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e030"
      "3dca179c138ac17ad9bef1177331a704" },
};

static void hexn(const char *hex, uint8_t *out, size_t n)
{
    long got = t_hex(hex, out, n);
    CHECKF(got == (long)n, "bad test hex %.20s...", hex);
}

static void test_rfc8032(void)
{
    size_t i;
    for (i = 0; i < sizeof rfc8032 / sizeof rfc8032[0]; i++) {
        const struct rfc_vec *v = &rfc8032[i];
        uint8_t seed[32], pk[32], want_pk[32], sig[64], want_sig[64], msg[1024];
        size_t mlen = strlen(v->msg) / 2, bit;
        hexn(v->secret, seed, 32);
        hexn(v->pk, want_pk, 32);
        hexn(v->sig, want_sig, 64);
        CHECK(mlen <= sizeof msg);
        if (mlen) hexn(v->msg, msg, mlen);
        CHECK_OK(fmcp_ed25519_public_key(pk, seed));
        CHECKF(memcmp(pk, want_pk, 32) == 0, "%s: public key", v->name);
        CHECK_OK(fmcp_ed25519_sign(sig, msg, mlen, seed, pk));
        CHECKF(memcmp(sig, want_sig, 64) == 0, "%s: signature", v->name);
        memset(sig, 0, sizeof sig);
        CHECK_OK(fmcp_ed25519_sign(sig, msg, mlen, seed, NULL));   /* pk derived */
        CHECKF(memcmp(sig, want_sig, 64) == 0, "%s: signature, pk derived", v->name);
        CHECKF(fmcp_ed25519_verify(want_sig, msg, mlen, want_pk) == FMCP_OK, "%s: verify", v->name);
        for (bit = 0; bit < 8 * mlen && bit < 64; bit++) {        /* a changed message fails */
            msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            CHECKF(fmcp_ed25519_verify(want_sig, msg, mlen, want_pk) == FMCP_ERR_BAD_SIGNATURE,
                   "%s: message bit %zu", v->name, bit);
            msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        CHECKF(fmcp_ed25519_verify(want_sig, msg, mlen + 1, want_pk) == FMCP_ERR_BAD_SIGNATURE,
               "%s: longer message", v->name);
    }
}

/* ---- Wycheproof ------------------------------------------------------------ */

static void wp_run_group(const fmcp_json *g, int *valid, int *valid_ok, int *invalid, int *invalid_ok,
                         int *by_length)
{
    const fmcp_json *t;
    uint8_t pk[32];
    if (t_hex(fmcp_json_get_str(fmcp_json_get(g, "publicKey"), "pk", ""), pk, 32) != 32) {
        CHECKF(0, "group without a 32-byte pk");
        return;
    }
    for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
        const char *mhex = fmcp_json_get_str(t, "msg", ""), *shex = fmcp_json_get_str(t, "sig", "");
        const char *res = fmcp_json_get_str(t, "result", "");
        long id = (long)fmcp_json_get_int(t, "tcId", -1);
        size_t mcap = strlen(mhex) / 2 + 1;
        uint8_t *msg = (uint8_t *)malloc(mcap), sig[64];
        long mlen = msg ? t_hex(mhex, msg, mcap) : -1;
        int accepted;
        CHECKF(mlen >= 0, "tc %ld: msg", id);
        if (mlen < 0) { free(msg); continue; }
        if (strlen(shex) != 128 || t_hex(shex, sig, 64) != 64) {
            accepted = 0;                   /* not 64 bytes: refused by its length */
            (*by_length)++;
        } else {
            accepted = fmcp_ed25519_verify(sig, msg, (size_t)mlen, pk) == FMCP_OK;
        }
        if (strcmp(res, "valid") == 0) {
            (*valid)++; *valid_ok += accepted;
            CHECKF(accepted, "tc %ld (valid) rejected", id);
        } else {
            (*invalid)++; *invalid_ok += !accepted;
            CHECKF(!accepted && strcmp(res, "invalid") == 0, "tc %ld (%s) accepted", id, res);
        }
        free(msg);
    }
}

static void test_wycheproof(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g;
    int valid = 0, valid_ok = 0, invalid = 0, invalid_ok = 0, by_length = 0;
    if (!dir) T_SKIP("../shared/vectors absent (set FMCP_VECTORS)");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/ed25519_test.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    for (g = doc ? fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")) : NULL; g;
         g = fmcp_json_next(g))
        wp_run_group(g, &valid, &valid_ok, &invalid, &invalid_ok, &by_length);
    fprintf(stderr, "  wycheproof ed25519: %d/%d valid accepted, %d/%d invalid rejected "
            "(%d of them by length)\n", valid_ok, valid, invalid_ok, invalid, by_length);
    CHECK_EQ_INT(valid + invalid, (long long)fmcp_json_get_int(fmcp_json_root(doc), "numberOfTests", -1));
    CHECK(valid >= 80 && invalid >= 60);
    fmcp_json_doc_destroy(doc);
    free(text);
}

/* ---- properties -------------------------------------------------------------- */

/* Random keys: a signature verifies, signing is deterministic, the derived
 * and the given pk agree, and another key or message does not verify. */
static void test_round_trips(void)
{
    int i;
    for (i = 0; i < 64; i++) {
        uint8_t seed[32], pk[32], pk2[32], sig[64], sig2[64], msg[300];
        size_t mlen = (size_t)(i * 37 % 300);
        CHECK_OK(fmcp_random_bytes(seed, 32));
        CHECK_OK(fmcp_random_bytes(msg, sizeof msg));
        CHECK_OK(fmcp_ed25519_public_key(pk, seed));
        CHECK_OK(fmcp_ed25519_sign(sig, msg, mlen, seed, pk));
        CHECK_OK(fmcp_ed25519_verify(sig, msg, mlen, pk));
        CHECK_OK(fmcp_ed25519_sign(sig2, msg, mlen, seed, NULL));
        CHECK_MEM(sig, sig2, 64);
        seed[0] ^= 1;
        CHECK_OK(fmcp_ed25519_public_key(pk2, seed));
        CHECK(memcmp(pk, pk2, 32) != 0);
        CHECK_EQ_INT(fmcp_ed25519_verify(sig, msg, mlen, pk2), FMCP_ERR_BAD_SIGNATURE);
        msg[mlen / 2] ^= 0x10;
        if (mlen) CHECK_EQ_INT(fmcp_ed25519_verify(sig, msg, mlen, pk), FMCP_ERR_BAD_SIGNATURE);
    }
}

/* Every single-bit change of the signature or the public key is refused. */
static void test_bit_flips(void)
{
    uint8_t seed[32], pk[32], sig[64];
    static const char msg[] = "bit flips";
    int bit;
    CHECK_OK(fmcp_random_bytes(seed, 32));
    CHECK_OK(fmcp_ed25519_public_key(pk, seed));
    CHECK_OK(fmcp_ed25519_sign(sig, msg, sizeof msg - 1, seed, pk));
    for (bit = 0; bit < 512; bit++) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECKF(fmcp_ed25519_verify(sig, msg, sizeof msg - 1, pk) == FMCP_ERR_BAD_SIGNATURE,
               "signature bit %d", bit);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (bit = 0; bit < 256; bit++) {
        fmcp_result rc;
        pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        rc = fmcp_ed25519_verify(sig, msg, sizeof msg - 1, pk);
        CHECKF(rc == FMCP_ERR_BAD_SIGNATURE || rc == FMCP_ERR_BAD_KEY, "key bit %d: %d", bit, (int)rc);
        pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    CHECK_OK(fmcp_ed25519_verify(sig, msg, sizeof msg - 1, pk));
}

/* S + L (same scalar mod L) is refused; so is S = L exactly. */
static void test_s_range(void)
{
    static const uint8_t l[32] = {
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
    };
    uint8_t seed[32], pk[32], sig[64], bad[64];
    unsigned c = 0;
    int i;
    memset(seed, 7, 32);
    CHECK_OK(fmcp_ed25519_public_key(pk, seed));
    CHECK_OK(fmcp_ed25519_sign(sig, "m", 1, seed, pk));
    memcpy(bad, sig, 64);
    for (i = 0; i < 32; i++) {
        c += (unsigned)bad[32 + i] + l[i];
        bad[32 + i] = (uint8_t)c;
        c >>= 8;
    }
    CHECK_EQ_INT(fmcp_ed25519_verify(bad, "m", 1, pk), FMCP_ERR_BAD_SIGNATURE);
    memcpy(bad + 32, l, 32);
    CHECK_EQ_INT(fmcp_ed25519_verify(bad, "m", 1, pk), FMCP_ERR_BAD_SIGNATURE);
}

/* Keys: y >= p, x = 0 with the sign bit, points of small order, and a y
 * with no x on the curve are FMCP_ERR_BAD_KEY; a small-order R fails. */
static void test_strict_keys(void)
{
    static const char *const bad_keys[] = {
        "0100000000000000000000000000000000000000000000000000000000000000",  /* identity */
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  /* (0, -1), order 2 */
        "0000000000000000000000000000000000000000000000000000000000000000",  /* y = 0, order 4 */
        "0000000000000000000000000000000000000000000000000000000000000080",  /* the other one */
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  /* order 8 */
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  /* order 8 */
        "0100000000000000000000000000000000000000000000000000000000000080",  /* x = 0, sign set */
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  /* y = p + 1 */
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  /* y = p */
        "0200000000000000000000000000000000000000000000000000000000000000",  /* y = 2: no x */
    };
    uint8_t pk[32], sig[64], seed[32], good_pk[32];
    size_t i;
    memset(sig, 0, sizeof sig);
    for (i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        hexn(bad_keys[i], pk, 32);
        CHECKF(fmcp_ed25519_verify(sig, "", 0, pk) == FMCP_ERR_BAD_KEY, "key %s", bad_keys[i]);
    }
    /* R = identity, S = 0 under a good key: [0]B - [k]A is not the identity */
    memset(seed, 3, 32);
    CHECK_OK(fmcp_ed25519_public_key(good_pk, seed));
    sig[0] = 1;
    CHECK_EQ_INT(fmcp_ed25519_verify(sig, "", 0, good_pk), FMCP_ERR_BAD_SIGNATURE);
}

static void test_args(void)
{
    uint8_t seed[32], pk[32], sig[64];
    memset(seed, 1, 32);
    CHECK_OK(fmcp_ed25519_public_key(pk, seed));
    CHECK_OK(fmcp_ed25519_sign(sig, NULL, 0, seed, pk));
    CHECK_OK(fmcp_ed25519_verify(sig, NULL, 0, pk));
    CHECK_EQ_INT(fmcp_ed25519_public_key(NULL, seed), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_public_key(pk, NULL), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_sign(NULL, "", 0, seed, pk), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_sign(sig, NULL, 1, seed, pk), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_sign(sig, "", 0, NULL, pk), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_verify(NULL, "", 0, pk), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_verify(sig, NULL, 1, pk), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_ed25519_verify(sig, "", 0, NULL), FMCP_ERR_INVALID_ARG);
}

int main(void)
{
    T_RUN(test_rfc8032);
    T_RUN(test_wycheproof);
    T_RUN(test_round_trips);
    T_RUN(test_bit_flips);
    T_RUN(test_s_range);
    T_RUN(test_strict_keys);
    T_RUN(test_args);
    return t_finish("ed25519");
}
