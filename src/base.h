/* ---------------------------------------------------------------------------
 * base: configuration, results, allocator, randomness, clocks, small helpers
 * ---------------------------------------------------------------------------
 *
 * Every other module depends on this one and on nothing else implicitly.
 *
 * fmcp_result
 *   All fallible functions return an fmcp_result: FMCP_OK (0) or a negative
 *   code. fmcp_result_str() gives a short, static, human-readable text.
 *
 * fmcp_allocator
 *   A runtime allocator with a user pointer. Every object that allocates takes
 *   a `const fmcp_allocator *` (NULL, or a struct whose functions are NULL,
 *   means the compile-time default FASTMCP_MALLOC/REALLOC/FREE, which default
 *   to malloc/realloc/free). realloc_fn and free_fn receive the size the block
 *   was allocated with, so arena and pool allocators need no header.
 *
 * fmcp_hooks
 *   Process-wide hooks for randomness and clocks, so tests can move time and
 *   embedded targets can supply their own entropy. Set them once, before any
 *   other thread uses the library. A zeroed field means the OS default.
 *
 *   fmcp_random_bytes() fills a buffer from the hook, else the OS CSPRNG
 *   (getrandom, then getentropy, then /dev/urandom; BCryptGenRandom on
 *   Windows). If none works it returns
 *   FMCP_ERR_RANDOM and the buffer is wiped: callers fail closed.
 *   fmcp_time_now() is wall-clock seconds since the Unix epoch (token expiry);
 *   fmcp_monotonic_ms() is a monotonic millisecond counter (timeouts).
 *
 * fmcp_ct_equal(a, b, n)  constant-time comparison; 1 when equal.
 * fmcp_wipe(p, n)         zeroes memory in a way the compiler cannot drop.
 *
 * Private toolkit (base.c, static, for the modules below; not API): every
 * module uses these instead of its own copy. fmcp__strndup/fmcp__strdup/fmcp__strfree
 * (NUL-terminated copies through the allocator), fmcp__lc, fmcp__ieqn,
 * fmcp__ieq, fmcp__ieqs (ASCII case-insensitive compares), fmcp__hexval and
 * fmcp__hex (one hex digit in, bytes out as lowercase hex), and
 * fmcp__buf: a growable byte buffer with a sticky error, an optional size
 * cap and wipe-on-grow for secrets (fmcp__buf_put_pct appends percent-encoded
 * text). The thread primitives (fmcp__mutex,
 * fmcp__cond with fmcp__cond_wait_ms for timed waits, fmcp__thread) are the
 * private platform layer beside them.
 */

#include <stddef.h>
#include <stdint.h>

#define FASTMCP_VERSION_MAJOR 0
#define FASTMCP_VERSION_MINOR 2
#define FASTMCP_VERSION_PATCH 0
#define FASTMCP_VERSION_STRING "0.2.0"

#ifndef FASTMCP_API
#  ifdef FASTMCP_STATIC
#    if defined(__GNUC__) || defined(__clang__)
#      define FASTMCP_API static __attribute__((unused))
#    else
#      define FASTMCP_API static
#    endif
#  else
#    define FASTMCP_API extern
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes. 0 is success; every error is negative. Append new codes at the
 * end of their group; never renumber (users may persist them). */
