/* Unit tests for the b64 module: RFC 4648 section 10 vectors, strictness
 * (every rejection rule), round trips of every length 0..300 and of random
 * data, buffer handling, and the RFC 7515 appendix A base64url strings. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

static const char t_std_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char t_url_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Reference encoder for cross-checking: walks the input bit by bit, a
 * different algorithm from the library's 3-byte groups. */
static size_t ref_encode(fmcp_b64_variant v, const uint8_t *in, size_t n, char *out)
{
    const char *alpha = v == FMCP_B64_URL ? t_url_alpha : t_std_alpha;
    size_t bit, o = 0, nbits = n * 8;
    for (bit = 0; bit < nbits; bit += 6) {
        unsigned x = 0, k;
        for (k = 0; k < 6; k++) {
            size_t b = bit + k;
            x = (x << 1) | (b < nbits ? (unsigned)(in[b / 8] >> (7 - b % 8)) & 1u : 0u);
        }
        out[o++] = alpha[x];
    }
    if (v == FMCP_B64_STD) while (o % 4) out[o++] = '=';
    out[o] = 0;
    return o;
}

static fmcp_result dec(fmcp_b64_variant v, const char *s, uint8_t *out, size_t cap, size_t *n)
{
    return fmcp_b64_decode(v, s, strlen(s), out, cap, n);
}

/* RFC 4648 section 10 test vectors (padding removed for base64url). */
static void test_rfc4648_vectors(void)
{
    static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const std[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    static const char *const url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
    char out[16];
    uint8_t bin[16];
    size_t i, n;
    for (i = 0; i < 7; i++) {
        size_t pl = strlen(plain[i]);
        CHECK_OK(fmcp_b64_encode(FMCP_B64_STD, plain[i], pl, out, sizeof out, &n));
        CHECK_STR(out, std[i]);
        CHECK_EQ_INT(n, strlen(std[i]));
        CHECK_EQ_INT(fmcp_b64_encoded_len(FMCP_B64_STD, pl), strlen(std[i]));
        CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, plain[i], pl, out, sizeof out, &n));
        CHECK_STR(out, url[i]);
        CHECK_EQ_INT(fmcp_b64_encoded_len(FMCP_B64_URL, pl), strlen(url[i]));
        CHECK_OK(dec(FMCP_B64_STD, std[i], bin, sizeof bin, &n));
        CHECK(n == pl && memcmp(bin, plain[i], pl) == 0);
        CHECK_OK(dec(FMCP_B64_URL, url[i], bin, sizeof bin, &n));
        CHECK(n == pl && memcmp(bin, plain[i], pl) == 0);
        CHECK(fmcp_b64_decoded_max(strlen(std[i])) >= pl);
        CHECK_EQ_INT(fmcp_b64_decoded_max(strlen(url[i])), pl);
    }
}

/* The two alphabets differ only in values 62 and 63 (RFC 4648 tables 1, 2). */
static void test_alphabet_62_63(void)
{
    static const uint8_t b[3] = { 0xfb, 0xef, 0xff }; /* 111110 111110 111111 111111 */
    char out[8];
    uint8_t bin[4];
    size_t n;
    CHECK_OK(fmcp_b64_encode(FMCP_B64_STD, b, 3, out, sizeof out, &n));
    CHECK_STR(out, "++//");
    CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, b, 3, out, sizeof out, &n));
    CHECK_STR(out, "--__");
    CHECK_OK(dec(FMCP_B64_URL, "--__", bin, sizeof bin, &n));
    CHECK(n == 3 && memcmp(bin, b, 3) == 0);
    CHECK_EQ_INT(dec(FMCP_B64_URL, "++//", bin, sizeof bin, &n), FMCP_ERR_ENCODING);
    CHECK_EQ_INT(dec(FMCP_B64_STD, "--__", bin, sizeof bin, &n), FMCP_ERR_ENCODING);
}

