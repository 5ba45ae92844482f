/* auth_common.h - what the authenticated example servers share: reading the
 * environment, the development key pair and test token, the audit sink and
 * serving on a loop. Included by exactly one .c file each (static functions).
 *
 * Environment
 *   ENVIRONMENT=production  JWKS_URI, JWT_ISSUER, JWT_AUDIENCE (required),
 *                           REQUIRED_SCOPES (default given by the example)
 *   otherwise               a fresh RSA key pair; issuer https://dev.example.com,
 *                           audience mcp-dev-server; prints "Test Token: <jwt>"
 *   HOST (127.0.0.1), PORT (8000; 0 = any), AUTH_SERVER_URL (advertised in
 *   the protected resource metadata), RESOURCE_URL, RATE_LIMIT (requests per
 *   second per client), RATE_BURST, AUDIT_LOG (a file to append to; "off"
 *   disables; default stderr), TOKEN_CACHE (entries; -1 = no token cache).
 *
 * Serving (see docs/deploy.md)
 *   TLS_CERT, TLS_KEY     PEM files: serve HTTPS (needs make BEARSSL=1)
 *   STATELESS=1           stateless Streamable HTTP: no sessions, so any
 *                         instance can answer any request behind a balancer
 *   ALLOWED_HOSTS         comma-separated Host values to accept (a name
 *                         without ":port" matches any port), e.g. the public
 *                         name a reverse proxy forwards; replaces the
 *                         loopback defaults and turns the check on
 *   ALLOWED_ORIGINS       comma-separated Origins ("https://app.example.com",
 *                         or a bare host for any scheme and port); a browser
 *                         request from any other Origin gets 403
 *   REUSE_PORT=1          SO_REUSEPORT: start several processes on one PORT
 *                         and the kernel spreads connections over them
 */
#ifndef EXAMPLE_AUTH_COMMON_H
#define EXAMPLE_AUTH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_MAX_SCOPES 16
#define EX_MAX_ALLOWED 16

typedef struct ex_auth {
    int production;
    const char *host;
    int port;
    fmcp_rsa_private_key dev_key;
    char dev_kid[FMCP_JWK_THUMBPRINT_LEN + 1];
    char dev_pem[4096];
    const char *keys[1];
    const char *aud[1];
    const char *as[1];
    char scope_buf[512];
    const char *scopes[EX_MAX_SCOPES];
    size_t nscopes;
    FILE *audit_file;
    fmcp_tls_client *tls;   /* for an https:// JWKS_URI (when TLS is compiled in) */
    char dev_token[2048];   /* the printed test token (development mode) */
    const char *try_call;   /* "TOOL 'JSON'" shown in the ready-to-paste command */
    char hosts_buf[1024], origins_buf[1024];      /* ALLOWED_HOSTS / ALLOWED_ORIGINS */
    const char *hosts[EX_MAX_ALLOWED + 1];        /* NULL-terminated, as the transport wants */
    const char *origins[EX_MAX_ALLOWED + 1];
    const char *problem;        /* what fmcp_auth_create found wrong, if it failed */
} ex_auth;

