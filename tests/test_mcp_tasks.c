/* Tests for the mcp_tasks module: the tasks extension driven with JSON-RPC
 * text through fmcp_session_receive (inline handlers: every call finishes
 * before the receive returns, so no test waits on a thread). Expected shapes
 * come from the tasks extension spec (spec-tasks.md) and the 2026-07-28
 * schema. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#ifndef FASTMCP_NO_THREADS
#define T_THREADS
#endif
#include "test.h"

/* ---- fake transport: the last response ------------------------------------ */

static char t_last[65536];
static int t_sent;

static char t_note[65536];   /* the last notifications/tasks */
static int t_notes;

static fmcp_result t_send(void *u, const char *json, size_t len, const fmcp_send_info *info)
{
    (void)u;
    if (!info->is_response) {
        if (strstr(json, "\"notifications/tasks\"") && len < sizeof t_note) {
            memcpy(t_note, json, len);
            t_note[len] = 0;
            t_notes++;
        }
        return FMCP_OK;
    }
    if (len >= sizeof t_last) len = sizeof t_last - 1;
    memcpy(t_last, json, len);
    t_last[len] = 0;
    t_sent++;
    return FMCP_OK;
}

/* ---- a fixed clock -------------------------------------------------------- */

static int64_t t_now = 1700000000;   /* 2023-11-14T22:13:20Z */
static int64_t t_clock(void *u) { (void)u; return t_now; }
static int64_t t_mono(void *u) { (void)u; return t_now * 1000; }

static void t_clock_on(void)
{
    fmcp_hooks h;
    memset(&h, 0, sizeof h);
    h.time_fn = t_clock;
    h.monotonic_ms_fn = t_mono;
    fmcp_set_hooks(&h);
}

/* ---- fixtures --------------------------------------------------------------- */

static fmcp_ctx *t_held;   /* the last call that deferred its answer (a task still running) */
static fmcp_ctx *t_helds[8];
static int t_nheld;

