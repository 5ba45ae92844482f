#!/bin/sh
# Runs the curl commands of docs/anthropic.md and docs/claude-code.md against
# build/examples/authenticated_server in development mode and checks the answers.
#
# A tested command in the docs is a ```sh block right after a comment
#   <!-- test status=NNN [session=save]
#   PYTHON EXPRESSION      (zero or more lines, each must be true)
#   -->
# The block runs with MCP_URL, TOKEN (the server's "Test Token:" line) and SESSION
# (the Mcp-Session-Id saved by the last block marked session=save) in the
# environment, with `curl` replaced by a wrapper that also records the status,
# headers and body. The expressions see r (the JSON body, or the last JSON of
# an SSE body; None when empty), h (response headers, lower-case names) and
# json. Each doc gets a fresh server on a port picked at run time.
# Ends with "RESULT p f s"; skips when curl, python3 or the server is missing.
cd "$(dirname "$0")/../.." || exit 2
P=0; F=0; S=0
SRV=${AUTH_SERVER_BIN:-build/examples/authenticated_server}
skip() { echo "skip  $1"; echo "RESULT 0 0 1"; exit 0; }
REAL_CURL=$(command -v curl) || skip "curl not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
[ -x "$SRV" ] || skip "$SRV not built (make)"

tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# curl wrapper: the doc's arguments, then ours (later -D/-o/-w win)
mkdir -p "$tmp/bin"
cat >"$tmp/bin/curl" <<EOF
#!/bin/sh
"$REAL_CURL" "\$@" -sS -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' >"$tmp/status" 2>"$tmp/err"
exit 0
EOF
chmod +x "$tmp/bin/curl"

# Cases of a doc: $tmp/cases/N.sh (the block) and N.expect (marker options, then expressions).
extract() {
  rm -rf "$tmp/cases"; mkdir -p "$tmp/cases"
  awk -v dir="$tmp/cases" '
    state == 0 && /^<!-- test/ { n++; f = dir "/" n; opts = $0; sub(/^<!-- test */, "", opts); sub(/ *-->$/, "", opts)
                                 print opts > (f ".expect"); state = ($0 ~ /-->$/) ? 2 : 1; next }
    state == 1 { if ($0 ~ /^-->/) state = 2; else print > (f ".expect"); next }
    state == 2 && /^```sh$/ { state = 3; next }
    state == 2 && /^$/ { next }
    state == 2 { state = 0; print "marker without a sh block" > (f ".error"); next }
    state == 3 && /^```$/ { state = 0; next }
    state == 3 { print > (f ".sh"); next }' "$1"
}

# check N: evaluates N.expect against the recorded answer; prints failures.
check() {
  python3 - "$tmp/cases/$1.expect" "$tmp/status" "$tmp/h" "$tmp/b" <<'PY'
import json, sys
exp, status_f, h_f, b_f = sys.argv[1:5]
lines = open(exp).read().splitlines()
opts = dict(o.split("=", 1) for o in lines[0].split() if "=" in o) if lines else {}
status = open(status_f).read().strip()
h = {}
for line in open(h_f, errors="replace").read().splitlines():
    if ":" in line and not line.startswith("HTTP/"):
        k, v = line.split(":", 1)
        h[k.strip().lower()] = v.strip()
body = open(b_f, errors="replace").read()
r = None
if body.strip():
    if h.get("content-type", "").startswith("text/event-stream"):
        datas = [l[5:].strip() for l in body.splitlines() if l.startswith("data:") and l[5:].strip()]
        r = json.loads(datas[-1]) if datas else None
    else:
        try:
            r = json.loads(body)
        except ValueError:
            print("body is not JSON: %r" % body[:200])
            sys.exit(1)
bad = []
if opts.get("status") and status != opts["status"]:
    bad.append("status %s, expected %s" % (status, opts["status"]))
for e in lines[1:]:
    if not e.strip():
        continue
    try:
        ok = eval(e, {"json": json, "r": r, "h": h})
    except Exception as x:
        ok = False
        e = "%s (%s: %s)" % (e, type(x).__name__, x)
    if not ok:
        bad.append("not true: " + e)
for b in bad:
    print(b)
if bad:
    print("body: " + body[:300].replace("\n", "\\n"))
sys.exit(1 if bad else 0)
PY
}

start_server() { # sets MCP_URL, TOKEN
  ENVIRONMENT=development HOST=127.0.0.1 PORT=0 AUDIT_LOG=off AUTH_SERVER_URL=https://auth.example.com \
    "$SRV" >"$tmp/srv.out" 2>&1 & pid=$!
  i=0; while ! grep -q '^Listening on ' "$tmp/srv.out" && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
  MCP_URL=$(sed -n 's/^Listening on \(http:[^ ]*\).*/\1/p' "$tmp/srv.out" | head -n 1)
  TOKEN=$(sed -n 's/^Test Token: //p' "$tmp/srv.out" | head -n 1)
  [ -n "$MCP_URL" ] && [ -n "$TOKEN" ]
}

for doc in ${DOCS:-docs/anthropic.md docs/claude-code.md}; do
  [ -f "$doc" ] || { F=$((F + 1)); echo "FAIL  $doc missing"; continue; }
  extract "$doc"
  n=$(ls "$tmp/cases" | grep -c '\.expect$')
  if [ "$n" -eq 0 ]; then F=$((F + 1)); echo "FAIL  $doc: no tested blocks"; continue; fi
  if ! start_server; then F=$((F + 1)); echo "FAIL  $doc: server did not start"; cat "$tmp/srv.out"; continue; fi
  SESSION=""
  k=1
  while [ $k -le "$n" ]; do
    name="$doc block $k"
    if [ -f "$tmp/cases/$k.error" ] || [ ! -s "$tmp/cases/$k.sh" ]; then
      F=$((F + 1)); echo "FAIL  $name: test marker without a sh block"; k=$((k + 1)); continue
    fi
    first=$(grep -o '"method":"[^"]*"' "$tmp/cases/$k.sh" | head -n 1)
    [ -n "$first" ] || first=$(grep -v '^ *#' "$tmp/cases/$k.sh" | head -n 1 | cut -c1-70)
    rm -f "$tmp/status" "$tmp/h" "$tmp/b"; : >"$tmp/h"; : >"$tmp/b"
    MCP_URL=$MCP_URL TOKEN=$TOKEN SESSION=$SESSION PATH="$tmp/bin:$PATH" sh "$tmp/cases/$k.sh" >/dev/null 2>&1
    [ -f "$tmp/status" ] || echo 000 >"$tmp/status"
    if out=$(check "$k"); then P=$((P + 1)); echo "ok    $name ($(cat "$tmp/status")): $first"
    else F=$((F + 1)); echo "FAIL  $name: $first"; printf '%s\n' "$out" | sed 's/^/      /'; fi
    if head -n 1 "$tmp/cases/$k.expect" | grep -q 'session=save'; then
      SESSION=$(tr -d '\r' <"$tmp/h" | awk 'tolower($1) == "mcp-session-id:" { print $2 }')
    fi
    k=$((k + 1))
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
done
echo "RESULT $P $F $S"
[ "$F" -eq 0 ]
