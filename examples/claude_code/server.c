/* claude_code/server.c - an authenticated MCP stdio server for Claude Code
 * (or any MCP host that launches servers as subprocesses).
 *
 * stdio has no HTTP Authorization header, so the host passes the bearer token
 * in the environment. The server verifies it once at start-up with the RS256
 * JWT verifier and refuses to start (message on stderr, exit status 1) when it
 * is missing or invalid. The verified claims become the session's identity:
 * tools see them through fmcp_ctx_auth(), and the authoriser hides tools whose
 * scopes the token lacks and refuses everything once the token has expired.
 *
 * Environment
 *   BEARER_TOKEN          the RS256 JWT (required)
 *   JWT_ISSUER            required "iss" (recommended)
 *   JWT_AUDIENCE          required "aud" (required; JWT_ALLOW_ANY_AUDIENCE=1 waives it)
 *   JWT_REQUIRED_SCOPES   space separated scopes the token must carry
 *   JWT_LEEWAY_SECONDS    clock skew allowed on exp/nbf/iat (default 60, 0 = none)
 *   and exactly one key source:
 *   JWT_PUBLIC_KEY_FILE   PEM public key (SPKI or PKCS#1)
 *   JWKS_FILE             JWKS (or single JWK) JSON file
 *   JWKS_URI              http:// URL of the issuer's JWKS, fetched at start-up
 *
 * Tools: whoami (the verified identity as JSON), add {a,b}, echo {text},
 * and secret_note, visible only with the scope "notes:read".
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME "claude_code_server"
#define MAX_KEY_FILE (1024 * 1024)
#define MAX_SCOPES 32

static int refuse(const char *what, const char *detail)
{
    fprintf(stderr, NAME ": refusing to start: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* ---- key material ----------------------------------------------------------- */

/* Whole file as a NUL-terminated string (free()), or NULL with errno set. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (!f) return NULL;
    buf = (char *)malloc(MAX_KEY_FILE + 1);
    if (!buf) { fclose(f); return NULL; }
    n = fread(buf, 1, MAX_KEY_FILE + 1, f);
    fclose(f);
    if (n > MAX_KEY_FILE) { free(buf); errno = EFBIG; return NULL; }
    buf[n] = '\0';
    return buf;
}

static char *fetch_jwks(const char *url, char *err, size_t errlen)
{
#ifndef FASTMCP_NO_SOCKETS
    fmcp_http_client_req req = {0};
    fmcp_http_response *res;
    fmcp_result r;
    char *text = NULL;
    req.url = url;
    req.timeout_ms = 10000;
    req.error_buf = err;
    req.error_buf_len = errlen;
    if ((r = fmcp_http_fetch(NULL, &req, &res)) != FMCP_OK) {
        if (!err[0]) snprintf(err, errlen, "%s", fmcp_result_str(r));
        return NULL;
    }
    if (res->status != 200) snprintf(err, errlen, "HTTP status %d", res->status);
    else if ((text = (char *)malloc(res->body_len + 1)) != NULL) {
        memcpy(text, res->body, res->body_len);
        text[res->body_len] = '\0';
    } else snprintf(err, errlen, "out of memory");
    fmcp_http_response_destroy(res);
    return text;
#else
    (void)url;
    snprintf(err, errlen, "built without sockets (FASTMCP_NO_SOCKETS): use JWKS_FILE");
    return NULL;
#endif
}

/* The one configured key source, as text (free()); NULL after a message. */
static char *load_keys(void)
{
    const char *pem = getenv("JWT_PUBLIC_KEY_FILE"), *jwks = getenv("JWKS_FILE"), *uri = getenv("JWKS_URI");
    const char *file = pem && *pem ? pem : jwks && *jwks ? jwks : NULL;
    char *text, err[256];
    if (!file && !(uri && *uri)) {
        refuse("no key to verify BEARER_TOKEN", "set JWT_PUBLIC_KEY_FILE, JWKS_FILE or JWKS_URI");
        return NULL;
    }
    if (file) {
        if (!(text = read_file(file))) refuse(file, strerror(errno));
        return text;
    }
    if (strncmp(uri, "http://", 7) != 0) {
        refuse("JWKS_URI must be an http:// URL (for https, save the JWKS and set JWKS_FILE)", uri);
        return NULL;
    }
    err[0] = '\0';
    if (!(text = fetch_jwks(uri, err, sizeof err))) {
        char what[512];
        snprintf(what, sizeof what, "cannot fetch JWKS_URI %s", uri);
        refuse(what, err);
    }
    return text;
}

/* ---- token verification ------------------------------------------------------ */

/* Split s (modified in place) at spaces into out[]; returns the count. */
static size_t split_words(char *s, const char **out, size_t max)
{
    size_t n = 0;
    char *p = s;
    while (*p && n < max) {
        while (*p == ' ') *p++ = '\0';
        if (!*p) break;
        out[n++] = p;
        while (*p && *p != ' ') p++;
    }
    return n;
}

