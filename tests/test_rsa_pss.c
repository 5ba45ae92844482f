/* Unit tests for RSASSA-PSS in the rsa module (SHA-256, MGF1-SHA-256, salt
 * length 32: JWS PS256): the Wycheproof rsa_pss_{2048,3072,4096}_sha256_mgf1_32
 * files (every valid accepted, every invalid rejected), sign-then-verify
 * round trips with Wycheproof's sign-test keys, a generated key and a
 * 2049-bit key (with an OpenSSL signature: the emLen = k - 1 case), PKCS#1
 * v1.5 and PSS signatures never crossing over, bit flips, randomness
 * failure, and argument checks. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#define WY "wycheproof/testvectors_v1"

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

static long hex_field(const fmcp_json *obj, const char *key, uint8_t *out, size_t cap)
{
    const char *h = fmcp_json_get_str(obj, key, NULL);
    return h ? t_hex(h, out, cap) : -1;
}

static int b64_field(const fmcp_json *obj, const char *key, uint8_t *out, size_t cap, size_t *len)
{
    size_t n;
    const char *s = fmcp_json_str(fmcp_json_get(obj, key), &n);
    return s && fmcp_b64_decode(FMCP_B64_URL, s, n, out, cap, len) == FMCP_OK;
}

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

/* ---- Wycheproof verify --------------------------------------------------- */

typedef struct counts { int valid, valid_ok, invalid, invalid_ok, v15_seen; } counts;

static void pss_group(const fmcp_json *g, const char *file, counts *c)
{
    fmcp_rsa_public_key pub;
    fmcp_rsa_public_ctx ctx;
    const fmcp_json *pk = fmcp_json_get(g, "publicKey"), *t;
    uint8_t nb[FMCP_RSA_MAX_BYTES + 1];
    long nl = hex_field(pk, "modulus", nb, sizeof nb);
    long el = hex_field(pk, "publicExponent", pub.e, sizeof pub.e);
    size_t skip = nl > 0 && nb[0] == 0;   /* ASN.1 sign byte */
    CHECKF(nl > 0 && el > 0, "%s: key fields", file);
    CHECK_STR(fmcp_json_get_str(g, "sha", ""), "SHA-256");
    CHECK_STR(fmcp_json_get_str(g, "mgf", ""), "MGF1");
    CHECK_STR(fmcp_json_get_str(g, "mgfSha", ""), "SHA-256");
    CHECK_EQ_INT(fmcp_json_get_int(g, "sLen", -1), 32);
    if (nl <= 0 || el <= 0) return;
    pub.n_len = (size_t)nl - skip;
    memcpy(pub.n, nb + skip, pub.n_len);
    pub.e_len = (size_t)el;
    CHECK_OK(fmcp_rsa_public_prepare(&ctx, &pub, 0));
    for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
        static uint8_t sig[1024], msg[8192];
        uint8_t h[32];
        long sl = hex_field(t, "sig", sig, sizeof sig), ml = hex_field(t, "msg", msg, sizeof msg);
        const char *res = fmcp_json_get_str(t, "result", "");
        long id = (long)fmcp_json_get_int(t, "tcId", -1);
        int want = strcmp(res, "valid") == 0, got, got_ctx, got_v15;
        CHECKF(want || strcmp(res, "invalid") == 0, "%s tc %ld: result %s", file, id, res);
        fmcp_sha256(msg, ml > 0 ? (size_t)ml : 0, h);
        got = fmcp_rsa_verify_pss_sha256(&pub, 0, h, sig, sl > 0 ? (size_t)sl : 0) == FMCP_OK;
        got_ctx = fmcp_rsa_verify_pss_sha256_ctx(&ctx, h, sig, sl > 0 ? (size_t)sl : 0) == FMCP_OK;
        got_v15 = fmcp_rsa_verify_sha256_ctx(&ctx, h, sig, sl > 0 ? (size_t)sl : 0) == FMCP_OK;
        CHECKF(got == want && got_ctx == want, "%s tc %ld (%s): got %d/%d", file, id, res, got, got_ctx);
        /* a valid PSS signature is no PKCS#1 v1.5 one; the invalid case that
         * is a genuine v1.5 signature (WrongPrimitive) verifies only as such */
        if (want) CHECKF(!got_v15, "%s tc %ld: a PSS vector verified as PKCS#1 v1.5", file, id);
        if (strstr(fmcp_json_get_str(t, "comment", ""), "PKCS #1 v1.5 signature")) {
            CHECKF(got_v15 && !got, "%s tc %ld: v1.5 signature", file, id);
            c->v15_seen++;
        }
        if (want) { c->valid++; c->valid_ok += got; }
        else { c->invalid++; c->invalid_ok += !got; }
    }
}

