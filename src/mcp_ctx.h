/* ---------------------------------------------------------------------------
 * mcp_ctx: handler contexts (the fmcp_ctx_* functions of the mcp part)
 * ---------------------------------------------------------------------------
 *
 * The API is declared and documented in the mcp part (fmcp_ctx_args,
 * fmcp_ctx_add_text, fmcp_ctx_progress, fmcp_ctx_request, ...); this module
 * implements it. Nothing public is declared here.
 */

/* ---- private: shared between the mcp modules ------------------------------
 * Not API. The engine is one translation unit (mcp, mcp_ctx, mcp_route, then
 * mcp_era and mcp_tasks); these are the fmcp__mcp_* functions of this module
 * that mcp.c calls before their definitions. Declared only where the
 * implementation is compiled, so other files see no static declarations. */
#if defined(FASTMCP_IMPLEMENTATION) && !defined(FASTMCP_IMPLEMENTATION_DONE)
/* Run a context's handler (worker pool, inline dispatch, fmcp_server_run_jobs). */
static void fmcp__mcp_run(fmcp_ctx *c);
/* Release subscriptions/listen contexts collected through qnext (session destroy). */
static void fmcp__mcp_end_listens(fmcp_ctx *c);
#endif
