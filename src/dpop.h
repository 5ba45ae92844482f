/* ---------------------------------------------------------------------------
 * dpop: RFC 9449 DPoP proof checking for a resource server - proof JWS with
 *       an embedded public jwk, htm/htu/iat/ath checks, key binding to the
 *       token's cnf.jkt, a bounded jti replay cache, server nonces
 * ---------------------------------------------------------------------------
 *
 *   fmcp_dpop_desc dd = {0};                  // ES256, 60 s / 5 s, 4096 jtis
 *   fmcp_dpop *d; fmcp_dpop_create(&dd, &d);
 *   fmcp_dpop_request r = {0};
 *   r.proof = <DPoP header>; r.proof_len = strlen(r.proof);
 *   r.method = "POST"; r.url = "https://mcp.example/mcp";
 *   r.token = <access token>; r.token_len = ...;
 *   r.jkt = <cnf.jkt of the verified token>;   // fmcp_dpop_jkt_from_claims
 *   fmcp_dpop_verdict v;
 *   if (fmcp_dpop_check(d, &r, &v) != FMCP_OK) -> 401, WWW-Authenticate from
 *       fmcp_dpop_challenge(d, v.code, v.description, ...), plus a DPoP-Nonce
 *       header (fmcp_dpop_nonce) when v.error == FMCP_DPOP_NONCE
 *   fmcp_dpop_destroy(d);
 *
 * The auth module wires this in (fmcp_auth_desc.dpop_mode); use it directly
 * with a token verifier of your own: whatever verified the token (a JWT's
 * claims, an RFC 7662 introspection answer) gives the cnf.jkt it is bound to.
 *
 * fmcp_dpop_check(d, req, verdict)
 *   FMCP_OK when the proof is valid for this request and (when req->jkt is
 *   set) made with the key the token is bound to; FMCP_ERR_AUTH otherwise,
 *   verdict->error saying which check failed, verdict->code the RFC 9449 7.1
 *   error ("invalid_dpop_proof"; "invalid_token" for a key that does not
 *   match cnf.jkt; "use_dpop_nonce" for a missing or stale nonce) and
 *   verdict->description a static text. FMCP_ERR_NOMEM/FMCP_ERR_RANDOM pass
 *   through. Checks, in order (RFC 9449 4.3):
 *   - one compact JWS of at most max_proof_bytes (default 8192);
 *   - header: typ exactly "dpop+jwt"; alg in the allow-list (ES256 when
 *     empty; any of RS256, PS256, ES256, ES384, EdDSA, Ed25519 may be
 *     listed); jwk a public key that fits alg (no "d", "p", "q", "dp", "dq",
 *     "qi", "oth" or "k" member: a private key in a proof means the client
 *     leaks it, refused); no "crit";
 *   - the signature verifies with that jwk;
 *   - payload: jti a string of 1-256 characters, htm equal to req->method
 *     (case-sensitive), htu equal to req->url after fmcp_dpop_htu_normalize
 *     on both sides, iat an integer within [now - iat_past_seconds, now +
 *     iat_future_seconds] (defaults 60 and 5: proofs are made just before
 *     the request; the small future allowance covers clock skew);
 *   - ath equal to base64url(SHA-256(req->token)) when a token is given
 *     (constant-time compare);
 *   - when use_nonce: nonce equal to the current or previous server nonce;
 *   - the RFC 7638 thumbprint of the jwk equal to req->jkt when set;
 *   - jti not seen before: the (jkt, jti) pair is remembered until every
 *     proof with that iat is too old anyway (now + past + future seconds),
 *     at most replay_cache_size pairs (default 4096). Only proofs that
 *     passed every other check are recorded, so only holders of a bound key
 *     can fill the cache; when it is full of live entries a proof is refused
 *     (fail closed) rather than a remembered jti forgotten.
 *   verdict->jkt is the proof key's thumbprint once the signature verified.
 *   Not thread-safe: call from one thread (the auth module: the loop thread).
 *
 * fmcp_dpop_nonce(d, out)
 *   The current server nonce (22 base64url characters of 16 random bytes),
 *   rotated every nonce_lifetime_seconds (default 300); a proof may carry the
 *   current or the previous one. FMCP_ERR_RANDOM when randomness fails.
 *
 * fmcp_dpop_htu_normalize(url, out, cap, len)
 *   scheme and host lowercase, the default port (80 for http, 443 for https)
 *   and an empty port dropped, an empty path made "/", query and fragment
 *   removed, percent escapes of unreserved characters decoded and the others'
 *   hex digits made uppercase (RFC 3986 6.2.2 and 6.2.3; dot segments are
 *   not removed). Only http and https URLs with a host; no userinfo.
 *   FMCP_ERR_PARSE otherwise, FMCP_ERR_BUFFER_TOO_SMALL when cap < *len + 1.
 *
 * fmcp_dpop_jkt_from_claims(json, len, out)
 *   cnf.jkt of a JWT claims set or an introspection answer (a 43-character
 *   base64url string); FMCP_ERR_NOT_FOUND when the token is not DPoP-bound
 *   (no cnf.jkt), FMCP_ERR_PARSE when cnf.jkt is malformed (fail closed).
 *
 * fmcp_dpop_challenge(d, error, description, extra, out, cap)
 *   The WWW-Authenticate value `DPoP algs="ES256"[, error="...",
 *   error_description="..."][, extra]` (extra: more auth-params, already
 *   formatted, such as resource_metadata; may be NULL). Truncation never
 *   cuts a parameter: one that does not fit is left out.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_dpop fmcp_dpop;

#define FMCP_DPOP_NONCE_LEN 22

typedef enum fmcp_dpop_error {
    FMCP_DPOP_OK = 0,
    FMCP_DPOP_MISSING,      /* no proof */
    FMCP_DPOP_MALFORMED,    /* not a compact JWS, bad JSON, missing claims */
    FMCP_DPOP_TYP,          /* typ is not dpop+jwt */
    FMCP_DPOP_ALG,          /* alg not allowed */
    FMCP_DPOP_JWK,          /* jwk absent, private, unusable or not fitting alg */
    FMCP_DPOP_SIGNATURE,    /* signature does not verify */
    FMCP_DPOP_HTM,          /* method mismatch */
    FMCP_DPOP_HTU,          /* URL mismatch */
    FMCP_DPOP_IAT,          /* iat outside the window */
    FMCP_DPOP_ATH,          /* access token hash mismatch or missing */
    FMCP_DPOP_NONCE,        /* nonce missing or stale (use_dpop_nonce) */
    FMCP_DPOP_JKT,          /* proof key is not the key the token is bound to */
    FMCP_DPOP_REPLAY,       /* jti seen before, or the replay cache is full */
    FMCP_DPOP_UNBOUND       /* DPoP scheme with a token that has no cnf.jkt */
} fmcp_dpop_error;

