#!/bin/sh
# MCP client round trips per second: the fastmcp.h client (bench_client) and
# the official TypeScript SDK clients (1.x, and 2.x in both eras), one after the
# other against the same dual-era server (examples/everything), over Streamable
# HTTP and over stdio; fastmcp.h and SDK 2.x each in the 2025 session era and in
# the stateless 2026-07-28 era.
# N calls (default 3000). BIN_PREBUILT=1 with BIN, SRV and FAST runs other builds.
cd "$(dirname "$0")/.." || exit 2
N=${N:-3000}
BIN=${BIN:-build/bench/bench_client}; SRV=${SRV:-build/examples/everything}
[ -n "${BIN_PREBUILT:-}" ] || make -s "$BIN" "$SRV" || exit 1
sdk=""
if command -v node >/dev/null 2>&1 && [ -d tests/interop/node_modules/@modelcontextprotocol/sdk ]; then sdk=1
else echo "node or tests/interop/node_modules missing: SDK client skipped"; fi
sdk2=""
[ -n "$sdk" ] && [ -d tests/interop/node_modules/@modelcontextprotocol/client ] && sdk2=1
log=$(mktemp)
"$SRV" --http 0 >"$log" 2>&1 & pid=$!
i=0; url=""
while [ -z "$url" ] && [ $i -lt 100 ]; do url=$(sed -n 's/^Listening on //p' "$log"); [ -n "$url" ] || sleep 0.05; i=$((i+1)); done
[ -n "$url" ] || { echo "server did not start"; cat "$log"; kill $pid; exit 1; }
"$BIN" "$url" "$N"
"$BIN" -p modern "$url" "$N"
[ -n "$sdk" ] && (cd tests/interop && node --no-warnings client-bench-sdk.mjs "$url" "$N")
[ -n "$sdk2" ] && (cd tests/interop && node --no-warnings client-bench-sdk2.mjs legacy "$url" "$N" &&
                   node --no-warnings client-bench-sdk2.mjs modern "$url" "$N")
kill $pid 2>/dev/null; wait $pid 2>/dev/null
"$BIN" -- "$N" "$SRV"
"$BIN" -p modern -- "$N" "$SRV"
[ -n "$sdk" ] && (cd tests/interop && node --no-warnings client-bench-sdk.mjs -- "$N" "$(cd ../.. && pwd)/$SRV")
[ -n "$sdk2" ] && (cd tests/interop && node --no-warnings client-bench-sdk2.mjs legacy -- "$N" "$(cd ../.. && pwd)/$SRV" &&
                   node --no-warnings client-bench-sdk2.mjs modern -- "$N" "$(cd ../.. && pwd)/$SRV")
# stdio again against a server that is not the bottleneck (handlers inline),
# so the two clients' own costs show
FAST=${FAST:-build/bench/stdio_server}
if [ -n "${BIN_PREBUILT:-}" ] || make -s "$FAST"; then
  echo "stdio against $FAST --inline:"
  "$BIN" -- "$N" "$FAST" --inline
  "$BIN" -p modern -- "$N" "$FAST" --inline
  [ -n "$sdk" ] && (cd tests/interop && node --no-warnings client-bench-sdk.mjs -- "$N" "$(cd ../.. && pwd)/$FAST" --inline)
fi
rm -f "$log"
