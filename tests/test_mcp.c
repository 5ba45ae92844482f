/* Tests for the mcp module: the engine driven with JSON-RPC messages through a
 * fake transport (a collector of sent messages). Expected values come from the
 * MCP / JSON-RPC 2.0 specifications and RFC 4648 (base64 vectors). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#define T_THREADS
#include "test.h"
#include <pthread.h>
#include <time.h>
#include <sys/time.h>
#include <dirent.h>

/* ---- fake transport ------------------------------------------------------ */

#define MAXMSG 1024
typedef struct tmsg {
    char *json;
    char rel[80];
    int has_rel, is_response, http;
    void *tag;
} tmsg;

typedef struct coll {
    pthread_mutex_t m;
    pthread_cond_t cv;
    tmsg v[MAXMSG];
    int n;
    int done;
    void *done_tags[MAXMSG];
    fmcp_session *reply_to;   /* fake client: answers sampling requests */
    const char *reply_result;
} coll;

static fmcp_result coll_send(void *u, const char *json, size_t len, const fmcp_send_info *info)
{
    coll *c = (coll *)u;
    pthread_mutex_lock(&c->m);
    if (c->n < MAXMSG) {
        tmsg *m = &c->v[c->n++];
        m->json = (char *)malloc(len + 1);
        memcpy(m->json, json, len);
        m->json[len] = 0;
        m->has_rel = info->related_id != NULL;
        if (info->related_id) snprintf(m->rel, sizeof m->rel, "%.*s", (int)info->related_id_len, info->related_id);
        m->is_response = info->is_response;
        m->http = info->http_status;
        m->tag = info->tag;
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->m);
    return FMCP_OK;
}

static void coll_done(void *u, void *tag)
{
    coll *c = (coll *)u;
    pthread_mutex_lock(&c->m);
    if (c->done < MAXMSG) c->done_tags[c->done] = tag;
    c->done++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->m);
}

/* Wait (bounded by a 10 s safety net, not used for ordering) until *field >= n. */
static int coll_wait_field(coll *c, int *field, int n)
{
    int ok;
    pthread_mutex_lock(&c->m);
    while (*field < n) {
        struct timeval tv; struct timespec ts;
        gettimeofday(&tv, NULL);
        ts.tv_sec = tv.tv_sec + 10; ts.tv_nsec = tv.tv_usec * 1000;
        if (pthread_cond_timedwait(&c->cv, &c->m, &ts) != 0) break;
    }
    ok = *field >= n;
    pthread_mutex_unlock(&c->m);
    return ok;
}
static int coll_wait(coll *c, int n) { return coll_wait_field(c, &c->n, n); }

/* Wait until on_done reported tag. */
static T_UNUSED int coll_wait_tag(coll *c, void *tag)
{
    int i, found = 0;
    pthread_mutex_lock(&c->m);
    while (!found) {
        struct timeval tv; struct timespec ts;
        for (i = 0; i < c->done && i < MAXMSG && !found; i++) found = c->done_tags[i] == tag;
        if (found) break;
        gettimeofday(&tv, NULL);
        ts.tv_sec = tv.tv_sec + 10; ts.tv_nsec = tv.tv_usec * 1000;
        if (pthread_cond_timedwait(&c->cv, &c->m, &ts) != 0) break;
    }
    pthread_mutex_unlock(&c->m);
    return found;
}

static void coll_init(coll *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->m, NULL);
    pthread_cond_init(&c->cv, NULL);
}

static void coll_free(coll *c)
{
    int i;
    for (i = 0; i < c->n && i < MAXMSG; i++) free(c->v[i].json);
    pthread_mutex_destroy(&c->m);
    pthread_cond_destroy(&c->cv);
}

/* ---- JSON helpers -------------------------------------------------------- */

static fmcp_json_doc *docs[64];
static int ndocs;

static const fmcp_json *parse(const char *s)
{
    fmcp_json_doc *d = NULL;
    if (!s || fmcp_json_parse(s, strlen(s), NULL, &d, NULL) != FMCP_OK) return NULL;
    if (ndocs < 64) docs[ndocs++] = d;
    return fmcp_json_root(d);
}
static void free_docs(void)
{
    while (ndocs) fmcp_json_doc_destroy(docs[--ndocs]);
}

/* Path like "result.content.0.text". */
static const fmcp_json *jp(const fmcp_json *v, const char *path)
{
    char key[64];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        if (fmcp_json_is(v, FMCP_JSON_ARRAY)) v = fmcp_json_at(v, (size_t)atoi(key));
        else v = fmcp_json_get(v, key);
        path += n;
        if (*path == '.') path++;
    }
    return v;
}
static const char *js(const fmcp_json *v, const char *path) { return fmcp_json_str(jp(v, path), NULL); }
static int64_t ji(const fmcp_json *v, const char *path) { return fmcp_json_int(jp(v, path), -999999); }

/* ---- fixture ------------------------------------------------------------- */

typedef struct env {
    fmcp_server *srv;
    fmcp_session *s;
    coll c;
} env;

static t_gate G = T_GATE_INIT;   /* holds `slow` and `block` until the test opens it */
static fmcp_ctx *deferred_ctx;

static fmcp_result t_echo(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", "?")); }

static fmcp_result t_add(fmcp_ctx *c, void *u)
{
    char b[64];
    (void)u;
    snprintf(b, sizeof b, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, b);
}

static fmcp_result t_kinds(fmcp_ctx *c, void *u)
{
    const char *m = fmcp_ctx_arg_str(c, "mode", "");
    (void)u;
    if (!strcmp(m, "image")) return fmcp_ctx_add_image(c, "foob", 4, "image/png");
    if (!strcmp(m, "audio")) return fmcp_ctx_add_audio(c, "fo", 2, "audio/wav");
    if (!strcmp(m, "link")) return fmcp_ctx_add_resource_link(c, "test://x", "x", "an x", "text/plain");
    if (!strcmp(m, "embedded")) {
        fmcp_result r = fmcp_ctx_add_resource_text(c, "test://e", "application/json", "{\"a\":1}");
        return r ? r : fmcp_ctx_add_resource_blob(c, "test://b", "application/octet-stream", "foobar", 6);
    }
    if (!strcmp(m, "structured")) return fmcp_ctx_set_structured(c, "{\"temp\":21}", 11);
    if (!strcmp(m, "fail")) return FMCP_ERR_IO;
    if (!strcmp(m, "iserror")) { fmcp_ctx_set_error(c, 1); return fmcp_ctx_add_text(c, "bad"); }
    if (!strcmp(m, "rpcerror")) return fmcp_ctx_error(c, -32042, "custom");
    return fmcp_ctx_add_text(c, "plain");
}

static fmcp_result t_slow(fmcp_ctx *c, void *u)
{
    (void)u;
    t_gate_pass(&G, c, T_GATE_WAIT);
    return fmcp_ctx_add_text(c, "slow done");
}

static fmcp_result t_progress(fmcp_ctx *c, void *u)
{
    char b[64];
    int r1, r2, r3;
    (void)u;
    r1 = fmcp_ctx_progress(c, 1, 3, "one");
    r2 = fmcp_ctx_progress(c, 2, 3, NULL);
    r3 = fmcp_ctx_progress(c, 2, 3, NULL);   /* not increasing: refused */
    snprintf(b, sizeof b, "%d %d %d", r1, r2, r3);
    return fmcp_ctx_add_text(c, b);
}

static fmcp_result t_log(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_log(c, FMCP_LOG_INFO, "t", "info message");
    fmcp_ctx_log(c, FMCP_LOG_ERROR, "t", "error message");
    return fmcp_ctx_add_text(c, "logged");
}

static fmcp_result t_sample(fmcp_ctx *c, void *u)
{
    char *out = NULL, b[256];
    size_t n = 0;
    fmcp_result r;
    (void)u;
    r = fmcp_ctx_sample(c, "{\"messages\":[],\"maxTokens\":10}", fmcp_ctx_arg_int(c, "timeout", 10000), &out, &n);
    snprintf(b, sizeof b, "%d %s", (int)r, out ? out : "-");
    fmcp_free_text(fmcp_ctx_allocator(c), out, n);
    return fmcp_ctx_add_text(c, b);
}

/* Callback form: the handler defers, the reply callback finishes. */
static void asample_reply(void *user, fmcp_result rc, const char *json, size_t len)
{
    fmcp_ctx *c = (fmcp_ctx *)user;
    char b[256];
    snprintf(b, sizeof b, "%d %.*s", (int)rc, (int)(json ? len : 1), json ? json : "-");
    fmcp_ctx_add_text(c, b);
    fmcp_ctx_finish(c, FMCP_OK);
}

static fmcp_result t_asample(fmcp_ctx *c, void *u)
{
    fmcp_result r;
    (void)u;
    fmcp_ctx_defer(c);
    r = fmcp_ctx_request_async(c, "sampling/createMessage", "{\"messages\":[],\"maxTokens\":5}", 1000, asample_reply, c);
    if (r != FMCP_OK) fmcp_ctx_finish(c, r);
    return FMCP_OK;
}

static fmcp_result t_defer(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_defer(c);
    deferred_ctx = c;
    return FMCP_OK;
}

static fmcp_result t_whoami(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *a = fmcp_ctx_auth(c);
    (void)u;
    return fmcp_ctx_add_text(c, a && a->subject ? a->subject : "anonymous");
}

static fmcp_result r_dyn(fmcp_ctx *c, void *u) { (void)c; (void)u; return FMCP_ERR_NOT_FOUND; }

static fmcp_result r_tmpl(fmcp_ctx *c, void *u)
{
    char b[128];
    (void)u;
    snprintf(b, sizeof b, "id=%s", fmcp_ctx_var(c, "id") ? fmcp_ctx_var(c, "id") : "(none)");
    return fmcp_ctx_add_resource_text(c, NULL, "text/plain", b);
}

static fmcp_result p_simple(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, "hi"); }

