/* ---------------------------------------------------------------------------
 * stream: MCP over a byte stream (newline-delimited JSON); stdio is one case
 * ---------------------------------------------------------------------------
 *
 * Usage (stdio)
 *   fmcp_server_desc sd = {0}; sd.name = "demo"; sd.log = fmcp_log_stderr;
 *   fmcp_server *srv; fmcp_server_create(&sd, &srv);
 *   ... add tools ...
 *   fmcp_server_run_stdio(srv);        // returns at EOF on stdin
 *   fmcp_server_destroy(srv);
 *
 * Usage (your own I/O: a UART, a pipe, a socket you own)
 *   fmcp_stream_desc d = {0};
 *   d.read = my_read; d.write = my_write; d.user = &port;
 *   fmcp_stream_serve(srv, &d);        // blocking loop until EOF
 * or, from an event loop that has bytes in hand:
 *   fmcp_stream *st; fmcp_stream_create(srv, &d, &st);   // d.read unused
 *   fmcp_stream_feed(st, bytes, n);    // any split: partial lines are kept
 *   fmcp_stream_destroy(st);           // = EOF
 *
 * Each message is one line of JSON. Lines may arrive in any pieces; "\r\n"
 * endings and empty lines are accepted. A line longer than max_line (default
 * 4 MiB) is discarded up to its newline and answered with a -32600 error
 * (id null); the stream then continues with the next line. Nothing but
 * JSON-RPC messages is ever written; diagnostics go to the server's log sink
 * (fmcp_log_stderr writes them to stderr).
 *
 * fmcp_stream_desc
 *   read(user, buf, cap): bytes read (> 0), 0 at end of input, < 0 on error.
 *   write(user, buf, len): bytes written (> 0, may be fewer than len), < 0 on
 *   error. Writes of one message are never interleaved with another: the
 *   session serialises them, whichever worker thread sends.
 *   auth: identity attached to every message (e.g. from the environment).
 *   read_size: bytes asked of each read (fmcp_stream_serve; 0 = 16 KiB). The
 *   buffer is on the heap, one per reading thread, so the stack stays small.
 *   write_size: a message shorter than this goes out in one write together
 *   with its newline, copied through a heap buffer of this size allocated by
 *   fmcp_stream_create (0 = 4 KiB); a longer one takes two writes. Small
 *   targets set both to a few hundred bytes.
 *
 * fmcp_stream_serve returns FMCP_OK at end of input, FMCP_ERR_IO after a read
 * error. With a worker pool it reads on two threads, never both at once (so
 * read needs no locking, only to work from any thread): the thread that read
 * a lone call runs it and then reads on, which saves a thread wake-up per
 * call; the other thread takes the reading over when that call still runs
 * after about a millisecond, so a slow tool delays pings and other calls by
 * 1-2 ms at most. The second thread starts with the first call. Either way
 * the session is closed: in-flight calls are cancelled and
 * their late responses dropped. fmcp_server_run_stdio serves file
 * descriptors 0 and 1.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_stream fmcp_stream;

typedef struct fmcp_stream_desc {
    long (*read)(void *user, void *buf, size_t cap);
    long (*write)(void *user, const void *buf, size_t len);
    void *user;
    size_t max_line;             /* 0 = 4 MiB */
    const fmcp_auth_info *auth;  /* may be NULL */
    size_t read_size;            /* bytes per read (heap); 0 = 16 KiB */
    size_t write_size;           /* one-write message buffer (heap); 0 = 4 KiB */
} fmcp_stream_desc;

FASTMCP_API fmcp_result fmcp_stream_create(fmcp_server *srv, const fmcp_stream_desc *d, fmcp_stream **out);
/* Process n bytes. Returns FMCP_ERR_NOMEM if a message could not be handled,
 * FMCP_ERR_IO once a write failed; the stream stays usable otherwise. */
FASTMCP_API fmcp_result fmcp_stream_feed(fmcp_stream *st, const void *data, size_t n);
FASTMCP_API fmcp_session *fmcp_stream_session(fmcp_stream *st);
FASTMCP_API void fmcp_stream_destroy(fmcp_stream *st);
FASTMCP_API fmcp_result fmcp_stream_serve(fmcp_server *srv, const fmcp_stream_desc *d);
FASTMCP_API fmcp_result fmcp_server_run_stdio(fmcp_server *srv);
/* A log sink (fmcp_server_desc.log) writing "fastmcp: <level>: msg" lines to stderr. */
FASTMCP_API void fmcp_log_stderr(void *user, fmcp_log_level level, const char *message);

#ifdef __cplusplus
}
#endif
