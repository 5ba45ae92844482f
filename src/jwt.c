/* jwt: implementation */
#include "base.h"
#include "json.h"
#include "b64.h"
#include "sha256.h"
#include "rsa.h"
#include "rsakey.h"
#include "ec.h"
#include "jwk.h"
#include "jwt.h"

#include <string.h>

/* Upper bound for NumericDate values: 9999-12-31T23:59:59Z. Keeps every
 * comparison with the leeway far from int64 overflow. */
#define FMCP__JWT_MAX_TIME 253402300799LL

/* ---- key sets ------------------------------------------------------------ */

typedef struct fmcp__jwt_key {
    char kid[FMCP_JWK_KID_MAX + 1];
    int has_kid;
    fmcp_jwk_public_key pub;
    fmcp_rsa_public_ctx ctx; /* RSA: prepared once (Montgomery constants for n) */
} fmcp__jwt_key;

struct fmcp_jwt_keyset {
    const fmcp_allocator *alloc;
    fmcp__jwt_key *keys;
    size_t count, cap, skipped;
    long refs; /* changed only under the owning verifier's lock */
};

/* A list of strings copied into one block: the pointer array, then the text. */
typedef struct fmcp__jwt_strs {
    char **items;
    size_t count, size;
} fmcp__jwt_strs;

struct fmcp_jwt_verifier {
    const fmcp_allocator *alloc;
    fmcp__jwt_strs issuers, audiences, scopes, typ;
    int64_t leeway;
    unsigned algs; /* allowed algorithms: bit (1 << fmcp_jws_alg) */
    int exp_optional, plain_jws;
    size_t max_size;
    fmcp_jwt_keyset *keys;
    fmcp__mutex lock;
    int lock_ok;
};

FASTMCP_API fmcp_result fmcp_jwt_keyset_create(const fmcp_allocator *alloc, fmcp_jwt_keyset **out)
{
    fmcp_jwt_keyset *ks;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    ks = (fmcp_jwt_keyset *)fmcp_malloc(alloc, sizeof *ks);
    if (!ks) return FMCP_ERR_NOMEM;
    memset(ks, 0, sizeof *ks);
    ks->alloc = alloc;
    *out = ks;
    return FMCP_OK;
}

FASTMCP_API void fmcp_jwt_keyset_destroy(fmcp_jwt_keyset *ks)
{
    if (!ks) return;
    fmcp_free(ks->alloc, ks->keys, ks->cap * sizeof *ks->keys);
    fmcp_free(ks->alloc, ks, sizeof *ks);
}

FASTMCP_API size_t fmcp_jwt_keyset_count(const fmcp_jwt_keyset *ks) { return ks ? ks->count : 0; }
FASTMCP_API size_t fmcp_jwt_keyset_skipped(const fmcp_jwt_keyset *ks) { return ks ? ks->skipped : 0; }

FASTMCP_API fmcp_result fmcp_jwt_keyset_add_public(fmcp_jwt_keyset *ks, const fmcp_jwk_public_key *key,
                                                   const char *kid)
{
    fmcp__jwt_key *e;
    fmcp_rsa_public_ctx ctx;
    if (!ks || !key || (kid && strlen(kid) > FMCP_JWK_KID_MAX)) return FMCP_ERR_INVALID_ARG;
    memset(&ctx, 0, sizeof ctx);
    if (key->kty == FMCP_JWK_RSA) {
        if (fmcp_rsa_public_prepare(&ctx, &key->rsa, 0) != FMCP_OK) return FMCP_ERR_BAD_KEY;
        if (!FMCP__JWS_ALL && key->alg != FMCP_JWS_NONE && key->alg != FMCP_JWS_RS256) return FMCP_ERR_BAD_KEY;
    } else if (!FMCP__JWS_ALL) {
        return FMCP_ERR_BAD_KEY;
    } else if (key->kty == FMCP_JWK_EC) {
        if (fmcp_ec_public_check(&key->ec) != FMCP_OK) return FMCP_ERR_BAD_KEY;
    } else if (key->kty != FMCP_JWK_OKP) {
        return FMCP_ERR_BAD_KEY;
    }
    if (ks->count == ks->cap) {
        size_t ncap = ks->cap ? ks->cap * 2 : 1;   /* one key (the usual IdP set) costs one slot */
        fmcp__jwt_key *nk = (fmcp__jwt_key *)fmcp_realloc(ks->alloc, ks->keys, ks->cap * sizeof *nk,
                                                          ncap * sizeof *nk);
        if (!nk) return FMCP_ERR_NOMEM;
        ks->keys = nk;
        ks->cap = ncap;
    }
    e = &ks->keys[ks->count++];
    memset(e, 0, sizeof *e);
    e->pub = *key;
    e->ctx = ctx;
    if (kid) { e->has_kid = 1; memcpy(e->kid, kid, strlen(kid) + 1); }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_jwt_keyset_add_key(fmcp_jwt_keyset *ks, const fmcp_rsa_public_key *key,
                                                const char *kid)
{
    fmcp_jwk_public_key k;
    if (!key) return FMCP_ERR_INVALID_ARG;
    memset(&k, 0, sizeof k);
    k.kty = FMCP_JWK_RSA;
    k.rsa = *key;
    return fmcp_jwt_keyset_add_public(ks, &k, kid);
}

/* A JSON string without embedded NULs (so C string functions see all of it). */
static const char *fmcp__jwt_cstr(const fmcp_json *j, size_t *n)
{
    size_t len = 0;
    const char *s = fmcp_json_str(j, &len);
    if (!s || memchr(s, 0, len)) return NULL;
    if (n) *n = len;
    return s;
}

static int fmcp__jwt_str_is(const fmcp_json *j, const char *want)
{
    const char *s = fmcp__jwt_cstr(j, NULL);
    return s && strcmp(s, want) == 0;
}

/* Whether a JWK may verify signatures (see the header for the rules; kty,
 * crv and alg are the key reader's business). */
static int fmcp__jwt_jwk_usable(const fmcp_json *jwk)
{
    const fmcp_json *ops = fmcp_json_get(jwk, "key_ops"), *op, *kid = fmcp_json_get(jwk, "kid");
    int can_verify = 0;
    size_t n = 0;
    if (!fmcp_json_is(jwk, FMCP_JSON_OBJECT)) return 0;
    if (fmcp_json_get(jwk, "use") && !fmcp__jwt_str_is(fmcp_json_get(jwk, "use"), "sig")) return 0;
    if (kid && (!fmcp__jwt_cstr(kid, &n) || n > FMCP_JWK_KID_MAX)) return 0;
    if (!ops) return 1;
    for (op = fmcp_json_first(ops); op; op = fmcp_json_next(op))
        if (fmcp__jwt_str_is(op, "verify")) can_verify = 1;
    return fmcp_json_is(ops, FMCP_JSON_ARRAY) && can_verify;
}

/* Adds one JWK, or counts it as skipped. Only running out of memory fails. */
static fmcp_result fmcp__jwt_keyset_add_jwk(fmcp_jwt_keyset *ks, const fmcp_json *jwk)
{
    fmcp_jwk_public_key k;
    fmcp_result r;
    if (!fmcp__jwt_jwk_usable(jwk) || fmcp_jwk_public_from_json(jwk, &k) != FMCP_OK) {
        ks->skipped++;
        return FMCP_OK;
    }
    r = fmcp_jwt_keyset_add_public(ks, &k, fmcp__jwt_cstr(fmcp_json_get(jwk, "kid"), NULL));
    if (r == FMCP_ERR_BAD_KEY) { ks->skipped++; r = FMCP_OK; }
    return r;
}

static fmcp_result fmcp__jwt_keyset_add_json(fmcp_jwt_keyset *ks, const char *text, size_t len)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *keys, *k;
    fmcp_result r;
    memset(&o, 0, sizeof o);
    o.reject_duplicate_keys = 1;
    o.alloc = ks->alloc;
    r = fmcp_json_parse(text, len, &o, &doc, NULL);
    if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? r : FMCP_ERR_PARSE;
    root = fmcp_json_root(doc);
    keys = fmcp_json_get(root, "keys");
    if (!keys) {
        r = fmcp__jwt_keyset_add_jwk(ks, root);
    } else if (!fmcp_json_is(keys, FMCP_JSON_ARRAY)) {
        r = FMCP_ERR_PARSE;
    } else {
        for (k = fmcp_json_first(keys); k && r == FMCP_OK; k = fmcp_json_next(k))
            r = fmcp__jwt_keyset_add_jwk(ks, k);
    }
    fmcp_json_doc_destroy(doc);
    return r;
}