static const char *ex_env(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static void ex_split(ex_auth *x, const char *list)
{
    char *p, *save = NULL;
    snprintf(x->scope_buf, sizeof x->scope_buf, "%s", list ? list : "");
    x->nscopes = 0;
    for (p = strtok_r(x->scope_buf, " ,", &save); p && x->nscopes < EX_MAX_SCOPES; p = strtok_r(NULL, " ,", &save))
        x->scopes[x->nscopes++] = p;
}

static void ex_audit_file(void *user, const char *line, size_t len)
{
    FILE *f = (FILE *)user;
    fwrite(line, 1, len, f);
    fputc('\n', f);
    fflush(f);
}

/* A comma-separated environment list as a NULL-terminated array in buf, or
 * NULL when the variable is unset (the transport's defaults then apply). */
static const char *const *ex_list(const char *name, char *buf, size_t cap, const char **out)
{
    const char *v = ex_env(name, NULL);
    char *p, *save = NULL;
    size_t n = 0;
    if (!v) return NULL;
    snprintf(buf, cap, "%s", v);
    for (p = strtok_r(buf, " ,", &save); p && n < EX_MAX_ALLOWED; p = strtok_r(NULL, " ,", &save)) out[n++] = p;
    out[n] = NULL;
    return out;
}

static int ex_flag(const char *name)
{
    const char *v = ex_env(name, "0");
    return strcmp(v, "0") != 0 && strcmp(v, "false") != 0 && strcmp(v, "no") != 0;
}

/* A development token signed with the generated key. */
static int ex_print_token(ex_auth *x, const char *subject, const char *scopes_text)
{
    fmcp_jwt_issue_desc t = {0};
    char buf[512], *p, *save = NULL, *tok;
    const char *sc[EX_MAX_SCOPES];
    size_t n = 0, len;
    snprintf(buf, sizeof buf, "%s", scopes_text);
    for (p = strtok_r(buf, " ", &save); p && n < EX_MAX_SCOPES; p = strtok_r(NULL, " ", &save)) sc[n++] = p;
    t.subject = subject; t.issuer = "https://dev.example.com"; t.kid = x->dev_kid;
    t.audiences = x->aud; t.audience_count = 1; t.scopes = sc; t.scope_count = n;
    t.lifetime_seconds = 24 * 3600;
    t.claims_json = "{\"client_id\":\"dev-client\"}";
    if (fmcp_jwt_issue(&x->dev_key, &t, NULL, &tok, &len) != FMCP_OK) return 0;
    printf("Test Token: %s\n", tok);
    fflush(stdout);
    if (len < sizeof x->dev_token) memcpy(x->dev_token, tok, len + 1);
    fmcp_free_text(NULL, tok, len);
    return 1;
}

/* Fill the auth descriptor from the environment. dev_scopes: the test token's. */
static int ex_auth_setup(ex_auth *x, fmcp_auth_desc *ad, const char *prod_scopes, const char *dev_scopes)
{
    const char *audit = ex_env("AUDIT_LOG", NULL);
    size_t n;
    memset(ad, 0, sizeof *ad);
    x->production = strcmp(ex_env("ENVIRONMENT", "development"), "production") == 0;
    x->host = ex_env("HOST", "127.0.0.1");
    x->port = atoi(ex_env("PORT", "8000"));
    if (x->production) {
        ad->jwks_url = ex_env("JWKS_URI", NULL);
        ad->issuer = ex_env("JWT_ISSUER", NULL);
        x->aud[0] = ex_env("JWT_AUDIENCE", NULL);
        if (!ad->jwks_url || !ad->issuer || !x->aud[0]) {
            fprintf(stderr, "production needs JWKS_URI, JWT_ISSUER and JWT_AUDIENCE\n");
            return 0;
        }
        ex_split(x, ex_env("REQUIRED_SCOPES", prod_scopes));
        if (strncmp(ad->jwks_url, "https://", 8) == 0 && fmcp_tls_client_create(NULL, NULL, &x->tls) == FMCP_OK)
            ad->jwks_transport = fmcp_tls_client_io(x->tls);
    } else {
        x->aud[0] = "mcp-dev-server";
        ad->issuer = "https://dev.example.com";
        if (fmcp_rsa_generate(2048, &x->dev_key) != FMCP_OK ||
            fmcp_rsa_jwk_thumbprint(&x->dev_key.pub, x->dev_kid) != FMCP_OK ||
            fmcp_rsa_public_to_pem(&x->dev_key.pub, FMCP_RSAKEY_SPKI, x->dev_pem, sizeof x->dev_pem, &n) != FMCP_OK) {
            fprintf(stderr, "cannot generate the development key pair\n");
            return 0;
        }
        x->keys[0] = x->dev_pem;
        ad->keys = x->keys; ad->key_count = 1;
        ex_split(x, ex_env("REQUIRED_SCOPES", ""));
        if (!ex_print_token(x, "dev-user", dev_scopes)) return 0;
    }
    ad->audiences = x->aud; ad->audience_count = 1;
    ad->problem = &x->problem;
    ad->required_scopes = x->scopes; ad->required_scope_count = x->nscopes;
    if ((x->as[0] = ex_env("AUTH_SERVER_URL", NULL)) != NULL) {
        ad->authorization_servers = x->as; ad->authorization_server_count = 1;
    }
    ad->resource = ex_env("RESOURCE_URL", NULL);
    ad->rate_per_second = atof(ex_env("RATE_LIMIT", "0"));
    ad->burst = atof(ex_env("RATE_BURST", "0"));
    ad->token_cache_size = atol(ex_env("TOKEN_CACHE", "0"));   /* -1 = verify every request */
    if (audit && strcmp(audit, "off") == 0) ad->no_audit = 1;
    else if (audit && (x->audit_file = fopen(audit, "a")) != NULL) {
        ad->audit = ex_audit_file; ad->audit_user = x->audit_file;
    }
    return 1;
}

/* Serve srv with auth a until the loop stops; prints the listening line. */
static int ex_serve(ex_auth *x, fmcp_server *srv, fmcp_auth *a, fmcp_http_loop *loop)
{
    fmcp_http_endpoint_desc d = {0};
    fmcp_http_server_desc hs = {0};
    fmcp_tls_server *tls = NULL;
    fmcp_http_endpoint *t;
    const char *scheme = "http";
    d.host = x->host;
    d.port = (uint16_t)x->port;
    d.stateless = ex_flag("STATELESS");
    d.allowed_hosts = ex_list("ALLOWED_HOSTS", x->hosts_buf, sizeof x->hosts_buf, x->hosts);
    d.allowed_origins = ex_list("ALLOWED_ORIGINS", x->origins_buf, sizeof x->origins_buf, x->origins);
    hs.reuse_port = ex_flag("REUSE_PORT");
    d.http = &hs;
    /* HTTPS when TLS_CERT and TLS_KEY name PEM files (needs FASTMCP_WITH_BEARSSL). */
    if (getenv("TLS_CERT") || getenv("TLS_KEY")) {
        fmcp_result tr = fmcp_tls_server_from_env(NULL, loop, &tls);
        if (tr != FMCP_OK) {
            fprintf(stderr, "TLS_CERT/TLS_KEY: %s\n", tr == FMCP_ERR_UNSUPPORTED ?
                    "TLS support not compiled in (build with make BEARSSL=1)" : fmcp_result_str(tr));
            return 1;
        }
        hs.transport = fmcp_tls_server_io(tls);
        scheme = "https";
    }
    if (fmcp_auth_attach(a, srv, &d) != FMCP_OK || fmcp_http_endpoint_create(srv, loop, &d, &t) != FMCP_OK) {
        fprintf(stderr, "cannot listen on %s:%d\n", x->host, x->port);
        fmcp_tls_server_destroy(tls);
        return 1;
    }
    printf("Listening on %s://%s:%u/mcp\n", scheme, x->host, (unsigned)fmcp_http_endpoint_port(t));
    if (x->dev_token[0] && x->try_call)
        printf("Try it: build/fmcp call --bearer %s %s://%s:%u/mcp %s\n", x->dev_token, scheme, x->host,
               (unsigned)fmcp_http_endpoint_port(t), x->try_call);
    fflush(stdout);
    (void)fmcp_http_run(loop);
    fmcp_http_endpoint_destroy(t);
    fmcp_tls_server_destroy(tls);   /* after the HTTP server that used it */
    return 0;
}

static void ex_auth_done(ex_auth *x)
{
    fmcp_wipe(&x->dev_key, sizeof x->dev_key);
    if (x->audit_file) fclose(x->audit_file);
    fmcp_tls_client_destroy(x->tls);   /* after the auth object that used it */
}

#endif
