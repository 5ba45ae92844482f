/* ---------------------------------------------------------------------------
 * tls: TLS 1.2 for the http module (optional, BearSSL)
 * ---------------------------------------------------------------------------
 *
 * HTTPS client (JWKS, OAuth)
 *   fmcp_tls_client *tls;
 *   fmcp_http_client_req c = {0}; fmcp_http_response *res;
 *   if (fmcp_tls_client_create(NULL, NULL, &tls) == FMCP_OK) {   // system CAs
 *       c.url = "https://example.com/.well-known/jwks.json";
 *       c.transport = fmcp_tls_client_io(tls);
 *       if (fmcp_http_fetch(NULL, &c, &res) == FMCP_OK) fmcp_http_response_destroy(res);
 *       fmcp_tls_client_destroy(tls);      // after every request using it ended
 *   }
 *
 * HTTPS server
 *   fmcp_tls_server *tls = NULL;
 *   fmcp_result r = fmcp_tls_server_from_env(NULL, loop, &tls); // TLS_CERT, TLS_KEY
 *   if (r == FMCP_OK) d.transport = fmcp_tls_server_io(tls);
 *   else if (r != FMCP_ERR_NOT_FOUND) fail(r);                  // NOT_FOUND: plain HTTP
 *   fmcp_http_server_create(loop, &d, &srv); ...
 *   fmcp_http_server_destroy(srv); fmcp_tls_server_destroy(tls);    // server first
 *
 * TLS is compiled in only when FASTMCP_WITH_BEARSSL is defined (link with
 * -lbearssl) and sockets are available. Otherwise every function here
 * exists but returns FMCP_ERR_UNSUPPORTED, and http refuses https:// URLs
 * with "TLS support not compiled in". fmcp_tls_available() tells which.
 *
 * TLS is a layer under http's I/O seam (fmcp_http_io, see http):
 * the client and the server here are two implementations of that vtable,
 * so another TLS library can be plugged in the same way. The engine is
 * non-blocking: handshakes are driven by the event loop, one record at a
 * time, and a slow peer never blocks other connections. As with OpenSSL,
 * a write that returned FMCP_HTTP_IO_WANT_WRITE/READ must be retried with
 * the same bytes (http does).
 *
 * Only TLS 1.2 is offered (BearSSL has no TLS 1.3); older versions are
 * refused. Cipher suites are BearSSL's "full" profile (constant-time code).
 * The handshake's public-key work runs this library's own constant-time
 * code through BearSSL's hooks, for speed (Debian's BearSSL has only its
 * 31-bit and 15-bit code): the ECDHE key exchange on X25519 (module x25519)
 * and on P-256 and P-384 (module ec; P-521 stays BearSSL's), ECDSA
 * signatures (module ec: the server's ServerKeyExchange signed with hedged
 * RFC 6979 nonces; the client's checks of the server's signature and of
 * ECDSA-signed certificates), and for RSA server keys of 2048 to 4096 bits
 * the SHA-256 ServerKeyExchange signature (module rsa: CRT with exponent
 * blinding, each signature verified before it is sent). The EC and ECDSA
 * hooks need 64-bit limbs (__int128): FASTMCP_NO_INT128 builds keep
 * BearSSL's EC code. A small-order peer point (all-zero X25519 secret)
 * fails the handshake, as RFC 8422 asks.
 *
 * The server does the common handshake itself (BearSSL's interpreted one
 * cost more than nginx's whole handshake): ECDHE over X25519 or P-256,
 * AES-GCM or ChaCha20-Poly1305, a SHA-256 signature, extended master
 * secret (RFC 7627); no session id, no resumption; a renegotiation is
 * refused with a fatal alert. A client whose first acceptable suite is
 * another one (CBC, CCM, static ECDH or RSA key exchange), or that needs
 * another curve or signature hash or max_fragment_length, gets BearSSL's
 * engine, fed the bytes already read. FASTMCP_TLS_BEARSSL_HANDSHAKE gives
 * every connection to BearSSL.
 *
 * fmcp_tls_client_create
 *   Loads the trust anchors once: desc->ca_pem (memory), else desc->ca_file,
 *   else $SSL_CERT_FILE (as curl and OpenSSL honour it), else the system
 *   bundle /etc/ssl/certs/ca-certificates.crt. Every CERTIFICATE in the PEM
 *   becomes an anchor; certificates BearSSL cannot decode are skipped, and
 *   a bundle without a single usable one gives FMCP_ERR_NOT_FOUND. Each
 *   connection sends SNI and checks the server's chain (signatures, dates
 *   against fmcp_time_now(), so tests can move the clock) and that the
 *   certificate names the URL's host. A desc of NULL means all defaults.
 *   The client object may serve many requests on any number of loops, one
 *   thread at a time per connection; free it after they all ended.
 *
 *   insecure_skip_verify_for_tests accepts any certificate. It exists for
 *   tests only, and every connection made with it logs a warning through
 *   desc->log (stderr when NULL). Nothing else switches verification off.
 *
 * fmcp_tls_server_create
 *   The certificate chain (leaf first, then intermediates) and the private
 *   key (RSA or EC; PKCS#1, SEC 1 or unencrypted PKCS#8 PEM) come from
 *   memory (cert_pem/key_pem) or files (cert_file/key_file). The key is
 *   wiped when the object is freed. A handshake not finished within
 *   handshake_timeout_ms (0 = 10000) fails; when desc->loop is set a
 *   timer on that loop closes the stalled connection at the deadline
 *   (otherwise the server's idle timeout does, later). Use the transport on
 *   servers of that loop only. Free it after the servers using it.
 *
 * fmcp_tls_server_from_env
 *   fmcp_tls_server_create with cert_file = $TLS_CERT and key_file = $TLS_KEY.
 *   FMCP_ERR_NOT_FOUND (and *out NULL) when neither is set: serve plain
 *   HTTP. Only one of them set is FMCP_ERR_INVALID_ARG.
 *
 * fmcp_tls_*_transport
 *   The fmcp_http_io to put into fmcp_http_client_req.transport or
 *   fmcp_http_server_desc.transport; it lives as long as its object.
 *
 * fmcp_tls_client_anchors
 *   How many trust anchors the client loaded.
 *
 * fmcp_tls_client_last_error / fmcp_tls_server_last_error
 *   The last handshake failure of a connection made with this client or
 *   server (for logs and tests; the request itself fails with FMCP_ERR_IO):
 *   a short static text such as "certificate not trusted", "certificate
 *   expired or not yet valid", "server name mismatch", "handshake timed
 *   out", or NULL when none happened. Best effort with several threads.
 *
 * Limits: no client certificates, no revocation checks (CRL/OCSP), no IP
 * addresses in subjectAltName (connect by name), no encrypted keys.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_tls_client fmcp_tls_client;
typedef struct fmcp_tls_server fmcp_tls_server;

typedef void (*fmcp_tls_log_fn)(void *user, const char *msg);

typedef struct fmcp_tls_client_desc {
    const char *ca_file;       /* PEM bundle; NULL = $SSL_CERT_FILE or system */
    const char *ca_pem;        /* PEM bundle in memory (wins over ca_file) */
    size_t ca_pem_len;
    int insecure_skip_verify_for_tests; /* NEVER in production: warns each time */
    fmcp_tls_log_fn log;       /* warnings; NULL = stderr */
    void *log_user;
} fmcp_tls_client_desc;

