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

#endif /* FASTMCP_NO_SOCKETS */
