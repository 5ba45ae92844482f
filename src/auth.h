/* ---------------------------------------------------------------------------
 * auth: bearer authentication for the Streamable HTTP transport - JWKS URL
 *       cache, verified-token cache, RFC 6750 challenges, RFC 9728 metadata,
 *       per-item scopes, rate limiting, audit log
 * ---------------------------------------------------------------------------
 *
 * Usage
 *   const char *aud[] = { "mcp-server" }, *req_scopes[] = { "mcp:read" };
 *   fmcp_auth_desc ad = {0};
 *   ad.jwks_url = "http://idp.example/.well-known/jwks.json";   // or keys/key_count
 *   ad.issuer = "https://idp.example";
 *   ad.audiences = aud; ad.audience_count = 1;
 *   ad.required_scopes = req_scopes; ad.required_scope_count = 1;
 *   const char *as[] = { "https://idp.example" };       // advertised in the metadata
 *   ad.authorization_servers = as; ad.authorization_server_count = 1;
 *   ad.loop = loop;                                  // for JWKS fetches
 *   fmcp_auth *a; fmcp_auth_create(&ad, &a);
 *
 *   fmcp_tool_desc t = {0}; t.name = "write"; t.scopes = "mcp:write"; ...
 *   fmcp_server_add_tool(srv, &t);                   // scoped: step-up 403
 *   fmcp_http_endpoint_desc d = {0};
 *   fmcp_auth_attach(a, srv, &d);                    // hook, authorizer, PRM
 *   fmcp_http_endpoint_create(srv, loop, &d, &t);
 *   fmcp_http_run(loop);
 *   fmcp_http_endpoint_destroy(t); fmcp_server_destroy(srv); fmcp_auth_destroy(a);
 *
 *   In a tool: const fmcp_auth_info *who = fmcp_ctx_auth(ctx);
 *   who->subject, client_id, scopes (space separated), expires_at, token (the
 *   raw bearer token), claims_json (all claims), data (custom hook data).
 *
 * fmcp_auth_create(desc, out) / fmcp_auth_destroy(a)
 *   Keys come from desc->keys (PEM, JWK or JWKS texts, as for the jwt
 *   verifier) and/or desc->jwks_url. issuer, audiences, leeway and typ are
 *   the verifier's policy. required_scopes are server-wide: a valid token
 *   without them gets 403 insufficient_scope. Strings are copied. With a
 *   jwks_url the first fetch starts at once when desc->loop is given (else on
 *   the first request). free cancels a running fetch and drops parked
 *   requests (their transport may be gone; the loop releases them). Order:
 *   stop the loop, fmcp_http_endpoint_destroy, fmcp_server_destroy (its call
 *   observer points into the fmcp_auth), fmcp_auth_destroy, fmcp_http_loop_destroy.
 *   Configuration that cannot work fails here, not on the first request,
 *   and *desc->problem (when set) names what to change: no audiences
 *   (FMCP_ERR_INVALID_ARG; a token the same identity provider minted for
 *   another API would pass - set audiences to this server's resource URL, or
 *   allow_any_audience = 1 to opt out; a custom authenticate hook needs
 *   none), an https:// jwks_url or introspection endpoint without its
 *   transport (FMCP_ERR_UNSUPPORTED: build with FASTMCP_WITH_BEARSSL and
 *   pass fmcp_tls_client_io), a
 *   jwks_url that is not http(s)://, keys that give no usable signing key,
 *   an algorithm that is not supported (FMCP_ERR_UNSUPPORTED), no keys,
 *   jwks_url, introspection or hook at all, introspection without client
 *   credentials (see fmcp_introspect_create).
 *   algorithms is the verifier's explicit allow-list (RS256 when empty; also
 *   PS256, ES256, ES384, EdDSA, Ed25519, each bound to its key type: see
 *   fmcp_jwt_verifier_create); a JWKS may mix key types.
 *
 * JWKS URL
 *   A fetched set replaces the static keys, if both were given.
 *   Fetched with fmcp_http_fetch_async (http://, or https:// through
 *   desc->jwks_transport), at most jwks_max_bytes (default 64 KiB) within
 *   jwks_timeout_ms (10 s). The set is kept for jwks_ttl_seconds (default
 *   3600) or the response's Cache-Control max-age clamped to [60, 86400];
 *   the first request after that starts a background refresh and is served
 *   with the old keys (a refresh empties the token cache, see below). A token whose kid is unknown triggers a refetch at
 *   most once per jwks_cooldown_seconds (default 30); meanwhile such tokens
 *   are rejected, so random kids cannot make us hammer the identity
 *   provider. A failed refresh keeps the last good set (retried after the
 *   cooldown). Keys of other types are skipped. Requests that need a fetch
 *   (no key set yet, or an unknown kid that may be fetched) are parked and
 *   resumed when it completes - nothing blocks the loop; if the transport
 *   cannot park requests (FMCP_HTTP_ENDPOINT_AUTH_DEFER absent) they get 503 with
 *   Retry-After instead. At most 1024 requests are parked (503 beyond).
 *
 * Verified-token cache
 *   Valid tokens are remembered by SHA-256 of the token (token_cache_size
 *   entries, default 1024, negative = off) until they expire, so a client
 *   reusing its token costs a lookup, not an RSA verification. Installing a
 *   new key set empties it.
 *
 * Opaque tokens (RFC 7662 introspection)
 *   desc->introspection (see the introspect module) checks tokens at the
 *   authorization server's introspection endpoint; its issuer, audiences,
 *   allow_any_audience, leeway, loop, alloc and problem are taken from this
 *   desc. Without keys or jwks_url every token is introspected; with them
 *   the mode is combined: a token shaped like a JWT is verified as one, any
 *   other is introspected. An active answer gives tools the same caller
 *   view as a JWT (subject, client_id, scopes, expires_at, issuer,
 *   claims_json = the introspection answer), so required and per-item
 *   scopes, audit and session binding work alike. Requests wait (parked,
 *   as for a JWKS fetch) while the endpoint is asked; inactive, expired or
 *   foreign tokens get 401 invalid_token, an endpoint that fails or answers
 *   nonsense gives 503 with Retry-After. Verdicts are cached as the
 *   introspect module describes.
 *
 * Challenges (RFC 6750, MCP authorization 2025-06-18 / 2025-11-25)
 *   The token is read from the Authorization header only (scheme "Bearer",
 *   any case); a query parameter is never used. No token: 401 with
 *   WWW-Authenticate: Bearer resource_metadata="...", scope="..." (no error).
 *   Invalid: 401 error="invalid_token", error_description="<verifier text>".
 *   Valid but lacking required scopes, or calling an item whose scopes it
 *   lacks: 403 error="insufficient_scope", scope="<needed>". Bodies are
 *   {"error":...,"error_description":...} plus "id" when the request's
 *   JSON-RPC id was readable.
 *
 * Protected resource metadata (RFC 9728)
 *   GET /.well-known/oauth-protected-resource and the path-aware form
 *   /.well-known/oauth-protected-resource<mcp path> answer resource,
 *   authorization_servers, scopes_supported, bearer_methods_supported
 *   ["header"], resource_name and resource_documentation when set
 *   (scopes_supported defaults to the required scopes). resource
 *   defaults to http://<Host header><mcp path>. fmcp_auth_attach routes them
 *   through the transport's fallback handler (FMCP_HTTP_ENDPOINT_FALLBACK);
 *   fmcp_auth_handle_request(a, req) answers them on a server of your own
 *   (returns 1 when it answered).
 *
 * Per-item scopes
 *   Items carry scopes (fmcp_tool_desc.scopes, ...). fmcp_auth_attach sets
 *   the server authorizer: items whose scopes the caller lacks are hidden
 *   from lists and refused (JSON-RPC error on stdio). Over HTTP, a
 *   tools/call, resources/read (templates included) or prompts/get naming an
 *   item with scopes on the attached server (fmcp_server_item_scopes) is
 *   refused before dispatch with a 403 step-up challenge naming the needed
 *   scopes. fmcp_auth_item_scopes names scopes for items the server does not
 *   know about (a server of your own); they take precedence.
 *   fmcp_auth_add_tool(a, srv, d) is fmcp_server_add_tool plus
 *   fmcp_auth_item_scopes plus the audit observer (kept for older code).
 *
 * Rate limiting
 *   rate_per_second > 0 enables a token bucket per client (subject, else
 *   client id, else the peer address when unauthenticated) holding burst
 *   tokens (0 = max(1, rate)); an empty bucket answers 429 with Retry-After.
 *   At most 4096 buckets are kept (the least recently used are dropped).
 *
 * Audit log
 *   One JSON object per line, never containing the token, to audit(user,
 *   line, len) (default: stderr; no_audit = 1 turns it off): events
 *   auth_accepted, auth_rejected (reason = the verifier's code name, or
 *   missing_token, insufficient_scope, custom, unavailable), rate_limited,
 *   tool_called (tool, subject, client_id, duration_ms, outcome
 *   ok/error/cancelled), likewise resource_read (resource = the URI) and
 *   prompt_fetched (prompt). Call events cover every item of the server given
 *   to fmcp_auth_attach (or fmcp_auth_add_tool): the engine's call observer
 *   (fmcp_server_set_call_observer), so the callback may run on worker
 *   threads. Setting another observer on that server stops them.
 *
 * Custom authenticate hook (like TypeScript FastMCP's authenticate(request))
 *   desc->authenticate(user, method, path, req, out) replaces bearer checks:
 *   read headers with fmcp_http_req_header; set out->status (401, 403, ...)
 *   with message and optional headers to reject, or leave it 0 and fill the
 *   identity: subject, client_id, scopes, expires_at, session_json (JSON text
 *   tools see as claims_json) and data. Everything is copied when the hook
 *   returns. Rate limiting, item scopes and audit still apply.
 *   A request with a body larger than the transport's preauth_body_bytes
 *   is decided before its body is read, so the hook runs twice for it:
 *   then (the body is empty) and again with the body.
 *
 * DPoP (RFC 9449, the dpop module)
 *   dpop_mode = FMCP_AUTH_DPOP_ALLOWED: "Authorization: DPoP <token>" with a
 *   DPoP proof header is accepted beside Bearer; REQUIRED: only DPoP-bound
 *   tokens with proofs; OFF (0): as before, Bearer only, cnf ignored. The
 *   token is verified as usual, then its binding is read from the verified
 *   claims (cnf.jkt; an introspection answer's cnf works the same way) and
 *   the proof checked by fmcp_dpop_check with policy desc->dpop (allowed
 *   algorithms, default ES256; iat window; jti replay cache; nonces) against
 *   the request method and URL: the origin of desc->resource when set (else
 *   http://<Host>) plus the request path. Refusals are 401 with the error
 *   in a DPoP challenge (RFC 9449 7.1): `WWW-Authenticate: DPoP
 *   algs="ES256", error="invalid_dpop_proof" | "invalid_token" |
 *   "use_dpop_nonce", error_description=..., resource_metadata=...`, and
 *   `DPoP-Nonce: <nonce>` with use_dpop_nonce. A DPoP-bound token sent as
 *   Bearer, a Bearer token when DPoP is required, a DPoP-scheme token
 *   without cnf.jkt, more than one DPoP header: 401 invalid_token /
 *   invalid_dpop_proof. Without a token, ALLOWED answers a Bearer and a DPoP
 *   challenge, REQUIRED a DPoP challenge only (with resource_metadata).
 *   The protected resource metadata then also lists
 *   dpop_signing_alg_values_supported and dpop_bound_access_tokens_required.
 *   Ignored with a custom authenticate hook.
 *
 * fmcp_auth_stats gives counters for tests and metrics. All functions except
 * create/free/stats and the call observer run on the loop thread.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_auth fmcp_auth;

enum { FMCP_AUTH_DPOP_OFF = 0, FMCP_AUTH_DPOP_ALLOWED = 1, FMCP_AUTH_DPOP_REQUIRED = 2 };

typedef struct fmcp_auth_custom_reply {
    int status;                      /* 0 = accept; else reject with this status */
    const char *message;             /* rejection text (error_description) */
    const char *error;               /* rejection error code; NULL = "unauthorized" */
    fmcp_http_header headers[2];     /* extra rejection headers */
    size_t nheaders;
    const char *subject, *client_id; /* identity when accepted */
    const char *scopes;              /* space separated */
    int64_t expires_at;
    const char *session_json;        /* JSON text given to tools as claims_json */
    void *data;                      /* given to tools as auth->data */
} fmcp_auth_custom_reply;

