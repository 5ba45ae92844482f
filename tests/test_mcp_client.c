/* Tests for the MCP client: against our own server in-process over a
 * socketpair (stream transport) and over Streamable HTTP on 127.0.0.1:0,
 * plus a spawned stdio server (this binary run with --server). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#define T_THREADS
#include "test.h"
#include <pthread.h>
#include <unistd.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

static const char *self_path;

/* ---- a gate the tests open, so handlers block without sleeping ----------- */

static t_gate G = T_GATE_INIT;

/* Opens the gate and waits until the blocked handler has left it. */
static void gate_release(void)
{
    t_gate_open(&G);
    t_gate_wait_finished(&G, 1, 0);
}

/* ---- server tools -------------------------------------------------------- */

static fmcp_result t_echo(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", "?"));
}

static fmcp_result t_progress(fmcp_ctx *c, void *u)
{
    int i;
    (void)u;
    for (i = 1; i <= 3; i++) {
        char m[32];
        snprintf(m, sizeof m, "step %d", i);
        fmcp_ctx_progress(c, i, 3, m);
    }
    return fmcp_ctx_add_text(c, "progress done");
}

/* Reports progress once, then blocks until the test opens the gate. */
static fmcp_result t_block(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_progress(c, 1, 0, NULL);
    t_gate_pass(&G, c, T_GATE_WAIT);
    return fmcp_ctx_add_text(c, "late");
}

static fmcp_result t_log(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_log(c, FMCP_LOG_INFO, "t", "first");
    fmcp_ctx_log(c, FMCP_LOG_WARNING, "t", "second");
    return fmcp_ctx_add_text(c, "logged");
}

/* Forwards the client's answer to an input request, as JSON text. Through
 * fmcp_ctx_input: a server request in a legacy session, input_required
 * (the client answers and retries) in the 2026-07-28 era. */
static fmcp_result t_ask(fmcp_ctx *c, void *u)
{
    const char *what = fmcp_ctx_arg_str(c, "what", "");
    const fmcp_json *res = NULL;
    char text[1024];
    fmcp_result r;
    (void)u;
    if (strcmp(what, "sample") == 0)
        r = fmcp_ctx_input(c, "s", "sampling/createMessage", "{\"messages\":[{\"role\":\"user\",\"content\":"
                           "{\"type\":\"text\",\"text\":\"2+2?\"}}],\"maxTokens\":5}", &res);
    else if (strcmp(what, "elicit") == 0)
        r = fmcp_ctx_input(c, "e", "elicitation/create",
                           "{\"message\":\"name?\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{}}}", &res);
    else r = fmcp_ctx_input(c, "r", "roots/list", NULL, &res);
    if (r != FMCP_OK) return r;
    if (fmcp_json_write(res, text, sizeof text, NULL) != FMCP_OK) return FMCP_ERR_TOO_LARGE;
    return fmcp_ctx_add_text(c, text);
}

static fmcp_result t_env(fmcp_ctx *c, void *u)
{
    const char *e = getenv("FMCP_CLIENT_TEST");
    (void)u;
    return fmcp_ctx_add_text(c, e ? e : "(unset)");
}

static fmcp_http_endpoint *g_http;

/* Cuts its POST stream (SSE polling), then answers: the client must resume. */
static fmcp_result t_cut(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_progress(c, 1, 2, "before cut");
    if (g_http) fmcp_http_endpoint_close_sse(g_http, c);
    fmcp_ctx_progress(c, 2, 2, "after cut");
    return fmcp_ctx_add_text(c, "resumed");
}

static fmcp_result r_dyn(fmcp_ctx *c, void *u)
{
    char buf[128];
    (void)u;
    snprintf(buf, sizeof buf, "item %s", fmcp_ctx_var(c, "id"));
    return fmcp_ctx_add_resource_text(c, NULL, "text/plain", buf);
}

static fmcp_result p_greet(fmcp_ctx *c, void *u)
{
    char buf[128];
    (void)u;
    snprintf(buf, sizeof buf, "Hello, %s!", fmcp_ctx_arg_str(c, "name", "?"));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_server *make_server_ex(int64_t cache_ttl_ms, int cache_private)
{
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_tool_desc t;
    fmcp_resource_desc r;
    fmcp_template_desc tp;
    fmcp_prompt_desc p;
    fmcp_prompt_arg pa;
    int i;
    memset(&sd, 0, sizeof sd);
    sd.name = "client-test";
    sd.version = "1.2.3";
    sd.page_size = 2;   /* so every list needs several pages */
    sd.cache_ttl_ms = cache_ttl_ms;
    sd.cache_private = cache_private;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return NULL;
    memset(&t, 0, sizeof t);
    t.name = "echo"; t.params = "text:string"; t.handler = t_echo; fmcp_server_add_tool(srv, &t);
    t.name = "progress"; t.params = ""; t.handler = t_progress; fmcp_server_add_tool(srv, &t);
    t.name = "block"; t.handler = t_block; fmcp_server_add_tool(srv, &t);
    t.name = "log"; t.handler = t_log; fmcp_server_add_tool(srv, &t);
    t.name = "ask"; t.params = "what:string"; t.handler = t_ask; fmcp_server_add_tool(srv, &t);
    t.name = "env"; t.params = ""; t.handler = t_env; fmcp_server_add_tool(srv, &t);
    t.name = "cut"; t.handler = t_cut; fmcp_server_add_tool(srv, &t);
    memset(&r, 0, sizeof r);
    for (i = 0; i < 3; i++) {
        char uri[32], text[32];
        snprintf(uri, sizeof uri, "test://static/%d", i);
        snprintf(text, sizeof text, "static %d", i);
        r.uri = uri; r.name = uri; r.mime_type = "text/plain"; r.text = text;
        fmcp_server_add_resource(srv, &r);
    }
    memset(&tp, 0, sizeof tp);
    tp.uri_template = "test://item/{id}"; tp.name = "item"; tp.handler = r_dyn;
    fmcp_server_add_resource_template(srv, &tp);
    memset(&p, 0, sizeof p);
    memset(&pa, 0, sizeof pa);
    pa.name = "name"; pa.required = 1;
    p.name = "greet"; p.args = &pa; p.n_args = 1; p.handler = p_greet;
    fmcp_server_add_prompt(srv, &p);
    return srv;
}

static fmcp_server *make_server(void) { return make_server_ex(0, 0); }

#define N_TOOLS 7

/* ---- client-side handlers and recorders ---------------------------------- */

typedef struct rec {
    pthread_mutex_t m;
    pthread_cond_t cv;
    double prog[16];
    char msgs[16][16];
    int nprog, cancel_at;
    char logs[4][32];
    int nlogs, list_changed;
} rec;

static rec R;

static void rec_reset(void)
{
    pthread_mutex_lock(&R.m);
    R.nprog = R.nlogs = R.list_changed = 0;
    R.cancel_at = 0;
    pthread_mutex_unlock(&R.m);
}

static int on_progress(void *u, double progress, double total, const char *message)
{
    int stop;
    (void)u; (void)total;
    pthread_mutex_lock(&R.m);
    if (R.nprog < 16) {
        R.prog[R.nprog] = progress;
        snprintf(R.msgs[R.nprog], sizeof R.msgs[0], "%s", message ? message : "");
        R.nprog++;
    }
    stop = R.cancel_at && R.nprog >= R.cancel_at;
    pthread_mutex_unlock(&R.m);
    return stop;
}

static void on_log(void *u, const char *level, const char *logger, const fmcp_json *data)
{
    (void)u; (void)logger;
    pthread_mutex_lock(&R.m);
    if (R.nlogs < 4) snprintf(R.logs[R.nlogs++], sizeof R.logs[0], "%s:%s", level, fmcp_json_str(data, NULL));
    pthread_mutex_unlock(&R.m);
}

static void on_note(void *u, const char *method, const fmcp_json *params)
{
    (void)u; (void)params;
    t_bump(&R.m, &R.cv, &R.list_changed, strcmp(method, "notifications/tools/list_changed") == 0);
}

static fmcp_result on_sampling(void *u, fmcp_client *c, const char *method, const fmcp_json *params,
                               fmcp_json_writer *w)
{
    const fmcp_json *m0 = fmcp_json_at(fmcp_json_get(params, "messages"), 0);
    (void)u; (void)c; (void)method;
    if (strcmp(fmcp_json_get_str(fmcp_json_get(m0, "content"), "text", ""), "2+2?") != 0) return FMCP_ERR_INVALID_ARG;
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "role"); fmcp_jw_str(w, "assistant");
    fmcp_jw_key(w, "content");
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "type"); fmcp_jw_str(w, "text");
    fmcp_jw_key(w, "text"); fmcp_jw_str(w, "four");
    fmcp_jw_object_end(w);
    fmcp_jw_key(w, "model"); fmcp_jw_str(w, "test-model");
    fmcp_jw_object_end(w);
    return FMCP_OK;
}

static fmcp_result on_elicit(void *u, fmcp_client *c, const char *method, const fmcp_json *params,
                             fmcp_json_writer *w)
{
    (void)u; (void)c; (void)method; (void)params;
    { const char *t = "{\"action\":\"accept\",\"content\":{\"name\":\"Ada\"}}"; fmcp_jw_raw(w, t, strlen(t)); }
    return FMCP_OK;
}

/* The era the client asks for: the batteries run once legacy, once auto
 * (which finds our dual-era server modern). */
static int g_era = FMCP_ERA_LEGACY;

