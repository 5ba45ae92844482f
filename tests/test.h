/* tests/test.h - the tiny test harness shared by every unit test.
 *
 * A test file defines `static void test_xxx(void)` functions and a main that
 * calls T_RUN(test_xxx) for each, then `return t_finish("name");`.
 * CHECK(...) records a failure (with file:line) and continues; a test case
 * passes when none of its checks failed. The last line a binary prints is
 *   RESULT <passed> <failed> <skipped>
 * which tests/run.sh adds up into the suite's closing line.
 *
 * Allocation-failure harness: t_alloc is an fmcp_allocator that counts live
 * blocks and fails the Nth allocation (t_fail_at). T_ALLOC_SWEEP runs a body
 * once for every N until it completes without hitting the failure, checking
 * after every run that nothing leaked and that a failure was reported as an
 * error. Use it for every public function that allocates.
 */
#ifndef FMCP_TEST_H
#define FMCP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define T_UNUSED __attribute__((unused))
#else
#define T_UNUSED
#endif

static int t_case_failed, t_passed, t_failed, t_skipped, t_case_skipped;
static const char *t_case_name = "";

#define CHECK(cond) do { if (!(cond)) { t_case_failed++; \
    fprintf(stderr, "  FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, t_case_name, #cond); } } while (0)
#define CHECKF(cond, ...) do { if (!(cond)) { t_case_failed++; \
    fprintf(stderr, "  FAIL %s:%d [%s]: %s: ", __FILE__, __LINE__, t_case_name, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long t__a = (long long)(a), t__b = (long long)(b); \
    CHECKF(t__a == t__b, "%lld != %lld", t__a, t__b); } while (0)
#define CHECK_OK(expr) do { int t__r = (int)(expr); \
    CHECKF(t__r == 0, "returned %d (%s)", t__r, fmcp_result_str((fmcp_result)t__r)); } while (0)
#define CHECK_STR(a, b) do { const char *t__a = (a), *t__b = (b); \
    CHECKF(t__a && t__b && strcmp(t__a, t__b) == 0, "\"%s\" != \"%s\"", t__a ? t__a : "(null)", t__b ? t__b : "(null)"); } while (0)
#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Mark the current test case as skipped (with a reason) and return. */
#define T_SKIP(...) do { t_case_skipped = 1; fprintf(stderr, "  SKIP [%s]: ", t_case_name); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return; } while (0)

#define T_RUN(fn) t_run_case(#fn, fn)

static T_UNUSED void t_run_case(const char *name, void (*fn)(void))
{
    t_case_failed = 0; t_case_skipped = 0; t_case_name = name;
    fn();
    if (t_case_failed) { t_failed++; fprintf(stderr, "FAILED %s\n", name); }
    else if (t_case_skipped) t_skipped++;
    else t_passed++;
}

static T_UNUSED int t_finish(const char *suite)
{
    printf("%s: %d passed, %d failed, %d skipped\n", suite, t_passed, t_failed, t_skipped);
    printf("RESULT %d %d %d\n", t_passed, t_failed, t_skipped);
    return t_failed ? 1 : 0;
}

/* ---- counting / failing allocator -------------------------------------- */

static long t_alloc_count;   /* allocations attempted since reset */
static long t_alloc_live;    /* blocks currently live */
static long t_fail_at = -1;  /* fail the allocation with this index (0-based), -1 = never */
static int t_alloc_failed;   /* a failure was injected since reset */

static T_UNUSED void t_alloc_reset(long fail_at)
{
    t_alloc_count = 0; t_alloc_failed = 0; t_fail_at = fail_at;
}

static T_UNUSED void *t_malloc(void *u, size_t n)
{
    (void)u;
    if (t_alloc_count++ == t_fail_at) { t_alloc_failed = 1; return NULL; }
    {
        void *p = malloc(n);
        if (p) t_alloc_live++;
        return p;
    }
}
static T_UNUSED void *t_realloc(void *u, void *p, size_t old, size_t n)
{
    (void)u; (void)old;
    if (t_alloc_count++ == t_fail_at) { t_alloc_failed = 1; return NULL; }
    {
        void *q = realloc(p, n);
        if (q && !p) t_alloc_live++;
        return q;
    }
}
static T_UNUSED void t_free(void *u, void *p, size_t n)
{
    (void)u; (void)n;
    if (p) { t_alloc_live--; free(p); }
}

static const fmcp_allocator t_alloc = { t_malloc, t_realloc, t_free, NULL };

/* Run BODY (a statement that sets `int t_rc` to the call's fmcp_result and
 * frees whatever it got on success) for fail_at = 0, 1, 2, ... until a run
 * completes without an injected failure. Checks: an injected failure gives a
 * nonzero t_rc, and no block is live afterwards. */