static void wycheproof_pss(unsigned bits)
{
    char rel[200], *text;
    fmcp_json_doc *doc;
    const fmcp_json *g;
    counts c = { 0, 0, 0, 0, 0 };
    snprintf(rel, sizeof rel, WY "/rsa_pss_%u_sha256_mgf1_32_test.json", bits);
    doc = load_json(rel, &text);
    if (!doc) T_SKIP("%s absent (../shared/vectors; set FMCP_VECTORS)", rel);
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g))
        pss_group(g, rel, &c);
    fprintf(stderr, "  %s: %d/%d valid accepted, %d/%d invalid rejected\n", rel, c.valid_ok, c.valid,
            c.invalid_ok, c.invalid);
    CHECK_EQ_INT(c.valid + c.invalid, (long long)fmcp_json_get_int(fmcp_json_root(doc), "numberOfTests", -1));
    CHECK(c.valid >= 50 && c.invalid >= 40 && c.v15_seen == 1);
    fmcp_json_doc_destroy(doc);
    free(text);
}

static void test_wycheproof_2048(void) { wycheproof_pss(2048); }
static void test_wycheproof_3072(void) { wycheproof_pss(3072); }
static void test_wycheproof_4096(void) { wycheproof_pss(4096); }

/* ---- round trips ----------------------------------------------------------- */

/* PSS sign/verify with one key: salts differ between signatures, the two
 * paddings never verify as each other, changes are caught. */
