/* oauth: implementation */
#include "oauth.h"

#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(_WIN32) && !defined(FASTMCP_NO_SOCKETS)
#  include <shellapi.h>   /* ShellExecuteA (link -lshell32) */
#endif
#if !defined(FASTMCP_NO_SOCKETS) && !defined(_WIN32)
#  include <unistd.h>
#  include <sys/types.h>
#  ifndef FASTMCP_NO_PROCESS
#    include <sys/wait.h>
#  endif
#endif

/* ---- pure helpers -------------------------------------------------------- */

/* RFC 9110 tchar */
static int fmcp__oa_tchar(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int fmcp__oa_t68char(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    return c && strchr("-._~+/", c) != NULL;
}

static const char *fmcp__oa_ws(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Reads a token or quoted-string value at *pp into dst (NULL = skip).
 * trunc: cut a long value instead of failing. */
static fmcp_result fmcp__oa_value(const char **pp, char *dst, size_t cap, int trunc)
{
    const char *p = *pp;
    size_t n = 0;
    int over = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\') { p++; if (!*p) return FMCP_ERR_PARSE; }
            /* RFC 9110 5.6.4: no controls but HTAB, quoted or escaped */
            if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) return FMCP_ERR_PARSE;
            if (dst && n + 1 < cap) dst[n++] = *p;
            else over = 1;
        }
        if (*p != '"') return FMCP_ERR_PARSE;
        p++;
    } else {
        if (!fmcp__oa_tchar((unsigned char)*p)) return FMCP_ERR_PARSE;
        for (; fmcp__oa_tchar((unsigned char)*p); p++) {
            if (dst && n + 1 < cap) dst[n++] = *p;
            else over = 1;
        }
    }
    if (dst) dst[n] = 0;
    *pp = p;
    return over && dst && !trunc ? FMCP_ERR_TOO_LARGE : FMCP_OK;
}

static fmcp_result fmcp__oa_param(const char **pp, fmcp_oauth_challenge *out, int keep)
{
    const char *p = *pp, *name = p;
    size_t n = 0;
    char *dst = NULL;
    size_t cap = 0;
    int trunc = 0;
    while (fmcp__oa_tchar((unsigned char)p[n])) n++;
    p = fmcp__oa_ws(p + n);
    p = fmcp__oa_ws(p + 1);   /* past '=' */
    if (keep) {
        if (fmcp__ieqs(name, n, "error")) { dst = out->error; cap = sizeof out->error; }
        else if (fmcp__ieqs(name, n, "error_description")) { dst = out->error_description; cap = sizeof out->error_description; trunc = 1; }
        else if (fmcp__ieqs(name, n, "scope")) { dst = out->scope; cap = sizeof out->scope; }
        else if (fmcp__ieqs(name, n, "resource_metadata")) { dst = out->resource_metadata; cap = sizeof out->resource_metadata; }
        else if (fmcp__ieqs(name, n, "realm")) { dst = out->realm; cap = sizeof out->realm; trunc = 1; }
    }
    *pp = p;
    return fmcp__oa_value(pp, dst, cap, trunc);
}

/* After a scheme: a token68 ("abc==") followed by the end or a comma. */
static const char *fmcp__oa_token68(const char *p)
{
    const char *q = p;
    while (fmcp__oa_t68char((unsigned char)*q)) q++;
    if (q == p) return NULL;
    while (*q == '=') q++;
    q = fmcp__oa_ws(q);
    return *q == 0 || *q == ',' ? q : NULL;
}