static void client_desc(fmcp_client_desc *d)
{
    memset(d, 0, sizeof *d);
    d->protocol_era = g_era;
    d->name = "test-client";
    d->timeout_ms = 10000;
    d->on_sampling = on_sampling;
    d->on_elicitation = on_elicit;
    d->roots_json = "[{\"uri\":\"file:///tmp/root\",\"name\":\"root\"}]";
    d->on_log = on_log;
    d->on_notification = on_note;
}

/* Text of content[0] of a tools/call result (static copy). */
static const char *text0(const fmcp_json_doc *d)
{
    static char buf[512];
    const fmcp_json *c0 = fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "content"), 0);
    snprintf(buf, sizeof buf, "%s", fmcp_json_get_str(c0, "text", "(none)"));
    return buf;
}

/* ---- the battery every transport runs ------------------------------------ */

static void check_lists(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    const fmcp_json *v;
    int seen_echo = 0;
    CHECK_OK(fmcp_client_list_tools(c, &d));
    CHECK_EQ_INT(fmcp_json_len(fmcp_json_get(fmcp_json_root(d), "tools")), N_TOOLS);
    for (v = fmcp_json_first(fmcp_json_get(fmcp_json_root(d), "tools")); v; v = fmcp_json_next(v))
        seen_echo += strcmp(fmcp_json_get_str(v, "name", ""), "echo") == 0;
    CHECK_EQ_INT(seen_echo, 1);
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_list_resources(c, &d));
    CHECK_EQ_INT(fmcp_json_len(fmcp_json_get(fmcp_json_root(d), "resources")), 3);
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_list_resource_templates(c, &d));
    CHECK_STR(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_json_root(d), "resourceTemplates"), 0),
                                "uriTemplate", ""), "test://item/{id}");
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_list_prompts(c, &d));
    CHECK_EQ_INT(fmcp_json_len(fmcp_json_get(fmcp_json_root(d), "prompts")), 1);
    fmcp_json_doc_destroy(d);
}

static void check_read_and_prompt(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    const fmcp_json *m;
    CHECK_OK(fmcp_client_read_resource(c, "test://static/1", &d));
    CHECK_STR(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "contents"), 0), "text", ""),
              "static 1");
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_read_resource(c, "test://item/42", &d));
    CHECK_STR(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "contents"), 0), "text", ""),
              "item 42");
    fmcp_json_doc_destroy(d);
    CHECK(fmcp_client_read_resource(c, "test://nope", &d) == FMCP_ERR_RPC);
    CHECK_EQ_INT(fmcp_client_error_code(d), fmcp_client_is_modern(c) ? FMCP_RPC_INVALID_PARAMS
                                                                     : FMCP_RPC_RESOURCE_NOT_FOUND);
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_get_prompt(c, "greet", "{\"name\":\"Ada\"}", &d));
    m = fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "messages"), 0);
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(m, "content"), "text", ""), "Hello, Ada!");
    fmcp_json_doc_destroy(d);
    CHECK(fmcp_client_get_prompt(c, "greet", NULL, &d) == FMCP_ERR_RPC);   /* required arg missing */
    CHECK(d != NULL && fmcp_client_error_message(d) != NULL);
    if (d) fmcp_json_doc_destroy(d);
}

static void check_calls(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    fmcp_call_opts o;
    CHECK_OK(fmcp_client_ping(c));
    CHECK_OK(fmcp_client_call_tool(c, "echo", "{\"text\":\"h\\u00e9llo\"}", NULL, &d));
    CHECK_STR(text0(d), "h\xc3\xa9llo");
    fmcp_json_doc_destroy(d);
    /* progress: in order, all before the result */
    rec_reset();
    memset(&o, 0, sizeof o);
    o.progress = on_progress;
    CHECK_OK(fmcp_client_call_tool(c, "progress", NULL, &o, &d));
    CHECK_STR(text0(d), "progress done");
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(R.nprog, 3);
    CHECK(R.prog[0] == 1 && R.prog[1] == 2 && R.prog[2] == 3);
    CHECK_STR(R.msgs[2], "step 3");
    /* logs */
    rec_reset();
    CHECK_OK(fmcp_client_set_log_level(c, "info"));
    CHECK_OK(fmcp_client_call_tool(c, "log", NULL, NULL, &d));
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(R.nlogs, 2);
    CHECK_STR(R.logs[0], "info:first");
    CHECK_STR(R.logs[1], "warning:second");
    /* server-to-client requests */
    CHECK_OK(fmcp_client_call_tool(c, "ask", "{\"what\":\"sample\"}", NULL, &d));
    CHECK(strstr(text0(d), "\"four\"") != NULL);
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_call_tool(c, "ask", "{\"what\":\"elicit\"}", NULL, &d));
    CHECK(strstr(text0(d), "\"Ada\"") != NULL);
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_client_call_tool(c, "ask", "{\"what\":\"roots\"}", NULL, &d));
    CHECK(strstr(text0(d), "file:///tmp/root") != NULL);
    fmcp_json_doc_destroy(d);
    CHECK(fmcp_client_call_tool(c, "no-such-tool", NULL, NULL, &d) != FMCP_OK);
    if (d) fmcp_json_doc_destroy(d);
    CHECK(fmcp_client_call_tool(c, "echo", "not json", NULL, &d) == FMCP_ERR_INVALID_ARG);
}

/* Cancels every call of the client once the blocking handler runs. */
static void *canceller(void *arg)
{
    t_gate_wait_entered(&G, 1, 0);
    fmcp_client_cancel_all((fmcp_client *)arg, "user pressed \"stop\"");
    return NULL;
}

/* Timeout, cancellation from the progress callback and from another thread:
 * each must send notifications/cancelled, which the blocked handler then
 * observes. */
static void check_timeout_cancel(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    fmcp_call_opts o;
    pthread_t th;
    int k;
    for (k = 0; k < 3; k++) {
        t_gate_reset(&G);
        rec_reset();
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        if (k == 0) { o.timeout_ms = 300; o.reset_timeout_on_progress = 1; }
        else if (k == 1) R.cancel_at = 1;
        else pthread_create(&th, NULL, canceller, c);
        CHECK(fmcp_client_call_tool(c, "block", NULL, &o, &d) == (k == 0 ? FMCP_ERR_TIMEOUT : FMCP_ERR_CANCELLED));
        if (k == 2) pthread_join(th, NULL);
        CHECK(d == NULL);
        CHECK_OK(fmcp_client_ping(c));   /* the server has read the cancellation by now */
        gate_release();
        CHECK_EQ_INT(t_gate_get(&G, &G.saw_cancel), 1);
        CHECK_OK(fmcp_client_ping(c));   /* the late answer was dropped cleanly */
    }
}

static void wait_list_changed(void)
{
    t_wait_count(&R.m, &R.cv, &R.list_changed, 1, 5000);
}

static void check_list_changed(fmcp_client *c, fmcp_server *srv)
{
    fmcp_tool_desc t;
    rec_reset();
    memset(&t, 0, sizeof t);
    t.name = "extra"; t.handler = t_echo; t.params = "text:string";
    CHECK_OK(fmcp_server_add_tool(srv, &t));
    CHECK_OK(fmcp_client_ping(c));
    wait_list_changed();
    CHECK(R.list_changed >= 1);
    CHECK_OK(fmcp_server_remove(srv, FMCP_ITEM_TOOL, "extra"));
}

static void check_info(fmcp_client *c)
{
    const fmcp_json *info = fmcp_client_server_info(c);
    CHECK_EQ_INT(fmcp_client_is_modern(c), g_era != FMCP_ERA_LEGACY);
    if (fmcp_client_is_modern(c)) {   /* the DiscoverResult */
        CHECK_STR(fmcp_json_get_str(fmcp_json_get(fmcp_json_get(info, "_meta"), "io.modelcontextprotocol/serverInfo"),
                                    "name", ""), "client-test");
        CHECK_STR(fmcp_client_protocol_version(c), "2026-07-28");
    } else {
        CHECK_STR(fmcp_json_get_str(fmcp_json_get(info, "serverInfo"), "name", ""), "client-test");
        CHECK_STR(fmcp_client_protocol_version(c), "2025-11-25");
    }
    CHECK(fmcp_json_get(fmcp_json_get(info, "capabilities"), "tools") != NULL);
}

/* ---- stream transport over a socketpair ---------------------------------- */
#ifndef FASTMCP_NO_PROCESS   /* else the client has no stdio transport */

typedef struct pair {
    fmcp_server *srv;
    int fd;
    pthread_t th;
} pair;

static long sock_read(void *u, void *buf, size_t cap)
{
    long n;
    do n = (long)read(*(int *)u, buf, cap); while (n < 0 && errno == EINTR);
    return n;
}

static long sock_write(void *u, const void *buf, size_t len)
{
    return (long)send(*(int *)u, buf, len, MSG_NOSIGNAL);
}

static void *serve_main(void *arg)
{
    pair *p = (pair *)arg;
    fmcp_stream_desc d;
    memset(&d, 0, sizeof d);
    d.read = sock_read; d.write = sock_write; d.user = &p->fd;
    fmcp_stream_serve(p->srv, &d);
    close(p->fd);
    return NULL;
}

/* Start a server thread on one end; returns the other end, or -1. */
static int pair_start(pair *p, fmcp_server *srv)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    p->srv = srv;
    p->fd = sv[0];
    if (pthread_create(&p->th, NULL, serve_main, p) != 0) { close(sv[0]); close(sv[1]); return -1; }
    return sv[1];
}

