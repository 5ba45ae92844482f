/* libFuzzer target over the HTTPS server's TLS handshake (tls module): the
 * own TLS 1.2 handshake (fmcp__fs_*) and the BearSSL engine it falls back to,
 * driven through the server transport (fmcp_tls_server_io) as the http
 * server drives it. The first byte picks the server's key: 'R' an RSA-2048
 * certificate, anything else an EC P-256 one (both self-signed test data,
 * CN=localhost, below). The rest (at most 64 KiB) is what a client sends:
 * it is written into one end of a socketpair, whose write side is then shut,
 * and the server's end is read until it gives no more (a read that returns
 * data is answered with a one-byte write); what the server sends is drained
 * and dropped. Randomness comes from a fixed stream restarted for every
 * input and the monotonic clock stands still (fmcp_set_hooks): a run is
 * reproducible, the handshake never times out, and the client flights in
 * fuzz/seeds/tls_server (recorded from openssl s_client against this very
 * server, same stream) replay past Finished into application data, alerts
 * and close_notify. Properties beyond no crash, leak, UB or hang: read()
 * and write() return at most the bytes asked for or an FMCP_HTTP_IO_* code;
 * the read loop ends within MAX_STEPS calls (no WANT_READ forever while
 * pending() counts bytes); a connection that failed never yields data
 * afterwards; last_error is NULL or a non-empty string.
 * Needs -DFASTMCP_WITH_BEARSSL and -lbearssl (the Makefile skips it without
 * BearSSL); it builds the implementation in. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#if !defined(FASTMCP_WITH_BEARSSL) || defined(FASTMCP_NO_SOCKETS)
#error "fuzz_tls_server needs -DFASTMCP_WITH_BEARSSL (and -lbearssl) and sockets"
#endif

#define FUZZ_MAX_INPUT (64u * 1024u)
#define MAX_STEPS 4096          /* read calls per input; far above what any input needs */

/* Test data (openssl req -x509 -days 36500 -subj /CN=localhost): an EC P-256
 * and an RSA-2048 self-signed certificate with their PKCS#8 keys. */
