/* auth_server.c - the fastmcp.h side of bench/bench_auth.sh: the `add` {a,b}
 * tool over stateless JSON Streamable HTTP, without auth or behind the bearer
 * provider (static JWKS file), plus a token minter for the bench.
 *
 *   auth_server serve PORT SECONDS none|JWKS_FILE [--inline] [--cache N]
 *                     [--sessions] [--workers N] [--issuer I] [--audience A]
 *   auth_server mint PRIVATE_PEM KID COUNT
 *
 * serve: PORT 0 picks a free port; prints "port N" when listening and stops
 * after SECONDS; with auth it prints "stats V H" every second (RSA
 * verifications and token cache hits so far, so the bench can show which
 * requests cost a verification). The policy
 * is issuer https://bench.issuer, audience mcp-bench, required scope
 * mcp:tools; the audit log is off (it is a per-request stderr write, not auth
 * cost). --cache sets the token cache size (default 1024, -1 = none).
 * --sessions serves sessions (not stateless) for bench/soak.sh, with a second
 * tool, `progress` {steps, ms, kib}: `steps` progress notifications ms
 * milliseconds apart (the answer turns into SSE), then kib KiB of text; so a
 * client that drops the connection leaves a call still running, whose events
 * wait for a resume (a parked stream). --issuer/--audience replace the policy's.
 * mint: prints COUNT tokens (one per line) for that policy, each with its own
 * jti, valid for an hour.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_seconds;
static fmcp_auth *g_auth;

static fmcp_result add(fmcp_ctx *c, void *u)
{
    char buf[32];
    (void)u;
    snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result progress(fmcp_ctx *c, void *u)
{
    int64_t steps = fmcp_ctx_arg_int(c, "steps", 2), ms = fmcp_ctx_arg_int(c, "ms", 0), kib = fmcp_ctx_arg_int(c, "kib", 0);
    struct timespec ts;
    char *text;
    fmcp_result rc;
    int64_t i;
    (void)u;
    if (steps < 0 || steps > 100 || ms < 0 || ms > 1000 || kib < 0 || kib > 1024)
        return fmcp_ctx_add_text(c, "steps 0..100, ms 0..1000, kib 0..1024");
    ts.tv_sec = 0; ts.tv_nsec = (long)ms * 1000000L;
    for (i = 1; i <= steps; i++) {
        (void)fmcp_ctx_progress(c, (double)i, (double)steps, "step");
        if (ms) nanosleep(&ts, NULL);
    }
    if (!(text = (char *)malloc((size_t)kib * 1024 + 1))) return FMCP_ERR_NOMEM;
    for (i = 0; i < kib * 1024; i++) text[i] = "0123456789abcdef"[i & 15];
    text[kib * 1024] = 0;
    rc = fmcp_ctx_add_text(c, text);
    free(text);
    return rc;
}

static void stop_cb(void *user) { fmcp_http_stop((fmcp_http_loop *)user); }

/* Once a second: "stats V H" (RSA verifications, token cache hits) so far. */
static void stats_cb(void *user)
{
    fmcp_auth_stats st;
    fmcp_auth_stats_get(g_auth, &st);
    printf("stats %llu %llu\n", (unsigned long long)st.verifications, (unsigned long long)st.cache_hits);
    fflush(stdout);
    fmcp_http_timer_add((fmcp_http_loop *)user, 1000, stats_cb, user, NULL);
}

static void on_listen(void *user, fmcp_http_endpoint *t)
{
    (void)user;
    fmcp_http_timer_add(fmcp_http_endpoint_loop(t), (int64_t)g_seconds * 1000, stop_cb, fmcp_http_endpoint_loop(t), NULL);
    if (g_auth) fmcp_http_timer_add(fmcp_http_endpoint_loop(t), 1000, stats_cb, fmcp_http_endpoint_loop(t), NULL);
    printf("port %u\n", (unsigned)fmcp_http_endpoint_port(t));
    fflush(stdout);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    if (buf) buf[n] = 0;
    fclose(f);
    return buf;
}