/* Every byte value in every position of a group: accepted exactly when it is
 * in the variant's alphabet, and decoded to its index there. */
static void test_every_character(void)
{
    int v, pos, c;
    for (v = 0; v < 2; v++) {
        fmcp_b64_variant var = v ? FMCP_B64_URL : FMCP_B64_STD;
        const char *alpha = v ? t_url_alpha : t_std_alpha;
        for (pos = 0; pos < 4; pos++) {
            for (c = 0; c < 256; c++) {
                char s[4] = { 'A', 'A', 'A', 'A' };
                uint8_t bin[3];
                size_t n = 99;
                const char *hit = c ? strchr(alpha, c) : NULL;
                fmcp_result r;
                s[pos] = (char)c;
                r = fmcp_b64_decode(var, s, 4, bin, sizeof bin, &n);
                if (hit) {
                    unsigned idx = (unsigned)(hit - alpha);
                    uint32_t t = (uint32_t)idx << (6 * (3 - pos));
                    CHECK_EQ_INT(r, FMCP_OK);
                    CHECK(n == 3 && bin[0] == (uint8_t)(t >> 16) && bin[1] == (uint8_t)(t >> 8) && bin[2] == (uint8_t)t);
                } else {
                    /* '=' at the end is padding, which needs zero trailing bits after "AA" */
                    if (c == '=' && var == FMCP_B64_STD && pos == 3) CHECK_EQ_INT(r, FMCP_OK);
                    else CHECKF(r == FMCP_ERR_ENCODING, "variant %d char %d pos %d -> %d", v, c, pos, (int)r);
                }
            }
        }
    }
}

static void test_rejections(void)
{
    static const char *const bad_std[] = {
        "Zg", "Zg=", "Zm8", "Zg===", "Z===", "====", "=", "==", "Zm9vY",
        "Zg==Zg==", "Zm=v", "=Zm9", "Zm9v=", "Zm9v====",       /* '=' misplaced / lengths */
        "Zh==", "Zm9=", "Zg=A", "Zm+=",                         /* nonzero trailing bits, pad order */
        "Zm9v Zm9v", " Zm9v", "Zm9v\n", "Zm9v\r\nYmFy", "Zm\t9v",  /* whitespace */
        "Zm9v-_AA", "Zm9v.AAA", "Zm9v\x80\x41\x41\x41", "Zm9v\xff\x41\x41\x41" /* wrong alphabet, high bytes */
    };
    static const char *const bad_url[] = {
        "Z", "Zm9vY", "Zg==", "Zg=", "Zm8=", "Zm9v=",           /* length 4k+1, any padding */
        "Zh", "Zm9", "Zm9vYh", "Zm9vYmF",                       /* nonzero trailing bits */
        "Zm9v+/AA", "Zm9v Zm9v", "Zm9v\n", "\tZm9v", "Zm9v\x80\x41"
    };
    uint8_t bin[32];
    size_t i, n;
    for (i = 0; i < sizeof bad_std / sizeof bad_std[0]; i++) {
        n = 77;
        CHECKF(dec(FMCP_B64_STD, bad_std[i], bin, sizeof bin, &n) == FMCP_ERR_ENCODING, "std \"%s\"", bad_std[i]);
        CHECK_EQ_INT(n, 0);
    }
    for (i = 0; i < sizeof bad_url / sizeof bad_url[0]; i++)
        CHECKF(dec(FMCP_B64_URL, bad_url[i], bin, sizeof bin, &n) == FMCP_ERR_ENCODING, "url \"%s\"", bad_url[i]);
    /* an embedded NUL is a bad character, not an early end */
    CHECK_EQ_INT(fmcp_b64_decode(FMCP_B64_STD, "Zm\0v", 4, bin, sizeof bin, &n), FMCP_ERR_ENCODING);
    CHECK_EQ_INT(fmcp_b64_decode(FMCP_B64_URL, "Zm9v\0\0", 6, bin, sizeof bin, &n), FMCP_ERR_ENCODING);
    /* the same texts with canonical trailing bits are accepted */
    CHECK_OK(dec(FMCP_B64_STD, "Zg==", bin, sizeof bin, &n));
    CHECK_OK(dec(FMCP_B64_URL, "Zm8", bin, sizeof bin, &n));
}