FASTMCP_API fmcp_result fmcp_oauth_parse_www_authenticate(const char *header, fmcp_oauth_challenge *out)
{
    const char *p = header;
    int found = 0, keep = 0, scheme = 0;
    if (!header || !out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    for (;;) {
        size_t n = 0;
        const char *q;
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (!*p) break;
        while (fmcp__oa_tchar((unsigned char)p[n])) n++;
        if (!n) return FMCP_ERR_PARSE;
        q = fmcp__oa_ws(p + n);
        if (scheme && *q == '=') {          /* auth-param of the current challenge */
            fmcp_result r = fmcp__oa_param(&p, out, keep);
            if (r != FMCP_OK) return r;
            p = fmcp__oa_ws(p);
            if (*p && *p != ',') return FMCP_ERR_PARSE;
            continue;
        }
        if (q == p + n && *q && *q != ',') return FMCP_ERR_PARSE;   /* "Bearer=..." */
        scheme = 1;
        /* Bearer wins; a DPoP challenge (RFC 9449 7.1) serves when alone */
        if (fmcp__ieqs(p, n, "bearer") && found < 2) {
            if (found) memset(out, 0, sizeof *out);
            keep = 1; found = 2;
        } else {
            keep = !found && fmcp__ieqs(p, n, "dpop");
            if (keep) found = 1;
        }
        p = q;
        q = fmcp__oa_token68(p);
        if (q) p = q;
    }
    return found ? FMCP_OK : FMCP_ERR_NOT_FOUND;
}

static fmcp_result fmcp__oa_origin(const fmcp_http_url *u, char *out, size_t cap)
{
    int dflt = (strcmp(u->scheme, "https") == 0 && u->port == 443) ||
               (strcmp(u->scheme, "http") == 0 && u->port == 80);
    char port[8];
    int n;
    port[0] = 0;
    if (!dflt) snprintf(port, sizeof port, ":%u", (unsigned)u->port);
    n = snprintf(out, cap, "%s://%s%s%s%s", u->scheme, u->is_ipv6 ? "[" : "", u->host,
                 u->is_ipv6 ? "]" : "", port);
    return n < 0 || (size_t)n >= cap ? FMCP_ERR_BUFFER_TOO_SMALL : FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_oauth_wellknown_url(int kind, const char *url, int i, char *out, size_t cap)
{
    fmcp_http_url u;
    char origin[300];
    const char *query;
    size_t plen;
    int n = -1, has_path;
    fmcp_result r;
    if (!url || !out || !cap) return FMCP_ERR_INVALID_ARG;
    out[0] = 0;
    r = fmcp_http_url_parse(url, &u);
    if (r == FMCP_OK) r = fmcp__oa_origin(&u, origin, sizeof origin);
    if (r != FMCP_OK) return r;
    plen = strcspn(u.path, "?");
    query = u.path + plen;              /* RFC 9728 3.1: kept after the path */
    while (plen > 0 && u.path[plen - 1] == '/') plen--;
    has_path = plen > 0;
    if (kind == FMCP_OAUTH_WK_RESOURCE) {
        if (i == 0) n = snprintf(out, cap, "%s/.well-known/oauth-protected-resource%.*s%s", origin, (int)plen, u.path, query);
        else if (i == 1 && has_path) n = snprintf(out, cap, "%s/.well-known/oauth-protected-resource", origin);
    } else if (kind == FMCP_OAUTH_WK_AUTH_SERVER) {
        if (i == 0) n = snprintf(out, cap, "%s/.well-known/oauth-authorization-server%.*s", origin, (int)plen, u.path);
        else if (i == 1) n = snprintf(out, cap, "%s/.well-known/openid-configuration%.*s", origin, (int)plen, u.path);
        else if (i == 2 && has_path) n = snprintf(out, cap, "%s%.*s/.well-known/openid-configuration", origin, (int)plen, u.path);
    } else {
        return FMCP_ERR_INVALID_ARG;
    }
    if (n < 0) { out[0] = 0; return FMCP_ERR_NOT_FOUND; }
    if ((size_t)n >= cap) { out[0] = 0; return FMCP_ERR_BUFFER_TOO_SMALL; }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_oauth_pkce_challenge(const char *verifier, char out[44])
{
    uint8_t d[FMCP_SHA256_SIZE];
    size_t n = 0;
    fmcp_result r;
    if (!verifier || !out) return FMCP_ERR_INVALID_ARG;
    fmcp_sha256(verifier, strlen(verifier), d);
    r = fmcp_b64_encode(FMCP_B64_URL, d, sizeof d, out, 44, &n);
    fmcp_wipe(d, sizeof d);
    return r;
}

/* Is the scope token tok (n bytes) in the space-separated list? */
static int fmcp__oa_has_scope(const char *list, const char *tok, size_t n)
{
    while (list && *list) {
        size_t m;
        while (*list == ' ') list++;
        m = strcspn(list, " ");
        if (m && m == n && memcmp(list, tok, n) == 0) return 1;
        list += m;
    }
    return 0;
}

/* Appends the tokens of list to out (len bytes used) that are not there yet. */
static fmcp_result fmcp__oa_scope_add(char *out, size_t cap, size_t *len, const char *list)
{
    while (list && *list) {
        size_t m;
        while (*list == ' ' || *list == '\t') list++;
        m = strcspn(list, " \t");
        if (m && !fmcp__oa_has_scope(out, list, m)) {
            size_t need = *len + (*len ? 1 : 0) + m;
            if (need + 1 > cap) return FMCP_ERR_BUFFER_TOO_SMALL;
            if (*len) out[(*len)++] = ' ';
            memcpy(out + *len, list, m);
            *len += m;
            out[*len] = 0;
        }
        list += m;
    }
    return FMCP_OK;
}

static int fmcp__oa_nonempty(const char *s)
{
    if (!s) return 0;
    while (*s == ' ' || *s == '\t') s++;
    return *s != 0;
}

FASTMCP_API fmcp_result fmcp_oauth_select_scope(const char *challenge, const char *resource_scopes,
                                                const char *configured, const char *as_scopes,
                                                char *out, size_t cap)
{
    const char *base = fmcp__oa_nonempty(challenge) ? challenge
                     : fmcp__oa_nonempty(resource_scopes) ? resource_scopes
                     : fmcp__oa_nonempty(configured) ? configured : NULL;
    size_t len = 0;
    fmcp_result r;
    if (!out || !cap) return FMCP_ERR_INVALID_ARG;
    out[0] = 0;
    r = fmcp__oa_scope_add(out, cap, &len, base);
    /* a refresh token is worth asking for, but only beside real scopes:
     * "no scope" must stay "no scope parameter" */
    if (r == FMCP_OK && len && fmcp__oa_has_scope(as_scopes, "offline_access", 14))
        r = fmcp__oa_scope_add(out, cap, &len, "offline_access");
    if (r != FMCP_OK) out[0] = 0;
    return r;
}

#ifndef FASTMCP_NO_SOCKETS

/* ---- the client object ---------------------------------------------------- */

/* RFC 6750 2.1 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" - what may
 * follow "Bearer " without turning into header syntax. */
static int fmcp__oa_b64token(const char *s)
{
    const char *p = s;
    while (fmcp__oa_t68char((unsigned char)*p)) p++;
    if (p == s) return 0;
    while (*p == '=') p++;
    return *p == 0;
}

/* An endpoint we may fetch or hand to a browser: http(s), no fragment,
 * nothing outside printable ASCII (CVE-2025-6514: metadata is untrusted). */
static int fmcp__oa_url_ok(const char *s)
{
    fmcp_http_url u;
    const char *p;
    if (!s || fmcp_http_url_parse(s, &u) != FMCP_OK) return 0;
    for (p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#') return 0;
    return 1;
}

#define FMCP__OA_TOKEN_MAX 16384

/* A signing key: ES256 (P-256) or RS256. */
typedef struct fmcp__oa_key {
    fmcp_jws_alg alg;               /* FMCP_JWS_NONE until loaded */
    fmcp_jwk_private_key *k;        /* heap: the struct is large */
} fmcp__oa_key;


struct fmcp_oauth {
    const fmcp_allocator *a;
    fmcp_oauth_desc d;              /* strings below are our copies */
    char *server_url;               /* canonical; the store key */
    const fmcp_oauth_store *store;
#ifndef FASTMCP_NO_FILESYSTEM
    fmcp_oauth_file_store fs;
#endif
    fmcp_oauth_store own_store;
    fmcp__mutex lock;
    /* discovery */
    int discovered, legacy;
    char *prm_url;                  /* where the metadata came from */
    char *resource, *prm_scopes;
    char *issuer, *authz_ep, *token_ep, *reg_ep, *as_scopes, *as_methods;
    int cimd_ok, iss_param;
    /* tokens */
    int tokens_loaded;
    char *access, *refresh, *tok_scope, *tok_iss;   /* tok_iss: who issued them */
    int64_t expires_at;
    /* client */
    int client_loaded;
    char *cl_id, *cl_secret, *cl_method, *cl_redirect, *cl_issuer;
    int64_t cl_secret_exp;
    /* private_key_jwt key; DPoP: proof key, token bound to it, server nonces */
    fmcp__oa_key client_key, dpop_key;
    int tok_dpop;
    char as_nonce[256], rs_nonce[256];
    char *idp_secret;               /* our copy of d.idp_client_secret */
};

static void fmcp__oa_sfree(fmcp_oauth *o, char **s)
{
    fmcp__strfree(o->a, *s, 1);
    *s = NULL;
}

/* *dst = copy of n bytes of s (NULL s: *dst = NULL). */
static fmcp_result fmcp__oa_setn(fmcp_oauth *o, char **dst, const char *s, size_t n)
{
    char *p = NULL;
    if (s && !(p = fmcp__strndup(o->a, s, n))) return FMCP_ERR_NOMEM;
    fmcp__oa_sfree(o, dst);
    *dst = p;
    return FMCP_OK;
}

static fmcp_result fmcp__oa_set(fmcp_oauth *o, char **dst, const char *s)
{
    return fmcp__oa_setn(o, dst, s, s ? strlen(s) : 0);
}


/* ---- text buffers (form bodies, URLs, JSON): base's fmcp__buf, secret ---- */

/* "&name=value" (no '&' first); value NULL or "" adds nothing. */
static void fmcp__oa_form(fmcp__buf *b, char sep, const char *name, const char *value)
{
    if (!value || !*value) return;
    if (b->len || sep == '?') fmcp__buf_put(b, &sep, 1);
    fmcp__buf_puts(b, name);
    fmcp__buf_put(b, "=", 1);
    fmcp__buf_put_pct(b, value, strlen(value));
}

/* ---- queries and the callback page -------------------------------------- */

/* The decoded value of name in an x-www-form-urlencoded query. */
static fmcp_result fmcp__oa_query_get(const char *q, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    while (q && *q) {
        size_t m = strcspn(q, "&");
        if (m > nl && memcmp(q, name, nl) == 0 && q[nl] == '=') {
            const char *v = q + nl + 1, *e = q + m;
            size_t n = 0;
            for (; v < e; v++) {
                int c = (unsigned char)*v;
                if (c == '+') c = ' ';
                else if (c == '%') {
                    int h = v + 2 < e ? fmcp__hexval((unsigned char)v[1]) : -1;
                    int l = h >= 0 ? fmcp__hexval((unsigned char)v[2]) : -1;
                    if (h < 0 || l < 0) return FMCP_ERR_PARSE;
                    c = h * 16 + l;
                    v += 2;
                }
                if (!c) return FMCP_ERR_PARSE;
                if (n + 1 >= cap) return FMCP_ERR_TOO_LARGE;
                out[n++] = (char)c;
            }
            out[n] = 0;
            return FMCP_OK;
        }
        q += m;
        if (*q == '&') q++;
    }
    return FMCP_ERR_NOT_FOUND;
}

/* HTML-escapes s into b (every character that could start markup). */
static void fmcp__oa_put_html(fmcp__buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fmcp__buf_puts(b, "&amp;"); break;
        case '<': fmcp__buf_puts(b, "&lt;"); break;
        case '>': fmcp__buf_puts(b, "&gt;"); break;
        case '"': fmcp__buf_puts(b, "&quot;"); break;
        case '\'': fmcp__buf_puts(b, "&#39;"); break;
        default: fmcp__buf_put(b, s, 1);
        }
    }
}

/* The page the browser shows after the redirect. */
static void fmcp__oa_page(fmcp__buf *b, const char *error, const char *desc)
{
    fmcp__buf_puts(b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>fastmcp.h authorization</title>"
                     "</head><body style=\"font-family:sans-serif\">");
    if (!error) {
        fmcp__buf_puts(b, "<h1>Authorization complete</h1><p>You can close this window.</p>");
    } else {
        fmcp__buf_puts(b, "<h1>Authorization failed</h1><p>");
        fmcp__oa_put_html(b, error);
        if (desc && *desc) { fmcp__buf_puts(b, ": "); fmcp__oa_put_html(b, desc); }
        fmcp__buf_puts(b, "</p>");
    }
    fmcp__buf_puts(b, "</body></html>");
}

/* ---- HTTP to the authorization server ------------------------------------ */

static int fmcp__oa_timeout(const fmcp_oauth *o) { return o->d.http_timeout_ms > 0 ? o->d.http_timeout_ms : 30000; }

static fmcp_result fmcp__oa_fetch(fmcp_oauth *o, const char *method, const char *url, const fmcp_http_header *h,
                                  size_t nh, const char *body, size_t blen, fmcp_http_response **res)
{
    fmcp_http_client_req rq;
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.url = url;
    rq.headers = h;
    rq.nheaders = nh;
    rq.body = body;
    rq.body_len = blen;
    rq.max_response_bytes = (size_t)1 << 20;
    rq.timeout_ms = fmcp__oa_timeout(o);
    rq.transport = o->d.transport;
    return fmcp_http_fetch(o->a, &rq, res);
}

static fmcp_result fmcp__oa_parse_obj(fmcp_oauth *o, const char *text, size_t len, fmcp_json_doc **doc)
{
    fmcp_json_parse_options po;
    fmcp_result r;
    memset(&po, 0, sizeof po);
    po.alloc = o->a;
    po.max_depth = 16;
    r = fmcp_json_parse(text, len, &po, doc, NULL);
    if (r == FMCP_OK && !fmcp_json_is(fmcp_json_root(*doc), FMCP_JSON_OBJECT)) {
        fmcp_json_doc_destroy(*doc);
        *doc = NULL;
        r = FMCP_ERR_PARSE;
    }
    return r == FMCP_ERR_NOMEM ? r : r != FMCP_OK ? FMCP_ERR_PROTOCOL : FMCP_OK;
}

/* GET a JSON object (metadata): FMCP_ERR_NOT_FOUND only on a 4xx answer;
 * network failures and other statuses are errors, never "absent" (that
 * would silently switch discovery to the legacy defaults). */
static fmcp_result fmcp__oa_get_json(fmcp_oauth *o, const char *url, fmcp_json_doc **doc)
{
    fmcp_http_header h[2];
    fmcp_http_response *res = NULL;
    fmcp_result r;
    h[0].name = "Accept"; h[0].value = "application/json";
    h[1].name = "MCP-Protocol-Version"; h[1].value = "2025-11-25";
    r = fmcp__oa_fetch(o, "GET", url, h, 2, NULL, 0, &res);
    if (r != FMCP_OK) return r == FMCP_ERR_NOT_FOUND ? FMCP_ERR_IO : r;
    r = res->status == 200 ? fmcp__oa_parse_obj(o, res->body, res->body_len, doc)
      : res->status >= 400 && res->status < 500 ? FMCP_ERR_NOT_FOUND : FMCP_ERR_PROTOCOL;
    fmcp_http_response_destroy(res);
    return r;
}

/* Space-joined strings of a JSON array member (NULL when absent). */
static fmcp_result fmcp__oa_set_list(fmcp_oauth *o, char **dst, const fmcp_json *obj, const char *key)
{
    const fmcp_json *arr = fmcp_json_get(obj, key), *v;
    fmcp__buf b;
    fmcp_result r;
    if (!fmcp_json_is(arr, FMCP_JSON_ARRAY)) return fmcp__oa_set(o, dst, NULL);
    fmcp__buf_init(&b, o->a, 1);
    fmcp__buf_put(&b, "", 0);
    for (v = fmcp_json_first(arr); v; v = fmcp_json_next(v)) {
        const char *s = fmcp_json_str(v, NULL);
        if (!s || !*s || strchr(s, ' ')) continue;
        if (b.len) fmcp__buf_put(&b, " ", 1);
        fmcp__buf_puts(&b, s);
    }
    r = b.err;
    if (r == FMCP_OK) r = fmcp__oa_set(o, dst, b.p);
    fmcp__buf_free(&b);
    return r;
}

/* ---- discovery ------------------------------------------------------------ */

/* Canonical form of a URL: lower-case scheme and host, default port
 * dropped, no fragment. */
static fmcp_result fmcp__oa_canon(const char *url, char *out, size_t cap)
{
    fmcp_http_url u;
    size_t n;
    fmcp_result r = fmcp_http_url_parse(url, &u);
    if (r == FMCP_OK) r = fmcp__oa_origin(&u, out, cap);
    if (r != FMCP_OK) return r;
    n = strlen(out);
    /* "http://h" stays without the slash url_parse supplies */
    if (strcmp(u.path, "/") == 0 && strstr(url, "://") && !strchr(strstr(url, "://") + 3, '/')) return FMCP_OK;
    if (n + strlen(u.path) + 1 > cap) return FMCP_ERR_BUFFER_TOO_SMALL;
    memcpy(out + n, u.path, strlen(u.path) + 1);
    return FMCP_OK;
}

/* RFC 9728 / MCP: the metadata's resource must be the server URL, or cover
 * it (same origin, path prefix ending at a segment boundary). */
static int fmcp__oa_resource_ok(const char *server, const char *resource)
{
    char c[2400];
    size_t n;
    if (fmcp__oa_canon(resource, c, sizeof c) != FMCP_OK) return 0;
    n = strlen(c);
    while (n > 0 && c[n - 1] == '/') n--;
    if (strncmp(server, c, n) != 0) return 0;
    return server[n] == 0 || server[n] == '/' || server[n] == '?';
}

static fmcp_result fmcp__oa_use_prm(fmcp_oauth *o, const fmcp_json *m, const char *url)
{
    const char *res = fmcp_json_get_str(m, "resource", NULL);
    const char *as = fmcp_json_str(fmcp_json_at(fmcp_json_get(m, "authorization_servers"), 0), NULL);
    char canon[2400];
    fmcp_result r;
    if (!res || !fmcp__oa_resource_ok(o->server_url, res)) return FMCP_ERR_PROTOCOL;
    if (!as || fmcp__oa_canon(res, canon, sizeof canon) != FMCP_OK) return FMCP_ERR_PROTOCOL;
    r = fmcp__oa_set(o, &o->resource, canon);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->issuer, as);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->prm_url, url);
    if (r == FMCP_OK) r = fmcp__oa_set_list(o, &o->prm_scopes, m, "scopes_supported");
    return r;
}

/* Protected-resource metadata: the challenge's URL, then the well-known
 * ones. FMCP_ERR_NOT_FOUND when none answers (a 2025-03-26 server). */
static fmcp_result fmcp__oa_find_prm(fmcp_oauth *o, const char *hint)
{
    char url[2400];
    int i;
    for (i = hint && *hint ? -1 : 0; i < 2; i++) {
        fmcp_json_doc *doc = NULL;
        fmcp_result r;
        if (i < 0) {
            if (strlen(hint) >= sizeof url) continue;
            memcpy(url, hint, strlen(hint) + 1);
        } else if (fmcp_oauth_wellknown_url(FMCP_OAUTH_WK_RESOURCE, o->server_url, i, url, sizeof url) != FMCP_OK) {
            break;
        }
        r = fmcp__oa_get_json(o, url, &doc);
        if (r == FMCP_ERR_NOT_FOUND) continue;
        if (r != FMCP_OK) return r;
        r = fmcp__oa_use_prm(o, fmcp_json_root(doc), url);
        fmcp_json_doc_destroy(doc);
        return r;
    }
    return FMCP_ERR_NOT_FOUND;
}

/* RFC 8414 3.3: identical; only a 2025-03-26 server (legacy, the issuer is
 * our guess of its origin) gets a trailing slash forgiven. */
static int fmcp__oa_same_issuer(const fmcp_oauth *o, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (!o->legacy) return strcmp(a, b) == 0;
    while (na && a[na - 1] == '/') na--;
    while (nb && b[nb - 1] == '/') nb--;
    return na == nb && memcmp(a, b, na) == 0;
}

static fmcp_result fmcp__oa_use_asm(fmcp_oauth *o, const fmcp_json *m)
{
    const char *iss = fmcp_json_get_str(m, "issuer", NULL);
    const char *az = fmcp_json_get_str(m, "authorization_endpoint", NULL);
    const char *tk = fmcp_json_get_str(m, "token_endpoint", NULL);
    const char *rg = fmcp_json_get_str(m, "registration_endpoint", NULL);
    const fmcp_json *pk = fmcp_json_get(m, "code_challenge_methods_supported");
    fmcp_result r;
    if (!fmcp__oa_url_ok(az) || !fmcp__oa_url_ok(tk) || (rg && !fmcp__oa_url_ok(rg))) return FMCP_ERR_PROTOCOL;
    /* RFC 8414 3.3; 2025-03-26 servers put the AS below the origin */
    if (!o->legacy && (!iss || !fmcp__oa_same_issuer(o, iss, o->issuer))) return FMCP_ERR_PROTOCOL;
    /* MCP 2025-11-25: no advertised PKCE support, no authorization; only the
     * 2025-03-26 fallback predates that rule */
    if (!pk && !o->legacy) return FMCP_ERR_PROTOCOL;
    if (pk) {
        char *list = NULL;
        int ok;
        r = fmcp__oa_set_list(o, &list, m, "code_challenge_methods_supported");
        if (r != FMCP_OK) return r;
        ok = fmcp__oa_has_scope(list, "S256", 4);
        fmcp__oa_sfree(o, &list);
        if (!ok) return FMCP_ERR_PROTOCOL;
    }
    r = fmcp__oa_set(o, &o->authz_ep, az);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->token_ep, tk);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->reg_ep, rg);
    if (r == FMCP_OK) r = fmcp__oa_set_list(o, &o->as_scopes, m, "scopes_supported");
    if (r == FMCP_OK) r = fmcp__oa_set_list(o, &o->as_methods, m, "token_endpoint_auth_methods_supported");
    if (r == FMCP_OK && iss) r = fmcp__oa_set(o, &o->issuer, iss);
    o->cimd_ok = fmcp_json_get_bool(m, "client_id_metadata_document_supported", 0);
    o->iss_param = fmcp_json_get_bool(m, "authorization_response_iss_parameter_supported", 0);
    return r;
}

