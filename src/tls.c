/* tls: implementation (BearSSL under the http transport seam) */
#include "base.h"
#include "http.h"
#include "rsa.h"
#include "rsakey.h"
#include "x25519.h"
#include "ec.h"
#include "tls.h"

#include <string.h>
#include <stdlib.h>

#if defined(FASTMCP_WITH_BEARSSL) && !defined(FASTMCP_NO_SOCKETS)

#include <bearssl.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/socket.h>
#ifndef MSG_NOSIGNAL
#  define MSG_NOSIGNAL 0
#endif

#define FMCP__TLS_DAYS_TO_1970 719528u   /* days from 0000-01-01 to 1970-01-01 */

FASTMCP_API int fmcp_tls_available(void) { return 1; }

/* ---- the toolkit's buffer (PEM output, DNs, files) ----------------------- */

/* BearSSL sink callback into an fmcp__buf; the buffers may hold key material,
 * so they are all made with secret set (wiped on growth and free). */
static void fmcp__tls_buf_sink(void *ctx, const void *data, size_t n)
{
    if (n) fmcp__buf_put((fmcp__buf *)ctx, data, n);
}

#ifndef FASTMCP_NO_FILESYSTEM
static fmcp_result fmcp__tls_read_file(const char *path, fmcp__buf *out)
{
    unsigned char chunk[4096];
    size_t n;
    int bad;
    FILE *f = fopen(path, "rb");
    if (!f) return FMCP_ERR_NOT_FOUND;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) fmcp__tls_buf_sink(out, chunk, n);
    bad = ferror(f);
    fclose(f);
    fmcp_wipe(chunk, sizeof chunk);
    if (out->err) return FMCP_ERR_NOMEM;
    return bad ? FMCP_ERR_IO : FMCP_OK;
}
#endif

/* PEM from memory, else from a file (files need the filesystem). */
static fmcp_result fmcp__tls_load(const char *pem, size_t pem_len, const char *path, fmcp__buf *out)
{
    if (pem) {
        fmcp__tls_buf_sink(out, pem, pem_len);
        return out->err ? FMCP_ERR_NOMEM : FMCP_OK;
    }
    if (!path || !*path) return FMCP_ERR_INVALID_ARG;
#ifndef FASTMCP_NO_FILESYSTEM
    return fmcp__tls_read_file(path, out);
#else
    return FMCP_ERR_UNSUPPORTED;
#endif
}

/* ---- PEM walking --------------------------------------------------------------- */

typedef fmcp_result (*fmcp__tls_pem_fn)(void *ctx, const char *name, const unsigned char *der, size_t len);

typedef struct fmcp__tls_pem {
    br_pem_decoder_context pc;
    fmcp__buf der;
    char name[64];
    int inobj;
    fmcp__tls_pem_fn fn;
    void *ctx;
} fmcp__tls_pem;

static fmcp_result fmcp__tls_pem_event(fmcp__tls_pem *s)
{
    switch (br_pem_decoder_event(&s->pc)) {
    case BR_PEM_BEGIN_OBJ: {
        const char *nm = br_pem_decoder_name(&s->pc);
        size_t n = strlen(nm);
        if (n >= sizeof s->name) n = sizeof s->name - 1;
        memcpy(s->name, nm, n); s->name[n] = 0;
        s->der.len = 0; s->inobj = 1;
        return FMCP_OK;
    }
    case BR_PEM_END_OBJ:
        s->inobj = 0;
        if (s->der.err) return FMCP_ERR_NOMEM;
        return s->fn(s->ctx, s->name, (const unsigned char *)s->der.p, s->der.len);
    case BR_PEM_ERROR:
        return FMCP_ERR_PARSE;
    default:
        return FMCP_OK;
    }
}

/* Call fn for every PEM object in text, with its name and DER bytes. */
static fmcp_result fmcp__tls_pem_each(const fmcp_allocator *a, const unsigned char *text, size_t len,
                                      fmcp__tls_pem_fn fn, void *ctx)
{
    fmcp__tls_pem s;
    fmcp_result r = FMCP_OK;
    int pass;
    memset(&s, 0, sizeof s);
    fmcp__buf_init(&s.der, a, 1);
    s.fn = fn; s.ctx = ctx;
    br_pem_decoder_init(&s.pc);
    br_pem_decoder_setdest(&s.pc, fmcp__tls_buf_sink, &s.der);
    /* a final newline ends an object whose last line has none */
    for (pass = 0; pass < 2 && r == FMCP_OK; pass++) {
        const unsigned char *p = pass ? (const unsigned char *)"\n" : text;
        size_t n = pass ? 1 : len;
        while (n > 0 && r == FMCP_OK) {
            size_t k = br_pem_decoder_push(&s.pc, p, n);
            p += k; n -= k;
            r = fmcp__tls_pem_event(&s);
        }
    }
    if (r == FMCP_OK && s.inobj) r = FMCP_ERR_PARSE;
    fmcp__buf_free(&s.der);
    fmcp_wipe(&s.pc, sizeof s.pc);
    return r;
}

/* ---- error texts ------------------------------------------------------------------ */

static const char *fmcp__tls_err_text(int err)
{
    if (err == BR_ERR_X509_NOT_TRUSTED) return "certificate not trusted";
    if (err == BR_ERR_X509_EXPIRED) return "certificate expired or not yet valid";
    if (err == BR_ERR_X509_BAD_SERVER_NAME) return "server name mismatch";
    if (err == BR_ERR_UNSUPPORTED_VERSION || err == BR_ERR_BAD_VERSION) return "TLS version refused (1.2 required)";
    if (err >= BR_ERR_SEND_FATAL_ALERT) return "handshake failed (we sent a fatal alert)";
    if (err >= BR_ERR_RECV_FATAL_ALERT) return "peer sent a fatal alert";
    if (err >= BR_ERR_X509_OK) return "certificate rejected";
    if (err == BR_ERR_IO) return "I/O error";
    return "TLS protocol error";
}

/* ---- objects --------------------------------------------------------------------- */

struct fmcp_tls_client {
    fmcp_allocator alloc;
    size_t size;
    fmcp_http_io tr;
    br_x509_trust_anchor *tas;
    size_t *tasz;               /* size of each anchor's block (starts at dn.data) */
    size_t nta, cap, szcap;
    int insecure;
    fmcp_tls_log_fn log;
    void *log_user;
    const char *last_err;
};

struct fmcp_tls_server {
    fmcp_allocator alloc;
    size_t size;
    fmcp_http_io tr;
    br_x509_certificate *chain;
    size_t nchain, cap;
    int key_type;               /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC, 0 = none yet */
    unsigned issuer_type;
    br_rsa_private_key rsa;
    br_ec_private_key ec;
    fmcp_rsa_private_key fkey;  /* the same RSA key for the rsa module (have_fkey) */
    int have_fkey;
    fmcp_ec_private_key fec;    /* the same EC key for the ec module (have_fec) */
    int have_fec;
    unsigned char *keymem;
    size_t keylen;
    int timeout_ms;
    fmcp_http_loop *loop;
    const char *last_err;
    unsigned char *certmsg;     /* the Certificate handshake message, for the own handshake */
    size_t certmsg_len;
    int fast;                   /* 1: connections start on the own handshake (see below) */
    br_ssl_server_context tmpl; /* "full" profile, set up once: see fmcp__tls_server_init */
};

/* Verification switched off (tests only): take the leaf key as it is. */
typedef struct fmcp__tls_noverify {
    const br_x509_class *vtable;
    br_x509_decoder_context dc;
    const br_x509_pkey *pkey;
    int ncert;
} fmcp__tls_noverify;

typedef struct fmcp__tls_cside {
    br_ssl_client_context cc;
    br_x509_minimal_context xc;
    fmcp__tls_noverify nv;
} fmcp__tls_cside;

/* A server connection on the own handshake (see fmcp__fs_next). */
enum { FMCP__FS_HELLO = 1, FMCP__FS_KEYX, FMCP__FS_CCS, FMCP__FS_FIN, FMCP__FS_APP, FMCP__FS_DEAD };
typedef struct fmcp__tls_fast {
    int st, curve, reneg, ems, rin, rout, eof;
    unsigned suite;
    size_t klen, ivlen;             /* record key and fixed IV bytes */
    size_t ohead;                   /* bytes before the plaintext in an output record */
    const br_hash_class *hc;        /* transcript and PRF hash */
    br_hash_compat_context th;      /* transcript */
    unsigned char cr[32], sr[32], eph[32], ms[48];
    size_t ipos, ilen;              /* input records in iobuf[ipos, ilen) */
    size_t opos, olen;              /* output not yet sent */
    unsigned char *app;             /* decrypted application data not yet read */
    size_t app_len;
    unsigned char hs[160];          /* a handshake message split over records */
    size_t hs_len;
    union { br_sslrec_gcm_context gcm; br_sslrec_chapol_context chapol; } in, out;
} fmcp__tls_fast;

typedef union fmcp__tls_side {
    fmcp__tls_cside c;
    br_ssl_server_context sc;
    fmcp__tls_fast f;
} fmcp__tls_side;

typedef struct fmcp__tls_conn {
    br_ssl_engine_context *eng;
    const fmcp_allocator *a;
    fmcp_tls_client *cli;       /* exactly one of cli/srv */
    fmcp_tls_server *srv;
    int fd, hs_done, ended;     /* ended: close_notify sent */
    int fast;                   /* u.f runs the connection, not a BearSSL engine */
    unsigned char *pre;         /* bytes the own handshake read, replayed into BearSSL's */
    size_t pre_pos, pre_len, pre_cap;
    size_t owed;                /* app bytes taken before a WANT_WRITE */
    int64_t deadline;
    uint64_t timer;
    fmcp__tls_side u;
    size_t stage_pos, stage_len;  /* socket bytes read ahead, not yet given to the engine */
    unsigned char stage[2048];
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
} fmcp__tls_conn;

static void fmcp__tls_set_err(fmcp__tls_conn *t, const char *msg)
{
    if (t->cli) t->cli->last_err = msg; else t->srv->last_err = msg;
}

static long fmcp__fs_read(fmcp__tls_conn *t, void *buf, size_t n);
static long fmcp__fs_write(fmcp__tls_conn *t, const void *buf, size_t n);
static size_t fmcp__fs_pending(const fmcp__tls_conn *t);
static void fmcp__fs_end(fmcp__tls_conn *t);
#define FMCP__FS_FELL (-100L)       /* the connection now runs on BearSSL's engine */

/* ---- the no-verify X.509 class ------------------------------------------------------ */

static fmcp__tls_noverify *fmcp__tls_nv(const br_x509_class **ctx)
{
    return (fmcp__tls_noverify *)(void *)ctx;
}

static void fmcp__tls_nv_start_chain(const br_x509_class **ctx, const char *server_name)
{
    (void)server_name;
    fmcp__tls_nv(ctx)->ncert = 0;
    fmcp__tls_nv(ctx)->pkey = NULL;
}

