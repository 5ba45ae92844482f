/* ---------------------------------------------------------------------------
 * mcp_client_stdio: the MCP client's stream transport (internal, no public
 * functions of its own)
 * ---------------------------------------------------------------------------
 *
 * fmcp_client_connect_stdio and fmcp_client_connect_fd are declared and
 * documented with the rest of the client in mcp_client.h. This part of the
 * implementation holds the stream transport behind them: newline-delimited
 * messages over the spawned server's stdin/stdout (fork/exec; Windows:
 * CreateProcess and a pipe thread) or a descriptor pair, the reading baton
 * (fmcp__cl_stream_wait) and the reader thread, and the child's shutdown.
 * All of it is private (static fmcp__cl_*) and lives in the implementation:
 * it uses mcp_client.c's types, and mcp_client.c declares the entry points it
 * calls here.
 */
