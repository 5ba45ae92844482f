/* ---------------------------------------------------------------------------
 * mcp_http_serve: the Streamable HTTP endpoint's requests (internal, no
 * declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the mcp_http API, which mcp_http.h declares and documents. Here:
 * POST (calls, batches, stateless and 2026-07-28 requests), GET and DELETE,
 * the legacy HTTP+SSE transport, dispatch by path and method, the
 * housekeeping timer and the public calls (fmcp_http_endpoint_create, ...).
 * Sessions, streams, replay buffers and the per-principal quotas are
 * mcp_http's.
 */
