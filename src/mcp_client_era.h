/* ---------------------------------------------------------------------------
 * mcp_client_era: the MCP client's protocol 2026-07-28 half (internal, no
 * public functions of its own)
 * ---------------------------------------------------------------------------
 *
 * What a modern connection does is documented with the client in
 * mcp_client.h ("Protocol 2026-07-28" and "Result cache"). This part of the
 * implementation holds it: the era probe (server/discover) and the
 * subscriptions/listen request, the HTTP request headers of SEP-2243
 * (Mcp-Method, Mcp-Name, Mcp-Param-* from x-mcp-header annotations, and the
 * check that leaves tools with broken annotations out of tools/list), multi
 * round-trip requests (input_required answered by the client's handlers and
 * the request retried) and the result cache with its memory store. All of it
 * is private (static fmcp__cl_*) and lives in the implementation: it uses
 * mcp_client.c's types, and mcp_client.c declares the entry points it calls
 * here.
 */
