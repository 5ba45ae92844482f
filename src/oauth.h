/* ---------------------------------------------------------------------------
 * oauth: OAuth 2.1 client for MCP servers (MCP authorization 2025-11-25 and
 *        2026-07-28): discovery, client registration, PKCE, loopback
 *        callback, refresh; client credentials, private_key_jwt, JWT bearer
 *        (workload identity), ID-JAG (enterprise-managed), DPoP
 * ---------------------------------------------------------------------------
 *
 * Usage (the MCP client drives it; you only create it)
 *   fmcp_oauth_desc od = {0};                   // file store, browser, DCR
 *   od.client_name = "my tool";
 *   fmcp_oauth *o;
 *   fmcp_oauth_create(&od, "https://api.example.com/mcp", &o);
 *   fmcp_client_desc cd = {0};
 *   cd.oauth = o; cd.transport = tls;          // https needs a TLS layer
 *   fmcp_client_connect_http(&cd, "https://api.example.com/mcp", &c);
 *   ...                                         // 401/403 handled inside
 *   fmcp_client_destroy(c); fmcp_oauth_destroy(o);
 *
 *   Headless (tests, CI, servers that auto-approve): set
 *   od.authorize = fmcp_oauth_authorize_follow; the authorization URL is then
 *   fetched without a browser and its redirect is read directly.
 *
 * fmcp_oauth_create(desc, server_url, &o) / fmcp_oauth_destroy(o)
 *   server_url is the MCP endpoint the tokens are for (its canonical form,
 *   scheme and host lower-cased, no fragment, is the RFC 8707 resource unless
 *   the protected-resource metadata names a covering resource). Strings in
 *   desc are copied. Nothing is fetched yet. free wipes every secret.
 *
 * fmcp_oauth_desc (zeroed = defaults)
 *   client_name: sent in dynamic registration (default "fastmcp.h").
 *   scopes: configured scopes, space separated, used when neither the
 *     challenge nor the metadata name any.
 *   client_id / client_secret: a pre-registered client (no registration);
 *     token_endpoint_auth_method: "none", "client_secret_basic" or
 *     "client_secret_post" for it (NULL = chosen from the server metadata:
 *     basic, then post, when there is a secret, else none).
 *   client_metadata_url: an https URL serving this client's metadata
 *     document; used as client_id when the authorization server advertises
 *     client_id_metadata_document_supported (otherwise registration runs).
 *   additional_client_metadata: a JSON object text merged into the
 *     registration request (its members win over ours).
 *   redirect_uri: NULL = "http://localhost:PORT/callback" with PORT =
 *     callback_port, or (0) the port of the stored registration, else a free
 *     one. callback_timeout_ms: how long to wait for the browser (0 = 300 s).
 *     The loopback server listens on 127.0.0.1 only and ends the wait only
 *     on a GET to the redirect path carrying our state; anything else gets a
 *     404. The redirect names "localhost" (as registered): a browser that
 *     resolves it to ::1 first falls back to 127.0.0.1 after the refused
 *     connection; give redirect_uri "http://127.0.0.1:PORT/..." to avoid it.
 *   open_browser(user, url): shows the authorization URL (default: fork+exec
 *     of xdg-open, or open on macOS; never a shell). headless: print the URL
 *     on stderr instead of opening anything.
 *   authorize(user, url, redirect_uri, callback, cap): replaces browser and
 *     loopback server (not bound at all when redirect_uri is not a loopback
 *     URL): it must write the full redirect it got
 *     (redirect_uri?code=...&state=...) into callback (cap bytes).
 *     fmcp_oauth_authorize_follow is one (user: NULL or a const
 *     fmcp_http_io * for https).
 *   store: where tokens and the registration live (NULL = the file store in
 *     cache_dir, NULL = fmcp_oauth_default_cache_dir(); with
 *     FASTMCP_NO_FILESYSTEM a store must be given, else fmcp_oauth_create fails
 *     with FMCP_ERR_UNSUPPORTED). The object must outlive o.
 *   transport: the TLS layer for https:// metadata/token endpoints.
 *   max_step_up: challenges handled for one request (each a refresh or an
 *     authorisation) before giving up (0 = 3), so a server that keeps
 *     answering 403 costs at most 3 authorisations.
 *   http_timeout_ms: per request to the authorization server (0 = 30 s).
 *   grant: how tokens are obtained. FMCP_OAUTH_GRANT_AUTHORIZATION_CODE
 *     (0): the browser flow above. The others never open a browser and
 *     need a pre-registered client_id (no registration runs):
 *     FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS: OAuth client credentials
 *       (machine to machine, extension io.modelcontextprotocol/oauth-client-
 *       credentials) with client_secret_basic / _post or private_key_jwt.
 *     FMCP_OAUTH_GRANT_JWT_BEARER: workload identity federation: the JWT in
 *       assertion, else $FMCP_OAUTH_ASSERTION, else the contents of
 *       assertion_file or $FMCP_OAUTH_ASSERTION_FILE (read at every token
 *       request, as platforms rotate it; FMCP_ERR_UNSUPPORTED with
 *       FASTMCP_NO_FILESYSTEM), is presented with the RFC 7523 JWT bearer
 *       grant (client_id sent when given); a refusal is final (no retry, no
 *       other grant).
 *     FMCP_OAUTH_GRANT_ID_JAG: enterprise-managed authorization: an RFC
 *       8693 token exchange of idp_id_token at idp_token_endpoint (client
 *       idp_client_id, idp_client_secret as Basic when set) for an ID-JAG
 *       (audience = the authorization server's issuer, resource = the MCP
 *       server), then the RFC 7523 JWT bearer grant with it at the MCP
 *       authorization server, authenticated as client_id.
 *     Scope: the challenge's, else the metadata's, else scopes (no
 *     offline_access). The token is reused until 60 s before it expires,
 *     then a new one is obtained the same way (no refresh token needed).
 *   private_key_pem: PEM private key ("PRIVATE KEY" PKCS#8 or "EC PRIVATE
 *     KEY" P-256, signing ES256; RSA PKCS#1/#8 signing RS256). When set, the
 *     client authenticates with private_key_jwt (RFC 7523 2.2): an assertion
 *     iss = sub = client_id, aud = the issuer, 5 minutes, fresh jti.
 *   dpop: request DPoP-bound tokens (RFC 9449): every token request and
 *     every MCP request carries a proof (typ dpop+jwt, ES256 with a P-256
 *     key made for this object, htm, htu without query, iat, jti; ath on
 *     MCP requests); a token_type "DPoP" answer is then sent as
 *     "Authorization: DPoP ...". A use_dpop_nonce answer from the token
 *     endpoint is retried once with its DPoP-Nonce; the MCP server's nonce
 *     is taken through fmcp_oauth_handle_challenge_ex.
 *
 * Stored JSON (kinds of the fmcp_oauth_store, keyed by server_url)
 *   "tokens": {"access_token", "refresh_token", "token_type", "scope",
 *     "expires_at" (absolute Unix seconds, 0 = unknown), "issuer",
 *     "resource"}; token_type "DPoP" values are not loaded again (the proof
 *     key is not stored).
 *   "client-" + 16 hex digits of SHA-256(issuer): the registration at that
 *     authorization server: {"client_id", "client_secret",
 *     "token_endpoint_auth_method", "redirect_uris" [..], "issuer",
 *     "client_secret_expires_at"}. Registrations are never used with
 *     another issuer (SEP-2352): a server that moves to a new authorization
 *     server gets a new registration there, and the old one is kept for a
 *     move back. "client" holds a copy of the latest (what earlier versions
 *     and tools read); it is read when the issuer's own kind is absent.
 *   After a 401 for a token that was sent, discovery runs again (the
 *   resource's authorization server may have changed).
 *   Values that do not parse or lack their required member, and tokens
 *   outside the RFC 6750 b64token alphabet, are ignored (a fresh
 *   authorisation follows). A refresh token is only sent to the token
 *   endpoint of the issuer stored with it. A registration whose issuer differs from
 *   the discovered one, or whose secret expired, is not used.
 *
 * fmcp_oauth_access_token(o, buf, cap)
 *   Copies the current access token (NUL-terminated) into buf. When it
 *   expires within 60 s and a refresh token exists, it is refreshed first
 *   (rotation kept: a new refresh token replaces the old, else the old one
 *   stays). A refresh the server refuses (4xx, e.g. invalid_grant) or whose
 *   issuer no longer matches drops the stored tokens; a transient failure
 *   (network, timeout, 5xx) keeps them and is returned (or the old token is
 *   used while it is still valid). A DPoP-bound token is copied as it is
 *   (send it with fmcp_oauth_request_headers). Without a refresh
 *   token it is used until it expires. FMCP_ERR_NOT_FOUND: no usable token
 *   (make the request without one and pass the 401 to
 *   fmcp_oauth_handle_challenge). Never runs an interactive authorisation.
 *   Wipe buf after use.
 *
 * fmcp_oauth_handle_challenge(o, status, www_authenticate, attempt)
 *   After a 401 or 403 from the MCP server. www_authenticate is the header
 *   value (NULL when absent); attempt counts the challenges already handled
 *   for this request (0 first). 401: try the refresh token, else discover
 *   and authorise. 403 with error="insufficient_scope": authorise again with
 *   the union of the current and the challenged scopes. FMCP_OK: a new token
 *   is ready, retry the request. FMCP_ERR_FORBIDDEN: a 403 that is not a
 *   scope challenge, or attempt reached max_step_up. Others: discovery or
 *   the authorisation failed (FMCP_ERR_AUTH: refused by the server or the
 *   user; FMCP_ERR_PROTOCOL: metadata unusable, no PKCE S256, resource
 *   mismatch; FMCP_ERR_TIMEOUT: nobody came back to the callback).
 *
 * fmcp_oauth_request_headers(o, method, url, buf, cap)
 *   Like fmcp_oauth_access_token, but writes the header lines to send with
 *   an MCP request ("Authorization: Bearer T\r\n", or with dpop
 *   "Authorization: DPoP T\r\nDPoP: <proof for method and url>\r\n").
 *   FMCP_ERR_NOT_FOUND: no usable token (buf is "").
 *
 * fmcp_oauth_handle_challenge_ex(o, status, www_authenticate, dpop_nonce, attempt)
 *   fmcp_oauth_handle_challenge that also takes the response's DPoP-Nonce
 *   header (NULL when absent): a 401 with error="use_dpop_nonce" then only
 *   stores the nonce for the next proof and returns FMCP_OK (retry). A
 *   DPoP challenge (WWW-Authenticate: DPoP ...) is read like a Bearer one.
 *
 * fmcp_oauth_login(o) / fmcp_oauth_logout(o)
 *   login authorises now (discovery without a challenge: the well-known
 *   protected-resource URLs) unless a usable token is stored. logout removes
 *   the stored tokens and registration of this server.
 *
 * Discovery (what handle_challenge and login do)
 *   Protected-resource metadata (RFC 9728) from the challenge's
 *   resource_metadata URL, else /.well-known/oauth-protected-resource/<path>,
 *   else /.well-known/oauth-protected-resource. Its "resource" must be the
 *   server URL or a path prefix of it on the same origin (else
 *   FMCP_ERR_PROTOCOL, nothing is sent to any authorization server).
 *   Authorization-server metadata (first authorization_servers entry): for an
 *   issuer with a path /p, /.well-known/oauth-authorization-server/p,
 *   /.well-known/openid-configuration/p, /p/.well-known/openid-configuration;
 *   without a path the two root forms. Its "issuer" must be that entry
 *   exactly (RFC 8414 3.3). Its authorization, token and registration
 *   endpoints must be http(s) URLs without fragment or control characters
 *   (else FMCP_ERR_PROTOCOL: they reach a browser). Only a 4xx answer means
 *   "no metadata here"; network errors and 5xx end discovery with an error.
 *   No protected-resource metadata at all (2025-03-26 servers): the server's
 *   origin is the issuer (trailing slashes forgiven), and when it has no
 *   metadata either, /authorize, /token and /register there are used.
 *   PKCE: an authorization server whose code_challenge_methods_supported
 *   lacks "S256", or is absent, is refused (MCP 2025-11-25); only that
 *   2025-03-26 fallback tolerates an absent member and uses S256 anyway.
 *   Scope: the challenge's scope, else the metadata's scopes_supported, else
 *   desc->scopes; "offline_access" is added when the authorization server
 *   lists it; with none of these, no scope parameter is sent.
 *   Client: pre-registered, else client_metadata_url when supported, else
 *   the stored registration, else dynamic registration (RFC 7591).
 *   The authorization request carries response_type=code, client_id,
 *   redirect_uri, state (128 random bits, compared in constant time),
 *   code_challenge (S256 of a fresh 64-character verifier), scope and
 *   resource; the callback checks state and (RFC 9207) iss whenever it is
 *   present, and requires it when the server advertises
 *   authorization_response_iss_parameter_supported. Tokens must be RFC 6750
 *   b64token text (they go into an Authorization header).
 *
 * Helpers (pure, no I/O; used by the flow and exposed for tests and tools)
 *   fmcp_oauth_parse_www_authenticate(header, &ch): finds the first Bearer
 *     or DPoP challenge among one or more (RFC 9110 list of schemes with
 *     auth-params; quoted strings with \-escapes) and fills ch.
 *     FMCP_ERR_NOT_FOUND: neither; FMCP_ERR_PARSE: malformed;
 *     FMCP_ERR_TOO_LARGE: a value does not fit its field.
 *   fmcp_oauth_wellknown_url(kind, url, i, out, cap): the i-th (0-based)
 *     discovery URL for url: kind FMCP_OAUTH_WK_RESOURCE (RFC 9728, url = the
 *     MCP server) or FMCP_OAUTH_WK_AUTH_SERVER (url = the issuer), in the
 *     order above. FMCP_ERR_NOT_FOUND past the last one.
 *   fmcp_oauth_pkce_challenge(verifier, out): BASE64URL(SHA-256(verifier)),
 *     43 characters and a NUL.
 *   fmcp_oauth_select_scope(challenge, resource, configured, as, out, cap):
 *     the scope rule above over space-separated lists (any may be NULL);
 *     out is "" when no scope should be sent.
 *   fmcp_oauth_authorize_follow: the headless authorize hook: GETs the URL,
 *     follows up to 8 redirects that do not lead to redirect_uri, and
 *     returns the first Location that does.
 *
 * Threading: one fmcp_oauth may be used by several threads (one MCP client
 * with its GET stream); calls are serialised by a mutex, so a thread that
 * needs a token waits while another runs the browser flow.
 * Secrets (tokens, verifier, client secret) in our own buffers and fields
 * are wiped before release, and so are the HTTP response bodies that carry
 * them; copies made inside the JSON parser's and writer's internal buffers
 * (parsed token responses, the stored-JSON text while it grows) are freed
 * without wiping. They are never logged; headless mode prints only the
 * authorization URL (checked to be printable http(s)). http://
 * endpoints are accepted as given (local development); use https elsewhere. Needs sockets: without them only the helpers remain.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_oauth fmcp_oauth;

typedef fmcp_result (*fmcp_oauth_open_fn)(void *user, const char *url);
typedef fmcp_result (*fmcp_oauth_authorize_fn)(void *user, const char *authorization_url,
                                               const char *redirect_uri, char *callback, size_t cap);

typedef struct fmcp_oauth_desc {
    const char *client_name;                 /* DCR client_name; NULL = "fastmcp.h" */
    const char *scopes;                      /* configured scopes, space separated */
    const char *client_id;                   /* pre-registered client */
    const char *client_secret;
    const char *token_endpoint_auth_method;  /* for the pre-registered client; NULL = choose */
    const char *client_metadata_url;         /* client ID metadata document URL */
    const char *additional_client_metadata;  /* JSON object merged into DCR */
    const char *redirect_uri;                /* NULL = http://localhost:PORT/callback */
    uint16_t callback_port;                  /* 0 = stored registration's port, else free */
    int callback_timeout_ms;                 /* 0 = 300000 */
    int headless;                            /* print the URL instead of opening a browser */
    fmcp_oauth_open_fn open_browser;         /* NULL = xdg-open / open */
    void *open_browser_user;
    fmcp_oauth_authorize_fn authorize;       /* replaces browser + loopback server */
    void *authorize_user;
    const fmcp_oauth_store *store;           /* NULL = file store in cache_dir */
    const char *cache_dir;                   /* NULL = ~/.fastmcp/oauth-mcp-client-cache */
    const fmcp_http_io *transport;    /* TLS for https:// endpoints */
    int max_step_up;                         /* 0 = 3 */
    int http_timeout_ms;                     /* 0 = 30000 */
    const fmcp_allocator *alloc;
    /* grants without a browser (0 = authorization code) */
    int grant;                               /* FMCP_OAUTH_GRANT_* */
    const char *private_key_pem;             /* private_key_jwt key (ES256 P-256 or RS256) */
    const char *assertion;                   /* JWT_BEARER: the workload's JWT */
    const char *assertion_file;              /* JWT_BEARER: or a file holding it */
    const char *idp_token_endpoint;          /* ID_JAG: the enterprise IdP */
    const char *idp_id_token;
    const char *idp_client_id;
    const char *idp_client_secret;
    int dpop;                                /* DPoP-bound tokens (RFC 9449) */
} fmcp_oauth_desc;