static const char EC_CERT[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBlDCCATugAwIBAgIUCWM3uUks/zBbJw/mU2V/ii5JFxUwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNjIxMDExNFoYDzIxMjYxMTEy\n"
    "MjEwMTE0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAT+XBxFrHNtcoRtMxOMfNLuf0oVr2Be4akFhznOYySvcowrBLQ0RYeA\n"
    "DgPbcRl+VQH8XJ2YUVN77n2pVK3s9hVUo2kwZzAdBgNVHQ4EFgQUoIoRwb3c2AZP\n"
    "cTzH78sk5zpFERYwHwYDVR0jBBgwFoAUoIoRwb3c2AZPcTzH78sk5zpFERYwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID\n"
    "RwAwRAIgZhivrZyxLelQxAK0gY4of4lBxEh8DjXupACVwdf9xroCIC0LLnyDCCcf\n"
    "8u9l/kNKEs3YT6hTupfGCFurPQv4ptgd\n"
    "-----END CERTIFICATE-----\n";
static const char EC_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJVuiV2b6vj3Xnb/n\n"
    "VmwuumvZ83SC/Hi9FmKzwKS5A+ihRANCAAT+XBxFrHNtcoRtMxOMfNLuf0oVr2Be\n"
    "4akFhznOYySvcowrBLQ0RYeADgPbcRl+VQH8XJ2YUVN77n2pVK3s9hVU\n"
    "-----END PRIVATE KEY-----\n";
static const char RSA_CERT[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDITCCAgmgAwIBAgIUAbJLP3oUakUnbmyjhtYTqk68HSwwDQYJKoZIhvcNAQEL\n"
    "BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNjIxMDExNFoYDzIxMjYx\n"
    "MTEyMjEwMTE0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB\n"
    "AQUAA4IBDwAwggEKAoIBAQDM/5zmsK9Izb3ac8N52nUAk1JsrVirjUy5zQYl2ekf\n"
    "HmBXSw+/L7WNqoZryZyK3nAvHP8mA9nS50BAahdje4XrI3wu9WsrL+0B8GXAnYIR\n"
    "4gfjYXX3nGA31vDl4hKUz6+i2pWfK/PiTyNWLg1TSGseB8BqXIsmTw5soQ7FmlB4\n"
    "GeKGAUufm2t+8vwDAFVrttT281mlV7qCWsOrEIj5o/yL220tnARvFpbTbrhq9+my\n"
    "PSilL8sk7SV6TZynjzw2qbNTpJxyV/N04W219qVIqgP0Bc9+6snc3gym2JCttuN4\n"
    "EgwOyXle9+CbnSnD5q1DWRVqJjBwss+xe6f936i7gaEbAgMBAAGjaTBnMB0GA1Ud\n"
    "DgQWBBTZRjb3ClmYGOmxkedW1YcON6cXGjAfBgNVHSMEGDAWgBTZRjb3ClmYGOmx\n"
    "kedW1YcON6cXGjAPBgNVHRMBAf8EBTADAQH/MBQGA1UdEQQNMAuCCWxvY2FsaG9z\n"
    "dDANBgkqhkiG9w0BAQsFAAOCAQEAqPb3Vcgssqu9DfdCl/zEQojNKze38olhdfUB\n"
    "6wMHmZ60VWrjpuj6xkbrKu+2/ZF8Mx4En453nnKi4YOBCiuLe5Mbjpk3VIa1xPOy\n"
    "8UXX9xpt2aE38fMZvqugqrFymospmLhIggwKKYTDeDJQGlL73/bfBgcqiTfHHwM2\n"
    "HiKH2EBrYmZqr6P1NHYYqFPEppl0RKrNRoRoRwlDOduLdJJvBXbUq99KUU8zWuK7\n"
    "+2ln1Q3HuXRbiiaijPoQcQOcx3A6UzKodUyt8oC7oCT2fu1ppoTRwfyTkptLQDwj\n"
    "seIUBmpeljnLL3abBahP6HUjYH6RXXKlBagtQIuxgg7Q05yedA==\n"
    "-----END CERTIFICATE-----\n";
static const char RSA_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDM/5zmsK9Izb3a\n"
    "c8N52nUAk1JsrVirjUy5zQYl2ekfHmBXSw+/L7WNqoZryZyK3nAvHP8mA9nS50BA\n"
    "ahdje4XrI3wu9WsrL+0B8GXAnYIR4gfjYXX3nGA31vDl4hKUz6+i2pWfK/PiTyNW\n"
    "Lg1TSGseB8BqXIsmTw5soQ7FmlB4GeKGAUufm2t+8vwDAFVrttT281mlV7qCWsOr\n"
    "EIj5o/yL220tnARvFpbTbrhq9+myPSilL8sk7SV6TZynjzw2qbNTpJxyV/N04W21\n"
    "9qVIqgP0Bc9+6snc3gym2JCttuN4EgwOyXle9+CbnSnD5q1DWRVqJjBwss+xe6f9\n"
    "36i7gaEbAgMBAAECggEAAWQ0xO4Vv9PsV3i/WWrjA2t8kjyaTvkeYwkiDbdibock\n"
    "FpjtqkRhIkKHjLYUHW8wFL8eI5HAHz8u6kuuDUtP1+OS8AtTZw95YjDRsqfUXlm0\n"
    "kwBc2XQ9b55CXqpqVN8/V8bNtYRfWz238C76K9gLKMDbDKhvJgXrA6Vo4Rd7N1gh\n"
    "LhUKyaj4uqMV3b683W1ouPA1YoWg8nAS1CEROl5OPW1uOkbN5oRzJRLcaLPvfoNC\n"
    "THDXuUI16jWCZWKWrzUjCPcBdnWyDU1/uIF+waymp1Zd0WtaELHqC6pBrH20hmCZ\n"
    "DpzmzrE3aKrXwErgQCtG6w67Fi2WHXdYw88eiei63QKBgQD5BnP62xwxmBxCvtNm\n"
    "0PU9NzEa1CHiSN2rUizpaTZw+u5qdiBistJ93KTcnAAyJKkcnnY7GIJKKAv1BPFy\n"
    "R/jKJolugaar15bjQIhhtQLVUdxL4VhEGIZx6kUrgwE8QC0Lbs5zZ0cqxik82b/d\n"
    "GJG8rTpjNIE4LU/nyOXUT/JYhwKBgQDSvXtbrnqXEdHtEAiEPAZ4YFytFX6pqsDy\n"
    "P290iO1Wxigyjjh8DA72a7T1eivguxayhHxGCfYfd82hv8ifjxHWmxk09kKuiItF\n"
    "TO0Ci0QCCgcWM975/YUfPzs+wPvaxhFB6xtMBzcH0CDotmEzgp80GOovHzkxPU+W\n"
    "GyUs7zGbzQKBgQCITC3imVZ/FoAxT/ypA6mWjcTEqGK7VaJuCJYoUrvHbrBbeLgV\n"
    "DUcEOGXLkV7SExq0XU7c3XdCW1TgEIqOQDI9goYqA7BT0bX2P/XldItOcnWe2oHT\n"
    "E5FSfCTLwfJFJeMBpO4+X8Kl+LvNYGkQ/EeX+0A/2Bb5xmM7u8t/PxqntQKBgQDC\n"
    "cYyBglKgUxPj7Pg+snex2A+KsBuHhwKyQe+fkbuTZhCu3OSnKCUiHyz/lnMnztfZ\n"
    "bT6RDR3n2Q2FocQF3OczoTW31USfb2M5VQoWX9MnIoN5a/DfrpiGxTvv4fY/3KMN\n"
    "tFUiaEHRVqsWrTiwY2RrmFVzlxaZJR3qvS8m76hRPQKBgQDoPfLHLtiK11Lr2ahk\n"
    "XjyZYm46O9ifxc0PtBRd+4ybIECaIODZmtAO2+WYRU7nvbIqIk8rcD3lGGcW0zxP\n"
    "QvJ1NWgxvsvMzIqKDDeF7Hpn7UZ2FFAwD9uL0JIHa3kmpRAqOHbQw4f0RW6lB+Px\n"
    "/GI5cp2ebbiRWJ6Jkd6B0Nsymw==\n"
    "-----END PRIVATE KEY-----\n";

/* The fixed random stream (splitmix64), restarted for each connection. */
static uint64_t rng_state;
static void rng_restart(void) { rng_state = 0x5EEDF00DCAFEF00Dull; }
static int rng_fill(void *user, void *buf, size_t len)
{
    unsigned char *p = (unsigned char *)buf;
    (void)user;
    while (len) {
        uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
        size_t k = len < 8 ? len : 8, i;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        for (i = 0; i < k; i++) p[i] = (unsigned char)(z >> (8 * i));
        p += k; len -= k;
    }
    return 0;
}
static int64_t clock_still(void *user) { (void)user; return 1000000; }

static fmcp_tls_server *servers[2];     /* [0] EC P-256, [1] RSA-2048 */

static void tls_init(void)
{
    static const fmcp_hooks hooks = { rng_fill, NULL, clock_still, NULL };
    static const char *const pem[2][2] = { { EC_CERT, EC_KEY }, { RSA_CERT, RSA_KEY } };
    int i;
    if (servers[0]) return;
    fmcp_set_hooks(&hooks);
    for (i = 0; i < 2; i++) {
        fmcp_tls_server_desc d;
        memset(&d, 0, sizeof d);
        d.cert_pem = pem[i][0]; d.cert_pem_len = strlen(pem[i][0]);
        d.key_pem = pem[i][1]; d.key_pem_len = strlen(pem[i][1]);
        if (fmcp_tls_server_create(NULL, &d, &servers[i]) != FMCP_OK) {
            fprintf(stderr, "fuzz_tls_server: server %d not created\n", i);
            abort();
        }
    }
}

static void nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) abort();
}

