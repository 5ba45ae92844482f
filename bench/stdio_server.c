/* stdio_server.c - the fastmcp.h side of bench/bench_stdio.sh: tools `add`
 * {a,b} and `echo` {text} over stdio, as the Node servers it is compared with.
 *
 *   stdio_server            handlers on the worker pool (the default set-up)
 *   stdio_server --inline   handlers on the reading thread (workers < 0)
 *   stdio_server --inline-tool   the pool, but `add` opts in to run_inline
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <string.h>

static fmcp_result add(fmcp_ctx *c, void *u)
{
    char buf[32];
    (void)u;
    snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result echo(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", ""));
}

static fmcp_result simple_text(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "This is a simple text response for testing.");
}

int main(int argc, char **argv)
{
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_server *srv;
    fmcp_result r;
    int inline_tool = argc > 1 && strcmp(argv[1], "--inline-tool") == 0;
    memset(&sd, 0, sizeof sd);
    sd.name = "bench-stdio"; sd.version = FASTMCP_VERSION_STRING; sd.log = fmcp_log_stderr;
    if (argc > 1 && strcmp(argv[1], "--inline") == 0) sd.workers = -1;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    memset(&t, 0, sizeof t);
    t.name = "add"; t.description = "Adds two numbers"; t.params = "a:integer, b:integer"; t.handler = add;
    t.run_inline = inline_tool;
    r = fmcp_server_add_tool(srv, &t);
    memset(&t, 0, sizeof t);
    t.name = "echo"; t.description = "Echoes the text"; t.params = "text:string"; t.handler = echo;
    if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &t);
    /* the tool bench/bench_client.sh calls (as on examples/everything) */
    memset(&t, 0, sizeof t);
    t.name = "test_simple_text"; t.description = "Returns simple text"; t.handler = simple_text;
    t.run_inline = inline_tool;
    if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &t);
    if (r == FMCP_OK) r = fmcp_server_run_stdio(srv);
    fmcp_server_destroy(srv);
    return r == FMCP_OK ? 0 : 1;
}
