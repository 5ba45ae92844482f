/* ---------------------------------------------------------------------------
 * mcp_http: MCP Streamable HTTP transport (2025-03-26 .. 2025-11-25) plus the
 * legacy HTTP+SSE transport (2024-11-05)
 * ---------------------------------------------------------------------------
 *
 * Usage (blocking, one call)
 *   fmcp_http_endpoint_desc d = {0};
 *   d.port = 8080;                          // host 127.0.0.1, path /mcp
 *   fmcp_server_run_http(srv, &d);          // until fmcp_http_stop(loop)
 *
 * Usage (on your own loop, e.g. in tests with port 0)
 *   fmcp_http_loop *loop; fmcp_http_endpoint *t;
 *   fmcp_http_loop_create(NULL, &loop);
 *   fmcp_http_endpoint_create(srv, loop, &d, &t);
 *   printf("port %u\n", fmcp_http_endpoint_port(t));
 *   fmcp_http_run(loop);
 *   fmcp_http_endpoint_destroy(t); fmcp_http_loop_destroy(loop);
 *
 * Endpoint (d.path, default "/mcp")
 *   POST carries one JSON-RPC message or batch. Accept must allow both
 *   application/json and text/event-stream (only JSON with json_only), else
 *   406; Content-Type must be application/json, else 415; a body that is not
 *   JSON gets 400 with a JSON-RPC parse error. Notifications and responses
 *   get 202 with no body. A request gets one JSON response, or an SSE stream
 *   as soon as anything other than its final response is sent for it
 *   (progress, logs, server-to-client requests); the stream ends after the
 *   response. With json_only such messages go to the GET stream instead.
 *   GET opens the session's stand-alone SSE stream (409 if one is open; 405
 *   when disable_get or stateless); unrelated messages (list_changed,
 *   resources/updated) go there. DELETE ends the session.
 *   SSE responses carry Cache-Control: no-cache, no-transform and
 *   X-Accel-Buffering: no, start with a priming event (an id, a retry hint
 *   and empty data) and get a ": keepalive" comment when nothing was written
 *   for keepalive_ms (default 15 s, negative = never).
 *
 * Sessions
 *   The initialize response carries Mcp-Session-Id (16 bytes from
 *   fmcp_random_bytes as hex; no randomness = 500, nothing is created).
 *   Later requests without the header get 400, an unknown or ended id 404.
 *   MCP-Protocol-Version, when present, must be a known version (else 400);
 *   absent means 2025-03-26. Sessions idle for session_timeout_ms (default
 *   30 min, negative = never) are closed. When the authenticate hook gives an
 *   identity, the session is bound to it (fmcp_auth_info_principal: issuer
 *   and subject, else client_id, else the token): any other caller gets 404,
 *   on POST, GET, DELETE and the legacy message endpoint alike.
 *
 * Resumability
 *   Every SSE event has an id "<stream>_<seq>"; each stream keeps its last
 *   replay_events events (default 256). GET with Last-Event-ID resumes that
 *   stream only: the missed events are replayed, then it continues, and a
 *   POST stream cut before its response delivers the response there (up to
 *   32 finished but undelivered streams per session wait for that).
 *   fmcp_http_endpoint_close_sse(t, ctx), called from a handler, closes the
 *   request's stream now (SSE polling, SEP-1699): the client reconnects with
 *   GET and Last-Event-ID after the retry hint (retry_ms, default 1000).
 *   Kept events are also capped by bytes: replay_bytes per session,
 *   replay_bytes_per_principal and replay_bytes_total; over a cap the oldest
 *   events go first (an event larger than a cap is sent, not kept). A resume
 *   replays the events still kept after Last-Event-ID (earlier ones are
 *   skipped); a finished stream with none left is forgotten, and resuming it
 *   gets 404 "Unknown stream", like any unknown stream.
 *
 * Limits per principal (a client: the identity of fmcp_auth_info_principal,
 *   else the peer address, IPv6 grouped by /64) and overall
 *   sessions       max_sessions_per_principal (100) and max_sessions (10000).
 *                  At its own cap a principal's least recently used idle
 *                  session (no connection, nothing in flight) is closed for
 *                  the new one, else initialize gets 429 + Retry-After: 5.
 *                  With the table full, the principal holding the most
 *                  sessions loses its oldest idle one when it holds more than
 *                  the newcomer would; else 503 + Retry-After: 60. So one
 *                  client filling the table cannot lock others out. A client
 *                  whose session was closed gets 404 and initializes again.
 *   calls          max_calls_per_principal (256) requests in flight (held
 *                  POSTs, SSE streams not finished) over its sessions; beyond,
 *                  429 + Retry-After: 5. Stateless and 2026-07-28 requests
 *                  are not counted (the server's connection cap bounds them).
 *   replay bytes   4 MiB per session, 16 MiB per principal, 256 MiB overall,
 *                  oldest first (above); replay_events (256) per stream and
 *                  32 finished, undelivered streams per session by count.
 *   Stateless and 2026-07-28 requests hold no session between requests.
 *
 * Stateless mode (d.stateless)
 *   No session ids; each POST runs on a fresh session that is initialised
 *   for it (protocol version from the header) and dropped afterwards, so
 *   many processes can sit behind a load balancer. GET and DELETE get 405.
 *
 * Security
 *   Host (421) and Origin (403) are checked against allowed_hosts /
 *   allowed_origins (NULL-terminated lists; a name without a port matches
 *   any port). dns_rebinding_protection: 0 = on when bound to a loopback
 *   address (by address: 127.0.0.0/8, ::1, ::ffff:127.x.x.x, or "localhost";
 *   fmcp_http_addr_kind) or when a list is given (localhost, 127.0.0.1 and
 *   [::1] are the default lists); 1 = always; -1 = never. In auto mode a
 *   bind elsewhere (0.0.0.0, ::, a LAN address) without lists leaves Host and
 *   Origin unchecked: attach then logs a WARNING (the server's log sink, else
 *   stderr) saying so. cors_origin (e.g. "*") adds CORS headers, exposes
 *   Mcp-Session-Id and answers OPTIONS preflights allowing Authorization,
 *   Content-Type, Mcp-Session-Id, MCP-Protocol-Version and Last-Event-ID.
 *   GET health_path (default "/health") answers 200 without any check.
 *
 * Authentication hook
 *   authenticate(user, method, path, req, reply) runs before any session is
 *   created or looked up (read headers with fmcp_http_req_header). Fill
 *   reply->info (and set has_info) to accept with that identity, or set
 *   reply->status (401, 403, ...) with optional headers (e.g.
 *   WWW-Authenticate), content_type and body to reject. The strings must
 *   stay valid until reply->release(reply->release_user, reply) is called
 *   (if set), which happens once the request no longer needs them; the
 *   identity is copied into the session. A non-OK return gives 500.
 *   A hook that cannot decide yet (e.g. waiting for a JWKS fetch) sets
 *   reply->defer, keeps req and later calls fmcp_http_endpoint_auth_resume(
 *   reply->transport, req, its_reply) on the loop thread with a filled reply
 *   (release is honoured there). Requests for paths the transport does not
 *   serve go to d.fallback (which must answer them) instead of a 404.
 *   A response whose send_info.http_status is 403 (a forbidden item) is
 *   answered with HTTP 403 when it goes out as plain JSON.
 *   Before the body (issue 15): a request that declares more body than
 *   preauth_body_bytes (default 64 KiB), or sends it chunked, is
 *   authenticated as soon as its head is complete, with reply->early set
 *   and an empty body (decide from the headers). A rejection is answered
 *   without reading the body and the connection closes; a deferral holds
 *   the body unread until fmcp_http_endpoint_auth_resume; an acceptance
 *   lets the body in (up to the server's max_body_bytes) and the hook runs
 *   again, as usual, once it is read. Smaller bodies are read first. With
 *   a hook, paths the endpoint does not authenticate (health, OPTIONS, the
 *   fallback's) accept at most preauth_body_bytes (413 beyond). Without a
 *   hook nothing changes.
 *
 * Legacy transport (2024-11-05; disable_legacy_sse turns it off)
 *   GET legacy_sse_path ("/sse") opens a session whose first event is
 *   `event: endpoint` with the message URL "<legacy_message_path>?sessionId=ID"
 *   ("/messages"); POSTs there get 202 and every answer comes as an
 *   `event: message` on the GET stream. Closing the stream ends the session.
 *
 * fmcp_http_endpoint_create adds the transport to an existing loop (it starts an
 *   HTTP server on d.host:d.port; d.http optionally supplies limits and a
 *   TLS transport - its host, port, handler, user and on_head are ignored).
 *   d is copied with its strings and lists (d.http's own pointers, such as
 *   its TLS transport, are referenced). All callbacks run on the loop thread.
 * fmcp_http_endpoint_query_desc gives the descriptor in use, defaults filled.
 *   fmcp_http_endpoint_port gives the bound port, fmcp_http_endpoint_loop the loop.
 *   fmcp_http_endpoint_destroy closes every session and the server (loop thread).
 * fmcp_server_run_http creates a loop, attaches, calls d.on_listen(user, t)
 *   once listening, runs until fmcp_http_stop(fmcp_http_endpoint_loop(t)), then
 *   frees everything. It prints nothing.
 * fmcp_http_endpoint_sessions counts open sessions (tests, metrics).
 * fmcp_http_endpoint_replay_bytes: bytes the kept SSE events hold (all sessions).
 * fmcp_http_endpoint_close_sse is thread-safe; FMCP_ERR_NOT_FOUND when the
 *   request has no stream in this transport (e.g. stateless).
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_http_endpoint fmcp_http_endpoint;

typedef struct fmcp_http_auth_reply {
    int status;                     /* 0 = accept; else the rejection status */
    fmcp_http_header headers[4];    /* extra rejection headers (WWW-Authenticate) */
    size_t nheaders;
    const char *content_type;       /* rejection body type (NULL = application/json) */
    const char *body;               /* rejection body, may be NULL */
    fmcp_auth_info info;            /* identity when accepted and has_info */
    int has_info;
    void (*release)(void *user, struct fmcp_http_auth_reply *reply);
    void *release_user;
    struct fmcp_http_endpoint *transport; /* set by the transport before the hook runs */
    int defer;                      /* set by the hook: it keeps req, answers later */
    int early;                      /* set by the transport: the body is not read yet */
} fmcp_http_auth_reply;