FASTMCP_API fmcp_result fmcp_jwt_keyset_add(fmcp_jwt_keyset *ks, const char *text, size_t len)
{
    size_t i = 0, before;
    fmcp_result r;
    fmcp_jwk_public_key k;
    if (!ks || !text) return FMCP_ERR_INVALID_ARG;
    before = ks->count;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) i++;
    if (i < len && text[i] == '{') {
        r = fmcp__jwt_keyset_add_json(ks, text, len);
    } else {
        r = fmcp_jwk_public_from_pem(text, len, &k);
        if (r == FMCP_OK) r = fmcp_jwt_keyset_add_public(ks, &k, NULL);
    }
    if (r == FMCP_OK && ks->count == before) r = FMCP_ERR_BAD_KEY;
    return r;
}

/* ---- verifier ------------------------------------------------------------ */

static fmcp_result fmcp__jwt_strs_copy(const fmcp_allocator *a, const char *const *src, size_t n,
                                       fmcp__jwt_strs *out)
{
    size_t i, size = n * sizeof(char *);
    char *p;
    memset(out, 0, sizeof *out);
    if (n == 0) return FMCP_OK;
    if (!src) return FMCP_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        if (!src[i]) return FMCP_ERR_INVALID_ARG;
        size += strlen(src[i]) + 1;
    }
    out->items = (char **)fmcp_malloc(a, size);
    if (!out->items) return FMCP_ERR_NOMEM;
    p = (char *)(out->items + n);
    for (i = 0; i < n; i++) {
        size_t l = strlen(src[i]) + 1;
        memcpy(p, src[i], l);
        out->items[i] = p;
        p += l;
    }
    out->count = n;
    out->size = size;
    return FMCP_OK;
}

static void fmcp__jwt_strs_free(const fmcp_allocator *a, fmcp__jwt_strs *s)
{
    if (s->items) fmcp_free(a, s->items, s->size);
    memset(s, 0, sizeof *s);
}

/* The verifier is logically const to its callers; the lock is not. */
static void fmcp__jwt_lock(const fmcp_jwt_verifier *v) { fmcp__mutex_lock(&((fmcp_jwt_verifier *)v)->lock); }
static void fmcp__jwt_unlock(const fmcp_jwt_verifier *v) { fmcp__mutex_unlock(&((fmcp_jwt_verifier *)v)->lock); }

/* Takes a reference to the current key set; the verifier is logically const:
 * only the lock and reference counts change. */
static fmcp_jwt_keyset *fmcp__jwt_acquire(const fmcp_jwt_verifier *v)
{
    fmcp_jwt_keyset *ks;
    fmcp__jwt_lock(v);
    ks = v->keys;
    if (ks) ks->refs++;
    fmcp__jwt_unlock(v);
    return ks;
}

static void fmcp__jwt_release(const fmcp_jwt_verifier *v, fmcp_jwt_keyset *ks)
{
    int last;
    if (!ks) return;
    fmcp__jwt_lock(v);
    last = --ks->refs == 0;
    fmcp__jwt_unlock(v);
    if (last) fmcp_jwt_keyset_destroy(ks);
}

FASTMCP_API void fmcp_jwt_verifier_set_keys(fmcp_jwt_verifier *v, fmcp_jwt_keyset *ks)
{
    fmcp_jwt_keyset *old;
    if (!v) { fmcp_jwt_keyset_destroy(ks); return; }
    if (ks) ks->refs = 1;
    fmcp__jwt_lock(v);
    old = v->keys;
    v->keys = ks;
    fmcp__jwt_unlock(v);
    fmcp__jwt_release(v, old);
}

FASTMCP_API void fmcp_jwt_verifier_destroy(fmcp_jwt_verifier *v)
{
    if (!v) return;
    if (v->keys && --v->keys->refs == 0) fmcp_jwt_keyset_destroy(v->keys);
    fmcp__jwt_strs_free(v->alloc, &v->issuers);
    fmcp__jwt_strs_free(v->alloc, &v->audiences);
    fmcp__jwt_strs_free(v->alloc, &v->scopes);
    fmcp__jwt_strs_free(v->alloc, &v->typ);
    if (v->lock_ok) fmcp__mutex_destroy(&v->lock);
    fmcp_free(v->alloc, v, sizeof *v);
}

