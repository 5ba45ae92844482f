#!/bin/sh
# Cross-checks the jwt module and build/fmcp with real peers: openssl (keys,
# raw signatures both ways) and jose (Node; tokens and JWKS both ways), for
# RS256 in depth and then for every algorithm (RS256, PS256, ES256, ES384,
# EdDSA/Ed25519): keys from either side, tokens signed by either side.
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

# ---- every algorithm against openssl ---------------------------------------------
# ECDSA: JWS carries raw r||s, openssl speaks DER; convert with openssl itself.
raw_to_der() { # raw-sig-file half-size-bytes -> DER on stdout
  hex=$(xxd -p "$1" | tr -d '\n'); n=$(( $2 * 2 ))
  r=$(printf %s "$hex" | cut -c1-$n); s=$(printf %s "$hex" | cut -c$((n + 1))-)
  printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$r" "$s" >"$T/der.conf"
  openssl asn1parse -genconf "$T/der.conf" -out "$T/der.bin" -noout >/dev/null && cat "$T/der.bin"
}
der_to_raw() { # DER on stdin, half-size-bytes -> raw r||s on stdout
  cat >"$T/der.in"
  openssl asn1parse -inform DER -in "$T/der.in" | sed -n 's/.*INTEGER *://p' | while read -r h; do
    while [ ${#h} -lt $(( $1 * 2 )) ]; do h="0$h"; done; printf %s "$h"; done | xxd -r -p
}
alg_sign() { # alg key input -> JWS signature bytes on stdout
  case $1 in
    RS256) openssl dgst -sha256 -sign "$2" "$3" ;;
    PS256) openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sign "$2" "$3" ;;
    ES256) openssl dgst -sha256 -sign "$2" "$3" | der_to_raw 32 ;;
    ES384) openssl dgst -sha384 -sign "$2" "$3" | der_to_raw 48 ;;
    *) openssl pkeyutl -sign -inkey "$2" -rawin -in "$3" ;;
  esac
}
alg_verify() { # alg pub input sig: succeeds when openssl verifies
  case $1 in
    RS256) openssl dgst -sha256 -verify "$2" -signature "$4" "$3" | grep -q 'Verified OK' ;;
    PS256) openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify "$2" -signature "$4" "$3" | grep -q 'Verified OK' ;;
    ES256) raw_to_der "$4" 32 >"$T/sig.der" && openssl dgst -sha256 -verify "$2" -signature "$T/sig.der" "$3" | grep -q 'Verified OK' ;;
    ES384) raw_to_der "$4" 48 >"$T/sig.der" && openssl dgst -sha384 -verify "$2" -signature "$T/sig.der" "$3" | grep -q 'Verified OK' ;;
    *) openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$3" -sigfile "$4" | grep -q 'Signature Verified Successfully' ;;
  esac
}
ossl_genkey() { # alg file: an openssl-made private key (SEC1 for ES256, PKCS#8 otherwise)
  case $1 in
    RS256|PS256) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    ES256) openssl ecparam -name prime256v1 -genkey -noout -out "$2" ;;
    ES384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" ;;
    *) openssl genpkey -algorithm ed25519 -out "$2" ;;
  esac
}
# fmcp token -> openssl: the signature of TOKEN checked with PUB
tok_ossl_ok() { # alg pub token
  printf '%s' "${3%.*}" >"$T/ti"; printf '%s' "${3##*.}" | b64url_dec >"$T/ts"
  alg_verify "$1" "$2" "$T/ti" "$T/ts"
}
# openssl -> a token: header {"alg":A,"kid":KID}, payload for aud mcp, signed by KEY
ossl_token() { # alg key kid
  h=$(printf '{"alg":"%s","typ":"JWT","kid":"%s"}' "$1" "$3" | b64url)
  p=$(printf '{"sub":"ossl","aud":"mcp","exp":%s}' $((now + 300)) | b64url)
  printf '%s.%s' "$h" "$p" >"$T/oi"
  s=$(alg_sign "$1" "$2" "$T/oi" | b64url)
  printf '%s.%s.%s' "$h" "$p" "$s"
}
if command -v openssl >/dev/null 2>&1 && command -v xxd >/dev/null 2>&1; then
  for A in RS256 PS256 ES256 ES384 EdDSA; do
    D="$T/o-$A"
    if ! "$FMCP" keygen --alg "$A" --kid "k-$A" --out "$D" >/dev/null 2>&1; then bad "$A: fmcp keygen --alg $A"; continue; fi
    check "$A: openssl reads fmcp's private.pem" openssl pkey -in "$D/private.pem" -noout
    openssl pkey -in "$D/private.pem" -pubout -out "$D/pub-ossl.pem" 2>/dev/null
    check "$A: fmcp's public.pem equals openssl's public half" cmp -s "$D/pub-ossl.pem" "$D/public.pem"
    tok=$("$FMCP" token --key "$D/private.pem" --alg "$A" --kid "k-$A" --aud mcp --sub fmcp)
    check "$A: openssl verifies an fmcp token" tok_ossl_ok "$A" "$D/public.pem" "$tok"
    check "$A: fmcp verify accepts its own token (JWKS)" "$FMCP" verify --alg "$A" --jwks "$D/jwks.json" --aud mcp "$tok"
    ot=$(ossl_token "$A" "$D/private.pem" "k-$A")
    check "$A: fmcp verify accepts an openssl-signed token (JWKS)" sh -c "'$FMCP' verify --alg $A --jwks '$D/jwks.json' --aud mcp '$ot' | grep -q '\"sub\":\"ossl\"'"
    check "$A: fmcp verify refuses it when $A is not allowed" sh -c "! '$FMCP' verify --alg Ed25519 --jwks '$D/jwks.json' --aud mcp '$ot' 2>'$T/err' && grep -q alg_not_allowed '$T/err'"
    # keys made by openssl (ES256: a SEC1 "EC PRIVATE KEY")
    ossl_genkey "$A" "$D/ossl.pem" 2>/dev/null && openssl pkey -in "$D/ossl.pem" -pubout -out "$D/ossl-pub.pem" 2>/dev/null
    tok=$("$FMCP" token --key "$D/ossl.pem" --alg "$A" --aud mcp --sub fmcp)
    check "$A: fmcp signs with an openssl key, openssl verifies" tok_ossl_ok "$A" "$D/ossl-pub.pem" "$tok"
    ot=$(ossl_token "$A" "$D/ossl.pem" any)
    check "$A: fmcp verify --pem takes openssl's public key" "$FMCP" verify --alg "$A" --pem "$D/ossl-pub.pem" --aud mcp "$ot"
    check "$A: fmcp verify --pem takes openssl's private key file" "$FMCP" verify --alg "$A" --pem "$D/ossl.pem" --aud mcp "$ot"
    case $A in ES*)
      # the same ECDSA signature in DER form is refused
      h=${ot%%.*}; rest=${ot#*.}; p=${rest%%.*}
      printf '%s.%s' "$h" "$p" >"$T/di"
      if [ "$A" = ES256 ]; then dg=-sha256; else dg=-sha384; fi
      ds=$(openssl dgst $dg -sign "$D/ossl.pem" "$T/di" | b64url)
      check "$A: fmcp verify refuses a DER-encoded ECDSA signature" sh -c "! '$FMCP' verify --alg $A --pem '$D/ossl-pub.pem' --aud mcp '$h.$p.$ds' 2>'$T/err' && grep -q bad_signature '$T/err'"
    esac
  done
else
  skip "every-algorithm openssl checks: openssl or xxd not installed"
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

# ---- every algorithm against jose -------------------------------------------------
for A in RS256 PS256 ES256 ES384 EdDSA Ed25519; do
  D="$T/j-$A"; mkdir -p "$D/jose"
  if ! "$FMCP" keygen --alg "$A" --out "$D" >/dev/null 2>&1; then bad "$A: fmcp keygen"; continue; fi
  tok=$("$FMCP" token --key "$D/private.pem" --alg "$A" --kid "$(sed -n 's/.*"kid": "\(.*\)".*/\1/p' "$D/jwks.json")" --iss https://iss.test --aud mcp --sub alice)
  check "$A: jose verifies an fmcp token with fmcp's jwks.json" sh -c "node $PEER verify '$tok' '$D/jwks.json' https://iss.test mcp | grep -q '\"sub\":\"alice\"'"
  tpmatch() {
    tp=$(node "$PEER" thumbprint "$D/jwks.json") && [ -n "$tp" ] && grep -qF -e "\"kid\": \"$tp\"" "$D/jwks.json"
  }
  check "$A: jose computes the RFC 7638 thumbprint fmcp used as kid" tpmatch
  if ! node $PEER keypair "$D/jose" jose-kid "$A"; then bad "$A: jose keypair"; continue; fi
  claims=$(printf '{"sub":"carol","iss":"https://jose.test","aud":"mcp","iat":%s,"exp":%s}' "$now" $((now + 300)))
  jt=$(node $PEER sign "$D/jose/private.pem" jose-kid "$claims" "$A")
  check "$A: fmcp verify accepts a jose token with jose's JWKS" sh -c "'$FMCP' verify --alg $A --jwks '$D/jose/jwks.json' --iss https://jose.test --aud mcp '$jt' | grep -q '\"sub\":\"carol\"'"
  check "$A: fmcp verify accepts it with jose's SPKI PEM" "$FMCP" verify --alg "$A" --pem "$D/jose/public.pem" --aud mcp "$jt"
  check "$A: fmcp verify refuses it against fmcp's key (unknown kid)" sh -c "! '$FMCP' verify --alg $A --jwks '$D/jwks.json' --aud mcp '$jt' 2>'$T/err' && grep -q unknown_kid '$T/err'"
  check "$A: fmcp verify refuses it by default (RS256 only)" sh -c "[ $A = RS256 ] || { ! '$FMCP' verify --jwks '$D/jose/jwks.json' --aud mcp '$jt' 2>'$T/err' && grep -q alg_not_allowed '$T/err'; }"
  ft=$("$FMCP" token --key "$D/jose/private.pem" --alg "$A" --kid jose-kid --iss https://jose.test --aud mcp --sub dave)
  check "$A: fmcp signs with jose's PKCS#8 key, jose verifies" sh -c "node $PEER verify '$ft' '$D/jose/jwks.json' https://jose.test mcp | grep -q '\"sub\":\"dave\"'"
done
finish
