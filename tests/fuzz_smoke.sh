#!/bin/sh
# Fuzz smoke step (part of tests/run.sh): builds the libFuzzer targets in fuzz/,
# runs each for a bounded number of inputs from its seeds (fuzz/seeds/NAME,
# plus PEM/DER keys that openssl makes for rsakey), then replays every saved
# reproducer fuzz/regress/NAME-*.bin through fuzz_NAME. One line per run, then
# "RESULT p f s". Skips cleanly when clang or its libFuzzer runtime is absent.
# FUZZ_RUNS and FUZZ_SECONDS bound each target (defaults 20000 inputs, 5 s;
# `make fuzz-long` runs each for FUZZ_SECONDS with FUZZ_RUNS=-1, no limit).
# fuzz_json also reads the shared JSON vectors ($FMCP_VECTORS, else
# ../shared/vectors: json-bench/jsonchecker, json-bench/roundtrip,
# JSONTestSuite/test_parsing) as extra seed directories when they are there.
cd "$(dirname "$0")/.." || exit 2
B=build/fuzz
RUNS=${FUZZ_RUNS:-20000}
SECS=${FUZZ_SECONDS:-5}
P=0; F=0; S=0
mkdir -p "$B"

skip_all() { echo "skip  fuzz: $1"; echo "RESULT 0 0 1"; exit 0; }
command -v clang >/dev/null 2>&1 || skip_all "clang not installed"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
  > "$B/probe.c"
clang -fsanitize=fuzzer -o "$B/probe" "$B/probe.c" >/dev/null 2>&1 \
  || skip_all "clang's libFuzzer runtime is absent (clang -fsanitize=fuzzer does not link)"

targets=""
for src in fuzz/fuzz_*.c; do targets="$targets $(basename "$src" .c)"; done
bins=""
for t in $targets; do bins="$bins $B/$t"; done
if ! make -s -j"$(nproc 2>/dev/null || echo 2)" $bins >"$B/build.log" 2>&1; then
  echo "FAIL  fuzz: build (see $B/build.log)"; sed 's/^/      /' "$B/build.log" | head -20
  echo "RESULT 0 1 0"; exit 1
fi

# rsakey seeds from openssl (keys made here, never committed)
seed_rsakey() {
  d=$1
  command -v openssl >/dev/null 2>&1 || return 0
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/k8.pem" 2>/dev/null || return 0
  openssl pkey -in "$d/k8.pem" -pubout -out "$d/spki.pem" 2>/dev/null
  openssl pkey -in "$d/k8.pem" -outform DER -out "$d/k8.der" 2>/dev/null
  openssl pkey -in "$d/k8.pem" -pubout -outform DER -out "$d/spki.der" 2>/dev/null
  openssl rsa -in "$d/k8.pem" -traditional -out "$d/pkcs1.pem" 2>/dev/null
  openssl rsa -in "$d/k8.pem" -RSAPublicKey_out -outform DER -out "$d/pkcs1pub.der" 2>/dev/null
}

VEC=${FMCP_VECTORS:-../shared/vectors}
extra_dirs() { # target name -> existing extra corpus directories (read only)
  [ "$1" = json ] || return 0
  for d in "$VEC/json-bench/jsonchecker" "$VEC/json-bench/roundtrip" "$VEC/JSONTestSuite/test_parsing"; do
    [ -d "$d" ] && printf '%s\n' "$d"
  done
  return 0
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
for t in $targets; do
  name=${t#fuzz_}
  # a target the Makefile leaves out here (fuzz_tls_server without BearSSL)
  if [ ! -x "$B/$t" ]; then S=$((S+1)); echo "skip  fuzz: $t (not built here: see $B/build.log)"; continue; fi
  corpus="$B/corpus-$name"; rm -rf "$corpus"; mkdir -p "$corpus"
  [ -d "fuzz/seeds/$name" ] && cp fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
  [ "$name" = rsakey ] && seed_rsakey "$corpus"
  dict=""; [ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
  log="$B/$t.log"
  extra=$(extra_dirs "$name")
  # shellcheck disable=SC2086 # word splitting of $dict and $extra is wanted
  if "$B/$t" -runs="$RUNS" -max_total_time="$SECS" -seed=1 -artifact_prefix="$B/$t-" $dict "$corpus" $extra >"$log" 2>&1; then
    stats=$(grep 'DONE' "$log" | tail -n 1 | grep -o 'cov: [0-9]*\|exec/s: [0-9]*' | tr '\n' ' ')
    P=$((P+1)); echo "ok    fuzz: $t ($(grep -o 'Done [0-9]* runs' "$log" | tail -n 1 | cut -d' ' -f2) runs, ${stats% })"
  else
    F=$((F+1)); echo "FAIL  fuzz: $t (see $log)"
    grep -m 3 'ERROR\|SUMMARY\|Test unit written' "$log" | sed 's/^/      /'
  fi
done

# saved reproducers: each must now run clean
for r in fuzz/regress/*-*.bin; do
  [ -f "$r" ] || continue
  name=$(basename "$r" .bin); t=fuzz_${name%%-*}
  log="$B/regress-$name.log"
  if [ ! -x "$B/$t" ]; then S=$((S+1)); echo "skip  fuzz: regress $name (no target $t)"; continue; fi
  if "$B/$t" "$r" >"$log" 2>&1; then P=$((P+1)); echo "ok    fuzz: regress $name"
  else F=$((F+1)); echo "FAIL  fuzz: regress $name (see $log)"; grep -m 2 'ERROR\|SUMMARY' "$log" | sed 's/^/      /'; fi
done

echo "RESULT $P $F $S"
[ "$F" -eq 0 ]
