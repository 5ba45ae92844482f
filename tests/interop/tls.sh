#!/bin/sh
# The tls module against real peers. A CA and certificates are made here with
# the openssl command; then: curl --cacert against our HTTPS server (RSA and
# EC keys), openssl s_client with X25519 and with P-256 key exchange (both
# sides), TLS 1.1 and TLS 1.3-only peers refused, our client fetching a
# JWKS from `openssl s_server -WWW`, and our client refusing an untrusted CA,
# a wrong host name and an expired certificate. Prints "RESULT p f s"; skips
# when BearSSL, openssl or curl is absent.
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
if [ ! -f /usr/include/bearssl.h ]; then skip "BearSSL not installed (libbearssl-dev)"; finish; fi
if ! command -v openssl >/dev/null 2>&1; then skip "openssl not installed"; finish; fi
B=build/interop/tls; rm -rf "$B"; mkdir -p "$B/www"
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done' EXIT INT TERM

cat > "$B/tls_tool.c" <<'EOF'
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void handler(fmcp_http_req *req, void *user)
{
    fmcp_http_header h[1] = {{"Content-Type", "text/plain"}};
    const char *p = fmcp_http_req_path(req);
    (void)user;
    if (strncmp(p, "/big/", 5) == 0) {   /* N bytes of a pattern: flow control under TLS */
        size_t n = (size_t)strtoul(p + 5, NULL, 10), i;
        char *b = (char *)malloc(n + 1);
        for (i = 0; b && i < n; i++) b[i] = (char)('a' + i % 26);
        if (b) fmcp_http_respond(req, 200, h, 1, b, n);
        else fmcp_http_respond(req, 500, h, 1, "", 0);
        free(b);
        return;
    }
    fmcp_http_respond(req, 200, h, 1, p, strlen(p));
}
static void stop(void *u) { fmcp_http_stop((fmcp_http_loop *)u); }
/* serve: HTTPS from TLS_CERT/TLS_KEY on 127.0.0.1, port printed first */
static int serve(void)
{
    fmcp_http_loop *l; fmcp_http_server *s; fmcp_http_server_desc d; fmcp_tls_server *t; fmcp_result r;
    memset(&d, 0, sizeof d);
    d.handler = handler;
    if (fmcp_http_loop_create(NULL, &l)) return 1;
    r = fmcp_tls_server_from_env(NULL, l, &t);
    if (r) { printf("tls setup failed: %s\n", fmcp_result_str(r)); return 1; }
    d.transport = fmcp_tls_server_io(t);
    if (fmcp_http_server_create(l, &d, &s)) return 1;
    printf("%u\n", (unsigned)fmcp_http_server_port(s)); fflush(stdout);
    fmcp_http_timer_add(l, 60000, stop, l, NULL);
    fmcp_http_run(l);
    fmcp_http_server_destroy(s); fmcp_http_loop_destroy(l); fmcp_tls_server_destroy(t);
    return 0;
}
/* fetch URL CAFILE: body on stdout, or "error: ..." with the TLS reason */
static int fetch(const char *url, const char *ca)
{
    fmcp_http_client_req q; fmcp_http_response *res; fmcp_tls_client *c; fmcp_tls_client_desc cd;
    char err[128]; fmcp_result rc;
    memset(&cd, 0, sizeof cd); cd.ca_file = ca;
    rc = fmcp_tls_client_create(NULL, &cd, &c);
    if (rc) { printf("error: CA file: %s\n", fmcp_result_str(rc)); return 1; }
    memset(&q, 0, sizeof q);
    q.url = url; q.error_buf = err; q.error_buf_len = sizeof err; q.transport = fmcp_tls_client_io(c);
    rc = fmcp_http_fetch(NULL, &q, &res);
    if (rc) {
        const char *why = fmcp_tls_client_last_error(c);
        printf("error: %s (%s)\n", err, why ? why : "-");
        fmcp_tls_client_destroy(c);
        return 1;
    }
    fwrite(res->body, 1, res->body_len, stdout);
    fmcp_http_response_destroy(res); fmcp_tls_client_destroy(c);
    return 0;
}
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0) return serve();
    if (argc > 3 && strcmp(argv[1], "fetch") == 0) return fetch(argv[2], argv[3]);
    fprintf(stderr, "usage: tls_tool serve | fetch URL CAFILE\n");
    return 2;
}
EOF
# -O0: the crypto is in libbearssl; our part only moves bytes, and compiles fast
if ! ${CC:-cc} -std=c99 -O0 -DFASTMCP_WITH_BEARSSL -I. -o "$B/tls_tool" "$B/tls_tool.c" -lbearssl -lpthread -lm 2>"$B/cc.txt"; then
  bad "build tls_tool (see $B/cc.txt)"; finish
