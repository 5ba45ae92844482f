#!/bin/sh
# Opaque access tokens checked by RFC 7662 introspection: oidc-provider
# (oauth-server.mjs --opaque from the shared peers, default /tmp/mcp-peers,
# override with FMCP_PEERS) issues client-credentials tokens for this resource;
# tests/interop/introspect_server.c (fastmcp.h, fmcp_auth_desc.introspection)
# asks the provider's /token/introspection about them, authenticating with
# client_secret_basic (a static client) or private_key_jwt (a client
# registered with its ES256 key). Ends with "RESULT p f s"; absent peers skip.
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
CHECK_QUIET=1   # the checks' commands print what they got: not wanted here
pick_node
if [ -z "$NODE" ] || [ ! -f "$PEERS/oauth-server.mjs" ] || [ ! -d "$PEERS/node_modules/oidc-provider" ]; then
  skip "introspection: node or $PEERS/oauth-server.mjs with oidc-provider absent (set FMCP_PEERS)"; finish
fi
if ! command -v curl >/dev/null 2>&1; then skip "introspection: curl absent"; finish; fi

t_tmpdir
json() { "$NODE" -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(o[process.argv[1]] ?? "")' "$1"; }

if ! ${CC:-cc} -std=c99 -O1 -I. -o "$T/introspect_server" tests/interop/introspect_server.c -lpthread -lm; then
  bad "build tests/interop/introspect_server.c"; finish
fi

AP=$(free_port); ISS="http://127.0.0.1:$AP"
"$NODE" "$PEERS/oauth-server.mjs" --port "$AP" --opaque --client rs:s3cret >"$T/as.out" 2>"$T/as.err" &
PIDS="$PIDS $!"
if ! wait_for "issuer $ISS" "$T/as.err" 150; then bad "oidc-provider started"; sed 's/^/      /' "$T/as.err" | head; finish; fi
ok "oidc-provider (--opaque) at $ISS"

RP=$(free_port); RES="http://127.0.0.1:$RP/mcp"
"$T/introspect_server" "$ISS/token/introspection" "$ISS" "$RES" "$RP" rs s3cret basic >"$T/rs.out" 2>"$T/rs.err" &
PIDS="$PIDS $!"
if ! wait_for '^Listening on ' "$T/rs.out" 150; then bad "introspect_server started"; sed 's/^/      /' "$T/rs.err" | head; finish; fi
ok "fastmcp.h resource server (introspection, client_secret_basic) at $RES"

# a confidential client of the application, registered dynamically
curl -s -H 'Content-Type: application/json' -d '{"grant_types":["client_credentials"],"response_types":[],"redirect_uris":[],"token_endpoint_auth_method":"client_secret_basic"}' \
  "$ISS/reg" >"$T/app.json"
CID=$(json client_id <"$T/app.json"); CS=$(json client_secret <"$T/app.json")
[ -n "$CID" ] && ok "application client registered" || { bad "application client registered: $(head -c 300 "$T/app.json")"; finish; }
token() { # scope resource -> an opaque access token
  curl -s -u "$CID:$CS" -d grant_type=client_credentials --data-urlencode "scope=$1" --data-urlencode "resource=$2" "$ISS/token" | json access_token
}
READ=$(token mcp:read "$RES"); RW=$(token "mcp:read mcp:write" "$RES"); OTHER=$(token mcp:read "http://127.0.0.1:1/other")
REVOKED=$(token mcp:read "$RES")
curl -s -u "$CID:$CS" -d "token=$REVOKED" "$ISS/token/revocation" >/dev/null
case "$READ" in *.*.*|"") bad "opaque token issued: '$READ'"; finish ;; *) ok "opaque access tokens issued" ;; esac

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
rpc() { # url token session body -> status; body in $T/r.b, headers in $T/r.h
  curl -s -o "$T/r.b" -D "$T/r.h" -w '%{http_code}' -X POST "$1" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
    -H "Authorization: Bearer $2" ${3:+-H "Mcp-Session-Id: $3"} -d "$4"
}
session() { # url token -> session id (initialize + initialized)
  rpc "$1" "$2" "" "$INIT" >/dev/null
  sid=$(grep -i '^Mcp-Session-Id:' "$T/r.h" | tr -d '\r' | sed 's/^[^:]*: *//')
  rpc "$1" "$2" "$sid" '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
  echo "$sid"
}
WHOAMI='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'
WRITE='{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"write","arguments":{}}}'

