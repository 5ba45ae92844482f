#!/bin/sh
# MCP over stdio: tools/call round trips per second through a pipe.
# One client (bench/stdio_client.c, C with fork/exec and pipes, so the client is
# not the bottleneck) starts each server, initialises, makes WARMUP untimed and
# CALLS timed calls of `add` {a,b}, and checks every result. Two modes, the same
# driver for every server:
#   sequential  one call at a time (send, wait for the response)
#   pipelined   DEPTH calls in flight (default 16), as a client issuing
#               concurrent calls would; responses may come in any order
# Servers, all with the same two tools:
#   fastmcp.h          bench/stdio_server.c (handlers on the 4-thread pool, the default)
#   fastmcp.h tool     the same, but `add` opts in to run_inline (fmcp_tool_desc)
#   fastmcp.h inline   workers = -1 (every handler on the reading thread)
#   TS fastmcp         bench/stdio-fastmcp-server.mjs (npm fastmcp, pinned in tests/interop)
#   TS SDK McpServer   bench/stdio-sdk-server.mjs (@modelcontextprotocol/sdk McpServer)
#   pipe floor         bench/stdio_echo.c: canned answers, no JSON work at all; the
#                      most any server can reach through these pipes with this client
# Each server runs REPS times per mode, interleaved; the best rate counts (load
# on the machine only ever slows a run down) and the largest VmHWM is the peak
# memory. Other load shows up as millisecond stalls (p99) that dominate calls/s;
# the median round trip (p50) ratio is printed too. The Node servers get
# CALLS/NODE_DIV calls (default 4): they are 10-100x slower.
#   CALLS=20000 WARMUP=2000 REPS=3 DEPTH=16 sh bench/bench_stdio.sh
cd "$(dirname "$0")/.." || exit 2
CALLS=${CALLS:-20000}; WARMUP=${WARMUP:-2000}; REPS=${REPS:-3}; DEPTH=${DEPTH:-16}; NODE_DIV=${NODE_DIV:-4}
CLIENT=${CLIENT:-build/bench/stdio_client}; SERVER=${SERVER:-build/bench/stdio_server}
ECHO=${ECHO:-build/bench/stdio_echo}
[ -n "${BIN_PREBUILT:-}" ] || make -s "$CLIENT" "$SERVER" "$ECHO" || exit 1
NM=tests/interop/node_modules
if command -v node >/dev/null 2>&1 && [ -d "$NM/fastmcp" ] && [ -d "$NM/@modelcontextprotocol/sdk" ]; then
  HAVE_NODE=1
else
  HAVE_NODE=0; echo "node or tests/interop/node_modules missing (cd tests/interop && npm ci): Node servers skipped"
fi
ver() { node -p "require('./$NM/$1/package.json').version" 2>/dev/null; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

run() { # mode depth calls warmup key, command...
  mode=$1; depth=$2; calls=$3; warm=$4; key=$5; shift 5
  if ! "$CLIENT" "$calls" "$warm" "$key" -p "$depth" -- "$@" >"$tmp/one" 2>"$tmp/err"; then
    echo "$key ($mode): failed: $(head -c 300 "$tmp/err")"
  else
    sed "s/^/$mode /" "$tmp/one" >>"$tmp/runs"
  fi
}
NC=$((CALLS / NODE_DIV)); NW=$((WARMUP / NODE_DIV))
i=0
while [ $i -lt "$REPS" ]; do
  for m in seq pipe; do
    d=1; [ $m = pipe ] && d=$DEPTH
    run $m $d "$CALLS" "$WARMUP" c "$SERVER"
    run $m $d "$CALLS" "$WARMUP" ct "$SERVER" --inline-tool
    run $m $d "$CALLS" "$WARMUP" ci "$SERVER" --inline
    run $m $d "$CALLS" "$WARMUP" floor "$ECHO"
    if [ $HAVE_NODE = 1 ]; then
      run $m $d "$NC" "$NW" ts node bench/stdio-fastmcp-server.mjs
      run $m $d "$NC" "$NW" sdk node bench/stdio-sdk-server.mjs
    fi
  done
  i=$((i+1))
done

NODEV=$(node --version 2>/dev/null)
awk -v calls="$CALLS" -v warm="$WARMUP" -v reps="$REPS" -v node="$NODEV" -v depth="$DEPTH" -v nc="$NC" \
    -v tsv="$(ver fastmcp)" -v sdkv="$(ver @modelcontextprotocol/sdk)" '
  # fields: mode key calls rate p50 p99 vmhwm_kb cpu_us_per_call
  { k = $1 " " $2
    if (!(k in best) || $4 > best[k]) { best[k] = $4; p50[k] = $5; p99[k] = $6; cpu[k] = $8 }
    if ($7 > hwm[k]) hwm[k] = $7 }
  END {
    name["c"] = "fastmcp.h (4 workers, default)"; name["ct"] = "fastmcp.h (pool, tool run_inline)"
    name["ci"] = "fastmcp.h (inline handlers)"; name["floor"] = "pipe floor (stdio_echo, no JSON work)"
    name["ts"] = "TypeScript fastmcp " tsv " (node " node ")"; name["sdk"] = "TS SDK McpServer " sdkv " (node " node ")"
    printf "MCP stdio tools/call: %d calls after %d warm-up (Node servers %d), best of %d, C client over pipes\n", calls, warm, nc, reps
    nm = split("seq pipe", modes, " ")
    for (j = 1; j <= nm; j++) { m = modes[j]
      printf "-- %s\n", (m == "seq" ? "sequential (one call in flight)" : sprintf("pipelined (%d calls in flight)", depth))
      printf "%-44s %10s %9s %9s %10s %12s\n", "server", "calls/s", "p50 us", "p99 us", "VmHWM MiB", "CPU us/call"
      n = split("c ct ci ts sdk floor", order, " ")
      for (i = 1; i <= n; i++) { k = m " " order[i]; if (!(k in best)) continue
        printf "%-44s %10.0f %9.1f %9.1f %10.1f %12.1f\n", name[order[i]], best[k], p50[k], p99[k], hwm[k] / 1024, cpu[k] }
      if (((m " ts") in best) && ((m " sdk") in best)) {
        for (i = 1; i <= 3; i++) { x = order[i]; k = m " " x; if (!(k in best)) continue
          rt = best[k] / best[m " ts"]; rs = best[k] / best[m " sdk"]
          printf "%-36s %6.1fx TS fastmcp, %5.1fx TS SDK (calls/s; p50 %.0fx / %.0fx); memory %.0fx / %.0fx less; goal >= 10x both: %s\n",
                 name[x] ":", rt, rs, p50[m " ts"] / p50[k], p50[m " sdk"] / p50[k], hwm[m " ts"] / hwm[k], hwm[m " sdk"] / hwm[k],
                 ((rt >= 10 && rs >= 10) ? "met" : "NOT met") }
        if ((m " floor") in best)
          printf "pipe floor: %.0f calls/s = %.1fx TS SDK, %.1fx TS fastmcp (no server can beat it with this client); fastmcp.h reaches %.0f%% of it by default, %.0f%% inline\n",
                 best[m " floor"], best[m " floor"] / best[m " sdk"], best[m " floor"] / best[m " ts"],
                 100 * best[m " c"] / best[m " floor"], 100 * best[m " ci"] / best[m " floor"]
      }
    }
  }' "$tmp/runs"
