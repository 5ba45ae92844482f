/* fmcp - command-line companion of fastmcp.h.
 *
 * A subcommand dispatcher: each subcommand is one function `cmd_NAME(argc,
 * argv)` (argv[0] is the subcommand name) listed in the COMMANDS table, so
 * new commands (e.g. MCP client ones) are added by writing a function and a
 * table row. Exit status: 0 success, 1 failure (bad token, unreadable file,
 * wrong key), 2 usage error.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define MAX_LIST 64
#define MAX_FILE (1024 * 1024)

/* ---- small helpers ------------------------------------------------------- */

static int fail(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "fmcp: ");
    fprintf(stderr, fmt, a ? a : "", b ? b : "");
    fputc('\n', stderr);
    return 1;
}

static int usage_error(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "fmcp %s: %s%s%s\n(see fmcp --help)\n", cmd, what, arg ? ": " : "", arg ? arg : "");
    return 2;
}

/* Whole file, NUL-terminated (malloc'd), or NULL with a message printed. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf;
    size_t n = 0;
    if (!f) { fail("cannot read %s: %s", path, strerror(errno)); return NULL; }
    buf = (char *)malloc(MAX_FILE + 1);
    if (buf) n = fread(buf, 1, MAX_FILE + 1, f);
    if (f != stdin) fclose(f);
    if (!buf) { fail("out of memory%s%s", NULL, NULL); return NULL; }
    if (n > MAX_FILE) { free(buf); fail("%s is larger than 1 MiB%s", path, NULL); return NULL; }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

/* A JWKS from a URL (as a key set cache would fetch it: 64 KiB, 10 s), malloc'd. */
static char *fetch_text(const char *url, size_t *len)
{
    fmcp_http_client_req c;
    fmcp_http_response *res = NULL;
    fmcp_tls_client *tls = NULL;
    char err[256] = "", *out = NULL;
    memset(&c, 0, sizeof c);
    c.url = url; c.max_response_bytes = 65536; c.timeout_ms = 10000;
    c.error_buf = err; c.error_buf_len = sizeof err;
    if (strncmp(url, "https://", 8) == 0 && fmcp_tls_client_create(NULL, NULL, &tls) == FMCP_OK)
        c.transport = fmcp_tls_client_io(tls);
    if (fmcp_http_fetch(NULL, &c, &res) != FMCP_OK) fail("cannot fetch %s: %s", url, err);
    else if (res->status != 200) fail("%s: unexpected HTTP status%s", url, NULL);
    else if ((out = (char *)malloc(res->body_len + 1)) != NULL) {
        memcpy(out, res->body, res->body_len + 1);
        *len = res->body_len;
    } else fail("out of memory%s%s", NULL, NULL);
    if (res) fmcp_http_response_destroy(res);
    fmcp_tls_client_destroy(tls);
    return out;
}

static int write_file(const char *path, const char *data, size_t len, int mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    size_t off = 0;
    if (fd < 0) return fail("cannot write %s: %s", path, strerror(errno));
    if (fchmod(fd, (mode_t)mode) != 0) { close(fd); return fail("cannot chmod %s: %s", path, strerror(errno)); }
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return fail("cannot write %s: %s", path, strerror(errno)); }
        off += (size_t)w;
    }
    if (close(fd) != 0) return fail("cannot write %s: %s", path, strerror(errno));
    return 0;
}

/* "--name value": returns the value (advancing *i) or NULL when argv[*i] is
 * not this option. A missing value sets *missing. */
static const char *opt(int argc, char **argv, int *i, const char *name, int *missing)
{
    if (strcmp(argv[*i], name) != 0) return NULL;
    if (*i + 1 >= argc) { *missing = 1; return NULL; }
    *i += 1;
    return argv[*i];
}

static int parse_long(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* Splits a space-separated value into the list (the string is modified). */
static int add_words(char *s, const char **list, size_t *n)
{
    char *tok;
    for (tok = strtok(s, " "); tok; tok = strtok(NULL, " ")) {
        if (*n >= MAX_LIST) return 0;
        list[(*n)++] = tok;
    }
    return 1;
}

static int add_item(const char *s, const char **list, size_t *n)
{
    if (*n >= MAX_LIST) return 0;
    list[(*n)++] = s;
    return 1;
}

/* The algorithm a key signs with unless told otherwise. */
static fmcp_jws_alg natural_alg(const fmcp_jwk_public_key *k)
{
    if (k->alg) return k->alg;
    if (k->kty == FMCP_JWK_EC) return k->ec.curve == FMCP_EC_P384 ? FMCP_JWS_ES384 : FMCP_JWS_ES256;
    return k->kty == FMCP_JWK_OKP ? FMCP_JWS_EDDSA : FMCP_JWS_RS256;
}

/* --alg NAME: one of the JWS algorithms; NONE (and a message) when not. */
static fmcp_jws_alg parse_alg(const char *cmd, const char *v)
{
    fmcp_jws_alg a = fmcp_jws_alg_from_name(v, strlen(v));
    if (a == FMCP_JWS_NONE) usage_error(cmd, "--alg must be RS256, PS256, ES256, ES384, EdDSA or Ed25519", v);
    return a;
}

/* JWKS text {"keys":[jwk]} for a public key; kid defaults to the thumbprint. */
static char *jwks_text(const fmcp_jwk_public_key *k, const char *kid, fmcp_jws_alg alg)
{
    char tp[FMCP_JWK_THUMBPRINT_LEN + 1], *out = NULL;
    size_t n = 0;
    fmcp_json_writer w;
    if (!kid) {
        if (fmcp_jwk_thumbprint(k, tp) != FMCP_OK) return NULL;
        kid = tp;
    }
    fmcp_jw_init(&w, NULL);
    w.pretty = 1;
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "keys");
    fmcp_jw_array_begin(&w);
    fmcp_jwk_public_write(&w, k, kid, fmcp_jws_alg_name(alg ? alg : natural_alg(k)), "sig");
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    return fmcp_jw_finish(&w, &out, &n) == FMCP_OK ? out : NULL;
}

/* ---- fmcp keygen ------------------------------------------------------------ */

