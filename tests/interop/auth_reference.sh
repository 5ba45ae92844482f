#!/bin/sh
# The TypeScript fastmcp server as the behavioural reference for bearer auth.
#
# Both servers get the same policy: one RS256 key (build/fmcp keygen), served
# as a JWKS file over HTTP for examples/authenticated_server in production mode
# and read from the file by tests/interop/fastmcp-auth-server.mjs (jose), issuer
# https://issuer.ref, audience mcp-ref, required scope mcp:tools. Tokens come
# from build/fmcp token. Each case POSTs the same initialize with curl to both,
# and compares: the status code; for 401/403 that both WWW-Authenticate headers
# carry resource_metadata, the same error attribute (or none) and the same
# scope attribute; that both bodies are JSON with the same "error" member.
#
# Deliberate differences, printed as "note" lines, not failures:
#  - fastmcp's challenge starts with realm="mcp"; ours has no realm (RFC 6750
#    makes it optional and MCP clients do not use it).
#  - error_description texts are each verifier's own words (jose vs ours).
#  - the resource_metadata URLs differ only in the port.
#  - a good initialize: fastmcp answers text/event-stream, ours JSON or SSE as
#    the client accepts; both carry serverInfo.
# Ends with "RESULT p f s"; skips when node, the npm modules, curl or python3
# (which serves the JWKS) are missing.
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
note() { echo "note  $1"; }
skip_all() { skip "$1"; finish; }
SRV=${AUTH_SERVER_BIN:-build/examples/authenticated_server}
FMCP=${FMCP:-build/fmcp}
command -v node >/dev/null 2>&1 || skip_all "node not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (serves the JWKS)"
[ -d $NM/fastmcp ] && [ -d $NM/jose ] && [ -d $NM/zod ] || skip_all "npm modules absent (npm ci in tests/interop)"
[ -x "$SRV" ] && [ -x "$FMCP" ] || skip_all "$SRV or $FMCP not built (make)"
NODE=$(command -v node)

t_tmpdir

ISS=https://issuer.ref; AUD=mcp-ref; SCOPE=mcp:tools
"$FMCP" keygen --kid ref --out "$T/k" >/dev/null 2>&1 && "$FMCP" keygen --kid ref --out "$T/other" >/dev/null 2>&1 \
  || { bad "fmcp keygen"; echo "RESULT $P $F $S"; exit 1; }
