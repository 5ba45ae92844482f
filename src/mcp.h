/* ---------------------------------------------------------------------------
 * mcp: JSON-RPC 2.0 + MCP server engine (transport independent)
 * ---------------------------------------------------------------------------
 *
 * Usage
 *   static fmcp_result add(fmcp_ctx *c, void *user) {
 *       char buf[64];
 *       snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
 *       return fmcp_ctx_add_text(c, buf);
 *   }
 *   fmcp_server_desc sd = {0}; sd.name = "demo"; sd.version = "1.0";
 *   fmcp_server *srv; fmcp_server_create(&sd, &srv);
 *   fmcp_tool_desc t = {0};
 *   t.name = "add"; t.description = "Adds two integers";
 *   t.params = "a:integer, b:integer"; t.handler = add;
 *   fmcp_server_add_tool(srv, &t);
 *   fmcp_server_run_stdio(srv);               // stream module; or an HTTP transport
 *   fmcp_server_destroy(srv);
 *
 * Descriptors are zero-initialised structs; every string in them is copied at
 * registration, so they may live on the stack.
 *
 * fmcp_server_create / fmcp_server_destroy
 *   desc fields: name, title, version, instructions (serverInfo/initialize);
 *   workers (0 = 4 threads, negative = run handlers inline on the transport's
 *   thread; always inline with FASTMCP_NO_THREADS); page_size (list pagination,
 *   0 = everything in one page); protocol_versions (NULL-terminated list, the
 *   first is the one offered when the client asks for an unknown version;
 *   NULL = 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05); alloc; log (a
 *   diagnostics sink for the host - never sent to the client). Destroy only
 *   after every session is closed; it joins the workers.
 *
 * fmcp_server_add_tool / fmcp_server_remove
 *   Tool inputs come from `params`, a compact spec, or `input_schema`, raw JSON
 *   Schema text (object). Spec grammar:
 *       spec  := [ param { "," param } ]
 *       param := name [ "?" ] ":" type          ("?" = optional)
 *       type  := string | integer | number | boolean | object | array
 *              | enum "(" word { "|" word } ")"   (string enum)
 *   e.g. "operation:string, data:object, count?:integer, mode:enum(a|b)".
 *   A schema (input or output) whose $ref is not local gives FMCP_ERR_UNSUPPORTED
 *   (nothing is fetched); a local $ref that does not resolve FMCP_ERR_INVALID_ARG.
 *   Arguments are checked against the input schema (JSON Schema 2020-12,
 *   bounded: see mcp_schema) before the handler runs; a violation gives an isError result for
 *   protocol 2025-11-25 and JSON-RPC -32602 for older ones. Hints are tri-state
 *   ints: 0 unset, 1 true, -1 false. `scopes` (space separated) is passed to
 *   the authorisation hook. Adding or removing after sessions exist sends
 *   notifications/tools/list_changed to every initialised session (likewise
 *   for resources and prompts).
 *   `run_inline` = 1 runs this tool's handler on the thread that received the
 *   call (the stdio reader, the HTTP loop) instead of handing it to the worker
 *   pool and back, which is most of the cost of a small call. Only for
 *   handlers that never block: while one runs, every other message of that
 *   transport waits (pings, cancellations, other calls, and for HTTP every
 *   connection). fmcp_ctx_request() gives FMCP_ERR_STATE there (use
 *   fmcp_ctx_request_async); fmcp_ctx_defer() works as usual.
 *
 * fmcp_server_add_resource / fmcp_server_add_resource_template / add_prompt
 *   A resource has fixed content (`text`, or `blob`+`blob_len`, sent base64) or
 *   a handler. A template has an RFC 6570 level-1 `uri_template` such as
 *   "test://template/{id}/data"; a variable matches one or more characters up
 *   to the next literal (never '/'), percent-decoded; the handler reads it with
 *   fmcp_ctx_var(). A URI whose variable would decode to text holding '/' or
 *   '\\' (%2F, %5C) or to a dot-segment ("." or "..", also %2E%2E) does not
 *   match (resources/read answers "not found"), so a handler that maps a
 *   variable to a file name is never handed a path. Prompts declare arguments (required flags checked before
 *   the handler). `complete` on prompts and templates answers
 *   completion/complete for any of their arguments.
 *
 * fmcp_server_set_authorizer
 *   hook(user, auth, kind, name, scopes) returns FMCP_OK to allow. auth may be
 *   NULL (no identity). Disallowed items are hidden from lists; using one gives
 *   JSON-RPC error FMCP_RPC_FORBIDDEN with send_info.http_status = 403.
 *
 * fmcp_server_set_call_observer
 *   fn(user, ev) runs once for every tools/call, resources/read and
 *   prompts/get that reached its handler (or fixed resource content), when
 *   it finishes, on whichever thread finished it (a worker, the caller of
 *   fmcp_ctx_finish, or the receiving thread). ev carries the kind, name
 *   (tool/prompt name, or the URI read), the caller's identity, the duration
 *   in ms from dispatch to finish and the outcome: OK, ERROR (handler error,
 *   isError result or JSON-RPC error) or CANCELLED. Set it before the server
 *   receives messages; it must not call back into the server. Audit logs
 *   (the auth module) use it.
 *
 * fmcp_server_item_scopes(srv, kind, name, buf, cap)
 *   Copies the scopes the item was registered with into buf ("" when it has
 *   none): FMCP_ERR_NOT_FOUND when no such item, FMCP_ERR_BUFFER_TOO_SMALL
 *   when cap is too small. For FMCP_ITEM_RESOURCE, name is a URI and a
 *   matching resource template counts, as in resources/read. Thread-safe
 *   (takes the registry lock), so a transport can refuse calls to scoped
 *   items before dispatch.
 *
 * Handlers and the context (fmcp_ctx)
 *   A handler returns FMCP_OK after adding results, or an error: tools then
 *   give an isError result with the error text (unless content was added),
 *   other kinds a JSON-RPC error (-32002 for FMCP_ERR_NOT_FOUND on resources,
 *   -32602 for FMCP_ERR_INVALID_ARG, else -32603). fmcp_ctx_error() sends a
 *   specific JSON-RPC error instead. A handler may call fmcp_ctx_defer(),
 *   return, and later call fmcp_ctx_finish(ctx, rc) from any thread: the ctx is
 *   freed by finish. Finish every deferred ctx before fmcp_server_destroy (a
 *   closed session only drops the late answer; the server must still exist).
 *   A ctx is used by one thread at a time.
 *   Content builders: text, image, audio (bytes, base64-encoded here),
 *   resource links, embedded resources (fmcp_ctx_add_resource_text/_blob: in
 *   resources/read these are the contents entries; uri NULL = the requested
 *   URI), structured content (JSON text; a text block carrying it is added when
 *   the tool added no text), isError. In prompt handlers each block is one
 *   message; fmcp_ctx_set_role() picks "user" (default) or "assistant".
 *   fmcp_ctx_progress() sends notifications/progress only when the request had
 *   _meta.progressToken (else FMCP_OK, nothing sent); a value not larger than
 *   the previous one is refused with FMCP_ERR_STATE. fmcp_ctx_log() sends
 *   notifications/message when level >= the session level (logging/setLevel;
 *   default debug). fmcp_ctx_is_cancelled() turns 1 after
 *   notifications/cancelled or session close; the late response is dropped,
 *   and fmcp_ctx_progress()/fmcp_ctx_log() send nothing more and return
 *   FMCP_ERR_CANCELLED (the client has forgotten the progress token).
 *
 * Server-to-client requests (sampling/createMessage, elicitation/create,
 *   roots/list) from inside a handler: fmcp_ctx_request() blocks the worker
 *   until the reply or the timeout (threads only; FMCP_ERR_STATE in inline
 *   mode and in run_inline tools, FMCP_ERR_UNSUPPORTED without threads) and
 *   returns the result object text (free with fmcp_free_text) or FMCP_ERR_RPC
 *   with the error object text;
 *   FMCP_ERR_TIMEOUT, FMCP_ERR_CANCELLED (the call was cancelled) and
 *   FMCP_ERR_CLOSED (the session ended) come without text.
 *   fmcp_ctx_request_async() calls back instead (also without threads);
 *   timeouts of callback requests fire from fmcp_session_expire(), which
 *   transports call periodically. fmcp_ctx_sample/elicit/list_roots check the
 *   client declared the capability (else FMCP_ERR_UNSUPPORTED).
 *
 * Sessions (the transport seam)
 *   A transport creates one fmcp_session per connection / MCP session with a
 *   send callback and passes every incoming message to fmcp_session_receive().
 *   Each outgoing message comes with fmcp_send_info: related_id is the raw id
 *   text of the client request it belongs to (progress, logs from its handler,
 *   server-to-client requests, and its final response - is_response = 1), or
 *   NULL for unrelated messages (list_changed, resources/updated); tag is the
 *   tag given to fmcp_session_receive_ex for the message that caused it.
 *   on_done(user, tag) fires once every request of that receive call has been
 *   answered (immediately when it held only notifications or responses): an
 *   HTTP transport closes that POST's SSE stream then. It does not fire for a
 *   message the receive could not take (FMCP_ERR_NOMEM with nothing sent):
 *   the caller answers that one itself. Sends are serialised
 *   per session; after fmcp_session_destroy() returns no callback runs again.
 *   Callbacks must not call back into the server or session.
 *
 * Threading rules
 *   Registration, notification and session calls are thread-safe. With
 *   workers, tools/call, resources/read, prompts/get and completion/complete
 *   run on the pool; everything else (ping, lists, cancellation, replies to
 *   server-to-client requests) runs on the caller of fmcp_session_receive, so
 *   a slow tool never delays them (tools with run_inline excepted: they run
 *   there too). A call that finds every awake worker busy starts when one of
 *   them finishes or about a millisecond later (an idle worker polls the
 *   queue meanwhile, so bursts of small calls cost no wake-up each). A
 *   transport reading on threads of its own may run a lone call on the thread
 *   that read it while another reads on (fmcp_receive_opts.handoff; the
 *   stream transport does). Without threads all handlers run inline.
 */