/* Checks a verifier configuration; *why says what to fix. */
static fmcp_result fmcp__jwt_check_desc(const fmcp_jwt_verifier_desc *d, const char **why)
{
    size_t i;
    fmcp_jws_alg a;
    *why = "leeway_seconds is over one day (86400), or a list has a count but no items";
    if (d->leeway_seconds > FMCP_JWT_MAX_LEEWAY) return FMCP_ERR_INVALID_ARG;
    if (d->key_count && !d->keys) return FMCP_ERR_INVALID_ARG;
    if (d->algorithm_count && !d->algorithms) return FMCP_ERR_INVALID_ARG;
    if (d->audience_count && !d->audiences) return FMCP_ERR_INVALID_ARG;
    for (i = 0; i < d->algorithm_count; i++) {
        if (!d->algorithms[i]) return FMCP_ERR_INVALID_ARG;
        *why = "an algorithm is not supported: name only RS256, PS256, ES256, ES384, EdDSA or Ed25519 "
               "(none and HS* are never allowed)";
        a = fmcp_jws_alg_from_name(d->algorithms[i], strlen(d->algorithms[i]));
        if (a == FMCP_JWS_NONE) return FMCP_ERR_UNSUPPORTED;
        *why = "this build has FASTMCP_JWS_RS256_ONLY: only RS256 can be allowed";
        if (!FMCP__JWS_ALL && a != FMCP_JWS_RS256) return FMCP_ERR_UNSUPPORTED;
    }
    *why = "a key text is NULL";
    for (i = 0; i < d->key_count; i++)
        if (!d->keys[i]) return FMCP_ERR_INVALID_ARG;
    *why = "no audience: set audiences to this server's identifier (its resource URL or API name) so tokens "
           "minted for other APIs are refused, or set allow_any_audience = 1 to opt out";
    if (!d->audience_count && !d->allow_any_audience && !d->plain_jws) return FMCP_ERR_INVALID_ARG;
    *why = NULL;
    return FMCP_OK;
}

