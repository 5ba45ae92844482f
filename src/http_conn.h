/* ---------------------------------------------------------------------------
 * http_conn: the server's connections (internal, no declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the http server that http.h declares and documents. Here: the
 * server, connection and request types, the plain TCP transport, timeout
 * lists, closing and failing connections, reading, request head parsing
 * (strict: CRLF lines, RFC 9112 framing), body reading (Content-Length and
 * chunked), on_head, and accepting. http_server answers the requests and
 * drives it; all of it is private (static fmcp__*).
 */
