#!/bin/sh
# Bearer authentication against real peers: tokens from jose and from
# build/fmcp token, the official TypeScript SDK client (Authorization header
# through requestInit) calling tools on build/examples/authenticated_server,
# and every challenge and the protected resource metadata checked with curl.
# Run from the repository root: sh tests/interop/auth.sh
# Ends with "RESULT <passed> <failed> <skipped>"; absent peers are skipped.
cd "$(dirname "$0")/../.." || exit 2
EX=${EX:-build/examples}
FMCP=${FMCP:-build/fmcp}
NM=tests/interop/node_modules
P=0; F=0; S=0
ok()   { P=$((P+1)); echo "ok    $1"; }
bad()  { F=$((F+1)); echo "FAIL  $1"; }
skip() { S=$((S+1)); echo "skip  $1"; }
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }
PIDS=""
T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-auth.XXXXXX") || exit 2
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
finish() { cleanup; echo "RESULT $P $F $S"; exit 0; }
trap cleanup EXIT INT TERM

if ! command -v node >/dev/null 2>&1 || [ ! -d "$NM/jose" ] || [ ! -d "$NM/@modelcontextprotocol/sdk" ]; then
  skip "all: node or tests/interop/node_modules (jose, @modelcontextprotocol/sdk) absent"; finish
fi
if ! command -v curl >/dev/null 2>&1; then skip "all: curl absent"; finish; fi
if [ ! -x "$EX/authenticated_server" ]; then skip "all: $EX/authenticated_server not built"; finish; fi

# wait_for FILE PATTERN: until the pattern shows up (a started process reports readiness)
wait_for() { i=0; while [ $i -lt 100 ]; do grep -q "$2" "$1" 2>/dev/null && return 0; i=$((i+1)); sleep 0.1; done; return 1; }

ISS=https://issuer.interop; AUD=mcp-interop; now=$(date +%s)
mkdir -p "$T/jose" "$T/jwks"
node tests/interop/jwt-peer.mjs keypair "$T/jose" jose-kid || { bad "jose keypair"; finish; }
have_fmcp=0
if [ -x "$FMCP" ] && "$FMCP" keygen --out "$T/fk" --kid fmcp-kid >/dev/null 2>&1; then have_fmcp=1; fi
# one JWKS with the jose key, the fmcp key and an EC key (skipped by the server)
node -e '
const fs = require("fs"); const keys = JSON.parse(fs.readFileSync(process.argv[1])).keys;
if (fs.existsSync(process.argv[2])) keys.push(...JSON.parse(fs.readFileSync(process.argv[2])).keys);
keys.push({kty:"EC",crv:"P-256",kid:"ec",x:"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",y:"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"});
fs.writeFileSync(process.argv[3], JSON.stringify({keys}));' "$T/jose/jwks.json" "$T/fk/jwks.json" "$T/jwks/jwks.json"

node tests/interop/auth-peer.mjs serve "$T/jwks" >"$T/jwks.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/jwks.out" '^PORT ' || { bad "JWKS server start"; finish; }
JP=$(sed -n 's/^PORT //p' "$T/jwks.out")

ENVIRONMENT=production JWKS_URI="http://127.0.0.1:$JP/jwks.json" JWT_ISSUER=$ISS JWT_AUDIENCE=$AUD \
REQUIRED_SCOPES="mcp:read" AUTH_SERVER_URL=$ISS PORT=0 AUDIT_LOG="$T/audit.log" \
  "$EX/authenticated_server" >"$T/srv.out" 2>"$T/srv.err" &
PIDS="$PIDS $!"
wait_for "$T/srv.out" '^Listening on ' || { bad "authenticated_server start"; cat "$T/srv.err"; finish; }
URL=$(sed -n 's/^Listening on //p' "$T/srv.out"); BASE=${URL%/mcp}
ok "authenticated_server (production, JWKS URL) listening"

