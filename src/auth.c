/* auth: implementation */
#include "auth.h"

#include <string.h>
#include <stdio.h>

#define FMCP__AUTH_BUCKETS 4096u
#define FMCP__AUTH_PROBE 8u
#define FMCP__AUTH_MAX_PARKED 1024u

/* An identity: four strings in one block, so copies are one allocation. */
typedef struct fmcp__auth_id {
    char *blob;
    size_t size;
    const char *sub, *cid, *scopes, *claims, *iss;
    int64_t exp;
    void *data;
} fmcp__auth_id;

typedef struct fmcp__auth_tok {     /* verified-token cache entry */
    uint8_t hash[FMCP_SHA256_SIZE];
    int used;
    int64_t until;                  /* wall-clock seconds */
    fmcp__auth_id id;
} fmcp__auth_tok;

typedef struct fmcp__auth_bucket {  /* rate limit token bucket */
    char key[96];
    uint32_t hash;
    int used;
    double tokens;
    int64_t last_ms;
} fmcp__auth_bucket;

typedef struct fmcp__auth_item {    /* scopes of an item, for step-up 403s */
    fmcp_item_kind kind;
    char *name, *scopes;
    struct fmcp__auth_item *next;
} fmcp__auth_item;

/* Everything one request's answer needs until the transport releases it;
 * also the parking entry while a JWKS fetch runs. */
typedef struct fmcp__auth_hold {
    fmcp_auth *a;
    fmcp__auth_id id;
    char *body;
    size_t body_size;
    char www[1600];
    char retry[24];
    char xh[2][2][256];             /* custom hook rejection headers */
    char dwww[160];                 /* second challenge: DPoP algs="..." (DPoP allowed) */
    char dnonce[FMCP_DPOP_NONCE_LEN + 1];
    fmcp_http_auth_reply reply;     /* used when parked */
    int intro;                      /* parked for the introspection of this token: */
    uint8_t intro_hash[FMCP_SHA256_SIZE];
    fmcp_http_req *req;
    void *transport;
    int early;                      /* parked before its body was read */
    struct fmcp__auth_hold *next;
} fmcp__auth_hold;

struct fmcp_auth {
    const fmcp_allocator *alloc;
    fmcp_jwt_verifier *v;           /* NULL when only introspection checks tokens */
    fmcp_introspect *intro;         /* opaque tokens; NULL = off */
    int have_keys;                  /* static keys or a fetched set */
    char *jwks_url;
    const fmcp_http_io *jwks_transport;
    int64_t ttl_ms, cooldown_ms, keys_until_ms, last_fetch_ms;
    int fetched_once;
    size_t max_bytes;
    int timeout_ms;
#ifndef FASTMCP_NO_SOCKETS
    fmcp_http_loop *loop;
    fmcp_http_fetch_op *op;
#endif
    int fetching;
    fmcp__auth_tok *cache;
    size_t cache_cap;
    char *req_scopes;               /* server-wide, space separated ("" = none) */
    char *resource, *resource_name, *resource_doc, *mcp_path;
    char **as, **ss;
    size_t n_as, n_ss;
    double rate, burst;
    fmcp__auth_bucket *buckets;
    fmcp_auth_audit_fn audit;
    void *audit_user;
    int no_audit;
    fmcp_auth_custom_fn custom;
    void *custom_user;
    fmcp__auth_item *items;
    fmcp_server *srv;               /* attached: item scopes come from its registry */
    fmcp__auth_hold *parked, *parked_tail;
    size_t nparked;
    fmcp_auth_stats st;
    fmcp_dpop *dpop;                /* RFC 9449 proofs; NULL when dpop_mode is off */
    int dpop_mode;
};

/* ---- small helpers ---------------------------------------------------------- */


/* Join n strings with spaces into a new string ("" for none). */
static char *fmcp__auth_join(const fmcp_allocator *al, const char *const *v, size_t n)
{
    size_t len = 1, i, o = 0;
    char *p;
    for (i = 0; i < n; i++) len += strlen(v[i]) + 1;
    if (!(p = (char *)fmcp_malloc(al, len))) return NULL;
    for (i = 0; i < n; i++) {
        size_t k = strlen(v[i]);
        if (o) p[o++] = ' ';
        memcpy(p + o, v[i], k);
        o += k;
    }
    p[o] = 0;
    return p;
}

static fmcp_result fmcp__auth_dup_list(const fmcp_allocator *al, const char *const *v, size_t n,
                                       char ***out, size_t *nout)
{
    size_t i;
    *out = NULL; *nout = 0;
    if (!n) return FMCP_OK;
    if (!(*out = (char **)fmcp_malloc(al, n * sizeof(char *)))) return FMCP_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        if (!((*out)[i] = fmcp__strdup(al, v[i] ? v[i] : ""))) break;
    }
    *nout = i;
    return i == n ? FMCP_OK : FMCP_ERR_NOMEM;
}

static void fmcp__auth_free_list(const fmcp_allocator *al, char **v, size_t n)
{
    size_t i;
    if (!v) return;
    for (i = 0; i < n; i++) fmcp__strfree(al, v[i], 0);
    fmcp_free(al, v, n * sizeof(char *));
}

/* 1 when every space-separated scope of `need` is in `have`. */
static int fmcp__auth_has_scopes(const char *have, const char *need)
{
    while (need && *need) {
        const char *e, *h = have;
        int found = 0;
        size_t k;
        while (*need == ' ') need++;
        if (!*need) break;
        for (e = need; *e && *e != ' '; e++) {}
        k = (size_t)(e - need);
        while (h && *h && !found) {
            const char *he;
            while (*h == ' ') h++;
            for (he = h; *he && *he != ' '; he++) {}
            if ((size_t)(he - h) == k && k && memcmp(h, need, k) == 0) found = 1;
            h = he;
        }
        if (!found) return 0;
        need = e;
    }
    return 1;
}

/* ---- identities ------------------------------------------------------------- */

static void fmcp__auth_id_free(const fmcp_allocator *al, fmcp__auth_id *id)
{
    if (id->blob) fmcp_free(al, id->blob, id->size);
    memset(id, 0, sizeof *id);
}

#ifndef FASTMCP_NO_SOCKETS
static fmcp_result fmcp__auth_id_make(const fmcp_allocator *al, const char *const s[5], int64_t exp,
                                      void *data, fmcp__auth_id *out)
{
    size_t len[5], total = 0, i, o = 0;
    const char **dst[5];
    memset(out, 0, sizeof *out);
    for (i = 0; i < 5; i++) total += (len[i] = s[i] ? strlen(s[i]) : 0) + 1;
    if (!(out->blob = (char *)fmcp_malloc(al, total))) return FMCP_ERR_NOMEM;
    out->size = total;
    dst[0] = &out->sub; dst[1] = &out->cid; dst[2] = &out->scopes; dst[3] = &out->claims; dst[4] = &out->iss;
    for (i = 0; i < 5; i++) {
        memcpy(out->blob + o, s[i] ? s[i] : "", len[i] + 1);
        *dst[i] = s[i] ? out->blob + o : NULL;
        o += len[i] + 1;
    }
    out->exp = exp;
    out->data = data;
    return FMCP_OK;
}

static fmcp_result fmcp__auth_id_copy(const fmcp_allocator *al, const fmcp__auth_id *in, fmcp__auth_id *out)
{
    const char *s[5];
    s[0] = in->sub; s[1] = in->cid; s[2] = in->scopes; s[3] = in->claims; s[4] = in->iss;
    return fmcp__auth_id_make(al, s, in->exp, in->data, out);
}

static fmcp_result fmcp__auth_id_from_claims(const fmcp_allocator *al, const fmcp_jwt_claims *c, fmcp__auth_id *out)
{
    const char *s[5];
    fmcp_result rc;
    char *scopes = fmcp__auth_join(al, c->scopes, c->scope_count);
    if (!scopes) return FMCP_ERR_NOMEM;
    s[0] = c->subject; s[1] = c->client_id; s[2] = scopes; s[3] = c->raw; s[4] = c->issuer;
    rc = fmcp__auth_id_make(al, s, c->has_exp ? c->expires_at : 0, NULL, out);
    fmcp__strfree(al, scopes, 0);
    return rc;
}

#endif

/* ---- audit ------------------------------------------------------------------ */

typedef struct fmcp__auth_ev {
    const char *event, *subject, *client_id, *remote, *method, *path, *reason, *outcome;
    const char *item_key, *item;    /* "tool"/"resource"/"prompt" and its name */
    int status;
    int64_t duration_ms, retry_after;
    int has_duration;
} fmcp__auth_ev;

static void fmcp__auth_kv(fmcp_json_writer *w, const char *k, const char *v)
{
    if (!v) return;
    fmcp_jw_key(w, k);
    fmcp_jw_str(w, v);
}

