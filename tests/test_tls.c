/* tls: our HTTPS client against our HTTPS server on one event loop, with a
 * CA and certificates made by the openssl command (an independent peer).
 * Built only when BearSSL is installed (make adds -DFASTMCP_WITH_BEARSSL). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

static char dir[256];
static int have_certs;

static const char *path_of(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* A CA, a second (untrusted) CA, RSA and EC server certificates for
 * "localhost", and the keys in several PEM forms. */
static int make_certs(void)
{
    char cmd[4096];
    if (system("openssl version >/dev/null 2>&1") != 0) return 0;
    snprintf(dir, sizeof dir, "build/tls-test-XXXXXX");
    if (system("mkdir -p build") != 0 || !mkdtemp(dir)) return 0;
    snprintf(cmd, sizeof cmd,
        "cd %s && exec >log.txt 2>&1 && set -e && "
        "printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' >ext.cnf && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj '/CN=fmcp test CA' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 3650 -subj '/CN=other CA' && "
        "openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj '/CN=localhost' && "
        "openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile ext.cnf -out rsa.crt && "
        "openssl rsa -in rsa.key -traditional -out rsa1.key && "
        "openssl req -newkey rsa:1024 -nodes -keyout r1024.key -out r1024.csr -subj '/CN=localhost' && "
        "openssl x509 -req -in r1024.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile ext.cnf -out r1024.crt && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ec.key -out ec.csr -subj '/CN=localhost' && "
        "openssl x509 -req -in ec.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile ext.cnf -out ec.crt && "
        "openssl ec -in ec.key -out ec1.key",
        dir);
    return system(cmd) == 0;
}

/* ---- server and client on one loop ---------------------------------------- */

static void handler(fmcp_http_req *req, void *user)
{
    size_t n;
    const char *body = fmcp_http_req_body(req, &n);
    fmcp_http_header h[1];
    (void)user;
    h[0].name = "Content-Type"; h[0].value = "text/plain";
    if (strcmp(fmcp_http_req_method(req), "POST") == 0) fmcp_http_respond(req, 200, h, 1, body, n);
    else fmcp_http_respond(req, 200, h, 1, fmcp_http_req_path(req), strlen(fmcp_http_req_path(req)));
}

typedef struct fetch_state {
    int done;
    fmcp_result rc;
    fmcp_http_response *res;
} fetch_state;

static void fetch_cb(void *user, fmcp_result rc, fmcp_http_response *res)
{
    fetch_state *s = (fetch_state *)user;
    s->done = 1; s->rc = rc; s->res = res;
}

/* Step the loop (it waits on events; bounded) until the fetch ends. */
static fmcp_result run_fetch(fmcp_http_loop *loop, fmcp_http_client_req *q, fmcp_http_response **res)
{
    fetch_state s;
    int i;
    fmcp_result r;
    memset(&s, 0, sizeof s);
    *res = NULL;
    r = fmcp_http_fetch_async(loop, q, fetch_cb, &s, NULL);
    if (r) return r;
    for (i = 0; i < 3000 && !s.done; i++) fmcp_http_step(loop, 10);
    if (!s.done) return FMCP_ERR_TIMEOUT;
    *res = s.res;
    return s.rc;
}

typedef struct rig {
    fmcp_http_loop *loop;
    fmcp_http_server *srv;
    fmcp_tls_server *ts;
    fmcp_tls_client *tc;
    char url[128];
} rig;

static int rig_up(rig *g, const char *crt, const char *key, const char *ca, int hs_timeout)
{
    fmcp_http_server_desc d;
    fmcp_tls_server_desc sd;
    fmcp_tls_client_desc cd;
    memset(g, 0, sizeof *g);
    memset(&sd, 0, sizeof sd); memset(&cd, 0, sizeof cd); memset(&d, 0, sizeof d);
    if (fmcp_http_loop_create(NULL, &g->loop) != FMCP_OK) return 0;
    sd.cert_file = path_of(crt); sd.key_file = path_of(key); sd.loop = g->loop;
    sd.handshake_timeout_ms = hs_timeout;
    if (fmcp_tls_server_create(NULL, &sd, &g->ts) != FMCP_OK) return 0;
    cd.ca_file = path_of(ca);
    if (fmcp_tls_client_create(NULL, &cd, &g->tc) != FMCP_OK) return 0;
    d.handler = handler; d.transport = fmcp_tls_server_io(g->ts);
    if (fmcp_http_server_create(g->loop, &d, &g->srv) != FMCP_OK) return 0;
    snprintf(g->url, sizeof g->url, "https://localhost:%u/hello", (unsigned)fmcp_http_server_port(g->srv));
    return 1;
}

static void rig_down(rig *g)
{
    fmcp_http_server_destroy(g->srv);
    fmcp_http_loop_destroy(g->loop);
    fmcp_tls_server_destroy(g->ts);
    fmcp_tls_client_destroy(g->tc);
}

static fmcp_result get(rig *g, const char *url, fmcp_tls_client *tc, fmcp_http_response **res)
{
    fmcp_http_client_req q;
    memset(&q, 0, sizeof q);
    q.url = url; q.transport = fmcp_tls_client_io(tc); q.timeout_ms = 20000;
    return run_fetch(g->loop, &q, res);
}

/* ---- tests --------------------------------------------------------------------- */

static void test_https_needs_transport(void)
{
    fmcp_http_client_req q;
    fmcp_http_response *res = NULL;
    char err[128];
    memset(&q, 0, sizeof q);
    q.url = "https://localhost:1/x"; q.error_buf = err; q.error_buf_len = sizeof err;
    CHECK_EQ_INT(fmcp_http_fetch(NULL, &q, &res), FMCP_ERR_UNSUPPORTED);
    CHECK_STR(err, "https:// needs a TLS transport (none was given)");
    CHECK(fmcp_tls_available() == 1);
}

