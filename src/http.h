/* ---------------------------------------------------------------------------
 * http: HTTP/1.1 event loop, server connections, small client
 * ---------------------------------------------------------------------------
 *
 * Server
 *   static void hello(fmcp_http_req *req, void *user) {
 *       fmcp_http_header h[1] = {{"Content-Type", "text/plain"}};
 *       fmcp_http_respond(req, 200, h, 1, "hi\n", 3);
 *   }
 *   fmcp_http_loop *loop; fmcp_http_server *srv;
 *   fmcp_http_server_desc d = {0};
 *   d.host = "127.0.0.1"; d.port = 8080; d.handler = hello;
 *   fmcp_http_loop_create(NULL, &loop);
 *   fmcp_http_server_create(loop, &d, &srv);
 *   fmcp_http_run(loop);                  // until fmcp_http_stop(loop)
 *   fmcp_http_server_destroy(srv); fmcp_http_loop_destroy(loop);
 *
 * Client
 *   fmcp_http_client_req c = {0}; fmcp_http_response *res;
 *   c.url = "http://127.0.0.1:8080/x";
 *   if (fmcp_http_fetch(NULL, &c, &res) == FMCP_OK) {
 *       printf("%d %.*s\n", res->status, (int)res->body_len, res->body);
 *       fmcp_http_response_destroy(res);
 *   }
 *
 * The whole module needs BSD sockets: with FASTMCP_NO_SOCKETS only the types
 * and fmcp_http_url_parse remain.
 *
 * fmcp_http_loop
 *   A non-blocking event loop (epoll on Linux, poll elsewhere, WSAPoll on
 *   Windows, or poll when FASTMCP_HTTP_USE_POLL is defined). Servers, client requests and timers
 *   live on one loop; all their callbacks run on the thread that steps it.
 *   fmcp_http_run() steps until fmcp_http_stop(). To drive it from your own
 *   loop, wait until fmcp_http_loop_fd() is readable (epoll backend; it is -1
 *   with poll, then step with a short timeout) or fmcp_http_next_timeout_ms()
 *   passes, and call fmcp_http_step(loop, 0). fmcp_http_stop() may be called
 *   from any thread (and from callbacks).
 *   Create, free and configure servers, timers and client requests on the
 *   loop thread. fmcp_http_loop_destroy() frees servers, cancels client
 *   requests and releases unfinished requests: stop worker threads from
 *   using requests first.
 *
 * Timers
 *   fmcp_http_timer_add() runs fn(user) once on the loop thread after delay_ms
 *   (monotonic clock hook, so tests can move time); re-add it for repeats.
 *   fmcp_http_timer_cancel() removes a pending timer (no-op if it ran).
 *   Loop thread only.
 *
 * fmcp_http_server_create
 *   Binds host (IPv4 or IPv6 literal or name; NULL = 127.0.0.1) and port
 *   (0 = a free port; fmcp_http_server_port() tells which), listens, and
 *   calls desc->handler(req, user) on the loop thread for every complete
 *   request (head and body read). Requests on one connection are handed out
 *   one at a time, so pipelined requests are answered in order. Limits answer
 *   cleanly and close: 431 (head larger than max_header_bytes or too many
 *   headers), 413 (body larger than max_body_bytes), 400 (bad request line,
 *   header, chunking, missing Host, both Transfer-Encoding and
 *   Content-Length, a head line not ended by CRLF: a bare LF or CR, as
 *   RFC 9112 strict servers do, since a proxy splitting lines otherwise
 *   would see another request), 501 (Transfer-Encoding other than chunked), 505 (not
 *   HTTP/1.x), 408 (head not complete within header_timeout_ms of its
 *   first byte, body not complete within body_timeout_ms of the head, or
 *   either slower on average than min_rate bytes/s once rate_grace_ms have
 *   passed - deadlines, not idle timers, so trickling bytes buys no time; a
 *   connection that sent nothing is closed silently instead), 503 (more
 *   than max_connections). Idle keep-alive connections close after
 *   idle_timeout_ms, as do connections whose peer stops reading for that
 *   long. Defaults: the FMCP_HTTP_* constants above the descriptor. Idle connections hold no buffers (about 400 bytes
 *   each); read and write buffers come from a small per-loop pool. A peer
 *   that pipelines without reading its answers is paused once 64 KiB of
 *   output waits. Error answers close the connection after a short
 *   lingering read, so the peer sees the answer rather than a reset.
 *   reuse_port sets SO_REUSEPORT before binding: several processes (or
 *   loops) may then listen on the same host and port, and the kernel
 *   spreads new connections over them (Linux hashes the peer address).
 *   All listeners must set it; without it a second bind fails with
 *   FMCP_ERR_IO. Where the platform lacks SO_REUSEPORT it is ignored.
 *
 * fmcp_http_server_shutdown / fmcp_http_server_destroy
 *   shutdown stops accepting, closes idle connections, lets in-flight
 *   requests finish (then closes their connections) and after grace_ms
 *   cancels what is left (their on_close callbacks run).
 *   fmcp_http_server_connections() counts open connections, so a graceful
 *   stop is: shutdown, then step until it is 0. free closes everything now.
 *
 * Requests (fmcp_http_req)
 *   Accessors return NUL-terminated strings valid until the request is
 *   finished: method, target (as sent), path (target without query), query
 *   (after '?', or NULL), header(name) (case-insensitive, first match, NULL if
 *   absent), header_at(i) for all of them in order, body (NUL-terminated,
 *   length via *len; empty when none), remote ("1.2.3.4:5678" or
 *   "[::1]:5678"). They may be called from any thread that holds the request.
 *
 * Answering (any thread)
 *   The handler may answer at once or keep the request and answer later,
 *   from the loop thread or from any other thread (the work is then queued
 *   and the loop woken through an eventfd/pipe). Every request must be
 *   finished exactly once, by fmcp_http_respond or fmcp_http_stream_end; this
 *   also releases it. After the connection died they return FMCP_ERR_CLOSED
 *   (on the loop thread) but still release the request. When respond or
 *   stream_end cannot format or queue the answer (out of memory) the request
 *   is still finished and released: the peer gets a bare 500 (or, once a
 *   stream started, the connection closes) and the call returns
 *   FMCP_ERR_CLOSED. So never retry a finishing call on the same request.
 *   fmcp_http_respond: status, headers, body in one go (Content-Length and
 *     Date are added; do not pass them). Header names/values with CR, LF or
 *     NUL are refused with FMCP_ERR_INVALID_ARG (the request stays yours).
 *   fmcp_http_stream_start: status and headers now, body later in chunks
 *     (chunked encoding; HTTP/1.0 peers get a close-delimited body).
 *   fmcp_http_stream_write: one chunk (empty writes are ignored).
 *   fmcp_http_sse_send: one Server-Sent Event (id and event may be NULL; data
 *     is split into data: lines; data NULL sends a ": comment" keepalive).
 *   fmcp_http_stream_end: the last chunk; finishes the request.
 *   Output waiting for a peer that does not read is capped by
 *   max_write_buffer; beyond it the connection is closed.
 *
 * Early decisions (desc->on_head, optional)
 *   on_head(req, user) runs on the loop thread as soon as a request's head
 *   is complete, before its body is read (so authentication need not wait
 *   for, nor buffer, a large body). The accessors work (the body is empty);
 *   fmcp_http_req_content_length gives the declared length (-1: chunked).
 *   on_head may
 *   - answer with fmcp_http_respond: the body is not read, and when one was
 *     due the connection closes after the answer (Connection: close);
 *   - lower the body limit of this request, fmcp_http_req_body_limit(req,
 *     max): 413 for a larger declared length, or once a chunked body grows
 *     beyond it;
 *   - hold the request, fmcp_http_req_hold(req): no body is read until the
 *     holder calls fmcp_http_req_resume(req) (the body is read and the
 *     handler runs as usual; FMCP_ERR_CLOSED when the connection went away
 *     meanwhile, which also releases the request) or answers it (closing as
 *     above). Both on the loop thread; a held request has no timeout (its
 *     holder bounds the wait) and no on_close.
 *   Doing nothing reads the body and calls the handler, as without on_head.
 *
 * Credentials
 *   Requests whose head carries Authorization, Proxy-Authorization or Cookie
 *   have their copy of the head wiped (fmcp_wipe) when released, and the
 *   raw head is wiped from the connection's read buffer once parsed.
 *
 * fmcp_http_req_on_close
 *   Sets a callback run on the loop thread if the connection closes before
 *   the request is finished (peer gone, timeout, shutdown). A peer that
 *   half-closes (shutdown for writing) after its request counts as gone.
 *   Call it from the handler. The request must still be finished afterwards.
 *
 * Client
 *   fmcp_http_fetch_async() starts a request on the loop and calls
 *   cb(user, rc, res) on the loop thread when done (res owned by the
 *   callback; free it with fmcp_http_response_destroy), on error res is NULL.
 *   It never blocks the loop: host names (not IP literals) are resolved on
 *   a short-lived helper thread (inline with FASTMCP_NO_THREADS, where
 *   getaddrinfo then blocks). fmcp_http_fetch() is the blocking form
 *   (it runs a private loop). Responses with Content-Length, chunked, or
 *   close-delimited bodies are read; a body over max_response_bytes gives
 *   FMCP_ERR_TOO_LARGE, a request not finished within timeout_ms gives
 *   FMCP_ERR_TIMEOUT. 1xx responses are skipped. The response is read
 *   strictly (the MCP client reads its answers with the same code): lines
 *   end in CRLF, the status is 3 digits, a head over 64 KiB or with more
 *   than 100 fields gives FMCP_ERR_TOO_LARGE, and Content-Length together
 *   with Transfer-Encoding, two Content-Length fields, Transfer-Encoding in
 *   HTTP/1.0 or a 101 give FMCP_ERR_PROTOCOL. https:// URLs need a TLS
 *   transport (fmcp_http_io, set in the request); without one they
 *   fail with FMCP_ERR_UNSUPPORTED ("TLS support not compiled in").
 *   When error_buf is set it receives a short reason on failure.
 *   fmcp_http_fetch_cancel() drops a pending request without calling cb.
 *   Pending requests still open when the loop is freed get FMCP_ERR_CANCELLED.
 *
 * fmcp_http_url_parse
 *   Splits "scheme://host[:port][/path?query]" (host may be "[v6]") into
 *   caller-owned buffers in *out. Port defaults to 80/443. Userinfo is
 *   refused; a "#fragment" is dropped (it is never sent). No allocation.
 *
 * fmcp_http_io
 *   The I/O seam: open wraps a connected non-blocking socket (host is the
 *   server name for a client, NULL on the server side); read/write return
 *   bytes moved, 0 for EOF (read), FMCP_HTTP_IO_WANT_READ/WRITE when they
 *   would block, or FMCP_HTTP_IO_ERROR. close releases the wrapper (not the
 *   fd). A TLS layer drops in here for both the client and the server.
 *   pending (optional, may be NULL) counts bytes read() can return without
 *   the socket (decrypted TLS data): the loop reads on while it is nonzero.
 *   A write that returned WANT_READ/WANT_WRITE is retried with the same bytes.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_http_header {
    const char *name;
    const char *value;
} fmcp_http_header;

typedef struct fmcp_http_url {
    char scheme[8];     /* "http" or "https", lower case */
    char host[256];     /* without brackets for IPv6 */
    uint16_t port;
    int is_ipv6;        /* host was written as [v6] */
    char path[2048];    /* "/" when absent; includes the query */
} fmcp_http_url;

