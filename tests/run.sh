#!/bin/sh
# The whole suite (called by `make test` after the builds). Adds every
# "RESULT p f s" line up and ends with the plain line "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 2
B=build
P=0; F=0; S=0
log=$B/test-logs; mkdir -p "$log"

ok()   { P=$((P+1)); echo "ok    $1"; }
bad()  { F=$((F+1)); echo "FAIL  $1"; }
add_result() { # file-with-output name
  r=$(grep '^RESULT ' "$1" | tail -n 1)
  if [ -z "$r" ]; then bad "$2 (no RESULT line; see $1)"; return; fi
  set -- $r "$2" "$1"
  P=$((P+$2)); F=$((F+$3)); S=$((S+$4))
  if [ "$3" -eq 0 ]; then echo "ok    $5 ($2 passed, $4 skipped)"; else echo "FAIL  $5 ($3 failed; see $6)"; fi
}

# 1. fastmcp.h is what tools/amalgamate makes from src/
if make -s check-fresh >"$log/fresh.txt" 2>&1; then ok "fastmcp.h is fresh"; else bad "fastmcp.h is stale (make amalgamate)"; fi

# 1a. the build tracks its flags; the default build uses BearSSL when installed (no compiling)
sh tests/make_flags.sh >"$log/make_flags.txt" 2>&1
add_result "$log/make_flags.txt" "build flags (tests/make_flags.sh)"

# 1b. the header's options and module lists match the code, src/ columns (tools/check-src)
sh tools/check-src >"$log/check-src.txt" 2>&1
grep '^FAIL' "$log/check-src.txt" | cut -c1-300 | sed 's/^/      /'
add_result "$log/check-src.txt" "header lists and columns (tools/check-src)"

# 2. compile matrix: the header with its implementation, warnings as errors
SWITCHES="FASTMCP_NO_INT128 FASTMCP_NO_THREADS FASTMCP_NO_SOCKETS FASTMCP_NO_FILESYSTEM FASTMCP_NO_PROCESS FASTMCP_NO_OS_DEFAULTS FASTMCP_NO_TASKS FASTMCP_SMALL_SCHEMA FASTMCP_STATIC FASTMCP_JWS_RS256_ONLY"
W="-Wall -Wextra -Wpedantic -Wshadow -Wvla -Werror"
# the library itself is also clean under these (gcc, clang and mingw-w64; the last two are C-only)
WS="$W -Wconversion -Wsign-conversion -Wformat=2 -Wundef"
WC="$WS -Wmissing-prototypes -Wstrict-prototypes"
cc_check() { # name, command...
  name=$1; shift
  if "$@" >"$log/compile.txt" 2>&1; then ok "compile: $name"; else bad "compile: $name"; sed 's/^/      /' "$log/compile.txt" | head -20; fi
}
CK=tests/compile_check.c
cc_check "gcc -std=c99" gcc -std=c99 $WC -I. -c $CK -o $B/cc.o
if command -v clang >/dev/null 2>&1; then cc_check "clang -std=c99" clang -std=c99 $WC -I. -c $CK -o $B/cc.o; fi
cc_check "g++ -std=c++11" g++ -std=c++11 -x c++ $WS -I. -c $CK -o $B/cc.o
if command -v clang++ >/dev/null 2>&1; then cc_check "clang++ -std=c++11" clang++ -std=c++11 -x c++ $WS -I. -c $CK -o $B/cc.o; fi
all=""
for s in $SWITCHES; do
  cc_check "gcc -D$s" gcc -std=c99 $WC -D$s -I. -c $CK -o $B/cc.o
  all="$all -D$s"
done
cc_check "gcc all switches" gcc -std=c99 $WC $all -I. -c $CK -o $B/cc.o
cc_check "g++ all switches" g++ -std=c++11 -x c++ $WS $all -I. -c $CK -o $B/cc.o
if command -v clang >/dev/null 2>&1; then cc_check "clang all switches" clang -std=c99 $WC $all -I. -c $CK -o $B/cc.o; fi
if [ -f /usr/include/bearssl.h ]; then
  cc_check "gcc -DFASTMCP_WITH_BEARSSL" gcc -std=c99 $WC -DFASTMCP_WITH_BEARSSL -I. -c $CK -o $B/cc.o
  cc_check "g++ -DFASTMCP_WITH_BEARSSL" g++ -std=c++11 -x c++ $WS -DFASTMCP_WITH_BEARSSL -I. -c $CK -o $B/cc.o
  if command -v clang >/dev/null 2>&1; then cc_check "clang -DFASTMCP_WITH_BEARSSL" clang -std=c99 $WC -DFASTMCP_WITH_BEARSSL -I. -c $CK -o $B/cc.o; fi
fi
# size-first and portable code paths, poll(2) backend (each changes what is compiled)
for s in FASTMCP_SMALL FASTMCP_NO_SIMD FASTMCP_RSA_PORTABLE FASTMCP_HTTP_USE_POLL; do
  cc_check "gcc -D$s" gcc -std=c99 $WC -D$s -I. -c $CK -o $B/cc.o
