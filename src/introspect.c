/* introspect: implementation */
#include "introspect.h"

#include <string.h>
#include <stdio.h>

#define FMCP__IN_PROBE 8u

/* One verdict: a cache slot, or the answer of the fetch that just finished.
 * The five strings share one allocation. */
typedef struct fmcp__in_entry {
    uint8_t hash[FMCP_SHA256_SIZE];
    int used;
    fmcp_introspect_state state;
    const char *reason, *desc;      /* static text */
    int64_t until;                  /* wall-clock seconds */
    char *blob;
    size_t size;
    const char *sub, *cid, *scopes, *iss, *claims;
    int64_t exp;
} fmcp__in_entry;

typedef struct fmcp__in_op {        /* a running fetch */
    fmcp_introspect *in;
    uint8_t hash[FMCP_SHA256_SIZE];
#ifndef FASTMCP_NO_SOCKETS
    fmcp_http_fetch_op *op;
#endif
    struct fmcp__in_op *next;
} fmcp__in_op;

struct fmcp_introspect {
    const fmcp_allocator *alloc;
    char *endpoint, *client_id, *secret, *issuer, *assert_aud, *key_id, *key_alg;
    char **aud;
    size_t naud, aud_cap;
    int any_aud;
    const fmcp_http_io *transport;
    fmcp_introspect_client_auth method;
    fmcp_jwk_private_key *key;
    long leeway;
    fmcp__in_entry *cache;
    size_t cap;
    int64_t max_s, neg_s;
    size_t max_bytes;
    int timeout_ms;
    unsigned max_inflight, nops;
    fmcp_http_loop *loop;
    fmcp__in_op *ops;
    fmcp__in_entry last;            /* valid while done() runs */
    int have_last;
    fmcp_introspect_done_fn done;
    void *done_user;
    fmcp_introspect_stats st;
};

/* ---- strings ------------------------------------------------------------------- */

static int fmcp__in_prefix(const char *s, const char *prefix)
{
    size_t i;
    for (i = 0; prefix[i]; i++) {
        int c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        if (c != prefix[i]) return 0;
    }
    return 1;
}

/* ---- verdict entries ------------------------------------------------------------ */

static void fmcp__in_entry_free(const fmcp_allocator *al, fmcp__in_entry *e)
{
    if (e->blob) fmcp_free(al, e->blob, e->size);
    memset(e, 0, sizeof *e);
}

#ifndef FASTMCP_NO_SOCKETS
/* Copies the five strings (NULL stays NULL) into e's one block. */
static fmcp_result fmcp__in_entry_strings(const fmcp_allocator *al, fmcp__in_entry *e, const char *const s[5],
                                          const size_t len[5])
{
    size_t total = 0, i, o = 0;
    const char **dst[5];
    for (i = 0; i < 5; i++) total += s[i] ? len[i] + 1 : 0;
    dst[0] = &e->sub; dst[1] = &e->cid; dst[2] = &e->scopes; dst[3] = &e->iss; dst[4] = &e->claims;
    for (i = 0; i < 5; i++) *dst[i] = NULL;
    if (!total) return FMCP_OK;
    if (!(e->blob = (char *)fmcp_malloc(al, total))) return FMCP_ERR_NOMEM;
    e->size = total;
    for (i = 0; i < 5; i++) {
        if (!s[i]) continue;
        memcpy(e->blob + o, s[i], len[i]);
        e->blob[o + len[i]] = 0;
        *dst[i] = e->blob + o;
        o += len[i] + 1;
    }
    return FMCP_OK;
}

#endif

static void fmcp__in_verdict(const fmcp__in_entry *e, fmcp_introspect_verdict *out)
{
    out->state = e->state;
    out->reason = e->reason;
    out->description = e->desc;
    out->subject = e->sub; out->client_id = e->cid; out->scopes = e->scopes;
    out->issuer = e->iss; out->claims_json = e->claims;
    out->expires_at = e->exp;
}

/* ---- cache ------------------------------------------------------------------------ */