typedef struct fmcp_dpop_desc {
    const char *const *algorithms;  /* allowed proof algs; empty = { "ES256" } */
    size_t algorithm_count;
    long iat_past_seconds;          /* 0 = 60 */
    long iat_future_seconds;        /* 0 = 5; < 0 = none */
    size_t replay_cache_size;       /* 0 = 4096 jtis */
    int use_nonce;                  /* nonzero: proofs must carry a server nonce */
    long nonce_lifetime_seconds;    /* 0 = 300 */
    size_t max_proof_bytes;         /* 0 = 8192 */
    const fmcp_allocator *alloc;
} fmcp_dpop_desc;

typedef struct fmcp_dpop_request {
    const char *proof;              /* the DPoP header value; NULL = none */
    size_t proof_len;
    const char *method;             /* the request method */
    const char *url;                /* the request URL (normalised here) */
    const char *token;              /* the access token; NULL = no ath check */
    size_t token_len;
    const char *jkt;                /* cnf.jkt the token is bound to; NULL = no binding check */
} fmcp_dpop_request;

typedef struct fmcp_dpop_verdict {
    fmcp_dpop_error error;
    const char *code;               /* RFC 9449 error code; NULL when valid */
    const char *description;        /* static text */
    char jkt[FMCP_JWK_THUMBPRINT_LEN + 1]; /* proof key thumbprint ("" before the signature check) */
} fmcp_dpop_verdict;

FASTMCP_API fmcp_result fmcp_dpop_create(const fmcp_dpop_desc *desc, fmcp_dpop **out);
FASTMCP_API void fmcp_dpop_destroy(fmcp_dpop *d);
FASTMCP_API fmcp_result fmcp_dpop_check(fmcp_dpop *d, const fmcp_dpop_request *req, fmcp_dpop_verdict *out);
FASTMCP_API fmcp_result fmcp_dpop_nonce(fmcp_dpop *d, char out[FMCP_DPOP_NONCE_LEN + 1]);
FASTMCP_API int fmcp_dpop_uses_nonce(const fmcp_dpop *d);
/* The i-th allowed proof algorithm; FMCP_JWS_NONE past the end. */
FASTMCP_API fmcp_jws_alg fmcp_dpop_alg_at(const fmcp_dpop *d, size_t i);
/* "missing", "malformed", "typ", ... prefixed "dpop_" (audit reasons). */
FASTMCP_API const char *fmcp_dpop_error_name(fmcp_dpop_error e);
FASTMCP_API fmcp_result fmcp_dpop_htu_normalize(const char *url, char *out, size_t cap, size_t *len);
FASTMCP_API fmcp_result fmcp_dpop_jkt_from_claims(const char *json, size_t len, const fmcp_allocator *alloc,
                                                  char out[FMCP_JWK_THUMBPRINT_LEN + 1]);
FASTMCP_API void fmcp_dpop_challenge(const fmcp_dpop *d, const char *error, const char *description,
                                     const char *extra, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
