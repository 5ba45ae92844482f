#!/bin/sh
# MCP Streamable HTTP speed and footprint.
#
# Speed: the same tools/call (`add`, bench/mcp_http_call.lua) over keep-alive
# connections, driven by wrk --latency, against
#   fastmcp.h stateless JSON   (bench/mcp_http_server.c ... stateless)
#   fastmcp.h session mode     (initialised once here, wrk reuses Mcp-Session-Id)
#   fastmcp.h 2026-07-28       (the stateless call of the current protocol revision:
#                               _meta in the body, Mcp-Method/Mcp-Name headers)
#     both with the default worker pool and with handlers inline on the loop
#     thread (workers < 0, the set-up for fast tools); stateless also with the
#     pool but `add` opted in per tool (fmcp_tool_desc.run_inline)
#   TypeScript fastmcp         (bench/mcp_http_ts_server.mjs, stateless + JSON)
#   nginx                      (a fixed body of the same length: the HTTP ceiling),
#                              with 1 worker process and with `worker_processes auto`
#   BASE=<git ref> adds that revision's server (its legacy stateless path, pool and
#   inline), e.g. BASE=7db4baf^ for the library as the 2026-07-28 work found it
# Every side is driven at each connection count in CONNS (default "50 400").
# The sides run one after another, ROUNDS times (default 2), and the best rate
# of each is reported: the machine may be shared, so single runs are noisy.
#
# Footprint: VmRSS of a fresh fastmcp.h server holding 1,000 idle keep-alive
# connections (each answered one tools/call) and 100 sessions with an open GET
# SSE stream (bench/mcp_http_conns.py), minus the RSS before, per connection.
#
# Everything binds 127.0.0.1 on ports picked at run time; every process
# started here is stopped on exit. Environment: DUR (s per run, 5), CONNS
# (wrk connection counts, "50 400"), ROUNDS (2), IDLE (1000), STREAMS (100).
# BIN (with BIN_PREBUILT=1) runs another build of the server; KEEP_RUNS=FILE
# keeps the raw results (side conns req/s p99 non-2xx socket-errors).
cd "$(dirname "$0")/.." || exit 2
command -v wrk >/dev/null 2>&1 || { echo "wrk not installed: skipped"; exit 0; }
command -v curl >/dev/null 2>&1 || { echo "curl not installed: skipped"; exit 0; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BIN=${BIN:-build/bench/mcp_http_server}
[ -n "${BIN_PREBUILT:-}" ] || make -s "$BIN" || exit 1
D=${DUR:-5}; CONNS=${CONNS:-50 400}; ROUNDS=${ROUNDS:-2}; IDLE=${IDLE:-1000}; STREAMS=${STREAMS:-100}
NC=$(echo $CONNS | wc -w)
LIFE=$(( (ROUNDS * NC * 9 * (D + 3)) + 300 ))   # our servers stop by themselves after this
. bench/lib.sh   # tmp, pids (stopped on exit), freeport, await_port
# Starts our server in mode $1 (+ option $3), logging to $tmp/$2.out; sets PORT and SPID.
start_ours() {
  "$BIN" 0 "$LIFE" "$1" ${3:-} >"$tmp/$2.out" 2>&1 & SPID=$!
  pids="$pids $SPID"
  PORT=$(await_port "$tmp/$2.out") || { echo "$2: server did not start"; cat "$tmp/$2.out"; exit 1; }
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
mcp_post() { # port body [session] -> response headers+body on stdout
  curl -s -i -X POST "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
    ${3:+-H "Mcp-Session-Id: $3"} -d "$2"
}
CALL='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
MCALL='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
mcp_post_modern() { # port -> response headers+body of the 2026-07-28 call
  curl -s -i -X POST "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
    -H 'Mcp-Method: tools/call' -H 'Mcp-Name: add' -d "$MCALL"
}

# ---- servers -----------------------------------------------------------------
# init_session PORT: initialize + initialized; prints the Mcp-Session-Id.
init_session() {
  init=$(mcp_post "$1" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}')
  sid=$(printf '%s\n' "$init" | tr -d '\r' | awk 'tolower($1) == "mcp-session-id:" { print $2 }')
  [ -n "$sid" ] || return 1
  mcp_post "$1" '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$sid" >/dev/null && echo "$sid"
}
start_ours stateless ours_sl; P_SL=$PORT
start_ours stateless ours_sli --inline; P_SLI=$PORT
start_ours stateless ours_slt --inline-tool; P_SLT=$PORT
start_ours session ours_ss; P_SS=$PORT
start_ours session ours_ssi --inline; P_SSI=$PORT
SID=$(init_session "$P_SS") && SIDI=$(init_session "$P_SSI") \
  || { echo "session mode: initialize gave no Mcp-Session-Id"; exit 1; }

sides="ours_sl ours_sli ours_slt ours_ss ours_ssi ours_md ours_mdi"
if [ -n "${BASE:-}" ]; then   # an earlier revision's server, built the same way
  mkdir -p "$tmp/base"
  git archive "$BASE" fastmcp.h bench/mcp_http_server.c | tar -x -C "$tmp/base" \
    || { echo "BASE=$BASE: cannot read that revision"; exit 1; }
  ${CC:-cc} -std=c99 -O3 -march=native -I"$tmp/base" -o "$tmp/base/srv" "$tmp/base/bench/mcp_http_server.c" \
    -lpthread -lm || exit 1
  ours=$BIN; BIN=$tmp/base/srv
  start_ours stateless base_sl; P_BSL=$PORT
  start_ours stateless base_sli --inline; P_BSLI=$PORT
  BIN=$ours
  sides="$sides base_sl base_sli"
fi
if command -v node >/dev/null 2>&1 && [ -d tests/interop/node_modules/fastmcp ]; then
  P_TS=$(freeport)
  node bench/mcp_http_ts_server.mjs "$P_TS" >"$tmp/ts.out" 2>&1 & pid=$!
  pids="$pids $pid"
  if await_port "$tmp/ts.out" >/dev/null; then sides="$sides ts"; else echo "TypeScript server did not start:"; cat "$tmp/ts.out"; fi
else
  echo "TypeScript fastmcp not installed (npm ci in tests/interop): that side is skipped"
fi
# start_nginx SIDE WORKERS: nginx answering the fixed body; sets P_<SIDE> and adds SIDE.
start_nginx() {
  port=$(freeport)
  mkdir -p "$tmp/$1"
  cat >"$tmp/$1/nginx.conf" <<CONF
worker_processes $2;
daemon off;
error_log $tmp/$1/error.log;
pid $tmp/$1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/$1;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '$body'; }
  }
}
CONF
  "$NGINX" -c "$tmp/$1/nginx.conf" -p "$tmp/$1" >"$tmp/$1/out" 2>&1 & pid=$!
  pids="$pids $pid"
  i=0; while ! curl -s -o /dev/null "http://127.0.0.1:$port/" && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then sides="$sides $1"; eval "P_$1=$port"; else echo "nginx ($2) did not start"; fi
}
if [ -x "$NGINX" ]; then
  # the body our server answers, so both sides move the same bytes
  body=$(mcp_post "$P_SL" "$CALL" | tr -d '\r' | awk 'body { print } /^$/ { body = 1 }')
  start_nginx nginx 1
  start_nginx nginxa auto
