/* dpop: implementation */
#include "base.h"
#include "json.h"
#include "b64.h"
#include "sha256.h"
#include "jwk.h"
#include "dpop.h"

#include <string.h>

#define FMCP__DPOP_NIL 0xffffffffu
#define FMCP__DPOP_MAX_ALGS 8
#define FMCP__DPOP_MAX_JTI 256

typedef struct fmcp__dpop_seen {    /* one remembered (jkt, jti) */
    uint8_t h[16];                  /* truncated SHA-256: collisions need 2^64 work */
    int64_t until;
    uint32_t next;                  /* bucket chain */
} fmcp__dpop_seen;

struct fmcp_dpop {
    const fmcp_allocator *alloc;
    fmcp_jws_alg algs[FMCP__DPOP_MAX_ALGS];
    size_t nalgs;
    char algs_text[64];             /* "ES256 EdDSA" for the challenge */
    int64_t past, future, nonce_life;
    size_t max_proof;
    int use_nonce;
    char nonce[2][FMCP_DPOP_NONCE_LEN + 1]; /* current, previous ("" = none) */
    int64_t nonce_at;               /* when the current one was made */
    /* replay cache: a FIFO ring (entries expire in insertion order) indexed by
     * hash buckets, so lookups are short chain walks */
    fmcp__dpop_seen *seen;
    uint32_t *buckets;
    size_t cap, nbuckets, head, count;
};

