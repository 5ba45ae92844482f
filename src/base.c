/* base: implementation */
#include "base.h"

#include <string.h>
#include <stdlib.h>
#include <time.h>
/* Windows (mingw-w64; MSVC untested): Winsock 2 must come before windows.h,
 * which must not pull in the old winsock.h. Link -lws2_32 -lbcrypt -lshell32. */
#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  ifndef FASTMCP_NO_SOCKETS
#    include <winsock2.h>
#    include <ws2tcpip.h>
#  endif
#  include <windows.h>
#  if !defined(FASTMCP_NO_OS_DEFAULTS)
#    include <bcrypt.h>
#  endif
#endif
/* FASTMCP_NO_OS_DEFAULTS: randomness and clocks come only from fmcp_set_hooks
 * (bare metal: no time(), clock() or /dev/urandom is referenced). */
#if (defined(__unix__) || defined(__APPLE__)) && !defined(FASTMCP_NO_OS_DEFAULTS)
#  define FMCP__OS_RANDOM 1
#  include <unistd.h>
#  include <fcntl.h>
#  include <errno.h>
#  include <sys/time.h>
#endif
#if defined(__linux__) && !defined(FASTMCP_NO_OS_DEFAULTS)
#  include <sys/syscall.h>
#endif

/* Marks a value computed from a secret as safe to branch on (a key's
 * validity; a rejected nonce candidate, probability < 2^-32). A no-op
 * unless a constant-time checker defines it (tests/ct_ec.c, tests/ct_sig.c); used by bn, rsa and ec. */
#ifndef FMCP_CT_DECLASSIFY
#define FMCP_CT_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

/* FASTMCP_SMALL, or building with -Os: code size before speed where the two
 * part (the modules after this one test FMCP__SMALL). */
#if defined(FASTMCP_SMALL) || defined(__OPTIMIZE_SIZE__)
#  define FMCP__SMALL 1
#endif

#if defined(FASTMCP_MALLOC) || defined(FASTMCP_REALLOC) || defined(FASTMCP_FREE)
#  if !defined(FASTMCP_MALLOC) || !defined(FASTMCP_REALLOC) || !defined(FASTMCP_FREE)
#    error "fastmcp.h: define all of FASTMCP_MALLOC, FASTMCP_REALLOC and FASTMCP_FREE, or none"
#  endif
#else
#  define FASTMCP_MALLOC(sz) malloc(sz)
#  define FASTMCP_REALLOC(p, sz) realloc((p), (sz))
#  define FASTMCP_FREE(p) free(p)
#endif

FASTMCP_API const char *fmcp_result_str(fmcp_result r)
{
    switch (r) {
    case FMCP_OK: return "ok";
    case FMCP_ERR_NOMEM: return "out of memory";
    case FMCP_ERR_INVALID_ARG: return "invalid argument";
    case FMCP_ERR_PARSE: return "parse error";
    case FMCP_ERR_TOO_LARGE: return "input too large";
    case FMCP_ERR_DEPTH: return "nesting too deep";
    case FMCP_ERR_RANDOM: return "no secure randomness available";
    case FMCP_ERR_IO: return "I/O error";
    case FMCP_ERR_NOT_FOUND: return "not found";
    case FMCP_ERR_TYPE: return "wrong type";
    case FMCP_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case FMCP_ERR_UNSUPPORTED: return "unsupported or not compiled in";
    case FMCP_ERR_TIMEOUT: return "timed out";
    case FMCP_ERR_CLOSED: return "closed";
    case FMCP_ERR_STATE: return "invalid state";
    case FMCP_ERR_ENCODING: return "invalid encoding";
    case FMCP_ERR_OVERFLOW: return "overflow";
    case FMCP_ERR_DUPLICATE: return "duplicate";
    case FMCP_ERR_BAD_KEY: return "bad key";
    case FMCP_ERR_BAD_SIGNATURE: return "bad signature";
    case FMCP_ERR_CRYPTO: return "crypto self-check failed";
    case FMCP_ERR_AUTH: return "authentication failed";
    case FMCP_ERR_FORBIDDEN: return "forbidden";
    case FMCP_ERR_PROTOCOL: return "protocol error";
    case FMCP_ERR_CANCELLED: return "cancelled";
    case FMCP_ERR_RPC: return "JSON-RPC error";
    case FMCP_ERR_HTTP: return "HTTP error";
    case FMCP_ERR_INPUT_REQUIRED: return "input required from the client";
    }
    return "unknown error";
}

/* ---- allocator ---------------------------------------------------------- */

FASTMCP_API void *fmcp_malloc(const fmcp_allocator *a, size_t size)
{
    if (size == 0) size = 1;
    if (a && a->malloc_fn) return a->malloc_fn(a->user, size);
    return FASTMCP_MALLOC(size);
}

FASTMCP_API void *fmcp_realloc(const fmcp_allocator *a, void *ptr, size_t old_size, size_t new_size)
{
    if (new_size == 0) new_size = 1;
    if (a && a->realloc_fn) return a->realloc_fn(a->user, ptr, old_size, new_size);
    if (a && a->malloc_fn) {
        /* malloc-only allocator: emulate realloc with copy */
        void *n = a->malloc_fn(a->user, new_size);
        if (!n) return NULL;
        if (ptr) {
            memcpy(n, ptr, old_size < new_size ? old_size : new_size);
            fmcp_free(a, ptr, old_size);
        }
        return n;
    }
    (void)old_size;
    return FASTMCP_REALLOC(ptr, new_size);
}