/* 2025-03-26 fallback: fixed endpoints at the server's origin. */
static fmcp_result fmcp__oa_default_endpoints(fmcp_oauth *o)
{
    char url[600];
    const char *paths[3];
    char **dst[3];
    int i;
    paths[0] = "/authorize"; paths[1] = "/token"; paths[2] = "/register";
    dst[0] = &o->authz_ep; dst[1] = &o->token_ep; dst[2] = &o->reg_ep;
    for (i = 0; i < 3; i++) {
        fmcp_result r;
        snprintf(url, sizeof url, "%s%s", o->issuer, paths[i]);
        r = fmcp__oa_set(o, dst[i], url);
        if (r != FMCP_OK) return r;
    }
    o->cimd_ok = o->iss_param = 0;
    return FMCP_OK;
}

static fmcp_result fmcp__oa_find_asm(fmcp_oauth *o)
{
    char url[2400];
    int i;
    for (i = 0; fmcp_oauth_wellknown_url(FMCP_OAUTH_WK_AUTH_SERVER, o->issuer, i, url, sizeof url) == FMCP_OK; i++) {
        fmcp_json_doc *doc = NULL;
        fmcp_result r = fmcp__oa_get_json(o, url, &doc);
        if (r == FMCP_ERR_NOT_FOUND) continue;
        if (r != FMCP_OK) return r;
        r = fmcp__oa_use_asm(o, fmcp_json_root(doc));
        fmcp_json_doc_destroy(doc);
        return r;
    }
    return o->legacy ? fmcp__oa_default_endpoints(o) : FMCP_ERR_PROTOCOL;
}

static fmcp_result fmcp__oa_discover(fmcp_oauth *o, const char *hint)
{
    fmcp_result r;
    if (o->discovered && (!hint || !*hint || (o->prm_url && strcmp(hint, o->prm_url) == 0))) return FMCP_OK;
    o->discovered = 0;
    o->legacy = 0;
    r = fmcp__oa_find_prm(o, hint);
    if (r == FMCP_ERR_NOT_FOUND) {          /* 2025-03-26: the origin is the AS */
        char origin[300];
        fmcp_http_url u;
        o->legacy = 1;
        r = fmcp_http_url_parse(o->server_url, &u);
        if (r == FMCP_OK) r = fmcp__oa_origin(&u, origin, sizeof origin);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->issuer, origin);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->resource, o->server_url);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->prm_scopes, NULL);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->prm_url, NULL);
    }
    if (r == FMCP_OK) r = fmcp__oa_find_asm(o);
    if (r == FMCP_OK) o->discovered = 1;
    return r;
}

/* ---- storage ---------------------------------------------------------------- */

static void fmcp__oa_data_free(fmcp_oauth *o, char *data, size_t len)
{
    fmcp_wipe(data, len);
    fmcp_free(o->a, data, len + 1);
}

static fmcp_result fmcp__oa_load(fmcp_oauth *o, const char *kind, fmcp_json_doc **doc)
{
    char *data = NULL;
    size_t len = 0;
    fmcp_result r = o->store->load(o->store->user, o->a, o->server_url, kind, &data, &len);
    if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? r : FMCP_ERR_NOT_FOUND;
    r = fmcp__oa_parse_obj(o, data, len, doc);
    fmcp__oa_data_free(o, data, len);
    return r == FMCP_ERR_NOMEM ? r : r != FMCP_OK ? FMCP_ERR_NOT_FOUND : FMCP_OK;
}

static fmcp_result fmcp__oa_save(fmcp_oauth *o, const char *kind, fmcp_json_writer *w)
{
    char *out = NULL;
    size_t n = 0;
    fmcp_result r = fmcp_jw_finish(w, &out, &n);
    if (r != FMCP_OK) return r;
    r = o->store->save(o->store->user, o->server_url, kind, out, n);
    fmcp_wipe(out, n);
    fmcp_free(o->a, out, n + 1);    /* jw_free_output would measure the wiped text */
    return r;
}

static void fmcp__oa_kv(fmcp_json_writer *w, const char *k, const char *v)
{
    if (!v) return;
    fmcp_jw_key(w, k);
    fmcp_jw_str(w, v);
}

static void fmcp__oa_forget_tokens(fmcp_oauth *o)
{
    fmcp__oa_sfree(o, &o->access);
    fmcp__oa_sfree(o, &o->refresh);
    fmcp__oa_sfree(o, &o->tok_scope);
    fmcp__oa_sfree(o, &o->tok_iss);
    o->expires_at = 0;
}

static fmcp_result fmcp__oa_load_tokens(fmcp_oauth *o)
{
    fmcp_json_doc *doc = NULL;
    const fmcp_json *t;
    fmcp_result r;
    if (o->tokens_loaded) return FMCP_OK;
    r = fmcp__oa_load(o, "tokens", &doc);
    if (r == FMCP_ERR_NOMEM) return r;
    o->tokens_loaded = 1;
    if (r != FMCP_OK) return FMCP_OK;
    t = fmcp_json_root(doc);
    /* a tampered store must not inject header syntax: such tokens are absent;
     * so are DPoP-bound ones, whose proof key died with the object that
     * obtained them */
    if (strcmp(fmcp_json_get_str(t, "token_type", "Bearer"), "DPoP") != 0 &&
        fmcp__oa_b64token(fmcp_json_get_str(t, "access_token", "")) &&
        fmcp__oa_b64token(fmcp_json_get_str(t, "refresh_token", "x"))) {
        r = fmcp__oa_set(o, &o->access, fmcp_json_get_str(t, "access_token", NULL));
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->refresh, fmcp_json_get_str(t, "refresh_token", NULL));
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->tok_scope, fmcp_json_get_str(t, "scope", NULL));
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->tok_iss, fmcp_json_get_str(t, "issuer", NULL));
        o->expires_at = fmcp_json_get_int(t, "expires_at", 0);
    }
    fmcp_json_doc_destroy(doc);
    if (r != FMCP_OK) { fmcp__oa_forget_tokens(o); o->tokens_loaded = 0; }
    return r;
}

static fmcp_result fmcp__oa_save_tokens(fmcp_oauth *o)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, o->a);
    fmcp_jw_object_begin(&w);
    fmcp__oa_kv(&w, "access_token", o->access);
    fmcp__oa_kv(&w, "refresh_token", o->refresh);
    fmcp__oa_kv(&w, "token_type", o->tok_dpop ? "DPoP" : "Bearer");
    fmcp__oa_kv(&w, "scope", o->tok_scope);
    fmcp_jw_key(&w, "expires_at"); fmcp_jw_int(&w, o->expires_at);
    fmcp__oa_kv(&w, "issuer", o->tok_iss);
    fmcp__oa_kv(&w, "resource", o->resource);
    fmcp_jw_object_end(&w);
    return fmcp__oa_save(o, "tokens", &w);
}

static void fmcp__oa_forget_client(fmcp_oauth *o)
{
    fmcp__oa_sfree(o, &o->cl_id);
    fmcp__oa_sfree(o, &o->cl_secret);
    fmcp__oa_sfree(o, &o->cl_method);
    fmcp__oa_sfree(o, &o->cl_redirect);
    fmcp__oa_sfree(o, &o->cl_issuer);
    o->cl_secret_exp = 0;
}

static fmcp_result fmcp__oa_client_from_json(fmcp_oauth *o, const fmcp_json *c, const char *issuer)
{
    const char *redirect = fmcp_json_str(fmcp_json_at(fmcp_json_get(c, "redirect_uris"), 0), NULL);
    fmcp_result r;
    r = fmcp__oa_set(o, &o->cl_id, fmcp_json_get_str(c, "client_id", NULL));
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_secret, fmcp_json_get_str(c, "client_secret", NULL));
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_method, fmcp_json_get_str(c, "token_endpoint_auth_method", NULL));
    if (r == FMCP_OK && redirect) r = fmcp__oa_set(o, &o->cl_redirect, redirect);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_issuer, issuer);
    o->cl_secret_exp = fmcp_json_get_int(c, "client_secret_expires_at", 0);
    return r;
}

/* Registrations are kept per authorization server (a client_id of one
 * issuer means nothing to another, SEP-2352): kind "client-" + the first 16
 * hex digits of SHA-256(issuer). Files of earlier versions hold the one
 * registration under "client"; it is still read when its issuer matches. */
static void fmcp__oa_client_kind(const char *issuer, char kind[24])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[FMCP_SHA256_SIZE];
    int i;
    fmcp_sha256(issuer, strlen(issuer), d);
    memcpy(kind, "client-", 7);
    for (i = 0; i < 8; i++) { kind[7 + 2 * i] = hex[d[i] >> 4]; kind[8 + 2 * i] = hex[d[i] & 15]; }
    kind[23] = 0;
}

/* The stored registration, if it is usable for the discovered issuer. */
static fmcp_result fmcp__oa_load_client(fmcp_oauth *o)
{
    fmcp_json_doc *doc = NULL;
    const fmcp_json *c;
    const char *iss;
    char kind[24];
    fmcp_result r;
    if (o->client_loaded) return FMCP_OK;
    if (!o->issuer) return FMCP_OK;
    fmcp__oa_client_kind(o->issuer, kind);
    r = fmcp__oa_load(o, kind, &doc);
    if (r == FMCP_ERR_NOT_FOUND) r = fmcp__oa_load(o, "client", &doc);
    if (r == FMCP_ERR_NOMEM) return r;
    o->client_loaded = 1;
    if (r != FMCP_OK) return FMCP_OK;
    c = fmcp_json_root(doc);
    iss = fmcp_json_get_str(c, "issuer", NULL);
    r = FMCP_OK;
    if (fmcp_json_get_str(c, "client_id", NULL) && iss && o->issuer && fmcp__oa_same_issuer(o, iss, o->issuer) &&
        (fmcp_json_get_int(c, "client_secret_expires_at", 0) == 0 ||
         fmcp_json_get_int(c, "client_secret_expires_at", 0) > fmcp_time_now()))
        r = fmcp__oa_client_from_json(o, c, iss);
    fmcp_json_doc_destroy(doc);
    if (r != FMCP_OK) { fmcp__oa_forget_client(o); o->client_loaded = 0; }
    return r;
}

static fmcp_result fmcp__oa_save_client(fmcp_oauth *o)
{
    fmcp_json_writer w;
    char kind[24], *out = NULL;
    size_t n = 0;
    fmcp_result r;
    fmcp_jw_init(&w, o->a);
    fmcp_jw_object_begin(&w);
    fmcp__oa_kv(&w, "client_id", o->cl_id);
    fmcp__oa_kv(&w, "client_secret", o->cl_secret);
    fmcp__oa_kv(&w, "token_endpoint_auth_method", o->cl_method);
    if (o->cl_redirect) {
        fmcp_jw_key(&w, "redirect_uris");
        fmcp_jw_array_begin(&w);
        fmcp_jw_str(&w, o->cl_redirect);
        fmcp_jw_array_end(&w);
    }
    fmcp__oa_kv(&w, "issuer", o->cl_issuer);
    fmcp_jw_key(&w, "client_secret_expires_at"); fmcp_jw_int(&w, o->cl_secret_exp);
    fmcp_jw_object_end(&w);
    r = fmcp_jw_finish(&w, &out, &n);
    if (r != FMCP_OK) return r;
    /* under its issuer's kind, and as "client" (the latest: what tools and
     * earlier versions read) */
    fmcp__oa_client_kind(o->cl_issuer ? o->cl_issuer : "", kind);
    r = o->store->save(o->store->user, o->server_url, kind, out, n);
    if (r == FMCP_OK) r = o->store->save(o->store->user, o->server_url, "client", out, n);
    fmcp_wipe(out, n);
    fmcp_free(o->a, out, n + 1);
    return r;
}

/* ---- client identity ----------------------------------------------------- */

/* Token endpoint auth method for a client with (or without) a secret. */
static const char *fmcp__oa_pick_method(const fmcp_oauth *o, int has_secret)
{
    const char *m = o->as_methods;
    if (!has_secret) return "none";
    if (!m || fmcp__oa_has_scope(m, "client_secret_basic", 19)) return "client_secret_basic";
    if (fmcp__oa_has_scope(m, "client_secret_post", 18)) return "client_secret_post";
    if (fmcp__oa_has_scope(m, "none", 4)) return "none";
    return "client_secret_basic";
}

/* Starts member key of the registration request unless the additional
 * metadata supplies it (theirs wins, without duplicate keys). */
