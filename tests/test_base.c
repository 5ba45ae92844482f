/* Unit tests for the base module: results, allocator, hooks, ct helpers,
 * and the private toolkit (so this test builds the implementation in: the
 * toolkit is static). */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "test.h"

static void test_result_strings(void)
{
    int r;
    CHECK_STR(fmcp_result_str(FMCP_OK), "ok");
    for (r = -100; r <= 0; r++) CHECK(fmcp_result_str((fmcp_result)r) != NULL);
    CHECK_STR(fmcp_result_str((fmcp_result)-999), "unknown error");
    CHECK(strcmp(fmcp_result_str(FMCP_ERR_NOMEM), fmcp_result_str(FMCP_ERR_PARSE)) != 0);
}

static void test_allocator_routing(void)
{
    void *p;
    long live = t_alloc_live;
    p = fmcp_malloc(&t_alloc, 10);
    CHECK(p != NULL);
    CHECK_EQ_INT(t_alloc_live, live + 1);
    p = fmcp_realloc(&t_alloc, p, 10, 100);
    CHECK(p != NULL);
    fmcp_free(&t_alloc, p, 100);
    CHECK_EQ_INT(t_alloc_live, live);
    /* default allocator and NULL allocator work too */
    p = fmcp_malloc(NULL, 0);
    CHECK(p != NULL);
    fmcp_free(NULL, p, 1);
    t_alloc_reset(0);
    CHECK(fmcp_malloc(&t_alloc, 8) == NULL);
    CHECK(t_alloc_failed);
    t_alloc_reset(-1);
}

static int counter_random(void *user, void *buf, size_t len)
{
    unsigned char *b = (unsigned char *)buf; size_t i;
    int *calls = (int *)user;
    (*calls)++;
    for (i = 0; i < len; i++) b[i] = (unsigned char)i;
    return 0;
}
static int broken_random(void *user, void *buf, size_t len)
{
    (void)user; memset(buf, 0xAA, len);
    return -1;
}
static int64_t fixed_time(void *user) { return *(int64_t *)user; }

static void test_random_and_hooks(void)
{
    unsigned char a[64], b[64], zero[64];
    fmcp_hooks h;
    int calls = 0;
    int64_t now = 1300819000;
    memset(zero, 0, sizeof zero);
#ifndef FASTMCP_NO_OS_DEFAULTS
    CHECK_OK(fmcp_random_bytes(a, sizeof a));
    CHECK_OK(fmcp_random_bytes(b, sizeof b));
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(memcmp(a, zero, sizeof a) != 0);
#else
    (void)b;
#endif
    CHECK(fmcp_random_bytes(NULL, 4) == FMCP_ERR_INVALID_ARG);

    memset(&h, 0, sizeof h);
    h.random_fn = counter_random; h.user = &calls;
    fmcp_set_hooks(&h);
    CHECK_OK(fmcp_random_bytes(a, 8));
    CHECK_EQ_INT(calls, 1);
    CHECK_EQ_INT(a[7], 7);

    /* a failing source fails closed and leaves no partial output */
    h.random_fn = broken_random;
    fmcp_set_hooks(&h);
    CHECK(fmcp_random_bytes(a, 16) == FMCP_ERR_RANDOM);
    CHECK(memcmp(a, zero, 16) == 0);

    memset(&h, 0, sizeof h);
    h.time_fn = fixed_time; h.user = &now;
    fmcp_set_hooks(&h);
    CHECK_EQ_INT(fmcp_time_now(), 1300819000);
    now += 61;
    CHECK_EQ_INT(fmcp_time_now(), 1300819061);
    fmcp_set_hooks(NULL);
    CHECK(fmcp_time_now() > 1700000000);
    {
        int64_t m1 = fmcp_monotonic_ms(), m2 = fmcp_monotonic_ms();
        CHECK(m2 >= m1);
    }
}

/* FASTMCP_NO_OS_DEFAULTS (bare metal): nothing but the hooks. Without them
 * randomness fails closed, the wall clock reads far future (every token with
 * an expiry is expired) and the monotonic clock stands at 0. */
static void test_no_os_defaults(void)
{
#ifdef FASTMCP_NO_OS_DEFAULTS
    unsigned char a[16], zero[16];
    fmcp_hooks h;
    int calls = 0;
    int64_t now = 1300819000;
    memset(zero, 0, sizeof zero);
    memset(a, 0x55, sizeof a);
    fmcp_set_hooks(NULL);
    CHECK(fmcp_random_bytes(a, sizeof a) == FMCP_ERR_RANDOM);
    CHECK(memcmp(a, zero, sizeof a) == 0);
    CHECK(fmcp_time_now() == (int64_t)1 << 62);
    CHECK(fmcp_monotonic_ms() == 0);
    memset(&h, 0, sizeof h);
    h.random_fn = counter_random; h.user = &calls;
    fmcp_set_hooks(&h);
    CHECK_OK(fmcp_random_bytes(a, 8));
    CHECK_EQ_INT(a[7], 7);
    h.random_fn = NULL; h.time_fn = fixed_time; h.user = &now;
    fmcp_set_hooks(&h);
    CHECK_EQ_INT(fmcp_time_now(), 1300819000);
    fmcp_set_hooks(NULL);
#else
    T_SKIP("built without FASTMCP_NO_OS_DEFAULTS (test_base_noos has it)");
#endif
}