jose_tok() { # claims-json-fragment [kid]
  node tests/interop/jwt-peer.mjs sign "$T/jose/private.pem" "${2:-jose-kid}" "{\"iss\":\"$ISS\",\"aud\":\"$AUD\",\"client_id\":\"jose-client\",$1}"
}
GOOD=$(jose_tok "\"sub\":\"alice\",\"scope\":\"mcp:read mcp:write\",\"exp\":$((now+600))")
READ=$(jose_tok "\"sub\":\"rita\",\"scope\":\"mcp:read\",\"exp\":$((now+600))")
NOSC=$(jose_tok "\"sub\":\"nina\",\"scope\":\"other\",\"exp\":$((now+600))")
EXPD=$(jose_tok "\"sub\":\"ed\",\"scope\":\"mcp:read\",\"exp\":$((now-600))")
UNKN=$(jose_tok "\"sub\":\"kim\",\"scope\":\"mcp:read\",\"exp\":$((now+600))" no-such-kid)

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
post() { # out-prefix [curl args...]: POST initialize; headers in $1.h, body in $1.b, status printed
  o=$1; shift
  curl -s -o "$o.b" -D "$o.h" -w '%{http_code}' -X POST "$URL" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' "$@" -d "$INIT"
}
hdr() { grep -i "^$2:" "$1.h" | tr -d '\r'; }

# ---- challenges -------------------------------------------------------------
st=$(post "$T/none")
check "no token: 401" test "$st" = 401
check "no token: resource_metadata and scope, no error" sh -c "hdr() { grep -i \"^\$2:\" \"\$1.h\"; }; \
  hdr '$T/none' WWW-Authenticate | grep -q 'Bearer resource_metadata=\"$BASE/.well-known/oauth-protected-resource/mcp\"' && \
  hdr '$T/none' WWW-Authenticate | grep -q 'scope=\"mcp:read\"' && ! hdr '$T/none' WWW-Authenticate | grep -q 'error='"
check "no token: JSON body with error and the JSON-RPC id" sh -c "grep -q '\"error\":' '$T/none.b' && grep -q '\"id\":1' '$T/none.b'"
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL?access_token=$GOOD" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d "$INIT")
check "token in the query string is ignored: 401" test "$st" = 401
st=$(post "$T/junk" -H 'Authorization: Bearer abc.def.ghi')
check "malformed token: 401 invalid_token with description" sh -c "[ $st = 401 ] && grep -i '^WWW-Authenticate:' '$T/junk.h' | grep -q 'error=\"invalid_token\", error_description=\"'"
st=$(post "$T/exp" -H "Authorization: Bearer $EXPD")
check "expired jose token: 401 invalid_token" sh -c "[ $st = 401 ] && grep -qi 'invalid_token' '$T/exp.h' && grep -q 'error_description' '$T/exp.b'"
st=$(post "$T/nosc" -H "Authorization: Bearer $NOSC")
check "jose token without mcp:read: 403 insufficient_scope" sh -c "[ $st = 403 ] && grep -i '^WWW-Authenticate:' '$T/nosc.h' | grep -q 'error=\"insufficient_scope\".*scope=\"mcp:read\"'"
st=$(post "$T/unk" -H "Authorization: Bearer $UNKN")
check "unknown kid: 401 invalid_token" sh -c "[ $st = 401 ] && grep -qi 'invalid_token' '$T/unk.h'"
st=$(post "$T/good" -H "Authorization: Bearer $GOOD")
check "jose token: initialize 200 with a session" sh -c "[ $st = 200 ] && grep -qi '^Mcp-Session-Id:' '$T/good.h'"
st=$(post "$T/lc" -H "Authorization: bearer $GOOD")
check "scheme is case-insensitive" test "$st" = 200
if [ $have_fmcp = 1 ]; then
  FTOK=$("$FMCP" token --key "$T/fk/private.pem" --kid fmcp-kid --sub bob --iss $ISS --aud $AUD --scope "mcp:read mcp:write" --ttl 600 2>/dev/null)
  st=$(post "$T/ftok" -H "Authorization: Bearer $FTOK")
  check "fmcp token: initialize 200" test "$st" = 200
else
  skip "fmcp token: $FMCP not built"
fi

# ---- protected resource metadata ----------------------------------------------
if grep -q 'define FMCP_HTTP_ENDPOINT_FALLBACK' "${HDR:-fastmcp.h}"; then
  RM=$(hdr "$T/none" WWW-Authenticate | sed 's/.*resource_metadata="\([^"]*\)".*/\1/')
  curl -s -o "$T/prm.b" -w '%{http_code}' "$RM" >"$T/prm.st"
  check "resource_metadata URL resolves (200)" test "$(cat "$T/prm.st")" = 200
  check "PRM: resource, authorization_servers, bearer_methods_supported" node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (m.resource !== process.argv[2] || m.authorization_servers[0] !== process.argv[3] ||
      JSON.stringify(m.bearer_methods_supported) !== "[\"header\"]") process.exit(1);' "$T/prm.b" "$URL" "$ISS"
  st=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/.well-known/oauth-protected-resource")
  check "PRM at the root form: 200" test "$st" = 200
