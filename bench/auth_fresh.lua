-- auth_fresh.lua - wrk script for bench/bench_auth.sh: the tools/call of
-- auth_call.lua, but every request carries the next token of a file (one per
-- line, distinct jti), so with more tokens than the server's token cache each
-- request costs a signature verification. Threads start at different offsets.
--   wrk -s bench/auth_fresh.lua http://127.0.0.1:PORT/mcp -- TOKEN_FILE
local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
local tokens = {}
local n, i = 0, 0
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then n = n + 1; tokens[n] = line end
  end
  i = ((tid or 0) * 7919) % n
end

function request()
  i = i % n + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "2025-06-18",
    ["Authorization"] = "Bearer " .. tokens[i],
  }, body)
end
