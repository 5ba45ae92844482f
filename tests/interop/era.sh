#!/bin/sh
# Both protocol eras against one fastmcp.h server, with the official
# TypeScript SDK clients (tests/interop/era-peer.mjs): @modelcontextprotocol/
# client 2.x negotiating the 2026-07-28 era (auto) and the legacy one, and
# @modelcontextprotocol/sdk 1.x, over Streamable HTTP (one server process for
# all of them) and over stdio (build/examples/everything spawned).
# Ends with "RESULT <passed> <failed> <skipped>"; skips without Node or the packages.
cd "$(dirname "$0")/../.." || exit 2
EV=${EVERYTHING:-build/examples/everything}
NM=tests/interop/node_modules
P=0; F=0; S=0
finish() { echo "RESULT $P $F $S"; exit 0; }
if ! command -v node >/dev/null 2>&1 || [ ! -d "$NM/@modelcontextprotocol/client" ]; then
  S=1; echo "skip  era: node or @modelcontextprotocol/client not installed (npm ci in tests/interop)"; finish
fi
if [ ! -x "$EV" ]; then S=1; echo "skip  era: $EV not built"; finish; fi
EV=$(pwd)/$EV
T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-era.XXXXXX") || exit 2
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

. tests/interop/everything_server.inc   # sets PID and URL
if [ -z "$URL" ]; then F=1; echo "FAIL  $EV --http 0 did not report its port"; finish; fi

run() { # log, args...
  log=$1; shift
  (cd tests/interop && timeout 120 node era-peer.mjs "$@") >"$log" 2>&1
  cat "$log"
  P=$((P + $(grep -c '^ok ' "$log"))); F=$((F + $(grep -c '^FAIL ' "$log")))
  if ! grep -q '^ok ' "$log"; then F=$((F+1)); echo "FAIL  era-peer.mjs $1 did not run"; tail -5 "$log"; fi
}
run "$T/http.log" http "$URL"
run "$T/stdio.log" stdio "$EV"
if ! kill -0 "$PID" 2>/dev/null; then F=$((F+1)); echo "FAIL  server died during the run"; cat "$T/server.err"; fi
finish
