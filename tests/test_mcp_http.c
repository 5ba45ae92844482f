/* Unit tests for mcp_http: the Streamable HTTP transport spoken to over raw
 * sockets on 127.0.0.1 (port 0), in-process. The client side is our own
 * tiny HTTP reader (not the library client), the loop is stepped, never
 * slept, and time moves through the monotonic clock hook. Handlers run
 * inline (workers = -1) so every step is deterministic. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#ifdef FASTMCP_NO_SOCKETS
/* no HTTP without sockets: nothing to test */
int main(void) { return t_finish("mcp_http"); }
#else

#include <errno.h>
#include <time.h>
#include <strings.h>
#ifdef _WIN32
/* Windows (mingw-w64, under Wine): the raw test clients on Winsock; the
 * library's server has called WSAStartup before any client connects. */
#include <winsock2.h>
#include <ws2tcpip.h>
#define close(fd) closesocket((SOCKET)(fd))
#define read(fd, b, n) recv((SOCKET)(fd), (char *)(b), (int)(n), 0)
#define write(fd, b, n) send((SOCKET)(fd), (const char *)(b), (int)(n), 0)
#else
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#endif

/* ---- the server under test ------------------------------------------------------- */

static fmcp_http_loop *L;
static fmcp_http_endpoint *T;
static fmcp_server *S;
static uint16_t PORT;
static int t_workers = -1;   /* engine workers; -1 = handlers inline */

static fmcp_result t_tool_text(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, "plain result"); }
static fmcp_result t_tool_log(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_log(c, FMCP_LOG_INFO, "t", "halfway there");
    return fmcp_ctx_add_text(c, "logged result");
}
static fmcp_result t_tool_poll(fmcp_ctx *c, void *u)
{
    (void)u;
    CHECK_OK(fmcp_http_endpoint_close_sse(T, c));
    return fmcp_ctx_add_text(c, "resumed result");
}
/* Closes its stream, then answers with k KiB of text: an abandoned call
 * whose big result waits for a resume that never comes. */
static fmcp_result t_tool_big(fmcp_ctx *c, void *u)
{
    static char text[64 * 1024 + 1];
    int64_t k = fmcp_ctx_arg_int(c, "k", 1);
    size_t n = (size_t)(k < 1 ? 1 : k > 64 ? 64 : k) * 1024;
    (void)u;
    CHECK_OK(fmcp_http_endpoint_close_sse(T, c));
    memset(text, 'x', n);
    text[n] = 0;
    return fmcp_ctx_add_text(c, text);
}
static fmcp_ctx *t_parked;   /* a deferred call, finished by the test */
static fmcp_result t_tool_defer(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_log(c, FMCP_LOG_INFO, "t", "started");
    t_parked = c;
    fmcp_ctx_defer(c);
    return FMCP_OK;
}
#define T_HELD 40
static fmcp_ctx *t_held[T_HELD];   /* "hold" calls by their argument k, finished by the test */
static int t_nheld;
static fmcp_result t_tool_hold(fmcp_ctx *c, void *u)
{
    int64_t k = fmcp_ctx_arg_int(c, "k", -1);
    (void)u;
    if (k < 0 || k >= T_HELD) return fmcp_ctx_add_text(c, "bad k");
    t_held[k] = c;
    t_nheld++;
    fmcp_ctx_defer(c);
    return FMCP_OK;
}
static fmcp_result t_deny_secret(void *u, const fmcp_auth_info *a, fmcp_item_kind k, const char *name, const char *sc)
{
    (void)u; (void)a; (void)k; (void)sc;
    return strcmp(name, "secret") == 0 ? FMCP_ERR_FORBIDDEN : FMCP_OK;
}

static int t_add_tool(const char *name, fmcp_handler_fn fn)
{
    fmcp_tool_desc td;
    memset(&td, 0, sizeof td);
    td.name = name; td.description = name; td.handler = fn;
    return fmcp_server_add_tool(S, &td) == FMCP_OK;
}

static int t_start(const fmcp_http_endpoint_desc *d, const fmcp_allocator *a)
{
    fmcp_server_desc sd;
    fmcp_http_endpoint_desc dd;
    memset(&sd, 0, sizeof sd);
    sd.name = "t"; sd.version = "1"; sd.workers = t_workers; sd.alloc = a;
    if (fmcp_server_create(&sd, &S) != FMCP_OK) return 0;
    if (!t_add_tool("text", t_tool_text) || !t_add_tool("log", t_tool_log) ||
        !t_add_tool("poll", t_tool_poll) || !t_add_tool("secret", t_tool_text) ||
        !t_add_tool("defer", t_tool_defer) || !t_add_tool("hold", t_tool_hold) || !t_add_tool("big", t_tool_big)) {
        fmcp_server_destroy(S); return 0;
    }
    fmcp_server_set_authorizer(S, t_deny_secret, NULL);
    if (fmcp_http_loop_create(a, &L) != FMCP_OK) { fmcp_server_destroy(S); return 0; }
    if (d) dd = *d; else memset(&dd, 0, sizeof dd);
    if (fmcp_http_endpoint_create(S, L, &dd, &T) != FMCP_OK) {
        fmcp_http_loop_destroy(L); fmcp_server_destroy(S); return 0;
    }
    PORT = fmcp_http_endpoint_port(T);
    return PORT != 0;
}

static void t_stop(void)
{
    fmcp_http_endpoint_destroy(T);
    fmcp_http_loop_destroy(L);
    fmcp_server_destroy(S);
    T = NULL; L = NULL; S = NULL;
}

/* ---- raw client ----------------------------------------------------------------------- */

typedef struct tconn {
    int fd;
    char buf[65536];
    size_t len;
    int eof;
} tconn;

static int c_open(tconn *c)
{
    struct sockaddr_in sa;
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(PORT);
    sa.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) { close(c->fd); c->fd = -1; return 0; }
#ifdef _WIN32
    {
        u_long one = 1;
        ioctlsocket((SOCKET)c->fd, FIONBIO, &one);
    }
#else
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
#endif
    return 1;
}

/* A connection from another loopback address (127.0.0.0/8 is all local). */
static int c_open_from(tconn *c, uint32_t src)
{
    struct sockaddr_in sa;
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(src);
    if (bind(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) { close(c->fd); c->fd = -1; return 0; }
    sa.sin_port = htons(PORT);
    sa.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) { close(c->fd); c->fd = -1; return 0; }
#ifdef _WIN32
    {
        u_long one = 1;
        ioctlsocket((SOCKET)c->fd, FIONBIO, &one);
    }
#else
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
#endif
    return 1;
}

static void c_close(tconn *c) { if (c->fd >= 0) close(c->fd); c->fd = -1; }

static void c_send(tconn *c, const char *method, const char *path, const char *headers, const char *body)
{
    char req[8192];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sContent-Length: %u\r\n\r\n%s",
                     method, path, (unsigned)PORT, headers ? headers : "", (unsigned)(body ? strlen(body) : 0),
                     body ? body : "");
    CHECK(n > 0 && (size_t)n < sizeof req && write(c->fd, req, (size_t)n) == n);
}

/* Read what arrived (never blocks). */
static void c_drain(tconn *c)
{
    long r = -1;
    while (c->len < sizeof c->buf - 1 && (r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len)) > 0)
        c->len += (size_t)r;
    if (r == 0) c->eof = 1;
    c->buf[c->len] = 0;
}

/* Step the loop and read what arrived (never blocks for long). */
static void c_pump_once(tconn *c)
{
    fmcp_http_step(L, 5);
    c_drain(c);
}

static const char *c_head_end(const tconn *c) { return strstr(c->buf, "\r\n\r\n"); }

static int c_status(const tconn *c) { return c->len > 12 ? atoi(c->buf + 9) : 0; }

/* Value of a response header (case-insensitive name) into out. */
static const char *c_header(const tconn *c, const char *name, char *out, size_t cap)
{
    const char *end = c_head_end(c), *p = c->buf;
    size_t n = strlen(name);
    if (!end) return NULL;
    while ((p = strstr(p, "\r\n")) != NULL && p < end) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1, *e = strstr(v, "\r\n");
            size_t k;
            while (*v == ' ') v++;
            k = (size_t)(e - v) < cap - 1 ? (size_t)(e - v) : cap - 1;
            memcpy(out, v, k); out[k] = 0;
            return out;
        }
    }
    return NULL;
}

/* Complete when Content-Length bytes arrived, or the chunked body ended. */
static int c_complete(const tconn *c)
{
    char v[32];
    const char *end = c_head_end(c);
    if (!end) return c->eof;
    if (c_status(c) == 204) return 1;
    if (c_header(c, "Content-Length", v, sizeof v))
        return c->len >= (size_t)(end + 4 - c->buf) + (size_t)atol(v);
    if (c_header(c, "Transfer-Encoding", v, sizeof v)) return strstr(end, "\r\n0\r\n\r\n") != NULL;
    return c->eof;
}

