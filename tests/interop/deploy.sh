#!/bin/sh
# The deployment of docs/deploy.md, run for real: nginx (Debian nginx-light)
# terminates TLS with a certificate made here by the openssl command and
# balances two build/examples/authenticated_server processes (production
# mode: RS256 tokens signed by jose, keys from a JWKS URL; STATELESS=1;
# ALLOWED_HOSTS/ALLOWED_ORIGINS set to the public name), plus two
# streaming_server processes sharing one port through REUSE_PORT=1.
# Checks: curl --cacert through nginx (initialize, tools/call with a bearer
# token), calls land on both backends (their audit logs), a bad token gets
# the same 401 and WWW-Authenticate from either backend and through nginx,
# forwarded Host/Origin accepted and a foreign Origin refused (403),
# progress events pass nginx one by one (time-stamped as curl -N receives
# them), the official TypeScript SDK client through nginx over HTTPS, and
# the same client directly against our HTTPS server (BearSSL build).
# Run from anywhere: sh tests/interop/deploy.sh. Ends with "RESULT p f s";
# absent peers (nginx, openssl, curl, python3, node + SDK) are skipped.
cd "$(dirname "$0")/../.." || exit 2
EX=${EX:-build/examples}
NM=tests/interop/node_modules
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
P=0; F=0; S=0
ok()   { P=$((P+1)); echo "ok    $1"; }
bad()  { F=$((F+1)); echo "FAIL  $1"; }
skip() { S=$((S+1)); echo "skip  $1"; }
PIDS=""
T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-deploy.XXXXXX") || exit 2
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  for p in $PIDS; do wait "$p" 2>/dev/null; done
  PIDS=""
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
finish() { cleanup; echo "RESULT $P $F $S"; exit 0; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

[ -x "$NGINX" ] || { skip "all: nginx not installed (apt-get install nginx-light)"; finish; }
for c in openssl curl python3 node; do
  command -v $c >/dev/null 2>&1 || { skip "all: $c not installed"; finish; }
done
[ -d "$NM/jose" ] && [ -d "$NM/@modelcontextprotocol/sdk" ] || { skip "all: tests/interop/node_modules absent (npm ci)"; finish; }
for e in authenticated_server streaming_server; do
  [ -x "$EX/$e" ] || { skip "all: $EX/$e not built (make)"; finish; }
done

# wait_for FILE PATTERN: until a started process reports readiness (10 s at most)
wait_for() { i=0; while [ $i -lt 100 ]; do grep -q "$2" "$1" 2>/dev/null && return 0; i=$((i+1)); sleep 0.1; done; return 1; }
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
url_of() { sed -n 's/^Listening on \([^ ]*\).*/\1/p' "$1"; }

# ---- certificates: a CA and a server certificate for the public name -------------
PUB=mcp.example.test
( cd "$T" && set -e && exec >openssl.txt 2>&1
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' $PUB >ext.cnf
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj '/CN=deploy test CA'
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=$PUB"
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out server.crt
) || { bad "openssl certificates (see $T/openssl.txt)"; finish; }
ok "openssl made a CA and a certificate for $PUB, localhost and 127.0.0.1"

# ---- identity provider: a jose key pair, its JWKS on a local HTTP server ----------
ISS=https://issuer.deploy.test; AUD=mcp-deploy; now=$(date +%s)
mkdir -p "$T/jose" "$T/jwks"
node tests/interop/jwt-peer.mjs keypair "$T/jose" deploy-kid && cp "$T/jose/jwks.json" "$T/jwks/" \
  || { bad "jose key pair"; finish; }
node tests/interop/auth-peer.mjs serve "$T/jwks" >"$T/jwks.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/jwks.out" '^PORT ' || { bad "JWKS server start"; finish; }
JWKS="http://127.0.0.1:$(sed -n 's/^PORT //p' "$T/jwks.out")/jwks.json"
tok() { node tests/interop/jwt-peer.mjs sign "$T/jose/private.pem" deploy-kid \
  "{\"iss\":\"$ISS\",\"aud\":\"$AUD\",\"client_id\":\"deploy\",\"exp\":$((now+600)),$1}"; }
GOOD=$(tok '"sub":"alice","scope":"mcp:read mcp:write"')
BADT=$(printf '%s' "$GOOD" | sed 's/.$/A/; s/..........$/AAAAAAAAAA/')   # signature broken

# ---- backends -------------------------------------------------------------------
NGP=$(freeport); SP=$(freeport)
PUBURL="https://$PUB:$NGP"
backend() { # name binary port [env...]: starts it, sets URL
  n=$1; b=$2; port=$3; shift 3
  env ENVIRONMENT=production JWKS_URI="$JWKS" JWT_ISSUER=$ISS JWT_AUDIENCE=$AUD PORT="$port" \
    STATELESS=1 ALLOWED_HOSTS="$PUB,localhost" ALLOWED_ORIGINS="$PUBURL,https://localhost:$NGP" \
    RESOURCE_URL="$PUBURL/mcp" AUTH_SERVER_URL=$ISS AUDIT_LOG="$T/audit-$n.log" "$@" \
    "$EX/$b" >"$T/$n.out" 2>"$T/$n.err" &
  PIDS="$PIDS $!"
  wait_for "$T/$n.out" '^Listening on ' || { bad "$n did not start: $(cat "$T/$n.err")"; finish; }
  URL=$(url_of "$T/$n.out")
}
backend a authenticated_server 0; UA=$URL
backend b authenticated_server 0; UB=$URL
backend s1 streaming_server "$SP" REUSE_PORT=1 REQUIRED_SCOPES=mcp:read; US1=$URL
backend s2 streaming_server "$SP" REUSE_PORT=1 REQUIRED_SCOPES=mcp:read; US2=$URL
ok "two authenticated_server backends (production, JWKS URL, STATELESS=1)"
if [ "$US1" = "$US2" ]; then ok "REUSE_PORT=1: two streaming_server processes listen on port $SP"
else bad "REUSE_PORT: $US1 vs $US2"; fi
hp() { echo "$1" | sed 's|^http://||; s|/mcp$||'; }

# ---- nginx: TLS termination, one upstream per service ------------------------------
mkdir -p "$T/nginx"
cat >"$T/nginx.conf" <<CONF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $T/nginx-access.log;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  upstream mcp_backends { server $(hp "$UA"); server $(hp "$UB"); keepalive 16; }
  upstream mcp_stream { server 127.0.0.1:$SP; keepalive 16; }
  server {
    listen 127.0.0.1:$NGP ssl;
    server_name $PUB localhost;
    ssl_certificate $T/server.crt;
    ssl_certificate_key $T/server.key;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Forwarded-Host \$host;
    proxy_buffering off;
    proxy_read_timeout 1h;
    location = /mcp { proxy_pass http://mcp_backends; }
    location /.well-known/ { proxy_pass http://mcp_backends; }
    location = /health { proxy_pass http://mcp_backends; }
    location = /stream/mcp { proxy_pass http://mcp_stream/mcp; }
  }
}
CONF
"$NGINX" -p "$T/nginx" -c "$T/nginx.conf" -e "$T/nginx-error.log" -g 'daemon off;' >"$T/nginx.out" 2>&1 &
NPID=$!; PIDS="$PIDS $NPID"
CURL="curl -s --cacert $T/ca.crt --resolve $PUB:$NGP:127.0.0.1"
i=0; while [ $i -lt 100 ] && [ "$($CURL -o /dev/null -w '%{http_code}' "$PUBURL/health")" != 200 ]; do
  kill -0 $NPID 2>/dev/null || break; i=$((i+1)); sleep 0.1; done
if [ "$($CURL -o /dev/null -w '%{http_code}' "$PUBURL/health")" = 200 ]; then ok "nginx terminates TLS and proxies (curl --cacert $PUBURL/health)"
else bad "nginx did not come up: $(cat "$T/nginx-error.log" "$T/nginx.out" 2>/dev/null | tail -5)"; finish; fi

mcp() { # URL TOKEN BODY [curl args...]: status on the first line, then the body
  u=$1; a=$2; b=$3; shift 3
  $CURL -o "$T/body" -D "$T/head" -w '%{http_code}\n' -X POST "$u" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
    -H "Authorization: Bearer $a" "$@" -d "$b"
  cat "$T/body"
}
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
CALL='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"process_data","arguments":{"operation":"read","data":{"n":7}}}}'

# ---- curl through nginx ------------------------------------------------------------
out=$(mcp "$PUBURL/mcp" "$GOOD" "$INIT")
case "$out" in 200*'"protocolVersion":"2025-06-18"'*'"authenticated-server"'*) ok "curl: initialize through nginx";;
  *) bad "initialize through nginx: $(echo "$out" | head -c 300)";; esac
out=$(mcp "$PUBURL/mcp" "$GOOD" "$CALL")
case "$out" in 200*'alice'*'"n":7'*) ok "curl: tools/call with a bearer token through nginx";;
  *) bad "tools/call through nginx: $(echo "$out" | head -c 300)";; esac
