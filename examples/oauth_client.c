/* oauth_client.c - an MCP client that signs in with OAuth 2.1.
 *
 *   oauth_client [--advanced] [--no-browser] [--follow] [--cache-dir DIR] URL [TOOL [JSON]]
 *
 * Simple form (the default): OAuth with every default, the C spelling of
 * Client("https://.../mcp", auth="oauth"). On the first 401 the client finds
 * the authorization server (RFC 9728, RFC 8414), registers itself (RFC 7591),
 * opens the browser with a PKCE S256 request, takes the code on a loopback
 * callback, stores the tokens in ~/.fastmcp/oauth-mcp-client-cache/ and
 * retries; later runs reuse and refresh the stored tokens without a browser.
 *
 * --advanced: the same flow configured by hand, like OAuth(...) with scopes,
 * a client name, a fixed callback port, extra registration metadata and a
 * token directory of its own (./oauth-tokens unless --cache-dir).
 *
 * Then it lists the tools and calls TOOL (default: the first tool) with JSON
 * (default {}). --no-browser prints the authorization URL instead of opening
 * it; --follow fetches it without a browser (servers that approve by
 * themselves, such as test servers).
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <string.h>

#ifdef FMCP_OAUTH_WK_RESOURCE   /* a fastmcp.h with the oauth module */

typedef struct options {
    int advanced, no_browser, follow;
    const char *cache_dir, *url, *tool, *args;
} options;

static int parse_args(int argc, char **argv, options *op)
{
    int i;
    memset(op, 0, sizeof *op);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--advanced") == 0) op->advanced = 1;
        else if (strcmp(argv[i], "--no-browser") == 0) op->no_browser = 1;
        else if (strcmp(argv[i], "--follow") == 0) op->follow = 1;
        else if (strcmp(argv[i], "--cache-dir") == 0 && i + 1 < argc) op->cache_dir = argv[++i];
        else if (argv[i][0] == '-') return 0;
        else if (!op->url) op->url = argv[i];
        else if (!op->tool) op->tool = argv[i];
        else if (!op->args) op->args = argv[i];
        else return 0;
    }
    return op->url != NULL;
}

/* Simple: zero the description and say nothing else. */
static void simple_config(fmcp_oauth_desc *od, const options *op)
{
    memset(od, 0, sizeof *od);
    od->cache_dir = op->cache_dir;   /* NULL: ~/.fastmcp/oauth-mcp-client-cache */
}

/* Advanced: every knob the seed's OAuth(...) has. */
static void advanced_config(fmcp_oauth_desc *od, const options *op)
{
    memset(od, 0, sizeof *od);
    od->scopes = "mcp:read mcp:write";          /* used when the server names none */
    od->client_name = "My MCP Client";
    od->callback_port = 8765;                    /* redirect URI http://localhost:8765/callback */
    od->callback_timeout_ms = 120000;
    od->additional_client_metadata =
        "{\"client_uri\":\"https://example.com/my-mcp-client\",\"contacts\":[\"ops@example.com\"]}";
    od->cache_dir = op->cache_dir ? op->cache_dir : "./oauth-tokens";
}

static int list_and_call(fmcp_client *c, const options *op)
{
    fmcp_json_doc *tools = NULL, *res = NULL;
    const fmcp_json *t;
    const char *tool = op->tool;
    char text[4096];
    size_t n = 0;
    fmcp_result r = fmcp_client_list_tools(c, &tools);
    if (r != FMCP_OK) { fprintf(stderr, "tools/list: %s\n", fmcp_result_str(r)); fmcp_json_doc_destroy(tools); return 1; }
    for (t = fmcp_json_first(fmcp_json_get(fmcp_json_root(tools), "tools")); t; t = fmcp_json_next(t)) {
        printf("tool %s\n", fmcp_json_get_str(t, "name", "?"));
        if (!tool) tool = fmcp_json_get_str(t, "name", NULL);
    }
    if (!tool) { fmcp_json_doc_destroy(tools); printf("no tools\n"); return 0; }
    r = fmcp_client_call_tool(c, tool, op->args ? op->args : "{}", NULL, &res);
    if (r == FMCP_OK && fmcp_json_write(fmcp_client_result(res), text, sizeof text, &n) == FMCP_OK)
        printf("%s -> %s\n", tool, text);
    else if (r == FMCP_OK) printf("%s -> (a result of %zu bytes)\n", tool, n);
    else fprintf(stderr, "tools/call %s: %s\n", tool, fmcp_result_str(r));
    fmcp_json_doc_destroy(res);
    fmcp_json_doc_destroy(tools);
    return r == FMCP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    options op;
    fmcp_oauth_desc od;
    fmcp_client_desc cd = {0};
    fmcp_oauth *o = NULL;
    fmcp_client *c = NULL;
    fmcp_tls_client *tls = NULL;
    fmcp_result r;
    int rc = 1;
    if (!parse_args(argc, argv, &op)) {
        fprintf(stderr, "usage: oauth_client [--advanced] [--no-browser] [--follow] [--cache-dir DIR] URL [TOOL [JSON]]\n");
        return 2;
    }
    if (op.advanced) advanced_config(&od, &op);
    else simple_config(&od, &op);
    od.headless = op.no_browser;
    if (op.follow) od.authorize = fmcp_oauth_authorize_follow;
    cd.name = "oauth-client-example";
    if (strncmp(op.url, "https://", 8) == 0 && fmcp_tls_client_create(NULL, NULL, &tls) == FMCP_OK) {
        cd.transport = fmcp_tls_client_io(tls);   /* https for the server and the AS */
        od.transport = cd.transport;
        od.authorize_user = (void *)cd.transport;
    }
    if ((r = fmcp_oauth_create(&od, op.url, &o)) != FMCP_OK) {
        fprintf(stderr, "oauth: %s\n", fmcp_result_str(r));
    } else {
        cd.oauth = o;
        if ((r = fmcp_client_connect_http(&cd, op.url, &c)) != FMCP_OK)
            fprintf(stderr, "connect %s: %s\n", op.url, fmcp_result_str(r));
        else rc = list_and_call(c, &op);
    }
    if (c) fmcp_client_destroy(c);
    fmcp_oauth_destroy(o);
    fmcp_tls_client_destroy(tls);
    return rc;
}
#else
int main(void)
{
    fprintf(stderr, "oauth_client: this fastmcp.h was built without the oauth module\n");
    return 1;
}
#endif