fi
T=$(pwd)/$B/tls_tool

# ---- certificates (openssl is the independent peer that makes them) ----
mk() ( cd "$B" && set -e && exec >>openssl.txt 2>&1
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
  printf 'subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\n' >wrong.cnf
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj '/CN=interop CA'
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 30 -subj '/CN=other CA'
  openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj '/CN=localhost'
  openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out rsa.crt
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ec.key -out ec.csr -subj '/CN=localhost'
  openssl x509 -req -in ec.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out ec.crt
  openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile wrong.cnf -out wrong.crt
  # expired: `openssl ca` can set a past validity window
  : >index.txt; echo 1000 >serial
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' >ca.cnf
  openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in rsa.csr -out expired.crt \
    -startdate 20200101000000Z -enddate 20210101000000Z -extfile ext.cnf -notext
)
if mk; then ok "openssl made a CA and certificates"; else bad "openssl certificates (see $B/openssl.txt)"; finish; fi
printf '{"keys":[{"kty":"RSA","kid":"interop","n":"sXch","e":"AQAB"}]}' >"$B/www/jwks.json"

# ---- our HTTPS server, curl as the client ----
start_ours() { # cert key -> sets PORT
  TLS_CERT="$B/$1" TLS_KEY="$B/$2" "$T" serve >"$B/serve.out" 2>&1 &
  PIDS="$PIDS $!"; PORT=""
  for i in $(seq 1 100); do PORT=$(head -n 1 "$B/serve.out" 2>/dev/null); [ -n "$PORT" ] && break; sleep 0.05; done
  case "$PORT" in ''|*[!0-9]*) return 1;; esac
}
if command -v curl >/dev/null 2>&1; then
  for kind in rsa ec; do
    if start_ours $kind.crt $kind.key; then
      got=$(curl -sS --cacert "$B/ca.crt" "https://localhost:$PORT/hello-$kind" 2>&1)
      if [ "$got" = "/hello-$kind" ]; then ok "curl --cacert against our server ($kind key)"; else bad "curl ($kind): $got"; fi
      if curl -sS --cacert "$B/other.crt" "https://localhost:$PORT/" >/dev/null 2>&1; then bad "curl trusted a server outside its CA"; else ok "curl with another CA refuses our server"; fi
      # key exchange: X25519 is our own code (x25519 module), P-256 BearSSL's.
      # (P-256 stays in the X25519 offer: in TLS 1.2 the groups also govern
      # the curve of an ECDSA certificate.)
      for g in X25519 P-256; do
        want=$g; [ $g = P-256 ] && want="ECDH, prime256v1"
        groups=$g; [ $g = X25519 ] && groups=X25519:P-256
        out=$(printf 'GET /kx-%s HTTP/1.0\r\n\r\n' "$g" | openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
              -CAfile "$B/ca.crt" -groups "$groups" -ign_eof 2>&1)
        case "$out" in
          *"Server Temp Key: $want"*"Verify return code: 0"*"/kx-$g"*) ok "openssl s_client, key exchange $g ($kind key)";;
          *) bad "s_client $g ($kind): $(echo "$out" | grep -E 'Temp Key|alert|error' | head -3)";;
        esac
      done
      if [ $kind = rsa ]; then
        got=$(curl -sS --cacert "$B/ca.crt" --tlsv1.2 --tls-max 1.2 -X POST --data-binary @"$B/rsa.crt" "https://localhost:$PORT/post" 2>&1)
        if [ "$got" = "/post" ]; then ok "curl TLS 1.2 POST"; else bad "curl POST: $got"; fi
        got=$(curl -sS --cacert "$B/ca.crt" "https://localhost:$PORT/big/5000000" | md5sum)
        want=$(awk 'BEGIN { for (i = 0; i < 5000000; i++) printf "%c", 97 + i % 26 }' | md5sum)
        if [ "$got" = "$want" ]; then ok "curl downloads 5 MB from our server"; else bad "5 MB download differs"; fi
        if curl -sS --cacert "$B/ca.crt" --tlsv1.3 "https://localhost:$PORT/" >/dev/null 2>&1; then bad "TLS 1.3-only curl connected (we offer 1.2 only?)"; else ok "TLS 1.3-only client cannot connect (BearSSL is 1.2)"; fi
        if echo | openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -CAfile "$B/ca.crt" >"$B/s_client.txt" 2>&1; then
          if grep -q "Protocol *: TLSv1.1" "$B/s_client.txt"; then bad "server accepted TLS 1.1"; else ok "TLS 1.1 refused"; fi
        else ok "TLS 1.1 refused"; fi
      fi
    else bad "our server did not start ($kind): $(cat "$B/serve.out")"; fi
  done