typedef struct identity {
    fmcp_jwt_verifier *verifier;
    fmcp_jwt_verdict verdict;
    fmcp_auth_info auth;
    char scopes[1024];
    long leeway;            /* seconds, as given to the verifier */
} identity;

/* Verify BEARER_TOKEN against the environment's policy; 0 on success. */
static int verify_token(identity *id, const char *keys)
{
    const char *token = getenv("BEARER_TOKEN"), *iss = getenv("JWT_ISSUER"), *aud = getenv("JWT_AUDIENCE");
    const char *req_env = getenv("JWT_REQUIRED_SCOPES"), *required[MAX_SCOPES];
    char req_buf[1024] = "";
    const char *problem = NULL;
    fmcp_jwt_verifier_desc d = {0};
    fmcp_result r;
    size_t i, n;
    if (!token || !*token) return refuse("BEARER_TOKEN is not set", NULL);
    d.keys = &keys;
    d.key_count = 1;
    if (iss && *iss) { d.issuers = &iss; d.issuer_count = 1; }
    if (aud && *aud) { d.audiences = &aud; d.audience_count = 1; }
    else if (getenv("JWT_ALLOW_ANY_AUDIENCE") && strcmp(getenv("JWT_ALLOW_ANY_AUDIENCE"), "1") == 0)
        d.allow_any_audience = 1;
    else return refuse("JWT_AUDIENCE is not set", "a token minted for another API would pass; "
                       "set it, or JWT_ALLOW_ANY_AUDIENCE=1 to accept any audience");
    d.problem = &problem;
    if (req_env) snprintf(req_buf, sizeof req_buf, "%s", req_env);
    id->leeway = getenv("JWT_LEEWAY_SECONDS") ? atol(getenv("JWT_LEEWAY_SECONDS")) : FMCP_JWT_DEFAULT_LEEWAY;
    if (id->leeway < 0 || id->leeway > FMCP_JWT_MAX_LEEWAY) return refuse("JWT_LEEWAY_SECONDS must be 0 to 86400", NULL);
    d.leeway_seconds = id->leeway ? id->leeway : -1;
    d.required_scopes = required;
    d.required_scope_count = split_words(req_buf, required, MAX_SCOPES);
    if ((r = fmcp_jwt_verifier_create(&d, &id->verifier)) != FMCP_OK)
        return refuse("the configured key is not a usable RS256 public key", problem ? problem : fmcp_result_str(r));
    if (fmcp_jwt_verify(id->verifier, token, strlen(token), &id->verdict) != FMCP_OK) {
        char why[160];
        snprintf(why, sizeof why, "%s (%s)", fmcp_jwt_error_name(id->verdict.error), id->verdict.description);
        return refuse("BEARER_TOKEN rejected", why);
    }
    for (i = 0, n = 0; i < id->verdict.claims.scope_count; i++)
        n += (size_t)snprintf(id->scopes + n, n < sizeof id->scopes ? sizeof id->scopes - n : 0, "%s%s",
                              i ? " " : "", id->verdict.claims.scopes[i]);
    if (n >= sizeof id->scopes) return refuse("BEARER_TOKEN rejected", "too many scopes");
    id->auth.subject = id->verdict.claims.subject;
    id->auth.client_id = id->verdict.claims.client_id;
    id->auth.scopes = id->scopes;
    id->auth.expires_at = id->verdict.claims.has_exp ? id->verdict.claims.expires_at : 0;
    id->auth.token = token;
    id->auth.claims_json = id->verdict.claims.raw;
    return 0;
}

/* ---- authorisation ----------------------------------------------------------- */

static int has_scope(const char *granted, const char *want, size_t wn)
{
    const char *p = granted;
    while (p && *p) {
        size_t n = strcspn(p, " ");
        if (n == wn && memcmp(p, want, n) == 0) return 1;
        p += n;
        while (*p == ' ') p++;
    }
    return 0;
}

/* Every scope the item declares must be granted, and the token must still be
 * valid (with the verifier's leeway): a stdio session can outlive its token. */
static fmcp_result authorize(void *user, const fmcp_auth_info *auth, fmcp_item_kind kind, const char *name,
                             const char *scopes)
{
    const identity *id = (const identity *)user;
    const char *p = scopes;
    (void)kind; (void)name;
    if (!auth) return FMCP_ERR_AUTH;
    if (auth->expires_at && fmcp_time_now() >= auth->expires_at + id->leeway) return FMCP_ERR_AUTH;
    while (p && *p) {
        size_t n = strcspn(p, " ");
        if (n && !has_scope(auth->scopes, p, n)) return FMCP_ERR_FORBIDDEN;
        p += n;
        while (*p == ' ') p++;
    }
    return FMCP_OK;
}

