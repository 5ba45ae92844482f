# Shared by the wrk-driven bench scripts (sourced after `cd` to the repo root):
# a temp dir, the processes started (stopped on exit), free ports, and
# waiting for a server's "port N" line.
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null
tmp=$(mktemp -d)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do wait "$p" 2>/dev/null; done
  [ -n "${KEEP_RUNS:-}" ] && [ -f "$tmp/runs" ] && cp "$tmp/runs" "$KEEP_RUNS"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A free port: bind port 0 and report it (python3), else a random high port.
freeport() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
    || awk 'BEGIN { srand(); print 20000 + int(rand() * 30000) }'
}
# Waits (at most 10 s) for "port N" in file $1 and prints N.
await_port() {
  i=0
  while [ $i -lt 200 ]; do
    p=$(awk '/^port / { print $2; exit }' "$1" 2>/dev/null)
    [ -n "$p" ] && { echo "$p"; return 0; }
    i=$((i + 1)); sleep 0.05
  done
  return 1
}