FASTMCP_API fmcp_result fmcp_http_url_parse(const char *url, fmcp_http_url *out);

#define FMCP_HTTP_IO_WANT_READ (-1L)
#define FMCP_HTTP_IO_WANT_WRITE (-2L)
#define FMCP_HTTP_IO_ERROR (-3L)

typedef struct fmcp_http_io {
    fmcp_result (*open)(void *self, int fd, const char *host, void **conn);
    long (*read)(void *conn, void *buf, size_t n);
    long (*write)(void *conn, const void *buf, size_t n);
    void (*close)(void *conn);
    void *self;
    size_t (*pending)(void *conn); /* optional: bytes read() holds that no socket event announces */
    void (*end)(void *conn);       /* optional: send the end of the stream (TLS close_notify) before
                                      the server shuts its write side; best effort */
} fmcp_http_io;

typedef struct fmcp_http_loop fmcp_http_loop;
typedef struct fmcp_http_server fmcp_http_server;
typedef struct fmcp_http_req fmcp_http_req;
typedef struct fmcp_http_fetch_op fmcp_http_fetch_op;

typedef void (*fmcp_http_handler)(fmcp_http_req *req, void *user);
typedef void (*fmcp_http_close_fn)(fmcp_http_req *req, void *user);
typedef void (*fmcp_http_timer_fn)(void *user);
typedef void (*fmcp_http_head_fn)(fmcp_http_req *req, void *user);

