#!/bin/sh
# The HTTPS server's TLS 1.2 handshake (src/tls.c: the own handshake, and the
# fallback to BearSSL) against tls_raw.py, a client written out by hand on
# the primitives of Python's `cryptography` package. Two servers from
# bench/https_server.c, one with an EC P-256 key and one with an RSA-2048
# key (certificates made here with openssl), on 127.0.0.1; tls_raw.py runs
# full handshakes for every suite x curve x extended master secret with a
# request on each, ClientHellos that must go to BearSSL, attacks that must
# end in the right fatal alert, and a ClientHello fuzz smoke (see its
# docstring). Then: both servers still running and silent on stderr (no
# sanitizer reports when built with TLS_RAW_CFLAGS="-O1 -g -fsanitize=...").
# Prints "RESULT p f s"; skips when BearSSL, openssl or python3 with the
# cryptography package (python3-cryptography) is absent.
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
if [ ! -f /usr/include/bearssl.h ]; then skip "BearSSL not installed (libbearssl-dev)"; finish; fi
if ! command -v openssl >/dev/null 2>&1; then skip "openssl not installed"; finish; fi
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 &&
     "$p" -c 'import cryptography.x509, cryptography.hazmat.primitives.ciphers.aead' >/dev/null 2>&1; then
    PY=$p; break
  fi
done
if [ -z "$PY" ]; then skip "python3 with the cryptography package not found (python3-cryptography)"; finish; fi
B=build/interop/tls_raw; rm -rf "$B"; mkdir -p "$B"
trap t_cleanup EXIT
trap 'exit 1' INT TERM

# -O0: the TLS code under test compiles fast and is quick enough unoptimised
if ! ${CC:-cc} -std=c99 ${TLS_RAW_CFLAGS:--O0 -g} -DFASTMCP_WITH_BEARSSL -I. -o "$B/srv" bench/https_server.c \
     -lbearssl -lpthread -lm 2>"$B/cc.txt"; then
  bad "build bench/https_server.c (see $B/cc.txt)"; finish
fi

# ---- a CA and two server certificates (openssl is the independent party) ----
mk() ( cd "$B" && set -e && exec >>openssl.txt 2>&1
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 30 -subj '/CN=tls_raw CA'
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ec.key -out ec.csr -subj '/CN=localhost'
  openssl x509 -req -in ec.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out ec.crt
  openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj '/CN=localhost'
  openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out rsa.crt
)
if mk; then ok "openssl made a CA, an EC P-256 and an RSA-2048 server certificate"; else bad "openssl certificates (see $B/openssl.txt)"; finish; fi

# ---- the two servers: port 0 (they print "port N"), 120 s at most ----
start_srv() { # kind -> PORT_<kind>, PID_<kind>
  TLS_CERT="$B/$1.crt" TLS_KEY="$B/$1.key" "$B/srv" 0 120 >"$B/$1.out" 2>"$B/$1.err" &
  pid=$!; PIDS="$PIDS $pid"; eval "PID_$1=$pid"
  if ! wait_for '^port [0-9]' "$B/$1.out" 100; then
    bad "server ($1 key) did not start"; sed 's/^/      /' "$B/$1.err" | head -20; finish
  fi
  eval "PORT_$1=$(awk '/^port /{print $2; exit}' "$B/$1.out")"
}
start_srv ec
start_srv rsa
ok "servers listening on 127.0.0.1:$PORT_ec (EC key) and 127.0.0.1:$PORT_rsa (RSA key)"

# ---- the client: one line per check, counted here ----
"$PY" tests/interop/tls_raw.py --ca "$B/ca.crt" --ec "$PORT_ec" "$B/ec.crt" --rsa "$PORT_rsa" "$B/rsa.crt" \
  --fuzz "${TLS_RAW_FUZZ:-300}" --seed "${TLS_RAW_SEED:-1}" >"$B/client.txt" 2>"$B/client.err"
rc=$?
while IFS= read -r line; do
  case $line in
    "ok "*) ok "${line#ok }";;
    "FAIL "*) bad "${line#FAIL }";;
    *) echo "      $line";;
  esac
done <"$B/client.txt"
if [ "$rc" -ne 0 ]; then bad "tls_raw.py exited with status $rc"; tail -n 20 "$B/client.err" | sed 's/^/      /'; fi

# ---- the servers after all that: alive, then stopped; nothing on stderr ----
for k in ec rsa; do
  eval "pid=\$PID_$k"
  if kill -0 "$pid" 2>/dev/null; then ok "server ($k key) still running"; else bad "server ($k key) died (see $B/$k.err)"; fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  if [ -s "$B/$k.err" ]; then bad "server ($k key) wrote to stderr:"; head -n 30 "$B/$k.err" | sed 's/^/      /'
  else ok "server ($k key) wrote nothing to stderr"; fi
done
finish