static void test_ct_and_wipe(void)
{
    unsigned char x[32], y[32];
    size_t i;
    for (i = 0; i < 32; i++) x[i] = y[i] = (unsigned char)(i * 7);
    CHECK(fmcp_ct_equal(x, y, 32) == 1);
    CHECK(fmcp_ct_equal(x, y, 0) == 1);
    for (i = 0; i < 32; i++) {
        y[i] ^= 0x80;
        CHECK(fmcp_ct_equal(x, y, 32) == 0);
        y[i] ^= 0x80;
        y[i] ^= 0x01;
        CHECK(fmcp_ct_equal(x, y, 32) == 0);
        y[i] ^= 0x01;
    }
    fmcp_wipe(x, sizeof x);
    for (i = 0; i < 32; i++) CHECK(x[i] == 0);
}

/* ---- private toolkit ------------------------------------------------------ */

static void test_strndup(void)
{
    char *p;
    long live = t_alloc_live;
    t_alloc_reset(-1);
    p = fmcp__strndup(&t_alloc, "abcdef", 3);   /* only n bytes, then NUL */
    CHECK(p != NULL);
    if (p) { CHECK_STR(p, "abc"); fmcp_free_text(&t_alloc, p, 3); }
    p = fmcp__strndup(&t_alloc, NULL, 0);       /* empty copy of nothing */
    CHECK(p != NULL && p[0] == 0);
    if (p) fmcp_free_text(&t_alloc, p, 0);
    p = fmcp__strdup(&t_alloc, "hello");
    CHECK(p != NULL);
    if (p) { CHECK_STR(p, "hello"); fmcp_free_text(&t_alloc, p, 5); }
    CHECK(fmcp__strdup(&t_alloc, NULL) == NULL);
    CHECK_EQ_INT(t_alloc_live, live);
    t_alloc_reset(0);
    CHECK(fmcp__strndup(&t_alloc, "abc", 3) == NULL);
    CHECK(t_alloc_failed);
    t_alloc_reset(0);
    CHECK(fmcp__strdup(&t_alloc, "abc") == NULL);
    CHECK(t_alloc_failed);
    t_alloc_reset(-1);
    CHECK_EQ_INT(t_alloc_live, live);
}

static void test_case_and_hex(void)
{
    int c, n = 0;
    CHECK(fmcp__ieqn("Content-Type", "content-TYPE", 12));
    CHECK(!fmcp__ieqn("Content-Type", "content-typf", 12));
    CHECK(fmcp__ieqn("abc", "ABD", 2));              /* only n bytes */
    CHECK(fmcp__ieqn("x", "y", 0));
    CHECK(!fmcp__ieqn("\xC0", "\xE0", 1));          /* only ASCII letters fold */
    CHECK(!fmcp__ieqn("@", "`", 1));
    CHECK(!fmcp__ieqn("[", "{", 1));
    CHECK(fmcp__ieq("Bearer", "bEARER"));
    CHECK(!fmcp__ieq("Bearer", "Bearers"));
    CHECK(!fmcp__ieq("Bearers", "Bearer"));
    CHECK(fmcp__ieq("", ""));
    CHECK(fmcp__ieqs("DPoPx", 4, "dpop"));
    CHECK(!fmcp__ieqs("DPoPx", 5, "dpop"));
    CHECK(!fmcp__ieqs("DPo", 3, "dpop"));
    for (c = 0; c < 256; c++) {
        int want = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (fmcp__hexval(c) != want) n++;
        if (fmcp__lc(c) != (c >= 'A' && c <= 'Z' ? c + 32 : c)) n++;
    }
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(fmcp__hexval(-1), -1);          /* a signed char >= 0x80 */
}

static void test_buf_grow(void)
{
    fmcp__buf b;
    char chunk[100];
    size_t i;
    int bad = 0;
    long live = t_alloc_live;
    memset(chunk, 'x', sizeof chunk);
    t_alloc_reset(-1);
    fmcp__buf_init(&b, &t_alloc, 0);
    fmcp__buf_put(&b, "", 0);                     /* an empty put still gives "" */
    CHECK(b.p != NULL && b.len == 0 && b.p[0] == 0);
    for (i = 0; i < 50; i++) {                   /* 5000 bytes: several doublings */
        chunk[0] = (char)('a' + i % 26);
        fmcp__buf_put(&b, chunk, sizeof chunk);
    }
    fmcp__buf_puts(&b, "end");
    CHECK(b.err == FMCP_OK);
    CHECK_EQ_INT((long)b.len, 5003);
    CHECK(b.cap > b.len && b.p[b.len] == 0);
    for (i = 0; i < 50; i++) if (b.p[i * 100] != (char)('a' + i % 26) || b.p[i * 100 + 99] != 'x') bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK(memcmp(b.p + 5000, "end", 4) == 0);
    fmcp__buf_free(&b);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
    CHECK_EQ_INT(t_alloc_live, live);
}