typedef fmcp_result (*fmcp_auth_custom_fn)(void *user, const char *method, const char *path,
                                           const fmcp_http_req *req, fmcp_auth_custom_reply *out);
typedef void (*fmcp_auth_audit_fn)(void *user, const char *line, size_t len);

typedef struct fmcp_auth_desc {
    const char *const *keys;            /* static PEM / JWK / JWKS texts */
    size_t key_count;
    const char *jwks_url;               /* fetched on the loop */
    const fmcp_http_io *jwks_transport; /* for https:// */
    const char *issuer;                 /* NULL = not checked */
    const char *const *audiences;       /* required unless allow_any_audience */
    size_t audience_count;
    int allow_any_audience;             /* nonzero: accept any aud (explicit opt-out) */
    const char *const *required_scopes; /* server-wide */
    size_t required_scope_count;
    long leeway_seconds;                /* as fmcp_jwt_verifier_desc */
    const char *typ;
    const char *const *algorithms;      /* allowed JWS algs; empty = { "RS256" } (as the jwt verifier) */
    size_t algorithm_count;
    int64_t jwks_ttl_seconds;           /* 0 = 3600 */
    int64_t jwks_cooldown_seconds;      /* 0 = 30 */
    size_t jwks_max_bytes;              /* 0 = 65536 */
    int jwks_timeout_ms;                /* 0 = 10000 */
    long token_cache_size;              /* 0 = 1024, < 0 = no cache */
    int dpop_mode;                      /* FMCP_AUTH_DPOP_OFF (0), _ALLOWED or _REQUIRED */
    fmcp_dpop_desc dpop;                /* DPoP proof policy; zero = defaults (alloc: desc->alloc) */
    const fmcp_introspect_desc *introspection; /* opaque tokens (RFC 7662); NULL = off */
    const char *resource;               /* PRM "resource"; NULL = from Host */
    const char *const *authorization_servers;
    size_t authorization_server_count;
    const char *const *scopes_supported;
    size_t scopes_supported_count;
    const char *resource_name;
    const char *resource_documentation;
    double rate_per_second;             /* 0 = no rate limit */
    double burst;                       /* 0 = max(1, rate) */
    fmcp_auth_audit_fn audit;           /* NULL = stderr */
    void *audit_user;
    int no_audit;
    fmcp_auth_custom_fn authenticate;   /* replaces the bearer check */
    void *auth_user;
    fmcp_http_loop *loop;               /* for JWKS fetches (may come later) */
    const fmcp_allocator *alloc;
    const char **problem;               /* optional: set to what to fix when create fails */
} fmcp_auth_desc;

