#!/bin/sh
# Soak test (issue 15; not part of make test): bench/auth_server.c with
# sessions (--sessions: bearer auth from a JWKS file, and a `progress` tool
# that reports progress ms apart before a kib KiB answer, so a dropped call is
# still running and parks its events) under a mix for DUR seconds (600):
#   wrk -s bench/soak_mix.lua    sessions as several principals: initialize,
#                                SSE progress calls, DELETE, and calls with
#                                expired, garbage and missing tokens and on
#                                sessions nobody owns
#   bench/soak_abandon.py        slow calls with 32 KiB answers whose connection
#                                closes at once (parked SSE streams), dropped
#                                GET streams, resumes, half-sent heads and bodies
# Every 30 s: the server's RSS. At the end: statuses, errors, RSS against the
# start and against the end of warm-up (WARMUP seconds, default DUR/3: the
# replay and session caps fill up first). Goal: RSS flat after warm-up (< 10%
# growth) and 0 unexpected statuses. Exit 1 when either goal is missed.
# Environment: DUR (600), CONNS (32), THREADS (2), WARMUP (DUR/3), PRINCIPALS (8).
cd "$(dirname "$0")/.." || exit 2
command -v wrk >/dev/null 2>&1 || { echo "wrk not installed: skipped"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipped"; exit 0; }
BIN=${BIN:-build/bench/auth_server}
FMCP=${FMCP:-build/fmcp}
[ -n "${BIN_PREBUILT:-}" ] || make -s "$BIN" "$FMCP" || exit 1
DUR=${DUR:-600}; CONNS=${CONNS:-32}; THREADS=${THREADS:-2}; NP=${PRINCIPALS:-8}
WARMUP=${WARMUP:-$((DUR / 3))}
. bench/lib.sh   # tmp, pids (stopped on exit), freeport, await_port

# ---- keys and tokens -----------------------------------------------------------------
"$FMCP" keygen --kid soak --out "$tmp/k" >/dev/null 2>&1 || { echo "fmcp keygen failed"; exit 1; }
tok() { # sub ttl
  "$FMCP" token --key "$tmp/k/private.pem" --kid soak --sub "$1" --iss https://soak.issuer --aud mcp-soak \
    --scope mcp:tools --ttl "$2"
}
: >"$tmp/tokens"
i=0
while [ $i -lt "$NP" ]; do
  echo "valid $(tok "user$i" $((DUR + 3600)))" >>"$tmp/tokens" || exit 1
  echo "expired $(tok "user$i" -120)" >>"$tmp/tokens"
  i=$((i + 1))
done
for g in "garbage" "eyJhbGciOiJSUzI1NiJ9.e30.AAAA" "$(head -c 600 /dev/urandom | base64 | tr -d '\n=+/' | head -c 700)" \
         "$(tok intruder 3600 | sed 's/.$/A/')"; do
  echo "garbage $g" >>"$tmp/tokens"
done
grep -c '^valid ey' "$tmp/tokens" >/dev/null || { echo "minting tokens failed"; exit 1; }

# ---- the server ----------------------------------------------------------------------
"$BIN" serve 0 $((DUR + 120)) "$tmp/k/jwks.json" --sessions --workers 8 --issuer https://soak.issuer \
  --audience mcp-soak >"$tmp/server.out" 2>&1 & SP=$!; pids="$pids $SP"
PORT=$(await_port "$tmp/server.out") || { echo "server did not start"; cat "$tmp/server.out"; exit 1; }
VALID=$(awk '/^valid / { print $2; exit }' "$tmp/tokens")
out=$(curl -s -X POST "http://127.0.0.1:$PORT/mcp" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -H "Authorization: Bearer $VALID" \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}')
printf '%s' "$out" | grep -q '"protocolVersion"' || { echo "server did not answer initialize: $out"; cat "$tmp/server.out"; exit 1; }

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SP/status" 2>/dev/null; }
echo "soak: $DUR s, wrk -t$THREADS -c$CONNS + abandoning clients, $NP principals, warm-up $WARMUP s, server pid $SP"
START=$(rss)
echo "t=0s rss=${START} KiB"

wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --timeout 10s -s bench/soak_mix.lua "http://127.0.0.1:$PORT/mcp" \
  -- "$tmp/tokens" >"$tmp/wrk.out" 2>&1 & WP=$!; pids="$pids $WP"
python3 bench/soak_abandon.py "$PORT" "$DUR" "$tmp/tokens" >"$tmp/abandon.out" 2>&1 & AP=$!; pids="$pids $AP"

t=0; WARM=""; MAX=0
while [ $t -lt "$DUR" ]; do
  step=30; [ $((t + step)) -gt "$DUR" ] && step=$((DUR - t))
  sleep "$step"; t=$((t + step))
  r=$(rss)
  [ -n "$r" ] || { echo "t=${t}s: the server is gone"; cat "$tmp/server.out"; exit 1; }
  [ -z "$WARM" ] && [ "$t" -ge "$WARMUP" ] && WARM=$r
  [ -n "$WARM" ] && [ "$r" -gt "$MAX" ] && MAX=$r
  echo "t=${t}s rss=${r} KiB"
done
wait "$WP"; wait "$AP"
END=$(rss)
echo "--- wrk"
grep -E "requests in|Requests/sec|Non-2xx|Socket errors|^statuses|^socket errors" "$tmp/wrk.out"
echo "--- abandoning clients"
cat "$tmp/abandon.out"
grep -q "^statuses" "$tmp/wrk.out" || { echo "wrk gave no status counts:"; cat "$tmp/wrk.out"; }
unexp=$(awk '/^statuses/ { for (i = 1; i <= NF; i++) if ($i ~ /^unexpected=/) { sub("unexpected=", "", $i); print $i } }' "$tmp/wrk.out")
aunexp=$(sed -n 's/.*unexpected=\([0-9]*\).*/\1/p' "$tmp/abandon.out")
[ -n "$WARM" ] || WARM=$START
growth=$(awk -v a="$WARM" -v b="$END" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
maxg=$(awk -v a="$WARM" -v b="$MAX" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
echo "--- RSS start ${START} KiB, after warm-up ${WARM} KiB, end ${END} KiB: ${growth}% after warm-up (peak ${maxg}%)"
echo "--- unexpected statuses: wrk ${unexp:-?}, abandoning clients ${aunexp:-?}"
ok=1
[ "${unexp:-1}" = 0 ] && [ "${aunexp:-1}" = 0 ] || ok=0
awk -v g="$maxg" 'BEGIN { exit !(g < 10) }' || ok=0
[ $ok = 1 ] && { echo "soak: PASS"; exit 0; }
echo "soak: FAIL"; exit 1