static fmcp_result connect_pair(pair *p, fmcp_server *srv, const fmcp_client_desc *d, fmcp_client **c)
{
    int fd = pair_start(p, srv), wfd;
    fmcp_result r;
    if (fd < 0) return FMCP_ERR_IO;
    wfd = dup(fd);
    r = fmcp_client_connect_fd(d, fd, wfd, c);
    return r;
}

static void test_stream_battery(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    pair p;
    client_desc(&d);
    CHECK_OK(connect_pair(&p, srv, &d, &c));
    if (c) {
        check_info(c);
        CHECK_STR(fmcp_client_session_id(c), "");
        check_lists(c);
        check_read_and_prompt(c);
        check_calls(c);
        check_timeout_cancel(c);
        check_list_changed(c, srv);
        fmcp_client_destroy(c);
    }
    pthread_join(p.th, NULL);
    fmcp_server_destroy(srv);
}

/* The peer dies mid-call: the call ends with FMCP_ERR_CLOSED, not a hang. */
static void test_stream_peer_gone(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    pair p;
    client_desc(&d);
    t_gate_reset(&G);
    CHECK_OK(connect_pair(&p, srv, &d, &c));
    if (c) {
        shutdown(p.fd, SHUT_RDWR);   /* the server's end */
        CHECK(fmcp_client_call_tool(c, "echo", "{\"text\":\"x\"}", NULL, &doc) == FMCP_ERR_CLOSED);
        CHECK(doc == NULL);
        CHECK(fmcp_client_ping(c) == FMCP_ERR_CLOSED);
        fmcp_client_destroy(c);
    }
    pthread_join(p.th, NULL);
    fmcp_server_destroy(srv);
}

/* An older server answers with its own version: the client accepts it. */
static void test_stream_version(void)
{
    static const char *const only_old[] = { "2024-11-05", NULL };
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    pair p;
    memset(&sd, 0, sizeof sd);
    sd.name = "old";
    sd.protocol_versions = only_old;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    client_desc(&d);
    d.protocol_version = "2025-06-18";
    CHECK_OK(connect_pair(&p, srv, &d, &c));
    CHECK_STR(fmcp_client_protocol_version(c), "2024-11-05");
    fmcp_client_destroy(c);
    pthread_join(p.th, NULL);
    fmcp_server_destroy(srv);
}

static void test_stream_alloc_sweep(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    client_desc(&d);
    d.alloc = &t_alloc;
    d.timeout_ms = 300;   /* an answer dropped for lack of memory ends as a timeout */
    T_ALLOC_SWEEP({
        fmcp_client *c = NULL;
        fmcp_json_doc *doc = NULL;
        pair p;
        t_rc = connect_pair(&p, srv, &d, &c);
        if (t_rc == FMCP_OK) {
            t_rc = fmcp_client_list_tools(c, &doc);
            if (doc) fmcp_json_doc_destroy(doc);
            doc = NULL;
            if (t_rc == FMCP_OK) t_rc = fmcp_client_call_tool(c, "echo", "{\"text\":\"x\"}", NULL, &doc);
            if (doc) fmcp_json_doc_destroy(doc);
            doc = NULL;
            if (t_rc == FMCP_OK) t_rc = fmcp_client_read_resource(c, "test://item/7", &doc);
            if (doc) fmcp_json_doc_destroy(doc);
            doc = NULL;
            if (t_rc == FMCP_OK) t_rc = fmcp_client_get_prompt(c, "greet", "{\"name\":\"x\"}", &doc);
            if (doc) fmcp_json_doc_destroy(doc);
            fmcp_client_destroy(c);
        }
        pthread_join(p.th, NULL);
    });
    fmcp_server_destroy(srv);
}

#endif /* FASTMCP_NO_PROCESS */

/* ---- HTTP ---------------------------------------------------------------- */

typedef struct hsrv {
    fmcp_server *srv;
    fmcp_http_loop *loop;
    fmcp_http_endpoint *t;
    pthread_t th;
    char url[128], legacy_url[128];
} hsrv;

static void *loop_main(void *arg)
{
    fmcp_http_run(((hsrv *)arg)->loop);
    return NULL;
}

static fmcp_result auth_hook(void *u, const char *method, const char *path, const fmcp_http_req *req,
                             fmcp_http_auth_reply *reply)
{
    const char *a = fmcp_http_req_header(req, "Authorization");
    const char *x = fmcp_http_req_header(req, "X-Client-Test");
    (void)u; (void)method; (void)path;
    if (!a || strcmp(a, "Bearer s3cret") != 0 || !x || strcmp(x, "yes") != 0) reply->status = 401;
    return FMCP_OK;
}

/* ---- Mcp-Param-* headers as the server received them (SEP-2243) ---------- */

static const char *const xh_names[] = { "Region", "Priority", "Verbose", "Text", "Ctl", "Sentinel", "Inner", "Query" };
#define XH_N (sizeof xh_names / sizeof xh_names[0])
static struct { pthread_mutex_t m; int calls; char v[XH_N][128]; int has[XH_N]; } XH = { PTHREAD_MUTEX_INITIALIZER, 0, { { 0 } }, { 0 } };

/* Records the Mcp-Param-* headers of each tools/call POST; lets all through. */
static fmcp_result xh_hook(void *u, const char *method, const char *path, const fmcp_http_req *req,
                           fmcp_http_auth_reply *reply)
{
    const char *m = fmcp_http_req_header(req, "Mcp-Method");
    size_t i;
    (void)u; (void)method; (void)path; (void)reply;
    if (!m || strcmp(m, "tools/call") != 0) return FMCP_OK;
    pthread_mutex_lock(&XH.m);
    XH.calls++;
    for (i = 0; i < XH_N; i++) {
        char name[64];
        const char *v;
        snprintf(name, sizeof name, "Mcp-Param-%s", xh_names[i]);
        v = fmcp_http_req_header(req, name);
        XH.has[i] = v != NULL;
        snprintf(XH.v[i], sizeof XH.v[i], "%s", v ? v : "");
    }
    pthread_mutex_unlock(&XH.m);
    return FMCP_OK;
}

/* The recorded value of Mcp-Param-<name>, or "(absent)". */
static const char *xh_get(const char *name)
{
    static char out[128];
    size_t i;
    pthread_mutex_lock(&XH.m);
    snprintf(out, sizeof out, "(unknown)");
    for (i = 0; i < XH_N; i++)
        if (strcmp(xh_names[i], name) == 0) snprintf(out, sizeof out, "%s", XH.has[i] ? XH.v[i] : "(absent)");
    pthread_mutex_unlock(&XH.m);
    return out;
}

/* ---- requests the server saw, by Mcp-Method (for the result cache) ------- */

static struct { pthread_mutex_t m; int lists, reads, posts; } CC = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };

static fmcp_result cc_hook(void *u, const char *method, const char *path, const fmcp_http_req *req,
                           fmcp_http_auth_reply *reply)
{
    const char *m = fmcp_http_req_header(req, "Mcp-Method");
    (void)u; (void)path; (void)reply;
    pthread_mutex_lock(&CC.m);
    if (m && strcmp(m, "tools/list") == 0) CC.lists++;
    if (m && strcmp(m, "resources/read") == 0) CC.reads++;
    if (strcmp(method, "POST") == 0) CC.posts++;
    pthread_mutex_unlock(&CC.m);
    return FMCP_OK;
}

static int cc_lists(void) { return t_get_locked(&CC.m, &CC.lists); }
static int cc_posts(void) { return t_get_locked(&CC.m, &CC.posts); }
static int cc_reads(void) { return t_get_locked(&CC.m, &CC.reads); }

static int hsrv_start(hsrv *h, fmcp_server *srv, int with_auth)
{
    fmcp_http_endpoint_desc d;
    memset(h, 0, sizeof *h);
    memset(&d, 0, sizeof d);
    d.retry_ms = 50;
    if (with_auth) d.authenticate = with_auth == 3 ? cc_hook : with_auth == 2 ? xh_hook : auth_hook;
    h->srv = srv;
    if (fmcp_http_loop_create(NULL, &h->loop) != FMCP_OK) return -1;
    if (fmcp_http_endpoint_create(srv, h->loop, &d, &h->t) != FMCP_OK) { fmcp_http_loop_destroy(h->loop); return -1; }
    snprintf(h->url, sizeof h->url, "http://127.0.0.1:%u/mcp", (unsigned)fmcp_http_endpoint_port(h->t));
    snprintf(h->legacy_url, sizeof h->legacy_url, "http://127.0.0.1:%u/sse", (unsigned)fmcp_http_endpoint_port(h->t));
    if (pthread_create(&h->th, NULL, loop_main, h) != 0) return -1;
    return 0;
}

static void hsrv_stop(hsrv *h)
{
    fmcp_http_stop(h->loop);
    pthread_join(h->th, NULL);
    fmcp_http_endpoint_destroy(h->t);
    fmcp_http_loop_destroy(h->loop);
}

