# Renames from fastmcp.h 0.1 to 0.2 (see docs/MIGRATION.md).
#   sed -E -i -f tools/migrate-0.1.sed your.c
# One lifecycle vocabulary: an object you own is made by _create (or a verb
# that says more, e.g. fmcp_client_connect_http) and ended by _destroy.
s/\bfmcp_auth_free\b/fmcp_auth_destroy/g
s/\bfmcp_http_loop_new\b/fmcp_http_loop_create/g
s/\bfmcp_http_loop_free\b/fmcp_http_loop_destroy/g
s/\bfmcp_http_server_start\b/fmcp_http_server_create/g
s/\bfmcp_http_server_free\b/fmcp_http_server_destroy/g
s/\bfmcp_http_response_free\b/fmcp_http_response_destroy/g
s/\bfmcp_json_doc_free\b/fmcp_json_doc_destroy/g
s/\bfmcp_jwks_free\b/fmcp_jwks_destroy/g
s/\bfmcp_jwt_keyset_free\b/fmcp_jwt_keyset_destroy/g
s/\bfmcp_jwt_verifier_free\b/fmcp_jwt_verifier_destroy/g
s/\bfmcp_jwt_verdict_free\b/fmcp_jwt_verdict_destroy/g
s/\bfmcp_oauth_new\b/fmcp_oauth_create/g
s/\bfmcp_oauth_free\b/fmcp_oauth_destroy/g
s/\bfmcp_oauth_memory_store_new\b/fmcp_oauth_memory_store_create/g
s/\bfmcp_oauth_memory_store_free\b/fmcp_oauth_memory_store_destroy/g
s/\bfmcp_tls_client_new\b/fmcp_tls_client_create/g
s/\bfmcp_tls_client_free\b/fmcp_tls_client_destroy/g
s/\bfmcp_tls_server_new\b/fmcp_tls_server_create/g
s/\bfmcp_tls_server_free\b/fmcp_tls_server_destroy/g
s/\bfmcp_client_close\b/fmcp_client_destroy/g
s/\bfmcp_session_close\b/fmcp_session_destroy/g
# The MCP endpoint served over HTTP (was "transport", which also named the
# TLS I/O seam, and fmcp_mcp_http_*, which said "mcp" twice).
s/\bfmcp_mcp_http_attach\b/fmcp_http_endpoint_create/g
s/\bfmcp_mcp_http_free\b/fmcp_http_endpoint_destroy/g
s/\bfmcp_mcp_http_(auth_resume|close_sse|loop|port|replay_bytes|sessions)\b/fmcp_http_endpoint_\1/g
s/\bfmcp_mcp_http\b/fmcp_http_endpoint/g
s/\bfmcp_http_transport_desc\b/fmcp_http_endpoint_desc/g
# The byte I/O seam under HTTP connections (TLS plugs in here).
s/\bfmcp_http_transport\b/fmcp_http_io/g
s/\bfmcp_tls_client_transport\b/fmcp_tls_client_io/g
s/\bfmcp_tls_server_transport\b/fmcp_tls_server_io/g
# One way to free returned text: fmcp_free_text(allocator, text, length).
s/\bfmcp_jwt_token_free\(/fmcp_free_text(/g
s/\bfmcp_jw_free_output\(&([A-Za-z_][A-Za-z0-9_]*)->([A-Za-z_][A-Za-z0-9_]*), ([A-Za-z_][A-Za-z0-9_]*)\)/fmcp_free_text(\1->\2.alloc, \3, strlen(\3))/g
s/\bfmcp_jw_free_output\(&([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*), ([A-Za-z_][A-Za-z0-9_]*)\)/fmcp_free_text(\1.\2.alloc, \3, strlen(\3))/g
s/\bfmcp_jw_free_output\(&([A-Za-z_][A-Za-z0-9_]*), ([A-Za-z_][A-Za-z0-9_]*)\)/fmcp_free_text(\1.alloc, \2, strlen(\2))/g
s/\bfmcp_jw_free_output\(([A-Za-z_][A-Za-z0-9_]*), ([A-Za-z_][A-Za-z0-9_]*)\)/fmcp_free_text(\1->alloc, \2, strlen(\2))/g
s/\bfmcp_free_text\(([a-z_]*ctx|c), /fmcp_free_text(fmcp_ctx_allocator(\1), /g
# Big numbers are private now (used by rsa and ec only).
s/\bfmcp_bn_/fmcp__bn_/g
s/\bfmcp_limb\b/fmcp__limb/g
s/\bFMCP_MCP_HTTP_/FMCP_HTTP_ENDPOINT_/g
