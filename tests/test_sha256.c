/* Unit tests for the sha256 module: NIST CAVP SHAVS byte-oriented vectors,
 * Wycheproof HMAC-SHA256 vectors, and streaming in every kind of split. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

/* Deterministic generator for split points and filler data (not crypto). */
static uint64_t t_rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t t_rng(void)
{
    t_rng_state ^= t_rng_state << 13; t_rng_state ^= t_rng_state >> 7; t_rng_state ^= t_rng_state << 17;
    return (uint32_t)(t_rng_state >> 16);
}

/* Hash data in chunks given by `pattern` (cycled; 0 = random 0..150). */
static void sha256_split(const uint8_t *d, size_t n, const size_t *pattern, size_t np, uint8_t out[32])
{
    fmcp_sha256_ctx c;
    size_t off = 0, k = 0;
    fmcp_sha256_init(&c);
    while (off < n) {
        size_t step = pattern[k++ % np];
        if (step == 0) step = t_rng() % 151;
        if (step > n - off) step = n - off;
        fmcp_sha256_update(&c, d + off, step);
        off += step;
    }
    fmcp_sha256_final(&c, out);
}

static void hmac_split(const uint8_t *key, size_t kn, const uint8_t *d, size_t n, size_t step0, uint8_t out[32])
{
    fmcp_hmac_sha256_ctx c;
    size_t off = 0;
    fmcp_hmac_sha256_init(&c, key, kn);
    while (off < n) {
        size_t step = step0 ? step0 : t_rng() % 100;
        if (step > n - off) step = n - off;
        fmcp_hmac_sha256_update(&c, d + off, step);
        off += step;
    }
    fmcp_hmac_sha256_final(&c, out);
}

static const size_t t_patterns[][4] = {
    { 1, 1, 1, 1 }, { 63, 63, 63, 63 }, { 64, 64, 64, 64 }, { 65, 65, 65, 65 },
    { 0, 0, 0, 0 }, { 1, 63, 64, 65 }, { 55, 56, 57, 0 }, { 127, 128, 129, 0 }
};

/* Runs every record of a CAVP .rsp file one-shot and in splits; returns the
 * number of records checked, or -1 when the file is absent. */
static long run_rsp(const char *name)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text, *line, *next;
    long bits = -1, count = 0;
    uint8_t *msg = NULL;
    long msg_len = -1;
    if (!dir) return -1;
    snprintf(path, sizeof path, "%s/sha256/%s", dir, name);
    text = t_read_file(path, NULL);
    if (!text) return -1;
    for (line = text; *line; line = next) {
        next = line + strcspn(line, "\r\n");
        if (*next) *next++ = '\0';
        if (strncmp(line, "Len = ", 6) == 0) bits = atol(line + 6);
        else if (strncmp(line, "Msg = ", 6) == 0) {
            size_t hl = strlen(line + 6);
            free(msg);
            msg = (uint8_t *)malloc(hl / 2 + 1);
            msg_len = msg ? t_hex(line + 6, msg, hl / 2 + 1) : -1;
            CHECK(msg_len >= 0);
        } else if (strncmp(line, "MD = ", 5) == 0 && msg && bits >= 0) {
            uint8_t want[32], got[32];
            size_t n = (size_t)bits / 8, p;
            CHECK(bits % 8 == 0 && (long)n <= msg_len); /* Len = 0 carries Msg = 00 */
            CHECK_EQ_INT(t_hex(line + 5, want, sizeof want), 32);
            fmcp_sha256(msg, n, got);
            CHECKF(memcmp(got, want, 32) == 0, "%s Len=%ld one-shot", name, bits);
            for (p = 0; p < sizeof t_patterns / sizeof t_patterns[0]; p++) {
                memset(got, 0, sizeof got);
                sha256_split(msg, n, t_patterns[p], 4, got);
                CHECKF(memcmp(got, want, 32) == 0, "%s Len=%ld pattern %zu", name, bits, p);
            }
            count++;
            bits = -1;
        }
    }
    free(msg);
    free(text);
    return count;
}

