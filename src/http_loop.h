/* ---------------------------------------------------------------------------
 * http_loop: the HTTP event loop (internal, no declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the http API, which http.h declares and documents (fmcp_http_loop,
 * timers, fmcp_http_stop, fmcp_http_loop_fd). Here: the loop object, the
 * epoll / poll / WSAPoll back ends (fmcp__io_add/_mod/_del, retiring objects
 * until the end of a step), the timer heap, the cross-thread wake-up and the
 * buffer pool. Its private types (fmcp__io, fmcp__op, struct fmcp_http_loop)
 * live in the implementation and serve http_conn, http_server and http_client.
 */