static fmcp_result fmcp__jwt_load_keys(fmcp_jwt_verifier *v, const fmcp_jwt_verifier_desc *d)
{
    fmcp_jwt_keyset *ks;
    size_t i;
    fmcp_result r;
    if (!d->key_count) return FMCP_OK;
    r = fmcp_jwt_keyset_create(v->alloc, &ks);
    for (i = 0; r == FMCP_OK && i < d->key_count; i++)
        r = fmcp_jwt_keyset_add(ks, d->keys[i], strlen(d->keys[i]));
    if (r != FMCP_OK) { fmcp_jwt_keyset_destroy(ks); return r; }
    ks->refs = 1;
    v->keys = ks;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_jwt_verifier_create(const fmcp_jwt_verifier_desc *d, fmcp_jwt_verifier **out)
{
    fmcp_jwt_verifier *v;
    fmcp_result r;
    const char *typ[1];
    const char *why = NULL;
    size_t i;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (!d) return FMCP_ERR_INVALID_ARG;
    if (d->problem) *d->problem = NULL;
    if ((r = fmcp__jwt_check_desc(d, &why)) != FMCP_OK) {
        if (d->problem) *d->problem = why;
        return r;
    }
    v = (fmcp_jwt_verifier *)fmcp_malloc(d->alloc, sizeof *v);
    if (!v) return FMCP_ERR_NOMEM;
    memset(v, 0, sizeof *v);
    v->alloc = d->alloc;
    v->leeway = d->leeway_seconds == 0 ? FMCP_JWT_DEFAULT_LEEWAY : d->leeway_seconds < 0 ? 0 : d->leeway_seconds;
    v->exp_optional = d->exp_optional != 0;
    v->plain_jws = d->plain_jws != 0;
    v->algs = d->algorithm_count ? 0u : 1u << FMCP_JWS_RS256;
    for (i = 0; FMCP__JWS_ALL && i < d->algorithm_count; i++)
        v->algs |= 1u << fmcp_jws_alg_from_name(d->algorithms[i], strlen(d->algorithms[i]));
    if (!FMCP__JWS_ALL) v->algs = 1u << FMCP_JWS_RS256; /* check_desc allowed nothing else */
    v->max_size = d->max_token_size ? d->max_token_size : FMCP_JWT_DEFAULT_MAX_SIZE;
    typ[0] = d->typ;
    r = fmcp__jwt_strs_copy(v->alloc, d->issuers, d->issuer_count, &v->issuers);
    if (r == FMCP_OK) r = fmcp__jwt_strs_copy(v->alloc, d->audiences, d->audience_count, &v->audiences);
    if (r == FMCP_OK)
        r = fmcp__jwt_strs_copy(v->alloc, d->required_scopes, d->required_scope_count, &v->scopes);
    if (r == FMCP_OK) r = fmcp__jwt_strs_copy(v->alloc, typ, d->typ ? 1 : 0, &v->typ);
    if (r == FMCP_OK && (r = fmcp__jwt_load_keys(v, d)) != FMCP_OK && r != FMCP_ERR_NOMEM && d->problem)
        *d->problem = r == FMCP_ERR_BAD_KEY
            ? "a key text gave no usable key: it needs a signing key - RSA of 2048 to 4096 bits (RS256, "
              "PS256), EC P-256 (ES256) or P-384 (ES384), or Ed25519 (EdDSA) - with use sig or none"
            : "a key text is neither a PEM key nor a JWK or JWKS";
    if (r == FMCP_OK) {
        if (fmcp__mutex_init(&v->lock) == 0) v->lock_ok = 1;
        else r = FMCP_ERR_NOMEM;
    }
    if (r != FMCP_OK) { fmcp_jwt_verifier_destroy(v); return r; }
    *out = v;
    return FMCP_OK;
}

/* ---- verification steps ---------------------------------------------------
 * Each step returns an error code and, on failure, points *why at a static
 * description (no quotes, backslashes or control characters). */

typedef struct fmcp__jwt_parts {
    const char *seg[3];
    size_t len[3];
} fmcp__jwt_parts;

typedef struct fmcp__jwt_hdr {
    char kid[FMCP_JWK_KID_MAX + 1];
    int has_kid;
    fmcp_jws_alg alg;
} fmcp__jwt_hdr;

static fmcp_jwt_error fmcp__jwt_split(const fmcp_jwt_verifier *v, const char *t, size_t len,
                                      fmcp__jwt_parts *p, const char **why)
{
    size_t i, n = 0, start = 0;
    if (len > v->max_size) { *why = "token too large"; return FMCP_JWT_TOO_LARGE; }
    for (i = 0; i <= len; i++) {
        if (i < len && t[i] != '.') continue;
        if (n < 3) { p->seg[n] = t + start; p->len[n] = i - start; }
        n++;
        start = i + 1;
    }
    if (n == 5) { *why = "encrypted tokens (JWE) are not supported"; return FMCP_JWT_MALFORMED; }
    if (n != 3) { *why = "token must have three dot-separated parts"; return FMCP_JWT_MALFORMED; }
    return FMCP_JWT_OK;
}

/* Parses a JSON object with duplicate names refused. */
static fmcp_jwt_error fmcp__jwt_parse_obj(const fmcp_allocator *a, const char *s, size_t n,
                                          fmcp_json_doc **doc, const char *bad, const char **why)
{
    fmcp_json_parse_options o;
    fmcp_result r;
    memset(&o, 0, sizeof o);
    o.reject_duplicate_keys = 1;
    o.max_depth = 32;
    o.alloc = a;
    *doc = NULL;
    r = fmcp_json_parse(s, n, &o, doc, NULL);
    if (r == FMCP_ERR_NOMEM) { *why = "out of memory"; return FMCP_JWT_INTERNAL; }
    if (r == FMCP_OK && fmcp_json_is(fmcp_json_root(*doc), FMCP_JSON_OBJECT)) return FMCP_JWT_OK;
    if (*doc) fmcp_json_doc_destroy(*doc);
    *doc = NULL;
    *why = r == FMCP_ERR_DUPLICATE ? "duplicate member names" : bad;
    return FMCP_JWT_MALFORMED;
}

/* Media types compare case-insensitively; "application/" may be left out
 * (RFC 7515 4.1.9). */
static int fmcp__jwt_media_eq(const char *a, size_t an, const char *b, size_t bn)
{
    static const char app[] = "application/";
    const size_t k = sizeof app - 1;
    if (an > k && fmcp__ieqn(a, app, k)) { a += k; an -= k; }
    if (bn > k && fmcp__ieqn(b, app, k)) { b += k; bn -= k; }
    return an == bn && fmcp__ieqn(a, b, an);
}

static fmcp_jwt_error fmcp__jwt_header_policy(const fmcp_jwt_verifier *v, const fmcp_json *h,
                                              fmcp__jwt_hdr *out, const char **why)
{
    size_t n = 0;
    const char *s = fmcp__jwt_cstr(fmcp_json_get(h, "alg"), &n);
    const fmcp_json *cty = fmcp_json_get(h, "cty"), *kid = fmcp_json_get(h, "kid");
    if (!s) { *why = "alg missing"; return FMCP_JWT_ALG_NOT_ALLOWED; }
    out->alg = fmcp_jws_alg_from_name(s, n);
    if (out->alg == FMCP_JWS_NONE || !(v->algs & (1u << out->alg))) {
        *why = n == 4 && fmcp__ieqn(s, "none", 4) ? "alg none is refused" : "alg not allowed";
        return FMCP_JWT_ALG_NOT_ALLOWED;
    }
    if (fmcp_json_get(h, "crit")) { *why = "critical header extensions are not supported"; return FMCP_JWT_UNSUPPORTED_CRIT; }
    if (cty) {
        s = fmcp__jwt_cstr(cty, &n);
        if (!s) { *why = "cty is not a string"; return FMCP_JWT_MALFORMED; }
        if (fmcp__jwt_media_eq(s, n, "JWT", 3)) { *why = "nested tokens are not supported"; return FMCP_JWT_MALFORMED; }
    }
    if (v->typ.count) {
        s = fmcp__jwt_cstr(fmcp_json_get(h, "typ"), &n);
        if (!s || !fmcp__jwt_media_eq(s, n, v->typ.items[0], strlen(v->typ.items[0]))) {
            *why = "token type not accepted";
            return FMCP_JWT_BAD_TYP;
        }
    }
    if (kid) {
        s = fmcp__jwt_cstr(kid, &n);
        if (!s) { *why = "kid is not a string"; return FMCP_JWT_MALFORMED; }
        if (n > FMCP_JWK_KID_MAX) { *why = "no key for this kid"; return FMCP_JWT_UNKNOWN_KID; }
        memcpy(out->kid, s, n + 1);
        out->has_kid = 1;
    }
    return FMCP_JWT_OK;
}

static fmcp_jwt_error fmcp__jwt_header(const fmcp_jwt_verifier *v, const fmcp__jwt_parts *p,
                                       fmcp__jwt_hdr *out, const char **why)
{
    char stack[512];
    char *buf = stack;
    size_t cap = fmcp_b64_decoded_max(p->len[0]), n = 0;
    fmcp_json_doc *doc = NULL;
    fmcp_jwt_error e;
    if (cap > sizeof stack) {
        buf = (char *)fmcp_malloc(v->alloc, cap);
        if (!buf) { *why = "out of memory"; return FMCP_JWT_INTERNAL; }
    }
    if (fmcp_b64_decode(FMCP_B64_URL, p->seg[0], p->len[0], buf, cap, &n) != FMCP_OK) {
        *why = "header is not base64url";
        e = FMCP_JWT_MALFORMED;
    } else {
        e = fmcp__jwt_parse_obj(v->alloc, buf, n, &doc, "header is not a JSON object", why);
    }
    if (e == FMCP_JWT_OK) e = fmcp__jwt_header_policy(v, fmcp_json_root(doc), out, why);
    if (doc) fmcp_json_doc_destroy(doc);
    if (buf != stack) fmcp_free(v->alloc, buf, cap);
    return e;
}

/* Only keys that fit the token's alg (type, curve, the key's own alg) are
 * candidates. The candidate named by kid; a token without kid uses the only
 * candidate of the set; a key without kid (from PEM) is used for any token
 * when it is alone in the set. */
static const fmcp__jwt_key *fmcp__jwt_pick(const fmcp_jwt_keyset *ks, const fmcp__jwt_hdr *h)
{
    size_t i, fit = 0;
    const fmcp__jwt_key *only = NULL;
    if (!ks || !ks->count) return NULL;
    for (i = 0; i < ks->count; i++) {
        const fmcp__jwt_key *k = &ks->keys[i];
        /* (RS256-only builds hold RSA keys bound to RS256 or nothing: all fit) */
        if (FMCP__JWS_ALL && !fmcp_jwk_alg_fits(&k->pub, h->alg)) continue;
        if (h->has_kid && k->has_kid && strcmp(k->kid, h->kid) == 0) return k;
        fit++;
        only = k;
    }
    if (!h->has_kid) return fit == 1 ? only : NULL;
    return ks->count == 1 && only && !only->has_kid ? only : NULL;
}

/* Exact signature length of alg with this key (RSA: the modulus length;
 * ECDSA: raw r||s, so a DER signature is refused here). */
static size_t fmcp__jwt_sig_len(const fmcp__jwt_key *k)
{
    if (k->pub.kty == FMCP_JWK_RSA) return k->pub.rsa.n_len;
    if (FMCP__JWS_ALL && k->pub.kty == FMCP_JWK_EC) return 2 * fmcp_ec_size(k->pub.ec.curve);
    return FMCP_ED25519_SIGNATURE_SIZE;
}

static fmcp_jwt_error fmcp__jwt_signature(const fmcp__jwt_key *k, const fmcp__jwt_hdr *hd, const fmcp__jwt_parts *p,
                                          const char **why)
{
    uint8_t sig[FMCP_JWS_MAX_SIG], h[FMCP_SHA256_SIZE];
    size_t n = 0, in = p->len[0] + 1 + p->len[1];
    fmcp_result r = fmcp_b64_decode(FMCP_B64_URL, p->seg[2], p->len[2], sig, sizeof sig, &n);
    if (r == FMCP_ERR_ENCODING) { *why = "signature is not base64url"; return FMCP_JWT_MALFORMED; }
    if (r != FMCP_OK || n != fmcp__jwt_sig_len(k)) { *why = "signature has the wrong length"; return FMCP_JWT_BAD_SIGNATURE; }
    /* the signing input is header.payload, contiguous in the token */
    if (k->pub.kty == FMCP_JWK_RSA) {
        fmcp_sha256(p->seg[0], in, h);
        r = FMCP__JWS_ALL && hd->alg == FMCP_JWS_PS256 ? fmcp_rsa_verify_pss_sha256_ctx(&k->ctx, h, sig, n)
                                                       : fmcp_rsa_verify_sha256_ctx(&k->ctx, h, sig, n);
    } else {
        r = FMCP__JWS_ALL ? fmcp_jws_verify(&k->pub, hd->alg, p->seg[0], in, sig, n) : FMCP_ERR_BAD_KEY;
    }
    if (r != FMCP_OK) {
        *why = "signature invalid";
        return FMCP_JWT_BAD_SIGNATURE;
    }
    return FMCP_JWT_OK;
}

static fmcp_jwt_error fmcp__jwt_payload(const fmcp_jwt_verifier *v, const fmcp__jwt_parts *p,
                                        fmcp_jwt_verdict *out, const char **why)
{
    size_t cap = fmcp_b64_decoded_max(p->len[1]) + 1, n = 0;
    out->payload_ = (char *)fmcp_malloc(v->alloc, cap);
    if (!out->payload_) { *why = "out of memory"; return FMCP_JWT_INTERNAL; }
    out->payload_size_ = cap;
    if (fmcp_b64_decode(FMCP_B64_URL, p->seg[1], p->len[1], out->payload_, cap, &n) != FMCP_OK) {
        *why = "payload is not base64url";
        return FMCP_JWT_MALFORMED;
    }
    out->payload_[n] = 0;
    out->claims.raw = out->payload_;
    out->claims.raw_len = n;
    if (v->plain_jws) return FMCP_JWT_OK;
    return fmcp__jwt_parse_obj(v->alloc, out->payload_, n, &out->doc_, "claims are not a JSON object", why);
}

/* ---- claims ---------------------------------------------------------------- */

/* NumericDate: a JSON number in [0, MAX_TIME]; fractions rounded to the safe
 * side (up when round_up, else down). */
static int fmcp__jwt_time(const fmcp_json *root, const char *name, int round_up, int *has, int64_t *t)
{
    const fmcp_json *j = fmcp_json_get(root, name);
    *has = 0;
    *t = 0;
    if (!j) return 1;
    if (!fmcp_json_is(j, FMCP_JSON_NUMBER)) return 0;
    if (fmcp_json_is_int(j)) {
        *t = fmcp_json_int(j, -1);
        if (*t < 0 || *t > FMCP__JWT_MAX_TIME) return 0;
    } else {
        double d = fmcp_json_double(j, -1.0);
        if (!(d >= 0.0 && d <= (double)FMCP__JWT_MAX_TIME)) return 0; /* also NaN, inf */
        *t = (int64_t)d;
        if (round_up && (double)*t < d) (*t)++;
    }
    *has = 1;
    return 1;
}

static fmcp_jwt_error fmcp__jwt_times(const fmcp_jwt_verifier *v, fmcp_jwt_claims *c, const char **why)
{
    int64_t now = fmcp_time_now(), l = v->leeway;
    if (!fmcp__jwt_time(c->root, "exp", 0, &c->has_exp, &c->expires_at)) { *why = "exp is not a NumericDate"; return FMCP_JWT_MALFORMED; }
    if (!fmcp__jwt_time(c->root, "nbf", 1, &c->has_nbf, &c->not_before)) { *why = "nbf is not a NumericDate"; return FMCP_JWT_MALFORMED; }
    if (!fmcp__jwt_time(c->root, "iat", 1, &c->has_iat, &c->issued_at)) { *why = "iat is not a NumericDate"; return FMCP_JWT_MALFORMED; }
    if (!c->has_exp && !v->exp_optional) { *why = "token has no expiry"; return FMCP_JWT_MISSING_EXP; }
    if (c->has_exp && now >= c->expires_at + l) { *why = "token expired"; return FMCP_JWT_EXPIRED; }
    if (c->has_nbf && now < c->not_before - l) { *why = "token not yet valid"; return FMCP_JWT_NOT_YET_VALID; }
    if (c->has_iat && c->issued_at - l > now) { *why = "token issued in the future"; return FMCP_JWT_ISSUED_IN_FUTURE; }
    return FMCP_JWT_OK;
}

static int fmcp__jwt_in(const fmcp__jwt_strs *list, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < list->count; i++)
        if (strlen(list->items[i]) == n && memcmp(list->items[i], s, n) == 0) return 1;
    return 0;
}