/* Feature tests (the auth module uses them). */
#define FMCP_HTTP_ENDPOINT_AUTH_DEFER 1
#define FMCP_HTTP_ENDPOINT_FALLBACK 1

typedef fmcp_result (*fmcp_http_auth_fn)(void *user, const char *method, const char *path,
                                         const fmcp_http_req *req, fmcp_http_auth_reply *reply);

typedef struct fmcp_http_endpoint_desc {
    const char *host;               /* NULL = "127.0.0.1" */
    uint16_t port;                  /* 0 = any free port */
    const char *path;               /* NULL = "/mcp" */
    int stateless;
    int json_only;                  /* never answer a POST with SSE */
    int disable_get;                /* GET on the endpoint: 405 */
    int disable_legacy_sse;
    const char *legacy_sse_path;    /* NULL = "/sse" */
    const char *legacy_message_path;/* NULL = "/messages" */
    const char *health_path;        /* NULL = "/health" */
    int dns_rebinding_protection;   /* 0 auto (loopback), 1 on, -1 off */
    const char *const *allowed_hosts;   /* NULL-terminated; NULL = defaults */
    const char *const *allowed_origins; /* NULL-terminated; NULL = defaults */
    const char *cors_origin;        /* NULL = no CORS; "*" or an origin */
    int keepalive_ms;               /* 0 = 15000, < 0 = none */
    int64_t session_timeout_ms;     /* 0 = 30 min, < 0 = never */
    int retry_ms;                   /* SSE retry hint; 0 = 1000 */
    size_t max_sessions;            /* 0 = 10000 (503 beyond) */
    size_t replay_events;           /* per stream; 0 = 256 */
    fmcp_http_auth_fn authenticate; /* optional */
    void *auth_user;
    fmcp_http_handler fallback;     /* other paths (e.g. /.well-known/...); NULL = 404 */
    void *fallback_user;
    void (*on_listen)(void *user, fmcp_http_endpoint *t); /* fmcp_server_run_http */
    void *listen_user;
    const fmcp_http_server_desc *http; /* optional limits / TLS */
    /* Caps per principal and overall (see "Limits"); 0 = the default. */
    size_t max_sessions_per_principal; /* 0 = 100 */
    size_t max_calls_per_principal;    /* POSTs in flight on sessions; 0 = 256 (429 beyond) */
    size_t replay_bytes;               /* kept SSE events per session; 0 = 4 MiB */
    size_t replay_bytes_per_principal; /* 0 = 16 MiB */
    size_t replay_bytes_total;         /* the whole transport; 0 = 256 MiB */
    size_t preauth_body_bytes;         /* body read before authentication; 0 = 64 KiB */
} fmcp_http_endpoint_desc;

