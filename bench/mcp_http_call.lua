-- mcp_http_call.lua - wrk script for bench/bench_mcp_http.sh: every request is
-- the same tools/call of `add` over keep-alive. An optional argument after
-- `--` is an Mcp-Session-Id (session mode; the script initialised it), or
-- "modern": the call as protocol 2026-07-28 sends it (no session, _meta in
-- the body, Mcp-Method/Mcp-Name headers).
--   wrk -s bench/mcp_http_call.lua http://127.0.0.1:PORT/mcp [-- SESSION_ID | modern]
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"

function init(args)
  if args[1] == "modern" then
    wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},' ..
      '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
    wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
    wrk.headers["Mcp-Method"] = "tools/call"
    wrk.headers["Mcp-Name"] = "add"
  elseif args[1] ~= nil and args[1] ~= "" then
    wrk.headers["Mcp-Session-Id"] = args[1]
  end
end