/* Optional string claim: absent gives NULL; any other type is malformed. */
static int fmcp__jwt_opt_str(const fmcp_json *root, const char *name, const char **out)
{
    const fmcp_json *j = fmcp_json_get(root, name);
    *out = NULL;
    if (!j) return 1;
    *out = fmcp__jwt_cstr(j, NULL);
    return *out != NULL;
}

/* An item of a scope array that is not one RFC 6749 scope-token: empty, or
 * holding whitespace or a control character. Such an item is skipped, not
 * split: "read admin" is one (invalid) item, never the scopes read and admin
 * (which would let the token's issuer's formatting mint scopes). The token is
 * still accepted - as Spring Security and Microsoft.Identity.Web do, a scope
 * entry that matches nothing simply grants nothing - so the rule is the same
 * in fmcp_jwt_verify's required-scope check and in every consumer of
 * claims.scopes (the auth layer joins them with spaces). */
static int fmcp__jwt_bad_scope_item(const char *s)
{
    if (!*s) return 1;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* Counts the items of a string-or-array-of-strings claim; -1 if malformed.
 * split: a scope claim (a string is split at spaces; bad array items skipped). */
static long fmcp__jwt_list_count(const fmcp_json *j, int split)
{
    const fmcp_json *e;
    const char *s;
    long n = 0;
    size_t len = 0, i;
    if (!j) return 0;
    if (fmcp_json_is(j, FMCP_JSON_ARRAY)) {
        for (e = fmcp_json_first(j); e; e = fmcp_json_next(e)) {
            if (!(s = fmcp__jwt_cstr(e, NULL))) return -1;
            if (!split || !fmcp__jwt_bad_scope_item(s)) n++;
        }
        return n;
    }
    if (!(s = fmcp__jwt_cstr(j, &len))) return -1;
    if (!split) return 1;
    for (i = 0; i < len; i++)
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) n++;
    return n;
}

/* Fills the pointer list from a string (split at spaces into copy when
 * split) or array (skipping bad scope items when split). */