static void test_http_battery(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    hsrv h;
    if (hsrv_start(&h, srv, 0) != 0) { fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        check_info(c);
        CHECK_EQ_INT(strlen(fmcp_client_session_id(c)), g_era == FMCP_ERA_LEGACY ? 32 : 0);
        if (g_era == FMCP_ERA_LEGACY) CHECK_EQ_INT(fmcp_http_endpoint_sessions(h.t), 1);
        check_lists(c);
        check_read_and_prompt(c);
        check_calls(c);
        check_timeout_cancel(c);
        check_list_changed(c, srv);   /* arrives on the GET stream */
        fmcp_client_destroy(c);
        CHECK_EQ_INT(fmcp_http_endpoint_sessions(h.t), 0);   /* DELETE ended it */
    }
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

/* The same batteries with protocol_era auto: our dual-era server is found
 * modern (server/discover), and everything above works unchanged. */
#ifndef FASTMCP_NO_PROCESS
static void test_stream_battery_modern(void)
{
    g_era = FMCP_ERA_AUTO;
    test_stream_battery();
    g_era = FMCP_ERA_LEGACY;
}
#endif

static void test_http_battery_modern(void)
{
    g_era = FMCP_ERA_AUTO;
    test_http_battery();
    g_era = FMCP_ERA_LEGACY;
}

/* A POST stream closed by the server before the answer: GET + Last-Event-ID. */
static void test_http_resume(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    fmcp_call_opts o;
    hsrv h;
    if (hsrv_start(&h, srv, 0) != 0) { fmcp_server_destroy(srv); CHECK(0); return; }
    g_http = h.t;
    client_desc(&d);
    d.no_get_stream = 1;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        rec_reset();
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        CHECK_OK(fmcp_client_call_tool(c, "cut", NULL, &o, &doc));
        CHECK_STR(text0(doc), "resumed");
        if (doc) fmcp_json_doc_destroy(doc);
        CHECK_EQ_INT(R.nprog, 2);
        CHECK_STR(R.msgs[1], "after cut");
        fmcp_client_destroy(c);
    }
    g_http = NULL;
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

static void test_http_bearer(void)
{
    static const fmcp_http_header extra[1] = { { "X-Client-Test", "yes" } };
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    hsrv h;
    if (hsrv_start(&h, srv, 1) != 0) { fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    d.headers = extra; d.nheaders = 1;
    CHECK(fmcp_client_connect_http(&d, h.url, &c) == FMCP_ERR_HTTP);
    CHECK(c == NULL);
    d.bearer_token = "s3cret";
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        CHECK_OK(fmcp_client_ping(c));
        fmcp_client_destroy(c);
    }
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

/* The client keeps its own copy of the descriptor: the caller's strings and
 * header list are scribbled over and freed after connect, and later
 * requests still carry the token and header; fmcp_client_query_desc shows
 * the copy with the defaults filled in. */
static void test_desc_copied(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc *d = (fmcp_client_desc *)calloc(1, sizeof *d);
    fmcp_http_header *extra = (fmcp_http_header *)calloc(1, sizeof *extra);
    char *tok = strdup("s3cret"), *hn = strdup("X-Client-Test"), *hv = strdup("yes"), *title = strdup("T");
    fmcp_client *c = NULL;
    fmcp_client_desc q;
    hsrv h;
    if (!d || !extra || !tok || !hn || !hv || !title || hsrv_start(&h, srv, 1) != 0) {
        fmcp_server_destroy(srv); free(d); free(extra); free(tok); free(hn); free(hv); free(title); CHECK(0); return;
    }
    client_desc(d);
    d->name = NULL;          /* defaults to fill */
    d->timeout_ms = 0;
    d->no_get_stream = 1;
    d->title = title;
    d->bearer_token = tok;
    extra->name = hn; extra->value = hv;
    d->headers = extra; d->nheaders = 1;
    CHECK_OK(fmcp_client_connect_http(d, h.url, &c));
    memset(tok, 'x', strlen(tok)); memset(hn, 'y', strlen(hn)); memset(hv, 'z', strlen(hv));
    memset(title, 'w', strlen(title));
    memset(extra, 0, sizeof *extra); memset(d, 0, sizeof *d);
    free(tok); free(hn); free(hv); free(title); free(extra); free(d);
    if (c) {
        CHECK_OK(fmcp_client_ping(c));   /* the auth hook wants "Bearer s3cret" and X-Client-Test: yes */
        q = fmcp_client_query_desc(c);
        CHECK_STR(q.name, "fastmcp.h");
        CHECK_STR(q.version, FASTMCP_VERSION_STRING);
        CHECK_STR(q.title, "T");
        CHECK_STR(q.protocol_version, "2025-11-25");
        CHECK_STR(q.bearer_token, "s3cret");
        CHECK_EQ_INT(q.nheaders, 1);
        if (q.nheaders == 1) { CHECK_STR(q.headers[0].name, "X-Client-Test"); CHECK_STR(q.headers[0].value, "yes"); }
        CHECK_EQ_INT(q.timeout_ms, 60000);
        CHECK_EQ_INT(q.max_input_rounds, 8);
        CHECK_EQ_INT(q.grace_ms, 2000);
        CHECK_EQ_INT(q.max_message, 16 << 20);
        CHECK_EQ_INT(q.cache_max_entries, 256);
        CHECK_EQ_INT(q.cache_max_bytes, 1 << 20);
        CHECK(q.no_get_stream == 1 && q.on_sampling == on_sampling);
        CHECK_STR(q.roots_json, "[{\"uri\":\"file:///tmp/root\",\"name\":\"root\"}]");
        fmcp_client_destroy(c);
    }
    q = fmcp_client_query_desc(NULL);
    CHECK(q.name == NULL && q.timeout_ms == 0);
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

/* Header lines from the descriptor cannot smuggle in another line. */
static void test_desc_refused(void)
{
    static const fmcp_http_header crlf[1] = { { "X-A", "a\r\nX-B: b" } }, badname[1] = { { "X A", "a" } };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    client_desc(&d);
    d.headers = crlf; d.nheaders = 1;
    CHECK(fmcp_client_connect_http(&d, "http://127.0.0.1:1/mcp", &c) == FMCP_ERR_INVALID_ARG);
    d.headers = badname;
    CHECK(fmcp_client_connect_http(&d, "http://127.0.0.1:1/mcp", &c) == FMCP_ERR_INVALID_ARG);
    d.headers = NULL; d.nheaders = 0;
    d.bearer_token = "t\nX-B: b";
    CHECK(fmcp_client_connect_http(&d, "http://127.0.0.1:1/mcp", &c) == FMCP_ERR_INVALID_ARG);
    CHECK(c == NULL);
}

/* The old HTTP+SSE transport: POST initialize is refused, GET gives `endpoint`. */
static void test_http_legacy(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    fmcp_call_opts o;
    hsrv h;
    if (hsrv_start(&h, srv, 0) != 0) { fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    d.protocol_version = "2024-11-05";
    CHECK_OK(fmcp_client_connect_http(&d, h.legacy_url, &c));
    if (c) {
        CHECK_STR(fmcp_client_protocol_version(c), "2024-11-05");
        CHECK_OK(fmcp_client_call_tool(c, "echo", "{\"text\":\"old\"}", NULL, &doc));
        CHECK_STR(text0(doc), "old");
        if (doc) fmcp_json_doc_destroy(doc);
        rec_reset();
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        CHECK_OK(fmcp_client_call_tool(c, "progress", NULL, &o, &doc));
        if (doc) fmcp_json_doc_destroy(doc);
        CHECK_EQ_INT(R.nprog, 3);
        check_lists(c);
        fmcp_client_destroy(c);
    }
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

static void test_http_refused(void)
{
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    char url[64];
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* a port that was just free: bind, read it, close */
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(s, (struct sockaddr *)&a, &al) == 0);
    close(s);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", (unsigned)ntohs(a.sin_port));
    client_desc(&d);
    CHECK(fmcp_client_connect_http(&d, url, &c) == FMCP_ERR_IO);
    CHECK(fmcp_client_connect_http(&d, "https://127.0.0.1:1/mcp", &c) == FMCP_ERR_UNSUPPORTED);
    CHECK(fmcp_client_connect_http(&d, "not a url", &c) != FMCP_OK);
    CHECK(c == NULL);
}

static void test_http_alloc_sweep(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    hsrv h;
    if (hsrv_start(&h, srv, 0) != 0) { fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    d.alloc = &t_alloc;
    d.timeout_ms = 2000;
    d.no_get_stream = 1;   /* its allocations would race the sweep's */
    /* A notification dropped for lack of memory cannot be reported by the
     * call, so a missing progress report counts as the reported failure; the
     * DELETE in close is best effort, so failures there only need no leak. */
    T_ALLOC_SWEEP({
        fmcp_client *c = NULL;
        fmcp_json_doc *doc = NULL;
        fmcp_call_opts o;
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        rec_reset();
        t_rc = fmcp_client_connect_http(&d, h.url, &c);
        if (t_rc == FMCP_OK) {
            int failed;
            t_rc = fmcp_client_call_tool(c, "progress", NULL, &o, &doc);
            if (doc) fmcp_json_doc_destroy(doc);
            if (t_rc == FMCP_OK && R.nprog != 3) t_rc = FMCP_ERR_NOMEM;
            failed = t_alloc_failed;
            fmcp_client_destroy(c);
            if (!failed) t_alloc_failed = 0;
        }
    });
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

/* ---- a fake server that answers with raw bytes ---------------------------
 * One connection at a time on 127.0.0.1:0; each request (head + body read
 * whole) gets the reply that fake_reply writes for the current case. The
 * malformed cases are otherwise valid initialize answers, so a client that
 * let them through would connect. */

enum { FK_VALID, FK_CL_TE, FK_DUP_CL, FK_STATUS, FK_LF_CHUNK, FK_LF_HEAD, FK_BIG_HEAD, FK_MANY_HEADERS };

static struct {
    int lfd, port, stop, cs;
    pthread_t th;
    int requests;
} FK;

static int fk_init_json(char *out, size_t cap, const char *id)
{
    return snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"protocolVersion\":\"2025-11-25\","
                    "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"fake\",\"version\":\"1\"}}}", id);
}

/* The reply to one request; the length written. */
static size_t fake_reply(char *out, size_t cap, const char *method, const char *id)
{
    char body[512];
    int bl;
    size_t n = 0;
    if (strcmp(method, "initialize") != 0) {
        if (strcmp(method, "tools/list") == 0 && FK.cs == FK_VALID) {
            /* a chunked JSON answer with a chunk extension and a trailer */
            bl = snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"tools\":[{\"name\":\"fk\","
                          "\"inputSchema\":{\"type\":\"object\"}}]}}", id);
            return (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\n%.5s\r\n%x\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n",
                                    body, (unsigned)(bl - 5), body + 5);
        }
        if (!*method) return (size_t)snprintf(out, cap, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return (size_t)snprintf(out, cap, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    }
    bl = fk_init_json(body, sizeof body, id);
    switch (FK.cs) {
    case FK_VALID: {   /* SSE over chunked: the event split inside a line, between chunks */
        char ev[640];
        int el = snprintf(ev, sizeof ev, ": hi\n\nevent: message\ndata: %s\n\n", body), cut = el / 2;
        return (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n%x\r\n%.*s\r\n%X\r\n%s\r\n0\r\n\r\n",
                                (unsigned)cut, cut, ev, (unsigned)(el - cut), ev + cut);
    }
    case FK_CL_TE:     /* both framings: the old reader took chunked */
        return (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", (unsigned)bl, body);
    case FK_DUP_CL:    /* two lengths: the old reader took the last */
        return (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n"
                                "Content-Length: %d\r\n\r\n%s", bl, body);
    case FK_STATUS:    /* '1' ':' '0' made 200 for the old reader */
        return (size_t)snprintf(out, cap, "HTTP/1.1 1:0 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                                bl, body);
    case FK_LF_CHUNK:
        return (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n%x\n%s\n0\n\n", (unsigned)bl, body);
    case FK_LF_HEAD:
        return (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                                bl, body);
    case FK_BIG_HEAD:  /* 20000 bytes of head: fits the 32 KiB buffer, over the 16 KiB limit */
        n = (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Big: ");
        memset(out + n, 'a', 20000);
        n += 20000;
        return n + (size_t)snprintf(out + n, cap - n, "\r\nContent-Length: %d\r\n\r\n%s", bl, body);
    default: {         /* FK_MANY_HEADERS: 300 small fields */
        int i;
        n = (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
        for (i = 0; i < 300; i++) n += (size_t)snprintf(out + n, cap - n, "X-%d: v\r\n", i);
        return n + (size_t)snprintf(out + n, cap - n, "Content-Length: %d\r\n\r\n%s", bl, body);
    }
    }
}

/* Copies the JSON string or number after "key": in body (crude but enough for our client's compact output). */
static void fk_field(const char *body, const char *key, char *out, size_t cap)
{
    const char *p = strstr(body, key);
    size_t n = 0;
    out[0] = 0;
    if (!p) return;
    p += strlen(key);
    if (*p == '"') p++;
    while (*p && *p != '"' && *p != ',' && *p != '}' && n + 1 < cap) out[n++] = *p++;
    out[n] = 0;
}

static void fk_serve_conn(int fd, char *in, char *out)
{
    size_t have = 0;
    for (;;) {
        char *end = NULL, *cl, method[64], id[32];
        size_t head, need;
        long r;
        while (!(end = have >= 4 ? strstr(in, "\r\n\r\n") : NULL)) {
            if (have + 1 >= 65536) return;
            r = read(fd, in + have, 65535 - have);
            if (r <= 0) return;
            have += (size_t)r;
            in[have] = 0;
        }
        head = (size_t)(end + 4 - in);
        cl = strstr(in, "Content-Length: ");
        need = head + (cl && cl < end ? (size_t)strtoul(cl + 16, NULL, 10) : 0);
        while (have < need) {
            r = read(fd, in + have, 65535 - have);
            if (r <= 0) return;
            have += (size_t)r;
            in[have] = 0;
        }
        {
            char save = in[need];
            in[need] = 0;
            fk_field(in + head, "\"method\":", method, sizeof method);
            fk_field(in + head, "\"id\":", id, sizeof id);
            in[need] = save;
        }
        if (strncmp(in, "POST ", 5) != 0) method[0] = 0;
        __atomic_add_fetch(&FK.requests, 1, __ATOMIC_SEQ_CST);
        {
            size_t n = fake_reply(out, 65536, method, id[0] ? id : "0"), off = 0;
            while (off < n) {
                r = write(fd, out + off, n - off);
                if (r <= 0) return;
                off += (size_t)r;
            }
        }
        memmove(in, in + need, have - need + 1);
        have -= need;
    }
}

static void *fk_main(void *arg)
{
    char *in = (char *)malloc(65536), *out = (char *)malloc(65536);
    (void)arg;
    while (in && out) {
        int fd = accept(FK.lfd, NULL, NULL);
        if (fd < 0) { if (errno == EINTR) continue; break; }
        if (__atomic_load_n(&FK.stop, __ATOMIC_SEQ_CST)) { close(fd); break; }
        in[0] = 0;
        fk_serve_conn(fd, in, out);
        close(fd);
    }
    free(in);
    free(out);
    return NULL;
}

static int fk_start(int cs)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    memset(&FK, 0, sizeof FK);
    FK.cs = cs;
    FK.lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (FK.lfd < 0 || bind(FK.lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(FK.lfd, 8) != 0 ||
        getsockname(FK.lfd, (struct sockaddr *)&a, &al) != 0) return -1;
    FK.port = ntohs(a.sin_port);
    return pthread_create(&FK.th, NULL, fk_main, NULL) == 0 ? 0 : -1;
}

/* Wakes accept with a connection of our own, then joins. */
static void fk_stop(void)
{
    struct sockaddr_in a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    __atomic_store_n(&FK.stop, 1, __ATOMIC_SEQ_CST);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)FK.port);
    if (s >= 0) { (void)connect(s, (struct sockaddr *)&a, sizeof a); close(s); }
    pthread_join(FK.th, NULL);
    close(FK.lfd);
}

static fmcp_result fk_connect(int cs, fmcp_client **c)
{
    fmcp_client_desc d;
    char url[64];
    fmcp_result r;
    *c = NULL;
    if (fk_start(cs) != 0) { CHECK(0); return FMCP_ERR_IO; }
    client_desc(&d);
    d.protocol_era = FMCP_ERA_LEGACY;
    d.no_get_stream = 1;
    d.timeout_ms = 5000;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/mcp", FK.port);
    r = fmcp_client_connect_http(&d, url, c);
    return r;
}

/* Malformed framing from the server is refused with an error, never taken. */
static void test_http_raw_refused(void)
{
    static const struct { int cs; const char *what; } cases[] = {
        { FK_CL_TE, "Content-Length with Transfer-Encoding" },
        { FK_DUP_CL, "two different Content-Length" },
        { FK_STATUS, "a status that is not 3 digits" },
        { FK_LF_CHUNK, "bare LF in chunk framing" },
        { FK_LF_HEAD, "bare LF in the head" },
        { FK_BIG_HEAD, "a head over 16 KiB" },
        { FK_MANY_HEADERS, "300 header fields" },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fmcp_client *c = NULL;
        fmcp_result r = fk_connect(cases[i].cs, &c);
        if (r == FMCP_OK || c) fprintf(stderr, "  accepted: %s\n", cases[i].what);
        CHECK(r != FMCP_OK);
        CHECK(r != FMCP_ERR_TIMEOUT);   /* refused on sight, not waited out */
        CHECK(c == NULL);
        if (c) fmcp_client_destroy(c);
        CHECK_EQ_INT(__atomic_load_n(&FK.requests, __ATOMIC_SEQ_CST), 1);   /* initialize only */
        fk_stop();
    }
}

/* Chunked SSE (an event split between chunks) and chunked JSON with an
 * extension and a trailer still work. */
static void test_http_raw_chunked(void)
{
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    CHECK_OK(fk_connect(FK_VALID, &c));
    if (c) {
        const fmcp_json *t;
        CHECK_STR(fmcp_json_get_str(fmcp_json_get(fmcp_client_server_info(c), "serverInfo"), "name", ""), "fake");
        CHECK_OK(fmcp_client_list_tools(c, &doc));
        t = fmcp_json_at(fmcp_json_get(fmcp_json_root(doc), "tools"), 0);
        CHECK_STR(fmcp_json_get_str(t, "name", ""), "fk");
        if (doc) fmcp_json_doc_destroy(doc);
        fmcp_client_destroy(c);
    }
    CHECK(__atomic_load_n(&FK.requests, __ATOMIC_SEQ_CST) >= 3);
    fk_stop();
}

/* A server whose tools carry x-mcp-header annotations, valid and not. */
static fmcp_server *make_xh_server(void)
{
    static const char *const bad[][2] = {
        { "bad_number", "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"number\",\"x-mcp-header\":\"Score\"}}}" },
        { "bad_object", "{\"type\":\"object\",\"properties\":{\"d\":{\"type\":\"object\",\"x-mcp-header\":\"Data\"}}}" },
        { "bad_null", "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"null\",\"x-mcp-header\":\"Nil\"}}}" },
        { "bad_empty", "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"\"}}}" },
        { "bad_space", "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"My Region\"}}}" },
        { "bad_colon", "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"A:B\"}}}" },
        { "bad_crlf", "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"A\\r\\nX-Evil\"}}}" },
        { "bad_nonascii", "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"R\u00e9gion\"}}}" },
        { "bad_nonstring", "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":7}}}" },
        { "bad_dup", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"MyField\"},"
                     "\"b\":{\"type\":\"object\",\"properties\":{\"c\":{\"type\":\"string\",\"x-mcp-header\":\"myfield\"}}}}}" },
        { "bad_items", "{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"x-mcp-header\":\"Item\"}}}}" },
        { "bad_anyof", "{\"type\":\"object\",\"anyOf\":[{\"properties\":{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"V\"}}}]}" },
        { "bad_root", "{\"type\":\"object\",\"x-mcp-header\":\"Root\",\"properties\":{}}" },
    };
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_tool_desc t;
    size_t i;
    memset(&sd, 0, sizeof sd);
    sd.name = "xh-test";
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return NULL;
    memset(&t, 0, sizeof t);
    t.handler = t_echo;
    t.name = "hdr";
    /* also valid: a type list with null, a property *named* x-mcp-header,
     * and x-mcp-header inside instance data (a default) */
    t.input_schema = "{\"type\":\"object\",\"properties\":{"
                     "\"region\":{\"type\":\"string\",\"x-mcp-header\":\"Region\"},"
                     "\"priority\":{\"type\":\"integer\",\"x-mcp-header\":\"Priority\"},"
                     "\"verbose\":{\"type\":[\"boolean\",\"null\"],\"x-mcp-header\":\"Verbose\"},"
                     "\"text\":{\"type\":\"string\",\"x-mcp-header\":\"Text\"},"
                     "\"ctl\":{\"type\":\"string\",\"x-mcp-header\":\"Ctl\"},"
                     "\"sentinel\":{\"type\":\"string\",\"x-mcp-header\":\"Sentinel\"},"
                     "\"obj\":{\"type\":\"object\",\"properties\":{\"inner\":{\"type\":\"string\",\"x-mcp-header\":\"Inner\"}}},"
                     "\"x-mcp-header\":{\"type\":\"object\",\"default\":{\"x-mcp-header\":\"No such\"}},"
                     "\"query\":{\"type\":\"string\"}}}";
    fmcp_server_add_tool(srv, &t);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t.name = bad[i][0];
        t.input_schema = bad[i][1];
        fmcp_server_add_tool(srv, &t);
    }
    t.name = "plain"; t.input_schema = NULL; t.params = "text:string";
    fmcp_server_add_tool(srv, &t);
    return srv;
}

/* 2026-07-28 over HTTP: tools/list leaves out tools whose x-mcp-header
 * annotations break the rules; Mcp-Param-* values are encoded as the spec
 * says (plain, else =?base64?...?=) and absent or null arguments send none. */
static void test_http_param_headers(void)
{
    fmcp_server *srv = make_xh_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    hsrv h;
    if (!srv || hsrv_start(&h, srv, 2) != 0) { if (srv) fmcp_server_destroy(srv); CHECK(0); return; }
    g_era = FMCP_ERA_AUTO;
    client_desc(&d);
    d.no_get_stream = 1;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        char names[512] = "";
        const fmcp_json *t;
        CHECK(fmcp_client_is_modern(c));
        CHECK_OK(fmcp_client_list_tools(c, &doc));
        for (t = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "tools")); t; t = fmcp_json_next(t)) {
            if (names[0]) strncat(names, ",", sizeof names - strlen(names) - 1);
            strncat(names, fmcp_json_get_str(t, "name", "?"), sizeof names - strlen(names) - 1);
        }
        CHECK_STR(names, "hdr,plain");
        if (doc) fmcp_json_doc_destroy(doc);
        doc = NULL;
        CHECK_OK(fmcp_client_call_tool(c, "hdr",
                                       "{\"region\":\"us-west1\",\"priority\":-42,\"verbose\":false,\"text\":\" padded \","
                                       "\"ctl\":\"a\\tb\",\"sentinel\":\"=?base64?literal?=\","
                                       "\"obj\":{\"inner\":\"Hello, \u4e16\u754c\"},\"query\":\"SELECT 1\"}",
                                       NULL, &doc));
        if (doc) fmcp_json_doc_destroy(doc);
        doc = NULL;
        CHECK_EQ_INT(XH.calls, 1);
        CHECK_STR(xh_get("Region"), "us-west1");
        CHECK_STR(xh_get("Priority"), "-42");
        CHECK_STR(xh_get("Verbose"), "false");
        CHECK_STR(xh_get("Text"), "=?base64?IHBhZGRlZCA=?=");
        CHECK_STR(xh_get("Ctl"), "=?base64?YQli?=");
        CHECK_STR(xh_get("Sentinel"), "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
        CHECK_STR(xh_get("Inner"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
        CHECK_STR(xh_get("Query"), "(absent)");   /* not annotated */
        CHECK_OK(fmcp_client_call_tool(c, "hdr", "{\"region\":\"r\",\"verbose\":null,\"obj\":{}}", NULL, &doc));
        if (doc) fmcp_json_doc_destroy(doc);
        doc = NULL;
        CHECK_EQ_INT(XH.calls, 2);
        CHECK_STR(xh_get("Region"), "r");
        CHECK_STR(xh_get("Verbose"), "(absent)");
        CHECK_STR(xh_get("Priority"), "(absent)");
        CHECK_STR(xh_get("Inner"), "(absent)");
        fmcp_client_destroy(c);
    }
    g_era = FMCP_ERA_LEGACY;
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

/* https:// through the tls module (BearSSL builds only), with a CA and a
 * "localhost" certificate made by the openssl command. */
static void test_https(void)
{
    char dir[64], cmd[2048], ca[96], crt[96], key[96];
    fmcp_server *srv;
    fmcp_tls_server_desc sd;
    fmcp_tls_client_desc cd;
    fmcp_tls_server *ts = NULL;
    fmcp_tls_client *tc = NULL;
    fmcp_http_server_desc hd;
    fmcp_http_endpoint_desc d;
    fmcp_client_desc cl;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    hsrv h;
    char url[96];
    if (!fmcp_tls_available()) T_SKIP("TLS not compiled in (build with -DFASTMCP_WITH_BEARSSL)");
    if (system("openssl version >/dev/null 2>&1") != 0) T_SKIP("no openssl command to make certificates");
    snprintf(dir, sizeof dir, "build/client-tls-XXXXXX");
    if (system("mkdir -p build") != 0 || !mkdtemp(dir)) { CHECK(0); return; }
    snprintf(cmd, sizeof cmd, "cd %s && exec >log.txt 2>&1 && set -e && "
        "printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\n' >ext.cnf && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj '/CN=client test CA' && "
        "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj '/CN=localhost' && "
        "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out srv.crt",
        dir);
    CHECK(system(cmd) == 0);
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    snprintf(crt, sizeof crt, "%s/srv.crt", dir);
    snprintf(key, sizeof key, "%s/srv.key", dir);
    memset(&sd, 0, sizeof sd);
    sd.cert_file = crt; sd.key_file = key;
    CHECK_OK(fmcp_tls_server_create(NULL, &sd, &ts));
    memset(&cd, 0, sizeof cd);
    cd.ca_file = ca;
    CHECK_OK(fmcp_tls_client_create(NULL, &cd, &tc));
    if (!ts || !tc) { fmcp_tls_server_destroy(ts); fmcp_tls_client_destroy(tc); return; }
    srv = make_server();
    memset(&h, 0, sizeof h);
    memset(&hd, 0, sizeof hd);
    hd.transport = fmcp_tls_server_io(ts);
    memset(&d, 0, sizeof d);
    d.http = &hd;
    CHECK_OK(fmcp_http_loop_create(NULL, &h.loop));
    CHECK_OK(fmcp_http_endpoint_create(srv, h.loop, &d, &h.t));
    pthread_create(&h.th, NULL, loop_main, &h);
    snprintf(url, sizeof url, "https://localhost:%u/mcp", (unsigned)fmcp_http_endpoint_port(h.t));
    client_desc(&cl);
    CHECK(fmcp_client_connect_http(&cl, url, &c) == FMCP_ERR_UNSUPPORTED);   /* no TLS layer given */
    cl.transport = fmcp_tls_client_io(tc);
    CHECK_OK(fmcp_client_connect_http(&cl, url, &c));
    if (c) {
        CHECK_OK(fmcp_client_call_tool(c, "echo", "{\"text\":\"over tls\"}", NULL, &doc));
        CHECK_STR(text0(doc), "over tls");
        if (doc) fmcp_json_doc_destroy(doc);
        check_calls(c);
        fmcp_client_destroy(c);
    }
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
    fmcp_tls_client_destroy(tc);
    fmcp_tls_server_destroy(ts);
}

/* ---- 2026-07-28 result cache --------------------------------------------- */

/* The library's clock, movable (tests/test.h: t_use_clock, t_clock_advance). */
static void cc_hooks(int on)
{
    if (on) t_use_clock();
    else fmcp_set_hooks(NULL);
}

/* fmcp_client_list_tools: the number of tools (-1 on failure). */
static int cc_ntools(fmcp_client *c)
{
    fmcp_json_doc *d = NULL;
    int n = -1;
    if (fmcp_client_list_tools(c, &d) == FMCP_OK) n = (int)fmcp_json_len(fmcp_json_get(fmcp_json_root(d), "tools"));
    if (d) fmcp_json_doc_destroy(d);
    return n;
}

/* A first-page tools/list: its cacheScope ("" on failure). */
static const char *cc_scope(fmcp_client *c)
{
    static char out[32];
    fmcp_json_doc *d = NULL;
    out[0] = 0;
    if (fmcp_client_request(c, "tools/list", NULL, NULL, &d) == FMCP_OK)
        snprintf(out, sizeof out, "%s", fmcp_json_get_str(fmcp_client_result(d), "cacheScope", "(none)"));
    if (d) fmcp_json_doc_destroy(d);
    return out;
}

static void cc_read(fmcp_client *c, const char *uri, const char *want)
{
    fmcp_json_doc *d = NULL;
    CHECK_OK(fmcp_client_read_resource(c, uri, &d));
    CHECK_STR(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "contents"), 0), "text", ""), want);
    if (d) fmcp_json_doc_destroy(d);
}

/* ttlMs keeps lists and reads from the server until it runs out or a
 * list_changed notification comes; no_cache and legacy always ask. */
static void test_http_cache(void)
{
    fmcp_server *srv;
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_tool_desc t;
    int n0, pages;
    hsrv h;
    cc_hooks(1);
    srv = make_server_ex(20000, 0);
    if (!srv || hsrv_start(&h, srv, 3) != 0) { if (srv) fmcp_server_destroy(srv); cc_hooks(0); CHECK(0); return; }
    client_desc(&d);
    d.protocol_era = FMCP_ERA_MODERN;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        n0 = cc_lists();
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        pages = cc_lists() - n0;
        CHECK_EQ_INT(pages, (N_TOOLS + 1) / 2);   /* page_size 2: every page is its own entry */
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        CHECK_EQ_INT(cc_lists() - n0, pages);     /* all from the cache */
        CHECK_STR(cc_scope(c), "public");
        CHECK_EQ_INT(cc_lists() - n0, pages);
        n0 = cc_reads();
        cc_read(c, "test://static/1", "static 1");
        cc_read(c, "test://static/1", "static 1");
        CHECK_EQ_INT(cc_reads() - n0, 1);
        cc_read(c, "test://static/2", "static 2");   /* another uri, another key */
        CHECK_EQ_INT(cc_reads() - n0, 2);
        CHECK_OK(fmcp_client_ping(c));               /* server/discover is never cached */
        /* stale once ttlMs has passed */
        t_clock_advance(20001);
        n0 = cc_lists();
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        CHECK_EQ_INT(cc_lists() - n0, pages);
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        CHECK_EQ_INT(cc_lists() - n0, pages);
        /* list_changed drops the entries at once (on_note runs after that) */
        rec_reset();
        memset(&t, 0, sizeof t);
        t.name = "extra"; t.handler = t_echo; t.params = "text:string";
        CHECK_OK(fmcp_server_add_tool(srv, &t));
        wait_list_changed();
        CHECK(R.list_changed >= 1);
        n0 = cc_lists();
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS + 1);
        CHECK_EQ_INT(cc_lists() - n0, (N_TOOLS + 2) / 2);   /* all asked again */
        fmcp_client_destroy(c);
        c = NULL;
        CHECK_OK(fmcp_server_remove(srv, FMCP_ITEM_TOOL, "extra"));
    }
    /* caching off */
    d.no_cache = 1;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        n0 = cc_lists();
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        CHECK_EQ_INT(cc_lists() - n0, 2 * ((N_TOOLS + 1) / 2));
        fmcp_client_destroy(c);
        c = NULL;
    }
    /* the memory store's bounds: one entry, then too few bytes for any */
    d.no_cache = 0;
    d.cache_max_entries = 1;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        n0 = cc_lists();
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);
        CHECK_EQ_INT(cc_ntools(c), N_TOOLS);   /* each page pushed the one before out */
        CHECK_EQ_INT(cc_lists() - n0, 2 * ((N_TOOLS + 1) / 2));
        n0 = cc_reads();
        cc_read(c, "test://static/0", "static 0");
        cc_read(c, "test://static/0", "static 0");
        CHECK_EQ_INT(cc_reads() - n0, 1);
        fmcp_client_destroy(c);
        c = NULL;
    }
    d.cache_max_entries = 0;
    d.cache_max_bytes = 64;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        n0 = cc_reads();
        cc_read(c, "test://static/0", "static 0");
        cc_read(c, "test://static/0", "static 0");
        CHECK_EQ_INT(cc_reads() - n0, 2);
        fmcp_client_destroy(c);
        c = NULL;
    }
    d.cache_max_bytes = 0;
    /* legacy connections are not cached */
    d.protocol_era = FMCP_ERA_LEGACY;
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        fmcp_json_doc *doc = NULL;
        CHECK(!fmcp_client_is_modern(c));
        n0 = cc_posts();   /* legacy POSTs carry no Mcp-Method */
        CHECK_OK(fmcp_client_request(c, "tools/list", NULL, NULL, &doc));
        if (doc) fmcp_json_doc_destroy(doc);
        CHECK_OK(fmcp_client_request(c, "tools/list", NULL, NULL, &doc));
        if (doc) fmcp_json_doc_destroy(doc);
        CHECK_EQ_INT(cc_posts() - n0, 2);
        fmcp_client_destroy(c);
    }
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
    cc_hooks(0);
}

