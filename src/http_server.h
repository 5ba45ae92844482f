/* ---------------------------------------------------------------------------
 * http_server: answering, servers, stepping (internal, no declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the http API that http.h declares and documents: fmcp_http_respond,
 * the streaming and SSE calls (formatted straight into the connection on the
 * loop thread, else queued for it), the request accessors, hold/resume,
 * fmcp_http_server_create and friends, and fmcp_http_step / _run /
 * _loop_destroy. Stepping dispatches client events to http_client, declared
 * ahead in the implementation (fmcp__fetch_event, fmcp__fetch_finish,
 * fmcp__dns_poll), as mcp.c does with mcp_era.
 */
