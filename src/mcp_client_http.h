/* ---------------------------------------------------------------------------
 * mcp_client_http: the MCP client's Streamable HTTP transport (internal, no
 * public functions of its own)
 * ---------------------------------------------------------------------------
 *
 * fmcp_client_connect_http is declared and documented with the rest of the
 * client in mcp_client.h. This part of the implementation holds the HTTP
 * transport behind it: blocking keep-alive connections (TLS through the
 * descriptor's fmcp_http_io), responses read with http's head parser and
 * chunk decoder, SSE, OAuth challenges answered and the request sent again,
 * resumption with Last-Event-ID, the stand-alone GET stream (the 2026-07-28
 * listen stream), the legacy HTTP+SSE transport and the session's DELETE.
 * All of it is private (static fmcp__cl_*) and lives in the implementation:
 * it uses mcp_client.c's types, and mcp_client.c declares the entry points it
 * calls here. Left out with FASTMCP_NO_SOCKETS.
 */
