/* The fastmcp.h client against a real peer server (tests/interop/client.sh):
 *   client_peer sdk|fastmcp URL
 *   client_peer sdk|fastmcp -- CMD ARGS...
 * Prints ok/FAIL lines and "RESULT p f s". The "sdk" profile expects the tools
 * of client-sdk-server.mjs, "fastmcp" those of client-fastmcp-server.mjs. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

static int P, F;

static void check(const char *name, int ok, const char *detail)
{
    if (ok) { P++; printf("ok    %s\n", name); }
    else { F++; printf("FAIL  %s%s%s\n", name, detail ? ": " : "", detail ? detail : ""); }
}

static double prog[8];
static int nprog, nlogs;
static char logs[4][64];
/* Log notifications may come on the GET stream, after the call's answer on
 * its POST (TypeScript fastmcp sends them unrelated): the check waits. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cv = PTHREAD_COND_INITIALIZER;

static int on_progress(void *u, double p, double total, const char *msg)
{
    (void)u; (void)total; (void)msg;
    if (nprog < 8) prog[nprog++] = p;
    return 0;
}

static void on_log(void *u, const char *level, const char *logger, const fmcp_json *data)
{
    (void)u; (void)logger;
    pthread_mutex_lock(&log_mu);
    if (nlogs < 4) {
        /* a string, or (TypeScript fastmcp) an object with a message */
        const char *s = fmcp_json_str(data, NULL) ? fmcp_json_str(data, NULL) : fmcp_json_get_str(data, "message", NULL);
        snprintf(logs[nlogs++], sizeof logs[0], "%s:%s", level, s ? s : "(object)");
    }
    pthread_cond_broadcast(&log_cv);
    pthread_mutex_unlock(&log_mu);
}

/* Waits (at most 10 s: only so a failure cannot hang) until n logs are in. */
static int logs_in(int n)
{
    struct timespec until;
    int got;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&log_mu);
    while (nlogs < n && pthread_cond_timedwait(&log_cv, &log_mu, &until) == 0) { }
    got = nlogs;
    pthread_mutex_unlock(&log_mu);
    return got;
}

static fmcp_result on_sampling(void *u, fmcp_client *c, const char *m, const fmcp_json *params, fmcp_json_writer *w)
{
    (void)u; (void)c; (void)m; (void)params;
    const char *res = "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"four\"},\"model\":\"fake\"}";
    fmcp_jw_raw(w, res, strlen(res));
    return FMCP_OK;
}

static const char *text0(const fmcp_json_doc *d)
{
    static char buf[256];
    const fmcp_json *c0 = fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "content"), 0);
    snprintf(buf, sizeof buf, "%s", fmcp_json_get_str(c0, "text", "(none)"));
    return buf;
}

/* tools/call expecting text; returns 1 when it matched. */
static int call_text(fmcp_client *c, const char *tool, const char *args, const fmcp_call_opts *o, const char *want)
{
    fmcp_json_doc *d = NULL;
    fmcp_result r = fmcp_client_call_tool(c, tool, args, o, &d);
    int ok = r == FMCP_OK && strcmp(text0(d), want) == 0;
    if (!ok) fprintf(stderr, "  %s: %s, text %s\n", tool, fmcp_result_str(r), d ? text0(d) : "-");
    if (d) fmcp_json_doc_destroy(d);
    return ok;
}