static int c_wait_complete(tconn *c)
{
    int i;
    for (i = 0; i < 400 && !c_complete(c); i++) c_pump_once(c);
    return c_complete(c);
}

static int c_wait_for(tconn *c, const char *needle)
{
    int i;
    for (i = 0; i < 400 && !strstr(c->buf, needle); i++) c_pump_once(c);
    return strstr(c->buf, needle) != NULL;
}

static const char *c_body(const tconn *c) { const char *e = c_head_end(c); return e ? e + 4 : ""; }

#define ACCEPT_BOTH "Accept: application/json, text/event-stream\r\n"
#define CT_JSON "Content-Type: application/json\r\n"
#define INIT_BODY "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\"," \
    "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}"
#define INITED_BODY "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"
#define CALL(name) "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" name "\",\"arguments\":{}}}"

/* One request on a fresh connection, waited for until complete. */
static int t_req(tconn *c, const char *method, const char *path, const char *headers, const char *body)
{
    if (!c_open(c)) return 0;
    c_send(c, method, path, headers, body);
    c_wait_complete(c);
    c_close(c);
    return c_status(c);
}

/* Initialize a session; returns 1 and fills sid. */
static int t_init(char sid[64])
{
    tconn c;
    char hdrs[256];
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 200);
    if (!c_header(&c, "Mcp-Session-Id", sid, 64)) return 0;
    snprintf(hdrs, sizeof hdrs, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\n", sid);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", hdrs, INITED_BODY), 202);
    return 1;
}

static void t_sid_headers(char *out, size_t cap, const char *sid, const char *extra)
{
    snprintf(out, cap, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\n%s", sid, extra ? extra : "");
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_health_and_404(void)
{
    tconn c;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "GET", "/health", NULL, NULL), 200);
    CHECK(strstr(c_body(&c), "ok") != NULL);
    CHECK_EQ_INT(t_req(&c, "GET", "/nothing-here", NULL, NULL), 404);
    t_stop();
}

static void test_post_rejections(void)
{
    tconn c;
    char sid[64], h[512];
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: application/json\r\n" CT_JSON, INIT_BODY), 406);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: text/event-stream\r\n" CT_JSON, INIT_BODY), 406);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: application/jsonx, text/event-stream\r\n" CT_JSON, INIT_BODY), 406);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: application/json, text/event-streams\r\n" CT_JSON, INIT_BODY), 406);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: text/json, application/event-stream\r\n" CT_JSON, INIT_BODY), 406);
    /* wildcards, case, parameters and spaces: each list below allows both */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: */*\r\n" CT_JSON, INIT_BODY), 200);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: application/*, text/*\r\n" CT_JSON, INIT_BODY), 200);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: Application/JSON ; q=0.9 ,TEXT/Event-Stream \r\n" CT_JSON, INIT_BODY), 200);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH "Content-Type: text/plain\r\n", INIT_BODY), 415);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, "{\"jsonrpc\":"), 400);
    CHECK(strstr(c_body(&c), "-32700") != NULL);
    /* a request other than initialize needs a session id */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, CALL("text")), 400);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "Mcp-Session-Id: 00112233445566778899aabbccddeeff\r\n",
                       CALL("text")), 404);
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, "MCP-Protocol-Version: 1999-01-01\r\n");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 400);
    t_sid_headers(h, sizeof h, sid, "MCP-Protocol-Version: 2025-06-18\r\n");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 200);
    CHECK_EQ_INT(t_req(&c, "PUT", "/mcp", NULL, NULL), 405);
    t_stop();
}

static void test_session_lifecycle(void)
{
    tconn c;
    char sid[64], h[512], v[64];
    size_t i;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 200);
    CHECK(c_header(&c, "Content-Type", v, sizeof v) && strcmp(v, "application/json") == 0);
    CHECK(c_header(&c, "Mcp-Session-Id", sid, sizeof sid) != NULL);
    CHECK_EQ_INT(strlen(sid), 32);
    for (i = 0; i < strlen(sid); i++) CHECK(sid[i] > 0x20 && sid[i] < 0x7f);
    CHECK(strstr(c_body(&c), "\"protocolVersion\":\"2025-11-25\"") != NULL);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 1);
    t_sid_headers(h, sizeof h, sid, NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, INITED_BODY), 202);
    CHECK_EQ_INT(strlen(c_body(&c)), 0);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 200);
    CHECK(strstr(c_body(&c), "plain result") != NULL);
    /* a client response (to nothing pending) is accepted too */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}"), 202);
    /* a forbidden item: JSON-RPC error carried with HTTP 403 */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("secret")), 403);
    CHECK(strstr(c_body(&c), "-32003") != NULL);
    CHECK_EQ_INT(t_req(&c, "DELETE", "/mcp", h, NULL), 200);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 0);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 404);
    t_stop();
}

/* A call that logs turns into an SSE stream: headers, priming, log, result, end. */
static void test_sse_response(void)
{
    tconn c;
    char sid[64], h[512], v[128];
    const char *b, *prime, *log, *res;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("log")), 200);
    CHECK(c_header(&c, "Content-Type", v, sizeof v) && strcmp(v, "text/event-stream") == 0);
    CHECK(c_header(&c, "Cache-Control", v, sizeof v) && strcmp(v, "no-cache, no-transform") == 0);
    CHECK(c_header(&c, "X-Accel-Buffering", v, sizeof v) && strcmp(v, "no") == 0);
    b = c_body(&c);
    prime = strstr(b, "retry: 1000\ndata: \n\n");
    log = strstr(b, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"");
    res = strstr(b, "logged result");
    CHECK(prime && log && res && prime < log && log < res);
    CHECK(strstr(b, "\nid: ") != NULL || strncmp(strchr(b, '\n') + 1, "id: ", 4) == 0);
    CHECK(strstr(b, "\r\n0\r\n\r\n") != NULL);
    t_stop();
}

static void test_get_stream(void)
{
    tconn g, g2, c;
    char sid[64], h[512];
    fmcp_tool_desc td;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    CHECK(c_open(&g));
    c_send(&g, "GET", "/mcp", h, NULL);
    CHECK(c_wait_for(&g, "retry: "));
    CHECK_EQ_INT(c_status(&g), 200);
    CHECK_EQ_INT(t_req(&g2, "GET", "/mcp", h, NULL), 409);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", "Accept: application/json\r\nMcp-Session-Id: x\r\n", NULL), 406);
    /* an unrelated server message goes to the GET stream */
    memset(&td, 0, sizeof td);
    td.name = "late"; td.handler = t_tool_text;
    CHECK_OK(fmcp_server_add_tool(S, &td));
    CHECK(c_wait_for(&g, "notifications/tools/list_changed"));
    /* keepalive: move the clock past the interval and step */
    CHECK(strstr(g.buf, ": keepalive") == NULL);
    t_clock_offset += 15001;
    CHECK(c_wait_for(&g, ": keepalive\n\n"));
    t_clock_offset = 0;
    c_close(&g);
    t_stop();
}

/* The handler closes its stream (SSE polling); GET + Last-Event-ID resumes it. */
static void test_resume(void)
{
    tconn c, g;
    char sid[64], h[512], h2[640], id[64];
    const char *p;
    size_t n;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("poll")), 200);
    CHECK(strstr(c_body(&c), "retry: ") != NULL);
    CHECK(strstr(c_body(&c), "resumed result") == NULL);
    p = strstr(c_body(&c), "id: ");
    CHECK(p != NULL);
    if (!p) { t_stop(); return; }
    n = strcspn(p + 4, "\n");
    memcpy(id, p + 4, n < 63 ? n : 63); id[n < 63 ? n : 63] = 0;
    snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, id);
    CHECK(c_open(&g));
    c_send(&g, "GET", "/mcp", h2, NULL);
    CHECK(c_wait_complete(&g));
    CHECK_EQ_INT(c_status(&g), 200);
    CHECK(strstr(c_body(&g), "resumed result") != NULL);
    CHECK(strstr(c_body(&g), "retry: ") == NULL);   /* events after the given id only */
    c_close(&g);
    /* an unknown stream cannot be resumed */
    snprintf(h2, sizeof h2, "%sLast-Event-ID: 99_1\r\n", h);
    CHECK_EQ_INT(t_req(&g, "GET", "/mcp", h2, NULL), 404);
    t_stop();
}

/* The client drops a POST stream before the answer: the answer waits and
 * is delivered on GET + Last-Event-ID (after the last event it saw). */