i=0; while [ $i -lt 10 ]; do mcp "$PUBURL/mcp" "$GOOD" "$CALL" >/dev/null; i=$((i+1)); done
calls() { grep -c '"tool_called"' "$T/audit-$1.log" 2>/dev/null || echo 0; }
i=0; while [ $i -lt 50 ] && [ $(($(calls a) + $(calls b))) -lt 11 ]; do i=$((i+1)); sleep 0.05; done  # the last audit line may trail its response
na=$(calls a); nb=$(calls b)
if [ "${na:-0}" -gt 0 ] && [ "${nb:-0}" -gt 0 ] && [ $((na + nb)) -eq 11 ]; then ok "11 calls spread over both backends ($na + $nb, audit logs)"
else bad "calls per backend: ${na:-0} + ${nb:-0} (want both > 0, sum 11)"; fi

# ---- a bad token: the same refusal everywhere -------------------------------------
chal() { # URL [curl args]: "status|WWW-Authenticate"
  u=$1; shift
  st=$($CURL -o /dev/null -D "$T/h" -w '%{http_code}' -X POST "$u" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H "Authorization: Bearer $BADT" "$@" -d "$INIT")
  echo "$st|$(grep -i '^www-authenticate:' "$T/h" | tr -d '\r' | sed 's/^[^:]*: *//')"
}
cA=$(chal "$UA" -H "Host: $PUB"); cB=$(chal "$UB" -H "Host: $PUB"); cN=$(chal "$PUBURL/mcp")
case "$cN" in 401\|Bearer*'error="invalid_token"'*"resource_metadata=\"$PUBURL/.well-known/oauth-protected-resource/mcp\""*)
  if [ "$cA" = "$cN" ] && [ "$cB" = "$cN" ]; then ok "bad token: 401 with the same WWW-Authenticate from backend a, b and nginx"
  else bad "bad token differs: a=[$cA] b=[$cB] nginx=[$cN]"; fi ;;
  *) bad "bad token through nginx: [$cN]";; esac
