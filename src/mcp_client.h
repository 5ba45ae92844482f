/* ---------------------------------------------------------------------------
 * mcp_client: MCP client over stdio (a spawned server) and Streamable HTTP
 * ---------------------------------------------------------------------------
 *
 * Usage
 *   fmcp_client_desc d = {0};                 // defaults: 60 s timeout, ...
 *   fmcp_client *c; fmcp_json_doc *res;
 *   const char *argv[] = {"node", "server.js", NULL};
 *   if (fmcp_client_connect_stdio(&d, argv, NULL, &c) != FMCP_OK) return 1;
 *   // or fmcp_client_connect_http(&d, "http://127.0.0.1:8080/mcp", &c)
 *   if (fmcp_client_call_tool(c, "add", "{\"a\":1,\"b\":2}", NULL, &res) == FMCP_OK) {
 *       const fmcp_json *r = fmcp_client_result(res);   // the "result" object
 *       puts(fmcp_json_get_str(fmcp_json_at(fmcp_json_get(r, "content"), 0), "text", ""));
 *       fmcp_json_doc_destroy(res);
 *   }
 *   fmcp_client_destroy(c);
 *
 * fmcp_client_desc (zeroed = defaults). The client copies it at connect:
 *   the strings (name, version, title, protocol_version, roots_json,
 *   bearer_token), the headers list and the small interface structs (alloc,
 *   transport, cache_store) are the client's own from then on, so the
 *   caller's may go once connect returns. Objects are still referenced and
 *   must outlive the client: oauth, and what transport->self and
 *   cache_store->user (and an allocator's user) point to. A header name
 *   that is not a token, or a header value or bearer_token holding a CR, LF
 *   or other control character, fails the connect with FMCP_ERR_INVALID_ARG.
 *   name, version, title: clientInfo (default "fastmcp.h" and the library
 *   version). protocol_version: the version asked for (default 2025-11-25);
 *   the server may answer any of 2025-11-25, 2025-06-18, 2025-03-26 and
 *   2024-11-05, anything else fails the connect with FMCP_ERR_PROTOCOL.
 *   timeout_ms: default per-request timeout (0 = 60 s, negative = none).
 *   on_sampling / on_elicitation / on_roots: handlers for server-to-client
 *   requests; a set handler declares the capability in initialize. roots_json
 *   (a JSON array text) answers roots/list without a handler. on_log gets
 *   notifications/message, on_notification every other notification
 *   (list_changed, resources/updated, ...). bearer_token adds
 *   "Authorization: Bearer ..." and headers/nheaders extra headers to every
 *   HTTP request. no_get_stream: do not open the HTTP GET stream.
 *   transport: the I/O layer for HTTP connections (TLS for https://).
 *   oauth: an fmcp_oauth for this server (it must outlive the client). Every
 *   HTTP request then carries its current access token (refreshed before
 *   expiry; with DPoP, "Authorization: DPoP" and a proof for the request's
 *   method and URL: fmcp_oauth_request_headers); a 401, or a 403 with
 *   error="insufficient_scope", is passed with the answer's DPoP-Nonce to
 *   fmcp_oauth_handle_challenge_ex (discovery, browser or authorize hook,
 *   token) and the request is sent again, at most max_step_up times.
 *   bearer_token, when also set, wins (no OAuth on that client).
 *   grace_ms: stdio shutdown grace (0 = 2000). max_message: bytes (0 = 16 MiB).
 *   protocol_era: FMCP_ERA_AUTO (the default) asks the server with
 *   server/discover which era it speaks, as basic/versioning.mdx of
 *   2026-07-28 says: a DiscoverResult that offers 2026-07-28 makes the
 *   connection modern; an answer that is not a modern error (an HTTP 4xx
 *   without a modern JSON-RPC body, a JSON-RPC error such as "method not
 *   found" or "not initialized", or on stdio no answer within 5 s) makes the
 *   client fall back to initialize (and over HTTP further to the legacy
 *   HTTP+SSE transport, as before); an UnsupportedProtocolVersionError that
 *   lists only legacy versions we speak also leads to initialize.
 *   FMCP_ERA_LEGACY never probes; FMCP_ERA_MODERN never falls back.
 *
 * Protocol 2026-07-28 (a modern connection), with the same API:
 *   every request carries _meta (protocolVersion, clientInfo,
 *   clientCapabilities declared by the handlers that are set, and the
 *   level given to fmcp_client_set_log_level, which sends nothing); HTTP
 *   POSTs carry MCP-Protocol-Version, Mcp-Method, Mcp-Name and, for tool
 *   parameters the last fmcp_client_list_tools showed marked "x-mcp-header",
 *   Mcp-Param-* headers (values =?base64?...?= where not plain ASCII). No
 *   session and no GET stream: when on_notification is set (and
 *   no_get_stream is not), a background subscriptions/listen for the
 *   list-changed notifications replaces it. A result with resultType
 *   "input_required" is answered by the on_sampling / on_elicitation /
 *   on_roots handlers and the request retried with inputResponses and the
 *   server's requestState, at most max_input_rounds times (then
 *   FMCP_ERR_PROTOCOL); the caller sees only the final result. A response
 *   stream cut before the answer is re-sent once with a new id.
 *   fmcp_client_ping sends server/discover; fmcp_client_server_info is the
 *   DiscoverResult (serverInfo under _meta["io.modelcontextprotocol/serverInfo"]).
 *
 * Result cache (2026-07-28 connections; server/utilities/caching.mdx)
 *   tools/list, prompts/list, resources/list, resources/templates/list and
 *   resources/read answers (each page on its own, keyed by method and the
 *   params text, e.g. the cursor or uri) that carry a positive ttlMs are kept
 *   that long (fmcp_monotonic_ms) and the same request is then answered from
 *   the cache without reaching the server. cacheScope "public" answers serve
 *   anyone; any other (or none) is private: keyed by a hash of the
 *   credentials the request carried (bearer_token, the OAuth access token of
 *   the moment, the extra headers; without credentials this client object),
 *   so a new token or principal never gets it. A list_changed notification
 *   drop that method's entries (resources/list_changed also the templates),
 *   notifications/resources/updated every read; an answer in flight during
 *   such a notification is not stored. Those notifications come over the
 *   listen stream, which runs when on_notification is set; without it only
 *   ttlMs ages entries. Not cached: legacy connections, ttlMs 0 or absent,
 *   input_required rounds and requests carrying inputResponses/requestState,
 *   server/discover (fmcp_client_ping always asks). Every client has its own
 *   memory store (cache_max_entries, default 256, and cache_max_bytes of keys
 *   and values, default 1 MiB; least recently used goes first); cache_store
 *   replaces it with the application's (get/put/invalidate; it may be shared
 *   by clients: keys name the server, a hash of its URL, or over stdio the
 *   client object). no_cache turns caching off.
 *
 * fmcp_client_connect_stdio(d, argv, env, &c)
 *   Spawns argv[0] (searched in PATH) with argv, its stdin/stdout as the
 *   transport and its stderr passed through. env: NULL or a NULL-terminated
 *   list of "NAME=value" added to (or replacing in) the inherited environment.
 *   A command that cannot be run gives FMCP_ERR_NOT_FOUND. Then initializes.
 *   Windows: CreateProcess (".exe" implied; argv quoted so the MSVC runtime
 *   gives the child the same argv; argv[0] must not contain '"'; env names
 *   compare without case); needs threads.
 * fmcp_client_connect_fd(d, read_fd, write_fd, &c)
 *   The same over descriptors you opened (a socketpair, a pipe pair, a serial
 *   line); they are the client's from the call on (closed by
 *   fmcp_client_destroy, or by the connect itself when it fails). Not on
 *   Windows (FMCP_ERR_UNSUPPORTED).
 * fmcp_client_connect_http(d, url, &c)
 *   Streamable HTTP. https:// URLs need d->transport (a TLS layer such as
 *   fmcp_tls_client_io(); without one FMCP_ERR_UNSUPPORTED); http://
 *   URLs never use it.
 *   POSTs carry Accept: application/json, text/event-stream; answers may be
 *   JSON or SSE. Mcp-Session-Id from the initialize answer and
 *   MCP-Protocol-Version go on every later request. Unless no_get_stream, a
 *   background thread holds the GET stream for server notifications and
 *   requests (a 405 means the server has none); connect returns once the
 *   server answered that GET (at most 5 s), so requests a server sends there
 *   right after initialize are not lost. A POST stream cut before its
 *   answer is resumed with GET + Last-Event-ID after the server's retry
 *   hint. If the server refuses the initialize POST with a 4xx other than
 *   401/403, the old HTTP+SSE transport (2024-11-05) is tried: GET on the
 *   URL, then POSTs to the URL of its `endpoint` event, answers arriving on
 *   that stream (a reader thread; FMCP_ERR_UNSUPPORTED without threads).
 *   Connections are kept alive and reused; a 404 on a request after
 *   initialize means the session ended (FMCP_ERR_CLOSED).
 * fmcp_client_query_desc(c)
 *   The effective descriptor: what connect was given, with every default
 *   filled in (name "fastmcp.h", version, protocol_version "2025-11-25",
 *   timeout_ms 60000, max_input_rounds 8, grace_ms 2000, max_message 16 MiB,
 *   cache_max_entries 256, cache_max_bytes 1 MiB); its pointers lead to the
 *   client's copies and stay valid until fmcp_client_destroy. NULL c gives a
 *   zeroed descriptor.
 * fmcp_client_destroy
 *   HTTP: stops the GET stream and sends DELETE for the session. stdio: closes
 *   the server's stdin, waits grace_ms for it to exit, then SIGTERM, another
 *   grace_ms, then SIGKILL (Windows: TerminateProcess after grace_ms). Frees
 *   the client. No call may be in progress.
 *
 * Requests
 *   Every request function returns FMCP_OK with *out the whole JSON-RPC
 *   response message (free it with fmcp_json_doc_destroy; fmcp_client_result
 *   gives its "result" member), or FMCP_ERR_RPC with *out holding the error
 *   response (fmcp_client_error_code / _message read it), or another error
 *   with *out = NULL: FMCP_ERR_TIMEOUT (notifications/cancelled was sent),
 *   FMCP_ERR_CANCELLED, FMCP_ERR_CLOSED (the server went away or its session
 *   ended), FMCP_ERR_HTTP (unexpected status), FMCP_ERR_IO, FMCP_ERR_NOMEM.
 *   params_json / args_json are JSON object texts or NULL.
 *   fmcp_client_request is the generic form; ping, the lists, call_tool,
 *   read_resource, get_prompt and set_log_level are thin wrappers.
 *   The list functions follow nextCursor until the end and return one
 *   document {"tools": [...]} (resp. "resources", "resourceTemplates",
 *   "prompts") holding every page's items.
 *
 * fmcp_call_opts (NULL = defaults)
 *   timeout_ms (0 = the client default, negative = none); progress(user,
 *   progress, total, message) gets notifications/progress for this request in
 *   the order the server sent them (total < 0 when absent, message may be
 *   NULL); a nonzero return cancels the request (FMCP_ERR_CANCELLED).
 *   reset_timeout_on_progress restarts the timeout at each progress report.
 * fmcp_client_cancel_all(c, reason)
 *   From any thread: every request in progress ends with FMCP_ERR_CANCELLED
 *   and the server gets notifications/cancelled for each.
 *
 * Server-to-client requests (fmcp_client_request_fn)
 *   handler(user, c, method, params, result) writes the result object into
 *   the writer `result` and returns FMCP_OK; an error return answers with a
 *   JSON-RPC error (-32602 for FMCP_ERR_INVALID_ARG, else -32603). ping is
 *   answered automatically; unknown methods get -32601.
 *
 * Threading rules
 *   With threads, calls on one client may come from several threads at
 *   once. Handlers and callbacks (progress, on_log, on_notification,
 *   server-to-client requests) run on whichever thread is reading. Over
 *   stdio a waiting call reads the stream itself, for every caller (so a
 *   callback may run on another call's thread), and the client's reader
 *   thread reads once no call has waited for a few milliseconds (so a
 *   notification sent just after an answer may take that long). Over HTTP
 *   it is the GET-stream thread or the thread whose call is reading the
 *   answer. They must not make requests on the same client (stdio would
 *   deadlock: the reader is busy running them), and must return quickly.
 *   Without threads (FASTMCP_NO_THREADS) everything runs on the caller's
 *   thread while it waits for an answer; call fmcp_client_pump() to handle
 *   messages that arrive between requests. There is then no GET stream.
 *
 * The stdio transport needs POSIX (fork/exec, pipes, poll): on Windows only
 * HTTP is there for now. Without sockets only the stream transports are
 * available.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_client fmcp_client;

typedef fmcp_result (*fmcp_client_request_fn)(void *user, fmcp_client *c, const char *method,
                                              const fmcp_json *params, fmcp_json_writer *result);
/* Nonzero return: cancel the request. total < 0 when the server sent none. */
typedef int (*fmcp_progress_fn)(void *user, double progress, double total, const char *message);

