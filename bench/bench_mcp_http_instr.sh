#!/bin/sh
# Instructions per tools/call on the server, counted by valgrind (callgrind):
# deterministic, so it compares paths where wrk rates are too noisy (a shared
# machine). Sides, each a fresh stateless server with handlers inline:
#   legacy    this tree's server, the 2025 stateless call
#   modern    this tree's server, the 2026-07-28 call (_meta, Mcp-Method/Mcp-Name)
#   base      BASE's server (default 7db4baf^, the library before 2026-07-28), legacy call
# Each side: 200 warm-up calls, then N (default 3000) counted, one keep-alive
# connection (bench/mcp_http_send.py checks every answer). Built -O3 for
# x86-64-v2 (valgrind does not run every -march=native instruction).
cd "$(dirname "$0")/.." || exit 2
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 0; }
command -v callgrind_control >/dev/null 2>&1 || { echo "callgrind_control not installed: skipped"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipped"; exit 0; }
N=${N:-3000}; BASE=${BASE:-7db4baf^}
. bench/lib.sh   # tmp, pids (stopped on exit)
CFLAGS="-std=c99 -O3 -march=x86-64-v2 -g"
cc $CFLAGS -I. -o "$tmp/ours" bench/mcp_http_server.c -lpthread -lm || exit 1
mkdir -p "$tmp/base"
if git archive "$BASE" fastmcp.h bench/mcp_http_server.c 2>/dev/null | tar -x -C "$tmp/base" &&
   cc $CFLAGS -I"$tmp/base" -o "$tmp/base/srv" "$tmp/base/bench/mcp_http_server.c" -lpthread -lm; then
  have_base=1
else
  echo "BASE=$BASE: not available here (a shallow clone?); that side is skipped"; have_base=0
fi
# count BIN MODE NAME: prints instructions per call. Each run has files of its
# own (NAME): with a shared one, the wait below could read the previous
# server's port before the new server's shell had truncated it.
count() {
  out="$tmp/cg.$3"; so="$tmp/srv.$3.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$1" 0 600 stateless --inline >"$so" 2>&1 & vp=$!
  pids="$pids $vp"
  i=0; while ! grep -q '^port ' "$so" 2>/dev/null && [ $i -lt 3000 ]; do i=$((i + 1)); sleep 0.1; done
  port=$(awk '/^port / { print $2; exit }' "$so")
  [ -n "$port" ] || { echo "server did not start" >&2; cat "$so" >&2; kill "$vp"; return 1; }
  python3 bench/mcp_http_send.py "$port" "$2" 200 >/dev/null || { kill "$vp"; return 1; }
  callgrind_control -z "$vp" >/dev/null
  python3 bench/mcp_http_send.py "$port" "$2" "$N" >/dev/null || { kill "$vp"; return 1; }
  callgrind_control -d "$vp" >/dev/null
  kill "$vp"; wait "$vp" 2>/dev/null
  callgrind_annotate "$out.1" 2>/dev/null | awk -v n="$N" '/PROGRAM TOTALS/ { gsub(",", "", $1); print int($1 / n) }'
}
L=$(count "$tmp/ours" legacy ours-legacy) || exit 1
M=$(count "$tmp/ours" modern ours-modern) || exit 1
B=""; [ "$have_base" = 1 ] && { B=$(count "$tmp/base/srv" legacy base-legacy) || exit 1; }
echo "MCP Streamable HTTP, stateless tools/call, handlers inline: server instructions per call (callgrind, $N calls)"
printf "  %-44s %8d\n" "this tree, 2025 (legacy) call" "$L" "this tree, 2026-07-28 call" "$M"
[ -n "$B" ] && printf "  %-44s %8d\n" "BASE=$BASE, 2025 (legacy) call" "$B"
awk -v l="$L" -v m="$M" -v b="$B" 'BEGIN {
  printf "2026-07-28 / legacy (this tree): %.3fx the instructions\n", m / l
  if (b != "") printf "goal 2026-07-28 stateless at least as fast as the legacy stateless path of BASE: %.3fx the instructions: %s\n", m / b, (m <= b ? "met" : "MISSED")
}'