static int fmcp__oa_mine(fmcp_json_writer *w, const fmcp_json_doc *extra, const char *key)
{
    if (extra && fmcp_json_get(fmcp_json_root(extra), key)) return 0;
    fmcp_jw_key(w, key);
    return 1;
}

/* The RFC 7591 registration request. */
static fmcp_result fmcp__oa_reg_body(fmcp_oauth *o, const char *redirect, fmcp_json_writer *w,
                                     char **body, size_t *blen)
{
    fmcp_json_doc *extra = NULL;
    const char *method = !o->as_methods || fmcp__oa_has_scope(o->as_methods, "none", 4) ? "none"
                       : fmcp__oa_pick_method(o, 1);
    const fmcp_json *v;
    if (o->d.additional_client_metadata) {
        fmcp_result r = fmcp__oa_parse_obj(o, o->d.additional_client_metadata,
                                           strlen(o->d.additional_client_metadata), &extra);
        if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? r : FMCP_ERR_INVALID_ARG;
    }
    fmcp_jw_init(w, o->a);
    fmcp_jw_object_begin(w);
    if (fmcp__oa_mine(w, extra, "client_name")) fmcp_jw_str(w, o->d.client_name ? o->d.client_name : "fastmcp.h");
    if (fmcp__oa_mine(w, extra, "redirect_uris")) {
        fmcp_jw_array_begin(w); fmcp_jw_str(w, redirect); fmcp_jw_array_end(w);
    }
    if (fmcp__oa_mine(w, extra, "grant_types")) {
        fmcp_jw_array_begin(w);
        fmcp_jw_str(w, "authorization_code"); fmcp_jw_str(w, "refresh_token");
        fmcp_jw_array_end(w);
    }
    if (fmcp__oa_mine(w, extra, "response_types")) {
        fmcp_jw_array_begin(w); fmcp_jw_str(w, "code"); fmcp_jw_array_end(w);
    }
    if (fmcp__oa_mine(w, extra, "token_endpoint_auth_method")) fmcp_jw_str(w, method);
    /* SEP-837: OpenID providers treat redirect URIs by application type; a
     * loopback (or custom-scheme) redirect is a native app's */
    if (fmcp__oa_mine(w, extra, "application_type"))
        fmcp_jw_str(w, strncmp(redirect, "https://", 8) == 0 ? "web" : "native");
    for (v = fmcp_json_first(fmcp_json_root(extra)); v; v = fmcp_json_next(v)) {
        size_t kl;
        const char *k = fmcp_json_key(v, &kl);
        fmcp_jw_keyn(w, k, kl);
        fmcp_jw_value(w, v);
    }
    fmcp_jw_object_end(w);
    if (extra) fmcp_json_doc_destroy(extra);
    return fmcp_jw_finish(w, body, blen);
}

static fmcp_result fmcp__oa_register(fmcp_oauth *o, const char *redirect)
{
    fmcp_json_writer w;
    fmcp_json_doc *doc = NULL;
    fmcp_http_header h[2];
    fmcp_http_response *res = NULL;
    char *body = NULL;
    size_t blen = 0;
    fmcp_result r;
    if (!o->reg_ep) return FMCP_ERR_UNSUPPORTED;
    r = fmcp__oa_reg_body(o, redirect, &w, &body, &blen);
    if (r != FMCP_OK) return r;
    h[0].name = "Content-Type"; h[0].value = "application/json";
    h[1].name = "Accept"; h[1].value = "application/json";
    r = fmcp__oa_fetch(o, "POST", o->reg_ep, h, 2, body, blen, &res);
    fmcp_free_text(w.alloc, body, blen);
    if (r != FMCP_OK) return r;
    if (res->status != 200 && res->status != 201) r = FMCP_ERR_AUTH;
    else r = fmcp__oa_parse_obj(o, res->body, res->body_len, &doc);
    fmcp_wipe((void *)res->body, res->body_len);
    fmcp_http_response_destroy(res);
    if (r != FMCP_OK) return r;
    if (!fmcp_json_get_str(fmcp_json_root(doc), "client_id", NULL)) r = FMCP_ERR_PROTOCOL;
    if (r == FMCP_OK) r = fmcp__oa_client_from_json(o, fmcp_json_root(doc), o->issuer);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_redirect, redirect);
    if (r == FMCP_OK && !o->cl_method) r = fmcp__oa_set(o, &o->cl_method, fmcp__oa_pick_method(o, o->cl_secret != NULL));
    fmcp_json_doc_destroy(doc);
    if (r == FMCP_OK) r = fmcp__oa_save_client(o);
    o->client_loaded = 1;
    return r;
}

/* Sets cl_* for this flow: pre-registered, metadata URL, stored, or
 * registered now (redirect NULL: refresh only, no registration). */
static fmcp_result fmcp__oa_client(fmcp_oauth *o, const char *redirect)
{
    fmcp_result r;
    if (o->d.client_id) {
        if (o->cl_id && strcmp(o->cl_id, o->d.client_id) == 0) return FMCP_OK;
        fmcp__oa_forget_client(o);
        r = fmcp__oa_set(o, &o->cl_id, o->d.client_id);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_secret, o->d.client_secret);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_method, o->d.token_endpoint_auth_method ?
                                           o->d.token_endpoint_auth_method : o->client_key.alg ? "private_key_jwt"
                                           : fmcp__oa_pick_method(o, o->d.client_secret != NULL));
        return r;
    }
    if (o->d.client_metadata_url && o->cimd_ok) {
        if (o->cl_id && strcmp(o->cl_id, o->d.client_metadata_url) == 0) return FMCP_OK;
        fmcp__oa_forget_client(o);
        r = fmcp__oa_set(o, &o->cl_id, o->d.client_metadata_url);
        if (r == FMCP_OK) r = fmcp__oa_set(o, &o->cl_method, "none");
        return r;
    }
    if (o->cl_issuer && o->issuer && !fmcp__oa_same_issuer(o, o->cl_issuer, o->issuer)) {
        fmcp__oa_forget_client(o);      /* the AS changed: look for its own */
        o->client_loaded = 0;
    }
    r = fmcp__oa_load_client(o);
    if (r != FMCP_OK) return r;
    if (o->cl_id && o->cl_issuer && fmcp__oa_same_issuer(o, o->cl_issuer, o->issuer) &&
        (!redirect || (o->cl_redirect && strcmp(o->cl_redirect, redirect) == 0))) {
        if (!o->cl_method) return fmcp__oa_set(o, &o->cl_method, fmcp__oa_pick_method(o, o->cl_secret != NULL));
        return FMCP_OK;
    }
    if (!redirect) return FMCP_ERR_NOT_FOUND;
    fmcp__oa_forget_client(o);
    return fmcp__oa_register(o, redirect);
}

/* ---- signed JWTs: client assertions and DPoP proofs --------------------- */
/* Keys and signatures come from the jwk module; only the compact
 * serialisation is built here (into the module's growable buffer). */

static fmcp_result fmcp__oa_rand_str(char *out, size_t nbytes, size_t cap);

static void fmcp__oa_key_free(fmcp_oauth *o, fmcp__oa_key *k)
{
    if (k->k) { fmcp_wipe(k->k, sizeof *k->k); fmcp_free(o->a, k->k, sizeof *k->k); }
    fmcp_wipe(k, sizeof *k);
}

static fmcp_result fmcp__oa_key_alloc(fmcp_oauth *o, fmcp__oa_key *k)
{
    memset(k, 0, sizeof *k);
    k->k = (fmcp_jwk_private_key *)fmcp_malloc(o->a, sizeof *k->k);
    return k->k ? FMCP_OK : FMCP_ERR_NOMEM;
}

/* A signing key from PEM: RSA (PKCS#1/#8) signs RS256, P-256 (SEC1/PKCS#8) ES256. */
static fmcp_result fmcp__oa_key_load(fmcp_oauth *o, const char *pem, fmcp__oa_key *k)
{
    fmcp_result r = fmcp__oa_key_alloc(o, k);
    if (r == FMCP_OK) r = fmcp_jwk_private_from_pem(pem, strlen(pem), k->k);
    if (r == FMCP_OK) {
        if (k->k->kty == FMCP_JWK_RSA) k->alg = FMCP_JWS_RS256;
        else if (k->k->kty == FMCP_JWK_EC && k->k->ec.pub.curve == FMCP_EC_P256) k->alg = FMCP_JWS_ES256;
        else r = FMCP_ERR_UNSUPPORTED;
    }
    if (r != FMCP_OK) fmcp__oa_key_free(o, k);
    return r == FMCP_OK || r == FMCP_ERR_NOMEM ? r : FMCP_ERR_INVALID_ARG;
}

static void fmcp__oa_put_b64(fmcp__buf *b, const void *p, size_t n)
{
    char tmp[700];
    size_t m = 0;
    if (fmcp_b64_encoded_len(FMCP_B64_URL, n) >= sizeof tmp) { if (b->err == FMCP_OK) b->err = FMCP_ERR_TOO_LARGE; return; }
    fmcp_b64_encode(FMCP_B64_URL, p, n, tmp, sizeof tmp, &m);
    fmcp__buf_put(b, tmp, m);
}

/* The public JWK of an ES256 key (RFC 7638 member order, so the same text
 * serves as thumbprint input). */
