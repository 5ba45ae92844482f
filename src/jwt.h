/* ---------------------------------------------------------------------------
 * jwt: JSON Web Token verifier (RS256, PS256, ES256, ES384, EdDSA/Ed25519;
 *      claims policy, one verdict) and issuer
 * ---------------------------------------------------------------------------
 *
 * Verifying
 *   const char *keys[] = { jwks_text };              // PEM, JWK or JWKS text
 *   const char *aud[] = { "https://mcp.example/mcp" };
 *   fmcp_jwt_verifier_desc d = {0};                  // defaults: RS256, leeway 60 s
 *   d.keys = keys; d.key_count = 1;
 *   d.audiences = aud; d.audience_count = 1;
 *   fmcp_jwt_verifier *v;
 *   if (fmcp_jwt_verifier_create(&d, &v) != FMCP_OK) ...;
 *
 *   fmcp_jwt_verdict r;
 *   if (fmcp_jwt_verify(v, token, strlen(token), &r) == FMCP_OK)
 *       printf("hello %s\n", r.claims.subject);
 *   else
 *       printf("401: %s (%s)\n", fmcp_jwt_error_name(r.error), r.description);
 *   fmcp_jwt_verdict_destroy(&r);                       // always, also after failure
 *   fmcp_jwt_verifier_destroy(v);
 *
 * Issuing (the equivalent of FastMCP's RSAKeyPair.create_token)
 *   fmcp_jwt_issue_desc t = {0};
 *   t.subject = "alice"; t.issuer = "https://issuer"; t.kid = "k1";
 *   t.audiences = aud; t.audience_count = 1; t.lifetime_seconds = 600;
 *   char *tok; size_t n;
 *   if (fmcp_jwt_issue(&private_key, &t, NULL, &tok, &n) == FMCP_OK) {
 *       use(tok); fmcp_free_text(NULL, tok, n);
 *   }
 *
 * fmcp_jwt_verifier_create(desc, out)
 *   Copies everything it needs from desc (desc may be freed afterwards).
 *   desc->keys holds NUL-terminated key texts: PEM (public, or the public half
 *   of a private key; RSA, EC or Ed25519 as fmcp_jwk_public_from_pem reads
 *   them), one JWK object or a {"keys":[...]} JWKS. Keys are loaded as by
 *   fmcp_jwt_keyset_add. algorithms is the explicit allow-list: "RS256" (the
 *   default when empty), "PS256", "ES256", "ES384", "EdDSA", "Ed25519" (RFC
 *   9864's fully specified name; both take an Ed25519 key). Any other name is
 *   FMCP_ERR_UNSUPPORTED, so "none" and HS256 can never be enabled. A verifier may start without keys (they come
 *   later from a JWKS URL through fmcp_jwt_verifier_set_keys).
 *   audiences are required (FMCP_ERR_INVALID_ARG without them): a token
 *   minted by the same issuer for another API must not pass (RFC 9068 4,
 *   MCP authorization: audience validation). allow_any_audience = 1 is the
 *   explicit opt-out; plain_jws verifiers read no claims and need none.
 *   When creation fails and desc->problem is set, *desc->problem is pointed
 *   at a static sentence saying what to change (no audience, an algorithm
 *   that is not supported, key text that gave no usable key, ...).
 *   leeway_seconds: 0 means 60, a negative value means no leeway; at most one
 *   day. max_token_size: 0 means 8192 bytes. typ, when set (e.g. "at+jwt"),
 *   requires the header "typ" to equal it, case-insensitively, with an
 *   optional "application/" prefix on either side (RFC 7515 4.1.9, RFC 9068).
 *
 * fmcp_jwt_verify(v, token, len, out)
 *   The whole check, in this order: size; three base64url segments (strict:
 *   no padding, no stray bits, no whitespace; five segments = JWE, refused);
 *   header (JSON object, no duplicate names; "alg" present and allowed - "none"
 *   and HS* always refused; "crit" refused as we implement no extension;
 *   "cty":"JWT" (nested token) refused; optional "typ"); key selection by
 *   "kid" ("jku", "jwk", "x5u", "x5c" are never used) among the keys that fit
 *   the token's alg; the signature (fmcp_jws_verify: RSA of exactly the
 *   modulus length, ECDSA raw r||s of exactly twice the curve size - DER
 *   refused - with r and s in [1, n-1], Ed25519 strict); then, only for an authentic
 *   token, the claims (JSON object, no duplicate names) and the policy: exp
 *   (required unless exp_optional), nbf, iat, iss, aud, required scopes.
 *   Returns FMCP_OK with out->claims filled; otherwise out->error and
 *   out->description tell why and out->claims is all zero (never "decoded but
 *   invalid"). The result is FMCP_ERR_FORBIDDEN for insufficient_scope (an
 *   HTTP 403), FMCP_ERR_NOMEM when memory ran out, else FMCP_ERR_AUTH.
 *   Always call fmcp_jwt_verdict_destroy. Safe to call from many threads at once,
 *   also while another thread replaces the keys.
 *
 *   plain_jws: verify a JWS whose payload is not a JWT claims set: every
 *   header and signature check runs, then claims.raw/raw_len give the payload
 *   and no claim is read or checked (claims.root is NULL). Not for tokens.
 *
 *   Key selection: only keys that fit the token's alg are candidates
 *   (fmcp_jwk_alg_fits: ES256 needs a P-256 key, ES384 a P-384 key, RS256
 *   and PS256 an RSA key, EdDSA and Ed25519 an Ed25519 key; a key whose JWK
 *   names an alg fits that alg only, so an RS256 key never checks PS256). A
 *   token "kid" picks the candidate with that kid. A token without kid is
 *   accepted only when exactly one key of the set fits its alg. A kid that
 *   matches nothing may still use the set's only key when that key has no
 *   kid itself (a PEM key: the caller chose exactly one trust anchor);
 *   otherwise the verdict is unknown_kid.
 *
 *   Times (exp, nbf, iat) must be JSON numbers between 0 and 253402300799
 *   (year 9999); strings, negative or larger values are malformed. Fractions
 *   are allowed (RFC 7519 NumericDate) and rounded to the safe side: exp down,
 *   nbf and iat up. With leeway L and now T: expired when T >= exp + L; not yet
 *   valid when T < nbf - L; issued in the future when iat > T + L.
 *   iss must match one of the issuers exactly (when any are configured); aud
 *   (a string or an array of strings) must contain one of the audiences;
 *   scopes come from "scope" (space separated) or, when that is absent, from
 *   "scp" (string or array of strings); every required scope must be there.
 *   An "scp" array is taken item by item: an item that is empty or holds
 *   whitespace or a control character is not a scope-token (RFC 6749 3.3)
 *   and is skipped - ["read admin"] grants neither read nor admin.
 *
 * fmcp_jwt_verdict / fmcp_jwt_claims
 *   On success the claims view points into memory owned by the verdict (valid
 *   until fmcp_jwt_verdict_destroy): subject ("sub"), client_id ("client_id",
 *   else "azp", else "sub"), issuer, audiences, scopes, expires_at / not_before
 *   / issued_at (0 and has_* = 0 when absent), the decoded payload text (raw)
 *   and the parsed claims document (root) for anything else.
 *   description is a short static English text without quotes, backslashes or
 *   control characters, safe inside a WWW-Authenticate error_description.
 *   fmcp_jwt_error_name() gives the stable snake_case name of a code.
 *
 * Key sets (the seam for JWKS URLs)
 *   fmcp_jwt_keyset_create / _add (text) / _add_key (a parsed key) build a set;
 *   fmcp_jwt_verifier_set_keys(v, ks) installs it atomically and takes
 *   ownership: verifications running on the old set finish with it and the
 *   old set is freed by whoever releases it last. Do not touch ks afterwards.
 *   fmcp_jwt_keyset_destroy releases a set that was never installed.
 *   In JWK/JWKS text, keys are skipped (counted by fmcp_jwt_keyset_skipped,
 *   never fatal, so one odd key in a provider's JWKS does not take the others
 *   down) when fmcp_jwk_public_from_json refuses them (kty other than RSA, EC,
 *   OKP; a curve other than P-256, P-384, Ed25519; an "alg" that is unknown
 *   or of another key type; bad members; the RSA key policy), "use" is
 *   present and not "sig", "key_ops" is present without "verify", or the kid
 *   is not a string of at most FMCP_JWK_KID_MAX bytes. _add fails with
 *   FMCP_ERR_BAD_KEY when the text gave no usable key.
 *
 * fmcp_jwt_issue(key, desc, alloc, out, out_len)
 * fmcp_jwt_issue_key(key, desc, alloc, out, out_len)
 *   fmcp_jwt_issue signs with an RSA key (RS256, or PS256 when desc->alg
 *   says so); fmcp_jwt_issue_key with a key of any type, the algorithm being
 *   desc->alg, else the key's own alg, else RS256 (RSA), ES256/ES384 (by
 *   curve) or EdDSA (Ed25519). An alg that is unknown is FMCP_ERR_UNSUPPORTED,
 *   one that does not fit the key FMCP_ERR_BAD_KEY.
 *   The token has header {"alg":ALG,"typ":"JWT"[,"kid"]} and
 *   claims iss, sub, aud (a string for one audience, an array for several),
 *   scope (the scopes joined by spaces), iat (now) and exp (now + lifetime;
 *   lifetime_seconds 0 means 3600 and may be negative to make expired tokens
 *   for tests). NULL fields are left out. claims_json, a JSON object, adds
 *   members and overrides the defaults of the same name. *out is a
 *   NUL-terminated token of *out_len characters; free it with
 *   fmcp_free_text(alloc, out, out_len). FMCP_ERR_PARSE when claims_json
 *   is not a JSON object (or repeats a name), FMCP_ERR_INVALID_ARG for a scope
 *   that is empty or contains a space.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fmcp_jwt_error {
    FMCP_JWT_OK = 0,
    FMCP_JWT_MALFORMED = 1,          /* not a well-formed JWS compact JWT */
    FMCP_JWT_TOO_LARGE = 2,          /* larger than max_token_size */
    FMCP_JWT_ALG_NOT_ALLOWED = 3,    /* alg missing, none, HS*, or not allowed */
    FMCP_JWT_UNSUPPORTED_CRIT = 4,   /* header lists critical extensions */
    FMCP_JWT_BAD_TYP = 5,            /* typ does not match the configured one */
    FMCP_JWT_UNKNOWN_KID = 6,        /* no key for this token */
    FMCP_JWT_BAD_SIGNATURE = 7,      /* signature invalid */
    FMCP_JWT_EXPIRED = 8,
    FMCP_JWT_NOT_YET_VALID = 9,
    FMCP_JWT_ISSUED_IN_FUTURE = 10,
    FMCP_JWT_MISSING_EXP = 11,
    FMCP_JWT_BAD_ISSUER = 12,
    FMCP_JWT_BAD_AUDIENCE = 13,
    FMCP_JWT_INSUFFICIENT_SCOPE = 14,
    FMCP_JWT_INTERNAL = 15           /* out of memory or bad arguments */
} fmcp_jwt_error;