static void test_cavp_short(void)
{
    long n = run_rsp("SHA256ShortMsg.rsp");
    if (n < 0) T_SKIP("../shared/vectors/sha256/SHA256ShortMsg.rsp absent");
    CHECK_EQ_INT(n, 65); /* README: 65 records */
}

static void test_cavp_long(void)
{
    long n = run_rsp("SHA256LongMsg.rsp");
    if (n < 0) T_SKIP("../shared/vectors/sha256/SHA256LongMsg.rsp absent");
    CHECK_EQ_INT(n, 64); /* README: 64 records */
}

/* FIPS 180-2 appendix B.3: one million 'a'; exercises many full-block updates. */
static void test_million_a(void)
{
    static const char want_hex[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    uint8_t want[32], got[32], *a = (uint8_t *)malloc(1000000);
    fmcp_sha256_ctx c;
    size_t i;
    CHECK(a != NULL);
    if (!a) return;
    memset(a, 'a', 1000000);
    CHECK_EQ_INT(t_hex(want_hex, want, 32), 32);
    fmcp_sha256(a, 1000000, got);
    CHECK_MEM(got, want, 32);
    fmcp_sha256_init(&c);
    for (i = 0; i < 1000000; i += 1000) fmcp_sha256_update(&c, a + i, 1000);
    fmcp_sha256_final(&c, got);
    CHECK_MEM(got, want, 32);
    free(a);
}

/* Streaming equals one-shot for every length 0..1100 and every split style;
 * lengths straddle the 55/56/64-byte padding boundaries many times. */
static void test_streaming_splits(void)
{
    uint8_t data[1100], one[32], got[32];
    size_t n, p;
    for (n = 0; n < sizeof data; n++) data[n] = (uint8_t)t_rng();
    for (n = 0; n <= sizeof data; n++) {
        fmcp_sha256(data, n, one);
        for (p = 0; p < sizeof t_patterns / sizeof t_patterns[0]; p++) {
            sha256_split(data, n, t_patterns[p], 4, got);
            CHECKF(memcmp(got, one, 32) == 0, "len %zu pattern %zu", n, p);
        }
    }
}

static void test_context_reuse_and_wipe(void)
{
    fmcp_sha256_ctx c;
    fmcp_hmac_sha256_ctx h;
    uint8_t a[32], b[32], zero[sizeof c];
    memset(zero, 0, sizeof zero);
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, "abc", 3);
    fmcp_sha256_update(&c, NULL, 0); /* empty update is a no-op */
    fmcp_sha256_final(&c, a);
    CHECK(memcmp(&c, zero, sizeof c) == 0); /* final wipes */
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, "abc", 3);
    fmcp_sha256_final(&c, b);
    CHECK_MEM(a, b, 32);
    fmcp_hmac_sha256_init(&h, "k", 1);
    fmcp_hmac_sha256_update(&h, "m", 1);
    fmcp_hmac_sha256_final(&h, a);
    CHECK(memcmp(&h.inner, zero, sizeof c) == 0 && memcmp(&h.outer, zero, sizeof c) == 0);
}

/* ---- Wycheproof HMAC-SHA256 -------------------------------------------- */

static int wy_hex(const fmcp_json *t, const char *key, uint8_t **out, long *n)
{
    const char *s = fmcp_json_get_str(t, key, NULL);
    size_t len;
    if (!s) return 0;
    len = strlen(s);
    *out = (uint8_t *)malloc(len / 2 + 1);
    if (!*out) return 0;
    *n = t_hex(s, *out, len / 2 + 1);
    return *n >= 0;
}

/* One Wycheproof test; returns 1 when it behaved as its "result" demands. */
static int wy_case(const fmcp_json *t, long tag_bits)
{
    uint8_t *key = NULL, *msg = NULL, *tag = NULL, mac[32], mac2[32];
    long kn = 0, mn = 0, tn = 0;
    const char *result = fmcp_json_get_str(t, "result", "");
    int ok = 0, match;
    if (wy_hex(t, "key", &key, &kn) && wy_hex(t, "msg", &msg, &mn) && wy_hex(t, "tag", &tag, &tn)
        && tag_bits % 8 == 0 && tag_bits <= 256 && tn == tag_bits / 8) {
        fmcp_hmac_sha256(key, (size_t)kn, msg, (size_t)mn, mac);
        hmac_split(key, (size_t)kn, msg, (size_t)mn, 0, mac2);
        /* truncated tags: the tag is a prefix of the full MAC */
        match = fmcp_ct_equal(mac, tag, (size_t)tn);
        if (strcmp(result, "valid") == 0) ok = match && memcmp(mac, mac2, 32) == 0;
        else if (strcmp(result, "invalid") == 0) ok = !match;
    }
    free(key); free(msg); free(tag);
    return ok;
}