else
  skip "protected resource metadata: the transport has no fallback handler yet (FMCP_HTTP_ENDPOINT_FALLBACK)"
fi

# ---- the official SDK client ----------------------------------------------------
if node tests/interop/auth-peer.mjs client "$URL" "$GOOD" >"$T/sdk1.json" 2>"$T/sdk1.err"; then
  check "SDK client (jose token): tools, read, write with progress 1/2 2/2, claims" node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const ok = o.tools.includes("process_data") && o.read.user === "alice" && o.read.operation === "read" &&
  o.read.data.n === 1 && !o.writeError && o.write.operation === "write" &&
  o.progress.join(",") === "1/2,2/2" && o.token.subject === "alice" && o.token.client_id === "jose-client" &&
  o.token.claims.iss === process.argv[2];
process.exit(ok ? 0 : 1);' "$T/sdk1.json" "$ISS"
else bad "SDK client (jose token) failed: $(cat "$T/sdk1.json" "$T/sdk1.err" | head -3)"; fi
if node tests/interop/auth-peer.mjs client "$URL" "$READ" >"$T/sdk2.json" 2>&1; then
  check "SDK client (read-only token): write refused inside the tool" node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
process.exit(o.read.user === "rita" && o.writeError ? 0 : 1);' "$T/sdk2.json"
else bad "SDK client (read-only token) failed"; fi
if [ $have_fmcp = 1 ]; then
  if node tests/interop/auth-peer.mjs client "$URL" "$FTOK" >"$T/sdk3.json" 2>&1; then
    check "SDK client (fmcp token): caller is bob" node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
process.exit(o.read.user === "bob" && o.token.subject === "bob" ? 0 : 1);' "$T/sdk3.json"
  else bad "SDK client (fmcp token) failed"; fi
fi
if node tests/interop/auth-peer.mjs client "$URL" "$EXPD" >"$T/sdk4.json" 2>&1; then bad "SDK client with an expired token must fail"
else ok "SDK client with an expired token is refused"; fi

# ---- JWKS fetching and the audit log ------------------------------------------------
hits=$(curl -s "http://127.0.0.1:$JP/hits")
check "JWKS fetched once for all tokens (cache + unknown-kid cooldown): $hits" test "$hits" = 1
check "audit: auth_accepted, auth_rejected(expired), tool_called lines" sh -c "grep -q '\"event\":\"auth_accepted\"' '$T/audit.log' && \
  grep -q '\"reason\":\"expired\"' '$T/audit.log' && grep '\"event\":\"tool_called\"' '$T/audit.log' | grep -q '\"tool\":\"process_data\"'"
if [ $have_fmcp = 1 ]; then
  check "fmcp verify --jwks URL accepts the jose token" sh -c "'$FMCP' verify --jwks 'http://127.0.0.1:$JP/jwks.json' --iss $ISS --aud $AUD --scope mcp:write '$GOOD' | grep -q '\"sub\":\"alice\"'"
  check "fmcp verify --jwks URL refuses the expired token" sh -c "! '$FMCP' verify --jwks 'http://127.0.0.1:$JP/jwks.json' --iss $ISS --aud $AUD '$EXPD' 2>/dev/null"
fi
check "audit: never the token" sh -c "! grep -qF '$GOOD' '$T/audit.log' && ! grep -qF '$EXPD' '$T/audit.log'"

# ---- rate limiting (development mode, its own test token) -------------------------------
RATE_LIMIT=0.1 RATE_BURST=1 PORT=0 AUDIT_LOG=off "$EX/authenticated_server" >"$T/dev.out" 2>&1 &
PIDS="$PIDS $!"
if wait_for "$T/dev.out" '^Listening on '; then
  URL=$(sed -n 's/^Listening on //p' "$T/dev.out")
  DTOK=$(sed -n 's/^Test Token: //p' "$T/dev.out")
  s1=$(post "$T/r1" -H "Authorization: Bearer $DTOK"); s2=$(post "$T/r2" -H "Authorization: Bearer $DTOK")
  check "development token accepted" test "$s1" = 200
  check "rate limit: 429 with Retry-After" sh -c "[ $s2 = 429 ] && grep -qi '^Retry-After: [1-9]' '$T/r2.h'"