/* An application store shared by three clients: a private answer serves the
 * same credentials only. */
#define CS_MAX 32
static struct {
    pthread_mutex_t m;
    char *key[CS_MAX], *val[CS_MAX];
    size_t klen[CS_MAX], vlen[CS_MAX];
    int64_t exp[CS_MAX];
    int n, gets, hits, puts, invalidations;
    char last_prefix[64];
} CS = { PTHREAD_MUTEX_INITIALIZER, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, 0, 0, 0, 0, 0, "" };

static int cs_get(void *u, const char *key, size_t klen, const char **v, size_t *vlen, int64_t *exp)
{
    int i, found = 0;
    (void)u;
    pthread_mutex_lock(&CS.m);
    CS.gets++;
    for (i = 0; i < CS.n && !found; i++)
        if (CS.klen[i] == klen && memcmp(CS.key[i], key, klen) == 0) {
            *v = CS.val[i]; *vlen = CS.vlen[i]; *exp = CS.exp[i];
            found = 1;
            CS.hits++;
        }
    pthread_mutex_unlock(&CS.m);
    return found;
}

static void cs_drop(int i)
{
    free(CS.key[i]); free(CS.val[i]);
    CS.n--;
    CS.key[i] = CS.key[CS.n]; CS.val[i] = CS.val[CS.n];
    CS.klen[i] = CS.klen[CS.n]; CS.vlen[i] = CS.vlen[CS.n]; CS.exp[i] = CS.exp[CS.n];
}