static size_t fmcp__in_slot(const uint8_t h[FMCP_SHA256_SIZE], size_t cap)
{
    uint64_t x = 0;
    int i;
    for (i = 0; i < 8; i++) x = (x << 8) | h[i];
    return (size_t)(x % cap);
}

static fmcp__in_entry *fmcp__in_cache_get(fmcp_introspect *in, const uint8_t h[FMCP_SHA256_SIZE], int64_t now)
{
    size_t i, s;
    if (!in->cap) return NULL;
    s = fmcp__in_slot(h, in->cap);
    for (i = 0; i < FMCP__IN_PROBE && i < in->cap; i++) {
        fmcp__in_entry *e = &in->cache[(s + i) % in->cap];
        if (!e->used || !fmcp_ct_equal(e->hash, h, FMCP_SHA256_SIZE)) continue;
        if (now >= e->until) { fmcp__in_entry_free(in->alloc, e); return NULL; }
        return e;
    }
    return NULL;
}

#ifndef FASTMCP_NO_SOCKETS
/* Remember a verdict until `until`; a failure only costs a later fetch. */
static void fmcp__in_cache_put(fmcp_introspect *in, const fmcp__in_entry *v, int64_t until, int64_t now)
{
    size_t i, s, victim;
    const char *str[5];
    size_t len[5];
    fmcp__in_entry *e;
    if (!in->cap || until <= now) return;
    s = fmcp__in_slot(v->hash, in->cap);
    victim = s;
    for (i = 0; i < FMCP__IN_PROBE && i < in->cap; i++) {
        size_t k = (s + i) % in->cap;
        fmcp__in_entry *c = &in->cache[k];
        if (!c->used || now >= c->until || fmcp_ct_equal(c->hash, v->hash, FMCP_SHA256_SIZE)) { victim = k; break; }
        if (c->until < in->cache[victim].until) victim = k;
    }
    e = &in->cache[victim];
    fmcp__in_entry_free(in->alloc, e);
    str[0] = v->sub; str[1] = v->cid; str[2] = v->scopes; str[3] = v->iss; str[4] = v->claims;
    for (i = 0; i < 5; i++) len[i] = str[i] ? strlen(str[i]) : 0;
    if (fmcp__in_entry_strings(in->alloc, e, str, len) != FMCP_OK) { fmcp__in_entry_free(in->alloc, e); return; }
    memcpy(e->hash, v->hash, FMCP_SHA256_SIZE);
    e->state = v->state; e->reason = v->reason; e->desc = v->desc; e->exp = v->exp;
    e->until = until;
    e->used = 1;
}

/* ---- the request ------------------------------------------------------------------ */

static void fmcp__in_form(fmcp__buf *b, const char *name, const char *value)
{
    if (b->len) fmcp__buf_put(b, "&", 1);
    fmcp__buf_puts(b, name);
    fmcp__buf_put(b, "=", 1);
    fmcp__buf_put_pct(b, value, strlen(value));
}
#endif /* FASTMCP_NO_SOCKETS */

/* RFC 7523 2.2 client assertion, 60 seconds, fresh jti. */
static fmcp_result fmcp__in_assertion(fmcp_introspect *in, char **out, size_t *n)
{
    fmcp_jwt_issue_desc d;
    uint8_t r[16];
    char jti[32], claims[64];
    const char *aud = in->assert_aud;
    size_t jn = 0;
    fmcp_result rc = fmcp_random_bytes(r, sizeof r);
    if (rc == FMCP_OK) rc = fmcp_b64_encode(FMCP_B64_URL, r, sizeof r, jti, sizeof jti, &jn);
    if (rc != FMCP_OK) return rc;
    snprintf(claims, sizeof claims, "{\"jti\":\"%s\"}", jti);
    memset(&d, 0, sizeof d);
    d.subject = in->client_id; d.issuer = in->client_id;
    d.audiences = &aud; d.audience_count = 1;
    d.lifetime_seconds = 60;
    d.claims_json = claims;
    d.kid = in->key_id;
    d.alg = in->key_alg;
    return fmcp_jwt_issue_key(in->key, &d, in->alloc, out, n);
}