static void test_anchors(void)
{
    fmcp_tls_client *c = NULL;
    fmcp_tls_client_desc d;
    const char *junk = "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n";
    if (!have_certs) T_SKIP("openssl could not make certificates");
    memset(&d, 0, sizeof d);
    d.ca_file = path_of("ca.crt");
    CHECK_OK(fmcp_tls_client_create(NULL, &d, &c));
    CHECK_EQ_INT(fmcp_tls_client_anchors(c), 1);
    fmcp_tls_client_destroy(c);
    /* SSL_CERT_FILE is honoured when no file is configured */
    setenv("SSL_CERT_FILE", path_of("other.crt"), 1);
    CHECK_OK(fmcp_tls_client_create(NULL, NULL, &c));
    CHECK_EQ_INT(fmcp_tls_client_anchors(c), 1);
    fmcp_tls_client_destroy(c);
    setenv("SSL_CERT_FILE", path_of("nonexistent.pem"), 1);
    CHECK_EQ_INT(fmcp_tls_client_create(NULL, NULL, &c), FMCP_ERR_NOT_FOUND);
    unsetenv("SSL_CERT_FILE");
    d.ca_file = NULL; d.ca_pem = junk; d.ca_pem_len = strlen(junk);
    CHECK(fmcp_tls_client_create(NULL, &d, &c) != FMCP_OK);
    d.ca_pem = "no pem here"; d.ca_pem_len = 11;
    CHECK_EQ_INT(fmcp_tls_client_create(NULL, &d, &c), FMCP_ERR_NOT_FOUND);
    CHECK(c == NULL);
    if (access(FMCP_TLS_SYSTEM_CA_FILE, R_OK) == 0) {
        CHECK_OK(fmcp_tls_client_create(NULL, NULL, &c));
        CHECKF(fmcp_tls_client_anchors(c) > 50, "%zu system anchors", fmcp_tls_client_anchors(c));
        fmcp_tls_client_destroy(c);
    }
}

static void test_server_keys(void)
{
    fmcp_tls_server *s = NULL;
    fmcp_tls_server_desc d;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    memset(&d, 0, sizeof d);
    d.cert_file = path_of("rsa.crt"); d.key_file = path_of("rsa1.key");   /* PKCS#1 */
    CHECK_OK(fmcp_tls_server_create(NULL, &d, &s)); fmcp_tls_server_destroy(s);
    d.cert_file = path_of("ec.crt"); d.key_file = path_of("ec1.key");     /* SEC 1 */
    CHECK_OK(fmcp_tls_server_create(NULL, &d, &s)); fmcp_tls_server_destroy(s);
    d.key_file = path_of("rsa.key");                                      /* key of another cert */
    CHECK_EQ_INT(fmcp_tls_server_create(NULL, &d, &s), FMCP_ERR_BAD_KEY);
    d.key_file = path_of("missing.key");
    CHECK_EQ_INT(fmcp_tls_server_create(NULL, &d, &s), FMCP_ERR_NOT_FOUND);
    d.key_file = path_of("ca.crt");                                       /* no key at all */
    CHECK_EQ_INT(fmcp_tls_server_create(NULL, &d, &s), FMCP_ERR_BAD_KEY);
    CHECK(s == NULL);
    unsetenv("TLS_CERT"); unsetenv("TLS_KEY");
    CHECK_EQ_INT(fmcp_tls_server_from_env(NULL, NULL, &s), FMCP_ERR_NOT_FOUND);
    setenv("TLS_CERT", path_of("rsa.crt"), 1);
    CHECK_EQ_INT(fmcp_tls_server_from_env(NULL, NULL, &s), FMCP_ERR_INVALID_ARG);
    setenv("TLS_KEY", path_of("rsa.key"), 1);
    CHECK_OK(fmcp_tls_server_from_env(NULL, NULL, &s));
    CHECK(s != NULL);
    fmcp_tls_server_destroy(s);
    unsetenv("TLS_CERT"); unsetenv("TLS_KEY");
}

static void roundtrip(const char *crt, const char *key)
{
    rig g;
    fmcp_http_response *res = NULL;
    fmcp_http_client_req q;
    size_t big = 300000, i;
    char *body;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, crt, key, "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    CHECK_OK(get(&g, g.url, g.tc, &res));
    if (res) { CHECK_EQ_INT(res->status, 200); CHECK_STR(res->body, "/hello"); fmcp_http_response_destroy(res); }
    CHECK(fmcp_tls_client_last_error(g.tc) == NULL);
    /* many records both ways */
    body = (char *)malloc(big);
    for (i = 0; i < big; i++) body[i] = (char)('a' + (i * 7) % 26);
    memset(&q, 0, sizeof q);
    q.method = "POST"; q.url = g.url; q.body = body; q.body_len = big;
    q.transport = fmcp_tls_client_io(g.tc); q.timeout_ms = 20000;
    CHECK_OK(run_fetch(g.loop, &q, &res));
    if (res) {
        CHECK_EQ_INT(res->body_len, big);
        CHECK(res->body_len == big && memcmp(res->body, body, big) == 0);
        fmcp_http_response_destroy(res);
    }
    free(body);
    rig_down(&g);
}

static void test_roundtrip_rsa(void) { roundtrip("rsa.crt", "rsa.key"); }
static void test_roundtrip_ec(void) { roundtrip("ec.crt", "ec.key"); }
/* RSA-1024 is outside the rsa module's policy: BearSSL's own signer runs */
static void test_roundtrip_rsa1024(void) { roundtrip("r1024.crt", "r1024.key"); }