static void test_resume_after_client_cut(void)
{
    tconn c, g;
    char sid[64], h[512], h2[640], id[64];
    const char *p;
    size_t n;
    int i;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    t_parked = NULL;
    CHECK(c_open(&c));
    c_send(&c, "POST", "/mcp", h, CALL("defer"));
    CHECK(c_wait_for(&c, "\"started\""));
    CHECK(t_parked != NULL);
    p = strstr(c_body(&c), "data: {");   /* the log event; take its id */
    p = p ? p - 1 : NULL;
    while (p && p > c.buf && strncmp(p, "id: ", 4) != 0) p--;
    CHECK(p != NULL && strncmp(p, "id: ", 4) == 0);
    c_close(&c);
    for (i = 0; i < 20; i++) fmcp_http_step(L, 2);   /* the server notices */
    if (t_parked) { fmcp_ctx_add_text(t_parked, "late answer"); fmcp_ctx_finish(t_parked, FMCP_OK); }
    if (!p) { t_stop(); return; }
    n = strcspn(p + 4, "\n");
    memcpy(id, p + 4, n < 63 ? n : 63); id[n < 63 ? n : 63] = 0;
    snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, id);
    CHECK(c_open(&g));
    c_send(&g, "GET", "/mcp", h2, NULL);
    CHECK(c_wait_complete(&g));
    CHECK(strstr(c_body(&g), "late answer") != NULL);
    CHECK(strstr(c_body(&g), "\"started\"") == NULL);   /* already seen: not replayed */
    c_close(&g);
    t_stop();
}

/* One session with many requests open at once: each answer reaches its own
 * connection whatever the order they finish in (the session's stream index
 * grows several times on the way). */
static void test_many_open_streams(void)
{
    static tconn c[T_HELD];
    char sid[64], h[512], body[256], want[64];
    int i, k, order[T_HELD], n = 0;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    memset(t_held, 0, sizeof t_held);
    t_nheld = 0;
    for (i = 0; i < T_HELD; i++) {
        CHECK(c_open(&c[i]));
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
                 "{\"name\":\"hold\",\"arguments\":{\"k\":%d}}}", 1000 + i, i);
        c_send(&c[i], "POST", "/mcp", h, body);
    }
    for (i = 0; i < 400 && t_nheld < T_HELD; i++) fmcp_http_step(L, 5);
    CHECK_EQ_INT(t_nheld, T_HELD);
    /* finish odd ones newest first, then even ones oldest first */
    for (k = T_HELD - 1; k >= 0; k--) if (k & 1) order[n++] = k;
    for (k = 0; k < T_HELD; k++) if (!(k & 1)) order[n++] = k;
    for (i = 0; i < n; i++) {
        k = order[i];
        if (!t_held[k]) continue;
        snprintf(want, sizeof want, "answer %d", k);
        CHECK_OK(fmcp_ctx_add_text(t_held[k], want));
        fmcp_ctx_finish(t_held[k], FMCP_OK);
    }
    for (i = 0; i < T_HELD; i++) {
        CHECK(c_wait_complete(&c[i]));
        CHECK_EQ_INT(c_status(&c[i]), 200);
        snprintf(want, sizeof want, "\"id\":%d,", 1000 + i);
        CHECK(strstr(c_body(&c[i]), want) != NULL);
        snprintf(want, sizeof want, "answer %d\"", i);
        CHECK(strstr(c_body(&c[i]), want) != NULL);
        c_close(&c[i]);
    }
    t_stop();
}

/* Finished streams nobody resumed are capped per session: the oldest go. */
static void test_parked_streams_capped(void)
{
    tconn c;
    char sid[64], h[512], h2[640], first[64], last[64];
    int i;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    first[0] = last[0] = 0;
    for (i = 0; i < 40; i++) {
        const char *p;
        size_t n;
        CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("poll")), 200);
        p = strstr(c_body(&c), "id: ");
        CHECK(p != NULL);
        if (!p) break;
        n = strcspn(p + 4, "\n");
        if (n > 63) n = 63;
        memcpy(i == 0 ? first : last, p + 4, n);
        (i == 0 ? first : last)[n] = 0;
    }
    snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, first);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", h2, NULL), 404);
    snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, last);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", h2, NULL), 200);
    CHECK(strstr(c_body(&c), "resumed result") != NULL);
    t_stop();
}

/* First event id of an SSE answer into out ("" when none). */
static void t_first_event_id(const tconn *c, char *out, size_t cap)
{
    const char *p = strstr(c_body(c), "id: ");
    size_t n = p ? strcspn(p + 4, "\n") : 0;
    if (n >= cap) n = cap - 1;
    if (p) memcpy(out, p + 4, n);
    out[n] = 0;
}

static fmcp_result t_auth(void *u, const char *method, const char *path, const fmcp_http_req *req,
                          fmcp_http_auth_reply *r);

/* Issue 15, item 1: abandoned calls with big results (parked streams) kept
 * bytes without limit. Kept events are capped per session, per principal and
 * overall, oldest first; resuming an evicted stream gets 404, a kept one its
 * answer. */
static void test_replay_bytes_capped(void)
{
    tconn c;
    char sid[4][64], h[512], h2[640], first[64], last[64], body[256];
    fmcp_http_endpoint_desc d;
    int i, k, over = 0;
    memset(&d, 0, sizeof d);
    d.replay_bytes = 64 * 1024;
    d.replay_bytes_per_principal = 160 * 1024;   /* every session here comes from 127.0.0.1 */
    d.replay_bytes_total = 512 * 1024;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    for (k = 0; k < 4; k++) CHECK(t_init(sid[k]));
    first[0] = last[0] = 0;
    for (k = 0; k < 4; k++) {
        t_sid_headers(h, sizeof h, sid[k], NULL);
        for (i = 0; i < 24; i++) {
            snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
                     "{\"name\":\"big\",\"arguments\":{\"k\":16}}}", i + 1);
            CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, body), 200);
            if (k == 0 && i == 0) t_first_event_id(&c, first, sizeof first);
            if (k == 0 && i == 23) t_first_event_id(&c, last, sizeof last);
            if (fmcp_http_endpoint_replay_bytes(T) > d.replay_bytes_per_principal) over++;
        }
    }
    /* 96 abandoned 16 KiB answers: 1.5 MiB without the caps */
    CHECKF(over == 0, "kept replay bytes went over the principal cap %d times", over);
    CHECK(fmcp_http_endpoint_replay_bytes(T) > 0 && fmcp_http_endpoint_replay_bytes(T) <= d.replay_bytes_per_principal);
    t_sid_headers(h, sizeof h, sid[0], NULL);
    CHECK(first[0] && last[0]);
    snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, first);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", h2, NULL), 404);   /* evicted */
    /* the newest answer of each session is kept (the per-session cap holds
     * it; the principal cap took the other sessions' older ones first) */
    t_sid_headers(h, sizeof h, sid[3], NULL);
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"tools/call\",\"params\":"
             "{\"name\":\"big\",\"arguments\":{\"k\":16}}}");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, body), 200);
    t_first_event_id(&c, last, sizeof last);
    snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, last);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", h2, NULL), 200);
    CHECK(strstr(c_body(&c), "\"id\":99,") != NULL && strstr(c_body(&c), "xxxxxxxxxxxxxxxx") != NULL);
    /* one event bigger than the session cap: sent when attached, not kept */
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"tools/call\",\"params\":"
             "{\"name\":\"big\",\"arguments\":{\"k\":64}}}");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, body), 200);
    CHECK(fmcp_http_endpoint_replay_bytes(T) <= d.replay_bytes_per_principal);
    t_stop();

    /* the transport-wide cap: two principals, each within its own caps */
    memset(&d, 0, sizeof d);
    d.replay_bytes = 64 * 1024;
    d.replay_bytes_total = 100 * 1024;
    d.authenticate = t_auth;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    over = 0;
    for (k = 0; k < 2; k++) {
        const char *tok = k ? "bob" : "alice";
        snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Authorization: Bearer %s\r\n", tok);
        CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, INIT_BODY), 200);
        CHECK(c_header(&c, "Mcp-Session-Id", sid[k], 64) != NULL);
        snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer %s\r\n", sid[k], tok);
        CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, INITED_BODY), 202);
        for (i = 0; i < 8; i++) {
            snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
                     "{\"name\":\"big\",\"arguments\":{\"k\":16}}}", i + 1);
            CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, body), 200);
            if (fmcp_http_endpoint_replay_bytes(T) > d.replay_bytes_total) over++;
        }
    }
    CHECKF(over == 0, "kept replay bytes went over the total cap %d times", over);
    CHECK(fmcp_http_endpoint_replay_bytes(T) > 64 * 1024);   /* bob's newest beside alice's newest */
    t_stop();
}