static fmcp_result tool_echo(fmcp_ctx *c, void *u)
{
    char buf[200];
    (void)u;
    snprintf(buf, sizeof buf, "echo %s", fmcp_ctx_arg_str(c, "text", "?"));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result tool_big(fmcp_ctx *c, void *u)
{
    static char buf[4000];
    (void)u;
    memset(buf, 'x', sizeof buf - 1);
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result tool_toolerr(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_set_error(c, 1);
    return fmcp_ctx_add_text(c, "bad input");
}

static fmcp_result tool_rpcerr(fmcp_ctx *c, void *u)
{
    (void)u;
    (void)fmcp_ctx_error(c, -32603, "crashed");
    return FMCP_ERR_PROTOCOL;
}

static fmcp_result tool_hold(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_defer(c);
    t_held = c;
    if (t_nheld < 8) t_helds[t_nheld++] = c;
    return FMCP_OK;
}

static int t_rounds;

/* Two inputs at once, then a text made of both answers. */
static fmcp_result tool_two(fmcp_ctx *c, void *u)
{
    const fmcp_json *a, *b;
    fmcp_result r1, r2;
    char buf[200];
    (void)u;
    t_rounds++;
    r1 = fmcp_ctx_input(c, "a", "elicitation/create", "{\"message\":\"A?\"}", &a);
    r2 = fmcp_ctx_input(c, "b", "elicitation/create", "{\"message\":\"B?\"}", &b);
    if (r1 != FMCP_OK) return r1;
    if (r2 != FMCP_OK) return r2;
    snprintf(buf, sizeof buf, "%s+%s", fmcp_json_get_str(a, "v", "?"), fmcp_json_get_str(b, "v", "?"));
    return fmcp_ctx_add_text(c, buf);
}

/* Multi round-trip for "n", then a task. */
static fmcp_result tool_late(fmcp_ctx *c, void *u)
{
    const fmcp_json *v;
    fmcp_result r;
    (void)u;
    if ((r = fmcp_ctx_input(c, "n", "elicitation/create", NULL, &v)) != FMCP_OK) return r;
    if ((r = fmcp_ctx_start_task(c)) != FMCP_OK) return r;
    if (!fmcp_ctx_is_task(c)) return FMCP_ERR_STATE;
    return fmcp_ctx_add_text(c, fmcp_json_get_str(v, "v", "?"));
}

static fmcp_result add(fmcp_server *srv, const char *name, fmcp_handler_fn fn, int support)
{
    fmcp_tool_desc t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.handler = fn;
    t.task_support = support;
    return fmcp_server_add_tool(srv, &t);
}

typedef struct tenv {
    fmcp_server *srv;
    fmcp_session *s;
} tenv;

/* ---- a store shared by two servers (replicas) ----------------------------------- */

#define SHARED_MAX 16
static struct { char id[32]; char *text; size_t len; } t_shared[SHARED_MAX];
static int t_puts, t_updates, t_gets;

static int shared_find(const char *id)
{
    int i;
    for (i = 0; i < SHARED_MAX; i++)
        if (t_shared[i].text && strcmp(t_shared[i].id, id) == 0) return i;
    return -1;
}

static fmcp_result shared_put(void *u, const char *id, const char *rec, size_t len, const fmcp_task_meta *meta)
{
    int i;
    (void)u; (void)meta;
    t_puts++;
    if (shared_find(id) >= 0) return FMCP_ERR_DUPLICATE;
    for (i = 0; i < SHARED_MAX && t_shared[i].text; i++) {}
    if (i == SHARED_MAX || strlen(id) >= sizeof t_shared[i].id) return FMCP_ERR_TOO_LARGE;
    t_shared[i].text = (char *)malloc(len + 1);
    memcpy(t_shared[i].text, rec, len);
    t_shared[i].text[len] = 0;
    t_shared[i].len = len;
    strcpy(t_shared[i].id, id);
    return FMCP_OK;
}

static fmcp_result shared_update(void *u, const char *id, const char *rec, size_t len, const fmcp_task_meta *meta)
{
    int i = shared_find(id);
    (void)u; (void)meta;
    t_updates++;
    if (i < 0) return FMCP_ERR_NOT_FOUND;
    free(t_shared[i].text);
    t_shared[i].text = (char *)malloc(len + 1);
    memcpy(t_shared[i].text, rec, len);
    t_shared[i].text[len] = 0;
    t_shared[i].len = len;
    return FMCP_OK;
}

static fmcp_result shared_get(void *u, const fmcp_allocator *a, const char *id, char **rec, size_t *len)
{
    int i = shared_find(id);
    (void)u;
    t_gets++;
    if (i < 0) return FMCP_ERR_NOT_FOUND;
    if (!(*rec = (char *)fmcp_malloc(a, t_shared[i].len + 1))) return FMCP_ERR_NOMEM;
    memcpy(*rec, t_shared[i].text, t_shared[i].len + 1);
    *len = t_shared[i].len;
    return FMCP_OK;
}

static void shared_del(void *u, const char *id)
{
    int i = shared_find(id);
    (void)u;
    if (i >= 0) { free(t_shared[i].text); t_shared[i].text = NULL; }
}

static const fmcp_task_store *t_store;   /* for the next env_open */

static fmcp_result env_open(tenv *e, const fmcp_allocator *a, size_t max_count, size_t max_bytes)
{
    fmcp_server_desc d;
    fmcp_session_desc sd;
    fmcp_result r;
    memset(&d, 0, sizeof d);
    d.workers = -1;
    d.alloc = a;
    d.task_ttl_ms = 60000;
    d.task_poll_ms = 250;
    d.task_max_count = max_count;
    d.task_max_bytes = max_bytes;
    d.task_store = t_store;
    memset(e, 0, sizeof *e);
    if ((r = fmcp_server_create(&d, &e->srv)) != FMCP_OK) return r;
    if ((r = add(e->srv, "echo", tool_echo, FMCP_TASK_OPTIONAL)) != FMCP_OK ||
        (r = add(e->srv, "sync", tool_echo, FMCP_TASK_NONE)) != FMCP_OK ||
        (r = add(e->srv, "must", tool_echo, FMCP_TASK_REQUIRED)) != FMCP_OK ||
        (r = add(e->srv, "big", tool_big, FMCP_TASK_OPTIONAL)) != FMCP_OK ||
        (r = add(e->srv, "toolerr", tool_toolerr, FMCP_TASK_OPTIONAL)) != FMCP_OK ||
        (r = add(e->srv, "rpcerr", tool_rpcerr, FMCP_TASK_OPTIONAL)) != FMCP_OK ||
        (r = add(e->srv, "hold", tool_hold, FMCP_TASK_OPTIONAL)) != FMCP_OK ||
        (r = add(e->srv, "two", tool_two, FMCP_TASK_OPTIONAL)) != FMCP_OK ||
        (r = add(e->srv, "late", tool_late, FMCP_TASK_REQUIRED | FMCP_TASK_HANDLER_STARTS)) != FMCP_OK) {
        fmcp_server_destroy(e->srv);
        return r;
    }
    memset(&sd, 0, sizeof sd);
    sd.send = t_send;
    if ((r = fmcp_session_create(e->srv, &sd, &e->s)) != FMCP_OK) fmcp_server_destroy(e->srv);
    return r;
}

static void env_close(tenv *e)
{
    fmcp_session_destroy(e->s);
    fmcp_server_destroy(e->srv);
}

/* Send one modern request (params: members without braces, may be ""); the
 * response's parsed document (caller frees) or NULL when none came. */
static fmcp_json_doc *call(tenv *e, const char *method, const char *params, int tasks)
{
    static char buf[8192];
    fmcp_json_doc *doc = NULL;
    int before = t_sent;
    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":{%s%s\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
             "\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{}%s}}}}",
             method, params, *params ? "," : "",
             tasks ? ",\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}" : "");
    if (fmcp_session_receive(e->s, buf, strlen(buf)) != FMCP_OK || t_sent == before) return NULL;
    if (fmcp_json_parse(t_last, strlen(t_last), NULL, &doc, NULL) != FMCP_OK) return NULL;
    return doc;
}

static const fmcp_json *res(fmcp_json_doc *d) { return fmcp_json_get(fmcp_json_root(d), "result"); }
static int64_t ecode(fmcp_json_doc *d) { return fmcp_json_get_int(fmcp_json_get(fmcp_json_root(d), "error"), "code", 0); }
static const char *status(fmcp_json_doc *d) { return fmcp_json_get_str(res(d), "status", ""); }

static const char *first_text(const fmcp_json *result)
{
    return fmcp_json_get_str(fmcp_json_first(fmcp_json_get(result, "content")), "text", "");
}

/* tools/call of name with the extension: the new task's id in id (or ""). */
static void start(tenv *e, const char *name, char id[64])
{
    char p[128];
    fmcp_json_doc *d;
    snprintf(p, sizeof p, "\"name\":\"%s\",\"arguments\":{\"text\":\"hi\"}", name);
    d = call(e, "tools/call", p, 1);
    snprintf(id, 64, "%s", fmcp_json_get_str(res(d), "taskId", ""));
    fmcp_json_doc_destroy(d);
}

static fmcp_json_doc *get(tenv *e, const char *id)
{
    char p[128];
    snprintf(p, sizeof p, "\"taskId\":\"%s\"", id);
    return call(e, "tasks/get", p, 1);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_create_and_get(void)
{
    tenv e;
    fmcp_json_doc *d;
    const fmcp_json *r;
    char id[64];
    t_clock_on();
    CHECK_OK(env_open(&e, NULL, 0, 0));
    d = call(&e, "tools/call", "\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}", 1);
    r = res(d);
    CHECK_STR(fmcp_json_get_str(r, "resultType", ""), "task");
    CHECK_STR(fmcp_json_get_str(r, "status", ""), "working");   /* the seed state, sent before the handler ran */
    CHECK_EQ_INT(strlen(fmcp_json_get_str(r, "taskId", "")), 22);   /* 128 bits, base64url */
    CHECK_STR(fmcp_json_get_str(r, "createdAt", ""), "2023-11-14T22:13:20Z");
    CHECK_STR(fmcp_json_get_str(r, "lastUpdatedAt", ""), "2023-11-14T22:13:20Z");
    CHECK_EQ_INT(fmcp_json_get_int(r, "ttlMs", 0), 60000);
    CHECK_EQ_INT(fmcp_json_get_int(r, "pollIntervalMs", 0), 250);
    CHECK(!fmcp_json_get(r, "task") && !fmcp_json_get(r, "result") && !fmcp_json_get(r, "requestState"));
    snprintf(id, sizeof id, "%s", fmcp_json_get_str(r, "taskId", ""));
    fmcp_json_doc_destroy(d);
    d = get(&e, id);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    CHECK_STR(status(d), "completed");
    CHECK_STR(fmcp_json_get_str(res(d), "taskId", ""), id);
    CHECK_STR(first_text(fmcp_json_get(res(d), "result")), "echo hi");
    CHECK(!fmcp_json_get(res(d), "error") && !fmcp_json_get(res(d), "inputRequests"));
    fmcp_json_doc_destroy(d);
    /* server/discover advertises the extension */
    d = call(&e, "server/discover", "", 0);
    CHECK(fmcp_json_get(fmcp_json_get(fmcp_json_get(res(d), "capabilities"), "extensions"),
                        "io.modelcontextprotocol/tasks") != NULL);
    fmcp_json_doc_destroy(d);
    env_close(&e);
    fmcp_set_hooks(NULL);
}

static void test_negotiation(void)
{
    tenv e;
    fmcp_json_doc *d;
    const fmcp_json *data;
    CHECK_OK(env_open(&e, NULL, 0, 0));
    /* optional without the extension: synchronous */
    d = call(&e, "tools/call", "\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}", 0);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    CHECK_STR(first_text(res(d)), "echo x");
    CHECK(!fmcp_json_get(res(d), "taskId"));
    fmcp_json_doc_destroy(d);
    /* a tool without task support stays synchronous with the extension */
    d = call(&e, "tools/call", "\"name\":\"sync\",\"arguments\":{\"text\":\"y\"},\"task\":{\"ttl\":1}", 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    fmcp_json_doc_destroy(d);
    /* required without the extension: -32021 naming it */
    d = call(&e, "tools/call", "\"name\":\"must\",\"arguments\":{}", 0);
    CHECK_EQ_INT(ecode(d), -32021);
    data = fmcp_json_get(fmcp_json_get(fmcp_json_root(d), "error"), "data");
    CHECK(fmcp_json_get(fmcp_json_get(fmcp_json_get(data, "requiredCapabilities"), "extensions"),
                        "io.modelcontextprotocol/tasks") != NULL);
    fmcp_json_doc_destroy(d);
    d = call(&e, "tasks/get", "\"taskId\":\"x\"", 0);
    CHECK_EQ_INT(ecode(d), -32021);
    fmcp_json_doc_destroy(d);
    d = call(&e, "tasks/cancel", "\"taskId\":\"x\"", 0);
    CHECK_EQ_INT(ecode(d), -32021);
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(fmcp_session_in_flight(e.s), 0);
    env_close(&e);
}

static void test_errors(void)
{
    tenv e;
    fmcp_json_doc *d;
    char id[64];
    CHECK_OK(env_open(&e, NULL, 0, 0));
    d = get(&e, "no-such-task");
    CHECK_EQ_INT(ecode(d), -32602);
    fmcp_json_doc_destroy(d);
    d = call(&e, "tasks/get", "", 1);
    CHECK_EQ_INT(ecode(d), -32602);
    fmcp_json_doc_destroy(d);
    d = call(&e, "tasks/result", "\"taskId\":\"x\"", 1);
    CHECK_EQ_INT(ecode(d), -32601);
    fmcp_json_doc_destroy(d);
    d = call(&e, "tasks/list", "", 1);
    CHECK_EQ_INT(ecode(d), -32601);
    fmcp_json_doc_destroy(d);
    /* a tool error completes the task with isError */
    start(&e, "toolerr", id);
    d = get(&e, id);
    CHECK_STR(status(d), "completed");
    CHECK(fmcp_json_get_bool(fmcp_json_get(res(d), "result"), "isError", 0));
    fmcp_json_doc_destroy(d);
    /* a JSON-RPC error fails it, with the error inlined */
    start(&e, "rpcerr", id);
    d = get(&e, id);
    CHECK_STR(status(d), "failed");
    CHECK_EQ_INT(fmcp_json_get_int(fmcp_json_get(res(d), "error"), "code", 0), -32603);
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(res(d), "error"), "message", ""), "crashed");
    CHECK(!fmcp_json_get(res(d), "result"));
    fmcp_json_doc_destroy(d);
    /* tasks/update with inputResponses that are not an object */
    {
        char p[160];
        snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":[]", id);
        d = call(&e, "tasks/update", p, 1);
        CHECK_EQ_INT(ecode(d), -32602);
        fmcp_json_doc_destroy(d);
    }
    env_close(&e);
}