typedef struct fmcp_auth_stats {
    uint64_t verifications;   /* signature verifications run */
    uint64_t cache_hits;      /* requests served from the token cache */
    uint64_t jwks_fetches;    /* fetches started */
    uint64_t jwks_failures;   /* fetches that gave no usable key set */
    uint64_t parked;          /* requests parked waiting for a fetch */
    size_t keys;              /* keys in the current set */
    /* RFC 7662 (from the introspection module; 0 without introspection) */
    uint64_t introspect_fetches;      /* introspection requests sent */
    uint64_t introspect_cache_hits;   /* verdicts served from its cache */
    uint64_t introspect_failures;     /* requests without a usable answer */
    /* RFC 9449, requests with the DPoP scheme on a bound token */
    uint64_t dpop_accepted;           /* proofs that passed */
    uint64_t dpop_rejected;           /* proofs refused, replays included */
    uint64_t dpop_replays;            /* of those, a jti seen before */
} fmcp_auth_stats;

FASTMCP_API fmcp_result fmcp_auth_create(const fmcp_auth_desc *desc, fmcp_auth **out);
FASTMCP_API void fmcp_auth_destroy(fmcp_auth *a);
FASTMCP_API void fmcp_auth_stats_get(fmcp_auth *a, fmcp_auth_stats *out);
/* Authorizer for fmcp_server_set_authorizer (user = NULL or the fmcp_auth). */
FASTMCP_API fmcp_result fmcp_auth_authorize(void *user, const fmcp_auth_info *auth, fmcp_item_kind kind,
                                            const char *name, const char *scopes);
FASTMCP_API fmcp_result fmcp_auth_add_tool(fmcp_auth *a, fmcp_server *srv, const fmcp_tool_desc *d);
FASTMCP_API fmcp_result fmcp_auth_item_scopes(fmcp_auth *a, fmcp_item_kind kind, const char *name,
                                              const char *scopes);

#ifndef FASTMCP_NO_SOCKETS
FASTMCP_API fmcp_result fmcp_auth_attach(fmcp_auth *a, fmcp_server *srv, fmcp_http_endpoint_desc *d);
/* The fmcp_http_auth_fn (user = the fmcp_auth) that fmcp_auth_attach installs. */
FASTMCP_API fmcp_result fmcp_auth_http_hook(void *user, const char *method, const char *path,
                                            const fmcp_http_req *req, fmcp_http_auth_reply *reply);
FASTMCP_API int fmcp_auth_handle_request(fmcp_auth *a, fmcp_http_req *req);
/* Start a JWKS refresh now (FMCP_ERR_STATE without URL or loop). */
FASTMCP_API fmcp_result fmcp_auth_refresh(fmcp_auth *a);
#endif

#ifdef __cplusplus
}
#endif