/* Initialize with a bearer token; the HTTP status, sid filled on 200. */
static int t_init_as(const char *tok, char sid[64], char *retry, size_t cap)
{
    tconn c;
    char h[512];
    int st;
    if (tok) snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Authorization: Bearer %s\r\n", tok);
    else snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON);
    st = t_req(&c, "POST", "/mcp", h, INIT_BODY);
    sid[0] = 0;
    if (st == 200 && !c_header(&c, "Mcp-Session-Id", sid, 64)) sid[0] = 0;
    if (retry && !c_header(&c, "Retry-After", retry, cap)) retry[0] = 0;
    return st;
}

static int t_call_as(const char *tok, const char *sid)
{
    tconn c;
    char h[512];
    snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\n%s%s%s", sid, tok ? "Authorization: Bearer " : "",
             tok ? tok : "", tok ? "\r\n" : "");
    return t_req(&c, "POST", "/mcp", h, CALL("text"));
}

/* Issue 15, item 3: one token created every session and locked everyone
 * else out. Sessions are capped per principal (its own oldest idle one goes,
 * else 429) and a full table takes from the principal holding the most. */
static void test_session_caps(void)
{
    char sid[12][64], other[64], v[16], h[512];
    tconn g[3];
    fmcp_http_endpoint_desc d;
    int i;
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    d.max_sessions = 6;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    for (i = 0; i < 6; i++) CHECK_EQ_INT(t_init_as("alice", sid[i], NULL, 0), 200);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 6);
    /* alice holds the whole table: more for her is refused ... */
    CHECK_EQ_INT(t_init_as("alice", sid[6], v, sizeof v), 503);
    CHECK(strcmp(v, "60") == 0);
    /* ... but bob still gets in, at the cost of alice's oldest idle session */
    CHECKF(t_init_as("bob", other, NULL, 0) == 200, "one principal's sessions locked another out");
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 6);
    CHECK_EQ_INT(t_call_as("bob", other), 200);
    CHECK_EQ_INT(t_call_as("alice", sid[0]), 404);
    CHECK_EQ_INT(t_call_as("alice", sid[5]), 200);
    /* bob never loses his one session to alice's newcomers */
    CHECK_EQ_INT(t_init_as("alice", sid[6], NULL, 0), 503);
    CHECK_EQ_INT(t_call_as("bob", other), 200);
    t_stop();

    /* the principal's own cap: its least recently used idle session goes */
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    d.max_sessions_per_principal = 3;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    for (i = 0; i < 5; i++) CHECK_EQ_INT(t_init_as("cid:carol", sid[i], NULL, 0), 200);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 3);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[0]), 404);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[1]), 404);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[2]), 200);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[3]), 200);   /* sid[4], unused since created, is the LRU one now */
    CHECK_EQ_INT(t_init_as("cid:carol", sid[5], NULL, 0), 200);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[4]), 404);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[2]), 200);
    CHECK_EQ_INT(t_call_as("cid:carol", sid[3]), 200);
    /* every one of her sessions busy (a GET stream attached): 429, others unaffected */
    {
        const char *mine[3];
        mine[0] = sid[2]; mine[1] = sid[3]; mine[2] = sid[5];
        for (i = 0; i < 3; i++) {
            snprintf(h, sizeof h, ACCEPT_BOTH "Mcp-Session-Id: %s\r\nAuthorization: Bearer cid:carol\r\n", mine[i]);
            CHECK(c_open(&g[i]));
            c_send(&g[i], "GET", "/mcp", h, NULL);
            CHECK(c_wait_for(&g[i], "retry: "));
        }
    }
    CHECK_EQ_INT(t_init_as("cid:carol", sid[6], v, sizeof v), 429);
    CHECK(strcmp(v, "5") == 0);
    CHECK_EQ_INT(t_init_as("dave", other, NULL, 0), 200);
    for (i = 0; i < 3; i++) c_close(&g[i]);
    t_stop();

    /* without an identity, the client address is the principal: 127.0.0.2's
     * session outlives 127.0.0.1's churn */
    memset(&d, 0, sizeof d);
    d.max_sessions_per_principal = 2;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    if (c_open_from(&g[0], 0x7f000002)) {
        c_send(&g[0], "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY);
        CHECK(c_wait_complete(&g[0]) && c_status(&g[0]) == 200);
        CHECK(c_header(&g[0], "Mcp-Session-Id", other, sizeof other) != NULL);
        c_close(&g[0]);
    } else {
        other[0] = 0;   /* no second loopback address here: that part is skipped */
    }
    for (i = 0; i < 3; i++) CHECK_EQ_INT(t_init_as(NULL, sid[i], NULL, 0), 200);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), other[0] ? 3 : 2);
    CHECK_EQ_INT(t_call_as(NULL, sid[0]), 404);
    CHECK_EQ_INT(t_call_as(NULL, sid[2]), 200);
    if (other[0]) CHECK_EQ_INT(t_call_as(NULL, other), 200);
    t_stop();

    /* calls in flight per principal: a third held call is refused, another
     * principal still calls, and a finished call frees a place */
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    d.max_calls_per_principal = 2;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_init_as("erin", sid[0], NULL, 0), 200);
    CHECK_EQ_INT(t_init_as("frank", other, NULL, 0), 200);
    memset(t_held, 0, sizeof t_held);
    t_nheld = 0;
    snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer erin\r\n", sid[0]);
    for (i = 0; i < 2; i++) {
        char body[200];
        CHECK(c_open(&g[i]));
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
                 "{\"name\":\"hold\",\"arguments\":{\"k\":%d}}}", 50 + i, i);
        c_send(&g[i], "POST", "/mcp", h, body);
    }
    for (i = 0; i < 400 && t_nheld < 2; i++) fmcp_http_step(L, 5);
    CHECK_EQ_INT(t_nheld, 2);
    CHECK_EQ_INT(t_call_as("erin", sid[0]), 429);
    CHECK_EQ_INT(t_call_as("frank", other), 200);
    for (i = 0; i < 2; i++) {
        if (!t_held[i]) continue;
        CHECK_OK(fmcp_ctx_add_text(t_held[i], "done"));
        fmcp_ctx_finish(t_held[i], FMCP_OK);
        CHECK(c_wait_complete(&g[i]) && c_status(&g[i]) == 200);
        c_close(&g[i]);
    }
    CHECK_EQ_INT(t_call_as("erin", sid[0]), 200);
    t_stop();
}

static void test_idle_expiry(void)
{
    tconn c;
    char sid[64], h[512];
    fmcp_http_endpoint_desc d;
    int i;
    memset(&d, 0, sizeof d);
    d.session_timeout_ms = 60000;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(t_init(sid));
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 1);
    t_clock_offset += 61000;
    for (i = 0; i < 100 && fmcp_http_endpoint_sessions(T); i++) fmcp_http_step(L, 5);
    t_clock_offset = 0;
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 0);
    t_sid_headers(h, sizeof h, sid, NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 404);
    t_stop();
}

static void test_stateless(void)
{
    tconn c;
    char v[64];
    fmcp_http_endpoint_desc d;
    memset(&d, 0, sizeof d);
    d.stateless = 1;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, CALL("text")), 200);
    CHECK(strstr(c_body(&c), "plain result") != NULL);
    CHECK(c_header(&c, "Mcp-Session-Id", v, sizeof v) == NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "MCP-Protocol-Version: 2025-06-18\r\n", CALL("text")), 200);
    CHECK(strstr(c_body(&c), "plain result") != NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 200);
    CHECK(c_header(&c, "Mcp-Session-Id", v, sizeof v) == NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INITED_BODY), 202);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", "Accept: text/event-stream\r\n", NULL), 405);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 0);
    t_stop();
}

/* ---- protocol 2026-07-28 over HTTP ------------------------------------------------------ */

#define MODERN_META "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"
#define MODERN_H(method) ACCEPT_BOTH CT_JSON "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: " method "\r\n"

static void test_modern_requests(void)
{
    tconn c;
    char v[64];
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    /* a stateless call: no session minted, the answer says which era */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", MODERN_H("tools/call") "Mcp-Name: text\r\n",
                       "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"text\","
                       "\"arguments\":{}," MODERN_META "}}"), 200);
    CHECK(strstr(c_body(&c), "plain result") != NULL);
    CHECK(strstr(c_body(&c), "\"resultType\":\"complete\"") != NULL);
    CHECK(c_header(&c, "Mcp-Session-Id", v, sizeof v) == NULL);
    /* missing _meta: 400 with -32602; the id is kept */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", MODERN_H("tools/list"),
                       "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\",\"params\":{}}"), 400);
    CHECK(strstr(c_body(&c), "-32602") != NULL && strstr(c_body(&c), "\"id\":8") != NULL);
    /* header and body disagree: 400 HeaderMismatch with the request's id */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", MODERN_H("tools/list"),
                       "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"prompts/list\",\"params\":{" MODERN_META "}}"), 400);
    CHECK(strstr(c_body(&c), "-32020") != NULL && strstr(c_body(&c), "\"id\":9") != NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", MODERN_H("tools/call"),
                       "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"text\"," MODERN_META "}}"),
                 400);   /* Mcp-Name missing */
    /* unknown and removed methods: 404 with -32601 */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", MODERN_H("ping"),
                       "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\",\"params\":{" MODERN_META "}}"), 404);
    CHECK(strstr(c_body(&c), "-32601") != NULL);
    /* a version nobody speaks: 400 with -32022 */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "MCP-Protocol-Version: 2099-01-01\r\nMcp-Method: server/discover\r\n",
                       "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"server/discover\",\"params\":{\"_meta\":{"
                       "\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}"), 400);
    CHECK(strstr(c_body(&c), "-32022") != NULL && strstr(c_body(&c), "2099-01-01") != NULL);
    /* no GET stream in this era */
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", "Accept: text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n", NULL), 405);
    CHECK_EQ_INT(fmcp_http_endpoint_sessions(T), 0);
    t_stop();
}