/* Another caller (a different identity) does not see the task. */
static void test_owner(void)
{
    tenv e;
    fmcp_json_doc *d;
    fmcp_session *s2;
    fmcp_session_desc sd;
    fmcp_auth_info au;
    char id[64];
    CHECK_OK(env_open(&e, NULL, 0, 0));
    start(&e, "echo", id);
    memset(&sd, 0, sizeof sd);
    memset(&au, 0, sizeof au);
    au.subject = "mallory";
    sd.send = t_send;
    sd.auth = &au;
    CHECK_OK(fmcp_session_create(e.srv, &sd, &s2));
    {
        fmcp_session *mine = e.s;
        e.s = s2;
        d = get(&e, id);
        CHECK_EQ_INT(ecode(d), -32602);
        fmcp_json_doc_destroy(d);
        e.s = mine;
    }
    fmcp_session_destroy(s2);
    d = get(&e, id);
    CHECK_STR(status(d), "completed");
    fmcp_json_doc_destroy(d);
    env_close(&e);
}

static void test_input_and_update(void)
{
    tenv e;
    fmcp_json_doc *d;
    const fmcp_json *ir;
    char id[64], p[256];
    CHECK_OK(env_open(&e, NULL, 0, 0));
    t_rounds = 0;
    start(&e, "two", id);
    d = get(&e, id);
    CHECK_STR(status(d), "input_required");
    ir = fmcp_json_get(res(d), "inputRequests");
    CHECK_STR(fmcp_json_get_str(fmcp_json_get(ir, "a"), "method", ""), "elicitation/create");
    CHECK(fmcp_json_get(ir, "b") != NULL);
    CHECK(!fmcp_json_get(res(d), "requestState"));
    fmcp_json_doc_destroy(d);
    /* partial: b stays pending; an unknown key is ignored */
    snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"v\":\"1\"},\"zz\":{}}", id);
    d = call(&e, "tasks/update", p, 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    CHECK(!fmcp_json_get(res(d), "taskId") && !fmcp_json_get(res(d), "status"));
    fmcp_json_doc_destroy(d);
    d = get(&e, id);
    CHECK_STR(status(d), "input_required");
    ir = fmcp_json_get(res(d), "inputRequests");
    CHECK(!fmcp_json_get(ir, "a") && fmcp_json_get(ir, "b") != NULL);
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_rounds, 1);
    /* the last answer: the handler runs again with both */
    snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":{\"b\":{\"v\":\"2\"}}", id);
    d = call(&e, "tasks/update", p, 1);
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_rounds, 2);
    d = get(&e, id);
    CHECK_STR(status(d), "completed");
    CHECK_STR(first_text(fmcp_json_get(res(d), "result")), "1+2");
    fmcp_json_doc_destroy(d);
    /* an update to a finished task is acknowledged and changes nothing */
    d = call(&e, "tasks/update", p, 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_rounds, 2);
    env_close(&e);
}

