#!/bin/sh
# The build tracks its flags (issue 15): a target built with one set of flags
# is out of date under another (make BEARSSL=1 after make rebuilds), the
# default build uses BearSSL when it is installed and says so, and `make run`
# builds build/fmcp, which the command it prints uses. Nothing is compiled:
# `make -q` answers whether a target is up to date, on stand-in files in a
# temporary build directory.
cd "$(dirname "$0")/.." || exit 2
P=0; F=0; S=0
ok()  { P=$((P+1)); echo "ok    $1"; }
bad() { F=$((F+1)); echo "FAIL  $1"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-flags.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
TGT="$T/tests/test_b64"
q() { make -q --no-print-directory BUILD="$T" "$@" "$TGT" >/dev/null 2>&1; echo $?; }

# "built" with BEARSSL=0 OPT=-O0: the stamp is written while make reads the
# Makefile; the stand-ins are newer than it
make -q --no-print-directory BUILD="$T" BEARSSL=0 OPT=-O0 "$TGT" >/dev/null 2>&1
[ -f "$T/flags.stamp" ] && ok "make writes $T/flags.stamp" || bad "no flags stamp in the build directory"
touch -d '5 seconds ago' "$T/flags.stamp"
mkdir -p "$T/obj" "$T/tests"
touch "$T/obj/impl.o" "$TGT"
r=$(q BEARSSL=0 OPT=-O0); [ "$r" = 0 ] && ok "same flags: up to date" || bad "same flags: make -q says $r (want 0)"
r=$(q BEARSSL=0 OPT=-O1); [ "$r" = 1 ] && ok "other OPT: rebuilt" || bad "other OPT: make -q says $r (want 1)"
touch -d '5 seconds ago' "$T/flags.stamp"; touch "$T/obj/impl.o" "$TGT"
r=$(q BEARSSL=0 OPT=-O1); [ "$r" = 0 ] && ok "after the rebuild: up to date" || bad "after the rebuild: make -q says $r (want 0)"
r=$(q BEARSSL=1 OPT=-O1); [ "$r" = 1 ] && ok "BEARSSL=1 after BEARSSL=0: rebuilt" || bad "BEARSSL=1 after BEARSSL=0: make -q says $r (want 1)"

# the default: BearSSL when its header and library are there, said in one line
any() { for f in "$@"; do [ -e "$f" ] && return 0; done; return 1; }
found=0
if any /usr/include/bearssl.h /usr/local/include/bearssl.h &&
   any /usr/lib/libbearssl.* /usr/lib/*/libbearssl.* /usr/local/lib/libbearssl.*; then found=1; fi
# MAKELEVEL=0: the line is printed by the top-level make only (make test runs this from a sub-make)
out=$(MAKELEVEL=0 make -n --no-print-directory BUILD="$T" OPT=-O1 "$TGT" 2>&1)
if [ $found = 1 ]; then
  case "$out" in *"building with BearSSL"*) ok "default make says it builds with BearSSL";;
    *) bad "default make does not say it builds with BearSSL: $(echo "$out" | head -1)";; esac
  grep -q -- '-DFASTMCP_WITH_BEARSSL' "$T/flags.stamp" && ok "default flags have -DFASTMCP_WITH_BEARSSL" ||
    bad "default flags lack -DFASTMCP_WITH_BEARSSL: $(cat "$T/flags.stamp")"
  out=$(MAKELEVEL=0 make -n --no-print-directory BUILD="$T" BEARSSL=0 "$TGT" 2>&1)
  case "$out" in *"without TLS"*) ok "make BEARSSL=0 says it builds without TLS";;
    *) bad "make BEARSSL=0 does not say so: $(echo "$out" | head -1)";; esac
else
  S=$((S+1)); echo "skip  default BearSSL build (BearSSL not installed)"
fi

# make run builds what its printed command uses
out=$(make -n --no-print-directory BUILD="$T" run 2>&1)
case "$out" in *"-o $T/fmcp "*) ok "make run builds $T/fmcp";; *) bad "make run does not build build/fmcp";; esac
echo "RESULT $P $F $S"
[ $F -eq 0 ]
