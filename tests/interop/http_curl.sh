#!/bin/sh
# The http module against curl as the peer: keep-alive reuse, chunked upload,
# Expect: 100-continue, 413, SSE streaming, HTTP/1.0, HEAD, and the library
# client fetching from a curl-independent peer (python3 http.server) when
# present. Prints "RESULT p f s".
cd "$(dirname "$0")/../.." || exit 2
P=0; F=0; S=0
pass() { P=$((P+1)); echo "ok    $1"; }
fail() { F=$((F+1)); echo "FAIL  $1"; }
skip() { S=$((S+1)); echo "skip  $1"; }
if ! command -v curl >/dev/null 2>&1; then skip "curl not installed"; echo "RESULT $P $F $S"; exit 0; fi
B=build/interop; mkdir -p "$B"
cat > "$B/http_echo.c" <<'EOF'
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void handler(fmcp_http_req *req, void *user)
{
    static char out[1 << 16];
    size_t blen, n;
    const char *body = fmcp_http_req_body(req, &blen), *q = fmcp_http_req_query(req);
    fmcp_http_header h[1] = {{"Content-Type", "text/plain"}};
    (void)user;
    if (strcmp(fmcp_http_req_path(req), "/stream") == 0) {
        fmcp_http_header e[1] = {{"Content-Type", "text/event-stream"}};
        fmcp_http_stream_start(req, 200, e, 1);
        fmcp_http_sse_send(req, "1", "message", "hello");
        fmcp_http_sse_send(req, "2", NULL, "line1\nline2");
        fmcp_http_stream_end(req);
        return;
    }
    n = (size_t)snprintf(out, sizeof out, "%s %s %s len=%lu head=%.*s", fmcp_http_req_method(req),
                         fmcp_http_req_path(req), q ? q : "-", (unsigned long)blen, (int)(blen > 16 ? 16 : blen), body);
    fmcp_http_respond(req, 200, h, 1, out, n);
}
static void stop(void *u) { fmcp_http_stop((fmcp_http_loop *)u); }
static int fetch(const char *url)
{
    fmcp_http_client_req q; fmcp_http_response *r; char err[80]; fmcp_result rc;
    memset(&q, 0, sizeof q); q.url = url; q.error_buf = err; q.error_buf_len = sizeof err;
    rc = fmcp_http_fetch(NULL, &q, &r);
    if (rc) { printf("error %d %s\n", (int)rc, err); return 1; }
    printf("%d %lu\n", r->status, (unsigned long)r->body_len);
    fmcp_http_response_destroy(r);
    return 0;
}
int main(int argc, char **argv)
{
    fmcp_http_loop *l; fmcp_http_server *s; fmcp_http_server_desc d;
    if (argc > 2 && strcmp(argv[1], "fetch") == 0) return fetch(argv[2]);
    memset(&d, 0, sizeof d);
    d.host = argc > 1 ? argv[1] : "127.0.0.1"; d.handler = handler;
    if (fmcp_http_loop_create(NULL, &l) || fmcp_http_server_create(l, &d, &s)) return 1;
    printf("%u\n", (unsigned)fmcp_http_server_port(s)); fflush(stdout);
    fmcp_http_timer_add(l, 60000, stop, l, NULL);
    fmcp_http_run(l);
    fmcp_http_server_destroy(s); fmcp_http_loop_destroy(l);
    return 0;
}
EOF
if ! ${CC:-cc} -std=c99 -O2 -I. -o "$B/http_echo" "$B/http_echo.c" -lpthread; then
  fail "build echo server"; echo "RESULT $P $F $S"; exit 1
fi
"$B/http_echo" > "$B/port.txt" & SPID=$!
# up to 20 s on a loaded machine; stop early if the server died
i=0; while [ ! -s "$B/port.txt" ] && [ $i -lt 400 ] && kill -0 $SPID 2>/dev/null; do i=$((i+1)); sleep 0.05; done
PORT=$(cat "$B/port.txt"); U="http://127.0.0.1:$PORT"
if [ -z "$PORT" ]; then
  if kill -0 $SPID 2>/dev/null; then fail "server did not report its port within 20 s"; kill $SPID
  else wait $SPID; fail "server exited with status $? before reporting its port"; fi
  echo "RESULT $P $F $S"; exit 1
fi