/* Multi round-trip first, then fmcp_ctx_start_task. */
static void test_mrtr_then_task(void)
{
    tenv e;
    fmcp_json_doc *d;
    char p[4096], id[64];
    CHECK_OK(env_open(&e, NULL, 0, 0));
    d = call(&e, "tools/call", "\"name\":\"late\",\"arguments\":{}", 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "input_required");
    CHECK(!fmcp_json_get(res(d), "taskId"));
    snprintf(p, sizeof p, "\"name\":\"late\",\"arguments\":{},\"inputResponses\":{\"n\":{\"v\":\"Alice\"}},"
             "\"requestState\":\"%s\"", fmcp_json_get_str(res(d), "requestState", ""));
    fmcp_json_doc_destroy(d);
    d = call(&e, "tools/call", p, 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "task");
    CHECK(!fmcp_json_get(res(d), "requestState") && !fmcp_json_get(res(d), "inputRequests"));
    snprintf(id, sizeof id, "%s", fmcp_json_get_str(res(d), "taskId", ""));
    fmcp_json_doc_destroy(d);
    d = get(&e, id);
    CHECK_STR(status(d), "completed");
    CHECK_STR(first_text(fmcp_json_get(res(d), "result")), "Alice");
    fmcp_json_doc_destroy(d);
    env_close(&e);
}

