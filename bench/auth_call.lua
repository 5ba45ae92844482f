-- auth_call.lua - wrk script for bench/bench_auth.sh: the same stateless
-- tools/call of `add` over keep-alive, with an optional bearer token (the same
-- one on every request, so the server's token cache answers).
--   wrk -s bench/auth_call.lua http://127.0.0.1:PORT/mcp [-- TOKEN]
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"

function init(args)
  if args[1] ~= nil and args[1] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[1]
  end
end
