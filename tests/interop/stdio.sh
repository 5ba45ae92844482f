#!/bin/sh
# Real-peer interop over stdio: the official MCP TypeScript SDK Client
# (tests/interop/stdio-client.mjs) spawns build/examples/everything and
# build/examples/claude_code_server; the claude_code server is also started
# with bad tokens and must refuse. Tokens come from build/fmcp and from jose.
# One "ok"/"FAIL"/"skip" line per check, then "RESULT passed failed skipped".
cd "$(dirname "$0")/../.." || exit 2
P=0; F=0; S=0
# the caller's own settings (e.g. from examples/claude_code/README.md) must not leak in
unset BEARER_TOKEN JWKS_URI JWKS_FILE JWT_PUBLIC_KEY_FILE JWT_ISSUER JWT_AUDIENCE JWT_REQUIRED_SCOPES JWT_LEEWAY_SECONDS
ok()   { P=$((P+1)); echo "ok    $1"; }
bad()  { F=$((F+1)); echo "FAIL  $1"; }
finish() { echo "RESULT $P $F $S"; exit 0; }

if ! command -v node >/dev/null 2>&1 || [ ! -d tests/interop/node_modules/@modelcontextprotocol/sdk ] ||
   [ ! -d tests/interop/node_modules/jose ]; then
  echo "skip  node or tests/interop/node_modules missing (cd tests/interop && npm ci)"; S=1; finish
fi

# The binaries `make` builds; compiled here only when missing.
W=build/interop/stdio; mkdir -p "$W"
need() { # path source
  [ -x "$1" ] && return 0
  ${CC:-cc} -std=c99 -O2 -I. -o "$1" "$2" -lpthread -lm 2>"$W/build.log" && return 0
  bad "build $2 (see $W/build.log)"; return 1
}
EV=build/examples/everything; [ -x "$EV" ] || EV=$W/everything
CS=build/examples/claude_code_server; [ -x "$CS" ] || CS=$W/claude_code_server
FM=build/fmcp; [ -x "$FM" ] || FM=$W/fmcp
need "$EV" examples/everything.c || finish
need "$CS" examples/claude_code/server.c || finish
need "$FM" cli/fmcp.c || finish

# Adds the RESULT line of a client run to ours, echoing its check lines.
client() { # args...
  out=$(cd tests/interop && timeout 120 node stdio-client.mjs "$@" 2>"../../$W/client.err")
  printf '%s\n' "$out" | grep -v '^RESULT '
  r=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -n 1)
  if [ -z "$r" ]; then bad "stdio-client.mjs $1: no RESULT (see $W/client.err)"; return; fi
  set -- $r
  P=$((P+$2)); F=$((F+$3)); S=$((S+$4))
}

# 1. the SDK client against the everything server
client everything "../../$EV"

# 2. claude_code: a key pair, tokens from our CLI and from jose, three key sources
K=$W/keys; rm -rf "$K"
if ! "$FM" keygen --kid stdio-k1 --out "$K" >/dev/null 2>&1; then bad "fmcp keygen"; finish; fi
ISS=https://issuer.stdio.test; AUD=secure-server
tok() { "$FM" token --key "$K/private.pem" --kid stdio-k1 --iss "$ISS" --aud "$AUD" "$@"; }
T_OK=$(tok --sub alice --scope "mcp:tools notes:read")
T_NONOTE=$(tok --sub bob --scope mcp:tools)
T_JOSE=$(cd tests/interop && node stdio-client.mjs jose-token "../../$K/private.pem" stdio-k1 "$ISS" "$AUD" carol)
export JWT_ISSUER="$ISS" JWT_AUDIENCE="$AUD"
BEARER_TOKEN=$T_OK JWKS_FILE=$PWD/$K/jwks.json client whoami "../../$CS" alice with-note
BEARER_TOKEN=$T_NONOTE JWT_PUBLIC_KEY_FILE=$PWD/$K/public.pem client whoami "../../$CS" bob no-note
# carol: the token signed by jose, keys fetched over http
BEARER_TOKEN=$T_JOSE SERVE_JWKS=$PWD/$K/jwks.json client whoami "../../$CS" carol
# examples/claude_code/.mcp.json as Claude Code would launch it (needs `make`)
if [ -x build/examples/claude_code_server ]; then
  BEARER_TOKEN=$T_OK SERVE_JWKS=$PWD/$K/jwks.json MCP_JSON=../../examples/claude_code/.mcp.json:secure-server \
    client whoami - alice with-note
else
  S=$((S+1)); echo "skip  claude_code .mcp.json launch: build/examples/claude_code_server not built (make)"
fi

# a session outliving its token: refused from exp on (no leeway here)
BEARER_TOKEN=$(tok --sub dave --ttl 5) JWT_LEEWAY_SECONDS=0 JWKS_FILE=$PWD/$K/jwks.json client expiry "../../$CS"

# 3. claude_code must refuse to start: non-zero exit, the reason on stderr, no output
refused() { # name expected-stderr-pattern, then env assignments
  name=$1; pat=$2; shift 2
  env "$@" timeout 10 "$CS" </dev/null >"$W/refused.out" 2>"$W/refused.err"
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ ! -s "$W/refused.out" ] && grep -q "refusing to start: .*$pat" "$W/refused.err"; then
    ok "claude_code refuses $name (exit $rc: $(cat "$W/refused.err"))"
  else
    bad "claude_code refuses $name (exit $rc, stderr: $(cat "$W/refused.err"))"
  fi
}
SIG=${T_OK##*.}; FIRST=$(printf %s "$SIG" | cut -c1)
if [ "$FIRST" = A ]; then NEW=B; else NEW=A; fi
T_TAMPERED="${T_OK%.*}.$NEW$(printf %s "$SIG" | cut -c2-)"
"$FM" keygen --kid stdio-k1 --out "$K/other" >/dev/null 2>&1
T_FOREIGN=$("$FM" token --key "$K/other/private.pem" --kid stdio-k1 --iss "$ISS" --aud "$AUD" --sub mallory)
JF=JWKS_FILE=$PWD/$K/jwks.json
refused "a missing token"        "BEARER_TOKEN is not set" BEARER_TOKEN= "$JF"
refused "a malformed token"      "malformed"       BEARER_TOKEN=not-a-jwt "$JF"
refused "a tampered signature"   "bad_signature"   BEARER_TOKEN="$T_TAMPERED" "$JF"
refused "another key's token"    "bad_signature"   BEARER_TOKEN="$T_FOREIGN" "$JF"
refused "an expired token"       "expired"         BEARER_TOKEN="$(tok --sub alice --ttl -300)" "$JF"
refused "a wrong audience"       "bad_audience"    BEARER_TOKEN="$T_OK" "$JF" JWT_AUDIENCE=someone-else
refused "no audience configured" "JWT_AUDIENCE is not set" BEARER_TOKEN="$T_OK" "$JF" JWT_AUDIENCE=
refused "a wrong issuer"         "bad_issuer"      BEARER_TOKEN="$T_OK" "$JF" JWT_ISSUER=https://evil.test
refused "a missing scope"        "insufficient_scope" BEARER_TOKEN="$T_NONOTE" "$JF" JWT_REQUIRED_SCOPES=notes:read
refused "no key configured"      "no key"          BEARER_TOKEN="$T_OK"
refused "an unreachable JWKS_URI" "cannot fetch"   BEARER_TOKEN="$T_OK" JWKS_URI=http://127.0.0.1:9/jwks
finish