/* Which protocol era a client speaks (fmcp_client_desc.protocol_era). */
#define FMCP_ERA_AUTO 0     /* probe with server/discover, fall back to initialize */
#define FMCP_ERA_LEGACY 1   /* initialize and sessions only (2024-11-05 ... 2025-11-25) */
#define FMCP_ERA_MODERN 2   /* 2026-07-28 only: no fallback */

/* An application cache store for fmcp_client_desc.cache_store (see "Result
 * cache" above). The client calls it from one thread at a time. */
typedef struct fmcp_client_cache_store {
    /* 1 with the value under key (valid until the store's next call) and its
     * expiry (an fmcp_monotonic_ms() time), 0 when there is none. */
    int (*get)(void *user, const char *key, size_t key_len, const char **value, size_t *value_len,
               int64_t *expires_ms);
    /* Keep a copy of value under key (replacing one there); a store may refuse. */
    fmcp_result (*put)(void *user, const char *key, size_t key_len, const char *value, size_t value_len,
                       int64_t expires_ms);
    /* Drop every entry whose key begins with the prefix. */
    void (*invalidate)(void *user, const char *prefix, size_t prefix_len);
    void *user;
} fmcp_client_cache_store;

typedef struct fmcp_client_desc {
    const char *name, *version, *title;    /* clientInfo */
    const char *protocol_version;          /* legacy era: NULL = "2025-11-25" */
    int protocol_era;                      /* FMCP_ERA_AUTO (0), _LEGACY or _MODERN */
    int max_input_rounds;                  /* 2026-07-28 input_required rounds; 0 = 8 */
    int64_t timeout_ms;                    /* 0 = 60000, < 0 = none */
    fmcp_client_request_fn on_sampling;    /* sampling/createMessage */
    fmcp_client_request_fn on_elicitation; /* elicitation/create */
    fmcp_client_request_fn on_roots;       /* roots/list */
    void *handler_user;
    const char *roots_json;                /* static roots array, or NULL */
    void (*on_log)(void *user, const char *level, const char *logger, const fmcp_json *data);
    void (*on_notification)(void *user, const char *method, const fmcp_json *params);
    void *notify_user;
    const char *bearer_token;              /* HTTP: Authorization: Bearer ... */
    const fmcp_http_header *headers;       /* HTTP: extra headers */
    size_t nheaders;
    int no_get_stream;                     /* HTTP: no stand-alone GET stream */
    const fmcp_http_io *transport;  /* HTTP: I/O layer, e.g. TLS for https:// */
    fmcp_oauth *oauth;                     /* HTTP: OAuth 2.1 tokens (see oauth) */
    int grace_ms;                          /* stdio shutdown grace; 0 = 2000 */
    size_t max_message;                    /* 0 = 16 MiB */
    const fmcp_allocator *alloc;
    int no_cache;                          /* 2026-07-28: no result cache */
    size_t cache_max_entries;              /* memory store: 0 = 256 */
    size_t cache_max_bytes;                /* memory store: keys + values, 0 = 1 MiB */
    const fmcp_client_cache_store *cache_store;   /* NULL = the memory store */
} fmcp_client_desc;

