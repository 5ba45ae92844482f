#!/bin/sh
# Cost of bearer authentication on MCP tools/call (Streamable HTTP, stateless
# JSON, keep-alive, wrk --latency), all sides in one run:
#   (a) fastmcp.h without auth                  bench/auth_server.c serve ... none
#   (b) fastmcp.h with auth, one reused token   (the verified-token cache answers)
#   (c) fastmcp.h with auth, a fresh token on every request: bench/auth_fresh.lua
#       cycles through TOKENS (default 8192) tokens with distinct jti, 8x the
#       token cache (1024), so each request costs an RSA-2048 verification;
#       the server's own counters (verifications / cache hits) are reported
#   (ts) TypeScript fastmcp with a jose JWT authenticate hook, reused token
#       (tests/interop/fastmcp-auth-server.mjs), and (ts-c) with fresh tokens
# Same key (build/fmcp keygen), issuer, audience and required scope for all.
# Goal: (b)/(a) >= 0.8. The sides run one after another, ROUNDS times, best
# rate kept (the machine may be shared). Environment: DUR (s per run, 5),
# CONNS (50), ROUNDS (2), TOKENS (8192).
cd "$(dirname "$0")/.." || exit 2
command -v wrk >/dev/null 2>&1 || { echo "wrk not installed: skipped"; exit 0; }
command -v curl >/dev/null 2>&1 || { echo "curl not installed: skipped"; exit 0; }
BIN=${BIN:-build/bench/auth_server}
FMCP=${FMCP:-build/fmcp}
[ -n "${BIN_PREBUILT:-}" ] || make -s "$BIN" "$FMCP" || exit 1
D=${DUR:-5}; C=${CONNS:-50}; ROUNDS=${ROUNDS:-2}; NTOK=${TOKENS:-8192}
LIFE=$(( (ROUNDS * 5 * (D + 3)) + 300 ))
. bench/lib.sh   # tmp, pids (stopped on exit), freeport, await_port
start_ours() { # name keys-or-none
  "$BIN" serve 0 "$LIFE" "$2" >"$tmp/$1.out" 2>&1 & pids="$pids $!"
  PORT=$(await_port "$tmp/$1.out") || { echo "$1: server did not start"; cat "$tmp/$1.out"; exit 1; }
}
call() { # port [token]
  curl -s -X POST "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
    ${2:+-H "Authorization: Bearer $2"} \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
}
last_stats() { awk '/^stats / { v = $2; h = $3 } END { print v + 0, h + 0 }' "$1"; }

# ---- keys and tokens -----------------------------------------------------------
"$FMCP" keygen --kid bench --out "$tmp/k" >/dev/null 2>&1 || { echo "fmcp keygen failed"; exit 1; }
"$BIN" mint "$tmp/k/private.pem" bench "$NTOK" >"$tmp/tokens" || { echo "minting tokens failed"; exit 1; }
TOKEN=$(head -n 1 "$tmp/tokens")

# ---- servers ---------------------------------------------------------------------
start_ours none none; P_A=$PORT
start_ours jwt "$tmp/k/jwks.json"; P_B=$PORT
start_ours fresh "$tmp/k/jwks.json"; P_C=$PORT   # its own token cache, so (b) cannot warm it
sides="a b c"
if command -v node >/dev/null 2>&1 && [ -d tests/interop/node_modules/fastmcp ] && [ -d tests/interop/node_modules/jose ]; then
  P_TS=$(freeport)
  node tests/interop/fastmcp-auth-server.mjs --port "$P_TS" --jwks "$tmp/k/jwks.json" --issuer https://bench.issuer \
    --audience mcp-bench --scope mcp:tools --stateless --json >"$tmp/ts.out" 2>&1 & pids="$pids $!"
  if await_port "$tmp/ts.out" >/dev/null; then sides="$sides ts tsc"; else echo "TypeScript server did not start:"; cat "$tmp/ts.out"; fi
else
  echo "TypeScript fastmcp/jose not installed (npm ci in tests/interop): that side is skipped"
fi