static void test_cancel(void)
{
    tenv e;
    fmcp_json_doc *d;
    char id[64], id2[64], p[128];
    CHECK_OK(env_open(&e, NULL, 0, 0));
    t_held = NULL;
    start(&e, "hold", id);
    CHECK(t_held != NULL);
    d = get(&e, id);
    CHECK_STR(status(d), "working");
    fmcp_json_doc_destroy(d);
    snprintf(p, sizeof p, "\"taskId\":\"%s\"", id);
    d = call(&e, "tasks/cancel", p, 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    CHECK(!fmcp_json_get(res(d), "status"));
    fmcp_json_doc_destroy(d);
    CHECK(fmcp_ctx_is_cancelled(t_held));
    d = get(&e, id);
    CHECK_STR(status(d), "cancelled");
    fmcp_json_doc_destroy(d);
    CHECK_OK(fmcp_ctx_add_text(t_held, "too late"));
    fmcp_ctx_finish(t_held, FMCP_OK);   /* what it made is dropped */
    d = get(&e, id);
    CHECK_STR(status(d), "cancelled");
    CHECK(!fmcp_json_get(res(d), "result"));
    fmcp_json_doc_destroy(d);
    d = call(&e, "tasks/cancel", p, 1);   /* idempotent */
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    fmcp_json_doc_destroy(d);
    /* a task waiting for input: cancelled at once, its context freed */
    start(&e, "two", id2);
    snprintf(p, sizeof p, "\"taskId\":\"%s\"", id2);
    d = call(&e, "tasks/cancel", p, 1);
    fmcp_json_doc_destroy(d);
    d = get(&e, id2);
    CHECK_STR(status(d), "cancelled");
    CHECK(!fmcp_json_get(res(d), "inputRequests"));
    fmcp_json_doc_destroy(d);
    env_close(&e);
}

static void test_capacity(void)
{
    tenv e;
    fmcp_json_doc *d;
    char a[64], b[64], c[64], h1[64];
    CHECK_OK(env_open(&e, NULL, 2, 0));
    start(&e, "echo", a);
    start(&e, "echo", b);
    start(&e, "echo", c);   /* evicts a: the oldest finished */
    d = get(&e, a);
    CHECK_EQ_INT(ecode(d), -32602);
    fmcp_json_doc_destroy(d);
    d = get(&e, b);
    CHECK_STR(status(d), "completed");
    fmcp_json_doc_destroy(d);
    d = get(&e, c);
    CHECK_STR(status(d), "completed");
    fmcp_json_doc_destroy(d);
    /* two unfinished tasks fill it: a third call is refused */
    t_nheld = 0;
    start(&e, "hold", h1);
    CHECK(*h1 != 0);
    start(&e, "hold", b);
    CHECK(*b != 0);
    d = call(&e, "tools/call", "\"name\":\"echo\",\"arguments\":{}", 1);
    CHECK_EQ_INT(ecode(d), -32603);
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_nheld, 2);
    while (t_nheld > 0) fmcp_ctx_finish(t_helds[--t_nheld], FMCP_OK);
    start(&e, "echo", c);   /* room again: the finished ones go */
    d = get(&e, c);
    CHECK_STR(status(d), "completed");
    fmcp_json_doc_destroy(d);
    env_close(&e);
    /* bytes: a result that cannot fit fails the task */
    CHECK_OK(env_open(&e, NULL, 0, 1500));
    start(&e, "big", a);
    d = get(&e, a);
    CHECK_STR(status(d), "failed");
    CHECK_EQ_INT(fmcp_json_get_int(fmcp_json_get(res(d), "error"), "code", 0), -32603);
    fmcp_json_doc_destroy(d);
    env_close(&e);
}