typedef struct fmcp_call_opts {
    int64_t timeout_ms;                    /* 0 = client default, < 0 = none */
    fmcp_progress_fn progress;
    void *progress_user;
    int reset_timeout_on_progress;
} fmcp_call_opts;

/* FASTMCP_NO_PROCESS leaves out the stdio transport (both functions below);
 * with FASTMCP_NO_SOCKETS as well no transport is left, nor the client. */
#if !defined(FASTMCP_NO_PROCESS) || !defined(FASTMCP_NO_SOCKETS)
#if !defined(FASTMCP_NO_PROCESS) || defined(FMCP__WIN32_NO_PROCESS)
FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out);
FASTMCP_API fmcp_result fmcp_client_connect_fd(const fmcp_client_desc *d, int read_fd, int write_fd,
                                               fmcp_client **out);
#endif
#ifndef FASTMCP_NO_SOCKETS
FASTMCP_API fmcp_result fmcp_client_connect_http(const fmcp_client_desc *d, const char *url,
                                                 fmcp_client **out);
#endif
FASTMCP_API void fmcp_client_destroy(fmcp_client *c);
/* The descriptor in use, defaults filled (valid until fmcp_client_destroy). */
FASTMCP_API fmcp_client_desc fmcp_client_query_desc(const fmcp_client *c);

