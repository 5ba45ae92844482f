#!/bin/sh
# The fastmcp.h client (tests/interop/client_peer.c) against real servers: the
# official TypeScript SDK (client-sdk-server.mjs) and TypeScript fastmcp
# (client-fastmcp-server.mjs), each over stdio and Streamable HTTP.
# Prints "RESULT p f s"; skips without node or the npm packages.
cd "$(dirname "$0")/../.." || exit 2
if ! command -v node >/dev/null 2>&1 || [ ! -d tests/interop/node_modules/@modelcontextprotocol/sdk ] ||
   [ ! -d tests/interop/node_modules/fastmcp ]; then
  echo "skip  node or tests/interop/node_modules missing"; echo "RESULT 0 0 1"; exit 0
fi
B=build/interop; mkdir -p "$B"
if ! ${CC:-cc} -std=c99 -O2 -I. -o "$B/client_peer" tests/interop/client_peer.c -lpthread -lm; then
  echo "FAIL  build tests/interop/client_peer.c"; echo "RESULT 0 1 0"; exit 0
fi
if ! ${CC:-cc} -std=c99 -O2 -I. -o "$B/fmcp" cli/fmcp.c -lpthread -lm; then
  echo "FAIL  build cli/fmcp.c"; echo "RESULT 0 1 0"; exit 0
fi
PEER=$(pwd)/$B/client_peer
FMCP=$(pwd)/$B/fmcp
cd tests/interop || exit 2
P=0; F=0; S=0
add() { # label, output file
  r=$(grep '^RESULT ' "$2" | tail -n 1)
  sed "s/^/[$1] /" "$2" | grep -v '\] RESULT'
  if [ -z "$r" ]; then F=$((F+1)); echo "FAIL  [$1] no RESULT line"; return; fi
  set -- $r
  P=$((P+$2)); F=$((F+$3)); S=$((S+$4))
}
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
# Wait (bounded) until something accepts connections on the port.
wait_port() {
  i=0
  while [ $i -lt 100 ]; do
    node -e "require('net').connect($1,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" && return 0
    i=$((i+1)); sleep 0.1
  done
  return 1
}
out=$(mktemp)
# The command line client: fmcp tools / fmcp call (label, expected text, command...)
cli() {
  label=$1; want=$2; shift 2
  if timeout 120 "$@" >"$out" 2>&1 && grep -q "$want" "$out"; then P=$((P+1)); echo "ok    [cli] $label"
  else F=$((F+1)); echo "FAIL  [cli] $label"; sed 's/^/      /' "$out" | head -20; fi
}

timeout 120 "$PEER" sdk -- node client-sdk-server.mjs stdio >"$out" 2>&1; add "sdk stdio" "$out"
timeout 120 "$PEER" fastmcp -- node client-fastmcp-server.mjs stdio >"$out" 2>&1; add "fastmcp stdio" "$out"
cli "fmcp call over stdio (fastmcp)" '"text": "5"' "$FMCP" call -- node client-fastmcp-server.mjs stdio add '{"a":2,"b":3}'

log=$(mktemp)
node client-sdk-server.mjs http >"$log" 2>&1 &
spid=$!
i=0; port=""
while [ $i -lt 100 ] && [ -z "$port" ]; do port=$(sed -n 's/^PORT //p' "$log"); [ -n "$port" ] || sleep 0.1; i=$((i+1)); done
if [ -n "$port" ]; then
  timeout 120 "$PEER" sdk "http://127.0.0.1:$port/mcp" >"$out" 2>&1; add "sdk http" "$out"
  cli "fmcp tools over HTTP (SDK)" '^sample ' "$FMCP" tools --header 'X-Test: 1' "http://127.0.0.1:$port/mcp"
  cli "fmcp call with progress bar (SDK)" '3/3' "$FMCP" call "http://127.0.0.1:$port/mcp" progress
else
  F=$((F+1)); echo "FAIL  [sdk http] server did not start"; cat "$log"
fi
kill $spid 2>/dev/null; wait $spid 2>/dev/null

port=$(free_port)
node client-fastmcp-server.mjs http "$port" >"$log" 2>&1 &
spid=$!
if wait_port "$port"; then
  timeout 120 "$PEER" fastmcp "http://127.0.0.1:$port/mcp" >"$out" 2>&1; add "fastmcp http" "$out"
else
  F=$((F+1)); echo "FAIL  [fastmcp http] server did not start"; cat "$log"
fi
kill $spid 2>/dev/null; wait $spid 2>/dev/null
rm -f "$out" "$log"
echo "RESULT $P $F $S"