#define T_ALLOC_SWEEP(BODY) do { long t__n; \
    for (t__n = 0; t__n < 200000; t__n++) { int t_rc = 0; long t__live0 = t_alloc_live; \
        t_alloc_reset(t__n); { BODY; } \
        CHECKF(t_alloc_live == t__live0, "leak of %ld blocks at fail_at=%ld", t_alloc_live - t__live0, t__n); \
        if (t_alloc_failed) CHECKF(t_rc != 0, "fail_at=%ld: failure not reported", t__n); \
        if (!t_alloc_failed) break; \
        if (t_case_failed) break; } \
    t_alloc_reset(-1); } while (0)

/* ---- files and shared vectors ------------------------------------------ */

/* Read a whole file; returns malloc'd NUL-terminated data or NULL. */
static T_UNUSED char *t_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf; long n; size_t got;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) { fclose(f); return NULL; }
    rewind(f);
    buf = (char *)malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    if (len) *len = got;
    return buf;
}

/* Directory of the shared independent vectors: $FMCP_VECTORS, else
 * ../shared/vectors relative to the repository root (tests run from there). */
static T_UNUSED const char *t_vectors_dir(void)
{
    const char *e = getenv("FMCP_VECTORS");
    static char buf[1024];
    FILE *f;
    if (e && *e) return e;
    snprintf(buf, sizeof buf, "../shared/vectors");
    f = fopen("../shared/vectors/README.md", "rb");
    if (!f) return NULL;
    fclose(f);
    return buf;
}

/* Decode hex into out (capacity cap); returns bytes written or -1. */
static T_UNUSED long t_hex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex), i;
    if (n % 2 || n / 2 > cap) return -1;
    for (i = 0; i < n / 2; i++) {
        unsigned v = 0; int k;
        for (k = 0; k < 2; k++) {
            char c = hex[2 * i + (size_t)k];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
            else return -1;
        }
        out[i] = (unsigned char)v;
    }
    return (long)(n / 2);
}


/* ---- movable clock ------------------------------------------------------ */
#include <time.h>
/* Wall clock (fmcp_time_now) moved by t_wall_offset seconds once
 * t_use_wall_clock() installed it: token expiry, iat windows, nonces. */
static T_UNUSED int64_t t_wall_offset;
static T_UNUSED int64_t t_wall_time(void *u) { (void)u; return (int64_t)time(NULL) + t_wall_offset; }
static T_UNUSED void t_use_wall_clock(void)
{
    fmcp_hooks h;
    memset(&h, 0, sizeof h);
    h.time_fn = t_wall_time;
    fmcp_set_hooks(&h);
}

/* Collects the answer of an fmcp_http_fetch_async (the loop is stepped by the test). */
typedef struct t_resp {
    int done;
    fmcp_result rc;
    fmcp_http_response *res;
} t_resp;
static T_UNUSED void t_fetched(void *u, fmcp_result rc, fmcp_http_response *res)
{
    t_resp *r = (t_resp *)u;
    r->done = 1; r->rc = rc; r->res = res;
}

/* For expiry and timeout tests: after t_use_clock(), fmcp_monotonic_ms reads
 * the real monotonic clock plus t_clock_offset (ms), which the test moves
 * forward instead of sleeping; fmcp_set_hooks(NULL) gives the real clocks
 * back. t_real_ms() is the unmoved clock (for the test's own deadlines).
 * Where <time.h> has no CLOCK_MONOTONIC (strict C99 without POSIX) it is absent.
 * A threaded test defines T_THREADS before including this file: the offset is
 * then read and moved (t_clock_advance) under a mutex, since the library's
 * threads read the clock while the test moves it. */
#include <time.h>
#ifdef CLOCK_MONOTONIC
#ifdef T_THREADS
#include <pthread.h>
static T_UNUSED pthread_mutex_t t_clock_m = PTHREAD_MUTEX_INITIALIZER;
#define T_CLOCK_LOCK() pthread_mutex_lock(&t_clock_m)
#define T_CLOCK_UNLOCK() pthread_mutex_unlock(&t_clock_m)
#else
#define T_CLOCK_LOCK() ((void)0)
#define T_CLOCK_UNLOCK() ((void)0)
#endif
static T_UNUSED int64_t t_clock_offset;
static T_UNUSED int64_t t_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static T_UNUSED int64_t t_clock_mono(void *u)
{
    int64_t off;
    (void)u;
    T_CLOCK_LOCK();
    off = t_clock_offset;
    T_CLOCK_UNLOCK();
    return t_real_ms() + off;
}
static T_UNUSED void t_clock_advance(int64_t ms)
{
    T_CLOCK_LOCK();
    t_clock_offset += ms;
    T_CLOCK_UNLOCK();
}
static T_UNUSED void t_use_clock(void)
{
    fmcp_hooks h;
    memset(&h, 0, sizeof h);
    h.monotonic_ms_fn = t_clock_mono;
    T_CLOCK_LOCK();
    t_clock_offset = 0;
    T_CLOCK_UNLOCK();
    fmcp_set_hooks(&h);
}
/* Both movable clocks at once (wall: t_wall_offset), the offsets kept as they are. */
static T_UNUSED void t_use_clocks(void)
{
    fmcp_hooks h;
    memset(&h, 0, sizeof h);
    h.time_fn = t_wall_time;
    h.monotonic_ms_fn = t_clock_mono;
    fmcp_set_hooks(&h);
}