typedef struct fmcp_tls_server_desc {
    const char *cert_file;     /* PEM chain, leaf first */
    const char *key_file;      /* PEM private key (RSA or EC) */
    const char *cert_pem;      /* or both in memory (win over the files) */
    size_t cert_pem_len;
    const char *key_pem;
    size_t key_pem_len;
    int handshake_timeout_ms;  /* 0 = 10000 */
    fmcp_http_loop *loop;      /* optional: enforce the timeout with a timer */
} fmcp_tls_server_desc;

#define FMCP_TLS_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

FASTMCP_API int fmcp_tls_available(void);

FASTMCP_API fmcp_result fmcp_tls_client_create(const fmcp_allocator *a, const fmcp_tls_client_desc *desc,
                                            fmcp_tls_client **out);
FASTMCP_API const fmcp_http_io *fmcp_tls_client_io(fmcp_tls_client *c);
FASTMCP_API size_t fmcp_tls_client_anchors(const fmcp_tls_client *c);
FASTMCP_API void fmcp_tls_client_destroy(fmcp_tls_client *c);

FASTMCP_API fmcp_result fmcp_tls_server_create(const fmcp_allocator *a, const fmcp_tls_server_desc *desc,
                                            fmcp_tls_server **out);
FASTMCP_API fmcp_result fmcp_tls_server_from_env(const fmcp_allocator *a, fmcp_http_loop *loop,
                                                 fmcp_tls_server **out);
FASTMCP_API const fmcp_http_io *fmcp_tls_server_io(fmcp_tls_server *s);
FASTMCP_API void fmcp_tls_server_destroy(fmcp_tls_server *s);

FASTMCP_API const char *fmcp_tls_client_last_error(const fmcp_tls_client *c);
FASTMCP_API const char *fmcp_tls_server_last_error(const fmcp_tls_server *s);

#ifdef __cplusplus
}
#endif