static void fmcp__jwt_list_fill(const fmcp_json *j, int split, const char **items, char *copy)
{
    const fmcp_json *e;
    size_t len = 0, i, k = 0;
    const char *s;
    if (!j) return;
    if (fmcp_json_is(j, FMCP_JSON_ARRAY)) {
        for (e = fmcp_json_first(j); e; e = fmcp_json_next(e))
            if (!split || !fmcp__jwt_bad_scope_item(fmcp__jwt_cstr(e, NULL))) items[k++] = fmcp__jwt_cstr(e, NULL);
        return;
    }
    s = fmcp__jwt_cstr(j, &len);
    if (!split) { items[0] = s; return; }
    memcpy(copy, s, len + 1);
    for (i = 0; i < len; i++) {
        if (copy[i] == ' ') copy[i] = 0;
        else if (i == 0 || s[i - 1] == ' ') items[k++] = copy + i;
    }
}

/* Builds the audience and scope lists in one block owned by the verdict. */
static fmcp_jwt_error fmcp__jwt_lists(const fmcp_jwt_verifier *v, fmcp_jwt_verdict *out, const char **why)
{
    fmcp_jwt_claims *c = &out->claims;
    const fmcp_json *aud = fmcp_json_get(c->root, "aud"), *sc = fmcp_json_get(c->root, "scope");
    long na, ns;
    size_t slen = 0, size;
    const char **items;
    if (!sc) sc = fmcp_json_get(c->root, "scp");
    else if (!fmcp_json_is(sc, FMCP_JSON_STRING)) { *why = "scope is not a string"; return FMCP_JWT_MALFORMED; }
    na = fmcp__jwt_list_count(aud, 0);
    ns = fmcp__jwt_list_count(sc, 1);
    if (na < 0) { *why = "aud is not a string or array of strings"; return FMCP_JWT_MALFORMED; }
    if (ns < 0) { *why = "scope is not a string or array of strings"; return FMCP_JWT_MALFORMED; }
    if (sc && !fmcp_json_is(sc, FMCP_JSON_ARRAY)) fmcp__jwt_cstr(sc, &slen);
    size = ((size_t)na + (size_t)ns) * sizeof(char *) + slen + 1;
    out->lists_ = fmcp_malloc(v->alloc, size);
    if (!out->lists_) { *why = "out of memory"; return FMCP_JWT_INTERNAL; }
    out->lists_size_ = size;
    items = (const char **)out->lists_;
    fmcp__jwt_list_fill(aud, 0, items, NULL);
    fmcp__jwt_list_fill(sc, 1, items + na, (char *)(items + na + ns));
    c->audiences = items;
    c->audience_count = (size_t)na;
    c->scopes = items + na;
    c->scope_count = (size_t)ns;
    return FMCP_JWT_OK;
}

static fmcp_jwt_error fmcp__jwt_identity(const fmcp_jwt_verifier *v, fmcp_jwt_claims *c, const char **why)
{
    size_t i, j;
    const char *cid = NULL, *azp = NULL;
    if (!fmcp__jwt_opt_str(c->root, "iss", &c->issuer)) { *why = "iss is not a string"; return FMCP_JWT_MALFORMED; }
    if (!fmcp__jwt_opt_str(c->root, "sub", &c->subject)) { *why = "sub is not a string"; return FMCP_JWT_MALFORMED; }
    (void)fmcp__jwt_opt_str(c->root, "client_id", &cid);
    (void)fmcp__jwt_opt_str(c->root, "azp", &azp);
    c->client_id = cid ? cid : azp ? azp : c->subject;
    if (v->issuers.count && (!c->issuer || !fmcp__jwt_in(&v->issuers, c->issuer, strlen(c->issuer)))) {
        *why = "issuer not accepted";
        return FMCP_JWT_BAD_ISSUER;
    }
    if (v->audiences.count) {
        for (i = 0; i < c->audience_count; i++)
            if (fmcp__jwt_in(&v->audiences, c->audiences[i], strlen(c->audiences[i]))) break;
        if (i == c->audience_count) { *why = "audience not accepted"; return FMCP_JWT_BAD_AUDIENCE; }
    }
    for (i = 0; i < v->scopes.count; i++) {
        for (j = 0; j < c->scope_count; j++)
            if (strcmp(c->scopes[j], v->scopes.items[i]) == 0) break;
        if (j == c->scope_count) { *why = "insufficient scope"; return FMCP_JWT_INSUFFICIENT_SCOPE; }
    }
    return FMCP_JWT_OK;
}

static fmcp_jwt_error fmcp__jwt_run(const fmcp_jwt_verifier *v, const char *token, size_t len,
                                    fmcp_jwt_verdict *out, const char **why)
{
    fmcp__jwt_parts p;
    fmcp__jwt_hdr h;
    fmcp_jwt_keyset *ks;
    const fmcp__jwt_key *k;
    fmcp_jwt_error e;
    memset(&h, 0, sizeof h);
    e = fmcp__jwt_split(v, token, len, &p, why);
    if (e == FMCP_JWT_OK) e = fmcp__jwt_header(v, &p, &h, why);
    if (e != FMCP_JWT_OK) return e;
    ks = fmcp__jwt_acquire(v);
    k = fmcp__jwt_pick(ks, &h);
    if (!k) { *why = ks && ks->count ? "no key for this kid and alg" : "no verification keys loaded"; e = FMCP_JWT_UNKNOWN_KID; }
    else e = fmcp__jwt_signature(k, &h, &p, why);
    fmcp__jwt_release(v, ks);
    if (e == FMCP_JWT_OK) e = fmcp__jwt_payload(v, &p, out, why);
    if (e != FMCP_JWT_OK || v->plain_jws) return e;
    out->claims.root = fmcp_json_root(out->doc_);
    e = fmcp__jwt_times(v, &out->claims, why);
    if (e == FMCP_JWT_OK) e = fmcp__jwt_lists(v, out, why);
    if (e == FMCP_JWT_OK) e = fmcp__jwt_identity(v, &out->claims, why);
    return e;
}

FASTMCP_API fmcp_result fmcp_jwt_verify(const fmcp_jwt_verifier *v, const char *token, size_t len,
                                        fmcp_jwt_verdict *out)
{
    const char *why = "ok";
    fmcp_jwt_error e;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!v || (!token && len)) {
        out->error = FMCP_JWT_INTERNAL;
        out->description = "invalid arguments";
        return FMCP_ERR_INVALID_ARG;
    }
    out->alloc_ = v->alloc;
    e = fmcp__jwt_run(v, token ? token : "", len, out, &why);
    if (e == FMCP_JWT_OK) { out->description = why; return FMCP_OK; }
    fmcp_jwt_verdict_destroy(out); /* never a decoded-but-invalid verdict */
    out->error = e;
    out->description = why;
    if (e == FMCP_JWT_INSUFFICIENT_SCOPE) return FMCP_ERR_FORBIDDEN;
    return e == FMCP_JWT_INTERNAL ? FMCP_ERR_NOMEM : FMCP_ERR_AUTH;
}