static void test_refusals(void)
{
    rig g;
    fmcp_http_response *res = NULL;
    fmcp_tls_client *other = NULL;
    fmcp_tls_client_desc cd;
    char url[128];
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, "rsa.crt", "rsa.key", "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    /* a CA we do not trust */
    memset(&cd, 0, sizeof cd);
    cd.ca_file = path_of("other.crt");
    CHECK_OK(fmcp_tls_client_create(NULL, &cd, &other));
    CHECK(get(&g, g.url, other, &res) != FMCP_OK);
    CHECK(res == NULL);
    CHECK_STR(fmcp_tls_client_last_error(other), "certificate not trusted");
    fmcp_tls_client_destroy(other);
    /* the certificate names localhost, not 127.0.0.1 */
    snprintf(url, sizeof url, "https://127.0.0.1:%u/x", (unsigned)fmcp_http_server_port(g.srv));
    CHECK(get(&g, url, g.tc, &res) != FMCP_OK);
    CHECK_STR(fmcp_tls_client_last_error(g.tc), "server name mismatch");
    /* plain HTTP to a TLS port fails cleanly too */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)fmcp_http_server_port(g.srv));
    {
        fmcp_http_client_req q;
        memset(&q, 0, sizeof q);
        q.url = url; q.timeout_ms = 20000;
        CHECK(run_fetch(g.loop, &q, &res) != FMCP_OK || (res && res->status >= 400));
        if (res) fmcp_http_response_destroy(res);
    }
    rig_down(&g);
}

static int64_t fake_time(void *user) { return *(int64_t *)user; }

static void test_expired(void)
{
    rig g;
    fmcp_http_response *res = NULL;
    fmcp_hooks h;
    int64_t later = fmcp_time_now() + 400 * 86400;  /* the leaf is valid for 365 days */
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, "rsa.crt", "rsa.key", "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    memset(&h, 0, sizeof h);
    h.time_fn = fake_time; h.user = &later;
    fmcp_set_hooks(&h);
    CHECK(get(&g, g.url, g.tc, &res) != FMCP_OK);
    fmcp_set_hooks(NULL);
    CHECK_STR(fmcp_tls_client_last_error(g.tc), "certificate expired or not yet valid");
    CHECK_OK(get(&g, g.url, g.tc, &res));           /* and fine again today */
    if (res) fmcp_http_response_destroy(res);
    rig_down(&g);
}

static int warnings;
static void count_log(void *user, const char *msg)
{
    (void)user;
    if (strstr(msg, "verification is OFF")) warnings++;
}

static void test_insecure_option_warns(void)
{
    rig g;
    fmcp_http_response *res = NULL;
    fmcp_tls_client *c = NULL;
    fmcp_tls_client_desc cd;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, "ec.crt", "ec.key", "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    memset(&cd, 0, sizeof cd);
    cd.ca_file = path_of("other.crt"); cd.insecure_skip_verify_for_tests = 1;
    cd.log = count_log;
    CHECK_OK(fmcp_tls_client_create(NULL, &cd, &c));
    warnings = 0;
    CHECK_OK(get(&g, g.url, c, &res));
    if (res) fmcp_http_response_destroy(res);
    CHECK_OK(get(&g, g.url, c, &res));
    if (res) { CHECK_STR(res->body, "/hello"); fmcp_http_response_destroy(res); }
    CHECK_EQ_INT(warnings, 2);
    fmcp_tls_client_destroy(c);
    rig_down(&g);
}

static int64_t fake_mono(void *user) { return *(int64_t *)user; }

/* A peer that starts a handshake and stalls blocks nobody and is cut off
 * at the handshake deadline (moved with the monotonic clock hook). */