static void fmcp__oa_ec_jwk(fmcp__buf *b, const fmcp_ec_private_key *k)
{
    fmcp__buf_puts(b, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
    fmcp__oa_put_b64(b, k->pub.x, 32);
    fmcp__buf_puts(b, "\",\"y\":\"");
    fmcp__oa_put_b64(b, k->pub.y, 32);
    fmcp__buf_puts(b, "\"}");
}

/* JWS compact serialisation: BASE64URL(header).BASE64URL(payload).sig,
 * header {"alg":..,"typ":typ[,"jwk":..]} (jwk only for ES256 proofs). */
static fmcp_result fmcp__oa_jws(fmcp_oauth *o, const fmcp__oa_key *k, const char *typ, int with_jwk,
                                const char *payload, size_t plen, fmcp__buf *out)
{
    fmcp__buf h;
    uint8_t sig[512];
    size_t slen = 0, i;
    fmcp_result r = FMCP_OK;
    fmcp__buf_init(&h, o->a, 1);
    fmcp__buf_puts(&h, k->alg == FMCP_JWS_ES256 ? "{\"alg\":\"ES256\",\"typ\":\"" : "{\"alg\":\"RS256\",\"typ\":\"");
    fmcp__buf_puts(&h, typ);
    fmcp__buf_puts(&h, "\"");
    if (with_jwk && k->alg == FMCP_JWS_ES256) { fmcp__buf_puts(&h, ",\"jwk\":"); fmcp__oa_ec_jwk(&h, &k->k->ec); }
    fmcp__buf_puts(&h, "}");
    if (h.err != FMCP_OK) r = h.err;
    /* base64url of the two parts, in chunks of 480 bytes (multiple of 3) */
    for (i = 0; r == FMCP_OK && i < h.len; i += 480) fmcp__oa_put_b64(out, h.p + i, h.len - i < 480 ? h.len - i : 480);
    fmcp__buf_put(out, ".", 1);
    for (i = 0; r == FMCP_OK && i < plen; i += 480) fmcp__oa_put_b64(out, payload + i, plen - i < 480 ? plen - i : 480);
    if (r == FMCP_OK) r = out->err;
    if (r == FMCP_OK) r = fmcp_jws_sign(k->k, k->alg, out->p, out->len, sig, sizeof sig, &slen);
    if (r == FMCP_OK) {
        fmcp__buf_put(out, ".", 1);
        fmcp__oa_put_b64(out, sig, slen);
        r = out->err;
    }
    fmcp__buf_free(&h);
    return r;
}

/* A fresh jti: 128 random bits. */
static fmcp_result fmcp__oa_jti(char out[32])
{
    return fmcp__oa_rand_str(out, 16, 32);
}

/* RFC 7523 2.2 client assertion for private_key_jwt: iss = sub = client_id,
 * aud = the issuer (draft-ietf-oauth-rfc7523bis: the AS's own identifier,
 * never the endpoint), 5 minutes, a fresh jti. */
static fmcp_result fmcp__oa_client_assertion(fmcp_oauth *o, fmcp__buf *out)
{
    fmcp_json_writer w;
    char jti[32], *pl = NULL;
    size_t n = 0;
    int64_t now = fmcp_time_now();
    fmcp_result r = fmcp__oa_jti(jti);
    if (r != FMCP_OK) return r;
    fmcp_jw_init(&w, o->a);
    fmcp_jw_object_begin(&w);
    fmcp__oa_kv(&w, "iss", o->cl_id);
    fmcp__oa_kv(&w, "sub", o->cl_id);
    fmcp__oa_kv(&w, "aud", o->issuer);
    fmcp_jw_key(&w, "iat"); fmcp_jw_int(&w, now);
    fmcp_jw_key(&w, "exp"); fmcp_jw_int(&w, now + 300);
    fmcp__oa_kv(&w, "jti", jti);
    fmcp_jw_object_end(&w);
    r = fmcp_jw_finish(&w, &pl, &n);
    if (r == FMCP_OK) r = fmcp__oa_jws(o, &o->client_key, "JWT", 0, pl, n, out);
    if (pl) fmcp_free_text(w.alloc, pl, n);
    return r;
}

/* RFC 9449 4.2 proof: htm, htu (no query or fragment), iat, jti, and ath
 * (BASE64URL(SHA-256(token))) when a token goes with it; nonce when the
 * server gave one. */
static fmcp_result fmcp__oa_dpop_proof(fmcp_oauth *o, const char *method, const char *url, const char *token,
                                       const char *nonce, fmcp__buf *out)
{
    fmcp_json_writer w;
    char jti[32], *pl = NULL, ath[48];
    size_t n = 0, ul = strcspn(url, "?#");
    fmcp_result r;
    if (!o->dpop_key.alg) {                 /* one proof key per client object */
        r = fmcp__oa_key_alloc(o, &o->dpop_key);
        if (r == FMCP_OK) r = fmcp_jwk_generate(FMCP_JWS_ES256, 0, o->dpop_key.k);
        if (r != FMCP_OK) { fmcp__oa_key_free(o, &o->dpop_key); return r; }
        o->dpop_key.alg = FMCP_JWS_ES256;
    }
    r = fmcp__oa_jti(jti);
    if (r != FMCP_OK) return r;
    if (token) {
        uint8_t d[FMCP_SHA256_SIZE];
        fmcp_sha256(token, strlen(token), d);
        r = fmcp_b64_encode(FMCP_B64_URL, d, sizeof d, ath, sizeof ath, &n);
        if (r != FMCP_OK) return r;
    }
    fmcp_jw_init(&w, o->a);
    fmcp_jw_object_begin(&w);
    fmcp__oa_kv(&w, "jti", jti);
    fmcp__oa_kv(&w, "htm", method);
    fmcp_jw_key(&w, "htu"); fmcp_jw_strn(&w, url, ul);
    fmcp_jw_key(&w, "iat"); fmcp_jw_int(&w, fmcp_time_now());
    if (token) fmcp__oa_kv(&w, "ath", ath);
    if (nonce && *nonce) fmcp__oa_kv(&w, "nonce", nonce);
    fmcp_jw_object_end(&w);
    r = fmcp_jw_finish(&w, &pl, &n);
    if (r == FMCP_OK) r = fmcp__oa_jws(o, &o->dpop_key, "dpop+jwt", 1, pl, n, out);
    if (pl) fmcp_free_text(w.alloc, pl, n);
    return r;
}

/* ---- the token endpoint ------------------------------------------------- */

static fmcp_result fmcp__oa_use_tokens(fmcp_oauth *o, const fmcp_json *t, const char *asked_scope)
{
    const char *at = fmcp_json_get_str(t, "access_token", NULL);
    const char *type = fmcp_json_get_str(t, "token_type", "Bearer");
    const char *rt = fmcp_json_get_str(t, "refresh_token", NULL);
    const fmcp_json *ei = fmcp_json_get(t, "expires_in");
    fmcp_result r;
    int dpop = o->d.dpop && fmcp__ieq(type, "dpop");
    if (!at || !fmcp__oa_b64token(at) || strlen(at) >= FMCP__OA_TOKEN_MAX ||
        (!dpop && !fmcp__ieq(type, "bearer")) || (rt && !fmcp__oa_b64token(rt)))
        return FMCP_ERR_PROTOCOL;       /* they end up in an Authorization header */
    o->tok_dpop = dpop;
    r = fmcp__oa_set(o, &o->access, at);
    if (r == FMCP_OK && rt) r = fmcp__oa_set(o, &o->refresh, rt);   /* rotation; else keep the old one */
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->tok_iss, o->issuer);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->tok_scope, fmcp_json_get_str(t, "scope", asked_scope));
    o->expires_at = 0;
    if (fmcp_json_is(ei, FMCP_JSON_NUMBER)) {
        double s = fmcp_json_double(ei, 0);
        if (s > 0 && s < 1e9) o->expires_at = fmcp_time_now() + (int64_t)s;
    }
    o->tokens_loaded = 1;
    if (r == FMCP_OK) r = fmcp__oa_save_tokens(o);
    return r;
}

/* Client authentication header value "Basic ..." (RFC 6749 2.3.1: the id
 * and secret are form-encoded before base64). Also the introspect module's. */
FMCP__TK fmcp_result fmcp__oauth_basic(const fmcp_allocator *a, const char *id, const char *secret, fmcp__buf *out)
{
    fmcp__buf cred;
    char *enc = NULL;
    size_t n = 0, need = 0;
    fmcp_result r;
    if (!secret) secret = "";
    fmcp__buf_init(&cred, a, 1);
    fmcp__buf_put_pct(&cred, id, strlen(id));
    fmcp__buf_put(&cred, ":", 1);
    fmcp__buf_put_pct(&cred, secret, strlen(secret));
    r = cred.err;
    if (r == FMCP_OK) {
        need = fmcp_b64_encoded_len(FMCP_B64_STD, cred.len) + 1;
        enc = (char *)fmcp_malloc(a, need);
        if (!enc) r = FMCP_ERR_NOMEM;
    }
    if (r == FMCP_OK) r = fmcp_b64_encode(FMCP_B64_STD, cred.p, cred.len, enc, need, &n);
    if (r == FMCP_OK) {
        fmcp__buf_puts(out, "Basic ");
        fmcp__buf_put(out, enc, n);
        r = out->err;
    }
    if (enc) { fmcp_wipe(enc, need); fmcp_free(a, enc, need); }
    fmcp__buf_free(&cred);
    return r;
}

/* Copies a DPoP-Nonce response header (RFC 9449 8) into nonce. */
static void fmcp__oa_take_nonce(const fmcp_http_response *res, char *nonce, size_t cap)
{
    const char *n = fmcp_http_response_header(res, "dpop-nonce");
    if (n && strlen(n) < cap && fmcp__oa_b64token(n)) memcpy(nonce, n, strlen(n) + 1);
}

/* Client authentication of a token request: a Basic header into auth, or
 * form members (client_secret_post, private_key_jwt, public clients). */
static fmcp_result fmcp__oa_client_auth(fmcp_oauth *o, fmcp__buf *form, fmcp__buf *auth)
{
    const char *m = o->cl_method ? o->cl_method : "none";
    if (strcmp(m, "client_secret_basic") == 0 && o->cl_secret) return fmcp__oauth_basic(o->a, o->cl_id, o->cl_secret, auth);
    fmcp__oa_form(form, '&', "client_id", o->cl_id);
    if (strcmp(m, "client_secret_post") == 0 && o->cl_secret) {
        fmcp__oa_form(form, '&', "client_secret", o->cl_secret);
    } else if (strcmp(m, "private_key_jwt") == 0 && o->client_key.alg) {
        fmcp__buf j;
        fmcp_result r;
        fmcp__buf_init(&j, o->a, 1);
        r = fmcp__oa_client_assertion(o, &j);
        fmcp__oa_form(form, '&', "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        if (r == FMCP_OK) fmcp__oa_form(form, '&', "client_assertion", j.p);
        fmcp__buf_free(&j);
        if (r != FMCP_OK) return r;
    }
    return form->err;
}

/* POST the form to a token endpoint (with a DPoP proof when enabled; one
 * retry with the server's nonce after use_dpop_nonce). *res on FMCP_OK. */
static fmcp_result fmcp__oa_token_post(fmcp_oauth *o, const char *ep, const fmcp__buf *form, const char *auth,
                                       int dpop, fmcp_http_response **res)
{
    int tries;
    fmcp_result r = FMCP_OK;
    for (tries = 0; tries < 2; tries++) {
        fmcp_http_header h[4];
        fmcp__buf proof;
        size_t nh = 2;
        fmcp__buf_init(&proof, o->a, 1);
        h[0].name = "Content-Type"; h[0].value = "application/x-www-form-urlencoded";
        h[1].name = "Accept"; h[1].value = "application/json";
        if (auth) { h[nh].name = "Authorization"; h[nh].value = auth; nh++; }
        if (dpop) {
            r = fmcp__oa_dpop_proof(o, "POST", ep, NULL, o->as_nonce, &proof);
            if (r != FMCP_OK) { fmcp__buf_free(&proof); return r; }
            h[nh].name = "DPoP"; h[nh].value = proof.p; nh++;
        }
        r = fmcp__oa_fetch(o, "POST", ep, h, nh, form->p, form->len, res);
        fmcp__buf_free(&proof);
        if (r != FMCP_OK || !dpop) return r;
        fmcp__oa_take_nonce(*res, o->as_nonce, sizeof o->as_nonce);
        if (tries == 0 && (*res)->status == 400 && fmcp_http_response_header(*res, "dpop-nonce") &&
            (*res)->body && strstr((*res)->body, "use_dpop_nonce")) {
            fmcp_http_response_destroy(*res);
            *res = NULL;
            continue;
        }
        return r;
    }
    return r;
}

/* A token endpoint's answer as JSON (*doc on FMCP_OK); 4xx is the AS's
 * verdict (invalid_grant ...), 5xx etc. may pass. The body is wiped and res
 * freed either way. */
static fmcp_result fmcp__oa_token_answer(fmcp_oauth *o, fmcp_http_response *res, fmcp_json_doc **doc)
{
    fmcp_result r = res->status == 200 ? fmcp__oa_parse_obj(o, res->body, res->body_len, doc)
                  : res->status >= 400 && res->status < 500 ? FMCP_ERR_AUTH : FMCP_ERR_PROTOCOL;
    fmcp_wipe((void *)res->body, res->body_len);
    fmcp_http_response_destroy(res);
    return r;
}

/* POST the form (plus client authentication) to the token endpoint. */
static fmcp_result fmcp__oa_token_call(fmcp_oauth *o, fmcp__buf *form, const char *asked_scope)
{
    fmcp__buf auth;
    fmcp_http_response *res = NULL;
    fmcp_json_doc *doc = NULL;
    fmcp_result r;
    fmcp__buf_init(&auth, o->a, 1);
    r = fmcp__oa_client_auth(o, form, &auth);
    if (r == FMCP_OK) r = form->err;
    if (r == FMCP_OK) r = fmcp__oa_token_post(o, o->token_ep, form, auth.p, o->d.dpop, &res);
    fmcp__buf_free(&auth);
    if (r != FMCP_OK) return r;
    r = fmcp__oa_token_answer(o, res, &doc);
    if (r != FMCP_OK) return r;
    r = fmcp__oa_use_tokens(o, fmcp_json_root(doc), asked_scope);
    fmcp_json_doc_destroy(doc);
    return r;
}

static fmcp_result fmcp__oa_refresh(fmcp_oauth *o)
{
    fmcp__buf f;
    fmcp_result r;
    if (!o->refresh) return FMCP_ERR_NOT_FOUND;
    r = fmcp__oa_discover(o, NULL);
    /* a refresh token goes back only to the issuer that minted it */
    if (r == FMCP_OK && (!o->tok_iss || !o->issuer || !fmcp__oa_same_issuer(o, o->tok_iss, o->issuer)))
        return FMCP_ERR_AUTH;
    if (r == FMCP_OK) r = fmcp__oa_client(o, NULL);
    if (r != FMCP_OK) return r;
    fmcp__buf_init(&f, o->a, 1);
    fmcp__oa_form(&f, '&', "grant_type", "refresh_token");
    fmcp__oa_form(&f, '&', "refresh_token", o->refresh);
    fmcp__oa_form(&f, '&', "resource", o->resource);
    r = fmcp__oa_token_call(o, &f, o->tok_scope);
    fmcp__buf_free(&f);
    return r;
}

/* ---- the loopback callback ---------------------------------------------- */

typedef struct fmcp__oa_cb {
    fmcp_oauth *o;
    fmcp_http_loop *loop;
    fmcp_http_server *srv;
    char path[256];
    const char *state;              /* only a redirect carrying it ends the wait */
    char *query;
    size_t query_len;
    int done;
} fmcp__oa_cb;

/* Is this request the authorization redirect we wait for? */
static int fmcp__oa_cb_ours(fmcp__oa_cb *cb, fmcp_http_req *req, const char *q)
{
    char got[64];
    size_t n;
    if (cb->done || !q || !cb->state || strcmp(fmcp_http_req_method(req), "GET") != 0 ||
        strcmp(fmcp_http_req_path(req), cb->path) != 0)
        return 0;
    n = strlen(cb->state);
    if (fmcp__oa_query_get(q, "state", got, sizeof got) != FMCP_OK || strlen(got) != n) return 0;
    return fmcp_ct_equal(got, cb->state, n);
}

static void fmcp__oa_cb_handler(fmcp_http_req *req, void *user)
{
    fmcp__oa_cb *cb = (fmcp__oa_cb *)user;
    const char *q = fmcp_http_req_query(req);
    char err[128], desc[256];
    fmcp__buf page;
    fmcp_http_header h[2];
    fmcp_result re;
    if (!fmcp__oa_cb_ours(cb, req, q)) {        /* stray or forged requests: keep waiting */
        fmcp_http_respond(req, 404, NULL, 0, "not found\n", 10);
        return;
    }
    fmcp__buf_init(&page, cb->o->a, 1);
    cb->query_len = strlen(q);
    cb->query = fmcp__strndup(cb->o->a, q, cb->query_len);
    cb->done = 1;
    re = fmcp__oa_query_get(q, "error", err, sizeof err);
    if (re == FMCP_ERR_NOT_FOUND) fmcp__oa_page(&page, NULL, NULL);
    else {
        if (re != FMCP_OK) snprintf(err, sizeof err, "error");   /* too long or malformed: still a failure */
        if (fmcp__oa_query_get(q, "error_description", desc, sizeof desc) != FMCP_OK) desc[0] = 0;
        fmcp__oa_page(&page, err, desc);
    }
    h[0].name = "Content-Type"; h[0].value = "text/html; charset=utf-8";
    h[1].name = "Cache-Control"; h[1].value = "no-store";
    if (page.err == FMCP_OK) fmcp_http_respond(req, 200, h, 2, page.p, page.len);
    else fmcp_http_respond(req, 500, NULL, 0, "", 0);
    fmcp__buf_free(&page);
    fmcp_http_stop(cb->loop);
}

static void fmcp__oa_cb_timeout(void *user)
{
    fmcp_http_stop((fmcp_http_loop *)user);
}

static void fmcp__oa_cb_close(fmcp__oa_cb *cb)
{
    if (cb->srv) fmcp_http_server_destroy(cb->srv);
    if (cb->loop) fmcp_http_loop_destroy(cb->loop);
    if (cb->query) { fmcp_wipe(cb->query, cb->query_len); fmcp_free(cb->o->a, cb->query, cb->query_len + 1); }
    cb->srv = NULL; cb->loop = NULL; cb->query = NULL;
}

static uint16_t fmcp__oa_port_of(const char *url)
{
    fmcp_http_url u;
    return url && fmcp_http_url_parse(url, &u) == FMCP_OK ? u.port : 0;
}

/* Binds the loopback server and writes the redirect URI. */
static fmcp_result fmcp__oa_cb_open(fmcp_oauth *o, fmcp__oa_cb *cb, char *redirect, size_t cap)
{
    fmcp_http_server_desc sd;
    uint16_t port = o->d.callback_port;
    fmcp_result r;
    int fixed = port != 0;
    memset(cb, 0, sizeof *cb);
    cb->o = o;
    snprintf(cb->path, sizeof cb->path, "/callback");
    if (o->d.redirect_uri) {
        fmcp_http_url u;
        r = fmcp_http_url_parse(o->d.redirect_uri, &u);
        if (r != FMCP_OK || strlen(o->d.redirect_uri) >= cap) return FMCP_ERR_INVALID_ARG;
        port = u.port;
        fixed = 1;
        snprintf(cb->path, sizeof cb->path, "%.*s", (int)strcspn(u.path, "?"), u.path);
    } else if (!port && !o->d.client_id) {
        if (fmcp__oa_load_client(o) == FMCP_OK) port = fmcp__oa_port_of(o->cl_redirect);
    }
    r = fmcp_http_loop_create(o->a, &cb->loop);
    if (r != FMCP_OK) return r;
    memset(&sd, 0, sizeof sd);
    sd.host = "127.0.0.1";
    sd.handler = fmcp__oa_cb_handler;
    sd.user = cb;
    sd.port = port;
    r = fmcp_http_server_create(cb->loop, &sd, &cb->srv);
    if (r != FMCP_OK && r != FMCP_ERR_NOMEM && !fixed && port) {   /* the stored port is taken: any port */
        sd.port = 0;
        r = fmcp_http_server_create(cb->loop, &sd, &cb->srv);
    }
    if (r != FMCP_OK) { cb->srv = NULL; fmcp__oa_cb_close(cb); return r; }
    if (o->d.redirect_uri) snprintf(redirect, cap, "%s", o->d.redirect_uri);
    else snprintf(redirect, cap, "http://localhost:%u/callback", (unsigned)fmcp_http_server_port(cb->srv));
    return FMCP_OK;
}

static fmcp_result fmcp__oa_open_default(const char *url)
{
#if defined(_WIN32)
    /* the default browser through the shell; "http..." is never taken for a program */
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) return FMCP_ERR_INVALID_ARG;
    return (INT_PTR)ShellExecuteA(NULL, "open", url, NULL, NULL, SW_SHOWNORMAL) > 32 ? FMCP_OK : FMCP_ERR_IO;
#elif defined(FASTMCP_NO_PROCESS)
    (void)url;
    return FMCP_ERR_UNSUPPORTED;   /* the URL is printed instead */
#else
    pid_t pid;
    int st;
    /* "http..." can never be taken for an option by xdg-open / open */
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) return FMCP_ERR_INVALID_ARG;
    pid = fork();
    if (pid < 0) return FMCP_ERR_IO;
    if (pid == 0) {                   /* double fork: no zombie, no waiting */
        if (fork() == 0) {
#ifdef __APPLE__
            execlp("open", "open", url, (char *)NULL);
#else
            execlp("xdg-open", "xdg-open", url, (char *)NULL);
#endif
        }
        _exit(0);
    }
    (void)waitpid(pid, &st, 0);
    return FMCP_OK;