typedef enum fmcp_result {
    FMCP_OK = 0,
    FMCP_ERR_NOMEM = -1,            /* an allocation failed */
    FMCP_ERR_INVALID_ARG = -2,      /* a NULL or out-of-range argument */
    FMCP_ERR_PARSE = -3,            /* malformed input (JSON, PEM, HTTP, ...) */
    FMCP_ERR_TOO_LARGE = -4,        /* input exceeds a configured size cap */
    FMCP_ERR_DEPTH = -5,            /* nesting exceeds the configured depth */
    FMCP_ERR_RANDOM = -6,           /* no working source of randomness */
    FMCP_ERR_IO = -7,               /* read/write/socket error */
    FMCP_ERR_NOT_FOUND = -8,        /* a key, item or file does not exist */
    FMCP_ERR_TYPE = -9,             /* a value has the wrong type */
    FMCP_ERR_BUFFER_TOO_SMALL = -10,/* caller's buffer too small; size reported */
    FMCP_ERR_UNSUPPORTED = -11,     /* feature absent or not compiled in */
    FMCP_ERR_TIMEOUT = -12,         /* a deadline passed */
    FMCP_ERR_CLOSED = -13,          /* the peer or object is closed */
    FMCP_ERR_STATE = -14,           /* call not valid in the current state */
    FMCP_ERR_ENCODING = -15,        /* invalid UTF-8, base64, number text, ... */
    FMCP_ERR_OVERFLOW = -16,        /* arithmetic or range overflow */
    FMCP_ERR_DUPLICATE = -17,       /* duplicate key or registration */
    /* crypto */
    FMCP_ERR_BAD_KEY = -40,         /* key malformed or out of policy */
    FMCP_ERR_BAD_SIGNATURE = -41,   /* signature did not verify */
    FMCP_ERR_CRYPTO = -42,          /* internal crypto self-check failed */
    /* tokens and auth */
    FMCP_ERR_AUTH = -60,            /* authentication failed (see verdict) */
    FMCP_ERR_FORBIDDEN = -61,       /* authenticated but not allowed */
    /* protocol */
    FMCP_ERR_PROTOCOL = -80,        /* peer violated the protocol */
    FMCP_ERR_CANCELLED = -81,       /* the operation was cancelled */
    FMCP_ERR_RPC = -82,             /* the peer answered with a JSON-RPC error */
    FMCP_ERR_HTTP = -83,            /* unexpected HTTP status */
    FMCP_ERR_INPUT_REQUIRED = -84   /* the client must supply input first (2026-07-28 multi round-trip) */
} fmcp_result;

/* Short static description of a result code; never NULL. */
FASTMCP_API const char *fmcp_result_str(fmcp_result r);

/* Runtime allocator. Any NULL function pointer means "use the default".
 * realloc_fn/free_fn get the size passed to the allocating call. */
typedef struct fmcp_allocator {
    void *(*malloc_fn)(void *user, size_t size);
    void *(*realloc_fn)(void *user, void *ptr, size_t old_size, size_t new_size);
    void (*free_fn)(void *user, void *ptr, size_t size);
    void *user;
} fmcp_allocator;

/* Allocate through `a` (NULL = default). Sizes of 0 are treated as 1. */
FASTMCP_API void *fmcp_malloc(const fmcp_allocator *a, size_t size);
FASTMCP_API void *fmcp_realloc(const fmcp_allocator *a, void *ptr, size_t old_size, size_t new_size);
FASTMCP_API void fmcp_free(const fmcp_allocator *a, void *ptr, size_t size);
/* The one way to free text the library returned with its length (writer
 * output, tokens, replies): it was allocated through `a` with len + 1 bytes. */
FASTMCP_API void fmcp_free_text(const fmcp_allocator *a, char *text, size_t len);

/* Process-wide hooks. Zeroed fields mean "OS default". */
typedef struct fmcp_hooks {
    /* Fill buf with len cryptographically secure random bytes; 0 on success. */
    int (*random_fn)(void *user, void *buf, size_t len);
    /* Wall-clock seconds since 1970-01-01T00:00:00Z. */
    int64_t (*time_fn)(void *user);
    /* Monotonic milliseconds from an arbitrary origin. */
    int64_t (*monotonic_ms_fn)(void *user);
    void *user;
} fmcp_hooks;

/* Replace the hooks (NULL restores the defaults). Not thread-safe: call it
 * before other threads use the library. */
FASTMCP_API void fmcp_set_hooks(const fmcp_hooks *hooks);
FASTMCP_API fmcp_result fmcp_random_bytes(void *buf, size_t len);
FASTMCP_API int64_t fmcp_time_now(void);
FASTMCP_API int64_t fmcp_monotonic_ms(void);

/* 1 when the n bytes at a and b are equal; time depends only on n. */
FASTMCP_API int fmcp_ct_equal(const void *a, const void *b, size_t n);
/* Zero n bytes at p; not removed by the optimiser. */
FASTMCP_API void fmcp_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif

/* Assertions are for programmer errors only (never for bad input). */
#ifndef FASTMCP_ASSERT
#  include <assert.h>
#  define FASTMCP_ASSERT(c) assert(c)
#endif
