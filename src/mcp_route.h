/* ---------------------------------------------------------------------------
 * mcp_route: incoming messages of the mcp part (parsing, batches, routing,
 * the 2025 methods, the call observer)
 * ---------------------------------------------------------------------------
 *
 * The API is declared and documented in the mcp part (fmcp_session_receive,
 * fmcp_session_receive_ex/_doc, fmcp_session_reply_error,
 * fmcp_session_assume_initialized, fmcp_server_notify_resource_updated,
 * fmcp_server_set_call_observer, fmcp_server_item_scopes); this module
 * implements it. Nothing public is declared here.
 *
 * Private: the request being routed (fmcp__mcp_req) is defined in the
 * implementation, where mcp_era and mcp_tasks (later in the same translation
 * unit) use it; the modules above reach it only through pointers.
 */
