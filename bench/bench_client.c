/* MCP client round trips: sequential tools/call requests, one at a time.
 *   bench_client URL N            Streamable HTTP against a running server
 *   bench_client -- N CMD ARGS... stdio against a spawned server
 *   bench_client                  both, against an in-process server
 *   bench_client -t K ...         the same with K threads sharing the client
 *                                 (N calls in all; the calls/s of all threads)
 *   bench_client -p modern ...    protocol era (legacy, the default; modern:
 *                                 2026-07-28; auto); -p comes before -t
 * bench/bench_client.sh runs it next to the official TypeScript SDK client. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

static fmcp_result simple_text(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "This is a simple text response for testing.");
}

static int nthreads = 1;

typedef struct job {
    fmcp_client *c;
    const char *tool;
    long n;
    int failed;
} job;

static void *calls(void *arg)
{
    job *j = (job *)arg;
    long i;
    for (i = 0; i < j->n && !j->failed; i++) {
        fmcp_json_doc *d = NULL;
        if (fmcp_client_call_tool(j->c, j->tool, NULL, NULL, &d) != FMCP_OK) j->failed = 1;
        if (d) fmcp_json_doc_destroy(d);
    }
    return NULL;
}

/* N calls of `tool` (spread over nthreads threads); prints and returns calls
 * per second (0 on failure). */
static double run(fmcp_client *c, const char *label, const char *tool, long n)
{
    job j[64];
    pthread_t th[64];
    int started[64];
    int k, failed = 0;
    int64_t t0;
    double rate;
    j[0].c = c; j[0].tool = tool; j[0].n = 200; j[0].failed = 0;
    calls(&j[0]);   /* warm-up */
    t0 = fmcp_monotonic_ms();
    for (k = 0; k < nthreads; k++) {
        j[k].c = c; j[k].tool = tool; j[k].n = n / nthreads; j[k].failed = j[0].failed;
        started[k] = k > 0 && pthread_create(&th[k], NULL, calls, &j[k]) == 0;
        if (k > 0 && !started[k]) j[k].failed = 1;
    }
    calls(&j[0]);
    for (k = 1; k < nthreads; k++) if (started[k]) pthread_join(th[k], NULL);
    for (k = 0; k < nthreads; k++) failed |= j[k].failed;
    if (failed) { fprintf(stderr, "call failed\n"); return 0; }
    rate = (double)(n / nthreads * nthreads) * 1000.0 / (double)(fmcp_monotonic_ms() - t0 + 1);
    if (nthreads > 1)
        printf("fastmcp.h client %-6s %8.0f calls/s  (%ld tools/call from %d threads, %s)\n", label, rate, n, nthreads,
               fmcp_client_is_modern(c) ? "2026-07-28" : "2025 session");
    else
        printf("fastmcp.h client %-6s %8.0f calls/s  (%ld sequential tools/call, %s)\n", label, rate, n,
               fmcp_client_is_modern(c) ? "2026-07-28" : "2025 session");
    return rate;
}

static void *loop_main(void *l)
{
    fmcp_http_run((fmcp_http_loop *)l);
    return NULL;
}

static int in_process(long n)
{
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_server *srv;
    fmcp_http_loop *loop;
    fmcp_http_endpoint *h;
    fmcp_http_endpoint_desc hd;
    fmcp_client_desc cd;
    fmcp_client *c;
    pthread_t th;
    char url[64];
    memset(&sd, 0, sizeof sd);
    sd.name = "bench";
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    memset(&t, 0, sizeof t);
    t.name = "test_simple_text"; t.handler = simple_text;
    fmcp_server_add_tool(srv, &t);
    memset(&hd, 0, sizeof hd);
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK || fmcp_http_endpoint_create(srv, loop, &hd, &h) != FMCP_OK) return 1;
    pthread_create(&th, NULL, loop_main, loop);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", (unsigned)fmcp_http_endpoint_port(h));
    memset(&cd, 0, sizeof cd);
    cd.no_get_stream = 1;
    if (fmcp_client_connect_http(&cd, url, &c) != FMCP_OK) return 1;
    run(c, "http", "test_simple_text", n);
    fmcp_client_destroy(c);
    fmcp_http_stop(loop);
    pthread_join(th, NULL);
    fmcp_http_endpoint_destroy(h);
    fmcp_http_loop_destroy(loop);
    fmcp_server_destroy(srv);
    return 0;
}

int main(int argc, char **argv)
{
    fmcp_client_desc cd;
    fmcp_client *c = NULL;
    fmcp_result r;
    long n;
    int era = FMCP_ERA_LEGACY;   /* -p auto|modern|legacy (default legacy: the 2025 numbers stay comparable) */
    if (argc > 2 && strcmp(argv[1], "-p") == 0) {
        era = strcmp(argv[2], "modern") == 0 ? FMCP_ERA_MODERN : strcmp(argv[2], "auto") == 0 ? FMCP_ERA_AUTO
                                                                                              : FMCP_ERA_LEGACY;
        argc -= 2;
        argv += 2;
    }
    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        nthreads = atoi(argv[2]);
        if (nthreads < 1 || nthreads > 64) return 2;
        argc -= 2;
        argv += 2;
    }
    if (argc < 3) return in_process(5000);
    memset(&cd, 0, sizeof cd);
    cd.no_get_stream = 1;
    cd.protocol_era = era;
    if (strcmp(argv[1], "--") == 0) {
        if (argc < 4) return 2;
        n = atol(argv[2]);
        r = fmcp_client_connect_stdio(&cd, (const char *const *)(argv + 3), NULL, &c);
    } else {
        n = atol(argv[2]);
        r = fmcp_client_connect_http(&cd, argv[1], &c);
    }
    if (r != FMCP_OK) { fprintf(stderr, "connect: %s\n", fmcp_result_str(r)); return 1; }
    r = run(c, strcmp(argv[1], "--") == 0 ? "stdio" : "http", "test_simple_text", n) > 0 ? FMCP_OK : FMCP_ERR_IO;
    fmcp_client_destroy(c);
    return r == FMCP_OK ? 0 : 1;
}