static void fmcp__tls_nv_start_cert(const br_x509_class **ctx, uint32_t length)
{
    (void)length;
    if (fmcp__tls_nv(ctx)->ncert == 0) br_x509_decoder_init(&fmcp__tls_nv(ctx)->dc, 0, 0);
}

static void fmcp__tls_nv_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    if (fmcp__tls_nv(ctx)->ncert == 0) br_x509_decoder_push(&fmcp__tls_nv(ctx)->dc, buf, len);
}

static void fmcp__tls_nv_end_cert(const br_x509_class **ctx)
{
    fmcp__tls_nv(ctx)->ncert++;
}

static unsigned fmcp__tls_nv_end_chain(const br_x509_class **ctx)
{
    fmcp__tls_noverify *nv = fmcp__tls_nv(ctx);
    nv->pkey = nv->ncert ? br_x509_decoder_get_pkey(&nv->dc) : NULL;
    return nv->pkey ? 0 : BR_ERR_X509_EMPTY_CHAIN;
}

static const br_x509_pkey *fmcp__tls_nv_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    const fmcp__tls_noverify *nv = (const fmcp__tls_noverify *)(const void *)ctx;
    if (usages) *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
    return nv->pkey;
}

static const br_x509_class fmcp__tls_nv_class = {
    sizeof(fmcp__tls_noverify),
    fmcp__tls_nv_start_chain, fmcp__tls_nv_start_cert, fmcp__tls_nv_append,
    fmcp__tls_nv_end_cert, fmcp__tls_nv_end_chain, fmcp__tls_nv_get_pkey
};

/* ---- socket I/O under the engine ------------------------------------------------------ */

/* Push pending records: 1 when none is left, else WANT_WRITE or ERROR. */
static long fmcp__tls_send_records(fmcp__tls_conn *t)
{
    while (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC) {
        size_t len;
        unsigned char *p = br_ssl_engine_sendrec_buf(t->eng, &len);
        ssize_t r = send(t->fd, p, len, MSG_NOSIGNAL);
        if (r > 0) { br_ssl_engine_sendrec_ack(t->eng, (size_t)r); continue; }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return FMCP_HTTP_IO_WANT_WRITE;
        return FMCP_HTTP_IO_ERROR;
    }
    return 1;
}

/* Give the engine what it asks for: 1, 0 at EOF, WANT_READ or ERROR.
 * BearSSL asks for a record's 5-byte header, then for its body, so reading
 * exactly that costs two recv calls per record. A short request is read
 * ahead into t->stage instead (one call for header, body and whatever
 * follows); a large body still goes straight into the engine's buffer. */
static long fmcp__tls_recv_record(fmcp__tls_conn *t)
{
    size_t len, k;
    unsigned char *p = br_ssl_engine_recvrec_buf(t->eng, &len);
    if (t->pre_len) {                   /* what the own handshake read first */
        k = len < t->pre_len ? len : t->pre_len;
        memcpy(p, t->pre + t->pre_pos, k);
        t->pre_pos += k;
        t->pre_len -= k;
        if (!t->pre_len) { fmcp_free(t->a, t->pre, t->pre_cap); t->pre = NULL; }
        br_ssl_engine_recvrec_ack(t->eng, k);
        return 1;
    }
    while (t->stage_len == 0) {
        int direct = len >= sizeof t->stage;
        ssize_t r = recv(t->fd, direct ? p : t->stage, direct ? len : sizeof t->stage, 0);
        if (r > 0 && direct) { br_ssl_engine_recvrec_ack(t->eng, (size_t)r); return 1; }
        if (r > 0) { t->stage_pos = 0; t->stage_len = (size_t)r; break; }
        if (r == 0) return 0;
        if (errno == EINTR) continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? FMCP_HTTP_IO_WANT_READ : FMCP_HTTP_IO_ERROR;
    }
    k = len < t->stage_len ? len : t->stage_len;
    memcpy(p, t->stage + t->stage_pos, k);
    t->stage_pos += k;
    t->stage_len -= k;
    br_ssl_engine_recvrec_ack(t->eng, k);
    return 1;
}

/* The engine closed: 0 after a close_notify, else ERROR (reason kept). */
static long fmcp__tls_closed(fmcp__tls_conn *t)
{
    int err = br_ssl_engine_last_error(t->eng);
    if (err == BR_ERR_OK) return 0;
    fmcp__tls_set_err(t, fmcp__tls_err_text(err));
    return FMCP_HTTP_IO_ERROR;
}

static void fmcp__tls_handshake_done(fmcp__tls_conn *t)
{
    t->hs_done = 1;
    if (t->timer && t->srv && t->srv->loop) fmcp_http_timer_cancel(t->srv->loop, t->timer);
    t->timer = 0;
}

/* Run the engine until `want` (BR_SSL_RECVAPP or BR_SSL_SENDAPP) is
 * possible: 1, 0 at a clean end of stream, or an FMCP_HTTP_IO_* code. */
static long fmcp__tls_pump(fmcp__tls_conn *t, unsigned want)
{
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        long r;
        if (st & BR_SSL_CLOSED) return fmcp__tls_closed(t);
        if (!t->hs_done && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) fmcp__tls_handshake_done(t);
        if (!t->hs_done && fmcp_monotonic_ms() > t->deadline) {
            fmcp__tls_set_err(t, "handshake timed out");
            return FMCP_HTTP_IO_ERROR;
        }
        if (st & BR_SSL_SENDREC) {
            r = fmcp__tls_send_records(t);
            if (r == 1) continue;
            if (r != FMCP_HTTP_IO_WANT_WRITE || !(st & want)) return r;
        }
        if (st & want) return 1;
        if (!(st & BR_SSL_RECVREC)) return want == BR_SSL_SENDAPP ? FMCP_HTTP_IO_WANT_WRITE : FMCP_HTTP_IO_WANT_READ;
        r = fmcp__tls_recv_record(t);
        if (r == 1) continue;
        if (r == 0 && !t->hs_done) {
            fmcp__tls_set_err(t, "connection closed during the handshake");
            return FMCP_HTTP_IO_ERROR;
        }
        return r;
    }
}

static long fmcp__tls_read(void *conn, void *buf, size_t n)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)conn;
    size_t got = 0;
    if (!n) return FMCP_HTTP_IO_WANT_READ;
    if (t->fast) {
        long r = fmcp__fs_read(t, buf, n);
        if (r != FMCP__FS_FELL) return r;
    }
    /* Once something was read, no more from the socket (read-ahead bytes
     * are used up first), so what stays decrypted inside the engine is
     * bounded by one record. */
    while (got < n) {
        size_t len, k;
        unsigned char *p;
        long r;
        if (got && !(br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) && !t->stage_len) break;
        r = fmcp__tls_pump(t, BR_SSL_RECVAPP);
        if (r != 1) return got ? (long)got : r;
        p = br_ssl_engine_recvapp_buf(t->eng, &len);
        k = len < n - got ? len : n - got;
        memcpy((unsigned char *)buf + got, p, k);
        br_ssl_engine_recvapp_ack(t->eng, k);
        got += k;
    }
    return (long)got;
}

static long fmcp__tls_write(void *conn, const void *buf, size_t n)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)conn;
    size_t len, k;
    unsigned char *p;
    long r;
    if (t->fast) {
        r = fmcp__fs_write(t, buf, n);
        if (r != FMCP__FS_FELL) return r;
    }
    r = fmcp__tls_pump(t, BR_SSL_SENDAPP);
    if (r != 1) return r == 0 ? FMCP_HTTP_IO_ERROR : r;
    if (t->owed) {              /* the retry of a write whose records are now out */
        k = t->owed < n ? t->owed : n;
        t->owed = 0;
        return (long)k;
    }
    if (!n) return 0;
    p = br_ssl_engine_sendapp_buf(t->eng, &len);
    k = len < n ? len : n;
    memcpy(p, buf, k);
    br_ssl_engine_sendapp_ack(t->eng, k);
    br_ssl_engine_flush(t->eng, 0);
    r = fmcp__tls_send_records(t);
    if (r == FMCP_HTTP_IO_WANT_WRITE) { t->owed = k; return r; }
    return r == 1 ? (long)k : r;
}

/* Decrypted bytes waiting in the engine, and bytes read ahead: no socket
 * event will announce them. (The next read hands all read-ahead bytes to
 * the engine, so a partial record there cannot keep a caller spinning.) */
static size_t fmcp__tls_pending(void *conn)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)conn;
    size_t len = 0;
    if (t->fast) return fmcp__fs_pending(t);
    if (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) return 0;   /* nothing more will be read */
    if (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) (void)br_ssl_engine_recvapp_buf(t->eng, &len);
    return len + t->stage_len + t->pre_len;
}

/* The close_notify (RFC 5246 7.2.1: sent before closing the write side;
 * OpenSSL 3 reports a stream that ends without it as an error), once,
 * best effort: the 31-byte alert fits any socket buffer. */
static void fmcp__tls_end(void *conn)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)conn;
    if (t->fast) { fmcp__fs_end(t); return; }
    if (t->hs_done && !t->ended && !(br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED)) {
        t->ended = 1;
        br_ssl_engine_close(t->eng);
        (void)fmcp__tls_send_records(t);
    }
}

static void fmcp__tls_close(void *conn)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)conn;
    const fmcp_allocator *a = t->a;
    if (t->timer && t->srv && t->srv->loop) fmcp_http_timer_cancel(t->srv->loop, t->timer);
    fmcp__tls_end(t);
    if (t->pre) fmcp_free(a, t->pre, t->pre_cap);
    fmcp_wipe(t, sizeof *t);               /* session keys */
    fmcp_free(a, t, sizeof *t);
}

/* ---- EC through the x25519 and ec modules -------------------------------------------------
 * BearSSL's EC hook (br_ec_impl): Curve25519 goes to fmcp_x25519 and NIST
 * P-256 and P-384 to the ec module (64-bit limbs; Debian's BearSSL has only
 * its 31-bit and 15-bit code, 2.5x to 6x slower), P-521 to BearSSL's
 * default implementation. BearSSL's conventions for Curve25519 are kept
 * (checked against its c25519 code in test_tls): 32-byte little-endian
 * points, the scalar little-endian as in RFC 7748 (a shorter one
 * zero-extended), "order" 2^255 - 1 to size its random ECDHE key, X at
 * offset 0. The NIST curves keep BearSSL's encodings (uncompressed points,
 * big-endian scalars; test_tls checks mul, mulgen and muladd against
 * br_ec_prime_i31 and _i15, bad points included), so generator, order
 * and xoff stay BearSSL's. Only with 64-bit limbs: our 32-bit field code
 * (FASTMCP_NO_INT128) is not faster than BearSSL's, which then stays. */
#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)
#  define FMCP__TLS_OWN_EC 1
#else
#  define FMCP__TLS_OWN_EC 0
#endif

/* The ec module's curve for a BearSSL curve id, FMCP_EC_NONE for others. */
static fmcp_ec_curve fmcp__tls_nist(int curve)
{
    if (curve == BR_EC_secp256r1) return FMCP_EC_P256;
    if (curve == BR_EC_secp384r1) return FMCP_EC_P384;
    return FMCP_EC_NONE;
}

