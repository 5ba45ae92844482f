/* dpop_server.c - the resource server of tests/interop/dpop.sh: an MCP
 * server on 127.0.0.1:PORT/mcp that requires DPoP-bound tokens (RFC 9449)
 * issued by ISSUER (JWKS at ISSUER/jwks), audience the resource URL.
 *
 *   dpop_server PORT ISSUER ALG
 *
 * Tool "whoami" answers the caller's subject and claims (cnf.jkt included).
 * Prints "LISTENING <url>" when ready; runs until killed. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fmcp_result whoami(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *a = fmcp_ctx_auth(c);
    char buf[4096];
    (void)u;
    snprintf(buf, sizeof buf, "sub=%s claims=%s", a && a->subject ? a->subject : "-",
             a && a->claims_json ? a->claims_json : "-");
    return fmcp_ctx_add_text(c, buf);
}

int main(int argc, char **argv)
{
    fmcp_http_loop *loop = NULL;
    fmcp_server *srv = NULL;
    fmcp_auth *auth = NULL;
    fmcp_http_endpoint *ep = NULL;
    fmcp_server_desc sd;
    fmcp_auth_desc ad;
    fmcp_http_endpoint_desc d;
    fmcp_tool_desc td;
    const char *aud[1], *as[1], *algs[1], *problem = NULL;
    char res[256], jwks[512];
    int rc = 1;
    if (argc < 4) { fprintf(stderr, "usage: dpop_server PORT ISSUER ALG\n"); return 2; }
    snprintf(res, sizeof res, "http://127.0.0.1:%s/mcp", argv[1]);
    snprintf(jwks, sizeof jwks, "%s/jwks", argv[2]);
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK) goto out;
    memset(&sd, 0, sizeof sd);
    sd.name = "dpop-server"; sd.version = "1";
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) goto out;
    memset(&ad, 0, sizeof ad);
    aud[0] = res; as[0] = argv[2]; algs[0] = argv[3];
    ad.jwks_url = jwks; ad.loop = loop;
    ad.issuer = argv[2];
    ad.audiences = aud; ad.audience_count = 1;
    ad.algorithms = algs; ad.algorithm_count = 1;
    ad.authorization_servers = as; ad.authorization_server_count = 1;
    ad.resource = res;
    ad.no_audit = 1;
    ad.dpop_mode = FMCP_AUTH_DPOP_REQUIRED;
    ad.problem = &problem;
    if (fmcp_auth_create(&ad, &auth) != FMCP_OK) {
        fprintf(stderr, "dpop_server: auth: %s\n", problem ? problem : "?");
        goto out;
    }
    memset(&td, 0, sizeof td);
    td.name = "whoami"; td.description = "who is calling"; td.handler = whoami;
    if (fmcp_auth_add_tool(auth, srv, &td) != FMCP_OK) goto out;
    memset(&d, 0, sizeof d);
    d.port = (uint16_t)atoi(argv[1]);
    if (fmcp_auth_attach(auth, srv, &d) != FMCP_OK || fmcp_http_endpoint_create(srv, loop, &d, &ep) != FMCP_OK)
        goto out;
    printf("LISTENING %s\n", res);
    fflush(stdout);
    rc = fmcp_http_run(loop) == FMCP_OK ? 0 : 1;
out:
    if (ep) fmcp_http_endpoint_destroy(ep);
    if (srv) fmcp_server_destroy(srv);
    if (auth) fmcp_auth_destroy(auth);
    if (loop) fmcp_http_loop_destroy(loop);
    return rc;
}