#define FMCP_JWT_DEFAULT_LEEWAY 60
#define FMCP_JWT_DEFAULT_MAX_SIZE 8192
#define FMCP_JWT_MAX_LEEWAY 86400

typedef struct fmcp_jwt_verifier fmcp_jwt_verifier;
typedef struct fmcp_jwt_keyset fmcp_jwt_keyset;

typedef struct fmcp_jwt_verifier_desc {
    const char *const *keys;            /* PEM / JWK / JWKS texts, NUL-terminated */
    size_t key_count;
    const char *const *algorithms;      /* empty = { "RS256" }; see fmcp_jws_alg_from_name */
    size_t algorithm_count;
    const char *const *issuers;         /* empty = iss not checked */
    size_t issuer_count;
    const char *const *audiences;       /* required unless allow_any_audience (or plain_jws) */
    size_t audience_count;
    int allow_any_audience;             /* nonzero: no audiences, aud not checked (opt-out) */
    const char *const *required_scopes; /* all must be granted */
    size_t required_scope_count;
    long leeway_seconds;                /* 0 = 60; negative = none */
    int exp_optional;                   /* nonzero: a token without exp is accepted */
    size_t max_token_size;              /* 0 = 8192 */
    const char *typ;                    /* NULL = any; e.g. "at+jwt" */
    int plain_jws;                      /* nonzero: payload is opaque bytes (see below) */
    const fmcp_allocator *alloc;        /* NULL = default */
    const char **problem;               /* optional: set to what to fix when create fails */
} fmcp_jwt_verifier_desc;