static const unsigned char *fmcp__tls_ec_generator(int curve, size_t *len)
{
    static const unsigned char nine[32] = { 9 };
    if (curve != BR_EC_curve25519) return br_ec_get_default()->generator(curve, len);
    *len = 32;
    return nine;
}

static const unsigned char *fmcp__tls_ec_order(int curve, size_t *len)
{
    static const unsigned char ord[32] = {
        0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
    };
    if (curve != BR_EC_curve25519) return br_ec_get_default()->order(curve, len);
    *len = 32;
    return ord;
}

static size_t fmcp__tls_ec_xoff(int curve, size_t *len)
{
    if (curve != BR_EC_curve25519) return br_ec_get_default()->xoff(curve, len);
    *len = 32;
    return 0;
}

/* k = BearSSL's Curve25519 scalar x (little-endian, up to 32 bytes)
 * zero-extended to the 32 bytes fmcp_x25519 takes; 0 when x is longer. */
static int fmcp__tls_c25519_scalar(unsigned char k[32], const unsigned char *x, size_t xlen)
{
    if (xlen > 32) return 0;
    memset(k, 0, 32);
    memcpy(k, x, xlen);
    return 1;
}

/* G = x * G; 0 for a bad point or length, or an all-zero X25519 result (a
 * small-order peer point: RFC 8422 says to abort, BearSSL's own code does
 * not check). */
static uint32_t fmcp__tls_ec_mul(unsigned char *G, size_t Glen, const unsigned char *x, size_t xlen, int curve)
{
    unsigned char k[32];
    fmcp_result r;
    if (fmcp__tls_nist(curve)) return (uint32_t)fmcp__ec_raw_mul(fmcp__tls_nist(curve), G, Glen, x, xlen);
    if (curve != BR_EC_curve25519) return br_ec_get_default()->mul(G, Glen, x, xlen, curve);
    if (Glen != 32 || !fmcp__tls_c25519_scalar(k, x, xlen)) return 0;
    r = fmcp_x25519(G, k, G);
    fmcp_wipe(k, sizeof k);
    return r == FMCP_OK;
}

/* The ECDHE key share: Curve25519 through fmcp_x25519_base (a fixed-base
 * comb, half the ladder's work). */
static size_t fmcp__tls_ec_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve)
{
    unsigned char k[32];
    fmcp_result r;
    if (fmcp__tls_nist(curve)) return fmcp__ec_raw_mulgen(fmcp__tls_nist(curve), R, x, xlen);
    if (curve != BR_EC_curve25519) return br_ec_get_default()->mulgen(R, x, xlen, curve);
    if (!fmcp__tls_c25519_scalar(k, x, xlen)) return 0;
    r = fmcp_x25519_base(R, k);
    fmcp_wipe(k, sizeof k);
    return r == FMCP_OK ? 32 : 0;
}

/* x A + y B (B NULL: the generator); Curve25519 has no such operation. */
static uint32_t fmcp__tls_ec_muladd(unsigned char *A, const unsigned char *B, size_t len,
                                    const unsigned char *x, size_t xlen,
                                    const unsigned char *y, size_t ylen, int curve)
{
    if (fmcp__tls_nist(curve))
        return (uint32_t)fmcp__ec_raw_muladd(fmcp__tls_nist(curve), A, B, len, x, xlen, y, ylen);
    return br_ec_get_default()->muladd(A, B, len, x, xlen, y, ylen, curve);
}

/* P-256, P-384 and Curve25519 (ours), P-521 (BearSSL). */
static const br_ec_impl fmcp__tls_ec = {
    ((uint32_t)1 << BR_EC_secp256r1) | ((uint32_t)1 << BR_EC_secp384r1) |
        ((uint32_t)1 << BR_EC_secp521r1) | ((uint32_t)1 << BR_EC_curve25519),
    fmcp__tls_ec_generator, fmcp__tls_ec_order, fmcp__tls_ec_xoff,
    fmcp__tls_ec_mul, fmcp__tls_ec_mulgen, fmcp__tls_ec_muladd
};

/* ---- ECDSA through the ec module (BearSSL's iecdsa hooks, "asn1" format) ---------------------
 * Verification (the client's check of a ServerKeyExchange signature and of
 * ECDSA-signed certificates) is fmcp_ecdsa_verify: public data, wNAF, no
 * inversion; signatures must be strict DER (as OpenSSL requires too).
 * Signing (the server's ServerKeyExchange) is fmcp_ecdsa_sign_hedged: RFC
 * 6979 nonces with 32 fresh random bytes mixed in, constant time. Any
 * digest the peer asked for is signed as given (leftmost bits, FIPS 186-5).
 * P-521 keys go to BearSSL's i31 code. */
static uint32_t fmcp__tls_ecdsa_vrfy(const br_ec_impl *impl, const void *hash, size_t hash_len,
                                     const br_ec_public_key *pk, const void *sig, size_t sig_len)
{
    fmcp_ec_curve c = fmcp__tls_nist(pk->curve);
    fmcp_ec_public_key pub;
    unsigned char raw[FMCP_EC_MAX_SIG];
    if (!c) return br_ecdsa_i31_vrfy_asn1(impl, hash, hash_len, pk, sig, sig_len);
    if (fmcp_ec_public_from_sec1(&pub, c, pk->q, pk->qlen) != FMCP_OK) return 0;
    if (fmcp_ecdsa_sig_from_der(c, (const unsigned char *)sig, sig_len, raw) != FMCP_OK) return 0;
    return fmcp_ecdsa_verify(&pub, (const unsigned char *)hash, hash_len, raw, 2 * fmcp_ec_size(c)) == FMCP_OK;
}

/* The key as the ec module wants it: d of exactly the curve's size (a
 * shorter encoding zero-extended) and its public point. */
static fmcp_result fmcp__tls_ec_key(const br_ec_private_key *sk, fmcp_ec_private_key *out)
{
    fmcp_ec_curve c = fmcp__tls_nist(sk->curve);
    size_t n = fmcp_ec_size(c), i = 0;
    unsigned char d[FMCP_EC_MAX_BYTES];
    fmcp_result r;
    if (!c) return FMCP_ERR_UNSUPPORTED;
    while (i < sk->xlen && sk->xlen - i > n && sk->x[i] == 0) i++;   /* length and leading zeros: not secret */
    if (sk->xlen - i > n) return FMCP_ERR_BAD_KEY;
    memset(d, 0, sizeof d);
    memcpy(d + n - (sk->xlen - i), sk->x + i, sk->xlen - i);
    r = fmcp_ec_private_from_bytes(out, c, d, n);
    fmcp_wipe(d, sizeof d);
    return r;
}

/* The server's key (`sk` is always &server->ec, the only key given to this
 * hook) was converted once by fmcp_tls_server_create. */
static size_t fmcp__tls_ecdsa_sign(const br_ec_impl *impl, const br_hash_class *hf, const void *hash_value,
                                   const br_ec_private_key *sk, void *sig)
{
    const fmcp_tls_server *s = (const fmcp_tls_server *)(const void *)
        ((const unsigned char *)sk - offsetof(fmcp_tls_server, ec));
    size_t hlen = (size_t)((hf->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK), n, len = 0;
    unsigned char raw[FMCP_EC_MAX_SIG];
    fmcp_result r;
    if (!s->have_fec) return br_ecdsa_i31_sign_asn1(impl, hf, hash_value, sk, sig);
    n = fmcp_ec_size(s->fec.pub.curve);
    r = fmcp_ecdsa_sign_hedged(&s->fec, (const unsigned char *)hash_value, hlen, raw);
    /* 2 (3 + size) bytes at most: what BearSSL's callers reserve */
    if (r == FMCP_OK) r = fmcp_ecdsa_sig_to_der(s->fec.pub.curve, raw, (unsigned char *)sig, 2 * (3 + n) + 2, &len);
    fmcp_wipe(raw, sizeof raw);
    return r == FMCP_OK ? len : 0;
}

/* ---- RSA signatures through the rsa module ---------------------------------------------------
 * The ServerKeyExchange signature of the ECDHE_RSA suites (BearSSL's irsasign
 * hook). With SHA-256 (what current clients ask for) it is the rsa module's
 * fmcp_rsa_sign_sha256: CRT with constant-time fixed-window exponentiation,
 * exponent blinding, and the result checked with the public key before it
 * leaves (faster than BearSSL's i62 code here). Other hashes, and keys the
 * module refuses, keep BearSSL's signer. The hook gets only the key: `sk`
 * is always &server->rsa (the only key registered with this hook), so the
 * server object is found from it. */
static uint32_t fmcp__tls_rsa_sign(const unsigned char *hash_oid, const unsigned char *hash, size_t hash_len,
                                   const br_rsa_private_key *sk, unsigned char *x)
{
    const fmcp_tls_server *s = (const fmcp_tls_server *)(const void *)
        ((const unsigned char *)sk - offsetof(fmcp_tls_server, rsa));
    size_t n = (sk->n_bitlen + 7) / 8, got = 0;
    if (s->have_fkey && hash_len == 32 && hash_oid && hash_oid[0] == 9 && memcmp(hash_oid, BR_HASH_OID_SHA256, 10) == 0)
        return fmcp_rsa_sign_sha256(&s->fkey, hash, x, n, &got) == FMCP_OK && got == n;
    return s->tmpl.chain_handler.single_rsa.irsasign(hash_oid, hash, hash_len, sk, x);
}

/* ---- connection setup -------------------------------------------------------------------- */

static fmcp_result fmcp__tls_conn_new(const fmcp_allocator *a, int fd, fmcp__tls_conn **out)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)fmcp_malloc(a, sizeof *t);
    if (!t) return FMCP_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->a = a; t->fd = fd;
    *out = t;
    return FMCP_OK;
}

/* Versions, buffer and entropy (from fmcp_random_bytes, failing closed). */
static fmcp_result fmcp__tls_engine_setup(fmcp__tls_conn *t)
{
    unsigned char seed[32];
    br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof t->iobuf, 1);
    /* The seed below comes from the OS (fmcp_random_bytes): mark the OS
     * probe done so BearSSL does not run its own (cpuid and rdrand on every
     * connection; cpuid traps to the hypervisor in VMs, ~15 us each). */
    t->eng->rng_os_rand_done = 1;
    if (fmcp_random_bytes(seed, sizeof seed) != FMCP_OK) return FMCP_ERR_RANDOM;
    br_ssl_engine_inject_entropy(t->eng, seed, sizeof seed);
    fmcp_wipe(seed, sizeof seed);
    return FMCP_OK;
}

static void fmcp__tls_log(fmcp_tls_client *c, const char *msg)
{
    if (c->log) c->log(c->log_user, msg);
    else fprintf(stderr, "fastmcp: %s\n", msg);
}