/* Server limits and their defaults (a zero field in fmcp_http_server_desc
 * means the default). Timeouts are deadlines, never idle timers that a byte
 * resets: a head must be complete within FMCP_HTTP_HEADER_TIMEOUT_MS of its
 * first byte and a body within FMCP_HTTP_BODY_TIMEOUT_MS of the head's end;
 * after FMCP_HTTP_RATE_GRACE_MS both must have averaged at least
 * FMCP_HTTP_MIN_RATE bytes per second since they started (so a peer sending
 * one byte every few seconds is answered 408 after the grace period). */
#define FMCP_HTTP_MAX_HEADER_BYTES 16384          /* 431 beyond */
#define FMCP_HTTP_MAX_BODY_BYTES (4u << 20)       /* 413 beyond */
#define FMCP_HTTP_MAX_CONNECTIONS 1024            /* 503 beyond */
#define FMCP_HTTP_MAX_WRITE_BUFFER (16u << 20)    /* unsent output per connection */
#define FMCP_HTTP_HEADER_TIMEOUT_MS 10000         /* whole head */
#define FMCP_HTTP_BODY_TIMEOUT_MS 60000           /* whole body */
#define FMCP_HTTP_MIN_RATE 1024                   /* bytes/s, heads and bodies */
#define FMCP_HTTP_RATE_GRACE_MS 5000              /* before the rate counts */
#define FMCP_HTTP_IDLE_TIMEOUT_MS 30000           /* keep-alive, stalled readers */