#ifdef __cplusplus
extern "C" {
#endif

/* JSON-RPC and MCP error codes. */
#define FMCP_RPC_PARSE_ERROR (-32700)
#define FMCP_RPC_INVALID_REQUEST (-32600)
#define FMCP_RPC_METHOD_NOT_FOUND (-32601)
#define FMCP_RPC_INVALID_PARAMS (-32602)
#define FMCP_RPC_INTERNAL_ERROR (-32603)
#define FMCP_RPC_RESOURCE_NOT_FOUND (-32002)
#define FMCP_RPC_FORBIDDEN (-32003)
/* 2026-07-28 (the -32020..-32099 range belongs to the MCP specification) */
#define FMCP_RPC_HEADER_MISMATCH (-32020)
#define FMCP_RPC_MISSING_CAPABILITY (-32021)
#define FMCP_RPC_UNSUPPORTED_VERSION (-32022)

typedef struct fmcp_server fmcp_server;
typedef struct fmcp_session fmcp_session;
typedef struct fmcp_ctx fmcp_ctx;

typedef enum fmcp_log_level {
    FMCP_LOG_DEBUG = 0, FMCP_LOG_INFO, FMCP_LOG_NOTICE, FMCP_LOG_WARNING,
    FMCP_LOG_ERROR, FMCP_LOG_CRITICAL, FMCP_LOG_ALERT, FMCP_LOG_EMERGENCY
} fmcp_log_level;

typedef enum fmcp_item_kind {
    FMCP_ITEM_TOOL = 0, FMCP_ITEM_RESOURCE, FMCP_ITEM_TEMPLATE, FMCP_ITEM_PROMPT
} fmcp_item_kind;

/* The caller's identity, attached by a transport (copied; `data` is not owned). */
typedef struct fmcp_auth_info {
    const char *subject;
    const char *client_id;
    const char *scopes;       /* space separated */
    int64_t expires_at;       /* Unix seconds, 0 = unknown */
    const char *token;        /* the raw bearer token */
    const char *claims_json;  /* all claims as JSON text */
    void *data;               /* custom session data */
    const char *issuer;       /* the token's "iss"; NULL = unknown */
} fmcp_auth_info;

/* The identity a session is bound to, as 64 hex digits + NUL in out: a
 * SHA-256 over (issuer, subject) when there is a subject, else over
 * (issuer, client_id), else over the token, so a token without "sub" still
 * owns its sessions. Returns 0 (out = "") when auth is NULL or has none of
 * them: such a session is anonymous and open to any caller. The transports
 * compare it on every request that names a session. */
#define FMCP_PRINCIPAL_SIZE 65
FASTMCP_API int fmcp_auth_info_principal(const fmcp_auth_info *auth, char out[FMCP_PRINCIPAL_SIZE]);

typedef fmcp_result (*fmcp_authorize_fn)(void *user, const fmcp_auth_info *auth,
                                         fmcp_item_kind kind, const char *name, const char *scopes);

typedef struct fmcp_server_desc {
    const char *name, *title, *version, *instructions;
    int workers;                          /* 0 = 4, < 0 = inline */
    size_t page_size;                     /* 0 = no pagination */
    const char *const *protocol_versions; /* NULL-terminated, first = preferred */
    const fmcp_allocator *alloc;
    void (*log)(void *user, fmcp_log_level level, const char *message);
    void *log_user;
    /* Protocol 2026-07-28 (see the mcp_era section). */
    int modern_only;                      /* 1: refuse initialize (legacy clients) */
    const unsigned char *state_key;       /* requestState HMAC key, >= 32 bytes; NULL = random */
    size_t state_key_len;
    int64_t state_ttl_ms;                 /* requestState lifetime; 0 = 10 minutes, at most 24 days */
    int64_t cache_ttl_ms;                 /* ttlMs of lists, reads, discover; 0 = 0 (revalidate) */
    int cache_private;                    /* 1: cacheScope "private" always */
    /* Tasks extension (see the mcp_tasks section). */
    int64_t task_ttl_ms;                  /* ttlMs of a task; 0 = 1 hour */
    int64_t task_poll_ms;                 /* pollIntervalMs; 0 = 1000 */
    size_t task_max_count, task_max_bytes; /* in-memory store; 0 = 1000, 16 MiB */
    const struct fmcp_task_store *task_store; /* NULL = in memory */
} fmcp_server_desc;

typedef fmcp_result (*fmcp_handler_fn)(fmcp_ctx *ctx, void *user);
/* Completion: add values with fmcp_ctx_add_completion for argument `arg`. */
typedef fmcp_result (*fmcp_complete_fn)(fmcp_ctx *ctx, const char *arg, const char *value, void *user);

typedef struct fmcp_tool_desc {
    const char *name, *title, *description;
    const char *params;        /* compact spec, or: */
    const char *input_schema;  /* raw JSON Schema text */
    const char *output_schema; /* optional raw JSON Schema text */
    int read_only_hint, destructive_hint, idempotent_hint, open_world_hint; /* 0/1/-1 */
    const char *scopes;
    fmcp_handler_fn handler;
    void *user;
    int run_inline;            /* 1: never blocks, run on the transport's thread */
    int task_support;          /* FMCP_TASK_*: 0 none, 1 optional, 2 required (mcp_tasks) */
} fmcp_tool_desc;

typedef struct fmcp_resource_desc {
    const char *uri, *name, *title, *description, *mime_type;
    const char *text;                   /* fixed text content, or */
    const void *blob; size_t blob_len;  /* fixed binary content, or */
    fmcp_handler_fn handler;            /* handler (fmcp_ctx_uri gives the URI) */
    void *user;
    const char *scopes;
    int64_t ttl_ms;                     /* ttlMs of resources/read; 0 = the server's */
} fmcp_resource_desc;

typedef struct fmcp_template_desc {
    const char *uri_template, *name, *title, *description, *mime_type;
    fmcp_handler_fn handler;
    void *user;
    fmcp_complete_fn complete;
    void *complete_user;
    const char *scopes;
} fmcp_template_desc;

typedef struct fmcp_prompt_arg {
    const char *name, *title, *description;
    int required;
} fmcp_prompt_arg;

typedef struct fmcp_prompt_desc {
    const char *name, *title, *description;
    const fmcp_prompt_arg *args;
    size_t n_args;
    fmcp_handler_fn handler;
    void *user;
    fmcp_complete_fn complete;
    void *complete_user;
    const char *scopes;
} fmcp_prompt_desc;

FASTMCP_API fmcp_result fmcp_server_create(const fmcp_server_desc *desc, fmcp_server **out);
FASTMCP_API void fmcp_server_destroy(fmcp_server *srv);
FASTMCP_API fmcp_result fmcp_server_add_tool(fmcp_server *srv, const fmcp_tool_desc *d);
FASTMCP_API fmcp_result fmcp_server_add_resource(fmcp_server *srv, const fmcp_resource_desc *d);
FASTMCP_API fmcp_result fmcp_server_add_resource_template(fmcp_server *srv, const fmcp_template_desc *d);
FASTMCP_API fmcp_result fmcp_server_add_prompt(fmcp_server *srv, const fmcp_prompt_desc *d);
/* Remove by name (tools, prompts), URI (resources) or URI template. */
FASTMCP_API fmcp_result fmcp_server_remove(fmcp_server *srv, fmcp_item_kind kind, const char *name);
FASTMCP_API void fmcp_server_set_authorizer(fmcp_server *srv, fmcp_authorize_fn fn, void *user);

typedef enum fmcp_call_outcome {
    FMCP_CALL_OK = 0, FMCP_CALL_ERROR, FMCP_CALL_CANCELLED
} fmcp_call_outcome;

typedef struct fmcp_call_event {
    fmcp_item_kind kind;          /* TOOL, RESOURCE (also for templates) or PROMPT */
    const char *name;             /* tool/prompt name, or the URI read */
    const fmcp_auth_info *auth;   /* NULL = no identity */
    int64_t duration_ms;
    fmcp_call_outcome outcome;
    fmcp_result rc;               /* the handler's result */
} fmcp_call_event;

typedef void (*fmcp_call_observer_fn)(void *user, const fmcp_call_event *ev);
FASTMCP_API void fmcp_server_set_call_observer(fmcp_server *srv, fmcp_call_observer_fn fn, void *user);
FASTMCP_API fmcp_result fmcp_server_item_scopes(fmcp_server *srv, fmcp_item_kind kind, const char *name,
                                                char *buf, size_t cap);
/* Send notifications/resources/updated to sessions subscribed to uri. */
FASTMCP_API fmcp_result fmcp_server_notify_resource_updated(fmcp_server *srv, const char *uri);
/* The allocator the server was created with (for transports). */
FASTMCP_API const fmcp_allocator *fmcp_server_allocator(const fmcp_server *srv);
/* Log through the server's diagnostics sink (desc.log). */
FASTMCP_API void fmcp_server_log(fmcp_server *srv, fmcp_log_level level, const char *message);
/* 1 when the server has a diagnostics sink (else transports warn on stderr). */
FASTMCP_API int fmcp_server_has_log(const fmcp_server *srv);

/* ---- sessions ------------------------------------------------------------ */

typedef struct fmcp_send_info {
    const char *related_id;  /* raw JSON text of the related request id, or NULL */
    size_t related_id_len;
    void *tag;               /* tag of the receive that caused it (NULL otherwise) */
    int is_response;         /* 1: final response (or batch of responses) */
    int http_status;         /* suggestion for HTTP transports: 0, 400, 403 or 404 */
} fmcp_send_info;

typedef struct fmcp_session_desc {
    fmcp_result (*send)(void *user, const char *json, size_t len, const fmcp_send_info *info);
    void (*on_done)(void *user, void *tag);
    void *user;
    const fmcp_auth_info *auth;  /* default identity (copied), may be NULL */
} fmcp_session_desc;

FASTMCP_API fmcp_result fmcp_session_create(fmcp_server *srv, const fmcp_session_desc *d, fmcp_session **out);
/* Cancels in-flight requests, fails pending outgoing requests, stops callbacks;
 * the memory goes when the last handler using it finishes. */
FASTMCP_API void fmcp_session_destroy(fmcp_session *s);
/* One message (object or batch). Malformed input is answered, never fatal:
 * the return value is only FMCP_OK, FMCP_ERR_NOMEM or FMCP_ERR_CLOSED. */
FASTMCP_API fmcp_result fmcp_session_receive(fmcp_session *s, const char *json, size_t len);
/* Fail callback-form outgoing requests whose timeout has passed. */
FASTMCP_API void fmcp_session_expire(fmcp_session *s);
/* For stateless transports: the session acts as if the client had sent
 * initialize (protocol `version`, negotiated as usual; no client
 * capabilities) and notifications/initialized, without the messages. */
FASTMCP_API fmcp_result fmcp_session_assume_initialized(fmcp_session *s, const char *version);
/* Negotiated protocol version ("" before initialize). */
FASTMCP_API const char *fmcp_session_protocol_version(const fmcp_session *s);
/* Requests still running (for tests and graceful shutdown). */
FASTMCP_API size_t fmcp_session_in_flight(fmcp_session *s);
/* Send a JSON-RPC error response outside any request (transports use it for
 * input they cannot even parse into a message). id_json: raw id text or NULL. */
FASTMCP_API fmcp_result fmcp_session_reply_error(fmcp_session *s, const char *id_json, int code,
                                                 const char *message);
/* Send a notification (params: JSON object text or NULL). */
FASTMCP_API fmcp_result fmcp_session_notify(fmcp_session *s, const char *method, const char *params_json);

/* ---- handler context ----------------------------------------------------- */

FASTMCP_API const fmcp_json *fmcp_ctx_params(const fmcp_ctx *c);
FASTMCP_API const fmcp_json *fmcp_ctx_args(const fmcp_ctx *c);   /* tool/prompt arguments */
FASTMCP_API const char *fmcp_ctx_arg_str(const fmcp_ctx *c, const char *name, const char *def);
FASTMCP_API int64_t fmcp_ctx_arg_int(const fmcp_ctx *c, const char *name, int64_t def);
FASTMCP_API double fmcp_ctx_arg_double(const fmcp_ctx *c, const char *name, double def);
FASTMCP_API int fmcp_ctx_arg_bool(const fmcp_ctx *c, const char *name, int def);
FASTMCP_API const char *fmcp_ctx_name(const fmcp_ctx *c);       /* tool/prompt name, or URI */
FASTMCP_API const char *fmcp_ctx_uri(const fmcp_ctx *c);        /* resources/read URI */
FASTMCP_API const char *fmcp_ctx_var(const fmcp_ctx *c, const char *name); /* template variable */
FASTMCP_API const char *fmcp_ctx_request_id(const fmcp_ctx *c); /* raw id text */
FASTMCP_API const fmcp_auth_info *fmcp_ctx_auth(const fmcp_ctx *c);
FASTMCP_API fmcp_session *fmcp_ctx_session(const fmcp_ctx *c);
FASTMCP_API int fmcp_ctx_is_cancelled(fmcp_ctx *c);

FASTMCP_API fmcp_result fmcp_ctx_add_text(fmcp_ctx *c, const char *text);
FASTMCP_API fmcp_result fmcp_ctx_add_image(fmcp_ctx *c, const void *data, size_t len, const char *mime);
FASTMCP_API fmcp_result fmcp_ctx_add_audio(fmcp_ctx *c, const void *data, size_t len, const char *mime);
/* Already base64-encoded data, type "image" or "audio". */
FASTMCP_API fmcp_result fmcp_ctx_add_media_b64(fmcp_ctx *c, const char *type, const char *b64, const char *mime);
FASTMCP_API fmcp_result fmcp_ctx_add_resource_link(fmcp_ctx *c, const char *uri, const char *name,
                                                   const char *description, const char *mime);
FASTMCP_API fmcp_result fmcp_ctx_add_resource_text(fmcp_ctx *c, const char *uri, const char *mime, const char *text);
FASTMCP_API fmcp_result fmcp_ctx_add_resource_blob(fmcp_ctx *c, const char *uri, const char *mime,
                                                   const void *data, size_t len);
FASTMCP_API fmcp_result fmcp_ctx_set_structured(fmcp_ctx *c, const char *json, size_t len);
FASTMCP_API void fmcp_ctx_set_error(fmcp_ctx *c, int is_error);
FASTMCP_API void fmcp_ctx_set_role(fmcp_ctx *c, const char *role);          /* prompts */
FASTMCP_API fmcp_result fmcp_ctx_set_description(fmcp_ctx *c, const char *d); /* prompts */
FASTMCP_API fmcp_result fmcp_ctx_add_completion(fmcp_ctx *c, const char *value);
FASTMCP_API void fmcp_ctx_set_completion_total(fmcp_ctx *c, int64_t total, int has_more);
/* Answer with a JSON-RPC error instead of a result. */
FASTMCP_API fmcp_result fmcp_ctx_error(fmcp_ctx *c, int code, const char *message);

/* total <= 0 = unknown; message may be NULL. */
FASTMCP_API fmcp_result fmcp_ctx_progress(fmcp_ctx *c, double progress, double total, const char *message);
FASTMCP_API fmcp_result fmcp_ctx_log(fmcp_ctx *c, fmcp_log_level level, const char *logger, const char *message);

FASTMCP_API void fmcp_ctx_defer(fmcp_ctx *c);
FASTMCP_API void fmcp_ctx_finish(fmcp_ctx *c, fmcp_result rc);

/* Outgoing requests. params_json: object text or NULL. */
typedef void (*fmcp_reply_fn)(void *user, fmcp_result rc, const char *json, size_t len);
FASTMCP_API fmcp_result fmcp_ctx_request(fmcp_ctx *c, const char *method, const char *params_json,
                                         int64_t timeout_ms, char **out, size_t *out_len);
FASTMCP_API fmcp_result fmcp_ctx_request_async(fmcp_ctx *c, const char *method, const char *params_json,
                                               int64_t timeout_ms, fmcp_reply_fn cb, void *user);
FASTMCP_API fmcp_result fmcp_ctx_sample(fmcp_ctx *c, const char *params_json, int64_t timeout_ms,
                                        char **out, size_t *out_len);
FASTMCP_API fmcp_result fmcp_ctx_elicit(fmcp_ctx *c, const char *params_json, int64_t timeout_ms,
                                        char **out, size_t *out_len);
FASTMCP_API fmcp_result fmcp_ctx_list_roots(fmcp_ctx *c, int64_t timeout_ms, char **out, size_t *out_len);
/* The server's allocator: text from fmcp_ctx_request and friends is freed
 * with fmcp_free_text(fmcp_ctx_allocator(c), text, len). */
FASTMCP_API const fmcp_allocator *fmcp_ctx_allocator(const fmcp_ctx *c);

/* ---- transport-author API ------------------------------------------------ */
/* For code that carries messages to and from a session itself (the stream and
 * Streamable HTTP transports are built on these): per-message options, moving
 * a lone handler onto the reading thread, batching pool jobs. Tool, resource
 * and prompt handlers never need them. */

/* Handler jobs held back by a transport (fmcp_receive_opts.defer) and given
 * to the pool in one go by fmcp_server_push_jobs. Zero-initialised = empty. */
typedef struct fmcp_job_list {
    fmcp_ctx *head, *tail;
    int n;
} fmcp_job_list;

typedef struct fmcp_receive_opts {
    void *tag;                   /* echoed in send_info / on_done */
    const fmcp_auth_info *auth;  /* identity for this message; NULL = session default */
    /* Leader/follower, for transports that read on threads of their own: when
     * the message gives exactly one handler for the worker pool, handoff(user)
     * is asked first. Nonzero: the handler runs on this thread before the
     * receive returns, saving the pool's wake-up on the way to the answer;
     * the transport sees to it that the input is still read meanwhile if the
     * handler takes long (the stream transport lets a watcher thread take the
     * reading over). Zero, or NULL: the pool runs it. */
    int (*handoff)(void *handoff_user);
    void *handoff_user;
    /* Batching, for event loops: jobs for the pool are appended here instead
     * of queued; the transport hands them over with fmcp_server_push_jobs
     * once it has read everything ready (one lock and one wake-up for all of
     * them), and must do so before it waits again. NULL = queue at once. */
    fmcp_job_list *defer;
    /* 1: the transport knows the message is of the 2026-07-28 era (an HTTP
     * POST with a modern MCP-Protocol-Version and no session), so a request
     * without the _meta fields is refused, not taken as legacy. */
    int modern;
} fmcp_receive_opts;

FASTMCP_API fmcp_result fmcp_session_receive_ex(fmcp_session *s, const char *json, size_t len,
                                                const fmcp_receive_opts *opts);
/* The same for a message the transport parsed already (to look at it first):
 * takes ownership of doc, which the session frees, also on failure. */
FASTMCP_API fmcp_result fmcp_session_receive_doc(fmcp_session *s, fmcp_json_doc *doc, const fmcp_receive_opts *opts);
/* Queue the jobs collected through fmcp_receive_opts.defer; empties *jobs. */
FASTMCP_API void fmcp_server_push_jobs(fmcp_server *srv, fmcp_job_list *jobs);
/* Run them on the calling thread instead, sharing the pool's queue: they are
 * queued without waking a worker and this thread takes queued jobs until the
 * queue is empty. A job queued behind a slow one is still started by an idle
 * worker within about a millisecond. For transports that read on threads of
 * their own and let another thread read meanwhile (as with handoff). */
FASTMCP_API void fmcp_server_run_jobs(fmcp_server *srv, fmcp_job_list *jobs);

#ifdef __cplusplus
}
#endif