typedef struct fmcp_jwt_claims {
    const char *subject;             /* NULL when absent */
    const char *client_id;           /* client_id, else azp, else sub; may be NULL */
    const char *issuer;              /* NULL when absent */
    const char *const *audiences;    /* aud as a list (a string gives one item) */
    size_t audience_count;
    const char *const *scopes;       /* granted scopes */
    size_t scope_count;
    int64_t expires_at, not_before, issued_at;
    int has_exp, has_nbf, has_iat;
    const char *raw;                 /* decoded payload (NUL-terminated) */
    size_t raw_len;
    const fmcp_json *root;           /* parsed claims object */
} fmcp_jwt_claims;

typedef struct fmcp_jwt_verdict {
    fmcp_jwt_error error;            /* FMCP_JWT_OK on success */
    const char *description;         /* static, header-safe text */
    fmcp_jwt_claims claims;          /* zero unless error == FMCP_JWT_OK */
    /* private */
    fmcp_json_doc *doc_;
    char *payload_;
    size_t payload_size_;
    void *lists_;
    size_t lists_size_;
    const fmcp_allocator *alloc_;
} fmcp_jwt_verdict;

FASTMCP_API fmcp_result fmcp_jwt_verifier_create(const fmcp_jwt_verifier_desc *desc,
                                                 fmcp_jwt_verifier **out);