static fmcp_result p_args(fmcp_ctx *c, void *u)
{
    char b[128];
    fmcp_result r;
    (void)u;
    snprintf(b, sizeof b, "arg1=%s", fmcp_ctx_arg_str(c, "arg1", "?"));
    fmcp_ctx_set_description(c, "with args");
    if ((r = fmcp_ctx_add_text(c, b)) != FMCP_OK) return r;
    fmcp_ctx_set_role(c, "assistant");
    if ((r = fmcp_ctx_add_image(c, "foob", 4, "image/png")) != FMCP_OK) return r;
    return fmcp_ctx_add_resource_text(c, "test://r", "text/plain", "embedded");
}

static fmcp_result p_complete(fmcp_ctx *c, const char *arg, const char *value, void *u)
{
    static const char *const words[] = { "paris", "park", "party", "london" };
    size_t i;
    (void)u;
    if (strcmp(arg, "arg1") != 0) return FMCP_OK;
    for (i = 0; i < 4; i++)
        if (strncmp(words[i], value, strlen(value)) == 0) fmcp_ctx_add_completion(c, words[i]);
    return FMCP_OK;
}

static fmcp_result add_fixtures(fmcp_server *srv)
{
    fmcp_tool_desc t;
    fmcp_resource_desc r;
    fmcp_template_desc tm;
    fmcp_prompt_desc p;
    fmcp_prompt_arg pa[2];
    fmcp_result rc = FMCP_OK;
#define ADD(call) do { fmcp_result r__ = (call); if (r__ != FMCP_OK && rc == FMCP_OK) rc = r__; } while (0)
    memset(&t, 0, sizeof t); t.name = "echo"; t.title = "Echo"; t.description = "Echoes"; t.params = "text:string";
    t.handler = t_echo; t.read_only_hint = 1; t.destructive_hint = -1; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "add"; t.params = "a:integer, b:integer"; t.handler = t_add;
    t.output_schema = "{\"type\":\"object\"}"; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "kinds"; t.handler = t_kinds;
    t.input_schema = "{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\",\"enum\":[\"text\",\"image\",\"audio\",\"link\",\"embedded\",\"structured\",\"fail\",\"iserror\",\"rpcerror\"]}}}";
    ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "slow"; t.handler = t_slow; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "progress"; t.handler = t_progress; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "log"; t.handler = t_log; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "sample"; t.params = "timeout?:integer"; t.handler = t_sample; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "defer"; t.handler = t_defer; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "asample"; t.handler = t_asample; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "whoami"; t.handler = t_whoami; ADD(fmcp_server_add_tool(srv, &t));
    memset(&t, 0, sizeof t); t.name = "secret"; t.handler = t_whoami; t.scopes = "admin"; ADD(fmcp_server_add_tool(srv, &t));
    memset(&r, 0, sizeof r); r.uri = "test://static-text"; r.name = "static"; r.mime_type = "text/plain"; r.text = "hello text";
    ADD(fmcp_server_add_resource(srv, &r));
    memset(&r, 0, sizeof r); r.uri = "test://bin"; r.mime_type = "application/octet-stream"; r.blob = "foobar"; r.blob_len = 6;
    ADD(fmcp_server_add_resource(srv, &r));
    memset(&r, 0, sizeof r); r.uri = "test://dyn"; r.handler = r_dyn; ADD(fmcp_server_add_resource(srv, &r));
    memset(&tm, 0, sizeof tm); tm.uri_template = "test://template/{id}/data"; tm.name = "tmpl"; tm.handler = r_tmpl;
    ADD(fmcp_server_add_resource_template(srv, &tm));
    memset(&p, 0, sizeof p); p.name = "simple"; p.handler = p_simple; ADD(fmcp_server_add_prompt(srv, &p));
    memset(pa, 0, sizeof pa); pa[0].name = "arg1"; pa[0].required = 1; pa[1].name = "arg2";
    memset(&p, 0, sizeof p); p.name = "witharg"; p.handler = p_args; p.args = pa; p.n_args = 2;
    p.complete = p_complete; ADD(fmcp_server_add_prompt(srv, &p));
#undef ADD
    return rc;
}

static void msg(env *e, const char *json) { fmcp_session_receive(e->s, json, strlen(json)); }

static const char *init_msg(const char *ver, int sampling)
{
    static char b[512];
    snprintf(b, sizeof b, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\","
             "\"capabilities\":{%s},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
             ver, sampling ? "\"sampling\":{}" : "");
    return b;
}

