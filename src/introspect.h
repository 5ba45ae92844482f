/* ---------------------------------------------------------------------------
 * introspect: RFC 7662 token introspection for a resource server - the
 *             verifier for opaque access tokens next to the jwt one, with
 *             client authentication, a bounded verdict cache and
 *             non-blocking fetches on the http loop
 * ---------------------------------------------------------------------------
 *
 * Usually configured through fmcp_auth_desc.introspection (the auth module
 * then fills issuer, audiences and leeway from its own desc and parks HTTP
 * requests while a fetch runs). Standalone:
 *
 *   fmcp_introspect_desc d = {0};
 *   d.endpoint = "http://as.example/token/introspection";
 *   d.client_id = "rs"; d.client_secret = "s3cret";     // client_secret_basic
 *   d.audiences = aud; d.audience_count = 1; d.loop = loop;
 *   fmcp_introspect *in; fmcp_introspect_create(&d, &in);
 *   fmcp_introspect_on_done(in, done, user);             // a fetch finished
 *   fmcp_introspect_verdict v;
 *   fmcp_introspect_check(in, tok, len, 1, &v);
 *   switch (v.state) { ACTIVE: use v.subject...; REJECTED: 401;
 *                      PENDING: wait for done(user, hash); UNAVAILABLE: 503 }
 *
 * fmcp_introspect_create(desc, out) / fmcp_introspect_destroy(in)
 *   Copies the strings. Fails on configuration that cannot work, with
 *   *desc->problem (when set) naming what to change: no endpoint or not
 *   http(s):// (FMCP_ERR_INVALID_ARG), https:// without transport
 *   (FMCP_ERR_UNSUPPORTED: build with FASTMCP_WITH_BEARSSL and pass
 *   fmcp_tls_client_io), no client_id, no client_secret for the secret
 *   methods, no usable private_key for private_key_jwt (FMCP_ERR_BAD_KEY),
 *   no audiences unless allow_any_audience. destroy cancels running fetches
 *   (done is not called for them).
 *
 * Client authentication (RFC 7662 2.1 requires one)
 *   client_secret_basic (default): Authorization: Basic with the
 *     form-encoded id and secret (RFC 6749 2.3.1).
 *   client_secret_post: client_id and client_secret in the body.
 *   private_key_jwt (RFC 7523 2.2): client_assertion signed with
 *     private_key (PEM or JWK; any key type of the jwk module, key_alg or
 *     the key's natural algorithm), iss = sub = client_id, aud =
 *     assertion_audience (default: issuer when set, else the endpoint URL),
 *     a fresh jti, 60 s lifetime, kid = key_id when set.
 *   The request is POST token=...&token_type_hint=access_token, Accept:
 *   application/json; at most max_bytes (default 16 KiB) of answer within
 *   timeout_ms (default 5000).
 *
 * The verdict
 *   A 200 answer must be a JSON object whose "active" is a boolean, else it
 *   is refused (UNAVAILABLE, reason "malformed"; also for other statuses,
 *   network errors, timeouts and oversized answers: the token may be fine,
 *   so such failures are never cached). "active": false is REJECTED
 *   ("inactive"). An active token is still REJECTED when exp has passed
 *   ("expired"), nbf is ahead ("not_yet_valid", both with leeway_seconds),
 *   iss is present and not issuer ("bad_issuer"), or none of its aud
 *   (string or array; absent counts as none) is in audiences
 *   ("bad_audience", unless allow_any_audience). Otherwise ACTIVE with
 *   subject (sub), client_id, scopes (scope, space separated), issuer (iss,
 *   else the configured issuer), expires_at (exp, 0 when absent) and
 *   claims_json (the whole answer, e.g. for cnf). Members of the wrong type
 *   make the answer malformed.
 *
 * Cache
 *   Verdicts are kept by SHA-256 of the token (never the token itself) in
 *   cache_size slots (default 1024, < 0 = off; the entry expiring soonest
 *   makes room). An active verdict lives until exp but never longer than
 *   cache_max_seconds (default 300; revocation shows within that time); a
 *   rejection lives negative_cache_seconds (default 5, < 0 = not cached).
 *
 * fmcp_introspect_check(in, token, len, may_start, out)
 *   On the loop thread. Answers from the cache, or from the fetch that just
 *   finished (inside done), else PENDING when a fetch for this token runs,
 *   else starts one (PENDING) when may_start and a loop is known and fewer
 *   than max_inflight (default 64) fetches run, else UNAVAILABLE. The
 *   verdict's strings are valid until the next call on `in`; copy them.
 *   done(user, token_hash) runs on the loop thread after every fetch; a
 *   check of that token inside it gets the fresh verdict, even with the
 *   cache off. Returns FMCP_ERR_NOMEM (nothing else is an error).
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_introspect fmcp_introspect;

typedef enum fmcp_introspect_client_auth {
    FMCP_INTROSPECT_CLIENT_SECRET_BASIC = 0,
    FMCP_INTROSPECT_CLIENT_SECRET_POST = 1,
    FMCP_INTROSPECT_PRIVATE_KEY_JWT = 2
} fmcp_introspect_client_auth;

typedef struct fmcp_introspect_desc {
    const char *endpoint;                  /* http(s):// introspection endpoint */
    const fmcp_http_io *transport;         /* for https:// */
    const char *client_id;
    const char *client_secret;             /* client_secret_basic / _post */
    fmcp_introspect_client_auth client_auth;
    const char *private_key;               /* private_key_jwt: PEM or JWK text */
    const char *key_alg;                   /* NULL = the key's natural algorithm */
    const char *key_id;                    /* assertion header kid; NULL = none */
    const char *assertion_audience;        /* NULL = issuer, else endpoint */
    const char *issuer;                    /* expected "iss"; NULL = not checked */
    const char *const *audiences;          /* one must be in "aud" */
    size_t audience_count;
    int allow_any_audience;
    long leeway_seconds;                   /* exp/nbf slack */
    long cache_size;                       /* 0 = 1024, < 0 = off */
    int64_t cache_max_seconds;             /* 0 = 300 */
    int64_t negative_cache_seconds;        /* 0 = 5, < 0 = off */
    size_t max_bytes;                      /* 0 = 16384 */
    int timeout_ms;                        /* 0 = 5000 */
    unsigned max_inflight;                 /* 0 = 64 */
    fmcp_http_loop *loop;                  /* may come later: fmcp_introspect_set_loop */
    const fmcp_allocator *alloc;
    const char **problem;                  /* optional: what to fix when create fails */
} fmcp_introspect_desc;

