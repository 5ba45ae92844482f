/* An MCP server on a microcontroller, fed by UART-style read/write callbacks,
 * with one tool guarded by an RS256 bearer token.
 *
 * Built from the unmodified fastmcp.h for a Cortex-M4 (-mcpu=cortex-m4
 * -mthumb -Os, newlib-nano) with the bare-metal switch set listed at the top
 * of fastmcp.h; runs on QEMU's mps2-an386 board with the start-up code and
 * linker script in examples/uart/, its "UART" being the host console through
 * ARM semihosting (on a real board, read and write the UART's data register
 * instead: only uart_read/uart_write change). tools/baremetal-check builds
 * and runs it:
 *
 *   arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -std=c99 \
 *     -DFASTMCP_NO_THREADS ... (the bare-metal switches) \
 *     -ffunction-sections -fdata-sections -include key.h -I. \
 *     examples/uart_server.c examples/uart/startup.c \
 *     -T examples/uart/mps2-an386.ld -nostartfiles --specs=nano.specs \
 *     -Wl,--gc-sections -o uart_server.elf
 *   qemu-system-arm -M mps2-an386 -nodefaults -display none \
 *     -semihosting-config enable=on,target=native -kernel uart_server.elf
 *
 * key.h defines UART_JWKS, the public key (a JWK or JWKS text, e.g. the
 * jwks.json of `fmcp keygen`) that tokens must be signed with. Tools:
 *   add(a, b)      the sum of two integers
 *   secret(token)  "the secret is 42" for a token signed by that key, issued
 *                  by "uart-demo" for the audience "uart-mcp" with the scope
 *                  "secret:read" and not expired; an error result otherwise.
 * A UART has no HTTP Authorization header, so the token travels in the
 * call's arguments. The server answers until end of input, then prints its
 * heap and stack high-water marks on stderr.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "examples/uart/startup.h"

void *board_malloc(size_t n);
void *board_realloc(void *p, size_t n);
void board_free(void *p);
#define FASTMCP_MALLOC(sz) board_malloc(sz)
#define FASTMCP_REALLOC(p, sz) board_realloc(p, sz)
#define FASTMCP_FREE(p) board_free(p)
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#ifndef UART_JWKS
#error "define UART_JWKS, the verification key (JWK or JWKS text), e.g. with -include key.h"
#endif

/* ---- board glue --------------------------------------------------------- */

/* newlib's malloc with a size header, to report the heap's high-water mark */
static size_t heap_now, heap_peak;

void *board_malloc(size_t n)
{
    size_t *p = (size_t *)malloc(n + 8);
    if (!p) return NULL;
    p[0] = n;
    heap_now += n;
    if (heap_now > heap_peak) heap_peak = heap_now;
    return (char *)p + 8;
}

void board_free(void *p)
{
    if (!p) return;
    heap_now -= *(size_t *)(void *)((char *)p - 8);
    free((char *)p - 8);
}

void *board_realloc(void *p, size_t n)
{
    size_t old = p ? *(size_t *)(void *)((char *)p - 8) : 0;
    void *q = board_malloc(n);
    if (q && p) memcpy(q, p, old < n ? old : n);
    if (q) board_free(p);
    return q;
}

/* newlib's malloc grows its arena here (the heap region of the linker script) */
extern char _sheap[], _eheap[];
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    static char *brk = _sheap;
    char *old = brk;
    if (incr > _eheap - brk || incr < _sheap - brk) return (void *)-1;
    brk += incr;
    return old;
}

typedef struct uart {
    long rx, tx;   /* semihosting handles of the host console */
} uart;

/* The UART driver's side: bytes in (blocking; 0 at end of input), bytes out. */
static long uart_read(void *user, void *buf, size_t cap)
{
    return bm_read(((uart *)user)->rx, buf, cap);
}

static long uart_write(void *user, const void *buf, size_t len)
{
    return bm_write(((uart *)user)->tx, buf, len);
}

/* The emulated board has no entropy source: randomness fails closed. (This
 * server never needs it; a board with a TRNG returns its bytes here.) */
static int board_random(void *user, void *buf, size_t len)
{
    (void)user; (void)buf; (void)len;
    return -1;
}

static int64_t board_time(void *user) { (void)user; return bm_host_time(); }
static int64_t board_ms(void *user) { (void)user; return bm_host_ms(); }

/* ---- the MCP server --------------------------------------------------------- */

