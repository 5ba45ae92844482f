/* mcp_http_server.c - the fastmcp.h side of bench/bench_mcp_http.sh: an MCP
 * server over Streamable HTTP with tools `add` {a,b} and `slow` {ms} (sends
 * one progress notification when asked for, then waits ms before answering).
 *
 *   mcp_http_server PORT SECONDS stateless|session [--inline|--inline-tool]
 *
 * PORT 0 picks a free port; the bound port is printed as "port N" on stdout.
 * The server stops by itself after SECONDS. --inline runs handlers on the
 * loop thread instead of the worker pool; --inline-tool keeps the pool but
 * `add` opts in to run_inline (the per-tool form). Limits are raised so the
 * footprint runs can hold thousands of idle connections.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
static void sleep_ms(int ms) { Sleep((DWORD)ms); }
#else
#include <time.h>
static void sleep_ms(int ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000; ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}
#endif

static int g_seconds;

static fmcp_result add(fmcp_ctx *c, void *u)
{
    char buf[32];
    (void)u;
    snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, buf);
}

/* Holds its request open (on a worker) so a POST stays an open SSE stream. */
static fmcp_result slow(fmcp_ctx *c, void *u)
{
    int64_t ms = fmcp_ctx_arg_int(c, "ms", 1000);
    (void)u;
    fmcp_ctx_progress(c, 1, 2, "started");
    while (ms > 0 && !fmcp_ctx_is_cancelled(c)) {
        sleep_ms(ms > 100 ? 100 : (int)ms);
        ms -= 100;
    }
    return fmcp_ctx_add_text(c, "done");
}

static void stop_cb(void *user) { fmcp_http_stop((fmcp_http_loop *)user); }

static void on_listen(void *user, fmcp_http_endpoint *t)
{
    (void)user;
    fmcp_http_timer_add(fmcp_http_endpoint_loop(t), (int64_t)g_seconds * 1000, stop_cb, fmcp_http_endpoint_loop(t), NULL);
    printf("port %u\n", (unsigned)fmcp_http_endpoint_port(t));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_http_endpoint_desc d;
    fmcp_http_server_desc hd;
    fmcp_server *srv;
    fmcp_result r;
    int inline_tool;
    if (argc < 4) {
        printf("usage: mcp_http_server PORT SECONDS stateless|session [--inline|--inline-tool]\n");
        return 2;
    }
    g_seconds = atoi(argv[2]);
    memset(&sd, 0, sizeof sd);
    sd.name = "bench-mcp-http"; sd.version = FASTMCP_VERSION_STRING;
    sd.workers = 8; /* `slow` holds a worker; the footprint run keeps some busy */
    if (argc > 4 && strcmp(argv[4], "--inline") == 0) sd.workers = -1;
    inline_tool = argc > 4 && strcmp(argv[4], "--inline-tool") == 0;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    memset(&t, 0, sizeof t);
    t.name = "add"; t.description = "Adds two integers"; t.params = "a:integer, b:integer"; t.handler = add;
    t.run_inline = inline_tool;
    r = fmcp_server_add_tool(srv, &t);
    memset(&t, 0, sizeof t);
    t.name = "slow"; t.description = "Answers after ms milliseconds"; t.params = "ms?:integer"; t.handler = slow;
    if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &t);
    memset(&hd, 0, sizeof hd);
    hd.max_connections = 20000;
    hd.idle_timeout_ms = 600000;
    memset(&d, 0, sizeof d);
    d.port = (uint16_t)atoi(argv[1]);
    d.stateless = strcmp(argv[3], "stateless") == 0;
    d.max_sessions = 20000;
    d.max_sessions_per_principal = 20000;   /* every bench client is 127.0.0.1 */
    d.http = &hd;
    d.on_listen = on_listen;
    if (r == FMCP_OK) r = fmcp_server_run_http(srv, &d);
    if (r != FMCP_OK) fprintf(stderr, "mcp_http_server: %s\n", fmcp_result_str(r));
    fmcp_server_destroy(srv);
    return r == FMCP_OK ? 0 : 1;
}