/* subscriptions/listen holds its POST open as SSE: ack first, then tagged notifications;
 * closing the connection ends the subscription (the request-scoped session goes). */
static void test_modern_listen(void)
{
    tconn c;
    int i;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(c_open(&c));
    c_send(&c, "POST", "/mcp", MODERN_H("subscriptions/listen"),
           "{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":"
           "{\"toolsListChanged\":true}," MODERN_META "}}");
    CHECK(c_wait_for(&c, "notifications/subscriptions/acknowledged"));
    CHECK_EQ_INT(c_status(&c), 200);
    CHECK(t_add_tool("later", t_tool_text));
    CHECK(c_wait_for(&c, "notifications/tools/list_changed"));
    CHECK(strstr(strstr(c.buf, "list_changed"), "\"io.modelcontextprotocol/subscriptionId\":\"s1\"") != NULL);
    c_close(&c);
    for (i = 0; i < 100; i++) fmcp_http_step(L, 5);   /* the loop sees the close */
    CHECK_EQ_INT(fmcp_server_remove(S, FMCP_ITEM_TOOL, "later"), FMCP_OK);   /* nobody to tell: no crash */
    t_stop();
}

static void test_modern_only_http(void)
{
    tconn c;
    fmcp_server_desc sd;
    fmcp_http_endpoint_desc d;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1; sd.modern_only = 1;
    if (fmcp_server_create(&sd, &S) != FMCP_OK || !t_add_tool("text", t_tool_text)) { CHECK(0); return; }
    if (fmcp_http_loop_create(NULL, &L) != FMCP_OK) { fmcp_server_destroy(S); CHECK(0); return; }
    memset(&d, 0, sizeof d);
    if (fmcp_http_endpoint_create(S, L, &d, &T) != FMCP_OK) { fmcp_http_loop_destroy(L); fmcp_server_destroy(S); CHECK(0); return; }
    PORT = fmcp_http_endpoint_port(T);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", "Accept: text/event-stream\r\n", NULL), 405);
    CHECK_EQ_INT(t_req(&c, "DELETE", "/mcp", "Mcp-Session-Id: 00112233445566778899aabbccddeeff\r\n", NULL), 405);
    CHECK_EQ_INT(t_req(&c, "GET", "/sse", "Accept: text/event-stream\r\n", NULL), 405);
    /* initialize (a legacy client): refused, naming the version it should speak */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 400);
    CHECK(strstr(c_body(&c), "-32022") != NULL && strstr(c_body(&c), "2026-07-28") != NULL);
    /* an old session id is ignored */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", MODERN_H("tools/list") "Mcp-Session-Id: 00112233445566778899aabbccddeeff\r\n",
                       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" MODERN_META "}}"), 200);
    t_stop();
}

static void test_json_only_and_disabled_get(void)
{
    tconn c;
    char sid[64], h[512], v[64];
    fmcp_http_endpoint_desc d;
    memset(&d, 0, sizeof d);
    d.json_only = 1; d.disable_get = 1;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", "Accept: application/json\r\n" CT_JSON, INIT_BODY), 200);
    CHECK(c_header(&c, "Mcp-Session-Id", sid, sizeof sid) != NULL);
    t_sid_headers(h, sizeof h, sid, NULL);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("log")), 200);
    CHECK(c_header(&c, "Content-Type", v, sizeof v) && strcmp(v, "application/json") == 0);
    CHECK(strstr(c_body(&c), "logged result") != NULL);
    CHECK_EQ_INT(t_req(&c, "GET", "/mcp", h, NULL), 405);
    t_stop();
}

static void test_host_origin(void)
{
    tconn c;
    char line[512];
    fmcp_http_endpoint_desc d;
    static const char *const hosts[] = { "mcp.example", NULL };
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    /* raw request with our own Host header */
    CHECK(c_open(&c));
    snprintf(line, sizeof line, "POST /mcp HTTP/1.1\r\nHost: evil.example\r\n" ACCEPT_BOTH CT_JSON
             "Content-Length: %u\r\n\r\n%s", (unsigned)strlen(INIT_BODY), INIT_BODY);
    CHECK(write(c.fd, line, strlen(line)) == (long)strlen(line));
    c_wait_complete(&c);
    CHECK_EQ_INT(c_status(&c), 421);
    c_close(&c);
    CHECK(c_open(&c));
    snprintf(line, sizeof line, "POST /mcp HTTP/1.1\r\nHost: localhost:%u\r\n" ACCEPT_BOTH CT_JSON
             "Content-Length: %u\r\n\r\n%s", (unsigned)PORT, (unsigned)strlen(INIT_BODY), INIT_BODY);
    CHECK(write(c.fd, line, strlen(line)) == (long)strlen(line));
    c_wait_complete(&c);
    CHECK_EQ_INT(c_status(&c), 200);
    c_close(&c);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "Origin: http://evil.example\r\n", INIT_BODY), 403);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "Origin: http://localhost:3000\r\n", INIT_BODY), 200);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "Origin: http://[::1]\r\n", INIT_BODY), 200);
    t_stop();
    /* explicit allow-list: only that host (any port) */
    memset(&d, 0, sizeof d);
    d.allowed_hosts = hosts; d.dns_rebinding_protection = 1;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 421);  /* Host: 127.0.0.1:port */
    t_stop();
}

/* The descriptor is copied at creation: the caller's strings and lists may go
 * away at once; query_desc shows them with the defaults filled in. */
static void test_desc_copied(void)
{
    tconn c;
    fmcp_http_endpoint_desc d;
    const fmcp_http_endpoint_desc *q;
    char path[16], health[16], host[32];
    const char *hosts[2];
    memset(&d, 0, sizeof d);
    strcpy(path, "/rpc"); strcpy(health, "/alive"); strcpy(host, "127.0.0.1");
    hosts[0] = host; hosts[1] = NULL;
    d.path = path; d.health_path = health; d.allowed_hosts = hosts; d.dns_rebinding_protection = 1;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    memset(path, 'x', sizeof path - 1); memset(health, 'x', sizeof health - 1);
    memset(host, 'x', sizeof host - 1); hosts[0] = NULL;
    q = fmcp_http_endpoint_query_desc(T);
    CHECK(q != NULL && q != &d);
    if (q) {
        CHECK_STR(q->path, "/rpc");
        CHECK_STR(q->health_path, "/alive");
        CHECK_STR(q->legacy_sse_path, "/sse");
        CHECK(q->allowed_hosts && q->allowed_hosts[0] && !strcmp(q->allowed_hosts[0], "127.0.0.1") &&
              !q->allowed_hosts[1]);
        CHECK_EQ_INT(q->keepalive_ms, 15000);
        CHECK(q->preauth_body_bytes == FMCP_HTTP_ENDPOINT_PREAUTH_BODY_BYTES);
    }
    CHECK_EQ_INT(t_req(&c, "GET", "/alive", NULL, NULL), 200);
    CHECK_EQ_INT(t_req(&c, "POST", "/rpc", ACCEPT_BOTH CT_JSON, INIT_BODY), 200);  /* Host: 127.0.0.1:port */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 404);
    CHECK(fmcp_http_endpoint_query_desc(NULL) == NULL);
    t_stop();
}

static char t_logged[1024];
static void t_log(void *u, fmcp_log_level level, const char *msg)
{
    (void)u;
    if (level == FMCP_LOG_WARNING) snprintf(t_logged, sizeof t_logged, "%s", msg);
}

