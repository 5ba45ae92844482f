/* https_server.c - the fastmcp.h side of bench/bench_https.sh: an MCP server
 * over Streamable HTTP with TLS (BearSSL), tool `add` {a,b}, stateless JSON
 * mode (every POST answered with plain JSON, no sessions).
 *
 *   TLS_CERT=cert.pem TLS_KEY=key.pem https_server PORT SECONDS [--pool]
 *
 * Built by the bench script with -DFASTMCP_WITH_BEARSSL -lbearssl. PORT 0
 * picks a free port; "port N" is printed once listening. One loop thread;
 * the tool runs inline on it (workers < 0), or on the worker pool with
 * --pool. Stops by itself after SECONDS.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fmcp_result add(fmcp_ctx *c, void *u)
{
    char buf[32];
    (void)u;
    snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, buf);
}

static void stop_cb(void *user) { fmcp_http_stop((fmcp_http_loop *)user); }

int main(int argc, char **argv)
{
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_http_endpoint_desc d;
    fmcp_http_server_desc hd;
    fmcp_server *srv = NULL;
    fmcp_http_loop *loop = NULL;
    fmcp_tls_server *tls = NULL;
    fmcp_http_endpoint *h = NULL;
    fmcp_result r;
    if (argc < 3) {
        fprintf(stderr, "usage: TLS_CERT=.. TLS_KEY=.. https_server PORT SECONDS [--pool]\n");
        return 2;
    }
    memset(&sd, 0, sizeof sd);
    sd.name = "bench-https"; sd.version = FASTMCP_VERSION_STRING;
    sd.workers = argc > 3 && strcmp(argv[3], "--pool") == 0 ? 4 : -1;
    if ((r = fmcp_http_loop_create(NULL, &loop)) != FMCP_OK || (r = fmcp_server_create(&sd, &srv)) != FMCP_OK) goto out;
    memset(&t, 0, sizeof t);
    t.name = "add"; t.description = "Adds two integers"; t.params = "a:integer, b:integer"; t.handler = add;
    if ((r = fmcp_server_add_tool(srv, &t)) != FMCP_OK) goto out;
    if ((r = fmcp_tls_server_from_env(NULL, loop, &tls)) != FMCP_OK) goto out;
    memset(&hd, 0, sizeof hd);
    hd.max_connections = 20000;
    hd.transport = fmcp_tls_server_io(tls);
    memset(&d, 0, sizeof d);
    d.port = (uint16_t)atoi(argv[1]);
    d.stateless = 1; d.json_only = 1;
    d.http = &hd;
    if ((r = fmcp_http_endpoint_create(srv, loop, &d, &h)) != FMCP_OK) goto out;
    if ((r = fmcp_http_timer_add(loop, (int64_t)atoi(argv[2]) * 1000, stop_cb, loop, NULL)) != FMCP_OK) goto out;
    printf("port %u\n", (unsigned)fmcp_http_endpoint_port(h));
    fflush(stdout);
    r = fmcp_http_run(loop);
out:
    if (r != FMCP_OK) fprintf(stderr, "https_server: %s\n", fmcp_result_str(r));
    fmcp_http_endpoint_destroy(h);
    fmcp_tls_server_destroy(tls);
    if (srv) fmcp_server_destroy(srv);
    if (loop) fmcp_http_loop_destroy(loop);
    return r == FMCP_OK ? 0 : 1;
}
