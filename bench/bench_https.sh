#!/bin/sh
# HTTPS speed next to nginx, in one run, on the same certificate:
#   keep-alive   the same MCP tools/call (`add`, bench/mcp_http_call.lua) over
#                kept-alive TLS connections: wrk -t2 -cCONNS
#   handshakes   a fresh TCP connection and full TLS handshake per request:
#                HS_CLIENTS (4) parallel `openssl s_time -new -www /health`
#                (blocking clients; wrk -H 'Connection: close' is not used:
#                wrk polls for writability while a handshake is pending and
#                takes the CPU the server needs on a small machine)
# against
#   fastmcp.h    bench/https_server.c: its own TLS 1.2 handshake with BearSSL
#                records, stateless JSON mode, one loop
#                thread, tool inline on it
#   nginx        TLS with OpenSSL, returning a fixed body of the same length
#                as our answer; worker_processes 1 (= our one loop thread)
#                and worker_processes auto
# for an RSA-2048 and an EC P-256 certificate (made here with openssl).
# Fair terms: TLS 1.2 on both (BearSSL has no 1.3; nginx is limited to 1.2),
# session resumption off on both (fastmcp.h keeps no session cache; nginx has
# ssl_session_cache off and ssl_session_tickets off) - checked below with
# `openssl s_client -reconnect`. The cipher suite both negotiate is printed.
# The sides run one after another, ROUNDS times; the best rate of each is
# kept, and the server's CPU time per request (user + system of all its
# processes, from /proc), which other load on a shared machine disturbs far
# less than the rates. Environment: DUR (s per run, 5), CONNS (50),
# ROUNDS (2), HS_CLIENTS (4), HDR (directory of the fastmcp.h to build with).
# Goals (issue 18), against nginx with 1 worker: handshakes >= 0.8x, keep-alive
# >= 1x. An RSA-2048 handshake costs about one RSA-2048 signature on the server
# (bench_rsa "RS256 sign 2048" tells that speed next to OpenSSL's).
cd "$(dirname "$0")/.." || exit 2
for c in wrk curl openssl; do command -v $c >/dev/null 2>&1 || { echo "$c not installed: skipped"; exit 0; }; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx not installed: skipped"; exit 0; }
[ -f /usr/include/bearssl.h ] || { echo "BearSSL not installed (libbearssl-dev): skipped"; exit 0; }
BIN=build/bench/https_server
HDR=${HDR:-.}
mkdir -p build/bench
${CC:-cc} -std=c99 -Wall -Wextra -O3 -march=native -g -DFASTMCP_WITH_BEARSSL -I"$HDR" -I. -o "$BIN" bench/https_server.c \
  -lbearssl -lpthread -lm || exit 1
D=${DUR:-5}; C=${CONNS:-50}; ROUNDS=${ROUNDS:-2}
LIFE=$(( ROUNDS * 2 * 6 * (D + 3) + 120 ))
. bench/lib.sh   # tmp, pids (stopped on exit), freeport, await_port
CALL='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
post() { # port -> body
  curl -s --cacert "$tmp/ca.crt" -X POST "https://localhost:$1/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' -d "$CALL"
}

# ---- certificates --------------------------------------------------------------
( cd "$tmp" && set -e && exec >openssl.txt 2>&1
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj '/CN=bench CA'
  openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj '/CN=localhost'
  openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out rsa.crt
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ec.key -out ec.csr -subj '/CN=localhost'
  openssl x509 -req -in ec.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out ec.crt
) || { echo "openssl failed:"; cat "$tmp/openssl.txt"; exit 1; }

