/* conformance_client - the client under test for the MCP conformance suite
 * (@modelcontextprotocol/conformance, client mode).
 *
 *   build/examples/conformance_client http://localhost:PORT/mcp
 *
 * The runner appends the server URL as the last argument and names the
 * scenario in MCP_CONFORMANCE_SCENARIO; MCP_CONFORMANCE_CONTEXT may hold a
 * JSON object with a pre-registered client_id/client_secret, and for the
 * auth extensions a private_key_pem (client credentials, private_key_jwt),
 * the enterprise IdP's idp_* values (ID-JAG) or a workload JWT (valid_jwt);
 * the auth/dpop scenarios turn DPoP on. OAuth runs
 * headless: fmcp_oauth_authorize_follow reads the authorization server's
 * redirect instead of opening a browser; tokens live in memory only.
 * Exit status 0 when every step worked.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The client ID metadata document URL the auth/basic-cimd scenario expects. */
#define CIMD_URL "https://conformance-test.local/client-metadata.json"

/* elicitation/create: accept, with every default the schema declares. */
static fmcp_result on_elicitation(void *user, fmcp_client *c, const char *method, const fmcp_json *params,
                                  fmcp_json_writer *w)
{
    const fmcp_json *props = fmcp_json_get(fmcp_json_get(params, "requestedSchema"), "properties"), *p;
    (void)user; (void)c; (void)method;
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "action"); fmcp_jw_str(w, "accept");
    fmcp_jw_key(w, "content");
    fmcp_jw_object_begin(w);
    for (p = fmcp_json_first(props); p; p = fmcp_json_next(p)) {
        const fmcp_json *def = fmcp_json_get(p, "default");
        size_t kl;
        const char *k = fmcp_json_key(p, &kl);
        if (!def) continue;
        fmcp_jw_keyn(w, k, kl);
        fmcp_jw_value(w, def);
    }
    fmcp_jw_object_end(w);
    fmcp_jw_object_end(w);
    return FMCP_OK;
}

static int call(fmcp_client *c, const char *tool, const char *args)
{
    fmcp_json_doc *res = NULL;
    fmcp_result r = fmcp_client_call_tool(c, tool, args, NULL, &res);
    char buf[4096];
    size_t need;
    if (r != FMCP_OK) {
        fprintf(stderr, "tools/call %s: %s\n", tool, fmcp_result_str(r));
        if (res) fmcp_json_doc_destroy(res);
        return 1;
    }
    if (fmcp_json_write(fmcp_client_result(res), buf, sizeof buf, &need) == FMCP_OK) printf("%s\n", buf);
    fmcp_json_doc_destroy(res);
    return 0;
}

/* The auth scenarios: list the tools and call the first one. */
static int list_and_call(fmcp_client *c)
{
    fmcp_json_doc *tools = NULL;
    const char *name;
    int rc;
    fmcp_result r = fmcp_client_list_tools(c, &tools);
    if (r != FMCP_OK) { fprintf(stderr, "tools/list: %s\n", fmcp_result_str(r)); return 1; }
    name = fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_json_root(tools), "tools"), 0), "name", NULL);
    rc = name ? call(c, name, "{}") : 0;
    fmcp_json_doc_destroy(tools);
    return rc;
}

/* Sample arguments for a tool from its input schema: a value of each
 * property's type (strings "conformance", integers 1, booleans true). */