#ifndef FASTMCP_NO_SOCKETS
/* Authorization: Basic BASE64(enc(id) ":" enc(secret)) (RFC 6749 2.3.1). */
static fmcp_result fmcp__in_basic(fmcp_introspect *in, fmcp__buf *hdr)
{
    return fmcp__oauth_basic(in->alloc, in->client_id, in->secret, hdr);
}

/* ---- the answer ------------------------------------------------------------------- */

static void fmcp__in_fail(fmcp__in_entry *e, fmcp_introspect_state st, const char *reason, const char *desc)
{
    e->state = st; e->reason = reason; e->desc = desc;
}

static int fmcp__in_opt_type(const fmcp_json *root, const char *key, fmcp_json_type t)
{
    const fmcp_json *v = fmcp_json_get(root, key);
    return !v || fmcp_json_is(v, t);
}

static int fmcp__in_opt_int(const fmcp_json *root, const char *key)
{
    const fmcp_json *v = fmcp_json_get(root, key);
    return !v || fmcp_json_is_int(v);
}

/* 1 when aud (string or array of strings) names one of ours; -1 when malformed. */
static int fmcp__in_aud_ok(const fmcp_introspect *in, const fmcp_json *aud)
{
    const fmcp_json *v;
    size_t i;
    if (!aud) return 0;
    if (fmcp_json_is(aud, FMCP_JSON_STRING)) {
        const char *s = fmcp_json_str(aud, NULL);
        for (i = 0; i < in->naud; i++) if (strcmp(s, in->aud[i]) == 0) return 1;
        return 0;
    }
    if (!fmcp_json_is(aud, FMCP_JSON_ARRAY)) return -1;
    for (v = fmcp_json_first(aud); v; v = fmcp_json_next(v))
        if (!fmcp_json_is(v, FMCP_JSON_STRING)) return -1;
    for (v = fmcp_json_first(aud); v; v = fmcp_json_next(v)) {
        const char *s = fmcp_json_str(v, NULL);
        for (i = 0; i < in->naud; i++) if (strcmp(s, in->aud[i]) == 0) return 1;
    }
    return 0;
}