#define FMCP_OAUTH_GRANT_AUTHORIZATION_CODE 0
#define FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS 1
#define FMCP_OAUTH_GRANT_JWT_BEARER 2
#define FMCP_OAUTH_GRANT_ID_JAG 3

typedef struct fmcp_oauth_challenge {
    char error[64];                          /* "" when absent */
    char error_description[256];             /* truncated if longer */
    char scope[1024];
    char resource_metadata[2048];
    char realm[128];                         /* truncated if longer */
} fmcp_oauth_challenge;

#define FMCP_OAUTH_WK_RESOURCE 1
#define FMCP_OAUTH_WK_AUTH_SERVER 2

FASTMCP_API fmcp_result fmcp_oauth_parse_www_authenticate(const char *header, fmcp_oauth_challenge *out);
FASTMCP_API fmcp_result fmcp_oauth_wellknown_url(int kind, const char *url, int i, char *out, size_t cap);
FASTMCP_API fmcp_result fmcp_oauth_pkce_challenge(const char *verifier, char out[44]);
FASTMCP_API fmcp_result fmcp_oauth_select_scope(const char *challenge, const char *resource_scopes,
                                                const char *configured, const char *as_scopes,
                                                char *out, size_t cap);

#ifndef FASTMCP_NO_SOCKETS
FASTMCP_API fmcp_result fmcp_oauth_create(const fmcp_oauth_desc *d, const char *server_url, fmcp_oauth **out);
FASTMCP_API void fmcp_oauth_destroy(fmcp_oauth *o);
FASTMCP_API fmcp_result fmcp_oauth_access_token(fmcp_oauth *o, char *buf, size_t cap);
FASTMCP_API fmcp_result fmcp_oauth_handle_challenge(fmcp_oauth *o, int status, const char *www_authenticate,
                                                    int attempt);
FASTMCP_API fmcp_result fmcp_oauth_request_headers(fmcp_oauth *o, const char *method, const char *url,
                                                  char *buf, size_t cap);
FASTMCP_API fmcp_result fmcp_oauth_handle_challenge_ex(fmcp_oauth *o, int status, const char *www_authenticate,
                                                       const char *dpop_nonce, int attempt);
FASTMCP_API fmcp_result fmcp_oauth_login(fmcp_oauth *o);
FASTMCP_API fmcp_result fmcp_oauth_logout(fmcp_oauth *o);
FASTMCP_API fmcp_result fmcp_oauth_authorize_follow(void *user, const char *authorization_url,
                                                    const char *redirect_uri, char *callback, size_t cap);
#endif

#ifdef __cplusplus
}
#endif