static void fmcp__auth_audit(fmcp_auth *a, const fmcp__auth_ev *e)
{
    fmcp_json_writer w;
    char *out;
    size_t n;
    if (a->no_audit) return;
    fmcp_jw_init(&w, a->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "ts"); fmcp_jw_int(&w, fmcp_time_now());
    fmcp__auth_kv(&w, "event", e->event);
    fmcp__auth_kv(&w, "subject", e->subject);
    fmcp__auth_kv(&w, "client_id", e->client_id);
    fmcp__auth_kv(&w, "remote", e->remote);
    fmcp__auth_kv(&w, "method", e->method);
    fmcp__auth_kv(&w, "path", e->path);
    fmcp__auth_kv(&w, "reason", e->reason);
    if (e->item_key) fmcp__auth_kv(&w, e->item_key, e->item);
    if (e->status) { fmcp_jw_key(&w, "status"); fmcp_jw_int(&w, e->status); }
    if (e->has_duration) { fmcp_jw_key(&w, "duration_ms"); fmcp_jw_int(&w, e->duration_ms); }
    fmcp__auth_kv(&w, "outcome", e->outcome);
    if (e->retry_after) { fmcp_jw_key(&w, "retry_after"); fmcp_jw_int(&w, e->retry_after); }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) { fmcp_jw_reset(&w); return; }
    if (a->audit) a->audit(a->audit_user, out, n);
    else {
        out[n] = '\n';   /* the buffer holds n + 1 bytes */
        (void)fwrite(out, 1, n + 1, stderr);
        out[n] = 0;
    }
    fmcp_free_text(w.alloc, out, n);
}

/* ---- verified-token cache ------------------------------------------------------ */

static void fmcp__auth_cache_clear(fmcp_auth *a)
{
    size_t i;
    for (i = 0; i < a->cache_cap; i++)
        if (a->cache[i].used) { fmcp__auth_id_free(a->alloc, &a->cache[i].id); a->cache[i].used = 0; }
}

#ifndef FASTMCP_NO_SOCKETS
static size_t fmcp__auth_slot(const uint8_t h[FMCP_SHA256_SIZE], size_t cap)
{
    uint64_t x = 0;
    int i;
    for (i = 0; i < 8; i++) x = (x << 8) | h[i];
    return (size_t)(x % cap);
}

/* The cached identity for this token hash, or NULL (expired entries go). */
static const fmcp__auth_tok *fmcp__auth_cache_get(fmcp_auth *a, const uint8_t h[FMCP_SHA256_SIZE], int64_t now)
{
    size_t i, s;
    if (!a->cache_cap) return NULL;
    s = fmcp__auth_slot(h, a->cache_cap);
    for (i = 0; i < FMCP__AUTH_PROBE && i < a->cache_cap; i++) {
        fmcp__auth_tok *e = &a->cache[(s + i) % a->cache_cap];
        if (!e->used || !fmcp_ct_equal(e->hash, h, FMCP_SHA256_SIZE)) continue;
        if (now >= e->until) { fmcp__auth_id_free(a->alloc, &e->id); e->used = 0; return NULL; }
        return e;
    }
    return NULL;
}

/* Remember a verified identity; failures only cost a later verification. */
static void fmcp__auth_cache_put(fmcp_auth *a, const uint8_t h[FMCP_SHA256_SIZE], const fmcp__auth_id *id, int64_t now)
{
    size_t i, s, victim;
    fmcp__auth_tok *e;
    if (!a->cache_cap) return;
    s = fmcp__auth_slot(h, a->cache_cap);
    victim = s;
    for (i = 0; i < FMCP__AUTH_PROBE && i < a->cache_cap; i++) {
        size_t k = (s + i) % a->cache_cap;
        if (!a->cache[k].used || now >= a->cache[k].until) { victim = k; break; }
        if (a->cache[k].until < a->cache[victim].until) victim = k;
    }
    e = &a->cache[victim];
    if (e->used) fmcp__auth_id_free(a->alloc, &e->id);
    e->used = 0;
    if (fmcp__auth_id_copy(a->alloc, id, &e->id) != FMCP_OK) return;
    memcpy(e->hash, h, FMCP_SHA256_SIZE);
    /* tokens without exp are re-verified after five minutes */
    e->until = id->exp ? id->exp : now + 300;
    e->used = 1;
}

#endif

/* ---- rate limiting ------------------------------------------------------------ */

#ifndef FASTMCP_NO_SOCKETS
static uint32_t fmcp__auth_fnv(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
    return h;
}

/* Take one token from key's bucket: 0 when allowed, else the seconds to wait. */
static int64_t fmcp__auth_rate_take(fmcp_auth *a, const char *key, int64_t now)
{
    uint32_t h = fmcp__auth_fnv(key);
    size_t i, s = h % FMCP__AUTH_BUCKETS, victim = s;
    fmcp__auth_bucket *b = NULL;
    double need;
    int64_t wait;
    for (i = 0; i < FMCP__AUTH_PROBE; i++) {
        fmcp__auth_bucket *c = &a->buckets[(s + i) % FMCP__AUTH_BUCKETS];
        if (c->used && c->hash == h && strncmp(c->key, key, sizeof c->key - 1) == 0) { b = c; break; }
        if (!c->used) { if (a->buckets[victim].used) victim = (s + i) % FMCP__AUTH_BUCKETS; }
        else if (a->buckets[victim].used && c->last_ms < a->buckets[victim].last_ms) victim = (s + i) % FMCP__AUTH_BUCKETS;
    }
    if (!b) {
        b = &a->buckets[victim];
        memset(b, 0, sizeof *b);
        b->used = 1; b->hash = h; b->tokens = a->burst; b->last_ms = now;
        snprintf(b->key, sizeof b->key, "%.95s", key);
    }
    if (now > b->last_ms) {
        b->tokens += (double)(now - b->last_ms) * a->rate / 1000.0;
        if (b->tokens > a->burst) b->tokens = a->burst;
        b->last_ms = now;
    }
    if (b->tokens >= 1.0) { b->tokens -= 1.0; return 0; }
    need = (1.0 - b->tokens) / a->rate;
    wait = (int64_t)need;
    if ((double)wait < need) wait++;
    return wait < 1 ? 1 : wait;
}

#endif

/* ---- tools and the authorizer ------------------------------------------------- */

FASTMCP_API fmcp_result fmcp_auth_authorize(void *user, const fmcp_auth_info *auth, fmcp_item_kind kind,
                                            const char *name, const char *scopes)
{
    (void)user; (void)kind; (void)name;
    if (!scopes || !*scopes) return FMCP_OK;
    if (!auth || !auth->scopes) return FMCP_ERR_FORBIDDEN;
    return fmcp__auth_has_scopes(auth->scopes, scopes) ? FMCP_OK : FMCP_ERR_FORBIDDEN;
}

FASTMCP_API fmcp_result fmcp_auth_item_scopes(fmcp_auth *a, fmcp_item_kind kind, const char *name,
                                              const char *scopes)
{
    fmcp__auth_item *it;
    if (!a || !name) return FMCP_ERR_INVALID_ARG;
    if (!scopes || !*scopes) return FMCP_OK;
    if (!(it = (fmcp__auth_item *)fmcp_malloc(a->alloc, sizeof *it))) return FMCP_ERR_NOMEM;
    it->kind = kind;
    it->name = fmcp__strdup(a->alloc, name);
    it->scopes = fmcp__strdup(a->alloc, scopes);
    if (!it->name || !it->scopes) {
        fmcp__strfree(a->alloc, it->name, 0); fmcp__strfree(a->alloc, it->scopes, 0);
        fmcp_free(a->alloc, it, sizeof *it);
        return FMCP_ERR_NOMEM;
    }
    it->next = a->items;
    a->items = it;
    return FMCP_OK;
}

/* The engine's call observer: one audit line per tools/call, resources/read
 * and prompts/get, from whichever thread finished it. */
static void fmcp__auth_observe(void *user, const fmcp_call_event *ev)
{
    static const char *const events[] = { "tool_called", "resource_read", "resource_read", "prompt_fetched" };
    static const char *const keys[] = { "tool", "resource", "resource", "prompt" };
    static const char *const outcomes[] = { "ok", "error", "cancelled" };
    fmcp__auth_ev e;
    int k = (int)ev->kind, o = (int)ev->outcome;
    if (k < 0 || k > 3 || o < 0 || o > 2) return;
    memset(&e, 0, sizeof e);
    e.event = events[k]; e.item_key = keys[k]; e.item = ev->name;
    e.subject = ev->auth ? ev->auth->subject : NULL;
    e.client_id = ev->auth ? ev->auth->client_id : NULL;
    e.duration_ms = ev->duration_ms; e.has_duration = 1;
    e.outcome = outcomes[o];
    fmcp__auth_audit((fmcp_auth *)user, &e);
}