/* Decide an introspection answer into e (hash already set). Only NOMEM fails. */
static fmcp_result fmcp__in_decide(fmcp_introspect *in, fmcp_result rc, const fmcp_http_response *res,
                                   fmcp__in_entry *e, int64_t now)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *active;
    const char *s[5];
    size_t len[5];
    int64_t exp, nbf;
    int aud;
    if (rc == FMCP_ERR_TIMEOUT) {
        fmcp__in_fail(e, FMCP_INTROSPECT_UNAVAILABLE, "timeout", "Token introspection timed out");
        return FMCP_OK;
    }
    if (rc == FMCP_ERR_TOO_LARGE) {
        fmcp__in_fail(e, FMCP_INTROSPECT_UNAVAILABLE, "too_large", "The introspection answer is too large");
        return FMCP_OK;
    }
    if (rc != FMCP_OK || !res) {
        fmcp__in_fail(e, FMCP_INTROSPECT_UNAVAILABLE, "unavailable", "The introspection endpoint is not reachable");
        return FMCP_OK;
    }
    if (res->status == 401 || res->status == 403) {
        fmcp__in_fail(e, FMCP_INTROSPECT_UNAVAILABLE, "client_auth",
                      "The introspection endpoint refused our client credentials");
        return FMCP_OK;
    }
    if (res->status != 200) {
        fmcp__in_fail(e, FMCP_INTROSPECT_UNAVAILABLE, "http_status",
                      "The introspection endpoint answered with an error");
        return FMCP_OK;
    }
    memset(&o, 0, sizeof o);
    o.alloc = in->alloc; o.max_size = in->max_bytes; o.reject_duplicate_keys = 1; o.max_depth = 16;
    rc = fmcp_json_parse(res->body, res->body_len, &o, &doc, NULL);
    if (rc == FMCP_ERR_NOMEM) return rc;
    fmcp__in_fail(e, FMCP_INTROSPECT_UNAVAILABLE, "malformed", "The introspection answer is malformed");
    root = doc ? fmcp_json_root(doc) : NULL;
    active = root && fmcp_json_is(root, FMCP_JSON_OBJECT) ? fmcp_json_get(root, "active") : NULL;
    if (!active || !fmcp_json_is(active, FMCP_JSON_BOOL) || !fmcp__in_opt_type(root, "scope", FMCP_JSON_STRING) ||
        !fmcp__in_opt_type(root, "sub", FMCP_JSON_STRING) || !fmcp__in_opt_type(root, "client_id", FMCP_JSON_STRING) ||
        !fmcp__in_opt_type(root, "iss", FMCP_JSON_STRING) || !fmcp__in_opt_int(root, "exp") ||
        !fmcp__in_opt_int(root, "nbf") || (aud = fmcp__in_aud_ok(in, fmcp_json_get(root, "aud"))) < 0) {
        fmcp_json_doc_destroy(doc);
        return FMCP_OK;
    }
    exp = fmcp_json_get_int(root, "exp", 0);
    nbf = fmcp_json_get_int(root, "nbf", 0);
    s[3] = fmcp_json_get_str(root, "iss", NULL);
    if (!fmcp_json_bool(active, 0)) fmcp__in_fail(e, FMCP_INTROSPECT_REJECTED, "inactive", "The token is not active");
    else if (exp && exp <= now - in->leeway)
        fmcp__in_fail(e, FMCP_INTROSPECT_REJECTED, "expired", "The token has expired");
    else if (nbf && now + in->leeway < nbf)
        fmcp__in_fail(e, FMCP_INTROSPECT_REJECTED, "not_yet_valid", "The token is not valid yet");
    else if (in->issuer && s[3] && strcmp(s[3], in->issuer) != 0)
        fmcp__in_fail(e, FMCP_INTROSPECT_REJECTED, "bad_issuer", "The token comes from another issuer");
    else if (!in->any_aud && !aud)
        fmcp__in_fail(e, FMCP_INTROSPECT_REJECTED, "bad_audience", "The token is not meant for this server");
    else {
        fmcp__in_fail(e, FMCP_INTROSPECT_ACTIVE, NULL, NULL);
        s[0] = fmcp_json_get_str(root, "sub", NULL);
        s[1] = fmcp_json_get_str(root, "client_id", NULL);
        s[2] = fmcp_json_get_str(root, "scope", "");
        if (!s[3]) s[3] = in->issuer;
        s[4] = res->body;
        len[0] = s[0] ? strlen(s[0]) : 0; len[1] = s[1] ? strlen(s[1]) : 0;
        len[2] = strlen(s[2]); len[3] = s[3] ? strlen(s[3]) : 0; len[4] = res->body_len;
        e->exp = exp;
        rc = fmcp__in_entry_strings(in->alloc, e, s, len);
    }
    fmcp_json_doc_destroy(doc);
    return rc;
}

static void fmcp__in_unlink(fmcp_introspect *in, fmcp__in_op *op)
{
    fmcp__in_op **pp;
    for (pp = &in->ops; *pp; pp = &(*pp)->next)
        if (*pp == op) { *pp = op->next; in->nops--; return; }
}

