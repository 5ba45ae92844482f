/* custom_auth_server.c - authentication by a custom hook, like TypeScript
 * FastMCP's authenticate(request): the hook checks the bearer token against
 * its own JWKS verifier and returns session data {userId, scopes}; tools see
 * it through fmcp_ctx_auth (subject, scopes, claims_json = the session data).
 * Tool secureOperation(action) requires the admin scope.
 *
 * Environment as authenticated_server (auth_common.h). In production the
 * JWKS at JWKS_URI is fetched once at start-up. The development test token
 * carries "admin mcp:read".
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "auth_common.h"

static fmcp_result authenticate(void *user, const char *method, const char *path, const fmcp_http_req *req,
                                fmcp_auth_custom_reply *out)
{
    fmcp_jwt_verifier *v = (fmcp_jwt_verifier *)user;
    const char *h = fmcp_http_req_header(req, "Authorization");
    static char session[1024], scopes[512], subject[256];   /* copied by the caller on return */
    fmcp_jwt_verdict r;
    fmcp_json_writer w;
    size_t i, o = 0;
    (void)method; (void)path;
    if (!h || strncmp(h, "Bearer ", 7) != 0) {
        out->status = 401; out->error = "unauthorized"; out->message = "Missing bearer token";
        out->headers[0].name = "WWW-Authenticate"; out->headers[0].value = "Bearer";
        out->nheaders = 1;
        return FMCP_OK;
    }
    if (fmcp_jwt_verify(v, h + 7, strlen(h + 7), &r) != FMCP_OK) {
        out->status = 401; out->error = "invalid_token"; out->message = r.description;
        out->headers[0].name = "WWW-Authenticate"; out->headers[0].value = "Bearer error=\"invalid_token\"";
        out->nheaders = 1;
        fmcp_jwt_verdict_destroy(&r);
        return FMCP_OK;
    }
    snprintf(subject, sizeof subject, "%s", r.claims.subject ? r.claims.subject : "");
    scopes[0] = 0;
    for (i = 0; i < r.claims.scope_count; i++)
        o += (size_t)snprintf(scopes + o, o < sizeof scopes ? sizeof scopes - o : 0, "%s%s", i ? " " : "",
                              r.claims.scopes[i]);
    fmcp_jw_init_fixed(&w, session, sizeof session);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "userId"); fmcp_jw_str(&w, subject);
    fmcp_jw_key(&w, "scopes");
    fmcp_jw_array_begin(&w);
    for (i = 0; i < r.claims.scope_count; i++) fmcp_jw_str(&w, r.claims.scopes[i]);
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    {
        char *sj;
        size_t n;
        out->session_json = fmcp_jw_finish(&w, &sj, &n) == FMCP_OK ? sj : NULL;
    }
    out->subject = subject;
    out->scopes = scopes;
    out->expires_at = r.claims.expires_at;
    fmcp_jwt_verdict_destroy(&r);
    return FMCP_OK;
}

static fmcp_result secure_operation(fmcp_ctx *c, void *u)
{
    const fmcp_auth_info *who = fmcp_ctx_auth(c);
    char buf[1536];
    (void)u;
    snprintf(buf, sizeof buf, "Performed %s for %s (session %s)", fmcp_ctx_arg_str(c, "action", "?"),
             who && who->subject ? who->subject : "anonymous", who && who->claims_json ? who->claims_json : "{}");
    return fmcp_ctx_add_text(c, buf);
}

/* The verifier the hook uses: the development key, or the JWKS at JWKS_URI. */
static fmcp_jwt_verifier *make_verifier(const fmcp_auth_desc *ad)
{
    fmcp_jwt_verifier_desc vd = {0};
    fmcp_jwt_verifier *v = NULL;
    fmcp_http_response *res = NULL;
    const char *keys[1];
    vd.issuers = &ad->issuer; vd.issuer_count = 1;
    vd.audiences = ad->audiences; vd.audience_count = ad->audience_count;
    if (ad->jwks_url) {
        fmcp_http_client_req c = {0};
        c.url = ad->jwks_url; c.max_response_bytes = 65536;
        if (fmcp_http_fetch(NULL, &c, &res) != FMCP_OK || res->status != 200) {
            fprintf(stderr, "cannot fetch %s\n", ad->jwks_url);
            if (res) fmcp_http_response_destroy(res);
            return NULL;
        }
        keys[0] = res->body;
        vd.keys = keys; vd.key_count = 1;
    } else {
        vd.keys = ad->keys; vd.key_count = ad->key_count;
    }
    if (fmcp_jwt_verifier_create(&vd, &v) != FMCP_OK) v = NULL;
    if (res) fmcp_http_response_destroy(res);
    return v;
}

int main(void)
{
    ex_auth x = {0};
    fmcp_auth_desc ad;
    fmcp_server_desc sd = {0};
    fmcp_server *srv = NULL;
    fmcp_auth *a = NULL;
    fmcp_http_loop *loop = NULL;
    fmcp_jwt_verifier *v = NULL;
    fmcp_tool_desc t = {0};
    int rc = 1;
    if (!ex_auth_setup(&x, &ad, "", "admin mcp:read")) return 1;
    if (!(v = make_verifier(&ad))) { fprintf(stderr, "no usable keys\n"); goto out; }
    ad.keys = NULL; ad.key_count = 0; ad.jwks_url = NULL;
    ad.authenticate = authenticate; ad.auth_user = v;
    sd.name = "custom-auth-server"; sd.version = "1.0.0";
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK || fmcp_server_create(&sd, &srv) != FMCP_OK) goto out;
    if (fmcp_auth_create(&ad, &a) != FMCP_OK) {
        fprintf(stderr, "bad auth configuration: %s\n", x.problem ? x.problem : "see fmcp_auth_desc");
        goto out;
    }
    t.name = "secureOperation"; t.description = "A privileged operation (admin scope)";
    t.params = "action:string"; t.scopes = "admin";
    t.handler = secure_operation;
    if (fmcp_server_add_tool(srv, &t) != FMCP_OK) goto out;
    rc = ex_serve(&x, srv, a, loop);
out:
    if (srv) fmcp_server_destroy(srv);
    fmcp_auth_destroy(a);
    if (loop) fmcp_http_loop_destroy(loop);
    fmcp_jwt_verifier_destroy(v);
    ex_auth_done(&x);
    return rc;
}