FASTMCP_API void fmcp_jwt_verdict_destroy(fmcp_jwt_verdict *r)
{
    const fmcp_allocator *a;
    if (!r) return;
    a = r->alloc_;
    if (r->doc_) fmcp_json_doc_destroy(r->doc_);
    if (r->payload_) fmcp_free(a, r->payload_, r->payload_size_);
    if (r->lists_) fmcp_free(a, r->lists_, r->lists_size_);
    memset(r, 0, sizeof *r);
    r->alloc_ = a;
}

FASTMCP_API const char *fmcp_jwt_error_name(fmcp_jwt_error e)
{
    switch (e) {
    case FMCP_JWT_OK: return "ok";
    case FMCP_JWT_MALFORMED: return "malformed";
    case FMCP_JWT_TOO_LARGE: return "too_large";
    case FMCP_JWT_ALG_NOT_ALLOWED: return "alg_not_allowed";
    case FMCP_JWT_UNSUPPORTED_CRIT: return "unsupported_crit";
    case FMCP_JWT_BAD_TYP: return "bad_typ";
    case FMCP_JWT_UNKNOWN_KID: return "unknown_kid";
    case FMCP_JWT_BAD_SIGNATURE: return "bad_signature";
    case FMCP_JWT_EXPIRED: return "expired";
    case FMCP_JWT_NOT_YET_VALID: return "not_yet_valid";
    case FMCP_JWT_ISSUED_IN_FUTURE: return "issued_in_future";
    case FMCP_JWT_MISSING_EXP: return "missing_exp";
    case FMCP_JWT_BAD_ISSUER: return "bad_issuer";
    case FMCP_JWT_BAD_AUDIENCE: return "bad_audience";
    case FMCP_JWT_INSUFFICIENT_SCOPE: return "insufficient_scope";
    case FMCP_JWT_INTERNAL: return "internal";
    }
    return "unknown";
}

/* ---- issuer ---------------------------------------------------------------- */

static fmcp_result fmcp__jwt_issue_header(const fmcp_jwt_issue_desc *d, fmcp_jws_alg alg,
                                          const fmcp_allocator *a, char **out, size_t *n)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, a);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "alg"); fmcp_jw_str(&w, fmcp_jws_alg_name(alg));
    fmcp_jw_key(&w, "typ"); fmcp_jw_str(&w, "JWT");
    if (d->kid) { fmcp_jw_key(&w, "kid"); fmcp_jw_str(&w, d->kid); }
    fmcp_jw_object_end(&w);
    return fmcp_jw_finish(&w, out, n);
}

/* The scopes joined by single spaces (each must be a non-empty scope-token). */
static fmcp_result fmcp__jwt_join_scopes(const fmcp_jwt_issue_desc *d, const fmcp_allocator *a,
                                         char **out, size_t *size)
{
    size_t i, total = 1, at = 0;
    char *s;
    for (i = 0; i < d->scope_count; i++) {
        if (!d->scopes[i] || !d->scopes[i][0] || strchr(d->scopes[i], ' ')) return FMCP_ERR_INVALID_ARG;
        total += strlen(d->scopes[i]) + 1;
    }
    s = (char *)fmcp_malloc(a, total);
    if (!s) return FMCP_ERR_NOMEM;
    for (i = 0; i < d->scope_count; i++) {
        size_t l = strlen(d->scopes[i]);
        if (i) s[at++] = ' ';
        memcpy(s + at, d->scopes[i], l);
        at += l;
    }
    s[at] = 0;
    *out = s;
    *size = total;
    return FMCP_OK;
}

/* Member lookup that tolerates a missing object (no extra claims). */
static const fmcp_json *fmcp__jwt_get(const fmcp_json *obj, const char *key)
{
    return obj ? fmcp_json_get(obj, key) : NULL;
}

static void fmcp__jwt_issue_defaults(fmcp_json_writer *w, const fmcp_jwt_issue_desc *d,
                                     const fmcp_json *extra, const char *scope, int64_t now, int64_t exp)
{
    size_t i;
    if (d->issuer && !fmcp__jwt_get(extra, "iss")) { fmcp_jw_key(w, "iss"); fmcp_jw_str(w, d->issuer); }
    if (d->subject && !fmcp__jwt_get(extra, "sub")) { fmcp_jw_key(w, "sub"); fmcp_jw_str(w, d->subject); }
    if (d->audience_count && !fmcp__jwt_get(extra, "aud")) {
        fmcp_jw_key(w, "aud");
        if (d->audience_count == 1) fmcp_jw_str(w, d->audiences[0]);
        else {
            fmcp_jw_array_begin(w);
            for (i = 0; i < d->audience_count; i++) fmcp_jw_str(w, d->audiences[i]);
            fmcp_jw_array_end(w);
        }
    }
    if (scope && !fmcp__jwt_get(extra, "scope")) { fmcp_jw_key(w, "scope"); fmcp_jw_str(w, scope); }
    if (!fmcp__jwt_get(extra, "iat")) { fmcp_jw_key(w, "iat"); fmcp_jw_int(w, now); }
    if (!fmcp__jwt_get(extra, "exp")) { fmcp_jw_key(w, "exp"); fmcp_jw_int(w, exp); }
}

static fmcp_result fmcp__jwt_issue_payload(const fmcp_jwt_issue_desc *d, const fmcp_json *extra,
                                           const fmcp_allocator *a, char **out, size_t *n)
{
    fmcp_json_writer w;
    const fmcp_json *m;
    char *scope = NULL;
    size_t scope_size = 0, i;
    int64_t now = fmcp_time_now(), life = d->lifetime_seconds ? d->lifetime_seconds : 3600;
    fmcp_result r;
    for (i = 0; i < d->audience_count; i++)
        if (!d->audiences || !d->audiences[i]) return FMCP_ERR_INVALID_ARG;
    if (life > FMCP__JWT_MAX_TIME || life < -FMCP__JWT_MAX_TIME) return FMCP_ERR_OVERFLOW;
    if (d->scope_count && (r = fmcp__jwt_join_scopes(d, a, &scope, &scope_size)) != FMCP_OK) return r;
    fmcp_jw_init(&w, a);
    fmcp_jw_object_begin(&w);
    fmcp__jwt_issue_defaults(&w, d, extra, scope, now, now + life);
    for (m = extra ? fmcp_json_first(extra) : NULL; m; m = fmcp_json_next(m)) {
        size_t kl = 0;
        const char *k = fmcp_json_key(m, &kl);
        fmcp_jw_keyn(&w, k, kl);
        fmcp_jw_value(&w, m);
    }
    fmcp_jw_object_end(&w);
    if (scope) fmcp_free(a, scope, scope_size);
    return fmcp_jw_finish(&w, out, n);
}