# ---- servers: per key type, ours + nginx 1 worker + nginx auto -------------------------
nginx_conf() { # name key workers port body
  mkdir -p "$tmp/$1"
  cat >"$tmp/$1/nginx.conf" <<CONF
worker_processes $3;
pid $tmp/$1/nginx.pid;
error_log $tmp/$1/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/$1;
  proxy_temp_path $tmp/$1;
  fastcgi_temp_path $tmp/$1;
  uwsgi_temp_path $tmp/$1;
  scgi_temp_path $tmp/$1;
  server {
    listen 127.0.0.1:$4 ssl;
    ssl_certificate $tmp/$2.crt;
    ssl_certificate_key $tmp/$2.key;
    ssl_protocols TLSv1.2;
    ssl_session_cache off;
    ssl_session_tickets off;
    location / { default_type application/json; return 200 '$5'; }
  }
}
CONF
}
sides=""
for k in rsa ec; do
  TLS_CERT="$tmp/$k.crt" TLS_KEY="$tmp/$k.key" "$BIN" 0 "$LIFE" >"$tmp/ours_$k.out" 2>&1 & pids="$pids $!"
  eval "PID_ours_$k=$!"
  port=$(await_port "$tmp/ours_$k.out") || { echo "ours ($k) did not start:"; cat "$tmp/ours_$k.out"; exit 1; }
  eval "P_ours_$k=$port"
  body=$(post "$port")
  case "$body" in *'"text":"3"'*) ;; *) echo "ours ($k): wrong answer: $body"; exit 1;; esac
  sides="$sides ours_$k"
  for w in 1 auto; do
    s=nginx${w}_$k; port=$(freeport)
    nginx_conf "$s" "$k" "$w" "$port" "$body"
    "$NGINX" -p "$tmp/$s" -c "$tmp/$s/nginx.conf" -e "$tmp/$s/error.log" -g 'daemon off;' >"$tmp/$s.out" 2>&1 & pids="$pids $!"
    eval "PID_$s=$!"
    i=0; while [ "$(post "$port")" != "$body" ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
    [ "$(post "$port")" = "$body" ] || { echo "$s did not start:"; cat "$tmp/$s/error.log"; exit 1; }
    eval "P_$s=$port"; sides="$sides $s"
  done
done

# ---- terms: cipher suite and resumption, as openssl s_client sees them --------------
echo "HTTPS next to nginx (TLS 1.2; resumption off on both), wrk -t2 -c$C -d${D}s, best of $ROUNDS alternating runs"
for s in ours_rsa nginx1_rsa ours_ec nginx1_ec; do
  eval "port=\$P_$s"
  echo | openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$tmp/ca.crt" -reconnect >"$tmp/sc_$s.txt" 2>&1
  cipher=$(awk '/^New, / { print $NF; exit }' "$tmp/sc_$s.txt")
  reused=$(grep -c '^Reused' "$tmp/sc_$s.txt")
  printf '  %-12s cipher %-30s resumed %s of 5 reconnects\n' "$s" "${cipher:-?}" "$reused"
done
echo "(the machine may be shared with other work: rates are noisy, compare within one run)"

# ---- runs ------------------------------------------------------------------------
# CPU seconds (user + system) of a side's processes: our server, or nginx's
# master and workers. Work per request is then CPU / requests, which other
# load on a shared machine disturbs far less than the rates.
pids_of() { eval "echo \$PID_$1 \$(ps -o pid= --ppid \$PID_$1 2>/dev/null)"; }
cpu_ticks() { t=0; for p in $(pids_of "$1"); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
run() { # side mode round: appends "side mode rate non2xx cpu_us_per_request"
  eval "port=\$P_$1"
  c0=$(cpu_ticks "$1")
  if [ "$2" = ka ]; then
    wrk -t2 -c"$C" -d"${D}s" --timeout 10s -s bench/mcp_http_call.lua "https://localhost:$port/mcp" >"$tmp/wrk-$1-$2-$3.txt" 2>&1
    set -- "$@" $(awk '/Requests\/sec/ { r = $2 } / requests in / { n = $1 } /Non-2xx/ { b += $NF } END { print r + 0, n + 0, b + 0 }' "$tmp/wrk-$1-$2-$3.txt")
  else
    # a full handshake per request: HS_CLIENTS blocking `openssl s_time -new`
    # clients, each connecting, handshaking, sending GET and reading the answer
    t0=$(date +%s%N); sp=""
    i=0; while [ $i -lt "$HS_CLIENTS" ]; do
      openssl s_time -connect "127.0.0.1:$port" -new -www /health -time "$D" >"$tmp/st-$1-$3-$i.txt" 2>&1 & sp="$sp $!"
      i=$((i + 1))
    done
    wait $sp
    t1=$(date +%s%N)
    n=$(cat "$tmp"/st-"$1"-"$3"-*.txt | awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }')
    set -- "$@" "$(awk -v n="$n" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1e9 / ns }')" "$n" 0
  fi
  c1=$(cpu_ticks "$1")
  awk -v s="$1" -v m="$2" -v r="$4" -v n="$5" -v b="$6" -v c=$((c1 - c0)) -v hz="$HZ" \
    'BEGIN { printf "%s %s %s %d %.1f\n", s, m, r, b, (n > 0 ? c * 1e6 / hz / n : 0) }' >>"$tmp/runs"
}
HS_CLIENTS=${HS_CLIENTS:-4}
r=1
while [ $r -le "$ROUNDS" ]; do
  for m in ka hs; do for s in $sides; do run "$s" "$m" "$r"; done; done
  r=$((r + 1))
done

echo "keep-alive: wrk -t2 -c$C -d${D}s; handshakes: $HS_CLIENTS parallel 'openssl s_time -new -www /health -time $D'"
echo "(wrk is not used for handshakes: it polls for writability while a handshake waits and takes CPU from the server)"
awk '
  { key = $1 " " $2; if (!(key in best) || $3 > best[key]) { best[key] = $3 }
    if (!(key in cpu) || ($5 > 0 && $5 < cpu[key])) cpu[key] = $5; bad[key] += $4 }
  END {
    printf "%-8s %-20s %12s %8s %8s %8s %12s %8s %8s %8s\n", "cert", "server", "keep-alive/s", "x ng 1w", "x ng auto", "CPU us", "handshake/s", "x ng 1w", "x ng auto", "CPU us"
    split("rsa ec", ks, " "); split("ours nginx1 nginxauto", ss, " ")
    nm["ours"] = "fastmcp.h"; nm["nginx1"] = "nginx, 1 worker"; nm["nginxauto"] = "nginx, workers auto"
    for (i = 1; i <= 2; i++) for (j = 1; j <= 3; j++) {
      k = ks[i]; s = ss[j] "_" k
      ka = best[s " ka"]; hs = best[s " hs"]; n1k = best["nginx1_" k " ka"]; nak = best["nginxauto_" k " ka"]
      n1h = best["nginx1_" k " hs"]; nah = best["nginxauto_" k " hs"]
      printf "%-8s %-20s %12.0f %8.2f %8.2f %8.1f %12.0f %8.2f %8.2f %8.1f\n", (k == "rsa" ? "RSA-2048" : "P-256"), nm[ss[j]],
        ka, (n1k ? ka / n1k : 0), (nak ? ka / nak : 0), cpu[s " ka"], hs, (n1h ? hs / n1h : 0), (nah ? hs / nah : 0), cpu[s " hs"]
      if (bad[s " ka"] > 0) { printf "         %s: %d non-2xx answers\n", s, bad[s " ka"]; failed = 1 }
    }
    print "CPU us = server CPU time (user+system, all its processes) per request, lowest of the rounds"
    for (i = 1; i <= 2; i++) {
      k = ks[i]
      a = best["ours_" k " ka"] / best["nginx1_" k " ka"]; b = best["ours_" k " hs"] / best["nginx1_" k " hs"]
      ca = cpu["nginx1_" k " ka"] / cpu["ours_" k " ka"]; cb = cpu["nginx1_" k " hs"] / cpu["ours_" k " hs"]
      printf "goal %s vs nginx (1 worker): keep-alive %.2fx %s (>= 1x; CPU per request %.2fx), handshakes %.2fx %s (>= 0.8x; CPU per handshake %.2fx)\n",
        k, a, (a >= 1 ? "met" : "MISSED"), ca, b, (b >= 0.8 ? "met" : "MISSED"), cb
    }
    exit failed
  }' "$tmp/runs"