run_checks() { # label url
  L=$1; U=$2
  SID=$(session "$U" "$READ")
  check "$L: initialize with the opaque token: session" test -n "$SID"
  st=$(rpc "$U" "$READ" "$SID" "$WHOAMI")
  check "$L: valid token -> tool works, caller from introspection (client_id, scope, iss)" sh -c \
    "[ $st = 200 ] && grep -q 'cid=$CID scopes=mcp:read iss=$ISS' '$T/r.b'"
  st=$(rpc "$U" "garbage-token" "" "$INIT")
  check "$L: garbage token -> 401 invalid_token" sh -c "[ $st = 401 ] && grep -i '^WWW-Authenticate:' '$T/r.h' | grep -q 'invalid_token'"
  st=$(rpc "$U" "$READ" "$SID" "$WRITE")
  check "$L: wrong scope (mcp:read calling write) -> 403 insufficient_scope" sh -c \
    "[ $st = 403 ] && grep -i '^WWW-Authenticate:' '$T/r.h' | grep -q 'insufficient_scope'"
  SID2=$(session "$U" "$RW")
  st=$(rpc "$U" "$RW" "$SID2" "$WRITE")
  check "$L: mcp:write token -> write works" test "$st" = 200
  st=$(rpc "$U" "$OTHER" "" "$INIT")
  check "$L: token for another resource (aud) -> 401" test "$st" = 401
  st=$(rpc "$U" "$REVOKED" "" "$INIT")
  check "$L: revoked token (inactive) -> 401" test "$st" = 401
}
run_checks "basic" "$RES"

# private_key_jwt: the resource server as a client registered with its ES256 key
"$NODE" -e '
  const c = require("crypto"), fs = require("fs");
  const { privateKey, publicKey } = c.generateKeyPairSync("ec", { namedCurve: "P-256" });
  fs.writeFileSync(process.argv[1], privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  fs.writeFileSync(process.argv[2], JSON.stringify({ grant_types: ["client_credentials"], response_types: [], redirect_uris: [],
    token_endpoint_auth_method: "private_key_jwt", token_endpoint_auth_signing_alg: "ES256",
    jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), alg: "ES256", use: "sig" }] } }));
' "$T/rs.pem" "$T/rsreg.json"
curl -s -H 'Content-Type: application/json' -d @"$T/rsreg.json" "$ISS/reg" >"$T/rs2.json"
RSID=$(json client_id <"$T/rs2.json")
if [ -z "$RSID" ]; then bad "private_key_jwt client registered: $(head -c 300 "$T/rs2.json")"; finish; fi
RP2=$(free_port); RES2="http://127.0.0.1:$RP2/mcp"
"$T/introspect_server" "$ISS/token/introspection" "$ISS" "$RES" "$RP2" "$RSID" "$T/rs.pem" jwt >"$T/rs2.out" 2>"$T/rs2.err" &
PIDS="$PIDS $!"
if wait_for '^Listening on ' "$T/rs2.out" 150; then
  ok "fastmcp.h resource server (introspection, private_key_jwt) at $RES2"
  run_checks "private_key_jwt" "$RES2"
else bad "introspect_server (private_key_jwt) started"; sed 's/^/      /' "$T/rs2.err" | head; fi
check "oidc-provider logged no server error" sh -c "! grep -q server_error '$T/as.err'"
finish