# 1. keep-alive: two URLs on one connection
out=$(curl -sv "$U/a?x=1" "$U/b" 2>"$B/curl.err")
if [ "$out" = "GET /a x=1 len=0 head=GET /b - len=0 head=" ] && grep -qi "re-\?using existing connection" "$B/curl.err"; then
  pass "keep-alive reuse"; else fail "keep-alive reuse: $out"; fi
# 2. chunked upload
printf 'hello chunked world' > "$B/small.txt"
out=$(curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$B/small.txt" "$U/up")
[ "$out" = "POST /up - len=19 head=hello chunked wo" ] && pass "chunked request body" || fail "chunked request body: $out"
# 3. large body with Expect: 100-continue
head -c 2000000 /dev/zero | tr '\0' 'z' > "$B/big.txt"
out=$(curl -s -H 'Expect: 100-continue' --data-binary @"$B/big.txt" "$U/big")
[ "$out" = "POST /big - len=2000000 head=zzzzzzzzzzzzzzzz" ] && pass "2 MB body with 100-continue" || fail "2 MB body: $out"
# 4. over the 4 MiB default: 413
head -c 5000000 /dev/zero > "$B/huge.bin"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$B/huge.bin" "$U/huge")
[ "$code" = "413" ] && pass "413 for 5 MB" || fail "413 for 5 MB: got $code"
# 5. SSE stream (chunked response)
out=$(curl -sN "$U/stream")
exp=$(printf 'id: 1\nevent: message\ndata: hello\n\nid: 2\ndata: line1\ndata: line2')
[ "$out" = "$exp" ] && pass "SSE over chunked" || fail "SSE over chunked: $out"
# 6. HTTP/1.0 and HEAD
out=$(curl -s -0 "$U/old")
[ "$out" = "GET /old - len=0 head=" ] && pass "HTTP/1.0" || fail "HTTP/1.0: $out"
hdr=$(curl -sI "$U/h" | tr -d '\r')
echo "$hdr" | grep -q '^Content-Length: 21$' && pass "HEAD keeps Content-Length" || fail "HEAD: $hdr"
# 7. bad request from curl's raw mode: header with space before colon
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Bad Name: x' "$U/")
[ "$code" = "400" ] && pass "400 bad header" || fail "400 bad header: got $code"
kill $SPID 2>/dev/null; wait $SPID 2>/dev/null

# 8. IPv6 loopback
if "$B/http_echo" ::1 > "$B/port6.txt" 2>/dev/null & then
  SPID=$!; i=0; while [ ! -s "$B/port6.txt" ] && [ $i -lt 40 ] && kill -0 $SPID 2>/dev/null; do i=$((i+1)); sleep 0.05; done
  if [ -s "$B/port6.txt" ]; then
    out=$(curl -sg "http://[::1]:$(cat "$B/port6.txt")/six")
    [ "$out" = "GET /six - len=0 head=" ] && pass "IPv6" || fail "IPv6: $out"
  else skip "IPv6 loopback not available"; fi
  kill $SPID 2>/dev/null; wait $SPID 2>/dev/null
fi

# 9. the library client against python3's http.server (an independent peer)
if command -v python3 >/dev/null 2>&1; then
  python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$B" > "$B/py.txt" 2>&1 & PPID2=$!
  i=0; while ! grep -q 'port' "$B/py.txt" 2>/dev/null && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done
  PP=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$B/py.txt" | head -1)
  out=$("$B/http_echo" fetch "http://127.0.0.1:$PP/big.txt")
  [ "$out" = "200 2000000" ] && pass "client GET from python http.server" || fail "client GET from python: $out"
  out=$("$B/http_echo" fetch "http://127.0.0.1:$PP/huge.bin")
  [ "$out" = "error -4 response too large" ] && pass "client size cap" || fail "client size cap: $out"
  out=$("$B/http_echo" fetch "http://127.0.0.1:$PP/missing")
  [ "$out" = "404 $(curl -s "http://127.0.0.1:$PP/missing" | wc -c)" ] && pass "client 404 body" || fail "client 404: $out"
  kill $PPID2 2>/dev/null; wait $PPID2 2>/dev/null
else skip "python3 not installed"; fi
out=$("$B/http_echo" fetch "https://127.0.0.1/")
[ "$out" = "error -11 https:// needs a TLS transport (none was given)" ] && pass "https without TLS" || fail "https: $out"
echo "RESULT $P $F $S"
[ $F -eq 0 ]