static int write_keys(const fmcp_jwk_private_key *key, fmcp_jws_alg alg, const char *kid, const char *dir)
{
    static char pem[16384];
    char path[4096], *jwks;
    size_t n = 0;
    int rc;
    fmcp_jwk_public_key pub;
    if (fmcp_jwk_public_of(key, &pub) != FMCP_OK) return fail("bad key%s%s", NULL, NULL);
    if (fmcp_jwk_private_to_pem(key, pem, sizeof pem, &n) != FMCP_OK)
        return fail("cannot encode the private key%s%s", NULL, NULL);
    snprintf(path, sizeof path, "%s/private.pem", dir);
    rc = write_file(path, pem, n, 0600);
    fmcp_wipe(pem, sizeof pem);
    if (rc) return rc;
    if (fmcp_jwk_public_to_pem(&pub, pem, sizeof pem, &n) != FMCP_OK)
        return fail("cannot encode the public key%s%s", NULL, NULL);
    snprintf(path, sizeof path, "%s/public.pem", dir);
    if ((rc = write_file(path, pem, n, 0644)) != 0) return rc;
    jwks = jwks_text(&pub, kid, alg);
    if (!jwks) return fail("cannot encode the JWKS%s%s", NULL, NULL);
    snprintf(path, sizeof path, "%s/jwks.json", dir);
    n = strlen(jwks);
    {
        char *line = (char *)malloc(n + 2);
        if (!line) { free(jwks); return fail("out of memory%s%s", NULL, NULL); }
        memcpy(line, jwks, n);
        line[n] = '\n';
        rc = write_file(path, line, n + 1, 0644);
        free(line);
    }
    free(jwks);
    return rc;
}

static int cmd_keygen(int argc, char **argv)
{
    const char *kid = NULL, *dir = ".", *v;
    long long bits = 2048;
    int i, missing = 0, rc;
    static fmcp_jwk_private_key key;
    fmcp_jws_alg alg = FMCP_JWS_RS256;
    fmcp_result r;
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--alg", &missing))) {
            if ((alg = parse_alg("keygen", v)) == FMCP_JWS_NONE) return 2;
        } else if ((v = opt(argc, argv, &i, "--bits", &missing))) {
            if (!parse_long(v, 0, 1 << 20, &bits) || (bits != 2048 && bits != 3072 && bits != 4096))
                return usage_error("keygen", "--bits must be 2048, 3072 or 4096", v);
        } else if ((v = opt(argc, argv, &i, "--kid", &missing))) {
            if (!*v || strlen(v) > FMCP_JWK_KID_MAX) return usage_error("keygen", "bad --kid", v);
            kid = v;
        } else if ((v = opt(argc, argv, &i, "--out", &missing))) {
            dir = v;
        } else {
            return usage_error("keygen", missing ? "option needs a value" : "unknown argument", argv[i]);
        }
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return fail("cannot create %s: %s", dir, strerror(errno));
    r = fmcp_jwk_generate(alg, (unsigned)bits, &key);
    if (r != FMCP_OK) return fail("key generation failed: %s%s", fmcp_result_str(r), NULL);
    rc = write_keys(&key, alg, kid, dir);
    fmcp_wipe(&key, sizeof key);
    if (!rc) fprintf(stderr, "fmcp: wrote %s/private.pem (mode 0600), %s/public.pem, jwks.json\n", dir, dir);
    return rc;
}

/* ---- fmcp token ------------------------------------------------------------- */

/* Adds "--claim NAME=JSON" to the writer; 0 (message printed) when bad. */
static int add_claim(fmcp_json_writer *w, const char *arg, const char **names, size_t *nn)
{
    const char *eq = strchr(arg, '=');
    fmcp_json_doc *doc = NULL;
    fmcp_json_error err;
    size_t i, kl;
    if (!eq || eq == arg) { usage_error("token", "--claim needs NAME=JSON", arg); return 0; }
    kl = (size_t)(eq - arg);
    for (i = 0; i < *nn; i++)
        if (strlen(names[i]) >= kl && strncmp(names[i], arg, kl) == 0 && names[i][kl] == '=') {
            usage_error("token", "duplicate --claim", arg);
            return 0;
        }
    if (fmcp_json_parse(eq + 1, strlen(eq + 1), NULL, &doc, &err) != FMCP_OK) {
        fprintf(stderr, "fmcp token: --claim %.*s: value is not JSON (%s at column %lu); quote strings: NAME='\"text\"'\n",
                (int)kl, arg, err.message, (unsigned long)err.column);
        return 0;
    }
    fmcp_json_doc_destroy(doc);
    fmcp_jw_keyn(w, arg, kl);
    fmcp_jw_raw(w, eq + 1, strlen(eq + 1));
    add_item(arg, names, nn);
    return 1;
}

static int load_private(const char *path, fmcp_jwk_private_key *key)
{
    size_t n = 0;
    char *pem = read_file(path, &n);
    fmcp_jwk_public_key pub;
    fmcp_result r;
    if (!pem) return 1;
    r = fmcp_jwk_private_from_pem(pem, n, key);
    if (r != FMCP_OK && fmcp_jwk_public_from_pem(pem, n, &pub) == FMCP_OK) {
        fail("%s holds a public key; signing needs the private key%s", path, NULL);
    } else if (r != FMCP_OK) {
        fail("%s: not a usable private key PEM (RSA, EC P-256/P-384 or Ed25519) (%s)", path, fmcp_result_str(r));
    }
    fmcp_wipe(pem, n);
    free(pem);
    return r != FMCP_OK;
}

static int print_token(const fmcp_jwk_private_key *key, fmcp_jwt_issue_desc *d, fmcp_json_writer *claims)
{
    char *cj = NULL, *tok = NULL;
    size_t cn = 0, tn = 0;
    fmcp_result r;
    fmcp_jw_object_end(claims);
    if (fmcp_jw_finish(claims, &cj, &cn) != FMCP_OK) return fail("bad --claim values%s%s", NULL, NULL);
    d->claims_json = cj;
    r = fmcp_jwt_issue_key(key, d, NULL, &tok, &tn);
    fmcp_free_text(claims->alloc, cj, cn);
    if (r == FMCP_ERR_BAD_KEY) return fail("cannot issue the token: --alg %s does not fit this key%s", d->alg, NULL);
    if (r != FMCP_OK) return fail("cannot issue the token: %s%s", fmcp_result_str(r), NULL);
    printf("%s\n", tok);
    fmcp_free_text(NULL, tok, tn);
    return 0;
}