static fmcp_result fmcp__tls_client_open(void *self, int fd, const char *host, void **conn)
{
    fmcp_tls_client *c = (fmcp_tls_client *)self;
    fmcp__tls_conn *t;
    int64_t now = fmcp_time_now();
    fmcp_result r;
    if (!host || !*host) return FMCP_ERR_INVALID_ARG;
    r = fmcp__tls_conn_new(&c->alloc, fd, &t);
    if (r) return r;
    t->cli = c;
    t->deadline = (int64_t)(~(uint64_t)0 >> 1);   /* the request's own timeout bounds it */
    br_ssl_client_init_full(&t->u.c.cc, &t->u.c.xc, c->tas, c->nta);
    /* validity dates against our clock hook (days since year 0, seconds in day) */
    if (now < 0) now = 0;
    br_x509_minimal_set_time(&t->u.c.xc, FMCP__TLS_DAYS_TO_1970 + (uint32_t)(now / 86400), (uint32_t)(now % 86400));
    t->eng = &t->u.c.cc.eng;
    if (FMCP__TLS_OWN_EC) {
        br_ssl_engine_set_ec(t->eng, &fmcp__tls_ec);
        br_ssl_engine_set_ecdsa(t->eng, fmcp__tls_ecdsa_vrfy);
        br_x509_minimal_set_ecdsa(&t->u.c.xc, &fmcp__tls_ec, fmcp__tls_ecdsa_vrfy);
    }
    if (c->insecure) {
        fmcp__tls_log(c, "WARNING: TLS certificate verification is OFF (insecure_skip_verify_for_tests)");
        t->u.c.nv.vtable = &fmcp__tls_nv_class;
        br_ssl_engine_set_x509(t->eng, &t->u.c.nv.vtable);
    }
    r = fmcp__tls_engine_setup(t);
    if (!r && !br_ssl_client_reset(&t->u.c.cc, host, 0)) r = FMCP_ERR_CRYPTO;
    if (r) { fmcp__tls_close(t); return r; }
    *conn = t;
    return FMCP_OK;
}

/* Loop timer: a handshake still running at its deadline is cut off; the
 * shutdown wakes the loop, whose next read fails and closes it. */
static void fmcp__tls_hs_timer(void *user)
{
    fmcp__tls_conn *t = (fmcp__tls_conn *)user;
    t->timer = 0;
    if (!t->hs_done) {
        t->deadline = 0;
        (void)shutdown(t->fd, SHUT_RDWR);
    }
}

/* Copy the implementations chosen by a "full" init (hashers, PRFs,
 * ciphers, record layers, EC): plain pointers to BearSSL's static code. */
static void fmcp__tls_copy_impls(br_ssl_engine_context *e, const br_ssl_engine_context *te)
{
    e->mhash = te->mhash;
    e->prf10 = te->prf10; e->prf_sha256 = te->prf_sha256; e->prf_sha384 = te->prf_sha384;
    e->iaes_cbcenc = te->iaes_cbcenc; e->iaes_cbcdec = te->iaes_cbcdec;
    e->iaes_ctr = te->iaes_ctr; e->iaes_ctrcbc = te->iaes_ctrcbc;
    e->ides_cbcenc = te->ides_cbcenc; e->ides_cbcdec = te->ides_cbcdec;
    e->ighash = te->ighash; e->ichacha = te->ichacha; e->ipoly = te->ipoly;
    e->icbc_in = te->icbc_in; e->icbc_out = te->icbc_out;
    e->igcm_in = te->igcm_in; e->igcm_out = te->igcm_out;
    e->ichapol_in = te->ichapol_in; e->ichapol_out = te->ichapol_out;
    e->iccm_in = te->iccm_in; e->iccm_out = te->iccm_out;
    e->iec = te->iec; e->irsavrfy = te->irsavrfy; e->iecdsa = te->iecdsa;
}

/* br_ssl_server_init_full_rsa/_ec probe the CPU on every call (about 15
 * cpuid instructions, each a trap to the hypervisor in a VM: 0.35-0.7 ms
 * per connection measured). fmcp_tls_server_create runs them once into
 * s->tmpl; each connection copies the result. */
static void fmcp__tls_server_init(const fmcp_tls_server *s, br_ssl_server_context *sc)
{
    const br_ssl_server_context *tm = &s->tmpl;
    br_ssl_server_zero(sc);
    br_ssl_engine_set_suites(&sc->eng, tm->eng.suites_buf, tm->eng.suites_num);
    fmcp__tls_copy_impls(&sc->eng, &tm->eng);
    if (FMCP__TLS_OWN_EC) {
        br_ssl_engine_set_ec(&sc->eng, &fmcp__tls_ec);
        br_ssl_engine_set_ecdsa(&sc->eng, fmcp__tls_ecdsa_vrfy);
    }
    if (s->key_type == BR_KEYTYPE_RSA)
        br_ssl_server_set_single_rsa(sc, s->chain, s->nchain, &s->rsa, tm->chain_handler.single_rsa.allowed_usages,
                                     tm->chain_handler.single_rsa.irsacore, fmcp__tls_rsa_sign);
    else
        br_ssl_server_set_single_ec(sc, s->chain, s->nchain, &s->ec, tm->chain_handler.single_ec.allowed_usages,
                                    s->issuer_type,
                                    FMCP__TLS_OWN_EC ? &fmcp__tls_ec : tm->chain_handler.single_ec.iec,
                                    FMCP__TLS_OWN_EC ? fmcp__tls_ecdsa_sign : tm->chain_handler.single_ec.iecdsa);
}

/* ---- the server handshake without BearSSL's engine ------------------------------------------
 * BearSSL runs its handshake in the T0 interpreter, and on the server that
 * costs more than nginx's whole handshake (perf: about 345 us of ~520 us
 * per P-256 handshake; its ClientHello code alone translates all 48
 * cipher-suite slots through a scan of its suite table). The common case
 * is done here in C: TLS 1.2, ECDHE over X25519 or P-256, AES-GCM or
 * ChaCha20-Poly1305, a SHA-256 signature made with our own key code (ECDSA
 * or RSA PKCS#1), no client certificate. The decision is taken on the
 * ClientHello, before any byte is sent: anything else (a client preferring
 * another suite, another version or signature hash, max_fragment_length, a
 * ClientHello split over records) is replayed into a BearSSL engine set up
 * as before, which then runs the connection. The records use BearSSL's GCM
 * and ChaCha20-Poly1305 record classes; the PRF and the transcript hash are
 * BearSSL's. RFC 5246, 8422, 5289, 7905; RFC 7627 extended master secret;
 * RFC 5746: renegotiation_info is answered, but a renegotiation is refused
 * with a fatal alert, as nginx does. Buffers: the connection's iobuf, split
 * as BearSSL splits it (input, then output). */

#define FMCP__FS_IN  BR_SSL_BUFSIZE_INPUT                 /* iobuf[0, FMCP__FS_IN): records in */
#define FMCP__FS_OUT (BR_SSL_BUFSIZE_BIDI - FMCP__FS_IN)  /* the rest: records out */

static unsigned fmcp__fs_u16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

/* The suites taken here, for the server's key type: AES-GCM with SHA-256
 * or -384, ChaCha20-Poly1305 (RFC 7905). */
static int fmcp__fs_suite_ok(const fmcp_tls_server *s, unsigned cs)
{
    if (s->key_type == BR_KEYTYPE_EC) return cs == BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ||
                                             cs == BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ||
                                             cs == BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
    return cs == BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 || cs == BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ||
           cs == BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
}

static int fmcp__fs_chapol(unsigned cs)
{
    return cs == BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 || cs == BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
}

/* A suite BearSSL's engine would take (its "full" profile for this key). */
static int fmcp__fs_bearssl_has(const fmcp_tls_server *s, unsigned cs)
{
    size_t i;
    for (i = 0; i < s->tmpl.eng.suites_num; i++) if (s->tmpl.eng.suites_buf[i] == cs) return 1;
    return 0;
}

/* server_name (RFC 6066 3): a list, filling the extension, of entries of
 * a type byte and a 2-byte-length name; BearSSL refuses others. */
static int fmcp__fs_sni_ok(const unsigned char *b, size_t len)
{
    size_t i;
    if (len < 2 || fmcp__fs_u16(b) != len - 2) return 0;
    for (i = 2; i < len; i += 3 + fmcp__fs_u16(b + i + 1))
        if (len - i < 3 || fmcp__fs_u16(b + i + 1) > len - i - 3) return 0;
    return 1;
}

/* A u16 list with a 2-byte length that fills the extension exactly:
 * 1 when `want` is in it, 0 when not, -1 when malformed. */
static int fmcp__fs_list_has(const unsigned char *b, size_t len, unsigned want)
{
    size_t i;
    int found = 0;
    if (len < 2 || fmcp__fs_u16(b) != len - 2 || (len & 1)) return -1;
    for (i = 2; i < len; i += 2) if (fmcp__fs_u16(b + i) == want) found = 1;
    return found;
}

/* Read a ClientHello body: 1 when it is taken here (client random, suite,
 * curve and renegotiation flag set), 0 to leave it to BearSSL (which also
 * judges, and answers, malformed ones). The client's order decides, as in
 * BearSSL by default: taken only when the first suite BearSSL would accept
 * is one of ours. X25519 before P-256, as BearSSL. */
static int fmcp__fs_hello_ok(const fmcp_tls_server *s, fmcp__tls_fast *f, const unsigned char *b, size_t n)
{
    unsigned want_sig = s->key_type == BR_KEYTYPE_EC ? 0x0403u : 0x0401u;   /* {ecdsa,rsa}+sha256 */
    int sig_ok = 0, x25519 = 0, p256 = 0, groups = 0, comp = 0;
    size_t i = 35, k, e;
    if (n < 35 + 2 || b[0] != 3 || b[1] < 3) return 0;
    memcpy(f->cr, b + 2, 32);
    k = b[34];                                          /* session id: ignored, none is resumed */
    if (k > 32 || i + k + 2 > n) return 0;
    i += k;
    k = fmcp__fs_u16(b + i); i += 2;
    if (k < 2 || (k & 1) || i + k + 1 > n) return 0;
    for (e = i + k; i < e; i += 2) {
        unsigned cs = fmcp__fs_u16(b + i);
        if (cs == 0x00FF) f->reneg = 1;                  /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
        if (!f->suite && fmcp__fs_suite_ok(s, cs)) f->suite = cs;
        else if (!f->suite && fmcp__fs_bearssl_has(s, cs)) return 0;   /* e.g. ChaCha20 first */
    }
    k = b[i++];
    if (i + k + 2 > n) return 0;                        /* no extensions: no signature_algorithms */
    for (e = i + k; i < e; i++) if (b[i] == 0) comp = 1;
    if (fmcp__fs_u16(b + i) != n - i - 2) return 0;
    for (i += 2; i < n; i += k) {
        unsigned type;
        int has;
        if (i + 4 > n) return 0;
        type = fmcp__fs_u16(b + i); k = fmcp__fs_u16(b + i + 2); i += 4;
        if (k > n - i) return 0;
        switch (type) {
        case 0x000A:                                    /* supported_groups */
            if ((x25519 = fmcp__fs_list_has(b + i, k, BR_EC_curve25519)) < 0) return 0;
            p256 = fmcp__fs_list_has(b + i, k, BR_EC_secp256r1);
            groups = 1;
            break;
        case 0x000D:                                    /* signature_algorithms */
            if ((has = fmcp__fs_list_has(b + i, k, want_sig)) < 0) return 0;
            sig_ok = has;
            break;
        case 0xFF01:                                    /* renegotiation_info: empty on a first handshake */
            if (k != 1 || b[i] != 0) return 0;
            f->reneg = 1;
            break;
        case 0x0000:                                    /* server_name: unused, but well formed */
            if (!fmcp__fs_sni_ok(b + i, k)) return 0;
            break;
        case 0x0017:                                    /* extended_master_secret (RFC 7627) */
            if (k != 0) return 0;
            f->ems = 1;
            break;
        case 0x0001:                                    /* max_fragment_length: BearSSL honours it */
            return 0;
        default:
            break;
        }
    }
    if (!comp || !f->suite || !sig_ok) return 0;
    if (x25519) f->curve = BR_EC_curve25519;
    else if (p256 || !groups) f->curve = BR_EC_secp256r1;  /* RFC 4492 default, as BearSSL */
    else return 0;
    return 1;
}