else
  echo "nginx not installed: that side is skipped"
fi

# Each side answers the call correctly before it is measured.
for s in $sides; do
  case $s in
    ours_sl) out=$(mcp_post "$P_SL" "$CALL") ;;
    ours_sli) out=$(mcp_post "$P_SLI" "$CALL") ;;
    ours_slt) out=$(mcp_post "$P_SLT" "$CALL") ;;
    ours_ss) out=$(mcp_post "$P_SS" "$CALL" "$SID") ;;
    ours_ssi) out=$(mcp_post "$P_SSI" "$CALL" "$SIDI") ;;
    ours_md) out=$(mcp_post_modern "$P_SL") ;;
    ours_mdi) out=$(mcp_post_modern "$P_SLI") ;;
    base_sl) out=$(mcp_post "$P_BSL" "$CALL") ;;
    base_sli) out=$(mcp_post "$P_BSLI" "$CALL") ;;
    ts) out=$(mcp_post "$P_TS" "$CALL") ;;
    nginx) out=$(mcp_post "$P_nginx" "$CALL") ;;
    nginxa) out=$(mcp_post "$P_nginxa" "$CALL") ;;
  esac
  printf '%s' "$out" | grep -q '"text":"3"' || { echo "$s: wrong answer to tools/call:"; echo "$out"; exit 1; }
done