/* ---- tools ----------------------------------------------------------------------- */

static fmcp_result tool_whoami(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *a = fmcp_ctx_auth(c);
    fmcp_json_writer w;
    char *out;
    size_t n;
    fmcp_result r;
    (void)u;
    if (!a) return fmcp_ctx_add_text(c, "{}");
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "subject");
    if (a->subject) fmcp_jw_str(&w, a->subject); else fmcp_jw_null(&w);
    fmcp_jw_key(&w, "client_id");
    if (a->client_id) fmcp_jw_str(&w, a->client_id); else fmcp_jw_null(&w);
    fmcp_jw_key(&w, "scopes"); fmcp_jw_str(&w, a->scopes ? a->scopes : "");
    fmcp_jw_key(&w, "expires_at"); fmcp_jw_int(&w, a->expires_at);
    /* the claims, never the token itself */
    fmcp_jw_key(&w, "claims");
    if (a->claims_json) fmcp_jw_raw(&w, a->claims_json, strlen(a->claims_json)); else fmcp_jw_null(&w);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &out, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp_ctx_add_text(c, out);
    fmcp_free_text(w.alloc, out, n);
    return r;
}

static fmcp_result tool_add(fmcp_ctx *c, void *u)
{
    char buf[32];
    (void)u;
    snprintf(buf, sizeof buf, "%lld", (long long)(fmcp_ctx_arg_int(c, "a", 0) + fmcp_ctx_arg_int(c, "b", 0)));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result tool_echo(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, fmcp_ctx_arg_str(c, "text", ""));
}

static fmcp_result tool_secret_note(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "The note says: only readers with notes:read see this.");
}

static fmcp_result add_tool(fmcp_server *srv, const char *name, const char *desc, const char *params,
                            const char *scopes, fmcp_handler_fn fn)
{
    fmcp_tool_desc t = {0};
    t.name = name; t.description = desc; t.params = params; t.scopes = scopes; t.handler = fn;
    t.read_only_hint = 1;
    return fmcp_server_add_tool(srv, &t);
}

static fmcp_result add_tools(fmcp_server *srv)
{
    fmcp_result r = FMCP_OK;
    r = r ? r : add_tool(srv, "whoami", "The verified caller: subject, client, scopes and token claims", NULL, NULL,
                         tool_whoami);
    r = r ? r : add_tool(srv, "add", "Adds two integers", "a:integer, b:integer", NULL, tool_add);
    r = r ? r : add_tool(srv, "echo", "Returns the text", "text:string", NULL, tool_echo);
    r = r ? r : add_tool(srv, "secret_note", "Reads a note (needs scope notes:read)", NULL, "notes:read",
                         tool_secret_note);
    return r;
}

/* ---- stdio with the identity attached ----------------------------------------- */

static long stdin_read(void *user, void *buf, size_t cap)
{
    ssize_t n;
    (void)user;
    do { n = read(0, buf, cap); } while (n < 0 && errno == EINTR);
    return (long)n;
}

static long stdout_write(void *user, const void *buf, size_t len)
{
    ssize_t n;
    (void)user;
    do { n = write(1, buf, len); } while (n < 0 && errno == EINTR);
    return (long)n;
}

static int serve(const identity *id)
{
    fmcp_server_desc sd = {0};
    fmcp_stream_desc st = {0};
    fmcp_server *srv;
    fmcp_result r;
    sd.name = "secure-server"; sd.title = "fastmcp.h authenticated stdio example"; sd.version = FASTMCP_VERSION_STRING;
    sd.log = fmcp_log_stderr;
    if ((r = fmcp_server_create(&sd, &srv)) != FMCP_OK) return refuse("server setup failed", fmcp_result_str(r));
    fmcp_server_set_authorizer(srv, authorize, (void *)id);
    r = add_tools(srv);
    st.read = stdin_read; st.write = stdout_write; st.auth = &id->auth;
    if (r == FMCP_OK) r = fmcp_stream_serve(srv, &st);
    if (r != FMCP_OK) fprintf(stderr, NAME ": %s\n", fmcp_result_str(r));
    fmcp_server_destroy(srv);
    return r == FMCP_OK ? 0 : 1;
}

int main(void)
{
    identity id = {0};
    char *keys;
    int rc;
    if (!(keys = load_keys())) return 1;
    rc = verify_token(&id, keys);
    free(keys);
    if (rc == 0) {
        fprintf(stderr, NAME ": authenticated as %s\n", id.auth.subject ? id.auth.subject : "(no subject)");
        rc = serve(&id);
    }
    fmcp_jwt_verdict_destroy(&id.verdict);
    fmcp_jwt_verifier_destroy(id.verifier);
    return rc;
}