/* Send what is queued: 1 when all is out, else WANT_WRITE or ERROR. */
static long fmcp__fs_flush(fmcp__tls_conn *t)
{
    fmcp__tls_fast *f = &t->u.f;
    const unsigned char *ob = t->iobuf + FMCP__FS_IN;
    while (f->opos < f->olen) {
        ssize_t r = send(t->fd, ob + f->opos, f->olen - f->opos, MSG_NOSIGNAL);
        if (r > 0) { f->opos += (size_t)r; continue; }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return FMCP_HTTP_IO_WANT_WRITE;
        return FMCP_HTTP_IO_ERROR;
    }
    f->opos = f->olen = 0;
    return 1;
}

/* Queue one record holding p[0, n), encrypted once our ChangeCipherSpec is
 * out. The caller keeps n + 29 within the output space left. */
static void fmcp__fs_put(fmcp__tls_conn *t, int type, const void *p, size_t n)
{
    fmcp__tls_fast *f = &t->u.f;
    unsigned char *rec = t->iobuf + FMCP__FS_IN + f->olen;
    if (!f->rout) {
        memmove(rec + 5, p, n);
        rec[0] = (unsigned char)type; rec[1] = 3; rec[2] = 3;
        rec[3] = (unsigned char)(n >> 8); rec[4] = (unsigned char)n;
        f->olen += 5 + n;
    } else {
        const br_sslrec_out_class **oc = (const br_sslrec_out_class **)(void *)&f->out;
        size_t len = n;
        memmove(rec + f->ohead, p, n);                  /* header (and GCM's explicit nonce) go before */
        (void)(*oc)->encrypt(oc, type, BR_TLS12, rec + f->ohead, &len);
        f->olen += len;
    }
}

/* Fail the connection: a fatal alert (best effort), the reason kept. */
static long fmcp__fs_fail(fmcp__tls_conn *t, int alert, const char *why)
{
    fmcp__tls_fast *f = &t->u.f;
    unsigned char a[2];
    if (f->st != FMCP__FS_DEAD && f->olen + 64 <= FMCP__FS_OUT) {
        a[0] = 2; a[1] = (unsigned char)alert;
        fmcp__fs_put(t, 21, a, 2);
        (void)fmcp__fs_flush(t);
    }
    f->st = FMCP__FS_DEAD;
    fmcp__tls_set_err(t, why);
    return FMCP_HTTP_IO_ERROR;
}

