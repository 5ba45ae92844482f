/* Bare-metal size probe (tools/baremetal-check): an MCP server over a
 * UART-style byte stream with one tool that verifies an RS256 JWT, built
 * from the unmodified fastmcp.h with the bare-metal switch set. The I/O,
 * entropy and clock functions stand in for a board's drivers. */
#include <stddef.h>
#include <stdint.h>
void *bm_malloc(size_t n);
void *bm_realloc(void *p, size_t n);
void bm_free(void *p);
#define FASTMCP_MALLOC(sz) bm_malloc(sz)
#define FASTMCP_REALLOC(p, sz) bm_realloc(p, sz)
#define FASTMCP_FREE(p) bm_free(p)
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#ifndef BM_HOST
/* A bump allocator over a static pool (enough to link and measure). */
static unsigned char pool[32768];
static size_t pool_used;
void *bm_malloc(size_t n)
{
    void *p;
    n = (n + 7) & ~(size_t)7;
    if (n > sizeof pool - pool_used) return NULL;
    p = pool + pool_used;
    pool_used += n;
    return p;
}
void *bm_realloc(void *p, size_t n)
{
    void *q = bm_malloc(n);
    if (q && p) memcpy(q, p, n); /* a probe: may read past the old block within the pool */
    return q;
}
void bm_free(void *p) { (void)p; }

static volatile uint32_t uart_data, ticks, trng;
static long uart_read(void *user, void *buf, size_t cap)
{
    (void)user;
    if (!cap) return 0;
    *(unsigned char *)buf = (unsigned char)uart_data;
    return 1;
}
static long uart_write(void *user, const void *buf, size_t len)
{
    size_t i;
    (void)user;
    for (i = 0; i < len; i++) uart_data = ((const unsigned char *)buf)[i];
    return (long)len;
}
static int board_random(void *user, void *buf, size_t len)
{
    size_t i;
    (void)user;
    for (i = 0; i < len; i++) ((unsigned char *)buf)[i] = (unsigned char)trng;
    return 0;
}
static int64_t board_time(void *user) { (void)user; return 1767225600 + ticks / 1000; }
static int64_t board_ms(void *user) { (void)user; return ticks; }
#else
/* The same program run on the host (BM_HOST, tools/baremetal-check): the
 * "UART" is stdin/stdout a byte at a time, the heap is counted (its peak
 * goes to stderr at the end), the clock stands before the expiry of the
 * RFC 7515 A.2 token the requests carry. */
#include <stdio.h>
#include <stdlib.h>
static size_t heap_now, heap_peak;
void *bm_malloc(size_t n)
{
    size_t *p = (size_t *)malloc(n + 16);
    if (!p) return NULL;
    p[0] = n;
    heap_now += n;
    if (heap_now > heap_peak) heap_peak = heap_now;
    return (char *)p + 16;
}
void bm_free(void *p)
{
    if (!p) return;
    heap_now -= *(size_t *)(void *)((char *)p - 16);
    free((char *)p - 16);
}
void *bm_realloc(void *p, size_t n)
{
    size_t old = p ? *(size_t *)(void *)((char *)p - 16) : 0;
    void *q = bm_malloc(n);
    if (q && p) memcpy(q, p, old < n ? old : n);
    if (q) bm_free(p);
    return q;
}
static long uart_read(void *user, void *buf, size_t cap)
{
    (void)user;
    return cap ? (long)fread(buf, 1, 1, stdin) : 0;
}
static long uart_write(void *user, const void *buf, size_t len)
{
    (void)user;
    len = fwrite(buf, 1, len, stdout);
    fflush(stdout);
    return len ? (long)len : -1;
}
static unsigned rnd_state = 12345;
static int board_random(void *user, void *buf, size_t len)
{
    size_t i;
    (void)user;
    for (i = 0; i < len; i++) ((unsigned char *)buf)[i] = (unsigned char)((rnd_state = rnd_state * 1103515245u + 12345u) >> 16);
    return 0;
}
static int64_t board_time(void *user) { (void)user; return 1300819000; }
static int64_t board_ms(void *user) { (void)user; return 0; }
#endif

static const char jwk[] = /* the public key of RFC 7515 appendix A.2 */
    "{\"kty\":\"RSA\",\"kid\":\"rfc7515-a2\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd"
    "_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWv"
    "G6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg66"
    "5xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2P"
    "AcDTW9gb54h4FRWyuXpoQ\"}";

static fmcp_result verify_tool(fmcp_ctx *c, void *user)
{
    const fmcp_jwt_verifier *v = (const fmcp_jwt_verifier *)user;
    const char *tok = fmcp_ctx_arg_str(c, "token", "");
    fmcp_jwt_verdict vd;
    fmcp_result r;
#ifdef BM_PROGRESS   /* doubles formatted on the way out: about 1.9 KB more */
    (void)fmcp_ctx_progress(c, 0.5, 1.0, "verifying");
#endif
    r = fmcp_jwt_verify(v, tok, strlen(tok), &vd);
    if (r == FMCP_OK && vd.error == FMCP_JWT_OK) r = fmcp_ctx_add_text(c, vd.claims.issuer ? vd.claims.issuer : "");
    else { fmcp_ctx_set_error(c, 1); r = fmcp_ctx_add_text(c, fmcp_jwt_error_name(vd.error)); }
    fmcp_jwt_verdict_destroy(&vd);
    return r;
}

int main(void)
{
    fmcp_hooks h;
    fmcp_server_desc sd;
    fmcp_tool_desc td;
    fmcp_stream_desc st;
    fmcp_jwt_verifier_desc vd;
    fmcp_jwt_verifier *v = NULL;
    fmcp_server *srv = NULL;
    const char *keys[1];
    memset(&h, 0, sizeof h);
    h.random_fn = board_random; h.time_fn = board_time; h.monotonic_ms_fn = board_ms;
    fmcp_set_hooks(&h);
    memset(&vd, 0, sizeof vd);
    keys[0] = jwk; vd.keys = keys; vd.key_count = 1;
    vd.allow_any_audience = 1;   /* the RFC 7515 A.2 token has no aud */
    if (fmcp_jwt_verifier_create(&vd, &v) != FMCP_OK) return 1;
    memset(&sd, 0, sizeof sd);
    sd.name = "uart"; sd.version = "1.0"; sd.workers = -1;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    memset(&td, 0, sizeof td);
    td.name = "whoami"; td.description = "Issuer of a bearer token"; td.params = "token:string";
    td.handler = verify_tool; td.user = v; td.run_inline = 1;
    if (fmcp_server_add_tool(srv, &td) != FMCP_OK) return 1;
    memset(&st, 0, sizeof st);
    st.read = uart_read; st.write = uart_write; st.max_line = 8192;
    st.read_size = 64; st.write_size = 256;   /* small buffers: a UART is slow anyway */
    (void)fmcp_stream_serve(srv, &st);
    fmcp_server_destroy(srv);
    fmcp_jwt_verifier_destroy(v);
#ifdef BM_HOST
    fprintf(stderr, "heap peak %lu bytes, %lu left allocated\n", (unsigned long)heap_peak, (unsigned long)heap_now);
#endif
    return 0;
}