static int cmd_token(int argc, char **argv)
{
    const char *key_path = NULL, *v, *aud[MAX_LIST], *scopes[MAX_LIST], *names[MAX_LIST];
    char scope_buf[4096] = "";
    size_t naud = 0, nsc = 0, nnames = 0;
    long long ttl = 3600;
    int i, missing = 0, rc;
    fmcp_jwt_issue_desc d;
    static fmcp_jwk_private_key key;
    fmcp_json_writer claims;
    memset(&d, 0, sizeof d);
    fmcp_jw_init(&claims, NULL);
    fmcp_jw_object_begin(&claims);
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--key", &missing))) key_path = v;
        else if ((v = opt(argc, argv, &i, "--alg", &missing))) {
            if (parse_alg("token", v) == FMCP_JWS_NONE) { fmcp_jw_reset(&claims); return 2; }
            d.alg = v;
        } else if ((v = opt(argc, argv, &i, "--kid", &missing))) d.kid = v;
        else if ((v = opt(argc, argv, &i, "--sub", &missing))) d.subject = v;
        else if ((v = opt(argc, argv, &i, "--iss", &missing))) d.issuer = v;
        else if ((v = opt(argc, argv, &i, "--aud", &missing))) { if (!add_item(v, aud, &naud)) missing = 2; }
        else if ((v = opt(argc, argv, &i, "--scope", &missing))) {
            if (strlen(scope_buf) + strlen(v) + 2 > sizeof scope_buf) missing = 2;
            else { strcat(scope_buf, " "); strcat(scope_buf, v); }
        } else if ((v = opt(argc, argv, &i, "--ttl", &missing))) {
            if (!parse_long(v, -315360000LL, 315360000LL, &ttl) || ttl == 0)
                { fmcp_jw_reset(&claims); return usage_error("token", "--ttl must be a non-zero number of seconds", v); }
        } else if ((v = opt(argc, argv, &i, "--claim", &missing))) {
            if (!add_claim(&claims, v, names, &nnames)) { fmcp_jw_reset(&claims); return 2; }
        } else {
            fmcp_jw_reset(&claims);
            return usage_error("token", missing ? "option needs a value" : "unknown argument", argv[i]);
        }
        if (missing == 2) { fmcp_jw_reset(&claims); return usage_error("token", "too many values", v); }
    }
    if (!key_path) { fmcp_jw_reset(&claims); return usage_error("token", "--key private.pem is required", NULL); }
    if (!add_words(scope_buf, scopes, &nsc)) { fmcp_jw_reset(&claims); return usage_error("token", "too many scopes", NULL); }
    if (load_private(key_path, &key)) { fmcp_jw_reset(&claims); return 1; }
    d.audiences = aud; d.audience_count = naud;
    d.scopes = scopes; d.scope_count = nsc;
    d.lifetime_seconds = ttl;
    rc = print_token(&key, &d, &claims);
    fmcp_wipe(&key, sizeof key);
    return rc;
}

/* ---- fmcp verify ------------------------------------------------------------ */

static int print_claims(const fmcp_jwt_verdict *r)
{
    char *out;
    size_t need = 0;
    fmcp_json_write(r->claims.root, NULL, 0, &need);
    out = (char *)malloc(need ? need : 1);
    if (!out || fmcp_json_write(r->claims.root, out, need, &need) != FMCP_OK) {
        free(out);
        return fail("cannot print the claims%s%s", NULL, NULL);
    }
    printf("%s\n", out);
    free(out);
    return 0;
}

static int run_verify(fmcp_jwt_verifier_desc *d, const char *token)
{
    fmcp_jwt_verifier *v = NULL;
    fmcp_jwt_verdict r;
    const char *why = NULL;
    fmcp_result rc;
    int status;
    d->problem = &why;
    rc = fmcp_jwt_verifier_create(d, &v);
    if (rc != FMCP_OK) return fail("cannot load the key: %s%s", why ? why : fmcp_result_str(rc), NULL);
    rc = fmcp_jwt_verify(v, token, strlen(token), &r);
    if (rc == FMCP_OK) {
        status = print_claims(&r);
    } else {
        fprintf(stderr, "%s: %s\n", fmcp_jwt_error_name(r.error), r.description);
        status = 1;
    }
    fmcp_jwt_verdict_destroy(&r);
    fmcp_jwt_verifier_destroy(v);
    return status;
}