static void test_buf_sticky(void)
{
    fmcp__buf b;
    char big[300];
    long live = t_alloc_live;
    memset(big, 'y', sizeof big);
    /* the second allocation (growing past 256) fails */
    t_alloc_reset(1);
    fmcp__buf_init(&b, &t_alloc, 0);
    fmcp__buf_puts(&b, "keep");
    CHECK(b.err == FMCP_OK);
    fmcp__buf_put(&b, big, sizeof big);
    CHECK(t_alloc_failed);
    CHECK_EQ_INT(b.err, FMCP_ERR_NOMEM);
    CHECK_STR(b.p, "keep");                        /* what was put stays, intact */
    t_alloc_reset(-1);                             /* memory is back, but the error sticks */
    fmcp__buf_puts(&b, "more");
    fmcp__buf_put(&b, big, sizeof big);
    CHECK_EQ_INT(b.err, FMCP_ERR_NOMEM);
    CHECK_EQ_INT((long)b.len, 4);
    CHECK_EQ_INT(t_alloc_count, 0);                /* and nothing more was tried */
    fmcp__buf_free(&b);
    CHECK_EQ_INT(b.err, FMCP_OK);
    CHECK_EQ_INT(t_alloc_live, live);
    /* the size cap: max counts the NUL */
    fmcp__buf_init(&b, &t_alloc, 0);
    b.max = 8;
    fmcp__buf_puts(&b, "1234567");
    CHECK(b.err == FMCP_OK && b.cap <= 8);
    fmcp__buf_puts(&b, "8");
    CHECK_EQ_INT(b.err, FMCP_ERR_TOO_LARGE);
    CHECK_STR(b.p, "1234567");
    fmcp__buf_free(&b);
    /* a length that would wrap around is too large, not a tiny allocation */
    fmcp__buf_init(&b, &t_alloc, 0);
    fmcp__buf_puts(&b, "ab");
    CHECK(!fmcp__buf_room(&b, (size_t)-2));
    CHECK_EQ_INT(b.err, FMCP_ERR_TOO_LARGE);
    fmcp__buf_free(&b);
    CHECK_EQ_INT(t_alloc_live, live);
}

/* An allocator that looks at every block it frees: how many still held a
 * byte of the secret (0x53), and how many blocks are live. Its realloc
 * moves every block and frees the old one as it is, as a real one may. */
static long w_dirty, w_live, w_frees;
static int w_has_secret(const void *p, size_t n)
{
    const unsigned char *q = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) if (q[i] == 0x53) return 1;
    return 0;
}
static void *w_malloc(void *u, size_t n) { (void)u; w_live++; return malloc(n); }
static void w_free(void *u, void *p, size_t n)
{
    (void)u;
    if (!p) return;
    w_frees++;
    if (w_has_secret(p, n)) w_dirty++;
    w_live--;
    free(p);
}
static void *w_realloc(void *u, void *p, size_t old, size_t n)
{
    void *q = malloc(n);
    (void)u;
    if (!q) return NULL;
    w_live++;
    if (p) { memcpy(q, p, old < n ? old : n); w_free(u, p, old); }
    return q;
}

static void test_buf_wipe(void)
{
    static const fmcp_allocator wa = { w_malloc, w_realloc, w_free, NULL };
    fmcp__buf b;
    char s[64];
    int i, secret;
    memset(s, 0x53, sizeof s);
    for (secret = 0; secret < 2; secret++) {
        w_dirty = w_live = w_frees = 0;
        fmcp__buf_init(&b, &wa, secret);
        for (i = 0; i < 40; i++) fmcp__buf_put(&b, s, sizeof s);   /* 2560 bytes: 4 moves */
        CHECK(b.err == FMCP_OK);
        CHECK_EQ_INT((long)b.len, 2560);
        CHECK(b.p[0] == 0x53 && b.p[2559] == 0x53);
        CHECK(w_frees >= 3);                         /* the buffer did move */
        fmcp__buf_free(&b);
        CHECK_EQ_INT(w_live, 0);
        if (secret) CHECK_EQ_INT(w_dirty, 0);        /* every freed block was wiped */
        else CHECK(w_dirty == w_frees);              /* the contrast: copies were left */
    }
}

int main(void)
{
    T_RUN(test_result_strings);
    T_RUN(test_allocator_routing);
    T_RUN(test_random_and_hooks);
    T_RUN(test_no_os_defaults);
    T_RUN(test_ct_and_wipe);
    T_RUN(test_strndup);
    T_RUN(test_case_and_hex);
    T_RUN(test_buf_grow);
    T_RUN(test_buf_sticky);
    T_RUN(test_buf_wipe);
    return t_finish("base");
}