FASTMCP_API void fmcp_jwt_verifier_destroy(fmcp_jwt_verifier *v);
FASTMCP_API fmcp_result fmcp_jwt_verify(const fmcp_jwt_verifier *v, const char *token, size_t len,
                                        fmcp_jwt_verdict *out);
FASTMCP_API void fmcp_jwt_verdict_destroy(fmcp_jwt_verdict *r);
/* Stable snake_case name ("expired", "bad_signature", ...) of an error code. */
FASTMCP_API const char *fmcp_jwt_error_name(fmcp_jwt_error e);

FASTMCP_API fmcp_result fmcp_jwt_keyset_create(const fmcp_allocator *alloc, fmcp_jwt_keyset **out);
FASTMCP_API fmcp_result fmcp_jwt_keyset_add(fmcp_jwt_keyset *ks, const char *text, size_t len);
/* Add one parsed key; kid may be NULL (a key without kid). */
FASTMCP_API fmcp_result fmcp_jwt_keyset_add_key(fmcp_jwt_keyset *ks, const fmcp_rsa_public_key *key,
                                                const char *kid);
/* The same for a key of any type (RSA, EC, Ed25519); key->alg binds it. */
FASTMCP_API fmcp_result fmcp_jwt_keyset_add_public(fmcp_jwt_keyset *ks, const fmcp_jwk_public_key *key,
                                                   const char *kid);
FASTMCP_API size_t fmcp_jwt_keyset_count(const fmcp_jwt_keyset *ks);
FASTMCP_API size_t fmcp_jwt_keyset_skipped(const fmcp_jwt_keyset *ks);
FASTMCP_API void fmcp_jwt_keyset_destroy(fmcp_jwt_keyset *ks);
FASTMCP_API void fmcp_jwt_verifier_set_keys(fmcp_jwt_verifier *v, fmcp_jwt_keyset *ks);

typedef struct fmcp_jwt_issue_desc {
    const char *subject;             /* "sub"; NULL = omitted */
    const char *issuer;              /* "iss"; NULL = omitted */
    const char *const *audiences;    /* one = string, several = array */
    size_t audience_count;
    const char *const *scopes;       /* joined into "scope"; none = omitted */
    size_t scope_count;
    int64_t lifetime_seconds;        /* 0 = 3600; negative allowed (expired) */
    const char *claims_json;         /* NULL or a JSON object; overrides defaults */
    const char *kid;                 /* header kid; NULL = omitted */
    const char *alg;                 /* NULL = the key's natural algorithm (see below) */
} fmcp_jwt_issue_desc;

FASTMCP_API fmcp_result fmcp_jwt_issue(const fmcp_rsa_private_key *key, const fmcp_jwt_issue_desc *desc,
                                       const fmcp_allocator *alloc, char **out, size_t *out_len);
FASTMCP_API fmcp_result fmcp_jwt_issue_key(const fmcp_jwk_private_key *key, const fmcp_jwt_issue_desc *desc,
                                           const fmcp_allocator *alloc, char **out, size_t *out_len);

#ifdef __cplusplus
}
#endif