static int cmd_verify(int argc, char **argv)
{
    const char *v, *iss[MAX_LIST], *aud[MAX_LIST], *scopes[MAX_LIST], *keys[1], *token = NULL, *key_path = NULL;
    const char *algs[MAX_LIST];
    char scope_buf[4096] = "", *key_text, *tok_text = NULL;
    size_t niss = 0, naud = 0, nsc = 0, nalg = 0, n = 0;
    long long leeway = 0;
    int i, missing = 0, rc, pem = 0;
    fmcp_jwt_verifier_desc d;
    memset(&d, 0, sizeof d);
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--jwks", &missing))) { key_path = v; pem = 0; }
        else if ((v = opt(argc, argv, &i, "--pem", &missing))) { key_path = v; pem = 1; }
        else if ((v = opt(argc, argv, &i, "--iss", &missing))) { if (!add_item(v, iss, &niss)) missing = 2; }
        else if ((v = opt(argc, argv, &i, "--aud", &missing))) { if (!add_item(v, aud, &naud)) missing = 2; }
        else if ((v = opt(argc, argv, &i, "--typ", &missing))) d.typ = v;
        else if ((v = opt(argc, argv, &i, "--alg", &missing))) {
            if (parse_alg("verify", v) == FMCP_JWS_NONE) return 2;
            if (!add_item(v, algs, &nalg)) missing = 2;
        }
        else if (strcmp(argv[i], "--any-aud") == 0) d.allow_any_audience = 1;
        else if ((v = opt(argc, argv, &i, "--scope", &missing))) {
            if (strlen(scope_buf) + strlen(v) + 2 > sizeof scope_buf) missing = 2;
            else { strcat(scope_buf, " "); strcat(scope_buf, v); }
        } else if ((v = opt(argc, argv, &i, "--leeway", &missing))) {
            if (!parse_long(v, 0, FMCP_JWT_MAX_LEEWAY, &leeway))
                return usage_error("verify", "--leeway must be 0 to 86400 seconds", v);
            d.leeway_seconds = leeway ? (long)leeway : -1;
        } else if (!missing && argv[i][0] != '-' && !token) token = argv[i];
        else if (!missing && strcmp(argv[i], "-") == 0 && !token) token = argv[i];
        else return usage_error("verify", missing ? "option needs a value" : "unexpected argument", argv[i]);
        if (missing == 2) return usage_error("verify", "too many values", v);
    }
    if (!key_path) return usage_error("verify", "--jwks FILE|URL or --pem FILE is required", NULL);
    if (!token) return usage_error("verify", "TOKEN is required (or - for stdin)", NULL);
    /* as the server's auth layer: audience required unless waived explicitly */
    if (!naud && !d.allow_any_audience)
        return usage_error("verify", "--aud AUD is required (the audience your server accepts), or --any-aud", NULL);
    if (!add_words(scope_buf, scopes, &nsc)) return usage_error("verify", "too many scopes", NULL);
    if (strcmp(token, "-") == 0) {
        if (!(tok_text = read_file("-", &n))) return 1;
        while (n && (tok_text[n - 1] == '\n' || tok_text[n - 1] == '\r' || tok_text[n - 1] == ' ')) tok_text[--n] = 0;
        token = tok_text;
    }
    key_text = strncmp(key_path, "http://", 7) == 0 || strncmp(key_path, "https://", 8) == 0
                   ? fetch_text(key_path, &n) : read_file(key_path, &n);
    if (!key_text) { free(tok_text); return 1; }
    if (pem != (strstr(key_text, "-----BEGIN") != NULL)) {
        free(key_text); free(tok_text);
        return fail(pem ? "%s is not a PEM file%s" : "%s is not a JWK/JWKS JSON file%s", key_path, NULL);
    }
    keys[0] = key_text;
    d.keys = keys; d.key_count = 1;
    d.issuers = iss; d.issuer_count = niss; d.audiences = aud; d.audience_count = naud;
    d.required_scopes = scopes; d.required_scope_count = nsc;
    d.algorithms = algs; d.algorithm_count = nalg;
    rc = run_verify(&d, token);
    free(key_text);
    free(tok_text);
    return rc;
}

/* ---- fmcp jwk --------------------------------------------------------------- */

static int cmd_jwk(int argc, char **argv)
{
    const char *path = NULL, *kid = NULL, *v;
    char *pem, *jwks;
    size_t n = 0;
    int i, missing = 0;
    fmcp_jwk_public_key pub;
    fmcp_jws_alg alg = FMCP_JWS_NONE;
    fmcp_result r;
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--pem", &missing))) path = v;
        else if ((v = opt(argc, argv, &i, "--alg", &missing))) {
            if ((alg = parse_alg("jwk", v)) == FMCP_JWS_NONE) return 2;
        }
        else if ((v = opt(argc, argv, &i, "--kid", &missing))) kid = v;
        else return usage_error("jwk", missing ? "option needs a value" : "unknown argument", argv[i]);
    }
    if (!path) return usage_error("jwk", "--pem FILE is required", NULL);
    if (kid && (!*kid || strlen(kid) > FMCP_JWK_KID_MAX)) return usage_error("jwk", "bad --kid", kid);
    if (!(pem = read_file(path, &n))) return 1;
    r = fmcp_jwk_public_from_pem(pem, n, &pub);
    fmcp_wipe(pem, n);
    free(pem);
    if (r != FMCP_OK) return fail("%s: not a usable key PEM (RSA, EC P-256/P-384 or Ed25519) (%s)", path, fmcp_result_str(r));
    if (alg && !fmcp_jwk_alg_fits(&pub, alg)) return usage_error("jwk", "--alg does not fit this key", fmcp_jws_alg_name(alg));
    jwks = jwks_text(&pub, kid, alg);
    if (!jwks) return fail("cannot encode the JWKS%s%s", NULL, NULL);
    printf("%s\n", jwks);
    free(jwks);
    return 0;
}

/* ---- MCP client: tools, call ------------------------------------------------ */

/* OAuth needs the HTTP client, the token files and the oauth module. */
#if !defined(FASTMCP_NO_SOCKETS) && !defined(FASTMCP_NO_FILESYSTEM) && defined(FMCP_OAUTH_WK_RESOURCE)
#define FMCP_CLI_OAUTH 1
#endif

typedef struct client_opts {
    fmcp_client_desc d;
    fmcp_http_header headers[MAX_LIST];
    const char *url;          /* or argv of a stdio server: */
    char **cmd;
    int ncmd;
    int json;
    int verbose;              /* -v: say which protocol era and version the connection speaks */
    /* OAuth (--oauth, or automatically when tokens for the URL are stored) */
    int use_oauth, no_browser;
    const char *cache_dir, *scope;
    /* OAuth without a browser: --client-credentials, --private-key-jwt, --dpop */
    int client_credentials, dpop;
    const char *client_id, *key_file;
    fmcp_tls_client *tls;     /* https:// URLs (FMCP_ERR_UNSUPPORTED without BearSSL) */
#ifdef FMCP_CLI_OAUTH
    fmcp_oauth_file_store fs;
    fmcp_oauth_store store;
    fmcp_oauth *oauth;
#endif
} client_opts;

/* --client-credentials, --client-id ID, --private-key-jwt KEYFILE, --dpop
 * (any of them turns OAuth on). 1 when argv[*i] was one of them. */
static int auth_arg(int argc, char **argv, int *i, client_opts *o, int *missing)
{
    const char *v;
    if (strcmp(argv[*i], "--client-credentials") == 0) o->client_credentials = 1;
    else if (strcmp(argv[*i], "--dpop") == 0) o->dpop = 1;
    else if ((v = opt(argc, argv, i, "--client-id", missing))) o->client_id = v;
    else if ((v = opt(argc, argv, i, "--private-key-jwt", missing))) o->key_file = v;
    else return 0;
    o->use_oauth = 1;
    return 1;
}

/* Shared options; stops at the URL or "--". Returns the index after the
 * target (URL) or of the first command word, or -1 after a usage error. */