FASTMCP_API fmcp_result fmcp_auth_add_tool(fmcp_auth *a, fmcp_server *srv, const fmcp_tool_desc *d)
{
    fmcp_result rc;
    if (!a || !srv || !d || !d->name || !d->handler) return FMCP_ERR_INVALID_ARG;
    rc = fmcp_auth_item_scopes(a, FMCP_ITEM_TOOL, d->name, d->scopes);
    if (rc == FMCP_OK) rc = fmcp_server_add_tool(srv, d);
    if (rc != FMCP_OK) {
        if (d->scopes && *d->scopes && a->items && strcmp(a->items->name, d->name) == 0) {
            fmcp__auth_item *it = a->items;   /* undo the registration above */
            a->items = it->next;
            fmcp__strfree(a->alloc, it->name, 0); fmcp__strfree(a->alloc, it->scopes, 0);
            fmcp_free(a->alloc, it, sizeof *it);
        }
        return rc;
    }
    fmcp_server_set_call_observer(srv, fmcp__auth_observe, a);
    return FMCP_OK;
}

/* ---- create / free ------------------------------------------------------------ */

static fmcp_result fmcp__auth_verifier(fmcp_auth *a, const fmcp_auth_desc *d)
{
    fmcp_jwt_verifier_desc vd;
    memset(&vd, 0, sizeof vd);
    vd.keys = d->keys; vd.key_count = d->key_count;
    vd.issuers = d->issuer ? &d->issuer : NULL; vd.issuer_count = d->issuer ? 1 : 0;
    vd.audiences = d->audiences; vd.audience_count = d->audience_count;
    vd.allow_any_audience = d->allow_any_audience;
    vd.problem = d->problem;
    vd.leeway_seconds = d->leeway_seconds;
    vd.typ = d->typ;
    vd.algorithms = d->algorithms; vd.algorithm_count = d->algorithm_count;
    vd.alloc = a->alloc;
    a->have_keys = d->key_count > 0;
    return fmcp_jwt_verifier_create(&vd, &a->v);
}

static fmcp_result fmcp__auth_strings(fmcp_auth *a, const fmcp_auth_desc *d)
{
    fmcp_result rc;
    if (!(a->req_scopes = fmcp__auth_join(a->alloc, d->required_scopes, d->required_scope_count)))
        return FMCP_ERR_NOMEM;
    if ((d->jwks_url && !(a->jwks_url = fmcp__strdup(a->alloc, d->jwks_url))) ||
        (d->resource && !(a->resource = fmcp__strdup(a->alloc, d->resource))) ||
        (d->resource_name && !(a->resource_name = fmcp__strdup(a->alloc, d->resource_name))) ||
        (d->resource_documentation && !(a->resource_doc = fmcp__strdup(a->alloc, d->resource_documentation))) ||
        !(a->mcp_path = fmcp__strdup(a->alloc, "/mcp")))
        return FMCP_ERR_NOMEM;
    rc = fmcp__auth_dup_list(a->alloc, d->authorization_servers, d->authorization_server_count, &a->as, &a->n_as);
    /* RFC 9728 recommends scopes_supported: default to the required scopes */
    if (rc == FMCP_OK && d->scopes_supported_count)
        rc = fmcp__auth_dup_list(a->alloc, d->scopes_supported, d->scopes_supported_count, &a->ss, &a->n_ss);
    else if (rc == FMCP_OK)
        rc = fmcp__auth_dup_list(a->alloc, d->required_scopes, d->required_scope_count, &a->ss, &a->n_ss);
    return rc;
}

static void fmcp__auth_settings(fmcp_auth *a, const fmcp_auth_desc *d)
{
    a->jwks_transport = d->jwks_transport;
    a->ttl_ms = (d->jwks_ttl_seconds > 0 ? d->jwks_ttl_seconds : 3600) * 1000;
    a->cooldown_ms = (d->jwks_cooldown_seconds > 0 ? d->jwks_cooldown_seconds : 30) * 1000;
    a->max_bytes = d->jwks_max_bytes ? d->jwks_max_bytes : 65536;
    a->timeout_ms = d->jwks_timeout_ms > 0 ? d->jwks_timeout_ms : 10000;
    a->rate = d->rate_per_second > 0 ? d->rate_per_second : 0;
    a->burst = d->burst >= 1 ? d->burst : (a->rate > 1 ? a->rate : 1);
    a->audit = d->audit; a->audit_user = d->audit_user; a->no_audit = d->no_audit;
    a->custom = d->authenticate; a->custom_user = d->auth_user;
#ifndef FASTMCP_NO_SOCKETS
    a->loop = d->loop;
#endif
}

static int fmcp__auth_prefix(const char *s, const char *prefix)
{
    size_t i;
    for (i = 0; prefix[i]; i++) {
        int c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        if (c != prefix[i]) return 0;
    }
    return 1;
}

static void fmcp__auth_intro_done(void *user, const uint8_t hash[FMCP_SHA256_SIZE]);

/* The introspection verifier, with this server's token policy. */
static fmcp_result fmcp__auth_intro_create(fmcp_auth *a, const fmcp_auth_desc *d)
{
    fmcp_introspect_desc id = *d->introspection;
    fmcp_result rc;
    id.issuer = d->issuer;
    id.audiences = d->audiences; id.audience_count = d->audience_count;
    id.allow_any_audience = d->allow_any_audience;
    id.leeway_seconds = d->leeway_seconds;
    if (!id.loop) id.loop = d->loop;
    id.alloc = a->alloc;
    id.problem = d->problem;
    rc = fmcp_introspect_create(&id, &a->intro);
    if (rc == FMCP_OK) fmcp_introspect_on_done(a->intro, fmcp__auth_intro_done, a);
    return rc;
}

/* Configuration that can never work fails at creation; *why says what to do. */
static fmcp_result fmcp__auth_check_desc(const fmcp_auth_desc *d, const char **why)
{
    *why = "rate_per_second is negative";
    if (d->rate_per_second < 0) return FMCP_ERR_INVALID_ARG;
    *why = "nothing to check tokens with: give keys, jwks_url, introspection or an authenticate hook";
    if (!d->authenticate && !d->key_count && !d->jwks_url && !d->introspection) return FMCP_ERR_INVALID_ARG;
    if (d->authenticate || !d->jwks_url) return FMCP_OK;   /* introspection checks its own desc */
    *why = "jwks_url must start with http:// or https://";
    if (!fmcp__auth_prefix(d->jwks_url, "http://") && !fmcp__auth_prefix(d->jwks_url, "https://"))
        return FMCP_ERR_INVALID_ARG;
    *why = "jwks_url is https:// but jwks_transport is NULL: build with FASTMCP_WITH_BEARSSL (make BEARSSL=1) and "
           "set jwks_transport = fmcp_tls_client_io(tls), or give the keys as text (keys/key_count)";
    if (fmcp__auth_prefix(d->jwks_url, "https://") && !d->jwks_transport) return FMCP_ERR_UNSUPPORTED;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_auth_create(const fmcp_auth_desc *d, fmcp_auth **out)
{
    fmcp_auth *a;
    fmcp_result rc;
    size_t cap;
    const char *why = NULL;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (!d) return FMCP_ERR_INVALID_ARG;
    if (d->problem) *d->problem = NULL;
    if ((rc = fmcp__auth_check_desc(d, &why)) != FMCP_OK) {
        if (d->problem) *d->problem = why;
        return rc;
    }
    if (!(a = (fmcp_auth *)fmcp_malloc(d->alloc, sizeof *a))) return FMCP_ERR_NOMEM;
    memset(a, 0, sizeof *a);
    a->alloc = d->alloc;
    fmcp__auth_settings(a, d);
    cap = d->token_cache_size < 0 ? 0 : d->token_cache_size == 0 ? 1024 : (size_t)d->token_cache_size;
    rc = fmcp__auth_strings(a, d);
    if (rc == FMCP_OK && !d->authenticate && (d->key_count || d->jwks_url || !d->introspection))
        rc = fmcp__auth_verifier(a, d);
    if (rc == FMCP_OK && !d->authenticate && d->introspection) rc = fmcp__auth_intro_create(a, d);
    if (rc == FMCP_OK && cap && !(a->cache = (fmcp__auth_tok *)fmcp_malloc(a->alloc, cap * sizeof *a->cache)))
        rc = FMCP_ERR_NOMEM;
    if (a->cache) { memset(a->cache, 0, cap * sizeof *a->cache); a->cache_cap = cap; }
    if (rc == FMCP_OK && a->rate > 0 &&
        !(a->buckets = (fmcp__auth_bucket *)fmcp_malloc(a->alloc, FMCP__AUTH_BUCKETS * sizeof *a->buckets)))
        rc = FMCP_ERR_NOMEM;
    if (a->buckets) memset(a->buckets, 0, FMCP__AUTH_BUCKETS * sizeof *a->buckets);
    if (rc == FMCP_OK && d->dpop_mode && !d->authenticate) {
        fmcp_dpop_desc dd = d->dpop;
        dd.alloc = d->alloc;
        a->dpop_mode = d->dpop_mode == FMCP_AUTH_DPOP_REQUIRED ? FMCP_AUTH_DPOP_REQUIRED : FMCP_AUTH_DPOP_ALLOWED;
        rc = fmcp_dpop_create(&dd, &a->dpop);
        if (rc != FMCP_OK && d->problem) *d->problem = "dpop.algorithms: unknown or too many DPoP algorithms";
    }
    if (rc != FMCP_OK) { fmcp_auth_destroy(a); return rc; }
#ifndef FASTMCP_NO_SOCKETS
    if (a->jwks_url && a->loop) (void)fmcp_auth_refresh(a);
#endif
    *out = a;
    return FMCP_OK;
}

static void fmcp__auth_unpark_all(fmcp_auth *a, int force_unavailable);

FASTMCP_API void fmcp_auth_destroy(fmcp_auth *a)
{
    const fmcp_allocator *al;
    if (!a) return;
    al = a->alloc;
#ifndef FASTMCP_NO_SOCKETS
    if (a->op) { fmcp_http_fetch_cancel(a->op); a->op = NULL; }
#endif
    a->fetching = 0;
    fmcp__auth_unpark_all(a, 1);
    while (a->items) {
        fmcp__auth_item *it = a->items;
        a->items = it->next;
        fmcp__strfree(al, it->name, 0); fmcp__strfree(al, it->scopes, 0);
        fmcp_free(al, it, sizeof *it);
    }
    if (a->cache) { fmcp__auth_cache_clear(a); fmcp_free(al, a->cache, a->cache_cap * sizeof *a->cache); }
    if (a->buckets) fmcp_free(al, a->buckets, FMCP__AUTH_BUCKETS * sizeof *a->buckets);
    fmcp_jwt_verifier_destroy(a->v);
    fmcp_dpop_destroy(a->dpop);
    fmcp_introspect_destroy(a->intro);
    fmcp__strfree(al, a->req_scopes, 0); fmcp__strfree(al, a->jwks_url, 0);
    fmcp__strfree(al, a->resource, 0); fmcp__strfree(al, a->resource_name, 0);
    fmcp__strfree(al, a->resource_doc, 0); fmcp__strfree(al, a->mcp_path, 0);
    fmcp__auth_free_list(al, a->as, a->n_as);
    fmcp__auth_free_list(al, a->ss, a->n_ss);
    fmcp_free(al, a, sizeof *a);
}

FASTMCP_API void fmcp_auth_stats_get(fmcp_auth *a, fmcp_auth_stats *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!a) return;
    *out = a->st;
    if (a->intro) {
        fmcp_introspect_stats is;
        fmcp_introspect_stats_get(a->intro, &is);
        out->introspect_fetches = is.fetches;
        out->introspect_cache_hits = is.cache_hits;
        out->introspect_failures = is.failures;
    }
}