static fmcp_result cs_put(void *u, const char *key, size_t klen, const char *v, size_t vlen, int64_t exp)
{
    int i;
    fmcp_result r = FMCP_OK;
    (void)u;
    pthread_mutex_lock(&CS.m);
    CS.puts++;
    for (i = 0; i < CS.n; i++)
        if (CS.klen[i] == klen && memcmp(CS.key[i], key, klen) == 0) { cs_drop(i); break; }
    if (CS.n == CS_MAX || !(CS.key[CS.n] = (char *)malloc(klen)) || !(CS.val[CS.n] = (char *)malloc(vlen))) {
        if (CS.n < CS_MAX) free(CS.key[CS.n]);
        r = FMCP_ERR_NOMEM;
    } else {
        memcpy(CS.key[CS.n], key, klen); memcpy(CS.val[CS.n], v, vlen);
        CS.klen[CS.n] = klen; CS.vlen[CS.n] = vlen; CS.exp[CS.n] = exp;
        CS.n++;
    }
    pthread_mutex_unlock(&CS.m);
    return r;
}

static void cs_invalidate(void *u, const char *prefix, size_t plen)
{
    int i;
    (void)u;
    pthread_mutex_lock(&CS.m);
    CS.invalidations++;
    snprintf(CS.last_prefix, sizeof CS.last_prefix, "%.*s", (int)plen, prefix);
    for (i = 0; i < CS.n;)
        if (CS.klen[i] >= plen && memcmp(CS.key[i], prefix, plen) == 0) cs_drop(i);
        else i++;
    pthread_mutex_unlock(&CS.m);
}