static void round_trip(const fmcp_rsa_private_key *key)
{
    uint8_t h[32], s1[FMCP_RSA_MAX_BYTES], s2[FMCP_RSA_MAX_BYTES], v15[FMCP_RSA_MAX_BYTES];
    size_t n1 = 0, n2 = 0, nv = 0, bit;
    int i;
    for (i = 0; i < 4; i++) {
        CHECK_OK(fmcp_random_bytes(h, sizeof h));
        CHECK_OK(fmcp_rsa_sign_pss_sha256(key, h, s1, sizeof s1, &n1));
        CHECK_OK(fmcp_rsa_sign_pss_sha256(key, h, s2, sizeof s2, &n2));
        CHECK(n1 == (fmcp_rsa_bits(&key->pub) + 7) / 8 && n1 == n2);
        CHECK(memcmp(s1, s2, n1) != 0);                                /* random salt */
        CHECK_OK(fmcp_rsa_verify_pss_sha256(&key->pub, 0, h, s1, n1));
        CHECK_OK(fmcp_rsa_verify_pss_sha256(&key->pub, 0, h, s2, n2));
        CHECK_OK(fmcp_rsa_sign_sha256(key, h, v15, sizeof v15, &nv));
        CHECK_OK(fmcp_rsa_verify_sha256(&key->pub, 0, h, v15, nv));
        CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&key->pub, 0, h, v15, nv), FMCP_ERR_BAD_SIGNATURE);
        CHECK_EQ_INT(fmcp_rsa_verify_sha256(&key->pub, 0, h, s1, n1), FMCP_ERR_BAD_SIGNATURE);
        CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&key->pub, 0, h, s1, n1 - 1), FMCP_ERR_BAD_SIGNATURE);
        h[i] ^= 1;
        CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&key->pub, 0, h, s1, n1), FMCP_ERR_BAD_SIGNATURE);
    }
    for (bit = 0; bit < 8 * n1; bit += 61) {
        s1[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECKF(fmcp_rsa_verify_pss_sha256(&key->pub, 0, h, s1, n1) == FMCP_ERR_BAD_SIGNATURE, "bit %zu", bit);
        s1[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

static void test_round_trip_wycheproof_keys(void)
{
    static const unsigned sizes[] = { 2048, 3072, 4096 };
    size_t i;
    int keys = 0;
    for (i = 0; i < 3; i++) {
        char rel[200], *text;
        fmcp_json_doc *doc;
        const fmcp_json *g;
        snprintf(rel, sizeof rel, WY "/rsa_pkcs1_%u_sig_gen_test.json", sizes[i]);
        doc = load_json(rel, &text);
        if (!doc) T_SKIP("%s absent (../shared/vectors; set FMCP_VECTORS)", rel);
        for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g)) {
            fmcp_rsa_private_key key;
            if (strcmp(fmcp_json_get_str(g, "sha", ""), "SHA-256") != 0) continue;
            CHECKF(jwk_private(fmcp_json_get(g, "privateKeyJwk"), &key), "%s: JWK", rel);
            if (fmcp_rsa_private_check(&key) != FMCP_OK) continue;   /* e = 3 groups */
            round_trip(&key);
            fmcp_wipe(&key, sizeof key);
            keys++;
            break;
        }
        fmcp_json_doc_destroy(doc);
        free(text);
    }
    CHECK_EQ_INT(keys, 3);
}

/* A 2049-bit key (modBits = 8k + 1, so emLen = k - 1 and s^e mod n starts
 * with a zero byte) and a PSS signature of "pss interop message" made by
 * OpenSSL 3.0 (through python cryptography): test data. */
static const char *const odd_key[] = {  /* n e d p q dp dq qi, hex */
        "019628825cf9ae4e591b5d50b981c141eef16d3dd236bbdc037688dd5a45f71eea166957c72d0eb0c165836a6ce41328"
        "8c1ee1727cd2d27d243b2b9247c37ab4ead5d3e0a8eb7a80f3c296df14be03654948106504c57df6bc1741612b0c9e7b"
        "a8c5a6aa07032caa7a380aea6a28099efc806cfc086e9ea20dd280168799720ece0335e69c1f3eb605bb4399e201bba6"
        "7d667916cce55fc6594f72d3d7d7ac8178d712c83d2ec15564b621f3bbdd71364d9f9c7f4c7f23ad0f68154490378ee3"
        "2e7a13008b0c479167ff68640da431772c0d8687080de9d141e168c3a54ed3cdcc5fc888d6b2dfe6b88c44d300651775"
        "fb80f83258620724944ed8d305794d0629",
        "010001",
        "016e3a7cc205494cd040427645af606969613c959ff546936e73f599528afff75a307730752285ba8fc84f2529a6c637"
        "ab9134cc1d0da44abedeb3bd250478a2a595c585300b94dcadefea46a0d76d0c69759782df388d0a6c33b3fa3fed1302"
        "81fe26f7ed76c951b6fecda8edabc87119515bf42e4e40aff332b9d896d09fee0311e08a395c4a27e86cca8e58653855"
        "6937e5bb67a9ab0735de2e6c0a3e08c21fcd0cff1131475cf4cc89ba2a82f17ddf1d7211812d9db354d887aae80becda"
        "ab1018702bb568b68518b5b0065a7fd16a754c27cdf1192e07072b7573309041d486817b3e3e593a1e13bc1cc882a80f"
        "ed432309a9d183d808a1844912f7888001",
        "01e62277aa990e71887408c412df92d415927005f15828aae04891265932a90b02ea0c05f3fc7daaea0f0554b50843f9"
        "3086510a2c9d08c1d9a96aa5153f77ed0aa064d2ad18e4e134121918fbfc81c648443a24f9a63f25d2495e3708d0b5ac"
        "bb7322092ed29d45000aaef8c7e66e546880a058f81b72c1485db63587d4319e29",
        "d5e259b778d90b68482dbae4e41a83bedf16366045f54c983ce24f2a4394a7f4e2ab558cc442ff6e36968a4d0d0b1051"
        "3be960059bcf1a6f98939d0795b8b804b3081ee50a32482c4e4d38257113492feebbca6ca1e9361d1474db18dddbecb2"
        "4f706b04d8207e2eeff0a21e16bd7f815d7b4a6e5758a44b0af58872e3dd2801",
        "f86f1ce09e1f777dd86eb26542c4728623b40415768c31e734ae98fe749956fb4248aab22992bf49a62b7f4294dac7fa"
        "386a29dcead392dd7d6af6ba8918ec96c5a940d11d2bbabb359485e42102e12605580195639459ebc17ad87d34cbe35e"
        "5854488519352e11fb63b7d7d0b70983ee58039fa7c75967761cabf6a2464921",
        "9bacddaa3a0e984bf5c53b342086dfff8c76a96b57601cb8ee0fb69947892ada862538e6756f626580dbff9be7737713"
        "f96c7ad47a3cbabc212cc7edde5f0da975f9e22ac94a21d805c214acc3e9caaa55b45fb8c3fc6fc3a8c1093bc737acc7"
        "782495f077b2e6c51925678a48f8f29661493cbaa55ec26e5072b8370f7d4801",
        "34c1601f94ba08df151df511099ffd3af2f5c219aec0a73df172ddf71bea9b32af0fef2147428f8fc1a40d371a5f5bfb"
        "99731b5eeff8e2c1cd04a8e24d8021dab03c773d2a62e918ec3c9283f1ad398df1117aa782c5bc559b35e85920214268"
        "5f5ec74d603e2d7f4e6e404161026066570e268c3ff6c3e20e936a9d0b686730",
};
static const char odd_sig[] =
        "00c1fea13fe1cb5dbc5b3f7d06db535957cf3a3f070b56d0635c43ca3fae56867f6192e8bbcd91b485a4a24cc8d7d3e2"
        "b4289ade14294a2328146ef416a25e621b80b6e7b17d54f02152a15c11bca5901ec27ba25ad1ab1f6133a6e96eaee0a1"
        "e74c30fe83db062aaef525c853626edb2df526753b51b279edb8c277c18bed97ebdd1dc5e75fae6ed016d22958bea9f9"
        "53a81bfd91deb984699509c76cb5b07934d61c93d253a8fe3a836341180c14fdd2629c3dda4447e8e565076bffa2125a"
        "68088fce83738345b4484cd6fa05b2966544b385012b0f38f52eeef14d728bf6ff6e48b63e3c67701816bfb9c538ea86"
        "b90f1a077e1ff75555979f510537df3a5f";

static size_t hex_into(const char *h, uint8_t *out, size_t cap)
{
    long n = t_hex(h, out, cap);
    CHECKF(n > 0, "bad test hex");
    return n > 0 ? (size_t)n : 0;
}

static void test_odd_modulus(void)
{
    static fmcp_rsa_private_key k;
    uint8_t h[32], sig[FMCP_RSA_MAX_BYTES], mine[FMCP_RSA_MAX_BYTES];
    size_t sl, n = 0;
    memset(&k, 0, sizeof k);
    k.pub.n_len = hex_into(odd_key[0], k.pub.n, sizeof k.pub.n);
    k.pub.e_len = hex_into(odd_key[1], k.pub.e, sizeof k.pub.e);
    k.d_len = hex_into(odd_key[2], k.d, sizeof k.d);
    k.p_len = hex_into(odd_key[3], k.p, sizeof k.p);
    k.q_len = hex_into(odd_key[4], k.q, sizeof k.q);
    k.dp_len = hex_into(odd_key[5], k.dp, sizeof k.dp);
    k.dq_len = hex_into(odd_key[6], k.dq, sizeof k.dq);
    k.qinv_len = hex_into(odd_key[7], k.qinv, sizeof k.qinv);
    CHECK_EQ_INT(fmcp_rsa_bits(&k.pub), 2049);
    CHECK_OK(fmcp_rsa_private_check(&k));
    sl = hex_into(odd_sig, sig, sizeof sig);
    fmcp_sha256("pss interop message", 19, h);
    CHECK_OK(fmcp_rsa_verify_pss_sha256(&k.pub, 0, h, sig, sl));
    CHECK_OK(fmcp_rsa_sign_pss_sha256(&k, h, mine, sizeof mine, &n));
    CHECK_EQ_INT(n, 257);
    CHECK_OK(fmcp_rsa_verify_pss_sha256(&k.pub, 0, h, mine, n));
    round_trip(&k);
    h[0] ^= 1;
    CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&k.pub, 0, h, sig, sl), FMCP_ERR_BAD_SIGNATURE);
    fmcp_wipe(&k, sizeof k);
}