static void fmcp__in_fetched(void *user, fmcp_result rc, fmcp_http_response *res)
{
    fmcp__in_op *op = (fmcp__in_op *)user;
    fmcp_introspect *in = op->in;
    uint8_t hash[FMCP_SHA256_SIZE];
    int64_t now = fmcp_time_now();
    fmcp__in_unlink(in, op);
    memcpy(hash, op->hash, sizeof hash);
    fmcp_free(in->alloc, op, sizeof *op);
    fmcp__in_entry_free(in->alloc, &in->last);
    memcpy(in->last.hash, hash, sizeof hash);
    if (fmcp__in_decide(in, rc, res, &in->last, now) != FMCP_OK) {
        fmcp__in_entry_free(in->alloc, &in->last);
        memcpy(in->last.hash, hash, sizeof hash);
        fmcp__in_fail(&in->last, FMCP_INTROSPECT_UNAVAILABLE, "server_error", "Out of memory");
    }
    if (res) fmcp_http_response_destroy(res);
    if (in->last.state == FMCP_INTROSPECT_ACTIVE) {
        int64_t until = now + in->max_s;
        if (in->last.exp && in->last.exp < until) until = in->last.exp;
        fmcp__in_cache_put(in, &in->last, until, now);
    } else if (in->last.state == FMCP_INTROSPECT_REJECTED) {
        if (in->neg_s > 0) fmcp__in_cache_put(in, &in->last, now + in->neg_s, now);
    } else {
        in->st.failures++;
    }
    in->have_last = 1;
    if (in->done) in->done(in->done_user, hash);
    in->have_last = 0;
    fmcp__in_entry_free(in->alloc, &in->last);
}