# every side answers correctly, and refuses a request without a token
for s in $sides; do
  case $s in a) p=$P_A ;; b) p=$P_B ;; c) p=$P_C ;; ts|tsc) p=$P_TS ;; esac
  out=$(call "$p" "$TOKEN")
  printf '%s' "$out" | grep -q '"text":"3"' || { echo "$s: wrong answer to tools/call: $out"; exit 1; }
  [ "$s" = a ] && continue
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$p/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -d '{}')
  [ "$code" = 401 ] || { echo "$s: no-token request got $code, not 401"; exit 1; }
done

# ---- speed -----------------------------------------------------------------------
run() { # side round
  case $1 in
    a) url="http://127.0.0.1:$P_A/mcp"; script=bench/auth_call.lua; arg="" ;;
    b) url="http://127.0.0.1:$P_B/mcp"; script=bench/auth_call.lua; arg="$TOKEN" ;;
    c) url="http://127.0.0.1:$P_C/mcp"; script=bench/auth_fresh.lua; arg="$tmp/tokens" ;;
    ts) url="http://127.0.0.1:$P_TS/mcp"; script=bench/auth_call.lua; arg="$TOKEN" ;;
    tsc) url="http://127.0.0.1:$P_TS/mcp"; script=bench/auth_fresh.lua; arg="$tmp/tokens" ;;
  esac
  wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency -s "$script" "$url" -- $arg >"$tmp/wrk-$1-$2.txt" 2>&1
  awk -v side="$1" '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(",", ""); sock += $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %d %d\n", side, rps + 0, (p99 == "" ? "-" : p99), bad, sock }' "$tmp/wrk-$1-$2.txt" >>"$tmp/runs"
}
r=1
while [ $r -le "$ROUNDS" ]; do
  for s in $sides; do run "$s" "$r"; done
  r=$((r + 1))
done
sleep 1.1   # one more stats line from the servers
set -- $(last_stats "$tmp/fresh.out"); CV=$1; CH=$2
set -- $(last_stats "$tmp/jwt.out"); BV=$1; BH=$2

# ---- report ----------------------------------------------------------------------
echo "Bearer auth cost on tools/call: stateless JSON, wrk -t2 -c$C -d${D}s --latency, best of $ROUNDS alternating runs"
echo "(the machine may be shared with other work: compare within one run)"
awk -v cv="$CV" -v ch="$CH" -v bv="$BV" -v bh="$BH" -v ntok="$NTOK" '
  { if (!($1 in best) || $2 > best[$1]) { best[$1] = $2; p99[$1] = $3 } bad[$1] += $4; sock[$1] += $5 }
  END {
    name["a"] = "(a) fastmcp.h, no auth"; name["b"] = "(b) fastmcp.h, auth, reused token"
    name["c"] = "(c) fastmcp.h, auth, fresh token each"; name["ts"] = "TypeScript fastmcp, JWT, reused token"
    name["tsc"] = "TypeScript fastmcp, JWT, fresh token each"
    printf "%-42s %9s %10s %8s %7s %8s\n", "server", "req/s", "p99", "x (a)", "non-2xx", "sock-err"
    n = split("a b c ts tsc", order, " ")
    for (i = 1; i <= n; i++) {
      s = order[i]; if (!(s in best)) continue
      printf "%-42s %9.0f %10s %8.2f %7d %8d\n", name[s], best[s], p99[s], best[s] / best["a"], bad[s], sock[s]
      if (bad[s] > 0) failed = 1
    }
    printf "(b) server: %d RSA verifications, %d token-cache hits\n", bv, bh
    printf "(c) server: %d RSA verifications, %d token-cache hits (%d tokens cycled)\n", cv, ch, ntok
    printf "goal: (b)/(a) >= 0.8: %.2f, %s\n", best["b"] / best["a"], (best["b"] >= 0.8 * best["a"] ? "met" : "MISSED")
    if ("ts" in best && best["ts"] > 0) {
      printf "ours vs TypeScript, reused token: %.1fx\n", best["b"] / best["ts"]
      if (best["tsc"] > 0) printf "ours vs TypeScript, fresh tokens: %.1fx\n", best["c"] / best["tsc"]
    }
    exit failed
  }' "$tmp/runs"