#ifdef FASTMCP_NO_SOCKETS
static void fmcp__auth_unpark_all(fmcp_auth *a, int force_unavailable)
{
    (void)a; (void)force_unavailable;
}

static void fmcp__auth_intro_done(void *user, const uint8_t hash[FMCP_SHA256_SIZE])
{
    (void)user; (void)hash;
}
#else
/* ---- HTTP: request context and answers ------------------------------------------ */

typedef struct fmcp__auth_rq {
    fmcp_auth *a;
    const fmcp_http_req *req;
    fmcp__auth_hold *h;
    fmcp_http_auth_reply *r;
    fmcp_json_doc *doc;
    int parsed, rejected, park;
    int64_t now_ms, now_s;
    char addr[80];
    char *token;
    size_t token_len;
    int dpop_scheme;                /* Authorization: DPoP */
} fmcp__auth_rq;

static void fmcp__auth_hold_free(fmcp_auth *a, fmcp__auth_hold *h)
{
    if (!h) return;
    fmcp__auth_id_free(a->alloc, &h->id);
    if (h->body) fmcp_free(a->alloc, h->body, h->body_size);
    fmcp_free(a->alloc, h, sizeof *h);
}

static void fmcp__auth_release(void *user, fmcp_http_auth_reply *reply)
{
    fmcp__auth_hold *h = (fmcp__auth_hold *)user;
    (void)reply;
    fmcp__auth_hold_free(h->a, h);
}

/* The peer address without its port (rate-limit key when unauthenticated). */
static void fmcp__auth_addr(const fmcp_http_req *req, char *out, size_t cap)
{
    const char *r = fmcp_http_req_remote(req), *end;
    size_t n;
    out[0] = 0;
    if (!r) return;
    if (*r == '[') { r++; end = strchr(r, ']'); }
    else end = strrchr(r, ':');
    n = end ? (size_t)(end - r) : strlen(r);
    if (n >= cap) n = cap - 1;
    memcpy(out, r, n);
    out[n] = 0;
}

/* Host header characters we are willing to echo into a URL. */
static int fmcp__auth_host_ok(const char *h)
{
    if (!h || !*h || strlen(h) > 255) return 0;
    for (; *h; h++) {
        char c = *h;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_')) return 0;
    }
    return 1;
}

/* scheme://authority of the resource (configured, else from Host) and its path. */
static void fmcp__auth_origin(const fmcp_auth *a, const fmcp_http_req *req, char *origin, size_t cap,
                              const char **path)
{
    const char *host;
    if (a->resource) {
        const char *p = strstr(a->resource, "://");
        size_t n;
        p = p ? strchr(p + 3, '/') : NULL;
        n = p ? (size_t)(p - a->resource) : strlen(a->resource);
        if (n >= cap) n = cap - 1;
        memcpy(origin, a->resource, n);
        origin[n] = 0;
        *path = p ? p : "";
        return;
    }
    host = fmcp_http_req_header(req, "Host");
    snprintf(origin, cap, "http://%s", fmcp__auth_host_ok(host) ? host : "localhost");
    *path = a->mcp_path;
}

static void fmcp__auth_prm_url(const fmcp_auth *a, const fmcp_http_req *req, char *out, size_t cap)
{
    char origin[512];
    const char *path;
    fmcp__auth_origin(a, req, origin, sizeof origin, &path);
    if (strcmp(path, "/") == 0) path = "";
    snprintf(out, cap, "%s/.well-known/oauth-protected-resource%s", origin, path);
}

/* Parsed request body (POST only), for the JSON-RPC id and item checks. */
static const fmcp_json *fmcp__auth_root(fmcp__auth_rq *rq)
{
    if (!rq->parsed) {
        size_t n = 0;
        const char *b = fmcp_http_req_body(rq->req, &n);
        fmcp_json_parse_options o;
        rq->parsed = 1;
        memset(&o, 0, sizeof o);
        o.alloc = rq->a->alloc;
        if (b && n && strcmp(fmcp_http_req_method(rq->req), "POST") == 0)
            (void)fmcp_json_parse(b, n, &o, &rq->doc, NULL);
    }
    return rq->doc ? fmcp_json_root(rq->doc) : NULL;
}

/* Body {"error":..,"error_description":..[,"id":..]}; NOMEM leaves it empty. */
static void fmcp__auth_body(fmcp__auth_rq *rq, const char *error, const char *desc)
{
    fmcp_json_writer w;
    const fmcp_json *root = fmcp__auth_root(rq), *id = NULL;
    char *out;
    size_t n;
    if (root && fmcp_json_is(root, FMCP_JSON_OBJECT)) id = fmcp_json_get(root, "id");
    fmcp_jw_init(&w, rq->a->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__auth_kv(&w, "error", error);
    fmcp__auth_kv(&w, "error_description", desc);
    if (id) { fmcp_jw_key(&w, "id"); fmcp_jw_value(&w, id); }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) { fmcp_jw_reset(&w); return; }
    /* keep it in our allocation size bookkeeping: the writer gave n + 1 bytes */
    rq->h->body = out;
    rq->h->body_size = n + 1;
}

/* Appends `, name="value"` (no comma first) as an RFC 9110 quoted-string:
 * `"` and `\` are backslash-escaped and control characters other than HTAB
 * dropped, so no text (a custom hook's message, a Host-derived URL) can close
 * the quotes and add auth-params. A parameter that does not fit is left out
 * whole, never cut inside its quotes. *n is the length used so far. */