FASTMCP_API void fmcp_free(const fmcp_allocator *a, void *ptr, size_t size)
{
    if (!ptr) return;
    if (a && a->free_fn) { a->free_fn(a->user, ptr, size); return; }
    (void)size;
    FASTMCP_FREE(ptr);
}

FASTMCP_API void fmcp_free_text(const fmcp_allocator *a, char *text, size_t len)
{
    if (text) fmcp_free(a, text, len + 1);
}

/* ---- hooks --------------------------------------------------------------- */

static fmcp_hooks fmcp__hooks;

FASTMCP_API void fmcp_set_hooks(const fmcp_hooks *hooks)
{
    if (hooks) fmcp__hooks = *hooks;
    else memset(&fmcp__hooks, 0, sizeof fmcp__hooks);
}

#ifdef FMCP__OS_RANDOM
static int fmcp__urandom(void *buf, size_t len)
{
    unsigned char *p = (unsigned char *)buf;
    int fd;
    do { fd = open("/dev/urandom", O_RDONLY); } while (fd < 0 && errno == EINTR);
    if (fd < 0) return -1;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { close(fd); return -1; }
        p += n; len -= (size_t)n;
    }
    close(fd);
    return 0;
}
#endif

static int fmcp__os_random(void *buf, size_t len)
{
#if defined(_WIN32) && !defined(FASTMCP_NO_OS_DEFAULTS)
    unsigned char *p = (unsigned char *)buf;
    while (len > 0) {   /* BCryptGenRandom takes a ULONG length */
        ULONG chunk = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return -1;
        p += chunk; len -= chunk;
    }
    return 0;
#elif !defined(FMCP__OS_RANDOM)
#elif defined(__linux__) && defined(SYS_getrandom)
    {
        unsigned char *p = (unsigned char *)buf;
        size_t left = len;
        while (left > 0) {
            long n = syscall(SYS_getrandom, p, left, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            p += n; left -= (size_t)n;
        }
        if (left == 0) return 0;
    }
#elif defined(__APPLE__) || defined(__OpenBSD__) || defined(__FreeBSD__)
    {
        unsigned char *p = (unsigned char *)buf;
        size_t left = len;
        while (left > 0) {
            size_t chunk = left > 256 ? 256 : left;
            if (getentropy(p, chunk) != 0) break;
            p += chunk; left -= chunk;
        }
        if (left == 0) return 0;
    }
#endif
#if defined(_WIN32) && !defined(FASTMCP_NO_OS_DEFAULTS)
#elif defined(FMCP__OS_RANDOM)
    return fmcp__urandom(buf, len);
#else
    (void)buf; (void)len;
    return -1; /* no known source: fail closed */
#endif
}

FASTMCP_API fmcp_result fmcp_random_bytes(void *buf, size_t len)
{
    int rc;
    if (!buf && len) return FMCP_ERR_INVALID_ARG;
    if (len == 0) return FMCP_OK;
    rc = fmcp__hooks.random_fn ? fmcp__hooks.random_fn(fmcp__hooks.user, buf, len)
                               : fmcp__os_random(buf, len);
    if (rc != 0) { fmcp_wipe(buf, len); return FMCP_ERR_RANDOM; }
    return FMCP_OK;
}

FASTMCP_API int64_t fmcp_time_now(void)
{
    if (fmcp__hooks.time_fn) return fmcp__hooks.time_fn(fmcp__hooks.user);
#ifdef FASTMCP_NO_OS_DEFAULTS
    return (int64_t)1 << 62;   /* no clock: far in the future, so expiring tokens fail closed */
#elif defined(_WIN32)
    {   /* 100 ns ticks since 1601-01-01 */
        FILETIME ft;
        ULARGE_INTEGER u;
        GetSystemTimeAsFileTime(&ft);
        u.LowPart = ft.dwLowDateTime;
        u.HighPart = ft.dwHighDateTime;
        return (int64_t)(u.QuadPart / 10000000u) - (int64_t)11644473600;
    }
#else
    return (int64_t)time(NULL);
#endif
}

FASTMCP_API int64_t fmcp_monotonic_ms(void)
{
    if (fmcp__hooks.monotonic_ms_fn) return fmcp__hooks.monotonic_ms_fn(fmcp__hooks.user);
#ifdef FASTMCP_NO_OS_DEFAULTS
    return 0;   /* no clock: time stands still (timeouts never fire) */
#elif defined(_WIN32)
    {
        LARGE_INTEGER c, f;
        if (QueryPerformanceFrequency(&f) && f.QuadPart > 0 && QueryPerformanceCounter(&c))
            return (int64_t)(c.QuadPart / f.QuadPart) * 1000 + (int64_t)(c.QuadPart % f.QuadPart) * 1000 / f.QuadPart;
        return (int64_t)GetTickCount64();
    }
#else
#  if defined(CLOCK_MONOTONIC)
    {
        struct timespec ts;
        if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
            return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
#  endif
    return (int64_t)clock() * 1000 / CLOCKS_PER_SEC;
#endif
}

/* ---- constant time and wiping -------------------------------------------- */

FASTMCP_API int fmcp_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = (const volatile unsigned char *)a;
    const volatile unsigned char *y = (const volatile unsigned char *)b;
    unsigned int d = 0;
    size_t i;
    for (i = 0; i < n; i++) d |= (unsigned int)(x[i] ^ y[i]);
    /* map 0 -> 1, nonzero -> 0 without a branch on d */
    return (int)(1u & ((d - 1u) >> 8));
}

/* memset through a volatile pointer: the compiler cannot prove the call is
 * a plain memset of dead memory, so it stays, and runs at memset speed (a
 * byte-wise volatile loop cost ~12k instructions per request for a token). */
static void *(*const volatile fmcp__wipe_memset)(void *, int, size_t) = memset;

FASTMCP_API void fmcp_wipe(void *p, size_t n)
{
    if (p && n) (void)fmcp__wipe_memset(p, 0, n);
}

/* ---- private toolkit ------------------------------------------------------
 * Small mechanisms every module needs, written once: text copies through the
 * allocator, ASCII case folding, hex digits, and a growable buffer. Static and
 * marked unused, so a build links only what it calls. */
#if defined(__GNUC__) || defined(__clang__)
#  define FMCP__TK static __attribute__((unused))
#else
#  define FMCP__TK static
#endif

/* A NUL-terminated copy of n bytes of s, allocated as n + 1 through a (so
 * fmcp_free_text(a, p, n) frees it); NULL on no memory. */
FMCP__TK char *fmcp__strndup(const fmcp_allocator *a, const char *s, size_t n)
{
    char *p = (char *)fmcp_malloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* The same for a C string; NULL stays NULL (so NULL is also "no memory" for
 * callers that pass only non-NULL s). */
FMCP__TK char *fmcp__strdup(const fmcp_allocator *a, const char *s)
{
    return s ? fmcp__strndup(a, s, strlen(s)) : NULL;
}

/* ASCII lower case; every other byte value is returned unchanged. */
FMCP__TK int fmcp__lc(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* 1 when the n bytes at a and b are equal ignoring ASCII case. */
FMCP__TK int fmcp__ieqn(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (fmcp__lc((unsigned char)a[i]) != fmcp__lc((unsigned char)b[i])) return 0;
    return 1;
}

/* 1 when the C strings a and b are equal ignoring ASCII case. */
FMCP__TK int fmcp__ieq(const char *a, const char *b)
{
    while (*a && fmcp__lc((unsigned char)*a) == fmcp__lc((unsigned char)*b)) { a++; b++; }
    return *a == 0 && *b == 0;
}

/* 1 when the n bytes at a equal the C string b ignoring ASCII case. */
FMCP__TK int fmcp__ieqs(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && fmcp__ieqn(a, b, n);
}

/* Value of a hex digit (either case), or -1. */
FMCP__TK int fmcp__hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = fmcp__lc(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Frees a NUL-terminated copy (fmcp__strdup's); secret: wiped first. */
FMCP__TK void fmcp__strfree(const fmcp_allocator *a, char *s, int secret)
{
    size_t n;
    if (!s) return;
    n = strlen(s) + 1;
    if (secret) fmcp_wipe(s, n);
    fmcp_free(a, s, n);
}

/* n bytes as 2n lowercase hex digits and a NUL (ids, keys, principals). */
FMCP__TK void fmcp__hex(char *out, const void *in, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = (const unsigned char *)in;
    size_t i;
    for (i = 0; i < n; i++) { out[2 * i] = hex[b[i] >> 4]; out[2 * i + 1] = hex[b[i] & 15]; }
    out[2 * n] = 0;
}

/* Growable byte buffer, started by fmcp__buf_init (max may be set after). The
 * first failure sticks in err and later puts do nothing, so a caller checks
 * once at the end. p stays NUL-terminated after any put. secret: a block is
 * wiped before it is freed (when growing moves it, and in fmcp__buf_free),
 * so no copy of a token or key is left in freed memory. */
typedef struct fmcp__buf {
    const fmcp_allocator *a;
    char *p;
    size_t len, cap;
    size_t max;            /* 0: no limit; else cap (len + 1) stays <= max */
    fmcp_result err;       /* FMCP_ERR_NOMEM or FMCP_ERR_TOO_LARGE, sticky */
    int secret;
} fmcp__buf;

FMCP__TK void fmcp__buf_init(fmcp__buf *b, const fmcp_allocator *a, int secret)
{
    memset(b, 0, sizeof *b);
    b->a = a;
    b->secret = secret;
}

/* Frees the block, wiped first when secret (the buffer's fields stay). */
FMCP__TK void fmcp__buf_release(fmcp__buf *b)
{
    if (b->secret) fmcp_wipe(b->p, b->cap);
    fmcp_free(b->a, b->p, b->cap);
}

/* Room for n more bytes and the NUL; 0 (with err set) when there is none.
 * len < cap whenever cap is not 0 (the NUL), so cap - len cannot wrap. */
FMCP__TK int fmcp__buf_room(fmcp__buf *b, size_t n)
{
    size_t need, nc;
    char *np;
    if (b->err) return 0;
    if (n < b->cap - b->len) return 1;
    need = b->len + n + 1;
    if (need <= n || (b->max && need > b->max)) { b->err = FMCP_ERR_TOO_LARGE; return 0; }
    for (nc = b->cap ? b->cap : 256; nc < need; nc = nc * 2 > nc ? nc * 2 : need) { }
    if (b->max && nc > b->max) nc = b->max;
    /* no realloc, which could free the old block unwiped: one path for
     * every buffer is also the smallest code */
    if (!(np = (char *)fmcp_malloc(b->a, nc))) { b->err = FMCP_ERR_NOMEM; return 0; }
    if (b->len) memcpy(np, b->p, b->len);
    fmcp__buf_release(b);
    b->p = np;
    b->cap = nc;
    return 1;
}

FMCP__TK void fmcp__buf_put(fmcp__buf *b, const void *d, size_t n)
{
    if (!fmcp__buf_room(b, n)) return;
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = 0;
}

FMCP__TK void fmcp__buf_puts(fmcp__buf *b, const char *s) { fmcp__buf_put(b, s, strlen(s)); }

/* s percent-encoded: every byte but the RFC 3986 unreserved characters (form
 * bodies, query strings, Basic credentials). */
FMCP__TK void fmcp__buf_put_pct(fmcp__buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[3];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            fmcp__buf_put(b, s + i, 1);
        } else {
            e[0] = '%'; e[1] = hex[c >> 4]; e[2] = hex[c & 15];
            fmcp__buf_put(b, e, 3);
        }
    }
}

/* Frees the block (wiped when secret) and empties the buffer for reuse. */
FMCP__TK void fmcp__buf_free(fmcp__buf *b)
{
    fmcp__buf_release(b);
    b->p = NULL;
    b->len = b->cap = 0;
    b->err = FMCP_OK;
}

/* ---- private platform layer: threads ------------------------------------
 * The modules below use these wrappers, never pthreads or Win32 directly:
 * POSIX threads where there are, Win32 critical sections (recursive, so one
 * type serves both kinds of mutex), condition variables and threads on
 * Windows. fmcp__thread_start returns 0 on success as pthread_create does;
 * every thread started is joined. Unused ones are fine in any configuration. */
#if defined(__GNUC__) || defined(__clang__)
#  define FMCP__PLAT static __attribute__((unused))
#else
#  define FMCP__PLAT static
#endif
#ifndef FASTMCP_NO_THREADS
#  ifdef _WIN32
typedef CRITICAL_SECTION fmcp__mutex;
typedef CONDITION_VARIABLE fmcp__cond;
typedef struct fmcp__thread {
    HANDLE h;
    void *(*fn)(void *);
    void *arg;
} fmcp__thread;
typedef DWORD fmcp__thread_id;

FMCP__PLAT int fmcp__mutex_init(fmcp__mutex *m) { InitializeCriticalSection(m); return 0; }
FMCP__PLAT int fmcp__mutex_init_recursive(fmcp__mutex *m) { InitializeCriticalSection(m); return 0; }
FMCP__PLAT void fmcp__mutex_destroy(fmcp__mutex *m) { DeleteCriticalSection(m); }
FMCP__PLAT void fmcp__mutex_lock(fmcp__mutex *m) { EnterCriticalSection(m); }
FMCP__PLAT void fmcp__mutex_unlock(fmcp__mutex *m) { LeaveCriticalSection(m); }
FMCP__PLAT int fmcp__cond_init(fmcp__cond *c) { InitializeConditionVariable(c); return 0; }
/* Relative timeouts: Windows condition variables already run on a monotonic clock. */
FMCP__PLAT int fmcp__cond_init_mono(fmcp__cond *c) { InitializeConditionVariable(c); return 1; }
FMCP__PLAT void fmcp__cond_destroy(fmcp__cond *c) { (void)c; }
FMCP__PLAT void fmcp__cond_wait(fmcp__cond *c, fmcp__mutex *m) { (void)SleepConditionVariableCS(c, m, INFINITE); }
FMCP__PLAT void fmcp__cond_wait_ms(fmcp__cond *c, fmcp__mutex *m, int64_t ms, int mono)
{
    (void)mono;
    (void)SleepConditionVariableCS(c, m, ms <= 0 ? 0 : ms >= 0x7fffffff ? 0x7fffffff : (DWORD)ms);
}
FMCP__PLAT void fmcp__cond_signal(fmcp__cond *c) { WakeConditionVariable(c); }
FMCP__PLAT void fmcp__cond_broadcast(fmcp__cond *c) { WakeAllConditionVariable(c); }
/* The thread reads fn and arg from its own fmcp__thread, which the starter
 * keeps until the join: no allocation, and no cast between function types. */
static DWORD WINAPI fmcp__thread_tramp(LPVOID p)
{
    fmcp__thread *t = (fmcp__thread *)p;
    (void)t->fn(t->arg);
    return 0;
}
FMCP__PLAT int fmcp__thread_start(fmcp__thread *t, void *(*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->h = CreateThread(NULL, 0, fmcp__thread_tramp, t, 0, NULL);
    return t->h ? 0 : -1;
}
FMCP__PLAT void fmcp__thread_join(fmcp__thread *t)
{
    (void)WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
}
FMCP__PLAT fmcp__thread_id fmcp__thread_self(void) { return GetCurrentThreadId(); }
FMCP__PLAT int fmcp__thread_same(fmcp__thread_id a, fmcp__thread_id b) { return a == b; }
#  else
#    include <pthread.h>
#    include <sys/time.h>
typedef pthread_mutex_t fmcp__mutex;
typedef pthread_cond_t fmcp__cond;
typedef pthread_t fmcp__thread;
typedef pthread_t fmcp__thread_id;

FMCP__PLAT int fmcp__mutex_init(fmcp__mutex *m) { return pthread_mutex_init(m, NULL); }
FMCP__PLAT int fmcp__mutex_init_recursive(fmcp__mutex *m)
{
    pthread_mutexattr_t at;
    int e;
    if (pthread_mutexattr_init(&at) != 0) return -1;
    e = pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE) || pthread_mutex_init(m, &at);
    pthread_mutexattr_destroy(&at);
    return e;
}
FMCP__PLAT void fmcp__mutex_destroy(fmcp__mutex *m) { pthread_mutex_destroy(m); }
FMCP__PLAT void fmcp__mutex_lock(fmcp__mutex *m) { pthread_mutex_lock(m); }
FMCP__PLAT void fmcp__mutex_unlock(fmcp__mutex *m) { pthread_mutex_unlock(m); }
FMCP__PLAT int fmcp__cond_init(fmcp__cond *c) { return pthread_cond_init(c, NULL); }
/* Timed naps (the pool's sentinel, the stream transport's watcher) run on the
 * monotonic clock where the platform allows it: a step of the wall clock must
 * not stretch or cut a 1 ms nap. Returns 1 when cv got that clock;
 * fmcp__cond_wait_ms must be told, its deadline is on the same clock. */
FMCP__PLAT int fmcp__cond_init_mono(fmcp__cond *cv)
{
#if defined(CLOCK_MONOTONIC) && !defined(__APPLE__)
    pthread_condattr_t at;
    if (pthread_condattr_init(&at) == 0) {
        int ok = pthread_condattr_setclock(&at, CLOCK_MONOTONIC) == 0 && pthread_cond_init(cv, &at) == 0;
        pthread_condattr_destroy(&at);
        if (ok) return 1;
    }
#endif
    pthread_cond_init(cv, NULL);
    return 0;
}
FMCP__PLAT void fmcp__cond_destroy(fmcp__cond *c) { pthread_cond_destroy(c); }
FMCP__PLAT void fmcp__cond_wait(fmcp__cond *c, fmcp__mutex *m) { pthread_cond_wait(c, m); }
/* Wait on cv (m held) at most ms (deadlines proper are kept by the monotonic
 * hook; this only bounds each sleep). mono: as fmcp__cond_init_mono said. */
FMCP__PLAT void fmcp__cond_wait_ms(fmcp__cond *cv, fmcp__mutex *m, int64_t ms, int mono)
{
    struct timespec ts;
#if defined(CLOCK_MONOTONIC) && !defined(__APPLE__)
    clock_gettime(mono ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
#else
    struct timeval tv;
    (void)mono;
    gettimeofday(&tv, NULL);
    ts.tv_sec = tv.tv_sec;
    ts.tv_nsec = (long)tv.tv_usec * 1000L;
#endif
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(cv, m, &ts);
}
FMCP__PLAT void fmcp__cond_signal(fmcp__cond *c) { pthread_cond_signal(c); }
FMCP__PLAT void fmcp__cond_broadcast(fmcp__cond *c) { pthread_cond_broadcast(c); }
FMCP__PLAT int fmcp__thread_start(fmcp__thread *t, void *(*fn)(void *), void *arg)
{
    return pthread_create(t, NULL, fn, arg);
}
FMCP__PLAT void fmcp__thread_join(fmcp__thread *t) { pthread_join(*t, NULL); }
FMCP__PLAT fmcp__thread_id fmcp__thread_self(void) { return pthread_self(); }
FMCP__PLAT int fmcp__thread_same(fmcp__thread_id a, fmcp__thread_id b) { return pthread_equal(a, b); }
#  endif
#else
/* Without threads a mutex is a placeholder and the calls do nothing, so a
 * module locks where it must without wrappers of its own. */
typedef struct fmcp__mutex { char unused; } fmcp__mutex;
FMCP__PLAT int fmcp__mutex_init(fmcp__mutex *m) { (void)m; return 0; }
FMCP__PLAT int fmcp__mutex_init_recursive(fmcp__mutex *m) { (void)m; return 0; }
FMCP__PLAT void fmcp__mutex_destroy(fmcp__mutex *m) { (void)m; }
FMCP__PLAT void fmcp__mutex_lock(fmcp__mutex *m) { (void)m; }
FMCP__PLAT void fmcp__mutex_unlock(fmcp__mutex *m) { (void)m; }
#endif /* FASTMCP_NO_THREADS */

/* ---- private platform layer: sockets -------------------------------------
 * http and mcp_client keep sockets in an int, as POSIX has them. On Windows
 * a SOCKET is a kernel handle, and handles fit in 32 bits (that is how 32-
 * and 64-bit processes share them), so the cast is safe; INVALID_SOCKET
 * becomes -1. Errors are asked about (again, interrupted, in progress)
 * rather than read from errno, which Winsock does not set. */
#ifndef FASTMCP_NO_SOCKETS
#  if defined(__GNUC__) || defined(__clang__)
#    define FMCP__NET static __attribute__((unused))
#  else
#    define FMCP__NET static
#  endif
#  ifdef _WIN32
#    ifndef SHUT_WR
#      define SHUT_WR SD_SEND
#    endif
/* the int as the SOCKET that Winsock calls take (and pollfd.fd holds) */
#    define FMCP__SOCK(fd) ((SOCKET)(fd))
typedef int fmcp__socklen;
/* Winsock needs WSAStartup before the first call; done once, never undone
 * (WSACleanup at exit is optional and would race other users' sockets). */
FMCP__NET int fmcp__net_init(void)
{
    static volatile LONG state;   /* 0 not yet, 1 starting, 2 done, 3 failed */
    if (InterlockedCompareExchange(&state, 1, 0) == 0) {
        WSADATA wd;
        InterlockedExchange(&state, WSAStartup(MAKEWORD(2, 2), &wd) == 0 ? 2 : 3);
    }
    while (state == 1) Sleep(0);
    return state == 2 ? 0 : -1;
}
FMCP__NET int fmcp__sock_open(int family, int type, int proto)
{
    SOCKET s;
    if (fmcp__net_init() != 0) return -1;
    s = WSASocketW(family, type, proto, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    return s == INVALID_SOCKET ? -1 : (int)s;
}
FMCP__NET int fmcp__sock_accept(int fd, struct sockaddr *sa, fmcp__socklen *len)
{
    SOCKET s = accept((SOCKET)fd, sa, len);
    if (s == INVALID_SOCKET) return -1;
    (void)SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    return (int)s;
}
FMCP__NET void fmcp__sock_close(int fd) { (void)closesocket((SOCKET)fd); }
FMCP__NET void fmcp__sock_nonblock(int fd)
{
    u_long one = 1;
    (void)ioctlsocket((SOCKET)fd, (long)FIONBIO, &one);   /* an unsigned constant, a long parameter */
}
FMCP__NET long fmcp__sock_recv(int fd, void *buf, size_t n)
{
    return recv((SOCKET)fd, (char *)buf, n > 0x7fffffff ? 0x7fffffff : (int)n, 0);
}
FMCP__NET long fmcp__sock_send(int fd, const void *buf, size_t n)
{
    return send((SOCKET)fd, (const char *)buf, n > 0x7fffffff ? 0x7fffffff : (int)n, 0);
}
FMCP__NET int fmcp__sock_again(void) { return WSAGetLastError() == WSAEWOULDBLOCK; }
FMCP__NET int fmcp__sock_intr(void) { return WSAGetLastError() == WSAEINTR; }
FMCP__NET int fmcp__sock_inprogress(void)
{
    int e = WSAGetLastError();
    return e == WSAEWOULDBLOCK || e == WSAEINPROGRESS;
}
FMCP__NET int fmcp__sock_poll(struct pollfd *p, size_t n, int ms) { return WSAPoll(p, (ULONG)n, ms); }
/* the http loop's wake-up channel: a socket here, a pipe or eventfd elsewhere */
#    define fmcp__sock_wake_send fmcp__sock_send
#    define fmcp__sock_wake_recv fmcp__sock_recv
#    define fmcp__sock_wake_close fmcp__sock_close
#  else
#    include <errno.h>
#    include <fcntl.h>
#    include <unistd.h>
#    include <sys/types.h>
#    include <sys/socket.h>
#    include <poll.h>
#    ifndef MSG_NOSIGNAL
#      define MSG_NOSIGNAL 0
#    endif
#    define FMCP__SOCK(fd) (fd)
typedef socklen_t fmcp__socklen;
FMCP__NET int fmcp__net_init(void) { return 0; }
FMCP__NET int fmcp__sock_open(int family, int type, int proto)
{
    return socket(family, type, proto);   /* callers set non-blocking and close-on-exec */
}
FMCP__NET int fmcp__sock_accept(int fd, struct sockaddr *sa, fmcp__socklen *len) { return accept(fd, sa, len); }
FMCP__NET void fmcp__sock_close(int fd) { (void)close(fd); }
FMCP__NET void fmcp__sock_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl >= 0) (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}
FMCP__NET long fmcp__sock_recv(int fd, void *buf, size_t n) { return (long)recv(fd, buf, n, 0); }
FMCP__NET long fmcp__sock_send(int fd, const void *buf, size_t n) { return (long)send(fd, buf, n, MSG_NOSIGNAL); }
FMCP__NET int fmcp__sock_again(void) { return errno == EAGAIN || errno == EWOULDBLOCK; }
FMCP__NET int fmcp__sock_intr(void) { return errno == EINTR; }
FMCP__NET int fmcp__sock_inprogress(void) { return errno == EINPROGRESS; }
FMCP__NET int fmcp__sock_poll(struct pollfd *p, size_t n, int ms) { return poll(p, (nfds_t)n, ms); }
FMCP__NET long fmcp__sock_wake_send(int fd, const void *buf, size_t n) { return (long)write(fd, buf, n); }
FMCP__NET long fmcp__sock_wake_recv(int fd, void *buf, size_t n) { return (long)read(fd, buf, n); }
FMCP__NET void fmcp__sock_wake_close(int fd) { (void)close(fd); }
#  endif
#endif /* FASTMCP_NO_SOCKETS */

/* ---- private platform layer: child processes (Windows) -----------------
 * The client's stdio transport on Windows: CreateProcess with anonymous
 * pipes. Only the child's ends (and a copy of our stderr) are made
 * inheritable, and PROC_THREAD_ATTRIBUTE_HANDLE_LIST hands over just those,
 * so a child another thread spawns at the same moment gets none of ours.
 * Handles travel as void *. Threads are required (intro.h). */
#if defined(_WIN32) && !defined(FASTMCP_NO_PROCESS)
#  define FMCP__PUT(ch) do { if (o) o[n] = (ch); n++; } while (0)
/* s as the MSVC runtime splits a command line back into argv: backslashes
 * are literal except before a quote, where 2k(+1) of them mean k (and a
 * quote). argv[0] is read by other rules (no escapes): quoted as it is.
 * o = NULL only counts. */
FMCP__PLAT size_t fmcp__cmd_quote(char *o, const char *s, int first)
{
    size_t n = 0, k;
    if (!first && *s && !strpbrk(s, " \t\n\v\"")) {
        n = strlen(s);
        if (o) memcpy(o, s, n);
        return n;
    }
    FMCP__PUT('"');
    for (;;) {
        size_t bs = 0;
        while (*s == '\\') { bs++; s++; }
        if (first) { for (k = 0; k < bs; k++) FMCP__PUT('\\'); if (!*s) break; FMCP__PUT(*s); s++; continue; }
        if (!*s) { for (k = 0; k < 2 * bs; k++) FMCP__PUT('\\'); break; }
        if (*s == '"') { for (k = 0; k < 2 * bs + 1; k++) FMCP__PUT('\\'); }
        else { for (k = 0; k < bs; k++) FMCP__PUT('\\'); }
        FMCP__PUT(*s);
        s++;
    }
    FMCP__PUT('"');
    return n;
}
#  undef FMCP__PUT

/* Variable names compare without case on Windows. */
FMCP__PLAT int fmcp__env_same(const char *a, const char *b, size_t nl)
{
    return fmcp__ieqn(a, b, nl) && b[nl] == '=';
}

/* Our environment with env's "NAME=value" entries added or replacing, as
 * one block (NUL-separated, NUL-terminated); NULL + *len 0 on no memory. */
FMCP__PLAT char *fmcp__env_block(const fmcp_allocator *a, const char *const *env, size_t *len)
{
    char *cur = GetEnvironmentStringsA(), *out = NULL, *p;
    size_t pass, n = 0, j;
    *len = 0;
    for (pass = 0; pass < 2; pass++) {
        n = 0;
        for (p = cur; p && *p; p += strlen(p) + 1) {
            const char *eq = strchr(p + 1, '=');   /* "=C:=C:\\dir" names start with '=' */
            size_t nl = eq ? (size_t)(eq - p) : strlen(p), k = strlen(p) + 1;
            int replaced = 0;
            for (j = 0; env[j] && !replaced; j++) replaced = fmcp__env_same(p, env[j], nl);
            if (replaced) continue;
            if (out) memcpy(out + n, p, k);
            n += k;
        }
        for (j = 0; env[j]; j++) {
            size_t k = strlen(env[j]) + 1;
            if (out) memcpy(out + n, env[j], k);
            n += k;
        }
        if (out) { out[n] = 0; out[n + 1] = 0; break; }   /* an empty block still ends in two */
        out = (char *)fmcp_malloc(a, n + 2);
        if (!out) break;
    }
    if (cur) FreeEnvironmentStringsA(cur);
    if (out) *len = n + 2;
    return out;
}

FMCP__PLAT void fmcp__handle_close(void *h) { if (h) CloseHandle((HANDLE)h); }

/* Start argv[0] (searched on PATH, ".exe" implied) with its stdin and stdout
 * on pipes and our stderr; env as fmcp__env_block (NULL = ours as it is). */
FMCP__PLAT fmcp_result fmcp__proc_spawn(const fmcp_allocator *a, const char *const *argv, const char *const *env,
                                    void **proc, void **to_child, void **from_child)
{
    SECURITY_ATTRIBUTES sa;
    STARTUPINFOEXA si;
    PROCESS_INFORMATION pi;
    HANDLE in_r = NULL, in_w = NULL, out_r = NULL, out_w = NULL, err = NULL, std_err, list[3];
    LPPROC_THREAD_ATTRIBUTE_LIST attr = NULL;
    SIZE_T asz = 0;
    char *cmd, *envb = NULL;
    size_t cl = 0, el = 0, i, nh = 2;
    DWORD flags = 0, e;
    BOOL ok;
    if (strchr(argv[0], '"')) return FMCP_ERR_INVALID_ARG;   /* cannot be quoted */
    for (i = 0; argv[i]; i++) {
        cl += fmcp__cmd_quote(NULL, argv[i], i == 0) + 1;
        if (cl > 32767) return FMCP_ERR_TOO_LARGE;   /* CreateProcess's limit */
    }
    cmd = (char *)fmcp_malloc(a, cl);
    if (!cmd) return FMCP_ERR_NOMEM;
    for (cl = 0, i = 0; argv[i]; i++) { cl += fmcp__cmd_quote(cmd + cl, argv[i], i == 0); cmd[cl++] = ' '; }
    cmd[cl - 1] = 0;
    if (env && env[0]) {
        envb = fmcp__env_block(a, env, &el);
        if (!envb) { fmcp_free(a, cmd, cl); return FMCP_ERR_NOMEM; }
    }
    memset(&sa, 0, sizeof sa);
    sa.nLength = sizeof sa;
    sa.bInheritHandle = FALSE;
    ok = CreatePipe(&in_r, &in_w, &sa, 0);
    if (ok && !CreatePipe(&out_r, &out_w, &sa, 0)) ok = FALSE;
    if (ok) ok = SetHandleInformation(in_r, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) &&
                 SetHandleInformation(out_w, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    e = ok ? 0 : GetLastError();
    if (ok) {
        std_err = GetStdHandle(STD_ERROR_HANDLE);   /* none (a GUI program): the child has none either */
        if (std_err && std_err != INVALID_HANDLE_VALUE &&
            !DuplicateHandle(GetCurrentProcess(), std_err, GetCurrentProcess(), &err, 0, TRUE, DUPLICATE_SAME_ACCESS))
            err = NULL;
        list[0] = in_r; list[1] = out_w;
        if (err) list[nh++] = err;
        memset(&si, 0, sizeof si);
        si.StartupInfo.cb = sizeof si.StartupInfo;
        si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        si.StartupInfo.hStdInput = in_r;
        si.StartupInfo.hStdOutput = out_w;
        si.StartupInfo.hStdError = err;
        (void)InitializeProcThreadAttributeList(NULL, 1, 0, &asz);
        if (asz) attr = (LPPROC_THREAD_ATTRIBUTE_LIST)fmcp_malloc(a, asz);
        if (attr && InitializeProcThreadAttributeList(attr, 1, 0, &asz)) {
            if (UpdateProcThreadAttribute(attr, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list, nh * sizeof(HANDLE), NULL, NULL)) {
                si.StartupInfo.cb = sizeof si;
                si.lpAttributeList = attr;
                flags = EXTENDED_STARTUPINFO_PRESENT;
            }
        } else if (attr) { fmcp_free(a, attr, asz); attr = NULL; }
        if (!attr) e = ERROR_NOT_ENOUGH_MEMORY;   /* without the list, other inheritable handles would leak */
        ok = attr && flags && CreateProcessA(NULL, cmd, NULL, NULL, TRUE, flags, envb, NULL, &si.StartupInfo, &pi);
        if (!ok && !e) e = GetLastError();
        if (attr) { DeleteProcThreadAttributeList(attr); fmcp_free(a, attr, asz); }
    }
    fmcp__handle_close(in_r);
    fmcp__handle_close(out_w);
    fmcp__handle_close(err);
    fmcp_free(a, cmd, cl);
    if (envb) fmcp_free(a, envb, el);
    if (!ok) {
        fmcp__handle_close(in_w);
        fmcp__handle_close(out_r);
        if (e == ERROR_NOT_ENOUGH_MEMORY) return FMCP_ERR_NOMEM;
        /* as ENOENT and EACCES from exec on POSIX */
        return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_ACCESS_DENIED ?
               FMCP_ERR_NOT_FOUND : FMCP_ERR_IO;
    }
    CloseHandle(pi.hThread);
    *proc = pi.hProcess;
    *to_child = in_w;
    *from_child = out_r;
    return FMCP_OK;
}

/* Blocking read: bytes, 0 at end (the writer closed), -1 on error. */
FMCP__PLAT long fmcp__pipe_read(void *h, void *buf, size_t cap)
{
    DWORD n = 0;
    do {   /* a zero-length write by the child reads as 0 bytes: not the end */
        if (!ReadFile((HANDLE)h, buf, cap > 0x40000000 ? 0x40000000 : (DWORD)cap, &n, NULL))
            return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
    } while (n == 0 && cap > 0);
    return (long)n;
}

FMCP__PLAT long fmcp__pipe_write(void *h, const void *buf, size_t n)
{
    DWORD w = 0;
    if (!WriteFile((HANDLE)h, buf, n > 0x40000000 ? 0x40000000 : (DWORD)n, &w, NULL)) return -1;
    return (long)w;
}

/* 1 when the process ended within ms (-1 = no limit). */
FMCP__PLAT int fmcp__proc_wait(void *proc, int ms)
{
    return WaitForSingleObject((HANDLE)proc, ms < 0 ? INFINITE : (DWORD)ms) == WAIT_OBJECT_0;
}

FMCP__PLAT void fmcp__proc_kill(void *proc) { (void)TerminateProcess((HANDLE)proc, 1); }

/* Join a thread blocked in fmcp__pipe_read: its read is cancelled until it
 * ends (normally the pipe has ended anyway; a grandchild may hold it open). */
FMCP__PLAT void fmcp__thread_join_io(fmcp__thread *t)
{
    while (WaitForSingleObject(t->h, 50) == WAIT_TIMEOUT) (void)CancelSynchronousIo(t->h);
    CloseHandle(t->h);
}
#endif