static int cs_count(int *field) { return t_get_locked(&CS.m, field); }

static void test_http_cache_store(void)
{
    static const fmcp_client_cache_store store = { cs_get, cs_put, cs_invalidate, NULL };
    fmcp_server *srv = make_server_ex(20000, 1);
    fmcp_client_desc d;
    fmcp_client *a = NULL, *b = NULL, *a2 = NULL;
    fmcp_tool_desc t;
    int n0;
    hsrv h;
    if (!srv || hsrv_start(&h, srv, 3) != 0) { if (srv) fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    d.protocol_era = FMCP_ERA_MODERN;
    d.cache_store = &store;
    d.bearer_token = "alice-token";
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &a));
    d.bearer_token = "bob-token";
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &b));
    d.bearer_token = "alice-token";
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &a2));
    if (a && b && a2) {
        n0 = cc_lists();
        CHECK_STR(cc_scope(a), "private");
        CHECK_EQ_INT(cs_count(&CS.puts), 1);
        pthread_mutex_lock(&CS.m);
        CHECK(CS.n == 1 && CS.klen[0] > 11 && memcmp(CS.key[0], "tools/list\n", 11) == 0);
        pthread_mutex_unlock(&CS.m);
        CHECK_STR(cc_scope(a), "private");        /* from the store */
        CHECK_EQ_INT(cc_lists() - n0, 1);
        CHECK(cs_count(&CS.hits) >= 1);
        CHECK_STR(cc_scope(b), "private");        /* other credentials: asks the server */
        CHECK_EQ_INT(cc_lists() - n0, 2);
        CHECK_EQ_INT(cs_count(&CS.puts), 2);
        CHECK_STR(cc_scope(a2), "private");       /* the same credentials, another client */
        CHECK_EQ_INT(cc_lists() - n0, 2);
        /* list_changed reaches the store as a prefix of tools/list keys */
        rec_reset();
        memset(&t, 0, sizeof t);
        t.name = "extra"; t.handler = t_echo; t.params = "text:string";
        CHECK_OK(fmcp_server_add_tool(srv, &t));
        wait_list_changed();
        CHECK(cs_count(&CS.invalidations) >= 1);
        pthread_mutex_lock(&CS.m);
        CHECK(strncmp(CS.last_prefix, "tools/list\n", 11) == 0);
        pthread_mutex_unlock(&CS.m);
        CHECK_OK(fmcp_server_remove(srv, FMCP_ITEM_TOOL, "extra"));
    }
    if (a) fmcp_client_destroy(a);
    if (b) fmcp_client_destroy(b);
    if (a2) fmcp_client_destroy(a2);
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
    cs_invalidate(NULL, "", 0);
}