static void fmcp__auth_param(char *dst, size_t cap, size_t *n, const char *name, const char *value)
{
    size_t o = *n, nl = strlen(name);
    int fits = 1;
    if (!value) return;
    if (o && o + 2 < cap) { dst[o++] = ','; dst[o++] = ' '; }
    if (o + nl + 3 >= cap) fits = 0;
    else { memcpy(dst + o, name, nl); o += nl; dst[o++] = '='; dst[o++] = '"'; }
    for (; fits && *value; value++) {
        unsigned char c = (unsigned char)*value;
        if ((c < 0x20 && c != '\t') || c == 0x7f) continue;
        if (o + 3 >= cap) fits = 0;   /* room for an escape, the char and the closing quote */
        else if (c == '"' || c == '\\') dst[o++] = '\\';
        if (fits) dst[o++] = (char)c;
    }
    if (fits) { dst[o++] = '"'; *n = o; }
    dst[*n] = 0;
}

/* Fill a rejection. kind: 0 = missing token, 1 = error with scope, 2 = plain. */
static void fmcp__auth_reject(fmcp__auth_rq *rq, int status, const char *error, const char *desc,
                              const char *scope, const char *reason, int64_t retry)
{
    fmcp__auth_hold *h = rq->h;
    fmcp_http_auth_reply *r = rq->r;
    char url[900];
    fmcp__auth_ev e;
    size_t n = 0;
    rq->rejected = 1;
    r->status = status;
    if (status == 401 || status == 403) {
        char *p = h->www + 7;   /* after "Bearer " */
        size_t cap = sizeof h->www - 7;
        /* RFC 9449 7.1: a DPoP request (or a DPoP-only server) is answered in the DPoP scheme */
        int dp = rq->a->dpop && (rq->dpop_scheme || rq->a->dpop_mode == FMCP_AUTH_DPOP_REQUIRED);
        fmcp__auth_prm_url(rq->a, rq->req, url, sizeof url);
        memcpy(h->www, "Bearer ", 8);
        if (dp) {
            fmcp_dpop_challenge(rq->a->dpop, NULL, NULL, NULL, h->www, sizeof h->www);
            p = h->www; cap = sizeof h->www; n = strlen(h->www);
        }
        fmcp__auth_param(p, cap, &n, "error", error);
        if (error) fmcp__auth_param(p, cap, &n, "error_description", desc);
        fmcp__auth_param(p, cap, &n, "resource_metadata", url);
        if (scope && *scope) fmcp__auth_param(p, cap, &n, "scope", scope);
        r->headers[r->nheaders].name = "WWW-Authenticate";
        r->headers[r->nheaders++].value = h->www;
        if (rq->a->dpop && !dp && status == 401) {   /* DPoP allowed: offer it too */
            fmcp_dpop_challenge(rq->a->dpop, NULL, NULL, NULL, h->dwww, sizeof h->dwww);
            r->headers[r->nheaders].name = "WWW-Authenticate";
            r->headers[r->nheaders++].value = h->dwww;
        }
    }
    if (retry > 0) {
        snprintf(h->retry, sizeof h->retry, "%lld", (long long)retry);
        r->headers[r->nheaders].name = "Retry-After";
        r->headers[r->nheaders++].value = h->retry;
    }
    fmcp__auth_body(rq, error ? error : "unauthorized", desc);
    r->body = h->body;
    r->content_type = "application/json";
    memset(&e, 0, sizeof e);
    e.event = status == 429 ? "rate_limited" : "auth_rejected";
    e.reason = reason; e.status = status; e.remote = rq->addr; e.retry_after = retry;
    e.method = fmcp_http_req_method(rq->req); e.path = fmcp_http_req_path(rq->req);
    e.subject = h->id.sub; e.client_id = h->id.cid;
    fmcp__auth_audit(rq->a, &e);
}

/* Take from the bucket of the subject, else client id, else address. */
static int fmcp__auth_rate_ok(fmcp__auth_rq *rq, const fmcp__auth_id *id)
{
    int64_t wait;
    char key[100];
    if (rq->a->rate <= 0) return 1;
    if (id && id->sub && *id->sub) snprintf(key, sizeof key, "s:%s", id->sub);
    else if (id && id->cid && *id->cid) snprintf(key, sizeof key, "c:%s", id->cid);
    else snprintf(key, sizeof key, "a:%s", rq->addr);
    if ((wait = fmcp__auth_rate_take(rq->a, key, rq->now_ms)) == 0) return 1;
    fmcp__auth_reject(rq, 429, "rate_limited", "Too many requests", NULL, "rate_limited", wait);
    return 0;
}

/* ---- per-item scopes before dispatch ------------------------------------------------- */

/* Scopes the item a message names needs (copied into buf), or NULL. Items
 * named with fmcp_auth_item_scopes first, then the attached server's registry. */
static const char *fmcp__auth_item_need(const fmcp_auth *a, const fmcp_json *msg, char *buf, size_t cap)
{
    const char *m = fmcp_json_get_str(msg, "method", NULL), *name;
    const fmcp_json *params = fmcp_json_get(msg, "params");
    const fmcp__auth_item *it;
    fmcp_item_kind kind;
    if (!m || !params) return NULL;
    if (strcmp(m, "tools/call") == 0) { kind = FMCP_ITEM_TOOL; name = fmcp_json_get_str(params, "name", NULL); }
    else if (strcmp(m, "prompts/get") == 0) { kind = FMCP_ITEM_PROMPT; name = fmcp_json_get_str(params, "name", NULL); }
    else if (strcmp(m, "resources/read") == 0) { kind = FMCP_ITEM_RESOURCE; name = fmcp_json_get_str(params, "uri", NULL); }
    else return NULL;
    if (!name) return NULL;
    for (it = a->items; it; it = it->next)
        if (it->kind == kind && strcmp(it->name, name) == 0) return it->scopes;
    if (a->srv && fmcp_server_item_scopes(a->srv, kind, name, buf, cap) == FMCP_OK && *buf) return buf;
    return NULL;
}

/* 1 when the caller may use every item the message(s) name; else a 403. */
static int fmcp__auth_items_ok(fmcp__auth_rq *rq)
{
    const fmcp_json *root, *msg;
    char buf[512];   /* longer scope lists get the engine's JSON-RPC refusal instead */
    if ((!rq->a->items && !rq->a->srv) || !(root = fmcp__auth_root(rq))) return 1;
    msg = fmcp_json_is(root, FMCP_JSON_ARRAY) ? fmcp_json_first(root) : root;
    for (; msg; msg = fmcp_json_is(root, FMCP_JSON_ARRAY) ? fmcp_json_next(msg) : NULL) {
        const char *need = fmcp_json_is(msg, FMCP_JSON_OBJECT) ? fmcp__auth_item_need(rq->a, msg, buf, sizeof buf) : NULL;
        if (need && !fmcp__auth_has_scopes(rq->h->id.scopes, need)) {
            fmcp__auth_reject(rq, 403, "insufficient_scope", "The token lacks a scope this item requires",
                              need, "insufficient_scope", 0);
            return 0;
        }
    }
    return 1;
}

/* ---- JWKS URL ------------------------------------------------------------------------ */

/* Cache-Control max-age in ms, clamped to [60 s, 1 day]; def when absent. */
static int64_t fmcp__auth_max_age(const fmcp_http_response *res, int64_t def)
{
    const char *cc = fmcp_http_response_header(res, "Cache-Control");
    int64_t v = 0;
    int digits = 0;
    for (; cc && *cc; cc++) {
        if (!fmcp__ieqn(cc, "max-age=", 8)) continue;
        for (cc += 8; *cc >= '0' && *cc <= '9' && digits < 12; cc++, digits++) v = v * 10 + (*cc - '0');
        break;
    }
    if (!digits) return def;
    if (v < 60) v = 60;
    if (v > 86400) v = 86400;
    return v * 1000;
}

static void fmcp__auth_install(fmcp_auth *a, const fmcp_http_response *res)
{
    fmcp_jwt_keyset *ks = NULL;
    int64_t now = fmcp_monotonic_ms();
    if (res && res->status == 200 && fmcp_jwt_keyset_create(a->alloc, &ks) == FMCP_OK &&
        fmcp_jwt_keyset_add(ks, res->body, res->body_len) == FMCP_OK) {
        a->st.keys = fmcp_jwt_keyset_count(ks);
        fmcp_jwt_verifier_set_keys(a->v, ks);
        a->have_keys = 1;
        fmcp__auth_cache_clear(a);   /* identities verified with retired keys go */
        a->keys_until_ms = now + fmcp__auth_max_age(res, a->ttl_ms);
        return;
    }
    fmcp_jwt_keyset_destroy(ks);
    a->st.jwks_failures++;
    /* keep the last good set; try again after the cooldown */
    a->keys_until_ms = now + a->cooldown_ms;
}

static void fmcp__auth_fetched(void *user, fmcp_result rc, fmcp_http_response *res)
{
    fmcp_auth *a = (fmcp_auth *)user;
    a->op = NULL;
    a->fetching = 0;
    fmcp__auth_install(a, rc == FMCP_OK ? res : NULL);
    if (res) fmcp_http_response_destroy(res);
    fmcp__auth_unpark_all(a, 0);
}

