/* authenticated_server.c - an MCP server behind RS256 bearer tokens.
 *
 *   build/examples/authenticated_server      (see auth_common.h for the environment)
 *
 * Development (default): generates a key pair, prints "Test Token: <jwt>"
 * (scopes mcp:read mcp:write) and "Listening on http://HOST:PORT/mcp".
 * Production (ENVIRONMENT=production): keys from JWKS_URI, issuer JWT_ISSUER,
 * audience JWT_AUDIENCE, every request needs REQUIRED_SCOPES (default
 * "mcp:read mcp:write").
 *
 * Tools: process_data(operation, data) - "write" needs mcp:write, reports
 * progress 1/2 and 2/2, answers {user, operation, data}; get_access_token -
 * the caller's subject, client id, scopes, expiry and claims.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "auth_common.h"

static fmcp_result process_data(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *who = fmcp_ctx_auth(c);
    const char *op = fmcp_ctx_arg_str(c, "operation", "read");
    const fmcp_json *args = fmcp_ctx_args(c), *data = args ? fmcp_json_get(args, "data") : NULL;
    fmcp_json_writer w;
    char *out;
    size_t n;
    fmcp_result rc;
    (void)u;
    if (strcmp(op, "write") == 0 && fmcp_auth_authorize(NULL, who, FMCP_ITEM_TOOL, "process_data", "mcp:write") != FMCP_OK) {
        fmcp_ctx_set_error(c, 1);
        return fmcp_ctx_add_text(c, "insufficient scope: the write operation needs mcp:write");
    }
    (void)fmcp_ctx_progress(c, 1, 2, "validated");
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "user"); fmcp_jw_str(&w, who && who->subject ? who->subject : "anonymous");
    fmcp_jw_key(&w, "operation"); fmcp_jw_str(&w, op);
    fmcp_jw_key(&w, "data");
    if (data) fmcp_jw_value(&w, data); else fmcp_jw_null(&w);
    fmcp_jw_object_end(&w);
    if ((rc = fmcp_jw_finish(&w, &out, &n)) != FMCP_OK) return rc;
    (void)fmcp_ctx_progress(c, 2, 2, "done");
    rc = fmcp_ctx_set_structured(c, out, n);
    if (rc == FMCP_OK) rc = fmcp_ctx_add_text(c, out);
    fmcp_free_text(w.alloc, out, n);
    return rc;
}

static fmcp_result get_access_token(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *who = fmcp_ctx_auth(c);
    fmcp_json_writer w;
    char *out;
    size_t n;
    fmcp_result rc;
    (void)u;
    if (!who) return fmcp_ctx_add_text(c, "no access token");
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "subject"); fmcp_jw_str(&w, who->subject);
    fmcp_jw_key(&w, "client_id"); fmcp_jw_str(&w, who->client_id);
    fmcp_jw_key(&w, "scopes"); fmcp_jw_str(&w, who->scopes);
    fmcp_jw_key(&w, "expires_at"); fmcp_jw_int(&w, who->expires_at);
    fmcp_jw_key(&w, "claims");
    if (who->claims_json) fmcp_jw_raw(&w, who->claims_json, strlen(who->claims_json)); else fmcp_jw_null(&w);
    fmcp_jw_object_end(&w);
    if ((rc = fmcp_jw_finish(&w, &out, &n)) != FMCP_OK) return rc;
    rc = fmcp_ctx_add_text(c, out);
    fmcp_free_text(w.alloc, out, n);
    return rc;
}

int main(void)
{
    ex_auth x = {0};
    fmcp_auth_desc ad;
    fmcp_server_desc sd = {0};
    fmcp_server *srv = NULL;
    fmcp_auth *a = NULL;
    fmcp_http_loop *loop = NULL;
    fmcp_tool_desc t = {0};
    int rc = 1;
    if (!ex_auth_setup(&x, &ad, "mcp:read mcp:write", "mcp:read mcp:write")) return 1;
    sd.name = "authenticated-server"; sd.version = "1.0.0";
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK || fmcp_server_create(&sd, &srv) != FMCP_OK) goto out;
    ad.loop = loop;
    if (fmcp_auth_create(&ad, &a) != FMCP_OK) {
        fprintf(stderr, "bad auth configuration: %s\n", x.problem ? x.problem : "see fmcp_auth_desc");
        goto out;
    }
    t.name = "process_data"; t.description = "Process data; the write operation needs mcp:write";
    t.input_schema = "{\"type\":\"object\",\"properties\":{\"operation\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]},"
                     "\"data\":{}},\"required\":[\"operation\"]}";
    t.handler = process_data;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) goto out;
    memset(&t, 0, sizeof t);
    t.name = "get_access_token"; t.description = "The caller's access token claims";
    t.handler = get_access_token; t.read_only_hint = 1;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) goto out;
    x.try_call = "process_data '{\"operation\":\"read\",\"data\":{\"hello\":\"world\"}}'";
    rc = ex_serve(&x, srv, a, loop);
out:
    if (srv) fmcp_server_destroy(srv);
    fmcp_auth_destroy(a);
    if (loop) fmcp_http_loop_destroy(loop);
    ex_auth_done(&x);
    return rc;
}