i=0; same=1; while [ $i -lt 4 ]; do [ "$(chal "$PUBURL/mcp")" = "$cN" ] || same=0; i=$((i+1)); done
[ $same = 1 ] && ok "bad token: 4 more refusals through nginx (both backends) identical" || bad "bad token: refusals through nginx differ"

# ---- Host / Origin allow-lists -------------------------------------------------------
st=$(mcp "$PUBURL/mcp" "$GOOD" "$CALL" -H "Origin: $PUBURL" | head -n 1)
[ "$st" = 200 ] && ok "forwarded Host $PUB and Origin $PUBURL accepted (ALLOWED_HOSTS/ALLOWED_ORIGINS)" || bad "own Origin through nginx: $st"
st=$(mcp "$PUBURL/mcp" "$GOOD" "$CALL" -H "Origin: https://evil.example" | head -n 1)
[ "$st" = 403 ] && ok "foreign Origin through nginx: 403" || bad "foreign Origin through nginx: $st"
st=$(mcp "$UA" "$GOOD" "$CALL" | head -n 1)
[ "$st" = 421 ] && ok "Host not in ALLOWED_HOSTS (127.0.0.1 directly): 421" || bad "direct Host 127.0.0.1: $st (want 421)"

# ---- progress over SSE through nginx, time-stamped on arrival -----------------------
SSE='{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"_meta":{"progressToken":"p"},"name":"stream_analysis","arguments":{"items":["a","b","c"],"delay_ms":400}}}'
# python3 starts curl itself, so it is reading before the first byte can come
python3 -c '
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
t0 = time.monotonic()
for line in iter(p.stdout.readline, b""):
    if line.startswith(b"data: {"):
        sys.stdout.write("%d %s\n" % (int((time.monotonic() - t0) * 1000), line.decode().strip()))
        sys.stdout.flush()
p.wait()' $CURL -N -X POST "$PUBURL/stream/mcp" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
  -H "Authorization: Bearer $GOOD" -d "$SSE" >"$T/sse.txt" 2>"$T/sse.err"
first=$(grep -m1 'notifications/progress' "$T/sse.txt" | cut -d' ' -f1)
final=$(grep -m1 '"id":3' "$T/sse.txt" | cut -d' ' -f1)
nprog=$(grep -c 'notifications/progress' "$T/sse.txt")
if [ -n "$first" ] && [ -n "$final" ] && [ "$nprog" -eq 3 ] && [ $((final - first)) -ge 400 ]; then
  ok "SSE through nginx is incremental: 3 progress events, the first ${first} ms in, the response at ${final} ms"
else bad "SSE through nginx: first=$first final=$final progress=$nprog ($(head -c 300 "$T/sse.txt"))"; fi
grep -q 'analysed 3/3 for alice' "$T/sse.txt" && ok "progress messages name the token's subject" || bad "progress text: $(head -c 200 "$T/sse.txt")"

