/* test_client_spawn.c - the client's stdio transport against a real child
 * process: this binary spawns itself with "--server" (an MCP server on its
 * stdin/stdout), so the same test runs on POSIX (fork/exec) and on Windows
 * (CreateProcess, under Wine). Checked: argv arrives intact (quoting for the
 * MSVC runtime on Windows), env entries are added to the inherited
 * environment, answers larger than the pipe and the reader's queue arrive
 * whole, a missing program is FMCP_ERR_NOT_FOUND, a child that exits at once
 * fails the connect, close ends a child that ignores end of input, and
 * calls from four threads with progress each get their own answers. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"
#ifdef _WIN32
#  include <windows.h>
#else
#  include <unistd.h>
#endif
#ifndef FASTMCP_NO_THREADS
#  include <pthread.h>   /* the test's own threads (winpthreads on Windows) */
#endif

static int g_argc;
static char **g_argv;
static char g_self[1024];

#define BIG 300000   /* well past a pipe buffer and the 64 KiB queue */

/* ---- the child: an MCP server on stdio ------------------------------------ */

static fmcp_result tool_args(fmcp_ctx *c, void *user)
{
    char out[2048];
    size_t n = 0;
    int i;
    const char *v = getenv("FMCP_SPAWN_VAR");
    (void)user;
    out[0] = 0;
    for (i = 2; i < g_argc && n + strlen(g_argv[i]) + 3 < sizeof out; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "[%s]", g_argv[i]);
    snprintf(out + n, sizeof out - n, " env=%s path=%s", v ? v : "(unset)", getenv("PATH") ? "yes" : "no");
    return fmcp_ctx_add_text(c, out);
}

static fmcp_result tool_big(fmcp_ctx *c, void *user)
{
    fmcp_result r;
    char *s = (char *)malloc(BIG + 1);
    (void)user;
    if (!s) return FMCP_ERR_NOMEM;
    memset(s, 'x', BIG);
    s[BIG - 1] = 'y';
    s[BIG] = 0;
    r = fmcp_ctx_add_text(c, s);
    free(s);
    return r;
}

/* Three progress notifications, then its number back. */
static fmcp_result tool_steps(fmcp_ctx *c, void *user)
{
    char out[32];
    int i;
    (void)user;
    for (i = 1; i <= 3; i++) (void)fmcp_ctx_progress(c, i, 3, "step");
    snprintf(out, sizeof out, "n=%d", (int)fmcp_ctx_arg_int(c, "n", -1));
    return fmcp_ctx_add_text(c, out);
}

static int serve(int linger)
{
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_server *srv;
    memset(&sd, 0, sizeof sd);
    sd.name = "spawned"; sd.version = "1.0";
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    memset(&t, 0, sizeof t);
    t.name = "args"; t.handler = tool_args;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) return 1;
    t.name = "big"; t.handler = tool_big;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) return 1;
    t.name = "steps"; t.handler = tool_steps; t.params = "n:integer";
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) return 1;
    fmcp_server_run_stdio(srv);
    fmcp_server_destroy(srv);
    while (linger) {   /* ignores the end of its input: close must end it */
#ifdef _WIN32
        Sleep(1000);
#else
        sleep(1);
#endif
    }
    return 0;
}

/* ---- the client ------------------------------------------------------------ */

static void desc(fmcp_client_desc *d)
{
    memset(d, 0, sizeof *d);
    d->timeout_ms = 30000;
}

static const char *text0(const fmcp_json_doc *d)
{
    const fmcp_json *c0 = fmcp_json_at(fmcp_json_get(fmcp_client_result(d), "content"), 0);
    return fmcp_json_get_str(c0, "text", "(none)");
}

static void test_argv_env_and_calls(void)
{
    const char *argv[] = { g_self, "--server", "a b", "q\"uote", "back\\\\", "tr\\\"x", "", "\\\\srv\\share\\",
                           "plain", "tab\there", NULL };
    const char *env[] = { "FMCP_SPAWN_VAR=hello world", NULL };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_json_doc *res = NULL;
    int i;
#ifdef _WIN32
    DWORD h0 = 0, h1 = 0;
    (void)GetProcessHandleCount(GetCurrentProcess(), &h0);
#endif
    desc(&d);
    CHECK_OK(fmcp_client_connect_stdio(&d, argv, env, &c));
    if (!c) return;
    CHECK(fmcp_client_server_info(c) != NULL);
    CHECK_OK(fmcp_client_call_tool(c, "args", NULL, NULL, &res));
    if (res) {
        const char *want = "[a b][q\"uote][back\\\\][tr\\\"x][][\\\\srv\\share\\][plain][tab\there] env=hello world path=yes";
        CHECKF(strcmp(text0(res), want) == 0, "got %s", text0(res));
        fmcp_json_doc_destroy(res);
        res = NULL;
    }
    CHECK_OK(fmcp_client_call_tool(c, "big", NULL, NULL, &res));
    if (res) {
        const char *s = text0(res);
        size_t n = strlen(s);
        CHECK_EQ_INT(n, BIG);
        CHECK(n == BIG && s[0] == 'x' && s[BIG - 1] == 'y');
        fmcp_json_doc_destroy(res);
        res = NULL;
    }
    for (i = 0; i < 20; i++) CHECK_OK(fmcp_client_ping(c));
    fmcp_client_destroy(c);
#ifdef _WIN32
    /* pipes, process and thread handles all closed again (Wine answers 0
     * for both: this bites on Windows proper) */
    (void)GetProcessHandleCount(GetCurrentProcess(), &h1);
    CHECKF(h1 == h0, "%lu handles before, %lu after", (unsigned long)h0, (unsigned long)h1);
#endif
}

