#!/bin/sh
# Cross-checks the jwt module and build/fmcp with real peers: openssl (keys,
# raw RS256 signatures both ways) and jose (Node; tokens and JWKS both ways).
# Run from the repository root: sh tests/interop/jwt.sh
# Ends with "RESULT <passed> <failed> <skipped>"; peers that are absent are skipped.
cd "$(dirname "$0")/../.." || exit 2
FMCP=${FMCP:-build/fmcp}
PEER=tests/interop/jwt-peer.mjs
P=0; F=0; S=0
ok()   { P=$((P+1)); echo "ok    $1"; }
bad()  { F=$((F+1)); echo "FAIL  $1"; }
skip() { S=$((S+1)); echo "skip  $1"; }
check() { # name, command...: passes when the command succeeds
  name=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
finish() { rm -rf "$T"; echo "RESULT $P $F $S"; exit 0; }

T=$(mktemp -d "${TMPDIR:-/tmp}/fmcp-jwt.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM

if [ ! -x "$FMCP" ]; then skip "all: $FMCP not built"; finish; fi
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
b64url_dec() { # stdin: base64url without padding -> binary
  s=$(cat | tr -- '-_' '+/'); case $(( ${#s} % 4 )) in 2) s="$s==";; 3) s="$s=";; esac
  printf '%s' "$s" | base64 -d
}
now=$(date +%s)

# ---- keys from fmcp keygen ---------------------------------------------------
if ! "$FMCP" keygen --out "$T/k" --kid test-kid >"$T/keygen.out" 2>&1; then bad "fmcp keygen"; finish; fi
ok "fmcp keygen"
check "private.pem has mode 0600" test "$(stat -c %a "$T/k/private.pem")" = 600
if command -v openssl >/dev/null 2>&1; then
  check "openssl rsa -check accepts private.pem" sh -c "openssl rsa -check -noout -in '$T/k/private.pem' | grep -q 'RSA key ok'"
  check "openssl pkey reads private.pem as PKCS#8" sh -c "head -1 '$T/k/private.pem' | grep -q 'BEGIN PRIVATE KEY' && openssl pkey -in '$T/k/private.pem' -noout"
  check "openssl pkey reads public.pem (SPKI)" openssl pkey -pubin -in "$T/k/public.pem" -noout
  openssl pkey -in "$T/k/private.pem" -pubout -out "$T/pub-openssl.pem" 2>/dev/null
  check "public.pem equals openssl's public half" cmp -s "$T/pub-openssl.pem" "$T/k/public.pem"
  check "fmcp keygen --bits 3072 gives a 3072-bit key" sh -c "'$FMCP' keygen --bits 3072 --out '$T/k3' 2>/dev/null && openssl rsa -in '$T/k3/private.pem' -noout -text 2>/dev/null | grep -q '3072 bit'"

  # fmcp token -> openssl dgst -verify
  tok=$("$FMCP" token --key "$T/k/private.pem" --kid test-kid --sub alice --iss https://iss.test --aud mcp --scope "read write" --ttl 600)
  printf '%s' "${tok%.*}" >"$T/input"
  printf '%s' "${tok##*.}" | b64url_dec >"$T/sig"
  check "openssl verifies the signature of an fmcp token" sh -c "openssl dgst -sha256 -verify '$T/k/public.pem' -signature '$T/sig' '$T/input' | grep -q 'Verified OK'"

  # openssl-signed token -> fmcp verify
  h=$(printf '{"alg":"RS256","typ":"JWT","kid":"test-kid"}' | b64url)
  p=$(printf '{"sub":"bob","iss":"https://iss.test","aud":"mcp","scope":"read","exp":%s}' $((now + 300)) | b64url)
  printf '%s.%s' "$h" "$p" >"$T/in2"
  s=$(openssl dgst -sha256 -sign "$T/k/private.pem" "$T/in2" | b64url)
  check "fmcp verify accepts an openssl-signed token (JWKS)" sh -c "'$FMCP' verify --jwks '$T/k/jwks.json' --iss https://iss.test --aud mcp --scope read '$h.$p.$s' | grep -q '\"sub\":\"bob\"'"
  check "fmcp verify accepts an openssl-signed token (PEM)" "$FMCP" verify --any-aud --pem "$T/k/public.pem" "$h.$p.$s"
  p2=$(printf '{"sub":"eve","iss":"https://iss.test","aud":"mcp","scope":"read","exp":%s}' $((now + 300)) | b64url)
  check "fmcp verify refuses a tampered openssl token" sh -c "! '$FMCP' verify --any-aud --pem '$T/k/public.pem' '$h.$p2.$s' 2>'$T/err' && grep -q bad_signature '$T/err'"
  check "fmcp verify needs --aud or --any-aud" sh -c "! '$FMCP' verify --pem '$T/k/public.pem' '$h.$p.$s' 2>'$T/err' && grep -q any-aud '$T/err'"
  p3=$(printf '{"sub":"bob","aud":"mcp","scp":["read admin"],"exp":%s}' $((now + 300)) | b64url)
  s3=$(printf '%s.%s' "$h" "$p3" | openssl dgst -sha256 -sign "$T/k/private.pem" | b64url)
  check "fmcp verify: an scp item \"read admin\" grants no admin" sh -c "! '$FMCP' verify --pem '$T/k/public.pem' --aud mcp --scope admin '$h.$p3.$s3' 2>'$T/err' && grep -q insufficient_scope '$T/err'"
  check "fmcp verify refuses a missing scope (insufficient_scope)" sh -c "! '$FMCP' verify --any-aud --pem '$T/k/public.pem' --scope admin '$h.$p.$s' 2>'$T/err' && grep -q insufficient_scope '$T/err'"
else
  skip "openssl checks: openssl not installed"
fi

# ---- jose (Node) -----------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || [ ! -d tests/interop/node_modules/jose ]; then
  skip "jose checks: node or tests/interop/node_modules/jose absent (npm ci in tests/interop)"
  finish
fi
tok=$("$FMCP" token --key "$T/k/private.pem" --kid test-kid --sub alice --iss https://iss.test --aud mcp --aud other --scope "read write" --ttl 600 --claim 'n={"a":[1,2]}')
check "jose verifies an fmcp token with fmcp's jwks.json" sh -c "node $PEER verify '$tok' '$T/k/jwks.json' https://iss.test mcp 'read write' | grep -q '\"sub\":\"alice\"'"
check "jose sees the --claim value" sh -c "node $PEER verify '$tok' '$T/k/jwks.json' https://iss.test other | grep -q '\"n\":{\"a\":\\[1,2\\]}'"
# (a thumbprint may start with "-": match it as a fixed string, never as an option)
kid_matches() {
  "$FMCP" jwk --pem "$T/k/public.pem" >"$T/jwk.json" || return 1
  tp=$(node "$PEER" thumbprint "$T/jwk.json") && [ -n "$tp" ] && grep -qF -e "\"$tp\"" "$T/jwk.json"
}
check "jose computes the same RFC 7638 kid" kid_matches
exp_tok=$("$FMCP" token --key "$T/k/private.pem" --kid test-kid --iss https://iss.test --aud mcp --ttl -120)
check "jose refuses an expired fmcp token" sh -c "node $PEER verify '$exp_tok' '$T/k/jwks.json' https://iss.test mcp | grep -q ERR_JWT_EXPIRED"

mkdir -p "$T/j"
node $PEER keypair "$T/j" jose-kid || { bad "jose keypair"; finish; }
claims=$(printf '{"sub":"carol","iss":"https://jose.test","aud":["x","mcp"],"scp":["read","write"],"iat":%s,"exp":%s}' "$now" $((now + 300)))
jtok=$(node $PEER sign "$T/j/private.pem" jose-kid "$claims")
check "fmcp verify accepts a jose token with jose's JWKS" sh -c "'$FMCP' verify --jwks '$T/j/jwks.json' --iss https://jose.test --aud mcp --scope write '$jtok' | grep -q '\"sub\":\"carol\"'"
check "fmcp verify accepts a jose token with its PEM key (kid ignored)" "$FMCP" verify --any-aud --pem "$T/j/private.pem" "$jtok"
check "fmcp verify refuses a jose token for another audience" sh -c "! '$FMCP' verify --jwks '$T/j/jwks.json' --aud nope '$jtok' 2>'$T/err' && grep -q bad_audience '$T/err'"
check "fmcp verify refuses a jose token against fmcp's key" sh -c "! '$FMCP' verify --any-aud --jwks '$T/k/jwks.json' '$jtok' 2>'$T/err' && grep -q unknown_kid '$T/err'"
jtok2=$(node $PEER sign "$T/k/private.pem" test-kid "$claims")
check "fmcp verify accepts jose signing with fmcp's private.pem" "$FMCP" verify --any-aud --jwks "$T/k/jwks.json" --iss https://jose.test "$jtok2"
old=$(printf '{"sub":"d","iat":%s,"exp":%s}' $((now - 1000)) $((now - 100)))
jtok3=$(node $PEER sign "$T/j/private.pem" jose-kid "$old")
check "fmcp verify refuses an expired jose token" sh -c "! '$FMCP' verify --any-aud --jwks '$T/j/jwks.json' '$jtok3' 2>'$T/err' && grep -q expired '$T/err'"
check "fmcp verify accepts it within --leeway" "$FMCP" verify --any-aud --jwks "$T/j/jwks.json" --leeway 200 "$jtok3"
finish