static void sample_args(const fmcp_json *schema, char *out, size_t cap)
{
    fmcp_json_writer w;
    const fmcp_json *p;
    char *text;
    size_t n;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    for (p = fmcp_json_first(fmcp_json_get(schema, "properties")); p; p = fmcp_json_next(p)) {
        size_t kl;
        const char *k = fmcp_json_key(p, &kl), *type = fmcp_json_get_str(p, "type", "string");
        fmcp_jw_keyn(&w, k, kl);
        if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0) fmcp_jw_int(&w, 1);
        else if (strcmp(type, "boolean") == 0) fmcp_jw_bool(&w, 1);
        else if (strcmp(type, "object") == 0) { fmcp_jw_object_begin(&w); fmcp_jw_object_end(&w); }
        else if (strcmp(type, "array") == 0) { fmcp_jw_array_begin(&w); fmcp_jw_array_end(&w); }
        else fmcp_jw_str(&w, "conformance");
    }
    fmcp_jw_object_end(&w);
    snprintf(out, cap, "{}");
    if (fmcp_jw_finish(&w, &text, &n) == FMCP_OK) {
        if (n < cap) memcpy(out, text, n + 1);
        fmcp_free_text(w.alloc, text, n);
    }
}

/* Is tool `name` in a tools/list result? */
static int listed(const fmcp_json_doc *tools, const char *name)
{
    const fmcp_json *t;
    for (t = fmcp_json_first(fmcp_json_get(fmcp_json_root(tools), "tools")); t; t = fmcp_json_next(t))
        if (strcmp(fmcp_json_get_str(t, "name", ""), name) == 0) return 1;
    return 0;
}

/* The 2026-07-28 client scenarios: call every tool the server lists, with
 * sample arguments (multi round-trip, header mirroring), or, when the
 * context names toolCalls (custom headers), those calls with their
 * arguments, each only if the listed tools still hold it; for the schema
 * preservation scenario, echo the focal tool's inputSchema verbatim. */
static int call_all(fmcp_client *c, const char *scenario, const fmcp_json *calls)
{
    fmcp_json_doc *tools = NULL;
    const fmcp_json *t;
    int rc = 0;
    fmcp_result r = fmcp_client_list_tools(c, &tools);
    if (r != FMCP_OK) { fprintf(stderr, "tools/list: %s\n", fmcp_result_str(r)); return 1; }
    if (fmcp_json_is(calls, FMCP_JSON_ARRAY)) {
        for (t = fmcp_json_first(calls); t; t = fmcp_json_next(t)) {
            const char *name = fmcp_json_get_str(t, "name", "");
            char args[8192];
            if (!listed(tools, name)) continue;
            if (fmcp_json_write(fmcp_json_get(t, "arguments"), args, sizeof args, NULL) != FMCP_OK)
                snprintf(args, sizeof args, "{}");
            rc |= call(c, name, args);
        }
        fmcp_json_doc_destroy(tools);
        return rc;
    }
    for (t = fmcp_json_first(fmcp_json_get(fmcp_json_root(tools), "tools")); t; t = fmcp_json_next(t)) {
        const char *name = fmcp_json_get_str(t, "name", "");
        char args[8192];
        if (strcmp(scenario, "json-schema-2020-12-preservation") == 0) {
            const fmcp_json *focal;
            char schema[7000];
            if (strcmp(name, "json_schema_echo") != 0) continue;
            for (focal = fmcp_json_first(fmcp_json_get(fmcp_json_root(tools), "tools")); focal; focal = fmcp_json_next(focal))
                if (strcmp(fmcp_json_get_str(focal, "name", ""), "json_schema_echo") != 0) break;
            if (!focal || fmcp_json_write(fmcp_json_get(focal, "inputSchema"), schema, sizeof schema, NULL) != FMCP_OK) continue;
            snprintf(args, sizeof args, "{\"schema\":%s}", schema);
        } else {
            sample_args(fmcp_json_get(t, "inputSchema"), args, sizeof args);
        }
        rc |= call(c, name, args);
    }
    fmcp_json_doc_destroy(tools);
    return rc;
}