#ifndef FASTMCP_NO_THREADS
/* Calls from several threads at once, each with progress: answers and
 * notifications reach the right caller whoever reads the pipe. */
typedef struct caller { fmcp_client *c; int id, ok, progress; } caller;

static int on_progress(void *user, double progress, double total, const char *message)
{
    (void)progress; (void)total; (void)message;
    ((caller *)user)->progress++;
    return 0;
}

static void *caller_main(void *arg)
{
    caller *k = (caller *)arg;
    int i;
    for (i = 0; i < 10; i++) {
        char args[32], want[32];
        fmcp_json_doc *res = NULL;
        fmcp_call_opts o;
        memset(&o, 0, sizeof o);
        o.progress = on_progress;
        o.progress_user = k;
        snprintf(args, sizeof args, "{\"n\":%d}", k->id * 100 + i);
        snprintf(want, sizeof want, "n=%d", k->id * 100 + i);
        if (fmcp_client_call_tool(k->c, "steps", args, &o, &res) == FMCP_OK && strcmp(text0(res), want) == 0) k->ok++;
        fmcp_json_doc_destroy(res);
    }
    return NULL;
}

static void test_concurrent_calls(void)
{
    const char *argv[] = { g_self, "--server", NULL };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    caller k[4];
    pthread_t th[4];
    int i;
    desc(&d);
    CHECK_OK(fmcp_client_connect_stdio(&d, argv, NULL, &c));
    if (!c) return;
    for (i = 0; i < 4; i++) {
        k[i].c = c; k[i].id = i + 1; k[i].ok = 0; k[i].progress = 0;
        CHECK(pthread_create(&th[i], NULL, caller_main, &k[i]) == 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(k[i].ok, 10);
        CHECK_EQ_INT(k[i].progress, 30);
    }
    fmcp_client_destroy(c);
}
#endif

/* Every failing allocation of connect (spawn, env block, queue, ...) is a
 * clean error and leaks nothing, the child included (close reaps it). */
static void test_alloc_sweep(void)
{
    const char *argv[] = { g_self, "--server", "x y", NULL };
    const char *env[] = { "FMCP_SPAWN_VAR=1", NULL };
    fmcp_client_desc d;
    desc(&d);
    d.alloc = &t_alloc;
    d.protocol_era = FMCP_ERA_LEGACY;   /* no discover probe: its failure falls back silently */
    d.timeout_ms = 500;   /* an answer dropped for lack of memory ends as a timeout */
    T_ALLOC_SWEEP({
        fmcp_client *c = NULL;
        t_rc = fmcp_client_connect_stdio(&d, argv, env, &c);
        if (t_rc == FMCP_OK) t_rc = fmcp_client_ping(c);
        if (c) fmcp_client_destroy(c);
    });
}

static void test_missing_program(void)
{
    const char *argv[] = { "fmcp-no-such-program-here", NULL };
    fmcp_client_desc d;
    fmcp_client *c = (fmcp_client *)&d;
    desc(&d);
    CHECK_EQ_INT(fmcp_client_connect_stdio(&d, argv, NULL, &c), FMCP_ERR_NOT_FOUND);
    CHECK(c == NULL);
    CHECK_EQ_INT(fmcp_client_connect_stdio(&d, NULL, NULL, &c), FMCP_ERR_INVALID_ARG);
}

static void test_child_exits_at_once(void)
{
    const char *argv[] = { g_self, "--exit", NULL };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    fmcp_result r;
    desc(&d);
    r = fmcp_client_connect_stdio(&d, argv, NULL, &c);
    CHECKF(r == FMCP_ERR_CLOSED, "returned %d (%s)", (int)r, fmcp_result_str(r));
    CHECK(c == NULL);
}

static void test_close_ends_stubborn_child(void)
{
    const char *argv[] = { g_self, "--linger", NULL };
    fmcp_client_desc d;
    fmcp_client *c = NULL;
    desc(&d);
    d.grace_ms = 100;
    CHECK_OK(fmcp_client_connect_stdio(&d, argv, NULL, &c));
    if (!c) return;
    CHECK_OK(fmcp_client_ping(c));
    fmcp_client_destroy(c);   /* returns only once the child is gone (killed) */
}

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    if (argc >= 2 && strcmp(argv[1], "--server") == 0) return serve(0);
    if (argc >= 2 && strcmp(argv[1], "--linger") == 0) return serve(1);
    if (argc >= 2 && strcmp(argv[1], "--exit") == 0) return 3;
#ifdef _WIN32
    if (!GetModuleFileNameA(NULL, g_self, sizeof g_self)) return 1;
#else
    snprintf(g_self, sizeof g_self, "%s", argv[0]);
#endif
    T_RUN(test_argv_env_and_calls);
#ifndef FASTMCP_NO_THREADS
    T_RUN(test_concurrent_calls);
#endif
    T_RUN(test_alloc_sweep);
    T_RUN(test_missing_program);
    T_RUN(test_child_exits_at_once);
    T_RUN(test_close_ends_stubborn_child);
    return t_finish("client_spawn");
}
