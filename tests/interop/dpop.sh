#!/bin/sh
# DPoP (RFC 9449) end to end: oidc-provider (the peers' oauth-server.mjs
# --dpop, ES256 tokens, a confidential client) issues DPoP-bound access
# tokens; tests/interop/dpop_server.c is a fastmcp.h resource server that
# requires DPoP; the fastmcp.h OAuth client (`fmcp call --dpop`, client
# credentials) gets a token bound to its proof key and calls a tool. Then the
# same token without a proof, as Bearer, and with a replayed proof is
# refused; and proofs made by jose (dpop-jose.mjs, its own DPoP-bound token)
# are accepted, a jose proof for another URL refused.
# Peers: $FMCP_PEERS (default /tmp/mcp-peers, see ../shared/peers/README.md).
# Prints one ok/FAIL/skip line per check and ends with "RESULT p f s".
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
pick_node peers-first
FMCP=${FMCP_BIN:-build/fmcp}
B=${BUILD:-build}/interop
if [ -z "$NODE" ] || [ ! -f "$PEERS/oauth-server.mjs" ] || [ ! -d "$PEERS/node_modules/oidc-provider" ]; then
  skip "dpop e2e: node or $PEERS/oauth-server.mjs with oidc-provider absent"; finish
fi
if ! command -v curl >/dev/null 2>&1; then skip "dpop e2e: curl absent"; finish; fi
if [ ! -x "$FMCP" ] || ! "$FMCP" help 2>&1 | grep -q -- "--dpop"; then skip "dpop e2e: $FMCP (with OAuth) not built (make)"; finish; fi
mkdir -p "$B"
if ! ${CC:-cc} -std=c99 -O2 -I. -o "$B/dpop_server" tests/interop/dpop_server.c -lpthread -lm; then
  bad "build tests/interop/dpop_server.c"; finish
fi

t_tmpdir

ASPORT=$(free_port); RSPORT=$(free_port)
ISS="http://127.0.0.1:$ASPORT"
RES="http://127.0.0.1:$RSPORT/mcp"
"$NODE" "$PEERS/oauth-server.mjs" --port "$ASPORT" --alg ES256 --dpop --client rs:s3cret \
  --scopes "mcp:tools" >"$T/as.out" 2>&1 &
PIDS="$PIDS $!"
if ! wait_for "issuer $ISS" "$T/as.out" 150; then bad "authorization server started"; sed 's/^/      /' "$T/as.out" | head -20; finish; fi
ok "oidc-provider with DPoP at $ISS"
"$B/dpop_server" "$RSPORT" "$ISS" ES256 >"$T/rs.out" 2>"$T/rs.err" &
PIDS="$PIDS $!"
if ! wait_for "^LISTENING " "$T/rs.out" 100; then bad "resource server started"; sed 's/^/      /' "$T/rs.err" | head; finish; fi
ok "fastmcp.h resource server (DPoP required) at $RES"

hdrs=$(curl -s -D - -o /dev/null -X POST -H 'content-type: application/json' \
  -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' "$RES")
check "no token: 401 with a DPoP challenge and resource_metadata" \
  sh -c "printf '%s' '$hdrs' | grep -qi '^www-authenticate: DPoP algs=\"ES256\".*resource_metadata=' && printf '%s' '$hdrs' | grep -q ' 401'"

# the fastmcp.h client: discovery from the challenge, a DPoP proof at the token
# endpoint, a token bound to its key, a proof on every call
CACHE="$T/cache"
FMCP_CLIENT_SECRET=s3cret "$FMCP" call --client-credentials --client-id rs --dpop --cache-dir "$CACHE" \
  "$RES" whoami >"$T/call.out" 2>"$T/call.err"; rc=$?
check "fmcp call --dpop succeeds against the DPoP-only server" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/      /' "$T/call.err" | tail -10
check "the server saw a DPoP-bound token (cnf.jkt)" grep -q 'jkt' "$T/call.out"
TOKF=$(ls "$CACHE"/*_tokens.json 2>/dev/null | head -n 1)
TOK=$("$NODE" -e 'const t=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).data;if(t.token_type==="DPoP")console.log(t.access_token)' "$TOKF" 2>/dev/null)
if [ -z "$TOK" ]; then
  bad "the stored token is a DPoP token"; ls -la "$CACHE" | sed 's/^/      /'
else
  ok "the stored token is a DPoP token"
  post() { # AUTH-SCHEME [DPoP-proof]
    if [ -n "${2:-}" ]; then
      curl -s -D "$T/h" -o "$T/b" -X POST -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
        -H 'mcp-protocol-version: 2025-06-18' -H "authorization: $1 $TOK" -H "dpop: $2" \
        -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' "$RES"
    else
      curl -s -D "$T/h" -o "$T/b" -X POST -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
        -H 'mcp-protocol-version: 2025-06-18' -H "authorization: $1 $TOK" \
        -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' "$RES"
    fi
  }
  post DPoP
  check "the same token without a proof: 401 invalid_dpop_proof" \
    sh -c "grep -q ' 401' '$T/h' && grep -qi 'www-authenticate: DPoP .*invalid_dpop_proof' '$T/h'"
  post Bearer
  check "the same token as Bearer: 401 invalid_token" \
    sh -c "grep -q ' 401' '$T/h' && grep -qi 'www-authenticate: DPoP .*invalid_token' '$T/h'"
fi

# jose: its own key, a DPoP-bound token from oidc-provider, proofs for our server
if [ -d "$NM/jose" ]; then
  "$NODE" tests/interop/dpop-jose.mjs "$ISS" "$RES" rs s3cret >"$T/jose.out" 2>"$T/jose.err"; rc=$?
  [ "$rc" -eq 0 ] || { sed 's/^/      /' "$T/jose.err" | tail -10; sed 's/^/      /' "$T/jose.out"; }
  for c in "token_type DPoP" "jose proof: 200" "jose proof replayed: 401 invalid_dpop_proof" \
           "jose proof for another URL: 401 invalid_dpop_proof" "jose ES384 proof: 401 invalid_dpop_proof" \
           "jose proof with another key: 401 invalid_token"; do
    check "$c" grep -qF "$c" "$T/jose.out"
  done
else
  skip "jose cross-check: tests/interop/node_modules/jose absent (npm ci in tests/interop)"
fi
finish