#ifdef T_THREADS
/* ---- threads: locked reads, bounded waits and the gate ------------------ */

/* *v, read under m (a counter a recorder or handler moves on another thread). */
static T_UNUSED int t_get_locked(pthread_mutex_t *m, const int *v)
{
    int x;
    pthread_mutex_lock(m);
    x = *v;
    pthread_mutex_unlock(m);
    return x;
}

/* Adds by to *count under m and wakes whoever waits on cv (t_wait_count). */
static T_UNUSED void t_bump(pthread_mutex_t *m, pthread_cond_t *cv, int *count, int by)
{
    pthread_mutex_lock(m);
    *count += by;
    pthread_cond_broadcast(cv);
    pthread_mutex_unlock(m);
}

/* Waits until *count >= n, where *count is guarded by m and whoever changes
 * it broadcasts cv. It looks again every 20 ms besides. ms (> 0) bounds the
 * wait only against a hang, never as a race fix; 0 waits as long as it takes.
 * 1 when the count was reached. */
static T_UNUSED int t_wait_count(pthread_mutex_t *m, pthread_cond_t *cv, const int *count, int n, int ms)
{
    int64_t end = t_real_ms() + ms;
    int ok;
    pthread_mutex_lock(m);
    while (*count < n && (ms <= 0 || t_real_ms() < end)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(cv, m, &ts);
    }
    ok = *count >= n;
    pthread_mutex_unlock(m);
    return ok;
}

/* A gate the test opens, so tool handlers block without sleeping: a handler
 * calls t_gate_pass, which counts it in (entered) and holds it until
 * t_gate_open (or, with T_GATE_OR_CANCEL, until its call is cancelled), then
 * counts it out (finished). The test waits on the counts with
 * t_gate_wait_entered / t_gate_wait_finished and reads fields with
 * t_gate_get. All fields are guarded by m; every change is broadcast on cv. */
typedef struct t_gate {
    pthread_mutex_t m;
    pthread_cond_t cv;
    int open;         /* the test let the handlers through */
    int entered;      /* handlers that reached the gate */
    int finished;     /* handlers that left it */
    int saw_cancel;   /* the last one to leave found its call cancelled */
    int by_cancel;    /* the last one left on its call's cancel, the gate still closed */
} t_gate;
#define T_GATE_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0 }
enum { T_GATE_WAIT = 0, T_GATE_OR_CANCEL = 1 };

/* Closed, nothing counted. */
static T_UNUSED void t_gate_reset(t_gate *g)
{
    pthread_mutex_lock(&g->m);
    g->open = g->entered = g->finished = g->saw_cancel = g->by_cancel = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->m);
}

static T_UNUSED void t_gate_open(t_gate *g)
{
    pthread_mutex_lock(&g->m);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->m);
}

/* The handler's side. With T_GATE_OR_CANCEL a cancel of the call lets it
 * through too: there is no cancellation callback, so it looks every
 * millisecond, and gives up after about 10 s so that a failure cannot hang. */
static T_UNUSED void t_gate_pass(t_gate *g, fmcp_ctx *c, int mode)
{
    int64_t end = t_real_ms() + 10000;
    pthread_mutex_lock(&g->m);
    g->entered++;
    pthread_cond_broadcast(&g->cv);
    while (!g->open) {
        if (mode == T_GATE_OR_CANCEL) {
            struct timespec ts;
            if (fmcp_ctx_is_cancelled(c) || t_real_ms() >= end) break;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 1000000L;
            if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
            pthread_cond_timedwait(&g->cv, &g->m, &ts);
        } else pthread_cond_wait(&g->cv, &g->m);
    }
    g->saw_cancel = fmcp_ctx_is_cancelled(c);
    g->by_cancel = !g->open && g->saw_cancel;
    g->finished++;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->m);
}

/* Wait for n handlers at the gate / out of it (ms as for t_wait_count). */
static T_UNUSED int t_gate_wait_entered(t_gate *g, int n, int ms) { return t_wait_count(&g->m, &g->cv, &g->entered, n, ms); }
static T_UNUSED int t_gate_wait_finished(t_gate *g, int n, int ms) { return t_wait_count(&g->m, &g->cv, &g->finished, n, ms); }

/* One of g's fields (&g->field), read under its lock. */
static T_UNUSED int t_gate_get(t_gate *g, const int *field) { return t_get_locked(&g->m, field); }
#endif /* T_THREADS */
#endif

#endif