static int client_args(const char *name, int argc, char **argv, client_opts *o, int *rc)
{
    int i, missing = 0;
    const char *v;
    memset(o, 0, sizeof *o);
    o->d.name = "fmcp";
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--bearer", &missing))) o->d.bearer_token = v;
        else if ((v = opt(argc, argv, &i, "--timeout", &missing))) o->d.timeout_ms = atol(v);
        else if ((v = opt(argc, argv, &i, "--header", &missing))) {
            char *colon = strchr(argv[i], ':');   /* argv[i] is v, and writable */
            if (!colon || colon == v || o->d.nheaders == MAX_LIST) { *rc = usage_error(name, "bad --header (want 'Name: value')", v); return -1; }
            *colon = 0;
            for (colon++; *colon == ' ' || *colon == '\t'; colon++) {}
            o->headers[o->d.nheaders].name = v;
            o->headers[o->d.nheaders].value = colon;
            o->d.nheaders++;
        } else if ((v = opt(argc, argv, &i, "--protocol", &missing))) {
            if (strcmp(v, "auto") == 0) o->d.protocol_era = FMCP_ERA_AUTO;
            else if (strcmp(v, "legacy") == 0) o->d.protocol_era = FMCP_ERA_LEGACY;
            else if (strcmp(v, "modern") == 0) o->d.protocol_era = FMCP_ERA_MODERN;
            else { *rc = usage_error(name, "--protocol is legacy, modern or auto", v); return -1; }
        } else if (strcmp(argv[i], "-v") == 0) o->verbose = 1;
        else if (strcmp(argv[i], "--json") == 0) o->json = 1;
        else if (strcmp(argv[i], "--oauth") == 0) o->use_oauth = 1;
        else if (strcmp(argv[i], "--no-browser") == 0) o->no_browser = 1;
        else if ((v = opt(argc, argv, &i, "--cache-dir", &missing))) o->cache_dir = v;
        else if ((v = opt(argc, argv, &i, "--scope", &missing))) o->scope = v;
        else if (auth_arg(argc, argv, &i, o, &missing)) {}
        else if (missing) { *rc = usage_error(name, "option needs a value", argv[i]); return -1; }
        else if (strcmp(argv[i], "--") == 0) {
            o->cmd = argv + i + 1;
            o->ncmd = argc - i - 1;
            if (o->ncmd < 1) { *rc = usage_error(name, "command missing after --", NULL); return -1; }
            return i + 1;
        } else if (argv[i][0] == '-') { *rc = usage_error(name, "unknown option", argv[i]); return -1; }
        else { o->url = argv[i]; return i + 1; }
    }
    if (missing) { *rc = usage_error(name, "option needs a value", argv[i - 1]); return -1; }
    *rc = usage_error(name, "URL or -- COMMAND required", NULL);
    return -1;
}

#ifdef FMCP_CLI_OAUTH
/* An OAuth client for URL on the file store in --cache-dir (the default
 * directory without it). */
/* The machine-to-machine options into od: the client secret comes from
 * FMCP_CLIENT_SECRET (never argv, which other users can read), the
 * private_key_jwt key from its file (*pem: free with free_pem). */
static fmcp_result auth_desc(const client_opts *o, fmcp_oauth_desc *od, char **pem)
{
    *pem = NULL;
    od->dpop = o->dpop;
    if (o->client_credentials) od->grant = FMCP_OAUTH_GRANT_CLIENT_CREDENTIALS;
    od->client_id = o->client_id;
    od->client_secret = getenv("FMCP_CLIENT_SECRET");
    if (o->key_file) {
        *pem = read_file(o->key_file, NULL);
        if (!*pem) return FMCP_ERR_IO;
        od->private_key_pem = *pem;
    }
    if (o->client_credentials && !o->client_id) {
        fail("--client-credentials needs --client-id (and FMCP_CLIENT_SECRET or --private-key-jwt)%s%s", NULL, NULL);
        return FMCP_ERR_INVALID_ARG;
    }
    return FMCP_OK;
}

static void free_pem(char *pem)
{
    if (pem) { fmcp_wipe(pem, MAX_FILE + 1); free(pem); }
}

static fmcp_result oauth_for(client_opts *o, const char *url, const char *client_name)
{
    fmcp_oauth_desc od;
    char *pem = NULL;
    fmcp_result r = fmcp_oauth_file_store_init(&o->fs, NULL, o->cache_dir, &o->store);
    if (r != FMCP_OK) return r;
    memset(&od, 0, sizeof od);
    od.client_name = client_name;
    od.scopes = o->scope;
    od.headless = o->no_browser;
    od.store = &o->store;
    od.transport = o->d.transport;
    r = auth_desc(o, &od, &pem);
    if (r == FMCP_OK) r = fmcp_oauth_create(&od, url, &o->oauth);
    free_pem(pem);
    return r;
}

/* --oauth, or tokens stored for the URL (unless a bearer token was given). */
static fmcp_result client_oauth(client_opts *o)
{
    char *data = NULL;
    size_t n = 0;
    if (!o->url || o->d.bearer_token) return FMCP_OK;
    if (!o->use_oauth) {
        if (fmcp_oauth_file_store_init(&o->fs, NULL, o->cache_dir, &o->store) != FMCP_OK ||
            o->store.load(o->store.user, NULL, o->url, "tokens", &data, &n) != FMCP_OK) return FMCP_OK;
        fmcp_wipe(data, n);
        fmcp_free(NULL, data, n + 1);
    }
    return oauth_for(o, o->url, "fmcp");
}
#endif

static void client_close(client_opts *o, fmcp_client *c)
{
    if (c) fmcp_client_destroy(c);
#ifdef FMCP_CLI_OAUTH
    fmcp_oauth_destroy(o->oauth);
    o->oauth = NULL;
#endif
    fmcp_tls_client_destroy(o->tls);
    o->tls = NULL;
}

