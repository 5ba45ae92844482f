/* oauth_flow: implementation (the oauth API, continued) */
#include "oauth_flow.h"

#ifndef FASTMCP_NO_SOCKETS

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