static void test_expiry(void)
{
    tenv e;
    fmcp_json_doc *d;
    char id[64], id2[64], id3[64];
    t_clock_on();
    CHECK_OK(env_open(&e, &t_alloc, 0, 0));
    start(&e, "echo", id);
    start(&e, "two", id2);   /* parked for input */
    t_held = NULL;
    start(&e, "hold", id3);  /* running */
    t_now += 59;
    d = get(&e, id);
    CHECK_STR(status(d), "completed");   /* not before its ttlMs */
    fmcp_json_doc_destroy(d);
    t_now += 2;
    d = get(&e, id);
    CHECK_EQ_INT(ecode(d), -32602);
    fmcp_json_doc_destroy(d);
    d = get(&e, id2);
    CHECK_EQ_INT(ecode(d), -32602);
    fmcp_json_doc_destroy(d);
    CHECK(t_held && fmcp_ctx_is_cancelled(t_held));   /* the running one was told */
    if (t_held) fmcp_ctx_finish(t_held, FMCP_OK);
    env_close(&e);
    CHECK_EQ_INT(t_alloc_live, 0);   /* the parked context went with its task */
    t_now = 1700000000;
    fmcp_set_hooks(NULL);
}

/* Two replicas share a store: either answers tasks/get; answers given on B
 * reach the handler parked on A (picked up on A's next task request). */
