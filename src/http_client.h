/* ---------------------------------------------------------------------------
 * http_client: the loop's HTTP client (internal, no declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the http API that http.h declares and documents (fmcp_http_fetch,
 * fmcp_http_fetch_async, fmcp_http_fetch_cancel, responses): resolving (names
 * on a helper thread), non-blocking connects, the request, and reading the
 * response with http's head parser and chunk decoder. fmcp__tcp_begin and
 * fmcp__tcp_result also serve the MCP client's connections.
 */
