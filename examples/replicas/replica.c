/* replica.c - one of several stateless replicas of an MCP server behind a
 * load balancer (docs/deploy.md, "Replicas"). Protocol 2026-07-28 needs no
 * sticky routing: every request stands alone. What crosses requests is
 * shared: multi round-trip requestState is sealed with a key every replica
 * has (FMCP_STATE_KEY), and tasks live in Redis through the task store
 * interface, so a task created on one replica can be polled on any.
 *
 *   cc -std=c99 -O2 -I. -o replica examples/replicas/replica.c -lhiredis -lpthread -lm
 *   FMCP_STATE_KEY=<32+ bytes> ./replica PORT REDIS_HOST REDIS_PORT NAME
 *
 * Tools: sum (a task when the client supports tasks: waits 300 ms, then
 * adds), ask_name (asks the client for a name through multi round-trip,
 * then greets), whoami (the replica's NAME: shows which one answered).
 * Needs hiredis (Debian: libhiredis-dev); not part of `make`.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the task store over Redis: one key per task, expiring with it -------- */

typedef struct redis_store {
    redisContext *rc;
} redis_store;

static long long ttl_seconds(const fmcp_task_meta *m)
{
    long long left = (long long)(m->expires_at - fmcp_time_now());
    return left > 0 ? left : 1;
}

/* SET key value NX|XX EX ttl: nil when NX found the key (or XX did not). */
static fmcp_result redis_set(redis_store *s, const char *id, const char *rec, size_t len, const fmcp_task_meta *m,
                             const char *mode, fmcp_result when_nil)
{
    redisReply *r = (redisReply *)redisCommand(s->rc, "SET fmcp:task:%s %b %s EX %lld", id, rec, len, mode,
                                               ttl_seconds(m));
    fmcp_result rc;
    if (!r) return FMCP_ERR_IO;
    rc = r->type == REDIS_REPLY_NIL ? when_nil : r->type == REDIS_REPLY_STATUS ? FMCP_OK : FMCP_ERR_IO;
    freeReplyObject(r);
    return rc;
}

static fmcp_result store_put(void *u, const char *id, const char *rec, size_t len, const fmcp_task_meta *m)
{
    return redis_set((redis_store *)u, id, rec, len, m, "NX", FMCP_ERR_DUPLICATE);
}

static fmcp_result store_update(void *u, const char *id, const char *rec, size_t len, const fmcp_task_meta *m)
{
    return redis_set((redis_store *)u, id, rec, len, m, "XX", FMCP_ERR_NOT_FOUND);
}

static fmcp_result store_get(void *u, const fmcp_allocator *a, const char *id, char **out, size_t *len)
{
    redis_store *s = (redis_store *)u;
    redisReply *r = (redisReply *)redisCommand(s->rc, "GET fmcp:task:%s", id);
    fmcp_result rc = FMCP_ERR_IO;
    if (!r) return FMCP_ERR_IO;
    if (r->type == REDIS_REPLY_NIL) rc = FMCP_ERR_NOT_FOUND;
    else if (r->type == REDIS_REPLY_STRING && (*out = (char *)fmcp_malloc(a, r->len + 1)) != NULL) {
        memcpy(*out, r->str, r->len);
        (*out)[r->len] = 0;
        *len = r->len;
        rc = FMCP_OK;
    } else if (r->type == REDIS_REPLY_STRING) rc = FMCP_ERR_NOMEM;
    freeReplyObject(r);
    return rc;
}

static void store_del(void *u, const char *id)
{
    redisReply *r = (redisReply *)redisCommand(((redis_store *)u)->rc, "DEL fmcp:task:%s", id);
    if (r) freeReplyObject(r);
}

/* ---- tools ------------------------------------------------------------------ */

static const char *g_name = "replica";

static fmcp_result t_sum(fmcp_ctx *c, void *u)
{
    char buf[64];
    struct timespec ts = { 0, 300000000L };
    (void)u;
    nanosleep(&ts, NULL);   /* long enough that polling sees "working" */
    if (fmcp_ctx_is_cancelled(c)) return FMCP_ERR_CANCELLED;
    snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result t_ask_name(fmcp_ctx *c, void *u)
{
    const fmcp_json *r;
    char line[160];
    fmcp_result rc = fmcp_ctx_input(c, "name", "elicitation/create",
                                    "{\"message\":\"Your name?\",\"requestedSchema\":{\"type\":\"object\","
                                    "\"properties\":{\"name\":{\"type\":\"string\"}}}}", &r);
    (void)u;
    if (rc != FMCP_OK) return rc;
    snprintf(line, sizeof line, "Hello, %s (from %s)",
             fmcp_json_get_str(fmcp_json_get(r, "content"), "name", "?"), g_name);
    return fmcp_ctx_add_text(c, line);
}

static fmcp_result t_whoami(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, g_name); }

static void on_listen(void *user, fmcp_http_endpoint *t)
{
    (void)user;
    printf("port %u\nListening on http://127.0.0.1:%u/mcp\n", (unsigned)fmcp_http_endpoint_port(t),
           (unsigned)fmcp_http_endpoint_port(t));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *key = getenv("FMCP_STATE_KEY");
    fmcp_server_desc sd = {0};
    fmcp_http_endpoint_desc hd = {0};
    fmcp_tool_desc t = {0};
    fmcp_task_store ts;
    redis_store rs;
    fmcp_server *srv;
    fmcp_result r;
    if (argc != 5 || !key || strlen(key) < 32) {
        fprintf(stderr, "usage: FMCP_STATE_KEY=<32+ bytes> %s PORT REDIS_HOST REDIS_PORT NAME\n", argv[0]);
        return 2;
    }
    g_name = argv[4];
    rs.rc = redisConnect(argv[2], atoi(argv[3]));
    if (!rs.rc || rs.rc->err) { fprintf(stderr, "replica: cannot reach Redis at %s:%s\n", argv[2], argv[3]); return 1; }
    ts.put = store_put; ts.update = store_update; ts.get = store_get; ts.del = store_del; ts.user = &rs;
    sd.name = "replicated"; sd.version = "1.0";
    sd.state_key = (const unsigned char *)key; sd.state_key_len = strlen(key);
    sd.task_store = &ts;
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) { redisFree(rs.rc); return 1; }
    t.name = "sum"; t.params = "a:integer, b:integer"; t.handler = t_sum; t.task_support = FMCP_TASK_OPTIONAL;
    r = fmcp_server_add_tool(srv, &t);
    memset(&t, 0, sizeof t);
    t.name = "ask_name"; t.handler = t_ask_name;
    if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &t);
    memset(&t, 0, sizeof t);
    t.name = "whoami"; t.handler = t_whoami;
    if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &t);
    hd.host = "127.0.0.1"; hd.port = (uint16_t)atoi(argv[1]); hd.on_listen = on_listen;
    if (r == FMCP_OK) r = fmcp_server_run_http(srv, &hd);
    if (r != FMCP_OK) fprintf(stderr, "replica: %s\n", fmcp_result_str(r));
    fmcp_server_destroy(srv);
    redisFree(rs.rc);
    return r == FMCP_OK ? 0 : 1;
}