static void test_wycheproof_hmac(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g, *t;
    long total = 0, declared;
    if (!dir) T_SKIP("../shared/vectors absent");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/hmac_sha256_test.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    free(text);
    if (!doc) return;
    declared = (long)fmcp_json_get_int(fmcp_json_root(doc), "numberOfTests", -1);
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g)) {
        long tag_bits = (long)fmcp_json_get_int(g, "tagSize", -1);
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            CHECKF(wy_case(t, tag_bits), "tcId %lld (tagSize %ld, %s)",
                   (long long)fmcp_json_get_int(t, "tcId", -1), tag_bits,
                   fmcp_json_get_str(t, "result", "?"));
            total++;
        }
    }
    CHECK(declared > 0);
    CHECK_EQ_INT(total, declared);
    fmcp_json_doc_destroy(doc);
}

/* HMAC streaming equals one-shot for key lengths around the block size
 * (64: used as is, 65: hashed first) and varied message splits. */
static void test_hmac_streaming(void)
{
    uint8_t key[200], msg[300], one[32], got[32];
    size_t kl, ml;
    static const size_t steps[] = { 1, 63, 64, 65, 0 };
    size_t s;
    for (kl = 0; kl < sizeof key; kl++) key[kl] = (uint8_t)t_rng();
    for (ml = 0; ml < sizeof msg; ml++) msg[ml] = (uint8_t)t_rng();
    for (kl = 0; kl <= 130; kl += (kl >= 60 && kl < 70) ? 1 : 13) {
        for (ml = 0; ml <= sizeof msg; ml += 37) {
            fmcp_hmac_sha256(key, kl, msg, ml, one);
            for (s = 0; s < sizeof steps / sizeof steps[0]; s++) {
                hmac_split(key, kl, msg, ml, steps[s], got);
                CHECKF(memcmp(one, got, 32) == 0, "key %zu msg %zu step %zu", kl, ml, steps[s]);
            }
        }
    }
    /* a key longer than the block equals its SHA-256 used as the key (RFC 2104) */
    fmcp_sha256(key, 100, got);
    fmcp_hmac_sha256(got, 32, msg, 50, one);
    fmcp_hmac_sha256(key, 100, msg, 50, got);
    CHECK_MEM(one, got, 32);
}

/* The library uses the x86-64 SHA extensions when the CPU has them; the
 * whole suite runs once as detected and once with the portable C forced. */
static int t_accel_active(void)
{
#ifdef FMCP__SHA256_NI
    uint8_t d[32];
    fmcp_sha256("", 0, d); /* probes the CPU */
    return fmcp__sha256_ni == 1;
#else
    return 0;
#endif
}

static void t_force_portable(void)
{
#ifdef FMCP__SHA256_NI
    fmcp__sha256_ni = 0;
#endif
}

static void run_all(void)
{
    T_RUN(test_cavp_short);
    T_RUN(test_cavp_long);
    T_RUN(test_million_a);
    T_RUN(test_streaming_splits);
    T_RUN(test_context_reuse_and_wipe);
    T_RUN(test_wycheproof_hmac);
    T_RUN(test_hmac_streaming);
}

int main(void)
{
    if (t_accel_active()) {
        fprintf(stderr, "pass 1: SHA extensions path\n");
        run_all();
    } else {
        fprintf(stderr, "SHA extensions path not available here (CPU or build); portable C only\n");
    }
    t_force_portable();
    fprintf(stderr, "pass 2: portable C path\n");
    run_all();
    return t_finish("sha256");
}