static int mint(const char *pem_path, const char *kid, int count)
{
    static const char *aud[] = { "mcp-bench" }, *scopes[] = { "mcp:tools" };
    fmcp_rsa_private_key key;
    fmcp_jwt_issue_desc d;
    char *pem = read_file(pem_path), claims[96], *tok;
    size_t len;
    int i;
    if (!pem || fmcp_rsa_private_from_pem(pem, strlen(pem), &key) != FMCP_OK) {
        fprintf(stderr, "auth_server: cannot read %s\n", pem_path);
        free(pem);
        return 1;
    }
    free(pem);
    memset(&d, 0, sizeof d);
    d.subject = "bench"; d.issuer = "https://bench.issuer"; d.kid = kid;
    d.audiences = aud; d.audience_count = 1; d.scopes = scopes; d.scope_count = 1;
    d.lifetime_seconds = 3600; d.claims_json = claims;
    for (i = 0; i < count; i++) {
        snprintf(claims, sizeof claims, "{\"jti\":\"bench-%d\",\"client_id\":\"wrk\"}", i);
        if (fmcp_jwt_issue(&key, &d, NULL, &tok, &len) != FMCP_OK) { fmcp_wipe(&key, sizeof key); return 1; }
        printf("%s\n", tok);
        fmcp_free_text(NULL, tok, len);
    }
    fmcp_wipe(&key, sizeof key);
    return 0;
}

static int serve(int argc, char **argv)
{
    static const char *aud[] = { "mcp-bench" }, *scopes[] = { "mcp:tools" };
    fmcp_server_desc sd;
    fmcp_tool_desc t;
    fmcp_http_endpoint_desc d;
    fmcp_auth_desc ad;
    fmcp_auth *a = NULL;
    fmcp_server *srv;
    fmcp_result r;
    const char *keys[1];
    const char *issuer = "https://bench.issuer";
    char *jwks = NULL;
    int i, sessions = 0;
    g_seconds = atoi(argv[3]);
    memset(&sd, 0, sizeof sd);
    sd.name = "bench-auth"; sd.version = FASTMCP_VERSION_STRING;
    memset(&ad, 0, sizeof ad);
    for (i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--inline") == 0) sd.workers = -1;
        else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) ad.token_cache_size = atol(argv[++i]);
        else if (strcmp(argv[i], "--sessions") == 0) sessions = 1;
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) sd.workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--issuer") == 0 && i + 1 < argc) issuer = argv[++i];
        else if (strcmp(argv[i], "--audience") == 0 && i + 1 < argc) aud[0] = argv[++i];
    }
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) return 1;
    memset(&t, 0, sizeof t);
    t.name = "add"; t.description = "Adds two integers"; t.params = "a:integer, b:integer"; t.handler = add;
    r = fmcp_server_add_tool(srv, &t);
    memset(&t, 0, sizeof t);
    t.name = "progress"; t.description = "Reports progress, then answers with kib KiB";
    t.params = "steps?:integer, ms?:integer, kib?:integer"; t.handler = progress;
    if (r == FMCP_OK && sessions) r = fmcp_server_add_tool(srv, &t);
    memset(&d, 0, sizeof d);
    d.port = (uint16_t)atoi(argv[2]);
    d.stateless = !sessions;
    d.on_listen = on_listen;
    if (r == FMCP_OK && strcmp(argv[4], "none") != 0) {
        if (!(jwks = read_file(argv[4]))) r = FMCP_ERR_IO;
        keys[0] = jwks;
        ad.keys = keys; ad.key_count = 1;
        ad.issuer = issuer; ad.audiences = aud; ad.audience_count = 1;
        ad.required_scopes = scopes; ad.required_scope_count = 1;
        ad.no_audit = 1;
        if (r == FMCP_OK) r = fmcp_auth_create(&ad, &a);
        if (r == FMCP_OK) r = fmcp_auth_attach(a, srv, &d);
        g_auth = a;
    }
    if (r == FMCP_OK) r = fmcp_server_run_http(srv, &d);
    if (r != FMCP_OK) fprintf(stderr, "auth_server: %s\n", fmcp_result_str(r));
    fmcp_server_destroy(srv);
    fmcp_auth_destroy(a);
    free(jwks);
    return r == FMCP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "mint") == 0) return mint(argv[2], argv[3], atoi(argv[4]));
    if (argc >= 5 && strcmp(argv[1], "serve") == 0) return serve(argc, argv);
    printf("usage: auth_server serve PORT SECONDS none|JWKS_FILE [--inline] [--cache N] [--sessions]\n"
           "                   [--workers N] [--issuer I] [--audience A]\n"
           "       auth_server mint PRIVATE_PEM KID COUNT\n");
    return 2;
}