static fmcp_client *client_connect(client_opts *o)
{
    fmcp_client *c = NULL;
    fmcp_result r;
    char *saved = NULL;
    o->d.headers = o->headers;
    if (o->url && strncmp(o->url, "https://", 8) == 0 && !o->tls &&
        fmcp_tls_client_create(NULL, NULL, &o->tls) == FMCP_OK)
        o->d.transport = fmcp_tls_client_io(o->tls);
#ifdef FMCP_CLI_OAUTH
    if ((r = client_oauth(o)) != FMCP_OK) {
        fail("cannot set up OAuth for %s: %s", o->url, fmcp_result_str(r));
        return NULL;
    }
    o->d.oauth = o->oauth;
#endif
    if (o->url) {
#ifndef FASTMCP_NO_SOCKETS
        r = fmcp_client_connect_http(&o->d, o->url, &c);
#else
        r = FMCP_ERR_UNSUPPORTED;
#endif
    } else {
        saved = o->cmd[o->ncmd];   /* the argv of the server ends here */
        o->cmd[o->ncmd] = NULL;
        r = fmcp_client_connect_stdio(&o->d, (const char *const *)o->cmd, NULL, &c);
        o->cmd[o->ncmd] = saved;
    }
    if (r != FMCP_OK) {
        fail("cannot connect to %s: %s", o->url ? o->url : o->cmd[0], fmcp_result_str(r));
        client_close(o, NULL);
    } else if (o->verbose) {
        fprintf(stderr, "fmcp: protocol %s (%s)\n", fmcp_client_protocol_version(c),
                fmcp_client_is_modern(c) ? "stateless, server/discover" : "legacy, initialize");
    }
    return c;
}

static void print_json(const fmcp_json *v)
{
    fmcp_json_writer w;
    char *out;
    size_t n;
    fmcp_jw_init(&w, NULL);
    w.pretty = 1;
    fmcp_jw_value(&w, v);
    if (fmcp_jw_finish(&w, &out, &n) == FMCP_OK) {
        printf("%s\n", out);
        fmcp_free_text(w.alloc, out, n);
    }
}

static int rpc_failed(const char *what, fmcp_result r, fmcp_json_doc *d)
{
    if (r == FMCP_ERR_RPC && d) {
        char code[24];
        snprintf(code, sizeof code, "%d", fmcp_client_error_code(d));
        fail("%s failed: JSON-RPC error %s", what, code);
        fprintf(stderr, "      %s\n", fmcp_client_error_message(d) ? fmcp_client_error_message(d) : "");
    } else {
        fail("%s failed: %s", what, fmcp_result_str(r));
    }
    if (d) fmcp_json_doc_destroy(d);
    return 1;
}

static int cmd_tools(int argc, char **argv)
{
    client_opts o;
    fmcp_client *c;
    fmcp_json_doc *d = NULL;
    fmcp_result r;
    const fmcp_json *t;
    int rc = 0, next = client_args("tools", argc, argv, &o, &rc);
    if (next < 0) return rc;
    if (o.url && next < argc) return usage_error("tools", "unexpected argument", argv[next]);
    if (o.url) o.ncmd = 0;
    if (!(c = client_connect(&o))) return 1;
    r = fmcp_client_list_tools(c, &d);
    if (r != FMCP_OK) { rc = rpc_failed("tools/list", r, d); client_close(&o, c); return rc; }
    if (o.json) print_json(fmcp_json_get(fmcp_json_root(d), "tools"));
    else
        for (t = fmcp_json_first(fmcp_json_get(fmcp_json_root(d), "tools")); t; t = fmcp_json_next(t))
            printf("%-24s %s\n", fmcp_json_get_str(t, "name", "?"), fmcp_json_get_str(t, "description", ""));
    fmcp_json_doc_destroy(d);
    client_close(&o, c);
    return 0;
}

/* A progress bar on stderr (a counter when the total is unknown). */
static int progress_bar(void *user, double progress, double total, const char *message)
{
    int *shown = (int *)user;
    if (total > 0) {
        int i, fill = (int)(30.0 * (progress > total ? total : progress) / total);
        fputs("\r[", stderr);
        for (i = 0; i < 30; i++) fputc(i < fill ? '#' : '.', stderr);
        fprintf(stderr, "] %g/%g", progress, total);
    } else {
        fprintf(stderr, "\rprogress %g", progress);
    }
    if (message) fprintf(stderr, " %.60s", message);
    fputs("\033[K", stderr);
    *shown = 1;
    return 0;
}

static int cmd_call(int argc, char **argv)
{
    client_opts o;
    fmcp_client *c;
    fmcp_json_doc *d = NULL;
    fmcp_call_opts co;
    fmcp_result r;
    const char *tool, *args = NULL;
    int shown = 0, rc = 0, next = client_args("call", argc, argv, &o, &rc);
    if (next < 0) return rc;
    if (o.url) {   /* URL TOOL [JSON] */
        if (next >= argc) return usage_error("call", "TOOL required", NULL);
        tool = argv[next];
        if (next + 1 < argc) args = argv[next + 1];
        if (next + 2 < argc) return usage_error("call", "unexpected argument", argv[next + 2]);
    } else {       /* -- CMD ARGS... TOOL [JSON]: a final '{...}' is the arguments */
        if (o.ncmd >= 2 && o.cmd[o.ncmd - 1][0] == '{') args = o.cmd[--o.ncmd];
        if (o.ncmd < 2) return usage_error("call", "want -- COMMAND [ARGS...] TOOL [JSON]", NULL);
        tool = o.cmd[--o.ncmd];
    }
    if (!(c = client_connect(&o))) return 1;
    memset(&co, 0, sizeof co);
    co.progress = progress_bar;
    co.progress_user = &shown;
    r = fmcp_client_call_tool(c, tool, args, &co, &d);
    if (shown) fputc('\n', stderr);
    if (r == FMCP_ERR_INVALID_ARG) { client_close(&o, c); return usage_error("call", "arguments must be a JSON object", args); }
    if (r != FMCP_OK) { rc = rpc_failed("tools/call", r, d); client_close(&o, c); return rc; }
    print_json(fmcp_client_result(d));
    rc = fmcp_json_get_bool(fmcp_client_result(d), "isError", 0) ? 1 : 0;
    fmcp_json_doc_destroy(d);
    client_close(&o, c);
    return rc;
}

/* ---- OAuth token storage: logout ------------------------------------------ */

#ifndef FASTMCP_NO_FILESYSTEM
static int print_stored(void *user, const char *url, const char *kind)
{
    (void)user;
    fprintf(stderr, "  %-8s %s\n", kind, url);
    return 0;
}

/* fmcp logout [URL | --all] [--cache-dir DIR]: forget stored tokens and the
 * client registration (the files go; nothing is sent to the server). */
