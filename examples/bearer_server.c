/* bearer_server.c - the quick start's tool over Streamable HTTP behind bearer
 * tokens from your identity provider: signatures against its JWKS (fetched
 * and cached), issuer, audience, 401/403 challenges and the protected
 * resource metadata, for both protocol eras.
 *   bearer_server JWKS_URL ISSUER AUDIENCE [PORT]
 * e.g. bearer_server https://idp.example/.well-known/jwks.json https://idp.example
 *      https://mcp.example/mcp 8000    (https:// JWKS needs make BEARSSL=1)
 * examples/authenticated_server.c is the full version (development keys,
 * scopes, rate limits, audit log, TLS). */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>

static fmcp_result add(fmcp_ctx *c, void *user)
{
    char sum[32];
    (void)user;
    snprintf(sum, sizeof sum, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, sum);
}

int main(int argc, char **argv)
{
    fmcp_server_desc sd = {0};
    fmcp_tool_desc tool = {0};
    fmcp_auth_desc ad = {0};
    fmcp_http_transport_desc hd = {0};
    fmcp_server *srv = NULL;
    fmcp_http_loop *loop = NULL;
    fmcp_auth *auth = NULL;
    fmcp_mcp_http *http = NULL;
    const char *aud[1];
    fmcp_result rc;
    if (argc < 4) { fprintf(stderr, "usage: bearer_server JWKS_URL ISSUER AUDIENCE [PORT]\n"); return 2; }
    aud[0] = argv[3];
    sd.name = "hello"; sd.version = "1.0";
    tool.name = "add"; tool.description = "Add two integers";
    tool.params = "a:integer, b:integer";
    tool.handler = add;
    ad.jwks_url = argv[1]; ad.issuer = argv[2];
    ad.audiences = aud; ad.audience_count = 1;
    hd.host = "127.0.0.1"; hd.port = (uint16_t)(argc > 4 ? atoi(argv[4]) : 8000);   /* 0: any free port */
    if ((rc = fmcp_http_loop_new(NULL, &loop)) == FMCP_OK &&
        (rc = fmcp_server_create(&sd, &srv)) == FMCP_OK &&
        (rc = fmcp_server_add_tool(srv, &tool)) == FMCP_OK) {
        ad.loop = loop;                     /* the JWKS is fetched on the loop */
        if ((rc = fmcp_auth_create(&ad, &auth)) == FMCP_OK &&
            (rc = fmcp_auth_attach(auth, srv, &hd)) == FMCP_OK &&
            (rc = fmcp_mcp_http_attach(srv, loop, &hd, &http)) == FMCP_OK) {
            printf("port %u\n", (unsigned)fmcp_mcp_http_port(http));
            fflush(stdout);
            rc = fmcp_http_run(loop);       /* until fmcp_http_stop(loop) */
        }
    }
    if (rc != FMCP_OK) fprintf(stderr, "bearer_server: %s\n", fmcp_result_str(rc));
    fmcp_mcp_http_free(http);
    fmcp_server_destroy(srv);
    fmcp_auth_free(auth);
    fmcp_http_loop_free(loop);
    return rc == FMCP_OK ? 0 : 1;
}