static void test_shared_store(void)
{
    fmcp_task_store st;
    tenv a, b;
    fmcp_json_doc *d;
    char id[64], p[256];
    int i;
    memset(&st, 0, sizeof st);
    st.put = shared_put; st.update = shared_update; st.get = shared_get; st.del = shared_del;
    t_store = &st;
    CHECK_OK(env_open(&a, NULL, 0, 0));
    CHECK_OK(env_open(&b, NULL, 0, 0));
    t_store = NULL;
    t_rounds = 0;
    start(&a, "two", id);
    CHECK_EQ_INT(t_puts, 1);
    d = get(&b, id);
    CHECK_STR(status(d), "input_required");
    fmcp_json_doc_destroy(d);
    snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"v\":\"x\"},\"b\":{\"v\":\"y\"}}", id);
    d = call(&b, "tasks/update", p, 1);
    CHECK_STR(fmcp_json_get_str(res(d), "resultType", ""), "complete");
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_rounds, 1);   /* B has no handler for it */
    d = get(&a, id);             /* A notices the answers and runs the handler again */
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_rounds, 2);
    d = get(&b, id);
    CHECK_STR(status(d), "completed");
    CHECK_STR(first_text(fmcp_json_get(res(d), "result")), "x+y");
    fmcp_json_doc_destroy(d);
    CHECK(t_updates >= 3 && t_gets >= 4);
    env_close(&a);
    env_close(&b);
    for (i = 0; i < SHARED_MAX; i++) { free(t_shared[i].text); t_shared[i].text = NULL; }
}

/* notifications/tasks on a subscriptions/listen stream that asked for the task. */
static void test_status_notifications(void)
{
    tenv e;
    fmcp_json_doc *d;
    const fmcp_json *pr;
    char id[64], p[512];
    CHECK_OK(env_open(&e, NULL, 0, 0));
    start(&e, "two", id);
    /* without the extension: -32021 */
    snprintf(p, sizeof p, "\"notifications\":{\"taskIds\":[\"%s\"]}", id);
    d = call(&e, "subscriptions/listen", p, 0);
    CHECK_EQ_INT(ecode(d), -32021);
    fmcp_json_doc_destroy(d);
    snprintf(p, sizeof p, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"subscriptions/listen\",\"params\":{"
             "\"notifications\":{\"taskIds\":[\"%s\"]},\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":"
             "{\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}}}}}", id);
    CHECK_OK(fmcp_session_receive(e.s, p, strlen(p)));
    t_notes = 0;
    snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"v\":\"1\"}}", id);
    d = call(&e, "tasks/update", p, 1);
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_notes, 1);   /* still input_required, one key fewer */
    CHECK(strstr(t_note, "\"input_required\"") != NULL && strstr(t_note, "\"b\"") != NULL);
    snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":{\"b\":{\"v\":\"2\"}}", id);
    d = call(&e, "tasks/update", p, 1);
    fmcp_json_doc_destroy(d);
    CHECK_EQ_INT(t_notes, 3);   /* working, then completed (the handler ran inline) */
    d = NULL;
    CHECK_OK(fmcp_json_parse(t_note, strlen(t_note), NULL, &d, NULL));
    pr = fmcp_json_get(fmcp_json_root(d), "params");
    CHECK_STR(fmcp_json_get_str(pr, "taskId", ""), id);
    CHECK_STR(fmcp_json_get_str(pr, "status", ""), "completed");
    CHECK_STR(first_text(fmcp_json_get(pr, "result")), "1+2");
    CHECK_EQ_INT(fmcp_json_get_int(fmcp_json_get(pr, "_meta"), "io.modelcontextprotocol/subscriptionId", 0), 99);
    fmcp_json_doc_destroy(d);
    fmcp_server_end_subscriptions(e.srv);
    env_close(&e);
}