static void test_invalid_args_and_buffers(void)
{
    char out[16];
    uint8_t bin[8];
    size_t n;
    /* encode: too small reports the needed size and leaves an empty string */
    memset(out, 'x', sizeof out);
    CHECK_OK(fmcp_b64_encode(FMCP_B64_STD, "foobar", 6, out, 8, &n)); /* the NUL is optional */
    CHECK(n == 8 && memcmp(out, "Zm9vYmFy", 8) == 0 && out[8] == 'x');
    CHECK_EQ_INT(fmcp_b64_encode(FMCP_B64_STD, "foobar", 6, out, 7, &n), FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(n, 8);
    CHECK(out[0] == '\0');
    /* exactly enough room: no NUL written past cap */
    memset(out, 'x', sizeof out);
    CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, "foob", 4, out, 6, &n));
    CHECK(n == 6 && memcmp(out, "Zm9vYg", 6) == 0 && out[6] == 'x');
    CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, NULL, 0, NULL, 0, &n));
    CHECK_EQ_INT(n, 0);
    CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, "f", 1, out, sizeof out, NULL));
    CHECK_EQ_INT(fmcp_b64_encode(FMCP_B64_STD, NULL, 3, out, sizeof out, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_b64_encode(FMCP_B64_STD, "abc", 3, NULL, 8, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_b64_encode((fmcp_b64_variant)7, "abc", 3, out, sizeof out, &n), FMCP_ERR_INVALID_ARG);
    /* decode */
    CHECK_EQ_INT(dec(FMCP_B64_STD, "Zm9vYmFy", bin, 5, &n), FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(dec(FMCP_B64_STD, "Zm9vYg==", bin, 3, &n), FMCP_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(n, 4); /* padding is not counted: "foob" needs exactly 4 */
    CHECK_OK(dec(FMCP_B64_URL, "Zm9vYg", bin, 4, &n));
    CHECK(n == 4 && memcmp(bin, "foob", 4) == 0);
    CHECK_OK(fmcp_b64_decode(FMCP_B64_STD, NULL, 0, NULL, 0, &n));
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(fmcp_b64_decode(FMCP_B64_STD, NULL, 4, bin, sizeof bin, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_b64_decode(FMCP_B64_STD, "Zm9v", 4, NULL, 3, &n), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_b64_decode((fmcp_b64_variant)-1, "Zm9v", 4, bin, sizeof bin, &n), FMCP_ERR_INVALID_ARG);
    /* a rejected decode leaves no partial output behind */
    memset(bin, 0x55, sizeof bin);
    CHECK_EQ_INT(dec(FMCP_B64_URL, "Zm9vYmF!", bin, sizeof bin, &n), FMCP_ERR_ENCODING);
    CHECK(bin[0] == 0 && bin[5] == 0);
    /* sizes saturate instead of wrapping */
    CHECK(fmcp_b64_encoded_len(FMCP_B64_STD, (size_t)-1) == (size_t)-1);
    CHECK(fmcp_b64_decoded_max((size_t)-1) <= (size_t)-1 / 4 * 3 + 2);
}

/* Every length 0..300 in both variants: matches the reference encoder and
 * decodes back exactly. */
static void round_trip(const uint8_t *data, size_t len)
{
    static char enc[8192], ref[8192];
    static uint8_t back[8192];
    int v;
    for (v = 0; v < 2; v++) {
        fmcp_b64_variant var = v ? FMCP_B64_URL : FMCP_B64_STD;
        size_t n = 0, m = 0, rn = ref_encode(var, data, len, ref);
        CHECK_OK(fmcp_b64_encode(var, data, len, enc, sizeof enc, &n));
        CHECKF(n == rn && memcmp(enc, ref, n) == 0 && enc[n] == 0, "variant %d len %zu", v, len);
        CHECK_EQ_INT(fmcp_b64_encoded_len(var, len), n);
        CHECK(fmcp_b64_decoded_max(n) >= len);
        CHECK_OK(fmcp_b64_decode(var, enc, n, back, len, &m)); /* exact-size buffer suffices */
        CHECKF(m == len && memcmp(back, data, len) == 0, "variant %d len %zu", v, len);
    }
}

static void test_round_trip_every_length(void)
{
    uint8_t data[301];
    size_t len;
    CHECK_OK(fmcp_random_bytes(data, sizeof data));
    for (len = 0; len <= 300; len++) round_trip(data, len);
    memset(data, 0xff, sizeof data);
    for (len = 0; len <= 300; len++) round_trip(data, len);
    memset(data, 0, sizeof data);
    for (len = 0; len <= 300; len++) round_trip(data, len);
}

static void test_round_trip_random(void)
{
    static uint8_t data[6000];
    int i;
    for (i = 0; i < 200; i++) {
        uint16_t len;
        CHECK_OK(fmcp_random_bytes(&len, sizeof len));
        len = (uint16_t)(len % sizeof data);
        CHECK_OK(fmcp_random_bytes(data, len));
        round_trip(data, len);
    }
}

/* RFC 7515 appendix A: independent base64url strings with known contents. */
static void test_rfc7515_strings(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len, n;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *a1, *a2;
    static const char *const pairs[][2] = {
        { "payload_b64url", "payload_utf8" }, { "protected_b64url", "protected_header_utf8" }
    };
    static uint8_t bin[2048], want[2048];
    static char enc[4096];
    size_t i;
    if (!dir) T_SKIP("../shared/vectors absent");
    snprintf(path, sizeof path, "%s/rfc7515/rfc7515-appendix-a.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    free(text);
    if (!doc) return;
    root = fmcp_json_root(doc);
    a1 = fmcp_json_get(root, "A.1_HS256");
    a2 = fmcp_json_get(root, "A.2_RS256");
    for (i = 0; i < 2; i++) {
        const fmcp_json *o = i == 0 ? root : a1;
        const char *b = fmcp_json_get_str(o, pairs[i][0], NULL);
        const char *p = fmcp_json_get_str(o, pairs[i][1], NULL);
        CHECK(b && p);
        if (!b || !p) continue;
        CHECK_OK(dec(FMCP_B64_URL, b, bin, sizeof bin, &n));
        CHECK(n == strlen(p) && memcmp(bin, p, n) == 0);
        CHECK_OK(fmcp_b64_encode(FMCP_B64_URL, p, strlen(p), enc, sizeof enc, &n));
        CHECK_STR(enc, b);
    }
    {   /* RS256 signature given both as base64url and as hex */
        const char *b = fmcp_json_get_str(a2, "signature_b64url", NULL);
        const char *h = fmcp_json_get_str(a2, "signature_hex", NULL);
        long wn = h ? t_hex(h, want, sizeof want) : -1;
        CHECK(b && wn == 256);
        if (b && wn > 0) {
            CHECK_OK(dec(FMCP_B64_URL, b, bin, sizeof bin, &n));
            CHECK(n == (size_t)wn && memcmp(bin, want, n) == 0);
        }
    }
    fmcp_json_doc_destroy(doc);
}

int main(void)
{
    T_RUN(test_rfc4648_vectors);
    T_RUN(test_alphabet_62_63);
    T_RUN(test_every_character);
    T_RUN(test_rejections);
    T_RUN(test_invalid_args_and_buffers);
    T_RUN(test_round_trip_every_length);
    T_RUN(test_round_trip_random);
    T_RUN(test_rfc7515_strings);
    return t_finish("b64");
}