/* Attach with a server of our own (log sink); 1 when listening. */
static int t_start_logged(const char *host, const char *const *hosts)
{
    fmcp_server_desc sd;
    fmcp_http_endpoint_desc d;
    memset(&sd, 0, sizeof sd);
    sd.name = "t"; sd.version = "1"; sd.workers = -1; sd.log = t_log;
    memset(&d, 0, sizeof d);
    d.host = host; d.allowed_hosts = hosts;
    t_logged[0] = 0;
    if (fmcp_server_create(&sd, &S) != FMCP_OK) return 0;
    if (fmcp_http_loop_create(NULL, &L) != FMCP_OK) { fmcp_server_destroy(S); S = NULL; return 0; }
    if (fmcp_http_endpoint_create(S, L, &d, &T) != FMCP_OK) {
        fmcp_http_loop_destroy(L); fmcp_server_destroy(S); L = NULL; S = NULL; return 0;
    }
    PORT = fmcp_http_endpoint_port(T);
    return 1;
}

/* Loopback is an address, not a spelling; an open bind without lists warns. */
static void test_bind_checks(void)
{
    static const char *const hosts[] = { "mcp.example", NULL };
    tconn c;
    char line[512];
    if (!t_start_logged("0.0.0.0", NULL)) T_SKIP("cannot listen on 0.0.0.0");
    CHECKF(strstr(t_logged, "WARNING") && strstr(t_logged, "all interfaces") && strstr(t_logged, "allowed_hosts"),
           "no start-up warning: \"%s\"", t_logged);
    t_stop();
    if (!t_start_logged("0.0.0.0", hosts)) T_SKIP("cannot listen on 0.0.0.0");
    CHECK(t_logged[0] == 0);   /* allow-lists given: checked, nothing to warn about */
    t_stop();
    /* an IPv4-mapped loopback bind gets the loopback protection */
    if (!t_start_logged("::ffff:127.0.0.1", NULL)) T_SKIP("cannot listen on ::ffff:127.0.0.1");
    CHECK(t_logged[0] == 0);
    CHECK(c_open(&c));
    snprintf(line, sizeof line, "POST /mcp HTTP/1.1\r\nHost: evil.example\r\n" ACCEPT_BOTH CT_JSON
             "Content-Length: %u\r\n\r\n%s", (unsigned)strlen(INIT_BODY), INIT_BODY);
    CHECK(write(c.fd, line, strlen(line)) == (long)strlen(line));
    c_wait_complete(&c);
    CHECKF(c_status(&c) == 421, "Host not checked on a ::ffff:127.0.0.1 bind: %d", c_status(&c));
    c_close(&c);
    t_stop();
}

static void test_cors(void)
{
    tconn c;
    char v[256];
    fmcp_http_endpoint_desc d;
    memset(&d, 0, sizeof d);
    d.cors_origin = "*";
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "OPTIONS", "/mcp", "Origin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\n", NULL), 204);
    CHECK(c_header(&c, "Access-Control-Allow-Origin", v, sizeof v) && strcmp(v, "*") == 0);
    CHECK(c_header(&c, "Access-Control-Allow-Headers", v, sizeof v) && strstr(v, "Mcp-Session-Id") &&
          strstr(v, "Authorization") && strstr(v, "MCP-Protocol-Version") && strstr(v, "Last-Event-ID"));
    CHECK(c_header(&c, "Access-Control-Allow-Methods", v, sizeof v) && strstr(v, "DELETE"));
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 200);
    CHECK(c_header(&c, "Access-Control-Expose-Headers", v, sizeof v) && strstr(v, "Mcp-Session-Id"));
    t_stop();
}

static void test_legacy_sse(void)
{
    tconn g, c;
    char url[128], h[256];
    const char *p;
    size_t n;
    if (!t_start(NULL, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK(c_open(&g));
    c_send(&g, "GET", "/sse", "Accept: text/event-stream\r\n", NULL);
    CHECK(c_wait_for(&g, "event: endpoint\n"));
    p = strstr(g.buf, "event: endpoint\ndata: ");
    CHECK(p != NULL);
    if (!p) { c_close(&g); t_stop(); return; }
    p += strlen("event: endpoint\ndata: ");
    n = strcspn(p, "\n");
    memcpy(url, p, n < 127 ? n : 127); url[n < 127 ? n : 127] = 0;
    CHECK(strncmp(url, "/messages?sessionId=", 20) == 0);
    snprintf(h, sizeof h, CT_JSON);
    CHECK_EQ_INT(t_req(&c, "POST", url, h, INIT_BODY), 202);
    CHECK(c_wait_for(&g, "event: message\n"));
    CHECK(c_wait_for(&g, "\"protocolVersion\""));
    if (!strstr(g.buf, "protocolVersion")) fprintf(stderr, "%s\n", g.buf);
    CHECK_EQ_INT(t_req(&c, "POST", "/messages?sessionId=0123456789abcdef0123456789abcdef", h, INIT_BODY), 404);
    /* closing the stream ends the session */
    c_close(&g);
    { int i; for (i = 0; i < 50; i++) fmcp_http_step(L, 2); }
    CHECK_EQ_INT(t_req(&c, "POST", url, h, INIT_BODY), 404);
    t_stop();
}

/* ---- authentication hook ------------------------------------------------------------------ */

static int t_released;
static void t_release(void *u, fmcp_http_auth_reply *r) { (void)u; (void)r; t_released++; }
static fmcp_result t_auth(void *u, const char *method, const char *path, const fmcp_http_req *req,
                          fmcp_http_auth_reply *r)
{
    const char *a = fmcp_http_req_header(req, "Authorization");
    (void)u; (void)method; (void)path;
    r->release = t_release;
    if (a && strcmp(a, "Bearer crlf") == 0) {   /* a header the server refuses: 500 later */
        r->status = 401;
        r->headers[0].name = "WWW-Authenticate"; r->headers[0].value = "Bearer\r\nX: y";
        r->nheaders = 1;
        return FMCP_OK;
    }
    if (!a || strncmp(a, "Bearer ", 7) != 0) {
        r->status = 401;
        r->headers[0].name = "WWW-Authenticate"; r->headers[0].value = "Bearer realm=\"t\"";
        r->nheaders = 1;
        r->body = "{\"error\":\"invalid_token\"}";
        return FMCP_OK;
    }
    r->has_info = 1;
    /* "Bearer cid:X": a client_id and no subject; "Bearer tok:X": only a token */
    if (strncmp(a + 7, "cid:", 4) == 0) r->info.client_id = a + 11;
    else if (strncmp(a + 7, "tok:", 4) == 0) r->info.token = a + 11;
    else r->info.subject = a + 7;
    return FMCP_OK;
}

/* Sessions are bound to the full identity, also without a subject, and the
 * legacy /messages endpoint checks the owner like Streamable HTTP does. */
static void test_session_owner(void)
{
    static const char *const who[][2] = { { "cid:A", "cid:B" }, { "tok:1", "tok:2" }, { "alice", "cid:alice" } };
    tconn c, g;
    char sid[64], h[512], url[128];
    const char *p;
    fmcp_http_endpoint_desc d;
    fmcp_auth_info ai, bi;
    char pa[FMCP_PRINCIPAL_SIZE], pb[FMCP_PRINCIPAL_SIZE];
    size_t i, n;
    memset(&ai, 0, sizeof ai); memset(&bi, 0, sizeof bi);
    CHECK(!fmcp_auth_info_principal(NULL, pa) && !pa[0] && !fmcp_auth_info_principal(&ai, pa));
    ai.subject = "s"; ai.issuer = "https://a"; bi.subject = "s"; bi.issuer = "https://b";
    CHECK(fmcp_auth_info_principal(&ai, pa) && fmcp_auth_info_principal(&bi, pb) && strlen(pa) == 64 && strcmp(pa, pb) != 0);
    ai.issuer = "https://as"; bi.issuer = "https://a"; bi.subject = "ss";   /* field boundaries count */
    CHECK(fmcp_auth_info_principal(&ai, pa) && fmcp_auth_info_principal(&bi, pb) && strcmp(pa, pb) != 0);
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    for (i = 0; i < 3; i++) {
        snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Authorization: Bearer %s\r\n", who[i][0]);
        CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, INIT_BODY), 200);
        CHECK(c_header(&c, "Mcp-Session-Id", sid, sizeof sid) != NULL);
        snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer %s\r\n", sid, who[i][0]);
        CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, INITED_BODY), 202);
        snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer %s\r\n", sid, who[i][1]);
        CHECKF(t_req(&c, "POST", "/mcp", h, CALL("text")) == 404, "%s used %s's session", who[i][1], who[i][0]);
        snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer %s\r\n", sid, who[i][0]);
        CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 200);
    }
    /* legacy HTTP+SSE: the message endpoint checks the owner too */
    CHECK(c_open(&g));
    c_send(&g, "GET", "/sse", "Accept: text/event-stream\r\nAuthorization: Bearer alice\r\n", NULL);
    CHECK(c_wait_for(&g, "event: endpoint\n"));
    p = strstr(g.buf, "event: endpoint\ndata: ");
    if (!p) { CHECK(0); c_close(&g); t_stop(); return; }
    p += strlen("event: endpoint\ndata: ");
    n = strcspn(p, "\n");
    memcpy(url, p, n < 127 ? n : 127); url[n < 127 ? n : 127] = 0;
    CHECKF(t_req(&c, "POST", url, CT_JSON "Authorization: Bearer mallory\r\n", INIT_BODY) == 404,
           "another user posted into alice's legacy session");
    CHECK_EQ_INT(t_req(&c, "POST", url, CT_JSON "Authorization: Bearer alice\r\n", INIT_BODY), 202);
    CHECK(c_wait_for(&g, "\"protocolVersion\""));
    c_close(&g);
    t_stop();
}