#ifndef FASTMCP_NO_THREADS
static t_gate G = T_GATE_INIT;   /* never opened: only a cancel lets the handler through */

/* Runs until cancelled (bounded at about 10 s so a failure cannot hang). */
static fmcp_result tool_until_cancelled(fmcp_ctx *c, void *u)
{
    (void)u;
    t_gate_pass(&G, c, T_GATE_OR_CANCEL);
    return FMCP_OK;
}

/* On the pool: destroying the server cancels a running task's handler. */
static void test_destroy_cancels(void)
{
    fmcp_server_desc d;
    fmcp_session_desc sd;
    tenv e;
    char id[64];
    memset(&d, 0, sizeof d);
    d.workers = 1;
    memset(&e, 0, sizeof e);
    CHECK_OK(fmcp_server_create(&d, &e.srv));
    CHECK_OK(add(e.srv, "spin", tool_until_cancelled, FMCP_TASK_OPTIONAL));
    memset(&sd, 0, sizeof sd);
    sd.send = t_send;
    CHECK_OK(fmcp_session_create(e.srv, &sd, &e.s));
    t_gate_reset(&G);
    start(&e, "spin", id);
    CHECK(*id != 0);
    t_gate_wait_entered(&G, 1, 0);
    fmcp_session_destroy(e.s);   /* the task outlives its session */
    CHECK(!t_gate_get(&G, &G.saw_cancel));
    fmcp_server_destroy(e.srv);
    CHECK(t_gate_get(&G, &G.saw_cancel));
}
#endif

/* Task creation, input, update and get: FMCP_OK when all of it worked. */
static int sweep_once(void)
{
    tenv e;
    fmcp_json_doc *d;
    char id[64], p[160];
    int good;
    int rc = env_open(&e, &t_alloc, 0, 0);
    if (rc != FMCP_OK) return rc;
    start(&e, "two", id);
    snprintf(p, sizeof p, "\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"v\":\"1\"},\"b\":{\"v\":\"2\"}}", id);
    d = call(&e, "tasks/update", p, 1);
    good = *id && d && strcmp(fmcp_json_get_str(res(d), "resultType", ""), "complete") == 0;
    fmcp_json_doc_destroy(d);
    d = get(&e, id);
    good = good && d && strcmp(status(d), "completed") == 0 && strcmp(first_text(fmcp_json_get(res(d), "result")), "1+2") == 0;
    fmcp_json_doc_destroy(d);
    env_close(&e);
    return good ? FMCP_OK : FMCP_ERR_NOMEM;
}

static void test_alloc_sweep(void)
{
    T_ALLOC_SWEEP(t_rc = sweep_once());
}

int main(void)
{
    T_RUN(test_create_and_get);
    T_RUN(test_negotiation);
    T_RUN(test_errors);
    T_RUN(test_owner);
    T_RUN(test_input_and_update);
    T_RUN(test_mrtr_then_task);
    T_RUN(test_cancel);
    T_RUN(test_capacity);
    T_RUN(test_expiry);
    T_RUN(test_status_notifications);
    T_RUN(test_shared_store);
#ifndef FASTMCP_NO_THREADS
    T_RUN(test_destroy_cancels);
#endif
    T_RUN(test_alloc_sweep);
    return t_finish("mcp_tasks");
}