else
  skip "curl not installed"
fi

# ---- openssl s_server, our client ----
s_server() { # cert key [extra args] -> sets SPORT
  cert=$1; key=$2; shift 2
  for try in 1 2 3 4 5; do
    SPORT=$(( 20000 + ($(od -An -N2 -tu2 /dev/urandom) % 30000) ))
    (cd "$B/www" && exec openssl s_server -accept "$SPORT" -cert "../$cert" -key "../$key" -WWW -quiet "$@" ) >"$B/s_server.txt" 2>&1 &
    SPID=$!; PIDS="$PIDS $SPID"
    for i in $(seq 1 100); do
      if bash -c "exec 3<>/dev/tcp/127.0.0.1/$SPORT" 2>/dev/null; then return 0; fi
      kill -0 $SPID 2>/dev/null || break
      sleep 0.05
    done
    kill $SPID 2>/dev/null
  done
  return 1
}
stop_s() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
expect_refusal() { # name cert key url ca reason
  name=$1; cert=$2; key=$3; url=$4; ca=$5; reason=$6
  if s_server "$cert" "$key"; then
    out=$("$T" fetch "$(printf "$url" "$SPORT")" "$B/$ca" 2>&1)
    case "$out" in *"$reason"*) ok "$name refused ($reason)";; *) bad "$name: $out";; esac
    stop_s
  else bad "openssl s_server did not start ($name)"; fi
}
if s_server rsa.crt rsa.key; then
  "$T" fetch "https://localhost:$SPORT/jwks.json" "$B/ca.crt" >"$B/jwks.got" 2>&1
  if cmp -s "$B/jwks.got" "$B/www/jwks.json"; then ok "our client fetches a JWKS from openssl s_server -WWW"; else bad "JWKS fetch: $(head -c 200 "$B/jwks.got")"; fi
  stop_s
else bad "openssl s_server did not start"; fi
head -c 3000000 /dev/urandom >"$B/www/big.bin"
if s_server rsa.crt rsa.key; then
  "$T" fetch "https://localhost:$SPORT/big.bin" "$B/ca.crt" >"$B/big.got" 2>&1
  if cmp -s "$B/big.got" "$B/www/big.bin"; then ok "our client fetches 3 MB from openssl s_server -WWW"; else bad "3 MB fetch: $(head -c 200 "$B/big.got")"; fi
  stop_s
fi
if s_server ec.crt ec.key; then
  "$T" fetch "https://localhost:$SPORT/jwks.json" "$B/ca.crt" >"$B/jwks.got" 2>&1
  if cmp -s "$B/jwks.got" "$B/www/jwks.json"; then ok "our client against s_server with an EC key"; else bad "EC fetch: $(head -c 200 "$B/jwks.got")"; fi
  stop_s
fi
for g in X25519 P-256; do
  if s_server ec.crt ec.key -groups $g; then
    "$T" fetch "https://localhost:$SPORT/jwks.json" "$B/ca.crt" >"$B/jwks.got" 2>&1
    if cmp -s "$B/jwks.got" "$B/www/jwks.json"; then ok "our client against s_server offering only $g"; else bad "$g fetch: $(head -c 200 "$B/jwks.got")"; fi
    stop_s
  fi
done
expect_refusal "untrusted CA" rsa.crt rsa.key "https://localhost:%s/jwks.json" other.crt "certificate not trusted"
expect_refusal "wrong host name" wrong.crt rsa.key "https://localhost:%s/jwks.json" ca.crt "server name mismatch"
expect_refusal "expired certificate" expired.crt rsa.key "https://localhost:%s/jwks.json" ca.crt "certificate expired"
if s_server rsa.crt rsa.key -tls1_3; then
  out=$("$T" fetch "https://localhost:$SPORT/jwks.json" "$B/ca.crt" 2>&1)
  case "$out" in error:*) ok "TLS 1.3-only server: our client fails cleanly";; *) bad "TLS 1.3-only server: $out";; esac
  stop_s
fi
finish