static int no_random(void *user, void *buf, size_t len)
{
    (void)user; (void)buf; (void)len;
    return -1;
}

static void test_generated_key(void)
{
    static fmcp_rsa_private_key key;
    uint8_t h[32], sig[FMCP_RSA_MAX_BYTES];
    size_t n = 0;
    fmcp_hooks hk;
    CHECK_OK(fmcp_rsa_generate(2048, &key));
    round_trip(&key);
    /* no randomness: no salt, no signature */
    memset(h, 9, sizeof h);
    memset(&hk, 0, sizeof hk);
    hk.random_fn = no_random;
    fmcp_set_hooks(&hk);
    CHECK_EQ_INT(fmcp_rsa_sign_pss_sha256(&key, h, sig, sizeof sig, &n), FMCP_ERR_RANDOM);
    CHECK_EQ_INT(n, 0);
    fmcp_set_hooks(NULL);
    /* arguments and buffer */
    CHECK_EQ_INT(fmcp_rsa_sign_pss_sha256(&key, h, sig, 255, &n), FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(fmcp_rsa_sign_pss_sha256(NULL, h, sig, sizeof sig, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_sign_pss_sha256(&key, NULL, sig, sizeof sig, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_sign_pss_sha256(&key, h, NULL, sizeof sig, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_sign_pss_sha256(&key, h, sig, sizeof sig, NULL), FMCP_ERR_INVALID_ARG);
    CHECK_OK(fmcp_rsa_sign_pss_sha256(&key, h, sig, sizeof sig, &n));
    CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&key.pub, 0, NULL, sig, n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&key.pub, 0, h, NULL, n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256_ctx(NULL, h, sig, n), FMCP_ERR_INVALID_ARG);
    /* a signature equal to n (out of range) */
    CHECK_EQ_INT(fmcp_rsa_verify_pss_sha256(&key.pub, 0, h, key.pub.n, key.pub.n_len), FMCP_ERR_BAD_SIGNATURE);
    fmcp_wipe(&key, sizeof key);
}

int main(void)
{
    T_RUN(test_wycheproof_2048);
    T_RUN(test_wycheproof_3072);
    T_RUN(test_wycheproof_4096);
    T_RUN(test_round_trip_wycheproof_keys);
    T_RUN(test_generated_key);
    T_RUN(test_odd_modulus);
    return t_finish("rsa_pss");
}