FASTMCP_API fmcp_result fmcp_dpop_create(const fmcp_dpop_desc *desc, fmcp_dpop **out)
{
    fmcp_dpop *d;
    size_t i, o = 0;
    if (!desc || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (desc->algorithm_count > FMCP__DPOP_MAX_ALGS || (desc->algorithm_count && !desc->algorithms))
        return FMCP_ERR_INVALID_ARG;
    if (!(d = (fmcp_dpop *)fmcp_malloc(desc->alloc, sizeof *d))) return FMCP_ERR_NOMEM;
    memset(d, 0, sizeof *d);
    d->alloc = desc->alloc;
    for (i = 0; i < desc->algorithm_count; i++) {
        const char *n = desc->algorithms[i];
        fmcp_jws_alg a = n ? fmcp_jws_alg_from_name(n, strlen(n)) : FMCP_JWS_NONE;
        if (a == FMCP_JWS_NONE) { fmcp_free(d->alloc, d, sizeof *d); return FMCP_ERR_UNSUPPORTED; }
        d->algs[d->nalgs++] = a;
    }
    if (!d->nalgs) d->algs[d->nalgs++] = FMCP_JWS_ES256;
    for (i = 0; i < d->nalgs; i++) {
        const char *n = fmcp_jws_alg_name(d->algs[i]);
        size_t l = strlen(n);
        if (o + l + 2 > sizeof d->algs_text) break;
        if (o) d->algs_text[o++] = ' ';
        memcpy(d->algs_text + o, n, l);
        o += l;
    }
    d->algs_text[o] = 0;
    d->past = desc->iat_past_seconds > 0 ? desc->iat_past_seconds : 60;
    d->future = desc->iat_future_seconds > 0 ? desc->iat_future_seconds : (desc->iat_future_seconds < 0 ? 0 : 5);
    d->nonce_life = desc->nonce_lifetime_seconds > 0 ? desc->nonce_lifetime_seconds : 300;
    d->max_proof = desc->max_proof_bytes ? desc->max_proof_bytes : 8192;
    d->use_nonce = desc->use_nonce != 0;
    d->cap = desc->replay_cache_size ? desc->replay_cache_size : 4096;
    if (d->cap > 0x7fffffffu) d->cap = 0x7fffffffu;
    for (d->nbuckets = 16; d->nbuckets < d->cap; d->nbuckets <<= 1) {}
    d->seen = (fmcp__dpop_seen *)fmcp_malloc(d->alloc, d->cap * sizeof *d->seen);
    d->buckets = (uint32_t *)fmcp_malloc(d->alloc, d->nbuckets * sizeof *d->buckets);
    if (!d->seen || !d->buckets) { fmcp_dpop_destroy(d); return FMCP_ERR_NOMEM; }
    for (i = 0; i < d->nbuckets; i++) d->buckets[i] = FMCP__DPOP_NIL;
    *out = d;
    return FMCP_OK;
}

FASTMCP_API void fmcp_dpop_destroy(fmcp_dpop *d)
{
    if (!d) return;
    if (d->seen) fmcp_free(d->alloc, d->seen, d->cap * sizeof *d->seen);
    if (d->buckets) fmcp_free(d->alloc, d->buckets, d->nbuckets * sizeof *d->buckets);
    fmcp_wipe(d->nonce, sizeof d->nonce);
    fmcp_free(d->alloc, d, sizeof *d);
}

FASTMCP_API int fmcp_dpop_uses_nonce(const fmcp_dpop *d)
{
    return d && d->use_nonce;
}

FASTMCP_API fmcp_jws_alg fmcp_dpop_alg_at(const fmcp_dpop *d, size_t i)
{
    return d && i < d->nalgs ? d->algs[i] : FMCP_JWS_NONE;
}

FASTMCP_API const char *fmcp_dpop_error_name(fmcp_dpop_error e)
{
    static const char *const names[] = { "dpop_ok", "dpop_missing", "dpop_malformed", "dpop_typ", "dpop_alg",
                                         "dpop_jwk", "dpop_signature", "dpop_htm", "dpop_htu", "dpop_iat",
                                         "dpop_ath", "dpop_nonce", "dpop_jkt", "dpop_replay", "dpop_unbound" };
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "dpop_unknown";
}

/* ---- nonces ----------------------------------------------------------------- */

static fmcp_result fmcp__dpop_rotate(fmcp_dpop *d, int64_t now)
{
    uint8_t r[16];
    size_t n;
    fmcp_result rc;
    if (d->nonce[0][0] && now >= d->nonce_at && now - d->nonce_at < d->nonce_life) return FMCP_OK;
    rc = fmcp_random_bytes(r, sizeof r);
    if (rc != FMCP_OK) return rc;
    /* a clock that jumped back or a long idle period: both old nonces go */
    if (d->nonce[0][0] && now >= d->nonce_at && now - d->nonce_at < 2 * d->nonce_life)
        memcpy(d->nonce[1], d->nonce[0], sizeof d->nonce[1]);
    else d->nonce[1][0] = 0;
    rc = fmcp_b64_encode(FMCP_B64_URL, r, sizeof r, d->nonce[0], sizeof d->nonce[0], &n);
    fmcp_wipe(r, sizeof r);
    d->nonce_at = now;
    return rc;
}

FASTMCP_API fmcp_result fmcp_dpop_nonce(fmcp_dpop *d, char out[FMCP_DPOP_NONCE_LEN + 1])
{
    fmcp_result rc;
    if (!d || !out) return FMCP_ERR_INVALID_ARG;
    rc = fmcp__dpop_rotate(d, fmcp_time_now());
    if (rc == FMCP_OK) memcpy(out, d->nonce[0], FMCP_DPOP_NONCE_LEN + 1);
    return rc;
}

static int fmcp__dpop_nonce_ok(fmcp_dpop *d, const char *s, size_t n)
{
    int i, ok = 0;
    if (!s || n != FMCP_DPOP_NONCE_LEN) return 0;
    for (i = 0; i < 2; i++)
        if (d->nonce[i][0] && fmcp_ct_equal(d->nonce[i], s, n)) ok = 1;
    return ok;
}

/* ---- replay cache ----------------------------------------------------------- */

static uint32_t fmcp__dpop_bucket(const fmcp_dpop *d, const uint8_t h[16])
{
    return (uint32_t)(((uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24) &
                      (d->nbuckets - 1));
}

static void fmcp__dpop_expire(fmcp_dpop *d, int64_t now)
{
    while (d->count && d->seen[d->head].until <= now) {
        uint32_t idx = (uint32_t)d->head, *p = &d->buckets[fmcp__dpop_bucket(d, d->seen[idx].h)];
        while (*p != FMCP__DPOP_NIL && *p != idx) p = &d->seen[*p].next;
        if (*p == idx) *p = d->seen[idx].next;
        d->head = (d->head + 1) % d->cap;
        d->count--;
    }
}

/* 1 = recorded, 0 = seen before, -1 = full. */
static int fmcp__dpop_remember(fmcp_dpop *d, const char *jkt, const char *jti, size_t jti_len, int64_t now)
{
    fmcp_sha256_ctx c;
    uint8_t full[FMCP_SHA256_SIZE];
    uint32_t b, i;
    size_t idx;
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, jkt, strlen(jkt) + 1);   /* NUL separates the two parts */
    fmcp_sha256_update(&c, jti, jti_len);
    fmcp_sha256_final(&c, full);
    fmcp__dpop_expire(d, now);
    b = fmcp__dpop_bucket(d, full);
    for (i = d->buckets[b]; i != FMCP__DPOP_NIL; i = d->seen[i].next)
        if (memcmp(d->seen[i].h, full, 16) == 0) return 0;
    if (d->count >= d->cap) return -1;
    idx = (d->head + d->count) % d->cap;
    memcpy(d->seen[idx].h, full, 16);
    /* any proof with this jti is outside the iat window after this */
    d->seen[idx].until = now + d->past + d->future + 1;
    d->seen[idx].next = d->buckets[b];
    d->buckets[b] = (uint32_t)idx;
    d->count++;
    return 1;
}

/* ---- htu ---------------------------------------------------------------------- */

static int fmcp__dpop_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char fmcp__dpop_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

FASTMCP_API fmcp_result fmcp_dpop_htu_normalize(const char *url, char *out, size_t cap, size_t *len)
{
    static const char hexd[] = "0123456789ABCDEF";
    const char *p, *host, *hend, *aend, *port = NULL, *end;
    size_t o = 0, need, i;
    int https;
    char tmp[8];
    if (!url || !len || (cap && !out)) return FMCP_ERR_INVALID_ARG;
    *len = 0;
    if (fmcp__dpop_lower(url[0]) != 'h') return FMCP_ERR_PARSE;
    for (i = 0; i < 8 && url[i] && url[i] != ':'; i++) tmp[i] = fmcp__dpop_lower(url[i]);
    if (i == 4 && memcmp(tmp, "http", 4) == 0) https = 0;
    else if (i == 5 && memcmp(tmp, "https", 5) == 0) https = 1;
    else return FMCP_ERR_PARSE;
    if (strncmp(url + i, "://", 3) != 0) return FMCP_ERR_PARSE;
    host = url + i + 3;
    hend = host + strcspn(host, "/?#");
    end = hend + strcspn(hend, "?#");
    for (p = host; p < hend; p++) if (*p == '@') return FMCP_ERR_PARSE;
    /* the port is after the last ':' that is not inside an IPv6 literal */
    aend = hend;
    for (p = aend; p > host && p[-1] != ':' && p[-1] != ']'; p--) {}
    if (p > host && p[-1] == ':') {
        const char *q;
        port = p;
        hend = p - 1;
        for (q = port; q < aend; q++) if (*q < '0' || *q > '9') return FMCP_ERR_PARSE;
        if (port == aend || (aend - port == 2 && !https && memcmp(port, "80", 2) == 0) ||
            (aend - port == 3 && https && memcmp(port, "443", 3) == 0))
            port = NULL;   /* the default port says nothing */
    }
    if (hend == host) return FMCP_ERR_PARSE;   /* no host */
    /* worst case: every character kept, plus "/" for an empty path */
    need = (size_t)(https ? 8 : 7) + (size_t)(end - host) + 1;
    if (cap < need + 1) { *len = need; return FMCP_ERR_BUFFER_TOO_SMALL; }
    memcpy(out, https ? "https://" : "http://", https ? 8u : 7u);
    o = https ? 8u : 7u;
    for (p = host; p < hend; p++) out[o++] = fmcp__dpop_lower(*p);
    if (port) { out[o++] = ':'; for (p = port; p < aend; p++) out[o++] = *p; }
    p = aend;
    if (p == end) out[o++] = '/';
    for (; p < end; p++) {
        if (*p == '%') {
            int h1 = p + 1 < end ? fmcp__dpop_hex(p[1]) : -1, h2 = p + 2 < end ? fmcp__dpop_hex(p[2]) : -1;
            char c;
            if (h1 < 0 || h2 < 0) return FMCP_ERR_PARSE;
            c = (char)(h1 * 16 + h2);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '.' || c == '_' || c == '~') out[o++] = c;
            else { out[o++] = '%'; out[o++] = hexd[h1]; out[o++] = hexd[h2]; }
            p += 2;
        } else out[o++] = *p;
    }
    out[o] = 0;
    *len = o;
    return FMCP_OK;
}