static int cmd_logout(int argc, char **argv)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    const char *dir = NULL, *url = NULL, *v;
    int i, all = 0, missing = 0;
    fmcp_result r;
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--cache-dir", &missing))) dir = v;
        else if (missing) return usage_error("logout", "option needs a value", argv[i]);
        else if (strcmp(argv[i], "--all") == 0) all = 1;
        else if (argv[i][0] == '-' || url) return usage_error("logout", "unexpected argument", argv[i]);
        else url = argv[i];
    }
    if ((r = fmcp_oauth_file_store_init(&fs, NULL, dir, &st)) != FMCP_OK)
        return fail("no token cache directory (%s)%s; use --cache-dir", fmcp_result_str(r), NULL);
    if (all == !!url) {
        fprintf(stderr, "stored in %s:\n", fs.dir);
        fmcp_oauth_file_store_list(&fs, print_stored, NULL);
        return usage_error("logout", "give a server URL or --all", NULL);
    }
    r = all ? fmcp_oauth_store_clear_all(&st) : fmcp_oauth_store_clear(&st, url);
    if (r != FMCP_OK) return fail("logout failed: %s%s", fmcp_result_str(r), NULL);
    fprintf(stderr, "logged out of %s\n", all ? "every server" : url);
    return 0;
}
#endif

#ifdef FMCP_CLI_OAUTH
/* The "sub" claim of a JWT access token, for display only (not verified). */
static void token_subject(const char *tok, char *out, size_t cap)
{
    const char *p = strchr(tok, '.'), *q = p ? strchr(p + 1, '.') : NULL;
    char buf[4096];
    size_t n = 0;
    fmcp_json_doc *d = NULL;
    snprintf(out, cap, "(not shown by the server)");
    if (!q || fmcp_b64_decode(FMCP_B64_URL, p + 1, (size_t)(q - p - 1), buf, sizeof buf, &n) != FMCP_OK) return;
    if (fmcp_json_parse(buf, n, NULL, &d, NULL) == FMCP_OK) {
        const char *sub = fmcp_json_get_str(fmcp_json_root(d), "sub", NULL);
        if (sub) snprintf(out, cap, "%s", sub);
        fmcp_json_doc_destroy(d);
    }
    fmcp_wipe(buf, sizeof buf);
}

/* Who, scope, expiry and issuer of the stored tokens; never a token. */
static void print_login(const fmcp_oauth_store *st, const char *url)
{
    char *data = NULL, who[256];
    size_t n = 0;
    fmcp_json_doc *d = NULL;
    if (st->load(st->user, NULL, url, "tokens", &data, &n) != FMCP_OK) return;
    if (fmcp_json_parse(data, n, NULL, &d, NULL) == FMCP_OK) {
        const fmcp_json *t = fmcp_json_root(d);
        int64_t exp = fmcp_json_get_int(t, "expires_at", 0);
        token_subject(fmcp_json_get_str(t, "access_token", ""), who, sizeof who);
        printf("logged in to %s\n  user:    %s\n  scope:   %s\n  issuer:  %s\n", url, who,
               fmcp_json_get_str(t, "scope", "(none)"), fmcp_json_get_str(t, "issuer", "(unknown)"));
        if (exp > 0) printf("  expires: in %lld s%s\n", (long long)(exp - fmcp_time_now()),
                            fmcp_json_get(t, "refresh_token") ? " (refreshable)" : "");
        fmcp_json_doc_destroy(d);
    }
    fmcp_wipe(data, n);
    fmcp_free(NULL, data, n + 1);
}

/* Sign in the way a client would on its first 401: an unauthenticated MCP
 * request gives the server's challenge (scope, resource_metadata), which
 * drives discovery; a server that does not answer 401 gets the plain flow. */
static fmcp_result login_flow(fmcp_oauth *oauth, const char *url, const fmcp_http_io *tr)
{
    static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}";
    fmcp_http_header h[2];
    fmcp_http_client_req q;
    fmcp_http_response *res = NULL;
    char tok[8192];
    fmcp_result r;
    if (fmcp_oauth_access_token(oauth, tok, sizeof tok) != FMCP_ERR_NOT_FOUND) {
        fmcp_wipe(tok, sizeof tok);
        return fmcp_oauth_login(oauth);   /* a usable token is stored (or refreshed) */
    }
    h[0].name = "Content-Type"; h[0].value = "application/json";
    h[1].name = "Accept"; h[1].value = "application/json, text/event-stream";
    memset(&q, 0, sizeof q);
    q.method = "POST"; q.url = url; q.headers = h; q.nheaders = 2;
    q.body = ping; q.body_len = sizeof ping - 1;
    q.max_response_bytes = 65536; q.transport = tr;
    if (fmcp_http_fetch(NULL, &q, &res) == FMCP_OK && (res->status == 401 || res->status == 403))
        r = fmcp_oauth_handle_challenge(oauth, res->status, fmcp_http_response_header(res, "WWW-Authenticate"), 0);
    else
        r = fmcp_oauth_login(oauth);
    if (res) fmcp_http_response_destroy(res);
    return r;
}

/* fmcp login URL [--scope S] [--no-browser] [--follow] [--cache-dir DIR]
 * [--client-name N] [--callback-port P]: run the OAuth flow now and store the tokens. */