#define FMCP_HTTP_ENDPOINT_MAX_SESSIONS_PER_PRINCIPAL 100
#define FMCP_HTTP_ENDPOINT_MAX_CALLS_PER_PRINCIPAL 256
#define FMCP_HTTP_ENDPOINT_REPLAY_BYTES ((size_t)4 << 20)
#define FMCP_HTTP_ENDPOINT_REPLAY_BYTES_PER_PRINCIPAL ((size_t)16 << 20)
#define FMCP_HTTP_ENDPOINT_REPLAY_BYTES_TOTAL ((size_t)256 << 20)
#define FMCP_HTTP_ENDPOINT_PREAUTH_BODY_BYTES ((size_t)64 << 10)

#ifndef FASTMCP_NO_SOCKETS
FASTMCP_API fmcp_result fmcp_http_endpoint_create(fmcp_server *srv, fmcp_http_loop *loop,
                                             const fmcp_http_endpoint_desc *d, fmcp_http_endpoint **out);
FASTMCP_API const fmcp_http_endpoint_desc *fmcp_http_endpoint_query_desc(const fmcp_http_endpoint *t);
FASTMCP_API uint16_t fmcp_http_endpoint_port(const fmcp_http_endpoint *t);
FASTMCP_API fmcp_http_loop *fmcp_http_endpoint_loop(const fmcp_http_endpoint *t);
FASTMCP_API size_t fmcp_http_endpoint_sessions(fmcp_http_endpoint *t);
FASTMCP_API size_t fmcp_http_endpoint_replay_bytes(fmcp_http_endpoint *t);
FASTMCP_API fmcp_result fmcp_http_endpoint_close_sse(fmcp_http_endpoint *t, fmcp_ctx *ctx);
FASTMCP_API void fmcp_http_endpoint_destroy(fmcp_http_endpoint *t);
FASTMCP_API void fmcp_http_endpoint_auth_resume(fmcp_http_endpoint *t, fmcp_http_req *req,
                                           fmcp_http_auth_reply *reply);
FASTMCP_API fmcp_result fmcp_server_run_http(fmcp_server *srv, const fmcp_http_endpoint_desc *d);
#endif

#ifdef __cplusplus
}
#endif