FASTMCP_API fmcp_result fmcp_auth_refresh(fmcp_auth *a)
{
    fmcp_http_client_req c;
    fmcp_http_header h[1];
    fmcp_result rc;
    if (!a) return FMCP_ERR_INVALID_ARG;
    if (!a->jwks_url || !a->loop) return FMCP_ERR_STATE;
    if (a->fetching) return FMCP_OK;
    memset(&c, 0, sizeof c);
    h[0].name = "Accept"; h[0].value = "application/json";
    c.url = a->jwks_url; c.headers = h; c.nheaders = 1;
    c.max_response_bytes = a->max_bytes; c.timeout_ms = a->timeout_ms;
    c.transport = a->jwks_transport;
    a->last_fetch_ms = fmcp_monotonic_ms();
    a->fetched_once = 1;
    a->st.jwks_fetches++;
    rc = fmcp_http_fetch_async(a->loop, &c, fmcp__auth_fetched, a, &a->op);
    if (rc != FMCP_OK) {
        a->op = NULL;
        fmcp__auth_install(a, NULL);
        return rc;
    }
    a->fetching = 1;
    return FMCP_OK;
}

/* May a request wait for a (new) fetch? Starts one when the cooldown allows. */
static int fmcp__auth_fetch_for(fmcp_auth *a, int64_t now)
{
    if (a->fetching) return 1;
    if (a->fetched_once && now - a->last_fetch_ms < a->cooldown_ms) return 0;
    return fmcp_auth_refresh(a) == FMCP_OK && a->fetching;
}

/* ---- bearer tokens -------------------------------------------------------------------- */

/* The token of "Authorization: Bearer <token>" (or "DPoP <token>" when DPoP
 * is on: *dpop = 1); NULL when absent or another scheme. */
static const char *fmcp__auth_token(const fmcp_http_req *req, size_t *len, int dpop_on, int *dpop)
{
    const char *v = fmcp_http_req_header(req, "Authorization"), *e;
    size_t sl = 6;
    if (!v) return NULL;
    while (*v == ' ' || *v == '\t') v++;
    *dpop = dpop_on && fmcp__ieqn(v, "dpop", 4) && (v[4] == ' ' || v[4] == '\t' || v[4] == 0);
    if (*dpop) sl = 4;
    else if (!fmcp__ieqn(v, "bearer", 6) || (v[6] != ' ' && v[6] != '\t' && v[6] != 0)) return NULL;
    for (v += sl; *v == ' ' || *v == '\t'; v++) {}
    for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--) {}
    *len = (size_t)(e - v);
    return v;
}

static void fmcp__auth_unavailable(fmcp__auth_rq *rq)
{
    int64_t wait = (rq->a->cooldown_ms - (rq->now_ms - rq->a->last_fetch_ms) + 999) / 1000;
    if (rq->h->intro) {   /* parked for introspection, but the transport cannot wait */
        rq->h->intro = 0;
        fmcp__auth_reject(rq, 503, "temporarily_unavailable", "Token introspection is not available", NULL,
                          "unavailable", 1);
        return;
    }
    fmcp__auth_reject(rq, 503, "temporarily_unavailable", "Signing keys are not available yet", NULL,
                      "unavailable", wait < 1 ? 1 : wait);
}

/* An opaque token: the introspection verdict fills h->id, or rejects, or parks. */
static fmcp_result fmcp__auth_introspect(fmcp__auth_rq *rq, const char *tok, size_t n, int may_park)
{
    fmcp_introspect_verdict v;
    const char *s[5];
    fmcp_result rc = fmcp_introspect_check(rq->a->intro, tok, n, may_park, &v);
    if (rc != FMCP_OK) return rc;
    if (v.state == FMCP_INTROSPECT_ACTIVE) {
        s[0] = v.subject; s[1] = v.client_id; s[2] = v.scopes; s[3] = v.claims_json; s[4] = v.issuer;
        return fmcp__auth_id_make(rq->a->alloc, s, v.expires_at, NULL, &rq->h->id);
    }
    if (v.state == FMCP_INTROSPECT_PENDING && may_park) {
        rq->park = 1;
        rq->h->intro = 1;
        fmcp_sha256(tok, n, rq->h->intro_hash);
    } else if (v.state == FMCP_INTROSPECT_REJECTED) {
        if (fmcp__auth_rate_ok(rq, NULL)) fmcp__auth_reject(rq, 401, "invalid_token", v.description, NULL, v.reason, 0);
    } else {
        fmcp__auth_reject(rq, 503, "temporarily_unavailable", v.description, NULL, v.reason ? v.reason : "unavailable", 1);
    }
    return FMCP_OK;
}

/* Verify (or find in the cache) the token; fills h->id or rejects or parks. */
static fmcp_result fmcp__auth_verify(fmcp__auth_rq *rq, const char *tok, size_t n, int may_park)
{
    fmcp_auth *a = rq->a;
    uint8_t hash[FMCP_SHA256_SIZE];
    const fmcp__auth_tok *hit;
    fmcp_jwt_verdict v;
    fmcp_result rc;
    if (a->intro && (!a->v || !fmcp_introspect_looks_jwt(tok, n))) return fmcp__auth_introspect(rq, tok, n, may_park);
    if (a->jwks_url && a->have_keys && rq->now_ms >= a->keys_until_ms && !a->fetching)
        (void)fmcp_auth_refresh(a);   /* stale: refresh in the background, use the old set */
    fmcp_sha256(tok, n, hash);
    if ((hit = fmcp__auth_cache_get(a, hash, rq->now_s)) != NULL) {
        a->st.cache_hits++;
        return fmcp__auth_id_copy(a->alloc, &hit->id, &rq->h->id);
    }
    if (a->jwks_url && !a->have_keys) {
        if (may_park && fmcp__auth_fetch_for(a, rq->now_ms)) rq->park = 1;
        else fmcp__auth_unavailable(rq);
        return FMCP_OK;
    }
    a->st.verifications++;
    rc = fmcp_jwt_verify(a->v, tok, n, &v);
    if (rc == FMCP_OK) {
        rc = fmcp__auth_id_from_claims(a->alloc, &v.claims, &rq->h->id);
        if (rc == FMCP_OK) fmcp__auth_cache_put(a, hash, &rq->h->id, rq->now_s);
    } else if (rc != FMCP_ERR_NOMEM) {
        if (v.error == FMCP_JWT_UNKNOWN_KID && a->jwks_url && may_park && fmcp__auth_fetch_for(a, rq->now_ms))
            rq->park = 1;
        else if (fmcp__auth_rate_ok(rq, NULL))
            fmcp__auth_reject(rq, 401, "invalid_token", v.description, NULL, fmcp_jwt_error_name(v.error), 0);
        rc = FMCP_OK;
    }
    fmcp_jwt_verdict_destroy(&v);
    return rc;
}

/* RFC 9449 on a verified token: bound tokens need the DPoP scheme and a proof
 * made with the bound key for this request; the binding (cnf.jkt) comes from
 * the claims whatever verified the token (a JWT, an introspection answer). */