/* Appends base64url(data) at buf + *at (room is pre-computed). */
static void fmcp__jwt_put_b64(char *buf, size_t cap, size_t *at, const void *data, size_t n)
{
    size_t w = 0;
    (void)fmcp_b64_encode(FMCP_B64_URL, data, n, buf + *at, cap - *at, &w);
    *at += w;
}

/* Signature length of alg with this key (0: the key cannot make it). */
static size_t fmcp__jwt_issue_sig_len(const fmcp_jwk_private_key *key, fmcp_jws_alg alg)
{
    fmcp_jwk_public_key pub;
    if (fmcp_jwk_public_of(key, &pub) != FMCP_OK || !fmcp_jwk_alg_fits(&pub, alg)) return 0;
    if (key->kty == FMCP_JWK_RSA) {
        size_t k = key->rsa.pub.n_len;
        return k < FMCP_RSA_MIN_BITS / 8 || k > FMCP_RSA_MAX_BYTES ? 0 : k;
    }
    if (FMCP__JWS_ALL && key->kty == FMCP_JWK_EC) return 2 * fmcp_ec_size(key->ec.pub.curve);
    return FMCP_ED25519_SIGNATURE_SIZE;
}

static fmcp_result fmcp__jwt_sign(const fmcp_jwk_private_key *key, fmcp_jws_alg alg, const fmcp_allocator *a,
                                  const char *hdr, size_t hn, const char *pay, size_t pn,
                                  char **out, size_t *out_len)
{
    uint8_t sig[FMCP_JWS_MAX_SIG];
    size_t k = fmcp__jwt_issue_sig_len(key, alg), sn = 0, at = 0, total, cap;
    char *buf;
    fmcp_result r;
    if (!k) return FMCP_ERR_BAD_KEY;
    total = fmcp_b64_encoded_len(FMCP_B64_URL, hn) + 1 + fmcp_b64_encoded_len(FMCP_B64_URL, pn) + 1 +
            fmcp_b64_encoded_len(FMCP_B64_URL, k);
    cap = total + 1;
    buf = (char *)fmcp_malloc(a, cap);
    if (!buf) return FMCP_ERR_NOMEM;
    fmcp__jwt_put_b64(buf, cap, &at, hdr, hn);
    buf[at++] = '.';
    fmcp__jwt_put_b64(buf, cap, &at, pay, pn);
    r = fmcp_jws_sign(key, alg, buf, at, sig, sizeof sig, &sn);
    if (r == FMCP_OK && sn != k) r = FMCP_ERR_CRYPTO;
    if (r != FMCP_OK) { fmcp_free(a, buf, cap); return r; }
    buf[at++] = '.';
    fmcp__jwt_put_b64(buf, cap, &at, sig, sn);
    buf[at] = 0;
    *out = buf;
    *out_len = at;
    return FMCP_OK;
}

static fmcp_result fmcp__jwt_parse_extra(const char *json, const fmcp_allocator *a, fmcp_json_doc **doc)
{
    const char *why;
    fmcp_jwt_error e;
    *doc = NULL;
    if (!json) return FMCP_OK;
    e = fmcp__jwt_parse_obj(a, json, strlen(json), doc, "claims", &why);
    if (e == FMCP_JWT_INTERNAL) return FMCP_ERR_NOMEM;
    return e == FMCP_JWT_OK ? FMCP_OK : FMCP_ERR_PARSE;
}

/* The algorithm a token is signed with: desc->alg, else the key's own,
 * else the natural one for its type (RS256, ES256/ES384 by curve, EdDSA). */
static fmcp_jws_alg fmcp__jwt_issue_alg(const fmcp_jwk_private_key *key, const fmcp_jwt_issue_desc *d)
{
    if (d->alg) return fmcp_jws_alg_from_name(d->alg, strlen(d->alg));
    if (key->alg) return key->alg;
    if (key->kty == FMCP_JWK_EC) return key->ec.pub.curve == FMCP_EC_P384 ? FMCP_JWS_ES384 : FMCP_JWS_ES256;
    return key->kty == FMCP_JWK_OKP ? FMCP_JWS_EDDSA : FMCP_JWS_RS256;
}

FASTMCP_API fmcp_result fmcp_jwt_issue_key(const fmcp_jwk_private_key *key, const fmcp_jwt_issue_desc *d,
                                           const fmcp_allocator *a, char **out, size_t *out_len)
{
    fmcp_json_doc *extra = NULL;
    char *hdr = NULL, *pay = NULL;
    size_t hn = 0, pn = 0;
    fmcp_jws_alg alg;
    fmcp_result r;
    if (!out || !out_len) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    if (!key || !d || (d->scope_count && !d->scopes)) return FMCP_ERR_INVALID_ARG;
    alg = fmcp__jwt_issue_alg(key, d);
    if (alg == FMCP_JWS_NONE) return FMCP_ERR_UNSUPPORTED;
    if (!fmcp__jwt_issue_sig_len(key, alg)) return FMCP_ERR_BAD_KEY;
    r = fmcp__jwt_parse_extra(d->claims_json, a, &extra);
    if (r == FMCP_OK) r = fmcp__jwt_issue_header(d, alg, a, &hdr, &hn);
    if (r == FMCP_OK) r = fmcp__jwt_issue_payload(d, extra ? fmcp_json_root(extra) : NULL, a, &pay, &pn);
    if (r == FMCP_OK) r = fmcp__jwt_sign(key, alg, a, hdr, hn, pay, pn, out, out_len);
    if (hdr) fmcp_free(a, hdr, hn + 1);
    if (pay) fmcp_free(a, pay, pn + 1);
    if (extra) fmcp_json_doc_destroy(extra);
    return r;
}

FASTMCP_API fmcp_result fmcp_jwt_issue(const fmcp_rsa_private_key *key, const fmcp_jwt_issue_desc *d,
                                       const fmcp_allocator *a, char **out, size_t *out_len)
{
    fmcp_jwk_private_key *k;
    fmcp_result r;
    if (!out || !out_len) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    if (!key) return FMCP_ERR_INVALID_ARG;
    /* on the heap: an RSA private key struct is a few KB */
    k = (fmcp_jwk_private_key *)fmcp_malloc(a, sizeof *k);
    if (!k) return FMCP_ERR_NOMEM;
    memset(k, 0, sizeof *k);
    k->kty = FMCP_JWK_RSA;
    k->rsa = *key;
    r = fmcp_jwt_issue_key(k, d, a, out, out_len);
    fmcp_wipe(k, sizeof *k);
    fmcp_free(a, k, sizeof *k);
    return r;
}