#endif
}

/* Shows the URL and runs the loopback server until the redirect arrives. */
static fmcp_result fmcp__oa_cb_wait(fmcp_oauth *o, fmcp__oa_cb *cb, const char *url)
{
    uint64_t tid = 0;
    int ms = o->d.callback_timeout_ms > 0 ? o->d.callback_timeout_ms : 300000;
    fmcp_result r = FMCP_ERR_UNSUPPORTED;
    if (!fmcp__oa_url_ok(url)) return FMCP_ERR_PROTOCOL;   /* also keeps the print below clean */
    if (!o->d.headless)
        r = o->d.open_browser ? o->d.open_browser(o->d.open_browser_user, url) : fmcp__oa_open_default(url);
    if (r != FMCP_OK || o->d.headless)
        fprintf(stderr, "Open this URL in a browser to authorize:\n%s\n", url);
    r = fmcp_http_timer_add(cb->loop, ms, fmcp__oa_cb_timeout, cb->loop, &tid);
    if (r != FMCP_OK) return r;
    while (!cb->done) {
        r = fmcp_http_run(cb->loop);
        if (r != FMCP_OK || !cb->done) break;
    }
    fmcp_http_timer_cancel(cb->loop, tid);
    if (!cb->done) return r != FMCP_OK ? r : FMCP_ERR_TIMEOUT;
    return cb->query ? FMCP_OK : FMCP_ERR_NOMEM;
}

/* ---- the authorization code flow ----------------------------------------- */

static fmcp_result fmcp__oa_rand_str(char *out, size_t nbytes, size_t cap)
{
    uint8_t rnd[64];
    size_t n = 0;
    fmcp_result r;
    if (nbytes > sizeof rnd) return FMCP_ERR_INVALID_ARG;
    r = fmcp_random_bytes(rnd, nbytes);
    if (r == FMCP_OK) r = fmcp_b64_encode(FMCP_B64_URL, rnd, nbytes, out, cap, &n);
    fmcp_wipe(rnd, sizeof rnd);
    return r;
}

static fmcp_result fmcp__oa_auth_url(fmcp_oauth *o, fmcp__buf *u, const char *redirect, const char *state,
                                     const char *challenge, const char *scope)
{
    fmcp__buf_puts(u, o->authz_ep);
    fmcp__oa_form(u, strchr(o->authz_ep, '?') ? '&' : '?', "response_type", "code");
    fmcp__oa_form(u, '&', "client_id", o->cl_id);
    fmcp__oa_form(u, '&', "redirect_uri", redirect);
    fmcp__oa_form(u, '&', "state", state);
    fmcp__oa_form(u, '&', "code_challenge", challenge);
    fmcp__oa_form(u, '&', "code_challenge_method", "S256");
    fmcp__oa_form(u, '&', "scope", scope);
    fmcp__oa_form(u, '&', "resource", o->resource);
    return u->err;
}

/* Checks the redirect's parameters; copies the code. */
static fmcp_result fmcp__oa_check_redirect(fmcp_oauth *o, const char *q, const char *state, char *code, size_t cap)
{
    char got[256];
    if (fmcp__oa_query_get(q, "error", got, sizeof got) != FMCP_ERR_NOT_FOUND) return FMCP_ERR_AUTH;
    if (fmcp__oa_query_get(q, "state", got, sizeof got) != FMCP_OK || strlen(got) != strlen(state) ||
        !fmcp_ct_equal(got, state, strlen(state)))
        return FMCP_ERR_AUTH;
    {   /* RFC 9207 2.4: a present iss is always checked; advertised, it must be there */
        char iss[1024];
        fmcp_result ri = fmcp__oa_query_get(q, "iss", iss, sizeof iss);
        if (ri == FMCP_ERR_NOT_FOUND ? o->iss_param : ri != FMCP_OK || !o->issuer || strcmp(iss, o->issuer) != 0)
            return FMCP_ERR_AUTH;
    }
    return fmcp__oa_query_get(q, "code", code, cap) == FMCP_OK && *code ? FMCP_OK : FMCP_ERR_AUTH;
}

/* The redirect's query: from the authorize hook, or the loopback server. */
static fmcp_result fmcp__oa_get_redirect(fmcp_oauth *o, fmcp__oa_cb *cb, const char *url, const char *redirect,
                                         char *out, size_t cap)
{
    fmcp_result r;
    if (o->d.authorize) {
        char *q;
        r = o->d.authorize(o->d.authorize_user, url, redirect, out, cap);
        if (r != FMCP_OK) return r;
        q = strchr(out, '?');
        if (!q) return FMCP_ERR_AUTH;
        memmove(out, q + 1, strlen(q + 1) + 1);
        out[strcspn(out, "#")] = 0;
        return FMCP_OK;
    }
    r = fmcp__oa_cb_wait(o, cb, url);
    if (r != FMCP_OK) return r;
    if (cb->query_len >= cap) return FMCP_ERR_TOO_LARGE;
    memcpy(out, cb->query, cb->query_len + 1);
    return FMCP_OK;
}

typedef struct fmcp__oa_flow {
    char redirect[512];
    char verifier[96];
    char challenge[44];
    char state[32];
    char code[1024];
    char query[8192];
} fmcp__oa_flow;

static fmcp_result fmcp__oa_exchange(fmcp_oauth *o, fmcp__oa_flow *f, const char *scope)
{
    fmcp__buf form;
    fmcp_result r;
    fmcp__buf_init(&form, o->a, 1);
    fmcp__oa_form(&form, '&', "grant_type", "authorization_code");
    fmcp__oa_form(&form, '&', "code", f->code);
    fmcp__oa_form(&form, '&', "redirect_uri", f->redirect);
    fmcp__oa_form(&form, '&', "code_verifier", f->verifier);
    fmcp__oa_form(&form, '&', "resource", o->resource);
    fmcp__oa_forget_tokens(o);
    r = fmcp__oa_token_call(o, &form, scope);
    fmcp__buf_free(&form);
    return r;
}

static int fmcp__oa_loopback(const char *url)
{
    fmcp_http_url u;
    if (fmcp_http_url_parse(url, &u) != FMCP_OK) return 0;
    return strcmp(u.host, "localhost") == 0 || strcmp(u.host, "127.0.0.1") == 0 || strcmp(u.host, "::1") == 0;
}

/* The redirect URI; the loopback server only when something will come back
 * to it (an authorize hook with a non-loopback redirect_uri needs none). */
static fmcp_result fmcp__oa_redirect_setup(fmcp_oauth *o, fmcp__oa_cb *cb, char *redirect, size_t cap)
{
    if (o->d.authorize && o->d.redirect_uri && !fmcp__oa_loopback(o->d.redirect_uri)) {
        memset(cb, 0, sizeof *cb);
        cb->o = o;
        if (strlen(o->d.redirect_uri) >= cap) return FMCP_ERR_INVALID_ARG;
        memcpy(redirect, o->d.redirect_uri, strlen(o->d.redirect_uri) + 1);
        return FMCP_OK;
    }
    return fmcp__oa_cb_open(o, cb, redirect, cap);
}