else bad "authenticated_server (development) start"; fi

# ---- the other example servers ------------------------------------------------------------
if [ -x "$EX/streaming_server" ]; then
  PORT=0 AUDIT_LOG=off "$EX/streaming_server" >"$T/st.out" 2>&1 &
  PIDS="$PIDS $!"
  if wait_for "$T/st.out" '^Listening on '; then
    SU=$(sed -n 's/^Listening on //p' "$T/st.out"); STOK=$(sed -n 's/^Test Token: //p' "$T/st.out")
    node tests/interop/auth-peer.mjs call "$SU" "$STOK" stream_analysis '{"items":["a","b","c"]}' >"$T/st.json" 2>&1
    check "streaming_server: per-item progress naming the user" node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
process.exit(o.progress.length === 3 && o.progress[2] === "analysed 3/3 for dev-user" && /3 items/.test(o.text) ? 0 : 1);' "$T/st.json"
  else bad "streaming_server start"; fi
else skip "streaming_server not built"; fi
if [ -x "$EX/custom_auth_server" ]; then
  PORT=0 AUDIT_LOG=off "$EX/custom_auth_server" >"$T/cu.out" 2>&1 &
  PIDS="$PIDS $!"
  if wait_for "$T/cu.out" '^Listening on '; then
    CU=$(sed -n 's/^Listening on //p' "$T/cu.out"); CTOK=$(sed -n 's/^Test Token: //p' "$T/cu.out")
    st=$(curl -s -o "$T/cu.b" -w '%{http_code}' -X POST "$CU" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d "$INIT")
    check "custom_auth_server: hook rejects a request without token (401)" sh -c "[ $st = 401 ] && grep -q 'Missing bearer token' '$T/cu.b'"
    node tests/interop/auth-peer.mjs call "$CU" "$CTOK" secureOperation '{"action":"deploy"}' >"$T/cu.json" 2>&1
    check "custom_auth_server: secureOperation sees the hook's session data" node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
process.exit(!o.isError && /deploy for dev-user/.test(o.text) && /"userId":"dev-user"/.test(o.text) ? 0 : 1);' "$T/cu.json"
  else bad "custom_auth_server start"; fi
else skip "custom_auth_server not built"; fi
# the header's bearer quick start (examples/bearer_server.c): the same JWKS, issuer and audience
if [ -x "$EX/bearer_server" ]; then
  BP=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$EX/bearer_server" "http://127.0.0.1:$JP/jwks.json" "$ISS" "$AUD" "$BP" >"$T/bs.out" 2>&1 &
  PIDS="$PIDS $!"
  i=0; while ! curl -s -o /dev/null "http://127.0.0.1:$BP/mcp" && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.1; done
  if curl -s -o /dev/null "http://127.0.0.1:$BP/mcp"; then
    BS="http://127.0.0.1:$BP/mcp"
    mcall() { # token -> status; body in $T/bs.b (a 2026-07-28 stateless call)
      curl -s -o "$T/bs.b" -w '%{http_code}' -X POST "$BS" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
        -H 'Mcp-Method: tools/call' -H 'Mcp-Name: add' ${1:+-H "Authorization: Bearer $1"} \
        -d '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":40,"b":2},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
    }
    st=$(mcall "$GOOD"); check "bearer_server: a valid jose token calls add (42)" sh -c "[ $st = 200 ] && grep -q '\"text\":\"42\"' '$T/bs.b'"
    st=$(mcall ""); check "bearer_server: no token gets 401" [ "$st" = 401 ]
    st=$(mcall "$EXPD"); check "bearer_server: an expired token gets 401" [ "$st" = 401 ]
    st=$(mcall "$UNKN"); check "bearer_server: a token of an unknown key gets 401" [ "$st" = 401 ]
  else bad "bearer_server start"; cat "$T/bs.out"; fi
else skip "bearer_server not built"; fi
finish