/* Server + session; initialised with version ver unless NULL. */
static int env_open(env *e, int workers, size_t page, const char *ver)
{
    fmcp_server_desc sd;
    fmcp_session_desc ss;
    memset(e, 0, sizeof *e);
    coll_init(&e->c);
    memset(&sd, 0, sizeof sd);
    sd.name = "test-server"; sd.title = "Test Server"; sd.version = "9.9"; sd.instructions = "Be nice";
    sd.workers = workers; sd.page_size = page;
    if (fmcp_server_create(&sd, &e->srv) != FMCP_OK) return 0;
    if (add_fixtures(e->srv) != FMCP_OK) return 0;
    memset(&ss, 0, sizeof ss);
    ss.send = coll_send; ss.on_done = coll_done; ss.user = &e->c;
    if (fmcp_session_create(e->srv, &ss, &e->s) != FMCP_OK) return 0;
    if (ver) {
        msg(e, init_msg(ver, 1));
        msg(e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        if (!coll_wait(&e->c, 1)) return 0;
    }
    return 1;
}

static void env_close(env *e)
{
    fmcp_session_destroy(e->s);
    fmcp_server_destroy(e->srv);
    coll_free(&e->c);
    free_docs();
}

/* Send json, wait for the next message, return it parsed. */
static const fmcp_json *rpc(env *e, const char *json)
{
    int n = e->c.n;
    msg(e, json);
    if (!coll_wait(&e->c, n + 1)) return NULL;
    return parse(e->c.v[n].json);
}

/* ---- tests --------------------------------------------------------------- */

/* fmcp_receive_opts.defer holds pool jobs until fmcp_server_push_jobs;
 * handoff lets the receiving thread run a lone call itself. */
static int handoffs, handoff_answer;
static int t_handoff(void *u) { (void)u; handoffs++; return handoff_answer; }

static void test_receive_defer_handoff(void)
{
    env e;
    fmcp_receive_opts o;
    fmcp_job_list jobs;
    int n0;
    static const char c10[] = "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}}}";
    static const char c11[] = "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"y\"}}}";
    static const char p12[] = "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\"}";
#ifdef FASTMCP_NO_THREADS
    T_SKIP("needs the worker pool");
#endif
    CHECK(env_open(&e, 2, 0, "2025-06-18"));
    memset(&jobs, 0, sizeof jobs);
    memset(&o, 0, sizeof o);
    o.defer = &jobs;
    n0 = e.c.n;
    CHECK_OK(fmcp_session_receive_ex(e.s, c10, sizeof c10 - 1, &o));
    CHECK_OK(fmcp_session_receive_ex(e.s, c11, sizeof c11 - 1, &o));
    CHECK_OK(fmcp_session_receive_ex(e.s, p12, sizeof p12 - 1, &o));
    CHECK_EQ_INT(jobs.n, 2);
    CHECK(coll_wait(&e.c, n0 + 1));
    CHECK_EQ_INT(ji(parse(e.c.v[n0].json), "id"), 12);   /* the ping is not held */
    CHECK_EQ_INT((int)fmcp_session_in_flight(e.s), 2);
    pthread_mutex_lock(&e.c.m);
    CHECK_EQ_INT(e.c.n, n0 + 1);                          /* the calls did not run */
    pthread_mutex_unlock(&e.c.m);
    fmcp_server_push_jobs(e.srv, &jobs);
    CHECK(jobs.head == NULL && jobs.n == 0);
    CHECK(coll_wait(&e.c, n0 + 3));
    /* handoff: asked once per lone pool call; yes = it ran before the receive returned */
    memset(&o, 0, sizeof o);
    o.handoff = t_handoff;
    handoffs = 0; handoff_answer = 1;
    n0 = e.c.n;
    CHECK_OK(fmcp_session_receive_ex(e.s, p12, sizeof p12 - 1, &o));
    CHECK_EQ_INT(handoffs, 0);
    CHECK_OK(fmcp_session_receive_ex(e.s, c10, sizeof c10 - 1, &o));
    CHECK_EQ_INT(handoffs, 1);
    pthread_mutex_lock(&e.c.m);
    CHECK_EQ_INT(e.c.n, n0 + 2);
    pthread_mutex_unlock(&e.c.m);
    CHECK_STR(js(parse(e.c.v[n0 + 1].json), "result.content.0.text"), "x");
    handoff_answer = 0;   /* no: the pool runs it */
    CHECK_OK(fmcp_session_receive_ex(e.s, c11, sizeof c11 - 1, &o));
    CHECK_EQ_INT(handoffs, 2);
    CHECK(coll_wait(&e.c, n0 + 3));
    CHECK_STR(js(parse(e.c.v[n0 + 2].json), "result.content.0.text"), "y");
    env_close(&e);
    /* inline handlers never ask */
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    handoffs = 0;
    CHECK_OK(fmcp_session_receive_ex(e.s, c10, sizeof c10 - 1, &o));
    CHECK_EQ_INT(handoffs, 0);
    env_close(&e);
}

/* Stateless transports: a session initialised without messages, and a
 * message handed over already parsed (the session owns the document). */
static void test_assume_initialized_and_receive_doc(void)
{
    env e;
    fmcp_session_desc ss;
    fmcp_session *s2;
    fmcp_json_doc *doc;
    const fmcp_json *r;
    static const char call[] = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"d\"}}}";
    CHECK(env_open(&e, -1, 0, NULL));
    r = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    CHECK(jp(r, "error") != NULL);                         /* not initialised yet */
    CHECK_EQ_INT(fmcp_session_assume_initialized(NULL, "2025-06-18"), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(fmcp_session_assume_initialized(e.s, NULL), FMCP_ERR_INVALID_ARG);
    CHECK_OK(fmcp_session_assume_initialized(e.s, "2025-06-18"));
    CHECK_STR(fmcp_session_protocol_version(e.s), "2025-06-18");
    r = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
    CHECK(jp(r, "result.tools") != NULL);
    /* an unknown version is negotiated to the latest, as initialize does */
    memset(&ss, 0, sizeof ss);
    ss.send = coll_send; ss.user = &e.c;
    CHECK_OK(fmcp_session_create(e.srv, &ss, &s2));
    CHECK_OK(fmcp_session_assume_initialized(s2, "1999-01-01"));
    CHECK_STR(fmcp_session_protocol_version(s2), "2025-11-25");
    fmcp_session_destroy(s2);
    /* receive_doc */
    CHECK_OK(fmcp_json_parse(call, sizeof call - 1, NULL, &doc, NULL));
    {
        int n = e.c.n;
        CHECK_OK(fmcp_session_receive_doc(e.s, doc, NULL));
        CHECK(coll_wait(&e.c, n + 1));
        r = parse(e.c.v[n].json);
        CHECK_EQ_INT(ji(r, "id"), 5);
        CHECK_STR(js(r, "result.content.0.text"), "d");
    }
    CHECK_OK(fmcp_json_parse(call, sizeof call - 1, NULL, &doc, NULL));
    CHECK_EQ_INT(fmcp_session_receive_doc(NULL, doc, NULL), FMCP_ERR_INVALID_ARG);   /* freed: LSan checks */
    CHECK_EQ_INT(fmcp_session_receive_doc(e.s, NULL, NULL), FMCP_ERR_INVALID_ARG);
    env_close(&e);
}

static void test_initialize(void)
{
    env e;
    const fmcp_json *v;
    CHECK(env_open(&e, -1, 0, NULL));
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    CHECK_EQ_INT(ji(v, "error.code"), -32600);   /* before initialize */
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
    CHECK(jp(v, "result") && fmcp_json_len(jp(v, "result")) == 0);
    CHECK_STR(js(v, "id"), "p");
    v = rpc(&e, init_msg("2025-06-18", 0));
    CHECK_STR(js(v, "result.protocolVersion"), "2025-06-18");
    CHECK_STR(js(v, "result.serverInfo.name"), "test-server");
    CHECK_STR(js(v, "result.serverInfo.title"), "Test Server");
    CHECK_STR(js(v, "result.serverInfo.version"), "9.9");
    CHECK_STR(js(v, "result.instructions"), "Be nice");
    CHECK(jp(v, "result.capabilities.tools.listChanged") != NULL);
    CHECK(fmcp_json_get_bool(jp(v, "result.capabilities.resources"), "subscribe", 0));
    CHECK(jp(v, "result.capabilities.prompts") != NULL);
    CHECK(jp(v, "result.capabilities.logging") != NULL);
    CHECK(jp(v, "result.capabilities.completions") != NULL);
    CHECK_STR(fmcp_session_protocol_version(e.s), "2025-06-18");
    v = rpc(&e, init_msg("1999-01-01", 0));   /* unknown: the latest is offered */
    CHECK_STR(js(v, "result.protocolVersion"), "2025-11-25");
    v = rpc(&e, init_msg("2024-11-05", 0));
    CHECK_STR(js(v, "result.protocolVersion"), "2024-11-05");
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"initialize\",\"params\":{}}");
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    env_close(&e);
}

static void test_ids_exact(void)
{
    static const char *const ids[] = { "123456789012345678901234567890", "-42", "1.50", "2e3", "\"abc\"",
                                       "\"\\u00e9x\"", "0", "-0.0" };
    env e;
    size_t i;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char req[256], want[128];
        int n = e.c.n;
        snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        msg(&e, req);
        CHECK(coll_wait(&e.c, n + 1));
        snprintf(want, sizeof want, "\"id\":%s,", ids[i]);
        if (ids[i][0] != '"') CHECKF(strstr(e.c.v[n].json, want) != NULL, "%s lacks %s", e.c.v[n].json, want);
        else {   /* strings: same value after parsing */
            const fmcp_json *got = parse(e.c.v[n].json), *exp;
            char wrap[64];
            snprintf(wrap, sizeof wrap, "{\"x\":%s}", ids[i]);
            exp = parse(wrap);
            CHECK(fmcp_json_equal(jp(got, "id"), jp(exp, "x")));
        }
        CHECK(e.c.v[n].is_response);
        CHECK(e.c.v[n].has_rel);
    }
    env_close(&e);
}

static void test_jsonrpc_errors(void)
{
    static const struct { const char *in; int code; } cases[] = {
        { "{\"jsonrpc\":\"2.0\",\"id\":1,", -32700 },
        { "42", -32600 },
        { "{\"id\":1,\"method\":\"ping\"}", -32600 },
        { "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -32600 },
        { "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600 },
        { "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", -32600 },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", -32600 },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"no/such\"}", -32601 },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":[1]}", -32602 },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}", -32602 },
        { "", -32700 },
    };
    env e;
    size_t i;
    const fmcp_json *v;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = rpc(&e, cases[i].in);
        CHECKF(ji(v, "error.code") == cases[i].code, "case %d: %s", (int)i, v ? e.c.v[e.c.n - 1].json : "(none)");
        CHECK(jp(v, "error.message") != NULL);
    }
    /* an unknown notification gets no answer, but its receive is done */
    n = e.c.n;
    {
        int d = e.c.done;
        msg(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}");
        CHECK_EQ_INT(e.c.done, d + 1);
    }
    CHECK_EQ_INT(e.c.n, n);
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");   /* still alive */
    CHECK_EQ_INT(ji(v, "id"), 9);
    env_close(&e);
}

/* Every JSONTestSuite n_ file is a parse error answered with -32700; the
 * session keeps working. y_ files never give -32700. */
static void test_json_suite(void)
{
    const char *vd = t_vectors_dir();
    char dir[1200], path[1600];
    DIR *d;
    struct dirent *de;
    env e;
    int nfiles = 0;
    if (!vd) T_SKIP("../shared/vectors not found (set FMCP_VECTORS)");
    snprintf(dir, sizeof dir, "%s/JSONTestSuite/test_parsing", vd);
    if (!(d = opendir(dir))) T_SKIP("%s missing", dir);
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    while ((de = readdir(d)) != NULL) {
        size_t len;
        char *data;
        int n = e.c.n;
        if ((de->d_name[0] != 'n' && de->d_name[0] != 'y') || de->d_name[1] != '_') continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (!(data = t_read_file(path, &len))) continue;
        fmcp_session_receive(e.s, data, len);
        free(data);
        if (e.c.n == n) continue;   /* y_: a bare notification-like object */
        if (de->d_name[0] == 'n') CHECKF(strstr(e.c.v[n].json, "-32700") != NULL, "%s", de->d_name);
        else CHECKF(strstr(e.c.v[n].json, "-32700") == NULL, "%s", de->d_name);
        nfiles++;
        if (e.c.n > MAXMSG - 20) {   /* recycle the collector */
            int i;
            for (i = 0; i < e.c.n; i++) free(e.c.v[i].json);
            e.c.n = 0;
        }
    }
    closedir(d);
    CHECK(nfiles > 200);
    CHECK_EQ_INT(ji(rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"ping\"}"), "id"), 77);
    env_close(&e);
}