# ---- speed -----------------------------------------------------------------
# run SIDE ROUND CONNS: one wrk run; appends "side conns rps p99 non2xx sockerr" to $tmp/runs.
run() {
  case $1 in
    ours_sl) url="http://127.0.0.1:$P_SL/mcp"; arg="" ;;
    ours_sli) url="http://127.0.0.1:$P_SLI/mcp"; arg="" ;;
    ours_slt) url="http://127.0.0.1:$P_SLT/mcp"; arg="" ;;
    ours_ss) url="http://127.0.0.1:$P_SS/mcp"; arg="$SID" ;;
    ours_ssi) url="http://127.0.0.1:$P_SSI/mcp"; arg="$SIDI" ;;
    ours_md) url="http://127.0.0.1:$P_SL/mcp"; arg=modern ;;
    ours_mdi) url="http://127.0.0.1:$P_SLI/mcp"; arg=modern ;;
    base_sl) url="http://127.0.0.1:$P_BSL/mcp"; arg="" ;;
    base_sli) url="http://127.0.0.1:$P_BSLI/mcp"; arg="" ;;
    ts) url="http://127.0.0.1:$P_TS/mcp"; arg="" ;;
    nginx) url="http://127.0.0.1:$P_nginx/mcp"; arg="" ;;
    nginxa) url="http://127.0.0.1:$P_nginxa/mcp"; arg="" ;;
  esac
  wrk -t2 -c"$3" -d"${D}s" --timeout 10s --latency -s bench/mcp_http_call.lua "$url" -- $arg >"$tmp/wrk-$1-$2-$3.txt" 2>&1
  awk -v side="$1" -v conns="$3" '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(",", ""); sock += $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %s %d %d\n", side, conns, rps + 0, (p99 == "" ? "-" : p99), bad, sock }' "$tmp/wrk-$1-$2-$3.txt" >>"$tmp/runs"
}
r=1
while [ $r -le "$ROUNDS" ]; do
  for c in $CONNS; do for s in $sides; do run "$s" "$r" "$c"; done; done
  r=$((r + 1))
done

# ---- footprint ---------------------------------------------------------------
# hold MODE N SERVER_MODE NAME: fresh server, RSS before and with N held; sets
# BASE, HELD (KiB) or HELD="" when the helper failed.
hold() {
  start_ours "$3" "$4"; srv=$SPID
  python3 bench/mcp_http_conns.py "$PORT" "$1" 4 >"$tmp/$4-warm.out" 2>&1 & hp=$!; pids="$pids $hp"
  i=0; while ! grep -q '^ready\|^failed' "$tmp/$4-warm.out" && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
  kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
  BASE=$(rss_kib "$srv")
  python3 bench/mcp_http_conns.py "$PORT" "$1" "$2" >"$tmp/$4-hold.out" 2>&1 & hp=$!; pids="$pids $hp"
  i=0; while ! grep -q '^ready\|^failed' "$tmp/$4-hold.out" && [ $i -lt 1200 ]; do i=$((i + 1)); sleep 0.05; done
  HELD=""
  grep -q "^ready $2$" "$tmp/$4-hold.out" && HELD=$(rss_kib "$srv") || { echo "$4:"; cat "$tmp/$4-hold.out"; }
  kill "$hp" "$srv" 2>/dev/null; wait "$hp" 2>/dev/null; wait "$srv" 2>/dev/null
}
if command -v python3 >/dev/null 2>&1 && [ -r /proc/self/status ]; then
  hold idle "$IDLE" stateless mem_idle; IB=$BASE; IH=$HELD
  hold sse "$STREAMS" session mem_sse; SB=$BASE; SH=$HELD
fi

