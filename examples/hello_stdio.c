/* hello_stdio.c - the quick start at the top of fastmcp.h, as a file: one
 * tool on stdio. tests/run.sh builds the copy in the header's comment and
 * checks that it is this program.
 * tool.params is a compact spec (or give input_schema, JSON Schema 2020-12);
 * fmcp_server_run_stdio serves until stdin closes. No comments below this
 * line: the code sits inside the header's comment.
 *   cc -std=c99 -I. examples/hello_stdio.c -lpthread -o hello && ./hello */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>

static fmcp_result add(fmcp_ctx *c, void *user)
{
    char sum[32];
    (void)user;
    snprintf(sum, sizeof sum, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, sum);
}

int main(void)
{
    fmcp_server_desc sd = {0};
    fmcp_tool_desc tool = {0};
    fmcp_server *srv;
    sd.name = "hello"; sd.version = "1.0";
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    tool.name = "add"; tool.description = "Add two integers";
    tool.params = "a:integer, b:integer";
    tool.handler = add;
    if (fmcp_server_add_tool(srv, &tool) != FMCP_OK) return 1;
    fmcp_server_run_stdio(srv);
    fmcp_server_destroy(srv);
    return 0;
}