/* The initialize result (serverInfo, capabilities, instructions). */
FASTMCP_API const fmcp_json *fmcp_client_server_info(const fmcp_client *c);
FASTMCP_API const char *fmcp_client_protocol_version(const fmcp_client *c);
/* HTTP session id ("" when none). */
FASTMCP_API const char *fmcp_client_session_id(const fmcp_client *c);
/* 1 when the connection speaks protocol 2026-07-28 (stateless, per-request _meta). */
FASTMCP_API int fmcp_client_is_modern(const fmcp_client *c);

FASTMCP_API fmcp_result fmcp_client_request(fmcp_client *c, const char *method, const char *params_json,
                                            const fmcp_call_opts *opts, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_notify(fmcp_client *c, const char *method, const char *params_json);
FASTMCP_API fmcp_result fmcp_client_ping(fmcp_client *c);
FASTMCP_API fmcp_result fmcp_client_list_tools(fmcp_client *c, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_list_resources(fmcp_client *c, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_list_resource_templates(fmcp_client *c, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_list_prompts(fmcp_client *c, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_call_tool(fmcp_client *c, const char *name, const char *args_json,
                                              const fmcp_call_opts *opts, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_read_resource(fmcp_client *c, const char *uri, fmcp_json_doc **out);
FASTMCP_API fmcp_result fmcp_client_get_prompt(fmcp_client *c, const char *name, const char *args_json,
                                               fmcp_json_doc **out);
/* logging/setLevel ("debug", "info", ... "emergency"). */
FASTMCP_API fmcp_result fmcp_client_set_log_level(fmcp_client *c, const char *level);
FASTMCP_API void fmcp_client_cancel_all(fmcp_client *c, const char *reason);
/* Handle messages that arrive within timeout_ms (needed only without threads). */
FASTMCP_API fmcp_result fmcp_client_pump(fmcp_client *c, int timeout_ms);

/* Members of a response document (NULL / 0 when absent). */
FASTMCP_API const fmcp_json *fmcp_client_result(const fmcp_json_doc *res);
FASTMCP_API int fmcp_client_error_code(const fmcp_json_doc *res);
FASTMCP_API const char *fmcp_client_error_message(const fmcp_json_doc *res);
#endif /* a transport */

#ifdef __cplusplus
}
#endif