static void test_handshake_timeout(void)
{
    rig g;
    fmcp_http_response *res = NULL;
    fmcp_hooks h;
    int64_t now = fmcp_monotonic_ms();
    struct sockaddr_in sa;
    int fd, i;
    char b[16];
    if (!have_certs) T_SKIP("openssl could not make certificates");
    memset(&h, 0, sizeof h);
    h.monotonic_ms_fn = fake_mono; h.user = &now;
    fmcp_set_hooks(&h);
    if (!rig_up(&g, "rsa.crt", "rsa.key", "ca.crt", 1000)) { CHECK(!"rig"); rig_down(&g); fmcp_set_hooks(NULL); return; }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET; sa.sin_port = htons(fmcp_http_server_port(g.srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(send(fd, "\x16\x03\x01", 3, 0) == 3);       /* a record header, then silence */
    for (i = 0; i < 200 && fmcp_http_server_connections(g.srv) < 1; i++) fmcp_http_step(g.loop, 10);
    CHECK_EQ_INT(fmcp_http_server_connections(g.srv), 1);
    CHECK_OK(get(&g, g.url, g.tc, &res));             /* served meanwhile */
    if (res) { CHECK_EQ_INT(res->status, 200); fmcp_http_response_destroy(res); }
    /* the served connection ends (its close reaches the server); the stalled one stays */
    for (i = 0; i < 200 && fmcp_http_server_connections(g.srv) > 1; i++) fmcp_http_step(g.loop, 10);
    CHECK_EQ_INT(fmcp_http_server_connections(g.srv), 1);
    now += 1500;
    for (i = 0; i < 200 && fmcp_http_server_connections(g.srv) > 0; i++) fmcp_http_step(g.loop, 10);
    CHECK_EQ_INT(fmcp_http_server_connections(g.srv), 0);
    CHECK_STR(fmcp_tls_server_last_error(g.ts), "handshake timed out");
    CHECK(recv(fd, b, sizeof b, 0) <= 0);
    close(fd);
    rig_down(&g);
    fmcp_set_hooks(NULL);
}

static void test_alloc_failures(void)
{
    fmcp_tls_server_desc sd;
    fmcp_tls_client_desc cd;
    char *ca;
    size_t calen;
    int sv[2];
    if (!have_certs) T_SKIP("openssl could not make certificates");
    memset(&sd, 0, sizeof sd);
    sd.cert_file = path_of("rsa.crt"); sd.key_file = path_of("rsa.key");
    T_ALLOC_SWEEP({ fmcp_tls_server *s; t_rc = fmcp_tls_server_create(&t_alloc, &sd, &s); if (!t_rc) fmcp_tls_server_destroy(s); });
    sd.cert_file = path_of("ec.crt"); sd.key_file = path_of("ec1.key");
    T_ALLOC_SWEEP({ fmcp_tls_server *s; t_rc = fmcp_tls_server_create(&t_alloc, &sd, &s); if (!t_rc) fmcp_tls_server_destroy(s); });
    setenv("TLS_CERT", path_of("ec.crt"), 1); setenv("TLS_KEY", path_of("ec.key"), 1);
    T_ALLOC_SWEEP({ fmcp_tls_server *s; t_rc = fmcp_tls_server_from_env(&t_alloc, NULL, &s); if (!t_rc) fmcp_tls_server_destroy(s); });
    unsetenv("TLS_CERT"); unsetenv("TLS_KEY");
    ca = t_read_file(path_of("ca.crt"), &calen);
    CHECK(ca != NULL);
    if (!ca) return;
    memset(&cd, 0, sizeof cd);
    cd.ca_pem = ca; cd.ca_pem_len = calen;
    T_ALLOC_SWEEP({ fmcp_tls_client *c; t_rc = fmcp_tls_client_create(&t_alloc, &cd, &c); if (!t_rc) fmcp_tls_client_destroy(c); });
    /* opening a connection (client side; the server side is the same code) */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    {
        fmcp_tls_client *c = NULL;
        const fmcp_http_io *tr;
        CHECK_OK(fmcp_tls_client_create(&t_alloc, &cd, &c));
        tr = fmcp_tls_client_io(c);
        if (tr) T_ALLOC_SWEEP({ void *conn; t_rc = tr->open(tr->self, sv[0], "localhost", &conn); if (!t_rc) tr->close(conn); });
        fmcp_tls_client_destroy(c);
    }
    close(sv[0]); close(sv[1]);
    free(ca);
    /* server side: a ClientHello left to BearSSL (CBC suite, recorded by
     * openssl s_client; the seed's first byte picks the fuzzer's key) costs
     * the replay copy */
    {
        size_t n;
        char *seed = t_read_file("fuzz/seeds/tls_server/ec-cbc-fallback", &n);
        CHECK(seed != NULL && n > 6);
        if (!seed || n <= 6) return;
        n = 6 + (size_t)((unsigned char)seed[4] << 8 | (unsigned char)seed[5]);    /* the first record */
        sd.cert_file = path_of("ec.crt"); sd.key_file = path_of("ec.key");
        T_ALLOC_SWEEP({
            fmcp_tls_server *s = NULL;
            void *conn = NULL;
            char b[64];
            t_rc = fmcp_tls_server_create(&t_alloc, &sd, &s);
            if (!t_rc && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
                const fmcp_http_io *tr = fmcp_tls_server_io(s);
                fcntl(sv[0], F_SETFL, O_NONBLOCK);
                CHECK(write(sv[1], seed + 1, n - 1) == (ssize_t)(n - 1));
                t_rc = tr->open(tr->self, sv[0], NULL, &conn);
                if (!t_rc && tr->read(conn, b, sizeof b) != FMCP_HTTP_IO_WANT_READ) t_rc = FMCP_ERR_NOMEM;
                if (conn) tr->close(conn);
                close(sv[0]); close(sv[1]);
            }
            if (s) fmcp_tls_server_destroy(s);
            if (!t_alloc_failed) CHECKF(t_rc == 0, "BearSSL did not take the ClientHello: %d", (int)t_rc);
        });
        free(seed);
    }
}

/* fmcp_x25519 (what the TLS hook runs) against BearSSL's own Curve25519
 * code, an independent implementation: random scalars and points,
 * including points with the top bit set and at or above p, and a short
 * scalar (BearSSL zero-extends it, as the hook does). */
static void test_x25519_vs_bearssl(void)
{
    int i, j;
    for (i = 0; i < 300; i++) {
        unsigned char k[32], u[32], ours[32], theirs[32];
        size_t klen = i % 5 == 4 ? 20 : 32;
        CHECK_OK(fmcp_random_bytes(k, sizeof k));
        CHECK_OK(fmcp_random_bytes(u, sizeof u));
        if (i % 3 == 1) { memset(u, 0xff, 32); u[0] = (unsigned char)(0xe0 + i % 32); }  /* near or above p */
        memcpy(theirs, u, 32);
        CHECK(br_ec_c25519_m31.mul(theirs, 32, k, klen, BR_EC_curve25519) == 1);
        for (j = (int)klen; j < 32; j++) k[j] = 0;
        (void)fmcp_x25519(ours, k, u);
        CHECKF(memcmp(ours, theirs, 32) == 0, "case %d", i);
        CHECK_EQ_INT(br_ec_c25519_m31.mulgen(theirs, k, 32, BR_EC_curve25519), 32);
        CHECK_OK(fmcp_x25519_base(ours, k));
        CHECKF(memcmp(ours, theirs, 32) == 0, "base case %d", i);
#ifndef FMCP_TEST_SHARED_IMPL
        /* the hook's key share (short scalars zero-extended, as BearSSL does) */
        CHECK_EQ_INT(br_ec_c25519_m31.mulgen(theirs, k, klen, BR_EC_curve25519), 32);
        CHECK_EQ_INT(fmcp__tls_ec.mulgen(ours, k, klen, BR_EC_curve25519), 32);
        CHECKF(memcmp(ours, theirs, 32) == 0, "hook mulgen case %d", i);
#endif
    }
}


/* ---- the EC and ECDSA hooks against BearSSL's own code ---------------------------------- */

#ifndef FMCP_TEST_SHARED_IMPL
/* A random scalar in [1, 2^(8 len - 1)) (below the order of P-256 and P-384). */
static void rand_scalar(unsigned char *k, size_t len)
{
    CHECK_OK(fmcp_random_bytes(k, len));
    k[0] &= 0x7f;
    k[len - 1] |= 1;
}

/* mul, mulgen and muladd of the hook (the ec module) give the same points
 * as BearSSL's generic i31 and i15 code on random points and scalars
 * (short and zero-padded long scalars too), and refuse the same bad
 * points: off the curve, a coordinate >= p, a compressed or infinity
 * prefix, a wrong length. */
static void test_ec_hook_vs_bearssl(void)
{
    static const int curves[2] = { BR_EC_secp256r1, BR_EC_secp384r1 };
    const br_ec_impl *refs[2] = { &br_ec_prime_i31, &br_ec_prime_i15 };
    int ci, i;
    CHECK(fmcp__tls_ec.supported_curves & ((uint32_t)1 << BR_EC_secp256r1));
    for (ci = 0; ci < 2; ci++) {
        int curve = curves[ci];
        size_t n = curve == BR_EC_secp256r1 ? 32 : 48, plen = 1 + 2 * n;
        for (i = 0; i < 40; i++) {
            const br_ec_impl *ref = refs[i % 2];
            unsigned char a[97], b[97], A[97], B[97], x[60], y[60], ours[97], theirs[97];
            size_t xlen = n, ylen = n;
            rand_scalar(a, n); rand_scalar(b, n); rand_scalar(x, n); rand_scalar(y, n);
            if (i % 5 == 3) { xlen = 20; x[0] |= 0x80; }          /* short */
            if (i % 5 == 4) { memmove(x + 3, x, n); memset(x, 0, 3); xlen = n + 3; }  /* zero-padded */
            /* mulgen */
            CHECK_EQ_INT(ref->mulgen(A, a, n, curve), plen);
            CHECK_EQ_INT(fmcp__tls_ec.mulgen(ours, a, n, curve), plen);
            CHECKF(memcmp(ours, A, plen) == 0, "mulgen curve %d case %d", curve, i);
            CHECK_EQ_INT(ref->mulgen(B, b, n, curve), plen);
            /* mul */
            memcpy(ours, A, plen); memcpy(theirs, A, plen);
            CHECK_EQ_INT(ref->mul(theirs, plen, x, xlen, curve), 1);
            CHECK_EQ_INT(fmcp__tls_ec.mul(ours, plen, x, xlen, curve), 1);
            CHECKF(memcmp(ours, theirs, plen) == 0, "mul curve %d case %d", curve, i);
            /* muladd, with B and with the generator */
            memcpy(ours, A, plen); memcpy(theirs, A, plen);
            CHECK_EQ_INT(ref->muladd(theirs, B, plen, x, xlen, y, ylen, curve), 1);
            CHECK_EQ_INT(fmcp__tls_ec.muladd(ours, B, plen, x, xlen, y, ylen, curve), 1);
            CHECKF(memcmp(ours, theirs, plen) == 0, "muladd curve %d case %d", curve, i);
            memcpy(ours, A, plen); memcpy(theirs, A, plen);
            CHECK_EQ_INT(ref->muladd(theirs, NULL, plen, x, xlen, y, ylen, curve), 1);
            CHECK_EQ_INT(fmcp__tls_ec.muladd(ours, NULL, plen, x, xlen, y, ylen, curve), 1);
            CHECKF(memcmp(ours, theirs, plen) == 0, "muladd G curve %d case %d", curve, i);
            /* bad points, refused by both */
            {
                int kind;
                for (kind = 0; kind < 6; kind++) {
                    unsigned char bad[97];
                    size_t blen = plen;
                    uint32_t r1, r2, r3, r4;
                    memcpy(bad, A, plen);
                    if (kind == 0) bad[plen - 1] ^= 1;                  /* off the curve */
                    if (kind == 1) memset(bad + 1, 0xff, n);            /* x >= p */
                    if (kind == 2) bad[0] = 0x02;                       /* compressed */
                    if (kind == 3) { memset(bad, 0, plen); }            /* infinity-ish */
                    if (kind == 4) blen = plen - 1;                     /* short */
                    if (kind == 5) memset(bad + 1 + n, 0xff, n);        /* y >= p */
                    memcpy(ours, bad, plen); memcpy(theirs, bad, plen);
                    r1 = ref->mul(theirs, blen, x, xlen, curve);
                    r2 = fmcp__tls_ec.mul(ours, blen, x, xlen, curve);
                    CHECKF(r1 == 0 && r2 == 0, "bad point kind %d: BearSSL %u, ours %u", kind, (unsigned)r1, (unsigned)r2);
                    memcpy(ours, bad, plen); memcpy(theirs, bad, plen);
                    r3 = ref->muladd(theirs, NULL, blen, x, xlen, y, ylen, curve);
                    r4 = fmcp__tls_ec.muladd(ours, NULL, blen, x, xlen, y, ylen, curve);
                    CHECKF(r3 == 0 && r4 == 0, "bad A kind %d: BearSSL %u, ours %u", kind, (unsigned)r3, (unsigned)r4);
                    if (blen == plen) {
                        memcpy(ours, A, plen);
                        CHECK_EQ_INT(fmcp__tls_ec.muladd(ours, bad, plen, x, xlen, y, ylen, curve), 0);
                    }
                }
            }
        }
        /* a zero multiplier is an error for muladd (BearSSL's contract); a
         * scalar too long to be below the order is refused */
        {
            unsigned char A[97], x[60], z[48];
            size_t lp;
            rand_scalar(x, n);
            CHECK_EQ_INT(fmcp__tls_ec.mulgen(A, x, n, curve), plen);
            memset(z, 0, sizeof z);
            CHECK_EQ_INT(fmcp__tls_ec.muladd(A, NULL, plen, z, n, x, n, curve), 0);
            CHECK_EQ_INT(fmcp__tls_ec.mulgen(A, x, n, curve), plen);
            x[0] = 1; memmove(x + 1, x, n); lp = n + 1;
            CHECK_EQ_INT(fmcp__tls_ec.mul(A, plen, x, lp, curve), 0);
        }
    }
}

/* The ECDSA signer hook (the server's key) against BearSSL's i31 verifier,
 * and the verifier hook against BearSSL's i31 signer, for the hashes TLS
 * 1.2 peers ask for; a changed digest or signature, and a non-DER
 * signature, are refused. */
static void test_ecdsa_hooks(void)
{
    fmcp_tls_server *s = NULL;
    fmcp_tls_server_desc d;
    const br_hash_class *hs[3] = { &br_sha256_vtable, &br_sha384_vtable, &br_sha1_vtable };
    br_ec_public_key pk;
    unsigned char q[65], sig[80], h[48];
    size_t slen, hl;
    int i;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    memset(&d, 0, sizeof d);
    d.cert_file = path_of("ec.crt"); d.key_file = path_of("ec.key");
    CHECK_OK(fmcp_tls_server_create(NULL, &d, &s));
    if (!s) return;
    CHECK(s->have_fec);
    pk.curve = BR_EC_secp256r1; pk.q = q; pk.qlen = 65;
    CHECK_EQ_INT(br_ec_prime_i31.mulgen(q, s->ec.x, s->ec.xlen, BR_EC_secp256r1), 65);
    for (i = 0; i < 12; i++) {
        const br_hash_class *hf = hs[i % 3];
        hl = (size_t)((hf->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
        CHECK_OK(fmcp_random_bytes(h, sizeof h));
        slen = fmcp__tls_ecdsa_sign(&fmcp__tls_ec, hf, h, &s->ec, sig);
        CHECK(slen >= 8 && slen <= 72);
        CHECKF(br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, h, hl, &pk, sig, slen) == 1, "hash %zu", hl);
        CHECK(fmcp__tls_ecdsa_vrfy(&fmcp__tls_ec, h, hl, &pk, sig, slen) == 1);
        h[0] ^= 1;
        CHECK(br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, h, hl, &pk, sig, slen) == 0);
        CHECK(fmcp__tls_ecdsa_vrfy(&fmcp__tls_ec, h, hl, &pk, sig, slen) == 0);
        h[0] ^= 1;
        /* BearSSL's signature through our verifier */
        slen = br_ecdsa_i31_sign_asn1(&br_ec_prime_i31, hf, h, &s->ec, sig);
        CHECK(slen > 0);
        CHECK(fmcp__tls_ecdsa_vrfy(&fmcp__tls_ec, h, hl, &pk, sig, slen) == 1);
        sig[slen - 1] ^= 1;
        CHECK(fmcp__tls_ecdsa_vrfy(&fmcp__tls_ec, h, hl, &pk, sig, slen) == 0);
        sig[slen - 1] ^= 1;
        /* r with a needless leading zero: not DER */
        {
            unsigned char nd[82];
            size_t rl = sig[3];
            nd[0] = 0x30; nd[1] = (unsigned char)(sig[1] + 1); nd[2] = 0x02; nd[3] = (unsigned char)(rl + 1); nd[4] = 0;
            memcpy(nd + 5, sig + 4, slen - 4);
            CHECK(fmcp__tls_ecdsa_vrfy(&fmcp__tls_ec, h, hl, &pk, nd, slen + 1) == 0);
        }
        /* a key not on the curve */
        q[64] ^= 1;
        CHECK(fmcp__tls_ecdsa_vrfy(&fmcp__tls_ec, h, hl, &pk, sig, slen) == 0);
        q[64] ^= 1;
    }
    fmcp_tls_server_destroy(s);
}
#endif

/* An independent client (openssl s_client) against our server, P-256
 * ECDHE forced: its key share, our ECDHE key, the shared secret and (with
 * the EC certificate) the ServerKeyExchange signature all go through the
 * hooks, and openssl checks the result. */
/* Run `openssl s_client -connect <server> ARGS` (stdin: the shell text
 * `in`) while the loop serves; its output in out; 1 when it exited 0. */
static int s_client_run(rig *g, const char *args, const char *in, char *out, size_t cap)
{
    char cmd[1200];
    int fds[2], i, status = -1;
    size_t got = 0;
    pid_t pid;
    snprintf(cmd, sizeof cmd, "%s | exec openssl s_client -connect 127.0.0.1:%u %s 2>&1", in,
             (unsigned)fmcp_http_server_port(g->srv), args);
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]); close(fds[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    for (i = 0; i < 3000; i++) {
        ssize_t r;
        fmcp_http_step(g->loop, 10);
        while ((r = read(fds[0], out + got, cap - 1 - got)) > 0) got += (size_t)r;
        if (r == 0 && waitpid(pid, &status, WNOHANG) == pid) break;
    }
    if (i == 3000) { kill(pid, SIGKILL); waitpid(pid, &status, 0); }
    close(fds[0]);
    out[got] = 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* openssl s_client against the server with P-256 as the only group and
 * ECDHE forced: its key share, our ECDHE key, the shared secret and (with
 * the EC certificate) the ServerKeyExchange signature all go through the
 * hooks, and openssl checks the result. */
static void s_client_p256(const char *crt, const char *key, const char *suite)
{
    rig g;
    char args[600], out[16384];
    int ok;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, crt, key, "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    snprintf(args, sizeof args, "-servername localhost -tls1_2 -curves P-256 -CAfile %s -verify_return_error",
             path_of("ca.crt"));
    ok = s_client_run(&g, args, "true", out, sizeof out);
    CHECKF(ok, "s_client: %s", out);
    CHECKF(strstr(out, "prime256v1") != NULL, "P-256 ECDHE: %s", out);
    CHECKF(strstr(out, suite) != NULL, "suite %s: %s", suite, out);
    CHECKF(strstr(out, "Verify return code: 0 (ok)") != NULL, "verified: %s", out);
    rig_down(&g);
}

/* A server that ends a connection (HTTP/1.0: closed after the response)
 * sends close_notify before its FIN (RFC 5246 7.2.1); OpenSSL 3 calls a
 * stream cut without it an error ("unexpected eof while reading"). */
static void test_close_notify(void)
{
    rig g;
    char out[32768];
    const char *resp, *alert;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, "ec.crt", "ec.key", "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    (void)s_client_run(&g, "-tls1_2 -msg -ign_eof", "printf 'GET /x HTTP/1.0\\r\\n\\r\\n'", out, sizeof out);
    resp = strstr(out, "HTTP/1.");
    alert = strstr(out, "<<< TLS 1.2, Alert [length 0002], warning close_notify");
    CHECKF(resp != NULL, "no response: %s", out);
    CHECKF(alert != NULL && alert > (resp ? resp : out), "no close_notify from the server after the response: %s", out);
    CHECKF(strstr(out, "unexpected eof") == NULL, "%s", out);
    rig_down(&g);
}

/* Our client on one end of a socketpair (sp[0]), a TCP connection to the
 * server returned: the test moves the bytes between sp[1] and it. */
static int relay_open(rig *g, const fmcp_http_io *io, int sp[2], void **conn)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(fmcp_http_server_port(g->srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fcntl(sp[0], F_SETFL, O_NONBLOCK);
    fcntl(sp[1], F_SETFL, O_NONBLOCK);
    CHECK_OK(io->open(io->self, sp[0], "localhost", conn));
    return fd;
}

/* Move what is readable on `from` to `to` in one send (a relay that
 * coalesces: whatever the client wrote arrives at the server together). */
static void relay(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n > 0) CHECK(send(to, buf, (size_t)n, MSG_NOSIGNAL) == n);
}

/* Two requests in two TLS records that reach the server in one segment:
 * both are answered. The server reads ahead past the first record (one
 * recv for a record's header and body), so the second one waits in its
 * read-ahead buffer, where no socket event will announce it. The client
 * talks through a socketpair; the test relays its bytes to the server. */
static void test_pipelined_records(void)
{
    static const char qa[] = "GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n";
    static const char qb[] = "GET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    rig g;
    const fmcp_http_io *io;
    void *conn = NULL;
    char out[8192];
    size_t got = 0;
    int fd, sp[2], i, sent = 0, eof = 0;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (!rig_up(&g, "ec.crt", "ec.key", "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    io = fmcp_tls_client_io(g.tc);
    fd = relay_open(&g, io, sp, &conn);
    for (i = 0; conn && i < 4000 && !eof; i++) {
        long r;
        fmcp_http_step(g.loop, 2);
        relay(fd, sp[1]);
        if (!sent) {                     /* after the handshake: two writes, two records */
            if (io->write(conn, "", 0) == 0) {
                CHECK_EQ_INT(io->write(conn, qa, sizeof qa - 1), (long)(sizeof qa - 1));
                CHECK_EQ_INT(io->write(conn, qb, sizeof qb - 1), (long)(sizeof qb - 1));
                sent = 1;
            }
        } else {
            while ((r = io->read(conn, out + got, sizeof out - 1 - got)) > 0) got += (size_t)r;
            if (r == 0) eof = 1;
        }
        relay(sp[1], fd);
    }
    out[got] = 0;
    CHECKF(sent && strstr(out, "/first") != NULL && strstr(out, "/second") != NULL,
           "both answers (%d steps): %s", i, out);
    CHECK(eof);
    if (conn) io->close(conn);
    close(fd); close(sp[0]); close(sp[1]);
    rig_down(&g);
}

/* ---- the own server handshake (fmcp__fs_*) and the fallback to BearSSL ---- */

/* Which handshake answered shows in the ServerHello: the own one sends no
 * session id (nothing is cached), BearSSL's a 32-byte one. */
static void answered_by(rig *g, const char *args, int own, const char *expect)
{
    char a[700], out[32768];
#ifdef FASTMCP_TLS_BEARSSL_HANDSHAKE
    own = 0;                                /* the option leaves every handshake to BearSSL */
#endif
    snprintf(a, sizeof a, "-servername localhost -tls1_2 -CAfile %s -verify_return_error -ign_eof %s",
             path_of("ca.crt"), args);
    (void)s_client_run(g, a, "printf 'GET /p HTTP/1.0\\r\\n\\r\\n'", out, sizeof out);
    CHECKF(strstr(out, "HTTP/1.1 200") != NULL && strstr(out, "Verify return code: 0 (ok)") != NULL,
           "[%s] no verified answer: %s", args, out);
    CHECKF((strstr(out, "Session-ID: \n") != NULL) == own, "[%s] %s handshake expected: %s", args,
           own ? "own" : "BearSSL", out);
    if (own) CHECKF(strstr(out, "Extended master secret: yes") != NULL, "[%s] EMS: %s", args, out);
    if (expect) CHECKF(strstr(out, expect) != NULL, "[%s] '%s' expected: %s", args, expect, out);
}

static void test_handshake_paths(void)
{
    rig g;
    if (!have_certs) T_SKIP("openssl could not make certificates");
    if (rig_up(&g, "ec.crt", "ec.key", "ca.crt", 0)) {
        answered_by(&g, "", 1, "X25519");
        answered_by(&g, "-cipher ECDHE-ECDSA-AES256-GCM-SHA384", 1, "ECDHE-ECDSA-AES256-GCM-SHA384");
        answered_by(&g, "-groups P-256 -cipher ECDHE-ECDSA-AES128-GCM-SHA256", 1, "prime256v1");
        answered_by(&g, "-cipher ECDHE-ECDSA-CHACHA20-POLY1305", 1, "ECDHE-ECDSA-CHACHA20-POLY1305");
        /* the client's order decides, as BearSSL's default */
        answered_by(&g, "-cipher ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256", 0, "AES128-SHA256");
        answered_by(&g, "-cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256", 1, "AES128-GCM");
        answered_by(&g, "-cipher ECDHE-ECDSA-AES128-SHA256", 0, "ECDHE-ECDSA-AES128-SHA256");
        answered_by(&g, "-sigalgs ECDSA+SHA384", 0, NULL);
        answered_by(&g, "-maxfraglen 1024", 0, NULL);
    } else CHECK(!"rig");
    rig_down(&g);
    if (rig_up(&g, "rsa.crt", "rsa.key", "ca.crt", 0)) {
        answered_by(&g, "", 1, "ECDHE-RSA-AES256-GCM-SHA384");
        answered_by(&g, "-cipher ECDHE-RSA-AES128-GCM-SHA256 -groups P-256", 1, "prime256v1");
        answered_by(&g, "-groups P-384", 0, "secp384r1");
        answered_by(&g, "-cipher ECDHE-RSA-CHACHA20-POLY1305", 1, "ECDHE-RSA-CHACHA20-POLY1305");
        answered_by(&g, "-sigalgs RSA+SHA384", 0, NULL);
    } else CHECK(!"rig");
    rig_down(&g);
}

/* Our client against the server through a relay that cuts the client's
 * bytes into records and spoils record number `rec` (0 ClientHello, 1
 * ClientKeyExchange, 2 ChangeCipherSpec, 3 Finished, 4 the request):
 * 'f' flips its last byte, 'z' zeroes the X25519 share, 'a' makes it
 * application data, 'v' gives it version 3.1, 'd' drops it, 'r' (no spoiling) renegotiates after the
 * handshake. The server must end the connection with `why`. */
static void spoil(int rec, int how, const char *why)
{
    static const char q[] = "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n";
    rig g;
    const fmcp_http_io *io;
    void *conn = NULL;
    unsigned char cb[65536], buf[16384];
    size_t cl = 0;
    int fd, sp[2], i, n = 0, sent = 0, closed = 0, answered = 0;
    if (!rig_up(&g, "ec.crt", "ec.key", "ca.crt", 0)) { CHECK(!"rig"); rig_down(&g); return; }
    io = fmcp_tls_client_io(g.tc);
    fd = relay_open(&g, io, sp, &conn);
    for (i = 0; conn && i < 4000 && !closed; i++) {
        ssize_t r;
        fmcp_http_step(g.loop, 2);
        while ((r = read(fd, buf, sizeof buf)) > 0) CHECK(send(sp[1], buf, (size_t)r, MSG_NOSIGNAL) == r);
        if (r == 0) closed = 1;
        if ((r = read(sp[1], cb + cl, sizeof cb - cl)) > 0) cl += (size_t)r;
        while (cl >= 5 && cl >= 5 + (size_t)(cb[3] << 8 | cb[4])) {   /* whole records only */
            size_t len = 5 + (size_t)(cb[3] << 8 | cb[4]);
            int drop = 0;
            if (n == rec && how == 'f') cb[len - 1] ^= 1;
            if (n == rec && how == 'z') memset(cb + 10, 0, len >= 42 ? 32 : 0);
            if (n == rec && how == 'a') cb[0] = 23;
            if (n == rec && how == 'v') cb[2] = 1;
            if (n == rec && how == 'd') drop = 1;
            if (!drop) CHECK(send(fd, cb, len, MSG_NOSIGNAL) == (ssize_t)len);
            memmove(cb, cb + len, cl - len);
            cl -= len;
            n++;
        }
        if (!sent && io->write(conn, "", 0) == 0) {
            if (how == 'r') br_ssl_engine_renegotiate(((fmcp__tls_conn *)conn)->eng);
            (void)io->write(conn, q, sizeof q - 1);
            sent = 1;
        }
        if (sent && io->read(conn, buf, sizeof buf) > 0) answered = 1;
    }
    CHECKF(closed, "[%d %c] the server kept the connection", rec, how);
    CHECKF(!answered, "[%d %c] answered", rec, how);
    CHECKF(fmcp_tls_server_last_error(g.ts) && strcmp(fmcp_tls_server_last_error(g.ts), why) == 0,
           "[%d %c] server error '%s', expected '%s'", rec, how,
           fmcp_tls_server_last_error(g.ts) ? fmcp_tls_server_last_error(g.ts) : "(none)", why);
    if (conn) io->close(conn);
    close(fd); close(sp[0]); close(sp[1]);
    rig_down(&g);
}

static void test_handshake_spoiled(void)
{
    if (!have_certs) T_SKIP("openssl could not make certificates");
#ifdef FASTMCP_TLS_BEARSSL_HANDSHAKE
    T_SKIP("the own handshake is compiled out (FASTMCP_TLS_BEARSSL_HANDSHAKE)");
#endif
    spoil(1, 'z', "bad ECDHE point");
    spoil(1, 'f', "bad record MAC");            /* another point: other keys */
    spoil(2, 'a', "data before the handshake ended");
    spoil(1, 'v', "bad record version");
    spoil(3, 'v', "bad record version");
    spoil(2, 'd', "unexpected handshake message");
    spoil(3, 'f', "bad record MAC");
    spoil(4, 'f', "bad record MAC");
    spoil(99, 'r', "renegotiation refused");
}

static void test_s_client_p256_rsa(void) { s_client_p256("rsa.crt", "rsa.key", "ECDHE-RSA-"); }
static void test_s_client_p256_ec(void) { s_client_p256("ec.crt", "ec.key", "ECDHE-ECDSA-"); }

int main(void)
{
    have_certs = make_certs();
    if (!have_certs) fprintf(stderr, "openssl missing or failed (see %s/log.txt): TLS cases skip\n", dir);
    T_RUN(test_https_needs_transport);
    T_RUN(test_anchors);
    T_RUN(test_server_keys);
    T_RUN(test_roundtrip_rsa);
    T_RUN(test_roundtrip_ec);
    T_RUN(test_roundtrip_rsa1024);
    T_RUN(test_refusals);
    T_RUN(test_expired);
    T_RUN(test_insecure_option_warns);
    T_RUN(test_handshake_timeout);
    T_RUN(test_alloc_failures);
    T_RUN(test_x25519_vs_bearssl);
#ifndef FMCP_TEST_SHARED_IMPL
    T_RUN(test_ec_hook_vs_bearssl);
    T_RUN(test_ecdsa_hooks);
#endif
    T_RUN(test_s_client_p256_rsa);
    T_RUN(test_s_client_p256_ec);
    T_RUN(test_close_notify);
    T_RUN(test_pipelined_records);
    T_RUN(test_handshake_paths);
    T_RUN(test_handshake_spoiled);
    if (have_certs) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return t_finish("tls");
}