# ---- the official TypeScript SDK client over HTTPS through nginx --------------------
sdk() { # URL TOOL ARGS -> JSON line
  NODE_EXTRA_CA_CERTS="$T/ca.crt" node tests/interop/auth-peer.mjs call "$1" "$GOOD" "$2" "$3" 2>"$T/sdk.err"
}
out=$(sdk "https://localhost:$NGP/mcp" process_data '{"operation":"write","data":"via-nginx"}')
case "$out" in *'alice'*'via-nginx'*'"isError":false'*'"progress":["validated","done"]'*) ok "TypeScript SDK client through nginx over HTTPS (tools/call, progress)";;
  *) bad "SDK through nginx: $out $(head -c 300 "$T/sdk.err")";; esac
out=$(sdk "https://localhost:$NGP/stream/mcp" stream_analysis '{"items":[1,2],"delay_ms":50}')
case "$out" in *'"text":"Analysed 2 items for alice"'*'"progress":["analysed 1/2 for alice","analysed 2/2 for alice"]'*)
  ok "TypeScript SDK client: streamed progress through nginx";;
  *) bad "SDK stream through nginx: $out $(head -c 300 "$T/sdk.err")";; esac

# ---- the SDK client directly against our HTTPS server (BearSSL) ---------------------
TLSBIN=""
# a build without TLS says so at once; one with TLS fails on the missing files
probe=$(TLS_CERT="$T/none" TLS_KEY="$T/none" PORT=0 AUDIT_LOG=off ENVIRONMENT=production \
  JWKS_URI="$JWKS" JWT_ISSUER=$ISS JWT_AUDIENCE=$AUD timeout 5 "$EX/authenticated_server" 2>&1)
case "$probe" in
  *"not compiled in"*) ;;
  *TLS_CERT*) TLSBIN="$EX/authenticated_server";;
esac
if [ -z "$TLSBIN" ] && [ -f /usr/include/bearssl.h ]; then
  # -O0: the crypto is in libbearssl; this build only has to exist
  if ${CC:-cc} -std=c99 -O0 -DFASTMCP_WITH_BEARSSL -I. -o "$T/authenticated_server_tls" examples/authenticated_server.c \
       -lbearssl -lpthread -lm 2>"$T/cc.txt"; then TLSBIN="$T/authenticated_server_tls"
  else bad "build authenticated_server with BearSSL (see $T/cc.txt)"; fi
fi
if [ -n "$TLSBIN" ]; then
  EX_SAVE=$EX; EX=$(dirname "$TLSBIN")
  backend tls "$(basename "$TLSBIN")" 0 TLS_CERT="$T/server.crt" TLS_KEY="$T/server.key" STATELESS=0; UT=$URL; EX=$EX_SAVE
  case "$UT" in https://*) ;; *) bad "TLS backend serves $UT";; esac
  PT=${UT##*:}; PT=${PT%/mcp}
  out=$(sdk "https://localhost:$PT/mcp" process_data '{"operation":"read","data":"direct-tls"}')
  case "$out" in *'alice'*'direct-tls'*'"isError":false'*) ok "TypeScript SDK client directly against our HTTPS server (BearSSL, sessions)";;
    *) bad "SDK direct HTTPS: $out $(head -c 300 "$T/sdk.err")";; esac
  st=$($CURL -o /dev/null -w '%{http_code}' "https://localhost:$PT/health")
  [ "$st" = 200 ] && ok "curl --cacert against our HTTPS server" || bad "curl direct HTTPS: $st"
  # our own client over HTTPS: fmcp built with BearSSL, trust from SSL_CERT_FILE
  if ${CC:-cc} -std=c99 -O0 -DFASTMCP_WITH_BEARSSL -I. -o "$T/fmcp_tls" cli/fmcp.c -lbearssl -lpthread -lm 2>"$T/cc2.txt"; then
    out=$(SSL_CERT_FILE="$T/ca.crt" "$T/fmcp_tls" call --bearer "$GOOD" "https://localhost:$PT/mcp" process_data \
          '{"operation":"read","data":"fmcp-tls"}' 2>"$T/fmcp_tls.err")
    case "$out" in *alice*fmcp-tls*) ok "fmcp call over HTTPS (BearSSL client, SSL_CERT_FILE trust)";;
      *) bad "fmcp call over HTTPS: $out $(head -c 300 "$T/fmcp_tls.err")";; esac
    if SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt "$T/fmcp_tls" call --bearer "$GOOD" "https://localhost:$PT/mcp" \
         process_data '{"operation":"read","data":"x"}' >/dev/null 2>&1; then bad "fmcp trusted our test CA without being told"
    else ok "fmcp over HTTPS refuses a server outside its trust anchors"; fi
  else bad "build fmcp with BearSSL: $(head -c 300 "$T/cc2.txt")"; fi
else
  skip "SDK client directly over HTTPS: no BearSSL (apt-get install libbearssl-dev)"
fi
finish
