/* bearer_server.c - the second program of the quick start at the top of
 * fastmcp.h: the same tool over Streamable HTTP (both protocol eras) behind
 * bearer tokens from your identity provider: signatures checked against its
 * JWKS (fetched and cached), issuer, audience, 401/403 challenges and the
 * protected resource metadata.
 *   bearer_server JWKS_URL ISSUER AUDIENCE [PORT]      (PORT 8000; 127.0.0.1)
 * An https:// JWKS needs TLS (make BEARSSL=1 and auth_desc.jwks_transport);
 * examples/authenticated_server.c is the full version (development keys,
 * scopes, rate limits, audit log, TLS). No comments below this line: the
 * code sits inside the header's comment. */
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
    fmcp_http_endpoint_desc hd = {0};
    fmcp_server *srv;
    fmcp_auth *auth;
    if (argc < 4) return 2;
    sd.name = "hello"; sd.version = "1.0";
    tool.name = "add"; tool.description = "Add two integers";
    tool.params = "a:integer, b:integer"; tool.handler = add;
    ad.jwks_url = argv[1]; ad.issuer = argv[2];
    ad.audiences = (const char *const *)&argv[3]; ad.audience_count = 1;
    hd.port = (uint16_t)(argc > 4 ? atoi(argv[4]) : 8000);
    if (fmcp_server_create(&sd, &srv) != FMCP_OK || fmcp_server_add_tool(srv, &tool) != FMCP_OK ||
        fmcp_auth_create(&ad, &auth) != FMCP_OK || fmcp_auth_attach(auth, srv, &hd) != FMCP_OK) return 1;
    return fmcp_server_run_http(srv, &hd) == FMCP_OK ? 0 : 1;
}