static int run(fmcp_client *c, const char *scenario, const fmcp_json *ctx)
{
    if (strcmp(scenario, "initialize") == 0) return 0;
    if (strcmp(scenario, "tools_call") == 0) return call(c, "add_numbers", "{\"a\":5,\"b\":3}");
    if (strcmp(scenario, "elicitation-sep1034-client-defaults") == 0)
        return call(c, "test_client_elicitation_defaults", "{}");
    if (strcmp(scenario, "sse-retry") == 0) return call(c, "test_reconnection", "{}");
    if (strncmp(scenario, "sep-2322", 8) == 0 || strncmp(scenario, "http-", 5) == 0 ||
        strncmp(scenario, "json-schema", 11) == 0)
        return call_all(c, scenario, fmcp_json_get(ctx, "toolCalls"));
    return list_and_call(c);
}

int main(int argc, char **argv)
{
    const char *url, *scenario = getenv("MCP_CONFORMANCE_SCENARIO"), *ctx = getenv("MCP_CONFORMANCE_CONTEXT");
    fmcp_json_doc *cdoc = NULL;
    fmcp_oauth_store *store = NULL;
    fmcp_oauth *oauth = NULL;
    fmcp_oauth_desc od = {0};
    fmcp_client_desc cd = {0};
    fmcp_client *c = NULL;
    fmcp_result r;
    int rc;
    if (argc < 2) { fprintf(stderr, "usage: %s SERVER_URL\n", argv[0]); return 2; }
    url = argv[argc - 1];
    if (!scenario) scenario = "";
    if (ctx && fmcp_json_parse(ctx, strlen(ctx), NULL, &cdoc, NULL) == FMCP_OK) {
        const fmcp_json *x = fmcp_json_root(cdoc);
        od.client_id = fmcp_json_get_str(x, "client_id", NULL);
        od.client_secret = fmcp_json_get_str(x, "client_secret", NULL);
        /* the auth extensions: which grant the scenario's context sets up */
        od.private_key_pem = fmcp_json_get_str(x, "private_key_pem", NULL);
        if (strncmp(scenario, "auth/client-credentials", 23) == 0) od.grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
        if (fmcp_json_get_str(x, "idp_id_token", NULL)) {
            od.grant = FMCP_OAUTH_GRANT_ID_JAG;
            od.idp_token_endpoint = fmcp_json_get_str(x, "idp_token_endpoint", NULL);
            od.idp_id_token = fmcp_json_get_str(x, "idp_id_token", NULL);
            od.idp_client_id = fmcp_json_get_str(x, "idp_client_id", NULL);
        }
        if (fmcp_json_get_str(x, "valid_jwt", NULL)) {
            od.grant = FMCP_OAUTH_GRANT_JWT_BEARER;
            od.assertion = fmcp_json_get_str(x, "valid_jwt", NULL);
        }
    }
    od.dpop = strncmp(scenario, "auth/dpop", 9) == 0;
    od.client_name = "fastmcp.h conformance client";
    od.client_metadata_url = CIMD_URL;
    od.authorize = fmcp_oauth_authorize_follow;
    if (fmcp_oauth_memory_store_create(NULL, &store) != FMCP_OK) return 1;
    od.store = store;
    r = fmcp_oauth_create(&od, url, &oauth);
    if (r != FMCP_OK) { fprintf(stderr, "oauth: %s\n", fmcp_result_str(r)); return 1; }
    cd.name = "fastmcp.h-conformance-client";
    cd.version = FASTMCP_VERSION_STRING;
    cd.oauth = oauth;
    cd.on_elicitation = on_elicitation;
    cd.timeout_ms = 20000;
    /* sse-retry must see the answer arrive on the resumed stream, not on
     * a stand-alone GET stream */
    cd.no_get_stream = strcmp(scenario, "sse-retry") == 0;
    r = fmcp_client_connect_http(&cd, url, &c);
    if (r != FMCP_OK) {
        fprintf(stderr, "connect %s: %s\n", url, fmcp_result_str(r));
        rc = 1;
    } else {
        rc = run(c, scenario, fmcp_json_root(cdoc));
        fmcp_client_destroy(c);
    }
    fmcp_oauth_destroy(oauth);
    fmcp_oauth_memory_store_destroy(store);
    if (cdoc) fmcp_json_doc_destroy(cdoc);
    return rc;
}
