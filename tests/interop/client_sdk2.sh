#!/bin/sh
# The fastmcp.h client (cli/fmcp.c) against a server on the official TypeScript
# SDK 2.x (@modelcontextprotocol/server, tests/interop/client-sdk2-server.mjs) in
# both protocol eras, over stdio (serveStdio) and Streamable HTTP
# (createMcpHandler): --protocol auto must find the 2026-07-28 era, legacy must
# stay on initialize (2025-11-25), modern must not fall back. Each case lists the
# tools, calls add and asks the server which era it built the instance for; then
# progress, and a modern-only server (legacy: 'reject') that refuses legacy.
# Prints "ok/FAIL/skip" lines and "RESULT p f s"; skips without node or the package.
cd "$(dirname "$0")/../.." || exit 2
NM=tests/interop/node_modules
if ! command -v node >/dev/null 2>&1 || [ ! -d "$NM/@modelcontextprotocol/server" ] || [ ! -d "$NM/zod" ]; then
  echo "skip  client_sdk2: node or @modelcontextprotocol/server not installed (npm ci in tests/interop)"
  echo "RESULT 0 0 1"; exit 0
fi
B=build/interop; mkdir -p "$B"
# Its own binary name: client.sh builds build/interop/fmcp and may run alongside.
if ! ${CC:-cc} -std=c99 -O2 -I. -o "$B/fmcp-sdk2" cli/fmcp.c -lpthread -lm; then
  echo "FAIL  build cli/fmcp.c"; echo "RESULT 0 1 0"; exit 0
fi
FMCP=$(pwd)/$B/fmcp-sdk2
cd tests/interop || exit 2
P=0; F=0; S=0
T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-sdk2.XXXXXX") || exit 2
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
ok() { P=$((P+1)); echo "ok    $1"; }
bad() { F=$((F+1)); echo "FAIL  $1"; sed 's/^/      /' "$T/out" | head -20; }
# The command must exit 0 and its output (stdout and stderr) match both patterns.
check() { # label, pattern1, pattern2 ("" = none), command...
  label=$1; p1=$2; p2=$3; shift 3
  if timeout 60 "$@" >"$T/out" 2>&1 && grep -q -- "$p1" "$T/out" && { [ -z "$p2" ] || grep -q -- "$p2" "$T/out"; }
  then ok "$label"; else bad "$label"; fi
}
# The command must fail cleanly: exit status 1 (not a timeout or a signal) and say why.
refuse() { # label, pattern, command...
  label=$1; p1=$2; shift 2
  timeout 60 "$@" >"$T/out" 2>&1; rc=$?
  if [ "$rc" -eq 1 ] && grep -q -- "$p1" "$T/out"; then ok "$label"; else echo "      exit $rc" >>"$T/out"; bad "$label"; fi
}
# One transport, one --protocol: tools/list, tools/call add, the server's own view of the era.
era_case() { # name, protocol, want version, want era (modern|legacy), target...
  name=$1; proto=$2; ver=$3; era=$4; shift 4
  check "$name $proto: tools/list ($era era, $ver)" "fmcp: protocol $ver " '^add ' \
    "$FMCP" tools --protocol "$proto" -v "$@"
  check "$name $proto: tools/call add" '"text": "5"' '"sum": 5' \
    "$FMCP" call --protocol "$proto" -v "$@" add '{"a":2,"b":3}'
  check "$name $proto: the SDK served the $era era" "\"text\": \"era:$era\"" "fmcp: protocol $ver " \
    "$FMCP" call --protocol "$proto" -v "$@" era
}
for proto in auto modern; do
  era_case stdio "$proto" 2026-07-28 modern -- node client-sdk2-server.mjs stdio
done
era_case stdio legacy 2025-11-25 legacy -- node client-sdk2-server.mjs stdio
check "stdio auto: progress notifications" '3/3' 'progress done' \
  "$FMCP" call -- node client-sdk2-server.mjs stdio progress
# A modern-only SDK server (legacy: 'reject'): auto finds the modern era, legacy is refused.
check "stdio strict auto: modern era" 'fmcp: protocol 2026-07-28 ' '"text": "5"' \
  "$FMCP" call -v -- node client-sdk2-server.mjs stdio strict add '{"a":2,"b":3}'
refuse "stdio strict legacy: initialize refused, clean exit 1" 'cannot connect' \
  "$FMCP" tools --protocol legacy -- node client-sdk2-server.mjs stdio strict

# Start the HTTP server (args after the log name) and poll, bounded, for the
# "PORT n" line it prints once listening; sets SPID and port.
start_http() { # log, server args...
  log=$1; shift
  node client-sdk2-server.mjs "$@" >"$log" 2>&1 &
  SPID=$!
  i=0; port=""
  while [ $i -lt 100 ] && [ -z "$port" ] && kill -0 "$SPID" 2>/dev/null; do
    port=$(sed -n 's/^PORT //p' "$log"); [ -n "$port" ] || sleep 0.1; i=$((i+1))
  done
}
start_http "$T/server.log" http
if [ -n "$port" ]; then
  U="http://127.0.0.1:$port/mcp"
  for proto in auto modern; do era_case http "$proto" 2026-07-28 modern "$U"; done
  era_case http legacy 2025-11-25 legacy "$U"
  for proto in auto legacy; do
    check "http $proto: progress notifications" '3/3' 'progress done' "$FMCP" call --protocol "$proto" "$U" progress
  done
  if ! kill -0 "$SPID" 2>/dev/null; then F=$((F+1)); echo "FAIL  http: the SDK server died during the run"; cat "$T/server.log"; fi
else
  F=$((F+1)); echo "FAIL  http: the SDK 2.x server did not report its port"; cat "$T/server.log"
fi
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=

start_http "$T/strict.log" http strict
if [ -n "$port" ]; then
  U="http://127.0.0.1:$port/mcp"
  check "http strict auto: modern era" 'fmcp: protocol 2026-07-28 ' '"text": "5"' \
    "$FMCP" call -v "$U" add '{"a":2,"b":3}'
  refuse "http strict legacy: initialize refused, clean exit 1" 'cannot connect' \
    "$FMCP" tools --protocol legacy "$U"
else
  F=$((F+1)); echo "FAIL  http strict: the SDK 2.x server did not report its port"; cat "$T/strict.log"
fi
echo "RESULT $P $F $S"