typedef enum fmcp_introspect_state {
    FMCP_INTROSPECT_ACTIVE = 0,
    FMCP_INTROSPECT_REJECTED = 1,
    FMCP_INTROSPECT_PENDING = 2,
    FMCP_INTROSPECT_UNAVAILABLE = 3
} fmcp_introspect_state;

typedef struct fmcp_introspect_verdict {
    fmcp_introspect_state state;
    const char *reason;          /* short code when not ACTIVE (static text) */
    const char *description;     /* human text when not ACTIVE (static text) */
    const char *subject, *client_id, *scopes, *issuer, *claims_json;
    int64_t expires_at;          /* Unix seconds, 0 = none */
} fmcp_introspect_verdict;

typedef struct fmcp_introspect_stats {
    uint64_t fetches;            /* introspection requests sent */
    uint64_t failures;           /* fetches without a usable answer */
    uint64_t cache_hits;         /* verdicts served from the cache (either kind) */
    uint64_t negative_hits;      /* of those, rejections */
} fmcp_introspect_stats;

typedef void (*fmcp_introspect_done_fn)(void *user, const uint8_t token_hash[FMCP_SHA256_SIZE]);

FASTMCP_API fmcp_result fmcp_introspect_create(const fmcp_introspect_desc *desc, fmcp_introspect **out);
FASTMCP_API void fmcp_introspect_destroy(fmcp_introspect *in);
FASTMCP_API void fmcp_introspect_on_done(fmcp_introspect *in, fmcp_introspect_done_fn fn, void *user);
FASTMCP_API fmcp_result fmcp_introspect_check(fmcp_introspect *in, const char *token, size_t len, int may_start,
                                             fmcp_introspect_verdict *out);
FASTMCP_API void fmcp_introspect_stats_get(const fmcp_introspect *in, fmcp_introspect_stats *out);
/* 1 when the token has the shape of a JWS compact JWT (three base64url
 * parts, the first decoding to a JSON object): the combined mode's test. */
FASTMCP_API int fmcp_introspect_looks_jwt(const char *token, size_t len);
/* The loop fetches run on (without sockets nothing is ever fetched). */
FASTMCP_API void fmcp_introspect_set_loop(fmcp_introspect *in, fmcp_http_loop *loop);

#ifdef __cplusplus
}
#endif