typedef struct fmcp_http_server_desc {
    const char *host;          /* NULL = "127.0.0.1"; "::" = all IPv6 (+v4) */
    uint16_t port;             /* 0 = pick a free port */
    int reuse_port;            /* SO_REUSEPORT: share the port with other processes */
    int backlog;               /* 0 = 511 */
    fmcp_http_handler handler; /* required */
    void *user;
    size_t max_header_bytes;   /* 0 = 16 KiB (431 beyond) */
    size_t max_body_bytes;     /* 0 = 4 MiB (413 beyond) */
    size_t max_connections;    /* 0 = 1024 (503 beyond) */
    size_t max_write_buffer;   /* 0 = 16 MiB of unsent output per connection */
    int header_timeout_ms;     /* 0 = 10000: whole head, from its first byte (408) */
    int idle_timeout_ms;       /* 0 = 30000: keep-alive idle, a peer not reading */
    const fmcp_http_io *transport; /* NULL = plain TCP */
    int body_timeout_ms;       /* 0 = 60000: whole body, from the head's end (408) */
    size_t min_rate;           /* 0 = 1024 bytes/s for heads and bodies (408 below) */
    int rate_grace_ms;         /* 0 = 5000: time before min_rate applies */
    fmcp_http_head_fn on_head; /* optional: a head is complete, its body not read ("Early decisions") */
} fmcp_http_server_desc;

typedef struct fmcp_http_client_req {
    const char *method;        /* NULL = "GET" */
    const char *url;           /* http://host[:port]/path */
    const fmcp_http_header *headers;
    size_t nheaders;
    const void *body;
    size_t body_len;
    size_t max_response_bytes; /* 0 = 4 MiB (body) */
    int timeout_ms;            /* 0 = 10000, whole request */
    const fmcp_http_io *transport; /* needed for https:// */
    char *error_buf;           /* optional: a short reason on failure */
    size_t error_buf_len;
} fmcp_http_client_req;

typedef struct fmcp_http_response {
    int status;
    const fmcp_http_header *headers;
    size_t nheaders;
    const char *body;          /* NUL-terminated */
    size_t body_len;
} fmcp_http_response;

typedef void (*fmcp_http_fetch_cb)(void *user, fmcp_result rc, fmcp_http_response *res);

#ifndef FASTMCP_NO_SOCKETS
FASTMCP_API fmcp_result fmcp_http_loop_create(const fmcp_allocator *a, fmcp_http_loop **out);
FASTMCP_API void fmcp_http_loop_destroy(fmcp_http_loop *loop);
FASTMCP_API int fmcp_http_loop_fd(const fmcp_http_loop *loop);
FASTMCP_API int fmcp_http_next_timeout_ms(fmcp_http_loop *loop);
FASTMCP_API fmcp_result fmcp_http_step(fmcp_http_loop *loop, int timeout_ms);
FASTMCP_API fmcp_result fmcp_http_run(fmcp_http_loop *loop);
FASTMCP_API void fmcp_http_stop(fmcp_http_loop *loop);