static fmcp_result fmcp__auth_dpop(fmcp__auth_rq *rq, const char *tok, size_t n)
{
    fmcp_auth *a = rq->a;
    char jkt[FMCP_JWK_THUMBPRINT_LEN + 1], url[1200], origin[512];
    const char *claims = rq->h->id.claims, *proof = NULL, *hn, *hv, *path;
    fmcp_dpop_request dr;
    fmcp_dpop_verdict v;
    fmcp_result rc;
    size_t i, proofs = 0;
    rc = claims ? fmcp_dpop_jkt_from_claims(claims, strlen(claims), a->alloc, jkt) : FMCP_ERR_NOT_FOUND;
    if (rc == FMCP_ERR_NOMEM) return rc;
    if (rc == FMCP_ERR_PARSE || (!rq->dpop_scheme && (rc == FMCP_OK || a->dpop_mode == FMCP_AUTH_DPOP_REQUIRED)) ||
        (rq->dpop_scheme && rc != FMCP_OK)) {
        if (!fmcp__auth_rate_ok(rq, NULL)) return FMCP_OK;   /* refused: counts like a bad token */
    }
    if (rc == FMCP_ERR_PARSE) {
        fmcp__auth_reject(rq, 401, "invalid_token", "The token's cnf.jkt is malformed", NULL, "dpop_binding", 0);
        return FMCP_OK;
    }
    if (!rq->dpop_scheme) {
        if (rc == FMCP_OK)
            fmcp__auth_reject(rq, 401, "invalid_token", "A DPoP-bound token must be sent with the DPoP scheme",
                              NULL, "dpop_bound_as_bearer", 0);
        else if (a->dpop_mode == FMCP_AUTH_DPOP_REQUIRED)
            fmcp__auth_reject(rq, 401, "invalid_token", "This server requires DPoP-bound tokens", NULL,
                              "dpop_required", 0);
        return FMCP_OK;
    }
    if (rc != FMCP_OK) {
        fmcp__auth_reject(rq, 401, "invalid_token", "The token is not DPoP-bound", NULL, "dpop_unbound", 0);
        return FMCP_OK;
    }
    for (i = 0; fmcp_http_req_header_at(rq->req, i, &hn, &hv); i++)
        if (fmcp__ieqn(hn, "dpop", 5)) { proofs++; proof = hv; }
    memset(&dr, 0, sizeof dr);
    if (proofs == 1) { dr.proof = proof; dr.proof_len = strlen(proof); }
    fmcp__auth_origin(a, rq->req, origin, sizeof origin, &path);
    snprintf(url, sizeof url, "%s%s", origin, fmcp_http_req_path(rq->req));
    dr.method = fmcp_http_req_method(rq->req);
    dr.url = url;
    dr.token = tok; dr.token_len = n;
    dr.jkt = jkt;
    if (proofs > 1) {   /* RFC 9449 4.3 step 1: exactly one */
        memset(&v, 0, sizeof v);
        rc = FMCP_ERR_AUTH;
        v.code = "invalid_dpop_proof"; v.description = "More than one DPoP header"; v.error = FMCP_DPOP_MALFORMED;
    } else rc = fmcp_dpop_check(a->dpop, &dr, &v);
    if (rc == FMCP_OK) a->st.dpop_accepted++;
    if (rc != FMCP_ERR_AUTH) return rc;
    a->st.dpop_rejected++;
    if (v.error == FMCP_DPOP_REPLAY) a->st.dpop_replays++;
    if (!fmcp__auth_rate_ok(rq, NULL)) return FMCP_OK;
    fmcp__auth_reject(rq, 401, v.code, v.description, NULL, fmcp_dpop_error_name(v.error), 0);
    if (v.error == FMCP_DPOP_NONCE && rq->r->nheaders < 4 &&
        fmcp_dpop_nonce(a->dpop, rq->h->dnonce) == FMCP_OK) {
        rq->r->headers[rq->r->nheaders].name = "DPoP-Nonce";
        rq->r->headers[rq->r->nheaders++].value = rq->h->dnonce;
    }
    return FMCP_OK;
}

static fmcp_result fmcp__auth_bearer(fmcp__auth_rq *rq, int may_park)
{
    size_t n = 0;
    const char *tok = fmcp__auth_token(rq->req, &n, rq->a->dpop != NULL, &rq->dpop_scheme);
    fmcp_result rc;
    if (!tok || !n) {
        if (fmcp__auth_rate_ok(rq, NULL))
            fmcp__auth_reject(rq, 401, NULL, "Authentication required", rq->a->req_scopes, "missing_token", 0);
        return FMCP_OK;
    }
    rq->token = (char *)tok;   /* the header value outlives the reply */
    rq->token_len = n;
    rc = fmcp__auth_verify(rq, tok, n, may_park);
    if (rc != FMCP_OK || rq->park || rq->rejected || !rq->a->dpop) return rc;
    return fmcp__auth_dpop(rq, tok, n);
}

/* ---- custom hook ---------------------------------------------------------------------- */

static void fmcp__auth_custom_reject(fmcp__auth_rq *rq, const fmcp_auth_custom_reply *cr)
{
    size_t i;
    fmcp__auth_reject(rq, cr->status, cr->error ? cr->error : (cr->status == 403 ? "forbidden" : "unauthorized"),
                      cr->message, NULL, "custom", 0);
    for (i = 0; i < cr->nheaders && i < 2 && rq->r->nheaders < 4; i++) {
        if (!cr->headers[i].name || !cr->headers[i].value) continue;
        snprintf(rq->h->xh[i][0], sizeof rq->h->xh[i][0], "%s", cr->headers[i].name);
        snprintf(rq->h->xh[i][1], sizeof rq->h->xh[i][1], "%s", cr->headers[i].value);
        rq->r->headers[rq->r->nheaders].name = rq->h->xh[i][0];
        rq->r->headers[rq->r->nheaders++].value = rq->h->xh[i][1];
    }
}

static fmcp_result fmcp__auth_custom(fmcp__auth_rq *rq)
{
    fmcp_auth_custom_reply cr;
    const char *s[5];
    fmcp_result rc;
    memset(&cr, 0, sizeof cr);
    rc = rq->a->custom(rq->a->custom_user, fmcp_http_req_method(rq->req), fmcp_http_req_path(rq->req), rq->req, &cr);
    if (rc != FMCP_OK) return rc;
    if (cr.status) {
        if (cr.status < 400 || cr.status > 599) cr.status = 401;
        fmcp__auth_custom_reject(rq, &cr);
        return FMCP_OK;
    }
    s[0] = cr.subject; s[1] = cr.client_id; s[2] = cr.scopes; s[3] = cr.session_json; s[4] = NULL;
    return fmcp__auth_id_make(rq->a->alloc, s, cr.expires_at, cr.data, &rq->h->id);
}

/* ---- the decision --------------------------------------------------------------------- */

static void fmcp__auth_accept(fmcp__auth_rq *rq)
{
    fmcp__auth_id *id = &rq->h->id;
    fmcp_http_auth_reply *r = rq->r;
    fmcp__auth_ev e;
    r->has_info = 1;
    r->info.subject = id->sub;
    r->info.client_id = id->cid;
    r->info.scopes = id->scopes;
    r->info.expires_at = id->exp;
    r->info.token = rq->token;
    r->info.claims_json = id->claims;
    r->info.data = id->data;
    r->info.issuer = id->iss;
    memset(&e, 0, sizeof e);
    e.event = "auth_accepted"; e.subject = id->sub; e.client_id = id->cid; e.remote = rq->addr;
    e.method = fmcp_http_req_method(rq->req); e.path = fmcp_http_req_path(rq->req);
    fmcp__auth_audit(rq->a, &e);
}

static fmcp_result fmcp__auth_decide(fmcp__auth_rq *rq, int may_park)
{
    fmcp_auth *a = rq->a;
    fmcp_result rc = a->custom ? fmcp__auth_custom(rq) : fmcp__auth_bearer(rq, may_park);
    if (rc != FMCP_OK || rq->park || rq->rejected) return rc;
    if (*a->req_scopes && !fmcp__auth_has_scopes(rq->h->id.scopes, a->req_scopes))
        fmcp__auth_reject(rq, 403, "insufficient_scope", "The token lacks a required scope", a->req_scopes,
                          "insufficient_scope", 0);
    /* before the body (reply->early): nothing more to see; the call with the
     * body checks items, takes from the rate bucket and logs the acceptance,
     * so a request costs one of each */
    else if (rq->r->early) {}
    else if (fmcp__auth_items_ok(rq) && fmcp__auth_rate_ok(rq, &rq->h->id))
        fmcp__auth_accept(rq);
    return FMCP_OK;
}

static void fmcp__auth_rq_init(fmcp__auth_rq *rq, fmcp_auth *a, const fmcp_http_req *req, fmcp__auth_hold *h,
                               fmcp_http_auth_reply *r)
{
    memset(rq, 0, sizeof *rq);
    rq->a = a; rq->req = req; rq->h = h; rq->r = r;
    rq->now_ms = fmcp_monotonic_ms();
    rq->now_s = fmcp_time_now();
    fmcp__auth_addr(req, rq->addr, sizeof rq->addr);
}

static void fmcp__auth_rq_done(fmcp__auth_rq *rq)
{
    if (rq->doc) fmcp_json_doc_destroy(rq->doc);
}

/* Decide a parked request again (now without parking) and hand it back. */
static void fmcp__auth_resume(fmcp_auth *a, fmcp__auth_hold *h, int force_unavailable)
{
#ifdef FMCP_HTTP_ENDPOINT_AUTH_DEFER
    fmcp__auth_rq rq;
    fmcp_result rc = FMCP_OK;
    memset(&h->reply, 0, sizeof h->reply);
    h->reply.early = h->early;
    fmcp__auth_rq_init(&rq, a, h->req, h, &h->reply);
    if (force_unavailable) fmcp__auth_unavailable(&rq);
    else rc = fmcp__auth_decide(&rq, 0);
    if (rc != FMCP_OK) fmcp__auth_reject(&rq, 500, "server_error", "Out of memory", NULL, "server_error", 0);
    fmcp__auth_rq_done(&rq);
    h->reply.release = fmcp__auth_release;
    h->reply.release_user = h;
    fmcp_http_endpoint_auth_resume((fmcp_http_endpoint *)h->transport, h->req, &h->reply);
#else
    (void)force_unavailable;
    fmcp__auth_hold_free(a, h);
#endif
}

static void fmcp__auth_requeue(fmcp_auth *a, fmcp__auth_hold *h)
{
    h->next = NULL;
    if (a->parked_tail) a->parked_tail->next = h;
    else a->parked = h;
    a->parked_tail = h;
    a->nparked++;
}