done
cc_check "gcc -Os" gcc -std=c99 $WC -Os -I. -c $CK -o $B/cc.o
# Windows: the whole header with mingw-w64 (sockets, threads, file store on Win32)
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  cc_check "mingw-w64 gcc -std=c99" x86_64-w64-mingw32-gcc -std=c99 $WC -I. -c $CK -o $B/cc.o
  cc_check "mingw-w64 g++ -std=c++11" x86_64-w64-mingw32-g++ -std=c++11 -x c++ $WS -I. -c $CK -o $B/cc.o
  cc_check "mingw-w64 gcc all switches" x86_64-w64-mingw32-gcc -std=c99 $WC $all -I. -c $CK -o $B/cc.o
else
  S=$((S+1)); echo "skip  compile: mingw-w64 (x86_64-w64-mingw32-gcc absent; install mingw-w64)"
fi
cc_check "custom FASTMCP_MALLOC/REALLOC/FREE" gcc -std=c99 $W -DTEST_CUSTOM_ALLOC -I. -c $CK -o $B/cc.o
if gcc -std=c99 -DTEST_PARTIAL_ALLOC -I. -c $CK -o $B/cc.o >/dev/null 2>&1; then bad "partial FASTMCP_MALLOC must not compile"; else ok "partial FASTMCP_MALLOC is refused"; fi

# 2a. the quick start at the top of fastmcp.h: its two programs are
# examples/hello_stdio.c and examples/bearer_server.c, they compile warning-free,
# and the first one's tool answers over stdio (interop/auth.sh calls the second)
qs=$B/quickstart; mkdir -p "$qs"
awk -v dir="$qs" '/^ \* QUICK START/ { q = 1 }
     q && /^ \*     #define FASTMCP_IMPLEMENTATION/ { on = 1; k++; f = dir "/quickstart" k ".c" }
     on && /^ \*     / { sub(/^ \*     /, ""); printf "%s", gap > f; gap = ""; print > f; next }
     on && /^ \*$/ { gap = gap "\n"; next }
     on { on = 0; gap = "" } /^ \* OPTIONS/ { exit }' fastmcp.h