/* Drop whatever the server sent (the client's end is non-blocking). */
static void drain(int fd)
{
    char b[4096];
    while (read(fd, b, sizeof b) > 0) {}
}

static void check_io(long r, size_t n, const char *what)
{
    if (r > (long)n || (r < 0 && r != FMCP_HTTP_IO_WANT_READ && r != FMCP_HTTP_IO_WANT_WRITE &&
                        r != FMCP_HTTP_IO_ERROR)) {
        fprintf(stderr, "fuzz_tls_server: %s returned %ld for %zu bytes\n", what, r, n);
        abort();
    }
}

static void run_one(fmcp_tls_server *srv, const uint8_t *data, size_t size)
{
    const fmcp_http_io *io = fmcp_tls_server_io(srv);
    unsigned char buf[4096];
    void *conn = NULL;
    size_t off = 0;
    int sv[2], shut = 0, wrote = 0, steps;
    long r = 0;
    const char *err;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) abort();
    nonblock(sv[0]);
    nonblock(sv[1]);
    rng_restart();
    if (io->open(io->self, sv[0], NULL, &conn) != FMCP_OK) abort();
    for (steps = 0;; steps++) {
        if (steps == MAX_STEPS) {
            fprintf(stderr, "fuzz_tls_server: the read loop does not end (last read %ld, pending %zu)\n",
                    r, io->pending(conn));
            abort();
        }
        while (off < size) {                /* as much input as the socket takes */
            ssize_t w = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
            if (w <= 0) break;
            off += (size_t)w;
        }
        if (off == size && !shut) { shutdown(sv[1], SHUT_WR); shut = 1; }
        r = io->read(conn, buf, sizeof buf);
        check_io(r, sizeof buf, "read");
        drain(sv[1]);
        if (r > 0) {
            if (!wrote) {
                long w = io->write(conn, "x", 1);
                check_io(w, 1, "write");
                drain(sv[1]);
                wrote = 1;
            }
            continue;
        }
        /* as http_conn.c: 0 and ERROR end the connection (whatever pending()
         * says), WANT_WRITE waits for the socket (the client's end was
         * drained), WANT_READ for more input or for what pending() counts */
        if (r == FMCP_HTTP_IO_WANT_WRITE) continue;
        if (r == FMCP_HTTP_IO_WANT_READ && (!shut || io->pending(conn))) continue;
        break;
    }
    (void)io->pending(conn);
    if (r == FMCP_HTTP_IO_ERROR) {          /* a failed connection stays failed */
        r = io->read(conn, buf, sizeof buf);
        check_io(r, sizeof buf, "read after an error");
        if (r > 0) { fprintf(stderr, "fuzz_tls_server: data after an error\n"); abort(); }
        drain(sv[1]);
    }
    err = fmcp_tls_server_last_error(srv);
    if (err && !*err) abort();
    if (io->end) io->end(conn);
    drain(sv[1]);
    io->close(conn);
    drain(sv[1]);
    close(sv[0]);
    close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rsa;
    if (size < 1) return 0;
    tls_init();
    rsa = data[0] == 'R';
    data++; size--;
    run_one(servers[rsa], data, size < FUZZ_MAX_INPUT ? size : FUZZ_MAX_INPUT);
    return 0;
}