/* Start a fetch for this token: FMCP_OK (running), NOMEM, or another failure. */
static fmcp_result fmcp__in_start(fmcp_introspect *in, const char *tok, size_t n, const uint8_t h[FMCP_SHA256_SIZE])
{
    fmcp__buf body, auth;
    fmcp_http_client_req c;
    fmcp_http_header hd[3];
    fmcp__in_op *op;
    fmcp_result rc = FMCP_OK;
    char *jwt = NULL;
    size_t jn = 0, nh = 0;
    fmcp__buf_init(&body, in->alloc, 1);   /* the token and client secrets: wiped */
    fmcp__buf_init(&auth, in->alloc, 1);
    fmcp__buf_put(&body, "token=", 6);
    fmcp__buf_put_pct(&body, tok, n);
    fmcp__in_form(&body, "token_type_hint", "access_token");
    if (in->method == FMCP_INTROSPECT_CLIENT_SECRET_BASIC) {
        rc = fmcp__in_basic(in, &auth);
    } else if (in->method == FMCP_INTROSPECT_CLIENT_SECRET_POST) {
        fmcp__in_form(&body, "client_id", in->client_id);
        fmcp__in_form(&body, "client_secret", in->secret);
    } else {
        rc = fmcp__in_assertion(in, &jwt, &jn);
        fmcp__in_form(&body, "client_id", in->client_id);
        fmcp__in_form(&body, "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        if (rc == FMCP_OK) fmcp__in_form(&body, "client_assertion", jwt);
        if (jwt) fmcp_free_text(in->alloc, jwt, jn);
    }
    if (rc == FMCP_OK && body.err) rc = body.err;
    op = rc == FMCP_OK ? (fmcp__in_op *)fmcp_malloc(in->alloc, sizeof *op) : NULL;
    if (rc == FMCP_OK && !op) rc = FMCP_ERR_NOMEM;
    if (rc == FMCP_OK) {
        memset(op, 0, sizeof *op);
        op->in = in;
        memcpy(op->hash, h, FMCP_SHA256_SIZE);
        hd[nh].name = "Content-Type"; hd[nh++].value = "application/x-www-form-urlencoded";
        hd[nh].name = "Accept"; hd[nh++].value = "application/json";
        if (auth.len) { hd[nh].name = "Authorization"; hd[nh++].value = auth.p; }
        memset(&c, 0, sizeof c);
        c.method = "POST"; c.url = in->endpoint; c.headers = hd; c.nheaders = nh;
        c.body = body.p; c.body_len = body.len;
        c.max_response_bytes = in->max_bytes; c.timeout_ms = in->timeout_ms;
        c.transport = in->transport;
        in->st.fetches++;
        /* the request is copied into the connection's buffer: ours can go */
        rc = fmcp_http_fetch_async(in->loop, &c, fmcp__in_fetched, op, &op->op);
        if (rc == FMCP_OK) { op->next = in->ops; in->ops = op; in->nops++; }
        else { fmcp_free(in->alloc, op, sizeof *op); in->st.failures++; }
    }
    fmcp__buf_free(&body);
    fmcp__buf_free(&auth);
    return rc;
}
#endif /* FASTMCP_NO_SOCKETS */

/* ---- checking a token ----------------------------------------------------------- */

FASTMCP_API fmcp_result fmcp_introspect_check(fmcp_introspect *in, const char *token, size_t len, int may_start,
                                             fmcp_introspect_verdict *out)
{
    uint8_t h[FMCP_SHA256_SIZE];
    const fmcp__in_entry *e;
    const fmcp__in_op *op;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->state = FMCP_INTROSPECT_UNAVAILABLE;
    out->reason = "unavailable";
    out->description = "Token introspection is not available";
    if (!in || (!token && len)) return FMCP_ERR_INVALID_ARG;
    fmcp_sha256(token, len, h);
    if (in->have_last && fmcp_ct_equal(in->last.hash, h, sizeof h)) {
        fmcp__in_verdict(&in->last, out);
        return FMCP_OK;
    }
    if ((e = fmcp__in_cache_get(in, h, fmcp_time_now())) != NULL) {
        in->st.cache_hits++;
        if (e->state != FMCP_INTROSPECT_ACTIVE) in->st.negative_hits++;
        fmcp__in_verdict(e, out);
        return FMCP_OK;
    }
    for (op = in->ops; op; op = op->next)
        if (fmcp_ct_equal(op->hash, h, sizeof h)) {
            out->state = FMCP_INTROSPECT_PENDING; out->reason = NULL; out->description = NULL;
            return FMCP_OK;
        }
    if (!may_start || !in->loop) return FMCP_OK;
    if (in->nops >= in->max_inflight) {
        out->reason = "busy";
        out->description = "Too many token introspections are running";
        return FMCP_OK;
    }
#ifndef FASTMCP_NO_SOCKETS
    {
        fmcp_result rc = fmcp__in_start(in, token, len, h);
        if (rc == FMCP_ERR_NOMEM) return rc;
        if (rc == FMCP_OK) { out->state = FMCP_INTROSPECT_PENDING; out->reason = NULL; out->description = NULL; }
    }
#endif
    return FMCP_OK;
}

FASTMCP_API int fmcp_introspect_looks_jwt(const char *token, size_t len)
{
    size_t i, dots = 0, first = 0, k, o = 0;
    uint8_t head[12];
    for (i = 0; i < len; i++) {
        char c = token[i];
        if (c == '.') { if (!dots) first = i; dots++; continue; }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    if (dots != 2 || first < 4) return 0;
    /* the header is base64url of a JSON object: its first bytes decode to '{' (after blanks) */
    k = first < 16 ? first & ~(size_t)3 : 16;
    if (fmcp_b64_decode(FMCP_B64_URL, token, k, head, sizeof head, &o) != FMCP_OK) return 0;
    for (i = 0; i < o && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'); i++) {}
    return i < o && head[i] == '{';
}

/* ---- create / destroy ------------------------------------------------------------- */

static fmcp_result fmcp__in_check_desc(const fmcp_introspect_desc *d, const char **why)
{
    *why = "introspection endpoint is missing";
    if (!d->endpoint || !*d->endpoint) return FMCP_ERR_INVALID_ARG;
    *why = "introspection endpoint must start with http:// or https://";
    if (!fmcp__in_prefix(d->endpoint, "http://") && !fmcp__in_prefix(d->endpoint, "https://"))
        return FMCP_ERR_INVALID_ARG;
    *why = "introspection endpoint is https:// but its transport is NULL: build with FASTMCP_WITH_BEARSSL "
           "(make BEARSSL=1) and set the transport to fmcp_tls_client_io(tls)";
    if (fmcp__in_prefix(d->endpoint, "https://") && !d->transport) return FMCP_ERR_UNSUPPORTED;
    *why = "introspection needs a client_id: the endpoint authenticates its callers (RFC 7662 2.1)";
    if (!d->client_id || !*d->client_id) return FMCP_ERR_INVALID_ARG;
    *why = "introspection client authentication is not one of client_secret_basic, client_secret_post, private_key_jwt";
    if ((unsigned)d->client_auth > 2u) return FMCP_ERR_INVALID_ARG;   /* enum: unsigned on some targets */
    *why = "introspection with client_secret_basic/_post needs a client_secret";
    if (d->client_auth != FMCP_INTROSPECT_PRIVATE_KEY_JWT && (!d->client_secret || !*d->client_secret))
        return FMCP_ERR_INVALID_ARG;
    *why = "introspection with private_key_jwt needs a private_key (PEM or JWK)";
    if (d->client_auth == FMCP_INTROSPECT_PRIVATE_KEY_JWT && (!d->private_key || !*d->private_key))
        return FMCP_ERR_INVALID_ARG;
    *why = "no audiences: a token the authorization server issued for another API would pass - set audiences to "
           "this server's resource URL, or allow_any_audience = 1 to opt out";
    if (!d->audience_count && !d->allow_any_audience) return FMCP_ERR_INVALID_ARG;
    return FMCP_OK;
}

/* The private_key_jwt key from PEM or JWK text; one assertion is signed now
 * so a key or algorithm that cannot work fails here. */
static fmcp_result fmcp__in_key(fmcp_introspect *in, const char *text, const char **why)
{
    fmcp_result rc;
    char *jwt = NULL;
    size_t n = 0;
    if (!(in->key = (fmcp_jwk_private_key *)fmcp_malloc(in->alloc, sizeof *in->key))) return FMCP_ERR_NOMEM;
    memset(in->key, 0, sizeof *in->key);
    *why = "introspection private_key is neither a private key PEM nor a private JWK";
    rc = fmcp_jwk_private_from_pem(text, strlen(text), in->key);
    if (rc != FMCP_OK && rc != FMCP_ERR_NOMEM) {
        fmcp_json_parse_options o;
        fmcp_json_doc *doc = NULL;
        memset(&o, 0, sizeof o);
        o.alloc = in->alloc;
        rc = fmcp_json_parse(text, strlen(text), &o, &doc, NULL);
        if (rc == FMCP_OK) rc = fmcp_jwk_private_from_json(fmcp_json_root(doc), in->key);
        if (doc) fmcp_json_doc_destroy(doc);
        if (rc != FMCP_OK && rc != FMCP_ERR_NOMEM) return FMCP_ERR_BAD_KEY;
    }
    if (rc != FMCP_OK) return rc;
    *why = "introspection key_alg is unknown or does not fit the private key";
    rc = fmcp__in_assertion(in, &jwt, &n);
    if (jwt) fmcp_free_text(in->alloc, jwt, n);
    return rc;
}

FASTMCP_API fmcp_result fmcp_introspect_create(const fmcp_introspect_desc *d, fmcp_introspect **out)
{
    fmcp_introspect *in;
    fmcp_result rc;
    const char *why = NULL;
    size_t i, cap;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (!d) return FMCP_ERR_INVALID_ARG;
    if (d->problem) *d->problem = NULL;
    if ((rc = fmcp__in_check_desc(d, &why)) != FMCP_OK) {
        if (d->problem) *d->problem = why;
        return rc;
    }
    if (!(in = (fmcp_introspect *)fmcp_malloc(d->alloc, sizeof *in))) return FMCP_ERR_NOMEM;
    memset(in, 0, sizeof *in);
    in->alloc = d->alloc;
    in->transport = d->transport;
    in->method = d->client_auth;
    in->any_aud = d->allow_any_audience;
    in->leeway = d->leeway_seconds > 0 ? d->leeway_seconds : 0;
    in->max_s = d->cache_max_seconds > 0 ? d->cache_max_seconds : 300;
    in->neg_s = d->negative_cache_seconds < 0 ? 0 : d->negative_cache_seconds == 0 ? 5 : d->negative_cache_seconds;
    in->max_bytes = d->max_bytes ? d->max_bytes : 16384;
    in->timeout_ms = d->timeout_ms > 0 ? d->timeout_ms : 5000;
    in->max_inflight = d->max_inflight ? d->max_inflight : 64;
    in->loop = d->loop;
    rc = FMCP_ERR_NOMEM;
    if (!(in->endpoint = fmcp__strdup(in->alloc, d->endpoint)) ||
        !(in->client_id = fmcp__strdup(in->alloc, d->client_id)) ||
        (d->client_secret && !(in->secret = fmcp__strdup(in->alloc, d->client_secret))) ||
        (d->issuer && !(in->issuer = fmcp__strdup(in->alloc, d->issuer))) ||
        (d->key_id && !(in->key_id = fmcp__strdup(in->alloc, d->key_id))) ||
        (d->key_alg && !(in->key_alg = fmcp__strdup(in->alloc, d->key_alg))) ||
        !(in->assert_aud = fmcp__strdup(in->alloc, d->assertion_audience ? d->assertion_audience :
                                                   d->issuer ? d->issuer : d->endpoint)))
        goto fail;
    if (d->audience_count) {
        if (!(in->aud = (char **)fmcp_malloc(in->alloc, d->audience_count * sizeof(char *)))) goto fail;
        in->aud_cap = d->audience_count;
        for (i = 0; i < d->audience_count; i++, in->naud++)
            if (!(in->aud[i] = fmcp__strdup(in->alloc, d->audiences[i] ? d->audiences[i] : ""))) goto fail;
    }
    cap = d->cache_size < 0 ? 0 : d->cache_size == 0 ? 1024 : (size_t)d->cache_size;
    if (cap) {
        if (!(in->cache = (fmcp__in_entry *)fmcp_malloc(in->alloc, cap * sizeof *in->cache))) goto fail;
        memset(in->cache, 0, cap * sizeof *in->cache);
        in->cap = cap;
    }
    if (d->client_auth == FMCP_INTROSPECT_PRIVATE_KEY_JWT && (rc = fmcp__in_key(in, d->private_key, &why)) != FMCP_OK) {
        if (d->problem && rc != FMCP_ERR_NOMEM) *d->problem = why;
        goto fail;
    }
    *out = in;
    return FMCP_OK;
fail:
    fmcp_introspect_destroy(in);
    return rc;
}

FASTMCP_API void fmcp_introspect_destroy(fmcp_introspect *in)
{
    const fmcp_allocator *al;
    size_t i;
    if (!in) return;
    al = in->alloc;
    while (in->ops) {
        fmcp__in_op *op = in->ops;
        in->ops = op->next;
#ifndef FASTMCP_NO_SOCKETS
        if (op->op) fmcp_http_fetch_cancel(op->op);
#endif
        fmcp_free(al, op, sizeof *op);
    }
    for (i = 0; i < in->cap; i++) fmcp__in_entry_free(al, &in->cache[i]);
    if (in->cache) fmcp_free(al, in->cache, in->cap * sizeof *in->cache);
    fmcp__in_entry_free(al, &in->last);
    for (i = 0; i < in->naud; i++) fmcp__strfree(al, in->aud[i], 1);
    if (in->aud) fmcp_free(al, in->aud, in->aud_cap * sizeof(char *));
    if (in->key) { fmcp_wipe(in->key, sizeof *in->key); fmcp_free(al, in->key, sizeof *in->key); }
    fmcp__strfree(al, in->endpoint, 1); fmcp__strfree(al, in->client_id, 1); fmcp__strfree(al, in->secret, 1);
    fmcp__strfree(al, in->issuer, 1); fmcp__strfree(al, in->assert_aud, 1); fmcp__strfree(al, in->key_id, 1);
    fmcp__strfree(al, in->key_alg, 1);
    fmcp_free(al, in, sizeof *in);
}

FASTMCP_API void fmcp_introspect_on_done(fmcp_introspect *in, fmcp_introspect_done_fn fn, void *user)
{
    if (!in) return;
    in->done = fn;
    in->done_user = user;
}

FASTMCP_API void fmcp_introspect_set_loop(fmcp_introspect *in, fmcp_http_loop *loop)
{
    if (in) in->loop = loop;
}

FASTMCP_API void fmcp_introspect_stats_get(const fmcp_introspect *in, fmcp_introspect_stats *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (in) *out = in->st;
}
