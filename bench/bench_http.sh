#!/bin/sh
# HTTP keep-alive throughput: fastmcp.h (bench_http) vs nginx serving the same
# fixed body, both on 127.0.0.1, measured with wrk -t2 -c50 -d5s.
cd "$(dirname "$0")/.." || exit 2
command -v wrk >/dev/null 2>&1 || { echo "wrk not installed: skipped"; exit 0; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BIN=${BIN:-build/bench/bench_http}
[ -n "${BIN_PREBUILT:-}" ] || make -s "$BIN" || exit 1
D=${DUR:-5}; T=${THREADS:-1}
P1=${PORT1:-18461}; P2=${PORT2:-18462}
body='{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"3"}],"isError":false}}'
tmp=$(mktemp -d)
"$BIN" "$P1" $((D + 3)) "$T" & pid=$!
rate() { wrk -t2 -c50 -d"${D}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
ready() { i=0; while ! curl -s -o /dev/null "$1" && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done; }
ready "http://127.0.0.1:$P1/"
r1=$(rate "http://127.0.0.1:$P1/")
wait $pid
if [ -x "$NGINX" ]; then
  cat > "$tmp/nginx.conf" <<CONF
worker_processes $T;
daemon off;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$P2;
    location / { default_type application/json; return 200 '$body\n'; }
  }
}
CONF
  "$NGINX" -c "$tmp/nginx.conf" -p "$tmp" & npid=$!
  ready "http://127.0.0.1:$P2/"
  r2=$(rate "http://127.0.0.1:$P2/")
  kill "$npid" 2>/dev/null; wait "$npid" 2>/dev/null
  echo "fastmcp.h: $r1 req/s   nginx ($T worker): $r2 req/s   (wrk -t2 -c50 -d${D}s, $T server thread(s))"
  awk -v a="$r1" -v b="$r2" 'BEGIN { if (b > 0) printf "ratio fastmcp/nginx: %.2f\n", a / b }'
else
  echo "fastmcp.h: $r1 req/s   (nginx not installed)"
fi
rm -rf "$tmp"