static int cmd_login(int argc, char **argv)
{
    client_opts o;
    fmcp_oauth_desc od;
    fmcp_tls_client *tls = NULL;
    const char *v, *name = "fmcp";
    char *pem = NULL;
    long long port = 0;
    int i, missing = 0, follow = 0;
    fmcp_result r;
    memset(&o, 0, sizeof o);
    for (i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--cache-dir", &missing))) o.cache_dir = v;
        else if ((v = opt(argc, argv, &i, "--scope", &missing))) o.scope = v;
        else if ((v = opt(argc, argv, &i, "--client-name", &missing))) name = v;
        else if (auth_arg(argc, argv, &i, &o, &missing)) {}
        else if ((v = opt(argc, argv, &i, "--callback-port", &missing))) {
            if (!parse_long(v, 1, 65535, &port)) return usage_error("login", "bad --callback-port", v);
        } else if (missing) return usage_error("login", "option needs a value", argv[i]);
        else if (strcmp(argv[i], "--no-browser") == 0) o.no_browser = 1;
        else if (strcmp(argv[i], "--follow") == 0) follow = 1;
        else if (argv[i][0] == '-' || o.url) return usage_error("login", "unexpected argument", argv[i]);
        else o.url = argv[i];
    }
    if (!o.url) return usage_error("login", "URL required", NULL);
    if ((r = fmcp_oauth_file_store_init(&o.fs, NULL, o.cache_dir, &o.store)) != FMCP_OK)
        return fail("no token cache directory (%s)%s; use --cache-dir", fmcp_result_str(r), NULL);
    memset(&od, 0, sizeof od);
    od.client_name = name;
    od.scopes = o.scope;
    od.headless = o.no_browser;
    od.callback_port = (uint16_t)port;
    if (follow) od.authorize = fmcp_oauth_authorize_follow;
    od.store = &o.store;
    if (strncmp(o.url, "https://", 8) == 0 && fmcp_tls_client_create(NULL, NULL, &tls) == FMCP_OK)
        od.transport = fmcp_tls_client_io(tls);
    if (follow) od.authorize_user = (void *)od.transport;
    r = auth_desc(&o, &od, &pem);
    if (r == FMCP_OK && (r = fmcp_oauth_create(&od, o.url, &o.oauth)) == FMCP_OK) r = login_flow(o.oauth, o.url, od.transport);
    free_pem(pem);
    fmcp_oauth_destroy(o.oauth);
    fmcp_tls_client_destroy(tls);
    if (r != FMCP_OK) return fail("login to %s failed: %s", o.url, fmcp_result_str(r));
    print_login(&o.store, o.url);
    printf("  stored in %s/\n", o.fs.dir);
    return 0;
}
#endif

/* ---- dispatcher ------------------------------------------------------------- */

static int cmd_version(int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("fmcp %s (fastmcp.h)\n", FASTMCP_VERSION_STRING);
    return 0;
}

static int cmd_help(int argc, char **argv);

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} command;

static const command COMMANDS[] = {
    { "keygen", cmd_keygen, "keygen [--alg RS256|PS256|ES256|ES384|EdDSA] [--bits 2048|3072|4096] [--kid ID]\n"
      "        [--out DIR]\n"
      "        write DIR/private.pem (PKCS#8, mode 0600), public.pem (SPKI) and jwks.json\n"
      "        (kid defaults to the RFC 7638 thumbprint; alg default RS256, use sig;\n"
      "        ES256 makes a P-256 key, ES384 P-384, EdDSA Ed25519; --bits for RSA)" },
    { "token", cmd_token, "token --key private.pem [--alg A] [--kid ID] [--sub S] [--iss I] [--aud A]...\n"
      "        [--scope \"a b\"] [--ttl SECONDS] [--claim NAME=JSON]...\n"
      "        print a JWT (ttl default 3600; negative makes an expired token); the key may be\n"
      "        RSA, EC or Ed25519 PEM; --alg defaults to RS256, ES256/ES384 or EdDSA by key type" },
    { "verify", cmd_verify, "verify (--jwks FILE|URL | --pem FILE) [--alg A]... [--iss I]... (--aud A... | --any-aud)\n"
      "        [--scope S]... [--leeway S] [--typ T] TOKEN|-\n"
      "        --alg: the allowed algorithms (default RS256 only), each bound to its key type\n"
      "        exit 0 and print the claims as JSON, or exit 1 with the error on stderr;\n"
      "        scp array items are whole scopes, as in the server's auth layer" },
    { "jwk", cmd_jwk, "jwk --pem FILE [--kid ID] [--alg A]\n"
      "        print the JWKS of a public or private PEM key" },
    { "tools", cmd_tools, "tools [--bearer TOKEN] [--header 'Name: value']... [--json] [--protocol legacy|modern|auto] [-v]\n"
      "        (URL | -- CMD ARGS...)\n"
      "        list the tools of an MCP server (Streamable HTTP URL, or a stdio command); --protocol:\n"
      "        auto (default) asks with server/discover and falls back to initialize; -v says which\n"
      "        OAuth: --oauth [--scope S] [--no-browser] [--cache-dir DIR] (also for call);\n"
      "        tokens stored by fmcp login are used without --oauth; machine to machine:\n"
      "        --client-credentials --client-id ID (secret in $FMCP_CLIENT_SECRET, or\n"
      "        --private-key-jwt KEY.pem for private_key_jwt); --dpop binds tokens (RFC 9449)" },
    { "call", cmd_call, "call [--bearer TOKEN] [--header 'Name: value']... [--timeout MS]\n"
      "        (URL TOOL [JSON] | -- CMD ARGS... TOOL [JSON])\n"
      "        call a tool: progress as a bar on stderr, the result JSON on stdout\n"
      "        (exit 1 when the result is an error)" },
#ifdef FMCP_CLI_OAUTH
    { "login", cmd_login, "login URL [--scope S] [--no-browser] [--follow] [--cache-dir DIR]\n"
      "        [--client-name NAME] [--callback-port PORT]\n"
      "        [--client-credentials --client-id ID] [--private-key-jwt KEY.pem] [--dpop]\n"
      "        sign in with OAuth now (discovery, registration, PKCE, browser) and store the\n"
      "        tokens; prints who, scope and expiry, never a token. --no-browser prints the\n"
      "        URL to open instead; --follow fetches it without a browser (self-approving servers)" },
#endif
#ifndef FASTMCP_NO_FILESYSTEM
    { "logout", cmd_logout, "logout (URL | --all) [--cache-dir DIR]\n"
      "        forget the OAuth tokens and client registration stored for URL (or all)" },
#endif
    { "version", cmd_version, "version\n        print the version" },
    { "help", cmd_help, "help\n        this text" }
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static int cmd_help(int argc, char **argv)
{
    size_t i;
    (void)argc; (void)argv;
    printf("usage: fmcp COMMAND [OPTIONS]\n\ncommands:\n");
    for (i = 0; i < NCOMMANDS; i++) printf("  fmcp %s\n", COMMANDS[i].usage);
    return 0;
}

int main(int argc, char **argv)
{
    size_t i;
    if (argc < 2) { cmd_help(0, NULL); return 2; }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return cmd_help(0, NULL);
    if (strcmp(argv[1], "--version") == 0) return cmd_version(0, NULL);
    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0) return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "fmcp: unknown command '%s' (see fmcp --help)\n", argv[1]);
    return 2;
}