tok() { "$FMCP" token --key "$T/${KEY:-k}/private.pem" --kid ref --sub alice --claim 'client_id="ref-client"' "$@"; }
GOOD=$(tok --iss $ISS --aud $AUD --scope "$SCOPE")
BADSIG=$(KEY=other tok --iss $ISS --aud $AUD --scope "$SCOPE")
EXPIRED=$(tok --iss $ISS --aud $AUD --scope "$SCOPE" --ttl -3600)
WRONGISS=$(tok --iss https://other.issuer --aud $AUD --scope "$SCOPE")
WRONGAUD=$(tok --iss $ISS --aud other-audience --scope "$SCOPE")
NOSCOPE=$(tok --iss $ISS --aud $AUD --scope "mcp:read")
[ -n "$GOOD" ] && [ -n "$NOSCOPE" ] || { bad "fmcp token"; echo "RESULT $P $F $S"; exit 1; }

# the JWKS over HTTP for our server
JP=$(free_port)
(cd "$T/k" && exec python3 -m http.server "$JP" --bind 127.0.0.1) >"$T/jwks.out" 2>&1 & PIDS="$PIDS $!"
i=0; while ! curl -sf -o /dev/null "http://127.0.0.1:$JP/jwks.json" && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done

ENVIRONMENT=production JWKS_URI="http://127.0.0.1:$JP/jwks.json" JWT_ISSUER=$ISS JWT_AUDIENCE=$AUD \
  REQUIRED_SCOPES=$SCOPE AUTH_SERVER_URL=$ISS HOST=127.0.0.1 PORT=0 AUDIT_LOG=off "$SRV" >"$T/ours.out" 2>&1 & PIDS="$PIDS $!"
wait_for "^Listening on " "$T/ours.out" || { bad "our server did not start"; cat "$T/ours.out"; echo "RESULT $P $F $S"; exit 1; }
OURS=$(sed -n 's/^Listening on \(http:[^ ]*\).*/\1/p' "$T/ours.out" | head -n 1)
TP=$(free_port)
node tests/interop/fastmcp-auth-server.mjs --port "$TP" --jwks "$T/k/jwks.json" --issuer $ISS --audience $AUD \
  --scope "$SCOPE" >"$T/ts.out" 2>&1 & PIDS="$PIDS $!"
wait_for "^port " "$T/ts.out" || { bad "fastmcp server did not start"; cat "$T/ts.out"; echo "RESULT $P $F $S"; exit 1; }
TS="http://127.0.0.1:$TP/mcp"

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
post() { # url out-prefix [authorization value]
  curl -s -D "$2.h" -o "$2.b" -w '%{http_code}' -X POST "$1" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
    ${3:+-H "Authorization: $3"} -d "$INIT"
}
www() { tr -d '\r' <"$1.h" | sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: //p' | head -n 1; }
attr() { printf '%s' "$1" | sed -n "s/.*[ ,]$2=\"\\([^\"]*\\)\".*/\\1/p"; }
body_error() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error", "<none>"))' "$1.b" 2>/dev/null || echo "<not JSON>"; }

case_() { # name authorization-value
  name=$1
  so=$(post "$OURS" "$T/o" "$2"); st=$(post "$TS" "$T/t" "$2")
  if [ "$so" != "$st" ]; then bad "$name: status ours $so, fastmcp $st"; return; fi
  if [ "$so" = 200 ]; then
    if grep -q '"serverInfo"' "$T/o.b" && grep -q '"serverInfo"' "$T/t.b"; then ok "$name: both 200 with serverInfo"
    else bad "$name: 200 without serverInfo"; fi
    return
  fi
  wo=$(www "$T/o"); wt=$(www "$T/t")
  mo=$(attr "$wo" resource_metadata); mt=$(attr "$wt" resource_metadata)
  eo=$(attr "$wo" error); et=$(attr "$wt" error)
  co=$(attr "$wo" scope); ct=$(attr "$wt" scope)
  bo=$(body_error "$T/o"); bt=$(body_error "$T/t")
  fails=""
  [ -n "$mo" ] && [ -n "$mt" ] || fails="$fails resource_metadata(ours '$mo', fastmcp '$mt')"
  [ "${mo#http://127.0.0.1:*/}" = "${mt#http://127.0.0.1:*/}" ] || fails="$fails metadata-path('$mo' vs '$mt')"
  [ "$eo" = "$et" ] || fails="$fails error-attr(ours '$eo', fastmcp '$et')"
  [ "$co" = "$ct" ] || fails="$fails scope-attr(ours '$co', fastmcp '$ct')"
  [ "$bo" = "$bt" ] && [ "$bo" != "<not JSON>" ] || fails="$fails body-error(ours '$bo', fastmcp '$bt')"
  if [ -z "$fails" ]; then ok "$name: $so, error=${eo:-none}, body error $bo, resource_metadata on both"
  else bad "$name: $so,$fails"; fi
  case "$wt" in *realm=*) case "$wo" in *realm=*) ;; *) note "$name: fastmcp adds realm (ours has none)";; esac;; esac
  do_=$(attr "$wo" error_description); dt=$(attr "$wt" error_description)
  [ "$do_" = "$dt" ] || note "$name: error_description ours \"$do_\", fastmcp \"$dt\""
}

case_ "no token" ""
case_ "other scheme (Basic)" "Basic dXNlcjpwYXNz"
case_ "malformed token" "Bearer not-a-jwt"
case_ "bad signature" "Bearer $BADSIG"
case_ "expired" "Bearer $EXPIRED"
case_ "wrong issuer" "Bearer $WRONGISS"
case_ "wrong audience" "Bearer $WRONGAUD"
case_ "missing scope" "Bearer $NOSCOPE"
case_ "good token, initialize" "Bearer $GOOD"
# the metadata documents both servers point at
po=$(curl -s "${OURS%/mcp}/.well-known/oauth-protected-resource/mcp"); pt=$(curl -s "http://127.0.0.1:$TP/.well-known/oauth-protected-resource/mcp")
fo=$(printf '%s' "$po" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("authorization_servers"), d.get("bearer_methods_supported"), d.get("scopes_supported"), d["resource"].split("/",3)[-1])' 2>/dev/null)
ft=$(printf '%s' "$pt" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("authorization_servers"), d.get("bearer_methods_supported"), d.get("scopes_supported"), d["resource"].split("/",3)[-1])' 2>/dev/null)
if [ -n "$fo" ] && [ "$fo" = "$ft" ]; then ok "protected resource metadata: same authorization servers, methods, scopes and resource path ($fo)"
else bad "protected resource metadata: ours '$po', fastmcp '$pt'"; fi
echo "RESULT $P $F $S"
[ "$F" -eq 0 ]
