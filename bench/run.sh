#!/bin/sh
# Builds and runs every bench/bench_*.c side by side with its peer. A bench whose
# peer library is not installed is reported and skipped.
cd "$(dirname "$0")/.." || exit 2
status=0
for src in bench/bench_*.c; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .c)
  if ! make -s "build/bench/$name" >"build/bench-$name.log" 2>&1; then
    echo "== $name: not built (peer library missing? see build/bench-$name.log)"
    continue
  fi
  echo "== $name"
  "build/bench/$name" || status=1
done
for sh in bench/bench_*.sh; do
  [ -f "$sh" ] || continue
  echo "== $(basename "$sh" .sh)"
  sh "$sh" || status=1
done
exit $status