static void test_batch(void)
{
    env e;
    const fmcp_json *v;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-03-26"));
    v = rpc(&e, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}},"
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"}]");
    CHECK(fmcp_json_is(v, FMCP_JSON_ARRAY));
    CHECK_EQ_INT(fmcp_json_len(v), 3);
    CHECK_EQ_INT(ji(v, "0.id"), 1);
    CHECK_STR(js(v, "1.result.content.0.text"), "3");
    CHECK_EQ_INT(ji(v, "2.error.code"), -32601);
    /* only notifications: nothing sent */
    n = e.c.n;
    msg(&e, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]");
    CHECK_EQ_INT(e.c.n, n);
    v = rpc(&e, "[]");
    CHECK_EQ_INT(ji(v, "error.code"), -32600);
    env_close(&e);
    CHECK(env_open(&e, -1, 0, "2025-06-18"));   /* later versions refuse batches */
    v = rpc(&e, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    CHECK_EQ_INT(ji(v, "error.code"), -32600);
    CHECK(jp(v, "id") && fmcp_json_is(jp(v, "id"), FMCP_JSON_NULL));
    env_close(&e);
}

static void test_tools_list(void)
{
    env e;
    const fmcp_json *v, *t;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    t = jp(v, "result.tools.0");
    CHECK_STR(js(t, "name"), "echo");
    CHECK_STR(js(t, "title"), "Echo");
    CHECK_STR(js(t, "description"), "Echoes");
    CHECK_STR(js(t, "inputSchema.type"), "object");
    CHECK_STR(js(t, "inputSchema.properties.text.type"), "string");
    CHECK_STR(js(t, "inputSchema.required.0"), "text");
    CHECK(fmcp_json_get_bool(jp(t, "annotations"), "readOnlyHint", 0) == 1);
    CHECK(fmcp_json_get_bool(jp(t, "annotations"), "destructiveHint", 1) == 0);
    CHECK(jp(t, "annotations.idempotentHint") == NULL);
    CHECK_STR(js(v, "result.tools.1.outputSchema.type"), "object");
    CHECK_STR(js(v, "result.tools.2.inputSchema.properties.mode.enum.1"), "image");
    CHECK(jp(v, "result.nextCursor") == NULL);
    env_close(&e);
}

static void test_tool_spec_grammar(void)
{
    static const char *const bad[] = { "a", "a:", ":string", "a:strin", "a:enum(x|)", "a:enum(x", "a:string b:string",
                                       "a?:", "a:string,,b:string" };
    static const char *const good[] = { "", "  ", "a:string", " a ? : number , b:boolean,c:object,d:array",
                                        "m:enum( x | y|z )" };
    fmcp_server_desc sd;
    fmcp_server *srv;
    fmcp_tool_desc t;
    size_t i;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    memset(&t, 0, sizeof t);
    t.handler = t_echo;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t.name = bad[i]; t.params = bad[i];
        CHECKF(fmcp_server_add_tool(srv, &t) != FMCP_OK, "accepted '%s'", bad[i]);
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        t.name = good[i][0] ? good[i] : "empty"; t.params = good[i];
        if (!strcmp(good[i], "  ")) t.name = "blank";
        CHECKF(fmcp_server_add_tool(srv, &t) == FMCP_OK, "refused '%s'", good[i]);
    }
    t.name = "a:string"; t.params = "";
    CHECK_EQ_INT(fmcp_server_add_tool(srv, &t), FMCP_ERR_DUPLICATE);
    t.name = "raw"; t.params = NULL; t.input_schema = "[1]";
    CHECK(fmcp_server_add_tool(srv, &t) != FMCP_OK);
    t.input_schema = "{nope";
    CHECK(fmcp_server_add_tool(srv, &t) != FMCP_OK);
    t.input_schema = NULL; t.output_schema = "\"x\"";
    CHECK(fmcp_server_add_tool(srv, &t) != FMCP_OK);
    t.output_schema = NULL; t.handler = NULL;
    CHECK_EQ_INT(fmcp_server_add_tool(srv, &t), FMCP_ERR_INVALID_ARG);
    fmcp_server_destroy(srv);
}

#define CALL(id, name, args) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"tools/call\",\"params\":{\"name\":\"" name "\",\"arguments\":" args "}}"