/* ---- claims ------------------------------------------------------------------- */

static int fmcp__dpop_b64url43(const char *s, size_t n)
{
    size_t i;
    if (!s || n != FMCP_JWK_THUMBPRINT_LEN) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

FASTMCP_API fmcp_result fmcp_dpop_jkt_from_claims(const char *json, size_t len, const fmcp_allocator *alloc,
                                                  char out[FMCP_JWK_THUMBPRINT_LEN + 1])
{
    fmcp_json_parse_options o;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *cnf, *jkt;
    fmcp_result rc;
    if (!json || !out) return FMCP_ERR_INVALID_ARG;
    out[0] = 0;
    memset(&o, 0, sizeof o);
    o.alloc = alloc;
    o.reject_duplicate_keys = 1;
    rc = fmcp_json_parse(json, len, &o, &doc, NULL);
    if (rc != FMCP_OK) return rc == FMCP_ERR_NOMEM ? rc : FMCP_ERR_PARSE;
    root = fmcp_json_root(doc);
    cnf = fmcp_json_is(root, FMCP_JSON_OBJECT) ? fmcp_json_get(root, "cnf") : NULL;
    jkt = cnf && fmcp_json_is(cnf, FMCP_JSON_OBJECT) ? fmcp_json_get(cnf, "jkt") : NULL;
    if (!cnf || (!jkt && fmcp_json_is(cnf, FMCP_JSON_OBJECT))) rc = FMCP_ERR_NOT_FOUND;
    else {
        size_t n = 0;
        const char *s = jkt ? fmcp_json_str(jkt, &n) : NULL;
        if (!fmcp__dpop_b64url43(s, n)) rc = FMCP_ERR_PARSE;
        else { memcpy(out, s, n); out[n] = 0; }
    }
    fmcp_json_doc_destroy(doc);
    return rc;
}

/* ---- the challenge -------------------------------------------------------------- */

/* `, name="value"` with quotes and backslashes escaped, controls dropped; all or nothing. */
static void fmcp__dpop_param(char *dst, size_t cap, size_t *n, const char *name, const char *value)
{
    size_t o = *n, nl = strlen(name);
    if (!value) return;
    if (o + 2 + nl + 3 >= cap) return;
    dst[o++] = ','; dst[o++] = ' ';
    memcpy(dst + o, name, nl); o += nl;
    dst[o++] = '='; dst[o++] = '"';
    for (; *value; value++) {
        unsigned char c = (unsigned char)*value;
        if ((c < 0x20 && c != '\t') || c == 0x7f) continue;
        if (o + 3 >= cap) { dst[*n] = 0; return; }
        if (c == '"' || c == '\\') dst[o++] = '\\';
        dst[o++] = (char)c;
    }
    dst[o++] = '"';
    dst[o] = 0;
    *n = o;
}

FASTMCP_API void fmcp_dpop_challenge(const fmcp_dpop *d, const char *error, const char *description,
                                     const char *extra, char *out, size_t cap)
{
    size_t n;
    if (!out || !cap) return;
    out[0] = 0;
    if (!d || cap < 6) return;
    memcpy(out, "DPoP ", 6);
    n = 5;
    fmcp__dpop_param(out, cap, &n, "algs", d->algs_text);
    /* the first parameter has no leading comma */
    if (n > 5) { memmove(out + 5, out + 7, n - 7 + 1); n -= 2; }
    if (error) {
        fmcp__dpop_param(out, cap, &n, "error", error);
        fmcp__dpop_param(out, cap, &n, "error_description", description);
    }
    if (extra && *extra && n + 2 + strlen(extra) < cap) {
        out[n++] = ','; out[n++] = ' ';
        memcpy(out + n, extra, strlen(extra) + 1);
    }
}

/* ---- the check -------------------------------------------------------------------- */

static fmcp_result fmcp__dpop_fail(fmcp_dpop_verdict *v, fmcp_dpop_error e, const char *desc)
{
    v->error = e;
    v->code = e == FMCP_DPOP_NONCE ? "use_dpop_nonce" :
              (e == FMCP_DPOP_JKT || e == FMCP_DPOP_UNBOUND) ? "invalid_token" : "invalid_dpop_proof";
    v->description = desc;
    return FMCP_ERR_AUTH;
}

/* Decode one base64url JWS part and parse it as a JSON object. */
static fmcp_result fmcp__dpop_part(fmcp_dpop *d, const char *s, size_t n, fmcp_json_doc **doc)
{
    fmcp_json_parse_options o;
    size_t cap = fmcp_b64_decoded_max(n), got = 0;
    char *buf;
    fmcp_result rc;
    *doc = NULL;
    if (!(buf = (char *)fmcp_malloc(d->alloc, cap + 1))) return FMCP_ERR_NOMEM;
    rc = fmcp_b64_decode(FMCP_B64_URL, s, n, buf, cap + 1, &got);
    if (rc == FMCP_OK) {
        memset(&o, 0, sizeof o);
        o.alloc = d->alloc;
        o.max_depth = 8;
        o.reject_duplicate_keys = 1;   /* one meaning per member */
        rc = fmcp_json_parse(buf, got, &o, doc, NULL);
        if (rc == FMCP_OK && !fmcp_json_is(fmcp_json_root(*doc), FMCP_JSON_OBJECT)) rc = FMCP_ERR_PARSE;
        if (rc != FMCP_OK && *doc) { fmcp_json_doc_destroy(*doc); *doc = NULL; }
        if (rc != FMCP_OK && rc != FMCP_ERR_NOMEM) rc = FMCP_ERR_PARSE;
    } else rc = FMCP_ERR_PARSE;
    fmcp_free(d->alloc, buf, cap + 1);
    return rc;
}

static int fmcp__dpop_streq(const fmcp_json *v, const char *s)
{
    size_t n = 0;
    const char *t = v ? fmcp_json_str(v, &n) : NULL;
    return t && n == strlen(s) && memcmp(t, s, n) == 0;
}

/* Header checks up to a usable public key; 0 and the verdict on failure. */
static fmcp_result fmcp__dpop_header(fmcp_dpop *d, const fmcp_json *h, fmcp_jws_alg *alg, fmcp_jwk_public_key *key,
                                     fmcp_dpop_verdict *v)
{
    static const char *const priv[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
    const fmcp_json *jwk = fmcp_json_get(h, "jwk");
    size_t i, n = 0;
    const char *an;
    int allowed = 0;
    if (!fmcp__dpop_streq(fmcp_json_get(h, "typ"), "dpop+jwt"))
        return fmcp__dpop_fail(v, FMCP_DPOP_TYP, "DPoP proof typ is not dpop+jwt");
    an = fmcp_json_str(fmcp_json_get(h, "alg"), &n);
    *alg = an ? fmcp_jws_alg_from_name(an, n) : FMCP_JWS_NONE;
    for (i = 0; i < d->nalgs; i++) if (*alg != FMCP_JWS_NONE && d->algs[i] == *alg) allowed = 1;
    if (!allowed) return fmcp__dpop_fail(v, FMCP_DPOP_ALG, "DPoP proof algorithm is not allowed");
    if (fmcp_json_get(h, "crit")) return fmcp__dpop_fail(v, FMCP_DPOP_MALFORMED, "DPoP proof has crit");
    if (!jwk || !fmcp_json_is(jwk, FMCP_JSON_OBJECT))
        return fmcp__dpop_fail(v, FMCP_DPOP_JWK, "DPoP proof has no jwk");
    for (i = 0; i < sizeof priv / sizeof priv[0]; i++)
        if (fmcp_json_get(jwk, priv[i])) return fmcp__dpop_fail(v, FMCP_DPOP_JWK, "DPoP proof jwk is a private key");
    if (fmcp_jwk_public_from_json(jwk, key) != FMCP_OK || !fmcp_jwk_alg_fits(key, *alg))
        return fmcp__dpop_fail(v, FMCP_DPOP_JWK, "DPoP proof jwk is unusable for its alg");
    return FMCP_OK;
}

/* Payload claims after the signature verified. */
static fmcp_result fmcp__dpop_claims(fmcp_dpop *d, const fmcp_dpop_request *r, const fmcp_json *p,
                                     fmcp_dpop_verdict *v, int64_t now, const char **jti, size_t *jti_len)
{
    const fmcp_json *iat = fmcp_json_get(p, "iat");
    const char *htm, *htu, *ath, *nonce;
    size_t hl = 0, ul = 0, al = 0, nl = 0, n1 = 0, n2 = 0;
    char u1[1024], u2[1024];
    int64_t t;
    *jti = fmcp_json_str(fmcp_json_get(p, "jti"), jti_len);
    htm = fmcp_json_str(fmcp_json_get(p, "htm"), &hl);
    htu = fmcp_json_str(fmcp_json_get(p, "htu"), &ul);
    if (!*jti || !*jti_len || *jti_len > FMCP__DPOP_MAX_JTI || !htm || !htu || !iat || !fmcp_json_is_int(iat))
        return fmcp__dpop_fail(v, FMCP_DPOP_MALFORMED, "DPoP proof lacks jti, htm, htu or iat");
    if (!r->method || hl != strlen(r->method) || memcmp(htm, r->method, hl) != 0)
        return fmcp__dpop_fail(v, FMCP_DPOP_HTM, "DPoP proof htm does not match the request method");
    /* htu is a JSON string: an embedded NUL would hide a suffix, refuse it */
    if (memchr(htu, 0, ul) || !r->url || fmcp_dpop_htu_normalize(htu, u1, sizeof u1, &n1) != FMCP_OK ||
        fmcp_dpop_htu_normalize(r->url, u2, sizeof u2, &n2) != FMCP_OK || n1 != n2 || memcmp(u1, u2, n1) != 0)
        return fmcp__dpop_fail(v, FMCP_DPOP_HTU, "DPoP proof htu does not match the request URL");
    t = fmcp_json_int(iat, 0);
    if (t < now - d->past || t > now + d->future)
        return fmcp__dpop_fail(v, FMCP_DPOP_IAT, "DPoP proof iat is outside the accepted window");
    if (r->token) {
        uint8_t h[FMCP_SHA256_SIZE];
        char want[48];
        size_t wl = 0;
        ath = fmcp_json_str(fmcp_json_get(p, "ath"), &al);
        fmcp_sha256(r->token, r->token_len, h);
        (void)fmcp_b64_encode(FMCP_B64_URL, h, sizeof h, want, sizeof want, &wl);
        if (!ath || al != wl || !fmcp_ct_equal(ath, want, wl))
            return fmcp__dpop_fail(v, FMCP_DPOP_ATH, "DPoP proof ath does not match the access token");
    }
    if (d->use_nonce) {
        fmcp_result rc = fmcp__dpop_rotate(d, now);
        if (rc != FMCP_OK) return rc;
        nonce = fmcp_json_str(fmcp_json_get(p, "nonce"), &nl);
        if (!fmcp__dpop_nonce_ok(d, nonce, nl))
            return fmcp__dpop_fail(v, FMCP_DPOP_NONCE, "DPoP proof nonce is missing or stale");
    }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_dpop_check(fmcp_dpop *d, const fmcp_dpop_request *r, fmcp_dpop_verdict *v)
{
    const char *s, *dot1, *dot2, *jti = NULL;
    size_t n, jti_len = 0, slen = 0;
    fmcp_json_doc *hd = NULL, *pd = NULL;
    fmcp_jwk_public_key key;
    fmcp_jws_alg alg = FMCP_JWS_NONE;
    uint8_t *sig = NULL;
    size_t sig_cap = 0;
    int64_t now;
    fmcp_result rc;
    if (!d || !r || !v) return FMCP_ERR_INVALID_ARG;
    memset(v, 0, sizeof *v);
    if (!r->proof || !r->proof_len) return fmcp__dpop_fail(v, FMCP_DPOP_MISSING, "DPoP proof missing");
    s = r->proof;
    n = r->proof_len;
    if (n > d->max_proof) return fmcp__dpop_fail(v, FMCP_DPOP_MALFORMED, "DPoP proof too large");
    dot1 = (const char *)memchr(s, '.', n);
    dot2 = dot1 ? (const char *)memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - s)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', n - (size_t)(dot2 + 1 - s)))
        return fmcp__dpop_fail(v, FMCP_DPOP_MALFORMED, "DPoP proof is not a compact JWS");
    now = fmcp_time_now();
    rc = fmcp__dpop_part(d, s, (size_t)(dot1 - s), &hd);
    if (rc == FMCP_OK) rc = fmcp__dpop_part(d, dot1 + 1, (size_t)(dot2 - dot1 - 1), &pd);
    if (rc == FMCP_ERR_PARSE) rc = fmcp__dpop_fail(v, FMCP_DPOP_MALFORMED, "DPoP proof is not valid base64url JSON");
    memset(&key, 0, sizeof key);
    if (rc == FMCP_OK) rc = fmcp__dpop_header(d, fmcp_json_root(hd), &alg, &key, v);
    if (rc == FMCP_OK) {
        sig_cap = fmcp_b64_decoded_max(n - (size_t)(dot2 + 1 - s)) + 1;
        if (!(sig = (uint8_t *)fmcp_malloc(d->alloc, sig_cap))) rc = FMCP_ERR_NOMEM;
        else if (fmcp_b64_decode(FMCP_B64_URL, dot2 + 1, n - (size_t)(dot2 + 1 - s), sig, sig_cap, &slen) != FMCP_OK ||
                 fmcp_jws_verify(&key, alg, s, (size_t)(dot2 - s), sig, slen) != FMCP_OK)
            rc = fmcp__dpop_fail(v, FMCP_DPOP_SIGNATURE, "DPoP proof signature is invalid");
    }
    if (rc == FMCP_OK && fmcp_jwk_thumbprint(&key, v->jkt) != FMCP_OK)
        rc = fmcp__dpop_fail(v, FMCP_DPOP_JWK, "DPoP proof jwk is unusable for its alg");
    if (rc == FMCP_OK) rc = fmcp__dpop_claims(d, r, fmcp_json_root(pd), v, now, &jti, &jti_len);
    if (rc == FMCP_OK && r->jkt &&
        (strlen(r->jkt) != FMCP_JWK_THUMBPRINT_LEN || !fmcp_ct_equal(r->jkt, v->jkt, FMCP_JWK_THUMBPRINT_LEN)))
        rc = fmcp__dpop_fail(v, FMCP_DPOP_JKT, "DPoP proof key does not match the token binding");
    if (rc == FMCP_OK) {
        int k = fmcp__dpop_remember(d, v->jkt, jti, jti_len, now);
        if (k == 0) rc = fmcp__dpop_fail(v, FMCP_DPOP_REPLAY, "DPoP proof jti was used before");
        else if (k < 0) rc = fmcp__dpop_fail(v, FMCP_DPOP_REPLAY, "DPoP replay cache is full, retry later");
    }
    if (sig) fmcp_free(d->alloc, sig, sig_cap);
    if (hd) fmcp_json_doc_destroy(hd);
    if (pd) fmcp_json_doc_destroy(pd);
    if (rc != FMCP_OK && rc != FMCP_ERR_AUTH) memset(v, 0, sizeof *v);
    return rc;
}
