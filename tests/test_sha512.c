/* Unit tests for the sha512 module: the FIPS 180-4 example messages ("abc",
 * the 896-bit message, one million 'a') and the empty string for SHA-512 and
 * SHA-384 (published digests), streaming against one-shot at every split
 * point, contexts copied mid-stream, and the RFC 4231 HMAC-SHA-384/512 test
 * cases 1, 2 and 6 (the last with a key longer than a block). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                             "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void check_hex(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[64];
    long wn = t_hex(hex, want, sizeof want);
    CHECKF(wn == (long)n && memcmp(got, want, n) == 0, "digest != %s", hex);
}

static void test_sha512_fips(void)
{
    uint8_t d[64];
    fmcp_sha512("abc", 3, d);
    check_hex(d, 64, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    fmcp_sha512("", 0, d);
    check_hex(d, 64, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    fmcp_sha512(NULL, 0, d);
    check_hex(d, 64, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    fmcp_sha512(msg896, strlen(msg896), d);
    check_hex(d, 64, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

static void test_sha384_fips(void)
{
    uint8_t d[48];
    fmcp_sha384("abc", 3, d);
    check_hex(d, 48, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                     "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    fmcp_sha384("", 0, d);
    check_hex(d, 48, "38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"
                     "4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
    fmcp_sha384(msg896, strlen(msg896), d);
    check_hex(d, 48, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
                     "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
}

/* One million 'a', fed in 1000 updates of 1000 bytes (and one shot). */
static void test_million_a(void)
{
    static uint8_t big[1000000];
    uint8_t d[64];
    fmcp_sha512_ctx c;
    int i;
    memset(big, 'a', sizeof big);
    fmcp_sha512_init(&c);
    for (i = 0; i < 1000; i++) fmcp_sha512_update(&c, big, 1000);
    fmcp_sha512_final(&c, d);
    check_hex(d, 64, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                     "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
    fmcp_sha512(big, sizeof big, d);
    check_hex(d, 64, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                     "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
    fmcp_sha384_init(&c);
    for (i = 0; i < 1000; i++) fmcp_sha384_update(&c, big, 1000);
    fmcp_sha384_final(&c, d);
    check_hex(d, 48, "9d0e1809716474cb086e834e310a4a1ced149e9c00f24852"
                     "7972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985");
}

/* Every split point of messages around the block and padding edges (111,
 * 112, 127, 128, 129 bytes ...) gives the one-shot digest, for both hashes;
 * so does a context copied after the first part. */
static void test_split_points(void)
{
    static const size_t lens[] = { 0, 1, 111, 112, 113, 127, 128, 129, 255, 256, 300 };
    uint8_t m[300], one[64], two[64], three[64];
    size_t li, cut;
    int h;
    for (cut = 0; cut < sizeof m; cut++) m[cut] = (uint8_t)(cut * 7 + 3);
    for (h = 0; h < 2; h++) {
        size_t dn = h ? 48 : 64;
        for (li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            if (h) fmcp_sha384(m, n, one); else fmcp_sha512(m, n, one);
            for (cut = 0; cut <= n; cut++) {
                fmcp_sha512_ctx c, copy;
                if (h) fmcp_sha384_init(&c); else fmcp_sha512_init(&c);
                fmcp_sha512_update(&c, m, cut);
                copy = c;
                fmcp_sha512_update(&c, m + cut, n - cut);
                fmcp_sha512_update(&copy, m + cut, n - cut);
                if (h) { fmcp_sha384_final(&c, two); fmcp_sha384_final(&copy, three); }
                else { fmcp_sha512_final(&c, two); fmcp_sha512_final(&copy, three); }
                CHECKF(memcmp(one, two, dn) == 0 && memcmp(one, three, dn) == 0,
                       "hash %d len %zu cut %zu", h, n, cut);
            }
        }
    }
    /* byte by byte */
    {
        fmcp_sha512_ctx c;
        size_t i;
        fmcp_sha512_init(&c);
        for (i = 0; i < sizeof m; i++) fmcp_sha512_update(&c, m + i, 1);
        fmcp_sha512_final(&c, two);
        fmcp_sha512(m, sizeof m, one);
        CHECK_MEM(one, two, 64);
    }
}

/* final wipes the context */
static void test_final_wipes(void)
{
    fmcp_sha512_ctx c;
    uint8_t d[64], zero[sizeof c];
    fmcp_sha512_init(&c);
    fmcp_sha512_update(&c, "secret", 6);
    fmcp_sha512_final(&c, d);
    memset(zero, 0, sizeof zero);
    CHECK(memcmp(&c, zero, sizeof c) == 0);
}

/* RFC 4231 test cases 1, 2 and 6. */
static void test_hmac_rfc4231(void)
{
    uint8_t k1[20], k6[131], d[64];
    fmcp_hmac_sha512_ctx c;
    static const char m6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(k1, 0x0b, sizeof k1);
    memset(k6, 0xaa, sizeof k6);
    fmcp_hmac_sha512(k1, sizeof k1, "Hi There", 8, d);
    check_hex(d, 64, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                     "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    fmcp_hmac_sha384(k1, sizeof k1, "Hi There", 8, d);
    check_hex(d, 48, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"
                     "82aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
    fmcp_hmac_sha512("Jefe", 4, "what do ya want for nothing?", 28, d);
    check_hex(d, 64, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    fmcp_hmac_sha384_init(&c, "Jefe", 4);
    fmcp_hmac_sha512_update(&c, "what do ya ", 11);
    fmcp_hmac_sha512_update(&c, "want for nothing?", 17);
    fmcp_hmac_sha512_final(&c, d);
    check_hex(d, 48, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
                     "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
    fmcp_hmac_sha512(k6, sizeof k6, m6, strlen(m6), d);
    check_hex(d, 64, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                     "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
    fmcp_hmac_sha384(k6, sizeof k6, m6, strlen(m6), d);
    check_hex(d, 48, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f"
                     "3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952");
}

int main(void)
{
    T_RUN(test_sha512_fips);
    T_RUN(test_sha384_fips);
    T_RUN(test_million_a);
    T_RUN(test_split_points);
    T_RUN(test_final_wipes);
    T_RUN(test_hmac_rfc4231);
    return t_finish("sha512");
}
