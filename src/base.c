/* base: implementation */
#include "base.h"

#include <string.h>
#include <stdlib.h>
#include <time.h>
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
#if !defined(FMCP__OS_RANDOM)
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
#ifdef FMCP__OS_RANDOM
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
#else
    return (int64_t)time(NULL);
#endif
}

FASTMCP_API int64_t fmcp_monotonic_ms(void)
{
    if (fmcp__hooks.monotonic_ms_fn) return fmcp__hooks.monotonic_ms_fn(fmcp__hooks.user);
#ifdef FASTMCP_NO_OS_DEFAULTS
    return 0;   /* no clock: time stands still (timeouts never fire) */
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