static void fmcp__auth_unpark_all(fmcp_auth *a, int freeing)
{
    fmcp__auth_hold *h = a->parked;
    a->parked = a->parked_tail = NULL;
    a->nparked = 0;
    while (h) {
        fmcp__auth_hold *next = h->next;
        /* when freeing, the transport may already be gone: the loop releases the request */
        if (freeing) fmcp__auth_hold_free(a, h);
        else if (h->intro) fmcp__auth_requeue(a, h);   /* waits for its introspection */
        else fmcp__auth_resume(a, h, 0);
        h = next;
    }
}

/* An introspection finished: resume the requests that wait for this token. */
static void fmcp__auth_intro_done(void *user, const uint8_t hash[FMCP_SHA256_SIZE])
{
    fmcp_auth *a = (fmcp_auth *)user;
    fmcp__auth_hold *h = a->parked, *ready = NULL, **rt = &ready;
    a->parked = a->parked_tail = NULL;
    a->nparked = 0;
    while (h) {
        fmcp__auth_hold *next = h->next;
        h->next = NULL;
        if (h->intro && fmcp_ct_equal(h->intro_hash, hash, FMCP_SHA256_SIZE)) { *rt = h; rt = &h->next; }
        else fmcp__auth_requeue(a, h);
        h = next;
    }
    while (ready) {
        h = ready->next;
        fmcp__auth_resume(a, ready, 0);
        ready = h;
    }
}

static int fmcp__auth_park(fmcp__auth_rq *rq)
{
#ifdef FMCP_HTTP_ENDPOINT_AUTH_DEFER
    fmcp_auth *a = rq->a;
    if (!rq->r->transport || a->nparked >= FMCP__AUTH_MAX_PARKED) return 0;
    rq->h->req = (fmcp_http_req *)rq->req;
    rq->h->transport = rq->r->transport;
    rq->h->early = rq->r->early;
    rq->h->next = NULL;
    if (a->parked_tail) a->parked_tail->next = rq->h;
    else a->parked = rq->h;
    a->parked_tail = rq->h;
    a->nparked++;
    a->st.parked++;
    rq->r->defer = 1;
    return 1;
#else
    (void)rq;
    return 0;
#endif
}

FASTMCP_API fmcp_result fmcp_auth_http_hook(void *user, const char *method, const char *path,
                                            const fmcp_http_req *req, fmcp_http_auth_reply *reply)
{
    fmcp_auth *a = (fmcp_auth *)user;
    fmcp__auth_hold *h;
    fmcp__auth_rq rq;
    fmcp_result rc;
    (void)method; (void)path;
    if (!a || !req || !reply) return FMCP_ERR_INVALID_ARG;
#ifdef FMCP_HTTP_ENDPOINT_AUTH_DEFER
    if (!a->loop && reply->transport) {
        a->loop = fmcp_http_endpoint_loop((fmcp_http_endpoint *)reply->transport);
        fmcp_introspect_set_loop(a->intro, a->loop);
    }
#endif
    if (!(h = (fmcp__auth_hold *)fmcp_malloc(a->alloc, sizeof *h))) return FMCP_ERR_NOMEM;
    memset(h, 0, sizeof *h);
    h->a = a;
    fmcp__auth_rq_init(&rq, a, req, h, reply);
    rc = fmcp__auth_decide(&rq, 1);
    if (rc == FMCP_OK && rq.park && !fmcp__auth_park(&rq)) {
        rq.park = 0;
        fmcp__auth_unavailable(&rq);
    }
    fmcp__auth_rq_done(&rq);
    if (rc != FMCP_OK) { fmcp__auth_hold_free(a, h); return rc; }
    if (!rq.park) { reply->release = fmcp__auth_release; reply->release_user = h; }
    return FMCP_OK;
}

/* ---- protected resource metadata ---------------------------------------------------------- */

static void fmcp__auth_list(fmcp_json_writer *w, const char *key, char **v, size_t n)
{
    size_t i;
    fmcp_jw_key(w, key);
    fmcp_jw_array_begin(w);
    for (i = 0; i < n; i++) fmcp_jw_str(w, v[i]);
    fmcp_jw_array_end(w);
}

static fmcp_result fmcp__auth_prm(fmcp_auth *a, fmcp_http_req *req, char **out, size_t *n)
{
    fmcp_json_writer w;
    char origin[512], res[1024];
    const char *path;
    char *bearer = (char *)"header";
    fmcp__auth_origin(a, req, origin, sizeof origin, &path);
    snprintf(res, sizeof res, "%s%s", origin, path);
    fmcp_jw_init(&w, a->alloc);
    fmcp_jw_object_begin(&w);
    fmcp__auth_kv(&w, "resource", a->resource ? a->resource : res);
    if (a->n_as) fmcp__auth_list(&w, "authorization_servers", a->as, a->n_as);
    if (a->n_ss) fmcp__auth_list(&w, "scopes_supported", a->ss, a->n_ss);
    fmcp__auth_list(&w, "bearer_methods_supported", &bearer, 1);
    fmcp__auth_kv(&w, "resource_name", a->resource_name);
    fmcp__auth_kv(&w, "resource_documentation", a->resource_doc);
    if (a->dpop) {   /* RFC 9728 2: the DPoP policy */
        size_t i = 0;
        fmcp_jws_alg alg;
        fmcp_jw_key(&w, "dpop_signing_alg_values_supported");
        fmcp_jw_array_begin(&w);
        while ((alg = fmcp_dpop_alg_at(a->dpop, i++)) != FMCP_JWS_NONE) fmcp_jw_str(&w, fmcp_jws_alg_name(alg));
        fmcp_jw_array_end(&w);
        fmcp_jw_key(&w, "dpop_bound_access_tokens_required");
        fmcp_jw_bool(&w, a->dpop_mode == FMCP_AUTH_DPOP_REQUIRED);
    }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, out, n) != FMCP_OK) { fmcp_jw_reset(&w); return FMCP_ERR_NOMEM; }
    return FMCP_OK;
}

FASTMCP_API int fmcp_auth_handle_request(fmcp_auth *a, fmcp_http_req *req)
{
    static const char wk[] = "/.well-known/oauth-protected-resource";
    const char *p, *rpath;
    char origin[8];
    fmcp_http_header h[3];
    char *body;
    size_t n;
    if (!a || !req) return 0;
    p = fmcp_http_req_path(req);
    fmcp__auth_origin(a, req, origin, sizeof origin, &rpath);
    if (strncmp(p, wk, sizeof wk - 1) != 0) return 0;
    p += sizeof wk - 1;
    if (*p && strcmp(p, rpath) != 0) return 0;
    h[0].name = "Access-Control-Allow-Origin"; h[0].value = "*";
    if (strcmp(fmcp_http_req_method(req), "GET") != 0) {
        h[1].name = "Allow"; h[1].value = "GET";
        (void)fmcp_http_respond(req, 405, h, 2, NULL, 0);
        return 1;
    }
    if (fmcp__auth_prm(a, req, &body, &n) != FMCP_OK) {
        (void)fmcp_http_respond(req, 500, NULL, 0, NULL, 0);
        return 1;
    }
    h[1].name = "Content-Type"; h[1].value = "application/json";
    h[2].name = "Cache-Control"; h[2].value = "max-age=3600";
    (void)fmcp_http_respond(req, 200, h, 3, body, n);
    fmcp_free(a->alloc, body, n + 1);
    return 1;
}

#ifdef FMCP_HTTP_ENDPOINT_FALLBACK
static void fmcp__auth_fallback(fmcp_http_req *req, void *user)
{
    if (!fmcp_auth_handle_request((fmcp_auth *)user, req))
        (void)fmcp_http_respond(req, 404, NULL, 0, "Not Found\n", 10);
}
#endif

FASTMCP_API fmcp_result fmcp_auth_attach(fmcp_auth *a, fmcp_server *srv, fmcp_http_endpoint_desc *d)
{
    char *path;
    if (!a || !d) return FMCP_ERR_INVALID_ARG;
    if (!(path = fmcp__strdup(a->alloc, d->path ? d->path : "/mcp"))) return FMCP_ERR_NOMEM;
    fmcp__strfree(a->alloc, a->mcp_path, 0);
    a->mcp_path = path;
    d->authenticate = fmcp_auth_http_hook;
    d->auth_user = a;
#ifdef FMCP_HTTP_ENDPOINT_FALLBACK
    d->fallback = fmcp__auth_fallback;
    d->fallback_user = a;
#endif
    if (srv) {
        fmcp_server_set_authorizer(srv, fmcp_auth_authorize, a);
        fmcp_server_set_call_observer(srv, fmcp__auth_observe, a);
        a->srv = srv;
    }
    return FMCP_OK;
}
#endif /* FASTMCP_NO_SOCKETS */