static fmcp_result add_tool(fmcp_ctx *c, void *user)
{
    char text[24];
    fmcp_json_writer w;
    size_t n = 0;
    (void)user;
    fmcp_jw_init_fixed(&w, text, sizeof text - 1);
    fmcp_jw_int(&w, fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0));
    if (fmcp_jw_finish(&w, NULL, &n) != FMCP_OK) return FMCP_ERR_TOO_LARGE;
    text[n] = '\0';
    return fmcp_ctx_add_text(c, text);
}

static fmcp_result secret_tool(fmcp_ctx *c, void *user)
{
    const fmcp_jwt_verifier *v = (const fmcp_jwt_verifier *)user;
    const char *tok = fmcp_ctx_arg_str(c, "token", "");
    fmcp_jwt_verdict vd;
    fmcp_result r;
    /* sent only when the call asked for progress (a progressToken) */
    (void)fmcp_ctx_progress(c, 0.5, 1.0, "verifying the token");
    r = fmcp_jwt_verify(v, tok, strlen(tok), &vd);
    if (r == FMCP_OK && vd.error == FMCP_JWT_OK) {
        r = fmcp_ctx_add_text(c, "the secret is 42");
    } else {
        fmcp_ctx_set_error(c, 1);
        r = fmcp_ctx_add_text(c, vd.error != FMCP_JWT_OK ? fmcp_jwt_error_name(vd.error) : fmcp_result_str(r));
    }
    fmcp_jwt_verdict_destroy(&vd);
    return r;
}

static void say(const char *s)
{
    (void)bm_write(bm_console_open(8), s, strlen(s));
}

static void say_number(const char *label, size_t n)
{
    char buf[16];
    size_t i = sizeof buf;
    say(label);
    do buf[--i] = (char)('0' + n % 10); while ((n /= 10) != 0 && i > 0);
    (void)bm_write(bm_console_open(8), buf + i, sizeof buf - i);
}

int main(void)
{
    static const char *const keys[] = { UART_JWKS };
    static const char *const issuers[] = { "uart-demo" };
    static const char *const audiences[] = { "uart-mcp" };
    static const char *const scopes[] = { "secret:read" };
    fmcp_hooks h = {0};
    fmcp_jwt_verifier_desc vd = {0};
    fmcp_jwt_verifier *v = NULL;
    fmcp_server_desc sd = {0};
    fmcp_server *srv = NULL;
    fmcp_tool_desc td = {0};
    fmcp_stream_desc st = {0};
    uart port;
    fmcp_result r;

    h.random_fn = board_random; h.time_fn = board_time; h.monotonic_ms_fn = board_ms;
    fmcp_set_hooks(&h);

    vd.keys = keys; vd.key_count = 1;
    vd.issuers = issuers; vd.issuer_count = 1;
    vd.audiences = audiences; vd.audience_count = 1;
    vd.required_scopes = scopes; vd.required_scope_count = 1;
    if ((r = fmcp_jwt_verifier_create(&vd, &v)) != FMCP_OK) { say("uart_server: bad key\n"); return 1; }

    sd.name = "uart-demo"; sd.version = "1.0";
    sd.workers = -1;   /* no threads: handlers run on the reading loop */
    if ((r = fmcp_server_create(&sd, &srv)) != FMCP_OK) { fmcp_jwt_verifier_destroy(v); return 1; }

    td.name = "add"; td.description = "Sum of two integers"; td.params = "a:integer, b:integer";
    td.handler = add_tool; td.run_inline = 1;
    r = fmcp_server_add_tool(srv, &td);
    memset(&td, 0, sizeof td);
    td.name = "secret"; td.description = "The secret, for a bearer of a valid token"; td.params = "token:string";
    td.handler = secret_tool; td.user = v; td.run_inline = 1;
    if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &td);

    if (r == FMCP_OK) {
        port.rx = bm_console_open(0);
        port.tx = bm_console_open(4);
        st.read = uart_read; st.write = uart_write; st.user = &port;
        st.max_line = 4096;                      /* a token-carrying call fits */
        st.read_size = 64; st.write_size = 256;  /* small buffers: a UART is slow anyway */
        r = fmcp_stream_serve(srv, &st);
    }
    fmcp_server_destroy(srv);
    fmcp_jwt_verifier_destroy(v);
    say_number("uart_server: heap peak ", heap_peak);
    say_number(" bytes, left ", heap_now);
    say_number(", stack used ", bm_stack_used());
    say_number(" of ", bm_stack_size());
    say("\n");
    return r == FMCP_OK && heap_now == 0 ? 0 : 1;
}