static fmcp_result fmcp__oa_authorize(fmcp_oauth *o, const char *scope)
{
    fmcp__oa_flow *f = (fmcp__oa_flow *)fmcp_malloc(o->a, sizeof *f);
    fmcp__oa_cb cb;
    fmcp__buf url;
    fmcp_result r;
    if (!f) return FMCP_ERR_NOMEM;
    memset(f, 0, sizeof *f);
    fmcp__buf_init(&url, o->a, 1);
    r = fmcp__oa_redirect_setup(o, &cb, f->redirect, sizeof f->redirect);
    if (r != FMCP_OK) { fmcp_free(o->a, f, sizeof *f); return r; }
    r = fmcp__oa_client(o, f->redirect);
    if (r == FMCP_OK) r = fmcp__oa_rand_str(f->verifier, 48, sizeof f->verifier);   /* 64 characters */
    if (r == FMCP_OK) r = fmcp__oa_rand_str(f->state, 16, sizeof f->state);
    cb.state = f->state;
    if (r == FMCP_OK) r = fmcp_oauth_pkce_challenge(f->verifier, f->challenge);
    if (r == FMCP_OK) r = fmcp__oa_auth_url(o, &url, f->redirect, f->state, f->challenge, scope);
    if (r == FMCP_OK) r = fmcp__oa_get_redirect(o, &cb, url.p, f->redirect, f->query, sizeof f->query);
    fmcp__oa_cb_close(&cb);
    if (r == FMCP_OK) r = fmcp__oa_check_redirect(o, f->query, f->state, f->code, sizeof f->code);
    if (r == FMCP_OK) r = fmcp__oa_exchange(o, f, scope);
    fmcp__buf_free(&url);
    fmcp_wipe(f, sizeof *f);
    fmcp_free(o->a, f, sizeof *f);
    return r;
}

/* ---- grants without a browser ------------------------------------------- */

#define FMCP__OA_JWT_BEARER "urn:ietf:params:oauth:grant-type:jwt-bearer"

/* RFC 8693 token exchange at the enterprise IdP: the user's ID token for an
 * ID-JAG naming our authorization server and MCP server (copied to jag). */
static fmcp_result fmcp__oa_id_jag(fmcp_oauth *o, const char *scope, char **jag)
{
    fmcp__buf form, auth;
    fmcp_http_response *res = NULL;
    fmcp_json_doc *doc = NULL;
    const char *t;
    fmcp_result r;
    if (!o->d.idp_token_endpoint || !o->d.idp_id_token || !fmcp__oa_url_ok(o->d.idp_token_endpoint))
        return FMCP_ERR_INVALID_ARG;
    fmcp__buf_init(&form, o->a, 1);
    fmcp__buf_init(&auth, o->a, 1);
    fmcp__oa_form(&form, '&', "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
    fmcp__oa_form(&form, '&', "requested_token_type", "urn:ietf:params:oauth:token-type:id-jag");
    fmcp__oa_form(&form, '&', "audience", o->issuer);
    fmcp__oa_form(&form, '&', "resource", o->resource);
    fmcp__oa_form(&form, '&', "scope", scope);
    fmcp__oa_form(&form, '&', "subject_token", o->d.idp_id_token);
    fmcp__oa_form(&form, '&', "subject_token_type", "urn:ietf:params:oauth:token-type:id_token");
    r = FMCP_OK;
    if (o->d.idp_client_secret && o->d.idp_client_id) {
        r = fmcp__oauth_basic(o->a, o->d.idp_client_id, o->d.idp_client_secret, &auth);
    } else {
        fmcp__oa_form(&form, '&', "client_id", o->d.idp_client_id);
    }
    if (r == FMCP_OK) r = form.err;
    if (r == FMCP_OK) r = fmcp__oa_token_post(o, o->d.idp_token_endpoint, &form, auth.p, 0, &res);
    fmcp__buf_free(&form);
    fmcp__buf_free(&auth);
    if (r != FMCP_OK) return r;
    r = fmcp__oa_token_answer(o, res, &doc);
    if (r != FMCP_OK) return r;
    t = fmcp_json_get_str(fmcp_json_root(doc), "access_token", NULL);
    if (!t || !fmcp__oa_b64token(t) ||
        strcmp(fmcp_json_get_str(fmcp_json_root(doc), "issued_token_type", ""), "urn:ietf:params:oauth:token-type:id-jag") != 0)
        r = FMCP_ERR_PROTOCOL;
    if (r == FMCP_OK) r = fmcp__oa_set(o, jag, t);
    fmcp_json_doc_destroy(doc);
    return r;
}

/* The workload JWT from assertion_file (or $FMCP_OAUTH_ASSERTION_FILE),
 * read at every use: platforms rotate these files (Kubernetes projected
 * service account tokens). Surrounding white space is dropped. */
static fmcp_result fmcp__oa_read_assertion(fmcp_oauth *o, char **out)
{
    const char *path = o->d.assertion_file ? o->d.assertion_file : getenv("FMCP_OAUTH_ASSERTION_FILE");
#ifndef FASTMCP_NO_FILESYSTEM
    char buf[8192];
    size_t n, b = 0;
    fmcp_result r;
    FILE *f;
    if (!path || !*path) return FMCP_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) return FMCP_ERR_IO;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n == sizeof buf) { fmcp_wipe(buf, sizeof buf); return FMCP_ERR_TOO_LARGE; }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t')) n--;
    while (b < n && (buf[b] == ' ' || buf[b] == '\t' || buf[b] == '\n' || buf[b] == '\r')) b++;
    r = b < n ? fmcp__oa_setn(o, out, buf + b, n - b) : FMCP_ERR_INVALID_ARG;
    fmcp_wipe(buf, sizeof buf);
    return r;
#else
    (void)o; (void)out;
    return path ? FMCP_ERR_UNSUPPORTED : FMCP_ERR_INVALID_ARG;
#endif
}

/* A token by the configured non-interactive grant (after discovery). */
static fmcp_result fmcp__oa_obtain(fmcp_oauth *o, const char *scope)
{
    fmcp__buf f;
    char *assertion = NULL;
    fmcp_result r = fmcp__oa_client(o, NULL);
    if (r == FMCP_ERR_NOT_FOUND && o->d.grant == FMCP_OAUTH_GRANT_JWT_BEARER) r = FMCP_OK;   /* anonymous workload */
    if (r != FMCP_OK) return r;
    fmcp__buf_init(&f, o->a, 1);
    if (o->d.grant == FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS) {
        fmcp__oa_form(&f, '&', "grant_type", "client_credentials");
    } else if (o->d.grant == FMCP_OAUTH_GRANT_JWT_BEARER) {
        const char *a = o->d.assertion;
        if (!a) a = getenv("FMCP_OAUTH_ASSERTION");
        if (a && *a) r = fmcp__oa_set(o, &assertion, a);
        else r = fmcp__oa_read_assertion(o, &assertion);
        if (r != FMCP_OK) return r;
        fmcp__oa_form(&f, '&', "grant_type", FMCP__OA_JWT_BEARER);
    } else if (o->d.grant == FMCP_OAUTH_GRANT_ID_JAG) {
        r = fmcp__oa_id_jag(o, scope, &assertion);
        fmcp__oa_form(&f, '&', "grant_type", FMCP__OA_JWT_BEARER);
    } else {
        return FMCP_ERR_INVALID_ARG;
    }
    fmcp__oa_form(&f, '&', "assertion", assertion);
    fmcp__oa_form(&f, '&', "scope", scope);
    fmcp__oa_form(&f, '&', "resource", o->resource);
    fmcp__oa_forget_tokens(o);
    if (r == FMCP_OK) r = fmcp__oa_token_call(o, &f, scope);
    fmcp__oa_sfree(o, &assertion);
    fmcp__buf_free(&f);
    return r;
}

/* ---- public API ------------------------------------------------------------ */

/* o->d was copied from d: replace its strings by our own copies. */
static fmcp_result fmcp__oa_copy_desc(fmcp_oauth *o, const fmcp_oauth_desc *d)
{
    const char *src[15];
    char *c[15];
    fmcp_result r = FMCP_OK;
    int i;
    src[0] = d->client_name; src[1] = d->scopes; src[2] = d->client_id; src[3] = d->client_secret;
    src[4] = d->token_endpoint_auth_method; src[5] = d->client_metadata_url;
    src[6] = d->additional_client_metadata; src[7] = d->redirect_uri; src[8] = d->cache_dir;
    src[9] = d->private_key_pem; src[10] = d->assertion; src[11] = d->idp_token_endpoint;
    src[12] = d->idp_id_token; src[13] = d->idp_client_id; src[14] = d->assertion_file;
    memset(c, 0, sizeof c);
    for (i = 0; i < 15 && r == FMCP_OK; i++) r = fmcp__oa_set(o, &c[i], src[i]);
    if (r == FMCP_OK) r = fmcp__oa_set(o, &o->idp_secret, d->idp_client_secret);
    if (r != FMCP_OK) {
        for (i = 0; i < 15; i++) fmcp__oa_sfree(o, &c[i]);
        return r;
    }
    o->d.client_name = c[0]; o->d.scopes = c[1]; o->d.client_id = c[2]; o->d.client_secret = c[3];
    o->d.token_endpoint_auth_method = c[4]; o->d.client_metadata_url = c[5];
    o->d.additional_client_metadata = c[6]; o->d.redirect_uri = c[7]; o->d.cache_dir = c[8];
    o->d.private_key_pem = c[9]; o->d.assertion = c[10]; o->d.idp_token_endpoint = c[11];
    o->d.idp_id_token = c[12]; o->d.idp_client_id = c[13]; o->d.assertion_file = c[14];
    o->d.idp_client_secret = o->idp_secret;
    return FMCP_OK;
}

/* Frees one of our copied desc strings. */
static void fmcp__oa_free_cs(fmcp_oauth *o, const char **s)
{
    char *p = (char *)*s;         /* the string is ours (fmcp__oa_copy_desc) */
    fmcp__oa_sfree(o, &p);
    *s = NULL;
}

static void fmcp__oa_free_desc(fmcp_oauth *o)
{
    fmcp__oa_free_cs(o, &o->d.client_name);
    fmcp__oa_free_cs(o, &o->d.scopes);
    fmcp__oa_free_cs(o, &o->d.client_id);
    fmcp__oa_free_cs(o, &o->d.client_secret);
    fmcp__oa_free_cs(o, &o->d.token_endpoint_auth_method);
    fmcp__oa_free_cs(o, &o->d.client_metadata_url);
    fmcp__oa_free_cs(o, &o->d.additional_client_metadata);
    fmcp__oa_free_cs(o, &o->d.redirect_uri);
    fmcp__oa_free_cs(o, &o->d.cache_dir);
    fmcp__oa_free_cs(o, &o->d.private_key_pem);
    fmcp__oa_free_cs(o, &o->d.assertion);
    fmcp__oa_free_cs(o, &o->d.idp_token_endpoint);
    fmcp__oa_free_cs(o, &o->d.idp_id_token);
    fmcp__oa_free_cs(o, &o->d.idp_client_id);
    fmcp__oa_free_cs(o, &o->d.assertion_file);
    o->d.idp_client_secret = NULL;
    fmcp__oa_sfree(o, &o->idp_secret);
}

static fmcp_result fmcp__oa_init_store(fmcp_oauth *o)
{
    if (o->d.store) { o->store = o->d.store; return FMCP_OK; }
#ifndef FASTMCP_NO_FILESYSTEM
    {
        fmcp_result r = fmcp_oauth_file_store_init(&o->fs, o->a, o->d.cache_dir, &o->own_store);
        if (r == FMCP_OK) o->store = &o->own_store;
        return r;
    }
#else
    return FMCP_ERR_UNSUPPORTED;
#endif
}

FASTMCP_API fmcp_result fmcp_oauth_create(const fmcp_oauth_desc *d, const char *server_url, fmcp_oauth **out)
{
    fmcp_oauth *o;
    fmcp_oauth_desc zero;
    char canon[2400];
    fmcp_result r;
    if (!out || !server_url) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    memset(&zero, 0, sizeof zero);
    if (!d) d = &zero;
    r = fmcp__oa_canon(server_url, canon, sizeof canon);
    if (r != FMCP_OK) return r == FMCP_ERR_BUFFER_TOO_SMALL ? FMCP_ERR_TOO_LARGE : r;
    o = (fmcp_oauth *)fmcp_malloc(d->alloc, sizeof *o);
    if (!o) return FMCP_ERR_NOMEM;
    memset(o, 0, sizeof *o);
    o->a = d->alloc;
    o->d = *d;
    r = fmcp__oa_copy_desc(o, d);
    if (r != FMCP_OK) { fmcp_free(o->a, o, sizeof *o); return r; }
    r = fmcp__oa_set(o, &o->server_url, canon);
    if (r == FMCP_OK) r = fmcp__oa_init_store(o);
    if (r == FMCP_OK && o->d.private_key_pem) r = fmcp__oa_key_load(o, o->d.private_key_pem, &o->client_key);
    if (r == FMCP_OK && o->d.grant != FMCP_OAUTH_GRANT_AUTHORIZATION_CODE && !o->d.client_id &&
        o->d.grant != FMCP_OAUTH_GRANT_JWT_BEARER)
        r = FMCP_ERR_INVALID_ARG;           /* no registration without a browser */
    if (r != FMCP_OK) {
        fmcp__oa_key_free(o, &o->client_key);
        fmcp__oa_free_desc(o);
        fmcp__oa_sfree(o, &o->server_url);
        fmcp_free(o->a, o, sizeof *o);
        return r;
    }
    fmcp__mutex_init(&o->lock);
    *out = o;
    return FMCP_OK;
}

