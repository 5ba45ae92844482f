/* streaming_server.c - an authenticated MCP server whose tool streams
 * progress: stream_analysis(items) reports one progress notification per
 * item, naming the user ("analysed 2/5 for alice"). The optional delay_ms
 * (at most 10000) is spent on each item before its report, like real work,
 * so the reports visibly stream (tests/interop/deploy.sh checks that they
 * pass a reverse proxy one by one). The environment is that of
 * authenticated_server (see auth_common.h); the development test token
 * carries mcp:read.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "auth_common.h"
#include <time.h>

/* "Work" for ms milliseconds, in slices so a cancellation ends it early. */
static void work_for(fmcp_ctx *c, int64_t ms)
{
    struct timespec ts;
    while (ms > 0 && !fmcp_ctx_is_cancelled(c)) {
        int64_t step = ms > 50 ? 50 : ms;
        ts.tv_sec = 0; ts.tv_nsec = (long)step * 1000000L;
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static fmcp_result stream_analysis(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *who = fmcp_ctx_auth(c);
    const char *user = who && who->subject ? who->subject : "anonymous";
    const fmcp_json *args = fmcp_ctx_args(c), *items = args ? fmcp_json_get(args, "items") : NULL, *it;
    size_t total = fmcp_json_len(items), i = 0;
    int64_t delay = fmcp_ctx_arg_int(c, "delay_ms", 0);
    char msg[256];
    fmcp_result rc = FMCP_OK;
    (void)u;
    for (it = fmcp_json_first(items); it && rc == FMCP_OK; it = fmcp_json_next(it)) {
        i++;
        work_for(c, delay > 10000 ? 10000 : delay);
        snprintf(msg, sizeof msg, "analysed %zu/%zu for %s", i, total, user);
        if (fmcp_ctx_is_cancelled(c)) return FMCP_ERR_CANCELLED;
        rc = fmcp_ctx_progress(c, (double)i, (double)total, msg);
    }
    if (rc != FMCP_OK) return rc;
    snprintf(msg, sizeof msg, "Analysed %zu items for %s", total, user);
    return fmcp_ctx_add_text(c, msg);
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
    if (!ex_auth_setup(&x, &ad, "mcp:read", "mcp:read")) return 1;
    sd.name = "streaming-server"; sd.version = "1.0.0";
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK || fmcp_server_create(&sd, &srv) != FMCP_OK) goto out;
    ad.loop = loop;
    if (fmcp_auth_create(&ad, &a) != FMCP_OK) {
        fprintf(stderr, "bad auth configuration: %s\n", x.problem ? x.problem : "see fmcp_auth_desc");
        goto out;
    }
    t.name = "stream_analysis"; t.description = "Analyse items, reporting progress per item";
    t.params = "items:array, delay_ms?:integer";
    t.handler = stream_analysis;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) goto out;
    x.try_call = "stream_analysis '{\"items\":[\"a\",\"b\",\"c\"]}'";
    rc = ex_serve(&x, srv, a, loop);
out:
    if (srv) fmcp_server_destroy(srv);
    fmcp_auth_destroy(a);
    if (loop) fmcp_http_loop_destroy(loop);
    ex_auth_done(&x);
    return rc;
}