static size_t fmcp__fs_hlen(const fmcp__tls_fast *f)
{
    return (size_t)((f->hc->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
}

static void fmcp__fs_prf(const fmcp__tls_fast *f, void *out, size_t len, const void *secret, size_t slen,
                         const char *label, const void *s1, size_t n1, const void *s2, size_t n2)
{
    br_tls_prf_seed_chunk seed[2];
    seed[0].data = s1; seed[0].len = n1;
    seed[1].data = s2; seed[1].len = n2;
    (f->hc == &br_sha384_vtable ? br_tls12_sha384_prf : br_tls12_sha256_prf)(out, len, secret, slen, label, 2, seed);
}

/* verify_data of a Finished message over the transcript so far. */
static void fmcp__fs_verify_data(const fmcp__tls_fast *f, const char *label, unsigned char out[12])
{
    br_hash_compat_context c = f->th;
    unsigned char h[48];
    f->hc->out(&c.vtable, h);
    fmcp__fs_prf(f, out, 12, f->ms, sizeof f->ms, label, h, fmcp__fs_hlen(f), NULL, 0);
}

/* The ServerKeyExchange signature over SHA-256(client random, server
 * random, params): DER ECDSA or PKCS#1 v1.5; its length, 0 on failure. */
static size_t fmcp__fs_sign(const fmcp_tls_server *s, const fmcp__tls_fast *f, const unsigned char *params,
                            size_t plen, unsigned char *sig, size_t cap)
{
    fmcp_sha256_ctx c;
    unsigned char hv[32], raw[FMCP_EC_MAX_SIG];
    size_t len = 0;
    fmcp_result r;
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, f->cr, 32);
    fmcp_sha256_update(&c, f->sr, 32);
    fmcp_sha256_update(&c, params, plen);
    fmcp_sha256_final(&c, hv);
    if (s->key_type == BR_KEYTYPE_EC) {
        r = fmcp_ecdsa_sign_hedged(&s->fec, hv, sizeof hv, raw);
        if (r == FMCP_OK) r = fmcp_ecdsa_sig_to_der(s->fec.pub.curve, raw, sig, cap, &len);
        fmcp_wipe(raw, sizeof raw);
    } else {
        r = s->fkey.pub.n_len <= cap ? fmcp_rsa_sign_sha256(&s->fkey, hv, sig, cap, &len) : FMCP_ERR_INVALID_ARG;
    }
    return r == FMCP_OK ? len : 0;
}

/* Answer a ClientHello (the whole message m[0, mlen)) with ServerHello,
 * Certificate, ServerKeyExchange and ServerHelloDone in one record. */
static long fmcp__fs_flight(fmcp__tls_conn *t, const unsigned char *m, size_t mlen)
{
    const fmcp_tls_server *s = t->srv;
    fmcp__tls_fast *f = &t->u.f;
    unsigned char *ob = t->iobuf + FMCP__FS_IN, *q = ob + 5, *ske, *params;
    size_t plen, slen, ext;
    f->hc = (f->suite == BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ||
             f->suite == BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) ? &br_sha384_vtable : &br_sha256_vtable;
    f->klen = f->hc == &br_sha384_vtable || fmcp__fs_chapol(f->suite) ? 32 : 16;
    f->ivlen = fmcp__fs_chapol(f->suite) ? 12 : 4;
    f->ohead = fmcp__fs_chapol(f->suite) ? 5 : 13;
    f->hc->init(&f->th.vtable);
    f->hc->update(&f->th.vtable, m, mlen);
    if (fmcp_random_bytes(f->sr, sizeof f->sr) != FMCP_OK || fmcp_random_bytes(f->eph, sizeof f->eph) != FMCP_OK)
        return fmcp__fs_fail(t, 80, "no randomness");
    /* ServerHello: no session id (nothing is cached); renegotiation_info
     * and extended_master_secret when the client offered them */
    ext = (size_t)(f->reneg ? 5 : 0) + (size_t)(f->ems ? 4 : 0);
    q[0] = 2; q[1] = 0; q[2] = 0; q[3] = (unsigned char)(38 + (ext ? 2 + ext : 0));
    q[4] = 3; q[5] = 3;
    memcpy(q + 6, f->sr, 32);
    q[38] = 0;
    q[39] = (unsigned char)(f->suite >> 8); q[40] = (unsigned char)f->suite;
    q[41] = 0;
    q += 42;
    if (ext) { q[0] = 0; q[1] = (unsigned char)ext; q += 2; }
    if (f->reneg) { static const unsigned char ri[5] = { 0xFF, 0x01, 0, 1, 0 }; memcpy(q, ri, 5); q += 5; }
    if (f->ems) { static const unsigned char em[4] = { 0, 0x17, 0, 0 }; memcpy(q, em, 4); q += 4; }
    memcpy(q, s->certmsg, s->certmsg_len);
    q += s->certmsg_len;
    /* ServerKeyExchange: named curve, our share, signature */
    ske = q; params = q + 4;
    params[0] = 3; params[1] = 0; params[2] = (unsigned char)f->curve;
    if (f->curve == BR_EC_secp256r1) { f->eph[0] &= 0x7F; f->eph[31] |= 1; }   /* in [1, n-1], as BearSSL */
    plen = fmcp__tls_ec_mulgen(params + 4, f->eph, sizeof f->eph, f->curve);
    if (!plen) return fmcp__fs_fail(t, 80, "ECDHE key share failed");
    params[3] = (unsigned char)plen;
    plen += 4;
    q = params + plen;
    q[0] = 4;                                           /* sha256, with ecdsa or rsa */
    q[1] = (unsigned char)(s->key_type == BR_KEYTYPE_EC ? 3 : 1);
    slen = fmcp__fs_sign(s, f, params, plen, q + 4, 520);
    if (!slen) return fmcp__fs_fail(t, 80, "ServerKeyExchange signature failed");
    q[2] = (unsigned char)(slen >> 8); q[3] = (unsigned char)slen;
    q += 4 + slen;
    ske[0] = 12; ske[1] = 0;
    ske[2] = (unsigned char)((size_t)(q - ske - 4) >> 8); ske[3] = (unsigned char)(q - ske - 4);
    q[0] = 14; q[1] = q[2] = q[3] = 0;                  /* ServerHelloDone */
    q += 4;
    f->hc->update(&f->th.vtable, ob + 5, (size_t)(q - ob - 5));
    fmcp__fs_put(t, 22, ob + 5, (size_t)(q - ob - 5));  /* in place: only the header is written */
    f->st = FMCP__FS_KEYX;
    return 1;
}

/* Hand the connection to BearSSL: the bytes read so far are replayed
 * into a fresh engine (set up as for any connection). */
static long fmcp__fs_fallback(fmcp__tls_conn *t)
{
    size_t n = t->u.f.ilen;
    unsigned char *pre = (unsigned char *)fmcp_malloc(t->a, n ? n : 1);
    if (!pre) return fmcp__fs_fail(t, 80, "out of memory");
    t->pre_cap = n ? n : 1;
    memcpy(pre, t->iobuf, n);
    fmcp_wipe(&t->u, sizeof t->u);
    t->fast = 0;
    fmcp__tls_server_init(t->srv, &t->u.sc);
    t->eng = &t->u.sc.eng;
    t->pre = pre; t->pre_len = n; t->pre_pos = 0;
    if (fmcp__tls_engine_setup(t) != FMCP_OK || !br_ssl_server_reset(&t->u.sc)) {
        fmcp__tls_set_err(t, "TLS engine setup failed");
        return FMCP_HTTP_IO_ERROR;
    }
    return FMCP__FS_FELL;
}

/* The first record: a ClientHello taken here, or the fallback. */
static long fmcp__fs_first(fmcp__tls_conn *t, const unsigned char *rec, size_t len)
{
    const unsigned char *m = rec + 5;
    if (rec[0] != 22 || rec[1] != 3 || len < 4 || m[0] != 1 || m[1] != 0 ||
        fmcp__fs_u16(m + 2) != len - 4 || !fmcp__fs_hello_ok(t->srv, &t->u.f, m + 4, len - 4))
        return fmcp__fs_fallback(t);
    return fmcp__fs_flight(t, m, len);
}

/* ClientKeyExchange: the shared secret, the master secret (RFC 5246 8.1)
 * and both directions' keys (6.3), used after the ChangeCipherSpecs. */
static long fmcp__fs_keyx(fmcp__tls_conn *t, const unsigned char *m, size_t mlen)
{
    fmcp__tls_fast *f = &t->u.f;
    const br_ssl_engine_context *te = &t->srv->tmpl.eng;
    size_t plen = f->curve == BR_EC_curve25519 ? 32 : 65, xoff = f->curve == BR_EC_curve25519 ? 0 : 1;
    unsigned char pt[65], kb[2 * 32 + 2 * 12];
    unsigned char *civ = kb + 2 * f->klen, *siv = civ + f->ivlen;
    uint32_t ok;
    if (mlen != 5 + plen || m[4] != plen) return fmcp__fs_fail(t, 50, "bad ClientKeyExchange");
    memcpy(pt, m + 5, plen);
    ok = fmcp__tls_ec_mul(pt, plen, f->eph, sizeof f->eph, f->curve);
    fmcp_wipe(f->eph, sizeof f->eph);
    if (!ok) { fmcp_wipe(pt, sizeof pt); return fmcp__fs_fail(t, 47, "bad ECDHE point"); }
    f->hc->update(&f->th.vtable, m, mlen);
    if (f->ems) {                                       /* RFC 7627: bound to the transcript so far */
        br_hash_compat_context c = f->th;
        unsigned char h[48];
        f->hc->out(&c.vtable, h);
        fmcp__fs_prf(f, f->ms, sizeof f->ms, pt + xoff, 32, "extended master secret", h, fmcp__fs_hlen(f), NULL, 0);
    } else {
        fmcp__fs_prf(f, f->ms, sizeof f->ms, pt + xoff, 32, "master secret", f->cr, 32, f->sr, 32);
    }
    fmcp_wipe(pt, sizeof pt);
    fmcp__fs_prf(f, kb, 2 * (f->klen + f->ivlen), f->ms, sizeof f->ms, "key expansion", f->sr, 32, f->cr, 32);
    if (fmcp__fs_chapol(f->suite)) {
        te->ichapol_in->init(&f->in.chapol.vtable.in, te->ichacha, te->ipoly, kb, civ);
        te->ichapol_out->init(&f->out.chapol.vtable.out, te->ichacha, te->ipoly, kb + f->klen, siv);
    } else {
        te->igcm_in->init(&f->in.gcm.vtable.in, te->iaes_ctr, kb, f->klen, te->ighash, civ);
        te->igcm_out->init(&f->out.gcm.vtable.out, te->iaes_ctr, kb + f->klen, f->klen, te->ighash, siv);
    }
    fmcp_wipe(kb, sizeof kb);
    f->st = FMCP__FS_CCS;
    return 1;
}

/* The client's Finished checked; ours sent after our ChangeCipherSpec. */
static long fmcp__fs_finished(fmcp__tls_conn *t, const unsigned char *m, size_t mlen)
{
    static const unsigned char ccs = 1;
    fmcp__tls_fast *f = &t->u.f;
    unsigned char want[12], fin[16];
    if (mlen != 16) return fmcp__fs_fail(t, 50, "bad Finished");
    fmcp__fs_verify_data(f, "client finished", want);
    if (!fmcp_ct_equal(want, m + 4, 12)) return fmcp__fs_fail(t, 51, "bad Finished");
    f->hc->update(&f->th.vtable, m, mlen);
    fin[0] = 20; fin[1] = 0; fin[2] = 0; fin[3] = 12;
    fmcp__fs_verify_data(f, "server finished", fin + 4);
    fmcp__fs_put(t, 20, &ccs, 1);
    f->rout = 1;
    fmcp__fs_put(t, 22, fin, sizeof fin);
    fmcp_wipe(f->ms, sizeof f->ms);
    f->st = FMCP__FS_APP;
    fmcp__tls_handshake_done(t);
    return 1;
}

/* Handshake bytes after the ClientHello, gathered into whole messages. */
static long fmcp__fs_handshake(fmcp__tls_conn *t, const unsigned char *p, size_t len)
{
    fmcp__tls_fast *f = &t->u.f;
    if (f->st == FMCP__FS_APP) return fmcp__fs_fail(t, 40, "renegotiation refused");
    if (f->st != FMCP__FS_KEYX && f->st != FMCP__FS_FIN) return fmcp__fs_fail(t, 10, "unexpected handshake message");
    if (len > sizeof f->hs - f->hs_len) return fmcp__fs_fail(t, 10, "unexpected handshake message");
    memcpy(f->hs + f->hs_len, p, len);
    f->hs_len += len;
    while (f->hs_len >= 4) {
        size_t mlen = 4 + ((size_t)f->hs[1] << 16 | (size_t)f->hs[2] << 8 | f->hs[3]);
        long r;
        if (mlen > f->hs_len) break;
        if (f->st == FMCP__FS_KEYX && f->hs[0] == 16) r = fmcp__fs_keyx(t, f->hs, mlen);
        else if (f->st == FMCP__FS_FIN && f->hs[0] == 20) r = fmcp__fs_finished(t, f->hs, mlen);
        else r = fmcp__fs_fail(t, 10, "unexpected handshake message");
        if (r != 1) return r;
        memmove(f->hs, f->hs + mlen, f->hs_len - mlen);
        f->hs_len -= mlen;
    }
    return 1;
}

/* 1 when a whole record waits at ibuf[ipos] (its body length in *len). */
static size_t fmcp__fs_whole(const fmcp__tls_conn *t, size_t *len)
{
    const fmcp__tls_fast *f = &t->u.f;
    const unsigned char *r = t->iobuf + f->ipos;
    size_t have = f->ilen - f->ipos;
    if (have < 5) return 0;
    *len = fmcp__fs_u16(r + 3);
    return have >= 5 + *len;
}

/* Read until a whole record waits: 1, 0 at EOF, WANT_READ or ERROR. */
static long fmcp__fs_fill(fmcp__tls_conn *t, size_t *len)
{
    fmcp__tls_fast *f = &t->u.f;
    for (;;) {
        ssize_t r;
        if (fmcp__fs_whole(t, len)) return 1;
        if (f->ilen - f->ipos >= 5 && (t->iobuf[f->ipos + 1] != 3 || *len > FMCP__FS_IN - 5)) {
            if (f->st == FMCP__FS_HELLO) return fmcp__fs_fallback(t);
            return t->iobuf[f->ipos + 1] != 3 ? fmcp__fs_fail(t, 70, "bad record version")
                                              : fmcp__fs_fail(t, 22, "record too long");
        }
        if (f->ipos) {                                  /* keep the partial record at the start */
            memmove(t->iobuf, t->iobuf + f->ipos, f->ilen - f->ipos);
            f->ilen -= f->ipos; f->ipos = 0;
        }
        r = recv(t->fd, t->iobuf + f->ilen, FMCP__FS_IN - f->ilen, 0);
        if (r > 0) { f->ilen += (size_t)r; continue; }
        if (r == 0) return 0;
        if (errno == EINTR) continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? FMCP_HTTP_IO_WANT_READ : FMCP_HTTP_IO_ERROR;
    }
}

/* Take in one record: 1, 0 at the end of the stream, FMCP__FS_FELL, or an
 * FMCP_HTTP_IO_* code. Application data is left at f->app. */
static long fmcp__fs_next(fmcp__tls_conn *t)
{
    fmcp__tls_fast *f = &t->u.f;
    unsigned char *rec, *p;
    size_t len = 0;
    long r;
    if (f->st == FMCP__FS_DEAD) return FMCP_HTTP_IO_ERROR;
    if (f->eof) return 0;
    r = fmcp__fs_flush(t);
    if (r != 1) return r;
    if (!t->hs_done && fmcp_monotonic_ms() > t->deadline) return fmcp__fs_fail(t, 40, "handshake timed out");
    r = fmcp__fs_fill(t, &len);
    if (r == 0 && !t->hs_done) { f->st = FMCP__FS_DEAD; fmcp__tls_set_err(t, "connection closed during the handshake"); }
    if (r == 0) f->eof = 1;
    if (r != 1) return r == 0 && !t->hs_done ? FMCP_HTTP_IO_ERROR : r;
    rec = t->iobuf + f->ipos;
    p = rec + 5;
    f->ipos += 5 + len;
    if (f->st == FMCP__FS_HELLO) {
        r = fmcp__fs_first(t, rec, len);
        return r == 1 ? fmcp__fs_flush(t) : r;
    }
    if (rec[1] != 3 || rec[2] != 3) return fmcp__fs_fail(t, 70, "bad record version");
    if (!f->rin && len > 16384) return fmcp__fs_fail(t, 22, "record too long");
    if (f->rin) {
        const br_sslrec_in_class **ic = (const br_sslrec_in_class **)(void *)&f->in;
        if (!(*ic)->check_length(ic, len) || !(p = (*ic)->decrypt(ic, rec[0], BR_TLS12, p, &len)))
            return fmcp__fs_fail(t, 20, "bad record MAC");
    }
    switch (rec[0]) {
    case 23:
        if (f->st != FMCP__FS_APP) return fmcp__fs_fail(t, 10, "data before the handshake ended");
        f->app = p; f->app_len = len;
        return 1;
    case 21:
        if (len != 2) return fmcp__fs_fail(t, 50, "bad alert");
        if (p[1] == 0) { f->eof = 1; return t->hs_done ? 0 : fmcp__fs_fail(t, 10, "closed during the handshake"); }
        if (p[0] == 1) return 1;                        /* other warnings: ignored */
        f->st = FMCP__FS_DEAD;
        fmcp__tls_set_err(t, "fatal alert from the peer");
        return FMCP_HTTP_IO_ERROR;
    case 20:
        if (f->st != FMCP__FS_CCS || len != 1 || p[0] != 1 || f->hs_len) return fmcp__fs_fail(t, 10, "unexpected ChangeCipherSpec");
        f->rin = 1;
        f->st = FMCP__FS_FIN;
        return 1;
    case 22:
        r = fmcp__fs_handshake(t, p, len);
        return r == 1 ? fmcp__fs_flush(t) : r;
    default:
        return fmcp__fs_fail(t, 10, "unexpected record type");
    }
}

static long fmcp__fs_read(fmcp__tls_conn *t, void *buf, size_t n)
{
    fmcp__tls_fast *f = &t->u.f;
    size_t got = 0, len;
    while (got < n) {
        long r;
        if (f->app_len) {
            size_t k = f->app_len < n - got ? f->app_len : n - got;
            memcpy((unsigned char *)buf + got, f->app, k);
            f->app += k; f->app_len -= k; got += k;
            continue;
        }
        if (got && !fmcp__fs_whole(t, &len)) break;     /* no more from the socket once something was read */
        r = fmcp__fs_next(t);
        if (r != 1) return got ? (long)got : r;
    }
    return (long)got;
}

static long fmcp__fs_write(fmcp__tls_conn *t, const void *buf, size_t n)
{
    fmcp__tls_fast *f = &t->u.f;
    size_t k;
    long r;
    while (!t->hs_done) {
        r = fmcp__fs_next(t);
        if (r != 1) return r == 0 ? FMCP_HTTP_IO_ERROR : r;
    }
    if (f->st == FMCP__FS_DEAD || t->ended) return FMCP_HTTP_IO_ERROR;
    r = fmcp__fs_flush(t);
    if (r != 1) return r;
    if (t->owed) {
        k = t->owed < n ? t->owed : n;
        t->owed = 0;
        return (long)k;
    }
    if (!n) return 0;
    k = n < 16384 ? n : 16384;
    fmcp__fs_put(t, 23, buf, k);
    r = fmcp__fs_flush(t);
    if (r == FMCP_HTTP_IO_WANT_WRITE) { t->owed = k; return r; }
    return r == 1 ? (long)k : r;
}

static size_t fmcp__fs_pending(const fmcp__tls_conn *t)
{
    size_t len;
    return t->u.f.app_len + (fmcp__fs_whole(t, &len) ? 1 : 0);
}

static void fmcp__fs_end(fmcp__tls_conn *t)
{
    static const unsigned char close_notify[2] = { 1, 0 };
    fmcp__tls_fast *f = &t->u.f;
    if (t->hs_done && !t->ended && f->st == FMCP__FS_APP && fmcp__fs_flush(t) == 1) {
        t->ended = 1;
        fmcp__fs_put(t, 21, close_notify, 2);
        (void)fmcp__fs_flush(t);
    }
}

static fmcp_result fmcp__tls_server_open(void *self, int fd, const char *host, void **conn)
{
    fmcp_tls_server *s = (fmcp_tls_server *)self;
    fmcp__tls_conn *t;
    fmcp_result r;
    (void)host;
    r = fmcp__tls_conn_new(&s->alloc, fd, &t);
    if (r) return r;
    t->srv = s;
    t->deadline = fmcp_monotonic_ms() + s->timeout_ms;
    if (s->fast) {
        t->fast = 1;
        t->u.f.st = FMCP__FS_HELLO;
        r = FMCP_OK;
    } else {
        fmcp__tls_server_init(s, &t->u.sc);
        t->eng = &t->u.sc.eng;
        r = fmcp__tls_engine_setup(t);
        if (!r && !br_ssl_server_reset(&t->u.sc)) r = FMCP_ERR_CRYPTO;
    }
    if (!r && s->loop) r = fmcp_http_timer_add(s->loop, s->timeout_ms, fmcp__tls_hs_timer, t, &t->timer);
    if (r) { t->timer = 0; fmcp__tls_close(t); return r; }
    *conn = t;
    return FMCP_OK;
}

/* ---- trust anchors ---------------------------------------------------------------------- */

/* Both arrays grow in step; each keeps its own capacity so a failure
 * between the two reallocations still frees with the right sizes. */
static fmcp_result fmcp__tls_anchor_grow(fmcp_tls_client *c)
{
    size_t nc = c->cap ? c->cap * 2 : 64;
    br_x509_trust_anchor *nt;
    size_t *ns;
    if (c->szcap < nc) {
        ns = (size_t *)fmcp_realloc(&c->alloc, c->tasz, c->szcap * sizeof *ns, nc * sizeof *ns);
        if (!ns) return FMCP_ERR_NOMEM;
        c->tasz = ns; c->szcap = nc;
    }
    nt = (br_x509_trust_anchor *)fmcp_realloc(&c->alloc, c->tas, c->cap * sizeof *nt, nc * sizeof *nt);
    if (!nt) return FMCP_ERR_NOMEM;
    c->tas = nt; c->cap = nc;
    return FMCP_OK;
}

/* Copy a decoded name and key into one block owned by the anchor list. */
static fmcp_result fmcp__tls_anchor_store(fmcp_tls_client *c, const fmcp__buf *dn,
                                          const br_x509_pkey *pk, int is_ca)
{
    br_x509_trust_anchor *ta;
    size_t klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
    size_t size = dn->len + klen + 1;
    unsigned char *m;
    if (c->nta == c->cap && fmcp__tls_anchor_grow(c) != FMCP_OK) return FMCP_ERR_NOMEM;
    m = (unsigned char *)fmcp_malloc(&c->alloc, size);
    if (!m) return FMCP_ERR_NOMEM;
    ta = &c->tas[c->nta];
    memset(ta, 0, sizeof *ta);
    if (dn->len) memcpy(m, dn->p, dn->len);
    ta->dn.data = m; ta->dn.len = dn->len;
    ta->flags = is_ca ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    m += dn->len;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        memcpy(m, pk->key.rsa.n, pk->key.rsa.nlen);
        memcpy(m + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.n = m; ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = m + pk->key.rsa.nlen; ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        memcpy(m, pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = m; ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    c->tasz[c->nta++] = size;
    return FMCP_OK;
}

/* One PEM object of a CA bundle; certificates BearSSL cannot read are skipped. */
static fmcp_result fmcp__tls_add_anchor(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    fmcp_tls_client *c = (fmcp_tls_client *)ctx;
    br_x509_decoder_context dc;
    fmcp__buf dn;
    const br_x509_pkey *pk;
    fmcp_result r = FMCP_OK;
    if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) return FMCP_OK;
    fmcp__buf_init(&dn, &c->alloc, 1);
    br_x509_decoder_init(&dc, fmcp__tls_buf_sink, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (dn.err) r = FMCP_ERR_NOMEM;
    else if (pk) r = fmcp__tls_anchor_store(c, &dn, pk, br_x509_decoder_isCA(&dc));
    fmcp__buf_free(&dn);
    return r;
}

FASTMCP_API void fmcp_tls_client_destroy(fmcp_tls_client *c)
{
    fmcp_allocator a;
    size_t i;
    if (!c) return;
    a = c->alloc;
    for (i = 0; i < c->nta; i++) fmcp_free(&a, c->tas[i].dn.data, c->tasz[i]);
    fmcp_free(&a, c->tas, c->cap * sizeof *c->tas);
    fmcp_free(&a, c->tasz, c->szcap * sizeof *c->tasz);
    fmcp_free(&a, c, c->size);
}

static const char *fmcp__tls_ca_path(const fmcp_tls_client_desc *d)
{
    const char *e = getenv("SSL_CERT_FILE");
    if (d && d->ca_file && *d->ca_file) return d->ca_file;
    return (e && *e) ? e : FMCP_TLS_SYSTEM_CA_FILE;
}

FASTMCP_API fmcp_result fmcp_tls_client_create(const fmcp_allocator *a, const fmcp_tls_client_desc *desc,
                                            fmcp_tls_client **out)
{
    fmcp_tls_client *c;
    fmcp__buf pem;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    c = (fmcp_tls_client *)fmcp_malloc(a, sizeof *c);
    if (!c) return FMCP_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    if (a) c->alloc = *a;
    c->size = sizeof *c;
    c->tr.open = fmcp__tls_client_open; c->tr.read = fmcp__tls_read;
    c->tr.write = fmcp__tls_write; c->tr.close = fmcp__tls_close; c->tr.self = c;
    c->tr.end = fmcp__tls_end;
    c->tr.pending = fmcp__tls_pending;
    if (desc) {
        c->insecure = desc->insecure_skip_verify_for_tests != 0;
        c->log = desc->log; c->log_user = desc->log_user;
    }
    fmcp__buf_init(&pem, &c->alloc, 1);
    r = fmcp__tls_load(desc ? desc->ca_pem : NULL, desc ? desc->ca_pem_len : 0, fmcp__tls_ca_path(desc), &pem);
    if (!r) r = fmcp__tls_pem_each(&c->alloc, (const unsigned char *)pem.p, pem.len, fmcp__tls_add_anchor, c);
    if (!r && c->nta == 0 && !c->insecure) r = FMCP_ERR_NOT_FOUND;
    fmcp__buf_free(&pem);
    if (r) { fmcp_tls_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}

FASTMCP_API const fmcp_http_io *fmcp_tls_client_io(fmcp_tls_client *c)
{
    return c ? &c->tr : NULL;
}

FASTMCP_API size_t fmcp_tls_client_anchors(const fmcp_tls_client *c)
{
    return c ? c->nta : 0;
}

FASTMCP_API const char *fmcp_tls_client_last_error(const fmcp_tls_client *c)
{
    return c ? c->last_err : NULL;
}

/* ---- server certificate chain and key ------------------------------------------------------ */

static fmcp_result fmcp__tls_add_cert(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    fmcp_tls_server *s = (fmcp_tls_server *)ctx;
    unsigned char *m;
    if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) return FMCP_OK;
    if (!len) return FMCP_ERR_PARSE;
    if (s->nchain == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4;
        br_x509_certificate *n = (br_x509_certificate *)fmcp_realloc(&s->alloc, s->chain,
                                     s->cap * sizeof *n, nc * sizeof *n);
        if (!n) return FMCP_ERR_NOMEM;
        s->chain = n; s->cap = nc;
    }
    m = (unsigned char *)fmcp_malloc(&s->alloc, len);
    if (!m) return FMCP_ERR_NOMEM;
    memcpy(m, der, len);
    s->chain[s->nchain].data = m;
    s->chain[s->nchain].data_len = len;
    s->nchain++;
    return FMCP_OK;
}

static size_t fmcp__tls_rsa_len(const br_rsa_private_key *k)
{
    return k->plen + k->qlen + k->dplen + k->dqlen + k->iqlen;
}

/* Copy the decoded private key into memory we own (wiped on free). */
static fmcp_result fmcp__tls_keep_key(fmcp_tls_server *s, const br_skey_decoder_context *dc)
{
    const br_rsa_private_key *rk = br_skey_decoder_get_rsa(dc);
    const br_ec_private_key *ek = br_skey_decoder_get_ec(dc);
    size_t n = rk ? fmcp__tls_rsa_len(rk) : ek ? ek->xlen : 0;
    unsigned char *m;
    if (!n) return FMCP_ERR_BAD_KEY;
    m = (unsigned char *)fmcp_malloc(&s->alloc, n);
    if (!m) return FMCP_ERR_NOMEM;
    s->keymem = m; s->keylen = n;
    if (rk) {
        s->key_type = BR_KEYTYPE_RSA;
        s->rsa.n_bitlen = rk->n_bitlen;
        memcpy(m, rk->p, rk->plen); s->rsa.p = m; s->rsa.plen = rk->plen; m += rk->plen;
        memcpy(m, rk->q, rk->qlen); s->rsa.q = m; s->rsa.qlen = rk->qlen; m += rk->qlen;
        memcpy(m, rk->dp, rk->dplen); s->rsa.dp = m; s->rsa.dplen = rk->dplen; m += rk->dplen;
        memcpy(m, rk->dq, rk->dqlen); s->rsa.dq = m; s->rsa.dqlen = rk->dqlen; m += rk->dqlen;
        memcpy(m, rk->iq, rk->iqlen); s->rsa.iq = m; s->rsa.iqlen = rk->iqlen;
    } else {
        s->key_type = BR_KEYTYPE_EC;
        memcpy(m, ek->x, ek->xlen);
        s->ec.curve = ek->curve; s->ec.x = m; s->ec.xlen = ek->xlen;
    }
    return FMCP_OK;
}

static fmcp_result fmcp__tls_add_key(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    fmcp_tls_server *s = (fmcp_tls_server *)ctx;
    br_skey_decoder_context dc;
    fmcp_result r;
    if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0) return FMCP_ERR_UNSUPPORTED;
    if (strcmp(name, "RSA PRIVATE KEY") != 0 && strcmp(name, "EC PRIVATE KEY") != 0 &&
        strcmp(name, "PRIVATE KEY") != 0) return FMCP_OK;   /* e.g. EC PARAMETERS */
    if (s->key_type) return FMCP_ERR_DUPLICATE;
    br_skey_decoder_init(&dc);
    br_skey_decoder_push(&dc, der, len);
    r = br_skey_decoder_last_error(&dc) ? FMCP_ERR_BAD_KEY : fmcp__tls_keep_key(s, &dc);
    /* keys outside the rsa module's policy (e.g. 1024 bits) stay with BearSSL alone */
    if (!r && s->key_type == BR_KEYTYPE_RSA)
        s->have_fkey = fmcp_rsa_private_from_der(der, len, &s->fkey) == FMCP_OK;
    fmcp_wipe(&dc, sizeof dc);
    return r;
}

/* The leaf's key must match the private key; remember who signed the leaf
 * (BearSSL's ECDH suites need it). */
static fmcp_result fmcp__tls_check_leaf(fmcp_tls_server *s)
{
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    if (!s->nchain) return FMCP_ERR_NOT_FOUND;
    if (!s->key_type) return FMCP_ERR_BAD_KEY;
    br_x509_decoder_init(&dc, 0, 0);
    br_x509_decoder_push(&dc, s->chain[0].data, s->chain[0].data_len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (!pk) return FMCP_ERR_PARSE;
    if (pk->key_type != s->key_type) return FMCP_ERR_BAD_KEY;
    if (s->key_type == BR_KEYTYPE_EC && pk->key.ec.curve != s->ec.curve) return FMCP_ERR_BAD_KEY;
    s->issuer_type = (unsigned)br_x509_decoder_get_signer_key_type(&dc);
    if (!s->issuer_type) s->issuer_type = BR_KEYTYPE_RSA;
    return FMCP_OK;
}

FASTMCP_API void fmcp_tls_server_destroy(fmcp_tls_server *s)
{
    fmcp_allocator a;
    size_t i;
    if (!s) return;
    a = s->alloc;
    for (i = 0; i < s->nchain; i++) fmcp_free(&a, s->chain[i].data, s->chain[i].data_len);
    fmcp_free(&a, s->chain, s->cap * sizeof *s->chain);
    if (s->keymem) { fmcp_wipe(s->keymem, s->keylen); fmcp_free(&a, s->keymem, s->keylen); }
    if (s->certmsg) fmcp_free(&a, s->certmsg, s->certmsg_len);
    fmcp_wipe(s, sizeof *s);
    fmcp_free(&a, s, sizeof *s);
}

/* The Certificate message of the own handshake, whose whole first flight
 * goes in one record (else, or for keys our modules do not take, every
 * connection runs on BearSSL's handshake). */
static fmcp_result fmcp__tls_fast_setup(fmcp_tls_server *s)
{
    size_t i, body = 0, n;
    unsigned char *p;
#ifdef FASTMCP_TLS_BEARSSL_HANDSHAKE
    return FMCP_OK;
#endif
    const br_ssl_engine_context *te = &s->tmpl.eng;
    if (!(s->key_type == BR_KEYTYPE_EC ? s->have_fec : s->have_fkey)) return FMCP_OK;
    if (!te->igcm_in || !te->igcm_out || !te->iaes_ctr || !te->ighash ||
        !te->ichapol_in || !te->ichapol_out || !te->ichacha || !te->ipoly) return FMCP_OK;
    for (i = 0; i < s->nchain; i++) body += 3 + s->chain[i].data_len;
    n = 7 + body;
    if (n > 16384 - 700) return FMCP_OK;       /* ServerHello, key exchange and signature fit in 700 */
    p = (unsigned char *)fmcp_malloc(&s->alloc, n);
    if (!p) return FMCP_ERR_NOMEM;
    s->certmsg = p; s->certmsg_len = n;
    p[0] = 11;
    p[1] = (unsigned char)((body + 3) >> 16); p[2] = (unsigned char)((body + 3) >> 8); p[3] = (unsigned char)(body + 3);
    p[4] = (unsigned char)(body >> 16); p[5] = (unsigned char)(body >> 8); p[6] = (unsigned char)body;
    p += 7;
    for (i = 0; i < s->nchain; i++) {
        size_t k = s->chain[i].data_len;
        p[0] = (unsigned char)(k >> 16); p[1] = (unsigned char)(k >> 8); p[2] = (unsigned char)k;
        memcpy(p + 3, s->chain[i].data, k);
        p += 3 + k;
    }
    s->fast = 1;
    return FMCP_OK;
}

/* Read one PEM source (memory or file) and walk its objects. */
static fmcp_result fmcp__tls_walk(fmcp_tls_server *s, const char *pem, size_t len, const char *path,
                                  fmcp__tls_pem_fn fn)
{
    fmcp__buf b;
    fmcp_result r;
    fmcp__buf_init(&b, &s->alloc, 1);
    r = fmcp__tls_load(pem, len, path, &b);
    if (!r) r = fmcp__tls_pem_each(&s->alloc, (const unsigned char *)b.p, b.len, fn, s);
    fmcp__buf_free(&b);
    return r;
}

FASTMCP_API fmcp_result fmcp_tls_server_create(const fmcp_allocator *a, const fmcp_tls_server_desc *desc,
                                            fmcp_tls_server **out)
{
    fmcp_tls_server *s;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (!desc || desc->handshake_timeout_ms < 0) return FMCP_ERR_INVALID_ARG;
    s = (fmcp_tls_server *)fmcp_malloc(a, sizeof *s);
    if (!s) return FMCP_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    if (a) s->alloc = *a;
    s->size = sizeof *s;
    s->tr.open = fmcp__tls_server_open; s->tr.read = fmcp__tls_read;
    s->tr.write = fmcp__tls_write; s->tr.close = fmcp__tls_close; s->tr.self = s;
    s->tr.end = fmcp__tls_end;
    s->tr.pending = fmcp__tls_pending;
    s->timeout_ms = desc->handshake_timeout_ms ? desc->handshake_timeout_ms : 10000;
    s->loop = desc->loop;
    r = fmcp__tls_walk(s, desc->cert_pem, desc->cert_pem_len, desc->cert_file, fmcp__tls_add_cert);
    if (!r) r = fmcp__tls_walk(s, desc->key_pem, desc->key_pem_len, desc->key_file, fmcp__tls_add_key);
    if (!r) r = fmcp__tls_check_leaf(s);
    if (r) { fmcp_tls_server_destroy(s); return r; }
    /* curves outside the ec module (P-521) stay with BearSSL alone */
    if (s->key_type == BR_KEYTYPE_EC) s->have_fec = fmcp__tls_ec_key(&s->ec, &s->fec) == FMCP_OK;
    if (s->key_type == BR_KEYTYPE_RSA)
        br_ssl_server_init_full_rsa(&s->tmpl, s->chain, s->nchain, &s->rsa);
    else
        br_ssl_server_init_full_ec(&s->tmpl, s->chain, s->nchain, s->issuer_type, &s->ec);
    r = fmcp__tls_fast_setup(s);
    if (r) { fmcp_tls_server_destroy(s); return r; }
    *out = s;
    return FMCP_OK;
}

FASTMCP_API const fmcp_http_io *fmcp_tls_server_io(fmcp_tls_server *s)
{
    return s ? &s->tr : NULL;
}

FASTMCP_API const char *fmcp_tls_server_last_error(const fmcp_tls_server *s)
{
    return s ? s->last_err : NULL;
}

#else /* no TLS compiled in: the same API, failing cleanly */

FASTMCP_API int fmcp_tls_available(void) { return 0; }

FASTMCP_API fmcp_result fmcp_tls_client_create(const fmcp_allocator *a, const fmcp_tls_client_desc *desc,
                                            fmcp_tls_client **out)
{
    (void)a; (void)desc;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}

FASTMCP_API const fmcp_http_io *fmcp_tls_client_io(fmcp_tls_client *c) { (void)c; return NULL; }
FASTMCP_API size_t fmcp_tls_client_anchors(const fmcp_tls_client *c) { (void)c; return 0; }
FASTMCP_API void fmcp_tls_client_destroy(fmcp_tls_client *c) { (void)c; }
FASTMCP_API const char *fmcp_tls_client_last_error(const fmcp_tls_client *c) { (void)c; return NULL; }

FASTMCP_API fmcp_result fmcp_tls_server_create(const fmcp_allocator *a, const fmcp_tls_server_desc *desc,
                                            fmcp_tls_server **out)
{
    (void)a; (void)desc;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}

FASTMCP_API const fmcp_http_io *fmcp_tls_server_io(fmcp_tls_server *s) { (void)s; return NULL; }
FASTMCP_API void fmcp_tls_server_destroy(fmcp_tls_server *s) { (void)s; }
FASTMCP_API const char *fmcp_tls_server_last_error(const fmcp_tls_server *s) { (void)s; return NULL; }

#endif

/* Shared by both builds: without TLS a set TLS_CERT/TLS_KEY is an error
 * (UNSUPPORTED), never a silent fall-back to plain HTTP. */
FASTMCP_API fmcp_result fmcp_tls_server_from_env(const fmcp_allocator *a, fmcp_http_loop *loop,
                                                 fmcp_tls_server **out)
{
    const char *cert = getenv("TLS_CERT"), *key = getenv("TLS_KEY");
    fmcp_tls_server_desc d;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    if (cert && !*cert) cert = NULL;
    if (key && !*key) key = NULL;
    if (!cert && !key) return FMCP_ERR_NOT_FOUND;
    if (!cert || !key) return FMCP_ERR_INVALID_ARG;
    memset(&d, 0, sizeof d);
    d.cert_file = cert; d.key_file = key; d.loop = loop;
    return fmcp_tls_server_create(a, &d, out);
}
