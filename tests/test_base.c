/* Unit tests for the base module: results, allocator, hooks, ct helpers. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
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

int main(void)
{
    T_RUN(test_result_strings);
    T_RUN(test_allocator_routing);
    T_RUN(test_random_and_hooks);
    T_RUN(test_no_os_defaults);
    T_RUN(test_ct_and_wipe);
    return t_finish("base");
}
