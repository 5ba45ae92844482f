#!/bin/sh
# Two stateless replicas of examples/replicas/replica.c behind nginx (round
# robin), sharing tasks through Redis and the requestState key: protocol
# 2026-07-28 needs no sticky routing. Checks, over the real peers:
#   - a task created through nginx is read back on each replica directly;
#   - polling through nginx (alternating replicas) sees it complete;
#   - a multi round-trip request's first round on one replica, its retry on
#     the other: the shared key opens the state;
#   - a replica with another key refuses that state.
# Skips (one line each) without hiredis, redis-server, nginx or curl.
# Ends with "RESULT p f s". Everything binds 127.0.0.1 on free ports.
cd "$(dirname "$0")/../.." || exit 2
P=0; F=0; S=0
finish() { echo "RESULT $P $F $S"; exit 0; }
ok() { P=$((P+1)); echo "ok    $1"; }
bad() { F=$((F+1)); echo "FAIL  $1"; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for need in redis-server curl python3; do
  command -v $need >/dev/null 2>&1 || { S=1; echo "skip  replicas: $need not installed"; finish; }
done
[ -x "$NGINX" ] || { S=1; echo "skip  replicas: nginx not installed"; finish; }
[ -f /usr/include/hiredis/hiredis.h ] || { S=1; echo "skip  replicas: hiredis not installed (libhiredis-dev)"; finish; }
. bench/lib.sh   # tmp, pids (stopped on exit), freeport, await_port
${CC:-cc} -std=c99 -Wall -Wextra -Werror -O2 -I. -o "$tmp/replica" examples/replicas/replica.c -lhiredis -lpthread -lm \
  || { F=1; echo "FAIL  build examples/replicas/replica.c"; finish; }

RP=$(freeport)
redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no >"$tmp/redis.out" 2>&1 & pids="$pids $!"
i=0; while ! (echo PING | redis-cli -p "$RP" 2>/dev/null | grep -q PONG) && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done
KEY=0123456789abcdef0123456789abcdef-shared
start_replica() { # name key: sets PORT (not in a subshell: its pid must reach cleanup)
  PORT=$(freeport)
  FMCP_STATE_KEY=$2 "$tmp/replica" "$PORT" 127.0.0.1 "$RP" "$1" >"$tmp/$1.out" 2>&1 & pids="$pids $!"
  await_port "$tmp/$1.out" >/dev/null || { echo "replica $1 did not start"; cat "$tmp/$1.out"; }
}
start_replica A "$KEY"; PA=$PORT
start_replica B "$KEY"; PB=$PORT
start_replica X "another-key-0123456789abcdef-0123"; PX=$PORT
NP=$(freeport)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $tmp/nginx/error.log;
pid $tmp/nginx/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx;
  proxy_temp_path $tmp/nginx;
  upstream replicas { server 127.0.0.1:$PA; server 127.0.0.1:$PB; }
  server {
    listen 127.0.0.1:$NP;
    location /mcp {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_buffering off;
    }
  }
}
CONF
"$NGINX" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >"$tmp/nginx/out" 2>&1 & pids="$pids $!"
i=0; while ! curl -s -o /dev/null "http://127.0.0.1:$NP/" && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done

META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{},"extensions":{"io.modelcontextprotocol/tasks":{}}}}'
# post PORT METHOD NAME PARAMS-WITHOUT-META -> the JSON answer (last SSE data line, or the body)
post() {
  curl -s "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2026-07-28' -H "Mcp-Method: $2" ${3:+-H "Mcp-Name: $3"} \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":{$4${4:+,}$META}}" |
    sed -n 's/^data: //p; /^{/p' | tail -1
}
jget() { # dotted path into the JSON on stdin ("" when absent or not JSON)
  python3 -c '
import json, sys
try:
    v = json.loads(sys.stdin.read())
    for k in sys.argv[1].split("."):
        v = v[int(k)] if isinstance(v, list) else (v or {}).get(k)
except Exception:
    v = None
print("" if v is None else v)' "$1"
}

# which replica answers through nginx alternates
w1=$(post "$NP" tools/call whoami '"name":"whoami","arguments":{}' | jget result.content.0.text)
w2=$(post "$NP" tools/call whoami '"name":"whoami","arguments":{}' | jget result.content.0.text)
if [ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" != "$w2" ]; then ok "nginx alternates replicas ($w1, $w2)"; else bad "nginx did not alternate: '$w1' '$w2'"; fi

# a task through nginx, then read on each replica directly
created=$(post "$NP" tools/call sum '"name":"sum","arguments":{"a":2,"b":40}')
tid=$(echo "$created" | jget result.taskId)
if [ "$(echo "$created" | jget result.resultType)" = task ] && [ -n "$tid" ]; then ok "task created through nginx"; else bad "no task: $created"; fi
sa=$(post "$PA" tasks/get "$tid" "\"taskId\":\"$tid\"" | jget result.status)
sb=$(post "$PB" tasks/get "$tid" "\"taskId\":\"$tid\"" | jget result.status)
if [ -n "$sa" ] && [ "$sa" != "" ] && [ -n "$sb" ]; then ok "both replicas know the task ($sa, $sb)"; else bad "task unknown on a replica: A '$sa' B '$sb'"; fi
st=""; i=0
while [ $i -lt 50 ]; do
  got=$(post "$NP" tasks/get "$tid" "\"taskId\":\"$tid\"")
  st=$(echo "$got" | jget result.status)
  [ "$st" = completed ] && break
  i=$((i+1)); sleep 0.1
done
if [ "$st" = completed ] && [ "$(echo "$got" | jget result.result.content.0.text)" = 42 ]; then ok "polled through nginx to completed: 42"
else bad "task did not complete: $got"; fi
sx=$(post "$PX" tasks/get "$tid" "\"taskId\":\"$tid\"" | jget result.status)
if [ "$sx" = completed ]; then ok "a third replica (another key) reads it from Redis too"; else bad "replica X: '$sx'"; fi

# multi round-trip: first round on A, the retry on B
r1=$(post "$PA" tools/call ask_name '"name":"ask_name","arguments":{}')
state=$(echo "$r1" | jget result.requestState)
if [ "$(echo "$r1" | jget result.resultType)" = input_required ] && [ -n "$state" ]; then ok "round 1 on A: input_required"; else bad "round 1: $r1"; fi
ans='"inputResponses":{"name":{"action":"accept","content":{"name":"Ada"}}},"requestState":"'"$state"'"'
r2=$(post "$PB" tools/call ask_name "\"name\":\"ask_name\",\"arguments\":{},$ans")
case $(echo "$r2" | jget result.content.0.text) in
  "Hello, Ada (from B)") ok "round 2 on B completes with A's state" ;;
  *) bad "round 2 on B: $r2" ;;
esac
r3=$(post "$PX" tools/call ask_name "\"name\":\"ask_name\",\"arguments\":{},$ans")
if [ "$(echo "$r3" | jget error.code)" = -32602 ]; then ok "a replica with another key refuses the state"; else bad "replica X took foreign state: $r3"; fi
finish
