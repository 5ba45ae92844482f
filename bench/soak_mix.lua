-- soak_mix.lua - wrk script for bench/soak.sh: a mix of session traffic on
-- bench/auth_server --sessions. Each thread works as one of the valid principals
-- but the last two (those belong to bench/soak_abandon.py), with a
-- thread-wide session (initialize, then calls on it), and sends, by weight:
--   66% tools/call progress with a progressToken (two progress events and a
--       1 KiB answer, as SSE)
--    4% initialize (a new session: the per-principal cap recycles old ones)
--    2% DELETE of its session
--    8% a call with an expired token, 8% with a garbage token, 4% none,
--    8% a call on a session id nobody owns
-- The token file has lines "valid TOKEN", "expired TOKEN", "garbage TOKEN".
-- Statuses are counted per kind of request (the answer of wrk's response()
-- cannot be matched to its request, so a per-status count is what we have):
-- 200/202 answers, 401 (bad tokens), 404 (unknown/ended session: the
-- session-less calls and calls racing a DELETE or an evicted session), 429
-- (a cap); anything else is "unexpected" and its status is kept.
--   wrk -s bench/soak_mix.lua http://127.0.0.1:PORT/mcp -- TOKEN_FILE
local valid, expired, garbage = {}, {}, {}
local sid = nil
local me = nil
local n = 0
local next_id = 0
local threads = {}
c200, c202, c401, c404, c429, cother = 0, 0, 0, 0, 0, 0
unexpected = ""

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(args[1]) do
    local kind, tok = line:match("^(%S+) (%S+)$")
    if kind == "valid" then valid[#valid + 1] = tok
    elseif kind == "expired" then expired[#expired + 1] = tok
    elseif kind == "garbage" then garbage[#garbage + 1] = tok end
  end
  me = valid[((tid or 0) % math.max(#valid - 2, 1)) + 1]
  math.randomseed(os.time() + (tid or 0) * 7919)
end

local function hdrs(tok, s)
  local h = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "2025-11-25",
  }
  if tok then h["Authorization"] = "Bearer " .. tok end
  if s then h["Mcp-Session-Id"] = s end
  return h
end

local init_body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",' ..
  '"capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}'

local function call_body()
  n = n + 1
  return '{"jsonrpc":"2.0","id":' .. n .. ',"method":"tools/call","params":{"name":"progress",' ..
    '"arguments":{"steps":2,"ms":0,"kib":1},"_meta":{"progressToken":' .. n .. '}}}'
end

function request()
  local r = math.random(100)
  if sid == nil or r <= 4 then
    return wrk.format("POST", nil, hdrs(me, nil), init_body)
  elseif r <= 6 then
    local s = sid
    sid = nil
    return wrk.format("DELETE", nil, hdrs(me, s), nil)
  elseif r <= 14 then
    return wrk.format("POST", nil, hdrs(expired[math.random(#expired)], sid), call_body())
  elseif r <= 22 then
    return wrk.format("POST", nil, hdrs(garbage[math.random(#garbage)], sid), call_body())
  elseif r <= 26 then
    return wrk.format("POST", nil, hdrs(nil, sid), call_body())
  elseif r <= 34 then
    return wrk.format("POST", nil, hdrs(me, "00112233445566778899aabbccddeeff"), call_body())
  end
  return wrk.format("POST", nil, hdrs(me, sid), call_body())
end

function response(status, headers, body)
  local s = headers["Mcp-Session-Id"] or headers["mcp-session-id"]
  if status == 200 and s then sid = s end
  if status == 200 then c200 = c200 + 1
  elseif status == 202 then c202 = c202 + 1
  elseif status == 401 then c401 = c401 + 1
  elseif status == 404 then c404 = c404 + 1
  elseif status == 429 then c429 = c429 + 1
  else
    cother = cother + 1
    if #unexpected < 200 then unexpected = unexpected .. " " .. status end
  end
end

function done(summary, latency, requests)
  local t = { 0, 0, 0, 0, 0, 0 }
  local u = ""
  for _, th in ipairs(threads) do
    t[1] = t[1] + th:get("c200"); t[2] = t[2] + th:get("c202"); t[3] = t[3] + th:get("c401")
    t[4] = t[4] + th:get("c404"); t[5] = t[5] + th:get("c429"); t[6] = t[6] + th:get("cother")
    u = u .. th:get("unexpected")
  end
  io.write(string.format("statuses 200=%d 202=%d 401=%d 404=%d 429=%d unexpected=%d%s\n",
    t[1], t[2], t[3], t[4], t[5], t[6], u ~= "" and (" (" .. u .. " )") or ""))
  io.write(string.format("socket errors: connect %d read %d write %d timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