FASTMCP_API fmcp_result fmcp_http_timer_add(fmcp_http_loop *loop, int64_t delay_ms,
                                            fmcp_http_timer_fn fn, void *user, uint64_t *id);
FASTMCP_API void fmcp_http_timer_cancel(fmcp_http_loop *loop, uint64_t id);

FASTMCP_API fmcp_result fmcp_http_server_create(fmcp_http_loop *loop, const fmcp_http_server_desc *desc,
                                               fmcp_http_server **out);
/* What a bind address is, decided by the address, not its spelling:
 * FMCP_HTTP_ADDR_LOOPBACK for 127.0.0.0/8, ::1, ::ffff:127.x.x.x (brackets
 * allowed) and the name "localhost"; FMCP_HTTP_ADDR_ANY for 0.0.0.0, ::,
 * ::ffff:0.0.0.0 and "" (every interface); else FMCP_HTTP_ADDR_OTHER
 * (another address or a name). NULL means the default 127.0.0.1. */
enum { FMCP_HTTP_ADDR_OTHER = 0, FMCP_HTTP_ADDR_LOOPBACK = 1, FMCP_HTTP_ADDR_ANY = 2 };
FASTMCP_API int fmcp_http_addr_kind(const char *host);
FASTMCP_API uint16_t fmcp_http_server_port(const fmcp_http_server *srv);
FASTMCP_API size_t fmcp_http_server_connections(const fmcp_http_server *srv);
FASTMCP_API void fmcp_http_server_shutdown(fmcp_http_server *srv, int grace_ms);
FASTMCP_API void fmcp_http_server_destroy(fmcp_http_server *srv);

FASTMCP_API const char *fmcp_http_req_method(const fmcp_http_req *req);
FASTMCP_API const char *fmcp_http_req_target(const fmcp_http_req *req);
FASTMCP_API const char *fmcp_http_req_path(const fmcp_http_req *req);
FASTMCP_API const char *fmcp_http_req_query(const fmcp_http_req *req);
FASTMCP_API const char *fmcp_http_req_header(const fmcp_http_req *req, const char *name);
FASTMCP_API int fmcp_http_req_header_at(const fmcp_http_req *req, size_t i,
                                        const char **name, const char **value);
FASTMCP_API const char *fmcp_http_req_body(const fmcp_http_req *req, size_t *len);
FASTMCP_API const char *fmcp_http_req_remote(const fmcp_http_req *req);
FASTMCP_API void fmcp_http_req_on_close(fmcp_http_req *req, fmcp_http_close_fn fn, void *user);
FASTMCP_API int64_t fmcp_http_req_content_length(const fmcp_http_req *req);
FASTMCP_API void fmcp_http_req_body_limit(fmcp_http_req *req, size_t max);
FASTMCP_API void fmcp_http_req_hold(fmcp_http_req *req);
FASTMCP_API fmcp_result fmcp_http_req_resume(fmcp_http_req *req);

FASTMCP_API fmcp_result fmcp_http_respond(fmcp_http_req *req, int status, const fmcp_http_header *headers,
                                          size_t nheaders, const void *body, size_t len);
FASTMCP_API fmcp_result fmcp_http_stream_start(fmcp_http_req *req, int status,
                                               const fmcp_http_header *headers, size_t nheaders);
FASTMCP_API fmcp_result fmcp_http_stream_write(fmcp_http_req *req, const void *data, size_t len);
FASTMCP_API fmcp_result fmcp_http_sse_send(fmcp_http_req *req, const char *id, const char *event,
                                           const char *data);
FASTMCP_API fmcp_result fmcp_http_stream_end(fmcp_http_req *req);

FASTMCP_API fmcp_result fmcp_http_fetch_async(fmcp_http_loop *loop, const fmcp_http_client_req *req,
                                              fmcp_http_fetch_cb cb, void *user, fmcp_http_fetch_op **op);
FASTMCP_API void fmcp_http_fetch_cancel(fmcp_http_fetch_op *op);
FASTMCP_API fmcp_result fmcp_http_fetch(const fmcp_allocator *a, const fmcp_http_client_req *req,
                                        fmcp_http_response **out);
FASTMCP_API const char *fmcp_http_response_header(const fmcp_http_response *res, const char *name);
FASTMCP_API void fmcp_http_response_destroy(fmcp_http_response *res);
#endif /* FASTMCP_NO_SOCKETS */

#ifdef __cplusplus
}
#endif
