/* A fastmcp.h bearer server whose tokens are checked by RFC 7662
 * introspection (tests/interop/introspect.sh):
 *   introspect_server ENDPOINT ISSUER AUDIENCE PORT CLIENT_ID SECRET [basic|post|jwt]
 * With jwt, SECRET is the file of the private key (PEM) for private_key_jwt.
 * Tools: whoami (any valid token; answers with the caller view) and write
 * (needs the mcp:write scope). Listens on 127.0.0.1:PORT. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>

static fmcp_result whoami(fmcp_ctx *c, void *user)
{
    const fmcp_auth_info *a = fmcp_ctx_auth(c);
    char buf[512];
    (void)user;
    snprintf(buf, sizeof buf, "sub=%s cid=%s scopes=%s iss=%s", a && a->subject ? a->subject : "-",
             a && a->client_id ? a->client_id : "-", a && a->scopes ? a->scopes : "-",
             a && a->issuer ? a->issuer : "-");
    return fmcp_ctx_add_text(c, buf);
}

int main(int argc, char **argv)
{
    fmcp_server_desc sd;
    fmcp_tool_desc tool;
    fmcp_auth_desc ad;
    fmcp_introspect_desc id;
    fmcp_http_endpoint_desc hd;
    fmcp_server *srv;
    fmcp_auth *auth;
    const char *problem = NULL;
    const char *method = argc > 7 ? argv[7] : "basic";
    static char pem[16384];
    if (argc < 7) return 2;
    memset(&sd, 0, sizeof sd); memset(&tool, 0, sizeof tool); memset(&ad, 0, sizeof ad);
    memset(&id, 0, sizeof id); memset(&hd, 0, sizeof hd);
    sd.name = "introspect-interop"; sd.version = "1";
    id.endpoint = argv[1]; id.client_id = argv[5]; id.client_secret = argv[6];
    if (strcmp(method, "post") == 0) id.client_auth = FMCP_INTROSPECT_CLIENT_SECRET_POST;
    if (strcmp(method, "jwt") == 0) {
        FILE *f = fopen(argv[6], "rb");
        size_t n = f ? fread(pem, 1, sizeof pem - 1, f) : 0;
        if (f) fclose(f);
        pem[n] = 0;
        id.client_auth = FMCP_INTROSPECT_PRIVATE_KEY_JWT;
        id.client_secret = NULL; id.private_key = pem;
    }
    ad.introspection = &id;
    ad.issuer = argv[2];
    ad.audiences = (const char *const *)&argv[3]; ad.audience_count = 1;
    ad.problem = &problem;
    hd.port = (uint16_t)atoi(argv[4]);
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    tool.name = "whoami"; tool.handler = whoami;
    if (fmcp_server_add_tool(srv, &tool) != FMCP_OK) return 1;
    tool.name = "write"; tool.scopes = "mcp:write";
    if (fmcp_server_add_tool(srv, &tool) != FMCP_OK) return 1;
    if (fmcp_auth_create(&ad, &auth) != FMCP_OK) { fprintf(stderr, "auth: %s\n", problem ? problem : "?"); return 1; }
    if (fmcp_auth_attach(auth, srv, &hd) != FMCP_OK) return 1;
    printf("Listening on http://127.0.0.1:%u/mcp\n", (unsigned)hd.port);
    fflush(stdout);
    return fmcp_server_run_http(srv, &hd) == FMCP_OK ? 0 : 1;
}
