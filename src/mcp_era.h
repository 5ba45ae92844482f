/* ---------------------------------------------------------------------------
 * mcp_era: protocol 2026-07-28 in the engine (stateless requests, discovery,
 * multi round-trip input, subscriptions, caching hints)
 * ---------------------------------------------------------------------------
 *
 * The engine is dual-era. A request whose params._meta carries
 * "io.modelcontextprotocol/protocolVersion" (or that a transport marks with
 * fmcp_receive_opts.modern) is served statelessly under 2026-07-28; an
 * `initialize` starts a legacy session (2024-11-05 ... 2025-11-25) exactly as
 * before, and requests inside it are served as before. Both eras can share
 * one transport, one session (stdio) and one server. Nothing here needs a
 * setting: a server written for 0.1 serves modern clients unchanged.
 *
 * What a modern request gets
 *   - _meta checked: protocolVersion and clientCapabilities are required
 *     (-32602 otherwise); a version the server does not speak gives
 *     UnsupportedProtocolVersionError (-32022) with data {supported,
 *     requested}. Capabilities, the log level and clientInfo count for that
 *     request only.
 *   - `server/discover`: supportedVersions (modern first, then the legacy
 *     ones unless desc.modern_only), capabilities (with `extensions`),
 *     instructions, serverInfo in _meta, ttlMs/cacheScope.
 *   - every result carries resultType ("complete" or "input_required") and
 *     _meta["io.modelcontextprotocol/serverInfo"]; tools/list, prompts/list,
 *     resources/list, resources/templates/list, resources/read and
 *     server/discover carry ttlMs (desc.cache_ttl_ms, or the resource's
 *     ttl_ms) and cacheScope: "private" when the answer may depend on the
 *     caller (an identity is attached, an authorizer hook is set, or
 *     desc.cache_private), else "public". Lists keep registration order.
 *   - notifications/message only when the request set
 *     "io.modelcontextprotocol/logLevel", at that level or above.
 *   - removed methods (initialize, ping, logging/setLevel,
 *     resources/subscribe, resources/unsubscribe) and unknown ones: -32601
 *     (an HTTP transport answers 404). resources/read of an unknown URI:
 *     -32602 with data {uri}.
 *   - errors that an HTTP transport must answer with 400 come with
 *     fmcp_send_info.http_status = 400 (404 for -32601).
 *   desc.modern_only = 1 refuses `initialize` with -32022 naming the
 *   supported versions, so a legacy client can tell its user why; the HTTP
 *   transport then also answers GET and DELETE with 405, ignores
 *   Mcp-Session-Id and leaves out the legacy HTTP+SSE endpoints.
 *
 * Asking the client for input: one API for both eras
 *   fmcp_ctx_input(ctx, key, method, params_json, &value)
 *     method is "elicitation/create", "sampling/createMessage" or
 *     "roots/list"; params_json its params object text (NULL = {}); key
 *     names this input within the request. Returns FMCP_OK with *value the
 *     client's result object (valid until the handler returns), or:
 *     - modern era: FMCP_ERR_INPUT_REQUIRED when the client has not answered
 *       yet. The request is recorded; the handler may ask for more inputs,
 *       then returns FMCP_ERR_INPUT_REQUIRED (or any error): the engine
 *       answers InputRequiredResult with every request recorded and a
 *       requestState. When the client retries with inputResponses, the
 *       handler runs again from the start and the same calls now return the
 *       answers, including those of earlier rounds (the engine carries them
 *       in requestState), so a handler reads like straight-line code.
 *     - legacy era: the request is sent to the client and the worker blocks
 *       for the answer (as fmcp_ctx_elicit etc.; FMCP_ERR_STATE in inline
 *       mode, FMCP_ERR_UNSUPPORTED without threads, FMCP_ERR_TIMEOUT after
 *       five minutes, FMCP_ERR_RPC when the client answered with an error).
 *     - FMCP_ERR_UNSUPPORTED when the client did not declare the capability
 *       (modern: the request is then answered with
 *       MissingRequiredClientCapabilityError -32021 if the handler returns
 *       the error); FMCP_ERR_STATE outside tools/call, prompts/get and
 *       resources/read.
 *   A handler written for both eras:
 *       static fmcp_result greet(fmcp_ctx *c, void *u) {
 *           const fmcp_json *r;
 *           fmcp_result rc = fmcp_ctx_input(c, "name", "elicitation/create",
 *               "{\"message\":\"Your name?\",\"requestedSchema\":{\"type\":\"object\","
 *               "\"properties\":{\"name\":{\"type\":\"string\"}}}}", &r);
 *           if (rc != FMCP_OK) return rc;       // modern: the engine asks and we run again
 *           return fmcp_ctx_add_text(c, fmcp_json_get_str(fmcp_json_get(r, "content"), "name", "?"));
 *       }
 *   fmcp_ctx_set_state(ctx, text) / fmcp_ctx_state(ctx): the handler's own
 *   state for the next round (modern era; NULL in the first round and in
 *   the legacy era).
 *   requestState is integrity-protected: HMAC-SHA256 under desc.state_key
 *   (>= 32 bytes; set the same key on every replica behind a load balancer)
 *   or a key from fmcp_random_bytes made when first needed. It binds the
 *   caller's identity (subject, client_id, else the token's hash), the
 *   method, the tool/prompt name or URI and a digest of the arguments, and
 *   expires after desc.state_ttl_ms (10 minutes). Tampered, expired or
 *   foreign state, or inputResponses that are not an object, give -32602
 *   before the handler runs. A response that is not an object counts as
 *   missing (the client is asked again).
 *
 * fmcp_ctx_is_modern(ctx)              1 when the request is 2026-07-28.
 * fmcp_ctx_client_supports(ctx, cap)   "sampling", "elicitation", "roots" or
 *   an extension id such as "io.modelcontextprotocol/tasks": what this
 *   request's client declared (legacy: what initialize declared).
 * fmcp_ctx_require_capability(ctx, cap) FMCP_OK, or FMCP_ERR_UNSUPPORTED
 *   and (modern) the request is answered -32021 with data
 *   {requiredCapabilities: {cap: {}}} when the handler returns.
 *
 * Subscriptions (subscriptions/listen)
 *   A modern client opens a stream with a filter (toolsListChanged,
 *   promptsListChanged, resourcesListChanged, resourceSubscriptions: URIs).
 *   The engine acknowledges (notifications/subscriptions/acknowledged with
 *   the filter it honours) and then delivers, tagged with _meta
 *   "io.modelcontextprotocol/subscriptionId" (the listen request's id), the
 *   list-changed notifications that registration changes cause and
 *   fmcp_server_notify_resource_updated() for subscribed URIs. Several
 *   subscriptions may be open at once. A subscription ends on
 *   notifications/cancelled (stdio), when the transport closes the session
 *   (HTTP: the client closed the stream), or gracefully with
 *   fmcp_server_end_subscriptions(), which sends notifications/cancelled
 *   for each listen request (cancellation.mdx) and then answers it with its
 *   result (subscriptions.mdx); call it before shutting a transport down.
 *
 * fmcp_server_check_headers(srv, message, get, user, msg, cap)
 *   For HTTP transports (the bundled one calls it): checks a modern POST's
 *   Mcp-Method, Mcp-Name, MCP-Protocol-Version and Mcp-Param-* headers
 *   (tool parameters marked "x-mcp-header" in the input schema; values
 *   plain or =?base64?...?=) against the parsed body. get(user, name) returns
 *   a header's value or NULL. FMCP_OK, or FMCP_ERR_PROTOCOL with a message in
 *   msg: answer 400 with HeaderMismatchError (-32020).
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_PROTOCOL_MODERN "2026-07-28"

FASTMCP_API fmcp_result fmcp_ctx_input(fmcp_ctx *c, const char *key, const char *method, const char *params_json,
                                       const fmcp_json **out);
FASTMCP_API const char *fmcp_ctx_state(const fmcp_ctx *c);
FASTMCP_API fmcp_result fmcp_ctx_set_state(fmcp_ctx *c, const char *state);
FASTMCP_API int fmcp_ctx_is_modern(const fmcp_ctx *c);
FASTMCP_API int fmcp_ctx_client_supports(const fmcp_ctx *c, const char *capability);
FASTMCP_API fmcp_result fmcp_ctx_require_capability(fmcp_ctx *c, const char *capability);
FASTMCP_API void fmcp_server_end_subscriptions(fmcp_server *srv);
/* 1 when the server was created with desc.modern_only (transports ask). */
FASTMCP_API int fmcp_server_modern_only(const fmcp_server *srv);

typedef const char *(*fmcp_header_fn)(void *user, const char *name);
FASTMCP_API fmcp_result fmcp_server_check_headers(fmcp_server *srv, const fmcp_json *message, fmcp_header_fn get,
                                                  void *user, char *msg, size_t cap);

#ifdef __cplusplus
}
#endif