FASTMCP_API void fmcp_oauth_destroy(fmcp_oauth *o)
{
    char **s[10];
    int i;
    if (!o) return;
    s[0] = &o->server_url; s[1] = &o->prm_url; s[2] = &o->resource; s[3] = &o->prm_scopes;
    s[4] = &o->issuer; s[5] = &o->authz_ep; s[6] = &o->token_ep; s[7] = &o->reg_ep;
    s[8] = &o->as_scopes; s[9] = &o->as_methods;
    for (i = 0; i < 10; i++) fmcp__oa_sfree(o, s[i]);
    fmcp__oa_forget_tokens(o);
    fmcp__oa_forget_client(o);
    fmcp__oa_free_desc(o);
    fmcp__oa_key_free(o, &o->client_key);
    fmcp__oa_key_free(o, &o->dpop_key);
    fmcp__mutex_destroy(&o->lock);
    fmcp_free(o->a, o, sizeof *o);
}

/* Did the AS (or our issuer binding) reject the refresh token for good?
 * Network trouble, timeouts and discovery hiccups do not. */
static int fmcp__oa_refused(fmcp_result r)
{
    return r == FMCP_ERR_AUTH || r == FMCP_ERR_NOT_FOUND;
}

static fmcp_result fmcp__oa_full(fmcp_oauth *o, const fmcp_oauth_challenge *ch, const char *extra_scope);

/* A token that is not about to expire, refreshed if need be. */
static fmcp_result fmcp__oa_current(fmcp_oauth *o)
{
    fmcp_result r = fmcp__oa_load_tokens(o);
    if (r != FMCP_OK) return r;
    if (!o->access) return FMCP_ERR_NOT_FOUND;
    if (!o->expires_at || fmcp_time_now() + 60 < o->expires_at) return FMCP_OK;
    if (o->refresh) {
        r = fmcp__oa_refresh(o);
        if (r == FMCP_OK || r == FMCP_ERR_NOMEM) return r;
        if (!fmcp__oa_refused(r))       /* transient: keep the refresh token for later */
            return fmcp_time_now() < o->expires_at ? FMCP_OK : r;
    } else if (o->d.grant && o->discovered) {
        /* the same grant again: no user involved, so before it lapses */
        r = fmcp__oa_full(o, NULL, o->tok_scope);
        if (r == FMCP_OK || r == FMCP_ERR_NOMEM) return r;
        if (o->access && fmcp_time_now() < o->expires_at) return FMCP_OK;
    } else if (fmcp_time_now() < o->expires_at) {
        return FMCP_OK;                 /* nothing to refresh with: use it to the end */
    }
    fmcp__oa_forget_tokens(o);
    (void)o->store->remove(o->store->user, o->server_url, "tokens");
    return FMCP_ERR_NOT_FOUND;
}

FASTMCP_API fmcp_result fmcp_oauth_access_token(fmcp_oauth *o, char *buf, size_t cap)
{
    fmcp_result r;
    if (!o || !buf || !cap) return FMCP_ERR_INVALID_ARG;
    buf[0] = 0;
    fmcp__mutex_lock(&o->lock);
    r = fmcp__oa_current(o);
    if (r == FMCP_OK && strlen(o->access) >= cap) r = FMCP_ERR_BUFFER_TOO_SMALL;
    if (r == FMCP_OK) memcpy(buf, o->access, strlen(o->access) + 1);
    fmcp__mutex_unlock(&o->lock);
    return r;
}

FASTMCP_API fmcp_result fmcp_oauth_request_headers(fmcp_oauth *o, const char *method, const char *url,
                                                  char *buf, size_t cap)
{
    fmcp__buf h, proof;
    fmcp_result r;
    if (!o || !method || !url || !buf || !cap) return FMCP_ERR_INVALID_ARG;
    buf[0] = 0;
    fmcp__buf_init(&h, o->a, 1);
    fmcp__buf_init(&proof, o->a, 1);
    fmcp__mutex_lock(&o->lock);
    r = fmcp__oa_current(o);
    if (r == FMCP_OK) {
        fmcp__buf_puts(&h, o->tok_dpop ? "Authorization: DPoP " : "Authorization: Bearer ");
        fmcp__buf_puts(&h, o->access);
        fmcp__buf_puts(&h, "\r\n");
        if (o->tok_dpop) {
            r = fmcp__oa_dpop_proof(o, method, url, o->access, o->rs_nonce, &proof);
            fmcp__buf_puts(&h, "DPoP: ");
            if (r == FMCP_OK) fmcp__buf_put(&h, proof.p, proof.len);
            fmcp__buf_puts(&h, "\r\n");
        }
        if (r == FMCP_OK) r = h.err;
        if (r == FMCP_OK && h.len >= cap) r = FMCP_ERR_BUFFER_TOO_SMALL;
        if (r == FMCP_OK) memcpy(buf, h.p, h.len + 1);
    }
    fmcp__mutex_unlock(&o->lock);
    if (h.p) fmcp_wipe(h.p, h.len);
    fmcp__buf_free(&h);
    fmcp__buf_free(&proof);
    return r;
}

/* Discover (with the challenge's hints) and run the authorization flow. */
static fmcp_result fmcp__oa_full(fmcp_oauth *o, const fmcp_oauth_challenge *ch, const char *extra_scope)
{
    char scope[2048];
    size_t len;
    fmcp_result r = fmcp__oa_discover(o, ch ? ch->resource_metadata : NULL);
    if (r != FMCP_OK) return r;
    /* offline_access only where a refresh token helps: the browser flow */
    r = fmcp_oauth_select_scope(ch ? ch->scope : NULL, o->prm_scopes, o->d.scopes,
                                o->d.grant ? NULL : o->as_scopes, scope, sizeof scope);
    len = strlen(scope);
    if (r == FMCP_OK && extra_scope) {          /* step-up: keep what we had */
        r = fmcp__oa_scope_add(scope, sizeof scope, &len, extra_scope);
    }
    if (r != FMCP_OK) return r;
    if (o->d.grant) return fmcp__oa_obtain(o, scope[0] ? scope : NULL);
    return fmcp__oa_authorize(o, scope[0] ? scope : NULL);
}

FASTMCP_API fmcp_result fmcp_oauth_handle_challenge(fmcp_oauth *o, int status, const char *www_authenticate,
                                                    int attempt)
{
    return fmcp_oauth_handle_challenge_ex(o, status, www_authenticate, NULL, attempt);
}

FASTMCP_API fmcp_result fmcp_oauth_handle_challenge_ex(fmcp_oauth *o, int status, const char *www_authenticate,
                                                       const char *dpop_nonce, int attempt)
{
    fmcp_oauth_challenge ch;
    int have = 0, max;
    fmcp_result r;
    if (!o || (status != 401 && status != 403)) return FMCP_ERR_INVALID_ARG;
    max = o->d.max_step_up > 0 ? o->d.max_step_up : 3;
    if (www_authenticate && fmcp_oauth_parse_www_authenticate(www_authenticate, &ch) == FMCP_OK) have = 1;
    if (!have) memset(&ch, 0, sizeof ch);
    if (status == 403 && strcmp(ch.error, "insufficient_scope") != 0) return FMCP_ERR_FORBIDDEN;
    if (attempt >= max) return status == 403 ? FMCP_ERR_FORBIDDEN : FMCP_ERR_AUTH;
    fmcp__mutex_lock(&o->lock);
    if (status == 401 && strcmp(ch.error, "use_dpop_nonce") == 0 && o->tok_dpop && dpop_nonce &&
        fmcp__oa_b64token(dpop_nonce) && strlen(dpop_nonce) < sizeof o->rs_nonce &&
        strcmp(dpop_nonce, o->rs_nonce) != 0) {
        /* RFC 9449 9: the token is fine, the proof needs the server's nonce */
        memcpy(o->rs_nonce, dpop_nonce, strlen(dpop_nonce) + 1);
        fmcp__mutex_unlock(&o->lock);
        return FMCP_OK;
    }
    r = fmcp__oa_load_tokens(o);
    /* a 401 for a token we sent: the resource may have moved to another
     * authorization server (SEP-2352), so the metadata is read again, from
     * the challenge's URL or where it came from last time */
    if (r == FMCP_OK && status == 401 && o->access) {
        char *hint = NULL;
        r = fmcp__oa_set(o, &hint, ch.resource_metadata[0] ? ch.resource_metadata : o->prm_url);
        o->discovered = 0;
        if (r == FMCP_OK) r = fmcp__oa_discover(o, hint);
        fmcp__oa_sfree(o, &hint);
    }
    if (r == FMCP_OK && status == 401 && attempt == 0 && o->refresh) {
        r = fmcp__oa_refresh(o);
        if (r == FMCP_OK || !fmcp__oa_refused(r)) { fmcp__mutex_unlock(&o->lock); return r; }
        r = FMCP_OK;
    }
    if (r == FMCP_OK) {
        char *keep = NULL;
        if (status == 403 && o->tok_scope) r = fmcp__oa_set(o, &keep, o->tok_scope);
        fmcp__oa_forget_tokens(o);
        (void)o->store->remove(o->store->user, o->server_url, "tokens");
        if (r == FMCP_OK) r = fmcp__oa_full(o, &ch, keep);
        fmcp__oa_sfree(o, &keep);
    }
    fmcp__mutex_unlock(&o->lock);
    return r;
}

FASTMCP_API fmcp_result fmcp_oauth_login(fmcp_oauth *o)
{
    fmcp_result r;
    if (!o) return FMCP_ERR_INVALID_ARG;
    fmcp__mutex_lock(&o->lock);
    r = fmcp__oa_current(o);
    if (r == FMCP_ERR_NOT_FOUND) r = fmcp__oa_full(o, NULL, NULL);
    fmcp__mutex_unlock(&o->lock);
    return r;
}

FASTMCP_API fmcp_result fmcp_oauth_logout(fmcp_oauth *o)
{
    fmcp_result r;
    if (!o) return FMCP_ERR_INVALID_ARG;
    fmcp__mutex_lock(&o->lock);
    fmcp__oa_forget_tokens(o);
    fmcp__oa_forget_client(o);
    o->tokens_loaded = o->client_loaded = 0;
    r = o->store->remove(o->store->user, o->server_url, NULL);
    fmcp__mutex_unlock(&o->lock);
    return r;
}

/* Resolves a Location (absolute, or absolute-path) against base. */
static fmcp_result fmcp__oa_resolve(const char *base, const char *loc, char *out, size_t cap)
{
    int n;
    if (strstr(loc, "://")) n = snprintf(out, cap, "%s", loc);
    else if (loc[0] == '/') {
        fmcp_http_url u;
        char origin[300];
        fmcp_result r = fmcp_http_url_parse(base, &u);
        if (r == FMCP_OK) r = fmcp__oa_origin(&u, origin, sizeof origin);
        if (r != FMCP_OK) return r;
        n = snprintf(out, cap, "%s%s", origin, loc);
    } else return FMCP_ERR_UNSUPPORTED;
    return n < 0 || (size_t)n >= cap ? FMCP_ERR_TOO_LARGE : FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_oauth_authorize_follow(void *user, const char *authorization_url,
                                                    const char *redirect_uri, char *callback, size_t cap)
{
    char url[8192];
    int hop;
    size_t rl;
    if (!authorization_url || !redirect_uri || !callback || !cap) return FMCP_ERR_INVALID_ARG;
    rl = strcspn(redirect_uri, "?#");
    if (strlen(authorization_url) >= sizeof url) return FMCP_ERR_TOO_LARGE;
    memcpy(url, authorization_url, strlen(authorization_url) + 1);
    for (hop = 0; hop < 9; hop++) {
        fmcp_http_client_req rq;
        fmcp_http_response *res = NULL;
        const char *loc;
        fmcp_result r;
        memset(&rq, 0, sizeof rq);
        rq.url = url;
        rq.transport = (const fmcp_http_io *)user;
        r = fmcp_http_fetch(NULL, &rq, &res);
        if (r != FMCP_OK) return r;
        loc = res->status >= 300 && res->status < 400 ? fmcp_http_response_header(res, "location") : NULL;
        r = loc ? fmcp__oa_resolve(url, loc, url, sizeof url) : FMCP_ERR_AUTH;
        fmcp_http_response_destroy(res);
        if (r != FMCP_OK) return r;
        if (strncmp(url, redirect_uri, rl) == 0 && (url[rl] == '?' || url[rl] == 0 || url[rl] == '#')) {
            if (strlen(url) >= cap) return FMCP_ERR_TOO_LARGE;
            memcpy(callback, url, strlen(url) + 1);
            return FMCP_OK;
        }
    }
    return FMCP_ERR_AUTH;
}

#endif /* FASTMCP_NO_SOCKETS */