static void test_auth_hook(void)
{
    tconn c;
    char sid[64], v[128], h[512];
    fmcp_http_endpoint_desc d;
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    t_released = 0;
    if (!t_start(&d, NULL)) T_SKIP("cannot listen on 127.0.0.1");
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY), 401);
    CHECK(c_header(&c, "WWW-Authenticate", v, sizeof v) && strcmp(v, "Bearer realm=\"t\"") == 0);
    CHECK(strstr(c_body(&c), "invalid_token") != NULL);
    CHECK_EQ_INT(t_req(&c, "GET", "/health", NULL, NULL), 200);   /* no auth for health */
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "Authorization: Bearer alice\r\n", INIT_BODY), 200);
    CHECK(c_header(&c, "Mcp-Session-Id", sid, sizeof sid) != NULL);
    snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer alice\r\n", sid);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, INITED_BODY), 202);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 200);
    /* the session belongs to alice */
    snprintf(h, sizeof h, ACCEPT_BOTH CT_JSON "Mcp-Session-Id: %s\r\nAuthorization: Bearer mallory\r\n", sid);
    CHECK_EQ_INT(t_req(&c, "POST", "/mcp", h, CALL("text")), 404);
    CHECK_EQ_INT(t_released, 5);   /* every hook call, health excluded */
    t_stop();
}

/* ---- authentication before the body (issue 15, item 2) ------------------------------------ */

/* Bytes the server holds through its allocator, and the most it held. */
static size_t t_bytes, t_peak;
static void *t_pk_malloc(void *u, size_t n)
{
    void *p = malloc(n);
    (void)u;
    if (p) { t_bytes += n; if (t_bytes > t_peak) t_peak = t_bytes; }
    return p;
}
static void *t_pk_realloc(void *u, void *p, size_t old, size_t n)
{
    void *q = realloc(p, n);
    (void)u;
    if (q) { t_bytes = t_bytes - old + n; if (t_bytes > t_peak) t_peak = t_bytes; }
    return q;
}
static void t_pk_free(void *u, void *p, size_t n) { (void)u; if (p) { t_bytes -= n; free(p); } }
static const fmcp_allocator t_peak_alloc = { t_pk_malloc, t_pk_realloc, t_pk_free, NULL };

/* A POST declaring `declared` body bytes, of which the first `sent` go out
 * (what the socket takes, stepping the loop in between so the server reads
 * as we write; it stops when the server closed). Then waits for the answer. */
static int t_post_big(tconn *c, const char *path, const char *headers, const char *body, size_t declared, size_t sent)
{
    char head[2048];
    size_t off = 0;
    int i, n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sContent-Length: %lu\r\n\r\n",
                        path, (unsigned)PORT, headers, (unsigned long)declared);
    if (!c_open(c)) return 0;
    CHECK(n > 0 && (size_t)n < sizeof head && write(c->fd, head, (size_t)n) == n);
    for (i = 0; i < 20000 && off < sent && !c->eof; i++) {
        size_t k = sent - off < 65536 ? sent - off : 65536;
#ifdef _WIN32
        long r = send((SOCKET)c->fd, body + off, (int)k, 0);
#elif defined(MSG_NOSIGNAL)
        long r = (long)send(c->fd, body + off, k, MSG_NOSIGNAL);
#else
        long r = (long)write(c->fd, body + off, k);
#endif
        if (r > 0) { off += (size_t)r; continue; }
        c_pump_once(c);
        if (c_complete(c)) break;   /* answered before the body was all there */
    }
    c_wait_complete(c);
    return c_status(c);
}

/* A JSON-RPC initialize of `len` bytes in total (padded in a params field). */
static char *t_big_init(size_t len)
{
    static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                              "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"},\"pad\":\"";
    char *b = (char *)malloc(len + 1);
    if (!b) return NULL;
    memcpy(b, pre, sizeof pre - 1);
    memset(b + sizeof pre - 1, 'x', len - (sizeof pre - 1) - 3);
    memcpy(b + len - 3, "\"}}", 4);
    return b;
}

static void test_auth_before_body(void)
{
    tconn c;
    char v[128];
    size_t big = 1u << 20, before;
    char *body = t_big_init(big);
    fmcp_http_endpoint_desc d;
    if (!body) { CHECK(0); return; }
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    t_bytes = t_peak = 0;
    if (!t_start(&d, &t_peak_alloc)) { free(body); T_SKIP("cannot listen on 127.0.0.1"); }
    /* a bad token and 3 MiB declared: 401 at once, no body sent at all */
    before = t_peak = t_bytes;
    CHECKF(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON, body, 3u << 20, 0) == 401,
           "no answer before the body: the server waits for it (got %d)", c_status(&c));
    CHECK(c_header(&c, "Connection", v, sizeof v) && strcmp(v, "close") == 0);
    CHECK(c_header(&c, "WWW-Authenticate", v, sizeof v) != NULL);
    c_close(&c);
    /* the same with 1 MiB of body sent after the head: none of it is kept */
    CHECK_EQ_INT(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON "Authorization: Basic x\r\n", body, big, big), 401);
    c_close(&c);
    CHECKF(t_peak - before < 256 * 1024, "the server held %lu bytes for rejected requests",
           (unsigned long)(t_peak - before));
    /* authenticated, the same 1 MiB request works */
    before = t_peak = t_bytes;
    CHECK_EQ_INT(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON "Authorization: Bearer alice\r\n", body, big, big), 200);
    CHECK(strstr(c_body(&c), "\"protocolVersion\"") != NULL);
    c_close(&c);
    CHECK(t_peak - before >= big);   /* (the allocator sees bodies) */
    /* small unauthenticated bodies are read first: 401, connection kept */
    CHECK(c_open(&c));
    c_send(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY);
    CHECK(c_wait_complete(&c) && c_status(&c) == 401);
    CHECK(!c_header(&c, "Connection", v, sizeof v));
    c.len = 0; c.buf[0] = 0;
    c_send(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON "Authorization: Bearer alice\r\n", INIT_BODY);
    CHECK(c_wait_complete(&c) && c_status(&c) == 200);
    c_close(&c);
    /* paths the endpoint does not authenticate get the pre-auth limit */
    CHECK_EQ_INT(t_post_big(&c, "/elsewhere", CT_JSON, body, 200 * 1024, 0), 413);
    c_close(&c);
    CHECK_EQ_INT(t_post_big(&c, "/elsewhere", CT_JSON, body, 1000, 1000), 404);
    c_close(&c);
    /* a rejection that cannot go out now (a CR in a header) is answered
     * once, later, still before the body */
    CHECK_EQ_INT(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON "Authorization: Bearer crlf\r\n", body, big, 0), 500);
    c_close(&c);
    t_stop();

    /* the limit is configurable ... */
    memset(&d, 0, sizeof d);
    d.authenticate = t_auth;
    d.preauth_body_bytes = 100;
    if (!t_start(&d, NULL)) { free(body); T_SKIP("cannot listen on 127.0.0.1"); }
    CHECK_EQ_INT(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON, body, 1000, 0), 401);
    c_close(&c);
    CHECK_EQ_INT(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON "Authorization: Bearer bob\r\n", body, big, big), 200);
    c_close(&c);
    t_stop();
    /* ... and applies only where requests are authenticated */
    if (!t_start(NULL, NULL)) { free(body); T_SKIP("cannot listen on 127.0.0.1"); }
    CHECK_EQ_INT(t_post_big(&c, "/mcp", ACCEPT_BOTH CT_JSON, body, big, big), 200);
    c_close(&c);
    t_stop();
    free(body);
}

/* Handlers on worker threads: answers and stream closes arrive from other
 * threads through the loop's queue, in order. */