static void common(fmcp_client *c, int sdk)
{
    fmcp_json_doc *d = NULL;
    fmcp_call_opts o;
    const fmcp_json *info = fmcp_client_server_info(c);
    check("initialize: serverInfo", strcmp(fmcp_json_get_str(fmcp_json_get(info, "serverInfo"), "name", ""),
                                           sdk ? "sdk-peer" : "fastmcp-peer") == 0, NULL);
    check("initialize: version negotiated", fmcp_client_protocol_version(c)[0] != 0, fmcp_client_protocol_version(c));
    check("ping", fmcp_client_ping(c) == FMCP_OK, NULL);
    check("tools/list", fmcp_client_list_tools(c, &d) == FMCP_OK &&
          fmcp_json_len(fmcp_json_get(fmcp_json_root(d), "tools")) >= 4, NULL);
    if (d) { fmcp_json_doc_destroy(d); d = NULL; }
    check("tools/call echo", call_text(c, "echo", "{\"text\":\"h\\u00e9llo\"}", NULL, "h\xc3\xa9llo"), NULL);
    check("tools/call add", call_text(c, "add", "{\"a\":2,\"b\":40}", NULL, "42"), NULL);
    memset(&o, 0, sizeof o);
    o.progress = on_progress;
    nprog = 0;
    check("tools/call with progress", call_text(c, "progress", NULL, &o, "progress done"), NULL);
    check("progress in order", nprog == 3 && prog[0] == 1 && prog[1] == 2 && prog[2] == 3, NULL);
    pthread_mutex_lock(&log_mu);
    nlogs = 0;
    pthread_mutex_unlock(&log_mu);
    (void)fmcp_client_set_log_level(c, "debug");
    check("tools/call with logs", call_text(c, "log", NULL, NULL, "logged"), NULL);
    check("log notifications", logs_in(2) == 2 && strcmp(logs[0], "info:first") == 0 && strncmp(logs[1], "warning:", 8) == 0,
          logs[0]);
    check("resources/list", fmcp_client_list_resources(c, &d) == FMCP_OK &&
          fmcp_json_len(fmcp_json_get(fmcp_json_root(d), "resources")) == 1, NULL);
    if (d) { fmcp_json_doc_destroy(d); d = NULL; }
    check("resources/read", fmcp_client_read_resource(c, "test://hello", &d) == FMCP_OK &&
          strcmp(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "contents"), 0), "text", ""),
                 "hello resource") == 0, NULL);
    if (d) { fmcp_json_doc_destroy(d); d = NULL; }
    check("prompts/get", fmcp_client_get_prompt(c, "greet", "{\"name\":\"Ada\"}", &d) == FMCP_OK &&
          strcmp(fmcp_json_get_str(fmcp_json_get(fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "messages"), 0),
                                                 "content"), "text", ""), "Hello, Ada!") == 0, NULL);
    if (d) { fmcp_json_doc_destroy(d); d = NULL; }
    check("unknown tool is an error", fmcp_client_call_tool(c, "no-such-tool", NULL, NULL, &d) != FMCP_OK ||
          fmcp_json_get_bool(fmcp_client_result(d), "isError", 0), NULL);
    if (d) { fmcp_json_doc_destroy(d); d = NULL; }
}

static void sdk_only(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    fmcp_call_opts o;
    char want[8];
    check("sampling round trip", call_text(c, "sample", NULL, NULL, "sampled:four"), NULL);
    check("roots/list answered", call_text(c, "roots", NULL, NULL, "file:///tmp/root"), NULL);
    memset(&o, 0, sizeof o);
    o.timeout_ms = 300;
    check("timeout", fmcp_client_call_tool(c, "wait", NULL, &o, &d) == FMCP_ERR_TIMEOUT, NULL);
    snprintf(want, sizeof want, "1");
    /* the peer saw notifications/cancelled: its abort signal fired */
    check("cancellation reached the server", call_text(c, "cancelled", NULL, NULL, want), NULL);
}

int main(int argc, char **argv)
{
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_result r;
    int sdk;
    if (argc < 3) { fprintf(stderr, "usage: client_peer sdk|fastmcp URL | -- CMD ARGS...\n"); return 2; }
    sdk = strcmp(argv[1], "sdk") == 0;
    memset(&d, 0, sizeof d);
    d.timeout_ms = 15000;
    d.on_log = on_log;
    d.on_sampling = on_sampling;
    d.roots_json = "[{\"uri\":\"file:///tmp/root\",\"name\":\"root\"}]";
    if (strcmp(argv[2], "--") == 0) r = fmcp_client_connect_stdio(&d, (const char *const *)(argv + 3), NULL, &c);
    else r = fmcp_client_connect_http(&d, argv[2], &c);
    check("connect", r == FMCP_OK, fmcp_result_str(r));
    if (c) {
        common(c, sdk);
        if (sdk) sdk_only(c);
        fmcp_client_destroy(c);
    }
    printf("RESULT %d %d 0\n", P, F);
    return F ? 1 : 0;
}