# ---- report ------------------------------------------------------------------
echo "MCP Streamable HTTP, tools/call over keep-alive: wrk -t2 -cN -d${D}s --latency, best of $ROUNDS alternating runs"
echo "(the machine may be shared with other work: rates are noisy, compare within one run; $(nproc 2>/dev/null || echo '?') CPUs, wrk included)"
awk -v conns="$CONNS" '
  { k = $1 " " $2; if (!(k in best) || $3 > best[k]) { best[k] = $3; p99[k] = $4 } bad[k] += $5; sock[k] += $6 }
  END {
    name["ours_sl"] = "fastmcp.h stateless JSON, pool"; name["ours_sli"] = "fastmcp.h stateless JSON, inline"
    name["ours_slt"] = "fastmcp.h stateless, pool, tool run_inline"
    name["ours_ss"] = "fastmcp.h session, pool"; name["ours_ssi"] = "fastmcp.h session, inline"
    name["ours_md"] = "fastmcp.h 2026-07-28 stateless, pool"; name["ours_mdi"] = "fastmcp.h 2026-07-28 stateless, inline"
    name["base_sl"] = "BASE legacy stateless, pool"; name["base_sli"] = "BASE legacy stateless, inline"
    name["ts"] = "TypeScript fastmcp stateless JSON"; name["nginx"] = "nginx fixed body (1 worker)"
    name["nginxa"] = "nginx fixed body (worker_processes auto)"
    nc = split(conns, cs, " ")
    n = split("ours_sl ours_sli ours_slt ours_ss ours_ssi ours_md ours_mdi base_sl base_sli ts nginx nginxa", order, " ")
    for (j = 1; j <= nc; j++) {
      c = cs[j]; ng = best["nginx " c] + 0; nga = best["nginxa " c] + 0; tsr = best["ts " c] + 0
      printf "-- %d connections\n", c
      printf "%-42s %9s %10s %8s %8s %8s %7s %8s\n", "server", "req/s", "p99", "x nginx", "x ngx-a", "x TS", "non-2xx", "sock-err"
      for (i = 1; i <= n; i++) {
        s = order[i]; k = s " " c; if (!(k in best)) continue
        printf "%-42s %9.0f %10s %8s %8s %8s %7d %8d\n", name[s], best[k], p99[k],
               (ng > 0 ? sprintf("%.2f", best[k] / ng) : "-"), (nga > 0 ? sprintf("%.2f", best[k] / nga) : "-"),
               (tsr > 0 ? sprintf("%.1f", best[k] / tsr) : "-"), bad[k], sock[k]
        if (bad[k] > 0 && s != "ts") failed = 1
      }
      pool = best["ours_sl " c] + 0; top = pool
      if (best["ours_sli " c] > top) top = best["ours_sli " c]
      if (best["ours_slt " c] > top) top = best["ours_slt " c]
      if (ng > 0) printf "goal >= 0.5x nginx (1 worker): default pool %.2fx %s; best (inline) %.2fx %s\n",
                         pool / ng, (pool >= 0.5 * ng ? "met" : "MISSED"), top / ng, (top >= 0.5 * ng ? "met" : "MISSED")
      md = best["ours_md " c] + 0; mdi = best["ours_mdi " c] + 0
      if (md > 0 && pool > 0)
        printf "goal 2026-07-28 stateless >= legacy stateless: pool %.2fx %s; inline %.2fx %s\n",
               md / pool, (md >= pool ? "met" : "MISSED"), (best["ours_sli " c] > 0 ? mdi / best["ours_sli " c] : 0),
               (mdi >= best["ours_sli " c] ? "met" : "MISSED")
      bsl = best["base_sl " c] + 0; bsli = best["base_sli " c] + 0
      if (md > 0 && bsl > 0 && bsli > 0)
        printf "2026-07-28 stateless vs BASE legacy stateless: pool %.2fx %s; inline %.2fx %s\n",
               md / bsl, (md >= bsl ? "met" : "MISSED"), mdi / bsli, (mdi >= bsli ? "met" : "MISSED")
      if (tsr > 0) printf "goal >= 50x TypeScript: default pool %.1fx %s; best %.1fx %s\n",
                          pool / tsr, (pool >= 50 * tsr ? "met" : "MISSED"), top / tsr, (top >= 50 * tsr ? "met" : "MISSED")
    }
    exit failed
  }' "$tmp/runs"
status=$?
if [ -n "${IB:-}" ]; then
  echo "fastmcp.h footprint (VmRSS, KiB; baseline = fresh server after 4 warm-up connections):"
  if [ -n "$IH" ]; then
    awk -v b="$IB" -v h="$IH" -v n="$IDLE" 'BEGIN { printf "  %5d idle keep-alive connections: %6d -> %6d  = %.2f KiB per connection (goal < 16: %s)\n", n, b, h, (h - b) / n, ((h - b) / n < 16 ? "met" : "MISSED") }'
  else echo "  idle connections: helper failed"; status=1; fi
  if [ -n "$SH" ]; then
    awk -v b="$SB" -v h="$SH" -v n="$STREAMS" 'BEGIN { printf "  %5d sessions with a GET SSE stream: %6d -> %6d  = %.2f KiB per stream (session included)\n", n, b, h, (h - b) / n }'
  else echo "  SSE streams: helper failed"; status=1; fi
else
  echo "footprint: skipped (needs python3 and /proc)"
fi
exit $status