static void test_tool_call_validation(void)
{
    env e;
    const fmcp_json *v;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    v = rpc(&e, CALL("1", "add", "{\"a\":2,\"b\":40}"));
    CHECK_STR(js(v, "result.content.0.type"), "text");
    CHECK_STR(js(v, "result.content.0.text"), "42");
    CHECK(jp(v, "result.isError") == NULL);
    v = rpc(&e, CALL("2", "add", "{\"a\":2}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, CALL("3", "add", "{\"a\":2,\"b\":\"x\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, CALL("4", "add", "{\"a\":2.5,\"b\":1}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, CALL("5", "add", "{\"a\":2.0,\"b\":1}"));   /* 2.0 is an integer in JSON Schema */
    CHECK_STR(js(v, "result.content.0.text"), "3");
    v = rpc(&e, CALL("6", "kinds", "{\"mode\":\"nope\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, CALL("7", "add", "[1,2]"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, CALL("8", "missing_tool", "{}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}");
    CHECK_EQ_INT(ji(v, "error.code"), -32602);   /* arguments absent, text required */
    env_close(&e);
    CHECK(env_open(&e, -1, 0, "2025-11-25"));   /* newest: an isError result instead */
    v = rpc(&e, CALL("1", "add", "{\"a\":2}"));
    CHECK(jp(v, "error") == NULL);
    CHECK(fmcp_json_get_bool(jp(v, "result"), "isError", 0));
    CHECK(strstr(js(v, "result.content.0.text") ? js(v, "result.content.0.text") : "", "b") != NULL);
    v = rpc(&e, CALL("2", "missing_tool", "{}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    env_close(&e);
}

static void test_tool_content(void)
{
    env e;
    const fmcp_json *v;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    v = rpc(&e, CALL("1", "kinds", "{\"mode\":\"image\"}"));
    CHECK_STR(js(v, "result.content.0.type"), "image");
    CHECK_STR(js(v, "result.content.0.data"), "Zm9vYg==");   /* RFC 4648 section 10 */
    CHECK_STR(js(v, "result.content.0.mimeType"), "image/png");
    v = rpc(&e, CALL("2", "kinds", "{\"mode\":\"audio\"}"));
    CHECK_STR(js(v, "result.content.0.type"), "audio");
    CHECK_STR(js(v, "result.content.0.data"), "Zm8=");
    v = rpc(&e, CALL("3", "kinds", "{\"mode\":\"link\"}"));
    CHECK_STR(js(v, "result.content.0.type"), "resource_link");
    CHECK_STR(js(v, "result.content.0.uri"), "test://x");
    CHECK_STR(js(v, "result.content.0.description"), "an x");
    v = rpc(&e, CALL("4", "kinds", "{\"mode\":\"embedded\"}"));
    CHECK_STR(js(v, "result.content.0.type"), "resource");
    CHECK_STR(js(v, "result.content.0.resource.uri"), "test://e");
    CHECK_STR(js(v, "result.content.0.resource.text"), "{\"a\":1}");
    CHECK_STR(js(v, "result.content.1.resource.blob"), "Zm9vYmFy");
    v = rpc(&e, CALL("5", "kinds", "{\"mode\":\"structured\"}"));
    CHECK_EQ_INT(ji(v, "result.structuredContent.temp"), 21);
    CHECK_STR(js(v, "result.content.0.type"), "text");
    CHECK(fmcp_json_equal(parse(js(v, "result.content.0.text")), jp(v, "result.structuredContent")));
    v = rpc(&e, CALL("6", "kinds", "{\"mode\":\"fail\"}"));
    CHECK(fmcp_json_get_bool(jp(v, "result"), "isError", 0));
    CHECK(js(v, "result.content.0.text") != NULL);
    v = rpc(&e, CALL("7", "kinds", "{\"mode\":\"iserror\"}"));
    CHECK(fmcp_json_get_bool(jp(v, "result"), "isError", 0));
    CHECK_STR(js(v, "result.content.0.text"), "bad");
    v = rpc(&e, CALL("8", "kinds", "{\"mode\":\"rpcerror\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32042);
    CHECK_STR(js(v, "error.message"), "custom");
    env_close(&e);
}

static void test_pagination(void)
{
    env e;
    const fmcp_json *v;
    char req[256];
    int total = 0, pages = 0;
    const char *cursor = NULL;
    CHECK(env_open(&e, -1, 3, "2025-06-18"));
    do {
        if (cursor) snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"cursor\":\"%s\"}}", cursor);
        else snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        v = rpc(&e, req);
        CHECK(fmcp_json_len(jp(v, "result.tools")) <= 3);
        total += (int)fmcp_json_len(jp(v, "result.tools"));
        cursor = js(v, "result.nextCursor");
        pages++;
    } while (cursor && pages < 10);
    CHECK_EQ_INT(total, 11);   /* the fixtures register 11 tools */
    CHECK_EQ_INT(pages, 4);
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"cursor\":\"garbage\"}}");
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\",\"params\":{\"cursor\":7}}");
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    env_close(&e);
}

#define REQ(id, method, params) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"" method "\",\"params\":" params "}"

static void test_resources(void)
{
    env e;
    const fmcp_json *v;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    v = rpc(&e, REQ("1", "resources/list", "{}"));
    CHECK_EQ_INT(fmcp_json_len(jp(v, "result.resources")), 3);
    CHECK_STR(js(v, "result.resources.0.uri"), "test://static-text");
    CHECK_STR(js(v, "result.resources.0.name"), "static");
    CHECK_STR(js(v, "result.resources.0.mimeType"), "text/plain");
    v = rpc(&e, REQ("2", "resources/read", "{\"uri\":\"test://static-text\"}"));
    CHECK_STR(js(v, "result.contents.0.uri"), "test://static-text");
    CHECK_STR(js(v, "result.contents.0.text"), "hello text");
    CHECK_STR(js(v, "result.contents.0.mimeType"), "text/plain");
    v = rpc(&e, REQ("3", "resources/read", "{\"uri\":\"test://bin\"}"));
    CHECK_STR(js(v, "result.contents.0.blob"), "Zm9vYmFy");
    CHECK(jp(v, "result.contents.0.text") == NULL);
    v = rpc(&e, REQ("4", "resources/read", "{\"uri\":\"test://template/a%20b/data\"}"));
    CHECK_STR(js(v, "result.contents.0.text"), "id=a b");
    CHECK_STR(js(v, "result.contents.0.uri"), "test://template/a%20b/data");
    v = rpc(&e, REQ("5", "resources/read", "{\"uri\":\"test://template/a/b/data\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32002);
    v = rpc(&e, REQ("6", "resources/read", "{\"uri\":\"test://template//data\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32002);
    {   /* a variable never decodes to a path: %2F, %5C and dot-segments do not match */
        static const char *const bad[] = { "..%2F..%2Fetc", "a%2fb", "a%5Cb", "..", ".", "%2E%2E", ".%2e" };
        char req[256];
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":60,\"method\":\"resources/read\","
                     "\"params\":{\"uri\":\"test://template/%s/data\"}}", bad[i]);
            v = rpc(&e, req);
            CHECKF(ji(v, "error.code") == -32002, "%s reached the handler", bad[i]);
        }
        v = rpc(&e, REQ("61", "resources/read", "{\"uri\":\"test://template/..a/data\"}"));
        CHECK_STR(js(v, "result.contents.0.text"), "id=..a");
        v = rpc(&e, REQ("62", "resources/read", "{\"uri\":\"test://template/v1.2%3A3/data\"}"));
        CHECK_STR(js(v, "result.contents.0.text"), "id=v1.2:3");
    }
    v = rpc(&e, REQ("7", "resources/read", "{\"uri\":\"test://nothing\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32002);
    v = rpc(&e, REQ("8", "resources/read", "{\"uri\":\"test://dyn\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32002);
    v = rpc(&e, REQ("9", "resources/read", "{}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, REQ("10", "resources/templates/list", "{}"));
    CHECK_STR(js(v, "result.resourceTemplates.0.uriTemplate"), "test://template/{id}/data");
    /* subscriptions */
    v = rpc(&e, REQ("11", "resources/subscribe", "{\"uri\":\"test://static-text\"}"));
    CHECK(jp(v, "result") != NULL);
    n = e.c.n;
    CHECK_OK(fmcp_server_notify_resource_updated(e.srv, "test://other"));
    CHECK_EQ_INT(e.c.n, n);
    CHECK_OK(fmcp_server_notify_resource_updated(e.srv, "test://static-text"));
    CHECK_EQ_INT(e.c.n, n + 1);
    v = parse(e.c.v[n].json);
    CHECK_STR(js(v, "method"), "notifications/resources/updated");
    CHECK_STR(js(v, "params.uri"), "test://static-text");
    CHECK(!e.c.v[n].has_rel);
    v = rpc(&e, REQ("12", "resources/unsubscribe", "{\"uri\":\"test://static-text\"}"));
    CHECK(jp(v, "result") != NULL);
    n = e.c.n;
    CHECK_OK(fmcp_server_notify_resource_updated(e.srv, "test://static-text"));
    CHECK_EQ_INT(e.c.n, n);
    env_close(&e);
}

static void test_prompts(void)
{
    env e;
    const fmcp_json *v;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    v = rpc(&e, REQ("1", "prompts/list", "{}"));
    CHECK_STR(js(v, "result.prompts.1.name"), "witharg");
    CHECK_STR(js(v, "result.prompts.1.arguments.0.name"), "arg1");
    CHECK(fmcp_json_get_bool(jp(v, "result.prompts.1.arguments.0"), "required", 0) == 1);
    CHECK(fmcp_json_get_bool(jp(v, "result.prompts.1.arguments.1"), "required", 1) == 0);
    v = rpc(&e, REQ("2", "prompts/get", "{\"name\":\"simple\"}"));
    CHECK_STR(js(v, "result.messages.0.role"), "user");
    CHECK_STR(js(v, "result.messages.0.content.type"), "text");
    CHECK_STR(js(v, "result.messages.0.content.text"), "hi");
    v = rpc(&e, REQ("3", "prompts/get", "{\"name\":\"witharg\",\"arguments\":{\"arg1\":\"v1\"}}"));
    CHECK_STR(js(v, "result.description"), "with args");
    CHECK_STR(js(v, "result.messages.0.content.text"), "arg1=v1");
    CHECK_STR(js(v, "result.messages.1.role"), "assistant");
    CHECK_STR(js(v, "result.messages.1.content.type"), "image");
    CHECK_STR(js(v, "result.messages.1.content.data"), "Zm9vYg==");
    CHECK_STR(js(v, "result.messages.2.content.type"), "resource");
    CHECK_STR(js(v, "result.messages.2.content.resource.text"), "embedded");
    v = rpc(&e, REQ("4", "prompts/get", "{\"name\":\"witharg\",\"arguments\":{\"arg2\":\"x\"}}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    v = rpc(&e, REQ("5", "prompts/get", "{\"name\":\"nope\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    /* completion */
    v = rpc(&e, REQ("6", "completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"witharg\"},\"argument\":{\"name\":\"arg1\",\"value\":\"par\"}}"));
    CHECK_EQ_INT(fmcp_json_len(jp(v, "result.completion.values")), 3);
    CHECK_STR(js(v, "result.completion.values.0"), "paris");
    CHECK(fmcp_json_get_bool(jp(v, "result.completion"), "hasMore", 1) == 0);
    v = rpc(&e, REQ("7", "completion/complete", "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://template/{id}/data\"},\"argument\":{\"name\":\"id\",\"value\":\"\"}}"));
    CHECK_EQ_INT(fmcp_json_len(jp(v, "result.completion.values")), 0);
    v = rpc(&e, REQ("8", "completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"zzz\"},\"argument\":{\"name\":\"a\",\"value\":\"\"}}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    env_close(&e);
}

static void test_logging(void)
{
    env e;
    const fmcp_json *v;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    n = e.c.n;
    v = rpc(&e, CALL("1", "log", "{}"));   /* default level: everything */
    CHECK_EQ_INT(e.c.n, n + 3);
    v = parse(e.c.v[n].json);
    CHECK_STR(js(v, "method"), "notifications/message");
    CHECK_STR(js(v, "params.level"), "info");
    CHECK_STR(js(v, "params.data"), "info message");
    CHECK_STR(e.c.v[n].rel, "1");
    CHECK(!e.c.v[n].is_response);
    v = rpc(&e, REQ("2", "logging/setLevel", "{\"level\":\"warning\"}"));
    CHECK(jp(v, "result") != NULL);
    n = e.c.n;
    v = rpc(&e, CALL("3", "log", "{}"));
    CHECK_EQ_INT(e.c.n, n + 2);
    CHECK_STR(js(parse(e.c.v[n].json), "params.level"), "error");
    v = rpc(&e, REQ("4", "logging/setLevel", "{\"level\":\"loud\"}"));
    CHECK_EQ_INT(ji(v, "error.code"), -32602);
    env_close(&e);
}

static void test_progress(void)
{
    env e;
    const fmcp_json *v;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    n = e.c.n;
    msg(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"method\":\"tools/call\",\"params\":{\"name\":\"progress\",\"arguments\":{},\"_meta\":{\"progressToken\":\"tok\"}}}");
    CHECK_EQ_INT(e.c.n, n + 3);
    v = parse(e.c.v[n].json);
    CHECK_STR(js(v, "method"), "notifications/progress");
    CHECK_STR(js(v, "params.progressToken"), "tok");
    CHECK(fmcp_json_get_double(jp(v, "params"), "progress", 0) == 1.0);
    CHECK(fmcp_json_get_double(jp(v, "params"), "total", 0) == 3.0);
    CHECK_STR(js(v, "params.message"), "one");
    CHECK_STR(e.c.v[n].rel, "\"r1\"");
    v = parse(e.c.v[n + 1].json);
    CHECK(fmcp_json_get_double(jp(v, "params"), "progress", 0) == 2.0);
    v = parse(e.c.v[n + 2].json);
    {
        char want[64];
        snprintf(want, sizeof want, "0 0 %d", (int)FMCP_ERR_STATE);
        CHECK_STR(js(v, "result.content.0.text"), want);
    }
    n = e.c.n;   /* no token: no notifications */
    v = rpc(&e, CALL("2", "progress", "{}"));
    CHECK_EQ_INT(e.c.n, n + 1);
    CHECK(js(v, "result.content.0.text") != NULL);
    n = e.c.n;   /* integer token */
    msg(&e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"progress\",\"_meta\":{\"progressToken\":17}}}");
    CHECK_EQ_INT(e.c.n, n + 3);
    CHECK_EQ_INT(ji(parse(e.c.v[n].json), "params.progressToken"), 17);
    env_close(&e);
}

/* Regression: progress and log notifications from a handler carry the tag of
 * the receive that caused them (they used to come with tag NULL). */
static void test_notification_tags(void)
{
    static int tag;
    static const char *calls[2] = {
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"progress\",\"_meta\":{\"progressToken\":\"p\"}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"log\",\"arguments\":{}}}" };
    env e;
    int n, i, k;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    for (k = 0; k < 2; k++) {
        fmcp_receive_opts o;
        memset(&o, 0, sizeof o);
        o.tag = &tag;
        n = e.c.n;
        fmcp_session_receive_ex(e.s, calls[k], strlen(calls[k]), &o);
        CHECK_EQ_INT(e.c.n, n + 3);   /* two notifications and the response */
        for (i = n; i < e.c.n; i++) CHECKF(e.c.v[i].tag == (void *)&tag, "message %d: %s", i - n, e.c.v[i].json);
        CHECK_STR(js(parse(e.c.v[n].json), "method"), k ? "notifications/message" : "notifications/progress");
    }
    env_close(&e);
}

/* Regression: after notifications/cancelled no progress (nor request log)
 * goes out for that request; the calls report FMCP_ERR_CANCELLED. */
static void test_progress_after_cancel(void)
{
    env e;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    deferred_ctx = NULL;
    n = e.c.n;
    msg(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"method\":\"tools/call\",\"params\":{\"name\":\"defer\",\"_meta\":{\"progressToken\":\"pt\"}}}");
    CHECK(deferred_ctx != NULL);
    if (!deferred_ctx) { env_close(&e); return; }
    CHECK_OK(fmcp_ctx_progress(deferred_ctx, 1, 10, NULL));
    CHECK_EQ_INT(e.c.n, n + 1);
    msg(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"c1\"}}");
    CHECK(fmcp_ctx_is_cancelled(deferred_ctx));
    CHECK_EQ_INT(fmcp_ctx_progress(deferred_ctx, 2, 10, NULL), FMCP_ERR_CANCELLED);
    CHECK_EQ_INT(fmcp_ctx_log(deferred_ctx, FMCP_LOG_ERROR, "t", "late"), FMCP_ERR_CANCELLED);
    CHECK_EQ_INT(e.c.n, n + 1);   /* nothing more was sent */
    fmcp_ctx_finish(deferred_ctx, FMCP_OK);
    CHECK_EQ_INT(e.c.n, n + 1);   /* the late response is dropped too */
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 0);
    env_close(&e);
}

#ifndef FASTMCP_NO_THREADS
/* A blocked tool delays neither ping nor other calls; cancelling it drops its
 * late response and still completes its receive (on_done). */
static void test_concurrency_cancel(void)
{
    env e;
    const fmcp_json *v;
    int n;
    t_gate_reset(&G);
    CHECK(env_open(&e, 2, 0, "2025-06-18"));
    n = e.c.n;
    {
        fmcp_receive_opts o;
        memset(&o, 0, sizeof o);
        o.tag = (void *)&e;
        fmcp_session_receive_ex(e.s, CALL("\"slow1\"", "slow", "{}"), strlen(CALL("\"slow1\"", "slow", "{}")), &o);
    }
    t_gate_wait_entered(&G, 1, 0);
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 1);
    v = rpc(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    CHECK_EQ_INT(ji(v, "id"), 2);
    v = rpc(&e, CALL("3", "add", "{\"a\":1,\"b\":1}"));   /* the second worker is free */
    CHECK_STR(js(v, "result.content.0.text"), "2");
    CHECK_EQ_INT(e.c.n, n + 2);
    msg(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"slow1\",\"reason\":\"x\"}}");
    t_gate_open(&G);
    CHECK(coll_wait_tag(&e.c, (void *)&e));   /* the slow call's receive completes */
    CHECK(t_gate_get(&G, &G.saw_cancel));
    CHECK_EQ_INT(e.c.n, n + 2);   /* no response for slow1 */
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 0);
    env_close(&e);
}

/* ---- pool hand-off: per-tool run_inline, jobs queued behind busy workers -- */

static pthread_t inl_thread, pool_thread;
static fmcp_result inl_request_rc;

static fmcp_result t_inline_here(fmcp_ctx *c, void *u)
{
    char *out = NULL;
    size_t n = 0;
    (void)u;
    inl_thread = pthread_self();
    inl_request_rc = fmcp_ctx_request(c, "roots/list", NULL, 1000, &out, &n);   /* would block the reader */
    return fmcp_ctx_add_text(c, "here");
}

static fmcp_result t_pool_here(fmcp_ctx *c, void *u)
{
    (void)u;
    pool_thread = pthread_self();
    return fmcp_ctx_add_text(c, "pool");
}

/* A tool with run_inline runs on the receiving thread even with a pool: its
 * response is out before fmcp_session_receive returns, and a blocking
 * server-to-client request is refused there; other tools still use the pool. */
static void test_run_inline_tool(void)
{
    env e;
    fmcp_tool_desc t;
    const fmcp_json *v;
    int n;
    CHECK(env_open(&e, 2, 0, "2025-06-18"));
    memset(&t, 0, sizeof t); t.name = "inl"; t.handler = t_inline_here; t.run_inline = 1;
    CHECK_EQ_INT(fmcp_server_add_tool(e.srv, &t), FMCP_OK);
    memset(&t, 0, sizeof t); t.name = "pooled"; t.handler = t_pool_here;
    CHECK_EQ_INT(fmcp_server_add_tool(e.srv, &t), FMCP_OK);
    n = e.c.n;
    msg(&e, CALL("7", "inl", "{}"));
    CHECK_EQ_INT(e.c.n, n + 1);   /* answered synchronously, no waiting */
    CHECK(pthread_equal(inl_thread, pthread_self()));
    CHECK_EQ_INT(inl_request_rc, FMCP_ERR_STATE);
    v = parse(e.c.v[n].json);
    CHECK_EQ_INT(ji(v, "id"), 7);
    CHECK_STR(js(v, "result.content.0.text"), "here");
    v = rpc(&e, CALL("8", "pooled", "{}"));
    CHECK_STR(js(v, "result.content.0.text"), "pool");
    CHECK(!pthread_equal(pool_thread, pthread_self()));
    env_close(&e);
}

static fmcp_result t_block(fmcp_ctx *c, void *u)
{
    (void)u;
    t_gate_pass(&G, c, T_GATE_WAIT);
    return fmcp_ctx_add_text(c, "unblocked");
}

/* Calls that arrive together (a batch) while other workers stay blocked are
 * all answered by the free workers, before the blocked ones finish; and the
 * blocked calls' responses follow once they are released. */
static void test_queue_behind_busy(void)
{
    env e;
    fmcp_tool_desc t;
    const fmcp_json *v;
    int n, i;
    t_gate_reset(&G);
    CHECK(env_open(&e, 4, 0, "2025-03-26"));
    memset(&t, 0, sizeof t); t.name = "block"; t.handler = t_block;
    CHECK_EQ_INT(fmcp_server_add_tool(e.srv, &t), FMCP_OK);
    n = e.c.n;
    msg(&e, CALL("\"b1\"", "block", "{}"));
    t_gate_wait_entered(&G, 1, 0);
    msg(&e, CALL("\"b2\"", "block", "{}"));
    t_gate_wait_entered(&G, 2, 0);
    v = rpc(&e, "[" CALL("1", "add", "{\"a\":1,\"b\":1}") "," CALL("2", "add", "{\"a\":2,\"b\":2}") ","
                CALL("3", "add", "{\"a\":3,\"b\":3}") "," CALL("4", "add", "{\"a\":4,\"b\":4}") ","
                CALL("5", "add", "{\"a\":5,\"b\":5}") "]");
    CHECK(fmcp_json_is(v, FMCP_JSON_ARRAY));
    CHECK_EQ_INT(fmcp_json_len(v), 5);
    for (i = 0; i < 5; i++) {   /* in completion order: a + a where a = id */
        char path[48], idp[24], want[24];
        snprintf(idp, sizeof idp, "%d.id", i);
        snprintf(path, sizeof path, "%d.result.content.0.text", i);
        snprintf(want, sizeof want, "%d", 2 * (int)ji(v, idp));
        CHECK_STR(js(v, path), want);
    }
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 2);   /* both still blocked */
    t_gate_open(&G);
    CHECK(coll_wait(&e.c, n + 3));
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 0);
    env_close(&e);
}

/* Regression (lost wake-up): after bursts of small batches drained by one
 * worker, a batch whose first call blocks must still get its second call
 * started by the other worker, not left queued behind the first. */
static void test_batch_after_bursts(void)
{
    env e;
    fmcp_tool_desc t;
    int i, n;
    t_gate_reset(&G);
    CHECK(env_open(&e, 2, 0, "2025-03-26"));
    memset(&t, 0, sizeof t); t.name = "block"; t.handler = t_block;
    CHECK_EQ_INT(fmcp_server_add_tool(e.srv, &t), FMCP_OK);
    for (i = 0; i < 30; i++) {
        const fmcp_json *v = rpc(&e, "[" CALL("1", "add", "{\"a\":1,\"b\":1}") "," CALL("2", "add", "{\"a\":2,\"b\":2}") ","
                                     CALL("3", "add", "{\"a\":3,\"b\":3}") "]");
        CHECK_EQ_INT(fmcp_json_len(v), 3);
    }
    n = e.c.n;
    msg(&e, "[" CALL("\"b1\"", "block", "{}") "," CALL("\"b2\"", "block", "{}") "]");
    CHECK(t_gate_wait_entered(&G, 2, 5000));   /* both running at once on the two workers */
    t_gate_open(&G);
    CHECK(coll_wait(&e.c, n + 1));      /* then the batch answer */
    env_close(&e);
}

/* A worker's sampling request goes to the client, routed to the tool call;
 * the client's reply resumes the tool. */
static void test_sampling_round_trip(void)
{
    env e;
    const fmcp_json *v;
    int n;
    char reply[256];
    CHECK(env_open(&e, 2, 0, "2025-06-18"));
    n = e.c.n;
    msg(&e, CALL("\"s1\"", "sample", "{}"));
    CHECK(coll_wait(&e.c, n + 1));
    v = parse(e.c.v[n].json);
    CHECK_STR(js(v, "method"), "sampling/createMessage");
    CHECK_EQ_INT(ji(v, "params.maxTokens"), 10);
    CHECK_STR(e.c.v[n].rel, "\"s1\"");
    CHECK(!e.c.v[n].is_response);
    snprintf(reply, sizeof reply, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"hey\"}}}",
             (long long)ji(v, "id"));
    msg(&e, reply);
    CHECK(coll_wait(&e.c, n + 2));
    v = parse(e.c.v[n + 1].json);
    CHECK(js(v, "result.content.0.text") && strncmp(js(v, "result.content.0.text"), "0 {", 3) == 0);
    CHECK(strstr(js(v, "result.content.0.text") ? js(v, "result.content.0.text") : "", "\"hey\"") != NULL);
    /* an error reply */
    n = e.c.n;
    msg(&e, CALL("\"s2\"", "sample", "{}"));
    CHECK(coll_wait(&e.c, n + 1));
    v = parse(e.c.v[n].json);
    snprintf(reply, sizeof reply, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-1,\"message\":\"no\"}}", (long long)ji(v, "id"));
    msg(&e, reply);
    CHECK(coll_wait(&e.c, n + 2));
    {
        char want[32];
        snprintf(want, sizeof want, "%d {", (int)FMCP_ERR_RPC);
        v = parse(e.c.v[n + 1].json);
        CHECK(js(v, "result.content.0.text") && strncmp(js(v, "result.content.0.text"), want, strlen(want)) == 0);
    }
    /* no reply: the timeout fires */
    n = e.c.n;
    msg(&e, CALL("\"s3\"", "sample", "{\"timeout\":30}"));
    CHECK(coll_wait(&e.c, n + 2));
    {
        char want[32];
        snprintf(want, sizeof want, "%d -", (int)FMCP_ERR_TIMEOUT);
        CHECK_STR(js(parse(e.c.v[n + 1].json), "result.content.0.text"), want);
    }
    /* cancelling the call wakes the blocked worker; nothing is answered */
    n = e.c.n;
    {
        static int tag;
        fmcp_receive_opts o;
        const char *call = CALL("\"s4\"", "sample", "{}");
        memset(&o, 0, sizeof o);
        o.tag = &tag;
        fmcp_session_receive_ex(e.s, call, strlen(call), &o);
        CHECK(coll_wait(&e.c, n + 1));   /* the sampling request */
        msg(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"s4\"}}");
        CHECK(coll_wait_tag(&e.c, &tag));   /* the call's receive is complete */
        CHECK_EQ_INT(e.c.n, n + 1);
        CHECK_EQ_INT(fmcp_session_in_flight(e.s), 0);
    }
    /* a reply to an unknown id is ignored */
    n = e.c.n;
    msg(&e, "{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}");
    CHECK_EQ_INT(e.c.n, n);
    env_close(&e);
    /* client without the sampling capability */
    CHECK(env_open(&e, 2, 0, NULL));
    rpc(&e, init_msg("2025-06-18", 0));
    v = rpc(&e, CALL("1", "sample", "{}"));
    {
        char want[32];
        snprintf(want, sizeof want, "%d -", (int)FMCP_ERR_UNSUPPORTED);
        CHECK_STR(js(v, "result.content.0.text"), want);
    }
    env_close(&e);
    /* inline mode cannot block */
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    v = rpc(&e, CALL("1", "sample", "{}"));
    {
        char want[32];
        snprintf(want, sizeof want, "%d -", (int)FMCP_ERR_STATE);
        CHECK_STR(js(v, "result.content.0.text"), want);
    }
    env_close(&e);
}

#endif

static int64_t fake_ms;
static int64_t fake_clock(void *u) { (void)u; return fake_ms; }

/* Callback-form server-to-client request (also without threads): the reply
 * resumes the deferred call; with no reply, fmcp_session_expire fails it
 * once the (hooked) monotonic clock passes the timeout. */
static void test_async_request(void)
{
    env e;
    const fmcp_json *v;
    fmcp_hooks h;
    int n;
    char reply[200];
    memset(&h, 0, sizeof h);
    h.monotonic_ms_fn = fake_clock;
    fake_ms = 1000;
    fmcp_set_hooks(&h);
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    n = e.c.n;
    msg(&e, CALL("\"a1\"", "asample", "{}"));
    CHECK_EQ_INT(e.c.n, n + 1);
    v = parse(e.c.v[n].json);
    CHECK_STR(js(v, "method"), "sampling/createMessage");
    CHECK_STR(e.c.v[n].rel, "\"a1\"");
    snprintf(reply, sizeof reply, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"x\":1}}", (long long)ji(v, "id"));
    msg(&e, reply);
    CHECK_EQ_INT(e.c.n, n + 2);
    CHECK_STR(js(parse(e.c.v[n + 1].json), "result.content.0.text"), "0 {\"x\":1}");
    n = e.c.n;
    msg(&e, CALL("\"a2\"", "asample", "{}"));
    CHECK_EQ_INT(e.c.n, n + 1);
    fake_ms += 999;
    fmcp_session_expire(e.s);
    CHECK_EQ_INT(e.c.n, n + 1);   /* not yet */
    fake_ms += 1;
    fmcp_session_expire(e.s);
    CHECK_EQ_INT(e.c.n, n + 2);
    {
        char want[32];
        snprintf(want, sizeof want, "%d -", (int)FMCP_ERR_TIMEOUT);
        CHECK_STR(js(parse(e.c.v[n + 1].json), "result.content.0.text"), want);
    }
    /* cancelling the call fails its pending request; the late result is dropped */
    n = e.c.n;
    msg(&e, CALL("\"a4\"", "asample", "{}"));
    CHECK_EQ_INT(e.c.n, n + 1);
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 1);
    msg(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"a4\"}}");
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 0);
    CHECK_EQ_INT(e.c.n, n + 1);
    /* closing the session fails a pending request */
    n = e.c.n;
    msg(&e, CALL("\"a3\"", "asample", "{}"));
    CHECK_EQ_INT(e.c.n, n + 1);
    env_close(&e);
    fmcp_set_hooks(NULL);
}

static void test_defer(void)
{
    env e;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    deferred_ctx = NULL;
    n = e.c.n;
    msg(&e, CALL("1", "defer", "{}"));
    CHECK(deferred_ctx != NULL);
    CHECK_EQ_INT(e.c.n, n);   /* not answered yet */
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 1);
    if (deferred_ctx) {
        fmcp_ctx_add_text(deferred_ctx, "later");
        fmcp_ctx_finish(deferred_ctx, FMCP_OK);
    }
    CHECK_EQ_INT(e.c.n, n + 1);
    CHECK_STR(js(parse(e.c.v[n].json), "result.content.0.text"), "later");
    env_close(&e);
}

static fmcp_result authz(void *user, const fmcp_auth_info *auth, fmcp_item_kind kind, const char *name, const char *scopes)
{
    (void)user; (void)kind; (void)name;
    if (!scopes) return FMCP_OK;
    return auth && auth->scopes && strstr(auth->scopes, scopes) ? FMCP_OK : FMCP_ERR_FORBIDDEN;
}

static void test_auth_hook(void)
{
    env e;
    const fmcp_json *v;
    fmcp_auth_info ai;
    fmcp_receive_opts o;
    const char *call = CALL("2", "secret", "{}");
    const char *list = REQ("1", "tools/list", "{}");
    int n, i, seen = 0;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    fmcp_server_set_authorizer(e.srv, authz, NULL);
    v = rpc(&e, list);
    for (i = 0; i < (int)fmcp_json_len(jp(v, "result.tools")); i++)
        if (!strcmp(js(fmcp_json_at(jp(v, "result.tools"), (size_t)i), "name"), "secret")) seen = 1;
    CHECK(!seen);
    CHECK_EQ_INT(fmcp_json_len(jp(v, "result.tools")), 10);
    v = rpc(&e, call);
    CHECK_EQ_INT(ji(v, "error.code"), FMCP_RPC_FORBIDDEN);
    CHECK_EQ_INT(e.c.v[e.c.n - 1].http, 403);
    memset(&ai, 0, sizeof ai);
    ai.subject = "alice"; ai.scopes = "read admin"; ai.token = "tok";
    memset(&o, 0, sizeof o);
    o.auth = &ai;
    n = e.c.n;
    fmcp_session_receive_ex(e.s, list, strlen(list), &o);
    CHECK_EQ_INT(fmcp_json_len(jp(parse(e.c.v[n].json), "result.tools")), 11);
    fmcp_session_receive_ex(e.s, call, strlen(call), &o);
    CHECK_STR(js(parse(e.c.v[n + 1].json), "result.content.0.text"), "alice");
    CHECK_EQ_INT(e.c.v[n + 1].http, 0);
    env_close(&e);
}

static void test_list_changed(void)
{
    env e;
    fmcp_tool_desc t;
    fmcp_prompt_desc p;
    int n;
    CHECK(env_open(&e, -1, 0, "2025-06-18"));
    n = e.c.n;
    memset(&t, 0, sizeof t);
    t.name = "new_tool"; t.handler = t_echo;
    CHECK_OK(fmcp_server_add_tool(e.srv, &t));
    CHECK_EQ_INT(e.c.n, n + 1);
    CHECK_STR(js(parse(e.c.v[n].json), "method"), "notifications/tools/list_changed");
    CHECK_OK(fmcp_server_remove(e.srv, FMCP_ITEM_TOOL, "new_tool"));
    CHECK_EQ_INT(e.c.n, n + 2);
    CHECK_EQ_INT(fmcp_server_remove(e.srv, FMCP_ITEM_TOOL, "new_tool"), FMCP_ERR_NOT_FOUND);
    CHECK_OK(fmcp_server_remove(e.srv, FMCP_ITEM_RESOURCE, "test://bin"));
    CHECK_STR(js(parse(e.c.v[n + 2].json), "method"), "notifications/resources/list_changed");
    memset(&p, 0, sizeof p);
    p.name = "p2"; p.handler = p_simple;
    CHECK_OK(fmcp_server_add_prompt(e.srv, &p));
    CHECK_STR(js(parse(e.c.v[n + 3].json), "method"), "notifications/prompts/list_changed");
    CHECK_EQ_INT(ji(rpc(&e, CALL("1", "new_tool", "{}")), "error.code"), -32602);
    env_close(&e);
}

/* Allocation failures: server creation, registration, session, initialize
 * and a tools/call round trip fail cleanly and leak nothing. */
static int sweep_sends;
static fmcp_result count_send(void *u, const char *json, size_t len, const fmcp_send_info *info)
{
    (void)u; (void)info;
    if (len && strstr(json, "\"text\":\"42\"")) sweep_sends++;
    return FMCP_OK;
}

static int sweep_once(void)
{
    fmcp_server_desc sd;
    fmcp_session_desc ss;
    fmcp_server *srv;
    fmcp_session *s;
    fmcp_tool_desc t;
    fmcp_auth_info ai;
    int rc;
    const char *call = CALL("7", "add", "{\"a\":40,\"b\":2}");
    memset(&sd, 0, sizeof sd);
    sd.alloc = &t_alloc; sd.workers = -1; sd.name = "sweep";
    if ((rc = fmcp_server_create(&sd, &srv)) != FMCP_OK) return rc;
    memset(&t, 0, sizeof t);
    t.name = "add"; t.params = "a:integer, b:integer, m?:enum(x|y)"; t.handler = t_add;
    t.output_schema = "{\"type\":\"object\"}"; t.title = "Add";
    rc = fmcp_server_add_tool(srv, &t);
    if (rc == FMCP_OK) rc = add_fixtures(srv);
    memset(&ai, 0, sizeof ai);
    ai.subject = "s"; ai.token = "t";
    memset(&ss, 0, sizeof ss);
    ss.send = count_send; ss.auth = &ai;
    if (rc == FMCP_OK) rc = fmcp_session_create(srv, &ss, &s);
    if (rc == FMCP_OK) {
        sweep_sends = 0;
        rc = fmcp_session_receive(s, init_msg("2025-06-18", 1), strlen(init_msg("2025-06-18", 1)));
        if (rc == FMCP_OK) rc = fmcp_session_receive(s, call, strlen(call));
        if (rc == FMCP_OK && sweep_sends != 1) rc = -1;   /* a response was lost to a failure */
        if (rc == FMCP_OK) {   /* an already parsed message: the session owns (and frees) it */
            fmcp_json_doc *doc = NULL;
            rc = fmcp_json_parse(call, strlen(call), NULL, &doc, NULL);
            if (rc == FMCP_OK) rc = fmcp_session_receive_doc(s, doc, NULL);
            if (rc == FMCP_OK && sweep_sends != 2) rc = -1;
        }
        fmcp_session_destroy(s);
    }
    fmcp_server_destroy(srv);
    return rc;
}

static void test_alloc_sweep(void)
{
    T_ALLOC_SWEEP(t_rc = sweep_once());
}

int main(void)
{
    T_RUN(test_initialize);
    T_RUN(test_ids_exact);
    T_RUN(test_jsonrpc_errors);
    T_RUN(test_json_suite);
    T_RUN(test_batch);
    T_RUN(test_tools_list);
    T_RUN(test_tool_spec_grammar);
    T_RUN(test_tool_call_validation);
    T_RUN(test_tool_content);
    T_RUN(test_pagination);
    T_RUN(test_resources);
    T_RUN(test_prompts);
    T_RUN(test_logging);
    T_RUN(test_progress);
    T_RUN(test_notification_tags);
    T_RUN(test_progress_after_cancel);
#ifndef FASTMCP_NO_THREADS
    T_RUN(test_concurrency_cancel);
    T_RUN(test_run_inline_tool);
    T_RUN(test_queue_behind_busy);
    T_RUN(test_batch_after_bursts);
    T_RUN(test_sampling_round_trip);
#endif
    T_RUN(test_async_request);
    T_RUN(test_defer);
    T_RUN(test_receive_defer_handoff);
    T_RUN(test_assume_initialized_and_receive_doc);
    T_RUN(test_auth_hook);
    T_RUN(test_list_changed);
    T_RUN(test_alloc_sweep);
    return t_finish("mcp");
}