static void test_worker_threads(void)
{
#ifdef FASTMCP_NO_THREADS
    T_SKIP("built without threads");
#else
    tconn c[6], g;
    char sid[64], h[512], h2[640], id[64];
    const char *p;
    int i;
    size_t n;
    t_workers = 2;
    if (!t_start(NULL, NULL)) { t_workers = -1; T_SKIP("cannot listen on 127.0.0.1"); }
    t_workers = -1;
    CHECK(t_init(sid));
    t_sid_headers(h, sizeof h, sid, NULL);
    for (i = 0; i < 6; i++) {   /* concurrent calls on separate connections */
        CHECK(c_open(&c[i]));
        char body[256];   /* request ids are unique within a session */
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"%s\",\"arguments\":{}}}", 100 + i, i % 2 ? "log" : "text");
        c_send(&c[i], "POST", "/mcp", h, body);
    }
    for (i = 0; i < 6; i++) {
        CHECK(c_wait_complete(&c[i]));
        CHECK_EQ_INT(c_status(&c[i]), 200);
        CHECKF(strstr(c_body(&c[i]), i % 2 ? "logged result" : "plain result") != NULL, "got: %s", c[i].buf);
        c_close(&c[i]);
    }
    CHECK_EQ_INT(t_req(&c[0], "POST", "/mcp", h, CALL("poll")), 200);
    p = strstr(c_body(&c[0]), "id: ");
    CHECK(p != NULL && strstr(c_body(&c[0]), "resumed result") == NULL);
    if (p) {
        n = strcspn(p + 4, "\n");
        memcpy(id, p + 4, n < 63 ? n : 63); id[n < 63 ? n : 63] = 0;
        snprintf(h2, sizeof h2, "%sLast-Event-ID: %s\r\n", h, id);
        CHECK(c_open(&g));
        c_send(&g, "GET", "/mcp", h2, NULL);
        CHECK(c_wait_for(&g, "resumed result"));
        c_close(&g);
    }
    t_stop();
#endif
}

/* ---- failing allocations -------------------------------------------------------------------- */

static void test_alloc_attach(void)
{
    fmcp_server_desc sd;
    fmcp_server *srv;
    fmcp_http_loop *loop;
    fmcp_http_endpoint_desc d;
    memset(&sd, 0, sizeof sd);
    sd.name = "t"; sd.version = "1"; sd.workers = -1;
    memset(&d, 0, sizeof d);
    if (fmcp_server_create(&sd, &srv) != FMCP_OK) { CHECK(0); return; }
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK) { fmcp_server_destroy(srv); CHECK(0); return; }
    fmcp_server_destroy(srv);
    sd.alloc = &t_alloc;
    T_ALLOC_SWEEP({
        fmcp_http_endpoint *t = NULL;
        srv = NULL;
        t_rc = fmcp_server_create(&sd, &srv);
        if (!t_rc) {
            t_rc = fmcp_http_endpoint_create(srv, loop, &d, &t);
            if (!t_rc) { CHECK(fmcp_http_endpoint_port(t) != 0); fmcp_http_endpoint_destroy(t); }
            fmcp_server_destroy(srv);
        }
    });
    fmcp_http_loop_destroy(loop);
}

/* A whole initialize exchange with every allocation failing in turn: the
 * client always gets an answer, nothing leaks. */
static void test_alloc_exchange(void)
{
    tconn c;
    int st;
    char sid[64];
    char h[512];
    T_ALLOC_SWEEP({
        t_rc = t_start(NULL, &t_alloc) ? 0 : 1;
        if (!t_rc) {
            st = t_req(&c, "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY);
            CHECK(st == 200 || t_alloc_failed);
            if (st == 200 && c_header(&c, "Mcp-Session-Id", sid, sizeof sid)) {
                /* then a call that streams (SSE, replay buffer, stream end) */
                t_sid_headers(h, sizeof h, sid, NULL);
                st = t_req(&c, "POST", "/mcp", h, CALL("log"));
                CHECK(st == 200 || st == 404 || st == 500 || t_alloc_failed);
            }
            /* degraded paths may still answer 200; the sweep checks leaks here */
            t_rc = st == 200 && !t_alloc_failed ? 0 : 1;
            t_stop();
        }
    });
}

/* Allocation failures while one session holds more requests than its
 * stream index first has room for (it grows on the way): every request is
 * held or answered, every answer is a success or a clean failure, and
 * nothing leaks. */
#define T_MANY 10
static void test_alloc_many_streams(void)
{
    static tconn c[T_MANY];
    char sid[64], h[512], body[256];
    int i, k, n, done, all_ok;
    T_ALLOC_SWEEP({
        n = 0; done = 0; all_ok = 1;
        t_rc = t_start(NULL, &t_alloc) ? 0 : 1;
        if (!t_rc) {
            memset(t_held, 0, sizeof t_held);
            t_nheld = 0;
            if (t_req(&c[0], "POST", "/mcp", ACCEPT_BOTH CT_JSON, INIT_BODY) != 200 ||
                !c_header(&c[0], "Mcp-Session-Id", sid, sizeof sid)) all_ok = 0;
            if (all_ok) {
                t_sid_headers(h, sizeof h, sid, NULL);
                if (t_req(&c[0], "POST", "/mcp", h, INITED_BODY) != 202) all_ok = 0;
            }
            for (i = 0; all_ok && i < T_MANY && c_open(&c[i]); i++, n++) {
                snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
                         "{\"name\":\"hold\",\"arguments\":{\"k\":%d}}}", 1000 + i, i);
                c_send(&c[i], "POST", "/mcp", h, body);
            }
            for (k = 0; k < 400 && done < n; k++) {   /* each one held, or answered already */
                fmcp_http_step(L, 5);
                done = t_nheld;
                for (i = 0; i < n; i++) { c_drain(&c[i]); done += c_complete(&c[i]); }
            }
            CHECK(done >= n);
            for (i = 0; i < T_MANY; i++)
                if (t_held[i]) { fmcp_ctx_add_text(t_held[i], "late"); fmcp_ctx_finish(t_held[i], FMCP_OK); }
            for (i = 0; i < n; i++) {
                int st;
                CHECK(c_wait_complete(&c[i]));
                st = c_status(&c[i]);
                /* failing: an error status, or the connection closed (no buffer for it) */
                CHECKF(st == 200 || ((st == 500 || st == 503 || (st == 0 && c[i].eof)) && t_alloc_failed),
                       "status %d at request %d, fail_at %ld: %s", st, i, t__n, c[i].buf);
                if (st != 200 || !strstr(c_body(&c[i]), "late")) all_ok = 0;
                c_close(&c[i]);
            }
            t_rc = all_ok && n == T_MANY && !t_alloc_failed ? 0 : 1;
            t_stop();
        }
    });
}

/* fmcp_server_run_http: on_listen gets the transport once bound; stopping
 * the loop there makes the call return. */
static uint16_t t_listen_port;
static void t_on_listen(void *u, fmcp_http_endpoint *t)
{
    (void)u;
    t_listen_port = fmcp_http_endpoint_port(t);
    fmcp_http_stop(fmcp_http_endpoint_loop(t));
}

static void test_run_http(void)
{
    fmcp_server_desc sd;
    fmcp_server *srv;
    fmcp_http_endpoint_desc d;
    memset(&sd, 0, sizeof sd);
    sd.name = "t"; sd.version = "1"; sd.workers = -1;
    memset(&d, 0, sizeof d);
    d.on_listen = t_on_listen;
    CHECK_EQ_INT(fmcp_server_run_http(NULL, &d), FMCP_ERR_INVALID_ARG);
    sd.alloc = &t_alloc;
    T_ALLOC_SWEEP({
        srv = NULL;
        t_listen_port = 0;
        t_rc = fmcp_server_create(&sd, &srv);
        if (!t_rc) {
            t_rc = fmcp_server_run_http(srv, &d);
            if (!t_rc) CHECK(t_listen_port != 0);
            fmcp_server_destroy(srv);
        }
    });
}

int main(void)
{
    t_use_clock();
    T_RUN(test_health_and_404);
    T_RUN(test_post_rejections);
    T_RUN(test_session_lifecycle);
    T_RUN(test_sse_response);
    T_RUN(test_get_stream);
    T_RUN(test_resume);
    T_RUN(test_resume_after_client_cut);
    T_RUN(test_many_open_streams);
    T_RUN(test_parked_streams_capped);
    T_RUN(test_replay_bytes_capped);
    T_RUN(test_session_caps);
    T_RUN(test_idle_expiry);
    T_RUN(test_stateless);
    T_RUN(test_json_only_and_disabled_get);
    T_RUN(test_host_origin);
    T_RUN(test_desc_copied);
    T_RUN(test_bind_checks);
    T_RUN(test_cors);
    T_RUN(test_legacy_sse);
    T_RUN(test_session_owner);
    T_RUN(test_auth_hook);
    T_RUN(test_auth_before_body);
    T_RUN(test_worker_threads);
    T_RUN(test_modern_requests);
    T_RUN(test_modern_listen);
    T_RUN(test_modern_only_http);
    T_RUN(test_alloc_attach);
    T_RUN(test_run_http);
    T_RUN(test_alloc_exchange);
    T_RUN(test_alloc_many_streams);
    return t_finish("mcp_http");
}
#endif