/* Out of memory anywhere on the cached paths: no leak; an entry the cache
 * could not keep only means a later request asks the server again. */
static void test_http_cache_alloc_sweep(void)
{
    fmcp_server *srv = make_server_ex(60000, 0);
    fmcp_client_desc d;
    hsrv h;
    if (!srv || hsrv_start(&h, srv, 0) != 0) { if (srv) fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    d.protocol_era = FMCP_ERA_MODERN;
    d.alloc = &t_alloc;
    d.timeout_ms = 2000;
    d.no_get_stream = 1;
    d.cache_max_entries = 3;   /* eviction too: 4 pages and a read */
    T_ALLOC_SWEEP({
        fmcp_client *c = NULL;
        t_rc = fmcp_client_connect_http(&d, h.url, &c);
        if (t_rc == FMCP_OK) {
            int i;
            int failed;
            fmcp_json_doc *doc = NULL;
            for (i = 0; i < 2 && t_rc == FMCP_OK; i++) {
                t_rc = fmcp_client_list_tools(c, &doc);
                if (t_rc == FMCP_OK && fmcp_json_len(fmcp_json_get(fmcp_json_root(doc), "tools")) != N_TOOLS)
                    t_rc = FMCP_ERR_PROTOCOL;
                if (doc) fmcp_json_doc_destroy(doc);
                doc = NULL;
                if (t_rc == FMCP_OK) t_rc = fmcp_client_read_resource(c, "test://static/0", &doc);
                if (doc) fmcp_json_doc_destroy(doc);
                doc = NULL;
            }
            failed = t_alloc_failed;
            fmcp_client_destroy(c);
            /* answers all right: a failure only the cache saw counts as reported */
            if (failed && t_rc == FMCP_OK) t_rc = FMCP_ERR_NOMEM;
        }
    });
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}

/* ---- stdio: this binary as the server ------------------------------------ */

static int run_server_mode(int stubborn)
{
    fmcp_server *srv = make_server();
    if (!srv) return 1;
    if (stubborn) {
        /* ignore stdin EOF and SIGTERM: the client must escalate to SIGKILL */
        char buf[256];
        signal(SIGTERM, SIG_IGN);
        fmcp_server_run_stdio(srv);
        for (;;) if (read(0, buf, sizeof buf) < 0 && errno != EINTR) pause();
    }
    fmcp_server_run_stdio(srv);
    fmcp_server_destroy(srv);
    return 0;
}

#ifndef FASTMCP_NO_PROCESS
static void test_stdio_spawn(void)
{
    const char *argv[3];
    const char *env[] = { "FMCP_CLIENT_TEST=from-parent", NULL };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    argv[0] = self_path; argv[1] = "--server"; argv[2] = NULL;
    client_desc(&d);
    CHECK_OK(fmcp_client_connect_stdio(&d, argv, env, &c));
    if (!c) return;
    check_info(c);
    CHECK_OK(fmcp_client_call_tool(c, "env", NULL, NULL, &doc));
    CHECK_STR(text0(doc), "from-parent");
    if (doc) fmcp_json_doc_destroy(doc);
    check_calls(c);
    fmcp_client_destroy(c);
}

static void test_stdio_kill(void)
{
    const char *argv[3];
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    int64_t t0;
    argv[0] = self_path; argv[1] = "--stubborn-server"; argv[2] = NULL;
    client_desc(&d);
    d.grace_ms = 100;
    CHECK_OK(fmcp_client_connect_stdio(&d, argv, NULL, &c));
    if (!c) return;
    CHECK_OK(fmcp_client_ping(c));
    t0 = fmcp_monotonic_ms();
    fmcp_client_destroy(c);   /* EOF ignored, SIGTERM ignored, SIGKILL works */
    CHECK(fmcp_monotonic_ms() - t0 >= 200);
    CHECK(fmcp_monotonic_ms() - t0 < 5000);
}

static void test_stdio_missing(void)
{
    const char *argv[] = { "/nonexistent/fmcp-no-such-server", NULL };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    client_desc(&d);
    CHECK(fmcp_client_connect_stdio(&d, argv, NULL, &c) == FMCP_ERR_NOT_FOUND);
    CHECK(c == NULL);
    CHECK(fmcp_client_connect_stdio(&d, NULL, NULL, &c) == FMCP_ERR_INVALID_ARG);
}
#endif /* FASTMCP_NO_PROCESS */

#ifdef FASTMCP_NO_THREADS
#ifndef FASTMCP_NO_PROCESS
/* Without threads the client pumps on the caller's thread: a spawned server
 * and an HTTP server (its loop on a test thread), without the server-to-client
 * requests (those need the server's worker threads). */
static void test_nothreads_stdio(void)
{
    const char *argv[3];
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    fmcp_call_opts o;
    argv[0] = self_path; argv[1] = "--server"; argv[2] = NULL;
    client_desc(&d);
    CHECK_OK(fmcp_client_connect_stdio(&d, argv, NULL, &c));
    if (!c) return;
    check_info(c);
    check_lists(c);
    check_read_and_prompt(c);
    rec_reset();
    memset(&o, 0, sizeof o);
    o.progress = on_progress;
    CHECK_OK(fmcp_client_call_tool(c, "progress", NULL, &o, &doc));
    CHECK_STR(text0(doc), "progress done");
    if (doc) fmcp_json_doc_destroy(doc);
    CHECK_EQ_INT(R.nprog, 3);
    CHECK_OK(fmcp_client_call_tool(c, "log", NULL, NULL, &doc));
    if (doc) fmcp_json_doc_destroy(doc);
    CHECK_EQ_INT(R.nlogs, 2);
    CHECK_OK(fmcp_client_pump(c, 0));
    fmcp_client_destroy(c);
}

#endif
static void test_nothreads_http(void)
{
    fmcp_server *srv = make_server();
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *doc = NULL;
    fmcp_call_opts o;
    hsrv h;
    if (hsrv_start(&h, srv, 0) != 0) { fmcp_server_destroy(srv); CHECK(0); return; }
    client_desc(&d);
    CHECK_OK(fmcp_client_connect_http(&d, h.url, &c));
    if (c) {
        check_lists(c);
        rec_reset();
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        CHECK_OK(fmcp_client_call_tool(c, "progress", NULL, &o, &doc));
        if (doc) fmcp_json_doc_destroy(doc);
        CHECK_EQ_INT(R.nprog, 3);
        fmcp_client_destroy(c);
    }
    hsrv_stop(&h);
    fmcp_server_destroy(srv);
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--server") == 0) return run_server_mode(0);
    if (argc > 1 && strcmp(argv[1], "--stubborn-server") == 0) return run_server_mode(1);
    self_path = argv[0];
    signal(SIGPIPE, SIG_DFL);   /* the client must never raise it */
    pthread_mutex_init(&R.m, NULL);
    pthread_cond_init(&R.cv, NULL);
#ifdef FASTMCP_NO_THREADS
#ifndef FASTMCP_NO_PROCESS
    T_RUN(test_nothreads_stdio);
    T_RUN(test_stdio_missing);
#endif
    T_RUN(test_nothreads_http);
    return t_finish("mcp_client_nothreads");
#endif
#ifndef FASTMCP_NO_PROCESS   /* else HTTP only: the stdio transport is left out */
    T_RUN(test_stream_battery);
    T_RUN(test_stream_peer_gone);
    T_RUN(test_stream_version);
    T_RUN(test_stream_alloc_sweep);
#endif
    T_RUN(test_http_battery);
#ifndef FASTMCP_NO_PROCESS
    T_RUN(test_stream_battery_modern);
#endif
    T_RUN(test_http_battery_modern);
    T_RUN(test_http_resume);
    T_RUN(test_http_bearer);
    T_RUN(test_desc_copied);
    T_RUN(test_desc_refused);
    T_RUN(test_http_legacy);
    T_RUN(test_http_refused);
    T_RUN(test_http_raw_refused);
    T_RUN(test_http_raw_chunked);
    T_RUN(test_http_alloc_sweep);
    T_RUN(test_http_param_headers);
    T_RUN(test_https);
    T_RUN(test_http_cache);
    T_RUN(test_http_cache_store);
    T_RUN(test_http_cache_alloc_sweep);
#ifndef FASTMCP_NO_PROCESS
    T_RUN(test_stdio_spawn);
    T_RUN(test_stdio_kill);
    T_RUN(test_stdio_missing);
#endif
    return t_finish("mcp_client");
}