for pair in 1:hello_stdio 2:bearer_server; do
  k=${pair%%:*}; ex=${pair#*:}
  sed -n '/^#define FASTMCP_IMPLEMENTATION/,$p' "examples/$ex.c" >"$qs/$ex.c"
  if cmp -s "$qs/quickstart$k.c" "$qs/$ex.c"; then ok "quick start program $k in fastmcp.h is examples/$ex.c"
  else bad "quick start program $k in fastmcp.h differs from examples/$ex.c (see $qs)"; fi
  if gcc -std=c99 $W -I. -o "$qs/$ex" "$qs/quickstart$k.c" -lpthread -lm >"$qs/cc$k.txt" 2>&1; then ok "quick start program $k compiles"
  else bad "quick start program $k does not compile (see $qs/cc$k.txt)"; fi
done
# (stdin stays open until the answer is there, at most 10 s: end of input
# cancels calls still running, as a client closing stdin asks)
: >"$qs/out.txt"
if [ -x "$qs/hello_stdio" ] &&
   { printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
       '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
       '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":40,"b":2}}}'
     i=0; while ! grep -q '"id":2' "$qs/out.txt" && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done; } |
   "$qs/hello_stdio" >"$qs/out.txt" 2>&1 && grep -q '"id":2,"result":{"content":\[{"type":"text","text":"42"}' "$qs/out.txt"
then ok "quick start program 1 answers tools/call (42)"; else bad "quick start program 1 (see $qs)"; fi

# 2c. musl, linked statically (the "static binary" promise): the quick start's
# stdio program answers, and the JSON and Streamable HTTP unit tests pass
if command -v musl-gcc >/dev/null 2>&1; then
  ms=$B/musl; mkdir -p "$ms"
  if musl-gcc -std=c99 $W -O2 -static -I. -o "$ms/hello_stdio" examples/hello_stdio.c >"$ms/cc.txt" 2>&1 &&
     printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' |
     "$ms/hello_stdio" 2>&1 | grep -q '"serverInfo":{"name":"hello"'; then ok "musl static: examples/hello_stdio.c builds and answers initialize"
  else bad "musl static: examples/hello_stdio.c (see $ms)"; fi
  for t in test_json test_mcp_http; do
    if musl-gcc -std=c99 $W -O2 -static -I. -o "$ms/$t" "tests/$t.c" >"$ms/$t.cc.txt" 2>&1; then
      "$ms/$t" >"$log/musl-$t.txt" 2>&1; add_result "$log/musl-$t.txt" "musl static: $t"
    else bad "musl static: $t does not build (see $ms/$t.cc.txt)"; fi
  done
else
  echo "skip  musl static (musl-gcc not installed; Debian musl-tools)"; S=$((S+1))
fi

# 2b. bare metal: the header for Cortex-M4 with newlib-nano, sizes and stack (skips without arm-none-eabi-gcc)
sh tools/baremetal-check >"$log/baremetal.txt" 2>&1
grep -E '^skip|^FAIL|^ +\.text [0-9]|^ +stack from|^ +host run' "$log/baremetal.txt" | cut -c1-160 | sed 's/^ *//; s/^/      /'
add_result "$log/baremetal.txt" "bare metal (tools/baremetal-check)"

# 3. unit tests, plain, under ASan+UBSan, then the threaded ones under TSan
#    (a TSan report makes the binary exit 66: counted as a failure below)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}
for dir in tests san tsan; do
  [ -d "$B/$dir" ] || continue
  for t in $B/$dir/*; do
    [ -x "$t" ] || continue
    name="$dir/$(basename "$t")"
    out="$log/$(echo "$name" | tr / _).txt"
    "$t" >"$out" 2>&1
    rc=$?
    add_result "$out" "$name"
    if [ $rc -ne 0 ] && ! grep -q '^RESULT [0-9]* [1-9]' "$out"; then bad "$name exited $rc"; tail -5 "$out" | sed 's/^/      /'; fi
  done
done

# 3b. the unit tests built for i686 (-m32: x87 doubles, 32-bit size_t) by `make i686-tests`
if printf 'int main(void){return 0;}\n' | gcc -m32 -x c -o $B/m32-probe - >/dev/null 2>&1; then
  n=0
  for t in $B/i686/test_*; do
    [ -x "$t" ] || continue
    n=$((n+1))
    name="i686/$(basename "$t")"
    out="$log/$(echo "$name" | tr / _).txt"
    "$t" >"$out" 2>&1
    rc=$?
    add_result "$out" "$name"
    if [ $rc -ne 0 ] && ! grep -q '^RESULT [0-9]* [1-9]' "$out"; then bad "$name exited $rc"; tail -5 "$out" | sed 's/^/      /'; fi
  done
  [ $n -gt 0 ] || bad "i686 tests not built (make i686-tests)"
else
  S=$((S+1)); echo "skip  i686 unit tests (gcc -m32 cannot link a program; install gcc-multilib)"
fi

# 3c. the unit tests cross-built for Windows with mingw-w64 (make windows-tests), run under Wine
#     (its own prefix under /tmp, made on the first run; Wine's debug chatter off)
if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  S=$((S+1)); echo "skip  windows unit tests (x86_64-w64-mingw32-gcc absent; install mingw-w64)"
elif ! command -v wine >/dev/null 2>&1; then
  S=$((S+1)); echo "skip  windows unit tests (wine absent; install wine)"
else
  export WINEDEBUG=-all WINEPREFIX="${FMCP_WINEPREFIX:-/tmp/fastmcp-wine-$(id -u)}"
  n=0
  for t in $B/win/test_*.exe; do
    [ -f "$t" ] || continue
    n=$((n+1))
    name="win/$(basename "$t" .exe)"
    out="$log/$(echo "$name" | tr / _).txt"
    timeout 600 wine "$t" 2>&1 | tr -d '\r' >"$out"
    add_result "$out" "$name"
  done
  [ $n -gt 0 ] || bad "windows tests not built (make windows-tests)"
fi

# 3d. constant time: the secret paths (ec, rsa, ed25519, x25519) under valgrind
#     with the secrets marked undefined (tests/ct_ec.c, tests/ct_sig.c; built by make test)
if command -v valgrind >/dev/null 2>&1; then
  for t in $B/ct/ct_*; do
    [ -x "$t" ] || continue
    name="ct/$(basename "$t")"
    if valgrind -q --error-exitcode=1 "$t" >"$log/ct_$(basename "$t").txt" 2>&1; then ok "$name: no secret-dependent branch or index"
    else bad "$name (see $log/ct_$(basename "$t").txt)"; grep -m 3 'Conditional\|Use of\| at 0x' "$log/ct_$(basename "$t").txt" | sed 's/^/      /'; fi
  done
  [ -x $B/ct/ct_sig ] || bad "constant-time checks not built (make ct-bins)"
else
  S=$((S+1)); echo "skip  constant-time checks (valgrind not installed)"
fi

# 4. interop tests against real peers (each prints RESULT lines; skips when peers are absent)
for t in tests/interop/*.sh; do
  [ -f "$t" ] || continue
  [ "$(basename "$t")" = lib.sh ] && continue   # sourced by the others, not a test
  name="interop/$(basename "$t" .sh)"
  out="$log/$(echo "$name" | tr / _).txt"
  sh "$t" >"$out" 2>&1
  add_result "$out" "$name"
done

# 5. fuzz smoke: each libFuzzer target briefly, plus the saved reproducers (skips without libFuzzer)
sh tests/fuzz_smoke.sh >"$log/fuzz.txt" 2>&1
add_result "$log/fuzz.txt" "fuzz smoke"

echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
